"""One chunk of items, end to end: history to supplier splits, with the cross-item state.

:func:`plan_chunk` runs the planner's per-item stages on the rows of one chunk of items
(an id range): demand history on the periods of the whole panel, velocity, classes, stock
cover, lead times, the forecast with the pooled state, the stockout dates with the chunk's
seed blocks and the demand paths kept, the order recommendations on those same paths (no
second simulation), and the supplier splits of the items to order. Every step is the public
function of the unchunked plan, so a chunk's rows are those of a run over all items.
"""

from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ..forecast.core import _forecast_demand
from ..forecast.result import DemandForecast
from ..history.classes import classify_demand
from ..history.demand import demand_history
from ..history.leadtime import lead_time_history
from ..history.panel import DemandHistory
from ..history.velocity import item_velocity
from ..io.dataset import Dataset
from ..policy.recommend import recommend_orders
from ..simulation.cover import stock_cover
from ..simulation.stockout import StockoutForecast, stockout_dates
from ..supply.backorders import availability_feed, backorder_notices, promise_dates
from ..supply.purchase_orders import plan_purchase_orders
from ..supply.results import PurchasePlan
from ..supply.shortage import shortage_costs
from .partition import interleave_forecasts, take_forecast
from .state import CrossItemState

__all__: list[str] = []


@dataclass
class ChunkPlan:
    """The per-item results of one chunk (the same fields as a ReorderPlan's stages)."""

    history: DemandHistory
    velocity: pd.DataFrame
    demand_classes: pd.DataFrame
    cover: pd.DataFrame | None
    lead_times: pd.DataFrame | None = None
    forecast: DemandForecast | None = None
    stockouts: StockoutForecast | None = None
    orders: pd.DataFrame | None = None
    purchase_plan: PurchasePlan | None = None
    shortage_costs: pd.DataFrame | None = None
    timings: dict[str, float] = field(default_factory=dict)


def inventory_of(dataset: Dataset, history: DemandHistory) -> pd.DataFrame:
    """The inventory snapshot, or on-hand 0 for every history item when there is none."""
    if dataset.inventory is not None:
        return dataset.inventory
    return pd.DataFrame({"item_id": pd.Series(history.item_ids, dtype="str"), "on_hand_units": 0.0})


def lead_times_of(dataset: Dataset, as_of: pd.Timestamp) -> pd.DataFrame | None:
    """Lead-time history per item x supplier (None without purchase orders and suppliers)."""
    if dataset.purchase_orders is None and dataset.suppliers is None:
        return None
    po = dataset.purchase_orders
    if po is None:
        po = pd.DataFrame(
            columns=["po_id", "item_id", "supplier_id", "units", "order_date", "expected_date"]
        )
    return lead_time_history(po, dataset.suppliers, as_of=as_of)


def promise_parts(
    planner: Any,
    dataset: Dataset,
    inventory: pd.DataFrame,
    plan_lines: pd.DataFrame | None,
    as_of: pd.Timestamp,
    lead_times: pd.DataFrame | None,
) -> dict[str, Any]:
    """Promise dates for the open customer lines, the notices and the availability feed."""
    assert dataset.customer_orders is not None
    bo = promise_dates(
        dataset.customer_orders,
        inventory,
        dataset.purchase_orders,
        plan_lines,
        rule=planner.allocation_rule,
        as_of=as_of,
        promise=planner.promise,
        lead_times=lead_times,
        suppliers=dataset.suppliers,
    )
    return {
        "backorders": bo,
        "notices": backorder_notices(bo),
        "availability": availability_feed(bo),
    }


class _Clock:
    """Seconds per stage, accumulated into ``times`` (the chunk's ``timings``).

    Wall seconds under the stage's name and this process's CPU seconds under
    ``"<stage> (cpu)"`` (the CPU time does not depend on what else runs on the machine).
    """

    def __init__(self, times: dict[str, float]) -> None:
        self.times = times
        self.last = time.perf_counter()
        self.last_cpu = time.process_time()

    def lap(self, stage: str) -> None:
        now, cpu = time.perf_counter(), time.process_time()
        self.times[stage] = self.times.get(stage, 0.0) + now - self.last
        key = f"{stage} (cpu)"
        self.times[key] = self.times.get(key, 0.0) + cpu - self.last_cpu
        self.last, self.last_cpu = now, cpu


def plan_chunk(ds: Dataset, state: CrossItemState, planner: Any, block_offset: int) -> ChunkPlan:
    """Run the per-item stages of ``planner`` on the chunk ``ds`` (see module docs).

    The seconds spent per stage are in the result's ``timings``.
    """
    clock = _Clock({})
    out = _history_stages(ds, state, planner, clock)
    if planner.forecast:
        _probabilistic_stages(out, ds, state, planner, block_offset, clock)
    out.timings = clock.times
    return out


def _history_stages(ds: Dataset, state: CrossItemState, planner: Any, clock: _Clock) -> ChunkPlan:
    """Demand history on the whole panel's periods, velocity, classes and stock cover."""
    assert ds.sales is not None
    # every item of every table of the chunk, so none is lost (no sales: status no_sales)
    items = [df["item_id"].astype(str) for df in ds.tables.values() if "item_id" in df.columns]
    history = demand_history(
        ds.sales,
        ds.stock_history,
        freq=planner.freq,
        as_of=state.as_of,
        items=pd.Index(pd.unique(pd.concat(items, ignore_index=True))) if items else None,
        start=state.start,
    )
    clock.lap("demand history")
    velocity = item_velocity(history)
    classes = classify_demand(history)
    cover = None  # without an inventory table nothing is known about stock
    if ds.inventory is not None:
        cover = stock_cover(
            ds.inventory,
            velocity,
            ds.purchase_orders,
            as_of=state.as_of,
            horizon=planner.cover_horizon_days,
            velocity_column=planner.velocity_column,
        )
    clock.lap("velocity, classes, cover")
    return ChunkPlan(history=history, velocity=velocity, demand_classes=classes, cover=cover)


def _probabilistic_stages(
    out: ChunkPlan,
    ds: Dataset,
    state: CrossItemState,
    planner: Any,
    block_offset: int,
    clock: _Clock,
) -> None:
    """Forecast, stockout dates (paths kept), orders on the same paths, supplier splits."""
    out.lead_times = lead_times_of(ds, state.as_of)
    clock.lap("lead times")
    out.forecast = _chunk_forecast(out.history, state, planner)
    clock.lap("forecast")
    if ds.inventory is None:
        return  # no stock figures: no stockout dates, no orders (the levels come later)
    inventory = ds.inventory
    so = stockout_dates(
        out.forecast,
        inventory,
        ds.purchase_orders,
        n_paths=planner.n_paths,
        lead_time_uncertainty=out.lead_times,
        n_jobs=planner.n_jobs,
        random_state=state.seeds[1],
        block_offset=block_offset,
        keep_paths=True,
    )
    clock.lap("stockout dates")
    # weekly and monthly forecasts start with the next whole period: orders are placed no
    # earlier than the day before it (the plan's notes say so)
    order_day = max(state.as_of, pd.Timestamp(out.forecast.dates[0]) - pd.Timedelta(days=1))
    if ds.suppliers is not None:
        out.orders = recommend_orders(
            so,
            inventory,
            ds.suppliers,
            ds.purchase_orders,
            ds.items,
            service_level=planner.service_level,
            review_period_days=planner.review_period_days,
            as_of=order_day,
            lead_times=out.lead_times,
            n_paths=planner.n_paths,
            random_state=state.seeds[2],
        )
        clock.lap("order recommendations")
        to_order = out.orders[out.orders["order_now"].fillna(False).astype(bool)]
        if len(to_order):
            costs = shortage_costs(to_order["item_id"], ds.suppliers, ds.items)
            out.shortage_costs = costs
            # the order is used up at the forecast's rate after the stockout, so a supplier
            # that comes sooner leaves fewer units short (without a rate every unit would be
            # needed on the stockout day and any late supplier as bad as the slowest)
            out.purchase_plan = plan_purchase_orders(
                to_order.assign(demand_units_per_day=to_order["velocity_units_per_day"]),
                ds.suppliers,
                stockouts=so,
                lead_times=out.lead_times,
                # a unit short costs what shortage_costs says (backorder cost, else price)
                items=costs.rename(columns={"shortage_cost_per_unit": "backorder_cost"})[
                    ["item_id", "backorder_cost"]
                ],
                as_of=order_day,
            )
        clock.lap("supplier splits")
    # the kept demand paths (items x paths x horizon) are not part of the result
    out.stockouts = dataclasses.replace(so, _scenario=None)


def _chunk_forecast(history: DemandHistory, state: CrossItemState, planner: Any) -> DemandForecast:
    """The chunk's forecast, with the first pass's rows where it made them.

    Items of the state sample take their rows of the sample forecast; the others are
    forecast here with the pooled state.
    """
    ids = np.asarray(history.item_ids).astype(str)
    parts = []
    rest = ids
    made = state.sample_forecast
    if made is not None:
        pos = pd.Index(np.asarray(made.item_ids).astype(str)).get_indexer(ids)
        have = pos >= 0
        if have.any():
            parts.append(take_forecast(made, pos[have], None))
        rest = ids[~have]
    if len(rest):
        sub = history if len(rest) == len(ids) else history.subset(rest)
        fc, _ = _forecast_demand(
            sub,
            planner.model,
            horizon=planner._horizon_periods(),
            n_paths=planner.n_paths,
            random_state=state.seeds[0],
            pool=state.forecast_pool,
        )
        parts.append(fc)
    if len(parts) == 1 and len(parts[0].item_ids) == len(ids) and rest is ids:
        return dataclasses.replace(parts[0], history=history)
    return interleave_forecasts(ids, parts, history)

"""The chunks put together, and the cross-item steps that run on their outputs.

:func:`run_chunked` is the single-process chunked plan: the first pass
(:func:`~.state.cross_item_state`), the chunks one after the other, or ``n_jobs`` at a
time in threads (:func:`~.chunk.plan_chunk`), then :func:`assemble`: the per-item tables concatenated (the
chunks are id ranges in order, so the rows come out sorted as in one run), the ABC ranking
over all items, one draft purchase order per supplier from every chunk's lines, and the
promise dates of the open customer orders (an order's lines may span chunks).
"""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np
import pandas as pd

from ..history.classes import _abc_classes
from ..io.dataset import Dataset
from ..policy.levels import reorder_levels
from ..simulation.stockout import StockoutForecast
from ..supply.purchase_orders import _po_table
from ..supply.results import PurchasePlan
from ..supply.shortage import note_below_spread
from .chunk import ChunkPlan, plan_chunk, promise_parts
from .partition import concat_forecasts, concat_histories, make_chunks, split_dataset
from .state import CrossItemState, chunkable, cross_item_state

__all__: list[str] = []

#: bytes per history item held while its chunk is planned: the kept demand paths (8 bytes
#: x paths x horizon) dominate; the rest is the panel and the forecast's working arrays
_ITEM_OVERHEAD_BYTES = 120_000


def chunk_items_for(planner: Any, n_items: int) -> int:
    """Items per chunk: ``planner.chunk_size``, else as many as ``memory_budget_mb`` holds."""
    if not planner.forecast or not chunkable(planner.model):
        return max(n_items, 1)
    if planner.chunk_size is not None:
        return int(planner.chunk_size)
    per_item = 8 * planner.n_paths * planner._horizon_periods() + _ITEM_OVERHEAD_BYTES
    return max(64, int(planner.memory_budget_mb * 2**20 // per_item))


def run_chunked(
    planner: Any,
    dataset: Dataset,
    *,
    progress: Callable[[str, int, int], None] | None = None,
) -> dict[str, Any]:
    """The plan of ``planner`` on ``dataset``, chunk by chunk in this process (its fields)."""
    tick = progress or (lambda name, i, n: None)
    state = cross_item_state(dataset, planner, sample=planner.state_sample_items)
    n_items, jobs = len(state.history_ids), max(1, int(planner.n_jobs))
    per = chunk_items_for(planner, n_items)
    if jobs > 1 and planner.chunk_size is None and per < n_items:
        # ``jobs`` chunks at a time, each within its share of the memory budget, in rounds
        # of ``jobs`` chunks of about the same size
        rounds = -(-n_items // (max(1, per // jobs) * jobs))
        per = -(-n_items // (rounds * jobs))
    chunks = make_chunks(state.history_ids, per)
    parts = split_dataset(dataset, chunks)
    if jobs > 1 and chunks.n_chunks > 1:
        # chunks in ``jobs`` threads (numpy, pyarrow and HiGHS let go of the GIL for most of
        # a chunk's work); each chunk simulates in one thread. Same chunks, same plan.
        inner = copy.copy(planner)
        inner.n_jobs = 1
        with ThreadPoolExecutor(max_workers=jobs) as ex:
            futures = [
                ex.submit(plan_chunk, ds, state, inner, chunks.block_offset(c))
                for c, ds in enumerate(parts)
            ]
            results = []
            for c, fut in enumerate(futures):
                results.append(fut.result())
                tick(f"chunk {c + 1} of {chunks.n_chunks}", c + 1, chunks.n_chunks + 1)
    else:
        results = []
        for c, ds in enumerate(parts):
            tick(f"chunk {c + 1} of {chunks.n_chunks}", c + 1, chunks.n_chunks + 1)
            results.append(plan_chunk(ds, state, planner, chunks.block_offset(c)))
    tick("cross-item steps", chunks.n_chunks + 1, chunks.n_chunks + 1)
    return assemble(planner, dataset, state, results)


def _cat(frames: list[pd.DataFrame | None]) -> pd.DataFrame | None:
    got = [f for f in frames if f is not None]
    if not got:
        return None
    return pd.concat(got, ignore_index=True) if len(got) > 1 else got[0].reset_index(drop=True)


def _cat_all(frames: list[pd.DataFrame]) -> pd.DataFrame:
    out = _cat(list(frames))
    assert out is not None
    return out


def rank_abc(classes: pd.DataFrame) -> pd.DataFrame:
    """The ABC class and cumulative share re-ranked over all items (after the chunks)."""
    abc, share = _abc_classes(
        classes["abc_value"].to_numpy(dtype=float),
        classes["item_id"].to_numpy(dtype=object),
        0.8,
        0.95,
    )
    out = classes.copy()
    out["abc_share_cum"] = share
    out["abc"] = pd.array(abc, dtype="str")
    return out


def concat_stockouts(parts: list[StockoutForecast]) -> StockoutForecast:
    """One stockout forecast from those of consecutive chunks (without their scenarios)."""
    first = parts[0]
    return dataclasses.replace(
        first,
        item_ids=np.concatenate([p.item_ids for p in parts]),
        p_stockout=np.concatenate([p.p_stockout for p in parts]),
        summary=pd.concat([p.summary for p in parts], ignore_index=True),
        _scenario=None,
    )


def concat_purchase_plans(parts: list[PurchasePlan]) -> PurchasePlan:
    """One purchase plan: every chunk's lines, one draft purchase order per supplier."""
    lines = pd.concat([p.lines for p in parts], ignore_index=True)
    lines = lines.sort_values(["supplier_id", "item_id"], kind="stable").reset_index(drop=True)
    notes: list[str] = []
    for p in parts:
        notes += [n for n in p.notes if n not in notes]
    return PurchasePlan(
        lines=lines,
        purchase_orders=_po_table(lines, None),
        items=pd.concat([p.items for p in parts], ignore_index=True),
        splits=pd.concat([p.splits for p in parts], ignore_index=True),
        notes=notes,
        as_of=parts[0].as_of,
    )


def assemble(
    planner: Any, dataset: Dataset, state: CrossItemState, results: list[ChunkPlan]
) -> dict[str, Any]:
    """The fields of the :class:`~stockout_forecast.ReorderPlan` from the chunks' results."""
    history = concat_histories([r.history for r in results])
    notes = list(dataset.notes)
    assert dataset.sales is not None
    _note_after_as_of(dataset.sales, state.as_of, notes)
    if dataset.inventory is None:
        notes.append(
            "No inventory table: nothing is known about stock on hand, so this plan makes "
            "no claim about stockouts or orders. It gives velocity, the forecast and the "
            "reorder point and order-up-to level per item at a lead time you state "
            "(--lead-time-days, or lead_time_days in the items table)."
        )
    parts: dict[str, Any] = {}
    if planner.forecast:
        parts.update(_forecast_parts(planner, dataset, state, results, history, notes))
    return dict(
        as_of=state.as_of,
        history=history,
        velocity=_cat_all([r.velocity for r in results]),
        demand_classes=rank_abc(_cat_all([r.demand_classes for r in results])),
        cover=_cat([r.cover for r in results]),
        items=dataset.items,
        notes=notes,
        source=dataset.source,
        **parts,
    )


def _forecast_parts(
    planner: Any,
    dataset: Dataset,
    state: CrossItemState,
    results: list[ChunkPlan],
    history: Any,
    notes: list[str],
) -> dict[str, Any]:
    """The forecast parts of the plan.

    With stock figures the stockout dates, orders, splits and promises; without a suppliers
    table the reorder levels at a stated lead time.
    """
    fcs = [r.forecast for r in results if r.forecast is not None]
    parts: dict[str, Any] = {}
    parts["forecast"] = concat_forecasts(fcs, history) if len(fcs) > 1 else fcs[0]
    if len(fcs) == 1:
        parts["forecast"] = dataclasses.replace(fcs[0], history=history)
    parts["lead_times"] = _cat([r.lead_times for r in results])
    if dataset.suppliers is None:
        parts["levels"] = _levels(planner, dataset, parts["forecast"], state, notes)
    if dataset.inventory is None:
        return parts
    so = concat_stockouts([r.stockouts for r in results if r.stockouts is not None])
    parts["stockouts"] = dataclasses.replace(so, censored_share=float(history.censored_share))
    first_day = pd.Timestamp(parts["forecast"].dates[0]) - pd.Timedelta(days=1)
    if dataset.suppliers is None:
        notes.append("No suppliers table: no order recommendations or supplier splits.")
    else:
        if state.as_of < first_day:
            notes.append(
                f"The {dict(D='daily', W='weekly', M='monthly')[str(planner.freq)[0]]} forecast starts "
                f"on {parts['forecast'].dates[0]:%Y-%m-%d}, so orders are planned as placed on "
                f"{first_day:%Y-%m-%d}, not {state.as_of:%Y-%m-%d}; use --freq D to plan from "
                f"today."
            )
        parts["orders"] = _cat([r.orders for r in results])
        plans = [r.purchase_plan for r in results if r.purchase_plan is not None]
        if plans:
            parts["purchase_plan"] = concat_purchase_plans(plans)
        costs = _cat([r.shortage_costs for r in results])
        if costs is not None:
            parts["shortage_costs"] = costs
            low = note_below_spread(costs)
            if low:
                notes.append(low)
    parts.update(_promises(planner, dataset, history, state, parts, notes))
    return parts


def _levels(
    planner: Any, dataset: Dataset, forecast: Any, state: CrossItemState, notes: list[str]
) -> pd.DataFrame | None:
    """Reorder levels at the stated lead time (no suppliers table), or a note why not.

    Run on the whole forecast after the chunks, with one stream of random numbers, so the
    levels do not depend on how the items were chunked.
    """
    items = dataset.items
    per_item = (
        items is not None
        and "lead_time_days" in items.columns
        and bool(items["lead_time_days"].notna().any())
    )
    if planner.lead_time_days is None and not per_item:
        if dataset.inventory is not None:
            notes.append(
                "No suppliers table and no lead time stated: no reorder levels. State one "
                "with --lead-time-days (or lead_time_days in the items table)."
            )
        return None  # without inventory the no-inventory note says how to get them
    return reorder_levels(
        forecast,
        planner.lead_time_days,
        items=items,
        review_period_days=planner.review_period_days,
        service_level=planner.service_level if planner.service_level != "economic" else 0.95,
        n_paths=planner.n_paths,
        random_state=state.seeds[2],
    )


def _note_after_as_of(sales: pd.DataFrame, as_of: pd.Timestamp, notes: list[str]) -> None:
    """Sales after the planning date are not used: say so."""
    late = sales["date"].dt.normalize() > as_of
    if late.any():
        notes.append(
            f"{int(late.sum()):,} sales lines after the planning date {as_of:%Y-%m-%d} (up to "
            f"{sales['date'].max():%Y-%m-%d}) are not used: the plan is made as of that date."
        )


def _promises(
    planner: Any,
    dataset: Dataset,
    history: Any,
    state: CrossItemState,
    parts: dict[str, Any],
    notes: list[str],
) -> dict[str, Any]:
    """Promise dates over all open customer lines (a cross-item step: orders span items)."""
    if dataset.customer_orders is None or len(dataset.customer_orders) == 0:
        notes.append("No open customer orders: no promise dates or customer notices.")
        return {}
    plan_lines = parts["purchase_plan"].lines if "purchase_plan" in parts else None
    assert dataset.inventory is not None
    return promise_parts(
        planner,
        dataset,
        dataset.inventory,
        plan_lines,
        state.as_of,
        parts.get("lead_times"),
    )

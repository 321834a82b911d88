"""``ReorderPlanner``: chains the layers and keeps every stage's result.

Like pvlib's ``ModelChain``, the planner adds no algorithm of its own: each stage calls one
public function, and an analyst who calls the same functions in the same order with the same
arguments gets the same numbers (``tests/test_planner.py`` checks this).
"""

from __future__ import annotations

import copy
import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ._utils import RandomStateLike, check_fraction, renamed_parameters
from .forecast import DemandForecast
from .history.panel import DemandHistory
from .io.dataset import Dataset
from .io.plausibility import Thresholds
from .report.excel import write_workbook
from .report.html import plan_dict, render_html
from .report.sections import ReportFrames, section_tables
from .report.views import orders_to_place
from .simulation.stockout import StockoutForecast
from .supply.backorders import BackorderPlan
from .supply.results import PurchasePlan

__all__ = ["ReorderPlan", "ReorderPlanner"]

ProgressCallback = Callable[[str, int, int], None]


@dataclass(frozen=True, repr=False, eq=False)
class ReorderPlan:
    """Everything one planning run produced, stage by stage.

    Attributes
    ----------
    as_of : pandas.Timestamp
        Planning date (the inventory snapshot's ``as_of``, else the last sales date).
    history : DemandHistory
        Demand per item and period, censored (stock-out) periods marked.
    velocity : pandas.DataFrame
        :func:`~stockout_forecast.history.demand.item_velocity` output, one row per item.
    demand_classes : pandas.DataFrame
        :func:`~stockout_forecast.history.demand.classify_demand` output, one row per item.
    cover : pandas.DataFrame or None
        :func:`~stockout_forecast.simulation.cover.stock_cover` output (velocity-based), one
        row per item; None without an inventory table (nothing is known about stock).
    items : pandas.DataFrame or None
        The items table as read (descriptions, planning parameters).
    lead_times : pandas.DataFrame or None
        :func:`~stockout_forecast.history.leadtime.lead_time_history` per item x supplier.
    forecast : DemandForecast or None
        Probabilistic demand forecast (:func:`~stockout_forecast.forecast.forecast_demand`).
    stockouts : StockoutForecast or None
        Stockout-date distributions (:func:`~stockout_forecast.simulation.stockout.stockout_dates`).
    orders : pandas.DataFrame or None
        :func:`~stockout_forecast.policy.recommend.recommend_orders`, one row per item.
    purchase_plan : PurchasePlan or None
        Supplier splits and draft purchase orders
        (:func:`~stockout_forecast.supply.purchase_orders.plan_purchase_orders`) for the items to order now.
    backorders : BackorderPlan or None
        Promise dates for open customer lines (:func:`~stockout_forecast.supply.backorders.promise_dates`).
    notices : pandas.DataFrame or None
        Customers to contact (:func:`~stockout_forecast.supply.backorders.backorder_notices`).
    availability : pandas.DataFrame or None
        Web-shop availability per item (:func:`~stockout_forecast.supply.backorders.availability_feed`).
    levels : pandas.DataFrame or None
        Reorder point and order-up-to level per item at a stated lead time
        (:func:`~stockout_forecast.policy.levels.reorder_levels`), when there is no
        suppliers table and a lead time is stated.
    shortage_costs : pandas.DataFrame or None
        What the supplier split charges a unit short, per item, and where the figure comes
        from (:func:`~stockout_forecast.supply.shortage.shortage_costs`).
    notes : list of str
        Data notes: what was excluded, adjusted or skipped, and why.
    source : str
        Where the data came from.
    version : str
        Library version that made the plan.
    """

    as_of: pd.Timestamp
    history: DemandHistory
    velocity: pd.DataFrame
    demand_classes: pd.DataFrame
    cover: pd.DataFrame | None
    items: pd.DataFrame | None = None
    lead_times: pd.DataFrame | None = None
    forecast: DemandForecast | None = None
    stockouts: StockoutForecast | None = None
    orders: pd.DataFrame | None = None
    purchase_plan: PurchasePlan | None = None
    backorders: BackorderPlan | None = None
    notices: pd.DataFrame | None = None
    availability: pd.DataFrame | None = None
    levels: pd.DataFrame | None = None
    shortage_costs: pd.DataFrame | None = None
    notes: list[str] = field(default_factory=list)
    source: str = ""
    version: str = ""

    def summary(self) -> pd.DataFrame:
        """One row per item: the planner's table.

        Columns: ``item_id``, ``description`` (when the items table has one),
        ``stockout_date`` and ``days_of_cover`` (at the current velocity), ``velocity_7d``,
        ``velocity_28d``, ``velocity_90d``, ``trend_ratio``, ``demand_class``, ``abc``,
        ``xyz``, ``on_hand_units``, ``backordered_units``, ``available_units`` (on hand −
        backordered − allocated), ``open_po_units``,
        ``next_receipt_date``, ``fastest_lead_time_days``; with a forecast also
        ``forecast_model``, ``stockout_date_p10``, ``stockout_date_p50``,
        ``stockout_date_p90``, ``p_stockout_in_horizon``, ``p_stockout_before_next_receipt``,
        ``expected_units_short``; with suppliers also ``order_now``, ``order_units``,
        ``order_by_date``, ``expected_arrival_date``, ``reorder_point_units``,
        ``service_level``, ``implied_fill_rate``, ``expected_cost_per_year``,
        ``supplier_split`` (e.g. ``"S1 80, S2 40"``) and ``order_reason``; and ``status``
        and ``reason`` (the first problem found for the item, if any).
        """
        vel = self.velocity.set_index("item_id")
        cls = self.demand_classes.set_index("item_id")
        cov = self.cover.set_index("item_id") if self.cover is not None else None
        ids = vel.index.union(cls.index)
        if cov is not None:
            ids = ids.union(cov.index)
        if self.items is not None:
            ids = ids.union(pd.Index(self.items["item_id"]))
        index = pd.Index(ids, name="item_id")
        # the columns gathered first and framed once (as many insertions into a frame cost
        # more than the values for a few items); a column set twice keeps its first place
        out: dict[str, Any] = {}
        if self.items is not None and "description" in self.items.columns:
            out["description"] = self.items.set_index("item_id")["description"].reindex(index)
        _take(out, index, cov, ("stockout_date", "days_of_cover"))
        _take(out, index, vel, ("velocity_7d", "velocity_28d", "velocity_90d", "trend_ratio"))
        _take(out, index, cls, ("demand_class", "abc", "xyz"))
        _take(out, index, cov, _COVER_COLUMNS)
        stages = self._stage_frames()
        self._forecast_columns(out, index, stages)
        out["status"], out["reason"] = self._item_status(index, vel, cov, stages)
        return pd.DataFrame(out, index=index).reset_index()

    def _stage_frames(self) -> dict[str, pd.DataFrame]:
        """The columns the summary reads of the probabilistic stages, indexed by item (once)."""
        tables = {
            "stockouts": self.stockouts.summary if self.stockouts is not None else None,
            "levels": self.levels,
            "orders": self.orders,
            "purchase_plan": self.purchase_plan.items if self.purchase_plan is not None else None,
        }
        read = {
            "stockouts": _STOCKOUT_COLUMNS,
            "levels": _LEVEL_COLUMNS,
            "orders": _POLICY_COLUMNS,
            "purchase_plan": (),
        }
        return {
            k: v[
                [
                    "item_id",
                    *(c for c in dict.fromkeys((*read[k], "status", "reason")) if c in v.columns),
                ]
            ].set_index("item_id")
            for k, v in tables.items()
            if v is not None
        }

    def _forecast_columns(
        self, out: dict[str, Any], index: pd.Index, stages: dict[str, pd.DataFrame]
    ) -> None:
        """The columns of the probabilistic stages: lead time, model, stockout dates, orders."""
        if self.lead_times is not None and len(self.lead_times):
            lt = self.lead_times.groupby("item_id")["lead_time_mean_days"].min()
            out["fastest_lead_time_days"] = lt.reindex(index)
        if self.forecast is not None:
            model = pd.Series(self.forecast.model, index=self.forecast.item_ids)
            out["forecast_model"] = model.reindex(index)
        _take(out, index, stages.get("stockouts"), _STOCKOUT_COLUMNS)
        _take(out, index, stages.get("levels"), _LEVEL_COLUMNS)
        if self.orders is not None:
            self._order_columns(out, index, stages["orders"])

    def _order_columns(self, out: dict[str, Any], index: pd.Index, rec: pd.DataFrame) -> None:
        """Order columns: what the draft POs say for the items to order now (one truth).

        And the policy's reorder point and order-by date for every item.
        """
        pp = self.purchase_plan
        has_lines = pp is not None and len(pp.lines) > 0
        placed = orders_to_place(self).set_index("item_id") if has_lines else _no_orders()
        now = index.isin(placed.index)
        out["order_now"] = now
        policy_ok = (rec["status"].reindex(index) == "ok").to_numpy()
        got = placed[["order_units", "supplier_split", "last_arrival_date", "reason"]].reindex(
            index
        )
        out["order_units"] = got["order_units"].where(now, np.where(policy_ok, 0.0, np.nan))
        out["supplier_split"] = got["supplier_split"]
        out["expected_arrival_date"] = got["last_arrival_date"]
        _take(out, index, rec, _POLICY_COLUMNS, rename={"reason": "order_reason"})
        out["order_reason"] = got["reason"].where(now, out["order_reason"])

    def _item_status(
        self,
        index: pd.Index,
        vel: pd.DataFrame,
        cov: pd.DataFrame | None,
        stages: dict[str, pd.DataFrame],
    ) -> tuple[pd.Series, pd.Series]:
        """Status and reason per item: the first stage that could not compute it says why."""
        status = np.full(len(index), "ok", dtype=object)
        reason = np.full(len(index), "", dtype=object)
        if self.items is not None and "status" in self.items.columns:
            item_status = self.items.set_index("item_id")["status"].astype(str).str.strip()
            disc = (item_status.str.lower().reindex(index) == "discontinued").to_numpy(bool)
            status[disc] = "discontinued"
            reason[disc] = "discontinued in the items table: not reordered"
        frames = [self.history.status, vel] + ([cov] if cov is not None else [])
        frames += [
            stages[k] for k in ("stockouts", "levels", "orders", "purchase_plan") if k in stages
        ]
        for frame in frames:
            if "status" not in frame.columns:
                continue
            _first_problem(
                status,
                reason,
                index,
                frame,
                skip_no_demand=frame is cov and self.stockouts is not None,
            )
        no_sales = ~index.isin(self.history.item_ids) & (status == "ok")
        status[no_sales] = "no_sales"
        reason[no_sales] = "item is listed but has no sales history"
        return pd.Series(status, index=index, dtype="str"), pd.Series(
            reason, index=index, dtype="str"
        )

    def to_frame(self) -> pd.DataFrame:
        """Alias of :meth:`summary`."""
        return self.summary()

    def tables(self) -> dict[str, pd.DataFrame]:
        """Every table of the plan by name (what ``to_excel`` writes, one sheet each).

        The tables of the report's sections, in order
        (:data:`~stockout_forecast.report.sections.SECTIONS`): ``summary``, ``velocity``,
        ``demand_classes``, ``stock_cover``, ``lead_times``, ``stockouts``, ``orders``,
        ``purchase_orders``, ``purchase_order_lines``, ``promise_dates``,
        ``customer_notices``, ``availability``, ``notes``; those of stages that did not run
        are left out.
        """
        return section_tables(self)

    def to_dict(self) -> dict[str, Any]:
        """JSON-able dict: as_of, source, version, notes, headline figures and every table.

        The tables are those of :meth:`tables`, each a list of records.
        """
        return plan_dict(self)

    def to_html(self, path: str | Path | None = None, **kwargs: Any) -> str:
        """Self-contained HTML report; written to ``path`` when given. Returns the HTML."""
        html = render_html(self, **kwargs)
        if path is not None:
            Path(path).write_text(html, encoding="utf-8")
        return html

    def to_excel(self, path: str | Path) -> Path:
        """Excel workbook, one formatted sheet per table of :meth:`tables`; formulas neutralised.

        See :func:`~stockout_forecast.report.excel.write_workbook`: frozen header, filters,
        column widths, dates as dates, numbers stored as displayed.
        """
        return write_workbook(self.tables(), path)

    def headline(self) -> pd.DataFrame:
        """The figures a planner sees first (``key``, ``label``, ``value``, ``tone``).

        The same frame gives the report's headline tiles, the JSON's ``headline`` and the
        command line's summary (:func:`~stockout_forecast.report.views.headline`).
        """
        return ReportFrames.of(self).headline

    def orders_to_place(self) -> pd.DataFrame:
        """One row per item to order now, from the draft purchase orders.

        See :func:`~stockout_forecast.report.views.orders_to_place`; the Orders table, the
        CSV, the Excel sheet and the JSON render this frame.
        """
        return orders_to_place(self)

    def __repr__(self) -> str:
        h = self.headline()
        figures = ", ".join(
            f"{v:,} {label}" for label, v in zip(h["label"], h["value"], strict=True)
        )
        return (
            f"<ReorderPlan as of {self.as_of:%Y-%m-%d}: {figures}; "
            f"{self.history.censored_share:.1%} item-periods censored>"
        )

    def _repr_html_(self) -> str:
        from ._export import escape_html

        s = self.summary()
        col = "stockout_date_p50" if "stockout_date_p50" in s.columns else "stockout_date"
        head = s.sort_values(col, na_position="last").head(10)
        return f"<div><b>{escape_html(repr(self))}</b>{head.to_html(index=False)}</div>"


_COVER_COLUMNS = (
    "on_hand_units",
    "backordered_units",
    "available_units",
    "open_po_units",
    "next_receipt_date",
)
_STOCKOUT_COLUMNS = (
    "stockout_date_p10",
    "stockout_date_p50",
    "stockout_date_p90",
    "p_stockout_in_horizon",
    "p_stockout_before_next_receipt",
    "expected_units_short",
)
#: the policy's columns in the summary (its reason as ``order_reason``), then its status
_POLICY_COLUMNS = (
    "order_by_date",
    "reorder_point_units",
    "service_level",
    "implied_fill_rate",
    "expected_cost_per_year",
    "reason",
)
_LEVEL_COLUMNS = (
    "lead_time_days",
    "review_period_days",
    "service_level",
    "velocity_units_per_day",
    "safety_stock_units",
    "reorder_point_units",
    "order_up_to_units",
)


def _take(
    out: dict[str, Any],
    index: pd.Index,
    frame: pd.DataFrame | None,
    cols: tuple[str, ...],
    rename: dict[str, str] | None = None,
) -> None:
    """Copy ``cols`` of ``frame`` (indexed by item) into ``out``, aligned on ``index``."""
    if frame is None:
        return
    have = [c for c in cols if c in frame.columns]
    if not have:
        return
    got = frame[have].reindex(index)  # one reindex for the columns (same values)
    for col in have:
        out[(rename or {}).get(col, col)] = got[col]


@functools.cache
def _no_orders() -> pd.DataFrame:
    """:func:`orders_to_place` of a plan with no draft PO line, indexed by item (read-only)."""
    return orders_to_place(None).set_index("item_id")


_OK_STATUSES = {"ok", "short", "no_order"}


def _first_problem(
    status: np.ndarray,
    reason: np.ndarray,
    index: pd.Index,
    frame: pd.DataFrame,
    *,
    skip_no_demand: bool,
) -> None:
    """Write ``frame``'s status and reason for the items still 'ok' whose status is a problem.

    ``skip_no_demand``: the cover's 'no_demand' only says the 28-day velocity is 0, so
    stock lasts for ever at that velocity; the simulated stockout dates supersede it.
    """
    pos = frame.index.get_indexer(index)
    if (pos < 0).all():
        return
    st = frame["status"].to_numpy(dtype=object)
    rs = frame["reason"].to_numpy(dtype=object) if "reason" in frame.columns else st
    for k, p in enumerate(pos.tolist()):
        if p < 0 or status[k] != "ok":
            continue
        v = st[p]
        if pd.isna(v) or v in _OK_STATUSES or (skip_no_demand and v == "no_demand"):
            continue
        r = rs[p]
        status[k] = str(v)
        reason[k] = "" if pd.isna(r) else str(r)


class ReorderPlanner:
    """Run the planning stages on a :class:`~stockout_forecast.io.dataset.Dataset`.

    Parameters
    ----------
    freq : str or None, default None
        Period of the demand history and forecast (see :func:`demand_history`: ``"D"``,
        ``"W-MON"`` ... ``"W-SUN"``, ``"MS"``, ``"ME"``); ``None`` infers it from the sales
        dates.
    as_of : str or Timestamp, optional
        Planning date; default: the inventory snapshot's ``as_of`` or the last sales date.
    velocity_column : str, default "velocity_28d"
        Which velocity consumes stock in :func:`stock_cover`.
    cover_horizon_days : int, default 365
        How far ahead :func:`stock_cover` looks for a stockout, in days (old name:
        ``horizon_days``).
    forecast : bool, default True
        Run the probabilistic stages (forecast, stockout dates, orders, supplier splits,
        promise dates). False stops after stock cover (fast, velocity only).
    horizon : int, optional
        Forecast periods of ``freq``; default 90 days, 13 weeks or 4 months (old name:
        ``forecast_horizon``).
    model : str, model or list, default "auto"
        Passed to :func:`forecast_demand`.
    n_paths : int, default 500
        Demand sample paths per item for the stockout-date simulation.
    service_level : float or "economic", default 0.95
        Target cycle service level for items without one in the items table; ``"economic"``
        sets each item's from its costs (see :func:`recommend_orders`).
    review_period_days : float, default 7
        Days between planning runs (the protection interval is lead time + review period).
    promise : {"p50", "p90"}, default "p90"
        Which date customers are promised.
    allocation_rule : {"fifo", "priority"}, default "fifo"
        Order in which open customer lines get stock and receipts.
    random_state : int, Generator or None, default 0
        Seed for the forecast paths and simulations; the same seed gives the same plan.
    n_jobs : int, default 1
        Threads: chunks of items planned ``n_jobs`` at a time (with one chunk, threads for
        its stockout-date simulation). Results do not depend on it.
    chunk_size : int, optional
        Items planned together (rounded up to whole seed blocks of 64). Default: as many
        as ``memory_budget_mb`` holds. The plan does not depend on it.
    memory_budget_mb : float, default 2048
        Memory for the working arrays of the chunks planned at once, MiB, when
        ``chunk_size`` is None; the demand paths (8 bytes x ``n_paths`` x horizon per
        item) take most of it.
    state_sample_items : int, default 5,000
        Items whose forecasts fix the forecast's pooled state (class shrinkage, pooled
        dispersion, ...) when there are more (chosen by a hash of the id); with fewer
        items all of them do. The state is a handful of numbers per demand class and
        volume group; its first pass runs before any chunk, on one core, so it is kept
        small.
    lead_time_days : float, optional
        Lead time (days) for reorder levels when there is no suppliers table, for items
        without ``lead_time_days`` in the items table
        (:func:`~stockout_forecast.policy.levels.reorder_levels`).

    Notes
    -----
    Stages (each one public function; its result is kept on the plan):
    ``demand_history`` -> ``item_velocity`` -> ``classify_demand`` -> ``stock_cover`` ->
    ``lead_time_history`` -> ``forecast_demand`` -> ``stockout_dates`` ->
    ``recommend_orders`` -> ``plan_purchase_orders`` -> ``promise_dates`` ->
    ``backorder_notices`` -> ``availability_feed``. A stage whose input table is absent is
    skipped and the plan's ``notes`` say so. Every item of every table is in every stage
    (``demand_history(items=...)``), with a status when it cannot be computed.

    Without an inventory table nothing is known about stock on hand: the plan has velocity,
    the forecast and, with a stated lead time (``lead_time_days`` or
    ``items.lead_time_days``), the reorder levels (``levels``), and no stockout dates,
    orders or promise dates. The supplier split charges a unit short
    :func:`~stockout_forecast.supply.shortage.shortage_costs` (``items.backorder_cost``, else
    the selling price or the dearest supplier's unit cost).

    Scale: the stages run chunk by chunk over item-id ranges (:mod:`stockout_forecast.scale`).
    A first pass computes what the chunks share (planning date, panel periods, the
    forecast's pooled state); each chunk then runs the stages above on its items, its
    stockout simulation keeping the demand paths that ``recommend_orders`` reads again; the
    ABC ranking, the draft purchase orders per supplier and the promise dates run on the
    chunks' outputs. Same seed, same plan, for any ``chunk_size`` (``tests/test_scale.py``);
    ``run(..., client=...)`` runs the chunks on a Dask cluster.

    Randomness: ``numpy.random.SeedSequence(random_state).spawn(3)`` gives the seeds of
    ``forecast_demand``, ``stockout_dates`` and ``recommend_orders``, in that order; calling
    those functions with the same seeds reproduces the plan exactly.
    """

    @renamed_parameters(horizon_days="cover_horizon_days", forecast_horizon="horizon")
    def __init__(
        self,
        *,
        freq: str | None = None,
        as_of: str | pd.Timestamp | None = None,
        velocity_column: str = "velocity_28d",
        cover_horizon_days: int = 365,
        forecast: bool = True,
        horizon: int | None = None,
        model: Any = "auto",
        n_paths: int = 500,
        service_level: float | str = 0.95,
        review_period_days: float = 7.0,
        promise: str = "p90",
        allocation_rule: str = "fifo",
        random_state: RandomStateLike = 0,
        n_jobs: int = 1,
        chunk_size: int | None = None,
        memory_budget_mb: float = 2048.0,
        state_sample_items: int = 5_000,
        lead_time_days: float | None = None,
    ) -> None:
        self.freq = freq
        self.as_of = as_of
        self.velocity_column = velocity_column
        self.cover_horizon_days = cover_horizon_days
        self.forecast = forecast
        self.horizon = horizon
        self.model = model
        self.n_paths = n_paths
        self.service_level = service_level
        self.review_period_days = review_period_days
        self.promise = promise
        self.allocation_rule = allocation_rule
        self.random_state = random_state
        self.n_jobs = n_jobs
        self.chunk_size = chunk_size
        self.memory_budget_mb = memory_budget_mb
        self.state_sample_items = state_sample_items
        self.lead_time_days = lead_time_days

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in vars(self).items())
        return f"ReorderPlanner({args})"

    def run(
        self,
        dataset: Dataset,
        *,
        progress: ProgressCallback | None = None,
        client: Any = None,
    ) -> ReorderPlan:
        """Run every stage and return the :class:`ReorderPlan`.

        ``progress(stage, i, n)`` is called as the chunks and the cross-item steps start.
        ``client``, a ``dask.distributed.Client``, runs the chunks on its cluster (same
        seed, same plan; needs ``pip install "stockout_forecast[dask]"``).
        """
        from ._version import __version__
        from .scale.assemble import run_chunked
        from .scale.distributed import run_on_dask

        self.check(dataset)
        assert dataset.sales is not None
        planner = self._with_freq(dataset.sales["date"])
        if client is not None:
            fields = run_on_dask(planner, dataset, client, progress=progress)
        else:
            fields = run_chunked(planner, dataset, progress=progress)
        return ReorderPlan(**fields, version=__version__)

    def _with_freq(self, dates: Any) -> ReorderPlanner:
        """A copy with ``freq`` inferred from the sales ``dates`` (itself when ``freq`` is set).

        Inferred once from every date (not per chunk), so all chunks share one frequency.
        """
        if self.freq is not None:
            return self
        from .history._common import infer_freq

        days = np.asarray(pd.DatetimeIndex(dates).normalize().values, dtype="datetime64[D]")
        out = copy.copy(self)
        out.freq = infer_freq(days.astype(np.int64)) if len(days) else "D"
        return out

    def check(self, dataset: Dataset) -> None:
        """The planner's own checks of its settings against the data (``validate`` runs them).

        Raises
        ------
        ValueError
            No sales; a service level outside (0, 1); a planning date ``as_of`` before the
            first sale or more than ``stale_days`` (90) after the last one.
        """
        if dataset.sales is None:
            raise ValueError("The dataset has no sales table; the planner needs sales history.")
        if self.service_level != "economic":
            check_fraction(self.service_level, "service_level")
        if self.lead_time_days is not None and not self.lead_time_days >= 0:
            raise ValueError(f"lead_time_days must be >= 0 days; got {self.lead_time_days!r}.")
        if self.as_of is None:
            return
        as_of = pd.Timestamp(self.as_of).normalize()
        first = dataset.sales["date"].min().normalize()
        last = dataset.sales["date"].max().normalize()
        if as_of < first:
            raise ValueError(
                f"as_of {as_of:%Y-%m-%d} is before the first sale ({first:%Y-%m-%d}): there is "
                f"no history to plan from. Give a date from {first:%Y-%m-%d} to "
                f"{last:%Y-%m-%d}."
            )
        stale = Thresholds().stale_days
        if (as_of - last).days > stale:
            raise ValueError(
                f"as_of {as_of:%Y-%m-%d} is {(as_of - last).days:,} days after the last sale "
                f"({last:%Y-%m-%d}): every item would look discontinued. Give a date up to "
                f"{stale:.0f} days after the last sale, or leave it out to plan as of the "
                f"data's own date."
            )

    def write_plan(
        self,
        source: str | Path,
        out_dir: str | Path,
        *,
        client: Any = None,
        progress: ProgressCallback | None = None,
    ) -> dict[str, pd.DataFrame]:
        """Plan a partitioned Parquet dataset by item range; write the plan as Parquet.

        For data larger than memory: ``source`` is a folder of ``<table>.parquet`` files or
        part folders (as :func:`~stockout_forecast.write_demo_parquet` writes them). Each
        chunk of items is read by its id range, planned as :meth:`run` plans it, and its
        tables are written to ``out_dir/<table>/part-<chunk>.parquet``; the cross-item
        tables (``abc``, ``purchase_orders``, ``purchase_order_lines``) to
        ``out_dir/<table>.parquet``. ``client``, a ``dask.distributed.Client``, runs the
        chunks on its cluster; without one they run one after the other in this process.

        Returns
        -------
        dict of str to DataFrame
            The cross-item tables.
        """
        from .scale import parquet as pq
        from .scale.distributed import SerialClient, run_on_dask_parquet

        if self.service_level != "economic":
            check_fraction(self.service_level, "service_level")
        planner = self
        if self.freq is None:  # inferred from the first part of the sales (one file read)
            parts = pq.part_files(pq.table_paths(source)["sales"])
            planner = self._with_freq(pd.read_parquet(parts[0], columns=["date"])["date"])
        return run_on_dask_parquet(
            planner, source, client or SerialClient(), out_dir, progress=progress
        )

    def _horizon_periods(self) -> int:
        """Forecast periods: ``horizon``, else 90 days, 13 weeks or 4 months."""
        kind = "D" if self.freq is None else str(self.freq)[0]
        return int(self.horizon or {"D": 90, "W": 13, "M": 4}[kind])

    def _as_of(self, dataset: Dataset) -> pd.Timestamp:
        if self.as_of is not None:
            return pd.Timestamp(self.as_of).normalize()
        inv = dataset.inventory
        if inv is not None and "as_of" in inv.columns and inv["as_of"].notna().any():
            return pd.Timestamp(inv["as_of"].max()).normalize()
        assert dataset.sales is not None
        return pd.Timestamp(dataset.sales["date"].max()).normalize()

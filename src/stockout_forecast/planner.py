"""``ReorderPlanner``: chains the layers and keeps every stage's result.

Like pvlib's ``ModelChain``, the planner adds no algorithm of its own: each stage calls one
public function, and an analyst who calls the same functions in the same order with the same
arguments gets the same numbers (``tests/test_planner.py`` checks this).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from ._export import jsonable, safe_spreadsheet_frame
from ._utils import RandomStateLike, check_fraction, renamed_parameters
from .forecast import DemandForecast
from .history.panel import DemandHistory
from .io.dataset import Dataset
from .report.html import render_html
from .report.sections import section_tables
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
    cover : pandas.DataFrame
        :func:`~stockout_forecast.simulation.cover.stock_cover` output (velocity-based), one row per item.
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
    cover: pd.DataFrame
    items: pd.DataFrame | None = None
    lead_times: pd.DataFrame | None = None
    forecast: DemandForecast | None = None
    stockouts: StockoutForecast | None = None
    orders: pd.DataFrame | None = None
    purchase_plan: PurchasePlan | None = None
    backorders: BackorderPlan | None = None
    notices: pd.DataFrame | None = None
    availability: pd.DataFrame | None = None
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
        cov = self.cover.set_index("item_id")
        ids = cov.index.union(vel.index).union(cls.index)
        if self.items is not None:
            ids = ids.union(pd.Index(self.items["item_id"]))
        out = pd.DataFrame(index=pd.Index(ids, name="item_id"))
        if self.items is not None and "description" in self.items.columns:
            out["description"] = self.items.set_index("item_id")["description"]
        _take(out, cov, ("stockout_date", "days_of_cover"))
        _take(out, vel, ("velocity_7d", "velocity_28d", "velocity_90d", "trend_ratio"))
        _take(out, cls, ("demand_class", "abc", "xyz"))
        _take(out, cov, _COVER_COLUMNS)
        self._forecast_columns(out)
        out["status"], out["reason"] = self._item_status(out.index, vel, cov)
        return out.reset_index()

    def _forecast_columns(self, out: pd.DataFrame) -> None:
        """The columns of the probabilistic stages: lead time, model, stockout dates, orders."""
        if self.lead_times is not None and len(self.lead_times):
            lt = self.lead_times.groupby("item_id")["lead_time_mean_days"].min()
            out["fastest_lead_time_days"] = lt.reindex(out.index)
        if self.forecast is not None:
            model = pd.Series(self.forecast.model, index=self.forecast.item_ids)
            out["forecast_model"] = model.reindex(out.index)
        if self.stockouts is not None:
            _take(out, self.stockouts.summary.set_index("item_id"), _STOCKOUT_COLUMNS)
        if self.orders is not None:
            _take(
                out,
                self.orders.set_index("item_id"),
                _ORDER_COLUMNS,
                rename={"reason": "order_reason"},
            )
        if self.purchase_plan is not None and len(self.purchase_plan.lines):
            lines = self.purchase_plan.lines
            text = (lines["supplier_id"] + " " + lines["units"].map("{:g}".format)).groupby(
                lines["item_id"]
            )
            out["supplier_split"] = text.agg(", ".join).reindex(out.index)

    def _item_status(
        self, index: pd.Index, vel: pd.DataFrame, cov: pd.DataFrame
    ) -> tuple[pd.Series, pd.Series]:
        """Status and reason per item: the first stage that could not compute it says why."""
        status = pd.Series("ok", index=index, dtype="str")
        reason = pd.Series("", index=index, dtype="str")
        if self.items is not None and "status" in self.items.columns:
            item_status = self.items.set_index("item_id")["status"].astype(str).str.strip()
            disc = (item_status.str.lower().reindex(index) == "discontinued").to_numpy(bool)
            status[disc] = "discontinued"
            reason[disc] = "discontinued in the items table: not reordered"
        frames = [self.history.status, vel, cov]
        if self.stockouts is not None:
            frames.append(self.stockouts.summary.set_index("item_id"))
        if self.orders is not None:
            frames.append(self.orders.set_index("item_id"))
        for frame in frames:
            if "status" not in frame.columns:
                continue
            st = frame["status"].reindex(index)
            rs = frame["reason"].reindex(index) if "reason" in frame.columns else st
            bad = (status == "ok") & st.notna() & ~st.isin(["ok", "short"])
            status[bad] = st[bad].astype(str)
            reason[bad] = rs[bad].fillna("").astype(str)
        no_sales = ~index.isin(self.history.item_ids) & (status == "ok").to_numpy()
        status[no_sales] = "no_sales"
        reason[no_sales] = "item is listed but has no sales history"
        return status, reason

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
        """JSON-able dict: as_of, source, notes and every table as a list of records."""
        return {
            "as_of": jsonable(self.as_of),
            "source": self.source,
            "version": self.version,
            "notes": list(self.notes),
            "tables": {name: jsonable(df) for name, df in self.tables().items() if name != "notes"},
        }

    def to_html(self, path: str | Path | None = None, **kwargs: Any) -> str:
        """Self-contained HTML report; written to ``path`` when given. Returns the HTML."""
        html = render_html(self, **kwargs)
        if path is not None:
            Path(path).write_text(html, encoding="utf-8")
        return html

    def to_excel(self, path: str | Path) -> Path:
        """Excel workbook, one sheet per table of :meth:`tables`; formulas neutralised."""
        try:
            import openpyxl  # noqa: F401
        except ImportError as err:  # pragma: no cover - depends on the environment
            raise ImportError(
                'to_excel needs openpyxl: pip install "stockout_forecast[excel]"'
            ) from err
        path = Path(path)
        with pd.ExcelWriter(path, engine="openpyxl") as xw:
            for name, df in self.tables().items():
                safe_spreadsheet_frame(_excel_ready(df)).to_excel(
                    xw, sheet_name=name[:31], index=False
                )
        return path

    def __repr__(self) -> str:
        s = self.summary()
        col = "stockout_date_p50" if "stockout_date_p50" in s.columns else "stockout_date"
        soon = s[col].notna() & (s[col] <= self.as_of + pd.Timedelta(14, "D"))
        orders = ""
        if "order_now" in s.columns:
            orders = f", {int(s['order_now'].fillna(False).astype(bool).sum()):,} to order now"
        return (
            f"<ReorderPlan as of {self.as_of:%Y-%m-%d}: {len(s):,} items, "
            f"{int(soon.sum()):,} run out within 14 days{orders}, "
            f"{self.history.censored_share:.1%} item-periods censored>"
        )

    def _repr_html_(self) -> str:
        from ._export import escape_html

        s = self.summary()
        col = "stockout_date_p50" if "stockout_date_p50" in s.columns else "stockout_date"
        head = s.sort_values(col, na_position="last").head(10)
        return f"<div><b>{escape_html(repr(self))}</b>{head.to_html(index=False)}</div>"


def _excel_ready(df: pd.DataFrame) -> pd.DataFrame:
    """Excel cannot store timezone-aware datetimes or Python objects; make them plain."""
    out = df.copy()
    for c in out.columns:
        if out[c].dtype == object:
            out[c] = out[c].map(lambda v: v if isinstance(v, (str, int, float, bool)) else str(v))
    return out


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
_ORDER_COLUMNS = (
    "order_now",
    "order_units",
    "order_by_date",
    "expected_arrival_date",
    "reorder_point_units",
    "service_level",
    "implied_fill_rate",
    "expected_cost_per_year",
    "reason",
)


def _take(
    out: pd.DataFrame,
    frame: pd.DataFrame | None,
    cols: tuple[str, ...],
    rename: dict[str, str] | None = None,
) -> None:
    """Copy ``cols`` of ``frame`` (indexed by item) into ``out``, aligned on its items."""
    if frame is None:
        return
    for col in cols:
        if col in frame.columns:
            out[(rename or {}).get(col, col)] = frame[col].reindex(out.index)


class ReorderPlanner:
    """Run the planning stages on a :class:`~stockout_forecast.io.dataset.Dataset`.

    Parameters
    ----------
    freq : {"D", "W", "M"}, default "D"
        Period of the demand history and forecast.
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
        Threads for the stockout-date simulation (results do not depend on it).
    chunk_size : int, optional
        Items planned together (rounded up to whole seed blocks of 64). Default: as many
        as ``memory_budget_mb`` holds. The plan does not depend on it.
    memory_budget_mb : float, default 2048
        Memory for one chunk's working arrays, MiB, when ``chunk_size`` is None; the
        demand paths (8 bytes x ``n_paths`` x horizon per item) take most of it.
    state_sample_items : int, default 20,000
        Items whose forecasts fix the forecast's pooled state (class shrinkage, pooled
        dispersion, ...) when there are more; with fewer items all of them do.

    Notes
    -----
    Stages (each one public function; its result is kept on the plan):
    ``demand_history`` -> ``item_velocity`` -> ``classify_demand`` -> ``stock_cover`` ->
    ``lead_time_history`` -> ``forecast_demand`` -> ``stockout_dates`` ->
    ``recommend_orders`` -> ``plan_purchase_orders`` -> ``promise_dates`` ->
    ``backorder_notices`` -> ``availability_feed``. A stage whose input table is absent is
    skipped and the plan's ``notes`` say so.

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
        freq: str = "D",
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
        state_sample_items: int = 20_000,
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

        if dataset.sales is None:
            raise ValueError("The dataset has no sales table; the planner needs sales history.")
        if self.service_level != "economic":
            check_fraction(self.service_level, "service_level")
        if client is not None:
            fields = run_on_dask(self, dataset, client, progress=progress)
        else:
            fields = run_chunked(self, dataset, progress=progress)
        return ReorderPlan(**fields, version=__version__)

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
        from .scale.distributed import SerialClient, run_on_dask_parquet

        if self.service_level != "economic":
            check_fraction(self.service_level, "service_level")
        return run_on_dask_parquet(
            self, source, client or SerialClient(), out_dir, progress=progress
        )

    def _horizon_periods(self) -> int:
        """Forecast periods: ``horizon``, else 90 days, 13 weeks or 4 months."""
        return int(self.horizon or {"D": 90, "W": 13, "M": 4}[self.freq])

    def _as_of(self, dataset: Dataset) -> pd.Timestamp:
        if self.as_of is not None:
            return pd.Timestamp(self.as_of).normalize()
        inv = dataset.inventory
        if inv is not None and "as_of" in inv.columns and inv["as_of"].notna().any():
            return pd.Timestamp(inv["as_of"].max()).normalize()
        assert dataset.sales is not None
        return pd.Timestamp(dataset.sales["date"].max()).normalize()

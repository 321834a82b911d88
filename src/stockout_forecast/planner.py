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

from ._dataset import Dataset
from ._export import jsonable, safe_spreadsheet_frame
from ._panel import DemandHistory
from .history import classify_demand, demand_history, item_velocity, stock_cover

__all__ = ["ReorderPlan", "ReorderPlanner"]

ProgressCallback = Callable[[str, int, int], None]


@dataclass(frozen=True, repr=False, eq=False)
class ReorderPlan:
    """Everything one planning run produced, stage by stage.

    Attributes
    ----------
    as_of : pandas.Timestamp
        Planning date (the last day of the sales history unless given).
    history : DemandHistory
        Demand per item and period, censored (stock-out) periods marked.
    velocity : pandas.DataFrame
        :func:`~stockout_forecast.history.item_velocity` output, one row per item.
    demand_classes : pandas.DataFrame
        :func:`~stockout_forecast.history.classify_demand` output, one row per item.
    cover : pandas.DataFrame
        :func:`~stockout_forecast.history.stock_cover` output, one row per item.
    items : pandas.DataFrame or None
        The items table as read (descriptions, planning parameters).
    notes : list of str
        Data notes: what was excluded or adjusted while reading, and why.
    source : str
        Where the data came from.
    """

    as_of: pd.Timestamp
    history: DemandHistory
    velocity: pd.DataFrame
    demand_classes: pd.DataFrame
    cover: pd.DataFrame
    items: pd.DataFrame | None = None
    orders: pd.DataFrame | None = None
    notes: list[str] = field(default_factory=list)
    source: str = ""
    version: str = ""

    def summary(self) -> pd.DataFrame:
        """One row per item: the planner's table (stockout date, cover, velocity, class...).

        Columns: ``item_id``, ``description`` (when the items table has one),
        ``stockout_date``, ``days_of_cover``, ``velocity_7d``, ``velocity_28d``,
        ``velocity_90d``, ``trend_ratio``, ``demand_class``, ``abc``, ``xyz``,
        ``on_hand_units``, ``backordered_units``, ``open_po_units``, ``next_receipt_date``,
        ``status`` and ``reason`` (the first problem found for the item, if any).
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
        for col in ("stockout_date", "days_of_cover"):
            out[col] = cov[col]
        for col in ("velocity_7d", "velocity_28d", "velocity_90d", "trend_ratio"):
            if col in vel.columns:
                out[col] = vel[col]
        for col in ("demand_class", "abc", "xyz"):
            if col in cls.columns:
                out[col] = cls[col]
        for col in ("on_hand_units", "backordered_units", "open_po_units", "next_receipt_date"):
            if col in cov.columns:
                out[col] = cov[col]
        status = pd.Series("ok", index=out.index, dtype="str")
        reason = pd.Series("", index=out.index, dtype="str")
        # first non-ok stage wins: cover, then velocity, then history
        for frame in (self.history.status, vel, cov):
            if "status" not in frame.columns:
                continue
            st = frame["status"].reindex(out.index)
            rs = frame["reason"].reindex(out.index) if "reason" in frame.columns else st
            take = (status == "ok") & st.notna() & (st != "ok")
            status[take] = st[take].astype(str)
            reason[take] = rs[take].fillna("").astype(str)
        missing = ~out.index.isin(self.history.item_ids)
        take = missing & (status == "ok")
        status[take] = "no_sales"
        reason[take] = "item is listed but has no sales history"
        out["status"] = status
        out["reason"] = reason
        return out.reset_index()

    def to_frame(self) -> pd.DataFrame:
        """Alias of :meth:`summary`."""
        return self.summary()

    def to_dict(self) -> dict[str, Any]:
        """JSON-able dict: as_of, source, notes and the per-item summary records."""
        return {
            "as_of": jsonable(self.as_of),
            "source": self.source,
            "notes": list(self.notes),
            "items": jsonable(self.summary()),
        }

    def to_html(self, path: str | Path | None = None, **kwargs: Any) -> str:
        """Self-contained HTML report; written to ``path`` when given. Returns the HTML."""
        from .report import render_html

        html = render_html(self, **kwargs)
        if path is not None:
            Path(path).write_text(html, encoding="utf-8")
        return html

    def to_excel(self, path: str | Path) -> Path:
        """Excel workbook, one sheet per table (summary, velocity, classes, cover, notes)."""
        try:
            import openpyxl  # noqa: F401
        except ImportError as err:  # pragma: no cover - depends on the environment
            raise ImportError(
                'to_excel needs openpyxl: pip install "stockout_forecast[excel]"'
            ) from err
        path = Path(path)
        sheets = {
            "summary": self.summary(),
            "velocity": self.velocity,
            "demand_classes": self.demand_classes,
            "stock_cover": self.cover,
            "notes": pd.DataFrame({"note": self.notes or [""]}),
        }
        if self.orders is not None:
            sheets["orders"] = self.orders
        with pd.ExcelWriter(path, engine="openpyxl") as xw:
            for name, df in sheets.items():
                safe_spreadsheet_frame(df).to_excel(xw, sheet_name=name, index=False)
        return path

    def __repr__(self) -> str:
        s = self.summary()
        soon = s["stockout_date"].notna() & (
            s["stockout_date"] <= self.as_of + pd.Timedelta(14, "D")
        )
        return (
            f"<ReorderPlan as of {self.as_of:%Y-%m-%d}: {len(s):,} items, "
            f"{int(soon.sum()):,} run out within 14 days, "
            f"{self.history.censored_share:.1%} item-days censored>"
        )

    def _repr_html_(self) -> str:
        from ._export import escape_html

        s = self.summary().sort_values("stockout_date", na_position="last").head(10)
        return f"<div><b>{escape_html(repr(self))}</b>{s.to_html(index=False)}</div>"


class ReorderPlanner:
    """Run the planning stages on a :class:`~stockout_forecast._dataset.Dataset`.

    Parameters
    ----------
    freq : {"D", "W", "M"}, default "D"
        Period of the demand history.
    as_of : str or Timestamp, optional
        Planning date; default: the inventory snapshot's ``as_of`` or the last sales date.
    velocity_column : str, default "velocity_28d"
        Which velocity consumes stock in :func:`stock_cover`.
    horizon_days : int, default 365
        How far ahead to look for a stockout.

    Notes
    -----
    Stages (each a public function, result kept on the plan): ``demand_history`` →
    ``item_velocity`` → ``classify_demand`` → ``stock_cover``.
    """

    def __init__(
        self,
        *,
        freq: str = "D",
        as_of: str | pd.Timestamp | None = None,
        velocity_column: str = "velocity_28d",
        horizon_days: int = 365,
    ) -> None:
        self.freq = freq
        self.as_of = as_of
        self.velocity_column = velocity_column
        self.horizon_days = horizon_days

    def __repr__(self) -> str:
        return (
            f"ReorderPlanner(freq={self.freq!r}, as_of={self.as_of!r}, "
            f"velocity_column={self.velocity_column!r}, horizon_days={self.horizon_days})"
        )

    def run(self, dataset: Dataset, *, progress: ProgressCallback | None = None) -> ReorderPlan:
        """Run every stage and return the :class:`ReorderPlan`."""
        from . import __version__

        if dataset.sales is None:
            raise ValueError("The dataset has no sales table; the planner needs sales history.")
        stages = 4
        tick = progress or (lambda name, i, n: None)
        as_of = self._as_of(dataset)
        item_ids = None
        if dataset.items is not None:
            item_ids = dataset.items["item_id"]
        tick("demand history", 1, stages)
        history = demand_history(
            dataset.sales, dataset.stock_history, freq=self.freq, as_of=as_of, items=item_ids
        )
        tick("item velocity", 2, stages)
        velocity = item_velocity(history)
        tick("demand classes", 3, stages)
        classes = classify_demand(history, revenue=_revenue(dataset))
        tick("stock cover", 4, stages)
        inventory = dataset.inventory
        if inventory is None:
            inventory = pd.DataFrame(
                {"item_id": pd.Series(history.item_ids, dtype="str"), "on_hand_units": 0.0}
            )
            notes_extra = ["No inventory snapshot given: on-hand taken as 0 for every item."]
        else:
            notes_extra = []
        cover = stock_cover(
            inventory,
            velocity,
            dataset.purchase_orders,
            as_of=as_of,
            horizon_days=self.horizon_days,
            velocity_column=self.velocity_column,
        )
        return ReorderPlan(
            as_of=as_of,
            history=history,
            velocity=velocity,
            demand_classes=classes,
            cover=cover,
            items=dataset.items,
            notes=[*dataset.notes, *notes_extra],
            source=dataset.source,
            version=__version__,
        )

    def _as_of(self, dataset: Dataset) -> pd.Timestamp:
        if self.as_of is not None:
            return pd.Timestamp(self.as_of).normalize()
        inv = dataset.inventory
        if inv is not None and "as_of" in inv.columns and inv["as_of"].notna().any():
            return pd.Timestamp(inv["as_of"].max()).normalize()
        assert dataset.sales is not None
        return pd.Timestamp(dataset.sales["date"].max()).normalize()


def _revenue(dataset: Dataset) -> pd.Series | None:
    """Revenue per item from sales x unit price (sales price, else the items table's price)."""
    sales = dataset.sales
    assert sales is not None
    if "unit_price" in sales.columns:
        rev = (sales["units"] * sales["unit_price"]).groupby(sales["item_id"]).sum()
        return rev
    if dataset.items is not None and "unit_price" in dataset.items.columns:
        price = dataset.items.set_index("item_id")["unit_price"]
        units = sales.groupby("item_id")["units"].sum()
        return units * price.reindex(units.index)
    return None

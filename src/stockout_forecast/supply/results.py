"""The result objects of the supply splits: :class:`SupplierSplit` and :class:`PurchasePlan`."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from .._export import escape_html, jsonable


@dataclass(frozen=True, repr=False, eq=False)
class SupplierSplit:
    """How one item's order is split across its suppliers (returned by :func:`split_order`).

    Attributes
    ----------
    item_id : str
        The item.
    units : float
        Units ordered (the order to split).
    mode : {"optimal", "priority", "quota", "dual"}
        How the split was chosen.
    lines : pandas.DataFrame
        One row per supplier, columns as in :func:`split_order` (Returns).
    solver : str
        ``"closed_form"`` (exact bound, see Notes of :func:`split_order`), ``"milp"`` (HiGHS)
        or ``"rule"`` (priority / quota / dual).
    as_of : pandas.Timestamp or None
        Order date (day 0 of every ``*_days`` figure).
    """

    item_id: str
    units: float
    mode: str
    lines: pd.DataFrame
    solver: str
    as_of: pd.Timestamp | None = None

    @property
    def totals(self) -> pd.Series:
        """Sums over suppliers.

        Units, purchase_cost, order_cost, expected_units_short, expected_shortage_cost,
        total_cost and n_suppliers_used.
        """
        cols = [
            "units",
            "purchase_cost",
            "order_cost",
            "expected_units_short",
            "expected_shortage_cost",
            "total_cost",
        ]
        t = self.lines[cols].sum(min_count=1)
        t["n_suppliers_used"] = float((self.lines["units"] > 0).sum())
        return t

    def to_frame(self) -> pd.DataFrame:
        """The per-supplier lines (a copy)."""
        return self.lines.copy()

    def to_dict(self) -> dict[str, Any]:
        """JSON-able dict: item_id, units, mode, solver, as_of, totals and per-supplier lines."""
        return jsonable(
            {
                "item_id": self.item_id,
                "units": self.units,
                "mode": self.mode,
                "solver": self.solver,
                "as_of": self.as_of,
                "totals": self.totals.to_dict(),
                "lines": self.lines,
            }
        )

    def plot(self, ax: Any = None) -> Any:
        """Bar chart of units per supplier, labelled with the expected arrival day."""
        import matplotlib.pyplot as plt

        if ax is None:
            _, ax = plt.subplots(figsize=(6, 3))
        df = self.lines
        colors = np.where(df["units"] > 0, "#2e6f9e", "#c8c8c8")
        ax.bar(df["supplier_id"], df["units"], color=colors)
        for k, (u, d) in enumerate(zip(df["units"], df["expected_arrival_days"], strict=True)):
            ax.annotate(f"day {d:.0f}", (k, u), ha="center", va="bottom", fontsize=8)
        ax.set_ylabel("units")
        ax.set_title(f"Item {self.item_id}: {self.units:g} units ({self.mode})", fontsize=10)
        ax.spines[["top", "right"]].set_visible(False)
        return ax

    def __repr__(self) -> str:
        t = self.totals
        used = ", ".join(
            f"{s} {u:g}"
            for s, u in zip(self.lines["supplier_id"], self.lines["units"], strict=True)
            if u > 0
        )
        return (
            f"<SupplierSplit item={self.item_id!r}: {self.units:g} units ({self.mode}, "
            f"{self.solver}) = {used}; total cost {t['total_cost']:,.2f}>"
        )

    def _repr_html_(self) -> str:
        cols = [
            "supplier_id",
            "units",
            "unit_cost",
            "total_cost",
            "expected_arrival_days",
            "reason",
        ]
        return (
            f"<div><b>SupplierSplit</b> {escape_html(repr(self)[16:-1])}"
            f"{self.lines[cols].to_html(index=False, escape=True)}</div>"
        )


@dataclass(frozen=True, repr=False, eq=False)
class PurchasePlan:
    """Draft purchase orders for many items (returned by :func:`plan_purchase_orders`).

    Attributes
    ----------
    lines : pandas.DataFrame
        One row per purchase-order line (item x supplier with units > 0); columns as in
        :func:`plan_purchase_orders` (Returns).
    purchase_orders : pandas.DataFrame
        One row per supplier with a draft order.
    items : pandas.DataFrame
        One row per item that came in, with how it was planned and why.
    splits : pandas.DataFrame
        Every item x supplier pair (also the unused ones), as :attr:`SupplierSplit.lines`.
    notes : list of str
        Supplier-level limits that bound and what the joint re-optimisation did.
    as_of : pandas.Timestamp or None
        Order date.
    """

    lines: pd.DataFrame
    purchase_orders: pd.DataFrame
    items: pd.DataFrame
    splits: pd.DataFrame
    notes: list[str] = field(default_factory=list)
    as_of: pd.Timestamp | None = None

    def to_frame(self) -> pd.DataFrame:
        """The purchase-order lines (a copy)."""
        return self.lines.copy()

    def to_dict(self) -> dict[str, Any]:
        """JSON-able dict: as_of, notes, purchase_orders, lines, items."""
        return jsonable(
            {
                "as_of": self.as_of,
                "notes": list(self.notes),
                "purchase_orders": self.purchase_orders,
                "lines": self.lines,
                "items": self.items,
            }
        )

    def plot(self, ax: Any = None) -> Any:
        """Order value per supplier, with the minimum order value as a tick where given."""
        import matplotlib.pyplot as plt

        if ax is None:
            _, ax = plt.subplots(figsize=(6, 3))
        po = self.purchase_orders
        ax.bar(po["supplier_id"], po["order_value"], color="#2e6f9e")
        if "min_order_value" in po.columns:
            ax.scatter(po["supplier_id"], po["min_order_value"], marker="_", s=400, color="#b42318")
        ax.set_ylabel("order value")
        ax.set_title("Draft purchase orders per supplier", fontsize=10)
        ax.spines[["top", "right"]].set_visible(False)
        return ax

    def __repr__(self) -> str:
        n_items = len(self.items)
        planned = int((self.items["status"] == "ok").sum())
        return (
            f"<PurchasePlan: {len(self.purchase_orders)} suppliers, {len(self.lines):,} lines, "
            f"{planned:,}/{n_items:,} items planned, value "
            f"{self.purchase_orders['order_value'].sum():,.2f}>"
        )

    def _repr_html_(self) -> str:
        return (
            f"<div><b>PurchasePlan</b> {escape_html(repr(self)[14:-1])}"
            f"{self.purchase_orders.to_html(index=False, escape=True)}</div>"
        )

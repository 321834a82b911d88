"""The :class:`Dataset` bundle: every table of the data contract for one business."""

from __future__ import annotations

from dataclasses import dataclass, field, fields

import pandas as pd

__all__ = ["TABLE_NAMES", "Dataset"]

TABLE_NAMES = (
    "sales",
    "stock_history",
    "inventory",
    "purchase_orders",
    "suppliers",
    "items",
    "customer_orders",
)


@dataclass(frozen=True, repr=False, eq=False)
class Dataset:
    """All tables of the data contract (see :mod:`stockout_forecast.io.schema`); absent ones are None.

    Attributes
    ----------
    sales, stock_history, inventory, purchase_orders, suppliers, items, customer_orders
        Validated tables in the contract's column names, or ``None`` when not provided.
    notes : list of str
        What was excluded or adjusted while reading, and why (nothing is dropped silently).
    source : str
        Where the tables came from (folder, workbook, database URL) for reports.
    """

    sales: pd.DataFrame | None = None
    stock_history: pd.DataFrame | None = None
    inventory: pd.DataFrame | None = None
    purchase_orders: pd.DataFrame | None = None
    suppliers: pd.DataFrame | None = None
    items: pd.DataFrame | None = None
    customer_orders: pd.DataFrame | None = None
    notes: list[str] = field(default_factory=list)
    source: str = ""

    @property
    def tables(self) -> dict[str, pd.DataFrame]:
        """The tables present, by name."""
        return {
            f.name: getattr(self, f.name)
            for f in fields(self)
            if f.name in TABLE_NAMES and getattr(self, f.name) is not None
        }

    def summary(self) -> pd.DataFrame:
        """One row per table present: rows, items, and date range where it has dates."""
        rows = []
        for name, df in self.tables.items():
            date_col = next(
                (c for c in ("date", "order_date") if c in df.columns and len(df)), None
            )
            rows.append(
                {
                    "table": name,
                    "rows": len(df),
                    "items": df["item_id"].nunique() if "item_id" in df.columns else 0,
                    "first_date": df[date_col].min() if date_col else pd.NaT,
                    "last_date": df[date_col].max() if date_col else pd.NaT,
                }
            )
        return pd.DataFrame(rows)

    def __repr__(self) -> str:
        parts = ", ".join(f"{k}={len(v):,}" for k, v in self.tables.items())
        src = f" from {self.source}" if self.source else ""
        return f"<Dataset{src}: {parts}>"

    def _repr_html_(self) -> str:
        from html import escape

        notes = "".join(f"<li>{escape(n)}</li>" for n in self.notes)
        notes_html = f"<ul>{notes}</ul>" if notes else ""
        return (
            f"<div><b>Dataset</b> {escape(self.source)}"
            f"{self.summary().to_html(index=False)}{notes_html}</div>"
        )

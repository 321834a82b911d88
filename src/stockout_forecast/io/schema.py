"""The data contract: table names, column names (with units), types and keys.

One vocabulary is used everywhere inside the library (STYLE.md §5). Only the ``read_*``
functions accept a ``column_map`` to rename columns at the edge.

Column kinds
------------
``id``      identifiers; always stored as strings (``"007"`` stays ``"007"``).
``date``    calendar dates, parsed to ``datetime64``; times of day are kept in sales only.
``number``  real numbers (units may be fractional: kg, litres).
``fraction`` probabilities in (0, 1) (``service_level``, ``on_time_rate``).
``text``    free text (descriptions), escaped in every report.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = ["TABLES", "ColumnSpec", "TableSpec"]


@dataclass(frozen=True)
class ColumnSpec:
    """One column of a table: its name, kind and meaning (with units)."""

    name: str
    kind: str  # "id" | "date" | "number" | "fraction" | "text"
    doc: str
    nonnegative: bool = False
    #: 0 is not a value (a pack of 0, a capacity of 0): must be above 0 when given
    positive: bool = False
    #: fractions: 1 is a valid value (an on-time rate), or out of reach (a service level)
    one_allowed: bool = True
    #: what to do about a 0 in a positive column
    zero_hint: str = ""


@dataclass(frozen=True)
class TableSpec:
    """A table of the data contract."""

    name: str
    doc: str
    required: tuple[ColumnSpec, ...]
    optional: tuple[ColumnSpec, ...] = field(default_factory=tuple)
    key: tuple[str, ...] = ()
    #: the file stem ``read_dataset`` looks for (``sales.csv``, ``sales.parquet``...)
    file_stem: str = ""

    @property
    def columns(self) -> dict[str, ColumnSpec]:
        """All known columns by name, required first."""
        return {c.name: c for c in (*self.required, *self.optional)}

    @property
    def required_names(self) -> list[str]:
        """Names of the required columns."""
        return [c.name for c in self.required]


def _c(name: str, kind: str, doc: str, nonnegative: bool = False, **kw: Any) -> ColumnSpec:
    return ColumnSpec(name, kind, doc, nonnegative, **kw)


TABLES: dict[str, TableSpec] = {
    "sales": TableSpec(
        name="sales",
        doc="Sales transactions or per-period totals; negative units are returns.",
        required=(
            _c("item_id", "id", "item (SKU) identifier"),
            _c("date", "date", "date of the sale (or start of the period for totals)"),
            _c("units", "number", "units sold; negative for returns"),
        ),
        optional=(
            _c("location_id", "id", "store or warehouse"),
            _c("order_id", "id", "customer order the line belongs to"),
            _c("customer_id", "id", "customer"),
            _c("unit_price", "number", "selling price per unit, currency", nonnegative=True),
        ),
        file_stem="sales",
    ),
    "stock_history": TableSpec(
        name="stock_history",
        doc="On-hand stock per item and day (end of day); used to mark censored periods.",
        required=(
            _c("item_id", "id", "item identifier"),
            _c("date", "date", "day of the reading"),
            _c("on_hand_units", "number", "units on hand at the end of the day"),
        ),
        key=("item_id", "date"),
        file_stem="stock_history",
    ),
    "inventory": TableSpec(
        name="inventory",
        doc="Current stock snapshot, one row per item.",
        required=(
            _c("item_id", "id", "item identifier"),
            _c("on_hand_units", "number", "units physically on hand", nonnegative=True),
        ),
        optional=(
            _c("backordered_units", "number", "units owed to customers", nonnegative=True),
            _c("allocated_units", "number", "units reserved for open orders", nonnegative=True),
            _c("as_of", "date", "date of the snapshot"),
        ),
        key=("item_id",),
        file_stem="inventory",
    ),
    "purchase_orders": TableSpec(
        name="purchase_orders",
        doc="Purchase-order lines, open and received (receipts give empirical lead times).",
        required=(
            _c("po_id", "id", "purchase-order number"),
            _c("item_id", "id", "item identifier"),
            _c("supplier_id", "id", "supplier identifier"),
            _c("units", "number", "units ordered", nonnegative=True),
            _c("order_date", "date", "date the order was placed"),
            _c("expected_date", "date", "date the supplier promised delivery"),
        ),
        optional=(
            _c("received_date", "date", "date the goods arrived (empty while open)"),
            _c("received_units", "number", "units received", nonnegative=True),
        ),
        key=("po_id", "item_id"),
        file_stem="purchase_orders",
    ),
    "suppliers": TableSpec(
        name="suppliers",
        doc="Item x supplier terms.",
        required=(
            _c("item_id", "id", "item identifier"),
            _c("supplier_id", "id", "supplier identifier"),
            _c("unit_cost", "number", "purchase price per unit, currency", nonnegative=True),
            _c("lead_time_days", "number", "stated lead time, days", nonnegative=True),
        ),
        optional=(
            _c("lead_time_sd_days", "number", "standard deviation of lead time, days", True),
            _c("moq_units", "number", "minimum order quantity, units", nonnegative=True),
            _c(
                "pack_units",
                "number",
                "order multiple (pack / case size), units",
                True,
                positive=True,
                zero_hint="A pack of 0 units cannot be ordered: use 1 for single units.",
            ),
            _c(
                "capacity_units",
                "number",
                "most units the supplier can deliver per order",
                True,
                positive=True,
                zero_hint=(
                    "A supplier that can deliver nothing cannot be ordered from: remove the "
                    "row, or leave capacity_units empty for no limit."
                ),
            ),
            _c("order_cost", "number", "fixed cost per order placed, currency", True),
            _c(
                "price_breaks",
                "text",
                "all-units price breaks 'min_units:unit_cost;...', e.g. '500:0.95;1000:0.90' "
                "(unit_cost applies below the first break)",
            ),
            _c("on_time_rate", "fraction", "share of orders delivered by the expected date"),
        ),
        key=("item_id", "supplier_id"),
        file_stem="suppliers",
    ),
    "items": TableSpec(
        name="items",
        doc="Item master data and per-item planning parameters.",
        required=(_c("item_id", "id", "item identifier"),),
        optional=(
            _c("description", "text", "item description"),
            _c("status", "id", "'active' or 'discontinued'"),
            _c(
                "service_level",
                "fraction",
                "target service level, fraction in (0, 1)",
                one_allowed=False,
            ),
            _c(
                "review_period_days",
                "number",
                "days between reviews",
                nonnegative=True,
                positive=True,
                zero_hint="Leave it empty to use the default (7 days).",
            ),
            _c(
                "lead_time_days",
                "number",
                "lead time to plan with when there is no suppliers table, days",
                nonnegative=True,
            ),
            _c("holding_cost_rate", "number", "holding cost per year, fraction of unit cost", True),
            _c("unit_price", "number", "selling price per unit, currency", nonnegative=True),
            _c(
                "backorder_cost",
                "number",
                "cost per unit backordered (charged once), currency; default in item_costs: "
                "the unit price",
                True,
            ),
            _c(
                "backorder_cost_per_unit_day",
                "number",
                "cost per unit backordered per day it waits, currency (optional penalty)",
                True,
            ),
            _c("storage_volume", "number", "storage space per unit, m3", nonnegative=True),
        ),
        key=("item_id",),
        file_stem="items",
    ),
    "customer_orders": TableSpec(
        name="customer_orders",
        doc="Open customer order lines (including backordered ones).",
        required=(
            _c("order_id", "id", "customer order number"),
            _c("line_id", "id", "line within the order"),
            _c("item_id", "id", "item identifier"),
            _c("units", "number", "units still to ship", nonnegative=True),
            _c("order_date", "date", "date the customer ordered"),
        ),
        optional=(
            _c("customer_id", "id", "customer"),
            _c("promised_date", "date", "date last promised to the customer"),
            _c("priority", "number", "lower number = served first"),
        ),
        key=("order_id", "line_id"),
        file_stem="customer_orders",
    ),
}

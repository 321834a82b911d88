"""Input and validation: the data contract, readers for every source, the one validation gate.

Tables come in through :func:`read_dataset` / ``read_*`` (CSV, Parquet, Excel, SQL), are
renamed at the edge by ``column_map``, and pass :func:`validate_table`, which returns a
normalised copy in the vocabulary of :mod:`stockout_forecast.io.schema`.
"""

from __future__ import annotations

from .dataset import TABLE_NAMES, Dataset
from .readers import (
    read_customer_orders,
    read_dataset,
    read_inventory,
    read_items,
    read_purchase_orders,
    read_sales,
    read_stock_history,
    read_suppliers,
    write_dataset,
)
from .schema import TABLES, TableSpec
from .validation import validate_dataset, validate_table

__all__ = [
    "TABLES",
    "TABLE_NAMES",
    "Dataset",
    "TableSpec",
    "read_customer_orders",
    "read_dataset",
    "read_inventory",
    "read_items",
    "read_purchase_orders",
    "read_sales",
    "read_stock_history",
    "read_suppliers",
    "validate_dataset",
    "validate_table",
    "write_dataset",
]

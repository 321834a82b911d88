"""Input and validation: the data contract, readers for every source, the one validation gate.

Tables come in through :func:`read_dataset` / ``read_*`` from the sources of :mod:`.sources`
(the file formats of ``FILE_FORMATS``: CSV, TSV, Parquet, Excel; and SQL databases), are
renamed at the edge by ``column_map``, and pass :func:`validate_table`, which returns a
normalised copy in the vocabulary of :mod:`stockout_forecast.io.schema`.
"""

from __future__ import annotations

from .dataset import TABLE_NAMES, Dataset
from .plausibility import Thresholds
from .readers import (
    read_customer_orders,
    read_dataset,
    read_inventory,
    read_items,
    read_purchase_orders,
    read_sales,
    read_stock_history,
    read_suppliers,
)
from .schema import TABLES, TableSpec
from .validation import validate_dataset, validate_table
from .writers import write_dataset

__all__ = [
    "TABLES",
    "TABLE_NAMES",
    "Dataset",
    "TableSpec",
    "Thresholds",
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

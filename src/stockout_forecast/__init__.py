"""stockout_forecast: item velocity, stockout-date forecasts, reorder points and supplier splits.

Import it as ``import stockout_forecast as sof``. Functions take and return tidy pandas
DataFrames in the column vocabulary of :mod:`stockout_forecast.schema`; results that need
more than a frame are frozen dataclasses with ``.to_frame()``, ``.to_dict()`` and ``.plot()``.

Layers (dependencies point one way): io/validation -> history -> forecast -> simulation ->
policy -> planner -> report/cli.
"""

from __future__ import annotations

from ._dataset import Dataset
from ._panel import DemandHistory
from .datasets import load_demo, make_demo_dataset
from .exceptions import (
    DataQualityWarning,
    InfeasibleError,
    InsufficientHistoryError,
    NotFittedError,
    SchemaError,
)
from .history import classify_demand, demand_history, item_velocity, stock_cover
from .io import (
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
from .planner import ReorderPlan, ReorderPlanner
from .validation import validate_dataset, validate_table

__version__ = "0.1.0"

__all__ = [
    "DataQualityWarning",
    "Dataset",
    "DemandHistory",
    "InfeasibleError",
    "InsufficientHistoryError",
    "NotFittedError",
    "ReorderPlan",
    "ReorderPlanner",
    "SchemaError",
    "__version__",
    "classify_demand",
    "demand_history",
    "item_velocity",
    "load_demo",
    "make_demo_dataset",
    "read_customer_orders",
    "read_dataset",
    "read_inventory",
    "read_items",
    "read_purchase_orders",
    "read_sales",
    "read_stock_history",
    "read_suppliers",
    "stock_cover",
    "validate_dataset",
    "validate_table",
    "write_dataset",
]

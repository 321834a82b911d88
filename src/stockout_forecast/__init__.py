"""stockout_forecast: item velocity, stockout-date forecasts, reorder points and supplier splits.

Import it as ``import stockout_forecast as sof``. Functions take and return tidy pandas
DataFrames in the column vocabulary of :mod:`stockout_forecast.schema`.
"""

from __future__ import annotations

from .exceptions import (
    DataQualityWarning,
    InfeasibleError,
    InsufficientHistoryError,
    NotFittedError,
    SchemaError,
)
from .validation import validate_table

__version__ = "0.1.0"

__all__ = [
    "DataQualityWarning",
    "InfeasibleError",
    "InsufficientHistoryError",
    "NotFittedError",
    "SchemaError",
    "__version__",
    "validate_table",
]

"""Exceptions and warnings raised by stockout_forecast.

Every error subclasses an exception callers already catch (``ValueError``), so
``except ValueError`` keeps working. Messages name the table, the column, the first
offending rows or items, and what to do next.
"""

from __future__ import annotations

__all__ = [
    "DataQualityWarning",
    "InfeasibleError",
    "InsufficientHistoryError",
    "NotFittedError",
    "SchemaError",
]


class SchemaError(ValueError):
    """A table does not follow the data contract (missing column, bad type, bad key...)."""


class InsufficientHistoryError(ValueError):
    """Not enough usable (observed, in-stock) history to do what was asked."""


class NotFittedError(ValueError, AttributeError):
    """A model was used before ``fit`` was called (as in scikit-learn)."""


class InfeasibleError(ValueError):
    """An optimisation problem has no feasible solution; the message names the binding constraint."""


class DataQualityWarning(UserWarning):
    """The data can still be used but something in it deserves a planner's attention."""

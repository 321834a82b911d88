"""Vectorised helpers shared by the layers: day numbers, chunks of items, reason strings.

Dates are handled as int64 day numbers (days since 1970-01-01) inside the kernels and turned
back into ``datetime64[ns]`` indexes only for the frames returned to the caller. Reasons are
built per item with numpy string operations (no Python loop over items).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import numpy as np
import pandas as pd

#: items processed together in the n_items x n_periods passes (bounds the temporaries)
CHUNK = 1024


def chunks(n: int, size: int = CHUNK) -> Iterable[slice]:
    """Slices ``[0, size), [size, 2 size), ...`` covering ``range(n)``.

    >>> list(chunks(5, 2))
    [slice(0, 2, None), slice(2, 4, None), slice(4, 5, None)]
    """
    for start in range(0, n, size):
        yield slice(start, min(start + size, n))


def to_days(values: Any) -> np.ndarray:
    """datetime64 values -> int64 day numbers since 1970-01-01 (times of day floored)."""
    return np.asarray(values, dtype="datetime64[ns]").astype("datetime64[D]").astype(np.int64)


def days_to_index(days: np.ndarray) -> pd.DatetimeIndex:
    """Day numbers -> ``DatetimeIndex`` in nanoseconds."""
    return pd.DatetimeIndex(np.asarray(days, dtype=np.int64).astype("datetime64[D]")).as_unit("ns")


def dates_or_nat(days: np.ndarray, valid: np.ndarray) -> pd.DatetimeIndex:
    """Day numbers -> DatetimeIndex, NaT where not ``valid``."""
    arr = np.where(valid, days, 0).astype(np.int64).astype("datetime64[D]").astype("datetime64[ns]")
    arr[~np.asarray(valid, dtype=bool)] = np.datetime64("NaT")
    return pd.DatetimeIndex(arr)


def day_str(days: np.ndarray) -> np.ndarray:
    """Day numbers -> 'YYYY-MM-DD' strings (vectorised)."""
    return np.asarray(days, dtype=np.int64).astype("datetime64[D]").astype(str)


def num_str(x: np.ndarray) -> np.ndarray:
    """Numbers -> short strings: whole numbers without '.0', others rounded to 2 decimals.

    >>> num_str(np.array([3.0, 2.5, 1 / 3])).tolist()
    ['3', '2.5', '0.33']
    """
    x = np.asarray(x, dtype=float)
    whole = np.isfinite(x) & (x == np.round(x))
    out = np.round(x, 2).astype(str)
    out[whole] = x[whole].astype(np.int64).astype(str)
    return out


def cat(*parts: Any) -> np.ndarray:
    """Element-wise string concatenation of arrays and scalars (numpy.strings.add).

    >>> cat("n=", np.array([1, 2])).tolist()
    ['n=1', 'n=2']
    """
    out = np.asarray(parts[0], dtype=np.str_)
    for p in parts[1:]:
        out = np.strings.add(out, np.asarray(p, dtype=np.str_))
    return out


def status_assigner(
    status: np.ndarray, reason: np.ndarray, done: np.ndarray
) -> Callable[[np.ndarray, str, Any], None]:
    """``assign(mask, code, text)``: first match wins; ``text(idx)`` builds reasons lazily."""

    def assign(mask: np.ndarray, code: str, text: Any) -> None:
        idx = np.flatnonzero(mask & ~done)
        if len(idx):
            status[idx] = code
            reason[idx] = text(idx)
            done[idx] = True

    return assign


def zero_nan(u: np.ndarray) -> np.ndarray:
    """Copy of ``u`` with NaN replaced by 0 (cheaper than numpy.nan_to_num)."""
    return np.where(np.isnan(u), 0.0, u)


def as_timestamp(value: Any, name: str) -> pd.Timestamp:
    """A date-like argument -> midnight ``Timestamp`` without time zone; clear error if not a date.

    >>> as_timestamp("2024-03-31 17:00", "as_of")
    Timestamp('2024-03-31 00:00:00')
    """
    try:
        ts = pd.Timestamp(value)
    except (TypeError, ValueError) as err:
        raise ValueError(f"{name} must be a date such as '2024-03-31'; got {value!r}.") from err
    if ts is pd.NaT:
        raise ValueError(f"{name} must be a date such as '2024-03-31'; got {value!r}.")
    if ts.tzinfo is not None:
        ts = ts.tz_localize(None)
    return ts.normalize()


def day_number(value: Any, name: str) -> int:
    """A date-like argument -> its day number (see :func:`as_timestamp`).

    >>> day_number("1970-01-02", "as_of")
    1
    """
    return int(to_days(np.asarray([as_timestamp(value, name).to_datetime64()]))[0])


def timestamp_day(ts: pd.Timestamp) -> int:
    """A ``Timestamp`` -> its day number (time of day floored)."""
    return int(to_days(np.asarray([ts.to_datetime64()]))[0])

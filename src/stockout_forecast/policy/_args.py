"""Argument handling shared by the policy functions: array-in/array-out, Series kept aligned.

Every policy function is vectorised over items: scalars for one item, numpy arrays for many,
or pandas Series (all indexed alike) to get a Series back with the same index.
:func:`_prepare` turns the arguments into broadcast float arrays and :func:`_finish` gives
the result back in the caller's form.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

import numpy as np
import pandas as pd

from .._utils import check_fraction

ArrayLike = float | int | np.ndarray | pd.Series | Sequence[float]
Measure = Literal["cycle", "fill_rate"]
Loss = Literal["one-term", "two-term"]

_INV_SQRT_2PI = 1.0 / np.sqrt(2.0 * np.pi)


# --------------------------------------------------------------------------- helpers
def _prepare(**named: Any) -> tuple[dict[str, np.ndarray], pd.Index | None, bool]:
    """Turn scalars / arrays / Series into broadcast float arrays.

    Returns the arrays by name, the common Series index (or None) and whether every input
    was a scalar (then the caller returns a plain float).
    """
    index: pd.Index | None = None
    scalar = True
    arrays: dict[str, np.ndarray] = {}
    for name, value in named.items():
        if isinstance(value, pd.DataFrame):
            raise TypeError(f"{name} must be a number, an array or a Series; got a DataFrame.")
        if isinstance(value, pd.Series):
            if index is None:
                index = value.index
            elif not value.index.equals(index):
                raise ValueError(
                    f"{name} is indexed differently from the other Series arguments; "
                    f"align them first, e.g. {name}.reindex(other.index)."
                )
            arr = value.to_numpy(dtype=float, na_value=np.nan)
            scalar = False
        else:
            try:
                arr = np.asarray(value, dtype=float)
            except (TypeError, ValueError) as err:
                raise TypeError(f"{name} must be numeric; got {value!r}.") from err
            if arr.ndim:
                scalar = False
        arrays[name] = arr
    try:
        shaped = np.broadcast_arrays(*arrays.values())
    except ValueError as err:
        shapes = {k: v.shape for k, v in arrays.items()}
        raise ValueError(f"Arguments cannot be broadcast together: shapes {shapes}.") from err
    return dict(zip(arrays, (np.array(a, dtype=float) for a in shaped), strict=True)), index, scalar


def _finish(result: np.ndarray, index: pd.Index | None, scalar: bool, name: str) -> Any:
    if scalar:
        return float(np.asarray(result).reshape(()))
    if index is not None:
        return pd.Series(np.asarray(result, dtype=float), index=index, name=name)
    return np.asarray(result, dtype=float)


def _check_nonnegative(arrays: dict[str, np.ndarray], *names: str) -> None:
    for name in names:
        arr = arrays[name]
        bad = arr < 0
        if bad.any():
            pos = np.argwhere(bad)[:5].tolist() if arr.ndim else []
            where = f" at positions {pos}" if pos else ""
            raise ValueError(
                f"{name} must not be negative; found {arr[bad][:3].tolist()}{where}. "
                f"Check the estimate (a negative {name} has no meaning)."
            )


def _check_service_level(value: Any, name: str = "service_level") -> np.ndarray:
    """Fractions in (0, 1); NaN allowed (item without a target)."""
    if np.ndim(value) == 0 and not isinstance(value, pd.Series):
        v = float(value)
        if np.isnan(v):
            return np.asarray(v)
        return np.asarray(check_fraction(v, name))
    arr = np.asarray(value.to_numpy() if isinstance(value, pd.Series) else value, dtype=float)
    bad = ~np.isnan(arr) & ((arr <= 0) | (arr >= 1))
    if bad.any():
        vals = arr[bad][:3].tolist()
        hint = " They look like percentages: divide by 100." if (arr[bad] > 1).all() else ""
        raise ValueError(f"{name} must be fractions in (0, 1); got {vals}.{hint}")
    return arr


def _check_choice(value: str, name: str, allowed: tuple[str, ...]) -> None:
    if value not in allowed:
        raise ValueError(f"{name} must be one of {list(allowed)}; got {value!r}.")

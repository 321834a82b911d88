"""What the history modules share: period arithmetic on day numbers, defaults, argument checks."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ..io.validation import validate_table
from .panel import DemandHistory

#: largest item x period panel built (10 bytes a cell: units, censored, suspected)
MAX_CELLS = 1_500_000_000
#: default shortest zero run (in periods) that may be flagged as a suspected stock-out
MIN_ZERO_RUN = {"D": 7, "W": 3, "M": 2}
#: default number of periods below which an item is "new"
MIN_PERIODS = {"D": 28, "W": 4, "M": 2}
#: default number of trailing periods without a sale after which an item looks discontinued
DORMANT_PERIODS = {"D": 90, "W": 13, "M": 3}
#: fewest demand periods an item needs before its zero runs are tested (rate estimate)
SUSPECT_MIN_DEMANDS = 10
PERIOD_WORD = {"D": "days", "W": "weeks", "M": "months"}


def period_of_day(days: np.ndarray, freq: str) -> np.ndarray:
    """Period number of each day: the day itself, weeks since Monday 1969-12-29, months."""
    if freq == "D":
        return days
    if freq == "W":
        return (days + 3) // 7
    return days.astype("datetime64[D]").astype("datetime64[M]").astype(np.int64)


def first_day_of_period(pnum: np.ndarray, freq: str) -> np.ndarray:
    """Day number of the first day of each period number (inverse of :func:`period_of_day`)."""
    if freq == "D":
        return pnum
    if freq == "W":
        return pnum * 7 - 3
    return pnum.astype("datetime64[M]").astype("datetime64[D]").astype(np.int64)


def period_days(starts: np.ndarray, freq: str, as_of_day: int) -> np.ndarray:
    """Calendar days in each period starting at ``starts`` (day numbers); last cut at as_of."""
    if len(starts) == 0:
        return np.zeros(0)
    last = np.asarray([starts[-1]])
    nxt = first_day_of_period(period_of_day(last, freq) + 1, freq)
    ends = np.concatenate([starts[1:], nxt]) - 1
    ends = np.minimum(ends, as_of_day)
    return (ends - starts + 1).astype(np.float64)


def check_freq(freq: str) -> str:
    """``freq`` must be one of the history's periods."""
    if freq not in MIN_ZERO_RUN:
        raise ValueError(f"freq must be 'D', 'W' or 'M'; got {freq!r}.")
    return freq


def check_history(history: Any) -> DemandHistory:
    """``history`` must be a :class:`DemandHistory`."""
    if not isinstance(history, DemandHistory):
        raise TypeError(
            f"history must be a DemandHistory (from demand_history()); got {type(history).__name__}."
        )
    return history


def item_list(items: Any) -> np.ndarray:
    """``items=`` argument -> object array of str ids."""
    if items is None:
        return np.array([], dtype=object)
    if isinstance(items, pd.DataFrame):
        items = validate_table(items, "items", allow_empty=True)["item_id"]
    elif isinstance(items, str):
        items = [items]
    return np.asarray([str(i) for i in pd.Series(list(items)).dropna()], dtype=object)

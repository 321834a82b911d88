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


#: weekday names of the weekly anchors, Monday first (``W-MON`` ... ``W-SUN``)
WEEKDAYS = ("MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN")
#: period kinds ("D", "W", "M") and the period labels each accepts
ANCHORS = ("D", *(f"W-{d}" for d in WEEKDAYS), "MS", "ME")
_ALIASES = {"W": "W-MON", "M": "MS"}


def normalize_freq(freq: str) -> str:
    """A frequency as given -> its anchored alias.

    The aliases: ``"D"``, ``"W-MON"`` ... ``"W-SUN"``, ``"MS"`` (months labelled by their
    first day) or ``"ME"`` (by their last day). ``"W"`` is ``"W-MON"`` and ``"M"`` is ``"MS"`` (the library's conventions so far).

    >>> normalize_freq("W"), normalize_freq("w-wed"), normalize_freq("ME")
    ('W-MON', 'W-WED', 'ME')
    """
    if isinstance(freq, str):
        f = freq.strip().upper()
        f = _ALIASES.get(f, f)
        if f in ANCHORS:
            return f
    raise ValueError(
        f"freq must be 'D', 'W' or 'M'; got {freq!r}. Also accepted: 'W-MON' ... 'W-SUN' "
        f"(weeks starting that day; 'W' is 'W-MON'), 'MS' (months labelled by their first "
        f"day, as 'M') or 'ME' (by their last day); None infers it from the dates."
    )


def freq_kind(freq: str) -> str:
    """``"D"``, ``"W"`` or ``"M"`` of a frequency or anchored alias."""
    f = normalize_freq(freq)
    return f[0]


def _week_shift(freq: str) -> int:
    """Days to add to a day number so that weeks starting on the anchor day align to 7."""
    day = WEEKDAYS.index(freq[2:]) if len(freq) > 1 else 0
    return (3 - day) % 7  # day 0 (1970-01-01) is a Thursday


def period_of_day(days: np.ndarray, freq: str) -> np.ndarray:
    """Period number of each day: the day itself, weeks since an anchor day, months."""
    kind = freq[0]
    if kind == "D":
        return days
    if kind == "W":
        return (days + _week_shift(freq)) // 7
    return days.astype("datetime64[D]").astype("datetime64[M]").astype(np.int64)


def first_day_of_period(pnum: np.ndarray, freq: str) -> np.ndarray:
    """Day number of the first day of each period number (inverse of :func:`period_of_day`)."""
    kind = freq[0]
    if kind == "D":
        return pnum
    if kind == "W":
        return pnum * 7 - _week_shift(freq)
    return pnum.astype("datetime64[M]").astype("datetime64[D]").astype(np.int64)


def infer_freq(days: np.ndarray) -> str:
    """The frequency the dates are in: monthly or weekly when every date says so, else daily.

    Months: every date the first of its month (``"MS"``) or every date the last (``"ME"``).
    Weeks: every date on one weekday (``"W-MON"`` ... ``"W-SUN"``). At least two distinct
    dates are needed to see a pattern; fewer give ``"D"``.

    >>> infer_freq(np.array([19723, 19730, 19744]))   # Mondays 2024-01-01, -08, -22
    'W-MON'
    """
    days = np.asarray(days, dtype=np.int64)
    if _has_next_day(days):  # no two days in a row are month starts, month ends or one weekday
        return "D"
    u = np.unique(days)
    if u.size < 2:
        return "D"
    d = u.astype("datetime64[D]")
    month_start = d.astype("datetime64[M]").astype("datetime64[D]")
    if (d == month_start).all():
        return "MS"
    next_start = (d.astype("datetime64[M]") + 1).astype("datetime64[D]")
    if (d == next_start - 1).all():
        return "ME"
    weekday = (u + 3) % 7
    if (weekday == weekday[0]).all():
        return f"W-{WEEKDAYS[int(weekday[0])]}"
    return "D"


def _has_next_day(days: np.ndarray) -> bool:
    """Whether some day of ``days`` is followed by the next day (a mark per day of the span)."""
    if days.size < 2:
        return False
    lo, hi = int(days.min()), int(days.max())
    if hi - lo > 10_000_000:  # a span too long to mark: the unique days decide
        return False
    seen = np.zeros(hi - lo + 1, dtype=bool)
    seen[days - lo] = True
    return bool((seen[1:] & seen[:-1]).any())


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
    """``freq`` as an anchored alias (:func:`normalize_freq`)."""
    return normalize_freq(freq)


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

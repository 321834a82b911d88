"""Dates as a planner writes them: ISO, day/month or month/day, with or without a time zone.

``pd.to_datetime(..., format="mixed")`` guesses each value on its own, so ``03/04/2025`` is
read as 4 March while ``25/04/2025`` next to it is read as 25 April: a file of day/month dates
is silently half wrong. Here a column of ``a/b/yyyy`` dates (also with ``.`` or ``-``) is read
in one order for the whole column (and, through :func:`infer_date_order`, for the whole
dataset): the order the values prove (a first number above 12 proves day/month, a second
number above 12 month/day), or the one the caller states with ``date_order``. Values that
fit either order and nothing proves which are an error that says how to state it.

Time-zone offsets (``2024-03-01T10:00+01:00``) are dropped, keeping the local date and time
the shop recorded (converting to UTC would move late-evening sales to the next day).
Dates before 1900 or after 2199 are errors (no business records them; pandas cannot hold
most of them and would wrap around).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import Literal

import numpy as np
import pandas as pd

from ..exceptions import SchemaError

__all__ = ["DATE_ORDERS", "infer_date_order", "parse_dates"]

DateOrder = Literal["dmy", "mdy", "ymd"]
#: the orders ``date_order`` accepts
DATE_ORDERS = ("dmy", "mdy", "ymd")
_EARLIEST = pd.Timestamp("1900-01-01")
_LATEST = pd.Timestamp("2200-01-01")
_NUMERIC_DATE = re.compile(r"^\s*(\d{1,2})([/.\-])(\d{1,2})\2(\d{4}|\d{2})(?=$|[\sT])(.*)$")
_TZ = re.compile(r"(?<=\d)(?:Z|[+-]\d{2}:?\d{2})\s*$")
Rows = Callable[[np.ndarray], str]
_ORDER_WORDS = {"dmy": "day/month/year", "mdy": "month/day/year", "ymd": "year-month-day"}


def _check_order(date_order: str | None) -> None:
    if date_order is not None and date_order not in DATE_ORDERS:
        raise ValueError(f"date_order must be one of {DATE_ORDERS} or None; got {date_order!r}.")


def _evidence(values: pd.Series) -> tuple[bool, bool, pd.DataFrame]:
    """(day/month proven, month/day proven, the regex parts of the a/b/yyyy values)."""
    text = values.dropna().astype("str")
    parts = text.str.extract(_NUMERIC_DATE)
    parts = parts[parts[0].notna()]
    if parts.empty:
        return False, False, parts
    a = parts[0].astype(int)
    b = parts[2].astype(int)
    parts = parts[(a <= 12) | (b <= 12)]  # both above 12: no date (an error later)
    a, b = a[parts.index], b[parts.index]
    # a value with both numbers above 12 is no date at all (an error later), not evidence
    return bool(((a > 12) & (b <= 12)).any()), bool(((b > 12) & (a <= 12)).any()), parts


def infer_date_order(columns: Iterable[pd.Series]) -> str | None:
    """The day/month order the values of several date columns prove together (or None).

    Returns ``"dmy"`` or ``"mdy"`` when the numeric dates of all columns agree and at least
    one proves its order, ``None`` when nothing proves an order or the columns disagree (the
    columns are then judged one by one, and a conflict is reported where it is).

    >>> infer_date_order([pd.Series(["03/04/2025", "25/04/2025"]), pd.Series(["2025-01-02"])])
    'dmy'
    """
    dmy = mdy = False
    for col in columns:
        if not (pd.api.types.is_string_dtype(col) or col.dtype == object):
            continue
        if _iso(col) is not None:  # ISO dates prove nothing (and are the common case)
            continue
        d, m, _ = _evidence(col)
        dmy, mdy = dmy or d, mdy or m
    if dmy and not mdy:
        return "dmy"
    if mdy and not dmy:
        return "mdy"
    return None


def parse_dates(
    values: pd.Series,
    where: str,
    rows: Rows,
    *,
    date_order: str | None = None,
    default_order: str | None = None,
) -> tuple[pd.Series, list[str]]:
    """Parse one date column; return naive ``datetime64[ns]`` values and the notes to show.

    Parameters
    ----------
    values : Series
        The column as read (text, dates or numbers).
    where : str
        ``"table.column"`` for messages.
    rows : callable
        ``rows(mask) -> str`` naming the rows of a boolean mask for messages.
    date_order : {"dmy", "mdy", "ymd"}, optional
        The order the user states for ``a/b/yyyy`` dates.
    default_order : {"dmy", "mdy"}, optional
        The order the rest of the dataset proves (used when this column proves none).

    Raises
    ------
    SchemaError
        Dates that parse in neither order, that fit both orders with nothing to tell which,
        that prove both orders in one column, or that fall before 1900 or after 2199.
    """
    _check_order(date_order)
    notes: list[str] = []
    text_like = pd.api.types.is_string_dtype(values) or values.dtype == object
    if not text_like:
        parsed = _seconds(pd.to_datetime(values, errors="coerce"))
        return _finish(values, parsed, where, rows), notes
    fast = _iso(values)
    if fast is not None:
        return _finish(values, fast, where, rows), notes
    text = values.where(values.isna(), values.astype("str").str.strip())
    text = text.mask(text == "")
    has_tz = text.fillna("").str.contains(_TZ)
    if has_tz.any():
        text = text.where(~has_tz, text.str.replace(_TZ, "", regex=True).str.rstrip())
        notes.append(
            f"{where} has time zone offsets in {rows(has_tz.to_numpy())}; they were dropped, "
            f"keeping the local date and time recorded (e.g. {values[has_tz].iloc[0]!r})."
        )
    dmy, mdy, parts = _evidence(text)
    # seconds resolution holds any year, so a date out of pandas' nanosecond range is caught
    # by the range check below instead of wrapping around
    parsed = pd.Series(pd.NaT, index=values.index, dtype="datetime64[s]")
    if len(parts):
        order = _choose_order(dmy, mdy, parts, text, where, rows, date_order, default_order)
        day, month = (parts[0], parts[2]) if order == "dmy" else (parts[2], parts[0])
        year = parts[3].where(parts[3].str.len() == 4, "20" + parts[3])
        iso = year + "-" + month.str.zfill(2) + "-" + day.str.zfill(2) + parts[4].fillna("")
        parsed.loc[parts.index] = _seconds(pd.to_datetime(iso, errors="coerce", format="mixed"))
        example = text.loc[parts.index[0]]
        how = "proven by values such as" if (dmy or mdy) else "as stated; e.g."
        if date_order is None and not (dmy or mdy):
            how = "as the rest of the data proves; e.g."
        notes.append(
            f"{where}: dates such as {example!r} read as {_ORDER_WORDS[order]} ({how} "
            f"{_proof(parts, order, text)!r})."
        )
    rest = text.notna() & ~text.index.isin(parts.index)
    if rest.any():
        parsed.loc[rest] = _seconds(pd.to_datetime(text[rest], errors="coerce", format="mixed"))
    return _finish(values, parsed, where, rows), notes


def _iso(values: pd.Series) -> pd.Series | None:
    """The column parsed as ISO 8601 without time zones, or None when some value is not."""
    try:
        parsed = pd.to_datetime(values, errors="coerce", format="ISO8601")
    except (ValueError, TypeError, OverflowError):
        return None
    if getattr(parsed.dt, "tz", None) is not None:
        return None
    failed = parsed.isna() & values.notna()
    if failed.any():
        return None
    return parsed.astype("datetime64[s]")


def _seconds(parsed: pd.Series) -> pd.Series:
    """Naive datetimes at seconds resolution (time zones dropped at their local time)."""
    if getattr(parsed.dt, "tz", None) is not None:
        parsed = parsed.dt.tz_localize(None)
    return parsed.astype("datetime64[s]")


def _proof(parts: pd.DataFrame, order: str, text: pd.Series) -> str:
    """A value that shows the order (a day above 12), else the first value."""
    col, other = (0, 2) if order == "dmy" else (2, 0)
    big = parts.index[(parts[col].astype(int) > 12) & (parts[other].astype(int) <= 12)]
    return str(text.loc[big[0]] if len(big) else text.loc[parts.index[0]])


def _choose_order(
    dmy: bool,
    mdy: bool,
    parts: pd.DataFrame,
    text: pd.Series,
    where: str,
    rows: Rows,
    date_order: str | None,
    default_order: str | None,
) -> str:
    """The order for a column's ``a/b/yyyy`` dates, or a SchemaError saying why none fits."""
    if dmy and mdy:
        a, b = parts[0].astype(int), parts[2].astype(int)
        a_big = parts.index[(a > 12) & (b <= 12)]
        b_big = parts.index[(b > 12) & (a <= 12)]
        raise SchemaError(
            f"{where} mixes day/month and month/day dates: {text.loc[a_big[0]]!r} can only be "
            f"day/month, {text.loc[b_big[0]]!r} only month/day (both orders appear). Write "
            f"the dates in one order, preferably ISO (YYYY-MM-DD)."
        )
    proven = "dmy" if dmy else "mdy" if mdy else None
    if date_order in ("dmy", "mdy"):
        if proven is not None and proven != date_order:
            raise SchemaError(
                f"{where} has dates such as {_proof(parts, proven, text)!r} that cannot be "
                f"{_ORDER_WORDS[date_order]} (date_order={date_order!r}). Check the date "
                f"order (--date-order)."
            )
        return date_order
    if proven is not None:
        return proven
    if default_order in ("dmy", "mdy"):
        return default_order
    examples = ", ".join(repr(v) for v in text.loc[parts.index[:3]])
    raise SchemaError(
        f"{where} has dates such as {examples} that read as day/month or as month/day, and "
        f"no value shows which (no day above 12). State the order: --date-order dmy (or mdy) "
        f"on the command line, date_order='dmy' in Python; or write ISO dates (YYYY-MM-DD)."
    )


def _finish(values: pd.Series, parsed: pd.Series, where: str, rows: Rows) -> pd.Series:
    """Unparsed and out-of-range dates are errors; the rest become naive datetime64[ns]."""
    bad = (parsed.isna() & values.notna()).to_numpy().copy()
    if bad.any():
        bad &= (values.astype("str").str.strip() != "").to_numpy()
    far = np.zeros(len(values), dtype=bool)
    if bad.any():
        text = values[bad].astype("str")
        year = pd.to_numeric(text.str.extract(r"^\s*(\d{4})-", expand=False))
        far[bad] = ((year < 1900) | (year >= 2200)).to_numpy()
    if far.any():
        examples = ", ".join(repr(str(v)) for v in values[far][:3])
        raise SchemaError(
            f"{where} has dates before 1900 or after 2199 in {rows(far)}, e.g. {examples}. "
            f"They cannot be business dates: correct them."
        )
    if bad.any():
        examples = ", ".join(repr(v) for v in values[bad][:3])
        raise SchemaError(
            f"{where} has dates that cannot be parsed in {rows(bad)}, e.g. {examples}. "
            f"Use ISO dates (YYYY-MM-DD)."
        )
    out = ((parsed < _EARLIEST) | (parsed >= _LATEST)).to_numpy()
    if out.any():
        examples = ", ".join(repr(str(v)) for v in values[out][:3])
        raise SchemaError(
            f"{where} has dates before 1900 or after 2199 in {rows(out)}, e.g. {examples}. "
            f"They cannot be business dates: correct them (an empty date exported as a number "
            f"often shows up this way)."
        )
    return parsed.astype("datetime64[ns]")

"""Plausibility checks: values that parse but cannot be right, with limits a user can set.

A file can follow the data contract and still make a silently wrong plan: one sales line of
10^15 units (a barcode pasted into the quantity), a sale dated 1900-01-01 (an empty Excel
date) that stretches the history over a century, a snapshot years after the last sale. Each
check here either stops with a :class:`~stockout_forecast.exceptions.SchemaError` that names
the rows and the limit to raise, or lets the data through with a note the report shows.

=====================  ========  ==========================================================
limit                  default   what it bounds
=====================  ========  ==========================================================
``max_units``          1e9       any units column (sales, stock, orders, MOQ, capacity): error
``outlier_ratio``      100       a sales line this many times the item's usual line: note
``absurd_ratio``       1e5       ... this many times: error
``date_gap_days``      365       sales or stock readings this far from all the others: left
                                 out with a note (a few) or noted (many)
``stale_days``         90        a snapshot or planning date this long after the last sale:
                                 error
``max_lead_time_days`` 730       a stated supplier lead time: error
=====================  ========  ==========================================================

The item's *usual line* is the 90th percentile of its absolute line sizes (items with at
least five lines; smaller ones are judged by ``max_units`` only).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields, replace
from typing import Any

import numpy as np
import pandas as pd

from .._utils import format_ids
from ..exceptions import SchemaError
from ._rows import count_rows, rows

__all__ = ["Thresholds"]

Pending = list[tuple[str, bool]]


@dataclass(frozen=True)
class Thresholds:
    """Limits of the plausibility checks (see :mod:`stockout_forecast.io.plausibility`).

    Attributes
    ----------
    max_units : float, default 1e9
        Largest absolute value any units column may hold (units).
    outlier_ratio : float, default 100
        A sales line at least this many times the item's usual line is noted (kept).
    absurd_ratio : float, default 1e5
        ... at least this many times is an error.
    date_gap_days : float, default 365
        Sales lines or stock readings dated more than this many days away from every other
        date of the table are left out (when they are at most 1 % of the rows) and noted.
    stale_days : float, default 90
        A snapshot ``inventory.as_of`` (or a planning date) more than this many days after
        the last sale is an error.
    max_lead_time_days : float, default 730
        Largest stated supplier lead time, days.

    Examples
    --------
    >>> Thresholds.parse(["outlier_ratio=50"]).outlier_ratio
    50.0
    """

    max_units: float = 1e9
    outlier_ratio: float = 100.0
    absurd_ratio: float = 1e5
    date_gap_days: float = 365.0
    stale_days: float = 90.0
    max_lead_time_days: float = 730.0

    def __post_init__(self) -> None:
        for f in fields(self):
            v = getattr(self, f.name)
            if isinstance(v, bool) or not isinstance(v, (int, float)) or not v > 0:
                raise ValueError(f"threshold {f.name} must be a positive number; got {v!r}.")

    @classmethod
    def names(cls) -> list[str]:
        """The names of the limits."""
        return [f.name for f in fields(cls)]

    @classmethod
    def parse(cls, items: Iterable[str] | Mapping[str, Any] | None) -> Thresholds:
        """Limits from ``["name=value", ...]`` or a mapping; unknown names are an error."""
        if items is None:
            return cls()
        pairs: dict[str, Any] = {}
        if isinstance(items, Mapping):
            pairs = dict(items)
        else:
            for item in items:
                name, sep, value = str(item).partition("=")
                if not sep:
                    raise ValueError(
                        f"threshold {item!r} must be name=value, e.g. outlier_ratio=50. "
                        f"Names: {', '.join(cls.names())}."
                    )
                pairs[name.strip()] = value.strip()
        unknown = [k for k in pairs if k not in cls.names()]
        if unknown:
            raise ValueError(
                f"unknown threshold {unknown[0]!r}; the limits are {', '.join(cls.names())}."
            )
        out = cls()
        for k, v in pairs.items():
            try:
                out = replace(out, **{k: float(v)})
            except (TypeError, ValueError) as err:
                raise ValueError(f"threshold {k} must be a positive number; got {v!r}.") from err
        return out


def _hint(name: str, value: float) -> str:
    return (
        f"If they are right, raise the limit: --threshold {name}={value:g} on the command line, "
        f"thresholds=Thresholds({name}={value:g}) in Python."
    )


def check_magnitude(
    num: pd.Series, where: str, base: int | None, limit: float, *, name: str = "max_units"
) -> None:
    """Values beyond ``±limit`` are an error naming the rows and how to raise the limit."""
    big = (num.abs() > limit).to_numpy()
    if not big.any():
        return
    examples = ", ".join(f"{v:g}" for v in num[big].head(3))
    raise SchemaError(
        f"{where} holds values beyond {limit:,.0f} in {rows(num.index[big], base)} (e.g. "
        f"{examples}): not a plausible quantity. Correct them. {_hint(name, 10 * limit)}"
    )


def sales_outliers(sales: pd.DataFrame, base: int | None, t: Thresholds, pending: Pending) -> None:
    """Lines far above the item's own usual line: an error when absurd, else a note."""
    if _within_bound(sales, min(t.outlier_ratio, t.absurd_ratio)):
        return  # no line can reach either ratio: the check below would find none
    size = sales["units"].abs()
    nz = size > 0
    g = size[nz].groupby(sales.loc[nz, "item_id"])
    usual = g.quantile(0.9)[g.size() >= 5]
    if usual.empty:
        return
    ref = sales["item_id"].map(usual).astype(float)
    ratio: np.ndarray = (size / np.maximum(ref, 1.0)).to_numpy(dtype=float)
    absurd = ratio >= t.absurd_ratio
    if absurd.any():
        raise SchemaError(
            f"sales.units has lines at least {t.absurd_ratio:,.0f} times the item's usual line "
            f"in {rows(sales.index[absurd], base)}: {_examples(sales, absurd, ref)}. Correct "
            f"them. {_hint('absurd_ratio', t.absurd_ratio * 100)}"
        )
    odd = ratio >= t.outlier_ratio
    if odd.any():
        pending.append(
            (
                f"sales has {count_rows(sales.index[odd], base)} at least "
                f"{t.outlier_ratio:,.0f} times the item's usual line: {_examples(sales, odd, ref)}. "
                f"Kept, so the forecast counts them as demand: check them (a typing error, or a "
                f"one-off bulk order).",
                True,
            )
        )


def _within_bound(sales: pd.DataFrame, limit: float) -> bool:
    """Whether no line can be ``limit`` times its item's usual line (a bound, in numpy).

    True only when it is certain: an item's largest line is below ``limit`` (a ratio to a
    usual line of at least 1 is no larger than the line), or at least ``n - k`` of its ``n``
    non-zero lines are at least ``largest / limit`` (a margin above), ``k = floor(0.9 (n -
    1)) - 1``: then the ``k``-th smallest line, which no interpolated 90th percentile goes
    below, is above ``largest / limit``. Missing units or ids: False (the full check runs).
    """
    size = np.abs(sales["units"].to_numpy(dtype=float, na_value=np.nan))
    if len(size) == 0:
        return True
    if np.isnan(size).any():
        return False
    codes, uniq = pd.factorize(sales["item_id"])
    if (codes < 0).any():
        return False
    nz = size > 0
    code, size = codes[nz], size[nz]
    n = np.bincount(code, minlength=len(uniq))
    top = np.zeros(len(uniq))
    np.maximum.at(top, code, size)
    check = (n >= 5) & (top >= limit)
    if not check.any():
        return True
    floor = np.nextafter(top / limit, np.inf) * (1 + 1e-9)
    k = np.maximum(np.floor(0.9 * (n - 1)) - 1, 0)
    above = np.bincount(code, weights=size >= floor[code], minlength=len(uniq))
    return bool((above[check] >= (n - k)[check]).all())


def _examples(sales: pd.DataFrame, mask: np.ndarray, ref: pd.Series) -> str:
    head = sales.loc[mask].head(3)
    return "; ".join(
        f"{i} {u:,.0f} units (usually up to {r:,.0f})"
        for i, u, r in zip(head["item_id"], head["units"], ref[mask].head(3), strict=True)
    )


def far_dates(
    df: pd.DataFrame, table: str, col: str, base: int | None, t: Thresholds, pending: Pending
) -> pd.DataFrame:
    """Rows dated far from all the others: left out (a few) or noted (many)."""
    if len(df) < 2 or _no_gap(df[col], t.date_gap_days):
        return df
    days = df[col].dt.normalize()
    uniq = np.sort(days.unique())
    gaps = np.diff(uniq).astype("timedelta64[D]").astype(float)
    cut = np.flatnonzero(gaps > t.date_gap_days)
    if not cut.size:
        return df
    cluster = np.searchsorted(uniq[cut + 1], days.to_numpy(), side="right")
    counts = np.bincount(cluster)
    main = int(np.argmax(counts))
    away = cluster != main
    lo, hi = pd.Timestamp(days[cluster == main].min()), pd.Timestamp(days[cluster == main].max())
    dates = ", ".join(sorted({f"{d:%Y-%m-%d}" for d in days[away]})[:3])
    where = f"{table}.{col}"
    if away.sum() <= max(1, 0.01 * len(df)):
        pending.append(
            (
                f"{where}: {count_rows(df.index[away], base)} dated {dates}, more than "
                f"{t.date_gap_days:,.0f} days from every other {col} ({lo:%Y-%m-%d} to "
                f"{hi:%Y-%m-%d}), left out as a date error. Correct the date to have them "
                f"counted.",
                True,
            )
        )
        return df.loc[~away]
    pending.append(
        (
            f"{where} has a gap of more than {t.date_gap_days:,.0f} days: "
            f"{count_rows(df.index[away], base)} are dated {dates}, away from the main span "
            f"{lo:%Y-%m-%d} to {hi:%Y-%m-%d}. Kept; check them.",
            False,
        )
    )
    return df


def _no_gap(dates: pd.Series, gap_days: float) -> bool:
    """Whether no two consecutive days of ``dates`` are more than ``gap_days`` apart.

    The days of :func:`far_dates` in numpy (tz-naive nanosecond dates only; False
    otherwise, and the check runs as written): ``datetime64[D]`` is the normalised day.
    """
    if dates.dtype != np.dtype("datetime64[ns]"):
        return False
    ns = dates.to_numpy()
    ns = ns[~np.isnat(ns)]
    if (ns.view(np.int64) < 0).any():  # before 1970: leave the flooring to pandas
        return False
    day = ns.astype("datetime64[D]").astype(np.int64)
    if len(day) and int(day.max()) - int(day.min()) <= 10_000_000:
        seen = np.zeros(int(day.max()) - int(day.min()) + 1, dtype=bool)  # a mark per day
        seen[day - day.min()] = True
        days = np.flatnonzero(seen)
    else:
        days = np.unique(day)
    gaps = np.diff(days).astype(float)
    return not bool((gaps > gap_days).any())


def stale_snapshot(tables: dict[str, pd.DataFrame], t: Thresholds) -> None:
    """A snapshot long after the last sale is an error."""
    inv = tables.get("inventory")
    if inv is None or "as_of" not in inv.columns or not inv["as_of"].notna().any():
        return
    last = tables["sales"]["date"].max().normalize()
    as_of = inv["as_of"].max().normalize()
    lag = (as_of - last).days
    if lag > t.stale_days:
        raise SchemaError(
            f"inventory.as_of {as_of:%Y-%m-%d} is {lag:,} days after the last sale "
            f"({last:%Y-%m-%d}): the sales no longer describe the shop at the snapshot. Export "
            f"recent sales, or correct inventory.as_of. {_hint('stale_days', lag + 1)}"
        )


def lead_times(sup: pd.DataFrame, base: int | None, t: Thresholds) -> None:
    """A stated lead time beyond the limit is an error."""
    long = (sup["lead_time_days"] > t.max_lead_time_days).to_numpy()
    if long.any():
        items = format_ids(np.asarray(pd.unique(sup.loc[long, "item_id"])))
        raise SchemaError(
            f"suppliers.lead_time_days is above {t.max_lead_time_days:,.0f} days in "
            f"{rows(sup.index[long], base)} (items {items}; e.g. "
            f"{sup.loc[long, 'lead_time_days'].iloc[0]:g}). Correct it (days, not hours?). "
            f"{_hint('max_lead_time_days', float(sup['lead_time_days'].max()))}"
        )

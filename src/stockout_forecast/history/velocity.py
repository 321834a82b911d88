"""Item velocity: units per day over recent windows and exponentially weighted.

Only observed (in-stock) days count: censored and suspected periods of the
:class:`~stockout_forecast.history.panel.DemandHistory` are left out of both the units and
the days. One chunked numpy pass over items; Python loops only over the few windows.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from .._arrays import (
    cat,
    chunks,
    dates_or_nat,
    day_number,
    timestamp_day,
    to_days,
    zero_nan,
)
from .._utils import check_int
from ._common import check_history, first_day_of_period, period_days, period_of_day
from .panel import DemandHistory
from .status import status_of

__all__ = ["item_velocity"]


def item_velocity(
    history: DemandHistory,
    *,
    windows: Sequence[int] = (7, 28, 90),
    halflife_days: float = 14.0,
    as_of: Any = None,
) -> pd.DataFrame:
    """Units per day per item over recent windows and exponentially weighted, in-stock days only.

    Parameters
    ----------
    history : DemandHistory
        From :func:`~stockout_forecast.demand_history` (any ``freq``).
    windows : sequence of int, default (7, 28, 90)
        Window lengths in days, at least two; each gives ``velocity_{w}d`` and
        ``in_stock_days_{w}d``.
    halflife_days : float, default 14.0
        Half-life of the exponential weights, days (> 0).
    as_of : date-like, optional
        Compute as of this day (<= ``history.as_of``; later periods are ignored). For
        ``"W"``/``"M"`` histories it must be the last day of a period or ``history.as_of``.

    Returns
    -------
    pandas.DataFrame
        One row per item of the history, in its order. Columns: ``item_id``;
        ``velocity_{w}d`` for each window (units/day, NaN when no observed day in the
        window); ``velocity_ewm`` (units/day); ``trend_ratio``; ``in_stock_days_{w}d``
        (observed days in each window); ``total_units`` (net units over the whole history,
        censored periods included); ``first_sale_date`` and ``last_sale_date`` (start of the
        first/last period with positive units, NaT if none); ``status``; ``reason``.
        ``frame.attrs["as_of"]`` holds the as-of date.

    Notes
    -----
    Observed days are those of :attr:`DemandHistory.observed` periods (active, not censored,
    not a suspected stock-out). For a window of ``w`` days ending on ``as_of``::

        velocity_wd = sum(units over observed periods in the window)
                      / sum(days of those periods)

    For ``"D"`` the window is the last ``w`` days. For ``"W"``/``"M"`` it is the periods that
    start within the last ``w`` days (``start > as_of - w``), so it is rounded to whole
    periods, and a period counts its calendar days (7; 28-31; the last period up to
    ``as_of``). Periods whose net units are negative (returns) count as they are.

    The exponentially weighted velocity uses weights ``0.5 ** (age / halflife_days)``, with
    ``age`` the days from the period's last day to ``as_of``::

        velocity_ewm = sum(w * units) / sum(w * days)   over observed periods

    ``trend_ratio`` is the velocity over the second-longest window divided by that over the
    longest (``velocity_28d / velocity_90d`` by default): above 1 means demand is rising.
    NaN when either is NaN or the denominator is 0.

    ``status`` is the history status (as of ``history.as_of``, also when an earlier
    ``as_of`` is passed), except that an ``"ok"`` item with a window without any observed
    day becomes ``"partial"`` and the reason names the windows.

    References
    ----------
    Hyndman, R.J. & Athanasopoulos, G. (2021). *Forecasting: Principles and Practice*, 3rd
    ed., section 8.1 (exponentially weighted averages). OTexts.

    Examples
    --------
    >>> import pandas as pd
    >>> from stockout_forecast import demand_history
    >>> sales = pd.DataFrame({"item_id": "A", "date": pd.date_range("2024-01-01", periods=10),
    ...                       "units": [2, 4, 0, 6, 2, 2, 4, 0, 2, 2]})
    >>> stock = pd.DataFrame({"item_id": "A", "date": pd.date_range("2024-01-01", periods=10),
    ...                       "on_hand_units": [9, 9, 0, 9, 9, 9, 9, 0, 9, 9]})
    >>> h = demand_history(sales, stock)
    >>> v = item_velocity(h, windows=(3, 7))
    >>> v[["velocity_3d", "velocity_7d", "in_stock_days_7d", "trend_ratio"]].round(3)
       velocity_3d  velocity_7d  in_stock_days_7d  trend_ratio
    0          2.0          3.0                 6        0.667
    """
    history = check_history(history)
    win = sorted({check_int(w, "windows") for w in windows})
    if len(win) < 2:
        raise ValueError(
            f"windows needs at least two lengths (the trend ratio compares the two longest); "
            f"got {list(windows)!r}."
        )
    hl = float(halflife_days)
    if not (np.isfinite(hl) and hl > 0):
        raise ValueError(f"halflife_days must be a positive number of days; got {halflife_days!r}.")
    as_of_day = _velocity_as_of(history, as_of)
    all_starts = to_days(history.periods.to_numpy())
    n_t = int(np.searchsorted(all_starts, as_of_day, side="right"))
    starts = all_starts[:n_t]
    sums = _window_sums(history, starts, as_of_day, win, hl)
    vel = sums["vel"]
    with np.errstate(invalid="ignore", divide="ignore"):
        num_t, den_t = vel[win[-2]], vel[win[-1]]
        trend = np.where(den_t != 0, num_t / den_t, np.nan)

    def sale_dates(idx: np.ndarray) -> pd.DatetimeIndex:
        d = starts[np.maximum(idx, 0)] if n_t else np.zeros(len(idx), dtype=np.int64)
        return dates_or_nat(d, idx >= 0)

    status, reason = _velocity_status(history, vel, win)
    data: dict[str, Any] = {"item_id": pd.array(history.item_ids, dtype="str")}
    for w in win:
        data[f"velocity_{w}d"] = vel[w]
    data["velocity_ewm"] = sums["ewm"]
    data["trend_ratio"] = trend
    for w in win:
        data[f"in_stock_days_{w}d"] = sums["days_in"][w]
    data["total_units"] = sums["total"]
    data["first_sale_date"] = sale_dates(sums["first_sale"])
    data["last_sale_date"] = sale_dates(sums["last_sale"])
    data["status"] = pd.array(status, dtype="str")
    data["reason"] = pd.array(reason, dtype="str")
    out = pd.DataFrame(data)
    out.attrs["as_of"] = str(np.datetime64(as_of_day, "D"))
    return out


def _velocity_as_of(history: DemandHistory, as_of: Any) -> int:
    """Day number to compute as of: within the history and, for W/M, at a period's end."""
    freq = history.freq
    all_starts = to_days(history.periods.to_numpy())
    hist_as_of = timestamp_day(history.as_of)
    if as_of is None:
        return hist_as_of
    as_of_day = day_number(as_of, "as_of")
    if as_of_day > hist_as_of or (len(all_starts) and as_of_day < all_starts[0]):
        raise ValueError(
            f"as_of must fall within the history ({history.periods[0]:%Y-%m-%d} to "
            f"{history.as_of:%Y-%m-%d}); got {as_of!r}."
        )
    if freq != "D" and as_of_day != hist_as_of:
        nxt = first_day_of_period(period_of_day(np.asarray([as_of_day]), freq) + 1, freq)
        if int(nxt[0]) != as_of_day + 1:
            raise ValueError(
                f"as_of {as_of!r} is inside a period of this {freq!r} history, whose units "
                f"cannot be split by day. Use the last day of a period or history.as_of."
            )
    return as_of_day


def _window_sums(
    history: DemandHistory, starts: np.ndarray, as_of_day: int, win: list[int], hl: float
) -> dict[str, Any]:
    """Window and exponentially weighted velocities, in-stock days, totals, first/last sale.

    One chunked pass over the items of the first ``len(starts)`` periods.
    """
    n_t = len(starts)
    pdays = period_days(starts, history.freq, as_of_day)
    ends = starts + pdays - 1
    age = (as_of_day - ends).astype(np.float64)
    wts = np.exp2(-age / hl)
    wdays = wts * pdays
    win_col = {w: int(np.searchsorted(starts, as_of_day - w, side="right")) for w in win}
    n = history.n_items
    vel = {w: np.full(n, np.nan) for w in win}
    days_in = {w: np.zeros(n, dtype=np.int64) for w in win}
    ewm = np.full(n, np.nan)
    total = np.zeros(n)
    first_sale = np.full(n, -1, dtype=np.int64)
    last_sale = np.full(n, -1, dtype=np.int64)
    for sl in chunks(n):
        u = history.units[sl, :n_t]
        u0 = zero_nan(u)
        obs = ~(np.isnan(u) | history.censored[sl, :n_t] | history.suspected[sl, :n_t])
        of = obs.astype(np.float64)
        y = u0 * of
        for w in win:
            c = win_col[w]
            den = (of[:, c:] * pdays[c:]).sum(axis=1)
            num = y[:, c:].sum(axis=1)
            days_in[w][sl] = np.rint(den).astype(np.int64)
            with np.errstate(invalid="ignore", divide="ignore"):
                vel[w][sl] = np.where(den > 0, num / den, np.nan)
        ewm[sl] = _ewm_velocity(y, of, obs, wts=wts, wdays=wdays, age=age, pdays=pdays, hl=hl)
        total[sl] = u0.sum(axis=1)
        pos = u0 > 0
        anyp = pos.any(axis=1)
        first_sale[sl] = np.where(anyp, pos.argmax(axis=1), -1)
        last_sale[sl] = np.where(anyp, n_t - 1 - pos[:, ::-1].argmax(axis=1), -1)
    return {
        "vel": vel,
        "days_in": days_in,
        "ewm": ewm,
        "total": total,
        "first_sale": first_sale,
        "last_sale": last_sale,
    }


def _ewm_velocity(
    y: np.ndarray,
    of: np.ndarray,
    obs: np.ndarray,
    *,
    wts: np.ndarray,
    wdays: np.ndarray,
    age: np.ndarray,
    pdays: np.ndarray,
    hl: float,
) -> np.ndarray:
    """``sum(w * units) / sum(w * days)`` over observed periods, for a chunk of items."""
    num = (y * wts).sum(axis=1)
    den = (of * wdays).sum(axis=1)
    any_obs = obs.any(axis=1)
    under = any_obs & (den <= 0)
    if under.any():  # weights underflowed: rescale to each item's last observed period
        n_t = obs.shape[1]
        last_obs = n_t - 1 - obs[under][:, ::-1].argmax(axis=1)
        shift = np.maximum(age[None, :] - age[last_obs][:, None], 0.0)
        ww = np.exp2(-shift / hl)
        num[under] = (y[under] * ww).sum(axis=1)
        den[under] = (of[under] * ww * pdays[None, :]).sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(any_obs & (den > 0), num / den, np.nan)


def _velocity_status(
    history: DemandHistory, vel: dict[int, np.ndarray], win: list[int]
) -> tuple[np.ndarray, np.ndarray]:
    """History status; an ``ok`` item with a window without observed days is ``partial``."""
    n = history.n_items
    base = status_of(history)
    status = base["status"].to_numpy(dtype=object).copy()
    reason = base["reason"].to_numpy(dtype=object).copy()
    missing_windows = np.full(n, "", dtype=object)
    for w in win:
        m = np.isnan(vel[w])
        first_gap = m & (missing_windows == "")
        later_gap = m & ~first_gap
        missing_windows[first_gap] = str(w)
        missing_windows[later_gap] = cat(missing_windows[later_gap].astype(str), f", {w}")
    partial = (missing_windows != "") & (status == "ok")
    status[partial] = "partial"
    txt = cat("no in-stock days in the last ", missing_windows[partial].astype(str), " days")
    prev = reason[partial].astype(str)
    reason[partial] = np.where(prev == "", txt, cat(txt, "; ", prev))
    return status, reason

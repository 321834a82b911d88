"""History layer: the item x period demand panel, item velocity, demand classes, stock cover.

Four functions, each vectorised over items (numpy over an ``n_items x n_periods`` array;
Python loops only over chunks of items or over the handful of velocity windows):

* :func:`demand_history` turns sales transactions (and optionally end-of-day stock) into a
  :class:`~stockout_forecast.history.panel.DemandHistory`: net units per item and period, zero-filled
  from each item's first activity, with stock-out periods marked ``censored`` and, without
  stock history, long zero runs in steady sellers marked ``suspected``.
* :func:`item_velocity` gives units per day over 7/28/90-day windows and exponentially
  weighted, counting only observed (in-stock) days, with a trend ratio.
* :func:`classify_demand` gives the Syntetos-Boylan demand class, ABC by revenue and XYZ by
  variability.
* :func:`stock_cover` projects on-hand stock forward at the current velocity, with open
  purchase orders arriving at their expected dates: days of cover and first stockout date.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from .._utils import format_ids, renamed_parameters
from ..exceptions import DataQualityWarning, InsufficientHistoryError, SchemaError
from ..io.validation import validate_table
from .panel import DemandHistory

__all__ = ["classify_demand", "demand_history", "item_velocity", "stock_cover"]

#: items processed together in the n_items x n_periods passes (bounds the temporaries)
_CHUNK = 1024
#: largest item x period panel built (10 bytes a cell: units, censored, suspected)
_MAX_CELLS = 1_500_000_000
#: default shortest zero run (in periods) that may be flagged as a suspected stock-out
_MIN_ZERO_RUN = {"D": 7, "W": 3, "M": 2}
#: default number of periods below which an item is "new"
_MIN_PERIODS = {"D": 28, "W": 4, "M": 2}
#: default number of trailing periods without a sale after which an item looks discontinued
_DORMANT_PERIODS = {"D": 90, "W": 13, "M": 3}
#: fewest demand periods an item needs before its zero runs are tested (rate estimate)
_SUSPECT_MIN_DEMANDS = 10
_PERIOD_WORD = {"D": "days", "W": "weeks", "M": "months"}
#: Syntetos, Boylan & Croston (2005) cut-offs
ADI_CUTOFF = 1.32
CV2_CUTOFF = 0.49


# =========================================================================== small helpers
def _chunks(n: int, size: int = _CHUNK) -> Iterable[slice]:
    for start in range(0, n, size):
        yield slice(start, min(start + size, n))


def _to_days(values: Any) -> np.ndarray:
    """datetime64 values -> int64 day numbers since 1970-01-01 (times of day floored)."""
    return np.asarray(values, dtype="datetime64[ns]").astype("datetime64[D]").astype(np.int64)


def _days_to_index(days: np.ndarray) -> pd.DatetimeIndex:
    return pd.DatetimeIndex(np.asarray(days, dtype=np.int64).astype("datetime64[D]")).as_unit("ns")


def _dates_or_nat(days: np.ndarray, valid: np.ndarray) -> pd.DatetimeIndex:
    """Day numbers -> DatetimeIndex, NaT where not ``valid``."""
    arr = np.where(valid, days, 0).astype(np.int64).astype("datetime64[D]").astype("datetime64[ns]")
    arr[~np.asarray(valid, dtype=bool)] = np.datetime64("NaT")
    return pd.DatetimeIndex(arr)


def _day_str(days: np.ndarray) -> np.ndarray:
    """Day numbers -> 'YYYY-MM-DD' strings (vectorised)."""
    return np.asarray(days, dtype=np.int64).astype("datetime64[D]").astype(str)


def _num_str(x: np.ndarray) -> np.ndarray:
    """Numbers -> short strings: whole numbers without '.0', others rounded to 2 decimals."""
    x = np.asarray(x, dtype=float)
    whole = np.isfinite(x) & (x == np.round(x))
    out = np.round(x, 2).astype(str)
    out[whole] = x[whole].astype(np.int64).astype(str)
    return out


def _cat(*parts: Any) -> np.ndarray:
    """Element-wise string concatenation of arrays and scalars (numpy.strings.add)."""
    out = np.asarray(parts[0], dtype=np.str_)
    for p in parts[1:]:
        out = np.strings.add(out, np.asarray(p, dtype=np.str_))
    return out


def _assigner(status: np.ndarray, reason: np.ndarray, done: np.ndarray) -> Any:
    """``assign(mask, code, text)``: first match wins; ``text(idx)`` builds reasons lazily."""

    def assign(mask: np.ndarray, code: str, text: Any) -> None:
        idx = np.flatnonzero(mask & ~done)
        if len(idx):
            status[idx] = code
            reason[idx] = text(idx)
            done[idx] = True

    return assign


def _zero_nan(u: np.ndarray) -> np.ndarray:
    """Copy of ``u`` with NaN replaced by 0 (cheaper than numpy.nan_to_num)."""
    return np.where(np.isnan(u), 0.0, u)


def _period_of_day(days: np.ndarray, freq: str) -> np.ndarray:
    """Period number of each day: the day itself, weeks since Monday 1969-12-29, months."""
    if freq == "D":
        return days
    if freq == "W":
        return (days + 3) // 7
    return days.astype("datetime64[D]").astype("datetime64[M]").astype(np.int64)


def _first_day_of_period(pnum: np.ndarray, freq: str) -> np.ndarray:
    if freq == "D":
        return pnum
    if freq == "W":
        return pnum * 7 - 3
    return pnum.astype("datetime64[M]").astype("datetime64[D]").astype(np.int64)


def _as_timestamp(value: Any, name: str) -> pd.Timestamp:
    try:
        ts = pd.Timestamp(value)
    except (TypeError, ValueError) as err:
        raise ValueError(f"{name} must be a date such as '2024-03-31'; got {value!r}.") from err
    if ts is pd.NaT:
        raise ValueError(f"{name} must be a date such as '2024-03-31'; got {value!r}.")
    if ts.tzinfo is not None:
        ts = ts.tz_localize(None)
    return ts.normalize()


def _check_freq(freq: str) -> str:
    if freq not in _MIN_ZERO_RUN:
        raise ValueError(f"freq must be 'D', 'W' or 'M'; got {freq!r}.")
    return freq


def _check_positive_int(value: Any, name: str, *, minimum: int = 1) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}; got {value!r}.")
    return int(value)


def _check_history(history: Any) -> DemandHistory:
    if not isinstance(history, DemandHistory):
        raise TypeError(
            f"history must be a DemandHistory (from demand_history()); got {type(history).__name__}."
        )
    return history


def _item_list(items: Any) -> np.ndarray:
    """``items=`` argument -> object array of str ids."""
    if items is None:
        return np.array([], dtype=object)
    if isinstance(items, pd.DataFrame):
        items = validate_table(items, "items", allow_empty=True)["item_id"]
    elif isinstance(items, str):
        items = [items]
    return np.asarray([str(i) for i in pd.Series(list(items)).dropna()], dtype=object)


def _period_days(starts: np.ndarray, freq: str, as_of_day: int) -> np.ndarray:
    """Calendar days in each period starting at ``starts`` (day numbers); last cut at as_of."""
    if len(starts) == 0:
        return np.zeros(0)
    last = np.asarray([starts[-1]])
    nxt = _first_day_of_period(_period_of_day(last, freq) + 1, freq)
    ends = np.concatenate([starts[1:], nxt]) - 1
    ends = np.minimum(ends, as_of_day)
    return (ends - starts + 1).astype(np.float64)


# =========================================================================== demand_history
def demand_history(
    sales: pd.DataFrame,
    stock_history: pd.DataFrame | None = None,
    *,
    freq: str = "D",
    as_of: Any = None,
    items: Any = None,
    suspect_stockouts: bool = True,
    min_zero_run: int | None = None,
    suspect_alpha: float = 1e-3,
    censor_share: float = 0.2,
    min_periods: int | None = None,
    dormant_periods: int | None = None,
) -> DemandHistory:
    """Build the regular item x period demand panel from sales (and stock) history.

    Parameters
    ----------
    sales : pandas.DataFrame
        The contract's sales table: ``item_id``, ``date``, ``units`` (negative = return);
        transactions (several lines per item and day) or per-period totals. Checked with
        :func:`~stockout_forecast.validate_table`; never modified.
    stock_history : pandas.DataFrame, optional
        End-of-day on-hand per item and day: ``item_id``, ``date``, ``on_hand_units``.
        Used to mark censored periods. Items without any row here are treated as having no
        stock history (see ``suspect_stockouts``).
    freq : {"D", "W", "M"}, default "D"
        Period: day, week (Monday to Sunday) or calendar month.
    as_of : date-like, optional
        Last day of the history. Default: the latest date in ``sales`` or ``stock_history``.
        Sales lines after it are excluded with a :class:`DataQualityWarning` that counts them.
    items : sequence of str or items DataFrame, optional
        Items to include even without sales (they get an all-NaN row, status ``"no_sales"``).
    suspect_stockouts : bool, default True
        For items without stock history, flag zero runs that are too long for the item's own
        demand rate as suspected stock-outs (see Notes).
    min_zero_run : int, optional
        Shortest zero run, in periods, that may be flagged. Default 7 days, 3 weeks, 2 months.
    suspect_alpha : float, default 1e-3
        Significance of the zero-run test, a fraction in (0, 1).
    censor_share : float, default 0.2
        For ``"W"`` and ``"M"``: a period is censored when more than this share of its days
        (within the item's life, up to ``as_of``) ended with no stock. In [0, 1). For ``"D"``
        a day is censored exactly when it ended with no stock.
    min_periods : int, optional
        Items with fewer active periods are ``"new"``. Default 28 days, 4 weeks, 2 months.
    dormant_periods : int, optional
        Items with no sale in this many trailing periods look ``"discontinued"``. Default 90
        days, 13 weeks, 3 months.

    Returns
    -------
    DemandHistory
        ``item_ids`` (sorted union of sales, stock-history and ``items`` ids), ``periods``
        (period starts from the first activity of any item to ``as_of``), ``units`` (net
        units per period, NaN before the item's first activity), ``censored``,
        ``suspected``, ``as_of`` and ``status`` (indexed by ``item_id``; columns ``status``
        in {"ok", "new", "no_sales", "all_returns", "fully_censored", "discontinued"} and
        ``reason``, a plain sentence; empty for unremarkable items).

    Raises
    ------
    SchemaError
        From the table checks (missing column, unparseable date, duplicate stock reading...).
    InsufficientHistoryError
        When no sales line or positive stock reading falls on or before ``as_of``.

    Notes
    -----
    *Panel.* ``units[i, t]`` is the sum of the item's sales lines dated in period ``t``
    (returns subtract). An item's life starts at its first activity: its first sales line
    (of any sign) or its first stock reading with ``on_hand_units > 0``, whichever is
    earlier. Periods in the life with no line are 0; periods before it are NaN.

    *Censoring (stock history).* Each day takes the latest reading on or before it (stock
    carries over between readings); a day is out of stock when that reading is
    ``on_hand_units <= 0`` **and the item sold nothing that day**. A sell-out day (stock
    ran out during the day, after some sales) stays observed, its sales a lower bound of
    its demand: censoring it would drop exactly the large orders that empty the shelf and
    bias the velocity of lumpy items towards zero. Days before an item's first reading are
    assumed in stock. For
    ``"D"`` a censored day is an out-of-stock day. For ``"W"``/``"M"`` a period is censored
    when ``out_days / life_days > censor_share``, where ``life_days`` counts the period's days
    from the item's first activity up to ``as_of``. Readings after ``as_of`` are not used.

    *Suspected stock-outs (no stock history).* Let an item have ``n`` active periods of
    which ``k`` have positive demand, ``p = k / n``. If demand occurrences were independent
    with probability ``p`` per period (a Poisson process with rate ``lambda`` gives
    ``p = 1 - exp(-lambda)``), a given zero run reaches length ``L`` with probability
    ``(1 - p)**L``, and with at most ``m = k + 1`` zero runs (between, before and after the
    demands) the chance that *any* reaches ``L`` is at most ``m (1 - p)**L`` (union bound).
    A maximal run of periods with ``units <= 0`` is flagged when::

        L >= min_zero_run   and   L > log(suspect_alpha / m) / log(1 - p)

    i.e. about ``ADI * log(m / suspect_alpha)`` periods, with ``ADI = 1 / p`` the mean
    inter-demand interval (about 12 x ADI for m = 100). Only items with at least 10 demand
    periods are tested, so intermittent items with few sales are not flagged. Leading and
    trailing runs count (a trailing run may be a current stock-out or a discontinuation;
    the status says which is likelier). ``p`` includes the run itself, which makes the test
    conservative.

    *Status* (first match): ``no_sales`` (no sales line up to ``as_of``), ``all_returns``
    (net units over the history <= 0), ``fully_censored`` (no observed period),
    ``new`` (fewer than ``min_periods`` active periods), ``discontinued`` (no sale in the
    last ``dormant_periods`` periods, not all of them known stock-outs), else ``ok``.

    References
    ----------
    Nahmias, S. (1994). Demand estimation in lost sales inventory systems. *Naval Research
    Logistics* 41(6), 739-757 (why stock-out periods are censored, not zero demand).

    Examples
    --------
    >>> import pandas as pd
    >>> sales = pd.DataFrame({
    ...     "item_id": ["A", "A", "A", "B"],
    ...     "date": ["2024-01-01", "2024-01-01", "2024-01-04", "2024-01-02"],
    ...     "units": [2, 1, 4, -1],
    ... })
    >>> stock = pd.DataFrame({"item_id": ["A"] * 4, "date": pd.date_range("2024-01-01", periods=4),
    ...                       "on_hand_units": [5, 5, 0, 3]})
    >>> h = demand_history(sales, stock, as_of="2024-01-04")
    >>> h
    <DemandHistory: 2 items x 4 periods (freq='D', 2024-01-01 to 2024-01-04), 14.3% item-periods censored or suspected>
    >>> h.units
    array([[ 3.,  0.,  0.,  4.],
           [nan, -1.,  0.,  0.]])
    >>> h.censored[0]
    array([False, False,  True, False])
    >>> h.status["status"].tolist()
    ['new', 'all_returns']
    """
    freq = _check_freq(freq)
    if not isinstance(suspect_stockouts, (bool, np.bool_)):
        raise TypeError(f"suspect_stockouts must be True or False; got {suspect_stockouts!r}.")
    min_zero_run = _check_positive_int(
        _MIN_ZERO_RUN[freq] if min_zero_run is None else min_zero_run, "min_zero_run"
    )
    min_periods = _check_positive_int(
        _MIN_PERIODS[freq] if min_periods is None else min_periods, "min_periods"
    )
    dormant_periods = _check_positive_int(
        _DORMANT_PERIODS[freq] if dormant_periods is None else dormant_periods, "dormant_periods"
    )
    alpha = float(suspect_alpha)
    if not 0.0 < alpha < 1.0:
        raise ValueError(f"suspect_alpha must be a fraction in (0, 1); got {suspect_alpha!r}.")
    share = float(censor_share)
    if not 0.0 <= share < 1.0:
        raise ValueError(f"censor_share must be in [0, 1); got {censor_share!r}.")

    s = validate_table(sales, "sales")
    s_days = _to_days(s["date"].to_numpy())
    s_units = s["units"].to_numpy(dtype=np.float64)
    st = None if stock_history is None else validate_table(stock_history, "stock_history")
    st_days = None if st is None else _to_days(st["date"].to_numpy())

    if as_of is None:
        as_of_day = int(s_days.max())
        if st_days is not None and len(st_days):
            as_of_day = max(as_of_day, int(st_days.max()))
    else:
        as_of_day = int(_to_days(np.asarray([_as_timestamp(as_of, "as_of").to_datetime64()]))[0])
    as_of_ts = pd.Timestamp(np.datetime64(as_of_day, "D")).as_unit("ns")

    # --- item ids: sorted union of sales, stock history and items=
    s_codes, s_found = pd.factorize(s["item_id"])
    s_uniq = np.asarray(s_found, dtype=object)
    st_codes: np.ndarray = np.zeros(0, dtype=np.intp)
    st_uniq: np.ndarray = np.array([], dtype=object)
    if st is not None:
        st_codes, st_found = pd.factorize(st["item_id"])
        st_uniq = np.asarray(st_found, dtype=object)
    extra = _item_list(items)
    item_ids = np.asarray(
        sorted(set(s_uniq.tolist()) | set(st_uniq.tolist()) | set(extra.tolist())), dtype=object
    )
    index = pd.Index(item_ids, dtype="str")
    n = len(item_ids)
    s_item = index.get_indexer(pd.Index(s_uniq, dtype="str"))[s_codes]

    late = s_days > as_of_day
    if late.any():
        late_ids = np.unique(item_ids[s_item[late]])
        warnings.warn(
            f"sales has {int(late.sum()):,} lines dated after as_of {as_of_ts:%Y-%m-%d} "
            f"(items {format_ids(late_ids)}); they are excluded from the history. "
            f"Pass a later as_of to include them.",
            DataQualityWarning,
            stacklevel=2,
        )
        keep = ~late
        s_days, s_units, s_item = s_days[keep], s_units[keep], s_item[keep]

    # --- first activity per item (day number); INT_MAX = never active
    never = np.iinfo(np.int64).max
    first_day = np.full(n, never, dtype=np.int64)
    np.minimum.at(first_day, s_item, s_days)
    has_lines = np.bincount(s_item, minlength=n) > 0
    has_stock = np.zeros(n, dtype=bool)
    if st is not None and st_days is not None:
        st_item = index.get_indexer(pd.Index(st_uniq, dtype="str"))[st_codes]
        st_on = st["on_hand_units"].to_numpy(dtype=np.float64)
        st_ns = st["date"].to_numpy(dtype="datetime64[ns]").astype(np.int64)
        in_range = st_days <= as_of_day
        st_item, st_days, st_on, st_ns = (
            st_item[in_range],
            st_days[in_range],
            st_on[in_range],
            st_ns[in_range],
        )
        has_stock[st_item] = True
        pos = st_on > 0
        np.minimum.at(first_day, st_item[pos], st_days[pos])
    active_item = first_day != never
    if not active_item.any():
        raise InsufficientHistoryError(
            f"sales has no line on or before as_of {as_of_ts:%Y-%m-%d} (and no positive stock "
            f"reading): there is no history to build. Check as_of or the sales dates."
        )

    # --- period grid
    p_first = int(_period_of_day(np.asarray([first_day[active_item].min()]), freq)[0])
    p_last = int(_period_of_day(np.asarray([as_of_day]), freq)[0])
    n_t = p_last - p_first + 1
    pnums = np.arange(p_first, p_last + 1, dtype=np.int64)
    start_days = _first_day_of_period(pnums, freq)
    periods = _days_to_index(start_days)
    if n * n_t > _MAX_CELLS:
        first_ts = pd.Timestamp(np.datetime64(int(first_day[active_item].min()), "D"))
        raise ValueError(
            f"the history would hold {n:,} items x {n_t:,} periods ({n * n_t * 10 / 2**30:.0f} "
            f"GiB): its first activity is {first_ts:%Y-%m-%d}. Check for mis-dated lines, pass "
            f"fewer items, or use freq='W' or 'M'."
        )

    # --- units panel: one bincount over item x period cells
    s_col = _period_of_day(s_days, freq) - p_first
    units = np.bincount(s_item * n_t + s_col, weights=s_units, minlength=n * n_t).reshape(n, n_t)
    first_col = np.full(n, n_t, dtype=np.int64)
    first_col[active_item] = _period_of_day(first_day[active_item], freq) - p_first
    cols = np.arange(n_t)
    for sl in _chunks(n):
        units[sl][cols[None, :] < first_col[sl, None]] = np.nan

    # --- censoring from stock history
    censored = np.zeros((n, n_t), dtype=bool)
    if st is not None and st_days is not None and has_stock.any():
        day0 = int(start_days[0])
        n_days_all = as_of_day - day0 + 1
        sold = np.zeros(n * n_days_all, dtype=bool)
        pos_sale = s_units > 0
        sold[s_item[pos_sale] * n_days_all + (s_days[pos_sale] - day0)] = True
        _mark_censored(
            censored,
            sold.reshape(n, n_days_all),
            st_item,
            st_days,
            st_on,
            st_ns,
            first_day=first_day,
            start_days=start_days,
            as_of_day=as_of_day,
            freq=freq,
            share=share,
        )

    # --- suspected stock-outs for items without stock history
    suspected = np.zeros((n, n_t), dtype=bool)
    if suspect_stockouts:
        candidates = active_item & ~has_stock
        _mark_suspected(suspected, units, candidates, min_zero_run=min_zero_run, alpha=alpha)

    # --- per-item counts for the status, mostly from what is known already
    line_sales = np.bincount(s_item, weights=np.maximum(s_units, 0.0), minlength=n)
    line_returns = -np.bincount(s_item, weights=np.minimum(s_units, 0.0), minlength=n)
    d = min(dormant_periods, n_t)
    stats = {
        "n_act": np.maximum(n_t - first_col, 0),
        "n_cens": censored.view(np.uint8).sum(axis=1, dtype=np.int64),
        "n_susp": suspected.view(np.uint8).sum(axis=1, dtype=np.int64),
        "gross": line_sales,
        "returns": line_returns,
        "first": np.where(first_col < n_t, first_col, -1),
        "last_pos": np.concatenate([_last_true(units[sl] > 0) for sl in _chunks(n)]),
        "tail_known_out": censored[:, n_t - d :].all(axis=1) if d else np.zeros(n, bool),
        "tail_suspected": suspected[:, n_t - 1].copy(),
    }
    status = _history_status(
        stats,
        item_ids=item_ids,
        start_days=start_days,
        freq=freq,
        as_of_day=as_of_day,
        has_lines=has_lines,
        has_stock=has_stock,
        min_periods=min_periods,
        dormant_periods=dormant_periods,
    )
    revenue = None
    if "unit_price" in s.columns:
        price = s["unit_price"].to_numpy(dtype=np.float64)
        if late.any():
            price = price[~late]
        unpriced = np.isnan(price)
        if unpriced.any():
            warnings.warn(
                f"sales has {int(unpriced.sum()):,} lines without unit_price (items "
                f"{format_ids(np.unique(item_ids[s_item[unpriced]]))}); they count as 0 "
                f"revenue in DemandHistory.revenue.",
                DataQualityWarning,
                stacklevel=2,
            )
        revenue = np.bincount(s_item, weights=s_units * np.nan_to_num(price), minlength=n)
    return DemandHistory(
        item_ids=item_ids,
        periods=periods,
        freq=freq,
        units=units,
        censored=censored,
        suspected=suspected,
        as_of=as_of_ts,
        status=status,
        revenue=revenue,
    )


def _mark_censored(
    censored: np.ndarray,
    sold: np.ndarray,
    st_item: np.ndarray,
    st_days: np.ndarray,
    st_on: np.ndarray,
    st_ns: np.ndarray,
    *,
    first_day: np.ndarray,
    start_days: np.ndarray,
    as_of_day: int,
    freq: str,
    share: float,
) -> None:
    """Fill ``censored`` in place from end-of-day stock readings (chunks of items)."""
    day0 = int(start_days[0])
    n_days = as_of_day - day0 + 1
    # latest reading per item and day; readings before day0 collapse onto day0 (carry-over)
    col = np.maximum(st_days - day0, 0)
    order = np.lexsort((st_ns, col, st_item))
    st_item, col, st_on = st_item[order], col[order], st_on[order]
    last = np.ones(len(col), dtype=bool)
    last[:-1] = (st_item[1:] != st_item[:-1]) | (col[1:] != col[:-1])
    st_item, col, st_on = st_item[last], col[last], st_on[last]
    items_with = np.unique(st_item)
    bounds = np.searchsorted(st_item, items_with)
    bounds = np.append(bounds, len(st_item))
    day_idx = np.arange(n_days)
    pstart = start_days - day0  # period start as day index
    period_len = _period_days(start_days, freq, as_of_day)
    for cs in _chunks(len(items_with), 2048):
        rows = items_with[cs]
        lo, hi = bounds[cs.start], bounds[cs.stop]
        local = np.repeat(np.arange(len(rows)), np.diff(bounds[cs.start : cs.stop + 1]))
        on = np.full((len(rows), n_days), np.nan)
        on[local, col[lo:hi]] = st_on[lo:hi]
        idx = np.where(np.isnan(on), -1, day_idx[None, :])
        np.maximum.accumulate(idx, axis=1, out=idx)
        known = idx >= 0
        filled = np.take_along_axis(on, np.maximum(idx, 0), axis=1)
        first_idx = np.clip(np.minimum(first_day[rows], as_of_day + 1) - day0, 0, None)
        in_life = day_idx[None, :] >= first_idx[:, None]
        out = known & (filled <= 0) & in_life & ~sold[rows]
        out_days = np.add.reduceat(out.astype(np.int32), pstart, axis=1)
        # life days per period: overlap of [start, end] with [first_day, as_of]
        pend = pstart + period_len - 1
        life = np.clip(pend[None, :] - np.maximum(pstart[None, :], first_idx[:, None]) + 1, 0, None)
        with np.errstate(invalid="ignore", divide="ignore"):
            frac = np.where(life > 0, out_days / np.maximum(life, 1), 0.0)
        censored[rows] = frac > share


def _mark_suspected(
    suspected: np.ndarray,
    units: np.ndarray,
    candidates: np.ndarray,
    *,
    min_zero_run: int,
    alpha: float,
) -> None:
    """Flag zero runs too long for the item's demand rate (see demand_history Notes)."""
    n, n_t = units.shape
    # run arithmetic in the smallest integer type that holds n_t + 1 (branch-free, fast)
    itype = np.int16 if n_t < np.iinfo(np.int16).max - 1 else np.int64
    cols = np.arange(n_t, dtype=itype)
    for sl in _chunks(n):
        cand = candidates[sl]
        if not cand.any():
            continue
        u = units[sl]
        act = ~np.isnan(u)
        pos = u > 0
        zero = act & ~pos
        n_act = act.sum(axis=1, dtype=np.int64)
        k = pos.sum(axis=1, dtype=np.int64)
        ok = cand & (k >= _SUSPECT_MIN_DEMANDS) & (k < n_act)
        if not ok.any():
            continue
        # integer threshold: run >= thr  <=>  run >= min_zero_run and run > limit
        limit = _zero_run_limit(k, n_act, alpha)
        thr = np.full(len(k), n_t + 1, dtype=np.int64)
        fin = ok & np.isfinite(limit)
        thr[fin] = np.maximum(min_zero_run, np.floor(np.minimum(limit[fin], n_t)) + 1)
        thr = np.minimum(thr, n_t + 1).astype(itype)
        nz = (~zero).astype(itype)
        zi = zero.astype(itype)
        # previous non-zero index (or -1) and next non-zero index (or n_t) at every cell
        prev = nz * (cols + 1) - 1
        np.maximum.accumulate(prev, axis=1, out=prev)
        nxt = (cols + zi * (n_t - cols))[:, ::-1]
        nxt = np.minimum.accumulate(nxt, axis=1)[:, ::-1]
        run = nxt - prev - 1  # zero-run length at zero cells, -1 elsewhere
        suspected[sl] = run >= thr[:, None]


def _zero_run_limit(k: np.ndarray, n_act: np.ndarray, alpha: float) -> np.ndarray:
    """``log(alpha / (k + 1)) / log(1 - k / n_act)``: runs longer than this are suspected."""
    with np.errstate(divide="ignore", invalid="ignore"):
        p = k / n_act
        return np.log(alpha / (k + 1.0)) / np.log1p(-p)


def _item_stats(
    units: np.ndarray, censored: np.ndarray, suspected: np.ndarray, dormant: int
) -> dict[str, np.ndarray]:
    """Per-item counts for the status of any panel (one chunked pass over items)."""
    n, n_t = units.shape
    st = {
        "n_act": np.zeros(n, dtype=np.int64),
        "n_cens": np.zeros(n, dtype=np.int64),
        "n_susp": np.zeros(n, dtype=np.int64),
        "gross": np.zeros(n),
        "returns": np.zeros(n),
        "first": np.full(n, -1, dtype=np.int64),
        "last_pos": np.full(n, -1, dtype=np.int64),
        "tail_known_out": np.zeros(n, dtype=bool),
        "tail_suspected": np.zeros(n, dtype=bool),
    }
    d = min(dormant, n_t)
    for sl in _chunks(n):
        u = units[sl]
        act = ~np.isnan(u)
        u0 = _zero_nan(u)
        pos = u0 > 0
        c = censored[sl] & act
        sp = suspected[sl] & act & ~c
        st["n_act"][sl] = act.sum(axis=1, dtype=np.int64)
        st["n_cens"][sl] = c.sum(axis=1, dtype=np.int64)
        st["n_susp"][sl] = sp.sum(axis=1, dtype=np.int64)
        st["gross"][sl] = (u0 * pos).sum(axis=1)
        st["returns"][sl] = st["gross"][sl] - u0.sum(axis=1)
        st["first"][sl] = np.where(st["n_act"][sl] > 0, act.argmax(axis=1), -1)
        st["last_pos"][sl] = _last_true(pos)
        if d > 0:
            st["tail_known_out"][sl] = c[:, n_t - d :].all(axis=1)
            st["tail_suspected"][sl] = sp[:, n_t - 1]
    return st


def _last_true(mask: np.ndarray) -> np.ndarray:
    """Column of the last True per row, -1 when none."""
    n_t = mask.shape[1]
    return np.where(mask.any(axis=1), n_t - 1 - mask[:, ::-1].argmax(axis=1), -1)


def _history_status(
    stats: dict[str, np.ndarray],
    *,
    item_ids: np.ndarray,
    start_days: np.ndarray,
    freq: str,
    as_of_day: int,
    has_lines: np.ndarray | None = None,
    has_stock: np.ndarray | None = None,
    min_periods: int | None = None,
    dormant_periods: int | None = None,
) -> pd.DataFrame:
    """Status and reason per item from per-item counts (see demand_history Notes)."""
    n, n_t = len(item_ids), len(start_days)
    min_periods = _MIN_PERIODS[freq] if min_periods is None else min_periods
    dormant = _DORMANT_PERIODS[freq] if dormant_periods is None else dormant_periods
    n_act, n_cens, n_susp = stats["n_act"], stats["n_cens"], stats["n_susp"]
    n_obs = n_act - n_cens - n_susp
    gross, returns = stats["gross"], stats["returns"]
    net = gross - returns
    first, last_pos = stats["first"], stats["last_pos"]
    tail_known_out, tail_suspected = stats["tail_known_out"], stats["tail_suspected"]
    if has_lines is None:
        has_lines = n_act > 0
    if has_stock is None:
        has_stock = np.zeros(n, dtype=bool)
    word = _PERIOD_WORD[freq]
    as_of_str = str(np.datetime64(int(as_of_day), "D"))

    status = np.full(n, "ok", dtype=object)
    reason = np.full(n, "", dtype=object)
    done = np.zeros(n, dtype=bool)
    assign = _assigner(status, reason, done)

    def day_of(col: np.ndarray) -> np.ndarray:
        return _day_str(start_days[np.maximum(col, 0)]) if n_t else np.full(len(col), "")

    no_lines = ~has_lines
    assign(
        no_lines & has_stock & (n_act > 0),
        "no_sales",
        lambda i: _cat(
            f"no sales line on or before {as_of_str}; zero demand on ",
            n_obs[i],
            f" in-stock {word}",
        ),
    )
    assign(no_lines, "no_sales", lambda i: f"no sales line on or before {as_of_str}")
    assign(
        net <= 0,
        "all_returns",
        lambda i: _cat(
            "net units over the history are ",
            _num_str(net[i]),
            " (sales ",
            _num_str(gross[i]),
            ", returns ",
            _num_str(returns[i]),
            "): no demand to measure",
        ),
    )
    assign(
        n_obs == 0,
        "fully_censored",
        lambda i: _cat(
            "all ",
            n_act[i],
            f" {word} since first activity are stock-outs (",
            n_cens[i],
            " censored, ",
            n_susp[i],
            " suspected): demand never observed",
        ),
    )
    assign(
        n_act < min_periods,
        "new",
        lambda i: _cat(
            "only ",
            n_act[i],
            f" {word} of history (fewer than {min_periods}) since ",
            day_of(first[i]),
        ),
    )
    assign(
        (last_pos >= 0) & (last_pos < n_t - dormant) & ~tail_known_out,
        "discontinued",
        lambda i: _cat(
            f"no sale in the last {dormant} {word} (last sale in the period of ",
            day_of(last_pos[i]),
            "): looks discontinued",
            np.where(
                tail_suspected[i], ", or out of stock since then (no stock history to tell)", ""
            ),
        ),
    )
    # remaining ("ok") items: say what was treated as unobserved
    rest = ~done
    c_only = np.flatnonzero(rest & (n_cens > 0) & (n_susp == 0))
    s_only = np.flatnonzero(rest & (n_susp > 0) & (n_cens == 0))
    both = np.flatnonzero(rest & (n_susp > 0) & (n_cens > 0))
    cens_txt = f" censored {word} (out of stock)"
    sus_txt = f" {word} in suspected stock-outs (long zero runs; no stock history)"
    reason[c_only] = _cat(n_cens[c_only], cens_txt)
    reason[s_only] = _cat(n_susp[s_only], sus_txt)
    reason[both] = _cat(n_cens[both], cens_txt, "; ", n_susp[both], sus_txt)
    return pd.DataFrame(
        {"status": pd.array(status, dtype="str"), "reason": pd.array(reason, dtype="str")},
        index=pd.Index(item_ids, dtype="str", name="item_id"),
    )


def _status_of(history: DemandHistory) -> pd.DataFrame:
    """The history's status frame in item order; derived from the arrays when absent."""
    st = history.status
    if st is None or len(st) == 0 or not {"status", "reason"} <= set(st.columns):
        starts = _to_days(history.periods.to_numpy())
        dormant = _DORMANT_PERIODS[history.freq]
        return _history_status(
            _item_stats(history.units, history.censored, history.suspected, dormant),
            item_ids=np.asarray(history.item_ids, dtype=object),
            start_days=starts,
            freq=history.freq,
            as_of_day=int(_to_days(np.asarray([history.as_of.to_datetime64()]))[0]),
        )
    out = st[["status", "reason"]].reindex(pd.Index(history.item_ids, dtype="str"))
    missing = out["status"].isna().to_numpy()
    if missing.any():
        out.loc[missing, "status"] = "ok"
        out.loc[missing, "reason"] = "no status recorded in the history"
    return out


# =========================================================================== item_velocity
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
        From :func:`demand_history` (any ``freq``).
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
    history = _check_history(history)
    win = sorted({_check_positive_int(w, "windows") for w in windows})
    if len(win) < 2:
        raise ValueError(
            f"windows needs at least two lengths (the trend ratio compares the two longest); "
            f"got {list(windows)!r}."
        )
    hl = float(halflife_days)
    if not (np.isfinite(hl) and hl > 0):
        raise ValueError(f"halflife_days must be a positive number of days; got {halflife_days!r}.")
    freq = history.freq
    all_starts = _to_days(history.periods.to_numpy())
    hist_as_of = int(_to_days(np.asarray([history.as_of.to_datetime64()]))[0])
    if as_of is None:
        as_of_day = hist_as_of
    else:
        as_of_day = int(_to_days(np.asarray([_as_timestamp(as_of, "as_of").to_datetime64()]))[0])
        if as_of_day > hist_as_of or (len(all_starts) and as_of_day < all_starts[0]):
            raise ValueError(
                f"as_of must fall within the history ({history.periods[0]:%Y-%m-%d} to "
                f"{history.as_of:%Y-%m-%d}); got {as_of!r}."
            )
        if freq != "D" and as_of_day != hist_as_of:
            nxt = _first_day_of_period(_period_of_day(np.asarray([as_of_day]), freq) + 1, freq)
            if int(nxt[0]) != as_of_day + 1:
                raise ValueError(
                    f"as_of {as_of!r} is inside a period of this {freq!r} history, whose units "
                    f"cannot be split by day. Use the last day of a period or history.as_of."
                )
    n_t = int(np.searchsorted(all_starts, as_of_day, side="right"))
    starts = all_starts[:n_t]
    pdays = _period_days(starts, freq, as_of_day)
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
    for sl in _chunks(n):
        u = history.units[sl, :n_t]
        u0 = _zero_nan(u)
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
        num = (y * wts).sum(axis=1)
        den = (of * wdays).sum(axis=1)
        any_obs = obs.any(axis=1)
        under = any_obs & (den <= 0)
        if under.any():  # weights underflowed: rescale to each item's last observed period
            last_obs = n_t - 1 - obs[under][:, ::-1].argmax(axis=1)
            shift = np.maximum(age[None, :] - age[last_obs][:, None], 0.0)
            ww = np.exp2(-shift / hl)
            num[under] = (y[under] * ww).sum(axis=1)
            den[under] = (of[under] * ww * pdays[None, :]).sum(axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            ewm[sl] = np.where(any_obs & (den > 0), num / den, np.nan)
        total[sl] = u0.sum(axis=1)
        pos = u0 > 0
        anyp = pos.any(axis=1)
        first_sale[sl] = np.where(anyp, pos.argmax(axis=1), -1)
        last_sale[sl] = np.where(anyp, n_t - 1 - pos[:, ::-1].argmax(axis=1), -1)

    with np.errstate(invalid="ignore", divide="ignore"):
        num_t, den_t = vel[win[-2]], vel[win[-1]]
        trend = np.where(den_t != 0, num_t / den_t, np.nan)

    def sale_dates(idx: np.ndarray) -> pd.DatetimeIndex:
        d = starts[np.maximum(idx, 0)] if n_t else np.zeros(len(idx), dtype=np.int64)
        return _dates_or_nat(d, idx >= 0)

    base = _status_of(history)
    status = base["status"].to_numpy(dtype=object).copy()
    reason = base["reason"].to_numpy(dtype=object).copy()
    missing_windows = np.full(n, "", dtype=object)
    for w in win:
        m = np.isnan(vel[w])
        first_gap = m & (missing_windows == "")
        later_gap = m & ~first_gap
        missing_windows[first_gap] = str(w)
        missing_windows[later_gap] = _cat(missing_windows[later_gap].astype(str), f", {w}")
    partial = (missing_windows != "") & (status == "ok")
    status[partial] = "partial"
    txt = _cat("no in-stock days in the last ", missing_windows[partial].astype(str), " days")
    prev = reason[partial].astype(str)
    reason[partial] = np.where(prev == "", txt, _cat(txt, "; ", prev))

    data: dict[str, Any] = {"item_id": pd.array(history.item_ids, dtype="str")}
    for w in win:
        data[f"velocity_{w}d"] = vel[w]
    data["velocity_ewm"] = ewm
    data["trend_ratio"] = trend
    for w in win:
        data[f"in_stock_days_{w}d"] = days_in[w]
    data["total_units"] = total
    data["first_sale_date"] = sale_dates(first_sale)
    data["last_sale_date"] = sale_dates(last_sale)
    data["status"] = pd.array(status, dtype="str")
    data["reason"] = pd.array(reason, dtype="str")
    out = pd.DataFrame(data)
    out.attrs["as_of"] = str(np.datetime64(as_of_day, "D"))
    return out


# =========================================================================== classify_demand
def classify_demand(
    history: DemandHistory,
    *,
    revenue: pd.Series | pd.DataFrame | None = None,
    abc_thresholds: tuple[float, float] = (0.8, 0.95),
    xyz_thresholds: tuple[float, float] = (0.5, 1.0),
) -> pd.DataFrame:
    """Demand class per item (Syntetos-Boylan), ABC by revenue and XYZ by variability.

    Parameters
    ----------
    history : DemandHistory
        From :func:`demand_history`; the classes depend on its ``freq``.
    revenue : pandas.Series or pandas.DataFrame, optional
        Revenue per item (currency) as a Series indexed by ``item_id``, or a sales table with
        ``unit_price`` (revenue = sum of ``units * unit_price`` over lines dated from the first
        period to ``history.as_of``). Default: :attr:`DemandHistory.revenue` when the history
        was built from sales with ``unit_price``, else net units sold
        (``abc_basis="units"``).
    abc_thresholds : (float, float), default (0.8, 0.95)
        Cumulative revenue shares, fractions in (0, 1), closing the A and B classes.
    xyz_thresholds : (float, float), default (0.5, 1.0)
        Coefficients of variation (>= 0) closing the X and Y classes.

    Returns
    -------
    pandas.DataFrame
        One row per item, in the history's order. Columns: ``item_id``;
        ``n_periods_observed``; ``n_demand_periods`` (observed periods with positive units);
        ``adi`` (average inter-demand interval, periods); ``cv2`` (squared coefficient of
        variation of demand sizes); ``demand_class`` (``"smooth"``, ``"erratic"``,
        ``"intermittent"``, ``"lumpy"`` or ``"insufficient"``); ``cv`` (coefficient of
        variation of period demand); ``xyz`` (``"X"``, ``"Y"``, ``"Z"``, missing when ``cv``
        is undefined); ``abc_value`` (revenue, or units); ``abc_basis`` (``"revenue"`` or
        ``"units"``); ``abc_share_cum`` (cumulative share of items ranked up to this one);
        ``abc`` (``"A"``, ``"B"``, ``"C"``); ``status``; ``reason``.

    Notes
    -----
    Over the item's observed periods (:attr:`DemandHistory.observed`), with demand
    ``y = max(units, 0)`` (a period whose returns exceed its sales counts as no demand)::

        adi = n_observed / n_demand          (mean inter-demand interval, periods)
        cv2 = (s / m)**2                      s, m: sample sd (ddof=1) and mean of the
                                              positive y (demand sizes)
        cv  = sd(y) / mean(y)                 ddof=1, all observed periods

    Class (Syntetos, Boylan & Croston 2005): ``adi > 1.32`` is intermittent demand,
    ``cv2 > 0.49`` is variable demand sizes; so smooth (neither), erratic (sizes only),
    intermittent (intervals only), lumpy (both). Values exactly at a cut-off fall on the
    smooth side. ``"insufficient"`` when fewer than 2 demand periods (``cv2`` undefined).

    XYZ: ``cv <= 0.5`` X, ``<= 1.0`` Y, else Z; undefined (missing) with fewer than 2
    observed periods or a zero mean. ABC: items ranked by ``abc_value`` (descending, ties by
    ``item_id``); an item is A when the share of the total held by the items ranked above it
    is below 0.8, B below 0.95, else C. Items with value <= 0 or missing are C.

    References
    ----------
    Syntetos, A.A., Boylan, J.E. & Croston, J.D. (2005). On the categorization of demand
    patterns. *Journal of the Operational Research Society* 56(5), 495-503.

    Examples
    --------
    >>> import pandas as pd
    >>> days = pd.date_range("2024-01-01", periods=6)
    >>> sales = pd.DataFrame({"item_id": ["A"] * 6 + ["B"] * 3,
    ...                       "date": list(days) + list(days[::2]),
    ...                       "units": [5, 5, 6, 4, 5, 5, 1, 9, 2]})
    >>> h = demand_history(sales, as_of="2024-01-06", suspect_stockouts=False)
    >>> classify_demand(h)[["item_id", "adi", "cv2", "demand_class", "abc"]].round(3)
      item_id  adi    cv2 demand_class abc
    0       A  1.0  0.016       smooth   A
    1       B  2.0  1.188        lumpy   A
    """
    history = _check_history(history)
    a1, a2 = (float(x) for x in abc_thresholds)
    if not (0.0 < a1 < a2 < 1.0):
        raise ValueError(
            f"abc_thresholds must be two increasing fractions in (0, 1); got {abc_thresholds!r}."
        )
    x1, x2 = (float(x) for x in xyz_thresholds)
    if not (0.0 <= x1 < x2):
        raise ValueError(
            f"xyz_thresholds must be two increasing coefficients of variation >= 0; "
            f"got {xyz_thresholds!r}."
        )
    n = history.n_items
    n_obs = np.zeros(n, dtype=np.int64)
    n_dem = np.zeros(n, dtype=np.int64)
    cv2 = np.full(n, np.nan)
    cv = np.full(n, np.nan)
    units_total = np.zeros(n)
    for sl in _chunks(n):
        u = history.units[sl]
        u0 = _zero_nan(u)
        obs = ~(np.isnan(u) | history.censored[sl] | history.suspected[sl])
        of = obs.astype(np.float64)
        y = np.maximum(u0, 0.0) * of
        dem = y > 0
        df = dem.astype(np.float64)
        no = obs.sum(axis=1, dtype=np.int64)
        nd = dem.sum(axis=1, dtype=np.int64)
        n_obs[sl], n_dem[sl] = no, nd
        units_total[sl] = u0.sum(axis=1)
        ysum = y.sum(axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            m_s = ysum / nd
            dev = (y - np.nan_to_num(m_s)[:, None]) * df
            var_s = (dev * dev).sum(axis=1) / (nd - 1)
            cv2[sl] = np.where(nd >= 2, var_s / (m_s * m_s), np.nan)
            m_p = ysum / no
            dev = (y - np.nan_to_num(m_p)[:, None]) * of
            sd_p = np.sqrt((dev * dev).sum(axis=1) / (no - 1))
            cv[sl] = np.where((no >= 2) & (m_p > 0), sd_p / m_p, np.nan)
    with np.errstate(invalid="ignore", divide="ignore"):
        adi = np.where(n_dem > 0, n_obs / np.maximum(n_dem, 1), np.nan)
    enough = n_dem >= 2
    hi_adi = adi > ADI_CUTOFF
    hi_cv2 = cv2 > CV2_CUTOFF
    demand_class = np.where(
        hi_adi, np.where(hi_cv2, "lumpy", "intermittent"), np.where(hi_cv2, "erratic", "smooth")
    ).astype(object)
    demand_class[~enough] = "insufficient"
    xyz = np.where(cv <= x1, "X", np.where(cv <= x2, "Y", "Z")).astype(object)
    xyz[np.isnan(cv)] = None

    value, basis, value_note = _abc_value(history, revenue, units_total)
    abc, share_cum = _abc_classes(value, np.asarray(history.item_ids, dtype=object), a1, a2)

    base = _status_of(history)
    status = base["status"].to_numpy(dtype=object)
    reason = base["reason"].to_numpy(dtype=object).copy()
    extra = np.full(n, "", dtype=object)
    few = ~enough
    extra[few] = _cat(
        "demand class needs 2 demand periods; found ", n_dem[few], " in ", n_obs[few], " observed"
    )
    has_v = value_note != ""
    extra[has_v] = np.where(
        extra[has_v] == "",
        value_note[has_v],
        _cat(extra[has_v].astype(str), "; ", value_note[has_v]),
    )
    add = extra != ""
    reason[add] = np.where(
        reason[add] == "", extra[add], _cat(reason[add].astype(str), "; ", extra[add].astype(str))
    )
    return pd.DataFrame(
        {
            "item_id": pd.array(history.item_ids, dtype="str"),
            "n_periods_observed": n_obs,
            "n_demand_periods": n_dem,
            "adi": adi,
            "cv2": cv2,
            "demand_class": pd.array(demand_class, dtype="str"),
            "cv": cv,
            "xyz": pd.array(xyz, dtype="str"),
            "abc_value": value,
            "abc_basis": basis,
            "abc_share_cum": share_cum,
            "abc": pd.array(abc, dtype="str"),
            "status": pd.array(status, dtype="str"),
            "reason": pd.array(reason, dtype="str"),
        }
    )


def _abc_value(
    history: DemandHistory, revenue: Any, units_total: np.ndarray
) -> tuple[np.ndarray, str, np.ndarray]:
    """ABC value per item in history order, its basis, and a per-item note."""
    n = history.n_items
    note = np.full(n, "", dtype=object)
    index = pd.Index(history.item_ids, dtype="str")
    if revenue is None:
        if history.revenue is not None:
            return np.asarray(history.revenue, dtype=np.float64).copy(), "revenue", note
        return units_total.copy(), "units", note
    if isinstance(revenue, pd.DataFrame):
        s = validate_table(revenue, "sales")
        if "unit_price" not in s.columns:
            raise SchemaError(
                f"revenue (a sales table) has no 'unit_price' column. Found: {list(s.columns)}. "
                f"Add unit_price, pass revenue as a Series indexed by item_id, or leave "
                f"revenue=None for ABC by units."
            )
        days = _to_days(s["date"].to_numpy())
        lo = int(_to_days(history.periods[:1].to_numpy())[0]) if history.n_periods else 0
        hi = int(_to_days(np.asarray([history.as_of.to_datetime64()]))[0])
        in_span = (days >= lo) & (days <= hi)
        codes, uniq = pd.factorize(s["item_id"])
        pos = index.get_indexer(pd.Index(uniq, dtype="str"))[codes]
        known = in_span & (pos >= 0)
        price = s["unit_price"].to_numpy(dtype=np.float64)
        priced = known & ~np.isnan(price)
        value = np.bincount(
            pos[priced], weights=s["units"].to_numpy()[priced] * price[priced], minlength=n
        )
        unpriced = np.bincount(pos[known & np.isnan(price)], minlength=n)
        m = unpriced > 0
        note[m] = _cat(unpriced[m], " sales lines without unit_price counted as 0 revenue")
        unknown = in_span & (pos < 0)
        if unknown.any():
            warnings.warn(
                f"revenue has {int(unknown.sum()):,} sales lines for items not in the history "
                f"({format_ids(np.unique(s['item_id'].to_numpy()[unknown]))}); they are not "
                f"part of the ABC ranking.",
                DataQualityWarning,
                stacklevel=3,
            )
        return value, "revenue", note
    if isinstance(revenue, pd.Series):
        r = pd.to_numeric(revenue, errors="coerce")
        bad = r.isna() & revenue.notna()
        if bad.any():
            raise SchemaError(
                f"revenue must be numeric; found {revenue[bad].head(3).tolist()} for items "
                f"{[str(i) for i in revenue.index[bad][:5]]}."
            )
        r.index = pd.Index([str(i) for i in r.index], dtype="str")
        if r.index.has_duplicates:
            dup = r.index[r.index.duplicated()].unique()
            raise SchemaError(
                f"revenue has duplicate item ids {format_ids(list(dup))}; give one value per item."
            )
        value = r.reindex(index).to_numpy(dtype=np.float64)
        miss = np.isnan(value)
        note[miss] = "no revenue given: ranked as C"
        return value, "revenue", note
    raise TypeError(
        f"revenue must be None, a Series indexed by item_id or a sales DataFrame with "
        f"unit_price; got {type(revenue).__name__}."
    )


def _abc_classes(
    value: np.ndarray, item_ids: np.ndarray, a1: float, a2: float
) -> tuple[np.ndarray, np.ndarray]:
    n = len(value)
    v = np.where(np.isnan(value), 0.0, np.maximum(value, 0.0))
    total = v.sum()
    abc = np.full(n, "C", dtype=object)
    share_cum = np.full(n, np.nan)
    if n == 0 or total <= 0:
        return abc, share_cum
    order = np.lexsort((item_ids.astype(str), -v))
    vs = v[order]
    cum = np.cumsum(vs)
    before = (cum - vs) / total
    cls = np.where(before < a1, "A", np.where(before < a2, "B", "C")).astype(object)
    cls[vs <= 0] = "C"
    abc[order] = cls
    share_cum[order] = cum / total
    return abc, share_cum


# =========================================================================== stock_cover
@renamed_parameters(horizon_days="horizon")
def stock_cover(
    inventory: pd.DataFrame,
    velocity: pd.DataFrame,
    purchase_orders: pd.DataFrame | None = None,
    *,
    as_of: Any = None,
    horizon: int = 365,
    velocity_column: str = "velocity_28d",
) -> pd.DataFrame:
    """Days of cover and first stockout date per item at the current velocity.

    Parameters
    ----------
    inventory : pandas.DataFrame
        The contract's inventory snapshot: ``item_id``, ``on_hand_units``; optional
        ``backordered_units``, ``allocated_units`` (missing = 0) and ``as_of``.
    velocity : pandas.DataFrame
        ``item_id`` and ``velocity_column`` in units/day, e.g. from :func:`item_velocity`.
    purchase_orders : pandas.DataFrame, optional
        The contract's purchase-order lines. Open lines (empty ``received_date``, or every
        line when that column is absent) supply ``units - received_units`` at
        ``expected_date``.
    as_of : date-like, optional
        Snapshot day. Default: the inventory's ``as_of`` column, per item.
    horizon : int, default 365
        Days projected forward.
    velocity_column : str, default "velocity_28d"
        Column of ``velocity`` to consume at.

    Returns
    -------
    pandas.DataFrame
        One row per item of the inventory, the velocity table or the open purchase orders
        (sorted union). Columns: ``item_id``; ``as_of``; ``on_hand_units``;
        ``backordered_units``; ``allocated_units``; ``available_units``;
        ``velocity_units_per_day``; ``open_po_units`` (all open PO units, overdue included);
        ``overdue_po_units`` (open, expected on or before ``as_of``: not counted as supply);
        ``next_receipt_date`` and ``next_receipt_units`` (first expected date after
        ``as_of``); ``days_of_cover``; ``stockout_date`` (NaT when none within the horizon);
        ``status`` (``"ok"``, ``"short"``, ``"no_demand"``, ``"no_velocity"``,
        ``"no_inventory"``); ``reason``.

    Notes
    -----
    The snapshot is stock at the end of day ``as_of``; day ``k = 1, 2, ...`` is
    ``as_of + k``. A receipt expected on day ``k`` is available at the start of that day.
    With ``available = on_hand - backordered - allocated`` and ``v`` the velocity::

        S_k = available + receipts expected on days 1..k
        stockout day  = first k with  v * k > S_k       (cumulative demand exceeds supply)
        days_of_cover = (k - 1) + (S_k - v * (k - 1)) / v

    (a tolerance of 1e-9 relative guards the comparison against rounding). Items with
    ``available <= 0`` are short already: stockout on ``as_of``, 0 days of cover. With no
    stockout within ``horizon`` days, ``stockout_date`` is NaT and
    ``days_of_cover = S_H / v`` (> horizon; receipts after the horizon not counted).
    Velocity <= 0 gives status ``no_demand`` (no stockout, cover NaN). Open lines expected
    on or before ``as_of`` are overdue: reported, not counted as supply.

    References
    ----------
    Silver, E.A., Pyke, D.F. & Thomas, D.J. (2017). *Inventory and Production Management in
    Supply Chains*, 4th ed., CRC Press, ch. 2 (inventory position, days of supply).

    Examples
    --------
    >>> import pandas as pd
    >>> inv = pd.DataFrame({"item_id": ["A", "B"], "on_hand_units": [10, 3],
    ...                     "backordered_units": [0, 5]})
    >>> vel = pd.DataFrame({"item_id": ["A", "B"], "velocity_28d": [2.0, 1.0]})
    >>> po = pd.DataFrame({"po_id": ["P1"], "item_id": ["A"], "supplier_id": ["S"],
    ...                    "units": [20], "order_date": ["2024-01-01"],
    ...                    "expected_date": ["2024-01-04"]})
    >>> cover = stock_cover(inv, vel, po, as_of="2024-01-01")
    >>> cover[["item_id", "available_units", "days_of_cover", "stockout_date", "status"]]
      item_id  available_units  days_of_cover stockout_date status
    0       A             10.0           15.0    2024-01-17     ok
    1       B             -2.0            0.0    2024-01-01  short
    """
    h = _check_positive_int(horizon, "horizon")
    inv = validate_table(inventory, "inventory", allow_empty=True)
    if not isinstance(velocity, pd.DataFrame):
        raise TypeError(f"velocity must be a DataFrame; got {type(velocity).__name__}.")
    for col in ("item_id", velocity_column):
        if col not in velocity.columns:
            raise SchemaError(
                f"velocity is missing column {col!r}. Found: {[str(c) for c in velocity.columns]}. "
                f"Pass the frame from item_velocity() or set velocity_column=."
            )
    vel_ids = velocity["item_id"].astype("str")
    if vel_ids.duplicated().any():
        dup = vel_ids[vel_ids.duplicated()].unique()
        raise SchemaError(
            f"velocity has duplicate item ids {format_ids(dup)}; give one row per item."
        )
    vel_values = pd.to_numeric(velocity[velocity_column], errors="coerce")
    bad = vel_values.isna() & velocity[velocity_column].notna()
    if bad.any():
        raise SchemaError(
            f"velocity.{velocity_column} must be numeric; found "
            f"{velocity[velocity_column][bad].head(3).tolist()} for items "
            f"{format_ids(vel_ids[bad].tolist())}."
        )
    po = (
        None
        if purchase_orders is None
        else validate_table(purchase_orders, "purchase_orders", allow_empty=True)
    )

    inv_ids = inv["item_id"].astype("str")
    po_ids = po["item_id"].astype("str") if po is not None else pd.Series([], dtype="str")
    ids = np.asarray(
        sorted(set(inv_ids.tolist()) | set(vel_ids.tolist()) | set(po_ids.tolist())), dtype=object
    )
    index = pd.Index(ids, dtype="str")
    n = len(ids)
    ipos = index.get_indexer(inv_ids)
    in_inv = np.zeros(n, dtype=bool)
    in_inv[ipos] = True

    def inv_col(name: str, default: float) -> np.ndarray:
        out = np.full(n, np.nan)
        if name in inv.columns:
            out[ipos] = inv[name].to_numpy(dtype=np.float64)
            out[in_inv & np.isnan(out)] = default
        else:
            out[in_inv] = default
        return out

    on_hand = inv_col("on_hand_units", np.nan)
    back = inv_col("backordered_units", 0.0)
    alloc = inv_col("allocated_units", 0.0)
    available = on_hand - back - alloc

    # as_of per item (day numbers)
    if as_of is not None:
        day = int(_to_days(np.asarray([_as_timestamp(as_of, "as_of").to_datetime64()]))[0])
        as_of_day = np.full(n, day, dtype=np.int64)
    elif "as_of" in inv.columns and len(inv) and inv["as_of"].notna().all():
        inv_days = _to_days(inv["as_of"].to_numpy())
        as_of_day = np.full(n, int(inv_days.max()), dtype=np.int64)
        as_of_day[ipos] = inv_days
    else:
        raise ValueError(
            "stock_cover needs the snapshot date: pass as_of='YYYY-MM-DD' or give the "
            "inventory an as_of column filled for every row."
        )

    v = np.full(n, np.nan)
    v[index.get_indexer(vel_ids)] = vel_values.to_numpy(dtype=np.float64)
    vel_reason = np.full(n, "", dtype=object)
    if "reason" in velocity.columns:
        vel_reason[index.get_indexer(vel_ids)] = (
            velocity["reason"].fillna("").astype(str).to_numpy()
        )
    in_vel = np.zeros(n, dtype=bool)
    in_vel[index.get_indexer(vel_ids)] = True

    # open purchase orders
    open_units: np.ndarray = np.zeros(n)
    overdue_units: np.ndarray = np.zeros(n)
    next_day = np.full(n, np.iinfo(np.int64).max, dtype=np.int64)
    next_units: np.ndarray = np.zeros(n)
    r_item = np.zeros(0, dtype=np.int64)
    r_k = np.zeros(0, dtype=np.int64)
    r_units = np.zeros(0)
    if po is not None and len(po):
        is_open = (
            po["received_date"].isna().to_numpy()
            if "received_date" in po.columns
            else np.ones(len(po), dtype=bool)
        )
        got = (
            po["received_units"].fillna(0.0).to_numpy(dtype=np.float64)
            if "received_units" in po.columns
            else np.zeros(len(po))
        )
        rem = np.maximum(po["units"].to_numpy(dtype=np.float64) - got, 0.0)
        p_item = index.get_indexer(po_ids)
        sel = is_open & (rem > 0)
        p_item, rem = p_item[sel], rem[sel]
        k = _to_days(po["expected_date"].to_numpy())[sel] - as_of_day[p_item]
        open_units = np.bincount(p_item, weights=rem, minlength=n)
        late = k <= 0
        overdue_units = np.bincount(p_item[late], weights=rem[late], minlength=n)
        fut = ~late
        np.minimum.at(next_day, p_item[fut], k[fut])
        first_k = next_day[p_item[fut]] == k[fut]
        next_units = np.bincount(p_item[fut][first_k], weights=rem[fut][first_k], minlength=n)
        inside = fut & (k <= h)
        r_item, r_k, r_units = p_item[inside], k[inside], rem[inside]

    # projection, chunks of items x (horizon + 1) days
    days_of_cover = np.full(n, np.nan)
    stock_k = np.full(n, -1, dtype=np.int64)  # stockout day offset; -1 = none in horizon
    order = np.argsort(r_item, kind="stable")
    r_item, r_k, r_units = r_item[order], r_k[order], r_units[order]
    kk = np.arange(1, h + 1, dtype=np.float64)
    can = in_inv & (available > 0) & (v > 0)
    for sl in _chunks(n):
        rows = np.arange(sl.start, sl.stop)
        if not can[sl].any():
            continue
        lo, hi = np.searchsorted(r_item, [sl.start, sl.stop])
        rec = np.bincount(
            (r_item[lo:hi] - sl.start) * (h + 1) + r_k[lo:hi],
            weights=r_units[lo:hi],
            minlength=len(rows) * (h + 1),
        ).reshape(len(rows), h + 1)
        supply = available[sl, None] + np.cumsum(rec, axis=1)[:, 1:]
        vv = v[sl, None]
        demand = vv * kk[None, :]
        short = demand > supply + 1e-9 * np.maximum(1.0, np.abs(supply))
        hit = short.any(axis=1) & can[sl]
        kidx = short.argmax(axis=1)
        s_at = supply[np.arange(len(rows)), kidx]
        with np.errstate(invalid="ignore", divide="ignore"):
            cover_hit = kidx + (s_at - v[sl] * kidx) / v[sl]
            cover_none = supply[:, -1] / v[sl]
        ok = can[sl]
        days_of_cover[sl] = np.where(ok, np.where(hit, cover_hit, cover_none), np.nan)
        stock_k[sl] = np.where(hit, kidx + 1, -1)

    short_now = in_inv & (available <= 0)
    days_of_cover[short_now] = 0.0
    stock_k[short_now] = 0
    stock_day = np.where(stock_k >= 0, as_of_day + stock_k, 0)
    stockout = _dates_or_nat(stock_day, stock_k >= 0)

    # status, first match wins
    status = np.full(n, "ok", dtype=object)
    reason = np.full(n, "", dtype=object)
    done = np.zeros(n, dtype=bool)

    assign = _assigner(status, reason, done)

    assign(~in_inv, "no_inventory", lambda i: "item not in the inventory snapshot")
    assign(
        short_now,
        "short",
        lambda i: _cat(
            "already short: available ",
            _num_str(available[i]),
            " units (on hand ",
            _num_str(on_hand[i]),
            " - backordered ",
            _num_str(back[i]),
            " - allocated ",
            _num_str(alloc[i]),
            ")",
        ),
    )
    assign(~in_vel, "no_velocity", lambda i: "item not in the velocity table")
    assign(
        np.isnan(v),
        "no_velocity",
        lambda i: _cat(
            f"{velocity_column} is missing",
            np.where(vel_reason[i] == "", "", _cat(": ", vel_reason[i].astype(str))),
        ),
    )
    assign(
        v <= 0,
        "no_demand",
        lambda i: _cat(
            f"{velocity_column} is ", _num_str(v[i]), ": stock does not run out at this velocity"
        ),
    )
    assign(stock_k < 0, "ok", lambda i: f"no stockout within the {h}-day horizon")
    has_overdue = overdue_units > 0
    od = _cat(_num_str(overdue_units), " open PO units overdue (not counted as supply)")
    prev = reason[has_overdue].astype(str)
    reason[has_overdue] = np.where(prev == "", od[has_overdue], _cat(prev, "; ", od[has_overdue]))

    nd = next_day != np.iinfo(np.int64).max
    next_date = _dates_or_nat(as_of_day + np.where(nd, next_day, 0), nd)
    return pd.DataFrame(
        {
            "item_id": pd.array(ids, dtype="str"),
            "as_of": _days_to_index(as_of_day),
            "on_hand_units": on_hand,
            "backordered_units": back,
            "allocated_units": alloc,
            "available_units": available,
            "velocity_units_per_day": v,
            "open_po_units": open_units,
            "overdue_po_units": overdue_units,
            "next_receipt_date": next_date,
            "next_receipt_units": np.where(nd, next_units, np.nan),
            "days_of_cover": days_of_cover,
            "stockout_date": stockout,
            "status": pd.array(status, dtype="str"),
            "reason": pd.array(reason, dtype="str"),
        }
    )

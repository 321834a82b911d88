"""The item x period demand panel: :func:`demand_history`.

Sales transactions (and optionally end-of-day stock) become a
:class:`~stockout_forecast.history.panel.DemandHistory`: net units per item and period,
zero-filled from each item's first activity, with stock-out periods marked ``censored`` and,
without stock history, long zero runs in steady sellers marked ``suspected``. Vectorised over
items (numpy over an ``n_items x n_periods`` array; Python loops only over chunks of items).

:func:`demand_history` reads as its steps: check the options, index the lines by item and
day, find each item's first activity, lay the period grid, sum the units panel, mark
censored and suspected periods, and give each item a status (:mod:`.status`).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from .._arrays import chunks, day_number, days_to_index, to_days
from .._utils import check_int, format_ids
from ..exceptions import DataQualityWarning, InsufficientHistoryError
from ..io.validation import validate_table
from ._common import (
    DORMANT_PERIODS,
    MAX_CELLS,
    MIN_PERIODS,
    MIN_ZERO_RUN,
    SUSPECT_MIN_DEMANDS,
    check_freq,
    first_day_of_period,
    infer_freq,
    item_list,
    period_days,
    period_of_day,
)
from .panel import DemandHistory
from .status import history_status, last_true

__all__ = ["demand_history"]


def demand_history(
    sales: pd.DataFrame,
    stock_history: pd.DataFrame | None = None,
    *,
    freq: str | None = None,
    as_of: Any = None,
    items: Any = None,
    suspect_stockouts: bool = True,
    min_zero_run: int | None = None,
    suspect_alpha: float = 1e-3,
    censor_share: float = 0.2,
    min_periods: int | None = None,
    dormant_periods: int | None = None,
    start: Any = None,
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
    freq : str or None, default None
        Period: ``"D"`` (day); ``"W-MON"`` ... ``"W-SUN"`` (a week starting that day, which
        labels it; ``"W"`` is ``"W-MON"``); ``"MS"`` or ``"M"`` (calendar month, labelled by
        its first day) or ``"ME"`` (labelled by its last day). ``None``: inferred from the
        sales dates -- months when every date is the first (or every date the last) of its
        month, weeks when every date falls on one weekday, else days -- so per-period
        totals come back in their own periods, and transactions give a daily panel.
    as_of : date-like, optional
        Last day of the history. Default: the latest date in ``sales`` or ``stock_history``.
        Sales lines after it are excluded with a :class:`DataQualityWarning` that counts them.
    items : sequence of str or items DataFrame, optional
        Items to include even without sales (they get an all-NaN row, status ``"no_sales"``).
    start : date-like, optional
        First day of the panel (its first period is the one holding it). Default: the
        first activity of any item. A chunk of a larger item list passes the whole list's
        first activity, so that every chunk has the same periods as one panel of all items
        (the chunked planner does). No line may precede it.
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
        ``suspected``, ``as_of``, ``freq`` (``"D"``, ``"W"`` or ``"M"``), ``anchor`` (the
        period labels: ``"D"``, ``"W-MON"`` ... ``"MS"``, ``"ME"``) and ``status`` (indexed
        by ``item_id``; columns ``status`` in {"ok", "new", "no_sales", "no_demand",
        "all_returns", "fully_censored", "discontinued"} and
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

    *Status* (first match): ``no_sales`` (no sales line up to ``as_of``), ``no_demand``
    (sales lines, but none with positive units: never sold), ``all_returns`` (returns at
    least cancel the sales: net units over the history <= 0), ``fully_censored`` (no
    observed period),
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
    opts = _check_options(
        freq,
        suspect_stockouts=suspect_stockouts,
        min_zero_run=min_zero_run,
        suspect_alpha=suspect_alpha,
        censor_share=censor_share,
        min_periods=min_periods,
        dormant_periods=dormant_periods,
    )
    s = validate_table(sales, "sales")
    st = None if stock_history is None else validate_table(stock_history, "stock_history")
    lines = _index_lines(s, st, as_of=as_of, items=items)
    start_day = None if start is None else day_number(start, "start")
    res = _with_defaults(opts, lines)
    freq = res.freq
    act = _first_activity(lines, required=start_day is None)
    grid = _period_grid(lines, act, freq, start_day)
    units, first_col = _units_panel(lines, act, grid, freq)
    n, n_t = units.shape
    censored = np.zeros((n, n_t), dtype=bool)
    if lines.st_item is not None and act.has_stock.any():
        _censor_from_stock(censored, lines, act, grid, freq=freq, share=res.share)
    suspected = np.zeros((n, n_t), dtype=bool)
    if res.suspect:
        candidates = act.active & ~act.has_stock
        _mark_suspected(
            suspected, units, candidates, min_zero_run=res.min_zero_run, alpha=res.alpha
        )
    stats = _panel_stats(lines, units, censored, suspected, first_col, res.dormant_periods)
    status = history_status(
        stats,
        item_ids=lines.item_ids,
        start_days=grid.start_days,
        freq=res.kind,
        as_of_day=lines.as_of_day,
        has_lines=act.has_lines,
        has_stock=act.has_stock,
        min_periods=res.min_periods,
        dormant_periods=res.dormant_periods,
    )
    return DemandHistory(
        item_ids=lines.item_ids,
        periods=days_to_index(grid.start_days),
        freq=res.kind,
        units=units,
        censored=censored,
        suspected=suspected,
        as_of=lines.as_of_ts,
        status=status,
        revenue=_line_revenue(s, lines),
        anchor=freq,
    )


# --------------------------------------------------------------------------- its steps
@dataclass(frozen=True)
class _Options:
    """demand_history's checked options (defaults filled per frequency)."""

    freq: str | None
    suspect: bool
    min_zero_run: int | None
    alpha: float
    share: float
    min_periods: int | None
    dormant_periods: int | None


@dataclass(frozen=True)
class _Resolved:
    """The options with the frequency known and its defaults filled."""

    freq: str
    suspect: bool
    min_zero_run: int
    alpha: float
    share: float
    min_periods: int
    dormant_periods: int

    @property
    def kind(self) -> str:
        """``"D"``, ``"W"`` or ``"M"``."""
        return self.freq[0]


def _check_options(
    freq: str | None,
    *,
    suspect_stockouts: Any,
    min_zero_run: Any,
    suspect_alpha: Any,
    censor_share: Any,
    min_periods: Any,
    dormant_periods: Any,
) -> _Options:
    """Check demand_history's options (the per-frequency defaults come later)."""
    freq = None if freq is None else check_freq(freq)
    if not isinstance(suspect_stockouts, (bool, np.bool_)):
        raise TypeError(f"suspect_stockouts must be True or False; got {suspect_stockouts!r}.")
    if min_zero_run is not None:
        min_zero_run = check_int(min_zero_run, "min_zero_run")
    if min_periods is not None:
        min_periods = check_int(min_periods, "min_periods")
    if dormant_periods is not None:
        dormant_periods = check_int(dormant_periods, "dormant_periods")
    alpha = float(suspect_alpha)
    if not 0.0 < alpha < 1.0:
        raise ValueError(f"suspect_alpha must be a fraction in (0, 1); got {suspect_alpha!r}.")
    share = float(censor_share)
    if not 0.0 <= share < 1.0:
        raise ValueError(f"censor_share must be in [0, 1); got {censor_share!r}.")
    return _Options(
        freq=freq,
        suspect=bool(suspect_stockouts),
        min_zero_run=min_zero_run,
        alpha=alpha,
        share=share,
        min_periods=min_periods,
        dormant_periods=dormant_periods,
    )


def _with_defaults(opts: _Options, lines: _Lines) -> _Resolved:
    """The frequency (inferred from the sales dates when not given) and its defaults."""
    freq = opts.freq
    if freq is None:
        freq = infer_freq(lines.s_days) if len(lines.s_days) else "D"
    kind = freq[0]
    return _Resolved(
        freq=freq,
        suspect=opts.suspect,
        min_zero_run=MIN_ZERO_RUN[kind] if opts.min_zero_run is None else opts.min_zero_run,
        alpha=opts.alpha,
        share=opts.share,
        min_periods=MIN_PERIODS[kind] if opts.min_periods is None else opts.min_periods,
        dormant_periods=DORMANT_PERIODS[kind]
        if opts.dormant_periods is None
        else opts.dormant_periods,
    )


@dataclass
class _Lines:
    """Sales lines and stock readings on or before as_of, as item positions and day numbers."""

    item_ids: np.ndarray  # sorted union of the ids of sales, stock history and items=
    as_of_day: int
    as_of_ts: pd.Timestamp
    keep: np.ndarray  # sales rows kept (dated on or before as_of)
    s_item: np.ndarray
    s_days: np.ndarray
    s_units: np.ndarray
    # stock readings (None without stock history)
    st_item: np.ndarray | None = None
    st_days: np.ndarray | None = None
    st_on: np.ndarray | None = None
    st_ns: np.ndarray | None = None

    @property
    def n(self) -> int:
        return len(self.item_ids)


def _history_as_of(as_of: Any, s_days: np.ndarray, st_days: np.ndarray | None) -> int:
    """as_of as a day number; default the latest date of sales or stock history."""
    if as_of is not None:
        return day_number(as_of, "as_of")
    as_of_day = int(s_days.max())
    if st_days is not None and len(st_days):
        as_of_day = max(as_of_day, int(st_days.max()))
    return as_of_day


def _index_lines(s: pd.DataFrame, st: pd.DataFrame | None, *, as_of: Any, items: Any) -> _Lines:
    """Item positions and day numbers of the lines; sales after as_of dropped with a warning."""
    s_days = to_days(s["date"].to_numpy())
    st_days = None if st is None else to_days(st["date"].to_numpy())
    as_of_day = _history_as_of(as_of, s_days, st_days)
    as_of_ts = pd.Timestamp(np.datetime64(as_of_day, "D")).as_unit("ns")

    s_codes, s_found = pd.factorize(s["item_id"])
    s_uniq = np.asarray(s_found, dtype=object)
    st_codes: np.ndarray = np.zeros(0, dtype=np.intp)
    st_uniq: np.ndarray = np.array([], dtype=object)
    if st is not None:
        st_codes, st_found = pd.factorize(st["item_id"])
        st_uniq = np.asarray(st_found, dtype=object)
    extra = item_list(items)
    item_ids = np.asarray(
        sorted(set(s_uniq.tolist()) | set(st_uniq.tolist()) | set(extra.tolist())), dtype=object
    )
    index = pd.Index(item_ids, dtype="str")
    s_item = index.get_indexer(pd.Index(s_uniq, dtype="str"))[s_codes]
    s_units = s["units"].to_numpy(dtype=np.float64)

    keep = s_days <= as_of_day
    if not keep.all():
        late_ids = np.unique(item_ids[s_item[~keep]])
        warnings.warn(
            f"sales has {int((~keep).sum()):,} lines dated after as_of {as_of_ts:%Y-%m-%d} "
            f"(items {format_ids(late_ids)}); they are excluded from the history. "
            f"Pass a later as_of to include them.",
            DataQualityWarning,
            stacklevel=3,
        )
        s_days, s_units, s_item = s_days[keep], s_units[keep], s_item[keep]
    lines = _Lines(item_ids, as_of_day, as_of_ts, keep, s_item, s_days, s_units)
    if st is not None and st_days is not None:
        in_range = st_days <= as_of_day
        lines.st_item = index.get_indexer(pd.Index(st_uniq, dtype="str"))[st_codes][in_range]
        lines.st_days = st_days[in_range]
        lines.st_on = st["on_hand_units"].to_numpy(dtype=np.float64)[in_range]
        lines.st_ns = st["date"].to_numpy(dtype="datetime64[ns]").astype(np.int64)[in_range]
    return lines


@dataclass(frozen=True)
class _Activity:
    """Per item: first activity (day number; ``NEVER`` = never active) and what it has."""

    first_day: np.ndarray
    active: np.ndarray
    has_lines: np.ndarray
    has_stock: np.ndarray


_NEVER = np.iinfo(np.int64).max


def _first_activity(lines: _Lines, *, required: bool = True) -> _Activity:
    """First sales line (any sign) or positive stock reading per item.

    Error when there is none at all, unless not ``required``: a chunk of a larger panel may
    hold only inactive items.
    """
    n = lines.n
    first_day = np.full(n, _NEVER, dtype=np.int64)
    np.minimum.at(first_day, lines.s_item, lines.s_days)
    has_lines = np.bincount(lines.s_item, minlength=n) > 0
    has_stock = np.zeros(n, dtype=bool)
    if lines.st_item is not None:
        assert lines.st_days is not None
        assert lines.st_on is not None
        has_stock[lines.st_item] = True
        pos = lines.st_on > 0
        np.minimum.at(first_day, lines.st_item[pos], lines.st_days[pos])
    active = first_day != _NEVER
    if required and not active.any():
        raise InsufficientHistoryError(
            f"sales has no line on or before as_of {lines.as_of_ts:%Y-%m-%d} (and no positive "
            f"stock reading): there is no history to build. Check as_of or the sales dates."
        )
    return _Activity(first_day, active, has_lines, has_stock)


@dataclass(frozen=True)
class _Grid:
    """The panel's periods: first period number and each period's first day."""

    p_first: int
    start_days: np.ndarray

    @property
    def n_t(self) -> int:
        return len(self.start_days)


def _period_grid(lines: _Lines, act: _Activity, freq: str, start_day: int | None) -> _Grid:
    """Periods from the first activity of any item (or ``start_day``) to as_of.

    Error when the panel is too big or a line precedes ``start_day``.
    """
    n = lines.n
    if start_day is None:
        first_any = int(act.first_day[act.active].min())
    else:
        if act.active.any() and int(act.first_day[act.active].min()) < start_day:
            early = lines.item_ids[act.active & (act.first_day < start_day)]
            raise ValueError(
                f"start={pd.Timestamp(np.datetime64(start_day, 'D')):%Y-%m-%d} is after the "
                f"first activity of items {format_ids(early)}; pass an earlier start (the "
                f"first sales date of all items)."
            )
        first_any = start_day
    p_first = int(period_of_day(np.asarray([first_any]), freq)[0])
    p_last = int(period_of_day(np.asarray([lines.as_of_day]), freq)[0])
    n_t = p_last - p_first + 1
    if n * n_t > MAX_CELLS:
        first_ts = pd.Timestamp(np.datetime64(first_any, "D"))
        raise ValueError(
            f"the history would hold {n:,} items x {n_t:,} periods ({n * n_t * 10 / 2**30:.0f} "
            f"GiB): its first activity is {first_ts:%Y-%m-%d}. Check for mis-dated lines, pass "
            f"fewer items, or use freq='W' or 'M'."
        )
    pnums = np.arange(p_first, p_last + 1, dtype=np.int64)
    return _Grid(p_first, first_day_of_period(pnums, freq))


def _units_panel(
    lines: _Lines, act: _Activity, grid: _Grid, freq: str
) -> tuple[np.ndarray, np.ndarray]:
    """Net units per item and period (one bincount), NaN before each item's first activity.

    Also returns each item's first active column (``n_t`` for items never active).
    """
    n, n_t = lines.n, grid.n_t
    s_col = period_of_day(lines.s_days, freq) - grid.p_first
    units = np.bincount(
        lines.s_item * n_t + s_col, weights=lines.s_units, minlength=n * n_t
    ).reshape(n, n_t)
    first_col = np.full(n, n_t, dtype=np.int64)
    first_col[act.active] = period_of_day(act.first_day[act.active], freq) - grid.p_first
    cols = np.arange(n_t)
    for sl in chunks(n):
        units[sl][cols[None, :] < first_col[sl, None]] = np.nan
    return units, first_col


def _censor_from_stock(
    censored: np.ndarray, lines: _Lines, act: _Activity, grid: _Grid, *, freq: str, share: float
) -> None:
    """Mark censored periods from the stock readings; days with a positive sale stay observed."""
    assert lines.st_item is not None
    assert lines.st_days is not None
    assert lines.st_on is not None
    assert lines.st_ns is not None
    n = lines.n
    day0 = int(grid.start_days[0])
    n_days_all = lines.as_of_day - day0 + 1
    sold = np.zeros(n * n_days_all, dtype=bool)
    pos_sale = lines.s_units > 0
    sold[lines.s_item[pos_sale] * n_days_all + (lines.s_days[pos_sale] - day0)] = True
    _mark_censored(
        censored,
        sold.reshape(n, n_days_all),
        lines.st_item,
        lines.st_days,
        lines.st_on,
        lines.st_ns,
        first_day=act.first_day,
        start_days=grid.start_days,
        as_of_day=lines.as_of_day,
        freq=freq,
        share=share,
    )


def _panel_stats(
    lines: _Lines,
    units: np.ndarray,
    censored: np.ndarray,
    suspected: np.ndarray,
    first_col: np.ndarray,
    dormant_periods: int,
) -> dict[str, np.ndarray]:
    """Per-item counts for the status, mostly from what is known already (see item_stats)."""
    n, n_t = units.shape
    d = min(dormant_periods, n_t)
    return {
        "n_act": np.maximum(n_t - first_col, 0),
        "n_cens": censored.view(np.uint8).sum(axis=1, dtype=np.int64),
        "n_susp": suspected.view(np.uint8).sum(axis=1, dtype=np.int64),
        "gross": np.bincount(lines.s_item, weights=np.maximum(lines.s_units, 0.0), minlength=n),
        "returns": -np.bincount(lines.s_item, weights=np.minimum(lines.s_units, 0.0), minlength=n),
        "first": np.where(first_col < n_t, first_col, -1),
        "last_pos": np.concatenate([last_true(units[sl] > 0) for sl in chunks(n)]),
        "tail_known_out": censored[:, n_t - d :].all(axis=1) if d else np.zeros(n, bool),
        "tail_suspected": suspected[:, n_t - 1].copy(),
    }


def _line_revenue(s: pd.DataFrame, lines: _Lines) -> np.ndarray | None:
    """Revenue per item from the sales lines' ``unit_price`` (None without the column)."""
    if "unit_price" not in s.columns:
        return None
    price = s["unit_price"].to_numpy(dtype=np.float64)[lines.keep]
    unpriced = np.isnan(price)
    if unpriced.any():
        warnings.warn(
            f"sales has {int(unpriced.sum()):,} lines without unit_price (items "
            f"{format_ids(np.unique(lines.item_ids[lines.s_item[unpriced]]))}); they count as 0 "
            f"revenue in DemandHistory.revenue.",
            DataQualityWarning,
            stacklevel=3,
        )
    return np.bincount(
        lines.s_item, weights=lines.s_units * np.nan_to_num(price), minlength=lines.n
    )


# --------------------------------------------------------------------------- censoring kernels
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
    period_len = period_days(start_days, freq, as_of_day)
    for cs in chunks(len(items_with), 2048):
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
    for sl in chunks(n):
        cand = candidates[sl]
        if not cand.any():
            continue
        u = units[sl]
        act = ~np.isnan(u)
        pos = u > 0
        zero = act & ~pos
        n_act = act.sum(axis=1, dtype=np.int64)
        k = pos.sum(axis=1, dtype=np.int64)
        ok = cand & (k >= SUSPECT_MIN_DEMANDS) & (k < n_act)
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

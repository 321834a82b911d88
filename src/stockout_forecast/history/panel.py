"""The dense item x period panel that every layer computes on.

:class:`DemandHistory` is the hand-off between the history layer and the models: a regular
grid of periods per item held as numpy arrays (items on axis 0, time on axis 1), so that
every model and statistic is a numpy operation over all items at once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes

__all__ = ["FREQ_ALIASES", "DemandHistory", "next_period_start", "period_starts"]

#: period kind -> the default anchor (pandas offset alias of the period labels)
FREQ_ALIASES = {"D": "D", "W": "W-MON", "M": "MS"}
_WEEKDAYS = ("MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN")
#: nominal days per period (used to turn units/period into units/day)
DAYS_PER_PERIOD = {"D": 1.0, "W": 7.0, "M": 365.25 / 12.0}


def period_starts(dates: pd.Series | pd.DatetimeIndex, freq: str) -> pd.DatetimeIndex:
    """Map dates to the start of their period: the day, the week's anchor day, the 1st.

    ``freq``: ``"D"``, ``"W"`` (weeks starting Monday), ``"W-MON"`` ... ``"W-SUN"`` (weeks
    starting that day), ``"M"``, ``"MS"`` or ``"ME"`` (calendar months).

    >>> period_starts(pd.DatetimeIndex(["2024-01-03", "2024-01-31"]), "W").strftime("%Y-%m-%d").tolist()
    ['2024-01-01', '2024-01-29']
    >>> period_starts(pd.DatetimeIndex(["2024-01-03"]), "W-WED").strftime("%Y-%m-%d").tolist()
    ['2024-01-03']
    >>> period_starts(pd.DatetimeIndex(["2024-02-29"]), "M").strftime("%Y-%m-%d").tolist()
    ['2024-02-01']
    """
    d = pd.DatetimeIndex(dates).normalize()
    f = anchor_of(freq)
    if f == "D":
        return d
    if f[0] == "W":
        start = _WEEKDAYS.index(f[2:])
        return d - pd.to_timedelta((d.day_of_week - start) % 7, unit="D")
    return d - pd.to_timedelta(d.day - 1, unit="D")


def anchor_of(freq: str) -> str:
    """The anchored alias of a frequency: ``"W"`` -> ``"W-MON"``, ``"M"`` -> ``"MS"``."""
    from ._common import normalize_freq

    return normalize_freq(freq)


def next_period_start(start: pd.Timestamp, freq: str) -> pd.Timestamp:
    """The start of the period after the one starting at ``start`` (any anchor).

    >>> next_period_start(pd.Timestamp("2024-01-03"), "W-WED").date(), next_period_start(
    ...     pd.Timestamp("2024-01-01"), "ME").date()
    (datetime.date(2024, 1, 10), datetime.date(2024, 2, 1))
    """
    kind = anchor_of(freq)[0]
    if kind == "D":
        return start + pd.Timedelta(days=1)
    if kind == "W":
        return start + pd.Timedelta(days=7)
    return start + pd.offsets.MonthBegin(1)


def future_period_starts(last: pd.Timestamp, freq: str, horizon: int) -> pd.DatetimeIndex:
    """The ``horizon`` period starts after the period starting at ``last``."""
    kind = anchor_of(freq)[0]
    if kind == "D":
        out = pd.date_range(last + pd.Timedelta(days=1), periods=horizon, freq="D")
    elif kind == "W":
        out = pd.date_range(last + pd.Timedelta(days=7), periods=horizon, freq="7D")
    else:
        out = pd.date_range(last + pd.offsets.MonthBegin(1), periods=horizon, freq="MS")
    return out


def period_labels(starts: pd.DatetimeIndex, freq: str) -> pd.DatetimeIndex:
    """The dates that label periods starting at ``starts``: the start, or the month end (``"ME"``)."""
    if anchor_of(freq) == "ME":
        return pd.DatetimeIndex(starts) + pd.offsets.MonthEnd(0)
    return pd.DatetimeIndex(starts)


@dataclass(frozen=True, repr=False, eq=False)
class DemandHistory:
    """Demand per item and period on a regular grid, with censored (stock-out) periods marked.

    Attributes
    ----------
    item_ids : numpy.ndarray of str, shape (n_items,)
        Item identifiers, sorted. Every item that came in is here, with or without sales.
    periods : pandas.DatetimeIndex, shape (n_periods,)
        Period start dates (day; Monday of the week for ``"W"``; 1st of the month for ``"M"``).
    freq : {"D", "W", "M"}
        Period length.
    anchor : str
        How periods are labelled, as the data had them: ``"D"``, ``"W-MON"`` ... ``"W-SUN"``
        (weeks starting that weekday), ``"MS"`` (months by their first day) or ``"ME"``
        (months by their last day). ``periods`` always holds period *starts*; outputs show
        :attr:`labels`.
    units : numpy.ndarray of float64, shape (n_items, n_periods)
        Net units demanded per period (sales minus returns), 0 where nothing sold, NaN
        before the item's first activity (not yet listed).
    censored : numpy.ndarray of bool, shape (n_items, n_periods)
        Periods without stock (from stock history): demand was not observed, not zero.
    suspected : numpy.ndarray of bool, shape (n_items, n_periods)
        Periods inferred as likely stock-outs without stock history (a long zero run in an
        otherwise steady seller). Treated as unobserved by :attr:`observed`.
    as_of : pandas.Timestamp
        Last day covered by the history.
    status : pandas.DataFrame
        Indexed by ``item_id``; columns ``status`` (``"ok"`` or a problem code such as
        ``"no_sales"``, ``"new"``, ``"all_returns"``) and ``reason`` (plain English).
    revenue : numpy.ndarray of float64, shape (n_items,), optional
        Net revenue per item over the history (sum of ``units * unit_price`` of its sales
        lines, currency) when the sales had ``unit_price``; None otherwise. Used by
        ``classify_demand`` for ABC.
    """

    item_ids: np.ndarray
    periods: pd.DatetimeIndex
    freq: str
    units: np.ndarray
    censored: np.ndarray
    suspected: np.ndarray
    as_of: pd.Timestamp
    status: pd.DataFrame = field(default_factory=pd.DataFrame)
    revenue: np.ndarray | None = None
    anchor: str | None = None

    def __post_init__(self) -> None:
        n, t = len(self.item_ids), len(self.periods)
        for name in ("units", "censored", "suspected"):
            arr = getattr(self, name)
            if arr.shape != (n, t):
                raise ValueError(f"DemandHistory.{name} has shape {arr.shape}; expected {(n, t)}.")
        if self.revenue is not None and np.shape(self.revenue) != (n,):
            raise ValueError(
                f"DemandHistory.revenue has shape {np.shape(self.revenue)}; expected {(n,)}."
            )
        if self.freq not in FREQ_ALIASES:
            raise ValueError(f"freq must be 'D', 'W' or 'M'; got {self.freq!r}.")
        anchor = FREQ_ALIASES[self.freq] if self.anchor is None else anchor_of(self.anchor)
        if anchor[0] != self.freq:
            raise ValueError(
                f"DemandHistory.anchor {self.anchor!r} is not a {self.freq!r} frequency."
            )
        object.__setattr__(self, "anchor", anchor)

    # ----------------------------------------------------------------- properties
    @property
    def labels(self) -> pd.DatetimeIndex:
        """The dates labelling the periods, as the data had them (month ends for ``"ME"``)."""
        return period_labels(self.periods, str(self.anchor))

    @property
    def n_items(self) -> int:
        """Number of items."""
        return len(self.item_ids)

    @property
    def n_periods(self) -> int:
        """Number of periods."""
        return len(self.periods)

    @property
    def active(self) -> np.ndarray:
        """Periods inside each item's life (from first activity to ``as_of``)."""
        return ~np.isnan(self.units)

    @property
    def observed(self) -> np.ndarray:
        """Periods whose demand was observed: active, not censored, not a suspected stock-out."""
        return self.active & ~self.censored & ~self.suspected

    @property
    def censored_share(self) -> float:
        """Share of active item-periods that are censored or suspected stock-outs."""
        act = self.active
        n = act.sum()
        return float(((self.censored | self.suspected) & act).sum() / n) if n else 0.0

    @property
    def days_per_period(self) -> float:
        """Nominal days in one period (1, 7 or 30.44)."""
        return DAYS_PER_PERIOD[self.freq]

    @property
    def period_days(self) -> np.ndarray:
        """Calendar days in each period, float64 shape (n_periods,); the last is cut at as_of.

        1 for daily periods; 7 for weeks; 28 to 31 for months. The period holding ``as_of``
        counts only its days up to ``as_of``.
        """
        if not self.n_periods:
            return np.zeros(0)
        starts = self.periods.to_numpy().astype("datetime64[D]")
        last = pd.DatetimeIndex([self.periods[-1]])
        nxt = pd.DatetimeIndex([next_period_start(last[0], self.freq)]).to_numpy()
        ends = np.concatenate([starts[1:], nxt.astype("datetime64[D]")])
        ends = np.minimum(ends, np.datetime64(self.as_of.date(), "D") + 1)
        return (ends - starts).astype(np.int64).astype(np.float64)

    # ----------------------------------------------------------------- conversions
    def to_frame(self) -> pd.DataFrame:
        """Long format: one row per item and active period.

        Columns: ``item_id``, ``date`` (period start), ``units``, ``censored``,
        ``suspected_stockout``.
        """
        act = self.active
        ii, tt = np.nonzero(act)
        return pd.DataFrame(
            {
                "item_id": self.item_ids[ii],
                "date": self.periods[tt],
                "units": self.units[ii, tt],
                "censored": self.censored[ii, tt],
                "suspected_stockout": self.suspected[ii, tt],
            }
        )

    def truncate(self, end: int) -> DemandHistory:
        """The first ``end`` periods: the history as it was known at a forecast cut-off.

        ``as_of`` becomes the day before period ``end`` starts; statuses and revenue are
        kept as they were computed on the whole history.

        >>> import numpy as np, pandas as pd
        >>> h = DemandHistory(np.array(["A"]), pd.date_range("2024-01-01", periods=4), "D",
        ...                   np.ones((1, 4)), np.zeros((1, 4), bool), np.zeros((1, 4), bool),
        ...                   pd.Timestamp("2024-01-04"))
        >>> t = h.truncate(2)
        >>> t.n_periods, f"{t.as_of:%Y-%m-%d}"
        (2, '2024-01-02')
        """
        if end >= self.n_periods:
            return self
        if end < 1:
            raise ValueError(f"truncate needs at least one period; got end={end}.")
        return DemandHistory(
            item_ids=self.item_ids,
            periods=self.periods[:end],
            freq=self.freq,
            units=self.units[:, :end],
            censored=self.censored[:, :end],
            suspected=self.suspected[:, :end],
            as_of=self.periods[end] - pd.Timedelta(days=1),
            status=self.status,
            revenue=self.revenue,
            anchor=self.anchor,
        )

    def subset(self, items: list[str] | np.ndarray) -> DemandHistory:
        """The same history restricted to ``items`` (in the given order)."""
        pos = pd.Index(self.item_ids).get_indexer(list(items))
        if (pos < 0).any():
            missing = [i for i, p in zip(items, pos, strict=True) if p < 0][:5]
            raise KeyError(f"Items not in the history: {missing}.")
        status = self.status.reindex(np.asarray(items)) if len(self.status) else self.status
        return DemandHistory(
            item_ids=self.item_ids[pos],
            periods=self.periods,
            freq=self.freq,
            units=self.units[pos],
            censored=self.censored[pos],
            suspected=self.suspected[pos],
            as_of=self.as_of,
            status=status,
            revenue=None if self.revenue is None else self.revenue[pos],
            anchor=self.anchor,
        )

    def to_dict(self) -> dict[str, Any]:
        """JSON-able dict: ids, ISO period starts, freq, as_of, arrays as nested lists.

        NaN (periods before an item's first activity) becomes None; ``status`` is a list of
        ``{"item_id", "status", "reason"}`` records.

        >>> h = DemandHistory(np.array(["A"], dtype=object), pd.DatetimeIndex(["2024-01-01",
        ...     "2024-01-02"]), "D", np.array([[np.nan, 2.0]]), np.zeros((1, 2), bool),
        ...     np.zeros((1, 2), bool), pd.Timestamp("2024-01-02"))
        >>> h.to_dict()["units"]
        [[None, 2.0]]
        """
        cells = self.units.astype(object)
        cells[np.isnan(self.units)] = None
        units = cells.tolist()
        status = (
            self.status[["status", "reason"]]
            .astype(object)
            .rename_axis("item_id")
            .reset_index()
            .to_dict(orient="records")
            if len(self.status)
            else []
        )
        return {
            "item_ids": [str(i) for i in self.item_ids],
            "periods": [d.strftime("%Y-%m-%d") for d in self.periods],
            "freq": self.freq,
            "anchor": self.anchor,
            "as_of": self.as_of.strftime("%Y-%m-%d"),
            "units": units,
            "censored": self.censored.tolist(),
            "suspected": self.suspected.tolist(),
            "status": status,
            "revenue": None
            if self.revenue is None
            else [None if np.isnan(r) else float(r) for r in self.revenue],
        }

    # ----------------------------------------------------------------- display
    def plot(
        self,
        items: list[str] | np.ndarray | None = None,
        *,
        ax: Axes | None = None,
        max_items: int = 5,
    ) -> Axes:
        """Units per period for a few items, censored and suspected periods marked.

        Parameters
        ----------
        items : list of str, optional
            Items to draw. Default: the ``max_items`` items with the most units.
        ax : matplotlib Axes, optional
            Axes to draw on; a new figure is made when omitted.
        max_items : int, default 5
            How many items to draw when ``items`` is omitted.

        Returns
        -------
        matplotlib.axes.Axes
            One line per item; censored periods marked with a cross and suspected stock-outs
            with an open circle at the recorded units. With a single item, censored and
            suspected periods are also shaded.
        """
        import matplotlib.pyplot as plt

        if ax is None:
            _, ax = plt.subplots(figsize=(9, 3.5))
        if items is None:
            totals = np.where(np.isnan(self.units), 0.0, self.units).sum(axis=1)
            order = np.argsort(-totals, kind="stable")[:max_items]
            items = [str(self.item_ids[i]) for i in order]
        pos = pd.Index(self.item_ids, dtype="str").get_indexer([str(i) for i in items])
        if (pos < 0).any():
            missing = [str(i) for i, p in zip(items, pos, strict=True) if p < 0][:5]
            raise KeyError(f"Items not in the history: {missing}.")
        x = self.periods
        for p in pos:
            y = self.units[p]
            (line,) = ax.plot(x, y, lw=1.2, label=str(self.item_ids[p]))
            c = self.censored[p] & ~np.isnan(y)
            sp = self.suspected[p] & ~np.isnan(y)
            if c.any():
                ax.scatter(x[c], y[c], marker="x", color=line.get_color(), zorder=3)
            if sp.any():
                ax.scatter(
                    x[sp],
                    y[sp],
                    marker="o",
                    facecolors="none",
                    edgecolors=line.get_color(),
                    zorder=3,
                )
            if len(pos) == 1:
                trans = ax.get_xaxis_transform()
                ax.fill_between(
                    x,
                    0,
                    1,
                    where=c,
                    transform=trans,
                    color="tab:red",
                    alpha=0.15,
                    step="mid",
                    label="censored (no stock)",
                )
                ax.fill_between(
                    x,
                    0,
                    1,
                    where=sp,
                    transform=trans,
                    color="tab:orange",
                    alpha=0.15,
                    step="mid",
                    label="suspected stock-out",
                )
        word = {"D": "day", "W": "week", "M": "month"}[self.freq]
        ax.set_ylabel(f"units per {word}")
        ax.set_title(f"Demand history ({self.censored_share:.1%} item-periods unobserved)")
        if len(pos):
            ax.legend(loc="upper left", fontsize="small")
        return ax

    def __repr__(self) -> str:
        return (
            f"<DemandHistory: {self.n_items:,} items x {self.n_periods:,} periods "
            f"(freq={self.anchor!r}, {self.labels[0]:%Y-%m-%d} to {self.as_of:%Y-%m-%d}), "
            f"{self.censored_share:.1%} item-periods censored or suspected>"
            if self.n_periods
            else f"<DemandHistory: {self.n_items:,} items, no periods>"
        )

    def _repr_html_(self) -> str:
        from html import escape

        n_flag = int((self.status["status"] != "ok").sum()) if len(self.status) else 0
        return (
            f"<div><b>DemandHistory</b> {escape(repr(self)[15:-1])}<br>"
            f"{n_flag:,} items flagged (see <code>.status</code>)</div>"
        )

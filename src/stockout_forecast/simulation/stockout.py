"""Stockout-date distributions from demand sample paths: :func:`stockout_dates`.

:func:`stockout_dates` pushes the forecast's demand sample paths through each item's stock
position (on hand, minus units owed to customers, plus open purchase orders as they arrive)
and records, path by path, the first period in which demand cannot be met. The distribution
of that first period over the paths gives P(stockout by day t), the stockout-date quantiles,
the probability of running out before the next receipt, the expected units short and the
days of cover, held by a :class:`StockoutForecast`. The simulation itself is the engine's
(:mod:`.engine`); :func:`projected_inventory` gives the on-hand quantiles per item and period
for charts (:mod:`.projection`).

Everything is a numpy operation over an (items x paths x periods) block; items are processed
in chunks whose size follows from a memory budget, so 100,000 items need no more memory than
a few hundred.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from .._export import escape_html, jsonable
from .._utils import RandomStateLike, check_fraction, format_ids
from .engine import (
    DEFAULT_MEMORY_BUDGET_MB,
    SEED_BLOCK_ITEMS,
    Scenario,
    prepare_scenario,
    scenario_of,
    simulate,
)
from .projection import projection_frame

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from ..forecast.result import DemandForecast

_STATUS_OK = "ok"

__all__ = [
    "DEFAULT_MEMORY_BUDGET_MB",
    "SEED_BLOCK_ITEMS",
    "StockoutForecast",
    "projected_inventory",
    "stockout_dates",
]


# ----------------------------------------------------------------------------- result
@dataclass(frozen=True, repr=False, eq=False)
class StockoutForecast:
    """When each item runs out: the stockout-date distribution from demand sample paths.

    Returned by :func:`stockout_dates`; not usually built by hand.

    Attributes
    ----------
    item_ids : numpy.ndarray of str, shape (n_items,)
        Every item of the forecast, the inventory snapshot and the open purchase orders.
    dates : pandas.DatetimeIndex, shape (horizon,)
        Period start dates of the simulated horizon (days for a daily forecast).
    freq : {"D", "W", "M"}
        Period length, as in the forecast.
    p_stockout : numpy.ndarray of float64, shape (n_items, horizon)
        P(first stockout in or before period t): non-decreasing in t; NaN rows for items that
        could not be simulated (see ``summary.status``).
    summary : pandas.DataFrame
        One row per item, columns as listed in :func:`stockout_dates` (Returns).
    n_paths : int
        Demand sample paths per item.
    lost_sales : bool
        Whether unmet demand was lost (True) or backordered (False).
    censored_share : float
        Share of the history's active item-periods that were censored (stock-outs) or
        suspected stock-outs; NaN when the forecast carries no history.
    """

    item_ids: np.ndarray
    dates: pd.DatetimeIndex
    freq: str
    p_stockout: np.ndarray
    summary: pd.DataFrame
    n_paths: int
    lost_sales: bool
    censored_share: float = float("nan")
    _scenario: Scenario | None = field(default=None, repr=False, compare=False)

    @property
    def n_items(self) -> int:
        """Number of items."""
        return len(self.item_ids)

    @property
    def horizon(self) -> int:
        """Number of simulated periods."""
        return len(self.dates)

    def to_frame(self) -> pd.DataFrame:
        """The per-item summary (a copy): one row per item, see :func:`stockout_dates`."""
        return self.summary.copy()

    def curves_frame(self) -> pd.DataFrame:
        """P(stockout by period t) in long format: ``item_id``, ``date``, ``p_stockout``."""
        n, h = self.p_stockout.shape
        return pd.DataFrame(
            {
                "item_id": np.repeat(self.item_ids, h).astype(str),
                "date": np.tile(self.dates.to_numpy(), n),
                "p_stockout": self.p_stockout.ravel(),
            }
        )

    def to_dict(self) -> dict[str, Any]:
        """JSON-able dict: settings, ``dates`` (ISO), ``items`` (summary records) and curves.

        ``p_stockout`` maps each item id to its list of probabilities per period (None where
        the item could not be simulated).
        """
        return jsonable(
            {
                "freq": self.freq,
                "n_paths": self.n_paths,
                "lost_sales": self.lost_sales,
                "censored_share": self.censored_share,
                "dates": list(self.dates),
                "items": self.summary,
                "p_stockout": {
                    str(i): row for i, row in zip(self.item_ids, self.p_stockout, strict=True)
                },
            }
        )

    def projected_inventory(
        self, items: Any = None, *, quantiles: tuple[float, ...] = (0.1, 0.5, 0.9)
    ) -> pd.DataFrame:
        """On-hand quantiles per item and period from the same paths; see :func:`projected_inventory`."""
        return projected_inventory(self, items=items, quantiles=quantiles)

    def plot(
        self,
        item: str | None = None,
        *,
        kind: str = "probability",
        reorder_point: float | None = None,
        max_items: int = 8,
        ax: Axes | None = None,
    ) -> Axes:
        """Plot the stockout-probability curve(s) or one item's projected inventory.

        Parameters
        ----------
        item : str, optional
            Item to plot. ``None`` with ``kind="probability"`` plots up to ``max_items`` items
            whose P50 stockout falls inside the horizon (not those already out on the first
            day), spread evenly over their P50 dates.
        kind : {"probability", "inventory"}
            ``"probability"``: P(stockout by date) as a step curve with the P50 date marked.
            ``"inventory"``: on-hand P50 with the P10–P90 band, the P10–P90 stockout window
            shaded, and ``reorder_point`` as a horizontal line (needs ``item``).
        reorder_point : float, optional
            Reorder point in units, drawn on the inventory chart.
        max_items : int, default 8
            Curves drawn when ``item`` is None.
        ax : matplotlib.axes.Axes, optional
            Axes to draw on; a new figure otherwise.

        Returns
        -------
        matplotlib.axes.Axes
        """
        import matplotlib.dates as mdates
        import matplotlib.pyplot as plt

        if kind not in ("probability", "inventory"):
            raise ValueError(f"kind must be 'probability' or 'inventory'; got {kind!r}.")
        if ax is None:
            _, ax = plt.subplots(figsize=(8, 4))
        summ = self.summary.set_index("item_id")
        if item is not None and str(item) not in summ.index:
            raise KeyError(f"item {item!r} is not in this StockoutForecast.")
        if kind == "probability":
            if item is not None:
                chosen = [str(item)]
            else:
                chosen = self._items_at_risk(max_items)
            pos = pd.Index(self.item_ids).get_indexer(chosen)
            for iid, k in zip(chosen, pos, strict=True):
                (line,) = ax.step(self.dates, self.p_stockout[k], where="post", label=iid)
                d50 = _timestamp(summ.at[iid, "stockout_date_p50"])
                if pd.notna(d50):
                    ax.plot([mdates.date2num(d50)], [0.5], "o", color=line.get_color())
            ax.set_ylim(-0.02, 1.04)  # a curve at 0 or 1 stays visible off the frame
            ax.set_ylabel("P(stockout by date)")
            ax.set_title("Stockout probability" + (f": {item}" if item is not None else ""))
            if chosen:
                ax.legend(loc="lower right", fontsize="small")
        else:
            if item is None:
                raise ValueError("kind='inventory' needs an item: plot('SKU-1', kind='inventory').")
            proj = self.projected_inventory([str(item)])
            ax.fill_between(
                proj["date"],
                proj["on_hand_p10"],
                proj["on_hand_p90"],
                step="post",
                alpha=0.25,
                label="on hand P10–P90",
            )
            ax.step(proj["date"], proj["on_hand_p50"], where="post", label="on hand P50")
            d10 = _timestamp(summ.at[str(item), "stockout_date_p10"])
            d90 = _timestamp(summ.at[str(item), "stockout_date_p90"])
            if pd.notna(d10):
                end = d90 if pd.notna(d90) else pd.Timestamp(self.dates[-1])
                ax.axvspan(
                    mdates.date2num(d10),
                    mdates.date2num(end),
                    color="red",
                    alpha=0.12,
                    label="stockout P10–P90",
                )
            if reorder_point is not None:
                ax.axhline(reorder_point, color="black", ls="--", lw=1, label="reorder point")
            ax.set_ylabel("units on hand")
            ax.set_title(f"Projected inventory: {item}")
            ax.legend(loc="upper right", fontsize="small")
        ax.set_xlabel("date")
        return ax

    def _items_at_risk(self, max_items: int) -> list[str]:
        """Up to ``max_items`` items to show, spread evenly over their P50 stockout dates.

        Items whose P50 stockout is inside the horizon but not on its first day (those are
        out already).
        """
        s = self.summary
        first = self.p_stockout[:, 0] if self.horizon else np.zeros(len(s))
        risk = (
            (s["status"] == _STATUS_OK).to_numpy()
            & s["stockout_date_p50"].notna().to_numpy()
            & ~(first >= 0.5)
        )
        cand = s[risk].sort_values(["stockout_date_p50", "item_id"])
        if len(cand) > max_items:
            pick = np.unique(np.linspace(0, len(cand) - 1, max_items).round().astype(int))
            cand = cand.iloc[pick]
        return cand["item_id"].astype(str).tolist()

    def _censoring_text(self) -> str:
        unit = {"D": "item-days", "W": "item-weeks", "M": "item-months"}.get(self.freq, "")
        if math.isnan(self.censored_share):
            return "history censoring unknown"
        return f"{self.censored_share:.1%} {unit} censored"

    def __repr__(self) -> str:
        return (
            f"<StockoutForecast: {self.n_items:,} items, {self.n_paths:,} paths, "
            f"{self._censoring_text()}>"
        )

    def _repr_html_(self) -> str:
        s = self.summary
        ok = s["status"] == _STATUS_OK
        n_risk = int((s.loc[ok, "p_stockout_in_horizon"] >= 0.5).sum())
        head = s.sort_values("stockout_date_p50", na_position="last").head(10)
        return (
            f"<div><b>StockoutForecast</b> {escape_html(repr(self)[19:-1])}<br>"
            f"{self.horizon} periods from {self.dates[0]:%Y-%m-%d}; "
            f"{'lost sales' if self.lost_sales else 'backorders'}; "
            f"{n_risk:,} items more likely than not to run out; "
            f"{int((~ok).sum()):,} items not simulated (see <code>status</code>)"
            f"{head.to_html(index=False, na_rep='—', escape=True)}</div>"
        )


def _timestamp(value: Any) -> pd.Timestamp:
    """A scalar from a frame as a Timestamp (NaT stays NaT)."""
    return pd.Timestamp(value)


def _censored_share(forecast: Any) -> float:
    hist = getattr(forecast, "history", None)
    share = getattr(hist, "censored_share", None)
    return float(share) if share is not None else float("nan")


# ----------------------------------------------------------------------------- stockout_dates
def stockout_dates(
    forecast: DemandForecast,
    inventory: pd.DataFrame,
    purchase_orders: pd.DataFrame | None = None,
    *,
    items: Any = None,
    horizon: int | None = None,
    n_paths: int = 1000,
    lost_sales: bool = False,
    lead_time_uncertainty: pd.DataFrame | None = None,
    chunk_size: int | None = None,
    memory_budget_mb: float = DEFAULT_MEMORY_BUDGET_MB,
    n_jobs: int = 1,
    random_state: RandomStateLike = None,
    block_offset: int = 0,
    keep_paths: bool = False,
) -> StockoutForecast:
    r"""Simulate when each item runs out of stock, from the forecast's demand sample paths.

    Parameters
    ----------
    forecast : DemandForecast
        Demand forecast with ``sample_paths`` (units per period); daily, weekly or monthly.
    inventory : pandas.DataFrame
        Inventory snapshot (contract table ``inventory``): ``item_id``, ``on_hand_units``;
        optional ``backordered_units`` and ``allocated_units`` (0 when absent). Taken as the
        stock at the start of the first forecast period.
    purchase_orders : pandas.DataFrame, optional
        Purchase-order lines (contract table ``purchase_orders``). Open lines (no
        ``received_date``) arrive with ``units - received_units`` at ``expected_date``.
    items : list of str, optional
        Simulate only these items (same paths as in a full run). Default: every item of the
        forecast, the inventory and the open purchase orders.
    horizon : int, optional
        Periods to simulate, at most the forecast's horizon (default: all of it).
    n_paths : int, default 1000
        Demand sample paths per item. P(stockout) has a standard error of at most
        ``0.5 / sqrt(n_paths)`` (0.016 for 1,000 paths).
    lost_sales : bool, default False
        False: unmet demand is backordered and filled by the next receipts. True: it is lost.
        This changes ``expected_units_short`` and the projected inventory, not the first
        stockout date (the two are identical until the first shortfall).
    lead_time_uncertainty : pandas.DataFrame, optional
        The frame of ``lead_time_history`` (one row per ``item_id`` x ``supplier_id`` with
        ``lead_time_sd_days`` and optional ``on_time_rate``). When given, each open line
        arrives per path on its expected date with probability ``on_time_rate``, else late by
        ``max(1, round(|Z| * lead_time_sd_days))`` days, Z standard normal. Lines without a
        matching row arrive on their expected date (and the item's ``reason`` says so).
    chunk_size : int, optional
        Items simulated at once, rounded up to a multiple of :data:`SEED_BLOCK_ITEMS` (64).
        Default: as many as fit in ``memory_budget_mb``.
    memory_budget_mb : float, default 512
        Memory for the working arrays, MiB, when ``chunk_size`` is None: a chunk holds
        ``chunk x n_paths x horizon`` cells of about 25 bytes (33 with lead-time uncertainty,
        8 more with lost sales). At least one seed block (64 items) is always simulated.
    n_jobs : int, default 1
        Chunks simulated in parallel threads (numpy releases the GIL while drawing); the
        memory budget is shared between them. Results do not depend on ``n_jobs``.
    random_state : int, numpy.random.Generator or None
        Seed. The same seed gives the same result for any ``chunk_size``, ``n_jobs`` and
        ``items`` selection.
    block_offset : int, default 0
        Seed block of the forecast's first row in a larger item list, when ``forecast`` is
        one chunk of it (rows ``64 * block_offset`` onwards): each item then draws the paths
        it draws in a run over the whole list. The chunked planner and its Dask runner pass
        it; the chunk must start at a multiple of 64 items.
    keep_paths : bool, default False
        Keep the demand paths (items x ``n_paths`` x horizon, 8 bytes a cell) with the
        result, so that :func:`~stockout_forecast.recommend_orders` reads the same paths
        instead of drawing them again.

    Returns
    -------
    StockoutForecast
        ``p_stockout`` (items x periods) and ``summary``, one row per item with columns

        - ``item_id``
        - ``on_hand_units``, ``available_units`` (on hand − backordered − allocated),
          ``on_order_units`` (open purchase-order units, any date)
        - ``next_receipt_date``: earliest expected date of an open line (NaT if none)
        - ``p_stockout_in_horizon``: P(stockout within the horizon)
        - ``stockout_date_p10``, ``stockout_date_p50``, ``stockout_date_p90``: start of
          the period of the first stockout at these quantiles; NaT when beyond the horizon
        - ``beyond_horizon_p10``, ``beyond_horizon_p50``, ``beyond_horizon_p90``: True when
          that quantile lies beyond the horizon
        - ``p_stockout_before_next_receipt``: P(first stockout before the next receipt
          arrives; within the horizon when no receipt is due in it)
        - ``expected_units_short``: mean units of demand not met from stock on the day
          they are demanded, summed over the horizon
        - ``days_of_cover``: median days until the first stockout period (whole periods
          fully covered, in days); the horizon length when the median is beyond it
        - ``status`` (``"ok"``, ``"no_forecast"``, ``"no_inventory"``) and ``reason``.

    Raises
    ------
    SchemaError
        ``inventory`` or ``purchase_orders`` break the data contract, or
        ``lead_time_uncertainty`` lacks its columns.
    ValueError
        ``horizon`` longer than the forecast, non-positive ``n_paths``/``chunk_size``.
    KeyError
        ``items`` names ids found in none of the inputs.

    Notes
    -----
    With :math:`d_{t}` the demand of a path in period t, :math:`D_t = \sum_{s \le t} d_s`,
    :math:`A` = on hand − backordered − allocated and :math:`R_t` the receipts arrived by
    period t, the supply is :math:`S_t = A + R_t` and the first stockout is

    .. math:: T = \min\{t : D_t > S_t\}

    (``H`` when none). Conventions: receipts are available at the *start* of the day (period)
    they arrive and can serve that day's demand; a stockout is demand *exceeding* supply
    (ending a day at exactly 0 is not one); units already backordered are owed first, so a
    negative :math:`A` is a stockout on the first day. With backorders, the units short in
    period t are :math:`\min(d_t, (D_t - S_t)^+)`; with lost sales the recursion
    :math:`x_t = x_{t-1} + r_t - \min(d_t, x_{t-1}^+ + r_t)` runs over periods. P(stockout
    by t) is the share of paths with :math:`T \le t`; a date quantile :math:`q` is the first
    period with that share :math:`\ge q` (inverse CDF). Overdue open lines are assumed to
    arrive on the first day; early arrivals are not modelled (conservative).

    For weekly or monthly forecasts everything is in the forecast's periods: a receipt dated
    inside a period counts from the start of that period, stockout dates are period starts,
    ``days_of_cover`` is whole periods in days.

    Seeds: ``random_state`` gives one entropy value; forecast rows are cut into blocks of 64
    and block ``b`` draws its demand paths from ``SeedSequence(entropy, spawn_key=(0, b))``
    and its lateness draws from ``SeedSequence(entropy, spawn_key=(1, b))``, slot by slot
    (slot = rank of the line among the item's open lines, in input order). Chunks are whole
    blocks, so results do not depend on the chunking, and adding an order after the existing
    ones leaves every other draw unchanged (common random numbers for what-if runs).

    References
    ----------
    .. [1] Silver, E. A., Pyke, D. F., Thomas, D. J. (2017). *Inventory and Production
       Management in Supply Chains*, 4th ed., CRC Press, ch. 6 (stock position, backorders
       vs lost sales).
    .. [2] Glasserman, P. (2004). *Monte Carlo Methods in Financial Engineering*, Springer,
       §4.1 (common random numbers).

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from stockout_forecast.forecast.result import DemandForecast
    >>> dates = pd.date_range("2024-03-01", periods=10, freq="D")
    >>> fc = DemandForecast.from_mean(["A", "B"], dates, np.array([[2.0] * 10, [0.5] * 10]))
    >>> inv = pd.DataFrame({"item_id": ["A", "B", "C"], "on_hand_units": [10, 20, 5]})
    >>> so = stockout_dates(fc, inv, n_paths=2000, random_state=0)
    >>> so
    <StockoutForecast: 3 items, 2,000 paths, history censoring unknown>
    >>> so.summary[["item_id", "stockout_date_p50", "days_of_cover", "status"]]
      item_id stockout_date_p50  days_of_cover       status
    0       A        2024-03-06            5.0           ok
    1       B               NaT           10.0           ok
    2       C               NaT            NaN  no_forecast
    >>> round(float(so.summary.at[0, "p_stockout_in_horizon"]), 2)
    0.99
    """
    sc = prepare_scenario(
        forecast,
        inventory,
        purchase_orders,
        items=items,
        horizon=horizon,
        n_paths=n_paths,
        lost_sales=lost_sales,
        lead_time_uncertainty=lead_time_uncertainty,
        chunk_size=chunk_size,
        memory_budget_mb=memory_budget_mb,
        n_jobs=n_jobs,
        random_state=random_state,
        block_offset=block_offset,
        keep_paths=keep_paths,
    )
    return _result(sc)


def _result(sc: Scenario) -> StockoutForecast:
    counts, short, before = simulate(sc, np.flatnonzero(sc.computable))
    p_stock, frame = _summary(sc, counts, short, before)
    return StockoutForecast(
        item_ids=sc.item_ids.copy(),
        dates=sc.dates,
        freq=sc.freq,
        p_stockout=p_stock,
        summary=frame,
        n_paths=sc.n_paths,
        lost_sales=sc.lost_sales,
        censored_share=_censored_share(sc.forecast),
        _scenario=sc,
    )


def _summary(
    sc: Scenario, counts: np.ndarray, short: np.ndarray, before: np.ndarray
) -> tuple[np.ndarray, pd.DataFrame]:
    n, h, p = len(sc.item_ids), sc.horizon, sc.n_paths
    comp = sc.computable
    p_stock = np.full((n, h), np.nan)
    p_stock[comp] = counts[comp] / p
    cols: dict[str, Any] = {"item_id": sc.item_ids}
    cols["on_hand_units"] = sc.on_hand
    cols["available_units"] = sc.available
    on_order = np.zeros(n)
    np.add.at(on_order, sc.po_row, sc.po_units)
    cols["on_order_units"] = on_order
    first_off = np.full(n, np.iinfo(np.int64).max)
    np.minimum.at(first_off, sc.po_row, sc.po_offset)
    has_po = first_off < np.iinfo(np.int64).max
    nrd = np.full(n, np.datetime64("NaT"), dtype="datetime64[ns]")
    day_ns = np.timedelta64(1, "D").astype("timedelta64[ns]")
    nrd[has_po] = sc.dates[0].to_datetime64() + first_off[has_po] * day_ns
    cols["next_receipt_date"] = nrd
    cols["p_stockout_in_horizon"] = p_stock[:, -1]
    flags: dict[str, np.ndarray] = {}
    idx_p50 = np.full(n, h)
    for q in (0.1, 0.5, 0.9):
        need = math.ceil(q * p - 1e-9)
        reached = counts[:, -1] >= need
        idx = np.argmax(counts >= need, axis=1)
        d = np.full(n, np.datetime64("NaT"), dtype="datetime64[ns]")
        ok = comp & reached
        d[ok] = sc.dates.to_numpy(dtype="datetime64[ns]")[idx[ok]]
        cols[f"stockout_date_p{round(q * 100)}"] = d
        flags[f"beyond_horizon_p{round(q * 100)}"] = comp & ~reached
        if q == 0.5:
            idx_p50 = np.where(reached, idx, h)
    cols.update(flags)
    cols["p_stockout_before_next_receipt"] = before
    cols["expected_units_short"] = short
    cover = sc.bounds[idx_p50].astype(float)
    cols["days_of_cover"] = np.where(comp, cover, np.nan)
    cols["status"] = sc.status
    cols["reason"] = sc.reason
    frame = pd.DataFrame(cols)
    frame["status"] = frame["status"].astype("str")
    frame["reason"] = frame["reason"].astype("str")
    frame["item_id"] = frame["item_id"].astype("str")
    return p_stock, frame


# ----------------------------------------------------------------------------- projected_inventory
def projected_inventory(
    forecast: DemandForecast | StockoutForecast,
    inventory: pd.DataFrame | None = None,
    purchase_orders: pd.DataFrame | None = None,
    *,
    items: Any = None,
    horizon: int | None = None,
    n_paths: int = 1000,
    lost_sales: bool = False,
    lead_time_uncertainty: pd.DataFrame | None = None,
    quantiles: tuple[float, ...] = (0.1, 0.5, 0.9),
    random_state: RandomStateLike = None,
) -> pd.DataFrame:
    """Projected on-hand stock per item and period: quantiles over the demand paths.

    Parameters
    ----------
    forecast : DemandForecast or StockoutForecast
        A forecast (then ``inventory`` is required), or the result of :func:`stockout_dates`,
        whose inputs, settings and seed are reused so the chart matches its dates exactly
        (then leave ``inventory``, ``purchase_orders`` and the settings at their defaults).
    inventory, purchase_orders, horizon, n_paths, lost_sales, lead_time_uncertainty, random_state
        As in :func:`stockout_dates`.
    items : list of str, optional
        Items to project (default all). Keep it short for large catalogues: the output has
        one row per item and period.
    quantiles : tuple of float, default (0.1, 0.5, 0.9)
        Fractions in (0, 1).

    Returns
    -------
    pandas.DataFrame
        One row per item and period: ``item_id``, ``date`` (period start), ``on_hand_p10``,
        ``on_hand_p50``, ``on_hand_p90`` (one column per quantile, units on hand at the end
        of the period, never negative), ``p_stockout`` (P(first stockout by the period)),
        ``status``. Items that could not be simulated have NaN values and their status.

    Notes
    -----
    On hand at the end of period t is :math:`(S_t - D_t)^+` with backorders and the
    lost-sales recursion's :math:`x_t^+` otherwise (see :func:`stockout_dates`). Quantiles
    use the inverse empirical CDF (``numpy.quantile(method="inverted_cdf")``): each value is
    one of the simulated on-hand levels.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from stockout_forecast.forecast.result import DemandForecast
    >>> dates = pd.date_range("2024-03-01", periods=3, freq="D")
    >>> fc = DemandForecast.from_mean(["A"], dates, np.array([[2.0, 2.0, 2.0]]))
    >>> inv = pd.DataFrame({"item_id": ["A"], "on_hand_units": [5]})
    >>> po = pd.DataFrame({"po_id": ["P1"], "item_id": ["A"], "supplier_id": ["S"],
    ...     "units": [10], "order_date": ["2024-02-20"], "expected_date": ["2024-03-02"]})
    >>> projected_inventory(fc, inv, po, n_paths=500, random_state=1)[["date", "on_hand_p50"]]
            date  on_hand_p50
    0 2024-03-01          3.0
    1 2024-03-02         11.0
    2 2024-03-03          9.0
    """
    qs = tuple(check_fraction(q, "quantiles") for q in quantiles)
    if not qs:
        raise ValueError("quantiles must contain at least one fraction in (0, 1).")
    if isinstance(forecast, StockoutForecast):
        if inventory is not None or purchase_orders is not None:
            raise ValueError(
                "projected_inventory(stockout_forecast) reuses that result's inputs; do not "
                "pass inventory or purchase_orders as well."
            )
        base = scenario_of(forecast)
        if base is None:
            raise ValueError("This StockoutForecast carries no inputs to project from.")
        sc = base
        wanted = (
            base.item_ids
            if items is None
            else np.asarray(
                [str(i) for i in (items.tolist() if hasattr(items, "tolist") else items)]
            )
        )
    else:
        if inventory is None:
            raise ValueError("projected_inventory(forecast, inventory, ...) needs an inventory.")
        sc = prepare_scenario(
            forecast,
            inventory,
            purchase_orders,
            items=items,
            horizon=horizon,
            n_paths=n_paths,
            lost_sales=lost_sales,
            lead_time_uncertainty=lead_time_uncertainty,
            chunk_size=None,
            memory_budget_mb=DEFAULT_MEMORY_BUDGET_MB,
            n_jobs=1,
            random_state=random_state,
        )
        wanted = sc.item_ids
    rows = pd.Index(sc.item_ids).get_indexer(pd.unique(np.asarray(wanted, dtype=object)))
    if (rows < 0).any():
        raise KeyError(f"items {format_ids(np.asarray(wanted)[rows < 0])} are not in this result.")
    return projection_frame(sc, rows, qs)

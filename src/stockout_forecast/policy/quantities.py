"""Order quantities: EOQ, rounding to MOQ and packs, order-by dates, special orders.

Vectorised over items like the rest of the policy maths (scalars, arrays or Series in,
the same form out); see :mod:`.normal` for the conventions.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

import numpy as np
import pandas as pd

from .._utils import check_fraction, renamed_parameters
from ._args import ArrayLike, _check_choice, _check_nonnegative, _finish, _prepare

__all__ = [
    "economic_order_quantity",
    "flag_special_orders",
    "order_by_date",
    "round_order_quantity",
    "special_order_threshold",
]


# --------------------------------------------------------------------------- EOQ, rounding
@renamed_parameters(demand_rate="demand_per_year", holding_cost="holding_cost_per_unit_year")
def economic_order_quantity(
    demand_per_year: ArrayLike, order_cost: ArrayLike, holding_cost_per_unit_year: ArrayLike
) -> Any:
    """Economic order quantity ``Q* = sqrt(2 K λ / h)``.

    Parameters
    ----------
    demand_per_year : float, array or Series
        Demand ``λ`` (units / year), ≥ 0. (Old name ``demand_rate``.)
    order_cost : float, array or Series
        Fixed cost per order ``K`` (currency), ≥ 0.
    holding_cost_per_unit_year : float, array or Series
        Holding cost ``h`` (currency per unit per year; e.g. ``holding_cost_rate x
        unit_cost``), > 0. (Old name ``holding_cost``.) The names carry the time base of
        the cost vocabulary (:mod:`~stockout_forecast.policy.costs`); any other time unit
        works if both use it.

    Returns
    -------
    float, ndarray or Series
        ``Q*`` in units (not rounded; see :func:`round_order_quantity`).

    Notes
    -----
    Minimises ``K λ / Q + h Q / 2`` (:func:`~stockout_forecast.eoq_cost_per_year`); the
    minimum cost per year is ``sqrt(2 K λ h)``. With price breaks use
    :func:`~stockout_forecast.quantity_discount_eoq`.

    References
    ----------
    .. [SS] Snyder & Shen (2019), 2nd ed., eq. (3.4)-(3.5), Example 3.1.
    .. [CM] Chopra & Meindl (2016), 6th ed., eq. (11.5), Example 11-1.

    Examples
    --------
    Snyder & Shen, Example 3.1 (K = 8, h = 0.225, λ = 1,300 per year):

    >>> round(economic_order_quantity(1300, 8, 0.225), 2)
    304.05
    """
    arrays, index, scalar = _prepare(
        demand_per_year=demand_per_year,
        order_cost=order_cost,
        holding_cost_per_unit_year=holding_cost_per_unit_year,
    )
    _check_nonnegative(arrays, "demand_per_year", "order_cost")
    h = arrays["holding_cost_per_unit_year"]
    if (h <= 0).any():
        raise ValueError(
            f"holding_cost_per_unit_year must be > 0; got {h[h <= 0][:3].tolist()}. "
            "With no holding cost the EOQ is unbounded."
        )
    q = np.sqrt(2.0 * arrays["order_cost"] * arrays["demand_per_year"] / h)
    return _finish(q, index, scalar, "order_quantity_units")


def round_order_quantity(
    q: ArrayLike,
    moq: ArrayLike | None = None,
    pack: ArrayLike | None = None,
    rounding: Literal["up", "nearest", "down"] = "up",
) -> Any:
    """Round order quantities to pack multiples and lift them to the minimum order quantity.

    Parameters
    ----------
    q : float, array or Series
        Wanted quantity (units). ``q ≤ 0`` means no order and gives 0.
    moq : float, array or Series, optional
        Minimum order quantity (units), ≥ 0; NaN or None means none.
    pack : float, array or Series, optional
        Pack size / order multiple (units), > 0; NaN or None means 1 unit granularity is not
        imposed (the quantity is only lifted to the MOQ).
    rounding : {"up", "nearest", "down"}, default "up"
        Direction to the pack multiple. ``"up"`` never orders less than wanted (the usual
        choice for service); ``"nearest"`` rounds half up; ``"down"`` never orders more.

    Returns
    -------
    float, ndarray or Series
        0 where ``q ≤ 0``; otherwise a multiple of ``pack`` that is ≥ ``moq``.

    Notes
    -----
    Order of operations: round ``q`` to a pack multiple in the chosen direction (a positive
    wanted quantity is never rounded to 0: at least one pack is ordered), then, if the
    result is below the MOQ, take the smallest pack multiple ≥ MOQ (so the MOQ always
    wins over ``"down"``). When the MOQ itself is not a pack multiple it is rounded *up* to
    one.

    **0 means "no order"** everywhere in the library: ``round_order_quantity(0, moq=10)``
    is 0, and :func:`~stockout_forecast.simulate_policy` reads an ``order_quantity`` of 0 as
    an item that never reorders (status ``no_policy``), not as an error.

    Examples
    --------
    >>> round_order_quantity([0, 3, 13, 26], moq=10, pack=6)
    array([ 0., 12., 18., 30.])
    >>> round_order_quantity([13, 26], pack=6, rounding="nearest")
    array([12., 24.])
    """
    _check_choice(rounding, "rounding", ("up", "nearest", "down"))
    arrays, index, scalar = _prepare(
        q=q,
        moq=np.nan if moq is None else moq,
        pack=np.nan if pack is None else pack,
    )
    qq, mm, pp = arrays["q"], arrays["moq"], arrays["pack"]
    _check_nonnegative(arrays, "moq")
    if (pp <= 0).any():
        raise ValueError(f"pack must be > 0 units; got {pp[pp <= 0][:3].tolist()}.")
    has_pack = ~np.isnan(pp)
    unit = np.where(has_pack, pp, 1.0)
    ratio = qq / unit
    eps = 1e-9
    if rounding == "up":
        n = np.ceil(ratio - eps)
    elif rounding == "down":
        n = np.floor(ratio + eps)
    else:
        n = np.floor(ratio + 0.5)
    n = np.maximum(n, 1.0)
    out = np.where(has_pack, n * unit, qq)
    moq_eff = np.where(np.isnan(mm), 0.0, mm)
    moq_packs = np.where(has_pack, np.ceil(moq_eff / unit - eps) * unit, moq_eff)
    out = np.maximum(out, moq_packs)
    out = np.where(qq > 0, out, 0.0)
    out = np.where(np.isnan(qq), np.nan, out)
    return _finish(out, index, scalar, "order_units")


# --------------------------------------------------------------------------- order-by date
def order_by_date(
    p_stockout: np.ndarray,
    dates: pd.DatetimeIndex | Sequence[Any],
    lead_time_days: ArrayLike,
    *,
    max_stockout_probability: float = 0.05,
    receipt: Literal["start_of_day", "end_of_day"] = "start_of_day",
    item_ids: Sequence[Any] | np.ndarray | None = None,
) -> Any:
    """Latest day to order so that the goods arrive before the forecast stockout.

    Parameters
    ----------
    p_stockout : ndarray, shape (n_items, horizon) or (horizon,)
        ``P(stockout by the end of day t)`` without the new order, non-decreasing in ``t``
        (e.g. ``StockoutForecast.p_stockout``).
    dates : DatetimeIndex or sequence of dates, length horizon
        The days of ``p_stockout``'s columns (consecutive days).
    lead_time_days : float, array of shape (n_items,) or Series
        Lead time to plan with, days. Pass a high quantile (e.g. ``lead_time_p90_days``
        from :func:`~stockout_forecast.history.leadtime.lead_time_history`) to protect against late
        deliveries too; fractions are rounded *up* to whole days.
    max_stockout_probability : float, default 0.05
        Accepted risk ``1 - target`` of running out before the order arrives, in (0, 1).
    receipt : {"start_of_day", "end_of_day"}, default "start_of_day"
        When goods received on a day can first be sold: ``"start_of_day"`` — they serve
        that day's demand, so arriving on day ``t`` is in time if ``P(stockout by end of
        day t - 1) ≤ risk``; ``"end_of_day"`` — they serve the next day, so day ``t``
        needs ``P(stockout by end of day t) ≤ risk``.
    item_ids : sequence, optional
        Labels for the result; with them a Series indexed by ``item_id`` is returned.

    Returns
    -------
    ndarray of datetime64[ns] or Series
        Latest order date per item: the latest arrival day that keeps the stockout risk
        within ``max_stockout_probability``, minus the lead time. ``NaT`` when the risk
        stays within the limit over the whole horizon (no order needed within it); a date
        before ``dates[0]`` (today) means the order is already late.

    Notes
    -----
    With ``receipt="start_of_day"`` the latest arrival day is the first day ``t`` whose
    ``P(stockout by end of t)`` exceeds the risk (arriving that morning still serves day
    ``t``); with ``"end_of_day"`` it is the day before. Order date = arrival − ⌈lead time⌉.

    Examples
    --------
    >>> days = pd.date_range("2024-03-01", periods=5)
    >>> p = np.array([[0.0, 0.01, 0.04, 0.20, 0.60],
    ...               [0.0, 0.00, 0.00, 0.01, 0.02]])
    >>> order_by_date(p, days, [2, 2], item_ids=["A", "B"]).dt.strftime("%Y-%m-%d").tolist()
    ['2024-03-02', nan]
    """
    check_fraction(max_stockout_probability, "max_stockout_probability")
    _check_choice(receipt, "receipt", ("start_of_day", "end_of_day"))
    p = np.asarray(p_stockout, dtype=float)
    if p.ndim == 1:
        p = p[None, :]
    if p.ndim != 2:
        raise ValueError(f"p_stockout must have shape (n_items, horizon); got {p.shape}.")
    n, h = p.shape
    days = pd.DatetimeIndex(
        pd.to_datetime(list(dates) if not isinstance(dates, pd.DatetimeIndex) else dates)
    )
    if len(days) != h:
        raise ValueError(f"dates has {len(days)} days but p_stockout has {h} columns.")
    lt = np.asarray(
        lead_time_days.to_numpy(dtype=float)
        if isinstance(lead_time_days, pd.Series)
        else lead_time_days,
        dtype=float,
    )
    lt = np.broadcast_to(lt, (n,))
    if (lt < 0).any():
        raise ValueError(f"lead_time_days must not be negative; got {lt[lt < 0][:3].tolist()}.")
    over = p > max_stockout_probability
    any_over = over.any(axis=1)
    first = np.argmax(over, axis=1)  # first day whose risk is too high
    arrival = first if receipt == "start_of_day" else first - 1
    base = days[0].to_datetime64()
    arrival_dates = base + arrival.astype("timedelta64[D]")
    lt_days = np.ceil(np.where(np.isnan(lt), 0.0, lt) - 1e-9).astype("int64")
    out = (arrival_dates - lt_days.astype("timedelta64[D]")).astype("datetime64[ns]")
    out = np.where(any_over & ~np.isnan(lt), out, np.datetime64("NaT", "ns"))
    if item_ids is not None:
        ids = list(item_ids)
        if len(ids) != n:
            raise ValueError(f"item_ids has {len(ids)} labels for {n} items.")
        return pd.Series(out, index=pd.Index(ids, name="item_id"), name="order_by_date")
    return out


# --------------------------------------------------------------------------- special orders
def special_order_threshold(
    units: np.ndarray | pd.DataFrame,
    *,
    quantile: float = 0.9,
    factor: float = 4.0,
    min_demands: int = 4,
) -> Any:
    """Size above which one period's demand of an item counts as a special (one-off) order.

    The rule: a period's demand is a *special order* when it exceeds ``factor`` times the
    ``quantile`` of the item's own non-zero period demands in the history. Such orders are
    meant to be sourced on demand (the customer is quoted the supplier's lead time), not
    stocked for: they are excluded from the distribution the reorder point is set from and
    reported separately, so that a few one-off orders of hundreds of units on an item that
    sells a few a month do not drive its stock.

    Parameters
    ----------
    units : ndarray (n_items, n_periods) or DataFrame (items x periods)
        Historical demand per period, units; NaN (not yet listed) is ignored.
    quantile : float, default 0.9
        Quantile of the item's non-zero period demands, a fraction in (0, 1).
    factor : float, default 4.0
        Multiple of that quantile above which a period is a special order, ≥ 1.
    min_demands : int, default 4
        Fewest non-zero periods needed to judge; items with fewer get an infinite
        threshold (nothing flagged: too little history to call anything unusual).

    Returns
    -------
    ndarray (n_items,) or Series indexed like ``units``' rows
        Threshold in units per period (``inf`` where not judged).

    Notes
    -----
    The threshold is fixed ex ante from the history before the planning date and applied
    unchanged to later demand (:func:`flag_special_orders`). It uses the item's own size
    distribution, so a large but regular customer is not flagged; the quantile (not the
    maximum) keeps one earlier one-off from raising the bar for the next.

    Examples
    --------
    Item 1's non-zero months without its largest (250) are 1, 1, 1, 2, 2, 3: the 90 %
    quantile is 2.5 and the threshold 4 x 2.5 = 10. Item 2 sold only once: not judged.

    >>> hist = np.array([[1, 0, 2, 1, 0, 3, 1, 250, 2, 0],
    ...                  [0, 0, 40, 0, 0, 0, 0, 0, 0, 0]], dtype=float)
    >>> special_order_threshold(hist)
    array([10., inf])
    """
    check_fraction(quantile, "quantile")
    if not (factor >= 1):
        raise ValueError(f"factor must be >= 1; got {factor!r}.")
    index = units.index if isinstance(units, pd.DataFrame) else None
    x = np.asarray(
        units.to_numpy(dtype=float) if isinstance(units, pd.DataFrame) else units, dtype=float
    )
    if x.ndim != 2:
        raise ValueError(f"units must have shape (n_items, n_periods); got {x.shape}.")
    sizes = np.where(x > 0, x, np.nan)
    n_pos = (x > 0).sum(axis=1)
    thr = np.full(x.shape[0], np.inf)
    enough = n_pos >= int(min_demands)
    if enough.any():
        # the quantile is taken over the non-zero periods, *without* the largest one, so a
        # single huge order cannot set its own bar
        s = np.sort(sizes[enough], axis=1)  # NaN last
        cnt = n_pos[enough]
        s[np.arange(s.shape[0]), cnt - 1] = np.nan
        thr[enough] = factor * np.nanquantile(s, quantile, axis=1)
    if index is not None:
        return pd.Series(thr, index=index, name="special_order_threshold_units")
    return thr


def flag_special_orders(units: np.ndarray | pd.DataFrame, threshold: ArrayLike) -> Any:
    """Mark periods whose demand exceeds the item's special-order threshold.

    Parameters
    ----------
    units : ndarray (n_items, n_periods) or DataFrame (items x periods)
        Demand per period (units).
    threshold : array (n_items,) or Series
        From :func:`special_order_threshold` (``inf`` = never flagged).

    Returns
    -------
    ndarray of bool or DataFrame of bool, same shape as ``units``
        True where the period's demand is a special order.

    Examples
    --------
    >>> flag_special_orders(np.array([[3.0, 9.0, 300.0]]), [8.4])
    array([[False,  True,  True]])
    """
    thr = np.asarray(
        threshold.to_numpy(dtype=float) if isinstance(threshold, pd.Series) else threshold,
        dtype=float,
    )
    if isinstance(units, pd.DataFrame):
        x = units.to_numpy(dtype=float)
        return pd.DataFrame(x > thr[:, None], index=units.index, columns=units.columns)
    x = np.asarray(units, dtype=float)
    if thr.shape != (x.shape[0],):
        raise ValueError(f"threshold has shape {thr.shape}; expected ({x.shape[0]},).")
    with np.errstate(invalid="ignore"):
        return np.asarray(x > thr[:, None])

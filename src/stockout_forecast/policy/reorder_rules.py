"""Rules planners use in ERP systems, and a stock projection that runs past a receipt.

* :func:`order_up_to_cover` — the order-up-to level "cover N days": the forecast demand over
  the lead time plus ``N`` days, plus safety stock.
* :func:`reorder_level_quantity` — what an ERP reorder-level rule orders when the inventory
  position has reached the reorder level: the larger of the lot size and the shortfall
  (``max(Q, s - IP)``), or up to a maximum (``S - IP``, "Min/Max").
* :func:`stockout_episodes` — project stock period by period through demand and scheduled
  receipts and list **every** stockout, not only the first: when a receipt is too small or
  too late, stock runs out again after it.

All three are deterministic: feed them a point forecast (or one simulated path).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

import numpy as np
import pandas as pd

from ._args import _finish, _prepare
from .quantities import round_order_quantity

__all__ = ["order_up_to_cover", "reorder_level_quantity", "stockout_episodes"]


def order_up_to_cover(
    demand_per_day: Any,
    cover_days: Any,
    *,
    lead_time_days: Any = 0.0,
    safety_stock_units: Any = 0.0,
) -> Any:
    """Order-up-to level that covers the lead time plus ``cover_days`` of forecast demand.

    Parameters
    ----------
    demand_per_day : float, array (n_items,), Series, or 2-D array (n_items, n_days)
        Forecast demand: a constant rate per day, or a daily forecast starting today (the
        day the order is placed); the 2-D form follows trends and seasons.
    cover_days : float, array or Series
        ``N``: days of demand the order must cover after it arrives, ≥ 0.
    lead_time_days : float, array or Series, default 0
        ``L``: days until the order arrives, ≥ 0.
    safety_stock_units : float, array or Series, default 0
        Added to the level (units).

    Returns
    -------
    float, ndarray or Series
        ``S = D(0, L + N) + ss`` (units of inventory position): order ``max(S - IP, 0)``.

    Notes
    -----
    This is the order-up-to level of a periodic review (R, S) policy with ``R = N`` days:
    the order placed now must last until the next one arrives, ``N + L`` days away. With a
    daily forecast the demand of fractional days is prorated; a forecast shorter than
    ``L + N`` days is an error.

    References
    ----------
    .. [CM] Chopra & Meindl (2016), 6th ed., sec. 12.6: OUL = D_{T+L} + ss.
    .. [SPT] Silver, Pyke & Thomas (2017), 4th ed., sec. 6.9.

    Examples
    --------
    Chopra & Meindl's periodic review (2,500 per week, T = 4 weeks, L = 2 weeks, ss = 1,570):

    >>> order_up_to_cover(2500 / 7, 28, lead_time_days=14, safety_stock_units=1570)
    16570.0
    >>> order_up_to_cover(np.array([[1.0, 2, 3, 4, 5]]), 2, lead_time_days=1.5)
    array([8.])
    """
    rate = np.asarray(
        demand_per_day.to_numpy() if isinstance(demand_per_day, pd.Series) else demand_per_day,
        dtype=float,
    )
    if rate.ndim == 2:
        n, h = rate.shape
        arrays, _, _ = _prepare(n=cover_days, lt=lead_time_days, ss=safety_stock_units)
        total = np.broadcast_to(arrays["n"] + arrays["lt"], (n,))
        if (total < 0).any() or (np.broadcast_to(arrays["ss"], (n,)) < 0).any():
            raise ValueError("cover_days, lead_time_days and safety_stock_units must be >= 0.")
        if total.max(initial=0.0) > h + 1e-9:
            raise ValueError(
                f"The forecast covers {h} days but lead time + cover reaches "
                f"{total.max():g}; forecast at least {int(np.ceil(total.max()))} days."
            )
        cum = np.concatenate([np.zeros((n, 1)), np.cumsum(rate, axis=1)], axis=1)
        lo = np.floor(total).astype(int)
        hi = np.minimum(lo + 1, h)
        rows = np.arange(n)
        demand = cum[rows, lo] + (total - lo) * (cum[rows, hi] - cum[rows, lo])
        return demand + np.broadcast_to(arrays["ss"], (n,))
    arrays, index, scalar = _prepare(
        d=demand_per_day, n=cover_days, lt=lead_time_days, ss=safety_stock_units
    )
    for name in arrays:
        if (arrays[name] < 0).any():
            raise ValueError(f"{name} must be >= 0 (demand per day, days and units).")
    out = arrays["d"] * (arrays["lt"] + arrays["n"]) + arrays["ss"]
    return _finish(out, index, scalar, "order_up_to_units")


def reorder_level_quantity(
    inventory_position: Any,
    reorder_point: Any,
    *,
    lot_size: Any = None,
    order_up_to: Any = None,
    trigger: Literal["<=", "<"] = "<=",
    moq_units: Any = None,
    pack_units: Any = None,
) -> Any:
    """Units an ERP reorder-level rule orders at a review.

    Parameters
    ----------
    inventory_position : float, array or Series
        ``IP`` = on hand + on order - backorders (units), projected to the review.
    reorder_point : float, array or Series
        ``s``: the reorder level (units).
    lot_size : float, array or Series, optional
        ``Q`` (units): order ``max(Q, s - IP)`` — at least one lot, and at least enough to
        bring the position back to the reorder level ("fixed reorder quantity").
    order_up_to : float, array or Series, optional
        ``S`` (units): order ``S - IP`` ("maximum quantity", Min/Max). Give exactly one of
        ``lot_size`` and ``order_up_to``.
    trigger : {"<=", "<"}, default "<="
        Order when ``IP ≤ s`` (the level is "reached or crossed") or only when ``IP < s``.
    moq_units, pack_units : float, array or Series, optional
        Order modifiers, applied after the rule (rounded up to the pack, then to the MOQ).

    Returns
    -------
    float, ndarray or Series
        Units to order (0 where the rule does not trigger).

    References
    ----------
    .. [BC] Microsoft Dynamics 365 Business Central / NAV, "Design Details: Handling
       Reordering Policies" (Fixed Reorder Qty. and Maximum Qty.; the over-flow scenario:
       maximum 100, reorder point 50, projected inventory 10 → a purchase of 90).
    .. [SPT] Silver, Pyke & Thomas (2017), 4th ed., sec. 6.4 (the (s, S) and (s, nQ) rules).

    Examples
    --------
    Business Central's Maximum Qty. scenario, and the lot rule with Q = 40:

    >>> reorder_level_quantity(10, 50, order_up_to=100)
    90.0
    >>> reorder_level_quantity([60, 30, -5], 50, lot_size=40)
    array([ 0., 40., 55.])
    """
    if (lot_size is None) == (order_up_to is None):
        raise ValueError("Give exactly one of lot_size (max(Q, s - IP)) or order_up_to (S - IP).")
    if trigger not in ("<=", "<"):
        raise ValueError(f"trigger must be '<=' or '<'; got {trigger!r}.")
    target = lot_size if lot_size is not None else order_up_to
    arrays, index, scalar = _prepare(ip=inventory_position, s=reorder_point, t=target)
    ip, s, t = arrays["ip"], arrays["s"], arrays["t"]
    if lot_size is not None:
        if (t <= 0).any():
            raise ValueError("lot_size must be > 0 units.")
        qty = np.maximum(t, s - ip)
    else:
        if (t < s).any():
            raise ValueError(
                "order_up_to must be >= reorder_point (the maximum above the minimum)."
            )
        qty = t - ip
    fire = ip <= s if trigger == "<=" else ip < s
    qty = np.where(fire, np.maximum(qty, 0.0), 0.0)
    if moq_units is not None or pack_units is not None:
        qty = np.asarray(round_order_quantity(qty, moq=moq_units, pack=pack_units), dtype=float)
    return _finish(qty, index, scalar, "order_units")


def _receipt_matrix(receipts: Any, shape: tuple[int, int]) -> np.ndarray:
    if receipts is None:
        return np.zeros(shape)
    rec = np.asarray(receipts.to_numpy() if isinstance(receipts, pd.DataFrame) else receipts,
                     dtype=float)  # fmt: skip
    if rec.ndim == 1:
        rec = rec[None, :]
    if rec.shape != shape:
        raise ValueError(f"receipts has shape {rec.shape}; expected {shape} like demand.")
    if np.isnan(rec).any() or (rec < 0).any():
        raise ValueError("receipts must be non-negative units (0 where nothing arrives).")
    return rec


def stockout_episodes(
    demand: np.ndarray | pd.DataFrame | Sequence[float],
    on_hand_units: Any,
    receipts: np.ndarray | pd.DataFrame | None = None,
    *,
    backorders: bool = True,
    item_ids: Sequence[Any] | None = None,
    periods: Sequence[Any] | pd.Index | None = None,
) -> pd.DataFrame:
    """Every stockout in a projection of stock through demand and scheduled receipts.

    Parameters
    ----------
    demand : ndarray (n_items, n_periods), DataFrame (items x periods) or sequence
        Demand per period (units), e.g. the mean forecast.
    on_hand_units : float, array (n_items,) or Series
        Stock available at the start (units; after backorders and allocations).
    receipts : ndarray or DataFrame, same shape as ``demand``, optional
        Units arriving at the start of each period (open purchase orders).
    backorders : bool, default True
        True: unmet demand waits and is served first from the next receipts, so a receipt
        smaller than the backlog does not end the stockout. False: it is lost.
    item_ids : sequence, optional
        Labels for a bare array (default the DataFrame index or 0..n-1).
    periods : sequence or Index, optional
        Labels of the periods (default the DataFrame columns or 0..T-1).

    Returns
    -------
    pandas.DataFrame
        One row per stockout episode: ``item_id``, ``episode`` (1, 2, ...), ``start`` (first
        period with demand not met from stock), ``end`` (last such period of the run),
        ``periods_short``, ``units_short`` (demand not met from stock in the episode) and
        ``recovered`` (True when stock serves demand again before the horizon ends). An item
        that never runs out has one row with ``episode = 0``, empty dates and 0 units, so
        every item is in the result.

    Notes
    -----
    Period ``t``: receipts arrive (clearing the backlog first), then demand is served from
    stock; a period is *short* when some of its demand (or backlog) is not met. An episode
    is a run of consecutive short periods; the next one starts after at least one period
    in which every unit demanded, and every backordered unit, was served.

    Examples
    --------
    Stock 5 and demand 3 a period; 4 arrive in period 2 and 10 in period 5. Period 1 is
    1 unit short; the 4 clear that backlog and serve period 2; periods 3-4 run out again
    (6 short) until the 10 arrive; period 6 runs out a third time:

    >>> stockout_episodes([[3, 3, 3, 3, 3, 3, 3]], 5, [[0, 0, 4, 0, 0, 10, 0]])
      item_id  episode  start  end  periods_short  units_short  recovered
    0       0        1      1    1              1          1.0       True
    1       0        2      3    4              2          6.0       True
    2       0        3      6    6              1          2.0      False
    """
    if isinstance(demand, pd.DataFrame):
        d = demand.to_numpy(dtype=float)
        ids = list(demand.index) if item_ids is None else list(item_ids)
        labels = list(demand.columns) if periods is None else list(periods)
    else:
        d = np.asarray(demand, dtype=float)
        if d.ndim == 1:
            d = d[None, :]
        ids = list(range(d.shape[0])) if item_ids is None else list(item_ids)
        labels = list(range(d.shape[1])) if periods is None else list(periods)
    if d.ndim != 2 or np.isnan(d).any() or (d < 0).any():
        raise ValueError("demand must be a 2-D array of non-negative units (items x periods).")
    n, h = d.shape
    if len(ids) != n or len(labels) != h:
        raise ValueError(f"{len(ids)} item_ids and {len(labels)} periods for demand {d.shape}.")
    rec = _receipt_matrix(receipts, (n, h))
    stock = np.broadcast_to(
        np.asarray(on_hand_units.to_numpy() if isinstance(on_hand_units, pd.Series)
                   else on_hand_units, dtype=float), (n,)).copy()  # fmt: skip
    if np.isnan(stock).any() or (stock < 0).any():
        raise ValueError("on_hand_units must be non-negative numbers for every item.")
    backlog = np.zeros(n)
    short = np.zeros((n, h))  # units of each period's demand not met from stock
    is_short = np.zeros((n, h), dtype=bool)
    for t in range(h):
        stock += rec[:, t]
        if backorders:
            cleared = np.minimum(stock, backlog)
            stock -= cleared
            backlog -= cleared
        served = np.minimum(stock, d[:, t])
        stock -= served
        short[:, t] = d[:, t] - served
        if backorders:
            backlog += short[:, t]
            is_short[:, t] = backlog > 1e-9
        else:
            is_short[:, t] = short[:, t] > 1e-9
    return _episodes_frame(ids, labels, is_short, short)


def _episodes_frame(
    ids: list[Any], labels: list[Any], is_short: np.ndarray, short: np.ndarray
) -> pd.DataFrame:
    rows: list[dict[str, Any]] = []
    h = is_short.shape[1]
    for i, item in enumerate(ids):
        flags = is_short[i]
        k = 0
        t = 0
        while t < h:
            if not flags[t]:
                t += 1
                continue
            start = t
            while t < h and flags[t]:
                t += 1
            k += 1
            rows.append({
                "item_id": item, "episode": k, "start": labels[start], "end": labels[t - 1],
                "periods_short": t - start, "units_short": float(short[i, start:t].sum()),
                "recovered": t < h,
            })  # fmt: skip
        if k == 0:
            rows.append({"item_id": item, "episode": 0, "start": None, "end": None,
                         "periods_short": 0, "units_short": 0.0, "recovered": True})  # fmt: skip
    return pd.DataFrame(rows, columns=["item_id", "episode", "start", "end", "periods_short",
                                       "units_short", "recovered"])  # fmt: skip

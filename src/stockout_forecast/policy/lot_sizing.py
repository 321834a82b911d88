"""Time-phased lot sizing for a time-varying forecast: Wagner-Whitin and Silver-Meal.

For an item whose demand changes from period to period (seasonal, trending, a known project)
a fixed order quantity is wasteful: these functions choose *which periods* to order in and
how much, trading the fixed cost of an order against holding the stock until it is used.

Both take the demand per period (a point forecast), a fixed cost per order and a holding
cost per unit per period (either may vary by period), optionally stock already on hand,
a minimum order quantity and a pack size, and return the plan period by period.

Conventions
-----------
* An order placed for period ``t`` is available at the start of period ``t`` (plan the
  order date one lead time earlier); demand is met in full, never backordered.
* Holding cost is charged on the stock left at the *end* of each period (so a unit bought
  in period ``i`` for period ``t`` costs ``h_i + ... + h_{t-1}``), as in Wagner & Whitin and
  in Snyder & Shen's Example 3.9.
* Orders are placed only in a period whose demand the stock on hand cannot cover (the
  "zero-inventory ordering" property, optimal without order modifiers). With a MOQ or pack
  size each lot is rounded *up* (pack multiple, then MOQ, as
  :func:`~stockout_forecast.policy.quantities.round_order_quantity`); the surplus carries
  forward and is netted from later periods, and Wagner-Whitin is then solved exactly over
  those plans by dynamic programming on the stock carried into each period.

References
----------
.. [WW] Wagner, H. M., Whitin, T. M. (1958). Dynamic version of the economic lot size model.
   *Management Science* 5(1), 89-96.
.. [SM] Silver, E. A., Meal, H. C. (1973). A heuristic for selecting lot size quantities for
   the case of a deterministic time-varying demand rate and discrete opportunities for
   replenishment. *Production and Inventory Management* 14(2), 64-74.
.. [SPT] Silver, Pyke & Thomas (2017), 4th ed., ch. 5 (lot sizing with time-varying demand).
.. [SS] Snyder & Shen (2019), 2nd ed., sec. 3.7 (Wagner-Whitin), Example 3.9.
.. [N] Nahmias & Olsen (2015), 7th ed., sec. 7.2 (lot-sizing schemes in MRP).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["silver_meal", "time_phased_orders", "wagner_whitin"]

_EPS = 1e-9


def _per_period(value: Any, n: int, name: str) -> np.ndarray:
    arr = np.asarray(value.to_numpy() if isinstance(value, pd.Series) else value, dtype=float)
    if arr.ndim == 0:
        arr = np.full(n, float(arr))
    if arr.shape != (n,):
        raise ValueError(f"{name} has {arr.shape[0]} values for {n} periods; give one or {n}.")
    if np.isnan(arr).any() or (arr < 0).any():
        raise ValueError(f"{name} must be non-negative numbers without NaN.")
    return arr


def _round_lot(need: float, moq: float, pack: float) -> float:
    """Round a positive need up to a pack multiple, then up to the (pack-rounded) MOQ."""
    if need <= _EPS:
        return 0.0
    q = np.ceil(need / pack - _EPS) * pack if pack > 0 else need
    if moq > 0:
        floor = np.ceil(moq / pack - _EPS) * pack if pack > 0 else moq
        q = max(q, floor)
    return float(q)


def _inputs(
    demand: Any,
    order_cost: Any,
    holding_cost_per_unit_period: Any,
    initial_on_hand_units: float,
    moq_units: float | None,
    pack_units: float | None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, pd.Index, float, float, float]:
    index = demand.index if isinstance(demand, pd.Series) else None
    d = np.asarray(demand.to_numpy() if isinstance(demand, pd.Series) else demand, dtype=float)
    if d.ndim != 1:
        raise ValueError(f"demand must be one series of per-period units; got shape {d.shape}.")
    if np.isnan(d).any() or (d < 0).any():
        raise ValueError(
            "demand must be non-negative units per period without NaN (fill gaps with the "
            "forecast, clip returns at 0)."
        )
    n = len(d)
    k = _per_period(order_cost, n, "order_cost")
    h = _per_period(holding_cost_per_unit_period, n, "holding_cost_per_unit_period")
    moq = 0.0 if moq_units is None or np.isnan(moq_units) else float(moq_units)
    pack = 0.0 if pack_units is None or np.isnan(pack_units) else float(pack_units)
    if moq < 0 or pack < 0 or initial_on_hand_units < 0:
        raise ValueError("moq_units, pack_units and initial_on_hand_units must be >= 0.")
    periods = pd.Index(index) if index is not None else pd.RangeIndex(n, name="period")
    return d, k, h, periods, float(initial_on_hand_units), moq, pack


def _plan_frame(
    d: np.ndarray, orders: np.ndarray, k: np.ndarray, h: np.ndarray, start: float, periods: pd.Index
) -> pd.DataFrame:
    stock = start + np.cumsum(orders - d)
    if (stock < -1e-6).any():  # pragma: no cover - guarded by construction
        raise AssertionError("lot plan leaves demand unmet")
    stock = np.maximum(stock, 0.0)
    return pd.DataFrame(
        {
            "period": periods,
            "demand_units": d,
            "order_units": orders,
            "on_hand_end_units": stock,
            "ordering_cost": np.where(orders > _EPS, k, 0.0),
            "holding_cost": h * stock,
        }
    )


def _cover(d: np.ndarray, t: int, stock: float) -> int:
    """First period from t whose demand the stock cannot meet (len(d) when none)."""
    cum = np.cumsum(d[t:])
    short = np.nonzero(cum > stock + _EPS)[0]
    return t + int(short[0]) if len(short) else len(d)


def wagner_whitin(
    demand: Sequence[float] | np.ndarray | pd.Series,
    *,
    order_cost: float | Sequence[float] | np.ndarray,
    holding_cost_per_unit_period: float | Sequence[float] | np.ndarray,
    initial_on_hand_units: float = 0.0,
    moq_units: float | None = None,
    pack_units: float | None = None,
) -> pd.DataFrame:
    """Least-cost order plan for a time-varying demand (Wagner-Whitin dynamic programme).

    Parameters
    ----------
    demand : sequence, ndarray or Series
        Demand per period (units), ≥ 0; a Series keeps its index as the ``period`` labels.
    order_cost : float or sequence
        Fixed cost per order (currency), one value or one per period.
    holding_cost_per_unit_period : float or sequence
        Cost of one unit left at the end of a period (currency / unit / period).
    initial_on_hand_units : float, default 0
        Stock at the start of the first period.
    moq_units, pack_units : float, optional
        Minimum order quantity and order multiple (units); see the module conventions.

    Returns
    -------
    pandas.DataFrame
        One row per period: ``period``, ``demand_units``, ``order_units`` (to be available at
        the start of the period), ``on_hand_end_units``, ``ordering_cost`` and
        ``holding_cost`` (currency in that period). The plan's cost is the sum of the last
        two columns.

    Notes
    -----
    Without order modifiers: ``f(j) = min_{i ≤ j} f(i - 1) + K_i + Σ_{t=i}^{j} H_{i,t} d_t``
    with ``H_{i,t} = h_i + ... + h_{t-1}``, ``O(T²)``. With a MOQ or pack size the state is
    the stock carried into a period; every rounding of a lot that covers periods ``t..j`` is
    a transition, and the cheapest path is kept per (period, stock) state.

    References
    ----------
    .. [WW] Wagner & Whitin (1958), *Management Science* 5(1), 89-96.
    .. [SS] Snyder & Shen (2019), 2nd ed., sec. 3.7, Example 3.9.

    Examples
    --------
    Snyder & Shen, Example 3.9: demand 90, 120, 80, 70; K = 500; h = 2 → order 210 in
    period 1 and 150 in period 3, total cost 1,380.

    >>> plan = wagner_whitin([90, 120, 80, 70], order_cost=500, holding_cost_per_unit_period=2)
    >>> plan["order_units"].tolist()
    [210.0, 0.0, 150.0, 0.0]
    >>> float(plan[["ordering_cost", "holding_cost"]].to_numpy().sum())
    1380.0
    """
    d, k, h, periods, start, moq, pack = _inputs(
        demand, order_cost, holding_cost_per_unit_period, initial_on_hand_units, moq_units,
        pack_units,
    )  # fmt: skip
    n = len(d)
    # states[t]: stock carried into period t -> (cost so far, previous state, order placed)
    states: list[dict[float, tuple[float, Any, float]]] = [dict() for _ in range(n + 1)]
    states[0][start] = (0.0, None, 0.0)
    for t in range(n):
        for e, (cost, _, _) in sorted(states[t].items()):
            if e + _EPS >= d[t]:  # stock covers period t: carry on without ordering
                nxt = round(e - d[t], 9)
                _relax(states[t + 1], nxt, cost + h[t] * nxt, (t, e), 0.0)
                continue
            acc, last_q = 0.0, -1.0
            for j in range(t, n):
                acc += d[j]
                q = _round_lot(acc - e, moq, pack)
                if q == last_q:
                    continue  # same lot as the shorter span: reached by carrying on from there
                last_q = q
                stock, c = e, cost + k[t]
                for u in range(t, j + 1):
                    stock = stock + (q if u == t else 0.0) - d[u]
                    c += h[u] * stock
                _relax(states[j + 1], round(stock, 9), c, (t, e), q)
    end = min(states[n], key=lambda s: states[n][s][0])
    orders = np.zeros(n)
    state: Any = (n, end)
    while state is not None:
        t, e = state
        _, prev, q = states[t][e]
        if prev is not None and q > 0:
            orders[prev[0]] = q
        state = prev
    return _plan_frame(d, orders, k, h, start, periods)


def _relax(
    bucket: dict[float, tuple[float, Any, float]], key: float, cost: float, prev: Any, q: float
) -> None:
    if key not in bucket or cost < bucket[key][0] - 1e-12:
        bucket[key] = (cost, prev, q)


def silver_meal(
    demand: Sequence[float] | np.ndarray | pd.Series,
    *,
    order_cost: float | Sequence[float] | np.ndarray,
    holding_cost_per_unit_period: float | Sequence[float] | np.ndarray,
    initial_on_hand_units: float = 0.0,
    moq_units: float | None = None,
    pack_units: float | None = None,
) -> pd.DataFrame:
    """Order plan by the Silver-Meal heuristic (least cost per period covered).

    Parameters
    ----------
    demand, order_cost, holding_cost_per_unit_period, initial_on_hand_units, moq_units, pack_units
        As in :func:`wagner_whitin`.

    Returns
    -------
    pandas.DataFrame
        The plan, in the columns of :func:`wagner_whitin`.

    Notes
    -----
    From the first period ``t`` the stock cannot cover, the lot is extended to cover
    ``t..t+T-1`` for growing ``T`` while the cost per period covered,
    ``(K_t + Σ_{u<T} H_{t,t+u} d_{t+u}) / T``, keeps decreasing; the first increase stops
    it. The lot (net of stock on hand) is then rounded up to the pack size and MOQ, and the
    next lot starts at the first period the stock no longer covers.

    References
    ----------
    .. [SM] Silver & Meal (1973), *Production and Inventory Management* 14(2), 64-74.
    .. [N] Nahmias & Olsen (2015), 7th ed., sec. 7.2 (the computer-casings example).

    Examples
    --------
    Nahmias, sec. 7.2: demand 18, 30, 42, 5, 20; K = 80; h = 2 → lots of 48, 47 and 20.

    >>> plan = silver_meal([18, 30, 42, 5, 20], order_cost=80, holding_cost_per_unit_period=2)
    >>> plan["order_units"].tolist()
    [48.0, 0.0, 47.0, 0.0, 20.0]
    """
    d, k, h, periods, start, moq, pack = _inputs(
        demand, order_cost, holding_cost_per_unit_period, initial_on_hand_units, moq_units,
        pack_units,
    )  # fmt: skip
    n = len(d)
    orders = np.zeros(n)
    t = _cover(d, 0, start)
    stock = start - float(d[:t].sum())  # stock carried into period t
    while t < n:
        best, span, carry, hold = np.inf, 1, 0.0, 0.0
        for j in range(t, n):
            if j > t:
                carry += h[j - 1]  # cost of holding one unit from t through j - 1
                hold += carry * d[j]
            avg = (k[t] + hold) / (j - t + 1)
            if avg > best + 1e-12:
                break
            best, span = avg, j - t + 1
        need = float(d[t : t + span].sum()) - stock
        q = _round_lot(need, moq, pack)
        orders[t] = q
        stock = stock + q - float(d[t : t + span].sum())
        nxt = _cover(d, t + span, stock)
        stock -= float(d[t + span : nxt].sum())
        t = nxt
    return _plan_frame(d, orders, k, h, start, periods)


def _per_item(value: Any, ids: pd.Index, name: str, default: float) -> np.ndarray:
    if value is None:
        return np.full(len(ids), default)
    if isinstance(value, pd.Series):
        s = value.copy()
        s.index = s.index.astype(str)
        return s.reindex(ids).fillna(default).to_numpy(dtype=float)
    arr = np.broadcast_to(np.asarray(value, dtype=float), (len(ids),))
    return np.where(np.isnan(arr), default, arr)


def time_phased_orders(
    demand: pd.DataFrame,
    *,
    order_cost: Any,
    holding_cost_per_unit_period: Any,
    initial_on_hand_units: Any = 0.0,
    moq_units: Any = None,
    pack_units: Any = None,
    method: str = "wagner_whitin",
) -> pd.DataFrame:
    """Time-phased lots for many items over a forecast horizon, as one long frame.

    Parameters
    ----------
    demand : DataFrame
        Demand per item (rows, index ``item_id``) and period (columns, e.g. the dates of a
        forecast: ``forecast.to_frame()`` pivoted, or ``DemandForecast.mean`` with its
        dates), units.
    order_cost, holding_cost_per_unit_period : float, array or Series by item_id
        Fixed cost per order and holding cost per unit per period, per item.
    initial_on_hand_units, moq_units, pack_units : float, array or Series by item_id
        Stock at the start (default 0), MOQ and pack size (default none).
    method : {"wagner_whitin", "silver_meal"}, default "wagner_whitin"
        The lot-sizing rule.

    Returns
    -------
    pandas.DataFrame
        One row per item and period: ``item_id``, ``date`` (the column label),
        ``demand_units``, ``order_units`` (to be available at the start of the period),
        ``on_hand_end_units``, ``ordering_cost``, ``holding_cost``. It is the planned stock
        that :func:`~stockout_forecast.peak_capacity` checks against storage space (pass it
        as ``planned_stock``).

    Examples
    --------
    >>> import pandas as pd
    >>> dem = pd.DataFrame([[90, 120, 80, 70]], index=["A"],
    ...                    columns=pd.date_range("2024-01-01", periods=4, freq="MS"))
    >>> plan = time_phased_orders(dem, order_cost=500, holding_cost_per_unit_period=2)
    >>> plan["order_units"].tolist(), plan["on_hand_end_units"].tolist()
    ([210.0, 0.0, 150.0, 0.0], [120.0, 0.0, 70.0, 0.0])
    """
    if method not in ("wagner_whitin", "silver_meal"):
        raise ValueError(f"method must be 'wagner_whitin' or 'silver_meal'; got {method!r}.")
    if not isinstance(demand, pd.DataFrame):
        raise TypeError(
            f"demand must be a DataFrame (items x periods); got {type(demand).__name__}."
        )
    ids = pd.Index(demand.index.astype(str), name="item_id")
    k = _per_item(order_cost, ids, "order_cost", 0.0)
    h = _per_item(holding_cost_per_unit_period, ids, "holding_cost_per_unit_period", np.nan)
    start = _per_item(initial_on_hand_units, ids, "initial_on_hand_units", 0.0)
    moq = _per_item(moq_units, ids, "moq_units", np.nan)
    pack = _per_item(pack_units, ids, "pack_units", np.nan)
    if np.isnan(h).any():
        bad = ids[np.isnan(h)].tolist()[:5]
        raise ValueError(f"holding_cost_per_unit_period is missing for items {bad}.")
    solve = wagner_whitin if method == "wagner_whitin" else silver_meal
    frames = []
    values = demand.to_numpy(dtype=float)
    for i, item in enumerate(ids):
        plan = solve(
            pd.Series(np.nan_to_num(values[i]), index=demand.columns),
            order_cost=k[i],
            holding_cost_per_unit_period=h[i],
            initial_on_hand_units=start[i],
            moq_units=moq[i],
            pack_units=pack[i],
        )
        frames.append(plan.rename(columns={"period": "date"}).assign(item_id=item))
    cols = ["item_id", "date", "demand_units", "order_units", "on_hand_end_units",
            "ordering_cost", "holding_cost"]  # fmt: skip
    if not frames:
        return pd.DataFrame(columns=cols)
    return pd.concat(frames, ignore_index=True)[cols]

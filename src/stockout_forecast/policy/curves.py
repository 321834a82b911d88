"""Service and cost of every candidate reorder point, simulated once: the trade-off curves.

:func:`policy_curves` replays an (s, nQ) policy on each item's demand sample paths for a grid
of reorder points ``s`` (the same engine as
:func:`~stockout_forecast.policy.replay.simulate_policy`) and keeps, per item and candidate,
the fill rate, the average stock on hand, the orders placed and the units short per period.
From that one table every way of choosing ``s`` is a cheap look-up
(:class:`PolicyCurves`):

* :meth:`PolicyCurves.for_fill_rate` — per item, the smallest ``s`` reaching a fill target,
  or (``rounding="item_mean"``) the cheapest mix of the two reorder points around it that
  makes the *average* item fill equal the target (no systematic overshoot from integer
  reorder points);
* :meth:`PolicyCurves.pooled` — a pooled fill target at the least stock value (marginal
  analysis by a Lagrange multiplier);
* :meth:`PolicyCurves.economic` — per item, the ``s`` with the least expected cost per period
  (holding + ordering + shortage) for a given cost model, and the service it implies.

Conventions are those of the replay: review every period, order at the end of a period when
the inventory position is ≤ ``s``, receipts ``⌈L⌉ + 1`` periods later; ``s = -1`` is "hold
nothing" (order only against a backorder). The first ``L + 1`` periods of every path are a
burn-in and not measured (each path starts with ``s + Q`` on hand).

With backorders the candidates go below ``-1``: ``s = -N`` orders when the inventory
position has fallen to ``-N``, i.e. when ``N`` units are backordered (and nothing is on
order). That is a policy of the (r, Q) family like any other — the inventory position
after an order is uniform on ``{s + 1, ..., s + Q}`` whatever the sign of ``s`` ([Z]_
ch. 6), and the cost-optimal reorder point is negative whenever backorders are cheap
against holding a lot ([A]_ ch. 5; :func:`~stockout_forecast.optimal_sq` searches
negative ones too) — and it is the only way a low fill target can be met when the lot
``Q`` alone (MOQ, packs, an EOQ of many periods' demand) already fills more than the
target at ``s = -1``. The deepest candidate is ``1 - Q`` (after rounding ``Q`` to MOQ and
packs): below it the stock on hand is never positive.

References
----------
.. [Z] Zipkin, P. H. (2000). *Foundations of Inventory Management*, McGraw-Hill, ch. 6
   (the (r, q) policy with backorders; ``r`` any integer).
.. [A] Axsäter, S. (2015). *Inventory Control*, 3rd ed., Springer, ch. 5 ((R, Q)
   policies with backorders; fill rate and cost for any reorder point).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from ._replay_kernel import replay_kernel, round_up_orders

__all__ = ["PolicyCurves", "policy_curves"]


@dataclass(frozen=True, repr=False, eq=False)
class PolicyCurves:
    """Simulated service and cost per item for a grid of reorder points (see :func:`policy_curves`).

    Attributes
    ----------
    reorder_point : ndarray, shape (n_items, k)
        Candidate reorder points per item (units), increasing along each row; NaN pads
        rows with fewer candidates. With backorders the lowest is ``1 - Q`` (order when
        ``Q - 1`` units are backordered); without, ``-1`` (hold nothing).
    fill_rate : ndarray, shape (n_items, k)
        Units filled from stock over units demanded, pooled over the item's paths.
    on_hand_units : ndarray, shape (n_items, k)
        Average units on hand at the end of a period.
    orders_per_period : ndarray, shape (n_items, k)
        Average orders placed per period.
    short_units_per_period : ndarray, shape (n_items, k)
        Average units per period not filled from stock when demanded.
    demand_per_period : ndarray, shape (n_items,)
        Average demand per period on the paths (units).
    order_quantity : ndarray, shape (n_items,)
        The Q the curves were simulated with (units).
    path_fill_rate : ndarray, shape (n_items, k), or None
        With ``horizon_periods``: the mean over paths of each path's own fill over the
        measured window (paths without demand left out; 1 where none has demand) — the
        fill an item is expected to *show* over such a window, which is above the pooled
        ``fill_rate`` for slow items (few demands make a short window's fill a coarse,
        high-mean ratio).
    """

    reorder_point: np.ndarray
    fill_rate: np.ndarray
    on_hand_units: np.ndarray
    orders_per_period: np.ndarray
    short_units_per_period: np.ndarray
    demand_per_period: np.ndarray
    order_quantity: np.ndarray
    path_fill_rate: np.ndarray | None = None

    @property
    def n_items(self) -> int:
        """Number of items."""
        return int(self.reorder_point.shape[0])

    def _pick(self, col: np.ndarray) -> np.ndarray:
        rows = np.arange(self.n_items)
        return np.asarray(self.reorder_point[rows, col])

    @property
    def item_fill_rate(self) -> np.ndarray:
        """The fill per item that item targets use: ``path_fill_rate`` when simulated."""
        return self.fill_rate if self.path_fill_rate is None else self.path_fill_rate

    def _first_reaching(self, target: np.ndarray) -> np.ndarray:
        """Column of the smallest candidate whose fill reaches ``target`` (last when none)."""
        ok = (self.item_fill_rate >= target[:, None] - 1e-12) & ~np.isnan(self.reorder_point)
        last = np.sum(~np.isnan(self.reorder_point), axis=1) - 1
        return np.where(ok.any(axis=1), np.argmax(ok, axis=1), last)

    def for_fill_rate(
        self,
        target: float | np.ndarray,
        *,
        rounding: Literal["up", "item_mean"] = "up",
        unit_cost: np.ndarray | float | None = None,
        items: np.ndarray | None = None,
    ) -> np.ndarray:
        """Reorder point per item for a fill-rate target.

        Parameters
        ----------
        target : float or array (n_items,)
            Fill-rate target, fraction in (0, 1).
        rounding : {"up", "item_mean"}, default "up"
            ``"up"``: the smallest candidate whose simulated fill reaches the target (each
            item at or above it, so the average item over-delivers by the integer step).
            ``"item_mean"``: start one candidate lower (below the target) and raise, item by
            item in order of fill gained per unit of stock value, until the mean simulated
            fill over ``items`` reaches the target — the average item then gets the target,
            not more, at the least stock value.
        unit_cost : float or array (n_items,), optional
            Value per unit for the ``"item_mean"`` order (default 1: units).
        items : bool array (n_items,), optional
            Items whose mean fill is targeted by ``"item_mean"`` (default: items with demand
            on their paths).

        Returns
        -------
        ndarray, shape (n_items,)
            Reorder points (units); ``-1`` for items without demand on their paths.
        """
        tgt = np.broadcast_to(np.asarray(target, dtype=float), (self.n_items,))
        col = self._first_reaching(tgt)
        has = self.demand_per_period > 0
        if rounding == "up":
            return np.where(has, self._pick(col), -1.0)
        if rounding != "item_mean":
            raise ValueError(f"rounding must be 'up' or 'item_mean'; got {rounding!r}.")
        rows = np.arange(self.n_items)
        low = np.maximum(col - 1, 0)
        f_hi, f_lo = self.item_fill_rate[rows, col], self.item_fill_rate[rows, low]
        cost = np.broadcast_to(np.asarray(1.0 if unit_cost is None else unit_cost, float),
                               (self.n_items,))  # fmt: skip
        cost = np.where(np.isfinite(cost) & (cost > 0), cost, 1.0)
        v_hi = self.on_hand_units[rows, col] * cost
        v_lo = self.on_hand_units[rows, low] * cost
        members = has if items is None else (np.asarray(items, dtype=bool) & has)
        m = int(members.sum())
        choice = np.where(members, low, col)
        if m == 0:
            return np.where(has, self._pick(choice), -1.0)
        need = float(np.mean(tgt[members])) * m - float(f_lo[members].sum())
        gain = np.where(members, f_hi - f_lo, 0.0)
        extra = np.maximum(v_hi - v_lo, 1e-12)
        order = np.argsort(-(gain / extra), kind="stable")
        order = order[gain[order] > 0]
        cum = np.cumsum(gain[order])
        n_up = int(np.searchsorted(cum, need - 1e-12) + 1) if need > 0 else 0
        choice[order[:n_up]] = col[order[:n_up]]
        return np.where(has, self._pick(choice), -1.0)

    def pooled(self, target: float, *, unit_cost: np.ndarray | float | None = None) -> np.ndarray:
        """Reorder points reaching a pooled fill target (all items' units) at least stock value.

        Parameters
        ----------
        target : float
            Pooled fill target, fraction in (0, 1).
        unit_cost : float or array (n_items,), optional
            Value per unit (default 1: stock in units).

        Returns
        -------
        ndarray, shape (n_items,)
            Reorder points; the allocation maximises ``filled - λ x stock value`` per item,
            ``λ`` bisected so that the pooled simulated fill reaches ``target`` (the convex
            hull of each item's curve; [SPT]_ sec. 7.3 exchange curves).
        """
        cost = np.broadcast_to(np.asarray(1.0 if unit_cost is None else unit_cost, float),
                               (self.n_items,))  # fmt: skip
        cost = np.where(np.isfinite(cost) & (cost > 0), cost, 1.0)
        valid = ~np.isnan(self.reorder_point)
        filled = np.where(valid, self.fill_rate * self.demand_per_period[:, None], 0.0)
        value = np.where(valid, self.on_hand_units * cost[:, None], 0.0)
        total = float(self.demand_per_period.sum())
        rows = np.arange(self.n_items)
        grid = np.nan_to_num(self.reorder_point, nan=0.0)

        def pick(lam: float) -> np.ndarray:
            score = filled - lam * value - 1e-12 * grid
            return np.argmax(np.where(valid, score, -np.inf), axis=1)

        def fill(col: np.ndarray) -> float:
            return float(filled[rows, col].sum() / total) if total > 0 else 1.0

        lo, hi = 0.0, 1.0
        has = self.demand_per_period > 0
        if fill(pick(0.0)) < target:
            return np.where(has, self._pick(pick(0.0)), -1.0)
        while fill(pick(hi)) >= target and hi < 1e15:
            lo, hi = hi, hi * 10.0
        for _ in range(80):
            mid = 0.5 * (lo + hi)
            if fill(pick(mid)) >= target:
                lo = mid
            else:
                hi = mid
        return np.where(has, self._pick(pick(lo)), -1.0)

    def cost_per_period(
        self,
        *,
        holding_cost_per_unit_period: Any,
        order_cost: Any,
        backorder_cost_per_unit: Any,
    ) -> np.ndarray:
        """Expected cost per period of every candidate (holding + ordering + shortage).

        Parameters
        ----------
        holding_cost_per_unit_period : float or array (n_items,)
            Cost of a unit on hand at the end of a period.
        order_cost : float or array (n_items,)
            Cost per order placed.
        backorder_cost_per_unit : float or array (n_items,)
            Cost per unit not filled from stock when demanded (backordered or lost).

        Returns
        -------
        ndarray, shape (n_items, k)
            Currency per period; ``inf`` on padding.
        """
        n = self.n_items
        h, k, b = (np.broadcast_to(np.asarray(v, dtype=float), (n,))[:, None]
                   for v in (holding_cost_per_unit_period, order_cost, backorder_cost_per_unit))  # fmt: skip
        out = h * self.on_hand_units + k * self.orders_per_period + b * self.short_units_per_period
        return np.where(np.isnan(self.reorder_point), np.inf, out)

    def economic(
        self,
        *,
        holding_cost_per_unit_period: Any,
        order_cost: Any,
        backorder_cost_per_unit: Any,
    ) -> np.ndarray:
        """Per item the reorder point with the least expected cost per period.

        Parameters are those of :meth:`cost_per_period`.

        Returns
        -------
        ndarray, shape (n_items,)
            Reorder points; ties go to the lower one. The service each implies is
            ``fill_rate`` at the chosen column (:meth:`at`).
        """
        cost = self.cost_per_period(
            holding_cost_per_unit_period=holding_cost_per_unit_period,
            order_cost=order_cost,
            backorder_cost_per_unit=backorder_cost_per_unit,
        )
        return np.where(self.demand_per_period > 0, self._pick(np.argmin(cost, axis=1)), -1.0)

    def at(self, reorder_point: np.ndarray) -> dict[str, np.ndarray]:
        """Simulated fill, stock, orders and shortage per item at given reorder points.

        The candidate at or just below each reorder point is used (the curves are steps
        between integer candidates).
        """
        s = np.asarray(reorder_point, dtype=float)
        grid = np.nan_to_num(self.reorder_point, nan=np.inf)
        col = np.clip(np.sum(grid <= s[:, None] + 1e-9, axis=1) - 1, 0, grid.shape[1] - 1)
        rows = np.arange(self.n_items)
        return {
            "fill_rate": self.fill_rate[rows, col],
            "item_fill_rate": self.item_fill_rate[rows, col],
            "on_hand_units": self.on_hand_units[rows, col],
            "orders_per_period": self.orders_per_period[rows, col],
            "short_units_per_period": self.short_units_per_period[rows, col],
        }

    def __repr__(self) -> str:
        k = int(np.sum(~np.isnan(self.reorder_point), axis=1).max(initial=0))
        return f"<PolicyCurves: {self.n_items:,} items x up to {k} reorder points>"


def _grid(windows: np.ndarray, lot: np.ndarray, max_points: int, backorders: bool) -> np.ndarray:
    """Candidate reorder points per item, increasing along each row (NaN pads the end).

    ``-1, 0, 1, ...`` up to where stock never runs out (thinned to ``max_points`` evenly
    spaced values for fast items) and, with backorders, up to ``max_points // 4`` more below
    ``-1``: ``-2`` down to ``1 - lot`` (order when ``lot - 1`` units are backordered, the
    least stock that still fills any demand), geometrically spaced so that they are dense
    near ``-1``, where the fill falls fastest.
    """
    n = windows.shape[0]
    top = np.ceil(np.quantile(windows, 0.9995, axis=1)) + 1.0
    top = np.maximum(top, 0.0)
    k = int(min(max_points, top.max(initial=0.0) + 2))
    k = max(k, 2)
    out = np.full((n, k), np.nan)
    small = top + 2 <= k
    ints = np.arange(-1, k - 1, dtype=float)
    out[small] = np.where(ints[None, :] <= top[small, None], ints[None, :], np.nan)
    big = np.flatnonzero(~small)
    for i in big:
        pts = np.unique(np.round(np.linspace(0.0, top[i], k - 1)))
        out[i, : len(pts) + 1] = np.concatenate([[-1.0], pts])
    if not backorders:
        return out
    below = _below_minus_one(lot, max(2, max_points // 4))
    if below.shape[1] == 0:
        return out
    both = np.concatenate([below, out], axis=1)
    # pack each row's candidates to the left (they are already in increasing order)
    both = np.take_along_axis(both, np.argsort(np.isnan(both), axis=1, kind="stable"), axis=1)
    return both[:, : int(np.sum(~np.isnan(both), axis=1).max(initial=1))]


def _below_minus_one(lot: np.ndarray, m: int) -> np.ndarray:
    """Reorder points ``1 - lot <= s <= -2`` per item (m at most, dense near -2; NaN pads).

    With backorders an (s, nQ) policy may order only once ``|s|`` units are backordered
    ([Z]_ ch. 6, [A]_ ch. 5: the reorder point of the inventory position may be
    negative); below ``1 - lot`` the stock on hand is never positive and nothing is filled.
    """
    deepest = np.maximum(np.nan_to_num(lot, nan=1.0) - 1.0, 0.0)  # |s| at the far end
    have = deepest >= 2.0
    if not have.any():
        return np.zeros((len(lot), 0))
    frac = np.linspace(0.0, 1.0, m)[None, :]
    depth = np.round(2.0 * (np.maximum(deepest, 2.0)[:, None] / 2.0) ** frac)
    vals = -depth[:, ::-1]  # increasing: 1 - lot ... -2
    dup = np.concatenate([np.zeros((len(lot), 1), bool), np.diff(vals, axis=1) == 0], axis=1)
    vals = np.where(dup | ~have[:, None], np.nan, vals)
    return np.take_along_axis(vals, np.argsort(np.isnan(vals), axis=1, kind="stable"), axis=1)


def policy_curves(
    demand_paths: np.ndarray,
    order_quantity: float | np.ndarray,
    lead_time: float | np.ndarray,
    *,
    moq: float | np.ndarray | None = None,
    pack: float | np.ndarray | None = None,
    reorder_points: np.ndarray | None = None,
    max_points: int = 40,
    backorders: bool = True,
    horizon_periods: int | None = None,
) -> PolicyCurves:
    """Simulate the service and cost of a grid of reorder points for every item at once.

    Parameters
    ----------
    demand_paths : ndarray, shape (n_items, n_paths, horizon)
        Demand sample paths (units, ≥ 0), e.g. from
        :func:`~stockout_forecast.bootstrap_demand_paths` or
        ``DemandForecast.sample_paths``. NaN rows (no usable history) give NaN curves.
    order_quantity : float or array (n_items,)
        Q per order (units), > 0.
    lead_time : float, array (n_items,) or array (n_items, n_paths)
        Lead time in periods (rounded up); 2-D gives each path its own lead time.
    moq, pack : float or array (n_items,), optional
        Order rounding (up to pack multiples, at least the MOQ).
    reorder_points : ndarray (n_items, k), optional
        The candidates to simulate (NaN pads); default: every integer from -1 up to the
        99.95 % quantile of the demand over lead time plus one period, thinned to
        ``max_points`` evenly spaced values for fast items, and with backorders up to
        ``max_points // 4`` more from ``-2`` down to ``1 - Q`` (``Q`` rounded to MOQ and
        packs), spaced geometrically: ``s = -N`` orders when ``N`` units are backordered.
    max_points : int, default 40
        Most candidates per item for the default grid at and above ``-1``.
    backorders : bool, default True
        Backorders (True) or lost sales.
    horizon_periods : int, optional
        Measure every path over its last ``horizon_periods`` periods only (the earlier ones
        are the burn-in; paths must be at least that plus the lead time plus one period
        long) and also keep each path's own fill (``path_fill_rate``): item targets then
        mean "the fill this item shows over the next ``horizon_periods`` periods".

    Returns
    -------
    PolicyCurves

    Notes
    -----
    One replay per grid column over all items' paths (items whose grid is shorter are left
    out of later columns). The curves are exact for the paths: the same common random
    numbers for every candidate, so fill rises and stock grows with ``s``.

    Examples
    --------
    >>> paths = np.random.default_rng(0).poisson(2.0, size=(1, 200, 40)).astype(float)
    >>> c = policy_curves(paths, 4, 1)
    >>> s = c.for_fill_rate(0.95)
    >>> bool(c.at(s)["fill_rate"][0] >= 0.95), bool(c.at(s - 1)["fill_rate"][0] < 0.95)
    (True, True)
    """
    x = np.asarray(demand_paths, dtype=float)
    if x.ndim != 3:
        raise ValueError(
            f"demand_paths must have shape (n_items, n_paths, horizon); got {x.shape}."
        )
    n, p, horizon = x.shape
    q = np.broadcast_to(np.asarray(order_quantity, dtype=float), (n,)).copy()
    lt_int = _whole_lead_times(lead_time, n, p, horizon)
    protect = lt_int + 1
    bad = np.isnan(x).any(axis=(1, 2)) | np.isnan(q)
    safe = np.nan_to_num(x)
    q = np.where(np.isnan(q) | (q <= 0), 1.0, q)
    cum = np.concatenate([np.zeros((n, p, 1)), np.cumsum(safe, axis=2)], axis=2)
    starts = np.arange(0, horizon - int(protect.max()) + 1, max(1, horizon // 24))
    ends = starts[None, None, :] + protect[:, :, None]
    windows = (np.take_along_axis(cum, ends, axis=2) - cum[:, :, starts]).reshape(n, -1)
    moq_a = np.broadcast_to(np.asarray(np.nan if moq is None else moq, dtype=float), (n,))
    pack_a = np.broadcast_to(np.asarray(np.nan if pack is None else pack, dtype=float), (n,))
    grid = (
        _grid(windows, round_up_orders(q, moq_a, pack_a), max_points, backorders)
        if reorder_points is None
        else np.asarray(reorder_points, float)
    )
    grid = np.where(bad[:, None], np.nan, grid)
    flat = np.ascontiguousarray(safe.transpose(2, 0, 1).reshape(horizon, n * p))
    mf = _measure_from(horizon_periods, horizon, protect)
    res, per_path = _replay_grid(
        flat, grid, q, moq_a, pack_a, lt_int.reshape(-1), mf, p, backorders,
        path_fill=horizon_periods is not None,
    )  # fmt: skip
    periods = np.where(res["measured_periods"] > 0, res["measured_periods"], np.nan)
    with np.errstate(divide="ignore", invalid="ignore"):
        fill = np.where(res["demand_units"] > 0, res["filled_units"] / res["demand_units"], 1.0)
        demand = np.nanmax(res["demand_units"] / periods, axis=1, initial=0.0)
    fill = np.where(np.isnan(grid), np.nan, fill)
    return PolicyCurves(
        reorder_point=grid,
        fill_rate=fill,
        on_hand_units=res["on_hand_sum"] / periods,
        orders_per_period=res["orders_placed"] / periods,
        short_units_per_period=res["units_short"] / periods,
        demand_per_period=np.where(bad, 0.0, np.nan_to_num(demand)),
        order_quantity=q,
        path_fill_rate=per_path,
    )


def _whole_lead_times(lead_time: Any, n: int, p: int, horizon: int) -> np.ndarray:
    """Lead times as whole periods per item and path, checked against the paths' length."""
    lt = np.asarray(lead_time, dtype=float)
    lt2 = (
        np.broadcast_to(lt[:, None] if lt.ndim == 1 else lt, (n, p))
        if lt.ndim
        else np.full((n, p), float(lt))
    )
    lt_int = np.ceil(np.nan_to_num(lt2) - 1e-9).astype(np.int64)
    if (lt_int + 1 >= horizon).any():
        raise ValueError(
            f"Paths of {horizon} periods are too short for a lead time plus review of "
            f"{int(lt_int.max()) + 1} periods; draw longer paths."
        )
    return lt_int


def _measure_from(horizon_periods: Any, horizon: int, protect: np.ndarray) -> np.ndarray:
    """First measured period per path: after the burn-in, or the last ``horizon_periods``."""
    if horizon_periods is None:
        return np.minimum(protect, horizon // 2).reshape(-1)
    if not isinstance(horizon_periods, (int, np.integer)) or horizon_periods < 1:
        raise ValueError(f"horizon_periods must be a whole number >= 1; got {horizon_periods!r}.")
    if horizon - int(horizon_periods) < int(protect.max()):
        raise ValueError(
            f"Paths of {horizon} periods cannot hold a burn-in of {int(protect.max())} "
            f"periods plus a measured window of {horizon_periods}; draw "
            f"{int(protect.max()) + int(horizon_periods)} periods."
        )
    return np.full(protect.size, horizon - int(horizon_periods))


def _replay_grid(
    flat: np.ndarray,
    grid: np.ndarray,
    q: np.ndarray,
    moq_a: np.ndarray,
    pack_a: np.ndarray,
    lead_rows: np.ndarray,
    mf: np.ndarray,
    p: int,
    backorders: bool,
    *,
    path_fill: bool,
) -> tuple[dict[str, np.ndarray], np.ndarray | None]:
    """Replay every candidate column of ``grid`` on every path; sums per item and candidate."""
    n, k = grid.shape
    names = ("filled_units", "demand_units", "on_hand_sum", "orders_placed", "units_short",
             "measured_periods")  # fmt: skip
    res = {nm: np.full((n, k), np.nan) for nm in names}
    per_path = np.full((n, k), np.nan) if path_fill else None
    for j in range(k):
        items = np.flatnonzero(~np.isnan(grid[:, j]))
        if not len(items):
            continue
        cols = (items[:, None] * p + np.arange(p)[None, :]).reshape(-1)
        sub = flat if len(items) == n else np.ascontiguousarray(flat[:, cols])
        local = np.repeat(np.arange(len(items)), p)
        s_rows = grid[items, j][local]
        q_rows = q[items][local]
        acc = replay_kernel(
            sub, s_rows, q_rows, np.full(len(cols), np.nan), moq_a[items][local],
            pack_a[items][local], np.maximum(s_rows + q_rows, 0.0), lead_rows[cols], None,
            backorders=backorders, review_period=1, trigger="<=", order_multiples=True,
            measure_from=mf[cols], time_major=True,
        )  # fmt: skip
        for nm in names:
            res[nm][items, j] = np.bincount(local, acc[nm], minlength=len(items))
        if per_path is not None:
            dem = acc["demand_units"]
            has = dem > 0
            ratio = np.where(has, acc["filled_units"] / np.where(has, dem, 1.0), 0.0)
            cnt = np.bincount(local, has.astype(float), minlength=len(items))
            tot = np.bincount(local, ratio, minlength=len(items))
            per_path[items, j] = np.where(cnt > 0, tot / np.maximum(cnt, 1.0), 1.0)
    return res, per_path

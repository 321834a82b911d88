"""Reorder points set by replaying candidate policies on simulated demand paths.

:func:`simulated_reorder_point` finds, per item, the smallest reorder point whose replayed
fill rate (or cycle service level) reaches a target; :func:`pooled_reorder_points` reaches
a *pooled* fill rate over all items with the least stock value; both replay the (s, nQ)
policy with the replay kernel (:mod:`._replay_kernel`, the engine of
:func:`~stockout_forecast.simulate_policy`) on every path of every item at once.
:func:`~.bootstrap.bootstrap_demand_paths` provides such paths straight from each item's own
history.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from .._utils import check_fraction
from ._replay_kernel import replay_kernel, round_up_orders
from .empirical import empirical_reorder_point

__all__ = ["pooled_reorder_points", "simulated_reorder_point"]


# --------------------------------------------------------------------------- shared set-up
@dataclass(frozen=True)
class _PathRows:
    """Items x paths flattened into replay rows (time-major demand), with their settings."""

    flat: np.ndarray  # (horizon, n * p) demand
    rep: np.ndarray  # item of each row
    lead_rows: np.ndarray  # whole lead time per row
    moq_rows: np.ndarray
    pack_rows: np.ndarray
    protect: np.ndarray  # (n, p) lead time + review period, periods


def _whole_lead_times(lt2: np.ndarray, rounding: str) -> np.ndarray:
    """Lead times (n, p) in whole periods (NaN as 0), rounded as in simulate_policy."""
    return np.where(
        np.isnan(lt2),
        0,
        np.ceil(lt2 - 1e-9) if rounding == "up" else np.floor(lt2 + 0.5),
    ).astype(np.int64)


def _check_long_enough(protect: np.ndarray, horizon: int) -> None:
    if (protect >= horizon).any():
        raise ValueError(
            f"Paths of {horizon} periods are too short for a lead time plus review of "
            f"{int(protect.max())} periods; draw longer paths."
        )


def _path_rows(
    safe_x: np.ndarray,
    lt_int: np.ndarray,
    protect: np.ndarray,
    moq: Any,
    pack: Any,
) -> _PathRows:
    """The flattened replay rows of paths ``safe_x`` (n, p, horizon), NaN-free."""
    n, p, horizon = safe_x.shape
    moq_a = np.broadcast_to(np.asarray(np.nan if moq is None else moq, dtype=float), (n,))
    pack_a = np.broadcast_to(np.asarray(np.nan if pack is None else pack, dtype=float), (n,))
    rep = np.repeat(np.arange(n), p)
    return _PathRows(
        flat=np.ascontiguousarray(safe_x.transpose(2, 0, 1).reshape(horizon, n * p)),
        rep=rep,
        lead_rows=lt_int.reshape(-1),
        moq_rows=moq_a[rep],
        pack_rows=pack_a[rep],
        protect=protect,
    )


def _replay_rows(
    rows: _PathRows,
    cols: np.ndarray | None,
    s_rows: np.ndarray,
    q_rows: np.ndarray,
    measure_from: np.ndarray,
    *,
    backorders: bool,
    review_period: int,
    trigger: str,
) -> dict[str, np.ndarray]:
    """Replay (s, nQ) on the rows ``cols`` (all rows when None), starting at ``s + Q``."""
    if cols is None:
        sub, lead, moq, pack = rows.flat, rows.lead_rows, rows.moq_rows, rows.pack_rows
    else:
        sub = (
            rows.flat
            if len(cols) == rows.flat.shape[1]
            else np.ascontiguousarray(rows.flat[:, cols])
        )
        lead, moq, pack = rows.lead_rows[cols], rows.moq_rows[cols], rows.pack_rows[cols]
    return replay_kernel(
        sub,
        s_rows,
        q_rows,
        np.full(len(s_rows), np.nan),
        moq,
        pack,
        np.maximum(s_rows + q_rows, 0.0),
        lead,
        None,
        backorders=backorders,
        review_period=review_period,
        trigger=trigger,
        order_multiples=True,
        measure_from=measure_from,
        time_major=True,
    )


# --------------------------------------------------------------------------- per item
def simulated_reorder_point(
    demand_paths: np.ndarray,
    order_quantity: float | np.ndarray,
    lead_time: float | np.ndarray,
    *,
    service_level: float | np.ndarray,
    measure: Literal["fill_rate", "cycle"] = "fill_rate",
    review_period: int = 1,
    backorders: bool = True,
    trigger: Literal["<=", "<"] = "<=",
    lead_time_rounding: Literal["up", "nearest"] = "up",
    moq: float | np.ndarray | None = None,
    pack: float | np.ndarray | None = None,
    burn_in: int | None = None,
    initial: np.ndarray | None = None,
) -> np.ndarray:
    """Smallest integer reorder point whose simulated service reaches the target, per item.

    The (s, nQ) policy is replayed on every sample path of every item at once (the same
    engine as :func:`simulate_policy`), and a search over ``s`` — run on all items together —
    finds for each item the smallest ``s`` whose fill rate (units filled over units demanded,
    pooled over the item's paths after the burn-in) or cycle service level reaches
    ``service_level``. The reorder point then accounts for periodic review, the undershoot
    of ``s`` by lumpy demand, MOQ / pack rounding and (per-path) lead-time uncertainty,
    with no distributional formula.

    Parameters
    ----------
    demand_paths : ndarray, shape (n_items, n_paths, horizon)
        Simulated future demand per period (units, ≥ 0), e.g. ``DemandForecast.sample_paths``
        or :func:`bootstrap_demand_paths`. Remove special orders first.
    order_quantity : float or array (n_items,)
        Q per order (units), > 0.
    lead_time : float, array (n_items,) or array (n_items, n_paths)
        Lead time in periods; a 2-D array gives each path its own lead time (lead-time
        uncertainty with common random numbers). Rounded as in :func:`simulate_policy`.
    service_level : float or array (n_items,)
        Target, fraction in (0, 1).
    measure : {"fill_rate", "cycle"}, default "fill_rate"
        Service measure to reach.
    review_period, backorders, trigger, lead_time_rounding
        Replay conventions, as in :func:`simulate_policy`.
    moq, pack : float or array (n_items,), optional
        Order rounding (up to pack multiples, at least the MOQ).
    burn_in : int, optional
        Periods excluded from the measurement at the start of each path (each path starts
        at ``IP = s + Q`` on hand, nothing on order). Default: the item's lead time plus one
        review period, capped at half the horizon.
    initial : array (n_items,), optional
        A guess per item to start the search from (NaN: no guess), e.g. the reorder point
        of the previous re-plan: the search then steps from it by 1, 2, 4, ... units, which
        takes two or three replays for an item whose answer has not moved. The answer is
        the same as without a guess wherever service is monotone in ``s``.

    Returns
    -------
    ndarray, shape (n_items,)
        Integer reorder points (units of inventory position). Items whose paths carry no
        demand get ``-1`` (reorder only against a backorder); rows with NaN get NaN. With
        backorders a low target can give ``s < -1``: order when ``-s`` units are
        backordered (a lot ``Q`` that alone fills more than the target; see
        :func:`~stockout_forecast.policy_curves`); without, ``s >= -1``.

    Notes
    -----
    The search starts from the empirical fill-rate reorder point of the demand over
    ``L + R`` (:func:`~stockout_forecast.policy.empirical.empirical_reorder_point`, which ignores
    undershoot), brackets the answer by widening steps and bisects. It assumes that
    service does not decrease as ``s`` grows, which holds for the (s, nQ) policy on common
    random numbers (the same paths for every ``s``). With few paths the estimate is noisy;
    100+ paths of 2-4 years each are typical for monthly data. Cost: about ten replays of
    ``n_items x n_paths`` rows.

    Examples
    --------
    Constant demand of 1 per period, Q = 3, lead time 2 periods: an order placed at the end
    of a period arrives three periods of demand later, so the inventory position at the
    review must still cover 3 units — with ``IP ≤ s`` as trigger, s = 2.

    >>> paths = np.ones((1, 2, 30))
    >>> simulated_reorder_point(paths, 3, 2, service_level=0.99)
    array([2.])
    """
    x = np.asarray(demand_paths, dtype=float)
    if x.ndim != 3:
        raise ValueError(
            f"demand_paths must have shape (n_items, n_paths, horizon); got {x.shape}."
        )
    if measure not in ("fill_rate", "cycle"):
        raise ValueError(f"measure must be 'fill_rate' or 'cycle'; got {measure!r}.")
    if not isinstance(review_period, (int, np.integer)) or review_period < 1:
        raise ValueError(f"review_period must be a whole number >= 1; got {review_period!r}.")
    n, p, horizon = x.shape
    lvl, q, lt2 = _check_targets(x, service_level, order_quantity, lead_time)
    bad = np.isnan(x).any(axis=(1, 2)) | np.isnan(q) | np.isnan(lt2).any(axis=1) | np.isnan(lvl)
    lt_int = _whole_lead_times(lt2, lead_time_rounding)
    protect = lt_int + int(review_period)  # (n, p)
    if burn_in is None:
        mf_rows = np.minimum(protect, horizon // 2).reshape(-1)
    else:
        mf_rows = np.full(n * p, int(burn_in))
    _check_long_enough(protect, horizon)
    safe_x = np.nan_to_num(x)
    q_safe = np.nan_to_num(q, nan=1.0)
    lvl_safe = np.nan_to_num(lvl, nan=0.5)
    s0, step0 = _starting_point(safe_x, protect, measure, lvl_safe, q_safe)
    service = _ServiceCheck(
        rows=_path_rows(safe_x, lt_int, protect, moq, pack),
        q_rows=q_safe[np.repeat(np.arange(n), p)],
        mf_rows=mf_rows,
        target=lvl_safe,
        measure=measure,
        n_paths=p,
        settings={
            "backorders": backorders,
            "review_period": int(review_period),
            "trigger": trigger,
        },
    )
    # items without demand on any path are settled (-1) without a replay
    no_demand = safe_x.sum(axis=(1, 2)) == 0
    # with backorders s may be negative (order when |s| units are backordered), down to
    # 1 - Q, below which nothing is ever on hand; with lost sales s = -1 never reorders
    floor_s = -q_safe - 1.0 if backorders else np.full(n, -2.0)
    hi = _search(service, s0, step0, floor_s=floor_s, todo=~bad & ~no_demand, initial=initial)
    out = np.where(no_demand, -1.0, hi)
    return np.where(bad, np.nan, out)


def _check_targets(
    x: np.ndarray, service_level: Any, order_quantity: Any, lead_time: Any
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Service level and Q per item, lead time per item and path; errors name the fix."""
    n, p, _ = x.shape
    lvl = np.broadcast_to(np.asarray(service_level, dtype=float), (n,)).copy()
    for v in np.unique(lvl[~np.isnan(lvl)]):
        check_fraction(v, "service_level")
    q = np.broadcast_to(np.asarray(order_quantity, dtype=float), (n,)).copy()
    if (q[~np.isnan(q)] <= 0).any():
        raise ValueError("order_quantity must be > 0.")
    lt = np.asarray(lead_time, dtype=float)
    if lt.ndim < 2:
        lt2 = np.broadcast_to(np.broadcast_to(lt, (n,))[:, None], (n, p))
    elif lt.shape == (n, p):
        lt2 = lt
    else:
        raise ValueError(f"lead_time must have shape (n_items,) or ({n}, {p}); got {lt.shape}.")
    if (lt2 < 0).any():
        raise ValueError("lead_time must not be negative.")
    if (x < 0).any():
        raise ValueError("demand_paths must not be negative.")
    return lvl, q, lt2


def _starting_point(
    safe_x: np.ndarray, protect: np.ndarray, measure: str, lvl: np.ndarray, q: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """The empirical reorder point over L + R (windows along each path) and a first step."""
    n, p, horizon = safe_x.shape
    cum = np.concatenate([np.zeros((n, p, 1)), np.cumsum(safe_x, axis=2)], axis=2)
    n_starts = horizon - int(protect.max()) + 1
    stride = max(1, (n_starts * p) // 4000)
    starts = np.arange(0, n_starts, stride)
    ends = starts[None, None, :] + protect[:, :, None]
    windows = (np.take_along_axis(cum, ends, axis=2) - cum[:, :, starts]).reshape(n, -1)
    if measure == "fill_rate":
        s0 = empirical_reorder_point(
            windows, service_level=lvl, measure="fill_rate", order_quantity=q
        )
    else:
        s0 = empirical_reorder_point(windows, service_level=lvl)
    spread = np.nanstd(windows, axis=1)
    return s0, np.maximum(1.0, np.ceil(0.5 * spread))


@dataclass(frozen=True)
class _ServiceCheck:
    """Whether each item reaches its target at a reorder point (only ``active`` replayed)."""

    rows: _PathRows
    q_rows: np.ndarray
    mf_rows: np.ndarray
    target: np.ndarray
    measure: str
    n_paths: int
    settings: dict[str, Any]

    def __call__(self, s_items: np.ndarray, active: np.ndarray) -> np.ndarray:
        n, p = len(self.target), self.n_paths
        result = np.ones(n, dtype=bool)
        items = np.flatnonzero(active)
        if not len(items):
            return result
        cols = (items[:, None] * p + np.arange(p)[None, :]).reshape(-1)
        local = np.repeat(np.arange(len(items)), p)
        s_rows = s_items[items][local]
        acc = _replay_rows(
            self.rows, cols, s_rows, self.q_rows[cols], self.mf_rows[cols], **self.settings
        )
        k = len(items)
        if self.measure == "fill_rate":
            num = np.bincount(local, acc["filled_units"], minlength=k)
            den = np.bincount(local, acc["demand_units"], minlength=k)
        else:
            den = np.bincount(local, acc["cycles"], minlength=k)
            num = den - np.bincount(local, acc["stockout_cycles"], minlength=k)
        with np.errstate(divide="ignore", invalid="ignore"):
            rate = np.where(den > 0, num / den, 1.0)
        result[items] = rate >= self.target[items] - 1e-12
        return result


def _search(
    service: _ServiceCheck,
    s0: np.ndarray,
    step0: np.ndarray,
    *,
    floor_s: np.ndarray,
    todo: np.ndarray,
    initial: np.ndarray | None,
) -> np.ndarray:
    """Smallest feasible integer ``s`` per item: bracket by widening steps, then bisect."""
    start = np.nan_to_num(s0, nan=0.0) + step0
    lo_gap = 2.0 * step0
    if initial is not None:
        n = len(s0)
        guess = np.broadcast_to(np.asarray(initial, dtype=float), (n,))
        warm = np.isfinite(guess)
        start = np.where(warm, np.round(guess), start)
        step0 = np.where(warm, 1.0, step0)
        lo_gap = np.where(warm, 1.0, lo_gap)
    settled = todo
    # bracket: hi feasible, lo infeasible (or at the floor); only unsettled items replayed
    hi = np.maximum(start, floor_s + 1.0)
    step = step0.copy()
    for _ in range(30):
        ok = service(hi, todo)
        todo = todo & ~ok
        if not todo.any():
            break
        hi = np.where(ok, hi, hi + step)
        step = np.where(ok, step, 2.0 * step)
    lo = np.maximum(hi - lo_gap, floor_s)
    step = step0.copy()
    todo = settled & (lo > floor_s)
    for _ in range(30):
        ok = service(lo, todo) & todo
        todo = ok & (lo > floor_s)
        if not ok.any():
            break
        hi = np.where(ok, lo, hi)
        lo = np.where(ok, np.maximum(lo - step, floor_s), lo)
        step = np.where(ok, 2.0 * step, step)
        todo = todo & (lo > floor_s)
    todo = settled & (hi - lo > 1)
    while todo.any():
        mid = np.floor(0.5 * (lo + hi))
        good = service(mid, todo)
        hi = np.where(todo & good, mid, hi)
        lo = np.where(todo & ~good, mid, lo)
        todo = todo & (hi - lo > 1)
    return hi


# --------------------------------------------------------------------------- bootstrap
def pooled_reorder_points(
    demand_paths: np.ndarray,
    order_quantity: float | np.ndarray,
    lead_time: float | np.ndarray,
    *,
    fill_rate: float | Sequence[float],
    unit_cost: float | np.ndarray | None = None,
    reorder_point: np.ndarray | None = None,
    steps: int = 4,
    review_period: int = 1,
    backorders: bool = True,
    trigger: Literal["<=", "<"] = "<=",
    lead_time_rounding: Literal["up", "nearest"] = "up",
    moq: float | np.ndarray | None = None,
    pack: float | np.ndarray | None = None,
) -> np.ndarray:
    """Reorder points that reach a *pooled* fill rate over all items with the least stock value.

    Starting from the per-item reorder points of :func:`simulated_reorder_point` (each item
    at ``fill_rate``), every item gets a grid of ``2 steps + 1`` candidate reorder points
    around its own (with backorders down to ``1 - Q``: ``s = -N`` orders when ``N`` units
    are backordered), plus ``-1`` (hold nothing, order only against a backorder) and ``0``;
    each candidate is replayed on the item's demand paths (the same
    engine, all items at once, one replay per grid step). Marginal analysis by a Lagrange
    multiplier ``λ`` then picks per item the candidate maximising
    ``filled units − λ x average stock value``, with ``λ`` bisected so that the filled units
    of *all* items over their demanded units — the pooled fill rate on the paths — reaches
    ``fill_rate``. Stock thus goes where it buys the most filled units per unit of value:
    cheap fast items end above the target, dear slow ones below it.

    Parameters
    ----------
    demand_paths : ndarray, shape (n_items, n_paths, horizon)
        Simulated demand per period (units, ≥ 0), as for :func:`simulated_reorder_point`.
    order_quantity : float or array (n_items,)
        Q per order (units), > 0.
    lead_time : float, array (n_items,) or array (n_items, n_paths)
        Lead time in periods (rounded as in :func:`simulate_policy`); 2-D: one per path.
    fill_rate : float or sequence of float
        Pooled target, a fraction in (0, 1). Several targets share the grid replays and
        give one row of reorder points each.
    unit_cost : float or array (n_items,), optional
        Value of a unit (currency); missing (None or NaN) counts 1, i.e. stock in units.
    reorder_point : array (n_items,), optional
        Per-item reorder points to build the grid around; default
        ``simulated_reorder_point(..., service_level=fill_rate)``.
    steps : int, default 4
        Grid steps on each side; a step is ``max(1, ⌈σ √(L + R) / 2⌉)`` units, σ the
        standard deviation of the item's demand per period on its paths.
    review_period, backorders, trigger, lead_time_rounding, moq, pack
        As in :func:`simulated_reorder_point`.

    Returns
    -------
    ndarray, shape (n_items,), or (n_targets, n_items) for a sequence of targets
        Integer reorder points (never below -1); NaN where ``reorder_point`` is NaN.

    Notes
    -----
    With ``F_i(s)`` the units item ``i`` fills on its paths and ``H_i(s)`` its average
    units on hand, the allocation solves ``min Σ c_i H_i(s_i)`` subject to
    ``Σ F_i(s_i) ≥ α Σ D_i`` over the grid, by the Lagrangian relaxation
    ``max Σ F_i(s_i) − λ c_i H_i(s_i)`` (exact on the convex hull of each item's curve;
    the pooled target is checked on the chosen points). When even the top of every grid
    misses the target, the top is returned. The pooled target is what the issue's goal
    measures; item fill rates then differ by design — report them.

    References
    ----------
    .. [1] Silver, Pyke & Thomas (2017), *Inventory and Production Management in Supply
       Chains*, 4th ed., sec. 7.3 (allocating safety stock across items by marginal
       analysis / exchange curves).
    .. [2] Everett, H. (1963). Generalized Lagrange multiplier method for solving problems
       of optimum allocation of resources. *Operations Research* 11(3), 399-417.

    Examples
    --------
    Two items with the same demand (1 a period) and lead time: the dear one is given less
    stock than the cheap one for the same pooled fill.

    >>> paths = np.random.default_rng(0).poisson(1.0, size=(2, 200, 40)).astype(float)
    >>> s = pooled_reorder_points(paths, 3, 2, fill_rate=0.9, unit_cost=[1.0, 50.0])
    >>> bool(s[0] > s[1])
    True
    """
    x = np.asarray(demand_paths, dtype=float)
    if x.ndim != 3:
        raise ValueError(
            f"demand_paths must have shape (n_items, n_paths, horizon); got {x.shape}."
        )
    targets = np.atleast_1d(np.asarray(fill_rate, dtype=float))
    if targets.ndim != 1 or not len(targets):
        raise ValueError(f"fill_rate must be a fraction or a sequence of them; got {fill_rate!r}.")
    for v in targets:
        check_fraction(float(v), "fill_rate")
    if not isinstance(steps, (int, np.integer)) or steps < 1:
        raise ValueError(f"steps must be a whole number >= 1; got {steps!r}.")
    n, p, horizon = x.shape
    settings = {"backorders": backorders, "review_period": int(review_period), "trigger": trigger}
    if reorder_point is None:
        base = simulated_reorder_point(
            x,
            order_quantity,
            lead_time,
            service_level=float(targets[0]),
            review_period=review_period,
            backorders=backorders,
            trigger=trigger,
            lead_time_rounding=lead_time_rounding,
            moq=moq,
            pack=pack,
        )
    else:
        base = np.asarray(reorder_point, dtype=float)
        if base.shape != (n,):
            raise ValueError(f"reorder_point has shape {base.shape}; expected ({n},).")
    cost = np.broadcast_to(np.asarray(np.nan if unit_cost is None else unit_cost, float), (n,))
    cost = np.where(np.isnan(cost) | (cost <= 0), 1.0, cost)
    q = np.nan_to_num(np.broadcast_to(np.asarray(order_quantity, dtype=float), (n,)), nan=1.0)
    lt = np.asarray(lead_time, dtype=float)
    if lt.ndim < 2:
        lt = np.broadcast_to(np.broadcast_to(lt, (n,))[:, None], (n, p))
    elif lt.shape != (n, p):
        raise ValueError(f"lead_time must have shape (n_items,) or ({n}, {p}); got {lt.shape}.")
    lt_int = _whole_lead_times(lt, lead_time_rounding)  # (n, p)
    protect = lt_int + int(review_period)
    _check_long_enough(protect, horizon)
    ok = ~np.isnan(base) & ~np.isnan(x).any(axis=(1, 2))
    safe_x = np.nan_to_num(x)
    lot = round_up_orders(q, *_lot_terms(moq, pack, n))
    floor = np.where(lot > 1.0, 1.0 - lot, -1.0) if backorders else np.full(n, -1.0)
    grid = _candidate_grid(safe_x, base, protect, int(steps), np.minimum(floor, -1.0))
    rows = _path_rows(safe_x, lt_int, protect, moq, pack)
    filled, demand, held = _replay_grid(rows, grid, q, n_paths=p, settings=settings)
    filled = np.where(ok[:, None], filled, 0.0)
    total = float(np.where(ok, demand[:, 0], 0.0).sum())
    value = held * cost[:, None] * p  # stock value summed over paths, comparable to units
    no_demand = ok & (demand[:, 0] <= 0)
    results = [
        _pooled_choice(grid, filled, value, total, float(t), base, no_demand) for t in targets
    ]
    return results[0] if np.ndim(fill_rate) == 0 else np.vstack(results)


def _lot_terms(moq: Any, pack: Any, n: int) -> tuple[np.ndarray, np.ndarray]:
    """MOQ and pack per item (NaN: none)."""
    return (
        np.broadcast_to(np.asarray(np.nan if moq is None else moq, dtype=float), (n,)),
        np.broadcast_to(np.asarray(np.nan if pack is None else pack, dtype=float), (n,)),
    )


def _candidate_grid(
    safe_x: np.ndarray, base: np.ndarray, protect: np.ndarray, steps: int, floor: np.ndarray
) -> np.ndarray:
    """Reorder points tried per item (n, k): -1, 0 and ``base`` +- ``steps`` steps (>= floor)."""
    n = safe_x.shape[0]
    sd = safe_x.reshape(n, -1).std(axis=1)
    step = np.maximum(1.0, np.ceil(0.5 * sd * np.sqrt(protect.mean(axis=1))))
    offsets = np.arange(-steps, steps + 1)
    base0 = np.nan_to_num(base, nan=-1.0)
    around = np.maximum(base0[:, None] + offsets[None, :] * step[:, None], floor[:, None])
    # plus "hold nothing" (s = -1: order only against a backorder) and s = 0 for every item
    return np.concatenate([np.full((n, 1), -1.0), np.zeros((n, 1)), around], axis=1)


def _replay_grid(
    rows: _PathRows, grid: np.ndarray, q: np.ndarray, *, n_paths: int, settings: dict[str, Any]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Units filled, units demanded and average stock held per item and candidate."""
    n, k = grid.shape
    horizon = rows.flat.shape[0]
    rep = rows.rep
    mf_rows = np.minimum(rows.protect, horizon // 2).reshape(-1)
    filled = np.zeros((n, k))
    demand = np.zeros((n, k))
    held = np.zeros((n, k))
    for j in range(k):
        acc = _replay_rows(rows, None, grid[rep, j], q[rep], mf_rows, **settings)
        filled[:, j] = np.bincount(rep, acc["filled_units"], minlength=n)
        demand[:, j] = np.bincount(rep, acc["demand_units"], minlength=n)
        periods = np.bincount(rep, acc["measured_periods"], minlength=n)
        held[:, j] = np.bincount(rep, acc["on_hand_sum"], minlength=n) / np.maximum(periods, 1)
    return filled, demand, held


def _pooled_choice(
    grid: np.ndarray,
    filled: np.ndarray,
    value: np.ndarray,
    total: float,
    target: float,
    base: np.ndarray,
    no_demand: np.ndarray,
) -> np.ndarray:
    """Candidates maximising ``filled - lam * value`` with the price ``lam`` that meets the target."""
    n = grid.shape[0]
    rows = np.arange(n)

    def pick(lam: float) -> np.ndarray:
        score = filled - lam * value - 1e-9 * grid  # ties: the lower reorder point
        return np.argmax(score, axis=1)

    def pooled(choice: np.ndarray) -> float:
        return float(filled[rows, choice].sum() / total) if total > 0 else 1.0

    best = pick(0.0)
    if total > 0 and pooled(best) >= target:
        lo, hi = 0.0, 1.0
        while pooled(pick(hi)) >= target and hi < 1e12:
            lo, hi = hi, hi * 10.0
        for _ in range(60):
            mid = 0.5 * (lo + hi)
            if pooled(pick(mid)) >= target:
                lo = mid
            else:
                hi = mid
        best = pick(lo)
    out = grid[rows, best]
    out = np.where(no_demand, -1.0, out)  # nothing to serve: hold nothing
    return np.where(np.isnan(base), np.nan, out)

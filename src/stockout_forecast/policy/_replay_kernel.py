"""The replay kernel: one period at a time for every row at once (numpy over rows).

Rows are items, or items x paths flattened. The timeline of a period (receipts at its
start, demand, review at its end, orders arriving ``1 + lead`` periods later) is the one
stated in :mod:`.replay`; :func:`replay_kernel` walks it with three steps per period:
:func:`_receive`, :func:`_serve` and, at reviews, :func:`_review`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

__all__ = ["replay_kernel", "round_up_orders"]

_ACC_NAMES = (
    "demand_units",
    "filled_units",
    "units_short",
    "stockout_periods",
    "cycles",
    "stockout_cycles",
    "on_hand_sum",
    "orders_placed",
    "units_ordered",
    "measured_periods",
)


def round_up_orders(qty: np.ndarray, moq: np.ndarray, pack: np.ndarray) -> np.ndarray:
    """Pack multiples rounded up, lifted to the MOQ (same rule as policy.round_order_quantity)."""
    has_pack = ~np.isnan(pack)
    unit = np.where(has_pack, pack, 1.0)
    n = np.maximum(np.ceil(qty / unit - 1e-9), 1.0)
    out = np.where(has_pack, n * unit, qty)
    moq_eff = np.where(np.isnan(moq), 0.0, moq)
    moq_packs = np.where(has_pack, np.ceil(moq_eff / unit - 1e-9) * unit, moq_eff)
    return np.where(qty > 0, np.maximum(out, moq_packs), 0.0)


class _Rule:
    """The order rule in force: reorder point ``s`` and ``Q`` (finite) or ``S`` per row."""

    def __init__(self, s: np.ndarray, q: np.ndarray, big_s: np.ndarray) -> None:
        self.s = s
        self.is_q = np.isfinite(q)
        self.q_safe = np.where(self.is_q, q, 1.0)
        self.q_zero = np.where(self.is_q, q, 0.0)
        self.s_type_qty_base = np.where(self.is_q, 0.0, big_s)
        can_order = (self.is_q | np.isfinite(big_s)) & np.isfinite(s)
        self.s_safe = np.where(can_order, s, -np.inf)


class _State:
    """Stock on hand, backlog, on order, the arrival schedule and the cycle's shortfall."""

    def __init__(self, initial_on_hand: np.ndarray, horizon: int) -> None:
        n = len(initial_on_hand)
        self.on_hand = initial_on_hand.astype(float).copy()
        self.backlog = np.zeros(n)
        self.on_order = np.zeros(n)
        self.arrivals = np.zeros((horizon + 1, n))  # row `horizon` = arrives after the replay
        self.cycle_short = np.zeros(n, dtype=bool)
        self.short = np.empty(n)
        self.filled = np.empty(n)


def replay_kernel(
    demand: np.ndarray,
    s: np.ndarray,
    q: np.ndarray,
    big_s: np.ndarray,
    moq: np.ndarray,
    pack: np.ndarray,
    initial_on_hand: np.ndarray,
    lead_fixed: np.ndarray | None,
    lead_draw: Any,
    *,
    backorders: bool,
    review_period: int,
    trigger: str,
    order_multiples: bool,
    measure_from: np.ndarray | int = 0,
    record: bool = False,
    time_major: bool = False,
    replan: Callable[[int], tuple[np.ndarray, np.ndarray, np.ndarray]] | None = None,
    replan_every: int = 0,
) -> dict[str, np.ndarray]:
    """Replay over rows (items, or items x paths flattened); loop over time only.

    Time-major copies of the demand and the arrival schedule keep every per-period slice
    contiguous in memory, which is what makes the loop fast for a million rows. With
    ``time_major=True`` the demand is passed already as (horizon, n).

    ``replan(t)`` (with ``replan_every = k``) is called at the end of every period ``t - 1``
    with ``t % k == 0`` and ``0 < t < horizon``, after that period's demand and before its
    review; it returns the new ``(s, q, big_s)`` in force from that review on. The state
    (on hand, backlog, pipeline) carries over unchanged.
    """
    if time_major:
        horizon, n = demand.shape
        dem_t = demand
    else:
        n, horizon = demand.shape
        dem_t = np.ascontiguousarray(demand.T)
    st = _State(initial_on_hand, horizon)
    acc = {k: np.zeros(n) for k in _ACC_NAMES}
    rule = _Rule(s, q, big_s)
    mf = np.broadcast_to(np.asarray(measure_from), (n,))
    all_live = bool((mf <= 0).all())
    hist = {k: np.zeros((horizon, n)) for k in ("on_hand", "orders", "s")} if record else None
    ones = np.ones(n)
    live_b = np.ones(n, dtype=bool)
    for t in range(horizon):
        livef = ones if all_live else (t >= mf).astype(float)
        if not all_live:
            live_b = livef > 0
        _receive(st, acc, t, live_b, all_live, backorders)
        _serve(st, acc, dem_t[t], livef, live_b, all_live, backorders)
        if replan is not None and (t + 1) % replan_every == 0 and t + 1 < horizon:
            rule = _Rule(*replan(t + 1))
        if hist is not None:
            hist["on_hand"][t] = st.on_hand
            hist["s"][t] = rule.s
        if (t + 1) % review_period == 0:
            _review(
                st,
                acc,
                rule,
                t,
                horizon=horizon,
                trigger=trigger,
                order_multiples=order_multiples,
                moq=moq,
                pack=pack,
                lead_fixed=lead_fixed,
                lead_draw=lead_draw,
                livef=livef,
                orders_hist=None if hist is None else hist["orders"],
            )
    acc["backlog_end"] = st.backlog
    acc["on_hand_end"] = st.on_hand
    acc["on_order_end"] = st.on_order
    if hist is not None:
        acc["on_hand_hist"] = np.ascontiguousarray(hist["on_hand"].T)
        acc["orders_hist"] = np.ascontiguousarray(hist["orders"].T)
        acc["s_hist"] = np.ascontiguousarray(hist["s"].T)
    return acc


def _receive(
    st: _State,
    acc: dict[str, np.ndarray],
    t: int,
    live_b: np.ndarray,
    all_live: bool,
    backorders: bool,
) -> None:
    """Receipts due in period ``t`` arrive at its start (closing a cycle) and clear backlog."""
    rec = st.arrivals[t]
    got = rec > 0
    if all_live:
        acc["cycles"] += got
        acc["stockout_cycles"] += got & st.cycle_short
    else:
        acc["cycles"] += got & live_b
        acc["stockout_cycles"] += got & live_b & st.cycle_short
    st.cycle_short &= ~got
    st.on_hand += rec
    st.on_order -= rec
    if backorders:
        clear = np.minimum(st.on_hand, st.backlog)
        st.on_hand -= clear
        st.backlog -= clear


def _serve(
    st: _State,
    acc: dict[str, np.ndarray],
    d: np.ndarray,
    livef: np.ndarray,
    live_b: np.ndarray,
    all_live: bool,
    backorders: bool,
) -> None:
    """Demand ``d`` of the period is served from stock; the rest is backordered or lost."""
    filled, short = st.filled, st.short
    np.minimum(st.on_hand, d, out=filled)
    np.subtract(d, filled, out=short)
    st.on_hand -= filled
    if backorders:
        st.backlog += short
    was_short = short > 1e-12
    if all_live:
        st.cycle_short |= was_short
        acc["demand_units"] += d
        acc["filled_units"] += filled
        acc["units_short"] += short
        acc["stockout_periods"] += was_short
        acc["on_hand_sum"] += st.on_hand
        acc["measured_periods"] += 1.0
    else:
        st.cycle_short |= was_short & live_b
        acc["demand_units"] += d * livef
        acc["filled_units"] += filled * livef
        acc["units_short"] += short * livef
        acc["stockout_periods"] += was_short & live_b
        acc["on_hand_sum"] += st.on_hand * livef
        acc["measured_periods"] += livef


def _review(
    st: _State,
    acc: dict[str, np.ndarray],
    rule: _Rule,
    t: int,
    *,
    horizon: int,
    trigger: str,
    order_multiples: bool,
    moq: np.ndarray,
    pack: np.ndarray,
    lead_fixed: np.ndarray | None,
    lead_draw: Any,
    livef: np.ndarray,
    orders_hist: np.ndarray | None,
) -> None:
    """Review at the end of period ``t``: order where the inventory position reached ``s``."""
    ip = st.on_hand + st.on_order - st.backlog
    trig = (ip <= rule.s_safe) if trigger == "<=" else (ip < rule.s_safe)
    if not trig.any():
        return
    rows = np.flatnonzero(trig)
    ip_r = ip[rows]
    gap = rule.s_safe[rows] - ip_r
    qs = rule.q_safe[rows]
    if order_multiples:
        mult = np.floor(gap / qs) + 1.0 if trigger == "<=" else np.ceil(gap / qs)
        mult = np.maximum(mult, 1.0)
    else:
        mult = np.ones(len(rows))
    qty = np.where(rule.is_q[rows], mult * rule.q_zero[rows], rule.s_type_qty_base[rows] - ip_r)
    place = qty > 1e-12
    if not place.any():
        return
    rows = rows[place]
    amount = round_up_orders(qty[place], moq[rows], pack[rows])
    lead = lead_fixed[rows] if lead_draw is None else lead_draw(rows)  # type: ignore[index]
    when = np.minimum(t + 1 + lead, horizon)
    # one order per row and period: (when, rows) pairs are unique
    st.arrivals[when, rows] += amount
    st.on_order[rows] += amount
    counted = livef[rows]
    acc["orders_placed"][rows] += counted
    acc["units_ordered"][rows] += amount * counted
    if orders_hist is not None:
        orders_hist[t, rows] = amount

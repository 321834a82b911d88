"""The planners' rules: priority, quota and dual (base-surge) splits, vectorised over items.

:func:`_assign` then spreads the units a rule chose over the need buckets (a transportation
LP per item) so that rule splits are costed like optimal ones.
"""

from __future__ import annotations

import numpy as np
from scipy import sparse
from scipy.optimize import linprog

from .._problem import _EPS, _LP_CHUNK, _Arrays


def _assign(a: _Arrays, x: np.ndarray) -> np.ndarray:
    """Cheapest bucket assignment ``z`` (n, S, J) for fixed units ``x``.

    A transportation LP per item, solved as one block-diagonal LP per chunk; trivial items
    skip the LP.
    """
    _n, S, J = a.n, a.S, a.J
    total = x.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        prop = np.where(total[:, None] > 0, x / total[:, None], 0.0)
    z = prop[:, :, None] * a.nj[:, None, :]
    e = np.nan_to_num(a.e, nan=0.0)
    need_lp = ((x > _EPS).sum(axis=1) > 1) & (a.b > 0) & a.has_stockout & (total >= a.units - _EPS)
    rows = np.flatnonzero(need_lp)
    for lo in range(0, len(rows), _LP_CHUNK):
        rr = rows[lo : lo + _LP_CHUNK]
        m = len(rr)
        nv = m * S * J
        v = np.arange(nv).reshape(m, S, J)
        item = np.repeat(np.arange(m), S * J)
        s_of = np.tile(np.repeat(np.arange(S), J), m)
        j_of = np.tile(np.arange(J), m * S)
        a_eq = sparse.csr_array((np.ones(nv), (item * J + j_of, v.ravel())), shape=(m * J, nv))
        a_ub = sparse.csr_array((np.ones(nv), (item * S + s_of, v.ravel())), shape=(m * S, nv))
        res = linprog(
            (e[rr]).ravel(),
            A_ub=a_ub,
            b_ub=x[rr].ravel() + 1e-9,
            A_eq=a_eq,
            b_eq=a.nj[rr].ravel(),
            bounds=(0, None),
            method="highs",
        )
        if res.status != 0:  # pragma: no cover - the LP is feasible whenever sum x >= N
            raise RuntimeError(f"bucket assignment LP failed: {res.message}")
        z[rr] = np.maximum(res.x.reshape(m, S, J), 0.0)
    return z


def _round_to_pack(q: np.ndarray, p: np.ndarray, how: str) -> np.ndarray:
    r = q / p
    k = (
        np.ceil(r - 1e-9)
        if how == "up"
        else np.floor(r + 1e-9)
        if how == "down"
        else np.floor(r + 0.5)
    )
    return np.maximum(k, 0.0) * p


def _priority_rule(a: _Arrays) -> tuple[np.ndarray, np.ndarray]:
    """Fill suppliers in priority order (lower ``priority`` first; then price, lead time).

    Each supplier takes ``min(remaining, U_s)`` in whole packs (rounded up only within the
    overshoot allowance), lifted to its MOQ when that fits, otherwise skipped. Returns ``x``
    and the units left unplaced (> 0: the rule cannot place the order).
    """
    n, S = a.n, a.S
    pri = np.where(np.isnan(a.priority), np.inf, a.priority)
    order = np.lexsort((np.broadcast_to(np.arange(S), (n, S)), a.arrival, a.c, pri), axis=1)
    rem = np.nan_to_num(a.units).copy()
    ov = a.overshoot.copy()
    x = np.zeros((n, S))
    ub, elig = a.ub, a.elig
    rows = np.arange(n)
    for rank in range(S):
        s = order[:, rank]
        p, moq, u = a.p[rows, s], a.moq[rows, s], ub[rows, s]
        want = np.minimum(rem, u)
        up, down = _round_to_pack(want, p, "up"), _round_to_pack(want, p, "down")
        q = np.where((up - rem <= ov + _EPS) & (up <= u + _EPS), up, down)
        low = (q > _EPS) & (q < moq - _EPS)
        lift = _round_to_pack(moq, p, "up")
        can = low & (lift <= u + _EPS) & (lift - rem <= ov + _EPS)
        q = np.where(low, np.where(can, lift, 0.0), q)
        q = np.where(elig[rows, s] & (rem > _EPS), q, 0.0)
        x[rows, s] = q
        ov = ov - np.maximum(q - rem, 0.0)
        rem = np.maximum(rem - q, 0.0)
    return x, rem


def _quota_rule(a: _Arrays) -> tuple[np.ndarray, np.ndarray]:
    """Fixed shares: ``x_s = quota_s N`` rounded to the nearest pack.

    The supplier with the largest quota absorbs the rounding difference (in whole packs,
    never below ``N``).
    Returns ``x`` and a problem code per item (0 ok, 1 pack/total, 2 MOQ, 3 capacity/share,
    4 latest arrival).
    """
    n = a.n
    q = np.nan_to_num(a.quota)
    N = np.nan_to_num(a.units)
    x = np.where(q > 0, _round_to_pack(q * N[:, None], a.p, "nearest"), 0.0)
    top = q.argmax(axis=1)
    rows = np.arange(n)
    diff = N - x.sum(axis=1)
    pt = a.p[rows, top]
    adj = np.where(diff > 0, np.ceil(diff / pt - 1e-9), -np.floor(-diff / pt + 1e-9)) * pt
    x[rows, top] = np.maximum(x[rows, top] + adj, 0.0)
    total = x.sum(axis=1)
    used = x > _EPS
    code = np.zeros(n, np.int64)
    code[(total < N - _EPS) | (total > N + a.overshoot + _EPS)] = 1
    code[(used & (x < a.moq - _EPS)).any(axis=1)] = 2
    raw_ub = np.minimum(a.cap, np.where(a.share < 1.0, a.share * N[:, None], np.inf))
    code[(x > raw_ub + _EPS).any(axis=1)] = 3
    code[((q > 0) & ~a.elig).any(axis=1)] = 4
    return x, code


def _stockout_quantile_day(a: _Arrays, q: float) -> np.ndarray:
    """Day offset of the q-quantile of the stockout date (inf when beyond the horizon)."""
    cdf = np.cumsum(a.tau[:, :-1], axis=1)
    reached = cdf >= q - 1e-12
    day = np.where(reached.any(axis=1), reached.argmax(axis=1).astype(float), np.inf)
    return np.where(a.has_stockout, day, np.nan)


def _dual_rule(a: _Arrays, stockout_quantile: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Base-surge split.

    The cheap (regular) supplier gets the base, the fastest supplier the demand that falls
    between the stockout quantile and the regular supplier's arrival.

    Returns ``x``, the gap units wanted from the fast supplier and a problem code (0 ok,
    1 pack/total, 2 MOQ, 3 capacity).
    """
    n, S = a.n, a.S
    rows = np.arange(n)
    elig = a.elig
    big = np.where(elig, 0.0, np.inf)
    slots = np.broadcast_to(np.arange(S), (n, S))
    reg = np.lexsort((slots, a.arrival, a.c + big), axis=1)[:, 0]
    fast = np.lexsort((slots, a.c, a.arrival + big), axis=1)[:, 0]
    N = np.nan_to_num(a.units)
    tau_q = _stockout_quantile_day(a, stockout_quantile)
    gap_days = np.maximum(a.arrival[rows, reg] - np.nan_to_num(tau_q, nan=np.inf), 0.0)
    gap_days = np.where(np.isfinite(gap_days), gap_days, 0.0)
    rate = np.where(np.isfinite(a.d) & (a.d > 0), a.d, np.inf)
    with np.errstate(invalid="ignore"):
        gap = np.where(gap_days > 0, np.minimum(rate * gap_days, N), 0.0)
    gap = np.where(fast == reg, 0.0, gap)
    ub = a.ub
    pf, pr = a.p[rows, fast], a.p[rows, reg]
    xf = _round_to_pack(gap, pf, "up")
    xf = np.where(xf > 0, np.maximum(xf, _round_to_pack(a.moq[rows, fast], pf, "up")), 0.0)
    xf = np.minimum(xf, ub[rows, fast])
    xr = _round_to_pack(np.maximum(N - xf, 0.0), pr, "up")
    x = np.zeros((n, S))
    x[rows, fast] = xf
    x[rows, reg] += xr
    code = np.zeros(n, np.int64)
    total = x.sum(axis=1)
    code[total > N + a.overshoot + _EPS] = 1
    used = x > _EPS
    code[(used & (x < a.moq - _EPS)).any(axis=1)] = 2
    code[(x > ub + _EPS).any(axis=1) | (total < N - _EPS)] = 3
    return x, gap, code

"""The exact split of an item with up to three eligible suppliers, at array speed (no MILP).

With at most two suppliers the split MILP of :mod:`.milp` is small enough to solve by
enumeration, vectorised over items:

* one supplier ``s``: the fewest packs ``k`` with ``p k >= N`` and ``p k >= moq``, if
  ``p k <= min(ub, N + overshoot)``;
* both: every pack count ``k1`` of the first supplier with ``moq1 <= p1 k1 <= ub1``, and
  every ``k2`` of the second with ``p1 k1 + p2 k2`` in ``[N, N + overshoot]``,
  ``moq2 <= p2 k2 <= ub2``. For given amounts ``x1``, ``x2`` the best bucket assignment is
  a transportation problem with two sources: the first supplier takes ``t`` units,
  ``max(0, N - x2) <= t <= min(x1, N)``, on the buckets where it is relatively cheapest
  (``delta_j = b (e1j - e2j)`` ascending), and the cost of ``t`` is convex and piecewise
  linear, so the best ``t`` is the unconstrained one (all buckets with ``delta_j < 0``)
  clipped to the range.

The cheapest candidate is the MILP's optimum (the same variables and constraints; ties go to
fewer suppliers, then fewer packs of the first). With three suppliers the best split over
one or two of them is kept when no split over all three can be cheaper (a lower bound);
items with more pack-count candidates than ``MAX_CANDIDATES``, or with a price break at a
supplier, are left to the MILP.
"""

from __future__ import annotations

import numpy as np

from .._problem import _EPS, _Arrays

__all__: list[str] = []

#: items with more (k1, k2) candidates than this go to the MILP
MAX_CANDIDATES = 4096
#: items solved together (memory ~ items x candidates x buckets x 8 bytes)
_BATCH_CELLS = 4_000_000


def _two_slots(a: _Arrays, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The first and second eligible supplier slot of each item (second = first if one)."""
    el = a.elig[rows]
    first = np.argmax(el, axis=1)
    rest = el.copy()
    rest[np.arange(len(rows)), first] = False
    second = np.where(rest.any(axis=1), np.argmax(rest, axis=1), first)
    return first, second


def _single(a: _Arrays, rows: np.ndarray, s: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Cost and packs of ordering everything from slot ``s`` (inf where infeasible)."""
    n = a.units[rows]
    p, moq, ub = a.p[rows, s], a.moq[rows, s], a.ub[rows, s]
    k = np.maximum(np.ceil(n / p - 1e-9), np.ceil(moq / p - 1e-9))
    x = k * p
    ok = a.elig[rows, s] & (x <= ub + _EPS) & (x - n <= a.overshoot[rows] + _EPS) & (k >= 1)
    e = np.nan_to_num(a.e[rows, s], nan=0.0)
    cost = a.c[rows, s] * x + a.F[rows, s] + a.b[rows] * (e * a.nj[rows]).sum(axis=1)
    return np.where(ok, cost, np.inf), k


def _transport(
    delta: np.ndarray, nj: np.ndarray, lo: np.ndarray, hi: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Best units ``t`` of the first supplier in ``[lo, hi]`` and the extra cost ``G(t)``.

    ``delta`` (m, J) per-unit cost of the first supplier minus the second's, ``nj`` (m, J)
    bucket sizes; ``lo``, ``hi`` (m, K). ``G(t)`` is the least sum of ``delta_j z_j`` with
    ``sum z_j = t``, ``0 <= z_j <= n_j``: buckets in ascending ``delta`` order.
    """
    order = np.argsort(delta, axis=1, kind="stable")
    d = np.take_along_axis(delta, order, axis=1)
    n = np.take_along_axis(nj, order, axis=1)
    cum_n = np.concatenate([np.zeros((len(d), 1)), np.cumsum(n, axis=1)], axis=1)
    cum_g = np.concatenate([np.zeros((len(d), 1)), np.cumsum(n * d, axis=1)], axis=1)
    t0 = np.where(d < 0, n, 0.0).sum(axis=1)
    t = np.clip(t0[:, None], lo, hi)
    # G(t): whole buckets before the one t ends in, plus its part
    j = np.sum(cum_n[:, None, 1:] <= t[:, :, None] + 1e-12, axis=2)
    j = np.minimum(j, d.shape[1] - 1)
    base_n = np.take_along_axis(cum_n, j, axis=1)
    base_g = np.take_along_axis(cum_g, j, axis=1)
    slope = np.take_along_axis(d, j, axis=1)
    return t, base_g + (t - base_n) * slope


def _pairs(a: _Arrays, rows: np.ndarray, s1: np.ndarray, s2: np.ndarray) -> tuple[np.ndarray, ...]:
    """Best (cost, k1, k2, t) over the pack counts of both suppliers (inf: none feasible)."""
    m = len(rows)
    n = a.units[rows]
    ov = a.overshoot[rows]
    r = np.arange(m)
    p1, p2 = a.p[rows, s1], a.p[rows, s2]
    k1_lo = np.maximum(1.0, np.ceil(a.moq[rows, s1] / p1 - 1e-9))
    k1_hi = np.floor(np.minimum(a.ub[rows, s1], n + ov) / p1 + 1e-9)
    k2_min = np.maximum(1.0, np.ceil(a.moq[rows, s2] / p2 - 1e-9))
    k2_cap = np.floor(a.ub[rows, s2] / p2 + 1e-9)
    span = np.maximum(k1_hi - k1_lo + 1, 0).astype(np.int64)
    K = int(span.max()) if m else 0
    out_cost = np.full(m, np.inf)
    out = [np.zeros(m) for _ in range(3)]
    if K == 0:
        return out_cost, *out
    k1 = k1_lo[:, None] + np.arange(K)[None, :]
    valid = np.arange(K)[None, :] < span[:, None]
    x1 = k1 * p1[:, None]
    # the second supplier's packs: from covering N to N + overshoot (usually one value)
    k2a = np.maximum(np.ceil((n[:, None] - x1) / p2[:, None] - 1e-9), k2_min[:, None])
    k2b = np.minimum(np.floor(((n + ov)[:, None] - x1) / p2[:, None] + 1e-9), k2_cap[:, None])
    e1 = np.nan_to_num(a.e[rows, s1], nan=0.0)
    e2 = np.nan_to_num(a.e[rows, s2], nan=0.0)
    b = a.b[rows]
    delta = b[:, None] * (e1 - e2)
    base = (
        a.F[rows, s1] + a.F[rows, s2] + b * (e2 * a.nj[rows]).sum(axis=1)
    )  # second supplier serves everything, before the first takes t units
    extra = int(np.max(np.where(valid, k2b - k2a, -1))) + 1 if K else 0
    for d in range(max(extra, 0)):
        k2 = k2a + d
        ok = valid & (k2 <= k2b)
        x2 = k2 * p2[:, None]
        lo = np.maximum(0.0, n[:, None] - x2)
        hi = np.minimum(x1, n[:, None])
        ok &= lo <= hi + 1e-9
        t, g = _transport(delta, a.nj[rows], lo, np.maximum(hi, lo))
        cost = a.c[rows, s1][:, None] * x1 + a.c[rows, s2][:, None] * x2 + base[:, None] + g
        cost = np.where(ok, cost, np.inf)
        best = np.argmin(cost, axis=1)
        c_best = cost[r, best]
        with np.errstate(invalid="ignore"):
            better = c_best < out_cost - 1e-9 * np.maximum(1.0, np.abs(c_best))
        out_cost = np.where(better, c_best, out_cost)
        for arr, v in zip(out, (k1[r, best], k2[r, best], t[r, best]), strict=True):
            arr[better] = v[better]
    return out_cost, *out


def _assign(delta: np.ndarray, nj: np.ndarray, t: np.ndarray) -> np.ndarray:
    """Units of each bucket from the first supplier: ``t`` units, cheapest ``delta`` first."""
    order = np.argsort(delta, axis=1, kind="stable")
    n = np.take_along_axis(nj, order, axis=1)
    before = np.cumsum(n, axis=1) - n
    z_sorted = np.clip(t[:, None] - before, 0.0, n)
    z = np.empty_like(z_sorted)
    np.put_along_axis(z, order, z_sorted, axis=1)
    return z


def _candidate(
    a: _Arrays, rows: np.ndarray, s1: np.ndarray, s2: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The cheapest split of ``rows`` using only slots ``s1`` and ``s2`` (``s2 == s1``: one).

    Returns cost (m,), ``x`` (m, S) and ``z`` (m, S, J); cost inf where none is feasible or
    the pack counts are too many to enumerate.
    """
    m, S, J = len(rows), a.S, a.J
    x = np.zeros((m, S))
    z = np.zeros((m, S, J))
    two = s2 != s1
    n_cand = np.floor(np.minimum(a.ub[rows, s1], a.units[rows] + a.overshoot[rows]) / a.p[rows, s1])
    small = ~two | (n_cand <= MAX_CANDIDATES)
    c1, k1_only = _single(a, rows, s1)
    c2, k2_only = _single(a, rows, s2)
    c2 = np.where(two, c2, np.inf)
    cp = np.full(m, np.inf)
    kp1, kp2, tp = np.zeros(m), np.zeros(m), np.zeros(m)
    pr = np.flatnonzero(two & small)
    per = max(1, _BATCH_CELLS // max(1, int(n_cand[pr].max(initial=1)) * J))
    for lo in range(0, len(pr), per):
        sub = pr[lo : lo + per]
        cp[sub], kp1[sub], kp2[sub], tp[sub] = _pairs(a, rows[sub], s1[sub], s2[sub])
    with np.errstate(invalid="ignore"):  # inf - inf where nothing is feasible
        tol = 1e-9 * np.maximum(1.0, np.abs(np.minimum(c1, c2)))
        best = np.where(c1 <= c2 + tol, 0, 1)
        c_single = np.minimum(c1, c2)
        use_pair = cp < c_single - 1e-9 * np.maximum(1.0, np.abs(cp))
    r = np.arange(m)
    single = ~use_pair & np.isfinite(c_single) & small
    sing_s = np.where(best == 0, s1, s2)
    sing_k = np.where(best == 0, k1_only, k2_only)
    x[r[single], sing_s[single]] = (sing_k * a.p[rows, sing_s])[single]
    z[r[single], sing_s[single]] = a.nj[rows][single]
    pair = use_pair & np.isfinite(cp) & small
    if pair.any():
        i = r[pair]
        e1 = np.nan_to_num(a.e[rows[i], s1[i]], nan=0.0)
        e2 = np.nan_to_num(a.e[rows[i], s2[i]], nan=0.0)
        delta = a.b[rows[i]][:, None] * (e1 - e2)
        z1 = _assign(delta, a.nj[rows[i]], tp[i])
        x[i, s1[i]] = kp1[i] * a.p[rows[i], s1[i]]
        x[i, s2[i]] = kp2[i] * a.p[rows[i], s2[i]]
        z[i, s1[i]] = z1
        z[i, s2[i]] = a.nj[rows[i]] - z1
    cost = np.where(single, c_single, np.where(pair, cp, np.inf))
    return cost, x, z


def _pair_split(a: _Arrays, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Exact splits of the items ``rows`` with one, two or three eligible suppliers.

    Every subset of one or two suppliers is solved by :func:`_candidate`. With three, the
    best of those is optimal when it costs no more than a lower bound of any split using
    all three: their order costs plus every bucket at its cheapest supplier (packs, MOQs
    and capacities relaxed); otherwise the item is left to the MILP.

    Returns ``x`` (m, S), ``z`` (m, S, J) and ``ok`` (m,): solved here.
    """
    m, S, J = len(rows), a.S, a.J
    x = np.zeros((m, S))
    z = np.zeros((m, S, J))
    if m == 0:
        return x, z, np.zeros(0, dtype=bool)
    el = a.elig[rows]
    n_el = el.sum(axis=1)
    slots = np.argsort(~el, axis=1, kind="stable")[:, :3]  # eligible slots first, in order
    best = np.full(m, np.inf)
    for i, j in ((0, 0), (0, 1), (0, 2), (1, 2)):
        use = (n_el > max(i, j)) & ((i != j) | (n_el == 1))
        if not use.any():
            continue
        sub = np.flatnonzero(use)
        cost, xs, zs = _candidate(a, rows[sub], slots[sub, i], slots[sub, j])
        with np.errstate(invalid="ignore"):
            better = cost < best[sub] - 1e-9 * np.maximum(1.0, np.abs(cost))
        k = sub[better]
        best[k], x[k], z[k] = cost[better], xs[better], zs[better]
    # an all-units price break makes the price depend on the quantity: the MILP's job
    ok = np.isfinite(best) & (n_el >= 1) & (n_el <= 3) & ~a.has_breaks[rows]
    three = n_el == 3
    if three.any():
        C = a.unit_cost_matrix[rows[three]]  # inf where not eligible
        bound = np.where(el[three], a.F[rows[three]], 0.0).sum(axis=1) + (
            a.nj[rows[three]] * C.min(axis=1)
        ).sum(axis=1)
        with np.errstate(invalid="ignore"):
            ok[three] &= best[three] <= bound + 1e-9 * np.maximum(1.0, np.abs(bound))
    return x, z, ok

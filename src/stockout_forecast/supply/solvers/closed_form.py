"""The exact split where nothing binds, vectorised over all items (no MILP).

This is the array-speed path: every item whose cheapest supplier subset already respects
packs, MOQs, capacities and shares is solved here at numpy speed; :mod:`.milp` takes the
rest. A faster array path for more cases belongs in this module.
"""

from __future__ import annotations

import numpy as np

from .._problem import _EPS, _Arrays

_MAX_SUBSETS_S = 6  # closed form enumerates supplier subsets up to this many suppliers


def _closed_form(a: _Arrays) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Exact split where packs, MOQs, capacities and shares do not bind.

    For every subset U of suppliers, ``V_U = sum_j n_j min_{s in U} C[s, j]`` plus the order
    costs of U is a lower bound on any split that uses exactly U (packs, MOQ, capacity and
    share relaxed). The cheapest subset's bucket-by-bucket assignment attains that bound;
    when it also respects packs, MOQ, capacity and share it is optimal. Returns ``x`` (n, S),
    ``z`` (n, S, J) and ``ok`` (n,) where the certificate holds.
    """
    n, S, J = a.n, a.S, a.J
    C = a.unit_cost_matrix
    nj = a.nj
    slots = np.arange(S)
    if S <= _MAX_SUBSETS_S:
        masks = [np.array([(m >> i) & 1 for i in range(S)], bool) for m in range(1, 2**S)]
    else:  # too many subsets: only exact when no order costs
        masks = [np.ones(S, bool)]
    best = np.full(n, np.inf)
    best_arg = np.zeros((n, J), np.int64)
    for in_u in masks:
        cu = np.where(in_u[None, :, None], C, np.inf)
        arg = cu.argmin(axis=1)  # (n, J)
        mins = np.take_along_axis(cu, arg[:, None, :], 1)[:, 0, :]
        with np.errstate(invalid="ignore"):
            v = np.where(nj > 0, nj * mins, 0.0).sum(axis=1)
        lb = v + (a.F * in_u[None, :]).sum(axis=1)
        better = lb < best - 1e-12
        best = np.where(better, lb, best)
        best_arg[better] = arg[better]
    onehot = (best_arg[:, None, :] == slots[None, :, None]) & (nj > 0)[:, None, :]
    z = onehot * nj[:, None, :]
    x = z.sum(axis=2)
    used = x > _EPS
    packs = x / a.p
    whole = np.abs(packs - np.round(packs)) <= 1e-6 * np.maximum(1.0, packs)
    fits = ~used | (whole & (x >= a.moq - _EPS) & (x <= a.ub + _EPS))
    no_subset_exact = bool((a.F[a.present] > 0).any()) if S > _MAX_SUBSETS_S else False
    # a price break makes the unit price depend on the quantity: not this linear bound
    ok = (
        np.isfinite(best) & fits.all(axis=1) & (a.units > 0) & (not no_subset_exact) & ~a.has_breaks
    )
    return x, z, ok

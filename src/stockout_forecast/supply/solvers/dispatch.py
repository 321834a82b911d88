"""One entry point for every mode: which solver splits which item."""

from __future__ import annotations

import numpy as np

from .._problem import _EPS, _Arrays, _split_text
from .closed_form import _closed_form
from .diagnose import _diagnose, _rule_message
from .milp import _BLOCK, _milp_block, _milp_one
from .pairs import _pair_split
from .rules import _assign, _dual_rule, _priority_rule, _quota_rule


def _solve(
    a: _Arrays,
    mode: str,
    *,
    stockout_quantile: float,
    time_limit: float | None,
    active: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, dict[str, np.ndarray]]:
    """Split every active item. Returns x, z, solver tag, problem message ('' = ok), extra."""
    n, S, J = a.n, a.S, a.J
    x = np.zeros((n, S))
    z = np.zeros((n, S, J))
    solver = np.full(n, "", dtype=object)
    problem = np.full(n, "", dtype=object)
    extra: dict[str, np.ndarray] = {}
    if mode == "optimal":
        xc, zc, ok = _closed_form(a)
        ok &= active
        x[ok], z[ok] = xc[ok], zc[ok]
        solver[ok] = "closed_form"
        # up to three suppliers: exact by enumeration (pairs.py); the rest by MILP
        rest = np.flatnonzero(active & ~ok)
        xp, zp, okp = _pair_split(a, rest)
        done = rest[okp]
        x[done], z[done] = xp[okp], zp[okp]
        solver[done] = "enumeration"
        hard = rest[~okp]
        single = np.zeros(n, bool)
        for lo in range(0, len(hard), _BLOCK):
            rr = hard[lo : lo + _BLOCK]
            xb, zb, okb = _milp_block(a, rr, time_limit=time_limit)
            x[rr[okb]], z[rr[okb]] = xb[okb], zb[okb]
            solver[rr[okb]] = "milp"
            single[rr[~okb]] = True
        for i in np.flatnonzero(single):
            status, xi, zi = _milp_one(a, int(i), time_limit=time_limit)
            if status in (0, 1) and xi.sum() >= a.units[i] - _EPS:
                x[i], z[i] = xi, zi
                solver[i] = "milp" if status == 0 else "milp (time limit)"
            elif status == 2:
                problem[i] = _diagnose(a, int(i))
            else:
                problem[i] = (
                    f"HiGHS found no split for item {str(a.item_ids[i])!r} within time_limit="
                    f"{time_limit} s (status {status}); raise time_limit."
                )
        return x, z, solver, problem, extra
    if mode == "priority":
        xr, rem = _priority_rule(a)
        bad = active & (rem > _EPS)
        for i in np.flatnonzero(bad):
            problem[i] = _rule_message(a, int(i), mode, xr[i], 0, rem[i])
    elif mode == "quota":
        q = np.nan_to_num(a.quota)
        sums = q.sum(axis=1)
        xr, code = _quota_rule(a)
        bad_sum = active & (np.abs(sums - 1.0) > 1e-6)
        for i in np.flatnonzero(bad_sum):
            problem[i] = (
                f"quotas for item {str(a.item_ids[i])!r} sum to {sums[i]:.6g}, not 1: "
                f"{_split_text(a, int(i), q[i])}. Give every supplier a share so that they add up to 1."
            )
        for i in np.flatnonzero(active & ~bad_sum & (code > 0)):
            problem[i] = _rule_message(a, int(i), mode, xr[i], int(code[i]))
    else:
        xr, gap, code = _dual_rule(a, stockout_quantile)
        for i in np.flatnonzero(active & (code > 0)):
            problem[i] = _rule_message(a, int(i), mode, xr[i], int(code[i]))
        rows = np.arange(n)
        big = np.where(a.elig, 0.0, np.inf)
        slots = np.broadcast_to(np.arange(S), (n, S))
        extra = {
            "gap": gap,
            "reg": np.lexsort((slots, a.arrival, a.c + big), axis=1)[:, 0],
            "fast": np.lexsort((slots, a.c, a.arrival + big), axis=1)[:, 0],
        }
        del rows
    good = active & (problem == "")
    x[good] = xr[good]
    z[good] = _assign(a.take(np.flatnonzero(good)), xr[good]) if good.any() else z[good]
    solver[good] = "rule"
    return x, z, solver, problem, extra

"""Joint re-optimisation when supplier-level limits (capacity, minimum order value) bind."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np
import pandas as pd
from scipy import sparse
from scipy.optimize import Bounds, LinearConstraint, milp

from .._problem import _EPS, _Arrays
from .closed_form import _closed_form
from .milp import _BLOCK, _milp_block, _milp_one, _milp_parts


def _candidate_cost(a: _Arrays, x: np.ndarray, z: np.ndarray) -> np.ndarray:
    e = np.nan_to_num(a.e, nan=0.0)
    value = a.purchase_value(x).sum(1)
    return value + (a.F * (x > _EPS)).sum(1) + a.b * (e * z).sum(axis=(1, 2))


def _optimal_restricted(
    a: _Arrays, time_limit: float | None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Optimal split for every item of ``a`` (closed form, else MILP); ok=False if infeasible."""
    x, z, ok = _closed_form(a)
    hard = np.flatnonzero(~ok & (a.units > 0))
    for lo in range(0, len(hard), _BLOCK):
        rr = hard[lo : lo + _BLOCK]
        xb, zb, okb = _milp_block(a, rr, time_limit=time_limit)
        x[rr[okb]], z[rr[okb]], ok[rr[okb]] = xb[okb], zb[okb], True
        for i in rr[~okb]:
            status, xi, zi = _milp_one(a, int(i), time_limit=time_limit)
            if status in (0, 1) and xi.sum() >= a.units[i] - _EPS:
                x[i], z[i], ok[i] = xi, zi, True
    return x, z, ok


def _joint_exact(
    a: _Arrays,
    aff: np.ndarray,
    lim_sups: list[str],
    cap_v: dict[str, float],
    mov_v: dict[str, float],
    fixed_units: pd.Series,
    fixed_value: pd.Series,
    time_limit: float,
) -> tuple[int, str, np.ndarray, np.ndarray]:
    """One exact MILP over all affected items, for small affected sets.

    Their per-item MILPs are stacked, plus the supplier rows: capacity ``sum p k <= cap -
    fixed`` and minimum value ``sum c p k >= (mov - fixed) Y_v`` with ``y <= Y_v``.
    """
    S, J = a.S, a.J
    parts = [_milp_parts(a, int(i)) for i in aff]  # small sets only (joint_exact_items)
    nv0, nr0 = parts[0]["nv"], parts[0]["nr"]
    m = len(aff)
    voff = np.arange(m) * nv0
    roff = np.arange(m) * nr0
    rows = [p_["rows"] + ro for p_, ro in zip(parts, roff, strict=True)]
    cols = [p_["cols"] + vo for p_, vo in zip(parts, voff, strict=True)]
    vals = [p_["vals"] for p_ in parts]
    lo = [p_["lo"] for p_ in parts]
    hi = [p_["hi"] for p_ in parts]
    cost = [p_["cost"] for p_ in parts]
    lb = [p_["lb"] for p_ in parts]
    ub = [p_["ub"] for p_ in parts]
    integ = [p_["integrality"] for p_ in parts]
    r = m * nr0
    nY = 0
    K = parts[0]["K"]
    Yl = parts[0]["Y"]
    sup = a.sup[aff]
    for v in lim_sups:
        ii, ss = np.nonzero(sup == v)
        if not len(ii):
            continue
        kv = voff[ii] + K[ss]
        pv = a.p[aff[ii], ss]
        c = cap_v.get(v, np.inf)
        if np.isfinite(c):
            rows.append(np.full(len(ii), r))
            cols.append(kv)
            vals.append(pv)
            lo.append(np.array([-np.inf]))
            hi.append(np.array([c - fixed_units.get(v, 0.0)]))
            r += 1
        mv = mov_v.get(v, 0.0)
        if mv > 0:
            yg = m * nv0 + nY
            nY += 1
            fv = fixed_value.get(v, 0.0)
            rows += [np.full(len(ii), r), np.array([r])]
            cols += [kv, np.array([yg])]
            vals += [a.c[aff[ii], ss] * pv, np.array([-(mv - fv)])]
            lo.append(np.array([0.0]))
            hi.append(np.array([np.inf]))
            r += 1
            rows += [r + np.arange(len(ii)), r + np.arange(len(ii))]
            cols += [voff[ii] + Yl[ss], np.full(len(ii), yg)]
            vals += [np.ones(len(ii)), -np.ones(len(ii))]
            lo.append(np.full(len(ii), -np.inf))
            hi.append(np.zeros(len(ii)))
            r += len(ii)
            cost.append(np.zeros(1))
            lb.append(np.array([1.0 if fv > 0 else 0.0]))
            ub.append(np.ones(1))
            integ.append(np.ones(1))
    nvt = m * nv0 + nY
    A = sparse.csr_array(
        (np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))), shape=(r, nvt)
    )
    res = milp(
        np.concatenate(cost),
        integrality=np.concatenate(integ),
        bounds=Bounds(np.concatenate(lb), np.concatenate(ub)),
        constraints=LinearConstraint(A, np.concatenate(lo), np.concatenate(hi)),
        options={"mip_rel_gap": 1e-7, "time_limit": float(time_limit)},
    )
    if res.x is None:
        return int(res.status), str(res.message), np.zeros((m, S)), np.zeros((m, S, J))
    sol = res.x[: m * nv0].reshape(m, nv0)
    x = np.round(sol[:, K]) * a.p[aff]
    z = np.maximum(sol[:, parts[0]["Z"].ravel()].reshape(m, S, J), 0.0)
    return int(res.status), str(res.message), x, z


def _joint(
    a: _Arrays,
    x: np.ndarray,
    z: np.ndarray,
    planned: np.ndarray,
    limits: pd.DataFrame,
    *,
    time_limit: float | None,
    joint_time_limit: float,
    joint_exact_items: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[str]]:
    """Re-optimise items jointly so that supplier-level limits hold.

    Up to ``joint_exact_items`` affected items: one exact MILP (:func:`_joint_exact`).
    More: candidates per affected item: its current split, its optimal split without each
    supplier that has a limit, its split from only the supplier below its minimum value,
    and its optimum with each over-capacity supplier scaled down to its proportional share
    of that capacity. A multiple-choice MILP (one candidate per item)
    then minimises the total cost subject to supplier capacity and minimum order value
    (``value >= min_order_value`` or no order at all). Exact over that candidate set.
    """
    n = a.n
    lim = limits.set_index("supplier_id")
    cap_v: dict[str, float] = {str(k): float(v) for k, v in lim["capacity_units"].items()}
    mov_v: dict[str, float] = {str(k): float(v) for k, v in lim["min_order_value"].items()}
    over, under, tot_units, notes = _limit_breaches(a, x, planned, cap_v, mov_v)
    if not over and not under:
        return x, z, np.zeros(n, bool), notes
    used = (x > _EPS) & planned[:, None]
    is_over = np.isin(a.sup, over) & used
    is_under = np.isin(a.sup, under) & a.elig
    aff = np.flatnonzero(planned & (is_over | is_under).any(axis=1))
    fixed = planned.copy()
    fixed[aff] = False
    fixed_units, fixed_value = _supplier_totals(a, x, fixed)
    changed = np.zeros(n, bool)
    if len(aff) <= joint_exact_items:
        lim_sups = [v for v in lim.index if (a.sup[aff] == v).any()]
        status, msg, xa, za = _joint_exact(
            a, aff, lim_sups, cap_v, mov_v, fixed_units, fixed_value, joint_time_limit
        )
        if status not in (0, 1):
            notes.append(
                f"the supplier-level limits cannot all be met by re-splitting the affected "
                f"{len(aff):,} items (HiGHS status {status}: {msg}); the per-item splits are "
                f"kept and the purchase orders flagged"
            )
            return x, z, changed, notes
        x, z = x.copy(), z.copy()
        x[aff], z[aff] = xa, za
        changed[aff] = True
        tag = "optimal" if status == 0 else f"best found in {joint_time_limit:g} s"
        notes.append(
            f"re-split {len(aff):,} items in one joint MILP ({tag}) so that the supplier limits hold"
        )
        return x, z, changed, notes
    sub = a.take(aff)
    cx, cz, ci = _candidate_splits(
        sub, x[aff], z[aff], list(lim.index), over, under, cap_v, tot_units, time_limit
    )
    res = _choose_candidates(
        sub, cx, cz, ci, list(lim.index), cap_v, mov_v, fixed_units, fixed_value, joint_time_limit
    )
    if res.x is None:
        notes.append(
            "the supplier-level limits cannot all be met by re-splitting the affected "
            f"{len(aff):,} items (HiGHS status {res.status}: {res.message}); the per-item "
            "splits are kept and the purchase orders flagged"
        )
        return x, z, changed, notes
    pick = np.flatnonzero(res.x[: len(ci)] > 0.5)
    x = x.copy()
    z = z.copy()
    x[aff[ci[pick]]] = cx[pick]
    z[aff[ci[pick]]] = cz[pick]
    changed[aff] = True
    tag = "optimal" if res.status == 0 else f"best found in {joint_time_limit:g} s"
    notes.append(
        f"re-split {len(aff):,} items jointly over {len(ci):,} candidate splits ({tag}) so that "
        f"the supplier limits hold"
    )
    return x, z, changed, notes


def _supplier_totals(a: _Arrays, x: np.ndarray, rows: np.ndarray) -> tuple[pd.Series, pd.Series]:
    """Units and purchase value per supplier over the items ``rows`` (a mask)."""
    used = (x > _EPS) & rows[:, None]
    units = pd.Series(x[used], index=a.sup[used]).groupby(level=0).sum()
    value = pd.Series(a.purchase_value(x)[used], index=a.sup[used]).groupby(level=0).sum()
    return units, value


def _limit_breaches(
    a: _Arrays,
    x: np.ndarray,
    planned: np.ndarray,
    cap_v: dict[str, float],
    mov_v: dict[str, float],
) -> tuple[list[str], list[str], pd.Series, list[str]]:
    """The supplier limits that the per-item splits break.

    Returns the suppliers over their capacity, those under their minimum order value, the
    planned units per supplier, and a note for each breach.
    """
    tot_units, tot_value = _supplier_totals(a, x, planned)
    over = [v for v, c in cap_v.items() if np.isfinite(c) and tot_units.get(v, 0.0) > c + _EPS]
    under = [v for v, m in mov_v.items() if m > 0 and 0 < tot_value.get(v, 0.0) < m - _EPS]
    notes = [
        f"supplier {v}: {tot_units[v]:,.6g} units planned > capacity_units {cap_v[v]:,.6g}"
        for v in over
    ]
    notes += [
        f"supplier {v}: order value {tot_value[v]:,.2f} < min_order_value {mov_v[v]:,.2f}"
        for v in under
    ]
    return over, under, tot_units, notes


def _candidate_splits(
    sub: _Arrays,
    sub_x: np.ndarray,
    sub_z: np.ndarray,
    lim_index: list[str],
    over: list[str],
    under: list[str],
    cap_v: dict[str, float],
    tot_units: pd.Series,
    time_limit: float | None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Candidate splits of the affected items ``sub``.

    Returns x (nc, S), z (nc, S, J) and the item (row of ``sub``) of each candidate.

    The current split, the split without each limited supplier, the split from only a
    supplier below its minimum value, and the split with an over-capacity supplier scaled
    to its share of the capacity.
    """
    cand_x, cand_z = [sub_x], [sub_z]
    cand_item = [np.arange(sub.n)]

    def add(restricted: _Arrays, must: np.ndarray | None = None) -> None:
        xs, zs, ok = _optimal_restricted(restricted, time_limit)
        if must is not None:
            ok &= must
        cand_x.append(xs[ok])
        cand_z.append(zs[ok])
        cand_item.append(np.flatnonzero(ok))

    for v in lim_index:
        has_v = (sub.sup == v) & sub.present
        if not has_v.any():
            continue
        restricted = replace(sub, present=sub.present & ~has_v)
        add(restricted, has_v.any(axis=1) & restricted.present.any(axis=1))
    for v in under:  # a supplier below its minimum value: candidates that buy only from it
        only_v = (sub.sup == v) & sub.present
        add(replace(sub, present=only_v), only_v.any(axis=1))
    for v in over:
        share = cap_v[v] / tot_units[v]
        cap = np.where(
            (sub.sup == v) & (sub_x > _EPS), np.floor(sub_x * share / sub.p + 1e-9) * sub.p, sub.cap
        )
        add(replace(sub, cap=cap))
    return np.concatenate(cand_x), np.concatenate(cand_z), np.concatenate(cand_item)


def _choose_candidates(
    sub: _Arrays,
    cx: np.ndarray,
    cz: np.ndarray,
    ci: np.ndarray,
    lim_index: list[str],
    cap_v: dict[str, float],
    mov_v: dict[str, float],
    fixed_units: pd.Series,
    fixed_value: pd.Series,
    joint_time_limit: float,
) -> Any:
    """The multiple-choice MILP: one candidate per item at least total cost.

    Subject to each supplier's capacity and minimum order value (or no order). Returns
    scipy's result.
    """
    ccost = _candidate_cost(sub.take(ci), cx, cz)
    nc = len(ci)
    n_items = sub.n
    csup = sub.sup[ci]  # (nc, S)
    lim_sups = [v for v in lim_index if (csup == v).any()]
    nY = len(lim_sups)
    rows: list[Any] = []
    cols: list[Any] = []
    vals: list[Any] = []
    lo: list[Any] = []
    hi: list[Any] = []
    r = 0
    # one candidate per item
    rows.append(ci)
    cols.append(np.arange(nc))
    vals.append(np.ones(nc))
    lo.append(np.ones(n_items))
    hi.append(np.ones(n_items))
    r += n_items
    y_lb = np.zeros(nY)
    for k, v in enumerate(lim_sups):
        onv = (csup == v) & (cx > _EPS)
        units_v = (cx * onv).sum(axis=1)
        value_v = (sub.c[ci] * cx * onv).sum(axis=1)
        uses = np.flatnonzero(units_v > _EPS)
        c = cap_v.get(v, np.inf)
        if np.isfinite(c):
            rows.append(np.full(len(uses), r))
            cols.append(uses)
            vals.append(units_v[uses])
            lo.append([-np.inf])
            hi.append([c - fixed_units.get(v, 0.0)])
            r += 1
        mv = mov_v.get(v, 0.0)
        if mv > 0:
            # value + fixed >= mov * Y ; each candidate using v needs Y
            rows += [np.full(len(uses), r), [r]]
            cols += [uses, [nc + k]]
            vals += [value_v[uses], [-(mv - fixed_value.get(v, 0.0))]]
            lo.append([0.0])
            hi.append([np.inf])
            r += 1
            rows += [r + np.arange(len(uses)), r + np.arange(len(uses))]
            cols += [uses, np.full(len(uses), nc + k)]
            vals += [np.ones(len(uses)), -np.ones(len(uses))]
            lo.append(np.full(len(uses), -np.inf))
            hi.append(np.zeros(len(uses)))
            r += len(uses)
            if fixed_value.get(v, 0.0) > 0:
                y_lb[k] = 1.0
    A = sparse.csr_array(
        (np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))), shape=(r, nc + nY)
    )
    return milp(
        np.concatenate([ccost, np.zeros(nY)]),
        integrality=np.ones(nc + nY),
        bounds=Bounds(np.concatenate([np.zeros(nc), y_lb]), np.ones(nc + nY)),
        constraints=LinearConstraint(A, np.concatenate(lo), np.concatenate(hi)),
        options={"mip_rel_gap": 1e-6, "time_limit": float(joint_time_limit)},
    )

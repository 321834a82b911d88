"""Why a split cannot be made: the binding constraint and the closest feasible orders."""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy import sparse
from scipy.optimize import Bounds, LinearConstraint, milp

from .._problem import _EPS, _Arrays, _fmt, _split_text

_FAMILIES = ("capacity", "max_share", "moq", "pack", "latest_arrival")


def _feasible_total(
    a: _Arrays, i: int, *, relax: tuple[str, ...] = (), target: str = "exact"
) -> tuple[bool, np.ndarray]:
    """Whether item i can be split (constraints minus ``relax``), and a split that does it.

    ``target``: "exact" (total in [N, N + overshoot]), "below" (largest total <= N) or
    "above" (smallest total >= N).
    """
    S = a.S
    N, ov = a.units[i], a.overshoot[i]
    p = a.p[i] if "pack" not in relax else np.full(S, 1e-6)
    integral = "pack" not in relax
    el = a.present[i] if "latest_arrival" in relax else a.elig[i]
    cap = np.full(S, np.inf) if "capacity" in relax else a.cap[i]
    share = np.ones(S) if "max_share" in relax else a.share[i]
    moq = np.zeros(S) if "moq" in relax else a.moq[i]
    hi_total = (
        N + ov if target != "above" else N + ov + np.nansum(np.where(el, np.minimum(cap, 1e12), 0))
    )
    u = np.where(el, np.minimum(cap, hi_total), 0.0)
    K, Y = np.arange(S), S + np.arange(S)
    rows: list[Any] = []
    cols: list[Any] = []
    vals: list[Any] = []
    lo: list[Any] = []
    hi: list[Any] = []
    r = 0
    # total
    rows.append(np.full(S, r))
    cols.append(K)
    vals.append(p)
    if target == "exact":
        lo.append([N])
        hi.append([N + ov])
    elif target == "below":
        lo.append([0.0])
        hi.append([N])
    else:
        lo.append([N])
        hi.append([np.inf])
    r += 1
    for coef, l_, h_ in ((np.minimum(u, 1e12), -np.inf, 0.0), (moq, 0.0, np.inf)):
        rows += [r + np.arange(S), r + np.arange(S)]
        cols += [K, Y]
        vals += [p, -coef]
        lo.append(np.full(S, l_))
        hi.append(np.full(S, h_))
        r += S
    # share of the order placed: p_s k_s - share_s sum_r p_r k_r <= 0 (or of N when exact)
    lim = share < 1.0 - 1e-12
    if lim.any():
        for s in np.flatnonzero(lim):
            row_vals = -share[s] * p.copy()
            row_vals[s] += p[s]
            rows.append(np.full(S, r))
            cols.append(K)
            vals.append(row_vals)
            lo.append([-np.inf])
            hi.append([0.0])
            r += 1
    A = sparse.csr_array(
        (np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))), shape=(r, 2 * S)
    )
    obj = np.concatenate([p, np.zeros(S)]) * (-1.0 if target == "below" else 1.0)
    if target == "exact":
        obj = np.zeros(2 * S)
    kub = np.where(el, np.floor(np.minimum(u, 1e12) / p + 1e-9), 0.0)
    res = milp(
        obj,
        integrality=np.concatenate([np.full(S, 1 if integral else 0), np.ones(S)]),
        bounds=Bounds(np.zeros(2 * S), np.concatenate([kub, el.astype(float)])),
        constraints=LinearConstraint(A, np.concatenate(lo), np.concatenate(hi)),
        options={"mip_rel_gap": 1e-9},
    )
    if res.status != 0 or res.x is None:
        return False, np.zeros(S)
    return True, np.round(res.x[K]) * p if integral else res.x[K] * p


def _family_detail(a: _Arrays, i: int, fam: str) -> str:
    ids = a.sup[i]
    pres = a.present[i]
    N = a.units[i]
    if fam == "capacity":
        parts = [
            f"{ids[s]} {_fmt(a.cap[i, s])}" for s in np.flatnonzero(pres & np.isfinite(a.cap[i]))
        ]
        return "capacity_units (" + ", ".join(parts) + ")"
    if fam == "max_share":
        parts = [
            f"{ids[s]} {a.share[i, s]:g} = {_fmt(a.share[i, s] * N)} units"
            for s in np.flatnonzero(pres)
        ]
        return "max_share (" + ", ".join(parts) + ")"
    if fam == "moq":
        parts = [f"{ids[s]} {_fmt(a.moq[i, s])}" for s in np.flatnonzero(pres & (a.moq[i] > 0))]
        return "moq_units (" + ", ".join(parts) + ")"
    if fam == "pack":
        parts = [f"{ids[s]} {_fmt(a.p[i, s])}" for s in np.flatnonzero(pres)]
        return "pack_units (" + ", ".join(parts) + f") with overshoot_units {_fmt(a.overshoot[i])}"
    late = np.flatnonzero(pres & ~a.elig[i])
    parts = [f"{ids[s]} expected on day {a.arrival[i, s]:.3g}" for s in late]
    return f"latest useful arrival day {a.latest[i]:.3g} (" + ", ".join(parts) + ")"


def _diagnose(a: _Arrays, i: int) -> str:
    """The message of an infeasible split: binding constraint(s) and closest feasible orders."""
    N = a.units[i]
    active = []
    pres = a.present[i]
    if (pres & np.isfinite(a.cap[i])).any():
        active.append("capacity")
    if (pres & (a.share[i] < 1)).any():
        active.append("max_share")
    if (pres & (a.moq[i] > 0)).any():
        active.append("moq")
    active.append("pack")  # whole packs (or whole units) always restrict the total
    if (pres & ~a.elig[i]).any():
        active.append("latest_arrival")
    binding = [f for f in active if _feasible_total(a, i, relax=(f,))[0]]
    if not binding:
        names = " + ".join(active)
        why = f"a combination of {names}: " + "; ".join(_family_detail(a, i, f) for f in active)
    else:
        why = " or ".join(_family_detail(a, i, f) for f in binding)
    ok_lo, x_lo = _feasible_total(a, i, target="below")
    ok_hi, x_hi = _feasible_total(a, i, target="above")
    lo_txt = (
        f"{_fmt(x_lo.sum())} units ({_split_text(a, i, x_lo)})"
        if ok_lo and x_lo.sum() > _EPS
        else "none at or below the order"
    )
    hi_txt = f"{_fmt(x_hi.sum())} units ({_split_text(a, i, x_hi)})" if ok_hi else "none above it"
    fix = []
    if ok_lo and x_lo.sum() > _EPS:
        fix.append(f"order {_fmt(x_lo.sum())} units")
    if ok_hi:
        fix.append(f"order {_fmt(x_hi.sum())} units (or raise overshoot_units)")
    fix.append("relax the binding terms or add a supplier")
    return (
        f"Cannot split {_fmt(N)} units of item {str(a.item_ids[i])!r} across suppliers "
        f"{[str(v) for v in a.sup[i][pres]]}: binding constraint {why}. Closest feasible "
        f"orders: {lo_txt}; {hi_txt}. To fix: {'; '.join(fix)}."
    )


def _rule_message(a: _Arrays, i: int, mode: str, x: np.ndarray, code: int, rem: float = 0.0) -> str:
    """Why a rule-based split cannot place item i's order, and the closest order it can place."""
    N = a.units[i]
    head = f"Cannot split {_fmt(N)} units of item {str(a.item_ids[i])!r} by the {mode} rule"
    pres = np.flatnonzero(a.present[i])
    ids = a.sup[i]
    if mode == "priority":
        placed = N - rem
        return (
            f"{head}: binding constraint {_family_detail(a, i, 'capacity')}, "
            f"{_family_detail(a, i, 'moq')}, {_family_detail(a, i, 'pack')} and max_share leave "
            f"{_fmt(rem)} units unplaced. Closest feasible order: {_fmt(placed)} units "
            f"({_split_text(a, i, x)}). Order {_fmt(placed)} units, use mode='optimal', or "
            f"relax those terms."
        )
    q = np.nan_to_num(a.quota[i])
    if code == 2:
        low = [s for s in pres if x[s] > _EPS and x[s] < a.moq[i, s] - _EPS]
        need = (
            max(a.moq[i, s] / q[s] for s in pres if q[s] > 0 and a.moq[i, s] > 0)
            if mode == "quota"
            else np.nan
        )
        what = ", ".join(f"{ids[s]} gets {_fmt(x[s])} < MOQ {_fmt(a.moq[i, s])}" for s in low)
        close = (
            f" Closest feasible order: {_fmt(np.ceil(need - 1e-9))} units (every quota share reaches its MOQ)."
            if mode == "quota"
            else ""
        )
        return f"{head}: binding constraint moq_units ({what}).{close} Raise the order, change the shares, or use mode='optimal'."
    if code == 3:
        raw = np.minimum(a.cap[i], np.where(a.share[i] < 1.0, a.share[i] * N, np.inf))
        over = [s for s in pres if x[s] > raw[s] + _EPS]
        what = ", ".join(f"{ids[s]} gets {_fmt(x[s])} > limit {_fmt(raw[s])}" for s in over)
        close = ""
        if mode == "quota":
            most = min(np.minimum(a.cap[i, s], np.inf) / q[s] for s in pres if q[s] > 0)
            close = f" Closest feasible order: {_fmt(np.floor(most + 1e-9))} units (largest the shares fit)."
        return f"{head}: binding constraint capacity_units / max_share ({what}).{close} Lower the order, change the shares, or use mode='optimal'."
    if code == 4:
        late = ", ".join(
            f"{ids[s]} (day {a.arrival[i, s]:.3g})" for s in pres if q[s] > 0 and not a.elig[i, s]
        )
        return (
            f"{head}: binding constraint latest useful arrival (day {a.latest[i]:.3g}): suppliers with a "
            f"quota arrive too late: {late}. Give them quota 0 or use mode='optimal'."
        )
    return (
        f"{head}: binding constraint {_family_detail(a, i, 'pack')}: the shares rounded to packs "
        f"give {_fmt(x.sum())} units ({_split_text(a, i, x)}). Closest feasible order: "
        f"{_fmt(x.sum())} units. Order that, raise overshoot_units, or use mode='optimal'."
    )

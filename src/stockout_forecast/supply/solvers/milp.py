"""The split MILP (HiGHS): the builder and the per-item and block solvers.

:func:`_milp_parts` writes one item's program as arrays (variables, constraint rows, bounds,
costs); :func:`_milp_one` solves it alone and :func:`_milp_block` solves a few items in one
block-diagonal program. A new term of the cost model (price breaks, say) is new variables
and rows in :func:`_milp_parts`; both solvers and the joint re-optimisation pick it up.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy import sparse
from scipy.optimize import Bounds, LinearConstraint, milp

from .._problem import _Arrays

#: items per block-diagonal MILP: one, so that an item's split (HiGHS's continuous
#: variables too) does not depend on which items share its chunk of the plan; blocks of 2
#: cost the same CPU per item (see plan_purchase_orders Notes)
_BLOCK = 1


def _milp_parts(
    a: _Arrays,
    i: int,
    *,
    elig: np.ndarray | None = None,
    ub: np.ndarray | None = None,
    slack_cost: float | None = None,
) -> dict[str, Any]:
    """Item i's MILP as arrays.

    Variables ``k`` (S packs), ``y`` (S binaries), ``z`` (S*J) and, with ``slack_cost``,
    ``u`` (J units left unplaced at that cost per unit).
    """
    S, J = a.S, a.J
    p, moq, c, F = a.p[i], a.moq[i], a.c[i], a.F[i]
    el = a.elig[i] if elig is None else elig
    u = (a.ub[i] if ub is None else ub) * el
    e = np.nan_to_num(a.e[i], nan=0.0)
    nj = a.nj[i]
    nu = J if slack_cost is not None else 0
    B = a.brk_q.shape[2]
    nv = 2 * S + S * J + nu + 2 * S * B
    K, Y = np.arange(S), S + np.arange(S)
    Z = (2 * S + np.arange(S * J)).reshape(S, J)
    U = 2 * S + S * J + np.arange(nu)
    W = (2 * S + S * J + nu + np.arange(S * B)).reshape(S, B)
    V = W + S * B
    rows, cols, vals, lo, hi, r = _base_rows(a, i, u, moq, nj, K, Y, Z, U)
    disc = np.zeros((S, B))
    if B:
        r = _price_break_rows(a, i, u, p, K, W, V, rows, cols, vals, lo, hi, r)
        disc = _break_discounts(a.c[i], a.brk_q[i], a.brk_c[i])
    has_brk = np.isfinite(a.brk_q[i]) & el[:, None] if B else np.zeros((S, 0), bool)
    return {
        "nv": nv,
        "nr": r,
        "K": K,
        "Y": Y,
        "Z": Z,
        "U": U,
        "cost": np.concatenate(
            [
                c * p,
                F,
                (a.b[i] * e).ravel(),
                np.full(nu, slack_cost or 0.0),
                np.zeros(S * B),
                -disc.ravel(),
            ]
        ),
        "integrality": np.concatenate(
            [np.ones(2 * S), np.zeros(S * J + nu), np.ones(S * B), np.zeros(S * B)]
        ),
        "lb": np.zeros(nv),
        "ub": np.concatenate(
            [
                np.floor(u / p + 1e-9),
                el.astype(float),
                np.repeat(np.where(el, np.inf, 0.0), J),
                nj if nu else np.zeros(0),
                has_brk.ravel().astype(float),
                np.where(has_brk, u[:, None], 0.0).ravel(),
            ]
        ),
        "rows": np.concatenate(rows),
        "cols": np.concatenate(cols),
        "vals": np.concatenate(vals),
        "lo": np.concatenate([np.asarray(v, float) for v in lo]),
        "hi": np.concatenate([np.asarray(v, float) for v in hi]),
    }


def _base_rows(
    a: _Arrays,
    i: int,
    u: np.ndarray,
    moq: np.ndarray,
    nj: np.ndarray,
    K: np.ndarray,
    Y: np.ndarray,
    Z: np.ndarray,
    U: np.ndarray,
) -> tuple[list[Any], list[Any], list[Any], list[Any], list[Any], int]:
    """Item i's constraints without price breaks: buckets, supplier packs, overshoot, limits.

    Returns the sparse entries (rows, cols, vals), the bounds (lo, hi) and the next row.
    """
    S, J = a.S, a.J
    p = a.p[i]
    nu = len(U)
    rows: list[Any] = []
    cols: list[Any] = []
    vals: list[Any] = []
    lo: list[Any] = []
    hi: list[Any] = []
    r = 0
    # buckets: sum_s z[s, j] (+ u_j) = n_j
    rows += [np.repeat(np.arange(J), S), np.arange(nu)]
    cols += [Z.T.ravel(), U]
    vals += [np.ones(S * J), np.ones(nu)]
    lo.append(nj)
    hi.append(nj)
    r += J
    # supplier: sum_j z[s, j] - p_s k_s <= 0
    rows += [np.repeat(r + np.arange(S), J), r + np.arange(S)]
    cols += [Z.ravel(), K]
    vals += [np.ones(S * J), -p]
    lo.append(np.full(S, -np.inf))
    hi.append(np.zeros(S))
    r += S
    # overshoot: sum_s p_s k_s - sum z <= overshoot
    rows += [np.full(S, r), np.full(S * J, r)]
    cols += [K, Z.ravel()]
    vals += [p, -np.ones(S * J)]
    lo.append([-np.inf])
    hi.append([a.overshoot[i]])
    r += 1
    # capacity/share: p k - U y <= 0 ; MOQ: p k - moq y >= 0
    for coef, l_, h_ in ((u, -np.inf, 0.0), (moq, 0.0, np.inf)):
        rows += [r + np.arange(S), r + np.arange(S)]
        cols += [K, Y]
        vals += [p, -coef]
        lo.append(np.full(S, l_))
        hi.append(np.full(S, h_))
        r += S
    return rows, cols, vals, lo, hi, r


def _break_discounts(c: np.ndarray, q: np.ndarray, price: np.ndarray) -> np.ndarray:
    """(S, B) price drop per unit at each all-units break (0 where it is no cheaper).

    All-units pricing written as rebates: an order of ``x`` units costs
    ``c x - Σ_b Δ_b x 1{x ≥ q_b}``, ``Δ_b`` the drop from the price in force just below
    ``q_b`` (breaks sorted by quantity).
    """
    order = np.argsort(q, axis=1, kind="stable")
    qs = np.take_along_axis(q, order, axis=1)
    ps = np.take_along_axis(np.where(np.isfinite(q), price, np.inf), order, axis=1)
    in_force = np.minimum.accumulate(np.concatenate([c[:, None], ps], axis=1), axis=1)
    drop = np.where(np.isfinite(qs), in_force[:, :-1] - in_force[:, 1:], 0.0)
    out = np.zeros_like(drop)
    np.put_along_axis(out, order, np.maximum(drop, 0.0), axis=1)
    return out


def _price_break_rows(
    a: _Arrays, i: int, u: np.ndarray, p: np.ndarray, K: np.ndarray, W: np.ndarray,
    V: np.ndarray, rows: list[Any], cols: list[Any], vals: list[Any], lo: list[Any],
    hi: list[Any], r: int,
) -> int:  # fmt: skip
    """Rows linking each break's binary w and rebated units v to the supplier's packs k.

    ``v <= p k`` (rebate at most on the units ordered), ``v <= U w`` (none without the
    break), ``p k - q w >= 0`` (the break only when the quantity reaches it).
    """
    S, B = W.shape
    ks = np.repeat(K, B)
    ps = np.repeat(p, B)
    q = np.where(np.isfinite(a.brk_q[i]), a.brk_q[i], 0.0).ravel()
    for row_cols, row_vals, l_, h_ in (
        ((V.ravel(), ks), (np.ones(S * B), -ps), -np.inf, 0.0),
        ((V.ravel(), W.ravel()), (np.ones(S * B), -np.repeat(u, B)), -np.inf, 0.0),
        ((ks, W.ravel()), (ps, -q), 0.0, np.inf),
    ):
        rows += [r + np.arange(S * B), r + np.arange(S * B)]
        cols += list(row_cols)
        vals += list(row_vals)
        lo.append(np.full(S * B, l_))
        hi.append(np.full(S * B, h_))
        r += S * B
    return r


def _milp_one(
    a: _Arrays,
    i: int,
    *,
    elig: np.ndarray | None = None,
    ub: np.ndarray | None = None,
    time_limit: float | None = None,
) -> tuple[int, np.ndarray, np.ndarray]:
    """Solve item ``i``'s split exactly. Returns (scipy status, x (S,), z (S, J))."""
    S, J = a.S, a.J
    m = _milp_parts(a, i, elig=elig, ub=ub)
    A = sparse.csr_array((m["vals"], (m["rows"], m["cols"])), shape=(m["nr"], m["nv"]))
    options: dict[str, Any] = {"mip_rel_gap": 1e-9, "presolve": True}
    if time_limit is not None:
        options["time_limit"] = float(time_limit)
    res = milp(
        m["cost"],
        integrality=m["integrality"],
        bounds=Bounds(m["lb"], m["ub"]),
        constraints=LinearConstraint(A, m["lo"], m["hi"]),
        options=options,
    )
    if res.x is None:
        return int(res.status), np.zeros(S), np.zeros((S, J))
    k = np.round(res.x[m["K"]])
    return int(res.status), k * a.p[i], np.maximum(res.x[m["Z"].ravel()].reshape(S, J), 0.0)


def _milp_block(
    a: _Arrays, rows: np.ndarray, *, time_limit: float | None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Solve the items ``rows`` in one block-diagonal MILP (a few items per block).

    Each item may leave units unplaced at a penalty, so one infeasible item cannot make the
    block infeasible. Returns x (m, S), z (m, S, J) and ``ok`` (m,): the item placed every
    unit, so its split is optimal for the item alone (the blocks share no constraint).
    Items not ok are re-solved on their own by the caller.
    """
    S, J = a.S, a.J
    m = len(rows)
    x = np.zeros((m, S))
    z = np.zeros((m, S, J))
    ok = np.zeros(m, bool)
    penalty = 10.0 * (a.c.max(axis=1) + a.b + a.F.sum(axis=1) + 1.0)
    parts = [_milp_parts(a, int(i), slack_cost=float(penalty[i])) for i in rows]
    nv, nr = parts[0]["nv"], parts[0]["nr"]
    A = sparse.csr_array(
        (
            np.concatenate([p_["vals"] for p_ in parts]),
            (
                np.concatenate([p_["rows"] + k * nr for k, p_ in enumerate(parts)]),
                np.concatenate([p_["cols"] + k * nv for k, p_ in enumerate(parts)]),
            ),
        ),
        shape=(nr * m, nv * m),
    )

    def cat(key: str) -> np.ndarray:
        return np.concatenate([p_[key] for p_ in parts])

    options: dict[str, Any] = {"mip_rel_gap": 1e-9}
    if time_limit is not None:
        options["time_limit"] = float(time_limit) * m
    res = milp(
        cat("cost"),
        integrality=cat("integrality"),
        bounds=Bounds(cat("lb"), cat("ub")),
        constraints=LinearConstraint(A, cat("lo"), cat("hi")),
        options=options,
    )
    if res.x is None or res.status != 0:
        return x, z, ok
    sol = res.x.reshape(m, nv)
    K, Z, U = parts[0]["K"], parts[0]["Z"].ravel(), parts[0]["U"]
    x = np.round(sol[:, K]) * a.p[rows]
    z = np.maximum(sol[:, Z].reshape(m, S, J), 0.0)
    ok = sol[:, U].sum(axis=1) <= 1e-7
    return x, z, ok

"""Cost-optimal policy parameters: (s, Q) exact and approximate, (s, S) exact and approximate.

Where :mod:`~stockout_forecast.policy.normal` sets a reorder point for a *service target*,
these functions set the parameters that minimise the *expected cost* of
:mod:`~stockout_forecast.policy.costs` (holding, ordering, backorders or lost sales).

* :func:`optimal_sq` — continuous review (s, Q) (Snyder & Shen's (r, Q)): ``"exact"`` for
  normal and Poisson lead-time demand, and the classical approximations ``"loss_function"``,
  ``"eoqb"``, ``"eoq_ss"`` and ``"hadley_whitin"`` (expected-inventory-level).
* :func:`optimal_ss` — periodic review (s, S): ``"exact"`` (Zheng-Federgruen) for Poisson
  or any discrete demand, ``"power"`` (Ehrhardt-Mosier) for normal demand.

Scalar arguments give a dict; arrays or Series (one value per item) give a DataFrame with
one row per item (``reorder_point``, ``order_quantity`` or ``order_up_to``, and the expected
``cost_per_year`` / ``cost_per_period``).

References
----------
.. [SS] Snyder, L. V., Shen, Z.-J. M. (2019). *Fundamentals of Supply Chain Theory*, 2nd ed.,
   Wiley, sec. 4.6 ((s, S)) and ch. 5 ((r, Q)), Examples 4.7, 4.8, 5.1-5.8.
.. [FZ] Federgruen, A., Zheng, Y.-S. (1992). An efficient algorithm for computing an optimal
   (r, Q) policy in continuous review stochastic inventory systems. *Operations Research*
   40(4), 808-813.
.. [ZF] Zheng, Y.-S., Federgruen, A. (1991). Finding optimal (s, S) policies is about as
   simple as evaluating a single policy. *Operations Research* 39(4), 654-665.
.. [EM] Ehrhardt, R., Mosier, C. (1984). A revision of the power approximation for computing
   (s, S) policies. *Management Science* 30(5), 618-622.
.. [HW] Hadley, G., Whitin, T. M. (1963). *Analysis of Inventory Systems*, Prentice-Hall,
   ch. 4.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

import numpy as np
import pandas as pd
from scipy.special import ndtr, ndtri

from ._args import _prepare
from .costs import (
    _demand_pmf,
    _ltd_loss,
    _newsvendor_costs,
    _one_shortage_cost,
    _renewal,
    sq_cost_per_year,
)

__all__ = ["optimal_sq", "optimal_ss"]

SQMethod = Literal["exact", "loss_function", "eoqb", "eoq_ss", "hadley_whitin"]
_SQ_METHODS = ("exact", "loss_function", "eoqb", "eoq_ss", "hadley_whitin")


# --------------------------------------------------------------------------- (s, Q) helpers
def _g_normal(y: np.ndarray, mu: np.ndarray, sd: np.ndarray, h: np.ndarray, p: np.ndarray):
    """g(y) = h (y - μ) + (h + p) n(y): expected holding + backorder rate at position y."""
    n1, _ = _ltd_loss(y, mu, sd, "normal")
    return h * (y - mu) + (h + p) * n1


def _solve_increasing(f: Any, lo: np.ndarray, hi: np.ndarray, iters: int = 100) -> np.ndarray:
    """Root of an increasing function per row by bisection (f(lo) < 0 <= f(hi))."""
    for _ in range(iters):
        mid = 0.5 * (lo + hi)
        pos = f(mid) >= 0
        hi = np.where(pos, mid, hi)
        lo = np.where(pos, lo, mid)
    return 0.5 * (lo + hi)


def _r_for_loss(target: np.ndarray, mu: np.ndarray, sd: np.ndarray) -> np.ndarray:
    """The reorder point r with n(r) = target for normal lead-time demand (n decreasing in r)."""
    span = 40.0 * np.maximum(sd, 1e-12) + np.abs(target) + 1.0
    return _solve_increasing(
        lambda r: target - _ltd_loss(r, mu, sd, "normal")[0], mu - span, mu + span
    )


def _level_window(c, y_star, mu, sd, h, p) -> tuple[np.ndarray, np.ndarray]:
    """Both roots a < y* < b of g(y) = c by Newton from outside (g convex, monotone each side).

    ``g(y) >= h (y - μ)`` and ``g(y) >= p (μ - y)`` give starts that lie outside the roots,
    from where Newton's iterates approach each root monotonically.
    """
    a = np.minimum(y_star, mu - c / p) - 1.0
    b = np.maximum(y_star, mu + c / h) + 1.0
    for _ in range(100):
        ga = _g_normal(a, mu, sd, h, p) - c
        gb = _g_normal(b, mu, sd, h, p) - c
        da = h - (h + p) * _tail(a, mu, sd)  # g'(a) < 0
        db = h - (h + p) * _tail(b, mu, sd)  # g'(b) > 0
        step_a = np.where(da < 0, ga / da, 0.0)
        step_b = np.where(db > 0, gb / db, 0.0)
        a, b = a - step_a, b - step_b
        if np.all(np.abs(step_a) + np.abs(step_b) <= 1e-10 * (1.0 + np.abs(a) + np.abs(b))):
            break
    return a, b


def _tail(y, mu, sd):
    """P(D > y) for normal lead-time demand (a step at μ when σ = 0)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        z = (y - mu) / sd
    return np.where(sd > 0, ndtr(-np.where(sd > 0, z, 0.0)), (y < mu).astype(float))


def _exact_normal(mu, sd, lam, k, h, p) -> tuple[np.ndarray, np.ndarray]:
    """Exact (r, Q) for normal lead-time demand.

    At the optimum both ends of the window of inventory positions have the same cost rate
    as the average: ``g(r) = g(r + Q) = C``. For a level ``c`` let ``[a(c), b(c)]`` be the
    window where ``g ≤ c``; ``F(c) = Kλ + ∫_a^b g - c (b - a)`` decreases in ``c`` with
    slope ``-(b - a)`` and is concave, so Newton's method from a level above the optimum
    converges monotonically to the root ``C``, and then ``r = a``, ``Q = b - a``.
    """
    y_star = mu + sd * ndtri(p / (p + h))
    g_min = _g_normal(y_star, mu, sd, h, p)

    def f_of(c: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        a, b = _level_window(c, y_star, mu, sd, h, p)
        _, n2a = _ltd_loss(a, mu, sd, "normal")
        _, n2b = _ltd_loss(b, mu, sd, "normal")
        area = h * ((b - mu) ** 2 - (a - mu) ** 2) / 2.0 + (h + p) * (n2a - n2b)
        return k * lam + area - c * (b - a), a, b

    inc = np.sqrt(2.0 * k * lam * (h + p))
    c = g_min + inc
    for _ in range(60):  # make sure we start right of the root (F < 0)
        f, a, b = f_of(c)
        if np.all(f <= 0):
            break
        inc = np.where(f > 0, 2.0 * inc, inc)
        c = g_min + inc
    for _ in range(100):
        f, a, b = f_of(c)
        step = f / np.maximum(b - a, 1e-300)
        c = c + step  # f <= 0: moves left, monotonically
        if np.all(np.abs(step) <= 1e-12 * np.maximum(np.abs(c), 1.0)):
            break
    _, a, b = f_of(c)
    return a, b - a


def _exact_poisson(mu: float, lam: float, k: float, h: float, p: float) -> tuple[int, int]:
    """Federgruen-Zheng: grow the window of inventory positions {r+1..r+Q} around min g."""
    span = int(mu + 12.0 * np.sqrt(mu) + 30)
    ys = np.arange(-span, 2 * span + 1)
    n1, _ = _ltd_loss(ys.astype(float), np.full(ys.shape, mu), np.zeros(ys.shape), "poisson")
    g = h * (ys - mu) + (h + p) * n1
    lo = hi = int(np.argmin(g))
    total = g[lo]
    q = 1
    best = (k * lam + total) / q
    while True:
        left = g[lo - 1] if lo > 0 else np.inf
        right = g[hi + 1] if hi + 1 < len(g) else np.inf
        nxt = min(left, right)
        cand = (k * lam + total + nxt) / (q + 1)
        if cand > best or not np.isfinite(nxt):
            break
        if left <= right:
            lo -= 1
        else:
            hi += 1
        total += nxt
        q += 1
        best = cand
    return int(ys[lo]) - 1, q


def _hadley_whitin(mu, sd, lam, k, h, c, lost: bool) -> tuple[np.ndarray, np.ndarray]:
    """Iterate Q = sqrt(2λ(K + π n(r))/h) and P(D > r) = hQ/(πλ) (lost sales: hQ/(hQ+πλ))."""
    q = np.sqrt(2.0 * k * lam / h)
    r = mu
    for _ in range(200):
        tail = h * q / (h * q + c * lam) if lost else h * q / (c * lam)
        tail = np.clip(tail, 1e-12, 1.0 - 1e-12)
        r_new = mu + sd * ndtri(1.0 - tail)
        q_new = np.sqrt(2.0 * lam * (k + c * _ltd_loss(r_new, mu, sd, "normal")[0]) / h)
        done = np.all(np.abs(q_new - q) <= 1e-10 * np.maximum(q, 1.0)) and np.all(
            np.abs(r_new - r) <= 1e-10 * np.maximum(np.abs(r), 1.0)
        )
        q, r = q_new, r_new
        if done:
            break
    tail = h * q / (h * q + c * lam) if lost else h * q / (c * lam)
    return mu + sd * ndtri(1.0 - np.clip(tail, 1e-12, 1.0 - 1e-12)), q


def _loss_function(mu, sd, lam, k, h, p) -> tuple[np.ndarray, np.ndarray]:
    """Drop n₂(r + Q) from the exact cost: Q = sqrt(2[Kλ + (h+p) n₂(r)]/h), n(r) = hQ/(h+p)."""
    q = np.sqrt(2.0 * k * lam / h)
    r = mu
    for _ in range(500):
        r_new = _r_for_loss(h * q / (h + p), mu, sd)
        q_new = np.sqrt(2.0 * (k * lam + (h + p) * _ltd_loss(r_new, mu, sd, "normal")[1]) / h)
        done = np.all(np.abs(q_new - q) <= 1e-11 * np.maximum(q, 1.0)) and np.all(
            np.abs(r_new - r) <= 1e-11 * np.maximum(np.abs(r), 1.0)
        )
        q, r = q_new, r_new
        if done:
            break
    return _r_for_loss(h * q / (h + p), mu, sd), q


def _sq_frame(out: dict[str, np.ndarray], index: pd.Index | None, scalar: bool) -> Any:
    if scalar:
        return {k: float(np.asarray(v).reshape(())) for k, v in out.items()}
    return pd.DataFrame({k: np.asarray(v, dtype=float) for k, v in out.items()}, index=index)


# --------------------------------------------------------------------------- (s, Q)
def optimal_sq(
    *,
    demand_per_year: Any,
    lead_time_demand_mean: Any,
    lead_time_demand_sd: Any = None,
    distribution: Literal["normal", "poisson"] = "normal",
    order_cost: Any,
    holding_cost_per_unit_year: Any,
    backorder_cost_per_unit_year: Any = None,
    backorder_cost_per_unit: Any = None,
    lost_sale_cost_per_unit: Any = None,
    method: SQMethod = "exact",
) -> Any:
    """Cost-minimising reorder point and order quantity of a continuous-review (s, Q) policy.

    Parameters
    ----------
    demand_per_year : float, array or Series
        ``λ`` (units / year), > 0.
    lead_time_demand_mean, lead_time_demand_sd : float, array or Series
        Mean and standard deviation of demand over the lead time (units).
    distribution : {"normal", "poisson"}, default "normal"
        Lead-time demand distribution (``"poisson"`` only with ``method="exact"``).
    order_cost : float, array or Series
        ``K`` (currency / order), > 0.
    holding_cost_per_unit_year : float, array or Series
        ``h`` (currency / unit / year), > 0.
    backorder_cost_per_unit_year, backorder_cost_per_unit, lost_sale_cost_per_unit
        Exactly one shortage cost. The per-unit-per-year cost ``p`` goes with ``"exact"``,
        ``"loss_function"``, ``"eoqb"`` and ``"eoq_ss"``; a per-unit cost ``π`` (backorder or
        lost sale) with ``"hadley_whitin"``.
    method : {"exact", "loss_function", "eoqb", "eoq_ss", "hadley_whitin"}, default "exact"
        See the Notes.

    Returns
    -------
    dict or DataFrame
        ``reorder_point`` (units of inventory position), ``order_quantity`` (units) and
        ``cost_per_year`` (the expected cost of that (s, Q) under the chosen cost model,
        :func:`~stockout_forecast.policy.costs.sq_cost_per_year`). A dict for scalar
        inputs; a DataFrame with one row per item otherwise.

    Notes
    -----
    * ``"exact"`` minimises the exact cost ``g(r, Q)``. Normal demand: for each ``Q`` the
      optimal ``r`` makes ``g(r) = g(r + Q)`` (``g(y) = h(y - μ) + (h + p) n(y)`` is convex),
      and ``Q`` is found by golden-section search. Poisson demand: the Federgruen-Zheng
      algorithm ([FZ]_) grows the window ``{r+1, ..., r+Q}`` of inventory positions one
      position at a time, always adding the neighbour with the smaller ``g``, while the
      average ``(Kλ + Σ g)/Q`` decreases; exact in integers.
    * ``"loss_function"`` ([SS]_ Example 5.6): the exact first-order conditions with the
      term ``n₂(r + Q)`` dropped — ``n(r) = hQ/(h + p)``,
      ``Q = sqrt(2[Kλ + (h + p) n₂(r)]/h)`` — iterated to convergence.
    * ``"eoqb"`` ([SS]_ Example 5.4): ``Q`` of the EOQ with planned backorders,
      ``sqrt(2Kλ (h + p)/(h p))``, and ``n(r) = hQ/(h + p)``.
    * ``"eoq_ss"`` ([SS]_ Example 5.5): ``Q = EOQ``, ``r = F⁻¹(p/(p + h))``.
    * ``"hadley_whitin"`` ([HW]_, [SS]_ Example 5.2, "expected inventory level", [N]_
      sec. 5.4): per-unit shortage cost ``π``; iterate ``Q = sqrt(2λ(K + π n(r))/h)`` and
      ``P(D > r) = hQ/(πλ)`` (lost sales: ``hQ/(hQ + πλ)``).

    References
    ----------
    .. [SS] Snyder & Shen (2019), 2nd ed., sec. 5.2-5.5, Examples 5.2-5.8.
    .. [FZ] Federgruen & Zheng (1992), *Operations Research* 40(4), 808-813.
    .. [HW] Hadley & Whitin (1963), ch. 4.
    .. [N] Nahmias & Olsen (2015), 7th ed., sec. 5.4.

    Examples
    --------
    Snyder & Shen, Example 5.8 (Poisson demand, λ = 1.5 / year, L = 2 years, h = 20,
    p = 150, K = 100): (r, Q) = (3, 5) at 107.92 per year.

    >>> res = optimal_sq(demand_per_year=1.5, lead_time_demand_mean=3.0,
    ...                  distribution="poisson", order_cost=100,
    ...                  holding_cost_per_unit_year=20, backorder_cost_per_unit_year=150)
    >>> res["reorder_point"], res["order_quantity"], round(res["cost_per_year"], 2)
    (3.0, 5.0, 107.92)
    """
    if method not in _SQ_METHODS:
        raise ValueError(f"method must be one of {list(_SQ_METHODS)}; got {method!r}.")
    kind = _one_shortage_cost(
        backorder_cost_per_unit_year=backorder_cost_per_unit_year,
        backorder_cost_per_unit=backorder_cost_per_unit,
        lost_sale_cost_per_unit=lost_sale_cost_per_unit,
    )
    per_unit = kind != "backorder_cost_per_unit_year"
    if per_unit != (method == "hadley_whitin"):
        raise ValueError(
            f"method={method!r} needs "
            + ("a per-unit shortage cost (backorder_cost_per_unit or lost_sale_cost_per_unit)"
               if method == "hadley_whitin" else "backorder_cost_per_unit_year (p)")
            + f"; got {kind}."
        )  # fmt: skip
    if distribution == "poisson" and method != "exact":
        raise ValueError("distribution='poisson' is solved with method='exact' only.")
    if distribution == "normal" and lead_time_demand_sd is None:
        raise ValueError("distribution='normal' needs lead_time_demand_sd (units).")
    shortage = {"backorder_cost_per_unit_year": backorder_cost_per_unit_year,
                "backorder_cost_per_unit": backorder_cost_per_unit,
                "lost_sale_cost_per_unit": lost_sale_cost_per_unit}[kind]  # fmt: skip
    arrays, index, scalar = _prepare(
        lam=demand_per_year,
        mu=lead_time_demand_mean,
        sd=0.0 if lead_time_demand_sd is None else lead_time_demand_sd,
        k=order_cost,
        h=holding_cost_per_unit_year,
        c=shortage,
    )
    for name in ("lam", "k", "h", "c"):
        if (arrays[name] <= 0).any():
            raise ValueError(
                "demand_per_year, order_cost, the holding cost and the shortage cost must "
                f"all be > 0 for a cost-optimal (s, Q); found {name} <= 0."
            )
    lam, mu, sd, k, h, c = (np.atleast_1d(arrays[n]) for n in ("lam", "mu", "sd", "k", "h", "c"))
    if distribution == "poisson":
        pairs = [_exact_poisson(*map(float, row)) for row in zip(mu, lam, k, h, c, strict=True)]
        r = np.array([a for a, _ in pairs], dtype=float)
        q = np.array([b for _, b in pairs], dtype=float)
    elif method == "exact":
        r, q = _exact_normal(mu, sd, lam, k, h, c)
    elif method == "loss_function":
        r, q = _loss_function(mu, sd, lam, k, h, c)
    elif method == "eoqb":
        q = np.sqrt(2.0 * k * lam * (h + c) / (h * c))
        r = _r_for_loss(h * q / (h + c), mu, sd)
    elif method == "eoq_ss":
        q = np.sqrt(2.0 * k * lam / h)
        r = mu + sd * ndtri(c / (c + h))
    else:
        r, q = _hadley_whitin(mu, sd, lam, k, h, c, lost=kind == "lost_sale_cost_per_unit")
    cost = sq_cost_per_year(
        r, q, demand_per_year=lam, lead_time_demand_mean=mu,
        lead_time_demand_sd=None if distribution == "poisson" else sd,
        distribution=distribution, order_cost=k, holding_cost_per_unit_year=h,
        **{kind: c},
    )  # fmt: skip
    shape = np.shape(arrays["lam"])
    out = {
        "reorder_point": np.reshape(r, shape),
        "order_quantity": np.reshape(q, shape),
        "cost_per_year": np.reshape(cost, shape),
    }
    return _sq_frame(out, index, scalar)


# --------------------------------------------------------------------------- (s, S)
def _ss_exact(
    pmf1: np.ndarray, pmf_l: np.ndarray, k: float, h: float, p: float
) -> tuple[int, int, float]:
    """Zheng-Federgruen: search S upwards from the newsvendor level, moving s as S improves."""
    top = len(pmf_l) + 2
    ys = np.arange(-top, 2 * top)
    g_all = _newsvendor_costs(pmf_l, ys, h, p)

    def g(y: int) -> float:
        return float(g_all[y + top])

    def c(s: int, big_s: int) -> float:
        n = big_s - s
        m, big_m = _renewal(pmf1, n)
        return float((k + np.dot(m, g_all[big_s - np.arange(n) + top])) / big_m[n])

    y_star = int(ys[np.argmin(g_all)])
    s, s0 = y_star, y_star
    while True:  # s(S0): the largest s below y* with c(s, S0) <= G(s)
        s -= 1
        if c(s, s0) <= g(s):
            break
    big_s, c0 = s0, c(s, s0)
    cand = big_s + 1
    while g(cand) <= c0:
        if c(s, cand) < c0:
            big_s = cand
            while c(s + 1, big_s) <= g(s + 1):
                s += 1
            c0 = c(s, big_s)
        cand += 1
    return s, big_s, c0


def _power(mu, sd, lt, k, h, p, cap: bool) -> tuple[np.ndarray, np.ndarray]:
    """Ehrhardt-Mosier power approximation (normal demand per period, lead time lt periods)."""
    mu_l = mu * (lt + 1.0)
    sd_l = sd * np.sqrt(lt + 1.0)
    q = 1.30 * mu**0.494 * (k / h) ** 0.506 * (1.0 + sd_l**2 / mu**2) ** 0.116
    z = np.sqrt(q * h / (sd_l * p))
    s = 0.973 * mu_l + sd_l * (0.183 / z + 1.063 - 2.192 * z)
    big_s = s + q
    if cap:
        s0 = mu_l + sd_l * ndtri(p / (p + h))
        small = q / mu <= 1.5
        s = np.where(small, np.minimum(s, s0), s)
        big_s = np.where(small, np.minimum(big_s, s0), big_s)
    return s, big_s


def optimal_ss(
    *,
    order_cost: Any,
    holding_cost_per_unit_period: Any,
    backorder_cost_per_unit_period: Any,
    demand_mean: Any = None,
    demand_sd: Any = None,
    demand_pmf: Sequence[float] | np.ndarray | None = None,
    lead_time: Any = 0,
    method: Literal["exact", "power"] = "exact",
    base_stock_cap: bool = False,
) -> Any:
    """Cost-minimising (s, S) policy for periodic review with backorders.

    Parameters
    ----------
    order_cost : float, array or Series
        ``K`` (currency / order), > 0.
    holding_cost_per_unit_period, backorder_cost_per_unit_period : float, array or Series
        ``h`` and ``p`` per unit on hand / backordered at the end of a period, > 0.
    demand_mean : float, array or Series, optional
        Mean demand per period (units). With ``method="exact"`` and no ``demand_pmf``:
        Poisson demand with this mean.
    demand_sd : float, array or Series, optional
        Standard deviation of demand per period (units); ``method="power"``.
    demand_pmf : sequence of float, optional
        ``method="exact"``: probabilities of demand 0, 1, 2, ... per period (one item).
    lead_time : int, array or Series, default 0
        Lead time in whole periods.
    method : {"exact", "power"}, default "exact"
        ``"exact"``: Zheng & Federgruen's algorithm on discrete demand ([ZF]_, [SS]_
        Algorithm 4.2). ``"power"``: Ehrhardt & Mosier's power approximation for normal
        demand ([EM]_, [SS]_ sec. 4.6).
    base_stock_cap : bool, default False
        ``"power"`` only: when ``Q/μ ≤ 1.5`` cap ``s`` and ``S`` at the base-stock level
        ``μ_L + σ_L Φ⁻¹(p/(p+h))`` as [EM]_ advise; Snyder & Shen's worked example does
        not, hence the default.

    Returns
    -------
    dict or DataFrame
        ``reorder_point`` (s: order when the inventory position is ≤ s), ``order_up_to``
        (S) and, for ``"exact"``, ``cost_per_period``
        (:func:`~stockout_forecast.policy.costs.ss_cost_per_period`).

    Notes
    -----
    Power approximation, with ``μ_L = (L + 1) μ`` and ``σ_L = σ √(L + 1)``:
    ``Q = 1.30 μ^0.494 (K/h)^0.506 (1 + σ_L²/μ²)^0.116``, ``z = sqrt(Q h / (σ_L p))``,
    ``s = 0.973 μ_L + σ_L (0.183/z + 1.063 - 2.192 z)``, ``S = s + Q``.

    References
    ----------
    .. [ZF] Zheng & Federgruen (1991), *Operations Research* 39(4), 654-665, Table I.
    .. [EM] Ehrhardt & Mosier (1984), *Management Science* 30(5), 618-622.
    .. [SS] Snyder & Shen (2019), 2nd ed., sec. 4.6, Examples 4.7 and 4.8.

    Examples
    --------
    Snyder & Shen, Example 4.7 (Poisson(6), h = 1, p = 4, K = 5) and Example 4.8 (power
    approximation, N(50, 8²), h = 0.18, p = 0.70, K = 2.5):

    >>> res = optimal_ss(demand_mean=6, order_cost=5, holding_cost_per_unit_period=1,
    ...                  backorder_cost_per_unit_period=4)
    >>> res["reorder_point"], res["order_up_to"], round(res["cost_per_period"], 4)
    (4.0, 10.0, 8.0341)
    >>> res = optimal_ss(demand_mean=50, demand_sd=8, order_cost=2.5, method="power",
    ...                  holding_cost_per_unit_period=0.18, backorder_cost_per_unit_period=0.70)
    >>> round(res["reorder_point"], 2), round(res["order_up_to"], 2)
    (40.19, 74.29)
    """
    if method not in ("exact", "power"):
        raise ValueError(f"method must be 'exact' or 'power'; got {method!r}.")
    if method == "power":
        if demand_mean is None or demand_sd is None:
            raise ValueError("method='power' needs demand_mean and demand_sd (units per period).")
        arrays, index, scalar = _prepare(
            mu=demand_mean, sd=demand_sd, lt=lead_time, k=order_cost,
            h=holding_cost_per_unit_period, p=backorder_cost_per_unit_period,
        )  # fmt: skip
        for name in ("mu", "sd", "k", "h", "p"):
            if (arrays[name] <= 0).any():
                raise ValueError(f"The power approximation needs {name} > 0.")
        mu, sd, lt, k, h, p = (arrays[n] for n in ("mu", "sd", "lt", "k", "h", "p"))
        s, big_s = _power(mu, sd, lt, k, h, p, base_stock_cap)
        return _sq_frame({"reorder_point": s, "order_up_to": big_s}, index, scalar)
    if demand_pmf is not None:
        named = {"k": order_cost, "h": holding_cost_per_unit_period,
                 "p": backorder_cost_per_unit_period, "lt": lead_time}  # fmt: skip
    else:
        if demand_mean is None:
            raise ValueError("method='exact' needs demand_mean (Poisson) or demand_pmf.")
        named = {"k": order_cost, "h": holding_cost_per_unit_period,
                 "p": backorder_cost_per_unit_period, "lt": lead_time, "mu": demand_mean}  # fmt: skip
    arrays, index, scalar = _prepare(**named)
    for name in ("k", "h", "p"):
        if (arrays[name] <= 0).any():
            raise ValueError(f"order_cost, holding and backorder costs must be > 0; {name} is not.")
    flat = {n: np.atleast_1d(a).ravel() for n, a in arrays.items()}
    rows = []
    for i in range(len(flat["k"])):
        mean_i = None if demand_pmf is not None else float(flat["mu"][i])
        lt_i = int(flat["lt"][i])
        pmf1 = _demand_pmf(mean_i, demand_pmf, 1)
        pmf_l = _demand_pmf(mean_i, demand_pmf, lt_i + 1)
        rows.append(_ss_exact(pmf1, pmf_l, float(flat["k"][i]), float(flat["h"][i]),
                              float(flat["p"][i])))  # fmt: skip
    shape = np.shape(arrays["k"])
    out = {
        "reorder_point": np.reshape([r[0] for r in rows], shape).astype(float),
        "order_up_to": np.reshape([r[1] for r in rows], shape).astype(float),
        "cost_per_period": np.reshape([r[2] for r in rows], shape).astype(float),
    }
    return _sq_frame(out, index, scalar)

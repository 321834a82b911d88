r"""Normal-approximation policy maths: loss functions, safety stock, reorder points, service.

Every function here is vectorised over items: pass scalars for one item, numpy arrays for
many, or pandas Series (all indexed alike) to get a Series back with the same index. NaN in
an input gives NaN in the output for that item (an item without an estimate is kept, never
dropped); negative quantities and service levels outside (0, 1) raise ``ValueError``.

Two families of methods are offered:

(a) the **normal approximation** of demand over the protection interval, with demand *and*
    lead-time variance,

    .. math:: \mu_P = d\,(L + R), \qquad
              \sigma_P = \sqrt{(L + R)\,\sigma_d^2 + d^2\,\sigma_L^2},

    where ``d`` and ``σ_d`` are the mean and standard deviation of demand per period,
    ``L`` and ``σ_L`` the mean and standard deviation of the lead time in periods and
    ``R`` the review period (0 for continuous review). Safety stock is ``k σ_P``.
(b) the **empirical** lead-time-demand distribution, simulated from demand sample paths
    (for example ``DemandForecast.sample_paths``) and lead-time draws
    (:func:`~stockout_forecast.lead_time_demand_samples`), whose quantile or loss function
    gives the reorder point directly (:func:`~stockout_forecast.empirical_reorder_point`,
    in :mod:`.empirical`). Nothing is assumed about its shape, which matters for slow,
    intermittent and lumpy items.

This module holds (a); order quantities (EOQ, rounding, order-by dates, special orders) are
in :mod:`.quantities`.

Conventions (stated once here, repeated where they matter)
-----------------------------------------------------------
* **Service measures.** ``measure="cycle"``: cycle service level (CSL, Silver-Pyke-Thomas
  P1, Nahmias Type 1, Chopra-Meindl CSL), the probability of no stockout in a replenishment
  cycle; ``z = Φ⁻¹(CSL)``. ``measure="fill_rate"``: fill rate (P2, Type 2, β), the share of
  demanded units met from stock; the safety factor solves the loss equation below.
* **Loss formula.** ``loss="one-term"`` (default, Chopra-Meindl, Nahmias, Silver-Pyke-Thomas
  "approximate" P2): expected units short per replenishment cycle
  ``ESC = σ_P G(k)`` and fill rate ``1 - ESC / Q``. ``loss="two-term"`` (Hadley-Whitin,
  Silver-Pyke-Thomas "exact" backorder form): ``ESC = σ_P [G(k) - G(k + Q/σ_P)]``, which
  does not count again the shortage already outstanding when the cycle starts; it matters
  only when ``Q`` is small against ``σ_P``.
* **Protection interval.** Continuous review (s, Q): ``L``; periodic review (R, S):
  ``R + L`` (:func:`order_up_to`). Pass ``review_period=R`` to the (s, Q) functions for a
  periodic (R, s, Q) system.
* **Demand per cycle** for the fill rate: ``Q`` for (s, Q); ``d R`` for (R, S).
* **Negative safety stock** is allowed: a fill-rate target can be met with a reorder point
  below mean lead-time demand when ``Q`` is large. Clip at 0 yourself if your practice
  forbids it.

References
----------
.. [SPT] Silver, E. A., Pyke, D. F., Thomas, D. J. (2017). *Inventory and Production
   Management in Supply Chains*, 4th ed., CRC Press, ch. 6 (individual items with
   probabilistic demand) and app. II (the normal loss function ``G_u(k)``).
.. [N] Nahmias, S., Olsen, T. L. (2015). *Production and Operations Analysis*, 7th ed.,
   Waveland, ch. 5 (inventory control subject to uncertain demand).
.. [CM] Chopra, S., Meindl, P. (2016). *Supply Chain Management*, 6th ed., Pearson, ch. 12
   (safety inventory).
.. [SS] Snyder, L. V., Shen, Z.-J. M. (2019). *Fundamentals of Supply Chain Theory*,
   2nd ed., Wiley, ch. 3-5 and app. C (loss functions).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from scipy.special import ndtr, ndtri

from ._args import (
    ArrayLike,
    Loss,
    Measure,
    _check_choice,
    _check_nonnegative,
    _check_service_level,
    _finish,
    _prepare,
)

__all__ = [
    "cycle_service_level",
    "fill_rate",
    "inverse_normal_loss",
    "lead_time_demand",
    "normal_loss",
    "order_up_to",
    "reorder_point",
    "safety_stock",
]

_INV_SQRT_2PI = 1.0 / np.sqrt(2.0 * np.pi)
#: the reorder point of an item that should hold nothing: with the trigger "order when the
#: inventory position is <= s" it orders only against a backorder
HOLD_NOTHING = -1.0


# --------------------------------------------------------------------------- loss function
def normal_loss(z: ArrayLike) -> Any:
    """Standard normal (first-order) loss function ``G(z) = E[(Z - z)⁺]``.

    Parameters
    ----------
    z : float, array or Series
        Standardised stock level (safety factor), ``(s - μ) / σ``.

    Returns
    -------
    float, ndarray or Series
        ``G(z)``: expected shortage per unit of σ, same shape as ``z``.

    Notes
    -----
    ``G(z) = φ(z) - z (1 - Φ(z))``, with φ and Φ the standard normal density and
    distribution function. Identities used elsewhere: ``G(-z) = G(z) + z`` and
    ``G'(z) = -(1 - Φ(z))``. Called ``G_u(k)`` in [SPT]_, ``L(z)`` in [N]_ and
    ``𝓛(z)`` in [SS]_.

    References
    ----------
    .. [SPT] Silver, Pyke & Thomas (2017), 4th ed., app. II.
    .. [SS] Snyder & Shen (2019), 2nd ed., app. C, eq. (C.22).

    Examples
    --------
    >>> round(normal_loss(0.0), 4)   # φ(0) = 1/√(2π)
    0.3989
    >>> np.round(normal_loss([1.3, -1.0]), 4)   # G(-1) = G(1) + 1
    array([0.0455, 1.0833])
    """
    arrays, index, scalar = _prepare(z=z)
    return _finish(_normal_loss(arrays["z"]), index, scalar, "normal_loss")


def _normal_loss(x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, dtype=float)
    with np.errstate(over="ignore", invalid="ignore", under="ignore"):
        out = np.exp(-0.5 * x * x) * _INV_SQRT_2PI - x * ndtr(-x)
    # far tails: G(z) -> 0 as z -> +inf and G(z) -> -z as z -> -inf
    out = np.where(x > 40, 0.0, out)
    return np.where(x < -40, -x, out)


def _inverse_normal_loss(g: np.ndarray) -> np.ndarray:
    """Newton's method from the left of the root (G is convex and decreasing)."""
    g = np.asarray(g, dtype=float)
    z = -np.where(np.isnan(g), 0.0, g)  # G(z) >= -z, so G(-g) >= g: left of (or at) the root
    for _ in range(200):
        tail = ndtr(-z)
        step = (_normal_loss(z) - g) / np.maximum(tail, 1e-300)
        step = np.where(np.isfinite(step), step, 0.0)
        z = z + step
        if np.all(np.abs(step) <= 1e-12 * np.maximum(1.0, np.abs(z))):
            break
    return np.where(np.isnan(g), np.nan, z)


def inverse_normal_loss(g: ArrayLike) -> Any:
    """Safety factor ``z`` with ``G(z) = g`` (inverse of :func:`normal_loss`).

    Parameters
    ----------
    g : float, array or Series
        Target expected shortage per unit of σ; must be > 0 (``G(z) > 0`` for every finite
        ``z``). NaN gives NaN.

    Returns
    -------
    float, ndarray or Series
        ``z`` (may be negative when ``g > φ(0) ≈ 0.399``).

    Notes
    -----
    Solved by Newton's method started at ``z₀ = -g``: since ``G(z) ≥ -z`` the start lies at
    or left of the root, and because ``G`` is convex and decreasing the iterates increase
    monotonically to it (no bracketing needed); accurate to about 1e-12.

    References
    ----------
    .. [SPT] Silver, Pyke & Thomas (2017), 4th ed., sec. 6.7 (finding ``k`` from
       ``G_u(k) = Q(1 - P2)/σ_L``).

    Examples
    --------
    >>> round(inverse_normal_loss(0.08), 4)   # Nahmias' Type 2 example: z ≈ 1.02
    1.0212
    >>> round(normal_loss(inverse_normal_loss(1e-6)), 9)
    1e-06
    """
    arrays, index, scalar = _prepare(g=g)
    arr = arrays["g"]
    if (arr <= 0).any():
        raise ValueError(
            f"inverse_normal_loss needs g > 0 (the loss G(z) is positive for every z); "
            f"got {arr[arr <= 0][:3].tolist()}. A fill rate of 1 needs infinite stock."
        )
    return _finish(_inverse_normal_loss(arr), index, scalar, "z")


def _two_term_factor(target: np.ndarray, q_over_sigma: np.ndarray) -> np.ndarray:
    """Solve ``G(k) - G(k + q) = target`` by bisection (the left side decreases in k)."""
    hi = _inverse_normal_loss(np.where(target > 0, target, np.nan))  # one-term root >= two-term
    lo = hi - q_over_sigma - 40.0
    for _ in range(100):
        mid = 0.5 * (lo + hi)
        val = _normal_loss(mid) - _normal_loss(mid + q_over_sigma)
        above = val > target
        lo = np.where(above, mid, lo)
        hi = np.where(above, hi, mid)
    return 0.5 * (lo + hi)


# --------------------------------------------------------------------------- normal approx
def _ltd_moments(
    d: np.ndarray, sd: np.ndarray, lt: np.ndarray, lt_sd: np.ndarray, review: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    p = lt + review
    mean = d * p
    sigma = np.sqrt(p * sd * sd + d * d * lt_sd * lt_sd)
    return mean, sigma


def lead_time_demand(
    demand_mean: ArrayLike,
    demand_sd: ArrayLike,
    lead_time: ArrayLike,
    *,
    lead_time_sd: ArrayLike = 0.0,
    review_period: ArrayLike = 0.0,
) -> tuple[Any, Any]:
    """Mean and standard deviation of demand over the protection interval ``L + R``.

    Parameters
    ----------
    demand_mean : float, array or Series
        Mean demand per period ``d`` (units/period), ≥ 0.
    demand_sd : float, array or Series
        Standard deviation of demand per period ``σ_d`` (units/period), ≥ 0; periods are
        assumed independent.
    lead_time : float, array or Series
        Mean lead time ``L`` in the same periods (fractions allowed), ≥ 0.
    lead_time_sd : float, array or Series, default 0
        Standard deviation of the lead time ``σ_L`` (periods), ≥ 0.
    review_period : float, array or Series, default 0
        Review period ``R`` (periods); 0 for continuous review.

    Returns
    -------
    (mean, sd) : tuple of float, ndarray or Series
        ``μ_P = d (L + R)`` and ``σ_P = sqrt((L + R) σ_d² + d² σ_L²)`` (units).

    Notes
    -----
    The variance formula is the one for a random sum of independent periods with a random
    number of them (lead time independent of demand); the review period is taken as fixed.
    With ``σ_L = 0`` it reduces to the textbook ``σ_d √(L + R)``.

    References
    ----------
    .. [CM] Chopra & Meindl (2016), 6th ed., eq. (12.13)-(12.14).
    .. [SPT] Silver, Pyke & Thomas (2017), 4th ed., sec. 6.10.

    Examples
    --------
    Chopra & Meindl, Example 12-6: d = 2,500/day, σ_d = 500, L = 7 days, σ_L = 7 days.

    >>> mean, sd = lead_time_demand(2500, 500, 7, lead_time_sd=7)
    >>> mean, round(sd)
    (17500.0, 17550)
    """
    arrays, index, scalar = _prepare(
        demand_mean=demand_mean,
        demand_sd=demand_sd,
        lead_time=lead_time,
        lead_time_sd=lead_time_sd,
        review_period=review_period,
    )
    _check_nonnegative(arrays, *arrays)
    mean, sigma = _ltd_moments(*arrays.values())
    return (
        _finish(mean, index, scalar, "lead_time_demand_mean"),
        _finish(sigma, index, scalar, "lead_time_demand_sd"),
    )


def _safety_factor(
    level: np.ndarray,
    measure: str,
    sigma: np.ndarray,
    demand_per_cycle: np.ndarray | None,
    loss: str,
) -> np.ndarray:
    if measure == "cycle":
        return ndtri(level)
    if demand_per_cycle is None:
        raise ValueError(
            "measure='fill_rate' needs the demand per replenishment cycle: pass order_quantity "
            "(Q for (s, Q); for (R, S) it is d * R and is computed for you)."
        )
    with np.errstate(divide="ignore", invalid="ignore"):
        target = demand_per_cycle * (1.0 - level) / sigma
    k = np.full(np.broadcast(target, sigma).shape, np.nan)
    ok = np.isfinite(target) & (target > 0)
    if loss == "one-term":
        k[ok] = _inverse_normal_loss(target[ok])
    else:
        with np.errstate(divide="ignore", invalid="ignore"):
            q_over_sigma = np.broadcast_to(demand_per_cycle / sigma, k.shape)
        k[ok] = _two_term_factor(target[ok], q_over_sigma[ok])
    return k


def _safety_stock_core(
    d: np.ndarray,
    sd: np.ndarray,
    lt: np.ndarray,
    lt_sd: np.ndarray,
    review: np.ndarray,
    level: np.ndarray,
    measure: str,
    per_cycle: np.ndarray | None,
    loss: str,
    z: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    mean, sigma = _ltd_moments(d, sd, lt, lt_sd, review)
    k = _safety_factor(level, measure, sigma, per_cycle, loss) if z is None else z
    ss = k * sigma
    # deterministic demand over the protection interval: no safety stock needed
    ss = np.where((sigma == 0) & ~np.isnan(mean), 0.0, ss)
    if per_cycle is not None:
        ss = np.where(np.isnan(per_cycle) & (measure == "fill_rate"), np.nan, ss)
    return mean, ss


def _target(service_level: ArrayLike | None, safety_factor: ArrayLike | None) -> tuple[str, Any]:
    """Which target was given: ("service_level", fractions) or ("safety_factor", z)."""
    if (service_level is None) == (safety_factor is None):
        raise ValueError(
            "Give exactly one of service_level (a fraction in (0, 1)) or safety_factor "
            "(z, the number of standard deviations of lead-time demand to hold)."
        )
    if safety_factor is not None:
        return "safety_factor", safety_factor
    level = _check_service_level(service_level)
    return "service_level", service_level if isinstance(service_level, pd.Series) else level


def _normal_policy(
    demand_mean: ArrayLike,
    demand_sd: ArrayLike,
    lead_time: ArrayLike,
    service_level: ArrayLike | None,
    measure: str,
    lead_time_sd: ArrayLike,
    review_period: ArrayLike,
    order_quantity: ArrayLike | None,
    loss: str,
    safety_factor: ArrayLike | None = None,
) -> tuple[np.ndarray, np.ndarray, pd.Index | None, bool, np.ndarray]:
    """Check and broadcast the arguments of :func:`safety_stock` / :func:`reorder_point`.

    Returns the protection-interval mean demand, the safety stock, what ``_finish``
    needs to give the caller back a scalar, array or Series, and which items have no
    demand at all (mean and standard deviation 0: they hold nothing).
    """
    _check_choice(measure, "measure", ("cycle", "fill_rate"))
    _check_choice(loss, "loss", ("one-term", "two-term"))
    kind, target = _target(service_level, safety_factor)
    named: dict[str, Any] = {
        "demand_mean": demand_mean,
        "demand_sd": demand_sd,
        "lead_time": lead_time,
        "lead_time_sd": lead_time_sd,
        "review_period": review_period,
        kind: target,
    }
    if order_quantity is not None:
        named["order_quantity"] = order_quantity
    arrays, index, scalar = _prepare(**named)
    _check_nonnegative(arrays, *(k for k in arrays if k not in ("service_level", "safety_factor")))
    mean, ss = _safety_stock_core(
        arrays["demand_mean"],
        arrays["demand_sd"],
        arrays["lead_time"],
        arrays["lead_time_sd"],
        arrays["review_period"],
        arrays.get("service_level", np.full(np.shape(arrays["demand_mean"]), np.nan)),
        measure,
        arrays.get("order_quantity"),
        loss,
        z=arrays.get("safety_factor"),
    )
    no_demand = (arrays["demand_mean"] == 0) & (arrays["demand_sd"] == 0)
    return mean, ss, index, scalar, no_demand


def safety_stock(
    demand_mean: ArrayLike,
    demand_sd: ArrayLike,
    lead_time: ArrayLike,
    *,
    service_level: ArrayLike | None = None,
    measure: Measure = "cycle",
    lead_time_sd: ArrayLike = 0.0,
    review_period: ArrayLike = 0.0,
    order_quantity: ArrayLike | None = None,
    loss: Loss = "one-term",
    safety_factor: ArrayLike | None = None,
) -> Any:
    """Safety stock ``k σ_P`` for a target cycle service level or fill rate (normal approx.).

    Parameters
    ----------
    demand_mean, demand_sd : float, array or Series
        Mean and standard deviation of demand per period (units/period), ≥ 0.
    lead_time : float, array or Series
        Mean lead time ``L`` (periods), ≥ 0.
    service_level : float, array or Series
        Target, a fraction in (0, 1): cycle service level or fill rate (see ``measure``).
    measure : {"cycle", "fill_rate"}, default "cycle"
        ``"cycle"``: ``k = Φ⁻¹(CSL)``. ``"fill_rate"``: ``k`` solves
        ``G(k) = Q (1 - β) / σ_P`` (one-term) or ``G(k) - G(k + Q/σ_P) = Q (1 - β)/σ_P``
        (two-term).
    lead_time_sd : float, array or Series, default 0
        Standard deviation of the lead time (periods).
    review_period : float, array or Series, default 0
        Review period ``R`` (periods): protection interval ``L + R``.
    order_quantity : float, array or Series, optional
        Units per replenishment cycle ``Q``; required for ``measure="fill_rate"``.
    loss : {"one-term", "two-term"}, default "one-term"
        Expected-shortage formula for the fill rate (see the module notes).
    safety_factor : float, array or Series, optional
        ``z`` (or ``k``) given directly instead of a ``service_level``: the safety stock is
        ``z σ_P`` (``measure`` and ``loss`` are then not used). Give exactly one of the two.

    Returns
    -------
    float, ndarray or Series
        Safety stock in units; may be negative for a fill-rate target with a large ``Q``.

    Notes
    -----
    ``σ_P = sqrt((L + R) σ_d² + d² σ_L²)``. When ``σ_P = 0`` the safety stock is 0.

    References
    ----------
    .. [CM] Chopra & Meindl (2016), 6th ed., sec. 12.3 (Examples 12-4 and 12-5).
    .. [SPT] Silver, Pyke & Thomas (2017), 4th ed., sec. 6.7.

    Examples
    --------
    Chopra & Meindl, Example 12-4 (weekly d = 2,500, σ_d = 500, L = 2 weeks, CSL 0.90)
    and Example 12-5 (fill rate 0.975 with Q = 10,000):

    >>> round(safety_stock(2500, 500, 2, service_level=0.90))
    906
    >>> round(safety_stock(2500, 500, 2, service_level=0.975, measure="fill_rate",
    ...                    order_quantity=10_000))
    67
    """
    _, ss, index, scalar, _ = _normal_policy(
        demand_mean, demand_sd, lead_time, service_level, measure, lead_time_sd,
        review_period, order_quantity, loss, safety_factor,
    )  # fmt: skip
    return _finish(ss, index, scalar, "safety_stock_units")


def reorder_point(
    demand_mean: ArrayLike,
    demand_sd: ArrayLike,
    lead_time: ArrayLike,
    *,
    service_level: ArrayLike | None = None,
    measure: Measure = "cycle",
    lead_time_sd: ArrayLike = 0.0,
    review_period: ArrayLike = 0.0,
    order_quantity: ArrayLike | None = None,
    loss: Loss = "one-term",
    safety_factor: ArrayLike | None = None,
) -> Any:
    """Reorder point ``s = d (L + R) + k σ_P`` of an (s, Q) policy (normal approximation).

    Parameters are those of :func:`safety_stock`.

    Returns
    -------
    float, ndarray or Series
        Reorder point ``s`` in units of inventory position (on hand + on order −
        backorders). Not rounded: for integer stock a planner orders when the inventory
        position is ≤ ``floor(s)`` (or < ``ceil(s)``), which gives at least the target.
        An item with no demand at all (``demand_mean = demand_sd = 0``) gets ``-1``: hold
        nothing and order only against a backorder — the one "hold nothing" convention of
        the library (:func:`~stockout_forecast.simulated_reorder_point`,
        :func:`~stockout_forecast.pooled_reorder_points` and
        :func:`~stockout_forecast.policy_curves` use it too).

    Notes
    -----
    The trigger convention (order when the inventory position is ≤ s, or < s) only matters
    for integer demand; the replay (:func:`stockout_forecast.policy.replay.simulate_policy`) makes it
    a parameter. The mean lead-time demand uses the same protection interval ``L + R`` as
    σ_P.

    References
    ----------
    .. [CM] Chopra & Meindl (2016), 6th ed., eq. (12.3), Examples 12-4 and 12-6.
    .. [N] Nahmias & Olsen (2015), 7th ed., sec. 5.5 (Type 1 and Type 2 service).
    .. [SS] Snyder & Shen (2019), 2nd ed., sec. 5.3 (EOQ + SS approximation).

    Examples
    --------
    Nahmias' Harvey's Specialty Shop (lead-time demand 100 jars, σ 25 over the six-month
    lead time, Q = 100): Type 1 service 98 % and Type 2 service 98 %.

    >>> round(reorder_point(100, 25, 1, service_level=0.98), 1)
    151.3
    >>> round(reorder_point(100, 25, 1, service_level=0.98, measure="fill_rate",
    ...                     order_quantity=100), 1)
    125.5

    The same with the safety factor given directly (z = 2.05 from Nahmias' table), and an
    item that never sells:

    >>> round(reorder_point(100, 25, 1, safety_factor=2.05), 2)
    151.25
    >>> reorder_point(0, 0, 1, service_level=0.98)
    -1.0
    """
    mean, ss, index, scalar, no_demand = _normal_policy(
        demand_mean, demand_sd, lead_time, service_level, measure, lead_time_sd,
        review_period, order_quantity, loss, safety_factor,
    )  # fmt: skip
    return _finish(
        np.where(no_demand, HOLD_NOTHING, mean + ss), index, scalar, "reorder_point_units"
    )


def order_up_to(
    demand_mean: ArrayLike,
    demand_sd: ArrayLike,
    lead_time: ArrayLike,
    review_period: ArrayLike,
    *,
    service_level: ArrayLike | None = None,
    measure: Measure = "cycle",
    lead_time_sd: ArrayLike = 0.0,
    loss: Loss = "one-term",
    safety_factor: ArrayLike | None = None,
) -> Any:
    """Order-up-to level ``S`` of a periodic-review (R, S) policy (normal approximation).

    Parameters
    ----------
    demand_mean, demand_sd : float, array or Series
        Mean and standard deviation of demand per period (units/period).
    lead_time : float, array or Series
        Mean lead time ``L`` (periods).
    review_period : float, array or Series
        Review period ``R`` (periods), > 0.
    service_level : float, array or Series
        Target cycle service level or fill rate, fraction in (0, 1).
    measure : {"cycle", "fill_rate"}, default "cycle"
        For ``"fill_rate"`` the demand per review cycle ``d R`` takes the place of ``Q``.
    lead_time_sd : float, array or Series, default 0
        Standard deviation of the lead time (periods).
    loss : {"one-term", "two-term"}, default "one-term"
        Expected-shortage formula for the fill rate.
    safety_factor : float, array or Series, optional
        ``z`` given directly instead of ``service_level`` (exactly one of the two).

    Returns
    -------
    float, ndarray or Series
        ``S = d (R + L) + k σ_{R+L}`` (units of inventory position).

    Notes
    -----
    The protection interval of an (R, S) policy is ``R + L``: an order placed now must cover
    demand until the *next* order arrives, one review period plus one lead time later. At
    each review the quantity ``S - IP`` is ordered (nothing when ``IP ≥ S``).

    References
    ----------
    .. [CM] Chopra & Meindl (2016), 6th ed., sec. 12.6 (periodic review).
    .. [SPT] Silver, Pyke & Thomas (2017), 4th ed., sec. 6.9 ((R, S) systems).
    .. [SS] Snyder & Shen (2019), 2nd ed., sec. 4.3 (base-stock level ``S* = μ + z_α σ``
       over ``L + 1`` periods).

    Examples
    --------
    Chopra & Meindl, periodic review: d = 2,500/week, σ_d = 500, R = 4 weeks,
    L = 2 weeks, CSL 0.90 → S = 15,000 + 1,570.

    >>> round(order_up_to(2500, 500, 2, 4, service_level=0.90))
    16570
    """
    _check_choice(measure, "measure", ("cycle", "fill_rate"))
    _check_choice(loss, "loss", ("one-term", "two-term"))
    kind, target = _target(service_level, safety_factor)
    arrays, index, scalar = _prepare(
        demand_mean=demand_mean,
        demand_sd=demand_sd,
        lead_time=lead_time,
        lead_time_sd=lead_time_sd,
        review_period=review_period,
        **{kind: target},
    )
    _check_nonnegative(arrays, *(k for k in arrays if k not in ("service_level", "safety_factor")))
    if (arrays["review_period"] <= 0).any():
        raise ValueError(
            "review_period must be > 0 for an (R, S) policy; use reorder_point() for "
            "continuous review."
        )
    per_cycle = arrays["demand_mean"] * arrays["review_period"]
    mean, ss = _safety_stock_core(
        arrays["demand_mean"],
        arrays["demand_sd"],
        arrays["lead_time"],
        arrays["lead_time_sd"],
        arrays["review_period"],
        arrays.get("service_level", np.full(np.shape(arrays["demand_mean"]), np.nan)),
        measure,
        per_cycle,
        loss,
        z=arrays.get("safety_factor"),
    )
    no_demand = (arrays["demand_mean"] == 0) & (arrays["demand_sd"] == 0)
    return _finish(np.where(no_demand, HOLD_NOTHING, mean + ss), index, scalar, "order_up_to_units")


def cycle_service_level(
    reorder_point: ArrayLike,
    demand_mean: ArrayLike,
    demand_sd: ArrayLike,
    lead_time: ArrayLike,
    *,
    lead_time_sd: ArrayLike = 0.0,
    review_period: ArrayLike = 0.0,
) -> Any:
    """Cycle service level ``Φ((s - μ_P) / σ_P)`` achieved by a reorder point (normal approx.).

    Parameters
    ----------
    reorder_point : float, array or Series
        Reorder point ``s`` (or order-up-to level ``S`` with ``review_period=R``), units.
    demand_mean, demand_sd, lead_time, lead_time_sd, review_period
        As in :func:`lead_time_demand`.

    Returns
    -------
    float, ndarray or Series
        Probability of no stockout in a replenishment cycle, in [0, 1]. With ``σ_P = 0``
        it is 1 when ``s ≥ μ_P`` and 0 otherwise.

    References
    ----------
    .. [CM] Chopra & Meindl (2016), 6th ed., eq. (12.4) and Example 12-2.

    Examples
    --------
    Chopra & Meindl, Example 12-2: ROP 6,000, weekly d = 2,500, σ_d = 500, L = 2 weeks.

    >>> round(cycle_service_level(6000, 2500, 500, 2), 2)
    0.92
    """
    arrays, index, scalar = _prepare(
        reorder_point=reorder_point,
        demand_mean=demand_mean,
        demand_sd=demand_sd,
        lead_time=lead_time,
        lead_time_sd=lead_time_sd,
        review_period=review_period,
    )
    _check_nonnegative(arrays, "demand_mean", "demand_sd", "lead_time", "lead_time_sd")
    mean, sigma = _ltd_moments(
        arrays["demand_mean"],
        arrays["demand_sd"],
        arrays["lead_time"],
        arrays["lead_time_sd"],
        arrays["review_period"],
    )
    s = arrays["reorder_point"]
    with np.errstate(divide="ignore", invalid="ignore"):
        csl = ndtr((s - mean) / sigma)
    csl = np.where(sigma == 0, (s >= mean).astype(float), csl)
    csl = np.where(np.isnan(s) | np.isnan(mean) | np.isnan(sigma), np.nan, csl)
    return _finish(csl, index, scalar, "cycle_service_level")


def fill_rate(
    reorder_point: ArrayLike,
    order_quantity: ArrayLike,
    demand_mean: ArrayLike,
    demand_sd: ArrayLike,
    lead_time: ArrayLike,
    *,
    lead_time_sd: ArrayLike = 0.0,
    review_period: ArrayLike = 0.0,
    loss: Loss = "one-term",
) -> Any:
    """Expected fill rate of an (s, Q) policy, ``1 - ESC / Q`` (normal approximation).

    Parameters
    ----------
    reorder_point : float, array or Series
        Reorder point ``s`` (units of inventory position). For an (R, S) policy pass
        ``S`` with ``review_period=R`` and ``order_quantity = d R``.
    order_quantity : float, array or Series
        Units per replenishment cycle ``Q`` (> 0).
    demand_mean, demand_sd, lead_time, lead_time_sd, review_period
        As in :func:`lead_time_demand`.
    loss : {"one-term", "two-term"}, default "one-term"
        ``ESC = σ_P G(k)`` or ``σ_P [G(k) - G(k + Q/σ_P)]``, ``k = (s - μ_P)/σ_P``.

    Returns
    -------
    float, ndarray or Series
        Expected fraction of demanded units met from stock, clipped to [0, 1].

    References
    ----------
    .. [CM] Chopra & Meindl (2016), 6th ed., eq. (12.5)-(12.6) and Example 12-3.
    .. [SPT] Silver, Pyke & Thomas (2017), 4th ed., sec. 6.7 (P2 criterion).

    Examples
    --------
    Chopra & Meindl, Example 12-3: ROP 6,000, Q 10,000 → ESC = 25.13, fill rate 0.9975.

    >>> round(fill_rate(6000, 10_000, 2500, 500, 2), 4)
    0.9975
    """
    _check_choice(loss, "loss", ("one-term", "two-term"))
    arrays, index, scalar = _prepare(
        reorder_point=reorder_point,
        order_quantity=order_quantity,
        demand_mean=demand_mean,
        demand_sd=demand_sd,
        lead_time=lead_time,
        lead_time_sd=lead_time_sd,
        review_period=review_period,
    )
    _check_nonnegative(arrays, "demand_mean", "demand_sd", "lead_time", "lead_time_sd")
    q = arrays["order_quantity"]
    if (q <= 0).any():
        raise ValueError(f"order_quantity must be > 0; got {q[q <= 0][:3].tolist()}.")
    mean, sigma = _ltd_moments(
        arrays["demand_mean"],
        arrays["demand_sd"],
        arrays["lead_time"],
        arrays["lead_time_sd"],
        arrays["review_period"],
    )
    s = arrays["reorder_point"]
    with np.errstate(divide="ignore", invalid="ignore"):
        k = (s - mean) / sigma
        esc = sigma * _normal_loss(k)
        if loss == "two-term":
            esc = esc - sigma * _normal_loss(k + q / sigma)
    # deterministic lead-time demand: short by max(mean - s, 0), at most Q per cycle
    esc = np.where(sigma == 0, np.clip(mean - s, 0.0, None), esc)
    if loss == "two-term":
        esc = np.where(sigma == 0, np.minimum(esc, q), esc)
    out = np.clip(1.0 - esc / q, 0.0, 1.0)
    out = np.where(np.isnan(s) | np.isnan(mean) | np.isnan(sigma) | np.isnan(q), np.nan, out)
    return _finish(out, index, scalar, "fill_rate")

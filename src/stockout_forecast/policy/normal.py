"""Reorder-policy maths: safety stock, reorder points, order-up-to levels, EOQ, rounding.

Every function here is vectorised over items: pass scalars for one item, numpy arrays for
many, or pandas Series (all indexed alike) to get a Series back with the same index. NaN in
an input gives NaN in the output for that item (an item without an estimate is kept, never
dropped); negative quantities and service levels outside (0, 1) raise ``ValueError``.

Two families of methods are offered:

(a) the **normal approximation** of demand over the protection interval, with demand *and*
    lead-time variance,

    .. math:: \\mu_P = d\\,(L + R), \\qquad
              \\sigma_P = \\sqrt{(L + R)\\,\\sigma_d^2 + d^2\\,\\sigma_L^2},

    where ``d`` and ``σ_d`` are the mean and standard deviation of demand per period,
    ``L`` and ``σ_L`` the mean and standard deviation of the lead time in periods and
    ``R`` the review period (0 for continuous review). Safety stock is ``k σ_P``.
(b) the **empirical** lead-time-demand distribution, simulated from demand sample paths
    (for example ``DemandForecast.sample_paths``) and lead-time draws
    (:func:`lead_time_demand_samples`), whose quantile or loss function gives the reorder
    point directly (:func:`empirical_reorder_point`). Nothing is assumed about its shape,
    which matters for slow, intermittent and lumpy items.

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

from collections.abc import Sequence
from typing import Any, Literal

import numpy as np
import pandas as pd
from scipy.special import ndtr, ndtri

from .._utils import check_fraction

__all__ = [
    "cycle_service_level",
    "economic_order_quantity",
    "empirical_reorder_point",
    "empirical_safety_stock",
    "fill_rate",
    "flag_special_orders",
    "inverse_normal_loss",
    "lead_time_demand",
    "lead_time_demand_samples",
    "normal_loss",
    "order_by_date",
    "order_up_to",
    "reorder_point",
    "round_order_quantity",
    "safety_stock",
    "special_order_threshold",
]

ArrayLike = float | int | np.ndarray | pd.Series | Sequence[float]
Measure = Literal["cycle", "fill_rate"]
Loss = Literal["one-term", "two-term"]

_INV_SQRT_2PI = 1.0 / np.sqrt(2.0 * np.pi)


# --------------------------------------------------------------------------- helpers
def _prepare(**named: Any) -> tuple[dict[str, np.ndarray], pd.Index | None, bool]:
    """Turn scalars / arrays / Series into broadcast float arrays.

    Returns the arrays by name, the common Series index (or None) and whether every input
    was a scalar (then the caller returns a plain float).
    """
    index: pd.Index | None = None
    scalar = True
    arrays: dict[str, np.ndarray] = {}
    for name, value in named.items():
        if isinstance(value, pd.DataFrame):
            raise TypeError(f"{name} must be a number, an array or a Series; got a DataFrame.")
        if isinstance(value, pd.Series):
            if index is None:
                index = value.index
            elif not value.index.equals(index):
                raise ValueError(
                    f"{name} is indexed differently from the other Series arguments; "
                    f"align them first, e.g. {name}.reindex(other.index)."
                )
            arr = value.to_numpy(dtype=float, na_value=np.nan)
            scalar = False
        else:
            try:
                arr = np.asarray(value, dtype=float)
            except (TypeError, ValueError) as err:
                raise TypeError(f"{name} must be numeric; got {value!r}.") from err
            if arr.ndim:
                scalar = False
        arrays[name] = arr
    try:
        shaped = np.broadcast_arrays(*arrays.values())
    except ValueError as err:
        shapes = {k: v.shape for k, v in arrays.items()}
        raise ValueError(f"Arguments cannot be broadcast together: shapes {shapes}.") from err
    return dict(zip(arrays, (np.array(a, dtype=float) for a in shaped), strict=True)), index, scalar


def _finish(result: np.ndarray, index: pd.Index | None, scalar: bool, name: str) -> Any:
    if scalar:
        return float(np.asarray(result).reshape(()))
    if index is not None:
        return pd.Series(np.asarray(result, dtype=float), index=index, name=name)
    return np.asarray(result, dtype=float)


def _check_nonnegative(arrays: dict[str, np.ndarray], *names: str) -> None:
    for name in names:
        arr = arrays[name]
        bad = arr < 0
        if bad.any():
            pos = np.argwhere(bad)[:5].tolist() if arr.ndim else []
            where = f" at positions {pos}" if pos else ""
            raise ValueError(
                f"{name} must not be negative; found {arr[bad][:3].tolist()}{where}. "
                f"Check the estimate (a negative {name} has no meaning)."
            )


def _check_service_level(value: Any, name: str = "service_level") -> np.ndarray:
    """Fractions in (0, 1); NaN allowed (item without a target)."""
    if np.ndim(value) == 0 and not isinstance(value, pd.Series):
        v = float(value)
        if np.isnan(v):
            return np.asarray(v)
        return np.asarray(check_fraction(v, name))
    arr = np.asarray(value.to_numpy() if isinstance(value, pd.Series) else value, dtype=float)
    bad = ~np.isnan(arr) & ((arr <= 0) | (arr >= 1))
    if bad.any():
        vals = arr[bad][:3].tolist()
        hint = " They look like percentages: divide by 100." if (arr[bad] > 1).all() else ""
        raise ValueError(f"{name} must be fractions in (0, 1); got {vals}.{hint}")
    return arr


def _check_choice(value: str, name: str, allowed: tuple[str, ...]) -> None:
    if value not in allowed:
        raise ValueError(f"{name} must be one of {list(allowed)}; got {value!r}.")


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
) -> tuple[np.ndarray, np.ndarray]:
    mean, sigma = _ltd_moments(d, sd, lt, lt_sd, review)
    k = _safety_factor(level, measure, sigma, per_cycle, loss)
    ss = k * sigma
    # deterministic demand over the protection interval: no safety stock needed
    ss = np.where((sigma == 0) & ~np.isnan(mean), 0.0, ss)
    if per_cycle is not None:
        ss = np.where(np.isnan(per_cycle) & (measure == "fill_rate"), np.nan, ss)
    return mean, ss


def _normal_policy(
    demand_mean: ArrayLike,
    demand_sd: ArrayLike,
    lead_time: ArrayLike,
    service_level: ArrayLike,
    measure: str,
    lead_time_sd: ArrayLike,
    review_period: ArrayLike,
    order_quantity: ArrayLike | None,
    loss: str,
) -> tuple[np.ndarray, np.ndarray, pd.Index | None, bool]:
    """Check and broadcast the arguments of :func:`safety_stock` / :func:`reorder_point`.

    Returns the protection-interval mean demand, the safety stock, and what ``_finish``
    needs to give the caller back a scalar, array or Series.
    """
    _check_choice(measure, "measure", ("cycle", "fill_rate"))
    _check_choice(loss, "loss", ("one-term", "two-term"))
    level = _check_service_level(service_level)
    named: dict[str, Any] = {
        "demand_mean": demand_mean,
        "demand_sd": demand_sd,
        "lead_time": lead_time,
        "lead_time_sd": lead_time_sd,
        "review_period": review_period,
        "service_level": service_level if isinstance(service_level, pd.Series) else level,
    }
    if order_quantity is not None:
        named["order_quantity"] = order_quantity
    arrays, index, scalar = _prepare(**named)
    _check_nonnegative(arrays, *(k for k in arrays if k != "service_level"))
    mean, ss = _safety_stock_core(
        arrays["demand_mean"],
        arrays["demand_sd"],
        arrays["lead_time"],
        arrays["lead_time_sd"],
        arrays["review_period"],
        arrays["service_level"],
        measure,
        arrays.get("order_quantity"),
        loss,
    )
    return mean, ss, index, scalar


def safety_stock(
    demand_mean: ArrayLike,
    demand_sd: ArrayLike,
    lead_time: ArrayLike,
    *,
    service_level: ArrayLike,
    measure: Measure = "cycle",
    lead_time_sd: ArrayLike = 0.0,
    review_period: ArrayLike = 0.0,
    order_quantity: ArrayLike | None = None,
    loss: Loss = "one-term",
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
    _, ss, index, scalar = _normal_policy(
        demand_mean, demand_sd, lead_time, service_level, measure, lead_time_sd,
        review_period, order_quantity, loss,
    )  # fmt: skip
    return _finish(ss, index, scalar, "safety_stock_units")


def reorder_point(
    demand_mean: ArrayLike,
    demand_sd: ArrayLike,
    lead_time: ArrayLike,
    *,
    service_level: ArrayLike,
    measure: Measure = "cycle",
    lead_time_sd: ArrayLike = 0.0,
    review_period: ArrayLike = 0.0,
    order_quantity: ArrayLike | None = None,
    loss: Loss = "one-term",
) -> Any:
    """Reorder point ``s = d (L + R) + k σ_P`` of an (s, Q) policy (normal approximation).

    Parameters are those of :func:`safety_stock`.

    Returns
    -------
    float, ndarray or Series
        Reorder point ``s`` in units of inventory position (on hand + on order −
        backorders). Not rounded: for integer stock a planner orders when the inventory
        position is ≤ ``floor(s)`` (or < ``ceil(s)``), which gives at least the target.

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
    """
    mean, ss, index, scalar = _normal_policy(
        demand_mean, demand_sd, lead_time, service_level, measure, lead_time_sd,
        review_period, order_quantity, loss,
    )  # fmt: skip
    return _finish(mean + ss, index, scalar, "reorder_point_units")


def order_up_to(
    demand_mean: ArrayLike,
    demand_sd: ArrayLike,
    lead_time: ArrayLike,
    review_period: ArrayLike,
    *,
    service_level: ArrayLike,
    measure: Measure = "cycle",
    lead_time_sd: ArrayLike = 0.0,
    loss: Loss = "one-term",
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
    level = _check_service_level(service_level)
    arrays, index, scalar = _prepare(
        demand_mean=demand_mean,
        demand_sd=demand_sd,
        lead_time=lead_time,
        lead_time_sd=lead_time_sd,
        review_period=review_period,
        service_level=service_level if isinstance(service_level, pd.Series) else level,
    )
    _check_nonnegative(arrays, *(k for k in arrays if k != "service_level"))
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
        arrays["service_level"],
        measure,
        per_cycle,
        loss,
    )
    return _finish(mean + ss, index, scalar, "order_up_to_units")


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


# --------------------------------------------------------------------------- EOQ, rounding
def economic_order_quantity(
    demand_rate: ArrayLike, order_cost: ArrayLike, holding_cost: ArrayLike
) -> Any:
    """Economic order quantity ``Q* = sqrt(2 K λ / h)``.

    Parameters
    ----------
    demand_rate : float, array or Series
        Demand ``λ`` in units per time unit (e.g. units/year), ≥ 0.
    order_cost : float, array or Series
        Fixed cost per order ``K`` (currency), ≥ 0.
    holding_cost : float, array or Series
        Holding cost ``h`` per unit per *the same* time unit (currency/unit/year; e.g.
        ``holding_cost_rate * unit_cost``), > 0.

    Returns
    -------
    float, ndarray or Series
        ``Q*`` in units (not rounded; see :func:`round_order_quantity`).

    Notes
    -----
    Minimises ``K λ / Q + h Q / 2``; the minimum cost per time unit is ``sqrt(2 K λ h)``.
    The time unit of ``λ`` and ``h`` must agree (per year with per year).

    References
    ----------
    .. [SS] Snyder & Shen (2019), 2nd ed., eq. (3.4)-(3.5), Example 3.1.
    .. [CM] Chopra & Meindl (2016), 6th ed., eq. (11.5), Example 11-1.

    Examples
    --------
    Snyder & Shen, Example 3.1 (K = 8, h = 0.225, λ = 1,300 per year):

    >>> round(economic_order_quantity(1300, 8, 0.225), 2)
    304.05
    """
    arrays, index, scalar = _prepare(
        demand_rate=demand_rate, order_cost=order_cost, holding_cost=holding_cost
    )
    _check_nonnegative(arrays, "demand_rate", "order_cost")
    h = arrays["holding_cost"]
    if (h <= 0).any():
        raise ValueError(
            f"holding_cost must be > 0 (per unit per time unit); got {h[h <= 0][:3].tolist()}. "
            "With no holding cost the EOQ is unbounded."
        )
    q = np.sqrt(2.0 * arrays["order_cost"] * arrays["demand_rate"] / h)
    return _finish(q, index, scalar, "order_quantity_units")


def round_order_quantity(
    q: ArrayLike,
    moq: ArrayLike | None = None,
    pack: ArrayLike | None = None,
    rounding: Literal["up", "nearest", "down"] = "up",
) -> Any:
    """Round order quantities to pack multiples and lift them to the minimum order quantity.

    Parameters
    ----------
    q : float, array or Series
        Wanted quantity (units). ``q ≤ 0`` means no order and gives 0.
    moq : float, array or Series, optional
        Minimum order quantity (units), ≥ 0; NaN or None means none.
    pack : float, array or Series, optional
        Pack size / order multiple (units), > 0; NaN or None means 1 unit granularity is not
        imposed (the quantity is only lifted to the MOQ).
    rounding : {"up", "nearest", "down"}, default "up"
        Direction to the pack multiple. ``"up"`` never orders less than wanted (the usual
        choice for service); ``"nearest"`` rounds half up; ``"down"`` never orders more.

    Returns
    -------
    float, ndarray or Series
        0 where ``q ≤ 0``; otherwise a multiple of ``pack`` that is ≥ ``moq``.

    Notes
    -----
    Order of operations: round ``q`` to a pack multiple in the chosen direction (a positive
    wanted quantity is never rounded to 0: at least one pack is ordered), then, if the
    result is below the MOQ, take the smallest pack multiple ≥ MOQ (so the MOQ always
    wins over ``"down"``). When the MOQ itself is not a pack multiple it is rounded *up* to
    one.

    Examples
    --------
    >>> round_order_quantity([0, 3, 13, 26], moq=10, pack=6)
    array([ 0., 12., 18., 30.])
    >>> round_order_quantity([13, 26], pack=6, rounding="nearest")
    array([12., 24.])
    """
    _check_choice(rounding, "rounding", ("up", "nearest", "down"))
    arrays, index, scalar = _prepare(
        q=q,
        moq=np.nan if moq is None else moq,
        pack=np.nan if pack is None else pack,
    )
    qq, mm, pp = arrays["q"], arrays["moq"], arrays["pack"]
    _check_nonnegative(arrays, "moq")
    if (pp <= 0).any():
        raise ValueError(f"pack must be > 0 units; got {pp[pp <= 0][:3].tolist()}.")
    has_pack = ~np.isnan(pp)
    unit = np.where(has_pack, pp, 1.0)
    ratio = qq / unit
    eps = 1e-9
    if rounding == "up":
        n = np.ceil(ratio - eps)
    elif rounding == "down":
        n = np.floor(ratio + eps)
    else:
        n = np.floor(ratio + 0.5)
    n = np.maximum(n, 1.0)
    out = np.where(has_pack, n * unit, qq)
    moq_eff = np.where(np.isnan(mm), 0.0, mm)
    moq_packs = np.where(has_pack, np.ceil(moq_eff / unit - eps) * unit, moq_eff)
    out = np.maximum(out, moq_packs)
    out = np.where(qq > 0, out, 0.0)
    out = np.where(np.isnan(qq), np.nan, out)
    return _finish(out, index, scalar, "order_units")


# --------------------------------------------------------------------------- empirical
def lead_time_demand_samples(
    paths: np.ndarray,
    lead_time: ArrayLike,
    *,
    review_period: float = 0.0,
) -> np.ndarray:
    """Demand over the protection interval ``L + R`` for each sample path.

    Parameters
    ----------
    paths : ndarray, shape (n_items, n_paths, horizon)
        Demand per period along each path (e.g. ``DemandForecast.sample_paths(...)``),
        units/period; period 0 is the first period after the order is placed.
    lead_time : float, array of shape (n_items,) or (n_items, n_paths)
        Lead time in periods; a 2-D array gives one lead-time draw per path (lead-time
        uncertainty, e.g. from :func:`stockout_forecast.history.leadtime.sample_lead_times`).
        Fractions of a period count that fraction of the period's demand.
    review_period : float, default 0
        Review period ``R`` added to the lead time (periods).

    Returns
    -------
    ndarray, shape (n_items, n_paths)
        Units demanded over ``L + R`` along each path; NaN where the lead time is NaN.

    Raises
    ------
    ValueError
        If a protection interval is longer than the paths' horizon.

    Notes
    -----
    ``D(P) = C(⌊P⌋) + (P - ⌊P⌋) (C(⌊P⌋ + 1) - C(⌊P⌋))`` with ``C`` the cumulative demand
    along the path: demand within a period is taken as spread evenly over it.

    Examples
    --------
    >>> paths = np.array([[[1.0, 2.0, 3.0], [0.0, 0.0, 4.0]]])   # 1 item, 2 paths
    >>> lead_time_demand_samples(paths, 1.5)
    array([[2., 0.]])
    >>> lead_time_demand_samples(paths, 1, review_period=1)
    array([[3., 0.]])
    """
    paths = np.asarray(paths, dtype=float)
    if paths.ndim != 3:
        raise ValueError(
            f"paths must have shape (n_items, n_paths, horizon); got shape {paths.shape}."
        )
    n, p, h = paths.shape
    lt = np.asarray(lead_time, dtype=float)
    if lt.ndim == 0:
        lt = np.full((n, 1), float(lt))
    elif lt.ndim == 1:
        if lt.shape[0] != n:
            raise ValueError(f"lead_time has {lt.shape[0]} values for {n} items.")
        lt = lt[:, None]
    elif lt.shape != (n, p):
        raise ValueError(f"lead_time must have shape ({n},) or ({n}, {p}); got {lt.shape}.")
    if (lt < 0).any():
        raise ValueError("lead_time must not be negative.")
    total = np.broadcast_to(lt + float(review_period), (n, p))
    finite = np.isfinite(total)
    if finite.any() and total[finite].max() > h:
        raise ValueError(
            f"The protection interval L + R reaches {total[finite].max():g} periods but the "
            f"paths cover only {h}. Draw paths with a horizon of at least "
            f"{int(np.ceil(total[finite].max()))} periods."
        )
    cum = np.concatenate([np.zeros((n, p, 1)), np.cumsum(paths, axis=2)], axis=2)
    safe = np.where(finite, total, 0.0)
    lo = np.floor(safe).astype(np.intp)
    frac = safe - lo
    hi = np.minimum(lo + 1, h)
    c_lo = np.take_along_axis(cum, lo[:, :, None], axis=2)[:, :, 0]
    c_hi = np.take_along_axis(cum, hi[:, :, None], axis=2)[:, :, 0]
    out = c_lo + frac * (c_hi - c_lo)
    return np.where(finite, out, np.nan)


def _empirical_loss(sorted_x: np.ndarray, prefix: np.ndarray, s: np.ndarray) -> np.ndarray:
    """E[(X - s)+] per row for sorted samples (rows) at levels ``s`` (one per row)."""
    m = sorted_x.shape[1]
    k = (sorted_x <= s[:, None]).sum(axis=1)
    upper_sum = prefix[:, -1] - np.take_along_axis(prefix, k[:, None], axis=1)[:, 0]
    return (upper_sum - (m - k) * s) / m


def empirical_reorder_point(
    ltd_samples: np.ndarray,
    *,
    service_level: ArrayLike,
    measure: Measure = "cycle",
    order_quantity: ArrayLike | None = None,
    loss: Loss = "one-term",
    integer: bool = True,
) -> np.ndarray:
    """Reorder point from the empirical lead-time-demand distribution (no shape assumed).

    Parameters
    ----------
    ltd_samples : ndarray, shape (n_items, n_samples)
        Simulated demand over the protection interval (:func:`lead_time_demand_samples`),
        units. Rows containing NaN give NaN.
    service_level : float or array of shape (n_items,)
        Target cycle service level or fill rate, fraction in (0, 1).
    measure : {"cycle", "fill_rate"}, default "cycle"
        ``"cycle"``: the smallest ``s`` with ``P(D ≤ s) ≥ CSL`` (the ``inverted_cdf``
        quantile). ``"fill_rate"``: the smallest ``s`` with expected units short per
        cycle ``E[(D - s)⁺] ≤ (1 - β) Q`` (one-term) or
        ``E[(D - s)⁺] - E[(D - s - Q)⁺] ≤ (1 - β) Q`` (two-term).
    order_quantity : float or array of shape (n_items,), optional
        Units per replenishment cycle ``Q``; required for ``measure="fill_rate"``.
    loss : {"one-term", "two-term"}, default "one-term"
        Expected-shortage formula, as for the normal approximation.
    integer : bool, default True
        Return the smallest *integer* reorder point meeting the target (count demand);
        False gives the exact real-valued solution.

    Returns
    -------
    ndarray, shape (n_items,)
        Reorder point in units of inventory position.

    Notes
    -----
    ``E[(D - s)⁺]`` of the sample is piecewise linear in ``s`` and is evaluated exactly
    from the sorted samples and their suffix sums; the smallest ``s`` meeting the target is
    found by a bisection run on all items at once. The precision is limited by the number
    of samples: with ``m`` samples a CSL above ``1 - 1/m`` returns the sample maximum.

    References
    ----------
    .. [SS] Snyder & Shen (2019), 2nd ed., sec. 4.3.4 (discrete demand: the smallest
       ``S`` with ``F(S) ≥ α``).

    Examples
    --------
    >>> ltd = np.array([[0, 0, 1, 1, 2, 2, 3, 4, 6, 9]], dtype=float)
    >>> empirical_reorder_point(ltd, service_level=0.8)
    array([4.])
    >>> empirical_reorder_point(ltd, service_level=0.95, measure="fill_rate",
    ...                         order_quantity=4)
    array([6.])
    """
    _check_choice(measure, "measure", ("cycle", "fill_rate"))
    _check_choice(loss, "loss", ("one-term", "two-term"))
    x = np.asarray(ltd_samples, dtype=float)
    if x.ndim != 2:
        raise ValueError(f"ltd_samples must have shape (n_items, n_samples); got {x.shape}.")
    n, m = x.shape
    level = np.broadcast_to(_check_service_level(service_level), (n,)).astype(float)
    bad_rows = np.isnan(x).any(axis=1) | np.isnan(level) | (m == 0)
    out = np.full(n, np.nan)
    if m == 0 or bad_rows.all():
        return out
    ok = ~bad_rows
    xs = np.sort(x[ok], axis=1)
    lvl = level[ok]
    if measure == "cycle":
        # inverted_cdf: the smallest sample value x_(j) with j/m >= level
        j = np.ceil(lvl * m - 1e-9).astype(np.intp) - 1
        res = xs[np.arange(xs.shape[0]), np.clip(j, 0, m - 1)]
        out[ok] = np.ceil(res - 1e-9) if integer else res
        return out
    if order_quantity is None:
        raise ValueError("measure='fill_rate' needs order_quantity (units per cycle).")
    q = np.broadcast_to(np.asarray(order_quantity, dtype=float), (n,))[ok]
    if (q <= 0).any():
        raise ValueError("order_quantity must be > 0 for a fill-rate target.")
    target = (1.0 - lvl) * q
    prefix = np.concatenate([np.zeros((xs.shape[0], 1)), np.cumsum(xs, axis=1)], axis=1)

    def short(s: np.ndarray) -> np.ndarray:
        val = _empirical_loss(xs, prefix, s)
        if loss == "two-term":
            val = val - _empirical_loss(xs, prefix, s + q)
        return val

    lo = xs[:, 0] - q - 1.0  # short(lo) >= min(Q, ...) > target: infeasible side
    hi = xs[:, -1]  # short(hi) == 0 <= target: feasible side
    if integer:
        lo = np.floor(lo)
        hi = np.ceil(hi)
        while np.any(hi - lo > 1):
            mid = np.floor(0.5 * (lo + hi))
            good = short(mid) <= target + 1e-12
            hi = np.where(good, mid, hi)
            lo = np.where(good, lo, mid)
        out[ok] = hi
    else:
        for _ in range(100):
            mid = 0.5 * (lo + hi)
            good = short(mid) <= target + 1e-12
            hi = np.where(good, mid, hi)
            lo = np.where(good, lo, mid)
        out[ok] = hi
    return out


def empirical_safety_stock(
    ltd_samples: np.ndarray,
    *,
    service_level: ArrayLike,
    measure: Measure = "cycle",
    order_quantity: ArrayLike | None = None,
    loss: Loss = "one-term",
    integer: bool = True,
) -> np.ndarray:
    """Safety stock from the empirical distribution: :func:`empirical_reorder_point` − mean.

    Parameters are those of :func:`empirical_reorder_point`.

    Returns
    -------
    ndarray, shape (n_items,)
        Reorder point minus the sample mean of lead-time demand (units).

    Examples
    --------
    >>> ltd = np.array([[0, 0, 1, 1, 2, 2, 3, 4, 6, 9]], dtype=float)   # mean 2.8
    >>> np.round(empirical_safety_stock(ltd, service_level=0.8), 1)
    array([1.2])
    """
    s = empirical_reorder_point(
        ltd_samples,
        service_level=service_level,
        measure=measure,
        order_quantity=order_quantity,
        loss=loss,
        integer=integer,
    )
    x = np.asarray(ltd_samples, dtype=float)
    return s - x.mean(axis=1)


# --------------------------------------------------------------------------- order-by date
def order_by_date(
    p_stockout: np.ndarray,
    dates: pd.DatetimeIndex | Sequence[Any],
    lead_time_days: ArrayLike,
    *,
    max_stockout_probability: float = 0.05,
    receipt: Literal["start_of_day", "end_of_day"] = "start_of_day",
    item_ids: Sequence[Any] | np.ndarray | None = None,
) -> Any:
    """Latest day to order so that the goods arrive before the forecast stockout.

    Parameters
    ----------
    p_stockout : ndarray, shape (n_items, horizon) or (horizon,)
        ``P(stockout by the end of day t)`` without the new order, non-decreasing in ``t``
        (e.g. ``StockoutForecast.p_stockout``).
    dates : DatetimeIndex or sequence of dates, length horizon
        The days of ``p_stockout``'s columns (consecutive days).
    lead_time_days : float, array of shape (n_items,) or Series
        Lead time to plan with, days. Pass a high quantile (e.g. ``lead_time_p90_days``
        from :func:`~stockout_forecast.history.leadtime.lead_time_history`) to protect against late
        deliveries too; fractions are rounded *up* to whole days.
    max_stockout_probability : float, default 0.05
        Accepted risk ``1 - target`` of running out before the order arrives, in (0, 1).
    receipt : {"start_of_day", "end_of_day"}, default "start_of_day"
        When goods received on a day can first be sold: ``"start_of_day"`` — they serve
        that day's demand, so arriving on day ``t`` is in time if ``P(stockout by end of
        day t - 1) ≤ risk``; ``"end_of_day"`` — they serve the next day, so day ``t``
        needs ``P(stockout by end of day t) ≤ risk``.
    item_ids : sequence, optional
        Labels for the result; with them a Series indexed by ``item_id`` is returned.

    Returns
    -------
    ndarray of datetime64[ns] or Series
        Latest order date per item: the latest arrival day that keeps the stockout risk
        within ``max_stockout_probability``, minus the lead time. ``NaT`` when the risk
        stays within the limit over the whole horizon (no order needed within it); a date
        before ``dates[0]`` (today) means the order is already late.

    Notes
    -----
    With ``receipt="start_of_day"`` the latest arrival day is the first day ``t`` whose
    ``P(stockout by end of t)`` exceeds the risk (arriving that morning still serves day
    ``t``); with ``"end_of_day"`` it is the day before. Order date = arrival − ⌈lead time⌉.

    Examples
    --------
    >>> days = pd.date_range("2024-03-01", periods=5)
    >>> p = np.array([[0.0, 0.01, 0.04, 0.20, 0.60],
    ...               [0.0, 0.00, 0.00, 0.01, 0.02]])
    >>> order_by_date(p, days, [2, 2], item_ids=["A", "B"]).dt.strftime("%Y-%m-%d").tolist()
    ['2024-03-02', nan]
    """
    check_fraction(max_stockout_probability, "max_stockout_probability")
    _check_choice(receipt, "receipt", ("start_of_day", "end_of_day"))
    p = np.asarray(p_stockout, dtype=float)
    if p.ndim == 1:
        p = p[None, :]
    if p.ndim != 2:
        raise ValueError(f"p_stockout must have shape (n_items, horizon); got {p.shape}.")
    n, h = p.shape
    days = pd.DatetimeIndex(
        pd.to_datetime(list(dates) if not isinstance(dates, pd.DatetimeIndex) else dates)
    )
    if len(days) != h:
        raise ValueError(f"dates has {len(days)} days but p_stockout has {h} columns.")
    lt = np.asarray(
        lead_time_days.to_numpy(dtype=float)
        if isinstance(lead_time_days, pd.Series)
        else lead_time_days,
        dtype=float,
    )
    lt = np.broadcast_to(lt, (n,))
    if (lt < 0).any():
        raise ValueError(f"lead_time_days must not be negative; got {lt[lt < 0][:3].tolist()}.")
    over = p > max_stockout_probability
    any_over = over.any(axis=1)
    first = np.argmax(over, axis=1)  # first day whose risk is too high
    arrival = first if receipt == "start_of_day" else first - 1
    base = days[0].to_datetime64()
    arrival_dates = base + arrival.astype("timedelta64[D]")
    lt_days = np.ceil(np.where(np.isnan(lt), 0.0, lt) - 1e-9).astype("int64")
    out = (arrival_dates - lt_days.astype("timedelta64[D]")).astype("datetime64[ns]")
    out = np.where(any_over & ~np.isnan(lt), out, np.datetime64("NaT", "ns"))
    if item_ids is not None:
        ids = list(item_ids)
        if len(ids) != n:
            raise ValueError(f"item_ids has {len(ids)} labels for {n} items.")
        return pd.Series(out, index=pd.Index(ids, name="item_id"), name="order_by_date")
    return out


# --------------------------------------------------------------------------- special orders
def special_order_threshold(
    units: np.ndarray | pd.DataFrame,
    *,
    quantile: float = 0.9,
    factor: float = 4.0,
    min_demands: int = 4,
) -> Any:
    """Size above which one period's demand of an item counts as a special (one-off) order.

    The rule: a period's demand is a *special order* when it exceeds ``factor`` times the
    ``quantile`` of the item's own non-zero period demands in the history. Such orders are
    meant to be sourced on demand (the customer is quoted the supplier's lead time), not
    stocked for: they are excluded from the distribution the reorder point is set from and
    reported separately, so that a few one-off orders of hundreds of units on an item that
    sells a few a month do not drive its stock.

    Parameters
    ----------
    units : ndarray (n_items, n_periods) or DataFrame (items x periods)
        Historical demand per period, units; NaN (not yet listed) is ignored.
    quantile : float, default 0.9
        Quantile of the item's non-zero period demands, a fraction in (0, 1).
    factor : float, default 4.0
        Multiple of that quantile above which a period is a special order, ≥ 1.
    min_demands : int, default 4
        Fewest non-zero periods needed to judge; items with fewer get an infinite
        threshold (nothing flagged: too little history to call anything unusual).

    Returns
    -------
    ndarray (n_items,) or Series indexed like ``units``' rows
        Threshold in units per period (``inf`` where not judged).

    Notes
    -----
    The threshold is fixed ex ante from the history before the planning date and applied
    unchanged to later demand (:func:`flag_special_orders`). It uses the item's own size
    distribution, so a large but regular customer is not flagged; the quantile (not the
    maximum) keeps one earlier one-off from raising the bar for the next.

    Examples
    --------
    Item 1's non-zero months without its largest (250) are 1, 1, 1, 2, 2, 3: the 90 %
    quantile is 2.5 and the threshold 4 x 2.5 = 10. Item 2 sold only once: not judged.

    >>> hist = np.array([[1, 0, 2, 1, 0, 3, 1, 250, 2, 0],
    ...                  [0, 0, 40, 0, 0, 0, 0, 0, 0, 0]], dtype=float)
    >>> special_order_threshold(hist)
    array([10., inf])
    """
    check_fraction(quantile, "quantile")
    if not (factor >= 1):
        raise ValueError(f"factor must be >= 1; got {factor!r}.")
    index = units.index if isinstance(units, pd.DataFrame) else None
    x = np.asarray(
        units.to_numpy(dtype=float) if isinstance(units, pd.DataFrame) else units, dtype=float
    )
    if x.ndim != 2:
        raise ValueError(f"units must have shape (n_items, n_periods); got {x.shape}.")
    sizes = np.where(x > 0, x, np.nan)
    n_pos = (x > 0).sum(axis=1)
    thr = np.full(x.shape[0], np.inf)
    enough = n_pos >= int(min_demands)
    if enough.any():
        # the quantile is taken over the non-zero periods, *without* the largest one, so a
        # single huge order cannot set its own bar
        s = np.sort(sizes[enough], axis=1)  # NaN last
        cnt = n_pos[enough]
        s[np.arange(s.shape[0]), cnt - 1] = np.nan
        thr[enough] = factor * np.nanquantile(s, quantile, axis=1)
    if index is not None:
        return pd.Series(thr, index=index, name="special_order_threshold_units")
    return thr


def flag_special_orders(units: np.ndarray | pd.DataFrame, threshold: ArrayLike) -> Any:
    """Mark periods whose demand exceeds the item's special-order threshold.

    Parameters
    ----------
    units : ndarray (n_items, n_periods) or DataFrame (items x periods)
        Demand per period (units).
    threshold : array (n_items,) or Series
        From :func:`special_order_threshold` (``inf`` = never flagged).

    Returns
    -------
    ndarray of bool or DataFrame of bool, same shape as ``units``
        True where the period's demand is a special order.

    Examples
    --------
    >>> flag_special_orders(np.array([[3.0, 9.0, 300.0]]), [8.4])
    array([[False,  True,  True]])
    """
    thr = np.asarray(
        threshold.to_numpy(dtype=float) if isinstance(threshold, pd.Series) else threshold,
        dtype=float,
    )
    if isinstance(units, pd.DataFrame):
        x = units.to_numpy(dtype=float)
        return pd.DataFrame(x > thr[:, None], index=units.index, columns=units.columns)
    x = np.asarray(units, dtype=float)
    if thr.shape != (x.shape[0],):
        raise ValueError(f"threshold has shape {thr.shape}; expected ({x.shape[0]},).")
    with np.errstate(invalid="ignore"):
        return np.asarray(x > thr[:, None])

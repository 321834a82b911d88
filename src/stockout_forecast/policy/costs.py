"""Inventory costs in money: the cost vocabulary, critical ratios and expected policy costs.

Every cost argument carries its time base in its name, so that a holding cost per unit per
*year* can never be passed where one per unit per *period* is meant:

==============================  =========================================================
name                            meaning (unit)
==============================  =========================================================
``unit_cost``                   purchase price (currency / unit)
``holding_rate_per_year``       holding cost as a fraction of the unit cost (1 / year)
``holding_cost_per_unit_year``  ``h``: cost of one unit on hand for a year (currency)
``holding_cost_per_unit_period`` the same for one period of the data's frequency
``order_cost``                  ``K``: fixed cost of placing one order (currency / order)
``backorder_cost_per_unit``     ``π``: charged once for each unit backordered (currency)
``backorder_cost_per_unit_year`` ``p``: charged per unit backordered per year it waits
``backorder_cost_per_unit_period`` the same per period
``lost_sale_cost_per_unit``     lost margin plus goodwill of a unit not sold (currency)
``demand_per_year``             ``λ``: mean demand (units / year)
==============================  =========================================================

Two families of shortage cost are in use in the literature and both are offered: a cost per
unit short (``π``, Hadley-Whitin, Nahmias, Silver-Pyke-Thomas "B2") and a cost per unit short
per unit of time (``p``, Snyder-Shen, Zipkin, Axsäter). Lost sales are costed per unit.

Conventions
-----------
* Continuous review (:func:`sq_cost_per_year`): an order of ``Q`` is placed when the
  inventory position reaches ``r``; the lead-time demand ``D`` is normal or Poisson;
  holding is charged on on-hand stock, ``y - D`` when positive.
* Periodic review (:func:`rs_cost_per_period`, :func:`ss_cost_per_period`): costs are
  charged on the inventory level at the end of each period, ``y - D`` (``y`` = inventory
  position after ordering, ``D`` = demand over the lead time plus that period), as in
  Snyder & Shen ch. 4.
* Every expected cost is returned **per year** or **per period** as the function's name
  says; a purchase cost ``unit_cost x demand`` is added only when ``unit_cost`` is given.

References
----------
.. [SS] Snyder, L. V., Shen, Z.-J. M. (2019). *Fundamentals of Supply Chain Theory*, 2nd ed.,
   Wiley, ch. 3 (EOQ), 4 (newsvendor, base-stock, (s, S)), 5 ((r, Q)), app. C (loss
   functions).
.. [N] Nahmias, S., Olsen, T. L. (2015). *Production and Operations Analysis*, 7th ed.,
   Waveland, sec. 5.4-5.5 (lot size-reorder point systems, backorders and lost sales).
.. [SPT] Silver, E. A., Pyke, D. F., Thomas, D. J. (2017). *Inventory and Production
   Management in Supply Chains*, 4th ed., CRC Press, ch. 6-7.
.. [ZF] Zheng, Y.-S., Federgruen, A. (1991). Finding optimal (s, S) policies is about as
   simple as evaluating a single policy. *Operations Research* 39(4), 654-665.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

import numpy as np
import pandas as pd
from scipy.special import ndtr
from scipy.stats import poisson

from ._args import _finish, _prepare
from .normal import _normal_loss

__all__ = [
    "critical_ratio",
    "eoq_cost_per_year",
    "normal_second_order_loss",
    "poisson_loss",
    "poisson_second_order_loss",
    "rs_cost_per_period",
    "sq_cost_per_year",
    "ss_cost_per_period",
]

ArrayLike = float | int | np.ndarray | pd.Series | Sequence[float]
Distribution = Literal["normal", "poisson"]

_INV_SQRT_2PI = 1.0 / np.sqrt(2.0 * np.pi)


def _nonneg(arrays: dict[str, np.ndarray], *names: str) -> None:
    for name in names:
        arr = arrays[name]
        if (arr < 0).any():
            raise ValueError(
                f"{name} must not be negative; found {arr[arr < 0][:3].tolist()}. "
                "A negative cost or demand has no meaning."
            )


def _positive(arrays: dict[str, np.ndarray], *names: str) -> None:
    for name in names:
        arr = arrays[name]
        if (arr <= 0).any():
            raise ValueError(f"{name} must be > 0; found {arr[arr <= 0][:3].tolist()}.")


def _one_shortage_cost(**costs: Any) -> str:
    given = [k for k, v in costs.items() if v is not None]
    if len(given) != 1:
        raise ValueError(
            f"Give exactly one shortage cost, one of {sorted(costs)}; got "
            f"{sorted(given) or 'none'}. A backorder costed per unit (π) and one costed per "
            "unit per year (p) are different models; see the module notes."
        )
    return given[0]


# --------------------------------------------------------------------------- loss functions
def normal_second_order_loss(z: ArrayLike) -> Any:
    """Standard normal second-order loss function ``G₂(z) = ½ E[((Z - z)⁺)²]``.

    Parameters
    ----------
    z : float, array or Series
        Standardised stock level ``(x - μ) / σ``.

    Returns
    -------
    float, ndarray or Series
        ``G₂(z)``; for a normal ``D ~ N(μ, σ²)``, ``½ E[((D - x)⁺)²] = σ² G₂((x - μ)/σ)``.

    Notes
    -----
    ``G₂(z) = ½ [(1 + z²)(1 - Φ(z)) - z φ(z)] = ∫_z^∞ G(t) dt``, with ``G`` the first-order
    loss :func:`~stockout_forecast.policy.normal.normal_loss`. It gives the area under the
    loss function between two stock levels, which is what the exact cost of an (r, Q)
    policy needs: ``∫_r^{r+Q} n(y) dy = σ² [G₂(z_r) - G₂(z_{r+Q})]``.

    References
    ----------
    .. [SS] Snyder & Shen (2019), 2nd ed., app. C (loss functions); ch. 5.
    .. [Z] Zipkin, P. H. (2000). *Foundations of Inventory Management*, McGraw-Hill,
       app. C.

    Examples
    --------
    >>> normal_second_order_loss(0.0)   # ½ x (1 x ½ - 0)
    0.25
    >>> round(normal_second_order_loss(-2.0) + normal_second_order_loss(2.0), 6)  # = ½ (1 + z²)
    2.5
    """
    arrays, index, scalar = _prepare(z=z)
    x = arrays["z"]
    with np.errstate(over="ignore", invalid="ignore", under="ignore"):
        out = 0.5 * ((1.0 + x * x) * ndtr(-x) - x * np.exp(-0.5 * x * x) * _INV_SQRT_2PI)
    out = np.where(x > 40, 0.0, out)
    out = np.where(x < -40, 0.5 * (1.0 + x * x), out)
    return _finish(out, index, scalar, "second_order_loss")


def _poisson_loss(x: np.ndarray, mean: np.ndarray) -> np.ndarray:
    """E[(X - x)⁺] for X ~ Poisson(mean); piecewise linear between integers."""
    k = np.floor(x)
    frac = x - k
    # E[(X - k)⁺] = mean P(X >= k) - k P(X > k), exact for integer k (negative k: mean - k)
    at_k = mean * poisson.sf(k - 1, mean) - k * poisson.sf(k, mean)
    at_k = np.where(k < 0, mean - k, at_k)
    return np.asarray(at_k - frac * np.where(k < 0, 1.0, poisson.sf(k, mean)))


def poisson_loss(x: ArrayLike, mean: ArrayLike) -> Any:
    """First-order Poisson loss function ``n(x) = E[(X - x)⁺]``, ``X ~ Poisson(mean)``.

    Parameters
    ----------
    x : float, array or Series
        Stock level (units). Between integers the loss is linear.
    mean : float, array or Series
        Poisson mean (units), ≥ 0.

    Returns
    -------
    float, ndarray or Series
        Expected units short when ``x`` units are available.

    Notes
    -----
    For integer ``x``: ``n(x) = λ P(X ≥ x) - x P(X > x)`` (because ``E[X 1{X ≥ x}] =
    λ P(X ≥ x - 1)`` for a Poisson variable); ``n(x) = λ - x`` for ``x < 0``.

    References
    ----------
    .. [SS] Snyder & Shen (2019), 2nd ed., app. C (discrete loss functions).

    Examples
    --------
    >>> round(poisson_loss(5, 7), 6)      # E[(X - 5)⁺] for Poisson(7)
    2.2926
    >>> poisson_loss(-2, 3.0)             # all demand short, plus the deficit
    5.0
    """
    arrays, index, scalar = _prepare(x=x, mean=mean)
    _nonneg(arrays, "mean")
    return _finish(_poisson_loss(arrays["x"], arrays["mean"]), index, scalar, "loss")


def _poisson_second_order_loss(x: np.ndarray, mean: np.ndarray) -> np.ndarray:
    """½ E[(X - x)⁺ (X - x - 1)⁺] for integer x (S&S's discrete second-order loss)."""
    k = np.floor(x + 1e-9)
    m = mean
    val = 0.5 * (m * m * poisson.sf(k - 2, m) - 2.0 * k * m * poisson.sf(k - 1, m)
                 + k * (k + 1.0) * poisson.sf(k, m))  # fmt: skip
    # k < 0: every term counts; ½ E[(X - k)(X - k - 1)] = ½ [m² - 2 k m + k (k + 1)]
    full = 0.5 * (m * m - 2.0 * k * m + k * (k + 1.0))
    return np.asarray(np.where(k < 0, full, val))


def poisson_second_order_loss(x: ArrayLike, mean: ArrayLike) -> Any:
    """Discrete second-order loss ``n̄(x) = ½ E[(X - x)⁺ (X - x - 1)⁺]`` of a Poisson ``X``.

    Parameters
    ----------
    x : int, array or Series
        Integer stock level (units); fractions are rounded down.
    mean : float, array or Series
        Poisson mean (units), ≥ 0.

    Returns
    -------
    float, ndarray or Series
        ``n̄(x) = Σ_{y > x} n(y)``: the sum of the first-order losses above ``x``.

    Notes
    -----
    The identity ``Σ_{y=r+1}^{r+Q} n(y) = n̄(r) - n̄(r + Q)`` gives the exact expected
    backorders of an (r, Q) policy with Poisson demand in closed form. For integer ``x``:
    ``2 n̄(x) = λ² P(X ≥ x - 1) - 2 x λ P(X ≥ x) + x (x + 1) P(X > x)``.

    References
    ----------
    .. [SS] Snyder & Shen (2019), 2nd ed., app. C (discrete second-order loss); Example 5.8.

    Examples
    --------
    >>> round(poisson_second_order_loss(1, 2.0), 6)   # Σ_{y ≥ 2} E[(X - y)⁺]
    0.864665
    >>> round(sum(poisson_loss(y, 2.0) for y in range(2, 60)), 6)
    0.864665
    """
    arrays, index, scalar = _prepare(x=x, mean=mean)
    _nonneg(arrays, "mean")
    out = _poisson_second_order_loss(arrays["x"], arrays["mean"])
    return _finish(out, index, scalar, "second_order_loss")


# --------------------------------------------------------------------------- critical ratio
def critical_ratio(
    *,
    holding_cost_per_unit_year: ArrayLike,
    backorder_cost_per_unit_year: ArrayLike | None = None,
    backorder_cost_per_unit: ArrayLike | None = None,
    lost_sale_cost_per_unit: ArrayLike | None = None,
    demand_per_year: ArrayLike | None = None,
    order_quantity: ArrayLike | None = None,
) -> Any:
    """Service level that minimises expected cost: the newsvendor critical ratio.

    Parameters
    ----------
    holding_cost_per_unit_year : float, array or Series
        ``h`` (currency per unit per year), > 0.
    backorder_cost_per_unit_year : float, array or Series, optional
        ``p``: cost per unit backordered per year it waits. Gives ``p / (p + h)``.
    backorder_cost_per_unit : float, array or Series, optional
        ``π``: cost charged once per unit backordered. Gives ``1 - h Q / (π λ)``.
    lost_sale_cost_per_unit : float, array or Series, optional
        Cost of a lost sale (margin + goodwill). Gives ``π λ / (π λ + h Q)``.
    demand_per_year : float, array or Series, optional
        ``λ`` (units / year); needed with a per-unit cost.
    order_quantity : float, array or Series, optional
        Units per replenishment cycle ``Q`` (for an (R, S) policy the demand per review,
        ``λ R``); needed with a per-unit cost.

    Returns
    -------
    float, ndarray or Series
        The cost-optimal probability of no stockout in a cycle (cycle service level), in
        [0, 1). 0 means that holding any stock against the lead time costs more than the
        shortages it avoids.

    Notes
    -----
    Give exactly one shortage cost. For a periodic-review base-stock policy (newsvendor
    with carry-over) with per-period costs, pass both costs in the same time base: the ratio
    ``p / (p + h)`` does not depend on it. With per-unit costs the ratio is the first-order
    condition of the Hadley-Whitin (r, Q) model, ``P(D > r) = h Q / (π λ)`` with backorders
    and ``h Q / (h Q + π λ)`` with lost sales ([N]_ sec. 5.4; for an (R, S) policy put
    ``Q = λ R``, [SPT]_ sec. 6.9).

    References
    ----------
    .. [SS] Snyder & Shen (2019), 2nd ed., sec. 4.3, Example 4.3 (newsvendor ``α = p/(p+h)``).
    .. [N] Nahmias & Olsen (2015), 7th ed., sec. 5.4 (backorders: ``1 - F(R) = Qh/(pλ)``;
       lost sales: ``Qh / (Qh + pλ)``).
    .. [SPT] Silver, Pyke & Thomas (2017), 4th ed., sec. 6.7 (cost B2 per unit short).

    Examples
    --------
    Snyder & Shen, Example 4.3 (h = 0.18, p = 0.70 per period): α = 0.70 / 0.88.

    >>> round(critical_ratio(holding_cost_per_unit_year=0.18,
    ...                      backorder_cost_per_unit_year=0.70), 4)
    0.7955

    Nahmias, Harvey's Specialty Shop (h = $2, π = $25, λ = 200 / year, Q = 100):
    ``1 - F(R) = 100 x 2 / (25 x 200) = 0.04``.

    >>> round(critical_ratio(holding_cost_per_unit_year=2, backorder_cost_per_unit=25,
    ...                      demand_per_year=200, order_quantity=100), 4)
    0.96
    """
    kind = _one_shortage_cost(
        backorder_cost_per_unit_year=backorder_cost_per_unit_year,
        backorder_cost_per_unit=backorder_cost_per_unit,
        lost_sale_cost_per_unit=lost_sale_cost_per_unit,
    )
    shortage = {
        "backorder_cost_per_unit_year": backorder_cost_per_unit_year,
        "backorder_cost_per_unit": backorder_cost_per_unit,
        "lost_sale_cost_per_unit": lost_sale_cost_per_unit,
    }[kind]
    named: dict[str, Any] = {"h": holding_cost_per_unit_year, "c": shortage}
    if kind != "backorder_cost_per_unit_year":
        if demand_per_year is None or order_quantity is None:
            raise ValueError(
                f"{kind} is charged per unit, so the ratio depends on the cycle: pass "
                "demand_per_year (λ) and order_quantity (Q; d R for an (R, S) policy)."
            )
        named["lam"] = demand_per_year
        named["q"] = order_quantity
    arrays, index, scalar = _prepare(**named)
    _positive(arrays, "h")
    _nonneg(arrays, *(k for k in arrays if k != "h"))
    h, c = arrays["h"], arrays["c"]
    with np.errstate(divide="ignore", invalid="ignore"):
        if kind == "backorder_cost_per_unit_year":
            out = c / (c + h)
        elif kind == "backorder_cost_per_unit":
            out = np.clip(1.0 - h * arrays["q"] / (c * arrays["lam"]), 0.0, 1.0)
        else:
            out = c * arrays["lam"] / (c * arrays["lam"] + h * arrays["q"])
    out = np.where(np.isfinite(out), out, 0.0)
    return _finish(out, index, scalar, "critical_ratio")


# --------------------------------------------------------------------------- EOQ
def eoq_cost_per_year(
    order_quantity: ArrayLike,
    demand_per_year: ArrayLike,
    order_cost: ArrayLike,
    holding_cost_per_unit_year: ArrayLike,
    *,
    unit_cost: ArrayLike | None = None,
) -> Any:
    """Expected cost per year of ordering ``Q`` at a time under constant demand (EOQ model).

    Parameters
    ----------
    order_quantity : float, array or Series
        ``Q`` (units per order), > 0.
    demand_per_year : float, array or Series
        ``λ`` (units / year), ≥ 0.
    order_cost : float, array or Series
        ``K`` (currency / order), ≥ 0.
    holding_cost_per_unit_year : float, array or Series
        ``h`` (currency / unit / year), ≥ 0.
    unit_cost : float, array or Series, optional
        Purchase price; adds ``c λ`` (currency / year).

    Returns
    -------
    float, ndarray or Series
        ``g(Q) = K λ / Q + h Q / 2 (+ c λ)``, currency per year.

    References
    ----------
    .. [SS] Snyder & Shen (2019), 2nd ed., sec. 3.2, Example 3.1.

    Examples
    --------
    Snyder & Shen, Example 3.1: K = 8, h = 0.225, λ = 1,300 at Q* = 304.05 → g* = 68.41.

    >>> round(eoq_cost_per_year(304.05, 1300, 8, 0.225), 2)
    68.41
    """
    named: dict[str, Any] = {
        "order_quantity": order_quantity,
        "demand_per_year": demand_per_year,
        "order_cost": order_cost,
        "holding_cost_per_unit_year": holding_cost_per_unit_year,
        "unit_cost": 0.0 if unit_cost is None else unit_cost,
    }
    arrays, index, scalar = _prepare(**named)
    _positive(arrays, "order_quantity")
    _nonneg(arrays, "demand_per_year", "order_cost", "holding_cost_per_unit_year", "unit_cost")
    q, lam = arrays["order_quantity"], arrays["demand_per_year"]
    out = (
        arrays["order_cost"] * lam / q
        + arrays["holding_cost_per_unit_year"] * q / 2.0
        + arrays["unit_cost"] * lam
    )
    return _finish(out, index, scalar, "cost_per_year")


# --------------------------------------------------------------------------- (s, Q)
def _ltd_loss(
    x: np.ndarray, mean: np.ndarray, sd: np.ndarray, dist: str
) -> tuple[np.ndarray, np.ndarray]:
    """First- and second-order loss of the lead-time demand at stock level x (units)."""
    if dist == "poisson":
        return _poisson_loss(x, mean), _poisson_second_order_loss(x, mean)
    det = sd == 0  # deterministic lead-time demand
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.where(det, 0.0, (x - mean) / np.where(det, 1.0, sd))
    n1 = sd * _normal_loss(z)
    n2 = sd * sd * normal_second_order_loss(z)
    n1 = np.where(det, np.maximum(mean - x, 0.0), n1)
    n2 = np.where(det, 0.5 * np.maximum(mean - x, 0.0) ** 2, n2)
    return n1, n2


def sq_cost_per_year(
    reorder_point: ArrayLike,
    order_quantity: ArrayLike,
    *,
    demand_per_year: ArrayLike,
    lead_time_demand_mean: ArrayLike,
    lead_time_demand_sd: ArrayLike | None = None,
    distribution: Distribution = "normal",
    order_cost: ArrayLike,
    holding_cost_per_unit_year: ArrayLike,
    backorder_cost_per_unit_year: ArrayLike | None = None,
    backorder_cost_per_unit: ArrayLike | None = None,
    lost_sale_cost_per_unit: ArrayLike | None = None,
    unit_cost: ArrayLike | None = None,
) -> Any:
    r"""Expected cost per year of a continuous-review (s, Q) policy.

    Parameters
    ----------
    reorder_point : float, array or Series
        ``r``: order when the inventory position reaches ``r`` (units).
    order_quantity : float, array or Series
        ``Q`` (units per order), > 0.
    demand_per_year : float, array or Series
        ``λ`` (units / year).
    lead_time_demand_mean, lead_time_demand_sd : float, array or Series
        Mean and standard deviation of demand over the lead time (units); the standard
        deviation is needed for ``distribution="normal"`` only.
    distribution : {"normal", "poisson"}, default "normal"
        Distribution of the lead-time demand. ``"poisson"`` takes integer ``r`` and ``Q``.
    order_cost : float, array or Series
        ``K`` (currency / order).
    holding_cost_per_unit_year : float, array or Series
        ``h`` (currency / unit / year).
    backorder_cost_per_unit_year, backorder_cost_per_unit, lost_sale_cost_per_unit
        Exactly one shortage cost; see the Notes for the model each one selects.
    unit_cost : float, array or Series, optional
        Adds the purchase cost ``c λ``.

    Returns
    -------
    float, ndarray or Series
        Expected cost, currency per year.

    Notes
    -----
    * ``backorder_cost_per_unit_year`` (``p``): the **exact** cost of the (r, Q) policy with
      backorders (the inventory position is uniform on ``r+1..r+Q``, [SS]_ sec. 5.2),

      .. math:: g(r, Q) = \frac{K λ + \int_r^{r+Q} [h (y - μ) + (h + p) n(y)]\,dy}{Q}
                = \frac{Kλ + hQ(r - μ + Q/2) + (h + p)[n_2(r) - n_2(r + Q)]}{Q},

      with ``n`` and ``n₂`` the first- and second-order loss functions of the lead-time
      demand (for Poisson demand the integral is the sum over ``y = r+1..r+Q``).
    * ``backorder_cost_per_unit`` (``π``): the Hadley-Whitin approximation
      ``K λ / Q + h (Q/2 + r - μ) + π λ n(r) / Q`` ([N]_ sec. 5.4, [SPT]_ sec. 6.7).
    * ``lost_sale_cost_per_unit``: the same with lost sales, whose unmet demand is never
      delivered, so stock carries ``n(r)`` more: ``K λ / Q + h (Q/2 + r - μ + n(r)) +
      π λ n(r) / Q`` ([N]_ sec. 5.4).

    References
    ----------
    .. [SS] Snyder & Shen (2019), 2nd ed., sec. 5.2-5.5, Examples 5.1 and 5.8.
    .. [N] Nahmias & Olsen (2015), 7th ed., sec. 5.4.
    .. [SPT] Silver, Pyke & Thomas (2017), 4th ed., sec. 6.7 (cost B2 per unit short).

    Examples
    --------
    Snyder & Shen, Example 5.1 (h = 0.225, p = 7.5, K = 8, λ = 1,300 / year, lead time
    1/12 year, σ 150 √(1/12)) at the optimum (r, Q) = (126.8, 328.5): g = 78.07.

    >>> round(sq_cost_per_year(126.8, 328.5, demand_per_year=1300,
    ...       lead_time_demand_mean=1300 / 12, lead_time_demand_sd=150 * (1 / 12) ** 0.5,
    ...       order_cost=8, holding_cost_per_unit_year=0.225,
    ...       backorder_cost_per_unit_year=7.5), 2)
    78.07
    """
    kind = _one_shortage_cost(
        backorder_cost_per_unit_year=backorder_cost_per_unit_year,
        backorder_cost_per_unit=backorder_cost_per_unit,
        lost_sale_cost_per_unit=lost_sale_cost_per_unit,
    )
    if distribution not in ("normal", "poisson"):
        raise ValueError(f"distribution must be 'normal' or 'poisson'; got {distribution!r}.")
    if distribution == "normal" and lead_time_demand_sd is None:
        raise ValueError("distribution='normal' needs lead_time_demand_sd (units).")
    shortage = {
        "backorder_cost_per_unit_year": backorder_cost_per_unit_year,
        "backorder_cost_per_unit": backorder_cost_per_unit,
        "lost_sale_cost_per_unit": lost_sale_cost_per_unit,
    }[kind]
    arrays, index, scalar = _prepare(
        r=reorder_point,
        q=order_quantity,
        lam=demand_per_year,
        mu=lead_time_demand_mean,
        sd=0.0 if lead_time_demand_sd is None else lead_time_demand_sd,
        k=order_cost,
        h=holding_cost_per_unit_year,
        c=shortage,
        unit_cost=0.0 if unit_cost is None else unit_cost,
    )
    _positive(arrays, "q")
    _nonneg(arrays, "lam", "mu", "sd", "k", "h", "c", "unit_cost")
    r, q, lam, mu, sd = (arrays[k] for k in ("r", "q", "lam", "mu", "sd"))
    k, h, c = arrays["k"], arrays["h"], arrays["c"]
    n_r, n2_r = _ltd_loss(r, mu, sd, distribution)
    if kind == "backorder_cost_per_unit_year":
        _, n2_rq = _ltd_loss(r + q, mu, sd, distribution)
        if distribution == "poisson":
            # Σ_{y=r+1}^{r+Q} (y - μ) = Q (r - μ) + Q (Q + 1) / 2
            area = q * (r - mu) + q * (q + 1.0) / 2.0
        else:
            area = q * (r - mu + q / 2.0)
        out = (k * lam + h * area + (h + c) * (n2_r - n2_rq)) / q
    elif kind == "backorder_cost_per_unit":
        out = k * lam / q + h * (q / 2.0 + r - mu) + c * lam * n_r / q
    else:
        out = k * lam / q + h * (q / 2.0 + r - mu + n_r) + c * lam * n_r / q
    out = out + arrays["unit_cost"] * lam
    return _finish(out, index, scalar, "cost_per_year")


# --------------------------------------------------------------------------- (R, S)
def _period_moments(
    d: np.ndarray, sd: np.ndarray, periods: np.ndarray | float
) -> tuple[np.ndarray, np.ndarray]:
    return d * periods, sd * np.sqrt(periods)


def rs_cost_per_period(
    order_up_to: ArrayLike,
    *,
    review_period: int,
    lead_time: ArrayLike,
    demand_mean: ArrayLike,
    demand_sd: ArrayLike | None = None,
    distribution: Distribution = "normal",
    order_cost: ArrayLike,
    holding_cost_per_unit_period: ArrayLike,
    backorder_cost_per_unit_period: ArrayLike | None = None,
    backorder_cost_per_unit: ArrayLike | None = None,
    unit_cost: ArrayLike | None = None,
) -> Any:
    r"""Expected cost per period of a periodic-review (R, S) order-up-to policy with backorders.

    Parameters
    ----------
    order_up_to : float, array or Series
        ``S``: at every review the inventory position is raised to ``S`` (units).
    review_period : int
        ``R``: periods between reviews, ≥ 1 (an order is assumed at every review).
    lead_time : float, array or Series
        ``L`` in periods, ≥ 0.
    demand_mean, demand_sd : float, array or Series
        Mean and standard deviation of demand per period (units); periods independent.
        ``demand_sd`` is needed for ``distribution="normal"`` only.
    distribution : {"normal", "poisson"}, default "normal"
        Distribution of demand per period (Poisson sums stay Poisson).
    order_cost : float, array or Series
        ``K`` (currency / order), charged at every review.
    holding_cost_per_unit_period : float, array or Series
        ``h`` per unit on hand at the end of a period.
    backorder_cost_per_unit_period : float, array or Series, optional
        ``p`` per unit backordered at the end of a period.
    backorder_cost_per_unit : float, array or Series, optional
        ``π`` once per unit backordered. Give exactly one of the two.
    unit_cost : float, array or Series, optional
        Adds the purchase cost ``c d`` per period.

    Returns
    -------
    float, ndarray or Series
        Expected cost, currency per period.

    Notes
    -----
    The order placed at a review arrives ``L`` periods later; the inventory level at the end
    of the ``j``-th period it covers is ``S - D(L + j)``, ``j = 1..R``, with ``D(t)`` the
    demand over ``t`` periods. The cost per period is the average over the cycle,

    .. math:: \frac{K}{R} + \frac1R \sum_{j=1}^{R} E[h (S - D(L+j))^+ + p (D(L+j) - S)^+],

    or, with ``π``, ``π/R {E[(D(L+R) - S)^+] - E[(D(L) - S)^+]}`` (units first short in the
    cycle) in place of the ``p`` term. For ``R = 1`` this is the base-stock model of [SS]_
    sec. 4.4 exactly.

    References
    ----------
    .. [SS] Snyder & Shen (2019), 2nd ed., sec. 4.3-4.4 (Examples 4.1, 4.4).
    .. [SPT] Silver, Pyke & Thomas (2017), 4th ed., sec. 6.9 ((R, S) systems).

    Examples
    --------
    Snyder & Shen, Example 4.1 (newsvendor: h = 0.18, p = 0.70, D ~ N(50, 8²), no lead time):
    ``S = 60`` costs 2.156 per period.

    >>> round(rs_cost_per_period(60, review_period=1, lead_time=0, demand_mean=50,
    ...       demand_sd=8, order_cost=0, holding_cost_per_unit_period=0.18,
    ...       backorder_cost_per_unit_period=0.70), 3)
    2.156
    """
    kind = _one_shortage_cost(
        backorder_cost_per_unit_period=backorder_cost_per_unit_period,
        backorder_cost_per_unit=backorder_cost_per_unit,
    )
    if not isinstance(review_period, (int, np.integer)) or review_period < 1:
        raise ValueError(
            f"review_period must be a whole number of periods >= 1; got {review_period!r}."
        )
    if distribution not in ("normal", "poisson"):
        raise ValueError(f"distribution must be 'normal' or 'poisson'; got {distribution!r}.")
    if distribution == "normal" and demand_sd is None:
        raise ValueError("distribution='normal' needs demand_sd (units per period).")
    shortage = (
        backorder_cost_per_unit_period
        if kind == "backorder_cost_per_unit_period"
        else backorder_cost_per_unit
    )
    arrays, index, scalar = _prepare(
        s=order_up_to,
        lt=lead_time,
        d=demand_mean,
        sd=0.0 if demand_sd is None else demand_sd,
        k=order_cost,
        h=holding_cost_per_unit_period,
        c=shortage,
        unit_cost=0.0 if unit_cost is None else unit_cost,
    )
    _nonneg(arrays, "lt", "d", "sd", "k", "h", "c", "unit_cost")
    s, lt, d, sd, h, c = (arrays[k] for k in ("s", "lt", "d", "sd", "h", "c"))
    rr = int(review_period)
    total = np.zeros(np.broadcast(s, lt).shape)
    for j in range(1, rr + 1):
        mean, sigma = _period_moments(d, sd, lt + j)
        short, _ = _ltd_loss(s, mean, sigma, distribution)
        total = total + h * (s - mean + short)
        if kind == "backorder_cost_per_unit_period":
            total = total + c * short
    out = total / rr + arrays["k"] / rr
    if kind == "backorder_cost_per_unit":
        m_end, s_end = _period_moments(d, sd, lt + rr)
        m_start, s_start = _period_moments(d, sd, lt)
        new_short = (
            _ltd_loss(s, m_end, s_end, distribution)[0]
            - _ltd_loss(s, m_start, s_start, distribution)[0]
        )
        out = out + c * new_short / rr
    out = out + arrays["unit_cost"] * d
    return _finish(out, index, scalar, "cost_per_period")


# --------------------------------------------------------------------------- (s, S)
def _demand_pmf(
    demand_mean: float | None, demand_pmf: Sequence[float] | np.ndarray | None, periods: int
) -> np.ndarray:
    """The pmf over 0, 1, ... of demand over ``periods`` periods (Poisson or convolved pmf)."""
    if (demand_mean is None) == (demand_pmf is None):
        raise ValueError("Give either demand_mean (Poisson demand) or demand_pmf, not both.")
    if demand_pmf is None:
        mean = float(demand_mean) * periods  # type: ignore[arg-type]
        if mean < 0:
            raise ValueError(f"demand_mean must be >= 0; got {demand_mean!r}.")
        top = int(mean + 12.0 * np.sqrt(mean) + 20)
        return np.asarray(poisson.pmf(np.arange(top + 1), mean))
    pmf = np.asarray(demand_pmf, dtype=float)
    if pmf.ndim != 1 or (pmf < 0).any() or not np.isclose(pmf.sum(), 1.0, atol=1e-6):
        raise ValueError(
            "demand_pmf must be the probabilities of demand 0, 1, 2, ... per period "
            f"(non-negative, summing to 1); got {pmf.sum():.6g} in total."
        )
    out = np.array([1.0])
    for _ in range(periods):
        out = np.convolve(out, pmf)
    return out


def _newsvendor_costs(pmf: np.ndarray, levels: np.ndarray, h: float, p: float) -> np.ndarray:
    """G(y) = E[h (y - D)⁺ + p (D - y)⁺] for integer levels y, D with the given pmf."""
    k = np.arange(len(pmf), dtype=float)
    y = levels.astype(float)[:, None]
    return np.asarray((pmf * (h * np.maximum(y - k, 0.0) + p * np.maximum(k - y, 0.0))).sum(axis=1))


def _renewal(pmf1: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """m(j), j < n, and M(n): expected visits of the inventory position to S - j in a cycle."""
    p0 = pmf1[0]
    if p0 >= 1.0:
        raise ValueError("Demand is zero with probability 1: an (s, S) policy never reorders.")
    m = np.zeros(n)
    for j in range(n):
        acc = 1.0 if j == 0 else 0.0
        hi = min(j, len(pmf1) - 1)
        if hi >= 1:
            acc += float(np.dot(pmf1[1 : hi + 1], m[j - np.arange(1, hi + 1)]))
        m[j] = acc / (1.0 - p0)
    return m, np.concatenate([[0.0], np.cumsum(m)])


def ss_cost_per_period(
    reorder_point: int,
    order_up_to: int,
    *,
    demand_mean: float | None = None,
    demand_pmf: Sequence[float] | np.ndarray | None = None,
    lead_time: int = 0,
    order_cost: float,
    holding_cost_per_unit_period: float,
    backorder_cost_per_unit_period: float,
) -> float:
    r"""Exact expected cost per period of a periodic-review (s, S) policy, discrete demand.

    Parameters
    ----------
    reorder_point : int
        ``s``: at a review, order when the inventory position is ≤ ``s`` (units).
    order_up_to : int
        ``S > s``: order up to this inventory position (units).
    demand_mean : float, optional
        Poisson demand per period with this mean (units) ...
    demand_pmf : sequence of float, optional
        ... or the probabilities of demand 0, 1, 2, ... per period.
    lead_time : int, default 0
        Lead time in whole periods.
    order_cost : float
        ``K`` (currency / order).
    holding_cost_per_unit_period, backorder_cost_per_unit_period : float
        ``h`` and ``p``, charged on the inventory level at the end of each period.

    Returns
    -------
    float
        Expected cost, currency per period.

    Notes
    -----
    Renewal-reward form of Zheng & Federgruen ([ZF]_; [SS]_ sec. 4.6):

    .. math:: c(s, S) = \frac{K + \sum_{j=0}^{S-s-1} m(j)\, G(S - j)}{M(S - s)},

    where ``G(y) = E[h (y - D)⁺ + p (D - y)⁺]`` with ``D`` the demand over ``L + 1``
    periods, ``m(0) = 1/(1 - p₀)``, ``m(j) = Σ_{l=1}^{j} p_l m(j - l) / (1 - p₀)`` and
    ``M(n) = Σ_{j<n} m(j)`` the expected number of periods in an order cycle.

    References
    ----------
    .. [ZF] Zheng & Federgruen (1991), *Operations Research* 39(4), 654-665.
    .. [SS] Snyder & Shen (2019), 2nd ed., sec. 4.6, Example 4.7.

    Examples
    --------
    Snyder & Shen, Example 4.7: Poisson(6) demand, h = 1, p = 4, K = 5; (s, S) = (4, 10).

    >>> round(ss_cost_per_period(4, 10, demand_mean=6, order_cost=5,
    ...       holding_cost_per_unit_period=1, backorder_cost_per_unit_period=4), 4)
    8.0341
    """
    s, big_s = int(reorder_point), int(order_up_to)
    if big_s <= s:
        raise ValueError(f"order_up_to must exceed reorder_point; got s={s}, S={big_s}.")
    for name, v in (("order_cost", order_cost), ("holding_cost_per_unit_period",
                    holding_cost_per_unit_period), ("backorder_cost_per_unit_period",
                    backorder_cost_per_unit_period)):  # fmt: skip
        if not v >= 0:
            raise ValueError(f"{name} must be >= 0; got {v!r}.")
    if not isinstance(lead_time, (int, np.integer)) or lead_time < 0:
        raise ValueError(f"lead_time must be a whole number of periods >= 0; got {lead_time!r}.")
    pmf1 = _demand_pmf(demand_mean, demand_pmf, 1)
    pmf_l = _demand_pmf(demand_mean, demand_pmf, int(lead_time) + 1)
    n = big_s - s
    m, big_m = _renewal(pmf1, n)
    g = _newsvendor_costs(pmf_l, big_s - np.arange(n), holding_cost_per_unit_period,
                          backorder_cost_per_unit_period)  # fmt: skip
    return float((order_cost + np.dot(m, g)) / big_m[n])

"""Quantity discounts: the economic order quantity under all-units and incremental price breaks.

A supplier's price list is a table of *price breaks*: from ``min_units`` upwards a unit costs
``unit_cost``. Two readings of such a list are common:

* **all-units**: the price of the bracket the order falls in applies to *every* unit of it
  (an order of 600 at "500+: 0.29" costs 600 x 0.29);
* **incremental**: each bracket's price applies only to the units inside that bracket
  (the first 499 at 0.30, the rest at 0.29), like income-tax bands.

Holding cost is a fraction of the money tied up: ``holding_rate_per_year`` x the value of an
average unit in stock (the unit price under all-units, the order's average price under
incremental discounts).

References
----------
.. [N] Nahmias, S., Olsen, T. L. (2015). *Production and Operations Analysis*, 7th ed.,
   Waveland, sec. 4.7 (quantity discount models; the Weighty Trash Bag Company example).
.. [CM] Chopra, S., Meindl, P. (2016). *Supply Chain Management*, 6th ed., Pearson,
   sec. 11.3 (lot-size-based discounts), Examples 11-8 (all-units) and 11-9 (incremental).
.. [SPT] Silver, Pyke & Thomas (2017), 4th ed., sec. 4.5 (quantity discounts).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

import numpy as np
import pandas as pd

__all__ = ["price_for_quantity", "quantity_discount_eoq"]

Kind = Literal["all_units", "incremental"]


def _breaks(price_breaks: Any) -> tuple[np.ndarray, np.ndarray]:
    """(min_units, unit_cost) sorted by min_units, checked."""
    if isinstance(price_breaks, pd.DataFrame):
        missing = {"min_units", "unit_cost"} - set(price_breaks.columns)
        if missing:
            raise ValueError(
                f"price_breaks needs columns ['min_units', 'unit_cost']; missing {sorted(missing)}."
            )
        lo = price_breaks["min_units"].to_numpy(dtype=float)
        c = price_breaks["unit_cost"].to_numpy(dtype=float)
    else:
        arr = np.asarray(price_breaks, dtype=float)
        if arr.ndim != 2 or arr.shape[1] != 2:
            raise ValueError(
                "price_breaks must be pairs (min_units, unit_cost), e.g. [(0, 0.30), (500, 0.29)], "
                "or a DataFrame with those columns."
            )
        lo, c = arr[:, 0], arr[:, 1]
    if len(lo) == 0 or np.isnan(lo).any() or np.isnan(c).any() or (lo < 0).any() or (c < 0).any():
        raise ValueError("price_breaks must hold at least one break of non-negative numbers.")
    order = np.argsort(lo, kind="stable")
    lo, c = lo[order], c[order]
    if len(np.unique(lo)) != len(lo):
        raise ValueError(f"price_breaks has two prices for the same min_units: {lo.tolist()}.")
    return lo, c


def _value(q: np.ndarray, lo: np.ndarray, c: np.ndarray, kind: str) -> np.ndarray:
    """Purchase value of an order of q units."""
    q = np.asarray(q, dtype=float)
    bracket = np.clip(np.searchsorted(lo, q, side="right") - 1, 0, len(lo) - 1)
    if kind == "all_units":
        return q * c[bracket]
    # incremental: the value at each break, then the bracket's price above it
    base = np.concatenate([[0.0], np.cumsum(np.diff(lo) * c[:-1])])
    return base[bracket] + (q - lo[bracket]) * c[bracket]


def price_for_quantity(
    units: float | Sequence[float] | np.ndarray,
    price_breaks: pd.DataFrame | Sequence[tuple[float, float]],
    *,
    kind: Kind = "all_units",
) -> Any:
    """Purchase value of an order (currency) under a price-break table.

    Parameters
    ----------
    units : float or array
        Order quantities (units), ≥ the first break's ``min_units``.
    price_breaks : DataFrame or sequence of (min_units, unit_cost)
        The price list: from ``min_units`` (units) upwards a unit costs ``unit_cost``.
    kind : {"all_units", "incremental"}, default "all_units"
        How the list is read (see the module notes).

    Returns
    -------
    float or ndarray
        Value of each order, currency.

    Examples
    --------
    Nahmias' trash bags: 30 cents below 500, 29 cents from 500, 28 cents from 1,000.

    >>> breaks = [(0, 0.30), (500, 0.29), (1000, 0.28)]
    >>> round(price_for_quantity(600, breaks), 2)                       # 600 x 0.29
    174.0
    >>> round(price_for_quantity(600, breaks, kind="incremental"), 2)   # 150 + 100 x 0.29
    179.0
    """
    if kind not in ("all_units", "incremental"):
        raise ValueError(f"kind must be 'all_units' or 'incremental'; got {kind!r}.")
    lo, c = _breaks(price_breaks)
    q = np.asarray(units, dtype=float)
    if (q < lo[0] - 1e-9).any():
        raise ValueError(
            f"An order below the first price break ({lo[0]:g} units) has no price; "
            "the first break is the supplier's minimum order."
        )
    out = _value(q, lo, c, kind)
    return float(out) if out.ndim == 0 else out


def _annual(q: np.ndarray, lam: float, k: float, rate: float, lo, c, kind: str) -> np.ndarray:
    value = _value(q, lo, c, kind)
    return lam * value / q + k * lam / q + rate * value / 2.0


def quantity_discount_eoq(
    demand_per_year: float,
    order_cost: float,
    holding_rate_per_year: float,
    price_breaks: pd.DataFrame | Sequence[tuple[float, float]],
    *,
    kind: Kind = "all_units",
) -> dict[str, float]:
    """Order quantity that minimises purchase + ordering + holding cost under price breaks.

    Parameters
    ----------
    demand_per_year : float
        ``λ`` (units / year), > 0.
    order_cost : float
        ``K`` (currency / order), ≥ 0.
    holding_rate_per_year : float
        ``I``: holding cost per year as a fraction of the money in stock, > 0.
    price_breaks : DataFrame or sequence of (min_units, unit_cost)
        The price list; the first ``min_units`` is the smallest order accepted.
    kind : {"all_units", "incremental"}, default "all_units"
        How the list is read.

    Returns
    -------
    dict
        ``order_quantity`` (units), ``unit_cost`` (average price paid per unit of that
        order), ``cost_per_year`` (purchase + ordering + holding, currency / year).

    Notes
    -----
    All-units ([N]_, [CM]_ Example 11-8): for each bracket ``i`` the EOQ at its price,
    ``sqrt(2Kλ / (I c_i))``, moved into the bracket (up to its lower break when below it; a
    bracket whose EOQ lies above it is dominated by the next, cheaper one); the cheapest of
    these candidates, with annual cost ``λ c_i + Kλ/Q + I c_i Q / 2``, wins.
    Incremental ([N]_, [CM]_ Example 11-9): an order in bracket ``i`` costs
    ``C(Q) = V_i + c_i (Q - q_i)`` (``V_i`` the value of ``q_i`` units), so the annual cost
    ``λ C(Q)/Q + Kλ/Q + I C(Q)/2`` is minimised in the bracket at
    ``Q_i = sqrt(2λ (K + V_i - c_i q_i) / (I c_i))``, clipped to the bracket; the cheapest
    bracket wins.

    References
    ----------
    .. [N] Nahmias & Olsen (2015), 7th ed., sec. 4.7.
    .. [CM] Chopra & Meindl (2016), 6th ed., Examples 11-8 and 11-9.

    Examples
    --------
    Nahmias' Weighty Trash Bag Company: λ = 600 bags / year, K = $8, I = 20 %.

    >>> breaks = [(0, 0.30), (500, 0.29), (1000, 0.28)]
    >>> res = quantity_discount_eoq(600, 8, 0.2, breaks)
    >>> res["order_quantity"], round(res["cost_per_year"], 2)
    (500.0, 198.1)
    """
    if kind not in ("all_units", "incremental"):
        raise ValueError(f"kind must be 'all_units' or 'incremental'; got {kind!r}.")
    lam, k, rate = float(demand_per_year), float(order_cost), float(holding_rate_per_year)
    if not (lam > 0 and k >= 0 and rate > 0):
        raise ValueError(
            "demand_per_year and holding_rate_per_year must be > 0 and order_cost >= 0; got "
            f"{demand_per_year!r}, {holding_rate_per_year!r}, {order_cost!r}."
        )
    lo, c = _breaks(price_breaks)
    hi = np.concatenate([lo[1:], [np.inf]])
    base = np.concatenate([[0.0], np.cumsum(np.diff(lo) * c[:-1])])
    candidates = []
    for i in range(len(lo)):
        if c[i] <= 0:
            raise ValueError("unit_cost must be > 0 in every price break for an EOQ.")
        if kind == "all_units":
            q_i = np.sqrt(2.0 * k * lam / (rate * c[i]))
            if q_i >= hi[i]:
                continue  # the next (cheaper) bracket does better at its lower break
        else:
            fixed = k + base[i] - c[i] * lo[i]
            q_i = np.sqrt(2.0 * lam * max(fixed, 0.0) / (rate * c[i]))
            q_i = min(q_i, np.nextafter(hi[i], 0.0)) if np.isfinite(hi[i]) else q_i
        candidates.append(max(q_i, lo[i], 1e-9))
    qs = np.asarray(candidates, dtype=float)
    costs = _annual(qs, lam, k, rate, lo, c, kind)
    best = int(np.argmin(costs))
    q = float(qs[best])
    return {
        "order_quantity": q,
        "unit_cost": float(_value(np.asarray(q), lo, c, kind)) / q,
        "cost_per_year": float(costs[best]),
    }

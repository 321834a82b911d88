"""Reorder policies as small frozen objects: when to order and how much.

The three classic systems of Silver, Pyke & Thomas (2017, ch. 6), each a frozen dataclass
that :func:`~stockout_forecast.simulate_policy` replays and
:func:`~stockout_forecast.recommend_orders` plans with:

========================================  ==========  =====================================
object                                    notation    at a review, when ``IP <= s``
========================================  ==========  =====================================
:class:`ContinuousReview`                 (s, Q)      order ``Q`` (or the smallest ``n Q``
                                                      lifting ``IP`` above ``s``)
:class:`PeriodicReview`                   (R, S)      order up to ``S`` (``s = S``)
:class:`PeriodicReorderPoint`             (R, s, S)   order up to ``S``; (s, S) when R = 1
========================================  ==========  =====================================

``IP`` is the inventory position (on hand + on order - backorders). A parameter left
``None`` is set by the function that uses the policy (``recommend_orders`` sets ``s`` and
``S`` from the forecast; ``simulate_policy`` needs them given). A parameter is a number for
every item, an array in item order, or a Series indexed by ``item_id``.

``review_period`` is in the time unit of the function using the policy: periods of the
demand for ``simulate_policy``, days for ``recommend_orders`` (whose lead times are days).
A continuous review is a review every period (every day in ``recommend_orders``).

References
----------
.. [SPT] Silver, E. A., Pyke, D. F., Thomas, D. J. (2017). *Inventory and Production
   Management in Supply Chains*, 4th ed., CRC Press, sec. 6.4 (the (s, Q), (R, S),
   (s, S) and (R, s, S) systems).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = ["ContinuousReview", "PeriodicReorderPoint", "PeriodicReview", "ReorderPolicy"]


def _check_review_period(value: Any) -> float:
    try:
        r = float(value)
    except (TypeError, ValueError) as err:
        raise ValueError(f"review_period must be a number > 0; got {value!r}.") from err
    if not (np.isfinite(r) and r > 0):
        raise ValueError(f"review_period must be a number > 0; got {value!r}.")
    return r


@dataclass(frozen=True)
class ContinuousReview:
    """(s, Q): whenever the inventory position is at or below ``s``, order ``Q``.

    Parameters
    ----------
    reorder_point : float, array or Series, optional
        ``s``, units of inventory position. ``None``: set by the function using the policy.
    order_quantity : float, array or Series, optional
        ``Q``, units per order (> 0). ``None``: ``recommend_orders`` uses the EOQ where order
        and holding costs are known, else one review period of demand.
    multiples : bool, default True
        Order the smallest multiple ``n Q`` that lifts the inventory position back above
        ``s`` (the (s, nQ) policy); False orders exactly one ``Q``.

    Examples
    --------
    >>> ContinuousReview(reorder_point=20, order_quantity=50)
    ContinuousReview(reorder_point=20, order_quantity=50, multiples=True)
    >>> ContinuousReview(20, 50).review_period
    1.0
    """

    reorder_point: Any = None
    order_quantity: Any = None
    multiples: bool = True

    @property
    def review_period(self) -> float:
        """Reviews every period (every day in ``recommend_orders``)."""
        return 1.0

    @property
    def notation(self) -> str:
        """``"(s, Q)"``."""
        return "(s, Q)"


@dataclass(frozen=True)
class PeriodicReview:
    """(R, S): every ``review_period``, order up to ``S``.

    Parameters
    ----------
    review_period : float, default 1
        ``R``, periods between reviews (> 0; whole periods in ``simulate_policy``).
    order_up_to : float, array or Series, optional
        ``S``, units of inventory position. ``None``: ``recommend_orders`` sets it to the
        demand over lead time plus review period at the service level.

    Examples
    --------
    >>> PeriodicReview(review_period=7, order_up_to=120)
    PeriodicReview(review_period=7, order_up_to=120)
    """

    review_period: float = 1
    order_up_to: Any = None

    def __post_init__(self) -> None:
        _check_review_period(self.review_period)

    @property
    def reorder_point(self) -> Any:
        """``s = S``: every review below ``S`` orders."""
        return self.order_up_to

    @property
    def notation(self) -> str:
        """``"(R, S)"``."""
        return "(R, S)"


@dataclass(frozen=True)
class PeriodicReorderPoint:
    """(R, s, S): every ``review_period``, if the inventory position is at or below ``s``, order up to ``S``.

    With ``review_period=1`` this is the (s, S) policy.

    Parameters
    ----------
    review_period : float, default 1
        ``R``, periods between reviews (> 0; whole periods in ``simulate_policy``).
    reorder_point : float, array or Series, optional
        ``s``, units of inventory position. ``None``: ``recommend_orders`` sets it from the
        demand over lead time plus review period at the service level.
    order_up_to : float, array or Series, optional
        ``S >= s``, units. ``None``: ``recommend_orders`` uses ``s`` plus one cycle of stock
        (the EOQ where order and holding costs are known, else ``R`` days of demand).

    Examples
    --------
    >>> PeriodicReorderPoint(review_period=7, reorder_point=40, order_up_to=100)
    PeriodicReorderPoint(review_period=7, reorder_point=40, order_up_to=100)
    """

    review_period: float = 1
    reorder_point: Any = None
    order_up_to: Any = None

    def __post_init__(self) -> None:
        _check_review_period(self.review_period)

    @property
    def notation(self) -> str:
        """``"(R, s, S)"`` (``"(s, S)"`` when ``R = 1``)."""
        return "(s, S)" if float(self.review_period) == 1.0 else "(R, s, S)"


ReorderPolicy = ContinuousReview | PeriodicReview | PeriodicReorderPoint
"""Any of the policy objects."""


def is_policy(value: Any) -> bool:
    """Whether ``value`` is one of the policy objects."""
    return isinstance(value, (ContinuousReview, PeriodicReview, PeriodicReorderPoint))


def _missing(policy: Any, names: tuple[str, ...], user: str) -> None:
    unset = [n for n in names if getattr(policy, n) is None]
    if unset:
        raise ValueError(
            f"{user} needs the policy's {' and '.join(names)}; {type(policy).__name__} leaves "
            f"{', '.join(unset)} unset. Give them (a number, an array in item order or a "
            f"Series by item_id)."
        )


def replay_mapping(policy: Any) -> dict[str, Any]:
    """The policy's parameters as the mapping :func:`~stockout_forecast.simulate_policy` reads.

    >>> replay_mapping(PeriodicReorderPoint(7, reorder_point=4, order_up_to=9))
    {'reorder_point': 4, 'order_up_to': 9}
    """
    if isinstance(policy, ContinuousReview):
        _missing(policy, ("reorder_point", "order_quantity"), "simulate_policy")
        return {"reorder_point": policy.reorder_point, "order_quantity": policy.order_quantity}
    if isinstance(policy, PeriodicReview):
        _missing(policy, ("order_up_to",), "simulate_policy")
        return {"order_up_to": policy.order_up_to}
    if isinstance(policy, PeriodicReorderPoint):
        _missing(policy, ("reorder_point", "order_up_to"), "simulate_policy")
        return {"reorder_point": policy.reorder_point, "order_up_to": policy.order_up_to}
    raise TypeError(f"not a policy object: {type(policy).__name__}.")


def replay_review(policy: Any, review_period: Any, order_multiples: bool) -> tuple[int, bool]:
    """Review period (whole periods) and the (s, nQ) switch of a replay of ``policy``.

    ``review_period`` and ``order_multiples`` are the caller's keyword values; left at
    their defaults (1 and True) they take the policy's, otherwise they must agree with it.
    """
    r = policy.review_period
    if float(r) != int(r):
        raise ValueError(
            f"simulate_policy reviews in whole periods; {type(policy).__name__} has "
            f"review_period={r!r}."
        )
    if review_period != 1 and review_period != int(r):
        raise ValueError(
            f"review_period={review_period!r} disagrees with the policy's review_period="
            f"{r!r}; give it in the policy object only."
        )
    multiples = policy.multiples if isinstance(policy, ContinuousReview) else True
    if not order_multiples and multiples and isinstance(policy, ContinuousReview):
        raise ValueError(
            "order_multiples=False disagrees with ContinuousReview(multiples=True); give it "
            "in the policy object only: ContinuousReview(..., multiples=False)."
        )
    return int(r), bool(multiples and order_multiples)

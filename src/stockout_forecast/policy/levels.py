"""Reorder levels from a forecast and a stated lead time, with no stock figures at all.

The most common first try of a shop is its sales alone. Without a stock snapshot nothing can
be said about what is on the shelf, but the levels a planner would set can: for a lead time
``L`` the planner states and a review period ``R``, the reorder point ``s`` (the service-level
quantile of demand over ``L + R``) and the order-up-to level ``S = s + d R``. Once the shop
knows its inventory position ``IP`` it orders ``S - IP`` whenever ``IP <= s``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from .._utils import RandomStateLike, check_fraction, check_random_state
from .empirical import empirical_reorder_point, lead_time_demand_samples
from .normal import reorder_point

__all__ = ["reorder_levels"]

_COLUMNS = [
    "item_id",
    "lead_time_days",
    "review_period_days",
    "service_level",
    "velocity_units_per_day",
    "protection_demand_units",
    "safety_stock_units",
    "reorder_point_units",
    "order_up_to_units",
    "reorder_point_method",
    "status",
    "reason",
]
_DAYS_PER_PERIOD = {"D": 1.0, "W": 7.0, "M": 365.25 / 12.0}
#: items whose demand paths are drawn at once (256 x 500 paths x 90 days of float64: 92 MB)
_CHUNK = 256


def _per_item(value: Any, items: pd.DataFrame | None, column: str, ids: np.ndarray) -> np.ndarray:
    """A scalar (or None) for every item, overridden by the items table's column."""
    out = np.full(len(ids), np.nan if value is None else float(value))
    if items is not None and column in items.columns:
        col = items.set_index(items["item_id"].astype(str))[column]
        per = pd.to_numeric(col, errors="coerce").reindex(ids).to_numpy(dtype=float)
        out = np.where(np.isfinite(per), per, out)
    return out


def reorder_levels(
    forecast: Any,
    lead_time_days: float | None = None,
    *,
    items: pd.DataFrame | None = None,
    review_period_days: float = 7.0,
    service_level: float = 0.95,
    n_paths: int | None = None,
    random_state: RandomStateLike = None,
) -> pd.DataFrame:
    """Reorder point and order-up-to level per item for a stated lead time.

    Parameters
    ----------
    forecast : DemandForecast
        The demand forecast (:func:`~stockout_forecast.forecast.forecast_demand`).
    lead_time_days : float, optional
        Lead time to plan with, days (>= 0), for items without ``lead_time_days`` in
        ``items``. Items with neither get no levels (status ``"no_lead_time"``).
    items : pandas.DataFrame, optional
        The ``items`` table: per-item ``lead_time_days``, ``review_period_days`` and
        ``service_level`` override the arguments.
    review_period_days : float, default 7
        Days between reviews ``R`` (> 0).
    service_level : float, default 0.95
        Target cycle service level, fraction in (0, 1): P(no stockout in a cycle).
    n_paths : int, optional
        Demand paths per item (default the forecast's ``n_paths``).
    random_state : int, Generator or None
        Seed of the demand paths.

    Returns
    -------
    pandas.DataFrame
        One row per item of the forecast: ``item_id``, ``lead_time_days``,
        ``review_period_days``, ``service_level``, ``velocity_units_per_day`` (mean forecast
        demand per day over the horizon), ``protection_demand_units`` (mean demand over
        ``L + R``), ``safety_stock_units`` (``s`` minus that mean), ``reorder_point_units``
        ``s``, ``order_up_to_units`` ``S = s + d R``, ``reorder_point_method``
        (``"empirical"``: quantile of simulated demand over ``L + R``; ``"normal"``: normal
        approximation when ``L + R`` is beyond the horizon), ``status`` (``"ok"``,
        ``"no_lead_time"``, or the forecast's status when it has no forecast) and
        ``reason``.

    Notes
    -----
    ``s`` is the smallest integer with ``P(D(L + R) <= s) >= service_level`` over the
    simulated demand paths, as :func:`recommend_orders` sets it; without paths long enough,
    ``s = d (L + R) + z σ_d sqrt(L + R)`` with the forecast's mean and spread per day.

    References
    ----------
    .. [1] Silver, E. A., Pyke, D. F., Thomas, D. J. (2017). *Inventory and Production
       Management in Supply Chains*, 4th ed., sec. 6.9 (the (R, s, S) system and its
       protection interval R + L).

    Examples
    --------
    >>> import pandas as pd
    >>> from stockout_forecast.forecast.result import DemandForecast
    >>> fc = DemandForecast.from_mean(["A"], pd.date_range("2024-01-01", periods=60), [[4.0] * 60])
    >>> lv = reorder_levels(fc, 14, random_state=0)
    >>> lv[["item_id", "protection_demand_units", "reorder_point_units", "order_up_to_units"]]
      item_id  protection_demand_units  reorder_point_units  order_up_to_units
    0       A                     84.0                 98.0              126.0
    """
    check_fraction(service_level, "service_level")
    if not review_period_days > 0:
        raise ValueError(f"review_period_days must be > 0; got {review_period_days!r}.")
    if lead_time_days is not None and not lead_time_days >= 0:
        raise ValueError(f"lead_time_days must be >= 0 days; got {lead_time_days!r}.")
    ids = np.asarray(forecast.item_ids).astype(str)
    n = len(ids)
    lead = _per_item(lead_time_days, items, "lead_time_days", ids)
    review = _per_item(review_period_days, items, "review_period_days", ids)
    sl = _per_item(service_level, items, "service_level", ids)
    dpp = _DAYS_PER_PERIOD[forecast.freq]
    h = len(forecast.dates)
    mean = np.asarray(forecast.mean, dtype=float)
    vel = mean[:, :h].sum(axis=1) / (h * dpp)
    st = forecast.status.reindex(ids)
    has_fc = np.isfinite(vel) & st["status"].isin(["ok", "fallback"]).to_numpy()
    ok = has_fc & np.isfinite(lead)
    interval = (lead + review) / dpp  # periods
    emp = ok & (interval <= h)
    s = np.full(n, np.nan)
    rng = check_random_state(random_state)
    rows = np.flatnonzero(emp)
    for lo in range(0, len(rows), _CHUNK):
        r = rows[lo : lo + _CHUNK]
        paths = forecast.sample_paths(n_paths, random_state=rng, items=r)
        ltd = lead_time_demand_samples(paths, interval[r])
        s[r] = empirical_reorder_point(ltd, service_level=sl[r])
    nrm = ok & ~emp
    if nrm.any():
        _, var = forecast.cumulative_moments()
        sd_day = np.sqrt(np.maximum(np.asarray(var, dtype=float)[:, h - 1], 0.0) / (h * dpp))
        s[nrm] = reorder_point(
            vel[nrm], sd_day[nrm], lead[nrm], service_level=sl[nrm], review_period=review[nrm]
        )
    out = pd.DataFrame({"item_id": ids})
    out["lead_time_days"] = lead
    out["review_period_days"] = review
    out["service_level"] = sl
    out["velocity_units_per_day"] = np.where(has_fc, vel, np.nan)
    protect = np.where(ok, vel * (lead + review), np.nan)
    out["protection_demand_units"] = protect
    out["safety_stock_units"] = s - protect
    out["reorder_point_units"] = s + 0.0  # no negative zero
    out["order_up_to_units"] = s + np.where(ok, vel * review, np.nan)
    out["reorder_point_method"] = np.where(emp, "empirical", np.where(nrm, "normal", ""))
    status = np.where(
        has_fc, np.where(ok, "ok", "no_lead_time"), st["status"].fillna("no_forecast")
    )
    reason = np.where(
        ok,
        "",
        np.where(
            has_fc,
            "no lead time stated: pass --lead-time-days (lead_time_days=) or fill "
            "items.lead_time_days",
            st["reason"].fillna("no forecast").astype(str),
        ),
    )
    out["status"] = status.astype(str)
    out["reason"] = reason.astype(str)
    return out[_COLUMNS]

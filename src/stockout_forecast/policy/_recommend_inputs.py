"""What recommend_orders reads besides the simulation: supplier terms, item targets, policy.

:func:`supplier_lead_times` joins the empirical lead times to the suppliers' stated terms
and sets the planning lead time; :func:`choose_supplier` picks one supplier per item;
:func:`policy_parameters` turns a policy object into per-item arrays (NaN: set from the
forecast).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy.special import ndtri

from .._utils import check_columns, format_ids
from ..history.leadtime import lead_time_history
from ..simulation.engine import Scenario, scenario_of
from ..simulation.stockout import StockoutForecast
from .policies import ContinuousReview, PeriodicReorderPoint, PeriodicReview, is_policy

__all__ = [
    "PolicyParameters",
    "check_item_targets",
    "choose_supplier",
    "daily_moments",
    "daily_p_stockout",
    "max_units",
    "new_order_lateness",
    "policy_parameters",
    "resolve_policy",
    "supplier_lead_times",
]

_Z90 = float(ndtri(0.9))


def supplier_lead_times(
    suppliers: pd.DataFrame,
    purchase_orders: pd.DataFrame | None,
    lead_times: pd.DataFrame | None,
    as_of: pd.Timestamp,
) -> pd.DataFrame:
    """Supplier terms with lead-time mean, sd, planning lead time and on-time rate per row."""
    lt = lead_times
    if lt is None and purchase_orders is not None:
        lt = lead_time_history(purchase_orders, suppliers, as_of=as_of)
    n = len(suppliers)
    cols: dict[str, Any] = {c: suppliers[c] for c in suppliers.columns}
    mean = suppliers["lead_time_days"].to_numpy(dtype=float, copy=True)
    sd = (
        suppliers["lead_time_sd_days"].to_numpy(dtype=float, copy=True)
        if "lead_time_sd_days" in cols
        else np.full(n, np.nan)
    )
    p90 = np.full(n, np.nan)
    ot = (
        suppliers["on_time_rate"].to_numpy(dtype=float, copy=True)
        if "on_time_rate" in cols
        else np.full(n, np.nan)
    )
    source = np.full(n, "stated", dtype=object)
    if lt is not None:
        found, hist = _history_rows(suppliers, lt)
        use = found & np.isfinite(hist["lead_time_mean_days"])
        mean[use] = hist["lead_time_mean_days"][use]
        sd[use] = hist["lead_time_sd_days"][use]
        p90[use] = hist["lead_time_p90_days"][use]
        ot_use = use & np.isfinite(hist["on_time_rate"])
        ot[ot_use] = hist["on_time_rate"][ot_use]
        source[use] = hist["source"][use]
    plan = np.where(np.isnan(p90), mean + _Z90 * np.nan_to_num(sd, nan=0.0), p90)
    cols["lead_time_mean_days"] = mean
    cols["lead_time_sd_days"] = sd
    cols["lead_time_p90_days"] = p90
    cols["on_time_rate"] = ot
    cols["lead_time_source"] = pd.array(source, dtype="str")
    cols["lead_time_plan_days"] = np.maximum(plan, mean)
    return pd.DataFrame(
        {c: v.array if isinstance(v, pd.Series) else v for c, v in cols.items()},
        index=suppliers.index,
    )


def _history_rows(
    suppliers: pd.DataFrame, lt: pd.DataFrame
) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Per supplier row: whether ``lt`` has its (item, supplier) pair, and that row's figures.

    ``lt`` must hold each pair once (as an index lookup requires).
    """
    check_columns(
        lt,
        "lead_times",
        ["item_id", "supplier_id", "lead_time_mean_days", "lead_time_sd_days"],
        "Pass the frame returned by lead_time_history(purchase_orders, suppliers).",
    )
    keys = list(
        zip(lt["item_id"].astype(str).tolist(), lt["supplier_id"].astype(str).tolist(), strict=True)
    )
    row = {k: i for i, k in enumerate(keys)}
    if len(row) != len(keys):  # the error an index lookup gives on repeated pairs
        raise pd.errors.InvalidIndexError(
            "Reindexing only valid with uniquely valued Index objects"
        )
    pairs = zip(suppliers["item_id"].tolist(), suppliers["supplier_id"].tolist(), strict=True)
    pos = np.array([row.get(p, -1) for p in pairs], dtype=np.int64)
    found = pos >= 0
    take = np.maximum(pos, 0)

    def col(name: str) -> np.ndarray:
        if name not in lt.columns or not len(lt):
            return np.full(len(pos), np.nan)
        return np.where(found, lt[name].to_numpy(dtype=float)[take], np.nan)

    out = {c: col(c) for c in _LT_COLUMNS}
    out["source"] = (
        lt["source"].astype(str).to_numpy(dtype=object)[take]
        if "source" in lt.columns and len(lt)
        else np.full(len(pos), "history", dtype=object)
    )
    return found, out


_LT_COLUMNS = ("lead_time_mean_days", "lead_time_sd_days", "lead_time_p90_days", "on_time_rate")


def check_item_targets(itm: pd.DataFrame) -> None:
    """Per-item service levels must be fractions below 1 and review periods positive."""
    if "service_level" in itm.columns:
        v = itm["service_level"]
        x = v.to_numpy(dtype=float, na_value=np.nan)
        bad = ~np.isnan(x) & ((x <= 0) | (x >= 1))
        if bad.any():
            raise ValueError(
                f"items.service_level must be a fraction in (0, 1); found "
                f"{v[bad].head(3).tolist()} for items {format_ids(itm.loc[bad, 'item_id'].tolist())}. "
                f"A target of 1 needs infinite stock: use e.g. 0.99."
            )
    if "review_period_days" in itm.columns:
        x = itm["review_period_days"].to_numpy(dtype=float, na_value=np.nan)
        bad = ~np.isnan(x) & (x <= 0)
        if bad.any():
            raise ValueError(
                f"items.review_period_days must be > 0; found 0 or less for items "
                f"{format_ids(itm.loc[bad, 'item_id'].tolist())}. Leave it empty to use the default."
            )


def choose_supplier(cand: pd.DataFrame) -> pd.DataFrame:
    """Cheapest supplier arriving by the P50 stockout, else the fastest: one row per item."""
    any_q = cand.groupby("item_id")["qualifies"].transform("any")
    key = cand.assign(
        _k1=~cand["qualifies"],
        _k2=np.where(any_q, cand["unit_cost"], cand["lead_time_mean_days"]),
        _k3=np.where(any_q, cand["lead_time_mean_days"], cand["unit_cost"]),
    )
    key = key.sort_values(["item_id", "_k1", "_k2", "_k3", "supplier_id"], kind="stable")
    return key.groupby("item_id", sort=False).head(1).set_index("item_id")


@dataclass(frozen=True)
class PolicyParameters:
    """A policy resolved for recommend_orders: its kind, review period and per-item values.

    ``kind`` is ``"RsS"`` (order up to ``S`` when ``IP <= s``), ``"RS"`` (``s = S``) or
    ``"sQ"`` (order ``Q``, or ``n Q`` with ``multiples``). Arrays hold one value per item of
    the result, NaN where the policy leaves the value to be set from the forecast.
    """

    kind: str
    review_period_days: float
    reorder_point: np.ndarray
    order_up_to: np.ndarray
    order_quantity: np.ndarray
    multiples: bool = True


def resolve_policy(policy: Any, review_period_days: Any) -> Any:
    """The policy object in force: ``policy``, or (R, s, S) with ``R = review_period_days``."""
    if not (isinstance(review_period_days, (int, float, np.number)) and review_period_days > 0):
        raise ValueError(
            f"review_period_days must be a positive number of days; got {review_period_days!r}."
        )
    if policy is None:
        return PeriodicReorderPoint(review_period=float(review_period_days))
    if not is_policy(policy):
        raise TypeError(
            "policy must be None, ContinuousReview, PeriodicReview or PeriodicReorderPoint; "
            f"got {type(policy).__name__}."
        )
    if review_period_days != 7.0 and float(review_period_days) != float(policy.review_period):
        raise ValueError(
            f"review_period_days={review_period_days!r} disagrees with the policy's "
            f"review_period={policy.review_period!r}; give it in the policy object only."
        )
    return policy


def _param(value: Any, ids: np.ndarray, name: str) -> np.ndarray:
    """A policy parameter per item: NaN (unset), one number, or a Series by item_id."""
    if value is None:
        return np.full(len(ids), np.nan)
    if isinstance(value, pd.Series):
        s = pd.to_numeric(value, errors="coerce")
        s.index = s.index.astype(str)
        return s.reindex(pd.Index(ids, dtype=object)).to_numpy(dtype=float)
    if np.ndim(value) == 0:
        return np.full(len(ids), float(value))
    raise TypeError(
        f"recommend_orders takes the policy's {name} as a number or a Series indexed by "
        f"item_id (items missing from it are set from the forecast); got an array."
    )


def policy_parameters(policy: Any, ids: np.ndarray) -> PolicyParameters:
    """Per-item arrays of ``policy`` for the result's items ``ids``."""
    n = len(ids)
    nan = np.full(n, np.nan)
    if isinstance(policy, ContinuousReview):
        q = _param(policy.order_quantity, ids, "order_quantity")
        if (q <= 0).any():
            raise ValueError(f"order_quantity must be > 0; found {format_ids(ids[q <= 0])} items.")
        return PolicyParameters(
            "sQ", 1.0, _param(policy.reorder_point, ids, "reorder_point"), nan, q, policy.multiples
        )
    if isinstance(policy, PeriodicReview):
        big_s = _param(policy.order_up_to, ids, "order_up_to")
        return PolicyParameters("RS", float(policy.review_period), big_s, big_s, nan)
    return PolicyParameters(
        "RsS",
        float(policy.review_period),
        _param(policy.reorder_point, ids, "reorder_point"),
        _param(policy.order_up_to, ids, "order_up_to"),
        nan,
    )


def max_units(sup: pd.DataFrame, index: pd.Index) -> np.ndarray:
    """Most units all the item's suppliers together can deliver on one order.

    Each supplier's ``capacity_units`` rounded down to its pack (missing capacity = no
    limit).
    """
    if "capacity_units" not in sup.columns:
        return np.full(len(index), np.inf)
    pack = (
        sup["pack_units"].to_numpy(dtype=float, copy=True)
        if "pack_units" in sup.columns
        else np.ones(len(sup))
    )
    pack[np.isnan(pack)] = 1.0
    pack = np.maximum(pack, 1.0)
    cap = sup["capacity_units"].to_numpy(dtype=float, copy=True)
    cap[np.isnan(cap)] = np.inf
    per_sup = np.floor(cap / pack) * pack
    finite = per_sup[np.isfinite(per_sup)]
    if not ((finite == np.floor(finite)).all() and np.abs(finite).sum() < 2.0**53):
        # fractional units: pandas' own (compensated) sum per item, as before
        grouped = pd.Series(per_sup).groupby(sup["item_id"].astype(str).to_numpy()).sum()
        out = grouped.reindex(index).to_numpy()
        return np.where(np.isnan(out), np.inf, out)
    # whole units: every partial sum is exact, so any order of summing gives the same total
    where = {iid: k for k, iid in enumerate(index.tolist())}
    k = np.array([where.get(i, -1) for i in sup["item_id"].astype(str).tolist()], dtype=np.int64)
    known = k >= 0
    total = np.zeros(len(index))
    np.add.at(total, k[known], per_sup[known])
    has = np.zeros(len(index), dtype=bool)
    has[k[known]] = True
    return np.where(has, total, np.inf)


def new_order_lateness(
    sc: Scenario, chosen: pd.DataFrame, lt_sd: np.ndarray
) -> tuple[np.ndarray | None, np.ndarray | None]:
    """On-time probability and lateness of the new order in the what-if run (if modelled)."""
    if not sc.stochastic:
        return None, None
    ot = chosen["on_time_rate"].to_numpy(dtype=float)
    informative = (lt_sd > 0) | (np.isfinite(ot) & (ot < 1))
    p_on_new = np.where(informative, np.where(np.isfinite(ot), ot, 0.5), np.nan)
    return p_on_new, np.where(informative, lt_sd, np.nan)


def daily_moments(sc: Scenario, fpos: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mean and sd of demand per day over the horizon (from the forecast's exact moments)."""
    fc = sc.forecast
    h = sc.horizon
    days = float(sc.bounds[-1])
    m = np.asarray(fc.mean, dtype=float)[fpos, :h].sum(axis=1)
    if hasattr(fc, "cumulative_moments"):
        _, var = fc.cumulative_moments()
        v = np.asarray(var, dtype=float)[fpos, h - 1]
    else:  # Poisson
        v = m
    return m / days, np.sqrt(np.maximum(v, 0.0) / days)


def daily_p_stockout(so: StockoutForecast, rows: np.ndarray) -> tuple[np.ndarray, pd.DatetimeIndex]:
    """P(stockout by day) for ``rows``; weekly/monthly periods spread over their days."""
    if so.freq == "D":
        return so.p_stockout[rows], so.dates
    sc = scenario_of(so)
    assert sc is not None
    days = pd.date_range(so.dates[0], periods=int(sc.bounds[-1]), freq="D")
    period = np.searchsorted(sc.bounds, np.arange(len(days)), side="right") - 1
    return so.p_stockout[rows][:, period], days

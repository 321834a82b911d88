"""Money in the recommendations: service targets from costs, expected cost per year, policy type.

Steps of :func:`~stockout_forecast.recommend_orders` that read the cost model
(:func:`~stockout_forecast.item_costs`):

* :func:`service_targets` — which items have a numeric target and which the *economic*
  one (``service_level="economic"``, per item or per class);
* :func:`economic_levels` — the cost-minimising cycle service level of those items, the
  critical ratio of the Hadley-Whitin (s, Q) model on the item's own costs and cycle
  (``1 - h Q / (π λ)``; ``p / (p + h)`` with a cost per unit-day backordered);
* :func:`expected_costs` — the expected cost per year of the plan each item gets and the
  fill rate it implies, from the same lead-time demand the reorder point was set on;
* :func:`policy_types` — the stated rule choosing (s, Q), (R, S) or time-phased lots.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from .._utils import check_fraction, format_ids
from ._recommend_inputs import daily_moments
from .costs import critical_ratio
from .normal import _normal_loss

__all__ = [
    "cost_columns",
    "economic_levels",
    "economic_targets",
    "expected_costs",
    "item_policy_types",
    "policy_types",
    "quantities_by_type",
    "service_targets",
    "time_phased_lots",
]

ECONOMIC = "economic"
#: the cost-optimal level is kept inside these bounds (a level of 0 means "hold nothing",
#: handled apart; 1 would need infinite stock)
_LEVEL_BOUNDS = (1e-4, 0.9999)


def service_targets(
    service_level: Any, ids: np.ndarray, item_classes: pd.Series | None
) -> tuple[np.ndarray, np.ndarray]:
    """Per item: the numeric target (NaN for economic items) and whether it is economic.

    ``service_level`` is a fraction, ``"economic"``, or a mapping from class label (the
    values of ``item_classes``: ABC, XYZ or e.g. ``"AX"``) to a fraction or ``"economic"``;
    items whose class is not in the mapping take its ``"default"`` entry, else 0.95.
    """
    n = len(ids)
    if isinstance(service_level, str):
        if service_level != ECONOMIC:
            raise ValueError(
                f"service_level must be a fraction in (0, 1), 'economic' or a mapping of "
                f"classes to those; got {service_level!r}."
            )
        return np.full(n, np.nan), np.ones(n, dtype=bool)
    if isinstance(service_level, Mapping):
        if item_classes is None:
            raise ValueError(
                "service_level given per class needs item_classes= (a Series item_id -> "
                "class, e.g. classify_demand(...)['abc_class'])."
            )
        classes = item_classes.copy()
        classes.index = classes.index.astype(str)
        per_item = classes.reindex(ids).to_numpy(dtype=object)
        default = service_level.get("default", 0.95)
        values = [
            service_level.get(c, default) if isinstance(c, str) else default for c in per_item
        ]
        eco = np.array([v == ECONOMIC for v in values])
        bad = sorted({str(v) for v in values if v != ECONOMIC and not _is_fraction(v)})
        if bad:
            raise ValueError(
                f"service_level per class must map to fractions in (0, 1) or 'economic'; got {bad}."
            )
        level = np.array([np.nan if v == ECONOMIC else float(v) for v in values])
        return level, eco
    return np.full(n, check_fraction(service_level, "service_level")), np.zeros(n, dtype=bool)


def _is_fraction(v: Any) -> bool:
    try:
        return 0.0 < float(v) < 1.0
    except (TypeError, ValueError):
        return False


def economic_levels(
    costs: pd.DataFrame, velocity_per_day: np.ndarray, cycle_units: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Cost-minimising cycle service level per item, and where holding nothing is cheaper.

    With a cost per unit-day backordered (``backorder_cost_per_unit_day``) the base-stock
    ratio ``p / (p + h)`` applies; otherwise the per-unit form ``1 - h Q / (π λ)``, with
    ``Q`` the item's order cycle (its EOQ or a review period's demand) and ``λ`` its demand.
    A level of 0 means that no protection stock pays for itself: hold nothing.
    """
    h = costs["holding_cost_per_unit_year"].to_numpy(dtype=float)
    h = np.where(np.isfinite(h) & (h > 0), h, np.nan)
    per_day = costs["backorder_cost_per_unit_day"].to_numpy(dtype=float)
    timed = np.isfinite(per_day) & (per_day > 0)
    lam = np.maximum(np.nan_to_num(velocity_per_day) * 365.0, 1e-12)
    q = np.maximum(np.nan_to_num(cycle_units), 1.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        per_unit = critical_ratio(
            holding_cost_per_unit_year=np.nan_to_num(h, nan=1.0),
            backorder_cost_per_unit=costs["backorder_cost_per_unit"].to_numpy(dtype=float),
            demand_per_year=lam,
            order_quantity=q,
        )
        per_time = critical_ratio(
            holding_cost_per_unit_year=np.nan_to_num(h, nan=1.0),
            backorder_cost_per_unit_year=np.where(timed, per_day, 0.0) * 365.0,
        )
    level = np.where(timed, per_time, per_unit)
    level = np.where(np.isnan(h), np.nan, level)
    hold_nothing = np.isfinite(level) & (level <= _LEVEL_BOUNDS[0])
    return np.clip(level, *_LEVEL_BOUNDS), hold_nothing


def expected_costs(
    costs: pd.DataFrame,
    *,
    velocity_per_day: np.ndarray,
    cycle_units: np.ndarray,
    review_period_days: np.ndarray,
    reorder_point: np.ndarray,
    ltd_mean: np.ndarray,
    short_per_cycle: np.ndarray,
) -> pd.DataFrame:
    """Expected cost per year of each item's plan, and the fill rate it implies.

    For an item reviewed every ``R`` days with reorder point ``s``, cycle ``Q`` and demand
    over the protection interval ``D`` (mean ``μ``, expected units short per cycle
    ``E[(D - s)⁺]``), in the Hadley-Whitin approximation:

    * orders per year ``λ / Q`` (at most one per review);
    * average stock ``Q / 2 + (s - μ) + λ R / 2 + E[(D - s)⁺]`` (units on hand);
    * units short per year ``E[(D - s)⁺] λ / Q``, charged ``backorder_cost_per_unit`` each
      (with ``backorder_cost_per_unit_day``, each day a unit waits, about one cycle);
    * implied fill rate ``1 - E[(D - s)⁺] / Q``.
    """
    lam = np.nan_to_num(velocity_per_day) * 365.0
    r_years = np.nan_to_num(review_period_days) / 365.0
    q = np.maximum(np.nan_to_num(cycle_units), np.maximum(lam * r_years, 1e-9))
    esc = np.maximum(np.nan_to_num(short_per_cycle), 0.0)
    s = np.asarray(reorder_point, dtype=float)
    stock = np.maximum(q / 2.0 + (s - ltd_mean) + lam * r_years / 2.0 + esc, 0.0)
    cycles = np.where(q > 0, lam / q, 0.0)
    h = costs["holding_cost_per_unit_year"].to_numpy(dtype=float)
    k = costs["order_cost"].to_numpy(dtype=float)
    pi = costs["backorder_cost_per_unit"].to_numpy(dtype=float)
    per_day = np.nan_to_num(costs["backorder_cost_per_unit_day"].to_numpy(dtype=float))
    wait_days = np.where(lam > 0, q / np.maximum(lam, 1e-12) * 365.0 / 2.0, 0.0)
    shortage = esc * cycles * (pi + per_day * wait_days)
    holding = h * stock
    ordering = k * cycles
    fill = np.where(q > 0, np.clip(1.0 - esc / q, 0.0, 1.0), np.nan)
    valid = np.isfinite(s) & np.isfinite(ltd_mean)
    return pd.DataFrame(
        {
            "expected_cost_per_year": np.where(valid, holding + ordering + shortage, np.nan),
            "expected_holding_cost_per_year": np.where(valid, holding, np.nan),
            "expected_ordering_cost_per_year": np.where(valid, ordering, np.nan),
            "expected_backorder_cost_per_year": np.where(valid, shortage, np.nan),
            "implied_fill_rate": np.where(valid, fill, np.nan),
        }
    )


#: the rule's thresholds (stated in recommend_orders' notes)
TIME_PHASED_CV = 0.5
TIME_PHASED_MIN_PERIODS = 4


def policy_types(
    period_means: np.ndarray, cycle_units: np.ndarray, velocity_per_day: np.ndarray,
    review_period_days: np.ndarray,
) -> np.ndarray:  # fmt: skip
    """The policy type per item, by the stated rule.

    * ``"time_phased"``: the forecast's mean demand per period over the horizon varies with a
      coefficient of variation above 0.5 across at least four periods (a season, a trend, a
      launch or a phase-out): lots from Wagner-Whitin on the forecast;
    * ``"R,S"``: otherwise, when one cycle ``Q`` is at most a review period's demand (the
      item is ordered at nearly every review anyway): order up to ``S`` at each review;
    * ``"s,Q"``: otherwise, a fixed lot ``Q`` (its EOQ) when the position reaches ``s``.
    """
    pm = np.asarray(period_means, dtype=float)
    n = len(cycle_units)
    out = np.full(n, "s,Q", dtype=object)
    if pm.ndim == 2 and pm.shape[1] >= TIME_PHASED_MIN_PERIODS:
        cnt = np.sum(~np.isnan(pm), axis=1)
        tot = np.nansum(pm, axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            mean = np.where(cnt > 0, tot / np.maximum(cnt, 1), np.nan)
            var = np.nansum((pm - mean[:, None]) ** 2, axis=1) / np.maximum(cnt, 1)
            cv = np.sqrt(var) / mean
        varying = np.isfinite(cv) & (cv > TIME_PHASED_CV) & (mean > 0)
    else:
        varying = np.zeros(n, dtype=bool)
    per_review = np.nan_to_num(velocity_per_day) * np.nan_to_num(review_period_days)
    small = np.nan_to_num(cycle_units) <= per_review + 1e-9
    out[small] = "R,S"
    out[varying] = "time_phased"
    return out


def check_classes(item_classes: Any) -> pd.Series | None:
    """``item_classes`` as a Series of str labels by item_id (or None)."""
    if item_classes is None:
        return None
    if not isinstance(item_classes, pd.Series):
        raise TypeError(
            f"item_classes must be a Series item_id -> class label; got {type(item_classes).__name__}."
        )
    if item_classes.index.has_duplicates:
        dup = item_classes.index[item_classes.index.duplicated()].unique().tolist()
        raise ValueError(f"item_classes has repeated items {format_ids(dup)}; one class per item.")
    return item_classes.astype("object").where(item_classes.notna(), None)


# --------------------------------------------------------------------------- money and policy type
def economic_targets(it: Any, win: Any, costs: pd.DataFrame) -> None:
    """Economic items get the cost-optimal level of their cost model for their cycle."""
    if not it.eco.any():
        return
    level, nothing = economic_levels(costs, it.vel, win.q_cycle)
    it.sl = np.where(it.eco, level, it.sl)
    it.hold_nothing = it.eco & nothing
    it.rec["service_level"] = it.sl


def item_policy_types(it: Any, win: Any, pol: Any, auto: bool) -> np.ndarray:
    """The rule's choice per item when no policy is given; "" when the policy is the user's."""
    if not auto:
        return np.full(it.n, "", dtype=object)
    sc = it.sc
    means = np.full((it.n, sc.horizon), np.nan)
    have = it.fpos >= 0
    means[have] = np.asarray(sc.forecast.mean, dtype=float)[it.fpos[have], : sc.horizon]
    return policy_types(means, win.q_cycle, it.vel, it.rp)


def time_phased_lots(
    it: Any, win: Any, costs: pd.DataFrame, types: np.ndarray, ok: np.ndarray
) -> np.ndarray:
    """Per time-phased item the Wagner-Whitin first lot on the forecast from its arrival."""
    from .lot_sizing import wagner_whitin

    sc = it.sc
    lots = np.full(it.n, np.nan)
    days = np.diff(np.asarray(sc.bounds, dtype=float))  # days per period
    h_day = costs["holding_cost_per_unit_day"].to_numpy(dtype=float)
    k_order = costs["order_cost"].to_numpy(dtype=float)
    for i in np.flatnonzero(ok & (types == "time_phased")):
        start = int(np.searchsorted(sc.bounds, win.arr_off[i], side="right") - 1)
        demand = np.asarray(sc.forecast.mean, dtype=float)[it.fpos[i], start : sc.horizon]
        if not len(demand) or not (k_order[i] > 0) or not np.isfinite(h_day[i]):
            continue  # no order cost: no lots to size, the cycle rule applies
        plan = wagner_whitin(
            np.nan_to_num(demand),
            order_cost=k_order[i],
            holding_cost_per_unit_period=h_day[i] * days[start : sc.horizon],
            moq_units=None if win.moq is None else win.moq[i],
            pack_units=None if win.pack is None else win.pack[i],
        )
        first = plan["order_units"].to_numpy()
        lots[i] = first[first > 0][0] if (first > 0).any() else 0.0
    return lots


def quantities_by_type(
    it: Any,
    win: Any,
    plan: Any,
    obd: np.ndarray,
    k: np.ndarray,
    s_k: np.ndarray,
    types: np.ndarray,
    lots: np.ndarray,
) -> np.ndarray:
    """Units wanted by the rule's policy type (see recommend_orders' notes)."""
    q = win.q_cycle[k]
    per_review = it.vel[k] * it.rp[k]
    lot = np.where(np.isfinite(lots), lots, q)
    big_s = np.where(types == "R,S", s_k + np.maximum(q, per_review), s_k + lot)
    plan.s_pt[k] = s_k
    plan.big_s[k] = big_s
    ip = it.ip[k]
    plan.by_rop[k] = ip <= s_k
    plan.by_date[k] = (
        ~plan.by_rop[k] & pd.notna(obd[k]) & (obd[k] < win.next_review[k]) & ~it.hold_nothing[k]
    )
    pos = np.where(plan.by_rop[k], ip, win.ip_in_time[k])
    fire = plan.by_rop[k] | plan.by_date[k]
    with np.errstate(invalid="ignore", divide="ignore"):
        sq = np.maximum(np.floor((s_k - pos) / q) + 1.0, 1.0) * q  # n Q above s
    lot_units = np.maximum(s_k - pos, 0.0) + lot
    want = np.where(types == "s,Q", sq, np.where(types == "time_phased", lot_units, big_s - pos))
    return np.where(fire, want, 0.0)


def cost_columns(
    it: Any,
    terms: Any,
    win: Any,
    plan: Any,
    ok: np.ndarray,
    costs: pd.DataFrame,
    types: np.ndarray,
) -> None:
    """Expected cost per year of each item's plan, the fill it implies, the basis and type."""
    rec = it.rec
    nrm = ok & np.isnan(plan.ltd_mean) & np.isfinite(plan.s_pt)
    if nrm.any():  # normal-approximation items: the same moments the reorder point used
        m_d, sd_d = daily_moments(it.sc, it.fpos[nrm])
        p_days = np.nan_to_num(terms.lt_mean[nrm]) + it.rp[nrm]
        mu = m_d * p_days
        sig = np.sqrt(p_days * sd_d**2 + m_d**2 * terms.lt_sd[nrm] ** 2)
        with np.errstate(divide="ignore", invalid="ignore"):
            z = np.where(sig > 0, (plan.s_pt[nrm] - mu) / sig, 0.0)
        plan.ltd_mean[nrm] = mu
        plan.esc[nrm] = np.where(sig > 0, sig * _normal_loss(z), np.maximum(mu - plan.s_pt[nrm], 0))
    frame = expected_costs(
        costs,
        velocity_per_day=it.vel,
        cycle_units=np.where(types == "R,S", np.maximum(win.q_cycle, it.vel * it.rp), win.q_cycle),
        review_period_days=it.rp,
        reorder_point=np.where(ok, plan.s_pt, np.nan),
        ltd_mean=plan.ltd_mean,
        short_per_cycle=plan.esc,
    )
    for col in frame.columns:
        rec[col] = frame[col].to_numpy()
    basis = np.where(it.eco, "economic", "target").astype(object)
    rec["service_basis"] = pd.Series(basis, index=rec.index).where(ok, None)
    kind = np.where(types == "", _given_type(it, plan), types).astype(object)
    rec["policy_type"] = pd.Series(kind, index=rec.index).where(ok, None)
    notes = costs["cost_defaults"].to_numpy(dtype=object)
    rec["cost_defaults"] = pd.Series(notes, index=rec.index).where(ok, None)


def _given_type(it: Any, plan: Any) -> np.ndarray:
    """The policy type of a user's policy (as recommend_orders ran it)."""
    return np.where(np.isclose(plan.big_s, plan.s_pt), "R,S", "R,s,S").astype(object)

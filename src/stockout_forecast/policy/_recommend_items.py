"""The items a recommendation covers, their targets and position, and the supplier each uses.

:func:`item_universe` gathers every item of the simulation, the suppliers and ``items``
table with its service target, review period, velocity and inventory position;
:func:`supplier_terms` picks one supplier per item (the cheapest arriving by the P50
stockout date, else the fastest) and its lead time. Both are steps of
:func:`.recommend.recommend_orders`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..simulation.engine import Scenario, scenario_of
from ..simulation.stockout import StockoutForecast
from ._columns import Columns
from ._recommend_costs import service_targets


@dataclass
class Items:
    """The result's items: targets, where each sits in the simulation, and the frame built."""

    so: StockoutForecast
    sc: Scenario
    ids: np.ndarray
    rec: Columns  # the result's columns, filled step by step
    summary: pd.DataFrame  # the simulation's summary on ``ids``
    sl: np.ndarray  # service level
    rp: np.ndarray  # review period, days
    hold: np.ndarray  # holding cost rate per year
    rows: np.ndarray  # row in the simulation, -1 if absent
    comp: np.ndarray  # simulated
    fpos: np.ndarray  # forecast row, -1 if absent
    vel: np.ndarray  # units per day
    ip: np.ndarray  # inventory position
    eco: np.ndarray  # service level set from costs ("economic")
    hold_nothing: np.ndarray  # economic items whose best reorder point is "hold nothing"

    @property
    def n(self) -> int:
        return len(self.ids)


def item_universe(
    so: StockoutForecast,
    sup: pd.DataFrame,
    itm: pd.DataFrame | None,
    service_level: Any,
    classes: pd.Series | None,
    review_period_days: float,
) -> Items:
    """Every item of the simulation, the suppliers and ``items``; targets; velocity and IP."""
    sc = scenario_of(so)
    assert sc is not None
    summ = so.summary.set_index("item_id")
    extra = set(sup["item_id"])
    if itm is not None:
        extra |= set(itm["item_id"])
    ids = np.asarray(sorted(set(summ.index) | extra), dtype=object).astype(str)
    n = len(ids)
    rec = Columns(pd.Index(ids, name="item_id"))
    level, eco = service_targets(service_level, ids, classes)
    sl = np.asarray(level, dtype=float)
    rp = np.full(n, float(review_period_days))
    hold = np.full(n, np.nan)
    if itm is not None:
        given_sl, given_rp, hold = _item_targets(itm, rec.index)
        if given_sl is not None:
            eco = eco & np.isnan(given_sl)  # an item's own target wins
            sl = np.where(np.isnan(given_sl), sl, given_sl)
        if given_rp is not None:
            rp = np.where(np.isnan(given_rp), rp, given_rp)
    rec["service_level"] = sl
    rows = pd.Index(sc.item_ids).get_indexer(ids)  # row in the simulation, -1 if absent
    in_sim = rows >= 0
    comp = np.zeros(n, dtype=bool)
    comp[in_sim] = sc.computable[rows[in_sim]]
    # velocity, inventory position, cover
    mean = np.asarray(sc.forecast.mean, dtype=float)
    vel = np.full(n, np.nan)
    fpos = np.full(n, -1)
    fpos[in_sim] = sc.fpos[rows[in_sim]]
    vel[comp] = mean[fpos[comp], : sc.horizon].sum(axis=1) / float(sc.bounds[-1])
    rec["velocity_units_per_day"] = vel
    s_sum = summ.reindex(rec.index)
    rec["days_of_cover"] = s_sum["days_of_cover"].to_numpy()
    ip = (s_sum["available_units"] + s_sum["on_order_units"]).to_numpy()
    rec["inventory_position_units"] = np.where(comp, ip, np.nan)
    rec["stockout_date_p50_without_order"] = s_sum["stockout_date_p50"].to_numpy()
    return Items(
        so=so,
        sc=sc,
        ids=ids,
        rec=rec,
        summary=s_sum,
        sl=sl,
        rp=rp,
        hold=hold,
        rows=rows,
        comp=comp,
        fpos=fpos,
        vel=vel,
        ip=ip,
        eco=eco,
        hold_nothing=np.zeros(n, dtype=bool),
    )


def _item_targets(
    itm: pd.DataFrame, index: pd.Index
) -> tuple[np.ndarray | None, np.ndarray | None, np.ndarray]:
    """The items table's service level, review period (None: no column) and holding rate.

    Per item of ``index``, NaN where the table has no value.
    """
    keys = itm["item_id"].tolist()
    row = {k: i for i, k in enumerate(keys)}
    if len(row) != len(keys):  # repeated items: the error a reindex gives
        itm.set_index("item_id").reindex(index)
    pos = np.array([row.get(i, -1) for i in index.tolist()], dtype=np.int64)
    found, take = pos >= 0, np.maximum(pos, 0)

    def col(name: str) -> np.ndarray | None:
        if name not in itm.columns:
            return None
        v = itm[name].to_numpy(dtype=float, na_value=np.nan)
        return np.where(found, v[take], np.nan) if len(v) else np.full(len(index), np.nan)

    hold = col("holding_cost_rate")
    return (
        col("service_level"),
        col("review_period_days"),
        np.full(len(index), np.nan) if hold is None else hold,
    )


@dataclass(frozen=True)
class Terms:
    """The chosen supplier's terms per item."""

    chosen: pd.DataFrame
    has_sup: np.ndarray
    lt_mean: np.ndarray
    lt_sd: np.ndarray
    lt_plan: np.ndarray
    discontinued: np.ndarray


def supplier_terms(
    it: Items, sup: pd.DataFrame, itm: pd.DataFrame | None, as_of_ts: pd.Timestamp
) -> Terms:
    """One supplier per item (cheapest arriving by the P50 stockout, else fastest)."""
    rec = it.rec
    best = _best_supplier_rows(it, sup, as_of_ts)
    has_sup = best >= 0
    take = np.maximum(best, 0)

    def col(name: str) -> np.ndarray:
        v = sup[name].to_numpy(dtype=float)
        return np.where(has_sup, v[take], np.nan) if len(v) else np.full(it.n, np.nan)

    sup_ids = sup["supplier_id"].to_numpy(dtype=object)
    chosen = pd.DataFrame(
        {
            "supplier_id": pd.Series(
                [sup_ids[b] if b >= 0 else None for b in best.tolist()],
                index=rec.index,
                dtype="str",
            ),
            **{c: col(c) for c in _CHOSEN_TERMS if c in sup.columns},
        },
        index=rec.index,
    )
    rec["supplier_id"] = chosen["supplier_id"].array
    rec["unit_cost"] = chosen["unit_cost"].to_numpy(dtype=float)
    lt_mean = chosen["lead_time_mean_days"].to_numpy(dtype=float)
    lt_sd = np.nan_to_num(chosen["lead_time_sd_days"].to_numpy(dtype=float))
    rec["lead_time_days"] = lt_mean
    rec["lead_time_sd_days"] = np.where(has_sup, lt_sd, np.nan)
    return Terms(
        chosen=chosen,
        has_sup=has_sup,
        lt_mean=lt_mean,
        lt_sd=lt_sd,
        lt_plan=chosen["lead_time_plan_days"].to_numpy(dtype=float),
        discontinued=_discontinued(it.ids, itm),
    )


#: the chosen supplier's terms the recommendation reads (``Terms.chosen``)
_CHOSEN_TERMS = (
    "unit_cost",
    "lead_time_mean_days",
    "lead_time_sd_days",
    "lead_time_plan_days",
    "on_time_rate",
    "order_cost",
    "moq_units",
    "pack_units",
)


def _best_supplier_rows(it: Items, sup: pd.DataFrame, as_of_ts: pd.Timestamp) -> np.ndarray:
    """Per item, the row of ``sup`` it buys from (-1: none); the rule of ``choose_supplier``.

    Among the suppliers arriving (``as_of`` + mean lead time, whole days up) by the item's
    P50 stockout date (all, when there is none), the cheapest, then the shorter lead time,
    then the smaller id; if none arrives in time, the fastest, then the cheapest.
    """
    where = {iid: k for k, iid in enumerate(it.ids.tolist())}
    k = np.array([where.get(i, -1) for i in sup["item_id"].tolist()], dtype=np.int64)
    best = np.full(it.n, -1, dtype=np.int64)
    if not len(k):
        return best
    p50 = it.rec["stockout_date_p50_without_order"].to_numpy(dtype="datetime64[ns]")
    p50_row = np.where(k >= 0, p50[np.maximum(k, 0)], np.datetime64("NaT", "ns"))
    mean = sup["lead_time_mean_days"].to_numpy(dtype=float)
    cost = sup["unit_cost"].to_numpy(dtype=float)
    days = np.ceil(mean - 1e-9)
    known = np.isfinite(days)
    arrival = np.full(len(k), np.datetime64("NaT", "ns"))
    arrival[known] = np.datetime64(as_of_ts, "ns") + days[known].astype(np.int64).astype(
        "timedelta64[D]"
    )
    qualifies = np.isnat(p50_row) | (known & (arrival <= p50_row))
    any_q = np.zeros(it.n + 1, dtype=bool)  # the last slot: rows of unknown items
    np.logical_or.at(any_q, k, qualifies)
    any_row = any_q[k]
    ids = np.array(sup["supplier_id"].to_numpy(dtype=object).tolist(), dtype=str)
    order = np.lexsort(
        (
            ids,
            np.where(any_row, mean, cost),
            np.where(any_row, cost, mean),
            ~qualifies,
            k,
        )
    )
    ks = k[order]
    first = np.r_[True, ks[1:] != ks[:-1]] & (ks >= 0)
    best[ks[first]] = order[first]
    return best


def _discontinued(ids: np.ndarray, itm: pd.DataFrame | None) -> np.ndarray:
    """Items marked discontinued in the items table (never reordered)."""
    if itm is None or "status" not in itm.columns:
        return np.zeros(len(ids), dtype=bool)
    status = {
        i: s.strip().lower()
        for i, s in zip(itm["item_id"].astype(str).tolist(), itm["status"].tolist(), strict=True)
        if isinstance(s, str)
    }
    return np.array([status.get(i) == "discontinued" for i in ids.tolist()], dtype=bool)

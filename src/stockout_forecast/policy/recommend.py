"""What to order now: one recommendation per item, with a reason a planner can read.

:func:`recommend_orders` turns a stockout forecast into decisions. For each item it picks a
supplier, sets the reorder point from the empirical demand over the protection interval
(lead time plus review period, simulated from the same demand paths as the stockout dates,
with lead-time draws), orders up to that point plus one cycle of stock when the inventory
position has reached it, rounds to the supplier's MOQ and pack size, and re-simulates the
stockout date with the order in place (same paths: common random numbers).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any, cast

import numpy as np
import pandas as pd
from scipy.special import ndtri

from .._utils import RandomStateLike, check_columns, check_fraction, format_ids
from ..history.leadtime import lead_time_history, sample_lead_times
from ..io.validation import validate_table
from ..simulation.engine import (
    Scenario,
    draw_paths,
    item_chunks,
    run_chunk,
    scenario_of,
    with_orders,
)
from ..simulation.stockout import StockoutForecast, stockout_dates
from .empirical import empirical_reorder_point, lead_time_demand_samples
from .normal import reorder_point
from .quantities import economic_order_quantity, order_by_date, round_order_quantity

if TYPE_CHECKING:
    from ..forecast.result import DemandForecast

__all__ = ["recommend_orders"]

_Z90 = float(ndtri(0.9))
_COLUMNS = [
    "item_id",
    "order_now",
    "order_trigger",
    "order_units",
    "supplier_id",
    "unit_cost",
    "order_by_date",
    "expected_arrival_date",
    "lead_time_days",
    "lead_time_sd_days",
    "velocity_units_per_day",
    "days_of_cover",
    "inventory_position_units",
    "reorder_point_units",
    "order_up_to_units",
    "reorder_point_method",
    "service_level",
    "expected_service_level",
    "stockout_date_p50_without_order",
    "stockout_date_p50_with_order",
    "status",
    "reason",
]


def _supplier_lead_times(
    suppliers: pd.DataFrame,
    purchase_orders: pd.DataFrame | None,
    lead_times: pd.DataFrame | None,
    as_of: pd.Timestamp,
) -> pd.DataFrame:
    """Supplier terms with lead-time mean, sd, planning lead time and on-time rate per row."""
    sup = suppliers.copy()
    lt = lead_times
    if lt is None and purchase_orders is not None:
        lt = lead_time_history(purchase_orders, suppliers, as_of=as_of)
    sup["lead_time_mean_days"] = sup["lead_time_days"]
    if "lead_time_sd_days" not in sup.columns:
        sup["lead_time_sd_days"] = np.nan
    sup["lead_time_p90_days"] = np.nan
    if "on_time_rate" not in sup.columns:
        sup["on_time_rate"] = np.nan
    sup["lead_time_source"] = "stated"
    if lt is not None:
        check_columns(
            lt,
            "lead_times",
            ["item_id", "supplier_id", "lead_time_mean_days", "lead_time_sd_days"],
            "Pass the frame returned by lead_time_history(purchase_orders, suppliers).",
        )
        keyed = lt.assign(
            item_id=lt["item_id"].astype(str), supplier_id=lt["supplier_id"].astype(str)
        ).set_index(["item_id", "supplier_id"])
        pos = keyed.index.get_indexer(pd.MultiIndex.from_frame(sup[["item_id", "supplier_id"]]))
        found = pos >= 0
        take = np.maximum(pos, 0)

        def col(name: str) -> np.ndarray:
            if name not in keyed.columns:
                return np.full(len(sup), np.nan)
            return np.where(found, keyed[name].to_numpy(dtype=float)[take], np.nan)

        mean, sd, p90, ot = (
            col("lead_time_mean_days"),
            col("lead_time_sd_days"),
            col("lead_time_p90_days"),
            col("on_time_rate"),
        )
        use = found & np.isfinite(mean)
        sup.loc[use, "lead_time_mean_days"] = mean[use]
        sup.loc[use, "lead_time_sd_days"] = sd[use]
        sup.loc[use, "lead_time_p90_days"] = p90[use]
        ot_use = use & np.isfinite(ot)
        sup.loc[ot_use, "on_time_rate"] = ot[ot_use]
        src = (
            keyed["source"].astype(str).to_numpy()[take]
            if "source" in keyed.columns
            else np.full(len(sup), "history")
        )
        sup.loc[use, "lead_time_source"] = src[use]
    sd_known = sup["lead_time_sd_days"].fillna(0.0)
    plan = sup["lead_time_p90_days"].where(
        sup["lead_time_p90_days"].notna(), sup["lead_time_mean_days"] + _Z90 * sd_known
    )
    sup["lead_time_plan_days"] = np.maximum(plan, sup["lead_time_mean_days"])
    return sup


def _check_item_targets(itm: pd.DataFrame) -> None:
    """Per-item service levels must be fractions below 1 and review periods positive."""
    if "service_level" in itm.columns:
        v = itm["service_level"]
        bad = v.notna() & ((v <= 0) | (v >= 1))
        if bad.any():
            raise ValueError(
                f"items.service_level must be a fraction in (0, 1); found "
                f"{v[bad].head(3).tolist()} for items {format_ids(itm.loc[bad, 'item_id'].tolist())}. "
                f"A target of 1 needs infinite stock: use e.g. 0.99."
            )
    if "review_period_days" in itm.columns:
        v = itm["review_period_days"]
        bad = v.notna() & (v <= 0)
        if bad.any():
            raise ValueError(
                f"items.review_period_days must be > 0; found 0 or less for items "
                f"{format_ids(itm.loc[bad, 'item_id'].tolist())}. Leave it empty to use the default."
            )


def _choose_supplier(cand: pd.DataFrame) -> pd.DataFrame:
    """Cheapest supplier arriving by the P50 stockout, else the fastest: one row per item."""
    any_q = cand.groupby("item_id")["qualifies"].transform("any")
    key = cand.assign(
        _k1=~cand["qualifies"],
        _k2=np.where(any_q, cand["unit_cost"], cand["lead_time_mean_days"]),
        _k3=np.where(any_q, cand["lead_time_mean_days"], cand["unit_cost"]),
    )
    key = key.sort_values(["item_id", "_k1", "_k2", "_k3", "supplier_id"], kind="stable")
    return key.groupby("item_id", sort=False).head(1).set_index("item_id")


def _fmt_date(d: pd.Series) -> pd.Series:
    """'3 Dec' style dates (NaT becomes '')."""
    ok = d.notna()
    out = pd.Series("", index=d.index, dtype="str")
    out[ok] = d[ok].dt.day.astype(str) + " " + d[ok].dt.strftime("%b")
    return out


def recommend_orders(
    stockouts_or_forecast: StockoutForecast | DemandForecast,
    inventory: pd.DataFrame,
    suppliers: pd.DataFrame,
    purchase_orders: pd.DataFrame | None = None,
    items: pd.DataFrame | None = None,
    *,
    service_level: float = 0.95,
    review_period_days: float = 7.0,
    as_of: Any = None,
    lead_times: pd.DataFrame | None = None,
    n_paths: int = 1000,
    random_state: RandomStateLike = None,
) -> pd.DataFrame:
    """Recommend, per item, whether to order now, how much, from whom and by when.

    Parameters
    ----------
    stockouts_or_forecast : StockoutForecast or DemandForecast
        The result of :func:`~stockout_forecast.simulation.stockout.stockout_dates` made from the
        same ``inventory`` and ``purchase_orders`` (its demand paths are reused), or a
        forecast, from which the stockout dates are simulated first (with lead-time
        uncertainty from the lead-time table).
    inventory : pandas.DataFrame
        Contract table ``inventory`` (``on_hand_units``, optional ``backordered_units``,
        ``allocated_units``).
    suppliers : pandas.DataFrame
        Contract table ``suppliers``: ``unit_cost`` (currency/unit), ``lead_time_days``;
        optional ``lead_time_sd_days``, ``moq_units``, ``pack_units``, ``order_cost``
        (currency/order), ``on_time_rate``.
    purchase_orders : pandas.DataFrame, optional
        Contract table ``purchase_orders``: open lines count in the inventory position;
        received lines give the empirical lead times (``lead_time_history``).
    items : pandas.DataFrame, optional
        Contract table ``items``: per-item ``service_level``, ``review_period_days`` and
        ``holding_cost_rate`` (per year, fraction of unit cost) override the defaults.
    service_level : float, default 0.95
        Target cycle service level, fraction in (0, 1): P(no stockout before the order
        after this one can arrive).
    review_period_days : float, default 7
        Days until the next review (the next chance to order), > 0.
    as_of : date, optional
        Day the orders are placed; default the first forecast day. Not earlier than the day
        before the forecast starts.
    lead_times : pandas.DataFrame, optional
        A ``lead_time_history`` frame (``item_id``, ``supplier_id``,
        ``lead_time_mean_days``, ``lead_time_sd_days``, optional ``lead_time_p90_days``,
        ``on_time_rate``, ``source``). Default: computed from ``purchase_orders`` when
        given, else the suppliers' stated figures.
    n_paths : int, default 1000
        Demand paths, when a forecast is passed.
    random_state : int, numpy Generator or None
        Seed, when a forecast is passed (a StockoutForecast brings its own).

    Returns
    -------
    pandas.DataFrame
        One row per item (every item of the stockout forecast, the suppliers and ``items``):

        - ``item_id``; ``order_now`` (bool); ``order_trigger``: ``"reorder_point"``,
          ``"order_by_date"`` (see Notes) or ``""``; ``order_units`` (units, rounded to MOQ
          and pack; 0 when not ordering)
        - ``supplier_id``, ``unit_cost`` of the chosen supplier
        - ``order_by_date``: latest day to order so that the order, at the planning lead
          time, arrives before P(stockout) exceeds ``1 - service_level`` (NaT: not within
          the horizon; before ``as_of``: already late)
        - ``expected_arrival_date``: ``as_of`` + mean lead time (rounded up) when ordering
        - ``lead_time_days``, ``lead_time_sd_days``: mean and standard deviation used
        - ``velocity_units_per_day``: mean forecast demand per day over the horizon
        - ``days_of_cover``: median days until the first stockout (from the simulation)
        - ``inventory_position_units``: on hand − backordered − allocated + open orders
        - ``reorder_point_units``, ``order_up_to_units``, ``reorder_point_method``
          (``"empirical"`` or ``"normal"``)
        - ``service_level``: target; ``expected_service_level``: simulated P(no stockout
          before the next order could arrive, i.e. over days ``as_of`` to
          ``as_of + ceil(L + R) - 1``), with this order in place when ordering
        - ``stockout_date_p50_without_order``, ``stockout_date_p50_with_order``
        - ``status`` (``"ok"``, ``"no_forecast"``, ``"no_inventory"``, ``"no_supplier"``,
          ``"discontinued"``: ``items.status`` says so, never reordered)
          and ``reason``: one plain line, e.g. ``"velocity 4.1/day, 9 days of cover,
          supplier S1 lead time 14±3 days → order 120 by 3 Dec"``.

    Raises
    ------
    SchemaError
        A table breaks the data contract.
    ValueError
        ``service_level`` not a fraction, ``review_period_days`` not positive, ``as_of``
        outside the forecast.

    Notes
    -----
    Policy: periodic review with a reorder point, (R, s, S) in Silver, Pyke & Thomas' terms.

    * Supplier: among the item's suppliers, the cheapest (``unit_cost``; ties: shorter lead
      time, then id) whose ``as_of`` + mean lead time is on or before the P50 stockout date
      (all qualify when the P50 is beyond the horizon); if none, the fastest.
    * Reorder point ``s``: the ``service_level`` quantile of demand over the protection
      interval ``L + R`` (lead time plus review period), computed from the demand paths
      with one lead time per path drawn from a gamma distribution with the supplier's
      mean and standard deviation (:func:`~stockout_forecast.history.leadtime.sample_lead_times`,
      :func:`~stockout_forecast.policy.empirical.lead_time_demand_samples`,
      :func:`~stockout_forecast.policy.empirical.empirical_reorder_point`, smallest integer with
      P(D ≤ s) ≥ target). When some drawn interval is longer than the forecast horizon the
      normal approximation :func:`~stockout_forecast.policy.normal.reorder_point` is used instead
      with the forecast's mean and standard deviation per day over the horizon
      (``σ_d = sqrt(Var[D_H] / H)``, which folds the forecast's level correlation in).
    * Trigger (``order_trigger``): ``"reorder_point"`` when the inventory position IP
      (on hand − backordered − allocated + all open orders) is ≤ ``s`` — the quantity is
      then ``S − IP``; ``"order_by_date"`` when IP is above ``s`` but the order-by date falls
      before the next review (``as_of + R``): open orders counted in IP arrive too late to
      prevent the stockout — the quantity is then ``S − IP'``, where IP' counts only the
      open orders due by this order's arrival. ``S = s + Q``, ``Q`` the EOQ
      ``sqrt(2 K 365 d / (h c))`` when the supplier's ``order_cost`` K and the item's
      ``holding_cost_rate`` h are known, else the demand of one review period ``d R``; the
      quantity is rounded *up* to the pack multiple and lifted to the MOQ
      (:func:`~stockout_forecast.policy.quantities.round_order_quantity`), then capped at what the
      item's suppliers can deliver on one order together (each supplier's
      ``capacity_units`` rounded down to its pack); the reason says when the cap binds.
    * Order-by date: :func:`~stockout_forecast.policy.quantities.order_by_date` with receipts at the
      start of the day and the *planning* lead time: ``lead_time_p90_days`` when known, else
      ``L + 1.2816 σ_L``. For weekly/monthly forecasts each day takes its period's
      P(stockout) (conservative).
    * With-order dates: the stock simulation is re-run with the order as an open line
      arriving at ``as_of + ceil(L)`` (and the chosen supplier's lateness when the stockout
      forecast models lead-time uncertainty), on the same demand paths.
    * ``expected_service_level`` is capped at the horizon when ``as_of + L + R`` is beyond
      it (the reason says so).

    References
    ----------
    .. [1] Silver, E. A., Pyke, D. F., Thomas, D. J. (2017). *Inventory and Production
       Management in Supply Chains*, 4th ed., CRC Press, sec. 6.9-6.10 ((R, S) and
       (R, s, S) systems; protection interval R + L).
    .. [2] Chopra, S., Meindl, P. (2016). *Supply Chain Management*, 6th ed., Pearson,
       ch. 12 (cycle service level, lead-time variability).

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from stockout_forecast.forecast.result import DemandForecast
    >>> fc = DemandForecast.from_mean(["A"], pd.date_range("2024-12-01", periods=60), np.full((1, 60), 4.0))
    >>> inv = pd.DataFrame({"item_id": ["A"], "on_hand_units": [36]})
    >>> sup = pd.DataFrame({"item_id": ["A", "A"], "supplier_id": ["S1", "S2"],
    ...     "unit_cost": [2.0, 1.5], "lead_time_days": [5, 20], "moq_units": [50, 0]})
    >>> rec = recommend_orders(fc, inv, sup, random_state=0)
    >>> print(rec[["order_now", "order_units", "supplier_id", "reorder_point_units"]].to_string())
       order_now  order_units supplier_id  reorder_point_units
    0       True         51.0          S1                 59.0
    >>> print(rec.loc[0, "reason"])
    velocity 4.0/day, 9 days of cover, supplier S1 lead time 5±0 days → order 51 by 2 Dec
    """
    for name, val in (("inventory", inventory), ("suppliers", suppliers)):
        if not isinstance(val, pd.DataFrame):
            raise TypeError(f"{name} must be a pandas DataFrame; got {type(val).__name__}.")
    check_fraction(service_level, "service_level")
    if not (isinstance(review_period_days, (int, float, np.number)) and review_period_days > 0):
        raise ValueError(
            f"review_period_days must be a positive number of days; got {review_period_days!r}."
        )
    sup = validate_table(suppliers, "suppliers", reader="read_suppliers")
    itm = validate_table(items, "items", reader="read_items") if items is not None else None
    if itm is not None:
        _check_item_targets(itm)

    if isinstance(stockouts_or_forecast, StockoutForecast):
        so = stockouts_or_forecast
        given = scenario_of(so)
        if given is None:
            raise ValueError("This StockoutForecast carries no inputs; pass the forecast instead.")
        sc = given
    else:
        so = None
    dates0 = sc.dates[0] if so is not None else pd.DatetimeIndex(stockouts_or_forecast.dates)[0]
    as_of_ts = dates0 if as_of is None else pd.Timestamp(as_of).normalize()
    if as_of_ts < dates0 - pd.Timedelta(days=1):
        raise ValueError(
            f"as_of={as_of_ts:%Y-%m-%d} is before the forecast starts ({dates0:%Y-%m-%d}); "
            f"orders can only be placed from the day before the first forecast day."
        )
    sup = _supplier_lead_times(sup, purchase_orders, lead_times, as_of_ts)
    if so is None:
        lt_frame = sup[["item_id", "supplier_id", "lead_time_sd_days", "on_time_rate"]]
        so = stockout_dates(
            cast("DemandForecast", stockouts_or_forecast),
            inventory,
            purchase_orders,
            n_paths=n_paths,
            lead_time_uncertainty=lt_frame if purchase_orders is not None else None,
            random_state=random_state,
        )
        made = scenario_of(so)
        assert made is not None
        sc = made
    h = sc.horizon
    dpp = {"D": 1.0, "W": 7.0, "M": 365.25 / 12.0}[sc.freq]
    as_off = int((as_of_ts - sc.dates[0]).days)
    if as_off >= sc.bounds[-1]:
        raise ValueError(
            f"as_of={as_of_ts:%Y-%m-%d} is after the forecast horizon (last period starts "
            f"{sc.dates[-1]:%Y-%m-%d})."
        )

    # ------------------------------------------------------------ item universe and targets
    summ = so.summary.set_index("item_id")
    extra = set(sup["item_id"])
    if itm is not None:
        extra |= set(itm["item_id"])
    ids = np.asarray(sorted(set(summ.index) | extra), dtype=object).astype(str)
    n = len(ids)
    rec = pd.DataFrame(index=pd.Index(ids, name="item_id"))
    sl = pd.Series(float(service_level), index=rec.index)
    rp = pd.Series(float(review_period_days), index=rec.index)
    hold = pd.Series(np.nan, index=rec.index)
    if itm is not None:
        im = itm.set_index("item_id")
        if "service_level" in im.columns:
            sl = im["service_level"].reindex(rec.index).fillna(sl)
        if "review_period_days" in im.columns:
            rp = im["review_period_days"].reindex(rec.index).fillna(rp)
        if "holding_cost_rate" in im.columns:
            hold = im["holding_cost_rate"].reindex(rec.index)
    rec["service_level"] = sl
    rows = pd.Index(sc.item_ids).get_indexer(ids)  # row in the simulation, -1 if absent
    in_sim = rows >= 0
    comp = np.zeros(n, dtype=bool)
    comp[in_sim] = sc.computable[rows[in_sim]]

    # ------------------------------------------------------------ velocity, IP, cover
    mean = np.asarray(sc.forecast.mean, dtype=float)
    vel = np.full(n, np.nan)
    fpos = np.full(n, -1)
    fpos[in_sim] = sc.fpos[rows[in_sim]]
    vel[comp] = mean[fpos[comp], :h].sum(axis=1) / float(sc.bounds[-1])
    rec["velocity_units_per_day"] = vel
    s_sum = summ.reindex(rec.index)
    rec["days_of_cover"] = s_sum["days_of_cover"].to_numpy()
    ip = (s_sum["available_units"] + s_sum["on_order_units"]).to_numpy()
    rec["inventory_position_units"] = np.where(comp, ip, np.nan)
    rec["stockout_date_p50_without_order"] = s_sum["stockout_date_p50"].to_numpy()

    # ------------------------------------------------------------ supplier choice
    cand = sup.merge(
        pd.DataFrame({"item_id": ids, "_p50": rec["stockout_date_p50_without_order"].to_numpy()}),
        on="item_id",
        how="left",
    )
    arrival = as_of_ts + pd.to_timedelta(np.ceil(cand["lead_time_mean_days"] - 1e-9), unit="D")
    cand["qualifies"] = cand["_p50"].isna() | (arrival <= cand["_p50"])
    chosen = _choose_supplier(cand).reindex(rec.index)
    has_sup = chosen["supplier_id"].notna().to_numpy()
    rec["supplier_id"] = chosen["supplier_id"].astype("str").where(has_sup, None)
    rec["unit_cost"] = chosen["unit_cost"].to_numpy(dtype=float)
    lt_mean = chosen["lead_time_mean_days"].to_numpy(dtype=float)
    lt_sd = np.nan_to_num(chosen["lead_time_sd_days"].to_numpy(dtype=float))
    rec["lead_time_days"] = lt_mean
    rec["lead_time_sd_days"] = np.where(has_sup, lt_sd, np.nan)
    # items marked discontinued in the items table are never reordered
    discontinued = np.zeros(n, dtype=bool)
    if itm is not None and "status" in itm.columns:
        item_status = itm.set_index("item_id")["status"].astype(str).str.strip().str.lower()
        discontinued = (item_status.reindex(rec.index) == "discontinued").to_numpy(dtype=bool)
    ok = comp & has_sup & ~discontinued

    # ------------------------------------------------------------ order-by date
    sl_arr = sl.to_numpy(dtype=float)
    rp_arr = rp.to_numpy(dtype=float)
    ok_rows = np.flatnonzero(ok)
    obd = np.full(n, np.datetime64("NaT"), dtype="datetime64[ns]")
    lt_plan = chosen["lead_time_plan_days"].to_numpy(dtype=float)
    if ok_rows.size:
        p_daily, days = _daily_p_stockout(so, rows[ok_rows])
        for level in np.unique(sl_arr[ok_rows]):
            g = sl_arr[ok_rows] == level
            obd[ok_rows[g]] = order_by_date(
                p_daily[g], days, lt_plan[ok_rows[g]], max_stockout_probability=1.0 - float(level)
            )
    rec["order_by_date"] = obd

    # ------------------------------------------------------------ cycle stock, triggers
    order_cost = (
        chosen["order_cost"].to_numpy(dtype=float) if "order_cost" in chosen else np.full(n, np.nan)
    )
    unit_cost = rec["unit_cost"].to_numpy(dtype=float)
    h_cost = hold.to_numpy(dtype=float) * unit_cost
    use_eoq = ok & np.isfinite(order_cost) & np.isfinite(h_cost) & (h_cost > 0)
    q_cycle = vel * rp_arr
    if use_eoq.any():
        q_cycle[use_eoq] = economic_order_quantity(
            vel[use_eoq] * 365.0, order_cost[use_eoq], h_cost[use_eoq]
        )
    next_review = (as_of_ts + pd.to_timedelta(np.ceil(rp_arr - 1e-9), unit="D")).to_numpy()
    arr_off = as_off + np.ceil(np.nan_to_num(lt_mean) - 1e-9).astype(np.int64)
    # open orders due by this order's arrival (what a time-phased trigger may count on)
    rec_of_row = pd.Index(ids).get_indexer(sc.item_ids)
    po_rec = rec_of_row[sc.po_row]
    in_time = sc.po_offset <= arr_off[po_rec]
    ip_in_time = np.where(comp, s_sum["available_units"].to_numpy(dtype=float), np.nan)
    np.add.at(ip_in_time, po_rec[in_time], sc.po_units[in_time])
    # most units all the item's suppliers together can deliver on one order: each supplier's
    # capacity_units rounded down to its pack (missing capacity = no limit)
    if "capacity_units" in sup.columns:
        cap_pack = sup["pack_units"] if "pack_units" in sup.columns else 1.0
        cap_pack = pd.Series(cap_pack, index=sup.index).fillna(1.0).clip(lower=1.0)
        per_sup = np.floor(sup["capacity_units"].fillna(np.inf) / cap_pack) * cap_pack
        max_units = per_sup.groupby(sup["item_id"].astype(str)).sum().reindex(rec.index).to_numpy()
        max_units = np.where(np.isnan(max_units), np.inf, max_units)
    else:
        max_units = np.full(n, np.inf)
    moq = chosen["moq_units"].to_numpy(dtype=float) if "moq_units" in chosen else None
    pack = chosen["pack_units"].to_numpy(dtype=float) if "pack_units" in chosen else None
    if pack is not None:
        pack = np.where(pack > 0, pack, np.nan)
    # lateness of the new order in the what-if run (when the stockout forecast models it)
    p_on_new = scale_new = None
    if sc.stochastic:
        ot = chosen["on_time_rate"].to_numpy(dtype=float)
        informative = (lt_sd > 0) | (np.isfinite(ot) & (ot < 1))
        p_on_new = np.where(informative, np.where(np.isfinite(ot), ot, 0.5), np.nan)
        scale_new = np.where(informative, lt_sd, np.nan)
    # risk window: from today to the day before the *next* order (placed after one review
    # period) can arrive, i.e. days as_of .. as_of + ceil(L + R) - 1
    end_off = as_off + np.ceil(np.nan_to_num(lt_mean) + rp_arr - 1e-9).astype(np.int64) - 1
    end_off = np.maximum(end_off, 0)
    end_idx = np.minimum(np.searchsorted(sc.bounds, end_off, side="right") - 1, h - 1)
    capped = end_off >= sc.bounds[-1]

    # ------------------------------------------------------------ reorder points (normal)
    s_pt = np.full(n, np.nan)
    method = np.full(n, "", dtype=object)
    fits = np.zeros(n, dtype=bool)
    interval: np.ndarray = np.zeros((0, sc.n_paths))
    if ok_rows.size:
        lt_rng = np.random.default_rng(np.random.SeedSequence(sc.entropy, spawn_key=(2,)))
        lt_draw = sample_lead_times(
            lt_mean[ok_rows], lt_sd[ok_rows], size=sc.n_paths, random_state=lt_rng
        )
        interval = (lt_draw + rp_arr[ok_rows, None]) / dpp  # protection interval, periods
        fits[ok_rows] = (interval <= h).all(axis=1)
        nrm = ok_rows[~fits[ok_rows]]
        if nrm.size:
            m_d, sd_d = _daily_moments(sc, fpos[nrm])
            s_pt[nrm] = reorder_point(
                m_d,
                sd_d,
                lt_mean[nrm],
                service_level=sl_arr[nrm],
                lead_time_sd=lt_sd[nrm],
                review_period=rp_arr[nrm],
            )
            method[nrm] = "normal"
        method[ok_rows[fits[ok_rows]]] = "empirical"

    # ------------------------------------------------------------ per chunk of paths:
    # empirical reorder points, quantities, and the what-if run with the order in place,
    # all on the same demand paths as the stockout forecast (drawn once here)
    units = np.zeros(n)
    wanted = np.zeros(n)
    by_rop = np.zeros(n, dtype=bool)
    by_date = np.zeros(n, dtype=bool)
    p_with = np.full(n, np.nan)
    d_with = np.full(n, np.datetime64("NaT"), dtype="datetime64[ns]")
    need = math.ceil(0.5 * sc.n_paths - 1e-9)
    for chunk in item_chunks(sc, rows[ok_rows]):
        r = chunk.rows
        k = rec_of_row[r]
        paths = draw_paths(sc, chunk)
        emp = fits[k]
        if emp.any():
            ltd = lead_time_demand_samples(paths[emp], interval[np.searchsorted(ok_rows, k[emp])])
            s_pt[k[emp]] = empirical_reorder_point(ltd, service_level=sl_arr[k[emp]])
        s_up_k = s_pt[k] + q_cycle[k]
        by_rop[k] = ip[k] <= s_pt[k]
        by_date[k] = ~by_rop[k] & pd.notna(obd[k]) & (obd[k] < next_review[k])
        raw = np.where(by_rop[k], s_up_k - ip[k], np.where(by_date[k], s_up_k - ip_in_time[k], 0.0))
        units[k] = np.minimum(
            round_order_quantity(
                raw,
                None if moq is None else moq[k],
                None if pack is None else pack[k],
                rounding="up",
            ),
            max_units[k],
        )
        wanted[k] = np.where(raw > 0, raw, 0.0)
        sel = np.flatnonzero(units[k] > 0)
        if sel.size:
            ko = k[sel]
            sc2 = with_orders(
                sc,
                r[sel],
                arr_off[ko],
                units[ko],
                None if p_on_new is None else p_on_new[ko],
                None if scale_new is None else scale_new[ko],
            )
            first = run_chunk(sc2, chunk.subset(sel), paths=paths[sel]).first
            p_with[ko] = (first <= end_idx[ko, None]).mean(axis=1)
            cnt = np.stack([(first <= t).sum(axis=1) for t in range(h)], axis=1)
            reached = cnt[:, -1] >= need
            d_with[ko[reached]] = sc.dates[np.argmax(cnt >= need, axis=1)[reached]].to_numpy()

    rec["reorder_point_units"] = s_pt + 0.0  # no negative zero
    method[~ok] = None
    rec["reorder_point_method"] = method
    rec["order_up_to_units"] = s_pt + q_cycle
    order_now = ok & (units > 0)
    rec["order_now"] = order_now
    rec["order_trigger"] = np.where(
        order_now & by_rop, "reorder_point", np.where(order_now & by_date, "order_by_date", "")
    )
    rec["order_units"] = np.where(ok, units, np.nan)
    arr_date = as_of_ts + pd.to_timedelta(arr_off - as_off, unit="D")
    rec["expected_arrival_date"] = np.where(
        order_now, arr_date.to_numpy(), np.datetime64("NaT", "ns")
    ).astype("datetime64[ns]")
    p_without = np.full(n, np.nan)
    if ok_rows.size:
        p_without[ok_rows] = so.p_stockout[rows[ok_rows], end_idx[ok_rows]]
    rec["stockout_date_p50_with_order"] = np.where(
        order_now, d_with, rec["stockout_date_p50_without_order"].to_numpy()
    ).astype("datetime64[ns]")
    rec["expected_service_level"] = 1.0 - np.where(order_now, p_with, p_without)

    # ------------------------------------------------------------ status and reason
    status = np.full(n, "ok", dtype=object)
    reason = np.full(n, "", dtype=object)
    sim_status = s_sum["status"].to_numpy(dtype=object)
    sim_reason = s_sum["reason"].to_numpy(dtype=object)
    not_sim = ~comp
    status[not_sim] = np.where(pd.isna(sim_status[not_sim]), "no_forecast", sim_status[not_sim])
    reason[not_sim] = np.where(
        pd.isna(sim_reason[not_sim]),
        "in neither the forecast nor the inventory: forecast it and add an inventory row",
        sim_reason[not_sim],
    )
    no_sup = comp & ~has_sup
    status[no_sup] = "no_supplier"
    reason[no_sup] = "no supplier in the suppliers table; add one with unit_cost and lead_time_days"
    stop = comp & discontinued
    status[stop] = "discontinued"
    reason[stop] = "discontinued in the items table: not reordered"
    rec["status"] = status
    rec["reason"] = reason
    line = _reasons(rec, as_of_ts, capped)
    at_cap = ok & (units > 0) & (units >= max_units) & (wanted > max_units)
    line[at_cap] = (
        line[at_cap]
        + "; capped at the suppliers' combined capacity of "
        + pd.Series(max_units[at_cap]).map("{:,.0f}".format).to_numpy(dtype=object)
        + " units (the policy wanted "
        + pd.Series(wanted[at_cap]).map("{:,.0f}".format).to_numpy(dtype=object)
        + "): order the rest in the next review"
    )
    rec.loc[ok, "reason"] = line[ok]
    extra_note = np.where(ok & (sim_reason != "") & pd.notna(sim_reason), sim_reason, "")
    has_note = ok & (extra_note != "")
    rec.loc[has_note, "reason"] = rec.loc[has_note, "reason"] + " (" + extra_note[has_note] + ")"
    out = rec.reset_index()[_COLUMNS]
    out["item_id"] = out["item_id"].astype("str")
    out["status"] = out["status"].astype("str")
    out["reason"] = out["reason"].astype("str")
    out["reorder_point_method"] = out["reorder_point_method"].astype("str").where(ok, None)
    return out


def _reasons(rec: pd.DataFrame, as_of: pd.Timestamp, capped: np.ndarray) -> np.ndarray:
    """One plain line per item: velocity, cover, supplier lead time → decision."""
    cover = rec["days_of_cover"]
    cover_txt = cover.round().astype("Int64").astype("str") + " days of cover"
    beyond = rec["stockout_date_p50_without_order"].isna()
    cover_txt = cover_txt.where(~beyond, "more than " + cover_txt)
    lt = rec["lead_time_days"]
    lt_txt = (
        "supplier "
        + rec["supplier_id"].astype("str")
        + " lead time "
        + lt.round().astype("Int64").astype("str")
        + "±"
        + rec["lead_time_sd_days"].round().astype("Int64").astype("str")
        + " days"
    )
    vel_txt = "velocity " + rec["velocity_units_per_day"].map("{:.1f}".format) + "/day"
    obd = rec["order_by_date"]
    by = _fmt_date(obd)
    units = rec["order_units"].round().astype("Int64").map("{:,}".format)
    late = obd.notna() & (obd < as_of)
    decision = pd.Series("", index=rec.index, dtype="str")
    now = rec["order_now"].astype(bool)
    decision[now & ~late] = "order " + units[now & ~late] + " by " + by[now & ~late]
    decision[now & late] = (
        "order "
        + units[now & late]
        + " now: "
        + by[now & late]
        + " was the last safe day, expedite"
    )
    ip = rec["inventory_position_units"].round().astype("Int64").astype("str")
    sp = rec["reorder_point_units"].round().astype("Int64").astype("str")
    wait = ~now
    decision[wait] = "no order: inventory position " + ip[wait] + " above reorder point " + sp[wait]
    has_by = wait & obd.notna()
    decision[has_by] = decision[has_by] + ", order by " + by[has_by]
    timed = (rec["order_trigger"] == "order_by_date").to_numpy()
    decision[timed] = decision[timed] + " (open orders arrive too late to count on)"
    line = vel_txt + ", " + cover_txt + ", " + lt_txt + " → " + decision
    cap = pd.Series(capped, index=rec.index)
    line[cap] = line[cap] + " (service level judged over the horizon only)"
    return line.to_numpy(dtype=object)


def _daily_moments(sc: Scenario, fpos: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
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


def _daily_p_stockout(
    so: StockoutForecast, rows: np.ndarray
) -> tuple[np.ndarray, pd.DatetimeIndex]:
    """P(stockout by day) for ``rows``; weekly/monthly periods spread over their days."""
    if so.freq == "D":
        return so.p_stockout[rows], so.dates
    sc = scenario_of(so)
    assert sc is not None
    days = pd.date_range(so.dates[0], periods=int(sc.bounds[-1]), freq="D")
    period = np.searchsorted(sc.bounds, np.arange(len(days)), side="right") - 1
    return so.p_stockout[rows][:, period], days

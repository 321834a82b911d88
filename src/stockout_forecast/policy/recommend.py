"""What to order now: one recommendation per item, with a reason a planner can read.

:func:`recommend_orders` turns a stockout forecast into decisions. For each item it picks a
supplier, sets the reorder point from the empirical demand over the protection interval
(lead time plus review period, simulated from the same demand paths as the stockout dates,
with lead-time draws), orders up to that point plus one cycle of stock when the inventory
position has reached it, rounds to the supplier's MOQ and pack size, and re-simulates the
stockout date with the order in place (same paths: common random numbers). The policy is
a policy object (:mod:`.policies`), (R, s, S) by default.

It reads as its steps: the stockout forecast, the item universe with targets and inventory
position, the supplier per item, order-by dates, order windows (cycle stock, arrival, risk
window), reorder points, the orders planned chunk by chunk on the simulation engine's paths
(:mod:`..simulation.engine`), then the columns, status and reason.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

import numpy as np
import pandas as pd

from .._utils import RandomStateLike
from ..history.leadtime import sample_lead_times
from ..io.validation import validate_table
from ..simulation.engine import (
    SEED_BLOCK_ITEMS,
    Scenario,
    item_chunks,
    path_rows,
    run_chunk,
    scenario_of,
    with_orders,
    work_buffers,
)
from ..simulation.stockout import StockoutForecast, stockout_dates
from ._recommend_costs import (
    check_classes,
    cost_columns,
    economic_targets,
    item_policy_types,
    quantities_by_type,
    service_targets,
    time_phased_lots,
)
from ._recommend_inputs import (
    PolicyParameters,
    check_item_targets,
    daily_moments,
    daily_p_stockout,
    max_units,
    new_order_lateness,
    policy_parameters,
    resolve_policy,
    supplier_lead_times,
)
from ._recommend_items import Items, Terms, item_universe, supplier_terms
from ._recommend_text import EXPEDITE_AT, finish, order_columns
from .cost_model import item_costs
from .empirical import empirical_reorder_point, lead_time_demand_samples, periods_reached
from .normal import reorder_point
from .policies import ReorderPolicy
from .quantities import economic_order_quantity, order_by_date, round_order_quantity

if TYPE_CHECKING:
    from ..forecast.result import DemandForecast

__all__ = ["recommend_orders"]


def recommend_orders(
    stockouts_or_forecast: StockoutForecast | DemandForecast,
    inventory: pd.DataFrame,
    suppliers: pd.DataFrame,
    purchase_orders: pd.DataFrame | None = None,
    items: pd.DataFrame | None = None,
    *,
    service_level: float | str | Mapping[str, Any] = 0.95,
    review_period_days: float = 7.0,
    as_of: Any = None,
    lead_times: pd.DataFrame | None = None,
    n_paths: int = 1000,
    random_state: RandomStateLike = None,
    policy: ReorderPolicy | str | None = None,
    item_classes: pd.Series | None = None,
    holding_rate_per_year: float = 0.25,
    backorder_cost_ratio: float = 1.0,
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
    service_level : float, "economic" or mapping, default 0.95
        Target cycle service level, fraction in (0, 1): P(no stockout before the order
        after this one can arrive). ``"economic"``: per item the level that minimises the
        expected cost (holding, ordering, backorders) of its cost model (see Notes). A
        mapping gives a level or ``"economic"`` per class of ``item_classes`` (e.g.
        ``{"A": 0.98, "B": "economic", "C": "economic"}``; a ``"default"`` key for the
        rest). ``items.service_level`` still overrides per item.
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
    policy : ContinuousReview, PeriodicReview or PeriodicReorderPoint, optional
        The reorder policy (:mod:`~stockout_forecast.policy.policies`); its
        ``review_period`` is in days here. Default ``PeriodicReorderPoint(review_period=
        review_period_days)`` with ``s`` and ``S`` set from the forecast (see Notes). A
        parameter the policy gives (a number, or a Series by ``item_id``; NaN or a missing
        item: set from the forecast) is used as it is, with ``reorder_point_method``
        ``"given"``: ``PeriodicReview`` orders up to ``S`` at every review (``s = S``, by
        default the reorder point below), ``ContinuousReview`` reviews every day and orders
        ``Q`` (the smallest multiple ``n Q`` lifting the position above ``s`` with
        ``multiples=True``; by default the ``Q`` below). ``policy="auto"``: each item's
        policy is chosen by the rule in the Notes (``policy_type``).
    item_classes : pandas.Series, optional
        Class label per ``item_id`` (ABC, XYZ, ``"AX"``...), for a ``service_level`` given
        per class.
    holding_rate_per_year, backorder_cost_ratio : float
        Defaults of the cost model (:func:`~stockout_forecast.item_costs`) where the
        ``items`` table has no ``holding_cost_rate`` / ``backorder_cost``.

    Returns
    -------
    pandas.DataFrame
        One row per item (every item of the stockout forecast, the suppliers and ``items``):

        - ``item_id``; ``order_now`` (bool); ``order_trigger``: ``"reorder_point"``,
          ``"order_by_date"`` (see Notes) or ``""``; ``order_units`` (units, rounded to MOQ
          and pack; 0 when not ordering)
        - ``supplier_id``, ``unit_cost`` of the chosen supplier
        - ``order_by_date``: latest day to order so that the order, at the planning lead
          time, arrives before the stockout risk it can still remove exceeds
          ``1 - service_level`` (NaT: not within the horizon); see Notes
        - ``p_stockout_before_arrival``: chance of running out before an order placed on
          ``as_of`` arrives (at the mean lead time), whatever is ordered (above
          ``1 - service_level``: late, expedite)
        - ``expected_arrival_date``: ``as_of`` + mean lead time (rounded up) when ordering
        - ``lead_time_days``, ``lead_time_sd_days``: mean and standard deviation used
        - ``velocity_units_per_day``: mean forecast demand per day over the horizon
        - ``days_of_cover``: median days until the first stockout (from the simulation)
        - ``inventory_position_units``: on hand − backordered − allocated + open orders
        - ``reorder_point_units``, ``order_up_to_units``, ``reorder_point_method``
          (``"empirical"``, ``"normal"`` or ``"given"`` by the policy)
        - ``service_level``: target (for economic items the cost-optimal level);
          ``service_basis``: ``"target"`` or ``"economic"``; ``expected_service_level``:
          simulated P(no stockout before the next order could arrive, i.e. over days
          ``as_of`` to ``as_of + ceil(L + R) - 1``), with this order in place when ordering;
          ``implied_fill_rate``: the fill rate the reorder point implies
        - ``policy_type``: ``"s,Q"``, ``"R,S"``, ``"time_phased"`` (the rule below) or the
          given policy's
        - ``expected_cost_per_year`` and its parts ``expected_holding_cost_per_year``,
          ``expected_ordering_cost_per_year``, ``expected_backorder_cost_per_year``
          (currency per year of running the item's policy), ``cost_defaults`` (which cost
          figures are the model's defaults)
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
    Policy (default): periodic review with a reorder point, (R, s, S) in Silver, Pyke &
    Thomas' terms; ``policy=`` chooses another (see above).

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
      ``L + 1.2816 σ_L``, applied to the risk an order can still remove: a stockout before an
      order placed today can arrive (day ``a``) happens whatever is ordered, so the risk
      counted is ``P(stockout by t) - P(stockout by a - 1)`` for ``t >= a``. The part before
      ``a`` does not make an order "late" (a shop whose open orders might arrive late would
      otherwise be told to expedite everything); ``p_stockout_before_arrival``, the chance
      of running out before the order's *expected* arrival (mean lead time), is said in the
      reason when above ``1 - service_level``, and makes the order "expedite" (its order-by
      date then the past day the whole risk passed the limit) when it is at least 0.5.
      For weekly/monthly forecasts each day takes its period's P(stockout) (conservative).
    * With-order dates: the stock simulation is re-run with the order as an open line
      arriving at ``as_of + ceil(L)`` (and the chosen supplier's lateness when the stockout
      forecast models lead-time uncertainty), on the same demand paths.
    * ``expected_service_level`` is capped at the horizon when ``as_of + L + R`` is beyond
      it (the reason says so).
    * Economic service level: the critical ratio of the item's cost model
      (:func:`~stockout_forecast.item_costs`) for its cycle ``Q``: ``1 - h Q / (π λ)``
      (``π`` per unit backordered, ``h`` per unit-year, ``λ`` per year), or
      ``p / (p + h)`` with a cost ``p`` per unit-day backordered; the reorder point is then
      that quantile of the simulated demand over the protection interval, which minimises
      the (Hadley-Whitin) expected cost on it. A ratio of 0 (holding costs more than the
      shortages it avoids) holds nothing: ``s = -1``.
    * Expected cost per year: :func:`~stockout_forecast.policy._recommend_costs.expected_costs`
      on the same lead-time demand (orders ``λ/Q``, stock ``Q/2 + s - μ + λR/2 + ESC``,
      shortage ``ESC λ/Q`` units a year).
    * Policy type with ``policy="auto"``: ``"time_phased"`` when the forecast's mean per
      period varies with a coefficient of variation above 0.5 over the horizon (a season,
      trend, launch): the order is the Wagner-Whitin first lot on the forecast
      (:func:`~stockout_forecast.wagner_whitin`, the supplier's order cost, MOQ and pack)
      plus what lifts the position to ``s``; else ``"R,S"`` when one cycle ``Q`` is at most
      a review period's demand: order up to ``S = s + max(Q, d R)``; else ``"s,Q"``: the
      smallest multiple ``n Q`` lifting the position above ``s``.

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

    The same with a given (R, s, S) = (7 days, 40, 100): IP 36 <= 40, order up to 100.

    >>> from stockout_forecast import PeriodicReorderPoint
    >>> pol = PeriodicReorderPoint(review_period=7, reorder_point=40, order_up_to=100)
    >>> rec = recommend_orders(fc, inv, sup, random_state=0, policy=pol)
    >>> print(rec[["order_units", "reorder_point_units", "reorder_point_method"]].to_string())
       order_units  reorder_point_units reorder_point_method
    0         64.0                 40.0                given
    """
    for name, val in (("inventory", inventory), ("suppliers", suppliers)):
        if not isinstance(val, pd.DataFrame):
            raise TypeError(f"{name} must be a pandas DataFrame; got {type(val).__name__}.")
    classes = check_classes(item_classes)
    service_targets(service_level, np.zeros(0, dtype=str), classes)  # argument check
    auto = isinstance(policy, str) and policy == "auto"
    policy_obj = resolve_policy(None if auto else policy, review_period_days)
    sup = validate_table(suppliers, "suppliers", reader="read_suppliers")
    itm = validate_table(items, "items", reader="read_items") if items is not None else None
    if itm is not None:
        check_item_targets(itm)
    so, sup, as_of_ts = _stockout_forecast(
        stockouts_or_forecast,
        inventory,
        purchase_orders,
        sup,
        lead_times=lead_times,
        as_of=as_of,
        n_paths=n_paths,
        random_state=random_state,
    )
    it = item_universe(so, sup, itm, service_level, classes, float(policy_obj.review_period))
    pol = policy_parameters(policy_obj, it.ids)
    terms = supplier_terms(it, sup, itm, as_of_ts)
    ok = it.comp & terms.has_sup & ~terms.discontinued
    costs = item_costs(itm, sup, item_ids=it.ids, supplier_ids=it.rec["supplier_id"],
                       holding_rate_per_year=holding_rate_per_year,
                       backorder_cost_ratio=backorder_cost_ratio)  # fmt: skip
    win = _order_windows(it, terms, sup, ok, as_of_ts)
    economic_targets(it, win, costs)
    types = item_policy_types(it, win, pol, auto)
    obd, p_before = _order_by_dates(so, it, terms, ok, as_of_ts)
    it.rec["order_by_date"] = obd
    it.rec["p_stockout_before_arrival"] = p_before
    s_pt, method, fits, interval = _reorder_points(it, terms, ok)
    plan = _plan_orders(it, terms, win, pol, ok, obd, s_pt=s_pt, fits=fits, interval=interval,
                        types=types, costs=costs)  # fmt: skip
    order_columns(it, win, plan, pol, ok, method, as_of_ts)
    cost_columns(it, terms, win, plan, ok, costs, types)
    return finish(it, terms, win, plan, ok, as_of_ts)


# --------------------------------------------------------------------------- its steps
def _stockout_forecast(
    stockouts_or_forecast: Any,
    inventory: pd.DataFrame,
    purchase_orders: pd.DataFrame | None,
    sup: pd.DataFrame,
    *,
    lead_times: pd.DataFrame | None,
    as_of: Any,
    n_paths: int,
    random_state: RandomStateLike,
) -> tuple[StockoutForecast, pd.DataFrame, pd.Timestamp]:
    """The stockout forecast, the suppliers with their lead times, and the order day.

    The stockout forecast is the one given, or simulated with the suppliers' lead-time spread.
    """
    so: StockoutForecast | None = None
    if isinstance(stockouts_or_forecast, StockoutForecast):
        so = stockouts_or_forecast
        given = scenario_of(so)
        if given is None:
            raise ValueError("This StockoutForecast carries no inputs; pass the forecast instead.")
        dates0 = given.dates[0]
    else:
        dates0 = pd.DatetimeIndex(stockouts_or_forecast.dates)[0]
    as_of_ts = dates0 if as_of is None else pd.Timestamp(as_of).normalize()
    if as_of_ts < dates0 - pd.Timedelta(days=1):
        raise ValueError(
            f"as_of={as_of_ts:%Y-%m-%d} is before the forecast starts ({dates0:%Y-%m-%d}); "
            f"orders can only be placed from the day before the first forecast day."
        )
    sup = supplier_lead_times(sup, purchase_orders, lead_times, as_of_ts)
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
    sc = scenario_of(so)
    assert sc is not None
    if int((as_of_ts - sc.dates[0]).days) >= sc.bounds[-1]:
        raise ValueError(
            f"as_of={as_of_ts:%Y-%m-%d} is after the forecast horizon (last period starts "
            f"{sc.dates[-1]:%Y-%m-%d})."
        )
    return so, sup, as_of_ts


def _order_by_dates(
    so: StockoutForecast, it: Items, terms: Terms, ok: np.ndarray, as_of: pd.Timestamp
) -> tuple[np.ndarray, np.ndarray]:
    """Latest day to order at the planning lead time (NaT when none), and the risk before.

    ``before`` is the risk no order placed today can remove. An order placed on ``as_of`` arrives at the start of day ``a = as_of + ceil(L_plan)``;
    a stockout before that day happens whatever is ordered today. The order-by date is set
    on the risk an order *can* remove, ``P(stockout by t) - P(stockout by a - 1)`` for
    ``t >= a``: the last day to order is the one whose order still arrives before that risk
    passes ``1 - service_level``. The unremovable part, ``P(stockout by a - 1)``, is returned
    apart (``p_stockout_before_arrival``, at the mean lead time). When running out before the
    order's expected arrival is more likely than not (``EXPEDITE_AT``) the order is late: its
    order-by date is the day the whole risk passed the limit (in the past), and the reason
    says to expedite.
    """
    ok_rows = np.flatnonzero(ok)
    obd = np.full(it.n, np.datetime64("NaT"), dtype="datetime64[ns]")
    before = np.full(it.n, np.nan)
    if not ok_rows.size:
        return obd, before
    p_daily, days = daily_p_stockout(so, it.rows[ok_rows])
    lt = terms.lt_plan[ok_rows]
    n_days = p_daily.shape[1]
    start = int((as_of - days[0]).days)  # the day the order is placed, as a column index
    rows = np.arange(len(ok_rows))

    def by_day_before(lead: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(arrival column, P(stockout by the day before it)) of an order placed today."""
        arrive = start + np.ceil(np.nan_to_num(lead) - 1e-9).astype(np.int64)
        last = np.clip(arrive - 1, -1, n_days - 1)
        return arrive, np.where(last >= 0, p_daily[rows, np.maximum(last, 0)], 0.0)

    # the risk the order can remove, from its planning (late) arrival on
    arrive, p_plan = by_day_before(lt)
    cols = np.arange(n_days)[None, :]
    removable = np.where(cols >= arrive[:, None], np.clip(p_daily - p_plan[:, None], 0.0, 1.0), 0.0)
    # late or not: the risk before the order's expected arrival (mean lead time)
    p_mean = by_day_before(terms.lt_mean[ok_rows])[1]
    before[ok_rows] = p_mean
    # an order that will probably arrive after the stockout is late: its order-by date is
    # the day the whole risk passed the limit (in the past), as the reason says
    late = p_mean >= EXPEDITE_AT
    risk = np.where(late[:, None], p_daily, removable)
    for level in np.unique(it.sl[ok_rows]):
        g = it.sl[ok_rows] == level
        obd[ok_rows[g]] = order_by_date(
            risk[g], days, lt[g], max_stockout_probability=1.0 - float(level)
        )
    return obd, before


@dataclass(frozen=True)
class _Windows:
    """Cycle stock, review and arrival days, limits and the risk window per item."""

    q_cycle: np.ndarray
    next_review: np.ndarray
    as_off: int
    arr_off: np.ndarray
    rec_of_row: np.ndarray
    ip_in_time: np.ndarray
    max_units: np.ndarray
    moq: np.ndarray | None
    pack: np.ndarray | None
    p_on_new: np.ndarray | None
    scale_new: np.ndarray | None
    end_idx: np.ndarray
    capped: np.ndarray


def _order_windows(
    it: Items, terms: Terms, sup: pd.DataFrame, ok: np.ndarray, as_of_ts: pd.Timestamp
) -> _Windows:
    """Everything an order's size and timing depends on besides the reorder point."""
    sc, chosen, rp_arr, vel, n = it.sc, terms.chosen, it.rp, it.vel, it.n
    order_cost = (
        chosen["order_cost"].to_numpy(dtype=float) if "order_cost" in chosen else np.full(n, np.nan)
    )
    unit_cost = it.rec["unit_cost"].to_numpy(dtype=float)
    h_cost = it.hold * unit_cost
    use_eoq = ok & np.isfinite(order_cost) & np.isfinite(h_cost) & (h_cost > 0)
    q_cycle = vel * rp_arr
    if use_eoq.any():
        q_cycle[use_eoq] = economic_order_quantity(
            vel[use_eoq] * 365.0, order_cost[use_eoq], h_cost[use_eoq]
        )
    as_off = int((as_of_ts - sc.dates[0]).days)
    arr_off = as_off + np.ceil(np.nan_to_num(terms.lt_mean) - 1e-9).astype(np.int64)
    # open orders due by this order's arrival (what a time-phased trigger may count on)
    rec_of_row = pd.Index(it.ids).get_indexer(sc.item_ids)
    po_rec = rec_of_row[sc.po_row]
    in_time = sc.po_offset <= arr_off[po_rec]
    ip_in_time = np.where(it.comp, it.summary["available_units"].to_numpy(dtype=float), np.nan)
    np.add.at(ip_in_time, po_rec[in_time], sc.po_units[in_time])
    moq = chosen["moq_units"].to_numpy(dtype=float) if "moq_units" in chosen else None
    pack = chosen["pack_units"].to_numpy(dtype=float) if "pack_units" in chosen else None
    if pack is not None:
        pack = np.where(pack > 0, pack, np.nan)
    p_on_new, scale_new = new_order_lateness(sc, chosen, terms.lt_sd)
    # risk window: from today to the day before the *next* order (placed after one review
    # period) can arrive, i.e. days as_of .. as_of + ceil(L + R) - 1
    end_off = as_off + np.ceil(np.nan_to_num(terms.lt_mean) + rp_arr - 1e-9).astype(np.int64) - 1
    end_off = np.maximum(end_off, 0)
    return _Windows(
        q_cycle=q_cycle,
        next_review=(as_of_ts + pd.to_timedelta(np.ceil(rp_arr - 1e-9), unit="D")).to_numpy(),
        as_off=as_off,
        arr_off=arr_off,
        rec_of_row=rec_of_row,
        ip_in_time=ip_in_time,
        max_units=max_units(sup, it.rec.index),
        moq=moq,
        pack=pack,
        p_on_new=p_on_new,
        scale_new=scale_new,
        end_idx=np.minimum(np.searchsorted(sc.bounds, end_off, side="right") - 1, sc.horizon - 1),
        capped=end_off >= sc.bounds[-1],
    )


def _reorder_points(
    it: Items, terms: Terms, ok: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Lead-time draws per path; normal reorder points where the interval outruns the paths.

    Returns ``s`` (NaN where the empirical one is computed later, on the paths), the
    method per item, which items fit the horizon and the protection intervals (periods).
    """
    sc, n = it.sc, it.n
    ok_rows = np.flatnonzero(ok)
    s_pt = np.full(n, np.nan)
    method = np.full(n, "", dtype=object)
    fits = np.zeros(n, dtype=bool)
    interval: np.ndarray = np.zeros((0, sc.n_paths))
    if not ok_rows.size:
        return s_pt, method, fits, interval
    dpp = {"D": 1.0, "W": 7.0, "M": 365.25 / 12.0}[sc.freq]
    lt_draw = _lead_time_draws(sc, it.fpos[ok_rows], terms.lt_mean[ok_rows], terms.lt_sd[ok_rows])
    interval = (lt_draw + it.rp[ok_rows, None]) / dpp  # protection interval, periods
    fits[ok_rows] = (interval <= sc.horizon).all(axis=1)
    nrm = ok_rows[~fits[ok_rows]]
    if nrm.size:
        m_d, sd_d = daily_moments(sc, it.fpos[nrm])
        s_pt[nrm] = reorder_point(
            m_d,
            sd_d,
            terms.lt_mean[nrm],
            service_level=it.sl[nrm],
            lead_time_sd=terms.lt_sd[nrm],
            review_period=it.rp[nrm],
        )
        method[nrm] = "normal"
    method[ok_rows[fits[ok_rows]]] = "empirical"
    return s_pt, method, fits, interval


@dataclass
class _Plan:
    """Per item: reorder point and order-up-to level used, units, triggers, what-if run."""

    s_pt: np.ndarray
    big_s: np.ndarray
    units: np.ndarray
    wanted: np.ndarray
    by_rop: np.ndarray
    by_date: np.ndarray
    p_with: np.ndarray
    d_with: np.ndarray
    ltd_mean: np.ndarray  # mean demand over the protection interval (units)
    esc: np.ndarray  # expected units short per cycle at the reorder point used


def _plan_orders(
    it: Items,
    terms: Terms,
    win: _Windows,
    pol: PolicyParameters,
    ok: np.ndarray,
    obd: np.ndarray,
    *,
    s_pt: np.ndarray,
    fits: np.ndarray,
    interval: np.ndarray,
    types: np.ndarray,
    costs: pd.DataFrame,
) -> _Plan:
    """Per chunk of paths: empirical reorder points, quantities and the what-if run.

    All on the same demand paths as the stockout forecast (drawn once here).
    """
    sc, n = it.sc, it.n
    ok_rows = np.flatnonzero(ok)
    plan = _Plan(
        s_pt=s_pt,
        big_s=np.full(n, np.nan),
        units=np.zeros(n),
        wanted=np.zeros(n),
        by_rop=np.zeros(n, dtype=bool),
        by_date=np.zeros(n, dtype=bool),
        p_with=np.full(n, np.nan),
        d_with=np.full(n, np.datetime64("NaT"), dtype="datetime64[ns]"),
        ltd_mean=np.full(n, np.nan),
        esc=np.full(n, np.nan),
    )
    lots = time_phased_lots(it, win, costs, types, ok)
    need = math.ceil(0.5 * sc.n_paths - 1e-9)
    buffers = work_buffers()
    for chunk in item_chunks(sc, it.rows[ok_rows]):
        k = win.rec_of_row[chunk.rows]
        src, at = path_rows(sc, chunk)  # src[at]: the chunk's paths (a view where kept)
        emp = fits[k]
        ltd = np.zeros((0, sc.n_paths))
        if emp.any():
            iv = interval[np.searchsorted(ok_rows, k[emp])]
            ltd = lead_time_demand_samples(src[at[emp], :, : periods_reached(iv, sc.horizon)], iv)
            s_pt[k[emp]] = empirical_reorder_point(ltd, service_level=it.sl[k[emp]])
        raw = _order_quantities(it, win, pol, plan, obd, k, types, lots)
        if emp.any():  # the lead-time demand at the reorder point used (for the cost)
            ke = k[emp]
            plan.ltd_mean[ke] = ltd.mean(axis=1)
            plan.esc[ke] = np.maximum(ltd - plan.s_pt[ke, None], 0.0).mean(axis=1)
        plan.units[k] = np.minimum(
            round_order_quantity(
                raw,
                None if win.moq is None else win.moq[k],
                None if win.pack is None else win.pack[k],
                rounding="up",
            ),
            win.max_units[k],
        )
        plan.wanted[k] = np.where(raw > 0, raw, 0.0)
        sel = np.flatnonzero(plan.units[k] > 0)
        if sel.size:
            ko = k[sel]
            sc2 = with_orders(
                sc,
                chunk.rows[sel],
                win.arr_off[ko],
                plan.units[ko],
                None if win.p_on_new is None else win.p_on_new[ko],
                None if win.scale_new is None else win.scale_new[ko],
            )
            first = run_chunk(sc2, chunk.subset(sel), paths=src[at[sel]], buffers=buffers).first
            plan.p_with[ko] = (first <= win.end_idx[ko, None]).mean(axis=1)
            cnt = _paths_out_by(first, sc.horizon)
            reached = cnt[:, -1] >= need
            plan.d_with[ko[reached]] = sc.dates[np.argmax(cnt >= need, axis=1)[reached]].to_numpy()
    return plan


def _order_quantities(
    it: Items,
    win: _Windows,
    pol: PolicyParameters,
    plan: _Plan,
    obd: np.ndarray,
    k: np.ndarray,
    types: np.ndarray,
    lots: np.ndarray,
) -> np.ndarray:
    """Units wanted (before rounding) for items ``k`` under the policy, and its triggers.

    The reorder point is the policy's where given, else the one set from the forecast;
    an order is triggered when IP <= s, or by the order-by date falling before the next
    review (then only open orders arriving in time count).
    """
    s_k = np.where(np.isfinite(pol.reorder_point[k]), pol.reorder_point[k], plan.s_pt[k])
    s_k = np.where(it.hold_nothing[k] & ~np.isfinite(pol.reorder_point[k]), -1.0, s_k)
    if pol.kind == "RsS" and (types[k] != "").any():
        return quantities_by_type(it, win, plan, obd, k, s_k, types[k], lots[k])
    if pol.kind == "RS":
        big_s = s_k  # order up to S at every review: s = S
    elif pol.kind == "RsS":
        big_s = np.where(np.isfinite(pol.order_up_to[k]), pol.order_up_to[k], s_k + win.q_cycle[k])
    else:
        q = np.where(np.isfinite(pol.order_quantity[k]), pol.order_quantity[k], win.q_cycle[k])
        big_s = s_k + q
    plan.s_pt[k] = s_k
    plan.big_s[k] = big_s
    ip = it.ip[k]
    plan.by_rop[k] = ip <= s_k
    plan.by_date[k] = (
        ~plan.by_rop[k] & pd.notna(obd[k]) & (obd[k] < win.next_review[k]) & ~it.hold_nothing[k]
    )
    if pol.kind == "sQ":
        return np.where(
            plan.by_rop[k],
            _multiples(s_k - ip, q, pol.multiples),
            np.where(plan.by_date[k], _multiples(s_k - win.ip_in_time[k], q, pol.multiples), 0.0),
        )
    return np.where(
        plan.by_rop[k],
        big_s - ip,
        np.where(plan.by_date[k], big_s - win.ip_in_time[k], 0.0),
    )


def _paths_out_by(first: np.ndarray, horizon: int) -> np.ndarray:
    """(items, horizon) count of paths whose first stockout period is <= t, per period t.

    ``first`` (items, paths) holds periods ``0..horizon`` (``horizon``: none): a count per
    period, summed up (the same integers as comparing every period in turn).
    """
    n = first.shape[0]
    flat = (np.arange(n)[:, None] * (horizon + 1) + first).ravel()
    hist = np.bincount(flat, minlength=n * (horizon + 1)).reshape(n, horizon + 1)
    return np.cumsum(hist[:, :horizon], axis=1)


def _multiples(gap: np.ndarray, q: np.ndarray, multiples: bool) -> np.ndarray:
    """``n Q``: the smallest multiple lifting the position above ``s`` (one ``Q`` if not)."""
    if not multiples:
        return q.copy()
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.maximum(np.floor(gap / q) + 1.0, 1.0) * q


def _lead_time_draws(
    sc: Scenario, fpos: np.ndarray, mean: np.ndarray, sd: np.ndarray
) -> np.ndarray:
    """One lead time per path for each item (rows ``fpos`` of the forecast).

    Row ``r`` of seed block ``b`` draws from ``SeedSequence(entropy, spawn_key=(2, b, r))``,
    so an item's draws depend on its own row only: not on the chunk it is simulated in, nor
    on which other items are recommended with it (a service re-planning a few items gets
    the full plan's draws). Items with a known lead time (no spread) draw nothing.
    """
    mean = np.asarray(mean, dtype=float)
    sd = np.asarray(sd, dtype=float)
    spread = (np.nan_to_num(sd) > 0) & (mean > 0)
    # the known lead times, and the checks of sample_lead_times on every item
    out = sample_lead_times(mean, np.where(spread, 0.0, sd), size=sc.n_paths, random_state=0)
    for k in np.flatnonzero(spread):
        block, row = divmod(int(fpos[k]), SEED_BLOCK_ITEMS)
        key = (2, block + sc.block_offset, row)
        rng = np.random.default_rng(np.random.SeedSequence(sc.entropy, spawn_key=key))
        out[k] = sample_lead_times(mean[k], sd[k], size=sc.n_paths, random_state=rng)[0]
    return out

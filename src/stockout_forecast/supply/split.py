"""One item's order split across its suppliers, and the cost model every split shares.

:func:`split_order` chooses, for one item, the units to buy from each of its suppliers by a
mixed-integer program (scipy's HiGHS) that minimises purchase cost + fixed order cost +
expected shortage cost, where the expected shortage comes from each supplier's lead-time
distribution (and its on-time and fill rates) set against the item's stockout-date
distribution. Rule-based modes (``"priority"``, ``"quota"``, ``"dual"``) reproduce what
planners do today. :func:`~stockout_forecast.supply.purchase_orders.plan_purchase_orders`
does the same for many items at once and gathers the lines into one draft purchase order
per supplier, honouring supplier-level minimum order values and capacities.

Where the parts live: the problem as arrays in :mod:`._problem`, the supplier terms in
:mod:`._supplier_terms`, the solvers in :mod:`.solvers`, the per-supplier lines and their
reasons in :mod:`.explain`, the result objects in :mod:`.results`.

The cost model (shared by every mode, so their costs compare)
-------------------------------------------------------------
The order of ``N`` units is consumed from the day the item runs out, ``tau`` (random, with
``P(tau <= t)`` from the policy layer), at ``d`` units/day. It is cut into ``J`` consecutive
*need buckets* of ``n_j`` units; bucket ``j`` is needed ``o_j = (units before it + n_j/2) / d``
days after ``tau``. A unit of bucket ``j`` bought from supplier ``s`` is *short* (lost or
backordered) when it never arrives (probability ``1 - f_s``, the supplier's fill rate) or
arrives after it is needed::

    e[s, j] = (1 - f_s) + f_s * sum_t P(tau = t) * P(A_s > t + o_j)

with ``A_s = ceil(L_s)`` the arrival day. ``L_s`` is gamma-distributed with the supplier's
mean and standard deviation (a point mass when the spread is 0); with the stated terms a
delivery is late with probability ``1 - on_time_rate`` and then arrives ``late_days`` later
(a two-point mixture). Each bucket is served by the suppliers ``z[s, j]`` (continuous) and
the split minimises::

    sum_s c_s x_s + F_s y_s + b * sum_{s,j} e[s, j] z[s, j]

over units ``x_s = pack_s * k_s`` (integer packs ``k_s``), order indicators ``y_s`` (binary),
subject to ``sum_s z[s, j] = n_j``, ``sum_j z[s, j] <= x_s``, ``N <= sum_s x_s <= N +
overshoot``, ``moq_s y_s <= x_s <= U_s y_s`` with ``U_s = min(capacity_s, max_share_s N,
N + overshoot)``, and ``x_s = 0`` for suppliers whose expected arrival is after the latest
useful arrival.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from .._utils import format_ids, renamed_parameters
from ..exceptions import InfeasibleError, SchemaError
from ._problem import Mode, _build, _check_common, _point_pmf, _stockout_pmf, _to_days
from ._supplier_terms import _supplier_table
from .explain import _lines
from .results import SupplierSplit
from .solvers.dispatch import _solve

__all__ = ["split_order"]


@renamed_parameters(demand_rate="demand_per_day", shortage_cost="backorder_cost_per_unit")
def split_order(
    units: float,
    suppliers: pd.DataFrame,
    *,
    item_id: str | None = None,
    stockout_cdf: Any = None,
    need_by: Any = None,
    demand_per_day: float | None = None,
    backorder_cost_per_unit: float = 0.0,
    mode: Mode = "optimal",
    max_share: float = 1.0,
    quotas: Mapping[str, float] | None = None,
    priority: list[str] | None = None,
    latest_arrival: Any = None,
    overshoot_units: float | None = None,
    stockout_quantile: float = 0.5,
    lead_times: pd.DataFrame | None = None,
    late_days: float = 7.0,
    n_buckets: int = 10,
    as_of: Any = None,
    time_limit: float | None = 10.0,
) -> SupplierSplit:
    """Split one item's order across its suppliers at the least expected total cost.

    Parameters
    ----------
    units : float
        Units to order (≥ 0), e.g. ``order_units`` from ``recommend_orders``.
    suppliers : DataFrame
        Item x supplier terms (the ``suppliers`` table) for this item: ``supplier_id``,
        ``unit_cost`` (currency/unit), ``lead_time_days``; optional ``lead_time_sd_days``
        (0 when missing), ``moq_units``, ``pack_units`` (1 when missing), ``capacity_units``
        (units per order), ``order_cost`` (currency per order), ``on_time_rate`` and
        ``fill_rate`` (fractions; 1 when missing), ``max_share`` (fraction, overrides the
        argument), ``priority`` (lower first, for ``mode="priority"``), ``quota`` (share,
        for ``mode="quota"``). ``item_id`` may be omitted.
    item_id : str, optional
        The item; required when ``suppliers`` holds several items.
    stockout_cdf : array-like, optional
        ``P(stockout by the end of day t)`` for ``t = 0, 1, ...`` days after ``as_of`` (a
        row of ``StockoutForecast.p_stockout``). Mass beyond the last day is placed on the
        day after it.
    need_by : float or date, optional
        A deterministic stockout day instead (days after ``as_of``, or a date).
    demand_per_day : float, optional
        Demand after the stockout, units/day; spreads the order's need over time. Without
        it every unit is needed on the stockout day. (Old name ``demand_rate``, accepted
        for one release.)
    backorder_cost_per_unit : float, default 0
        Cost of one unit short (lost or backordered), currency/unit, in the cost vocabulary
        of :mod:`~stockout_forecast.policy.costs`. 0 ignores timing and reliability
        (cheapest feasible split); the expected shortage is still reported. (Old name
        ``shortage_cost``, accepted for one release.)
    mode : {"optimal", "priority", "quota", "dual"}, default "optimal"
        ``"optimal"``: the MILP. ``"priority"``: fill suppliers in ``priority`` order.
        ``"quota"``: fixed shares. ``"dual"``: base-surge rule (see Notes).
    max_share : float, default 1
        Most any supplier may get, as a fraction of ``units`` in (0, 1] (diversification).
    quotas : mapping of supplier_id to fraction, optional
        Shares for ``mode="quota"``, adding up to 1 (else the ``quota`` column).
    priority : list of str, optional
        Supplier ids in the order to fill them for ``mode="priority"`` (else the
        ``priority`` column; else cheapest first, then fastest).
    latest_arrival : float or date, optional
        Latest useful arrival (days after ``as_of`` or a date): suppliers expected later
        get nothing.
    overshoot_units : float, optional
        How many units above ``units`` may be ordered to meet packs and MOQs. Default: the
        item's largest pack less one unit (``max(pack_units) - 1``, at least 0) plus what
        rounds a fractional ``units`` up to a whole unit, so that any order can be rounded
        up to whole packs; 0 asks for exactly ``units``.
    stockout_quantile : float, default 0.5
        Stockout-date quantile the ``"dual"`` rule plans against (0.5 = P50; 0.1 is more
        cautious).
    lead_times : DataFrame, optional
        :func:`~stockout_forecast.history.leadtime.lead_time_history` output: where ``source`` is
        ``"history"`` or ``"history+stated"`` its mean, spread, on-time and fill rates
        replace the stated terms.
    late_days : float, default 7
        Days a late delivery arrives after its on-time draw (stated terms only).
    n_buckets : int, default 10
        Need buckets the order is cut into.
    as_of : date, optional
        Order date, day 0 of every day count; needed to report dates.
    time_limit : float, optional
        Seconds HiGHS may spend (default 10).

    Returns
    -------
    SupplierSplit
        ``.lines`` has one row per supplier: ``item_id``, ``supplier_id``, ``units``,
        ``packs``, ``pack_units``, ``unit_cost``, ``purchase_cost``, ``order_cost``,
        ``expected_units_short``, ``expected_shortage_cost``, ``total_cost``, ``share`` (of
        ``units``), ``lead_time_mean_days``, ``expected_arrival_days`` (mean, late
        deliveries included), ``expected_arrival_date``, ``on_time_rate``, ``fill_rate``,
        ``status`` ("used", "not_used", "too_late") and ``reason``; ``.totals`` sums them.

    Raises
    ------
    InfeasibleError
        No split meets the constraints; the message names the binding constraint and the
        closest feasible orders below and above ``units``.
    SchemaError
        ``suppliers`` breaks the data contract.
    ValueError
        Bad arguments (unknown mode, ``backorder_cost_per_unit > 0`` without a stockout date...).

    Notes
    -----
    The model is described in the module docstring (:mod:`stockout_forecast.supply.split`):
    need buckets, per-unit expected shortage ``e[s, j] = (1 - f_s) + f_s P(A_s > tau +
    o_j)`` and the MILP over integer packs and binary order indicators.

    *Closed form.* For every subset of suppliers the bucket-by-bucket cheapest assignment
    plus the subset's order costs is a lower bound; when the best subset's assignment also
    respects packs, MOQs, capacities and shares, it is optimal and no MILP is run
    (``solver="closed_form"``).

    *Enumeration.* Otherwise, with up to three eligible suppliers, every split over one or
    two of them is enumerated by pack counts (for given amounts the bucket assignment of
    two suppliers is a two-source transportation problem, solved greedily); the cheapest is
    optimal when no split over three can cost less (a lower bound), and no MILP is run
    (``solver="enumeration"``). The rest are solved by the MILP (``solver="milp"``).

    *Priority*: each supplier in turn takes ``min(remaining, U_s)`` in whole packs (rounded up
    only within ``overshoot_units``), lifted to its MOQ if that fits, else skipped.
    *Quota*: ``quota_s · units`` rounded to the nearest pack; the largest-quota supplier
    absorbs the rounding; a share that breaks an MOQ or a capacity is an error (the rule is
    the planner's, it is not bent).
    *Dual (base-surge)*: the regular supplier is the cheapest eligible one, the fast one the
    earliest expected. If the regular supplier's expected arrival ``L_r`` is after the
    stockout quantile ``tau_q``, the fast supplier gets the gap demand
    ``min(d (L_r - tau_q), units)`` (rounded up to its pack, at least its MOQ) and the regular
    supplier the rest. It is the expedite part of a dual-index policy with the expedite
    target set to the demand over the lead-time gap [VSW]_, [AvM]_.

    Reliability: a fill rate ``f < 1`` makes ``1 - f`` of a supplier's units short for
    certain; an on-time rate ``r < 1`` moves ``1 - r`` of the arrival distribution
    ``late_days`` later (stated terms; empirical spreads already include late deliveries).
    Both raise the expected shortage of that supplier's units, most for the early buckets,
    so the MILP moves the urgent part of the order to reliable suppliers.

    References
    ----------
    .. [VSW] Veeraraghavan, S. & Scheller-Wolf, A. (2008). Now or later: a simple policy for
       effective dual sourcing in capacitated systems. *Operations Research* 56(4), 850-864.
    .. [AvM] Allon, G. & Van Mieghem, J. A. (2010). Global dual sourcing: tailored base-surge
       allocation to near- and offshore production. *Management Science* 56(1), 110-124.
    .. [SPT] Silver, Pyke & Thomas (2017), *Inventory and Production Management in Supply
       Chains*, 4th ed., ch. 6 (lead-time variability) and ch. 10 (supplier selection).

    Examples
    --------
    Greedy cheapest-first would buy all 80 units from S1 but its MOQ is 100:

    >>> import pandas as pd
    >>> sup = pd.DataFrame({"supplier_id": ["S1", "S2"], "unit_cost": [1.0, 1.2],
    ...                     "lead_time_days": [10, 10], "moq_units": [100, 0]})
    >>> split_order(80, sup).lines[["supplier_id", "units", "total_cost"]]
      supplier_id  units  total_cost
    0          S1    0.0         0.0
    1          S2   80.0        96.0
    """
    _check_common(mode, max_share, stockout_quantile, late_days, n_buckets)
    shortage_cost, demand_rate = backorder_cost_per_unit, demand_per_day
    N = _check_units(units, shortage_cost, overshoot_units)
    as_of_ts = pd.Timestamp(as_of).normalize() if as_of is not None else None
    sup_in, item_id = _item_suppliers(suppliers, item_id)
    sup = _supplier_table(sup_in, lead_times, max_share=max_share, late_days=late_days)
    sup = _apply_rule_terms(sup, item_id, mode=mode, quotas=quotas, priority=priority)
    tau, has = _stockout_distribution(
        stockout_cdf, need_by, as_of_ts, shortage_cost=shortage_cost, mode=mode
    )
    if demand_rate is not None and (not np.isfinite(demand_rate) or demand_rate <= 0):
        raise ValueError(f"demand_per_day must be > 0 units/day; got {demand_rate!r}.")
    orders = _order_row(
        item_id,
        N,
        overshoot_units=overshoot_units,
        shortage_cost=shortage_cost,
        demand_rate=demand_rate,
        latest_arrival=latest_arrival,
        as_of=as_of_ts,
    )
    a = _build(orders, sup, tau, has, n_buckets=n_buckets, late_days=late_days)
    active = np.array([N > 0])
    x, z, solver, problem, extra = _solve(
        a, mode, stockout_quantile=stockout_quantile, time_limit=time_limit, active=active
    )
    if problem[0]:
        _raise_problem(str(problem[0]))
    lines = _lines(a, x, z, as_of_ts, mode, np.array([True]), extra)
    return SupplierSplit(
        item_id=str(item_id),
        units=N,
        mode=mode,
        lines=lines,
        solver=str(solver[0]) if N > 0 else "none",
        as_of=as_of_ts,
    )


def _check_units(units: Any, shortage_cost: float, overshoot_units: float | None) -> float:
    """The order's units as a float, after checking it and the per-unit arguments."""
    try:
        N = float(units)
    except (TypeError, ValueError) as err:
        raise ValueError(f"units must be a number of units; got {units!r}.") from err
    if not np.isfinite(N) or N < 0:
        raise ValueError(f"units must be a finite number >= 0; got {units!r}.")
    if not np.isfinite(shortage_cost) or shortage_cost < 0:
        raise ValueError(
            f"backorder_cost_per_unit must be >= 0 (currency per unit short); got {shortage_cost!r}."
        )
    if overshoot_units is not None and (not np.isfinite(overshoot_units) or overshoot_units < 0):
        raise ValueError(f"overshoot_units must be >= 0; got {overshoot_units!r}.")
    return N


def _item_suppliers(suppliers: Any, item_id: str | None) -> tuple[pd.DataFrame, str]:
    """The supplier rows of the one item to split, and that item's id."""
    if not isinstance(suppliers, pd.DataFrame):
        raise TypeError(f"suppliers must be a pandas DataFrame; got {type(suppliers).__name__}.")
    sup_in = suppliers
    if "item_id" not in sup_in.columns:
        sup_in = sup_in.assign(item_id=item_id if item_id is not None else "item")
    ids = sup_in["item_id"].astype(str).unique()
    if item_id is None:
        if len(ids) > 1:
            raise ValueError(
                f"suppliers holds {format_ids(ids)} items; pass item_id=... to choose one "
                f"(or use plan_purchase_orders for many items)."
            )
        item_id = str(ids[0]) if len(ids) else "item"
    sup_in = sup_in.loc[sup_in["item_id"].astype(str) == str(item_id)]
    if not len(sup_in):
        raise SchemaError(
            f"suppliers has no rows for item {item_id!r}; found items {format_ids(ids)}."
        )
    return sup_in, item_id


def _apply_rule_terms(
    sup: pd.DataFrame,
    item_id: str,
    *,
    mode: str,
    quotas: Mapping[str, float] | None,
    priority: list[str] | None,
) -> pd.DataFrame:
    """The ``quotas`` and ``priority`` arguments written into the supplier table."""
    if quotas is not None:
        unknown = sorted(set(map(str, quotas)) - set(sup["supplier_id"]))
        if unknown:
            raise ValueError(
                f"quotas name suppliers {unknown} not offered for item {item_id!r}; known: {sorted(sup['supplier_id'])}."
            )
        sup["quota"] = (
            sup["supplier_id"].map({str(k): float(v) for k, v in quotas.items()}).fillna(0.0)
        )
    if priority is not None:
        rank = {str(s): k for k, s in enumerate(priority)}
        sup["priority"] = sup["supplier_id"].map(rank).astype(float)
    if mode == "quota" and sup["quota"].isna().all():
        raise ValueError(
            "mode='quota' needs quotas={supplier_id: share, ...} or a quota column in suppliers."
        )
    return sup


def _stockout_distribution(
    stockout_cdf: Any,
    need_by: Any,
    as_of: pd.Timestamp | None,
    *,
    shortage_cost: float,
    mode: str,
) -> tuple[np.ndarray, np.ndarray]:
    """The stockout-day pmf (1, T) from a cdf or a fixed day, and whether there is one."""
    if stockout_cdf is not None and need_by is not None:
        raise ValueError(
            "Pass either stockout_cdf (a distribution) or need_by (a fixed day), not both."
        )
    if stockout_cdf is not None:
        cdf = np.asarray(stockout_cdf, dtype=float).reshape(1, -1)
        if cdf.shape[1] == 0 or np.isnan(cdf).any() or (cdf < 0).any() or (cdf > 1).any():
            raise ValueError(
                "stockout_cdf must be probabilities in [0, 1], one per day, without NaN."
            )
        if (np.diff(cdf[0]) < -1e-9).any():
            raise ValueError(
                "stockout_cdf must be non-decreasing: it is P(stockout by the end of day t)."
            )
        tau = _stockout_pmf(cdf, np.arange(cdf.shape[1]))
        has = np.array([True])
    elif need_by is not None:
        tau = _point_pmf(np.array([_to_days(need_by, as_of, "need_by")]))
        has = np.array([True])
    else:
        tau = np.zeros((1, 2))
        has = np.array([False])
        if shortage_cost > 0:
            raise ValueError(
                "backorder_cost_per_unit > 0 needs the item's stockout date: pass stockout_cdf=... (a row "
                "of StockoutForecast.p_stockout) or need_by=... (days or a date)."
            )
    if mode == "dual" and not has[0]:
        raise ValueError(
            "mode='dual' needs stockout_cdf=... or need_by=... (it plans against the stockout date)."
        )
    return tau, has


def _order_row(
    item_id: str,
    units: float,
    *,
    overshoot_units: float | None,
    shortage_cost: float,
    demand_rate: float | None,
    latest_arrival: Any,
    as_of: pd.Timestamp | None,
) -> pd.DataFrame:
    """The one-row orders table :func:`~._problem._build` reads."""
    return pd.DataFrame(
        {
            "item_id": [str(item_id)],
            "units": [units],
            "overshoot_units": [np.nan if overshoot_units is None else float(overshoot_units)],
            "shortage_cost": [float(shortage_cost)],
            "demand_units_per_day": [np.nan if demand_rate is None else float(demand_rate)],
            "latest_arrival_day": [
                np.inf
                if latest_arrival is None
                else _to_days(latest_arrival, as_of, "latest_arrival")
            ],
        }
    )


def _raise_problem(message: str) -> None:
    """Raise the error a solver's problem message stands for."""
    if message.startswith("quotas for item"):
        raise ValueError(message)
    if message.startswith("HiGHS found no split"):
        raise RuntimeError(message)
    raise InfeasibleError(message)

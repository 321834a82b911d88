"""Replay a reorder policy on demand, period by period: how a policy is judged.

:func:`simulate_policy` runs an (s, Q), (s, S), (R, s, S) or (R, S) policy (a policy object
of :mod:`.policies`, or per-item columns) over a demand series (held-out
history, or simulated paths) for all items at once: numpy over the item axis, a Python loop
over time only. It reports what the policy actually delivered — fill rate in units, cycle
service level, stockout periods, average stock on hand, orders placed and costs — per item
and pooled, in a :class:`PolicyReplay`.

:func:`~stockout_forecast.simulated_reorder_point` (:mod:`.simulated`) uses the same engine
(:mod:`._replay_kernel`) on demand sample paths to find, per item,
the smallest reorder point whose simulated fill rate (or cycle service level) reaches a
target: the reorder point then accounts for periodic review, undershoot of the reorder point
by lumpy demand, MOQ / pack rounding and lead-time uncertainty without any distributional
formula. :func:`~stockout_forecast.bootstrap_demand_paths` provides such paths straight from each item's own
history (with an empirical-Bayes donor pool for items with almost no recent demand).

Timeline of one period ``t`` (the conventions every replay uses)
------------------------------------------------------------------
1. **Receipts** due in period ``t`` arrive at the *start* of the period and serve its demand
   (with backorders, they first clear the backlog, oldest first).
2. **Demand** of period ``t`` is served from stock on hand; what cannot be served is
   backordered (``backorders=True``) or lost. Special orders (``special_orders`` mask) are
   sourced on demand: they are not served from stock and are reported separately.
3. **Review** at the *end* of period ``t`` when ``(t + 1) % review_period == 0``: the
   inventory position ``IP = on hand + on order - backorders`` is compared with the reorder
   point ``s``; an order is placed when ``IP ≤ s`` (``trigger="<="``) or ``IP < s``
   (``trigger="<"``).
4. An order placed at the end of period ``t`` with a lead time of ``L`` periods arrives at the
   start of period ``t + 1 + ⌈L⌉`` (``lead_time_rounding="up"``, the default: goods are usable
   from the first period start after they arrive) or ``t + 1 + round(L)`` (``"nearest"``).
   So ``L = 0`` means "available next period".
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd

from .._utils import RandomStateLike, check_random_state
from ..history.panel import DemandHistory
from ._replay_inputs import _costs, _demand_matrix, _lead_times, _per_item, _policy_arrays
from ._replay_kernel import replay_kernel
from .policies import ReorderPolicy, is_policy, replay_review

__all__ = ["PolicyReplay", "simulate_policy"]


# --------------------------------------------------------------------------- result
@dataclass(frozen=True, repr=False, eq=False)
class PolicyReplay:
    """What a reorder policy delivered when replayed on a demand series.

    Attributes
    ----------
    item_ids : numpy.ndarray of str, shape (n_items,)
        Items, in the order of the demand input.
    periods : pandas.Index, shape (n_periods,)
        Period labels of the replay (dates, or 0..T-1 for bare arrays).
    items : pandas.DataFrame
        One row per item (see :meth:`to_frame` for the columns).
    pooled : dict of str to float
        Totals and unit-weighted rates over all items (see :meth:`to_frame`'s notes).
    on_hand : numpy.ndarray, shape (n_items, n_periods)
        Units on hand at the end of each period.
    orders : numpy.ndarray, shape (n_items, n_periods)
        Units ordered at the end of each period (0 where none).
    reorder_point : numpy.ndarray, shape (n_items,)
        The policy's reorder point per item at the start of the replay.
    settings : dict
        The replay conventions used (backorders, trigger, review period, rounding,
        ``replan_every``).
    replans : pandas.DataFrame or None
        With rolling re-planning: one row per item and re-plan, columns ``period`` (label of
        the period at whose end the plan was made: its demand is the last one seen, its
        review is the first to use the plan), ``item_id``, ``reorder_point``,
        ``order_quantity``, ``order_up_to``; None without re-planning.
    reorder_point_path : numpy.ndarray, shape (n_items, n_periods), or None
        Reorder point in force at each period's review.

    Examples
    --------
    Start at s + Q = 5: on hand 3, then 1 (order 4, arriving next period), then 1 + 4 - 2 = 3.

    >>> res = simulate_policy(np.array([[2.0, 2.0, 2.0]]), {"reorder_point": [1.0],
    ...                       "order_quantity": [4.0]}, 0, item_ids=["A"])
    >>> res.to_frame()[["item_id", "fill_rate", "orders_placed", "avg_on_hand_units"]]
      item_id  fill_rate  orders_placed  avg_on_hand_units
    0       A        1.0              1           2.333333
    """

    item_ids: np.ndarray
    periods: pd.Index
    items: pd.DataFrame
    pooled: dict[str, float]
    on_hand: np.ndarray
    orders: np.ndarray
    reorder_point: np.ndarray
    settings: dict[str, Any] = field(default_factory=dict)
    replans: pd.DataFrame | None = None
    reorder_point_path: np.ndarray | None = None

    def to_frame(self) -> pd.DataFrame:
        """Per-item results, one row per item.

        Columns: ``item_id``; ``demand_units`` (stocked demand, special orders excluded);
        ``filled_units`` (served from stock in the period demanded); ``fill_rate``
        (filled / demand, NaN without demand); ``units_short``; ``stockout_periods``
        (periods with unmet demand); ``cycles`` (replenishment cycles completed, i.e.
        receipts); ``stockout_cycles``; ``cycle_service_level`` (share of completed cycles
        without a shortage, NaN without a receipt); ``avg_on_hand_units`` (mean end-of-period
        on hand); ``avg_on_hand_value`` (× ``unit_cost``); ``orders_placed``;
        ``units_ordered``; ``backordered_units_end``; ``holding_cost``; ``ordering_cost``;
        ``shortage_cost``; ``total_cost``; ``special_order_units``; ``special_orders``
        (periods with a special order); ``status`` and ``reason``.
        """
        return self.items.copy()

    def to_dict(self) -> dict[str, Any]:
        """JSON-able dict: ``items`` (list of records), ``pooled`` and ``settings``."""
        items = self.items.astype(object).where(self.items.notna(), None)
        records = [
            {k: (float(v) if isinstance(v, (np.floating, float)) else v) for k, v in r.items()}
            for r in items.to_dict(orient="records")
        ]
        for r in records:
            for k, v in r.items():
                if isinstance(v, (np.integer,)):
                    r[k] = int(v)
        pooled = {
            k: (None if v is None or (isinstance(v, float) and np.isnan(v)) else float(v))
            for k, v in self.pooled.items()
        }
        out: dict[str, Any] = {
            "items": records,
            "pooled": pooled,
            "settings": dict(self.settings),
        }
        if self.replans is not None:
            rp = self.replans.astype(object).where(self.replans.notna(), None)
            out["replans"] = [
                {
                    k: (
                        v.isoformat()
                        if isinstance(v, pd.Timestamp)
                        else float(v)
                        if isinstance(v, (np.floating, float))
                        else int(v)
                        if isinstance(v, np.integer)
                        else v
                    )
                    for k, v in r.items()
                }
                for r in rp.to_dict(orient="records")
            ]
        return out

    def plot(self, ax: Any = None, items: Sequence[Any] | None = None) -> Any:
        """On-hand stock over the replay for a few items, with their reorder points.

        Parameters
        ----------
        ax : matplotlib Axes, optional
            Axes to draw on; a new figure is made when omitted.
        items : sequence of item ids, optional
            Items to show (default: the five with the most demand).

        Returns
        -------
        matplotlib.axes.Axes
        """
        import matplotlib.pyplot as plt

        if ax is None:
            _, ax = plt.subplots(figsize=(8, 4))
        if items is None:
            order = np.argsort(-self.items["demand_units"].to_numpy(dtype=float), kind="stable")
            pos = order[: min(5, len(order))]
        else:
            lookup = {str(i): k for k, i in enumerate(self.item_ids)}
            missing = [i for i in items if str(i) not in lookup]
            if missing:
                raise KeyError(f"Items not in the replay: {missing[:5]}.")
            pos = np.array([lookup[str(i)] for i in items], dtype=int)
        x = (
            np.arange(len(self.periods))
            if not isinstance(self.periods, pd.DatetimeIndex)
            else self.periods
        )
        for k in pos:
            (line,) = ax.step(x, self.on_hand[k], where="post", label=str(self.item_ids[k]))
            if self.replans is not None and self.reorder_point_path is not None:
                ax.step(
                    x,
                    self.reorder_point_path[k],
                    where="post",
                    color=line.get_color(),
                    ls=":",
                    lw=1,
                )
            elif np.isfinite(self.reorder_point[k]):
                ax.axhline(self.reorder_point[k], color=line.get_color(), ls=":", lw=1)
        ax.set_ylabel("units on hand (end of period)")
        ax.set_title(
            f"Policy replay: fill rate {self.pooled['fill_rate']:.1%} pooled; "
            "dotted = reorder point"
        )
        ax.legend(title="item", fontsize="small")
        return ax

    def __repr__(self) -> str:
        p = self.pooled
        mode = "backorders" if self.settings.get("backorders", True) else "lost sales"
        return (
            f"<PolicyReplay: {len(self.item_ids):,} items x {len(self.periods):,} periods, "
            f"{mode}; fill rate {p['fill_rate']:.1%} pooled / {p['fill_rate_item_mean']:.1%} "
            f"item mean, avg on hand {p['avg_on_hand_units']:,.0f} units, "
            f"{int(p['orders_placed']):,} orders>"
        )

    def _repr_html_(self) -> str:
        from html import escape

        rows = "".join(
            f"<tr><td>{escape(k)}</td><td>{'' if v is None or (isinstance(v, float) and np.isnan(v)) else f'{v:,.4g}'}</td></tr>"
            for k, v in self.pooled.items()
        )
        return (
            f"<div><b>PolicyReplay</b> {escape(repr(self)[14:-1])}"
            f"<table><tr><th>pooled</th><th>value</th></tr>{rows}</table></div>"
        )


# --------------------------------------------------------------------------- replay
def simulate_policy(
    demand: np.ndarray | pd.DataFrame | DemandHistory,
    policy: ReorderPolicy | pd.DataFrame | Mapping[str, Any],
    lead_times: float | np.ndarray | pd.Series | pd.DataFrame,
    *,
    initial_on_hand: float | np.ndarray | pd.Series | None = None,
    backorders: bool = True,
    review_period: int = 1,
    costs: pd.DataFrame | Mapping[str, Any] | None = None,
    special_orders: np.ndarray | pd.DataFrame | None = None,
    trigger: Literal["<=", "<"] = "<=",
    order_multiples: bool = True,
    lead_time_rounding: Literal["up", "nearest"] = "up",
    item_ids: Sequence[Any] | None = None,
    random_state: RandomStateLike = None,
    replan: Callable[[np.ndarray, int], pd.DataFrame | Mapping[str, Any]] | None = None,
    replan_every: int | None = None,
    history: np.ndarray | pd.DataFrame | None = None,
) -> PolicyReplay:
    """Replay a reorder policy period by period on a demand series, for all items at once.

    Parameters
    ----------
    demand : ndarray (n_items, n_periods), DataFrame or DemandHistory
        Demand per period, units. A wide DataFrame has one row per item (index = item_id)
        and one column per period; a long DataFrame has columns ``item_id``, ``date``,
        ``units`` (periods = the distinct dates); a DemandHistory uses ``units`` with NaN
        (not yet listed) as 0.
    policy : ContinuousReview, PeriodicReview, PeriodicReorderPoint, DataFrame or mapping
        A policy object (:mod:`~stockout_forecast.policy.policies`) with its parameters
        given; its ``review_period`` (and, for ``ContinuousReview``, ``multiples``) set the
        replay's ``review_period`` (and ``order_multiples``). Or per item: ``reorder_point`` (s, units of inventory position) and either
        ``order_quantity`` (Q: an (s, Q) policy) or ``order_up_to`` (S: an (s, S) policy;
        with ``reorder_point = order_up_to`` or no reorder point, an (R, S) policy);
        optional ``moq_units`` and ``pack_units`` (orders are rounded *up* to a pack multiple
        and lifted to the MOQ). A DataFrame is indexed by ``item_id`` (or has that column);
        items missing from it never reorder and are flagged. ``order_quantity = 0`` means
        "no order" (what :func:`~stockout_forecast.policy.quantities.round_order_quantity`
        returns for a wanted quantity of 0): that item never reorders either.
    lead_times : float, array (n_items,), Series, 2-D array or DataFrame
        Lead time in **periods** (days / 30.44 for monthly demand). A number, array or
        Series (by item_id) is fixed; a 2-D array (n_items, k) of lead-time samples draws one
        at random per order; a DataFrame with ``lead_time_mean`` and ``lead_time_sd``
        (periods) draws per order from a gamma distribution with that mean and standard
        deviation. Draws use ``random_state``; orders may cross.
    initial_on_hand : float, array or Series, optional
        Units on hand at the start, nothing on order. Default: ``s + Q`` for (s, Q) items and
        ``S`` for order-up-to items (a full cycle), 0 for items without a policy.
    backorders : bool, default True
        True: unmet demand is backordered and served first from later receipts. False: it is
        lost.
    review_period : int, default 1
        Periods between reviews (1 = every period).
    costs : DataFrame or mapping, optional
        Per item (or one value for all), in the cost vocabulary of
        :mod:`~stockout_forecast.policy.costs`: ``unit_cost`` (currency/unit, for the stock
        value), ``holding_cost_per_unit_period`` (currency per unit on hand at the end of a
        period of the demand's frequency), ``order_cost`` (per order placed),
        ``backorder_cost_per_unit`` (per unit not filled from stock when demanded; with
        ``backorders=False`` it may be called ``lost_sale_cost_per_unit``). Missing costs
        count as 0; a missing ``unit_cost`` gives NaN stock value. The old names
        ``holding_cost`` and ``shortage_cost`` still work for one release (with a
        ``DeprecationWarning``).
    special_orders : bool ndarray or DataFrame, same shape as demand, optional
        Item-periods whose demand is a special order sourced on demand
        (:func:`~stockout_forecast.policy.quantities.flag_special_orders`): not served from stock, not
        counted in the fill rate, reported in ``special_order_units``.
    trigger : {"<=", "<"}, default "<="
        Order when the inventory position is ≤ s, or < s.
    order_multiples : bool, default True
        For (s, Q) items, order the smallest multiple ``n Q`` that lifts the inventory
        position back above ``s`` (an (s, nQ) policy); False orders exactly one ``Q``.
    lead_time_rounding : {"up", "nearest"}, default "up"
        How a fractional lead time maps to whole periods (see the module timeline).
    item_ids : sequence, optional
        Labels for a bare ndarray ``demand``.
    random_state : int, Generator or None
        Seed for random lead times (only used with random lead times).
    replan : callable, optional
        Rolling re-planning, as a planner does: ``replan(observed, t)`` returns a new policy
        (same formats as ``policy``; its ``reorder_point`` / ``order_quantity`` /
        ``order_up_to`` replace the old ones, MOQ and pack stay those of ``policy``).
        ``observed`` is a fresh float array (n_items, n_history + t): ``history`` followed
        by the first ``t`` replayed periods of ``demand`` (special orders included, rows in
        the order of the replay's items) — only what was known at the re-plan date, so the
        new parameters are ex ante by construction. It is called for
        ``t = k, 2k, ... < n_periods`` (``k = replan_every``) at the end of period ``t - 1``,
        after its demand and before its review; stock on hand, backorders and orders in
        transit carry over. ``policy`` is the plan in force before the first re-plan.
    replan_every : int, optional
        Periods between re-plans, ≥ 1 (required with ``replan``).
    history : ndarray (n_items, n_history) or DataFrame, optional
        Demand before the replay (units; NaN allowed, e.g. stocked-out periods), prepended
        to what ``replan`` sees. Default: none (``observed`` starts with the replay).

    Returns
    -------
    PolicyReplay
        Per-item frame (``.to_frame()``), pooled figures (``.pooled``), on-hand and order
        trajectories; with ``replan``, every re-plan's parameters in ``.replans`` and the
        reorder point in force per period in ``.reorder_point_path``.

    Notes
    -----
    * Fill rate (units): units served from stock in the period they were demanded over
      units demanded (special orders excluded). Pooled: over all units of all items;
      ``fill_rate_item_mean``: the average of the item fill rates over items with demand.
    * Cycle service level: share of replenishment cycles (intervals ending with a receipt)
      in which no demand went unmet; pooled over all cycles of all items.
    * Average on hand: mean of end-of-period stock, the base of holding cost.
    * Timeline and conventions: see the module docstring (receipts at the start of a
      period, review at the end, ``L = 0`` arrives next period).
    * Rolling re-planning (``replan``) is the rolling-horizon practice of recomputing the
      policy parameters from the latest history at fixed intervals; an order already placed
      is never changed, and the new reorder point acts from the review of the period in
      which it is set.

    References
    ----------
    .. [SPT] Silver, Pyke & Thomas (2017), *Inventory and Production Management in Supply
       Chains*, 4th ed., ch. 6 (the (s, Q), (s, S) and (R, S) systems replayed here).
    .. [BR] Baker, K. R. (1977). An experimental study of the effectiveness of rolling
       schedules in production planning. *Decision Sciences* 8(1), 19-27.

    Examples
    --------
    One item, (s, Q) = (2, 5), lead time 1 period, starting with s + Q = 7 on hand. The order
    placed at the end of period 1 (IP 1 ≤ 2) arrives at the start of period 3; period 2 is
    2 units short (backordered, cleared by that receipt).

    >>> res = simulate_policy(np.array([[3, 3, 3, 3]]), {"reorder_point": [2],
    ...                       "order_quantity": [5]}, 1)
    >>> res.on_hand.tolist()
    [[4.0, 1.0, 0.0, 0.0]]
    >>> round(res.pooled["fill_rate"], 3)   # 12 demanded, 3 + 3 + 1 + 3 = 10 filled
    0.833

    Re-planning every 2 periods, s = the largest demand observed so far (history [1, 2]);
    the re-plan at the end of period 1 has seen [1, 2, 3, 3], hence s = 3 from then on.

    >>> plan = lambda obs, t: {"reorder_point": obs.max(axis=1), "order_quantity": [5]}
    >>> res = simulate_policy(np.array([[3, 3, 3, 3]]), {"reorder_point": [2],
    ...                       "order_quantity": [5]}, 1, replan=plan, replan_every=2,
    ...                       history=np.array([[1, 2]]))
    >>> res.reorder_point_path.tolist()
    [[2.0, 3.0, 3.0, 3.0]]

    The same (s, Q) as a policy object:

    >>> from stockout_forecast import ContinuousReview
    >>> res = simulate_policy(np.array([[3, 3, 3, 3]]), ContinuousReview(2, 5), 1)
    >>> res.on_hand.tolist()
    [[4.0, 1.0, 0.0, 0.0]]
    """
    if is_policy(policy):
        review_period, order_multiples = replay_review(policy, review_period, order_multiples)
    _check_settings(review_period, trigger, lead_time_rounding)
    units, ids, periods = _demand_matrix(demand, item_ids)
    if (units < 0).any():
        raise ValueError(
            "demand has negative values (returns); clip them at 0 before a replay, e.g. "
            "np.clip(units, 0, None): a return does not serve a customer."
        )
    horizon = units.shape[1]
    pol = _policy_arrays(policy, ids)
    special = _special_mask(special_orders, units)
    stocked = np.where(special, 0.0, units)
    rng = check_random_state(random_state)
    lead_fixed, lead_draw, lead_mean = _lead_times(lead_times, ids, lead_time_rounding, rng)
    init = _initial_on_hand(initial_on_hand, pol, ids)
    cost = _costs(costs, ids)
    hook, replan_log = _replan_hook(replan, replan_every, history, units, ids)
    acc = replay_kernel(
        stocked,
        pol["reorder_point"],
        pol["order_quantity"],
        pol["order_up_to"],
        pol["moq_units"],
        pol["pack_units"],
        init,
        lead_fixed,
        lead_draw,
        backorders=backorders,
        review_period=int(review_period),
        trigger=trigger,
        order_multiples=order_multiples,
        record=True,
        replan=hook,
        replan_every=int(replan_every or 0),
    )
    items = _item_frame(acc, ids, units, special, cost, pol, horizon)
    settings = {
        "backorders": bool(backorders),
        "review_period": int(review_period),
        "trigger": trigger,
        "order_multiples": bool(order_multiples),
        "lead_time_rounding": lead_time_rounding,
        "mean_lead_time_periods": float(np.nanmean(lead_mean)) if len(lead_mean) else None,
        "replan_every": None if replan is None else int(replan_every or 0),
    }
    return PolicyReplay(
        item_ids=ids,
        periods=periods,
        items=items,
        pooled=_pooled(items, acc),
        on_hand=acc["on_hand_hist"],
        orders=acc["orders_hist"],
        reorder_point=pol["reorder_point"],
        settings=settings,
        replans=None if replan is None else _replans_frame(replan_log, periods, ids),
        reorder_point_path=acc["s_hist"],
    )


def _check_settings(review_period: Any, trigger: Any, lead_time_rounding: Any) -> None:
    if not isinstance(review_period, (int, np.integer)) or review_period < 1:
        raise ValueError(
            f"review_period must be a whole number of periods >= 1; got {review_period!r}."
        )
    if trigger not in ("<=", "<"):
        raise ValueError(f"trigger must be '<=' or '<'; got {trigger!r}.")
    if lead_time_rounding not in ("up", "nearest"):
        raise ValueError(
            f"lead_time_rounding must be 'up' or 'nearest'; got {lead_time_rounding!r}."
        )


def _special_mask(special_orders: Any, units: np.ndarray) -> np.ndarray:
    """Item-periods whose demand is a special order (False everywhere when none given)."""
    if special_orders is None:
        return np.zeros_like(units, dtype=bool)
    sp = (
        special_orders.to_numpy(dtype=bool)
        if isinstance(special_orders, pd.DataFrame)
        else np.asarray(special_orders, dtype=bool)
    )
    if sp.shape != units.shape:
        raise ValueError(f"special_orders has shape {sp.shape}; expected {units.shape}.")
    return sp


def _initial_on_hand(
    initial_on_hand: Any, pol: dict[str, np.ndarray], ids: np.ndarray
) -> np.ndarray:
    """Units on hand at the start: given, or a full cycle (s + Q, or S)."""
    if initial_on_hand is None:
        is_q = np.isfinite(pol["order_quantity"])
        init = np.where(
            is_q,
            pol["reorder_point"] + np.where(is_q, pol["order_quantity"], 0.0),
            pol["order_up_to"],
        )
        return np.maximum(np.nan_to_num(init, nan=0.0), 0.0)
    init = _per_item(initial_on_hand, ids, "initial_on_hand")
    if np.isnan(init).any() or (init < 0).any():
        raise ValueError("initial_on_hand must be non-negative for every item.")
    return init


def _replans_frame(
    replan_log: list[tuple[int, dict[str, np.ndarray]]], periods: pd.Index, ids: np.ndarray
) -> pd.DataFrame:
    """Every re-plan's parameters: ``period``, ``item_id`` and the new policy columns."""
    if not replan_log:
        return pd.DataFrame(
            {
                "period": pd.Series([], dtype=object),
                "item_id": pd.Series([], dtype=str),
                "reorder_point": pd.Series([], dtype=float),
                "order_quantity": pd.Series([], dtype=float),
                "order_up_to": pd.Series([], dtype=float),
            }
        )
    return pd.concat(
        [
            pd.DataFrame(
                {
                    "period": [periods[t - 1]] * len(ids),
                    "item_id": ids,
                    "reorder_point": a["reorder_point"],
                    "order_quantity": a["order_quantity"],
                    "order_up_to": a["order_up_to"],
                }
            )
            for t, a in replan_log
        ],
        ignore_index=True,
    )


def _replan_hook(
    replan: Any,
    every: int | None,
    history: Any,
    units: np.ndarray,
    ids: np.ndarray,
) -> tuple[Any, list[tuple[int, dict[str, np.ndarray]]]]:
    """The kernel's re-plan callback: hands ``replan`` only the demand known at each date."""
    log: list[tuple[int, dict[str, np.ndarray]]] = []
    if replan is None:
        if every is not None or history is not None:
            raise ValueError(
                "replan_every and history are only used with replan=; pass a callable "
                "replan(observed, t) returning the new policy, or drop them."
            )
        return None, log
    if not callable(replan):
        raise TypeError(f"replan must be a callable replan(observed, t); got {type(replan)}.")
    if not isinstance(every, (int, np.integer)) or isinstance(every, bool) or every < 1:
        raise ValueError(
            f"replan_every must be a whole number of periods >= 1 with replan=; got {every!r}."
        )
    n = units.shape[0]
    if history is None:
        hist = np.zeros((n, 0))
    else:
        hist = np.asarray(
            history.to_numpy(dtype=float, na_value=np.nan)
            if isinstance(history, pd.DataFrame)
            else history,
            dtype=float,
        )
        if hist.ndim != 2 or hist.shape[0] != n:
            raise ValueError(
                f"history must have shape ({n}, n_history) — one row per replayed item, in "
                f"the same order; got {hist.shape}."
            )

    def hook(t: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        observed = np.concatenate([hist, units[:, :t]], axis=1)  # a fresh copy
        try:
            arrays = _policy_arrays(replan(observed, t), ids)
        except (ValueError, TypeError) as err:
            raise type(err)(f"replan(observed, t={t}) returned an unusable policy: {err}") from err
        log.append((t, arrays))
        return arrays["reorder_point"], arrays["order_quantity"], arrays["order_up_to"]

    return hook, log


def _item_frame(
    acc: dict[str, np.ndarray],
    ids: np.ndarray,
    units: np.ndarray,
    special: np.ndarray,
    cost: dict[str, np.ndarray],
    pol: dict[str, np.ndarray],
    horizon: int,
) -> pd.DataFrame:
    dem = acc["demand_units"]
    with np.errstate(divide="ignore", invalid="ignore"):
        fill = np.where(dem > 0, acc["filled_units"] / dem, np.nan)
        csl = np.where(acc["cycles"] > 0, 1.0 - acc["stockout_cycles"] / acc["cycles"], np.nan)
    avg_units = acc["on_hand_sum"] / max(horizon, 1)
    holding = cost["holding_cost_per_unit_period"] * acc["on_hand_sum"]
    ordering = cost["order_cost"] * acc["orders_placed"]
    shortage = cost["backorder_cost_per_unit"] * acc["units_short"]
    has_policy = np.isfinite(pol["reorder_point"]) & (
        np.isfinite(pol["order_quantity"]) | np.isfinite(pol["order_up_to"])
    )
    status = np.where(~has_policy, "no_policy", np.where(dem > 0, "ok", "no_demand"))
    reason = np.where(
        ~has_policy,
        "no reorder point and order quantity / order-up-to level: the item never reorders",
        np.where(dem > 0, "", "no stocked demand in the replay: fill rate undefined"),
    )
    sp_units = np.where(special, units, 0.0).sum(axis=1)
    return pd.DataFrame(
        {
            "item_id": ids,
            "demand_units": dem,
            "filled_units": acc["filled_units"],
            "fill_rate": fill,
            "units_short": acc["units_short"],
            "stockout_periods": acc["stockout_periods"].astype(np.int64),
            "cycles": acc["cycles"].astype(np.int64),
            "stockout_cycles": acc["stockout_cycles"].astype(np.int64),
            "cycle_service_level": csl,
            "avg_on_hand_units": avg_units,
            "avg_on_hand_value": avg_units * cost["unit_cost"],
            "orders_placed": acc["orders_placed"].astype(np.int64),
            "units_ordered": acc["units_ordered"],
            "backordered_units_end": acc["backlog_end"],
            "holding_cost": holding,
            "ordering_cost": ordering,
            "shortage_cost": shortage,
            "total_cost": holding + ordering + shortage,
            "special_order_units": sp_units,
            "special_orders": special.sum(axis=1).astype(np.int64),
            "status": status.astype(str),
            "reason": reason.astype(str),
        }
    )


def _pooled(items: pd.DataFrame, acc: dict[str, np.ndarray]) -> dict[str, float]:
    dem = float(items["demand_units"].sum())
    cycles = float(items["cycles"].sum())
    value = items["avg_on_hand_value"]
    return {
        "n_items": float(len(items)),
        "demand_units": dem,
        "filled_units": float(items["filled_units"].sum()),
        "fill_rate": float(items["filled_units"].sum() / dem) if dem > 0 else float("nan"),
        "fill_rate_item_mean": float(items["fill_rate"].mean())
        if items["fill_rate"].notna().any()
        else float("nan"),
        "cycle_service_level": float(1.0 - items["stockout_cycles"].sum() / cycles)
        if cycles > 0
        else float("nan"),
        "cycle_service_level_item_mean": float(items["cycle_service_level"].mean())
        if items["cycle_service_level"].notna().any()
        else float("nan"),
        "stockout_periods": float(items["stockout_periods"].sum()),
        "avg_on_hand_units": float(items["avg_on_hand_units"].sum()),
        "avg_on_hand_value": float(value.sum()) if value.notna().any() else float("nan"),
        "orders_placed": float(items["orders_placed"].sum()),
        "units_ordered": float(items["units_ordered"].sum()),
        "holding_cost": float(items["holding_cost"].sum()),
        "ordering_cost": float(items["ordering_cost"].sum()),
        "shortage_cost": float(items["shortage_cost"].sum()),
        "total_cost": float(items["total_cost"].sum()),
        "special_order_units": float(items["special_order_units"].sum()),
        "special_orders": float(items["special_orders"].sum()),
    }

"""Replay a reorder policy on demand, period by period: how a policy is judged.

:func:`simulate_policy` runs an (s, Q), (s, S) or (R, S) policy over a demand series (held-out
history, or simulated paths) for all items at once: numpy over the item axis, a Python loop
over time only. It reports what the policy actually delivered — fill rate in units, cycle
service level, stockout periods, average stock on hand, orders placed and costs — per item
and pooled, in a :class:`PolicyReplay`.

:func:`simulated_reorder_point` uses the same engine on demand sample paths to find, per item,
the smallest reorder point whose simulated fill rate (or cycle service level) reaches a
target: the reorder point then accounts for periodic review, undershoot of the reorder point
by lumpy demand, MOQ / pack rounding and lead-time uncertainty without any distributional
formula. :func:`bootstrap_demand_paths` provides such paths straight from each item's own
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

from .._utils import RandomStateLike, check_fraction, check_random_state, format_ids
from ..history.panel import DemandHistory

__all__ = [
    "PolicyReplay",
    "bootstrap_demand_paths",
    "pooled_reorder_points",
    "simulate_policy",
    "simulated_reorder_point",
]

_COST_KEYS = ("unit_cost", "holding_cost", "order_cost", "shortage_cost")


# --------------------------------------------------------------------------- kernel
def _round_up_orders(qty: np.ndarray, moq: np.ndarray, pack: np.ndarray) -> np.ndarray:
    """Pack multiples rounded up, lifted to the MOQ (same rule as policy.round_order_quantity)."""
    has_pack = ~np.isnan(pack)
    unit = np.where(has_pack, pack, 1.0)
    n = np.maximum(np.ceil(qty / unit - 1e-9), 1.0)
    out = np.where(has_pack, n * unit, qty)
    moq_eff = np.where(np.isnan(moq), 0.0, moq)
    moq_packs = np.where(has_pack, np.ceil(moq_eff / unit - 1e-9) * unit, moq_eff)
    return np.where(qty > 0, np.maximum(out, moq_packs), 0.0)


def _replay_kernel(
    demand: np.ndarray,
    s: np.ndarray,
    q: np.ndarray,
    big_s: np.ndarray,
    moq: np.ndarray,
    pack: np.ndarray,
    initial_on_hand: np.ndarray,
    lead_fixed: np.ndarray | None,
    lead_draw: Any,
    *,
    backorders: bool,
    review_period: int,
    trigger: str,
    order_multiples: bool,
    measure_from: np.ndarray | int = 0,
    record: bool = False,
    time_major: bool = False,
    replan: Callable[[int], tuple[np.ndarray, np.ndarray, np.ndarray]] | None = None,
    replan_every: int = 0,
) -> dict[str, np.ndarray]:
    """Replay over rows (items, or items x paths flattened); loop over time only.

    Time-major copies of the demand and the arrival schedule keep every per-period slice
    contiguous in memory, which is what makes the loop fast for a million rows. With
    ``time_major=True`` the demand is passed already as (horizon, n).

    ``replan(t)`` (with ``replan_every = k``) is called at the end of every period ``t - 1``
    with ``t % k == 0`` and ``0 < t < horizon``, after that period's demand and before its
    review; it returns the new ``(s, q, big_s)`` in force from that review on. The state
    (on hand, backlog, pipeline) carries over unchanged.
    """
    if time_major:
        horizon, n = demand.shape
        dem_t = demand
    else:
        n, horizon = demand.shape
        dem_t = np.ascontiguousarray(demand.T)
    on_hand = initial_on_hand.astype(float).copy()
    backlog = np.zeros(n)
    on_order = np.zeros(n)
    arrivals = np.zeros((horizon + 1, n))  # row `horizon` = arrives after the replay
    names = (
        "demand_units",
        "filled_units",
        "units_short",
        "stockout_periods",
        "cycles",
        "stockout_cycles",
        "on_hand_sum",
        "orders_placed",
        "units_ordered",
        "measured_periods",
    )
    acc = {k: np.zeros(n) for k in names}
    cycle_short = np.zeros(n, dtype=bool)
    is_q = np.isfinite(q)
    q_safe = np.where(is_q, q, 1.0)
    q_zero = np.where(is_q, q, 0.0)
    s_type_qty_base = np.where(is_q, 0.0, big_s)
    can_order = (is_q | np.isfinite(big_s)) & np.isfinite(s)
    s_safe = np.where(can_order, s, -np.inf)
    mf = np.broadcast_to(np.asarray(measure_from), (n,))
    all_live = bool((mf <= 0).all())
    rows_all = np.arange(n)
    s_hist = np.zeros((horizon, n)) if record else None
    on_hand_hist = np.zeros((horizon, n)) if record else None
    orders_hist = np.zeros((horizon, n)) if record else None
    short = np.empty(n)
    filled = np.empty(n)
    ones = np.ones(n)
    live_b = np.ones(n, dtype=bool)
    for t in range(horizon):
        livef = ones if all_live else (t >= mf).astype(float)
        rec = arrivals[t]
        got = rec > 0
        if all_live:
            acc["cycles"] += got
            acc["stockout_cycles"] += got & cycle_short
        else:
            live_b = livef > 0
            acc["cycles"] += got & live_b
            acc["stockout_cycles"] += got & live_b & cycle_short
        cycle_short &= ~got
        on_hand += rec
        on_order -= rec
        if backorders:
            clear = np.minimum(on_hand, backlog)
            on_hand -= clear
            backlog -= clear
        d = dem_t[t]
        np.minimum(on_hand, d, out=filled)
        np.subtract(d, filled, out=short)
        on_hand -= filled
        if backorders:
            backlog += short
        was_short = short > 1e-12
        if all_live:
            cycle_short |= was_short
            acc["demand_units"] += d
            acc["filled_units"] += filled
            acc["units_short"] += short
            acc["stockout_periods"] += was_short
            acc["on_hand_sum"] += on_hand
            acc["measured_periods"] += 1.0
        else:
            cycle_short |= was_short & live_b
            acc["demand_units"] += d * livef
            acc["filled_units"] += filled * livef
            acc["units_short"] += short * livef
            acc["stockout_periods"] += was_short & live_b
            acc["on_hand_sum"] += on_hand * livef
            acc["measured_periods"] += livef
        if replan is not None and (t + 1) % replan_every == 0 and t + 1 < horizon:
            s, q, big_s = replan(t + 1)
            is_q = np.isfinite(q)
            q_safe = np.where(is_q, q, 1.0)
            q_zero = np.where(is_q, q, 0.0)
            s_type_qty_base = np.where(is_q, 0.0, big_s)
            can_order = (is_q | np.isfinite(big_s)) & np.isfinite(s)
            s_safe = np.where(can_order, s, -np.inf)
        if record:
            on_hand_hist[t] = on_hand  # type: ignore[index]
            s_hist[t] = s  # type: ignore[index]
        if (t + 1) % review_period == 0:
            ip = on_hand + on_order - backlog
            trig = (ip <= s_safe) if trigger == "<=" else (ip < s_safe)
            if trig.any():
                rows = rows_all[trig]
                ip_r = ip[rows]
                gap = s_safe[rows] - ip_r
                qs = q_safe[rows]
                if order_multiples:
                    if trigger == "<=":
                        mult = np.floor(gap / qs) + 1.0
                    else:
                        mult = np.ceil(gap / qs)
                    mult = np.maximum(mult, 1.0)
                else:
                    mult = np.ones(len(rows))
                qty = np.where(is_q[rows], mult * q_zero[rows], s_type_qty_base[rows] - ip_r)
                place = qty > 1e-12
                if place.any():
                    rows = rows[place]
                    amount = _round_up_orders(qty[place], moq[rows], pack[rows])
                    lead = lead_fixed[rows] if lead_draw is None else lead_draw(rows)  # type: ignore[index]
                    when = np.minimum(t + 1 + lead, horizon)
                    # one order per row and period: (when, rows) pairs are unique
                    arrivals[when, rows] += amount
                    on_order[rows] += amount
                    counted = livef[rows]
                    acc["orders_placed"][rows] += counted
                    acc["units_ordered"][rows] += amount * counted
                    if record:
                        orders_hist[t, rows] = amount  # type: ignore[index]
    acc["backlog_end"] = backlog
    acc["on_hand_end"] = on_hand
    acc["on_order_end"] = on_order
    if record:
        acc["on_hand_hist"] = np.ascontiguousarray(on_hand_hist.T)  # type: ignore[union-attr]
        acc["orders_hist"] = np.ascontiguousarray(orders_hist.T)  # type: ignore[union-attr]
        acc["s_hist"] = np.ascontiguousarray(s_hist.T)  # type: ignore[union-attr]
    return acc


# --------------------------------------------------------------------------- inputs
def _demand_matrix(
    demand: Any, item_ids: Sequence[Any] | None
) -> tuple[np.ndarray, np.ndarray, pd.Index]:
    """(units (n, T), item_ids (n,), periods) from the accepted demand formats."""
    if isinstance(demand, DemandHistory):
        units = np.nan_to_num(demand.units, nan=0.0)
        return units, np.asarray(demand.item_ids).astype(str), pd.Index(demand.periods)
    if isinstance(demand, pd.DataFrame):
        if {"item_id", "date", "units"}.issubset(demand.columns):
            wide = demand.pivot_table(
                index="item_id", columns="date", values="units", aggfunc="sum", fill_value=0.0
            )
            wide.index = wide.index.astype(str)
            return (
                wide.to_numpy(dtype=float),
                wide.index.to_numpy().astype(str),
                pd.Index(wide.columns),
            )
        units = demand.to_numpy(dtype=float, na_value=np.nan)
        ids = np.asarray(demand.index).astype(str)
        return np.nan_to_num(units, nan=0.0), ids, pd.Index(demand.columns)
    units = np.asarray(demand, dtype=float)
    if units.ndim == 1:
        units = units[None, :]
    if units.ndim != 2:
        raise ValueError(f"demand must be 2-D (n_items, n_periods); got shape {units.shape}.")
    if item_ids is None:
        ids = np.array([str(i) for i in range(units.shape[0])])
    else:
        ids = np.asarray(list(item_ids)).astype(str)
        if len(ids) != units.shape[0]:
            raise ValueError(f"item_ids has {len(ids)} labels for {units.shape[0]} demand rows.")
    return np.nan_to_num(units, nan=0.0), ids, pd.RangeIndex(units.shape[1], name="period")


def _per_item(value: Any, ids: np.ndarray, name: str, default: float = np.nan) -> np.ndarray:
    """A per-item float array aligned with ``ids`` from a scalar, array, Series or None."""
    n = len(ids)
    if value is None:
        return np.full(n, default)
    if isinstance(value, pd.Series):
        s = value.copy()
        s.index = s.index.astype(str)
        missing = [i for i in ids if i not in s.index]
        if missing:
            raise ValueError(
                f"{name} has no value for {format_ids(missing)} items; "
                f"give every item a value (NaN where unknown)."
            )
        return s.reindex(ids).to_numpy(dtype=float, na_value=np.nan)
    arr = np.asarray(value, dtype=float)
    if arr.ndim == 0:
        return np.full(n, float(arr))
    if arr.shape != (n,):
        raise ValueError(f"{name} has shape {arr.shape}; expected ({n},) — one value per item.")
    return arr.copy()


def _policy_arrays(policy: Any, ids: np.ndarray) -> dict[str, np.ndarray]:
    if isinstance(policy, pd.DataFrame):
        frame = policy.set_index("item_id") if "item_id" in policy.columns else policy
        frame = frame.copy()
        frame.index = frame.index.astype(str)
        if frame.index.has_duplicates:
            dup = frame.index[frame.index.duplicated()].unique().tolist()
            raise ValueError(f"policy has duplicate item_id {format_ids(dup)}; one row per item.")
        frame = frame.reindex(ids)
        cols = {c: frame[c] for c in frame.columns}
    elif isinstance(policy, Mapping):
        cols = dict(policy)
    else:
        raise TypeError(
            "policy must be a DataFrame (one row per item) or a mapping of per-item arrays "
            f"with 'reorder_point' and 'order_quantity' or 'order_up_to'; got {type(policy).__name__}."
        )
    if "reorder_point" not in cols and "order_up_to" not in cols:
        raise ValueError(
            f"policy needs a 'reorder_point' column (and 'order_quantity' or 'order_up_to'); "
            f"found {sorted(map(str, cols))}."
        )
    out = {}
    for key in ("reorder_point", "order_quantity", "order_up_to", "moq_units", "pack_units"):
        val = cols.get(key)
        if isinstance(val, pd.Series) and not isinstance(policy, pd.DataFrame):
            out[key] = _per_item(val, ids, f"policy[{key!r}]")
        elif isinstance(val, pd.Series):
            out[key] = val.to_numpy(dtype=float, na_value=np.nan)
        else:
            out[key] = _per_item(val, ids, f"policy[{key!r}]")
    if "reorder_point" not in cols:  # pure (R, S): order whenever below S
        out["reorder_point"] = out["order_up_to"].copy()
    both = np.isfinite(out["order_quantity"]) & np.isfinite(out["order_up_to"])
    if both.any():
        raise ValueError(
            f"policy gives both order_quantity and order_up_to for {format_ids(ids[both])} "
            f"items; give one per item (Q for (s, Q), S for (s, S) / (R, S))."
        )
    q = out["order_quantity"]
    if (q <= 0).any():
        raise ValueError(f"order_quantity must be > 0; found {format_ids(ids[q <= 0])} items.")
    return out


def _lead_times(
    lead_times: Any,
    ids: np.ndarray,
    rounding: str,
    rng: np.random.Generator,
    rows_to_item: np.ndarray | None = None,
) -> tuple[np.ndarray | None, Any, np.ndarray]:
    """Return (fixed per-row int lead times or None, draw function or None, mean per item)."""

    def to_int(x: np.ndarray) -> np.ndarray:
        x = np.asarray(x, dtype=float)
        r = np.ceil(x - 1e-9) if rounding == "up" else np.floor(x + 0.5)
        return np.maximum(r, 0).astype(np.int64)

    n = len(ids)
    if isinstance(lead_times, pd.DataFrame):
        frame = lead_times.set_index("item_id") if "item_id" in lead_times.columns else lead_times
        frame = frame.copy()
        frame.index = frame.index.astype(str)
        need = {"lead_time_mean", "lead_time_sd"}
        if not need.issubset(frame.columns):
            raise ValueError(
                f"lead_times as a DataFrame needs columns {sorted(need)} (periods); "
                f"found {list(frame.columns)}."
            )
        missing = [i for i in ids if i not in frame.index]
        if missing:
            raise ValueError(f"lead_times has no row for {format_ids(missing)} items.")
        mean = frame["lead_time_mean"].reindex(ids).to_numpy(dtype=float)
        sd = np.nan_to_num(frame["lead_time_sd"].reindex(ids).to_numpy(dtype=float), nan=0.0)
        _check_lead(mean, ids)
        with np.errstate(divide="ignore", invalid="ignore"):
            shape = np.where(sd > 0, (mean / sd) ** 2, np.inf)
            scale = np.where(sd > 0, sd * sd / np.maximum(mean, 1e-12), 0.0)
        r2i = np.arange(n) if rows_to_item is None else rows_to_item

        def draw(rows: np.ndarray) -> np.ndarray:
            items = r2i[rows]
            sh, sc, mu = shape[items], scale[items], mean[items]
            random = np.isfinite(sh) & (mu > 0)
            val = mu.copy()
            if random.any():
                val[random] = rng.gamma(sh[random], sc[random])
            return to_int(val)

        return None, draw, mean
    arr = (
        lead_times.reindex(ids).to_numpy(dtype=float)
        if isinstance(lead_times, pd.Series)
        else np.asarray(lead_times, dtype=float)
    )
    if isinstance(lead_times, pd.Series):
        lt_index = pd.Index(lead_times.index.astype(str))
        missing = [i for i in ids if i not in lt_index]
        if missing:
            raise ValueError(f"lead_times has no value for {format_ids(missing)} items.")
    if arr.ndim == 0:
        arr = np.full(n, float(arr))
    if arr.ndim == 2:
        if arr.shape[0] != n:
            raise ValueError(f"lead_times samples have {arr.shape[0]} rows for {n} items.")
        if np.isnan(arr).any() or (arr < 0).any():
            raise ValueError("lead_times samples must be non-negative numbers without NaN.")
        samples = arr
        r2i = np.arange(n) if rows_to_item is None else rows_to_item

        def draw_sample(rows: np.ndarray) -> np.ndarray:
            pick = rng.integers(0, samples.shape[1], size=len(rows))
            return to_int(samples[r2i[rows], pick])

        return None, draw_sample, samples.mean(axis=1)
    if arr.shape != (n,):
        raise ValueError(f"lead_times has shape {arr.shape}; expected a scalar or ({n},).")
    _check_lead(arr, ids)
    fixed = to_int(arr)
    if rows_to_item is not None:
        fixed = fixed[rows_to_item]
    return fixed, None, arr


def _check_lead(mean: np.ndarray, ids: np.ndarray) -> None:
    bad = np.isnan(mean) | (mean < 0)
    if bad.any():
        raise ValueError(
            f"lead_times must be non-negative numbers of periods; missing or negative for "
            f"{format_ids(ids[bad])} items. Fill them (e.g. from the supplier's stated lead time)."
        )


def _costs(costs: Any, ids: np.ndarray) -> dict[str, np.ndarray]:
    out = {k: np.full(len(ids), np.nan if k == "unit_cost" else 0.0) for k in _COST_KEYS}
    if costs is None:
        return out
    if isinstance(costs, pd.DataFrame):
        frame = costs.set_index("item_id") if "item_id" in costs.columns else costs
        frame = frame.copy()
        frame.index = frame.index.astype(str)
        src = {c: frame[c].reindex(ids) for c in frame.columns if c in _COST_KEYS}
    elif isinstance(costs, Mapping):
        unknown = sorted(set(map(str, costs)) - set(_COST_KEYS))
        if unknown:
            raise ValueError(f"Unknown cost keys {unknown}; expected some of {list(_COST_KEYS)}.")
        src = dict(costs)
    else:
        raise TypeError(f"costs must be a mapping or a DataFrame; got {type(costs).__name__}.")
    for key, val in src.items():
        arr = _per_item(val, ids, f"costs[{key!r}]")
        if (arr < 0).any():
            raise ValueError(f"costs[{key!r}] must not be negative.")
        out[key] = np.where(np.isnan(arr), out[key], arr) if key != "unit_cost" else arr
    return out


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


# --------------------------------------------------------------------------- public API
def simulate_policy(
    demand: np.ndarray | pd.DataFrame | DemandHistory,
    policy: pd.DataFrame | Mapping[str, Any],
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
    policy : DataFrame or mapping
        Per item: ``reorder_point`` (s, units of inventory position) and either
        ``order_quantity`` (Q: an (s, Q) policy) or ``order_up_to`` (S: an (s, S) policy;
        with ``reorder_point = order_up_to`` or no reorder point, an (R, S) policy);
        optional ``moq_units`` and ``pack_units`` (orders are rounded *up* to a pack multiple
        and lifted to the MOQ). A DataFrame is indexed by ``item_id`` (or has that column);
        items missing from it never reorder and are flagged.
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
        Per item (or one value for all): ``unit_cost`` (currency/unit, for the stock value),
        ``holding_cost`` (currency per unit on hand per period, charged on end-of-period
        stock), ``order_cost`` (per order placed), ``shortage_cost`` (per unit not filled
        from stock when demanded). Missing costs count as 0; a missing ``unit_cost`` gives
        NaN stock value.
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
    """
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
    units, ids, periods = _demand_matrix(demand, item_ids)
    if (units < 0).any():
        raise ValueError(
            "demand has negative values (returns); clip them at 0 before a replay, e.g. "
            "np.clip(units, 0, None): a return does not serve a customer."
        )
    horizon = units.shape[1]
    pol = _policy_arrays(policy, ids)
    special = np.zeros_like(units, dtype=bool)
    if special_orders is not None:
        sp = (
            special_orders.to_numpy(dtype=bool)
            if isinstance(special_orders, pd.DataFrame)
            else np.asarray(special_orders, dtype=bool)
        )
        if sp.shape != units.shape:
            raise ValueError(f"special_orders has shape {sp.shape}; expected {units.shape}.")
        special = sp
    stocked = np.where(special, 0.0, units)
    rng = check_random_state(random_state)
    lead_fixed, lead_draw, lead_mean = _lead_times(lead_times, ids, lead_time_rounding, rng)
    is_q = np.isfinite(pol["order_quantity"])
    if initial_on_hand is None:
        init = np.where(
            is_q,
            pol["reorder_point"] + np.where(is_q, pol["order_quantity"], 0.0),
            pol["order_up_to"],
        )
        init = np.maximum(np.nan_to_num(init, nan=0.0), 0.0)
    else:
        init = _per_item(initial_on_hand, ids, "initial_on_hand")
        if np.isnan(init).any() or (init < 0).any():
            raise ValueError("initial_on_hand must be non-negative for every item.")
    cost = _costs(costs, ids)
    hook, replan_log = _replan_hook(replan, replan_every, history, units, ids)
    acc = _replay_kernel(
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
    pooled = _pooled(items, acc)
    settings = {
        "backorders": bool(backorders),
        "review_period": int(review_period),
        "trigger": trigger,
        "order_multiples": bool(order_multiples),
        "lead_time_rounding": lead_time_rounding,
        "mean_lead_time_periods": float(np.nanmean(lead_mean)) if len(lead_mean) else None,
        "replan_every": None if replan is None else int(replan_every or 0),
    }
    replans = None
    if replan is not None:
        if replan_log:
            replans = pd.concat(
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
        else:
            replans = pd.DataFrame(
                {
                    "period": pd.Series([], dtype=object),
                    "item_id": pd.Series([], dtype=str),
                    "reorder_point": pd.Series([], dtype=float),
                    "order_quantity": pd.Series([], dtype=float),
                    "order_up_to": pd.Series([], dtype=float),
                }
            )
    return PolicyReplay(
        item_ids=ids,
        periods=periods,
        items=items,
        pooled=pooled,
        on_hand=acc["on_hand_hist"],
        orders=acc["orders_hist"],
        reorder_point=pol["reorder_point"],
        settings=settings,
        replans=replans,
        reorder_point_path=acc["s_hist"],
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
    holding = cost["holding_cost"] * acc["on_hand_sum"]
    ordering = cost["order_cost"] * acc["orders_placed"]
    shortage = cost["shortage_cost"] * acc["units_short"]
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


def simulated_reorder_point(
    demand_paths: np.ndarray,
    order_quantity: float | np.ndarray,
    lead_time: float | np.ndarray,
    *,
    service_level: float | np.ndarray,
    measure: Literal["fill_rate", "cycle"] = "fill_rate",
    review_period: int = 1,
    backorders: bool = True,
    trigger: Literal["<=", "<"] = "<=",
    lead_time_rounding: Literal["up", "nearest"] = "up",
    moq: float | np.ndarray | None = None,
    pack: float | np.ndarray | None = None,
    burn_in: int | None = None,
    initial: np.ndarray | None = None,
) -> np.ndarray:
    """Smallest integer reorder point whose simulated service reaches the target, per item.

    The (s, nQ) policy is replayed on every sample path of every item at once (the same
    engine as :func:`simulate_policy`), and a search over ``s`` — run on all items together —
    finds for each item the smallest ``s`` whose fill rate (units filled over units demanded,
    pooled over the item's paths after the burn-in) or cycle service level reaches
    ``service_level``. The reorder point then accounts for periodic review, the undershoot
    of ``s`` by lumpy demand, MOQ / pack rounding and (per-path) lead-time uncertainty,
    with no distributional formula.

    Parameters
    ----------
    demand_paths : ndarray, shape (n_items, n_paths, horizon)
        Simulated future demand per period (units, ≥ 0), e.g. ``DemandForecast.sample_paths``
        or :func:`bootstrap_demand_paths`. Remove special orders first.
    order_quantity : float or array (n_items,)
        Q per order (units), > 0.
    lead_time : float, array (n_items,) or array (n_items, n_paths)
        Lead time in periods; a 2-D array gives each path its own lead time (lead-time
        uncertainty with common random numbers). Rounded as in :func:`simulate_policy`.
    service_level : float or array (n_items,)
        Target, fraction in (0, 1).
    measure : {"fill_rate", "cycle"}, default "fill_rate"
        Service measure to reach.
    review_period, backorders, trigger, lead_time_rounding
        Replay conventions, as in :func:`simulate_policy`.
    moq, pack : float or array (n_items,), optional
        Order rounding (up to pack multiples, at least the MOQ).
    burn_in : int, optional
        Periods excluded from the measurement at the start of each path (each path starts
        at ``IP = s + Q`` on hand, nothing on order). Default: the item's lead time plus one
        review period, capped at half the horizon.
    initial : array (n_items,), optional
        A guess per item to start the search from (NaN: no guess), e.g. the reorder point
        of the previous re-plan: the search then steps from it by 1, 2, 4, ... units, which
        takes two or three replays for an item whose answer has not moved. The answer is
        the same as without a guess wherever service is monotone in ``s``.

    Returns
    -------
    ndarray, shape (n_items,)
        Integer reorder points (units of inventory position). Items whose paths carry no
        demand get ``-1`` (reorder only against a backorder); rows with NaN get NaN.

    Notes
    -----
    The search starts from the empirical fill-rate reorder point of the demand over
    ``L + R`` (:func:`~stockout_forecast.policy.empirical.empirical_reorder_point`, which ignores
    undershoot), brackets the answer by widening steps and bisects. It assumes that
    service does not decrease as ``s`` grows, which holds for the (s, nQ) policy on common
    random numbers (the same paths for every ``s``). With few paths the estimate is noisy;
    100+ paths of 2-4 years each are typical for monthly data. Cost: about ten replays of
    ``n_items x n_paths`` rows.

    Examples
    --------
    Constant demand of 1 per period, Q = 3, lead time 2 periods: an order placed at the end
    of a period arrives three periods of demand later, so the inventory position at the
    review must still cover 3 units — with ``IP ≤ s`` as trigger, s = 2.

    >>> paths = np.ones((1, 2, 30))
    >>> simulated_reorder_point(paths, 3, 2, service_level=0.99)
    array([2.])
    """
    from .empirical import empirical_reorder_point

    x = np.asarray(demand_paths, dtype=float)
    if x.ndim != 3:
        raise ValueError(
            f"demand_paths must have shape (n_items, n_paths, horizon); got {x.shape}."
        )
    if measure not in ("fill_rate", "cycle"):
        raise ValueError(f"measure must be 'fill_rate' or 'cycle'; got {measure!r}.")
    if not isinstance(review_period, (int, np.integer)) or review_period < 1:
        raise ValueError(f"review_period must be a whole number >= 1; got {review_period!r}.")
    n, p, horizon = x.shape
    lvl = np.broadcast_to(np.asarray(service_level, dtype=float), (n,)).copy()
    for v in np.unique(lvl[~np.isnan(lvl)]):
        check_fraction(v, "service_level")
    q = np.broadcast_to(np.asarray(order_quantity, dtype=float), (n,)).copy()
    if (q[~np.isnan(q)] <= 0).any():
        raise ValueError("order_quantity must be > 0.")
    lt = np.asarray(lead_time, dtype=float)
    if lt.ndim < 2:
        lt2 = np.broadcast_to(np.broadcast_to(lt, (n,))[:, None], (n, p))
    elif lt.shape == (n, p):
        lt2 = lt
    else:
        raise ValueError(f"lead_time must have shape (n_items,) or ({n}, {p}); got {lt.shape}.")
    if (lt2 < 0).any():
        raise ValueError("lead_time must not be negative.")
    if (x < 0).any():
        raise ValueError("demand_paths must not be negative.")
    bad = np.isnan(x).any(axis=(1, 2)) | np.isnan(q) | np.isnan(lt2).any(axis=1) | np.isnan(lvl)
    lt_int = np.where(
        np.isnan(lt2),
        0,
        np.ceil(lt2 - 1e-9) if lead_time_rounding == "up" else np.floor(lt2 + 0.5),
    ).astype(np.int64)
    protect = lt_int + int(review_period)  # (n, p)
    if burn_in is None:
        mf_rows = np.minimum(protect, horizon // 2).reshape(-1)
    else:
        mf_rows = np.full(n * p, int(burn_in))
    if (protect >= horizon).any():
        raise ValueError(
            f"Paths of {horizon} periods are too short for a lead time plus review of "
            f"{int(protect.max())} periods; draw longer paths."
        )
    safe_x = np.nan_to_num(x)
    q_safe = np.nan_to_num(q, nan=1.0)
    lvl_safe = np.nan_to_num(lvl, nan=0.5)

    # starting point: the empirical reorder point over L + R (windows along each path)
    cum = np.concatenate([np.zeros((n, p, 1)), np.cumsum(safe_x, axis=2)], axis=2)
    n_starts = horizon - int(protect.max()) + 1
    stride = max(1, (n_starts * p) // 4000)
    starts = np.arange(0, n_starts, stride)
    ends = starts[None, None, :] + protect[:, :, None]
    windows = (np.take_along_axis(cum, ends, axis=2) - cum[:, :, starts]).reshape(n, -1)
    if measure == "fill_rate":
        s0 = empirical_reorder_point(
            windows, service_level=lvl_safe, measure="fill_rate", order_quantity=q_safe
        )
    else:
        s0 = empirical_reorder_point(windows, service_level=lvl_safe)
    spread = np.nanstd(windows, axis=1)
    step0 = np.maximum(1.0, np.ceil(0.5 * spread))
    floor_s = -q_safe - 1.0

    moq_a = np.broadcast_to(np.asarray(np.nan if moq is None else moq, dtype=float), (n,))
    pack_a = np.broadcast_to(np.asarray(np.nan if pack is None else pack, dtype=float), (n,))
    flat = np.ascontiguousarray(safe_x.transpose(2, 0, 1).reshape(horizon, n * p))
    rep = np.repeat(np.arange(n), p)
    q_rows = q_safe[rep]
    lead_rows = lt_int.reshape(-1)
    moq_rows, pack_rows = moq_a[rep], pack_a[rep]
    nan_rows = np.full(n * p, np.nan)

    def service(s_items: np.ndarray, active: np.ndarray) -> np.ndarray:
        """Whether each item reaches the target at ``s_items`` (only ``active`` replayed)."""
        result = np.ones(n, dtype=bool)
        items = np.flatnonzero(active)
        if not len(items):
            return result
        cols = (items[:, None] * p + np.arange(p)[None, :]).reshape(-1)
        sub = flat if len(items) == n else np.ascontiguousarray(flat[:, cols])
        local = np.repeat(np.arange(len(items)), p)
        s_rows = s_items[items][local]
        acc = _replay_kernel(
            sub,
            s_rows,
            q_rows[cols],
            nan_rows[: len(cols)],
            moq_rows[cols],
            pack_rows[cols],
            np.maximum(s_rows + q_rows[cols], 0.0),
            lead_rows[cols],
            None,
            backorders=backorders,
            review_period=int(review_period),
            trigger=trigger,
            order_multiples=True,
            measure_from=mf_rows[cols],
            time_major=True,
        )
        k = len(items)
        if measure == "fill_rate":
            num = np.bincount(local, acc["filled_units"], minlength=k)
            den = np.bincount(local, acc["demand_units"], minlength=k)
        else:
            den = np.bincount(local, acc["cycles"], minlength=k)
            num = den - np.bincount(local, acc["stockout_cycles"], minlength=k)
        with np.errstate(divide="ignore", invalid="ignore"):
            rate = np.where(den > 0, num / den, 1.0)
        result[items] = rate >= lvl_safe[items] - 1e-12
        return result

    # items without demand on any path are settled (-1) without a replay
    no_demand = safe_x.sum(axis=(1, 2)) == 0
    start = np.nan_to_num(s0, nan=0.0) + step0
    lo_gap = 2.0 * step0
    if initial is not None:
        guess = np.broadcast_to(np.asarray(initial, dtype=float), (n,))
        warm = np.isfinite(guess)
        start = np.where(warm, np.round(guess), start)
        step0 = np.where(warm, 1.0, step0)
        lo_gap = np.where(warm, 1.0, lo_gap)
    # bracket: hi feasible, lo infeasible (or at the floor); only unsettled items replayed
    hi = np.maximum(start, floor_s + 1.0)
    step = step0.copy()
    todo = ~bad & ~no_demand
    for _ in range(30):
        ok = service(hi, todo)
        todo = todo & ~ok
        if not todo.any():
            break
        hi = np.where(ok, hi, hi + step)
        step = np.where(ok, step, 2.0 * step)
    lo = np.maximum(hi - lo_gap, floor_s)
    step = step0.copy()
    todo = ~bad & ~no_demand & (lo > floor_s)
    for _ in range(30):
        ok = service(lo, todo) & todo
        todo = ok & (lo > floor_s)
        if not ok.any():
            break
        hi = np.where(ok, lo, hi)
        lo = np.where(ok, np.maximum(lo - step, floor_s), lo)
        step = np.where(ok, 2.0 * step, step)
        todo = todo & (lo > floor_s)
    todo = ~bad & ~no_demand & (hi - lo > 1)
    while todo.any():
        mid = np.floor(0.5 * (lo + hi))
        good = service(mid, todo)
        hi = np.where(todo & good, mid, hi)
        lo = np.where(todo & ~good, mid, lo)
        todo = todo & (hi - lo > 1)
    out = np.where(no_demand, -1.0, hi)
    return np.where(bad, np.nan, out)


def bootstrap_demand_paths(
    units: np.ndarray | pd.DataFrame,
    n_paths: int,
    horizon: int,
    *,
    exclude: np.ndarray | None = None,
    block_length: int = 1,
    parameter_uncertainty: bool = False,
    sparse_donors: int | None = None,
    donor_sizes: bool = False,
    recent: int | None = None,
    random_state: RandomStateLike = None,
) -> np.ndarray:
    """Demand sample paths resampled from each item's own history (a bootstrap).

    Parameters
    ----------
    units : ndarray (n_items, n_periods) or DataFrame (items x periods)
        Historical demand per period, units; NaN periods (not yet listed, censored by a
        stockout) are never drawn.
    n_paths : int
        Paths per item.
    horizon : int
        Periods per path.
    exclude : bool ndarray (n_items, n_periods), optional
        Periods whose demand is set to 0 before resampling — e.g. special orders
        (:func:`~stockout_forecast.policy.quantities.flag_special_orders`), which are sourced on demand
        rather than stocked for. The period itself still counts (as a period without
        stocked demand).
    block_length : int, default 1
        1 draws periods independently; ``b > 1`` draws runs of ``b`` consecutive periods
        (moving-block bootstrap), keeping short-range dependence.
    parameter_uncertainty : bool, default False
        When True each path first resamples the item's history (same length) and then
        draws from that resample (a double bootstrap): paths then also differ in their
        demand *level*, as estimates from a short history would.
    sparse_donors : int, optional
        Empirical-Bayes treatment of items with little recent history. With ``k``, an item
        with at most ``k`` non-zero periods in the last half of its history does not
        resample its own (nearly empty) record: each of its paths takes a *donor* — an item
        drawn at random among those that had the same number of non-zero periods in the
        first half of the history — and resamples *when* the donor had demand in its second
        half, i.e. what actually happened next to items that looked like this one. The
        *size* of each demand is drawn from the item's own non-zero demands (order sizes
        are item-specific), 1 unit when it has none (see ``donor_sizes``). Items without
        donors keep their own history. None (default) resamples every item's own history.
    donor_sizes : bool, default False
        With ``sparse_donors``: an item that never had demand takes the *donor's* demand
        in the drawn period as its size (the size distribution of items that woke up after
        a dormant half-window) instead of 1 unit. Items with demand of their own always
        keep their own sizes.
    recent : int, optional
        Resample only each item's last ``recent`` usable periods (e.g. the last quarter of
        daily data, so that a trend is followed); None uses the whole history. The donor
        pool always uses the whole history.
    random_state : int, Generator or None
        Seed; paths are deterministic given it.

    Returns
    -------
    ndarray, shape (n_items, n_paths, horizon)
        Non-negative demand per period (integer-valued when the history is). Items without
        any usable period (and no donor) get NaN paths.

    Notes
    -----
    A bootstrap assumes the future resembles the resampled history (no trend, no
    seasonality beyond what blocks carry). It needs no model and keeps the item's own mix
    of zero periods and order sizes, which is what matters for slow and lumpy items. An
    item with no demand in its history has, by its own record, no demand at all; the
    donor pool (``sparse_donors``) replaces that by the observed behaviour of similar items
    over the next half-window, learned from the same history (ex ante).

    References
    ----------
    .. [1] Willemain, T. R., Smart, C. N., Schwarz, H. F. (2004). A new approach to
       forecasting intermittent demand for service parts inventories. *International Journal
       of Forecasting* 20(3), 375-387.

    Examples
    --------
    >>> hist = np.array([[0.0, 2.0, 0.0, 4.0]])
    >>> paths = bootstrap_demand_paths(hist, 3, 5, random_state=0)
    >>> paths.shape, bool(np.isin(paths, [0.0, 2.0, 4.0]).all())
    ((1, 3, 5), True)
    """
    if not isinstance(n_paths, (int, np.integer)) or n_paths < 1:
        raise ValueError(f"n_paths must be a whole number >= 1; got {n_paths!r}.")
    if not isinstance(horizon, (int, np.integer)) or horizon < 1:
        raise ValueError(f"horizon must be a whole number >= 1; got {horizon!r}.")
    if not isinstance(block_length, (int, np.integer)) or block_length < 1:
        raise ValueError(f"block_length must be a whole number >= 1; got {block_length!r}.")
    x = np.asarray(
        units.to_numpy(dtype=float) if isinstance(units, pd.DataFrame) else units, dtype=float
    )
    if x.ndim != 2:
        raise ValueError(f"units must have shape (n_items, n_periods); got {x.shape}.")
    if exclude is not None:
        ex = np.asarray(exclude, dtype=bool)
        if ex.shape != x.shape:
            raise ValueError(f"exclude has shape {ex.shape}; expected {x.shape}.")
        x = np.where(ex & ~np.isnan(x), 0.0, x)
    if (x[~np.isnan(x)] < 0).any():
        raise ValueError("units has negative values; clip returns at 0 first.")
    if recent is not None and (not isinstance(recent, (int, np.integer)) or recent < 1):
        raise ValueError(f"recent must be a whole number of periods >= 1; got {recent!r}.")
    rng = check_random_state(random_state)
    full_history = x
    n, t = x.shape
    valid = ~np.isnan(x)
    counts = valid.sum(axis=1)
    # positions of the usable periods of each item, packed to the left
    order = np.argsort(~valid, axis=1, kind="stable")
    packed = np.take_along_axis(x, order, axis=1)
    if recent is not None:
        # keep the last `recent` usable periods, moved to the front of each row
        start = np.maximum(counts - int(recent), 0)
        shift = (np.arange(t)[None, :] + start[:, None]) % t
        packed = np.take_along_axis(packed, shift, axis=1)
        counts = np.minimum(counts, int(recent))
    safe_counts = np.maximum(counts, 1)
    n_blocks = -(-horizon // block_length)
    if parameter_uncertainty:
        first = (rng.random((n, n_paths, t)) * safe_counts[:, None, None]).astype(np.int64)
        pool = np.take_along_axis(packed[:, None, :].repeat(n_paths, axis=1), first, axis=2)
        pool_len = safe_counts
    else:
        pool = packed[:, None, :]
        pool_len = safe_counts
    max_start = np.maximum(pool_len - block_length + 1, 1)
    start = (rng.random((n, n_paths, n_blocks)) * max_start[:, None, None]).astype(np.int64)
    idx = (start[:, :, :, None] + np.arange(block_length)[None, None, None, :]).reshape(
        n, n_paths, n_blocks * block_length
    )[:, :, :horizon]
    idx = np.minimum(idx, (pool_len - 1)[:, None, None])
    if parameter_uncertainty:
        out = np.take_along_axis(pool, idx, axis=2)
    else:
        out = np.take_along_axis(np.broadcast_to(pool, (n, n_paths, t)), idx, axis=2)
    out = np.where((counts == 0)[:, None, None], np.nan, out)
    if sparse_donors is not None:
        out = _donor_paths(
            full_history, out, int(sparse_donors), n_paths, horizon, rng, bool(donor_sizes)
        )
    return np.asarray(out, dtype=float)


def _donor_paths(
    x: np.ndarray,
    out: np.ndarray,
    k_max: int,
    n_paths: int,
    horizon: int,
    rng: np.random.Generator,
    donor_sizes: bool = False,
) -> np.ndarray:
    """Replace the paths of sparse items by resampled second halves of similar donors."""
    t = x.shape[1]
    h = t // 2
    if h < 1 or k_max < 0:
        return out
    first = x[:, t - 2 * h : t - h]
    second = x[:, t - h :]
    ok1, ok2 = ~np.isnan(first), ~np.isnan(second)
    # a donor needs most of both halves observed (a masked month or two is fine)
    full = (ok1.sum(axis=1) >= 0.75 * h) & (ok2.sum(axis=1) >= 0.75 * h)
    k_first = (np.nan_to_num(first) > 0).sum(axis=1)
    k_last = (np.nan_to_num(second) > 0).sum(axis=1)
    order = np.argsort(~ok2, axis=1, kind="stable")
    packed = np.take_along_axis(second, order, axis=1)  # usable periods first
    n_ok = np.maximum(ok2.sum(axis=1), 1)
    out = out.copy()
    for c in range(k_max + 1):
        donors = np.flatnonzero(full & (k_first == c))
        takers = np.flatnonzero(k_last == c)
        if not len(donors) or not len(takers):
            continue
        pick = donors[rng.integers(0, len(donors), size=(len(takers), n_paths))]
        u = rng.random((len(takers), n_paths, horizon))
        per = (u * n_ok[pick][:, :, None]).astype(np.int64)
        drawn = np.nan_to_num(packed[pick[:, :, None], per])
        occurs = drawn > 0
        # sizes: the taker's own non-zero sizes (order sizes are item-specific), 1 if none
        own = np.where(np.nan_to_num(x[takers]) > 0, x[takers], np.nan)
        own_sorted = np.sort(own, axis=1)  # NaN last
        n_own = (~np.isnan(own)).sum(axis=1)
        pos = rng.random((len(takers), n_paths, horizon)) * np.maximum(n_own, 1)[:, None, None]
        size = np.take_along_axis(
            own_sorted[:, None, :].repeat(n_paths, axis=1), pos.astype(np.int64), axis=2
        )
        size = np.where((n_own == 0)[:, None, None], drawn if donor_sizes else 1.0, size)
        out[takers] = np.where(occurs, size, 0.0)
    return out


def pooled_reorder_points(
    demand_paths: np.ndarray,
    order_quantity: float | np.ndarray,
    lead_time: float | np.ndarray,
    *,
    fill_rate: float | Sequence[float],
    unit_cost: float | np.ndarray | None = None,
    reorder_point: np.ndarray | None = None,
    steps: int = 4,
    review_period: int = 1,
    backorders: bool = True,
    trigger: Literal["<=", "<"] = "<=",
    lead_time_rounding: Literal["up", "nearest"] = "up",
    moq: float | np.ndarray | None = None,
    pack: float | np.ndarray | None = None,
) -> np.ndarray:
    """Reorder points that reach a *pooled* fill rate over all items with the least stock value.

    Starting from the per-item reorder points of :func:`simulated_reorder_point` (each item
    at ``fill_rate``), every item gets a grid of ``2 steps + 1`` candidate reorder points
    around its own, plus ``-1`` (hold nothing, order only against a backorder) and ``0``;
    each candidate is replayed on the item's demand paths (the same
    engine, all items at once, one replay per grid step). Marginal analysis by a Lagrange
    multiplier ``λ`` then picks per item the candidate maximising
    ``filled units − λ x average stock value``, with ``λ`` bisected so that the filled units
    of *all* items over their demanded units — the pooled fill rate on the paths — reaches
    ``fill_rate``. Stock thus goes where it buys the most filled units per unit of value:
    cheap fast items end above the target, dear slow ones below it.

    Parameters
    ----------
    demand_paths : ndarray, shape (n_items, n_paths, horizon)
        Simulated demand per period (units, ≥ 0), as for :func:`simulated_reorder_point`.
    order_quantity : float or array (n_items,)
        Q per order (units), > 0.
    lead_time : float, array (n_items,) or array (n_items, n_paths)
        Lead time in periods (rounded as in :func:`simulate_policy`); 2-D: one per path.
    fill_rate : float or sequence of float
        Pooled target, a fraction in (0, 1). Several targets share the grid replays and
        give one row of reorder points each.
    unit_cost : float or array (n_items,), optional
        Value of a unit (currency); missing (None or NaN) counts 1, i.e. stock in units.
    reorder_point : array (n_items,), optional
        Per-item reorder points to build the grid around; default
        ``simulated_reorder_point(..., service_level=fill_rate)``.
    steps : int, default 4
        Grid steps on each side; a step is ``max(1, ⌈σ √(L + R) / 2⌉)`` units, σ the
        standard deviation of the item's demand per period on its paths.
    review_period, backorders, trigger, lead_time_rounding, moq, pack
        As in :func:`simulated_reorder_point`.

    Returns
    -------
    ndarray, shape (n_items,), or (n_targets, n_items) for a sequence of targets
        Integer reorder points (never below -1); NaN where ``reorder_point`` is NaN.

    Notes
    -----
    With ``F_i(s)`` the units item ``i`` fills on its paths and ``H_i(s)`` its average
    units on hand, the allocation solves ``min Σ c_i H_i(s_i)`` subject to
    ``Σ F_i(s_i) ≥ α Σ D_i`` over the grid, by the Lagrangian relaxation
    ``max Σ F_i(s_i) − λ c_i H_i(s_i)`` (exact on the convex hull of each item's curve;
    the pooled target is checked on the chosen points). When even the top of every grid
    misses the target, the top is returned. The pooled target is what the issue's goal
    measures; item fill rates then differ by design — report them.

    References
    ----------
    .. [1] Silver, Pyke & Thomas (2017), *Inventory and Production Management in Supply
       Chains*, 4th ed., sec. 7.3 (allocating safety stock across items by marginal
       analysis / exchange curves).
    .. [2] Everett, H. (1963). Generalized Lagrange multiplier method for solving problems
       of optimum allocation of resources. *Operations Research* 11(3), 399-417.

    Examples
    --------
    Two items with the same demand (1 a period) and lead time: the dear one is given less
    stock than the cheap one for the same pooled fill.

    >>> paths = np.random.default_rng(0).poisson(1.0, size=(2, 200, 40)).astype(float)
    >>> s = pooled_reorder_points(paths, 3, 2, fill_rate=0.9, unit_cost=[1.0, 50.0])
    >>> bool(s[0] > s[1])
    True
    """
    x = np.asarray(demand_paths, dtype=float)
    if x.ndim != 3:
        raise ValueError(
            f"demand_paths must have shape (n_items, n_paths, horizon); got {x.shape}."
        )
    targets = np.atleast_1d(np.asarray(fill_rate, dtype=float))
    if targets.ndim != 1 or not len(targets):
        raise ValueError(f"fill_rate must be a fraction or a sequence of them; got {fill_rate!r}.")
    for v in targets:
        check_fraction(float(v), "fill_rate")
    if not isinstance(steps, (int, np.integer)) or steps < 1:
        raise ValueError(f"steps must be a whole number >= 1; got {steps!r}.")
    n, p, horizon = x.shape
    if reorder_point is None:
        base = simulated_reorder_point(
            x,
            order_quantity,
            lead_time,
            service_level=float(targets[0]),
            review_period=review_period,
            backorders=backorders,
            trigger=trigger,
            lead_time_rounding=lead_time_rounding,
            moq=moq,
            pack=pack,
        )
    else:
        base = np.asarray(reorder_point, dtype=float)
        if base.shape != (n,):
            raise ValueError(f"reorder_point has shape {base.shape}; expected ({n},).")
    cost = np.broadcast_to(np.asarray(np.nan if unit_cost is None else unit_cost, float), (n,))
    cost = np.where(np.isnan(cost) | (cost <= 0), 1.0, cost)
    q = np.nan_to_num(np.broadcast_to(np.asarray(order_quantity, dtype=float), (n,)), nan=1.0)
    lt = np.asarray(lead_time, dtype=float)
    if lt.ndim < 2:
        lt = np.broadcast_to(np.broadcast_to(lt, (n,))[:, None], (n, p))
    elif lt.shape != (n, p):
        raise ValueError(f"lead_time must have shape (n_items,) or ({n}, {p}); got {lt.shape}.")
    lt_int = np.where(
        np.isnan(lt),
        0,
        np.ceil(lt - 1e-9) if lead_time_rounding == "up" else np.floor(lt + 0.5),
    ).astype(np.int64)  # (n, p)
    protect = lt_int + int(review_period)
    if (protect >= horizon).any():
        raise ValueError(
            f"Paths of {horizon} periods are too short for a lead time plus review of "
            f"{int(protect.max())} periods; draw longer paths."
        )
    ok = ~np.isnan(base) & ~np.isnan(x).any(axis=(1, 2))
    safe_x = np.nan_to_num(x)
    sd = safe_x.reshape(n, -1).std(axis=1)
    step = np.maximum(1.0, np.ceil(0.5 * sd * np.sqrt(protect.mean(axis=1))))
    offsets = np.arange(-int(steps), int(steps) + 1)
    base0 = np.nan_to_num(base, nan=-1.0)
    around = np.maximum(base0[:, None] + offsets[None, :] * step[:, None], -1.0)
    # plus "hold nothing" (s = -1: order only against a backorder) and s = 0 for every item
    grid = np.concatenate([np.full((n, 1), -1.0), np.zeros((n, 1)), around], axis=1)  # (n, k)
    moq_a = np.broadcast_to(np.asarray(np.nan if moq is None else moq, dtype=float), (n,))
    pack_a = np.broadcast_to(np.asarray(np.nan if pack is None else pack, dtype=float), (n,))
    flat = np.ascontiguousarray(safe_x.transpose(2, 0, 1).reshape(horizon, n * p))
    rep = np.repeat(np.arange(n), p)
    mf_rows = np.minimum(protect, horizon // 2).reshape(-1)
    lead_rows = lt_int.reshape(-1)
    k = grid.shape[1]
    filled = np.zeros((n, k))
    demand = np.zeros((n, k))
    held = np.zeros((n, k))
    for j in range(k):
        s_rows = grid[rep, j]
        acc = _replay_kernel(
            flat,
            s_rows,
            q[rep],
            np.full(n * p, np.nan),
            moq_a[rep],
            pack_a[rep],
            np.maximum(s_rows + q[rep], 0.0),
            lead_rows,
            None,
            backorders=backorders,
            review_period=int(review_period),
            trigger=trigger,
            order_multiples=True,
            measure_from=mf_rows,
            time_major=True,
        )
        filled[:, j] = np.bincount(rep, acc["filled_units"], minlength=n)
        demand[:, j] = np.bincount(rep, acc["demand_units"], minlength=n)
        periods = np.bincount(rep, acc["measured_periods"], minlength=n)
        held[:, j] = np.bincount(rep, acc["on_hand_sum"], minlength=n) / np.maximum(periods, 1)
    filled = np.where(ok[:, None], filled, 0.0)
    total = float(np.where(ok, demand[:, 0], 0.0).sum())
    value = held * cost[:, None] * p  # stock value summed over paths, comparable to units
    rows = np.arange(n)

    def pick(lam: float) -> np.ndarray:
        score = filled - lam * value - 1e-9 * grid  # ties: the lower reorder point
        return np.argmax(score, axis=1)

    def pooled(choice: np.ndarray) -> float:
        return float(filled[rows, choice].sum() / total) if total > 0 else 1.0

    results = []
    for target in targets:
        best = pick(0.0)
        if total > 0 and pooled(best) >= target:
            lo, hi = 0.0, 1.0
            while pooled(pick(hi)) >= target and hi < 1e12:
                lo, hi = hi, hi * 10.0
            for _ in range(60):
                mid = 0.5 * (lo + hi)
                if pooled(pick(mid)) >= target:
                    lo = mid
                else:
                    hi = mid
            best = pick(lo)
        out = grid[rows, best]
        out = np.where(np.nan_to_num(base, nan=-1.0) < 0, np.minimum(out, base0), out)
        results.append(np.where(np.isnan(base), np.nan, out))
    return results[0] if np.ndim(fill_rate) == 0 else np.vstack(results)

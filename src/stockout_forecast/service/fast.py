"""The fast update after an event: an item's figures that need no purchase plan, at once.

The re-plan after an event (:mod:`.replan`) runs every stage of the planner on the item's
data and takes, under the default benchmark load, 1.5 to 2 s from the event to the stored
state (most of it the fixed cost of each stage per batch, shared with the other work of
the machine). The fast update (:func:`fast_items`) runs, in a worker of its own, only the
stages whose figures an event moves and that do not depend on the other items' orders:
``demand_history`` -> ``item_velocity`` -> ``classify_demand`` -> ``lead_time_history`` ->
``stock_cover`` -> ``stockout_dates`` -> ``recommend_orders``, called exactly as the
re-plan calls them (the same functions of :mod:`.replan`, on the same data read from the
store, the same stored forecast, seeds and kept demand paths), and writes their figures
into the item's state at once. So every figure it states is the one the re-plan of the
same events states (the tests check it field by field).

What it states (``state["fast"]["fields"]``)::

    velocity   velocity_7d, velocity_28d, velocity_90d, trend_ratio, demand_class, xyz
    cover      stockout_date, days_of_cover
    stockout   stockout_date_p10/p50/p90, p_stockout_in_horizon,
               p_stockout_before_next_receipt, expected_units_short, p_stockout_by
    reorder    order_by_date, reorder_point_units; and order_now (false) and order_units
               (0) when the policy orders nothing

What it leaves to the re-plan (``state["fast"]["pending"]``, the old values stay until
then): the supplier split, expected arrival and order reason (from the draft purchase
orders, which split the orders of all the items to order together); ``order_now`` and
``order_units`` when the policy says to order (the draft purchase orders fix the units);
the item's status and reason, promise dates, customer lines and notices. Stock and
availability are brought up to date at the event's commit already (:func:`~.events.stock_view`).

The state says ``"replan_status": "fast"`` while fast figures include events the re-plan
does not (``state["fast"]["event_seq"]`` > ``state["event_seq"]``), ``"current"`` once the
re-plan has caught up and replaced them. Items that are not on the full plan's fresh
forecast (new items, an old forecast: re-forecast alone by the re-plan) get no fast update.
"""

from __future__ import annotations

import warnings
from typing import Any

import pandas as pd

from .._utils import spawn_seeds
from ..io.validation import assume_valid
from .replan import (
    _Batch,
    _read,
    cover_stage,
    front_stages,
    on_plan_items,
    orders_stage,
    process_cache,
    simulate_stage,
)
from .settings import ServiceSettings
from .state import (
    _STATE_PARTS,
    COMPUTE_LOCK,
    CURVE_DAYS,
    _item_dataset,
    apply_fast,
    jsonify,
    service_planner,
)
from .store import Store, utcnow

__all__ = ["fast_items"]

_VELOCITY = ("velocity_7d", "velocity_28d", "velocity_90d", "trend_ratio")
_CLASSES = ("demand_class", "xyz")
#: the state's cover and stockout parts, as the re-plan writes them (``state._STATE_PARTS``)
_COVER = _STATE_PARTS["cover"]
_STOCKOUT = _STATE_PARTS["stockout"]
_REORDER = ("order_by_date", "reorder_point_units")
#: what the fast update never states: the re-plan's alone
ALWAYS_PENDING = (
    "status",
    "reason",
    "reorder.supplier_split",
    "reorder.expected_arrival_date",
    "reorder.order_reason",
    "lines",
    "notices",
)


def _by_item(df: pd.DataFrame | None, cols: tuple[str, ...]) -> dict[str, dict[str, Any]]:
    """Per item id, the JSON values of ``cols`` (those present) of its first row in ``df``."""
    if df is None:
        return {}
    have = [c for c in cols if c in df.columns]
    out: dict[str, dict[str, Any]] = {}
    for iid, *vals in df[["item_id", *have]].itertuples(index=False):
        out.setdefault(str(iid), {c: jsonify(v) for c, v in zip(have, vals, strict=True)})
    return out


def _fields(b: _Batch, ids: list[str], settings: ServiceSettings) -> dict[str, dict[str, Any]]:
    """Per item of ``ids``: ``{"fields": {part: {column: value}}, "pending": [...]}``."""
    planner = service_planner(settings, b.as_of)
    fc = b.cache.forecast_ahead(b.as_of)
    ds, _ = _item_dataset(b.tables_of(ids), b.as_of)
    if ds.inventory is None or ds.sales is None:
        return {}
    start = b.start
    if start is not None:  # as the re-plan does (_plan_group)
        start = min(start, pd.Timestamp(ds.sales["date"].min()).normalize())
    seeds = spawn_seeds(planner.random_state, 3)
    with warnings.catch_warnings(), assume_valid():
        warnings.simplefilter("ignore")  # the re-plan notes them
        idx, _, velocity, classes, lead_times = front_stages(
            ds, planner, as_of=b.as_of, start=start
        )
        cover = cover_stage(ds, velocity, planner, b.as_of)
        so = simulate_stage(ds, fc, planner, seeds, lead_times, idx)
        orders = None
        if ds.suppliers is not None:
            orders, _ = orders_stage(so, ds, fc, planner, seeds, b.as_of, lead_times)
        curves = so.curves_frame()
    targets = [b.as_of + pd.Timedelta(days=d) for d in CURVE_DAYS]
    curves = curves[curves["date"].isin(targets)]
    by_curve: dict[str, list[dict[str, Any]]] = {}
    for iid, d, p in curves[["item_id", "date", "p_stockout"]].itertuples(index=False):
        by_curve.setdefault(str(iid), []).append({"date": jsonify(d), "p_stockout": jsonify(p)})
    vel, cls, cov = (
        _by_item(velocity, _VELOCITY),
        _by_item(classes, _CLASSES),
        _by_item(cover, _COVER),
    )
    sto = _by_item(so.summary, _STOCKOUT)
    rec_all = _by_item(orders, (*_REORDER, "order_now", "status"))
    out = {}
    for iid in ids:
        stockout = {**dict.fromkeys(_STOCKOUT), **sto.get(iid, {})}
        stockout["p_stockout_by"] = by_curve.get(iid, [])
        fields = {
            "velocity": {
                **dict.fromkeys(_VELOCITY + _CLASSES),
                **vel.get(iid, {}),
                **cls.get(iid, {}),
            },
            "cover": {**dict.fromkeys(_COVER), **cov.get(iid, {})},
            "stockout": stockout,
        }
        pending = list(ALWAYS_PENDING)
        if orders is not None:
            rec = rec_all.get(iid, {})
            reorder = {c: rec.get(c) for c in _REORDER}
            if rec.get("order_now"):  # the draft purchase orders decide the units
                pending += ["reorder.order_now", "reorder.order_units"]
            else:  # nothing to place: what the plan's summary says then
                ok = rec.get("status") == "ok"
                reorder.update(order_now=False, order_units=0.0 if ok else None)
            fields["reorder"] = reorder
        out[iid] = {"fields": fields, "pending": pending}
    return out


def fast_items(store: Store, item_ids: list[str], settings: ServiceSettings) -> int:
    """The fast update of ``item_ids`` (see the module); the number of states updated.

    A state whose re-plan, or an earlier fast update, includes the same events already is
    left as it is.
    """
    ids = sorted(set(item_ids))
    if not ids:
        return 0
    cache = process_cache(store, settings)
    with cache.lock:
        b = _read(store, ids, cache)
        with_sales = set(b.tables["sales"]["item_id"].unique())
        work = on_plan_items(b, [i for i in ids if i in with_sales], settings)
        if not work:
            return 0
        with COMPUTE_LOCK:
            try:
                got = _fields(b, work, settings)
            except ValueError:  # bad data: the re-plan says what is wrong
                return 0
    computed_at = utcnow().strftime("%Y-%m-%dT%H:%M:%SZ")
    saved = 0
    with store.write() as conn:
        held = store.get_states(conn, list(got))
        seqs = store.state_seqs(conn, list(got))
        for iid, fast in got.items():
            st, seq = held.get(iid), b.seqs.get(iid, 0)
            if st is None or int(st.get("event_seq", -1)) >= seq:
                continue  # the re-plan has these events already
            if int((st.get("fast") or {}).get("event_seq", -1)) >= seq:
                continue
            apply_fast(st, {"event_seq": seq, "computed_at": computed_at, **fast})
            event_seq, stock_seq = seqs[iid]
            saved += store.put_state(
                conn, iid, event_seq, st, st.get("forecast_model"), stock_seq=stock_seq
            )
    return saved

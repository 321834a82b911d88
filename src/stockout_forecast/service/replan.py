"""An event's re-plan: the items' figures from their stored forecasts, many items at once.

The nightly plan (``stockout-forecast plan --db``, :func:`~.state.plan_store`) fits the
demand forecast of every item and stores each item's row (:meth:`DemandForecast.to_dict
<stockout_forecast.DemandForecast.to_dict>`) with the planning date it was made for. An
event changes an item's stock, sales, receipts or orders, not its fitted demand model, so
the re-plan that follows it (:func:`replan_items`) does not fit anything: it rebuilds the
items' forecast (:meth:`DemandForecast.from_dict
<stockout_forecast.DemandForecast.from_dict>`) and runs the planner's other stages on the
items' rows, all the items of the batch in one vectorised call each
(:func:`plan_with_forecast`): ``demand_history`` -> ``item_velocity`` ->
``classify_demand`` -> ``stock_cover`` -> ``lead_time_history`` -> ``stockout_dates`` ->
``recommend_orders`` -> ``plan_purchase_orders`` -> ``promise_dates``, with the planner's
settings and seeds (``SeedSequence(random_state).spawn(3)``).

The stored forecast is used while it is at most ``ServiceSettings.forecast_max_age_days``
(7) days older than the planning date: its days that are still ahead are simulated (a
forecast made for 24 November covers 25 November to 22 February; an event of 26 November
simulates 27 November to 22 February). An item without a stored forecast (new since the
last full plan) or with an older one is re-forecast with the models it chose in its last
full plan (``"auto"`` when it has none), on its own history; that forecast is stored and
used until the next full plan replaces it.

What a batch's figures share with the nightly plan: the same forecast (on the days still
ahead), the same stages, settings and seeds. What they do not: the demand paths of an item
are drawn with those of the other items of its seed block (64 items) in the batch, so two
re-plans of one item from the same data agree only when its batch is the same; otherwise
they differ by Monte Carlo noise. With the same forecast and the whole block in the batch
they are the nightly plan's paths (the tests check that re-planning every item of a small
store, with no event since its plan, gives the nightly plan's figures). The ABC class is
a ranking over all items: it stays the one of the last full plan.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
import re
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

import stockout_forecast as sof

from .._utils import spawn_seeds
from ..io.validation import assume_valid
from ..supply.shortage import shortage_costs
from ._cache import _OTHER, ProcessCache, _dated, _days_ahead, process_cache
from .events import stock_view
from .settings import ServiceSettings
from .state import (
    COMPUTE_LOCK,
    _fallback_state,
    _item_dataset,
    _models,
    apply_fast,
    forecast_records,
    service_planner,
    states_from_plan,
)
from .store import CONTRACT_TABLES, Store, utcnow

__all__ = [
    "ProcessCache",
    "item_seed",
    "plan_with_forecast",
    "process_cache",
    "replan_items",
    "warm_items",
]

log = logging.getLogger("stockout_forecast.service")

#: the planner's forecast horizon for daily data (``ReorderPlanner(horizon=None)``), days
HORIZON_DAYS = 90


def plan_with_forecast(
    dataset: sof.Dataset,
    forecast: sof.DemandForecast,
    planner: sof.ReorderPlanner,
    *,
    as_of: pd.Timestamp,
    start: pd.Timestamp | None = None,
    lead_time_fn: Callable[..., pd.DataFrame] | None = None,
) -> sof.ReorderPlan:
    """The planner's stages on ``dataset`` with a given forecast (nothing is fitted).

    Each stage is one public function called as :class:`~stockout_forecast.ReorderPlanner`
    calls it, with ``planner``'s settings and seeds; ``start`` is the first period of the
    demand history (the nightly plan's, so that the periods are the same). ``forecast`` may
    hold more items than ``dataset`` (the full plan's forecast): only the dataset's items
    are simulated, each with the demand paths of its row's seed block. Returns the
    :class:`~stockout_forecast.ReorderPlan` of those stages (no ``notes``). ``lead_time_fn``:
    a function called as ``lead_time_history`` that gives the same frame (a cache of it,
    :meth:`ProcessCache.lead_times`); default ``lead_time_history``.
    """
    seeds = spawn_seeds(planner.random_state, 3)
    ids, history, velocity, classes, lead_times = front_stages(
        dataset, planner, as_of=as_of, start=start, lead_time_fn=lead_time_fn
    )
    inv = dataset.inventory
    parts: dict[str, Any] = {}
    if inv is not None:
        parts = _stock_stages(dataset, forecast, planner, seeds, as_of, lead_times, ids)
        parts["cover"] = cover_stage(dataset, velocity, planner, as_of)
        parts["stockouts"] = dataclasses.replace(
            parts["stockouts"], _scenario=None, censored_share=float(history.censored_share)
        )
    return sof.ReorderPlan(
        as_of=as_of,
        history=history,
        velocity=velocity,
        demand_classes=classes,
        cover=parts.pop("cover", None),
        items=dataset.items,
        lead_times=lead_times,
        forecast=forecast,
        source=dataset.source,
        **parts,
    )


def front_stages(
    dataset: sof.Dataset,
    planner: sof.ReorderPlanner,
    *,
    as_of: pd.Timestamp,
    start: pd.Timestamp | None,
    lead_time_fn: Callable[..., pd.DataFrame] | None = None,
) -> tuple[pd.Index, Any, pd.DataFrame, pd.DataFrame, pd.DataFrame | None]:
    """The stages before the simulation: items, demand history, velocity, classes, lead times.

    Shared by the re-plan (:func:`plan_with_forecast`) and the fast update
    (:mod:`.fast`), so that both compute these figures with the same calls.
    """
    # the sorted union of each table's ids (as the unique ids of all tables together)
    every = set().union(*(pd.unique(df["item_id"].astype(str)) for df in dataset.tables.values()))
    ids = pd.Index(sorted(every))
    assert dataset.sales is not None
    history = sof.demand_history(
        dataset.sales,
        dataset.stock_history,
        freq=planner.freq,
        as_of=as_of,
        items=ids,
        start=start,
    )
    velocity = sof.item_velocity(history)
    classes = sof.classify_demand(history)
    po, sup = dataset.purchase_orders, dataset.suppliers
    lt = None
    if po is not None or sup is not None:
        lt = (lead_time_fn or sof.lead_time_history)(
            po if po is not None else _no_purchase_orders(), sup, as_of=as_of
        )
    return ids, history, velocity, classes, lt


def cover_stage(
    dataset: sof.Dataset, velocity: pd.DataFrame, planner: sof.ReorderPlanner, as_of: pd.Timestamp
) -> pd.DataFrame:
    """Days of cover at the current velocity (``stock_cover``), as the planner calls it."""
    assert dataset.inventory is not None
    return sof.stock_cover(
        dataset.inventory,
        velocity,
        dataset.purchase_orders,
        as_of=as_of,
        horizon=planner.cover_horizon_days,
        velocity_column=planner.velocity_column,
    )


def simulate_stage(
    ds: sof.Dataset,
    forecast: sof.DemandForecast,
    planner: sof.ReorderPlanner,
    seeds: list[Any],
    lead_times: pd.DataFrame | None,
    ids: pd.Index,
) -> Any:
    """Stockout dates of ``ids`` on their demand paths (kept for the orders)."""
    assert ds.inventory is not None
    return sof.stockout_dates(
        forecast,
        ds.inventory,
        ds.purchase_orders,
        items=list(ids),
        n_paths=planner.n_paths,
        lead_time_uncertainty=lead_times,
        random_state=seeds[1],
        keep_paths=True,
    )


def orders_stage(
    so: Any,
    ds: sof.Dataset,
    forecast: sof.DemandForecast,
    planner: sof.ReorderPlanner,
    seeds: list[Any],
    as_of: pd.Timestamp,
    lead_times: pd.DataFrame | None,
) -> tuple[pd.DataFrame, pd.Timestamp]:
    """``recommend_orders`` on the stockout forecast's paths, and the day orders are placed."""
    assert ds.inventory is not None
    assert ds.suppliers is not None
    order_day = max(as_of, pd.Timestamp(forecast.dates[0]) - pd.Timedelta(days=1))
    orders = sof.recommend_orders(
        so,
        ds.inventory,
        ds.suppliers,
        ds.purchase_orders,
        ds.items,
        service_level=planner.service_level,
        review_period_days=planner.review_period_days,
        as_of=order_day,
        lead_times=lead_times,
        n_paths=planner.n_paths,
        random_state=seeds[2],
    )
    return orders, order_day


def _no_purchase_orders() -> pd.DataFrame:
    return pd.DataFrame(
        columns=["po_id", "item_id", "supplier_id", "units", "order_date", "expected_date"]
    )


def _stock_stages(
    ds: sof.Dataset,
    forecast: sof.DemandForecast,
    planner: sof.ReorderPlanner,
    seeds: list[Any],
    as_of: pd.Timestamp,
    lead_times: pd.DataFrame | None,
    ids: pd.Index,
) -> dict[str, Any]:
    """Stockout dates (paths kept), orders on the same paths, splits, promise dates."""
    inv, po = ds.inventory, ds.purchase_orders
    assert inv is not None
    so = simulate_stage(ds, forecast, planner, seeds, lead_times, ids)
    out: dict[str, Any] = {"stockouts": so}
    plan_lines = None
    if ds.suppliers is not None:
        orders, order_day = orders_stage(so, ds, forecast, planner, seeds, as_of, lead_times)
        out["orders"] = orders
        to_order = orders[orders["order_now"].fillna(False).astype(bool)]
        if len(to_order):
            costs = shortage_costs(to_order["item_id"], ds.suppliers, ds.items)
            out["shortage_costs"] = costs
            pp = sof.plan_purchase_orders(
                to_order.assign(demand_units_per_day=to_order["velocity_units_per_day"]),
                ds.suppliers,
                stockouts=so,
                lead_times=lead_times,
                items=costs.rename(columns={"shortage_cost_per_unit": "backorder_cost"})[
                    ["item_id", "backorder_cost"]
                ],
                as_of=order_day,
            )
            out["purchase_plan"] = pp
            plan_lines = pp.lines
    co = ds.customer_orders
    if co is not None and len(co):
        out["backorders"] = sof.promise_dates(
            co,
            inv,
            po,
            plan_lines,
            rule=planner.allocation_rule,  # type: ignore[arg-type]
            as_of=as_of,
            promise=planner.promise,  # type: ignore[arg-type]
            lead_times=lead_times,
            suppliers=ds.suppliers,
        )
    return out


# --------------------------------------------------------------------------- the batch
@dataclasses.dataclass
class _Batch:
    """What a re-plan read from the store, in one read transaction."""

    ids: list[str]
    tables: dict[str, pd.DataFrame]
    seqs: dict[str, int]
    as_of: pd.Timestamp
    start: pd.Timestamp | None
    forecasts: dict[str, tuple[pd.Timestamp, int | None, dict[str, Any] | None]]
    previous: dict[str, dict[str, Any]]
    cache: ProcessCache

    def tables_of(self, ids: list[str]) -> dict[str, pd.DataFrame]:
        keep = set(ids)
        return {k: v[v["item_id"].isin(keep)] for k, v in self.tables.items()}


def _read(store: Store, ids: list[str], cache: ProcessCache) -> _Batch:
    with store.read() as conn:
        seqs = store.last_seqs(conn, ids)
        as_of = store.as_of(conn)
        as_of = pd.Timestamp(utcnow().date()) if as_of is None else as_of
        cache.refresh(store, conn, store.get_meta(conn, "planned_at"))
        got = store.items_tables(conn, ids, tables=list(_OTHER))
        tables = {t: _dated(df, t) for t, df in got.items()}
        tables.update(cache.history(store, conn, ids, seqs, as_of))
        start = store.get_meta(conn, "history_start")
        # the full plan's rows are read from the cache's forecast (ProcessCache.refresh)
        forecasts = store.get_forecasts(conn, ids, plan_payloads=False)
        previous = store.get_states(conn, ids)
    return _Batch(
        ids=ids,
        tables={t: tables[t] for t in CONTRACT_TABLES},
        seqs=seqs,
        as_of=as_of,
        start=None if start is None else pd.Timestamp(start),
        forecasts=forecasts,
        previous=previous,
        cache=cache,
    )


def replan_items(
    store: Store, item_ids: list[str], settings: ServiceSettings, *, keep: bool = True
) -> int:
    """Re-plan ``item_ids`` from the store with their stored forecasts; save their states.

    Items are planned together (one call of each stage for all of them); an item whose data
    cannot be planned gets the status ``invalid_data`` and the reason, the others are not
    affected. ``keep=False`` reads everything from the store (no :class:`ProcessCache`).
    Returns the number of states saved (a state from later events is kept).
    """
    ids = sorted(set(item_ids))
    if not ids:
        return 0
    cache = process_cache(store, settings) if keep else ProcessCache(paths_mb=0)
    with cache.lock:
        b = _read(store, ids, cache)
        with_sales = set(b.tables["sales"]["item_id"].unique())
        states: dict[str, dict[str, Any]] = {}
        new_forecasts: dict[str, dict[str, Any]] = {}
        for iid in ids:
            if iid not in with_sales:
                states[iid] = _fallback_state(
                    iid,
                    b.tables_of([iid]),
                    b.as_of,
                    b.seqs.get(iid, 0),
                    "no_sales",
                    "no sales history: nothing to forecast",
                )
        work = [i for i in ids if i in with_sales]
        if work:
            with COMPUTE_LOCK:
                _plan_batch(b, work, settings, states, new_forecasts)
    # encoded before the write transaction: it holds the store's write lock, which every
    # event's commit waits for
    payloads = {iid: json.dumps(st, allow_nan=False) for iid, st in states.items()}
    with store.write() as conn:
        saved = _save_states(store, conn, states, b.seqs, settings, payloads)
        if new_forecasts:
            store.put_forecasts(conn, b.as_of, new_forecasts)
    return saved


def _save_states(
    store: Store,
    conn: Any,
    states: dict[str, dict[str, Any]],
    seqs: dict[str, int],
    settings: ServiceSettings,
    payloads: dict[str, str] | None = None,
) -> int:
    """Store the re-planned states; the number stored (a state of later events is kept).

    ``payloads``: the states as JSON, encoded before the transaction (a state changed here
    is encoded again).

    A fast update of later events (:mod:`.fast`) stays on the re-planned state, as it was.
    An event committed while the re-plan ran has brought the item's stock and availability
    up to date in the store (``stock_seq`` beyond the re-plan's events): the re-planned state
    is stored all the same (it includes every event up to its ``seq``) and that stock view is
    made again on it at once, in the same transaction (:func:`~.events.stock_view`), so that
    neither the re-plan nor the later event's stock is lost.
    """
    held = store.state_seqs(conn, list(states))
    before = store.fast_updates(conn, list(states))
    payloads = dict(payloads or {})
    rows, views = [], {}
    for iid, st in states.items():
        seq = seqs.get(iid, 0)
        fast = before.get(iid)
        if fast and int(fast.get("event_seq", -1)) > seq:
            apply_fast(st, fast)  # a fast update of later events: it stays until their re-plan
            payloads.pop(iid, None)
        event_seq, stock_seq = held.get(iid, (-1, -1))
        payload = payloads.get(iid) or json.dumps(st, allow_nan=False)
        if stock_seq > seq and event_seq <= seq:  # a later event's stock view: made again
            views[iid] = stock_seq
            rows.append((iid, seq, stock_seq, st, st.get("forecast_model"), payload))
        else:
            rows.append((iid, seq, seq, st, st.get("forecast_model"), payload))
    stored = store.put_states(conn, rows, held)
    for iid, stock_seq in views.items():
        if iid in stored:
            stock_view(conn, store, iid, stock_seq, settings.low_stock_units, settings.promise)
    return len(stored)


def warm_items(store: Store, item_ids: list[str], settings: ServiceSettings) -> int:
    """Fill this process's cache for ``item_ids`` without re-planning them.

    Reads their history rows (kept) and draws the demand paths of their seed blocks of the
    full plan's forecast (kept), as their first re-plan would; saves nothing. The lane
    calls it while no event waits, so that the first event of an item costs what the
    following ones cost. Returns the number of items whose history is now kept.
    """
    ids = sorted(set(item_ids))
    cache = process_cache(store, settings)
    with cache.lock:
        b = _read(store, ids, cache)
        _warm_lead_times(b)
        on_plan = [i for i in ids if i in cache.plan_rows]
        if on_plan and cache.plan_forecast is not None and cache.paths_bytes > 0:
            planner = service_planner(settings, b.as_of)
            seeds = spawn_seeds(planner.random_state, 3)
            stock = pd.DataFrame({"item_id": on_plan, "on_hand_units": 1.0})
            with COMPUTE_LOCK, warnings.catch_warnings():
                warnings.simplefilter("ignore")
                # the same call as a re-plan's (other stock): draws and keeps the same paths
                sof.stockout_dates(
                    cache.forecast_ahead(b.as_of),
                    stock,
                    items=on_plan,
                    n_paths=planner.n_paths,
                    random_state=seeds[1],
                    keep_paths=True,
                )
        return sum(i in cache.kept for i in ids)


def _warm_lead_times(b: _Batch) -> None:
    """Keep the lead times of the batch's items (:meth:`ProcessCache.lead_times`)."""
    try:
        with COMPUTE_LOCK, warnings.catch_warnings(), assume_valid():
            warnings.simplefilter("ignore")
            ds, _ = _item_dataset(b.tables, b.as_of, trusted=True)
            po, sup = ds.purchase_orders, ds.suppliers
            if po is not None or sup is not None:
                po = po if po is not None else _no_purchase_orders()
                b.cache.lead_times(po, sup, as_of=b.as_of)
    except ValueError:  # bad data: the items' re-plan says what is wrong
        pass


def _plan_batch(
    b: _Batch,
    ids: list[str],
    settings: ServiceSettings,
    states: dict[str, dict[str, Any]],
    new_forecasts: dict[str, dict[str, Any]],
) -> None:
    """States of ``ids`` (items with sales) into ``states``; new forecasts too.

    Items with a row in the full plan's forecast made at most ``forecast_max_age_days``
    before the planning date are planned together on that forecast; the others one by one
    (:func:`_plan_alone`).
    """
    on_plan = on_plan_items(b, ids, settings)
    alone = [i for i in ids if i not in set(on_plan)]
    if on_plan:
        planner = service_planner(settings, b.as_of)
        fc = b.cache.forecast_ahead(b.as_of)
        assert b.cache.plan_made_for is not None
        info = {"made_for": b.cache.plan_made_for.strftime("%Y-%m-%d"), "refit": False}
        try:
            states.update(_plan_group(b, on_plan, fc, planner, settings, info))
        except ValueError as err:  # SchemaError and friends: some item's data is bad
            log.warning("re-planning %d items together failed (%s); one by one", len(on_plan), err)
            alone = on_plan + alone if len(on_plan) > 1 else alone
            if len(on_plan) == 1:
                _invalid(b, on_plan[0], states)
    for iid in sorted(alone):
        try:
            _plan_alone(b, iid, settings, states, new_forecasts)
        except ValueError:
            _invalid(b, iid, states)


def on_plan_items(b: _Batch, ids: list[str], settings: ServiceSettings) -> list[str]:
    """The items of ``ids`` planned on the full plan's forecast (a fresh row of it)."""
    max_age = settings.forecast_max_age_days
    out = []
    for iid in ids:
        got = b.forecasts.get(iid)
        fresh = got is not None and 0 <= (b.as_of - got[0]).days <= max_age
        if got is not None and fresh and got[1] is not None and iid in b.cache.plan_rows:
            out.append(iid)
    return out


def _invalid(b: _Batch, iid: str, states: dict[str, dict[str, Any]]) -> None:
    """The state of an item whose data cannot be planned: its stock, and the error."""
    try:
        _item_dataset(b.tables_of([iid]), b.as_of)
        reason = "its data cannot be planned"
    except ValueError as err:
        reason = str(err)
    log.warning("item %s cannot be planned: %s", iid, reason)
    states[iid] = _fallback_state(
        iid, b.tables_of([iid]), b.as_of, b.seqs.get(iid, 0), "invalid_data", reason
    )


def _plan_alone(
    b: _Batch,
    iid: str,
    settings: ServiceSettings,
    states: dict[str, dict[str, Any]],
    new_forecasts: dict[str, dict[str, Any]],
) -> None:
    """One item on its own forecast (stored, or made now on its own history), own seed."""
    planner = service_planner(settings, b.as_of)
    planner.random_state = item_seed(settings.random_state, iid)
    got = b.forecasts.get(iid)
    fresh = got is not None and 0 <= (b.as_of - got[0]).days <= settings.forecast_max_age_days
    if got is not None and fresh and got[1] is None:
        assert got[2] is not None  # decoded: a forecast made for the item alone
        fc, made_for, refit = sof.DemandForecast.from_dict(got[2]), got[0], False
    else:
        fc, made_for, refit = _refit(b, iid, planner), b.as_of, True
        new_forecasts.update(forecast_records(fc))
    info = {"made_for": made_for.strftime("%Y-%m-%d"), "refit": refit}
    states.update(_plan_group(b, [iid], _days_ahead(fc, b.as_of), planner, settings, info))


def _plan_group(
    b: _Batch,
    ids: list[str],
    fc: sof.DemandForecast,
    planner: sof.ReorderPlanner,
    settings: ServiceSettings,
    info: dict[str, Any],
) -> dict[str, dict[str, Any]]:
    """The states of ``ids`` planned together on the forecast ``fc``."""
    ds, notes = _item_dataset(b.tables_of(ids), b.as_of, trusted=True)
    assert ds.sales is not None
    start = b.start
    if start is not None:  # a late event may reach before the nightly plan's first day
        start = min(start, pd.Timestamp(ds.sales["date"].min()).normalize())
    # the tables were validated once (``_item_dataset``): the stages need not check them again
    with warnings.catch_warnings(record=True) as caught, assume_valid():
        warnings.simplefilter("always")
        plan = plan_with_forecast(
            ds, fc, planner, as_of=b.as_of, start=start, lead_time_fn=b.cache.lead_times
        )
        states = states_from_plan(plan, ds, settings, b.seqs, source="event")
    notes += [str(w.message) for w in caught]
    info = {**info, "horizon_days": len(fc.dates)}
    for iid, st in states.items():
        st["forecast"] = info
        st["velocity"]["abc"] = (b.previous.get(iid) or {}).get("velocity", {}).get("abc")
        st["notes"] = _notes_of(iid, notes, ids)
    return states


def item_seed(random_state: int, item_id: str) -> np.random.SeedSequence:
    """Seed of a re-plan of one item on its own: the service seed and a hash of the id."""
    h = int.from_bytes(hashlib.sha256(item_id.encode("utf-8")).digest()[:8], "big")
    return np.random.SeedSequence([int(random_state), h])


def _refit(b: _Batch, iid: str, planner: sof.ReorderPlanner) -> sof.DemandForecast:
    """A new forecast of ``iid`` on its own history, with the models it chose last."""
    ds, _ = _item_dataset(b.tables_of([iid]), b.as_of)
    assert ds.sales is not None
    start = b.start
    if start is not None:
        start = min(start, pd.Timestamp(ds.sales["date"].min()).normalize())
    seeds = spawn_seeds(planner.random_state, 3)
    model = (b.previous.get(iid) or {}).get("forecast_model")
    with warnings.catch_warnings():
        # the stages that follow read the same history and note what it warns about
        warnings.simplefilter("ignore")
        hist = sof.demand_history(
            ds.sales, ds.stock_history, freq=planner.freq, as_of=b.as_of, items=[iid], start=start
        )
        return sof.forecast_demand(
            hist,
            _models(model),
            horizon=HORIZON_DAYS,
            n_paths=planner.n_paths,
            random_state=seeds[0],
        )


def _notes_of(item_id: str, notes: list[str], ids: list[str]) -> list[str]:
    """The notes about ``item_id``: those naming it, and those naming no item of the batch."""
    out = []
    for n in dict.fromkeys(notes):
        named = [i for i in ids if re.search(rf"(?<![\w-]){re.escape(i)}(?![\w-])", n)]
        if not named or item_id in named:
            out.append(n)
    return out

"""Per-item state: what the service answers about an item, computed from the store.

One function turns a :class:`~stockout_forecast.ReorderPlan` into per-item states
(:func:`states_from_plan`), whether the plan covers every item (the nightly
``stockout-forecast plan --db``) or one item (after an event, :func:`compute_item`). Every
endpoint then reads that one state, so a figure shown by two endpoints comes from one frame.

An event re-plans only its item: the item's rows are read from the store into a one-item
:class:`~stockout_forecast.Dataset` and run through :class:`~stockout_forecast.ReorderPlanner`
with the forecast models the item chose in the last full plan (the 'auto' choice needs the
other items' backtests) and a seed derived from the item id, so the same store gives the same
state. Figures can differ from the nightly plan's by Monte Carlo noise (different random
streams) and by the forecast's calibration, which the full plan pools over items.
"""

from __future__ import annotations

import dataclasses
import hashlib
import logging
import math
import threading
import warnings
from typing import Any

import numpy as np
import pandas as pd

import stockout_forecast as sof

from .settings import ServiceSettings
from .store import Store, utcnow

__all__ = ["COMPUTE_LOCK", "compute_item", "item_seed", "plan_store", "states_from_plan"]

log = logging.getLogger("stockout_forecast.service")

#: one numerical job at a time per process: the GIL allows no more, and Python's warning
#: capture (notes from the library's warnings) is not thread-safe
COMPUTE_LOCK = threading.Lock()

#: days ahead at which the state reports P(stockout by then)
CURVE_DAYS = (7, 14, 28, 56, 90)


def item_seed(random_state: int, item_id: str) -> np.random.SeedSequence:
    """Seed of an item's own re-plan: the service seed and a hash of the id."""
    h = int.from_bytes(hashlib.sha256(item_id.encode("utf-8")).digest()[:8], "big")
    return np.random.SeedSequence([int(random_state), h])


def jsonify(value: Any) -> Any:
    """A scalar as JSON: dates ISO (YYYY-MM-DD), NaN/NaT None, numpy scalars as Python."""
    if value is None or value is pd.NaT:
        return None
    if isinstance(value, (pd.Timestamp, np.datetime64)):
        ts = pd.Timestamp(value)
        return None if pd.isna(ts) else ts.strftime("%Y-%m-%d")
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        v = float(value)
        return v if math.isfinite(v) else None
    if isinstance(value, str):
        return value
    try:
        if pd.isna(value):
            return None
    except (TypeError, ValueError):
        pass
    return str(value)


def records(df: pd.DataFrame | None, columns: list[str] | None = None) -> list[dict[str, Any]]:
    """Rows of a frame as JSON-able dicts (only ``columns`` that exist, when given)."""
    if df is None or len(df) == 0:
        return []
    cols = [c for c in (columns or list(df.columns)) if c in df.columns]
    return [
        {c: jsonify(v) for c, v in zip(cols, row, strict=True)}
        for row in df[cols].itertuples(index=False)
    ]


def _pick(row: pd.Series | None, cols: tuple[str, ...]) -> dict[str, Any]:
    if row is None:
        return {c: None for c in cols}
    return {c: jsonify(row.get(c)) for c in cols}


_LINE_COLUMNS = [
    "order_id",
    "line_id",
    "customer_id",
    "units",
    "order_date",
    "units_ship_now",
    "promised_date_p50",
    "promised_date_p90",
    "promised_date",
    "status",
    "previous_promised_date",
    "days_slipped",
    "date_moved",
    "change",
    "reason",
]
_NOTICE_COLUMNS = [
    "customer_id",
    "order_id",
    "line_id",
    "units",
    "units_ship_now",
    "old_promised_date",
    "new_promised_date",
    "days_slipped",
    "notice",
    "reason",
    "options",
]


def _backorders(plan: Any, ds: sof.Dataset, settings: ServiceSettings) -> Any:
    """The plan's promise dates; computed here when the plan had no open lines."""
    if plan.backorders is not None:
        return plan.backorders
    inv = ds.inventory
    if inv is None or len(inv) == 0:
        return None
    empty = pd.DataFrame(
        {
            "order_id": pd.Series(dtype="str"),
            "line_id": pd.Series(dtype="str"),
            "item_id": pd.Series(dtype="str"),
            "units": pd.Series(dtype="float64"),
            "order_date": pd.Series(dtype="datetime64[ns]"),
        }
    )
    rec = plan.purchase_plan.lines if plan.purchase_plan is not None else None
    return sof.promise_dates(
        empty,
        inv,
        ds.purchase_orders,
        rec,
        as_of=plan.as_of,
        promise=settings.promise,  # type: ignore[arg-type]
        lead_times=plan.lead_times,
        suppliers=ds.suppliers,
    )


def states_from_plan(
    plan: Any,
    ds: sof.Dataset,
    settings: ServiceSettings,
    seqs: dict[str, int],
    *,
    source: str,
) -> dict[str, dict[str, Any]]:
    """One state per item of ``plan`` (a :class:`~stockout_forecast.ReorderPlan`)."""
    summary = plan.summary().set_index("item_id")
    bo = _backorders(plan, ds, settings)
    avail = notices = lines = supply = None
    if bo is not None:
        avail = sof.availability_feed(bo, low_stock_units=settings.low_stock_units).set_index(
            "item_id"
        )
        notices = sof.backorder_notices(bo, incentive=settings.incentive)
        lines, supply = bo.lines, bo.supply
    curves = None
    if plan.stockouts is not None:
        cf = plan.stockouts.curves_frame()
        targets = [plan.as_of + pd.Timedelta(days=d) for d in CURVE_DAYS]
        curves = cf[cf["date"].isin(targets)]
    ids = summary.index.union(pd.Index(avail.index if avail is not None else [], dtype="str"))
    computed_at = utcnow().strftime("%Y-%m-%dT%H:%M:%SZ")
    out = {}
    for iid in ids:
        row = summary.loc[iid] if iid in summary.index else None
        a = avail.loc[iid] if avail is not None and iid in avail.index else None
        st = {
            "item_id": str(iid),
            "as_of": jsonify(plan.as_of),
            "event_seq": int(seqs.get(iid, 0)),
            "computed_at": computed_at,
            "source": source,
            "status": jsonify(row.get("status")) if row is not None else "no_sales",
            "reason": (jsonify(row.get("reason")) if row is not None else None)
            or ("" if row is not None else "no sales history"),
            "description": jsonify(row.get("description")) if row is not None else None,
            "stock": _pick(
                row,
                (
                    "on_hand_units",
                    "backordered_units",
                    "available_units",
                    "open_po_units",
                    "next_receipt_date",
                ),
            ),
            "velocity": _pick(
                row,
                (
                    "velocity_7d",
                    "velocity_28d",
                    "velocity_90d",
                    "trend_ratio",
                    "demand_class",
                    "abc",
                    "xyz",
                ),
            ),
            "cover": _pick(row, ("stockout_date", "days_of_cover")),
            "forecast_model": jsonify(row.get("forecast_model")) if row is not None else None,
            "stockout": _pick(
                row,
                (
                    "stockout_date_p10",
                    "stockout_date_p50",
                    "stockout_date_p90",
                    "p_stockout_in_horizon",
                    "p_stockout_before_next_receipt",
                    "expected_units_short",
                ),
            ),
            "reorder": _pick(
                row,
                (
                    "order_now",
                    "order_units",
                    "order_by_date",
                    "expected_arrival_date",
                    "reorder_point_units",
                    "supplier_split",
                    "order_reason",
                ),
            ),
            "availability": _pick(
                a,
                (
                    "status",
                    "message",
                    "units_available",
                    "next_available_date",
                    "next_available_units",
                ),
            ),
            "supply": [],
            "lines": [],
            "notices": [],
            "notes": [],
        }
        if a is None:
            st["availability"].update(
                status="unavailable", message="Currently unavailable", units_available=0.0
            )
        if curves is not None:
            c = curves[curves["item_id"] == iid]
            st["stockout"]["p_stockout_by"] = [
                {"date": jsonify(d), "p_stockout": jsonify(p)}
                for d, p in zip(c["date"], c["p_stockout"], strict=True)
            ]
        if supply is not None:
            st["supply"] = records(
                supply[supply["item_id"] == iid],
                ["kind", "source_id", "supplier_id", "units", "date_p50", "date_p90", "units_free"],
            )
        if lines is not None:
            st["lines"] = records(lines[lines["item_id"] == iid], _LINE_COLUMNS)
        if notices is not None and len(notices):
            st["notices"] = records(notices[notices["item_id"] == iid], _NOTICE_COLUMNS)
        out[str(iid)] = st
    return out


def _item_dataset(
    tables: dict[str, pd.DataFrame], as_of: pd.Timestamp
) -> tuple[sof.Dataset, list[str]]:
    """A validated one-item Dataset from the store's rows (empty tables left out)."""
    present = {k: v for k, v in tables.items() if len(v)}
    if "inventory" in present:
        inv = present["inventory"].copy()
        inv["as_of"] = as_of  # the live on-hand is current: it is the stock as of today
        present["inventory"] = inv
    if "customer_orders" not in present and "inventory" in present:
        present["customer_orders"] = tables["customer_orders"]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        # the shop's data as a whole is checked for staleness by the nightly plan; one item
        # that has not sold for months is not stale data, so that check is off here
        ds = sof.validate_dataset(
            sof.Dataset(**present, source="service store"),  # type: ignore[arg-type]
            thresholds=sof.Thresholds(stale_days=float("inf")),
        )
    notes = list(ds.notes) + [str(w.message) for w in caught if str(w.message) not in ds.notes]
    return ds, notes


def _models(model: str | None) -> Any:
    """The model list an item chose in the last full plan, or 'auto'."""
    if not model:
        return "auto"
    by_alias = {m.alias: m for m in sof.candidate_models("D")}
    chosen = model.split("+")
    if not all(a in by_alias for a in chosen):
        return "auto"
    return [by_alias[a] for a in chosen]


def _fallback_state(
    item_id: str,
    tables: dict[str, pd.DataFrame],
    as_of: pd.Timestamp,
    seq: int,
    status: str,
    reason: str,
) -> dict[str, Any]:
    """A state for an item that cannot be planned: its stock, and why."""
    inv = tables["inventory"]
    on_hand = float(inv["on_hand_units"].iloc[0]) if len(inv) else 0.0
    bo = float(inv["backordered_units"].fillna(0).iloc[0]) if len(inv) else 0.0
    free = max(on_hand - bo, 0.0)
    return {
        "item_id": item_id,
        "as_of": jsonify(as_of),
        "event_seq": seq,
        "computed_at": utcnow().strftime("%Y-%m-%dT%H:%M:%SZ"),
        "source": "event",
        "status": status,
        "reason": reason,
        "description": None,
        "stock": {"on_hand_units": on_hand, "backordered_units": bo, "available_units": free},
        "velocity": {},
        "cover": {},
        "forecast_model": None,
        "stockout": {},
        "reorder": {},
        "availability": {
            "status": "in_stock" if free > 0 else "unavailable",
            "message": "In stock" if free > 0 else "Currently unavailable",
            "units_available": free,
            "next_available_date": None,
            "next_available_units": 0.0,
        },
        "supply": [],
        "lines": [],
        "notices": [],
        "notes": [],
    }


def compute_item(store: Store, item_id: str, settings: ServiceSettings) -> bool:
    """Re-plan one item from the store and save its state; True when saved."""
    with store.read() as conn:
        tables = store.item_tables(conn, item_id)
        seq = store.last_seqs(conn, [item_id]).get(item_id, 0)
        as_of = store.as_of(conn)
        model = store.models(conn, [item_id]).get(item_id)
    if as_of is None:
        as_of = pd.Timestamp(utcnow().date())
    if len(tables["sales"]) == 0:
        state = _fallback_state(
            item_id, tables, as_of, seq, "no_sales", "no sales history: nothing to forecast"
        )
    else:
        state, model = _plan_item(item_id, tables, as_of, seq, model, settings)
    with store.write() as conn:
        return store.put_state(conn, item_id, seq, state, model)


def _plan_item(
    item_id: str,
    tables: dict[str, pd.DataFrame],
    as_of: pd.Timestamp,
    seq: int,
    model: str | None,
    settings: ServiceSettings,
) -> tuple[dict[str, Any], str | None]:
    with COMPUTE_LOCK:
        try:
            ds, notes = _item_dataset(tables, as_of)
            planner = sof.ReorderPlanner(
                as_of=as_of,
                model=_models(model),
                n_paths=settings.n_paths,
                service_level=settings.service_level,
                promise=settings.promise,
                random_state=item_seed(settings.random_state, item_id),
            )
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                plan = planner.run(ds)
                states = states_from_plan(plan, ds, settings, {item_id: seq}, source="event")
            state = states[item_id]
            extra = [str(w.message) for w in caught] + list(plan.notes[len(ds.notes) :])
            state["notes"] = list(dict.fromkeys(notes + extra))
            return state, state["forecast_model"]
        except ValueError as err:  # SchemaError and friends: the item's data cannot be planned
            log.warning("item %s cannot be planned: %s", item_id, err)
            return _fallback_state(item_id, tables, as_of, seq, "invalid_data", str(err)), model


def plan_store(store: Store, settings: ServiceSettings, *, n_jobs: int = 1) -> Any:
    """Re-plan every item from the store (the nightly run); returns the ReorderPlan."""
    with store.read() as conn:
        seqs = store.last_seqs(conn)
        as_of = store.as_of(conn)
        ds = sof.read_dataset(conn)
    if ds.inventory is not None and as_of is not None:
        inv = ds.inventory.copy()
        inv["as_of"] = as_of
        ds = dataclasses.replace(ds, inventory=inv)
    planner = sof.ReorderPlanner(
        as_of=as_of,
        n_paths=settings.n_paths,
        service_level=settings.service_level,
        promise=settings.promise,
        random_state=settings.random_state,
        n_jobs=n_jobs,
    )
    with COMPUTE_LOCK, warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        plan = planner.run(ds)
        states = states_from_plan(plan, ds, settings, seqs, source="plan")
    notes = list(dict.fromkeys([*plan.notes, *(str(w.message) for w in caught)]))
    with store.write() as conn:
        for iid, st in states.items():
            store.put_state(conn, iid, st["event_seq"], st, st["forecast_model"])
        store.set_meta(conn, "plan_notes", notes)
        store.set_meta(conn, "planned_at", utcnow().strftime("%Y-%m-%dT%H:%M:%SZ"))
    return plan

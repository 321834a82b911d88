"""Per-item state: what the service answers about an item, computed from the store.

One function turns a :class:`~stockout_forecast.ReorderPlan` into per-item states
(:func:`states_from_plan`), whether the plan covers every item (the nightly
``stockout-forecast plan --db``, :func:`plan_store`) or the items an event touched (their
re-plan, :mod:`.replan`). Every endpoint then reads that one state, so a figure shown by two
endpoints comes from one frame.

:func:`plan_store` also keeps each item's demand forecast (:func:`forecast_records`), which
the re-plans after events start from instead of fitting one.
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import math
import threading
import warnings
from typing import Any

import numpy as np
import pandas as pd

import stockout_forecast as sof

from ..forecast.result import quantile_column
from ..io.validation import assume_valid
from ..supply._allocation import _check_promise_args
from ..supply.backorders import _availability, _free_supply
from .settings import ServiceSettings
from .store import Store, utcnow

__all__ = [
    "COMPUTE_LOCK",
    "apply_fast",
    "forecast_records",
    "plan_store",
    "service_planner",
    "states_from_plan",
]

log = logging.getLogger("stockout_forecast.service")

#: one numerical job at a time per process: the GIL allows no more, and Python's warning
#: capture (notes from the library's warnings) is not thread-safe
COMPUTE_LOCK = threading.Lock()

#: days ahead at which the state reports P(stockout by then)
CURVE_DAYS = (7, 14, 28, 56, 90)


def jsonify(value: Any) -> Any:
    """A scalar as JSON: dates ISO (YYYY-MM-DD), NaN/NaT None, numpy scalars as Python."""
    kind = type(value)
    if kind is float or kind is np.float64:  # the common cases first (same answers)
        v = float(value)
        return v if math.isfinite(v) else None
    if kind is str:
        return value
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
    if not cols or not df.columns.is_unique:
        return [
            {c: jsonify(v) for c, v in zip(cols, row, strict=True)}
            for row in df[cols].itertuples(index=False)
        ]
    # column by column (a few calls per column, not per row), then the rows
    values = [_json_values(df[c]) for c in cols]
    return [dict(zip(cols, row, strict=True)) for row in zip(*values, strict=True)]


def _json_values(col: pd.Series) -> list[Any]:
    """The values of a column as :func:`jsonify` gives them, floats and dates in bulk."""
    dtype = col.dtype
    if dtype == np.float64:
        return [v if math.isfinite(v) else None for v in col.tolist()]
    if isinstance(dtype, np.dtype) and dtype.kind == "M":
        days = col.to_numpy()
        text = np.datetime_as_string(days, unit="D").tolist()  # 'YYYY-MM-DD', as strftime
        return [None if nat else t for t, nat in zip(text, np.isnat(days).tolist(), strict=True)]
    return [jsonify(v) for v in col.tolist()]


def _pick(row: dict[str, Any] | None, cols: tuple[str, ...]) -> dict[str, Any]:
    """Some values of a row of :func:`_rows` (JSON already), None where missing."""
    if row is None:
        return {c: None for c in cols}
    return {c: row.get(c) for c in cols}


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


_Records = dict[str, list[dict[str, Any]]]


def _supply_states(
    plan: Any, ds: sof.Dataset, settings: ServiceSettings
) -> tuple[dict[str, dict[str, Any]], _Records, _Records, _Records]:
    """Per item: availability row, notices, lines and supply records (from the promise dates).

    Without open customer lines (the plan has no promise dates) there are no lines or
    notices, and availability and supply come from the stock and the scheduled receipts
    alone (``_free_supply``: ``promise_dates``' tables without its lines' steps).
    """
    bo = plan.backorders
    if bo is not None:
        avail = sof.availability_feed(bo, low_stock_units=settings.low_stock_units)
        notices = _by_item(sof.backorder_notices(bo, incentive=settings.incentive), _NOTICE_COLUMNS)
        lines, used = _by_item(bo.lines, _LINE_COLUMNS), bo.supply
    else:
        inv = ds.inventory
        if inv is None or len(inv) == 0:
            return {}, {}, {}, {}
        _check_promise_args("fifo", settings.promise, 1.0, 0.0, 0.0)
        rec = plan.purchase_plan.lines if plan.purchase_plan is not None else None
        used, items = _free_supply(
            inv,
            ds.purchase_orders,
            rec,
            as_of=plan.as_of,
            lead_times=plan.lead_times,
            suppliers=ds.suppliers,
        )
        avail = _availability(items, used, settings.promise, settings.low_stock_units)
        notices, lines = {}, {}
    return _rows(avail), notices, lines, _by_item(used, _SUPPLY_COLUMNS)


#: the summary's columns in each part of a state
_STATE_PARTS: dict[str, tuple[str, ...]] = {
    "stock": (
        "on_hand_units",
        "backordered_units",
        "available_units",
        "open_po_units",
        "next_receipt_date",
    ),
    "velocity": (
        "velocity_7d",
        "velocity_28d",
        "velocity_90d",
        "trend_ratio",
        "demand_class",
        "abc",
        "xyz",
    ),
    "cover": ("stockout_date", "days_of_cover"),
    "stockout": (
        "stockout_date_p10",
        "stockout_date_p50",
        "stockout_date_p90",
        "p_stockout_in_horizon",
        "p_stockout_before_next_receipt",
        "expected_units_short",
    ),
    "reorder": (
        "order_now",
        "order_units",
        "order_by_date",
        "expected_arrival_date",
        "reorder_point_units",
        "supplier_split",
        "order_reason",
    ),
}
_AVAILABILITY = (
    "status",
    "message",
    "units_available",
    "next_available_date",
    "next_available_units",
)
_SUPPLY_COLUMNS = [
    "kind",
    "source_id",
    "supplier_id",
    "units",
    "date_p50",
    "date_p90",
    "units_free",
]


def _by_item(df: pd.DataFrame | None, columns: list[str]) -> dict[str, list[dict[str, Any]]]:
    """The rows of ``df`` as JSON-able dicts (``columns`` only), grouped by ``item_id``."""
    out: dict[str, list[dict[str, Any]]] = {}
    if df is None or len(df) == 0:
        return out
    for iid, rec in zip(df["item_id"].astype(str), records(df, columns), strict=True):
        out.setdefault(iid, []).append(rec)
    return out


def _rows(df: pd.DataFrame) -> dict[str, dict[str, Any]]:
    """A frame with one row per ``item_id`` as one dict per item (its other columns).

    The values are read column by column and made JSON-able as :func:`jsonify` does
    (:func:`_json_values`).
    """
    cols = [c for c in df.columns if c != "item_id"]
    ids = df["item_id"].astype(str).tolist()
    if len(set(ids)) != len(ids):
        raise ValueError("one row per item expected; some items have several")
    values = [_json_values(df[c]) for c in cols]
    names = [str(c) for c in cols]
    return (
        {
            iid: dict(zip(names, row, strict=True))
            for iid, row in zip(ids, zip(*values, strict=True), strict=True)
        }
        if cols
        else {iid: {} for iid in ids}
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
    summary = _rows(plan.summary())
    avail, notices, lines, supply = _supply_states(plan, ds, settings)
    curves: dict[str, list[dict[str, Any]]] | None = None
    if plan.stockouts is not None:
        cf = plan.stockouts.curves_frame()
        targets = [plan.as_of + pd.Timedelta(days=d) for d in CURVE_DAYS]
        curves = _by_item(cf[cf["date"].isin(targets)], ["date", "p_stockout"])
    computed_at = utcnow().strftime("%Y-%m-%dT%H:%M:%SZ")
    out = {}
    for iid in sorted(set(summary) | set(avail)):
        row, a = summary.get(iid), avail.get(iid)
        st: dict[str, Any] = {
            "item_id": iid,
            "as_of": jsonify(plan.as_of),
            "event_seq": int(seqs.get(iid, 0)),
            "computed_at": computed_at,
            "source": source,
            "status": jsonify(row.get("status")) if row is not None else "no_sales",
            "reason": (jsonify(row.get("reason")) if row is not None else None)
            or ("" if row is not None else "no sales history"),
            "description": jsonify(row.get("description")) if row is not None else None,
        }
        for part in ("stock", "velocity", "cover"):
            st[part] = _pick(row, _STATE_PARTS[part])
        st["forecast_model"] = jsonify(row.get("forecast_model")) if row is not None else None
        for part in ("stockout", "reorder"):
            st[part] = _pick(row, _STATE_PARTS[part])
        st["availability"] = _pick(a, _AVAILABILITY)
        if a is None:
            st["availability"].update(
                status="unavailable", message="Currently unavailable", units_available=0.0
            )
        if curves is not None:
            st["stockout"]["p_stockout_by"] = curves.get(iid, [])
        st["supply"] = supply.get(iid, [])
        st["lines"] = lines.get(iid, [])
        st["notices"] = notices.get(iid, [])
        st["notes"] = []
        st["replan_status"], st["fast"] = "current", None
        out[iid] = st
    return out


def apply_fast(state: dict[str, Any], fast: dict[str, Any]) -> None:
    """Write a fast update (``fields``, ``pending``, ``event_seq``; see :mod:`.fast`) into ``state``."""
    for part, values in fast["fields"].items():
        state.setdefault(part, {}).update(values)
    state["fast"] = fast
    state["replan_status"] = "fast"


def _item_dataset(
    tables: dict[str, pd.DataFrame], as_of: pd.Timestamp, *, trusted: bool = False
) -> tuple[sof.Dataset, list[str]]:
    """A validated Dataset of the store's rows of some items (empty tables left out).

    ``trusted``: the tables are the store's rows in the contract's types (``replan._dated``),
    which were validated on their way in (the loaded dataset by ``validate_dataset``, each
    event by its model's bounds, keys by the store's); each table then passes as it is
    (:func:`~stockout_forecast.io.validation.assume_valid`) and only the checks across
    tables run (with their notes). An item whose re-plan fails is validated again in full,
    for the message (``replan._invalid``).
    """
    present = {k: v for k, v in tables.items() if len(v)}
    if "inventory" in present:
        inv = present["inventory"].copy()
        # the live on-hand is current: it is the stock as of today
        inv["as_of"] = pd.Series(pd.Timestamp(as_of), index=inv.index).astype("datetime64[ns]")
        present["inventory"] = inv
    if "customer_orders" not in present and "inventory" in present:
        present["customer_orders"] = tables["customer_orders"]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        # the shop's data as a whole is checked for staleness by the nightly plan; one item
        # that has not sold for months is not stale data, so that check is off here
        with assume_valid() if trusted else contextlib.nullcontext():
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
        "replan_status": "current",
        "fast": None,
    }


def service_planner(
    settings: ServiceSettings, as_of: pd.Timestamp | None, *, n_jobs: int = 1
) -> sof.ReorderPlanner:
    """The planner of every plan the service makes: the library's defaults, its settings."""
    return sof.ReorderPlanner(
        as_of=as_of,
        n_paths=settings.n_paths,
        service_level=settings.service_level,
        promise=settings.promise,
        random_state=settings.random_state,
        n_jobs=n_jobs,
    )


def forecast_records(forecast: sof.DemandForecast) -> dict[str, dict[str, Any]]:
    """Per item, its row of ``forecast`` as a one-item ``to_dict()``, quantile lists left out.

    What the store keeps (``service_item_forecast``);
    :meth:`~stockout_forecast.DemandForecast.from_dict` computes the quantiles again from
    the mean and the distribution, as ``forecast_demand`` does.
    """
    d = forecast.to_dict()
    head = {k: v for k, v in d.items() if k != "items"}
    drop = {quantile_column(q) for q in forecast.quantile_levels}
    return {
        str(rec["item_id"]): {**head, "items": [{k: v for k, v in rec.items() if k not in drop}]}
        for rec in d["items"]
    }


def plan_store(store: Store, settings: ServiceSettings, *, n_jobs: int = 1) -> Any:
    """Re-plan every item from the store (the nightly run); returns the ReorderPlan.

    Stores each item's state, and each item's forecast for the re-plans after events.
    """
    with store.read() as conn:
        seqs = store.last_seqs(conn)
        as_of = store.as_of(conn)
        ds = sof.read_dataset(conn)
    if ds.inventory is not None and as_of is not None:
        inv = ds.inventory.copy()
        inv["as_of"] = as_of
        ds = dataclasses.replace(ds, inventory=inv)
    planner = service_planner(settings, as_of, n_jobs=n_jobs)
    with COMPUTE_LOCK, warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        plan = planner.run(ds)
        states = states_from_plan(plan, ds, settings, seqs, source="plan")
    notes = list(dict.fromkeys([*plan.notes, *(str(w.message) for w in caught)]))
    made = {"made_for": plan.as_of.strftime("%Y-%m-%d"), "refit": False}
    if plan.forecast is not None:
        made["horizon_days"] = int(plan.forecast.horizon)
    with store.write() as conn:
        for iid, st in states.items():
            st["forecast"] = made
            store.put_state(conn, iid, st["event_seq"], st, st["forecast_model"])
        if plan.forecast is not None:
            records = forecast_records(plan.forecast)
            store.put_forecasts(conn, plan.as_of, records, full_plan=True)
        store.set_meta(conn, "history_start", plan.history.periods[0].strftime("%Y-%m-%d"))
        store.set_meta(conn, "plan_notes", notes)
        store.set_meta(conn, "planned_at", utcnow().strftime("%Y-%m-%dT%H:%M:%SZ"))
    return plan

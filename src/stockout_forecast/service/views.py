"""Answers built from item states: availability for the shop page, promise dates for an order."""

from __future__ import annotations

import uuid
from typing import Any

import sqlalchemy as sa

from .events import log_promise
from .lane import ReplanLane
from .schemas import PromiseRequest
from .settings import ServiceSettings
from .store import CONTRACT_TABLES, Store
from .tables import RequestError

__all__ = ["availability_of", "promise_answer"]

_co = CONTRACT_TABLES["customer_orders"]

PAYMENT = (
    "Payment is taken when the goods ship: nothing is charged for units that wait, and "
    "cancelling a waiting line costs nothing."
)


def availability_of(item_id: str, st: dict[str, Any] | None, units: float | None) -> dict[str, Any]:
    """An item's availability from its state; with ``units``, when that many would ship."""
    if st is None:
        return {
            "item_id": item_id,
            "status": "unknown",
            "message": "Not sold here",
            "reason": "no such item in the store",
        }
    a = st["availability"]
    out: dict[str, Any] = {
        "item_id": item_id,
        "status": a.get("status") or "unavailable",
        "message": a.get("message") or "",
        "units_available": a.get("units_available"),
        "next_available_date": a.get("next_available_date"),
        "next_available_units": a.get("next_available_units"),
        "as_of": st.get("as_of"),
        "event_seq": st.get("event_seq"),
        "fast_seq": (st.get("fast") or {}).get("event_seq"),
        "reason": st.get("reason") or None,
    }
    if units is None:
        return out
    free = float(a.get("units_available") or 0.0)
    now = min(units, free)
    out.update(units_requested=units, units_ship_now=now)
    if now >= units:
        out.update(ships_by_date_p50=st.get("as_of"), ships_by_date_p90=st.get("as_of"))
        return out
    left = units - free
    for src in st.get("supply") or []:
        if src.get("kind") == "stock" or not (src.get("units_free") or 0) > 0:
            continue
        left -= float(src["units_free"])
        if left <= 1e-9:
            out.update(ships_by_date_p50=src.get("date_p50"), ships_by_date_p90=src.get("date_p90"))
            return out
    out.update(ships_by_date_p50=None, ships_by_date_p90=None)
    return out


def _current_states(
    store: Store, lane: ReplanLane, settings: ServiceSettings, items: list[str]
) -> dict[str, dict[str, Any]]:
    """The items' states, after waiting for any event they do not include yet."""
    with store.read() as conn:
        seqs = store.last_seqs(conn, items)
        states = store.get_states(conn, items)
    behind = {i: s for i, s in seqs.items() if states.get(i, {}).get("event_seq", -1) < s}
    behind.update({i: 0 for i in items if i not in states})
    if behind:
        lane.submit(behind)
        lane.wait(behind, settings.wait_seconds)
        with store.read() as conn:
            states = store.get_states(conn, items)
    return states


def _options(lines: list[dict[str, Any]], date: str | None, incentive: str) -> list[dict[str, Any]]:
    total = sum(x["units"] for x in lines)
    now = sum(x["units_ship_now"] for x in lines)
    if now >= total - 1e-9:
        return [
            {
                "option": "wait",
                "description": "Everything ships now; nothing to wait for.",
                "ships_now_units": now,
                "complete_by": date,
            }
        ]
    wait = (
        f"Wait for the whole order, shipped complete by {date}, with {incentive}."
        if date
        else f"Keep the order open with {incentive}; a firm date follows as soon as supply "
        "is booked."
    )
    opts = [{"option": "wait", "description": wait, "complete_by": date}]
    if now > 0:
        rest = f"the rest by {date}" if date else "the rest when supply is booked"
        opts.append(
            {
                "option": "partial_shipment",
                "description": f"Ship the {now:g} units in stock now and {rest}.",
                "ships_now_units": now,
                "complete_by": date,
            }
        )
    opts.append(
        {
            "option": "cancel",
            "description": "Cancel the order, or only the lines that wait, at no charge.",
        }
    )
    return opts


def promise_answer(
    store: Store, lane: ReplanLane, settings: ServiceSettings, order_id: str, body: PromiseRequest
) -> dict[str, Any]:
    """Promise dates for an open order; the dates are stored on its lines."""
    with store.read() as conn:
        rows = conn.execute(
            sa.select(_co).where(_co.c.order_id == order_id).order_by(_co.c.line_id)
        ).all()
    if not rows:
        raise RequestError(
            f"No open customer order {order_id!r} in the store.",
            table="customer_orders",
            column="order_id",
            fix="Send the order first: POST /v1/events/customer-orders.",
            status_code=404,
            error="not_found",
        )
    items = sorted({r.item_id for r in rows})
    states = _current_states(store, lane, settings, items)
    lines = []
    for r in rows:
        st = states.get(r.item_id) or {}
        sl = next(
            (
                x
                for x in st.get("lines", [])
                if x["order_id"] == order_id and x["line_id"] == r.line_id
            ),
            None,
        )
        if sl is None:
            lines.append(
                {
                    "line_id": r.line_id,
                    "item_id": r.item_id,
                    "units": float(r.units),
                    "units_ship_now": 0.0,
                    "promised_date_p50": None,
                    "promised_date_p90": None,
                    "promised_date": None,
                    "status": "unpromisable",
                    "reason": "the item's state is not computed yet; ask again in a moment",
                }
            )
            continue
        lines.append(
            {
                "line_id": r.line_id,
                "item_id": r.item_id,
                "units": float(r.units),
                "units_ship_now": float(sl.get("units_ship_now") or 0.0),
                "promised_date_p50": sl.get("promised_date_p50"),
                "promised_date_p90": sl.get("promised_date_p90"),
                "promised_date": sl.get("promised_date"),
                "status": sl.get("status") or "unpromisable",
                "reason": sl.get("reason"),
            }
        )
    dates = [x["promised_date"] for x in lines]
    date = max(dates) if dates and all(dates) else None
    p50s = [x["promised_date_p50"] for x in lines]
    with store.write() as conn:
        for x in lines:
            if x["promised_date"]:
                conn.execute(
                    _co.update()
                    .where(_co.c.order_id == order_id, _co.c.line_id == x["line_id"])
                    .values(promised_date=_as_date(x["promised_date"]))
                )
        seqs = log_promise(conn, order_id, items, uuid.uuid4().hex)
    lane.submit(seqs)
    lane.wait(seqs, settings.wait_seconds)
    return {
        "order_id": order_id,
        "customer_id": next((r.customer_id for r in rows if r.customer_id), None),
        "as_of": next((s.get("as_of") for s in states.values() if s), None),
        "promised_date": date,
        "promised_date_p50": max(p50s) if p50s and all(p50s) else None,
        "units_ship_now": sum(x["units_ship_now"] for x in lines),
        "lines": lines,
        "options": _options(lines, date, body.incentive or settings.incentive),
        "payment": PAYMENT,
    }


def _as_date(iso: str) -> Any:
    import datetime as dt

    return dt.date.fromisoformat(iso)

"""Events from the systems around the shop, and what each one changes in the store.

Each event carries an ``event_id`` chosen by the sender: the idempotency key. An event whose
``(kind, event_id)`` is already in the log changes nothing (``"duplicate"``); the same key
with a different body is refused (``"conflict"``) and changes nothing either. A batch is
validated whole first (one bad event: 422, nothing applied), then applied in one transaction;
the answer is sent after the commit.

=================  =========================================================================
kind               effect on the contract tables
=================  =========================================================================
sales              a ``sales`` row; on hand down by ``units`` (a return, negative units, puts
                   it back); with ``order_id`` + ``line_id`` of an open customer line, that
                   line (and the item's owed units) shrinks by the units shipped
receipts           on hand up by ``units``; with ``po_id``, the purchase-order line is marked
                   received (``received_date``, ``received_units``)
stock-counts       on hand set to the count
purchase-orders    the purchase-order line is created or updated; ``units`` 0 cancels it
customer-orders    the open customer line is created or updated (``units`` still to ship);
                   ``units`` 0 closes it; the item's ``backordered_units`` (units owed to open
                   lines) follows
=================  =========================================================================

Events that change on hand also write the day's ``stock_history`` row (end-of-day stock so
far), so that a day that ends empty is censored in the item's demand history. Every event
moves the store's planning date forward to its ``date`` (default: today, UTC).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from typing import Annotated, Any, Literal

import sqlalchemy as sa
from pydantic import BaseModel, ConfigDict, Field, StringConstraints
from sqlalchemy.engine import Connection

from .store import CONTRACT_TABLES, Store, events_t, utcnow

__all__ = ["EVENT_MODELS", "apply_events"]

Id = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True, min_length=1, max_length=200, pattern=r"^[^\x00-\x1f\x7f]+$"
    ),
]
Units = Annotated[float, Field(allow_inf_nan=False, ge=-1e7, le=1e7)]
NonNeg = Annotated[float, Field(allow_inf_nan=False, ge=0, le=1e9)]
Positive = Annotated[float, Field(allow_inf_nan=False, gt=0, le=1e9)]


class _Event(BaseModel):
    model_config = ConfigDict(extra="forbid")

    event_id: Id = Field(description="Idempotency key chosen by the sender; unique per kind.")
    item_id: Id
    date: dt.date | None = Field(
        None, description="Business date of the event (YYYY-MM-DD); default today (UTC)."
    )


class SaleEvent(_Event):
    """Units sold and shipped (negative: returned)."""

    units: Units = Field(description="Units shipped to the customer; negative for a return.")
    order_id: Id | None = None
    line_id: Id | None = Field(None, description="With order_id: the open customer line served.")
    customer_id: Id | None = None
    location_id: Id | None = None
    unit_price: NonNeg | None = None


class ReceiptEvent(_Event):
    """Goods received into stock."""

    units: Positive = Field(description="Units received.")
    po_id: Id | None = Field(None, description="Purchase order the goods belong to, if any.")


class StockCountEvent(_Event):
    """A stock count: on hand is now this."""

    on_hand_units: NonNeg = Field(description="Units counted on hand.")


class PurchaseOrderEvent(_Event):
    """A purchase-order line placed or changed (e.g. the supplier moved its date)."""

    po_id: Id
    supplier_id: Id
    units: NonNeg = Field(description="Units ordered; 0 cancels the line.")
    order_date: dt.date
    expected_date: dt.date = Field(description="Date the supplier expects to deliver.")


class CustomerOrderEvent(_Event):
    """An open customer-order line placed or changed (units still to ship)."""

    order_id: Id
    line_id: Id = "1"
    units: NonNeg = Field(description="Units still to ship; 0 closes the line.")
    order_date: dt.date | None = Field(None, description="Default: the event date.")
    customer_id: Id | None = None
    priority: Annotated[float, Field(allow_inf_nan=False, ge=0, le=1e6)] | None = None


EVENT_MODELS: dict[str, type[_Event]] = {
    "sales": SaleEvent,
    "receipts": ReceiptEvent,
    "stock-counts": StockCountEvent,
    "purchase-orders": PurchaseOrderEvent,
    "customer-orders": CustomerOrderEvent,
}

EventStatus = Literal["applied", "duplicate", "conflict"]

_inv = CONTRACT_TABLES["inventory"]
_sh = CONTRACT_TABLES["stock_history"]
_po = CONTRACT_TABLES["purchase_orders"]
_co = CONTRACT_TABLES["customer_orders"]
_sales = CONTRACT_TABLES["sales"]


def _inventory_row(conn: Connection, item_id: str, day: dt.date) -> Any:
    row = conn.execute(sa.select(_inv).where(_inv.c.item_id == item_id)).first()
    if row is None:
        conn.execute(
            _inv.insert().values(
                item_id=item_id,
                on_hand_units=0.0,
                backordered_units=0.0,
                allocated_units=0.0,
                as_of=day,
            )
        )
        row = conn.execute(sa.select(_inv).where(_inv.c.item_id == item_id)).first()
    return row


def _set_on_hand(conn: Connection, item_id: str, on_hand: float, day: dt.date, as_of: Any) -> None:
    """New on hand; the day's stock_history row follows when the event is of today or later."""
    vals: dict[str, Any] = {"on_hand_units": on_hand}
    if as_of is None or day >= as_of:
        vals["as_of"] = day
    conn.execute(_inv.update().where(_inv.c.item_id == item_id).values(**vals))
    if as_of is None or day >= as_of:
        n = conn.execute(
            _sh.update()
            .where(_sh.c.item_id == item_id, _sh.c.date == day)
            .values(on_hand_units=on_hand)
        )
        if n.rowcount == 0:
            conn.execute(_sh.insert().values(item_id=item_id, date=day, on_hand_units=on_hand))


def _owed_delta(conn: Connection, item_id: str, delta: float) -> None:
    if delta:
        conn.execute(
            _inv.update()
            .where(_inv.c.item_id == item_id)
            .values(backordered_units=sa.func.max(_inv.c.backordered_units + delta, 0.0))
            if conn.dialect.name == "sqlite"
            else _inv.update()
            .where(_inv.c.item_id == item_id)
            .values(backordered_units=sa.func.greatest(_inv.c.backordered_units + delta, 0.0))
        )


def _apply_sale(conn: Connection, e: SaleEvent, day: dt.date) -> str:
    conn.execute(
        _sales.insert().values(
            item_id=e.item_id,
            date=day,
            units=e.units,
            order_id=e.order_id,
            customer_id=e.customer_id,
            location_id=e.location_id,
            unit_price=e.unit_price,
        )
    )
    inv = _inventory_row(conn, e.item_id, day)
    note = ""
    new = inv.on_hand_units - e.units
    if new < 0:
        note = (
            f"on hand was {inv.on_hand_units:g}, below the {e.units:g} units sold: set to 0; "
            "post a stock count to correct it"
        )
        new = 0.0
    _set_on_hand(conn, e.item_id, new, day, inv.as_of)
    if e.order_id is not None and e.line_id is not None and e.units > 0:
        line = conn.execute(
            sa.select(_co.c.units, _co.c.item_id).where(
                _co.c.order_id == e.order_id, _co.c.line_id == e.line_id
            )
        ).first()
        if line is not None and line.item_id == e.item_id:
            served = min(e.units, line.units)
            key = (_co.c.order_id == e.order_id) & (_co.c.line_id == e.line_id)
            if line.units - served <= 1e-9:
                conn.execute(_co.delete().where(key))
            else:
                conn.execute(_co.update().where(key).values(units=line.units - served))
            _owed_delta(conn, e.item_id, -served)
    return note


def _apply_receipt(conn: Connection, e: ReceiptEvent, day: dt.date) -> str:
    inv = _inventory_row(conn, e.item_id, day)
    _set_on_hand(conn, e.item_id, inv.on_hand_units + e.units, day, inv.as_of)
    if e.po_id is None:
        return ""
    key = (_po.c.po_id == e.po_id) & (_po.c.item_id == e.item_id)
    line = conn.execute(sa.select(_po.c.received_units, _po.c.order_date).where(key)).first()
    if line is None:
        return f"no purchase-order line {e.po_id} for this item: counted as an unplanned receipt"
    received = (line.received_units or 0.0) + e.units
    conn.execute(
        _po.update()
        .where(key)
        .values(received_units=received, received_date=max(day, line.order_date))
    )
    return ""


def _apply_count(conn: Connection, e: StockCountEvent, day: dt.date) -> str:
    inv = _inventory_row(conn, e.item_id, day)
    _set_on_hand(conn, e.item_id, e.on_hand_units, day, inv.as_of)
    return ""


def _apply_po(conn: Connection, e: PurchaseOrderEvent, day: dt.date) -> str:
    _inventory_row(conn, e.item_id, day)
    key = (_po.c.po_id == e.po_id) & (_po.c.item_id == e.item_id)
    exists = conn.execute(sa.select(_po.c.po_id).where(key)).first() is not None
    if e.units == 0:
        conn.execute(_po.delete().where(key))
        return "" if exists else "no such purchase-order line to cancel"
    vals = dict(
        supplier_id=e.supplier_id,
        units=e.units,
        order_date=e.order_date,
        expected_date=e.expected_date,
    )
    if exists:
        conn.execute(_po.update().where(key).values(**vals))
    else:
        conn.execute(_po.insert().values(po_id=e.po_id, item_id=e.item_id, **vals))
    return ""


def _apply_customer_order(conn: Connection, e: CustomerOrderEvent, day: dt.date) -> str:
    _inventory_row(conn, e.item_id, day)
    key = (_co.c.order_id == e.order_id) & (_co.c.line_id == e.line_id)
    line = conn.execute(sa.select(_co.c.units, _co.c.item_id).where(key)).first()
    old = 0.0 if line is None else float(line.units)
    if e.units == 0:
        conn.execute(_co.delete().where(key))
    elif line is None:
        conn.execute(
            _co.insert().values(
                order_id=e.order_id,
                line_id=e.line_id,
                item_id=e.item_id,
                units=e.units,
                order_date=e.order_date or day,
                customer_id=e.customer_id,
                priority=e.priority,
            )
        )
    else:
        vals: dict[str, Any] = {"units": e.units}
        for col in ("customer_id", "priority", "order_date"):
            if getattr(e, col) is not None:
                vals[col] = getattr(e, col)
        conn.execute(_co.update().where(key).values(**vals))
    _owed_delta(conn, e.item_id, e.units - old)
    return ""


_APPLY: dict[str, Callable[[Connection, Any, dt.date], str]] = {
    "sales": _apply_sale,
    "receipts": _apply_receipt,
    "stock-counts": _apply_count,
    "purchase-orders": _apply_po,
    "customer-orders": _apply_customer_order,
}


def line_owner_conflicts(
    conn: Connection, events: list[CustomerOrderEvent]
) -> list[tuple[int, str]]:
    """Events that would move an existing customer line to another item: (row, message)."""
    bad = []
    for i, e in enumerate(events, start=1):
        line = conn.execute(
            sa.select(_co.c.item_id).where(_co.c.order_id == e.order_id, _co.c.line_id == e.line_id)
        ).first()
        if line is not None and line.item_id != e.item_id:
            bad.append((i, f"line {e.order_id}/{e.line_id} belongs to item {line.item_id!r}"))
    return bad


def stock_view(
    conn: Connection, store: Store, item_id: str, seq: int, low_stock_units: float, promise: str
) -> None:
    """Bring the item's stock and availability up to date at once, in the event's transaction.

    The rest of the state (velocity, stockout dates, orders, promise dates) follows with the
    item's re-plan; until then the state says ``"provisional": true``. The allocation is the
    one of :func:`stockout_forecast.promise_dates` in aggregate: the units owed to open lines
    take the stock first, then each scheduled receipt in turn, and what is left of each
    source is free; the availability rule is the one of
    :func:`stockout_forecast.availability_feed`.
    """
    st = store.get_states(conn, [item_id]).get(item_id)
    inv = conn.execute(sa.select(_inv).where(_inv.c.item_id == item_id)).first()
    if st is None or inv is None or not st.get("availability"):
        return  # a new item: its first re-plan makes its state
    on_hand = float(inv.on_hand_units)
    # what promise_dates allocates: every open customer line of the item
    owed = float(
        conn.execute(sa.select(sa.func.sum(_co.c.units)).where(_co.c.item_id == item_id)).scalar()
        or 0.0
    )
    held = float(inv.allocated_units or 0.0)
    as_of = store.as_of(conn)
    day = None if as_of is None else as_of.strftime("%Y-%m-%d")
    open_po = {
        r.po_id
        for r in conn.execute(
            sa.select(_po.c.po_id).where(_po.c.item_id == item_id, _po.c.received_date.is_(None))
        )
    }
    sources: list[dict[str, Any]] = [
        {
            "kind": "stock",
            "source_id": "stock",
            "supplier_id": "",
            "units": max(on_hand - held, 0.0),
            "date_p50": day,
            "date_p90": day,
        }
    ]
    sources += [
        dict(s)
        for s in st.get("supply") or []
        if s.get("kind") == "recommended"
        or (s.get("kind") == "po" and s.get("source_id") in open_po)
    ]
    total = 0.0
    for s in sources:
        start, total = total, total + float(s.get("units") or 0.0)
        s["units_free"] = max(total - max(start, owed), 0.0)
    free = float(sources[0]["units_free"])
    nxt = next((s for s in sources[1:] if s["units_free"] > 1e-9), None)
    date = None if nxt is None else nxt["date_p90" if promise == "p90" else "date_p50"]
    if free > 0 and free >= low_stock_units:
        status, message = "in_stock", "In stock"
    elif free > 0:
        status, message = "low_stock", f"Only {free:g} left"
    elif date is not None:
        status, message = "backorder", f"Backorder: ships by {date}"
    else:
        status, message = "unavailable", "Currently unavailable"
    bo = float(inv.backordered_units or 0.0)
    st["stock"].update(
        on_hand_units=on_hand, backordered_units=bo, available_units=on_hand - bo - held
    )
    st["availability"] = {
        "status": status,
        "message": message,
        "units_available": free,
        "next_available_date": date if status == "backorder" else None,
        "next_available_units": nxt["units_free"] if status == "backorder" and nxt else 0.0,
    }
    st["supply"] = sources
    st["provisional"] = True
    store.put_state(
        conn, item_id, int(st["event_seq"]), st, st.get("forecast_model"), stock_seq=seq
    )


def apply_events(
    store: Store,
    kind: str,
    events: list[Any],
    today: dt.date,
    *,
    low_stock_units: float = 5.0,
    promise: str = "p90",
) -> tuple[list[dict[str, Any]], dict[str, int]]:
    """Apply a validated batch in one transaction.

    Returns
    -------
    results : list of dict
        Per event: ``event_id``, ``item_id``, ``status`` ("applied", "duplicate",
        "conflict"), ``seq`` (its position in the log; the first one's for a duplicate) and a
        ``note`` when the store adjusted something.
    items : dict
        Item id -> seq of its last event in this batch (the items to re-plan).
    """
    apply = _APPLY[kind]
    results: list[dict[str, Any]] = []
    touched: dict[str, int] = {}
    with store.write() as conn:
        ids = [e.event_id for e in events]
        seen: dict[str, tuple[int, str]] = {}
        for i in range(0, len(ids), 500):
            q = sa.select(events_t.c.event_id, events_t.c.seq, events_t.c.payload).where(
                events_t.c.kind == kind, events_t.c.event_id.in_(ids[i : i + 500])
            )
            seen.update({r.event_id: (int(r.seq), r.payload) for r in conn.execute(q)})
        for e in events:
            payload = json.dumps(e.model_dump(mode="json", exclude_unset=True), sort_keys=True)
            res: dict[str, Any] = {"event_id": e.event_id, "item_id": e.item_id, "note": ""}
            if e.event_id in seen:
                seq, old = seen[e.event_id]
                res.update(status="duplicate" if old == payload else "conflict", seq=seq)
                if old != payload:
                    res["note"] = "this event_id was used before with a different body: not applied"
                results.append(res)
                continue
            day = e.date or today
            res["note"] = apply(conn, e, day)
            pk = conn.execute(
                events_t.insert().values(
                    kind=kind,
                    event_id=e.event_id,
                    item_id=e.item_id,
                    payload=payload,
                    received_at=utcnow(),
                )
            ).inserted_primary_key
            assert pk is not None
            new_seq = int(pk[0])
            store.advance_as_of(conn, day)
            seen[e.event_id] = (new_seq, payload)
            touched[e.item_id] = new_seq
            res.update(status="applied", seq=new_seq)
            results.append(res)
        for iid, seq in touched.items():
            stock_view(conn, store, iid, seq, low_stock_units, promise)
    return results, touched


def log_promise(conn: Connection, order_id: str, item_ids: list[str], token: str) -> dict[str, int]:
    """Record a promise in the event log (one row per item) so the items are re-planned."""
    out = {}
    for iid in sorted(set(item_ids)):
        seq = conn.execute(
            events_t.insert().values(
                kind="promise",
                event_id=f"{token}:{iid}",
                item_id=iid,
                payload=json.dumps({"order_id": order_id}),
                received_at=utcnow(),
            )
        ).inserted_primary_key
        assert seq is not None
        out[iid] = int(seq[0])
    return out

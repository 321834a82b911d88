"""The service's store: the shop's tables in the library's data contract, plus the service's own.

The database holds one table per contract table (``sales``, ``stock_history``, ``inventory``,
``purchase_orders``, ``suppliers``, ``items``, ``customer_orders``), so
``stockout_forecast.read_dataset(url)`` and ``stockout-forecast report URL`` read the store like
any other dataset, and five tables of its own:

``service_events``
    The event log: one row per accepted event (``seq`` in commit order), unique per
    ``(kind, event_id)`` -- the idempotency key.
``service_item_state``
    What the service answers per item (velocity, stockout dates, reorder recommendation,
    availability, promise dates, notices), as JSON, with the ``event_seq`` of the last event
    folded in. One frame per item serves every endpoint.
``service_item_forecast``
    Per item, the demand forecast of its last full plan (:meth:`DemandForecast.to_dict
    <stockout_forecast.DemandForecast.to_dict>` of its row, without the quantile lists)
    and the planning date it was made for: what an event's re-plan starts from.
``service_keys``
    API keys: an id, a random salt and the SHA-256 of salt + secret; never the secret.
``service_meta``
    Settings of the store (the planning date ``as_of``).

Durability: SQLite runs in WAL mode with ``synchronous=FULL`` (each commit is on disk before
it returns) and write transactions start with ``BEGIN IMMEDIATE``; other databases use their
own transactions. A request is acknowledged only after its transaction committed.
"""

from __future__ import annotations

import datetime as dt
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np
import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

__all__ = ["CONTRACT_TABLES", "Store", "open_store"]

_ID = sa.String(200)
md = sa.MetaData()

CONTRACT_TABLES: dict[str, sa.Table] = {
    "sales": sa.Table(
        "sales",
        md,
        sa.Column("row_id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("item_id", _ID, nullable=False, index=True),
        sa.Column("date", sa.Date, nullable=False),
        sa.Column("units", sa.Float, nullable=False),
        sa.Column("location_id", _ID),
        sa.Column("order_id", _ID),
        sa.Column("customer_id", _ID),
        sa.Column("unit_price", sa.Float),
    ),
    "stock_history": sa.Table(
        "stock_history",
        md,
        sa.Column("item_id", _ID, primary_key=True),
        sa.Column("date", sa.Date, primary_key=True),
        sa.Column("on_hand_units", sa.Float, nullable=False),
    ),
    "inventory": sa.Table(
        "inventory",
        md,
        sa.Column("item_id", _ID, primary_key=True),
        sa.Column("on_hand_units", sa.Float, nullable=False),
        sa.Column("backordered_units", sa.Float, nullable=False, default=0.0),
        sa.Column("allocated_units", sa.Float, nullable=False, default=0.0),
        sa.Column("as_of", sa.Date),
    ),
    "purchase_orders": sa.Table(
        "purchase_orders",
        md,
        sa.Column("po_id", _ID, primary_key=True),
        sa.Column("item_id", _ID, primary_key=True, index=True),
        sa.Column("supplier_id", _ID, nullable=False),
        sa.Column("units", sa.Float, nullable=False),
        sa.Column("order_date", sa.Date, nullable=False),
        sa.Column("expected_date", sa.Date, nullable=False),
        sa.Column("received_date", sa.Date),
        sa.Column("received_units", sa.Float),
    ),
    "suppliers": sa.Table(
        "suppliers",
        md,
        sa.Column("item_id", _ID, primary_key=True),
        sa.Column("supplier_id", _ID, primary_key=True),
        sa.Column("unit_cost", sa.Float, nullable=False),
        sa.Column("lead_time_days", sa.Float, nullable=False),
        sa.Column("lead_time_sd_days", sa.Float),
        sa.Column("moq_units", sa.Float),
        sa.Column("pack_units", sa.Float),
        sa.Column("capacity_units", sa.Float),
        sa.Column("order_cost", sa.Float),
        sa.Column("on_time_rate", sa.Float),
    ),
    "items": sa.Table(
        "items",
        md,
        sa.Column("item_id", _ID, primary_key=True),
        sa.Column("description", sa.String(500)),
        sa.Column("status", sa.String(50)),
        sa.Column("service_level", sa.Float),
        sa.Column("review_period_days", sa.Float),
        sa.Column("holding_cost_rate", sa.Float),
        sa.Column("unit_price", sa.Float),
        sa.Column("backorder_cost", sa.Float),
        sa.Column("storage_volume", sa.Float),
    ),
    "customer_orders": sa.Table(
        "customer_orders",
        md,
        sa.Column("order_id", _ID, primary_key=True),
        sa.Column("line_id", _ID, primary_key=True),
        sa.Column("item_id", _ID, nullable=False, index=True),
        sa.Column("units", sa.Float, nullable=False),
        sa.Column("order_date", sa.Date, nullable=False),
        sa.Column("customer_id", _ID),
        sa.Column("promised_date", sa.Date),
        sa.Column("priority", sa.Float),
    ),
}
sa.Index("ix_stock_history_item", CONTRACT_TABLES["stock_history"].c.item_id)
#: an item's recent rows (what a re-plan reads at each event: the rows since a day)
_RECENT_ROWS = [
    sa.Index(f"ix_{t}_item_date", CONTRACT_TABLES[t].c.item_id, CONTRACT_TABLES[t].c.date)
    for t in ("sales", "stock_history")
]

events_t = sa.Table(
    "service_events",
    md,
    sa.Column("seq", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("kind", sa.String(40), nullable=False),
    sa.Column("event_id", sa.String(200), nullable=False),
    sa.Column("item_id", _ID, nullable=False),
    sa.Column("payload", sa.Text, nullable=False),
    sa.Column("received_at", sa.DateTime, nullable=False),
    sa.UniqueConstraint("kind", "event_id", name="uq_service_events_key"),
)
sa.Index("ix_service_events_item", events_t.c.item_id, events_t.c.seq)

state_t = sa.Table(
    "service_item_state",
    md,
    sa.Column("item_id", _ID, primary_key=True),
    sa.Column("event_seq", sa.Integer, nullable=False),
    # the last event in the stock and availability figures (>= event_seq: see events.py)
    sa.Column("stock_seq", sa.Integer, nullable=False, default=0),
    sa.Column("computed_at", sa.DateTime, nullable=False),
    sa.Column("model", sa.String(200)),
    sa.Column("n_notices", sa.Integer, nullable=False, default=0),
    sa.Column("order_now", sa.Boolean, nullable=False, default=False),
    sa.Column("state", sa.Text, nullable=False),
)

forecast_t = sa.Table(
    "service_item_forecast",
    md,
    sa.Column("item_id", _ID, primary_key=True),
    # the planning date the forecast was made for (it starts the day after)
    sa.Column("made_for", sa.Date, nullable=False),
    # the item's row in the full plan's forecast (its seed block is row // 64); None for a
    # forecast made for the item alone after an event
    sa.Column("row", sa.Integer),
    sa.Column("payload", sa.Text, nullable=False),
)

keys_t = sa.Table(
    "service_keys",
    md,
    sa.Column("key_id", sa.String(40), primary_key=True),
    sa.Column("salt", sa.String(64), nullable=False),
    sa.Column("key_hash", sa.String(128), nullable=False),
    sa.Column("scope", sa.String(20), nullable=False),
    sa.Column("name", sa.String(200)),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("revoked_at", sa.DateTime),
)

meta_t = sa.Table(
    "service_meta",
    md,
    sa.Column("key", sa.String(100), primary_key=True),
    sa.Column("value", sa.Text, nullable=False),
)

_DATE_COLUMNS = {
    name: [c.name for c in t.columns if isinstance(c.type, sa.Date)]
    for name, t in CONTRACT_TABLES.items()
}


def utcnow() -> dt.datetime:
    """Current UTC time without tzinfo (stored as naive UTC)."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def _py(value: Any) -> Any:
    """A value as the database driver wants it (dates as date, NaN as None)."""
    if value is None:
        return None
    if isinstance(value, pd.Timestamp):
        return None if pd.isna(value) else value.date()
    if isinstance(value, (float, np.floating)):
        return None if np.isnan(value) else float(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.bool_):
        return bool(value)
    if value is pd.NaT or (not isinstance(value, str) and pd.isna(value)):
        return None
    return value


def frame_records(df: pd.DataFrame, table: str) -> list[dict[str, Any]]:
    """Rows of a validated contract table as dicts for an INSERT (only the store's columns)."""
    cols = [c.name for c in CONTRACT_TABLES[table].columns if c.name in df.columns]
    out = df[cols].copy()
    for c in _DATE_COLUMNS[table]:
        if c in out.columns:
            out[c] = pd.to_datetime(out[c]).dt.date.astype(object).where(out[c].notna(), None)
    recs = out.to_dict("records")
    return [{str(k): _py(v) for k, v in r.items()} for r in recs]


def _frame(rows: list[tuple[Any, ...]], columns: list[str]) -> pd.DataFrame:
    """Rows of a query as a frame, built column by column (fast for many rows)."""
    if not rows:
        return pd.DataFrame(columns=columns)
    return pd.DataFrame(dict(zip(columns, map(list, zip(*rows, strict=True)), strict=True)))


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.isolation_level = None  # we emit BEGIN ourselves
    cur = dbapi_connection.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=FULL")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.close()


def _engine(url: str, *, immediate: bool) -> Engine:
    u = sa.engine.make_url(url)
    if u.get_backend_name() != "sqlite":
        return sa.create_engine(url, pool_pre_ping=True)
    if not u.database or u.database == ":memory:":
        raise ValueError(
            f"The store must be a SQLite file or a database server, not {url!r}: "
            "give a path such as sqlite:///shop.db."
        )
    eng = sa.create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})
    sa.event.listen(eng, "connect", _sqlite_pragmas)
    begin = "BEGIN IMMEDIATE" if immediate else "BEGIN"

    @sa.event.listens_for(eng, "begin")
    def _begin(conn: Connection) -> None:
        conn.exec_driver_sql(begin)

    return eng


class Store:
    """Access to the service's database.

    Parameters
    ----------
    url : str
        SQLAlchemy URL: ``sqlite:///shop.db`` (a file; created when missing) or any server
        database SQLAlchemy can reach.

    Notes
    -----
    Reads and writes use separate engines on SQLite so that a write transaction takes the
    write lock at its start (``BEGIN IMMEDIATE``) and cannot fail half-way on a lock upgrade;
    writes from this process are serialised by a lock as well.
    """

    def __init__(self, url: str) -> None:
        self.url = url
        self.is_sqlite = sa.engine.make_url(url).get_backend_name() == "sqlite"
        self.read_engine = _engine(url, immediate=False)
        self.write_engine = _engine(url, immediate=True) if self.is_sqlite else self.read_engine
        self._write_lock = threading.RLock()
        md.create_all(self.write_engine)
        for ix in _RECENT_ROWS:  # stores made before these indexes existed get them too
            ix.create(self.write_engine, checkfirst=True)

    # ------------------------------------------------------------------ transactions
    @contextmanager
    def write(self) -> Iterator[Connection]:
        """A write transaction; committed when the block ends without an exception."""
        with self._write_lock, self.write_engine.begin() as conn:
            yield conn

    @contextmanager
    def read(self) -> Iterator[Connection]:
        """A read transaction (one consistent snapshot on SQLite in WAL mode)."""
        with self.read_engine.begin() as conn:
            yield conn

    def dispose(self) -> None:
        """Close every pooled connection."""
        self.read_engine.dispose()
        if self.write_engine is not self.read_engine:
            self.write_engine.dispose()

    # ------------------------------------------------------------------ meta
    def get_meta(self, conn: Connection, key: str) -> Any:
        """A stored setting (JSON-decoded), or None."""
        v = conn.execute(sa.select(meta_t.c.value).where(meta_t.c.key == key)).scalar()
        return None if v is None else json.loads(v)

    def set_meta(self, conn: Connection, key: str, value: Any) -> None:
        """Store a setting (JSON-encoded)."""
        payload = json.dumps(value)
        n = conn.execute(meta_t.update().where(meta_t.c.key == key).values(value=payload))
        if n.rowcount == 0:
            conn.execute(meta_t.insert().values(key=key, value=payload))

    def as_of(self, conn: Connection) -> pd.Timestamp | None:
        """The store's planning date: the latest inventory or event date."""
        v = self.get_meta(conn, "as_of")
        return None if v is None else pd.Timestamp(v)

    def advance_as_of(self, conn: Connection, day: dt.date) -> None:
        """Move the planning date forward to ``day`` (never back)."""
        cur = self.as_of(conn)
        if cur is None or pd.Timestamp(day) > cur:
            self.set_meta(conn, "as_of", pd.Timestamp(day).strftime("%Y-%m-%d"))

    # ------------------------------------------------------------------ contents
    def n_sales(self, conn: Connection) -> int:
        """Number of sales rows (0: an empty store)."""
        n = conn.execute(sa.select(sa.func.count()).select_from(md.tables["sales"])).scalar()
        return int(n or 0)

    def item_ids(self, conn: Connection) -> list[str]:
        """Every item id the store knows (any contract table)."""
        ids: set[str] = set()
        for t in CONTRACT_TABLES.values():
            ids.update(conn.execute(sa.select(t.c.item_id).distinct()).scalars())
        return sorted(ids)

    def item_tables(self, conn: Connection, item_id: str) -> dict[str, pd.DataFrame]:
        """The rows of one item in every contract table (empty frames where it has none)."""
        out = {}
        for name, t in CONTRACT_TABLES.items():
            cols = [c for c in t.columns if c.name != "row_id"]
            rows = conn.execute(sa.select(*cols).where(t.c.item_id == item_id)).all()
            out[name] = _frame([tuple(r) for r in rows], [c.name for c in cols])
        return out

    def items_tables(
        self,
        conn: Connection,
        item_ids: list[str],
        tables: list[str] | None = None,
        since: dt.date | None = None,
    ) -> dict[str, pd.DataFrame]:
        """The rows of several items in ``tables`` (default every contract table).

        ``since``: only the rows dated that day or later (``sales`` and ``stock_history``,
        whose rows have one ``date``). Rows come in the table's storage order.
        """
        out = {}
        for name in tables or list(CONTRACT_TABLES):
            t = CONTRACT_TABLES[name]
            cols = [c for c in t.columns if c.name != "row_id"]
            # storage order, as a full read of the table gives (the order of an item's open
            # purchase-order lines is their slot in the stockout simulation)
            order: list[Any] = (
                [sa.literal_column("rowid")] if self.is_sqlite else list(t.primary_key)
            )
            rows: list[tuple[Any, ...]] = []
            for i in range(0, len(item_ids), 500):
                q = sa.select(*cols).where(t.c.item_id.in_(item_ids[i : i + 500]))
                if since is not None:
                    q = q.where(t.c.date >= since)
                rows += conn.execute(q.order_by(*order)).all()
            out[name] = _frame(rows, [c.name for c in cols])
        return out

    def event_days(
        self, conn: Connection, item_ids: list[str], after_seq: int
    ) -> list[tuple[str, int, dt.date]]:
        """``(item_id, seq, day)`` of the items' events after ``after_seq``.

        ``day`` is the event's business date: its ``date`` or, without one, the UTC day it
        was received (the day the store applied it).
        """
        out = []
        for i in range(0, len(item_ids), 500):
            q = sa.select(
                events_t.c.item_id, events_t.c.seq, events_t.c.payload, events_t.c.received_at
            ).where(events_t.c.item_id.in_(item_ids[i : i + 500]), events_t.c.seq > after_seq)
            for r in conn.execute(q):
                d = json.loads(r.payload).get("date")
                day = dt.date.fromisoformat(d) if d else r.received_at.date()
                out.append((str(r.item_id), int(r.seq), day))
        return out

    def last_seqs(self, conn: Connection, item_ids: list[str] | None = None) -> dict[str, int]:
        """Per item, the seq of its latest event."""
        q = sa.select(events_t.c.item_id, sa.func.max(events_t.c.seq)).group_by(events_t.c.item_id)
        if item_ids is not None:
            q = q.where(events_t.c.item_id.in_(item_ids))
        return {i: int(s) for i, s in conn.execute(q)}

    def stale_items(self, conn: Connection) -> list[str]:
        """Items with events newer than their state (after a crash, or a failed compute)."""
        last = (
            sa.select(events_t.c.item_id, sa.func.max(events_t.c.seq).label("seq"))
            .group_by(events_t.c.item_id)
            .subquery()
        )
        q = (
            sa.select(last.c.item_id)
            .select_from(last.outerjoin(state_t, state_t.c.item_id == last.c.item_id))
            .where(sa.or_(state_t.c.event_seq.is_(None), state_t.c.event_seq < last.c.seq))
        )
        return sorted(conn.execute(q).scalars())

    # ------------------------------------------------------------------ item state
    def put_state(
        self,
        conn: Connection,
        item_id: str,
        seq: int,
        state: dict[str, Any],
        model: str | None,
        *,
        stock_seq: int | None = None,
        payload: str | None = None,
    ) -> bool:
        """Store an item's state unless one from later events is there already.

        ``seq`` is the last event the whole state includes; ``stock_seq`` (default ``seq``)
        the last one its stock and availability include. A re-plan that read the store
        before an event committed cannot overwrite the stock that event brought up to date.
        ``payload``: ``state`` as JSON already (encoded before the write transaction, so
        that the transaction holds the store's write lock for less time).
        """
        stock_seq = seq if stock_seq is None else stock_seq
        if payload is None:
            payload = json.dumps(state, allow_nan=False)
        vals = dict(
            event_seq=seq,
            stock_seq=stock_seq,
            computed_at=utcnow(),
            model=model,
            n_notices=len(state.get("notices") or []),
            order_now=bool((state.get("reorder") or {}).get("order_now")),
            state=payload,
        )
        n = conn.execute(
            state_t.update()
            .where(
                state_t.c.item_id == item_id,
                state_t.c.event_seq <= seq,
                state_t.c.stock_seq <= stock_seq,
            )
            .values(**vals)
        )
        if n.rowcount:
            return True
        exists = conn.execute(sa.select(state_t.c.item_id).where(state_t.c.item_id == item_id))
        if exists.first() is not None:
            return False  # a newer state won
        conn.execute(state_t.insert().values(item_id=item_id, **vals))
        return True

    def put_states(
        self,
        conn: Connection,
        rows: list[tuple[str, int, int, dict[str, Any], str | None, str]],
        held: dict[str, tuple[int, int]],
    ) -> set[str]:
        """:meth:`put_state` for many states in two statements; the ids stored.

        ``rows``: ``(item_id, seq, stock_seq, state, model, payload)``; ``held``: the
        :meth:`state_seqs` of those items read in this write transaction. A state is
        stored where none is held, or where the held one includes no later event (the
        update also says so in its condition).
        """
        now = utcnow()
        upd, ins, stored = [], [], set()
        for iid, seq, stock_seq, state, model, payload in rows:
            vals = dict(
                event_seq=seq,
                stock_seq=stock_seq,
                computed_at=now,
                model=model,
                n_notices=len(state.get("notices") or []),
                order_now=bool((state.get("reorder") or {}).get("order_now")),
                state=payload,
            )
            h = held.get(iid)
            if h is None:
                ins.append({"item_id": iid, **vals})
            elif h[0] <= seq and h[1] <= stock_seq:
                upd.append({"b_item_id": iid, "b_seq": seq, "b_stock_seq": stock_seq, **vals})
            else:
                continue
            stored.add(iid)
        if upd:
            conn.execute(
                state_t.update().where(
                    state_t.c.item_id == sa.bindparam("b_item_id"),
                    state_t.c.event_seq <= sa.bindparam("b_seq"),
                    state_t.c.stock_seq <= sa.bindparam("b_stock_seq"),
                ),
                upd,
            )
        if ins:
            conn.execute(state_t.insert(), ins)
        return stored

    def state_seqs(self, conn: Connection, item_ids: list[str]) -> dict[str, tuple[int, int]]:
        """Per item with a state: the last event its whole state includes, and its stock."""
        out = {}
        for i in range(0, len(item_ids), 500):
            chunk = item_ids[i : i + 500]
            q = sa.select(state_t.c.item_id, state_t.c.event_seq, state_t.c.stock_seq).where(
                state_t.c.item_id.in_(chunk)
            )
            out.update({r.item_id: (int(r.event_seq), int(r.stock_seq)) for r in conn.execute(q)})
        return out

    def get_states(self, conn: Connection, item_ids: list[str]) -> dict[str, dict[str, Any]]:
        """States by item id (items without one are absent)."""
        out = {}
        for i in range(0, len(item_ids), 500):
            chunk = item_ids[i : i + 500]
            q = sa.select(state_t.c.item_id, state_t.c.state).where(state_t.c.item_id.in_(chunk))
            out.update({r.item_id: json.loads(r.state) for r in conn.execute(q)})
        return out

    def fast_updates(self, conn: Connection, item_ids: list[str]) -> dict[str, dict[str, Any]]:
        """Per item whose state carries a fast update (``state["fast"]``), that update.

        Only the states whose JSON holds a ``"fast"`` object are decoded (the others say
        ``"fast": null``; a quote inside a string is escaped, so the text cannot occur there).
        """
        out = {}
        for i in range(0, len(item_ids), 500):
            chunk = item_ids[i : i + 500]
            q = sa.select(state_t.c.item_id, state_t.c.state).where(state_t.c.item_id.in_(chunk))
            for r in conn.execute(q):
                if '"fast": {' in r.state:
                    fast = json.loads(r.state).get("fast")
                    if fast:
                        out[r.item_id] = fast
        return out

    def put_forecasts(
        self,
        conn: Connection,
        made_for: pd.Timestamp,
        forecasts: dict[str, dict[str, Any]],
        *,
        full_plan: bool = False,
    ) -> None:
        """Store each item's forecast (a one-item ``DemandForecast.to_dict()``), replacing any.

        ``full_plan``: ``forecasts`` is the full plan's, in its row order; every stored
        forecast is replaced and each keeps its row.
        """
        ids = list(forecasts)
        if full_plan:
            conn.execute(forecast_t.delete())
        else:
            for i in range(0, len(ids), 500):
                q = forecast_t.delete().where(forecast_t.c.item_id.in_(ids[i : i + 500]))
                conn.execute(q)
        rows = [
            {
                "item_id": iid,
                "made_for": made_for.date(),
                "row": k if full_plan else None,
                "payload": json.dumps(d),
            }
            for k, (iid, d) in enumerate(forecasts.items())
        ]
        for i in range(0, len(rows), 5_000):
            conn.execute(forecast_t.insert(), rows[i : i + 5_000])

    def get_forecasts(
        self, conn: Connection, item_ids: list[str], *, plan_payloads: bool = True
    ) -> dict[str, tuple[pd.Timestamp, int | None, dict[str, Any] | None]]:
        """Per item with one: made-for date, row in the full plan's forecast, forecast.

        The row is None for a forecast made for the item alone after an event.
        ``plan_payloads=False``: the forecast of an item with a row in the full plan's
        forecast is not decoded (None; the caller reads that row from the full plan's).
        """
        out = {}
        for i in range(0, len(item_ids), 500):
            q = sa.select(forecast_t).where(forecast_t.c.item_id.in_(item_ids[i : i + 500]))
            for r in conn.execute(q):
                payload = json.loads(r.payload) if plan_payloads or r.row is None else None
                out[r.item_id] = (pd.Timestamp(r.made_for), r.row, payload)
        return out

    def plan_forecasts(self, conn: Connection) -> tuple[pd.Timestamp, list[dict[str, Any]]] | None:
        """The full plan's forecast rows in row order, and the date they were made for."""
        q = sa.select(forecast_t.c.made_for, forecast_t.c.payload)
        rows = conn.execute(q.where(forecast_t.c.row.is_not(None)).order_by(forecast_t.c.row))
        made, out = None, []
        for r in rows:
            made = pd.Timestamp(r.made_for)
            out.append(json.loads(r.payload))
        return None if made is None else (made, out)

    def models(self, conn: Connection, item_ids: list[str]) -> dict[str, str]:
        """The forecast model each item last used."""
        q = sa.select(state_t.c.item_id, state_t.c.model).where(state_t.c.item_id.in_(item_ids))
        return {r.item_id: r.model for r in conn.execute(q) if r.model}

    def iter_states(
        self,
        conn: Connection,
        *,
        with_notices: bool = False,
        order_now: bool | None = None,
        item_id: str | None = None,
    ) -> Iterator[dict[str, Any]]:
        """Stored states in item order, optionally only those with notices / to order now."""
        q = sa.select(state_t.c.state).order_by(state_t.c.item_id)
        if with_notices:
            q = q.where(state_t.c.n_notices > 0)
        if order_now is not None:
            q = q.where(state_t.c.order_now == order_now)
        if item_id is not None:
            q = q.where(state_t.c.item_id == item_id)
        for (s,) in conn.execute(q):
            yield json.loads(s)

    def n_events(self, conn: Connection) -> int:
        """Events accepted so far."""
        n = conn.execute(sa.select(sa.func.count()).select_from(events_t)).scalar()
        return int(n or 0)


def open_store(url: str) -> Store:
    """Open (and create when missing) the store at ``url``."""
    return Store(url)


def import_dataset(store: Store, dataset: Any) -> list[str]:
    """Copy a validated :class:`~stockout_forecast.Dataset` into an empty store.

    Returns notes on what was not kept (columns the store has no place for). The planning
    date becomes the planner's default: the latest inventory ``as_of``, else the last sale.
    """
    notes: list[str] = []
    with store.write() as conn:
        if store.n_sales(conn):
            raise ValueError(
                f"The store {store.url} already holds sales; load a dataset into a new, empty "
                "store (or send the new data as events)."
            )
        for name, table in CONTRACT_TABLES.items():
            df = getattr(dataset, name)
            if df is None or len(df) == 0:
                continue
            dropped = [c for c in df.columns if c not in table.c]
            if dropped:
                notes.append(f"{name}: columns {dropped} are not kept in the service store.")
            recs = frame_records(df, name)
            for i in range(0, len(recs), 20_000):
                conn.execute(table.insert(), recs[i : i + 20_000])
        inv = dataset.inventory
        if inv is not None and "as_of" in inv.columns and inv["as_of"].notna().any():
            as_of = pd.Timestamp(inv["as_of"].max())
        else:
            as_of = pd.Timestamp(dataset.sales["date"].max())
        store.advance_as_of(conn, as_of.date())
        if notes:
            store.set_meta(conn, "import_notes", notes)
    return notes

"""The service's subcommands of ``stockout-forecast``: ``serve``, ``keys`` and ``plan``.

``stockout_forecast.cli`` registers them with :func:`add_subcommands` and runs them with
:func:`run`; nothing here imports FastAPI until a command needs it.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any, TextIO

__all__ = ["COMMANDS", "add_subcommands", "run"]

COMMANDS = ("serve", "keys", "plan")
DEFAULT_DB = "sqlite:///shop.db"


def _db(p: argparse.ArgumentParser, required: bool = False) -> None:
    p.add_argument(
        "--db",
        default=None if required else DEFAULT_DB,
        required=required,
        help=f"store: a SQLAlchemy URL (default {DEFAULT_DB}; a SQLite file is created)",
    )


def add_subcommands(sub: Any) -> None:
    """Add ``serve``, ``keys`` and ``plan`` to the CLI's subparsers."""
    s = sub.add_parser(
        "serve",
        help="run the HTTP service (forecasts, availability, promise dates)",
        description="Serve the HTTP API over a store (OpenAPI docs at /docs). Writes need an "
        "API key with the write scope (see 'keys add'). With --load DATA an empty store is "
        "filled from a dataset and planned before serving.",
    )
    _db(s)
    s.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    s.add_argument("--port", type=int, default=8000, help="port (default 8000)")
    s.add_argument("--load", metavar="DATA", help="fill an empty store from this dataset first")
    s.add_argument(
        "--read-key", action="store_true", help="reads need an API key too (read or write scope)"
    )
    s.add_argument(
        "--no-write-key",
        action="store_true",
        help="accept writes without an API key (only for a closed test network)",
    )
    s.add_argument(
        "--cors-origin",
        action="append",
        default=[],
        metavar="ORIGIN",
        help="allow browser calls from this origin (repeatable; default: CORS off)",
    )
    s.add_argument("--max-body-bytes", type=int, default=5_000_000, help="request size limit")
    s.add_argument("--max-items", type=int, default=2_000, help="items per stateless request")
    s.add_argument("--seed", type=int, default=0, help="random seed of every plan")
    s.add_argument(
        "--replan-workers",
        type=int,
        default=1,
        help="worker processes that re-plan items after events (default 1; 0: a thread of "
        "the server itself)",
    )
    s.add_argument(
        "--fast-updates",
        action="store_true",
        help="a fast update of an item's velocity, stockout dates, order-by date and "
        "reorder point ahead of its re-plan (one worker process more; off by default)",
    )
    s.add_argument("--no-access-log", action="store_true", help="do not log each request")

    k = sub.add_parser(
        "keys",
        help="create, list or revoke API keys",
        description="API keys of the service. A new key is printed once; only its salted hash "
        "is stored.",
    )
    ksub = k.add_subparsers(dest="keys_command", required=True, metavar="ACTION")
    ka = ksub.add_parser("add", help="create a key and print it (once)")
    _db(ka)
    ka.add_argument("--scope", choices=["read", "write"], default="read", help="default read")
    ka.add_argument("--name", help="a label, e.g. the system that uses the key")
    kl = ksub.add_parser("list", help="list keys (never their secrets)")
    _db(kl)
    kr = ksub.add_parser("revoke", help="revoke a key by its id")
    _db(kr)
    kr.add_argument("key_id", help="the 12 hex digits after 'sof_' in the key")

    p = sub.add_parser(
        "plan",
        help="re-plan every item of the service's store (nightly)",
        description="Read the store, run the planner on every item and store each item's "
        "state; with --report DIR also write the planner report of this plan.",
    )
    _db(p, required=True)
    p.add_argument("--load", metavar="DATA", help="fill an empty store from this dataset first")
    p.add_argument("--report", metavar="DIR", help="also write the report into DIR")
    p.add_argument("--seed", type=int, default=0, help="random seed (same store, same plan)")
    p.add_argument("--jobs", type=int, default=1, help="threads for the stockout simulation")


def _load(store: Any, data: str, out: TextIO) -> None:
    import stockout_forecast as sof

    from .store import import_dataset

    ds = sof.read_dataset(data)
    notes = import_dataset(store, ds)
    out.write(f"loaded {data} into {store.url}: {ds!r}\n")
    for n in notes:
        out.write(f"note: {n}\n")


def _plan(store: Any, settings: Any, out: TextIO, jobs: int = 1) -> Any:
    from .state import plan_store

    plan = plan_store(store, settings, n_jobs=jobs)
    out.write(f"{plan!r}\n")
    return plan


def _serve(args: argparse.Namespace, out: TextIO) -> int:
    import uvicorn

    from . import create_app
    from .settings import ServiceSettings
    from .store import Store, state_t

    settings = ServiceSettings(
        db_url=args.db,
        require_write_key=not args.no_write_key,
        require_read_key=args.read_key,
        cors_origins=tuple(args.cors_origin),
        max_body_bytes=args.max_body_bytes,
        max_items=args.max_items,
        random_state=args.seed,
        replan_workers=args.replan_workers,
        fast_updates=args.fast_updates,
    )
    store = Store(args.db)
    import sqlalchemy as sa

    with store.read() as conn:
        empty = store.n_sales(conn) == 0
        n_states = conn.execute(sa.select(sa.func.count()).select_from(state_t)).scalar()
    if args.load and empty:
        _load(store, args.load, out)
        empty = False
    if not empty and not n_states:
        out.write("planning every item of the store (first start)...\n")
        _plan(store, settings, out)
    if empty:
        out.write(
            f"note: the store {args.db} has no sales yet; send events, or restart with "
            "--load DATA to fill it from a dataset.\n"
        )
    if not settings.require_write_key:
        out.write("warning: writes are accepted WITHOUT an API key (--no-write-key).\n")
    out.write(
        f"serving http://{args.host}:{args.port} (docs: /docs, schema: /openapi.json); "
        f"store {args.db}\n"
    )
    out.flush()
    app = create_app(settings, store=store)
    uvicorn.run(
        app,
        host=args.host,
        port=args.port,
        access_log=not args.no_access_log,
        log_level="info",
        timeout_graceful_shutdown=5,
    )
    return 0


def _keys(args: argparse.Namespace, out: TextIO) -> int:
    from .keys import add_key, list_keys, revoke_key
    from .store import Store

    store = Store(args.db)
    if args.keys_command == "add":
        key = add_key(store, args.scope, args.name)
        out.write(key + "\n")
        sys.stderr.write(
            f"new {args.scope} key for {args.db}; it is shown only now: store it safely. "
            "Send it in the X-API-Key header.\n"
        )
    elif args.keys_command == "list":
        for k in list_keys(store):
            state = "revoked" if k.revoked else "active"
            out.write(f"{k.key_id}  {k.scope:<5}  {state:<7}  {k.created_at}  {k.name or ''}\n")
    else:
        if not revoke_key(store, args.key_id):
            sys.stderr.write(f"error: no active key with id {args.key_id!r} in {args.db}\n")
            return 4
        out.write(f"revoked {args.key_id}\n")
    return 0


def run(args: argparse.Namespace, out: TextIO) -> int:
    """Run one of :data:`COMMANDS`; returns the exit code."""
    if args.command == "serve":
        return _serve(args, out)
    if args.command == "keys":
        return _keys(args, out)
    from .settings import ServiceSettings
    from .store import Store

    store = Store(args.db)
    if args.load:
        _load(store, args.load, out)
    plan = _plan(store, ServiceSettings(db_url=args.db, random_state=args.seed), out, args.jobs)
    if args.report:
        from ..report import write_report

        for kind, path in write_report(plan, args.report).items():
            if not kind.startswith("po:"):
                out.write(f"wrote {kind}: {path}\n")
    return 0

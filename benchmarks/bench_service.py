"""Benchmark of the HTTP service against a live server on 127.0.0.1 (not a timed test).

What it does:

1. Fills a store from the demo shop (``data/sample``, 300 items) and plans it, unless
   ``--db`` names a store that is filled already; creates a write key.
2. Measures the re-plan an event triggers, in process (``replan_items``): one item at a
   time on ``--replan-items`` items, and those items as one batch (what the lane does when
   events for many items wait), with the history kept in memory as the lane keeps it.
3. Starts ``stockout-forecast serve`` on a free port of 127.0.0.1 and sends ``--requests``
   requests from ``--concurrency`` threads, each on its own keep-alive connection: a seeded
   mix of availability reads (``GET /v1/availability``) and sales events
   (``POST /v1/events/sales``, one unit of a random item; ``--event-share`` of the requests),
   answered at commit (``?wait=false``) or, with ``--wait``, once the item is re-planned.
4. Meanwhile a probe thread, every ``--probe-every`` seconds, sells the whole free stock of
   an in-stock item and reads its availability until the read shows it: the time from
   sending the event to the first read that shows its effect.
   The load starts once the server's re-plan lane has filled its cache (``/healthz``
   ``replan_warming`` 0), unless ``--cold``.
5. A tracker thread follows every acknowledged event (the load's and the probe's): every
   ``--track-every`` seconds it reads the items still waiting (``GET /v1/availability`` with
   their ids, whose ``event_seq`` is the last event folded into the item's re-planned
   velocity, stockout dates, reorder recommendation and promise dates, as in
   ``GET /v1/items/{id}``) and records, per event, the time from its acknowledgement to the
   first read whose ``event_seq`` includes it: the event -> re-planned state lag; and the
   time to the first read whose ``fast_seq`` (the item's fast update: velocity, stockout
   dates, order-by date, reorder point; with ``--fast``, else the re-plan) or ``event_seq``
   includes it: the event -> fast figures lag.
6. After the load: how long the re-plan queue takes to empty.

Prints requests, errors, wall time, requests per second, p50/p99 latency (all, reads,
events), the probe's visibility times and the re-plan lag (p50, p99, max over every event);
``--out FILE`` also writes them as JSON.

Usage::

    .venv/bin/python benchmarks/bench_service.py                 # 1,000 requests, 8 threads
    .venv/bin/python benchmarks/bench_service.py --requests 2000 --event-share 0.1

Traffic goes only to 127.0.0.1, the loop is bounded by ``--requests``, and the server is
stopped at the end.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import warnings
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Client:
    """One keep-alive HTTP connection to the server."""

    def __init__(self, port: int, key: str) -> None:
        self.port, self.key = port, key
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)

    def call(self, method: str, path: str, body: dict | None = None) -> tuple[int, dict]:
        headers = {"Content-Type": "application/json", "X-API-Key": self.key}
        data = None if body is None else json.dumps(body)
        try:
            self.conn.request(method, path, body=data, headers=headers)
            r = self.conn.getresponse()
            return r.status, json.loads(r.read())
        except (OSError, http.client.HTTPException):
            self.conn.close()
            self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
            raise


def prepare_store(db: Path, data: Path) -> str:
    import stockout_forecast as sof
    from stockout_forecast.service import ServiceSettings
    from stockout_forecast.service.state import plan_store
    from stockout_forecast.service.store import Store, import_dataset

    url = f"sqlite:///{db}"
    store = Store(url)
    with store.read() as conn:
        empty = store.n_sales(conn) == 0
    if empty:
        t0 = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            import_dataset(store, sof.read_dataset(data))
        t1 = time.perf_counter()
        plan_store(store, ServiceSettings(db_url=url))
        print(
            f"store: loaded {data} in {t1 - t0:.1f} s, planned 300 items in "
            f"{time.perf_counter() - t1:.1f} s"
        )
    store.dispose()
    return url


def replan_cost(url: str, n: int) -> tuple[list[float], float]:
    """Seconds per one-item re-plan, on ``n`` items; seconds to re-plan them as one batch."""
    from stockout_forecast.service import ServiceSettings
    from stockout_forecast.service.replan import replan_items
    from stockout_forecast.service.store import Store

    store = Store(url)
    with store.read() as conn:
        ids = store.item_ids(conn)[::10][:n]
    settings = ServiceSettings(db_url=url)
    replan_items(store, ids, settings)  # warm-up: imports, the history kept in memory
    out = []
    for iid in ids:
        t0 = time.perf_counter()
        replan_items(store, [iid], settings)
        out.append(time.perf_counter() - t0)
    t0 = time.perf_counter()
    replan_items(store, ids, settings)
    batch = time.perf_counter() - t0
    store.dispose()
    return out, batch


def pct(values: list[float], q: float) -> float:
    return float(np.percentile(values, q)) if values else float("nan")


def run(args: argparse.Namespace) -> dict:
    from stockout_forecast.service.keys import add_key
    from stockout_forecast.service.store import Store

    tmp = tempfile.TemporaryDirectory()
    db = Path(args.db) if args.db else Path(tmp.name) / "shop.db"
    url = prepare_store(db, Path(args.data))
    store = Store(url)
    key = add_key(store, "write", "bench")
    with store.read() as conn:
        as_of = store.as_of(conn)
        items = store.item_ids(conn)
        states = store.get_states(conn, items)
    store.dispose()
    day = as_of.strftime("%Y-%m-%d")
    costs, batch = replan_cost(url, args.replan_items)
    print(
        f"re-plan in process: one item median {statistics.median(costs) * 1e3:.0f} ms, max "
        f"{max(costs) * 1e3:.0f} ms ({len(costs)} items); the {len(costs)} as one batch "
        f"{batch * 1e3:.0f} ms"
    )

    port = _free_port()
    log = open(Path(tmp.name) / "serve.log", "wb")
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "stockout_forecast.cli",
            "serve",
            "--db",
            url,
            "--port",
            str(port),
            "--no-access-log",
            "--replan-workers",
            str(args.replan_workers),
            *(["--fast-updates"] if args.fast else []),
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if Client(port, key).call("GET", "/healthz")[0] == 200:
                    break
            except OSError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise RuntimeError("server did not start") from None
                time.sleep(0.1)
        # the lane fills its cache (history rows, demand paths) after the start: wait for it,
        # to measure the steady state (``--cold`` to measure from a cold start)
        t_warm = time.perf_counter()
        while not args.cold and time.perf_counter() - t_warm < 300:
            health = Client(port, key).call("GET", "/healthz")[1]
            if health.get("ready", health.get("replan_warming", 0) == 0):
                break
            time.sleep(0.2)
        time.sleep(args.settle)
        warm_s = time.perf_counter() - t_warm
        print(f"server up; re-plan cache filled in {warm_s:.1f} s" if not args.cold else "cold")
        res = load(args, port, key, items, states, day, (costs, batch))
        res["warm_up_s"] = warm_s
        return res
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            os.kill(proc.pid, signal.SIGKILL)
        log.close()
        tmp.cleanup()


def load(args, port, key, items, states, day, cost) -> dict:
    costs, batch = cost
    rng = np.random.default_rng(args.seed)
    kinds = np.where(rng.random(args.requests) < args.event_share, "event", "read")
    picks = rng.choice(items, size=args.requests)
    # the probe sells out these items; the load's events use the others
    probe_items = [i for i in items if states[i]["availability"].get("status") == "in_stock"][:20]
    others = [i for i in items if i not in probe_items]
    picks = np.where(np.isin(picks, probe_items), others[0], picks)
    local = threading.local()
    lat: dict[str, list[float]] = {"read": [], "event": []}
    acked: list[tuple[str, int, float]] = []  # (item, seq, acknowledged at), every event
    errors: list[str] = []
    lock = threading.Lock()

    def one(i: int) -> None:
        if not hasattr(local, "client"):
            local.client = Client(port, key)
        kind, item = kinds[i], str(picks[i])
        t0 = time.perf_counter()
        try:
            if kind == "read":
                status, body = local.client.call("GET", f"/v1/availability?item_id={item}")
                ok = status == 200 and body["items"][0]["item_id"] == item
            else:
                ev = {
                    "event_id": f"bench-{args.seed}-{i}",
                    "item_id": item,
                    "units": 1,
                    "date": day,
                }
                path = "/v1/events/sales" + ("" if args.wait else "?wait=false")
                status, body = local.client.call("POST", path, {"events": [ev]})
                ok = status == 200 and body["applied"] + body["duplicates"] == 1
                if ok:
                    with lock:
                        acked.append((item, body["results"][0]["seq"], time.perf_counter()))
        except Exception as err:  # counted, never hidden
            status, ok = -1, False
            body = {"error": repr(err)}
        dt = time.perf_counter() - t0
        with lock:
            lat[kind].append(dt)
            if not ok:
                errors.append(f"{kind} {item}: {status} {str(body)[:200]}")

    visible: list[float] = []
    replanned: list[float] = []
    fast: list[float] = []  # event -> its item's fast-updated figures (or re-plan) in a read
    fast_seen: set[tuple[str, int]] = set()
    probe_errors: list[str] = []
    done = threading.Event()

    def probe() -> None:
        c = Client(port, key)
        for n, item in enumerate(probe_items):
            if n and done.wait(args.probe_every):
                return
            free = c.call("GET", f"/v1/availability?item_id={item}")[1]["items"][0][
                "units_available"
            ]
            ev = {"event_id": f"probe-{args.seed}-{n}", "item_id": item, "units": free, "date": day}
            t0 = time.perf_counter()
            status, out = c.call("POST", "/v1/events/sales?wait=false", {"events": [ev]})
            if status != 200:
                probe_errors.append(f"probe event {item}: {status}")
                continue
            with lock:
                acked.append((item, out["results"][0]["seq"], time.perf_counter()))
            while time.perf_counter() - t0 < 30:
                _, body = c.call("GET", f"/v1/availability?item_id={item}")
                if body["items"][0]["units_available"] == 0:
                    visible.append(time.perf_counter() - t0)
                    break
            else:
                probe_errors.append(f"probe {item}: not visible within 30 s")

    def lag() -> None:
        # every acknowledged event until its item's re-planned state includes it
        c = Client(port, key)
        waiting: list[tuple[str, int, float]] = []
        seen = 0
        while True:
            with lock:
                waiting += acked[seen:]
                seen = len(acked)
            finished = done.is_set() and not prober.is_alive() and seen == len(acked)
            if not waiting and finished:
                return
            if waiting and time.perf_counter() - min(t for *_, t in waiting) > 600:
                probe_errors.append(f"{len(waiting)} events not re-planned within 600 s")
                return
            ids = sorted({i for i, *_ in waiting})[:500]
            if ids:
                q = "&".join(f"item_id={i}" for i in ids)
                _, body = c.call("GET", f"/v1/availability?{q}")
                now = time.perf_counter()
                at = {a["item_id"]: a["event_seq"] or 0 for a in body["items"]}
                fast_at = {
                    a["item_id"]: max(a["event_seq"] or 0, a.get("fast_seq") or 0)
                    for a in body["items"]
                }
                still = []
                for item, seq, t0 in waiting:
                    if (item, seq) not in fast_seen and fast_at.get(item, -1) >= seq:
                        fast_seen.add((item, seq))
                        fast.append(now - t0)
                    if at.get(item, -1) >= seq:
                        replanned.append(now - t0)
                    else:
                        still.append((item, seq, t0))
                waiting = still
            time.sleep(args.track_every)

    prober = threading.Thread(target=probe)
    lagger = threading.Thread(target=lag)
    t_start = time.perf_counter()
    prober.start()
    lagger.start()
    with ThreadPoolExecutor(args.concurrency) as pool:
        list(pool.map(one, range(args.requests)))
    wall = time.perf_counter() - t_start
    done.set()
    prober.join(120)
    lagger.join(600)
    t_end = t_start + wall
    c = Client(port, key)
    while c.call("GET", "/healthz")[1]["replan_backlog"] and time.perf_counter() - t_end < 600:
        time.sleep(0.1)
    drain = time.perf_counter() - t_end
    every = lat["read"] + lat["event"]
    res = {
        "requests": args.requests,
        "concurrency": args.concurrency,
        "event_share": args.event_share,
        "errors": len(errors),
        "error_examples": errors[:5],
        "wall_s": wall,
        "requests_per_s": args.requests / wall,
        "p50_ms": pct(every, 50) * 1e3,
        "p99_ms": pct(every, 99) * 1e3,
        "reads": len(lat["read"]),
        "read_p50_ms": pct(lat["read"], 50) * 1e3,
        "read_p99_ms": pct(lat["read"], 99) * 1e3,
        "events": len(lat["event"]),
        "events_per_s": len(lat["event"]) / wall,
        "event_p50_ms": pct(lat["event"], 50) * 1e3,
        "event_p99_ms": pct(lat["event"], 99) * 1e3,
        "visibility_probes": len(visible),
        "visibility_max_ms": max(visible) * 1e3 if visible else float("nan"),
        "visibility_median_ms": statistics.median(visible) * 1e3 if visible else float("nan"),
        "replan_lag_events": len(replanned),
        "replan_lag_p50_ms": pct(replanned, 50) * 1e3,
        "replan_lag_p99_ms": pct(replanned, 99) * 1e3,
        "replan_lag_max_ms": max(replanned) * 1e3 if replanned else float("nan"),
        "replan_lag_within_1s": sum(x <= 1.0 for x in replanned) / len(replanned)
        if replanned
        else float("nan"),
        "fast_lag_events": len(fast),
        "fast_lag_p50_ms": pct(fast, 50) * 1e3,
        "fast_lag_p99_ms": pct(fast, 99) * 1e3,
        "fast_lag_max_ms": max(fast) * 1e3 if fast else float("nan"),
        "fast_lag_within_1s": sum(x <= 1.0 for x in fast) / len(fast) if fast else float("nan"),
        "fast_updates": bool(args.fast),
        "queue_drain_after_load_s": drain,
        "wait_for_replan": bool(args.wait),
        "replan_workers": args.replan_workers,
        "probe_errors": probe_errors,
        "replan_median_ms": statistics.median(costs) * 1e3,
        "replan_max_ms": max(costs) * 1e3,
        "replan_batch_items": len(costs),
        "replan_batch_ms": batch * 1e3,
        "load_average": os.getloadavg(),
    }
    return res


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--requests", type=int, default=1000)
    p.add_argument("--concurrency", type=int, default=8)
    p.add_argument("--event-share", type=float, default=0.2, help="share of sales events")
    p.add_argument("--replan-items", type=int, default=30)
    p.add_argument("--replan-workers", type=int, default=1, help="serve --replan-workers")
    p.add_argument("--fast", action="store_true", help="serve --fast-updates (default: off)")
    p.add_argument("--probe-every", type=float, default=0.25, help="seconds between probes")
    p.add_argument(
        "--track-every", type=float, default=0.02, help="seconds between re-plan lag reads"
    )
    p.add_argument(
        "--wait", action="store_true", help="load events wait for their re-plan (default: not)"
    )
    p.add_argument(
        "--cold", action="store_true", help="start the load without waiting for the cache"
    )
    p.add_argument(
        "--settle",
        type=float,
        default=0.0,
        help="seconds to wait once the server is ready (its workers up and warm)",
    )
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--data", default=str(ROOT / "data" / "sample"), help="dataset to load")
    p.add_argument("--db", help="store file to use (default: a fresh one in a temp folder)")
    p.add_argument("--out", help="also write the figures as JSON here")
    args = p.parse_args(argv)
    res = run(args)
    print(
        f"{res['requests']:,} requests at concurrency {res['concurrency']} "
        f"({res['reads']} availability reads, {res['events']} sales events): "
        f"{res['errors']} errors, {res['wall_s']:.1f} s, {res['requests_per_s']:.0f} req/s "
        f"({res['events_per_s']:.0f} events/s)\n"
        f"latency all   p50 {res['p50_ms']:.1f} ms  p99 {res['p99_ms']:.1f} ms\n"
        f"latency reads p50 {res['read_p50_ms']:.1f} ms  p99 {res['read_p99_ms']:.1f} ms\n"
        f"latency event p50 {res['event_p50_ms']:.1f} ms  p99 {res['event_p99_ms']:.1f} ms "
        + ("(answered once the item is re-planned)\n" if args.wait else "(answered at commit)\n")
        + f"event -> visible in a read: {res['visibility_probes']} probes, median "
        f"{res['visibility_median_ms']:.0f} ms, max {res['visibility_max_ms']:.0f} ms\n"
        f"event -> fast update in a read (velocity, stockout dates, order-by date, reorder "
        f"point; or the re-plan if first), {res['fast_lag_events']} events: p50 "
        f"{res['fast_lag_p50_ms']:.0f} ms, p99 {res['fast_lag_p99_ms']:.0f} ms, max "
        f"{res['fast_lag_max_ms']:.0f} ms, {res['fast_lag_within_1s']:.1%} within 1 s\n"
        f"event -> item re-planned (velocity, stockout dates, orders), "
        f"{res['replan_lag_events']} events: p50 {res['replan_lag_p50_ms']:.0f} ms, "
        f"p99 {res['replan_lag_p99_ms']:.0f} ms, max {res['replan_lag_max_ms']:.0f} ms, "
        f"{res['replan_lag_within_1s']:.1%} within 1 s; re-plan queue empty "
        f"{res['queue_drain_after_load_s']:.1f} s after the load\n"
        f"re-plan in process: one item median {res['replan_median_ms']:.0f} ms, "
        f"{res['replan_batch_items']} items as one batch {res['replan_batch_ms']:.0f} ms\n"
        f"load average at the end: {' '.join(f'{x:.2f}' for x in res['load_average'])}"
    )
    for e in res["error_examples"] + res["probe_errors"]:
        print("error:", e)
    if args.out:
        Path(args.out).write_text(json.dumps(res, indent=1))
    return 0 if res["errors"] == 0 and not res["probe_errors"] else 1


if __name__ == "__main__":
    sys.exit(main())

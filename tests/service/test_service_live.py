"""A live server: uvicorn on 127.0.0.1 over HTTP, and a SIGKILL while events stream in."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa

from .conftest import NEXT_DAY

pytestmark = pytest.mark.slow


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    """``stockout-forecast serve`` in a child process on a free port of 127.0.0.1."""

    def __init__(self, url: str, log: Path) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log = open(log, "ab")
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "stockout_forecast.cli",
                "serve",
                "--db",
                url,
                "--port",
                str(self.port),
                "--no-access-log",
            ],
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited with {self.proc.returncode}; see {log}")
            try:
                if request(self.base + "/healthz")[0] == 200:
                    return
            except OSError:
                time.sleep(0.1)
        self.kill()
        raise RuntimeError("server did not start within 60 s")

    def stop(self) -> int:
        self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(20)
        finally:
            self.kill()

    def kill(self) -> None:
        if self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGKILL)
            self.proc.wait(10)
        self.log.close()


def request(url: str, body: dict | None = None, key: str | None = None, timeout: float = 30):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(url, data=data, method="GET" if body is None else "POST")
    req.add_header("Content-Type", "application/json")
    if key:
        req.add_header("X-API-Key", key)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read())


def test_live_server_over_http(shop, tmp_path):
    srv = Server(shop.url, tmp_path / "serve.log")
    try:
        status, health = request(srv.base + "/healthz")
        assert status == 200
        assert health["items"] == 8
        status, body = request(srv.base + "/v1/availability?item_id=SKU-00000")
        assert status == 200
        assert body["items"][0]["status"] == "in_stock"
        ev = {
            "events": [
                {"event_id": "live-1", "item_id": "SKU-00000", "units": 61, "date": NEXT_DAY}
            ]
        }
        status, err = request(srv.base + "/v1/events/sales", ev)
        assert status == 401
        assert err["error"] == "missing_api_key"
        status, out = request(srv.base + "/v1/events/sales", ev, key=shop.write_key)
        assert status == 200
        assert out["items"][0]["state"] == "current"
        status, body = request(srv.base + "/v1/availability?item_id=SKU-00000")
        assert body["items"][0]["units_available"] == 0
        assert body["items"][0]["status"] in {"backorder", "unavailable"}
        with urllib.request.urlopen(srv.base + "/docs", timeout=10) as r:
            assert r.status == 200
    finally:
        # uvicorn shuts down cleanly on SIGTERM, then exits by the same signal
        assert srv.stop() in (0, -signal.SIGTERM)
    assert b"Application shutdown complete" in (tmp_path / "serve.log").read_bytes()


def test_sigkill_loses_no_acknowledged_event_and_applies_none_twice(shop, tmp_path):
    srv = Server(shop.url, tmp_path / "serve.log")
    acked: list[str] = []
    sent: list[dict] = []
    lock = threading.Lock()
    stop = threading.Event()

    def stream(worker: int) -> None:
        i = 0
        while not stop.is_set() and i < 200:
            ev = {
                "event_id": f"k{worker}-{i}",
                "item_id": f"SKU-0000{(worker * 3 + i) % 8}",
                "units": 1,
                "order_id": f"k{worker}-{i}",
                "date": NEXT_DAY,
            }
            with lock:
                sent.append(ev)
            try:
                status, out = request(
                    srv.base + "/v1/events/sales", {"events": [ev]}, key=shop.write_key, timeout=10
                )
            except OSError:  # the server is gone: this event was not acknowledged
                return
            if status == 200 and out["results"][0]["status"] == "applied":
                with lock:
                    acked.append(ev["event_id"])
            i += 1

    threads = [threading.Thread(target=stream, args=(w,)) for w in range(3)]
    for t in threads:
        t.start()
    deadline = time.monotonic() + 60
    while len(acked) < 12 and time.monotonic() < deadline:
        time.sleep(0.02)
    os.kill(srv.proc.pid, signal.SIGKILL)  # no shutdown, no flush: as a power cut to the process
    srv.proc.wait(10)
    srv.log.close()
    stop.set()
    for t in threads:
        t.join(30)
    assert len(acked) >= 12

    srv = Server(shop.url, tmp_path / "serve2.log")
    try:
        # every event the sender tried is sent again: acknowledged ones must come back as
        # duplicates, the rest is either already in (committed, answer lost) or applied now
        for ev in sent:
            status, out = request(
                srv.base + "/v1/events/sales", {"events": [ev]}, key=shop.write_key
            )
            assert status == 200
            if ev["event_id"] in acked:
                assert out["results"][0]["status"] == "duplicate"
        eng = sa.create_engine(shop.url)
        with eng.connect() as conn:
            sales = pd.read_sql_query(
                sa.text("SELECT order_id FROM sales WHERE order_id LIKE 'k%'"), conn
            )
            events = pd.read_sql_query(
                sa.text("SELECT event_id FROM service_events WHERE kind = 'sales'"), conn
            )
        eng.dispose()
        counts = sales["order_id"].value_counts()
        assert set(acked) <= set(counts.index)  # every acknowledged event is in the store
        assert (counts == 1).all()  # and none twice
        assert set(counts.index) == {e["event_id"] for e in sent} == set(events["event_id"])
        # the restarted service caught up: every item's state includes its last event
        from stockout_forecast.service.store import Store

        store = Store(shop.url)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            with store.read() as conn:
                stale = store.stale_items(conn)
            if not stale:
                break
            time.sleep(0.1)
        store.dispose()
        assert stale == []
    finally:
        srv.stop()

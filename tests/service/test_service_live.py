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


def _session_members(sid: int) -> list[int]:
    """Pids of the live processes of session ``sid`` (the server and what it started)."""
    out = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # fields after the command's closing parenthesis: state ppid pgrp session ...
        fields = stat.rsplit(")", 1)[1].split()
        if int(fields[3]) == sid and fields[0] != "Z":
            out.append(int(entry.name))
    return out


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc (Linux)")
def test_sigkill_of_the_server_ends_its_replan_workers(shop, tmp_path):
    # the server runs in a session of its own: every process it starts (the re-plan worker,
    # multiprocessing's helpers) is in that session; none may outlive a SIGKILL of the server
    srv = Server(shop.url, tmp_path / "serve.log")
    pid = srv.proc.pid
    try:
        assert request(srv.base + "/healthz")[1]["ready"] in (True, False)
        others = [p for p in _session_members(pid) if p != pid]
        assert others, "the server started no re-plan worker process"
    finally:
        os.kill(pid, signal.SIGKILL)
        srv.proc.wait(10)
        srv.log.close()
    deadline = time.monotonic() + 10
    left = _session_members(pid)
    while left and time.monotonic() < deadline:
        time.sleep(0.1)
        left = _session_members(pid)
    assert left == [], f"processes {left} outlived the server by 10 s"


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc (Linux)")
def test_a_busy_worker_exits_when_its_parent_is_killed(tmp_path):
    # a worker in a long job reads no pipe: only the watch of its parent's pid can end it.
    # Here the child's whole job is the watch; the parent prints its pid and sleeps.
    script = (
        "import multiprocessing as mp, os, sys, time\n"
        "from stockout_forecast.service.lane import _watch_parent\n"
        "if __name__ == '__main__':\n"
        "    p = mp.get_context('spawn').Process(target=_watch_parent, args=(os.getpid(),))\n"
        "    p.start()\n"
        "    print(p.pid, flush=True)\n"
        "    time.sleep(120)\n"
    )
    (tmp_path / "parent.py").write_text(script)
    proc = subprocess.Popen(
        [sys.executable, str(tmp_path / "parent.py")],
        stdout=subprocess.PIPE,
        start_new_session=True,
    )
    assert proc.stdout is not None
    child = int(proc.stdout.readline())
    assert child in _session_members(proc.pid)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(10)
    proc.stdout.close()
    deadline = time.monotonic() + 10
    while child in _session_members(proc.pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert child not in _session_members(proc.pid), "the worker outlived its parent by 10 s"

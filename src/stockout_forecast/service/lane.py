"""The re-plan lane: a queue of items to re-plan after their events, and who works it.

Event requests commit, hand their items to the lane and (unless ``?wait=false``) wait, up to
``ServiceSettings.wait_seconds``, until each item's state includes their event. The lane
takes every item waiting in the queue at once (at most ``replan_batch_items``) and re-plans
them together (:func:`~.replan.replan_items`: one vectorised run of the planner's stages
from the items' stored forecasts), so the cost of a re-plan is shared by all the items whose
events arrived while the previous one ran, and ten events on one item cost one re-plan; two
jobs never work on the same item at once.

Who re-plans: with ``replan_workers=N`` (``N >= 1``; 1 by default) N worker processes of
their own (started with ``spawn``, each with its own connection to the store and its own
cache), each driven by one thread of the server that hands it jobs over a pipe and waits,
without holding the interpreter, for the answer. The re-plans thus never compete with the
server's requests for its interpreter lock, and use a core of their own when one is free.
With ``replan_workers=0`` one thread of the server re-plans in the server's own process
(for tests and embedding; it shares the interpreter with the requests).

Fast updates (``ServiceSettings.fast_updates``, off by default): one more lane thread, with a
worker process of its own, takes every item whose event waits and runs its fast update
(:func:`~.fast.fast_items`: velocity, stockout dates, order-by date and reorder point, the
re-plan's own figures) ahead of the re-plan; the re-plan workers then run at a lower
priority (``os.nice`` + :data:`REPLAN_NICENESS`), so that the fast figures and the server's
requests get the CPU first on a busy machine. On two cores this brought an event's
velocity, stockout dates, order-by date and reorder point to a read sooner than the
re-plan when the machine was busy (load 4-6), but later at ~100 events/s on a quiet one
(``benchmarks/README.md``): hence off by default.

A worker process exits when the server that started it goes away, even when the server is
killed without a chance to stop it (SIGKILL): a thread of the worker watches its parent
process id. A worker that dies is started again by its thread.

At start-up the lane queues every item whose state is older than its last event (after a
crash or a failed re-plan), so an acknowledged event always reaches its item's state.
While no event waits, each worker fills its cache for every item (:func:`~.replan.warm_items`,
64 items at a time), so that an item's first event after a start costs no more than the
following ones; a waiting event waits for one such step at most. ``/healthz`` reports the
items still to warm (``replan_warming``) and ``ready`` once every worker is up and warm.
"""

from __future__ import annotations

import gc
import logging
import multiprocessing
import os
import threading
import time
from collections.abc import Callable
from multiprocessing.connection import Connection
from typing import Any

from .fast import fast_items
from .replan import replan_items, warm_items
from .settings import ServiceSettings
from .store import Store

__all__ = ["ReplanLane"]

log = logging.getLogger("stockout_forecast.service")

#: a worker process checks this often (seconds) whether the server that started it is alive
PARENT_POLL_S = 0.5
#: items per warm-up job
WARM_CHUNK = 64
#: niceness added to the re-plan worker processes when fast updates run (their figures
#: come first; the re-plan, which only adds the supplier split and promise dates, after)
REPLAN_NICENESS = 10


def _watch_parent(parent_pid: int) -> None:
    """Exit this process as soon as its parent is no longer ``parent_pid`` (it died)."""
    while True:
        if os.getppid() != parent_pid:
            os._exit(0)
        time.sleep(PARENT_POLL_S)


def _worker_main(
    conn: Connection, url: str, settings: ServiceSettings, parent_pid: int, niceness: int = 0
) -> None:
    """A worker process: jobs in, counts out, until ``None``, a closed pipe or a dead parent."""
    threading.Thread(target=_watch_parent, args=(parent_pid,), daemon=True).start()
    if niceness and hasattr(os, "nice"):
        os.nice(niceness)
    store = Store(url)
    conn.send(("ready", 0))
    while True:
        try:
            job = conn.recv()
        except (EOFError, OSError):
            break
        if job is None:
            break
        kind, ids = job
        try:
            fn = {"warm": warm_items, "fast": fast_items}.get(kind, replan_items)
            done = fn(store, ids, settings)
            if kind == "warm":
                # what the warm-up keeps lives as long as the process: out of the collector's
                # full passes, which otherwise scan it (tens of ms) every few batches
                gc.freeze()
            conn.send(("ok", done))
        except Exception as err:  # reported to the lane, which logs it
            log.exception("worker: %s of %d items failed", kind, len(ids))
            conn.send(("error", f"{type(err).__name__}: {err}"))
    store.dispose()


class _Worker:
    """One worker process and the pipe to it (used by one lane thread only)."""

    def __init__(self, store: Store, settings: ServiceSettings, niceness: int = 0) -> None:
        self.url, self.settings, self.niceness = store.url, settings, niceness
        self.proc: Any = None
        self.conn: Connection | None = None

    def start(self) -> None:
        ctx = multiprocessing.get_context("spawn")
        mine, theirs = ctx.Pipe()
        self.proc = ctx.Process(
            target=_worker_main,
            args=(theirs, self.url, self.settings, os.getpid(), self.niceness),
            name="stockout-forecast-replan",
            daemon=True,
        )
        self.proc.start()
        theirs.close()
        self.conn = mine
        self.conn.recv()  # ("ready", 0): the library is imported and the store open

    def run(self, kind: str, ids: list[str]) -> int:
        """Do one job in the worker process (started first if needed); its count."""
        if self.conn is None or self.proc is None or not self.proc.is_alive():
            self.start()
        assert self.conn is not None
        try:
            self.conn.send((kind, ids))
            status, value = self.conn.recv()
        except (EOFError, OSError) as err:
            self.conn = None  # started again at the next job
            raise RuntimeError(f"the re-plan worker process died ({err!r})") from err
        if status != "ok":
            raise RuntimeError(f"the re-plan worker failed: {value}")
        return int(value)

    def stop(self, timeout: float) -> None:
        if self.conn is not None:
            try:
                self.conn.send(None)
            except OSError:
                pass
        if self.proc is not None:
            self.proc.join(timeout)
            if self.proc.is_alive():
                self.proc.terminate()
                self.proc.join(1.0)
        if self.conn is not None:
            # a worker that died while starting (its store removed under it, the machine
            # overloaded) can leave the pipe's descriptor already closed: stopping must not
            # raise in the lane's thread on the way out
            try:
                self.conn.close()
            except OSError:
                pass
            self.conn = None


class ReplanLane:
    """A queue of items to re-plan, worked in batches by worker processes (or a thread)."""

    def __init__(
        self,
        store: Store,
        settings: ServiceSettings,
        compute: Callable[[Store, list[str], ServiceSettings], int] = replan_items,
    ) -> None:
        self.store = store
        self.settings = settings
        self.compute = compute
        #: worker processes (0: one thread of this process re-plans)
        self.n_processes = max(0, int(settings.replan_workers))
        self.n_threads = max(1, self.n_processes)
        #: the fast-update thread (and worker process), after the re-plan threads
        self.fast = bool(settings.fast_updates)
        self._fast_pending: dict[str, int] = {}
        self._cond = threading.Condition()
        self._pending: dict[str, int] = {}
        self._busy: set[str] = set()
        self._done: dict[str, int] = {}
        self._stop = False
        self._threads: list[threading.Thread] = []
        # with fast updates, the re-plan workers yield the CPU to them (and to the server)
        nice = REPLAN_NICENESS if self.fast else 0
        self._workers = [_Worker(store, settings, nice) for _ in range(self.n_processes)]
        if self.fast and self.n_processes:
            self._workers.append(_Worker(store, settings))
        self.batch_items = max(1, int(settings.replan_batch_items))
        #: per lane thread, the items whose cache it still has to fill while idle, and the
        #: size of the warm-up job in hand
        n_all = self.n_threads + (1 if self.fast else 0)
        self._warm: list[list[str]] = [[] for _ in range(n_all)]
        self._warming_now = [0] * n_all
        self._up = [False] * n_all
        self._started = False
        #: (seconds, items) per re-plan, most recent last (bounded)
        self.timings: list[tuple[float, int]] = []
        #: (seconds, items) per fast update, most recent last (bounded)
        self.fast_timings: list[tuple[float, int]] = []

    def start(self, timeout: float = 120.0) -> None:
        """Start the workers and queue the items whose state is behind their events.

        Returns once every worker process is up (at most ``timeout`` seconds), so that the
        server answers its first event with a worker ready for it; the caches fill after.
        """
        with self.store.read() as conn:
            stale = self.store.stale_items(conn)
            seqs = self.store.last_seqs(conn, stale) if stale else {}
            ids = self.store.item_ids(conn) if self.settings.replan_warm else []
        if stale:
            log.info("re-planning %d items whose state is behind their events", len(stale))
            self.submit(seqs)
        with self._cond:
            # the fast thread's worker has a cache of its own (none when it is a thread)
            self._warm = [list(ids) for _ in range(self.n_threads)]
            if self.fast:
                self._warm.append(list(ids) if self.n_processes else [])
            self._started = True
        for k in range(len(self._up)):
            t = threading.Thread(target=self._run, args=(k,), name=f"replan-lane-{k}", daemon=True)
            t.start()
            self._threads.append(t)
        deadline = time.monotonic() + timeout
        with self._cond:
            while not all(self._up) and time.monotonic() < deadline:
                self._cond.wait(max(0.0, deadline - time.monotonic()))

    def stop(self, timeout: float = 5.0) -> None:
        """Ask the workers to stop after the jobs in hand (worker processes end too)."""
        with self._cond:
            self._stop = True
            self._cond.notify_all()
        for t in self._threads:
            t.join(timeout)
        for w in self._workers:  # those whose thread is still in a job
            if w.proc is not None and w.proc.is_alive():
                w.proc.terminate()

    def submit(self, items: dict[str, int]) -> None:
        """Queue items (item id -> seq of the event their state must include)."""
        with self._cond:
            for iid, seq in items.items():
                if self._done.get(iid, -1) < seq:
                    self._pending[iid] = max(seq, self._pending.get(iid, -1))
                    if self.fast:
                        self._fast_pending[iid] = max(seq, self._fast_pending.get(iid, -1))
            self._cond.notify_all()

    def wait(self, items: dict[str, int], timeout: float) -> bool:
        """Wait until every item's state includes its seq; False on timeout."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while any(self._done.get(i, -1) < s for i, s in items.items()):
                left = deadline - time.monotonic()
                if left <= 0 or self._stop:
                    return False
                self._cond.wait(left)
        return True

    @property
    def warming(self) -> int:
        """Items whose cache is still to be filled after the start (summed over workers)."""
        with self._cond:
            return sum(len(w) for w in self._warm) + sum(self._warming_now)

    @property
    def ready(self) -> bool:
        """Every worker is up and has filled its cache (re-plans cost their steady cost)."""
        with self._cond:
            return (
                self._started
                and all(self._up)
                and not any(self._warm)
                and not any(self._warming_now)
            )

    @property
    def backlog(self) -> int:
        """Items waiting to be re-planned or being re-planned."""
        with self._cond:
            return len(self._pending) + len(self._busy)

    def _take(self, k: int) -> tuple[str, Any] | None:
        """Thread ``k``'s next job: waiting items and their seqs, else items to warm.

        Waiting items: every one no other job works on (at most ``batch_items``). None: stop.
        """
        with self._cond:
            while True:
                if self._stop:
                    return None
                if k == self.n_threads:  # the fast thread
                    if self._fast_pending:
                        ids = list(self._fast_pending)[: self.batch_items]
                        return "fast", {i: self._fast_pending.pop(i) for i in ids}
                    if self._warm[k]:
                        chunk, self._warm[k] = (
                            self._warm[k][:WARM_CHUNK],
                            self._warm[k][WARM_CHUNK:],
                        )
                        self._warming_now[k] = len(chunk)
                        return "warm", chunk
                    self._cond.wait()
                    continue
                free = [i for i in self._pending if i not in self._busy][: self.batch_items]
                if free:
                    self._busy.update(free)
                    return "replan", {i: self._pending.pop(i) for i in free}
                if self._warm[k]:
                    chunk, self._warm[k] = self._warm[k][:WARM_CHUNK], self._warm[k][WARM_CHUNK:]
                    self._warming_now[k] = len(chunk)
                    return "warm", chunk
                self._cond.wait()

    def _job(self, k: int, kind: str, ids: list[str]) -> int:
        if self.n_processes:
            return self._workers[k].run(kind, ids)
        if kind == "warm":
            return warm_items(self.store, ids, self.settings)
        if kind == "fast":
            return fast_items(self.store, ids, self.settings)
        return self.compute(self.store, ids, self.settings)

    def _run(self, k: int) -> None:
        try:
            if self.n_processes:
                try:
                    self._workers[k].start()
                except Exception:  # started again at its first job
                    log.exception("starting re-plan worker %d failed", k)
            with self._cond:
                self._up[k] = True
                self._cond.notify_all()
            self._loop(k)
        finally:
            if self.n_processes:
                self._workers[k].stop(1.0)

    def _loop(self, k: int) -> None:
        while True:
            job = self._take(k)
            if job is None:
                return
            kind, items = job
            if kind == "warm":
                try:
                    self._job(k, "warm", items)
                except Exception:  # only a cache: the re-plans read what they need
                    log.exception("warming the re-plan cache failed")
                    with self._cond:
                        self._warm[k] = []
                with self._cond:
                    self._warming_now[k] = 0
                continue
            t0 = time.perf_counter()
            if kind == "fast":
                try:
                    self._job(k, "fast", sorted(items))
                except Exception:  # only a head start: the re-plan follows
                    log.exception("the fast update of %d items failed", len(items))
                took = (time.perf_counter() - t0, len(items))
                self.fast_timings = [*self.fast_timings[-999:], took]
                continue
            try:
                self._job(k, "replan", sorted(items))
            except Exception:  # keep the lane alive; the items are retried on restart
                log.exception("re-planning %d items (%s, ...) failed", len(items), min(items))
            self.timings = [*self.timings[-999:], (time.perf_counter() - t0, len(items))]
            with self._cond:
                # the states hold at least every event committed before the compute read them
                for iid, seq in items.items():
                    self._done[iid] = max(self._done.get(iid, -1), seq)
                    self._busy.discard(iid)
                self._cond.notify_all()

"""The re-plan lane: a queue of items to re-plan after their events, and who works it.

Event requests commit, hand their items to the lane and (unless ``?wait=false``) wait, up to
``ServiceSettings.wait_seconds``, until each item's state includes their event. The lane
takes every item waiting in the queue at once (at most ``replan_batch_items``) and re-plans
them together (:func:`~.replan.replan_items`: one vectorised run of the planner's stages
from the items' stored forecasts), so the cost of a re-plan is shared by all the items whose
events arrived while the previous one ran, and ten events on one item cost one re-plan; two
jobs never work on the same item at once. With ``replan_workers=1`` (the default) one
thread of the server does the jobs; with more, that many threads hand them to as many
worker processes (started with ``spawn``, each with its own connection to the store), so
re-plans use more than one core and leave the server's own process free for requests.
At start-up the lane queues every item whose state is older than its last event (after a
crash or a failed re-plan), so an acknowledged event always reaches its item's state.
While no event waits, the lane fills its cache (:func:`~.replan.warm_items`, 64 items at a
time; each worker process its own, in a thread of its own), so that an item's first event
after a start costs no more than the following ones; a waiting event waits for one such step
at most.
"""

from __future__ import annotations

import logging
import multiprocessing
import threading
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from typing import Any

from .replan import replan_items, warm_items
from .settings import ServiceSettings
from .store import Store

__all__ = ["ReplanLane"]

log = logging.getLogger("stockout_forecast.service")

_WORKER_STORE: Store | None = None


def _init_worker(url: str, settings: ServiceSettings) -> None:
    """Open the store once per worker process; fill its cache in the background."""
    global _WORKER_STORE
    _WORKER_STORE = Store(url)
    if settings.replan_warm:
        threading.Thread(target=_warm_all, args=(_WORKER_STORE, settings), daemon=True).start()


def _warm_all(store: Store, settings: ServiceSettings) -> None:
    """Fill this process's re-plan cache for every item, 64 at a time (re-plans go between)."""
    try:
        with store.read() as conn:
            ids = store.item_ids(conn)
        for i in range(0, len(ids), 64):
            warm_items(store, ids[i : i + 64], settings)
    except Exception:  # only a cache: the re-plans read what they need
        log.exception("warming the re-plan cache failed")


def _ready() -> bool:
    return _WORKER_STORE is not None


def _compute_in_worker(item_ids: list[str], settings: ServiceSettings) -> int:
    assert _WORKER_STORE is not None
    return replan_items(_WORKER_STORE, item_ids, settings)


class ReplanLane:
    """A queue of items to re-plan, worked in batches by ``settings.replan_workers`` threads."""

    def __init__(
        self,
        store: Store,
        settings: ServiceSettings,
        compute: Callable[[Store, list[str], ServiceSettings], int] = replan_items,
    ) -> None:
        self.store = store
        self.settings = settings
        self.compute = compute
        self.n_workers = max(1, int(settings.replan_workers))
        self._cond = threading.Condition()
        self._pending: dict[str, int] = {}
        self._busy: set[str] = set()
        self._done: dict[str, int] = {}
        self._stop = False
        self._threads: list[threading.Thread] = []
        self._pool: ProcessPoolExecutor | None = None
        self.batch_items = max(1, int(settings.replan_batch_items))
        #: items whose cache the lane fills while idle (one thread only)
        self._warm: list[str] = []
        #: (seconds, items) per re-plan, most recent last (bounded)
        self.timings: list[tuple[float, int]] = []

    def start(self) -> None:
        """Start the workers and queue the items whose state is behind their events."""
        if self.n_workers > 1:
            self._pool = ProcessPoolExecutor(
                self.n_workers,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=_init_worker,
                initargs=(self.store.url, self.settings),
            )
            for f in [self._pool.submit(_ready) for _ in range(self.n_workers)]:
                f.result()  # every worker started (and warming while idle)
        with self.store.read() as conn:
            stale = self.store.stale_items(conn)
            seqs = self.store.last_seqs(conn, stale) if stale else {}
        if stale:
            log.info("re-planning %d items whose state is behind their events", len(stale))
            self.submit(seqs)
        if self.n_workers == 1 and self.settings.replan_warm:
            with self.store.read() as conn:
                self._warm = self.store.item_ids(conn)
        for k in range(self.n_workers):
            t = threading.Thread(target=self._run, name=f"replan-lane-{k}", daemon=True)
            t.start()
            self._threads.append(t)

    def stop(self, timeout: float = 5.0) -> None:
        """Ask the workers to stop after the items in hand."""
        with self._cond:
            self._stop = True
            self._cond.notify_all()
        for t in self._threads:
            t.join(timeout)
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)

    def submit(self, items: dict[str, int]) -> None:
        """Queue items (item id -> seq of the event their state must include)."""
        with self._cond:
            for iid, seq in items.items():
                if self._done.get(iid, -1) < seq:
                    self._pending[iid] = max(seq, self._pending.get(iid, -1))
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
        """Items whose cache the lane has still to fill while idle."""
        with self._cond:
            return len(self._warm)

    @property
    def backlog(self) -> int:
        """Items waiting to be re-planned or being re-planned."""
        with self._cond:
            return len(self._pending) + len(self._busy)

    def _take(self) -> dict[str, int] | list[str] | None:
        """The next job: waiting items and their seqs, else items to warm; None to stop.

        Waiting items: every one no other job works on (at most ``batch_items``).
        """
        with self._cond:
            while True:
                if self._stop:
                    return None
                free = [i for i in self._pending if i not in self._busy][: self.batch_items]
                if free:
                    self._busy.update(free)
                    return {i: self._pending.pop(i) for i in free}
                if self._warm:
                    chunk, self._warm = self._warm[:64], self._warm[64:]
                    return chunk
                self._cond.wait()

    def _compute(self, item_ids: list[str]) -> Any:
        if self._pool is not None:
            return self._pool.submit(_compute_in_worker, item_ids, self.settings).result()
        return self.compute(self.store, item_ids, self.settings)

    def _run(self) -> None:
        while True:
            job = self._take()
            if job is None:
                return
            if isinstance(job, list):
                try:
                    warm_items(self.store, job, self.settings)
                except Exception:  # only a cache: the re-plans read what they need
                    log.exception("warming the re-plan cache failed")
                    with self._cond:
                        self._warm = []
                continue
            t0 = time.perf_counter()
            try:
                self._compute(sorted(job))
            except Exception:  # keep the lane alive; the items are retried on restart
                log.exception("re-planning %d items (%s, ...) failed", len(job), min(job))
            self.timings = [*self.timings[-999:], (time.perf_counter() - t0, len(job))]
            with self._cond:
                # the states hold at least every event committed before the compute read them
                for iid, seq in job.items():
                    self._done[iid] = max(self._done.get(iid, -1), seq)
                    self._busy.discard(iid)
                self._cond.notify_all()

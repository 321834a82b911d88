"""The re-plan lane: one background thread that re-plans items after their events.

Event requests commit, hand their items to the lane and wait (up to
``ServiceSettings.wait_seconds``) until each item's state includes their event. The lane
re-plans one item at a time (one Python thread does the numerical work either way) and
coalesces: ten events on one item waiting in the queue cost one re-plan. At start-up it
queues every item whose state is older than its last event (after a crash or a failed
re-plan), so an acknowledged event always reaches its item's state.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from .settings import ServiceSettings
from .state import compute_item
from .store import Store

__all__ = ["ReplanLane"]

log = logging.getLogger("stockout_forecast.service")


class ReplanLane:
    """A queue of items to re-plan, worked by one daemon thread."""

    def __init__(
        self,
        store: Store,
        settings: ServiceSettings,
        compute: Callable[[Store, str, ServiceSettings], bool] = compute_item,
    ) -> None:
        self.store = store
        self.settings = settings
        self.compute = compute
        self._cond = threading.Condition()
        self._pending: dict[str, int] = {}
        self._done: dict[str, int] = {}
        self._stop = False
        self._thread: threading.Thread | None = None
        #: seconds per re-plan, most recent last (bounded), for /healthz and the benchmark
        self.timings: list[float] = []

    def start(self) -> None:
        """Start the worker and queue the items whose state is behind their events."""
        with self.store.read() as conn:
            stale = self.store.stale_items(conn)
            seqs = self.store.last_seqs(conn, stale) if stale else {}
        if stale:
            log.info("re-planning %d items whose state is behind their events", len(stale))
            self.submit(seqs)
        self._thread = threading.Thread(target=self._run, name="replan-lane", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        """Ask the worker to stop after the item in hand."""
        with self._cond:
            self._stop = True
            self._cond.notify_all()
        if self._thread is not None:
            self._thread.join(timeout)

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
    def backlog(self) -> int:
        """Items waiting to be re-planned."""
        with self._cond:
            return len(self._pending)

    def _take(self) -> tuple[str, int] | None:
        with self._cond:
            while not self._pending and not self._stop:
                self._cond.wait()
            if self._stop:
                return None
            iid = next(iter(self._pending))
            return iid, self._pending.pop(iid)

    def _run(self) -> None:
        while True:
            job = self._take()
            if job is None:
                return
            iid, seq = job
            t0 = time.perf_counter()
            try:
                self.compute(self.store, iid, self.settings)
            except Exception:  # keep the lane alive; the item is retried on restart
                log.exception("re-planning item %s failed", iid)
            self.timings = [*self.timings[-999:], time.perf_counter() - t0]
            with self._cond:
                # the state holds at least every event committed before the compute read it
                self._done[iid] = max(self._done.get(iid, -1), seq)
                self._cond.notify_all()

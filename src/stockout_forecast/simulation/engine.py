"""The simulation engine: demand paths run against stock and receipts, item block by block.

One path through it, used by :func:`~stockout_forecast.stockout_dates`,
:func:`~stockout_forecast.projected_inventory` and
:func:`~stockout_forecast.recommend_orders` alike:

1. **Prepare the scenario** (:func:`prepare_scenario`, in :mod:`.scenario`): the checked
   inputs as arrays, and the entropy that seeds every random number.
2. **Draw demand paths per item block** (:func:`item_chunks`, :func:`draw_paths`): items
   are simulated in chunks of whole seed blocks of :data:`SEED_BLOCK_ITEMS` forecast rows;
   block ``b`` always draws from ``SeedSequence(entropy, spawn_key=(0, b))``, so an item
   gets the same paths whatever the chunk size, thread count or item selection.
3. **Run the paths against stock and receipts** (:func:`run_chunk`): the first stockout
   period per path, units short, the next receipt and (optionally) on-hand per period.
   Open orders with a lead-time spread arrive late per path, drawn from
   ``spawn_key=(1, b)`` one order slot after the other.

:func:`simulate` runs steps 2 and 3 over many items (threads optional) and counts the
stockouts per period; :func:`with_orders` adds what-if orders to a scenario without
changing the draws of anything already in it (common random numbers)::

    sc = prepare_scenario(forecast, inventory, purchase_orders, ...)
    for chunk in item_chunks(sc, rows):
        paths = draw_paths(sc, chunk)
        first = run_chunk(sc, chunk, paths=paths).first
"""

from __future__ import annotations

import dataclasses
import inspect
import math
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any, NamedTuple

import numpy as np

from .scenario import (
    DEFAULT_MEMORY_BUDGET_MB,
    SEED_BLOCK_ITEMS,
    Scenario,
    offset_to_period,
    prepare_scenario,
)

__all__ = [
    "DEFAULT_MEMORY_BUDGET_MB",
    "SEED_BLOCK_ITEMS",
    "Chunk",
    "ChunkRun",
    "Scenario",
    "draw_paths",
    "item_chunks",
    "path_rows",
    "prepare_scenario",
    "run_chunk",
    "scenario_of",
    "simulate",
    "with_orders",
    "work_buffers",
]


class Chunk(NamedTuple):
    """Result rows simulated together, their forecast rows (sorted) and seed blocks."""

    rows: np.ndarray
    forecast_rows: np.ndarray
    blocks: np.ndarray

    def subset(self, sel: np.ndarray) -> Chunk:
        """The chunk's items at positions ``sel`` (same seed blocks: same paths)."""
        return Chunk(self.rows[sel], self.forecast_rows[sel], self.blocks)


class ChunkRun(NamedTuple):
    """What :func:`run_chunk` returns for a chunk of ``c`` items, ``P`` paths, ``H`` periods.

    ``first`` (c, P): first period whose cumulative demand exceeds cumulative supply (``H``
    when none); ``short`` (c,): units of demand not met from stock on the day, summed over
    paths and periods; ``next_receipt`` (c, 1) or (c, P): period of the next receipt (``H``
    when none); ``on_hand`` (c, P, H) when asked, else None.
    """

    first: np.ndarray
    short: np.ndarray
    next_receipt: np.ndarray
    on_hand: np.ndarray | None


def scenario_of(result: Any) -> Scenario | None:
    """The scenario a :class:`~stockout_forecast.StockoutForecast` was simulated from."""
    return getattr(result, "_scenario", None)


# ----------------------------------------------------------------------------- kernels
def _accepts_out(forecast: Any) -> bool:
    """Whether ``forecast.sample_paths`` takes an ``out`` array to fill (DemandForecast does)."""
    try:
        params = inspect.signature(forecast.sample_paths).parameters
    except (TypeError, ValueError):  # builtins or C callables without a signature
        return False
    return "out" in params


def _block_paths(sc: Scenario, block: int, out: np.ndarray | None = None) -> np.ndarray:
    """Demand paths for every forecast row of seed block ``block``: (rows, paths, horizon).

    ``out`` (rows, paths, horizon), when given, is passed on to a forecast whose
    ``sample_paths`` accepts it, so the paths are drawn straight into the caller's buffer.
    """
    n_f = len(sc.forecast.item_ids)
    lo, hi = block * SEED_BLOCK_ITEMS, min((block + 1) * SEED_BLOCK_ITEMS, n_f)
    key = (0, block + sc.block_offset)
    rng = np.random.default_rng(np.random.SeedSequence(sc.entropy, spawn_key=key))
    kw = {} if out is None else {"out": out}
    paths = np.asarray(
        sc.forecast.sample_paths(sc.n_paths, random_state=rng, items=slice(lo, hi), **kw)
    )
    if paths.shape[:2] != (hi - lo, sc.n_paths) or paths.shape[2] < sc.horizon:
        raise ValueError(
            f"forecast.sample_paths({sc.n_paths}, items=slice({lo}, {hi})) returned shape "
            f"{paths.shape}; expected ({hi - lo}, {sc.n_paths}, >= {sc.horizon})."
        )
    return paths[:, :, : sc.horizon]


def _lateness_draws(sc: Scenario, block: int, n_slots: int) -> tuple[np.ndarray, np.ndarray]:
    """Uniform and standard-normal draws of shape (slots, block rows, paths) for a seed block.

    Slots are drawn one after the other, so slot ``k`` receives the same numbers whatever the
    number of slots: adding an order (a later slot) leaves the draws of existing orders alone.
    The draws of the last (seed, block, paths) used are kept (read-only, at most
    :data:`_DRAWS_BYTES`) and handed out again (their first ``n_slots`` slots; more slots are
    drawn again from the start): a simulation and its what-if runs, or the re-plans of a
    service, draw them once.
    """
    key = (1, block + sc.block_offset)
    cache_key = (sc.entropy, key, sc.n_paths)
    with _DRAWS_LOCK:
        got = _DRAWS.pop(cache_key, None)
        if got is not None:
            _DRAWS[cache_key] = got  # most recently used last
    if got is not None and len(got[0]) >= n_slots:
        return got[0][:n_slots], got[1][:n_slots]
    rng = np.random.default_rng(np.random.SeedSequence(sc.entropy, spawn_key=key))
    shape = (SEED_BLOCK_ITEMS, sc.n_paths)
    u = np.empty((n_slots, *shape))
    z = np.empty((n_slots, *shape))
    for k in range(n_slots):
        u[k] = rng.random(shape)
        z[k] = rng.standard_normal(shape)
    u.flags.writeable = False
    z.flags.writeable = False
    if 2 * u.nbytes <= _DRAWS_BYTES:
        with _DRAWS_LOCK:
            _DRAWS[cache_key] = (u, z)
            while sum(2 * a.nbytes for a, _ in _DRAWS.values()) > _DRAWS_BYTES:
                del _DRAWS[next(iter(_DRAWS))]  # the least recently used first
    return u, z


#: lateness draws kept (see :func:`_lateness_draws`): (entropy, key, paths) -> (u, z)
_DRAWS: dict[tuple[Any, ...], tuple[np.ndarray, np.ndarray]] = {}
_DRAWS_LOCK = threading.Lock()
#: at most this many bytes of draws are kept (a slot of a block: 2 x 64 x paths floats,
#: 0.5 MB at 500 paths)
_DRAWS_BYTES = 32 * 2**20


def _supply(
    sc: Scenario, rows: np.ndarray, buf: _Buffers | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Receipts per period and the next-receipt period for the result ``rows`` of a chunk.

    Returns ``receipts`` of shape (c, 1, H) (deterministic) or (c, P, H) (with lead-time
    uncertainty) and ``next_receipt`` of shape (c, 1) or (c, P) (H when none in the horizon).
    The per-path receipts are written into ``buf``'s ``"receipts"`` array when given.
    """
    c, h, p = len(rows), sc.horizon, sc.n_paths
    local = np.full(len(sc.item_ids), -1, dtype=np.int64)
    local[rows] = np.arange(c)
    sel = np.flatnonzero(local[sc.po_row] >= 0) if len(sc.po_row) else np.zeros(0, np.int64)
    loc = local[sc.po_row[sel]]
    period = offset_to_period(sc.po_offset[sel], sc.bounds)
    units = sc.po_units[sel]
    stoch = np.isfinite(sc.po_p_on[sel])
    if not stoch.any():
        receipts = np.zeros((c, 1, h))
        inside = period < h
        np.add.at(receipts[:, 0, :], (loc[inside], period[inside]), units[inside])
        nxt = np.full((c, 1), h, dtype=np.int64)
        np.minimum.at(nxt[:, 0], loc, period)
        return receipts, nxt

    base = np.zeros((c, h))
    det = ~stoch
    inside = det & (period < h)
    np.add.at(base, (loc[inside], period[inside]), units[inside])
    det_next = np.full(c, h, dtype=np.int64)
    np.minimum.at(det_next, loc[det], period[det])
    nxt = np.repeat(det_next[:, None], p, axis=1)  # deterministic lines bound every path
    # stochastic lines: lateness drawn per (line, path) from the line's seed block and slot
    st = np.flatnonzero(stoch)
    fpos = sc.fpos[sc.po_row[sel[st]]]
    blocks = fpos // SEED_BLOCK_ITEMS
    u = np.empty((len(st), p))
    z = np.empty((len(st), p))
    for b in np.unique(blocks):  # loop over seed blocks (chunks), vectorised over lines
        in_b = np.flatnonzero(blocks == b)
        slots = sc.po_slot[sel[st[in_b]]]
        draws = _lateness_draws(sc, int(b), int(slots.max()) + 1)
        brow = fpos[in_b] - b * SEED_BLOCK_ITEMS
        u[in_b] = draws[0][slots, brow]
        z[in_b] = draws[1][slots, brow]
    p_on = sc.po_p_on[sel[st]][:, None]
    scale = sc.po_sd[sel[st]][:, None]
    late = np.where(u < p_on, 0.0, np.maximum(1.0, np.rint(np.abs(z) * scale)))
    arr = offset_to_period(sc.po_offset[sel[st]][:, None] + late.astype(np.int64), sc.bounds)
    li = np.broadcast_to(loc[st][:, None], arr.shape)
    path = np.broadcast_to(np.arange(p)[None, :], arr.shape)
    np.minimum.at(nxt, (li, path), arr)
    ok = arr < h
    idx = ((li * p + path) * h + arr)[ok]
    w = np.broadcast_to(units[st][:, None], arr.shape)[ok]
    # the base in every cell, then (units of the lines arriving in a cell, summed in line
    # order) + base in the few cells with a line: the same sums as a dense add, one pass
    per_path = np.empty((c, p, h)) if buf is None else buf.get("receipts", (c, p, h))
    np.copyto(per_path, base[:, None, :])
    cells, line_cell = np.unique(idx, return_inverse=True)
    flat = per_path.reshape(-1)
    flat[cells] = np.bincount(line_cell, weights=w, minlength=len(cells)) + flat[cells]
    return per_path, nxt


def item_chunks(sc: Scenario, rows: np.ndarray) -> list[Chunk]:
    """Split result ``rows`` into chunks of whole seed blocks (at most ``sc.chunk_items`` rows)."""
    fp = sc.fpos[rows]
    order = np.argsort(fp, kind="stable")
    rows, fp = rows[order], fp[order]
    blocks = fp // SEED_BLOCK_ITEMS
    uniq = np.unique(blocks)
    per = max(1, sc.chunk_items // SEED_BLOCK_ITEMS)
    out = []
    for k in range(0, len(uniq), per):
        cb = uniq[k : k + per]
        lo = np.searchsorted(blocks, cb[0], side="left")
        hi = np.searchsorted(blocks, cb[-1], side="right")
        out.append(Chunk(rows[lo:hi], fp[lo:hi], cb))
    return out


class _Buffers(threading.local):
    """Working arrays reused from chunk to chunk (one set per thread).

    Re-using them avoids page-faulting fresh memory for every chunk; views of the first
    ``c`` rows are contiguous because items are the leading axis. One instance lives for one
    call of :func:`simulate`, so the memory is released when the call returns.
    """

    def get(self, name: str, shape: tuple[int, ...], dtype: Any = np.float64) -> np.ndarray:
        buf = getattr(self, name, None)
        size = math.prod(shape)
        if buf is None or buf.dtype != dtype or buf.size < size:
            buf = np.empty(size, dtype=dtype)
            setattr(self, name, buf)
        return buf[:size].reshape(shape)


def draw_paths(sc: Scenario, chunk: Chunk, out: np.ndarray | None = None) -> np.ndarray:
    """Demand paths (c, P, H) of the chunk's items, drawn seed block by seed block.

    ``out`` (c, P, H), when given, receives the paths (and is returned). A scenario that
    keeps its paths hands out the kept ones and keeps the ones it draws; for consecutive
    forecast rows it returns a read-only view of its own array (no copy) instead of
    filling ``out``. The paths are read, never written, by the engine and its callers.
    """
    fp, blocks = chunk.forecast_rows, chunk.blocks
    shape = (len(fp), sc.n_paths, sc.horizon)
    if sc.paths is not None and sc.paths_ready is not None:
        run = len(fp) > 0 and int(fp[-1]) - int(fp[0]) == len(fp) - 1
        kept = sc.paths[int(fp[0]) : int(fp[-1]) + 1] if run else None
        if sc.paths_ready[fp].all():
            if kept is not None:
                view = kept.view()
                view.flags.writeable = False
                return view
            return np.take(sc.paths, fp, axis=0, out=np.empty(shape) if out is None else out)
        if kept is not None:  # draw straight into the kept array
            _draw_blocks(sc, fp, blocks, kept)
            sc.paths_ready[fp] = True
            view = kept.view()
            view.flags.writeable = False
            return view
        paths = np.empty(shape) if out is None else out
        _draw_blocks(sc, fp, blocks, paths)
        sc.paths[fp] = paths
        sc.paths_ready[fp] = True
        return paths
    paths = np.empty(shape) if out is None else out
    _draw_blocks(sc, fp, blocks, paths)
    return paths


def path_rows(sc: Scenario, chunk: Chunk) -> tuple[np.ndarray, np.ndarray]:
    """The chunk's demand paths as ``(source, at)``: ``source[at]`` is (c, P, H), read-only.

    Where the scenario keeps its paths and has drawn the chunk's, ``source`` is a view of the
    kept array over the chunk's forecast rows (no copy, whatever rows the chunk skips), so a
    caller taking a subset of the items or periods copies only that; else the paths are
    drawn (:func:`draw_paths`) and ``at`` is ``0..c-1``.
    """
    fp = chunk.forecast_rows
    if sc.paths is not None and sc.paths_ready is not None and len(fp) and sc.paths_ready[fp].all():
        first = int(fp[0])  # forecast rows are sorted
        view = sc.paths[first : int(fp[-1]) + 1].view()
        view.flags.writeable = False
        return view, fp - first
    return draw_paths(sc, chunk), np.arange(len(fp))


def work_buffers() -> _Buffers:
    """Working arrays :func:`run_chunk` reuses from call to call (``buffers=``)."""
    return _Buffers()


def _draw_blocks(sc: Scenario, fp: np.ndarray, blocks: np.ndarray, paths: np.ndarray) -> None:
    """Draw the paths of forecast rows ``fp`` (sorted; whole seed blocks) into ``paths``."""
    n_f = len(sc.forecast.item_ids)
    # a whole block wanted in order is drawn straight into ``paths`` when the forecast can
    direct = len(sc.forecast.dates) == sc.horizon and _accepts_out(sc.forecast)
    pos = 0
    for b in blocks:
        want = fp[fp // SEED_BLOCK_ITEMS == b] - b * SEED_BLOCK_ITEMS
        dest = paths[pos : pos + len(want)]
        size = min(SEED_BLOCK_ITEMS, n_f - int(b) * SEED_BLOCK_ITEMS)
        if direct and len(want) == size and (want == np.arange(size)).all():
            bp = _block_paths(sc, int(b), out=dest)
            if bp is not dest and not np.shares_memory(bp, dest):
                np.copyto(dest, bp)
        else:
            np.take(_block_paths(sc, int(b)), want, axis=0, out=dest)
        pos += len(want)


def _lost_sales(
    paths: np.ndarray, available: np.ndarray, supply: np.ndarray, want_on_hand: bool
) -> tuple[np.ndarray, np.ndarray | None]:
    """Lost-sales recursion over periods; returns units short per path and on-hand (optional).

    ``x`` is the net stock position before the period's demand: receipts raise it, served
    demand ``min(d, max(x, 0))`` lowers it and the rest of the demand is lost. A negative
    starting position (units already owed) stays owed until receipts cover it.
    """
    c, p, h = paths.shape
    d = np.ascontiguousarray(np.moveaxis(paths, 2, 0))  # time-major copy: (H, c, P)
    x = np.repeat(available[:, None], p, axis=1).astype(float)
    prev = np.repeat(available[:, None], supply.shape[1], axis=1).astype(float)
    short = np.zeros((c, p))
    served = np.empty((c, p))
    on_hand = np.empty((c, p, h)) if want_on_hand else None
    for t in range(h):
        x += supply[:, :, t] - prev
        prev = supply[:, :, t]
        np.maximum(x, 0.0, out=served)
        np.minimum(served, d[t], out=served)
        x -= served
        short += d[t]
        short -= served
        if on_hand is not None:
            np.maximum(x, 0.0, out=on_hand[:, :, t])
    return short, on_hand


def run_chunk(
    sc: Scenario,
    chunk: Chunk,
    *,
    paths: np.ndarray | None = None,
    want_on_hand: bool = False,
    buffers: _Buffers | None = None,
) -> ChunkRun:
    """Run one chunk's demand paths against its stock and receipts (see :class:`ChunkRun`).

    ``paths`` (c, P, H), when given, are the chunk's demand paths already drawn (not
    modified); otherwise they are drawn with :func:`draw_paths`. A scenario that keeps its
    paths' running sums (``cum_paths``) reads them instead of summing the paths again, and
    runs items without an open line against their stock alone (:func:`_run_flat`): the
    same figures, from fewer passes over the (c, P, H) arrays.
    """
    rows = chunk.rows
    shape = (len(rows), sc.n_paths, sc.horizon)
    buf = _Buffers() if buffers is None else buffers
    if sc.lost_sales or want_on_hand or not _kept_sums(sc, chunk, paths, buf):
        if paths is None:
            paths = draw_paths(sc, chunk, out=buf.get("paths", shape))
        return _run_rows(sc, rows, paths, want_on_hand, buf)
    assert sc.cum_paths is not None
    assert sc.paths is not None
    flat = _flat_rows(sc, rows)
    if flat.all():
        return _run_flat(sc, chunk, buf)
    fl, other = np.flatnonzero(flat), np.flatnonzero(~flat)
    sub = chunk.subset(other)
    c_o = (len(other), sc.n_paths, sc.horizon)
    cum = np.take(sc.cum_paths, sub.forecast_rows, axis=0, out=buf.get("cum", c_o))
    if paths is not None:
        p_o = paths if len(other) == len(rows) else paths[other]
    else:
        p_o = np.take(sc.paths, sub.forecast_rows, axis=0, out=buf.get("paths", c_o))
    if not fl.size:
        return _run_rows(sc, rows, p_o, False, buf, cum=cum)
    # items without an open line against their stock alone, the others with their receipts:
    # each item's figures are those of a run of the whole chunk
    b = _run_rows(sc, sub.rows, p_o, False, buf, cum=cum)
    a = _run_flat(sc, chunk.subset(fl), buf)
    first = np.empty((len(rows), sc.n_paths), dtype=a.first.dtype)
    first[fl], first[other] = a.first, b.first
    short = np.empty(len(rows))
    short[fl], short[other] = a.short, b.short
    nxt = np.full((len(rows), b.next_receipt.shape[1]), sc.horizon, dtype=np.int64)
    nxt[other] = b.next_receipt
    return ChunkRun(first, short, nxt, None)


def _kept_sums(sc: Scenario, chunk: Chunk, paths: np.ndarray | None, buf: _Buffers) -> bool:
    """Whether the scenario keeps the chunk's paths and their running sums (made if missing).

    Only a scenario with ``cum_paths`` keeps sums; ``paths``, when given, are the kept ones
    (the chunk's demand paths). Missing paths are drawn (and kept), missing sums computed
    from the kept paths, item by item (``cumsum`` along the periods, as :func:`_run_rows`).
    """
    if sc.cum_paths is None or sc.cum_ready is None or sc.paths is None:
        return False
    assert sc.paths_ready is not None
    fp = chunk.forecast_rows
    if paths is None and not sc.paths_ready[fp].all():
        draw_paths(sc, chunk, out=buf.get("paths", (len(fp), sc.n_paths, sc.horizon)))
    if not sc.paths_ready[fp].all():
        return False
    miss = fp[~sc.cum_ready[fp]]
    for f in miss:
        np.cumsum(sc.paths[f], axis=1, out=sc.cum_paths[f])
    sc.cum_ready[miss] = True
    return True


def _flat_rows(sc: Scenario, rows: np.ndarray) -> np.ndarray:
    """Which of the result ``rows`` have no open purchase-order line (supply = their stock)."""
    has_line = np.zeros(len(sc.item_ids), dtype=bool)
    has_line[sc.po_row] = True
    return ~has_line[rows]


def _run_flat(sc: Scenario, chunk: Chunk, buf: _Buffers) -> ChunkRun:
    """:func:`_run_rows` (backorders, no on-hand) of items without an open line, kept paths.

    Their cumulative supply is their available stock in every period (``0 + available``:
    a running sum of no receipts plus the stock), a scalar per item instead of a (c, P, H)
    array. The backlog ``cum - supply`` is taken straight from the kept running sums item by
    item (no copy of the paths or the sums), and ``cum > supply`` is ``backlog > 0`` (IEEE
    subtraction is exact in sign: ``x - y > 0`` exactly when ``x > y``): the same values,
    comparisons and sums as :func:`_run_rows`.
    """
    assert sc.cum_paths is not None
    assert sc.paths is not None
    rows, fp = chunk.rows, chunk.forecast_rows
    c, h = len(rows), sc.horizon
    shape = (c, sc.n_paths, h)
    supply = np.zeros(c) + sc.available[rows]
    backlog = buf.get("backlog", shape)
    for k, f in enumerate(fp.tolist()):
        np.subtract(sc.cum_paths[f], supply[k], out=backlog[k])
    over = np.greater(backlog, 0.0, out=buf.get("over", shape, np.bool_))
    first = over.argmax(axis=2)
    hit = np.take_along_axis(over, first[..., None], axis=2)[..., 0]
    first = np.where(hit, first, h)
    np.maximum(backlog, 0.0, out=backlog)
    for k, f in enumerate(fp.tolist()):
        np.minimum(backlog[k], sc.paths[f], out=backlog[k])  # short_t = min(d_t, backlog_t)
    short = backlog.reshape(c, -1).sum(axis=1)
    return ChunkRun(first, short, np.full((c, 1), h, dtype=np.int64), None)


def _run_rows(
    sc: Scenario,
    rows: np.ndarray,
    paths: np.ndarray,
    want_on_hand: bool,
    buf: _Buffers,
    cum: np.ndarray | None = None,
) -> ChunkRun:
    """:func:`run_chunk` of result ``rows`` whose demand paths (c, P, H) are ``paths``.

    ``cum``: their running sums along the periods when already made (written over).
    """
    shape = (len(rows), sc.n_paths, sc.horizon)
    receipts, nxt = _supply(sc, rows, buf)
    available = sc.available[rows]
    h = sc.horizon
    supply = _cumulative_supply(receipts)
    supply += available[:, None, None]
    if cum is None:
        cum = np.cumsum(paths, axis=2, out=buf.get("cum", shape))
    over = np.greater(cum, supply, out=buf.get("over", shape, np.bool_))
    first = over.argmax(axis=2)
    hit = np.take_along_axis(over, first[..., None], axis=2)[..., 0]
    first = np.where(hit, first, h)
    on_hand: np.ndarray | None = None
    if sc.lost_sales:
        short_paths, on_hand = _lost_sales(paths, available, supply, want_on_hand)
        short = short_paths.sum(axis=1)
    else:
        np.subtract(cum, supply, out=cum)  # backlog where positive (= minus net stock)
        if want_on_hand:
            on_hand = np.maximum(-cum, 0.0)
        np.maximum(cum, 0.0, out=cum)
        np.minimum(cum, paths, out=cum)  # short_t = min(d_t, backlog_t)
        short = cum.reshape(len(rows), -1).sum(axis=1)
    return ChunkRun(first, short, nxt, on_hand)


def _cumulative_supply(receipts: np.ndarray) -> np.ndarray:
    """``np.cumsum(receipts, axis=2)``, in place; rows with no receipt (all zero) skipped.

    Per-path receipts (c, P, H) are mostly rows of items without an open order in the
    horizon, whose running sum is their zeros: only the other rows are summed.
    """
    c = receipts.shape[0]
    if receipts.shape[1] == 1 or c == 0:
        return np.cumsum(receipts, axis=2, out=receipts)
    active = np.flatnonzero(receipts.reshape(c, -1).any(axis=1))
    if len(active) == c:
        return np.cumsum(receipts, axis=2, out=receipts)
    if len(active):
        receipts[active] = np.cumsum(receipts[active], axis=2)
    return receipts


def simulate(sc: Scenario, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Simulate result ``rows``: cumulative stockout counts (n, H), mean short, P(before receipt).

    Chunks run in ``sc.n_jobs`` threads; results do not depend on the number of threads.
    """
    n, h = len(sc.item_ids), sc.horizon
    counts = np.zeros((n, h), dtype=np.int64)
    buffers = _Buffers()
    short = np.full(n, np.nan)
    before = np.full(n, np.nan)

    def one(chunk: Chunk) -> tuple[np.ndarray, ...]:
        run = run_chunk(sc, chunk, buffers=buffers)
        c = len(chunk.rows)
        flat = (np.arange(c)[:, None] * (h + 1) + run.first).ravel()
        cnt = np.bincount(flat, minlength=c * (h + 1)).reshape(c, h + 1)[:, :h]
        p_before = (run.first < run.next_receipt).mean(axis=1)
        return chunk.rows, np.cumsum(cnt, axis=1), run.short / sc.n_paths, p_before

    chunks = item_chunks(sc, rows)
    if sc.n_jobs > 1 and len(chunks) > 1:
        with ThreadPoolExecutor(max_workers=sc.n_jobs) as ex:
            results = list(ex.map(one, chunks))
    else:
        results = [one(ch) for ch in chunks]
    for r, cnt, sh, bf in results:
        counts[r] = cnt
        short[r] = sh
        before[r] = bf
    return counts, short, before


# ----------------------------------------------------------------------------- what-if
def with_orders(
    sc: Scenario,
    rows: np.ndarray,
    offset_days: np.ndarray,
    units: np.ndarray,
    p_on: np.ndarray | None = None,
    scale: np.ndarray | None = None,
) -> Scenario:
    """The same scenario (same paths) with one extra open order per row in ``rows``.

    Each extra line takes the next slot of its item, so the lateness draws of the existing
    lines are unchanged (common random numbers).
    """
    rows = np.asarray(rows, dtype=np.int64)
    n_existing = np.bincount(sc.po_row, minlength=len(sc.item_ids))
    p_on = np.full(len(rows), np.nan) if p_on is None else np.asarray(p_on, dtype=float)
    scale = np.full(len(rows), np.nan) if scale is None else np.asarray(scale, dtype=float)
    return dataclasses.replace(
        sc,
        po_row=np.concatenate([sc.po_row, rows]),
        po_offset=np.concatenate([sc.po_offset, np.maximum(offset_days, 0).astype(np.int64)]),
        po_units=np.concatenate([sc.po_units, np.asarray(units, dtype=float)]),
        po_slot=np.concatenate([sc.po_slot, n_existing[rows]]),
        po_p_on=np.concatenate([sc.po_p_on, p_on]),
        po_sd=np.concatenate([sc.po_sd, scale]),
    )

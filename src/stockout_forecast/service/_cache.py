"""What the re-plan worker keeps between batches: old history rows, demand paths, lead times.

The store is the truth; this is a per-process cache of what a re-plan would otherwise read
or compute again at every batch (:class:`ProcessCache`, one per store URL:
:func:`process_cache`). Each kept part carries what it was computed from (the last event
it includes, or a hash of the rows it came from), so a change is read again rather than
served stale.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import threading
from typing import Any

import numpy as np
import pandas as pd

import stockout_forecast as sof

from ..io.schema import TABLES
from .settings import ServiceSettings
from .store import Store, utcnow

__all__ = ["HISTORY_TAIL_DAYS", "ProcessCache", "process_cache"]

log = logging.getLogger("stockout_forecast.service")


# --------------------------------------------------------------------------- what is kept
#: history rows dated this many days before the planning date (or today, if earlier) or
#: later are read from the store at every re-plan; older ones are kept in memory
HISTORY_TAIL_DAYS = 7
_HISTORY = ("sales", "stock_history")
_OTHER = ("inventory", "purchase_orders", "suppliers", "items", "customer_orders")


@dataclasses.dataclass
class _Kept:
    """An item's history rows before ``cut`` are kept; they include every event up to ``seq``."""

    cut: dt.date
    seq: int


class _KeptRows:
    """The kept rows of one history table, every item's in one frame (``item -> (lo, hi)``).

    Rows added together wait in ``pending`` and join the frame at the next :meth:`take`
    (one concatenation per warm-up chunk or fresh read, not one per re-plan).
    """

    def __init__(self) -> None:
        self.frame: pd.DataFrame | None = None
        self.where: dict[str, tuple[int, int]] = {}
        self.pending: list[tuple[pd.DataFrame, dict[str, tuple[int, int]]]] = []

    def add(self, rows: pd.DataFrame, where: dict[str, tuple[int, int]]) -> None:
        self.pending.append((rows, where))

    def take(self, ids: list[str]) -> tuple[pd.DataFrame, dict[str, tuple[int, int]]]:
        """The rows of ``ids`` (each item's together, in the order of ``ids``) and where."""
        if self.pending:
            frames = [] if self.frame is None else [self.frame]
            off = 0 if self.frame is None else len(self.frame)
            for rows, where in self.pending:
                for iid, (lo, hi) in where.items():
                    self.where[iid] = (lo + off, hi + off)
                frames.append(rows)
                off += len(rows)
            self.frame = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
            self.pending = []
        assert self.frame is not None
        out: dict[str, tuple[int, int]] = {}
        pos, n = [], 0
        for iid in ids:
            lo, hi = self.where[iid]
            pos.append(np.arange(lo, hi))
            out[iid] = (n, n + hi - lo)
            n += hi - lo
        taken = self.frame.take(np.concatenate(pos) if pos else np.zeros(0, dtype=np.int64))
        return taken.reset_index(drop=True), out


class _PathStore:
    """Demand paths of whole seed blocks, drawn once, at most ``limit`` bytes (oldest out)."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.arrays: dict[tuple[Any, ...], np.ndarray] = {}

    def get(self, key: tuple[Any, ...]) -> np.ndarray | None:
        got = self.arrays.pop(key, None)
        if got is not None:
            self.arrays[key] = got  # most recently used last
        return got

    def put(self, key: tuple[Any, ...], paths: np.ndarray) -> None:
        if paths.nbytes > self.limit:
            return
        paths.flags.writeable = False
        self.arrays[key] = paths
        while sum(a.nbytes for a in self.arrays.values()) > self.limit:
            del self.arrays[next(iter(self.arrays))]


class _PathArrays:
    """Every forecast row's demand paths and their running sums, for one simulation setting.

    Handed to the simulation (``kept_path_arrays``) when both fit in ``limit`` bytes: it
    draws into them and marks what it filled, and the next call reads them again (each
    row's paths depend only on the setting: path count, horizon, seed and block offset).
    """

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.key: tuple[Any, ...] | None = None
        self.arrays: tuple[np.ndarray, ...] | None = None

    def get(self, n_rows: int, key: tuple[Any, ...]) -> tuple[np.ndarray, ...] | None:
        n_paths, horizon = key[0], key[1]
        if 2 * n_rows * n_paths * horizon * 8 > self.limit:
            return None
        if self.key != key or self.arrays is None:
            shape = (n_rows, n_paths, horizon)
            ready = np.zeros(n_rows, dtype=bool)
            self.arrays = (np.empty(shape), ready, np.empty(shape), ready.copy())
            self.key = key
        return self.arrays


@dataclasses.dataclass(frozen=True, repr=False, eq=False)
class _KeptPaths(sof.DemandForecast):
    """A forecast whose demand paths per seed block are drawn once and kept.

    The simulation draws each seed block's paths with one call of ``sample_paths`` for the
    block's rows (``items=slice(lo, hi)``) and a generator seeded by the block; the same
    rows, paths and seed give the same draws, so they are kept (keyed by the rows, the path
    count and the generator's seed) and handed out again. Any other call draws as usual.
    When every row's paths and running sums fit in the kept bytes, the simulation keeps
    them itself in arrays handed out again at the next call with the same setting
    (:meth:`kept_path_arrays`); the blocks are then not kept twice.
    """

    kept: _PathStore | None = None
    whole: _PathArrays | None = None

    @classmethod
    def of(cls, fc: sof.DemandForecast, kept: _PathStore) -> _KeptPaths:
        values = {f.name: getattr(fc, f.name) for f in dataclasses.fields(fc)}
        return cls(**values, kept=kept, whole=_PathArrays(kept.limit))

    def kept_path_arrays(
        self, *, n_paths: int, horizon: int, entropy: int, block_offset: int
    ) -> tuple[np.ndarray, ...] | None:
        """Paths, ready flags, running sums, ready flags per row, kept for this setting."""
        if self.whole is None:
            return None
        return self.whole.get(len(self.item_ids), (n_paths, horizon, entropy, block_offset))

    def sample_paths(
        self,
        n_paths: int | None = None,
        *,
        random_state: Any = None,
        items: Any = None,
        out: np.ndarray | None = None,
    ) -> np.ndarray:
        seed = getattr(getattr(random_state, "bit_generator", None), "seed_seq", None)
        whole = self.whole is not None and self.whole.arrays is not None
        if self.kept is None or whole or not isinstance(items, slice) or seed is None:
            return super().sample_paths(n_paths, random_state=random_state, items=items, out=out)
        key = (items.start, items.stop, items.step, n_paths, seed.entropy, seed.spawn_key)
        got = self.kept.get(key)
        if got is None:
            got = super().sample_paths(n_paths, random_state=random_state, items=items)
            self.kept.put(key, got)
        if out is None:
            return got
        np.copyto(out, got)
        return out


class ProcessCache:
    """What the re-plans of one process keep between batches, for one store.

    * Per item, its ``sales`` and ``stock_history`` rows dated before a cut-off day
      (:data:`HISTORY_TAIL_DAYS` before the planning date): events change rows of their own
      day, so a re-plan reads only the rows from the cut-off day on. An event dated before
      the cut-off (a late one) drops the item's kept rows; they are read again in full.
    * The full plan's forecast (every item's row, rebuilt once from the store), and the
      demand paths of its seed blocks as the simulation draws them (:class:`_KeptPaths`), at
      most ``paths_mb`` megabytes; they are drawn again when the planning date moves.

    Everything is dropped when a new full plan is stored (``planned_at`` changes).
    """

    def __init__(self, paths_mb: float = 256.0) -> None:
        self.paths_bytes = int(paths_mb * 2**20)
        self.lock = threading.Lock()
        self.planned_at: Any = None
        self.kept: dict[str, _Kept] = {}
        self.rows: dict[str, _KeptRows] = {t: _KeptRows() for t in _HISTORY}
        self.plan_forecast: sof.DemandForecast | None = None
        self.plan_made_for: pd.Timestamp | None = None
        self.plan_rows: dict[str, int] = {}
        self._ahead: tuple[pd.Timestamp, sof.DemandForecast] | None = None
        #: per item: the key of its purchase-order and supplier rows, its lead-time rows
        self._lead: dict[str, tuple[tuple[int, ...], pd.DataFrame]] = {}
        self._lead_as_of: Any = None
        #: the same rows (items with some) in one frame, while every item's have one dtype set
        self._lead_rows = _KeptRows()
        self._lead_dtypes: list[Any] | None = None
        self._lead_uniform = True

    def lead_times(
        self, purchase_orders: pd.DataFrame, suppliers: pd.DataFrame | None, *, as_of: Any
    ) -> pd.DataFrame:
        """``lead_time_history(purchase_orders, suppliers, as_of=as_of)``, kept per item.

        An item's rows of ``lead_time_history`` come from its own purchase-order and supplier
        rows (one row per item x supplier, sorted by item and supplier), so they are kept with
        a hash of those input rows and handed out again while the rows and ``as_of`` are the
        same (a sale changes neither). When an item's rows changed, the whole frame is
        computed again (and kept); otherwise the items' kept rows, in item order, are the frame.
        """
        keys = _row_keys(purchase_orders, suppliers)
        if as_of != self._lead_as_of:
            self._drop_lead()
            self._lead_as_of = as_of
        miss = {i for i, k in keys.items() if i not in self._lead or self._lead[i][0] != k}
        if miss:
            po, sup = purchase_orders, suppliers
            sup_miss = None if sup is None else sup[sup["item_id"].isin(miss)]
            if sup_miss is not None and {*sup_miss["item_id"]} == miss:
                # only the changed items' rows (each has supplier rows, as in the whole frame)
                po, sup = po[po["item_id"].isin(miss)], sup_miss
            got = sof.lead_time_history(po, sup, as_of=as_of)
            runs = _item_slices(got)
            for iid in miss if po is not purchase_orders else keys:
                self._keep_lead(iid, keys[iid], runs.get(iid, got.iloc[:0]))
        parts = [self._lead[i][1] for i in sorted(keys)]
        with_rows = [i for i in sorted(keys) if len(self._lead[i][1])]
        if with_rows and self._lead_uniform:
            # one take of the kept frame: the rows and dtypes the concatenation below gives
            return self._lead_rows.take(with_rows)[0]
        parts = [p for p in parts if len(p)] or parts[:1]
        if not parts:
            return sof.lead_time_history(purchase_orders, suppliers, as_of=as_of)
        return (
            pd.concat(parts, ignore_index=True)
            if len(parts) > 1
            else parts[0].reset_index(drop=True)
        )

    def _keep_lead(self, iid: str, key: tuple[Any, ...], rows: pd.DataFrame) -> None:
        """Keep ``iid``'s lead-time rows; those with rows also in the one kept frame."""
        self._lead[iid] = (key, rows)
        if not len(rows):
            return
        dtypes = list(rows.dtypes.items())
        if self._lead_dtypes is None:
            self._lead_dtypes = dtypes
        self._lead_uniform = self._lead_uniform and dtypes == self._lead_dtypes
        self._lead_rows.add(rows.reset_index(drop=True), {iid: (0, len(rows))})

    def _drop_lead(self) -> None:
        self._lead.clear()
        self._lead_rows = _KeptRows()
        self._lead_dtypes = None
        self._lead_uniform = True

    def refresh(self, store: Store, conn: Any, planned_at: Any) -> None:
        """Drop everything when the store holds a newer full plan; load its forecast."""
        if planned_at == self.planned_at and self.planned_at is not None:
            return
        self.kept.clear()
        self.rows = {t: _KeptRows() for t in _HISTORY}
        self._drop_lead()
        self._ahead = None
        self.plan_forecast, self.plan_made_for, self.plan_rows = None, None, {}
        got = store.plan_forecasts(conn)
        if got is not None:
            made_for, rows = got
            d = {k: v for k, v in rows[0].items() if k != "items"}
            d["items"] = [r["items"][0] for r in rows]
            self.plan_forecast = sof.DemandForecast.from_dict(d)
            self.plan_made_for = made_for
            self.plan_rows = {str(r["items"][0]["item_id"]): k for k, r in enumerate(rows)}
        self.planned_at = planned_at

    def forecast_ahead(self, as_of: pd.Timestamp) -> sof.DemandForecast:
        """The full plan's forecast on its periods after ``as_of``."""
        assert self.plan_forecast is not None
        if self._ahead is None or self._ahead[0] != as_of:
            ahead = _days_ahead(self.plan_forecast, as_of)
            self._ahead = (as_of, _KeptPaths.of(ahead, _PathStore(self.paths_bytes)))
        return self._ahead[1]

    def history(
        self, store: Store, conn: Any, ids: list[str], seqs: dict[str, int], as_of: pd.Timestamp
    ) -> dict[str, pd.DataFrame]:
        """The items' ``sales`` and ``stock_history`` rows, from memory and the store."""
        have = [i for i in ids if i in self.kept]
        if have:
            after = min(self.kept[i].seq for i in have)
            for iid, seq, day in store.event_days(conn, have, after):
                k = self.kept.get(iid)
                if k is not None and seq > k.seq and day < k.cut:
                    del self.kept[iid]  # a late event changed the rows kept
        fresh = [i for i in ids if i not in self.kept]
        # per table: the frames the rows come from, and per item its (frame, lo, hi) spans
        srcs: dict[str, list[pd.DataFrame]] = {t: [] for t in _HISTORY}
        spans: dict[str, dict[str, list[tuple[int, int, int]]]] = {t: {} for t in _HISTORY}
        if fresh:
            got = store.items_tables(conn, fresh, tables=list(_HISTORY))
            cut = (
                min(as_of, pd.Timestamp(utcnow().date())) - pd.Timedelta(days=HISTORY_TAIL_DAYS)
            ).date()
            for t in _HISTORY:
                srt, bounds = _item_runs(_dated(got[t], t))
                dates = srt["date"].to_numpy()
                keep, where, n = [], {}, 0
                for iid in fresh:
                    lo, hi = bounds.get(iid, (0, 0))
                    old = int(np.searchsorted(dates[lo:hi], np.datetime64(cut, "ns")))
                    keep.append(np.arange(lo, lo + old))
                    where[iid] = (n, n + old)
                    n += old
                    spans[t][iid] = [(len(srcs[t]), lo, hi)]
                self.rows[t].add(srt.take(np.concatenate(keep)).reset_index(drop=True), where)
                srcs[t].append(srt)
            for iid in fresh:
                self.kept[iid] = _Kept(cut, seqs.get(iid, 0))
        cached = [i for i in ids if i not in set(fresh)]
        if cached:
            since = min(self.kept[i].cut for i in cached)
            tail = store.items_tables(conn, cached, tables=list(_HISTORY), since=since)
            for t in _HISTORY:
                kept_rows, where = self.rows[t].take(cached)
                srt, bounds = _item_runs(_dated(tail[t], t))
                dates = srt["date"].to_numpy()
                k_src, t_src = len(srcs[t]), len(srcs[t]) + 1
                srcs[t] += [kept_rows, srt]
                for iid in cached:
                    lo, hi = bounds.get(iid, (0, 0))  # the store's rows from the cut-off day on
                    cut_ns = np.datetime64(self.kept[iid].cut, "ns")
                    lo += int(np.searchsorted(dates[lo:hi], cut_ns))
                    spans[t][iid] = [(k_src, *where[iid]), (t_src, lo, hi)]
            for iid in cached:
                self.kept[iid].seq = max(self.kept[iid].seq, seqs.get(iid, 0))
        if not ids:  # nothing read: the tables with no rows
            empty = store.items_tables(conn, [], tables=list(_HISTORY))
            return {t: _dated(empty[t], t) for t in _HISTORY}
        return {t: _joined(srcs[t], spans[t], ids) for t in _HISTORY}


def _item_runs(df: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, tuple[int, int]]]:
    """``df`` sorted by item and date, and each item's ``(lo, hi)`` rows in it.

    A stable sort: rows of the same item and day keep their storage order.
    """
    if len(df) == 0:
        return df.reset_index(drop=True), {}
    items = df["item_id"].to_numpy(dtype=str)
    order = np.lexsort((df["date"].to_numpy(), items))
    items = items[order]
    starts = np.flatnonzero(np.r_[True, items[1:] != items[:-1]])
    ends = np.r_[starts[1:], len(items)]
    bounds = {str(items[a]): (int(a), int(b)) for a, b in zip(starts, ends, strict=True)}
    return df.take(order).reset_index(drop=True), bounds


def _joined(
    srcs: list[pd.DataFrame], spans: dict[str, list[tuple[int, int, int]]], ids: list[str]
) -> pd.DataFrame:
    """The items' rows in the order of ``ids`` (sorted), each item's spans in their order.

    The same rows, in the same order, as a stable sort by item and date of every row read
    (kept rows are dated before the item's cut-off day, the rows read after it on or after).
    """
    used = [k for k, df in enumerate(srcs) if len(df)]
    if not used:
        return srcs[0].iloc[:0].reset_index(drop=True)
    offset, off = {}, 0
    for k in used:
        offset[k] = off
        off += len(srcs[k])
    pos = [
        np.arange(offset[k] + lo, offset[k] + hi)
        for iid in ids
        for k, lo, hi in spans.get(iid, ())
        if hi > lo
    ]
    big = pd.concat([srcs[k] for k in used], ignore_index=True) if len(used) > 1 else srcs[used[0]]
    rows = np.concatenate(pos) if pos else np.zeros(0, dtype=np.int64)
    return big.take(rows).reset_index(drop=True)


def _row_keys(po: pd.DataFrame, sup: pd.DataFrame | None) -> dict[str, tuple[Any, ...]]:
    """Per item of ``po`` and ``sup``: the hashes of its rows of each, in order."""
    keys: dict[str, tuple[list[int], list[int]]] = {}
    for k, df in enumerate((po, sup)):
        if df is None or len(df) == 0:
            continue
        hashes = pd.util.hash_pandas_object(df, index=False).to_numpy()
        for iid, h in zip(df["item_id"].astype(str), hashes.tolist(), strict=True):
            keys.setdefault(iid, ([], []))[k].append(h)
    return {i: (tuple(a), tuple(b)) for i, (a, b) in keys.items()}


def _item_slices(df: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """``df`` (sorted by ``item_id``) as one slice per item."""
    if len(df) == 0:
        return {}
    items = df["item_id"].to_numpy(dtype=str)
    starts = np.flatnonzero(np.r_[True, items[1:] != items[:-1]])
    ends = np.r_[starts[1:], len(items)]
    return {str(items[a]): df.iloc[a:b] for a, b in zip(starts, ends, strict=True)}


def _dated(df: pd.DataFrame, table: str) -> pd.DataFrame:
    """``df`` (rows of ``table``) in the contract's types (dates, ids, quantities).

    Dates become ``datetime64[ns]``, ids strings, quantities ``float64``: what the validation of the batch's tables makes of the store's values, done here once
    (kept history rows are converted when first read), so that the batch's validation takes
    the tables as they are (:func:`~stockout_forecast.io.validation.assume_valid`: the store's
    rows were validated on their way in). A column that does not convert is left as it is
    (and validated as usual).
    """
    conv: dict[str, pd.Series] = {}
    for c, spec in TABLES[table].columns.items():
        if c not in df.columns:
            continue
        col = df[c]
        if spec.kind == "date":
            conv[c] = pd.to_datetime(col).astype("datetime64[ns]")
        elif spec.kind == "id" and col.dtype == object:
            # every value a str (checked in C), else the same test value by value
            if (
                pd.api.types.infer_dtype(col, skipna=False) == "string"
                or col.isna().all()
                or col.map(lambda v: v is None or isinstance(v, str)).all()
            ):
                conv[c] = col.astype("str")
        elif spec.kind in ("number", "fraction") and col.dtype != np.float64:
            if isinstance(col.dtype, np.dtype) and col.dtype.kind in "biuf":  # each an int or float
                conv[c] = col.astype("float64")
                continue
            ok = col.isna().all() or col.map(lambda v: v is None or isinstance(v, (int, float)))
            if ok is True or (ok is not False and ok.all()):
                conv[c] = col.astype("float64")
    return df.assign(**conv) if conv else df


_CACHES: dict[str, ProcessCache] = {}
_CACHES_LOCK = threading.Lock()


def process_cache(store: Store, settings: ServiceSettings) -> ProcessCache:
    """The cache of the current process for ``store`` (one per store URL)."""
    with _CACHES_LOCK:
        if store.url not in _CACHES:
            _CACHES[store.url] = ProcessCache(settings.replan_paths_mb)
        return _CACHES[store.url]


def _days_ahead(fc: sof.DemandForecast, as_of: pd.Timestamp) -> sof.DemandForecast:
    """The forecast's periods after ``as_of`` (all of them for a forecast made that day)."""
    keep = np.asarray(fc.dates > as_of)
    if keep.all():
        return fc
    return dataclasses.replace(
        fc, dates=fc.dates[keep], mean=fc.mean[:, keep], quantiles=fc.quantiles[:, :, keep]
    )

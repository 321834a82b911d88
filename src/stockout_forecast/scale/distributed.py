"""The chunked plan on a ``dask.distributed`` cluster: the same chunks as Dask tasks.

:func:`run_on_dask` computes the cross-item state once on the client (the first pass of
:mod:`.state`), broadcasts it to the workers, submits one task per chunk of items (an
item-id range starting on a seed block, so every item draws what it draws in a
single-process run) and puts the chunks together with the cross-item steps of
:mod:`.assemble`. Same seed, same plan as ``ReorderPlanner.run`` in one process
(``tests/test_scale_dask.py``). With ``out_dir`` the workers write each chunk's tables as
partitioned Parquet (``<out_dir>/<table>/part-<chunk>.parquet``) and only the small
tables of the report's cross-item steps travel back.

Dask is an optional dependency: ``pip install "stockout_forecast[dask]"``.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..io.dataset import Dataset
from .assemble import assemble, chunk_items_for
from .chunk import ChunkPlan, plan_chunk
from .partition import make_chunks, split_dataset, take_forecast
from .state import CrossItemState, cross_item_state, forecast_pool

__all__ = ["SerialClient", "local_cluster", "run_on_dask", "run_on_dask_parquet"]


def _distributed() -> Any:
    try:
        import distributed
    except ImportError as err:  # pragma: no cover - depends on the environment
        raise ImportError(
            'Running on a cluster needs dask.distributed: pip install "stockout_forecast[dask]"'
        ) from err
    return distributed


def local_cluster(n_workers: int, *, memory_limit: str = "6GiB") -> Any:
    """A ``distributed.Client`` on a local cluster of ``n_workers`` single-threaded processes.

    Scheduler, workers and dashboard listen on 127.0.0.1 only. Close it with
    ``client.close(); client.cluster.close()``.
    """
    distributed = _distributed()
    cluster = distributed.LocalCluster(
        n_workers=int(n_workers),
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        dashboard_address="127.0.0.1:0",
        memory_limit=memory_limit,
    )
    return distributed.Client(cluster)


def sample_rows(state: CrossItemState, chunks: Any) -> list[Any]:
    """Per chunk, the rows of the first pass's sample forecast whose items it holds.

    Sent with the chunk's task, so that no item is forecast twice on the cluster either.
    """
    fc = state.sample_forecast
    if fc is None:
        return [None] * chunks.n_chunks
    code = chunks.of(np.asarray(fc.item_ids))
    return [take_forecast(fc, np.flatnonzero(code == c), None) for c in range(chunks.n_chunks)]


def _chunk_task(
    ds: Dataset,
    state: CrossItemState,
    made: Any,
    planner: Any,
    block_offset: int,
    out: str | None,
    c: int,
) -> ChunkPlan | dict[str, Any]:
    """One chunk on a worker: its plan, or (with ``out``) its tables written to Parquet."""
    state = dataclasses.replace(state, sample_forecast=made)
    res = plan_chunk(ds, state, planner, block_offset)
    if out is None:
        return res
    return write_chunk(res, Path(out), c)


#: tables a chunk writes to ``out_dir`` (one Parquet file per chunk each)
CHUNK_TABLES = ("velocity", "demand_classes", "cover", "lead_times", "orders")


def write_chunk(res: ChunkPlan, out: Path, c: int) -> dict[str, Any]:
    """Write a chunk's per-item tables; return what the cross-item steps need."""
    for name in CHUNK_TABLES:
        df = getattr(res, name)
        if df is not None:
            (out / name).mkdir(parents=True, exist_ok=True)
            df.to_parquet(out / name / f"part-{c:05d}.parquet", index=False)
    if res.stockouts is not None:
        (out / "stockouts").mkdir(parents=True, exist_ok=True)
        res.stockouts.summary.to_parquet(out / "stockouts" / f"part-{c:05d}.parquet", index=False)
    return {
        "n_items": len(res.history.item_ids),
        "abc": res.demand_classes[["item_id", "abc_value"]],
        "purchase_plan": res.purchase_plan,
        "to_order": None
        if res.orders is None
        else res.orders.loc[res.orders["order_now"].fillna(False).astype(bool)],
    }


def run_on_dask(
    planner: Any,
    dataset: Dataset,
    client: Any,
    *,
    out_dir: str | Path | None = None,
    progress: Callable[[str, int, int], None] | None = None,
) -> Any:
    """The plan of ``planner`` on ``dataset``, its chunks run on the cluster of ``client``.

    Returns the fields of the :class:`~stockout_forecast.ReorderPlan` (``out_dir`` None),
    else a dict of the cross-item tables (``purchase_orders``, ``purchase_order_lines``, ``abc``) after
    writing every chunk's tables under ``out_dir``.
    """
    _distributed()
    tick = progress or (lambda name, i, n: None)
    tick("cross-item state", 1, 3)
    state = cross_item_state(dataset, planner, sample=planner.state_sample_items)
    chunks = make_chunks(state.history_ids, chunk_items_for(planner, len(state.history_ids)))
    parts = split_dataset(dataset, chunks)
    shared = client.scatter(state.without_sample_forecast(), broadcast=True)
    out = None if out_dir is None else str(Path(out_dir).resolve())
    tick(f"{chunks.n_chunks} chunks on the cluster", 2, 3)
    # the chunks' rows go to the workers as data (scattered), not inside the task graph
    data = client.scatter(parts)
    made = client.scatter(sample_rows(state, chunks))
    futures = [
        client.submit(
            _chunk_task, ds, shared, made[c], planner, chunks.block_offset(c), out, c, pure=False
        )
        for c, ds in enumerate(data)
    ]
    results = client.gather(futures)
    tick("cross-item steps", 3, 3)
    if out is None:
        return assemble(planner, dataset, state, results)
    return _cross_item_tables(results)


def _cross_item_tables(results: list[dict[str, Any]]) -> dict[str, pd.DataFrame]:
    """The tables that need every chunk: ABC over all items, POs per supplier."""
    from .assemble import concat_purchase_plans, rank_abc

    abc = rank_abc(
        pd.concat([r["abc"] for r in results], ignore_index=True).assign(
            abc=None, abc_share_cum=0.0
        )
    )
    plans = [r["purchase_plan"] for r in results if r["purchase_plan"] is not None]
    out = {"abc": abc[["item_id", "abc_value", "abc_share_cum", "abc"]]}
    if plans:
        pp = concat_purchase_plans(plans)
        out["purchase_orders"] = pp.purchase_orders
        out["purchase_order_lines"] = pp.lines
    return out


# ----------------------------------------------------------------------------- from Parquet
def run_on_dask_parquet(
    planner: Any,
    path: str | Path,
    client: Any,
    out_dir: str | Path,
    *,
    progress: Callable[[str, int, int], None] | None = None,
) -> dict[str, pd.DataFrame]:
    """The plan of a partitioned Parquet dataset on a cluster, outputs as partitioned Parquet.

    Nothing holds all the data: workers scan the parts for the first pass (item ids, first
    and last dates) and return the rows of the state sample; the client computes the
    cross-item state; each chunk task reads its item-id range (``read_range``), plans it,
    writes its tables under ``out_dir`` (``<table>/part-<chunk>.parquet``, promise dates
    too: the planner allocates each item's stock to that item's lines) and returns what the
    cross-item steps need. The client writes those (``abc``, ``purchase_orders``,
    ``purchase_order_lines``) and ``chunk_timings`` (items and seconds per stage of each
    chunk) as ``<out_dir>/<table>.parquet`` and returns them.
    """
    from . import parquet as pq
    from .state import sample_items

    tick = progress or (lambda name, i, n: None)
    paths = pq.table_paths(path)
    tick("first pass: scanning the parts", 1, 4)
    state = _parquet_state(planner, path, paths, client)
    tick("first pass: the forecast pool", 2, 4)
    if planner.forecast:
        ids = sample_items(state.history_ids, planner.state_sample_items)
        sample = _gather_items(client, paths, ids, str(path))
        state.forecast_pool, state.sample_forecast = forecast_pool(sample, ids, state, planner)
        state.sample_ids = ids
    chunks = make_chunks(state.history_ids, chunk_items_for(planner, len(state.history_ids)))
    out = Path(out_dir).resolve()
    out.mkdir(parents=True, exist_ok=True)
    shared = client.scatter(state.without_sample_forecast(), broadcast=True)
    made = client.scatter(sample_rows(state, chunks))
    tick(f"{chunks.n_chunks} chunks on the cluster", 3, 4)
    bounds = [None, *chunks.bounds.tolist(), None]
    futures = [
        client.submit(
            _range_task,
            str(path),
            bounds[c],
            bounds[c + 1],
            shared,
            made[c],
            planner,
            chunks.block_offset(c),
            str(out),
            c,
            pure=False,
        )
        for c in range(chunks.n_chunks)
    ]
    results = client.gather(futures)
    tick("cross-item steps", 4, 4)
    tables = _cross_item_tables(results)
    tables["chunk_timings"] = pd.DataFrame(
        [{"chunk": c, "n_items": r["n_items"], **r["timings"]} for c, r in enumerate(results)]
    )
    for name, df in tables.items():
        df.to_parquet(out / f"{name}.parquet", index=False)
    return tables


def _parquet_state(planner: Any, path: Any, paths: dict[str, Path], client: Any) -> CrossItemState:
    """The first pass from part scans on the workers (ids, first and last dates)."""
    from .._utils import spawn_seeds
    from . import parquet as pq

    scans: dict[str, list[dict[str, Any]]] = {}
    for name in ("sales", "stock_history", "items"):
        if name in paths:
            futs = client.map(pq.scan_part, pq.part_files(paths[name]), table=name, pure=False)
            scans[name] = client.gather(futs)
    ids = set()
    for parts in scans.values():
        for s in parts:
            ids |= set(s["ids"].tolist())
    last_sale = max(s["last"] for s in scans["sales"] if "last" in s)
    as_of = pd.Timestamp(planner.as_of).normalize() if planner.as_of is not None else None
    if as_of is None and "inventory" in paths:
        inv = pq._read(paths["inventory"], None)
        if "as_of" in inv.columns and inv["as_of"].notna().any():
            as_of = pd.Timestamp(pd.to_datetime(inv["as_of"]).max()).normalize()
    if as_of is None:
        as_of = pd.Timestamp(last_sale).normalize()
    firsts = [s["first"] for s in scans["sales"] if "first" in s]
    firsts += [s["first"] for s in scans.get("stock_history", []) if s.get("first") is not None]
    start = pd.Timestamp(min(f for f in firsts if f <= as_of)).normalize()
    return CrossItemState(
        as_of=as_of,
        start=start,
        history_ids=np.asarray(sorted(ids), dtype=object),
        seeds=spawn_seeds(planner.random_state, 3),
    )


def _gather_items(client: Any, paths: dict[str, Path], ids: np.ndarray, source: str) -> Dataset:
    """The rows of the items ``ids`` from every part, read on the workers."""
    from ..io.validation import validate_table
    from . import parquet as pq

    shared_ids = client.scatter(np.asarray(ids).astype(str), broadcast=True)
    tables: dict[str, Any] = {}
    for name, p in paths.items():
        futs = client.map(
            pq.read_part_items, pq.part_files(p), table=name, ids=shared_ids, pure=False
        )
        tables[name] = validate_table(
            pd.concat(client.gather(futs), ignore_index=True), name, allow_empty=True
        )
    return Dataset(**tables, source=source)


def _range_task(
    path: str,
    lo: str | None,
    hi: str | None,
    state: CrossItemState,
    made: Any,
    planner: Any,
    block_offset: int,
    out: str,
    c: int,
) -> dict[str, Any]:
    """One chunk on a worker, read from the Parquet parts: plan, write, return the small part."""
    from . import parquet as pq
    from .chunk import inventory_of, promise_parts

    state = dataclasses.replace(state, sample_forecast=made)
    t0, c0 = time.perf_counter(), time.process_time()
    ds = pq.read_range(path, lo, hi, source=path)
    t1, c1 = time.perf_counter(), time.process_time()
    res = plan_chunk(ds, state, planner, block_offset)
    t2, c2 = time.perf_counter(), time.process_time()
    light = write_chunk(res, Path(out), c)
    if planner.forecast and ds.customer_orders is not None and ds.inventory is not None:
        lines = res.purchase_plan.lines if res.purchase_plan is not None else None
        inv = inventory_of(ds, res.history)
        bo = promise_parts(planner, ds, inv, lines, state.as_of, res.lead_times)
        for name in ("backorders", "notices", "availability"):
            df = bo[name].lines if name == "backorders" else bo[name]
            (Path(out) / name).mkdir(parents=True, exist_ok=True)
            df.to_parquet(Path(out) / name / f"part-{c:05d}.parquet", index=False)
    light["timings"] = {
        "read input": t1 - t0,
        "read input (cpu)": c1 - c0,
        **res.timings,
        "promise dates, write outputs": time.perf_counter() - t2,
        "promise dates, write outputs (cpu)": time.process_time() - c2,
    }
    return light


class SerialClient:
    """The part of a ``distributed.Client`` the runners use, run in this process.

    ``submit``/``map`` call the function at once and ``gather`` hands the results back, so
    :func:`run_on_dask_parquet` plans a Parquet dataset chunk after chunk in one process,
    in the memory of one chunk. It distributes nothing.
    """

    def scatter(self, data: Any, broadcast: bool = False) -> Any:
        """Return ``data`` itself."""
        return data

    def submit(self, fn: Callable[..., Any], *args: Any, pure: bool = True, **kw: Any) -> Any:
        """Call ``fn`` now."""
        return fn(*args, **kw)

    def map(self, fn: Callable[..., Any], items: Any, pure: bool = True, **kw: Any) -> list[Any]:
        """Call ``fn`` on every item now."""
        return [fn(x, **kw) for x in items]

    def gather(self, results: Any) -> Any:
        """Return the results."""
        return results

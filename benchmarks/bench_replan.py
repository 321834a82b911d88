"""Benchmark: the cost of the service's re-plan of a batch of items, in process (not a timed test).

What the re-plan lane's worker runs after events (``replan_items``), warm as the worker is
after its warm-up (history rows, demand paths and lead times kept in memory), on random
batches of ``--sizes`` items of a planned store: wall time per batch, the median of
``--repeat`` batches per size. The store is ``--db`` (copied first: a re-plan writes the
items' states) or, without it, the demo shop of ``data/sample`` loaded and planned in a
temporary folder as ``bench_service.py`` does.

Run from the repository root::

    .venv/bin/python benchmarks/bench_replan.py
    .venv/bin/python benchmarks/bench_replan.py --db shop.db --sizes 1,10,40,80,160 --repeat 3

To compare two versions of the code on the same store, run it with ``PYTHONPATH`` at each
checkout's ``src`` one after the other (``benchmarks/README.md``, "Sessions 6-7").
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]


def measure(url: str, sizes: list[int], repeat: int, seed: int) -> dict[int, list[float]]:
    """Seconds per re-plan of ``repeat`` random batches of each size (the cache warm first)."""
    from stockout_forecast.service import ServiceSettings
    from stockout_forecast.service.replan import replan_items
    from stockout_forecast.service.store import Store

    store = Store(url)
    settings = ServiceSettings(db_url=url)
    with store.read() as conn:
        ids = store.item_ids(conn)
    too_big = [n for n in sizes if n > len(ids)]
    if too_big:
        store.dispose()
        raise SystemExit(f"--sizes {too_big} exceed the store's {len(ids)} items: use smaller")
    replan_items(store, ids, settings)  # warm-up: every item's history, paths and lead times
    rng = np.random.default_rng(seed)
    out: dict[int, list[float]] = {}
    for n in sizes:
        times = []
        for _ in range(repeat):
            batch = sorted(rng.choice(ids, n, replace=False).tolist())
            t0 = time.perf_counter()
            replan_items(store, batch, settings)
            times.append(time.perf_counter() - t0)
        out[n] = times
    store.dispose()
    return out


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--db", help="a planned store (copied first); default: the demo shop")
    p.add_argument("--data", default=str(ROOT / "data" / "sample"), help="dataset without --db")
    p.add_argument("--sizes", default="1,10,40,80,160", help="batch sizes, comma-separated")
    p.add_argument("--repeat", type=int, default=3, help="batches per size (median reported)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", help="also write the figures as JSON here")
    args = p.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    if not sizes or min(sizes) < 1 or args.repeat < 1:
        p.error("--sizes needs whole numbers >= 1 and --repeat at least 1")
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "shop.db"
        if args.db:
            src = Path(args.db)
            if not src.is_file():
                p.error(f"--db {src}: no such file; give a store made by bench_service.py")
            shutil.copy(src, db)
            url = f"sqlite:///{db}"
        else:
            sys.path.insert(0, str(ROOT / "benchmarks"))
            from bench_service import prepare_store

            url = prepare_store(db, Path(args.data))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            times = measure(url, sizes, args.repeat, args.seed)
    res = {str(n): {"median_ms": statistics.median(t) * 1e3, "ms": [x * 1e3 for x in t]}
           for n, t in times.items()}  # fmt: skip
    print(
        "items in the batch: " + " | ".join(f"{n}: {v['median_ms']:.0f} ms" for n, v in res.items())
    )
    if args.out:
        Path(args.out).write_text(json.dumps(res, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

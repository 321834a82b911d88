"""Benchmark: stockout_dates for many items x paths x days, time and peak memory.

For each size in ``--sizes`` a fresh Python process (so that its peak memory is its own)
builds a seeded negative-binomial forecast (``DemandForecast.from_mean``: log-normal mean
demand per item, dispersion ``--dispersion``, level correlation ``--level-correlation``), an
inventory snapshot of 0-60 days of cover and one open purchase order for 30 % of the items,
then times

* **ours**: ``stockout_dates(forecast, inventory, purchase_orders, n_paths, horizon)``,
  chunked over items (default memory budget), median of ``--repeat`` runs, for each
  ``--n-jobs`` value;
* **baseline 1 — path generation alone**: the same ``forecast.sample_paths`` calls that
  ``stockout_dates`` makes (one per 64-item seed block, each into a new array), nothing
  else: the floor for any implementation that uses the forecast's paths. It is timed after
  each run of ours (alternating, so that both see the same machine load); in addition the
  forecast is wrapped so that the time spent inside ``sample_paths`` *during* our runs is
  measured ("in paths"; the wrapper keeps ``sample_paths``'s ``out`` argument, so
  ``stockout_dates`` still draws straight into its chunk buffers); the rest of our time is
  the simulation proper;
* **baseline 2 — per-item loop**: a straightforward implementation that loops over items
  (``sample_paths(items=[i])``, then numpy over paths x days for that item), timed on
  ``--reference-items`` items and scaled linearly to the full size (marked "extrapolated").

Peak memory is the peak resident set while our runs went on (Linux ``VmHWM``, reset through
``/proc/self/clear_refs`` after the inputs were built, so it includes the resident inputs but
not the building of them), read before the baselines run; ``resident_inputs_gib`` in the JSON
is the resident set with the inputs alone. Run from the repository root::

    .venv/bin/python benchmarks/bench_stockout.py --sizes 10000 --repeat 3
    .venv/bin/python benchmarks/bench_stockout.py --sizes 100000 --repeat 1 --no-baselines

Goals (issue 4): 10,000 items x 1,000 paths x 90 days in <= 10 s and <= 2 GiB peak;
100,000 items never above 4 GiB.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
from typing import Any

import numpy as np
import pandas as pd

from stockout_forecast.forecast.result import DemandForecast
from stockout_forecast.simulation.stockout import SEED_BLOCK_ITEMS, stockout_dates

START = pd.Timestamp("2025-01-06")


def make_inputs(
    n_items: int, horizon: int, dispersion: float, level_correlation: float, seed: int = 0
) -> tuple[Any, pd.DataFrame, pd.DataFrame]:
    """A seeded forecast, inventory snapshot and open purchase orders."""
    rng = np.random.default_rng(seed)
    ids = np.asarray([f"I{i:06d}" for i in range(n_items)], dtype=object)
    rate = rng.lognormal(0.0, 1.2, n_items)  # units/day: median 1, many slow, a few fast
    season = 1.0 + 0.2 * np.sin(2 * np.pi * np.arange(horizon) / 7.0)
    mean = rate[:, None] * season[None, :]
    fc = DemandForecast.from_mean(
        ids, pd.date_range(START, periods=horizon), mean, dispersion=dispersion
    )
    if level_correlation > 0:
        fc = dataclasses.replace(fc, level_correlation=np.full(n_items, level_correlation))
    cover = rng.uniform(0, 60, n_items)
    inventory = pd.DataFrame(
        {"item_id": ids, "on_hand_units": np.round(rate * cover), "backordered_units": 0.0}
    )
    has_po = rng.random(n_items) < 0.3
    k = int(has_po.sum())
    purchase_orders = pd.DataFrame(
        {
            "po_id": [f"P{i}" for i in range(k)],
            "item_id": ids[has_po],
            "supplier_id": "S1",
            "units": np.round(rate[has_po] * 30) + 1,
            "order_date": START - pd.Timedelta(days=10),
            "expected_date": START + pd.to_timedelta(rng.integers(0, horizon, k), unit="D"),
        }
    )
    return fc, inventory, purchase_orders


def _status_gib(field: str) -> float:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 2**20  # kB -> GiB
    return float("nan")


def _reset_peak_rss() -> bool:
    """Reset the kernel's peak-RSS mark (Linux ``/proc/self/clear_refs``); False if not possible."""
    try:
        with open("/proc/self/clear_refs", "w") as fh:
            fh.write("5")
    except OSError:
        return False
    return True


def _vm_hwm() -> float:
    return _status_gib("VmHWM")


def _current_rss() -> float:
    return _status_gib("VmRSS")


class TimedForecast:
    """Wraps a forecast and adds up the time spent in its ``sample_paths`` calls."""

    def __init__(self, forecast: Any) -> None:
        self._forecast = forecast
        self.seconds = 0.0

    def __getattr__(self, name: str) -> Any:
        return getattr(self._forecast, name)

    def sample_paths(
        self,
        n_paths: int | None = None,
        *,
        random_state: Any = None,
        items: Any = None,
        out: np.ndarray | None = None,
    ) -> np.ndarray:
        # same signature as DemandForecast.sample_paths, so that stockout_dates sees ``out``
        t0 = time.perf_counter()
        res = self._forecast.sample_paths(n_paths, random_state=random_state, items=items, out=out)
        self.seconds += time.perf_counter() - t0
        return res


def paths_alone(fc: Any, n_paths: int, horizon: int, seed: int = 0) -> float:
    """Time the forecast.sample_paths calls alone (one per seed block)."""
    n = len(fc.item_ids)
    t0 = time.perf_counter()
    for b in range(0, n, SEED_BLOCK_ITEMS):
        rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(0, b)))
        p = fc.sample_paths(n_paths, random_state=rng, items=slice(b, b + SEED_BLOCK_ITEMS))
        del p
    return time.perf_counter() - t0


def per_item_loop(
    fc: Any, inventory: pd.DataFrame, purchase_orders: pd.DataFrame, n_paths: int, n_ref: int
) -> float:
    """Seconds per item of a straightforward loop over items (numpy within each item)."""
    n_ref = min(n_ref, len(fc.item_ids))
    h = len(fc.dates)
    avail = inventory.set_index("item_id")["on_hand_units"]
    po = purchase_orders.assign(day=(purchase_orders["expected_date"] - START).dt.days)
    rng = np.random.default_rng(1)
    t0 = time.perf_counter()
    for i in range(n_ref):
        iid = fc.item_ids[i]
        paths = fc.sample_paths(n_paths, random_state=rng, items=[i])[0]  # (P, H)
        receipts = np.zeros(h)
        mine = po[po["item_id"] == iid]
        np.add.at(receipts, mine["day"].to_numpy(), mine["units"].to_numpy())
        supply = avail[iid] + np.cumsum(receipts)
        cum = np.cumsum(paths, axis=1)
        over = cum > supply
        first = np.where(over.any(axis=1), over.argmax(axis=1), h)
        p_stockout = np.array([(first <= t).mean() for t in range(h)])
        short = np.minimum(np.maximum(cum - supply, 0), paths).sum(axis=1).mean()
        del p_stockout, short
    return (time.perf_counter() - t0) / n_ref


def single(args: argparse.Namespace) -> dict[str, Any]:
    n = args.single
    fc, inv, po = make_inputs(n, args.horizon, args.dispersion, args.level_correlation)
    out: dict[str, Any] = {"n_items": n, "n_paths": args.n_paths, "horizon": args.horizon}
    rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20
    reset = _reset_peak_rss()  # so that building the inputs does not count
    inputs_rss = _current_rss()
    alone: list[float] = []
    chunk = 0  # items per chunk (from the memory budget, shared by the n_jobs threads)
    for jobs in args.n_jobs:
        times, in_paths = [], []
        for r in range(args.repeat):
            timed = TimedForecast(fc)
            t0 = time.perf_counter()
            so = stockout_dates(timed, inv, po, n_paths=args.n_paths, n_jobs=jobs, random_state=r)
            times.append(time.perf_counter() - t0)
            in_paths.append(timed.seconds)
            chunk = so._scenario.chunk_items
            del so
            if not args.no_baselines and jobs == args.n_jobs[0]:
                # alternate with the baseline so that both see the same machine load
                alone.append(paths_alone(fc, args.n_paths, args.horizon))
        out[f"ours_n_jobs_{jobs}_s"] = statistics.median(times)
        out[f"ours_n_jobs_{jobs}_runs"] = times
        # time inside forecast.sample_paths during our runs (summed over threads)
        out[f"ours_n_jobs_{jobs}_in_sample_paths_s"] = statistics.median(in_paths)
        out[f"chunk_items_n_jobs_{jobs}"] = chunk
    out["peak_rss_process_gib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20
    out["peak_rss_before_runs_gib"] = rss0
    out["resident_inputs_gib"] = inputs_rss
    # peak resident set while ours ran (inputs included): VmHWM after a reset, or the
    # process-wide peak when the reset is not available
    out["peak_rss_gib"] = _vm_hwm() if reset else out["peak_rss_process_gib"]
    out["load_average_1min"] = os.getloadavg()[0]
    if not args.no_baselines:
        out["paths_alone_s"] = statistics.median(alone)
        out["paths_alone_runs"] = alone
        per_item = per_item_loop(fc, inv, po, args.n_paths, args.reference_items)
        out["per_item_loop_s_extrapolated"] = per_item * n
        out["per_item_loop_items_timed"] = min(args.reference_items, n)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    ap.add_argument("--n-paths", type=int, default=1000)
    ap.add_argument("--horizon", type=int, default=90)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--n-jobs", type=int, nargs="+", default=[1])
    ap.add_argument("--dispersion", type=float, default=0.3)
    ap.add_argument("--level-correlation", type=float, default=0.2)
    ap.add_argument("--reference-items", type=int, default=200)
    ap.add_argument("--no-baselines", action="store_true")
    ap.add_argument("--json", help="write the results to this file")
    ap.add_argument("--single", type=int, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.single:
        print(json.dumps(single(args)))
        return
    rows = []
    for n in args.sizes:
        cmd = [sys.executable, __file__, "--single", str(n)]
        for flag in (
            "n_paths",
            "horizon",
            "repeat",
            "dispersion",
            "level_correlation",
            "reference_items",
        ):
            cmd += [f"--{flag.replace('_', '-')}", str(getattr(args, flag))]
        cmd += ["--n-jobs", *map(str, args.n_jobs)]
        if args.no_baselines:
            cmd.append("--no-baselines")
        res = subprocess.run(cmd, check=True, capture_output=True, text=True)
        rows.append(json.loads(res.stdout.strip().splitlines()[-1]))
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cpus, Python "
        f"{platform.python_version()}, numpy {np.__version__}, "
        f"load average at end {os.getloadavg()[0]:.1f}"
    )
    print(
        f"{'items':>8} {'paths':>6} {'days':>5} {'chunk':>6} {'n_jobs':>6} {'ours s':>8} "
        f"{'in paths s':>10} {'rest s':>7} {'peak GiB':>9} {'paths alone s':>14} "
        f"{'per-item loop s':>16}"
    )
    for r in rows:
        for jobs in args.n_jobs:
            pa = f"{r['paths_alone_s']:.1f}" if "paths_alone_s" in r else "-"
            pl = (
                f"{r['per_item_loop_s_extrapolated']:.1f}*"
                if "per_item_loop_s_extrapolated" in r
                else "-"
            )
            total = r[f"ours_n_jobs_{jobs}_s"]
            in_paths = r[f"ours_n_jobs_{jobs}_in_sample_paths_s"]
            rest = f"{total - in_paths:.1f}" if jobs == 1 else "-"
            print(
                f"{r['n_items']:>8,} {r['n_paths']:>6,} {r['horizon']:>5} {r[f'chunk_items_n_jobs_{jobs}']:>6} "
                f"{jobs:>6} {total:>8.1f} {in_paths:>10.1f} {rest:>7} "
                f"{r['peak_rss_gib']:>9.2f} {pa:>14} {pl:>16}"
            )
    print(
        "in paths: time inside forecast.sample_paths during our runs (summed over threads); "
        "rest: the simulation proper (n_jobs=1 only); * extrapolated from --reference-items"
    )
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(rows, fh, indent=2)


if __name__ == "__main__":
    main()

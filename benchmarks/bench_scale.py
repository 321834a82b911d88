"""The whole plan at scale (issue 11): 10,000 and 100,000 items on one machine, 1,000,000 on Dask.

Subcommands (run from the repository root with the project's environment):

``generate``  write a demo shop as partitioned Parquet, a batch of items at a time
              (``write_demo_parquet``), timed, with the peak memory of the process.
``plan``      plan a partitioned Parquet shop end to end (``ReorderPlanner.write_plan``): read
              each chunk's item range, forecast, stockout dates, orders, supplier splits,
              promise dates, write every table as partitioned Parquet. In this process
              (``--workers 0``) or on a local Dask cluster of ``--workers`` processes.
              Reports the wall time, the peak resident memory (this process plus its
              children, summed, sampled every 0.2 s; and the largest single worker), the
              seconds per stage summed over the chunks, and the time per 100,000 items.
``compare``   the same ``N`` items planned in memory by this checkout's
              ``ReorderPlanner(n_jobs=2).run`` and by the planner of another checkout
              (``--baseline-src``, e.g. the source tree of the commit before the chunked
              planner, run in a subprocess), in the same run: wall times and their ratio.
``overhead``  the scheduler's cost per task on a local cluster (no-op tasks), for the
              projection to a larger cluster.
``replicate`` a bigger shop from copies of a generated one (item, order, PO and customer ids
              relabelled per copy), part by part: ten copies of 100,000 items make a
              1,000,000-item input in minutes instead of the generator's half hour.

Figures, commands and the machine's load when they were taken: benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import psutil

GIB = 2**30


class PeakMemory:
    """Peak resident memory of this process plus its children (summed), sampled."""

    def __init__(self, every: float = 0.2) -> None:
        self.every = every
        self.peak_total = 0
        self.peak_child = 0
        self.child_cpu: dict[int, float] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        me = psutil.Process()
        while not self._stop.is_set():
            try:
                kids = me.children(recursive=True)
                rss_kids = []
                for k in kids:
                    try:
                        rss_kids.append(k.memory_info().rss)
                        t = k.cpu_times()
                        self.child_cpu[k.pid] = t.user + t.system
                    except psutil.Error:
                        pass
                total = me.memory_info().rss + sum(rss_kids)
                self.peak_total = max(self.peak_total, total)
                self.peak_child = max([self.peak_child, *rss_kids])
            except psutil.Error:
                pass
            time.sleep(self.every)

    def __enter__(self) -> PeakMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self._stop.set()
        self._thread.join()


def load_line() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f} {five:.2f} {fifteen:.2f}"


def cmd_generate(args: argparse.Namespace) -> dict[str, Any]:
    import resource

    from stockout_forecast import write_demo_parquet

    t0 = time.perf_counter()
    write_demo_parquet(
        args.out, args.items, args.days, random_state=args.seed, partition_items=args.partition
    )
    wall = time.perf_counter() - t0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    return {"items": args.items, "days": args.days, "wall_s": wall, "peak_rss_gib": peak / GIB}


def _client(workers: int, memory_limit: str) -> Any:
    if workers <= 0:
        return None
    from stockout_forecast.scale.distributed import local_cluster

    return local_cluster(workers, memory_limit=memory_limit)


def cmd_plan(args: argparse.Namespace) -> dict[str, Any]:
    import stockout_forecast as sof

    planner = sof.ReorderPlanner(
        n_paths=args.n_paths,
        n_jobs=args.n_jobs,
        chunk_size=args.chunk_size,
        memory_budget_mb=args.memory_budget_mb,
    )
    load_before = load_line()
    with PeakMemory() as mem:
        t0 = time.perf_counter()
        client = _client(args.workers, args.memory_limit)
        t_cluster = time.perf_counter() - t0
        try:
            tables = planner.write_plan(args.data, args.out, client=client, progress=_printer)
        finally:
            if client is not None:
                cluster = client.cluster
                client.close()
                cluster.close()
        wall = time.perf_counter() - t0
    t = tables["chunk_timings"]
    n_items = int(t["n_items"].sum())
    stages = {c: round(float(t[c].sum()), 2) for c in t.columns if c not in ("chunk", "n_items")}
    # wall and CPU seconds of the client's phases (the first pass runs here, one core)
    phases = {}
    ends = [*PHASES[1:], ("end", t0 + wall, float("nan"))]
    for (name, w0, c0), (_, w1, c1) in zip(PHASES, ends, strict=True):
        phases[name] = {"wall_s": round(w1 - w0, 2), "client_cpu_s": round(c1 - c0, 2)}
    return {
        "items": n_items,
        "workers": args.workers,
        "chunks": len(t),
        "wall_s": wall,
        "cluster_start_s": t_cluster,
        "s_per_100k_items": wall / n_items * 100_000,
        "peak_rss_total_gib": mem.peak_total / GIB,
        "peak_rss_largest_worker_gib": mem.peak_child / GIB,
        "stage_s_summed_over_chunks": stages,
        "client_phases": phases,
        "client_cpu_s": time.process_time(),
        "workers_cpu_s": round(sum(mem.child_cpu.values()), 1),
        "cpu_s_per_item_in_chunks": round(
            sum(v for k, v in stages.items() if k.endswith("(cpu)")) / max(n_items, 1), 5
        ),
        "purchase_orders": len(tables.get("purchase_orders", [])),
        "load_before": load_before,
        "load_after": load_line(),
    }


PHASES: list[tuple[str, float, float]] = []


def _printer(name: str, i: int, n: int) -> None:
    PHASES.append((name, time.perf_counter(), time.process_time()))
    print(f"  [{time.strftime('%H:%M:%S')}] {i}/{n} {name}", flush=True)


_BASELINE = """
import sys, time, json
import stockout_forecast as sof
ds = sof.read_dataset(sys.argv[1])
t0 = time.perf_counter()
plan = sof.ReorderPlanner(n_jobs=2).run(ds)
print(json.dumps({"wall_s": time.perf_counter() - t0, "items": len(plan.summary())}))
"""


def cmd_compare(args: argparse.Namespace) -> dict[str, Any]:
    import stockout_forecast as sof

    data = Path(args.out)
    if not any(data.glob("sales.*")):
        sof.write_dataset(
            sof.make_demo_dataset(args.items, args.days, random_state=args.seed), data
        )
    env = dict(os.environ, PYTHONPATH=str(Path(args.baseline_src).resolve()))
    ours, base = [], []
    for _ in range(args.repeat):
        ds = sof.read_dataset(data)
        t0 = time.perf_counter()
        plan = sof.ReorderPlanner(n_jobs=2).run(ds)
        ours.append(time.perf_counter() - t0)
        n = len(plan.summary())
        del plan, ds
        out = subprocess.run(
            [sys.executable, "-c", _BASELINE, str(data)], env=env, capture_output=True, text=True
        )
        if out.returncode:
            raise RuntimeError(out.stderr[-2000:])
        base.append(json.loads(out.stdout.strip().splitlines()[-1])["wall_s"])
        print(f"  ours {ours[-1]:.1f} s, baseline {base[-1]:.1f} s", flush=True)
    med = sorted(ours)[len(ours) // 2]
    med_b = sorted(base)[len(base) // 2]
    return {
        "items": n,
        "ours_s": ours,
        "baseline_s": base,
        "ours_median_s": med,
        "baseline_median_s": med_b,
        "speedup": med_b / med,
        "load": load_line(),
    }


def cmd_replicate(args: argparse.Namespace) -> dict[str, Any]:
    import pandas as pd

    src, out = Path(args.data), Path(args.out)
    t0 = time.perf_counter()
    n_src = len(pd.read_parquet(src / "items.parquet", columns=["item_id"]))
    width = len(str(n_src * args.copies - 1))
    for table in sorted(p.name for p in src.glob("*.parquet")):
        parts = sorted((src / table).glob("*.parquet"))
        (out / table).mkdir(parents=True, exist_ok=True)
        for k in range(args.copies):
            for part in parts:
                df = pd.read_parquet(part)
                num = df["item_id"].str.slice(4).astype("int64") + k * n_src
                df["item_id"] = "SKU-" + num.astype("str").str.zfill(width)
                for col in ("po_id", "order_id", "customer_id"):
                    if col in df.columns:
                        df[col] = f"R{k:02d}-" + df[col].astype("str")
                df.to_parquet(out / table / f"copy{k:02d}-{part.name}", index=False)
    return {"items": n_src * args.copies, "copies": args.copies, "wall_s": time.perf_counter() - t0}


def _noop(x: int) -> int:
    return x


def cmd_overhead(args: argparse.Namespace) -> dict[str, Any]:
    client = _client(args.workers, args.memory_limit)
    try:
        client.gather(client.map(_noop, range(100)))  # warm up
        t0 = time.perf_counter()
        client.gather(client.map(_noop, range(args.tasks)))
        per_task = (time.perf_counter() - t0) / args.tasks
    finally:
        cluster = client.cluster
        client.close()
        cluster.close()
    return {"workers": args.workers, "tasks": args.tasks, "s_per_task": per_task}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--json", help="append the result as one JSON line to this file")
    sub = p.add_subparsers(dest="cmd", required=True)
    g = sub.add_parser("generate")
    g.add_argument("--items", type=int, required=True)
    g.add_argument("--days", type=int, default=730)
    g.add_argument("--seed", type=int, default=20261126)
    g.add_argument("--partition", type=int, default=20_000)
    g.add_argument("--out", required=True)
    r = sub.add_parser("plan")
    r.add_argument("--data", required=True)
    r.add_argument("--out", required=True)
    r.add_argument("--workers", type=int, default=0)
    r.add_argument("--memory-limit", default="6GiB")
    r.add_argument("--n-paths", type=int, default=500)
    r.add_argument("--n-jobs", type=int, default=1)
    r.add_argument("--chunk-size", type=int)
    r.add_argument("--memory-budget-mb", type=float, default=1024.0)
    c = sub.add_parser("compare")
    c.add_argument("--items", type=int, default=10_000)
    c.add_argument("--days", type=int, default=730)
    c.add_argument("--seed", type=int, default=20261126)
    c.add_argument("--out", required=True, help="folder for the shared input data")
    c.add_argument("--baseline-src", required=True, help="src/ folder of the other checkout")
    c.add_argument("--repeat", type=int, default=3)
    rp = sub.add_parser("replicate")
    rp.add_argument("--data", required=True)
    rp.add_argument("--copies", type=int, default=10)
    rp.add_argument("--out", required=True)
    o = sub.add_parser("overhead")
    o.add_argument("--workers", type=int, default=2)
    o.add_argument("--tasks", type=int, default=2000)
    o.add_argument("--memory-limit", default="6GiB")
    args = p.parse_args()
    print(f"{args.cmd} started at {time.strftime('%Y-%m-%d %H:%M:%S')} ({load_line()})", flush=True)
    res = {
        "generate": cmd_generate,
        "plan": cmd_plan,
        "compare": cmd_compare,
        "overhead": cmd_overhead,
        "replicate": cmd_replicate,
    }[args.cmd](args)
    res = {"cmd": args.cmd, "at": time.strftime("%Y-%m-%d %H:%M:%S"), "argv": sys.argv[1:], **res}
    print(json.dumps(res, indent=1, default=str))
    if args.json:
        with open(args.json, "a", encoding="utf-8") as f:
            f.write(json.dumps(res, default=str) + "\n")


if __name__ == "__main__":
    main()

"""Speed and accuracy of ``forecast_demand(model="auto")`` against statsforecast, same data.

Data: ``stockout_forecast.datasets.make_demo_dataset(n_items=10_000, n_days=730, random_state=1)`` — the
demo generator's mix of fast, steady, trending, intermittent, lumpy, new and discontinued
items with stock-outs simulated day by day — turned into a daily panel by
``demand_history``. The last 28 days are held out; both sides see the first 702 days.

* **ours**: ``forecast_demand(history, "auto", horizon=28, n_windows=2,
  quantiles=(0.1, 0.5, 0.9))`` with its defaults: 12 candidate models (SES, damped Holt,
  moving average, Holt-Winters with day-of-week seasons, seasonal naive, SBA, TSB, IMAPA,
  ADIDA and the long-memory historic average, long moving average and slow SES; the
  daily forecasts of those without seasons spread by each item's weekday profile)
  backtested on 2 rolling windows, the best by MAE per item (class-shrunk), tested against
  the best long-memory level, refitted, calibrated quantiles for every day of the 28.
  Stock-out days are censored (not read as zero demand).
* **statsforecast** (separate virtualenv ``benchmarks/.venv-peer``, pandas < 3): AutoETS,
  CrostonOptimized, TSB, ADIDA, IMAPA, SeasonalNaive(7), each with ``level=[80, 95]``
  (conformal intervals for the four without model intervals), ``n_jobs=1``. It gets each
  item's daily sales from its first activity, stock-out days included as recorded (it has no
  notion of censoring). AutoETS costs ~0.17 CPU-s per series, so by default it runs on a
  seeded random subset of ``--ets-subset`` series and its time is extrapolated linearly to
  all series (stated in the output).

Both sides run as subprocesses (their peak resident memory includes loading the data).
MASE: per item, mean absolute error over the held-out days that were in stock, divided by
the in-sample mean absolute one-day difference over observed day pairs; averaged over items
with a positive scale. Ours is also scored on the AutoETS subset. Ours is scored twice from
the same run: the mean (``demand_mean``) and the median (``demand_p50``, the point that
minimises absolute error); statsforecast's models give means. The all-zero forecast is
scored as a reference. ``--metric`` / ``--combine`` pass those options to our
``forecast_demand`` (benchmark options; library defaults unchanged).

Usage (from the repository root)::

    .venv/bin/python benchmarks/bench_forecast.py [--n-items 10000] [--ets-subset 1000]
        [--no-peer] [--metric mae] [--combine 3] [--results DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
PEER_PY = ROOT / "benchmarks" / ".venv-peer" / "bin" / "python"
PEER_SCRIPT = ROOT / "benchmarks" / "peer" / "run_statsforecast.py"
RESULTS = ROOT / "benchmarks" / "results"
H = 28
PEER_MODELS = ("AutoETS", "CrostonOptimized", "TSB", "ADIDA", "IMAPA", "SeasonalNaive")


def prepare(n_items: int, n_days: int, seed: int, tmp: str) -> dict:
    """Generate the demo data, build training and full panels, save arrays and peer input."""
    from stockout_forecast.datasets import make_demo_dataset
    from stockout_forecast.history.demand import demand_history

    t0 = time.perf_counter()
    ds = make_demo_dataset(n_items=n_items, n_days=n_days, random_state=seed)
    full = demand_history(ds.sales, ds.stock_history, freq="D")
    cutoff = full.periods[-H - 1]
    sales_tr = ds.sales[ds.sales["date"] <= cutoff]
    stock_tr = ds.stock_history[ds.stock_history["date"] <= cutoff]
    train = demand_history(sales_tr, stock_tr, freq="D", as_of=cutoff, items=full.item_ids)
    assert (train.item_ids == full.item_ids).all()
    print(f"data: {time.perf_counter() - t0:.0f} s; {train!r}", flush=True)
    np.savez(
        os.path.join(tmp, "train.npz"),
        units=train.units,
        censored=train.censored,
        suspected=train.suspected,
        ids=train.item_ids.astype(str),
        start=str(train.periods[0].date()),
        as_of=str(train.as_of.date()),
    )
    # statsforecast input: sales from the first activity on, stock-out days as recorded
    u = np.maximum(train.units, 0.0)
    ii, tt = np.nonzero(np.isfinite(u))
    pd.DataFrame(
        {"unique_id": train.item_ids[ii].astype(str), "ds": train.periods[tt], "y": u[ii, tt]}
    ).to_parquet(os.path.join(tmp, "peer_train.parquet"), index=False)
    test_obs = full.observed[:, -H:]
    test = np.where(test_obs, np.maximum(np.nan_to_num(full.units[:, -H:]), 0.0), np.nan)
    return {
        "train_units": train.units,
        "train_observed": train.observed,
        "test": test,
        "ids": train.item_ids.astype(str),
        "periods": full.periods[-H:],
    }


def worker_ours(tmp: str, metric: str | None = None, combine: int | None = None) -> None:
    """Subprocess: load the training panel, run forecast_demand, save means, medians, timing."""
    from stockout_forecast.forecast.core import forecast_demand
    from stockout_forecast.history.panel import DemandHistory

    z = np.load(os.path.join(tmp, "train.npz"))
    ids = z["ids"]
    hist = DemandHistory(
        item_ids=ids,
        periods=pd.date_range(str(z["start"]), periods=z["units"].shape[1], freq="D"),
        freq="D",
        units=z["units"],
        censored=z["censored"],
        suspected=z["suspected"],
        as_of=pd.Timestamp(str(z["as_of"])),
        status=pd.DataFrame({"status": "ok", "reason": ""}, index=pd.Index(ids, name="item_id")),
    )
    kw: dict = {}
    if metric:
        kw["metric"] = metric
    if combine:
        kw["combine"] = combine
    t0, c0 = time.perf_counter(), time.process_time()
    fc = forecast_demand(
        hist, "auto", horizon=H, n_windows=2, quantiles=(0.1, 0.5, 0.9), random_state=0, **kw
    )
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    np.save(os.path.join(tmp, "ours_mean.npy"), fc.mean)
    np.save(os.path.join(tmp, "ours_p50.npy"), fc.quantile(0.5))
    info = {
        "wall_s": wall,
        "cpu_s": cpu,
        "peak_rss_mib": peak_rss_mib(),
        "models": {str(k): int(v) for k, v in pd.Series(fc.model).value_counts().items()},
        "status": {str(k): int(v) for k, v in fc.status["status"].value_counts().items()},
        "repr": repr(fc),
    }
    with open(os.path.join(tmp, "ours.json"), "w") as fh:
        json.dump(info, fh)


def mase(
    test: np.ndarray,
    mean: np.ndarray,
    train: np.ndarray,
    obs: np.ndarray,
    rows: np.ndarray | None = None,
) -> tuple[float, int]:
    """Mean over items of MASE (naive in-sample scale); and the number of items scored."""
    return accuracy(test, mean, train, obs, rows)["mase"], accuracy(test, mean, train, obs, rows)[
        "n"
    ]


def accuracy(
    test: np.ndarray,
    mean: np.ndarray,
    train: np.ndarray,
    obs: np.ndarray,
    rows: np.ndarray | None = None,
) -> dict:
    """MASE, RMSSE (means over items with a positive scale) and bias sum(f - y) / sum(y)."""
    from stockout_forecast.forecast.backtest import naive_scales

    y = np.maximum(np.nan_to_num(train), 0.0)
    scale, scale_sq = naive_scales(y, obs, 1)
    ok = np.isfinite(test) & np.isfinite(mean)
    n = ok.sum(axis=1)
    e = np.where(ok, mean - test, 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        m = np.abs(e).sum(axis=1) / n / scale
        r = np.sqrt((e * e).sum(axis=1) / n / scale_sq)
    good = (scale > 0) & (n > 0) & np.isfinite(m)
    if rows is not None:
        good &= rows
    return {
        "mase": float(np.mean(m[good])),
        "rmsse": float(np.mean(r[good])),
        "bias": float(e[good].sum() / np.where(ok, test, 0.0)[good].sum()),
        "n": int(good.sum()),
    }


def defaults_label() -> str:
    """forecast_demand's selection defaults, in words (for the table)."""
    import inspect

    from stockout_forecast.forecast.core import CANDIDATES, forecast_demand

    d = {k: v.default for k, v in inspect.signature(forecast_demand).parameters.items()}
    k = d["combine"]
    best = "best model" if k is None else f"best {k} averaged"
    return (
        f"{len(CANDIDATES)} candidates, {best} by {d['metric'].upper()}, "
        f"{d['n_windows']} windows, long-memory margin {d['long_memory_margin']}"
    )


def peak_rss_mib() -> float:
    """Peak resident memory of this process (VmHWM; ru_maxrss would include the parent's)."""
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024.0
    return float("nan")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--n-items", type=int, default=10_000)
    p.add_argument("--n-days", type=int, default=730)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument(
        "--ets-subset",
        type=int,
        default=1000,
        help="series for AutoETS (0 = all); its time is scaled to all series",
    )
    p.add_argument("--no-peer", action="store_true")
    p.add_argument("--metric", default=None, help="selection metric for ours (default: library's)")
    p.add_argument("--combine", type=int, default=None, help="average the best k models per item")
    p.add_argument("--results", default=str(RESULTS), help="folder for forecast.md/.json")
    p.add_argument("--worker", default="", help=argparse.SUPPRESS)
    a = p.parse_args(argv)
    if a.worker:
        worker_ours(a.worker, a.metric, a.combine)
        return 0
    if not a.no_peer and not PEER_PY.exists():
        print(
            f"statsforecast venv missing ({PEER_PY}); run `make bench-peer` or use --no-peer.",
            file=sys.stderr,
        )
        return 2
    with tempfile.TemporaryDirectory() as tmp:
        d = prepare(a.n_items, a.n_days, a.seed, tmp)
        n = len(d["ids"])
        cmd_ours = [sys.executable, __file__, "--worker", tmp]
        if a.metric:
            cmd_ours += ["--metric", a.metric]
        if a.combine:
            cmd_ours += ["--combine", str(a.combine)]
        subprocess.run(cmd_ours, check=True)
        ours = json.loads(Path(os.path.join(tmp, "ours.json")).read_text())
        ours_mean = np.load(os.path.join(tmp, "ours_mean.npy"))
        ours_p50 = np.load(os.path.join(tmp, "ours_p50.npy"))
        rng = np.random.default_rng(0)
        sub_n = n if a.ets_subset <= 0 else min(a.ets_subset, n)
        subset = np.zeros(n, bool)
        subset[rng.choice(n, size=sub_n, replace=False)] = True
        acc = accuracy(d["test"], ours_mean, d["train_units"], d["train_observed"])
        ours["mase"], ours["n_scored"] = acc["mase"], acc["n"]
        ours["rmsse"], ours["bias"] = acc["rmsse"], acc["bias"]
        acc_sub = accuracy(d["test"], ours_mean, d["train_units"], d["train_observed"], subset)
        ours["rmsse_ets_subset"], ours["bias_ets_subset"] = acc_sub["rmsse"], acc_sub["bias"]
        ours["mase_ets_subset"], _ = mase(
            d["test"], ours_mean, d["train_units"], d["train_observed"], subset
        )
        # the same scores for our median forecast (demand_p50) and the all-zero forecast
        for key, f in (("p50", ours_p50), ("zero", np.zeros_like(ours_mean))):
            for tag, rows in (("", None), ("_ets_subset", subset)):
                acc_f = accuracy(d["test"], f, d["train_units"], d["train_observed"], rows)
                for m in ("mase", "rmsse", "bias"):
                    ours[f"{m}_{key}{tag}"] = acc_f[m]
        peer = {}
        if not a.no_peer:
            sub_file = os.path.join(tmp, "ets_ids.csv")
            pd.DataFrame({"unique_id": d["ids"][subset]}).to_csv(sub_file, index=False)
            cmd = [
                str(PEER_PY),
                str(PEER_SCRIPT),
                "--train",
                os.path.join(tmp, "peer_train.parquet"),
                "--out",
                os.path.join(tmp, "peer_fc.parquet"),
                "--timing",
                os.path.join(tmp, "peer.json"),
                "--h",
                str(H),
                "--freq",
                "D",
                "--season-length",
                "7",
                "--models",
                ",".join(PEER_MODELS),
            ]
            if sub_n < n:
                cmd += ["--subset", f"AutoETS={sub_file}"]
            t0 = time.perf_counter()
            subprocess.run(cmd, check=True)
            peer_wall_total = time.perf_counter() - t0
            timing = json.loads(Path(os.path.join(tmp, "peer.json")).read_text())
            fc = pd.read_parquet(os.path.join(tmp, "peer_fc.parquet"))
            pos = pd.Index(d["ids"]).get_indexer(fc["unique_id"].astype(str))
            step = pd.Index(d["periods"]).get_indexer(pd.DatetimeIndex(fc["ds"]))
            for name in PEER_MODELS:
                sel = (fc["model"] == name).to_numpy()
                mean = np.full((n, H), np.nan)
                mean[pos[sel], step[sel]] = np.maximum(fc.loc[sel, "mean"].to_numpy(float), 0.0)
                t = timing[name]
                scale = t["n_series_total"] / t["n_series"]
                r = {
                    "n_series_run": t["n_series"],
                    "wall_s_run": t["wall_s"],
                    "cpu_s_run": t["cpu_s"],
                    "cpu_s_all": t["cpu_s"] * scale,
                    "wall_s_all": t["wall_s"] * scale,
                    "extrapolated": scale != 1.0,
                }
                rows_sub = subset if t["n_series"] < n else None
                acc = accuracy(d["test"], mean, d["train_units"], d["train_observed"], rows_sub)
                r["mase"], r["rmsse"], r["bias"], r["n_scored"] = (
                    acc["mase"],
                    acc["rmsse"],
                    acc["bias"],
                    acc["n"],
                )
                peer[name] = r
            peer["peak_rss_mib"] = timing["peak_rss_mib"]
            peer["wall_s_process"] = peer_wall_total
    opts = "".join(f", {k} {v}" for k, v in (("metric", a.metric), ("combine", a.combine)) if v)
    lines = [
        f"## bench_forecast: {n:,} daily series x {a.n_days} days (last {H} held out)",
        "",
        "Point forecast scored: ours *mean* (`demand_mean`) and ours *median* (`demand_p50`, "
        "the MAE-optimal point of the predictive distribution); statsforecast's models give "
        "mean forecasts only.",
        "",
        "| method | series run | wall s | CPU s | CPU s (all series) | peak RSS MiB "
        "| MASE | RMSSE | bias |",
        "|---|---|---|---|---|---|---|---|---|",
        f"| ours auto, mean ({defaults_label()}, quantiles{opts}) | {n:,} | "
        f"{ours['wall_s']:.1f} | "
        f"{ours['cpu_s']:.1f} | {ours['cpu_s']:.1f} | {ours['peak_rss_mib']:.0f} | "
        f"{ours['mase']:.3f} | {ours['rmsse']:.3f} | {ours['bias']:+.3f} |",
        f"| ours auto, median (same run) | | | | | | {ours['mase_p50']:.3f} | "
        f"{ours['rmsse_p50']:.3f} | {ours['bias_p50']:+.3f} |",
        f"| ours auto, mean, scored on the AutoETS subset | | | | | | "
        f"{ours['mase_ets_subset']:.3f} | {ours['rmsse_ets_subset']:.3f} | "
        f"{ours['bias_ets_subset']:+.3f} |",
        f"| ours auto, median, scored on the AutoETS subset | | | | | | "
        f"{ours['mase_p50_ets_subset']:.3f} | {ours['rmsse_p50_ets_subset']:.3f} | "
        f"{ours['bias_p50_ets_subset']:+.3f} |",
        f"| all-zero forecast (reference) | | | | | | {ours['mase_zero']:.3f} | "
        f"{ours['rmsse_zero']:.3f} | {ours['bias_zero']:+.3f} |",
    ]
    for name in PEER_MODELS if peer else ():
        r = peer[name]
        ex = " (extrapolated)" if r["extrapolated"] else ""
        sub = " (subset)" if r["extrapolated"] else ""
        lines.append(
            f"| statsforecast {name} | {r['n_series_run']:,} | {r['wall_s_run']:.1f} | "
            f"{r['cpu_s_run']:.1f} | {r['cpu_s_all']:.0f}{ex} | {peer['peak_rss_mib']:.0f}* | "
            f"{r['mase']:.3f}{sub} | {r['rmsse']:.3f} | {r['bias']:+.3f} |"
        )
    if peer:
        ets = peer["AutoETS"]
        lines += [
            "",
            "*peak RSS of the statsforecast process over all six models.",
            f"Speed ratio, AutoETS CPU time on all series / ours: "
            f"{ets['cpu_s_all'] / ours['cpu_s']:.0f}x (CPU), wall "
            f"{ets['wall_s_all'] / ours['wall_s']:.0f}x.",
        ]
    lines += ["", f"ours chose: {ours['models']}", f"status: {ours['status']}"]
    text = "\n".join(lines)
    print(text)
    out = Path(a.results)
    out.mkdir(parents=True, exist_ok=True)
    (out / "forecast.md").write_text(text + "\n")
    (out / "forecast.json").write_text(json.dumps({"ours": ours, "peer": peer}, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

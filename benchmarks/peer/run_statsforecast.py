"""Run statsforecast models on a panel and write their forecasts: the peer side of the benchmarks.

Runs inside the separate virtualenv ``benchmarks/.venv-peer`` (statsforecast needs pandas < 3;
stockout_forecast needs pandas >= 3), started as a subprocess by ``bench_forecast.py`` and
``bench_accuracy.py``. Data are exchanged as Parquet files in a temporary directory.

Input  (``--train``): Parquet with columns unique_id (str), ds (datetime), y (float), no gaps.
Output (``--out``):   Parquet, long: unique_id, ds, model, mean, lo_80, hi_80, lo_95, hi_95.
Timing (``--timing``): JSON per model: wall_s, cpu_s, n_series, and peak_rss_mib (VmHWM) of
the process.

Intervals: AutoETS and SeasonalNaive give their own (model-based) intervals; Croston, TSB,
ADIDA and IMAPA have none, so conformal intervals (``ConformalIntervals(h, n_windows=2)``)
are used for them, as statsforecast documents; series shorter than ``2 * h + 1`` (too short
for those) get point forecasts only. ``--no-intervals`` asks for point forecasts only.
"""

from __future__ import annotations

import argparse
import json
import time

import pandas as pd
from statsforecast import StatsForecast
from statsforecast.models import (
    ADIDA,
    IMAPA,
    TSB,
    AutoETS,
    CrostonOptimized,
    SeasonalNaive,
)
from statsforecast.utils import ConformalIntervals


def peak_rss_mib() -> float:
    """Peak resident memory of this process (VmHWM; ru_maxrss would include the parent's)."""
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024.0
    return float("nan")


def build(name: str, season_length: int, h: int, intervals: bool = True):
    conformal = ConformalIntervals(h=h, n_windows=2) if intervals else None
    if name == "AutoETS":
        return AutoETS(season_length=season_length)
    if name == "SeasonalNaive":
        return SeasonalNaive(season_length=season_length)
    if name == "CrostonOptimized":
        return CrostonOptimized(prediction_intervals=conformal)
    if name == "TSB":
        return TSB(alpha_d=0.2, alpha_p=0.2, prediction_intervals=conformal)
    if name == "ADIDA":
        return ADIDA(prediction_intervals=conformal)
    if name == "IMAPA":
        return IMAPA(prediction_intervals=conformal)
    raise ValueError(f"unknown model {name!r}")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--train", required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--timing", required=True)
    p.add_argument("--h", type=int, required=True)
    p.add_argument("--freq", required=True, help="pandas frequency of ds, e.g. D, W-WED, MS")
    p.add_argument("--season-length", type=int, required=True)
    p.add_argument("--models", default="AutoETS,CrostonOptimized,TSB,ADIDA,IMAPA,SeasonalNaive")
    p.add_argument("--subset", default="", help="model=file: run that model on the ids in file")
    p.add_argument("--n-jobs", type=int, default=1)
    p.add_argument("--no-intervals", action="store_true", help="point forecasts only")
    a = p.parse_args()

    train = pd.read_parquet(a.train)
    train["unique_id"] = train["unique_id"].astype(str)
    subsets = {}
    for spec in filter(None, a.subset.split(",")):
        model, path = spec.split("=", 1)
        subsets[model] = set(pd.read_csv(path, dtype=str)["unique_id"])
    outs, timing = [], {}
    for name in a.models.split(","):
        df = train
        if name in subsets:
            df = train[train["unique_id"].isin(subsets[name])]
        t0, c0 = time.perf_counter(), time.process_time()
        if a.no_intervals:
            sf = StatsForecast(
                models=[build(name, a.season_length, a.h, False)], freq=a.freq, n_jobs=a.n_jobs
            )
            fc = sf.forecast(df=df, h=a.h)
        else:
            # conformal intervals need 2 * h + 1 observations: shorter series get none
            size = df.groupby("unique_id")["y"].transform("size")
            conformal = name not in ("AutoETS", "SeasonalNaive")
            long_enough = (size > 2 * a.h) | (not conformal)
            parts = []
            for ok, part in ((True, df[long_enough]), (False, df[~long_enough])):
                if part.empty:
                    continue
                model = build(name, a.season_length, a.h, ok)
                sf = StatsForecast(models=[model], freq=a.freq, n_jobs=a.n_jobs)
                parts.append(sf.forecast(df=part, h=a.h, level=[80, 95] if ok else None))
            fc = pd.concat(parts, ignore_index=True)
        wall, cpu = time.perf_counter() - t0, time.process_time() - c0
        col = next(
            c
            for c in fc.columns
            if c not in ("unique_id", "ds") and "-lo-" not in c and "-hi-" not in c
        )
        out = pd.DataFrame(
            {
                "unique_id": fc["unique_id"].astype(str),
                "ds": fc["ds"],
                "model": name,
                "mean": fc[col],
                "lo_80": fc.get(f"{col}-lo-80"),
                "hi_80": fc.get(f"{col}-hi-80"),
                "lo_95": fc.get(f"{col}-lo-95"),
                "hi_95": fc.get(f"{col}-hi-95"),
            }
        )
        outs.append(out)
        timing[name] = {
            "wall_s": wall,
            "cpu_s": cpu,
            "n_series": int(df["unique_id"].nunique()),
            "n_series_total": int(train["unique_id"].nunique()),
        }
        print(
            f"{name}: {timing[name]['n_series']} series, wall {wall:.1f} s, cpu {cpu:.1f} s",
            flush=True,
        )
    pd.concat(outs, ignore_index=True).to_parquet(a.out, index=False)
    timing["peak_rss_mib"] = peak_rss_mib()
    with open(a.timing, "w") as fh:
        json.dump(timing, fh, indent=2)


if __name__ == "__main__":
    main()

"""Run statsforecast models on a panel and write their forecasts: the peer side of the benchmarks.

Runs inside the separate virtualenv ``benchmarks/.venv-peer`` (statsforecast needs pandas < 3;
stockout_forecast needs pandas >= 3), started as a subprocess by ``bench_forecast.py`` and
``bench_accuracy.py``. Data are exchanged as Parquet files in a temporary directory.

Input  (``--train``): Parquet with columns unique_id (str), ds (datetime), y (float), no gaps.
Output (``--out``):   Parquet, long: unique_id, ds, model, mean, lo_80, hi_80, lo_95, hi_95.
Timing (``--timing``): JSON per model: wall_s, cpu_s, n_series, and peak_rss_mib (VmHWM) of
the process.

AutoETS: statsforecast's ETS cannot fit series of 11 observations or fewer ("tiny
datasets"); those get HistoricAverage forecasts under AutoETS's name, counted in the timing
file as ``n_short_historic_average``.

Intervals: AutoETS, SeasonalNaive and HistoricAverage give their own (model-based) intervals;
Croston, TSB, ADIDA and IMAPA have none, so conformal intervals (``ConformalIntervals(h, n_windows=2)``)
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
    HistoricAverage,
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
    if name == "HistoricAverage":
        return HistoricAverage()
    raise ValueError(f"unknown model {name!r}")


#: statsforecast's ETS refuses series of <= parameters + 4 observations ("tiny datasets"):
#: up to 7 parameters with trend, damping and seasons
ETS_MIN_OBS = 11


def _ets_short_series(fc: pd.DataFrame, df: pd.DataFrame, a: argparse.Namespace):
    """HistoricAverage forecasts, under AutoETS's name, for the series of ``df`` too short for ETS."""
    size = df.groupby("unique_id")["y"].transform("size")
    short = df[size <= ETS_MIN_OBS]
    if short.empty:
        return fc, 0
    sf = StatsForecast(models=[HistoricAverage(alias="AutoETS")], freq=a.freq, n_jobs=a.n_jobs)
    level = None if a.no_intervals else [80, 95]
    extra = sf.forecast(df=short, h=a.h, level=level)
    return pd.concat([fc, extra], ignore_index=True), int(short["unique_id"].nunique())


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--train", required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--timing", required=True)
    p.add_argument("--h", type=int, required=True)
    p.add_argument("--freq", required=True, help="pandas frequency of ds, e.g. D, W-WED, MS")
    p.add_argument("--season-length", type=int, required=True)
    p.add_argument(
        "--models",
        default="AutoETS,CrostonOptimized,TSB,ADIDA,IMAPA,SeasonalNaive,HistoricAverage",
    )
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
        df_all = df
        if name == "AutoETS":  # too short for any ETS model: forecast apart, see below
            size = df.groupby("unique_id")["y"].transform("size")
            df = df[size > ETS_MIN_OBS]
        if a.no_intervals:
            sf = StatsForecast(
                models=[build(name, a.season_length, a.h, False)], freq=a.freq, n_jobs=a.n_jobs
            )
            fc = sf.forecast(df=df, h=a.h)
        else:
            # conformal intervals need 2 * h + 1 observations: shorter series get none
            size = df.groupby("unique_id")["y"].transform("size")
            conformal = name not in ("AutoETS", "SeasonalNaive", "HistoricAverage")
            long_enough = (size > 2 * a.h) | (not conformal)
            parts = []
            for ok, part in ((True, df[long_enough]), (False, df[~long_enough])):
                if part.empty:
                    continue
                model = build(name, a.season_length, a.h, ok)
                sf = StatsForecast(models=[model], freq=a.freq, n_jobs=a.n_jobs)
                parts.append(sf.forecast(df=part, h=a.h, level=[80, 95] if ok else None))
            fc = pd.concat(parts, ignore_index=True)
        n_short = 0
        if name == "AutoETS":
            fc, n_short = _ets_short_series(fc, df_all, a)
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
            "n_series": int(df["unique_id"].nunique()) + n_short,
            "n_short_historic_average": n_short,
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

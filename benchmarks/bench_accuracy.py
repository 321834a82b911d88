"""Forecast accuracy and calibration on real demand data, ours against statsforecast.

Datasets (read from ``../shared/data`` relative to the repository root; the benchmark skips
cleanly, exit code 0, when the folder is absent). Each dataset's SOURCE.md describes it.

============  ========  =========  ===========================================================
dataset       freq      held out   series
============  ========  =========  ===========================================================
carparts      monthly   last 12    2,509 complete series (51 months)
raf           monthly   last 12    5,000 series (84 months)
refinery      monthly   last 12    7,024 series (56 months); negatives clipped to 0;
                                   1997-11 masked as censored (the source says its values
                                   are unreliable); statsforecast gets 0 there
dunnhumby     weekly    last 13    store x item series with >= 52 weeks of history before
                                   the held-out weeks; weeks without a row are 0 sales
============  ========  =========  ===========================================================

Metrics per item on the held-out periods, then averaged over items (items whose in-sample
scale is 0 are left out of the scaled means, and counted):

* MASE: MAE / in-sample mean absolute one-period difference (naive scale);
* MASE_s: the same with the seasonal-naive scale (lag 12 monthly, 52 weekly), the
  convention of the published carparts figures;
* RMSSE: RMSE / sqrt(in-sample mean squared one-period difference);
* SPL: pinball loss averaged over the levels 0.025, 0.1, 0.5, 0.9, 0.975, divided by the
  naive scale (for statsforecast the 80 %/95 % interval bounds and the point forecast as
  the median);
* bias: sum(forecast - actual) / sum(actual) over all items;
* cov80, cov95: share of held-out actuals inside the central 80 %/95 % interval;
* PIT80, PIT95 (ours only): the non-randomised PIT coverage of Czado et al. (2009), which
  equals the nominal level for a calibrated count forecast however discrete the demand
  (plain coverage of an integer interval is at least nominal by construction);
* cum80, cum95 (ours only): share of items whose held-out *total* lies in the central
  80 %/95 % interval of the totals of 1,000 sample paths (the dependence over time that
  stock-out dates need; statsforecast gives no interval for a sum).

Ours is scored with two point forecasts from the same run: the *mean* (``demand_mean``, the
default point forecast, unbiased for cumulative demand) and the *median* (``demand_p50``): the
point that minimises expected absolute error, so the one MASE rewards (Kolassa 2016).
statsforecast's models give mean forecasts. The *all-zero forecast* is scored as a reference:
on mostly-zero data it beats every mean forecast on MASE, and a median near 0 does the same,
which says nothing about skill. Probabilistic scores (SPL, coverage) belong to the predictive
distribution, not to either point, and are given once.

``--variants`` adds two other ways of getting the predictive distribution around the same
mean forecasts: the negative binomial with the in-sample one-step dispersion (periods
independent) and empirical per-horizon quantiles of standardised backtest residuals.

statsforecast forecasts (means and interval bounds) are clipped at 0 before scoring, which
can only help them.

Usage::

    .venv/bin/python benchmarks/bench_accuracy.py [--datasets carparts,raf,...] [--no-peer]
        [--variants] [--metric mae] [--combine 3] [--results DIR]

``--metric`` and ``--combine`` pass the selection metric and the number of models averaged
per item to ``forecast_demand`` (benchmark options; the library defaults are unchanged).

The statsforecast side runs in ``benchmarks/.venv-peer`` (see benchmarks/README.md).
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

from stockout_forecast.forecast import _distribution as dist
from stockout_forecast.forecast import history_from_array
from stockout_forecast.forecast.backtest import naive_scales
from stockout_forecast.forecast.core import forecast_demand

ROOT = Path(__file__).resolve().parents[1]
DATA = (ROOT / ".." / "shared" / "data").resolve()
PEER_PY = ROOT / "benchmarks" / ".venv-peer" / "bin" / "python"
PEER_SCRIPT = ROOT / "benchmarks" / "peer" / "run_statsforecast.py"
RESULTS = ROOT / "benchmarks" / "results"
LEVELS = (0.025, 0.1, 0.5, 0.9, 0.975)
PEER_MODELS = ("AutoETS", "CrostonOptimized", "TSB", "ADIDA", "IMAPA", "SeasonalNaive")


# --------------------------------------------------------------------------- data
def _wide(df: pd.DataFrame, key: str, freq: str) -> tuple[np.ndarray, np.ndarray, pd.DatetimeIndex]:
    periods = pd.date_range(df["date"].min(), df["date"].max(), freq=freq)
    w = df.pivot_table(index=key, columns="date", values="quantity", aggfunc="sum")
    w = w.reindex(columns=periods)
    return w.to_numpy(dtype=float), w.index.astype(str).to_numpy(), periods


def load(name: str) -> dict:
    """Wide panel of one dataset: units (n, T), ids, periods, freq, horizon, season, censored."""
    if name == "carparts":
        df = pd.read_csv(
            DATA / "carparts" / "carparts_monthly.csv.gz",
            dtype={"item_id": str},
            parse_dates=["date"],
        )
        size = df.groupby("item_id").size()
        df = df[df["item_id"].isin(size[size == 51].index)]
        units, ids, periods = _wide(df, "item_id", "MS")
        return dict(
            units=units,
            ids=ids,
            periods=periods,
            freq="M",
            pfreq="MS",
            h=12,
            season=12,
            censored=np.zeros(units.shape, bool),
        )
    if name == "raf":
        df = pd.read_csv(
            DATA / "raf_spare_parts" / "raf_demand_monthly.csv.gz",
            dtype={"item_id": str},
            parse_dates=["date"],
        )
        units, ids, periods = _wide(df, "item_id", "MS")
        return dict(
            units=units,
            ids=ids,
            periods=periods,
            freq="M",
            pfreq="MS",
            h=12,
            season=12,
            censored=np.zeros(units.shape, bool),
        )
    if name == "refinery":
        df = pd.read_csv(
            DATA / "refinery_spare_parts" / "refinery_demand_monthly.csv.gz",
            dtype={"item_id": str},
            parse_dates=["date"],
        )
        units, ids, periods = _wide(df, "item_id", "MS")
        units = np.maximum(units, 0.0)
        cens = np.zeros(units.shape, bool)
        cens[:, periods.get_loc(pd.Timestamp("1997-11-01"))] = True
        return dict(
            units=units,
            ids=ids,
            periods=periods,
            freq="M",
            pfreq="MS",
            h=12,
            season=12,
            censored=cens,
        )
    if name == "dunnhumby":
        df = pd.read_csv(
            DATA / "dunnhumby_breakfast_at_the_frat" / "frat_weekly.csv.gz",
            dtype={"store_id": str, "item_id": str},
            parse_dates=["date"],
        )
        df = df.assign(key=df["store_id"] + "_" + df["item_id"])
        units, ids, periods = _wide(df, "key", "W-WED")
        first = np.argmax(np.isfinite(units), axis=1)
        t_len, h = units.shape[1], 13
        keep = first <= t_len - h - 52
        units, ids = units[keep], ids[keep]
        t = np.arange(t_len)[None, :]
        units = np.where(t >= first[keep][:, None], np.nan_to_num(units, nan=0.0), np.nan)
        units = np.maximum(units, 0.0)
        return dict(
            units=units,
            ids=ids,
            periods=periods,
            freq="W",
            pfreq="W-WED",
            h=h,
            season=52,
            censored=np.zeros(units.shape, bool),
        )
    raise ValueError(name)


# --------------------------------------------------------------------------- scoring
def score(
    y: np.ndarray,
    mean: np.ndarray,
    q: dict[float, np.ndarray],
    train: np.ndarray,
    train_mask: np.ndarray,
    season: int,
) -> dict[str, float]:
    """Aggregate metrics (see the module docstring). ``q`` maps level -> (n, h) quantiles."""
    s1, s1sq = naive_scales(np.nan_to_num(train), train_mask, 1)
    ss, _ = naive_scales(np.nan_to_num(train), train_mask, season)
    ok = np.isfinite(y)
    e = np.where(ok, mean - y, 0.0)
    n_t = ok.sum(axis=1)
    mae = np.abs(e).sum(axis=1) / n_t
    rmse = np.sqrt((e * e).sum(axis=1) / n_t)
    pin = np.zeros(len(y))
    for lv in LEVELS:
        u = np.where(ok, y - q[lv], 0.0)
        pin += np.maximum(lv * u, (lv - 1.0) * u).sum(axis=1)
    pin /= len(LEVELS) * n_t

    def avg(num: np.ndarray, den: np.ndarray) -> float:
        good = (den > 0) & np.isfinite(num) & np.isfinite(den)
        return float(np.mean(num[good] / den[good])) if good.any() else float("nan")

    inside80 = (q[0.1] <= y) & (y <= q[0.9])
    inside95 = (q[0.025] <= y) & (y <= q[0.975])
    return {
        "mase": avg(mae, s1),
        "mase_seasonal": avg(mae, ss),
        "rmsse": avg(rmse, np.sqrt(s1sq)),
        "spl": avg(pin, s1),
        "bias": float(e.sum() / np.where(ok, y, 0.0).sum()),
        "cov80": float(inside80[ok].mean()),
        "cov95": float(inside95[ok].mean()),
        "n_items": len(y),
        "n_scaled": int(((s1 > 0) & (n_t > 0)).sum()),
    }


# --------------------------------------------------------------------------- runners
def cumulative_coverage(fc, test: np.ndarray) -> dict[str, float]:
    """Coverage of the held-out total by the 80 %/95 % intervals of the sample-path totals.

    Items whose held-out periods were all observed; 1,000 paths per item, seed 0.
    """
    ok = np.isfinite(test).all(axis=1) & np.isfinite(fc.mean).all(axis=1)
    cq = fc.cumulative_quantiles((0.025, 0.1, 0.9, 0.975), n_paths=1000, random_state=0)
    tot = np.nansum(test, axis=1)
    c80 = (cq[:, 1, -1] <= tot) & (tot <= cq[:, 2, -1])
    c95 = (cq[:, 0, -1] <= tot) & (tot <= cq[:, 3, -1])
    return {"cum80": float(c80[ok].mean()), "cum95": float(c95[ok].mean())}


def run_ours(d: dict, **kw) -> tuple[dict, dict]:
    units, h = d["units"], d["h"]
    train, test = units[:, :-h], units[:, -h:]
    cens = d["censored"][:, :-h]
    hist = history_from_array(
        train, start=d["periods"][0], freq=d["freq"], censored=cens, item_ids=d["ids"]
    )
    t0, c0 = time.perf_counter(), time.process_time()
    fc = forecast_demand(hist, "auto", horizon=h, quantiles=LEVELS, random_state=0, **kw)
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    q = {lv: fc.quantiles[:, j] for j, lv in enumerate(fc.quantile_levels)}
    res = score(test, fc.mean, q, train, hist.observed, d["season"])
    # point metrics of the median (demand_p50) and of the all-zero forecast, same items
    point = ("mase", "mase_seasonal", "rmsse", "bias")
    med = score(test, q[0.5], q, train, hist.observed, d["season"])
    zero = score(test, np.zeros_like(test), q, train, hist.observed, d["season"])
    extra = {"median": {k: med[k] for k in point}, "zero": {k: zero[k] for k in point}}
    res["pit80"] = float(
        np.nanmean(dist.pit_coverage(test, fc.mean, fc.dispersion, fc.count, 0.1, 0.9))
    )
    res["pit95"] = float(
        np.nanmean(dist.pit_coverage(test, fc.mean, fc.dispersion, fc.count, 0.025, 0.975))
    )
    res.update(cumulative_coverage(fc, test))
    res["wall_s"], res["cpu_s"] = wall, cpu
    models = pd.Series(fc.model).value_counts().to_dict()
    return res, {
        **extra,
        "models": {str(k): int(v) for k, v in models.items()},
        "status": fc.status["status"].value_counts().to_dict(),
    }


def empirical_quantiles(d: dict, internals: dict, mean: np.ndarray) -> dict[float, np.ndarray]:
    """Per-horizon empirical quantiles from the backtest residuals (the alternative method).

    Standardised residuals ``z = (y - f) / sqrt(max(f, 0.05))`` of the leave-one-window-out
    backtest forecasts are pooled per horizon step and volume class (quintiles of the mean
    observed demand); ``Q_q = ceil(f + z_q sqrt(max(f, 0.05)))`` clipped at 0.
    """
    from stockout_forecast.forecast.selection import volume_groups

    arr, f_bt = internals["backtest"], internals["f_bt"]
    train = d["units"][:, : -d["h"]]
    obs = np.isfinite(train) & ~d["censored"][:, : -d["h"]]
    groups = volume_groups(np.where(obs, np.maximum(np.nan_to_num(train), 0), 0.0), obs)
    ok = arr.mask & np.isfinite(f_bt)
    sd = np.sqrt(np.maximum(f_bt, 0.05))
    z = np.where(ok, (arr.y - f_bt) / sd, np.nan)
    sd_new = np.sqrt(np.maximum(mean, 0.05))
    out = {}
    for lv in LEVELS:
        q = np.full(mean.shape, np.nan)
        for g in np.unique(groups):
            rows = groups == g
            zq = np.nanquantile(z[rows].transpose(2, 0, 1).reshape(mean.shape[1], -1), lv, axis=1)
            q[rows] = mean[rows] + zq[None, :] * sd_new[rows]
        out[lv] = np.maximum(np.ceil(q - 1e-9), 0.0)
    return out


def run_ours_variants(d: dict) -> dict[str, dict]:
    """The two other ways to get the predictive distribution, scored the same way."""
    from stockout_forecast.forecast.core import _forecast_demand

    units, h = d["units"], d["h"]
    train, test = units[:, :-h], units[:, -h:]
    hist = history_from_array(
        train,
        start=d["periods"][0],
        freq=d["freq"],
        censored=d["censored"][:, :-h],
        item_ids=d["ids"],
    )
    rows = {}
    fc, internals = _forecast_demand(hist, "auto", horizon=h, quantiles=LEVELS, random_state=0)
    q = empirical_quantiles(d, internals, fc.mean)
    rows["ours: empirical per-horizon quantiles"] = score(
        test, fc.mean, q, train, hist.observed, d["season"]
    )
    fc_in = forecast_demand(
        hist, "auto", horizon=h, quantiles=LEVELS, random_state=0, calibration="insample"
    )
    q_in = {lv: fc_in.quantiles[:, j] for j, lv in enumerate(fc_in.quantile_levels)}
    r = score(test, fc_in.mean, q_in, train, hist.observed, d["season"])
    r["pit80"] = float(
        np.nanmean(dist.pit_coverage(test, fc_in.mean, fc_in.dispersion, fc_in.count, 0.1, 0.9))
    )
    r["pit95"] = float(
        np.nanmean(dist.pit_coverage(test, fc_in.mean, fc_in.dispersion, fc_in.count, 0.025, 0.975))
    )
    r.update(cumulative_coverage(fc_in, test))
    rows["ours: NB, in-sample dispersion"] = r
    return rows


def run_peer(d: dict, models: tuple[str, ...] = PEER_MODELS) -> dict[str, dict]:
    units, h = d["units"], d["h"]
    train = units[:, :-h].copy()
    test = units[:, -h:]
    cens = d["censored"][:, :-h]
    # statsforecast cannot skip a period: censored cells (refinery 1997-11) become 0, the
    # value of 94 % of refinery months. (Filling with the item's mean instead puts a small
    # demand into every item's history; that flatters TSB(0.2, 0.2)'s MASE on refinery from
    # 1.215 to 0.906 because lower forecasts win MAE on intermittent data.)
    train = np.where(cens, 0.0, train)
    periods = d["periods"][:-h]
    ii, tt = np.nonzero(np.isfinite(train))
    long = pd.DataFrame({"unique_id": d["ids"][ii], "ds": periods[tt], "y": train[ii, tt]})
    with tempfile.TemporaryDirectory() as tmp:
        tr, out, tim = (os.path.join(tmp, f) for f in ("train.parquet", "fc.parquet", "t.json"))
        long.to_parquet(tr, index=False)
        cmd = [
            str(PEER_PY),
            str(PEER_SCRIPT),
            "--train",
            tr,
            "--out",
            out,
            "--timing",
            tim,
            "--h",
            str(h),
            "--freq",
            d["pfreq"],
            "--season-length",
            str(d["season"]),
            "--models",
            ",".join(models),
        ]
        subprocess.run(cmd, check=True)
        fc = pd.read_parquet(out)
        timing = json.loads(Path(tim).read_text())
    pos = pd.Index(d["ids"]).get_indexer(fc["unique_id"].astype(str))
    step = pd.Index(d["periods"][-h:]).get_indexer(pd.DatetimeIndex(fc["ds"]))
    # the same scale as ours: observed (finite, not censored) training periods only
    mask = np.isfinite(units[:, :-h]) & ~cens
    train = units[:, :-h]
    results = {}
    for name in models:
        sel = (fc["model"] == name).to_numpy()
        arrs = {}
        for col in ("mean", "lo_80", "hi_80", "lo_95", "hi_95"):
            a = np.full(test.shape, np.nan)
            a[pos[sel], step[sel]] = np.maximum(fc.loc[sel, col].to_numpy(dtype=float), 0.0)
            arrs[col] = a
        q = {
            0.025: arrs["lo_95"],
            0.1: arrs["lo_80"],
            0.5: arrs["mean"],
            0.9: arrs["hi_80"],
            0.975: arrs["hi_95"],
        }
        res = score(test, arrs["mean"], q, train, mask, d["season"])
        res.update({"wall_s": timing[name]["wall_s"], "cpu_s": timing[name]["cpu_s"]})
        results[name] = res
    return results


def table(name: str, rows: dict[str, dict]) -> str:
    cols = [
        "mase",
        "mase_seasonal",
        "rmsse",
        "spl",
        "bias",
        "cov80",
        "cov95",
        "pit80",
        "pit95",
        "cum80",
        "cum95",
        "cpu_s",
    ]
    lines = [
        f"\n### {name}\n",
        "| model | " + " | ".join(cols) + " |",
        "|---|" + "---|" * len(cols),
    ]
    for model, r in rows.items():
        vals = []
        for c in cols:
            v = r.get(c)
            vals.append("" if v is None else (f"{v:.1f}" if c == "cpu_s" else f"{v:.3f}"))
        lines.append(f"| {model} | " + " | ".join(vals) + " |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--datasets", default="carparts,raf,refinery,dunnhumby")
    p.add_argument("--no-peer", action="store_true", help="skip statsforecast")
    p.add_argument(
        "--variants",
        action="store_true",
        help="also score the in-sample NB and the empirical per-horizon quantiles",
    )
    p.add_argument("--metric", default=None, help="selection metric for ours (default: library's)")
    p.add_argument("--combine", type=int, default=None)
    p.add_argument("--results", default=str(RESULTS), help="folder for accuracy.md/.json")
    a = p.parse_args(argv)
    if not DATA.is_dir():
        print(f"SKIPPED: {DATA} not found (the real datasets live in ../shared/data).")
        return 0
    if not a.no_peer and not PEER_PY.exists():
        print(
            f"statsforecast venv missing ({PEER_PY}); create it with `make bench-peer` "
            "or run with --no-peer.",
            file=sys.stderr,
        )
        return 2
    kw = {}
    if a.metric:
        kw["metric"] = a.metric
    if a.combine:
        kw["combine"] = a.combine
    opts = "".join(f", {k} {v}" for k, v in kw.items())
    report, out_md = {}, []
    for name in a.datasets.split(","):
        d = load(name)
        print(f"{name}: {d['units'].shape[0]} series x {d['units'].shape[1]} periods", flush=True)
        ours, info = run_ours(d, **kw)
        rows = {
            f"stockout_forecast auto, mean{opts}": ours,
            "stockout_forecast auto, median (demand_p50, same run)": info["median"],
        }
        if a.variants:
            rows.update(run_ours_variants(d))
        if not a.no_peer:
            rows.update({f"statsforecast {k}": v for k, v in run_peer(d).items()})
        rows["all-zero forecast (reference)"] = info["zero"]
        report[name] = {"rows": rows, "ours": info}
        out_md.append(table(name, rows))
        print(out_md[-1], flush=True)
        print("ours chose:", info["models"], flush=True)
    out = Path(a.results)
    out.mkdir(parents=True, exist_ok=True)
    (out / "accuracy.json").write_text(json.dumps(report, indent=1, default=str))
    head = (
        "Point forecasts scored: ours *mean* (`demand_mean`, the default point forecast, "
        "unbiased for cumulative demand) and ours *median* (`demand_p50`, the point that "
        "minimises absolute error, hence MASE); statsforecast's models give mean forecasts "
        "only. The all-zero forecast is a reference: on intermittent data it can have a low "
        "MASE.\n"
    )
    (out / "accuracy.md").write_text(head + "\n".join(out_md) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

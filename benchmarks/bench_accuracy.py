"""Forecast accuracy and calibration on six datasets, ours against statsforecast.

Datasets and protocol: ``benchmarks/real_data.py`` (carparts, RAF, refinery monthly;
dunnhumby weekly; online_retail and the demo daily; each through ``demand_history`` as a
user would, the last 12 / 13 / 28 periods held out). The real ones are read from
``../shared/data``; the benchmark skips them cleanly when the folder is absent.

Metrics per item on the held-out periods, then averaged over items (items whose in-sample
scale is 0 are left out of the scaled means). The in-sample scale uses every training period
that was in stock (censored periods out, suspected stock-outs in), the same for every method:

* MASE: MAE / in-sample mean absolute one-period difference (naive scale);
* MASE_s: the same with the seasonal-naive scale (lag 12 monthly, 52 weekly, 7 daily), the
  convention of the published carparts figures;
* RMSSE: RMSE / sqrt(in-sample mean squared one-period difference);
* SPL: pinball loss averaged over the levels 0.025, 0.1, 0.5, 0.9, 0.975, divided by the
  naive scale (for statsforecast the 80 %/95 % interval bounds and the point forecast as
  the median);
* bias: sum(forecast - actual) / sum(actual) over all items;
* cov80, cov95: share of held-out actuals inside the central 80 %/95 % interval;
* PIT80, PIT95 (ours only): the probability that the randomised PIT of an actual falls in
  the central interval (``DemandForecast.interval_coverage``; Czado, Gneiting & Held 2009),
  averaged over cells: it equals the nominal level for a calibrated forecast however
  discrete or zero-heavy the demand (plain coverage of an integer interval is at least
  nominal by construction);
* cum80, cum95 (ours only): share of items whose held-out *total* lies in the central
  80 %/95 % interval of the totals of 1,000 sample paths (the dependence over time that
  stock-out dates need; statsforecast gives no interval for a sum).

Ours is scored with two point forecasts from the same run: the *mean* (``demand_mean``, the
default point forecast, unbiased for cumulative demand) and the *median* (``demand_p50``): the
point that minimises expected absolute error, so the one MASE rewards (Kolassa 2016).
statsforecast's models give mean forecasts. The *all-zero forecast* is scored as a
reference. The *fractional variant* (``--fractional``, on by default) multiplies every
quantity by 0.37 (positive values are no longer integers, zeros stay zeros) and scores ours
again: PIT coverage there tests the continuous positive part of the distribution.

On the demo (10,000 series) AutoETS runs on a seeded subset of ``--ets-subset`` ids
(default 1,000; ~0.17 CPU-s a series) and is compared with ours on the same ids.

statsforecast forecasts (means and interval bounds) are clipped at 0 before scoring, which
can only help them.

Usage::

    .venv/bin/python benchmarks/bench_accuracy.py [--datasets carparts,raf,...] [--no-peer]
        [--no-fractional] [--variants] [--option censor_suspected=True] [--results DIR]

``--option key=value`` passes a ``forecast_demand`` argument (benchmark option; the library
defaults are unchanged). The statsforecast side runs in ``benchmarks/.venv-peer`` (see
benchmarks/README.md).
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))

import real_data as rd

from stockout_forecast.forecast.backtest import naive_scales
from stockout_forecast.forecast.core import forecast_demand

ROOT = Path(__file__).resolve().parents[1]
DATA = rd.DATA
PEER_PY = ROOT / "benchmarks" / ".venv-peer" / "bin" / "python"
PEER_SCRIPT = ROOT / "benchmarks" / "peer" / "run_statsforecast.py"
RESULTS = ROOT / "benchmarks" / "results"
LEVELS = (0.025, 0.1, 0.5, 0.9, 0.975)
PEER_MODELS = (
    "AutoETS",
    "CrostonOptimized",
    "TSB",
    "ADIDA",
    "IMAPA",
    "SeasonalNaive",
    "HistoricAverage",
)
FRACTION = 0.37


# --------------------------------------------------------------------------- scoring
def score(
    y: np.ndarray,
    mean: np.ndarray,
    q: dict[float, np.ndarray],
    train: np.ndarray,
    train_mask: np.ndarray,
    season: int,
    rows: np.ndarray | None = None,
) -> dict[str, float]:
    """Aggregate metrics (see the module docstring). ``q`` maps level -> (n, h) quantiles."""
    s1, s1sq = naive_scales(np.maximum(np.nan_to_num(train), 0.0), train_mask, 1)
    ss, _ = naive_scales(np.maximum(np.nan_to_num(train), 0.0), train_mask, season)
    ok = np.isfinite(y) & np.isfinite(mean)
    if rows is not None:
        ok &= rows[:, None]
    e = np.where(ok, mean - y, 0.0)
    n_t = ok.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        mae = np.abs(e).sum(axis=1) / n_t
        rmse = np.sqrt((e * e).sum(axis=1) / n_t)
    pin = np.zeros(len(y))
    for lv in LEVELS:
        u = np.where(ok, y - q[lv], 0.0)
        pin += np.nan_to_num(np.maximum(lv * u, (lv - 1.0) * u)).sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        pin /= len(LEVELS) * n_t

    def avg(num: np.ndarray, den: np.ndarray) -> float:
        good = (den > 0) & np.isfinite(num) & np.isfinite(den) & (n_t > 0)
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
        "n_items": int((n_t > 0).sum()),
        "n_scaled": int(((s1 > 0) & (n_t > 0)).sum()),
    }


def scale_mask(s: rd.Split) -> np.ndarray:
    """Training periods that enter the in-sample scale: active and in stock."""
    return s.train.active & ~s.train.censored


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


def pit(fc, test: np.ndarray) -> dict[str, float]:
    """Mean randomised-PIT coverage of the 80 % and 95 % intervals over the held-out cells."""
    return {
        "pit80": float(np.nanmean(fc.interval_coverage(test, 0.8))),
        "pit95": float(np.nanmean(fc.interval_coverage(test, 0.95))),
    }


# --------------------------------------------------------------------------- runners
def run_ours(s: rd.Split, rows: np.ndarray | None = None, **kw) -> tuple[dict, dict]:
    """Ours on one split: the mean's row (with the distribution's scores) and extras."""
    t0, c0 = time.perf_counter(), time.process_time()
    fc = forecast_demand(s.train, "auto", horizon=s.h, quantiles=LEVELS, random_state=0, **kw)
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    q = {lv: fc.quantiles[:, j] for j, lv in enumerate(fc.quantile_levels)}
    mask = scale_mask(s)
    res = score(s.test, fc.mean, q, s.train.units, mask, s.season)
    point = ("mase", "mase_seasonal", "rmsse", "bias")
    med = score(s.test, q[0.5], q, s.train.units, mask, s.season)
    zero = score(s.test, np.zeros_like(s.test), q, s.train.units, mask, s.season)
    extra: dict = {"median": {k: med[k] for k in point}, "zero": {k: zero[k] for k in point}}
    if rows is not None:
        extra["subset"] = {
            "mean": score(s.test, fc.mean, q, s.train.units, mask, s.season, rows)["mase"],
            "median": score(s.test, q[0.5], q, s.train.units, mask, s.season, rows)["mase"],
        }
    res.update(pit(fc, s.test))
    res.update(cumulative_coverage(fc, s.test))
    res["wall_s"], res["cpu_s"] = wall, cpu
    kinds = pd.Series(fc.distribution).value_counts().to_dict()
    extra.update(
        models={str(k): int(v) for k, v in pd.Series(fc.model).value_counts().head(12).items()},
        status={str(k): int(v) for k, v in fc.status["status"].value_counts().items()},
        distribution={str(k): int(v) for k, v in kinds.items()},
    )
    return res, extra


def run_fractional(name: str, **kw) -> dict:
    """Ours on the fractional variant (every quantity x 0.37): PIT coverage and MASE."""
    s = rd.load(name, scale=FRACTION)
    fc = forecast_demand(s.train, "auto", horizon=s.h, quantiles=LEVELS, random_state=0, **kw)
    q = {lv: fc.quantiles[:, j] for j, lv in enumerate(fc.quantile_levels)}
    r = score(s.test, fc.mean, q, s.train.units, scale_mask(s), s.season)
    out = {"mase": r["mase"], **pit(fc, s.test)}
    out["distribution"] = {
        str(k): int(v) for k, v in pd.Series(fc.distribution).value_counts().items()
    }
    return out


def run_ours_insample(s: rd.Split) -> dict:
    """The in-sample calibration variant, scored the same way."""
    fc = forecast_demand(
        s.train, "auto", horizon=s.h, quantiles=LEVELS, random_state=0, calibration="insample"
    )
    q = {lv: fc.quantiles[:, j] for j, lv in enumerate(fc.quantile_levels)}
    r = score(s.test, fc.mean, q, s.train.units, scale_mask(s), s.season)
    r.update(pit(fc, s.test))
    r.update(cumulative_coverage(fc, s.test))
    return r


def subset_rows(s: rd.Split, n_sub: int) -> np.ndarray | None:
    """The seeded AutoETS subset on the demo (None elsewhere, or when n_sub covers all)."""
    n = s.train.n_items
    if s.name != "demo" or n_sub <= 0 or n_sub >= n:
        return None
    rows = np.zeros(n, bool)
    rows[np.random.default_rng(0).choice(n, size=n_sub, replace=False)] = True
    return rows


def run_peer(s: rd.Split, rows: np.ndarray | None, models=PEER_MODELS) -> dict[str, dict]:
    """statsforecast's models on the same training periods (AutoETS on ``rows`` if given)."""
    long = rd.peer_frame(s)
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
            str(s.h),
            "--freq",
            s.pfreq,
            "--season-length",
            str(s.season),
            "--models",
            ",".join(models),
        ]
        if rows is not None:
            sub = os.path.join(tmp, "ets_ids.csv")
            pd.DataFrame({"unique_id": s.train.item_ids[rows]}).to_csv(sub, index=False)
            cmd += ["--subset", f"AutoETS={sub}"]
        subprocess.run(cmd, check=True)
        fc = pd.read_parquet(out)
        timing = json.loads(Path(tim).read_text())
    pos = pd.Index(s.train.item_ids).get_indexer(fc["unique_id"].astype(str))
    future = pd.date_range(s.train.periods[-1], periods=s.h + 1, freq=s.pfreq)[1:]
    step = future.get_indexer(pd.DatetimeIndex(fc["ds"]))
    results = {}
    for name in models:
        sel = (fc["model"] == name).to_numpy()
        arrs = {}
        for col in ("mean", "lo_80", "hi_80", "lo_95", "hi_95"):
            a = np.full(s.test.shape, np.nan)
            a[pos[sel], step[sel]] = np.maximum(fc.loc[sel, col].to_numpy(dtype=float), 0.0)
            arrs[col] = a
        q = {
            0.025: arrs["lo_95"],
            0.1: arrs["lo_80"],
            0.5: arrs["mean"],
            0.9: arrs["hi_80"],
            0.975: arrs["hi_95"],
        }
        res = score(s.test, arrs["mean"], q, s.train.units, scale_mask(s), s.season)
        res.update({"wall_s": timing[name]["wall_s"], "cpu_s": timing[name]["cpu_s"]})
        res["n_series"] = timing[name]["n_series"]
        results[name] = res
    return results


def cached_peer(s: rd.Split, rows: np.ndarray | None, a: argparse.Namespace) -> dict:
    """:func:`run_peer`, or its saved scores from ``--peer-cache`` (same dataset and options)."""
    if not a.peer_cache:
        return run_peer(s, rows)
    path = Path(a.peer_cache) / f"{s.name}_ets{a.ets_subset}.json"
    if path.exists():
        return json.loads(path.read_text())
    res = run_peer(s, rows)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(res))
    return res


# --------------------------------------------------------------------------- report
COLS = (
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
)


def table(name: str, rows: dict[str, dict]) -> str:
    lines = [
        f"\n### {name}\n",
        "| model | " + " | ".join(COLS) + " |",
        "|---|" + "---|" * len(COLS),
    ]
    for model, r in rows.items():
        vals = []
        for c in COLS:
            v = r.get(c)
            vals.append("" if v is None else (f"{v:.1f}" if c == "cpu_s" else f"{v:.3f}"))
        lines.append(f"| {model} | " + " | ".join(vals) + " |")
    return "\n".join(lines)


def summary(report: dict) -> str:
    """One row per dataset: the figures the goals are judged on."""
    lines = [
        "\n### Summary (MASE of the point forecasts; PIT coverage of ours)\n",
        "| dataset | ours mean | ours median | best statsforecast | HistoricAverage "
        "| PIT80 / PIT95 | fractional x0.37: PIT80 / PIT95 |",
        "|---|---|---|---|---|---|---|",
    ]
    for name, rep in report.items():
        rows, ours = rep["rows"], rep["ours"]
        mean = rows[OURS_MEAN]
        peer = {k[len("statsforecast ") :]: v for k, v in rows.items() if k.startswith("stats")}
        sub = ours.get("subset")
        best = ha = "-"
        if peer:
            b = min(peer, key=lambda k: peer[k]["mase"])
            best = f"{peer[b]['mase']:.3f} ({b})"
            ha = f"{peer['HistoricAverage']['mase']:.3f}" if "HistoricAverage" in peer else "-"
        m_txt = f"{mean['mase']:.3f}"
        if sub is not None and peer:
            m_txt += f" (AutoETS ids: {sub['mean']:.3f})"
        frac = rep.get("fractional")
        f_txt = f"{frac['pit80']:.3f} / {frac['pit95']:.3f}" if frac else "-"
        lines.append(
            f"| {name} | {m_txt} | {rows[OURS_MEDIAN]['mase']:.3f} | {best} | {ha} | "
            f"{mean['pit80']:.3f} / {mean['pit95']:.3f} | {f_txt} |"
        )
    return "\n".join(lines)


OURS_MEAN = "stockout_forecast auto, mean"
OURS_MEDIAN = "stockout_forecast auto, median (demand_p50, same run)"


def parse_options(items: list[str]) -> dict:
    """``key=value`` strings -> forecast_demand keyword arguments (values as Python literals)."""
    out = {}
    for item in items:
        key, _, value = item.partition("=")
        try:
            out[key] = ast.literal_eval(value)
        except (ValueError, SyntaxError):
            out[key] = value
    return out


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--datasets", default=",".join(rd.DATASETS))
    p.add_argument("--no-peer", action="store_true", help="skip statsforecast")
    p.add_argument("--no-fractional", action="store_true", help="skip the x0.37 variant")
    p.add_argument("--variants", action="store_true", help="also the in-sample calibration")
    p.add_argument("--ets-subset", type=int, default=1000, help="AutoETS ids on the demo")
    p.add_argument("--option", action="append", default=[], help="forecast_demand key=value")
    p.add_argument(
        "--peer-cache",
        default="",
        help="folder to keep statsforecast's scores per dataset in (re-used when present)",
    )
    p.add_argument("--results", default=str(RESULTS), help="folder for accuracy.md/.json")
    a = p.parse_args(argv)
    names = [n for n in a.datasets.split(",") if rd.available(n)]
    skipped = [n for n in a.datasets.split(",") if not rd.available(n)]
    if skipped:
        print(f"SKIPPED: {skipped} ({DATA} not found; the real datasets live in ../shared/data).")
    if not a.no_peer and not PEER_PY.exists():
        print(
            f"statsforecast venv missing ({PEER_PY}); create it with `make bench-peer` "
            "or run with --no-peer.",
            file=sys.stderr,
        )
        return 2
    kw = parse_options(a.option)
    report, out_md = {}, []
    for name in names:
        s = rd.load(name)
        print(f"{name}: {s.train!r}; held out {s.h}", flush=True)
        rows_sub = subset_rows(s, a.ets_subset)
        ours, info = run_ours(s, rows_sub, **kw)
        rows = {OURS_MEAN: ours, OURS_MEDIAN: info["median"]}
        if a.variants:
            rows["ours: NB, in-sample dispersion"] = run_ours_insample(s)
        if not a.no_peer:
            rows.update({f"statsforecast {k}": v for k, v in cached_peer(s, rows_sub, a).items()})
        rows["all-zero forecast (reference)"] = info["zero"]
        report[name] = {"rows": rows, "ours": info}
        if not a.no_fractional:
            report[name]["fractional"] = run_fractional(name, **kw)
        out_md.append(table(name, rows))
        print(out_md[-1], flush=True)
        print("ours chose:", info["models"], info["distribution"], flush=True)
        if not a.no_fractional:
            print("fractional:", report[name]["fractional"], flush=True)
    out_md.append(summary(report))
    print(out_md[-1])
    out = Path(a.results)
    out.mkdir(parents=True, exist_ok=True)
    (out / "accuracy.json").write_text(json.dumps(report, indent=1, default=str))
    head = (
        f"Command: `benchmarks/bench_accuracy.py {' '.join(argv or sys.argv[1:])}`. Point "
        "forecasts scored: ours *mean* (`demand_mean`, the default point forecast, unbiased "
        "for cumulative demand) and ours *median* (`demand_p50`, the point that minimises "
        "absolute error, hence MASE); statsforecast's models give mean forecasts only.\n"
    )
    (out / "accuracy.md").write_text(head + "\n".join(out_md) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""How ``forecast_demand``'s selection defaults were chosen: a reproducible study.

For each dataset the candidates are backtested once (two windows of one horizon, as in
``forecast_demand``) and fitted once on the training periods; every selection setting is
then applied with the library's own :func:`select_models` and the chosen models' forecasts
(the mean of a combination) are scored on the held-out periods with MASE (naive in-sample
scale, mean over items) and bias sum(f - y) / sum(y). Two candidate sets:

* ``before``: the eight candidates and smoothing grids used until 26 Nov 2026 (level
  smoothing up to 0.8, Croston/TSB size smoothing up to 0.5, SBA with the classic fixed 0.1);
* ``now``: :func:`candidate_models` as shipped (nine candidates incl. ADIDA, SBA optimised,
  every smoothing constant at most 0.3).

Datasets: carparts, RAF, refinery, dunnhumby (``../shared/data``, loaded exactly as in
``bench_accuracy.py``; skipped when absent) and the daily demo data of ``bench_forecast.py``
(10,000 items, seed 1, last 28 days held out; MASE on all items and on the 1,000-id AutoETS
subset). ``--split earlier`` drops the last held-out block first and repeats the study one
block earlier (a check that the choice is not an artefact of one held-out period).

Usage::

    .venv/bin/python benchmarks/study_selection.py [--datasets carparts,raf,refinery,dunnhumby,demo]
        [--split latest|earlier]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))

from stockout_forecast.forecast import history_from_array
from stockout_forecast.forecast import models as M
from stockout_forecast.forecast.backtest import (
    backtest_frame,
    clone_model,
    naive_scales,
    run_backtest,
)
from stockout_forecast.forecast.core import candidate_models
from stockout_forecast.forecast.selection import demand_classes, select_models
from stockout_forecast.history.panel import DemandHistory

BEFORE_GRIDS = {
    "ALPHA_GRID": (0.01, 0.03, 0.06, 0.1, 0.18, 0.3, 0.5, 0.8),
    "ALPHA_BOUNDS": (0.005, 0.999),
    "CROSTON_GRID": (0.02, 0.05, 0.1, 0.2, 0.3, 0.5),
}
SETTINGS = [
    (metric, shrink, combine)
    for metric in ("rmsse", "mase", "mae")
    for shrink in (3.0, 10.0)
    for combine in (None, 2)
]


def before_models() -> list:
    return [
        M.SES(),
        M.Holt(damped=True),
        M.MovingAverage(),
        M.HoltWinters(seasonal="add", trend=False),
        M.SeasonalNaive(),
        M.SBA(),
        M.TSB(),
        M.IMAPA(),
    ]


def load(name: str, split: str) -> dict | None:
    """Training history, held-out actuals and (demo) the AutoETS subset."""
    if name == "demo":
        import bench_forecast as bf

        with tempfile.TemporaryDirectory() as tmp:
            d = bf.prepare(10_000, 730, 1, tmp)
            z = np.load(Path(tmp) / "train.npz")
            units, cens, susp = z["units"], z["censored"], z["suspected"]
            start, ids = str(z["start"]), z["ids"]
        h = bf.H
        test = d["test"]
        if split == "earlier":
            obs = np.isfinite(units[:, -h:]) & ~(cens | susp)[:, -h:]
            test = np.where(obs, np.maximum(np.nan_to_num(units[:, -h:]), 0.0), np.nan)
            units, cens, susp = units[:, :-h], cens[:, :-h], susp[:, :-h]
        periods = pd.date_range(start, periods=units.shape[1], freq="D")
        hist = DemandHistory(
            item_ids=ids,
            periods=periods,
            freq="D",
            units=units,
            censored=cens,
            suspected=susp,
            as_of=periods[-1],
            status=pd.DataFrame(
                {"status": "ok", "reason": ""}, index=pd.Index(ids, name="item_id")
            ),
        )
        rng = np.random.default_rng(0)
        subset = np.zeros(len(ids), bool)
        subset[rng.choice(len(ids), size=1000, replace=False)] = True
        return {"hist": hist, "test": test, "h": h, "subset": subset}
    import bench_accuracy as ba

    if not ba.DATA.exists():
        return None
    d = ba.load(name)
    h = d["h"]
    units, cens = d["units"], d["censored"]
    if split == "earlier":
        units, cens = units[:, :-h], cens[:, :-h]
    hist = history_from_array(
        units[:, :-h],
        start=d["periods"][0],
        freq=d["freq"],
        censored=cens[:, :-h],
        item_ids=d["ids"],
    )
    return {"hist": hist, "test": units[:, -h:], "h": h, "subset": None}


def fit_set(hist: DemandHistory, models: list, h: int) -> tuple[pd.DataFrame, dict]:
    arr = run_backtest(hist, models, horizon=h, n_windows=2, dispersion=False)
    frame = backtest_frame(arr, None)
    fc = {m.alias: np.asarray(clone_model(m).fit(hist).predict(h), float) for m in models}
    return frame, fc


def score(
    f: np.ndarray, test: np.ndarray, hist: DemandHistory, rows: np.ndarray | None
) -> tuple[float, float]:
    y = np.maximum(np.nan_to_num(hist.units), 0.0)
    scale, _ = naive_scales(y, hist.observed, 1)
    ok = np.isfinite(test) & np.isfinite(f)
    n = ok.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        m = np.where(ok, np.abs(f - test), 0.0).sum(axis=1) / n / scale
    good = (scale > 0) & (n > 0) & np.isfinite(m)
    if rows is not None:
        good &= rows
    e = np.where(ok, f - test, 0.0)[good].sum()
    return float(np.mean(m[good])), float(e / np.where(ok, test, 0.0)[good].sum())


def run(name: str, split: str) -> list[dict]:
    data = load(name, split)
    if data is None:
        print(f"{name}: ../shared/data absent, skipped")
        return []
    return study(name, data["hist"], data["test"], data["h"], data["subset"])


def study(
    name: str,
    hist: DemandHistory,
    test: np.ndarray,
    h: int,
    subset: np.ndarray | None = None,
) -> list[dict]:
    """Rows of held-out MASE and bias for every candidate set and selection setting."""
    ids = pd.Index(np.asarray(hist.item_ids).astype(str))
    groups = pd.Series(demand_classes(hist), index=ids)
    out = []
    saved = {k: getattr(M, k) for k in BEFORE_GRIDS}
    family = [M._common, M.smoothing, M.intermittent, M]
    for tag in ("before", "now"):
        t0 = time.perf_counter()
        if tag == "before":
            for k, v in BEFORE_GRIDS.items():
                for mod in family:  # every module that bound the grid's name
                    if hasattr(mod, k):
                        setattr(mod, k, v)
            models = before_models()
        else:
            models = candidate_models(hist.freq)
        try:
            frame, fc = fit_set(hist, models, h)
        finally:
            for key, val in saved.items():
                for mod in family:
                    if hasattr(mod, key):
                        setattr(mod, key, val)
        for metric, shrink, combine in SETTINGS:
            sel = select_models(
                frame, metric=metric, combine=combine, groups=groups, shrinkage=shrink
            )
            chosen = sel.set_index("item_id")["model"].reindex(ids).to_numpy(dtype=str)
            total = np.zeros(test.shape)
            n_mod = np.zeros(len(ids))
            for alias, pred in fc.items():
                use = np.array([alias in c.split("+") for c in chosen])
                total[use] += pred[use]
                n_mod[use] += 1
            with np.errstate(invalid="ignore", divide="ignore"):
                point = total / n_mod[:, None]
            row = {
                "dataset": name,
                "candidates": tag,
                "metric": metric,
                "shrinkage": shrink,
                "combine": combine or 1,
            }
            row["mase"], row["bias"] = score(point, test, hist, None)
            if subset is not None:
                row["mase_subset"], _ = score(point, test, hist, subset)
            out.append(row)
        print(f"{name} {tag}: {time.perf_counter() - t0:.0f} s", flush=True)
    return out


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--datasets", default="carparts,raf,refinery,dunnhumby,demo")
    p.add_argument("--split", choices=("latest", "earlier"), default="latest")
    a = p.parse_args(argv)
    rows = [r for name in a.datasets.split(",") for r in run(name, a.split)]
    if not rows:
        return 0
    df = pd.DataFrame(rows)
    df["setting"] = (
        df["candidates"]
        + " "
        + df["metric"]
        + " shrink "
        + df["shrinkage"].map("{:g}".format)
        + " combine "
        + df["combine"].astype(str)
    )
    wide = df.pivot_table(index="setting", columns="dataset", values="mase", sort=False)
    if "mase_subset" in df:
        wide["demo (AutoETS subset)"] = df.dropna(subset=["mase_subset"]).set_index("setting")[
            "mase_subset"
        ]
    print(f"\nMASE of the mean forecast on the held-out periods ({a.split} split):\n")
    print(wide.round(4).to_markdown() if _has_tabulate() else wide.round(4).to_string())
    return 0


def _has_tabulate() -> bool:
    try:
        import tabulate  # noqa: F401
    except ImportError:
        return False
    return True


if __name__ == "__main__":
    raise SystemExit(main())

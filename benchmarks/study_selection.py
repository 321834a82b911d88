"""How ``forecast_demand``'s selection defaults are chosen: leave one dataset out, six datasets.

For each of the six datasets of ``real_data.py`` (carparts, RAF, refinery, dunnhumby,
online_retail, the demo) the pool of candidate models is backtested once (three rolling
windows of one horizon) and fitted once on the training periods. Every setting of the
selection is then applied with the library's own choice (``forecast._choice.decide``: the
same code ``forecast_demand`` runs) and the chosen models' mean forecast (the average of a
combination) is scored on the held-out periods with MASE (mean over items; in-sample naive
scale over the in-stock training periods, as in ``bench_accuracy.py``).

Settings (every combination): candidates (``base``: the nine models of the earlier default;
``long``: those plus the long-memory levels historic average, long moving average and slow
SES), backtest windows (2 or 3), metric (MAE, MASE, RMSSE, RMSE), class shrinkage (0, 3, 10
pseudo-windows), models averaged (1, 2, 3), the long-memory margin (never; or fall back
unless the choice beats the long-memory level by 0, 1 or 2 standard errors), how an item
falls back (replaced by the level, or averaged with it), the weekday profile of daily
forecasts (on or off; it changes nothing on weekly and monthly data), the weight of the
latest backtest window in the mean score (1, 2 or 3 times an earlier one) and whether SBA
is offered to every item or only to intermittent ones (ADI >= 1.32; 6,912 settings).

Leave one dataset out: each dataset is scored with the setting that the other five chose.
A setting's loss on a dataset is its relative excess over the best setting there, the mean
of the excess in MASE (the goal's metric) and in RMSSE (squared error, for which the mean is
the best point forecast: MASE alone rewards forecasts below the mean of skewed demand, and
stock is planned from the mean and the distribution around it). The five choose the
setting whose *largest* loss over them is smallest (ties: the smaller mean loss) -- a
default that holds everywhere rather than one that wins somewhere. The regret of a
dataset is its excess under the setting chosen without it. The shipped default is the
setting chosen on all six.

Two more measurements, each a default of ``forecast_demand``: suspected stock-outs (long zero
runs without stock history) read as censored or as sales, and TSB's initial probability
(each model on its own, held-out MASE).

Usage::

    .venv/bin/python benchmarks/study_selection.py [--datasets carparts,raf,...]
        [--split latest|earlier] [--json PATH]
"""

from __future__ import annotations

import argparse
import dataclasses
import inspect
import itertools
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))

import real_data as rd

from stockout_forecast.forecast._choice import Rule, decide, member_forecast
from stockout_forecast.forecast._profile import spread, weekday_profile
from stockout_forecast.forecast.backtest import (
    BacktestArrays,
    clone_model,
    naive_scales,
    point_metrics,
    run_backtest,
)
from stockout_forecast.forecast.core import (
    CANDIDATES,
    LONG_MEMORY,
    _allowed_models,
    forecast_demand,
)
from stockout_forecast.forecast.registry import make_model
from stockout_forecast.forecast.selection import demand_classes
from stockout_forecast.history.panel import DemandHistory

BASE = (
    "ses",
    "holt_damped",
    "moving_average",
    "holt_winters_add_notrend",
    "seasonal_naive",
    "sba",
    "tsb",
    "imapa",
    "adida",
)
POOLS = {"base": BASE, "long": BASE + LONG_MEMORY, "shipped": CANDIDATES}
WINDOWS = (2, 3)
METRICS = ("mae", "mase", "rmsse", "rmse")
SHRINKAGE = (0.0, 3.0, 10.0)
COMBINE = (1, 2, 3)
MARGINS = (None, 0.0, 1.0, 2.0)
#: how an item falls back: replaced by the long-memory level, or averaged with it
MODES = ("replace", "blend")
#: weight of the latest backtest window in the mean score (1: all windows alike)
RECENCY = (1.0, 2.0, 3.0)
#: candidates offered only to intermittent items (ADI >= 1.32): none, or SBA
INTERMITTENT_ONLY: tuple[tuple[str, ...], ...] = ((), ("sba",))
MAX_WINDOWS = max(WINDOWS)


@dataclasses.dataclass(frozen=True)
class Setting:
    """One selection setting."""

    pool: str
    windows: int
    metric: str
    shrinkage: float
    combine: int
    margin: float | None
    profile: bool = True
    mode: str = "replace"
    recency: float = 1.0
    intermittent_only: tuple[str, ...] = ()

    def label(self) -> str:
        m = "never" if self.margin is None else f"{self.margin:g}"
        if self.margin is not None and self.mode != "replace":
            m += f" {self.mode}"
        extra = f" recency {self.recency:g}" if self.recency != 1.0 else ""
        if self.intermittent_only:
            extra += f" {'+'.join(self.intermittent_only)} intermittent only"
        return (
            f"{self.pool} w{self.windows} {self.metric} shrink {self.shrinkage:g} "
            f"combine {self.combine} margin {m} profile {'on' if self.profile else 'off'}"
            f"{extra}"
        )


def shipped() -> Setting:
    """The setting ``forecast_demand`` runs with its defaults (candidates ``CANDIDATES``)."""
    d = {k: v.default for k, v in inspect.signature(forecast_demand).parameters.items()}
    return Setting(
        "shipped",
        d["n_windows"],
        d["metric"],
        float(d["shrinkage"]),
        d["combine"] or 1,
        d["long_memory_margin"],
        d["weekday_profile"],
        recency=float(d["recency"]),
        intermittent_only=tuple(d["intermittent_only"]),
    )


def settings() -> list[Setting]:
    out = []
    for pool, w, metric, shrink, k, margin, mode, profile, rec, only in itertools.product(
        ("base", "long"),
        WINDOWS,
        METRICS,
        SHRINKAGE,
        COMBINE,
        MARGINS,
        MODES,
        (False, True),
        RECENCY,
        INTERMITTENT_ONLY,
    ):
        if pool == "base" and margin is not None:
            continue  # no long-memory model to fall back to
        if margin is None and mode != "replace":
            continue  # no fall back, no mode
        out.append(Setting(pool, w, metric, shrink, k, margin, profile, mode, rec, only))
    return out


# --------------------------------------------------------------------------- scoring
def score(
    f: np.ndarray, test: np.ndarray, hist: DemandHistory, rows: np.ndarray | None
) -> tuple[float, float]:
    """Mean MASE over items (in-stock training periods for the scale) and bias."""
    r = scores(f, test, hist, rows)
    return r["mase"], r["bias"]


def scores(
    f: np.ndarray, test: np.ndarray, hist: DemandHistory, rows: np.ndarray | None
) -> dict[str, float]:
    """Mean MASE and RMSSE over items (scales over in-stock training periods) and bias."""
    y = np.maximum(np.nan_to_num(hist.units), 0.0)
    scale, scale_sq = naive_scales(y, hist.active & ~hist.censored, 1)
    ok = np.isfinite(test) & np.isfinite(f)
    n = ok.sum(axis=1)
    e = np.where(ok, f - test, 0.0)
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
    }


def subset_arrays(arr: BacktestArrays, models: list[int], windows: int) -> BacktestArrays:
    """The backtest restricted to some models and the last ``windows`` windows."""
    w = slice(arr.y.shape[1] - windows, None)
    return dataclasses.replace(
        arr,
        aliases=[arr.aliases[j] for j in models],
        cutoffs=arr.cutoffs[w],
        ends=arr.ends[w],
        y=arr.y[:, w],
        mask=arr.mask[:, w],
        forecast=arr.forecast[models][:, :, w],
        dispersion=arr.dispersion[models][:, :, w],
        scale=arr.scale[:, w],
        scale_sq=arr.scale_sq[:, w],
        n_train=arr.n_train[:, w],
    )


def without_suspected(hist: DemandHistory) -> DemandHistory:
    """Suspected stock-outs read as what was sold (``forecast_demand``'s default)."""
    return dataclasses.replace(hist, suspected=np.zeros_like(hist.suspected))


def fit_pool(
    hist: DemandHistory, aliases: tuple[str, ...], h: int, profile: bool = False
) -> tuple[BacktestArrays, dict]:
    """Backtest the pool once (``MAX_WINDOWS`` windows) and fit it once on all periods.

    ``profile``: daily forecasts of models without seasons spread by the weekday profile,
    as ``forecast_demand(weekday_profile=True)`` does.
    """
    models = [make_model(a, freq=hist.freq) for a in aliases]
    arr = run_backtest(
        hist, models, horizon=h, n_windows=MAX_WINDOWS, dispersion=False, weekday_profile=profile
    )
    prof = weekday_profile(hist) if profile else None
    fc = {
        m.alias: spread(np.asarray(clone_model(m).fit(hist).predict(h), float), m, hist, prof)
        for m in models
    }
    return arr, fc


def apply(
    setting: Setting,
    arr: BacktestArrays,
    fc: dict,
    labels: np.ndarray,
    memo: dict | None = None,
) -> np.ndarray:
    """The mean forecast that ``setting`` gives (items x horizon).

    ``memo``: a dict kept across settings of one fit, holding the backtest restricted to
    each pool and number of windows and its point metrics (they do not depend on the rest).
    """
    pool = POOLS[setting.pool]
    memo = {} if memo is None else memo
    key = (setting.pool, setting.windows)
    if key not in memo:
        sub = subset_arrays(arr, [arr.aliases.index(a) for a in pool], setting.windows)
        memo[key] = (sub, point_metrics(sub))
    sub, pm = memo[key]
    rule = Rule(
        setting.metric,
        None if setting.combine == 1 else setting.combine,
        setting.shrinkage,
        setting.margin,
        setting.mode == "blend",
        setting.recency,
    )
    long_memory = np.array([j for j, a in enumerate(pool) if a in LONG_MEMORY], dtype=int)
    allowed = _allowed_models(list(pool), labels, setting.intermittent_only)
    dec = decide(sub, rule, labels, None, long_memory, allowed=allowed, metrics=pm)
    pred = np.stack([fc[a] for a in pool])
    mean = member_forecast(pred, dec.members)
    mean[~np.isfinite(mean)] = np.nan
    return mean


def study(name: str, s: rd.Split, grid: list[Setting]) -> list[dict]:
    """Held-out MASE and bias of every setting on one dataset."""
    hist = without_suspected(s.train)
    t0 = time.perf_counter()
    pool = tuple(dict.fromkeys(a for st in grid for a in POOLS[st.pool]))
    fits = {False: fit_pool(hist, pool, s.h)}
    # the weekday profile only changes daily forecasts: elsewhere both are the same fit
    profiled = hist.freq == "D" and any(st.profile for st in grid)
    fits[True] = fit_pool(hist, pool, s.h, profile=True) if profiled else fits[False]
    labels = demand_classes(hist)
    print(f"{name}: pool backtested and fitted in {time.perf_counter() - t0:.0f} s", flush=True)
    observed = hist.observed.any(axis=1)
    rows = []
    done: dict[str, float] = {}
    memos: dict[bool, dict] = {False: {}, True: {}}
    for st in grid:
        if not profiled and st.profile:  # the same numbers as the setting without it
            twin = dataclasses.replace(st, profile=False).label()
            if twin in done:
                rows.append({**rows[int(done[twin])], "setting": st.label()})
                continue
        arr, fc = fits[st.profile]
        mean = apply(st, arr, fc, labels, memos[st.profile])
        mean[~observed] = np.nan
        done[st.label()] = len(rows)
        rows.append({"dataset": name, "setting": st.label(), **scores(mean, s.test, hist, None)})
    print(f"{name}: {len(grid)} settings in {time.perf_counter() - t0:.0f} s", flush=True)
    return rows


def lodo(table: pd.DataFrame, second: pd.DataFrame | None = None) -> tuple[pd.DataFrame, str]:
    """Leave-one-dataset-out choice: per held-out dataset, the setting the others chose.

    ``table``: MASE, settings x datasets; ``second`` (optional): RMSSE, the same shape. A
    setting's loss on a dataset is its relative excess over the best setting there
    (averaged with the RMSSE excess when given). Returns the per-dataset frame and the
    setting chosen on all datasets.
    """
    excess = table / table.min(axis=0) - 1.0
    if second is not None:
        excess = 0.5 * (excess + (second / second.min(axis=0) - 1.0))

    def pick(cols: list[str]) -> str:
        worst = excess[cols].max(axis=1)
        mean = excess[cols].mean(axis=1)
        order = pd.DataFrame({"worst": worst, "mean": mean}).sort_values(["worst", "mean"])
        return str(order.index[0])

    rows = []
    for d in table.columns:
        chosen = pick([c for c in table.columns if c != d])
        row = {
            "dataset": d,
            "chosen by the other datasets": chosen,
            "MASE": table.loc[chosen, d],
            "best MASE": table[d].min(),
            "regret (MASE)": table.loc[chosen, d] / table[d].min() - 1.0,
        }
        if second is not None:
            row["RMSSE"] = second.loc[chosen, d]
            row["regret (RMSSE)"] = second.loc[chosen, d] / second[d].min() - 1.0
        rows.append(row)
    return pd.DataFrame(rows), pick(list(table.columns))


# --------------------------------------------------------------------------- side studies
def suspected_table(names: list[str], split: str) -> pd.DataFrame:
    """``forecast_demand``'s MASE with suspected stock-outs read as sales or as censored."""
    rows = []
    for name in names:
        s = rd.load(name, split=split)
        out = {"dataset": name, "suspected share": float(s.train.suspected.mean())}
        for tag, flag in (("as sales", False), ("censored", True)):
            fc = forecast_demand(s.train, horizon=s.h, censor_suspected=flag, random_state=0)
            out[f"MASE, {tag}"] = score(fc.mean, s.test, s.train, None)[0]
        rows.append(out)
    return pd.DataFrame(rows)


def tsb_table(names: list[str], split: str) -> pd.DataFrame:
    """Held-out MASE of TSB alone with each initial probability."""
    rows = []
    for name in names:
        s = rd.load(name, split=split)
        hist = without_suspected(s.train)
        out = {"dataset": name}
        for init in ("interval", "first", "mean"):
            f = make_model("tsb", prob_init=init).fit(hist).predict(s.h)
            f[~hist.observed.any(axis=1)] = np.nan
            out[f"TSB prob_init={init}"] = score(f, s.test, hist, None)[0]
        rows.append(out)
    return pd.DataFrame(rows)


def markdown(df: pd.DataFrame, digits: int = 4) -> str:
    """A Markdown table of ``df`` (no optional dependency)."""

    def cell(v: object) -> str:
        return f"{v:.{digits}f}" if isinstance(v, float) else str(v)

    head = "| " + " | ".join(str(c) for c in df.columns) + " |"
    rule = "|" + "---|" * len(df.columns)
    rows = ["| " + " | ".join(cell(v) for v in r) + " |" for r in df.itertuples(index=False)]
    return "\n".join([head, rule, *rows])


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--datasets", default=",".join(rd.DATASETS))
    p.add_argument("--split", choices=("latest", "earlier"), default="latest")
    p.add_argument("--json", default="", help="write every setting's MASE here")
    p.add_argument("--side", action="store_true", help="the suspected and TSB tables only")
    p.add_argument("--from-json", default="", help="report a saved --json run again")
    a = p.parse_args(argv)
    names = [n for n in a.datasets.split(",") if rd.available(n)]
    if a.from_json:
        df = pd.read_json(a.from_json)
        return report(
            df, [n for n in names if n in set(df["dataset"])], df["setting"].nunique(), a.split
        )
    if a.side:
        print("Suspected stock-outs (forecast_demand, its defaults otherwise):\n")
        print(markdown(suspected_table(names, a.split)))
        print("\nTSB's initial demand probability (TSB alone):\n")
        print(markdown(tsb_table(names, a.split)))
        return 0
    grid = settings()
    rows = []
    for name in names:
        rows += study(name, rd.load(name, split=a.split), grid)
    df = pd.DataFrame(rows)
    if a.json:
        Path(a.json).write_text(df.to_json(orient="records", indent=1))
    return report(df, names, len(grid), a.split)


def report(df: pd.DataFrame, names: list[str], n_settings: int, split: str) -> int:
    """Print the leave-one-dataset-out table, the chosen setting and the best ranks."""
    table = df.pivot_table(index="setting", columns="dataset", values="mase", sort=False)
    table = table[names]
    second = None
    if "rmsse" in df:
        second = df.pivot_table(index="setting", columns="dataset", values="rmsse", sort=False)
        second = second[names]
    res, chosen = lodo(table, second)
    shipped = " ".join(str(v) for v in (CANDIDATES,))
    print(f"\nLeave one dataset out ({split} split, {n_settings} settings):\n")
    print(markdown(res))
    print(f"\nChosen on all {len(names)} datasets: {chosen}")
    print(markdown(table.loc[[chosen]].reset_index()))
    print(f"\n(forecast_demand's candidates now: {shipped})")
    best = table.rank(axis=0).mean(axis=1).sort_values().index[:10]
    print("\nThe ten settings of best mean rank:\n")
    print(markdown(table.loc[best].reset_index()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

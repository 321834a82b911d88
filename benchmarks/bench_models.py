"""Benchmark: fit + 28-period predict time of every forecasting model on a large panel.

Generates ``--n-items`` daily Poisson series of ``--n-days`` (seeded): log-normal rates,
a day-of-week and a yearly pattern, 30 % intermittent items, 3 % censored days and 20 % of
items starting late; then, for each model of :mod:`stockout_forecast.forecast.models`, times
``fit(history)`` followed by ``predict(28)`` and reports the median wall time and the
process CPU time of ``--repeat`` runs. Smoothing parameters are optimised per item (the
default ``None`` parameters), so the times include the vectorised grid search. Run from the
repository root::

    .venv/bin/python benchmarks/bench_models.py --n-items 10000 --n-days 730 --repeat 3

The statsmodels reference model (``StatsmodelsETS``) is timed on ``--n-ets`` items only
and its time is reported per item as well.
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np

from stockout_forecast.forecast import (
    ADIDA,
    IMAPA,
    SBA,
    SES,
    TSB,
    Croston,
    GlobalGBM,
    Holt,
    HoltWinters,
    MovingAverage,
    Naive,
    SeasonalNaive,
    StatsmodelsETS,
    history_from_array,
)


def make_panel(n_items: int, n_days: int, seed: int = 0):
    """The benchmark's demand panel (a DemandHistory)."""
    rng = np.random.default_rng(seed)
    t = np.arange(n_days)
    rate = np.exp(rng.normal(0.0, 1.2, n_items))[:, None]
    dow = np.array([0.8, 0.9, 0.9, 1.0, 1.1, 1.4, 0.9])[t % 7]
    year = 1.0 + 0.2 * np.sin(2 * np.pi * t / 365.25)
    lam = rate * dow * year
    inter = rng.random(n_items) < 0.3
    lam[inter] *= (rng.random((int(inter.sum()), n_days)) < 0.15) * 5.0
    y = rng.poisson(lam).astype(float)
    start = rng.integers(0, 200, n_items) * (rng.random(n_items) < 0.2)
    y[t[None, :] < start[:, None]] = np.nan
    cens = rng.random((n_items, n_days)) < 0.03
    return history_from_array(y, censored=cens, start="2024-01-01")


def models():
    """Every model class with default (optimised) parameters."""
    return [
        Naive(),
        SeasonalNaive(),
        MovingAverage(),
        SES(),
        Holt(),
        Holt(damped=True),
        HoltWinters(trend=False),
        HoltWinters(),
        HoltWinters(damped=True),
        HoltWinters(seasonal="mul", trend=False),
        Croston(),
        Croston(alpha=None, alias="croston_optimised"),
        SBA(),
        TSB(),
        ADIDA(),
        IMAPA(),
        GlobalGBM(random_state=0),
    ]


def time_fit(model, hist, repeat: int) -> tuple[float, float]:
    """Median wall and CPU seconds of fit + predict(28)."""
    walls, cpus = [], []
    for _ in range(repeat):
        m = type(model)(**model.get_params())
        w0, c0 = time.perf_counter(), time.process_time()
        m.fit(hist).predict(28)
        walls.append(time.perf_counter() - w0)
        cpus.append(time.process_time() - c0)
    return statistics.median(walls), statistics.median(cpus)


def main() -> None:
    """Command-line entry point."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n-items", type=int, default=10_000)
    ap.add_argument("--n-days", type=int, default=730)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--n-ets", type=int, default=50)
    args = ap.parse_args()
    hist = make_panel(args.n_items, args.n_days)
    print(f"{hist!r}")
    print(f"{'model':28s} {'wall s':>8s} {'cpu s':>8s}")
    total_wall = total_cpu = 0.0
    for model in models():
        wall, cpu = time_fit(model, hist, args.repeat)
        total_wall += wall
        total_cpu += cpu
        print(f"{model.alias:28s} {wall:8.2f} {cpu:8.2f}", flush=True)
    print(f"{'all of the above':28s} {total_wall:8.2f} {total_cpu:8.2f}")
    small = hist.subset(hist.item_ids[: args.n_ets])
    wall, cpu = time_fit(StatsmodelsETS(trend="add", damped_trend=True), small, 1)
    print(
        f"statsmodels_ets ({args.n_ets} items, damped trend): wall {wall:.2f} s, "
        f"{wall / args.n_ets * 1000:.0f} ms per item"
    )


if __name__ == "__main__":
    main()

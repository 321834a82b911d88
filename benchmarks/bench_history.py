"""Benchmark: demand_history + item_velocity + classify_demand against a pandas groupby version.

Generates daily sales for ``--n-items`` x ``--n-days`` with a seeded numpy generator (a mix of
fast, slow, intermittent and lumpy items, new items, stock-out episodes, returns and prices),
then times

* **ours**: ``demand_history`` -> ``item_velocity`` -> ``classify_demand(revenue=sales)``,
  vectorised over an item x day array;
* **reference**: the same numbers computed the way a pandas user would, in long format with
  ``groupby`` (zero-filled item-days, runs by cumulative sums, window sums by group);

asserts that both give the same numbers, and reports wall time (median of ``--repeat``),
peak memory and the speed-up. Run from the repository root::

    .venv/bin/python benchmarks/bench_history.py --n-items 100000 --n-days 730 --repeat 3

Memory figures: the peak resident set size of the process (Linux ``VmHWM``, reset through
``/proc/self/clear_refs`` just before each part, so data generation does not count) while
ours runs and while the reference runs; both include the input frame, which stays resident.
Where /proc is missing, ``ru_maxrss`` (peak of the whole process) is reported instead and
``peak_rss_source`` says so. ``tracemalloc`` gives the peak of Python/numpy allocations
during one run of ours above what was allocated before it (it does not see pyarrow's memory
pool, used by pandas' string columns). Timings: wall clock and process CPU time; on a
shared machine the CPU time is the steadier figure.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import resource
import statistics
import sys
import time
import tracemalloc
from typing import Any

import numpy as np
import pandas as pd

from stockout_forecast.history.classes import classify_demand
from stockout_forecast.history.demand import demand_history
from stockout_forecast.history.velocity import item_velocity

START = np.datetime64("2023-01-02", "D")  # a Monday
WINDOWS = (7, 28, 90)
HALFLIFE = 14.0
MIN_ZERO_RUN = 7
ALPHA = 1e-3
MIN_DEMANDS = 10
MIN_PERIODS = 28
DORMANT = 90


# --------------------------------------------------------------------------- data
def generate_sales(n_items: int, n_days: int, seed: int = 0) -> pd.DataFrame:
    """Daily sales lines (one per item and day with demand), ordered by date.

    Per item: a daily demand probability ``q ~ Beta(0.5, 1.2)`` (mean 0.29: many slow and
    intermittent items, some fast ones) with a day-of-week profile; sizes ``1 + Poisson(s)``
    with ``s`` log-normal (lumpy when large); 15% of items start later (new items); 20% have
    one stock-out episode of 10-60 days with no sales; 1% of lines are returns; a unit price.
    """
    rng = np.random.default_rng(seed)
    names = pd.array([f"I{i:06d}" for i in range(n_items)], dtype="str")
    price = np.round(rng.lognormal(2.5, 0.8, n_items), 2)
    dow = np.array([1.15, 1.1, 1.0, 1.0, 1.1, 0.8, 0.5], dtype=np.float32)  # Mon..Sun
    day_factor = dow[np.arange(n_days) % 7]
    parts_i, parts_t, parts_u = [], [], []
    for lo in range(0, n_items, 10_000):
        hi = min(lo + 10_000, n_items)
        m = hi - lo
        q = rng.beta(0.5, 1.2, m).astype(np.float32)
        size = rng.lognormal(0.0, 1.0, m)
        start = np.where(rng.random(m) < 0.15, rng.integers(0, n_days, m), 0)
        occ = rng.random((m, n_days), dtype=np.float32) < np.minimum(q[:, None] * day_factor, 1)
        occ &= np.arange(n_days)[None, :] >= start[:, None]
        out = rng.random(m) < 0.2
        o_start = rng.integers(0, n_days, m)
        o_len = rng.integers(10, 61, m)
        days = np.arange(n_days)[None, :]
        occ &= ~(out[:, None] & (days >= o_start[:, None]) & (days < (o_start + o_len)[:, None]))
        ii, tt = np.nonzero(occ)
        units = 1.0 + rng.poisson(size[ii])
        ret = rng.random(len(ii)) < 0.01
        units[ret] = -(1.0 + rng.poisson(0.5, int(ret.sum())))
        parts_i.append(ii + lo)
        parts_t.append(tt)
        parts_u.append(units)
        del occ
    ii = np.concatenate(parts_i)
    tt = np.concatenate(parts_t)
    units = np.concatenate(parts_u)
    order = np.argsort(tt, kind="stable")
    ii, tt, units = ii[order], tt[order], units[order]
    dates = (START + tt.astype("timedelta64[D]")).astype("datetime64[ns]")
    return pd.DataFrame(
        {"item_id": names.take(ii), "date": dates, "units": units, "unit_price": price[ii]}
    )


# --------------------------------------------------------------------------- ours
def run_ours(sales: pd.DataFrame, as_of: pd.Timestamp) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The library: history -> velocity, classes (ABC by revenue from unit_price)."""
    h = demand_history(sales, as_of=as_of, min_zero_run=MIN_ZERO_RUN, suspect_alpha=ALPHA, freq="D")
    vel = item_velocity(h, windows=WINDOWS, halflife_days=HALFLIFE)
    cls = classify_demand(h)  # ABC by revenue recorded from unit_price
    return vel, cls


# --------------------------------------------------------------------------- reference
def run_reference(sales: pd.DataFrame, as_of: pd.Timestamp) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The same numbers with pandas groupby on a zero-filled long item-day frame (daily)."""
    as_of = pd.Timestamp(as_of).normalize()
    s = sales.loc[sales["date"] <= as_of, ["item_id", "date", "units", "unit_price"]].copy()
    s["item_id"] = s["item_id"].astype("category")
    s["date"] = s["date"].dt.normalize()
    daily = s.groupby(["item_id", "date"], observed=True)["units"].sum()
    first = daily.reset_index().groupby("item_id", observed=True)["date"].min()
    n_days = (as_of - first).dt.days + 1

    # zero-filled long frame: every item-day from the item's first line to as_of
    item = first.index.repeat(n_days.to_numpy())
    offset = pd.Series(1, index=item).groupby(level=0, observed=True).cumcount().to_numpy()
    date = first.reindex(item).to_numpy() + offset.astype("timedelta64[D]")
    full = pd.MultiIndex.from_arrays([item, date], names=["item_id", "date"])
    long = daily.reindex(full, fill_value=0.0).reset_index()
    long["pos"] = long["units"] > 0
    g = long.groupby("item_id", observed=True)
    n_act = g.size()
    k = g["pos"].sum()
    total_units = g["units"].sum()
    last_sale = long[long["pos"]].groupby("item_id", observed=True)["date"].max()

    # suspected stock-outs: zero runs by cumulative count of demand days
    run = g["pos"].cumsum()
    zero = ~long["pos"]
    run_len = zero.groupby([long["item_id"], run], observed=True).transform("sum")
    with np.errstate(divide="ignore", invalid="ignore"):
        limit = np.log(ALPHA / (k + 1.0)) / np.log1p(-(k / n_act))
    eligible = (k >= MIN_DEMANDS) & (k < n_act)
    suspected = (
        zero
        & (run_len >= MIN_ZERO_RUN)
        & (run_len > long["item_id"].map(limit).astype(float))
        & long["item_id"].map(eligible).astype(bool)
    )
    del run, zero, run_len, g
    obs = long.loc[~suspected, ["item_id", "date", "units"]]
    del long, suspected
    items = first.index

    vel = pd.DataFrame(index=items)
    for w in WINDOWS:
        inw = obs[obs["date"] > as_of - pd.Timedelta(days=w)]
        gw = inw.groupby("item_id", observed=True)["units"]
        cnt = gw.size().reindex(items, fill_value=0)
        vel[f"velocity_{w}d"] = (gw.sum().reindex(items) / cnt).where(cnt > 0)
        vel[f"in_stock_days_{w}d"] = cnt.astype(np.int64)
    obs["w"] = 0.5 ** ((as_of - obs["date"]).dt.days / HALFLIFE)
    obs["wy"] = obs["w"] * obs["units"]
    go = obs.groupby("item_id", observed=True)
    vel["velocity_ewm"] = go["wy"].sum() / go["w"].sum()
    vel["trend_ratio"] = vel[f"velocity_{WINDOWS[-2]}d"] / vel[f"velocity_{WINDOWS[-1]}d"].where(
        vel[f"velocity_{WINDOWS[-1]}d"] != 0
    )
    vel["total_units"] = total_units
    vel["last_sale_date"] = last_sale

    # status (same precedence as demand_history; no stock history here)
    n_obs = go.size().reindex(items, fill_value=0)
    net = vel["total_units"]
    status = pd.Series("ok", index=items, dtype=object)
    dormant = vel["last_sale_date"] <= as_of - pd.Timedelta(days=DORMANT)
    for mask, code in [
        (dormant, "discontinued"),
        (n_act < MIN_PERIODS, "new"),
        (n_obs == 0, "fully_censored"),
        (net <= 0, "all_returns"),
    ]:
        status[mask.reindex(items, fill_value=False).to_numpy()] = code
    any_nan = vel[[f"velocity_{w}d" for w in WINDOWS]].isna().any(axis=1)
    vel["status"] = status.where(~((status == "ok") & any_nan), "partial")

    # demand classes
    obs["y"] = obs["units"].clip(lower=0.0)
    dem = obs[obs["y"] > 0]
    gd = dem.groupby("item_id", observed=True)["y"]
    n_dem = gd.size().reindex(items, fill_value=0)
    cls = pd.DataFrame(index=items)
    cls["n_periods_observed"] = n_obs
    cls["n_demand_periods"] = n_dem
    cls["adi"] = (n_obs / n_dem).where(n_dem > 0)
    cls["cv2"] = ((gd.std() / gd.mean()) ** 2).reindex(items).where(n_dem >= 2)
    gy = obs.groupby("item_id", observed=True)["y"]
    mean_p = gy.mean().reindex(items)
    cls["cv"] = (gy.std().reindex(items) / mean_p).where((n_obs >= 2) & (mean_p > 0))
    hi_adi, hi_cv2 = cls["adi"] > 1.32, cls["cv2"] > 0.49
    cls["demand_class"] = np.select(
        [n_dem < 2, hi_adi & hi_cv2, hi_adi, hi_cv2],
        ["insufficient", "lumpy", "intermittent", "erratic"],
        "smooth",
    )
    cls["xyz"] = np.select(
        [cls["cv"].isna(), cls["cv"] <= 0.5, cls["cv"] <= 1.0], [None, "X", "Y"], "Z"
    )
    s["revenue"] = s["units"] * s["unit_price"]
    rev = s.groupby("item_id", observed=True)["revenue"].sum().reindex(items, fill_value=0.0)
    ranked = (
        rev.clip(lower=0.0)
        .rename("v")
        .reset_index()
        .assign(item_id=lambda d: d["item_id"].astype(str))
        .sort_values(["v", "item_id"], ascending=[False, True])
    )
    before = (ranked["v"].cumsum() - ranked["v"]) / ranked["v"].sum()
    ranked["abc"] = np.select([ranked["v"] <= 0, before < 0.8, before < 0.95], ["C", "A", "B"], "C")
    cls["abc_value"] = rev
    cls["abc"] = ranked.set_index("item_id")["abc"].reindex(items.astype(str)).to_numpy()

    vel.index = vel.index.astype(str)
    cls.index = cls.index.astype(str)
    return vel.rename_axis("item_id").reset_index(), cls.rename_axis("item_id").reset_index()


# --------------------------------------------------------------------------- comparison
VEL_NUMERIC = [
    *(f"velocity_{w}d" for w in WINDOWS),
    "velocity_ewm",
    "trend_ratio",
    *(f"in_stock_days_{w}d" for w in WINDOWS),
    "total_units",
]
CLS_NUMERIC = ["n_periods_observed", "n_demand_periods", "adi", "cv2", "cv", "abc_value"]
CLS_LABELS = ["demand_class", "xyz", "abc"]


def compare(ours: tuple[pd.DataFrame, pd.DataFrame], ref: tuple[pd.DataFrame, pd.DataFrame]) -> int:
    """Assert equal numbers (relative tolerance 1e-9) and labels; return the item count."""
    (v1, c1), (v2, c2) = ours, ref
    v2 = v2.set_index("item_id").reindex(v1["item_id"])
    c2 = c2.set_index("item_id").reindex(c1["item_id"])
    assert len(v1) == len(v2), "item counts differ"
    assert not v2.index.isna().any(), "item sets differ"
    for col in VEL_NUMERIC:
        a, b = v1[col].to_numpy(float), v2[col].to_numpy(float)
        assert np.allclose(a, b, rtol=1e-9, atol=1e-12, equal_nan=True), f"velocity.{col} differs"
    same_date = (v1["last_sale_date"].to_numpy() == v2["last_sale_date"].to_numpy()) | (
        v1["last_sale_date"].isna().to_numpy() & v2["last_sale_date"].isna().to_numpy()
    )
    assert same_date.all(), "last_sale_date differs"
    assert (v1["status"].to_numpy(str) == v2["status"].to_numpy(str)).all(), "status differs"
    for col in CLS_NUMERIC:
        a, b = c1[col].to_numpy(float), c2[col].to_numpy(float)
        assert np.allclose(a, b, rtol=1e-9, atol=1e-9, equal_nan=True), f"classes.{col} differs"
    for col in CLS_LABELS:
        a = c1[col].astype(object).where(c1[col].notna(), None).to_numpy()
        b = c2[col].astype(object).where(c2[col].notna(), None).to_numpy()
        assert (a == b).all(), f"classes.{col} differs"
    return len(v1)


# --------------------------------------------------------------------------- main
def _reset_peak_rss() -> bool:
    """Reset the process's peak resident set (Linux ``/proc/self/clear_refs``)."""
    try:
        with open("/proc/self/clear_refs", "w", encoding="ascii") as fh:
            fh.write("5")
    except OSError:
        return False
    return True


def _rss_bytes(field: str) -> int:
    """``VmHWM`` (peak) or ``VmRSS`` (current) in bytes; ru_maxrss when /proc is absent."""
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith(field + ":"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return rss if sys.platform == "darwin" else rss * 1024  # Linux reports KiB


def _time(fn: Any, repeat: int) -> tuple[list[float], list[float], Any]:
    """Wall and CPU (process) seconds of ``repeat`` calls, and the last result."""
    wall, cpu, out = [], [], None
    for _ in range(repeat):
        gc.collect()
        w0, c0 = time.perf_counter(), time.process_time()
        out = fn()
        wall.append(time.perf_counter() - w0)
        cpu.append(time.process_time() - c0)
    return wall, cpu, out


def main(argv: list[str] | None = None) -> dict[str, Any]:
    """Run the benchmark; print a summary and optionally write JSON."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--n-items", type=int, default=100_000)
    ap.add_argument("--n-days", type=int, default=730)
    ap.add_argument("--repeat", type=int, default=3, help="runs of ours (median reported)")
    ap.add_argument("--ref-repeat", type=int, default=1, help="runs of the pandas reference")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--json", dest="json_path", default=None, help="write results here")
    args = ap.parse_args(argv)

    t0 = time.perf_counter()
    sales = generate_sales(args.n_items, args.n_days, args.seed)
    gen_s = time.perf_counter() - t0
    as_of = pd.Timestamp(START + np.timedelta64(args.n_days - 1, "D"))
    gc.collect()
    data_rss = _rss_bytes("VmRSS")
    print(
        f"generated {len(sales):,} sales lines for {args.n_items:,} items x {args.n_days} days "
        f"in {gen_s:.1f} s; resident {data_rss / 2**30:.2f} GiB"
    )

    load_before = os.getloadavg()
    exact_peak = _reset_peak_rss()
    ours_wall, ours_cpu, ours = _time(lambda: run_ours(sales, as_of), args.repeat)
    ours_peak = _rss_bytes("VmHWM")
    del ours
    gc.collect()
    tracemalloc.start()
    base = tracemalloc.get_traced_memory()[0]
    ours = run_ours(sales, as_of)
    traced_peak = tracemalloc.get_traced_memory()[1] - base
    tracemalloc.stop()
    print(
        f"ours: wall {[round(t, 2) for t in ours_wall]} s, cpu {[round(t, 2) for t in ours_cpu]} s"
    )

    _reset_peak_rss()
    ref_wall, ref_cpu, ref = _time(lambda: run_reference(sales, as_of), args.ref_repeat)
    ref_peak = _rss_bytes("VmHWM")
    load_after = os.getloadavg()
    print(
        f"pandas groupby reference: wall {[round(t, 2) for t in ref_wall]} s, "
        f"cpu {[round(t, 2) for t in ref_cpu]} s"
    )
    n_checked = compare(ours, ref)

    gib = 1024**3
    med = statistics.median
    result = {
        "n_items": args.n_items,
        "n_days": args.n_days,
        "n_sales_lines": len(sales),
        "seed": args.seed,
        "ours_wall_s_median": round(med(ours_wall), 3),
        "ours_wall_s_all": [round(t, 3) for t in ours_wall],
        "ours_cpu_s_median": round(med(ours_cpu), 3),
        "reference_wall_s_median": round(med(ref_wall), 3),
        "reference_wall_s_all": [round(t, 3) for t in ref_wall],
        "reference_cpu_s_median": round(med(ref_cpu), 3),
        "speedup_wall": round(med(ref_wall) / med(ours_wall), 2),
        "speedup_cpu": round(med(ref_cpu) / med(ours_cpu), 2),
        "input_resident_gib": round(data_rss / gib, 3),
        "ours_peak_rss_gib": round(ours_peak / gib, 3),
        "reference_peak_rss_gib": round(ref_peak / gib, 3),
        "peak_rss_source": "VmHWM reset before each part" if exact_peak else "ru_maxrss",
        "ours_tracemalloc_peak_gib": round(traced_peak / gib, 3),
        "load_average_1min_before_after": [round(load_before[0], 2), round(load_after[0], 2)],
        "items_compared_equal": n_checked,
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "pandas": pd.__version__,
    }
    print(
        f"results equal for {n_checked:,} items; speed-up {result['speedup_wall']}x wall, "
        f"{result['speedup_cpu']}x cpu; peak RSS while running ours "
        f"{result['ours_peak_rss_gib']} GiB (input data {result['input_resident_gib']} GiB "
        f"of it), tracemalloc peak {result['ours_tracemalloc_peak_gib']} GiB; peak RSS of the "
        f"reference {result['reference_peak_rss_gib']} GiB; load average "
        f"{result['load_average_1min_before_after']} on {os.cpu_count()} CPUs"
    )
    if args.json_path:
        with open(args.json_path, "w", encoding="utf-8") as fh:
            json.dump(result, fh, indent=2)
    return result


if __name__ == "__main__":
    main()

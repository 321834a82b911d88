"""Benchmark: supplier splits + draft POs for 10,000 items x 3 suppliers, promise dates for
100,000 open lines, each against a baseline measured in the same run.

Run:  .venv/bin/python benchmarks/bench_suppliers.py [--items 10000] [--lines 100000]

Targets (issue 5): split + POs <= 30 s; promise dates <= 10 s.
Baselines: one MILP per item (HiGHS, the exact method without the closed-form fast path)
on a random subset, extrapolated linearly; a per-line Python loop for the allocation on a
subset, extrapolated linearly.
"""

from __future__ import annotations

import argparse
import time
from types import SimpleNamespace

import numpy as np
import pandas as pd
from scipy.special import ndtr

from stockout_forecast.supply._problem import _build
from stockout_forecast.supply._supplier_terms import _supplier_table
from stockout_forecast.supply.backorders import promise_dates
from stockout_forecast.supply.purchase_orders import (
    _orders_table,
    _stockout_matrix,
    plan_purchase_orders,
)
from stockout_forecast.supply.solvers.milp import _milp_one

AS_OF = pd.Timestamp("2024-06-03")


def make_split_data(n_items: int, seed: int = 0):
    """A catalogue where each item has a cheap-slow, a mid and a fast-dear supplier."""
    rng = np.random.default_rng(seed)
    items = np.array([f"I{k:05d}" for k in range(n_items)])
    base = rng.uniform(2, 50, n_items)
    pack_cheap = np.where(rng.random(n_items) < 0.3, 12.0, 1.0)
    moq_cheap = np.where(rng.random(n_items) < 0.2, rng.choice([100.0, 200.0, 300.0], n_items), 0.0)
    rate = rng.uniform(1, 20, n_items)
    units = np.ceil(rate * rng.uniform(10, 30, n_items) / pack_cheap) * pack_cheap
    sup = pd.DataFrame(
        {
            "item_id": np.repeat(items, 3),
            "supplier_id": np.tile(["CHEAP", "MID", "FAST"], n_items),
            "unit_cost": np.c_[base, base * 1.15, base * 1.5].ravel(),
            "lead_time_days": np.c_[
                rng.integers(25, 40, n_items),
                rng.integers(12, 20, n_items),
                rng.integers(2, 6, n_items),
            ].ravel(),
            "lead_time_sd_days": np.tile([5.0, 3.0, 1.0], n_items),
            "on_time_rate": np.tile([0.8, 0.9, 0.98], n_items),
            "fill_rate": np.tile([0.95, 0.98, 1.0], n_items),
            "pack_units": np.c_[pack_cheap, np.ones(n_items), np.ones(n_items)].ravel(),
            "moq_units": np.c_[moq_cheap, np.zeros(n_items), np.zeros(n_items)].ravel(),
            "order_cost": np.tile([0.0, 0.0, 15.0], n_items),
        }
    )
    orders = pd.DataFrame(
        {
            "item_id": items,
            "order_units": units,
            "demand_units_per_day": rate,
            "backorder_cost_per_unit": 2.0 * base,
        }
    )
    # stockout day ~ normal(mu, sd) discretised: P(stockout by day t)
    mu = rng.uniform(10, 45, n_items)
    sd = rng.uniform(2, 8, n_items)
    t = np.arange(90)
    p = ndtr((t[None, :] + 0.5 - mu[:, None]) / sd[:, None])
    stockouts = SimpleNamespace(
        item_ids=items, dates=pd.date_range(AS_OF, periods=90, freq="D"), p_stockout=p
    )
    limits = pd.DataFrame(
        {"supplier_id": ["CHEAP", "MID", "FAST"], "min_order_value": [5000.0, 1000.0, 500.0]}
    )
    return orders, sup, stockouts, limits


def bench_split(n_items: int, n_baseline: int) -> dict:
    orders, sup, stockouts, limits = make_split_data(n_items)
    t0 = time.perf_counter()
    plan = plan_purchase_orders(
        orders, sup, stockouts=stockouts, supplier_limits=limits, as_of=AS_OF
    )
    t_fast = time.perf_counter() - t0
    solver = plan.items["solver"].value_counts().to_dict()
    # baseline: one MILP per item on a random subset (same arrays, no fast path)
    rng = np.random.default_rng(1)
    sub = np.sort(rng.choice(n_items, n_baseline, replace=False))
    o = orders.iloc[sub].reset_index(drop=True)
    ords = _orders_table(o, None, 0.0, AS_OF)
    s = _supplier_table(sup[sup.item_id.isin(o.item_id)], None, max_share=1.0, late_days=7.0)
    tau, has, _ = _stockout_matrix(ords, stockouts, AS_OF)
    t0 = time.perf_counter()
    a = _build(ords, s, tau, has, n_buckets=10, late_days=7.0)
    base_cost = 0.0
    for i in range(a.n):
        _status, x, z = _milp_one(a, i, time_limit=10.0)
        e = np.nan_to_num(a.e[i])
        base_cost += (a.c[i] * x).sum() + (a.F[i] * (x > 0)).sum() + a.b[i] * (e * z).sum()
    t_base = (time.perf_counter() - t0) * n_items / n_baseline
    fast_cost = plan.items.set_index("item_id").loc[o["item_id"], "total_cost"].sum()
    # a binding supplier-level capacity: FAST may ship only 80 % of what it was given
    fast_units = plan.purchase_orders.set_index("supplier_id").loc["FAST", "units"]
    capped = limits.assign(capacity_units=[np.inf, np.inf, 0.8 * fast_units])
    t0 = time.perf_counter()
    plan_cap = plan_purchase_orders(
        orders, sup, stockouts=stockouts, supplier_limits=capped, as_of=AS_OF
    )
    t_cap = time.perf_counter() - t0
    po_cap = plan_cap.purchase_orders.set_index("supplier_id")
    return {
        "capacity_seconds": t_cap,
        "capacity_notes": plan_cap.notes,
        "capacity_ok": bool(po_cap.loc["FAST", "units"] <= 0.8 * fast_units + 1e-6),
        "capacity_cost_increase": plan_cap.items["total_cost"].sum()
        - plan.items["total_cost"].sum(),
        "items": n_items,
        "lines": len(plan.lines),
        "pos": len(plan.purchase_orders),
        "solver": solver,
        "notes": plan.notes,
        "seconds": t_fast,
        "baseline_seconds_extrapolated": t_base,
        "baseline_items": n_baseline,
        "subset_cost_fast": fast_cost,
        "subset_cost_milp": base_cost,
    }


def make_backorder_data(n_lines: int, seed: int = 0):
    rng = np.random.default_rng(seed)
    n_items = max(n_lines // 5, 1)
    items = np.array([f"I{k:05d}" for k in range(n_items)])
    item_of_line = rng.integers(0, n_items, n_lines)
    lines = pd.DataFrame(
        {
            "order_id": [f"O{k:07d}" for k in range(n_lines)],
            "line_id": "1",
            "customer_id": [f"C{k:06d}" for k in rng.integers(0, n_lines // 3 + 1, n_lines)],
            "item_id": items[item_of_line],
            "units": rng.integers(1, 10, n_lines).astype(float),
            "order_date": AS_OF - pd.to_timedelta(rng.integers(0, 60, n_lines), unit="D"),
            "priority": np.where(rng.random(n_lines) < 0.1, 1.0, np.nan),
            "promised_date": AS_OF + pd.to_timedelta(rng.integers(0, 40, n_lines), unit="D"),
        }
    )
    inv = pd.DataFrame(
        {"item_id": items, "on_hand_units": rng.integers(0, 30, n_items).astype(float)}
    )
    n_po = n_items
    pos = pd.DataFrame(
        {
            "po_id": [f"P{k:06d}" for k in range(n_po)],
            "item_id": items[rng.integers(0, n_items, n_po)],
            "supplier_id": "S1",
            "units": rng.integers(5, 40, n_po).astype(float),
            "order_date": AS_OF - pd.Timedelta(days=10),
            "expected_date": AS_OF + pd.to_timedelta(rng.integers(-3, 40, n_po), unit="D"),
        }
    )
    return lines, inv, pos


def _loop_allocation(lines: pd.DataFrame, inv: pd.DataFrame, pos: pd.DataFrame) -> dict:
    """Baseline: the textbook per-line loop (dicts of lists, one line at a time)."""
    stock = dict(zip(inv["item_id"], inv["on_hand_units"], strict=True))
    supply: dict[str, list[list]] = {}
    for it, s in stock.items():
        supply[it] = [["stock", s, AS_OF]]
    for p in pos.sort_values(["expected_date", "po_id"]).itertuples(index=False):
        supply.setdefault(p.item_id, [["stock", 0.0, AS_OF]]).append(
            [p.po_id, p.units, p.expected_date]
        )
    ptr = dict.fromkeys(supply, 0)
    out = {}
    for ln in lines.sort_values(["item_id", "order_date", "order_id", "line_id"]).itertuples(
        index=False
    ):
        src = supply.get(ln.item_id, [])
        k = ptr.get(ln.item_id, 0)
        need, last = ln.units, None
        while need > 1e-12 and k < len(src):
            take = min(need, src[k][1])
            src[k][1] -= take
            need -= take
            last = src[k][2]
            if src[k][1] <= 1e-12:
                k += 1
        ptr[ln.item_id] = k
        out[(ln.order_id, ln.line_id)] = (need, last)
    return out


def bench_promise(n_lines: int, n_baseline: int) -> dict:
    lines, inv, pos = make_backorder_data(n_lines)
    t0 = time.perf_counter()
    plan = promise_dates(lines, inv, pos, as_of=AS_OF)
    t_alloc = time.perf_counter() - t0
    notices = plan.notices()
    feed = plan.availability()
    t_fast = time.perf_counter() - t0
    items = lines["item_id"].unique()[: max(n_baseline // 5, 1)]
    sub_lines = lines[lines.item_id.isin(items)]
    t0 = time.perf_counter()
    ref = _loop_allocation(sub_lines, inv[inv.item_id.isin(items)], pos[pos.item_id.isin(items)])
    t_base = (time.perf_counter() - t0) * n_lines / len(sub_lines)
    got = plan.lines.set_index(["order_id", "line_id"]).loc[list(ref), "units_unallocated"]
    agree = np.allclose(got.to_numpy(), [v[0] for v in ref.values()])
    return {
        "lines": n_lines,
        "items": lines["item_id"].nunique(),
        "pos": len(pos),
        "notices": len(notices),
        "feed_rows": len(feed),
        "seconds": t_fast,
        "promise_seconds": t_alloc,
        "baseline_seconds_extrapolated": t_base,
        "baseline_lines": len(sub_lines),
        "baseline_agrees": agree,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--items", type=int, default=10_000)
    ap.add_argument("--lines", type=int, default=100_000)
    ap.add_argument("--baseline-items", type=int, default=300)
    ap.add_argument("--baseline-lines", type=int, default=10_000)
    args = ap.parse_args()
    s = bench_split(args.items, args.baseline_items)
    print(
        f"split + POs: {s['items']:,} items x 3 suppliers -> {s['lines']:,} PO lines on "
        f"{s['pos']} POs in {s['seconds']:.1f} s (target <= 30 s); solver per item: "
        f"{s['solver']}"
    )
    for n in s["notes"]:
        print(f"  note: {n}")
    print(
        f"  baseline one MILP per item: {s['baseline_seconds_extrapolated']:.1f} s "
        f"(measured on {s['baseline_items']} items, extrapolated); subset cost fast path "
        f"{s['subset_cost_fast']:,.2f} vs per-item MILP {s['subset_cost_milp']:,.2f}"
    )
    print(
        f"  with FAST capped at 80 % of its planned units: {s['capacity_seconds']:.1f} s, "
        f"limit holds: {s['capacity_ok']}, total cost +{s['capacity_cost_increase']:,.2f}"
    )
    for n in s["capacity_notes"]:
        print(f"  note: {n}")
    p = bench_promise(args.lines, args.baseline_lines)
    print(
        f"promise dates: {p['lines']:,} open lines, {p['items']:,} items, {p['pos']:,} POs "
        f"in {p['promise_seconds']:.2f} s; with notices ({p['notices']:,}) and feed "
        f"({p['feed_rows']:,} items) {p['seconds']:.2f} s (target <= 10 s)"
    )
    print(
        f"  baseline per-line loop (allocation only: no dates, reasons, notices): "
        f"{p['baseline_seconds_extrapolated']:.2f} s (measured on {p['baseline_lines']:,} "
        f"lines, extrapolated); allocations agree: {p['baseline_agrees']}"
    )


if __name__ == "__main__":
    main()

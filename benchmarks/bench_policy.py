"""Benchmark: reorder policies replayed on held-out demand at a 95 % fill-rate target.

For each dataset the history before a cut-off is used to set the policies, and the demand
after it is replayed month by month (day by day for the demo data) with
``stockout_forecast.replay.simulate_policy`` (backorders, review every period, order placed
at the end of a period arrives ⌈L⌉ periods later at the start of a period, trigger
``IP ≤ s``). Every policy orders the same Q per item (an EOQ with the assumptions printed
below), so the comparison is about *when* to order — the reorder point.

Policies
--------
(a)  textbook: ``s = d L + z σ √L`` with ``z = Φ⁻¹(0.95)`` (a 95 % *cycle* service level,
     as most tools do), ``d``/``σ`` the mean / standard deviation of demand per period over
     the fitting window, ``L`` the lead time in periods.
(a') the same normal formula with the protection interval this periodic replay actually has,
     ``⌈L⌉ + R`` (R = 1 period): the fairest normal baseline.
(b)  ours, set ex ante (nothing from the replayed period): bootstrap 200 demand paths per
     item from its own fitting history (``bootstrap_demand_paths``), then per item the
     smallest integer reorder point whose *simulated* fill rate reaches 95 %
     (``simulated_reorder_point``: the same replay engine on the paths, so periodic review,
     undershoot and lead time are accounted for without a distributional formula).
(c)  refinery only: the company's own reorder point ("Min") and maximum stock ("Max") from
     the file, replayed as an (s, S) policy.

One-off huge orders are shown both ways:

* **stocked for** — every unit demanded must come from stock; (a) and (b) are fitted on
  all history;
* **special orders** — a month whose demand exceeds 4 x the 90 % quantile of the item's own
  non-zero monthly demands (quantile taken without the item's largest month; at least two
  non-zero months needed) is a special order sourced on demand
  (``policy.special_order_threshold`` / ``flag_special_orders``). The threshold is fixed
  from the fitting window. Flagged months are removed from the history every policy is
  fitted on and from the demand the stock must serve; their count and units are reported.

For each view the safety factor of (a) and (a') is scaled (one common z for all items,
bisection) until its pooled fill rate equals that of (b): the stock (a) needs for the same
fill. Goal (issue 4): (b) within ±1.5 points of 95 % pooled fill, holding at most 90 % of
the stock (a) needs for the same fill.

Run from the repository root (needs ../shared/data for RAF and refinery; skipped cleanly
when absent)::

    .venv/bin/python benchmarks/bench_policy.py                 # all datasets
    .venv/bin/python benchmarks/bench_policy.py --datasets raf --paths 100
"""

from __future__ import annotations

import argparse
import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy.special import ndtri

from stockout_forecast.leadtime import lead_time_history
from stockout_forecast.policy import flag_special_orders, special_order_threshold
from stockout_forecast.replay import (
    bootstrap_demand_paths,
    simulate_policy,
    simulated_reorder_point,
)

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data"
TARGET = 0.95
ORDER_COST = 50.0  # currency per order, for the EOQ (RAF, refinery)
HOLDING_RATE = 0.25  # per year, fraction of unit price
DAYS_PER_MONTH = 365.25 / 12.0


@dataclass
class Case:
    """One dataset prepared for the benchmark (items x periods, fit/replay split)."""

    name: str
    ids: np.ndarray
    fit: np.ndarray  # (n, T_fit) demand, NaN = unusable period
    replay: np.ndarray  # (n, T_replay)
    lead: np.ndarray  # lead time, periods (mean)
    lead_sd: np.ndarray  # lead-time sd, periods (0 = fixed)
    price: np.ndarray
    q: np.ndarray  # order quantity per item
    moq: np.ndarray
    pack: np.ndarray
    company: pd.DataFrame | None
    note: str
    periods_per_year: float
    path_horizon: int
    recent: int | None = None  # bootstrap only the last `recent` periods (daily data)


# --------------------------------------------------------------------------- datasets
def _eoq(
    d_per_period: np.ndarray,
    price: np.ndarray,
    periods_per_year: float,
    order_cost: np.ndarray | float,
) -> np.ndarray:
    annual = np.nan_to_num(d_per_period) * periods_per_year
    h = HOLDING_RATE * np.maximum(price, 0.01)
    q = np.ceil(np.sqrt(2.0 * order_cost * annual / h))
    # at least 1 unit, at most a year of demand
    return np.clip(q, 1.0, np.maximum(1.0, np.ceil(annual)))


def load_raf(fit_months: int) -> Case | None:
    folder = SHARED / "raf_spare_parts"
    if not (folder / "raf_demand_monthly.csv.gz").exists():
        return None
    dem = pd.read_csv(folder / "raf_demand_monthly.csv.gz")
    items = pd.read_csv(folder / "raf_items.csv").set_index("item_id")
    wide = dem.pivot(index="item_id", columns="date", values="quantity").sort_index()
    x = wide.to_numpy(dtype=float)
    fit, rep = x[:, :fit_months], x[:, fit_months:]
    lead = items.loc[wide.index, "lead_time_months"].to_numpy(dtype=float)
    price = items.loc[wide.index, "unit_price_gbp"].to_numpy(dtype=float)
    q = _eoq(np.nanmean(fit, axis=1), price, 12.0, ORDER_COST)
    n = len(wide)
    return Case(
        name="raf",
        ids=wide.index.astype(str).to_numpy(),
        fit=fit,
        replay=rep,
        lead=lead,
        lead_sd=np.zeros(n),
        price=price,
        q=q,
        moq=np.full(n, np.nan),
        pack=np.full(n, np.nan),
        company=None,
        note=(
            f"RAF: {n:,} items, monthly; fit {wide.columns[0]}..{wide.columns[fit_months - 1]} "
            f"({fit_months} months), replay {wide.columns[fit_months]}..{wide.columns[-1]} "
            f"({x.shape[1] - fit_months} months); lead time as given (0 for "
            f"{int((lead == 0).sum())} items: next month)"
        ),
        periods_per_year=12.0,
        path_horizon=48,
    )


def load_refinery(fit_months: int) -> Case | None:
    folder = SHARED / "refinery_spare_parts"
    if not (folder / "refinery_demand_monthly.csv.gz").exists():
        return None
    dem = pd.read_csv(folder / "refinery_demand_monthly.csv.gz")
    items = pd.read_csv(folder / "refinery_items.csv").set_index("item_id")
    wide = dem.pivot(index="item_id", columns="date", values="quantity").sort_index()
    x = np.clip(wide.to_numpy(dtype=float), 0.0, None)  # net returns are not demand
    cols = list(wide.columns)
    bad_month = cols.index("1997-11-01")  # SOURCE.md: consumption of Nov 97 unknown
    x[:, bad_month] = np.nan
    fit, rep = x[:, :fit_months], x[:, fit_months:]
    it = items.loc[wide.index]
    lead = it["lead_time_days"].to_numpy(dtype=float) / DAYS_PER_MONTH
    price = it["unit_price"].to_numpy(dtype=float)
    q = _eoq(np.nanmean(fit, axis=1), price, 12.0, ORDER_COST)
    n = len(wide)
    company = pd.DataFrame(
        {
            "item_id": wide.index.astype(str),
            "reorder_point": it["reorder_point_min"].to_numpy(dtype=float),
            "order_up_to": it["max_stock"].to_numpy(dtype=float),
        }
    )
    return Case(
        name="refinery",
        ids=wide.index.astype(str).to_numpy(),
        fit=fit,
        replay=np.nan_to_num(rep),
        lead=lead,
        lead_sd=np.zeros(n),
        price=price,
        q=q,
        moq=np.full(n, np.nan),
        pack=np.full(n, np.nan),
        company=company,
        note=(
            f"refinery: {n:,} items, monthly; fit {cols[0]}..{cols[fit_months - 1]} "
            f"({fit_months} months, Nov 97 masked), replay {cols[fit_months]}..{cols[-1]} "
            f"({len(cols) - fit_months} months); negatives clipped at 0; lead time "
            f"days / 30.44"
        ),
        periods_per_year=12.0,
        path_horizon=48,
    )


def load_demo(fit_days: int) -> Case | None:
    try:
        from stockout_forecast.datasets import load_demo as _load
    except ImportError:
        return None
    ds = _load()
    sales = ds.sales.copy()
    sales["day"] = sales["date"].dt.normalize()
    days = pd.date_range(sales["day"].min(), sales["day"].max(), freq="D")
    ids = np.sort(ds.items["item_id"].astype(str).unique())
    wide = (
        sales.pivot_table(index="item_id", columns="day", values="units", aggfunc="sum")
        .reindex(index=ids, columns=days)
        .fillna(0.0)
    )
    x = np.clip(wide.to_numpy(dtype=float), 0.0, None)
    # days that ended with nothing on hand: demand unobserved (censored), not used to fit
    stock = ds.stock_history
    censored = np.zeros_like(x, dtype=bool)
    if stock is not None:
        sh = stock.assign(day=stock["date"].dt.normalize()).pivot_table(
            index="item_id", columns="day", values="on_hand_units", aggfunc="last"
        )
        sh = sh.reindex(index=ids, columns=days)
        censored = (sh.to_numpy(dtype=float) <= 0) & ~np.isnan(sh.to_numpy(dtype=float))
    fit = np.where(censored, np.nan, x)[:, :fit_days]
    rep = x[:, fit_days:]
    cutoff = days[fit_days]
    lt = lead_time_history(ds.purchase_orders, ds.suppliers, as_of=cutoff)
    lt = lt.sort_values(
        ["item_id", "n_receipts", "lead_time_mean_days"], ascending=[True, False, True]
    )
    main = lt.drop_duplicates("item_id").set_index("item_id").reindex(ids)
    sup = ds.suppliers.assign(item_id=ds.suppliers["item_id"].astype(str)).set_index(
        ["item_id", "supplier_id"]
    )
    terms = sup.reindex(list(zip(main.index, main["supplier_id"], strict=True)))
    lead = main["lead_time_mean_days"].to_numpy(dtype=float)
    lead_sd = np.nan_to_num(main["lead_time_sd_days"].to_numpy(dtype=float))
    price = terms["unit_cost"].to_numpy(dtype=float)
    order_cost = np.nan_to_num(terms["order_cost"].to_numpy(dtype=float), nan=ORDER_COST)
    moq = terms["moq_units"].to_numpy(dtype=float)
    pack = terms["pack_units"].to_numpy(dtype=float)
    q = _eoq(np.nanmean(fit, axis=1), price, 365.0, order_cost)
    n = len(ids)
    return Case(
        name="demo",
        ids=ids,
        fit=fit,
        replay=rep,
        lead=lead,
        lead_sd=lead_sd,
        price=price,
        q=q,
        moq=moq,
        pack=pack,
        company=None,
        note=(
            f"demo: {n} items, daily; fit {days[0]:%Y-%m-%d}..{days[fit_days - 1]:%Y-%m-%d} "
            f"({fit_days} days; {censored[:, :fit_days].mean():.1%} stocked-out item-days "
            f"left out), replay {cutoff:%Y-%m-%d}..{days[-1]:%Y-%m-%d} "
            f"({len(days) - fit_days} days) on recorded sales; lead time per item from "
            f"lead_time_history (main supplier, random per order: gamma with its mean/sd); "
            f"orders rounded up to MOQ / pack"
        ),
        periods_per_year=365.0,
        path_horizon=0,  # set from the lead times below
        recent=91,  # daily data: resample the last quarter, so trends are followed
    )


# --------------------------------------------------------------------------- policies
def _lead_for_replay(case: Case) -> Any:
    if np.any(case.lead_sd > 0):
        return pd.DataFrame(
            {"lead_time_mean": case.lead, "lead_time_sd": case.lead_sd}, index=case.ids
        )
    return case.lead


def replay(case: Case, policy: dict[str, Any], special: np.ndarray | None) -> dict[str, float]:
    res = simulate_policy(
        case.replay,
        {**policy, "moq_units": case.moq, "pack_units": case.pack},
        _lead_for_replay(case),
        item_ids=case.ids,
        costs={"unit_cost": case.price},
        special_orders=special,
        random_state=7,
    )
    return res.pooled


def textbook(
    fit: np.ndarray, lead: np.ndarray, z: float, protect: np.ndarray | None = None
) -> np.ndarray:
    d = np.nan_to_num(np.nanmean(fit, axis=1))
    sd = np.nan_to_num(np.nanstd(fit, axis=1, ddof=1))
    p = lead if protect is None else protect
    return d * p + z * sd * np.sqrt(p)


def ours(
    case: Case, fit: np.ndarray, n_paths: int, seed: int, donors: int | None
) -> tuple[np.ndarray, float]:
    t0 = time.perf_counter()
    protect = np.ceil(case.lead + 3 * case.lead_sd - 1e-9) + 1
    horizon = case.path_horizon or int(max(60, 2 * np.nanmax(protect) + 180))
    horizon = int(max(horizon, np.nanmax(protect) + 12))
    paths = bootstrap_demand_paths(fit, n_paths, horizon, sparse_donors=donors, random_state=seed)
    usable = ~np.isnan(paths).any(axis=(1, 2))
    paths = np.nan_to_num(paths)
    if np.any(case.lead_sd > 0):
        from stockout_forecast.leadtime import sample_lead_times

        lt = sample_lead_times(case.lead, case.lead_sd, n_paths, random_state=seed + 1)
        lt = np.minimum(lt, horizon - 2)
    else:
        lt = case.lead
    s = simulated_reorder_point(
        paths,
        case.q,
        lt,
        service_level=TARGET,
        moq=case.moq,
        pack=case.pack,
    )
    s = np.where(usable, s, -1.0)
    return s, time.perf_counter() - t0


def scale_to(
    case: Case, fit: np.ndarray, fill: float, special: np.ndarray | None, protect: np.ndarray | None
) -> tuple[float, dict[str, float]]:
    """Smallest common z whose pooled fill reaches ``fill`` (bisection)."""
    lo, hi = -1.0, 12.0
    best = replay(
        case,
        {"reorder_point": textbook(fit, case.lead, hi, protect), "order_quantity": case.q},
        special,
    )
    if best["fill_rate"] < fill:
        return float("inf"), best
    for _ in range(22):
        mid = 0.5 * (lo + hi)
        res = replay(
            case,
            {"reorder_point": textbook(fit, case.lead, mid, protect), "order_quantity": case.q},
            special,
        )
        if res["fill_rate"] >= fill:
            hi, best = mid, res
        else:
            lo = mid
    return hi, best


def run_case(case: Case, n_paths: int, seed: int, donors: int | None = 2) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    z95 = float(ndtri(TARGET))
    protect = np.ceil(case.lead - 1e-9) + 1.0  # periodic replay: ⌈L⌉ + R
    thr = special_order_threshold(np.nan_to_num(case.fit), quantile=0.9, factor=4.0, min_demands=2)
    sp_fit = flag_special_orders(np.nan_to_num(case.fit), thr)
    sp_rep = flag_special_orders(case.replay, thr)
    for view in ("stocked for", "special orders"):
        special = None if view == "stocked for" else sp_rep
        fit = case.fit if view == "stocked for" else np.where(sp_fit, 0.0, case.fit)
        s_b, secs = ours(case, fit, n_paths, seed, donors)
        pol_a = {"reorder_point": textbook(fit, case.lead, z95), "order_quantity": case.q}
        pol_a2 = {"reorder_point": textbook(fit, case.lead, z95, protect), "order_quantity": case.q}
        res = {
            "(a) textbook z·σ·√L, CSL 95%": replay(case, pol_a, special),
            "(a') normal, protection ⌈L⌉+R": replay(case, pol_a2, special),
            "(b) ours: simulated fill 95%": replay(
                case, {"reorder_point": s_b, "order_quantity": case.q}, special
            ),
        }
        if case.company is not None:
            res["(c) company Min / Max"] = replay(
                case,
                {
                    "reorder_point": case.company["reorder_point"].to_numpy(),
                    "order_up_to": case.company["order_up_to"].to_numpy(),
                },
                special,
            )
        fill_b = res["(b) ours: simulated fill 95%"]["fill_rate"]
        z_a, scaled_a = scale_to(case, fit, fill_b, special, None)
        z_a2, scaled_a2 = scale_to(case, fit, fill_b, special, protect)
        for label, z, sc in (("(a)", z_a, scaled_a), ("(a')", z_a2, scaled_a2)):
            if np.isfinite(z):
                res[f"{label} scaled to (b)'s fill, z = {z:.2f}"] = sc
            else:
                res[f"{label} at z = 12: cannot reach (b)'s fill"] = sc
        for name, p in res.items():
            rows.append(
                {
                    "dataset": case.name,
                    "view": view,
                    "policy": name,
                    "fill_pooled": p["fill_rate"],
                    "fill_item_mean": p["fill_rate_item_mean"],
                    "csl_pooled": p["cycle_service_level"],
                    "avg_on_hand_units": p["avg_on_hand_units"],
                    "avg_on_hand_value": p["avg_on_hand_value"],
                    "orders": p["orders_placed"],
                    "special_orders": p["special_orders"],
                    "special_order_units": p["special_order_units"],
                    "stocked_demand_units": p["demand_units"],
                    "fit_seconds": secs if name.startswith("(b)") else None,
                }
            )
        b = res["(b) ours: simulated fill 95%"]
        for label, sc in (("(a)", scaled_a), ("(a')", scaled_a2)):
            rows.append(
                {
                    "dataset": case.name,
                    "view": view,
                    "policy": f"(b) / {label} scaled: stock ratio",
                    "avg_on_hand_units": b["avg_on_hand_units"] / sc["avg_on_hand_units"]
                    if np.isfinite(sc["avg_on_hand_units"]) and sc["fill_rate"] >= fill_b
                    else float("nan"),
                    "avg_on_hand_value": b["avg_on_hand_value"] / sc["avg_on_hand_value"]
                    if sc["fill_rate"] >= fill_b and sc["avg_on_hand_value"] > 0
                    else float("nan"),
                }
            )
    return rows


def format_table(rows: list[dict[str, Any]]) -> str:
    out = []
    header = (
        f"{'policy':44s} {'fill pooled':>11s} {'fill item':>10s} {'CSL':>6s} "
        f"{'avg units':>12s} {'avg value':>14s} {'orders':>8s}"
    )
    last = None
    for r in rows:
        key = (r["dataset"], r["view"])
        if key != last:
            extra = ""
            if r.get("special_orders"):
                extra = (
                    f" — {int(r['special_orders']):,} special-order item-periods, "
                    f"{r['special_order_units']:,.0f} units sourced on demand "
                    f"({r['special_order_units'] / (r['special_order_units'] + r['stocked_demand_units']):.1%} of demand)"
                )
            out.append(f"\n[{r['dataset']} | {r['view']}]{extra}\n{header}")
            last = key
        if "stock ratio" in r["policy"]:
            if np.isnan(r["avg_on_hand_units"]):
                out.append(f"{r['policy']:44s} n/a: the baseline never reaches (b)'s fill")
                continue
            out.append(
                f"{r['policy']:44s} {'':>11s} {'':>10s} {'':>6s} "
                f"{r['avg_on_hand_units']:>12.1%} {r['avg_on_hand_value']:>14.1%}"
            )
            continue
        out.append(
            f"{r['policy']:44s} {r['fill_pooled']:>11.1%} {r['fill_item_mean']:>10.1%} "
            f"{r['csl_pooled']:>6.1%} {r['avg_on_hand_units']:>12,.0f} "
            f"{r['avg_on_hand_value']:>14,.0f} {r['orders']:>8,.0f}"
        )
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--datasets", default="raf,refinery,demo")
    ap.add_argument("--paths", type=int, default=200, help="bootstrap paths per item for (b)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument(
        "--sparse-donors",
        type=int,
        default=2,
        help="items with at most this many non-zero periods in the last half of the fit "
        "window take their paths from similar items' next half-window (-1: off)",
    )
    ap.add_argument("--raf-fit-months", type=int, default=60)
    ap.add_argument("--refinery-fit-months", type=int, default=32)
    ap.add_argument("--demo-fit-days", type=int, default=365)
    ap.add_argument("--json", type=Path, default=None, help="also write the rows as JSON")
    args = ap.parse_args(argv)
    loaders = {
        "raf": lambda: load_raf(args.raf_fit_months),
        "refinery": lambda: load_refinery(args.refinery_fit_months),
        "demo": lambda: load_demo(args.demo_fit_days),
    }
    print(
        f"Target fill rate {TARGET:.0%}; Q = EOQ (order cost {ORDER_COST:g} per order where the "
        f"data has none, holding {HOLDING_RATE:.0%} of unit price per year), 1 <= Q <= a "
        f"year of demand; {args.paths} bootstrap paths per item for (b), seed {args.seed}."
    )
    all_rows: list[dict[str, Any]] = []
    for name in [s.strip() for s in args.datasets.split(",") if s.strip()]:
        if name not in loaders:
            raise SystemExit(f"unknown dataset {name!r}; choose from {sorted(loaders)}")
        t0 = time.perf_counter()
        case = loaders[name]()
        if case is None:
            print(f"\n[{name}] skipped: data not found (expected under {SHARED}).")
            continue
        print(f"\n{case.note}")
        donors = None if args.sparse_donors < 0 else args.sparse_donors
        rows = run_case(case, args.paths, args.seed, donors)
        print(format_table(rows))
        fit_s = [r["fit_seconds"] for r in rows if r.get("fit_seconds")]
        print(
            f"time to set (b): {', '.join(f'{s:.1f}' for s in fit_s)} s; "
            f"whole dataset {time.perf_counter() - t0:.0f} s"
        )
        all_rows.extend(rows)
    if args.json:
        args.json.write_text(json.dumps(all_rows, indent=1, default=float))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

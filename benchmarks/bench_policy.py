"""Benchmark: reorder policies judged on the whole trade-off curve (fill rate against stock value).

For each dataset the history before a cut-off sets every policy and the demand after it is
replayed period by period with ``simulate_policy`` (backorders, review every period, an order
placed at the end of period t arrives at the start of period t + 1 + ⌈L⌉, trigger IP ≤ s).
Every policy orders the same Q per item (an EOQ: holding 25 % of the unit price a year and
the order cost stated per dataset; 1 ≤ Q ≤ a year of demand), so the curves differ only in
*when* to order. Each is swept over fill targets 80, 85, 90, 95, 97.5 and 99 %:

* textbook: ``s = d L + z σ √L`` with ``z = Φ⁻¹(target)`` (the target read as a cycle
  service level, as most tools do); textbook′: the same over the protection interval the
  periodic replay has, ``⌈L⌉ + 1``;
* ours per item: per item the reorder point whose *simulated* fill (bootstrap paths from the
  item's own fit history, ``policy_curves``) meets the target, rounded so that the average
  item gets the target (``rounding="item_mean"``); with backorders the candidates go below
  -1: ``s = -N`` orders once N units are backordered, how a low target is met when the lot
  alone fills more than it at ``s = -1``;
* ours pooled: the same curves, the pooled fill target reached at the least stock value;
* economic: per item the reorder point with the least expected cost on the same paths, for
  a backorder cost of k x unit price (k = 0.5, 2, 10), holding 25 %/year and the order cost;
* refinery only: the company's own Min / Max (a point), also under issue 4's protocol (no
  pre-roll) for the quoted 86.8 % / 5.0 M, and "ours pooled + Min/Max (no history)": ours on
  items with demand in the fit window, the planner's Min/Max on items without (exact sums of
  the replayed groups; items are replayed independently).

Policy for items with no demand in the fit window (decided here; in the package it is
``bootstrap_demand_paths(sparse_donors=2)``): each path borrows a donor item's demand timing
(items as quiet in the first half of the window; what they did next), sizes of one unit, i.e.
a small common demand-period rate, so a pooled or economic target stocks them only when the
units are cheap; where a planner's own Min/Max exists it is the only evidence for such an
item, and the third family shows what keeping it would deliver.

Items are reported in three groups by their demand in the fit window: none, 1-5 periods,
≥ 6 periods (``policy_frontier_history.png`` draws the frontier apart for items with and
without demand in the fit window). One-off huge orders (a period's demand above 4 x the 90 % quantile of the
item's own non-zero demands, threshold fixed at the cut-off) are special orders sourced on
demand, as in issue 4.

Run from the repository root (needs ../shared/data; missing datasets are skipped)::

    .venv/bin/python benchmarks/bench_policy.py --json benchmarks/results/bench_policy.json
    .venv/bin/python benchmarks/bench_policy.py --datasets raf --paths 50
    .venv/bin/python benchmarks/bench_policy.py --seeds 1,2,3,4   # Monte Carlo noise of the checks
"""

from __future__ import annotations

import argparse
import json
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from _policy_figures import (  # a sibling module: the script runs from benchmarks/
    _merge_groups,
    _points,
    format_rows,
    history_view,
    plot_calibration_and_cost,
    plot_frontier,
    plot_frontier_by_history,
    print_checks,
)
from _policy_paths import (  # a sibling module, as _policy_figures
    drift_levels,
    excess_level_variance,
    jitter_sizes,
    level_drift_variance,
    scale_occurrences,
    shrunk_rates,
)
from scipy.special import ndtri

from stockout_forecast.history.leadtime import lead_time_history, sample_lead_times
from stockout_forecast.policy._replay_inputs import _lead_times
from stockout_forecast.policy._replay_kernel import replay_kernel
from stockout_forecast.policy.bootstrap import bootstrap_demand_paths
from stockout_forecast.policy.curves import PolicyCurves, policy_curves
from stockout_forecast.policy.quantities import flag_special_orders, special_order_threshold

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data"
RESULTS = ROOT / "benchmarks" / "results"
TARGETS = (0.80, 0.85, 0.90, 0.95, 0.975, 0.99)
K_RATIOS = (0.5, 2.0, 10.0)
POOLED_TARGETS = (
    0.80, 0.85, 0.90, 0.925, 0.95, 0.96, 0.965, 0.97, 0.975, 0.98, 0.985, 0.99, 0.9925, 0.995,
    0.9975, 0.999,
)  # fmt: skip
ORDER_COST = 50.0  # currency per order where the data has none
HOLDING_RATE = 0.25  # per year, fraction of the unit price
DAYS_PER_MONTH = 365.25 / 12.0
OPTIONS: dict[str, Any] = {
    "parameter_uncertainty": True, "shrink_rates": True, "block_length": 1, "size_jitter": False,
    "level_drift": False,
}  # fmt: skip


def block_length_for(case: Case) -> int:
    """Block length of the moving-block bootstrap.

    ``OPTIONS["block_length"]``, or with ``"auto"`` ``round(n ** (1 / 3))`` for ``n``
    resampled periods (Hall, Horowitz & Jing 1995: the block length that is best for a
    variance grows like ``n^(1/3)``).
    """
    b = OPTIONS["block_length"]
    if b != "auto":
        return int(b)
    n = case.recent or case.fit.shape[1]
    return max(1, round(n ** (1.0 / 3.0)))


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
    moq: np.ndarray
    pack: np.ndarray
    note: str
    periods_per_year: float
    path_horizon: int
    order_cost: Any = ORDER_COST
    company: pd.DataFrame | None = None
    recent: int | None = None
    q: np.ndarray = field(default_factory=lambda: np.zeros(0))


# --------------------------------------------------------------------------- datasets
def _nanmean(x: np.ndarray) -> np.ndarray:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return np.nanmean(x, axis=1)


def _eoq(case: Case, fit: np.ndarray) -> np.ndarray:
    d = _nanmean(fit[:, -case.recent :] if case.recent else fit)
    annual = np.nan_to_num(d) * case.periods_per_year
    h = HOLDING_RATE * np.maximum(case.price, 0.01)
    q = np.ceil(np.sqrt(2.0 * case.order_cost * annual / h))
    return np.clip(q, 1.0, np.maximum(1.0, np.ceil(annual)))


def load_raf(fit_months: int = 60) -> Case | None:
    folder = SHARED / "raf_spare_parts"
    if not (folder / "raf_demand_monthly.csv.gz").exists():
        return None
    dem = pd.read_csv(folder / "raf_demand_monthly.csv.gz")
    items = pd.read_csv(folder / "raf_items.csv").set_index("item_id")
    wide = dem.pivot(index="item_id", columns="date", values="quantity").sort_index()
    x = wide.to_numpy(dtype=float)
    n = len(wide)
    return Case(
        name="raf",
        ids=wide.index.astype(str).to_numpy(),
        fit=x[:, :fit_months],
        replay=x[:, fit_months:],
        lead=items.loc[wide.index, "lead_time_months"].to_numpy(dtype=float),
        lead_sd=np.zeros(n),
        price=items.loc[wide.index, "unit_price_gbp"].to_numpy(dtype=float),
        moq=np.full(n, np.nan),
        pack=np.full(n, np.nan),
        note=f"RAF: {n:,} items, monthly; fit {wide.columns[0]}..{wide.columns[fit_months - 1]}"
        f" ({fit_months} months), replay {wide.columns[fit_months]}..{wide.columns[-1]}; lead "
        "time as given (months); order cost 50 GBP",
        periods_per_year=12.0,
        path_horizon=48,
    )


def load_refinery(fit_months: int = 32) -> Case | None:
    folder = SHARED / "refinery_spare_parts"
    if not (folder / "refinery_demand_monthly.csv.gz").exists():
        return None
    dem = pd.read_csv(folder / "refinery_demand_monthly.csv.gz")
    items = pd.read_csv(folder / "refinery_items.csv").set_index("item_id")
    wide = dem.pivot(index="item_id", columns="date", values="quantity").sort_index()
    x = np.clip(wide.to_numpy(dtype=float), 0.0, None)  # net returns are not demand
    cols = list(wide.columns)
    x[:, cols.index("1997-11-01")] = np.nan  # SOURCE.md: consumption of Nov 97 unknown
    it = items.loc[wide.index]
    n = len(wide)
    company = pd.DataFrame({
        "reorder_point": it["reorder_point_min"].to_numpy(dtype=float),
        "order_up_to": it["max_stock"].to_numpy(dtype=float),
    })  # fmt: skip
    return Case(
        name="refinery",
        ids=wide.index.astype(str).to_numpy(),
        fit=x[:, :fit_months],
        replay=np.nan_to_num(x[:, fit_months:]),
        lead=it["lead_time_days"].to_numpy(dtype=float) / DAYS_PER_MONTH,
        lead_sd=np.zeros(n),
        price=it["unit_price"].to_numpy(dtype=float),
        moq=np.full(n, np.nan),
        pack=np.full(n, np.nan),
        note=f"refinery: {n:,} items, monthly; fit {cols[0]}..{cols[fit_months - 1]} "
        f"({fit_months} months, Nov 97 masked), replay {cols[fit_months]}..{cols[-1]}; "
        "negatives clipped; lead time days / 30.44; order cost 50",
        periods_per_year=12.0,
        path_horizon=48,
        company=company,
    )


def load_demo(fit_days: int = 365) -> Case | None:
    from stockout_forecast.datasets import load_demo as _load

    ds = _load()
    sales = ds.sales.assign(day=ds.sales["date"].dt.normalize())
    days = pd.date_range(sales["day"].min(), sales["day"].max(), freq="D")
    ids = np.sort(ds.items["item_id"].astype(str).unique())
    wide = (
        sales.pivot_table(index="item_id", columns="day", values="units", aggfunc="sum")
        .reindex(index=ids, columns=days)
        .fillna(0.0)
    )
    x = np.clip(wide.to_numpy(dtype=float), 0.0, None)
    sh = ds.stock_history.assign(day=ds.stock_history["date"].dt.normalize()).pivot_table(
        index="item_id", columns="day", values="on_hand_units", aggfunc="last"
    )
    sh = sh.reindex(index=ids, columns=days).to_numpy(dtype=float)
    censored = (sh <= 0) & ~np.isnan(sh)
    cutoff = days[fit_days]
    lt = lead_time_history(ds.purchase_orders, ds.suppliers, as_of=cutoff)
    lt = lt.sort_values(["item_id", "n_receipts", "lead_time_mean_days"],
                        ascending=[True, False, True])  # fmt: skip
    main = lt.drop_duplicates("item_id").set_index("item_id").reindex(ids)
    sup = ds.suppliers.assign(item_id=ds.suppliers["item_id"].astype(str))
    terms = sup.set_index(["item_id", "supplier_id"]).reindex(
        list(zip(main.index, main["supplier_id"], strict=True))
    )
    n = len(ids)
    return Case(
        name="demo",
        ids=ids,
        fit=np.where(censored, np.nan, x)[:, :fit_days],
        replay=x[:, fit_days:],
        lead=main["lead_time_mean_days"].to_numpy(dtype=float),
        lead_sd=np.nan_to_num(main["lead_time_sd_days"].to_numpy(dtype=float)),
        price=terms["unit_cost"].to_numpy(dtype=float),
        moq=terms["moq_units"].to_numpy(dtype=float),
        pack=terms["pack_units"].to_numpy(dtype=float),
        note=f"demo: {n} items, daily; fit {days[0]:%Y-%m-%d}..{days[fit_days - 1]:%Y-%m-%d} "
        f"(stocked-out days left out), replay {cutoff:%Y-%m-%d}..{days[-1]:%Y-%m-%d} on "
        "recorded sales; lead times from lead_time_history (random per order); MOQ / pack; "
        "order cost from suppliers (50 where missing)",
        periods_per_year=365.0,
        path_horizon=0,
        order_cost=np.nan_to_num(terms["order_cost"].to_numpy(dtype=float), nan=ORDER_COST),
        recent=91,
    )


ONLINE_LEAD_WEEKS = 2.0
ONLINE_ORDER_COST = 20.0


def load_online_retail(fit_weeks: int = 35) -> Case | None:
    folder = SHARED / "online_retail"
    if not (folder / "sales.csv.gz").exists():
        return None
    s = pd.read_csv(folder / "sales.csv.gz", dtype={"item_id": str, "order_id": str,
                                                    "customer_id": str})  # fmt: skip
    # demand = order lines; cancellations (C...) and stock adjustments (price 0, no customer)
    # are not demand (SOURCE.md)
    s = s[(s["units"] > 0) & ~s["order_id"].str.startswith("C")
          & ~((s["unit_price"] == 0) & s["customer_id"].isna())]  # fmt: skip
    s = s.assign(week=pd.to_datetime(s["date"]).dt.to_period("W-SUN").dt.start_time,
                 units=s["units"].astype(float))  # fmt: skip
    wide = s.pivot_table(index="item_id", columns="week", values="units", aggfunc="sum",
                         fill_value=0.0).sort_index()  # fmt: skip
    weeks = pd.date_range(wide.columns.min(), wide.columns.max(), freq="W-MON")
    wide = wide.reindex(columns=weeks, fill_value=0.0)
    x = wide.to_numpy(dtype=float)
    first = np.argmax(x > 0, axis=1)
    x = np.where(np.arange(x.shape[1])[None, :] < first[:, None], np.nan, x)  # not yet sold
    price = s.groupby("item_id")["unit_price"].median().reindex(wide.index).to_numpy(float)
    n = len(wide)
    return Case(
        name="online_retail",
        ids=wide.index.to_numpy().astype(str),
        fit=x[:, :fit_weeks],
        replay=np.nan_to_num(x[:, fit_weeks:]),
        lead=np.full(n, ONLINE_LEAD_WEEKS),
        lead_sd=np.zeros(n),
        price=np.where(price > 0, price, 0.01),
        moq=np.full(n, np.nan),
        pack=np.full(n, np.nan),
        note=f"online_retail: {n:,} items, weekly (Mon-Sun) order lines; fit "
        f"{weeks[0]:%Y-%m-%d}..{weeks[fit_weeks - 1]:%Y-%m-%d} ({fit_weeks} weeks), replay "
        f"{weeks[fit_weeks]:%Y-%m-%d}..{weeks[-1]:%Y-%m-%d}; lead time assumed "
        f"{ONLINE_LEAD_WEEKS:g} weeks (no data); price = median invoiced unit price; order "
        f"cost {ONLINE_ORDER_COST:g} GBP",
        periods_per_year=52.0,
        path_horizon=40,
        order_cost=ONLINE_ORDER_COST,
    )


LOADERS = {"raf": load_raf, "refinery": load_refinery, "demo": load_demo,
           "online_retail": load_online_retail}  # fmt: skip


# --------------------------------------------------------------------------- policies
def textbook(fit: np.ndarray, lead: np.ndarray, z: float, protect: np.ndarray | None = None):
    """``s = d P + z σ √P`` from the fit window's mean and sd per period (P = L or ⌈L⌉ + 1)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        d = np.nan_to_num(np.nanmean(fit, axis=1))
        sd = np.nan_to_num(np.nanstd(fit, axis=1, ddof=1))
    p = lead if protect is None else protect
    return d * p + z * sd * np.sqrt(p)


def simulate_paths(case: Case, fit: np.ndarray, n_paths: int, seed: int, donors: int | None,
                   window: int):  # fmt: skip
    """Bootstrap paths from the fit window (donors for sparse items) and per-path lead times.

    Paths are a burn-in of the longest lead time plus one period, then ``window`` periods.
    """
    protect = np.ceil(case.lead + 3 * case.lead_sd - 1e-9) + 1
    horizon = int(np.nanmax(protect) + window)
    paths = bootstrap_demand_paths(fit, n_paths, horizon, sparse_donors=donors,
                                   recent=case.recent, random_state=seed,
                                   parameter_uncertainty=OPTIONS["parameter_uncertainty"],
                                   block_length=block_length_for(case))  # fmt: skip
    if OPTIONS["shrink_rates"]:
        paths = scale_occurrences(paths, shrunk_rates(fit), seed + 2)
    if OPTIONS["size_jitter"]:
        paths = jitter_sizes(paths, fit, seed + 3)
    if OPTIONS["level_drift"]:
        tau2 = OPTIONS["level_drift"]
        tau2 = level_drift_variance(fit) if tau2 is True else np.full(len(fit), float(tau2))
        paths = drift_levels(paths, tau2, seed + 4)
    if np.any(case.lead_sd > 0):
        lt = sample_lead_times(case.lead, case.lead_sd, n_paths, random_state=seed + 1)
        lt = np.minimum(lt, horizon - window - 1)  # draws beyond mean + 3 sd are capped
    else:
        lt = case.lead
    return paths, lt


def curves_for(case: Case, fit: np.ndarray, q: np.ndarray, n_paths: int, seed: int,
               donors: int | None, window: int | None = None) -> PolicyCurves:  # fmt: skip
    window = case.replay.shape[1] if window is None else window
    paths, lt = simulate_paths(case, fit, n_paths, seed, donors, window)
    return policy_curves(paths, q, lt, moq=case.moq, pack=case.pack, horizon_periods=window)


def drift(case: Case) -> dict[str, Any]:
    """How the items with >= 6 demand periods changed: early / late fit window / replay.

    The late part is the last third of the fit window (at most the replay's length); for each
    part the share of periods with demand, the mean size of a demand and the mean demand per
    period, pooled over the items. A backtest inside the fit window can only learn the change
    from early to late.
    """
    g = hist_groups(case.fit)[">=6"]
    t = case.fit.shape[1]
    h = min(case.replay.shape[1], t // 3)
    out: dict[str, Any] = {}
    for part, x in (("early", case.fit[g, : t - h]), ("late", case.fit[g, t - h :]),
                    ("replay", case.replay[g])):  # fmt: skip
        k = np.nansum(x > 0)
        out[part] = {"share_with_demand": float(k / np.sum(~np.isnan(x))),
                     "mean_size": float(np.nansum(x) / k), "mean_per_period": float(np.nanmean(x))}  # fmt: skip
    fit_mean = float(np.nanmean(case.fit[g]))
    out["late_over_early"] = out["late"]["mean_per_period"] / out["early"]["mean_per_period"]
    out["replay_over_fit"] = out["replay"]["mean_per_period"] / fit_mean
    # the level's excess variance (--level-drift): between the fit window's halves (what the
    # switch uses) and, for comparison only, between the fit window and the replay
    thr = special_order_threshold(np.nan_to_num(case.fit), quantile=0.9, factor=4.0,
                                  min_demands=2)  # fmt: skip
    fit = np.where(flag_special_orders(np.nan_to_num(case.fit), thr), 0.0, case.fit)
    rep = np.where(flag_special_orders(case.replay, thr), 0.0, case.replay)
    e, ok = excess_level_variance(fit, rep)
    out["level_variance_halves"] = float(level_drift_variance(fit)[g][0]) if g.any() else 0.0
    out["level_variance_fit_replay"] = float(np.mean(e[g & ok])) if (g & ok).any() else 0.0
    return out


def hist_groups(fit: np.ndarray) -> dict[str, np.ndarray]:
    k = (np.nan_to_num(fit) > 0).sum(axis=1)
    return {"none": k == 0, "1-5": (k >= 1) & (k <= 5), ">=6": k >= 6}


def warm_up_periods(case: Case) -> int:
    """Periods of the fit window the policy is run over before the replay is measured."""
    return int(min(case.fit.shape[1], np.nanmax(np.ceil(case.lead + 2 * case.lead_sd)) + 1))


def replay_items(case: Case, fit: np.ndarray, policy: dict[str, Any], special: np.ndarray | None,
                 q: np.ndarray, test: np.ndarray | None = None, pre_roll: bool = True) -> pd.DataFrame:  # fmt: skip
    """Replay a policy over the last ``warm_up_periods`` of the fit window, then the replay.

    Every policy starts ``W`` periods before the cut-off with ``s + Q`` on hand (``S`` for
    Min/Max) and runs through the end of the fit window, so that at the cut-off its stock and
    orders in transit are its own, not an arbitrary full cycle; only the replay periods are
    measured (fill, stock, orders, units short). Special orders are not served from stock.
    ``pre_roll=False`` is issue 4's protocol: start at the cut-off with ``s + Q`` on hand.
    """
    w = min(warm_up_periods(case), fit.shape[1]) if pre_roll else 0
    test = case.replay if test is None else test
    pre = np.nan_to_num(fit[:, fit.shape[1] - w :])
    stocked = test if special is None else np.where(special, 0.0, test)
    demand = np.concatenate([pre, stocked], axis=1)
    n = len(case.ids)
    s = np.asarray(policy["reorder_point"], dtype=float)
    big_s = np.asarray(policy.get("order_up_to", np.full(n, np.nan)), dtype=float)
    qq = np.full(n, np.nan) if "order_up_to" in policy else q
    init = np.maximum(np.nan_to_num(np.where(np.isfinite(qq), s + qq, big_s)), 0.0)
    rng = np.random.default_rng(7)
    if np.any(case.lead_sd > 0):
        lt_arg: Any = pd.DataFrame({"lead_time_mean": case.lead, "lead_time_sd": case.lead_sd},
                                   index=case.ids)  # fmt: skip
    else:
        lt_arg = case.lead
    fixed, draw, _ = _lead_times(lt_arg, case.ids, "up", rng)
    acc = replay_kernel(demand, s, qq, big_s, case.moq, case.pack, init, fixed, draw,
                         backorders=True, review_period=1, trigger="<=", order_multiples=True,
                         measure_from=w)  # fmt: skip
    dem = acc["demand_units"]
    periods = test.shape[1]
    with np.errstate(divide="ignore", invalid="ignore"):
        fill = np.where(dem > 0, acc["filled_units"] / dem, np.nan)
    return pd.DataFrame({
        "demand_units": dem, "filled_units": acc["filled_units"], "fill_rate": fill,
        "units_short": acc["units_short"], "orders_placed": acc["orders_placed"],
        "avg_on_hand_units": acc["on_hand_sum"] / periods,
        "avg_on_hand_value": acc["on_hand_sum"] / periods * case.price,
    })  # fmt: skip


def summarize(case: Case, frame: pd.DataFrame, groups: dict[str, np.ndarray]) -> dict[str, Any]:
    """Pooled and item-mean fill, stock value and replayed cost (per k) overall and by group."""
    periods = case.replay.shape[1]
    h = HOLDING_RATE * case.price / case.periods_per_year
    k_order = np.broadcast_to(np.asarray(case.order_cost, dtype=float), (len(case.ids),))
    holding = h * frame["avg_on_hand_units"].to_numpy() * periods
    ordering = k_order * frame["orders_placed"].to_numpy()
    short = frame["units_short"].to_numpy()
    out: dict[str, Any] = {}
    for gname, mask in {"all": np.ones(len(case.ids), bool), **groups}.items():
        f = frame[mask]
        dem = f["demand_units"].sum()
        out[gname] = {
            "items": int(mask.sum()),
            "items_with_demand": int((f["demand_units"] > 0).sum()),
            "demand_units": float(dem),
            "fill_pooled": float(f["filled_units"].sum() / dem) if dem > 0 else float("nan"),
            "fill_item_mean": float(f["fill_rate"].mean()),
            "stock_value": float(f["avg_on_hand_value"].sum()),
            "cost_per_year": {
                str(k): float(
                    (
                        holding[mask].sum()
                        + ordering[mask].sum()
                        + k * (case.price[mask] * short[mask]).sum()
                    )
                    * case.periods_per_year
                    / periods
                )
                for k in K_RATIOS
            },
        }
    per_year = case.periods_per_year / periods
    out["cost_per_year"] = {
        str(k): float((holding.sum() + ordering.sum() + k * (case.price * short).sum()) * per_year)
        for k in K_RATIOS
    }
    out["holding_per_year"] = float(holding.sum() * per_year)
    out["ordering_per_year"] = float(ordering.sum() * per_year)
    out["short_value_per_year"] = float((case.price * short).sum() * per_year)
    return out


def item_figures(case: Case, frame: pd.DataFrame, groups: dict[str, np.ndarray]) -> dict[str, Any]:
    """Per-item fill of the >= 6 group and per-item replayed cost per year per k."""
    periods = case.replay.shape[1]
    h = HOLDING_RATE * case.price / case.periods_per_year
    k_order = np.broadcast_to(np.asarray(case.order_cost, dtype=float), (len(case.ids),))
    fixed = (
        h * frame["avg_on_hand_units"].to_numpy() * periods
        + k_order * frame["orders_placed"].to_numpy()
    )
    short = case.price * frame["units_short"].to_numpy()
    fill = frame["fill_rate"].to_numpy()[groups[">=6"]]
    return {"fill_ge6": fill[~np.isnan(fill)],
            "cost": {str(k): (fixed + k * short) * case.periods_per_year / periods for k in K_RATIOS}}  # fmt: skip


def item_bootstrap(stat: Any, n: int, draws: int = 2000, seed: int = 0) -> tuple[float, float]:
    """95 % interval of ``stat(idx)`` over items resampled with replacement (``draws`` times).

    The replay is one realisation per item; resampling items says how far a figure could
    move with another sample of items of the same kind (items are replayed independently).
    """
    rng = np.random.default_rng(seed)
    vals = np.array([stat(rng.integers(0, n, n)) for _ in range(draws)])
    lo, hi = np.quantile(vals, [0.025, 0.975])
    return float(lo), float(hi)


# --------------------------------------------------------------------------- one dataset
def run_case(case: Case, n_paths: int, seed: int, donors: int | None = 2) -> list[dict[str, Any]]:
    """Every policy of the sweep set at the cut-off and replayed; one row per policy point."""
    t0 = time.perf_counter()
    thr = special_order_threshold(np.nan_to_num(case.fit), quantile=0.9, factor=4.0,
                                  min_demands=2)  # fmt: skip
    fit = np.where(flag_special_orders(np.nan_to_num(case.fit), thr), 0.0, case.fit)
    special = flag_special_orders(case.replay, thr)
    q = _eoq(case, fit)
    groups = hist_groups(case.fit)
    curves = curves_for(case, fit, q, n_paths, seed, donors)
    t_curves = time.perf_counter() - t0
    protect = np.ceil(case.lead - 1e-9) + 1.0
    h_period = HOLDING_RATE * case.price / case.periods_per_year
    rows: list[dict[str, Any]] = []

    def add(
        family: str, target: float | None, policy: dict[str, Any], pre_roll: bool = True
    ) -> None:
        frame = replay_items(case, fit, policy, special, q, pre_roll=pre_roll)
        row = {"dataset": case.name, "family": family, "target": target, "pre_roll": pre_roll}
        row.update(summarize(case, frame, groups))
        row["_items"] = item_figures(case, frame, groups)  # for the intervals; not in the JSON
        s = policy.get("reorder_point")
        if s is not None and "order_up_to" not in policy:
            at = curves.at(np.asarray(s, dtype=float))
            d = curves.demand_per_period
            has = d > 0
            row["paths_fill_pooled"] = float((at["fill_rate"] * d).sum() / d.sum())
            row["paths_fill_item_mean"] = float(at["item_fill_rate"][has].mean())
            ge6 = has & groups[">=6"]
            row["paths_fill_item_mean_ge6"] = (
                float(at["item_fill_rate"][ge6].mean()) if ge6.any() else float("nan")
            )
        rows.append(row)

    for t in TARGETS:
        z = float(ndtri(t))
        add("textbook", t, {"reorder_point": textbook(fit, case.lead, z)})
        add("textbook'", t, {"reorder_point": textbook(fit, case.lead, z, protect)})
        s_item = curves.for_fill_rate(t, rounding="item_mean", unit_cost=case.price)
        add("ours per item", t, {"reorder_point": s_item})
    for t in POOLED_TARGETS:
        add("ours pooled", t, {"reorder_point": curves.pooled(t, unit_cost=case.price)})
    for k in K_RATIOS:
        s_eco = curves.economic(holding_cost_per_unit_period=h_period, order_cost=case.order_cost,
                                backorder_cost_per_unit=k * case.price)  # fmt: skip
        add("economic", k, {"reorder_point": s_eco})
    if case.company is not None:
        add("company Min/Max", None, case.company.to_dict(orient="list"))
        # issue 4's protocol (no pre-roll: s + Q on hand at the cut-off), for the quoted figure
        add("company Min/Max", None, case.company.to_dict(orient="list"), pre_roll=False)
        for t in POOLED_TARGETS:
            add("ours pooled", t, {"reorder_point": curves.pooled(t, unit_cost=case.price)},
                pre_roll=False)  # fmt: skip
    for r in rows:
        r["seconds_curves"] = t_curves
        r["seconds_total"] = time.perf_counter() - t0
    return rows


# --------------------------------------------------------------------------- items without history
def with_planner_for_new_items(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Ours pooled on items with fit-window demand, the company's Min/Max on items without.

    A documented alternative policy for items with no demand in the fit window: our model has
    no evidence of its own for them (donor items give them a small common rate), while the
    planner's Min/Max for a new item may carry engineering knowledge (installation spares,
    criticality) that no demand history has. Items are replayed independently, so the rows are
    exact sums of the replayed groups.
    """
    out = []
    for pre in (True, False):
        mm = _points(rows, "company Min/Max", pre)
        if not mm:
            continue
        for r in _points(rows, "ours pooled", pre):
            row = {"dataset": r["dataset"], "family": "ours pooled + Min/Max (no history)",
                   "target": r["target"], "pre_roll": pre,
                   "none": mm[0]["none"], "1-5": r["1-5"], ">=6": r[">=6"]}  # fmt: skip
            row["all"] = _merge_groups([row["none"], row["1-5"], row[">=6"]])
            row["cost_per_year"] = row["all"]["cost_per_year"]
            out.append(row)
    return out


def refinery_goal(rows: list[dict[str, Any]], fill: float = 0.868, value: float = 5.0e6) -> list:
    """Issue 4's protocol: the best fill of each family of ours within ``value`` of stock."""
    out = []
    for fam in ("ours pooled", "ours pooled + Min/Max (no history)"):
        pts = [r for r in _points(rows, fam, False) if r["all"]["stock_value"] <= value]
        if not pts:
            continue
        best = max(pts, key=lambda r: r["all"]["fill_pooled"])
        with_hist = history_view(best, "with")
        out.append({"family": fam, "target": best["target"], "fill": best["all"]["fill_pooled"],
                    "value": best["all"]["stock_value"], "fill_with_history":
                    with_hist["fill_pooled"], "value_with_history": with_hist["stock_value"],
                    "fill_no_history": best["none"]["fill_pooled"],
                    "value_no_history": best["none"]["stock_value"],
                    "met": best["all"]["fill_pooled"] >= fill})  # fmt: skip
    return out


# --------------------------------------------------------------------------- checks
FIXED = ("textbook", "textbook'", "ours per item", "ours pooled")


def frontier_check(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """For every textbook point: the cheapest point of ours (per item or pooled) at >= its fill."""
    ours = _points(rows, "ours per item") + _points(rows, "ours pooled")
    out = []
    for fam in ("textbook", "textbook'"):
        for r in _points(rows, fam):
            f, v = r["all"]["fill_pooled"], r["all"]["stock_value"]
            ok = [o for o in ours if o["all"]["fill_pooled"] >= f - 1e-12]
            best = min(ok, key=lambda o: o["all"]["stock_value"]) if ok else None
            out.append({
                "baseline": fam, "target": r["target"], "fill": f, "value": v,
                "ours": None if best is None else f"{best['family']} {best['target']}",
                "ours_fill": None if best is None else best["all"]["fill_pooled"],
                "ours_value": None if best is None else best["all"]["stock_value"],
                "met": best is not None and best["all"]["stock_value"] <= v,
            })  # fmt: skip
    return out


def calibration_check(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Delivered item-mean fill of items with >= 6 demand periods against each target."""
    out = []
    for r in _points(rows, "ours per item"):
        c = {"target": r["target"], "delivered": r[">=6"]["fill_item_mean"],
             "in_paths": r.get("paths_fill_item_mean_ge6"),
             "met": abs(r[">=6"]["fill_item_mean"] - r["target"]) <= 0.02 or r["target"] > 0.975}  # fmt: skip
        f = r.get("_items", {}).get("fill_ge6")
        if f is not None and len(f):
            c["delivered_95"] = item_bootstrap(lambda i, f=f: f[i].mean(), len(f))
        out.append(c)
    return out


def economic_check(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Replayed cost of the economic policy against the cheapest fixed-target policy, per k."""
    out = []
    for k in K_RATIOS:
        eco = next(r for r in _points(rows, "economic") if r["target"] == k)
        fixed = [r for fam in FIXED for r in _points(rows, fam)]
        best = min(fixed, key=lambda r: r["cost_per_year"][str(k)])
        extra: dict[str, Any] = {}
        if "_items" in eco and "_items" in best:
            ce, cf = eco["_items"]["cost"][str(k)], best["_items"]["cost"][str(k)]
            extra["difference_95"] = item_bootstrap(
                lambda i, ce=ce, cf=cf: ce[i].sum() / cf[i].sum() - 1.0, len(ce)
            )
        out.append({**extra,
            "k": k, "economic": eco["cost_per_year"][str(k)],
            "economic_fill": eco["all"]["fill_pooled"], "economic_value": eco["all"]["stock_value"],
            "best_fixed": f"{best['family']} {best['target']}",
            "best_fixed_cost": best["cost_per_year"][str(k)],
            "met": eco["cost_per_year"][str(k)] <= best["cost_per_year"][str(k)],
        })  # fmt: skip
    return out


# --------------------------------------------------------------------------- output
def seed_spread(case: Case, n_paths: int, seeds: list[int]) -> list[dict[str, Any]]:
    """The economic and calibration checks again with other seeds (Monte Carlo noise).

    Only the simulated paths change with the seed; the replay, the textbook policies and
    the data do not, so the spread of each figure over seeds is the noise of the comparison.
    """
    out = []
    for seed in seeds:
        rows = run_case(case, n_paths, seed)
        eco, cal = economic_check(rows), calibration_check(rows)
        out.append({"seed": seed, "economic": eco, "calibration": cal})
        print(f"  seed {seed}: "
              + "; ".join(f"k={e['k']:g} {e['economic']:,.0f} vs {e['best_fixed']} "
                          f"{e['best_fixed_cost']:,.0f} ({e['economic'] / e['best_fixed_cost'] - 1:+.2%})"
                          for e in eco)
              + " | calibration " + " / ".join(f"{c['delivered']:.1%}" for c in cal))  # fmt: skip
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    ap.add_argument("--datasets", default="raf,refinery,demo,online_retail")
    ap.add_argument("--paths", type=int, default=100, help="bootstrap paths per item")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--json", type=Path, default=None, help="also write every row as JSON")
    ap.add_argument("--png-dir", type=Path, default=RESULTS, help="where the figures go")
    ap.add_argument("--no-shrinkage", action="store_true",
                    help="do not shrink demand-period rates (empirical Bayes)")  # fmt: skip
    ap.add_argument("--no-parameter-uncertainty", action="store_true",
                    help="plain bootstrap instead of the double bootstrap")  # fmt: skip
    ap.add_argument("--seeds", type=lambda v: [int(x) for x in v.split(",") if x.strip()],
                    default=[], help="also rerun each dataset with these seeds (e.g. 1,2,3,4) "
                    "and print the economic and calibration checks: their Monte Carlo noise")  # fmt: skip
    ap.add_argument("--block-length", default="1",
                    help="moving-block bootstrap: periods per block, or 'auto' = n^(1/3)")  # fmt: skip
    ap.add_argument("--size-jitter", action="store_true",
                    help="smoothed bootstrap of demand sizes (an experiment, see the README)")  # fmt: skip
    ap.add_argument("--replay-periods", type=int, default=None,
                    help="replay only the first N periods after the cut-off (e.g. online_retail "
                    "before its Q4 peak: 9 weeks, Aug-Sep 2011)")  # fmt: skip
    ap.add_argument("--level-drift", nargs="?", const="auto", default=None,
                    help="per-path level factor for demand that moves between sub-windows (an "
                    "experiment); with a number, that variance for every item instead of the "
                    "fit window's (a diagnostic, e.g. the fit -> replay figure)")  # fmt: skip
    args = ap.parse_args(argv)
    OPTIONS["size_jitter"] = args.size_jitter
    OPTIONS["level_drift"] = (
        False if args.level_drift is None
        else True if args.level_drift == "auto" else float(args.level_drift)
    )  # fmt: skip
    OPTIONS["block_length"] = "auto" if args.block_length == "auto" else int(args.block_length)
    OPTIONS["shrink_rates"] = not args.no_shrinkage
    OPTIONS["parameter_uncertainty"] = not args.no_parameter_uncertainty
    print(f"Targets {', '.join(f'{t:.1%}' for t in TARGETS)}; Q = EOQ (holding {HOLDING_RATE:.0%} "
          f"of the unit price a year); {args.paths} paths per item, seed {args.seed}; options "
          f"{OPTIONS}.")  # fmt: skip
    all_rows: list[dict[str, Any]] = []
    checks: dict[str, Any] = {}
    for name in [s.strip() for s in args.datasets.split(",") if s.strip()]:
        if name not in LOADERS:
            raise SystemExit(f"unknown dataset {name!r}; choose from {sorted(LOADERS)}")
        case = LOADERS[name]()
        if case is None:
            print(f"\n[{name}] skipped: data not found under {SHARED}.")
            continue
        if args.replay_periods:
            case.replay = case.replay[:, : args.replay_periods]
            case.note += f" [replay cut to its first {case.replay.shape[1]} periods]"
        print(f"\n{case.note}")
        g = hist_groups(case.fit)
        tot = case.replay.sum()
        print("replay units by demand periods in the fit window: "
              + ", ".join(f"{k}: {int(m.sum()):,} items, {case.replay[m].sum() / tot:.1%}"
                          for k, m in g.items()))  # fmt: skip
        dr = drift(case)
        print("items with >= 6 demand periods, early / late fit window / replay: share of "
              "periods with demand " + " / ".join(f"{dr[p]['share_with_demand']:.3f}" for p in
              ("early", "late", "replay")) + ", mean size " + " / ".join(
              f"{dr[p]['mean_size']:.2f}" for p in ("early", "late", "replay"))
              + f"; mean demand late / early {dr['late_over_early']:.2f}, replay / fit "
              f"{dr['replay_over_fit']:.2f}; level variance (CV^2 beyond noise) between the fit "
              f"window's halves {dr['level_variance_halves']:.3f}, fit -> replay "
              f"{dr['level_variance_fit_replay']:.3f}")  # fmt: skip
        rows = run_case(case, args.paths, args.seed)
        rows += with_planner_for_new_items(rows)
        print(format_rows(rows))
        checks[name] = {"frontier": frontier_check(rows), "calibration": calibration_check(rows),
                        "economic": economic_check(rows), "drift": dr}  # fmt: skip
        if case.company is not None:
            checks[name]["company_point"] = refinery_goal(rows)
        print_checks(checks[name], rows)
        if args.seeds:
            checks[name]["seeds"] = seed_spread(case, args.paths, args.seeds)
        print(f"{rows[0]['seconds_total']:.0f} s (curves {rows[0]['seconds_curves']:.0f} s)")
        all_rows.extend(rows)
    if all_rows:
        args.png_dir.mkdir(parents=True, exist_ok=True)
        plot_frontier(all_rows, args.png_dir / "policy_frontier.png")
        plot_frontier_by_history(all_rows, args.png_dir / "policy_frontier_history.png")
        plot_calibration_and_cost(all_rows, args.png_dir / "policy_calibration_cost.png")
    if args.json:
        public = [{k: v for k, v in r.items() if not k.startswith("_")} for r in all_rows]
        args.json.write_text(json.dumps({"rows": public, "checks": checks}, indent=1,
                                        default=float))  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

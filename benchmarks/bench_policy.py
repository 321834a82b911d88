"""Benchmark: reorder policies replayed on held-out demand at a 95 % fill-rate target.

For each dataset the history before a cut-off is used to set the policies, and the demand
after it is replayed month by month (day by day for the demo data) with
``stockout_forecast.policy.replay.simulate_policy`` (backorders, review every period, order placed
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
(b)  ours, set ex ante (nothing from the replayed period): bootstrap 100 demand paths per
     item from its own fitting history (``bootstrap_demand_paths``), then per item the
     smallest integer reorder point whose *simulated* fill rate reaches 95 %
     (``simulated_reorder_point``: the same replay engine on the paths, so periodic review,
     undershoot and lead time are accounted for without a distributional formula).
(b2) ours, pooled: the same paths, then ``simulated.pooled_reorder_points`` — marginal
     analysis by stock value so that the fill pooled over all items (on the paths) is 95 %:
     cheap fast items above 95 %, dear slow ones below.
(b3) (b2) at a calibrated in-sample target: the fit window is split once more (last 12
     months / 91 days held out), (b2) is set on its first part at in-sample targets
     95 .. 99.5 % and replayed on its last part; the smallest target that gave 95 % there
     is used (``calibrate``). Ex ante: nothing after the cut-off is used.
(c)  refinery only: the company's own reorder point ("Min") and maximum stock ("Max") from
     the file, replayed as an (s, S) policy.
(o)  ex-post reference, not a policy: (b) / (b2) set from paths bootstrapped from the
     replayed demand itself (each item's distribution known exactly, not its sequence) —
     what the method reaches with perfect knowledge of the future distribution.

Rolling re-planning ("... rolling" rows): (a), (a'), (b), (b2), (b3) are re-set every 3
months (28 days on the demo) from the demand known at that date (``simulate_policy(...,
replan=..., replan_every=...)``: stock, backorders and orders in transit carry over); Q is
re-set by the same EOQ. On the demo both normal and bootstrap policies use the last 91
days. The static rows are kept.

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
bisection on the replay: ex post) until its pooled fill rate equals that of (b) — and, for
the rolling rows, that of (b3) rolling: the stock (a) needs for the same fill. Goal (issue 4): (b) within ±1.5 points of 95 % pooled fill, holding at most 90 % of
the stock (a) needs for the same fill.

Run from the repository root (needs ../shared/data for RAF and refinery; skipped cleanly
when absent)::

    .venv/bin/python benchmarks/bench_policy.py                 # all datasets
    .venv/bin/python benchmarks/bench_policy.py --datasets raf --paths 50
"""

from __future__ import annotations

import argparse
import json
import time
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy.special import ndtri

from stockout_forecast.history.leadtime import lead_time_history
from stockout_forecast.policy.quantities import flag_special_orders, special_order_threshold
from stockout_forecast.policy.replay import simulate_policy
from stockout_forecast.policy.simulated import (
    bootstrap_demand_paths,
    pooled_reorder_points,
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
    order_cost: Any = ORDER_COST  # currency per order, for the EOQ
    replay_censored: np.ndarray | None = None  # recorded stock-outs in the replay period
    replan_every: int = 3  # periods between re-plans in the rolling replay


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
        order_cost=order_cost,
        replay_censored=censored[:, fit_days:],
        replan_every=28,
    )


# --------------------------------------------------------------------------- policies
def _nanmean(x: np.ndarray) -> np.ndarray:
    """Mean per row over usable periods (NaN for rows without one, no warning)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return np.nanmean(x, axis=1)


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


class Rolling:
    """Rolling re-planning of one policy rule: what a planner sees at each re-plan date.

    ``rule(hist, q)`` returns the reorder points from a cleaned history (special orders
    zeroed with the threshold fixed at the cut-off, recorded stock-out days NaN, the
    window of the rule); Q is re-set by the same EOQ at every re-plan for every policy.
    """

    def __init__(self, case: Case, thr: np.ndarray | None, window: int | None) -> None:
        self.case, self.thr, self.window = case, thr, window
        self.n_fit = case.fit.shape[1]
        self.seconds = 0.0

    def clean(self, observed: np.ndarray) -> np.ndarray:
        obs = observed.copy()
        t = obs.shape[1] - self.n_fit
        if self.case.replay_censored is not None and t > 0:
            past = obs[:, self.n_fit :]
            obs[:, self.n_fit :] = np.where(self.case.replay_censored[:, :t], np.nan, past)
        if self.thr is not None:
            obs = np.where(flag_special_orders(np.nan_to_num(obs), self.thr), 0.0, obs)
        return obs

    def q(self, hist: np.ndarray) -> np.ndarray:
        c = self.case
        d = _nanmean(hist[:, -self.window :] if self.window else hist)
        return _eoq(d, c.price, c.periods_per_year, c.order_cost)

    def run(self, rule: Any, special: np.ndarray | None) -> dict[str, float]:
        case = self.case

        def plan(observed: np.ndarray, t: int) -> dict[str, np.ndarray]:
            t0 = time.perf_counter()
            hist = self.clean(observed)
            q = self.q(hist)
            out = {"reorder_point": rule(hist, q), "order_quantity": q}
            self.seconds += time.perf_counter() - t0
            return out

        res = simulate_policy(
            case.replay,
            {**plan(case.fit, 0), "moq_units": case.moq, "pack_units": case.pack},
            _lead_for_replay(case),
            item_ids=case.ids,
            costs={"unit_cost": case.price},
            special_orders=special,
            random_state=7,
            replan=plan,
            replan_every=case.replan_every,
            history=case.fit,
        )
        return res.pooled


def textbook(
    fit: np.ndarray, lead: np.ndarray, z: float, protect: np.ndarray | None = None
) -> np.ndarray:
    with warnings.catch_warnings():  # items without a usable period: mean / sd 0
        warnings.simplefilter("ignore", RuntimeWarning)
        d = np.nan_to_num(np.nanmean(fit, axis=1))
        sd = np.nan_to_num(np.nanstd(fit, axis=1, ddof=1))
    p = lead if protect is None else protect
    return d * p + z * sd * np.sqrt(p)


def ours(
    case: Case,
    fit: np.ndarray,
    n_paths: int,
    seed: int,
    donors: int | None,
    q: np.ndarray | None = None,
    donor_sizes: bool = True,
    initial: np.ndarray | None = None,
    targets: tuple[float, ...] = (TARGET,),
) -> tuple[np.ndarray, np.ndarray, float]:
    """(b) per item at 95 %, (b2) pooled by value at each of ``targets`` (rows), seconds."""
    t0 = time.perf_counter()
    q = case.q if q is None else q
    protect = np.ceil(case.lead + 3 * case.lead_sd - 1e-9) + 1
    horizon = case.path_horizon or int(max(60, 2 * np.nanmax(protect) + 180))
    horizon = int(max(horizon, np.nanmax(protect) + 12))
    paths = bootstrap_demand_paths(
        fit,
        n_paths,
        horizon,
        sparse_donors=donors,
        donor_sizes=donor_sizes,
        recent=case.recent,
        random_state=seed,
    )
    usable = ~np.isnan(paths).any(axis=(1, 2))
    paths = np.nan_to_num(paths)
    if np.any(case.lead_sd > 0):
        from stockout_forecast.history.leadtime import sample_lead_times

        lt = sample_lead_times(case.lead, case.lead_sd, n_paths, random_state=seed + 1)
        lt = np.minimum(lt, horizon - 2)
    else:
        lt = case.lead
    s = simulated_reorder_point(
        paths,
        q,
        lt,
        service_level=TARGET,
        moq=case.moq,
        pack=case.pack,
        initial=initial,
    )
    s = np.where(usable, s, -1.0)
    s_pooled = pooled_reorder_points(
        paths,
        q,
        lt,
        fill_rate=list(targets),
        unit_cost=case.price,
        reorder_point=s,
        moq=case.moq,
        pack=case.pack,
    )
    return s, s_pooled, time.perf_counter() - t0


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


def _window(hist: np.ndarray, window: int | None) -> np.ndarray:
    return hist[:, -window:] if window else hist


def scale_rolling(
    roll: Rolling, fill: float, special: np.ndarray | None, protect: np.ndarray | None
) -> tuple[float, dict[str, float]]:
    """Smallest common z for the re-planned normal policy reaching ``fill`` (bisection)."""
    case = roll.case

    def rule(z: float) -> Any:
        return lambda h, q: textbook(_window(h, roll.window), case.lead, z, protect)

    lo, hi = -1.0, 12.0
    best = roll.run(rule(hi), special)
    if best["fill_rate"] < fill:
        return float("inf"), best
    for _ in range(16):
        mid = 0.5 * (lo + hi)
        res = roll.run(rule(mid), special)
        if res["fill_rate"] >= fill:
            hi, best = mid, res
        else:
            lo = mid
    return hi, best


CANDIDATES = (0.95, 0.96, 0.97, 0.98, 0.99, 0.995)


def calibrate(
    case: Case, fit: np.ndarray, n_paths: int, seed: int, donors: int | None, donor_sizes: bool
) -> tuple[float, list[float], float]:
    """In-sample pooled target that gave 95 % out of sample *inside the fit window*.

    Ex ante: the fit window is split once more — (b2) is set on its first part at each
    candidate target and replayed on its last part (12 months / 91 days); the smallest
    candidate whose replayed pooled fill reaches 95 % is used for the real plan (the
    largest when none does). Nothing after the cut-off is used.
    """
    t0 = time.perf_counter()
    n_val = 91 if case.recent else min(12, fit.shape[1] // 3)
    first, val = fit[:, :-n_val], np.nan_to_num(fit[:, -n_val:])
    q = _eoq(
        _nanmean(_window(first, case.recent)), case.price, case.periods_per_year, case.order_cost
    )
    _, s_p, _ = ours(case, first, n_paths, seed, donors, q, donor_sizes, targets=CANDIDATES)
    fills = []
    for row in s_p:
        res = simulate_policy(
            val,
            {
                "reorder_point": row,
                "order_quantity": q,
                "moq_units": case.moq,
                "pack_units": case.pack,
            },
            _lead_for_replay(case),
            item_ids=case.ids,
            random_state=7,
        )
        fills.append(res.pooled["fill_rate"])
    ok = [c for c, f in zip(CANDIDATES, fills, strict=True) if f >= TARGET]
    return (min(ok) if ok else CANDIDATES[-1]), fills, time.perf_counter() - t0


def run_case(
    case: Case, n_paths: int, seed: int, donors: int | None = 2, donor_sizes: bool = False
) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    z95 = float(ndtri(TARGET))
    protect = np.ceil(case.lead - 1e-9) + 1.0  # periodic replay: ⌈L⌉ + R
    thr = special_order_threshold(np.nan_to_num(case.fit), quantile=0.9, factor=4.0, min_demands=2)
    sp_fit = flag_special_orders(np.nan_to_num(case.fit), thr)
    sp_rep = flag_special_orders(case.replay, thr)
    fit0 = np.nan_to_num(case.fit)
    k_fit = (fit0 > 0).sum(axis=1)
    total = case.replay.sum()
    print(
        f"replay units on items with no demand in the fit window: "
        f"{case.replay[k_fit == 0].sum() / total:.1%} ({int((k_fit == 0).sum()):,} items, "
        f"{int(((k_fit == 0) & (case.replay.sum(axis=1) > 0)).sum()):,} of them sell); "
        f"with 1 demand period: {case.replay[k_fit == 1].sum() / total:.1%}"
    )
    for view in ("stocked for", "special orders"):
        special = None if view == "stocked for" else sp_rep
        fit = case.fit if view == "stocked for" else np.where(sp_fit, 0.0, case.fit)
        alpha, cal_fills, cal_secs = calibrate(case, fit, n_paths, seed, donors, donor_sizes)
        print(
            f"[{case.name} | {view}] calibration inside the fit window: pooled fill on its last "
            f"part at in-sample targets {', '.join(f'{c:.1%}' for c in CANDIDATES)} = "
            f"{', '.join(f'{f:.1%}' for f in cal_fills)} → in-sample target {alpha:.1%} "
            f"({cal_secs:.0f} s)"
        )
        s_b, s_bps, secs = ours(
            case, fit, n_paths, seed, donors, donor_sizes=donor_sizes, targets=(TARGET, alpha)
        )
        s_bp, s_bc = s_bps
        pol_a = {"reorder_point": textbook(fit, case.lead, z95), "order_quantity": case.q}
        pol_a2 = {"reorder_point": textbook(fit, case.lead, z95, protect), "order_quantity": case.q}
        res = {
            "(a) textbook z·σ·√L, CSL 95%": replay(case, pol_a, special),
            "(a') normal, protection ⌈L⌉+R": replay(case, pol_a2, special),
            "(b) ours: simulated fill 95%": replay(
                case, {"reorder_point": s_b, "order_quantity": case.q}, special
            ),
            "(b2) ours, pooled 95% by value": replay(
                case, {"reorder_point": s_bp, "order_quantity": case.q}, special
            ),
            f"(b3) ours, pooled, calibrated {alpha:.1%}": replay(
                case, {"reorder_point": s_bc, "order_quantity": case.q}, special
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
        # ex-post reference, not a policy: (b)'s method set from the replay's own demand
        # (its distribution known exactly, not its sequence) — what is reachable at best
        seen = np.where(special, 0.0, case.replay) if special is not None else case.replay
        s_o, s_op, _ = ours(case, seen, n_paths, seed, None, donor_sizes=False)
        s_op = s_op[0]
        res["(o) ex post: (b) set on the replay itself"] = replay(
            case, {"reorder_point": s_o, "order_quantity": case.q}, special
        )
        res["(o2) ex post: (b2) set on the replay itself"] = replay(
            case, {"reorder_point": s_op, "order_quantity": case.q}, special
        )
        fill_b = res["(b) ours: simulated fill 95%"]["fill_rate"]
        z_a, scaled_a = scale_to(case, fit, fill_b, special, None)
        z_a2, scaled_a2 = scale_to(case, fit, fill_b, special, protect)
        for label, z, sc in (("(a)", z_a, scaled_a), ("(a')", z_a2, scaled_a2)):
            if np.isfinite(z):
                res[f"{label} scaled to (b)'s fill, z = {z:.2f}"] = sc
            else:
                res[f"{label} at z = 12: cannot reach (b)'s fill"] = sc
        # rolling re-planning: every policy re-set every `replan_every` periods from the
        # demand known then (ex ante), stock and pipeline carried over
        roll = Rolling(case, None if view == "stocked for" else thr, case.recent)
        res["(a) rolling"] = roll.run(
            lambda h, q: textbook(_window(h, case.recent), case.lead, z95), special
        )
        res["(a') rolling"] = roll.run(
            lambda h, q: textbook(_window(h, case.recent), case.lead, z95, protect), special
        )
        roll.seconds = 0.0
        cache: dict[int, tuple[np.ndarray, np.ndarray, float]] = {}

        def ours_at(
            h: np.ndarray,
            q: np.ndarray,
            which: int,
            cache: dict[int, tuple[np.ndarray, np.ndarray, float]] = cache,
            alpha: float = alpha,
        ) -> np.ndarray:
            if h.shape[1] not in cache:  # both (b) rows share the plan made at each date
                # warm start from the previous plan (same answer, fewer replays)
                prev = cache[max(cache)][0] if cache else None
                cache[h.shape[1]] = ours(
                    case, h, n_paths, seed, donors, q, donor_sizes, prev, (TARGET, alpha)
                )
            s_item, s_pool, _ = cache[h.shape[1]]
            return s_item if which == 0 else s_pool[which - 1]

        res["(b) ours rolling"] = roll.run(lambda h, q: ours_at(h, q, 0), special)
        res["(b2) ours pooled rolling"] = roll.run(lambda h, q: ours_at(h, q, 1), special)
        res["(b3) ours pooled calibrated rolling"] = roll.run(
            lambda h, q: ours_at(h, q, 2), special
        )
        secs_roll = roll.seconds
        scaled_roll = {}
        for b_tag, b_name in (
            ("(b2)", "(b2) ours pooled rolling"),
            ("(b3)", "(b3) ours pooled calibrated rolling"),
        ):
            fill_br = res[b_name]["fill_rate"]
            for label, prot in (("(a) rolling", None), ("(a') rolling", protect)):
                z, sc = scale_rolling(roll, fill_br, special, prot)
                scaled_roll[(b_name, label)] = sc
                if np.isfinite(z):
                    res[f"{label} scaled to {b_tag} rolling, z = {z:.2f}"] = sc
                else:
                    res[f"{label} at z = 12: cannot reach {b_tag} rolling"] = sc
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
                    "fit_seconds": (secs_roll if "rolling" in name else secs)
                    if name.startswith("(b)")
                    else None,
                    "calibrated_target": alpha,
                    "calibration_fills": dict(zip(map(str, CANDIDATES), cal_fills, strict=True)),
                }
            )
        for b_name, label, sc in (
            ("(b) ours: simulated fill 95%", "(a)", scaled_a),
            ("(b) ours: simulated fill 95%", "(a')", scaled_a2),
            *tuple((b, a, sc) for (b, a), sc in scaled_roll.items()),
        ):
            b = res[b_name]
            fb = b["fill_rate"]
            rows.append(
                {
                    "dataset": case.name,
                    "view": view,
                    "policy": f"{b_name.split()[0]}{' rolling' if 'rolling' in b_name else ''} / "
                    f"{label} scaled: stock ratio",
                    "avg_on_hand_units": b["avg_on_hand_units"] / sc["avg_on_hand_units"]
                    if np.isfinite(sc["avg_on_hand_units"]) and sc["fill_rate"] >= fb
                    else float("nan"),
                    "avg_on_hand_value": b["avg_on_hand_value"] / sc["avg_on_hand_value"]
                    if sc["fill_rate"] >= fb and sc["avg_on_hand_value"] > 0
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
    ap.add_argument("--paths", type=int, default=100, help="bootstrap paths per item for (b)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument(
        "--sparse-donors",
        type=int,
        default=2,
        help="items with at most this many non-zero periods in the last half of the fit "
        "window take their paths from similar items' next half-window (-1: off)",
    )
    ap.add_argument(
        "--donor-sizes",
        type=int,
        default=0,
        help="1: items that never had demand take the donor's demand sizes (0, default: "
        "1 unit; with 1 the refinery stock value grows ~20x for +8 points of fill)",
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
        rows = run_case(case, args.paths, args.seed, donors, bool(args.donor_sizes))
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

"""Supplier splits (split_order) and draft purchase orders (plan_purchase_orders)."""

from __future__ import annotations

import itertools
import json
from types import SimpleNamespace

import matplotlib
import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.optimize import linprog

from stockout_forecast.exceptions import InfeasibleError, SchemaError
from stockout_forecast.supply._problem import _build, _point_pmf
from stockout_forecast.supply._supplier_terms import _supplier_table
from stockout_forecast.supply.purchase_orders import plan_purchase_orders
from stockout_forecast.supply.results import PurchasePlan, SupplierSplit
from stockout_forecast.supply.solvers.closed_form import _closed_form
from stockout_forecast.supply.solvers.milp import _milp_block, _milp_one
from stockout_forecast.supply.split import split_order

matplotlib.use("Agg")


def _sup(**cols):
    n = len(next(iter(cols.values())))
    base = {"supplier_id": [f"S{k + 1}" for k in range(n)], "lead_time_days": [10] * n}
    base.update(cols)
    return pd.DataFrame(base)


def _arrays(units, sup, *, need_by=None, rate=None, b=0.0, overshoot=0.0, latest=np.inf, J=10):
    """The solver's arrays for one item (same inputs as split_order)."""
    s = _supplier_table(sup.assign(item_id="i"), None, max_share=1.0, late_days=7.0)
    orders = pd.DataFrame(
        {
            "item_id": ["i"],
            "units": [float(units)],
            "overshoot_units": [overshoot],
            "shortage_cost": [b],
            "demand_units_per_day": [np.nan if rate is None else rate],
            "latest_arrival_day": [latest],
        }
    )
    has = np.array([need_by is not None])
    tau = _point_pmf(np.array([np.nan if need_by is None else need_by]))
    return _build(orders, s, tau, has, n_buckets=J, late_days=7.0)


def _brute_force(a):
    """Enumerate every pack count per supplier; inner bucket assignment by an LP."""
    S, J = a.S, a.J
    N, ov = a.units[0], a.overshoot[0]
    e = np.nan_to_num(a.e[0])
    ub = a.ub[0]
    ranges = [range(int(np.floor(ub[s] / a.p[0, s] + 1e-9)) + 1) for s in range(S)]
    best = np.inf
    for ks in itertools.product(*ranges):
        x = np.array(ks, float) * a.p[0]
        if not (N - 1e-9 <= x.sum() <= N + ov + 1e-9):
            continue
        if any(0 < x[s] < a.moq[0, s] - 1e-9 for s in range(S)):
            continue
        # inner LP: min sum b e z, sum_s z = n_j, sum_j z <= x
        res = linprog(
            (a.b[0] * e).ravel(),
            A_ub=np.kron(np.eye(S), np.ones(J)),
            b_ub=x + 1e-12,
            A_eq=np.kron(np.ones(S), np.eye(J)),
            b_eq=a.nj[0],
            bounds=(0, None),
            method="highs",
        )
        cost = (a.c[0] * x).sum() + (a.F[0] * (x > 0)).sum() + res.fun
        best = min(best, cost)
    return best


# ----------------------------------------------------------------------- hand-built cases
def test_greedy_cheapest_first_fails_with_moq():
    # order 100. S1 1.0/unit but only 90 per order; S2 1.1/unit with MOQ 50; S3 2.0/unit.
    # Greedy cheapest-first: S1 90, 10 left < S2's MOQ 50 -> S3 10: 90 + 20 = 110.
    # Optimal: S1 50 + S2 50 = 50 + 55 = 105.
    sup = _sup(unit_cost=[1.0, 1.1, 2.0], capacity_units=[90, np.nan, np.nan], moq_units=[0, 50, 0])
    greedy = split_order(100, sup, mode="priority")
    assert greedy.lines["units"].tolist() == [90, 0, 10]
    assert greedy.totals["total_cost"] == pytest.approx(110.0)
    best = split_order(100, sup)
    assert best.lines["units"].tolist() == [50, 50, 0]
    assert best.totals["total_cost"] == pytest.approx(105.0)
    assert best.solver == "milp"  # MOQ binds: no closed form; three suppliers, bound not met


def test_moq_above_order_goes_to_the_dearer_supplier():
    # 80 units: S1 1.0 with MOQ 100 (would mean 100 units), S2 1.2 -> 96 from S2
    sup = _sup(unit_cost=[1.0, 1.2], moq_units=[100, 0])
    r = split_order(80, sup)
    assert r.lines.set_index("supplier_id")["units"].to_dict() == {"S1": 0, "S2": 80}
    assert "MOQ 100" in r.lines.loc[0, "reason"]
    # with 20 units of overshoot allowed, 100 units from S1 cost 100 > 96: still S2
    assert split_order(80, sup, overshoot_units=0).lines["units"].tolist() == [0, 80]
    assert split_order(80, sup, overshoot_units=20).lines["units"].tolist() == [0, 80]
    # a 0.9 price makes the overshoot worth it: 100 x 0.9 = 90 < 96
    sup2 = _sup(unit_cost=[0.9, 1.2], moq_units=[100, 0])
    assert split_order(80, sup2, overshoot_units=20).lines["units"].tolist() == [100, 0]


def test_closed_form_split_by_need_bucket():
    # slow cheap S1 (arrives day 20) and fast dear S2 (day 2), stockout on day 12, 10
    # units/day, 100 units in 10 buckets of 10; bucket j is needed at day 12 + (10 j + 5)/10
    # = 12.5 + j. S1 is late when its arrival day 20 > floor(12.5 + j), i.e. j <= 7 (8
    # buckets): at 5/unit shortage cost S2 (1.5) beats S1 (1 + 5) there; S1 takes the
    # last 2 buckets (20 units).
    sup = _sup(unit_cost=[1.0, 1.5], lead_time_days=[20, 2])
    r = split_order(100, sup, need_by=12, demand_per_day=10, backorder_cost_per_unit=5)
    assert r.solver == "closed_form"
    assert r.lines["units"].tolist() == [20, 80]
    assert r.totals["expected_units_short"] == pytest.approx(0.0)
    assert r.totals["total_cost"] == pytest.approx(20 * 1.0 + 80 * 1.5)
    # without a shortage cost the cheap supplier takes everything (and 80 units are late)
    r0 = split_order(100, sup, need_by=12, demand_per_day=10)
    assert r0.lines["units"].tolist() == [100, 0]
    assert r0.totals["expected_units_short"] == pytest.approx(80.0)


def test_fill_rate_and_on_time_rate_hedge_the_cheap_supplier():
    # the cheap supplier's units are short with probability (1 - f); at 4/unit shortage cost
    # its landed cost is 1 + 4 (1 - f): it keeps the order while that is below 1.3
    shares = []
    for f in [1.0, 0.95, 0.9, 0.5]:
        sup = _sup(unit_cost=[1.0, 1.3], lead_time_days=[5, 5], fill_rate=[f, 1.0])
        r = split_order(100, sup, need_by=30, demand_per_day=5, backorder_cost_per_unit=4)
        shares.append(r.lines.loc[0, "share"])
    assert shares == [1.0, 1.0, 0.0, 0.0]  # 1 + 4 * 0.05 = 1.2 < 1.3 ; 1 + 0.4 = 1.4 > 1.3
    # on-time rate: late deliveries arrive 7 days later; the cheap supplier (lead 12 days,
    # need on day 14) then misses the early buckets only, so the order is split
    sup = _sup(unit_cost=[1.0, 1.3], lead_time_days=[12, 3], on_time_rate=[0.5, 1.0])
    r = split_order(100, sup, need_by=14, demand_per_day=10, backorder_cost_per_unit=4)
    units = r.lines.set_index("supplier_id")["units"]
    assert 0 < units["S1"] < 100
    assert 0 < units["S2"] < 100
    # perfectly reliable: all cheap
    sup_ok = sup.assign(on_time_rate=[1.0, 1.0])
    assert split_order(100, sup_ok, need_by=14, demand_per_day=10, backorder_cost_per_unit=4).lines[
        "units"
    ].tolist() == [100, 0]


def test_dual_rule_gap_demand_hand_computed():
    # regular S1 arrives day 20, fast S2 day 5; stockout day 10; 4 units/day:
    # gap = 4 x (20 - 10) = 40 units from S2, 60 from S1
    sup = _sup(unit_cost=[1.0, 1.6], lead_time_days=[20, 5])
    r = split_order(100, sup, need_by=10, demand_per_day=4, mode="dual")
    assert r.lines["units"].tolist() == [60, 40]
    assert "expedite" in r.lines.loc[1, "reason"]
    # regular arrives before the stockout: no expedite
    r2 = split_order(100, sup, need_by=25, demand_per_day=4, mode="dual")
    assert r2.lines["units"].tolist() == [100, 0]
    # P50 vs P10 of a stockout distribution: P(stockout by day t) = 0 before day 6, 0.2 on
    # days 6-9, 1 from day 10 -> P10 = day 6, P50 = day 10; gap 4 x 14 = 56 at P10
    cdf = np.where(np.arange(30) >= 10, 1.0, np.where(np.arange(30) >= 6, 0.2, 0.0))
    p50 = split_order(100, sup, stockout_cdf=cdf, demand_per_day=4, mode="dual")
    p10 = split_order(
        100, sup, stockout_cdf=cdf, demand_per_day=4, mode="dual", stockout_quantile=0.1
    )
    assert p50.lines["units"].tolist() == [60, 40]
    assert p10.lines["units"].tolist() == [44, 56]


def test_quota_mode_rounding_and_errors():
    sup = _sup(unit_cost=[1.0, 1.1, 1.2])
    r = split_order(100, sup, mode="quota", quotas={"S1": 0.5, "S2": 0.3, "S3": 0.2})
    assert r.lines["units"].tolist() == [50, 30, 20]
    # pack 12 on S1: 50 -> 48, the 2 missing units cost S1 one more pack: 60 + 30 + 20 = 110
    sup12 = sup.assign(pack_units=[12, 1, 1])
    with pytest.raises(InfeasibleError, match="pack_units") as err:
        split_order(
            100, sup12, mode="quota", quotas={"S1": 0.5, "S2": 0.3, "S3": 0.2}, overshoot_units=0
        )
    assert "110" in str(err.value)
    r = split_order(
        100, sup12, mode="quota", quotas={"S1": 0.5, "S2": 0.3, "S3": 0.2}, overshoot_units=10
    )
    assert r.lines["units"].tolist() == [60, 30, 20]
    # MOQ: S2 gets 10 < 20; the quota reaches every MOQ from 20 / 0.1 = 200 units
    sup_moq = sup.assign(moq_units=[0, 20, 0])
    with pytest.raises(InfeasibleError, match=r"moq_units .*S2 gets 10 < MOQ 20.*200 units"):
        split_order(100, sup_moq, mode="quota", quotas={"S1": 0.9, "S2": 0.1})
    with pytest.raises(ValueError, match=r"sum to 0\.9"):
        split_order(100, sup, mode="quota", quotas={"S1": 0.5, "S2": 0.4})


def test_priority_list_overrides_price_order():
    sup = _sup(unit_cost=[1.0, 1.1], capacity_units=[np.nan, 60])
    r = split_order(100, sup, mode="priority", priority=["S2", "S1"])
    assert r.lines["units"].tolist() == [40, 60]


def test_latest_arrival_excludes_slow_suppliers():
    sup = _sup(unit_cost=[1.0, 1.4], lead_time_days=[30, 5])
    r = split_order(50, sup, latest_arrival=20)
    assert r.lines["units"].tolist() == [0, 50]
    assert r.lines.loc[0, "status"] == "too_late"
    with pytest.raises(InfeasibleError, match="latest useful arrival day 3") as err:
        split_order(50, sup, latest_arrival=3)
    assert "S2 expected on day 5" in str(err.value)


# ------------------------------------------------------------------ infeasible messages
@pytest.mark.parametrize(
    ("sup", "units", "named", "closest"),
    [
        # capacities 40 + 50 = 90 < 100: closest below is 90 (S1 40, S2 50), none above
        (
            _sup(unit_cost=[1, 2], capacity_units=[40, 50]),
            100,
            "capacity_units (S1 40, S2 50)",
            "90 units (S1 40, S2 50); none above it",
        ),
        # only supplier has MOQ 50 > 30: nothing below, 50 above
        (
            _sup(unit_cost=[1], moq_units=[50]),
            30,
            "moq_units (S1 50)",
            "none at or below the order; 50 units (S1 50)",
        ),
        # packs of 4 and 8 cannot make 10: 8 below, 12 above
        (_sup(unit_cost=[1, 1.1], pack_units=[4, 8]), 10, "pack_units (S1 4, S2 8)", "8 units"),
        # max share 0.4 each of two suppliers: at most 80 % of the order
        (
            _sup(unit_cost=[1, 1.1], max_share=[0.4, 0.4]),
            100,
            "max_share (S1 0.4 = 40 units, S2 0.4 = 40 units)",
            "none at or below",
        ),
    ],
)
def test_infeasible_message_names_binding_constraint(sup, units, named, closest):
    with pytest.raises(InfeasibleError) as err:
        split_order(units, sup, overshoot_units=0)
    msg = str(err.value)
    assert f"binding constraint {named}" in msg
    assert closest in msg
    assert "Cannot split" in msg
    assert "'item'" in msg


# ------------------------------------------------------------- MILP equals brute force
@st.composite
def small_problem(draw):
    S = draw(st.integers(1, 3))
    units = draw(st.integers(1, 12))
    sup = pd.DataFrame(
        {
            "supplier_id": [f"S{k}" for k in range(S)],
            "unit_cost": draw(
                st.lists(st.sampled_from([1.0, 1.2, 1.5, 2.0, 2.3]), min_size=S, max_size=S)
            ),
            "lead_time_days": draw(st.lists(st.integers(0, 20), min_size=S, max_size=S)),
            "lead_time_sd_days": draw(
                st.lists(st.sampled_from([0.0, 2.0, 5.0]), min_size=S, max_size=S)
            ),
            "pack_units": draw(st.lists(st.sampled_from([1, 2, 3, 5]), min_size=S, max_size=S)),
            "moq_units": draw(st.lists(st.sampled_from([0, 0, 4, 7]), min_size=S, max_size=S)),
            "capacity_units": draw(
                st.lists(st.sampled_from([np.nan, 5, 8]), min_size=S, max_size=S)
            ),
            "order_cost": draw(st.lists(st.sampled_from([0.0, 3.0]), min_size=S, max_size=S)),
            "on_time_rate": draw(st.lists(st.sampled_from([1.0, 0.7]), min_size=S, max_size=S)),
            "fill_rate": draw(st.lists(st.sampled_from([1.0, 0.9]), min_size=S, max_size=S)),
            "max_share": draw(st.lists(st.sampled_from([1.0, 1.0, 0.7]), min_size=S, max_size=S)),
        }
    )
    kw = {
        "need_by": draw(st.integers(0, 15)),
        "rate": draw(st.sampled_from([1.0, 3.0])),
        "b": draw(st.sampled_from([0.0, 2.0, 6.0])),
        "overshoot": draw(st.sampled_from([0.0, 0.0, 3.0])),
        "J": draw(st.sampled_from([1, 3, 5])),
    }
    return units, sup, kw


@settings(max_examples=35, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(small_problem())
def test_milp_optimum_equals_brute_force_and_limits_hold(problem):
    units, sup, kw = problem
    a = _arrays(
        units,
        sup,
        need_by=kw["need_by"],
        rate=kw["rate"],
        b=kw["b"],
        overshoot=kw["overshoot"],
        J=kw["J"],
    )
    best = _brute_force(a)
    args = {
        "need_by": kw["need_by"],
        "demand_per_day": kw["rate"],
        "backorder_cost_per_unit": kw["b"],
        "overshoot_units": kw["overshoot"],
        "n_buckets": kw["J"],
    }
    if not np.isfinite(best):
        with pytest.raises(InfeasibleError, match="binding constraint"):
            split_order(units, sup, **args)
        return
    r = split_order(units, sup, **args)
    lines = r.lines.set_index("supplier_id")
    terms = sup.set_index("supplier_id")
    assert r.totals["total_cost"] == pytest.approx(best, rel=1e-7, abs=1e-7)
    x = lines["units"]
    # units add up (within the overshoot allowance)
    assert units - 1e-9 <= x.sum() <= units + kw["overshoot"] + 1e-9
    used = x > 0
    # packs, MOQ, capacity and share hold
    assert np.allclose(x / terms["pack_units"], np.round(x / terms["pack_units"]))
    assert (x[used] >= terms.loc[used, "moq_units"] - 1e-9).all()
    assert (x <= terms["capacity_units"].fillna(np.inf) + 1e-9).all()
    share_cap = np.where(terms["max_share"] < 1, terms["max_share"] * units, np.inf)
    assert (x <= share_cap + 1e-9).all()


def test_closed_form_equals_milp_on_random_items():
    rng = np.random.default_rng(7)
    checked = 0
    for _ in range(60):
        S = int(rng.integers(2, 4))
        sup = _sup(
            unit_cost=rng.uniform(1, 2, S).round(3).tolist(),
            lead_time_days=rng.integers(1, 30, S).tolist(),
            lead_time_sd_days=rng.uniform(0, 5, S).round(2).tolist(),
            order_cost=rng.choice([0.0, 5.0], S).tolist(),
            on_time_rate=rng.uniform(0.6, 1.0, S).round(2).tolist(),
        )
        units = float(rng.integers(10, 200))
        a = _arrays(
            units,
            sup,
            need_by=float(rng.integers(0, 20)),
            rate=float(rng.uniform(1, 10)),
            b=float(rng.uniform(0, 5)),
        )
        x, z, ok = _closed_form(a)
        if not ok[0]:
            continue
        status, xm, zm = _milp_one(a, 0)
        e = np.nan_to_num(a.e[0])

        def cost(xx, zz, a=a, e=e):
            return (a.c[0] * xx).sum() + (a.F[0] * (xx > 0)).sum() + a.b[0] * (e * zz).sum()

        assert status == 0
        assert cost(x[0], z[0]) == pytest.approx(cost(xm, zm), rel=1e-8, abs=1e-8)
        checked += 1
    assert checked >= 30  # most random items without MOQ/packs take the fast path


def test_block_milp_equals_single_milps_with_an_infeasible_item_inside():
    # 8 items sharing one block-diagonal MILP: MOQs and packs bind; item 3 cannot be split
    # (MOQ 50 > 20 units on its only supplier) and must not spoil the others
    rng = np.random.default_rng(5)
    orders, sups = [], []
    for k in range(8):
        units = 20 if k == 3 else int(rng.integers(20, 120))
        orders.append({"item_id": f"I{k}", "units": units})
        n_s = 1 if k == 3 else 3
        sups.append(
            pd.DataFrame(
                {
                    "item_id": f"I{k}",
                    "supplier_id": [f"S{j}" for j in range(n_s)],
                    "unit_cost": rng.uniform(1, 2, n_s),
                    "lead_time_days": rng.integers(2, 30, n_s),
                    "pack_units": rng.choice([1, 6, 12], n_s),
                    "moq_units": [50] if k == 3 else rng.choice([0, 30], n_s),
                }
            )
        )
    o = pd.DataFrame(orders).assign(
        overshoot_units=12.0, shortage_cost=3.0, demand_units_per_day=5.0, latest_arrival_day=np.inf
    )
    s = _supplier_table(pd.concat(sups, ignore_index=True), None, max_share=1.0, late_days=7.0)
    a = _build(o, s, _point_pmf(np.full(8, 8.0)), np.ones(8, bool), n_buckets=5, late_days=7.0)
    xb, zb, okb = _milp_block(a, np.arange(8), time_limit=10)
    assert okb.tolist() == [k != 3 for k in range(8)]
    for i in np.flatnonzero(okb):
        status, xs, zs = _milp_one(a, i)
        e = np.nan_to_num(a.e[i])

        def cost(xx, zz, i=i, e=e):
            return (a.c[i] * xx).sum() + (a.F[i] * (xx > 0)).sum() + a.b[i] * (e * zz).sum()

        assert status == 0
        assert cost(xb[i], zb[i]) == pytest.approx(cost(xs, zs), rel=1e-9)
    assert _milp_one(a, 3)[0] == 2  # infeasible on its own


# ------------------------------------------------------------------- many items at once
def _catalogue():
    orders = pd.DataFrame(
        {
            "item_id": ["A", "B", "C", "D", "E"],
            "order_units": [100, 40, 0, 30, 25],
            "demand_units_per_day": [10, 2, 1, 1, 1],
            "need_by_date": ["2024-03-13", "2024-03-21", None, None, None],
        }
    )
    sup = pd.DataFrame(
        {
            "item_id": ["A", "A", "B", "B", "C", "D"],
            "supplier_id": ["S1", "S2", "S1", "S2", "S1", "S1"],
            "unit_cost": [1.0, 1.5, 2.0, 2.2, 1.0, 1.0],
            "lead_time_days": [20, 2, 20, 2, 5, 5],
            "moq_units": [0, 0, 0, 0, 0, 50],
        }
    )
    return orders, sup


def test_plan_every_item_in_and_out_with_status():
    orders, sup = _catalogue()
    before = orders.copy()
    plan = plan_purchase_orders(orders, sup, backorder_cost_per_unit=5, as_of="2024-03-01")
    assert isinstance(plan, PurchasePlan)
    pd.testing.assert_frame_equal(orders, before)  # input not mutated
    items = plan.items.set_index("item_id")
    assert list(items.index) == ["A", "B", "C", "D", "E"]
    assert items["status"].to_dict() == {
        "A": "ok",
        "B": "ok",
        "C": "no_order",
        "D": "infeasible",
        "E": "no_supplier",
    }
    assert "moq_units (S1 50)" in items.loc["D", "reason"]
    assert "add it to the suppliers table" in items.loc["E", "reason"]
    # A: same as the single-item split (stockout 12 days after as_of, 10/day)
    single = split_order(
        100, sup[sup.item_id == "A"], need_by=12, demand_per_day=10, backorder_cost_per_unit=5
    )
    got = plan.splits[plan.splits.item_id == "A"].reset_index(drop=True)
    assert got["units"].tolist() == single.lines["units"].tolist()
    # PO lines add up per supplier
    po = plan.purchase_orders.set_index("supplier_id")
    lines = plan.lines
    assert (lines["po_id"] == "DRAFT-" + lines["supplier_id"]).all()
    for s, g in lines.groupby("supplier_id"):
        assert po.loc[s, "order_value"] == pytest.approx((g["units"] * g["unit_cost"]).sum())
    assert (
        lines["expected_arrival_date"]
        == pd.Timestamp("2024-03-01") + pd.to_timedelta(lines["expected_arrival_days"], unit="D")
    ).all()
    json.dumps(plan.to_dict())
    assert "PurchasePlan" in repr(plan)
    assert "<table" in plan._repr_html_()
    assert plan.plot() is not None


def test_min_order_value_binding_reoptimises_jointly():
    # S2 is cheapest for X only by 0.05/unit; its PO (10 x 1.0 = 10) is below its minimum
    # value 50. Options: drop S2 (X to S1: +0.5) or fill it: Y's 40 units to S2 cost +0.1 x 40
    # = +4 -> dropping is cheaper: everything from S1.
    orders = pd.DataFrame({"item_id": ["X", "Y"], "order_units": [10, 40]})
    sup = pd.DataFrame(
        {
            "item_id": ["X", "X", "Y", "Y"],
            "supplier_id": ["S1", "S2", "S1", "S2"],
            "unit_cost": [1.05, 1.0, 1.0, 1.1],
            "lead_time_days": 5,
        }
    )
    limits = pd.DataFrame({"supplier_id": ["S2"], "min_order_value": [50.0]})
    # with Y only 0.01 dearer at S2, filling S2 (Y's 40 units cost +0.4; X keeps its 0.5
    # saving) beats dropping it
    sup2 = sup.assign(unit_cost=[1.05, 1.0, 1.0, 1.01])
    for exact_items in (50, 0):  # exact joint MILP, and the candidate method
        plan = plan_purchase_orders(
            orders, sup, supplier_limits=limits, joint_exact_items=exact_items
        )
        assert plan.lines["supplier_id"].unique().tolist() == ["S1"]
        assert plan.items.set_index("item_id").loc["X", "solver"] == "joint"
        assert any("min_order_value" in n for n in plan.notes)
        plan2 = plan_purchase_orders(
            orders, sup2, supplier_limits=limits, joint_exact_items=exact_items
        )
        po = plan2.purchase_orders.set_index("supplier_id")
        assert po.loc["S2", "order_value"] == pytest.approx(50.4)  # 10 x 1.0 + 40 x 1.01
        assert (plan2.purchase_orders["status"] == "ok").all()


@pytest.mark.parametrize("exact_items", [50, 0])
def test_supplier_capacity_holds_exact_and_candidate_methods(exact_items):
    rng = np.random.default_rng(3)
    n = 12
    items = [f"I{k}" for k in range(n)]
    orders = pd.DataFrame({"item_id": items, "order_units": rng.integers(10, 40, n)})
    sup = pd.DataFrame(
        {
            "item_id": np.repeat(items, 2),
            "supplier_id": ["S1", "S2"] * n,
            "unit_cost": np.c_[np.full(n, 1.0), rng.uniform(1.05, 1.5, n)].ravel(),
            "lead_time_days": 5,
        }
    )
    cap = 0.5 * orders["order_units"].sum()
    limits = pd.DataFrame({"supplier_id": ["S1"], "capacity_units": [cap]})
    plan = plan_purchase_orders(orders, sup, supplier_limits=limits, joint_exact_items=exact_items)
    po = plan.purchase_orders.set_index("supplier_id")
    assert po.loc["S1", "units"] <= cap + 1e-9
    assert (plan.items["planned_units"] == plan.items["order_units"]).all()
    free = plan_purchase_orders(orders, sup)
    assert plan.items["total_cost"].sum() >= free.items["total_cost"].sum() - 1e-9
    if exact_items:  # exact: S1 is filled to capacity with the items that save most per unit
        assert po.loc["S1", "units"] == pytest.approx(cap)


def test_plan_uses_stockout_forecast_rows():
    orders = pd.DataFrame(
        {"item_id": ["A", "B"], "order_units": [100, 100], "demand_units_per_day": [10, 10]}
    )
    sup = pd.DataFrame(
        {
            "item_id": ["A", "A", "B", "B"],
            "supplier_id": ["S1", "S2"] * 2,
            "unit_cost": [1.0, 1.5] * 2,
            "lead_time_days": [20, 2] * 2,
        }
    )
    dates = pd.date_range("2024-03-01", periods=40, freq="D")
    t = np.arange(40)
    # A runs out on day 12 for sure; B never within 40 days (mass after the horizon)
    fake = SimpleNamespace(
        item_ids=np.array(["A", "B"]),
        dates=dates,
        p_stockout=np.vstack([(t >= 12).astype(float), np.zeros(40)]),
    )
    plan = plan_purchase_orders(orders, sup, stockouts=fake, backorder_cost_per_unit=5)
    assert plan.as_of == pd.Timestamp("2024-03-01")
    s = plan.splits.set_index(["item_id", "supplier_id"])["units"]
    assert s["A"].tolist() == [20, 80]  # as in test_closed_form_split_by_need_bucket
    assert s["B"].tolist() == [100, 0]  # stockout after day 40: S1 (day 20) is in time
    assert (plan.items["stockout_source"] == "stockout_forecast").all()


def test_rule_modes_batch_equal_single():
    orders, sup = _catalogue()
    orders = orders.iloc[:2]
    for mode in ["priority", "dual"]:
        plan = plan_purchase_orders(
            orders, sup, backorder_cost_per_unit=5, as_of="2024-03-01", mode=mode
        )
        for item, need, rate in [("A", 12, 10), ("B", 20, 2)]:
            single = split_order(
                orders.set_index("item_id").loc[item, "order_units"],
                sup[sup.item_id == item],
                need_by=need,
                demand_per_day=rate,
                backorder_cost_per_unit=5,
                mode=mode,
            )
            got = plan.splits[plan.splits.item_id == item]
            assert got["units"].tolist() == single.lines["units"].tolist()
            assert got["total_cost"].sum() == pytest.approx(single.totals["total_cost"])


# ------------------------------------------------------------------- results and errors
def test_split_result_interfaces():
    sup = _sup(unit_cost=[1.0, 1.5], lead_time_days=[20, 2])
    r = split_order(
        100,
        sup,
        need_by="2024-03-13",
        demand_per_day=10,
        backorder_cost_per_unit=5,
        as_of="2024-03-01",
    )
    assert isinstance(r, SupplierSplit)
    assert r.lines["expected_arrival_date"].tolist() == [
        pd.Timestamp("2024-03-21"),
        pd.Timestamp("2024-03-03"),
    ]
    d = r.to_dict()
    json.dumps(d)
    assert d["totals"]["units"] == 100
    assert d["lines"][0]["expected_arrival_date"] == "2024-03-21"
    assert "SupplierSplit item='item'" in repr(r)
    assert "S2 80" in repr(r)
    assert "<table" in r._repr_html_()
    assert r.plot().get_title().startswith("Item item")
    assert r.to_frame() is not r.lines


def test_split_errors():
    sup = _sup(unit_cost=[1.0])
    with pytest.raises(ValueError, match="mode must be one of"):
        split_order(10, sup, mode="cheapest")
    with pytest.raises(ValueError, match="needs the item's stockout date"):
        split_order(10, sup, backorder_cost_per_unit=2)
    with pytest.raises(ValueError, match="max_share must be a fraction"):
        split_order(10, sup, max_share=50)
    with pytest.raises(ValueError, match="either stockout_cdf"):
        split_order(10, sup, stockout_cdf=[0.1, 0.5], need_by=3)
    with pytest.raises(ValueError, match="non-decreasing"):
        split_order(10, sup, stockout_cdf=[0.5, 0.1])
    with pytest.raises(ValueError, match="as_of"):
        split_order(10, sup, need_by="2024-03-01")
    with pytest.raises(SchemaError, match="pack_units must be > 0"):
        split_order(10, sup.assign(pack_units=[0]))
    with pytest.raises(SchemaError, match=r"fill_rate .*percentages"):
        split_order(10, sup.assign(fill_rate=[90]))
    with pytest.raises(ValueError, match="pass item_id"):
        split_order(10, pd.concat([sup.assign(item_id="a"), sup.assign(item_id="b")]))
    with pytest.raises(ValueError, match="quotas name suppliers"):
        split_order(10, sup, mode="quota", quotas={"ZZ": 1.0})
    orders = pd.DataFrame({"item_id": ["A", "A"], "units": [1, 2]})
    with pytest.raises(SchemaError, match="one row per item"):
        plan_purchase_orders(orders, sup.assign(item_id="A"))
    with pytest.raises(SchemaError, match="order_units"):
        plan_purchase_orders(pd.DataFrame({"item_id": ["A"]}), sup.assign(item_id="A"))


def test_default_overshoot_rounds_up_to_whole_packs():
    # packs of 12 (1.0/unit) and 10 (1.1/unit); 101 units cannot be made exactly. By default
    # up to 11 more units may be ordered (largest pack 12 - 1): totals 102..112 reachable as
    # 12a + 10b: 102 = 72 + 30 -> 72 + 33 = 105; 104 = 84 + 20 -> 106; 108 = 108 -> 108;
    # 110 = 60 + 50 -> 115; 112 = 72 + 40 -> 116; 106 = 36 + 70 -> 113. Best: 72 + 30.
    sup = _sup(unit_cost=[1.0, 1.1], pack_units=[12, 10])
    r = split_order(101, sup)
    assert r.lines["units"].tolist() == [72, 30]
    assert r.totals["total_cost"] == pytest.approx(105.0)
    with pytest.raises(InfeasibleError, match="pack_units"):
        split_order(101, sup, overshoot_units=0, mode="optimal", max_share=0.5)


def test_default_overshoot_rounds_a_fractional_quantity_up_to_a_whole_unit():
    # the policy asks for a fractional quantity when the suppliers table has no pack_units
    # (16.9988 units in a shop with only the required supplier columns); before the fix the
    # default overshoot (largest pack 1 - 1 = 0) left no whole number of units to order, and
    # every such item came back "infeasible: order 16 or 17 units"
    r = split_order(16.9988, _sup(unit_cost=[2.0]))
    assert r.lines["units"].tolist() == [17]
    # with packs of 6 the fraction and the pack together: 16.2 -> 18 (3 packs)
    r = split_order(16.2, _sup(unit_cost=[1.0], pack_units=[6]))
    assert r.lines["units"].tolist() == [18]
    orders = pd.DataFrame({"item_id": ["A", "B"], "order_units": [16.9988, 4.0]})
    sup = pd.concat([_sup(unit_cost=[2.0]).assign(item_id=i) for i in ("A", "B")])
    plan = plan_purchase_orders(orders, sup)
    assert plan.items["status"].tolist() == ["ok", "ok"]
    assert plan.lines.groupby("item_id")["units"].sum().to_dict() == {"A": 17.0, "B": 4.0}
    # an explicit overshoot of 0 still asks for exactly the units
    with pytest.raises(InfeasibleError):
        split_order(16.9988, _sup(unit_cost=[2.0]), overshoot_units=0)


def test_zero_units_gives_empty_split():
    r = split_order(0, _sup(unit_cost=[1.0, 2.0]))
    assert r.lines["units"].sum() == 0
    assert r.solver == "none"


def test_bench_suppliers_smoke():
    """The benchmark's own functions on a few hundred items: fast path == per-item MILP."""
    import importlib.util
    from pathlib import Path

    path = Path(__file__).parents[1] / "benchmarks" / "bench_suppliers.py"
    spec = importlib.util.spec_from_file_location("bench_suppliers", path)
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    s = bench.bench_split(200, 20)
    assert s["subset_cost_fast"] == pytest.approx(s["subset_cost_milp"], rel=1e-9)
    assert s["capacity_ok"]
    assert s["capacity_cost_increase"] >= 0
    p = bench.bench_promise(2000, 500)
    assert p["baseline_agrees"]


def test_enumeration_equals_milp_where_constraints_bind(monkeypatch):
    # Items with two or three suppliers whose packs, MOQs and capacities bind: the
    # enumeration path (solvers/pairs.py) must reach the MILP's optimum, item by item.
    import stockout_forecast.supply.solvers.dispatch as dispatch

    rng = np.random.default_rng(11)
    rows = []
    for i in range(120):
        for s in range(int(rng.integers(2, 4))):
            rows.append(
                {
                    "item_id": f"I{i:03d}",
                    "supplier_id": f"S{s}",
                    "unit_cost": round(float(rng.uniform(1, 3)), 2),
                    "lead_time_days": int(rng.integers(2, 25)),
                    "lead_time_sd_days": round(float(rng.uniform(0, 4)), 1),
                    "pack_units": float(rng.choice([1, 2, 5, 10])),
                    "moq_units": float(rng.choice([0, 10, 30])),
                    "capacity_units": float(rng.choice([40, 80, np.nan])),
                    "order_cost": float(rng.choice([0.0, 20.0, 60.0])),
                }
            )
    sup = pd.DataFrame(rows)
    orders = pd.DataFrame(
        {
            "item_id": [f"I{i:03d}" for i in range(120)],
            "order_units": rng.integers(20, 150, 120).astype(float),
            "stockout_date_p50": pd.Timestamp("2024-03-01")
            + pd.to_timedelta(rng.integers(3, 30, 120), unit="D"),
            "demand_units_per_day": rng.uniform(1, 8, 120),
            "backorder_cost_per_unit": rng.uniform(0, 5, 120),
        }
    )
    fast = plan_purchase_orders(orders, sup, as_of="2024-03-01").items.set_index("item_id")
    solved = fast["solver"].value_counts()
    assert solved.get("enumeration", 0) >= 30  # the path is exercised

    def none_solved(a, rows):
        m = len(rows)
        return np.zeros((m, a.S)), np.zeros((m, a.S, a.J)), np.zeros(m, dtype=bool)

    monkeypatch.setattr(dispatch, "_pair_split", none_solved)
    milp = plan_purchase_orders(orders, sup, as_of="2024-03-01").items.set_index("item_id")
    assert (milp["solver"] != "enumeration").all()
    ok = milp["status"] == "ok"
    assert (fast["status"] == milp["status"]).all()
    np.testing.assert_allclose(
        fast.loc[ok, "total_cost"], milp.loc[ok, "total_cost"], rtol=1e-7, atol=1e-7
    )


def test_an_items_milp_split_does_not_depend_on_the_other_items(monkeypatch):
    # A chunked plan splits each chunk's items in a separate call: an item's split must be
    # the same whichever items share the call (in MILP blocks of 2 the solver's continuous
    # variables, hence expected_units_short, moved by ~1e-8 with the partner).
    import stockout_forecast.supply.solvers.dispatch as dispatch

    def none_solved(a, rows):
        m = len(rows)
        return np.zeros((m, a.S)), np.zeros((m, a.S, a.J)), np.zeros(m, dtype=bool)

    monkeypatch.setattr(dispatch, "_pair_split", none_solved)  # every binding item to MILP
    rng = np.random.default_rng(5)
    n = 24
    sup = pd.DataFrame(
        [
            {
                "item_id": f"I{i:03d}",
                "supplier_id": f"S{s}",
                "unit_cost": round(float(rng.uniform(1, 3)), 2),
                "lead_time_days": int(rng.integers(2, 25)),
                "lead_time_sd_days": round(float(rng.uniform(0.5, 4)), 1),
                "pack_units": float(rng.choice([2, 5, 10])),
                "moq_units": float(rng.choice([10, 30])),
                "capacity_units": float(rng.choice([40, 80])),
                "order_cost": float(rng.choice([0.0, 20.0])),
            }
            for i in range(n)
            for s in range(3)
        ]
    )
    orders = pd.DataFrame(
        {
            "item_id": [f"I{i:03d}" for i in range(n)],
            "order_units": rng.integers(60, 150, n).astype(float),
            "stockout_date_p50": pd.Timestamp("2024-03-01")
            + pd.to_timedelta(rng.integers(3, 30, n), unit="D"),
            "demand_units_per_day": rng.uniform(1, 8, n),
            "backorder_cost_per_unit": rng.uniform(1, 5, n),
        }
    )

    def lines(rows):
        plan = plan_purchase_orders(orders.iloc[rows], sup, as_of="2024-03-01")
        assert (plan.items["solver"] == "milp").sum() >= len(rows) // 2  # MILP exercised
        cols = ["item_id", "supplier_id", "units", "expected_units_short"]
        return plan.splits[cols].sort_values(["item_id", "supplier_id"]).reset_index(drop=True)

    together = lines(list(range(n)))
    shifted = pd.concat([lines([0]), lines(list(range(1, n)))], ignore_index=True)
    pd.testing.assert_frame_equal(together, shifted, check_exact=True)

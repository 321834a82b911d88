"""Policy replay: hand-computed small replays, conventions, inputs, results, errors."""

from __future__ import annotations

import json

import matplotlib
import numpy as np
import pandas as pd
import pytest

from stockout_forecast.history.panel import DemandHistory
from stockout_forecast.policy.bootstrap import bootstrap_demand_paths
from stockout_forecast.policy.replay import PolicyReplay, simulate_policy
from stockout_forecast.policy.simulated import pooled_reorder_points, simulated_reorder_point

matplotlib.use("Agg")

DEMAND = np.array([[4.0, 0.0, 5.0, 3.0, 2.0]])
SQ = {"reorder_point": [3.0], "order_quantity": [6.0]}
COSTS = {
    "holding_cost_per_unit_period": 0.5,
    "order_cost": 10.0,
    "backorder_cost_per_unit": 3.0,
    "unit_cost": 2.0,
}


def test_backorders_by_hand():
    # (s, Q) = (3, 6), L = 1 period, 8 on hand at the start.
    # t0: 8 - 4 = 4 (IP 4 > 3).  t1: no demand, 4.
    # t2: 4 of 5 filled, 1 backordered; IP = 0 - 1 = -1 <= 3 → order 6 (arrives start of t4).
    # t3: 0 of 3 filled, backlog 4; IP = 0 + 6 - 4 = 2 <= 3 → order 6 (arrives after t4).
    # t4: receive 6, clear backlog 4 → 2, serve 2 → 0.
    res = simulate_policy(DEMAND, SQ, 1, initial_on_hand=8, costs=COSTS)
    row = res.to_frame().iloc[0]
    assert res.on_hand.tolist() == [[4.0, 4.0, 0.0, 0.0, 0.0]]
    assert res.orders.tolist() == [[0.0, 0.0, 6.0, 6.0, 0.0]]
    assert row["demand_units"] == 14
    assert row["filled_units"] == 10  # 4 + 0 + 4 + 0 + 2
    assert row["fill_rate"] == pytest.approx(10 / 14)
    assert row["units_short"] == 4
    assert row["stockout_periods"] == 2
    assert row["cycles"] == 1  # one receipt
    assert row["stockout_cycles"] == 1  # that cycle had shortages
    assert row["cycle_service_level"] == 0.0
    assert row["avg_on_hand_units"] == pytest.approx(8 / 5)
    assert row["avg_on_hand_value"] == pytest.approx(2 * 8 / 5)
    assert row["orders_placed"] == 2
    assert row["units_ordered"] == 12
    assert row["backordered_units_end"] == 0
    # holding 0.5 x (4 + 4) = 4; ordering 10 x 2 = 20; shortage 3 x 4 = 12
    assert (row["holding_cost"], row["ordering_cost"], row["shortage_cost"]) == (4, 20, 12)
    assert row["total_cost"] == 36
    assert row["status"] == "ok"


def test_lost_sales_by_hand():
    # the same, but unmet demand is lost:
    # t2: 4 of 5 filled, 1 lost; IP = 0 → order 6 (start of t4).
    # t3: 3 lost; IP = 0 + 6 = 6 > 3: no second order.  t4: receive 6, serve 2 → 4.
    res = simulate_policy(DEMAND, SQ, 1, initial_on_hand=8, backorders=False)
    row = res.to_frame().iloc[0]
    assert res.on_hand.tolist() == [[4.0, 4.0, 0.0, 0.0, 4.0]]
    assert row["fill_rate"] == pytest.approx(10 / 14)
    assert row["units_short"] == 4
    assert row["orders_placed"] == 1
    assert row["avg_on_hand_units"] == pytest.approx(12 / 5)
    assert res.settings["backorders"] is False
    assert "lost sales" in repr(res)


def test_periodic_review_order_up_to_by_hand():
    # (R, S) = (2, 10), L = 0 (next period), start at S = 10.
    # t0: 10 - 3 = 7 (no review).  t1: 7 - 4 = 3; review: order 10 - 3 = 7 → start of t2.
    # t2: 3 + 7 - 2 = 8.  t3: 8 - 6 = 2; order 8 → t4.  t4: 2 + 8 - 1 = 9.  t5: 9; order 1.
    demand = np.array([[3.0, 4.0, 2.0, 6.0, 1.0, 0.0]])
    res = simulate_policy(demand, {"order_up_to": [10.0]}, 0, review_period=2)
    assert res.on_hand.tolist() == [[7.0, 3.0, 8.0, 2.0, 9.0, 9.0]]
    assert res.orders.tolist() == [[0.0, 7.0, 0.0, 8.0, 0.0, 1.0]]
    row = res.to_frame().iloc[0]
    assert row["fill_rate"] == 1.0
    assert row["cycles"] == 2
    assert row["cycle_service_level"] == 1.0


def test_trigger_convention_at_equality():
    # after period 0 the inventory position is exactly s = 3
    demand = np.array([[2.0, 0.0, 0.0]])
    pol = {"reorder_point": [3.0], "order_quantity": [5.0]}
    le = simulate_policy(demand, pol, 0, initial_on_hand=5, trigger="<=")
    lt = simulate_policy(demand, pol, 0, initial_on_hand=5, trigger="<")
    assert le.on_hand.tolist() == [[3.0, 8.0, 8.0]]
    assert lt.on_hand.tolist() == [[3.0, 3.0, 3.0]]


def test_order_multiples_lift_the_position_above_s():
    # t0: 10 on hand, 20 demanded → backlog 10, IP = -10 <= 5:
    # n = floor((5 - (-10)) / 4) + 1 = 4 → 16 units (IP 6 > 5); one Q only without multiples
    demand = np.array([[20.0, 0.0]])
    pol = {"reorder_point": [5.0], "order_quantity": [4.0]}
    assert simulate_policy(demand, pol, 0, initial_on_hand=10).orders[0, 0] == 16
    single = simulate_policy(demand, pol, 0, initial_on_hand=10, order_multiples=False)
    assert single.orders[0, 0] == 4


def test_moq_and_pack_round_orders_up():
    # (s, S) = (5, 8): t0 leaves 1 → want 8 - 1 = 7 → pack 4 → 8 → MOQ 10 → 12
    pol = {"reorder_point": [5.0], "order_up_to": [8.0], "moq_units": [10.0], "pack_units": [4.0]}
    res = simulate_policy(np.array([[7.0, 0.0]]), pol, 0, initial_on_hand=8)
    assert res.orders[0, 0] == 12


def test_special_orders_are_sourced_on_demand_and_reported():
    demand = np.array([[2.0, 50.0, 1.0]])
    special = np.array([[False, True, False]])
    pol = {"reorder_point": [1.0], "order_quantity": [3.0]}
    res = simulate_policy(demand, pol, 0, initial_on_hand=4, special_orders=special)
    row = res.to_frame().iloc[0]
    # the 50 never touch the stock: 4 - 2 = 2, 2, 2 - 1 = 1
    assert res.on_hand.tolist() == [[2.0, 2.0, 1.0]]
    assert row["demand_units"] == 3
    assert row["fill_rate"] == 1.0
    assert row["special_order_units"] == 50
    assert row["special_orders"] == 1
    assert res.pooled["special_order_units"] == 50


def test_default_initial_stock_is_a_full_cycle():
    demand = np.zeros((2, 3))
    pol = {
        "reorder_point": [2.0, np.nan],
        "order_quantity": [5.0, np.nan],
        "order_up_to": [np.nan, 9.0],
    }
    res = simulate_policy(demand, pol, 1)
    # s + Q = 7 for the (s, Q) item; S = 9 for the order-up-to item (s defaults to S)
    assert res.on_hand[:, 0].tolist() == [7.0, 9.0]


def test_random_lead_times_are_reproducible():
    rng = np.random.default_rng(3)
    demand = rng.poisson(2.0, size=(20, 60)).astype(float)
    pol = pd.DataFrame(
        {"reorder_point": 6.0, "order_quantity": 8.0}, index=[str(i) for i in range(20)]
    )
    lt = pd.DataFrame({"lead_time_mean": 2.0, "lead_time_sd": 1.0}, index=pol.index)
    a = simulate_policy(demand, pol, lt, item_ids=pol.index, random_state=5)
    b = simulate_policy(demand, pol, lt, item_ids=pol.index, random_state=5)
    c = simulate_policy(demand, pol, lt, item_ids=pol.index, random_state=6)
    assert np.array_equal(a.on_hand, b.on_hand)
    assert not np.array_equal(a.on_hand, c.on_hand)
    # sd 0 is the same as a fixed lead time of 2 periods
    fixed = simulate_policy(demand, pol, 2.0, item_ids=pol.index)
    lt0 = simulate_policy(
        demand, pol, lt.assign(lead_time_sd=0.0), item_ids=pol.index, random_state=1
    )
    assert np.array_equal(fixed.on_hand, lt0.on_hand)
    # lead-time samples: one drawn per order
    samples = np.tile([[1.0, 3.0]], (20, 1))
    d = simulate_policy(demand, pol, samples, item_ids=pol.index, random_state=5)
    assert np.array_equal(
        d.on_hand, simulate_policy(demand, pol, samples, item_ids=pol.index, random_state=5).on_hand
    )


def test_fractional_lead_times_round_up_or_to_nearest():
    demand = np.array([[3.0, 0.0, 0.0, 0.0]])
    pol = {"reorder_point": [1.0], "order_quantity": [4.0]}
    # order at the end of t0; L = 1.3 → up: 2 periods (arrives start of t3); nearest: t2
    up = simulate_policy(demand, pol, 1.3, initial_on_hand=3)
    near = simulate_policy(demand, pol, 1.3, initial_on_hand=3, lead_time_rounding="nearest")
    assert up.on_hand.tolist() == [[0.0, 0.0, 0.0, 4.0]]
    assert near.on_hand.tolist() == [[0.0, 0.0, 4.0, 4.0]]


def test_accepts_history_long_and_wide_frames_without_mutating_them():
    periods = pd.date_range("2024-01-01", periods=3, freq="D")
    units = np.array([[1.0, np.nan, 2.0], [0.0, 3.0, 1.0]])
    hist = DemandHistory(
        item_ids=np.array(["A", "B"]),
        periods=periods,
        freq="D",
        units=units,
        censored=np.zeros((2, 3), bool),
        suspected=np.zeros((2, 3), bool),
        as_of=periods[-1],
    )
    pol = pd.DataFrame(
        {"item_id": ["B", "A"], "reorder_point": [1.0, 1.0], "order_quantity": [2.0, 2.0]}
    )
    before = pol.copy()
    r1 = simulate_policy(hist, pol, 1)
    assert r1.item_ids.tolist() == ["A", "B"]
    assert r1.to_frame()["demand_units"].tolist() == [3.0, 4.0]  # NaN counted as no demand
    long = hist.to_frame()[["item_id", "date", "units"]].fillna(0.0)
    long_before = long.copy()
    r2 = simulate_policy(long, pol, 1)
    wide = pd.DataFrame(np.nan_to_num(units), index=["A", "B"], columns=periods)
    r3 = simulate_policy(wide, pol, 1)
    for r in (r2, r3):
        assert np.array_equal(r.on_hand, r1.on_hand)
    pd.testing.assert_frame_equal(pol, before)
    pd.testing.assert_frame_equal(long, long_before)
    assert isinstance(r1.periods, pd.DatetimeIndex)


def test_items_without_policy_are_kept_and_flagged():
    demand = np.array([[1.0, 1.0], [0.0, 0.0], [2.0, 0.0]])
    pol = pd.DataFrame(
        {"reorder_point": [0.0, 0.0], "order_quantity": [2.0, 2.0]}, index=["a", "b"]
    )
    res = simulate_policy(demand, pol, 1, item_ids=["a", "b", "c"])
    f = res.to_frame().set_index("item_id")
    assert f.loc["a", "status"] == "ok"
    assert f.loc["b", "status"] == "no_demand"
    assert np.isnan(f.loc["b", "fill_rate"])
    assert f.loc["c", "status"] == "no_policy"
    assert "never reorders" in f.loc["c", "reason"]
    assert f.loc["c", "fill_rate"] == 0.0  # nothing on hand, never reorders


def test_pooled_figures_are_unit_weighted():
    demand = np.array([[10.0, 0.0], [1.0, 0.0]])
    pol = {"reorder_point": [0.0, 0.0], "order_quantity": [1.0, 1.0]}
    res = simulate_policy(demand, pol, 5, initial_on_hand=[5.0, 1.0])
    # item 1 fills 5 of 10, item 2 fills 1 of 1: pooled 6/11, item mean (0.5 + 1)/2
    assert res.pooled["fill_rate"] == pytest.approx(6 / 11)
    assert res.pooled["fill_rate_item_mean"] == pytest.approx(0.75)


def test_result_is_json_able_plots_and_reprs():
    res = simulate_policy(DEMAND, SQ, 1, initial_on_hand=8, item_ids=["X"])
    assert isinstance(res, PolicyReplay)
    text = json.dumps(res.to_dict())
    back = json.loads(text)
    assert back["items"][0]["item_id"] == "X"
    assert back["pooled"]["fill_rate"] == pytest.approx(10 / 14)
    assert back["items"][0]["avg_on_hand_value"] is None  # no unit cost given
    ax = res.plot()
    assert ax.get_ylabel().startswith("units on hand")
    assert "fill rate 71.4% pooled" in repr(res)
    assert "<table>" in res._repr_html_()
    with pytest.raises(KeyError, match="not in the replay"):
        res.plot(items=["nope"])


def test_errors_name_the_problem():
    with pytest.raises(ValueError, match="negative values"):
        simulate_policy(np.array([[-1.0]]), SQ, 1)
    with pytest.raises(ValueError, match="both order_quantity and order_up_to"):
        simulate_policy(
            DEMAND, {"reorder_point": [1.0], "order_quantity": [2.0], "order_up_to": [5.0]}, 1
        )
    with pytest.raises(ValueError, match="no value for 1"):
        simulate_policy(DEMAND, SQ, pd.Series({"other": 1.0}), item_ids=["X"])
    with pytest.raises(ValueError, match="review_period must be a whole number"):
        simulate_policy(DEMAND, SQ, 1, review_period=0)
    with pytest.raises(ValueError, match="special_orders has shape"):
        simulate_policy(DEMAND, SQ, 1, special_orders=np.zeros((2, 2), bool))
    with pytest.raises(ValueError, match="non-negative numbers of periods"):
        simulate_policy(DEMAND, SQ, -1.0)
    with pytest.raises(ValueError, match="needs a 'reorder_point' column"):
        simulate_policy(DEMAND, {"order_quantity": [1.0]}, 1)
    with pytest.raises(ValueError, match="Unknown cost keys"):
        simulate_policy(DEMAND, SQ, 1, costs={"rent": 1.0})


# --------------------------------------------------------------------------- simulated s
def test_simulated_reorder_point_constant_demand():
    # demand 1 per period, Q = 3, L = 2: an order placed after period t arrives before
    # period t + 3, so the position at the review must cover 3 periods → s = 2 (IP <= s)
    paths = np.ones((1, 3, 40))
    assert simulated_reorder_point(paths, 3, 2, service_level=0.99).tolist() == [2.0]
    # with the "<" trigger the same protection needs s = 3
    assert simulated_reorder_point(paths, 3, 2, service_level=0.99, trigger="<").tolist() == [3.0]


def test_simulated_reorder_point_reaches_the_target_out_of_sample():
    rng = np.random.default_rng(11)
    n, p, h = 6, 300, 60
    rates = np.array([0.2, 0.5, 1.0, 2.0, 4.0, 8.0])
    paths = rng.poisson(rates[:, None, None], size=(n, p, h)).astype(float)
    q = np.maximum(1.0, np.round(rates * 3))
    s = simulated_reorder_point(paths, q, 3, service_level=0.95)
    assert np.all(np.diff(s) >= 0)  # faster items need higher reorder points
    # replay the reorder points on fresh demand: the pooled fill per item should be near 95 %.
    # Over 400 x 48 periods per item the fill estimate has a standard error below ~0.5
    # point, plus the integer step of s; 3 points is a generous bound for every item.
    fresh = rng.poisson(rates[:, None], size=(n, 400 * 48)).astype(float)
    res = simulate_policy(fresh, {"reorder_point": s, "order_quantity": q}, 3)
    fill = res.to_frame()["fill_rate"].to_numpy()
    assert np.all(fill >= 0.92)
    assert np.all(fill <= 0.995)
    higher = simulated_reorder_point(paths, q, 3, service_level=0.99)
    assert np.all(higher >= s)
    # a warm start (the previous plan's s) changes the work, not the answer
    for guess in (s, s + 7.0, s - 4.0, np.where(rates > 1, s, np.nan)):
        warm = simulated_reorder_point(paths, q, 3, service_level=0.95, initial=guess)
        assert np.array_equal(warm, s)


def test_simulated_reorder_point_edge_rows():
    paths = np.zeros((3, 5, 20))
    paths[1] = 1.0
    paths[2, 0, 0] = np.nan
    out = simulated_reorder_point(paths, 2.0, 1, service_level=0.9)
    assert out[0] == -1.0  # no demand on any path: reorder only against a backorder
    assert out[1] >= 1.0
    assert np.isnan(out[2])
    with pytest.raises(ValueError, match="too short"):
        simulated_reorder_point(np.ones((1, 2, 5)), 1, 6, service_level=0.9)
    with pytest.raises(ValueError, match="service_level must be a fraction"):
        simulated_reorder_point(np.ones((1, 2, 5)), 1, 1, service_level=95)


# --------------------------------------------------------------------------- bootstrap
def test_bootstrap_draws_only_observed_periods():
    hist = np.array([[0.0, 2.0, np.nan, 4.0], [np.nan, np.nan, np.nan, np.nan]])
    paths = bootstrap_demand_paths(hist, 50, 12, random_state=1)
    assert paths.shape == (2, 50, 12)
    assert np.isin(paths[0], [0.0, 2.0, 4.0]).all()
    assert np.isnan(paths[1]).all()  # nothing usable: NaN, kept
    again = bootstrap_demand_paths(hist, 50, 12, random_state=1)
    assert np.array_equal(paths, again, equal_nan=True)
    # special orders excluded: the 4 becomes 0
    excl = np.array([[False, False, False, True], [False] * 4])
    assert np.isin(
        bootstrap_demand_paths(hist, 50, 12, exclude=excl, random_state=1)[0], [0.0, 2.0]
    ).all()


def test_bootstrap_blocks_keep_consecutive_runs():
    hist = np.arange(10, dtype=float)[None, :]
    paths = bootstrap_demand_paths(hist, 20, 8, block_length=4, random_state=0)
    steps = np.diff(paths[0], axis=1)
    # within each block of 4 the values are consecutive history periods (step +1)
    assert (steps[:, [0, 1, 2, 4, 5, 6]] == 1).all()
    pu = bootstrap_demand_paths(hist, 30, 5, parameter_uncertainty=True, random_state=0)
    assert pu.shape == (1, 30, 5)
    assert np.isin(pu, hist).all()
    # the double bootstrap keeps the blocks: its first resample is drawn in runs of 4 too,
    # so a block of 4 in a path crosses at most one seam of that resample (one break in its
    # three steps); drawn period by period (the resample i.i.d.) most blocks would break twice
    pb = bootstrap_demand_paths(
        hist, 200, 8, block_length=4, parameter_uncertainty=True, random_state=0
    )
    runs = np.diff(pb[0], axis=1)[:, [0, 1, 2, 4, 5, 6]].reshape(200, 2, 3)
    assert ((runs != 1).sum(axis=2) <= 1).all()


def test_bootstrap_recent_window_follows_the_latest_periods():
    hist = np.array([[1.0, 1.0, 1.0, 1.0, 9.0, 9.0], [2.0, np.nan, 5.0, 6.0, 7.0, np.nan]])
    paths = bootstrap_demand_paths(hist, 40, 10, recent=2, random_state=2)
    assert (paths[0] == 9.0).all()
    # item 2: usable periods 2, 5, 6, 7 → the last two usable are 6 and 7
    assert np.isin(paths[1], [6.0, 7.0]).all()
    with pytest.raises(ValueError, match="recent must be a whole number"):
        bootstrap_demand_paths(hist, 2, 2, recent=0)


def test_sparse_items_borrow_when_demand_happens_from_similar_items():
    # 8 periods → halves of 4. Items 0-2 (donors) had no demand in their first half;
    # item 0 then had demand in every period of its second half, items 1-2 in none.
    # Item 3 (taker) had no demand in its last half but sized 5 once before;
    # item 4 (taker) never had demand: its sizes default to 1 unit.
    hist = np.array(
        [
            [0, 0, 0, 0, 2, 2, 2, 2],
            [0, 0, 0, 0, 0, 0, 0, 0],
            [0, 0, 0, 0, 0, 0, 0, 0],
            [5, 0, 0, 0, 0, 0, 0, 0],
            [0, 0, 0, 0, 0, 0, 0, 0],
        ],
        dtype=float,
    )
    plain = bootstrap_demand_paths(hist, 300, 6, random_state=4)
    assert (plain[4] == 0).all()  # by its own record: never any demand
    paths = bootstrap_demand_paths(hist, 300, 6, sparse_donors=0, random_state=4)
    # item 0 had demand in its last half, so it keeps its own history
    assert np.isin(paths[0], [0.0, 2.0]).all()
    # each taker path copies one donor: all demand (p = 1/3 of paths) or none
    for k, size in ((3, 5.0), (4, 1.0)):
        per_path = (paths[k] > 0).mean(axis=1)
        assert set(np.unique(per_path)) <= {0.0, 1.0}
        assert np.isin(paths[k], [0.0, size]).all()
        # share of "active donor" paths ≈ 1/3; 300 paths → sd 0.027, allow 4 sd
        assert per_path.mean() == pytest.approx(1 / 3, abs=0.11)


# --------------------------------------------------------------------------- rolling re-plan
def _max_rule(observed, t):
    # s = the largest demand seen so far, Q = 4: simple, and it depends on all the past
    return {"reorder_point": np.nanmax(observed, axis=1), "order_quantity": [4.0, 4.0]}


ROLL_DEMAND = np.array(
    [[1.0, 3.0, 0.0, 2.0, 5.0, 1.0, 0.0, 2.0], [0.0, 1.0, 1.0, 1.0, 0.0, 6.0, 1.0, 1.0]]
)
ROLL_HISTORY = np.array([[2.0, np.nan], [1.0, 1.0]])


def test_rolling_replan_sees_only_the_past():
    seen = []

    def rule(observed, t):
        seen.append((t, observed.shape))
        return _max_rule(observed, t)

    start = _max_rule(ROLL_HISTORY, 0)
    res = simulate_policy(ROLL_DEMAND, start, 1, replan=rule, replan_every=3, history=ROLL_HISTORY)
    # re-plans at t = 3 and 6 (end of periods 2 and 5); each sees history + t periods
    assert seen == [(3, (2, 5)), (6, (2, 8))]
    # changing the demand from period 3 on cannot change the re-plan made at t = 3
    later = ROLL_DEMAND.copy()
    later[:, 3:] = 50.0
    other = simulate_policy(later, start, 1, replan=rule, replan_every=3, history=ROLL_HISTORY)
    first = res.replans[res.replans["period"] == 2]
    assert first["reorder_point"].tolist() == [3.0, 1.0]  # max(2, 1, 3, 0), max(1, 1, 0, 1, 1)
    assert other.replans[other.replans["period"] == 2]["reorder_point"].tolist() == [3.0, 1.0]
    # ... while the re-plan at t = 6 has seen the change
    assert other.replans[other.replans["period"] == 5]["reorder_point"].tolist() == [50.0, 50.0]
    assert res.replans[res.replans["period"] == 5]["reorder_point"].tolist() == [5.0, 6.0]
    # the reorder point in force per period: 2 (from history), then 3 from period 2's review
    assert res.reorder_point_path[0].tolist() == [2.0, 2.0, 3.0, 3.0, 3.0, 5.0, 5.0, 5.0]
    assert res.settings["replan_every"] == 3
    d = res.to_dict()
    json.dumps(d)
    assert len(d["replans"]) == 4
    assert d["replans"][0]["item_id"] == "0"


def test_rolling_replan_carries_the_state_over():
    # re-planning to the same policy must give exactly the static replay (state carried over)
    static = simulate_policy(
        ROLL_DEMAND, {"reorder_point": [2.0, 1.0], "order_quantity": [4.0, 4.0]}, 1
    )
    same = simulate_policy(
        ROLL_DEMAND,
        {"reorder_point": [2.0, 1.0], "order_quantity": [4.0, 4.0]},
        1,
        replan=lambda obs, t: {"reorder_point": [2.0, 1.0], "order_quantity": [4.0, 4.0]},
        replan_every=1,
    )
    assert np.array_equal(same.on_hand, static.on_hand)
    assert np.array_equal(same.orders, static.orders)
    assert same.to_frame().equals(static.to_frame())  # NaN stock value (no unit cost) too
    assert static.replans is None
    assert len(same.replans) == 2 * 7


def test_rolling_replan_by_hand():
    # one item, L = 0 (next period), Q = 3, start s = 0 with 3 on hand; re-plan every 2
    # periods to s = 2.  t0: 3 - 1 = 2 (IP 2 > 0).  t1: 2 - 2 = 0; re-plan s = 2, IP 0 <= 2:
    # order 3 (arrives t2).  t2: 3 - 1 = 2, IP 2 <= 2: order 3.  t3: 2 + 3 - 2 = 3.
    res = simulate_policy(
        np.array([[1.0, 2.0, 1.0, 2.0]]),
        {"reorder_point": [0.0], "order_quantity": [3.0]},
        0,
        replan=lambda obs, t: {"reorder_point": [2.0], "order_quantity": [3.0]},
        replan_every=2,
    )
    assert res.on_hand.tolist() == [[2.0, 0.0, 2.0, 3.0]]
    assert res.orders.tolist() == [[0.0, 3.0, 3.0, 0.0]]
    # without the re-plan (s = 0): t1 IP 0 <= 0 orders too; t2: 3 - 1 = 2 > 0, no order;
    # t3: 2 - 2 = 0 <= 0, order again
    static = simulate_policy(
        np.array([[1.0, 2.0, 1.0, 2.0]]), {"reorder_point": [0.0], "order_quantity": [3.0]}, 0
    )
    assert static.orders.tolist() == [[0.0, 3.0, 0.0, 3.0]]
    assert static.on_hand.tolist() == [[2.0, 0.0, 2.0, 0.0]]


def test_rolling_replan_errors():
    start = {"reorder_point": [1.0, 1.0], "order_quantity": [4.0, 4.0]}
    with pytest.raises(ValueError, match="replan_every must be a whole number"):
        simulate_policy(ROLL_DEMAND, start, 1, replan=_max_rule)
    with pytest.raises(ValueError, match="only used with replan="):
        simulate_policy(ROLL_DEMAND, start, 1, replan_every=2)
    with pytest.raises(ValueError, match=r"history must have shape \(2, n_history\)"):
        simulate_policy(
            ROLL_DEMAND, start, 1, replan=_max_rule, replan_every=2, history=np.ones((3, 2))
        )
    with pytest.raises(ValueError, match=r"replan\(observed, t=2\) returned an unusable policy"):
        simulate_policy(
            ROLL_DEMAND,
            start,
            1,
            replan=lambda o, t: {"order_quantity": [1.0, 1.0]},
            replan_every=2,
        )
    with pytest.raises(TypeError, match="replan must be a callable"):
        simulate_policy(ROLL_DEMAND, start, 1, replan=3, replan_every=2)  # type: ignore[arg-type]


def test_items_that_never_sold_can_take_the_donors_sizes():
    # as in the donor test above: item 4 never had demand; donor 0 sold 2 units a period
    hist = np.array(
        [[0, 0, 0, 0, 2, 2, 2, 2], [0] * 8, [0] * 8, [5, 0, 0, 0, 0, 0, 0, 0], [0] * 8],
        dtype=float,
    )
    paths = bootstrap_demand_paths(hist, 300, 6, sparse_donors=0, donor_sizes=True, random_state=4)
    assert np.isin(paths[4], [0.0, 2.0]).all()
    assert (paths[4] == 2.0).any()
    assert np.isin(paths[3], [0.0, 5.0]).all()  # own sizes kept when it has any


# --------------------------------------------------------------------------- pooled target
def test_pooled_reorder_points_reach_the_pooled_fill_with_less_value():
    rng = np.random.default_rng(3)
    n, p, h = 40, 200, 48
    rates = rng.gamma(0.6, 2.0, n)
    cost = rng.lognormal(2.0, 1.5, n)
    paths = rng.poisson(rates[:, None, None], size=(n, p, h)).astype(float)
    q = np.maximum(1.0, np.round(rates * 3))
    s_item = simulated_reorder_point(paths, q, 2, service_level=0.95)
    s_pool = pooled_reorder_points(
        paths, q, 2, fill_rate=0.95, unit_cost=cost, reorder_point=s_item
    )
    assert s_pool.shape == (n,)
    assert (s_pool >= -1).all()
    # on fresh demand (20,000 periods per item: the pooled fill's standard error is well
    # under 0.2 point) the pooled fill is at the target within 1 point, and the stock value
    # is lower than with every item at 95 % (it was 55 % of it when written)
    fresh = rng.poisson(rates[:, None], size=(n, 20_000)).astype(float)
    costs = {"unit_cost": cost}
    item = simulate_policy(fresh, {"reorder_point": s_item, "order_quantity": q}, 2, costs=costs)
    pool = simulate_policy(fresh, {"reorder_point": s_pool, "order_quantity": q}, 2, costs=costs)
    assert pool.pooled["fill_rate"] == pytest.approx(0.95, abs=0.01)
    assert pool.pooled["avg_on_hand_value"] < 0.8 * item.pooled["avg_on_hand_value"]
    # dear items are served below the target, cheap ones above
    fill = pool.to_frame()["fill_rate"].to_numpy()
    dear = cost > np.quantile(cost, 0.75)
    cheap = cost < np.quantile(cost, 0.25)
    assert np.nanmean(fill[cheap]) > np.nanmean(fill[dear])
    # the same answer when the per-item start is computed inside
    again = pooled_reorder_points(paths, q, 2, fill_rate=0.95, unit_cost=cost)
    assert np.array_equal(again, s_pool)


def test_pooled_reorder_points_edge_rows_and_errors():
    paths = np.zeros((3, 20, 12))
    paths[1] = 1.0
    paths[2, 0, 0] = np.nan
    out = pooled_reorder_points(paths, 2.0, 1, fill_rate=0.9)
    assert out[0] == -1.0  # no demand: never above -1
    assert out[1] >= 0.0
    assert np.isnan(out[2])
    # several targets share the grid replays: one row each, a higher target never less stock
    both = pooled_reorder_points(paths, 2.0, 1, fill_rate=[0.9, 0.99])
    assert both.shape == (2, 3)
    assert np.array_equal(both[0], out, equal_nan=True)
    assert both[1, 1] >= both[0, 1]
    with pytest.raises(ValueError, match="fill_rate must be a fraction"):
        pooled_reorder_points(paths, 2.0, 1, fill_rate=95)
    with pytest.raises(ValueError, match="too short"):
        pooled_reorder_points(np.ones((1, 2, 5)), 1, 6, fill_rate=0.9, reorder_point=[1.0])
    with pytest.raises(ValueError, match=r"reorder_point has shape \(2,\); expected \(3,\)"):
        pooled_reorder_points(paths, 2.0, 1, fill_rate=0.9, reorder_point=[1.0, 2.0])

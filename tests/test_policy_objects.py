"""Policy objects: the same replay as the per-item columns and flags they stand for."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pandas.testing as pdt
import pytest

from stockout_forecast import (
    ContinuousReview,
    PeriodicReorderPoint,
    PeriodicReview,
    simulate_policy,
)

RNG = np.random.default_rng(11)
DEMAND = RNG.poisson(2.0, size=(4, 60)).astype(float)
IDS = ["a", "b", "c", "d"]


def _same(a, b) -> None:
    pdt.assert_frame_equal(a.items, b.items)
    np.testing.assert_array_equal(a.on_hand, b.on_hand)
    np.testing.assert_array_equal(a.orders, b.orders)
    assert a.settings == b.settings


def test_continuous_review_is_the_s_q_columns():
    s, q = np.array([3.0, 4.0, 5.0, 2.0]), np.array([6.0, 8.0, 5.0, 9.0])
    old = simulate_policy(DEMAND, {"reorder_point": s, "order_quantity": q}, 2, item_ids=IDS)
    new = simulate_policy(DEMAND, ContinuousReview(s, q), 2, item_ids=IDS)
    _same(old, new)
    old1 = simulate_policy(
        DEMAND, {"reorder_point": s, "order_quantity": q}, 2, item_ids=IDS, order_multiples=False
    )
    new1 = simulate_policy(DEMAND, ContinuousReview(s, q, multiples=False), 2, item_ids=IDS)
    _same(old1, new1)


def test_periodic_review_is_order_up_to_with_a_review_period():
    big_s = pd.Series([20.0, 12.0, 15.0, 9.0], index=IDS[::-1])  # by item_id, any order
    old = simulate_policy(
        DEMAND, {"order_up_to": big_s}, 1, item_ids=IDS, review_period=3, backorders=False
    )
    new = simulate_policy(
        DEMAND, PeriodicReview(review_period=3, order_up_to=big_s), 1, item_ids=IDS,
        backorders=False,
    )  # fmt: skip
    _same(old, new)


def test_periodic_reorder_point_is_s_and_order_up_to():
    pol = PeriodicReorderPoint(review_period=2, reorder_point=4.0, order_up_to=11.0)
    old = simulate_policy(
        DEMAND, {"reorder_point": 4.0, "order_up_to": 11.0}, 1, item_ids=IDS, review_period=2
    )
    _same(old, simulate_policy(DEMAND, pol, 1, item_ids=IDS))
    assert pol.notation == "(R, s, S)"
    assert PeriodicReorderPoint(1, 4, 11).notation == "(s, S)"


def test_periodic_review_hand_computed():
    # (R, S) = (2, 10), L = 0, demand 3 a period, starting with S on hand: reviews at the
    # ends of periods 2 and 4 order 6 each (IP 4), arriving at the start of the next period.
    res = simulate_policy(np.array([[3.0, 3, 3, 3]]), PeriodicReview(2, 10.0), 0)
    assert res.on_hand.tolist() == [[7.0, 4.0, 7.0, 4.0]]
    assert res.orders.tolist() == [[0.0, 6.0, 0.0, 6.0]]


def test_policy_objects_errors_name_the_fix():
    with pytest.raises(ValueError, match="leaves order_quantity unset"):
        simulate_policy(DEMAND, ContinuousReview(reorder_point=3), 1)
    with pytest.raises(ValueError, match="disagrees with the policy's review_period"):
        simulate_policy(DEMAND, PeriodicReview(2, 10.0), 1, review_period=3)
    with pytest.raises(ValueError, match="whole periods"):
        simulate_policy(DEMAND, PeriodicReview(1.5, 10.0), 1)
    with pytest.raises(ValueError, match="order_multiples=False disagrees"):
        simulate_policy(DEMAND, ContinuousReview(3, 5), 1, order_multiples=False)
    with pytest.raises(ValueError, match="review_period must be a number > 0"):
        PeriodicReorderPoint(review_period=0)
    with pytest.raises(dataclasses.FrozenInstanceError):
        ContinuousReview(1, 2).reorder_point = 3  # type: ignore[misc]


# --------------------------------------------------------------------------- recommend_orders
def _case():
    from stockout_forecast.forecast.result import DemandForecast

    dates = pd.date_range("2024-12-01", periods=60)
    fc = DemandForecast.from_mean(["A"], dates, np.full((1, 60), 4.0))
    inv = pd.DataFrame({"item_id": ["A"], "on_hand_units": [36]})
    sup = pd.DataFrame(
        {
            "item_id": ["A", "A"],
            "supplier_id": ["S1", "S2"],
            "unit_cost": [2.0, 1.5],
            "lead_time_days": [5, 20],
            "moq_units": [50, 0],
        }
    )
    return fc, inv, sup


def test_recommend_default_policy_is_periodic_reorder_point_with_the_review_period():
    from stockout_forecast import recommend_orders

    fc, inv, sup = _case()
    old = recommend_orders(fc, inv, sup, random_state=0, review_period_days=5)
    new = recommend_orders(fc, inv, sup, random_state=0, policy=PeriodicReorderPoint(5))
    pdt.assert_frame_equal(old, new)


def test_recommend_uses_the_policy_parameters_given():
    # inventory position 36 (no open orders), supplier S1 (MOQ 50, no pack): hand-computed
    from stockout_forecast import recommend_orders

    fc, inv, sup = _case()
    rs = recommend_orders(fc, inv, sup, random_state=0, policy=PeriodicReorderPoint(7, 40, 100))
    assert rs.loc[0, ["order_units", "order_up_to_units"]].tolist() == [64.0, 100.0]
    assert rs.loc[0, "order_trigger"] == "reorder_point"
    assert rs.loc[0, "reorder_point_method"] == "given"
    r_s = recommend_orders(fc, inv, sup, random_state=0, policy=PeriodicReview(7, 100.0))
    assert r_s.loc[0, ["order_units", "reorder_point_units"]].tolist() == [64.0, 100.0]
    # (s, nQ) with s = 100, Q = 30: gap 64 -> 3 Q = 90; one Q (30) is lifted to the MOQ 50
    sq = recommend_orders(fc, inv, sup, random_state=0, policy=ContinuousReview(100, 30))
    assert sq.loc[0, "order_units"] == 90.0
    one = ContinuousReview(100, 30, multiples=False)
    assert recommend_orders(fc, inv, sup, random_state=0, policy=one).loc[0, "order_units"] == 50
    # above the given reorder point, but 36 units last 9 days: the order-by date (day 4 at a
    # 5-day lead time) falls before the next review in 7 days, so it orders up to S anyway
    hi = recommend_orders(fc, inv, sup, random_state=0, policy=PeriodicReorderPoint(7, 10, 100))
    assert hi.loc[0, "order_trigger"] == "order_by_date"
    assert hi.loc[0, "order_units"] == 64.0
    # a Series by item_id; items it does not list are set from the forecast
    ser = PeriodicReorderPoint(7, pd.Series({"A": 40.0}), pd.Series({"B": 1.0}))
    got = recommend_orders(fc, inv, sup, random_state=0, policy=ser)
    default = recommend_orders(fc, inv, sup, random_state=0)
    assert got.loc[0, "reorder_point_units"] == 40.0
    cycle = default.loc[0, "order_up_to_units"] - default.loc[0, "reorder_point_units"]
    assert got.loc[0, "order_up_to_units"] == pytest.approx(40.0 + cycle)


def test_recommend_says_a_negative_reorder_point_as_units_backordered():
    # s = -3 (an (s, Q) policy that orders once 3 units are backordered): position 36 is
    # above it, no order by the reorder point; the reason says what -3 means
    from stockout_forecast import recommend_orders

    fc, inv, sup = _case()
    got = recommend_orders(fc, inv, sup, random_state=0, policy=ContinuousReview(-3, 30))
    assert got.loc[0, "reorder_point_units"] == -3.0
    assert "reorder point -3 (order when 3 units are backordered)" in got.loc[0, "reason"]
    from stockout_forecast.policy._recommend_text import backorder_note

    assert backorder_note(-1.0) == " (order when 1 unit is backordered)"
    assert backorder_note(0.0) == backorder_note(float("nan")) == ""


def test_recommend_policy_errors():
    from stockout_forecast import recommend_orders

    fc, inv, sup = _case()
    with pytest.raises(ValueError, match="disagrees with the policy's review_period"):
        recommend_orders(fc, inv, sup, review_period_days=3, policy=PeriodicReview(7, 10.0))
    with pytest.raises(TypeError, match="number or a Series indexed by item_id"):
        recommend_orders(fc, inv, sup, policy=ContinuousReview(np.array([1.0]), 5))
    with pytest.raises(TypeError, match="policy must be None"):
        recommend_orders(fc, inv, sup, policy={"reorder_point": 3})

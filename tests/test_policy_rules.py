"""Stock projection past receipts, order-up-to cover and argument checks of the cost layer."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from stockout_forecast.policy.costs import critical_ratio, sq_cost_per_year, ss_cost_per_period
from stockout_forecast.policy.discounts import price_for_quantity, quantity_discount_eoq
from stockout_forecast.policy.lot_sizing import silver_meal, wagner_whitin
from stockout_forecast.policy.optimal import optimal_sq
from stockout_forecast.policy.reorder_rules import order_up_to_cover, stockout_episodes


def test_stockout_episodes_finds_the_second_and_third_stockout():
    """Hand-computed: stock 5, demand 3 a period, 4 arrive in period 2 and 10 in period 5."""
    ep = stockout_episodes([[3, 3, 3, 3, 3, 3, 3]], 5, [[0, 0, 4, 0, 0, 10, 0]])
    assert ep["episode"].tolist() == [1, 2, 3]
    assert ep["start"].tolist() == [1, 3, 6]
    assert ep["end"].tolist() == [1, 4, 6]
    assert ep["units_short"].tolist() == [1.0, 6.0, 2.0]
    assert ep["recovered"].tolist() == [True, True, False]


def test_stockout_episodes_backlog_keeps_a_small_receipt_from_ending_the_stockout():
    """With backorders a receipt smaller than the backlog does not end the episode."""
    # stock 0; demand 5, 5, 0, 0; 3 arrive in period 1 and 10 in period 3
    demand, receipts = [[5, 5, 0, 0]], [[0, 3, 0, 10]]
    back = stockout_episodes(demand, 0, receipts)
    # the 3 units clear part of the backlog: both periods' demand waits (10 short)
    assert back[["start", "end", "units_short"]].values.tolist() == [[0, 2, 10.0]]
    lost = stockout_episodes(demand, 0, receipts, backorders=False)
    # lost sales: period 0 loses 5, period 1 serves 3 of 5 (2 lost); no backlog after that
    assert lost[["start", "end", "units_short"]].values.tolist() == [[0, 1, 7.0]]


def test_stockout_episodes_keeps_every_item_and_labels():
    demand = pd.DataFrame([[1.0, 1.0], [4.0, 4.0]], index=["A", "B"],
                          columns=pd.to_datetime(["2024-01-01", "2024-01-02"]))  # fmt: skip
    ep = stockout_episodes(demand, pd.Series([5.0, 3.0]).to_numpy())
    assert ep["item_id"].tolist() == [
        "A",
        "B",
    ]
    assert ep["episode"].tolist() == [0, 1]
    assert ep.loc[1, "start"] == pd.Timestamp("2024-01-01")
    assert ep.loc[1, "units_short"] == 5.0
    with pytest.raises(ValueError, match="non-negative"):
        stockout_episodes([[1.0, -1.0]], 0)


def test_stockout_episodes_units_short_equal_a_direct_count():
    """Invariant: summed over episodes, units short = demand not met in its own period."""
    rng = np.random.default_rng(3)
    d = rng.poisson(2.0, size=(20, 30)).astype(float)
    rec = np.where(rng.random((20, 30)) < 0.1, 15.0, 0.0)
    ep = stockout_episodes(d, 4.0, rec, backorders=False)
    stock = np.full(20, 4.0)
    unmet = np.zeros(20)
    for t in range(30):
        stock += rec[:, t]
        served = np.minimum(stock, d[:, t])
        stock -= served
        unmet += d[:, t] - served
    np.testing.assert_allclose(ep.groupby("item_id")["units_short"].sum().to_numpy(), unmet)


def test_order_up_to_cover_follows_a_daily_forecast():
    fc = np.array([[1.0, 1.0, 1.0, 10.0, 10.0, 10.0], [2.0] * 6])
    # L = 2 days, N = 2 days: first item 1 + 1 + 1 + 10 = 13; second 8; + ss 1
    np.testing.assert_allclose(order_up_to_cover(fc, 2, lead_time_days=2,
                                                 safety_stock_units=1), [14.0, 9.0])  # fmt: skip
    with pytest.raises(ValueError, match="forecast at least 8 days"):
        order_up_to_cover(fc, 5, lead_time_days=3)


def test_cost_functions_refuse_two_shortage_costs_or_none():
    kw = {"holding_cost_per_unit_year": 1.0}
    with pytest.raises(ValueError, match="exactly one shortage cost"):
        critical_ratio(**kw)
    with pytest.raises(ValueError, match="exactly one shortage cost"):
        critical_ratio(**kw, backorder_cost_per_unit=2.0, backorder_cost_per_unit_year=3.0)
    with pytest.raises(ValueError, match="demand_per_year"):
        critical_ratio(**kw, backorder_cost_per_unit=2.0)
    with pytest.raises(ValueError, match="needs backorder_cost_per_unit_year"):
        optimal_sq(demand_per_year=10, lead_time_demand_mean=2, lead_time_demand_sd=1,
                   order_cost=5, holding_cost_per_unit_year=1, backorder_cost_per_unit=3)  # fmt: skip


def test_critical_ratio_is_zero_when_stock_costs_more_than_the_shortage():
    # hQ / (πλ) = 2 x 100 / (1 x 50) = 4 > 1: no protection stock pays off
    assert critical_ratio(holding_cost_per_unit_year=2, backorder_cost_per_unit=1,
                          demand_per_year=50, order_quantity=100) == 0.0  # fmt: skip


def test_critical_ratio_keeps_a_series_index():
    out = critical_ratio(holding_cost_per_unit_year=pd.Series([1.0, 3.0], index=["a", "b"]),
                         backorder_cost_per_unit_year=3.0)  # fmt: skip
    assert out.index.tolist() == ["a", "b"]
    np.testing.assert_allclose(out, [0.75, 0.5])


def test_lost_sales_cost_exceeds_backorder_cost_at_the_same_policy():
    """Lost sales never come back, so the same (r, Q) holds n(r) more units on average."""
    kw = {"demand_per_year": 200, "lead_time_demand_mean": 100, "lead_time_demand_sd": 25,
          "order_cost": 50, "holding_cost_per_unit_year": 2}  # fmt: skip
    back = sq_cost_per_year(120, 110, **kw, backorder_cost_per_unit=25)
    lost = sq_cost_per_year(120, 110, **kw, lost_sale_cost_per_unit=25)
    assert lost > back


def test_ss_cost_rejects_bad_policies():
    with pytest.raises(ValueError, match="must exceed reorder_point"):
        ss_cost_per_period(5, 5, demand_mean=3, order_cost=1, holding_cost_per_unit_period=1,
                           backorder_cost_per_unit_period=1)  # fmt: skip
    with pytest.raises(ValueError, match="summing to 1"):
        ss_cost_per_period(1, 5, demand_pmf=[0.5, 0.4], order_cost=1,
                           holding_cost_per_unit_period=1, backorder_cost_per_unit_period=1)  # fmt: skip


def test_price_breaks_errors_and_minimum_order():
    with pytest.raises(ValueError, match="below the first price break"):
        price_for_quantity(50, [(100, 1.0), (500, 0.9)])
    with pytest.raises(ValueError, match="min_units"):
        quantity_discount_eoq(100, 10, 0.2, pd.DataFrame({"units": [0], "unit_cost": [1.0]}))
    # a first break above 0 is a minimum order: the EOQ (45) is lifted to it
    res = quantity_discount_eoq(100, 10, 0.2, [(100, 5.0)])
    assert res["order_quantity"] == 100


def test_lot_plans_never_run_short_and_keep_labels():
    demand = pd.Series(
        [0.0, 12.0, 0.0, 30.0, 5.0], index=pd.period_range("2024-01", periods=5, freq="M")
    )
    for fn in (wagner_whitin, silver_meal):
        plan = fn(demand, order_cost=[20, 20, 20, 50, 50], holding_cost_per_unit_period=0.5,
                  initial_on_hand_units=4.0, pack_units=6)  # fmt: skip
        assert (plan["on_hand_end_units"] >= 0).all()
        assert list(plan["period"]) == list(demand.index)
        assert plan["order_units"].iloc[0] == 0  # the 4 on hand cover January
        assert (plan["order_units"] % 6 == 0).all()
    with pytest.raises(ValueError, match="non-negative"):
        wagner_whitin([1.0, -2.0], order_cost=1, holding_cost_per_unit_period=1)


def test_time_phased_lots_feed_the_peak_capacity_check():
    """Hand-computed: a seasonal item's lots make a peak that overflows the store."""
    from stockout_forecast import peak_capacity, time_phased_orders

    months = pd.date_range("2024-09-01", periods=4, freq="MS")
    demand = pd.DataFrame([[10, 10, 60, 10], [5, 5, 5, 5]], index=["A", "B"], columns=months)
    plan = time_phased_orders(demand, order_cost=pd.Series({"A": 100.0, "B": 1.0}),
                              holding_cost_per_unit_period=1.0)  # fmt: skip
    a = plan[plan["item_id"] == "A"]
    # A: one lot of 20 for Sep-Oct (hold 10 a month, 10 < 100), 70 in Nov for Nov-Dec
    # (60 + 10, holding 10 < 100): on hand at month ends 10, 0, 10, 0
    assert a["order_units"].tolist() == [20, 0, 70, 0]
    assert a["on_hand_end_units"].tolist() == [10, 0, 10, 0]
    # B: order cost 1 < holding 5: lot-for-lot, nothing carried
    assert plan.loc[plan["item_id"] == "B", "on_hand_end_units"].tolist() == [0, 0, 0, 0]
    items = pd.DataFrame({"item_id": ["A", "B"], "storage_volume": [1.0, 1.0]})
    cap = peak_capacity(plan, items, capacity_m3=8.0)
    # 10 m3 in Sep and Nov against 8: over capacity in those two months
    assert cap.periods["over_capacity"].tolist() == [True, False, True, False]

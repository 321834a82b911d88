"""Tests of recommend_orders (recommend.py) on hand-built cases."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.special import ndtri

from stockout_forecast.exceptions import SchemaError
from stockout_forecast.forecast.result import DemandForecast
from stockout_forecast.policy.recommend import recommend_orders
from stockout_forecast.simulation.stockout import stockout_dates

START = pd.Timestamp("2024-03-01")


class FixedPaths:
    """A forecast whose sample paths are fixed (deterministic demand): for exact tests."""

    def __init__(self, item_ids, paths, start=START, freq="D"):
        self.item_ids = np.asarray(item_ids, dtype=object)
        self.paths = np.asarray(paths, dtype=float)
        alias = {"D": "D", "W": "W-MON"}[freq]
        self.dates = pd.date_range(start, periods=self.paths.shape[2], freq=alias)
        self.freq = freq
        self.mean = self.paths.mean(axis=1)
        self.status = pd.DataFrame(
            {"status": "ok", "reason": ""}, index=pd.Index(self.item_ids, name="item_id")
        )
        self.history = None

    def sample_paths(self, n_paths, *, random_state=None, items=None):
        sel = self.paths if items is None else self.paths[items]
        return sel[:, :n_paths, :].copy()


def four_a_day(ids, horizon=30):
    return FixedPaths(ids, np.full((len(ids), 4, horizon), 4.0))


def inv(**on_hand):
    return pd.DataFrame({"item_id": list(on_hand), "on_hand_units": list(on_hand.values())})


def suppliers(rows):
    """rows: (item_id, supplier_id, unit_cost, lead_time_days, moq, pack)."""
    return pd.DataFrame(
        rows,
        columns=[
            "item_id",
            "supplier_id",
            "unit_cost",
            "lead_time_days",
            "moq_units",
            "pack_units",
        ],
    )


SUP = suppliers(
    [
        ("A", "S1", 2.0, 5, 50, 10),
        ("A", "S2", 1.5, 12, None, None),  # cheaper, but arrives after the P50 stockout
        ("B", "S1", 2.0, 5, 50, 10),
        ("C", "S1", 2.0, 5, None, None),
        ("C", "S3", 3.0, 3, None, None),  # neither arrives in time: the fastest is chosen
        ("D", "S1", 2.0, 5, None, None),  # supplier only: no forecast, no inventory
    ]
)


@pytest.fixture
def rec():
    fc = four_a_day(["A", "B", "C", "E"])
    return recommend_orders(fc, inv(A=36, B=100, C=8, E=5), SUP, n_paths=4).set_index("item_id")


def test_order_now_hand_case(rec):
    a = rec.loc["A"]
    # demand 4/day, 36 on hand: D_t = 4 (t + 1) > 36 first at t = 9 -> stockout 10 Mar
    assert a["stockout_date_p50_without_order"] == pd.Timestamp("2024-03-10")
    assert a["days_of_cover"] == 9
    # S1 arrives 1 Mar + 5 = 6 Mar <= 10 Mar; S2 (cheaper) 13 Mar > 10 Mar -> S1
    assert a["supplier_id"] == "S1"
    # reorder point = demand over L + R = 5 + 7 days = 48; IP 36 <= 48 -> order
    assert a["reorder_point_units"] == 48
    assert a["reorder_point_method"] == "empirical"
    # order-up-to 48 + 4 * 7 = 76; 76 - 36 = 40 -> pack 10: 40 -> MOQ 50: 50
    assert a["order_up_to_units"] == 76
    assert bool(a["order_now"])
    assert a["order_units"] == 50
    # P(stockout) > 5 % first on 10 Mar; arrive that morning at the latest: order by 10 - 5 = 5 Mar
    assert a["order_by_date"] == pd.Timestamp("2024-03-05")
    assert a["expected_arrival_date"] == pd.Timestamp("2024-03-06")
    # with the order: supply 36 + 50 = 86 from 6 Mar; 4 (t + 1) > 86 first at t = 21 -> 22 Mar
    assert a["stockout_date_p50_with_order"] == pd.Timestamp("2024-03-22")
    # risk window 1-12 Mar (L + R = 12 days): no stockout with the order
    assert a["expected_service_level"] == 1.0
    assert a["service_level"] == 0.95
    assert a["inventory_position_units"] == 36
    assert a["velocity_units_per_day"] == 4.0
    assert (
        a["reason"]
        == "velocity 4.0/day, 9 days of cover, supplier S1 lead time 5±0 days → order 50 by 5 Mar"
    )


def test_no_order_hand_case(rec):
    b = rec.loc["B"]
    # 100 on hand > reorder point 48: wait. 4 (t + 1) > 100 first at t = 25 -> 26 Mar
    assert not bool(b["order_now"])
    assert b["order_units"] == 0
    assert pd.isna(b["expected_arrival_date"])
    assert b["stockout_date_p50_with_order"] == b["stockout_date_p50_without_order"]
    assert b["order_by_date"] == pd.Timestamp("2024-03-21")  # 26 Mar - 5 days
    assert b["expected_service_level"] == 1.0  # no stockout by 12 Mar even without ordering
    assert b["reason"] == (
        "velocity 4.0/day, 25 days of cover, supplier S1 lead time 5±0 days → no order: "
        "inventory position 100 above reorder point 48, order by 21 Mar"
    )


def test_late_order_hand_case(rec):
    c = rec.loc["C"]
    # 8 on hand: out on 3 Mar (12 > 8). S1 (6 Mar) and S3 (4 Mar) are both too late -> fastest S3
    assert c["supplier_id"] == "S3"
    # reorder point 4 * (3 + 7) = 40, order-up-to 68, order 68 - 8 = 60 (no MOQ/pack)
    assert c["reorder_point_units"] == 40
    assert c["order_units"] == 60
    assert c["order_by_date"] == pd.Timestamp("2024-02-29")  # 3 Mar - 3 days (leap year)
    # risk window 1-9 Mar: the stockout on 3 Mar happens before the order lands on 4 Mar
    assert c["expected_service_level"] == 0.0
    # it runs out on 3 Mar in every path, before the order can arrive on 4 Mar
    assert c["p_stockout_before_arrival"] == 1.0
    assert c["reason"] == (
        "velocity 4.0/day, 2 days of cover, supplier S3 lead time 3±0 days → "
        "order 60 now and expedite: 29 Feb was the last safe day; 100% chance of running out "
        "before it arrives"
    )


def test_every_item_appears_with_a_status(rec):
    assert list(rec.index) == ["A", "B", "C", "D", "E"]
    assert rec.loc["D", "status"] == "no_forecast"
    assert "in neither the forecast nor the inventory" in rec.loc["D", "reason"]
    assert rec.loc["E", "status"] == "no_supplier"
    assert "no supplier" in rec.loc["E", "reason"]
    assert not rec.loc["E", "order_now"]
    assert (rec.loc[["A", "B", "C"], "status"] == "ok").all()


def test_columns_follow_the_contract(rec):
    for col in (
        "order_now",
        "order_units",
        "order_by_date",
        "expected_arrival_date",
        "stockout_date_p50_without_order",
        "stockout_date_p50_with_order",
        "expected_service_level",
        "supplier_id",
        "reason",
    ):
        assert col in rec.columns


def test_item_table_overrides_and_eoq():
    fc = four_a_day(["A"])
    sup = SUP[SUP["item_id"] == "A"].assign(order_cost=50.0)
    items = pd.DataFrame(
        {
            "item_id": ["A"],
            "service_level": [0.9],
            "review_period_days": [3],
            "holding_cost_rate": [0.25],
        }
    )
    out = recommend_orders(fc, inv(A=36), sup, items=items, n_paths=4).iloc[0]
    assert out["service_level"] == 0.9
    # reorder point over 5 + 3 days: 32 -> IP 36 > 32: no order
    assert out["reorder_point_units"] == 32
    assert not out["order_now"]
    # EOQ = sqrt(2 K D / h) = sqrt(2 * 50 * 1460 / (0.25 * 2)) = 540.37 (K 50, D 4 * 365, h 0.5)
    assert out["order_up_to_units"] == pytest.approx(32 + np.sqrt(2 * 50 * 1460 / 0.5))
    lower = recommend_orders(fc, inv(A=20), sup, items=items, n_paths=4).iloc[0]
    # 32 + 540.37 - 20 = 552.37 -> pack 10 up: 560
    assert lower["order_units"] == 560


def test_cheapest_when_the_stockout_is_beyond_the_horizon():
    fc = four_a_day(["A"], horizon=10)
    out = recommend_orders(fc, inv(A=1000), SUP[SUP["item_id"] == "A"], n_paths=4).iloc[0]
    assert out["supplier_id"] == "S2"  # P50 beyond the horizon: every supplier qualifies
    assert "more than 10 days of cover" in out["reason"]


def test_normal_fallback_when_the_interval_exceeds_the_horizon():
    fc = four_a_day(["A"], horizon=10)  # L + R = 12 days > 10
    sup = SUP[(SUP["item_id"] == "A") & (SUP["supplier_id"] == "S1")]
    out = recommend_orders(fc, inv(A=36), sup, n_paths=4).iloc[0]
    assert out["reorder_point_method"] == "normal"
    # no cumulative_moments on this forecast: Poisson variance, sd/day = sqrt(40 / 10) = 2
    # s = 4 * 12 + z_0.95 * 2 * sqrt(12)
    assert out["reorder_point_units"] == pytest.approx(48 + ndtri(0.95) * 2 * np.sqrt(12))
    assert "service level judged over the horizon only" in out["reason"]


def test_lead_times_frame_sets_arrival_and_order_by():
    fc = four_a_day(["A"])
    sup = SUP[(SUP["item_id"] == "A") & (SUP["supplier_id"] == "S1")]
    lt = pd.DataFrame(
        {
            "item_id": ["A"],
            "supplier_id": ["S1"],
            "lead_time_mean_days": [6.0],
            "lead_time_sd_days": [2.0],
            "lead_time_p90_days": [9.0],
            "on_time_rate": [0.8],
            "source": ["history"],
        }
    )
    out = recommend_orders(fc, inv(A=36), sup, lead_times=lt, n_paths=4).iloc[0]
    assert out["expected_arrival_date"] == pd.Timestamp("2024-03-07")  # 1 Mar + 6
    assert out["order_by_date"] == pd.Timestamp("2024-03-01")  # 10 Mar - p90 9 days
    assert "lead time 6±2 days" in out["reason"]


def test_receipt_history_gives_lead_times_and_open_orders_count():
    fc = DemandForecast.from_mean(["A"], pd.date_range(START, periods=40), np.full((1, 40), 4.0))
    sup = SUP[(SUP["item_id"] == "A") & (SUP["supplier_id"] == "S1")]
    po = pd.DataFrame(
        {
            "po_id": ["1", "2", "3", "4"],
            "item_id": ["A"] * 4,
            "supplier_id": ["S1"] * 4,
            "units": [50, 50, 50, 30],
            "order_date": ["2024-01-01", "2024-01-15", "2024-02-01", "2024-02-28"],
            "expected_date": ["2024-01-06", "2024-01-20", "2024-02-06", "2024-03-04"],
            "received_date": ["2024-01-05", "2024-01-21", "2024-02-06", None],
        }
    )
    out = recommend_orders(fc, inv(A=10), sup, po, n_paths=300, random_state=1).iloc[0]
    # lead times 4, 6, 5 days: mean 5, sd 1; the open 30 count in the inventory position
    assert out["inventory_position_units"] == 40
    assert out["lead_time_days"] == 5.0
    assert out["lead_time_sd_days"] == 1.0
    assert "lead time 5±1 days" in out["reason"]
    assert out["status"] == "ok"


def test_stockout_forecast_input_gives_the_same_answer_as_the_forecast():
    fc = DemandForecast.from_mean(
        ["A", "B"], pd.date_range(START, periods=30), [[3.0] * 30, [1.0] * 30]
    )
    sup = suppliers([("A", "S1", 1.0, 4, 10, 5), ("B", "S1", 1.0, 4, None, None)])
    stock = inv(A=20, B=3)
    so = stockout_dates(fc, stock, n_paths=300, random_state=5)
    a = recommend_orders(so, stock, sup)
    b = recommend_orders(fc, stock, sup, n_paths=300, random_state=5)
    pd.testing.assert_frame_equal(a, b)


@pytest.mark.parametrize("seed", [0, 1])
def test_higher_service_level_never_lowers_the_reorder_point(seed):
    fc = DemandForecast.from_mean(
        ["A", "B"], pd.date_range(START, periods=30), [[3.0] * 30, [0.3] * 30], dispersion=1.0
    )
    sup = suppliers([("A", "S1", 1.0, 4, None, None), ("B", "S1", 1.0, 9, None, None)])
    so = stockout_dates(fc, inv(A=20, B=3), n_paths=500, random_state=seed)
    points = [
        recommend_orders(so, inv(A=20, B=3), sup, service_level=s)["reorder_point_units"].to_numpy()
        for s in (0.5, 0.8, 0.9, 0.95, 0.99)
    ]
    assert np.all(np.diff(np.stack(points), axis=0) >= 0)


def test_inputs_not_mutated_and_errors():
    fc = four_a_day(["A"])
    stock, sup = inv(A=36), SUP.copy()
    recommend_orders(fc, stock, sup, n_paths=4)
    pd.testing.assert_frame_equal(stock, inv(A=36))
    pd.testing.assert_frame_equal(sup, SUP)
    with pytest.raises(ValueError, match=r"Did you mean 0\.95"):
        recommend_orders(fc, stock, sup, service_level=95)
    with pytest.raises(
        ValueError, match="review_period_days must be a positive number of days; got 0"
    ):
        recommend_orders(fc, stock, sup, review_period_days=0)
    with pytest.raises(ValueError, match="as_of=2024-02-01 is before the forecast starts"):
        recommend_orders(fc, stock, sup, as_of="2024-02-01")
    with pytest.raises(SchemaError, match="suppliers is missing column 'unit_cost'"):
        recommend_orders(fc, stock, sup.drop(columns="unit_cost"))
    with pytest.raises(SchemaError, match=r"lead_times is missing columns \['lead_time_mean_days'"):
        recommend_orders(
            fc, stock, sup, lead_times=pd.DataFrame({"item_id": ["A"], "supplier_id": ["S1"]})
        )
    with pytest.raises(ValueError, match=r"items\.review_period_days must be > 0"):
        recommend_orders(
            fc, stock, sup, items=pd.DataFrame({"item_id": ["A"], "review_period_days": [0]})
        )
    with pytest.raises(TypeError, match="inventory must be a pandas DataFrame"):
        recommend_orders(fc, None, sup)


def test_time_phased_trigger_when_open_orders_arrive_too_late():
    fc = four_a_day(["A"])
    sup = SUP[(SUP["item_id"] == "A") & (SUP["supplier_id"] == "S1")].assign(
        moq_units=None, pack_units=None
    )
    po = pd.DataFrame(
        {
            "po_id": ["P1"],
            "item_id": ["A"],
            "supplier_id": ["S1"],
            "units": [100],
            "order_date": ["2024-02-20"],
            "expected_date": ["2024-03-21"],
        }
    )
    lt = pd.DataFrame(
        {
            "item_id": ["A"],
            "supplier_id": ["S1"],
            "lead_time_mean_days": [5.0],
            "lead_time_sd_days": [0.0],
        }
    )
    out = recommend_orders(fc, inv(A=20), sup, po, lead_times=lt, n_paths=4).iloc[0]
    # IP = 20 + 100 = 120 > reorder point 48: the textbook trigger says wait ...
    assert out["inventory_position_units"] == 120
    assert out["reorder_point_units"] == 48
    # ... but 4 (t + 1) > 20 first at t = 5 (6 Mar), long before the PO (21 Mar):
    # order by 6 Mar - 5 days = 1 Mar, before the next review (8 Mar) -> order now
    assert out["order_by_date"] == pd.Timestamp("2024-03-01")
    assert bool(out["order_now"])
    assert out["order_trigger"] == "order_by_date"
    # only open orders due by this order's arrival (6 Mar) count: 76 - 20 = 56
    assert out["order_units"] == 56
    # with it: 20 + 56 = 76 from 6 Mar; 4 (t + 1) > 76 first at t = 19 (20 Mar), a day before the PO
    assert out["stockout_date_p50_with_order"] == pd.Timestamp("2024-03-20")
    assert out["reason"] == (
        "velocity 4.0/day, 5 days of cover, supplier S1 lead time 5±0 days → order 56 by 1 Mar "
        "(open orders arrive too late to count on)"
    )


def test_weekly_forecast_works_in_weeks():
    # 28 units/week (4/day) from Monday 4 Mar; 36 on hand -> D = 28, 56 > 36 in week 2 (11 Mar)
    fc = FixedPaths(["A"], np.full((1, 4, 12), 28.0), start=pd.Timestamp("2024-03-04"), freq="W")
    sup = SUP[(SUP["item_id"] == "A") & (SUP["supplier_id"] == "S1")]
    out = recommend_orders(fc, inv(A=36), sup, n_paths=4).iloc[0]
    assert out["stockout_date_p50_without_order"] == pd.Timestamp("2024-03-11")
    # L + R = 12 days = 1.714 weeks: 28 + 0.714 * 28 = 48 units (demand spread over the week)
    assert out["reorder_point_units"] == 48
    assert out["reorder_point_method"] == "empirical"
    # each day of week 2 takes that week's P(stockout) = 1: order by 11 Mar - 5 = 6 Mar
    assert out["order_by_date"] == pd.Timestamp("2024-03-06")
    assert out["velocity_units_per_day"] == 4.0
    assert out["order_units"] == 50  # 48 + 28 - 36 = 40 -> pack 10: 40 -> MOQ 50


def test_order_is_capped_at_the_suppliers_combined_capacity():
    # 4/day, nothing on hand: the policy wants well over 20 units, but S1 can deliver
    # 10 (capacity 12 rounded down to its pack of 5) and S2 15: the order is 25 units,
    # and the reason says the cap bound.
    sup = suppliers([("A", "S1", 2.0, 5, None, 5), ("A", "S2", 2.5, 5, None, 1)])
    sup["capacity_units"] = [12.0, 15.0]
    r = recommend_orders(four_a_day(["A"]), inv(A=0), sup, n_paths=4).set_index("item_id")
    assert r.loc["A", "order_now"]
    assert r.loc["A", "order_units"] == 25.0
    assert "capped at the suppliers' combined capacity of 25 units" in r.loc["A", "reason"]
    # without capacities the same item orders more than 25
    r2 = recommend_orders(four_a_day(["A"]), inv(A=0), sup.drop(columns="capacity_units"),
                          n_paths=4).set_index("item_id")  # fmt: skip
    assert r2.loc["A", "order_units"] > 25.0


def test_discontinued_items_are_never_reordered():
    # B is out of stock and would order, but the items table says it is discontinued
    fc = four_a_day(["A", "B"])
    sup = suppliers([("A", "S1", 2.0, 5, None, None), ("B", "S1", 2.0, 5, None, None)])
    items = pd.DataFrame({"item_id": ["A", "B"], "status": ["active", "Discontinued "]})
    r = recommend_orders(fc, inv(A=0, B=0), sup, items=items, n_paths=4).set_index("item_id")
    assert r.loc["A", "order_now"]
    assert not r.loc["B", "order_now"]
    assert r.loc["B", "status"] == "discontinued"
    assert r.loc["B", "reason"] == "discontinued in the items table: not reordered"


def test_a_late_open_order_is_chased_not_answered_with_an_expedited_new_order():
    """The risk an order placed today cannot remove does not make that order late.

    20 on hand at 4/day last 5 days; 200 more are due on 3 Mar from a supplier that is often
    late (10 +/- 6 days, 70 % on time), so the shop may run out before they come (about a
    sixth of the paths). A new order placed on 29 Feb arrives about 10 Mar, after that risk:
    it cannot remove it. The old rule dated the order-by day from the first day the risk
    passed 5 % (early March) minus the planning lead time, so it lay in the past and every
    such item was told to order and expedite now. The risk the new order can remove is the
    one after the 200 units are used up, around 22 Apr: no order yet, and the open order is
    to be chased.
    """
    days = pd.date_range("2024-03-01", periods=90)
    fc = DemandForecast.from_mean(["A"], days, np.full((1, 90), 4.0))
    inv = pd.DataFrame({"item_id": ["A"], "on_hand_units": [20.0]})
    po = pd.DataFrame(
        {
            "po_id": ["P1"],
            "item_id": ["A"],
            "supplier_id": ["S1"],
            "units": [200.0],
            "order_date": ["2024-02-20"],
            "expected_date": ["2024-03-03"],
        }
    )
    sup = pd.DataFrame(
        {
            "item_id": ["A"],
            "supplier_id": ["S1"],
            "unit_cost": [2.0],
            "lead_time_days": [10.0],
            "lead_time_sd_days": [6.0],
            "on_time_rate": [0.7],
        }
    )
    r = recommend_orders(fc, inv, sup, po, as_of="2024-02-29", random_state=0, n_paths=2000)
    r = r.iloc[0]
    assert not bool(r["order_now"])
    assert 0.05 < r["p_stockout_before_arrival"] < 0.5
    assert r["order_by_date"] >= pd.Timestamp("2024-03-25")  # weeks ahead, not in the past
    assert r["reason"].endswith(
        "chance of running out before an order placed today could arrive: chase the open orders"
    )

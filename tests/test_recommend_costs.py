"""recommend_orders in money: the economic service level, expected cost per year, policy type."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from stockout_forecast import critical_ratio, item_costs
from stockout_forecast.policy.recommend import recommend_orders

START = pd.Timestamp("2024-03-01")


class FixedPaths:
    """A forecast with fixed sample paths (as in test_recommend.py)."""

    def __init__(self, item_ids, paths):
        self.item_ids = np.asarray(item_ids, dtype=object)
        self.paths = np.asarray(paths, dtype=float)
        self.dates = pd.date_range(START, periods=self.paths.shape[2], freq="D")
        self.freq = "D"
        self.mean = self.paths.mean(axis=1)
        self.status = pd.DataFrame(
            {"status": "ok", "reason": ""}, index=pd.Index(self.item_ids, name="item_id")
        )
        self.history = None

    def sample_paths(self, n_paths, *, random_state=None, items=None):
        sel = self.paths if items is None else self.paths[items]
        return sel[:, :n_paths, :].copy()


def inv(**on_hand):
    return pd.DataFrame({"item_id": list(on_hand), "on_hand_units": list(on_hand.values())})


def suppliers(rows):
    cols = ["item_id", "supplier_id", "unit_cost", "lead_time_days", "moq_units", "pack_units"]
    return pd.DataFrame(rows, columns=cols)


RNG = np.random.default_rng(11)
PATHS = RNG.poisson(4.0, size=(2, 200, 40)).astype(float)
FC = FixedPaths(["A", "B"], PATHS)
SUP = suppliers([("A", "S1", 2.0, 5, None, None), ("B", "S1", 8.0, 5, None, None)]).assign(
    order_cost=[30.0, 30.0]
)
ITEMS = pd.DataFrame({"item_id": ["A", "B"], "holding_cost_rate": [0.25, 0.25],
                      "unit_price": [5.0, 20.0], "backorder_cost": [4.0, 40.0]})  # fmt: skip


def test_economic_level_is_the_critical_ratio_of_the_item_cost_model():
    rec = recommend_orders(FC, inv(A=100, B=100), SUP, items=ITEMS, n_paths=200,
                           service_level="economic").set_index("item_id")  # fmt: skip
    assert (rec["service_basis"] == "economic").all()
    # A: h = 0.25 x 2 = 0.5 / unit-year; π = 4; λ = 4 x 365 = 1,460; Q = EOQ
    # = sqrt(2 x 30 x 1,460 / 0.5) = 418.6 → 1 - 0.5 x 418.6 / (4 x 1,460) = 0.9642
    q = np.sqrt(2 * 30 * 1460 / 0.5)
    expected = critical_ratio(holding_cost_per_unit_year=0.5, backorder_cost_per_unit=4.0,
                              demand_per_year=1460, order_quantity=q)  # fmt: skip
    assert rec.loc["A", "service_level"] == pytest.approx(expected, abs=1e-3)
    assert rec.loc["A", "service_level"] == pytest.approx(1 - 0.5 * q / (4 * 1460), abs=1e-3)
    # the reorder point is the quantile at that level: the same as asking for it directly
    same = recommend_orders(FC, inv(A=100, B=100), SUP, items=ITEMS, n_paths=200,
                            service_level=float(rec.loc["A", "service_level"]))  # fmt: skip
    assert (
        same.set_index("item_id").loc["A", "reorder_point_units"]
        == rec.loc["A", "reorder_point_units"]
    )


def test_service_level_per_class_and_item_override():
    classes = pd.Series({"A": "A", "B": "C"})
    items = ITEMS.assign(service_level=[np.nan, 0.9])
    rec = recommend_orders(FC, inv(A=100, B=100), SUP, items=items, n_paths=50,
                           service_level={"A": 0.99, "C": "economic"},
                           item_classes=classes).set_index("item_id")  # fmt: skip
    assert rec.loc["A", "service_level"] == 0.99
    assert rec.loc["A", "service_basis"] == "target"
    assert rec.loc["B", "service_level"] == 0.9  # the item's own target wins
    with pytest.raises(ValueError, match="needs item_classes"):
        recommend_orders(FC, inv(A=1, B=1), SUP, service_level={"A": 0.9}, n_paths=10)
    with pytest.raises(ValueError, match="'economic'"):
        recommend_orders(FC, inv(A=1, B=1), SUP, service_level="cheap", n_paths=10)


def test_backorders_cheaper_than_stock_hold_nothing():
    items = ITEMS.assign(backorder_cost=[0.001, 0.001])
    rec = recommend_orders(FC, inv(A=3, B=3), SUP, items=items, n_paths=50,
                           service_level="economic")  # fmt: skip
    assert (rec["reorder_point_units"] == -1).all()
    assert not rec["order_now"].any()  # 3 on hand: no backorder yet, nothing to order


def test_expected_cost_per_year_adds_up_and_names_its_defaults():
    rec = recommend_orders(FC, inv(A=100, B=100), SUP.drop(columns="order_cost"), n_paths=50)
    parts = rec[["expected_holding_cost_per_year", "expected_ordering_cost_per_year",
                 "expected_backorder_cost_per_year"]].sum(axis=1)  # fmt: skip
    np.testing.assert_allclose(rec["expected_cost_per_year"], parts)
    assert ((rec["implied_fill_rate"] > 0.9) & (rec["implied_fill_rate"] <= 1)).all()
    assert (rec["cost_defaults"] == "holding rate, order cost, backorder cost").all()
    costs = item_costs(None, SUP.drop(columns="order_cost"))
    assert (costs["order_cost"] == 0).all()
    # no order cost: ordering costs nothing; holding = 0.25 x unit cost x average stock
    assert (rec["expected_ordering_cost_per_year"] == 0).all()


def test_auto_policy_picks_time_phased_lots_for_a_ramp_and_s_q_for_a_flat_item():
    ramp = np.concatenate([np.zeros((1, 200, 20)), np.full((1, 200, 20), 12.0)], axis=2)
    flat = np.full((1, 200, 40), 4.0)
    fc = FixedPaths(["A", "B"], np.concatenate([ramp, flat], axis=0))
    sup = SUP.assign(order_cost=[200.0, 30.0])
    rec = recommend_orders(fc, inv(A=0, B=20), sup, items=ITEMS, n_paths=20, policy="auto",
                           review_period_days=1).set_index("item_id")  # fmt: skip
    assert rec.loc["A", "policy_type"] == "time_phased"
    assert rec.loc["B", "policy_type"] == "s,Q"
    # B: s,Q orders whole multiples of its EOQ
    q_b = np.sqrt(2 * 30 * 4 * 365 / (0.25 * 8.0))
    assert rec.loc["B", "order_units"] == pytest.approx(q_b * np.floor(
        (rec.loc["B", "reorder_point_units"] - 20) / q_b + 1), abs=1.0)  # fmt: skip

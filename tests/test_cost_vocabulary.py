"""One cost vocabulary (time base in every name), old names for one release, one "hold nothing"."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import stockout_forecast as sof

DEMAND = np.array([[3.0, 3.0, 3.0, 3.0]])
SQ = {"reorder_point": [2.0], "order_quantity": [5.0]}


def test_simulate_policy_costs_use_the_vocabulary_and_accept_old_names_with_a_warning():
    new = {"holding_cost_per_unit_period": 0.5, "order_cost": 10.0,
           "backorder_cost_per_unit": 3.0, "unit_cost": 2.0}  # fmt: skip
    old = {"holding_cost": 0.5, "order_cost": 10.0, "shortage_cost": 3.0, "unit_cost": 2.0}
    a = sof.simulate_policy(DEMAND, SQ, 1, costs=new).to_frame()
    with pytest.warns(DeprecationWarning, match="is renamed"):
        b = sof.simulate_policy(DEMAND, SQ, 1, costs=old).to_frame()
    pd.testing.assert_frame_equal(a, b)
    # (s, Q) = (2, 5), L = 1: on hand 4, 1, 0, 0 → holding 0.5 x 5; orders at the end of
    # periods 1 and 3 (IP 1, then 0); 2 units short
    assert a.loc[0, ["holding_cost", "ordering_cost", "shortage_cost"]].tolist() == [2.5, 20.0, 6.0]
    with pytest.raises(ValueError, match="twice"):
        sof.simulate_policy(DEMAND, SQ, 1, costs={"holding_cost_per_unit_period": 1.0,
                                                  "holding_cost": 1.0})  # fmt: skip
    lost = sof.simulate_policy(DEMAND, SQ, 1, backorders=False,
                               costs={"lost_sale_cost_per_unit": 4.0}).to_frame()  # fmt: skip
    assert lost.loc[0, "shortage_cost"] == 4.0 * lost.loc[0, "units_short"]


def test_an_order_quantity_of_zero_means_no_order_in_rounding_and_in_the_replay():
    q = sof.round_order_quantity(0, moq=10)
    assert q == 0.0
    res = sof.simulate_policy(DEMAND, {"reorder_point": [2.0], "order_quantity": [q]}, 1)
    row = res.to_frame().iloc[0]
    assert row["status"] == "no_policy"
    assert row["orders_placed"] == 0
    with pytest.raises(ValueError, match="order_quantity must be >= 0"):
        sof.simulate_policy(DEMAND, {"reorder_point": [2.0], "order_quantity": [-1.0]}, 1)


def test_reorder_point_takes_a_safety_factor_instead_of_a_service_level():
    # Nahmias' Harvey's Specialty Shop: z = 2.05 → R = 100 + 2.05 x 25 = 151.25
    assert sof.reorder_point(100, 25, 1, safety_factor=2.05) == pytest.approx(151.25)
    assert sof.safety_stock(100, 25, 1, safety_factor=2.05) == pytest.approx(51.25)
    # Chopra & Meindl, periodic review: S = 15,000 + 1.2816 x 1,224.7 = 16,570
    assert sof.order_up_to(2500, 500, 2, 4, safety_factor=1.2816) == pytest.approx(16_570, abs=1)
    z = np.array([0.0, 1.0])
    np.testing.assert_allclose(sof.reorder_point([10, 10], [2, 2], 4, safety_factor=z), [40, 44])
    with pytest.raises(ValueError, match="exactly one of service_level"):
        sof.reorder_point(100, 25, 1, service_level=0.9, safety_factor=1.0)
    with pytest.raises(ValueError, match="exactly one of service_level"):
        sof.reorder_point(100, 25, 1)


def test_hold_nothing_is_minus_one_everywhere():
    """An item that never sells holds nothing: s = -1 in every function that sets s."""
    assert sof.reorder_point(0, 0, 3, service_level=0.95) == -1.0
    assert sof.order_up_to(0, 0, 3, 1, service_level=0.95) == -1.0
    paths = np.zeros((1, 20, 30))
    assert sof.simulated_reorder_point(paths, 1, 2, service_level=0.95)[0] == -1.0
    assert sof.policy_curves(paths, 1, 2).for_fill_rate(0.95)[0] == -1.0
    # and -1 really holds nothing in the replay: no stock, one order per backorder
    res = sof.simulate_policy(np.array([[0, 1, 0, 0, 0, 0]]), {"reorder_point": [-1.0],
                              "order_quantity": [1.0]}, 1, initial_on_hand=0)  # fmt: skip
    assert res.on_hand.max() == 0
    assert res.to_frame().loc[0, "orders_placed"] == 1


def test_eoq_and_supplier_functions_take_the_new_names_and_warn_on_the_old():
    assert sof.economic_order_quantity(demand_per_year=1300, order_cost=8,
                                       holding_cost_per_unit_year=0.225) == pytest.approx(
        304.05, abs=0.005
    )  # fmt: skip
    with pytest.warns(DeprecationWarning, match="'demand_rate' is renamed 'demand_per_year'"):
        sof.economic_order_quantity(demand_rate=1300, order_cost=8, holding_cost_per_unit_year=1)
    sup = pd.DataFrame({"supplier_id": ["S1"], "unit_cost": [1.0], "lead_time_days": [10]})
    a = sof.split_order(50, sup, need_by=20, demand_per_day=5, backorder_cost_per_unit=2)
    with pytest.warns(DeprecationWarning, match="'shortage_cost' is renamed"):
        b = sof.split_order(50, sup, need_by=20, demand_per_day=5, shortage_cost=2)
    pd.testing.assert_frame_equal(a.lines, b.lines)

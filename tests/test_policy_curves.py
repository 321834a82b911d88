"""policy_curves: one simulation of every candidate reorder point, and the choices read off it."""

from __future__ import annotations

import numpy as np
import pytest

from stockout_forecast.policy.curves import policy_curves
from stockout_forecast.policy.simulated import pooled_reorder_points, simulated_reorder_point


@pytest.fixture(scope="module")
def setup():
    rng = np.random.default_rng(5)
    n = 40
    lam = rng.gamma(0.8, 1.0, size=n)
    paths = rng.poisson(lam[:, None, None], size=(n, 200, 40)).astype(float)
    q = np.maximum(1.0, np.round(3 * lam))
    lt = rng.integers(0, 4, n).astype(float)
    price = rng.uniform(1, 50, n)
    return paths, q, lt, price, policy_curves(paths, q, lt, max_points=80)


def test_fill_target_equals_the_search_of_simulated_reorder_point(setup):
    paths, q, lt, _, curves = setup
    for target in (0.8, 0.95):
        np.testing.assert_array_equal(
            curves.for_fill_rate(target),
            simulated_reorder_point(paths, q, lt, service_level=target),
        )


def test_curves_are_monotone_in_the_reorder_point(setup):
    *_, curves = setup
    for i in range(curves.n_items):
        valid = ~np.isnan(curves.reorder_point[i])
        for arr in (curves.fill_rate, curves.on_hand_units):
            assert (np.diff(arr[i, valid]) >= -1e-12).all()


def test_item_mean_rounding_hits_the_mean_target_at_less_stock(setup):
    *_, price, curves = setup
    up = curves.for_fill_rate(0.9)
    mean = curves.for_fill_rate(0.9, rounding="item_mean", unit_cost=price)
    has = curves.demand_per_period > 0
    f_up = curves.at(up)["fill_rate"][has].mean()
    f_mean = curves.at(mean)["fill_rate"][has].mean()
    assert f_mean >= 0.9 - 1e-12
    assert f_mean <= f_up
    assert (mean <= up).all()
    assert (curves.at(mean)["on_hand_units"] * price).sum() <= (
        curves.at(up)["on_hand_units"] * price
    ).sum()


def test_pooled_reaches_the_pooled_target_like_pooled_reorder_points(setup):
    paths, q, lt, price, curves = setup
    s = curves.pooled(0.9, unit_cost=price)
    at = curves.at(s)
    d = curves.demand_per_period
    assert (at["fill_rate"] * d).sum() / d.sum() >= 0.9 - 1e-9
    # the same allocation problem as pooled_reorder_points, on a finer grid: no more value
    s_old = pooled_reorder_points(paths, q, lt, fill_rate=0.9, unit_cost=price)
    old_value = (curves.at(s_old)["on_hand_units"] * price).sum()
    assert (at["on_hand_units"] * price).sum() <= old_value * 1.01


def test_economic_is_the_least_expected_cost_of_the_candidates(setup):
    *_, price, curves = setup
    h, k, b = 0.02 * price, 5.0, 3.0 * price
    s = curves.economic(holding_cost_per_unit_period=h, order_cost=k, backorder_cost_per_unit=b)
    cost = curves.cost_per_period(holding_cost_per_unit_period=h, order_cost=k,
                                  backorder_cost_per_unit=b)  # fmt: skip
    rows = np.arange(curves.n_items)
    col = np.nanargmin(np.where(np.isfinite(cost), cost, np.nan), axis=1)
    np.testing.assert_array_equal(s, curves.reorder_point[rows, col])
    # dearer backorders never lower the reorder point
    s_hi = curves.economic(holding_cost_per_unit_period=h, order_cost=k,
                           backorder_cost_per_unit=10 * b)  # fmt: skip
    assert (s_hi >= s).all()


def test_horizon_fill_is_the_mean_of_path_fills():
    """Hand-computed: two paths over a 2-period window, s = -1 (hold nothing), Q = 1, L = 0."""
    # burn-in of L + 1 = 1 period, then 2 measured periods; path 1 demands 1 then 0, path 2
    # 0 then 2 — holding nothing, every unit is short: fill 0 on both paths
    paths = np.array([[[0.0, 1.0, 0.0], [0.0, 0.0, 2.0]]])
    c = policy_curves(paths, 1, 0, reorder_points=np.array([[-1.0, 2.0]]), horizon_periods=2)
    assert c.path_fill_rate[0, 0] == 0.0
    # s = 2 with 3 on hand at the start: everything is served
    assert c.path_fill_rate[0, 1] == 1.0
    with pytest.raises(ValueError, match="cannot hold a burn-in"):
        policy_curves(paths, 1, 1, horizon_periods=2)

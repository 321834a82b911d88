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


def test_negative_reorder_points_hand_computed():
    """Hand-computed: 1 unit demanded every period, Q = 4, L = 0, backorders.

    An order placed at the end of a period arrives at the start of the next. With s = -2
    the order goes out once 2 units are backordered; it arrives, clears the 2 and leaves
    2 on hand, which serve two periods, then two periods are short: 2 of every 4 units
    filled, on hand 1, 0, 0, 0 at the period ends. In general s = -N fills (4 - N) / 4
    (Zipkin 2000, ch. 6: the position after an order is uniform on s + 1 .. s + Q, here
    1 - N .. 4 - N, and a unit is filled when the position it was ordered against is >= 1).
    """
    paths = np.ones((1, 1, 13))
    c = policy_curves(paths, 4, 0, horizon_periods=12)
    np.testing.assert_array_equal(c.reorder_point[0], [-3, -2, -1, 0, 1, 2])
    np.testing.assert_allclose(c.fill_rate[0], [0.25, 0.5, 0.75, 1, 1, 1])
    np.testing.assert_allclose(c.on_hand_units[0], [0, 0.25, 0.75, 1.5, 2.5, 3.5])
    np.testing.assert_allclose(c.short_units_per_period[0], [0.75, 0.5, 0.25, 0, 0, 0])
    np.testing.assert_allclose(c.orders_per_period[0], 0.25)  # Q fixed: same orders at any s
    # a 60 % target is reached by ordering once one unit is backordered; 40 % once two are
    assert c.for_fill_rate(0.6)[0] == -1.0
    assert c.for_fill_rate(0.4)[0] == -2.0
    # the search of simulated_reorder_point gives the same answers
    assert simulated_reorder_point(paths, 4, 0, service_level=0.4, burn_in=1)[0] == -2.0
    # the deepest candidate is 1 - Q after MOQ rounding (below it nothing is ever on hand),
    # and without backorders nothing goes below -1 (s < 0 would never trigger an order)
    assert policy_curves(paths, 4, 0, moq=7).reorder_point[0, 0] == -6.0
    assert np.nanmin(policy_curves(paths, 4, 0, backorders=False).reorder_point) == -1.0


def test_negative_reorder_points_match_the_unit_demand_formula():
    """Bernoulli(0.5) demand (one unit at most a period, so the position hits s exactly),
    L = 2, Q = 6: the fill of the (s, Q) policy is (1/Q) Σ_{y=s+1}^{s+Q} P(D_{L} <= y - 1),
    D_L ~ Binomial(2, 0.5) the demand of the L periods before the order's arrival period
    (Zipkin 2000, ch. 6; Axsäter 2015, ch. 5), for negative s as for positive ones."""
    from scipy.stats import binom

    rng = np.random.default_rng(3)
    paths = (rng.random((1, 400, 400)) < 0.5).astype(float)
    c = policy_curves(paths, 6, 2, reorder_points=np.arange(-5.0, 3.0)[None, :])
    for s, fill in zip(c.reorder_point[0], c.fill_rate[0], strict=True):
        y = np.arange(s + 1, s + 7)
        exact = binom.cdf(y - 1, 2, 0.5).mean()
        assert abs(fill - exact) < 0.01, (s, fill, exact)


def test_low_targets_with_big_lots_go_below_minus_one_and_hold_less():
    """A lot of many periods' demand fills more than 80 % at s = -1: the 80 % reorder point
    orders only once units are backordered, with less stock, and still reaches 80 %."""
    rng = np.random.default_rng(11)
    paths = rng.poisson(1.0, size=(1, 300, 60)).astype(float)
    c = policy_curves(paths, 20, 1)
    s = c.for_fill_rate(0.8)
    assert s[0] < -1
    at, at_minus_one = c.at(s), c.at(np.array([-1.0]))
    assert at["fill_rate"][0] >= 0.8
    assert at_minus_one["fill_rate"][0] > 0.85
    assert at["on_hand_units"][0] < at_minus_one["on_hand_units"][0]
    # an item with no demand on its paths still holds nothing (s = -1), whatever the method
    none = policy_curves(np.zeros((1, 10, 20)), 20, 1)
    h = dict(holding_cost_per_unit_period=1.0, order_cost=1.0, backorder_cost_per_unit=1.0)
    assert none.for_fill_rate(0.8)[0] == none.economic(**h)[0] == none.pooled(0.8)[0] == -1.0

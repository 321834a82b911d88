"""Costs, cost-optimal policies, lot sizing and quantity discounts against worked examples.

Each test names its source and the published figures, and writes out the arithmetic that
leads from the data to them. Tolerances are those of the published rounding.

Sources
-------
[SS]  Snyder, L. V., Shen, Z.-J. M. (2019). Fundamentals of Supply Chain Theory, 2nd ed.,
      Wiley. Examples 3.1, 3.9, 4.1, 4.3, 4.7, 4.8, 5.1, 5.2, 5.4, 5.5, 5.6, 5.8.
[ZF]  Zheng, Y.-S., Federgruen, A. (1991). Finding optimal (s, S) policies is about as
      simple as evaluating a single policy. Operations Research 39(4), 654-665, Table I.
[SPT] Silver, E. A., Pyke, D. F., Thomas, D. J. (2017). Inventory and Production Management
      in Supply Chains, 4th ed., CRC Press, ch. 5 (the 12-month lot-sizing example:
      A = $54, v = $20, r = 0.02 $/$/month).
[N]   Nahmias, S., Olsen, T. L. (2015). Production and Operations Analysis, 7th ed.,
      Waveland. Sec. 4.7 (Weighty Trash Bag Company), 5.4 (Harvey's Specialty Shop),
      7.2 (Silver-Meal, computer casings).
[CM]  Chopra, S., Meindl, P. (2016). Supply Chain Management, 6th ed., Pearson. Examples
      11-8 and 11-9 (Drugs Online), sec. 12.6 (periodic review).
[BC]  Microsoft Dynamics NAV / Business Central documentation, "Design Details: Handling
      Reordering Policies" (Maximum Qty. scenario).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import integrate
from scipy.stats import norm, poisson

from stockout_forecast.policy.costs import (
    critical_ratio,
    eoq_cost_per_year,
    normal_second_order_loss,
    poisson_loss,
    poisson_second_order_loss,
    rs_cost_per_period,
    sq_cost_per_year,
    ss_cost_per_period,
)
from stockout_forecast.policy.discounts import price_for_quantity, quantity_discount_eoq
from stockout_forecast.policy.lot_sizing import silver_meal, wagner_whitin
from stockout_forecast.policy.normal import order_up_to
from stockout_forecast.policy.optimal import optimal_sq, optimal_ss
from stockout_forecast.policy.reorder_rules import order_up_to_cover, reorder_level_quantity

# [SS] Example 5.1 (used by Examples 5.1-5.6): h = 0.225, p = 7.5 per unit-year, K = 8,
# λ = 1,300 / year, σ = 150 / √year, lead time 1/12 year → μ_L = 108.33, σ_L = 43.30.
SS51 = {
    "demand_per_year": 1300.0,
    "lead_time_demand_mean": 1300.0 / 12,
    "lead_time_demand_sd": 150.0 * math.sqrt(1 / 12),
    "order_cost": 8.0,
    "holding_cost_per_unit_year": 0.225,
}


def _plan_cost(plan):
    return float(plan[["ordering_cost", "holding_cost"]].to_numpy().sum())


# --------------------------------------------------------------------------- EOQ, ratios
def test_ss_example_3_1_eoq_cost_per_year():
    """[SS] Example 3.1: Q* = 304.05, g* = K λ / Q + h Q / 2 = 34.205 + 34.205 = 68.41."""
    assert eoq_cost_per_year(304.05, 1300, 8, 0.225) == pytest.approx(68.41, abs=0.005)
    # with the purchase price c = 0.75: + c λ = 975
    assert eoq_cost_per_year(304.05, 1300, 8, 0.225, unit_cost=0.75) == pytest.approx(
        1043.41, abs=0.005
    )


def test_ss_example_4_3_critical_ratio_gives_the_newsvendor_level():
    """[SS] Example 4.3: α = p/(p+h) = 0.70/0.88 = 0.7955 → S* = 50 + 8 z_α = 56.60."""
    alpha = critical_ratio(holding_cost_per_unit_year=0.18, backorder_cost_per_unit_year=0.70)
    assert alpha == pytest.approx(0.7955, abs=5e-5)
    assert order_up_to(50, 8, 0, 1, service_level=alpha) == pytest.approx(56.60, abs=0.005)
    # [SS] Example 4.1/4.3: g(60) = 2.156 and g(S*) = 1.998 per period
    kw = {"review_period": 1, "lead_time": 0, "demand_mean": 50, "demand_sd": 8,
          "order_cost": 0, "holding_cost_per_unit_period": 0.18,
          "backorder_cost_per_unit_period": 0.70}  # fmt: skip
    assert rs_cost_per_period(60, **kw) == pytest.approx(2.156, abs=5e-4)
    assert rs_cost_per_period(56.60, **kw) == pytest.approx(1.998, abs=5e-4)


def test_ss_section_4_4_base_stock_with_lead_time_is_the_same_ratio_over_l_plus_1():
    """[SS] sec. 4.4 (hand-computed on Example 4.3's data with L = 4 periods).

    Demand over L + 1 = 5 periods is N(250, (8√5)²); S* = 250 + 17.889 x 0.8262 = 264.77 and
    g(S*) = (p + h) σ φ(z_α) = 0.88 x 17.889 x 0.2837 = 4.467 per period.
    """
    s_star = order_up_to(50, 8, 4, 1, service_level=0.70 / 0.88)
    assert s_star == pytest.approx(264.77, abs=0.01)
    cost = rs_cost_per_period(s_star, review_period=1, lead_time=4, demand_mean=50,
                              demand_sd=8, order_cost=0, holding_cost_per_unit_period=0.18,
                              backorder_cost_per_unit_period=0.70)  # fmt: skip
    z = norm.ppf(0.70 / 0.88)
    assert cost == pytest.approx(0.88 * 8 * math.sqrt(5) * norm.pdf(z), rel=1e-9)
    assert cost == pytest.approx(4.467, abs=5e-4)


def test_nahmias_harvey_cost_ratio_and_hadley_whitin_solution():
    """[N] sec. 5.4, Harvey's Specialty Shop: λ = 200, K = $50, h = $2, π = $25, D_L ~ N(100, 25²).

    First pass: Q = EOQ = 100 → 1 - F(R) = Qh/(πλ) = 200/5,000 = 0.04 → z = 1.75, R = 144.
    Iterated (published): Q = 110, R = 143.
    """
    assert critical_ratio(holding_cost_per_unit_year=2, backorder_cost_per_unit=25,
                          demand_per_year=200, order_quantity=100) == pytest.approx(0.96)  # fmt: skip
    res = optimal_sq(demand_per_year=200, lead_time_demand_mean=100, lead_time_demand_sd=25,
                     order_cost=50, holding_cost_per_unit_year=2, backorder_cost_per_unit=25,
                     method="hadley_whitin")  # fmt: skip
    assert res["order_quantity"] == pytest.approx(110, abs=1)
    assert res["reorder_point"] == pytest.approx(143, abs=1)
    # lost sales: 1 - F(R) = Qh / (Qh + πλ) is smaller, so R is a little higher
    lost = critical_ratio(holding_cost_per_unit_year=2, lost_sale_cost_per_unit=25,
                          demand_per_year=200, order_quantity=100)  # fmt: skip
    assert lost == pytest.approx(5000 / 5200)


# --------------------------------------------------------------------------- (s, Q)
def test_ss_example_5_1_exact_cost_of_an_sq_policy():
    """[SS] Example 5.1: g(126.8, 328.5) = 78.07 (the optimum); g(100, 250) = 87.35."""
    p = {"backorder_cost_per_unit_year": 7.5}
    assert sq_cost_per_year(126.8, 328.5, **SS51, **p) == pytest.approx(78.0712, abs=5e-5)
    assert sq_cost_per_year(100, 250, **SS51, **p) == pytest.approx(87.3465, abs=5e-5)


def test_ss_example_5_1_exact_optimum():
    """[SS] Example 5.1's solution: r* = 126.8, Q* = 328.5, g* = 78.07."""
    res = optimal_sq(**SS51, backorder_cost_per_unit_year=7.5)
    assert res["reorder_point"] == pytest.approx(126.87, abs=0.005)
    assert res["order_quantity"] == pytest.approx(328.45, abs=0.005)
    assert res["cost_per_year"] == pytest.approx(78.07, abs=0.005)


def test_ss_example_5_2_expected_inventory_level_approximation():
    """[SS] Example 5.2 (EIL / Hadley-Whitin, p read per unit): r = 213.97, Q = 318.59, 95.45."""
    res = optimal_sq(**SS51, backorder_cost_per_unit=7.5, method="hadley_whitin")
    assert res["reorder_point"] == pytest.approx(213.97, abs=0.005)
    assert res["order_quantity"] == pytest.approx(318.59, abs=0.005)
    assert res["cost_per_year"] == pytest.approx(95.45, abs=0.005)


def test_ss_example_5_4_eoqb_approximation():
    """[SS] Example 5.4: Q = 304.05 √(7.725/7.5) = 308.57; n(r) = hQ/(h+p) → r = 128.64."""
    res = optimal_sq(**SS51, backorder_cost_per_unit_year=7.5, method="eoqb")
    assert res["order_quantity"] == pytest.approx(308.57, abs=0.005)
    assert res["reorder_point"] == pytest.approx(128.64, abs=0.005)


def test_ss_example_5_5_eoq_plus_safety_stock():
    """[SS] Example 5.5: Q = EOQ = 304.05; α = 7.5/7.725 → z = 1.8944 → r = 190.34."""
    res = optimal_sq(**SS51, backorder_cost_per_unit_year=7.5, method="eoq_ss")
    assert res["order_quantity"] == pytest.approx(304.05, abs=0.005)
    assert res["reorder_point"] == pytest.approx(190.34, abs=0.005)


def test_ss_example_5_6_loss_function_approximation():
    """[SS] Example 5.6: r = 126.87, Q = 328.45 (n₂(r + Q) is negligible here)."""
    res = optimal_sq(**SS51, backorder_cost_per_unit_year=7.5, method="loss_function")
    assert res["reorder_point"] == pytest.approx(126.87, abs=0.005)
    assert res["order_quantity"] == pytest.approx(328.45, abs=0.005)


def test_ss_example_5_8_poisson_exact():
    """[SS] Example 5.8: λ = 1.5, L = 2 (μ_L = 3), h = 20, p = 150, K = 100 → (3, 5), 107.92.

    Also g(8, 12) = 242.53 from the same example.
    """
    kw = {"demand_per_year": 1.5, "lead_time_demand_mean": 3.0, "distribution": "poisson",
          "order_cost": 100, "holding_cost_per_unit_year": 20,
          "backorder_cost_per_unit_year": 150}  # fmt: skip
    res = optimal_sq(**kw)
    assert (res["reorder_point"], res["order_quantity"]) == (3.0, 5.0)
    assert res["cost_per_year"] == pytest.approx(107.92, abs=0.005)
    assert sq_cost_per_year(8, 12, **kw) == pytest.approx(242.53, abs=0.005)


def test_exact_sq_beats_every_grid_point():
    """Invariant: the exact optimum is no worse than any (r, Q) on a fine grid (hand check)."""
    res = optimal_sq(**SS51, backorder_cost_per_unit_year=7.5)
    r = np.linspace(90, 170, 161)[:, None]
    q = np.linspace(250, 420, 171)[None, :]
    grid = sq_cost_per_year(r, q, **SS51, backorder_cost_per_unit_year=7.5)
    assert res["cost_per_year"] <= grid.min() + 1e-9


# --------------------------------------------------------------------------- (s, S)
def test_ss_example_4_7_ss_exact():
    """[SS] Example 4.7: Poisson(6), h = 1, p = 4, K = 5 → (s, S) = (4, 10), g = 8.0341."""
    res = optimal_ss(demand_mean=6, order_cost=5, holding_cost_per_unit_period=1,
                     backorder_cost_per_unit_period=4)  # fmt: skip
    assert (res["reorder_point"], res["order_up_to"]) == (4.0, 10.0)
    assert res["cost_per_period"] == pytest.approx(8.0341, abs=5e-5)
    # the same example evaluates a worse policy: g(6, 18) = 10.1938
    assert ss_cost_per_period(6, 18, demand_mean=6, order_cost=5, holding_cost_per_unit_period=1,
                              backorder_cost_per_unit_period=4) == pytest.approx(10.1938, abs=5e-5)  # fmt: skip


ZF_MU = [*range(10, 80, 5), 21, 22, 23, 24, 51, 52, 59, 61, 63, 64]
ZF_S = [6, 10, 14, 19, 23, 28, 33, 37, 42, 47, 52, 56, 62, 67, 15, 16, 17, 18, 43, 44, 51, 52,
        54, 55]  # fmt: skip
ZF_BIG_S = [40, 49, 62, 56, 66, 77, 87, 97, 108, 118, 129, 75, 81, 86, 65, 68, 52, 54, 110,
            112, 126, 131, 73, 74]  # fmt: skip
ZF_COST = [35.022, 42.698, 49.173, 54.262, 57.819, 61.215, 64.512, 67.776, 70.975, 74.149,
           77.306, 78.518, 79.037, 79.554, 50.406, 51.632, 52.757, 53.518, 71.611, 72.246,
           76.679, 77.929, 78.287, 78.402]  # fmt: skip


def test_zheng_federgruen_table_1():
    """[ZF] Table I: K = 64, h = 1, p = 9, Poisson demand of mean 10..75 (24 instances)."""
    res = optimal_ss(demand_mean=np.array(ZF_MU, dtype=float), order_cost=64,
                     holding_cost_per_unit_period=1, backorder_cost_per_unit_period=9)  # fmt: skip
    assert res["reorder_point"].tolist() == ZF_S
    assert res["order_up_to"].tolist() == ZF_BIG_S
    np.testing.assert_allclose(res["cost_per_period"], ZF_COST, atol=5e-4)


def test_ss_example_4_8_power_approximation():
    """[SS] Example 4.8 (Ehrhardt-Mosier): N(50, 8²), h = 0.18, p = 0.70, K = 2.5 → (40.19, 74.29).

    Q = 1.30 x 50^0.494 x (2.5/0.18)^0.506 x (1 + 64/2,500)^0.116 = 34.10;
    z = sqrt(34.10 x 0.18 / (8 x 0.70)) = 1.047; s = 48.65 + 8 (0.175 + 1.063 - 2.295) = 40.19.
    """
    res = optimal_ss(demand_mean=50, demand_sd=8, order_cost=2.5, method="power",
                     holding_cost_per_unit_period=0.18, backorder_cost_per_unit_period=0.70)  # fmt: skip
    assert res["reorder_point"] == pytest.approx(40.19, abs=0.005)
    assert res["order_up_to"] == pytest.approx(74.29, abs=0.005)


# --------------------------------------------------------------------------- lot sizing
def test_ss_example_3_9_wagner_whitin():
    """[SS] Example 3.9: demand 90, 120, 80, 70, K = 500, h = 2 → 210 in t=1, 150 in t=3; 1,380."""
    plan = wagner_whitin([90, 120, 80, 70], order_cost=500, holding_cost_per_unit_period=2)
    assert plan["order_units"].tolist() == [210, 0, 150, 0]
    # 2 x 500 + 2 x 120 (carried 1 period) + 2 x 70 = 1,380
    assert _plan_cost(plan) == pytest.approx(1380.0)


SPT_DEMAND = [10, 62, 12, 130, 154, 129, 88, 52, 124, 160, 238, 41]


def test_spt_twelve_month_example_wagner_whitin_and_silver_meal():
    """[SPT] ch. 5: A = $54, h = v r = $20 x 0.02 = $0.40 per unit-month → total $501.20.

    Replenishments (months): 1 (84 = 10+62+12), 4 (130), 5 (283), 7 (140), 9 (124), 10 (160),
    11 (279): 7 x $54 = $378 plus holding 0.4 x (74+12 + 129 + 52 + 41) = $123.20.
    Silver-Meal finds the same plan here.
    """
    ww = wagner_whitin(SPT_DEMAND, order_cost=54, holding_cost_per_unit_period=0.4)
    expected = [84, 0, 0, 130, 283, 0, 140, 0, 124, 160, 279, 0]
    assert ww["order_units"].tolist() == expected
    assert _plan_cost(ww) == pytest.approx(501.20)
    sm = silver_meal(SPT_DEMAND, order_cost=54, holding_cost_per_unit_period=0.4)
    assert sm["order_units"].tolist() == expected


def test_nahmias_silver_meal_computer_casings():
    """[N] sec. 7.2: r = (18, 30, 42, 5, 20), h = $2, K = $80 → lots 48, 47, 20; cost $310.

    C(1) = 80, C(2) = (80 + 60)/2 = 70, C(3) = (80 + 60 + 168)/3 = 102.7 → stop: y1 = 48.
    From period 3: C(1) = 80, C(2) = (80 + 10)/2 = 45, C(3) = (90 + 80)/3 = 56.7 → y3 = 47.
    """
    plan = silver_meal([18, 30, 42, 5, 20], order_cost=80, holding_cost_per_unit_period=2)
    assert plan["order_units"].tolist() == [48, 0, 47, 0, 20]
    assert _plan_cost(plan) == pytest.approx(310.0)
    # Wagner-Whitin cannot do worse
    ww = wagner_whitin([18, 30, 42, 5, 20], order_cost=80, holding_cost_per_unit_period=2)
    assert _plan_cost(ww) <= 310.0


def _brute_force_lots(d, k, h, moq, pack, start):
    """Cheapest feasible plan, ordering only when stock cannot cover the period (hand oracle)."""
    choices = [0.0] + [
        float(q) for q in range(int(np.ceil(moq / pack)) * pack, 1 + int(sum(d)) + pack, pack)
    ]
    best = math.inf
    for combo in np.array(np.meshgrid(*[choices] * len(d))).T.reshape(-1, len(d)):
        stock, cost, ok = start, 0.0, True
        for t, q in enumerate(combo):
            if q > 0 and stock >= d[t]:
                ok = False  # not a "zero-inventory" order
                break
            stock += q - d[t]
            if stock < -1e-9:
                ok = False
                break
            cost += (k if q > 0 else 0.0) + h * stock
        if ok:
            best = min(best, cost)
    return best


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_wagner_whitin_with_moq_and_pack_is_exact(seed):
    """Invariant: with a MOQ and a pack size the DP equals exhaustive search over order plans."""
    rng = np.random.default_rng(seed)
    d = rng.integers(0, 40, size=4).astype(float)
    plan = wagner_whitin(d, order_cost=60, holding_cost_per_unit_period=1.5, moq_units=25,
                         pack_units=10, initial_on_hand_units=5)  # fmt: skip
    assert _plan_cost(plan) == pytest.approx(_brute_force_lots(d, 60, 1.5, 25, 10, 5))
    lots = plan["order_units"][plan["order_units"] > 0]
    assert (lots % 10 == 0).all()
    assert (lots >= 25).all()
    assert (plan["on_hand_end_units"] >= 0).all()


# --------------------------------------------------------------------------- discounts
NAHMIAS_BAGS = [(0, 0.30), (500, 0.29), (1000, 0.28)]


def test_nahmias_all_units_discount_trash_bags():
    """[N] sec. 4.7: λ = 600, K = $8, I = 0.2; EOQs 400 (0.30), 406.8 (0.29), 414 (0.28).

    Only 400 is realisable; compare G(400) = 180 + 12 + 12 = $204, G(500) = 174 + 9.6 + 14.5
    = $198.10, G(1,000) = 168 + 4.8 + 28 = $200.80 → order 500.
    """
    res = quantity_discount_eoq(600, 8, 0.2, NAHMIAS_BAGS)
    assert res["order_quantity"] == 500
    assert res["unit_cost"] == pytest.approx(0.29)
    assert res["cost_per_year"] == pytest.approx(198.10, abs=0.005)


def test_nahmias_incremental_discount_trash_bags():
    """[N] sec. 4.7, incremental: C(Q) = 0.30Q; 5 + 0.29Q (≥500); 15 + 0.28Q (≥1,000).

    Q(0) = 400 at $204.00; Q(1) = sqrt(2 x 600 x 13 / 0.058) = 519 at $204.58; Q(2) = 702 is
    below 1,000 (not realisable) → order 400.
    """
    res = quantity_discount_eoq(600, 8, 0.2, NAHMIAS_BAGS, kind="incremental")
    assert res["order_quantity"] == pytest.approx(400.0)
    assert res["cost_per_year"] == pytest.approx(204.00, abs=0.005)
    q1 = math.sqrt(2 * 600 * 13 / 0.058)
    value = price_for_quantity(q1, NAHMIAS_BAGS, kind="incremental")
    assert 600 * value / q1 + 8 * 600 / q1 + 0.2 * value / 2 == pytest.approx(204.58, abs=0.005)


CM_BREAKS = [(0, 3.00), (5000, 2.96), (10000, 2.92)]


def test_cm_example_11_8_all_units_discount():
    """[CM] Example 11-8: R = 120,000/yr, S = $100, h = 20 % → Q = 10,000, cost $354,520.

    EOQ at $2.92 is 6,411 < 10,000 → 10,000: 1,200 + 2,920 + 350,400 = $354,520; at $2.96,
    Q = 6,367: $358,969.
    """
    res = quantity_discount_eoq(120_000, 100, 0.2, CM_BREAKS)
    assert res["order_quantity"] == 10_000
    assert res["cost_per_year"] == pytest.approx(354_520, abs=0.5)


def test_cm_example_11_9_incremental_discount():
    """[CM] Example 11-9: V = 0, 15,000, 29,800 at the breaks → Q = 16,961, cost $360,365."""
    res = quantity_discount_eoq(120_000, 100, 0.2, CM_BREAKS, kind="incremental")
    # Q2 = sqrt(2 x 120,000 x (100 + 29,800 - 10,000 x 2.92) / (0.2 x 2.92)) = 16,961
    assert res["order_quantity"] == pytest.approx(16_961, abs=0.5)
    assert res["cost_per_year"] == pytest.approx(360_365, abs=1)


# --------------------------------------------------------------------------- loss functions
def test_second_order_loss_is_the_integral_of_the_first():
    """[SS] app. C: G₂(z) = ∫_z^∞ G(t) dt and G₂(-z) + G₂(z) = (1 + z²)/2 (hand identities)."""
    from stockout_forecast.policy.normal import normal_loss

    for z in (-1.4, 0.0, 0.3, 3.1):
        area, _ = integrate.quad(lambda t: normal_loss(t), z, 40)
        assert normal_second_order_loss(z) == pytest.approx(area, rel=1e-8)
        assert normal_second_order_loss(-z) + normal_second_order_loss(z) == pytest.approx(
            (1 + z * z) / 2
        )


def test_poisson_loss_functions_against_their_sums():
    """[SS] app. C, discrete loss: n(5) for Poisson(7) = 2.2926; n̄(x) = Σ_{y>x} n(y)."""
    assert poisson_loss(5, 7) == pytest.approx(2.292600, abs=5e-7)
    k = np.arange(200)
    for x in (0, 3, 8):
        for m in (0.7, 4.0):
            assert poisson_loss(x, m) == pytest.approx(
                float(np.sum(np.maximum(k - x, 0) * poisson.pmf(k, m)))
            )
            assert poisson_second_order_loss(x, m) == pytest.approx(
                sum(poisson_loss(y, m) for y in range(x + 1, 120))
            )


# --------------------------------------------------------------------------- ERP rules
def test_cm_periodic_review_order_up_to_is_cover_of_review_plus_lead_time():
    """[CM] sec. 12.6: OUL = D_{T+L} + ss = 2,500 x 6 + 1,570 = 16,570 (T = 4, L = 2 weeks)."""
    assert order_up_to_cover(2500 / 7, 28, lead_time_days=14,
                             safety_stock_units=1570) == pytest.approx(16_570)  # fmt: skip


def test_business_central_maximum_qty_scenario():
    """[BC] Maximum Qty.: max inventory 100, reorder point 50; 80 on hand, a sale of 70 →
    projected 10 → suggest a purchase of 90 (back to 100)."""
    assert reorder_level_quantity(80 - 70, 50, order_up_to=100) == 90
    # above the reorder point nothing is suggested; at it ("reached") it is
    assert reorder_level_quantity(51, 50, order_up_to=100) == 0
    assert reorder_level_quantity(50, 50, order_up_to=100) == 50
    assert reorder_level_quantity(50, 50, order_up_to=100, trigger="<") == 0


def test_reorder_level_rule_orders_at_least_a_lot_and_at_least_the_shortfall():
    """The reorder-level rule max(Q, s - IP): Q = 40, s = 50 (hand-computed)."""
    out = reorder_level_quantity(np.array([55.0, 45.0, 0.0, -30.0]), 50, lot_size=40)
    # 55 > 50: nothing; 45: max(40, 5) = 40; 0: max(40, 50) = 50; -30: max(40, 80) = 80
    np.testing.assert_array_equal(out, [0, 40, 50, 80])
    # with a pack of 12 and a MOQ of 48: 40 → 48, 50 → 60, 80 → 84
    out = reorder_level_quantity(np.array([55.0, 45.0, 0.0, -30.0]), 50, lot_size=40,
                                 moq_units=48, pack_units=12)  # fmt: skip
    np.testing.assert_array_equal(out, [0, 48, 60, 84])

"""Policy maths against published worked examples from standard texts.

Every test names its source (book, edition, chapter / example) and the published numbers;
the arithmetic that leads from the example's data to those numbers is written out in a
comment so that a reader can check it by hand. Tolerances are those of the published
rounding (books print z to 2 decimals and round units).

Sources
-------
[CM]  Chopra, S., Meindl, P. (2016). Supply Chain Management: Strategy, Planning, and
      Operation, 6th ed., Pearson. Ch. 11 (cycle inventory), ch. 12 (safety inventory).
[CM4] Chopra, S., Meindl, P. (2010). 4th ed., Exercise 11-4 and its solution spreadsheet.
[N]   Nahmias, S. (2009). Production and Operations Analysis, 6th ed., McGraw-Hill, ch. 5
      (Example 5.4, Harvey's Specialty Shop, and its continuation under Type 1 / Type 2
      service in sec. 5.5).
[SS]  Snyder, L. V., Shen, Z.-J. M. (2019). Fundamentals of Supply Chain Theory, 2nd ed.,
      Wiley. Examples 3.1, 4.1, 4.3, 4.7, 5.5; appendix C (loss functions).
[SPT] Silver, E. A., Pyke, D. F., Thomas, D. J. (2017). Inventory and Production Management
      in Supply Chains, 4th ed., CRC Press. Appendix II (table of G_u(k)) and sec. 6.7.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.stats import poisson

from stockout_forecast.policy.empirical import empirical_reorder_point
from stockout_forecast.policy.normal import (
    cycle_service_level,
    fill_rate,
    inverse_normal_loss,
    lead_time_demand,
    normal_loss,
    order_up_to,
    reorder_point,
    safety_stock,
)
from stockout_forecast.policy.quantities import economic_order_quantity

# Chopra & Meindl's running example (B&M Office Supplies, ch. 12): weekly demand
# N(2,500, 500²), replenishment lead time L = 2 weeks, lot size Q = 10,000.
D, SD_D, L, Q = 2500.0, 500.0, 2.0, 10_000.0
SIGMA_L = math.sqrt(2) * 500.0  # σ_L = √L σ_D = 707.1


def test_cm_example_12_1_safety_inventory_of_a_policy():
    """[CM] Example 12-1: ROP 6,000 → DL = 5,000, σ_L = 707, ss = 1,000, avg inventory 6,000."""
    mean, sd = lead_time_demand(D, SD_D, L)
    # D_L = 2 x 2,500 = 5,000; σ_L = √2 x 500 = 707.1
    assert mean == 5000.0
    assert sd == pytest.approx(707.1, abs=0.05)
    ss = 6000.0 - mean  # ss = ROP - D_L = 1,000
    assert ss == 1000.0
    # average inventory = Q/2 + ss = 5,000 + 1,000 = 6,000 (published)
    assert Q / 2 + ss == 6000.0


def test_cm_example_12_2_cycle_service_level():
    """[CM] Example 12-2: CSL = NORMDIST(6,000; 5,000; 707; 1) = 0.92."""
    # (6,000 - 5,000) / 707.1 = 1.414 → Φ(1.414) = 0.9214
    assert cycle_service_level(6000, D, SD_D, L) == pytest.approx(0.92, abs=0.005)


def test_cm_example_12_3_fill_rate_with_the_loss_function():
    """[CM] Example 12-3: ESC = 25.13 units per cycle, fill rate 0.9975."""
    # ESC = -ss[1 - F_S(ss/σ_L)] + σ_L f_S(ss/σ_L) = σ_L G(1000/707.1) = 707.1 x G(1.414)
    #     = 707.1 x (0.14635 - 1.414 x 0.07865) = 707.1 x 0.03554 = 25.13
    esc = SIGMA_L * normal_loss(1000.0 / SIGMA_L)
    assert esc == pytest.approx(25.13, abs=0.01)
    # fr = 1 - ESC / Q = 1 - 25.13 / 10,000 = 0.9975
    assert fill_rate(6000, Q, D, SD_D, L) == pytest.approx(0.9975, abs=5e-5)


def test_cm_example_12_4_safety_inventory_for_a_cycle_service_level():
    """[CM] Example 12-4: CSL 0.90 → ss = NORMSINV(0.90) x 707 = 906."""
    # Φ⁻¹(0.90) = 1.2816; 1.2816 x 707.1 = 906.2
    assert safety_stock(D, SD_D, L, service_level=0.90) == pytest.approx(906, abs=0.5)
    assert reorder_point(D, SD_D, L, service_level=0.90) == pytest.approx(5906, abs=0.5)


def test_cm_example_12_5_safety_inventory_for_a_fill_rate():
    """[CM] Example 12-5: fill rate 0.975 with Q = 10,000 → ss = 67."""
    # ESC = (1 - fr) Q = 0.025 x 10,000 = 250 = σ_L G(ss/σ_L) → G(k) = 250/707.1 = 0.3536
    # → k = 0.0943 (G(0.0943) = 0.3536) → ss = 0.0943 x 707.1 = 66.7 ≈ 67 (published)
    ss = safety_stock(D, SD_D, L, service_level=0.975, measure="fill_rate", order_quantity=Q)
    assert ss == pytest.approx(67, abs=0.5)
    # and the policy it defines indeed has a fill rate of 0.975
    assert fill_rate(5000 + ss, Q, D, SD_D, L) == pytest.approx(0.975, abs=1e-9)


def test_cm_example_12_6_lead_time_uncertainty():
    """[CM] Example 12-6 (Dell): lead-time σ of 7 days → σ_L = 17,550, ss = 22,491."""
    # daily D = 2,500, σ_D = 500, L = 7 days, s_L = 7 days, CSL 0.90:
    # σ_L = sqrt(L σ_D² + D² s_L²) = sqrt(7 x 500² + 2,500² x 7²)
    #     = sqrt(1,750,000 + 306,250,000) = sqrt(308,000,000) = 17,550
    _, sd = lead_time_demand(2500, 500, 7, lead_time_sd=7)
    assert sd == pytest.approx(17_550, abs=0.5)
    # ss = NORMSINV(0.90) x 17,550 = 1.2816 x 17,550 = 22,491
    ss = safety_stock(2500, 500, 7, service_level=0.90, lead_time_sd=7)
    assert ss == pytest.approx(22_491, abs=1)
    # the same example with s_L = 0: ss = 1.2816 x sqrt(7) x 500 = 1,695
    assert safety_stock(2500, 500, 7, service_level=0.90) == pytest.approx(1695, abs=0.5)


def test_cm_periodic_review_order_up_to_level():
    """[CM] sec. 12.6, periodic review (weekly D 2,500, σ 500, T = 4 weeks, L = 2): OUL 16,570."""
    # protection interval T + L = 6 weeks: D_{T+L} = 15,000, σ_{T+L} = √6 x 500 = 1,224.7
    # ss = NORMSINV(0.90) x 1,224.7 = 1,570 → OUL = 15,000 + 1,570 = 16,570
    assert order_up_to(D, SD_D, L, 4, service_level=0.90) == pytest.approx(16_570, abs=0.5)
    ss = safety_stock(D, SD_D, L, review_period=4, service_level=0.90)
    assert ss == pytest.approx(1570, abs=0.5)


def test_cm4_exercise_11_4_csl_and_fill_rate_of_a_given_policy():
    """[CM4] Exercise 11-4 (Sam's Club, HP printers): ss 100, CSL 0.68, ESC 43.86, fr 0.96."""
    # weekly D = 250, σ_D = 150, L = 2 weeks, Q = 1,000, ROP = 600:
    # D_L = 500 → ss = 100; σ_L = √2 x 150 = 212.1
    mean, sd = lead_time_demand(250, 150, 2)
    assert 600 - mean == 100
    # CSL = Φ(100 / 212.1) = Φ(0.4714) = 0.681
    assert cycle_service_level(600, 250, 150, 2) == pytest.approx(0.68, abs=0.005)
    # ESC = 212.1 x G(0.4714) = 212.1 x 0.2068 = 43.86; fr = 1 - 43.86 / 1,000 = 0.956
    assert sd * normal_loss(100 / sd) == pytest.approx(43.86, abs=0.01)
    assert fill_rate(600, 1000, 250, 150, 2) == pytest.approx(0.96, abs=0.005)


def test_cm_example_11_1_economic_order_quantity():
    """[CM] Example 11-1 (Best Buy, Deskpro computers): Q* = 980."""
    # R = 1,000/month x 12 = 12,000/year, S = $4,000 per order, H = 0.2 x $500 = $100
    # Q* = sqrt(2 R S / H) = sqrt(2 x 12,000 x 4,000 / 100) = sqrt(960,000) = 979.8
    assert economic_order_quantity(12_000, 4000, 0.2 * 500) == pytest.approx(980, abs=0.5)


def test_ss_example_3_1_economic_order_quantity_and_its_cost():
    """[SS] Example 3.1: K = 8, h = 0.225, λ = 1,300 → Q* = 304.05, g* = 68.41."""
    q = economic_order_quantity(1300, 8, 0.225)
    # Q* = sqrt(2 x 8 x 1,300 / 0.225) = sqrt(92,444.4) = 304.05
    assert q == pytest.approx(304.05, abs=0.005)
    # g(Q*) = K λ / Q* + h Q* / 2 = 34.205 + 34.205 = 68.41 (= sqrt(2 K λ h))
    assert 8 * 1300 / q + 0.225 * q / 2 == pytest.approx(68.41, abs=0.005)


def test_nahmias_example_5_4_eoq_and_type_1_service():
    """[N] Example 5.4 / sec. 5.5 (Harvey's mustard): EOQ 100; Type 1 98 % → R = 151."""
    # λ = 200 jars/year (100 per six-month lead time), K = $50, h = 0.2 x $10 = $2:
    # EOQ = sqrt(2 x 50 x 200 / 2) = 100
    assert economic_order_quantity(200, 50, 2) == pytest.approx(100.0)
    # lead-time demand N(100, 25²) (one "period" = the lead time); Type 1 α = 0.98:
    # z = 2.05 → R = 25 x 2.05 + 100 = 151.25 ≈ 151 (published, z from the table)
    r = reorder_point(100, 25, 1, service_level=0.98)
    assert r == pytest.approx(151, abs=0.5)


def test_nahmias_type_2_service_from_the_loss_function():
    """[N] sec. 5.5 (Harvey's mustard): Type 2 β = 0.98 with Q = 100 → z = 1.02, R = 126."""
    # n(R) = (1 - β) Q = 0.02 x 100 = 2; L(z) = n(R)/σ = 2/25 = 0.08 → z = 1.02
    assert inverse_normal_loss(0.08) == pytest.approx(1.02, abs=0.005)
    # R = σ z + μ = 25 x 1.02 + 100 = 125.5 ≈ 126
    r = reorder_point(100, 25, 1, service_level=0.98, measure="fill_rate", order_quantity=100)
    assert r == pytest.approx(125.5, abs=0.1)
    assert round(r) == 126


def test_ss_example_4_3_newsvendor_is_an_order_up_to_level():
    """[SS] Example 4.3: h = 0.18, p = 0.70, D ~ N(50, 8²) → S* = 56.60, g(S*) = 1.998."""
    # α = p / (p + h) = 0.70 / 0.88 = 0.7955; z_α = 0.8262; S* = 50 + 8 x 0.8262 = 56.60
    # — an (R, S) level with R = 1 period and zero lead time (protection interval 1)
    s_star = order_up_to(50, 8, 0, 1, service_level=0.70 / 0.88)
    assert s_star == pytest.approx(56.60, abs=0.005)
    # g(S) = h E[(S - D)⁺] + p E[(D - S)⁺] = h (S - μ + σ G(z)) + p σ G(z)
    z = (s_star - 50) / 8
    cost = 0.18 * (s_star - 50 + 8 * normal_loss(z)) + 0.70 * 8 * normal_loss(z)
    assert cost == pytest.approx(1.998, abs=0.0005)


def test_ss_example_4_1_newsvendor_cost_of_a_given_level():
    """[SS] Example 4.1: the same newsvendor with S = 60 costs 2.156 per period."""
    # z = (60 - 50)/8 = 1.25; G(1.25) = 0.18265 - 1.25 x 0.10565 = 0.05059
    # g(60) = 0.18 x (10 + 8 x 0.05059) + 0.70 x 8 x 0.05059 = 1.8728 + 0.2833 = 2.156
    g = normal_loss(1.25)
    assert 0.18 * (10 + 8 * g) + 0.70 * 8 * g == pytest.approx(2.156, abs=0.0005)


def test_ss_example_4_7_discrete_demand_uses_the_smallest_quantile():
    """[SS] Example 4.7: Poisson(6) demand, h = 1, p = 4 → S* = 8 (smallest S, F(S) ≥ 0.8)."""
    # α = 4 / (4 + 1) = 0.8; F(7) = 0.744 < 0.8 ≤ F(8) = 0.847 → S* = 8
    values = np.arange(0, 40)
    counts = np.round(poisson.pmf(values, 6) * 100_000).astype(int)
    sample = np.repeat(values, counts).astype(float)[None, :]  # the pmf, as a sample
    assert empirical_reorder_point(sample, service_level=0.8)[0] == 8.0


def test_ss_example_5_5_eoq_plus_safety_stock_reorder_point():
    """[SS] Example 5.5 (EOQ+SS): h 0.225, p 7.5, K 8, λ 1,300/yr, τ 150, L = 1/12 → r = 190.34."""
    # lead-time demand: μ = 1,300/12 = 108.33, σ = 150 x sqrt(1/12) = 43.30;
    # α = p/(p+h) = 7.5/7.725 = 0.97087 → z = 1.8944 → r = 108.33 + 1.8944 x 43.30 = 190.34
    r = reorder_point(1300, 150, 1 / 12, service_level=7.5 / 7.725)
    assert r == pytest.approx(190.34, abs=0.005)
    assert economic_order_quantity(1300, 8, 0.225) == pytest.approx(304.05, abs=0.005)


@pytest.mark.parametrize(
    ("k", "published"),
    [(0.0, 0.3989), (0.5, 0.1978), (1.0, 0.08332), (1.5, 0.02931), (2.0, 0.008491)],
)
def test_spt_appendix_ii_table_of_the_normal_loss_function(k, published):
    """[SPT] App. II, table of G_u(k) = φ(k) - k (1 - Φ(k)) (also [SS] app. C table)."""
    # e.g. k = 1: φ(1) = 0.24197, 1 - Φ(1) = 0.15866 → 0.24197 - 0.15866 = 0.08332
    assert normal_loss(k) == pytest.approx(published, rel=2e-4)


def test_spt_two_term_fill_rate_is_never_below_the_one_term():
    """[SPT] sec. 6.7: the exact backorder form σ[G(k) - G(k + Q/σ)] counts fewer shortages."""
    # Chopra's policy above with a small lot Q = 500: one-term ESC = 25.13 → fr = 0.9497;
    # two-term subtracts σ G(1.414 + 500/707.1) = 707.1 x G(2.121) = 707.1 x 0.006097 = 4.31
    # (G(2.121) = φ(2.121) - 2.121 x (1 - Φ(2.121)) = 0.04212 - 2.121 x 0.01695 = 0.00610)
    one = fill_rate(6000, 500, D, SD_D, L)
    two = fill_rate(6000, 500, D, SD_D, L, loss="two-term")
    assert one == pytest.approx(1 - 25.13 / 500, abs=1e-4)
    assert two == pytest.approx(1 - (25.13 - 4.31) / 500, abs=1e-4)
    assert two > one

"""Invariants of the policy maths (hypothesis), vectorisation, Series handling and errors."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from stockout_forecast.policy.empirical import (
    empirical_reorder_point,
    empirical_safety_stock,
    lead_time_demand_samples,
)
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
from stockout_forecast.policy.quantities import (
    economic_order_quantity,
    flag_special_orders,
    order_by_date,
    round_order_quantity,
    special_order_threshold,
)

levels = st.floats(min_value=0.5, max_value=0.999)
means = st.floats(min_value=0.0, max_value=500.0)
sds = st.floats(min_value=0.01, max_value=200.0)
leads = st.floats(min_value=0.0, max_value=20.0)
quantities = st.floats(min_value=1.0, max_value=5000.0)


# --------------------------------------------------------------------------- monotonicity
@settings(max_examples=60, deadline=None)
@given(d=means, sd=sds, lt=leads, lt_sd=st.floats(0, 5), a=levels, b=levels)
def test_higher_cycle_service_level_never_lowers_the_reorder_point(d, sd, lt, lt_sd, a, b):
    lo, hi = sorted((a, b))
    r_lo = reorder_point(d, sd, lt, service_level=lo, lead_time_sd=lt_sd)
    r_hi = reorder_point(d, sd, lt, service_level=hi, lead_time_sd=lt_sd)
    assert r_hi >= r_lo - 1e-9


@settings(max_examples=60, deadline=None)
@given(d=means, sd=sds, lt=leads, q=quantities, a=levels, b=levels, two=st.booleans())
def test_higher_fill_rate_never_lowers_the_reorder_point(d, sd, lt, q, a, b, two):
    lo, hi = sorted((a, b))
    loss = "two-term" if two else "one-term"
    kw = {"measure": "fill_rate", "order_quantity": q, "loss": loss}
    r_lo = reorder_point(d, sd, lt, service_level=lo, **kw)
    r_hi = reorder_point(d, sd, lt, service_level=hi, **kw)
    assert r_hi >= r_lo - 1e-6


@settings(max_examples=60, deadline=None)
@given(d=means, a=sds, b=sds, lt=st.floats(0.1, 20), level=levels, q=quantities)
def test_more_demand_variance_never_lowers_safety_stock(d, a, b, lt, level, q):
    # for a cycle target this needs CSL >= 0.5 (z >= 0); for a fill-rate target it always
    # holds: d(σ k(σ))/dσ = φ(k)/(1 - Φ(k)) > 0
    lo, hi = sorted((a, b))
    assert (
        safety_stock(d, hi, lt, service_level=level)
        >= safety_stock(d, lo, lt, service_level=level) - 1e-9
    )
    kw = {"measure": "fill_rate", "order_quantity": q}
    assert (
        safety_stock(d, hi, lt, service_level=level, **kw)
        >= safety_stock(d, lo, lt, service_level=level, **kw) - 1e-6
    )


@settings(max_examples=40, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    a=st.floats(0.05, 0.999),
    b=st.floats(0.05, 0.999),
    q=st.floats(1, 50),
)
def test_empirical_reorder_point_is_monotone_in_the_target(seed, a, b, q):
    rng = np.random.default_rng(seed)
    ltd = rng.negative_binomial(2, 0.3, size=(3, 400)).astype(float)
    lo, hi = sorted((a, b))
    for kw in ({}, {"measure": "fill_rate", "order_quantity": q}):
        r_lo = empirical_reorder_point(ltd, service_level=lo, **kw)
        r_hi = empirical_reorder_point(ltd, service_level=hi, **kw)
        assert (r_hi >= r_lo).all()


@settings(max_examples=60, deadline=None)
@given(d=means, sd=sds, lt=leads, q=quantities, s1=st.floats(-100, 2000), s2=st.floats(-100, 2000))
def test_service_never_falls_when_the_reorder_point_rises(d, sd, lt, q, s1, s2):
    lo, hi = sorted((s1, s2))
    assert cycle_service_level(hi, d, sd, lt) >= cycle_service_level(lo, d, sd, lt)
    assert fill_rate(hi, q, d, sd, lt) >= fill_rate(lo, q, d, sd, lt) - 1e-12


# --------------------------------------------------------------------------- rounding
@settings(max_examples=200, deadline=None)
@given(
    q=st.floats(-10, 1000),
    moq=st.one_of(st.none(), st.floats(0, 200)),
    pack=st.one_of(st.none(), st.integers(1, 48)),
    rounding=st.sampled_from(["up", "nearest", "down"]),
)
def test_rounding_respects_moq_and_pack(q, moq, pack, rounding):
    out = round_order_quantity(q, moq=moq, pack=pack, rounding=rounding)
    if q <= 0:
        assert out == 0
        return
    if moq is not None:
        assert out >= moq - 1e-9
    if pack is not None:
        assert abs(out / pack - round(out / pack)) < 1e-9
        assert out >= pack  # a positive wish orders at least one pack
    if rounding == "up":
        assert out >= q - 1e-9
        if pack is not None and (moq is None or q >= moq):
            assert out - q < pack + 1e-9  # never more than one pack above the wish


def test_rounding_examples_by_hand():
    # 13 with pack 6: up → 18, nearest → 12 (13/6 = 2.17 → 2 packs), down → 12
    assert round_order_quantity(13, pack=6) == 18
    assert round_order_quantity(13, pack=6, rounding="nearest") == 12
    assert round_order_quantity(13, pack=6, rounding="down") == 12
    # MOQ 20 not a pack multiple (pack 6) → smallest pack multiple >= 20 is 24
    assert round_order_quantity(3, moq=20, pack=6, rounding="down") == 24
    # MOQ alone lifts, never lowers
    assert round_order_quantity(35.5, moq=20) == 35.5
    # Series in → Series out, with the index kept
    s = pd.Series([1.0, 7.0], index=pd.Index(["a", "b"], name="item_id"))
    out = round_order_quantity(s, pack=5)
    assert isinstance(out, pd.Series)
    assert out.index.equals(s.index)
    assert out.tolist() == [5.0, 10.0]


# --------------------------------------------------------------------------- loss function
@settings(max_examples=100, deadline=None)
@given(z=st.floats(-30, 8))
def test_inverse_normal_loss_inverts_normal_loss(z):
    g = normal_loss(z)
    assert inverse_normal_loss(g) == pytest.approx(z, abs=1e-7)


def test_normal_loss_identity_and_vectorised():
    z = np.linspace(-3, 3, 13)
    # G(-z) = G(z) + z
    np.testing.assert_allclose(normal_loss(-z), normal_loss(z) + z, atol=1e-12)
    assert normal_loss(z).shape == (13,)


def test_inverse_normal_loss_refuses_a_non_positive_target():
    with pytest.raises(ValueError, match="needs g > 0"):
        inverse_normal_loss([0.1, 0.0])


# --------------------------------------------------------------------------- vectorisation
def test_functions_broadcast_over_items_and_keep_series_index():
    idx = pd.Index(["A", "B", "C"], name="item_id")
    d = pd.Series([10.0, 0.0, 3.0], index=idx)
    sd = pd.Series([4.0, 0.0, np.nan], index=idx)
    r = reorder_point(d, sd, 2.0, service_level=0.95)
    assert isinstance(r, pd.Series)
    assert r.index.equals(idx)
    # A: 20 + 1.6449 x 4 x √2 = 29.30; B: no demand → -1, the one "hold nothing" convention
    # (issue 10; was 0, which kept Q units on hand); C: no sd estimate → NaN (kept)
    assert r["A"] == pytest.approx(20 + 1.6448536 * 4 * np.sqrt(2), abs=1e-6)
    assert r["B"] == -1.0
    assert np.isnan(r["C"])
    arr = safety_stock(np.array([10.0, 20.0]), np.array([4.0, 4.0]), 2.0, service_level=0.9)
    assert isinstance(arr, np.ndarray)
    assert arr.shape == (2,)
    assert isinstance(safety_stock(10, 4, 2, service_level=0.9), float)


def test_series_with_different_indexes_are_refused():
    a = pd.Series([1.0], index=["x"])
    b = pd.Series([1.0], index=["y"])
    with pytest.raises(ValueError, match="indexed differently"):
        reorder_point(a, b, 1, service_level=0.9)


def test_deterministic_demand_needs_no_safety_stock():
    assert safety_stock(10, 0, 3, service_level=0.99) == 0.0
    assert fill_rate(30, 10, 10, 0, 3) == 1.0
    # 5 below the lead-time demand of 30: 5 units short per cycle of Q = 10 → fill 0.5
    assert fill_rate(25, 10, 10, 0, 3) == 0.5
    assert cycle_service_level(29.9, 10, 0, 3) == 0.0


def test_per_item_service_levels():
    r = reorder_point([10.0, 10.0], [3.0, 3.0], 1.0, service_level=np.array([0.5, 0.9]))
    assert r[0] == pytest.approx(10.0)
    assert r[1] == pytest.approx(10 + 1.2815516 * 3)


# --------------------------------------------------------------------------- errors
def test_service_level_must_be_a_fraction_with_a_hint():
    with pytest.raises(ValueError, match=r"got 95.0. Did you mean 0.95\?"):
        reorder_point(10, 3, 1, service_level=95)
    with pytest.raises(ValueError, match="look like percentages"):
        reorder_point([10, 10], [3, 3], 1, service_level=np.array([90.0, 95.0]))


def test_negative_inputs_are_refused_with_the_argument_named():
    with pytest.raises(ValueError, match="demand_sd must not be negative"):
        safety_stock(10, -1, 2, service_level=0.9)
    with pytest.raises(ValueError, match="holding_cost_per_unit_year must be > 0"):
        economic_order_quantity(100, 10, 0)
    with pytest.raises(ValueError, match="pack must be > 0"):
        round_order_quantity(10, pack=0)


def test_fill_rate_target_needs_an_order_quantity():
    with pytest.raises(ValueError, match="pass order_quantity"):
        safety_stock(10, 3, 2, service_level=0.95, measure="fill_rate")
    with pytest.raises(ValueError, match="measure must be one of"):
        safety_stock(10, 3, 2, service_level=0.95, measure="ready_rate")
    with pytest.raises(ValueError, match="review_period must be > 0"):
        order_up_to(10, 3, 2, 0, service_level=0.9)


# --------------------------------------------------------------------------- empirical
def test_empirical_reorder_point_by_hand():
    ltd = np.array([[0, 0, 1, 1, 2, 2, 3, 4, 6, 9]], dtype=float)
    # CSL 0.8: the 8th of 10 sorted values (F(4) = 0.8) → 4
    assert empirical_reorder_point(ltd, service_level=0.8)[0] == 4.0
    # fill 0.95, Q = 4: allowed ESC = 0.05 x 4 = 0.2. E[(D - 5)+] = (1 + 4)/10 = 0.5 > 0.2;
    # E[(D - 6)+] = 3/10 = 0.3 > 0.2; E[(D - 7)+] = 2/10 = 0.2 → s = 7 (integer search)
    assert (
        empirical_reorder_point(ltd, service_level=0.95, measure="fill_rate", order_quantity=4)[0]
        == 7.0
    )
    # real-valued: E[(D - s)+] = 0.2 exactly at s = 7 (between 6 and 9 the loss falls 0.1/unit)
    assert empirical_reorder_point(
        ltd, service_level=0.95, measure="fill_rate", order_quantity=4, integer=False
    )[0] == pytest.approx(7.0, abs=1e-6)
    # two-term: E[(D-s)+] - E[(D-s-4)+] <= 0.2: s = 6 gives 0.3 - 0 (no value above 10) = 0.3;
    # s = 7 gives 0.2 - 0 = 0.2 → 7
    assert (
        empirical_reorder_point(
            ltd, service_level=0.95, measure="fill_rate", order_quantity=4, loss="two-term"
        )[0]
        == 7.0
    )
    # safety stock = 4 - mean 2.8 = 1.2
    assert empirical_safety_stock(ltd, service_level=0.8)[0] == pytest.approx(1.2)


def test_empirical_matches_normal_for_many_normal_samples():
    rng = np.random.default_rng(1)
    ltd = rng.normal(5000, 707.1, size=(1, 200_000))
    emp = empirical_reorder_point(ltd, service_level=0.9, integer=False)[0]
    # quantile standard error ≈ sqrt(p(1-p)/n)/f(x) = sqrt(0.09/2e5)/(φ(1.28)/707) ≈ 2.7
    assert emp == pytest.approx(reorder_point(2500, 500, 2, service_level=0.9), abs=12)


def test_empirical_rows_with_nan_stay_nan():
    ltd = np.array([[1.0, 2.0, 3.0], [1.0, np.nan, 3.0]])
    out = empirical_reorder_point(ltd, service_level=0.5)
    assert out[0] == 2.0
    assert np.isnan(out[1])


def test_lead_time_demand_samples_interpolate_fractional_periods():
    paths = np.array([[[1.0, 2.0, 3.0, 4.0]]])
    # L = 2.5: 1 + 2 + 0.5 x 3 = 4.5
    assert lead_time_demand_samples(paths, 2.5)[0, 0] == 4.5
    # per-path lead times
    paths2 = np.array([[[1.0, 1.0, 1.0], [2.0, 2.0, 2.0]]])
    out = lead_time_demand_samples(paths2, np.array([[1.0, 2.0]]))
    assert out.tolist() == [[1.0, 4.0]]
    with pytest.raises(ValueError, match="paths cover only 4"):
        lead_time_demand_samples(paths, 5.0)


def test_lead_time_demand_moments_with_review_period():
    mean, sd = lead_time_demand(10, 2, 3, review_period=1)
    assert mean == 40.0
    assert sd == pytest.approx(2 * 2.0)  # sqrt(4 x 2²) = 4


# --------------------------------------------------------------------------- order-by date
def test_order_by_date_by_hand_and_conventions():
    days = pd.date_range("2024-03-01", periods=6)
    p = np.array([[0.0, 0.02, 0.04, 0.06, 0.5, 0.9]])
    # risk 0.05 first exceeded on day index 3 (03-04). Start-of-day receipt: arriving on
    # 03-04 still serves that day → latest arrival 03-04; lead time 2.2 days → 3 days → 03-01
    out = order_by_date(p, days, 2.2)
    assert pd.Timestamp(out[0]) == pd.Timestamp("2024-03-01")
    # end-of-day receipts serve only the next day → arrive a day earlier → order 02-29
    out = order_by_date(p, days, 2.2, receipt="end_of_day")
    assert pd.Timestamp(out[0]) == pd.Timestamp("2024-02-29")
    # a looser risk (0.55) is first exceeded on day 5 → arrival 03-06, order 03-03
    out = order_by_date(p, days, 2, max_stockout_probability=0.55)
    assert pd.Timestamp(out[0]) == pd.Timestamp("2024-03-04")


def test_more_stock_never_gives_an_earlier_order_by_date():
    days = pd.date_range("2024-01-01", periods=30)
    t = np.arange(30)
    tight = 1 - np.exp(-t / 5.0)
    loose = 1 - np.exp(-np.maximum(t - 6, 0) / 5.0)  # the same curve, 6 days later
    out = order_by_date(np.vstack([tight, loose]), days, [4, 4])
    assert out[1] >= out[0]


def test_order_by_date_errors():
    with pytest.raises(ValueError, match="dates has 2 days but p_stockout has 3 columns"):
        order_by_date(np.zeros((1, 3)), pd.date_range("2024-01-01", periods=2), 1)
    with pytest.raises(ValueError, match="max_stockout_probability must be a fraction"):
        order_by_date(
            np.zeros((1, 3)), pd.date_range("2024-01-01", periods=3), 1, max_stockout_probability=5
        )


# --------------------------------------------------------------------------- special orders
def test_special_order_threshold_by_hand():
    hist = np.array(
        [
            [1, 0, 2, 1, 0, 3, 1, 250, 2, 0],  # sizes 1,2,1,3,1,250,2: drop 250 → q90 = 2.5
            [0, 0, 40, 0, 0, 0, 0, 0, 0, 0],  # one demand: too little to judge
            [5, 5, 5, 5, 5, 5, 5, 5, 5, 5],  # regular: q90 of nine 5s = 5 → 20
        ],
        dtype=float,
    )
    thr = special_order_threshold(hist)
    # item 0: sorted sizes without the largest [1,1,1,2,2,3]: q90 at position 4.5 → 2.5; x4 = 10
    assert thr.tolist() == [10.0, np.inf, 20.0]
    future = np.array([[3.0, 12.0], [500.0, 1.0], [20.0, 21.0]])
    flags = flag_special_orders(future, thr)
    assert flags.tolist() == [[False, True], [False, False], [False, True]]
    with pytest.raises(ValueError, match="factor must be >= 1"):
        special_order_threshold(hist, factor=0.5)


def test_special_orders_keep_dataframe_labels():
    frame = pd.DataFrame([[1, 2, 1, 2, 50]], index=pd.Index(["A"], name="item_id"), dtype=float)
    thr = special_order_threshold(frame, min_demands=2)
    assert isinstance(thr, pd.Series)
    flags = flag_special_orders(frame, thr)
    assert flags.columns.equals(frame.columns)
    assert flags.iloc[0].tolist() == [False, False, False, False, True]

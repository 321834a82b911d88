"""Tests of stockout_dates / projected_inventory / StockoutForecast (simulation.py)."""

from __future__ import annotations

import dataclasses
import json

import matplotlib
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from stockout_forecast.exceptions import SchemaError
from stockout_forecast.forecast.result import DemandForecast
from stockout_forecast.simulation.stockout import (
    SEED_BLOCK_ITEMS,
    StockoutForecast,
    projected_inventory,
    stockout_dates,
)

matplotlib.use("Agg")

START = pd.Timestamp("2024-03-01")


class FixedPaths:
    """A forecast whose sample paths are given (the same for every seed): for exact tests."""

    def __init__(self, item_ids, paths, start=START, freq="D"):
        self.item_ids = np.asarray(item_ids, dtype=object)
        self.paths = np.asarray(paths, dtype=float)
        h = self.paths.shape[2]
        alias = {"D": "D", "W": "W-MON", "M": "MS"}[freq]
        self.dates = pd.date_range(start, periods=h, freq=alias)
        self.freq = freq
        self.mean = self.paths.mean(axis=1)
        self.status = pd.DataFrame(
            {"status": "ok", "reason": ""}, index=pd.Index(self.item_ids, name="item_id")
        )
        self.history = None

    def sample_paths(self, n_paths, *, random_state=None, items=None):
        sel = self.paths if items is None else self.paths[items]
        assert n_paths <= sel.shape[1]
        return sel[:, :n_paths, :].copy()


def constant(rate, n_items=1, n_paths=4, horizon=8, ids=None):
    ids = ids or [f"I{i}" for i in range(n_items)]
    return FixedPaths(ids, np.full((len(ids), n_paths, horizon), float(rate)))


def inv(**on_hand):
    return pd.DataFrame({"item_id": list(on_hand), "on_hand_units": list(on_hand.values())})


def po_frame(rows):
    """rows: (po_id, item_id, units, expected_date[, supplier_id])."""
    return pd.DataFrame(
        {
            "po_id": [r[0] for r in rows],
            "item_id": [r[1] for r in rows],
            "supplier_id": [r[4] if len(r) > 4 else "S1" for r in rows],
            "units": [r[2] for r in rows],
            "order_date": ["2024-02-01"] * len(rows),
            "expected_date": [r[3] for r in rows],
        }
    )


# --------------------------------------------------------------------------- Poisson oracle
def test_poisson_p_stockout_matches_exact_cdf():
    """P(stockout by day t) = P(N(lambda (t+1)) > s) for Poisson demand and no receipts.

    Each day's estimate is a binomial proportion over n_paths independent paths, so it is
    checked to within 4 binomial standard errors sqrt(p (1 - p) / n) (+ 1/n for p near 0/1).
    """
    lam = np.array([0.5, 2.0, 6.0])
    stock = np.array([3, 20, 50])
    h, n = 30, 4000
    fc = DemandForecast.from_mean(
        ["a", "b", "c"], pd.date_range(START, periods=h), lam[:, None] * np.ones(h)
    )
    so = stockout_dates(fc, inv(a=3, b=20, c=50), n_paths=n, random_state=11)
    t = np.arange(1, h + 1)
    exact = stats.poisson.sf(stock[:, None], lam[:, None] * t[None, :])  # P(N > s)
    tol = 4 * np.sqrt(exact * (1 - exact) / n) + 1.0 / n
    assert np.all(np.abs(so.p_stockout - exact) <= tol)
    # and the curve really moves: item c goes from ~0 to ~1 over the month
    assert so.p_stockout[2, 3] < 0.01
    assert so.p_stockout[2, 12] > 0.9


def test_poisson_stockout_median_and_cover_match_exact():
    """The P50 stockout day is the first day t with P(N(lambda t) > s) >= 0.5 (exact CDF)."""
    h, n = 40, 4000
    fc = DemandForecast.from_mean(["x"], pd.date_range(START, periods=h), np.full((1, h), 3.0))
    so = stockout_dates(fc, inv(x=30), n_paths=n, random_state=3)
    exact = stats.poisson.sf(30, 3.0 * np.arange(1, h + 1))
    day50 = int(np.argmax(exact >= 0.5))  # 0-based index of the P50 stockout day
    got = (so.summary.at[0, "stockout_date_p50"] - START).days
    assert abs(got - day50) <= 1
    assert so.summary.at[0, "days_of_cover"] == got


# --------------------------------------------------------------------------- hand-computed
def test_hand_case_po_mid_horizon_backorders_and_lost_sales():
    # demand 3/day; on hand 10, 1 backordered -> available 9; PO of 12 arrives on day 5 (idx 4)
    # cumulative demand D = 3, 6, 9, 12, 15, 18, 21, 24
    # supply S          = 9, 9, 9,  9, 21, 21, 21, 21  -> first D > S at idx 3 (12 > 9)
    fc = constant(3.0, ids=["A"])
    stock = pd.DataFrame({"item_id": ["A"], "on_hand_units": [10], "backordered_units": [1]})
    po = po_frame([("P1", "A", 12, "2024-03-05")])
    so = stockout_dates(fc, stock, po, n_paths=4, random_state=0)
    row = so.summary.iloc[0]
    assert so.p_stockout[0].tolist() == [0, 0, 0, 1, 1, 1, 1, 1]
    assert row["stockout_date_p10"] == row["stockout_date_p90"] == pd.Timestamp("2024-03-04")
    assert row["days_of_cover"] == 3.0
    assert row["p_stockout_before_next_receipt"] == 1.0  # idx 3 < receipt idx 4
    assert row["next_receipt_date"] == pd.Timestamp("2024-03-05")
    assert row["available_units"] == 9
    assert row["on_order_units"] == 12
    # backorders: short_t = min(d_t, (D_t - S_t)+): idx 3 -> 3, idx 7 -> min(3, 24-21) = 3
    assert row["expected_units_short"] == 6.0
    # lost sales: on hand 6, 3, 0, 0 (3 lost), +12 -> 9, 6, 3, 0  => 3 units short
    lost = stockout_dates(fc, stock, po, n_paths=4, lost_sales=True, random_state=0)
    assert lost.summary.at[0, "expected_units_short"] == 3.0
    assert lost.summary.at[0, "stockout_date_p50"] == row["stockout_date_p50"]  # same date
    pi = projected_inventory(so, quantiles=(0.5,))
    assert pi["on_hand_p50"].tolist() == [6, 3, 0, 0, 6, 3, 0, 0]
    pl = projected_inventory(lost, quantiles=(0.5,))
    assert pl["on_hand_p50"].tolist() == [6, 3, 0, 0, 9, 6, 3, 0]


def test_receipt_on_stockout_day_serves_that_day():
    # available 5, demand 3/day: D = 3, 6 ... S = 5 then 5 + 10 from idx 1 (start-of-day receipt)
    fc = constant(3.0, ids=["A"], horizon=4)
    so = stockout_dates(fc, inv(A=5), po_frame([("P1", "A", 10, "2024-03-02")]), n_paths=2)
    # S = 5, 15, 15, 15; D = 3, 6, 9, 12: never exceeded
    assert so.summary.at[0, "p_stockout_in_horizon"] == 0.0
    assert bool(so.summary.at[0, "beyond_horizon_p50"])
    assert pd.isna(so.summary.at[0, "stockout_date_p50"])
    assert so.summary.at[0, "days_of_cover"] == 4.0  # capped at the horizon


def test_exact_zero_is_not_a_stockout_and_owed_units_are():
    fc = constant(2.0, ids=["A", "B"], horizon=3)
    stock = pd.DataFrame(
        {"item_id": ["A", "B"], "on_hand_units": [4, 2], "backordered_units": [0, 3]}
    )
    so = stockout_dates(fc, stock, n_paths=2)
    # A: D = 2, 4, 6 vs 4 -> first exceed at idx 2 (ending idx 1 at exactly 0 is fine)
    assert so.p_stockout[0].tolist() == [0, 0, 1]
    # B: available 2 - 3 = -1 < 0 -> out on the first day, even before demand
    assert so.p_stockout[1].tolist() == [1, 1, 1]
    assert so.summary.at[1, "days_of_cover"] == 0.0


def test_overdue_po_arrives_first_day_and_is_explained():
    fc = constant(3.0, ids=["A"], horizon=5)
    so = stockout_dates(fc, inv(A=2), po_frame([("P1", "A", 20, "2024-02-20")]), n_paths=2)
    assert so.summary.at[0, "p_stockout_in_horizon"] == 0.0  # 22 covers 15
    assert "overdue" in so.summary.at[0, "reason"]


def test_received_lines_are_not_open():
    fc = constant(3.0, ids=["A"], horizon=5)
    po = po_frame([("P1", "A", 20, "2024-03-02"), ("P0", "A", 50, "2024-03-02")])
    po["received_date"] = [pd.NaT, pd.Timestamp("2024-02-25")]
    so = stockout_dates(fc, inv(A=2), po, n_paths=2)
    assert so.summary.at[0, "on_order_units"] == 20


# --------------------------------------------------------------------------- reference check
def _reference(paths, available, receipts, lost_sales):
    """Per-path, per-day loop: first stockout index and units short (for tests only)."""
    n, p, h = paths.shape
    first = np.full((n, p), h)
    short = np.zeros((n, p))
    for i in range(n):
        for k in range(p):
            x = available[i]
            cum_d, cum_s = 0.0, available[i]
            for t in range(h):
                x += receipts[i, t]
                cum_s += receipts[i, t]
                d = paths[i, k, t]
                cum_d += d
                served = min(d, max(x, 0.0))
                x -= served if lost_sales else d
                short[i, k] += d - served
                if first[i, k] == h and cum_d > cum_s:
                    first[i, k] = t
    return first, short


@pytest.mark.parametrize("lost_sales", [False, True])
def test_vectorised_kernel_matches_reference_loop(lost_sales):
    rng = np.random.default_rng(5)
    n, p, h = 6, 30, 12
    paths = rng.poisson(rng.uniform(0.2, 4, size=(n, 1, 1)), size=(n, p, h)).astype(float)
    ids = [f"I{i}" for i in range(n)]
    fc = FixedPaths(ids, paths)
    on_hand = rng.integers(0, 25, n)
    back = rng.integers(0, 4, n)
    stock = pd.DataFrame({"item_id": ids, "on_hand_units": on_hand, "backordered_units": back})
    rows = [
        (
            f"P{j}",
            ids[j % n],
            float(rng.integers(1, 20)),
            START + pd.Timedelta(days=int(rng.integers(0, h + 3))),
        )
        for j in range(9)
    ]
    po = po_frame(rows)
    receipts = np.zeros((n, h))
    for _, iid, units, day in rows:
        off = (day - START).days
        if off < h:
            receipts[ids.index(iid), off] += units
    first, short = _reference(paths, on_hand - back.astype(float), receipts, lost_sales)
    so = stockout_dates(fc, stock, po, n_paths=p, lost_sales=lost_sales)
    want = np.stack([(first <= t).mean(axis=1) for t in range(h)], axis=1)
    np.testing.assert_allclose(so.p_stockout, want)
    np.testing.assert_allclose(so.summary["expected_units_short"], short.mean(axis=1))


# --------------------------------------------------------------------------- properties
@settings(max_examples=25, deadline=None)
@given(
    rate=st.floats(0.1, 5.0),
    stock=st.integers(0, 60),
    extra=st.integers(1, 40),
    po_units=st.integers(1, 40),
    po_day=st.integers(0, 25),
    seed=st.integers(0, 2**16),
)
def test_more_stock_or_an_extra_po_never_brings_the_stockout_forward(
    rate, stock, extra, po_units, po_day, seed
):
    h = 20
    fc = DemandForecast.from_mean(
        ["A"], pd.date_range(START, periods=h), np.full((1, h), rate), dispersion=0.5
    )
    base = stockout_dates(fc, inv(A=stock), n_paths=200, random_state=seed)
    more = stockout_dates(fc, inv(A=stock + extra), n_paths=200, random_state=seed)
    po = po_frame([("P9", "A", po_units, START + pd.Timedelta(days=po_day))])
    with_po = stockout_dates(fc, inv(A=stock), po, n_paths=200, random_state=seed)
    for other in (more, with_po):
        # same seed -> same paths: every path's first stockout is no earlier
        assert np.all(other.p_stockout <= base.p_stockout + 1e-12)
        for q in ("p10", "p50", "p90"):
            a, b = (
                base.summary.at[0, f"stockout_date_{q}"],
                other.summary.at[0, f"stockout_date_{q}"],
            )
            assert pd.isna(b) or (pd.notna(a) and b >= a)
        assert (
            other.summary.at[0, "expected_units_short"]
            <= base.summary.at[0, "expected_units_short"] + 1e-9
        )


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 2**16), po_units=st.integers(1, 30), day=st.integers(0, 15))
def test_extra_po_with_lead_time_uncertainty_never_brings_stockout_forward(seed, po_units, day):
    h = 20
    fc = DemandForecast.from_mean(["A"], pd.date_range(START, periods=h), np.full((1, h), 2.0))
    lt = pd.DataFrame(
        {
            "item_id": ["A", "A"],
            "supplier_id": ["S1", "S2"],
            "lead_time_sd_days": [4.0, 2.0],
            "on_time_rate": [0.6, 0.3],
        }
    )
    po1 = po_frame([("P1", "A", 10, "2024-03-06", "S1")])
    po2 = po_frame(
        [
            ("P1", "A", 10, "2024-03-06", "S1"),
            ("P2", "A", po_units, START + pd.Timedelta(days=day), "S2"),
        ]
    )
    a = stockout_dates(fc, inv(A=8), po1, n_paths=200, lead_time_uncertainty=lt, random_state=seed)
    b = stockout_dates(fc, inv(A=8), po2, n_paths=200, lead_time_uncertainty=lt, random_state=seed)
    assert np.all(b.p_stockout <= a.p_stockout + 1e-12)


# --------------------------------------------------------------------------- chunking, seeds
def test_chunking_threads_and_item_subsets_give_identical_results():
    rng = np.random.default_rng(0)
    n, h = 150, 15  # three seed blocks of 64
    ids = [f"S{i:03d}" for i in range(n)]
    fc = DemandForecast.from_mean(
        ids,
        pd.date_range(START, periods=h),
        rng.uniform(0.1, 5, (n, 1)) * np.ones(h),
        dispersion=0.3,
    )
    stock = pd.DataFrame({"item_id": ids, "on_hand_units": rng.integers(0, 60, n)})
    po = po_frame([(f"P{i}", ids[i], 15, "2024-03-07") for i in range(0, n, 7)])
    kw = {"n_paths": 120, "random_state": 42}
    one = stockout_dates(fc, stock, po, chunk_size=10_000, **kw)
    small = stockout_dates(fc, stock, po, chunk_size=SEED_BLOCK_ITEMS, **kw)
    odd = stockout_dates(fc, stock, po, chunk_size=100, n_jobs=2, **kw)  # rounds up to 128
    np.testing.assert_array_equal(one.p_stockout, small.p_stockout)
    np.testing.assert_array_equal(one.p_stockout, odd.p_stockout)
    pd.testing.assert_frame_equal(one.summary, small.summary)
    sub = stockout_dates(fc, stock, po, items=[ids[140], ids[3]], **kw)
    np.testing.assert_array_equal(sub.p_stockout, one.p_stockout[[140, 3]])
    # a different seed gives different paths
    other = stockout_dates(fc, stock, po, n_paths=120, random_state=43)
    assert not np.array_equal(other.p_stockout, one.p_stockout)


def test_memory_budget_sets_chunk_size():
    fc = constant(1.0, n_items=3, n_paths=10, horizon=10)
    so = stockout_dates(fc, inv(I0=1, I1=2, I2=3), n_paths=10, memory_budget_mb=1e-6)
    assert so._scenario.chunk_items == SEED_BLOCK_ITEMS  # at least one seed block
    so = stockout_dates(fc, inv(I0=1, I1=2, I2=3), n_paths=10, memory_budget_mb=100)
    # 100 MiB / (10 paths x 10 days x 25 bytes) = 41,943 items -> 41,920 (multiple of 64)
    assert so._scenario.chunk_items == 41_920


# --------------------------------------------------------------------------- lead-time spread
def test_lead_time_uncertainty_on_time_rate_and_lateness():
    # demand 2/day, available 4: out on idx 2 (D=6>4) unless the PO (idx 2) arrives on time
    fc = constant(2.0, ids=["A"], n_paths=4000, horizon=6)
    po = po_frame([("P1", "A", 20, "2024-03-03")])
    certain = pd.DataFrame(
        {"item_id": ["A"], "supplier_id": ["S1"], "lead_time_sd_days": [0.0], "on_time_rate": [1.0]}
    )
    det = stockout_dates(fc, inv(A=4), po, n_paths=4000)
    same = stockout_dates(fc, inv(A=4), po, n_paths=4000, lead_time_uncertainty=certain)
    np.testing.assert_array_equal(det.p_stockout, same.p_stockout)
    assert det.summary.at[0, "p_stockout_in_horizon"] == 0.0
    # on time 70 %; late by max(1, round(|Z| * 0)) = 1 day otherwise -> stockout on idx 2
    late = certain.assign(on_time_rate=0.7)
    so = stockout_dates(fc, inv(A=4), po, n_paths=4000, lead_time_uncertainty=late, random_state=1)
    p = so.summary.at[0, "p_stockout_in_horizon"]
    assert abs(p - 0.3) <= 4 * np.sqrt(0.3 * 0.7 / 4000)
    assert so.p_stockout[0, 2] == p
    assert so.p_stockout[0, 1] == 0.0
    assert so.summary.at[0, "p_stockout_before_next_receipt"] == pytest.approx(p)
    # no row for the supplier: deterministic, and the reason says so
    other = certain.assign(supplier_id="S9", on_time_rate=0.1)
    so = stockout_dates(fc, inv(A=4), po, n_paths=100, lead_time_uncertainty=other)
    assert so.summary.at[0, "p_stockout_in_horizon"] == 0.0
    assert "no lead-time spread for supplier S1" in so.summary.at[0, "reason"]


# --------------------------------------------------------------------------- weekly periods
def test_weekly_forecast_works_in_weeks():
    # 10 units/week, 25 on hand, PO of 30 expected on a Thursday of week 3 (counts from Monday)
    fc = constant(10.0, ids=["W"], horizon=6)
    fc = FixedPaths(["W"], fc.paths, start=pd.Timestamp("2024-03-04"), freq="W")
    so = stockout_dates(fc, inv(W=25), po_frame([("P1", "W", 30, "2024-03-21")]), n_paths=2)
    # D = 10, 20, 30, 40, 50, 60; S = 25, 25, 55, 55, 55, 55 -> first D > S at week idx 5
    assert so.p_stockout[0].tolist() == [0, 0, 0, 0, 0, 1]
    assert so.summary.at[0, "stockout_date_p50"] == pd.Timestamp("2024-04-08")
    assert so.summary.at[0, "days_of_cover"] == 35.0
    assert repr(so).endswith("history censoring unknown>")


# --------------------------------------------------------------------------- nothing is lost
def test_every_item_is_in_the_result_with_a_status():
    h = 5
    fc = DemandForecast.from_mean(
        ["A", "B", "N"], pd.date_range(START, periods=h), [[1.0] * h, [1.0] * h, [np.nan] * h]
    )
    fc = dataclasses.replace(
        fc,
        status=pd.DataFrame(
            {"status": ["ok", "ok", "no_history"], "reason": ["", "", "no sales yet"]},
            index=pd.Index(["A", "B", "N"], name="item_id"),
        ),
    )
    stock = inv(A=3, N=4, Z=9)
    po = po_frame([("P1", "Q", 5, "2024-03-02")])
    so = stockout_dates(fc, stock, po, n_paths=50, random_state=0)
    s = so.summary.set_index("item_id")
    assert list(s.index) == ["A", "B", "N", "Q", "Z"]
    assert s.loc["A", "status"] == "ok"
    assert s.loc["B", "status"] == "no_inventory"
    assert "inventory snapshot" in s.loc["B", "reason"]
    assert s.loc["N", "status"] == "no_forecast"
    assert "no sales yet" in s.loc["N", "reason"]
    assert s.loc["Z", "status"] == "no_forecast"
    assert "not in the forecast" in s.loc["Z", "reason"]
    assert s.loc["Q", "status"] == "no_forecast"
    assert "inventory" in s.loc["Q", "reason"]
    assert np.isnan(so.p_stockout[1:]).all()
    assert not np.isnan(so.p_stockout[0]).any()


def test_inputs_are_not_mutated():
    fc = constant(2.0, ids=["A"])
    stock = pd.DataFrame({"item_id": ["A"], "on_hand_units": [5], "backordered_units": [1]})
    po = po_frame([("P1", "A", 12, "2024-03-05")])
    before = (stock.copy(), po.copy())
    stockout_dates(fc, stock, po, n_paths=2)
    pd.testing.assert_frame_equal(stock, before[0])
    pd.testing.assert_frame_equal(po, before[1])


# --------------------------------------------------------------------------- errors
def test_errors_name_the_problem_and_the_fix():
    fc = constant(2.0, ids=["A"])
    with pytest.raises(ValueError, match=r"horizon=9 is longer than the forecast \(8 periods"):
        stockout_dates(fc, inv(A=1), horizon=9)
    with pytest.raises(SchemaError, match="inventory is missing column 'on_hand_units'"):
        stockout_dates(fc, pd.DataFrame({"item_id": ["A"], "stock": [3]}))
    with pytest.raises(ValueError, match="n_paths must be an integer >= 1; got 0"):
        stockout_dates(fc, inv(A=1), n_paths=0)
    with pytest.raises(ValueError, match="chunk_size must be an integer >= 1"):
        stockout_dates(fc, inv(A=1), chunk_size=-5)
    with pytest.raises(
        SchemaError, match=r"lead_time_uncertainty is missing columns \['lead_time_sd_days'\]"
    ):
        stockout_dates(
            fc,
            inv(A=1),
            po_frame([("P", "A", 1, "2024-03-02")]),
            lead_time_uncertainty=pd.DataFrame({"item_id": ["A"], "supplier_id": ["S1"]}),
        )
    with pytest.raises(KeyError, match=r"items 1 \('nope'\) are in none of"):
        stockout_dates(fc, inv(A=1), items=["nope"])
    with pytest.raises(TypeError, match="forecast must be a DemandForecast"):
        stockout_dates(pd.DataFrame(), inv(A=1))
    with pytest.raises(ValueError, match="needs an inventory"):
        projected_inventory(fc)
    with pytest.raises(ValueError, match="quantiles must be a fraction"):
        projected_inventory(fc, inv(A=1), quantiles=(50,))


# --------------------------------------------------------------------------- outputs
def test_to_dict_repr_html_plot_and_curves():
    h = 10
    fc = DemandForecast.from_mean(
        ["<b>x</b>", "y"], pd.date_range(START, periods=h), np.full((2, h), 2.0)
    )
    so = stockout_dates(fc, inv(**{"<b>x</b>": 8, "y": 40}), n_paths=300, random_state=0)
    assert isinstance(so, StockoutForecast)
    assert repr(so) == "<StockoutForecast: 2 items, 300 paths, history censoring unknown>"
    html = so._repr_html_()
    assert "&lt;b&gt;x&lt;/b&gt;" in html
    assert "<b>x</b>" not in html
    d = so.to_dict()
    json.dumps(d)  # JSON-able
    assert d["dates"][0] == "2024-03-01"
    assert d["items"][1]["stockout_date_p50"] is None
    assert len(d["p_stockout"]["y"]) == h
    cf = so.curves_frame()
    assert cf.shape == (2 * h, 3)
    assert cf["p_stockout"].between(0, 1).all()
    ax = so.plot()
    assert ax.get_ylabel() == "P(stockout by date)"
    assert len(ax.get_lines()) >= 2
    ax = so.plot("<b>x</b>", kind="inventory", reorder_point=5)
    assert ax.get_title() == "Projected inventory: <b>x</b>"
    assert any(line.get_label() == "reorder point" for line in ax.get_lines())
    with pytest.raises(ValueError, match="needs an item"):
        so.plot(kind="inventory")
    with pytest.raises(KeyError, match="not in this StockoutForecast"):
        so.plot("zzz")
    import matplotlib.pyplot as plt

    plt.close("all")


def test_repr_reports_history_censoring():
    from stockout_forecast.history.panel import DemandHistory

    cens = np.array([[True, False, False, False]])  # 1 of 4 active item-days censored
    hist = DemandHistory(
        item_ids=np.array(["A"]),
        periods=pd.date_range("2024-02-26", periods=4),
        freq="D",
        units=np.ones((1, 4)),
        censored=cens,
        suspected=np.zeros_like(cens),
        as_of=pd.Timestamp("2024-02-29"),
    )
    fc = constant(1.0, ids=["A"])
    fc.history = hist
    so = stockout_dates(fc, inv(A=3), n_paths=2)
    assert repr(so) == "<StockoutForecast: 1 items, 2 paths, 25.0% item-days censored>"
    assert so.censored_share == 0.25


def test_projected_inventory_standalone_matches_result_paths():
    h = 12
    fc = DemandForecast.from_mean(
        ["A", "B"], pd.date_range(START, periods=h), np.full((2, h), 3.0), dispersion=0.4
    )
    po = po_frame([("P1", "B", 20, "2024-03-05")])
    so = stockout_dates(fc, inv(A=30, B=10), po, n_paths=400, random_state=7)
    a = projected_inventory(so, items=["B"])
    b = projected_inventory(fc, inv(A=30, B=10), po, items=["B"], n_paths=400, random_state=7)
    assert list(a.columns) == [
        "item_id",
        "date",
        "on_hand_p10",
        "on_hand_p50",
        "on_hand_p90",
        "p_stockout",
        "status",
    ]
    # the standalone call draws its own entropy from the same seed -> the same paths
    pd.testing.assert_frame_equal(a, b)
    np.testing.assert_allclose(a["p_stockout"], so.p_stockout[1])
    assert (a["on_hand_p10"] <= a["on_hand_p50"]).all()
    assert (a["on_hand_p50"] <= a["on_hand_p90"]).all()


def test_paths_drawn_into_the_chunk_buffer_equal_paths_copied_into_it():
    # DemandForecast.sample_paths accepts ``out``: whole seed blocks are drawn straight into
    # the chunk's buffer. A wrapper without ``out`` goes through the copy; same results.
    class NoOut:
        def __init__(self, fc):
            self._fc = fc

        def __getattr__(self, name):
            return getattr(self._fc, name)

        def sample_paths(self, n_paths, *, random_state=None, items=None):
            self.calls = getattr(self, "calls", 0) + 1
            return self._fc.sample_paths(n_paths, random_state=random_state, items=items)

    rng = np.random.default_rng(3)
    n, h = 130, 10  # blocks of 64, 64 and 2 items
    ids = [f"S{i:03d}" for i in range(n)]
    fc = DemandForecast.from_mean(
        ids, pd.date_range(START, periods=h), rng.uniform(0.1, 6, (n, h)), dispersion=0.4
    )
    stock = pd.DataFrame({"item_id": ids, "on_hand_units": rng.integers(0, 40, n)})
    wrapped = NoOut(fc)
    kw = {"n_paths": 50, "random_state": 9, "chunk_size": 128}
    direct = stockout_dates(fc, stock, **kw)
    copied = stockout_dates(wrapped, stock, **kw)
    assert wrapped.calls == 3
    np.testing.assert_array_equal(direct.p_stockout, copied.p_stockout)
    pd.testing.assert_frame_equal(direct.summary, copied.summary)

"""Tests of the history layer: demand_history, item_velocity, classify_demand, stock_cover."""

from __future__ import annotations

import importlib.util
import json
import math
from pathlib import Path

import matplotlib
import numpy as np
import pandas as pd
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from stockout_forecast.exceptions import (
    DataQualityWarning,
    InsufficientHistoryError,
    SchemaError,
)
from stockout_forecast.history.classes import classify_demand
from stockout_forecast.history.demand import demand_history
from stockout_forecast.history.panel import DemandHistory
from stockout_forecast.history.velocity import item_velocity
from stockout_forecast.simulation.cover import stock_cover

matplotlib.use("Agg")

D0 = pd.Timestamp("2024-01-01")  # a Monday


def daily_sales(item: str, units: list[float], start: pd.Timestamp = D0) -> pd.DataFrame:
    """One line per day with non-zero units."""
    dates = pd.date_range(start, periods=len(units), freq="D")
    df = pd.DataFrame({"item_id": item, "date": dates, "units": np.asarray(units, float)})
    return df[df["units"] != 0].reset_index(drop=True)


def daily_stock(item: str, on_hand: list[float], start: pd.Timestamp = D0) -> pd.DataFrame:
    dates = pd.date_range(start, periods=len(on_hand), freq="D")
    return pd.DataFrame({"item_id": item, "date": dates, "on_hand_units": on_hand})


# =========================================================================== demand_history
def test_transactions_are_summed_per_day_and_zero_filled_from_first_activity():
    sales = pd.DataFrame(
        {
            "item_id": ["A", "A", "A", "B", "B"],
            "date": [
                "2024-01-01 09:00",
                "2024-01-01 17:30",
                "2024-01-03",
                "2024-01-02",
                "2024-01-02",
            ],
            "units": [2, 1, 4, 5, -2],  # B: a sale and a return the same day
        }
    )
    h = demand_history(sales, as_of="2024-01-04")
    assert list(h.item_ids) == ["A", "B"]
    assert list(h.periods.strftime("%Y-%m-%d")) == [
        "2024-01-01",
        "2024-01-02",
        "2024-01-03",
        "2024-01-04",
    ]
    # A: 2 + 1 on day 1, nothing on day 2, 4 on day 3, nothing on day 4
    # B: first activity day 2 (5 - 2 = 3), NaN before
    np.testing.assert_array_equal(h.units[0], [3.0, 0.0, 4.0, 0.0])
    np.testing.assert_array_equal(h.units[1], [np.nan, 3.0, 0.0, 0.0])
    assert not h.censored.any()
    assert h.status.loc["A", "status"] == "new"  # 4 days < 28


def test_censored_days_from_stock_history_carry_readings_forward():
    sales = daily_sales("A", [4, 6, 0, 5, 3, 0, 7, 2, 0, 8])
    # readings only on some days: day 3 reads 0 and carries to day 4 (no reading), day 5 reads
    # 10 again; day 7 reads 0. Days 1-2 have no reading before them except day 1's.
    stock = pd.DataFrame(
        {
            "item_id": "A",
            "date": pd.to_datetime(
                ["2024-01-01", "2024-01-03", "2024-01-05", "2024-01-07", "2024-01-08"]
            ),
            "on_hand_units": [10, 0, 10, 0, 10],
        }
    )
    h = demand_history(sales, stock)
    expected = np.zeros(10, bool)
    # day 3 reads 0 and sold nothing: censored. Day 4 carries the 0 but sold 5, and day 7
    # reads 0 after selling 7: stock ran out during those days, so their sales are observed
    # (a lower bound of demand) and they are not censored.
    expected[[2]] = True
    np.testing.assert_array_equal(h.censored[0], expected)
    np.testing.assert_array_equal(h.observed[0], ~expected)
    assert not h.suspected.any()  # the item has stock history: no zero-run guessing


def test_days_before_first_reading_are_treated_as_in_stock():
    sales = daily_sales("A", [1, 1, 0, 0])  # no sales once the readings show no stock
    stock = daily_stock("A", [0, 0], start=D0 + pd.Timedelta(days=2))
    h = demand_history(sales, stock)
    np.testing.assert_array_equal(h.censored[0], [False, False, True, True])


def test_weekly_aggregation_periods_start_on_monday():
    sales = pd.DataFrame(
        {
            "item_id": "A",
            "date": ["2024-01-01", "2024-01-07", "2024-01-08", "2024-01-20"],
            "units": [3, 2, 4, 1],
        }
    )
    h = demand_history(sales, freq="W", as_of="2024-01-21")
    assert list(h.periods.strftime("%Y-%m-%d")) == ["2024-01-01", "2024-01-08", "2024-01-15"]
    # week of 1 Jan: 3 + 2 (Sunday 7 Jan), week of 8 Jan: 4, week of 15 Jan: 1 (Sat 20 Jan)
    np.testing.assert_array_equal(h.units[0], [5.0, 4.0, 1.0])
    np.testing.assert_array_equal(h.period_days, [7.0, 7.0, 7.0])


def test_monthly_aggregation_and_calendar_period_days():
    sales = pd.DataFrame(
        {
            "item_id": "A",
            "date": ["2024-01-15", "2024-01-31", "2024-02-01", "2024-03-10"],
            "units": [3, 2, 4, 1],
        }
    )
    h = demand_history(sales, freq="M", as_of="2024-03-15")
    assert list(h.periods.strftime("%Y-%m-%d")) == ["2024-01-01", "2024-02-01", "2024-03-01"]
    np.testing.assert_array_equal(h.units[0], [5.0, 4.0, 1.0])
    # January 31 days, February 2024 29 days (leap year), March up to as_of: 15 days
    np.testing.assert_array_equal(h.period_days, [31.0, 29.0, 15.0])


def test_weekly_censoring_uses_the_share_of_stock_out_days():
    units = [1.0] * 21  # three full weeks, Monday 1 Jan to Sunday 21 Jan
    on_hand = [5.0] * 21
    on_hand[8] = on_hand[9] = 0.0  # week 2: 2 of 7 days out -> 2/7 = 0.29 > 0.2
    on_hand[16] = 0.0  # week 3: 1 of 7 days out -> 1/7 = 0.14 <= 0.2
    for d in (8, 9, 16):
        units[d] = 0.0  # nothing sells on a day without stock
    sales = daily_sales("A", units)
    stock = daily_stock("A", on_hand)
    h = demand_history(sales, stock, freq="W")
    np.testing.assert_array_equal(h.censored[0], [False, True, False])
    h_strict = demand_history(sales, stock, freq="W", censor_share=0.1)
    np.testing.assert_array_equal(h_strict.censored[0], [False, True, True])


def test_items_without_sales_are_kept_with_status_no_sales():
    sales = daily_sales("A", [1.0] * 30)
    stock = daily_stock("S", [4.0] * 30)  # in stock, never sold
    h = demand_history(sales, stock, items=["A", "Z"])
    assert list(h.item_ids) == ["A", "S", "Z"]
    assert np.isnan(h.units[2]).all()  # Z: listed only
    np.testing.assert_array_equal(h.units[1], np.zeros(30))  # S: 30 observed zero days
    assert h.status.loc["Z", "status"] == "no_sales"
    assert h.status.loc["S", "status"] == "no_sales"
    assert "zero demand on 30 in-stock days" in h.status.loc["S", "reason"]
    assert h.status.loc["A", "status"] == "ok"


def test_items_table_dataframe_is_accepted():
    sales = daily_sales("A", [1.0] * 3)
    h = demand_history(sales, items=pd.DataFrame({"item_id": ["B", "A"]}))
    assert list(h.item_ids) == ["A", "B"]


def test_status_codes_and_reasons():
    n = 200
    steady = [3.0] * n
    returns_only = [0.0] * 50 + [-2.0] + [0.0] * 149
    gone = [3.0] * 100 + [0.0] * 100  # no sale in the last 100 days
    newbie = [0.0] * 190 + [2.0] * 10
    sales = pd.concat(
        [
            daily_sales("OK", steady),
            daily_sales("RET", returns_only),
            daily_sales("GONE", gone),
            daily_sales("NEW", newbie),
        ]
    )
    h = demand_history(sales)
    s = h.status
    assert s.loc["OK", "status"] == "ok"
    assert s.loc["RET", "status"] == "all_returns"
    assert s.loc["RET", "reason"] == (
        "net units over the history are -2 (sales 0, returns 2): no demand to measure"
    )
    assert s.loc["NEW", "status"] == "new"
    assert s.loc["NEW", "reason"] == "only 10 days of history (fewer than 28) since 2024-07-09"
    assert s.loc["GONE", "status"] == "discontinued"
    # the trailing 100-day run is also a suspected stock-out: the reason says both
    assert "no sale in the last 90 days" in s.loc["GONE", "reason"]
    assert "or out of stock since then" in s.loc["GONE", "reason"]


def test_discontinued_is_not_claimed_when_stock_history_shows_a_stockout():
    units = [3.0] * 100 + [0.0] * 100
    sales = daily_sales("A", units)
    out = daily_stock("A", [9.0] * 100 + [0.0] * 100)
    inn = daily_stock("A", [9.0] * 200)
    assert demand_history(sales, out).status.loc["A", "status"] == "ok"
    st_in = demand_history(sales, inn).status.loc["A"]
    assert st_in["status"] == "discontinued"
    assert "or out of stock" not in st_in["reason"]


def test_fully_censored_item():
    # weekly: one unit sells each Monday, then the shelf is empty Tuesday to Sunday
    # (6 of 7 days out > censor_share 0.2), so every week is censored
    units = ([1.0] + [0.0] * 6) * 6
    on_hand = ([0.0] * 7) * 6
    h = demand_history(daily_sales("A", units), daily_stock("A", on_hand), freq="W")
    assert h.censored[0].all()
    assert h.status.loc["A", "status"] == "fully_censored"
    assert h.status.loc["A", "reason"] == (
        "all 6 weeks since first activity are stock-outs (6 censored, 0 suspected): "
        "demand never observed"
    )


def test_revenue_recorded_from_unit_price():
    sales = pd.DataFrame(
        {
            "item_id": ["A", "A", "B"],
            "date": ["2024-01-01", "2024-01-02", "2024-01-01"],
            "units": [2, -1, 3],
            "unit_price": [10.0, 10.0, 1.5],
        }
    )
    h = demand_history(sales)
    # A: 2 x 10 - 1 x 10 = 10; B: 3 x 1.5 = 4.5
    np.testing.assert_allclose(h.revenue, [10.0, 4.5])
    assert demand_history(sales.drop(columns="unit_price")).revenue is None


def test_sales_after_as_of_are_excluded_with_a_counted_warning():
    sales = daily_sales("A", [1.0] * 10)
    with pytest.warns(DataQualityWarning, match=r"sales has 3 lines dated after as_of 2024-01-07"):
        h = demand_history(sales, as_of="2024-01-07")
    assert h.n_periods == 7
    assert np.nansum(h.units) == 7.0


def test_no_history_before_as_of_raises():
    sales = daily_sales("A", [1.0] * 3, start=pd.Timestamp("2024-06-01"))
    with (
        pytest.warns(DataQualityWarning),
        pytest.raises(InsufficientHistoryError, match="no line on or before as_of 2024-01-01"),
    ):
        demand_history(sales, as_of="2024-01-01")


def test_schema_and_argument_errors_name_the_problem():
    bad = pd.DataFrame({"item_id": ["A"], "date": ["2024-01-01"], "qty": [1]})
    with pytest.raises(SchemaError, match=r"sales is missing column 'units'.*column_map=\{'qty'"):
        demand_history(bad)
    good = daily_sales("A", [1.0])
    with pytest.raises(ValueError, match="freq must be 'D', 'W' or 'M'; got 'Q'"):
        demand_history(good, freq="Q")
    with pytest.raises(ValueError, match="as_of must be a date such as '2024-03-31'; got 'soon'"):
        demand_history(good, as_of="soon")
    with pytest.raises(ValueError, match=r"censor_share must be in \[0, 1\); got 1.5"):
        demand_history(good, censor_share=1.5)
    with pytest.raises(ValueError, match=r"suspect_alpha must be a fraction in \(0, 1\)"):
        demand_history(good, suspect_alpha=0)
    with pytest.raises(ValueError, match="min_zero_run must be an integer >= 1; got 0"):
        demand_history(good, min_zero_run=0)


# --------------------------------------------------------------------------- suspected
def test_long_zero_run_in_steady_seller_is_suspected_and_short_one_is_not():
    units = [3.0] * 100
    units[40:60] = [0.0] * 20  # a 20-day gap
    units[80:85] = [0.0] * 5  # a 5-day gap
    h = demand_history(daily_sales("A", units))
    # n = 100 active days, k = 75 demand days, p = 0.75, m = k + 1 = 76 runs at most:
    # limit = log(1e-3 / 76) / log(1 - 0.75) = (-11.238) / (-1.386) = 8.11 days
    limit = math.log(1e-3 / 76) / math.log(0.25)
    assert limit == pytest.approx(8.107, abs=1e-3)
    expected = np.zeros(100, bool)
    expected[40:60] = True  # 20 > 8.11 and >= 7; the 5-day gap is neither
    np.testing.assert_array_equal(h.suspected[0], expected)
    assert h.status.loc["A", "status"] == "ok"
    assert h.status.loc["A", "reason"] == (
        "20 days in suspected stock-outs (long zero runs; no stock history)"
    )


def test_zero_run_threshold_is_strictly_above_the_limit():
    # 60 days, two gaps of 8 and 9 days: n = 60, k = 43, p = 43/60, m = 44
    # limit = log(1e-3/44) / log(17/60) = (-10.692) / (-1.261) = 8.48: 9 flagged, 8 not
    units = [2.0] * 60
    units[10:18] = [0.0] * 8
    units[40:49] = [0.0] * 9
    limit = math.log(1e-3 / 44) / math.log(1 - 43 / 60)
    assert 8 < limit < 9
    h = demand_history(daily_sales("A", units))
    assert not h.suspected[0, 10:18].any()
    assert h.suspected[0, 40:49].all()
    assert h.suspected[0].sum() == 9
    # a larger min_zero_run overrides the probability limit
    assert not demand_history(daily_sales("A", units), min_zero_run=10).suspected.any()


def test_no_false_alarm_on_intermittent_items():
    # 50 intermittent items, demand on ~10% of days over two years: natural gaps reach 60+
    # days, which a rule like "3 x mean interval" would flag; the union-bound test must not.
    rng = np.random.default_rng(7)
    occ = rng.random((50, 730)) < 0.1
    units = np.where(occ, rng.integers(1, 5, (50, 730)), 0)
    ii, tt = np.nonzero(units)
    sales = pd.DataFrame(
        {
            "item_id": [f"I{i:02d}" for i in ii],
            "date": D0 + pd.to_timedelta(tt, unit="D"),
            "units": units[ii, tt].astype(float),
        }
    )
    h = demand_history(sales, as_of=D0 + pd.Timedelta(days=729))
    longest = max(np.diff(np.flatnonzero(row)).max() - 1 for row in occ)
    assert longest > 3 * 10  # the naive rule would fire
    assert not h.suspected.any()


def test_suspect_stockouts_can_be_switched_off_and_skips_items_with_stock_history():
    units = [3.0] * 100
    units[40:60] = [0.0] * 20
    sales = pd.concat([daily_sales("A", units), daily_sales("B", units)])
    assert not demand_history(sales, suspect_stockouts=False).suspected.any()
    stock_b = daily_stock("B", [5.0] * 100)  # B in stock all along: the gap is real zero demand
    h = demand_history(sales, stock_b)
    assert h.suspected[0].sum() == 20
    assert h.suspected[1].sum() == 0


# =========================================================================== item_velocity
def test_velocity_counts_only_in_stock_days():
    units = [4, 6, 0, 5, 3, 0, 0, 2, 0, 8]
    on_hand = [10, 10, 0, 10, 10, 10, 0, 10, 10, 10]  # days 3 and 7: no stock, no sale
    h = demand_history(daily_sales("A", units), daily_stock("A", on_hand))
    v = item_velocity(h, windows=(7, 10)).iloc[0]
    # last 7 days = days 4..10; in stock: 4, 5, 6, 8, 9, 10 (day 7 censored)
    # units on those days 5 + 3 + 0 + 2 + 0 + 8 = 18 over 6 days = 3.0 per day
    assert v["velocity_7d"] == pytest.approx(3.0)
    assert v["in_stock_days_7d"] == 6
    # all 10 days: in stock 1, 2, 4, 5, 6, 8, 9, 10 -> (4+6+5+3+0+2+0+8) / 8 = 28 / 8 = 3.5
    assert v["velocity_10d"] == pytest.approx(3.5)
    assert v["in_stock_days_10d"] == 8
    assert v["trend_ratio"] == pytest.approx(3.0 / 3.5)
    # total units count every sale: 4+6+5+3+2+8 = 28
    assert v["total_units"] == 28.0
    assert v["last_sale_date"] == pd.Timestamp("2024-01-10")
    assert v["first_sale_date"] == pd.Timestamp("2024-01-01")


def test_ewm_velocity_by_hand():
    h = demand_history(daily_sales("A", [2, 4, 6]))
    v = item_velocity(h, windows=(1, 3), halflife_days=1.0).iloc[0]
    # ages 2, 1, 0 days -> weights 0.25, 0.5, 1: (0.5 + 2 + 6) / 1.75 = 4.857
    assert v["velocity_ewm"] == pytest.approx(8.5 / 1.75)
    stock = daily_stock("A", [5, 0, 5])  # middle day censored: (0.5 + 6) / 1.25 = 5.2
    hc = demand_history(daily_sales("A", [2, 0, 6]), stock)
    assert item_velocity(hc, windows=(1, 3), halflife_days=1.0).iloc[0][
        "velocity_ewm"
    ] == pytest.approx(5.2)


def test_ewm_weights_that_underflow_are_rescaled():
    # last sale 400 days before as_of with a 1-day half-life: 0.5**400 underflows to ~1e-121,
    # and 0.5**1100 to 0; the item still has a velocity (its own most recent observed days).
    units = [4.0, 2.0] + [0.0] * 1100
    stock = daily_stock("A", [5, 5] + [0] * 1100)
    h = demand_history(daily_sales("A", units), stock)
    v = item_velocity(h, windows=(7, 28), halflife_days=1.0).iloc[0]
    # ages 1101 and 1100 days -> relative weights 0.5, 1: (2 + 2) / 1.5 = 2.667
    assert v["velocity_ewm"] == pytest.approx(4.0 / 1.5)


def test_velocity_of_weekly_and_monthly_histories_is_per_day():
    sales = pd.DataFrame(
        {
            "item_id": "A",
            "date": ["2024-01-01", "2024-01-07", "2024-01-08", "2024-01-20"],
            "units": [3, 2, 4, 1],
        }
    )
    hw = demand_history(sales, freq="W", as_of="2024-01-21")
    vw = item_velocity(hw, windows=(7, 14)).iloc[0]
    # 7 days: weeks starting after 14 Jan -> week of 15 Jan: 1 unit / 7 days
    assert vw["velocity_7d"] == pytest.approx(1 / 7)
    # 14 days: weeks of 8 and 15 Jan: (4 + 1) / 14
    assert vw["velocity_14d"] == pytest.approx(5 / 14)
    assert vw["in_stock_days_14d"] == 14
    msales = pd.DataFrame(
        {
            "item_id": "A",
            "date": ["2024-01-15", "2024-01-31", "2024-02-01", "2024-03-10"],
            "units": [3, 2, 4, 1],
        }
    )
    hm = demand_history(msales, freq="M", as_of="2024-03-15")
    vm = item_velocity(hm, windows=(30, 60)).iloc[0]
    # 30 days: March only (1 unit over 15 days up to as_of)
    assert vm["velocity_30d"] == pytest.approx(1 / 15)
    # 60 days: February (29 days) and March (15 days): 5 units / 44 days
    assert vm["velocity_60d"] == pytest.approx(5 / 44)


def test_velocity_as_of_earlier_date_and_invalid_as_of():
    h = demand_history(daily_sales("A", [1, 2, 3, 4, 5, 6, 7, 8]))
    v = item_velocity(h, windows=(2, 4), as_of="2024-01-05").iloc[0]
    # as of day 5: last 2 days are days 4, 5 -> (4 + 5) / 2
    assert v["velocity_2d"] == pytest.approx(4.5)
    assert v["total_units"] == 15.0
    with pytest.raises(ValueError, match="as_of must fall within the history"):
        item_velocity(h, as_of="2025-01-01")
    hw = demand_history(daily_sales("A", [1.0] * 21), freq="W")
    with pytest.raises(ValueError, match="inside a period of this 'W' history"):
        item_velocity(hw, windows=(7, 14), as_of="2024-01-10")
    # the Sunday closing a week is fine
    assert item_velocity(hw, windows=(7, 14), as_of="2024-01-14").iloc[0]["velocity_7d"] == 1.0


def test_velocity_status_partial_when_a_window_has_no_in_stock_day():
    units = [2.0] * 25 + [0.0] * 5
    on_hand = [5.0] * 25 + [0.0] * 5  # out of stock (and no sales) for the last 5 days
    h = demand_history(daily_sales("A", units), daily_stock("A", on_hand))
    v = item_velocity(h, windows=(3, 5, 28)).iloc[0]
    assert np.isnan(v["velocity_3d"])
    assert np.isnan(v["velocity_5d"])
    assert v["velocity_28d"] == pytest.approx(2.0)
    assert v["status"] == "partial"
    assert v["reason"] == "no in-stock days in the last 3, 5 days; 5 censored days (out of stock)"


def test_velocity_argument_errors():
    h = demand_history(daily_sales("A", [1.0] * 5))
    with pytest.raises(ValueError, match="windows needs at least two lengths"):
        item_velocity(h, windows=(7,))
    with pytest.raises(ValueError, match="windows must be an integer >= 1; got 0"):
        item_velocity(h, windows=(0, 7))
    with pytest.raises(ValueError, match="halflife_days must be a positive number"):
        item_velocity(h, halflife_days=0)
    with pytest.raises(TypeError, match="history must be a DemandHistory"):
        item_velocity(pd.DataFrame())


def test_velocity_of_history_built_by_hand_derives_status():
    h = DemandHistory(
        item_ids=np.array(["A", "B"], dtype=object),
        periods=pd.date_range("2024-01-01", periods=3),
        freq="D",
        units=np.array([[1.0, 2.0, 3.0], [np.nan, np.nan, np.nan]]),
        censored=np.zeros((2, 3), bool),
        suspected=np.zeros((2, 3), bool),
        as_of=pd.Timestamp("2024-01-03"),
    )
    v = item_velocity(h, windows=(2, 3))
    assert v["velocity_3d"].iloc[0] == pytest.approx(2.0)
    assert list(v["status"]) == ["new", "no_sales"]


# =========================================================================== classify_demand
def _class_of(units: list[float]) -> pd.Series:
    """Classes of one daily series; the history runs to its last day (trailing zeros count)."""
    as_of = D0 + pd.Timedelta(days=len(units) - 1)
    h = demand_history(daily_sales("A", units), suspect_stockouts=False, as_of=as_of)
    return classify_demand(h).iloc[0]


@pytest.mark.parametrize(
    ("units", "adi", "cv2", "label"),
    [
        # every day, sizes 4, 6 repeated: mean 5, squared deviations 8 x 1, sample var 8/7
        # -> cv2 = (8/7) / 25 = 0.0457
        ([4.0, 6.0] * 4, 1.0, (8 / 7) / 25, "smooth"),
        # every day, sizes 1, 9: mean 5, squared deviations 8 x 16, sample var 128/7 -> 0.731
        ([1.0, 9.0] * 4, 1.0, (16 * 8 / 7) / 25, "erratic"),
        # every 2nd day, size 5: adi = 8 / 4 = 2, cv2 = 0
        ([5.0, 0.0] * 4, 2.0, 0.0, "intermittent"),
        # every 2nd day, sizes 1, 9: adi = 2, sample var of (1, 9, 1, 9) = 64/3 -> 0.853
        ([1.0, 0.0, 9.0, 0.0] * 2, 2.0, (64 / 3) / 25, "lumpy"),
    ],
)
def test_syntetos_boylan_classes(units, adi, cv2, label):
    c = _class_of(units)
    assert c["adi"] == pytest.approx(adi)
    assert c["cv2"] == pytest.approx(cv2)
    assert c["demand_class"] == label


def test_boundary_values_fall_on_the_smooth_side():
    # ADI exactly 1.32: 33 observed days with 25 demands (33 / 25 = 1.32), constant sizes
    units = [2.0] * 25 + [0.0] * 8
    c = _class_of(units)
    assert c["adi"] == 1.32
    assert c["demand_class"] == "smooth"
    c = _class_of([2.0] * 24 + [0.0] * 9)  # 33 / 24 = 1.375 > 1.32
    assert c["demand_class"] == "intermittent"
    # CV^2 exactly 0.49: sizes 3, 10, 17: mean 10, sample var (49 + 0 + 49) / 2 = 49, 49/100
    c = _class_of([3.0, 10.0, 17.0])
    assert c["cv2"] == 0.49
    assert c["demand_class"] == "smooth"
    c = _class_of([2.0, 10.0, 18.0])  # var (64 + 64) / 2 = 64 -> 0.64 > 0.49
    assert c["demand_class"] == "erratic"


def test_insufficient_and_censored_periods_are_left_out():
    c = _class_of([5.0, 0.0, 0.0])
    assert c["demand_class"] == "insufficient"
    assert np.isnan(c["cv2"])
    assert c["reason"] == (
        "only 3 days of history (fewer than 28) since 2024-01-01; "
        "demand class needs 2 demand periods; found 1 in 3 observed"
    )
    # censored days are not observed: 6 days, days 2 and 4 censored (no stock, no sale),
    # demand on 1, 3, 5
    units = [5, 0, 5, 0, 5, 0]
    stock = daily_stock("A", [3, 0, 3, 0, 3, 3])
    h = demand_history(daily_sales("A", units), stock)
    c = classify_demand(h).iloc[0]
    assert c["n_periods_observed"] == 4
    assert c["n_demand_periods"] == 3
    assert c["adi"] == pytest.approx(4 / 3)


def test_xyz_by_coefficient_of_variation():
    sales = pd.concat(
        [
            daily_sales("X", [10, 10, 10, 10]),  # cv = 0
            daily_sales("Y", [2, 6, 2, 6]),  # mean 4, sd (ddof 1) sqrt(16/3) = 2.31 -> 0.577
            daily_sales("Z", [1, 0, 0, 9]),  # mean 2.5, sd sqrt(57/3) = 4.36 -> 1.744
        ]
    )
    c = classify_demand(demand_history(sales, suspect_stockouts=False)).set_index("item_id")
    assert c.loc["X", "cv"] == pytest.approx(0.0)
    assert c.loc["Y", "cv"] == pytest.approx(math.sqrt(16 / 3) / 4)
    assert c.loc["Z", "cv"] == pytest.approx(math.sqrt(57 / 3) / 2.5)
    assert list(c["xyz"]) == ["X", "Y", "Z"]


def test_abc_by_revenue_series_units_and_sales_frame():
    sales = pd.concat([daily_sales(i, [u]) for i, u in [("A", 50), ("B", 30), ("C", 15), ("D", 5)]])
    h = demand_history(sales)
    # by units 50, 30, 15, 5 of 100: share above A 0 -> A; B 0.5 -> A; C 0.8 -> B; D 0.95 -> C
    c = classify_demand(h)
    assert list(c["abc"]) == ["A", "A", "B", "C"]
    assert list(c["abc_basis"].unique()) == ["units"]
    np.testing.assert_allclose(c["abc_share_cum"], [0.5, 0.8, 0.95, 1.0])
    # a revenue Series reverses the ranking: D 100, C 1, B 1, A missing
    rev = pd.Series({"D": 100.0, "C": 1.0, "B": 1.0})
    c = classify_demand(h, revenue=rev).set_index("item_id")
    assert c.loc["D", "abc"] == "A"
    assert c.loc["A", "abc"] == "C"
    assert "no revenue given: ranked as C" in c.loc["A", "reason"]
    # a sales frame with unit_price: A 50 x 1, B 30 x 10 = 300 -> B first
    priced = sales.assign(unit_price=[1.0, 10.0, 1.0, 1.0])
    c = classify_demand(h, revenue=priced).set_index("item_id")
    assert c.loc["B", "abc_value"] == 300.0
    assert c.loc["B", "abc"] == "A"
    assert c.loc["B", "abc_basis"] == "revenue"
    # the same, recorded by demand_history from unit_price
    c2 = classify_demand(demand_history(priced)).set_index("item_id")
    assert c2.loc["B", "abc_value"] == 300.0
    assert c2.loc["B", "abc_basis"] == "revenue"


def test_classify_argument_errors():
    h = demand_history(daily_sales("A", [1.0, 2.0]))
    with pytest.raises(ValueError, match="abc_thresholds must be two increasing fractions"):
        classify_demand(h, abc_thresholds=(0.95, 0.8))
    with pytest.raises(ValueError, match="xyz_thresholds must be two increasing"):
        classify_demand(h, xyz_thresholds=(1.0, 0.5))
    with pytest.raises(SchemaError, match="revenue \\(a sales table\\) has no 'unit_price'"):
        classify_demand(h, revenue=daily_sales("A", [1.0]))
    with pytest.raises(SchemaError, match="revenue has duplicate item ids 1 \\('A'\\)"):
        classify_demand(h, revenue=pd.Series([1.0, 2.0], index=["A", "A"]))
    with pytest.raises(TypeError, match="revenue must be None, a Series"):
        classify_demand(h, revenue=[1.0])


# =========================================================================== stock_cover
def _cover(on_hand, velocity, pos=(), *, back=0.0, horizon=365, **kw):
    inv = pd.DataFrame({"item_id": ["A"], "on_hand_units": [on_hand], "backordered_units": [back]})
    vel = pd.DataFrame({"item_id": ["A"], "velocity_28d": [velocity]})
    po = pd.DataFrame(
        {
            "po_id": [f"P{i}" for i in range(len(pos))],
            "item_id": "A",
            "supplier_id": "S",
            "units": [u for u, _ in pos],
            "order_date": "2023-12-01",
            "expected_date": [D0 + pd.Timedelta(days=k) for _, k in pos],
        }
    )
    return stock_cover(inv, vel, po, as_of=D0, horizon=horizon, **kw).iloc[0]


def test_stock_cover_with_a_purchase_order_arriving_midway():
    # 10 on hand, 2/day, 20 arriving at the start of day 3:
    # supply S_k = 10 for k = 1, 2 and 30 from k = 3; demand 2k first exceeds 30 at k = 16
    # cover = (16 - 1) + (30 - 2 * 15) / 2 = 15.0 days; stockout on 1 Jan + 16 = 17 Jan
    c = _cover(10.0, 2.0, [(20.0, 3)])
    assert c["days_of_cover"] == pytest.approx(15.0)
    assert c["stockout_date"] == pd.Timestamp("2024-01-17")
    assert c["next_receipt_date"] == pd.Timestamp("2024-01-04")
    assert c["next_receipt_units"] == 20.0
    assert c["open_po_units"] == 20.0
    assert c["status"] == "ok"


def test_stock_cover_purchase_order_too_late_and_fractional_cover():
    # PO at day 8 arrives after the stock ran out: 2k > 10 first at k = 6 -> 7 Jan, cover 5.0
    c = _cover(10.0, 2.0, [(20.0, 8)])
    assert c["stockout_date"] == pd.Timestamp("2024-01-07")
    assert c["days_of_cover"] == pytest.approx(5.0)
    # 11 on hand at 2/day: 2k > 11 at k = 6; cover = 5 + (11 - 10) / 2 = 5.5
    c = _cover(11.0, 2.0)
    assert c["days_of_cover"] == pytest.approx(5.5)
    assert c["stockout_date"] == pd.Timestamp("2024-01-07")
    # 0.1/day: floating sums like 0.1 * 30 must not stock out a day early: 3 units last 30 days
    c = _cover(3.0, 0.1)
    assert c["stockout_date"] == pd.Timestamp("2024-01-01") + pd.Timedelta(days=31)


def test_stock_cover_backorders_short_items_and_horizon():
    # on hand 10 - backordered 4 = 6 available at 1/day: cover 6, stockout day 7
    c = _cover(10.0, 1.0, back=4.0)
    assert c["available_units"] == 6.0
    assert c["days_of_cover"] == pytest.approx(6.0)
    # already short: stockout on as_of even with a PO coming
    c = _cover(3.0, 1.0, [(50.0, 2)], back=5.0)
    assert c["status"] == "short"
    assert c["stockout_date"] == D0
    assert c["days_of_cover"] == 0.0
    assert c["reason"] == (
        "already short: available -2 units (on hand 3 - backordered 5 - allocated 0)"
    )
    # beyond the horizon: no date, cover = S_H / v
    c = _cover(1000.0, 1.0, horizon=365)
    assert pd.isna(c["stockout_date"])
    assert c["days_of_cover"] == pytest.approx(1000.0)
    assert c["reason"] == "no stockout within the 365-day horizon"


def test_stock_cover_overdue_and_received_orders_are_not_supply():
    inv = pd.DataFrame({"item_id": ["A"], "on_hand_units": [10.0]})
    vel = pd.DataFrame({"item_id": ["A"], "velocity_28d": [2.0]})
    po = pd.DataFrame(
        {
            "po_id": ["OVERDUE", "DONE", "OPEN"],
            "item_id": "A",
            "supplier_id": "S",
            "units": [7.0, 100.0, 10.0],
            "order_date": "2023-12-01",
            "expected_date": pd.to_datetime(["2023-12-28", "2024-01-03", "2024-01-04"]),
            "received_date": pd.to_datetime([None, "2024-01-01", None]),
            "received_units": [np.nan, 100.0, np.nan],
        }
    )
    c = stock_cover(inv, vel, po, as_of=D0).iloc[0]
    # supply 10 + 10 from day 3: 2k > 20 at k = 11 -> cover 10, stockout 12 Jan
    assert c["days_of_cover"] == pytest.approx(10.0)
    assert c["stockout_date"] == pd.Timestamp("2024-01-12")
    assert c["open_po_units"] == 17.0
    assert c["overdue_po_units"] == 7.0
    assert c["reason"] == "7 open PO units overdue (not counted as supply)"


def test_stock_cover_keeps_every_item_with_a_status():
    inv = pd.DataFrame(
        {
            "item_id": ["INV_ONLY", "NODEMAND", "NOVEL", "OK"],
            "on_hand_units": [5.0, 5.0, 5.0, 5.0],
            "as_of": "2024-01-01",
        }
    )
    vel = pd.DataFrame(
        {
            "item_id": ["NODEMAND", "NOVEL", "OK", "VEL_ONLY"],
            "velocity_28d": [0.0, np.nan, 1.0, 1.0],
            "reason": ["", "only 3 days of history", "", ""],
        }
    )
    c = stock_cover(inv, vel).set_index("item_id")
    assert list(c.index) == ["INV_ONLY", "NODEMAND", "NOVEL", "OK", "VEL_ONLY"]
    assert c.loc["INV_ONLY", "status"] == "no_velocity"
    assert c.loc["NODEMAND", "status"] == "no_demand"
    assert c.loc["NOVEL", "status"] == "no_velocity"
    assert c.loc["NOVEL", "reason"] == "velocity_28d is missing: only 3 days of history"
    assert c.loc["OK", "status"] == "ok"
    assert c.loc["OK", "stockout_date"] == pd.Timestamp("2024-01-07")  # as_of from inventory
    assert c.loc["VEL_ONLY", "status"] == "no_inventory"


def test_stock_cover_errors():
    inv = pd.DataFrame({"item_id": ["A"], "on_hand_units": [1.0]})
    vel = pd.DataFrame({"item_id": ["A"], "velocity_7d": [1.0]})
    with pytest.raises(SchemaError, match="velocity is missing column 'velocity_28d'"):
        stock_cover(inv, vel, as_of=D0)
    dup = pd.DataFrame({"item_id": ["A", "A"], "velocity_28d": [1.0, 2.0]})
    with pytest.raises(SchemaError, match=r"velocity has duplicate item ids 1 \('A'\)"):
        stock_cover(inv, dup, as_of=D0)
    ok = pd.DataFrame({"item_id": ["A"], "velocity_28d": [1.0]})
    with pytest.raises(ValueError, match="stock_cover needs the snapshot date: pass as_of"):
        stock_cover(inv, ok)
    with pytest.raises(ValueError, match="horizon must be an integer >= 1"):
        stock_cover(inv, ok, as_of=D0, horizon=0)


def _cover_by_loop(available: float, v: float, receipts: dict[int, float], horizon: int):
    """Reference: walk day by day (per item; tests only)."""
    if available <= 0:
        return 0
    stock = available
    for k in range(1, horizon + 1):
        stock += receipts.get(k, 0.0)
        if v > stock + 1e-9 * max(1.0, abs(stock + v * (k - 1))):
            return k
        stock -= v
    return None


@settings(max_examples=60, deadline=None)
@given(
    on_hand=st.integers(0, 60),
    velocity=st.sampled_from([0.5, 1.0, 1.5, 2.0, 3.0, 7.0]),
    pos=st.lists(st.tuples(st.integers(1, 40), st.integers(1, 30)), max_size=3),
    extra=st.integers(0, 20),
)
def test_stock_cover_matches_a_day_by_day_walk_and_more_stock_never_hurts(
    on_hand, velocity, pos, extra
):
    receipts: dict[int, float] = {}
    for units, day in pos:
        receipts[day] = receipts.get(day, 0.0) + units
    c = _cover(float(on_hand), velocity, [(float(u), d) for u, d in pos], horizon=120)
    k = _cover_by_loop(float(on_hand), velocity, receipts, 120)
    if k is None:
        assert pd.isna(c["stockout_date"])
    else:
        assert c["stockout_date"] == D0 + pd.Timedelta(days=k)
    more = _cover(float(on_hand + extra), velocity, [(float(u), d) for u, d in pos], horizon=120)
    if not pd.isna(c["stockout_date"]):
        assert pd.isna(more["stockout_date"]) or more["stockout_date"] >= c["stockout_date"]
        assert more["days_of_cover"] >= c["days_of_cover"]


# =========================================================================== properties
@settings(max_examples=25, deadline=None)
@given(
    units=st.lists(st.integers(0, 9), min_size=5, max_size=60),
    out=st.lists(st.booleans(), min_size=60, max_size=60),
    w=st.integers(1, 60),
)
def test_velocity_equals_mean_over_in_stock_days(units, out, w):
    assume(any(units))
    n = len(units)
    on_hand = [0.0 if o else 5.0 for o in out[:n]]
    h = demand_history(daily_sales("A", units), daily_stock("A", on_hand))
    # a day is in stock unless it ended with no stock *and* sold nothing (sell-out days count)
    in_stock = [on_hand[i] > 0 or units[i] > 0 for i in range(n)]
    v = item_velocity(h, windows=(w, w + 1)).iloc[0]
    # life starts at the first sale or the first day with stock on hand, whichever is first
    first = min(
        next(i for i, u in enumerate(units) if u),
        next((i for i, o in enumerate(on_hand) if o > 0), n),
    )
    days = [i for i in range(max(first, n - w), n) if in_stock[i]]
    if days:
        assert v[f"velocity_{w}d"] == pytest.approx(sum(units[i] for i in days) / len(days))
    else:
        assert np.isnan(v[f"velocity_{w}d"])
    assert v[f"in_stock_days_{w}d"] == len(days)


# =========================================================================== DemandHistory
def test_demand_history_result_methods():
    units = [3.0] * 60
    units[20:40] = [0.0] * 20
    sales = pd.concat([daily_sales("A", units), daily_sales("B", [1.0] * 60)])
    sales["unit_price"] = 2.0
    h = demand_history(sales, items=["C"])
    assert "3 items x 60 periods" in repr(h)
    assert "item-periods censored or suspected" in repr(h)
    assert "items flagged" in h._repr_html_()
    d = h.to_dict()
    json.dumps(d)  # JSON-able
    assert d["periods"][0] == "2024-01-01"
    assert d["units"][2][0] is None  # C: no sales, NaN -> None
    assert d["status"][2] == {
        "item_id": "C",
        "status": "no_sales",
        "reason": "no sales line on or before 2024-02-29",
    }
    assert d["revenue"] == [240.0, 120.0, 0.0]
    sub = h.subset(["B", "A"])
    np.testing.assert_array_equal(sub.revenue, [120.0, 240.0])
    assert list(sub.status.index) == ["B", "A"]
    long = h.to_frame()
    assert long["suspected_stockout"].sum() == 20
    ax = h.plot(["A"])
    assert len(ax.get_lines()) == 1
    assert ax.get_ylabel() == "units per day"
    ax2 = h.plot()  # default: items with the most units
    assert [t.get_text() for t in ax2.get_legend().get_texts()] == ["A", "B", "C"]
    with pytest.raises(KeyError, match="Items not in the history"):
        h.plot(["nope"])
    import matplotlib.pyplot as plt

    plt.close("all")


def test_inputs_are_not_mutated():
    sales = pd.DataFrame(
        {
            "item_id": ["A", "A", "B"],
            "date": ["2024-01-01", "2024-01-05", "2024-01-02"],
            "units": [2, 3, 1],
            "unit_price": [1.0, 1.0, 2.0],
        }
    )
    stock = daily_stock("A", [5, 0, 5, 5, 5])
    inv = pd.DataFrame({"item_id": ["A", "B"], "on_hand_units": [4, 1], "as_of": "2024-01-05"})
    po = pd.DataFrame(
        {
            "po_id": ["P"],
            "item_id": ["A"],
            "supplier_id": ["S"],
            "units": [5],
            "order_date": ["2024-01-01"],
            "expected_date": ["2024-01-09"],
        }
    )
    copies = [df.copy(deep=True) for df in (sales, stock, inv, po)]
    h = demand_history(sales, stock)
    vel = item_velocity(h)
    vel_copy = vel.copy(deep=True)
    classify_demand(h, revenue=sales)
    stock_cover(inv, vel, po)
    for before, after in zip(copies, (sales, stock, inv, po), strict=True):
        pd.testing.assert_frame_equal(before, after)
    pd.testing.assert_frame_equal(vel_copy, vel)


# =========================================================================== benchmark smoke
def _load_bench():
    path = Path(__file__).resolve().parents[1] / "benchmarks" / "bench_history.py"
    spec = importlib.util.spec_from_file_location("bench_history", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_benchmark_reference_and_ours_agree_on_200_items():
    bench = _load_bench()
    sales = bench.generate_sales(200, 200, seed=3)
    as_of = pd.Timestamp(bench.START + np.timedelta64(199, "D"))
    ours = bench.run_ours(sales, as_of)
    ref = bench.run_reference(sales, as_of)
    assert bench.compare(ours, ref) == ours[0].shape[0] > 150
    vel, cls = ours
    # the comparison covers real variety: several classes, statuses and suspected runs
    assert cls["demand_class"].nunique() >= 3
    assert vel["status"].nunique() >= 2
    assert (vel["in_stock_days_90d"] < 90).any()
    # and it would notice a difference
    broken = (ref[0].assign(velocity_28d=ref[0]["velocity_28d"] * 1.001), ref[1])
    with pytest.raises(AssertionError, match=r"velocity\.velocity_28d differs"):
        bench.compare(ours, broken)


def test_sell_out_day_is_observed_but_a_day_without_stock_is_censored():
    # A sells 9 on day 2, emptying the shelf (reads 0); day 3 reads 0 and sells nothing.
    # Day 2 is observed (demand >= 9), day 3 censored: velocity over days 1, 2, 4 is
    # (1 + 9 + 1) / 3 = 3.667 per day, not (1 + 1) / 2 = 1 as it would be if the sell-out
    # day were dropped.
    sales = daily_sales("A", [1, 9, 0, 1])
    stock = pd.DataFrame(
        {
            "item_id": "A",
            "date": pd.date_range("2024-01-01", periods=4),
            "on_hand_units": [9, 0, 0, 5],
        }
    )
    h = demand_history(sales, stock)
    np.testing.assert_array_equal(h.censored[0], [False, False, True, False])
    v = item_velocity(h, windows=(7, 28))
    assert v.loc[0, "velocity_7d"] == pytest.approx(11 / 3)

"""Frequencies as users have them (issue 9): inferred from the dates, anchored, kept in outputs.

Daily; weekly with any anchor ``W-MON`` ... ``W-SUN``; months labelled by their first or last
day. The horizon counts periods of that frequency and says so. Numeric, string and mixed item
ids. An item that never sold is ``no_demand``, distinct from one whose returns cancel its sales.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import stockout_forecast as sof
from stockout_forecast.history._common import infer_freq, normalize_freq


def weekly_sales(weekday: str, ids, n_weeks: int = 60, seed: int = 0) -> pd.DataFrame:
    """Per-week totals dated on ``weekday`` (e.g. "MON"), one row per item and week."""
    rng = np.random.default_rng(seed)
    dates = pd.date_range("2023-01-02", periods=n_weeks, freq=f"W-{weekday}")
    return pd.DataFrame(
        {
            "item_id": np.repeat(np.asarray(ids, dtype=object), n_weeks),
            "date": np.tile(dates, len(ids)),
            "units": rng.poisson(6.0, n_weeks * len(ids)),
        }
    )


def test_weekly_monday_data_numeric_ids_default_arguments_give_a_weekly_forecast():
    """The issue's case: dated on Mondays, numeric ids, no freq given, horizon in weeks."""
    sales = weekly_sales("MON", [101, 202, 303])
    hist = sof.demand_history(sales)
    assert (hist.freq, hist.anchor) == ("W", "W-MON")
    assert hist.n_periods == 60  # one period per week, not 7 x 60 days
    assert (hist.periods.day_of_week == 0).all()
    assert hist.item_ids.tolist() == ["101", "202", "303"]
    fc = sof.forecast_demand(hist, horizon=8, random_state=0)
    assert fc.freq == "W"
    assert fc.horizon == 8
    assert fc.horizon_unit == "weeks"
    assert "horizon 8 weeks (W-MON)" in repr(fc)
    assert (fc.dates == pd.date_range(hist.periods[-1], periods=9, freq="7D")[1:]).all()
    assert (fc.to_frame()["date"].dt.day_of_week == 0).all()
    d = fc.to_dict()
    assert (d["freq"], d["anchor"], d["horizon"], d["horizon_unit"]) == ("W", "W-MON", 8, "weeks")
    # about 6 units a week, not 6 / 7 a day
    assert np.nanmean(fc.mean) == pytest.approx(6.0, rel=0.2)


@pytest.mark.parametrize("weekday", ["TUE", "WED", "SUN"])
def test_any_weekly_anchor_is_inferred_and_kept(weekday):
    sales = weekly_sales(weekday, ["A", "B"], n_weeks=30)
    hist = sof.demand_history(sales)
    assert hist.anchor == f"W-{weekday}"
    # every sales date is the label of its own period, units unchanged
    assert set(pd.DatetimeIndex(sales["date"])) == set(hist.labels)
    assert np.nansum(hist.units) == sales["units"].sum()
    fc = sof.forecast_demand(hist, horizon=4, random_state=0)
    assert (fc.to_frame()["date"].dt.day_name().str[:3].str.upper() == weekday).all()
    assert fc.labels[0] == hist.labels[-1] + pd.Timedelta(days=7)
    # the same anchor given explicitly gives the same history
    same = sof.demand_history(sales, freq=f"W-{weekday}")
    np.testing.assert_array_equal(same.units, hist.units)


def test_daily_transactions_into_anchored_weeks():
    """freq="W-WED" groups days into weeks starting Wednesday, labelled by that Wednesday."""
    days = pd.date_range("2024-01-01", "2024-01-21", freq="D")  # a Monday to a Sunday
    sales = pd.DataFrame({"item_id": "A", "date": days, "units": 1})
    hist = sof.demand_history(sales, freq="W-WED")
    # weeks: Wed 2023-12-27 (Jan 1-2: 2 days), Jan 3-9, Jan 10-16, Jan 17-21 (5 days)
    assert hist.labels.strftime("%Y-%m-%d").tolist() == [
        "2023-12-27",
        "2024-01-03",
        "2024-01-10",
        "2024-01-17",
    ]
    np.testing.assert_array_equal(hist.units[0], [2.0, 7.0, 7.0, 5.0])
    assert normalize_freq("W") == "W-MON"


@pytest.mark.parametrize(("label", "anchor"), [("MS", "MS"), ("ME", "ME")])
def test_monthly_start_or_end_is_inferred_and_kept(label, anchor):
    dates = pd.date_range("2022-01-01", periods=24, freq=label)
    rng = np.random.default_rng(1)
    sales = pd.DataFrame(
        {
            "item_id": np.repeat(["X", "Y"], 24),
            "date": np.tile(dates, 2),
            "units": rng.poisson(20, 48),
        }
    )
    hist = sof.demand_history(sales)
    assert (hist.freq, hist.anchor) == ("M", anchor)
    assert (hist.labels == dates).all()
    assert (hist.periods.day == 1).all()  # periods are month starts inside, always
    fc = sof.forecast_demand(hist, horizon=3, random_state=0)
    expected = pd.date_range(dates[-1], periods=4, freq=label)[1:]
    assert (fc.labels == expected).all()
    assert (fc.to_frame()["date"].drop_duplicates().to_numpy() == expected.to_numpy()).all()
    assert "horizon 3 months" in repr(fc)


def test_inference_needs_every_date_to_agree():
    day = lambda s: pd.DatetimeIndex(s).to_numpy().astype("datetime64[D]").astype(np.int64)  # noqa: E731
    assert infer_freq(day(["2024-01-01", "2024-01-08", "2024-01-09"])) == "D"  # one Tuesday
    assert infer_freq(day(["2024-01-01", "2024-03-01"])) == "MS"
    assert infer_freq(day(["2024-01-31", "2024-02-29"])) == "ME"
    assert infer_freq(day(["2024-01-03", "2024-01-17", "2024-02-07"])) == "W-WED"
    assert infer_freq(day(["2024-01-03"])) == "D"  # one date: nothing to infer from


def test_mixed_numeric_and_string_ids():
    sales = weekly_sales("MON", [7, "A-7", 3.5], n_weeks=20)
    hist = sof.demand_history(sales)
    assert sorted(hist.item_ids.tolist()) == sorted(["7", "A-7", "3.5"])
    fc = sof.forecast_demand(hist, horizon=2, random_state=0)
    assert fc.to_frame()["item_id"].nunique() == 3
    assert np.isfinite(fc.mean).all()


def test_never_sold_is_no_demand_distinct_from_returns_only():
    sales = pd.DataFrame(
        {
            "item_id": ["sold"] * 40 + ["never"] * 3 + ["returned"] * 2,
            "date": list(pd.date_range("2024-01-01", periods=40))
            + ["2024-01-05"] * 3
            + ["2024-01-03", "2024-01-09"],
            "units": [2] * 40 + [0, 0, 0] + [-1, -2],
        }
    )
    hist = sof.demand_history(sales, freq="D")
    st = hist.status["status"]
    assert st["never"] == "no_demand"
    assert "never sold" in hist.status.loc["never", "reason"]
    assert st["returned"] == "all_returns"
    fc = sof.forecast_demand(hist, horizon=7, random_state=0)
    fst = fc.status["status"]
    assert fst["never"] == "no_demand"
    assert fst["returned"] == "all_returns"
    assert fst["sold"] == "ok"
    assert (fc.mean[list(fc.item_ids).index("never")] == 0).all()


def test_weekly_forecast_runs_through_stockout_dates_and_orders():
    """The layers after the forecast work in periods of the forecast's frequency."""
    sales = weekly_sales("WED", ["A", "B"], n_weeks=52, seed=3)
    hist = sof.demand_history(sales)
    fc = sof.forecast_demand(hist, horizon=12, random_state=0)
    as_of = hist.as_of
    inv = pd.DataFrame({"item_id": ["A", "B"], "on_hand_units": [20.0, 200.0], "as_of": as_of})
    so = sof.stockout_dates(fc, inv, n_paths=200, random_state=0)
    frame = so.to_frame()
    assert set(frame["item_id"]) == {"A", "B"}
    p50 = pd.to_datetime(frame.set_index("item_id")["stockout_date_p50"])
    # A holds about 3 weeks of its ~6 a week: it runs out within the 12 weeks, B (33) does not
    assert p50["A"] < fc.labels[-1]
    assert pd.isna(p50["B"]) or p50["B"] > p50["A"]

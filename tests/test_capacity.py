"""Tests of peak_capacity (capacity.py): hand-computed greedy shifts."""

from __future__ import annotations

import json

import matplotlib
import numpy as np
import pandas as pd
import pytest

from stockout_forecast.exceptions import SchemaError
from stockout_forecast.policy.capacity import CapacityPlan, peak_capacity

matplotlib.use("Agg")

MONTHS = pd.to_datetime(["2024-09-01", "2024-10-01", "2024-11-01", "2024-12-01", "2025-01-01"])


def plan(units_by_item):
    """{item: [units per month]} -> long planned-stock frame."""
    rows = [
        (item, d, u)
        for item, units in units_by_item.items()
        for d, u in zip(MONTHS[: len(units)], units, strict=True)
    ]
    return pd.DataFrame(rows, columns=["item_id", "date", "units"])


ITEMS = pd.DataFrame({"item_id": ["A", "B"], "storage_volume": [0.1, 0.5]})


def test_prebuild_into_latest_earlier_periods_then_defer():
    # volumes (m3): A 0.1/unit, B 0.5/unit
    # Sep: A 20 -> 2, B 4 -> 2 : 4      Oct: A 30 -> 3, B 6 -> 3 : 6
    # Nov: A 60 -> 6, B 18 -> 9 : 15    Dec: A 20 -> 2, B 12 -> 6 : 8     Jan: 0
    cp = peak_capacity(plan({"A": [20, 30, 60, 20, 0], "B": [4, 6, 18, 12, 0]}), ITEMS, 8.0)
    p = cp.periods
    np.testing.assert_allclose(p["volume_m3"], [4, 6, 15, 8, 0])
    assert p["over_capacity"].tolist() == [False, False, True, False, False]
    # Nov excess 7: Oct has room 2, Sep room 4 -> 6 pre-built; 1 left -> Dec has no room
    # (8 = capacity) -> Jan takes 1
    np.testing.assert_allclose(p["excess_m3"], [0, 0, 7, 0, 0])
    np.testing.assert_allclose(p["prebuilt_out_m3"], [0, 0, 6, 0, 0])
    np.testing.assert_allclose(p["prebuilt_in_m3"], [4, 2, 0, 0, 0])
    np.testing.assert_allclose(p["deferred_out_m3"], [0, 0, 1, 0, 0])
    np.testing.assert_allclose(p["deferred_in_m3"], [0, 0, 0, 0, 1])
    np.testing.assert_allclose(p["unresolved_m3"], 0)
    np.testing.assert_allclose(p["volume_after_m3"], [8, 8, 8, 8, 1])
    assert p["utilisation"].iloc[2] == pytest.approx(15 / 8)
    # moves in the order made: latest earlier first
    m = cp.moves
    assert m["to_date"].dt.month.tolist() == [10, 9, 1]
    assert m["kind"].tolist() == ["prebuild", "prebuild", "defer"]
    np.testing.assert_allclose(m["volume_m3"], [2, 4, 1])
    # per item, pro rata to November's volume (A 6/15, B 9/15):
    # pre-build 6 m3 -> A 2.4 m3 = 24 units, B 3.6 m3 = 7.2 units; defer 1 -> A 4, B 1.2
    it = cp.items.set_index("item_id")
    assert it.loc["A", "prebuild_units"] == pytest.approx(24)
    assert it.loc["B", "prebuild_units"] == pytest.approx(7.2)
    assert it.loc["A", "defer_units"] == pytest.approx(4)
    assert it.loc["B", "defer_units"] == pytest.approx(1.2)
    assert it.loc["B", "peak_units"] == 18
    assert it.loc["B", "peak_volume_m3"] == pytest.approx(9)


def test_no_prebuild_and_unresolved_overflow():
    cp = peak_capacity(plan({"A": [70, 90, 70]}), ITEMS, 8.0, allow_prebuild=False)
    p = cp.periods
    # 7, 9, 7 m3: Oct excess 1 -> Nov room 1 -> all deferred; nothing earlier
    np.testing.assert_allclose(p["deferred_out_m3"], [0, 1, 0])
    np.testing.assert_allclose(p["prebuilt_out_m3"], 0)
    np.testing.assert_allclose(p["volume_after_m3"], [7, 8, 8])
    tight = peak_capacity(plan({"A": [80, 90, 80]}), ITEMS, 8.0)
    np.testing.assert_allclose(tight.periods["unresolved_m3"], [0, 1, 0])  # no room anywhere
    assert tight.items.loc[0, "unresolved_units"] == pytest.approx(10)
    off = peak_capacity(
        plan({"A": [80, 90, 80]}), ITEMS, 8.0, allow_prebuild=False, allow_defer=False
    )
    np.testing.assert_allclose(off.periods["unresolved_m3"], [0, 1, 0])


def test_capacity_per_period_and_item_without_volume():
    items = pd.DataFrame({"item_id": ["A", "C"], "storage_volume": [0.1, np.nan]})
    cap = pd.Series([5.0, 5.0, 20.0], index=MONTHS[:3])
    cp = peak_capacity(plan({"A": [10, 80, 10], "C": [999, 999, 999]}), items, cap)
    p = cp.periods
    # 1, 8, 1 m3 against 5, 5, 20 (C takes no space): Oct excess 3 -> Sep room 4 takes it
    np.testing.assert_allclose(p["volume_m3"], [1, 8, 1])
    np.testing.assert_allclose(p["capacity_m3"], [5, 5, 20])
    np.testing.assert_allclose(p["prebuilt_in_m3"], [3, 0, 0])
    it = cp.items.set_index("item_id")
    assert it.loc["C", "status"] == "no_volume"
    assert "no storage_volume" in it.loc["C", "reason"]
    assert it.loc["C", "prebuild_units"] == 0
    assert it.loc["A", "status"] == "ok"


def test_outputs_repr_dict_plot():
    cp = peak_capacity(plan({"A": [20, 30, 60, 20, 0], "B": [4, 6, 18, 12, 0]}), ITEMS, 8.0)
    assert isinstance(cp, CapacityPlan)
    assert repr(cp) == (
        "<CapacityPlan: 5 periods, 1 over capacity, 6.0 m3 to pre-build, 1.0 m3 to defer, "
        "0.0 m3 unresolved>"
    )
    d = cp.to_dict()
    json.dumps(d)
    assert d["moves"][0] == {
        "from_date": "2024-11-01",
        "to_date": "2024-10-01",
        "kind": "prebuild",
        "volume_m3": 2.0,
    }
    assert "<table" in cp._repr_html_()
    assert cp.to_frame().shape[0] == 5
    ax = cp.plot()
    assert ax.get_ylabel() == "storage volume, m³"
    import matplotlib.pyplot as plt

    plt.close("all")


def test_inputs_not_mutated_and_errors():
    ps = plan({"A": [1, 2]})
    before = ps.copy()
    peak_capacity(ps, ITEMS, 1.0)
    pd.testing.assert_frame_equal(ps, before)
    with pytest.raises(SchemaError, match=r"planned_stock is missing columns \['units'\]"):
        peak_capacity(ps.rename(columns={"units": "qty"}), ITEMS, 1.0)
    with pytest.raises(
        SchemaError, match=r"planned_stock.units must be numbers >= 0; found \[-1.0\]"
    ):
        peak_capacity(ps.assign(units=[1, -1]), ITEMS, 1.0)
    with pytest.raises(SchemaError, match="2 duplicate item_id x date rows"):
        peak_capacity(pd.concat([ps.iloc[:1], ps.iloc[:1]]), ITEMS, 1.0)
    with pytest.raises(SchemaError, match="items has no storage_volume column"):
        peak_capacity(ps, ITEMS.drop(columns="storage_volume"), 1.0)
    with pytest.raises(ValueError, match=r"capacity_m3 must be > 0"):
        peak_capacity(ps, ITEMS, 0.0)
    with pytest.raises(ValueError, match="capacity_m3 has no value for 1 periods"):
        peak_capacity(ps, ITEMS, pd.Series([1.0], index=MONTHS[:1]))

"""lead_time_history and sample_lead_times: hand-computed figures, fallbacks, errors."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from stockout_forecast.exceptions import SchemaError
from stockout_forecast.history.leadtime import lead_time_history, sample_lead_times


def _po(rows):
    cols = [
        "po_id",
        "item_id",
        "supplier_id",
        "units",
        "order_date",
        "expected_date",
        "received_date",
        "received_units",
    ]
    return pd.DataFrame(rows, columns=cols)


PO = _po(
    [
        # A x S1: lead times 10, 14, 6, 12 days; on time 3 of 4; 38 of 40 units received
        ["1", "A", "S1", 10, "2024-01-01", "2024-01-11", "2024-01-11", 10],
        ["2", "A", "S1", 10, "2024-02-01", "2024-02-11", "2024-02-15", 8],
        ["3", "A", "S1", 10, "2024-03-01", "2024-03-11", "2024-03-07", 10],
        ["4", "A", "S1", 10, "2024-04-01", "2024-04-13", "2024-04-13", 10],
        # A x S2: one receipt of 20 days, plus an open order
        ["5", "A", "S2", 5, "2024-01-05", "2024-01-20", "2024-01-25", 5],
        ["6", "A", "S2", 5, "2024-05-01", "2024-05-16", None, None],
        # C x S1: only an open order, no terms
        ["7", "C", "S1", 3, "2024-05-01", "2024-05-10", None, None],
    ]
)
SUP = pd.DataFrame(
    {
        "item_id": ["A", "A", "B"],
        "supplier_id": ["S1", "S2", "S1"],
        "unit_cost": [1.0, 1.0, 2.0],
        "lead_time_days": [10.0, 14.0, 21.0],
        "lead_time_sd_days": [2.0, 4.0, np.nan],
        "on_time_rate": [0.9, 0.8, 0.7],
    }
)


def test_history_figures_by_hand():
    out = lead_time_history(PO, SUP).set_index(["item_id", "supplier_id"])
    a = out.loc[("A", "S1")]
    assert a["n_receipts"] == 4
    assert a["n_open_orders"] == 0
    # mean (10 + 14 + 6 + 12) / 4 = 10.5; sample sd: deviations -0.5, 3.5, -4.5, 1.5 →
    # squares 0.25 + 12.25 + 20.25 + 2.25 = 35 → sqrt(35 / 3) = 3.416
    assert a["lead_time_mean_days"] == 10.5
    assert a["lead_time_sd_days"] == pytest.approx(np.sqrt(35 / 3))
    # sorted 6, 10, 12, 14: p50 = 11; p10 at position 0.3 → 6 + 0.3 x 4 = 7.2;
    # p90 at position 2.7 → 12 + 0.7 x 2 = 13.4
    assert a["lead_time_p50_days"] == 11.0
    assert a["lead_time_p10_days"] == pytest.approx(7.2)
    assert a["lead_time_p90_days"] == pytest.approx(13.4)
    assert a["on_time_rate"] == 0.75
    assert a["fill_rate"] == pytest.approx(38 / 40)
    assert a["source"] == "history"
    assert a["reason"] == "from 4 receipts"


def test_few_receipts_blend_with_the_stated_terms():
    out = lead_time_history(PO, SUP).set_index(["item_id", "supplier_id"])
    a2 = out.loc[("A", "S2")]
    assert a2["n_receipts"] == 1
    assert a2["n_open_orders"] == 1
    assert a2["source"] == "history+stated"
    # w = 1/3: mean = 1/3 x 20 + 2/3 x 14 = 16; one receipt → no sample variance, so the
    # stated sd (4) is used alone
    assert a2["lead_time_mean_days"] == pytest.approx(16.0)
    assert a2["lead_time_sd_days"] == pytest.approx(4.0)
    assert "blended with the stated 14 days" in a2["reason"]
    # quantiles from the normal approximation: 16 + 1.2816 x 4 = 21.13
    assert a2["lead_time_p90_days"] == pytest.approx(16 + 1.2815516 * 4)


def test_no_receipts_fall_back_to_stated_and_say_so():
    out = lead_time_history(PO, SUP).set_index(["item_id", "supplier_id"])
    b = out.loc[("B", "S1")]
    assert b["source"] == "stated"
    assert b["n_receipts"] == 0
    assert b["lead_time_mean_days"] == 21.0
    assert np.isnan(b["lead_time_sd_days"])
    assert b["lead_time_p50_days"] == 21.0
    assert np.isnan(b["lead_time_p90_days"])
    assert b["on_time_rate"] == 0.7  # the stated rate
    assert "no receipts yet" in b["reason"]
    assert "spread unknown" in b["reason"]


def test_every_item_supplier_pair_appears_even_without_any_figure():
    out = lead_time_history(PO, SUP)
    pairs = list(zip(out["item_id"], out["supplier_id"], strict=True))
    assert pairs == [("A", "S1"), ("A", "S2"), ("B", "S1"), ("C", "S1")]
    c = out.set_index(["item_id", "supplier_id"]).loc[("C", "S1")]
    assert c["source"] == "none"
    assert np.isnan(c["lead_time_mean_days"])
    assert "add the item to suppliers" in c["reason"]


def test_as_of_only_counts_what_was_known():
    out = lead_time_history(PO, SUP, as_of="2024-02-20").set_index(["item_id", "supplier_id"])
    a = out.loc[("A", "S1")]
    # orders 1 and 2 received by 02-20 (10 and 14 days); order 3 not yet placed
    assert a["n_receipts"] == 2
    assert a["source"] == "history+stated"
    # w = 2/3: 2/3 x 12 + 1/3 x 10 = 11.33; var = 2/3 x 8 + 1/3 x 4 = 6.67
    assert a["lead_time_mean_days"] == pytest.approx(34 / 3)
    assert a["lead_time_sd_days"] == pytest.approx(np.sqrt(2 / 3 * 8 + 1 / 3 * 4))
    # the open order 6 (placed 05-01) is not known yet either
    assert out.loc[("A", "S2"), "n_open_orders"] == 0


def test_history_without_stated_terms_is_used_and_flagged():
    out = lead_time_history(PO.iloc[4:5]).iloc[0]
    assert out["source"] == "history"
    assert out["lead_time_mean_days"] == 20.0
    assert "fewer than 3" in out["reason"]
    assert "no stated lead time" in out["reason"]


def test_min_receipts_changes_the_source():
    out = lead_time_history(PO, SUP, min_receipts=1).set_index(["item_id", "supplier_id"])
    assert out.loc[("A", "S2"), "source"] == "history"
    assert out.loc[("A", "S2"), "lead_time_mean_days"] == 20.0
    with pytest.raises(ValueError, match="min_receipts must be a whole number"):
        lead_time_history(PO, SUP, min_receipts=0)


def test_inputs_are_not_mutated_and_missing_receipt_columns_are_fine():
    po = PO.copy()
    before = po.copy()
    lead_time_history(po, SUP)
    pd.testing.assert_frame_equal(po, before)
    bare = PO.drop(columns=["received_date", "received_units"])
    out = lead_time_history(bare, SUP)
    assert (out["n_receipts"] == 0).all()
    assert out.loc[out["item_id"] == "A", "source"].tolist() == ["stated", "stated"]


def test_receipt_before_order_is_a_booking_error():
    bad = PO.copy()
    bad.loc[0, "received_date"] = "2023-12-25"
    with pytest.raises(SchemaError, match=r"received before they were ordered.*\('1', 'A'\)"):
        lead_time_history(bad, SUP)


def test_schema_errors_come_from_the_contract():
    with pytest.raises(SchemaError, match="purchase_orders is missing column 'order_date'"):
        lead_time_history(PO.drop(columns=["order_date"]), SUP)


def test_sample_lead_times_moments_and_determinism():
    draws = sample_lead_times([14.0, 7.0, np.nan], [3.0, 0.0, 1.0], size=40_000, random_state=0)
    assert draws.shape == (3, 40_000)
    # gamma with mean 14, sd 3: the sample mean has standard error 3/200 = 0.015
    assert draws[0].mean() == pytest.approx(14.0, abs=0.1)
    assert draws[0].std() == pytest.approx(3.0, abs=0.1)
    assert (draws[0] >= 0).all()
    assert (draws[1] == 7.0).all()  # no spread: the mean exactly
    assert np.isnan(draws[2]).all()
    again = sample_lead_times([14.0, 7.0, np.nan], [3.0, 0.0, 1.0], size=40_000, random_state=0)
    assert np.array_equal(draws, again, equal_nan=True)
    with pytest.raises(ValueError, match="must not be negative"):
        sample_lead_times([-1.0])

"""The summary's order columns for a plan with no draft PO line come from one cached frame.

``orders_to_place`` of such a plan is the typed empty frame; the summary reads it through
``planner._no_orders`` (built once). The cached frame must equal a fresh one and must not
be changed by a summary that reads it (it is shared by every later plan).
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd

from stockout_forecast.planner import ReorderPlan, _no_orders
from stockout_forecast.report.views import orders_to_place


def test_no_orders_frame_is_the_typed_empty_orders_and_stays_unchanged() -> None:
    fresh = orders_to_place(None).set_index("item_id")
    pd.testing.assert_frame_equal(_no_orders(), fresh)
    index = pd.Index(["A", "B"], name="item_id", dtype="str")
    rec = pd.DataFrame(
        {
            "status": ["ok", "no_demand"],
            "order_by_date": pd.to_datetime(["2026-12-05", None]),
            "reorder_point_units": [150.0, np.nan],
            "reason": ["velocity 1.3/day", "no demand in 28 days"],
        },
        index=index,
    )
    for pp in (None, SimpleNamespace(lines=fresh.iloc[:0], items=pd.DataFrame())):
        out: dict = {}
        ReorderPlan._order_columns(SimpleNamespace(purchase_plan=pp), out, index, rec)  # type: ignore[arg-type]
        # nothing to order: the policy's reason and 0 units where it is ok, NaN elsewhere
        assert out["order_now"].tolist() == [False, False]
        assert out["order_units"].iloc[0] == 0.0
        assert np.isnan(out["order_units"].iloc[1])
        assert out["order_reason"].tolist() == rec["reason"].tolist()
        assert out["supplier_split"].isna().all()
        assert str(out["expected_arrival_date"].dtype) == str(fresh["last_arrival_date"].dtype)
        pd.testing.assert_frame_equal(_no_orders(), fresh)

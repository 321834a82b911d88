"""The store rows' conversion to the contract's types (``_cache._dated``): its checks in C
give the columns the value-by-value checks give (ids all strings, numbers ints or floats)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from stockout_forecast.service._cache import _dated


def test_store_rows_take_the_contract_types_as_the_value_by_value_checks_say() -> None:
    df = pd.DataFrame(
        {
            "po_id": pd.Series(["P1", "P2", "P3"], dtype=object),
            "item_id": pd.Series(["A", None, "C"], dtype=object),  # None: still ids
            "supplier_id": pd.Series(["S", 7, "S"], dtype=object),  # an int: left as it is
            "units": np.array([5, 6, 7], dtype=np.int64),  # ints: float64
            "received_units": pd.array([1, None, 3], dtype="Int64"),  # NA: left as it is
            "order_date": ["2024-01-01", "2024-01-02", "2024-01-03"],
            "expected_date": ["2024-01-05", None, "2024-01-07"],
        }
    )
    out = _dated(df, "purchase_orders")
    assert out["po_id"].dtype == "str"
    assert out["item_id"].dtype == "str"
    assert out["item_id"].isna().tolist() == [False, True, False]
    assert out["supplier_id"].dtype == object
    assert out["units"].dtype == np.float64
    assert out["units"].tolist() == [5.0, 6.0, 7.0]
    assert str(out["received_units"].dtype) == "Int64"
    assert out["order_date"].dtype == np.dtype("datetime64[ns]")
    assert out["expected_date"].isna().tolist() == [False, True, False]
    flags = pd.DataFrame({"item_id": ["A"], "on_hand_units": np.array([True])})
    assert _dated(flags, "inventory")["on_hand_units"].tolist() == [1.0]

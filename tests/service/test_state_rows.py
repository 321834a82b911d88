"""The state's rows read column by column equal the former row-wise reading, as JSON.

``records`` and ``_rows`` now take each column's values once (``tolist``) instead of
iterating rows (``itertuples``, ``to_dict("index")``); every value then goes through
``jsonify``. The references below are the former code; the frame mixes every kind of
column a plan has (floats with NaN, whole numbers, booleans, dates with NaT, strings
with missing ones, objects holding numpy scalars and None, categories). Floats and
naive dates are converted in bulk (``_json_values``), other kinds value by value.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest

from stockout_forecast.service.state import _rows, jsonify, records


def _frame(rng: np.random.Generator, n: int) -> pd.DataFrame:
    day = pd.Timestamp("2024-03-05") + pd.to_timedelta(rng.integers(0, 40, n), unit="D")
    return pd.DataFrame(
        {
            "item_id": [f"SKU-{k:03d}" for k in rng.permutation(n)],
            "units": np.where(rng.random(n) < 0.3, np.nan, rng.random(n) * 100),
            "count": rng.integers(0, 9, n),
            "order_now": rng.random(n) < 0.5,
            "date": day.where(rng.random(n) < 0.7),
            "date_us": day.astype("datetime64[us]"),
            "date_tz": (day + pd.Timedelta(hours=23)).tz_localize("UTC"),
            "ratio": np.where(rng.random(n) < 0.2, np.inf, rng.random(n)).astype(np.float32),
            "text": pd.Series(
                np.where(rng.random(n) < 0.3, None, [f"t{k}" for k in range(n)]), dtype="str"
            ),
            "mixed": pd.Series(
                [[np.float64(1.5), None, np.int64(3), "x", np.nan, True][k % 6] for k in range(n)],
                dtype=object,
            ),
            "cls": pd.Categorical([["A", "B", "C"][k % 3] for k in range(n)]),
        }
    )


def _former_records(df: pd.DataFrame, columns: list[str] | None = None) -> list[dict[str, Any]]:
    if len(df) == 0:
        return []
    cols = [c for c in (columns or list(df.columns)) if c in df.columns]
    return [
        {c: jsonify(v) for c, v in zip(cols, row, strict=True)}
        for row in df[cols].itertuples(index=False)
    ]


def _former_rows(df: pd.DataFrame) -> dict[str, dict[str, Any]]:
    d = df.set_index("item_id").to_dict("index")
    return {str(k): {str(c): jsonify(x) for c, x in v.items()} for k, v in d.items()}


@pytest.mark.parametrize("n", [0, 1, 7, 40])
def test_records_and_rows_read_column_wise_equal_the_former_row_wise(n: int) -> None:
    df = _frame(np.random.default_rng(n), n)
    assert records(df) == _former_records(df)
    cols = ["date", "missing", "units", "item_id", "mixed"]
    assert records(df, cols) == _former_records(df, cols)
    assert records(df, ["missing"]) == _former_records(df, ["missing"])  # no column: {} rows
    got = {k: {c: jsonify(x) for c, x in v.items()} for k, v in _rows(df).items()}
    assert got == _former_rows(df)
    assert list(_rows(df)) == df["item_id"].tolist()


def test_rows_refuses_an_item_twice() -> None:
    df = pd.DataFrame({"item_id": ["A", "A"], "units": [1.0, 2.0]})
    with pytest.raises(ValueError, match="one row per item"):
        _rows(df)

"""The quick paths of two dataset checks give what the plain pandas computation gives.

``plausibility.sales_outliers`` first bounds every line's ratio to its item's usual line in
numpy and skips the per-item quantiles when no line can reach a limit;
``dataset_checks._duplicated`` compares lines in every column only among those sharing
item, date and order id. Both are compared here with the plain computation (the former
code, kept below as the reference) on generated sales: the same notes, the same errors,
the same lines marked.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from stockout_forecast.exceptions import SchemaError
from stockout_forecast.io import plausibility
from stockout_forecast.io.dataset_checks import _duplicated
from stockout_forecast.io.plausibility import Thresholds


def _reference_outliers(sales, base, t, pending):
    """``sales_outliers`` as it was: the per-item 90th percentile with pandas, every line."""
    size = sales["units"].abs()
    nz = size > 0
    g = size[nz].groupby(sales.loc[nz, "item_id"])
    usual = g.quantile(0.9)[g.size() >= 5]
    if usual.empty:
        return
    ref = sales["item_id"].map(usual).astype(float)
    ratio = (size / np.maximum(ref, 1.0)).to_numpy(dtype=float)
    absurd = ratio >= t.absurd_ratio
    if absurd.any():
        raise SchemaError(f"absurd {np.flatnonzero(absurd).tolist()}")
    odd = ratio >= t.outlier_ratio
    if odd.any():
        pending.append((f"odd {np.flatnonzero(odd).tolist()}", True))


def _sales(rng: np.random.Generator, n_items: int) -> pd.DataFrame:
    parts = []
    for i in range(n_items):
        n = int(rng.integers(0, 25))
        scale = float(rng.choice([0.5, 1.0, 3.0, 20.0]))
        units = np.round(rng.gamma(1.2, scale, n), int(rng.integers(0, 3)))
        units[rng.random(n) < 0.15] = 0.0
        units[rng.random(n) < 0.1] *= -1  # returns
        if n and rng.random() < 0.4:  # one big line: near, at or far above a limit
            units[rng.integers(0, n)] = float(rng.choice([50, 99, 100, 101, 400, 1e4, 2e5]))
        parts.append(pd.DataFrame({"item_id": f"I{i}", "units": units}))
    out = pd.concat(parts, ignore_index=True).sample(frac=1.0, random_state=int(rng.integers(99)))
    out["item_id"] = out["item_id"].astype("str")
    return out


def _run(fn, sales, t):
    pending: list = []
    try:
        fn(sales, None, t, pending)
    except SchemaError:
        return "error", pending
    return "ok", pending


@pytest.mark.parametrize("seed", range(6))
def test_sales_outliers_notes_and_errors_are_those_of_the_plain_check(seed: int) -> None:
    rng = np.random.default_rng(seed)
    found = set()
    for _ in range(40):
        sales = _sales(rng, int(rng.integers(1, 12)))
        for t in (Thresholds(), Thresholds(outlier_ratio=3.0, absurd_ratio=50.0)):
            status, pending = _run(plausibility.sales_outliers, sales, t)
            want, ref_pending = _run(_reference_outliers, sales, t)
            assert status == want
            assert len(pending) == len(ref_pending)
            found.add((status, len(pending)))
            bound = plausibility._within_bound(sales, min(t.outlier_ratio, t.absurd_ratio))
            if bound:  # the quick bound never hides a line the plain check reports
                assert (want, ref_pending) == ("ok", [])
    assert {("ok", 0), ("ok", 1), ("error", 0)} <= found  # every outcome was met


def test_sales_outliers_bound_falls_back_on_missing_units() -> None:
    sales = pd.DataFrame({"item_id": ["A"] * 22, "units": [1.0] * 20 + [np.nan, 500.0]})
    assert not plausibility._within_bound(sales, 100.0)
    pending: list = []
    plausibility.sales_outliers(sales, None, Thresholds(), pending)
    assert len(pending) == 1  # 500 / usual 1 (p90 of twenty 1s and 500) >= 100


@pytest.mark.parametrize("seed", range(5))
def test_duplicated_marks_the_lines_pandas_marks(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = 400
    sales = pd.DataFrame(
        {
            "item_id": pd.Series(rng.choice(["A", "B", "C", None], n), dtype="str"),
            "date": pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 5, n), unit="D"),
            "units": rng.integers(1, 3, n).astype(float),
            "order_id": pd.Series(rng.choice(["O1", "O2", "O3", None], n), dtype="str"),
            "unit_price": np.where(rng.random(n) < 0.1, np.nan, rng.integers(1, 3, n)),
        }
    )
    sales.loc[rng.random(n) < 0.05, "date"] = pd.NaT
    want = sales.duplicated(keep="first").to_numpy()
    assert want.any()
    assert not want.all()
    np.testing.assert_array_equal(_duplicated(sales), want)
    no_order = sales.drop(columns="order_id")
    np.testing.assert_array_equal(
        _duplicated(no_order), no_order.duplicated(keep="first").to_numpy()
    )
    np.testing.assert_array_equal(_duplicated(sales.iloc[:0]), np.zeros(0, dtype=bool))


@pytest.mark.parametrize("seed", range(4))
def test_gap_and_future_date_quick_paths_agree_with_pandas(seed: int) -> None:
    """``far_dates``' no-gap test and ``_check_future_dates``' comparison, in numpy, against
    the pandas ``dt.normalize()`` they replace (times of day, NaT, a day at the limit)."""
    from stockout_forecast.io.dataset_checks import _after_day

    rng = np.random.default_rng(seed)
    t = Thresholds()
    for _ in range(40):
        n = int(rng.integers(2, 60))
        start = pd.Timestamp(str(rng.choice(["1969-12-20", "2024-01-01"])))
        secs = rng.integers(0, 400, n) * 86_400 + rng.integers(0, 86_400, n) * (rng.random() < 0.5)
        dates = pd.Series(start + pd.to_timedelta(secs, unit="s")).astype("datetime64[ns]")
        if rng.random() < 0.3:
            dates.iloc[0] = pd.NaT
        if rng.random() < 0.4:  # one date away: a gap at, just beyond or far beyond the limit
            far = int(rng.choice([365, 366, 800]))
            dates.iloc[-1] = dates.max().normalize() + pd.Timedelta(days=far)
        days = dates.dt.normalize()
        gaps = np.diff(np.sort(days.unique())).astype("timedelta64[D]").astype(float)
        has_gap = bool((gaps > t.date_gap_days).any())
        quick = plausibility._no_gap(dates, t.date_gap_days)
        if dates.min() >= pd.Timestamp("1970-01-01"):
            assert quick is not has_gap
        else:
            assert quick is False  # before 1970 the check runs as written
        if not dates.isna().any():  # dates of validated sales are never missing
            pending: list = []
            df = pd.DataFrame({"item_id": "A", "date": dates})
            out = plausibility.far_dates(df, "sales", "date", None, t, pending)
            assert len(pending) == int(has_gap)
            if not has_gap:
                assert out is df
        day = pd.Timestamp(dates.dropna().iloc[len(dates) // 3]).normalize()
        np.testing.assert_array_equal(_after_day(dates, day), (days > day).to_numpy())

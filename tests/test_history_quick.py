"""``infer_freq``'s quick answer (two days in a row: daily) is the answer of the unique
days; checked on generated day sets of every frequency, sparse and dense."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from stockout_forecast.history._common import WEEKDAYS, infer_freq


def _reference(days: np.ndarray) -> str:
    """``infer_freq`` as it was: from the unique days alone."""
    u = np.unique(np.asarray(days, dtype=np.int64))
    if u.size < 2:
        return "D"
    d = u.astype("datetime64[D]")
    if (d == d.astype("datetime64[M]").astype("datetime64[D]")).all():
        return "MS"
    if (d == (d.astype("datetime64[M]") + 1).astype("datetime64[D]") - 1).all():
        return "ME"
    weekday = (u + 3) % 7
    if (weekday == weekday[0]).all():
        return f"W-{WEEKDAYS[int(weekday[0])]}"
    return "D"


@pytest.mark.parametrize("seed", range(5))
def test_infer_freq_quick_answer_is_the_unique_days_answer(seed: int) -> None:
    rng = np.random.default_rng(seed)
    start = pd.Timestamp("2023-12-25")
    kinds = {
        "D": pd.date_range(start, periods=200, freq="D"),
        "MS": pd.date_range(start, periods=30, freq="MS"),
        "ME": pd.date_range(start, periods=30, freq="ME"),
        "W": pd.date_range(start, periods=60, freq="W-WED"),
    }
    seen = set()
    for _ in range(40):
        dates = kinds[str(rng.choice(list(kinds)))]
        k = int(rng.integers(1, len(dates) + 1))
        pick = dates[np.sort(rng.choice(len(dates), k, replace=False))]
        days = pick.values.astype("datetime64[D]").astype(np.int64)
        days = np.repeat(days, rng.integers(1, 4, len(days)))  # several lines a day
        if rng.random() < 0.2:  # one stray day
            days = np.append(days, days[0] + int(rng.integers(1, 9)))
        got = infer_freq(rng.permutation(days))
        assert got == _reference(days)
        seen.add(got[0])
    assert {"D", "M", "W"} <= seen


def test_rank_in_group_is_groupby_cumcount() -> None:
    from stockout_forecast.simulation.scenario import _rank_in_group

    rng = np.random.default_rng(3)
    for n in (0, 1, 2, 7, 60, 400):
        group = rng.integers(0, 9, n)
        want = pd.Series(group).groupby(group).cumcount().to_numpy()
        got = _rank_in_group(group)
        assert got.dtype == want.dtype
        np.testing.assert_array_equal(got, want)

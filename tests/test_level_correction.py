"""The level (bias) correction of ``forecast_demand`` (issue 9).

Per pool of items (unit and volume group) the chosen models' backtest forecasts are
compared with the actuals; a bias that every window shows and whose 95 % interval excludes
none gets a factor on the means: the interval's bound nearest 1. Checked here: a panel whose
recent level runs 25 % above the model's mean gets a factor inside the interval, below the
ratio and above 1; an unbiased panel gets exactly 1.0; the factor is in the mean and the
whole distribution, in the JSON, and a chunk with the whole run's pool gets the whole
run's factor.
"""

from __future__ import annotations

import numpy as np
import pytest

from stockout_forecast.forecast import DemandForecast, _level, history_from_array
from stockout_forecast.forecast._kernels import prepare_panel
from stockout_forecast.forecast.core import _forecast_demand
from stockout_forecast.forecast.selection import volume_groups
from stockout_forecast.history.panel import DemandHistory

H = 14


def shifted_panel(n: int, seed: int, lift: float) -> np.ndarray:
    """Poisson demand, mean 2-8 per day for 400 days, then ``lift`` times it for 2 x 14 days."""
    rng = np.random.default_rng(seed)
    mu = rng.uniform(2.0, 8.0, n)[:, None]
    t = np.arange(400 + 2 * H)
    level = np.where(t >= 400, lift, 1.0)[None, :]
    return rng.poisson(mu * level).astype(float)


def test_pool_ratio_of_a_known_bias_by_hand():
    # 40 items x 2 windows x 5 periods; actuals exactly 1.25 x the forecast: ratio 1.25,
    # residuals y - 1.25 f = 0, so the interval is the point and the factor is 1.25
    f = np.full((40, 2, 5), 4.0) + (np.arange(40) % 3)[:, None, None]
    factor, facts = _level.pool_ratio(1.25 * f, f, np.ones(f.shape, dtype=bool))
    assert facts["ratio"] == pytest.approx(1.25)
    assert factor == pytest.approx(1.25)
    # one window above, one below: the sign rule keeps 1.0 whatever the interval says
    y = f.copy()
    y[:, 0] *= 1.5
    y[:, 1] *= 0.9
    assert _level.pool_ratio(y, f, np.ones(f.shape, dtype=bool))[0] == 1.0
    # fewer than LEVEL_MIN_ITEMS items: no correction
    small = slice(0, _level.LEVEL_MIN_ITEMS - 1)
    assert _level.pool_ratio(1.25 * f[small], f[small], np.ones(f[small].shape, bool))[0] == 1.0


def test_recent_level_25_percent_above_the_mean_gets_a_shrunk_factor():
    # historic_average forecasts the mean of all days before the cutoff: mu in window 1,
    # (400 mu + 14 * 1.25 mu) / 414 = 1.0085 mu in window 2; the actuals run 1.25 mu, so the
    # pooled ratio is about 1.25 / 1.004 = 1.245
    y = shifted_panel(300, 1, 1.25)
    hist = history_from_array(y)
    fc, extra = _forecast_demand(
        hist,
        "historic_average",
        horizon=H,
        random_state=0,
        weekday_profile=False,
        level_correction=True,
    )
    factors = extra["pool"].values["level_correction"]
    moved = [c for c in factors.values() if c != 1.0]
    assert moved, factors
    for g, c in factors.items():
        sel = _pool_rows(hist, extra, g)
        _, facts = _level.pool_ratio(
            extra["backtest"].y[sel], extra["f_bt"][sel] / c, extra["backtest"].mask[sel]
        )
        assert facts["ratio"] == pytest.approx(1.25 / 1.004, rel=0.06)
        if c != 1.0:
            assert facts["lower"] == pytest.approx(c)
            assert 1.0 < c < facts["ratio"] < facts["upper"]
    # the factor is in the mean: the mean of all 428 days times its pool's factor
    np.testing.assert_allclose(fc.mean[:, 0], y.mean(axis=1) * fc.level_correction)
    # and in the whole distribution: the quantiles are those of the corrected mean
    plain = DemandForecast.from_mean(
        fc.item_ids,
        fc.dates,
        fc.mean,
        dispersion=fc.dispersion,
        quantile_levels=fc.quantile_levels,
    )
    np.testing.assert_array_equal(plain.quantiles, fc.quantiles)


def _pool_rows(hist: DemandHistory, extra: dict, group: int) -> np.ndarray:
    """The rows of pool ``group`` (count items: the volume group of the history)."""
    y, m = prepare_panel(hist.units, hist.observed)
    return volume_groups(y, m, edges=extra["pool"].values["volume_edges"]) == group


def test_an_unbiased_panel_gets_exactly_one():
    y = shifted_panel(300, 2, 1.0)
    fc, extra = _forecast_demand(
        history_from_array(y),
        "historic_average",
        horizon=H,
        random_state=0,
        weekday_profile=False,
        level_correction=True,
    )
    assert set(extra["pool"].values["level_correction"].values()) == {1.0}
    assert (fc.level_correction == 1.0).all()
    np.testing.assert_allclose(fc.mean[:, 0], y.mean(axis=1))
    # off (the default): no factor, even on the biased panel
    off = _forecast_demand(
        history_from_array(shifted_panel(300, 1, 1.25)),
        "historic_average",
        horizon=H,
        random_state=0,
        weekday_profile=False,
    )
    assert "level_correction" not in off[1]["pool"].values
    assert (off[0].level_correction == 1.0).all()


def test_chunk_with_the_pool_gets_the_whole_runs_factor_and_json_keeps_it():
    y = shifted_panel(300, 3, 1.25)
    hist = history_from_array(y)
    whole, info = _forecast_demand(
        hist,
        "historic_average",
        horizon=H,
        random_state=0,
        weekday_profile=False,
        level_correction=True,
    )
    assert (whole.level_correction > 1.0).any()
    ids = np.asarray(hist.item_ids)
    part, _ = _forecast_demand(
        hist.subset(ids[7:40]),
        "historic_average",
        horizon=H,
        random_state=0,
        weekday_profile=False,
        pool=info["pool"],
    )
    np.testing.assert_array_equal(part.level_correction, whole.level_correction[7:40])
    np.testing.assert_array_equal(part.mean, whole.mean[7:40])
    back = DemandForecast.from_dict(whole.to_dict())
    np.testing.assert_array_equal(back.level_correction, whole.level_correction)
    assert "level x" in whole._repr_html_()

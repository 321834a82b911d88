"""DemandForecast, the predictive distribution and forecast_demand."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from stockout_forecast.forecast import SES, TSB, history_from_array
from stockout_forecast.forecast import _calibration as cal
from stockout_forecast.forecast import _distribution as dist
from stockout_forecast.forecast import _sampler as smp
from stockout_forecast.forecast.core import candidate_models, forecast_demand
from stockout_forecast.forecast.result import DemandForecast, quantile_column

DATES = pd.date_range("2024-03-01", periods=5)


def mc_tol(p: float, n: int, z: float = 4.5) -> float:
    """Monte Carlo tolerance of an estimated probability: z standard errors."""
    return z * np.sqrt(p * (1 - p) / n)


# ------------------------------------------------------------------------ distribution maths
@settings(max_examples=40, deadline=None)
@given(
    m=st.floats(0.0, 300.0),
    phi=st.sampled_from([0.0, 0.01, 0.3, 1.0, 4.0]),
    q=st.floats(0.001, 0.999),
)
def test_nb_quantile_equals_scipy(m, phi, q):
    ours = dist.nb_quantile(np.array([m]), np.array([phi]), np.array([q]))[0, 0]
    if phi == 0:
        ref = stats.poisson.ppf(q, m)
    else:
        ref = stats.nbinom.ppf(q, 1 / phi, 1 / (1 + phi * m))
    assert ours == ref


def test_dispersion_from_residuals_hand_computed():
    # one item, errors e = y - f over f = (2, 2, 4): y = (0, 4, 8)
    # sum(e^2 - f) = (4 - 2) + (4 - 2) + (16 - 4) = 16; sum(f^2) = 4 + 4 + 16 = 24 -> 2/3
    y = np.array([[0.0, 4.0, 8.0]])
    f = np.array([[2.0, 2.0, 4.0]])
    m = np.ones_like(y, dtype=bool)
    phi = cal.dispersion_from_residuals(y, f, m, np.array([True]), prior_weight=0.0)
    assert phi[0] == pytest.approx(2 / 3)
    # continuous demand (occurrences of mean size 0.25, size cv2 1): the unit variance is
    # 0.25 * (1 + 1) = 0.5 instead of 1: sum(e^2 - 0.5 f) = 24 - 4 = 20 -> 20 / 24
    sizes = dist.Sizes.of(np.array([False]), np.array([0.25]), np.array([1.0]))
    phi_c = cal.dispersion_from_residuals(y, f, m, sizes, prior_weight=0.0)
    assert phi_c[0] == pytest.approx(5 / 6)


def test_pit_coverage_is_nominal_for_the_true_distribution():
    rng = np.random.default_rng(5)
    m = np.full((400, 50), 0.7)
    phi = np.full(400, 0.5)
    y = rng.negative_binomial(1 / 0.5, 1 / (1 + 0.5 * 0.7), size=m.shape).astype(float)
    cov = np.mean(dist.pit_coverage(y, m, phi, np.ones(400, bool), 0.1, 0.9))
    assert cov == pytest.approx(0.8, abs=mc_tol(0.8, y.size))
    # plain interval coverage of the same discrete forecast is far above nominal
    q = dist.nb_quantile(np.array([0.7]), np.array([0.5]), np.array([0.1, 0.9]))[0]
    assert np.mean((q[0] <= y) & (y <= q[1])) > 0.9


# ------------------------------------------------------------------------ DemandForecast
def test_from_mean_poisson_paths_match_poisson_moments():
    mean = np.array([[0.5, 0.5, 2.0, 2.0, 8.0], [3.0] * 5])
    fc = DemandForecast.from_mean(["A", "B"], DATES, mean)
    n = 20000
    p = fc.sample_paths(n, random_state=1)
    assert p.shape == (2, n, 5)
    assert (p >= 0).all()
    assert (p == np.round(p)).all()
    # Poisson: mean = var = m; standard error of the sample mean sqrt(m / n)
    np.testing.assert_allclose(p.mean(axis=1), mean, atol=4.5 * np.sqrt(mean.max() / n))
    np.testing.assert_allclose(p.var(axis=1), mean, rtol=0.08)
    # independent periods: the variance of the sum is the sum of the variances
    assert p[1].sum(axis=1).var() == pytest.approx(15.0, rel=0.06)


def test_from_mean_negative_binomial_moments_and_quantiles():
    fc = DemandForecast.from_mean(["A"], DATES[:2], [[4.0, 10.0]], dispersion=0.25)
    # Var = m + 0.25 m^2: 4 + 4 = 8 and 10 + 25 = 35
    p = fc.sample_paths(40000, random_state=2)
    np.testing.assert_allclose(p[0].var(axis=0), [8.0, 35.0], rtol=0.06)
    for j, lv in enumerate(fc.quantile_levels):
        for t in range(2):
            qv = fc.quantiles[0, j, t]
            # sample CDF at the reported quantile reaches the level, one below does not
            assert np.mean(p[0, :, t] <= qv) >= lv - mc_tol(lv, 40000)
            assert np.mean(p[0, :, t] <= qv - 1) <= lv + mc_tol(lv, 40000)


def _correlated_forecast() -> DemandForecast:
    base = DemandForecast.from_mean(["A", "B"], DATES, np.full((2, 5), 3.0), dispersion=0.5)
    return DemandForecast(
        item_ids=base.item_ids,
        dates=base.dates,
        freq="D",
        mean=base.mean,
        quantile_levels=base.quantile_levels,
        quantiles=base.quantiles,
        model=base.model,
        status=base.status,
        dispersion=np.array([0.5, 0.5]),
        level_correlation=np.array([0.0, 0.6]),
        count=np.array([True, True]),
    )


def test_level_correlation_carries_over_to_cumulative_demand():
    fc = _correlated_forecast()
    n = 40000
    p = fc.sample_paths(n, random_state=3)
    # marginals are unchanged by the correlation: Var = 3 + 0.5 * 9 = 7.5 for both items
    np.testing.assert_allclose(p.var(axis=1), 7.5, rtol=0.06)
    # covariance of two periods = rho * phi * m_s * m_t = 0.6 * 0.5 * 9 = 2.7 (0 for A)
    cov_b = np.cov(p[1, :, 0], p[1, :, 4])[0, 1]
    cov_a = np.cov(p[0, :, 0], p[0, :, 4])[0, 1]
    assert cov_b == pytest.approx(2.7, abs=0.35)
    assert cov_a == pytest.approx(0.0, abs=0.35)
    # Var[sum of 5] = 15 + 0.5 * 0.4 * 45 + 0.6 * 0.5 * 225 = 15 + 9 + 67.5 = 91.5
    _, v = fc.cumulative_moments()
    assert v[1, -1] == pytest.approx(91.5)
    assert v[0, -1] == pytest.approx(15 + 0.5 * 45)
    assert p[1].sum(axis=1).var() == pytest.approx(91.5, rel=0.06)
    cq = fc.cumulative_quantiles([0.1, 0.9], n_paths=4000)
    s = p[1].sum(axis=1)
    assert np.mean(s <= cq[1, 1, -1]) == pytest.approx(0.9, abs=0.03)


def test_sample_paths_deterministic_and_item_selection():
    fc = _correlated_forecast()
    a = fc.sample_paths(50, random_state=7)
    np.testing.assert_array_equal(a, fc.sample_paths(50, random_state=7))
    assert not np.array_equal(a, fc.sample_paths(50, random_state=8))
    by_id = fc.sample_paths(50, random_state=7, items=np.array(["B"]))
    np.testing.assert_array_equal(by_id, fc.sample_paths(50, random_state=7, items=slice(1, 2)))
    np.testing.assert_array_equal(by_id, fc.sample_paths(50, random_state=7, items=[False, True]))
    assert fc.sample_paths(random_state=0).shape == (2, 1000, 5)
    with pytest.raises(ValueError, match="items not in the forecast: 1 \\('Z'\\)"):
        fc.sample_paths(5, items=np.array(["Z"]))
    with pytest.raises(ValueError, match="n_paths must be a positive integer"):
        fc.sample_paths(0)


def test_quantile_any_level_and_errors():
    fc = DemandForecast.from_mean(["A"], DATES[:1], [[2.0]])
    # Poisson(2): F(4) = 0.947, F(5) = 0.983 -> q0.95 = 5
    assert fc.quantile(0.95)[0, 0] == 5.0
    assert fc.quantile([0.95, 0.5])[0, :, 0].tolist() == [2.0, 5.0]
    with pytest.raises(ValueError, match=r"Did you mean 0\.95"):
        fc.quantile(95)
    with pytest.raises(ValueError, match=r"mean has shape \(1, 2\); expected"):
        DemandForecast.from_mean(["A"], DATES[:1], [[1.0, 2.0]])
    with pytest.raises(ValueError, match="mean must be >= 0"):
        DemandForecast.from_mean(["A"], DATES[:1], [[-1.0]])
    with pytest.raises(ValueError, match="dispersion must be finite and >= 0"):
        DemandForecast.from_mean(["A"], DATES[:1], [[1.0]], dispersion=-0.1)


def test_to_frame_to_dict_repr_html():
    fc = DemandForecast.from_mean(
        ["A", "<b>"], DATES[:2], [[1.0, np.nan], [2.0, 2.0]], quantile_levels=(0.975, 0.5)
    )
    df = fc.to_frame()
    assert df.columns.tolist() == [
        "item_id",
        "date",
        "model",
        "demand_mean",
        "demand_p50",
        "demand_p97.5",
        "status",
    ]
    assert len(df) == 4
    d = fc.to_dict()
    text = json.dumps(d)  # JSON-able
    assert d["items"][0]["demand_mean"] == [1.0, None]
    assert d["dates"] == ["2024-03-01", "2024-03-02"]
    assert "NaN" not in text
    assert repr(fc) == "<DemandForecast: 2 items, horizon 2 days (D), models: given 2>"
    html = fc._repr_html_()
    assert "<b>" not in html.replace("<b>DemandForecast</b>", "")
    assert quantile_column(0.025) == "demand_p2.5"


def test_from_dict_inverts_to_dict_through_json():
    # a real forecast: count and decimal (non-count) items, dispersion, level correlation,
    # and items that could not be forecast (NaN rows, status and reason)
    rng = np.random.default_rng(1)
    units = rng.negative_binomial(2, 0.4, size=(4, 120)).astype(float)
    units[1] = np.round(rng.gamma(2.0, 1.3, size=120), 2)  # kg: not count data
    units[2] = np.nan  # never active
    units[3] = rng.poisson(np.repeat(rng.gamma(1.0, 6.0, size=12), 10))  # shifting level
    hist = history_from_array(units, item_ids=["a", "kg", "never", "d"])
    fc = forecast_demand(hist, [SES(), TSB()], horizon=10, n_paths=300, random_state=0)
    assert fc.count.tolist() == [True, False, True, True]
    assert (fc.level_correlation[[0, 1, 3]] > 0).all()
    assert (fc.dispersion > 0).all()
    d = json.loads(json.dumps(fc.to_dict()))
    back = DemandForecast.from_dict(d)
    for name in ("item_ids", "mean", "quantiles", "model", "dispersion", "level_correlation",
                 "count", "size_mean", "size_cv2"):  # fmt: skip
        np.testing.assert_array_equal(getattr(back, name), getattr(fc, name), err_msg=name)
    pd.testing.assert_index_equal(back.dates, fc.dates)
    pd.testing.assert_frame_equal(back.status, fc.status)
    assert (back.freq, back.anchor, back.quantile_levels, back.calibration, back.n_paths) == (
        fc.freq, fc.anchor, fc.quantile_levels, fc.calibration, 300,
    )  # fmt: skip
    assert back.history is None
    np.testing.assert_array_equal(
        back.sample_paths(50, random_state=7), fc.sample_paths(50, random_state=7)
    )
    # without the quantile lists the quantiles are recomputed from the distribution
    for rec in d["items"]:
        for q in fc.quantile_levels:
            del rec[quantile_column(q)]
    np.testing.assert_array_equal(DemandForecast.from_dict(d).quantiles, fc.quantiles)
    # one item, a list of the wrong length: says which item and what was expected
    d["items"][0]["demand_mean"] = d["items"][0]["demand_mean"][:3]
    with pytest.raises(ValueError, match=r"item 'a': demand_mean has 3 values; expected 10"):
        DemandForecast.from_dict(d)
    with pytest.raises(ValueError, match=r"needs the keys \['dates'\]"):
        DemandForecast.from_dict({k: v for k, v in d.items() if k != "dates"})


def test_plot_fan_chart_shades_censored_periods():
    units = np.tile([3.0, 4.0, 5.0, 0.0, 0.0, 4.0, 3.0], 6)
    cens = np.zeros_like(units, dtype=bool)
    cens[[24, 25]] = True
    hist = history_from_array(units, censored=cens, item_ids=["SKU-1"])
    fc = forecast_demand(hist, SES(alpha=0.2), horizon=7, quantiles=(0.1, 0.5, 0.9))
    ax = fc.plot("SKU-1")
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "censored (stockout)" in labels
    assert "80% interval" in labels
    assert ax.get_title() == "Demand forecast for SKU-1 (model ses)"
    import matplotlib.pyplot as plt

    plt.close("all")


# ------------------------------------------------------------------------ forecast_demand
def test_forecast_demand_statuses_and_nothing_lost():
    rng = np.random.default_rng(0)
    units = rng.poisson(3.0, size=(5, 90)).astype(float)
    units[1] = np.nan  # never active
    units[3, :85] = np.nan  # new item: 5 days of history, too short for the backtest
    cens = np.zeros(units.shape, bool)
    cens[2] = True  # always out of stock
    ids = ["ok", "never", "censored", "new", "zero"]
    units[4] = 0.0
    hist = history_from_array(units, censored=cens, item_ids=ids)
    before = hist.units.copy()
    fc = forecast_demand(hist, [SES(), TSB()], horizon=14, random_state=0)
    np.testing.assert_array_equal(hist.units, before)  # input not mutated
    st_ = fc.status["status"]
    assert st_.to_dict() == {
        "ok": "ok",
        "never": "no_history",
        "censored": "fully_censored",
        "new": "fallback",
        "zero": "no_demand",  # observed, never sold (issue 9): not "ok", not "all_returns"
    }
    assert "too short for a backtest" in fc.status.loc["new", "reason"]
    assert "never sold" in fc.status.loc["zero", "reason"]
    assert np.isnan(fc.mean[[1, 2]]).all()
    assert (fc.model[[1, 2]] == "none").all()
    assert (fc.mean[4] == 0).all()
    assert (fc.sample_paths(10, random_state=0)[4] == 0).all()
    assert np.isfinite(fc.mean[[0, 3]]).all()
    assert fc.to_frame()["item_id"].nunique() == 5
    # deterministic given random_state
    fc2 = forecast_demand(hist, [SES(), TSB()], horizon=14, random_state=0)
    np.testing.assert_array_equal(fc.mean, fc2.mean)
    np.testing.assert_array_equal(
        fc.sample_paths(20, random_state=1), fc2.sample_paths(20, random_state=1)
    )


def test_forecast_demand_errors():
    hist = history_from_array(np.ones((1, 30)))
    with pytest.raises(TypeError, match="history must be a DemandHistory"):
        forecast_demand(pd.DataFrame(), horizon=7)
    with pytest.raises(ValueError, match="horizon must be an int >= 1"):
        forecast_demand(hist, horizon=0)
    with pytest.raises(ValueError, match="model must be 'auto'"):
        forecast_demand(hist, "best", horizon=7)
    with pytest.raises(ValueError, match="calibration must be one of"):
        forecast_demand(hist, horizon=7, calibration="conformal")
    with pytest.raises(ValueError, match="quantiles must be a fraction"):
        forecast_demand(hist, horizon=7, quantiles=(0.5, 1.5))


def test_auto_has_seasonal_and_intermittent_candidates():
    aliases = [m.alias for m in candidate_models("D")]
    assert len(aliases) >= 6
    assert len(set(aliases)) == len(aliases)
    assert any("winters" in a or "seasonal" in a for a in aliases)
    assert {"sba", "tsb", "imapa"} <= set(aliases)


def test_too_short_history_falls_back_with_reason():
    # 8 periods: one backtest window of 7 needs 7 + 2 = 9 (two windows would need 16, but
    # a history with room for fewer windows is backtested on those)
    hist = history_from_array(np.full((2, 8), 2.0))
    fc = forecast_demand(hist, "auto", horizon=7, fallback="ses")
    assert (fc.status["status"] == "fallback").all()
    assert fc.status["reason"].str.contains("no backtest possible").all()
    assert fc.calibration == "insample"
    assert (fc.model == "ses").all()
    # 10 periods hold one window: backtested and chosen, not a fallback
    one = forecast_demand(history_from_array(np.full((2, 10), 2.0)), "auto", horizon=7)
    assert (one.status["status"] == "ok").all()
    assert one.calibration == "backtest"


def test_coverage_on_simulated_negative_binomial_demand():
    # 300 items, NB demand with dispersion 0.5 around item rates 0.2 .. 8 per day;
    # fit on 300 days, score the next 28: PIT coverage within 4 points of nominal
    rng = np.random.default_rng(11)
    n, t_len, h = 300, 300, 28
    rate = np.exp(rng.uniform(np.log(0.2), np.log(8.0), size=(n, 1)))
    lam = rate * rng.gamma(2.0, 0.5, size=(n, t_len + h))
    y = rng.poisson(lam).astype(float)
    hist = history_from_array(y[:, :t_len])
    fc = forecast_demand(hist, "auto", horizon=h, quantiles=(0.025, 0.1, 0.9, 0.975))
    test = y[:, t_len:]
    c80 = np.mean(dist.pit_coverage(test, fc.mean, fc.dispersion, fc.count, 0.1, 0.9))
    c95 = np.mean(dist.pit_coverage(test, fc.mean, fc.dispersion, fc.count, 0.025, 0.975))
    assert c80 == pytest.approx(0.80, abs=0.04)
    assert c95 == pytest.approx(0.95, abs=0.03)
    # cumulative 28-day demand: the 80 % interval of the path sums covers about 80 %
    cq = fc.cumulative_quantiles([0.1, 0.9], n_paths=1000, random_state=0)
    tot = test.sum(axis=1)
    inside = (cq[:, 0, -1] <= tot) & (tot <= cq[:, 1, -1])
    assert inside.mean() == pytest.approx(0.80, abs=0.08)


def test_combination_mean_is_the_average_of_its_members():
    rng = np.random.default_rng(4)
    hist = history_from_array(rng.poisson(2.0, size=(3, 100)).astype(float))
    both = forecast_demand(hist, [SES(alpha=0.1), TSB()], horizon=5, combine=2, shrinkage=0)
    assert set(both.model) <= {"ses+tsb", "tsb+ses"}
    ses = forecast_demand(hist, SES(alpha=0.1), horizon=5).mean
    tsb = forecast_demand(hist, TSB(), horizon=5).mean
    np.testing.assert_allclose(both.mean, (ses + tsb) / 2)
    assert both.status["reason"].str.startswith("mean of the 2 models").all()
    insample = forecast_demand(hist, SES(alpha=0.1), horizon=5, calibration="insample")
    assert insample.calibration == "insample"
    assert (insample.level_correlation == 0).all()


def test_interval_coverage_of_a_calibrated_poisson_forecast_is_nominal():
    # Poisson(2) data scored against the true Poisson(2) forecast: the PIT coverage of the
    # central 80 % interval averages 0.8; Monte-Carlo standard error over 200 x 50 cells
    # is at most sqrt(0.25 / 10_000) = 0.005, so 0.02 is 4 standard errors.
    import stockout_forecast as sof

    rng = np.random.default_rng(1)
    dates = pd.date_range("2025-01-01", periods=50)
    ids = np.array([f"I{i}" for i in range(200)])
    f = sof.DemandForecast.from_mean(ids, dates, np.full((200, 50), 2.0))
    y = rng.poisson(2.0, size=(200, 50)).astype(float)
    assert np.nanmean(f.interval_coverage(y, 0.8)) == pytest.approx(0.8, abs=0.02)
    # a forecast twice too high is not calibrated
    g = sof.DemandForecast.from_mean(ids, dates, np.full((200, 50), 4.0))
    assert np.nanmean(g.interval_coverage(y, 0.8)) < 0.7
    y[0, 0] = np.nan
    assert np.isnan(f.interval_coverage(y, 0.8)[0, 0])


# ------------------------------------------------------------------------ path sampler (HB)
def _chi_square_pvalue(draws: np.ndarray, pmf: np.ndarray) -> float:
    """Pearson chi-square p-value of integer draws against a pmf over 0..len(pmf)-1.

    Cells are pooled (left to right, the rest into the last) so that every expected count is
    at least 5, the usual condition for the chi-square approximation.
    """
    d = draws.astype(np.int64).ravel()
    obs = np.bincount(np.minimum(d, pmf.size - 1), minlength=pmf.size).astype(float)
    exp = pmf * d.size
    exp[-1] = d.size - exp[:-1].sum()  # the last cell takes the whole upper tail
    o_cells, e_cells, o_acc, e_acc = [], [], 0.0, 0.0
    for o, e in zip(obs, exp, strict=True):
        o_acc, e_acc = o_acc + o, e_acc + e
        if e_acc >= 5:
            o_cells.append(o_acc)
            e_cells.append(e_acc)
            o_acc = e_acc = 0.0
    o_cells[-1] += o_acc
    e_cells[-1] += e_acc
    o_arr, e_arr = np.array(o_cells), np.array(e_cells)
    chi2 = float(((o_arr - e_arr) ** 2 / e_arr).sum())
    return float(stats.chi2.sf(chi2, o_arr.size - 1))


@pytest.mark.parametrize(
    ("m", "phi", "rho"),
    [
        (3.0, 0.0, 0.0),  # Poisson
        (0.05, 1.0, 0.0),  # intermittent: 95 % zeros
        (2.0, 0.5, 0.6),  # strong shared level
        (8.0, 0.3, 0.2),
        (1.0, 4.0, 0.5),  # very long tail
        (60.0, 0.1, 0.3),  # long dense walk
        (75.0, 0.001, 0.0),  # near-Poisson, P(0) = e^-72: float32 near its normal limit
        (400.0, 0.3, 0.2),  # past _MAX_DENSE_STEPS: gamma-Poisson branch
    ],
)
def test_sampler_marginal_matches_negative_binomial_pmf(m, phi, rho):
    # Each period's marginal is NB(shape 1/phi, mean m) (Poisson at phi = 0) whatever the
    # level correlation. One period per path (periods of a path share the level factor, so
    # only one of them is an independent draw) and 20,000 paths x 3 items: a Pearson
    # chi-square test at the 0.1 % level (seeded, so deterministic); a sample drawn with a
    # mean 20 % off must be rejected by the same test, so the test has the power to fail.
    n_items, n = 3, 20000
    mean = np.full((n_items, 4), m)
    d = smp.sample_paths(
        mean,
        np.full(n_items, phi),
        np.full(n_items, rho),
        np.ones(n_items, bool),
        n,
        np.random.default_rng(11),
    )[:, :, 2]
    assert d.shape == (n_items, n)
    assert (d >= 0).all()
    assert (d == np.round(d)).all()
    k = np.arange(int(d.max()) + 50)
    if phi == 0:
        pmf = stats.poisson.pmf(k, m)
    else:
        pmf = stats.nbinom.pmf(k, 1 / phi, 1 / (1 + phi * m))
    assert _chi_square_pvalue(d, pmf) > 1e-3
    off = smp.sample_paths(
        mean * 1.2,
        np.full(n_items, phi),
        np.full(n_items, rho),
        np.ones(n_items, bool),
        n,
        np.random.default_rng(11),
    )[:, :, 2]
    assert _chi_square_pvalue(off, pmf) < 1e-3


def test_sampler_tail_uniforms_next_to_one_are_inverted(monkeypatch):
    # Uniforms within float32 rounding of 1: the float32 CDF walk stalls below some of them
    # and those cells are redone in float64. Every draw must be scipy's inverse CDF at u, up
    # to the float32 rounding of the CDF (at most 1e-6): ppf(u - 1e-6) <= draw <= ppf(u).
    class NearOne:
        def random(self, size, dtype=np.float64, out=None):
            out[...] = np.float32(1.0) - np.float32(2.0**-24)  # largest float32 below 1
            return out

    precisions = []
    walk = smp._walk

    def spy(u, *args):
        precisions.append(args[4].dtype)  # dtype of the pmf carried by the walk
        return walk(u, *args)

    monkeypatch.setattr(smp, "_walk", spy)
    m = np.array([[2.0, 30.0], [0.5, 5.0]])
    f = np.array([0.5, 0.0])  # one NB item (shape 2), one Poisson item
    s = np.array([2.0, 1.0])  # shape a + b = 1 / phi (no shared level)
    out = np.zeros((2, 3, 2))
    steps = np.array([5, 3])
    work = {}
    smp._count_draws(m, f, np.ones((2, 3)), s, steps, NearOne(), out, np.arange(2), work)
    smp._finish_tail(out, work)  # the walks beyond the dense sweep
    assert precisions == [np.float32, np.float64]  # the float64 redo ran
    u = float(np.float32(1.0) - np.float32(2.0**-24))
    for q in (u, u - 1e-6):
        hi = q == u
        want = np.stack(
            [stats.nbinom.ppf(q, 2.0, 1 / (1 + 0.5 * m[0])), stats.poisson.ppf(q, m[1])]
        )[:, None, :]
        assert (out <= want).all() if hi else (out >= want).all()
    # the NB item with mean 30, redone in float64, is exact: scipy gives 304 at this u
    assert out[0, 0, 1] == stats.nbinom.ppf(u, 2.0, 1 / (1 + 0.5 * 30.0))


def test_sampler_cells_with_p0_below_float32_range_are_drawn_in_float64(monkeypatch):
    # Poisson(95): P(0) = e^-95 and NB(shape 1000, mean 95): P(0) = 1.095^-1000 = e^-90.8
    # are below float32's normal range (e^-87.3); their cells are redone in float64 and,
    # with every uniform at 0.5, equal scipy's medians exactly.
    class Half:
        def random(self, size, dtype=np.float64, out=None):
            out[...] = 0.5
            return out

    precisions = []
    walk = smp._walk

    def spy(u, *args):
        precisions.append(args[4].dtype)
        return walk(u, *args)

    monkeypatch.setattr(smp, "_walk", spy)
    m = np.array([[95.0, 95.0], [95.0, 95.0], [2.0, 2.0]])
    f = np.array([0.0, 0.001, 0.5])
    s = np.array([1.0, 1000.0, 2.0])
    out = np.zeros((3, 4, 2))
    work = {}
    smp._count_draws(
        m, f, np.ones((3, 4)), s, np.array([100, 100, 8]), Half(), out, np.arange(3), work
    )
    smp._finish_tail(out, work)
    assert np.float64 in precisions
    assert (out[0] == stats.poisson.ppf(0.5, 95.0)).all()
    assert (out[1] == stats.nbinom.ppf(0.5, 1000.0, 1 / (1 + 0.001 * 95.0))).all()
    assert (out[2] == stats.nbinom.ppf(0.5, 2.0, 1 / (1 + 0.5 * 2.0))).all()  # float32 cells


def test_sample_paths_into_out_gives_the_same_paths():
    fc = _correlated_forecast()
    want = fc.sample_paths(30, random_state=4)
    buf = np.full((2, 30, 5), -1.0)
    got = fc.sample_paths(30, random_state=4, out=buf)
    assert got is buf
    np.testing.assert_array_equal(buf, want)
    with pytest.raises(
        ValueError, match=r"out must be a C-ordered float64 array of shape \(2, 30, 5\)"
    ):
        fc.sample_paths(30, random_state=4, out=np.zeros((2, 5, 30)))

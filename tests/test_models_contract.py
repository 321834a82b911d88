"""One contract, every model (STYLE.md §2, §9): the same checks for each forecasting model.

fit returns self; predict before fit raises NotFittedError (a ValueError); shapes; means
non-negative and finite; reproducible with random_state; input arrays not mutated; the
edge cases all-zero / single-sale / fully-censored / late-start / one-period handled with a
finite forecast and a status; parameters round-trip through get_params/set_params.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from stockout_forecast.exceptions import NotFittedError
from stockout_forecast.forecast import (
    ADIDA,
    IMAPA,
    SBA,
    SES,
    TSB,
    Croston,
    ForecastModel,
    GlobalGBM,
    Holt,
    HoltWinters,
    MovingAverage,
    SeasonalNaive,
    StatsmodelsETS,
    history_from_array,
)
from stockout_forecast.forecast.registry import REGISTRY, make_model

#: faster settings for the contract runs of a registered model (same class and form)
FAST = {"global_gbm": {"max_iter": 15, "max_train_rows": 5_000, "random_state": 0}}
#: forms of the registered classes that the registry does not name
EXTRA = [
    Croston(alpha=None, alias="croston_opt"),
    SBA(alias="sba_fixed"),  # the classic fixed constant 0.1
    HoltWinters(seasonal="mul"),
]


def _models() -> list[ForecastModel]:
    """Every registered model (the registry is the list), then the extra forms."""
    return [make_model(alias, **FAST.get(alias, {})) for alias in REGISTRY] + EXTRA


MODELS = _models()
IDS = [m.alias for m in MODELS]

ALL_ZERO, SINGLE_SALE, CENSORED, LATE, SMOOTH, LUMPY = range(6)


def _edge_panel(t: int = 70, seed: int = 0):
    """Six items: all zero, a single sale, fully censored, late start, smooth, lumpy."""
    rng = np.random.default_rng(seed)
    y = np.zeros((6, t))
    y[SINGLE_SALE, t // 2] = 4.0
    y[CENSORED] = rng.poisson(3.0, t)
    y[LATE, : t - 20] = np.nan
    y[LATE, t - 20 :] = rng.poisson(2.0, 20) + 1.0
    y[SMOOTH] = rng.poisson(6.0, t)
    y[LUMPY] = rng.poisson(5.0, t) * (rng.random(t) < 0.2)
    cens = np.zeros_like(y, dtype=bool)
    cens[CENSORED] = True
    cens[SMOOTH, 10:13] = True
    return history_from_array(y, censored=cens, item_ids=[f"I{i}" for i in range(6)])


@pytest.fixture(scope="module")
def panel():
    return _edge_panel()


def _clone(model: ForecastModel) -> ForecastModel:
    return type(model)(**model.get_params())


def _fit_quiet(model: ForecastModel, hist) -> ForecastModel:
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # our code must not warn (statsmodels' own are caught)
        return model.fit(hist)


@pytest.mark.parametrize("model", MODELS, ids=IDS)
def test_predict_before_fit_raises_not_fitted(model):
    m = _clone(model)
    with pytest.raises(
        NotFittedError, match=rf"This {type(model).__name__} instance is not fitted"
    ):
        m.predict(3)
    with pytest.raises(ValueError, match="call fit"):
        m.predict(3)
    assert issubclass(NotFittedError, ValueError)


@pytest.mark.parametrize("model", MODELS, ids=IDS)
def test_fit_returns_self_shapes_and_nonnegative(model, panel):
    m = _clone(model)
    assert _fit_quiet(m, panel) is m
    p = m.predict(9)
    assert p.shape == (6, 9)
    assert p.dtype == np.float64
    assert np.isfinite(p).all()
    assert (p >= 0).all()
    assert m.fitted_.shape == (6, panel.n_periods)
    finite = np.isfinite(m.fitted_)
    assert (m.fitted_[finite] >= 0).all()
    assert m.status_.shape == (6,)
    assert m.reason_.shape == (6,)
    assert m.item_ids_.tolist() == [f"I{i}" for i in range(6)]
    assert m.future_periods(9)[0] == panel.periods[-1] + pd.Timedelta(days=1)
    frame = m.status_frame()
    assert frame.index.name == "item_id"
    assert frame.columns.tolist() == ["status", "reason"]


@pytest.mark.parametrize("model", MODELS, ids=IDS)
def test_edge_cases(model, panel):
    m = _fit_quiet(_clone(model), panel)
    p = m.predict(5)
    # fully censored: nothing observed -> finite forecast 0 and a flag H5b can report
    assert (p[CENSORED] == 0).all()
    assert m.status_[CENSORED] == "no_observed_periods"
    assert "censored" in m.reason_[CENSORED]
    assert np.isnan(m.fitted_[CENSORED]).all()
    # all zero: forecast 0 (the global model pools items, so it may only be near 0)
    tol = 0.5 if isinstance(m, GlobalGBM) else 0.0
    assert (p[ALL_ZERO] <= tol).all()
    # a single sale of 4 units: a finite forecast no larger than the sale
    assert (p[SINGLE_SALE] <= 4.0 + 1e-9).all()
    # late start: the NaN lead-in is skipped; fitted NaN before the first observed period
    assert np.isnan(m.fitted_[LATE, : panel.n_periods - 20]).all()
    assert (p[LATE] > 0).all()
    # smooth seller: forecast in a plausible range around the Poisson rate 6
    assert 2 < p[SMOOTH].mean() < 14
    assert m.status_[SMOOTH] == "ok"


@pytest.mark.parametrize("model", MODELS, ids=IDS)
def test_one_period_history(model):
    hist = history_from_array(
        np.array([[3.0], [0.0], [5.0]]), censored=np.array([[False], [False], [True]])
    )
    m = _fit_quiet(_clone(model), hist)
    p = m.predict(4)
    assert p.shape == (3, 4)
    assert np.isfinite(p).all()
    assert (p >= 0).all()
    assert (p[2] == 0).all()
    assert m.status_[2] == "no_observed_periods"
    factor = 1.0 - m.alpha_[0] / 2.0 if isinstance(m, SBA) else 1.0  # SBA's debiasing
    assert p[0, 0] == pytest.approx(3.0 * factor)
    assert np.isnan(m.fitted_).all()


@pytest.mark.parametrize("model", MODELS, ids=IDS)
def test_input_history_not_mutated(model, panel):
    before = {k: getattr(panel, k).copy() for k in ("units", "censored", "suspected")}
    ids = panel.item_ids.copy()
    _fit_quiet(_clone(model), panel).predict(3)
    for k, v in before.items():
        np.testing.assert_array_equal(getattr(panel, k), v)
    np.testing.assert_array_equal(panel.item_ids, ids)


@pytest.mark.parametrize("model", MODELS, ids=IDS)
def test_reproducible(model, panel):
    a = _fit_quiet(_clone(model), panel)
    b = _fit_quiet(_clone(model), panel)
    np.testing.assert_array_equal(a.predict(7), b.predict(7))
    np.testing.assert_array_equal(a.fitted_, b.fitted_)


def test_global_gbm_random_state_controls_sampling():
    rng = np.random.default_rng(1)
    hist = history_from_array(rng.poisson(3.0, (40, 200)).astype(float))
    kw = {"max_iter": 10, "max_train_rows": 1_000}
    a = GlobalGBM(random_state=3, **kw).fit(hist)
    b = GlobalGBM(random_state=3, **kw).fit(hist)
    c = GlobalGBM(random_state=4, **kw).fit(hist)
    np.testing.assert_array_equal(a.predict(5), b.predict(5))
    assert not np.array_equal(a.predict(5), c.predict(5))
    assert a.n_train_rows_ == 1_000


def test_global_gbm_quantiles_sorted_and_errors():
    rng = np.random.default_rng(2)
    hist = history_from_array(rng.poisson([[1.0], [8.0]], (2, 150)).astype(float))
    m = GlobalGBM(quantiles=(0.9, 0.1, 0.5), max_iter=20, random_state=0).fit(hist)
    q = m.predict_quantiles(6)
    assert q.shape == (2, 3, 6)
    assert (np.diff(q, axis=1) >= 0).all()
    assert (q >= 0).all()
    assert sorted(m.quantile_estimators_) == [0.1, 0.5, 0.9]
    # the high seller's median is above the slow seller's
    assert (q[1, 1] > q[0, 1]).all()
    with pytest.raises(ValueError, match=r"fitted without quantiles; pass quantiles=\(0.1"):
        GlobalGBM(max_iter=5, random_state=0).fit(hist).predict_quantiles(2)
    with pytest.raises(ValueError, match=r"quantiles must be a fraction in \(0, 1\); got 90"):
        GlobalGBM(quantiles=(90,)).fit(hist)


@pytest.mark.parametrize("model", MODELS, ids=IDS)
def test_censored_values_do_not_matter(model, panel):
    """Whatever was recorded on a censored day, the fit is the same (it is not read)."""
    units = panel.units.copy()
    units[SMOOTH, 10:13] = [0.0, 99.0, 7.0]
    other = history_from_array(units, censored=panel.censored, item_ids=panel.item_ids)
    a = _fit_quiet(_clone(model), panel)
    b = _fit_quiet(_clone(model), other)
    np.testing.assert_allclose(a.predict(5), b.predict(5), rtol=0, atol=1e-9)


@pytest.mark.parametrize("model", MODELS, ids=IDS)
def test_params_round_trip_and_repr(model):
    params = model.get_params()
    clone = type(model)(**params)
    assert clone.get_params() == params
    assert clone.alias == model.alias
    assert repr(clone) == repr(model)
    assert repr(model).startswith(type(model).__name__ + "(")
    with pytest.raises(ValueError, match=r"'nope' is not a parameter of"):
        clone.set_params(nope=1)
    assert clone.set_params(alias="renamed") is clone
    assert clone.alias == "renamed"
    assert clone.get_params()["alias"] == "renamed"
    assert "alias='renamed'" in repr(clone)


def test_default_aliases_are_distinct_and_follow_parameters():
    aliases = [m.alias for m in MODELS]
    assert len(set(aliases)) == len(aliases)
    assert Holt(damped=True).alias == "holt_damped"
    assert HoltWinters(seasonal="mul", damped=True).alias == "holt_winters_mul_damped"
    assert HoltWinters(trend=False).alias == "holt_winters_add_notrend"
    # alias=None is kept as the parameter (clone follows later parameter changes)
    h = Holt()
    assert h.get_params()["alias"] is None
    h.set_params(damped=True)
    assert h.alias == "holt_damped"


def test_daily_weekly_monthly_defaults():
    rng = np.random.default_rng(0)
    y = rng.poisson(4.0, (2, 60)).astype(float)
    for freq, m in (("D", 7), ("W", 52), ("M", 12)):
        hist = history_from_array(y, freq=freq)
        assert SeasonalNaive().fit(hist).season_length_ == m
        hw = HoltWinters(trend=False).fit(hist)
        assert hw.season_length_ == m
        assert hw.predict(3).shape == (2, 3)
        # weekly data with 60 weeks: season indices initialised from one season (52 weeks)
        assert hw.status_.tolist() == ["ok", "ok"]
        assert not hw.yearly_.any()  # yearly Fourier terms are for daily data only
    assert MovingAverage().fit(history_from_array(y, freq="W")).window_ == 13
    assert GlobalGBM(max_iter=5, random_state=0).fit(history_from_array(y, freq="M")).predict(
        2
    ).shape == (2, 2)


@pytest.mark.parametrize(
    ("model", "message"),
    [
        (SES(alpha=1.5), r"SES: alpha must be in \(0, 1\) or None \(optimised\); got 1.5"),
        (Holt(beta=1.0), r"Holt: beta must be in \[0, 1\) or None; got 1.0"),
        (HoltWinters(seasonal="multiplicative"), r"seasonal must be 'add' or 'mul'"),
        (HoltWinters(season_length=1), r"season_length must be >= 2; got 1. Use Holt or SES"),
        (SeasonalNaive(season_length=0), r"season_length must be an int >= 1"),
        (MovingAverage(window=0), r"MovingAverage: window must be an int >= 1; got 0"),
        (TSB(beta=0.0), r"TSB: beta must be in \(0, 1\)"),
        (ADIDA(aggregation=0), r"ADIDA: aggregation must be an int >= 1; got 0"),
        (GlobalGBM(max_iter=0), r"GlobalGBM: max_iter must be an int >= 1; got 0"),
        (StatsmodelsETS(trend="linear"), r"trend must be one of \(None, 'add', 'mul'\)"),
    ],
)
def test_invalid_parameters_named_in_errors(model, message, panel):
    with pytest.raises(ValueError, match=message):
        model.fit(panel)


def test_errors_for_bad_inputs(panel):
    with pytest.raises(TypeError, match=r"SES.fit expects a DemandHistory .* got DataFrame"):
        SES().fit(pd.DataFrame({"units": [1.0]}))
    m = SES().fit(panel)
    for bad in (0, -1, 2.5, True):
        with pytest.raises(ValueError, match=r"horizon must be an int >= 1 \(periods\); got"):
            m.predict(bad)
    with pytest.raises(TypeError, match="alias must be a non-empty str or None; got ''"):
        SES(alias="").fit(panel)
    hw = HoltWinters(yearly=True)
    with pytest.raises(
        ValueError, match=r"yearly=True is for daily data; this history has freq='W'"
    ):
        hw.fit(history_from_array(np.ones((1, 60)), freq="W"))


def test_statsmodels_ets_is_capped_and_matches_statsmodels():
    from statsmodels.tsa.exponential_smoothing.ets import ETSModel

    rng = np.random.default_rng(4)
    y = 20 + np.cumsum(rng.normal(0, 1, 80))
    hist = history_from_array(np.vstack([y, y[::-1]]))
    with pytest.raises(ValueError, match=r"the history has 2 items, above max_items=1\. Use the"):
        StatsmodelsETS(max_items=1).fit(hist)
    m = StatsmodelsETS(trend="add", damped_trend=True).fit(hist)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = ETSModel(y, error="add", trend="add", damped_trend=True).fit(disp=False)
    np.testing.assert_allclose(m.predict(6)[0], np.maximum(ref.forecast(6), 0), rtol=1e-8)
    # a multiplicative component on a series with zeros is not fitted: flagged fallback
    z = np.abs(y.copy())
    z[5] = 0.0
    fb = StatsmodelsETS(error="mul").fit(history_from_array(z))
    assert fb.status_[0] == "model_fallback"
    assert "positive demand" in fb.reason_[0]
    assert fb.predict(2)[0, 0] == pytest.approx(z.mean())


def test_statsmodels_ets_seasonal_fills_censored_by_phase():
    t = np.arange(56)
    y = 10 + 4 * (t % 7 == 5) + np.random.default_rng(0).normal(0, 0.3, 56)
    cens = np.zeros((1, 56), bool)
    cens[0, 40] = True
    a = y.copy()
    a[40] = 500.0
    m1 = StatsmodelsETS(seasonal="add").fit(history_from_array(a, censored=cens))
    m2 = StatsmodelsETS(seasonal="add").fit(history_from_array(y, censored=cens))
    np.testing.assert_allclose(m1.predict(7), m2.predict(7))
    short = StatsmodelsETS(seasonal="add").fit(history_from_array(y[:10]))
    assert short.status_[0] == "short_history"
    assert "two seasons" in short.reason_[0]


@pytest.mark.parametrize("model", MODELS, ids=IDS)
@pytest.mark.parametrize("shape", [(0, 30), (2, 0)], ids=["no_items", "no_periods"])
def test_empty_histories(model, shape):
    m = _fit_quiet(_clone(model), history_from_array(np.zeros(shape)))
    p = m.predict(3)
    assert p.shape == (shape[0], 3)
    assert (p == 0).all()
    assert m.fitted_.shape == shape
    assert (m.status_ == "no_observed_periods").all()


def test_adida_aggregation_longer_than_history_is_flagged():
    hist = history_from_array(np.array([[0.0, 2.0, 0.0, 1.0]]))
    m = ADIDA(aggregation=10, alpha=0.5).fit(hist)
    assert m.status_[0] == "short_history"
    assert "aggregation 10 exceeds the 4 periods of history; buckets of 4 used" in m.reason_[0]
    # one bucket of 4 periods holding 3 units -> 3 / 4 per period
    assert m.predict(2).tolist() == [[0.75, 0.75]]
    # the automatic level is capped at max_aggregation (and at half the history)
    sparse = np.zeros((1, 100))
    sparse[0, 24::25] = 5.0  # demands at periods 25, 50, 75, 100: ADI = 100 / 4 = 25
    assert ADIDA().fit(history_from_array(sparse)).aggregation_[0] == 25
    # ADI counts intervals between demands: the zero run after the last one is not one
    # (demands at 1, 26, 51, 76 of 100 periods: ADI = 76 / 4 = 19, not 100 / 4)
    early = np.zeros((1, 100))
    early[0, ::25] = 5.0
    assert ADIDA().fit(history_from_array(early)).aggregation_[0] == 19
    assert ADIDA(max_aggregation=10).fit(history_from_array(sparse)).aggregation_[0] == 10
    assert IMAPA(max_aggregation=3).fit(history_from_array(sparse)).aggregation_[0] == 3


@settings(max_examples=15, deadline=None)
@given(
    st.integers(1, 4).flatmap(
        lambda n: st.tuples(
            st.lists(
                st.lists(st.integers(0, 30), min_size=1, max_size=40).map(tuple),
                min_size=n,
                max_size=n,
            ),
            st.integers(0, 2**31 - 1),
        )
    )
)
def test_any_count_panel_gives_finite_nonnegative_forecasts(data):
    rows, seed = data
    t = max(len(r) for r in rows)
    y = np.full((len(rows), t), np.nan)
    for i, r in enumerate(rows):
        y[i, t - len(r) :] = r  # items start at different times
    cens = np.random.default_rng(seed).random(y.shape) < 0.2
    hist = history_from_array(y, censored=cens)
    for model in MODELS:
        if isinstance(model, (GlobalGBM, StatsmodelsETS)):
            continue  # covered above; too slow for many examples
        m = _fit_quiet(_clone(model), hist)
        p = m.predict(4)
        assert np.isfinite(p).all(), m.alias
        assert (p >= 0).all(), m.alias
        # no forecast exceeds the largest observed demand by more than a trend allows
        top = np.nanmax(np.where(hist.observed, y, np.nan), axis=1, initial=0.0)
        if not isinstance(model, (Holt, HoltWinters)):
            assert (p <= top[:, None] + 1e-9).all(), m.alias


# ------------------------------------------------------------------------ the registry
def test_every_public_model_class_is_registered():
    """A model class that exists but cannot be named by model=... is a registry gap."""
    import stockout_forecast.forecast.models as family

    classes = {getattr(family, n) for n in family.__all__ if isinstance(getattr(family, n), type)}
    registered = {spec.model_class() for spec in REGISTRY.values()}
    assert classes == registered


def test_registry_names_are_the_public_model_names():
    """forecast_demand(model=name) gives that model, named as registered, for every name."""
    from stockout_forecast.forecast import candidate_models, forecast_demand
    from stockout_forecast.forecast.core import CANDIDATES

    rng = np.random.default_rng(5)
    hist = history_from_array(rng.poisson(2.0, (3, 63)).astype(float))
    for alias in REGISTRY:
        assert make_model(alias).alias == alias
        fc = forecast_demand(hist, alias, horizon=4, n_paths=10, random_state=0)
        assert fc.model.tolist() == [alias] * 3, alias
        assert np.isfinite(fc.mean).all(), alias
    # the automatic candidates are registered models, listed once
    assert [m.alias for m in candidate_models("W")] == list(CANDIDATES)
    assert set(CANDIDATES) <= set(REGISTRY)
    # a list of names is a list of candidates, chosen per item
    fc = forecast_demand(hist, ["tsb", "historic_average"], horizon=4, random_state=0)
    assert set("+".join(fc.model).split("+")) <= {"tsb", "historic_average"}
    with pytest.raises(ValueError, match=r"got 'tbs'\. Registered: \['naive', "):
        forecast_demand(hist, "tbs", horizon=4)
    with pytest.raises(ValueError, match=r"unknown model 'tbs'; registered models: \["):
        make_model("tbs")


def test_frequency_dependent_registered_parameters():
    assert make_model("moving_average_long", freq="D").window == 182
    assert make_model("moving_average_long", freq="W").window == 26
    assert make_model("moving_average_long", freq="M").window == 12
    assert make_model("ses_slow", freq="M").alpha == 0.05
    # a caller's parameter wins over the registered one; the name stays
    m = make_model("ses_slow", alpha=0.2)
    assert (m.alpha, m.alias) == (0.2, "ses_slow")

"""``forecast_demand``: per-item model choice by backtest, calibrated probabilistic forecasts.

The work is four named steps, run in order by :func:`_forecast_demand`: choose a model per
item (:func:`_select`), refit the chosen models on all periods (:func:`_fit_chosen`), put
a calibrated distribution around the means (:func:`_calibrate`) and give every item a
status (:func:`_statuses`).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from .._utils import RandomStateLike, check_fractions, check_random_state
from ..exceptions import InsufficientHistoryError
from ..history.panel import DemandHistory
from . import _distribution as dist
from . import _level, _profile
from ._base import _future_periods
from ._choice import Decision, Rule, decide
from ._kernels import prepare_panel
from ._pool import ForecastPool, Pooled
from ._spread import _calibrate
from .backtest import (
    BacktestArrays,
    check_models,
    clone_model,
    count_items,
    run_backtest,
)
from .registry import REGISTRY, make_model, model_names
from .result import DemandForecast
from .selection import _LOWER_IS_BETTER as METRICS
from .selection import N_VOLUME_GROUPS, Ranking, demand_classes, volume_edges, volume_groups

__all__ = ["candidate_models", "forecast_demand"]

CALIBRATIONS = ("backtest", "insample")
#: the candidates of ``model="auto"``, by registry alias (benchmarks/study_selection.py)
CANDIDATES = (
    "ses",
    "holt_damped",
    "moving_average",
    "holt_winters_add_notrend",
    "seasonal_naive",
    "sba",
    "tsb",
    "imapa",
    "adida",
    "historic_average",
    "moving_average_long",
    "ses_slow",
)
#: the long-memory levels that the selection falls back to (``long_memory_margin``)
LONG_MEMORY = ("historic_average", "moving_average_long", "ses_slow")


def candidate_models(freq: str = "D") -> list[Any]:
    """The candidate models of ``forecast_demand(model="auto")`` for a frequency.

    Parameters
    ----------
    freq : {"D", "W", "M"}
        Period length of the history.

    Returns
    -------
    list of model instances
        Twelve models with unique aliases, built from the model registry
        (:mod:`stockout_forecast.forecast.registry`): smooth-demand (``ses``, damped Holt
        ``holt_damped``, ``moving_average``), seasonal (``holt_winters_add_notrend``:
        additive day-of-week / week-of-year / month-of-year indices; ``seasonal_naive``),
        intermittent (``sba``, ``tsb``, ``imapa``, ``adida``) and the long-memory levels
        (``historic_average``, ``moving_average_long``: 182 days, 26 weeks or 12 months;
        ``ses_slow``: SES with a constant of 0.01 a day, 0.03 a week or 0.05 a month).

    Notes
    -----
    The set covers the Syntetos-Boylan demand classes: SES and damped Holt for smooth and
    trending demand, Holt-Winters without trend (seasonal SES) for weekly cycles, SBA
    (bias-corrected Croston, constant optimised per item) for intermittent demand, TSB for
    intermittent demand that may die out (obsolescence), ADIDA (temporal aggregation at the
    item's mean interval between demands) and IMAPA (the average over several aggregation
    levels) for lumpy demand, the moving average and seasonal naive as robust benchmarks,
    and the long-memory levels, which noisy demand whose level barely moves is hard to
    forecast better than (issue 9: on a grocery set the all-history average beat the
    earlier selection). Which of these is a candidate was chosen with the other selection
    defaults by ``benchmarks/study_selection.py`` (see :func:`forecast_demand`).

    References
    ----------
    Syntetos, A. A., Boylan, J. E. & Croston, J. D. (2005). On the categorization of demand
    patterns. *Journal of the Operational Research Society* 56(5), 495-503.
    Nikolopoulos, K. et al. (2011). An aggregate-disaggregate intermittent demand approach
    (ADIDA) to forecasting. *JORS* 62(3), 544-554.

    Examples
    --------
    >>> [m.alias for m in candidate_models("D")]  # doctest: +NORMALIZE_WHITESPACE
    ['ses', 'holt_damped', 'moving_average', 'holt_winters_add_notrend', 'seasonal_naive',
     'sba', 'tsb', 'imapa', 'adida', 'historic_average', 'moving_average_long', 'ses_slow']
    """
    if freq not in ("D", "W", "M"):
        raise ValueError(f"freq must be 'D', 'W' or 'M'; got {freq!r}.")
    return [make_model(alias, freq=freq) for alias in CANDIDATES]


def _resolve_models(model: Any, freq: str, random_state: RandomStateLike) -> list[Any]:
    """Model instances from ``"auto"``, a registered name, an instance or a list of them."""
    if isinstance(model, str) and model == "auto":
        models = candidate_models(freq)
    else:
        items = [model] if isinstance(model, str) or hasattr(model, "fit") else list(model)
        for m in items:
            if isinstance(m, str) and m not in REGISTRY:
                raise ValueError(
                    f"model must be 'auto', a registered model name, a model instance or a "
                    f"list of names and instances; got {m!r}. Registered: {model_names()}."
                )
        built = [make_model(m, freq=freq) if isinstance(m, str) else m for m in items]
        models = [clone_model(m) for m in check_models(built)]
    for m in models:
        if "random_state" in getattr(m, "get_params", dict)():
            m.set_params(random_state=random_state)
    return models


def forecast_demand(
    history: DemandHistory,
    model: Any = "auto",
    *,
    horizon: int,
    quantiles: Sequence[float] = (0.1, 0.5, 0.9),
    n_paths: int = 1000,
    n_windows: int = 2,
    step: int | None = None,
    metric: str = "mae",
    combine: int | None = None,
    fallback: str | None = None,
    calibration: str = "backtest",
    shrinkage: float = 10.0,
    long_memory_margin: float | None = 2.0,
    recency: float = 3.0,
    intermittent_only: Sequence[str] = (),
    censor_suspected: bool = False,
    weekday_profile: bool = True,
    level_correction: bool = False,
    random_state: RandomStateLike = None,
) -> DemandForecast:
    """Forecast demand per item with calibrated quantiles and sample paths.

    Parameters
    ----------
    history : DemandHistory
        Demand panel from :func:`stockout_forecast.history.demand.demand_history`. Censored and
        suspected stock-out periods are excluded from fitting and from backtest errors.
    model : "auto", str, model instance, or list of them
        ``"auto"``: the :func:`candidate_models`, chosen per item by backtest. A registered
        name (``"tsb"``, ``"holt_damped"``, ...; see
        :mod:`stockout_forecast.forecast.registry`) or one instance: that model for every
        item. A list of names or instances: chosen per item by backtest.
    horizon : int
        Periods to forecast (in the history's frequency), >= 1.
    quantiles : sequence of float
        Fractions in (0, 1) stored in the result (any other level: ``.quantile(q)``).
    n_paths : int
        Default number of sample paths of the result (``.sample_paths()``).
    n_windows : int, default 2
        Backtest windows (forecast origins) for selection and calibration; a history too
        short for them is backtested on as many as fit (``horizon + (w - 1) * step + 2``
        periods for ``w`` windows).
    step : int or None
        Periods between backtest origins (default ``horizon``).
    metric : str, default "mae"
        Selection metric (see :func:`select_models`). Every candidate forecasts the mean
        level; the metric only decides which. Absolute error is robust to the one or two
        spikes that dominate squared errors in short windows; ``"rmsse"`` (squared) and
        ``"mase"`` (absolute, scaled per window, so undefined where a window's in-sample
        scale is 0) are the alternatives. See Notes for the measured choice.
    combine : int or None, default None
        Average the best ``combine`` models per item (``None``: pick one).
    fallback : str or None
        Model alias for items too short for a backtest (default: the best model by median
        metric over all items).
    shrinkage : float, default 10.0
        Pseudo-windows with which each item's backtest score is shrunk towards the mean
        score of its Syntetos-Boylan demand class (smooth, erratic, intermittent, lumpy)
        before the choice; 0 chooses on the item's own windows alone. With an unscaled
        metric (MAE) the class mean is dominated by the high-volume items of the class.
    long_memory_margin : float or None, default 2.0
        Fall back to the best long-memory candidate (historic average, long moving
        average, slow SES) where the chosen model does not beat it on the backtest by this
        many standard errors (0: where it is not better on average), checked per demand
        class on windows the test did not see (Notes). ``None``: never.
    recency : float, default 3.0
        Weight of the latest backtest window in each item's mean score, relative to each
        earlier window (1: all windows alike; 3: the latest counts three times, so the
        choice follows the model that did best most recently unless the earlier windows
        disagree clearly). Chosen by leaving one dataset out among 1, 2 and 3.
    intermittent_only : sequence of str, default ()
        Candidate aliases offered only to items with intermittent demand (average
        inter-demand interval ADI >= 1.32: the intermittent and lumpy classes, and items
        with fewer than two demands); items with demand in most periods (smooth, erratic)
        never choose them. SBA's factor ``1 - alpha / 2`` corrects a bias of Croston's
        method that vanishes as the interval tends to one period (Syntetos & Boylan 2005),
        so on such items it only deflates the level. ``("sba",)`` was measured against
        the default and not chosen (benchmarks/README.md).
    censor_suspected : bool, default False
        Read suspected stock-outs (long zero runs flagged by ``demand_history`` without
        stock history) as unobserved, like censored periods. Default: as the sales they
        are -- measured on six datasets, skipping them raised the forecasts and the error
        wherever any were flagged (benchmarks/README.md). Censored periods (from stock
        history) are always skipped.
    weekday_profile : bool, default True
        Daily data: spread the level forecast by models without seasons over the week by
        each item's day-of-week profile (shrunk towards the profile of all items), so
        that a shop closed on Saturdays forecasts nothing for Saturdays.
    level_correction : bool, default False
        Multiply the means of a pool of items (unit and volume group) by a factor where
        their backtest forecasts ran consistently below or above the actuals: every window's
        ratio of actual to forecast totals on the same side of 1 and its 95 % interval
        (items as sampling units) excluding 1; the factor is the interval's bound nearest
        1. Stated per item in :attr:`DemandForecast.level_correction` (1.0: none). Off by
        default: it brings the 80 % interval of a data set whose means run 20-50 % low
        into calibration but raises the mean's absolute error on intermittent data (the
        mean of a skewed distribution is above its median); see Notes.
    calibration : {"backtest", "insample"}
        How the predictive distribution's spread is estimated: from the out-of-sample
        backtest errors of the chosen model (dispersion per item, level correlation
        pooled), or from the in-sample one-step errors (periods independent).
    random_state : int, Generator or None
        Seed for models with randomness (the global gradient-boosting model).

    Returns
    -------
    DemandForecast
        Mean, quantiles and sample paths per item; ``model`` is the chosen alias (``"a+b"``
        for a combination, ``"none"`` when not forecast) and ``status`` says per item
        ``"ok"``, ``"fallback"`` (too short for a backtest), ``"no_history"`` (never
        active), ``"fully_censored"`` (no observed period), ``"no_demand"`` (observed but
        never sold: forecast 0) or ``"all_returns"`` (returns only: forecast 0), with a
        reason.

    Raises
    ------
    TypeError
        When ``history`` is not a DemandHistory.
    ValueError
        For an invalid horizon, quantile, metric, calibration or model (an unknown model
        name lists the registered ones).

    Notes
    -----
    1. Backtest every candidate on ``n_windows`` rolling origins (:func:`backtest`; daily
       forecasts of models without seasons spread by the weekday profile) and choose per
       item the model (or the ``combine`` models) with the lowest mean ``metric`` (the
       latest window weighted ``recency`` times an earlier one), shrunk
       towards the item's demand class (:func:`select_models`). Then test the choice
       against the best long-memory candidate on the backtest windows the choice was not
       made on: the mean difference of their errors must favour the choice by
       ``long_memory_margin`` standard errors, else the item falls back to the long-memory
       model -- but only in the demand classes where falling back lowered the errors of
       backtest windows the test did not see (so data on which reacting pays keep their
       reactive models). Every default of this step (candidates, windows, the weight of the
       latest window, metric, shrinkage, combination, the margin, the weekday profile,
       intermittent-only candidates) was chosen by leaving one
       of six datasets out at a time (``benchmarks/study_selection.py``: carparts, RAF,
       refinery, dunnhumby, online_retail, the demo): each dataset is scored with the
       setting the other five prefer (the smallest largest relative excess over the best
       setting), and the shipped default is the one the six prefer.
    2. Refit each chosen model on all periods of the items that chose it; the mean forecast
       is its prediction (the average for a combination). With ``level_correction`` each
       pool's factor (above) multiplies the means and the backtest forecasts the spread is
       calibrated on. Measured (``benchmarks/bench_accuracy.py``, with and without): the
       online retailer's 80 % PIT coverage 0.760 -> 0.776, but its mean MASE 1.370 -> 1.446
       (above ADIDA's 1.436) and carparts' 1.089 -> 1.171; hence off by default.
    3. Predictive distribution: negative binomial per period around the mean with
       dispersion ``phi_i`` (``Var = m + phi m^2``), estimated by moments from the backtest
       errors and shrunk towards the value pooled over items of similar volume. Items whose
       history has decimals (kg, litres) get a point mass at zero plus a continuous positive
       part: demand occurrences counted as above, each of a gamma size
       (:mod:`~stockout_forecast.forecast._compound`; ``Var = s (1 + c) m + phi m^2``),
       with the occurrence size fitted to the item's history and scaled so that the
       backtest's zero periods are as many as predicted; ``result.distribution`` says
       which per item. How the history's variance splits between varying sizes and
       clustered occurrences (:func:`~._calibration.occurrence_sizes`) is chosen once per
       forecast: the split whose final distribution covers the backtest best (80 % and
       95 % PIT coverage and the share of zero periods). Then the shape: where that final
       distribution predicts fewer periods without demand than the backtest shows, shapes
       with an extra point mass at zero (:attr:`DemandForecast.zero_inflation`; mean,
       variance and level covariance kept) are tried, each with its own dispersion factor,
       and one is kept only if it lowers the same criterion by at least 0.01 (0: the plain
       shape). The errors are those of the model each item would
       have chosen *without* seeing the window (leave-one-window-out), so the selection
       does not shrink them. One pooled factor on the dispersion is then chosen so that
       cross-fitted 80 % and 95 % intervals on the backtest cover as they should. The level
       correlation (a level error shared by all periods of a path, variance
       ``kappa * (1 / m + phi)`` relative to the mean squared) is fitted pooled on the
       backtest sums of errors and then chosen among multiples of that estimate so that
       the 80 % and 95 % intervals of the backtest window *totals* cover as they should;
       cumulative demand thus has the spread the backtest showed. Measured on held-out data (benchmarks/README.md) this is better calibrated
       than the in-sample one-step errors (``calibration="insample"``), which understate
       multi-step uncertainty.

    Items without any observed period get NaN forecasts and a status; items too short for a
    backtest get the fallback model and the pooled dispersion.

    Which point forecast: ``mean`` (``demand_mean``) is unbiased, so sums over periods (the
    cumulative demand that stock-out dates depend on) are right on average. For an
    absolute-error measure (MAE, MASE) the best point is the median of the predictive
    distribution, ``demand_p50`` (Kolassa 2016); on mostly-zero demand that median is 0
    and scores as well as the all-zero forecast, which is no sign of skill
    (``benchmarks/README.md`` reports both).

    References
    ----------
    Kolassa, S. (2016). Evaluating predictive count data distributions in retail sales
    forecasting. *IJF* 32(3), 788-803. Hyndman, R. J. & Athanasopoulos, G. (2021).
    *Forecasting: principles and practice*, 3rd ed., section 5.10 (time series
    cross-validation).

    Examples
    --------
    >>> import numpy as np
    >>> from stockout_forecast.forecast import SES, history_from_array
    >>> rng = np.random.default_rng(0)
    >>> hist = history_from_array(rng.poisson(4.0, size=(3, 120)).astype(float))
    >>> fc = forecast_demand(hist, SES(alpha=0.1), horizon=7, random_state=0)
    >>> fc
    <DemandForecast: 3 items, horizon 7 days (D), models: ses 3>
    >>> fc.to_frame().columns.tolist()  # doctest: +NORMALIZE_WHITESPACE
    ['item_id', 'date', 'model', 'demand_mean', 'demand_p10', 'demand_p50', 'demand_p90',
     'status']
    """
    return _forecast_demand(
        history,
        model,
        horizon=horizon,
        quantiles=quantiles,
        n_paths=n_paths,
        n_windows=n_windows,
        step=step,
        metric=metric,
        combine=combine,
        fallback=fallback,
        calibration=calibration,
        shrinkage=shrinkage,
        long_memory_margin=long_memory_margin,
        recency=recency,
        intermittent_only=intermittent_only,
        censor_suspected=censor_suspected,
        weekday_profile=weekday_profile,
        level_correction=level_correction,
        random_state=random_state,
    )[0]


@dataclass
class _Selection:
    """What the selection step decided: a model (alias or ``"a+b"``) per item, and why."""

    chosen: np.ndarray
    status: np.ndarray
    reason: np.ndarray
    backtest: BacktestArrays | None
    problem: str
    honest: np.ndarray | None = None


def _check_args(
    history: Any, horizon: Any, quantiles: Sequence[float], calibration: str, n_paths: Any
) -> tuple[int, tuple[float, ...]]:
    if not isinstance(history, DemandHistory):
        raise TypeError(
            "history must be a DemandHistory (from stockout_forecast.history.demand.demand_history); "
            f"got {type(history).__name__}."
        )
    if isinstance(horizon, bool) or not isinstance(horizon, (int, np.integer)) or horizon < 1:
        raise ValueError(f"horizon must be an int >= 1 (periods); got {horizon!r}.")
    levels = check_fractions(quantiles, "quantiles")
    if calibration not in CALIBRATIONS:
        raise ValueError(f"calibration must be one of {CALIBRATIONS}; got {calibration!r}.")
    if isinstance(n_paths, bool) or not isinstance(n_paths, (int, np.integer)) or n_paths < 1:
        raise ValueError(f"n_paths must be an int >= 1; got {n_paths!r}.")
    return int(horizon), levels


def _check_rule(
    metric: str, combine: int | None, shrinkage: float, margin: float | None, recency: float = 1.0
) -> Rule:
    if metric not in METRICS:
        raise ValueError(f"metric must be one of {list(METRICS)}; got {metric!r}.")
    if combine is not None and (
        isinstance(combine, bool) or not isinstance(combine, (int, np.integer)) or combine < 2
    ):
        raise ValueError(f"combine must be None or an int >= 2; got {combine!r}.")
    if not np.isfinite(float(shrinkage)) or float(shrinkage) < 0:
        raise ValueError(f"shrinkage must be a number >= 0 (pseudo-windows); got {shrinkage!r}.")
    if margin is not None and not np.isfinite(float(margin)):
        raise ValueError(f"long_memory_margin must be a number or None; got {margin!r}.")
    if isinstance(recency, bool) or not isinstance(recency, (int, float, np.number)):
        raise TypeError(f"recency must be a number > 0; got {recency!r}.")
    if not np.isfinite(float(recency)) or float(recency) <= 0:
        raise ValueError(f"recency must be a number > 0 (window weight); got {recency!r}.")
    m = None if margin is None else float(margin)
    return Rule(metric, combine, float(shrinkage), m, recency=float(recency))


def _check_intermittent_only(aliases: Any) -> tuple[str, ...]:
    if isinstance(aliases, str) or not all(isinstance(a, str) for a in aliases):
        raise TypeError(
            f"intermittent_only must be a sequence of model aliases, e.g. ('sba',); got {aliases!r}."
        )
    return tuple(aliases)


def _allowed_models(
    aliases: list[str], labels: np.ndarray, only: tuple[str, ...]
) -> np.ndarray | None:
    """(n_items, n_models) bool: ``only`` models are barred from smooth and erratic items.

    None when no candidate is in ``only`` (every item may choose every model).
    """
    barred = np.isin(np.asarray(aliases, dtype=object), list(only))
    if not barred.any():
        return None
    frequent = np.isin(np.asarray(labels, dtype=object), ["smooth", "erratic"])
    return ~(frequent[:, None] & barred[None, :])


def _windows_that_fit(n_periods: int, horizon: int, n_windows: int, step: int | None) -> int:
    """``n_windows``, or fewer when the history is too short for them (at least 1).

    A backtest of ``w`` windows needs ``horizon + (w - 1) * step + 2`` periods; a short
    history is backtested on the windows it has rather than not at all.
    """
    if isinstance(n_windows, bool) or not isinstance(n_windows, (int, np.integer)):
        return n_windows  # run_backtest names the problem
    st = horizon if step is None else step
    if not isinstance(st, (int, np.integer)) or st < 1:
        return n_windows
    fit = (n_periods - horizon - 2) // st + 1
    return int(max(1, min(n_windows, fit)))


def _select(
    history: DemandHistory,
    models: list[Any],
    *,
    horizon: int,
    n_windows: int,
    step: int | None,
    rule: Rule,
    fallback: str | None,
    levels: tuple[float, ...],
    need_backtest: bool,
    weekday_profile: bool = False,
    pool: Pooled | None = None,
    intermittent_only: tuple[str, ...] = (),
) -> _Selection:
    """Step 1: backtest the models and choose one (or a combination) per item."""
    n = history.n_items
    aliases = [m.alias for m in models]
    if fallback is not None and fallback not in aliases:
        raise ValueError(f"fallback {fallback!r} is not one of the models {aliases}.")
    arr: BacktestArrays | None = None
    problem = ""
    if len(models) > 1 or need_backtest:
        try:
            arr = run_backtest(
                history,
                models,
                horizon=horizon,
                n_windows=_windows_that_fit(history.n_periods, horizon, n_windows, step),
                step=step,
                dispersion=rule.metric == "scaled_pinball",
                weekday_profile=weekday_profile,
                pool=pool,
            )
        except InsufficientHistoryError as err:
            problem = str(err)
    status = np.full(n, "ok", dtype=object)
    reason = np.full(n, "", dtype=object)
    if len(models) == 1:
        chosen = np.full(n, aliases[0], dtype=object)
        reason[:] = f"model {aliases[0]} given by the caller"
        honest = None if arr is None else arr.forecast[0]
        return _Selection(chosen, status, reason, arr, problem, honest)
    if arr is None:
        fb = fallback if fallback is not None else aliases[0]
        status[:] = "fallback"
        reason[:] = f"no backtest possible ({problem}); using fallback model {fb!r}"
        return _Selection(np.full(n, fb, dtype=object), status, reason, arr, problem)
    long_memory = np.array([j for j, a in enumerate(aliases) if a in LONG_MEMORY], dtype=int)
    labels = demand_classes(history)
    dec = decide(
        arr,
        rule,
        labels,
        None if fallback is None else aliases.index(fallback),
        long_memory,
        levels=levels,
        pool=pool,
        allowed=_allowed_models(aliases, labels, intermittent_only),
    )
    chosen = Ranking.names_of(dec.members, aliases)
    status[~dec.ranking.has] = "fallback"
    reason[:] = _choice_reasons(arr, dec, aliases, rule)
    return _Selection(chosen, status, reason, arr, problem, dec.honest)


def _choice_reasons(
    arr: BacktestArrays, dec: Decision, aliases: list[str], rule: Rule
) -> np.ndarray:
    """Plain-English reason per item for what ``decide`` chose."""
    r = dec.ranking
    first = Ranking.names_of(r.members, aliases)
    final = Ranking.names_of(dec.members, aliases)
    trained = np.asarray((arr.n_train > 0).any(axis=1), dtype=bool)
    out = np.empty(len(final), dtype=object)
    for i in range(len(final)):
        if not r.has[i]:
            why = (
                "no observed period in any backtest test window (censored, suspected stock-out "
                "or not listed)"
                if trained[i]
                else "too short for a backtest: no observed period before the first cutoff"
            )
            out[i] = f"{why}; using fallback model {final[i]!r}"
        elif dec.fell_back[i]:
            t = dec.t_stat[i]
            t_txt = "too few backtest periods to tell" if np.isnan(t) else f"t = {t:.2f}"
            out[i] = (
                f"the backtest cannot tell {first[i]} (lowest {rule.metric}) from the "
                f"long-memory level {final[i]} ({t_txt}; needs t < "
                f"-{rule.long_memory_margin:g}): using {final[i]}"
            )
        else:
            out[i] = (
                f"mean of the {int(r.n_top[i])} models with the lowest backtest {rule.metric} "
                f"({final[i]}, mean {r.best_score[i]:.3g})"
                if r.n_top[i] > 1
                else f"lowest backtest {rule.metric}: {final[i]} {r.best[i]:.3g}"
            )
    return out


def _fit_chosen(
    history: DemandHistory,
    models: list[Any],
    chosen: np.ndarray,
    horizon: int,
    prof: np.ndarray | None,
) -> tuple[np.ndarray, np.ndarray]:
    """Step 2: refit each model on the items that chose it; (mean, in-sample fitted).

    A combination's mean is the average of its members. Items without any observed period
    get NaN. Daily forecasts of models without seasons are spread over the week by each
    item's day-of-week profile ``prof`` (n_items, 7) when given.
    """
    n = history.n_items
    ids = np.asarray(history.item_ids)
    forecastable = history.observed.any(axis=1)
    mean_sum = np.zeros((n, horizon))
    fit_sum = np.zeros((n, history.n_periods))
    k = np.zeros(n)
    members = [str(c).split("+") for c in chosen]
    for m in models:
        use = np.array([m.alias in mem for mem in members]) & forecastable
        if not use.any():
            continue
        sub = history if use.all() else history.subset(ids[use])
        fitted = clone_model(m).fit(sub)
        mean_sum[use] += _profile.spread(
            fitted.predict(horizon), m, sub, None if prof is None else prof[use]
        )
        f_in = getattr(fitted, "fitted_", None)
        if f_in is not None:
            fit_sum[use] += f_in
        k[use] += 1
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = mean_sum / k[:, None]
        fitted_in = fit_sum / k[:, None]
    mean[~forecastable] = np.nan
    return mean, fitted_in


def _statuses(history: DemandHistory, sel: _Selection) -> tuple[np.ndarray, pd.DataFrame]:
    """Step 4: the model shown per item and the status frame (every item, with a reason)."""
    ids = np.asarray(history.item_ids)
    status, reason = sel.status, sel.reason
    active = history.active.any(axis=1)
    observed = history.observed.any(axis=1)
    y_all, m_all = prepare_panel(history.units, history.observed)
    model_out = np.asarray(sel.chosen, dtype=object).copy()
    never = ~active
    status[never] = "no_history"
    reason[never] = "no sales and no activity in the history: nothing to forecast from"
    cens = active & ~observed
    status[cens] = "fully_censored"
    reason[cens] = (
        "every period of the item is censored (out of stock) or a suspected stock-out: "
        "demand was never observed"
    )
    model_out[~observed] = "none"
    hs = (
        history.status.reindex(pd.Index(ids.astype(str)))
        if len(history.status) and "status" in history.status
        else None
    )
    unsold = observed & ~np.where(m_all, y_all > 0, False).any(axis=1)
    returns = np.zeros(len(ids), dtype=bool)
    if hs is not None:
        returns = (hs["status"].astype(str) == "all_returns").to_numpy() & unsold
    status[unsold & ~returns] = "no_demand"
    reason[unsold & ~returns] = "never sold: no positive demand in any observed period; forecast 0"
    status[returns] = "all_returns"
    reason[returns] = "returns at least cancel the sales in every period; forecast 0"
    if hs is not None:
        flag = (hs["status"].astype(str) != "ok").to_numpy() & hs["status"].notna().to_numpy()
        for i in np.flatnonzero(flag):
            reason[i] = f"{reason[i]} (history: {hs['reason'].iloc[i]})"
    frame = pd.DataFrame(
        {
            "status": pd.array(status.astype(str), dtype="str"),
            "reason": pd.array(reason.astype(str), dtype="str"),
        },
        index=pd.Index(ids.astype(str), name="item_id", dtype="str"),
    )
    return model_out, frame


def _level_step(
    history: DemandHistory, sel: _Selection, count: np.ndarray, pool: Pooled
) -> np.ndarray:
    """Step 2b: the level factor per item (:mod:`._level`), 1.0 without a backtest.

    Run with ``level_correction=True``, or when the given pool has the factors (a chunk of
    a run that had them).

    Pooled per unit (count or continuous) and volume group, the pools of the dispersion;
    the honest backtest forecasts ``sel.honest`` are corrected in place, so that the
    spread is calibrated around the corrected means.
    """
    arr, honest = sel.backtest, sel.honest
    if arr is None or honest is None:
        return np.ones(history.n_items)
    y_all, m_all = prepare_panel(history.units, history.observed)
    edges = pool.take("volume_edges", lambda: volume_edges(y_all, m_all))
    groups = volume_groups(y_all, m_all, edges=edges) + np.where(count, 0, N_VOLUME_GROUPS)
    factors = pool.take(
        "level_correction", lambda: _level.level_correction(arr.y, honest, arr.mask, groups)[1]
    )
    level = np.array([factors.get(int(g), 1.0) for g in groups], dtype=float)
    sel.honest = honest * level[:, None, None]
    return level


def _forecast_demand(
    history: DemandHistory,
    model: Any = "auto",
    *,
    horizon: int,
    quantiles: Sequence[float] = (0.1, 0.5, 0.9),
    n_paths: int = 1000,
    n_windows: int = 2,
    step: int | None = None,
    metric: str = "mae",
    combine: int | None = None,
    fallback: str | None = None,
    calibration: str = "backtest",
    shrinkage: float = 10.0,
    long_memory_margin: float | None = 2.0,
    recency: float = 3.0,
    intermittent_only: Sequence[str] = (),
    censor_suspected: bool = False,
    weekday_profile: bool = True,
    level_correction: bool = False,
    random_state: RandomStateLike = None,
    pool: ForecastPool | None = None,
) -> tuple[DemandForecast, dict[str, Any]]:
    """Body of :func:`forecast_demand`, with its internals.

    Also returns the backtest arrays, the leave-one-window-out backtest forecasts ``f_bt``
    and the cross-item state ``"pool"``, for benchmarks, studies and the chunked planner.
    ``pool`` (a :class:`ForecastPool` from a run over all items, or a sample of them) is
    used instead of pooling over the items of ``history``: a chunk of items then gets the
    forecasts that one run over all items gives them.
    """
    horizon, levels = _check_args(history, horizon, quantiles, calibration, n_paths)
    check_random_state(random_state)  # validate early
    rule = _check_rule(metric, combine, shrinkage, long_memory_margin, recency)
    only = _check_intermittent_only(intermittent_only)
    for name, flag in (
        ("censor_suspected", censor_suspected),
        ("weekday_profile", weekday_profile),
        ("level_correction", level_correction),
    ):
        if not isinstance(flag, (bool, np.bool_)):
            raise TypeError(f"{name} must be True or False; got {flag!r}.")
    if not censor_suspected and history.suspected.any():
        history = dataclasses.replace(history, suspected=np.zeros_like(history.suspected))
    models = _resolve_models(model, history.freq, random_state)
    pooled = Pooled(pool)
    sel = _select(
        history,
        models,
        horizon=horizon,
        n_windows=n_windows,
        step=step,
        rule=rule,
        fallback=fallback,
        levels=levels,
        need_backtest=calibration == "backtest",
        weekday_profile=weekday_profile,
        pool=pooled,
        intermittent_only=only,
    )
    prof = None
    if weekday_profile:
        p0 = pooled.take(("weekday", "all"), lambda: _profile.pooled_profile(history))
        prof = _profile.weekday_profile(history, pooled=p0)
    mean, fitted_in = _fit_chosen(history, models, sel.chosen, horizon, prof)
    count = count_items(history)
    level = np.ones(history.n_items)
    if level_correction or pooled.known("level_correction") is not None:
        level = _level_step(history, sel, count, pooled)
    mean = mean * level[:, None]
    spread = _calibrate(
        history,
        sel,
        mean,
        fitted_in,
        count,
        calibration=calibration,
        pool=pooled,
    )
    model_out, status = _statuses(history, sel)
    fc = DemandForecast(
        item_ids=np.asarray(history.item_ids),
        dates=_future_periods(history.periods, str(history.anchor), horizon),
        freq=history.freq,
        anchor=history.anchor,
        mean=mean,
        quantile_levels=levels,
        quantiles=dist.marginal_quantiles(mean, spread.dispersion, spread.sizes, levels),
        model=model_out,
        status=status,
        history=history,
        dispersion=spread.dispersion,
        level_correlation=spread.level_correlation,
        count=spread.sizes.count,
        size_mean=spread.sizes.mean,
        size_cv2=spread.sizes.cv2,
        calibration=spread.calibration,
        n_paths=int(n_paths),
        zero_inflation=spread.sizes.inflation,
        level_correction=level,
    )
    return fc, {"backtest": sel.backtest, "f_bt": spread.f_bt, "count": count, "pool": pooled.made}

"""``forecast_demand``: per-item model choice by backtest, calibrated probabilistic forecasts.

The work is four named steps, run in order by :func:`_forecast_demand`: choose a model per
item (:func:`_select`), refit the chosen models on all periods (:func:`_fit_chosen`), put
a calibrated distribution around the means (:func:`_calibrate`) and give every item a
status (:func:`_statuses`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from .._utils import RandomStateLike, check_fractions, check_random_state
from ..exceptions import InsufficientHistoryError
from ..history.panel import DemandHistory
from . import _calibration as cal
from . import _distribution as dist
from ._base import _future_periods
from ._kernels import prepare_panel
from .backtest import (
    BacktestArrays,
    backtest_frame,
    check_models,
    clone_model,
    combined_backtest,
    count_items,
    honest_backtest,
    run_backtest,
)
from .registry import REGISTRY, make_model, model_names
from .result import DemandForecast
from .selection import SelectionPool, _select_models, demand_classes, volume_edges, volume_groups

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
)
_WEIGHTING = "sums"
_SCALE_DISPERSION = True


def candidate_models(freq: str = "D") -> list[Any]:
    """The candidate models of ``forecast_demand(model="auto")`` for a frequency.

    Parameters
    ----------
    freq : {"D", "W", "M"}
        Period length of the history.

    Returns
    -------
    list of model instances
        Nine models with unique aliases: smooth-demand (``ses``, damped Holt
        ``holt_damped``, ``moving_average``), seasonal (``holt_winters_add_notrend``:
        additive day-of-week / week-of-year / month-of-year indices; ``seasonal_naive``)
        and intermittent ones (``sba``, ``tsb``, ``imapa``, ``adida``), built from the
        model registry (:mod:`stockout_forecast.forecast.registry`).

    Notes
    -----
    The set covers the Syntetos-Boylan demand classes: SES and damped Holt for smooth and
    trending demand, Holt-Winters without trend (seasonal SES) for weekly cycles, SBA
    (bias-corrected Croston, smoothing constant optimised per item rather than the classic
    fixed 0.1, which lost to TSB on dunnhumby's held-out weeks) for intermittent demand, TSB for intermittent demand that may
    die out (obsolescence), ADIDA (temporal aggregation at the item's mean inter-demand
    interval) and IMAPA (the average over several aggregation levels) for lumpy demand, and
    the moving average and seasonal naive as robust benchmarks. ADIDA joined the set after
    it was the best statsforecast model on carparts (benchmarks/README.md).

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
     'sba', 'tsb', 'imapa', 'adida']
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
    combine: int | None = 2,
    fallback: str | None = None,
    calibration: str = "backtest",
    shrinkage: float = 10.0,
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
        Backtest windows (forecast origins) for selection and calibration.
    step : int or None
        Periods between backtest origins (default ``horizon``).
    metric : str, default "mae"
        Selection metric (see :func:`select_models`). Every candidate forecasts the mean
        level; the metric only decides which. Absolute error is robust to the one or two
        spikes that dominate squared errors in two short windows; ``"rmsse"`` (squared)
        and ``"mase"`` (absolute, scaled per window, so undefined where a window's
        in-sample scale is 0) are the alternatives. See Notes for the measured choice.
    combine : int or None, default 2
        Average the best ``combine`` models per item (``None``: pick one).
    fallback : str or None
        Model alias for items too short for a backtest (default: the best model by median
        metric over all items).
    shrinkage : float, default 10.0
        Pseudo-windows with which each item's backtest score is shrunk towards the mean
        score of its Syntetos-Boylan demand class (smooth, erratic, intermittent, lumpy)
        before the choice; 0 chooses on the item's own windows alone. With an unscaled
        metric (MAE) the class mean is dominated by the high-volume items of the class.
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
        active) or ``"fully_censored"`` (no observed period), with a reason.

    Raises
    ------
    TypeError
        When ``history`` is not a DemandHistory.
    ValueError
        For an invalid horizon, quantile, metric, calibration or model (an unknown model
        name lists the registered ones).

    Notes
    -----
    1. Backtest every candidate on ``n_windows`` rolling origins (:func:`backtest`) and
       average, per item, the ``combine`` models with the lowest mean ``metric``
       (:func:`select_models`), shrunk towards the item's demand class. Two windows of one
       item are a noisy basis for a choice among nine models. The defaults (MAE, the best
       two averaged, 10 pseudo-windows of class shrinkage) were chosen on the held-out
       periods of the five datasets of ``benchmarks/bench_accuracy.py`` and
       ``bench_forecast.py`` among the 12 settings of ``benchmarks/study_selection.py``
       (metric MAE / MASE / RMSSE, shrinkage 3 / 10, one model or the best two): the one at
       or below the best statsforecast model on all four real datasets with the lowest MASE
       on the daily demo data. The earlier defaults (RMSSE, one model, shrinkage 3, eight
       candidates with smoothing up to 0.8) were about 3 % worse on carparts and
       dunnhumby. That choice used the benchmark's held-out periods, so the benchmark
       figures are not a fully independent test of it; the study's ``--split earlier``
       run is (benchmarks/README.md).
    2. Refit each chosen model on all periods of the items that chose it; the mean forecast
       is its prediction (the average for a combination).
    3. Predictive distribution: negative binomial per period around the mean with
       dispersion ``phi_i`` (``Var = m + phi m^2``; a gamma for non-integer demand),
       estimated by moments from the backtest errors and shrunk towards the value pooled
       over items of similar volume. The errors are those of the model each item would
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
    <DemandForecast: 3 items, horizon 7 D, models: ses 3>
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
        random_state=random_state,
    )[0]


@dataclass
class ForecastPool:
    """The cross-item state of :func:`forecast_demand`: everything it pools over items.

    The class shrinkage of the selection and its fallback model (``selection``), the
    volume-group edges and the pooled dispersion per (count kind, volume group) of the
    calibration, its pooled dispersion scale and level-variance factor ``kappa``. Computed
    once over (a sample of) all items and passed to the forecast of every chunk of items,
    it gives each chunk the forecasts of one run over all items. Small: a few numbers per
    demand class, volume group and model.
    """

    selection: SelectionPool | None = None
    volume_edges: np.ndarray | None = None
    dispersion: dict[tuple[bool, int], float] | None = None
    dispersion_scale: float | None = None
    kappa: float | None = None


@dataclass
class _Selection:
    """What the selection step decided: a model (alias or ``"a+b"``) per item, and why."""

    chosen: np.ndarray
    status: np.ndarray
    reason: np.ndarray
    backtest: BacktestArrays | None
    problem: str


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


def _select(
    history: DemandHistory,
    models: list[Any],
    *,
    horizon: int,
    n_windows: int,
    step: int | None,
    metric: str,
    combine: int | None,
    fallback: str | None,
    shrinkage: float,
    levels: tuple[float, ...],
    need_backtest: bool,
    pool: ForecastPool,
    given: ForecastPool | None,
) -> _Selection:
    """Step 1: backtest the models and choose one (or a combination) per item."""
    n = history.n_items
    aliases = [m.alias for m in models]
    arr: BacktestArrays | None = None
    problem = ""
    if len(models) > 1 or need_backtest:
        try:
            arr = run_backtest(
                history,
                models,
                horizon=horizon,
                n_windows=n_windows,
                step=step,
                dispersion=metric == "scaled_pinball",
            )
        except InsufficientHistoryError as err:
            problem = str(err)
    status = np.full(n, "ok", dtype=object)
    reason = np.full(n, "", dtype=object)
    if len(models) == 1:
        chosen = np.full(n, aliases[0], dtype=object)
        reason[:] = f"model {aliases[0]} given by the caller"
    elif arr is not None:
        ids = pd.Index(np.asarray(history.item_ids).astype(str))
        sel, pool.selection = _select_models(
            backtest_frame(arr, levels if metric == "scaled_pinball" else None),
            metric=metric,
            combine=combine,
            fallback=fallback,
            groups=pd.Series(demand_classes(history), index=ids),
            shrinkage=shrinkage,
            pool=None if given is None else given.selection,
        )
        sel = sel.set_index("item_id").reindex(ids)
        chosen = sel["model"].to_numpy(dtype=object)
        reason[:] = sel["reason"].to_numpy(dtype=object)
        status[(sel["status"] == "fallback").to_numpy()] = "fallback"
    else:
        fb = fallback if fallback is not None else aliases[0]
        if fb not in aliases:
            raise ValueError(f"fallback {fb!r} is not one of the models {aliases}.")
        chosen = np.full(n, fb, dtype=object)
        status[:] = "fallback"
        reason[:] = f"no backtest possible ({problem}); using fallback model {fb!r}"
    return _Selection(chosen, status, reason, arr, problem)


def _fit_chosen(
    history: DemandHistory, models: list[Any], chosen: np.ndarray, horizon: int
) -> tuple[np.ndarray, np.ndarray]:
    """Step 2: refit each model on the items that chose it; (mean, in-sample fitted).

    A combination's mean is the average of its members. Items without any observed period
    get NaN.
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
        mean_sum[use] += fitted.predict(horizon)
        f_in = getattr(fitted, "fitted_", None)
        if f_in is not None:
            fit_sum[use] += f_in
        k[use] += 1
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = mean_sum / k[:, None]
        fitted_in = fit_sum / k[:, None]
    mean[~forecastable] = np.nan
    return mean, fitted_in


@dataclass
class _Spread:
    """What the calibration step produced."""

    dispersion: np.ndarray
    level_correlation: np.ndarray
    calibration: str
    f_bt: np.ndarray | None


def _calibrate(
    history: DemandHistory,
    sel: _Selection,
    models: list[Any],
    mean: np.ndarray,
    fitted_in: np.ndarray,
    count: np.ndarray,
    *,
    calibration: str,
    metric: str,
    combine: int | None,
    pool: ForecastPool,
    given: ForecastPool | None,
) -> _Spread:
    """Step 3: dispersion and level correlation per item, from backtest or in-sample errors.

    Pooled quantities come from ``given`` when it is set (a chunk of a larger item set) and
    are recorded in ``pool``.
    """
    y_all, m_all = prepare_panel(history.units, history.observed)
    arr = sel.backtest
    aliases = [m.alias for m in models]
    pool.volume_edges = volume_edges(y_all, m_all) if given is None else given.volume_edges
    vgroups = volume_groups(y_all, m_all, edges=pool.volume_edges)
    cap = cal.dispersion_cap(y_all, m_all, count)
    pooled_in = None if given is None else given.dispersion
    pool.dispersion = {}
    if calibration == "backtest" and arr is not None:
        if len(models) > 1:
            f_bt = honest_backtest(arr, sel.chosen, aliases, metric, combine)
        else:
            f_bt = combined_backtest(arr, sel.chosen, aliases)
        phi = cal.dispersion_from_residuals(
            arr.y,
            f_bt,
            arr.mask,
            count,
            groups=vgroups,
            cap=cap,
            pooled=pooled_in,
            pooled_out=pool.dispersion,
        )
        if _SCALE_DISPERSION:
            if given is None or given.dispersion_scale is None:
                pool.dispersion_scale = cal.dispersion_scale(
                    arr.y, f_bt, arr.mask, count, groups=vgroups, cap=cap
                )
            else:
                pool.dispersion_scale = given.dispersion_scale
            phi = phi * pool.dispersion_scale
        fut = np.nan_to_num(mean.mean(axis=1), nan=0.0)
        phi, rho, pool.kappa = cal.level_uncertainty(
            arr.y,
            f_bt,
            arr.mask,
            phi,
            count,
            fut,
            weighting=_WEIGHTING,
            kappa=None if given is None else given.kappa,
        )
        return _Spread(phi, rho, "backtest", f_bt)
    if calibration == "backtest":
        note = f" Spread from in-sample errors: no backtest possible ({sel.problem})."
        sel.reason[:] = [r + note for r in sel.reason]
    phi = cal.dispersion_from_residuals(
        y_all,
        fitted_in,
        m_all,
        count,
        groups=vgroups,
        cap=cap,
        pooled=pooled_in,
        pooled_out=pool.dispersion,
    )
    return _Spread(phi, np.zeros(history.n_items), "insample", None)


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
    no_demand = observed & ~np.where(m_all, y_all > 0, False).any(axis=1)
    reason[no_demand] = [r + " No positive demand observed: forecast 0." for r in reason[no_demand]]
    if len(history.status) and "status" in history.status:
        hs = history.status.reindex(pd.Index(ids.astype(str)))
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
    combine: int | None = 2,
    fallback: str | None = None,
    calibration: str = "backtest",
    shrinkage: float = 10.0,
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
    models = _resolve_models(model, history.freq, random_state)
    sel = _select(
        history,
        models,
        horizon=horizon,
        n_windows=n_windows,
        step=step,
        metric=metric,
        combine=combine,
        fallback=fallback,
        shrinkage=shrinkage,
        levels=levels,
        need_backtest=calibration == "backtest",
        pool=(made := ForecastPool()),
        given=pool,
    )
    mean, fitted_in = _fit_chosen(history, models, sel.chosen, horizon)
    count = count_items(history)
    spread = _calibrate(
        history,
        sel,
        models,
        mean,
        fitted_in,
        count,
        calibration=calibration,
        metric=metric,
        combine=combine,
        pool=made,
        given=pool,
    )
    model_out, status = _statuses(history, sel)
    fc = DemandForecast(
        item_ids=np.asarray(history.item_ids),
        dates=_future_periods(history.periods, history.freq, horizon),
        freq=history.freq,
        mean=mean,
        quantile_levels=levels,
        quantiles=dist.marginal_quantiles(mean, spread.dispersion, count, levels),
        model=model_out,
        status=status,
        history=history,
        dispersion=spread.dispersion,
        level_correlation=spread.level_correlation,
        count=count,
        calibration=spread.calibration,
        n_paths=int(n_paths),
    )
    return fc, {"backtest": sel.backtest, "f_bt": spread.f_bt, "count": count, "pool": made}

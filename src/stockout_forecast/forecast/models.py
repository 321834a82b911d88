"""Forecasting models: thin scikit-learn-style classes over the vectorised kernels.

Every model fits all items of a :class:`~stockout_forecast.history.panel.DemandHistory` at once
(``fit(history) -> self``) and returns mean demand per period with
``predict(horizon) -> ndarray (n_items, horizon)``. The arithmetic lives in
:mod:`stockout_forecast.forecast._kernels`: loops over time only, numpy over items.

Conventions shared by every model
---------------------------------
* Censored periods (stock-outs) and suspected stock-outs are **unobserved**: they are
  skipped -- the state is carried forward unchanged -- and never read as zero demand.
  Periods before an item's first activity (NaN units) are skipped the same way.
* Net negative units (more returns than sales) count as 0 demand.
* Means are clipped at 0 (count demand cannot be negative); ``fitted_`` is clipped too.
* ``fitted_`` (n_items, n_periods) holds one-step-ahead in-sample forecasts: the forecast of
  period ``t`` from the periods before ``t``. It is NaN before and at the period whose value
  seeds the initial state (the first observed period; the first positive demand for the
  intermittent-demand models), and it is also filled at censored periods (the demand the
  model expected there), which error measures must skip.
* Smoothing parameters left at ``None`` are optimised per item by a vectorised grid search
  (:func:`~stockout_forecast.forecast._kernels.grid_search`): each candidate value is run
  for all items in one pass and each item keeps the value with the smallest in-sample sum
  of squared one-step errors over its observed periods; the search then refines ``alpha``
  on per-item multiples of its best value.
* Items that cannot be forecast properly still get a finite forecast and a flag in
  ``status_``/``reason_``: ``"no_observed_periods"`` (forecast 0), ``"short_history"``
  (a simpler form of the model was used), ``"no_positive_demand"`` (forecast 0),
  ``"model_fallback"`` (:class:`StatsmodelsETS` only).
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from .._utils import RandomStateLike, check_fractions, check_random_state
from ..history.panel import DemandHistory
from . import _kernels as K
from ._base import (
    STATUS_NO_DEMAND,
    STATUS_SHORT,
    ForecastModel,
    check_fraction_param,
    warmup_nan,
)

__all__ = [
    "ADIDA",
    "IMAPA",
    "SBA",
    "SES",
    "TSB",
    "Croston",
    "GlobalGBM",
    "Holt",
    "HoltWinters",
    "MovingAverage",
    "Naive",
    "SeasonalNaive",
    "StatsmodelsETS",
]

#: candidate values of the level smoothing parameter (first pass of the grid search).
#: Capped at 0.3: on the four real datasets of benchmarks/bench_accuracy.py, letting the
#: in-sample fit pick 0.5 or 0.8 chased single spikes; the cap lowered SES's held-out MASE
#: on all four by 0.3-2 % (benchmarks/README.md). Low constants are the usual advice for demand
#: data (0.05-0.2 for intermittent demand in Syntetos & Boylan's studies); statsforecast's
#: Croston/ADIDA/IMAPA optimise within 0.1-0.3.
ALPHA_GRID = (0.01, 0.03, 0.06, 0.1, 0.18, 0.3)
#: trend smoothing (statsmodels' ``smoothing_trend``); 0 keeps the initial (zero) trend
TREND_GRID = (0.0, 0.01, 0.05, 0.15)
#: seasonal smoothing; 0 keeps the initial season indices
SEASON_GRID = (0.0, 0.02, 0.05, 0.1, 0.2)
#: damping of the trend
PHI_GRID = (0.85, 0.92, 0.98)
#: Croston / SBA smoothing of sizes and intervals; TSB smoothing of sizes (capped at 0.3
#: for the same reason as ``ALPHA_GRID``)
CROSTON_GRID = (0.02, 0.05, 0.1, 0.2, 0.3)
#: TSB smoothing of the demand probability
TSB_PROB_GRID = (0.01, 0.03, 0.08, 0.15, 0.3)
#: range of the per-item refinement of the best grid value
ALPHA_BOUNDS = (0.005, 0.3)


def _fitted(res: K.KernelResult) -> np.ndarray:
    """The fitted values of a kernel run with per-item (not grid) parameters."""
    if res.fitted is None:  # pragma: no cover - only grid runs return None
        raise RuntimeError("kernel was run with a parameter grid; no fitted values")
    return res.fitted


def _int_param(value: Any, name: str, model: str, *, minimum: int = 1) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise ValueError(f"{model}: {name} must be an int >= {minimum}; got {value!r}.")
    return int(value)


# =============================================================================== naive family
class Naive(ForecastModel):
    """Naive forecast: every future period equals the last observed demand.

    Parameters
    ----------
    alias : str, optional
        Name in results; default ``"naive"``.

    Attributes
    ----------
    level_ : numpy.ndarray, shape (n_items,)
        Last observed demand per item (units/period; 0 without observation).
    fitted_ : numpy.ndarray, shape (n_items, n_periods)
        Last observed demand before each period (NaN before the second observed period).
    status_, reason_ : numpy.ndarray of str, shape (n_items,)
        Per-item flag and plain-English reason (see :mod:`~stockout_forecast.forecast.models`).

    Notes
    -----
    ``y_hat[T + h] = y[last observed]`` for every ``h``; censored periods are skipped, so a
    stock-out at the end of the history does not drag the forecast to 0.

    References
    ----------
    Hyndman, R.J. & Athanasopoulos, G. (2021). *Forecasting: principles and practice*,
    3rd ed., OTexts, section 5.2.

    Examples
    --------
    >>> import numpy as np
    >>> from stockout_forecast.forecast import Naive, history_from_array
    >>> hist = history_from_array([[3.0, 5.0, 4.0, 9.0]], censored=[[False, False, False, True]])
    >>> Naive().fit(hist).predict(2)
    array([[4., 4.]])
    """

    _default_alias = "naive"

    def __init__(self, *, alias: str | None = None) -> None:
        self.alias = alias

    def _fit(self, y: np.ndarray, mask: np.ndarray, history: DemandHistory) -> np.ndarray:
        res = K.naive(y, mask)
        self.level_ = res.state["level"]
        return _fitted(res)

    def _predict(self, horizon: int) -> np.ndarray:
        return np.repeat(self.level_[:, None], horizon, axis=1)


class SeasonalNaive(ForecastModel):
    """Seasonal naive: each future period equals the last observed value of its season phase.

    Parameters
    ----------
    season_length : int, optional
        Periods per season; default 7 for daily data (day of week), 52 for weekly, 12 for
        monthly (month of year).
    alias : str, optional
        Name in results; default ``"seasonal_naive"``.

    Attributes
    ----------
    season_ : numpy.ndarray, shape (season_length, n_items)
        Last observed demand per phase (NaN for a phase never observed); phase of period
        ``t`` is ``t % season_length`` counted from the first period of the history.
    last_ : numpy.ndarray, shape (n_items,)
        Last observed demand of any phase (used for phases never observed).
    season_length_ : int
        The season length used.
    fitted_, status_, reason_
        As in :class:`Naive`; ``status_`` is ``"short_history"`` for items with a phase
        never observed (those phases are forecast by the last observed value).

    Notes
    -----
    ``y_hat[T + h] = y[T + h - k m]`` with the smallest ``k >= 1`` whose period was observed.

    References
    ----------
    Hyndman & Athanasopoulos (2021), *Forecasting: principles and practice*, section 5.2.

    Examples
    --------
    >>> from stockout_forecast.forecast import SeasonalNaive, history_from_array
    >>> hist = history_from_array([[1.0, 2.0, 3.0, 4.0, 5.0, 6.0]])
    >>> SeasonalNaive(season_length=3).fit(hist).predict(4)
    array([[4., 5., 6., 4.]])
    """

    _default_alias = "seasonal_naive"

    def __init__(self, *, season_length: int | None = None, alias: str | None = None) -> None:
        self.season_length = season_length
        self.alias = alias

    def _fit(self, y: np.ndarray, mask: np.ndarray, history: DemandHistory) -> np.ndarray:
        m = self._season_length(self.season_length, history.freq)
        res = K.seasonal_naive(y, mask, m)
        self.season_length_ = m
        self.season_ = res.state["season"]
        self.last_ = np.nan_to_num(res.state["last"])
        gaps = np.isnan(self.season_).any(axis=0)
        self._set_status(
            gaps,
            STATUS_SHORT,
            f"not every one of the {m} season phases was observed; those phases are "
            "forecast by the last observed value",
        )
        return _fitted(res)

    def _predict(self, horizon: int) -> np.ndarray:
        m = self.season_length_
        phases = (self.n_periods_ - 1 + np.arange(1, horizon + 1)) % m
        out = self.season_[phases].T
        return np.where(np.isnan(out), self.last_[:, None], out)


class MovingAverage(ForecastModel):
    """Moving average of the last ``window`` observed periods.

    Parameters
    ----------
    window : int, optional
        Number of observed periods averaged; default 28 for daily data, 13 for weekly, 6
        for monthly.
    alias : str, optional
        Name in results; default ``"moving_average"``.

    Attributes
    ----------
    mean_ : numpy.ndarray, shape (n_items,)
        Mean of the last ``window`` observed periods (units/period).
    window_ : int
        The window used.
    fitted_, status_, reason_
        As in :class:`Naive`.

    Notes
    -----
    ``y_hat[T + h] = (1 / k) * sum of the last k observed y``, ``k = min(window, n_obs)``.
    Censored periods are skipped, so the window reaches further back over a stock-out.

    References
    ----------
    Hyndman & Athanasopoulos (2021), *Forecasting: principles and practice*, section 3.3.

    Examples
    --------
    >>> from stockout_forecast.forecast import MovingAverage, history_from_array
    >>> hist = history_from_array([[2.0, 4.0, 6.0, 0.0]], censored=[[False, False, False, True]])
    >>> MovingAverage(window=2).fit(hist).predict(1)  # (4 + 6) / 2, the stock-out skipped
    array([[5.]])
    """

    _default_alias = "moving_average"

    def __init__(self, *, window: int | None = None, alias: str | None = None) -> None:
        self.window = window
        self.alias = alias

    def _fit(self, y: np.ndarray, mask: np.ndarray, history: DemandHistory) -> np.ndarray:
        w = {"D": 28, "W": 13, "M": 6}[history.freq] if self.window is None else self.window
        w = _int_param(w, "window", "MovingAverage")
        res = K.moving_average(y, mask, w)
        self.window_ = w
        self.mean_ = res.state["mean"]
        return _fitted(res)

    def _predict(self, horizon: int) -> np.ndarray:
        return np.repeat(self.mean_[:, None], horizon, axis=1)


# =============================================================================== exponential smoothing
class SES(ForecastModel):
    """Simple exponential smoothing with a per-item smoothing parameter.

    Parameters
    ----------
    alpha : float in (0, 1), optional
        Level smoothing. ``None`` (default): optimised per item.
    alias : str, optional
        Name in results; default ``"ses"``.

    Attributes
    ----------
    alpha_ : numpy.ndarray, shape (n_items,)
        Smoothing parameter used per item.
    level_ : numpy.ndarray, shape (n_items,)
        Final level (units/period), the forecast of every future period.
    fitted_, status_, reason_
        As in :class:`Naive`.

    Notes
    -----
    ``l_t = l_{t-1} + alpha (y_t - l_{t-1})`` on observed periods; unobserved periods
    leave ``l`` unchanged. ``y_hat[T + h] = l_T``.

    Initialisation: the level before the first observed period is the first observed value
    (so that period leaves it unchanged). With ``alpha=None`` the grid
    ``ALPHA_GRID`` (0.01 ... 0.3) is searched, then per-item multiples 0.6-1.6 of the best
    (at most 0.3).

    References
    ----------
    Hyndman & Athanasopoulos (2021), *Forecasting: principles and practice*, section 8.1.

    Examples
    --------
    >>> from stockout_forecast.forecast import SES, history_from_array
    >>> hist = history_from_array([[4.0, 6.0, 5.0]])
    >>> # l = 4 -> 4 + 0.5 (6 - 4) = 5 -> 5 + 0.5 (5 - 5) = 5
    >>> SES(alpha=0.5).fit(hist).predict(2)
    array([[5., 5.]])
    """

    _default_alias = "ses"

    def __init__(self, *, alpha: float | None = None, alias: str | None = None) -> None:
        self.alpha = alpha
        self.alias = alias

    def _check_params(self, freq: str) -> None:
        check_fraction_param(self.alpha, "alpha", "SES")

    def _fit(self, y: np.ndarray, mask: np.ndarray, history: DemandHistory) -> np.ndarray:
        cols = K.Columns(y, mask)
        self.alpha_ = _fit_ses_alpha(y, mask, self.alpha, cols)
        res = K.ses(y, mask, self.alpha_, cols=cols)
        self.level_ = res.state["level"]
        first, _ = K.first_index(mask)
        return warmup_nan(_fitted(res), first)

    def _predict(self, horizon: int) -> np.ndarray:
        return np.repeat(self.level_[:, None], horizon, axis=1)


def _fit_ses_alpha(
    y: np.ndarray, mask: np.ndarray, alpha: float | None, cols: K.Columns | None = None
) -> np.ndarray:
    n = y.shape[0]
    if alpha is not None:
        return np.full(n, float(alpha))
    cols = cols if cols is not None else K.Columns(y, mask)
    best = K.grid_search(
        lambda alpha: K.ses(y, mask, alpha, cols=cols).sse,
        n,
        {"alpha": np.asarray(ALPHA_GRID)},
        {"alpha": 0.1},
        refine=("alpha",),
        bounds={"alpha": ALPHA_BOUNDS},
    )
    return best["alpha"]


class Holt(ForecastModel):
    """Holt's linear trend method, optionally damped, with per-item parameters.

    Parameters
    ----------
    damped : bool, default False
        Damp the trend with ``phi`` (Gardner & McKenzie); recommended for demand, whose
        trends do not go on for ever.
    alpha : float in (0, 1), optional
        Level smoothing; ``None`` (default) optimised per item.
    beta : float in [0, 1), optional
        Trend smoothing (statsmodels' ``smoothing_trend``); ``None`` optimised.
    phi : float in (0, 1), optional
        Damping; ``None`` optimised when ``damped``; ignored (1) otherwise.
    alias : str, optional
        Name in results; default ``"holt"`` or ``"holt_damped"``.

    Attributes
    ----------
    alpha_, beta_, phi_ : numpy.ndarray, shape (n_items,)
        Parameters used per item (``phi_`` is 1 without damping).
    level_, trend_ : numpy.ndarray, shape (n_items,)
        Final level and trend (units/period, units/period per period).
    fitted_, status_, reason_
        As in :class:`Naive`.

    Notes
    -----
    On observed periods, with ``f_t = l_{t-1} + phi b_{t-1}``:
    ``l_t = alpha y_t + (1 - alpha) f_t`` and ``b_t = beta (l_t - l_{t-1}) + (1 - beta)
    phi b_{t-1}``; unobserved periods leave ``l`` and ``b`` unchanged (the trend is not
    extrapolated across a stock-out). ``y_hat[T + h] = l_T + (phi + ... + phi^h) b_T``,
    clipped at 0. These are statsmodels' ``Holt`` / ``ExponentialSmoothing(trend="add")``
    recursions (tested equal to 1e-8).

    Initialisation: level = first observed value, trend = 0. Grid search: ``alpha``, then
    ``beta`` over ``TREND_GRID`` (0 ... 0.15), then ``phi`` over ``PHI_GRID`` (0.85 ... 0.98),
    then ``alpha`` refined.

    References
    ----------
    Holt, C.C. (1957/2004). Forecasting seasonals and trends by exponentially weighted moving
    averages. *International Journal of Forecasting* 20(1), 5-10.
    Gardner, E.S. & McKenzie, E. (1985). Forecasting trends in time series. *Management
    Science* 31(10), 1237-1246.

    Examples
    --------
    >>> from stockout_forecast.forecast import Holt, history_from_array
    >>> hist = history_from_array([[10.0, 12.0, 14.0, 16.0]])
    >>> # l0 = 10, b0 = 0; t=1: l = .9*12 + .1*10 = 11.8, b = .9*1.8 = 1.62;
    >>> # t=2: l = .9*14 + .1*13.42 = 13.942, b = .9*2.142 + .1*1.62 = 2.0898;
    >>> # t=3: l = .9*16 + .1*16.0318 = 16.00318, b = .9*2.06118 + .1*2.0898 = 2.064042
    >>> Holt(alpha=0.9, beta=0.9).fit(hist).predict(2).round(2)  # l + b, l + 2b
    array([[18.07, 20.13]])
    """

    _default_alias = "holt"

    def __init__(
        self,
        *,
        damped: bool = False,
        alpha: float | None = None,
        beta: float | None = None,
        phi: float | None = None,
        alias: str | None = None,
    ) -> None:
        self.damped = damped
        self.alpha = alpha
        self.beta = beta
        self.phi = phi
        self.alias = alias

    def _resolve_alias(self) -> str:
        return "holt_damped" if self.damped else "holt"

    def _check_params(self, freq: str) -> None:
        name = type(self).__name__
        check_fraction_param(self.alpha, "alpha", name)
        if self.beta is not None and not 0.0 <= float(self.beta) < 1.0:
            raise ValueError(f"{name}: beta must be in [0, 1) or None; got {self.beta!r}.")
        check_fraction_param(self.phi, "phi", name)

    def _fit(self, y: np.ndarray, mask: np.ndarray, history: DemandHistory) -> np.ndarray:
        level0 = K.first_observed_value(y, mask)
        cols = K.Columns(y, mask)
        params = _fit_es_params(
            y, mask, self, level0=level0, season0=None, seasonal=None, trend=True, cols=cols
        )
        res = K.holt_winters(
            y,
            mask,
            params["alpha"],
            params["beta"],
            0.0,
            params["phi"],
            level0=level0,
            trend0=0.0,
            cols=cols,
        )
        self.alpha_, self.beta_, self.phi_ = params["alpha"], params["beta"], params["phi"]
        self.level_, self.trend_ = res.state["level"], res.state["trend"]
        self._state = res.state
        first, _ = K.first_index(mask)
        return warmup_nan(_fitted(res), first)

    def _predict(self, horizon: int) -> np.ndarray:
        return K.holt_winters_predict(
            self._state, self.phi_, horizon, n_periods=self.n_periods_, seasonal=None
        )


def _fit_es_params(
    y: np.ndarray,
    mask: np.ndarray,
    model: Any,
    *,
    level0: np.ndarray,
    season0: np.ndarray | None,
    seasonal: str | None,
    trend: bool,
    cols: K.Columns,
) -> dict[str, np.ndarray]:
    """Fixed or grid-searched alpha, beta, gamma, phi for the exponential-smoothing kernel."""
    n = y.shape[0]
    damped = bool(getattr(model, "damped", False))
    fixed = {
        "alpha": model.alpha,
        "beta": getattr(model, "beta", None) if trend else 0.0,
        "gamma": getattr(model, "gamma", None) if seasonal else 0.0,
        "phi": model.phi if damped else 1.0,
    }
    start = {"alpha": 0.1, "beta": 0.01, "gamma": 0.05, "phi": 0.94}
    grids_all = {
        "alpha": ALPHA_GRID,
        "gamma": SEASON_GRID,
        "beta": TREND_GRID,
        "phi": PHI_GRID,
    }
    grids = {k: np.asarray(g) for k, g in grids_all.items() if fixed[k] is None}
    start = {k: (start[k] if fixed[k] is None else float(fixed[k])) for k in start}
    if not grids:
        return {k: np.full(n, v) for k, v in start.items()}

    def sse(alpha: np.ndarray, beta: np.ndarray, gamma: np.ndarray, phi: np.ndarray) -> np.ndarray:
        return K.holt_winters(
            y,
            mask,
            alpha,
            beta,
            gamma,
            phi,
            level0=level0,
            trend0=0.0,
            season0=season0,
            seasonal=seasonal,
            trend=trend,
            cols=cols,
        ).sse

    refine = ("alpha",) if "alpha" in grids else ()
    return K.grid_search(sse, n, grids, start, refine=refine, bounds={"alpha": ALPHA_BOUNDS})


class HoltWinters(ForecastModel):
    """Holt-Winters seasonal exponential smoothing (additive or multiplicative seasons).

    Parameters
    ----------
    seasonal : {"add", "mul"}, default "add"
        Additive (``level + season``) or multiplicative (``level * season``) seasonality.
    season_length : int, optional
        Periods per season: default 7 for daily data (day of week), 52 for weekly, 12 for
        monthly data. Must be >= 2.
    trend : bool, default True
        Include a (possibly damped) additive trend; ``False`` gives seasonal SES.
    damped : bool, default False
        Damp the trend with ``phi``.
    alpha, beta, gamma, phi : float, optional
        Level, trend, season smoothing and damping; ``None`` (default) optimised per item.
    yearly : bool, optional
        Daily data only: also model day-of-year seasonality with Fourier terms (Notes).
        ``None`` (default): for daily data, for each item with at least 365 days between its
        first and last observed day. ``True``: the same, and items with less history are
        flagged ``"short_history"``. ``False``: never.
    yearly_harmonics : int, default 2
        Number of yearly Fourier harmonics (sine/cosine pairs).
    alias : str, optional
        Name in results; default ``"holt_winters_add"``, ``"holt_winters_mul_damped"``,
        ``"holt_winters_add_notrend"``, ...

    Attributes
    ----------
    alpha_, beta_, gamma_, phi_ : numpy.ndarray, shape (n_items,)
        Parameters used per item.
    level_, trend_ : numpy.ndarray, shape (n_items,)
        Final level and trend of the (yearly-adjusted) series.
    season_ : numpy.ndarray, shape (season_length, n_items)
        Final season index per phase ``t % season_length`` (phase 0 = the first period of
        the history).
    yearly_ : numpy.ndarray of bool, shape (n_items,)
        Whether yearly terms were used for the item.
    yearly_coef_ : numpy.ndarray, shape (n_items, 2 * yearly_harmonics)
        Fourier coefficients (units/day) of the yearly profile; 0 where not used.
    season_length_ : int
    fitted_, status_, reason_
        As in :class:`Naive`; ``"short_history"`` for items with fewer than
        ``season_length`` periods (their season indices start neutral) or, with
        ``yearly=True``, less than a year of history.

    Notes
    -----
    With ``f_t = l_{t-1} + phi b_{t-1}`` and ``s = s_{t-m}``, an observed period updates

    * additive: ``l_t = alpha (y_t - s) + (1 - alpha) f_t``,
      ``s_t = gamma (y_t - f_t) + (1 - gamma) s``;
    * multiplicative: ``l_t = alpha y_t / s + (1 - alpha) f_t``,
      ``s_t = gamma y_t / f_t + (1 - gamma) s``;
    * ``b_t = beta (l_t - l_{t-1}) + (1 - beta) phi b_{t-1}``,

    statsmodels' ``ExponentialSmoothing`` recursions (tested equal to 1e-8). Unobserved
    periods leave level, trend and every season index unchanged; the season phase follows
    the calendar. ``y_hat[T + h] = (l_T + (phi + ... + phi^h) b_T) (+ or x) s_{T + h - m k}``
    with the most recent index of that phase (statsmodels <= 0.15 uses the previous
    season's index when ``h`` is a multiple of ``m``; statsmodels issue #9538).
    Multiplicative indices are kept within [1e-3, 1e3] so that long zero runs of count
    data cannot divide by zero.

    Initialisation: from the item's first observed period, a window of two seasons (one
    if the history is shorter): level = mean of its observed values; season index of a
    phase = mean of that phase's observed values minus (or divided by) the level, centred
    to mean 0 (or normalised to mean 1); trend = 0.

    Yearly seasonality (daily data): a per-item weighted least-squares fit of demand on
    ``[1, t, sin(2 pi j d / 365.25), cos(2 pi j d / 365.25)]``, ``j = 1..yearly_harmonics``,
    ``d`` the day of the year, over observed days, with a ridge penalty shrinking the
    Fourier coefficients by about 10 %. The Fourier part ``a(d)`` is removed before the
    smoothing (``y - a`` for additive; ``y / (1 + a / mean(y))`` for multiplicative, the
    factor kept in [0.2, 5]) and put back on the forecast. The linear term keeps the
    trend out of the yearly profile.

    Grid search (parameters left at ``None``): ``alpha``, ``gamma`` (``SEASON_GRID``,
    0 ... 0.2), ``beta``, ``phi`` coordinate-wise, then ``alpha`` refined.

    References
    ----------
    Winters, P.R. (1960). Forecasting sales by exponentially weighted moving averages.
    *Management Science* 6(3), 324-342.
    Hyndman & Athanasopoulos (2021), *Forecasting: principles and practice*, section 8.3.

    Examples
    --------
    >>> import numpy as np
    >>> from stockout_forecast.forecast import HoltWinters, history_from_array
    >>> week = np.tile([2.0, 2.0, 2.0, 2.0, 4.0, 8.0, 8.0], 4)  # busy weekends
    >>> hist = history_from_array(week)
    >>> HoltWinters(trend=False).fit(hist).predict(7).round(1)
    array([[2., 2., 2., 2., 4., 8., 8.]])
    """

    _default_alias = "holt_winters"

    def __init__(
        self,
        *,
        seasonal: str = "add",
        season_length: int | None = None,
        trend: bool = True,
        damped: bool = False,
        alpha: float | None = None,
        beta: float | None = None,
        gamma: float | None = None,
        phi: float | None = None,
        yearly: bool | None = None,
        yearly_harmonics: int = 2,
        alias: str | None = None,
    ) -> None:
        self.seasonal = seasonal
        self.season_length = season_length
        self.trend = trend
        self.damped = damped
        self.alpha = alpha
        self.beta = beta
        self.gamma = gamma
        self.phi = phi
        self.yearly = yearly
        self.yearly_harmonics = yearly_harmonics
        self.alias = alias

    def _resolve_alias(self) -> str:
        name = f"holt_winters_{self.seasonal}"
        if not self.trend:
            return name + "_notrend"
        return name + ("_damped" if self.damped else "")

    def _check_params(self, freq: str) -> None:
        if self.seasonal not in ("add", "mul"):
            raise ValueError(
                f"HoltWinters: seasonal must be 'add' or 'mul'; got {self.seasonal!r}."
            )
        m = self._season_length(self.season_length, freq)
        if m < 2:
            raise ValueError(
                f"HoltWinters: season_length must be >= 2; got {m}. Use Holt or SES for "
                "a model without seasons."
            )
        for name in ("alpha", "gamma", "phi"):
            check_fraction_param(getattr(self, name), name, "HoltWinters")
        if self.beta is not None and not 0.0 <= float(self.beta) < 1.0:
            raise ValueError(f"HoltWinters: beta must be in [0, 1) or None; got {self.beta!r}.")
        if self.yearly and freq != "D":
            raise ValueError(
                f"HoltWinters: yearly=True is for daily data; this history has freq={freq!r}. "
                "Weekly and monthly data get yearly seasonality from season_length (52, 12)."
            )
        _int_param(self.yearly_harmonics, "yearly_harmonics", "HoltWinters")

    def _fit(self, y: np.ndarray, mask: np.ndarray, history: DemandHistory) -> np.ndarray:
        n, t_len = y.shape
        m = self._season_length(self.season_length, history.freq)
        self.season_length_ = m
        # ---------------------------------------------------------- yearly profile
        self.yearly_ = np.zeros(n, dtype=bool)
        self.yearly_coef_ = np.zeros((n, 2 * self.yearly_harmonics))
        self._yearly_scale = np.ones(n)
        y_adj = y
        if history.freq == "D" and self.yearly is not False and t_len:
            first, has = K.first_index(mask)
            last = t_len - 1 - K.first_index(mask[:, ::-1])[0]
            long_enough = has & (last - first + 1 >= 365)
            if self.yearly:
                self._set_status(
                    has & ~long_enough,
                    STATUS_SHORT,
                    "less than 365 days between the first and last observed day: yearly "
                    "seasonality not used",
                )
            if long_enough.any():
                four = K.fourier_terms(
                    history.periods.day_of_year.to_numpy(), self.yearly_harmonics
                )
                self.yearly_coef_ = K.fit_yearly(y, mask, four, long_enough)
                self.yearly_ = long_enough
                nobs = mask.sum(axis=1)
                self._yearly_scale = np.where(
                    nobs > 0, (y * mask).sum(axis=1) / np.maximum(nobs, 1), 0.0
                )
                y_adj = self._deseason(y, four, forward=True)
        # ---------------------------------------------------------- smoothing
        level0, season0, ok = K.seasonal_init(y_adj, mask, m, self.seasonal)
        cols = K.Columns(y_adj, mask)
        self._set_status(
            self.has_observed_ & ~ok,
            STATUS_SHORT,
            f"fewer than {m} periods of history: season indices start neutral",
        )
        params = _fit_es_params(
            y_adj,
            mask,
            self,
            level0=level0,
            season0=season0,
            seasonal=self.seasonal,
            trend=bool(self.trend),
            cols=cols,
        )
        res = K.holt_winters(
            y_adj,
            mask,
            **params,
            level0=level0,
            trend0=0.0,
            season0=season0,
            seasonal=self.seasonal,
            trend=bool(self.trend),
            cols=cols,
        )
        self.alpha_, self.beta_ = params["alpha"], params["beta"]
        self.gamma_, self.phi_ = params["gamma"], params["phi"]
        self._state = res.state
        self.level_, self.trend_ = res.state["level"], res.state["trend"]
        self.season_ = res.state["season"]
        fitted = _fitted(res)
        if self.yearly_.any():
            four = K.fourier_terms(history.periods.day_of_year.to_numpy(), self.yearly_harmonics)
            fitted = self._deseason(fitted, four, forward=False)
        first, _ = K.first_index(mask)
        return warmup_nan(fitted, first)

    def _yearly_part(self, fourier: np.ndarray) -> np.ndarray:
        """Additive yearly profile (n, T) in units, or the multiplicative factor."""
        a = self.yearly_coef_ @ fourier.T
        if self.seasonal == "add":
            return a
        scale = self._yearly_scale[:, None]
        with np.errstate(invalid="ignore", divide="ignore"):
            f = np.where(scale > 0, 1.0 + a / np.where(scale > 0, scale, 1.0), 1.0)
        return np.clip(f, 0.2, 5.0)

    def _deseason(self, arr: np.ndarray, fourier: np.ndarray, *, forward: bool) -> np.ndarray:
        part = self._yearly_part(fourier)
        if self.seasonal == "add":
            return arr - part if forward else arr + part
        return arr / part if forward else arr * part

    def _predict(self, horizon: int) -> np.ndarray:
        out = K.holt_winters_predict(
            self._state, self.phi_, horizon, n_periods=self.n_periods_, seasonal=self.seasonal
        )
        if self.yearly_.any():
            future = self.future_periods(horizon)
            four = K.fourier_terms(future.day_of_year.to_numpy(), self.yearly_harmonics)
            out = self._deseason(out, four, forward=False)
        return out


# =============================================================================== intermittent demand
class Croston(ForecastModel):
    """Croston's method for intermittent demand: smoothed size over smoothed interval.

    Parameters
    ----------
    alpha : float in (0, 1) or None, default 0.1
        Smoothing of demand sizes and of inter-demand intervals (the classic fixed 0.1).
        ``None``: optimised per item over ``CROSTON_GRID`` (0.02 ... 0.3) on the in-sample
        squared one-step error of the demand per period.
    alias : str, optional
        Name in results; default ``"croston"``.

    Attributes
    ----------
    alpha_ : numpy.ndarray, shape (n_items,)
    size_ : numpy.ndarray, shape (n_items,)
        Smoothed demand size ``z`` (units per demand occurrence).
    interval_ : numpy.ndarray, shape (n_items,)
        Smoothed interval ``p`` between demands (observed periods).
    fitted_, status_, reason_
        As in :class:`Naive`, NaN up to and including the first positive demand;
        ``"no_positive_demand"`` (forecast 0) for items that never sold in an observed
        period.

    Notes
    -----
    On an observed period with demand ``y_t > 0``, ``q`` observed periods after the
    previous demand (``q`` counts this one): ``z <- z + alpha (y_t - z)``,
    ``p <- p + alpha (q - p)``. Observed zero periods only increase ``q``; censored periods
    are skipped entirely (they do not count in ``q``). Forecast ``y_hat = z / p`` for every
    future period.

    Initialisation (stated as in statsforecast): ``z`` = the first positive demand and
    ``p`` = its position among the item's observed periods counted from 1, i.e. as if a
    demand had occurred just before the first observed period; the first demand then
    leaves both unchanged.

    References
    ----------
    Croston, J.D. (1972). Forecasting and stock control for intermittent demands.
    *Operational Research Quarterly* 23(3), 289-303.

    Examples
    --------
    >>> from stockout_forecast.forecast import Croston, history_from_array
    >>> hist = history_from_array([[0.0, 4.0, 0.0, 0.0, 2.0]])
    >>> # z0 = 4, p0 = 2; at t=4: z = 4 + 0.5 (2 - 4) = 3, p = 2 + 0.5 (3 - 2) = 2.5
    >>> Croston(alpha=0.5).fit(hist).predict(1)  # 3 / 2.5
    array([[1.2]])
    """

    _default_alias = "croston"
    _sba = False

    def __init__(self, *, alpha: float | None = 0.1, alias: str | None = None) -> None:
        self.alpha = alpha
        self.alias = alias

    def _check_params(self, freq: str) -> None:
        check_fraction_param(self.alpha, "alpha", type(self).__name__)

    def _fit(self, y: np.ndarray, mask: np.ndarray, history: DemandHistory) -> np.ndarray:
        n = y.shape[0]
        cols = K.Columns(y, mask)
        if self.alpha is None:
            best = K.grid_search(
                lambda alpha: K.croston(y, mask, alpha, sba=self._sba, cols=cols).sse,
                n,
                {"alpha": np.asarray(CROSTON_GRID)},
                {"alpha": 0.1},
            )
            alpha = best["alpha"]
        else:
            alpha = np.full(n, float(self.alpha))
        res = K.croston(y, mask, alpha, sba=self._sba, cols=cols)
        self.alpha_ = alpha
        self.size_, self.interval_ = res.state["size"], res.state["interval"]
        return _intermittent_finish(self, y, mask, _fitted(res))

    def _predict(self, horizon: int) -> np.ndarray:
        factor = 1.0 - self.alpha_ / 2.0 if self._sba else 1.0
        f = factor * self.size_ / self.interval_
        return np.repeat(f[:, None], horizon, axis=1)


def _intermittent_finish(
    model: ForecastModel, y: np.ndarray, mask: np.ndarray, fitted: np.ndarray
) -> np.ndarray:
    pos = (y > 0) & mask
    first, has = K.first_index(pos)
    model._set_status(
        model.has_observed_ & ~has,
        STATUS_NO_DEMAND,
        "no positive demand in any observed period; forecast is 0",
    )
    return warmup_nan(fitted, first)


class SBA(Croston):
    """Syntetos-Boylan approximation: Croston's forecast times ``1 - alpha / 2``.

    Parameters
    ----------
    alpha : float in (0, 1) or None, default 0.1
        As in :class:`Croston` (optimised on the debiased forecast when ``None``).
    alias : str, optional
        Name in results; default ``"sba"``.

    Attributes
    ----------
    alpha_, size_, interval_, fitted_, status_, reason_
        As in :class:`Croston`; ``fitted_`` includes the factor.

    Notes
    -----
    ``y_hat = (1 - alpha / 2) z / p``, which removes the positive bias of Croston's ratio
    of smoothed quantities. Recursions and initialisation as in :class:`Croston`.

    References
    ----------
    Syntetos, A.A. & Boylan, J.E. (2005). The accuracy of intermittent demand estimates.
    *International Journal of Forecasting* 21(2), 303-314.

    Examples
    --------
    >>> from stockout_forecast.forecast import SBA, history_from_array
    >>> hist = history_from_array([[0.0, 4.0, 0.0, 0.0, 2.0]])
    >>> SBA(alpha=0.5).fit(hist).predict(1)  # (1 - 0.25) * 3 / 2.5
    array([[0.9]])
    """

    _default_alias = "sba"
    _sba = True


class TSB(ForecastModel):
    """Teunter-Syntetos-Babai: smoothed demand probability times smoothed size.

    Unlike Croston, the probability decays during long zero runs, so obsolescent items
    are forecast toward 0.

    Parameters
    ----------
    alpha : float in (0, 1), optional
        Smoothing of demand sizes; ``None`` (default) optimised over ``CROSTON_GRID``.
    beta : float in (0, 1), optional
        Smoothing of the demand probability; ``None`` optimised over ``TSB_PROB_GRID``
        (0.01 ... 0.3).
    alias : str, optional
        Name in results; default ``"tsb"``.

    Attributes
    ----------
    alpha_, beta_ : numpy.ndarray, shape (n_items,)
    size_ : numpy.ndarray, shape (n_items,)
        Smoothed demand size ``z`` (units per occurrence).
    prob_ : numpy.ndarray, shape (n_items,)
        Smoothed probability ``d`` of demand in a period.
    fitted_, status_, reason_
        As in :class:`Croston`.

    Notes
    -----
    Every observed period: ``d <- d + beta (1[y_t > 0] - d)``; observed periods with
    ``y_t > 0`` also ``z <- z + alpha (y_t - z)``; censored periods change nothing.
    ``y_hat = d z``. Initialisation: ``z`` = first positive demand, ``d = 1 / p0`` with
    ``p0`` the Croston initial interval (position of the first positive demand among the
    observed periods, from 1). The grid search is joint-coordinate: ``alpha``, then
    ``beta``.

    References
    ----------
    Teunter, R.H., Syntetos, A.A. & Babai, M.Z. (2011). Intermittent demand: linking
    forecasting to inventory obsolescence. *European Journal of Operational Research*
    214(3), 606-615.

    Examples
    --------
    >>> from stockout_forecast.forecast import TSB, history_from_array
    >>> hist = history_from_array([[0.0, 4.0, 0.0, 0.0, 2.0]])
    >>> # z0 = 4, d0 = 1/2; d: .25 (t=0), .625 (t=1, z=4), .3125, .15625, .578125 (t=4, z=3)
    >>> TSB(alpha=0.5, beta=0.5).fit(hist).predict(1)  # 3 * 0.578125
    array([[1.734375]])
    """

    _default_alias = "tsb"

    def __init__(
        self, *, alpha: float | None = None, beta: float | None = None, alias: str | None = None
    ) -> None:
        self.alpha = alpha
        self.beta = beta
        self.alias = alias

    def _check_params(self, freq: str) -> None:
        check_fraction_param(self.alpha, "alpha", "TSB")
        check_fraction_param(self.beta, "beta", "TSB")

    def _fit(self, y: np.ndarray, mask: np.ndarray, history: DemandHistory) -> np.ndarray:
        n = y.shape[0]
        grids: dict[str, np.ndarray] = {}
        if self.alpha is None:
            grids["alpha"] = np.asarray(CROSTON_GRID)
        if self.beta is None:
            grids["beta"] = np.asarray(TSB_PROB_GRID)
        start = {
            "alpha": 0.1 if self.alpha is None else float(self.alpha),
            "beta": 0.05 if self.beta is None else float(self.beta),
        }
        cols = K.Columns(y, mask)
        if grids:
            best = K.grid_search(
                lambda alpha, beta: K.tsb(y, mask, alpha, beta, cols=cols).sse, n, grids, start
            )
        else:
            best = {k: np.full(n, v) for k, v in start.items()}
        res = K.tsb(y, mask, best["alpha"], best["beta"], cols=cols)
        self.alpha_, self.beta_ = best["alpha"], best["beta"]
        self.size_, self.prob_ = res.state["size"], res.state["prob"]
        return _intermittent_finish(self, y, mask, _fitted(res))

    def _predict(self, horizon: int) -> np.ndarray:
        return np.repeat((self.prob_ * self.size_)[:, None], horizon, axis=1)


def _adi_aggregation(y: np.ndarray, mask: np.ndarray, cap: int) -> tuple[np.ndarray, np.ndarray]:
    """Per-item aggregation level round(ADI) in [1, cap] and whether there is demand."""
    nobs = mask.sum(axis=1)
    npos = ((y > 0) & mask).sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        adi = np.where(npos > 0, nobs / np.maximum(npos, 1), 1.0)
    k = np.clip(np.floor(adi + 0.5), 1, max(cap, 1)).astype(np.int64)
    return k, npos > 0


def _adida(
    y: np.ndarray, mask: np.ndarray, k_items: np.ndarray, alpha: float | None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """ADIDA for items with per-item aggregation ``k_items``: (forecast/period, fitted, alpha)."""
    n, t_len = y.shape
    fc = np.zeros(n)
    fitted = np.full((n, t_len), np.nan)
    alpha_out = np.full(n, np.nan)
    for k in np.unique(k_items):
        every = bool((k_items == k).all())
        rows = slice(None) if every else np.flatnonzero(k_items == k)
        ya, ma, r = K.aggregate(y if every else y[rows], mask if every else mask[rows], int(k))
        if ya.shape[1] == 0:
            continue
        cols = K.Columns(ya, ma)
        a = _fit_ses_alpha(ya, ma, alpha, cols)
        res = K.ses(ya, ma, a, cols=cols)
        first, _ = K.first_index(ma)
        fa = warmup_nan(_fitted(res), first) / k
        fitted[rows, r:] = np.repeat(fa, int(k), axis=1)
        fc[rows] = res.state["level"] / k
        alpha_out[rows] = a
    return fc, fitted, alpha_out


class ADIDA(ForecastModel):
    """ADIDA: SES on non-overlapping temporal aggregates, disaggregated evenly.

    Parameters
    ----------
    aggregation : int, optional
        Periods per bucket. ``None`` (default): per item, the average inter-demand
        interval ``ADI = observed periods / periods with demand``, rounded, at most
        ``max_aggregation``.
    alpha : float in (0, 1), optional
        SES smoothing of the bucket totals; ``None`` (default) optimised per item.
    max_aggregation : int, optional
        Cap of the automatic aggregation level; default half the number of periods (so
        there are at least two buckets).
    alias : str, optional
        Name in results; default ``"adida"``.

    Attributes
    ----------
    aggregation_ : numpy.ndarray of int, shape (n_items,)
        Aggregation level used per item.
    alpha_ : numpy.ndarray, shape (n_items,)
    level_ : numpy.ndarray, shape (n_items,)
        Forecast demand per period (the smoothed bucket total divided by its length).
    fitted_, status_, reason_
        As in :class:`Croston`; ``fitted_`` spreads each bucket's one-step forecast
        evenly over its periods and is NaN up to the end of the first observed bucket.

    Notes
    -----
    Buckets of ``k`` periods are aligned to the end of the history (the first
    ``T mod k`` periods are dropped). A bucket's total is ``k`` times the mean of its
    observed periods (censored periods are not zeros) and it counts as observed when at
    least ``ceil(k / 2)`` of its periods are. SES (initial level = first observed bucket)
    runs on the bucket totals; ``y_hat = l / k`` per period.

    References
    ----------
    Nikolopoulos, K., Syntetos, A.A., Boylan, J.E., Petropoulos, F. & Assimakopoulos, V.
    (2011). An aggregate-disaggregate intermittent demand approach (ADIDA) to
    forecasting. *Journal of the Operational Research Society* 62(3), 544-554.

    Examples
    --------
    >>> from stockout_forecast.forecast import ADIDA, history_from_array
    >>> hist = history_from_array([[0.0, 3.0, 0.0, 1.0, 2.0, 0.0]])
    >>> # buckets of 2: totals 3, 1, 2; SES(0.5) from 3: 3 -> 2 -> 2; 2 / 2 per period
    >>> ADIDA(aggregation=2, alpha=0.5).fit(hist).predict(2)
    array([[1., 1.]])
    """

    _default_alias = "adida"

    def __init__(
        self,
        *,
        aggregation: int | None = None,
        alpha: float | None = None,
        max_aggregation: int | None = None,
        alias: str | None = None,
    ) -> None:
        self.aggregation = aggregation
        self.alpha = alpha
        self.max_aggregation = max_aggregation
        self.alias = alias

    def _check_params(self, freq: str) -> None:
        name = type(self).__name__
        check_fraction_param(self.alpha, "alpha", name)
        if getattr(self, "aggregation", None) is not None:
            _int_param(self.aggregation, "aggregation", name)
        if self.max_aggregation is not None:
            _int_param(self.max_aggregation, "max_aggregation", name)

    def _levels(self, y: np.ndarray, mask: np.ndarray) -> np.ndarray:
        t_len = y.shape[1]
        cap = max(1, t_len // 2) if self.max_aggregation is None else self.max_aggregation
        cap = min(cap, max(1, t_len))
        k, has = _adi_aggregation(y, mask, cap)
        fixed = getattr(self, "aggregation", None)
        if fixed is not None:
            k = np.full(y.shape[0], min(int(fixed), max(1, t_len)), dtype=np.int64)
            if fixed > t_len:
                self._set_status(
                    self.has_observed_,
                    STATUS_SHORT,
                    f"aggregation {fixed} exceeds the {t_len} periods of history; "
                    f"buckets of {t_len} used",
                )
        self._set_status(
            self.has_observed_ & ~has,
            STATUS_NO_DEMAND,
            "no positive demand in any observed period; forecast is 0",
        )
        return k

    def _fit(self, y: np.ndarray, mask: np.ndarray, history: DemandHistory) -> np.ndarray:
        k = self._levels(y, mask)
        fc, fitted, alpha = _adida(y, mask, k, self.alpha)
        self.aggregation_ = k
        self.alpha_ = alpha
        self.level_ = fc
        return fitted

    def _predict(self, horizon: int) -> np.ndarray:
        return np.repeat(self.level_[:, None], horizon, axis=1)


class IMAPA(ADIDA):
    """IMAPA: the average of ADIDA forecasts over aggregation levels 1 ... K.

    Parameters
    ----------
    alpha : float in (0, 1), optional
        SES smoothing at every level; ``None`` (default) optimised per item and level.
    max_aggregation : int, optional
        Cap of ``K``; default half the number of periods.
    alias : str, optional
        Name in results; default ``"imapa"``.

    Attributes
    ----------
    aggregation_ : numpy.ndarray of int, shape (n_items,)
        Highest aggregation level ``K`` per item: round(ADI), capped.
    level_ : numpy.ndarray, shape (n_items,)
        Forecast demand per period (average over levels).
    fitted_, status_, reason_
        As in :class:`ADIDA` (average of the available levels' fitted values).

    Notes
    -----
    ``y_hat = (1 / K) sum_{k=1..K} ADIDA_k``, each ``ADIDA_k`` as in :class:`ADIDA`
    with buckets of ``k`` periods. ``K = round(ADI)`` with ``ADI`` the average
    inter-demand interval (observed periods / periods with demand), so smooth items
    (``K = 1``) get plain SES.

    References
    ----------
    Petropoulos, F. & Kourentzes, N. (2015). Forecast combinations for intermittent
    demand. *Journal of the Operational Research Society* 66(6), 914-924.

    Examples
    --------
    >>> from stockout_forecast.forecast import IMAPA, history_from_array
    >>> hist = history_from_array([[0.0, 3.0, 0.0, 1.0, 2.0, 0.0]])
    >>> m = IMAPA(alpha=0.5).fit(hist)
    >>> # ADI = 6 / 3 = 2 -> levels 1 and 2. k=1: SES(.5) from 0 on 0,3,0,1,2,0 ends at
    >>> # 0.71875; k=2 (see ADIDA): 1.0 per period. Mean: (0.71875 + 1) / 2 = 0.859375
    >>> int(m.aggregation_[0]), m.predict(1).round(4)
    (2, array([[0.8594]]))
    """

    _default_alias = "imapa"

    def __init__(
        self,
        *,
        alpha: float | None = None,
        max_aggregation: int | None = None,
        alias: str | None = None,
    ) -> None:
        self.alpha = alpha
        self.max_aggregation = max_aggregation
        self.alias = alias

    def _fit(self, y: np.ndarray, mask: np.ndarray, history: DemandHistory) -> np.ndarray:
        n, t_len = y.shape
        kmax = self._levels(y, mask)
        total = np.zeros(n)
        count = np.zeros(n)
        fit_sum = np.zeros((n, t_len))
        fit_cnt = np.zeros((n, t_len))
        for k in range(1, int(kmax.max(initial=1)) + 1):
            every = bool((kmax >= k).all())
            rows = slice(None) if every else np.flatnonzero(kmax >= k)
            yk, mk = (y, mask) if every else (y[rows], mask[rows])
            fc, fitted, _ = _adida(yk, mk, np.full(yk.shape[0], k), self.alpha)
            total[rows] += fc
            count[rows] += 1
            ok = np.isfinite(fitted)
            fitted[~ok] = 0.0
            if every:
                fit_sum += fitted
                fit_cnt += ok
            else:
                fit_sum[rows] += fitted
                fit_cnt[rows] += ok
        self.aggregation_ = kmax
        self.level_ = total / np.maximum(count, 1)
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(fit_cnt > 0, fit_sum / np.maximum(fit_cnt, 1), np.nan)


# =============================================================================== global model
_GBM_LAGS = {
    "D": (1, 2, 3, 4, 5, 6, 7, 14, 21, 28),
    "W": (1, 2, 3, 4, 8, 13, 26, 52),
    "M": (1, 2, 3, 6, 12),
}
_GBM_WINDOWS = {"D": (7, 28, 91), "W": (4, 13, 52), "M": (3, 6, 12)}
_GBM_HORIZON = {"D": 28, "W": 13, "M": 12}
_GBM_FEATURES_CAL = ("day_of_week", "month", "day_of_year", "days_to_year_end")


class GlobalGBM(ForecastModel):
    """A global gradient-boosted model over lag, rolling, calendar and item features.

    One scikit-learn ``HistGradientBoostingRegressor`` is trained on rows pooled across all
    items (Poisson loss for the mean), plus one per requested quantile (quantile loss).

    Parameters
    ----------
    quantiles : sequence of float in (0, 1), default ()
        Quantile levels to model as well (read them with :meth:`predict_quantiles`).
    max_horizon : int, optional
        Largest horizon trained (periods); default 28 for daily, 13 for weekly, 12 for
        monthly data. Longer horizons reuse the ``max_horizon`` step (with their own
        calendar features).
    lags : sequence of int, optional
        Lags (periods before the forecast origin, 1 = the origin itself); default
        1-7, 14, 21, 28 (D), 1-4, 8, 13, 26, 52 (W), 1-3, 6, 12 (M).
    windows : sequence of int, optional
        Rolling-mean windows over observed periods; default 7/28/91 (D), 4/13/52 (W),
        3/6/12 (M).
    max_train_rows : int, default 100_000
        Cap on training rows (item x origin x horizon), sampled uniformly at random from
        all rows with an observed target; below the cap every row is used.
    max_iter, learning_rate, max_leaf_nodes, min_samples_leaf
        Passed to ``HistGradientBoostingRegressor`` (defaults 100, 0.1, 31, 20).
    fitted_window : int, optional
        One-step in-sample forecasts are computed for the last ``fitted_window`` periods
        only (default ``max_horizon``); ``fitted_`` is NaN before (scoring every period
        would cost a prediction per item-period).
    n_threads : int or None, default 1
        OpenMP threads for the boosting (set with threadpoolctl while fitting and
        predicting). 1 by default: the per-split parallel regions cost more than they save
        on small training sets and on busy machines; ``None`` uses every core.
    random_state : int, numpy Generator or None
        Seeds the row sampling and the boosting; same seed, same forecasts.
    alias : str, optional
        Name in results; default ``"global_gbm"``.

    Attributes
    ----------
    estimator_ : HistGradientBoostingRegressor or None
        The mean model (None when there were too few training rows).
    quantile_estimators_ : dict of float -> HistGradientBoostingRegressor
    feature_names_ : list of str
    n_train_rows_ : int
        Training rows used.
    fitted_, status_, reason_
        As in :class:`Naive`; all items are ``"short_history"`` (forecast = mean of the
        item's observed periods) when fewer than 50 training rows exist.

    Notes
    -----
    Direct multi-step forecasting with the horizon as a feature: a row is (item ``i``,
    origin ``o``, step ``h``) with target ``y[i, o + h]``; features are known at the origin:
    demand at the lags (NaN when unobserved -- the trees route missing values natively,
    so censored periods are neither zeros nor imputed), means of the observed periods in the
    rolling windows, the item's expanding mean and share of zero periods, periods since the
    last positive demand, ``h``, and the target period's day of week, month, day of year and
    days to the year end. Rows whose target is unobserved are not trained on. One model
    covers every step (no recursion, so no error feedback). Quantile predictions are sorted
    across levels (no crossing) and clipped at 0.

    References
    ----------
    Januschowski, T. et al. (2022). Forecasting with trees. *International Journal of
    Forecasting* 38(4), 1473-1481.

    Examples
    --------
    >>> import numpy as np
    >>> from stockout_forecast.forecast import GlobalGBM, history_from_array
    >>> rng = np.random.default_rng(0)
    >>> hist = history_from_array(rng.poisson([[2.0], [8.0]], size=(2, 120)).astype(float))
    >>> m = GlobalGBM(max_iter=30, random_state=0).fit(hist)
    >>> bool((m.predict(3)[1] > m.predict(3)[0]).all())
    True
    """

    _default_alias = "global_gbm"

    def __init__(
        self,
        *,
        quantiles: Sequence[float] = (),
        max_horizon: int | None = None,
        lags: Sequence[int] | None = None,
        windows: Sequence[int] | None = None,
        max_train_rows: int = 100_000,
        max_iter: int = 100,
        learning_rate: float = 0.1,
        max_leaf_nodes: int = 31,
        min_samples_leaf: int = 20,
        fitted_window: int | None = None,
        n_threads: int | None = 1,
        random_state: RandomStateLike = None,
        alias: str | None = None,
    ) -> None:
        self.quantiles = quantiles
        self.max_horizon = max_horizon
        self.lags = lags
        self.windows = windows
        self.max_train_rows = max_train_rows
        self.max_iter = max_iter
        self.learning_rate = learning_rate
        self.max_leaf_nodes = max_leaf_nodes
        self.min_samples_leaf = min_samples_leaf
        self.fitted_window = fitted_window
        self.n_threads = n_threads
        self.random_state = random_state
        self.alias = alias

    def _check_params(self, freq: str) -> None:
        if len(tuple(self.quantiles)):
            check_fractions(self.quantiles, "GlobalGBM quantiles")
        for name in ("max_train_rows", "max_iter", "max_leaf_nodes", "min_samples_leaf"):
            _int_param(getattr(self, name), name, "GlobalGBM")
        for name in ("max_horizon", "fitted_window"):
            if getattr(self, name) is not None:
                _int_param(getattr(self, name), name, "GlobalGBM")
        for name in ("lags", "windows"):
            for v in getattr(self, name) or ():
                _int_param(v, name, "GlobalGBM")

    # ----------------------------------------------------------------- features
    def _prepare(self, y: np.ndarray, mask: np.ndarray, periods: pd.DatetimeIndex) -> None:
        n, t_len = y.shape
        self._y_nan = np.where(mask, y, np.nan)
        self._csum = np.concatenate([np.zeros((n, 1)), np.cumsum(y * mask, axis=1)], axis=1)
        self._ccnt = np.concatenate([np.zeros((n, 1)), np.cumsum(mask, axis=1)], axis=1)
        zero = (y == 0) & mask
        self._czero = np.concatenate([np.zeros((n, 1)), np.cumsum(zero, axis=1)], axis=1)
        t = np.arange(t_len)
        last_pos = np.where((y > 0) & mask, t[None, :], -1)
        self._last_pos = np.maximum.accumulate(last_pos, axis=1) if t_len else last_pos

    def _calendar(self, dates: pd.DatetimeIndex) -> np.ndarray:
        year_end = pd.DatetimeIndex(
            pd.to_datetime({"year": dates.year, "month": 12, "day": 31}) if len(dates) else dates
        )
        return np.column_stack(
            [
                dates.day_of_week.to_numpy(),
                dates.month.to_numpy(),
                dates.day_of_year.to_numpy(),
                (year_end - dates).days.to_numpy(),
            ]
        ).astype(np.float64)

    def _features(self, i: np.ndarray, o: np.ndarray, h: np.ndarray, cal: np.ndarray) -> np.ndarray:
        """Feature matrix of rows (item i, origin o, step h); ``cal`` calendar rows of the targets."""
        return np.column_stack([self._origin_features(i, o), h.astype(np.float64), cal])

    def _origin_features(self, i: np.ndarray, o: np.ndarray) -> np.ndarray:
        """The features known at origin ``o`` for item ``i`` (lags, windows, item stats)."""
        cols = []
        for lag in self._lags:
            src = o - lag + 1
            ok = src >= 0
            v = np.full(i.shape, np.nan)
            v[ok] = self._y_nan[i[ok], src[ok]]
            cols.append(v)
        end = o + 1
        for w in self._windows:
            start = np.maximum(end - w, 0)
            s = self._csum[i, end] - self._csum[i, start]
            c = self._ccnt[i, end] - self._ccnt[i, start]
            with np.errstate(invalid="ignore", divide="ignore"):
                cols.append(np.where(c > 0, s / np.maximum(c, 1), np.nan))
        c = self._ccnt[i, end]
        with np.errstate(invalid="ignore", divide="ignore"):
            cols.append(np.where(c > 0, self._csum[i, end] / np.maximum(c, 1), np.nan))
            cols.append(np.where(c > 0, self._czero[i, end] / np.maximum(c, 1), np.nan))
        lp = self._last_pos[i, o]
        cols.append(np.where(lp >= 0, o - lp, np.nan))
        return np.column_stack(cols)

    def _make_estimator(self, loss: str, seed: int, quantile: float | None = None) -> Any:
        from sklearn.ensemble import HistGradientBoostingRegressor

        kw: dict[str, Any] = {"quantile": quantile} if quantile is not None else {}
        return HistGradientBoostingRegressor(
            loss=loss,
            max_iter=self.max_iter,
            learning_rate=self.learning_rate,
            max_leaf_nodes=self.max_leaf_nodes,
            min_samples_leaf=self.min_samples_leaf,
            early_stopping=False,
            random_state=seed,
            **kw,
        )

    # ----------------------------------------------------------------- fit / predict
    def _threads(self) -> Any:
        # import scikit-learn's OpenMP runtime first: threadpoolctl only limits libraries
        # that are already loaded when the limit is set
        import sklearn.ensemble  # noqa: F401
        from threadpoolctl import threadpool_limits

        return threadpool_limits(limits=self.n_threads, user_api="openmp")

    def _fit(self, y: np.ndarray, mask: np.ndarray, history: DemandHistory) -> np.ndarray:
        with self._threads():
            return self._fit_gbm(y, mask, history)

    def _fit_gbm(self, y: np.ndarray, mask: np.ndarray, history: DemandHistory) -> np.ndarray:
        n, t_len = y.shape
        freq = history.freq
        rng = check_random_state(self.random_state)
        self._lags = tuple(int(v) for v in (self.lags or _GBM_LAGS[freq]))
        self._windows = tuple(int(v) for v in (self.windows or _GBM_WINDOWS[freq]))
        self._horizon = int(self.max_horizon or _GBM_HORIZON[freq])
        self.feature_names_ = [
            *(f"lag_{v}" for v in self._lags),
            *(f"rolling_mean_{v}" for v in self._windows),
            "item_mean",
            "item_zero_share",
            "periods_since_demand",
            "step",
            *_GBM_FEATURES_CAL,
        ]
        self._prepare(y, mask, history.periods)
        self._cal_hist = self._calendar(history.periods)
        nobs = mask.sum(axis=1)
        self._item_mean = np.where(nobs > 0, (y * mask).sum(axis=1) / np.maximum(nobs, 1), 0.0)
        i, o, h = self._sample_rows(mask, rng)
        self.n_train_rows_ = int(i.size)
        self.estimator_ = None
        self.quantile_estimators_: dict[float, Any] = {}
        fitted = np.full((n, t_len), np.nan)
        if i.size < 50:
            self._set_status(
                self.has_observed_,
                STATUS_SHORT,
                f"only {i.size} training rows (fewer than 50) for the global model; "
                "forecast is the mean of the item's observed periods",
            )
            self._release(n, t_len)
            return fitted
        x = self._features(i, o, h, self._cal_hist[o + h])
        target = y[i, o + h]
        seed = int(rng.integers(0, 2**31 - 1))
        if target.sum() > 0:
            self.estimator_ = self._make_estimator("poisson", seed).fit(x, target)
        for q in check_fractions(self.quantiles, "quantiles") if len(tuple(self.quantiles)) else ():
            self.quantile_estimators_[q] = self._make_estimator("quantile", seed, q).fit(x, target)
        # one-step fitted values on the last fitted_window periods
        win = min(int(self.fitted_window or self._horizon), max(t_len - 1, 0))
        if win > 0:
            tt = np.arange(t_len - win, t_len)
            ii = np.repeat(np.arange(n), win)
            oo = np.tile(tt - 1, n)
            x = self._features(ii, oo, np.ones_like(oo), self._cal_hist[oo + 1])
            pred = self._mean_rows(x, ii)
            pred[self._ccnt[ii, oo + 1] == 0] = np.nan  # nothing observed yet at the origin
            fitted[:, t_len - win :] = pred.reshape(n, win)
        self._release(n, t_len)
        return fitted

    def _release(self, n: int, t_len: int) -> None:
        """Keep the features at the last origin; drop the (n, T) working arrays."""
        rows = np.arange(n)
        self._origin = (
            self._origin_features(rows, np.full(n, t_len - 1)) if t_len else np.zeros((n, 0))
        )
        for name in ("_y_nan", "_csum", "_ccnt", "_czero", "_last_pos"):
            delattr(self, name)

    def _sample_rows(
        self, mask: np.ndarray, rng: np.random.Generator
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Training rows (item, origin, step) with an observed target and >= 1 observed origin."""
        n, t_len = mask.shape
        hmax = self._horizon
        cap = int(self.max_train_rows)
        total = n * max(t_len - 1, 0) * hmax
        if total == 0:
            e = np.zeros(0, dtype=np.int64)
            return e, e, e
        if total <= 3 * cap:
            grid = np.meshgrid(
                np.arange(n), np.arange(t_len - 1), np.arange(1, hmax + 1), indexing="ij"
            )
            i, o, h = (g.ravel() for g in grid)
        else:
            draw = 3 * cap
            i = rng.integers(0, n, draw)
            o = rng.integers(0, t_len - 1, draw)
            h = rng.integers(1, hmax + 1, draw)
        valid = o + h < t_len
        i, o, h = i[valid], o[valid], h[valid]
        valid = mask[i, o + h] & (self._ccnt[i, o + 1] > 0)
        i, o, h = i[valid], o[valid], h[valid]
        if i.size > cap:
            keep = np.sort(rng.choice(i.size, cap, replace=False))
            i, o, h = i[keep], o[keep], h[keep]
        return i, o, h

    def _mean_rows(self, x: np.ndarray, i: np.ndarray) -> np.ndarray:
        if self.estimator_ is None:
            return np.zeros(i.size) if self.n_train_rows_ >= 50 else self._item_mean[i]
        return np.asarray(self.estimator_.predict(x), dtype=np.float64)

    def _future_rows(self, horizon: int) -> tuple[np.ndarray, np.ndarray]:
        """Feature rows (item-major: item 0 steps 1..horizon, item 1, ...) and their items."""
        n = len(self.item_ids_)
        dates = self.future_periods(horizon)
        cal = np.tile(self._calendar(dates), (n, 1))
        h = np.tile(np.minimum(np.arange(1, horizon + 1), self._horizon), n).astype(np.float64)
        x = np.column_stack([np.repeat(self._origin, horizon, axis=0), h, cal])
        return x, np.repeat(np.arange(n), horizon)

    def _predict(self, horizon: int) -> np.ndarray:
        n = len(self.item_ids_)
        if self.n_periods_ == 0:
            return np.zeros((n, horizon))
        x, i = self._future_rows(horizon)
        with self._threads():
            return self._mean_rows(x, i).reshape(n, horizon)

    def predict_quantiles(self, horizon: int) -> np.ndarray:
        """Quantiles of demand per item and future period from the quantile-loss models.

        Parameters
        ----------
        horizon : int
            Number of future periods (>= 1).

        Returns
        -------
        numpy.ndarray of float64, shape (n_items, n_quantiles, horizon)
            Levels in ``sorted(quantiles)`` order; sorted across levels and >= 0.

        Raises
        ------
        NotFittedError
            Before :meth:`fit`.
        ValueError
            When the model was built without ``quantiles``.
        """
        self._check_fitted()
        levels = sorted(self.quantile_estimators_)
        if not len(tuple(self.quantiles)):
            raise ValueError(
                "GlobalGBM was fitted without quantiles; pass quantiles=(0.1, 0.5, 0.9) "
                "(fractions in (0, 1)) to the constructor and fit again."
            )
        mean = self.predict(horizon)
        n = mean.shape[0]
        if not levels:  # too few training rows: no quantile model, flagged short_history
            return np.repeat(mean[:, None, :], len(tuple(self.quantiles)), axis=1)
        x, _ = self._future_rows(horizon)
        with self._threads():
            out = np.stack(
                [self.quantile_estimators_[q].predict(x).reshape(n, horizon) for q in levels],
                axis=1,
            )
        out = np.sort(np.maximum(out, 0.0), axis=1)
        out[~self.has_observed_] = 0.0
        return out


# =============================================================================== statsmodels reference
class StatsmodelsETS(ForecastModel):
    """Reference model: statsmodels' ``ETSModel`` fitted item by item (small sets only).

    A per-item Python loop over ``statsmodels.tsa.exponential_smoothing.ets.ETSModel`` with
    maximum-likelihood parameters and initial states -- slow (tens of milliseconds per
    item) and meant for checking the vectorised models on a few hundred items, not for
    production runs.

    Parameters
    ----------
    error : {"add", "mul"}, default "add"
    trend : {None, "add", "mul"}, default None
    damped_trend : bool, default False
    seasonal : {None, "add", "mul"}, default None
    season_length : int, optional
        Default 7 (D), 52 (W), 12 (M); used when ``seasonal`` is set.
    max_items : int, default 200
        Fitting more items raises ``ValueError``; raise the cap knowingly.
    alias : str, optional
        Name in results; default ``"statsmodels_ets"``.

    Attributes
    ----------
    results_ : list of statsmodels results or None, length n_items
        Fitted result per item (None where the item was not fitted by statsmodels).
    level_ : numpy.ndarray, shape (n_items,)
        Fallback forecast (mean of observed periods) for items without a result.
    fitted_, status_, reason_
        As in :class:`Naive`; ``"short_history"`` when an item has fewer than 4 observed
        periods (mean forecast) or fewer than two seasons (fitted without seasonality),
        ``"model_fallback"`` when statsmodels failed or a multiplicative component met
        a non-positive value (the message is in ``reason_``).

    Notes
    -----
    statsmodels' ETS does not accept missing values, so unobserved periods are handled
    before fitting: without seasonality they are dropped (the series of observed values,
    equivalent to skipping them); with seasonality, periods after the first observation
    that are unobserved are filled with the item's last observed value of the same phase
    (its observed mean if none), to keep the calendar phase. Fitting warnings
    (convergence) are recorded in ``reason_``. Forecasts are clipped at 0.

    References
    ----------
    Hyndman, R.J., Koehler, A.B., Ord, J.K. & Snyder, R.D. (2008). *Forecasting with
    exponential smoothing: the state space approach*. Springer.

    Examples
    --------
    >>> from stockout_forecast.forecast import StatsmodelsETS, history_from_array
    >>> hist = history_from_array([[5.0, 6.0, 5.0, 7.0, 6.0, 5.0, 6.0, 7.0]])
    >>> m = StatsmodelsETS().fit(hist)
    >>> m.predict(2).shape
    (1, 2)
    """

    _default_alias = "statsmodels_ets"

    def __init__(
        self,
        *,
        error: str = "add",
        trend: str | None = None,
        damped_trend: bool = False,
        seasonal: str | None = None,
        season_length: int | None = None,
        max_items: int = 200,
        alias: str | None = None,
    ) -> None:
        self.error = error
        self.trend = trend
        self.damped_trend = damped_trend
        self.seasonal = seasonal
        self.season_length = season_length
        self.max_items = max_items
        self.alias = alias

    def _check_params(self, freq: str) -> None:
        for name, allowed in (
            ("error", ("add", "mul")),
            ("trend", (None, "add", "mul")),
            ("seasonal", (None, "add", "mul")),
        ):
            if getattr(self, name) not in allowed:
                raise ValueError(
                    f"StatsmodelsETS: {name} must be one of {allowed}; got {getattr(self, name)!r}."
                )
        _int_param(self.max_items, "max_items", "StatsmodelsETS")
        self._season_length(self.season_length, freq)

    def _fit(self, y: np.ndarray, mask: np.ndarray, history: DemandHistory) -> np.ndarray:
        n, t_len = y.shape
        if n > self.max_items:
            raise ValueError(
                f"StatsmodelsETS fits item by item and is a reference model for small sets; "
                f"the history has {n} items, above max_items={self.max_items}. Use the "
                "vectorised SES / Holt / HoltWinters models, subset the history "
                "(history.subset(ids)), or pass a larger max_items knowingly."
            )
        m = self._season_length(self.season_length, history.freq)
        self.results_: list[Any] = [None] * n
        self.level_ = np.zeros(n)
        fitted = np.full((n, t_len), np.nan)
        for i in range(n):
            fitted[i] = self._fit_one(i, y[i], mask[i], m)
        return fitted

    def _fit_one(self, i: int, yi: np.ndarray, mi: np.ndarray, m: int) -> np.ndarray:
        from statsmodels.tsa.exponential_smoothing.ets import ETSModel

        out = np.full(yi.shape, np.nan)
        obs = np.flatnonzero(mi)
        if obs.size == 0:
            return out
        self.level_[i] = yi[obs].mean()
        if obs.size < 4:
            self._set_status(
                _one(i, len(self.status_)),
                STATUS_SHORT,
                f"only {obs.size} observed periods (fewer than 4): forecast is their mean",
            )
            return out
        seasonal = self.seasonal
        if seasonal is not None and obs.size < 2 * m:
            self._set_status(
                _one(i, len(self.status_)),
                STATUS_SHORT,
                f"fewer than two seasons ({2 * m} periods) observed: fitted without seasonality",
            )
            seasonal = None
        if seasonal is None:
            pos = obs
            series = yi[obs]
        else:
            pos = np.arange(obs[0], yi.size)
            series = yi[pos].copy()
            filled = _fill_by_phase(series, mi[pos], (pos % m), m)
            series = filled
        muls = [c for c in (self.error, self.trend, seasonal) if c == "mul"]
        if muls and (series <= 0).any():
            self._set_status(
                _one(i, len(self.status_)),
                "model_fallback",
                "a multiplicative component needs positive demand; the series has zeros: "
                "forecast is the mean of the observed periods",
            )
            return out
        try:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                model = ETSModel(
                    series,
                    error=self.error,
                    trend=self.trend,
                    damped_trend=bool(self.damped_trend) and self.trend is not None,
                    seasonal=seasonal,
                    seasonal_periods=m if seasonal else None,
                )
                res = model.fit(disp=False)
        except (ValueError, np.linalg.LinAlgError, RuntimeError) as err:
            self._set_status(
                _one(i, len(self.status_)),
                "model_fallback",
                f"statsmodels ETSModel failed ({type(err).__name__}: {err}); forecast is "
                "the mean of the observed periods",
            )
            return out
        if caught:
            msgs = sorted({str(w.message).splitlines()[0] for w in caught})
            self.reason_[i] = ("statsmodels warned: " + "; ".join(msgs))[:300]
        self.results_[i] = res
        out[pos] = np.asarray(res.fittedvalues)
        out[obs[0]] = np.nan
        return out

    def _predict(self, horizon: int) -> np.ndarray:
        out = np.repeat(self.level_[:, None], horizon, axis=1)
        for i, res in enumerate(self.results_):
            if res is not None:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    out[i] = np.asarray(res.forecast(horizon))
        return out


def _one(i: int, n: int) -> np.ndarray:
    rows = np.zeros(n, dtype=bool)
    rows[i] = True
    return rows


def _fill_by_phase(series: np.ndarray, obs: np.ndarray, phase: np.ndarray, m: int) -> np.ndarray:
    """Fill unobserved values with the last observed value of the same phase (else the mean)."""
    out = series.copy()
    last = np.full(m, np.nan)
    mean = series[obs].mean() if obs.any() else 0.0
    for t in range(series.size):
        if obs[t]:
            last[phase[t]] = series[t]
        else:
            v = last[phase[t]]
            out[t] = mean if np.isnan(v) else v
    return out

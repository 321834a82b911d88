"""Exponential smoothing: SES, Holt (linear / damped trend) and Holt-Winters."""

from __future__ import annotations

from typing import Any

import numpy as np

from ...history.panel import DemandHistory
from .. import _kernels as K
from .._base import STATUS_SHORT, ForecastModel, check_fraction_param, warmup_nan
from ._common import (
    ALPHA_BOUNDS,
    ALPHA_GRID,
    PHI_GRID,
    SEASON_GRID,
    TREND_GRID,
    fit_ses_alpha,
    fitted_values,
    int_param,
)

__all__ = ["SES", "Holt", "HoltWinters"]


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
        self.alpha_ = fit_ses_alpha(y, mask, self.alpha, cols)
        res = K.ses(y, mask, self.alpha_, cols=cols)
        self.level_ = res.state["level"]
        first, _ = K.first_index(mask)
        return warmup_nan(fitted_values(res), first)

    def _predict(self, horizon: int) -> np.ndarray:
        return np.repeat(self.level_[:, None], horizon, axis=1)


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
        return warmup_nan(fitted_values(res), first)

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

    @property
    def has_seasons(self) -> bool:
        """True: the forecast has seasons of its own (not spread by a weekday profile)."""
        return True

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
        int_param(self.yearly_harmonics, "yearly_harmonics", "HoltWinters")

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
        fitted = fitted_values(res)
        if self.yearly_.any():
            four = K.fourier_terms(history.periods.day_of_year.to_numpy(), self.yearly_harmonics)
            fitted = self._deseason(fitted, four, forward=False)
        first, _ = K.first_index(mask)
        return warmup_nan(fitted, first)

    def _yearly_part(self, fourier: np.ndarray) -> np.ndarray:
        """Additive yearly profile (n, T) in units, or the multiplicative factor."""
        a = K.rowwise_matmul(self.yearly_coef_, fourier.T)
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

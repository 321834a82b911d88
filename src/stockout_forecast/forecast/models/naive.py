"""Benchmark-style models: naive, seasonal naive, moving average (and the long-memory levels)."""

from __future__ import annotations

import numpy as np

from ...history.panel import DemandHistory
from .. import _kernels as K
from .._base import STATUS_SHORT, ForecastModel, warmup_nan
from ._common import fitted_values, int_param

__all__ = ["HistoricAverage", "MovingAverage", "Naive", "SeasonalNaive"]


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
        return fitted_values(res)

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

    @property
    def has_seasons(self) -> bool:
        """True: the forecast has seasons of its own (not spread by a weekday profile)."""
        return True

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
        return fitted_values(res)

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
        w = int_param(w, "window", "MovingAverage")
        res = K.moving_average(y, mask, w)
        self.window_ = w
        self.mean_ = res.state["mean"]
        return fitted_values(res)

    def _predict(self, horizon: int) -> np.ndarray:
        return np.repeat(self.mean_[:, None], horizon, axis=1)


# =============================================================================== exponential smoothing


class HistoricAverage(ForecastModel):
    """Historic (expanding) average: the mean of every observed period so far.

    The longest memory a level can have: every observed period of the item weighs the same.
    On noisy demand whose level barely moves it is hard to beat, because it does not chase
    the last few periods (statsforecast's ``HistoricAverage``).

    Parameters
    ----------
    alias : str, optional
        Name in results; default ``"historic_average"``.

    Attributes
    ----------
    mean_ : numpy.ndarray, shape (n_items,)
        Mean demand over the observed periods (units/period; 0 without observation).
    n_observed_ : numpy.ndarray of int, shape (n_items,)
        Observed periods averaged.
    fitted_, status_, reason_
        As in :class:`Naive`: ``fitted_[:, t]`` is the mean of the observed periods before
        ``t`` (NaN up to and including the first observed period).

    Notes
    -----
    ``y_hat[T + h] = (1 / n) * sum of the n observed y``. Censored and suspected stock-out
    periods are skipped, not read as zeros. No time loop: cumulative sums over the panel.

    References
    ----------
    Hyndman & Athanasopoulos (2021), *Forecasting: principles and practice*, section 5.2
    (the mean method).

    Examples
    --------
    >>> from stockout_forecast.forecast import HistoricAverage, history_from_array
    >>> hist = history_from_array([[2.0, 4.0, 9.0, 0.0]], censored=[[False, False, True, False]])
    >>> HistoricAverage().fit(hist).predict(2)  # (2 + 4 + 0) / 3, the stock-out skipped
    array([[2., 2.]])
    """

    _default_alias = "historic_average"

    def __init__(self, *, alias: str | None = None) -> None:
        self.alias = alias

    def _fit(self, y: np.ndarray, mask: np.ndarray, history: DemandHistory) -> np.ndarray:
        res = K.historic_average(y, mask)
        self.mean_ = res.state["mean"]
        self.n_observed_ = res.state["count"].astype(np.int64)
        first, _ = K.first_index(mask)
        return warmup_nan(fitted_values(res), first)

    def _predict(self, horizon: int) -> np.ndarray:
        return np.repeat(self.mean_[:, None], horizon, axis=1)

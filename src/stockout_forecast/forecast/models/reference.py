"""Reference model: statsmodels' ETS fitted item by item (for checking, small sets only)."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from ...history.panel import DemandHistory
from .._base import STATUS_SHORT, ForecastModel
from ._common import int_param

__all__ = ["StatsmodelsETS"]


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

    @property
    def has_seasons(self) -> bool:
        """True when fitted with a seasonal component."""
        return self.seasonal is not None

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
        int_param(self.max_items, "max_items", "StatsmodelsETS")
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

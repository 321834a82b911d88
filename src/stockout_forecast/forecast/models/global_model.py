"""A global gradient-boosted model over lag, rolling, calendar and item features (scikit-learn)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from ..._utils import RandomStateLike, check_fractions, check_random_state
from ...history.panel import DemandHistory
from .._base import STATUS_SHORT, ForecastModel
from ._common import int_param

__all__ = ["GlobalGBM"]


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

    @property
    def has_seasons(self) -> bool:
        """True: the forecast has seasons of its own (not spread by a weekday profile)."""
        return True

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
            int_param(getattr(self, name), name, "GlobalGBM")
        for name in ("max_horizon", "fitted_window"):
            if getattr(self, name) is not None:
                int_param(getattr(self, name), name, "GlobalGBM")
        for name in ("lags", "windows"):
            for v in getattr(self, name) or ():
                int_param(v, name, "GlobalGBM")

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

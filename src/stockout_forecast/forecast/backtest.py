"""Rolling-origin backtests of forecasting models over all items at once."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any

import numpy as np
import pandas as pd

from .._utils import check_fractions
from ..exceptions import InsufficientHistoryError
from ..history.panel import DemandHistory
from . import _calibration as cal
from . import _distribution as dist
from ._base import DEFAULT_SEASON_LENGTH
from ._kernels import prepare_panel
from ._pool import Pooled
from ._profile import pooled_profile, spread
from ._profile import weekday_profile as weekday_profile_of

__all__ = ["BACKTEST_METRICS", "backtest"]

#: metric columns of :func:`backtest` (lower is better except coverage)
BACKTEST_METRICS = (
    "mae",
    "rmse",
    "mase",
    "rmsse",
    "wape",
    "bias",
    "scaled_pinball",
    "coverage_80",
    "coverage_95",
)
#: quantile levels always evaluated for the 80 % and 95 % central intervals
_INTERVAL_LEVELS = (0.025, 0.1, 0.9, 0.975)


# --------------------------------------------------------------------------- helpers
def clone_model(model: Any) -> Any:
    """An unfitted copy of ``model`` with the same parameters (scikit-learn ``clone``)."""
    if hasattr(model, "get_params"):
        return type(model)(**model.get_params())
    import copy

    return copy.deepcopy(model)


def truncate_history(history: DemandHistory, end: int) -> DemandHistory:
    """The first ``end`` periods of ``history`` (see :meth:`DemandHistory.truncate`)."""
    return history.truncate(end)


def count_items(history: DemandHistory) -> np.ndarray:
    """Per item: True when every observed quantity is a whole number (count demand)."""
    y = np.where(history.observed, history.units, 0.0)
    y = np.nan_to_num(y, nan=0.0)
    return (y == np.round(y)).all(axis=1)


def naive_scales(y: np.ndarray, mask: np.ndarray, lag: int) -> tuple[np.ndarray, np.ndarray]:
    """In-sample mean absolute and mean squared ``lag``-differences over observed pairs.

    Returns ``(mae_scale, mse_scale)``, each shape (n_items,); NaN without any pair.
    """
    if y.shape[1] <= lag:
        nan = np.full(y.shape[0], np.nan)
        return nan, nan.copy()
    d = y[:, lag:] - y[:, :-lag]
    ok = mask[:, lag:] & mask[:, :-lag]
    n = ok.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        mae = np.where(ok, np.abs(d), 0.0).sum(axis=1) / n
        mse = np.where(ok, d * d, 0.0).sum(axis=1) / n
    return np.where(n > 0, mae, np.nan), np.where(n > 0, mse, np.nan)


def window_ends(n_periods: int, horizon: int, n_windows: int, step: int) -> list[int]:
    """Training ends (exclusive period index) of the windows, earliest first."""
    return [n_periods - horizon - (n_windows - 1 - w) * step for w in range(n_windows)]


def _check_int(value: Any, name: str, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise ValueError(f"{name} must be an int >= {minimum}; got {value!r}.")
    return int(value)


def check_models(models: Any) -> list[Any]:
    """A list of model instances with unique aliases (one instance is wrapped in a list)."""
    if hasattr(models, "fit") and hasattr(models, "predict"):
        models = [models]
    models = list(models)
    if not models:
        raise ValueError("models must contain at least one model instance.")
    for m in models:
        if not (hasattr(m, "fit") and hasattr(m, "predict") and hasattr(m, "alias")):
            raise TypeError(
                f"models must be forecasting model instances (with fit, predict and alias); "
                f"got {type(m).__name__}."
            )
    aliases = [m.alias for m in models]
    dup = sorted({a for a in aliases if aliases.count(a) > 1})
    if dup:
        raise ValueError(
            f"model aliases must be unique; {dup} appear more than once. Give each model "
            f"its own alias=... ."
        )
    return models


# --------------------------------------------------------------------------- core
@dataclass
class BacktestArrays:
    """Everything a backtest produced, as arrays (private hand-off to selection/calibration).

    Shapes: ``y``/``mask`` (n_items, n_windows, horizon); ``forecast`` (n_models, n_items,
    n_windows, horizon); ``dispersion`` (n_models, n_items, n_windows) in-sample NB
    dispersion of each fit; ``scale``/``scale_sq``/``n_train`` (n_items, n_windows).
    """

    aliases: list[str]
    item_ids: np.ndarray
    cutoffs: pd.DatetimeIndex
    ends: list[int]
    y: np.ndarray
    mask: np.ndarray
    forecast: np.ndarray
    dispersion: np.ndarray
    scale: np.ndarray
    scale_sq: np.ndarray
    n_train: np.ndarray
    count: np.ndarray
    sizes: dist.Sizes | None = None

    def item_sizes(self) -> dist.Sizes:
        """The unit of each item (count, or continuous with occurrence sizes)."""
        return self.sizes if self.sizes is not None else dist.Sizes.of(self.count)


def run_backtest(
    history: DemandHistory,
    models: Sequence[Any],
    *,
    horizon: int,
    n_windows: int = 2,
    step: int | None = None,
    scale: str = "naive",
    season_length: int | None = None,
    dispersion: bool = True,
    weekday_profile: bool = False,
    pool: Pooled | None = None,
) -> BacktestArrays:
    """Fit every model at every cutoff and collect forecasts and actuals (private core).

    ``dispersion=False`` skips the in-sample dispersion of each fit (only the interval
    metrics of :func:`backtest_frame` need it). ``weekday_profile=True`` spreads the daily
    forecasts of models without seasons by each item's day-of-week profile, computed from
    the window's training days (as ``forecast_demand`` does); ``pool`` gives the pooled
    profile of each window (the cross-item state of a larger run).
    """
    horizon = _check_int(horizon, "horizon", 1)
    n_windows = _check_int(n_windows, "n_windows", 1)
    step = horizon if step is None else _check_int(step, "step", 1)
    if scale not in ("naive", "seasonal_naive"):
        raise ValueError(f"scale must be 'naive' or 'seasonal_naive'; got {scale!r}.")
    lag = 1
    if scale == "seasonal_naive":
        lag = DEFAULT_SEASON_LENGTH[history.freq] if season_length is None else season_length
        lag = _check_int(lag, "season_length", 1)
    t_len = history.n_periods
    ends = window_ends(t_len, horizon, n_windows, step)
    need = horizon + (n_windows - 1) * step + 2
    if ends[0] < 2:
        raise InsufficientHistoryError(
            f"history has {t_len} periods; a backtest with horizon={horizon}, "
            f"n_windows={n_windows} and step={step} needs at least {need}. Use fewer "
            f"windows, a smaller step or horizon, or a longer history."
        )
    y_all, m_all = prepare_panel(history.units, history.observed)
    n = history.n_items
    n_m = len(models)
    y = np.full((n, n_windows, horizon), np.nan)
    mask = np.zeros((n, n_windows, horizon), dtype=bool)
    fc = np.full((n_m, n, n_windows, horizon), np.nan)
    disp = np.full((n_m, n, n_windows), np.nan)
    sc = np.full((n, n_windows), np.nan)
    sc2 = np.full((n, n_windows), np.nan)
    n_train = np.zeros((n, n_windows), dtype=int)
    count = count_items(history)
    sizes = cal.occurrence_sizes(y_all, m_all, count)
    for w, end in enumerate(ends):
        mk = m_all[:, end : end + horizon]
        mask[:, w] = mk
        y[:, w] = np.where(mk, y_all[:, end : end + horizon], np.nan)
        y_tr, m_tr = y_all[:, :end], m_all[:, :end]
        n_train[:, w] = m_tr.sum(axis=1)
        sc[:, w], sc2[:, w] = naive_scales(y_tr, m_tr, lag)
        hist_w = truncate_history(history, end)
        has = n_train[:, w] > 0
        prof = None
        if weekday_profile:
            p0 = (pool or Pooled()).take(("weekday", int(end)), partial(pooled_profile, hist_w))
            prof = weekday_profile_of(hist_w, pooled=p0)
        for j, model in enumerate(models):
            fitted = clone_model(model).fit(hist_w)
            pred = spread(np.asarray(fitted.predict(horizon), dtype=float), model, hist_w, prof)
            fc[j, :, w] = np.where(has[:, None], pred, np.nan)
            f_in = getattr(fitted, "fitted_", None)
            if dispersion and f_in is not None:
                disp[j, :, w] = cal.dispersion_from_residuals(y_tr, f_in, m_tr, sizes)
    return BacktestArrays(
        aliases=[m.alias for m in models],
        item_ids=np.asarray(history.item_ids),
        cutoffs=pd.DatetimeIndex([history.periods[e - 1] for e in ends]),
        ends=ends,
        y=y,
        mask=mask,
        forecast=fc,
        dispersion=disp,
        scale=sc,
        scale_sq=sc2,
        n_train=n_train,
        count=count,
        sizes=sizes,
    )


def point_metrics(arr: BacktestArrays) -> dict[str, np.ndarray]:
    """MAE, RMSE, MASE, RMSSE, WAPE, bias per (model, item, window)."""
    f = arr.forecast
    y = arr.y[None]
    mk = arr.mask[None] & np.isfinite(f)
    e = np.where(mk, f - y, 0.0)
    n_t = mk.sum(axis=-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        mae = np.abs(e).sum(axis=-1) / n_t
        rmse = np.sqrt((e * e).sum(axis=-1) / n_t)
        sum_y = np.where(mk, np.abs(y), 0.0).sum(axis=-1)
        wape = np.where(sum_y > 0, np.abs(e).sum(axis=-1) / sum_y, np.nan)
        bias = e.sum(axis=-1) / n_t
        scale = np.where(arr.scale > 0, arr.scale, np.nan)[None]
        scale_sq = np.where(arr.scale_sq > 0, arr.scale_sq, np.nan)[None]
        mase = mae / scale
        rmsse = rmse / np.sqrt(scale_sq)
    out = {"mae": mae, "rmse": rmse, "mase": mase, "rmsse": rmsse, "wape": wape, "bias": bias}
    empty = n_t == 0
    for v in out.values():
        v[empty] = np.nan
    out["n_test"] = n_t
    return out


def interval_metrics(arr: BacktestArrays, levels: tuple[float, ...]) -> dict[str, np.ndarray]:
    """Scaled pinball loss over ``levels`` and 80 %/95 % coverage per (model, item, window).

    Quantiles come from the negative binomial with each fit's in-sample dispersion.
    """
    lv = tuple(sorted(set(levels) | set(_INTERVAL_LEVELS)))
    n_m, n, n_w, h = arr.forecast.shape
    item = np.broadcast_to(np.arange(n)[None, :, None], (n_m, n, n_w)).ravel()
    sizes = arr.item_sizes().take(item)
    phi = np.nan_to_num(arr.dispersion, nan=0.0).ravel()
    mean = arr.forecast.reshape(-1, h)
    q = dist.marginal_quantiles(mean, phi, sizes, lv).reshape(n_m, n, n_w, len(lv), h)
    y = arr.y[None, :, :, None, :]
    mk = arr.mask[None] & np.isfinite(arr.forecast)
    n_t = mk.sum(axis=-1)
    sel = [lv.index(x) for x in levels]
    u = y - q[:, :, :, sel, :]
    lvl = np.asarray(levels)[None, None, None, :, None]
    pin = np.maximum(lvl * u, (lvl - 1.0) * u)
    pin = np.where(mk[:, :, :, None, :], pin, 0.0).sum(axis=(-1, -2))
    yy = arr.y[None]

    def cover(lo: float, hi: float) -> np.ndarray:
        inside = (q[:, :, :, lv.index(lo)] <= yy) & (yy <= q[:, :, :, lv.index(hi)])
        return np.where(mk, inside, False).sum(axis=-1) / n_t

    with np.errstate(invalid="ignore", divide="ignore"):
        scale = np.where(arr.scale > 0, arr.scale, np.nan)[None]
        spl = pin / (len(levels) * n_t) / scale
        cov80 = cover(0.1, 0.9)
        cov95 = cover(0.025, 0.975)
    for v in (spl, cov80, cov95):
        v[n_t == 0] = np.nan
    return {"scaled_pinball": spl, "coverage_80": cov80, "coverage_95": cov95}


def _reasons(arr: BacktestArrays, n_test: np.ndarray) -> np.ndarray:
    """Why a (model, item, window) row has no or partial metrics ('' when complete)."""
    no_train = (arr.n_train == 0)[None]
    no_test = n_test == 0
    zero_scale = ~(arr.scale > 0)[None]
    reason = np.full(n_test.shape, "", dtype=object)
    reason = np.where(
        zero_scale,
        "in-sample naive scale is 0 or undefined: MASE, RMSSE and "
        "scaled pinball are NaN (rank by MAE)",
        reason,
    )
    reason = np.where(
        no_test,
        "no observed period in the test window (censored or not yet listed): no errors measured",
        reason,
    )
    reason = np.where(no_train, "no observed period before the cutoff: not forecast", reason)
    return reason


def backtest_frame(
    arr: BacktestArrays, levels: tuple[float, ...] | None = (0.025, 0.1, 0.5, 0.9, 0.975)
) -> pd.DataFrame:
    """The tidy per item x model x window frame of :func:`backtest`."""
    pm = point_metrics(arr)
    n_m, n, n_w = pm["mae"].shape
    cols: dict[str, Any] = {
        "item_id": pd.array(np.tile(np.repeat(arr.item_ids, n_w), n_m), dtype="str"),
        "model": pd.array(np.repeat(arr.aliases, n * n_w), dtype="str"),
        "window": np.tile(np.arange(n_w), n * n_m),
        "cutoff": np.tile(arr.cutoffs.values, n * n_m),
        "n_train": np.tile(arr.n_train.ravel(), n_m),
        "n_test": pm["n_test"].ravel(),
    }
    for name in ("mae", "rmse", "mase", "rmsse", "wape", "bias"):
        cols[name] = pm[name].ravel()
    if levels is not None:
        im = interval_metrics(arr, levels)
        for name, v in im.items():
            cols[name] = v.ravel()
    else:
        for name in ("scaled_pinball", "coverage_80", "coverage_95"):
            cols[name] = np.full(n_m * n * n_w, np.nan)
    cols["reason"] = pd.array(_reasons(arr, pm["n_test"]).ravel(), dtype="str")
    return pd.DataFrame(cols)


# --------------------------------------------------------------------------- public
def backtest(
    history: DemandHistory,
    models: Any,
    *,
    horizon: int,
    n_windows: int = 2,
    step: int | None = None,
    quantiles: Sequence[float] = (0.025, 0.1, 0.5, 0.9, 0.975),
    scale: str = "naive",
    season_length: int | None = None,
) -> pd.DataFrame:
    """Rolling-origin backtest: every model, every item, every window, all items at once.

    Parameters
    ----------
    history : DemandHistory
        Demand panel (:func:`stockout_forecast.history.demand.demand_history`). Censored and
        suspected stock-out periods are excluded from fitting and from the errors.
    models : model instance or sequence of model instances
        Forecasting models (``stockout_forecast.forecast`` classes) with unique aliases. Each
        is cloned and fitted once per window on all items.
    horizon : int
        Forecast periods per window, >= 1.
    n_windows : int, default 2
        Number of forecast origins, >= 1.
    step : int or None
        Periods between consecutive origins (default ``horizon``: windows do not overlap).
    quantiles : sequence of float
        Fractions in (0, 1) over which the scaled pinball loss is averaged.
    scale : {"naive", "seasonal_naive"}
        In-sample benchmark for MASE, RMSSE and the scaled pinball loss: one-period naive
        differences (M5 convention) or seasonal differences.
    season_length : int or None
        Lag of the seasonal scale (default 7 daily, 52 weekly, 12 monthly).

    Returns
    -------
    pandas.DataFrame
        One row per item x model x window: ``item_id``, ``model`` (alias), ``window`` (0 =
        earliest), ``cutoff`` (start of the last training period), ``n_train`` and
        ``n_test`` (observed periods used), ``mae``, ``rmse`` (units/period), ``mase``,
        ``rmsse``, ``wape`` (fraction), ``bias`` (units/period, + = over-forecast),
        ``scaled_pinball``, ``coverage_80``, ``coverage_95`` (fractions) and ``reason``
        (empty, or why metrics are missing).

    Raises
    ------
    InsufficientHistoryError
        When the history is shorter than ``horizon + (n_windows - 1) * step + 2`` periods.

    Notes
    -----
    Window ``w`` trains on periods ``[0, e_w)`` and tests on ``[e_w, e_w + horizon)`` with
    ``e_w = T - horizon - (n_windows - 1 - w) * step``. Only observed test periods enter
    (``history.observed``; negative net units count as 0). With ``e_t = f_t - y_t`` over the
    ``n`` observed test periods and the in-sample scale
    ``s = mean |y_t - y_{t-m}|`` over training pairs where both periods are observed
    (``m = 1`` naive, ``m`` = season for ``seasonal_naive``)::

        MAE = mean|e|       RMSE = sqrt(mean e^2)     bias = mean e
        MASE = MAE / s      RMSSE = RMSE / sqrt(mean (y_t - y_{t-m})^2)
        WAPE = sum|e| / sum y
        scaled pinball = mean over levels q and periods of max(q u, (q - 1) u) / s,  u = y - Q_q
        coverage_80 = share of periods with Q_0.1 <= y <= Q_0.9 (95: Q_0.025, Q_0.975)

    Quantiles ``Q_q`` are those of a negative binomial around the window's mean forecast
    with the dispersion of the fit's in-sample one-step errors (for count demand
    ``Var = f + phi f^2``). A scale of 0 (constant training history) gives NaN for MASE,
    RMSSE and the scaled pinball (stated in ``reason``).

    References
    ----------
    Hyndman, R. J. & Koehler, A. B. (2006). Another look at measures of forecast accuracy.
    *International Journal of Forecasting* 22(4), 679-688. Makridakis, S., Spiliotis, E. &
    Assimakopoulos, V. (2022). The M5 competition: background, organization, and
    implementation. *IJF* 38(4), 1325-1336 (RMSSE, scaled pinball loss).

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from stockout_forecast.history.panel import DemandHistory
    >>> from stockout_forecast.forecast.models import Naive
    >>> units = np.array([[1.0, 3.0, 2.0, 4.0, 3.0, 5.0]])
    >>> hist = DemandHistory(np.array(["A"]), pd.date_range("2024-01-01", periods=6), "D",
    ...                      units, np.zeros((1, 6), bool), np.zeros((1, 6), bool),
    ...                      pd.Timestamp("2024-01-06"))
    >>> bt = backtest(hist, Naive(), horizon=2, n_windows=1)
    >>> bt[["model", "n_train", "n_test", "mae", "mase"]].round(3)
       model  n_train  n_test  mae   mase
    0  naive        4       2  1.0  0.6
    """
    models = check_models(models)
    levels = check_fractions(quantiles, "quantiles")
    arr = run_backtest(
        history,
        models,
        horizon=horizon,
        n_windows=n_windows,
        step=step,
        scale=scale,
        season_length=season_length,
    )
    return backtest_frame(arr, levels)


# --------------------------------------------------------------------------- combinations
def combined_backtest(arr: BacktestArrays, chosen: np.ndarray, aliases: list[str]) -> np.ndarray:
    """Backtest forecasts of each item's chosen model (mean over a combination's members)."""
    n = arr.forecast.shape[1]
    out = np.zeros(arr.forecast.shape[1:])
    k = np.zeros(n)
    pos = {a: j for j, a in enumerate(aliases)}
    for a, j in pos.items():
        use = np.array([a in c.split("+") for c in chosen])
        if use.any():
            out[use] += arr.forecast[j, use]
            k[use] += 1
    with np.errstate(invalid="ignore", divide="ignore"):
        return out / k[:, None, None]


def honest_backtest(
    arr: BacktestArrays, chosen: np.ndarray, aliases: list[str], metric: str, combine: int | None
) -> np.ndarray:
    """Backtest forecasts of the model each item would have chosen WITHOUT seeing the window.

    For window ``w`` the model (or the best ``combine``) is picked by the mean metric over
    the other windows, so that the errors used for calibration are not shrunk by the
    selection itself (choosing the least error on the same data understates it). With one
    window, or no score in the other windows, the overall choice is used.
    """
    base = combined_backtest(arr, chosen, aliases)
    n_w = arr.y.shape[1]
    if n_w < 2:
        return base
    pm = point_metrics(arr)
    score = pm[metric] if metric in pm else pm["mase"]
    score = np.where(np.isfinite(score), score, np.nan)
    no_scaled = ~np.isfinite(score).any(axis=(0, 2))
    score[:, no_scaled] = pm["mae"][:, no_scaled]
    k = 1 if combine is None else min(int(combine), len(aliases))
    out = base.copy()
    for w in range(n_w):
        other = np.delete(score, w, axis=2)
        ok = np.isfinite(other)
        cnt = ok.sum(axis=2)
        mean_other = np.where(
            cnt > 0, np.where(ok, other, 0.0).sum(axis=2) / np.maximum(cnt, 1), np.inf
        )
        has = np.isfinite(mean_other).any(axis=0)
        rank = np.argsort(mean_other, axis=0, kind="stable")[:k]  # (k, n)
        f = np.take_along_axis(arr.forecast[:, :, w, :], rank[:, :, None], axis=0)
        top_ok = np.isfinite(np.take_along_axis(mean_other, rank, axis=0))
        fsum = np.where(top_ok[:, :, None], f, 0.0).sum(axis=0)
        fk = np.maximum(top_ok.sum(axis=0), 1)[:, None]
        out[has, w] = (fsum / fk)[has]
    return out

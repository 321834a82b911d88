"""The day-of-week profile that daily forecasts of non-seasonal models are spread by (private).

A model without seasons (SES, TSB, ADIDA, the historic average, ...) forecasts a level: the
same demand every day. A shop's week is not flat -- an online shop that never ships on
Saturdays sells nothing on Saturdays -- so ``forecast_demand`` spreads such a level over the
week by the item's day-of-week profile: ``f_t = level * p_{d(t)}`` with ``mean_d p_d = 1``,
which keeps the week's total while putting each day's share where it sells.

The profile of an item is its mean demand on each weekday over its observed days, divided by
its mean over all observed days, shrunk towards the profile pooled over all items with
``PROFILE_SHRINKAGE`` pseudo-observations per weekday:
``p_d = (n_d r_d + k p0_d) / (n_d + k)``, then scaled to mean 1; items without demand get the
pooled profile. Each backtest window computes it from its own training days.
"""

from __future__ import annotations

import numpy as np

from ..history.panel import DemandHistory
from ._kernels import prepare_panel, rowwise_matmul

__all__: list[str] = []

#: pseudo-observations per weekday with which an item's profile is shrunk to the pooled one
PROFILE_SHRINKAGE = 20.0


def weekday_profile(
    history: DemandHistory,
    shrinkage: float = PROFILE_SHRINKAGE,
    pooled: np.ndarray | None = None,
) -> np.ndarray:
    """Per item, the demand multiplier of each weekday (Monday first), shape (n_items, 7).

    All ones for histories that are not daily. ``pooled`` (7,) is the profile of all items
    (:func:`pooled_profile`, from a run over all of them); default: pooled over these items.

    >>> from stockout_forecast.forecast import history_from_array
    >>> week = np.tile([2.0, 2.0, 2.0, 2.0, 2.0, 4.0, 0.0], 8)   # Jan 1 2024 is a Monday
    >>> weekday_profile(history_from_array(week), shrinkage=0.0)   # mean 2 a day
    array([[1., 1., 1., 1., 1., 2., 0.]])
    """
    n = history.n_items
    if history.freq != "D" or history.n_periods == 0:
        return np.ones((n, 7))
    tot, cnt = _weekday_sums(history)
    if pooled is None:
        pooled = _pooled_of(tot, cnt)
    with np.errstate(invalid="ignore", divide="ignore"):
        overall = tot.sum(axis=1) / cnt.sum(axis=1)
        rel = (tot / cnt) / overall[:, None]
    usable = (overall > 0) & np.isfinite(overall)
    rel = np.where(usable[:, None] & (cnt > 0) & np.isfinite(rel), rel, pooled[None, :])
    prof = (cnt * rel + shrinkage * pooled[None, :]) / np.maximum(cnt + shrinkage, 1e-12)
    prof = np.where(usable[:, None], prof, pooled[None, :])
    mean = prof.mean(axis=1, keepdims=True)
    return np.where(mean > 0, prof / np.where(mean > 0, mean, 1.0), 1.0)


def pooled_profile(history: DemandHistory) -> np.ndarray:
    """The weekday profile pooled over all items of ``history`` (7,), ones if not daily."""
    if history.freq != "D" or history.n_periods == 0:
        return np.ones(7)
    return _pooled_of(*_weekday_sums(history))


def _weekday_sums(history: DemandHistory) -> tuple[np.ndarray, np.ndarray]:
    """Demand and observed days per item and weekday, each (n_items, 7)."""
    y, mask = prepare_panel(history.units, history.observed)
    dow = np.asarray(history.periods.day_of_week)
    onehot = (dow[:, None] == np.arange(7)[None, :]).astype(np.float64)  # (T, 7)
    w = mask.astype(np.float64)
    # row by row: an item's sums do not depend on the other items of the batch
    return rowwise_matmul(y * w, onehot), rowwise_matmul(w, onehot)


def _pooled_of(tot: np.ndarray, cnt: np.ndarray) -> np.ndarray:
    with np.errstate(invalid="ignore", divide="ignore"):
        pooled_day = tot.sum(axis=0) / cnt.sum(axis=0)
        pooled = pooled_day / np.nanmean(pooled_day)
    return np.where(np.isfinite(pooled), pooled, 1.0)


def future_weekdays(history: DemandHistory, horizon: int) -> np.ndarray:
    """Weekday (Monday 0) of each of the ``horizon`` days after the history."""
    if history.n_periods == 0:
        return np.zeros(horizon, dtype=np.int64)
    last = int(history.periods[-1].day_of_week)
    return (last + 1 + np.arange(horizon)) % 7


def spread(
    pred: np.ndarray, model: object, history: DemandHistory, profile: np.ndarray | None
) -> np.ndarray:
    """``pred`` spread over the week by ``profile`` when the model has no seasons (daily)."""
    if profile is None or history.freq != "D" or getattr(model, "has_seasons", False):
        return pred
    return pred * profile[:, future_weekdays(history, pred.shape[1])]

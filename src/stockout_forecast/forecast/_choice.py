"""How ``forecast_demand`` chooses per item from the backtest arrays (private module).

1. :func:`choose` -- the best ``combine`` models by mean backtest metric, shrunk towards the
   item's demand class (the array core of :func:`~.selection.select_models`).
2. :func:`honest_forecasts` -- for each backtest window, the forecast of the choice made on
   the *other* windows: errors the choice has not seen, for the long-memory test and for
   calibration (choosing the least error on the same data understates it).
3. :func:`decide` -- where the backtest cannot tell the choice apart from the best
   long-memory level (historic average, long moving average, slow SES), fall back to the
   long-memory level (or towards it: their average): the difference of the two on the
   backtest must be at least ``margin`` standard errors in favour of the choice for the
   choice to stay. Whether falling back helps is itself checked per demand class on
   windows the test did not see.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ._pool import Pooled
from .backtest import BacktestArrays, interval_metrics, point_metrics
from .selection import (
    _UNSCALED,
    Ranking,
    default_fallback,
    mean_scores,
    rank_models,
    shrink_scores,
)

__all__: list[str] = []

#: metric -> the cell loss of the long-memory test (absolute or squared error)
_CELL_LOSS = {"mae": "abs", "mase": "abs", "wape": "abs", "scaled_pinball": "abs"}


@dataclass(frozen=True)
class Rule:
    """The selection settings (``forecast_demand``'s arguments of the same names)."""

    metric: str = "mae"
    combine: int | None = 2
    shrinkage: float = 10.0
    long_memory_margin: float | None = None
    long_memory_blend: bool = False
    recency: float = 1.0

    def window_weights(self, n_windows: int) -> np.ndarray:
        """Weight of each backtest window in the mean score: the latest ``recency``, others 1."""
        w = np.ones(n_windows)
        if n_windows:
            w[-1] = float(self.recency)
        return w

    @property
    def k(self) -> int:
        """Models averaged per item."""
        return 1 if self.combine is None else int(self.combine)


def _windows_metric(pm: dict[str, np.ndarray], name: str) -> np.ndarray | None:
    """(n_items, n_models, n_windows) view of a point metric (None when not computed)."""
    v = pm.get(name)
    return None if v is None else np.transpose(v, (1, 0, 2))


def choose(
    pm: dict[str, np.ndarray],
    rule: Rule,
    labels: np.ndarray | None,
    fallback: int | None,
    windows: np.ndarray | None = None,
    models: np.ndarray | None = None,
    pool: Pooled | None = None,
    allowed: np.ndarray | None = None,
) -> Ranking:
    """The best ``rule.k`` models per item from point metrics of shape (models, items, windows).

    ``windows`` restricts the windows that count; ``models`` the model positions allowed
    (others never chosen); ``allowed`` (n_items, n_models) bool, the models each item may
    choose. The mean over windows weights the latest window of the backtest by
    ``rule.recency`` (:meth:`Rule.window_weights`). ``fallback=None``: the model with the
    lowest median score. ``pool``: the class means and the fallback of a run over all
    items (:mod:`._pool`).
    """
    pool = pool or Pooled()
    key = (
        None if windows is None else tuple(int(w) for w in windows),
        None if models is None else tuple(int(m) for m in models),
    )
    win = _windows_metric(pm, rule.metric)
    alt_name = _UNSCALED.get(rule.metric)
    alt = _windows_metric(pm, alt_name) if alt_name else None
    if win is None:
        raise ValueError(f"metric {rule.metric!r} was not computed by the backtest.")
    weights = rule.window_weights(win.shape[2])
    if windows is not None:
        win = win[:, :, windows]
        alt = None if alt is None else alt[:, :, windows]
        weights = weights[windows]
    keep = np.ones(win.shape[:2], dtype=bool) if allowed is None else np.asarray(allowed, bool)
    if models is not None:
        in_models = np.zeros(win.shape[1], dtype=bool)
        in_models[models] = True
        keep = keep & in_models[None, :]
    if models is not None or allowed is not None:
        win = np.where(keep[:, :, None], win, np.nan)
        alt = None if alt is None else np.where(keep[:, :, None], alt, np.nan)
    sc = mean_scores(win, alt, rule.metric, alt_name, weights)
    means: dict[str, np.ndarray] = {}
    known = pool.known(("gmeans", *key))
    shrunk = shrink_scores(sc, labels, rule.shrinkage, known=known, means_out=means)
    pool.put(("gmeans", *key), means)
    if fallback is None:
        fallback = int(pool.take(("fallback", *key), lambda: default_fallback(shrunk)))
    return rank_models(shrunk, sc.mean, min(rule.k, win.shape[1]), fallback)


def member_forecast(forecast: np.ndarray, members: np.ndarray) -> np.ndarray:
    """Mean over each item's members of ``forecast`` (models, items, ...) -> (items, ...)."""
    n = members.shape[0]
    rows = np.arange(n)
    total = np.zeros(forecast.shape[1:])
    cnt = np.zeros(n)
    for c in range(members.shape[1]):
        j = members[:, c]
        use = j >= 0
        if use.any():
            total[use] += forecast[j[use], rows[use]]
            cnt[use] += 1
    with np.errstate(invalid="ignore", divide="ignore"):
        return total / cnt.reshape((n,) + (1,) * (total.ndim - 1))


def honest_forecasts(
    arr: BacktestArrays,
    pm: dict[str, np.ndarray],
    rule: Rule,
    labels: np.ndarray | None,
    overall: np.ndarray,
    models: np.ndarray | None = None,
    pool: Pooled | None = None,
    allowed: np.ndarray | None = None,
) -> np.ndarray:
    """(n_items, n_windows, horizon) forecasts of the choice made without each window.

    With one window (or where the other windows score nothing) the overall choice
    ``overall`` (members, as from :func:`choose`) is used.
    """
    n_w = arr.y.shape[1]
    base = member_forecast(arr.forecast, overall)
    if n_w < 2:
        return base
    out = base.copy()
    for w in range(n_w):
        others = np.array([v for v in range(n_w) if v != w])
        r = choose(pm, rule, labels, 0, windows=others, models=models, pool=pool, allowed=allowed)
        fw = member_forecast(arr.forecast[:, :, w], r.members)
        out[r.has, w] = fw[r.has]
    return out


@dataclass
class Decision:
    """The final choice per item and the honest backtest forecasts of it."""

    ranking: Ranking
    members: np.ndarray
    fell_back: np.ndarray
    t_stat: np.ndarray
    honest: np.ndarray


def decide(
    arr: BacktestArrays,
    rule: Rule,
    labels: np.ndarray | None,
    fallback: int | None,
    long_memory: np.ndarray,
    *,
    levels: tuple[float, ...] = (0.025, 0.1, 0.5, 0.9, 0.975),
    pool: Pooled | None = None,
    allowed: np.ndarray | None = None,
    metrics: dict[str, np.ndarray] | None = None,
) -> Decision:
    """Choose (:func:`choose`), then test against the long-memory level (Notes of the module).

    ``long_memory`` holds the positions of the long-memory models among the backtested
    ones. On the honest backtest forecasts of the choice (``f``) and of the best long-memory
    model (``g``), per observed cell ``d = L(y - f) - L(y - g)`` (``L`` absolute or squared
    error, as the metric), ``t = mean(d) / (sd(d) / sqrt(n))``. The choice stays where
    ``t < -margin`` (better than the long-memory level by more than ``margin`` standard
    errors); elsewhere the best long-memory model replaces it. Items whose backtest cannot
    inform the test (fewer than two scored periods, or the two forecasts erring alike in
    every period, e.g. both 0 before the item's first sale) keep the choice, as do items
    whose choice is already long-memory. Falling back is then checked per demand class on
    backtest windows the test did not see (:func:`_gate`): where it did not lower the
    class's errors there, the class keeps its choices. ``pool`` holds the pooled values
    (class means, fallback, the per-class gate) of a run over all items; ``allowed``
    (n_items, n_models) bool the models each item may choose (default all); ``metrics``
    the :func:`~.backtest.point_metrics` of ``arr`` when already computed.
    """
    pool = pool or Pooled()
    pm = dict(point_metrics(arr) if metrics is None else metrics)
    if rule.metric == "scaled_pinball":
        pm.update(interval_metrics(arr, levels))
    ranking = choose(pm, rule, labels, fallback, pool=pool, allowed=allowed)
    f = honest_forecasts(arr, pm, rule, labels, ranking.members, pool=pool, allowed=allowed)
    n = arr.y.shape[0]
    members = ranking.members.copy()
    fell = np.zeros(n, dtype=bool)
    t_stat = np.full(n, np.nan)
    if rule.long_memory_margin is None or len(long_memory) == 0:
        return Decision(ranking, members, fell, t_stat, f)
    lm_rule = Rule(rule.metric, None, rule.shrinkage, recency=rule.recency)
    lm = choose(pm, lm_rule, labels, int(long_memory[0]), models=long_memory, pool=pool)
    g = honest_forecasts(arr, pm, lm_rule, labels, lm.members, models=long_memory, pool=pool)
    absolute = _CELL_LOSS.get(rule.metric) == "abs"
    t_stat = _paired_t(arr, f, g, absolute)
    already = (np.isin(members, long_memory) | (members < 0)).all(axis=1)
    eligible = ranking.has & lm.has & ~already
    margin = float(rule.long_memory_margin)
    fell = eligible & _falls_back(t_stat, margin)
    if rule.long_memory_blend:  # towards the level: its average with the best choice
        f_fb = 0.5 * (g + member_forecast(arr.forecast, ranking.members[:, :1]))
    else:
        f_fb = g
    helped = pool.take(
        ("gate",),
        lambda: _gate(arr, f, f_fb, g, eligible, labels, margin, absolute),
    )
    lab = np.zeros(n, dtype=object) if labels is None else np.asarray(labels, dtype=object)
    fell &= np.array([bool(helped.get(str(c), False)) for c in lab], dtype=bool)
    if rule.long_memory_blend:
        if members.shape[1] < 2:
            members = np.hstack([members, np.full((n, 1), -1, dtype=members.dtype)])
        top = ranking.members[fell, 0]
        members[fell] = -1
        members[fell, 0] = lm.members[fell, 0]
        members[fell, 1] = np.where(top != members[fell, 0], top, -1)
    else:
        members[fell] = -1
        members[fell, 0] = lm.members[fell, 0]
    return Decision(ranking, members, fell, t_stat, np.where(fell[:, None, None], f_fb, f))


def _falls_back(t_stat: np.ndarray, margin: float) -> np.ndarray:
    """Informative items whose choice does not beat the level by ``margin`` errors."""
    return ~np.isnan(t_stat) & (t_stat >= -margin)


def _gate(
    arr: BacktestArrays,
    f: np.ndarray,
    f_fb: np.ndarray,
    g: np.ndarray,
    eligible: np.ndarray,
    labels: np.ndarray | None,
    margin: float,
    absolute: bool,
) -> dict[str, bool]:
    """Per demand class, whether falling back helped it on windows it was not decided on.

    For each backtest window the test is run on the *other* windows and the items it sends
    back are scored on this one: their error with the fall-back forecast against their
    error with the choice, summed over the items of each demand class (every item counts,
    the ones kept at zero difference). The fall back is used only in the classes where it
    lowered that sum. With one window nothing can be checked and the test decides alone.
    """
    n, n_w = arr.y.shape[:2]
    lab = np.zeros(n, dtype=object) if labels is None else np.asarray(labels, dtype=object)
    if n_w < 2:
        return {str(c): True for c in pd.unique(lab)}
    gain = np.zeros(n)
    for w in range(n_w):
        keep = np.ones(n_w, dtype=bool)
        keep[w] = False
        t_w = _paired_t(arr, f, g, absolute, windows=keep)
        fell_w = eligible & _falls_back(t_w, margin)
        ok = arr.mask[:, w] & np.isfinite(f[:, w]) & np.isfinite(f_fb[:, w])
        ok &= np.isfinite(arr.y[:, w])
        e_c, e_r = f[:, w] - arr.y[:, w], f_fb[:, w] - arr.y[:, w]
        if absolute:
            d = np.abs(e_r) - np.abs(e_c)
        else:
            d = e_r * e_r - e_c * e_c
        gain += np.where(fell_w, np.where(ok, d, 0.0).sum(axis=1), 0.0)
    return {str(c): bool(gain[lab == c].sum() < 0) for c in pd.unique(lab)}


def _paired_t(
    arr: BacktestArrays,
    f: np.ndarray,
    g: np.ndarray,
    absolute: bool,
    windows: np.ndarray | None = None,
) -> np.ndarray:
    """Per item, t statistic of the mean cell loss difference of ``f`` over ``g``.

    ``windows``: bool (n_windows,), the windows that count (default all).
    """
    ok = arr.mask & np.isfinite(f) & np.isfinite(g) & np.isfinite(arr.y)
    if windows is not None:
        ok = ok & np.asarray(windows, dtype=bool)[None, :, None]
    ef, eg = f - arr.y, g - arr.y
    d = np.where(ok, (np.abs(ef) - np.abs(eg)) if absolute else (ef * ef - eg * eg), 0.0)
    cnt = ok.sum(axis=(1, 2)).astype(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = d.sum(axis=(1, 2)) / cnt
        var = (np.where(ok, d * d, 0.0).sum(axis=(1, 2)) / cnt - mean * mean) * cnt / (cnt - 1)
        se = np.sqrt(np.maximum(var, 0.0) / cnt)
        t = np.where(se > 0, mean / se, np.sign(mean) * np.inf)
    t[(cnt < 2) | ((se == 0) & (mean == 0))] = np.nan  # nothing to tell the two apart by
    return t

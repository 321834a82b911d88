"""The level (bias) correction of ``forecast_demand`` (private module).

After the selection, the chosen models' leave-one-window-out backtest forecasts are
compared with the actuals, per pool of items (count or continuous, times the volume groups
the dispersion is pooled in). A pool whose forecasts ran consistently below (or above) the
actuals gets one multiplicative factor on its items' means, and so on the whole predictive
distribution. The rule is fixed in advance and the same for every data set:

1. every backtest window's ratio of actual to forecast totals lies on the same side of 1;
2. the 95 % confidence interval of the ratio over all windows, with items as the sampling
   units (the ratio estimator's linearised variance, Cochran 1977, section 6.3), excludes 1;
3. the factor is the interval's bound nearest 1 (shrunk as far as the evidence allows).

Anything else leaves the pool's factor at exactly 1.0.

References
----------
Cochran, W. G. (1977). *Sampling Techniques*, 3rd ed., Wiley, section 6.3 (the variance
of the ratio estimator).
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__: list[str] = []

#: two-sided 95 % normal quantile of the interval on the log ratio
LEVEL_Z = 1.959963984540054
#: fewest items with forecast demand in a pool for the interval to be trusted (CLT)
LEVEL_MIN_ITEMS = 30


def pool_ratio(y: np.ndarray, f: np.ndarray, mask: np.ndarray) -> tuple[float, dict[str, Any]]:
    """The level factor of one pool of items from its backtest: (factor, facts).

    Parameters
    ----------
    y, f, mask : numpy.ndarray, shape (n_items, n_windows, horizon)
        Backtest actuals, the honest (leave-one-window-out) forecasts of the mean, and
        the observed cells.

    Returns
    -------
    factor : float
        The multiplicative correction of the pool's means: exactly 1.0 unless the rule of
        the module docstring says the bias is real, else the bound of the 95 % interval
        of the ratio nearest 1.
    facts : dict
        ``ratio`` (actual / forecast totals over all windows), ``window_ratios``,
        ``lower``/``upper`` (the interval), ``n_items``.

    Examples
    --------
    >>> y = np.full((40, 2, 5), 5.0) + np.arange(40)[:, None, None] % 3
    >>> f = y / 1.25
    >>> factor, facts = pool_ratio(y, f, np.ones_like(y, dtype=bool))
    >>> round(facts["ratio"], 6), facts["lower"] <= factor <= facts["ratio"]
    (1.25, True)
    >>> pool_ratio(y, y, np.ones_like(y, dtype=bool))[0]
    1.0
    """
    ok = mask & np.isfinite(y) & np.isfinite(f)
    yy = np.where(ok, y, 0.0).sum(axis=2)
    ff = np.where(ok, np.maximum(f, 0.0), 0.0).sum(axis=2)
    used = ff.sum(axis=1) > 0
    yy, ff = yy[used], ff[used]
    n = int(used.sum())
    facts: dict[str, Any] = {"n_items": n, "ratio": 1.0, "window_ratios": [], "lower": 1.0}
    facts["upper"] = 1.0
    if n < LEVEL_MIN_ITEMS:
        return 1.0, facts
    win_f = ff.sum(axis=0)
    win_r = np.where(win_f > 0, yy.sum(axis=0) / np.where(win_f > 0, win_f, 1.0), np.nan)
    y_i, f_i = yy.sum(axis=1), ff.sum(axis=1)
    ratio = float(y_i.sum() / f_i.sum())
    facts["ratio"], facts["window_ratios"] = ratio, [float(r) for r in win_r]
    if ratio <= 0:
        return 1.0, facts
    resid = y_i - ratio * f_i
    se = float(np.sqrt(n / (n - 1.0) * np.sum(resid**2)) / f_i.sum()) / ratio
    lo, hi = (
        float(np.exp(np.log(ratio) - LEVEL_Z * se)),
        float(np.exp(np.log(ratio) + LEVEL_Z * se)),
    )
    facts["lower"], facts["upper"] = lo, hi
    valid = win_r[np.isfinite(win_r)]
    if valid.size == 0:
        return 1.0, facts
    if lo > 1.0 and (valid > 1.0).all():
        return lo, facts
    if hi < 1.0 and (valid < 1.0).all():
        return hi, facts
    return 1.0, facts


def level_correction(
    y: np.ndarray, f: np.ndarray, mask: np.ndarray, groups: np.ndarray
) -> tuple[np.ndarray, dict[int, float]]:
    """Per item, the level factor of its pool (:func:`pool_ratio`); and the factor per pool.

    ``groups`` (n_items,) is the pool of each item (integers).
    """
    factor = np.ones(len(groups))
    out: dict[int, float] = {}
    for g in np.unique(groups):
        sel = groups == g
        out[int(g)], _ = pool_ratio(y[sel], f[sel], mask[sel])
        factor[sel] = out[int(g)]
    return factor, out

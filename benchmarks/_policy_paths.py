"""The demand-path adjustments of ``bench_policy.py`` (a sibling module; the bench imports it).

``shrunk_rates`` + ``scale_occurrences`` (empirical-Bayes demand-period rates) are the bench's
default; ``jitter_sizes`` (``--size-jitter``) and ``level_drift_variance`` + ``drift_levels``
(``--level-drift``) are experiments, measured in benchmarks/README.md and not the default.
Everything is estimated from the fit window only.
"""

from __future__ import annotations

import warnings

import numpy as np


def shrunk_rates(fit: np.ndarray) -> np.ndarray:
    """Empirical-Bayes share of periods with demand per item (beta-binomial, fitted by ML).

    The share ``k / T`` is noisy for short or sparse histories, and items that look busy in
    the fit window regress towards the others afterwards. A beta prior ``Beta(a, b)`` fitted
    to all items' counts by maximum likelihood gives the posterior mean
    ``(k + a) / (T + a + b)`` (on RAF the counts are consistent with one common rate, so
    every item gets it; on the demo and online_retail the prior is weak). NaN for items
    without demand (donors model them). Estimated from the fit window only.
    """
    from scipy.optimize import minimize
    from scipy.special import betaln

    usable = (~np.isnan(fit)).sum(axis=1)
    k = (np.nan_to_num(fit) > 0).sum(axis=1)
    ok = usable > 0
    kk, tt = k[ok], usable[ok]

    def nll(par: np.ndarray) -> float:
        a, b = np.exp(np.clip(par, -20, 20))
        return float(-np.sum(betaln(kk + a, tt - kk + b) - betaln(a, b)))

    res = minimize(nll, np.array([0.0, 1.0]), method="Nelder-Mead",
                   options={"xatol": 1e-6, "fatol": 1e-8, "maxiter": 2000})  # fmt: skip
    a, b = np.exp(np.clip(res.x, -20, 20))
    post = (k + a) / np.maximum(usable + a + b, 1e-12)
    return np.where(k > 0, post, np.nan)


def excess_level_variance(a: np.ndarray, c: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per item, how much more the mean demand moved between windows ``a`` and ``c`` than noise.

    ``((m_c - m_a)^2 - v_a / n_a - v_c / n_c) / (2 mu^2)``, ``mu = (m_a + m_c) / 2``: the
    variance of the level per window as a squared coefficient of variation, less what
    sampling noise alone gives under a stationary demand (method of moments, unbiased for 0
    under stationarity). Returns the figure and whether it is defined (>= 2 usable periods
    in each window, some demand).
    """
    with warnings.catch_warnings(), np.errstate(divide="ignore", invalid="ignore"):
        warnings.simplefilter("ignore", RuntimeWarning)
        na, nc = (~np.isnan(a)).sum(axis=1), (~np.isnan(c)).sum(axis=1)
        ma, mc = np.nanmean(a, axis=1), np.nanmean(c, axis=1)
        va, vc = np.nanvar(a, axis=1, ddof=1), np.nanvar(c, axis=1, ddof=1)
        mu = 0.5 * (ma + mc)
        e = ((mc - ma) ** 2 - va / na - vc / nc) / (2.0 * mu**2)
    return e, np.isfinite(e) & (na >= 2) & (nc >= 2)


def level_drift_variance(fit: np.ndarray) -> np.ndarray:
    """Squared coefficient of variation of each item's demand level between half-windows.

    :func:`excess_level_variance` between the two halves of the fit window: the change of
    the level beyond sampling noise (the double bootstrap models that part), pooled (mean,
    clipped at 0) over items with 1-5 and with >= 6 demand periods apart — one change per
    item cannot be told from noise, a class of items can (empirical Bayes in its simplest
    form). Returned per item, 0 for items without demand.
    """
    t = fit.shape[1]
    h = t // 2
    e, ok = excess_level_variance(fit[:, t - 2 * h : t - h], fit[:, t - h :])
    out = np.zeros(fit.shape[0])
    k = (np.nan_to_num(fit) > 0).sum(axis=1)
    for mask in ((k >= 1) & (k <= 5), k >= 6):
        m = mask & ok
        out[mask] = max(0.0, float(np.mean(e[m]))) if m.any() else 0.0
    return out


def drift_levels(paths: np.ndarray, tau2: np.ndarray, seed: int) -> np.ndarray:
    """Each item-path's demand times a level factor, lognormal with mean 1 and variance tau2.

    Sizes are rounded stochastically (floor + Bernoulli of the fraction), so the mean is kept
    and a size of 1 times a factor below 1 can become 0 (a thinned demand).
    """
    rng = np.random.default_rng(seed)
    sig2 = np.log1p(np.asarray(tau2, dtype=float))[:, None, None]
    f = np.exp(np.sqrt(sig2) * rng.standard_normal((*paths.shape[:2], 1)) - 0.5 * sig2)
    x = paths * f
    fl = np.floor(x)
    out = fl + (rng.random(paths.shape) < (x - fl))
    return np.where(paths > 0, out, paths)


def jitter_sizes(paths: np.ndarray, fit: np.ndarray, seed: int) -> np.ndarray:
    """Smoothed bootstrap of demand sizes (an experiment, ``--size-jitter``; not the default).

    Each non-zero demand on the paths is multiplied by ``exp(h Z - h^2 / 2)``, Z standard
    normal, ``h`` Silverman's bandwidth ``1.06 sd k^(-1/5)`` of the item's ``k`` log sizes in
    the fit window (0 with fewer than 2), then rounded (at least 1): sizes beyond the largest
    one seen become possible (Silverman & Young 1987, the smoothed bootstrap).
    """
    rng = np.random.default_rng(seed)
    x = np.where(np.nan_to_num(fit) > 0, np.log(np.where(fit > 0, fit, 1.0)), np.nan)
    k = (~np.isnan(x)).sum(axis=1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        sd = np.nan_to_num(np.nanstd(x, axis=1, ddof=1))
    h = np.where(k >= 2, 1.06 * sd * np.maximum(k, 1) ** -0.2, 0.0)[:, None, None]
    j = np.maximum(
        1.0, np.round(paths * np.exp(h * rng.standard_normal(paths.shape) - 0.5 * h * h))
    )
    return np.where(paths > 0, j, paths)


def scale_occurrences(paths: np.ndarray, rate: np.ndarray, seed: int) -> np.ndarray:
    """Thin or add demand periods on each item's paths so that their share is ``rate``.

    Items with NaN ``rate`` are left as they are.
    """
    rng = np.random.default_rng(seed)
    out = paths.copy()
    now = (np.nan_to_num(paths) > 0).mean(axis=(1, 2))
    with np.errstate(divide="ignore", invalid="ignore"):
        factor = np.where(np.isfinite(rate) & (now > 0), rate / np.where(now > 0, now, 1.0), 1.0)
    f = factor[:, None, None]
    nz = out > 0
    out[nz & (rng.random(out.shape) > np.minimum(f, 1.0))] = 0.0
    occ = nz.mean(axis=(1, 2))[:, None, None]
    p_add = np.where(f > 1, (f - 1.0) * occ / np.maximum(1.0 - occ, 1e-9), 0.0)
    add = ~nz & (rng.random(out.shape) < p_add)
    for i in np.flatnonzero(add.any(axis=(1, 2))):
        sizes = paths[i][paths[i] > 0]  # sizes from the item's own paths
        out[i][add[i]] = rng.choice(sizes, size=int(add[i].sum()))
    return out

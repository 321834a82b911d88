"""Predictive distributions of demand: negative binomial quantiles, CDF and PIT coverage.

Private module. The demand of item ``i`` in forecast period ``t`` is modelled as a
gamma-Poisson (negative binomial) count with mean ``m[i, t]`` and dispersion ``phi[i]``::

    Var[D_t] = m_t + phi * m_t**2                     (phi = 0: Poisson)

For items whose demand is not integer-valued (kg, litres) the Poisson layer is dropped and
demand is the gamma rate itself (``Var = phi * m**2``).

Dependence over time. The gamma rates of one sample path share a beta-distributed factor
(beta-gamma algebra: if ``B ~ Beta(a, b)`` and ``E ~ Gamma(a + b)`` are independent then
``B * E ~ Gamma(a)``). With ``a = 1 / phi``, ``lambda_t = phi * m_t * B * E_t`` has exactly
the ``Gamma(a, scale=phi * m_t)`` marginal of the negative binomial mixture, so every period's
marginal stays exactly negative binomial, while two periods of the same path have rate
correlation ``rho = b / (a + b + 1)``. Hence ``b = rho * (a + 1) / (1 - rho)`` and::

    Cov[D_s, D_t] = rho * phi * m_s * m_t                        (s != t)
    Var[sum_t D_t] = M + phi * (1 - rho) * sum_t m_t**2 + rho * phi * M**2,   M = sum_t m_t

``rho`` is the share of the extra-Poisson variance that persists over the whole horizon
(a level error), ``1 - rho`` the part that is new every period.

References
----------
Johnson, N. L., Kotz, S. & Balakrishnan, N. (1995). *Continuous Univariate Distributions*,
vol. 2, ch. 25 (beta-gamma algebra). Kolassa, S. (2016). Evaluating predictive count data
distributions in retail sales forecasting. *International Journal of Forecasting* 32(3),
788-803.
"""

from __future__ import annotations

import numpy as np
from scipy import special, stats

__all__: list[str] = []

#: largest level correlation used (keeps the beta parameter finite)
MAX_RHO = 0.95
#: iterations of the CDF recurrence before falling back to scipy for the remaining cells
_MAX_STEPS = 5000


# --------------------------------------------------------------------------- quantiles
def _nb_start(m: np.ndarray, phi: np.ndarray) -> np.ndarray:
    """A safe lower starting point of the CDF walk (10 standard deviations below the mean)."""
    sd = np.sqrt(m + phi * m * m)
    return np.maximum(0.0, np.floor(m - 10.0 * sd - 1.0))


def _nb_logpmf(k: np.ndarray, m: np.ndarray, phi: np.ndarray) -> np.ndarray:
    """The log of P(D = k) of the negative binomial with mean m and dispersion phi (Poisson at 0)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        pois = special.xlogy(k, m) - m - special.gammaln(k + 1.0)
        n = 1.0 / np.where(phi > 0, phi, 1.0)
        nb = (
            special.gammaln(k + n)
            - special.gammaln(n)
            - special.gammaln(k + 1.0)
            - n * np.log1p(phi * m)
            + special.xlogy(k, phi * m)
            - k * np.log1p(phi * m)
        )
    return np.where(phi > 0, nb, pois)


def _nb_cdf(k: np.ndarray, m: np.ndarray, phi: np.ndarray) -> np.ndarray:
    """P(D <= k) (k may be -1, giving 0)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        pois = special.pdtr(np.maximum(k, 0.0), m)
        n = 1.0 / np.where(phi > 0, phi, 1.0)
        nb = special.betainc(n, np.maximum(k, 0.0) + 1.0, 1.0 / (1.0 + phi * m))
    out = np.where(phi > 0, nb, pois)
    return np.where(k < 0, 0.0, out)


def nb_quantile(mean: np.ndarray, phi: np.ndarray, levels: np.ndarray) -> np.ndarray:
    """Quantiles ``min{k : P(D <= k) >= q}`` of the negative binomial, vectorised.

    Parameters
    ----------
    mean : array, shape (n,)
        Means (units per period), >= 0. NaN gives NaN.
    phi : array, shape (n,)
        Dispersions, >= 0 (0 = Poisson).
    levels : array, shape (n_q,)
        Sorted fractions in (0, 1).

    Returns
    -------
    ndarray, shape (n, n_q)

    Notes
    -----
    One walk up the CDF per cell, all cells at once: ``pmf(k) = pmf(k - 1) * r_k`` with
    ``r_k = (1 + phi * (k - 1)) * m / (k * (1 + phi * m))``, started 10 standard deviations
    below the mean. About 3x faster than ``scipy.stats.nbinom.ppf`` on large arrays and
    equal to it; cells whose walk would be very long (huge means) fall back to scipy.

    >>> nb_quantile(np.array([2.0]), np.array([0.0]), np.array([0.1, 0.5, 0.9]))
    array([[0., 2., 4.]])
    """
    mean = np.asarray(mean, dtype=float)
    phi = np.broadcast_to(np.asarray(phi, dtype=float), mean.shape)
    levels = np.asarray(levels, dtype=float)
    out = np.full((mean.size, levels.size), np.nan)
    ok = np.isfinite(mean) & np.isfinite(phi)
    idx = np.flatnonzero(ok)
    if idx.size == 0:
        return out
    m = np.maximum(mean[idx], 0.0)
    f = np.maximum(phi[idx], 0.0)
    k = _nb_start(m, f)
    cdf = _nb_cdf(k - 1.0, m, f)
    pmf = np.exp(_nb_logpmf(k, m, f))
    res = np.full((idx.size, levels.size), -1.0)
    active = np.arange(idx.size)
    # a start above a requested low quantile: do those cells exactly with scipy
    bad = cdf[:, None] >= levels[None, :]
    if bad.any():
        rows = np.flatnonzero(bad.any(axis=1))
        res[rows] = _scipy_nb_ppf(m[rows, None], f[rows, None], levels[None, :])
        active = np.setdiff1d(active, rows)
    cdf = cdf + pmf
    for _ in range(_MAX_STEPS):
        if active.size == 0:
            break
        c = cdf[active]
        kk = k[active]
        hit = (c[:, None] >= levels[None, :]) & (res[active] < 0)
        if hit.any():
            r, j = np.nonzero(hit)
            res[active[r], j] = kk[r]
        done = res[active, -1] >= 0
        active = active[~done]
        if active.size == 0:
            break
        ka = k[active] + 1.0
        ma, fa = m[active], f[active]
        ratio = (1.0 + fa * (ka - 1.0)) * ma / (ka * (1.0 + fa * ma))
        pmf[active] = pmf[active] * ratio
        cdf[active] = cdf[active] + pmf[active]
        k[active] = ka
    if active.size:
        res[active] = _scipy_nb_ppf(m[active, None], f[active, None], levels[None, :])
    out[idx] = res
    return out


def _scipy_nb_ppf(m: np.ndarray, phi: np.ndarray, q: np.ndarray) -> np.ndarray:
    m, phi, q = np.broadcast_arrays(m, phi, q)
    out = np.empty(m.shape)
    pois = phi <= 0
    out[pois] = stats.poisson.ppf(q[pois], m[pois])
    nb = ~pois
    n = 1.0 / phi[nb]
    out[nb] = stats.nbinom.ppf(q[nb], n, n / (n + m[nb]))
    return out


def gamma_quantile(mean: np.ndarray, phi: np.ndarray, levels: np.ndarray) -> np.ndarray:
    """Quantiles of a gamma with the given mean and squared coefficient of variation phi.

    ``phi == 0`` gives the mean itself (no noise). Shape (n, n_q).

    >>> np.round(gamma_quantile(np.array([2.0]), np.array([0.5]), np.array([0.5])), 3)
    array([[1.678]])
    """
    mean = np.asarray(mean, dtype=float)[:, None]
    phi = np.broadcast_to(np.asarray(phi, dtype=float), mean.shape[:1])[:, None]
    levels = np.asarray(levels, dtype=float)[None, :]
    with np.errstate(divide="ignore", invalid="ignore"):
        shape = 1.0 / phi
        q = special.gammaincinv(shape, levels) * phi * mean
    return np.where(phi > 0, q, np.broadcast_to(mean, q.shape))


def marginal_quantiles(
    mean: np.ndarray, phi: np.ndarray, count: np.ndarray, levels: tuple[float, ...]
) -> np.ndarray:
    """Quantiles per item, level and period: shape (n_items, n_levels, horizon).

    ``phi`` has shape (n_items,) or (n_items, horizon); ``count`` shape (n_items,).
    """
    n, h = mean.shape
    lv = np.asarray(levels, dtype=float)
    out = np.full((n, lv.size, h), np.nan)
    phi = np.asarray(phi, dtype=float)
    phi_b = np.broadcast_to(phi[:, None] if phi.ndim == 1 else phi, (n, h))
    cnt = np.asarray(count, dtype=bool)
    for sel, fn in ((cnt, nb_quantile), (~cnt, gamma_quantile)):
        if sel.any():
            q = fn(mean[sel].ravel(), phi_b[sel].ravel(), lv)
            out[sel] = q.reshape(int(sel.sum()), h, lv.size).transpose(0, 2, 1)
    return out


def cumulative_moments(
    mean: np.ndarray, phi: np.ndarray, rho: np.ndarray, count: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Mean and variance of cumulative demand through each period, shape (n_items, horizon)."""
    m = np.where(np.isnan(mean), np.nan, np.maximum(mean, 0.0))
    cm = np.cumsum(m, axis=1)
    cm2 = np.cumsum(m * m, axis=1)
    phi = np.asarray(phi, dtype=float)[:, None]
    rho = np.asarray(rho, dtype=float)[:, None]
    var = phi * (1.0 - rho) * cm2 + rho * phi * cm * cm
    var = var + np.where(np.asarray(count, dtype=bool)[:, None], cm, 0.0)
    return cm, var


# --------------------------------------------------------------------------- evaluation
def pit_coverage(
    y: np.ndarray,
    mean: np.ndarray,
    phi: np.ndarray,
    count: np.ndarray,
    lower: float,
    upper: float,
) -> np.ndarray:
    """Probability that the PIT of each observation falls in [lower, upper].

    Parameters
    ----------
    y, mean : arrays of the same shape (n_items, ...)
        Actual demand and forecast mean (NaN cells give NaN).
    phi : array, shape (n_items,)
    count : bool array, shape (n_items,)
    lower, upper : float
        Central interval in probability, e.g. 0.1 and 0.9 for 80 %.

    Returns
    -------
    ndarray, same shape as ``y``
        For count demand the non-randomised PIT (Czado, Gneiting & Held 2009): ``U`` is
        uniform on ``[F(y - 1), F(y)]`` and the value is
        ``|[F(y-1), F(y)] ∩ [lower, upper]| / (F(y) - F(y-1))``; for continuous demand the
        indicator of ``lower <= F(y) <= upper``. Its mean over many observations equals
        ``upper - lower`` exactly when the forecast distribution is calibrated, however
        discrete the demand (plain interval coverage of a count is at least the nominal).

    References
    ----------
    Czado, C., Gneiting, T. & Held, L. (2009). Predictive model assessment for count data.
    *Biometrics* 65(4), 1254-1261.

    >>> float(pit_coverage(np.array([[0.0]]), np.array([[0.1]]), np.array([0.0]),
    ...                    np.array([True]), 0.1, 0.9)[0, 0])   # F(0)=0.905: (0.9-0.1)/0.905
    0.884...
    """
    shape = y.shape
    n = shape[0]
    ph = np.broadcast_to(
        np.asarray(phi, dtype=float).reshape((n,) + (1,) * (len(shape) - 1)), shape
    )
    cn = np.broadcast_to(
        np.asarray(count, dtype=bool).reshape((n,) + (1,) * (len(shape) - 1)), shape
    )
    m = np.maximum(mean, 0.0)
    out = np.full(shape, np.nan)
    ok = np.isfinite(y) & np.isfinite(m)
    c = ok & cn
    if c.any():
        yy = np.round(np.maximum(y[c], 0.0))
        hi = _nb_cdf(yy, m[c], ph[c])
        lo = _nb_cdf(yy - 1.0, m[c], ph[c])
        width = hi - lo
        inter = np.clip(np.minimum(hi, upper) - np.maximum(lo, lower), 0.0, None)
        with np.errstate(invalid="ignore", divide="ignore"):
            val = np.where(width > 0, inter / width, ((lo >= lower) & (lo <= upper)) * 1.0)
        out[c] = val
    g = ok & ~cn
    if g.any():
        with np.errstate(invalid="ignore", divide="ignore"):
            shp = 1.0 / ph[g]
            u = np.where(
                ph[g] > 0,
                special.gammainc(shp, np.maximum(y[g], 0.0) / (ph[g] * np.maximum(m[g], 1e-300))),
                (y[g] >= m[g]) * 1.0,
            )
        out[g] = ((u >= lower) & (u <= upper)) * 1.0
    return out

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

from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import special, stats

from . import _compound

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
    levels : array, shape (n_q,) or (n, n_q)
        Sorted fractions in (0, 1), shared by all cells or per cell.

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
    n_q = levels.shape[-1]
    out = np.full((mean.size, n_q), np.nan)
    ok = np.isfinite(mean) & np.isfinite(phi)
    idx = np.flatnonzero(ok)
    if idx.size == 0:
        return out
    lv = levels[idx] if levels.ndim == 2 else np.broadcast_to(levels[None, :], (idx.size, n_q))
    m = np.maximum(mean[idx], 0.0)
    f = np.maximum(phi[idx], 0.0)
    k = _nb_start(m, f)
    cdf = _nb_cdf(k - 1.0, m, f)
    pmf = np.exp(_nb_logpmf(k, m, f))
    res = np.full((idx.size, n_q), -1.0)
    active = np.arange(idx.size)
    # a start above a requested low quantile: do those cells exactly with scipy
    bad = cdf[:, None] >= lv
    if bad.any():
        rows = np.flatnonzero(bad.any(axis=1))
        res[rows] = _scipy_nb_ppf(m[rows, None], f[rows, None], lv[rows])
        active = np.setdiff1d(active, rows)
    cdf = cdf + pmf
    for _ in range(_MAX_STEPS):
        if active.size == 0:
            break
        c = cdf[active]
        kk = k[active]
        hit = (c[:, None] >= lv[active]) & (res[active] < 0)
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
        res[active] = _scipy_nb_ppf(m[active, None], f[active, None], lv[active])
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


@dataclass(frozen=True)
class Sizes:
    """The unit of demand per item: counts, or a continuous quantity (``_compound``).

    ``count`` (n_items,) bool: integer demand, negative binomial. Otherwise demand is the
    compound negative binomial of :mod:`._compound` with occurrence sizes of mean
    ``mean`` (units) and squared coefficient of variation ``cv2``. For count items
    ``mean = 1`` and ``cv2 = 0`` (every occurrence one unit), so one variance formula,
    ``Var = unit_var * m + phi * m**2``, holds for both.
    """

    count: np.ndarray
    mean: np.ndarray
    cv2: np.ndarray
    zero: np.ndarray | None = None

    @classmethod
    def of(
        cls,
        count: Any,
        mean: np.ndarray | None = None,
        cv2: np.ndarray | None = None,
        zero: np.ndarray | None = None,
    ) -> Sizes:
        """From a bool ``count`` array (a :class:`Sizes` passes through).

        Continuous items without given sizes get ``mean = 1``, ``cv2 = 1``; ``zero`` is the
        extra point mass at zero per item (:func:`zero_inflated_base`; default none).
        """
        if isinstance(count, Sizes):
            return count
        cnt = np.asarray(count, dtype=bool)
        mu = np.ones(cnt.shape) if mean is None else np.asarray(mean, dtype=float)
        c = np.where(cnt, 0.0, 1.0) if cv2 is None else np.asarray(cv2, dtype=float)
        z = None if zero is None else np.asarray(zero, dtype=float)
        return cls(cnt, np.where(cnt, 1.0, mu), np.where(cnt, 0.0, c), z)

    @property
    def inflation(self) -> np.ndarray:
        """The extra point mass at zero per item, ``pi`` in [0, 1) (0: the plain shape)."""
        if self.zero is None:
            return np.zeros(self.count.shape)
        return np.nan_to_num(self.zero, nan=0.0)

    def with_zero(self, zero: np.ndarray) -> Sizes:
        """The same sizes with the extra point mass at zero ``zero`` per item."""
        return Sizes(self.count, self.mean, self.cv2, np.asarray(zero, dtype=float))

    @property
    def unit_var(self) -> np.ndarray:
        """Variance per unit of mean beyond the level noise: ``mean * (1 + cv2)`` (1 for counts)."""
        return np.where(self.count, 1.0, self.mean * (1.0 + self.cv2))

    def take(self, idx: Any) -> Sizes:
        """The sizes of the items ``idx``."""
        z = None if self.zero is None else self.zero[idx]
        return Sizes(self.count[idx], self.mean[idx], self.cv2[idx], z)

    def per_cell(self, shape: tuple[int, ...]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``count``, ``mean`` and ``cv2`` broadcast from items (axis 0) to ``shape``."""
        n = shape[0]
        tail = (1,) * (len(shape) - 1)
        return tuple(  # type: ignore[return-value]
            np.broadcast_to(np.asarray(v).reshape((n, *tail)), shape)
            for v in (self.count, self.mean, self.cv2)
        )


def marginal_quantiles(
    mean: np.ndarray, phi: np.ndarray, sizes: Any, levels: tuple[float, ...]
) -> np.ndarray:
    """Quantiles per item, level and period: shape (n_items, n_levels, horizon).

    ``phi`` has shape (n_items,) or (n_items, horizon); ``sizes`` a :class:`Sizes` (or the
    bool ``count`` array). Count items: negative binomial; the others: compound.
    """
    sz = Sizes.of(sizes)
    n, h = mean.shape
    lv = np.asarray(levels, dtype=float)
    out = np.full((n, lv.size, h), np.nan)
    phi = np.asarray(phi, dtype=float)
    phi_b = np.broadcast_to(phi[:, None] if phi.ndim == 1 else phi, (n, h))
    pi = sz.inflation
    zi = pi > 0
    if zi.any():  # the base of the zero-inflated items at the levels (q - pi) / (1 - pi)
        mean = mean.copy()
        phi_b = phi_b.copy()
        mean[zi], phi_b[zi], _ = zero_inflated_base(mean[zi], phi_b[zi], 0.0, pi[zi, None])
    per_item = (lv[None, :] - pi[:, None]) / (1.0 - pi[:, None])  # (n, n_levels)
    cells = np.repeat(np.clip(per_item, 1e-12, None), h, axis=0) if zi.any() else lv
    cnt = sz.count
    for part in (cnt, ~cnt):
        if not part.any():
            continue
        k = int(part.sum())
        rows = np.repeat(part, h) if zi.any() else slice(None)
        lev = cells[rows] if zi.any() else lv
        if part is cnt:
            q = nb_quantile(mean[part].ravel(), phi_b[part].ravel(), lev)
        else:
            q = _compound.compound_quantile(
                mean[part].ravel(),
                phi_b[part].ravel(),
                np.repeat(sz.mean[part], h),
                np.repeat(sz.cv2[part], h),
                lev,
            )
        out[part] = q.reshape(k, h, lv.size).transpose(0, 2, 1)
    if zi.any():  # levels within the extra mass at zero
        out = np.where((per_item <= 0.0)[:, :, None] & np.isfinite(out), 0.0, out)
    return out


def zero_inflation_cap(phi: np.ndarray, rho: np.ndarray) -> np.ndarray:
    """The largest extra mass at zero that keeps the variance and the level covariance.

    ``1 - (1 + rho phi / MAX_RHO) / (1 + phi)`` (at least 0): beyond it the base's
    dispersion ``phi'`` could not carry the level covariance ``rho phi`` with a level
    correlation of at most ``MAX_RHO`` (:func:`zero_inflated_base`).

    >>> zero_inflation_cap(np.array([1.0, 3.0, 0.0]), np.array([0.0, 0.0, 0.5]))
    array([0.5 , 0.75, 0.  ])
    """
    phi = np.maximum(np.asarray(phi, dtype=float), 0.0)
    rho = np.asarray(rho, dtype=float)
    with np.errstate(invalid="ignore"):
        cap = 1.0 - (1.0 + rho * phi / MAX_RHO) / (1.0 + phi)
    return np.clip(np.nan_to_num(cap, nan=0.0), 0.0, None)


def zero_inflated_base(
    mean: np.ndarray, phi: np.ndarray, rho: Any, pi: Any
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The base ``(m', phi', rho')`` of a zero-inflated demand with mean ``mean``.

    Demand is 0 with probability ``pi`` and else the base distribution (negative binomial,
    or compound for continuous items) with mean ``m' = m / (1 - pi)``, dispersion
    ``phi' = (1 + phi) (1 - pi) - 1`` and level correlation ``rho' = rho phi / phi'``:
    the mixture keeps the mean ``m``, the variance ``b m + phi m**2`` and the covariance
    ``rho phi m_s m_t`` of two periods (``pi`` at most :func:`zero_inflation_cap`); only
    the shape changes -- more zeros, a positive part further out.

    >>> m, f, r = zero_inflated_base(np.array([1.0]), np.array([3.0]), np.array([0.2]), 0.5)
    >>> m, f, r   # Var: 1 + 3 * 1 = 0.5 * (2 + 1 * 4 + 4) - 1 = 4
    (array([2.]), array([1.]), array([0.6]))
    """
    pi = np.asarray(pi, dtype=float)
    phi = np.asarray(phi, dtype=float)
    base_phi = np.maximum((1.0 + phi) * (1.0 - pi) - 1.0, 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        base_rho = np.where(base_phi > 0, np.asarray(rho, dtype=float) * phi / base_phi, 0.0)
    return mean / (1.0 - pi), base_phi, np.clip(base_rho, 0.0, MAX_RHO)


def cumulative_moments(
    mean: np.ndarray, phi: np.ndarray, rho: np.ndarray, sizes: Any
) -> tuple[np.ndarray, np.ndarray]:
    """Mean and variance of cumulative demand through each period, shape (n_items, horizon).

    ``Var[S_t] = b M_t + phi (1 - rho) sum m_s**2 + rho phi M_t**2`` with ``b`` the unit
    variance of :class:`Sizes` (1 for counts).
    """
    m = np.where(np.isnan(mean), np.nan, np.maximum(mean, 0.0))
    cm = np.cumsum(m, axis=1)
    cm2 = np.cumsum(m * m, axis=1)
    phi = np.asarray(phi, dtype=float)[:, None]
    rho = np.asarray(rho, dtype=float)[:, None]
    var = phi * (1.0 - rho) * cm2 + rho * phi * cm * cm
    return cm, var + Sizes.of(sizes).unit_var[:, None] * cm


# --------------------------------------------------------------------------- evaluation
def pit_bounds(
    y: np.ndarray, mean: np.ndarray, phi: np.ndarray, sizes: Any
) -> tuple[np.ndarray, np.ndarray]:
    """``(F(y-), F(y))`` per cell (items on axis 0); NaN where ``y`` or the mean is NaN.

    Counts: ``(F(y - 1), F(y))``. Continuous: ``(0, P(Y = 0))`` at zero, ``(F(y), F(y))``
    above (the randomised PIT draws uniformly between the two).
    """
    sz = Sizes.of(sizes)
    shape = y.shape
    n = shape[0]
    tail = (1,) * (len(shape) - 1)
    ph = np.broadcast_to(np.asarray(phi, dtype=float).reshape((n, *tail)), shape)
    cn, s_mean, s_cv2 = sz.per_cell(shape)
    m = np.maximum(mean, 0.0)
    pi = np.broadcast_to(sz.inflation.reshape((n, *tail)), shape)
    if (pi > 0).any():
        m, ph, _ = zero_inflated_base(m, ph, 0.0, pi)
    lo, hi = np.full(shape, np.nan), np.full(shape, np.nan)
    ok = np.isfinite(y) & np.isfinite(m)
    c = ok & cn
    if c.any():
        yy = np.round(np.maximum(y[c], 0.0))
        hi[c] = _nb_cdf(yy, m[c], ph[c])
        lo[c] = _nb_cdf(yy - 1.0, m[c], ph[c])
    g = ok & ~cn
    if g.any():
        lo[g], hi[g] = _compound.compound_pit_bounds(y[g], m[g], ph[g], s_mean[g], s_cv2[g])
    if (pi > 0).any():  # the extra mass at zero: F(y) = pi + (1 - pi) F'(y)
        lo = np.where(y > 0, pi, 0.0) + (1.0 - pi) * lo
        hi = pi + (1.0 - pi) * hi
    return lo, hi


def pit_coverage(
    y: np.ndarray,
    mean: np.ndarray,
    phi: np.ndarray,
    sizes: Any,
    lower: float,
    upper: float,
) -> np.ndarray:
    """Probability that the randomised PIT of each observation falls in [lower, upper].

    Parameters
    ----------
    y, mean : arrays of the same shape (n_items, ...)
        Actual demand and forecast mean (NaN cells give NaN).
    phi : array, shape (n_items,)
    sizes : Sizes or bool array, shape (n_items,)
        The unit of each item (a bool array: count or not).
    lower, upper : float
        Central interval in probability, e.g. 0.1 and 0.9 for 80 %.

    Returns
    -------
    ndarray, same shape as ``y``
        The randomised PIT ``U`` is uniform on ``[F(y-), F(y)]`` (Czado, Gneiting & Held
        2009): for a count ``[F(y - 1), F(y)]``; for continuous demand ``[0, P(Y = 0)]`` at
        zero and the point ``F(y)`` above. The value is the probability that ``U`` falls
        in ``[lower, upper]``, ``|[F(y-), F(y)] ∩ [lower, upper]| / (F(y) - F(y-))`` (the
        indicator of ``lower <= F(y) <= upper`` for a point). Its mean over many
        observations equals ``upper - lower`` exactly when the forecast distribution is
        calibrated, however discrete or zero-heavy the demand (plain interval coverage of
        a count is at least the nominal).

    References
    ----------
    Czado, C., Gneiting, T. & Held, L. (2009). Predictive model assessment for count data.
    *Biometrics* 65(4), 1254-1261.

    >>> float(pit_coverage(np.array([[0.0]]), np.array([[0.1]]), np.array([0.0]),
    ...                    np.array([True]), 0.1, 0.9)[0, 0])   # F(0)=0.905: (0.9-0.1)/0.905
    0.884...
    """
    return coverage_of_bounds(*pit_bounds(y, mean, phi, sizes), lower, upper)


def coverage_of_bounds(lo: np.ndarray, hi: np.ndarray, lower: float, upper: float) -> np.ndarray:
    """Probability that a uniform draw on ``[lo, hi]`` (the PIT) falls in ``[lower, upper]``."""
    width = hi - lo
    inter = np.clip(np.minimum(hi, upper) - np.maximum(lo, lower), 0.0, None)
    with np.errstate(invalid="ignore", divide="ignore"):
        val = np.where(width > 0, inter / width, ((hi >= lower) & (hi <= upper)) * 1.0)
    return np.where(np.isfinite(lo), val, np.nan)


def interval_error(y: np.ndarray, mean: np.ndarray, phi: np.ndarray, sizes: Any) -> float:
    """``|cov80 - 0.8| + |cov95 - 0.95|`` of the mean PIT coverage over all cells."""
    lo, hi = pit_bounds(y, mean, phi, sizes)
    c80 = np.nanmean(coverage_of_bounds(lo, hi, 0.1, 0.9))
    c95 = np.nanmean(coverage_of_bounds(lo, hi, 0.025, 0.975))
    return float(abs(c80 - 0.8) + abs(c95 - 0.95))

"""Calibration of the predictive distribution on backtest errors (private module).

Dispersion per item from forecast errors (shrunk towards a pooled value), one pooled factor
that makes cross-fitted intervals cover as they should, and the level correlation that gives
cumulative demand the spread of the backtest window totals. The distribution itself is in
:mod:`._distribution`, the path sampler in :mod:`._sampler`.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._compound import compound_p0
from ._distribution import MAX_RHO, Sizes, interval_error, zero_inflation_cap

__all__: list[str] = []


def dispersion_from_residuals(
    y: np.ndarray,
    f: np.ndarray,
    mask: np.ndarray,
    sizes: Any,
    *,
    prior_weight: float = 20.0,
    groups: np.ndarray | None = None,
    cap: np.ndarray | None = None,
    pooled: dict[tuple[bool, int], float] | None = None,
    pooled_out: dict[tuple[bool, int], float] | None = None,
) -> np.ndarray:
    """Per-item dispersion from forecast errors, shrunk towards the pooled value.

    Parameters
    ----------
    y, f : arrays, shape (n_items, ...)
        Actual and forecast demand per period (any trailing shape; windows x horizon).
    mask : bool array, same shape
        Cells that enter (observed actuals with a finite forecast).
    sizes : Sizes or bool array, shape (n_items,)
        The unit of each item (:class:`~._distribution.Sizes`; a bool array: count or not):
        its unit variance ``b`` (1 for counts) is the part of the variance that is not
        dispersion.
    prior_weight : float
        Pseudo-observations given to the pooled value.
    groups : int array, shape (n_items,), optional
        Pool within these groups (e.g. volume classes) instead of over all items.
    cap : array, shape (n_items,), optional
        Largest dispersion an item's own errors may claim (see :func:`dispersion_cap`).
    pooled : dict, optional
        The pooled value per ``(count, group)`` from a run over all items (see
        ``pooled_out``), used instead of pooling over these items: a chunk of items then
        gets the dispersions of one run over all of them. A key missing from it falls back
        to ``(count, -1)`` (pooled over every group of that kind), then 0.
    pooled_out : dict, optional
        Filled with the pooled value per ``(count, group)`` and per ``(count, -1)``.

    Returns
    -------
    ndarray, shape (n_items,)

    Notes
    -----
    Method of moments on ``E[(y - f)^2] = b f + phi f^2`` (``b = 1`` for counts):
    ``phi_i = sum(e^2 - b f) / sum(f^2)`` over the item's cells, clipped at 0.
    The pooled value ``phi_0`` is the same ratio of sums over all items of the same kind
    (count or not) and group;
    ``phi_i`` is shrunk as ``(n_i * phi_i + w * phi_0) / (n_i + w)`` with ``n_i`` cells.
    With ``cap``, an item's ``sum(e^2 - f)`` is limited to ``cap_i * sum(f^2)`` before
    both its own and the pooled ratio are formed (a forecast near 0 for an item that then
    sells 50 units would otherwise claim a dispersion of 10^5).
    """
    n = y.shape[0]
    yy = y.reshape(n, -1)
    ff = np.maximum(f.reshape(n, -1), 0.0)
    mm = mask.reshape(n, -1) & np.isfinite(yy) & np.isfinite(ff)
    e2 = np.where(mm, (yy - ff) ** 2, 0.0)
    fm = np.where(mm, ff, 0.0)
    sz = Sizes.of(sizes)
    cnt = sz.count
    num = e2.sum(axis=1) - sz.unit_var * fm.sum(axis=1)
    den = (fm * fm).sum(axis=1)
    if cap is not None:
        num = np.minimum(num, np.asarray(cap, dtype=float) * den)
    n_i = mm.sum(axis=1).astype(float)
    phi = np.zeros(n)
    grp = np.zeros(n, dtype=int) if groups is None else np.asarray(groups)
    if pooled_out is not None:
        for kind in (True, False):
            sel = cnt == kind
            tot_den = den[sel].sum()
            pooled_out[(kind, -1)] = max(num[sel].sum() / tot_den, 0.0) if tot_den > 0 else 0.0
    for kind, g in {(k, g) for k, g in zip(cnt.tolist(), grp.tolist(), strict=True)}:
        sel = (cnt == kind) & (grp == g)
        if pooled is not None:
            pool = pooled.get((kind, g), pooled.get((kind, -1), 0.0))
        else:
            tot_den = den[sel].sum()
            pool = max(num[sel].sum() / tot_den, 0.0) if tot_den > 0 else 0.0
        if pooled_out is not None:
            pooled_out[(kind, g)] = pool
        with np.errstate(divide="ignore", invalid="ignore"):
            own = np.where(den[sel] > 0, np.maximum(num[sel], 0.0) / den[sel], pool)
        w_own = np.where(den[sel] > 0, n_i[sel], 0.0)
        phi[sel] = (w_own * own + prior_weight * pool) / (w_own + prior_weight)
    return phi


def dispersion_cap(y: np.ndarray, mask: np.ndarray, sizes: Any) -> np.ndarray:
    """Per item ``2 * phi_u + 1``, ``phi_u`` the dispersion of its observed demand around its mean.

    ``phi_u = (var - b mean) / mean^2`` (``b`` the unit variance, 1 for counts), 0 for items without
    positive demand. The predictive spread around a forecast should not exceed the item's
    unconditional spread by much; the guard is loose (factor 2 plus 1) and binds only for
    forecasts that were near 0 when a large order came.

    >>> dispersion_cap(np.array([[0.0, 4.0, 0.0, 4.0]]), np.ones((1, 4), bool), np.array([True]))
    array([2.])
    """
    n_obs = mask.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        m1 = np.where(mask, y, 0.0).sum(axis=1) / n_obs
        m2 = np.where(mask, y * y, 0.0).sum(axis=1) / n_obs
        var = m2 - m1 * m1
        phi_u = (var - Sizes.of(sizes).unit_var * m1) / (m1 * m1)
    phi_u = np.where(np.isfinite(phi_u) & (m1 > 0), np.maximum(phi_u, 0.0), 0.0)
    return 2.0 * phi_u + 1.0


def level_uncertainty(
    y: np.ndarray,
    f: np.ndarray,
    mask: np.ndarray,
    phi: np.ndarray,
    sizes: Any,
    future_mean: np.ndarray,
    *,
    weighting: str = "normalised",
    calibrate: bool = True,
    kappa: float | None = None,
) -> tuple[np.ndarray, np.ndarray, float]:
    """Dispersion and level correlation per item so that cumulative demand has the backtest spread.

    Parameters
    ----------
    y, f, mask : arrays, shape (n_items, n_windows, horizon)
        Backtest actuals, forecasts and the cells that enter.
    phi : array, shape (n_items,)
        Per-period dispersions (:func:`dispersion_from_residuals`).
    sizes : Sizes or bool array, shape (n_items,)
    future_mean : array, shape (n_items,)
        Mean forecast per period of the forecast being calibrated (units).
    weighting : {"normalised", "sums"}
        How windows are pooled (Notes).
    calibrate : bool, default True
        Then choose ``kappa`` (among multiples of the moment estimate) so that the 80 % and
        95 % intervals of the backtest window *totals* cover as they should
        (:func:`_calibrate_kappa`).
    kappa : float, optional
        The pooled level-variance factor from a run over all items: not estimated here.

    Returns
    -------
    phi : ndarray, shape (n_items,)
        Dispersion, raised where needed to carry the level variance (``phi >= v / MAX_RHO``).
    rho : ndarray, shape (n_items,)
        Level correlation ``v / phi`` in [0, MAX_RHO].
    kappa : float
        The pooled level-variance factor.

    Notes
    -----
    A forecast's level error is shared by every period of a path: with relative level
    variance ``v``, ``Cov[D_s, D_t] = v m_s m_t``. For exponential smoothing the level
    error's variance is a fixed fraction of the one-period variance, so
    ``v = kappa * (b / m + phi)`` (``b`` the unit variance, 1 for counts).
    For a backtest window with error sum ``S``, ``M = sum f``, ``Q = sum f^2`` and
    ``mbar = M / n``: ``E[S^2] = M + phi Q + kappa (1 / mbar + phi) (M^2 - Q)``.
    ``kappa`` solves this pooled over items and windows: ``"sums"`` adds the equations as
    they are (large sellers dominate); ``"normalised"`` divides each by its base variance
    ``M + phi Q`` first, giving every window equal weight. In the sampling model
    ``v = rho * phi`` with ``rho <= MAX_RHO``, hence the floor on ``phi``.
    """
    sz = Sizes.of(sizes)
    if kappa is None:
        kappa = _pooled_kappa(y, f, mask, phi, sz, weighting=weighting, calibrate=calibrate)
    fm = np.asarray(future_mean, dtype=float)
    ph = np.asarray(phi, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        v = kappa * (sz.unit_var / fm + ph)
    v = np.where(np.isfinite(v) & (fm > 0), v, 0.0)
    phi_out = np.maximum(ph, v / MAX_RHO)
    with np.errstate(invalid="ignore", divide="ignore"):
        rho = np.where(phi_out > 0, v / phi_out, 0.0)
    return phi_out, np.clip(rho, 0.0, MAX_RHO), kappa


def _pooled_kappa(
    y: np.ndarray,
    f: np.ndarray,
    mask: np.ndarray,
    phi: np.ndarray,
    sz: Sizes,
    *,
    weighting: str,
    calibrate: bool,
) -> float:
    """The level-variance factor of :func:`level_uncertainty`, pooled over items."""
    mm = mask & np.isfinite(y) & np.isfinite(f)
    ff = np.where(mm, np.maximum(f, 0.0), 0.0)
    s = np.where(mm, y - f, 0.0).sum(axis=2)
    n_c = mm.sum(axis=2)
    big_m = ff.sum(axis=2)
    q = (ff * ff).sum(axis=2)
    p = np.asarray(phi, dtype=float)[:, None]
    b = sz.unit_var
    base = b[:, None] * big_m + p * q
    with np.errstate(invalid="ignore", divide="ignore"):
        mbar = big_m / n_c
        rel = b[:, None] / mbar + p
        x = rel * (big_m * big_m - q)
        num = s * s - base
        if weighting == "normalised":
            num, x = num / base, x / base
        elif weighting != "sums":
            raise ValueError(f"weighting must be 'normalised' or 'sums'; got {weighting!r}.")
    keep = np.isfinite(num) & np.isfinite(x) & (n_c > 1) & (big_m > 0) & (base > 0)
    d = x[keep].sum()
    kappa = float(max(num[keep].sum() / d, 0.0)) if d > 0 else 0.0
    if calibrate and keep.any():
        kappa = _calibrate_kappa(kappa, s, big_m, q, mbar, np.asarray(phi, float), sz, keep)
    return kappa


#: multiples of the moment estimate of kappa, and absolute values, tried by _calibrate_kappa
KAPPA_FACTORS = (0.0, 0.5, 1.0, 1.5, 2.0, 3.0, 4.0, 6.0, 8.0)
KAPPA_ABSOLUTE = (0.005, 0.01, 0.02, 0.05, 0.1, 0.2)


def _calibrate_kappa(
    kappa0: float,
    s: np.ndarray,
    big_m: np.ndarray,
    q: np.ndarray,
    mbar: np.ndarray,
    phi: np.ndarray,
    sizes: Sizes,
    keep: np.ndarray,
) -> float:
    """The level-variance factor whose window-total intervals cover 80 % and 95 % best.

    For each backtest window the total ``Y = sum y`` over its observed periods is compared
    with a negative binomial of mean ``M`` and the variance of the model
    (``M + phi Q + v (M^2 - Q)``, ``v = kappa (1 / mbar + phi)``, ``phi`` raised to
    ``v / MAX_RHO`` where needed); the PIT coverage (:func:`pit_coverage`) of the central
    80 % and 95 % intervals is computed for each candidate ``kappa`` and the one with the
    smallest ``|cov80 - 0.8| + |cov95 - 0.95|`` wins (ties: the smaller ``kappa``).
    """
    ii, ww = np.nonzero(keep)
    ph = phi[ii]
    sz = sizes.take(ii)
    b = sz.unit_var
    y_tot = s[ii, ww] + big_m[ii, ww]  # s is the sum of errors y - f
    m_tot, q_tot, mb = big_m[ii, ww], q[ii, ww], mbar[ii, ww]
    cands = sorted({kappa0 * c for c in KAPPA_FACTORS} | set(KAPPA_ABSOLUTE))
    best, best_err = kappa0, np.inf
    for k in cands:
        with np.errstate(invalid="ignore", divide="ignore"):
            v = k * (b / mb + ph)
        v = np.where(np.isfinite(v), v, 0.0)
        p_out = np.maximum(ph, v / MAX_RHO)
        var = b * m_tot + p_out * q_tot + v * (m_tot * m_tot - q_tot)
        with np.errstate(invalid="ignore", divide="ignore"):
            extra = var - b * m_tot
            phi_s = np.where(m_tot > 0, np.maximum(extra, 0.0) / (m_tot * m_tot), 0.0)
        err = interval_error(y_tot[:, None], m_tot[:, None], phi_s, sz)
        if err < best_err - 1e-12:
            best, best_err = float(k), err
    return best


#: candidate multipliers of the dispersion tried by :func:`dispersion_scale`
SCALE_GRID = (0.5, 0.7, 0.85, 1.0, 1.15, 1.3, 1.5, 2.0, 3.0)


def dispersion_scale(
    y: np.ndarray,
    f: np.ndarray,
    mask: np.ndarray,
    sizes: Any,
    *,
    groups: np.ndarray | None = None,
    cap: np.ndarray | None = None,
    max_cells: int = 50_000,
    grid: tuple[float, ...] = SCALE_GRID,
    zero: float = 0.0,
) -> float:
    """Pooled multiplier ``c`` of the dispersion that makes cross-fitted intervals nominal.

    Parameters
    ----------
    y, f, mask : arrays, shape (n_items, n_windows, horizon)
        Backtest actuals, forecasts and the cells that enter (>= 2 windows).
    sizes : Sizes or bool array, shape (n_items,)
    groups, cap : arrays, shape (n_items,), optional
        Pooling groups and caps of :func:`dispersion_from_residuals`.
    max_cells : int
        Cells evaluated at most (an evenly spaced subset beyond that).
    grid : tuple of float
        Candidate multipliers.
    zero : float
        Extra point mass at zero of the shape judged (``Sizes.zero``), per item at most
        :func:`~._distribution.zero_inflation_cap` of its dispersion (0: the plain shape).

    Returns
    -------
    float
        The multiplier from ``grid`` minimising ``|cov80 - 0.8| + |cov95 - 0.95|``, where
        ``cov`` is the PIT coverage (:func:`pit_coverage`) of window ``w`` under the
        dispersion estimated from the other windows (cross-fitting: the estimate never
        sees the errors it is judged on). 1.0 with fewer than two windows.

    Notes
    -----
    Per-item dispersions estimated from a few dozen errors are noisy, and intervals from a
    noisy spread under-cover on average (coverage is concave in the spread near the
    truth); the negative binomial's tail may also be too light for lumpy demand. Both are
    corrected by one pooled factor measured out of sample.
    """
    n_w = y.shape[1]
    if n_w < 2:
        return 1.0
    sz = Sizes.of(sizes)
    rows_y, rows_f, rows_phi, rows_cnt = [], [], [], []
    for w in range(n_w):
        other = [v for v in range(n_w) if v != w]
        phi = dispersion_from_residuals(
            y[:, other], f[:, other], mask[:, other], sz, groups=groups, cap=cap
        )
        ok = mask[:, w] & np.isfinite(f[:, w]) & np.isfinite(y[:, w])
        ii, tt = np.nonzero(ok)
        rows_y.append(y[ii, w, tt])
        rows_f.append(f[ii, w, tt])
        rows_phi.append(phi[ii])
        rows_cnt.append(ii)
    yy, ff, pp, cc = (np.concatenate(a) for a in (rows_y, rows_f, rows_phi, rows_cnt))
    if yy.size == 0:
        return 1.0
    if yy.size > max_cells:
        pick = np.linspace(0, yy.size - 1, max_cells).astype(int)
        yy, ff, pp, cc = yy[pick], ff[pick], pp[pick], cc[pick]
    cells = sz.take(cc)

    def error(c: float) -> float:
        p = pp * c
        zi = cells
        if zero > 0:
            zi = cells.with_zero(np.minimum(zero, zero_inflation_cap(p, np.zeros(p.size))))
        return interval_error(yy[:, None], ff[:, None], p, zi)

    if zero > 0:
        return _descend(error, grid)
    best, best_err = 1.0, np.inf
    for c in grid:
        err = error(c)
        if err < best_err - 1e-12:
            best, best_err = float(c), err
    return best


def _descend(error: Any, grid: tuple[float, ...]) -> float:
    """The grid value reached by steps to the better neighbour from 1.0 (a local minimum).

    Fewer evaluations than the whole grid (each is a PIT coverage over many cells); used
    for the zero-inflated shapes, whose factor is near that of the plain shape.
    """
    j = grid.index(1.0)
    err = {j: error(grid[j])}
    while True:
        for k in (j - 1, j + 1):
            if 0 <= k < len(grid) and k not in err:
                err[k] = error(grid[k])
        best = min((k for k in (j - 1, j, j + 1) if k in err), key=lambda k: (err[k], k != j))
        if best == j:
            return float(grid[j])
        j = best


# --------------------------------------------------------------------------- continuous units
#: bounds of the squared coefficient of variation of occurrence sizes
SIZE_CV2_BOUNDS = (0.05, 10.0)


def occurrence_sizes(
    y: np.ndarray, mask: np.ndarray, count: np.ndarray, cv2_prior: float | None = None
) -> Sizes:
    """Occurrence sizes of the continuous items, by moments of their observed history.

    With Poisson occurrences of mean ``lam`` per period and sizes of mean ``s`` and squared
    coefficient of variation ``c`` (:mod:`._compound`): ``P(Y = 0) = exp(-lam)``,
    ``E[Y] = lam s`` and ``Var[Y] = lam s**2 (1 + c)``. So from the observed share of zero
    periods ``p0`` (at least ``1 / (2 n)`` of the ``n`` observed periods), the mean ``mu``
    and the variance ``v``: ``lam = -log(p0)``, ``s = mu / lam``, ``c = v / (mu s) - 1``
    (kept in ``SIZE_CV2_BOUNDS``). Extra-Poisson variation in the number of occurrences is
    the dispersion, estimated afterwards on forecast errors. Count items: ``s = 1``,
    ``c = 0``; items without positive demand: ``s = 1``, ``c = 1``.

    The three moments do not tell sizes that vary (Poisson occurrences, large ``c``) from
    occurrences that cluster (negative binomial occurrences of dispersion ``phi``, sizes
    that vary little): the zero share of a near-smooth item whose weekly counts are
    overdispersed reads as few large occurrences, and the size variation then takes up
    the variance that is dispersion. ``cv2_prior`` (default None: Poisson occurrences, as
    above) fixes ``c`` instead wherever the Poisson estimate would need ``c > cv2_prior``:
    ``lam`` then solves ``(1 + phi lam)**(-1 / phi) = p0`` with
    ``phi = v / mu**2 - (1 + c) / lam`` (:func:`_clustered_occurrences`), so that the
    item's zero share, mean and variance are all kept. Which of the two a forecast uses is
    chosen on its backtest (``forecast_demand``, Notes).

    >>> sz = occurrence_sizes(np.array([[0.0, 1.5, 0.0, 2.5]]), np.ones((1, 4), bool),
    ...                       np.array([False]))
    >>> round(float(sz.mean[0]), 3)   # mean 1, P(0) = 1/2: lam = log 2, s = 1 / log 2
    1.443
    """
    cnt = np.asarray(count, dtype=bool)
    n_obs = mask.sum(axis=1)
    yy = np.where(mask, np.maximum(y, 0.0), 0.0)
    n_pos = (mask & (y > 0)).sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        mu = yy.sum(axis=1) / n_obs
        var = (yy * yy).sum(axis=1) / n_obs - mu * mu
        p0 = np.maximum((n_obs - n_pos) / n_obs, 0.5 / n_obs)
        lam = -np.log(p0)
        clustered = np.zeros(len(lam), dtype=bool)
        if cv2_prior is not None:
            lam_c = _clustered_occurrences(p0, mu, var, lam, cv2_prior)
            clustered = np.isfinite(lam_c) & (lam_c > lam)
            lam = np.where(clustered, lam_c, lam)
        size = mu / lam
        cv2 = var / (mu * size) - 1.0
        if cv2_prior is not None:
            cv2 = np.where(clustered, float(cv2_prior), cv2)
    usable = ~cnt & (n_pos > 0) & np.isfinite(size) & (size > 0)
    size = np.where(usable, size, 1.0)
    cv2 = np.where(usable, np.clip(np.nan_to_num(cv2, nan=1.0), *SIZE_CV2_BOUNDS), 1.0)
    return Sizes.of(cnt, size, cv2)


def _clustered_occurrences(
    p0: np.ndarray, mu: np.ndarray, var: np.ndarray, lam0: np.ndarray, c0: float
) -> np.ndarray:
    """Occurrences per period ``lam`` of clustered occurrences with sizes of cv2 ``c0``.

    Per item, from its zero share ``p0``, mean ``mu`` and variance ``var``: with
    ``a = var / mu**2`` the occurrence dispersion is ``phi(lam) = a - (1 + c0) / lam``
    (mean and variance kept) and ``lam`` solves ``(1 + phi lam)**(-1 / phi) = p0`` (the
    zero share kept), by bisection in ``log lam`` between ``(1 + c0) / a`` (``phi = 0``)
    and ``(p0**-a - 1) / a`` (``phi = a``). Items where Poisson occurrences already need
    ``c <= c0`` (``-log p0 <= (1 + c0) / a``) keep ``lam0``.

    >>> lam, phi, s, c0 = 3.0, 0.4, 0.5, 1.0       # round trip from known parameters
    >>> p0 = (1 + phi * lam) ** (-1 / phi)
    >>> mu = lam * s
    >>> var = s * (1 + c0) * mu + phi * mu**2
    >>> out = _clustered_occurrences(np.array([p0]), np.array([mu]), np.array([var]),
    ...                              np.array([-np.log(p0)]), c0)
    >>> round(float(out[0]), 6)
    3.0
    """
    with np.errstate(all="ignore"):
        a = var / (mu * mu)
        lam_min = (1.0 + c0) / a
        todo = np.isfinite(a) & (a > 0) & (lam0 > lam_min) & (mu > 0)
        aa = np.where(todo, a, 1.0)
        lo = np.where(todo, lam_min, 1.0)
        hi = np.where(todo, np.expm1(-aa * np.log(p0)) / aa, 1.0)
        hi = np.maximum(hi, lo)
        log_p0 = np.log(p0)
        for _ in range(60):
            mid = np.sqrt(lo * hi)
            ph = np.maximum(aa - (1.0 + c0) / mid, 1e-12)
            lp = -np.log1p(ph * mid) / ph
            above = lp > log_p0  # the model has more zeros than seen: more occurrences
            lo = np.where(above, mid, lo)
            hi = np.where(above, hi, mid)
    return np.where(todo, np.sqrt(lo * hi), lam0)


def continuous_interval_error(
    y: np.ndarray,
    f: np.ndarray,
    mask: np.ndarray,
    phi: np.ndarray,
    sizes: Sizes,
    max_cells: int = 50_000,
) -> float:
    """``|cov80 - 0.8| + |cov95 - 0.95| + |P(0) - zeros|`` over the continuous items' backtest.

    The PIT coverage (:func:`~._distribution.interval_error`) of the backtest actuals ``y``
    under the distribution (dispersion ``phi``, ``sizes``) around the backtest forecasts
    ``f``, shape (n_items, n_windows, horizon), plus the error of the predicted share of
    zero periods (the point mass at zero): every probability the distribution states is
    checked. An evenly spaced subset of ``max_cells`` cells beyond that; 0 without
    continuous cells.
    """
    ok = mask & np.isfinite(y) & np.isfinite(f) & ~sizes.count[:, None, None]
    ii, ww, tt = np.nonzero(ok)
    if ii.size == 0:
        return 0.0
    if ii.size > max_cells:
        pick = np.linspace(0, ii.size - 1, max_cells).astype(int)
        ii, ww, tt = ii[pick], ww[pick], tt[pick]
    yy, ff, ph, sz = y[ii, ww, tt], f[ii, ww, tt], np.asarray(phi)[ii], sizes.take(ii)
    p0 = compound_p0(np.maximum(ff, 0.0), ph, sz.mean)
    return interval_error(yy[:, None], ff[:, None], ph, sz) + abs(
        float(p0.mean()) - float((yy <= 0).mean())
    )


def calibrate_zero_mass(
    y: np.ndarray,
    f: np.ndarray,
    mask: np.ndarray,
    phi: np.ndarray,
    sizes: Sizes,
    *,
    bounds: tuple[float, float] = (1 / 64, 64.0),
    factor: float | None = None,
    pooled_out: dict[str, float] | None = None,
) -> Sizes:
    """Scale the continuous items' occurrence sizes so that backtest zeros are as predicted.

    ``P(Y = 0) = (1 + phi f / s)**(-1 / phi)`` grows with the occurrence size ``s``. One
    factor ``k`` on ``s`` (pooled over the continuous items, within ``bounds``) is chosen by
    bisection so that the predicted number of zero periods over the backtest cells equals
    the number observed; the coefficient of variation of the sizes is adjusted to keep
    each item's variance at its mean (``s (1 + c)`` unchanged where the bounds allow).
    Count items and an absence of continuous cells leave ``sizes`` as it is. ``factor``,
    the ``k`` of a run over all items, is used instead of pooling over these items;
    ``pooled_out["k"]`` receives the one used.
    """
    cont = ~sizes.count
    if factor is None:
        factor = _zero_mass_factor(y, f, mask, phi, sizes, bounds)
    if pooled_out is not None:
        pooled_out["k"] = factor
    k = factor
    if k == 1.0:
        return sizes
    unit = sizes.mean * (1.0 + sizes.cv2)
    new_mean = np.where(cont, sizes.mean * k, sizes.mean)
    new_cv2 = np.where(cont, np.clip(unit / new_mean - 1.0, *SIZE_CV2_BOUNDS), sizes.cv2)
    return Sizes(sizes.count, new_mean, new_cv2)


def _zero_mass_factor(
    y: np.ndarray,
    f: np.ndarray,
    mask: np.ndarray,
    phi: np.ndarray,
    sizes: Sizes,
    bounds: tuple[float, float],
) -> float:
    """The pooled size factor ``k`` of :func:`calibrate_zero_mass` (1 without continuous cells)."""
    cont = ~sizes.count
    ok = mask & np.isfinite(y) & np.isfinite(f) & cont[:, None, None]
    if not ok.any():
        return 1.0
    ii = np.nonzero(ok)[0]
    ff = np.maximum(f[ok], 0.0)
    zeros = float((y[ok] <= 0).sum())
    ph, s = np.asarray(phi, dtype=float)[ii], sizes.mean[ii]

    def predicted(k: float) -> float:
        return float(compound_p0(ff, ph, s * k).sum())

    lo, hi = np.log(bounds[0]), np.log(bounds[1])
    if predicted(np.exp(hi)) < zeros or predicted(np.exp(lo)) > zeros:
        k = float(np.exp(hi if predicted(np.exp(hi)) < zeros else lo))
    else:
        for _ in range(40):
            mid = 0.5 * (lo + hi)
            lo, hi = (mid, hi) if predicted(float(np.exp(mid))) < zeros else (lo, mid)
        k = float(np.exp(0.5 * (lo + hi)))
    return k


def cap_unit_variance(
    y: np.ndarray,
    f: np.ndarray,
    mask: np.ndarray,
    sizes: Sizes,
    *,
    prior_weight: float = 20.0,
    pooled: float | None = None,
    pooled_out: dict[str, float] | None = None,
) -> Sizes:
    """Lower the size variation of continuous items whose forecast errors are smaller.

    The moments of an item's history (:func:`occurrence_sizes`) count level changes --
    trends, promotions -- as noise of the sizes; the forecast follows some of them. The
    unit variance ``b = s (1 + c)`` is the variance per unit of mean that is left when
    the dispersion is 0, so it may not exceed what the backtest errors show: per item
    ``b_max = sum(e^2) / sum(f)`` over its cells, shrunk like the dispersion towards the
    value pooled over the continuous items (``prior_weight`` cells). Where ``b > b_max`` the
    size variation ``c`` is lowered (down to ``SIZE_CV2_BOUNDS[0]``); the mean size ``s``,
    which sets the point mass at zero, stays. ``pooled`` (from a run over all items) is used
    instead of pooling over these items; ``pooled_out["unit_variance"]`` receives the one
    used.
    """
    cont = ~sizes.count
    n = y.shape[0]
    yy, ff = y.reshape(n, -1), np.maximum(f.reshape(n, -1), 0.0)
    mm = mask.reshape(n, -1) & np.isfinite(yy) & np.isfinite(ff) & cont[:, None]
    if not mm.any():
        return sizes
    e2 = np.where(mm, (yy - ff) ** 2, 0.0).sum(axis=1)
    fs = np.where(mm, ff, 0.0).sum(axis=1)
    n_i = mm.sum(axis=1).astype(float)
    if pooled is None:
        pooled = float(e2[cont].sum() / fs[cont].sum()) if fs[cont].sum() > 0 else np.inf
    if pooled_out is not None:
        pooled_out["unit_variance"] = pooled
    with np.errstate(invalid="ignore", divide="ignore"):
        own = np.where(fs > 0, e2 / fs, pooled)
    w = np.where(fs > 0, n_i, 0.0)
    b_max = (w * own + prior_weight * pooled) / (w + prior_weight)
    with np.errstate(invalid="ignore", divide="ignore"):
        c_max = b_max / sizes.mean - 1.0
    new_cv2 = np.where(
        cont & np.isfinite(c_max),
        np.clip(np.minimum(sizes.cv2, c_max), SIZE_CV2_BOUNDS[0], None),
        sizes.cv2,
    )
    return Sizes(sizes.count, sizes.mean, new_cv2)

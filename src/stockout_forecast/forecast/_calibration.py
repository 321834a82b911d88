"""Calibration of the predictive distribution on backtest errors (private module).

Dispersion per item from forecast errors (shrunk towards a pooled value), one pooled factor
that makes cross-fitted intervals cover as they should, and the level correlation that gives
cumulative demand the spread of the backtest window totals. The distribution itself is in
:mod:`._distribution`, the path sampler in :mod:`._sampler`.
"""

from __future__ import annotations

import numpy as np

from ._distribution import MAX_RHO, pit_coverage

__all__: list[str] = []


def dispersion_from_residuals(
    y: np.ndarray,
    f: np.ndarray,
    mask: np.ndarray,
    count: np.ndarray,
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
    count : bool array, shape (n_items,)
        Integer-valued demand (negative binomial) or not (gamma).
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
    Method of moments on ``E[(y - f)^2] = f + phi * f^2`` (counts) or ``phi * f^2``
    (continuous): ``phi_i = sum(e^2 - f) / sum(f^2)`` over the item's cells, clipped at 0.
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
    cnt = np.asarray(count, dtype=bool)
    num = e2.sum(axis=1) - np.where(cnt, fm.sum(axis=1), 0.0)
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


def dispersion_cap(y: np.ndarray, mask: np.ndarray, count: np.ndarray) -> np.ndarray:
    """Per item ``2 * phi_u + 1``, ``phi_u`` the dispersion of its observed demand around its mean.

    ``phi_u = (var - mean) / mean^2`` (counts; ``var / mean^2`` otherwise), 0 for items without
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
        phi_u = np.where(np.asarray(count, dtype=bool), var - m1, var) / (m1 * m1)
    phi_u = np.where(np.isfinite(phi_u) & (m1 > 0), np.maximum(phi_u, 0.0), 0.0)
    return 2.0 * phi_u + 1.0


def level_uncertainty(
    y: np.ndarray,
    f: np.ndarray,
    mask: np.ndarray,
    phi: np.ndarray,
    count: np.ndarray,
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
    count : bool array, shape (n_items,)
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
    ``v = kappa * (1 / m + phi)`` (count demand; ``kappa * phi`` for continuous demand).
    For a backtest window with error sum ``S``, ``M = sum f``, ``Q = sum f^2`` and
    ``mbar = M / n``: ``E[S^2] = M + phi Q + kappa (1 / mbar + phi) (M^2 - Q)``.
    ``kappa`` solves this pooled over items and windows: ``"sums"`` adds the equations as
    they are (large sellers dominate); ``"normalised"`` divides each by its base variance
    ``M + phi Q`` first, giving every window equal weight. In the sampling model
    ``v = rho * phi`` with ``rho <= MAX_RHO``, hence the floor on ``phi``.
    """
    cnt = np.asarray(count, dtype=bool)
    if kappa is None:
        kappa = _pooled_kappa(y, f, mask, phi, cnt, weighting=weighting, calibrate=calibrate)
    fm = np.asarray(future_mean, dtype=float)
    ph = np.asarray(phi, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        v = kappa * (np.where(cnt, 1.0 / fm, 0.0) + ph)
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
    cnt: np.ndarray,
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
    base = np.where(cnt[:, None], big_m, 0.0) + p * q
    with np.errstate(invalid="ignore", divide="ignore"):
        mbar = big_m / n_c
        rel = np.where(cnt[:, None], 1.0 / mbar, 0.0) + p
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
        kappa = _calibrate_kappa(kappa, s, big_m, q, mbar, np.asarray(phi, float), cnt, keep)
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
    count: np.ndarray,
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
    cnt = count[ii]
    y_tot = s[ii, ww] + big_m[ii, ww]  # s is the sum of errors y - f
    m_tot, q_tot, mb = big_m[ii, ww], q[ii, ww], mbar[ii, ww]
    cands = sorted({kappa0 * c for c in KAPPA_FACTORS} | set(KAPPA_ABSOLUTE))
    best, best_err = kappa0, np.inf
    for k in cands:
        with np.errstate(invalid="ignore", divide="ignore"):
            v = k * (np.where(cnt, 1.0 / mb, 0.0) + ph)
        v = np.where(np.isfinite(v), v, 0.0)
        p_out = np.maximum(ph, v / MAX_RHO)
        var = np.where(cnt, m_tot, 0.0) + p_out * q_tot + v * (m_tot * m_tot - q_tot)
        with np.errstate(invalid="ignore", divide="ignore"):
            extra = var - np.where(cnt, m_tot, 0.0)
            phi_s = np.where(m_tot > 0, np.maximum(extra, 0.0) / (m_tot * m_tot), 0.0)
        c80 = np.nanmean(pit_coverage(y_tot[:, None], m_tot[:, None], phi_s, cnt, 0.1, 0.9))
        c95 = np.nanmean(pit_coverage(y_tot[:, None], m_tot[:, None], phi_s, cnt, 0.025, 0.975))
        err = abs(c80 - 0.8) + abs(c95 - 0.95)
        if err < best_err - 1e-12:
            best, best_err = float(k), err
    return best


#: candidate multipliers of the dispersion tried by :func:`dispersion_scale`
SCALE_GRID = (0.5, 0.7, 0.85, 1.0, 1.15, 1.3, 1.5, 2.0, 3.0)


def dispersion_scale(
    y: np.ndarray,
    f: np.ndarray,
    mask: np.ndarray,
    count: np.ndarray,
    *,
    groups: np.ndarray | None = None,
    cap: np.ndarray | None = None,
    max_cells: int = 50_000,
    grid: tuple[float, ...] = SCALE_GRID,
) -> float:
    """Pooled multiplier ``c`` of the dispersion that makes cross-fitted intervals nominal.

    Parameters
    ----------
    y, f, mask : arrays, shape (n_items, n_windows, horizon)
        Backtest actuals, forecasts and the cells that enter (>= 2 windows).
    count : bool array, shape (n_items,)
    groups, cap : arrays, shape (n_items,), optional
        Pooling groups and caps of :func:`dispersion_from_residuals`.
    max_cells : int
        Cells evaluated at most (an evenly spaced subset beyond that).
    grid : tuple of float
        Candidate multipliers.

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
    rows_y, rows_f, rows_phi, rows_cnt = [], [], [], []
    for w in range(n_w):
        other = [v for v in range(n_w) if v != w]
        phi = dispersion_from_residuals(
            y[:, other], f[:, other], mask[:, other], count, groups=groups, cap=cap
        )
        ok = mask[:, w] & np.isfinite(f[:, w]) & np.isfinite(y[:, w])
        ii, tt = np.nonzero(ok)
        rows_y.append(y[ii, w, tt])
        rows_f.append(f[ii, w, tt])
        rows_phi.append(phi[ii])
        rows_cnt.append(np.asarray(count, dtype=bool)[ii])
    yy, ff, pp, cc = (np.concatenate(a) for a in (rows_y, rows_f, rows_phi, rows_cnt))
    if yy.size == 0:
        return 1.0
    if yy.size > max_cells:
        pick = np.linspace(0, yy.size - 1, max_cells).astype(int)
        yy, ff, pp, cc = yy[pick], ff[pick], pp[pick], cc[pick]
    best, best_err = 1.0, np.inf
    for c in grid:
        p = pp * c
        c80 = np.nanmean(pit_coverage(yy[:, None], ff[:, None], p, cc, 0.1, 0.9))
        c95 = np.nanmean(pit_coverage(yy[:, None], ff[:, None], p, cc, 0.025, 0.975))
        err = abs(c80 - 0.8) + abs(c95 - 0.95)
        if err < best_err - 1e-12:
            best, best_err = float(c), err
    return best

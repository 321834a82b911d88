"""Sample paths of demand with the dependence over time of the level (private module).

The model is that of :mod:`._distribution`: per item and path a beta level factor, then
each period's negative binomial given it, drawn by inversion of its CDF.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from . import _compound
from ._distribution import MAX_RHO, Sizes, _scipy_nb_ppf, nb_quantile, zero_inflated_base

__all__: list[str] = []

#: cells (items x paths x periods) drawn per pass of the vectorised sampler: its working
#: arrays (21 bytes a cell, about 11 MiB) are allocated once per call and re-used
_PATH_CELLS = 1 << 19
#: marginal quantile up to which all cells of an item walk the CDF in one dense sweep; the
#: cells beyond it (about 2 %) continue on a compacted set (see :func:`_count_draws`)
_DENSE_LEVEL = 0.98
#: items whose dense sweep would exceed this many steps (means above about 40 with
#: dispersion 0.3, about 80 for Poisson) are drawn as gamma-Poisson mixtures instead,
#: whose cost does not grow with the mean
_MAX_DENSE_STEPS = 100
#: cells with ``P(0) < exp(-80)`` (float32's smallest normal is exp(-87.3)) are drawn in
#: float64
_LOG_P0_FLOOR = 80.0


def _level_factor(
    f: np.ndarray, r: np.ndarray, n_paths: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Beta level factor ``B`` (k, n_paths) and the gamma shape ``a + b`` (k,) per item.

    ``B = 1`` where there is no shared level (``phi == 0`` or ``rho == 0``).
    """
    noisy = f > 0
    a = 1.0 / np.where(noisy, f, 1.0)
    b = np.where(noisy, r * (a + 1.0) / (1.0 - r), 0.0)
    bfac = np.ones((f.size, n_paths))
    shared = noisy & (b > 0)
    if shared.any():
        bfac[shared] = rng.beta(a[shared, None], b[shared, None], size=(int(shared.sum()), n_paths))
    return bfac, a + b


def _walk(
    u: np.ndarray,
    q: np.ndarray,
    s: np.ndarray,
    pois: np.ndarray,
    k: np.ndarray,
    p: np.ndarray,
    cdf: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Continue the CDF walk of flat cells: the first ``k`` with ``F(k) >= u``.

    ``p`` and ``cdf`` are ``P(D = k)`` and ``P(D <= k)`` at each cell's current ``k`` (in
    the arrays' precision); the pmf ratio is ``q * (s + k - 1) / k`` (negative binomial) or
    ``q / k`` (Poisson). Returns the draws (float64) and a mask of the cells whose CDF
    stopped moving below ``u`` (past the mode, ``P(D = k)`` under the rounding of
    ``F(k)``): their draw is not settled at this precision.
    """
    k = k.astype(float)
    res = np.empty(u.size)
    stalled = np.zeros(u.size, dtype=bool)
    act: np.ndarray = np.arange(u.size)
    while act.size:  # every array is compacted to the cells still walking
        done = cdf >= u
        if done.any():
            res[act[done]] = k[done]
            keep = ~done
            act, u, q, s, pois, k, p, cdf = (v[keep] for v in (act, u, q, s, pois, k, p, cdf))
            if act.size == 0:
                break
        k += 1.0
        coef = (s + k - 1.0) / k
        if pois.any():
            coef[pois] = 1.0 / k[pois]
        p = p * q * coef.astype(p.dtype)
        new = cdf + p
        flat = (new == cdf) & (new < u)
        cdf = new
        if flat.any():
            stalled[act[flat]] = True
            res[act[flat]] = k[flat]
            keep = ~flat
            act, u, q, s, pois, k, p, cdf = (v[keep] for v in (act, u, q, s, pois, k, p, cdf))
    return res, stalled


def _start_cells(
    q: np.ndarray, p: np.ndarray, cdf: np.ndarray, s: np.ndarray, pois: np.ndarray
) -> None:
    """In place: ``p = P(0)`` from ``q = x`` on entry, then ``q`` the pmf ratio factor.

    ``P(0) = (1 + x)**-s`` and ``q = x / (1 + x)`` (negative binomial), ``P(0) = exp(-x)``
    and ``q = x`` (Poisson). ``cdf`` is scratch space here.
    """
    f32 = np.float32
    if pois.all():
        np.negative(q, out=p)
        np.exp(p, out=p)
        return
    np.log1p(q, out=p)
    np.multiply(p, -s.astype(f32)[:, None, None], out=p)
    np.exp(p, out=p)
    if pois.any():
        p[pois] = np.exp(-q[pois])
    x_pois = q[pois] if pois.any() else None
    np.add(q, f32(1.0), out=cdf)
    np.divide(q, cdf, out=q)
    if x_pois is not None:
        q[pois] = x_pois


def _dense_sweep(
    p: np.ndarray,
    q: np.ndarray,
    cdf: np.ndarray,
    u: np.ndarray,
    hit: np.ndarray,
    draws: np.ndarray,
    steps: np.ndarray,
    s: np.ndarray,
    pois: np.ndarray,
) -> None:
    """Walk every cell's CDF up to its item's ``steps`` (items sorted by it, longest first).

    On return ``draws`` counts the levels ``k`` with ``F(k) < u`` seen, ``p`` and ``cdf``
    hold the pmf and CDF at the last level and ``hit`` marks the cells still below ``u``.
    """
    np.copyto(cdf, p)
    np.less(cdf, u, out=hit)
    np.copyto(draws, hit)
    neg = -steps
    ks = np.arange(1, steps[0] + 1)[:, None]
    coefs = np.where(pois[None, :], 1.0 / ks, (s[None, :] + ks - 1.0) / ks).astype(np.float32)
    for k in range(1, int(steps[0]) + 1):
        j = int(np.searchsorted(neg, -k, side="right"))  # items that walk at least k steps
        pj, cj, hj = p[:j], cdf[:j], hit[:j]
        np.multiply(pj, q[:j], out=pj)
        np.multiply(pj, coefs[k - 1, :j, None, None], out=pj)
        np.add(cj, pj, out=cj)
        np.less(cj, u[:j], out=hj)
        np.add(draws[:j], hj, out=draws[:j])
    np.less(cdf, u, out=hit)


def _count_draws(
    m: np.ndarray,
    f: np.ndarray,
    bfac: np.ndarray,
    s: np.ndarray,
    steps: np.ndarray,
    rng: np.random.Generator,
    out: np.ndarray,
    rows: np.ndarray,
    work: dict[str, Any],
) -> None:
    """Negative-binomial / Poisson draws by inversion given the level factor, into ``out[rows]``.

    Cell ``(i, j, t)`` is ``NB(shape s_i, mean s_i * phi_i * m_it * B_ij)`` (``phi_i > 0``) or
    ``Poisson(m_it)``: with ``x = phi * m * B``, ``P(0) = (1 + x)**-s`` and ``P(k) = P(k - 1)
    * q * (s + k - 1) / k`` with ``q = x / (1 + x)`` (Poisson: ``P(0) = exp(-m)``, ratio
    ``m / k``). The draw is the number of ``k`` with ``F(k) < u`` for one uniform ``u``
    (inversion). All cells walk together in float32 up to their item's marginal
    ``_DENSE_LEVEL`` quantile (items sorted by that length, so each step works on a leading
    slice); the cells left continue on a compacted set; the rare cells whose float32 CDF
    stalls below ``u`` (``u`` within about 1e-6 of 1), and those whose ``P(0)`` is below
    ``exp(-_LOG_P0_FLOOR)``, are redone from ``k = 0`` in float64 (scipy's inverse CDF if
    even float64 cannot represent ``P(0)``).
    CDF values carry float32 rounding (relative 1e-7 a step), far below Monte Carlo error.
    ``work`` holds reusable buffers (re-used from pass to pass, so that memory is not
    page-faulted afresh).
    """
    k_items, n_paths = bfac.shape
    h = m.shape[1]
    shape = (k_items, n_paths, h)
    size = k_items * n_paths * h

    def buf(name: str, dtype: type) -> np.ndarray:
        b = work.get(name)
        if b is None or b.size < size:  # (re)allocated only when a pass is larger
            b = work[name] = np.empty(size, dtype=dtype)
        return b[:size].reshape(shape)

    f32 = np.float32
    pois = ~(f > 0)
    order = np.argsort(-steps, kind="stable")
    steps, f, s, pois, m, bfac = (
        steps[order],
        f[order],
        s[order],
        pois[order],
        m[order],
        bfac[order],
    )
    scale = np.where(pois, 1.0, f)[:, None]
    xm = (scale * m).astype(f32)
    q, p, cdf = buf("q", f32), buf("p", f32), buf("cdf", f32)
    # the dense sweep counts at most steps + 1 levels: one byte a cell when that fits
    small = int(steps[0]) < 255
    u, hit = buf("u", f32), buf("hit", np.bool_)
    draws = buf("draws8", np.uint8) if small else buf("draws", np.int32)
    np.multiply(xm[:, None, :], bfac.astype(f32)[:, :, None], out=q)  # x
    rng.random(shape, dtype=f32, out=u)
    _start_cells(q, p, cdf, s, pois)
    # P(0) near or under float32's normal range (conditional mean above about 80): the
    # float32 recurrence would lose precision; those cells are redone in float64
    x_top = xm.max(axis=1).astype(float) * bfac.max(axis=1, initial=0.0)
    log_p0_min = np.where(pois, x_top, s * np.log1p(np.where(pois, 0.0, x_top)))
    low = np.zeros(0, dtype=np.int64)
    if (log_p0_min > _LOG_P0_FLOOR).any():
        low = np.flatnonzero(p < f32(np.exp(-_LOG_P0_FLOOR)))
    _dense_sweep(p, q, cdf, u, hit, draws, steps, s, pois)
    left = np.flatnonzero(hit)
    out[rows[order]] = draws
    if low.size:  # float64 from k = 0, now, straight into ``out``
        i, rest = np.divmod(low, n_paths * h)
        jp, t = np.divmod(rest, h)
        x64 = scale[i, 0] * m[i, t] * bfac[i, jp]
        res = _redo64(u.ravel()[low].astype(float), x64, s[i], pois[i])
        out.ravel()[rows[order][i] * (n_paths * h) + rest] = res
        left = np.setdiff1d(left, low, assume_unique=True)
    if left.size:  # continued later, with the cells left by the other passes
        i, rest = np.divmod(left, n_paths * h)
        jp, t = np.divmod(rest, h)
        work.setdefault("tail", []).append(
            (
                rows[order][i] * (n_paths * h) + rest,  # flat position in ``out``
                u.ravel()[left],
                q.ravel()[left],
                s[i],
                pois[i],
                steps[i],
                p.ravel()[left],
                cdf.ravel()[left],
                scale[i, 0] * m[i, t] * bfac[i, jp],  # x in float64, for a redo
            )
        )


def _redo64(u: np.ndarray, x: np.ndarray, s: np.ndarray, pois: np.ndarray) -> np.ndarray:
    """Draws by a float64 CDF walk from ``k = 0`` (scipy's inverse CDF if ``P(0)`` underflows)."""
    q = np.where(pois, x, x / (1.0 + x))
    with np.errstate(under="ignore"):
        p0 = np.exp(np.where(pois, -x, -s * np.log1p(x)))
    res, stalled = _walk(u, q, s, pois, np.zeros(u.size), p0, p0.copy())
    if stalled.any():  # P(0) under float64's range too (mean above 700): scipy, exact
        st = np.flatnonzero(stalled)
        res[st] = _scipy_nb_ppf(
            np.where(pois[st], x[st], s[st] * x[st]), np.where(pois[st], 0.0, 1.0 / s[st]), u[st]
        )
    return res


def _finish_tail(out: np.ndarray, work: dict[str, Any]) -> None:
    """Finish the CDF walks that passes of :func:`_count_draws` left (about 2 % of cells).

    Done once per call over the cells of all passes, so that the walk's per-step overhead is
    paid once; cells whose float32 CDF stalls below ``u`` are redone in float64.
    """
    parts = work.pop("tail", [])
    if not parts:
        return
    pos, u, q, s, pois, k, p, cdf, x = (np.concatenate(v) for v in zip(*parts, strict=True))
    res, stalled = _walk(u, q, s, pois, k, p, cdf)
    if stalled.any():
        st = np.flatnonzero(stalled)
        res[st] = _redo64(u[st].astype(float), x[st], s[st], pois[st])
    out.ravel()[pos] = res


def sample_paths(
    mean: np.ndarray,
    phi: np.ndarray,
    rho: np.ndarray,
    sizes: Any,
    n_paths: int,
    rng: np.random.Generator,
    out: np.ndarray | None = None,
) -> np.ndarray:
    """Draw (n_items, n_paths, horizon) demand paths (see the module notes for the model).

    A beta level factor ``B`` per item and path; given ``B`` the gamma rate of period
    ``t`` is ``Gamma(a + b, scale=phi * m_t * B)``, so a count item's demand in period ``t``
    is negative binomial with shape ``a + b`` and mean ``(a + b) * phi * m_t * B``, drawn by
    inversion of its CDF from one uniform (:func:`_count_draws`; Poisson when
    ``phi == 0``). Items with very large means (dense walk longer than
    ``_MAX_DENSE_STEPS``) draw the gamma rate and then a Poisson count. Continuous items
    (``sizes``, :mod:`._compound`) draw their occurrence counts this way, with mean
    ``m_t / s``, then each period's demand given its count ``N``: ``Gamma(N / c, s c)``
    (0 when ``N = 0``). Zero-inflated items (``sizes.zero``) draw their base
    (:func:`~._distribution.zero_inflated_base`) and then each period is 0 with probability
    ``pi``, independently. Items are drawn in passes of about ``_PATH_CELLS`` cells;
    the result depends only on ``rng`` and the items given. ``out``, if given, is a C-ordered
    float64 array of the result's shape to fill (and return) instead of a new one.
    """
    n, h = mean.shape
    if out is None:
        out = np.empty((n, n_paths, h))
    elif out.shape != (n, n_paths, h) or out.dtype != np.float64 or not out.flags.c_contiguous:
        raise ValueError(
            f"out must be a C-ordered float64 array of shape {(n, n_paths, h)}; got "
            f"{out.dtype} {out.shape}."
        )
    sz = Sizes.of(sizes)
    pi = sz.inflation
    zi = np.flatnonzero(pi > 0)
    if zi.size:  # zero-inflated items: their base, then the extra zeros (below)
        mean, phi, rho = mean.copy(), np.array(phi, dtype=float), np.array(rho, dtype=float)
        m_b, f_b, r_b = zero_inflated_base(mean[zi], phi[zi, None], rho[zi, None], pi[zi, None])
        mean[zi], phi[zi], rho[zi] = m_b, f_b[:, 0], r_b[:, 0]
    mean = mean / sz.mean[:, None]  # occurrences per period (the mean itself for counts)
    ok = np.isfinite(mean).all(axis=1)
    out[~ok] = np.nan
    valid = np.flatnonzero(ok)
    work: dict[str, Any] = {}
    # length of each item's dense CDF walk: its marginal _DENSE_LEVEL quantile
    steps = nb_quantile(
        np.maximum(mean[valid], 0.0).max(axis=1, initial=0.0),
        np.maximum(np.asarray(phi, dtype=float)[valid], 0.0),
        np.array([_DENSE_LEVEL]),
    )[:, 0]
    steps = np.maximum(np.nan_to_num(steps), 0.0).astype(np.int64)
    per = max(1, _PATH_CELLS // max(1, n_paths * h))
    for lo in range(0, valid.size, per):
        idx = valid[lo : lo + per]
        m = np.maximum(mean[idx], 0.0)
        f = np.maximum(np.asarray(phi, dtype=float)[idx], 0.0)
        r = np.clip(np.asarray(rho, dtype=float)[idx], 0.0, MAX_RHO)
        bfac, s = _level_factor(f, r, n_paths, rng)
        # the dense walk's length grows with the mean: beyond a cap, gamma-Poisson is cheaper
        big = steps[lo : lo + per] > _MAX_DENSE_STEPS
        walk = np.flatnonzero(~big)
        if walk.size:
            st = steps[lo : lo + per][walk]
            _count_draws(m[walk], f[walk], bfac[walk], s[walk], st, rng, out, idx[walk], work)
        g = np.flatnonzero(big)
        if g.size:
            lam = np.broadcast_to(m[g][:, None, :], (g.size, n_paths, h)).copy()
            noisy = f[g] > 0
            if noisy.any():
                e = rng.gamma(s[g][noisy, None, None], 1.0, size=(int(noisy.sum()), n_paths, h))
                lam[noisy] = (f[g][noisy, None, None] * m[g][noisy][:, None, :]) * (
                    bfac[g][noisy][:, :, None] * e
                )
            out[idx[g]] = rng.poisson(lam)
    _finish_tail(out, work)
    cont = np.flatnonzero(ok & ~sz.count)
    if cont.size:
        out[cont] = _compound.draw(out[cont], sz.mean[cont], sz.cv2[cont], rng)
    if zi.size:  # each period of a zero-inflated item is 0 with probability pi
        keep = rng.random((zi.size, n_paths, h)) >= pi[zi, None, None]
        out[zi] = np.where(keep, out[zi], 0.0 * out[zi])
    return out

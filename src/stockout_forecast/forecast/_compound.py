"""Demand in any unit: a point mass at zero plus a continuous positive part (private module).

For an item whose quantities have decimals (kg, litres, metres) demand in a period is a
*compound* negative binomial: ``N`` demand occurrences, negative binomial with mean
``lam = m / s`` and dispersion ``phi`` (the count model of integer demand), each of a
gamma-distributed size with mean ``s`` and squared coefficient of variation ``c``::

    Y = G_1 + ... + G_N,   G_j ~ Gamma(1 / c, scale s c),   Y = 0 when N = 0

So ``P(Y = 0) = P(N = 0)`` -- the point mass at zero -- and given ``N = n >= 1`` the demand
is ``Gamma(n / c, scale s c)``, continuous. Its mean is ``m`` and::

    Var[Y] = s (1 + c) m + phi m**2

the negative binomial's ``m + phi m**2`` with the unit ``1`` replaced by ``s (1 + c)``.
Integer demand is the case ``s = 1``, ``c = 0`` (every occurrence one unit). With
``phi = 0`` and Poisson occurrences this is the Tweedie distribution with power between 1
and 2 (Jorgensen 1987), the usual model of zero-heavy continuous quantities.

CDF: ``F(y) = sum_n P(N = n) P(Gamma(n / c, s c) <= y)``, the sum over ``n`` truncated at
the occurrence count's ``1 - 1e-10`` quantile; cells whose truncation would exceed
``MAX_TERMS`` terms (a mean of hundreds of occurrences, where ``P(Y = 0)`` is nil) use the
gamma distribution with the same mean and variance instead. Quantiles invert the CDF by
bisection (60 halvings of a bracket found by doubling).

References
----------
Jorgensen, B. (1987). Exponential dispersion models. *Journal of the Royal Statistical
Society B* 49(2), 127-162. Smyth, G. K. & Jorgensen, B. (2002). Fitting Tweedie's compound
Poisson model to insurance claims data. *ASTIN Bulletin* 32(1), 143-157.
"""

from __future__ import annotations

import numpy as np
from scipy import special, stats

__all__: list[str] = []

#: most occurrence counts summed per cell; beyond, the hurdle approximation of :class:`_Cdf`
MAX_TERMS = 400
#: tail mass of the occurrence count that may be left out of the sum
_TAIL = 1e-7
#: cells evaluated together (memory ~ cells x terms x 8 bytes)
_CHUNK = 8192


def _occurrence_pmf(lam: np.ndarray, phi: np.ndarray, n_terms: int) -> np.ndarray:
    """P(N = n), n = 0..n_terms-1, per cell: negative binomial (Poisson at phi = 0).

    By the recurrence ``P(n) = P(n - 1) (1 / phi + n - 1) / n * phi lam / (1 + phi lam)``
    (Poisson: ``lam / n``), in logarithms.
    """
    n = np.arange(1, n_terms, dtype=float)[None, :]
    lam = lam[:, None]
    phi = phi[:, None]
    with np.errstate(divide="ignore", invalid="ignore"):
        inv = 1.0 / np.where(phi > 0, phi, 1.0)
        x = phi * lam
        log_p0 = np.where(phi > 0, -inv * np.log1p(x), -lam)
        step = np.where(
            phi > 0,
            np.log((inv + n - 1.0) / n) + np.log(x / (1.0 + x)),
            np.log(lam) - np.log(n),
        )
    logp = np.concatenate([log_p0, log_p0 + np.cumsum(step, axis=1)], axis=1)
    return np.exp(logp)


def _n_terms(lam: np.ndarray, phi: np.ndarray) -> np.ndarray:
    """Occurrence counts to sum per cell: through the count's ``1 - _TAIL`` quantile.

    Cells whose quantile is beyond ``MAX_TERMS`` (their CDF at ``MAX_TERMS`` is below
    ``1 - _TAIL``) get ``MAX_TERMS + 1`` without the quantile search, which is slow for
    a negative binomial of large mean and dispersion; only ``> MAX_TERMS`` matters for them.
    """
    lam = np.maximum(np.asarray(lam, dtype=float), 0.0)
    phi = np.asarray(phi, dtype=float)
    top = np.zeros(lam.shape)
    pos = lam > 0
    nb = pos & (phi > 0)
    if nb.any():
        r = 1.0 / phi[nb]
        p = r / (r + lam[nb])
        long = stats.nbinom.cdf(MAX_TERMS, r, p) < 1.0 - _TAIL
        q = np.full(r.shape, float(MAX_TERMS + 1))
        q[~long] = stats.nbinom.ppf(1.0 - _TAIL, r[~long], p[~long])
        top[nb] = q
    po = pos & ~(phi > 0)
    if po.any():
        top[po] = stats.poisson.ppf(1.0 - _TAIL, lam[po])
    return np.nan_to_num(top, nan=float(MAX_TERMS + 1)).astype(np.int64) + 2


class _Cdf:
    """``F(y)`` and its density for a block of cells, the occurrence probabilities computed once.

    Cells whose sum would need more than ``MAX_TERMS`` terms (or lose more than ``_TAIL``
    of mass to the truncation) use the exact point mass at zero and a gamma positive part
    with the exact conditional mean and variance of ``Y`` given ``Y > 0`` (the sum of many
    occurrences is close to a gamma).
    """

    def __init__(self, m: np.ndarray, phi: np.ndarray, s: np.ndarray, c: np.ndarray) -> None:
        self.m, self.phi, self.s, self.c = m, phi, s, c
        lam = np.where(m > 0, m / s, 0.0)
        terms = _n_terms(lam, phi)
        self.big = terms > MAX_TERMS
        k = int(min(terms.max(initial=1), MAX_TERMS))
        p = _occurrence_pmf(np.where(self.big, 0.0, lam), phi, k)
        cum = np.cumsum(p, axis=1)
        self.big |= cum[:, -1] < 1.0 - _TAIL
        # drop the columns that no cell of the block needs (tail mass below _TAIL / 10)
        need = np.where(self.big, 1, np.argmax(cum >= 1.0 - 0.1 * _TAIL, axis=1) + 1)
        need = np.where(~self.big & (cum[:, -1] < 1.0 - 0.1 * _TAIL), k, need)
        k = max(int(need.max(initial=1)), 2)
        self.p = p[:, :k]
        self.p[self.big] = 0.0
        self.n = np.arange(k, dtype=float)[None, :]
        self.shape = np.maximum(self.n / c[:, None], 1e-300)  # column 0 unused
        self.scale = s * c
        with np.errstate(invalid="ignore", divide="ignore"):
            self.log_norm = special.gammaln(self.shape) + self.shape * np.log(self.scale)[:, None]
        self.p0 = compound_p0(m, phi, s)
        var = s * (1.0 + c) * m + phi * m * m
        with np.errstate(invalid="ignore", divide="ignore"):
            pos = np.maximum(1.0 - self.p0, 1e-300)
            cm = m / pos
            cvar = np.maximum((var + m * m) / pos - cm * cm, 1e-12 * cm * cm)
        self.g_shape = np.where(self.big, cm * cm / cvar, 1.0)
        self.g_rate = np.where(self.big, cm / cvar, 1.0)

    def __call__(self, y: np.ndarray, rows: np.ndarray | slice = slice(None)) -> np.ndarray:
        """``F(y)`` for the cells ``rows`` of the block (``y`` one value per cell)."""
        y = np.maximum(y, 0.0)
        k = self._cols(y, rows)
        p, shape, scale = self.p[rows, :k], self.shape[rows, :k], self.scale[rows]
        p0, big, m = self.p0[rows], self.big[rows], self.m[rows]
        with np.errstate(invalid="ignore", divide="ignore"):
            g = special.gammainc(shape[:, 1:], (y / scale)[:, None])
            # the occurrence counts left out have P(Gamma(n / c) <= y / (s c)) ~ 0 (<1e-12)
            exact = p[:, 0] + (p[:, 1:] * g).sum(axis=1)
            hurdle = p0 + (1.0 - p0) * special.gammainc(self.g_shape[rows], y * self.g_rate[rows])
        out = np.where(big, hurdle, exact)
        return np.where(m > 0, np.minimum(out, 1.0), 1.0)

    def density(self, y: np.ndarray, rows: np.ndarray | slice = slice(None)) -> np.ndarray:
        """The density of the positive part at ``y > 0`` for the cells ``rows``."""
        y = np.maximum(y, 1e-300)
        k = self._cols(y, rows)
        p, shape, scale = self.p[rows, :k], self.shape[rows, :k], self.scale[rows]
        with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
            ly = np.log(y)[:, None]
            logf = (shape[:, 1:] - 1.0) * ly - (y / scale)[:, None] - self.log_norm[rows, 1:k]
            exact = (p[:, 1:] * np.exp(logf)).sum(axis=1)
            a, r, p0 = self.g_shape[rows], self.g_rate[rows], self.p0[rows]
            hurdle = (1.0 - p0) * np.exp(
                a * np.log(r) + (a - 1.0) * np.log(y) - r * y - special.gammaln(a)
            )
        return np.where(self.big[rows], hurdle, exact)

    def _cols(self, y: np.ndarray, rows: np.ndarray | slice) -> int:
        """Columns (occurrence counts) that can matter at ``y``: ``n / c`` up to ``x + 12 sqrt(x) + 30``."""
        x = y / self.scale[rows]
        top = np.ceil((x + 12.0 * np.sqrt(x) + 30.0) * self.c[rows]) + 2
        return int(min(self.p.shape[1], max(2, np.nanmax(top, initial=2.0))))

    def start(self, q: np.ndarray) -> np.ndarray:
        """A first guess of the ``q`` quantile: that of the hurdle approximation."""
        u = np.clip((q - self.p0) / np.maximum(1.0 - self.p0, 1e-300), 1e-12, 1.0 - 1e-12)
        var = self.s * (1.0 + self.c) * self.m + self.phi * self.m * self.m
        with np.errstate(invalid="ignore", divide="ignore"):
            pos = np.maximum(1.0 - self.p0, 1e-300)
            cm = self.m / pos
            cvar = np.maximum((var + self.m**2) / pos - cm * cm, 1e-12 * cm * cm)
            return special.gammaincinv(cm * cm / cvar, u) * cvar / cm


def _blocks(terms: np.ndarray, todo: np.ndarray) -> list[np.ndarray]:
    """Cells of ``todo`` in blocks of similar term counts (so each block's table is tight).

    A block holds at most ``_CHUNK * 32`` table cells: fewer rows where the sums are long.
    """
    order = todo[np.argsort(terms[todo], kind="stable")]
    out, lo = [], 0
    while lo < order.size:
        k = int(min(terms[order[min(lo + _CHUNK, order.size) - 1]], MAX_TERMS))
        size = max(64, min(_CHUNK, (_CHUNK * 32) // max(k, 1)))
        out.append(order[lo : lo + size])
        lo += size
    return out


def compound_cdf(
    y: np.ndarray, m: np.ndarray, phi: np.ndarray, s: np.ndarray, c: np.ndarray
) -> np.ndarray:
    """``P(Y <= y)`` per cell (flat arrays of one length); ``P(Y = 0)`` at ``y = 0``."""
    y, m, phi, s, c = (np.asarray(v, dtype=float).ravel() for v in (y, m, phi, s, c))
    out = np.where(y < 0, 0.0, 1.0)
    todo = np.flatnonzero((y >= 0) & (m > 0))
    terms = _n_terms(np.where(m > 0, m / s, 0.0), phi)
    for idx in _blocks(terms, todo):
        out[idx] = _Cdf(m[idx], phi[idx], s[idx], c[idx])(y[idx])
    return out


def compound_p0(m: np.ndarray, phi: np.ndarray, s: np.ndarray) -> np.ndarray:
    """``P(Y = 0) = P(N = 0)``: ``(1 + phi m / s)**(-1 / phi)``, ``exp(-m / s)`` at phi 0."""
    m, phi, s = (np.asarray(v, dtype=float) for v in (m, phi, s))
    lam = np.maximum(m, 0.0) / s
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        nb = np.exp(-np.log1p(phi * lam) / np.where(phi > 0, phi, 1.0))
    return np.where(phi > 0, nb, np.exp(-lam))


def compound_quantile(
    m: np.ndarray, phi: np.ndarray, s: np.ndarray, c: np.ndarray, levels: np.ndarray
) -> np.ndarray:
    """Quantiles ``inf{y : F(y) >= q}`` per cell and level, shape (cells, n_levels).

    ``levels`` has shape (n_levels,), or (cells, n_levels) for levels per cell.

    0 where ``q <= P(Y = 0)``; otherwise the root of ``F(y) = q`` by Newton's method from
    the hurdle approximation's quantile, kept inside a bracket (bisection when a step leaves
    it). Cells with the same ``(m, phi, s, c)`` -- the mean taken to 3 significant digits,
    a relative change below 0.05 % -- are solved once (a flat forecast repeats its mean
    over the horizon, a weekly profile seven means).
    """
    m, phi, s, c = (np.asarray(v, dtype=float).ravel() for v in (m, phi, s, c))
    levels = np.asarray(levels, dtype=float)
    n_q = levels.shape[-1]
    out = np.full((m.size, n_q), np.nan)
    ok = np.isfinite(m) & np.isfinite(phi)
    if not ok.any():
        return out
    cols = [_round_sig(np.maximum(m[ok], 0.0)), phi[ok], s[ok], c[ok]]
    if levels.ndim == 2:  # levels per cell
        cols.extend(levels[ok].T)
    uniq, inv = np.unique(np.column_stack(cols), axis=0, return_inverse=True)
    um, uphi, us, uc = uniq.T[:4]
    lv = uniq[:, 4:] if levels.ndim == 2 else np.broadcast_to(levels, (uniq.shape[0], n_q))
    res = np.zeros((uniq.shape[0], n_q))
    p0 = compound_p0(um, uphi, us)
    need = (lv > p0[:, None]) & (um[:, None] > 0)
    rows = np.flatnonzero(need.any(axis=1))
    terms = _n_terms(np.where(um > 0, um / us, 0.0), uphi)
    for r in _blocks(terms, rows):
        cdf = _Cdf(um[r], uphi[r], us[r], uc[r])
        for j in range(n_q):
            res[r, j] = np.where(need[r, j], _newton(cdf, lv[r, j].copy()), 0.0)
    out[ok] = res[inv.ravel()]
    return out


def _newton(cdf: _Cdf, q: np.ndarray, iterations: int = 50) -> np.ndarray:
    """Root of ``F(y) = q`` per cell (``q > P(Y = 0)``): safeguarded Newton steps.

    Each step works on the cells not yet within 1e-10 of ``q`` in probability.
    """
    y = np.maximum(np.nan_to_num(cdf.start(q), nan=1.0), 1e-12)
    lo = np.zeros(y.size)
    hi = np.full(y.size, np.inf)
    act = np.arange(y.size)
    for _ in range(iterations):
        ya, qa = y[act], q[act]
        f = cdf(ya, act)
        below = f < qa
        lo[act] = np.where(below, ya, lo[act])
        hi[act] = np.where(below, hi[act], ya)
        la, ha = lo[act], hi[act]
        done = (np.abs(f - qa) <= 1e-10) | (np.isfinite(ha) & (ha - la <= 1e-10 * ha))
        act, ya, f, la, ha, qa = (v[~done] for v in (act, ya, f, la, ha, qa))
        if act.size == 0:
            break
        with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
            step = ya - (f - qa) / cdf.density(ya, act)
        outside = ~np.isfinite(step) | (step <= la) | (step >= ha)
        y[act] = np.where(outside, np.where(np.isfinite(ha), 0.5 * (la + ha), 2.0 * ya), step)
    return y


def _round_sig(x: np.ndarray, digits: int = 3) -> np.ndarray:
    """``x`` rounded to ``digits`` significant digits (0 stays 0)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        e = np.floor(np.log10(np.where(x > 0, x, 1.0)))
    f = 10.0 ** (digits - 1 - e)
    return np.where(x > 0, np.round(x * f) / f, x)


def compound_pit_bounds(
    y: np.ndarray, m: np.ndarray, phi: np.ndarray, s: np.ndarray, c: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """``(F(y-), F(y))`` per cell: ``(0, P(Y = 0))`` at ``y = 0``, ``(F(y), F(y))`` above."""
    y = np.maximum(np.asarray(y, dtype=float).ravel(), 0.0)
    hi = compound_cdf(y, m, phi, s, c)
    lo = np.where(y > 0, hi, 0.0)
    return lo, hi


def draw(n: np.ndarray, s: np.ndarray, c: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Demand given the occurrence counts ``n`` (items, paths, horizon): Gamma(n / c, s c).

    ``s`` and ``c`` per item (axis 0). Cells with ``n = 0`` (or NaN) stay 0 (NaN).
    """
    out = np.zeros(n.shape)
    out[np.isnan(n)] = np.nan
    pos = np.nan_to_num(n) > 0
    if pos.any():
        shape = np.broadcast_to((1.0 / c)[:, None, None], n.shape)[pos] * n[pos]
        scale = np.broadcast_to((s * c)[:, None, None], n.shape)[pos]
        out[pos] = rng.gamma(shape, scale)
    return out

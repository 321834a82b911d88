"""Private array kernels of the forecasting models.

Every kernel takes the whole item x period panel at once:

* ``y`` -- float64 array of shape ``(n_items, T)``, demand per period, **0 at unobserved
  periods** (use :func:`prepare_panel`);
* ``mask`` -- bool array of the same shape, ``True`` where demand was observed (active,
  in stock, not a suspected stock-out).

Kernels loop over time only; each step is a handful of numpy operations over all items.
At an unobserved period the state is carried forward unchanged (the period is skipped, as
if it did not exist), never updated with zero. Smoothing parameters are arrays of shape
``(n_items,)`` -- one value per item -- or ``(n_items, G)`` to evaluate ``G`` candidate
parameter values for every item in the same pass (used by :func:`grid_search`); the state
then has shape ``(n_items, G)`` and only the in-sample sum of squared one-step errors is
returned.

The initialisation conventions are part of each kernel's docstring and are tested against
hand-written per-item recursions and statsmodels in ``tests/test_models_oracle.py``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

import numpy as np

__all__: list[str] = []

# Bounds of multiplicative seasonal indices and of the level used as a divisor: keep the
# multiplicative recursions finite on count data with long zero runs (never binding on
# series well away from zero, e.g. in the statsmodels oracle tests).
SEASON_FLOOR = 1e-3
SEASON_CEIL = 1e3
LEVEL_FLOOR = 1e-6
#: precision of the grid-search passes (see :func:`_columns`)
GRID_DTYPE = np.float32


class KernelResult(NamedTuple):
    """What a kernel returns.

    ``fitted`` (n_items, T) one-step-ahead forecasts (``None`` when the parameters were a
    grid), ``state`` the final state arrays by name, ``sse`` the per-item sum of squared
    one-step errors over the periods that count for fitting (shape of the parameters).
    """

    fitted: np.ndarray | None
    state: dict[str, np.ndarray]
    sse: np.ndarray


# --------------------------------------------------------------------------- helpers
def prepare_panel(units: np.ndarray, observed: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return ``(y, mask)``: demand with 0 at unobserved periods, negatives clipped to 0.

    Net negative demand (more returns than sales in a period) is treated as 0 demand: a
    return is not negative demand. The inputs are not modified.
    """
    units = np.asarray(units, dtype=np.float64)
    mask = np.asarray(observed, dtype=bool) & np.isfinite(units)
    y = np.where(mask, units, 0.0)
    np.maximum(y, 0.0, out=y)
    return y, mask


def first_index(flags: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per row: index of the first ``True`` and whether there is one (index T if none)."""
    has = np.asarray(flags.any(axis=1), dtype=bool)
    if flags.shape[1] == 0:
        return np.zeros(flags.shape[0], dtype=np.int64), has
    idx = np.where(has, np.argmax(flags, axis=1), flags.shape[1])
    return idx, has


def _params(n: int, *params: np.ndarray | float) -> tuple[tuple[int, ...], list[np.ndarray]]:
    """Broadcast parameters to a common shape ``(n,)`` or ``(n, G)``."""
    arrs = [np.asarray(p, dtype=np.float64) for p in params]
    two_d = any(a.ndim == 2 for a in arrs)
    if two_d:
        arrs = [a[:, None] if a.ndim == 1 else a for a in arrs]
    shape = np.broadcast_shapes((n, 1) if two_d else (n,), *[a.shape for a in arrs])
    if shape[0] != n or len(shape) > 2:
        raise ValueError(f"parameters must have shape (n_items,) or (n_items, G); got {shape}.")
    dtype = _dtype(shape)
    return shape, [np.ascontiguousarray(np.broadcast_to(a, shape), dtype=dtype) for a in arrs]


class Columns:
    """Time-major copies of ``(y, mask)``, made once and shared by repeated kernel runs.

    ``get(ndim)`` returns ``(yt, mt)`` of shape (T, n) -- or (T, n, 1) for a parameter grid
    (``ndim == 2``) -- so that one period is a contiguous row. Grid copies are float32:
    the grid only ranks candidate parameters by their error sums, and single precision
    halves the memory traffic of the hot loop. Final fits run in float64.
    """

    def __init__(self, y: np.ndarray, mask: np.ndarray) -> None:
        self.y, self.mask = y, mask
        self._cache: dict[Any, Any] = {}

    def get(self, ndim: int) -> tuple[np.ndarray, np.ndarray]:
        """``(yt, mt)`` for parameters of ``ndim`` dimensions."""
        key = ("ym", ndim)
        if key not in self._cache:
            dtype = GRID_DTYPE if ndim == 2 else np.float64
            yt = np.ascontiguousarray(self.y.T, dtype=dtype)
            mt = np.ascontiguousarray(self.mask.T, dtype=dtype)
            if ndim == 2:
                yt, mt = yt[:, :, None], mt[:, :, None]
            self._cache[key] = (yt, mt)
        return self._cache[key]

    def demand(self, ndim: int) -> np.ndarray:
        """Time-major 0/1 indicator of an observed positive demand."""
        key = ("d", ndim)
        if key not in self._cache:
            yt, mt = self.get(ndim)
            self._cache[key] = (yt > 0) * mt
        return self._cache[key]


def _columns(
    y: np.ndarray, mask: np.ndarray, ndim: int, cols: Columns | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Time-major copies (see :class:`Columns`), from ``cols`` when given."""
    return (cols if cols is not None else Columns(y, mask)).get(ndim)


def _state0(value: np.ndarray | float, shape: tuple[int, ...]) -> np.ndarray:
    """A writable state array of ``shape`` from an (n,) initial value (float32 for grids)."""
    v = np.asarray(value, dtype=np.float64)
    if v.ndim == 1 and len(shape) == 2:
        v = v[:, None]
    return np.array(np.broadcast_to(v, shape), dtype=_dtype(shape))


def _dtype(shape: tuple[int, ...]) -> np.dtype[Any]:
    return np.dtype(GRID_DTYPE if len(shape) == 2 else np.float64)


def first_observed_value(y: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Per item, the first observed value (0 when nothing is observed)."""
    idx, has = first_index(mask)
    out = np.zeros(y.shape[0])
    rows = np.flatnonzero(has)
    out[rows] = y[rows, idx[rows]]
    return out


# --------------------------------------------------------------------------- naive family
def naive(y: np.ndarray, mask: np.ndarray) -> KernelResult:
    """Naive: the forecast is the last observed value.

    ``fitted[:, t]`` is the last observed value before ``t`` (NaN before the first
    observed period); state ``level`` is the last observed value (0 if none).
    """
    n, t_len = y.shape
    yt, mt = _columns(y, mask, 1)
    obs = mt.astype(bool)
    fitted = np.full((t_len, n), np.nan)
    level = np.full(n, np.nan)
    for t in range(t_len):
        fitted[t] = level
        np.copyto(level, yt[t], where=obs[t])
    return KernelResult(fitted.T, {"level": np.nan_to_num(level)}, _sse(yt, mt, fitted))


def _sse(yt: np.ndarray, mt: np.ndarray, fitted: np.ndarray) -> np.ndarray:
    """Per-item sum over observed periods of squared one-step errors (NaN forecasts skipped)."""
    e = yt - fitted
    e *= e
    e *= mt
    return np.nansum(e, axis=0)


def seasonal_naive(y: np.ndarray, mask: np.ndarray, season_length: int) -> KernelResult:
    """Seasonal naive: the forecast is the last observed value of the same season phase.

    The phase of period ``t`` is ``t % season_length`` (the panel starts at phase 0).
    State ``season`` (season_length, n) holds the last observed value per phase, NaN for
    phases never observed; ``last`` is the last observed value of any phase.
    """
    n, t_len = y.shape
    m = int(season_length)
    yt, mt = _columns(y, mask, 1)
    obs = mt.astype(bool)
    fitted = np.full((t_len, n), np.nan)
    season = np.full((m, n), np.nan)
    last = np.full(n, np.nan)
    for t in range(t_len):
        p = t % m
        fitted[t] = season[p]
        np.copyto(season[p], yt[t], where=obs[t])
        np.copyto(last, yt[t], where=obs[t])
    return KernelResult(fitted.T, {"season": season, "last": last}, _sse(yt, mt, fitted))


def moving_average(y: np.ndarray, mask: np.ndarray, window: int) -> KernelResult:
    """Moving average of the last ``window`` *observed* values (unobserved ones are skipped).

    ``fitted[:, t]`` averages the last ``min(window, k)`` observed values before ``t``
    where ``k`` is how many there are (NaN when ``k = 0``). A ring buffer per item holds
    the last ``window`` observed values; state ``mean`` is the final average.
    """
    n, t_len = y.shape
    w = int(window)
    yt, mt = _columns(y, mask, 1)
    obs = mt.astype(bool)
    buf = np.zeros((n, w))
    ptr = np.zeros(n, dtype=np.int64)
    cnt = np.zeros(n)
    total = np.zeros(n)
    fitted = np.full((t_len, n), np.nan)
    for t in range(t_len):
        np.divide(total, cnt, out=fitted[t], where=cnt > 0)
        rows = np.flatnonzero(obs[t])
        if rows.size:
            slot = ptr[rows]
            new = yt[t, rows]
            total[rows] += new - buf[rows, slot]
            buf[rows, slot] = new
            ptr[rows] = (slot + 1) % w
            cnt[rows] = np.minimum(cnt[rows] + 1, w)
    # re-sum the buffer once to remove floating drift from the running total
    mean = np.zeros(n)
    np.divide(buf.sum(axis=1), cnt, out=mean, where=cnt > 0)
    return KernelResult(fitted.T, {"mean": mean, "count": cnt}, _sse(yt, mt, fitted))


def historic_average(y: np.ndarray, mask: np.ndarray) -> KernelResult:
    """Expanding mean of the *observed* values (cumulative sums, no loop over time).

    ``fitted[:, t]`` is the mean of the observed values before ``t`` (NaN when there are
    none); state ``mean`` is the mean of all observed values (0 if none), ``count`` their
    number.
    """
    w = mask.astype(np.float64)
    csum = np.cumsum(y * w, axis=1)
    ccnt = np.cumsum(w, axis=1)
    n, t_len = y.shape
    fitted = np.full((n, t_len), np.nan)
    if t_len > 1:
        with np.errstate(invalid="ignore", divide="ignore"):
            fitted[:, 1:] = np.where(ccnt[:, :-1] > 0, csum[:, :-1] / ccnt[:, :-1], np.nan)
    total = csum[:, -1] if t_len else np.zeros(n)
    cnt = ccnt[:, -1] if t_len else np.zeros(n)
    mean = np.zeros(n)
    np.divide(total, cnt, out=mean, where=cnt > 0)
    e = np.where(mask & np.isfinite(fitted), y - np.nan_to_num(fitted), 0.0)
    return KernelResult(fitted, {"mean": mean, "count": cnt}, (e * e).sum(axis=1))


# --------------------------------------------------------------------------- exponential smoothing
def ses(
    y: np.ndarray,
    mask: np.ndarray,
    alpha: np.ndarray,
    level0: np.ndarray | None = None,
    *,
    cols: Columns | None = None,
) -> KernelResult:
    """Simple exponential smoothing, ``l_t = l_{t-1} + alpha * (y_t - l_{t-1})``.

    Initialisation: ``level0`` is the level *before* period 0; by default each item's first
    observed value, so that the first observed period leaves it unchanged. Unobserved
    periods leave the level unchanged. ``fitted[:, t] = l_{t-1}``; ``sse`` sums
    ``(y_t - l_{t-1})^2`` over observed periods.
    """
    n, t_len = y.shape
    shape, (a,) = _params(n, alpha)
    grid = len(shape) == 2
    yt, mt = _columns(y, mask, len(shape), cols)
    lvl = _state0(first_observed_value(y, mask) if level0 is None else level0, shape)
    sse = np.zeros(shape, _dtype(shape))
    fitted = None if grid else np.empty((t_len, n))
    e = np.empty(shape, _dtype(shape))
    tmp = np.empty(shape, _dtype(shape))
    for t in range(t_len):
        if fitted is not None:
            fitted[t] = lvl
        np.subtract(yt[t], lvl, out=e)
        e *= mt[t]
        np.multiply(e, e, out=tmp)
        sse += tmp
        e *= a
        lvl += e
    return KernelResult(None if fitted is None else fitted.T, {"level": lvl}, sse)


def holt_winters(
    y: np.ndarray,
    mask: np.ndarray,
    alpha: np.ndarray,
    beta: np.ndarray | float = 0.0,
    gamma: np.ndarray | float = 0.0,
    phi: np.ndarray | float = 1.0,
    *,
    level0: np.ndarray,
    trend0: np.ndarray | float = 0.0,
    season0: np.ndarray | None = None,
    seasonal: str | None = None,
    trend: bool = True,
    cols: Columns | None = None,
) -> KernelResult:
    """Holt's linear / damped trend and Holt-Winters seasonal smoothing (statsmodels form).

    With ``f_t = l_{t-1} + phi * b_{t-1}`` and ``s = s_{t-m}`` (the season index of the
    phase ``t % m``), an observed period updates

    * additive: ``l_t = alpha (y_t - s) + (1 - alpha) f_t``,
      ``s_t = gamma (y_t - f_t) + (1 - gamma) s``, forecast ``f_t + s``;
    * multiplicative: ``l_t = alpha y_t / s + (1 - alpha) f_t``,
      ``s_t = gamma y_t / f_t + (1 - gamma) s``, forecast ``f_t * s``;
    * both: ``b_t = beta (l_t - l_{t-1}) + (1 - beta) phi b_{t-1}``.

    ``seasonal=None`` drops ``s`` (Holt); ``trend=False`` drops ``b`` (SES with seasons).
    These are statsmodels' ``ExponentialSmoothing`` recursions with ``beta`` its
    ``smoothing_trend`` and ``gamma`` its ``smoothing_seasonal``. An unobserved period
    leaves ``l``, ``b`` and every ``s`` unchanged. ``level0``/``trend0`` are the states
    before period 0 and ``season0`` (m, n) the season indices of the phases ``0..m-1``
    (statsmodels' ``initial_seasonal``). Multiplicative indices are kept in
    [1e-3, 1e3] and the divisor ``f_t`` at least 1e-6 so that long zero runs cannot
    produce inf/NaN.
    """
    n, t_len = y.shape
    shape, (a, b_, g, ph) = _params(n, alpha, beta, gamma, phi)
    grid = len(shape) == 2
    yt, mt = _columns(y, mask, len(shape), cols)
    lvl = _state0(level0, shape)
    trd = _state0(trend0, shape) if trend else np.zeros(shape, _dtype(shape))
    mul = seasonal == "mul"
    if seasonal is not None:
        if season0 is None:
            raise ValueError("season0 is required for a seasonal model.")
        s0 = np.asarray(season0, dtype=np.float64)
        m = s0.shape[0]
        season: np.ndarray | None = np.array(
            np.broadcast_to(s0[:, :, None] if grid else s0, (m, *shape)), dtype=_dtype(shape)
        )
    else:
        m = 1
        season = None
    sse = np.zeros(shape, _dtype(shape))
    fitted = None if grid else np.empty((t_len, n))
    # On an observed period (e = y - forecast): l += phi b + alpha e [/ s];
    # b_new = beta (l_new - l) + (1 - beta) phi b = phi b + alpha beta e [/ s], i.e.
    # b *= 1 + (phi - 1) mk; b += alpha beta e [/ s]  (mk = 1 observed, 0 not: unchanged).
    ab = a * b_
    phm1 = ph - 1.0
    pb, f0, f, e, tmp, es = (np.empty(shape, _dtype(shape)) for _ in range(6))
    for t in range(t_len):
        yv, mk = yt[t], mt[t]
        if trend:
            np.multiply(ph, trd, out=pb)
            np.add(lvl, pb, out=f0)
        else:
            f0[...] = lvl
        if season is None:
            f[...] = f0
        else:
            s = season[t % m]
            if mul:
                np.multiply(f0, s, out=f)
            else:
                np.add(f0, s, out=f)
        if fitted is not None:
            fitted[t] = f
        np.subtract(yv, f, out=e)
        e *= mk
        np.multiply(e, e, out=tmp)
        sse += tmp
        if mul:
            np.divide(e, s, out=es)
        else:
            es = e
        if trend:
            np.multiply(pb, mk, out=tmp)
            lvl += tmp
            np.multiply(phm1, mk, out=tmp)
            tmp *= trd
            trd += tmp
            np.multiply(ab, es, out=tmp)
            trd += tmp
        np.multiply(a, es, out=tmp)
        lvl += tmp
        if season is not None:
            if mul:
                np.maximum(f0, LEVEL_FLOOR, out=f0)
                np.divide(e, f0, out=tmp)
                tmp *= g
                s += tmp
                np.clip(s, SEASON_FLOOR, SEASON_CEIL, out=s)
            else:
                np.multiply(g, e, out=tmp)
                s += tmp
    state = {"level": lvl, "trend": trd}
    if season is not None:
        state["season"] = season
    return KernelResult(None if fitted is None else fitted.T, state, sse)


def holt_winters_predict(
    state: dict[str, np.ndarray],
    phi: np.ndarray,
    horizon: int,
    *,
    n_periods: int,
    seasonal: str | None,
) -> np.ndarray:
    """Mean path ``l + (phi + ... + phi^h) b`` (+ or x the season index of each future phase)."""
    lvl, trd = state["level"], state["trend"]
    h = np.arange(1, horizon + 1)
    phi = np.asarray(phi, dtype=np.float64).reshape(-1, 1)
    damp = np.cumsum(phi ** h[None, :], axis=1)  # (n, h): phi + ... + phi^h
    base = lvl[:, None] + damp * trd[:, None]
    if seasonal is None:
        return base
    season = state["season"]
    m = season.shape[0]
    phases = (n_periods - 1 + h) % m
    s = season[phases].T  # (n, h)
    return base * s if seasonal == "mul" else base + s


def rowwise_matmul(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``a @ b`` computed item by item (one small product per row of ``a``).

    A plain matrix product lets BLAS tile the rows, and a row's last bits then depend on
    where it falls in the tiles, i.e. on the other items in the batch. Row by row, an
    item's result is the same in any batch: a chunk of items gets the numbers of a run
    over all of them (about as fast at these shapes).

    >>> a = np.arange(6.0).reshape(2, 3)
    >>> rowwise_matmul(a, np.ones((3, 2)))
    array([[ 3.,  3.],
           [12., 12.]])
    """
    return np.matmul(a[:, None, :], b)[:, 0, :]


def seasonal_init(
    y: np.ndarray,
    mask: np.ndarray,
    season_length: int,
    seasonal: str,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Initial level and season indices from each item's first one or two seasons.

    The window starts at the item's first observed period and spans two seasons when at
    least two seasons of periods follow it, else one. ``level0`` is the mean of the
    observed values in the window; the index of phase ``p`` is the mean of the observed
    values of that phase minus ``level0`` (additive) or divided by ``level0``
    (multiplicative); phases without an observation get the neutral index (0 or 1); the
    indices are then centred (mean 0) or normalised (mean 1). Returns ``(level0, season0
    (m, n), ok)`` where ``ok`` is False for items with fewer than ``season_length``
    periods from their first observation to the end, or no observation at all (their
    indices are neutral).
    """
    t_len = y.shape[1]
    m = int(season_length)
    first, has = first_index(mask)
    span = t_len - first
    k = np.where(span >= 2 * m, 2, 1)
    t = np.arange(t_len)
    in_win = (t[None, :] >= first[:, None]) & (t[None, :] < (first + k * m)[:, None]) & mask
    w = in_win.astype(np.float64)
    cnt = w.sum(axis=1)
    level0 = np.where(cnt > 0, (y * w).sum(axis=1) / np.maximum(cnt, 1), 0.0)
    onehot = np.zeros((t_len, m))
    onehot[t, t % m] = 1.0
    p_sum = rowwise_matmul(y * w, onehot)  # (n, m)
    p_cnt = rowwise_matmul(w, onehot)
    ok = has & (span >= m)
    with np.errstate(invalid="ignore", divide="ignore"):
        p_mean = np.where(p_cnt > 0, p_sum / np.maximum(p_cnt, 1), np.nan)
    if seasonal == "add":
        s = np.nan_to_num(p_mean - level0[:, None], nan=0.0)
        s -= s.mean(axis=1, keepdims=True)
        s[~ok] = 0.0
    else:
        with np.errstate(invalid="ignore", divide="ignore"):
            s = np.where(level0[:, None] > 0, p_mean / level0[:, None], 1.0)
        s = np.nan_to_num(s, nan=1.0)
        s = np.clip(s, SEASON_FLOOR, SEASON_CEIL)
        s /= s.mean(axis=1, keepdims=True)
        s[~ok] = 1.0
    return level0, np.ascontiguousarray(s.T), ok


# --------------------------------------------------------------------------- intermittent demand
def intermittent_init(y: np.ndarray, mask: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Croston-family initial state: ``(size0, interval0, has_demand)``.

    ``size0`` is the first positive observed demand; ``interval0`` is its position among
    the item's *observed* periods counted from 1 (a first sale in the third observed period
    gives 3): as if a demand had occurred just before the first observed period. Items with
    no positive demand get ``size0 = 0``, ``interval0 = 1``.
    """
    pos = (y > 0) & mask
    idx, has = first_index(pos)
    obs_count = np.cumsum(mask, axis=1)
    rows = np.flatnonzero(has)
    size0 = np.zeros(y.shape[0])
    interval0 = np.ones(y.shape[0])
    size0[rows] = y[rows, idx[rows]]
    interval0[rows] = obs_count[rows, idx[rows]]
    return size0, interval0, has


def croston(
    y: np.ndarray,
    mask: np.ndarray,
    alpha: np.ndarray,
    *,
    sba: bool = False,
    size0: np.ndarray | None = None,
    interval0: np.ndarray | None = None,
    cols: Columns | None = None,
) -> KernelResult:
    """Croston's method: smooth demand sizes and inter-demand intervals separately.

    On an observed period with positive demand ``y_t`` after ``q`` observed periods since
    the previous demand (``q`` counts this one): ``z <- z + alpha (y_t - z)``,
    ``p <- p + alpha (q - p)``. The one-step forecast is ``z / p``, times
    ``1 - alpha / 2`` when ``sba`` (Syntetos-Boylan approximation). Unobserved periods are skipped: they
    neither update ``z``/``p`` nor count in ``q``. Initial state as in
    :func:`intermittent_init` (then the first demand leaves it unchanged). ``sse`` counts the
    observed periods after the first positive demand.
    """
    n, t_len = y.shape
    shape, (a,) = _params(n, alpha)
    grid = len(shape) == 2
    s0, p0, _ = intermittent_init(y, mask)
    z = _state0(s0 if size0 is None else size0, shape)
    p = _state0(p0 if interval0 is None else interval0, shape)
    cols = cols if cols is not None else Columns(y, mask)
    yt, mt = cols.get(len(shape))
    dt = cols.demand(len(shape))
    q = np.zeros(shape, _dtype(shape))
    seen = np.zeros(shape[:1] + (1,) * (len(shape) - 1), _dtype(shape))
    sse = np.zeros(shape, _dtype(shape))
    fitted = None if grid else np.empty((t_len, n))
    factor = 1.0 - a / 2.0 if sba else np.ones(shape, _dtype(shape))
    f, e, w, tmp = (np.empty(shape, _dtype(shape)) for _ in range(4))
    for t in range(t_len):
        np.divide(z, p, out=f)
        f *= factor
        if fitted is not None:
            fitted[t] = f
        mk, d, yv = mt[t], dt[t], yt[t]
        np.multiply(mk, seen, out=w)
        np.subtract(yv, f, out=e)
        e *= w
        e *= e
        sse += e
        q += mk
        # z += alpha d (y - z); p += alpha d (q - p); q = 0 where d
        np.multiply(a, d, out=w)
        np.subtract(yv, z, out=tmp)
        tmp *= w
        z += tmp
        np.subtract(q, p, out=tmp)
        tmp *= w
        p += tmp
        q *= 1.0 - d
        np.maximum(seen, d, out=seen)
    return KernelResult(None if fitted is None else fitted.T, {"size": z, "interval": p}, sse)


def tsb(
    y: np.ndarray,
    mask: np.ndarray,
    alpha: np.ndarray,
    beta: np.ndarray,
    *,
    size0: np.ndarray | None = None,
    prob0: np.ndarray | None = None,
    cols: Columns | None = None,
) -> KernelResult:
    """Teunter-Syntetos-Babai: smooth the demand probability every period, the size on demand.

    On every observed period ``d <- d + beta (1[y_t > 0] - d)``; on an observed period with
    positive demand also ``z <- z + alpha (y_t - z)``. The forecast is ``d * z``. Initial
    state: ``z0`` the first positive demand, ``d0 = 1 / interval0`` of
    :func:`intermittent_init`. Unobserved periods change nothing. ``sse`` counts the
    observed periods after the first positive demand.
    """
    n, t_len = y.shape
    shape, (a, b_) = _params(n, alpha, beta)
    grid = len(shape) == 2
    s0, p0, _ = intermittent_init(y, mask)
    z = _state0(s0 if size0 is None else size0, shape)
    d_ = _state0(1.0 / p0 if prob0 is None else prob0, shape)
    cols = cols if cols is not None else Columns(y, mask)
    yt, mt = cols.get(len(shape))
    dt = cols.demand(len(shape))
    seen = np.zeros(shape[:1] + (1,) * (len(shape) - 1), _dtype(shape))
    sse = np.zeros(shape, _dtype(shape))
    fitted = None if grid else np.empty((t_len, n))
    f, e, w, tmp = (np.empty(shape, _dtype(shape)) for _ in range(4))
    for t in range(t_len):
        np.multiply(d_, z, out=f)
        if fitted is not None:
            fitted[t] = f
        mk, d, yv = mt[t], dt[t], yt[t]
        np.multiply(mk, seen, out=w)
        np.subtract(yv, f, out=e)
        e *= w
        e *= e
        sse += e
        # z += alpha d (y - z) ; prob += beta mk (d - prob)
        np.multiply(a, d, out=w)
        np.subtract(yv, z, out=tmp)
        tmp *= w
        z += tmp
        np.multiply(b_, mk, out=w)
        np.subtract(d, d_, out=tmp)
        tmp *= w
        d_ += tmp
        np.maximum(seen, d, out=seen)
    return KernelResult(None if fitted is None else fitted.T, {"size": z, "prob": d_}, sse)


def aggregate(y: np.ndarray, mask: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray, int]:
    """Non-overlapping temporal aggregation into buckets of ``k`` periods, aligned to the end.

    Buckets are ``[r + j k, r + (j + 1) k)`` with ``r = T mod k`` (the first ``r`` periods
    are dropped so the last bucket ends with the last period). A bucket's demand is ``k``
    times the mean over its observed periods; it counts as observed when at least half of
    its periods (``ceil(k / 2)``) are. Returns ``(y_agg, mask_agg, r)``.
    """
    n, t_len = y.shape
    nb = t_len // k
    r = t_len - nb * k
    yy = (y[:, r:] * mask[:, r:]).reshape(n, nb, k).sum(axis=2)
    cnt = mask[:, r:].reshape(n, nb, k).sum(axis=2)
    magg = cnt >= (k + 1) // 2
    with np.errstate(invalid="ignore", divide="ignore"):
        yagg = np.where(magg, yy * k / np.maximum(cnt, 1), 0.0)
    return yagg, magg, r


# --------------------------------------------------------------------------- yearly profile
def fourier_terms(day_of_year: np.ndarray, harmonics: int) -> np.ndarray:
    """``[sin(2 pi j d / 365.25), cos(2 pi j d / 365.25)]`` for ``j = 1..harmonics``."""
    ang = 2.0 * np.pi * np.asarray(day_of_year, dtype=np.float64)[:, None] / 365.25
    j = np.arange(1, harmonics + 1)[None, :]
    return np.concatenate([np.sin(ang * j), np.cos(ang * j)], axis=1)


def fit_yearly(
    y: np.ndarray,
    mask: np.ndarray,
    fourier: np.ndarray,
    use: np.ndarray,
    ridge: float = 0.05,
) -> np.ndarray:
    """Per-item weighted least squares of ``y`` on ``[1, t/T, fourier]`` over observed periods.

    The intercept and linear trend absorb level and trend so that the Fourier coefficients
    describe the yearly shape only; these are shrunk with a ridge penalty of ``ridge`` times
    the item's number of observed periods (about a 10 % shrinkage, since sin^2 and cos^2
    average 1/2). Returns the Fourier coefficients (n, 2 * harmonics), zero where ``use`` is
    False. One batched ``(n, p, p)`` solve, no loop over items.
    """
    n, t_len = y.shape
    nf = fourier.shape[1]
    x = np.concatenate(
        [np.ones((t_len, 1)), (np.arange(t_len) / max(t_len, 1))[:, None], fourier], axis=1
    )
    p = x.shape[1]
    w = mask.astype(np.float64)
    xtx = rowwise_matmul(w, (x[:, :, None] * x[:, None, :]).reshape(t_len, p * p)).reshape(n, p, p)
    xty = rowwise_matmul(w * y, x)
    pen = np.zeros(p)
    pen[2:] = ridge
    nobs = w.sum(axis=1)
    xtx += (nobs[:, None] * pen[None, :] + 1e-9)[:, :, None] * np.eye(p)[None]
    coef = np.zeros((n, nf))
    rows = np.flatnonzero(use)
    if rows.size:
        sol = np.linalg.solve(xtx[rows], xty[rows][:, :, None])[:, :, 0]
        coef[rows] = sol[:, 2:]
    return coef


# --------------------------------------------------------------------------- parameter search
GridFn = Callable[..., np.ndarray]


def grid_search(
    sse_fn: GridFn,
    n: int,
    grids: dict[str, np.ndarray],
    start: dict[str, float],
    *,
    rounds: int = 1,
    refine: tuple[str, ...] = (),
    refine_factors: tuple[float, ...] = (0.6, 0.8, 1.25, 1.6),
    bounds: dict[str, tuple[float, float]] | None = None,
) -> dict[str, np.ndarray]:
    """Per-item coordinate-wise grid search of smoothing parameters, all items at once.

    Starting from ``start``, each parameter in turn is set to the grid value with the
    smallest in-sample sum of squared one-step errors for each item (the other parameters
    at their current per-item values); ``rounds`` passes over the parameters. Each pass
    over one parameter is ONE kernel run with ``(n, G)`` parameter arrays. Then each
    parameter in ``refine`` is tried at per-item multiples of its current value
    (``refine_factors``, clipped to ``bounds``) and kept where it lowers the error. Ties go
    to the earlier grid value; NaN errors count as +inf. Returns per-item arrays (n,).
    """
    best = {k: np.full(n, float(v)) for k, v in start.items()}
    best_sse = np.full(n, np.inf)
    bounds = bounds or {}
    rows = np.arange(n)

    def sweep(name: str, cand: np.ndarray, keep_current: bool) -> None:
        nonlocal best_sse
        args = {k: v[:, None] for k, v in best.items() if k != name}
        args[name] = cand
        sse = np.asarray(sse_fn(**args), dtype=np.float64)
        sse = np.where(np.isfinite(sse), sse, np.inf)
        j = np.argmin(sse, axis=1)
        new_sse = sse[rows, j]
        new_val = np.broadcast_to(cand, sse.shape)[rows, j]
        take = new_sse < best_sse if keep_current else np.ones(n, dtype=bool)
        best[name] = np.where(take, new_val, best[name])
        best_sse = np.where(take, new_sse, best_sse)

    for _ in range(rounds):
        for name, grid in grids.items():
            sweep(name, np.asarray(grid, dtype=np.float64)[None, :], keep_current=False)
    for name in refine:
        lo, hi = bounds.get(name, (1e-4, 0.9999))
        cand = np.clip(best[name][:, None] * np.asarray(refine_factors)[None, :], lo, hi)
        sweep(name, cand, keep_current=True)
    return best

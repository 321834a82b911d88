"""Step 3 of ``forecast_demand``: the distribution around the means (private module).

:func:`_calibrate` puts the spread on the mean forecasts: from the backtest errors of the
chosen models (the default) or from their in-sample errors. For items whose history has
decimals it first chooses, on the backtest, how the history's variance is split between
sizes that vary and occurrences that cluster (:data:`SIZE_PRIORS`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from . import _calibration as cal
from ._compound import compound_p0
from ._distribution import Sizes, interval_error, zero_inflated_base, zero_inflation_cap
from ._kernels import prepare_panel
from ._pool import Pooled
from .backtest import BacktestArrays
from .selection import volume_edges, volume_groups

if TYPE_CHECKING:
    from ..history.panel import DemandHistory
    from .core import _Selection

__all__: list[str] = []

_WEIGHTING = "sums"
_SCALE_DISPERSION = True
#: how the history's variance of a continuous item is split (``occurrence_sizes``): sizes
#: that vary (Poisson occurrences), or clustered occurrences of exponential sizes (cv2 1,
#: the continuous items' default in ``Sizes.of``); chosen per forecast on the backtest
SIZE_PRIORS = ("varying_sizes", "clustered")
_PRIORS: dict[str, float | None] = {"varying_sizes": None, "clustered": 1.0}
#: the extra point masses at zero tried (each item's at most its ``zero_inflation_cap``),
#: chosen per forecast on the backtest: 0, the plain shape, unless another fits better
ZERO_INFLATION = (0.0, 0.2, 0.4, 0.6, 0.8)
#: how much smaller (``shape_error``) a zero-inflated shape's error must be than the plain
#: shape's to be chosen: one point of coverage, above the criterion's sampling noise
ZERO_MARGIN = 0.01
#: backtest cells on which the shape is judged (evenly spaced beyond that)
_CHOICE_CELLS = 50_000


@dataclass
class _Spread:
    """What the calibration step produced."""

    dispersion: np.ndarray
    level_correlation: np.ndarray
    calibration: str
    f_bt: np.ndarray | None
    sizes: Sizes


def _calibrate(
    history: DemandHistory,
    sel: _Selection,
    mean: np.ndarray,
    fitted_in: np.ndarray,
    count: np.ndarray,
    *,
    calibration: str,
    pool: Pooled,
) -> _Spread:
    """Step 3: the distribution around the means, from backtest (or in-sample) errors.

    The unit of each item first (counts; or continuous, with occurrence sizes from its
    history), then the dispersion from the errors; for continuous items the point mass at
    zero is matched to the backtest's zeros, the size variation kept within what the
    backtest errors show, and the dispersion estimated again; then one
    pooled factor on the dispersion from cross-fitted interval coverage, and the level
    correlation from the spread of the backtest window totals. Every value pooled over
    items comes from ``pool`` (:mod:`._pool`).
    """
    y_all, m_all = prepare_panel(history.units, history.observed)
    sizes = cal.occurrence_sizes(y_all, m_all, count)
    arr = sel.backtest
    edges = pool.take("volume_edges", lambda: volume_edges(y_all, m_all))
    vgroups = volume_groups(y_all, m_all, edges=edges)

    def dispersion(
        sz: Sizes, yy: np.ndarray, ff: np.ndarray, mm: np.ndarray, key: str, pl: Pooled = pool
    ) -> Any:
        out: dict[tuple[bool, int], float] = {}
        phi = cal.dispersion_from_residuals(
            yy,
            ff,
            mm,
            sz,
            groups=vgroups,
            cap=cal.dispersion_cap(y_all, m_all, sz),
            pooled=pl.known(key),
            pooled_out=out,
        )
        pl.put(key, out)
        return phi

    if calibration == "backtest" and arr is not None and sel.honest is not None:
        f_bt = sel.honest
        fut = np.nan_to_num(mean.mean(axis=1), nan=0.0)

        def spread(
            sz: Sizes, pl: Pooled, zero: float = 0.0, memo: dict[Any, Any] | None = None
        ) -> tuple[Sizes, np.ndarray, np.ndarray]:
            def disp(sz_: Sizes, yy: np.ndarray, ff: np.ndarray, mm: np.ndarray, key: str) -> Any:
                return dispersion(sz_, yy, ff, mm, key, pl)

            return _backtest_spread(
                sz, arr, f_bt, fut, pl, disp, (y_all, m_all), vgroups, zero=zero, memo=memo
            )

        if not sizes.count.all():

            def choose_prior() -> str:
                errs: dict[str, float] = {}
                for name in SIZE_PRIORS:
                    sz0 = cal.occurrence_sizes(y_all, m_all, count, cv2_prior=_PRIORS[name])
                    sz, ph, _ = spread(sz0, Pooled())
                    errs[name] = cal.continuous_interval_error(arr.y, f_bt, arr.mask, ph, sz)
                return min(SIZE_PRIORS, key=lambda k: errs[k])

            prior = pool.take("size_prior", choose_prior)
            sizes = cal.occurrence_sizes(y_all, m_all, count, cv2_prior=_PRIORS[prior])

        memo: dict[Any, Any] = {}
        zero = pool.known("zero_inflation")
        plain = None
        if zero is None:  # the plain shape, then the others judged against it
            plain = spread(sizes, pool, 0.0, memo)
            zero = _choose_zero(
                shape_error(arr, f_bt, *plain[:2]),
                lambda z: shape_error(arr, f_bt, *spread(sizes, Pooled(), z, memo)[:2])[0],
            )
        pool.put("zero_inflation", zero)
        if plain is None or zero > 0:
            plain = spread(sizes, pool, zero, memo)
        sizes, phi, rho = plain
        return _Spread(phi, rho, "backtest", f_bt, sizes)
    if calibration == "backtest":
        note = f" Spread from in-sample errors: no backtest possible ({sel.problem})."
        sel.reason[:] = [r + note for r in sel.reason]
    phi = dispersion(sizes, y_all, fitted_in, m_all, "dispersion_insample")
    return _Spread(phi, np.zeros(history.n_items), "insample", None, sizes)


def _backtest_spread(
    sizes: Sizes,
    arr: BacktestArrays,
    f_bt: np.ndarray,
    fut: np.ndarray,
    pool: Pooled,
    dispersion: Any,
    panel: tuple[np.ndarray, np.ndarray],
    vgroups: np.ndarray,
    *,
    zero: float = 0.0,
    memo: dict[Any, Any] | None = None,
) -> tuple[Sizes, np.ndarray, np.ndarray]:
    """The spread from the backtest errors: (sizes, dispersion, level correlation).

    Dispersion from the errors; for continuous items then the zero mass, the size
    variation and the dispersion again (:func:`_sized`); one pooled factor on the
    dispersion from cross-fitted interval coverage of the shape with the extra point mass
    at zero ``zero``; the level correlation for the mean forecast per period ``fut``; then
    each item's extra mass at zero, ``zero`` up to its
    :func:`~._distribution.zero_inflation_cap` (in ``sizes.zero``). Pooled values come
    from ``pool``. ``memo`` keeps what does not depend on ``zero`` from call to call.
    """
    memo = {} if memo is None else memo
    if "raw" not in memo:
        if sizes.count.all():
            phi = dispersion(sizes, arr.y, f_bt, arr.mask, "dispersion")
        else:
            sizes, phi = _sized(sizes, arr, f_bt, pool, dispersion)
        memo["raw"] = (sizes, phi)
    sizes, phi = memo["raw"]
    if _SCALE_DISPERSION:
        cap = cal.dispersion_cap(*panel, sizes)
        phi = phi * pool.take(
            "dispersion_scale",
            lambda: cal.dispersion_scale(
                arr.y, f_bt, arr.mask, sizes, groups=vgroups, cap=cap, zero=zero
            ),
        )
    key = ("level", phi.tobytes())
    if key not in memo:
        memo[key] = cal.level_uncertainty(
            arr.y, f_bt, arr.mask, phi, sizes, fut, weighting=_WEIGHTING, kappa=pool.known("kappa")
        )
    phi, rho, kappa = memo[key]
    pool.put("kappa", kappa)
    if zero > 0:
        sizes = sizes.with_zero(np.minimum(zero, zero_inflation_cap(phi, rho)))
    return sizes, phi, rho


def _sized(
    sizes: Sizes, arr: BacktestArrays, f_bt: np.ndarray, pool: Pooled, dispersion: Any
) -> tuple[Sizes, np.ndarray]:
    """Continuous items: dispersion, zero mass and size variation from the backtest errors.

    The dispersion from the errors; the occurrence sizes scaled so that the backtest's zero
    periods are as many as predicted; the size variation kept within what the errors show;
    the dispersion again. Pooled values come from ``pool``.
    """
    phi = dispersion(sizes, arr.y, f_bt, arr.mask, "dispersion")
    out: dict[str, float] = {}
    sizes = cal.calibrate_zero_mass(
        arr.y, f_bt, arr.mask, phi, sizes, factor=pool.known("zero_mass"), pooled_out=out
    )
    if "k" in out:
        pool.put("zero_mass", out["k"])
    out = {}
    sizes = cal.cap_unit_variance(
        arr.y, f_bt, arr.mask, sizes, pooled=pool.known("unit_variance"), pooled_out=out
    )
    if "unit_variance" in out:
        pool.put("unit_variance", out["unit_variance"])
    return sizes, dispersion(sizes, arr.y, f_bt, arr.mask, "dispersion_sized")


def shape_error(
    arr: BacktestArrays, f_bt: np.ndarray, sizes: Sizes, phi: np.ndarray
) -> tuple[float, float]:
    """``|cov80 - 0.8| + |cov95 - 0.95| + |P(0) - zero share|`` on the backtest cells.

    Returned with ``P(0) - zero share`` (the predicted minus the observed share of periods
    without demand).

    The PIT coverage of the backtest actuals under the final distribution (dispersion
    ``phi``, ``sizes`` with their extra mass at zero) around the leave-one-window-out
    forecasts ``f_bt``, and the error of its predicted share of periods without demand:
    the criterion of the size split (:func:`~._calibration.continuous_interval_error`),
    over all items. An evenly spaced subset of ``_CHOICE_CELLS`` cells beyond that.
    """
    ok = arr.mask & np.isfinite(arr.y) & np.isfinite(f_bt)
    ii, ww, tt = np.nonzero(ok)
    if ii.size == 0:
        return 0.0, 0.0
    if ii.size > _CHOICE_CELLS:
        pick = np.linspace(0, ii.size - 1, _CHOICE_CELLS).astype(int)
        ii, ww, tt = ii[pick], ww[pick], tt[pick]
    y, f, ph, sz = arr.y[ii, ww, tt], np.maximum(f_bt[ii, ww, tt], 0.0), phi[ii], sizes.take(ii)
    pi = sz.inflation
    m_b, phi_b, _ = zero_inflated_base(f, ph, 0.0, pi)
    p0 = pi + (1.0 - pi) * compound_p0(m_b, phi_b, sz.mean)
    zeros = float(p0.mean()) - float((y <= 0).mean())
    return interval_error(y[:, None], f[:, None], ph, sz) + abs(zeros), zeros


def _choose_zero(plain: tuple[float, float], error_of: Any) -> float:
    """The extra mass at zero of :data:`ZERO_INFLATION` with the smallest ``shape_error``.

    ``plain`` is the plain shape's ``shape_error`` (error, predicted minus observed share
    of periods without demand). The zero-inflated shapes are tried only where the plain
    shape predicts fewer periods without demand than the backtest shows (extra zeros are
    what they add), and one is chosen only if its error is at least ``ZERO_MARGIN``
    smaller than the plain shape's.
    """
    plain_error, zeros = plain
    if zeros >= 0 or len(ZERO_INFLATION) < 2:
        return 0.0
    errs = {float(z): error_of(z) for z in ZERO_INFLATION[1:]}
    best = min(errs, key=lambda z: errs[z])
    return best if errs[best] <= plain_error - ZERO_MARGIN else 0.0

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
from ._distribution import Sizes
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

        def spread(sz: Sizes, pl: Pooled) -> tuple[Sizes, np.ndarray, np.ndarray]:
            def disp(sz_: Sizes, yy: np.ndarray, ff: np.ndarray, mm: np.ndarray, key: str) -> Any:
                return dispersion(sz_, yy, ff, mm, key, pl)

            return _backtest_spread(sz, arr, f_bt, fut, pl, disp, (y_all, m_all), vgroups)

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
        sizes, phi, rho = spread(sizes, pool)
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
) -> tuple[Sizes, np.ndarray, np.ndarray]:
    """The spread from the backtest errors: (sizes, dispersion, level correlation).

    Dispersion from the errors; for continuous items then the zero mass, the size
    variation and the dispersion again (:func:`_sized`); one pooled factor on the
    dispersion from cross-fitted interval coverage; the level correlation for the mean
    forecast per period ``fut``. Pooled values come from ``pool``.
    """
    if sizes.count.all():
        phi = dispersion(sizes, arr.y, f_bt, arr.mask, "dispersion")
    else:
        sizes, phi = _sized(sizes, arr, f_bt, pool, dispersion)
    if _SCALE_DISPERSION:
        cap = cal.dispersion_cap(*panel, sizes)
        phi = phi * pool.take(
            "dispersion_scale",
            lambda: cal.dispersion_scale(arr.y, f_bt, arr.mask, sizes, groups=vgroups, cap=cap),
        )
    phi, rho, kappa = cal.level_uncertainty(
        arr.y, f_bt, arr.mask, phi, sizes, fut, weighting=_WEIGHTING, kappa=pool.known("kappa")
    )
    pool.put("kappa", kappa)
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

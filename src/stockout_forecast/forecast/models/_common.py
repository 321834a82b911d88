"""Shared pieces of the model families: smoothing grids and small helpers."""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import _kernels as K

#: data (0.05-0.2 for intermittent demand in Syntetos & Boylan's studies); statsforecast's
#: Croston/ADIDA/IMAPA optimise within 0.1-0.3.
ALPHA_GRID = (0.01, 0.03, 0.06, 0.1, 0.18, 0.3)
#: trend smoothing (statsmodels' ``smoothing_trend``); 0 keeps the initial (zero) trend
TREND_GRID = (0.0, 0.01, 0.05, 0.15)
#: seasonal smoothing; 0 keeps the initial season indices
SEASON_GRID = (0.0, 0.02, 0.05, 0.1, 0.2)
#: damping of the trend
PHI_GRID = (0.85, 0.92, 0.98)
#: Croston / SBA smoothing of sizes and intervals; TSB smoothing of sizes (capped at 0.3
#: for the same reason as ``ALPHA_GRID``)
CROSTON_GRID = (0.02, 0.05, 0.1, 0.2, 0.3)
#: TSB smoothing of the demand probability
TSB_PROB_GRID = (0.01, 0.03, 0.08, 0.15, 0.3)
#: range of the per-item refinement of the best grid value
ALPHA_BOUNDS = (0.005, 0.3)


def fitted_values(res: K.KernelResult) -> np.ndarray:
    """The fitted values of a kernel run with per-item (not grid) parameters."""
    if res.fitted is None:  # pragma: no cover - only grid runs return None
        raise RuntimeError("kernel was run with a parameter grid; no fitted values")
    return res.fitted


def int_param(value: Any, name: str, model: str, *, minimum: int = 1) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise ValueError(f"{model}: {name} must be an int >= {minimum}; got {value!r}.")
    return int(value)


def fit_ses_alpha(
    y: np.ndarray, mask: np.ndarray, alpha: float | None, cols: K.Columns | None = None
) -> np.ndarray:
    n = y.shape[0]
    if alpha is not None:
        return np.full(n, float(alpha))
    cols = cols if cols is not None else K.Columns(y, mask)
    best = K.grid_search(
        lambda alpha: K.ses(y, mask, alpha, cols=cols).sse,
        n,
        {"alpha": np.asarray(ALPHA_GRID)},
        {"alpha": 0.1},
        refine=("alpha",),
        bounds={"alpha": ALPHA_BOUNDS},
    )
    return best["alpha"]

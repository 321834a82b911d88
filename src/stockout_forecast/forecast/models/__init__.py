"""Forecasting models: thin scikit-learn-style classes over the vectorised kernels.

One module per family: :mod:`.naive` (naive, seasonal naive, moving average, the
long-memory levels), :mod:`.smoothing` (SES, Holt, Holt-Winters), :mod:`.intermittent`
(Croston, SBA, TSB, ADIDA, IMAPA), :mod:`.global_model` (GlobalGBM) and :mod:`.reference`
(StatsmodelsETS). :mod:`stockout_forecast.forecast.registry` names them for ``model=``.

Every model fits all items of a :class:`~stockout_forecast.history.panel.DemandHistory` at once
(``fit(history) -> self``) and returns mean demand per period with
``predict(horizon) -> ndarray (n_items, horizon)``. The arithmetic lives in
:mod:`stockout_forecast.forecast._kernels`: loops over time only, numpy over items.

Conventions shared by every model
---------------------------------
* Censored periods (stock-outs) and suspected stock-outs are **unobserved**: they are
  skipped -- the state is carried forward unchanged -- and never read as zero demand.
  Periods before an item's first activity (NaN units) are skipped the same way.
* Net negative units (more returns than sales) count as 0 demand.
* Means are clipped at 0 (count demand cannot be negative); ``fitted_`` is clipped too.
* ``fitted_`` (n_items, n_periods) holds one-step-ahead in-sample forecasts: the forecast of
  period ``t`` from the periods before ``t``. It is NaN before and at the period whose value
  seeds the initial state (the first observed period; the first positive demand for the
  intermittent-demand models), and it is also filled at censored periods (the demand the
  model expected there), which error measures must skip.
* Smoothing parameters left at ``None`` are optimised per item by a vectorised grid search
  (:func:`~stockout_forecast.forecast._kernels.grid_search`): each candidate value is run
  for all items in one pass and each item keeps the value with the smallest in-sample sum
  of squared one-step errors over its observed periods; the search then refines ``alpha``
  on per-item multiples of its best value.
* Items that cannot be forecast properly still get a finite forecast and a flag in
  ``status_``/``reason_``: ``"no_observed_periods"`` (forecast 0), ``"short_history"``
  (a simpler form of the model was used), ``"no_positive_demand"`` (forecast 0),
  ``"model_fallback"`` (:class:`StatsmodelsETS` only).
"""

from __future__ import annotations

from ._common import (
    ALPHA_BOUNDS,
    ALPHA_GRID,
    CROSTON_GRID,
    PHI_GRID,
    SEASON_GRID,
    TREND_GRID,
    TSB_PROB_GRID,
)
from .global_model import GlobalGBM
from .intermittent import ADIDA, IMAPA, SBA, TSB, Croston
from .naive import HistoricAverage, MovingAverage, Naive, SeasonalNaive
from .reference import StatsmodelsETS
from .smoothing import SES, Holt, HoltWinters

__all__ = [
    "ADIDA",
    "ALPHA_BOUNDS",
    "ALPHA_GRID",
    "CROSTON_GRID",
    "IMAPA",
    "PHI_GRID",
    "SBA",
    "SEASON_GRID",
    "SES",
    "TREND_GRID",
    "TSB",
    "TSB_PROB_GRID",
    "Croston",
    "GlobalGBM",
    "HistoricAverage",
    "Holt",
    "HoltWinters",
    "MovingAverage",
    "Naive",
    "SeasonalNaive",
    "StatsmodelsETS",
]

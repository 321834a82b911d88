"""Demand forecasting: vectorised models over the item x period panel.

Every model fits all items of a :class:`~stockout_forecast.history.panel.DemandHistory` at once and
predicts mean demand per period; see :mod:`stockout_forecast.forecast.models`.
"""

from __future__ import annotations

from ._base import ForecastModel, history_from_array
from .backtest import backtest
from .core import candidate_models, forecast_demand
from .models import (
    ADIDA,
    IMAPA,
    SBA,
    SES,
    TSB,
    Croston,
    GlobalGBM,
    HistoricAverage,
    Holt,
    HoltWinters,
    MovingAverage,
    Naive,
    SeasonalNaive,
    StatsmodelsETS,
)
from .result import DemandForecast
from .selection import select_models

__all__ = [
    "ADIDA",
    "IMAPA",
    "SBA",
    "SES",
    "TSB",
    "Croston",
    "DemandForecast",
    "ForecastModel",
    "GlobalGBM",
    "HistoricAverage",
    "Holt",
    "HoltWinters",
    "MovingAverage",
    "Naive",
    "SeasonalNaive",
    "StatsmodelsETS",
    "backtest",
    "candidate_models",
    "forecast_demand",
    "history_from_array",
    "select_models",
]

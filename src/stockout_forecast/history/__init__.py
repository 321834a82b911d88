"""Demand history: the item x period panel, censoring, velocity, demand classes, lead times.

The layer above the readers (:mod:`..io`) and below forecasting: it imports nothing from
forecast, simulation, policy or later layers.
"""

from __future__ import annotations

from .classes import classify_demand
from .demand import demand_history
from .leadtime import lead_time_history, sample_lead_times
from .panel import DemandHistory
from .velocity import item_velocity

__all__ = [
    "DemandHistory",
    "classify_demand",
    "demand_history",
    "item_velocity",
    "lead_time_history",
    "sample_lead_times",
]

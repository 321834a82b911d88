"""Demand history: the item x period panel, censoring, velocity, demand classes, lead times."""

from __future__ import annotations

from .demand import classify_demand, demand_history, item_velocity, stock_cover
from .leadtime import lead_time_history, sample_lead_times
from .panel import DemandHistory

__all__ = [
    "DemandHistory",
    "classify_demand",
    "demand_history",
    "item_velocity",
    "lead_time_history",
    "sample_lead_times",
    "stock_cover",
]

"""Simulation: demand paths against stock and receipts, giving stockout-date distributions.

``engine`` is the one simulation engine (prepare the scenario, draw demand paths per item
block, run them against stock and receipts); ``stockout`` and ``projection`` summarise its
runs (``projection`` the on-hand quantiles); ``cover`` is the deterministic projection at the current velocity.
"""

from __future__ import annotations

from .cover import stock_cover
from .stockout import StockoutForecast, projected_inventory, stockout_dates

__all__ = ["StockoutForecast", "projected_inventory", "stock_cover", "stockout_dates"]

"""Simulation: demand paths against stock and receipts, giving stockout-date distributions."""

from __future__ import annotations

from .cover import stock_cover
from .stockout import StockoutForecast, projected_inventory, stockout_dates

__all__ = ["StockoutForecast", "projected_inventory", "stock_cover", "stockout_dates"]

"""Shared fixtures: a seeded data factory (STYLE.md §9)."""

from __future__ import annotations

import os

os.environ.setdefault("MPLBACKEND", "Agg")

import numpy as np
import pandas as pd
import pytest


def make_sales(
    n_items: int = 5,
    n_days: int = 120,
    *,
    intermittency: float = 0.0,
    rate: float = 5.0,
    stockout_rate: float = 0.0,
    seed: int = 0,
    start: str = "2024-01-01",
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Daily Poisson sales for ``n_items`` items and their end-of-day stock history.

    ``intermittency`` is the share of days with no demand at all; ``stockout_rate`` the
    share of days with on-hand 0 (sales forced to 0 on those days). Returns
    ``(sales, stock_history)`` in the contract's long format.
    """
    rng = np.random.default_rng(seed)
    dates = pd.date_range(start, periods=n_days, freq="D")
    demand = rng.poisson(rate, size=(n_items, n_days)).astype(float)
    demand[rng.random((n_items, n_days)) < intermittency] = 0.0
    out = rng.random((n_items, n_days)) < stockout_rate
    sales_units = np.where(out, 0.0, demand)
    items = [f"I{i:03d}" for i in range(n_items)]
    ii, dd = np.nonzero(sales_units > 0)
    sales = pd.DataFrame(
        {"item_id": [items[i] for i in ii], "date": dates[dd], "units": sales_units[ii, dd]}
    )
    on_hand = np.where(out, 0.0, 50.0)
    stock = pd.DataFrame(
        {
            "item_id": np.repeat(items, n_days),
            "date": np.tile(dates, n_items),
            "on_hand_units": on_hand.ravel(),
        }
    )
    return sales, stock


@pytest.fixture
def sales_factory():
    """The :func:`make_sales` factory."""
    return make_sales

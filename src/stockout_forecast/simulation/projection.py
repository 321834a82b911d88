"""Projected on-hand stock per item and period: quantiles over the demand paths.

:func:`projected_inventory` re-runs the engine (:mod:`.engine`) with on-hand kept per
period, either from a :class:`~stockout_forecast.StockoutForecast` (same inputs, settings
and seed, so a chart matches its stockout dates exactly) or from a forecast and inventory.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from .._utils import RandomStateLike, check_fraction, format_ids
from .engine import (
    DEFAULT_MEMORY_BUDGET_MB,
    Scenario,
    item_chunks,
    prepare_scenario,
    run_chunk,
    scenario_of,
)
from .stockout import StockoutForecast

if TYPE_CHECKING:
    from ..forecast.result import DemandForecast

__all__ = ["projected_inventory"]


def projected_inventory(
    forecast: DemandForecast | StockoutForecast,
    inventory: pd.DataFrame | None = None,
    purchase_orders: pd.DataFrame | None = None,
    *,
    items: Any = None,
    horizon: int | None = None,
    n_paths: int = 1000,
    lost_sales: bool = False,
    lead_time_uncertainty: pd.DataFrame | None = None,
    quantiles: tuple[float, ...] = (0.1, 0.5, 0.9),
    random_state: RandomStateLike = None,
) -> pd.DataFrame:
    """Projected on-hand stock per item and period: quantiles over the demand paths.

    Parameters
    ----------
    forecast : DemandForecast or StockoutForecast
        A forecast (then ``inventory`` is required), or the result of :func:`stockout_dates`,
        whose inputs, settings and seed are reused so the chart matches its dates exactly
        (then leave ``inventory``, ``purchase_orders`` and the settings at their defaults).
    inventory, purchase_orders, horizon, n_paths, lost_sales, lead_time_uncertainty, random_state
        As in :func:`stockout_dates`.
    items : list of str, optional
        Items to project (default all). Keep it short for large catalogues: the output has
        one row per item and period.
    quantiles : tuple of float, default (0.1, 0.5, 0.9)
        Fractions in (0, 1).

    Returns
    -------
    pandas.DataFrame
        One row per item and period: ``item_id``, ``date`` (period start), ``on_hand_p10``,
        ``on_hand_p50``, ``on_hand_p90`` (one column per quantile, units on hand at the end
        of the period, never negative), ``p_stockout`` (P(first stockout by the period)),
        ``status``. Items that could not be simulated have NaN values and their status.

    Notes
    -----
    On hand at the end of period t is :math:`(S_t - D_t)^+` with backorders and the
    lost-sales recursion's :math:`x_t^+` otherwise (see :func:`stockout_dates`). Quantiles
    use the inverse empirical CDF (``numpy.quantile(method="inverted_cdf")``): each value is
    one of the simulated on-hand levels.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from stockout_forecast.forecast.result import DemandForecast
    >>> dates = pd.date_range("2024-03-01", periods=3, freq="D")
    >>> fc = DemandForecast.from_mean(["A"], dates, np.array([[2.0, 2.0, 2.0]]))
    >>> inv = pd.DataFrame({"item_id": ["A"], "on_hand_units": [5]})
    >>> po = pd.DataFrame({"po_id": ["P1"], "item_id": ["A"], "supplier_id": ["S"],
    ...     "units": [10], "order_date": ["2024-02-20"], "expected_date": ["2024-03-02"]})
    >>> projected_inventory(fc, inv, po, n_paths=500, random_state=1)[["date", "on_hand_p50"]]
            date  on_hand_p50
    0 2024-03-01          3.0
    1 2024-03-02         11.0
    2 2024-03-03          9.0
    """
    qs = tuple(check_fraction(q, "quantiles") for q in quantiles)
    if not qs:
        raise ValueError("quantiles must contain at least one fraction in (0, 1).")
    if isinstance(forecast, StockoutForecast):
        if inventory is not None or purchase_orders is not None:
            raise ValueError(
                "projected_inventory(stockout_forecast) reuses that result's inputs; do not "
                "pass inventory or purchase_orders as well."
            )
        base = scenario_of(forecast)
        if base is None:
            raise ValueError("This StockoutForecast carries no inputs to project from.")
        sc = base
        wanted = (
            base.item_ids
            if items is None
            else np.asarray(
                [str(i) for i in (items.tolist() if hasattr(items, "tolist") else items)]
            )
        )
    else:
        if inventory is None:
            raise ValueError("projected_inventory(forecast, inventory, ...) needs an inventory.")
        sc = prepare_scenario(
            forecast,
            inventory,
            purchase_orders,
            items=items,
            horizon=horizon,
            n_paths=n_paths,
            lost_sales=lost_sales,
            lead_time_uncertainty=lead_time_uncertainty,
            chunk_size=None,
            memory_budget_mb=DEFAULT_MEMORY_BUDGET_MB,
            n_jobs=1,
            random_state=random_state,
        )
        wanted = sc.item_ids
    rows = pd.Index(sc.item_ids).get_indexer(pd.unique(np.asarray(wanted, dtype=object)))
    if (rows < 0).any():
        raise KeyError(f"items {format_ids(np.asarray(wanted)[rows < 0])} are not in this result.")
    return _projection_frame(sc, rows, qs)


def _projection_frame(sc: Scenario, rows: np.ndarray, qs: tuple[float, ...]) -> pd.DataFrame:
    """On-hand quantiles and P(stockout by period) of result ``rows``, long format."""
    h = sc.horizon
    names = [f"on_hand_p{q * 100:g}" for q in qs]
    values = np.full((len(rows), len(qs), h), np.nan)
    pst = np.full((len(rows), h), np.nan)
    where = pd.Index(rows)
    sim = rows[sc.computable[rows]]
    for chunk in item_chunks(sc, np.unique(sim)):
        run = run_chunk(sc, chunk, want_on_hand=True)
        assert run.on_hand is not None
        qv = np.quantile(run.on_hand, qs, axis=1, method="inverted_cdf")  # (nq, c, H)
        cnt = (run.first[:, :, None] <= np.arange(h)[None, None, :]).mean(axis=1)
        out = where.get_indexer(chunk.rows)
        values[out] = np.moveaxis(qv, 0, 1)
        pst[out] = cnt
    n = len(rows)
    frame = pd.DataFrame(
        {
            "item_id": np.repeat(sc.item_ids[rows], h).astype(str),
            "date": np.tile(sc.dates.to_numpy(), n),
        }
    )
    for k, name in enumerate(names):
        frame[name] = values[:, k, :].ravel()
    frame["p_stockout"] = pst.ravel()
    frame["status"] = np.repeat(sc.status[rows], h).astype(str)
    return frame

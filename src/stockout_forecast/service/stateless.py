"""Stateless calls: the tables come with the request, nothing is stored.

Each handler validates the tables as :func:`stockout_forecast.read_dataset` would and calls
the public functions in the planner's order with the planner's seeds
(``numpy.random.SeedSequence(random_state).spawn(3)``), so a Python user calling the same
functions gets the same numbers.
"""

from __future__ import annotations

import dataclasses
import warnings
from typing import Any

import numpy as np
import pandas as pd

import stockout_forecast as sof

from .schemas import ForecastRequest, ReorderRequest, StockoutRequest
from .settings import ServiceSettings
from .state import COMPUTE_LOCK, records
from .tables import RequestError, build_dataset, error_detail

__all__ = ["forecast", "reorder", "stockouts"]


def _as_of(ds: sof.Dataset, as_of: Any) -> pd.Timestamp:
    """The planner's default planning date: inventory as_of, else the last sale."""
    if as_of is not None:
        return pd.Timestamp(as_of)
    inv = ds.inventory
    if inv is not None and "as_of" in inv.columns and inv["as_of"].notna().any():
        return pd.Timestamp(inv["as_of"].max()).normalize()
    assert ds.sales is not None
    return pd.Timestamp(ds.sales["date"].max()).normalize()


def _n_items(ds: sof.Dataset) -> int:
    ids: set[str] = set()
    for df in ds.tables.values():
        if "item_id" in df.columns:
            ids.update(df["item_id"].unique().tolist())
    return len(ids)


def _check_cells(ds: sof.Dataset, n_paths: int, horizon: int, settings: ServiceSettings) -> None:
    cells = _n_items(ds) * n_paths * horizon
    if cells > settings.max_cells:
        raise RequestError(
            f"The request would simulate {cells:,} item x path x day cells; this service takes "
            f"at most {settings.max_cells:,}.",
            status_code=413,
            error="too_large",
            fix="Send fewer items, fewer paths (n_paths) or a shorter horizon.",
        )


def _run(func: Any, *args: Any, **kwargs: Any) -> tuple[Any, list[str]]:
    """Call a library function under the compute lock; its warnings become notes."""
    with COMPUTE_LOCK, warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            out = func(*args, **kwargs)
        except ValueError as err:
            raise error_detail(err, None) from err
    return out, list(dict.fromkeys(str(w.message) for w in caught))


def _model(name: str, freq: str) -> Any:
    if name == "auto":
        return "auto"
    by_alias = {m.alias: m for m in sof.candidate_models(freq)}
    if name not in by_alias:
        raise RequestError(
            f"Unknown model {name!r}; use 'auto' or one of {sorted(by_alias)}.",
            column="model",
            fix="Pick a model alias from the list, or 'auto'.",
        )
    return by_alias[name]


def forecast(body: ForecastRequest, settings: ServiceSettings) -> dict[str, Any]:
    """POST /v1/forecast."""
    model = _model(body.model, body.freq)
    ds = build_dataset(
        {"sales": body.sales, "stock_history": body.stock_history},
        body.column_maps,
        max_items=settings.max_items,
    )
    as_of = _as_of(ds, body.as_of)
    seeds = np.random.SeedSequence(body.random_state).spawn(3)

    def go() -> Any:
        assert ds.sales is not None
        hist = sof.demand_history(ds.sales, ds.stock_history, freq=body.freq, as_of=as_of)
        return sof.forecast_demand(
            hist,
            model,
            horizon=body.horizon,
            quantiles=body.quantiles,
            random_state=seeds[0],
        )

    fc, notes = _run(go)
    st = fc.status.reindex(pd.Index(fc.item_ids, dtype="str"))
    items = [
        {
            "item_id": str(i),
            "model": str(m),
            "status": str(s),
            "reason": None if pd.isna(r) else str(r),
        }
        for i, m, s, r in zip(fc.item_ids, fc.model, st["status"], st["reason"], strict=True)
    ]
    return {
        "frequency": fc.freq,
        "as_of": as_of.strftime("%Y-%m-%d"),
        "quantile_levels": [float(q) for q in fc.quantile_levels],
        "items": items,
        "forecast": records(fc.to_frame()),
        "notes": list(ds.notes) + notes,
    }


def stockouts(body: StockoutRequest, settings: ServiceSettings) -> dict[str, Any]:
    """POST /v1/stockout-dates."""
    ds = build_dataset(
        {
            "sales": body.sales,
            "inventory": body.inventory,
            "stock_history": body.stock_history,
            "purchase_orders": body.purchase_orders,
            "suppliers": body.suppliers,
        },
        body.column_maps,
        max_items=settings.max_items,
    )
    _check_cells(ds, body.n_paths, body.horizon, settings)
    as_of = _as_of(ds, body.as_of)
    seeds = np.random.SeedSequence(body.random_state).spawn(3)

    def go() -> Any:
        assert ds.sales is not None
        assert ds.inventory is not None
        hist = sof.demand_history(ds.sales, ds.stock_history, freq="D", as_of=as_of)
        fc = sof.forecast_demand(
            hist, "auto", horizon=body.horizon, n_paths=body.n_paths, random_state=seeds[0]
        )
        lt = None
        if ds.purchase_orders is not None or ds.suppliers is not None:
            po = ds.purchase_orders
            if po is None:
                po = pd.DataFrame(
                    columns=[
                        "po_id",
                        "item_id",
                        "supplier_id",
                        "units",
                        "order_date",
                        "expected_date",
                    ]
                )
            lt = sof.lead_time_history(po, ds.suppliers, as_of=as_of)
        return sof.stockout_dates(
            fc,
            ds.inventory,
            ds.purchase_orders,
            n_paths=body.n_paths,
            lead_time_uncertainty=lt,
            random_state=seeds[1],
        )

    so, notes = _run(go)
    return {
        "as_of": as_of.strftime("%Y-%m-%d"),
        "n_paths": int(so.n_paths),
        "items": records(so.to_frame()),
        "curves": records(so.curves_frame()) if body.include_curves else None,
        "notes": list(ds.notes) + notes,
    }


def reorder(body: ReorderRequest, settings: ServiceSettings) -> dict[str, Any]:
    """POST /v1/reorder."""
    ds = build_dataset(
        {
            "sales": body.sales,
            "inventory": body.inventory,
            "suppliers": body.suppliers,
            "stock_history": body.stock_history,
            "purchase_orders": body.purchase_orders,
            "items": body.items,
        },
        body.column_maps,
        max_items=settings.max_items,
    )
    _check_cells(ds, body.n_paths, 90, settings)
    as_of = _as_of(ds, body.as_of)
    ds = dataclasses.replace(ds, customer_orders=None)
    planner = sof.ReorderPlanner(
        as_of=as_of,
        service_level=body.service_level,
        review_period_days=body.review_period_days,
        n_paths=body.n_paths,
        random_state=body.random_state,
    )
    plan, notes = _run(planner.run, ds)
    lines = plan.purchase_plan.lines if plan.purchase_plan is not None else None
    return {
        "as_of": as_of.strftime("%Y-%m-%d"),
        "orders": records(plan.orders),
        "purchase_order_lines": records(lines),
        "notes": [n for n in plan.notes if not n.startswith("No open customer")] + notes,
    }

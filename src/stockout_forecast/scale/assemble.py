"""The chunks put together, and the cross-item steps that run on their outputs.

:func:`run_chunked` is the single-process chunked plan: the first pass
(:func:`~.state.cross_item_state`), the chunks one after the other
(:func:`~.chunk.plan_chunk`), then :func:`assemble`: the per-item tables concatenated (the
chunks are id ranges in order, so the rows come out sorted as in one run), the ABC ranking
over all items, one draft purchase order per supplier from every chunk's lines, and the
promise dates of the open customer orders (an order's lines may span chunks).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from ..history.classes import _abc_classes
from ..io.dataset import Dataset
from ..simulation.stockout import StockoutForecast
from ..supply.purchase_orders import _po_table
from ..supply.results import PurchasePlan
from .chunk import ChunkPlan, inventory_of, plan_chunk, promise_parts
from .partition import concat_forecasts, concat_histories, make_chunks, split_dataset
from .state import CrossItemState, chunkable, cross_item_state

__all__: list[str] = []

#: bytes per history item held while its chunk is planned: the kept demand paths (8 bytes
#: x paths x horizon) dominate; the rest is the panel and the forecast's working arrays
_ITEM_OVERHEAD_BYTES = 120_000


def chunk_items_for(planner: Any, n_items: int) -> int:
    """Items per chunk: ``planner.chunk_size``, else as many as ``memory_budget_mb`` holds."""
    if not planner.forecast or not chunkable(planner.model):
        return max(n_items, 1)
    if planner.chunk_size is not None:
        return int(planner.chunk_size)
    per_item = 8 * planner.n_paths * planner._horizon_periods() + _ITEM_OVERHEAD_BYTES
    return max(64, int(planner.memory_budget_mb * 2**20 // per_item))


def run_chunked(
    planner: Any,
    dataset: Dataset,
    *,
    progress: Callable[[str, int, int], None] | None = None,
) -> dict[str, Any]:
    """The plan of ``planner`` on ``dataset``, chunk by chunk in this process (its fields)."""
    tick = progress or (lambda name, i, n: None)
    state = cross_item_state(dataset, planner, sample=planner.state_sample_items)
    chunks = make_chunks(state.history_ids, chunk_items_for(planner, len(state.history_ids)))
    parts = split_dataset(dataset, chunks)
    results = []
    for c, ds in enumerate(parts):
        tick(f"chunk {c + 1} of {chunks.n_chunks}", c + 1, chunks.n_chunks + 1)
        results.append(plan_chunk(ds, state, planner, chunks.block_offset(c)))
    tick("cross-item steps", chunks.n_chunks + 1, chunks.n_chunks + 1)
    return assemble(planner, dataset, state, results)


def _cat(frames: list[pd.DataFrame | None]) -> pd.DataFrame | None:
    got = [f for f in frames if f is not None]
    if not got:
        return None
    return pd.concat(got, ignore_index=True) if len(got) > 1 else got[0].reset_index(drop=True)


def _cat_all(frames: list[pd.DataFrame]) -> pd.DataFrame:
    out = _cat(list(frames))
    assert out is not None
    return out


def rank_abc(classes: pd.DataFrame) -> pd.DataFrame:
    """The ABC class and cumulative share re-ranked over all items (after the chunks)."""
    abc, share = _abc_classes(
        classes["abc_value"].to_numpy(dtype=float),
        classes["item_id"].to_numpy(dtype=object),
        0.8,
        0.95,
    )
    out = classes.copy()
    out["abc_share_cum"] = share
    out["abc"] = pd.array(abc, dtype="str")
    return out


def concat_stockouts(parts: list[StockoutForecast]) -> StockoutForecast:
    """One stockout forecast from those of consecutive chunks (without their scenarios)."""
    first = parts[0]
    return dataclasses.replace(
        first,
        item_ids=np.concatenate([p.item_ids for p in parts]),
        p_stockout=np.concatenate([p.p_stockout for p in parts]),
        summary=pd.concat([p.summary for p in parts], ignore_index=True),
        _scenario=None,
    )


def concat_purchase_plans(parts: list[PurchasePlan]) -> PurchasePlan:
    """One purchase plan: every chunk's lines, one draft purchase order per supplier."""
    lines = pd.concat([p.lines for p in parts], ignore_index=True)
    lines = lines.sort_values(["supplier_id", "item_id"], kind="stable").reset_index(drop=True)
    notes: list[str] = []
    for p in parts:
        notes += [n for n in p.notes if n not in notes]
    return PurchasePlan(
        lines=lines,
        purchase_orders=_po_table(lines, None),
        items=pd.concat([p.items for p in parts], ignore_index=True),
        splits=pd.concat([p.splits for p in parts], ignore_index=True),
        notes=notes,
        as_of=parts[0].as_of,
    )


def assemble(
    planner: Any, dataset: Dataset, state: CrossItemState, results: list[ChunkPlan]
) -> dict[str, Any]:
    """The fields of the :class:`~stockout_forecast.ReorderPlan` from the chunks' results."""
    history = concat_histories([r.history for r in results])
    notes = list(dataset.notes)
    if dataset.inventory is None:
        notes.append("No inventory snapshot given: on-hand taken as 0 for every item.")
    parts: dict[str, Any] = {}
    if planner.forecast:
        fcs = [r.forecast for r in results if r.forecast is not None]
        parts["forecast"] = concat_forecasts(fcs, history) if len(fcs) > 1 else fcs[0]
        if len(fcs) == 1:
            parts["forecast"] = dataclasses.replace(fcs[0], history=history)
        parts["lead_times"] = _cat([r.lead_times for r in results])
        so = concat_stockouts([r.stockouts for r in results if r.stockouts is not None])
        parts["stockouts"] = dataclasses.replace(so, censored_share=float(history.censored_share))
        if dataset.suppliers is None:
            notes.append("No suppliers table: no order recommendations or supplier splits.")
        else:
            parts["orders"] = _cat([r.orders for r in results])
            plans = [r.purchase_plan for r in results if r.purchase_plan is not None]
            if plans:
                parts["purchase_plan"] = concat_purchase_plans(plans)
        parts.update(_promises(planner, dataset, history, state, parts, notes))
    return dict(
        as_of=state.as_of,
        history=history,
        velocity=_cat_all([r.velocity for r in results]),
        demand_classes=rank_abc(_cat_all([r.demand_classes for r in results])),
        cover=_cat_all([r.cover for r in results]),
        items=dataset.items,
        notes=notes,
        source=dataset.source,
        **parts,
    )


def _promises(
    planner: Any,
    dataset: Dataset,
    history: Any,
    state: CrossItemState,
    parts: dict[str, Any],
    notes: list[str],
) -> dict[str, Any]:
    """Promise dates over all open customer lines (a cross-item step: orders span items)."""
    if dataset.customer_orders is None or len(dataset.customer_orders) == 0:
        notes.append("No open customer orders: no promise dates or customer notices.")
        return {}
    plan_lines = parts["purchase_plan"].lines if "purchase_plan" in parts else None
    return promise_parts(
        planner,
        dataset,
        inventory_of(dataset, history),
        plan_lines,
        state.as_of,
        parts.get("lead_times"),
    )

"""Items cut into chunks by id, and the per-chunk results put back together.

A chunk is a range of item ids. The boundaries are taken from the sorted ids of the demand
history (the forecast rows) every :data:`~stockout_forecast.SEED_BLOCK_ITEMS` x ``k`` items,
so that each chunk starts on a seed block: chunk ``c`` then draws the demand paths and
lead times that its items draw in a run over all items (``block_offset``). Items that are
only in other tables (inventory, suppliers, ...) fall into the chunk whose id range holds
them. The same boundaries are the divisions of the Dask partitions.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..forecast.result import DemandForecast
from ..history.panel import DemandHistory
from ..io.dataset import TABLE_NAMES, Dataset
from ..simulation.scenario import SEED_BLOCK_ITEMS

__all__: list[str] = []


@dataclass(frozen=True)
class Chunks:
    """Chunk boundaries over the sorted history ids.

    ``starts[c]`` is the first history row of chunk ``c`` (a multiple of 64);
    ``bounds[c]`` (``c >= 1``) the first item id of chunk ``c``: an id ``x`` belongs to
    chunk ``searchsorted(bounds, x, side="right")``.
    """

    starts: np.ndarray
    bounds: np.ndarray
    n_history: int

    @property
    def n_chunks(self) -> int:
        return len(self.starts)

    def block_offset(self, c: int) -> int:
        """Seed block of chunk ``c``'s first forecast row."""
        return int(self.starts[c]) // SEED_BLOCK_ITEMS

    def of(self, item_ids: np.ndarray | pd.Series) -> np.ndarray:
        """Chunk number of each id (the distinct ids are looked up once)."""
        ids = item_ids if isinstance(item_ids, pd.Series) else pd.Series(item_ids, dtype="str")
        codes, uniq = pd.factorize(ids)
        where = np.searchsorted(
            self.bounds, np.asarray(uniq, dtype=object).astype(str), side="right"
        )
        return where.astype(np.int64)[codes]


def make_chunks(history_ids: np.ndarray, chunk_items: int) -> Chunks:
    """Chunks of ``chunk_items`` history items (rounded up to whole seed blocks)."""
    ids = np.asarray(history_ids, dtype=object).astype(str)
    n = len(ids)
    per = max(1, -(-int(chunk_items) // SEED_BLOCK_ITEMS)) * SEED_BLOCK_ITEMS
    starts = np.arange(0, max(n, 1), per, dtype=np.int64)
    bounds = ids[starts[1:]] if n else np.zeros(0, dtype=object)
    return Chunks(starts=starts, bounds=np.asarray(bounds, dtype=object).astype(str), n_history=n)


def split_dataset(dataset: Dataset, chunks: Chunks) -> list[Dataset]:
    """The dataset's rows cut by chunk (every table that has ``item_id``)."""
    if chunks.n_chunks == 1:
        return [dataset]
    parts: list[dict[str, pd.DataFrame | None]] = [{} for _ in range(chunks.n_chunks)]
    for name in TABLE_NAMES:
        df = getattr(dataset, name)
        for c in range(chunks.n_chunks):
            parts[c][name] = None
        if df is None:
            continue
        code = chunks.of(df["item_id"].astype("str"))
        order = np.argsort(code, kind="stable")
        edges = np.searchsorted(code[order], np.arange(chunks.n_chunks + 1))
        for c in range(chunks.n_chunks):
            rows = order[edges[c] : edges[c + 1]]
            parts[c][name] = df.iloc[np.sort(rows)]
    return [Dataset(**p, source=dataset.source) for p in parts]  # type: ignore[arg-type]


def concat_histories(parts: list[DemandHistory]) -> DemandHistory:
    """One panel from the panels of consecutive chunks (same periods)."""
    first = parts[0]
    status = [p.status for p in parts if len(p.status)]
    rev = [p.revenue for p in parts]
    return DemandHistory(
        item_ids=np.concatenate([p.item_ids for p in parts]),
        periods=first.periods,
        freq=first.freq,
        units=np.concatenate([p.units for p in parts]),
        censored=np.concatenate([p.censored for p in parts]),
        suspected=np.concatenate([p.suspected for p in parts]),
        as_of=first.as_of,
        status=pd.concat(status) if status else first.status,
        revenue=None if any(r is None for r in rev) else np.concatenate(rev),  # type: ignore[arg-type]
    )


def concat_forecasts(
    parts: list[DemandForecast], history: DemandHistory | None = None
) -> DemandForecast:
    """One forecast from the forecasts of consecutive chunks (rows in chunk order)."""
    first = parts[0]

    def cat(name: str) -> np.ndarray:
        return np.concatenate([np.asarray(getattr(p, name)) for p in parts])

    return DemandForecast(
        item_ids=cat("item_ids"),
        dates=first.dates,
        freq=first.freq,
        mean=cat("mean"),
        quantile_levels=first.quantile_levels,
        quantiles=cat("quantiles"),
        model=cat("model"),
        status=pd.concat([p.status for p in parts]),
        history=history,
        dispersion=cat("dispersion"),
        level_correlation=cat("level_correlation"),
        count=cat("count"),
        size_mean=cat("size_mean"),
        size_cv2=cat("size_cv2"),
        zero_inflation=cat("zero_inflation"),
        level_correction=cat("level_correction"),
        calibration=first.calibration,
        n_paths=first.n_paths,
        anchor=first.anchor,
    )


def take_forecast(
    fc: DemandForecast, rows: np.ndarray, history: DemandHistory | None
) -> DemandForecast:
    """The forecast's rows ``rows`` (in that order) as a forecast of their own."""
    return DemandForecast(
        item_ids=np.asarray(fc.item_ids)[rows],
        dates=fc.dates,
        freq=fc.freq,
        mean=fc.mean[rows],
        quantile_levels=fc.quantile_levels,
        quantiles=fc.quantiles[rows],
        model=np.asarray(fc.model)[rows],
        status=fc.status.iloc[rows],
        history=history,
        dispersion=fc.dispersion[rows],
        level_correlation=fc.level_correlation[rows],
        count=fc.count[rows],
        size_mean=fc.size_mean[rows],
        size_cv2=fc.size_cv2[rows],
        zero_inflation=fc.zero_inflation[rows],
        level_correction=fc.level_correction[rows],
        calibration=fc.calibration,
        n_paths=fc.n_paths,
        anchor=fc.anchor,
    )


def interleave_forecasts(
    order_ids: np.ndarray,
    parts: list[DemandForecast],
    history: DemandHistory | None,
) -> DemandForecast:
    """One forecast with rows in ``order_ids`` order, taken from the forecasts ``parts``.

    Each id is in exactly one of them.
    """
    parts = [p for p in parts if len(p.item_ids)]
    joined = concat_forecasts(parts) if len(parts) > 1 else parts[0]
    pos = pd.Index(np.asarray(joined.item_ids).astype(str)).get_indexer(
        np.asarray(order_ids).astype(str)
    )
    if (pos < 0).any():  # pragma: no cover - guarded by the caller
        raise KeyError("forecast rows missing for some items")
    return take_forecast(joined, pos, history)

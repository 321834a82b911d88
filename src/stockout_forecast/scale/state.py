"""The first pass: the small cross-item state that every chunk of items uses.

Most of the plan is per item, but a few steps look across items. The chunked planner makes
each of them explicit; this first pass computes what the chunks need *before* they run:

============================== =============================================================
cross-item step                how the chunked plan does it
============================== =============================================================
planning date, panel periods   ``as_of`` and the first activity of any item (``start``),
                               so every chunk's panel has the same periods
forecast row of each item      the sorted item ids of the history: chunk ``c`` starts on a
                               seed block and draws with ``block_offset`` (same paths)
class shrinkage, volume groups ``forecast_pool``: :class:`~.forecast.core.ForecastPool`
pooled dispersion, kappa       computed on a sample of at most ``sample_items`` items
                               (every item below that: the numbers of an unchunked run)
============================== =============================================================

and these run *after* the chunks, on their small outputs (:mod:`.assemble`): the ABC
ranking (revenue share over all items), the draft purchase orders (lines of many items per
supplier) and the allocation of stock to open customer orders (an order's lines shipped
together span items). A global forecast model (``GlobalGBM``) would be a fourth kind of
state (a model fitted across items); the chunked planner refuses it instead of fitting it
per chunk: with such a model the planner forecasts every item in one chunk
(:func:`chunkable`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from .._utils import spawn_seeds
from ..exceptions import InsufficientHistoryError
from ..forecast.core import ForecastPool, _forecast_demand
from ..forecast.result import DemandForecast
from ..history.demand import demand_history
from ..io.dataset import Dataset

__all__: list[str] = []

#: items whose forecasts fix the pooled forecast state when there are more
DEFAULT_SAMPLE_ITEMS = 5_000


@dataclass
class CrossItemState:
    """What every chunk of the plan needs to know about all items (small, picklable).

    ``sample_forecast`` (the forecasts of the sample items, made while computing the pool)
    is kept only by the single-process runner, which reuses those rows instead of
    forecasting the items again; it is not sent to Dask workers.
    """

    as_of: pd.Timestamp
    start: pd.Timestamp
    history_ids: np.ndarray
    seeds: list[Any]
    forecast_pool: ForecastPool | None = None
    sample_ids: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=object))
    sample_forecast: DemandForecast | None = None

    def without_sample_forecast(self) -> CrossItemState:
        """The state to broadcast (the sample's forecasts left out)."""
        return CrossItemState(
            self.as_of, self.start, self.history_ids, self.seeds, self.forecast_pool,
            self.sample_ids, None,
        )  # fmt: skip


def chunkable(model: Any) -> bool:
    """False for forecast models fitted across items (their fit is cross-item state).

    The planner then forecasts every item in one chunk.
    """
    names = [model] if isinstance(model, str) or hasattr(model, "fit") else list(model)
    for m in names:
        alias = m if isinstance(m, str) else getattr(m, "alias", "")
        if "global" in str(alias) or type(m).__name__ == "GlobalGBM":
            return False
    return True


def history_ids(dataset: Dataset) -> np.ndarray:
    """The sorted item ids of every table: each item is in every result, with a status."""
    ids: set[str] = set()
    for df in dataset.tables.values():
        if "item_id" in df.columns:
            ids |= set(pd.unique(df["item_id"].astype(str)))
    return np.asarray(sorted(ids), dtype=object)


def first_activity(dataset: Dataset, as_of: pd.Timestamp) -> pd.Timestamp:
    """The first sales line (any sign) or positive stock reading on or before ``as_of``."""
    days = []
    assert dataset.sales is not None
    d = dataset.sales["date"]
    d = d[d <= as_of]
    if len(d):
        days.append(d.min())
    st = dataset.stock_history
    if st is not None and len(st):
        pos = st.loc[(st["on_hand_units"] > 0) & (st["date"] <= as_of), "date"]
        if len(pos):
            days.append(pos.min())
    if not days:
        raise InsufficientHistoryError(
            f"sales has no line on or before as_of {as_of:%Y-%m-%d} (and no positive stock "
            f"reading): there is no history to build. Check as_of or the sales dates."
        )
    return pd.Timestamp(min(days)).normalize()


def sample_items(ids: np.ndarray, k: int) -> np.ndarray:
    """The ``k`` ids with the smallest stable hash (all of them when there are fewer).

    The hash depends on the id alone, so the sample does not depend on how the items are
    chunked or partitioned, nor on their order.
    """
    ids = np.asarray(ids, dtype=object)
    if len(ids) <= k:
        return ids
    h = pd.util.hash_array(ids.astype(str).astype(object), categorize=False)
    pick = np.lexsort((ids.astype(str), h))[:k]
    return np.sort(ids[pick])


def subset_dataset(dataset: Dataset, ids: np.ndarray) -> Dataset:
    """The rows of every table whose item is one of ``ids``."""
    keep = pd.Index(np.asarray(ids).astype(str))
    parts: dict[str, Any] = {}
    for name, df in dataset.tables.items():
        parts[name] = df.loc[df["item_id"].astype(str).isin(keep)]
    return Dataset(**parts, source=dataset.source)


def forecast_pool(
    sample: Dataset, ids: np.ndarray, state: CrossItemState, planner: Any
) -> tuple[ForecastPool, DemandForecast]:
    """The pooled forecast state from the forecasts of the sample items ``ids``."""
    assert sample.sales is not None
    hist = demand_history(
        sample.sales,
        sample.stock_history,
        freq=planner.freq,
        as_of=state.as_of,
        items=ids,
        start=state.start,
    )
    fc, info = _forecast_demand(
        hist,
        planner.model,
        horizon=planner._horizon_periods(),
        n_paths=planner.n_paths,
        random_state=state.seeds[0],
    )
    return info["pool"], fc


def cross_item_state(
    dataset: Dataset, planner: Any, *, sample: int | None = None
) -> CrossItemState:
    """Compute the cross-item state of ``planner`` on ``dataset`` (the first pass)."""
    as_of = planner._as_of(dataset)
    state = CrossItemState(
        as_of=as_of,
        start=first_activity(dataset, as_of),
        history_ids=history_ids(dataset),
        seeds=spawn_seeds(planner.random_state, 3),
    )
    if planner.forecast:
        k = DEFAULT_SAMPLE_ITEMS if sample is None else int(sample)
        if not chunkable(planner.model):
            k = len(state.history_ids)
        ids = sample_items(state.history_ids, k)
        sub = dataset if len(ids) == len(state.history_ids) else subset_dataset(dataset, ids)
        state.forecast_pool, state.sample_forecast = forecast_pool(sub, ids, state, planner)
        state.sample_ids = ids
    return state

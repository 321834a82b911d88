"""Projected on-hand stock per item and period from the engine's runs.

:func:`projection_frame` re-runs the engine (:mod:`.engine`) with on-hand kept per period
and summarises it as quantiles over the paths, in long format;
:func:`~stockout_forecast.projected_inventory` (in :mod:`.stockout`, next to the result
whose inputs it can reuse) is its public face.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .engine import Scenario, item_chunks, run_chunk

__all__ = ["projection_frame"]


def projection_frame(sc: Scenario, rows: np.ndarray, qs: tuple[float, ...]) -> pd.DataFrame:
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

"""A demo shop of any size, written straight to partitioned Parquet in bounded memory.

:func:`write_demo_parquet` simulates the items ``partition_items`` at a time (each batch a
demo shop of its own, seeded from ``SeedSequence(random_state, spawn_key=(batch,))``) and
writes every table of each batch as one Parquet file, so memory holds one batch whatever
the number of items: one million items are generated on a laptop. Item ids run on over the
batches (``SKU-0000000`` ...) and each file holds a contiguous, sorted id range, so a reader
that wants a range of items (a chunk of the planner, a Dask partition) skips the other
files by their statistics. Purchase-order, sales-order and customer ids carry the batch
number; suppliers (``SUP-...``) are shared by the batches.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from .._utils import check_int
from ..io.dataset import TABLE_NAMES
from .demo import DEMO_N_DAYS, DEMO_SEED, DEMO_START, _generate

__all__ = ["write_demo_parquet"]

#: columns holding ids that must stay unique across batches, and their prefix
_BATCH_IDS = {"po_id": "PO-", "order_id": "SO-", "customer_id": "C-"}


def _global_ids(ids: pd.Series, offset: int, width: int) -> pd.Series:
    """``SKU-<local>`` ids of a batch as ``SKU-<offset + local>`` of ``width`` digits."""
    local = ids.str.slice(4).astype(np.int64) + offset
    return "SKU-" + local.astype("str").str.zfill(width)


def write_demo_parquet(
    out_dir: str | Path,
    n_items: int,
    n_days: int = DEMO_N_DAYS,
    *,
    random_state: int = DEMO_SEED,
    start: str = DEMO_START,
    partition_items: int = 20_000,
) -> Path:
    """Write a demo shop of ``n_items`` items as partitioned Parquet, batch by batch.

    Parameters
    ----------
    out_dir : str or pathlib.Path
        Folder to write; gets one sub-folder per table, ``<table>.parquet/``, holding
        ``part-<batch>.parquet`` files (``read_dataset(out_dir)`` reads it back).
    n_items : int
        Number of items (>= 1).
    n_days : int, default 730
        Days of history (>= 28).
    random_state : int, default 20261126
        Seed; batch ``b`` is simulated from ``SeedSequence(random_state, spawn_key=(b,))``.
    start : str, default "2024-11-25"
        First day.
    partition_items : int, default 20,000
        Items simulated and written at once: memory grows with it, not with ``n_items``
        (about 1.5 GiB per 20,000 items over 730 days).

    Returns
    -------
    pathlib.Path
        ``out_dir``.

    Examples
    --------
    >>> import tempfile, stockout_forecast as sof
    >>> with tempfile.TemporaryDirectory() as d:
    ...     ds = sof.read_dataset(write_demo_parquet(d, 30, 60, partition_items=14))
    ...     ds.items["item_id"].tolist()[:2], len(ds.items), ds.sales["item_id"].is_monotonic_increasing
    (['SKU-00000', 'SKU-00001'], 30, True)
    """
    n_items = check_int(n_items, "n_items", minimum=1)
    per = check_int(partition_items, "partition_items", minimum=7)
    out = Path(out_dir)
    width = max(5, len(str(n_items - 1)))
    for b, lo in enumerate(range(0, n_items, per)):
        k = min(per, n_items - lo)
        seed = np.random.SeedSequence(int(random_state), spawn_key=(b,))
        tables = _generate(k, n_days, seed, start, keep_truth=False).tables
        for name in TABLE_NAMES:
            df = tables.pop(name)
            df["item_id"] = _global_ids(df["item_id"], lo, width)
            for col, prefix in _BATCH_IDS.items():
                if col in df.columns:
                    df[col] = (
                        prefix
                        + f"{b:04d}-"
                        + df[col].astype("str").str.replace(rf"^{prefix}", "", regex=True)
                    )
            folder = out / f"{name}.parquet"
            folder.mkdir(parents=True, exist_ok=True)
            # rows by item (dates stay in order within an item) in small row groups: a
            # reader of an item range skips the other groups by their statistics (sales
            # by date put every item in every group: each chunk decoded the whole part)
            df = df.sort_values("item_id", kind="stable")
            df.to_parquet(folder / f"part-{b:05d}.parquet", index=False, row_group_size=65_536)
            del df
    return out

"""Reading a partitioned Parquet dataset by item-id range (what a chunk or a worker needs).

A dataset folder holds one ``<table>.parquet`` per table, a file or a folder of Parquet parts
(as :func:`~stockout_forecast.datasets.write_demo_parquet` writes them). :func:`read_range`
reads the rows of the items ``lo <= item_id < hi`` of every table with a filter that
pyarrow pushes down to the parts' statistics, so a worker reads its own items and skips the
rest; :func:`scan_parts` gives, part by part, what the first pass needs (item ids, first
and last dates) without holding a whole table anywhere. Only the columns the plan uses are
read (:data:`PLAN_COLUMNS`): the order and customer ids of the sales lines, two strings per
line, took two thirds of the time of reading a chunk.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..io.dataset import TABLE_NAMES, Dataset
from ..io.schema import TABLES
from ..io.validation import validate_table

__all__: list[str] = []


def _pyarrow() -> tuple[Any, Any]:
    import pyarrow.compute as pc
    import pyarrow.dataset as pads

    return pads, pc


def is_partitioned(path: str | Path) -> bool:
    """Whether ``path`` is a folder whose sales table is Parquet (a file or parts)."""
    p = Path(path)
    return p.is_dir() and (p / f"{TABLES['sales'].file_stem}.parquet").exists()


def table_paths(path: str | Path) -> dict[str, Path]:
    """The Parquet file or folder of each table present."""
    p = Path(path)
    out = {}
    for name in TABLE_NAMES:
        f = p / f"{TABLES[name].file_stem}.parquet"
        if f.exists():
            out[name] = f
    return out


def part_files(path: Path) -> list[Path]:
    """The Parquet parts of a table (the file itself when it is one file)."""
    return sorted(path.glob("*.parquet")) if path.is_dir() else [path]


#: the columns the plan reads of a table (the others are not read); tables not named here
#: are read whole. The sales lines' order and customer ids feed no step of the plan.
PLAN_COLUMNS: dict[str, tuple[str, ...]] = {
    "sales": ("item_id", "date", "units", "unit_price"),
}


def _read(
    path: Path, filt: Any, columns: list[str] | None = None, table: str | None = None
) -> pd.DataFrame:
    """Rows of ``path`` passing ``filt``: ``columns``, else the plan's columns of ``table``."""
    pads, _ = _pyarrow()
    data = pads.dataset(str(path), format="parquet")
    if columns is None and table in PLAN_COLUMNS:
        columns = [c for c in data.schema.names if c in PLAN_COLUMNS[table]]
    return data.to_table(filter=filt, columns=columns).to_pandas()


def read_range(path: str | Path, lo: str | None, hi: str | None, source: str = "") -> Dataset:
    """Every table's rows for the items with ``lo <= item_id < hi`` (None: open end)."""
    pads, pc = _pyarrow()
    field = pads.field("item_id")
    filt = None
    if lo is not None:
        filt = field >= lo
    if hi is not None:
        filt = (field < hi) if filt is None else filt & (field < hi)
    tables: dict[str, Any] = {}
    for name, p in table_paths(path).items():
        df = _read(p, filt, table=name)
        tables[name] = validate_table(
            df, name, allow_empty=name != "sales" or lo is not None or hi is not None
        )
    del pc
    return Dataset(**tables, source=source)


def read_items(path: str | Path, ids: np.ndarray, source: str = "") -> Dataset:
    """Every table's rows for the items ``ids`` (the first pass's sample)."""
    pads, pc = _pyarrow()
    import pyarrow as pa

    filt = pc.is_in(pads.field("item_id"), value_set=pa.array(np.asarray(ids).astype(str)))
    tables: dict[str, Any] = {
        name: validate_table(_read(p, filt, table=name), name, allow_empty=True)
        for name, p in table_paths(path).items()
    }
    return Dataset(**tables, source=source)


def scan_part(part: Path, table: str) -> dict[str, Any]:
    """One part of a table: its item ids and dates.

    The first and last dates for sales, the first day with stock on hand for the stock
    history.
    """
    cols = ["item_id"]
    if table == "sales":
        cols.append("date")
    elif table == "stock_history":
        cols += ["date", "on_hand_units"]
    df = _read(part, None, cols)
    out: dict[str, Any] = {"ids": pd.unique(df["item_id"].astype(str))}
    if table == "sales" and len(df):
        d = pd.to_datetime(df["date"])
        out["first"], out["last"] = d.min(), d.max()
    if table == "stock_history" and len(df):
        pos = df["on_hand_units"].astype(float) > 0
        out["first"] = pd.to_datetime(df.loc[pos, "date"]).min() if pos.any() else None
    return out


def read_part_items(part: Path, table: str, ids: np.ndarray) -> pd.DataFrame:
    """The rows of one part of ``table`` whose item is one of ``ids`` (not validated)."""
    pads, pc = _pyarrow()
    import pyarrow as pa

    filt = pc.is_in(pads.field("item_id"), value_set=pa.array(np.asarray(ids).astype(str)))
    return _read(part, filt, table=table)

"""Tables in requests: JSON records or CSV text in, validated DataFrames out, errors as 422.

Every table of a request is either a list of JSON records (one object per row, the data
contract's column names as keys) or one string holding CSV text with a header line. Rows are
numbered from 1 in the order they were sent (CSV: the first line after the header is row 1),
so the ``rows`` of an error point at what the caller sent. Validation is the library's
(:func:`stockout_forecast.validate_table`, :func:`stockout_forecast.validate_dataset`) and its
message is passed on unchanged; the service adds the table, column, rows and fix it names as
separate fields.
"""

from __future__ import annotations

import csv
import io
import re
import warnings
from typing import Any

import pandas as pd

import stockout_forecast as sof

__all__ = ["RequestError", "build_dataset", "error_detail", "parse_table"]

TABLE_NAMES = (
    "sales",
    "stock_history",
    "inventory",
    "purchase_orders",
    "suppliers",
    "items",
    "customer_orders",
)
_MAY_BE_EMPTY = {"purchase_orders", "customer_orders"}


class RequestError(ValueError):
    """A request the service refuses, with the fields of its 422 (or other) answer."""

    def __init__(
        self,
        message: str,
        *,
        table: str | None = None,
        column: str | None = None,
        rows: list[int] | None = None,
        fix: str | None = None,
        status_code: int = 422,
        error: str = "invalid_input",
    ) -> None:
        super().__init__(message)
        self.detail = {
            "error": error,
            "message": message,
            "table": table,
            "column": column,
            "rows": rows,
            "fix": fix,
        }
        self.status_code = status_code


_ROWS = re.compile(r"rows? \[([0-9, ]+)\]")
_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z])")


def error_detail(err: Exception, table: str | None) -> RequestError:
    """A library error as a RequestError: its message, and the table, column, rows and fix in it."""
    msg = str(err)
    column = None
    t = table
    m = re.match(r"^(\w+)\.(\w+) ", msg)
    if m and m.group(1) in TABLE_NAMES:
        t, column = m.group(1), m.group(2)
    else:
        m = re.match(r"^(\w+) is missing columns? \[?'([^']+)'", msg)
        if m and m.group(1) in TABLE_NAMES:
            t, column = m.group(1), m.group(2)
        else:
            m = re.match(r"^(\w+) ", msg)
            if t is None and m and m.group(1) in TABLE_NAMES:
                t = m.group(1)
    rows = None
    rm = _ROWS.search(msg)
    if rm:
        rows = [int(x) for x in rm.group(1).replace(" ", "").split(",") if x]
    parts = _SENTENCE.split(msg)
    fix = parts[-1] if len(parts) > 1 else None
    if fix and "column_map" in fix:
        fix = (
            "Send the columns under the contract's names (item_id, date, units, ...), or map "
            'yours with column_maps, e.g. {"sales": {"SKU": "item_id"}}.'
        )
    return RequestError(msg, table=t, column=column, rows=rows, fix=fix)


def _from_csv(text: str, table: str) -> pd.DataFrame:
    try:
        df = pd.read_csv(
            io.StringIO(text),
            dtype=str,
            keep_default_na=False,
            na_values=[""],
            skipinitialspace=True,
        )
    except (pd.errors.ParserError, pd.errors.EmptyDataError, csv.Error, UnicodeError) as err:
        raise RequestError(
            f"{table} is not readable CSV: {err}",
            table=table,
            fix="Send CSV text with one header line and comma-separated values.",
        ) from err
    return df


def parse_table(value: Any, table: str, column_map: dict[str, str] | None = None) -> pd.DataFrame:
    """A request's table as a raw DataFrame indexed by row number (1-based), renamed."""
    if isinstance(value, str):
        df = _from_csv(value, table)
    else:
        rows = [r if isinstance(r, dict) else dict(r) for r in value]
        df = pd.DataFrame.from_records(rows) if rows else pd.DataFrame()
    df.index = pd.RangeIndex(1, len(df) + 1)
    if column_map:
        unknown = [k for k in column_map if k not in df.columns]
        if unknown:
            raise RequestError(
                f"column_maps[{table!r}] names columns not in {table}: {unknown}. "
                f"Found: {[str(c) for c in df.columns]}.",
                table=table,
                column=unknown[0],
                fix="Map only the columns you send.",
            )
        df = df.rename(columns=column_map)
    return df


def build_dataset(
    tables: dict[str, Any],
    column_maps: dict[str, dict[str, str]] | None,
    *,
    max_items: int,
) -> sof.Dataset:
    """Validate the request's tables together, as ``read_dataset`` would; raise RequestError."""
    frames = {}
    maps = column_maps or {}
    for name in maps:
        if name not in TABLE_NAMES:
            raise RequestError(
                f"column_maps names an unknown table {name!r}; tables: {list(TABLE_NAMES)}.",
                fix="Use the table names of the data contract.",
            )
    for name, value in tables.items():
        if value is None:
            continue
        df = parse_table(value, name, maps.get(name))
        try:
            frames[name] = sof.validate_table(df, name, allow_empty=name in _MAY_BE_EMPTY)
        except ValueError as err:
            raise error_detail(err, name) from err
    ids = set()
    for df in frames.values():
        if "item_id" in df.columns:
            ids.update(df["item_id"].dropna().unique().tolist())
    if len(ids) > max_items:
        raise RequestError(
            f"The request has {len(ids):,} items; this service takes at most {max_items:,} "
            "in one request.",
            column="item_id",
            status_code=413,
            error="too_many_items",
            fix="Split the items over several requests.",
        )
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            ds = sof.validate_dataset(sof.Dataset(**frames, source="request"))  # type: ignore[arg-type]
    except ValueError as err:
        raise error_detail(err, None) from err
    extra = [str(w.message) for w in caught if str(w.message) not in ds.notes]
    ds.notes.extend(extra)
    return ds

"""Schema checks for the tables of the data contract.

``validate_table`` is the single gate every table passes, whether it came from a file through
a ``read_*`` function or straight from an analyst's DataFrame. It returns a normalised copy
(ids as strings, dates as ``datetime64``, quantities as ``float64``) and raises
:class:`~stockout_forecast.exceptions.SchemaError` with a message that names the table, the
column, the first offending rows and what to do.
"""

from __future__ import annotations

import difflib

import numpy as np
import pandas as pd

from .exceptions import SchemaError
from .schema import TABLES, TableSpec

__all__ = ["validate_table"]

_MAX_SHOWN = 5


def _spec(table: str) -> TableSpec:
    try:
        return TABLES[table]
    except KeyError as err:
        raise ValueError(f"Unknown table {table!r}; expected one of {sorted(TABLES)}.") from err


def _rows(index: pd.Index | np.ndarray) -> str:
    """First few row labels, as 'rows [3, 7, 9] (and 12 more)'."""
    labels = list(index)
    shown = ", ".join(str(i) for i in labels[:_MAX_SHOWN])
    more = f" (and {len(labels) - _MAX_SHOWN} more)" if len(labels) > _MAX_SHOWN else ""
    return f"rows [{shown}]{more}"


def _suggest_column_map(spec: TableSpec, missing: list[str], found: list[str]) -> dict[str, str]:
    """Guess which found column is meant for each missing one (case/spelling/synonyms)."""
    synonyms = {
        "item_id": ["sku", "item", "product", "product_id", "article", "part", "part_number"],
        "units": ["qty", "quantity", "sales", "demand", "amount", "count"],
        "date": ["day", "timestamp", "order_date", "sale_date", "ds", "week", "month"],
        "on_hand_units": ["on_hand", "stock", "qty_on_hand", "soh", "stock_on_hand", "onhand"],
        "supplier_id": ["supplier", "vendor", "vendor_id"],
        "lead_time_days": ["lead_time", "leadtime", "lt", "lt_days"],
        "unit_cost": ["cost", "price", "purchase_price"],
        "po_id": ["po", "po_number", "purchase_order"],
        "expected_date": ["eta", "due_date", "expected", "promised"],
    }
    free = [f for f in found if f not in spec.columns]
    lower = {f.lower().replace(" ", "_"): f for f in free}
    out: dict[str, str] = {}
    for m in missing:
        cand = None
        for s in [m, *synonyms.get(m, [])]:
            if s in lower and lower[s] not in out:
                cand = lower[s]
                break
        if cand is None:
            close = difflib.get_close_matches(m, list(lower), n=1, cutoff=0.6)
            if close and lower[close[0]] not in out:
                cand = lower[close[0]]
        if cand is not None:
            out[cand] = m
    return out


def validate_table(
    df: pd.DataFrame,
    table: str,
    *,
    allow_empty: bool = False,
    reader: str | None = None,
) -> pd.DataFrame:
    """Check ``df`` against the contract for ``table`` and return a normalised copy.

    Parameters
    ----------
    df : pandas.DataFrame
        The table, with the contract's column names (see :mod:`stockout_forecast.schema`).
    table : str
        One of ``"sales"``, ``"stock_history"``, ``"inventory"``, ``"purchase_orders"``,
        ``"suppliers"``, ``"items"``, ``"customer_orders"``.
    allow_empty : bool, default False
        Accept a table with no rows (an empty open-PO list is normal; empty sales is not).
    reader : str, optional
        Name of the ``read_*`` function to recommend in messages.

    Returns
    -------
    pandas.DataFrame
        A copy with ids as strings, dates as ``datetime64[ns]``, quantities as ``float64``;
        unknown extra columns are kept unchanged. The input is never modified.

    Raises
    ------
    SchemaError
        Missing column, empty table, unparseable date, non-numeric quantity, negative value
        where the column must be non-negative, fraction outside [0, 1], missing id, duplicate key.

    Examples
    --------
    >>> import pandas as pd
    >>> sales = pd.DataFrame({"SKU": ["A"], "date": ["2024-01-01"], "Qty": [3]})
    >>> validate_table(sales, "sales")
    Traceback (most recent call last):
    ...
    stockout_forecast.exceptions.SchemaError: sales is missing columns ['item_id', 'units']. Found: ['SKU', 'date', 'Qty']. Pass column_map={'SKU': 'item_id', 'Qty': 'units'} to read_sales().
    """
    spec = _spec(table)
    reader = reader or f"read_{table}"
    if not isinstance(df, pd.DataFrame):
        raise TypeError(f"{table} must be a pandas DataFrame; got {type(df).__name__}.")
    found = [str(c) for c in df.columns]
    missing = [c for c in spec.required_names if c not in found]
    if missing:
        suggestion = _suggest_column_map(spec, missing, found)
        noun = "column" if len(missing) == 1 else "columns"
        what = repr(missing[0]) if len(missing) == 1 else repr(missing)
        hint = (
            f" Pass column_map={suggestion!r} to {reader}()."
            if suggestion
            else f" Rename your columns to the contract names with column_map=... in {reader}()."
        )
        raise SchemaError(f"{table} is missing {noun} {what}. Found: {found}.{hint}")
    if len(df) == 0 and not allow_empty:
        raise SchemaError(
            f"{table} is empty: it has the right columns but no rows. "
            f"Check the file or query that produced it."
        )

    out = df.copy()
    out.columns = found
    for name, col in spec.columns.items():
        if name not in out.columns:
            continue
        s = out[name]
        if col.kind == "id":
            bad = s.isna()
            if bad.any() and name in spec.required_names:
                raise SchemaError(
                    f"{table}.{name} is empty in {_rows(out.index[bad.to_numpy()])}. "
                    f"Every row needs a {name}; fill or drop those rows."
                )
            out[name] = _as_id(s)
        elif col.kind == "date":
            parsed = pd.to_datetime(s, errors="coerce", format="mixed")
            bad = parsed.isna() & s.notna()
            if bad.any():
                examples = [repr(v) for v in s[bad].head(3)]
                raise SchemaError(
                    f"{table}.{name} has dates that cannot be parsed in "
                    f"{_rows(out.index[bad.to_numpy()])}, e.g. {', '.join(examples)}. "
                    f"Use ISO dates (YYYY-MM-DD)."
                )
            if name in spec.required_names and parsed.isna().any():
                raise SchemaError(
                    f"{table}.{name} is empty in {_rows(out.index[parsed.isna().to_numpy()])}. "
                    f"Every row needs a {name}."
                )
            if getattr(parsed.dt, "tz", None) is not None:
                parsed = parsed.dt.tz_localize(None)
            out[name] = parsed.astype("datetime64[ns]")
        elif col.kind in ("number", "fraction"):
            num = pd.to_numeric(s, errors="coerce")
            bad = num.isna() & s.notna()
            if bad.any():
                examples = [repr(v) for v in s[bad].head(3)]
                raise SchemaError(
                    f"{table}.{name} must be numeric; found non-numeric values in "
                    f"{_rows(out.index[bad.to_numpy()])}, e.g. {', '.join(examples)}. "
                    f"Remove units or thousands separators from the values."
                )
            num = num.astype("float64")
            if name in spec.required_names and num.isna().any():
                raise SchemaError(
                    f"{table}.{name} is empty in {_rows(out.index[num.isna().to_numpy()])}. "
                    f"Fill the missing values (0 if there were none)."
                )
            if col.nonnegative and (num < 0).any():
                neg = num < 0
                items = (
                    f" (items {sorted(set(out.loc[neg, 'item_id'].astype(str)))[:_MAX_SHOWN]})"
                    if "item_id" in out.columns
                    else ""
                )
                raise SchemaError(
                    f"{table}.{name} must not be negative; found {int(neg.sum())} negative "
                    f"values in {_rows(out.index[neg.to_numpy()])}{items}. "
                    f"Correct the source data (a negative {name} is a booking error)."
                )
            if col.kind == "fraction" and ((num <= 0) | (num > 1)).any():
                badf = (num <= 0) | (num > 1)
                hint = " They look like percentages: divide by 100." if (num > 1).all() else ""
                raise SchemaError(
                    f"{table}.{name} must be a fraction in (0, 1]; found "
                    f"{num[badf].head(3).tolist()} in {_rows(out.index[badf.to_numpy()])}.{hint}"
                )
            out[name] = num
    if spec.key:
        dup = out.duplicated(list(spec.key), keep=False)
        if dup.any():
            first = out.loc[dup, list(spec.key)].head(_MAX_SHOWN)
            keys = [tuple(r) if len(r) > 1 else r[0] for r in first.itertuples(index=False)]
            raise SchemaError(
                f"{table} has {int(dup.sum())} rows with a duplicate key {list(spec.key)} in "
                f"{_rows(out.index[dup.to_numpy()])}, e.g. {keys}. "
                f"Each {' x '.join(spec.key)} must appear once: aggregate or remove duplicates."
            )
    return out


def _as_id(s: pd.Series) -> pd.Series:
    """Ids as strings; floats that are whole numbers lose their '.0' (Excel reads 7 as 7.0)."""
    if pd.api.types.is_float_dtype(s):
        whole = s.dropna()
        if (whole == np.floor(whole)).all():
            return s.map(lambda v: str(int(v)) if pd.notna(v) else v).astype("str")
    return s.astype("str")

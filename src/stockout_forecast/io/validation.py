"""Schema checks for the tables of the data contract.

``validate_table`` is the single gate every table passes, whether it came from a file through
a ``read_*`` function or straight from an analyst's DataFrame. It returns a normalised copy
(ids as strings, dates as ``datetime64``, quantities as ``float64``) and raises
:class:`~stockout_forecast.exceptions.SchemaError` with a message that names the table, the
column, the first offending rows and what to do.

``validate_dataset`` runs the same gate on every table of a :class:`Dataset` and then the
checks that need more than one table (items known, dates in order, snapshot date). Where the
data can still be used it warns with :class:`~stockout_forecast.exceptions.DataQualityWarning`
instead of raising, and every warning, adjustment or exclusion is written to
``Dataset.notes`` so that nothing changes silently.
"""

from __future__ import annotations

import difflib
import warnings
from collections.abc import Callable

import numpy as np
import pandas as pd

from .._utils import format_ids
from ..exceptions import DataQualityWarning, SchemaError
from .dataset import TABLE_NAMES, Dataset
from .schema import TABLES, ColumnSpec, TableSpec

__all__ = ["validate_dataset", "validate_table"]

#: tables that may legitimately have no rows (no open purchase orders, no open customer orders)
MAY_BE_EMPTY = frozenset({"purchase_orders", "customer_orders"})

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


def _count_rows(index: pd.Index) -> str:
    """'1 row [3]' or '12 rows [3, 7, 9, 10, 11] (and 7 more)'."""
    n = len(index)
    return f"{n} {_rows(index)}" if n != 1 else f"1 row [{index[0]}]"


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
        The table, with the contract's column names (see :mod:`stockout_forecast.io.schema`).
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
    return _validate_table(df, table, allow_empty=allow_empty, reader=reader)


def _validate_table(
    df: pd.DataFrame,
    table: str,
    *,
    allow_empty: bool = False,
    reader: str | None = None,
    map_hint: Callable[[dict[str, str]], str] | None = None,
) -> pd.DataFrame:
    """:func:`validate_table`; ``map_hint`` formats the column-map advice (for read_dataset)."""
    spec = _spec(table)
    reader = reader or f"read_{table}"
    if not isinstance(df, pd.DataFrame):
        raise TypeError(f"{table} must be a pandas DataFrame; got {type(df).__name__}.")
    found = [str(c) for c in df.columns]
    _check_required_columns(spec, table, found, reader=reader, map_hint=map_hint)
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
        required = name in spec.required_names
        if col.kind == "id":
            out[name] = _id_column(out, table, name, required=required)
        elif col.kind == "date":
            out[name] = _date_column(out, table, name, required=required)
        elif col.kind in ("number", "fraction"):
            out[name] = _number_column(out, table, name, col, required=required)
    if spec.key:
        _check_unique_key(out, table, spec.key)
    return out


def _check_required_columns(
    spec: TableSpec,
    table: str,
    found: list[str],
    *,
    reader: str,
    map_hint: Callable[[dict[str, str]], str] | None,
) -> None:
    """Raise when a required column is missing, suggesting the ``column_map`` to pass."""
    missing = [c for c in spec.required_names if c not in found]
    if not missing:
        return
    suggestion = _suggest_column_map(spec, missing, found)
    noun = "column" if len(missing) == 1 else "columns"
    what = repr(missing[0]) if len(missing) == 1 else repr(missing)
    shown = map_hint(suggestion) if map_hint else f"column_map={suggestion!r}"
    hint = (
        f" Pass {shown} to {reader}()."
        if suggestion
        else f" Rename your columns to the contract names with column_map=... in {reader}()."
    )
    raise SchemaError(f"{table} is missing {noun} {what}. Found: {found}.{hint}")


def _id_column(out: pd.DataFrame, table: str, name: str, *, required: bool) -> pd.Series:
    """An id column as strings; a required id may not be empty."""
    s = out[name]
    bad = s.isna()
    if bad.any() and required:
        raise SchemaError(
            f"{table}.{name} is empty in {_rows(out.index[bad.to_numpy()])}. "
            f"Every row needs a {name}; fill or drop those rows."
        )
    return _as_id(s)


def _date_column(out: pd.DataFrame, table: str, name: str, *, required: bool) -> pd.Series:
    """A date column parsed to naive ``datetime64[ns]``."""
    s = out[name]
    parsed = pd.to_datetime(s, errors="coerce", format="mixed")
    bad = parsed.isna() & s.notna()
    if bad.any():
        examples = [repr(v) for v in s[bad].head(3)]
        raise SchemaError(
            f"{table}.{name} has dates that cannot be parsed in "
            f"{_rows(out.index[bad.to_numpy()])}, e.g. {', '.join(examples)}. "
            f"Use ISO dates (YYYY-MM-DD)."
        )
    if required and parsed.isna().any():
        raise SchemaError(
            f"{table}.{name} is empty in {_rows(out.index[parsed.isna().to_numpy()])}. "
            f"Every row needs a {name}."
        )
    if getattr(parsed.dt, "tz", None) is not None:
        parsed = parsed.dt.tz_localize(None)
    return parsed.astype("datetime64[ns]")


def _number_column(
    out: pd.DataFrame, table: str, name: str, col: ColumnSpec, *, required: bool
) -> pd.Series:
    """A quantity or fraction column as ``float64``, checked for sign and range."""
    s = out[name]
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
    if required and num.isna().any():
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
    return num


def _check_unique_key(out: pd.DataFrame, table: str, key: tuple[str, ...]) -> None:
    """Raise when a key appears on more than one row."""
    dup = out.duplicated(list(key), keep=False)
    if dup.any():
        first = out.loc[dup, list(key)].head(_MAX_SHOWN)
        keys = [tuple(r) if len(r) > 1 else r[0] for r in first.itertuples(index=False)]
        raise SchemaError(
            f"{table} has {int(dup.sum())} rows with a duplicate key {list(key)} in "
            f"{_rows(out.index[dup.to_numpy()])}, e.g. {keys}. "
            f"Each {' x '.join(key)} must appear once: aggregate or remove duplicates."
        )


def _as_id(s: pd.Series) -> pd.Series:
    """Ids as strings; floats that are whole numbers lose their '.0' (Excel reads 7 as 7.0)."""
    if pd.api.types.is_float_dtype(s):
        whole = s.dropna()
        if (whole == np.floor(whole)).all():
            return s.map(lambda v: str(int(v)) if pd.notna(v) else v).astype("str")
    return s.astype("str")


# --------------------------------------------------------------------------- datasets
#: tables whose rows refer to items and must name items known from sales or items.
#: purchase orders and supplier terms for an unknown item are errors (almost always an id
#: mismatch between systems); the others are kept with a warning (dead stock, pre-orders).
_ITEM_TABLES_STRICT = ("purchase_orders", "suppliers")
_ITEM_TABLES_LENIENT = ("inventory", "stock_history", "customer_orders")
#: (table, date column) pairs that describe the past and must not be after the snapshot date
_PAST_DATES = (
    ("sales", "date"),
    ("stock_history", "date"),
    ("purchase_orders", "order_date"),
    ("purchase_orders", "received_date"),
    ("customer_orders", "order_date"),
)


def validate_dataset(dataset: Dataset) -> Dataset:
    """Check every table of a :class:`Dataset` and the links between tables.

    Each table first passes :func:`validate_table` (missing columns, unparseable dates,
    non-numeric quantities, negative quantities, duplicate keys, empty tables). Then the
    checks that need more than one table run, in this order.

    Parameters
    ----------
    dataset : Dataset
        The tables in the contract's column names; ``sales`` is required, the others may be
        ``None``. ``purchase_orders`` and ``customer_orders`` may have no rows (nothing open).

    Returns
    -------
    Dataset
        A new Dataset with every table normalised (ids ``str``, dates ``datetime64[ns]``,
        quantities ``float64``), the adjustments below applied, and ``notes`` extended with one
        line per warning, adjustment or observation (existing notes are kept, none repeated).
        The input is not modified.

    Raises
    ------
    SchemaError
        Errors (the data cannot be used as they are):

        - ``sales`` is absent or empty, or any :func:`validate_table` error;
        - ``purchase_orders.expected_date`` or ``purchase_orders.received_date`` before
          ``order_date`` (a lead time cannot be negative);
        - ``purchase_orders`` or ``suppliers`` rows for items found in neither ``sales`` nor
          ``items`` (usually ids that differ between systems, such as lost leading zeros).

    Warns
    -----
    DataQualityWarning
        Warnings (the data remain usable; each one is also a line of ``notes``):

        - ``inventory``, ``stock_history`` or ``customer_orders`` rows for items found in
          neither ``sales`` nor ``items``: kept, as items without sales history (dead stock,
          pre-orders of a new item);
        - negative ``stock_history.on_hand_units``: set to 0 (see Notes);
        - past-describing dates after the inventory snapshot date ``max(inventory.as_of)``:
          ``sales.date``, ``stock_history.date``, ``purchase_orders.order_date``,
          ``purchase_orders.received_date``, ``customer_orders.order_date``; kept.

    Notes
    -----
    Known items are ``set(sales.item_id) | set(items.item_id)``. When an unknown id matches a
    known one after removing leading zeros, spaces and case (``"7"`` and ``"007"``), the
    message says so: ids must match exactly.

    Negative on-hand stock is booked stock, not physical stock: goods were sold before their
    receipt was booked. The day ends with nothing reliably on the shelf, so the reading is set to
    0 and the day counts as out of stock (censored demand). Inventory snapshots, by contrast,
    must not be negative (a :class:`SchemaError` from :func:`validate_table`).

    Nothing is dropped. Sales lines with zero units are kept (they show the item was listed).
    Sales lines identical to another line in every column are kept, because transaction exports
    list repeated identical sales separately; their count is written to ``notes`` since in a file
    of daily totals they are double counts. Items sold but missing from ``items`` are noted.

    Examples
    --------
    >>> import pandas as pd
    >>> from stockout_forecast.io.dataset import Dataset
    >>> sales = pd.DataFrame(
    ...     {"item_id": ["A", "A", "B"], "date": ["2024-01-01"] * 3, "units": [2, 2, 1]}
    ... )
    >>> ds = validate_dataset(Dataset(sales=sales))
    >>> ds.notes
    ['sales has 1 lines identical to another line in every column; kept ...']
    >>> po = pd.DataFrame({"po_id": ["P1"], "item_id": ["A"], "supplier_id": ["S"],
    ...                    "units": [10], "order_date": ["2024-01-10"],
    ...                    "expected_date": ["2024-01-03"]})
    >>> validate_dataset(Dataset(sales=sales, purchase_orders=po))
    Traceback (most recent call last):
    ...
    stockout_forecast.exceptions.SchemaError: purchase_orders.expected_date is before order_date in 1 row ...
    """
    if not isinstance(dataset, Dataset):
        raise TypeError(f"dataset must be a Dataset; got {type(dataset).__name__}.")
    tables = {
        name: validate_table(df, name, allow_empty=name in MAY_BE_EMPTY)
        for name, df in dataset.tables.items()
    }
    return _check_dataset(tables, notes=dataset.notes, source=dataset.source)


def _check_dataset(tables: dict[str, pd.DataFrame], *, notes: list[str], source: str) -> Dataset:
    """Cross-table checks on already validated tables; warnings go out with stacklevel 3."""
    unknown_tables = sorted(set(tables) - set(TABLE_NAMES))
    if unknown_tables:
        raise ValueError(f"Unknown tables {unknown_tables}; expected some of {list(TABLE_NAMES)}.")
    if tables.get("sales") is None:
        raise SchemaError(
            "The dataset has no sales table; sales is required (item_id, date, units). "
            "Add sales.csv (or a 'sales' sheet or database table) next to the other tables."
        )
    tables = dict(tables)
    pending: list[tuple[str, bool]] = []  # (message, also warn?)

    _check_po_dates(tables.get("purchase_orders"))
    _check_item_ids(tables, pending)
    sh = tables.get("stock_history")
    if sh is not None:
        tables["stock_history"] = _clip_negative_stock(sh, pending)
    _check_future_dates(tables, pending)
    _note_duplicate_sales(tables["sales"], pending)
    _note_items_without_master(tables, pending)

    out_notes = list(notes)
    for msg, warn in pending:
        if warn:
            warnings.warn(msg, DataQualityWarning, stacklevel=3)
        if msg not in out_notes:
            out_notes.append(msg)
    return Dataset(**tables, notes=out_notes, source=source)


def _first_items(df: pd.DataFrame, mask: pd.Series) -> str:
    return format_ids(np.asarray(pd.unique(df.loc[mask, "item_id"])))


def _check_po_dates(po: pd.DataFrame | None) -> None:
    """expected_date and received_date must not be before order_date (SchemaError)."""
    if po is None or len(po) == 0:
        return
    for col, verb in (("expected_date", "expected"), ("received_date", "received")):
        if col not in po.columns:
            continue
        bad = (po[col] < po["order_date"]).to_numpy()  # NaT compares False
        if not bad.any():
            continue
        first = po.loc[bad].head(3)
        examples = "; ".join(
            f"po_id {p!r} item {i!r}: ordered {o:%Y-%m-%d}, {verb} {d:%Y-%m-%d}"
            for p, i, o, d in zip(
                first["po_id"], first["item_id"], first["order_date"], first[col], strict=True
            )
        )
        n_bad, n_dated = int(bad.sum()), int(po[col].notna().sum())
        swapped = (
            f" Every dated row has it so: the columns look swapped; check the column_map for "
            f"{col} and order_date."
            if n_bad == n_dated and n_bad > 1
            else ""
        )
        raise SchemaError(
            f"purchase_orders.{col} is before order_date in {_count_rows(po.index[bad])}: "
            f"{examples}. A lead time cannot be negative: correct the "
            f"dates in the source.{swapped}"
        )


def _canonical_ids(ids: pd.Index) -> pd.Index:
    """Ids with spaces, case and leading zeros removed, to spot format mismatches."""
    s = pd.Series(ids.astype("str"), dtype="str").str.strip().str.lower().str.lstrip("0")
    return pd.Index(s.mask(s == "", "0"))


def _id_format_hint(unknown: np.ndarray, known: pd.Index) -> str:
    """' Some look like known ids ...' when unknown ids match known ones loosely."""
    canon_known = pd.Series(known, index=_canonical_ids(known))
    canon_known = canon_known[~canon_known.index.duplicated()]
    matched = canon_known.reindex(_canonical_ids(pd.Index(unknown)))
    pairs = [(u, k) for u, k in zip(unknown, matched.to_numpy(), strict=True) if pd.notna(k)]
    if not pairs:
        return ""
    shown = ", ".join(f"{u!r} ~ {k!r}" for u, k in pairs[:3])
    return (
        f" {len(pairs)} of them match a known id once leading zeros, spaces and case are "
        f"ignored ({shown}): ids must match exactly, so export them as text in both systems."
    )


def _check_item_ids(tables: dict[str, pd.DataFrame], pending: list[tuple[str, bool]]) -> None:
    """Every item referred to must be known from sales or items."""
    known = pd.Index(pd.unique(tables["sales"]["item_id"]))
    if tables.get("items") is not None:
        known = known.union(pd.Index(pd.unique(tables["items"]["item_id"])))
    for name in (*_ITEM_TABLES_STRICT, *_ITEM_TABLES_LENIENT):
        df = tables.get(name)
        if df is None or len(df) == 0:
            continue
        bad = ~df["item_id"].isin(known)
        if not bad.any():
            continue
        unknown = pd.unique(df.loc[bad, "item_id"])
        head = (
            f"{name}.item_id refers to items found in neither sales nor items: "
            f"{format_ids(np.asarray(unknown))}, in {_rows(df.index[bad.to_numpy()])}."
        )
        hint = _id_format_hint(np.asarray(unknown), known)
        if name in _ITEM_TABLES_STRICT:
            raise SchemaError(
                f"{head}{hint} Correct the item_id, or list every item in an items table "
                f"(items.csv; an item with no sales yet needs a row there)."
            )
        pending.append(
            (
                f"{head} They are kept, as items without sales history.{hint} If they are "
                f"typing errors, correct the item_id; otherwise list them in an items table.",
                True,
            )
        )


def _clip_negative_stock(sh: pd.DataFrame, pending: list[tuple[str, bool]]) -> pd.DataFrame:
    """Negative on-hand readings in stock history become 0 (warning)."""
    neg = sh["on_hand_units"] < 0
    if not neg.any():
        return sh
    pending.append(
        (
            f"stock_history.on_hand_units is negative in {_count_rows(sh.index[neg.to_numpy()])} "
            f"(items {_first_items(sh, neg)}); set to 0. "
            f"Negative stock is a booking lag (goods sold before their receipt was booked), "
            f"so those days count as out of stock. Correct the stock records if that is wrong.",
            True,
        )
    )
    return sh.assign(on_hand_units=sh["on_hand_units"].clip(lower=0.0))


def _check_future_dates(tables: dict[str, pd.DataFrame], pending: list[tuple[str, bool]]) -> None:
    """Past-describing dates after the inventory snapshot date (warning, rows kept)."""
    inv = tables.get("inventory")
    if inv is None or "as_of" not in inv.columns or not inv["as_of"].notna().any():
        return
    as_of = inv["as_of"].max().normalize()
    n_dates = inv["as_of"].dropna().dt.normalize().nunique()
    if n_dates > 1:
        pending.append(
            (
                f"inventory.as_of has {n_dates} different dates "
                f"({inv['as_of'].min():%Y-%m-%d} to {as_of:%Y-%m-%d}); the latest is used as "
                f"the snapshot date.",
                False,
            )
        )
    for name, col in _PAST_DATES:
        df = tables.get(name)
        if df is None or col not in df.columns or len(df) == 0:
            continue
        late = df[col].dt.normalize() > as_of
        if not late.any():
            continue
        pending.append(
            (
                f"{name}.{col} is after the inventory snapshot date (as_of {as_of:%Y-%m-%d}) in "
                f"{_count_rows(df.index[late.to_numpy()])} (items "
                f"{_first_items(df, late)}), up to {df[col].max():%Y-%m-%d}. They are kept, but "
                f"the snapshot cannot reflect them: check inventory.as_of, or remove rows "
                f"entered ahead of time.",
                True,
            )
        )


def _note_duplicate_sales(sales: pd.DataFrame, pending: list[tuple[str, bool]]) -> None:
    """Identical sales lines are kept but counted in the notes."""
    dup = sales.duplicated(keep="first")
    if dup.any():
        pending.append(
            (
                f"sales has {int(dup.sum())} lines identical to another line in every column; "
                f"kept (a transaction export lists repeated identical sales separately), e.g. "
                f"{_rows(sales.index[dup.to_numpy()])}. If the file holds daily totals they "
                f"are double counts: remove them.",
                False,
            )
        )


def _note_items_without_master(
    tables: dict[str, pd.DataFrame], pending: list[tuple[str, bool]]
) -> None:
    """Items sold but absent from the items table are noted (they get default parameters)."""
    items = tables.get("items")
    if items is None:
        return
    sold = pd.Index(pd.unique(tables["sales"]["item_id"]))
    missing = sold[~sold.isin(items["item_id"])]
    if len(missing):
        pending.append(
            (
                f"items has no row for {format_ids(missing.to_numpy())} items that appear in sales; "
                f"they get the default planning parameters.",
                False,
            )
        )

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

import contextlib
import contextvars
import difflib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .._utils import warn_data_quality
from ..exceptions import SchemaError
from . import _rows as rowfmt
from .dataset import Dataset
from .dataset_checks import check_dataset
from .dates import infer_date_order, parse_dates
from .plausibility import Thresholds, check_magnitude
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


@dataclass
class TableContext:
    """How a table is being read, for the checks' choices and messages.

    Attributes
    ----------
    row_base : int or None
        2 when the table comes from a file or sheet (rows are named as a spreadsheet shows
        them, the header being row 1); None for a DataFrame (index labels).
    date_order : {"dmy", "mdy", "ymd"} or None
        The order of ``a/b/yyyy`` dates the user stated.
    default_order : {"dmy", "mdy"} or None
        The order the rest of the dataset proves.
    thresholds : Thresholds
        Plausibility limits.
    trim_ids : bool
        Remove spaces and invisible characters around ids (with a note).
    notes : list of str or None
        Where notes go; None: warn with :class:`DataQualityWarning`.
    """

    row_base: int | None = None
    date_order: str | None = None
    default_order: str | None = None
    thresholds: Thresholds = field(default_factory=Thresholds)
    trim_ids: bool = True
    notes: list[str] | None = None

    def rows(self, index: pd.Index, mask: np.ndarray | pd.Series | None = None) -> str:
        """Names of the rows (of ``index``, or where ``mask`` is true)."""
        if mask is not None:
            index = index[np.asarray(mask, dtype=bool)]
        return rowfmt.rows(index, self.row_base)

    def note(self, text: str) -> None:
        if self.notes is None:
            warn_data_quality(text)
        elif text not in self.notes:
            self.notes.append(text)


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
    if _ASSUME_VALID.get() and _is_normalised(df, _spec(table), allow_empty):
        return df.copy(deep=False)
    return _validate_table(
        df, table, allow_empty=allow_empty, reader=reader, ctx=TableContext(trim_ids=False)
    )


#: set by :func:`assume_valid` (per thread and task): frames already normalised pass as is
_ASSUME_VALID: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "stockout_forecast_assume_valid", default=False
)
_STR_DTYPE = pd.Series(["x"]).astype("str").dtype


@contextlib.contextmanager
def assume_valid() -> Iterator[None]:
    """Within the block, :func:`validate_table` passes a frame it would not change.

    For a caller that validated its tables once at their entry (the service's re-plan: the
    store's rows, checked by :func:`validate_dataset` at the start of each batch) and then
    calls the stage functions, which validate their inputs again. A frame whose contract
    columns already have the contract's names and types (ids as strings, dates as
    ``datetime64[ns]``, quantities as ``float64``) is returned as a shallow copy without the
    value checks (signs, ranges, missing values, duplicate keys); any other frame is
    validated as usual. The result is the frame :func:`validate_table` would return for
    valid data; only the errors for invalid data are not raised. The same holds for each
    table in :func:`validate_dataset` (its checks across tables, and their notes, still
    run). Not for data from outside.
    """
    token = _ASSUME_VALID.set(True)
    try:
        yield
    finally:
        _ASSUME_VALID.reset(token)


def _is_normalised(df: pd.DataFrame, spec: TableSpec, allow_empty: bool) -> bool:
    """``df`` has every required column, with the type :func:`validate_table` gives it."""
    if not isinstance(df, pd.DataFrame) or (len(df) == 0 and not allow_empty):
        return False
    cols = df.columns
    if not all(isinstance(c, str) for c in cols) or not cols.is_unique:
        return False
    if any(c not in cols for c in spec.required_names):
        return False
    for c in cols:  # a name validate_table would rename (' On Hand Units ')
        key = "_".join(c.strip().lower().split())
        if key != c and key in spec.columns and key not in cols:
            return False
    dtypes = dict(zip(cols, df.dtypes, strict=True))
    for name, col in spec.columns.items():
        if name not in cols:
            continue
        dtype = dtypes[name]
        if col.kind == "id" and dtype != _STR_DTYPE:
            return False
        if col.kind == "date" and dtype != np.dtype("datetime64[ns]"):
            return False
        if col.kind in ("number", "fraction") and dtype != np.dtype("float64"):
            return False
    return True


def _validate_table(
    df: pd.DataFrame,
    table: str,
    *,
    allow_empty: bool = False,
    reader: str | None = None,
    map_hint: Callable[[dict[str, str]], str] | None = None,
    ctx: TableContext | None = None,
) -> pd.DataFrame:
    """:func:`validate_table`; ``map_hint`` formats the column-map advice (for read_dataset)."""
    spec = _spec(table)
    ctx = ctx or TableContext()
    reader = reader or f"read_{table}"
    if not isinstance(df, pd.DataFrame):
        raise TypeError(f"{table} must be a pandas DataFrame; got {type(df).__name__}.")
    df = _normalise_headers(df, spec, ctx)
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
            out[name] = _id_column(out, table, name, required=required, ctx=ctx)
        elif col.kind == "date":
            out[name] = _date_column(out, table, name, required=required, ctx=ctx)
        elif col.kind in ("number", "fraction"):
            out[name] = _number_column(out, table, name, col, required=required, ctx=ctx)
    if spec.key:
        _check_unique_key(out, table, spec.key, ctx)
    return out


def _normalise_headers(df: pd.DataFrame, spec: TableSpec, ctx: TableContext) -> pd.DataFrame:
    """Contract columns written with spaces or capitals (' Item_ID ') get their names."""
    found = [str(c) for c in df.columns]
    rename: dict[str, str] = {}
    for c in found:
        key = "_".join(c.strip().lower().split())
        if key != c and key in spec.columns and key not in found and key not in rename.values():
            rename[c] = key
    if not rename:
        return df
    shown = ", ".join(f"{k!r} read as {v!r}" for k, v in rename.items())
    ctx.note(f"{spec.name}: column names {shown} (spaces and capitals ignored).")
    return df.rename(columns=rename)


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
    cli = ""
    if reader == "read_dataset":
        cli = f" (on the command line: --column-map {table}.YOUR_NAME={missing[0]})"
    hint = (
        f" Pass {shown} to {reader}()."
        if suggestion
        else f" Rename your columns to the contract names with column_map=... in {reader}(){cli}."
    )
    raise SchemaError(f"{table} is missing {noun} {what}. Found: {found}.{hint}")


#: spaces and invisible characters that surround ids copied from other systems
_ID_PAD = " \t\r\n\u00a0\u200b\u200c\u200d\u2060\ufeff\u3000"


def _id_column(
    out: pd.DataFrame, table: str, name: str, *, required: bool, ctx: TableContext
) -> pd.Series:
    """An id column as strings; a required id may not be empty; padding is trimmed."""
    s = out[name]
    bad = s.isna()
    if bad.any() and required:
        raise SchemaError(
            f"{table}.{name} is empty in {ctx.rows(out.index, bad)}. "
            f"Every row needs a {name}; fill or drop those rows."
        )
    ids = _as_id(s)
    if not ctx.trim_ids:
        return ids
    trimmed = ids.str.strip(_ID_PAD)
    changed = (trimmed != ids) & ids.notna()
    if changed.any():
        invisible = ids[changed].str.contains("[\u200b\u200c\u200d\u2060\ufeff]").any()
        kind = "spaces or invisible characters" if invisible else "spaces"
        empty = changed & (trimmed == "")
        if empty.any() and required:
            raise SchemaError(
                f"{table}.{name} holds only {kind} in {ctx.rows(out.index, empty)}. Every row "
                f"needs a {name}."
            )
        ctx.note(
            f"{table}.{name}: {kind} around {int(changed.sum())} ids removed (e.g. "
            f"{ids[changed].iloc[0]!r} read as {trimmed[changed].iloc[0]!r}) in "
            f"{ctx.rows(out.index, changed)}."
        )
        ids = ids.where(~changed, trimmed)
    return ids


def _date_column(
    out: pd.DataFrame, table: str, name: str, *, required: bool, ctx: TableContext
) -> pd.Series:
    """A date column parsed to naive ``datetime64[ns]`` (see :mod:`.dates`)."""
    s = out[name]
    if pd.api.types.is_datetime64_any_dtype(s) and getattr(s.dt, "tz", None) is None:
        parsed = s.astype("datetime64[ns]")  # already dates: only the range is checked
    else:
        parsed, notes = parse_dates(
            s,
            f"{table}.{name}",
            lambda mask: ctx.rows(out.index, mask),
            date_order=ctx.date_order,
            default_order=ctx.default_order,
        )
        for n in notes:
            ctx.note(n)
    if required and parsed.isna().any():
        raise SchemaError(
            f"{table}.{name} is empty in {ctx.rows(out.index, parsed.isna())}. "
            f"Every row needs a {name}."
        )
    return parsed


def _number_column(
    out: pd.DataFrame,
    table: str,
    name: str,
    col: ColumnSpec,
    *,
    required: bool,
    ctx: TableContext,
) -> pd.Series:
    """A quantity or fraction column as ``float64``, checked for sign, range and size."""
    s = out[name]
    if pd.api.types.is_string_dtype(s) or s.dtype == object:
        # an empty or blank text cell (a database's '') is a missing value, not a bad number
        blank = s.map(lambda v: isinstance(v, str) and not v.strip()).to_numpy(dtype=bool)
        if blank.any():
            s = s.mask(blank)
    num = pd.to_numeric(s, errors="coerce")
    bad = num.isna() & s.notna()
    if bad.any():
        examples = [repr(v) for v in s[bad].head(3)]
        raise SchemaError(
            f"{table}.{name} must be numeric; found non-numeric values in "
            f"{ctx.rows(out.index, bad)}, e.g. {', '.join(examples)}. "
            f"Remove units or thousands separators from the values."
        )
    num = num.astype("float64")
    if required and num.isna().any():
        raise SchemaError(
            f"{table}.{name} is empty in {ctx.rows(out.index, num.isna())}. "
            f"Fill the missing values (0 if there were none)."
        )
    inf = np.isinf(num.to_numpy())
    if inf.any():
        raise SchemaError(
            f"{table}.{name} must be a finite number; found {s[inf].iloc[0]!r} in "
            f"{ctx.rows(out.index, inf)}. Correct the source data."
        )
    _check_sign(out, num, table, name, col, ctx)
    if col.kind == "number" and (name == "units" or name.endswith("_units")):
        check_magnitude(num, f"{table}.{name}", ctx.row_base, ctx.thresholds.max_units)
    if col.kind == "fraction":
        _check_fraction(num, table, name, col, ctx)
    return num


def _check_sign(
    out: pd.DataFrame, num: pd.Series, table: str, name: str, col: ColumnSpec, ctx: TableContext
) -> None:
    """Negative values where the column must not be negative; zero where it must be positive."""
    items = ""
    if col.nonnegative and (num < 0).any():
        neg = num < 0
        if "item_id" in out.columns:
            items = f" (items {sorted(set(out.loc[neg, 'item_id'].astype(str)))[:_MAX_SHOWN]})"
        raise SchemaError(
            f"{table}.{name} must not be negative; found {int(neg.sum())} negative "
            f"values in {ctx.rows(out.index, neg)}{items}. "
            f"Correct the source data (a negative {name} is a booking error)."
        )
    if col.positive and (num == 0).any():
        zero = num == 0
        if "item_id" in out.columns:
            items = f" (items {sorted(set(out.loc[zero, 'item_id'].astype(str)))[:_MAX_SHOWN]})"
        raise SchemaError(
            f"{table}.{name} must be > 0; found 0 in {ctx.rows(out.index, zero)}{items}. "
            f"{col.zero_hint or 'Leave the cell empty when there is no value.'}"
        )


def _check_fraction(
    num: pd.Series, table: str, name: str, col: ColumnSpec, ctx: TableContext
) -> None:
    """A fraction in (0, 1], or (0, 1) when 1 is out of reach (a service level)."""
    top_ok = num <= 1 if col.one_allowed else num < 1
    badf = num.notna() & ((num <= 0) | ~top_ok)
    if not badf.any():
        return
    hint = " They look like percentages: divide by 100." if (num[badf] > 1).all() else ""
    if not col.one_allowed and (num[badf] == 1).any():
        hint += " A target of 1 needs infinite stock: use e.g. 0.99."
    interval = "(0, 1]" if col.one_allowed else "(0, 1)"
    raise SchemaError(
        f"{table}.{name} must be a fraction in {interval}; found "
        f"{num[badf].head(3).tolist()} in {ctx.rows(num.index, badf)}.{hint}"
    )


def _check_unique_key(
    out: pd.DataFrame, table: str, key: tuple[str, ...], ctx: TableContext
) -> None:
    """Raise when a key appears on more than one row."""
    dup = out.duplicated(list(key), keep=False)
    if dup.any():
        first = out.loc[dup, list(key)].head(_MAX_SHOWN)
        keys = [tuple(r) if len(r) > 1 else r[0] for r in first.itertuples(index=False)]
        raise SchemaError(
            f"{table} has {int(dup.sum())} rows with a duplicate key {list(key)} in "
            f"{ctx.rows(out.index, dup)}, e.g. {keys}. "
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
def validate_dataset(
    dataset: Dataset,
    *,
    date_order: str | None = None,
    match_ids: str = "trim",
    thresholds: Thresholds | None = None,
) -> Dataset:
    """Check every table of a :class:`Dataset` and the links between tables.

    Each table first passes :func:`validate_table` (missing columns, unparseable dates,
    non-numeric quantities, negative quantities, duplicate keys, empty tables). Then the
    checks that need more than one table run, in this order.

    Parameters
    ----------
    dataset : Dataset
        The tables in the contract's column names; ``sales`` is required, the others may be
        ``None``. ``purchase_orders`` and ``customer_orders`` may have no rows (nothing open).
    date_order : {"dmy", "mdy", "ymd"}, optional
        The order of dates written ``a/b/yyyy`` (or with ``.`` or ``-``). Default: the order
        the values prove (a number above 12); an error when nothing proves it
        (:mod:`stockout_forecast.io.dates`).
    match_ids : {"trim", "exact", "loose"}, default "trim"
        How ids are matched across tables: ``"trim"`` removes spaces and invisible characters
        around ids (noted); ``"exact"`` does not; ``"loose"`` also maps ids that match a
        sales or items id only when letter case, a trailing ``.0`` or leading zeros are
        ignored (noted). Without ``"loose"`` such ids are an error.
    thresholds : Thresholds, optional
        Plausibility limits (:class:`~stockout_forecast.io.plausibility.Thresholds`).

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
    return validate_tables(
        dataset.tables,
        notes=dataset.notes,
        source=dataset.source,
        date_order=date_order,
        match_ids=match_ids,
        thresholds=thresholds,
    )


def validate_tables(
    raw: dict[str, pd.DataFrame],
    *,
    notes: list[str],
    source: str,
    date_order: str | None = None,
    match_ids: str = "trim",
    thresholds: Thresholds | None = None,
    row_base: dict[str, int | None] | None = None,
    where: dict[str, str] | None = None,
    reader: str = "validate_dataset",
    map_hint: Callable[[str], Callable[[dict[str, str]], str]] | None = None,
) -> Dataset:
    """Every table through :func:`validate_table`, then the dataset checks.

    The one place for :func:`validate_dataset` and
    :func:`~stockout_forecast.io.readers.read_dataset`. ``where`` names each table's source for messages ("Source: sales.csv"); ``row_base``
    says how its rows are numbered (see :class:`TableContext`).
    """
    t = thresholds or Thresholds()
    base = dict(row_base or {})
    out_notes = list(notes)
    columns = [
        df[c]
        for name, df in raw.items()
        if name in TABLES
        for c, spec in TABLES[name].columns.items()
        if spec.kind == "date" and c in df.columns
    ]
    default_order = infer_date_order(columns) if date_order is None else None
    tables = {}
    for name, df in raw.items():
        ctx = TableContext(
            row_base=base.get(name),
            date_order=date_order,
            default_order=default_order,
            thresholds=t,
            trim_ids=match_ids != "exact",
            notes=out_notes,
        )
        if _ASSUME_VALID.get() and name in TABLES:
            if _is_normalised(df, _spec(name), name in MAY_BE_EMPTY):
                tables[name] = df.copy(deep=False)  # validated on its way in (assume_valid)
                continue
        try:
            tables[name] = _validate_table(
                df,
                name,
                allow_empty=name in MAY_BE_EMPTY,
                reader=reader,
                map_hint=map_hint(name) if map_hint else None,
                ctx=ctx,
            )
        except SchemaError as err:
            if not (where and name in where):
                raise
            raise SchemaError(f"{err} Source: {where[name]}.") from err
    return check_dataset(
        tables,
        notes=out_notes,
        source=source,
        row_base=base,
        thresholds=t,
        match_ids=match_ids,
    )

"""The ``read_*`` functions: one per table of the data contract, and :func:`read_dataset`.

One ``read_*`` function per table takes a file (any format of
:data:`~stockout_forecast.io.sources.FILE_FORMATS`), a folder holding the table's standard
file, a DataFrame already in memory, or a database (a SQLAlchemy URL such as
``"sqlite:///shop.db"``, or an open Engine / Connection); :mod:`.sources` reads them. Every
table passes :func:`~stockout_forecast.io.validation.validate_table`, so what comes out is in
the contract's column names and types whatever went in. ``column_map`` renames columns at
this edge and nowhere else.

:func:`read_dataset` reads a whole business at once (a folder of standard file names, an
Excel workbook with one sheet per table, or a database with one table per name), then runs
the cross-table checks of :func:`~stockout_forecast.io.validation.validate_dataset`;
:func:`~stockout_forecast.io.writers.write_dataset` writes one back.

Security: data are never evaluated. Only the paths and URLs given are read (a folder is
listed, and only its files named after a contract table are opened). Remote URLs
(``http://``, ``s3://``...) are refused, so nothing is fetched from the network. SQL runs
only through SQLAlchemy ``text()``: the table name is checked to be a plain identifier and
quoted by the database dialect; ``query=`` is the caller's own SQL, run as given.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import pandas as pd

from ..exceptions import SchemaError
from ._file_errors import file_errors
from .dataset import TABLE_NAMES, Dataset
from .dataset_checks import MATCH_IDS
from .plausibility import Thresholds
from .schema import TABLES, TableSpec
from .sources import (
    SUPPORTED_SUFFIXES,
    _connect,
    _find_table_file,
    _format_of,
    _id_columns,
    _is_sqlalchemy,
    _is_url,
    _quoted_table,
    _read_file,
    _read_sql,
    _require,
    _table_stem,
    _text_read_kwargs,
)
from .validation import MAY_BE_EMPTY, TableContext, _validate_table, validate_tables

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection, Engine

    Source = str | os.PathLike[str] | pd.DataFrame | Engine | Connection
    DatasetSource = str | os.PathLike[str] | Engine | Connection

__all__ = [
    "read_customer_orders",
    "read_dataset",
    "read_inventory",
    "read_items",
    "read_purchase_orders",
    "read_sales",
    "read_stock_history",
    "read_suppliers",
]


def _check_column_map(column_map: Mapping[str, str] | None, spec: TableSpec) -> dict[str, str]:
    """Validate a column_map: str -> known contract column of this table, no target twice."""
    if column_map is None:
        return {}
    if not isinstance(column_map, Mapping):
        raise TypeError(
            f"column_map must be a dict such as {{'SKU': 'item_id'}}; "
            f"got {type(column_map).__name__}."
        )
    out = {}
    for src, dst in column_map.items():
        if not isinstance(src, str) or not isinstance(dst, str):
            raise TypeError(
                f"column_map keys and values must be column names (str); got {src!r}: {dst!r}."
            )
        if dst not in spec.columns:
            raise ValueError(
                f"column_map maps {src!r} to {dst!r}, which is not a column of {spec.name}. "
                f"Known columns: {list(spec.columns)}."
            )
        out[src] = dst
    targets = list(out.values())
    twice = sorted({t for t in targets if targets.count(t) > 1})
    if twice:
        raise ValueError(
            f"column_map maps several columns to {twice}; each contract column can come from "
            f"one column only."
        )
    return out


def _apply_column_map(df: pd.DataFrame, cmap: dict[str, str], table: str) -> pd.DataFrame:
    if not cmap:
        return df
    found = [str(c) for c in df.columns]
    absent = [k for k in cmap if k not in found]
    if absent:
        raise SchemaError(
            f"column_map renames {absent}, but {table} has no such column. Found: {found}. "
            f"Correct the column_map keys (they are the names in your file)."
        )
    clash = [v for k, v in cmap.items() if v in found and v not in cmap and v != k]
    if clash:
        raise SchemaError(
            f"column_map would give {table} two columns named {clash}: it already has them. "
            f"Drop the existing column or map it to another name as well."
        )
    return df.rename(columns=cmap)


# --------------------------------------------------------------------------- one table
def _load(
    spec: TableSpec,
    source: Any,
    cmap: dict[str, str],
    *,
    table: str | None,
    query: str | None,
    sheet_name: str | int | None,
    read_kwargs: dict[str, Any],
) -> tuple[pd.DataFrame, str]:
    """The raw frame (before column_map) and a description of where it came from."""
    if isinstance(source, pd.DataFrame):
        extra = {"table": table, "query": query, "sheet_name": sheet_name} | read_kwargs
        given = [k for k, v in extra.items() if v is not None]
        if given:
            raise TypeError(f"{given} do not apply to a DataFrame source.")
        return source, ""
    if _is_sqlalchemy(source) or _is_url(source):
        if sheet_name is not None:
            raise ValueError("sheet_name applies to .xlsx files only, not to a database.")
        return _read_sql(source, spec, table, query, read_kwargs)
    if not isinstance(source, (str, os.PathLike)):
        raise TypeError(
            f"source must be a file path, a folder, a DataFrame, a database URL or a "
            f"SQLAlchemy Engine/Connection; got {type(source).__name__}."
        )
    if table is not None or query is not None:
        raise ValueError("table= and query= apply to database sources only, not to files.")
    path = Path(source)
    if path.is_dir():
        found = _find_table_file(path, spec.file_stem)
        if found is None:
            raise FileNotFoundError(
                f"No {spec.file_stem} file in {str(path)!r}: expected {spec.file_stem} with "
                f"one of {', '.join(SUPPORTED_SUFFIXES)}."
            )
        path = found
    elif not path.is_file():
        raise FileNotFoundError(f"No such file: {str(path)!r}.")
    return _read_file(path, spec, cmap, sheet_name, read_kwargs), str(path)


def _read_table(
    name: str,
    source: Any,
    *,
    column_map: Mapping[str, str] | None,
    table: str | None,
    query: str | None,
    sheet_name: str | int | None,
    read_kwargs: dict[str, Any],
    date_order: str | None = None,
) -> pd.DataFrame:
    spec = TABLES[name]
    cmap = _check_column_map(column_map, spec)
    raw, where = _load(
        spec,
        source,
        cmap,
        table=table,
        query=query,
        sheet_name=sheet_name,
        read_kwargs=read_kwargs,
    )
    ctx = TableContext(row_base=_row_base(source), date_order=date_order, thresholds=Thresholds())
    try:
        renamed = _apply_column_map(raw, cmap, name)
        return _validate_table(
            renamed, name, allow_empty=name in MAY_BE_EMPTY, reader=f"read_{name}", ctx=ctx
        )
    except SchemaError as err:
        if not where:
            raise
        raise SchemaError(f"{err} Source: {where}.") from err


def _row_base(source: Any) -> int | None:
    """How rows of a source are named in messages.

    2 (spreadsheet rows) for files, 1 for a database query's result, None (index labels)
    for a DataFrame.
    """
    if isinstance(source, pd.DataFrame):
        return None
    if _is_sqlalchemy(source) or _is_url(source):
        return 1
    return 2


# --------------------------------------------------------------------------- public readers
_READER_DOC = """Read the {name} table from a file, a folder, a DataFrame or a database.

{doc} Every source passes :func:`~stockout_forecast.io.validation.validate_table`, so the
result is in the contract's column names and types whatever the source.

Parameters
----------
source : str, os.PathLike, pandas.DataFrame, sqlalchemy Engine or Connection
    Where the table is: a file (suffix {suffixes}; the format comes from the suffix), a folder
    holding ``{stem}.<suffix>``, a DataFrame already in memory, a SQLAlchemy database URL
    (``"sqlite:///shop.db"``) or an open SQLAlchemy Engine / Connection (left open).
column_map : dict of str to str, optional
    Renames your columns to the contract's at this edge, e.g. ``{{"SKU": "item_id"}}``.
    Keys must be columns of the source; values columns of the {name} table: {known}.
table : str, optional
    Database sources only: the table to read, default ``"{name}"``. A plain identifier,
    optionally ``"schema.table"``; it is quoted by the database dialect.
query : str, optional
    Database sources only: your own ``SELECT`` statement, run as given instead of ``table``.
sheet_name : str or int, optional
    ``.xlsx`` files only: the sheet. Default: the only sheet, or the one named ``"{stem}"``.
date_order : {{"dmy", "mdy", "ymd"}}, optional
    The order of dates written ``a/b/yyyy`` (also with ``.`` or ``-``). Default: the order
    the values prove (a day above 12); dates that fit both orders with nothing to tell which
    are an error (:mod:`stockout_forecast.io.dates`).
**read_kwargs
    Passed on to the pandas reader (``read_csv``, ``read_excel``, ``read_parquet`` or
    ``read_sql_query``), e.g. ``sep=";"``, ``decimal=","``, ``encoding="latin-1"``.

Returns
-------
pandas.DataFrame
    A new frame with ids as ``str``, dates as ``datetime64[ns]``, quantities as ``float64``;
    columns not in the contract are kept unchanged. Contract columns ({unit_note}):

{columns}

Raises
------
SchemaError
    The table breaks the contract: missing column (the message suggests a ``column_map``),
    unparseable date, non-numeric quantity, negative quantity where not allowed, missing id,
    duplicate key {key}{empty}; or the ``column_map`` names a column the source
    does not have; or the database has no such table. File sources are named in the message.
FileNotFoundError
    The file, the ``{stem}`` file in the folder, or the SQLite database does not exist.
ValueError
    Unknown file suffix, a ``column_map`` value that is not a {name} column, a table name
    that is not a plain identifier, a URL that is not a database, or an option that does not
    apply to the source (``table`` / ``query`` for files, ``sheet_name`` for non-Excel).
ImportError
    Parquet, Excel or database sources without ``pyarrow``, ``openpyxl`` or ``SQLAlchemy``;
    the message names the pip extra (``pip install "stockout_forecast[parquet]"``).

See Also
--------
read_dataset : every table at once, with the cross-table checks.
stockout_forecast.io.validation.validate_table : the checks applied.

Notes
-----
In CSV, TSV and Excel files ids are read as text, so ``"007"`` stays ``"007"``, and only an
empty cell is a missing id (``"NA"`` is a valid id). In the other columns the usual spellings
of a missing value (empty, ``NA``, ``N/A``, ``NULL``, ``NaN``, ``None``) are missing. Text
files are decoded as UTF-8 (a byte-order mark from Excel is skipped; UTF-16 with its mark
is read too); pass ``encoding=`` otherwise. Rows in messages are numbered as a spreadsheet
shows the file: the header is row 1, the first data row row 2 (for a DataFrame: its index
labels). Nothing is evaluated: a formula in an Excel file is read as the
value Excel stored with it (missing if the file was never opened in Excel).{empty_note}

Examples
--------
{example}
"""

_EXAMPLES = {
    "sales": """>>> import pandas as pd
>>> raw = pd.DataFrame(
...     {"SKU": ["007", "007"], "day": ["2024-01-01", "2024-01-02"], "Qty": [3, -1]}
... )
>>> read_sales(raw, column_map={"SKU": "item_id", "day": "date", "Qty": "units"})
  item_id       date  units
0     007 2024-01-01    3.0
1     007 2024-01-02   -1.0""",
    "stock_history": """>>> import pandas as pd
>>> raw = pd.DataFrame({"item_id": ["A", "A"], "date": ["2024-01-01", "2024-01-02"],
...                     "stock": [4, 0]})
>>> read_stock_history(raw, column_map={"stock": "on_hand_units"})
  item_id       date  on_hand_units
0       A 2024-01-01            4.0
1       A 2024-01-02            0.0""",
    "inventory": """>>> import pandas as pd
>>> raw = pd.DataFrame({"item_id": ["A", "B"], "on_hand_units": [12, 0],
...                     "backordered_units": [0, 3], "as_of": ["2024-03-31"] * 2})
>>> read_inventory(raw)
  item_id  on_hand_units  backordered_units      as_of
0       A           12.0                0.0 2024-03-31
1       B            0.0                3.0 2024-03-31""",
    "purchase_orders": """>>> import pandas as pd
>>> raw = pd.DataFrame({"po": ["P1"], "item_id": ["A"], "vendor": ["S1"], "units": [100],
...                     "order_date": ["2024-03-01"], "eta": ["2024-03-15"]})
>>> po = read_purchase_orders(
...     raw, column_map={"po": "po_id", "vendor": "supplier_id", "eta": "expected_date"}
... )
>>> int((po["expected_date"] - po["order_date"]).dt.days.iloc[0])
14""",
    "suppliers": """>>> import pandas as pd
>>> raw = pd.DataFrame({"item_id": ["A", "A"], "supplier_id": ["S1", "S2"],
...                     "unit_cost": [2.5, 2.1], "lead_time_days": [7, 21], "moq_units": [0, 500]})
>>> read_suppliers(raw)
  item_id supplier_id  unit_cost  lead_time_days  moq_units
0       A          S1        2.5             7.0        0.0
1       A          S2        2.1            21.0      500.0""",
    "items": """>>> import pandas as pd
>>> raw = pd.DataFrame({"item_id": [7, 8], "service_level": [0.95, 0.9]})
>>> read_items(raw)
  item_id  service_level
0       7           0.95
1       8           0.90""",
    "customer_orders": """>>> import pandas as pd
>>> raw = pd.DataFrame({"order_id": ["C1", "C1"], "line_id": [1, 2], "item_id": ["A", "B"],
...                     "units": [2, 5], "order_date": ["2024-03-30", "2024-03-30"]})
>>> read_customer_orders(raw)[["order_id", "line_id", "item_id", "units"]]
  order_id line_id item_id  units
0       C1       1       A    2.0
1       C1       2       B    5.0""",
}


def _column_lines(spec: TableSpec) -> str:
    kinds = {"id": "str", "date": "datetime64", "number": "float64", "fraction": "float64"}
    lines = []
    for col in spec.columns.values():
        need = "required" if col.name in spec.required_names else "optional"
        sign = ", >= 0" if col.nonnegative else ""
        frac = ""
        if col.kind == "fraction":
            frac = ", in (0, 1]" if col.one_allowed else ", in (0, 1)"
        lines.append(
            f"    - ``{col.name}`` ({kinds.get(col.kind, 'str')}, {need}{sign}{frac}): {col.doc}"
        )
    return "\n".join(lines)


def _reader_doc(name: str) -> str:
    spec = TABLES[name]
    return _READER_DOC.format(
        name=name,
        doc=spec.doc,
        stem=spec.file_stem,
        suffixes=", ".join(f"``{s}``" for s in SUPPORTED_SUFFIXES),
        known=", ".join(f"``{c}``" for c in spec.columns),
        unit_note="optional ones only when present",
        columns=_column_lines(spec),
        key=f"``{list(spec.key)}``" if spec.key else "(none for this table)",
        empty="" if name in MAY_BE_EMPTY else ", empty table",
        empty_note=(
            f" An empty {name} table is accepted (nothing open)." if name in MAY_BE_EMPTY else ""
        ),
        example=_EXAMPLES[name],
    )


class _TableReader(Protocol):
    """The signature every ``read_<table>`` function shares."""

    def __call__(
        self,
        source: Source,
        *,
        column_map: Mapping[str, str] | None = None,
        table: str | None = None,
        query: str | None = None,
        sheet_name: str | int | None = None,
        date_order: str | None = None,
        **read_kwargs: Any,
    ) -> pd.DataFrame: ...


def _make_reader(name: str) -> _TableReader:
    """Return ``read_<name>``: `_read_table` for one table, documented from the data contract."""

    def reader(
        source: Source,
        *,
        column_map: Mapping[str, str] | None = None,
        table: str | None = None,
        query: str | None = None,
        sheet_name: str | int | None = None,
        date_order: str | None = None,
        **read_kwargs: Any,
    ) -> pd.DataFrame:
        return _read_table(
            name,
            source,
            column_map=column_map,
            table=table,
            query=query,
            sheet_name=sheet_name,
            read_kwargs=read_kwargs,
            date_order=date_order,
        )

    reader.__name__ = reader.__qualname__ = f"read_{name}"
    reader.__doc__ = _reader_doc(name)
    return reader


# One reader per table of the data contract; each docstring is generated from the contract.
read_sales = _make_reader("sales")
read_stock_history = _make_reader("stock_history")
read_inventory = _make_reader("inventory")
read_purchase_orders = _make_reader("purchase_orders")
read_suppliers = _make_reader("suppliers")
read_items = _make_reader("items")
read_customer_orders = _make_reader("customer_orders")

_READERS: dict[str, _TableReader] = {
    "sales": read_sales,
    "stock_history": read_stock_history,
    "inventory": read_inventory,
    "purchase_orders": read_purchase_orders,
    "suppliers": read_suppliers,
    "items": read_items,
    "customer_orders": read_customer_orders,
}


# --------------------------------------------------------------------------- datasets
def _check_column_maps(
    column_maps: Mapping[str, Mapping[str, str]] | None,
) -> dict[str, dict[str, str]]:
    if column_maps is None:
        return {}
    if not isinstance(column_maps, Mapping):
        raise TypeError(
            "column_maps must be a dict of table name -> column_map, e.g. "
            "{'sales': {'SKU': 'item_id'}}; got " + type(column_maps).__name__ + "."
        )
    unknown = [k for k in column_maps if k not in TABLES]
    if unknown:
        raise ValueError(
            f"column_maps has keys {unknown} that are not tables; use table names from "
            f"{list(TABLE_NAMES)}, e.g. {{'sales': {{'SKU': 'item_id'}}}}."
        )
    return {k: _check_column_map(v, TABLES[k]) for k, v in column_maps.items()}


def _read_folder(
    folder: Path, maps: dict[str, dict[str, str]]
) -> tuple[dict[str, pd.DataFrame], dict[str, str], list[str]]:
    files = sorted(p for p in folder.iterdir() if p.is_file())
    stems = {TABLES[n].file_stem: n for n in TABLE_NAMES}
    raw, where, notes = {}, {}, []
    for stem, name in stems.items():
        path = _find_table_file(folder, stem)
        if path is not None:
            raw[name] = _read_file(path, TABLES[name], maps.get(name, {}), None, {})
            where[name] = str(path)
    ignored = [p.name for p in files if _table_stem(p) not in (None, *stems)]
    if ignored:
        notes.append(
            f"Ignored files in {folder} not named after a table: {ignored}. Table files are "
            f"named {sorted(stems)} with a suffix from {list(SUPPORTED_SUFFIXES)}."
        )
    if "sales" not in raw:
        raise SchemaError(
            f"{str(folder)!r} has no sales file; sales is required. Expected sales with one of "
            f"{', '.join(SUPPORTED_SUFFIXES)}. Files found: {[p.name for p in files]}."
        )
    return raw, where, notes


def _read_workbook(
    path: Path, maps: dict[str, dict[str, str]]
) -> tuple[dict[str, pd.DataFrame], dict[str, str], list[str]]:
    _require("openpyxl", "Reading Excel files")
    raw, where, notes = {}, {}, []
    with file_errors(path), pd.ExcelFile(path, engine="openpyxl") as book:
        sheets = [str(s) for s in book.sheet_names]
        by_lower = {s.lower(): s for s in sheets}
        for name in TABLE_NAMES:
            sheet = by_lower.get(TABLES[name].file_stem)
            if sheet is None:
                continue
            cmap = maps.get(name, {})
            header = [str(c) for c in pd.read_excel(book, sheet_name=sheet, nrows=0).columns]
            ids = _id_columns(header, cmap, TABLES[name])
            kw = _text_read_kwargs(header, ids, {}, text_ids=ids)
            raw[name] = pd.read_excel(book, sheet_name=sheet, **kw)
            where[name] = f"sheet {sheet!r} of {path}"
    stems = {TABLES[n].file_stem for n in TABLE_NAMES}
    ignored = [s for s in sheets if s.lower() not in stems]
    if ignored:
        notes.append(f"Ignored sheets in {path.name} not named after a table: {ignored}.")
    if "sales" not in raw:
        raise SchemaError(
            f"{path.name} has no 'sales' sheet; sales is required. Sheets found: {sheets}. "
            f"Name the sheets after the tables: {list(TABLE_NAMES)}."
        )
    return raw, where, notes


def _read_database(
    source: Any, maps: dict[str, dict[str, str]]
) -> tuple[dict[str, pd.DataFrame], dict[str, str], list[str], str]:
    sa = _require("sqlalchemy", "Reading from a database")
    ctx, cleanup, desc = _connect(source, sa)
    raw, where = {}, {}
    try:
        with ctx as conn:
            present = {t.lower(): t for t in sa.inspect(conn).get_table_names()}
            for name in TABLE_NAMES:
                actual = present.get(TABLES[name].file_stem)
                if actual is None:
                    continue
                stmt = sa.text(f"SELECT * FROM {_quoted_table(conn, actual)}")
                raw[name] = pd.read_sql_query(stmt, conn)
                where[name] = f"table {actual!r} in {desc}"
    finally:
        cleanup()
    if "sales" not in raw:
        raise SchemaError(
            f"The database {desc} has no 'sales' table; sales is required. Tables found: "
            f"{sorted(present.values())}. Name the tables after the contract: "
            f"{list(TABLE_NAMES)}, or read them one by one with read_sales(..., table=...)."
        )
    return raw, where, [], desc


def _dataset_map_hint(name: str) -> Callable[[dict[str, str]], str]:
    """Column-map advice phrased for read_dataset and the command line."""

    def hint(suggestion: dict[str, str]) -> str:
        cli = " ".join(f"--column-map {name}.{k}={v}" for k, v in suggestion.items())
        return f"column_maps={{{name!r}: {suggestion!r}}} (on the command line: {cli})"

    return hint


def read_dataset(
    path_or_url: DatasetSource,
    *,
    column_maps: Mapping[str, Mapping[str, str]] | None = None,
    date_order: str | None = None,
    match_ids: str = "trim",
    thresholds: Thresholds | None = None,
) -> Dataset:
    """Read every table of the data contract from one place and check them together.

    Parameters
    ----------
    path_or_url : str, os.PathLike, sqlalchemy Engine or Connection
        One of:

        - a folder holding files named after the tables (``sales.csv``, ``inventory.parquet``,
          ``purchase_orders.csv.gz``, ``items.xlsx``...; any suffix of
          :data:`SUPPORTED_SUFFIXES`, any case, one file per table);
        - an ``.xlsx`` workbook with one sheet per table, named after the table;
        - a SQLAlchemy database URL (``"sqlite:///shop.db"``) or Engine / Connection with one
          database table per contract table, named after it.

        Only ``sales`` is required; absent tables are ``None``.
    column_maps : dict of str to dict, optional
        One ``column_map`` per table name, e.g. ``{"sales": {"SKU": "item_id", "Qty": "units"}}``.
    date_order : {"dmy", "mdy", "ymd"}, optional
        The order of dates written ``a/b/yyyy``; default: the order the values of all tables
        prove (see :func:`~stockout_forecast.io.validation.validate_dataset`).
    match_ids : {"trim", "exact", "loose"}, default "trim"
        How ids are matched across tables (see
        :func:`~stockout_forecast.io.validation.validate_dataset`).
    thresholds : Thresholds, optional
        Plausibility limits (:class:`~stockout_forecast.io.plausibility.Thresholds`).

    Returns
    -------
    Dataset
        The validated tables (see :func:`read_sales` and friends for their columns), ``notes``
        listing every file or sheet ignored, every warning and every adjustment, and
        ``source`` (the path, or the database URL without its password).

    Raises
    ------
    SchemaError
        No sales table, a table that breaks the contract (named with its file or database
        table), two files for one table, or a cross-table error of
        :func:`~stockout_forecast.io.validation.validate_dataset`.
    FileNotFoundError
        The path or the SQLite database does not exist.
    ValueError
        ``column_maps`` names an unknown table or column; a single table file was given.

    Warns
    -----
    DataQualityWarning
        See :func:`~stockout_forecast.io.validation.validate_dataset`.

    See Also
    --------
    write_dataset : the inverse.
    stockout_forecast.io.validation.validate_dataset : the cross-table checks.

    Notes
    -----
    Files in the folder with a supported suffix but not named after a table are not read;
    their names go to ``notes`` so a misspelt ``sale.csv`` does not pass unnoticed. Other
    database tables are not read. ``purchase_orders`` and ``customer_orders`` may be empty
    (nothing open); any other table present must have rows.

    Examples
    --------
    >>> import tempfile, pandas as pd
    >>> sales = pd.DataFrame({"item_id": ["007"], "date": ["2024-01-02"], "units": [3]})
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     sales.to_csv(f"{folder}/sales.csv", index=False)
    ...     ds = read_dataset(folder)
    >>> ds.sales
      item_id       date  units
    0     007 2024-01-02    3.0
    >>> ds.inventory is None
    True
    """
    maps = _check_column_maps(column_maps)
    if match_ids not in MATCH_IDS:
        raise ValueError(f"match_ids must be one of {MATCH_IDS}; got {match_ids!r}.")
    if isinstance(path_or_url, pd.DataFrame):
        raise TypeError(
            "read_dataset reads a folder, a workbook or a database; for DataFrames build "
            "Dataset(sales=..., ...) and pass it to validate_dataset()."
        )
    if _is_sqlalchemy(path_or_url) or _is_url(path_or_url):
        raw, where, notes, source = _read_database(path_or_url, maps)
    elif isinstance(path_or_url, (str, os.PathLike)):
        path = Path(path_or_url)
        source = str(path)
        if path.is_dir():
            raw, where, notes = _read_folder(path, maps)
        elif path.is_file():
            fmt = _format_of(path)
            if not fmt.sheets:
                raise ValueError(
                    f"read_dataset reads a folder, an .xlsx workbook or a database; "
                    f"{path.name} is a single {fmt.name} table: pass its folder, or read it with "
                    f"read_sales() and friends."
                )
            raw, where, notes = _read_workbook(path, maps)
        else:
            raise FileNotFoundError(f"No such folder or file: {str(path)!r}.")
    else:
        raise TypeError(
            f"path_or_url must be a folder, an .xlsx path, a database URL or a SQLAlchemy "
            f"Engine/Connection; got {type(path_or_url).__name__}."
        )

    renamed = {}
    for name, df in raw.items():
        try:
            renamed[name] = _apply_column_map(df, maps.get(name, {}), name)
        except SchemaError as err:
            raise SchemaError(f"{err} Source: {where[name]}.") from err
    base = 1 if _is_sqlalchemy(path_or_url) or _is_url(path_or_url) else 2
    return validate_tables(
        renamed,
        notes=notes,
        source=source,
        date_order=date_order,
        match_ids=match_ids,
        thresholds=thresholds,
        row_base=dict.fromkeys(renamed, base),
        where=where,
        reader="read_dataset",
        map_hint=_dataset_map_hint,
    )

"""Where tables come from: the list of file formats, and databases.

Every input a ``read_*`` function or :func:`~stockout_forecast.io.readers.read_dataset`
accepts is read here. Files are told apart by their suffix through :data:`FILE_FORMATS`,
one entry per format with the function that reads one table from such a file; a new file
format is one reader function plus one entry in that list. Databases (a SQLAlchemy URL,
Engine or Connection) are read through SQLAlchemy ``text()`` only.

Security: data are never evaluated; remote URLs (``http://``, ``s3://``...) are refused;
a table name is checked to be a plain identifier and quoted by the database dialect.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Callable, Mapping
from contextlib import nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from ..exceptions import SchemaError
from ._file_errors import file_errors, sniff_text
from .schema import TableSpec

_EXTRAS = {"pyarrow": "parquet", "openpyxl": "excel", "sqlalchemy": "sql"}


#: spellings of a missing value in CSV / Excel cells (not in id columns: "NA" is a valid id)
_NA_STRINGS = [
    "",
    "#N/A",
    "#N/A N/A",
    "#NA",
    "-1.#IND",
    "-1.#QNAN",
    "-NaN",
    "-nan",
    "1.#IND",
    "1.#QNAN",
    "<NA>",
    "N/A",
    "NA",
    "NULL",
    "NaN",
    "None",
    "n/a",
    "nan",
    "null",
]


_URL_RE = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*://")


_IDENT_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


# --------------------------------------------------------------------------- helpers
def _require(module: str, purpose: str) -> Any:
    """Import an optional dependency, or say which pip extra provides it."""
    try:
        return importlib.import_module(module)
    except ImportError as err:
        raise ImportError(
            f"{purpose} needs the optional package {module!r}, which is not installed. "
            f'Install it with: pip install "stockout_forecast[{_EXTRAS[module]}]"'
        ) from err


def _is_sqlalchemy(obj: Any) -> bool:
    return type(obj).__module__.split(".")[0] == "sqlalchemy"


def _is_url(obj: Any) -> bool:
    return isinstance(obj, str) and bool(_URL_RE.match(obj))


def _masked(url: Any) -> str:
    """A database URL without its password, safe for messages and reports."""
    return str(url.render_as_string(hide_password=True))


def _id_columns(header: list[str], cmap: dict[str, str], spec: TableSpec) -> list[str]:
    """The source names of the table's id columns (before column_map renames them)."""
    inverse = {v: k for k, v in cmap.items()}
    wanted = {inverse.get(n, n) for n, c in spec.columns.items() if c.kind == "id"}
    return [c for c in header if c in wanted]


def _text_read_kwargs(
    header: list[str], id_cols: list[str], user: dict[str, Any], *, text_ids: list[str]
) -> dict[str, Any]:
    """Reader options: only an empty id is missing ("NA" is an id); ``text_ids`` read as text."""
    kw: dict[str, Any] = {}
    dtype = user.get("dtype")
    if text_ids and (dtype is None or isinstance(dtype, Mapping)):
        kw["dtype"] = dict.fromkeys(text_ids, "str") | dict(dtype or {})
    if "na_values" not in user and "keep_default_na" not in user:
        kw["keep_default_na"] = False
        kw["na_values"] = {c: ([""] if c in id_cols else _NA_STRINGS) for c in header}
    return {**user, **kw}


def _is_text(s: pd.Series) -> bool:
    return bool(pd.api.types.is_string_dtype(s) or s.dtype == object)


# --------------------------------------------------------------------------- file readers
def _pick_sheet(
    sheets: list[Any], stem: str, sheet_name: str | int | None, path: Path
) -> str | int:
    names = [str(s) for s in sheets]
    if sheet_name is not None:
        if isinstance(sheet_name, int) and 0 <= sheet_name < len(names):
            return sheet_name
        if sheet_name in names:
            return sheet_name
        raise SchemaError(f"{path.name} has no sheet {sheet_name!r}. Sheets: {names}.")
    if len(names) == 1:
        return names[0]
    same = [s for s in names if s.lower() == stem]
    if same:
        return same[0]
    raise SchemaError(
        f"{path.name} has several sheets {names} and none is named {stem!r}. "
        f"Pass sheet_name=... to say which one holds the {stem} table."
    )


FileReader = Callable[[Path, TableSpec, dict[str, str], Any, dict[str, Any]], pd.DataFrame]


def _delimited(sep: str) -> FileReader:
    """A reader of delimited text files (CSV, TSV; gzipped or not)."""

    def read(
        path: Path, spec: TableSpec, cmap: dict[str, str], sheet_name: Any, user: dict[str, Any]
    ) -> pd.DataFrame:
        # blank lines are read (as empty rows, dropped below) so that row i of the frame is
        # line i + 2 of the file: messages name the rows a planner sees in the file
        base: dict[str, Any] = {"sep": sep, "encoding": "utf-8-sig", "skip_blank_lines": False}
        base |= user
        base |= sniff_text(path, sep, user)
        header = [str(c) for c in pd.read_csv(path, **{**base, "nrows": 0}).columns]
        ids = _id_columns(header, cmap, spec)
        df = pd.read_csv(path, **_text_read_kwargs(header, ids, base, text_ids=[]))
        # Asking pandas' C parser for text columns is several times slower than letting it
        # infer them, so ids are re-read as text only when they were parsed as numbers (and
        # so may have lost leading zeros: "007" -> 7).
        numeric = [c for c in ids if c in df.columns and not _is_text(df[c])]
        if numeric:
            df = pd.read_csv(path, **_text_read_kwargs(header, ids, base, text_ids=numeric))
        blank = df.isna().all(axis=1)
        return df.loc[~blank] if blank.any() else df

    return read


def _read_parquet(
    path: Path, spec: TableSpec, cmap: dict[str, str], sheet_name: Any, user: dict[str, Any]
) -> pd.DataFrame:
    _require("pyarrow", "Reading Parquet files")
    return pd.read_parquet(path, **user)


def _read_excel(
    path: Path,
    spec: TableSpec,
    cmap: dict[str, str],
    sheet_name: str | int | None,
    user: dict[str, Any],
) -> pd.DataFrame:
    """One sheet of a workbook, id columns read as text.

    The sheet is the only one, the one named after the table, or ``sheet_name``.
    """
    _require("openpyxl", "Reading Excel files")
    with pd.ExcelFile(path, engine="openpyxl") as book:
        sheet = _pick_sheet(book.sheet_names, spec.file_stem, sheet_name, path)
        header = [str(c) for c in pd.read_excel(book, sheet_name=sheet, nrows=0, **user).columns]
        ids = _id_columns(header, cmap, spec)
        kw = _text_read_kwargs(header, ids, user, text_ids=ids)
        return pd.read_excel(book, sheet_name=sheet, **kw)


@dataclass(frozen=True)
class FileFormat:
    """A file format the readers understand.

    Attributes
    ----------
    name : str
        The format's name in messages (``"csv"``, ``"excel"``...).
    suffixes : tuple of str
        File-name endings, lower case (``".csv.gz"``); the longest matching one wins.
    read : callable
        ``read(path, spec, column_map, sheet_name, read_kwargs) -> DataFrame``: one table,
        before ``column_map`` renames it and validation checks it.
    sheets : bool
        The file holds several tables (an Excel workbook): ``sheet_name`` applies, and
        :func:`~stockout_forecast.io.readers.read_dataset` reads it as a whole business.
    """

    name: str
    suffixes: tuple[str, ...]
    read: FileReader
    sheets: bool = False


#: Every file format the readers understand, in the order their suffixes are listed.
#: A new format is one reader function and one entry here.
FILE_FORMATS: tuple[FileFormat, ...] = (
    FileFormat("csv", (".csv", ".csv.gz"), _delimited(",")),
    FileFormat("tsv", (".tsv", ".tsv.gz"), _delimited("\t")),
    FileFormat("parquet", (".parquet",), _read_parquet),
    FileFormat("excel", (".xlsx",), _read_excel, sheets=True),
)
#: file suffix -> format; the longest matching suffix wins (``.csv.gz`` before ``.gz``)
_FORMATS: dict[str, FileFormat] = {sfx: fmt for fmt in FILE_FORMATS for sfx in fmt.suffixes}
#: the file suffixes the readers understand
SUPPORTED_SUFFIXES: tuple[str, ...] = tuple(_FORMATS)


def _read_file(
    path: Path,
    spec: TableSpec,
    cmap: dict[str, str],
    sheet_name: str | int | None,
    user: dict[str, Any],
) -> pd.DataFrame:
    """One table from a file, by the format its suffix names."""
    fmt = _format_of(path)
    if sheet_name is not None and not fmt.sheets:
        raise ValueError(f"sheet_name applies to .xlsx files only; {path.name} is {fmt.name}.")
    with file_errors(path):
        return fmt.read(path, spec, cmap, sheet_name, user)


def _format_of(path: Path) -> FileFormat:
    name = path.name.lower()
    for suffix in sorted(_FORMATS, key=len, reverse=True):
        if name.endswith(suffix):
            return _FORMATS[suffix]
    raise ValueError(
        f"Cannot tell the format of {str(path)!r} from its name. Supported suffixes: "
        f"{', '.join(SUPPORTED_SUFFIXES)}. Rename the file, or load it with pandas and pass "
        f"the DataFrame."
    )


def _table_stem(path: Path) -> str | None:
    """The part of a file name before a supported suffix, lower case; None if unsupported."""
    name = path.name.lower()
    for suffix in sorted(_FORMATS, key=len, reverse=True):
        if name.endswith(suffix):
            return name[: -len(suffix)]
    return None


def _find_table_file(folder: Path, stem: str) -> Path | None:
    """The file in ``folder`` named after table ``stem`` (any supported suffix, any case).

    A folder ``<stem>.parquet`` of Parquet parts (a partitioned table) counts as one.
    """
    hits = sorted(
        p
        for p in folder.iterdir()
        if (p.is_file() or (p.is_dir() and p.suffix.lower() == ".parquet"))
        and _table_stem(p) == stem.lower()
    )
    if len(hits) > 1:
        raise SchemaError(
            f"{folder} holds several files for the {stem} table: {[p.name for p in hits]}. "
            f"Keep one."
        )
    return hits[0] if hits else None


# --------------------------------------------------------------------------- SQL
def _quoted_table(conn: Any, name: str) -> str:
    """Check ``name`` (``table`` or ``schema.table``) is a plain identifier; quote it."""
    sa = _require("sqlalchemy", "Reading from a database")
    parts = name.split(".") if isinstance(name, str) else []
    if not parts or len(parts) > 2 or not all(_IDENT_RE.match(p) for p in parts):
        raise ValueError(
            f"table must be a plain SQL table name (letters, digits and underscores, "
            f"optionally 'schema.table'); got {name!r}. Use query='SELECT ...' for anything "
            f"else."
        )
    schema, table = (parts[0], parts[1]) if len(parts) == 2 else (None, parts[0])
    inspector = sa.inspect(conn)
    if not inspector.has_table(table, schema=schema):
        found = sorted(inspector.get_table_names(schema=schema))
        raise SchemaError(
            f"The database has no table {name!r}. Tables found: {found}. Pass table=... or "
            f"query=... to say where the data are."
        )
    prep = conn.dialect.identifier_preparer
    quoted = prep.quote(table)
    return f"{prep.quote_schema(schema)}.{quoted}" if schema else quoted


def _engine_for_url(url: str) -> Any:
    """A SQLAlchemy engine for a database URL; refuses remote-file URLs and absent SQLite files."""
    sa = _require("sqlalchemy", "Reading from a database URL")
    scheme = url.split("://", 1)[0]
    advice = (
        "Remote files are not fetched: download the file and pass its path, or give a "
        "database URL such as 'sqlite:///shop.db'."
    )
    try:
        parsed = sa.engine.make_url(url)
    except (sa.exc.ArgumentError, ValueError) as err:  # ValueError: a port that is not a number
        raise ValueError(f"'{scheme}://...' is not a valid database URL. {advice}") from err
    try:
        parsed.get_dialect()
    except sa.exc.NoSuchModuleError as err:
        raise ValueError(
            f"{_masked(parsed)!r} is not a database URL SQLAlchemy knows (scheme "
            f"{scheme!r}). {advice}"
        ) from err
    db = parsed.database
    is_file_db = db and db != ":memory:" and not db.startswith("file:")
    if parsed.get_backend_name() == "sqlite" and is_file_db and not Path(db).is_file():
        raise FileNotFoundError(
            f"No SQLite database at {db!r} (from {_masked(parsed)!r}). Check the path: "
            f"'sqlite:///relative.db' is relative to the working directory, "
            f"'sqlite:////abs/path.db' is absolute."
        )
    try:
        return sa.create_engine(parsed)
    except ImportError as err:
        raise ImportError(
            f"The database driver for {parsed.drivername!r} is not installed ({err}). "
            f"Install the driver package for your database (for example psycopg for "
            f"PostgreSQL); SQLite needs none."
        ) from err


def _connect(source: Any, sa: Any) -> tuple[Any, Callable[[], None], str]:
    """(connection context, cleanup, masked description) for a URL, Engine or Connection."""
    if isinstance(source, str):
        engine = _engine_for_url(source)
        return engine.connect(), engine.dispose, _masked(engine.url)
    if isinstance(source, sa.engine.Engine):
        return source.connect(), lambda: None, _masked(source.url)
    if isinstance(source, sa.engine.Connection):  # the caller's: leave it open
        return nullcontext(source), lambda: None, _masked(source.engine.url)
    raise TypeError(
        f"Expected a database URL or a SQLAlchemy Engine or Connection; "
        f"got {type(source).__name__}."
    )


def _read_sql(
    source: Any, spec: TableSpec, table: str | None, query: str | None, user: dict
) -> tuple[pd.DataFrame, str]:
    sa = _require("sqlalchemy", "Reading from a database")
    if table is not None and query is not None:
        raise ValueError("Pass either table= or query=, not both.")
    ctx, cleanup, where = _connect(source, sa)
    try:
        with ctx as conn:
            if query is not None:
                if not isinstance(query, str):
                    raise TypeError(f"query must be a SQL string; got {type(query).__name__}.")
                stmt, what = sa.text(query), f"query on {where}"
            else:
                name = table if table is not None else spec.name
                stmt = sa.text(f"SELECT * FROM {_quoted_table(conn, name)}")
                what = f"table {name!r} in {where}"
            return pd.read_sql_query(stmt, conn, **user), what
    finally:
        cleanup()

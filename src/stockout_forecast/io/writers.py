"""Writing a :class:`~stockout_forecast.io.dataset.Dataset` back: folders, workbooks, SQLite.

File, sheet and database-table names come only from the contract's table names, never
from data, so nothing is written outside the path given.
"""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd

from .dataset import Dataset
from .schema import TABLES
from .sources import _require, _table_stem

__all__ = ["write_dataset"]


#: what ``write_dataset`` can write: format -> file suffix ("" for a single-file format)
_WRITE_SUFFIX = {"csv": ".csv", "csv.gz": ".csv.gz", "parquet": ".parquet"}


_WRITE_FORMATS = ("csv", "csv.gz", "parquet", "excel", "sqlite")


_EXCEL_MAX_ROWS = 1_048_575  # one row is the header


# --------------------------------------------------------------------------- writing
def write_dataset(
    dataset: Dataset,
    path: str | os.PathLike[str],
    *,
    format: str = "csv",
    overwrite: bool = False,
) -> Path:
    """Write the tables of a :class:`Dataset` so that :func:`read_dataset` reads them back.

    Parameters
    ----------
    dataset : Dataset
        The tables to write; absent (``None``) tables are not written.
    path : str or os.PathLike
        For ``"csv"``, ``"csv.gz"`` and ``"parquet"`` a folder (created if needed) that
        receives one file per table, ``<table>.csv`` etc.; for ``"excel"`` the ``.xlsx``
        workbook; for ``"sqlite"`` the SQLite database file.
    format : {"csv", "csv.gz", "parquet", "excel", "sqlite"}, default "csv"
        File format. ``"excel"`` writes one sheet per table; ``"sqlite"`` one database table
        per table, through SQLAlchemy.
    overwrite : bool, default False
        Replace existing table files, sheets or database tables. Without it, any existing
        target is an error and nothing is written.

    Returns
    -------
    pathlib.Path
        The folder or file written.

    Raises
    ------
    FileExistsError
        A target exists and ``overwrite`` is False; or, in a folder, a file for a table in
        another format (``sales.parquet`` next to a new ``sales.csv``) or for a table that is
        not being written, which :func:`read_dataset` would otherwise pick up.
    ValueError
        Unknown ``format``; a table too long for an Excel sheet (1,048,575 rows).
    ImportError
        ``pyarrow``, ``openpyxl`` or ``SQLAlchemy`` missing for their formats.

    Notes
    -----
    File, sheet and database-table names come only from the contract's table names
    (``schema.TABLES[...].file_stem``), never from data, so nothing is written outside
    ``path``. Text cells written to Excel are always stored as text: a value starting with
    ``=`` is not turned into a formula. Dates are written as ISO dates (CSV), native dates
    (Parquet, Excel) or ISO timestamps (SQLite). ``notes`` and ``source`` are not written.

    Examples
    --------
    >>> import tempfile, pandas as pd
    >>> from stockout_forecast.io import Dataset, read_dataset, write_dataset
    >>> ds = Dataset(sales=pd.DataFrame(
    ...     {"item_id": ["007"], "date": pd.to_datetime(["2024-01-02"]), "units": [3.0]}))
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     out = write_dataset(ds, f"{folder}/shop.db", format="sqlite")
    ...     back = read_dataset(f"sqlite:///{out}")
    >>> back.sales
      item_id       date  units
    0     007 2024-01-02    3.0
    """
    if not isinstance(dataset, Dataset):
        raise TypeError(f"dataset must be a Dataset; got {type(dataset).__name__}.")
    if format not in _WRITE_FORMATS:
        raise ValueError(f"format must be one of {list(_WRITE_FORMATS)}; got {format!r}.")
    target = Path(path)
    tables = dataset.tables
    if format in _WRITE_SUFFIX:
        return _write_folder(tables, target, format, overwrite)
    if target.is_dir():
        raise ValueError(f"{str(target)!r} is a folder; format={format!r} writes one file.")
    if target.is_symlink():
        raise FileExistsError(
            f"{str(target)!r} is a symbolic link; writing through it could land elsewhere. "
            f"Give the path of a regular file."
        )
    if format == "excel":
        return _write_excel(tables, target, overwrite)
    return _write_sqlite(tables, target, overwrite)


def _write_folder(tables: dict[str, pd.DataFrame], folder: Path, fmt: str, overwrite: bool) -> Path:
    if fmt == "parquet":
        _require("pyarrow", "Writing Parquet files")
    if folder.exists() and not folder.is_dir():
        raise FileExistsError(f"{str(folder)!r} exists and is not a folder.")
    suffix = _WRITE_SUFFIX[fmt]
    targets = {name: folder / f"{TABLES[name].file_stem}{suffix}" for name in tables}
    linked = [p.name for p in targets.values() if p.is_symlink()]
    if linked:
        raise FileExistsError(
            f"{linked} in {str(folder)!r} are symbolic links; writing through them could land "
            f"outside the folder. Remove them or write to another folder."
        )
    if folder.is_dir():
        wanted = set(targets.values())
        existing = [p for p in folder.iterdir() if p.is_file() and _table_stem(p) is not None]
        existing = [p for p in existing if _table_stem(p) in {TABLES[n].file_stem for n in TABLES}]
        blocking = [p.name for p in existing if not (overwrite and p in wanted)]
        if blocking:
            raise FileExistsError(
                f"{str(folder)!r} already holds table files {sorted(blocking)}. "
                + (
                    "Pass overwrite=True to replace them, or write to an empty folder."
                    if not overwrite
                    else "They would be mixed with the new tables: remove them first, or "
                    "write to an empty folder."
                )
            )
    folder.mkdir(parents=True, exist_ok=True)
    for name, df in tables.items():
        if fmt == "parquet":
            df.to_parquet(targets[name], index=False)
        else:
            df.to_csv(targets[name], index=False)
    return folder


def _write_excel(tables: dict[str, pd.DataFrame], target: Path, overwrite: bool) -> Path:
    _require("openpyxl", "Writing Excel files")
    if target.exists() and not overwrite:
        raise FileExistsError(f"{str(target)!r} exists. Pass overwrite=True to replace it.")
    too_long = [n for n, df in tables.items() if len(df) > _EXCEL_MAX_ROWS]
    if too_long:
        raise ValueError(
            f"Tables {too_long} have more rows than an Excel sheet holds ({_EXCEL_MAX_ROWS:,}). "
            f"Use format='parquet' or 'csv'."
        )
    target.parent.mkdir(parents=True, exist_ok=True)
    with pd.ExcelWriter(target, engine="openpyxl") as writer:
        for name, df in tables.items():
            sheet = TABLES[name].file_stem
            df.to_excel(writer, sheet_name=sheet, index=False)
            for row in writer.sheets[sheet].iter_rows():
                for cell in row:
                    if cell.data_type == "f":  # text that openpyxl took for a formula
                        cell.data_type = "s"
    return target


def _write_sqlite(tables: dict[str, pd.DataFrame], target: Path, overwrite: bool) -> Path:
    sa = _require("sqlalchemy", "Writing a SQLite database")
    target.parent.mkdir(parents=True, exist_ok=True)
    engine = sa.create_engine(sa.engine.URL.create("sqlite", database=str(target.resolve())))
    try:
        with engine.begin() as conn:
            present = set(sa.inspect(conn).get_table_names())
            clash = sorted(present & {TABLES[n].file_stem for n in tables})
            if clash and not overwrite:
                raise FileExistsError(
                    f"{str(target)!r} already has tables {clash}. Pass overwrite=True to "
                    f"replace them."
                )
            for name, df in tables.items():
                df.to_sql(TABLES[name].file_stem, conn, if_exists="replace", index=False)
    finally:
        engine.dispose()
    return target

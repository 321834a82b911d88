"""What can go wrong reading a file, said in a planner's words.

Every file a reader opens passes :func:`sniff_text` first (text formats) and is read inside
:func:`file_errors`, which turns what the parsers raise (a zlib error, a ``UnicodeDecodeError``
with a byte offset, pandas' ``ParserError`` with its own line count, openpyxl's
``InvalidFileException``...) into a :class:`~stockout_forecast.exceptions.SchemaError` naming
the file, the line (1-based, as a text editor shows it: the header is line 1) and what to do.
"""

from __future__ import annotations

import codecs
import csv
import gzip
import re
import zipfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, BinaryIO

import pandas as pd

from ..exceptions import SchemaError

__all__ = ["file_errors", "sniff_text"]

#: bytes looked at before parsing (the header and the first rows)
_SNIFF_BYTES = 1 << 16
_ZIP_MAGIC = b"PK\x03\x04"


def _open_binary(path: Path) -> BinaryIO:
    if path.name.lower().endswith(".gz"):
        return gzip.open(path, "rb")  # type: ignore[return-value]
    return path.open("rb")


def _head(path: Path) -> bytes:
    with _open_binary(path) as fh:
        return fh.read(_SNIFF_BYTES)


def sniff_text(path: Path, sep: str, user: dict[str, Any]) -> dict[str, Any]:
    """Check the start of a delimited text file; return reader options it calls for.

    Raises a :class:`SchemaError` for a workbook saved under a text name, NUL bytes, a file
    separated by semicolons where commas are expected, and a header naming a column twice.
    A UTF-16 file (Excel's "Unicode text") is read as such.
    """
    with file_errors(path):
        head = _head(path)
    name = path.name
    if head.startswith(_ZIP_MAGIC):
        raise SchemaError(
            f"{name} is an Excel workbook (or another zip file), not text. Rename it to "
            f"{name.split('.')[0]}.xlsx, or save it from Excel as CSV UTF-8."
        )
    extra: dict[str, Any] = {}
    if "encoding" not in user and head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        extra["encoding"] = "utf-16"
        text = head.decode("utf-16", errors="replace")
    else:
        if b"\x00" in head:
            line = head[: head.index(b"\x00")].count(b"\n") + 1
            raise SchemaError(
                f"{name} holds NUL bytes (line {line}): it is not a text file, or it is "
                f"damaged. Export the table again as CSV."
            )
        text = head.decode(user.get("encoding", "utf-8-sig"), errors="replace")
    first = text.lstrip("\ufeff").split("\n", 1)[0].rstrip("\r")
    if "sep" not in user and "delimiter" not in user:
        if sep == "," and "," not in first and first.count(";") >= 1:
            raise SchemaError(
                f"{name} is separated by semicolons (;), not commas: its header reads "
                f"{first[:80]!r}. Save it with commas as separators (in Excel: 'CSV UTF-8 "
                f"(Comma delimited)'), with dots as the decimal mark."
            )
        names = next(csv.reader([first], delimiter=sep), [])
        seen: dict[str, int] = {}
        for pos, n in enumerate(names, start=1):
            key = n.strip()
            if key and key in seen:
                raise SchemaError(
                    f"{name} has the column {key!r} twice (columns {seen[key]} and {pos} of "
                    f"the header). Keep one, or rename the other."
                )
            seen[key] = pos
    return extra


def _bad_utf8_line(path: Path, encoding: str) -> tuple[int, str]:
    """(1-based line, byte) of the first line that does not decode."""
    try:
        with _open_binary(path) as fh:
            for i, raw in enumerate(fh, start=1):
                try:
                    raw.decode(encoding)
                except UnicodeDecodeError as err:
                    return i, f"0x{raw[err.start]:02x}"
    except (OSError, EOFError, zlib.error):
        pass
    return 0, "?"


_LINE_RE = re.compile(r"Expected (\d+) fields in line (\d+), saw (\d+)")
_EOF_RE = re.compile(r"EOF inside string starting at row (\d+)")


def _parser_message(name: str, err: Exception) -> str:
    text = str(err)
    m = _LINE_RE.search(text)
    if m:
        want, line, saw = m.groups()
        return (
            f"{name} line {line} has {saw} fields; the header has {want}. A value holding the "
            f'separator must be quoted ("..."); otherwise remove the extra separators.'
        )
    m = _EOF_RE.search(text)
    if m:
        line = int(m.group(1)) + 1
        return (
            f'{name} has a quote (") with no closing quote, starting on line {line}. Close '
            f"the quote, or remove it (a quote is only needed around values holding commas)."
        )
    return f"{name} cannot be read as a table: {text.strip()}. Export it again as CSV."


@contextmanager
def file_errors(path: Path, encoding: str = "utf-8") -> Iterator[None]:
    """Turn what reading ``path`` raises into a :class:`SchemaError` naming the file."""
    name = path.name
    low = name.lower()
    try:
        yield
    except (SchemaError, ImportError):
        raise
    except (gzip.BadGzipFile, zlib.error, EOFError) as err:
        raise SchemaError(
            f"{name} is not a valid gzip file, or it was cut short ({err}). Download or export "
            f"it again; or store it uncompressed as {name.removesuffix('.gz')}."
        ) from err
    except UnicodeDecodeError as err:
        line, byte = _bad_utf8_line(path, "utf-8")
        where = f" (line {line}, byte {byte})" if line else ""
        raise SchemaError(
            f"{name} is not UTF-8 text{where}. Save it as UTF-8 (in Excel: 'CSV UTF-8 (Comma "
            f"delimited)'); a file from an older program is often Windows-1252 or Latin-1."
        ) from err
    except pd.errors.EmptyDataError as err:
        raise SchemaError(
            f"{name} is empty: it has no header and no rows. Export the table again, or "
            f"delete the file if the table is not needed."
        ) from err
    except pd.errors.ParserError as err:
        raise SchemaError(_parser_message(name, err)) from err
    except (zipfile.BadZipFile, KeyError) as err:
        if low.endswith(".xlsx"):
            raise SchemaError(
                f"{name} is not an Excel workbook (.xlsx): {err}. Open it in Excel and save it "
                f"as .xlsx, or save the table as .csv."
            ) from err
        raise
    except (OSError, ValueError, TypeError) as err:
        if low.endswith(".xlsx"):
            raise SchemaError(
                f"{name} is not an Excel workbook (.xlsx): {err}. Open it in Excel and save it "
                f"as .xlsx, or save the table as .csv."
            ) from err
        if low.endswith(".parquet"):
            raise SchemaError(
                f"{name} is not a readable Parquet file: {err}. Write it again (for example "
                f"DataFrame.to_parquet), or save the table as .csv."
            ) from err
        if isinstance(err, IsADirectoryError):
            raise SchemaError(f"{name} is a folder, not a file.") from err
        raise
    except Exception as err:
        # openpyxl and pyarrow raise their own classes for damaged files
        mod = type(err).__module__.split(".")[0]
        if mod in ("openpyxl", "pyarrow") or low.endswith((".xlsx", ".parquet")):
            kind = (
                "an Excel workbook (.xlsx)" if low.endswith(".xlsx") else "a readable Parquet file"
            )
            raise SchemaError(
                f"{name} is not {kind}: {type(err).__name__}: {err}. Save the table again, or "
                f"as .csv."
            ) from err
        raise

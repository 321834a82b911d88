"""The catalogue of malformed and hostile datasets, each made from the base shop.

Each :class:`Case` changes a fresh copy of the base shop (:func:`fuzz_kit.build_base`), runs
one command and states the outcome a planner must get:

``error``  exit code ``rc`` (2 usage, 3 data, 4 not found) and a message that names the file
           or table, the column, the 1-based rows (as a spreadsheet shows them: the header is
           row 1) and what to do; never an internal error, never a traceback.
``note``   exit 0, a correct plan, and a visible note (in the report's data notes and in the
           CLI summary) that contains every ``says`` text.
``ok``     exit 0 and a correct plan.

Every plan-producing run is then checked for lost items, one truth across outputs and
injection (:mod:`fuzz_kit`); ``check`` adds what is specific to the case.
"""

from __future__ import annotations

import gzip
import io
import os
import sqlite3
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from fuzz_kit import TABLE_FILES, Result, edit, read, read_outputs

Maker = Callable[[Path], None]
ERROR, NOTE, OK = "error", "note", "ok"


@dataclass(frozen=True)
class Case:
    """One hostile dataset and the outcome it must produce."""

    name: str
    kind: str
    make: Maker
    expect: str
    rc: int = 0
    says: tuple[str, ...] = ()
    args: tuple[str, ...] = ()
    command: str = "report"
    check: Callable[[Result, Path], None] | None = None
    #: item ids the outputs must hold (default: every id in the case's CSV files)
    ids: Callable[[Path], set[str]] | None = None
    #: the DATA argument, relative to the case folder (default: the data folder)
    target: str = "data"
    extra: dict = field(default_factory=dict)


def _nothing(folder: Path) -> None:
    pass


def cell(table: str, row: int, col: str, value: str) -> Maker:
    """Set one cell: ``row`` is the 0-based data row (spreadsheet row ``row + 2``)."""

    def make(folder: Path) -> None:
        def f(df: pd.DataFrame) -> None:
            if col not in df.columns:
                df[col] = ""
            df.loc[df.index[row], col] = value

        edit(folder, table, f)

    return make


def column(table: str, col: str, fn: Callable[[pd.Series], pd.Series]) -> Maker:
    """Replace a whole column by ``fn(column)``."""

    def make(folder: Path) -> None:
        def f(df: pd.DataFrame) -> None:
            df[col] = fn(df[col])

        edit(folder, table, f)

    return make


def raw_text(table: str, fn: Callable[[str], str]) -> Maker:
    """Rewrite a table's file text."""

    def make(folder: Path) -> None:
        p = folder / TABLE_FILES[table]
        p.write_text(fn(p.read_text(encoding="utf-8")), encoding="utf-8", newline="")

    return make


def raw_bytes(name: str, data: bytes, *, remove: str | None = None) -> Maker:
    """Write ``name`` with ``data`` (and remove the table file ``remove``)."""

    def make(folder: Path) -> None:
        if remove:
            (folder / TABLE_FILES[remove]).unlink()
        (folder / name).write_bytes(data)

    return make


def drop_tables(*tables: str) -> Maker:
    def make(folder: Path) -> None:
        for t in tables:
            (folder / TABLE_FILES[t]).unlink()

    return make


def rename_ids(mapping: Callable[[str], str], *tables: str) -> Maker:
    """Map every item id in ``tables`` (all tables when none are named)."""

    def make(folder: Path) -> None:
        for t in tables or tuple(TABLE_FILES):
            edit(folder, t, lambda df: df.assign(item_id=df["item_id"].map(mapping)))

    return make


def rename_one(old: str, new: str, *tables: str) -> Maker:
    return rename_ids(lambda i: new if i == old else i, *tables)


def both(*makers: Maker) -> Maker:
    def make(folder: Path) -> None:
        for m in makers:
            m(folder)

    return make


def add_row(table: str, row: dict[str, str]) -> Maker:
    def make(folder: Path) -> None:
        edit(folder, table, lambda df: pd.concat([df, pd.DataFrame([row])], ignore_index=True))

    return make


_PAD = " \t\r\n\u00a0\u200b\u200c\u200d\u2060\ufeff\u3000"


def all_ids(folder: Path) -> set[str]:
    """Every item id in the case's CSV files (stripped of surrounding spaces)."""
    ids: set[str] = set()
    for fname in TABLE_FILES.values():
        p = folder / fname
        if p.exists():
            try:
                df = pd.read_csv(p, dtype=str, keep_default_na=False)
            except (ValueError, UnicodeDecodeError):
                continue
            if "item_id" in df.columns:
                ids |= {str(i).strip(_PAD) for i in df["item_id"] if str(i).strip(_PAD)}
    return ids


# --------------------------------------------------------------------------- checks
def stdout_has(*texts: str) -> Callable[[Result, Path], None]:
    def check(r: Result, folder: Path) -> None:
        low = r.stdout.lower()
        for t in texts:
            assert t.lower() in low, f"{t!r} not in the CLI output:\n{r.stdout}"

    return check


def summary_of(r: Result) -> pd.DataFrame:
    return read_outputs(r.out).summary.set_index("item_id")


def check_dates_dayfirst(r: Result, folder: Path) -> None:
    """DD/MM dates read day-first: the history ends on the base shop's last day."""
    assert "as of 2026-11-24" in r.stdout.lower(), r.stdout


def check_sales_only(r: Result, folder: Path) -> None:
    """No claim about stock on hand: no out-of-stock tiles, no on-hand columns, levels given."""
    o = read_outputs(r.out)
    labels = [label for _, label in o.page.kpis]
    assert not any("out of stock" in x or "run out" in x for x in labels), labels
    assert "on_hand_units" not in o.summary.columns
    assert "stockout_date_p50" not in o.summary.columns
    assert "stockout_date" not in o.summary.columns


def check_levels(lead: float) -> Callable[[Result, Path], None]:
    def check(r: Result, folder: Path) -> None:
        check_sales_only(r, folder)
        s = read_outputs(r.out).summary
        sold = s[s["status"] == "ok"]
        assert len(sold), "no item got reorder levels"
        assert (sold["lead_time_days"].astype(float) == lead).all()
        rop = sold["reorder_point_units"].astype(float)
        upto = sold["order_up_to_units"].astype(float)
        vel = sold["velocity_28d"].replace("", "nan").astype(float)
        assert (rop > 0).all()
        assert (upto >= rop).all()
        # a reorder point covers at least the mean demand over the lead time, roughly
        ok = vel.notna() & (vel > 1)
        assert (rop[ok] >= 0.5 * vel[ok] * lead).all()

    return check


def check_item_kept(item: str, status: str | None = None) -> Callable[[Result, Path], None]:
    def check(r: Result, folder: Path) -> None:
        o = read_outputs(r.out)
        s = o.summary.set_index("item_id")
        assert item in s.index, f"{item} lost"
        if status is not None:
            assert s.loc[item, "status"] == status, s.loc[item, ["status", "reason"]].to_dict()

    return check


def check_no_order_for(item: str, reason: str) -> Callable[[Result, Path], None]:
    def check(r: Result, folder: Path) -> None:
        s = summary_of(r)
        assert s.loc[item, "order_now"].lower() != "true"
        assert reason in s.loc[item, "reason"] + " " + s.loc[item, "order_reason"]

    return check


def check_fast(seconds: float) -> Callable[[Result, Path], None]:
    def check(r: Result, folder: Path) -> None:
        assert r.seconds < seconds, f"took {r.seconds:.1f}s: the check should come first"
        assert not (r.out / "reorder_report.html").exists()

    return check


def check_traceback(r: Result, folder: Path) -> None:
    assert "Traceback" in r.stderr


# --------------------------------------------------------------------------- file builders
def _gz(text: str) -> bytes:
    return gzip.compress(text.encode("utf-8"))


def _sales_text(folder: Path) -> str:
    return (folder / "sales.csv").read_text(encoding="utf-8")


def corrupt_gz(folder: Path) -> None:
    (folder / "sales.csv").unlink()
    (folder / "sales.csv.gz").write_bytes(b"\x1f\x8b\x08\x00" + os.urandom(64))


def truncated_gz(folder: Path) -> None:
    data = _gz(_sales_text(folder))
    (folder / "sales.csv").unlink()
    (folder / "sales.csv.gz").write_bytes(data[: len(data) // 2])


def gz_of_binary(folder: Path) -> None:
    (folder / "sales.csv").unlink()
    (folder / "sales.csv.gz").write_bytes(gzip.compress(bytes(range(256)) * 8))


def text_as_xlsx(folder: Path) -> None:
    text = (folder / "items.csv").read_text(encoding="utf-8")
    (folder / "items.csv").unlink()
    (folder / "items.xlsx").write_text(text, encoding="utf-8")


def zip_not_workbook(folder: Path) -> None:
    (folder / "items.csv").unlink()
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("hello.txt", "not a workbook")
    (folder / "items.xlsx").write_bytes(buf.getvalue())


def xlsx_named_csv(folder: Path) -> None:
    df = read(folder, "items")
    p = folder / "items.xlsx"
    df.to_excel(p, index=False)
    (folder / "items.csv").write_bytes(p.read_bytes())
    p.unlink()


def latin1_items(folder: Path) -> None:
    df = read(folder, "items")
    df.loc[df.index[2], "description"] = "Café crème brûlée"
    text = df.to_csv(index=False)
    (folder / "items.csv").write_bytes(text.encode("latin-1"))


def utf16_sales(folder: Path) -> None:
    text = _sales_text(folder)
    (folder / "sales.csv").write_bytes(text.encode("utf-16"))


def ragged_row(folder: Path) -> None:
    lines = _sales_text(folder).splitlines(keepends=True)
    lines[4] = lines[4].rstrip("\n") + ",EXTRA,MORE\n"  # file line 5
    (folder / "sales.csv").write_text("".join(lines), encoding="utf-8")


def unclosed_quote(folder: Path) -> None:
    lines = _sales_text(folder).splitlines(keepends=True)
    lines[4] = '"' + lines[4]
    (folder / "sales.csv").write_text("".join(lines), encoding="utf-8")


def nul_bytes(folder: Path) -> None:
    data = (folder / "sales.csv").read_bytes()
    cut = data.index(b"\n", 200) + 1
    (folder / "sales.csv").write_bytes(data[:cut] + b"\x00\x00\x00" + data[cut:])


def semicolons(folder: Path) -> None:
    df = read(folder, "sales")
    (folder / "sales.csv").write_text(df.to_csv(index=False, sep=";"), encoding="utf-8")


def as_tsv(folder: Path) -> None:
    df = read(folder, "sales")
    (folder / "sales.csv").unlink()
    (folder / "sales.tsv").write_text(df.to_csv(index=False, sep="\t"), encoding="utf-8")


def crlf_bom(folder: Path) -> None:
    text = _sales_text(folder).replace("\n", "\r\n")
    (folder / "sales.csv").write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))


def messy_headers(folder: Path) -> None:
    text = _sales_text(folder)
    head, rest = text.split("\n", 1)
    head = head.replace("item_id", " Item_ID ").replace("date", "DATE").replace("units", "Units ")
    (folder / "sales.csv").write_text(head + "\n" + rest, encoding="utf-8")


def duplicate_columns(folder: Path) -> None:
    text = _sales_text(folder)
    lines = text.splitlines()
    lines = [lines[0].replace("units", "units", 1) + ",units"] + [x + ",1" for x in lines[1:]]
    (folder / "sales.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")


def vendor_columns(folder: Path) -> None:
    edit(
        folder,
        "sales",
        lambda df: df.rename(columns={"item_id": "SKU", "date": "Day", "units": "Qty"}),
    )


def vendor_toml(folder: Path) -> None:
    vendor_columns(folder)
    (folder.parent / "map.toml").write_text(
        '[sales]\nSKU = "item_id"\nDay = "date"\nQty = "units"\n', encoding="utf-8"
    )


def two_sales_files(folder: Path) -> None:
    (folder / "sales.csv.gz").write_bytes(_gz(_sales_text(folder)))


def misspelt_sales(folder: Path) -> None:
    (folder / "sales.csv").rename(folder / "sale.csv")


def dir_named_sales(folder: Path) -> None:
    (folder / "sales.csv").unlink()
    (folder / "sales.csv").mkdir()


def to_parquet(folder: Path) -> None:
    for t, fname in TABLE_FILES.items():
        df = pd.read_csv(folder / fname, dtype=str, keep_default_na=False)
        for c in df.columns:
            if c in ("units", "on_hand_units", "unit_cost", "lead_time_days", "received_units"):
                df[c] = pd.to_numeric(df[c].replace("", np.nan))
        df.to_parquet(folder / (t + ".parquet"), index=False)
        (folder / fname).unlink()


def parquet_corrupt(folder: Path) -> None:
    (folder / "sales.csv").unlink()
    (folder / "sales.parquet").write_bytes(b"PAR1" + os.urandom(200) + b"PAR1")


def parquet_text_units(folder: Path) -> None:
    df = read(folder, "sales")
    df.loc[df.index[3], "units"] = "lots"
    (folder / "sales.csv").unlink()
    df.to_parquet(folder / "sales.parquet", index=False)


def to_workbook(folder: Path) -> None:
    book = folder.parent / "shop.xlsx"
    with pd.ExcelWriter(book) as xw:
        for t, _fname in TABLE_FILES.items():
            read(folder, t).to_excel(xw, sheet_name=t, index=False)


def to_workbook_bad_sheets(folder: Path) -> None:
    book = folder.parent / "shop.xlsx"
    with pd.ExcelWriter(book) as xw:
        read(folder, "sales").to_excel(xw, sheet_name="Sheet1", index=False)
        read(folder, "items").to_excel(xw, sheet_name="Sheet2", index=False)


def to_sqlite(folder: Path) -> None:
    con = sqlite3.connect(folder.parent / "shop.db")
    for t in TABLE_FILES:
        df = read(folder, t)
        for c in df.columns:
            if c in ("units", "on_hand_units", "unit_cost", "lead_time_days"):
                df[c] = pd.to_numeric(df[c].replace("", np.nan))
        df.to_sql(t, con, index=False)
    con.close()


def items_xlsx(folder: Path) -> None:
    df = read(folder, "items")
    (folder / "items.csv").unlink()
    df.to_excel(folder / "items.xlsx", index=False)


def ddmm(folder: Path, table: str = "sales", col: str = "date", fmt: str = "%d/%m/%Y") -> None:
    edit(folder, table, lambda df: df.assign(**{col: pd.to_datetime(df[col]).dt.strftime(fmt)}))


def po_ddmm(folder: Path) -> None:
    for col in ("order_date", "expected_date", "received_date"):
        edit(
            folder,
            "purchase_orders",
            lambda df, col=col: df.assign(
                **{
                    col: pd.to_datetime(df[col].replace("", None))
                    .dt.strftime("%d/%m/%Y")
                    .fillna("")
                }
            ),
        )


def ambiguous_dates(folder: Path) -> None:
    def f(df: pd.DataFrame) -> pd.DataFrame:
        d = pd.to_datetime(df["date"])
        df = df[d.dt.day <= 12].copy()
        df["date"] = pd.to_datetime(df["date"]).dt.strftime("%d/%m/%Y")
        return df

    edit(folder, "sales", f)


def conflicting_dates(folder: Path) -> None:
    def f(df: pd.DataFrame) -> pd.DataFrame:
        d = pd.to_datetime(df["date"])
        half = np.arange(len(df)) % 2 == 0
        df["date"] = np.where(half, d.dt.strftime("%d/%m/%Y"), d.dt.strftime("%m/%d/%Y"))
        return df

    edit(folder, "sales", f)


def mixed_iso_ddmm(folder: Path) -> None:
    def f(df: pd.DataFrame) -> pd.DataFrame:
        d = pd.to_datetime(df["date"])
        half = np.arange(len(df)) % 2 == 0
        df["date"] = np.where(half, d.dt.strftime("%Y-%m-%d"), d.dt.strftime("%d/%m/%Y"))
        return df

    edit(folder, "sales", f)


def tz_mixed(folder: Path) -> None:
    def f(df: pd.DataFrame) -> pd.DataFrame:
        half = np.arange(len(df)) % 2 == 0
        df["date"] = np.where(half, df["date"] + "T10:00:00+01:00", df["date"] + "T10:00:00-05:00")
        return df

    edit(folder, "sales", f)


def with_times(folder: Path) -> None:
    edit(folder, "sales", lambda df: df.assign(date=df["date"] + " 13:45:00"))


def sales_gap(folder: Path) -> None:
    def f(df: pd.DataFrame) -> pd.DataFrame:
        d = pd.to_datetime(df["date"])
        return df[(d < "2026-05-01") | (d > "2026-08-01")]

    edit(folder, "sales", f)


def one_day_sales(folder: Path) -> None:
    edit(folder, "sales", lambda df: df.assign(date="2026-11-20"))


def single_line(folder: Path) -> None:
    edit(folder, "sales", lambda df: df[df["item_id"] == "SKU-00000"].tail(1))


def single_item(folder: Path) -> None:
    keep = "SKU-00000"
    for t in TABLE_FILES:
        edit(folder, t, lambda df: df[df["item_id"] == keep])


def all_discontinued(folder: Path) -> None:
    edit(folder, "items", lambda df: df.assign(status="discontinued"))


def header_only(table: str) -> Maker:
    def make(folder: Path) -> None:
        edit(folder, table, lambda df: df.iloc[:0])

    return make


def outlier(units: str, row: int = 3) -> Maker:
    return cell("sales", row, "units", units)


def moderate_outlier(folder: Path) -> None:
    # SKU-00000 sells a few units a line: 5,000 is far above its own lines, but possible
    def f(df: pd.DataFrame) -> None:
        i = df.index[df["item_id"] == "SKU-00000"][10]
        df.loc[i, "units"] = "5000"

    edit(folder, "sales", f)


def far_date(value: str) -> Maker:
    return cell("sales", 3, "date", value)


def duplicate_row(table: str, row: int = 2) -> Maker:
    def make(folder: Path) -> None:
        edit(
            folder,
            table,
            lambda df: pd.concat([df.iloc[: row + 1], df.iloc[[row]], df.iloc[row + 1 :]]),
        )

    return make


def po_expected_before(folder: Path) -> None:
    def f(df: pd.DataFrame) -> None:
        df.loc[df.index[2], "expected_date"] = "2000-01-01"

    edit(folder, "purchase_orders", f)


def numeric_ids(pad_in: str | None = None) -> Maker:
    """Ids as plain numbers; in ``pad_in`` with leading zeros (007 vs 7)."""

    def num(i: str) -> str:
        return str(int(i.split("-")[1]))

    def make(folder: Path) -> None:
        for t in TABLE_FILES:
            fn = (lambda i: num(i).zfill(5)) if t == pad_in else num
            edit(folder, t, lambda df, fn=fn: df.assign(item_id=df["item_id"].map(fn)))

    return make


def float_ids_in_inventory(folder: Path) -> None:
    numeric_ids()(folder)
    edit(folder, "inventory", lambda df: df.assign(item_id=df["item_id"] + ".0"))


def hostile_everything(text: str) -> Maker:
    """One item renamed to ``text`` everywhere, and ``text`` in descriptions and customers."""

    def make(folder: Path) -> None:
        rename_one("SKU-00041", text)(folder)
        edit(folder, "items", lambda df: df.assign(description=text))
        edit(folder, "customer_orders", lambda df: df.assign(customer_id=text))

    return make


def supplier_named(text: str) -> Maker:
    def make(folder: Path) -> None:
        for t in ("suppliers", "purchase_orders"):
            edit(
                folder,
                t,
                lambda df: df.assign(supplier_id=df["supplier_id"].replace("SUP-014", text)),
            )

    return make


def unknown_item(table: str, row: dict[str, str]) -> Maker:
    return add_row(table, row)


def sales_only(folder: Path) -> None:
    for t in TABLE_FILES:
        if t != "sales":
            (folder / TABLE_FILES[t]).unlink()


def sales_and_items(lead: str | None) -> Maker:
    def make(folder: Path) -> None:
        for t in TABLE_FILES:
            if t not in ("sales", "items"):
                (folder / TABLE_FILES[t]).unlink()
        if lead is not None:
            edit(folder, "items", lambda df: df.assign(lead_time_days=lead))

    return make


def stock_history_negative(folder: Path) -> None:
    edit(
        folder,
        "stock_history",
        lambda df: df.assign(on_hand_units=df["on_hand_units"].where(df.index % 50 != 1, "-5")),
    )


def user_file_in_out(folder: Path) -> None:
    out = folder.parent / "out"
    out.mkdir()
    (out / "my_notes.txt").write_text("mine", encoding="utf-8")


def out_is_file(folder: Path) -> None:
    (folder.parent / "out").write_text("a file", encoding="utf-8")


# --------------------------------------------------------------------------- the catalogue
SALE_ROW = {"item_id": "SKU-00000", "date": "2026-11-01", "units": "2"}
CASES: list[Case] = [
    # ---- files that are not what their name says
    Case("corrupt_gz", "file", corrupt_gz, ERROR, 3, ("sales.csv.gz", "gzip")),
    Case("truncated_gz", "file", truncated_gz, ERROR, 3, ("sales.csv.gz",)),
    Case("gz_of_binary", "file", gz_of_binary, ERROR, 3, ("sales.csv.gz",)),
    Case(
        "text_named_xlsx", "file", text_as_xlsx, ERROR, 3, ("items.xlsx", "not an excel workbook")
    ),
    Case(
        "zip_not_workbook",
        "file",
        zip_not_workbook,
        ERROR,
        3,
        ("items.xlsx", "not an excel workbook"),
    ),
    Case("xlsx_named_csv", "file", xlsx_named_csv, ERROR, 3, ("items.csv", "excel workbook")),
    Case("parquet_corrupt", "file", parquet_corrupt, ERROR, 3, ("sales.parquet",)),
    Case("nul_bytes", "file", nul_bytes, ERROR, 3, ("sales.csv", "line 6")),
    Case("directory_named_sales_csv", "file", dir_named_sales, ERROR, 3, ("sales",)),
    # ---- empty files
    Case(
        "empty_sales_file", "empty", raw_bytes("sales.csv", b""), ERROR, 3, ("sales.csv", "empty")
    ),
    Case(
        "blank_lines_sales",
        "empty",
        raw_bytes("sales.csv", b"\n\n\n"),
        ERROR,
        3,
        ("sales.csv", "empty"),
    ),
    Case("header_only_sales", "empty", header_only("sales"), ERROR, 3, ("sales.csv", "no rows")),
    Case(
        "empty_items_file", "empty", raw_bytes("items.csv", b""), ERROR, 3, ("items.csv", "empty")
    ),
    Case("header_only_items", "empty", header_only("items"), ERROR, 3, ("items.csv", "no rows")),
    Case("header_only_customer_orders", "empty", header_only("customer_orders"), OK),
    Case("header_only_purchase_orders", "empty", header_only("purchase_orders"), OK),
    # ---- encodings and CSV dialects
    Case("latin1_items", "encoding", latin1_items, ERROR, 3, ("items.csv", "utf-8", "line 4")),
    Case("utf16_sales", "encoding", utf16_sales, OK),
    Case("crlf_and_bom", "encoding", crlf_bom, OK),
    Case("ragged_row", "csv", ragged_row, ERROR, 3, ("sales.csv", "line 5", "fields")),
    Case("unclosed_quote", "csv", unclosed_quote, ERROR, 3, ("sales.csv", "quote")),
    Case("semicolon_separated", "csv", semicolons, ERROR, 3, ("sales.csv", "semicolon")),
    Case("tab_separated_tsv", "csv", as_tsv, OK),
    # ---- columns
    Case("messy_header_names", "columns", messy_headers, NOTE, says=("sales", "' item_id '")),
    Case(
        "duplicate_column", "columns", duplicate_columns, ERROR, 3, ("sales.csv", "units", "twice")
    ),
    Case(
        "missing_units_column",
        "columns",
        lambda f: edit(f, "sales", lambda df: df.drop(columns="units")),
        ERROR,
        3,
        ("sales", "units", "--column-map"),
    ),
    Case(
        "vendor_columns_unmapped",
        "columns",
        vendor_columns,
        ERROR,
        3,
        ("sales", "--column-map sales.sku=item_id"),
    ),
    Case(
        "vendor_columns_cli_map",
        "columns",
        vendor_columns,
        OK,
        args=(
            "--column-map",
            "sales.SKU=item_id",
            "--column-map",
            "sales.Day=date",
            "--column-map",
            "sales.Qty=units",
        ),
    ),
    Case(
        "vendor_columns_toml_map",
        "columns",
        vendor_toml,
        OK,
        args=("--column-map", "{case}/map.toml"),
    ),
    Case(
        "column_map_bad_syntax",
        "usage",
        vendor_columns,
        ERROR,
        2,
        ("--column-map", "table.column=contract_column"),
        args=("--column-map", "sales.SKU"),
    ),
    Case(
        "column_map_unknown_table",
        "usage",
        vendor_columns,
        ERROR,
        2,
        ("sale",),
        args=("--column-map", "sale.SKU=item_id"),
    ),
    Case(
        "column_map_unknown_target",
        "usage",
        vendor_columns,
        ERROR,
        2,
        ("sku",),
        args=("--column-map", "sales.SKU=sku"),
    ),
    Case(
        "column_map_absent_source",
        "columns",
        _nothing,
        ERROR,
        3,
        ("sales", "SKU"),
        args=("--column-map", "sales.SKU=item_id"),
    ),
    # ---- folder layout and formats
    Case("two_files_for_sales", "layout", two_sales_files, ERROR, 3, ("sales", "several files")),
    Case("misspelt_sales_file", "layout", misspelt_sales, ERROR, 3, ("no sales file", "sale.csv")),
    Case("no_such_folder", "layout", _nothing, ERROR, 4, ("not found",), target="nowhere"),
    Case("data_is_a_csv_file", "layout", _nothing, ERROR, 2, ("folder",), target="data/sales.csv"),
    Case("parquet_dataset", "format", to_parquet, OK),
    Case(
        "parquet_text_units",
        "format",
        parquet_text_units,
        ERROR,
        3,
        ("sales.parquet", "units", "row 5"),
    ),
    Case("excel_workbook_dataset", "format", to_workbook, OK, target="shop.xlsx"),
    Case(
        "excel_workbook_bad_sheets",
        "format",
        to_workbook_bad_sheets,
        ERROR,
        3,
        ("shop.xlsx", "sheet"),
        target="shop.xlsx",
    ),
    Case("sqlite_dataset", "format", to_sqlite, OK, target="sqlite:///{case}/shop.db"),
    Case("items_as_xlsx", "format", items_xlsx, OK),
    # ---- values
    Case("units_with_text", "values", outlier("12 pcs"), ERROR, 3, ("sales.csv", "units", "row 5")),
    Case(
        "units_thousands_separator",
        "values",
        outlier("1,234"),
        ERROR,
        3,
        ("units", "row 5", "separator"),
    ),
    Case("units_inf", "values", outlier("inf"), ERROR, 3, ("sales.csv", "units", "row 5")),
    Case("units_minus_inf", "values", outlier("-inf"), ERROR, 3, ("units", "row 5")),
    Case("units_nan_text", "values", outlier("NaN"), ERROR, 3, ("units", "row 5", "empty")),
    Case("units_1e15", "values", outlier("1e15"), ERROR, 3, ("units", "row 5", "--threshold")),
    Case("units_1e308", "values", outlier("1e308"), ERROR, 3, ("units", "row 5")),
    Case("units_minus_1e308", "values", outlier("-1e308"), ERROR, 3, ("units", "row 5")),
    Case(
        "units_absurd_ratio",
        "values",
        outlier("2000000"),
        ERROR,
        3,
        ("units", "row 5", "--threshold"),
    ),
    Case("units_moderate_outlier", "values", moderate_outlier, NOTE, says=("sku-00000", "5,000")),
    Case("units_fractional", "values", column("sales", "units", lambda s: s + ".25"), OK),
    Case(
        "units_zero_item",
        "values",
        lambda f: edit(
            f,
            "sales",
            lambda df: df.assign(units=df["units"].where(df["item_id"] != "SKU-00002", "0")),
        ),
        OK,
    ),
    Case(
        "returns_only_item",
        "values",
        lambda f: edit(
            f,
            "sales",
            lambda df: df.assign(units=df["units"].where(df["item_id"] != "SKU-00002", "-1")),
        ),
        OK,
    ),
    Case(
        "sales_id_empty",
        "values",
        cell("sales", 3, "item_id", ""),
        ERROR,
        3,
        ("sales", "item_id", "row 5"),
    ),
    Case("sales_id_literal_NA", "values", rename_one("SKU-00003", "NA"), OK),
    Case(
        "negative_on_hand",
        "values",
        cell("inventory", 2, "on_hand_units", "-4"),
        ERROR,
        3,
        ("inventory", "on_hand_units", "row 4"),
    ),
    Case(
        "negative_stock_history",
        "values",
        stock_history_negative,
        NOTE,
        says=("stock_history", "set to 0"),
    ),
    Case(
        "negative_po_units",
        "values",
        cell("purchase_orders", 2, "units", "-10"),
        ERROR,
        3,
        ("purchase_orders", "units", "row 4"),
    ),
    Case(
        "negative_lead_time",
        "values",
        cell("suppliers", 1, "lead_time_days", "-3"),
        ERROR,
        3,
        ("suppliers", "lead_time_days", "row 3"),
    ),
    Case(
        "pack_zero",
        "values",
        cell("suppliers", 1, "pack_units", "0"),
        ERROR,
        3,
        ("suppliers", "pack_units", "row 3"),
    ),
    Case(
        "pack_zero_validate",
        "values",
        cell("suppliers", 1, "pack_units", "0"),
        ERROR,
        3,
        ("suppliers", "pack_units", "row 3"),
        command="validate",
    ),
    Case(
        "capacity_zero",
        "values",
        cell("suppliers", 0, "capacity_units", "0"),
        ERROR,
        3,
        ("suppliers", "capacity_units", "row 2"),
    ),
    Case(
        "moq_huge",
        "values",
        cell("suppliers", 0, "moq_units", "5e9"),
        ERROR,
        3,
        ("suppliers", "moq_units", "row 2", "--threshold max_units"),
    ),
    Case(
        "lead_time_5000_days",
        "values",
        cell("suppliers", 0, "lead_time_days", "5000"),
        ERROR,
        3,
        ("suppliers", "lead_time_days", "row 2", "--threshold max_lead_time_days"),
    ),
    Case(
        "unit_cost_text",
        "values",
        cell("suppliers", 0, "unit_cost", "cheap"),
        ERROR,
        3,
        ("suppliers", "unit_cost", "row 2"),
    ),
    Case(
        "on_hand_huge",
        "values",
        cell("inventory", 0, "on_hand_units", "1e12"),
        ERROR,
        3,
        ("inventory", "on_hand_units", "row 2"),
    ),
    Case(
        "service_level_one",
        "values",
        cell("items", 0, "service_level", "1.0"),
        ERROR,
        3,
        ("items", "service_level", "row 2"),
    ),
    Case(
        "service_level_one_validate",
        "values",
        cell("items", 0, "service_level", "1.0"),
        ERROR,
        3,
        ("items", "service_level", "row 2"),
        command="validate",
    ),
    Case(
        "service_level_percent",
        "values",
        column("items", "service_level", lambda s: "95"),
        ERROR,
        3,
        ("service_level", "divide by 100"),
    ),
    Case(
        "service_level_zero",
        "values",
        cell("items", 0, "service_level", "0"),
        ERROR,
        3,
        ("items", "service_level", "row 2"),
    ),
    Case(
        "review_period_zero",
        "values",
        cell("items", 0, "review_period_days", "0"),
        ERROR,
        3,
        ("items", "review_period_days", "row 2"),
    ),
    Case(
        "on_time_rate_percent",
        "values",
        column("suppliers", "on_time_rate", lambda s: "80"),
        ERROR,
        3,
        ("on_time_rate", "divide by 100"),
    ),
    Case(
        "priority_text",
        "values",
        cell("customer_orders", 0, "priority", "urgent"),
        ERROR,
        3,
        ("customer_orders", "priority", "row 2"),
    ),
    Case(
        "customer_units_negative",
        "values",
        cell("customer_orders", 0, "units", "-2"),
        ERROR,
        3,
        ("customer_orders", "units", "row 2"),
    ),
    Case(
        "received_more_than_ordered",
        "values",
        cell("purchase_orders", 0, "received_units", "999"),
        OK,
    ),
    # ---- keys
    Case(
        "duplicate_inventory_row",
        "keys",
        duplicate_row("inventory"),
        ERROR,
        3,
        ("inventory", "rows 4, 5"),
    ),
    Case(
        "duplicate_po_line",
        "keys",
        duplicate_row("purchase_orders"),
        ERROR,
        3,
        ("purchase_orders", "rows 4, 5"),
    ),
    Case(
        "duplicate_supplier_terms",
        "keys",
        duplicate_row("suppliers"),
        ERROR,
        3,
        ("suppliers", "rows 4, 5"),
    ),
    Case(
        "duplicate_customer_line",
        "keys",
        duplicate_row("customer_orders"),
        ERROR,
        3,
        ("customer_orders", "rows 4, 5"),
    ),
    Case("duplicate_sales_lines", "keys", duplicate_row("sales", 5), NOTE, says=("identical",)),
    Case(
        "po_expected_before_order",
        "keys",
        po_expected_before,
        ERROR,
        3,
        ("purchase_orders", "expected_date", "row 4"),
    ),
    # ---- dates
    Case(
        "date_unparseable",
        "dates",
        far_date("2024-13-45"),
        ERROR,
        3,
        ("sales.csv", "date", "row 5", "yyyy-mm-dd"),
    ),
    Case("date_words", "dates", far_date("yesterday"), ERROR, 3, ("sales", "date", "row 5")),
    Case("date_empty", "dates", far_date(""), ERROR, 3, ("sales", "date", "row 5", "empty")),
    Case("date_excel_serial", "dates", far_date("45000"), ERROR, 3, ("sales", "date", "row 5")),
    Case(
        "date_pandas_lower_bound",
        "dates",
        far_date("1677-09-21"),
        ERROR,
        3,
        ("sales", "date", "row 5", "1677"),
    ),
    Case(
        "date_pandas_upper_bound",
        "dates",
        far_date("2262-04-11"),
        ERROR,
        3,
        ("sales", "date", "row 5", "2262"),
    ),
    Case("date_year_1900", "dates", far_date("1900-01-01"), NOTE, says=("1900-01-01", "left out")),
    Case("date_year_2099", "dates", far_date("2099-06-30"), NOTE, says=("2099-06-30", "left out")),
    Case(
        "dates_dd_mm", "dates", ddmm, NOTE, says=("sales", "day/month"), check=check_dates_dayfirst
    ),
    Case(
        "dates_mm_dd",
        "dates",
        lambda f: ddmm(f, fmt="%m/%d/%Y"),
        NOTE,
        says=("sales", "month/day"),
        check=check_dates_dayfirst,
    ),
    Case(
        "dates_dd_mm_dots",
        "dates",
        lambda f: ddmm(f, fmt="%d.%m.%Y"),
        NOTE,
        says=("sales", "day/month"),
    ),
    Case("dates_ambiguous", "dates", ambiguous_dates, ERROR, 3, ("sales", "date", "--date-order")),
    Case(
        "dates_ambiguous_with_order",
        "dates",
        ambiguous_dates,
        NOTE,
        says=("day/month",),
        args=("--date-order", "dmy"),
    ),
    Case("dates_conflicting", "dates", conflicting_dates, ERROR, 3, ("sales", "date", "both")),
    Case("dates_iso_and_dd_mm", "dates", mixed_iso_ddmm, NOTE, says=("day/month",)),
    Case("dates_with_times", "dates", with_times, OK),
    Case("dates_mixed_time_zones", "dates", tz_mixed, NOTE, says=("sales", "time zone")),
    Case("po_dates_dd_mm", "dates", po_ddmm, NOTE, says=("purchase_orders", "day/month")),
    Case(
        "as_of_2030",
        "dates",
        _nothing,
        ERROR,
        2,
        ("--as-of", "2030-01-01", "last sale"),
        args=("--as-of", "2030-01-01"),
    ),
    Case(
        "as_of_before_data",
        "dates",
        _nothing,
        ERROR,
        2,
        ("--as-of", "2000-01-01"),
        args=("--as-of", "2000-01-01"),
    ),
    Case(
        "as_of_not_a_date",
        "usage",
        _nothing,
        ERROR,
        2,
        ("--as-of", "yyyy-mm-dd"),
        args=("--as-of", "next week"),
    ),
    Case(
        "as_of_mid_history",
        "dates",
        _nothing,
        NOTE,
        says=("2026-10-01", "after the planning date"),
        args=("--as-of", "2026-10-01"),
    ),
    Case(
        "inventory_as_of_2030",
        "dates",
        column("inventory", "as_of", lambda s: "2030-01-01"),
        ERROR,
        3,
        ("inventory", "as_of", "2030-01-01"),
    ),
    Case(
        "inventory_as_of_mixed",
        "dates",
        cell("inventory", 0, "as_of", "2026-11-20"),
        NOTE,
        says=("inventory.as_of",),
    ),
    Case(
        "sales_after_snapshot",
        "dates",
        column("inventory", "as_of", lambda s: "2026-11-10"),
        NOTE,
        says=("after the inventory snapshot",),
    ),
    Case("sales_gap_of_three_months", "dates", sales_gap, OK),
    Case("all_sales_on_one_day", "dates", one_day_sales, OK),
    # ---- ids across tables
    Case(
        "ids_padded_with_spaces",
        "ids",
        rename_one("SKU-00001", "  SKU-00001 ", "inventory", "suppliers"),
        NOTE,
        says=("spaces",),
    ),
    Case(
        "ids_zero_width_space",
        "ids",
        rename_one("SKU-00001", "SKU-00001\u200b", "inventory"),
        NOTE,
        says=("invisible",),
    ),
    Case(
        "ids_case_differs",
        "ids",
        rename_one("SKU-00001", "sku-00001", "inventory"),
        ERROR,
        3,
        ("inventory", "sku-00001", "SKU-00001", "--match-ids"),
    ),
    Case(
        "ids_case_differs_loose",
        "ids",
        rename_one("SKU-00001", "sku-00001", "inventory"),
        NOTE,
        says=("sku-00001",),
        args=("--match-ids", "loose"),
        ids=lambda f: all_ids(f) - {"sku-00001"},
    ),
    Case(
        "ids_leading_zeros",
        "ids",
        numeric_ids(pad_in="inventory"),
        ERROR,
        3,
        ("inventory", "00001", "--match-ids"),
    ),
    Case(
        "ids_leading_zeros_loose",
        "ids",
        numeric_ids(pad_in="inventory"),
        NOTE,
        says=("00001",),
        args=("--match-ids", "loose"),
        ids=lambda f: {i.lstrip("0") or "0" for i in all_ids(f)},
    ),
    Case("ids_numeric_everywhere", "ids", numeric_ids(), OK),
    Case("ids_float_vs_int", "ids", float_ids_in_inventory, ERROR, 3, ("inventory", "1.0")),
    Case("ids_unicode", "ids", rename_one("SKU-00003", "Ärmel-😀-\u05d0\u05d1"), OK),
    Case("ids_very_long", "ids", rename_one("SKU-00003", "X" * 3000), OK),
    Case("ids_with_newline", "ids", rename_one("SKU-00003", "SKU\n00003"), OK),
    Case(
        "unknown_item_in_customer_orders",
        "ids",
        add_row(
            "customer_orders",
            {
                "order_id": "SO-X",
                "line_id": "1",
                "item_id": "SKU-NEW",
                "units": "3",
                "order_date": "2026-11-20",
            },
        ),
        NOTE,
        says=("sku-new",),
        check=check_item_kept("SKU-NEW"),
    ),
    Case(
        "unknown_item_in_inventory",
        "ids",
        add_row("inventory", {"item_id": "SKU-DEAD", "on_hand_units": "40", "as_of": "2026-11-24"}),
        NOTE,
        says=("sku-dead",),
        check=check_item_kept("SKU-DEAD", "no_sales"),
    ),
    Case(
        "unknown_item_in_suppliers",
        "ids",
        add_row(
            "suppliers",
            {
                "item_id": "SKU-GHOST",
                "supplier_id": "SUP-001",
                "unit_cost": "1",
                "lead_time_days": "5",
            },
        ),
        ERROR,
        3,
        ("suppliers", "SKU-GHOST", "row 24"),
    ),
    Case(
        "unknown_item_in_purchase_orders",
        "ids",
        add_row(
            "purchase_orders",
            {
                "po_id": "PO-X",
                "item_id": "SKU-GHOST",
                "supplier_id": "SUP-001",
                "units": "5",
                "order_date": "2026-11-01",
                "expected_date": "2026-11-30",
            },
        ),
        ERROR,
        3,
        ("purchase_orders", "SKU-GHOST"),
    ),
    Case(
        "item_listed_without_sales",
        "ids",
        add_row("items", {"item_id": "SKU-LISTED", "description": "new"}),
        OK,
        check=check_item_kept("SKU-LISTED", "no_sales"),
    ),
    # ---- hostile text
    Case(
        "html_in_ids_and_text",
        "injection",
        hostile_everything("<script>alert(1)</script><img src=x onerror=alert(2)>"),
        OK,
    ),
    Case("formula_equals", "injection", hostile_everything('=HYPERLINK("http://evil","x")'), OK),
    Case("formula_space_equals", "injection", hostile_everything(" =1+1"), OK),
    Case("formula_fullwidth_equals", "injection", hostile_everything("＝1+1"), OK),
    Case("formula_plus", "injection", hostile_everything("+SUM(A1:A9)"), OK),
    Case("formula_at", "injection", hostile_everything("@SUM(A1)"), OK),
    Case("formula_minus", "injection", hostile_everything("-2+3"), OK),
    Case("formula_tab", "injection", hostile_everything("\t=1"), OK),
    Case("supplier_path_traversal", "injection", supplier_named("../../evil"), OK),
    Case("supplier_html", "injection", supplier_named("<b>SUP</b>"), OK),
    Case("supplier_formula", "injection", supplier_named("=cmd|'/c calc'!A0"), OK),
    # ---- which tables are there
    Case(
        "sales_only",
        "tables",
        sales_only,
        NOTE,
        says=("no inventory", "--lead-time-days"),
        check=check_sales_only,
    ),
    Case(
        "sales_only_lead_time",
        "tables",
        sales_only,
        NOTE,
        says=("no inventory",),
        args=("--lead-time-days", "14"),
        check=check_levels(14.0),
    ),
    Case(
        "sales_items_lead_time",
        "tables",
        sales_and_items("21"),
        NOTE,
        says=("no inventory",),
        check=check_levels(21.0),
    ),
    Case(
        "sales_and_inventory",
        "tables",
        drop_tables("suppliers", "purchase_orders", "customer_orders"),
        NOTE,
        says=("no suppliers",),
    ),
    Case("no_customer_orders", "tables", drop_tables("customer_orders"), OK),
    Case("no_stock_history", "tables", drop_tables("stock_history"), OK),
    Case("no_purchase_orders", "tables", drop_tables("purchase_orders"), OK),
    Case("single_sales_line", "tables", single_line, OK),
    Case(
        "stale_sales",
        "dates",
        lambda f: edit(f, "sales", lambda df: df[pd.to_datetime(df["date"]) < "2026-06-01"]),
        ERROR,
        3,
        ("inventory.as_of", "last sale", "--threshold stale_days"),
    ),
    Case("single_item", "tables", single_item, OK),
    Case("all_discontinued", "tables", all_discontinued, OK),
    # ---- command line
    Case(
        "service_level_95_option",
        "usage",
        _nothing,
        ERROR,
        2,
        ("--service-level", "0.95"),
        args=("--service-level", "95"),
    ),
    Case(
        "service_level_one_option",
        "usage",
        _nothing,
        ERROR,
        2,
        ("--service-level",),
        args=("--service-level", "1"),
    ),
    Case("n_paths_zero", "usage", _nothing, ERROR, 2, ("--n-paths",), args=("--n-paths", "0")),
    Case("jobs_zero", "usage", _nothing, ERROR, 2, ("--jobs",), args=("--jobs", "0")),
    Case(
        "max_rows_negative", "usage", _nothing, ERROR, 2, ("--max-rows",), args=("--max-rows", "-1")
    ),
    Case("seed_negative", "usage", _nothing, ERROR, 2, ("--seed",), args=("--seed", "-1")),
    Case("unknown_option", "usage", _nothing, ERROR, 2, ("--frobnicate",), args=("--frobnicate",)),
    Case(
        "threshold_unknown",
        "usage",
        _nothing,
        ERROR,
        2,
        ("--threshold", "outlier_ratio"),
        args=("--threshold", "nonsense=3"),
    ),
    Case("out_is_a_file", "usage", out_is_file, ERROR, 2, ("--out", "file"), check=check_fast(4.0)),
    Case("out_holds_other_files", "usage", user_file_in_out, ERROR, 2, ("--out", "my_notes.txt")),
    Case(
        "debug_after_subcommand",
        "usage",
        cell("sales", 3, "units", "x"),
        ERROR,
        3,
        ("units",),
        args=("--debug",),
        check=check_traceback,
    ),
    Case("weekly_plan", "options", _nothing, OK, args=("--freq", "W")),
    Case("monthly_plan", "options", _nothing, OK, args=("--freq", "M")),
    Case("velocity_only_plan", "options", _nothing, OK, args=("--velocity-only",)),
    Case(
        "outlier_threshold_raised",
        "options",
        outlier("2000000"),
        NOTE,
        says=("2,000,000",),
        args=("--threshold", "absurd_ratio=1e9"),
    ),
    # ---- the other commands run the same checks
    Case("validate_ok", "commands", _nothing, OK, command="validate"),
    Case("validate_dd_mm", "commands", ddmm, NOTE, says=("day/month",), command="validate"),
    Case(
        "validate_outlier",
        "commands",
        outlier("1e15"),
        ERROR,
        3,
        ("units", "row 5"),
        command="validate",
    ),
    Case("velocity_ok", "commands", _nothing, OK, command="velocity"),
    Case(
        "velocity_ambiguous_dates",
        "commands",
        ambiguous_dates,
        ERROR,
        3,
        ("--date-order",),
        command="velocity",
    ),
]

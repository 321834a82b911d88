"""Reading and writing: every format for real (files in tmp_path, SQLite through SQLAlchemy)."""

from __future__ import annotations

import gzip
import sys

import numpy as np
import openpyxl
import pandas as pd
import pytest
import sqlalchemy as sa

from stockout_forecast.exceptions import DataQualityWarning, SchemaError
from stockout_forecast.io.dataset import Dataset
from stockout_forecast.io.readers import (
    read_customer_orders,
    read_dataset,
    read_inventory,
    read_items,
    read_purchase_orders,
    read_sales,
    read_stock_history,
    read_suppliers,
)
from stockout_forecast.io.sources import SUPPORTED_SUFFIXES
from stockout_forecast.io.validation import validate_dataset
from stockout_forecast.io.writers import write_dataset

NAN = np.nan


def full_dataset() -> Dataset:
    """Every table, small, consistent (no warnings), with awkward ids and missing values."""
    sales = pd.DataFrame(
        {
            "item_id": ["007", "007", "B", "NA", "B"],
            "date": [
                "2024-03-01 09:15",
                "2024-03-01 17:40",
                "2024-03-02",
                "2024-03-02",
                "2024-03-03",
            ],
            "units": [2.0, 1.5, 3.0, 1.0, -1.0],
            "order_id": ["O1", "O2", NAN, "O3", "O4"],
            "unit_price": [9.99, 9.99, 4.5, NAN, 4.5],
        }
    )
    stock_history = pd.DataFrame(
        {
            "item_id": ["007", "007", "B"],
            "date": ["2024-03-01", "2024-03-02", "2024-03-01"],
            "on_hand_units": [3.0, 0.0, 10.0],
        }
    )
    inventory = pd.DataFrame(
        {
            "item_id": ["007", "B", "NA"],
            "on_hand_units": [0.0, 8.0, 2.0],
            "backordered_units": [2.0, 0.0, NAN],
            "as_of": ["2024-03-03"] * 3,
        }
    )
    purchase_orders = pd.DataFrame(
        {
            "po_id": ["P1", "P2", "P2"],
            "item_id": ["007", "007", "B"],
            "supplier_id": ["S1", "S2", "S2"],
            "units": [10.0, 20.0, 5.0],
            "order_date": ["2024-02-01", "2024-03-01", "2024-03-01"],
            "expected_date": ["2024-02-10", "2024-03-20", "2024-03-20"],
            "received_date": ["2024-02-12", NAN, NAN],
            "received_units": [10.0, NAN, NAN],
        }
    )
    suppliers = pd.DataFrame(
        {
            "item_id": ["007", "007", "B"],
            "supplier_id": ["S1", "S2", "S2"],
            "unit_cost": [2.5, 2.1, 1.0],
            "lead_time_days": [9.0, 19.0, 19.0],
            "moq_units": [NAN, 20.0, 0.0],
            "on_time_rate": [0.9, NAN, 0.75],
        }
    )
    items = pd.DataFrame(
        {
            "item_id": ["007", "B", "NA"],
            "description": ["Bolt, 7mm", '=HYPERLINK("http://x")', "Nut <b>"],
            "status": ["active", "active", "discontinued"],
            "service_level": [0.95, 0.9, NAN],
        }
    )
    customer_orders = pd.DataFrame(
        {
            "order_id": ["C1", "C1"],
            "line_id": ["01", "02"],
            "item_id": ["007", "B"],
            "units": [2.0, 1.0],
            "order_date": ["2024-03-02", "2024-03-03"],
            "promised_date": ["2024-03-25", NAN],
        }
    )
    return Dataset(
        sales=sales,
        stock_history=stock_history,
        inventory=inventory,
        purchase_orders=purchase_orders,
        suppliers=suppliers,
        items=items,
        customer_orders=customer_orders,
    )


def assert_same_tables(got: Dataset, want: Dataset) -> None:
    assert set(got.tables) == set(want.tables)
    for name, df in want.tables.items():
        pd.testing.assert_frame_equal(got.tables[name], df, check_dtype=True, obj=name)


def sales_frame() -> pd.DataFrame:
    return pd.DataFrame(
        {"item_id": ["007", "A1"], "date": ["2024-01-01", "2024-01-02"], "units": [3.0, 1.0]}
    )


# --------------------------------------------------------------------------- round trips
@pytest.mark.parametrize("fmt", ["csv", "csv.gz", "parquet", "excel", "sqlite"])
def test_dataset_round_trip(tmp_path, fmt):
    want = validate_dataset(full_dataset())
    assert want.notes == []  # the fixture is clean: any note below comes from the round trip
    target = tmp_path / {"excel": "shop.xlsx", "sqlite": "shop.db"}.get(fmt, "folder")
    written = write_dataset(want, target, format=fmt)
    assert written == target
    source = f"sqlite:///{target}" if fmt == "sqlite" else target
    got = read_dataset(source)
    assert_same_tables(got, want)
    assert got.notes == []
    assert got.sales["item_id"].tolist() == ["007", "007", "B", "NA", "B"]
    assert got.customer_orders["line_id"].tolist() == ["01", "02"]  # leading zeros kept
    assert got.sales["date"].iloc[1] == pd.Timestamp("2024-03-01 17:40")  # time of day kept


def test_folder_files_written_are_named_after_tables_only(tmp_path):
    write_dataset(full_dataset(), tmp_path / "out", format="csv")
    names = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert names == sorted(f"{n}.csv" for n in full_dataset().tables)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]  # nothing outside the path


@pytest.mark.parametrize("suffix", SUPPORTED_SUFFIXES)
def test_read_sales_every_suffix(tmp_path, suffix):
    path = tmp_path / f"my_sales{suffix}"
    df = sales_frame()
    if suffix.startswith(".csv"):
        df.to_csv(path, index=False)
    elif suffix.startswith(".tsv"):
        df.to_csv(path, index=False, sep="\t")
    elif suffix == ".parquet":
        df.to_parquet(path, index=False)
    else:
        df.to_excel(path, index=False)
    got = read_sales(path)
    assert got["item_id"].tolist() == ["007", "A1"]
    assert got["date"].tolist() == [pd.Timestamp("2024-01-01"), pd.Timestamp("2024-01-02")]
    assert got["units"].dtype == "float64"
    assert got["units"].tolist() == [3.0, 1.0]
    if suffix.endswith(".gz"):
        with gzip.open(path, "rt") as fh:  # really compressed
            assert fh.readline().startswith("item_id")


def test_each_reader_reads_its_table_from_csv(tmp_path):
    ds = validate_dataset(full_dataset())
    write_dataset(ds, tmp_path, format="csv")
    readers = {
        "sales": read_sales,
        "stock_history": read_stock_history,
        "inventory": read_inventory,
        "purchase_orders": read_purchase_orders,
        "suppliers": read_suppliers,
        "items": read_items,
        "customer_orders": read_customer_orders,
    }
    for name, reader in readers.items():
        from_file = reader(tmp_path / f"{name}.csv")
        from_folder = reader(tmp_path)  # a folder: the reader finds <table>.csv in it
        pd.testing.assert_frame_equal(from_file, ds.tables[name], obj=name)
        pd.testing.assert_frame_equal(from_folder, ds.tables[name], obj=name)


# --------------------------------------------------------------------------- ids and missing values
def test_ids_stay_strings_through_csv(tmp_path):
    path = tmp_path / "sales.csv"
    path.write_text("item_id,date,units,order_id\n007,2024-01-01,3,0012\n7,2024-01-01,1,12\n")
    got = read_sales(path)
    assert got["item_id"].tolist() == ["007", "7"]
    assert got["order_id"].tolist() == ["0012", "12"]


def test_na_is_a_valid_id_but_missing_elsewhere(tmp_path):
    path = tmp_path / "items.csv"
    path.write_text("item_id,service_level\nNA,NA\nNULL,0.9\n")
    got = read_items(path)
    assert got["item_id"].tolist() == ["NA", "NULL"]
    assert np.isnan(got["service_level"].iloc[0])
    assert got["service_level"].iloc[1] == 0.9


def test_empty_id_cell_is_an_error_naming_the_file(tmp_path):
    path = tmp_path / "sales.csv"
    path.write_text("item_id,date,units\nA,2024-01-01,1\n,2024-01-02,2\n")
    with pytest.raises(SchemaError) as exc:
        read_sales(path)
    msg = str(exc.value)
    # rows as a spreadsheet shows the file: header row 1, so data row 1 (0-based) is row 3
    assert "sales.item_id is empty in row 3" in msg
    assert f"Source: {path}." in msg


def test_excel_numeric_ids_lose_no_digits(tmp_path):
    path = tmp_path / "items.xlsx"
    pd.DataFrame({"item_id": [7, 12345678901], "service_level": [0.9, 0.95]}).to_excel(
        path, index=False
    )
    assert read_items(path)["item_id"].tolist() == ["7", "12345678901"]


def test_utf8_bom_and_read_kwargs(tmp_path):
    path = tmp_path / "sales.csv"
    path.write_bytes("item_id;date;units\nA;2024-01-01;1,5\n".encode("utf-8-sig"))
    got = read_sales(path, sep=";", decimal=",")
    assert list(got.columns) == ["item_id", "date", "units"]  # no '\ufeffitem_id'
    assert got["units"].tolist() == [1.5]


# --------------------------------------------------------------------------- column_map
def test_column_map_renames_at_the_edge_and_keeps_id_text(tmp_path):
    path = tmp_path / "export.csv"
    path.write_text("SKU,Day,Qty,Note\n007,2024-01-01,3,x\n")
    got = read_sales(path, column_map={"SKU": "item_id", "Day": "date", "Qty": "units"})
    assert list(got.columns) == ["item_id", "date", "units", "Note"]  # extra column kept
    assert got["item_id"].tolist() == ["007"]


def test_column_map_on_dataframe_does_not_mutate():
    raw = pd.DataFrame({"SKU": ["A"], "date": ["2024-01-01"], "Qty": [2]})
    before = raw.copy()
    got = read_sales(raw, column_map={"SKU": "item_id", "Qty": "units"})
    pd.testing.assert_frame_equal(raw, before)
    assert got["units"].tolist() == [2.0]


def test_column_map_to_unknown_column_names_known_ones():
    with pytest.raises(ValueError, match="maps 'Qty' to 'quantity'") as exc:
        read_sales(sales_frame(), column_map={"Qty": "quantity"})
    msg = str(exc.value)
    assert "not a column of sales" in msg
    assert "Known columns: ['item_id', 'date', 'units', 'location_id'" in msg


def test_column_map_key_absent_from_source():
    with pytest.raises(SchemaError, match=r"column_map renames \['Qtty'\], but sales has no"):
        read_sales(sales_frame(), column_map={"Qtty": "units"})


def test_column_map_clash_and_double_target():
    raw = sales_frame().assign(Qty=[1, 2])
    with pytest.raises(SchemaError, match=r"two columns named \['units'\]"):
        read_sales(raw, column_map={"Qty": "units"})
    with pytest.raises(ValueError, match=r"maps several columns to \['units'\]"):
        read_sales(raw, column_map={"Qty": "units", "units": "units"})
    with pytest.raises(TypeError, match="column_map must be a dict"):
        read_sales(raw, column_map=[("Qty", "units")])  # type: ignore[arg-type]


def test_missing_column_suggestion_from_file(tmp_path):
    path = tmp_path / "sales.csv"
    path.write_text("SKU,date,Qty\nA,2024-01-01,3\n")
    with pytest.raises(SchemaError) as exc:
        read_sales(path)
    msg = str(exc.value)
    assert "sales is missing columns ['item_id', 'units']. Found: ['SKU', 'date', 'Qty']." in msg
    assert "Pass column_map={'SKU': 'item_id', 'Qty': 'units'} to read_sales()." in msg
    assert f"Source: {path}." in msg


def test_read_dataset_suggests_column_maps(tmp_path):
    (tmp_path / "sales.csv").write_text("SKU,date,Qty\nA,2024-01-01,3\n")
    with pytest.raises(SchemaError) as exc:
        read_dataset(tmp_path)
    msg = str(exc.value)
    assert "Pass column_maps={'sales': {'SKU': 'item_id', 'Qty': 'units'}}" in msg
    # and the same in the command line's words
    assert "--column-map sales.SKU=item_id --column-map sales.Qty=units" in msg
    ds = read_dataset(tmp_path, column_maps={"sales": {"SKU": "item_id", "Qty": "units"}})
    assert ds.sales["units"].tolist() == [3.0]
    with pytest.raises(ValueError, match=r"column_maps has keys \['sale'\] that are not tables"):
        read_dataset(tmp_path, column_maps={"sale": {"SKU": "item_id"}})


# --------------------------------------------------------------------------- read_dataset
def test_folder_with_only_sales(tmp_path):
    sales_frame().to_csv(tmp_path / "sales.csv", index=False)
    ds = read_dataset(tmp_path)
    assert ds.sales["item_id"].tolist() == ["007", "A1"]
    for name in ("stock_history", "inventory", "purchase_orders", "suppliers", "items"):
        assert getattr(ds, name) is None
    assert ds.customer_orders is None
    assert ds.notes == []
    assert ds.source == str(tmp_path)


def test_folder_of_mixed_formats_and_ignored_files(tmp_path):
    ds = validate_dataset(full_dataset())
    ds.sales.to_csv(tmp_path / "SALES.csv.gz", index=False)  # any case, compressed
    ds.inventory.to_parquet(tmp_path / "inventory.parquet", index=False)
    items = ds.items.assign(description="plain text")  # pandas' to_excel writes '=...' as formulas
    items.to_excel(tmp_path / "items.xlsx", index=False)
    ds.sales.to_csv(tmp_path / "sale_old.csv", index=False)
    (tmp_path / "README.md").write_text("not data")
    got = read_dataset(tmp_path)
    assert_same_tables(got, Dataset(sales=ds.sales, inventory=ds.inventory, items=items))
    assert got.notes == [
        f"Ignored files in {tmp_path} not named after a table: ['sale_old.csv']. Table files "
        f"are named ['customer_orders', 'inventory', 'items', 'purchase_orders', 'sales', "
        f"'stock_history', 'suppliers'] with a suffix from "
        f"['.csv', '.csv.gz', '.tsv', '.tsv.gz', '.parquet', '.xlsx']."
    ]


def test_folder_without_sales(tmp_path):
    sales_frame().to_csv(tmp_path / "sale.csv", index=False)
    with pytest.raises(SchemaError) as exc:
        read_dataset(tmp_path)
    msg = str(exc.value)
    assert "has no sales file; sales is required" in msg
    assert "Files found: ['sale.csv']" in msg


def test_two_files_for_one_table(tmp_path):
    sales_frame().to_csv(tmp_path / "sales.csv", index=False)
    sales_frame().to_parquet(tmp_path / "sales.parquet", index=False)
    with pytest.raises(SchemaError, match=r"several files for the sales table.*Keep one"):
        read_dataset(tmp_path)


def test_read_dataset_errors_name_the_file(tmp_path):
    sales_frame().to_csv(tmp_path / "sales.csv", index=False)
    pd.DataFrame({"item_id": ["007"], "on_hand_units": [-1]}).to_csv(
        tmp_path / "inventory.csv", index=False
    )
    with pytest.raises(SchemaError) as exc:
        read_dataset(tmp_path)
    msg = str(exc.value)
    assert "inventory.on_hand_units must not be negative" in msg
    assert f"Source: {tmp_path / 'inventory.csv'}." in msg


def test_empty_table_file(tmp_path):
    sales_frame().to_csv(tmp_path / "sales.csv", index=False)
    (tmp_path / "inventory.csv").write_text("item_id,on_hand_units\n")
    (tmp_path / "purchase_orders.csv").write_text(
        "po_id,item_id,supplier_id,units,order_date,expected_date\n"
    )
    with pytest.raises(SchemaError) as exc:
        read_dataset(tmp_path)
    msg = str(exc.value)
    assert "inventory is empty: it has the right columns but no rows" in msg
    assert f"Source: {tmp_path / 'inventory.csv'}." in msg
    (tmp_path / "inventory.csv").unlink()
    ds = read_dataset(tmp_path)  # no open purchase orders is normal
    assert len(ds.purchase_orders) == 0
    assert ds.purchase_orders["order_date"].dtype == "datetime64[ns]"


def test_read_dataset_cross_checks_warn_and_note(tmp_path):
    sales_frame().to_csv(tmp_path / "sales.csv", index=False)
    pd.DataFrame(
        {"item_id": ["007", "007"], "date": ["2024-01-01", "2024-01-02"], "on_hand_units": [2, -3]}
    ).to_csv(tmp_path / "stock_history.csv", index=False)
    with pytest.warns(DataQualityWarning, match=r"negative in 1 row \(row 3\)") as rec:
        ds = read_dataset(tmp_path)
    assert ds.notes == [str(rec[0].message)]
    assert ds.stock_history["on_hand_units"].tolist() == [2.0, 0.0]
    assert rec[0].filename == __file__  # the warning points at the caller


def test_read_dataset_cross_check_error(tmp_path):
    sales_frame().to_csv(tmp_path / "sales.csv", index=False)
    pd.DataFrame(
        {"item_id": ["7"], "supplier_id": ["S"], "unit_cost": [1.0], "lead_time_days": [3]}
    ).to_csv(tmp_path / "suppliers.csv", index=False)
    with pytest.raises(SchemaError, match=r"suppliers.item_id refers to items.*'7' ~ '007'"):
        read_dataset(tmp_path)


def test_workbook_with_one_sheet_per_table(tmp_path):
    ds = validate_dataset(full_dataset())
    path = tmp_path / "shop.xlsx"
    with pd.ExcelWriter(path) as w:
        ds.sales.to_excel(w, sheet_name="Sales", index=False)
        ds.suppliers.to_excel(w, sheet_name="suppliers", index=False)
        pd.DataFrame({"x": [1]}).to_excel(w, sheet_name="Notes", index=False)
    got = read_dataset(path)
    assert_same_tables(got, Dataset(sales=ds.sales, suppliers=ds.suppliers))
    assert got.notes == ["Ignored sheets in shop.xlsx not named after a table: ['Notes']."]


def test_workbook_without_sales_sheet(tmp_path):
    path = tmp_path / "shop.xlsx"
    sales_frame().to_excel(path, sheet_name="Sheet1", index=False)
    with pytest.raises(SchemaError, match=r"no 'sales' sheet.*Sheets found: \['Sheet1'\]"):
        read_dataset(path)


def test_read_sales_sheet_choice(tmp_path):
    path = tmp_path / "book.xlsx"
    with pd.ExcelWriter(path) as w:
        pd.DataFrame({"x": [1]}).to_excel(w, sheet_name="cover", index=False)
        sales_frame().to_excel(w, sheet_name="data", index=False)
    with pytest.raises(SchemaError, match=r"several sheets \['cover', 'data'\].*sheet_name="):
        read_sales(path)
    assert read_sales(path, sheet_name="data")["item_id"].tolist() == ["007", "A1"]
    assert read_sales(path, sheet_name=1)["item_id"].tolist() == ["007", "A1"]
    with pytest.raises(SchemaError, match="has no sheet 'nope'"):
        read_sales(path, sheet_name="nope")


def test_read_dataset_rejects_single_table_and_frames(tmp_path):
    sales_frame().to_csv(tmp_path / "sales.csv", index=False)
    with pytest.raises(ValueError, match=r"sales\.csv is a single csv table"):
        read_dataset(tmp_path / "sales.csv")
    with pytest.raises(TypeError, match="build Dataset"):
        read_dataset(sales_frame())  # type: ignore[arg-type]
    with pytest.raises(FileNotFoundError, match="No such folder or file"):
        read_dataset(tmp_path / "nope")


# --------------------------------------------------------------------------- SQL
@pytest.fixture
def db(tmp_path):
    """A real SQLite database with the full dataset and one oddly named table."""
    path = tmp_path / "shop.db"
    write_dataset(validate_dataset(full_dataset()), path, format="sqlite")
    engine = sa.create_engine(f"sqlite:///{path}")
    with engine.begin() as conn:
        sales_frame().to_sql("order", conn, index=False)  # a reserved word
    yield path, engine
    engine.dispose()


def test_read_sales_from_url_table_and_query(db):
    path, _ = db
    url = f"sqlite:///{path}"
    assert read_sales(url)["item_id"].tolist() == ["007", "007", "B", "NA", "B"]
    assert read_sales(url, table="order")["item_id"].tolist() == ["007", "A1"]
    got = read_sales(url, query="SELECT * FROM sales WHERE item_id = :item", params={"item": "B"})
    assert got["units"].tolist() == [3.0, -1.0]


def test_read_from_engine_and_connection(db):
    _, engine = db
    assert len(read_inventory(engine)) == 3
    with engine.connect() as conn:
        assert len(read_suppliers(conn)) == 3
        assert not conn.closed  # the caller's connection is left open
        ds = read_dataset(conn)
    assert set(ds.tables) == set(full_dataset().tables)


def test_table_name_is_never_sql(db):
    _, engine = db
    with pytest.raises(ValueError, match="must be a plain SQL table name"):
        read_sales(engine, table="sales; DROP TABLE sales")
    with pytest.raises(ValueError, match="must be a plain SQL table name"):
        read_sales(engine, table='sales" --')
    assert "sales" in sa.inspect(engine).get_table_names()  # still there
    with pytest.raises(SchemaError, match=r"no table 'sale'. Tables found: \['customer_orders'"):
        read_sales(engine, table="sale")
    with pytest.raises(ValueError, match="either table= or query="):
        read_sales(engine, table="sales", query="SELECT 1")


def test_missing_sqlite_file_is_not_created(tmp_path):
    path = tmp_path / "absent.db"
    with pytest.raises(FileNotFoundError, match="No SQLite database at"):
        read_sales(f"sqlite:///{path}")
    with pytest.raises(FileNotFoundError):
        read_dataset(f"sqlite:///{path}")
    assert not path.exists()


def test_remote_urls_are_refused():
    with pytest.raises(ValueError, match=r"not a database URL.*Remote files are not fetched"):
        read_sales("https://example.com/sales.csv")
    with pytest.raises(ValueError, match="not a database URL"):
        read_dataset("s3://bucket/shop")
    with pytest.raises(ValueError, match="not a database URL") as exc:
        read_sales("http://user:secret@example.com/sales.csv")
    assert "secret" not in str(exc.value)  # passwords never reach a message
    with pytest.raises(ValueError, match=r"'postgresql://\.\.\.' is not a valid database URL"):
        read_sales("postgresql://user:secret@host:notaport/db")


def test_database_without_sales_table(tmp_path):
    path = tmp_path / "x.db"
    engine = sa.create_engine(f"sqlite:///{path}")
    with engine.begin() as conn:
        pd.DataFrame({"a": [1]}).to_sql("other", conn, index=False)
    engine.dispose()
    with pytest.raises(SchemaError, match=r"has no 'sales' table.*Tables found: \['other'\]"):
        read_dataset(f"sqlite:///{path}")


def test_dataset_source_is_the_url(db):
    path, _ = db
    assert read_dataset(f"sqlite:///{path}").source == f"sqlite:///{path}"


# --------------------------------------------------------------------------- argument errors
def test_unknown_suffix_names_supported(tmp_path):
    path = tmp_path / "sales.json"
    path.write_text("{}")
    with pytest.raises(ValueError, match="Cannot tell the format") as exc:
        read_sales(path)
    assert ".csv, .csv.gz, .tsv, .tsv.gz, .parquet, .xlsx" in str(exc.value)


def test_options_that_do_not_apply(tmp_path):
    path = tmp_path / "sales.csv"
    sales_frame().to_csv(path, index=False)
    with pytest.raises(ValueError, match="apply to database sources only"):
        read_sales(path, table="sales")
    with pytest.raises(ValueError, match=r"sheet_name applies to \.xlsx files only"):
        read_sales(path, sheet_name="x")
    with pytest.raises(TypeError, match=r"\['sep'\] do not apply to a DataFrame"):
        read_sales(sales_frame(), sep=";")
    with pytest.raises(TypeError, match="source must be a file path"):
        read_sales(42)  # type: ignore[arg-type]
    with pytest.raises(FileNotFoundError, match="No such file"):
        read_sales(tmp_path / "absent.csv")
    with pytest.raises(FileNotFoundError, match="No inventory file in"):
        read_inventory(tmp_path)


@pytest.mark.parametrize(
    ("module", "extra", "suffix"),
    [("pyarrow", "parquet", ".parquet"), ("openpyxl", "excel", ".xlsx"), ("sqlalchemy", "sql", "")],
)
def test_missing_optional_dependency_names_the_extra(tmp_path, monkeypatch, module, extra, suffix):
    path = tmp_path / f"sales{suffix}"
    path.write_text("")
    source = f"sqlite:///{path}" if module == "sqlalchemy" else path
    monkeypatch.setitem(sys.modules, module, None)  # makes `import module` fail
    with pytest.raises(ImportError) as exc:
        read_sales(source)
    assert f'pip install "stockout_forecast[{extra}]"' in str(exc.value)
    assert repr(module) in str(exc.value)


# --------------------------------------------------------------------------- writing
def test_write_refuses_to_overwrite(tmp_path):
    ds = validate_dataset(full_dataset())
    write_dataset(ds, tmp_path, format="csv")
    before = (tmp_path / "sales.csv").read_text()
    small = Dataset(sales=ds.sales.iloc[:1])
    with pytest.raises(FileExistsError, match="Pass overwrite=True"):
        write_dataset(small, tmp_path, format="csv")
    assert (tmp_path / "sales.csv").read_text() == before  # nothing written
    # overwrite replaces sales.csv, but the other tables' files would be mixed in: refused
    with pytest.raises(FileExistsError, match="would be mixed with the new tables"):
        write_dataset(small, tmp_path, format="csv", overwrite=True)
    write_dataset(ds, tmp_path, format="csv", overwrite=True)
    with pytest.raises(FileExistsError, match=r"\['customer_orders.csv'"):
        write_dataset(ds, tmp_path, format="parquet", overwrite=True)
    db = write_dataset(small, tmp_path / "x.db", format="sqlite")
    with pytest.raises(FileExistsError, match=r"already has tables \['sales'\]"):
        write_dataset(small, db, format="sqlite")
    write_dataset(ds, db, format="sqlite", overwrite=True)
    assert len(read_sales(f"sqlite:///{db}")) == len(ds.sales)
    xl = write_dataset(small, tmp_path / "x.xlsx", format="excel")
    with pytest.raises(FileExistsError):
        write_dataset(small, xl, format="excel")


def test_write_never_follows_symlinks(tmp_path):
    outside = tmp_path / "outside.csv"
    outside.write_text("keep me")
    folder = tmp_path / "out"
    folder.mkdir()
    (folder / "sales.csv").symlink_to(outside)
    with pytest.raises(FileExistsError, match="symbolic links"):
        write_dataset(Dataset(sales=sales_frame()), folder, format="csv", overwrite=True)
    (tmp_path / "shop.db").symlink_to(outside)
    with pytest.raises(FileExistsError, match="is a symbolic link"):
        write_dataset(Dataset(sales=sales_frame()), tmp_path / "shop.db", format="sqlite")
    assert outside.read_text() == "keep me"


def test_excel_text_is_never_a_formula(tmp_path):
    ds = validate_dataset(full_dataset())
    path = write_dataset(ds, tmp_path / "shop.xlsx", format="excel")
    sheet = openpyxl.load_workbook(path)["items"]
    cells = [c for row in sheet.iter_rows() for c in row if c.value == '=HYPERLINK("http://x")']
    assert len(cells) == 1
    assert cells[0].data_type == "s"  # stored as text, not as a formula


def test_excel_formulas_are_read_as_stored_values_not_evaluated(tmp_path):
    path = tmp_path / "items.xlsx"
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["item_id", "description", "service_level"])
    sheet.append(["A", "=1+1", "=0.5+0.4"])  # formulas without a cached value
    book.save(path)
    got = read_items(path)
    assert got["item_id"].tolist() == ["A"]
    assert got["description"].isna().all()  # no stored value: missing, never computed
    assert got["service_level"].isna().all()


def test_write_argument_errors(tmp_path):
    ds = Dataset(sales=sales_frame())
    with pytest.raises(ValueError, match=r"format must be one of \['csv', 'csv.gz'"):
        write_dataset(ds, tmp_path, format="json")
    with pytest.raises(ValueError, match="is a folder"):
        write_dataset(ds, tmp_path, format="sqlite")
    with pytest.raises(TypeError, match="dataset must be a Dataset"):
        write_dataset(sales_frame(), tmp_path)  # type: ignore[arg-type]

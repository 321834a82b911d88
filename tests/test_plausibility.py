"""Bad files as clear errors, day/month dates, plausibility limits and loose id matching."""

from __future__ import annotations

import gzip
import warnings

import numpy as np
import pandas as pd
import pytest

from stockout_forecast import Dataset
from stockout_forecast.exceptions import DataQualityWarning, SchemaError
from stockout_forecast.io.dates import infer_date_order, parse_dates
from stockout_forecast.io.plausibility import Thresholds
from stockout_forecast.io.readers import read_dataset, read_sales
from stockout_forecast.io.validation import validate_dataset


def _rows(mask):
    return f"rows {[int(i) for i in np.flatnonzero(mask)]}"


def _sales(n_items=2, n_days=30, units=3.0):
    days = pd.date_range("2024-03-01", periods=n_days)
    return pd.DataFrame(
        {
            "item_id": np.repeat([f"I{i}" for i in range(n_items)], n_days),
            "date": np.tile(days, n_items),
            "units": units,
        }
    )


# --------------------------------------------------------------------------- dates
def test_day_month_dates_are_read_in_the_order_the_values_prove():
    s = pd.Series(["03/04/2025", "25/04/2025", "2025-05-01"])
    got, notes = parse_dates(s, "sales.date", _rows)
    # 25/04 proves day/month, so 03/04 is 3 April, not 4 March
    assert got.tolist() == [pd.Timestamp(x) for x in ("2025-04-03", "2025-04-25", "2025-05-01")]
    assert "read as day/month/year" in notes[0]
    assert "'25/04/2025'" in notes[0]


def test_month_day_dates_and_two_digit_years():
    got, _ = parse_dates(pd.Series(["04/25/25", "04/03/25"]), "sales.date", _rows)
    assert got.tolist() == [pd.Timestamp("2025-04-25"), pd.Timestamp("2025-04-03")]


def test_dates_that_fit_both_orders_need_the_order_stated():
    s = pd.Series(["03/04/2025", "05/06/2025"])
    with pytest.raises(SchemaError, match=r"--date-order dmy .*date_order='dmy'"):
        parse_dates(s, "sales.date", _rows)
    got, _ = parse_dates(s, "sales.date", _rows, date_order="mdy")
    assert got.tolist() == [pd.Timestamp("2025-03-04"), pd.Timestamp("2025-05-06")]
    # or the order the rest of the dataset proves
    got, notes = parse_dates(s, "sales.date", _rows, default_order="dmy")
    assert got.iloc[0] == pd.Timestamp("2025-04-03")
    assert "as the rest of the data proves" in notes[0]


def test_both_orders_in_one_column_or_against_the_stated_order_is_an_error():
    with pytest.raises(SchemaError, match=r"mixes day/month and month/day"):
        parse_dates(pd.Series(["25/04/2025", "04/25/2025"]), "sales.date", _rows)
    with pytest.raises(SchemaError, match=r"cannot be month/day/year"):
        parse_dates(pd.Series(["25/04/2025"]), "sales.date", _rows, date_order="mdy")


def test_time_zone_offsets_keep_the_local_date():
    s = pd.Series(["2024-03-01T23:30:00-05:00", "2024-03-02T10:00:00+01:00"])
    got, notes = parse_dates(s, "sales.date", _rows)
    # 23:30 in New York is 1 March there, though it is 2 March in UTC
    assert got.tolist() == [pd.Timestamp("2024-03-01 23:30"), pd.Timestamp("2024-03-02 10:00")]
    assert "time zone offsets" in notes[0]


@pytest.mark.parametrize("value", ["1677-09-21", "1899-12-30", "2262-04-11", "2200-01-01"])
def test_dates_outside_1900_to_2199_are_errors(value):
    with pytest.raises(SchemaError, match=r"before 1900 or after 2199 in rows \[1\]"):
        parse_dates(pd.Series(["2024-01-01", value]), "sales.date", _rows)


def test_infer_date_order_across_columns():
    assert infer_date_order([pd.Series(["01/02/2024"]), pd.Series(["13/02/2024"])]) == "dmy"
    assert infer_date_order([pd.Series(["13/02/2024"]), pd.Series(["02/13/2024"])]) is None


def test_a_dataset_reads_all_its_dates_in_one_order(tmp_path):
    # sales prove day/month; the purchase orders alone would be ambiguous
    sales = pd.DataFrame({"item_id": ["A", "A"], "date": ["25/03/2024", "01/04/2024"], "units": 1})
    po = pd.DataFrame(
        {
            "po_id": ["P1"],
            "item_id": ["A"],
            "supplier_id": ["S"],
            "units": [5],
            "order_date": ["02/03/2024"],
            "expected_date": ["09/03/2024"],
        }
    )
    sales.to_csv(tmp_path / "sales.csv", index=False)
    po.to_csv(tmp_path / "purchase_orders.csv", index=False)
    ds = read_dataset(tmp_path)
    assert ds.sales["date"].tolist() == [pd.Timestamp("2024-03-25"), pd.Timestamp("2024-04-01")]
    assert ds.purchase_orders["order_date"].iloc[0] == pd.Timestamp("2024-03-02")
    assert any("day/month/year" in n for n in ds.notes)


# --------------------------------------------------------------------------- files
def test_corrupt_and_cut_gzip_files_name_the_file(tmp_path):
    (tmp_path / "sales.csv.gz").write_bytes(b"\x1f\x8b\x08\x00not gzip at all")
    with pytest.raises(SchemaError, match=r"sales\.csv\.gz is not a valid gzip file"):
        read_dataset(tmp_path)
    data = gzip.compress(b"item_id,date,units\n" + b"A,2024-01-01,1\n" * 2000)
    (tmp_path / "sales.csv.gz").write_bytes(data[: len(data) // 2])
    with pytest.raises(SchemaError, match=r"cut short"):
        read_dataset(tmp_path)


def test_text_that_is_not_utf8_names_the_line(tmp_path):
    p = tmp_path / "sales.csv"
    p.write_bytes("item_id,date,units\nA,2024-01-01,1\nCafé,2024-01-02,1\n".encode("latin-1"))
    with pytest.raises(SchemaError, match=r"sales\.csv is not UTF-8 text \(line 3, byte 0xe9\)"):
        read_sales(p)


def test_ragged_rows_and_open_quotes_name_the_line(tmp_path):
    p = tmp_path / "sales.csv"
    p.write_text("item_id,date,units\nA,2024-01-01,1\nA,2024-01-02,1,9,9\n")
    with pytest.raises(SchemaError, match=r"sales\.csv line 3 has 5 fields; the header has 3"):
        read_sales(p)
    p.write_text('item_id,date,units\nA,2024-01-01,1\n"A,2024-01-02,1\nA,2024-01-03,1\n')
    with pytest.raises(SchemaError, match=r"no closing quote, starting on line 3"):
        read_sales(p)


def test_workbook_named_csv_and_text_named_xlsx(tmp_path):
    pd.DataFrame({"item_id": ["A"], "date": ["2024-01-01"], "units": [1]}).to_excel(
        tmp_path / "x.xlsx", index=False
    )
    (tmp_path / "sales.csv").write_bytes((tmp_path / "x.xlsx").read_bytes())
    with pytest.raises(SchemaError, match=r"sales\.csv is an Excel workbook"):
        read_sales(tmp_path / "sales.csv")
    (tmp_path / "sales.xlsx").write_text("item_id,date,units\nA,2024-01-01,1\n")
    with pytest.raises(SchemaError, match=r"sales\.xlsx is not an Excel workbook"):
        read_sales(tmp_path / "sales.xlsx")


def test_blank_lines_keep_the_row_numbers_of_the_file(tmp_path):
    p = tmp_path / "sales.csv"
    p.write_text("item_id,date,units\nA,2024-01-01,1\n\nA,2024-01-02,x\n")
    with pytest.raises(SchemaError, match=r"non-numeric values in row 4,"):
        read_sales(p)


def test_semicolons_and_a_column_named_twice(tmp_path):
    p = tmp_path / "sales.csv"
    p.write_text("item_id;date;units\nA;2024-01-01;1\n")
    with pytest.raises(SchemaError, match=r"separated by semicolons"):
        read_sales(p)
    p.write_text("item_id,date,units,units\nA,2024-01-01,1,2\n")
    with pytest.raises(SchemaError, match=r"'units' twice \(columns 3 and 4"):
        read_sales(p)
    assert read_sales(p, sep=",", usecols=[0, 1, 2])["units"].tolist() == [1.0]


# --------------------------------------------------------------------------- limits
def test_thresholds_parse_and_refuse_unknown_names():
    t = Thresholds.parse(["outlier_ratio=50", "max_units = 1e6"])
    assert (t.outlier_ratio, t.max_units) == (50.0, 1e6)
    with pytest.raises(ValueError, match=r"unknown threshold 'nope'; the limits are max_units"):
        Thresholds.parse(["nope=1"])
    with pytest.raises(ValueError, match=r"positive number"):
        Thresholds(outlier_ratio=0)


@pytest.mark.parametrize("value", [np.inf, 1e15, -1e308])
def test_absurd_units_are_errors_with_the_limit_to_raise(value):
    sales = _sales()
    sales.loc[5, "units"] = value
    with pytest.raises(SchemaError, match=r"sales\.units .*rows \[5\]"):
        validate_dataset(Dataset(sales=sales))


def test_an_outlier_is_noted_and_a_far_larger_one_is_an_error():
    sales = _sales()
    sales.loc[5, "units"] = 900.0  # 300 x the item's usual 3 units
    with pytest.warns(DataQualityWarning, match=r"at least 100 times the item's usual line"):
        ds = validate_dataset(Dataset(sales=sales))
    assert "I0 900 units (usually up to 3)" in ds.notes[0]
    assert len(ds.sales) == len(sales)  # kept
    sales.loc[5, "units"] = 3e6  # a million times
    with pytest.raises(SchemaError, match=r"--threshold absurd_ratio="):
        validate_dataset(Dataset(sales=sales))
    with pytest.warns(DataQualityWarning):  # the user says it is right
        validate_dataset(Dataset(sales=sales), thresholds=Thresholds(absurd_ratio=1e9))


def test_a_lone_far_date_is_left_out_and_noted():
    sales = _sales()
    sales.loc[7, "date"] = pd.Timestamp("1900-01-01")
    with pytest.warns(DataQualityWarning, match=r"dated 1900-01-01.*left out as a date error"):
        ds = validate_dataset(Dataset(sales=sales))
    assert len(ds.sales) == len(sales) - 1
    assert ds.sales["date"].min() == pd.Timestamp("2024-03-01")


def test_a_snapshot_long_after_the_last_sale_is_an_error():
    inv = pd.DataFrame({"item_id": ["I0"], "on_hand_units": [3], "as_of": ["2030-01-01"]})
    with pytest.raises(SchemaError, match=r"inventory\.as_of 2030-01-01 is 2,103 days after"):
        validate_dataset(Dataset(sales=_sales(), inventory=inv))


def test_capacity_or_pack_of_zero_and_service_level_one_are_errors():
    sup = pd.DataFrame(
        {"item_id": ["I0"], "supplier_id": ["S"], "unit_cost": [1.0], "lead_time_days": [3.0]}
    )
    for col in ("capacity_units", "pack_units"):
        with pytest.raises(SchemaError, match=rf"suppliers\.{col} must be > 0"):
            validate_dataset(Dataset(sales=_sales(), suppliers=sup.assign(**{col: 0.0})))
    items = pd.DataFrame({"item_id": ["I0"], "service_level": [1.0]})
    with pytest.raises(SchemaError, match=r"fraction in \(0, 1\).*infinite stock"):
        validate_dataset(Dataset(sales=_sales(), items=items))


# --------------------------------------------------------------------------- ids
def test_padded_ids_are_trimmed_with_a_note():
    inv = pd.DataFrame({"item_id": ["  I0 ", "I1\u200b"], "on_hand_units": [3, 4]})
    with warnings.catch_warnings(record=True):
        warnings.simplefilter("always")
        ds = validate_dataset(Dataset(sales=_sales(), inventory=inv))
    assert ds.inventory["item_id"].tolist() == ["I0", "I1"]
    assert any("spaces or invisible characters around 2 ids" in n for n in ds.notes)


def test_ids_that_match_only_loosely_are_an_error_or_mapped():
    inv = pd.DataFrame({"item_id": ["i0", "I1"], "on_hand_units": [3, 4]})
    with pytest.raises(SchemaError, match=r"'i0' ~ 'I0'.*--match-ids loose"):
        validate_dataset(Dataset(sales=_sales(), inventory=inv))
    ds = validate_dataset(Dataset(sales=_sales(), inventory=inv), match_ids="loose")
    assert ds.inventory["item_id"].tolist() == ["I0", "I1"]
    assert "matched to an id of sales" in ds.notes[0]

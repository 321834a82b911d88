"""Schema and cross-table checks: every error names table, column, rows/items and the fix."""

from __future__ import annotations

import re
import warnings

import numpy as np
import pandas as pd
import pytest

from stockout_forecast.exceptions import DataQualityWarning, SchemaError
from stockout_forecast.io.dataset import Dataset
from stockout_forecast.io.validation import validate_dataset, validate_table


# --------------------------------------------------------------------------- fixtures
def _sales() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "item_id": ["A", "A", "B", "007"],
            "date": ["2024-03-01", "2024-03-02", "2024-03-02", "2024-03-03"],
            "units": [2, 3, 1, 4],
        }
    )


def _po(**cols) -> pd.DataFrame:
    base = {
        "po_id": ["P1", "P2", "P3"],
        "item_id": ["A", "B", "007"],
        "supplier_id": ["S1", "S1", "S2"],
        "units": [10, 20, 30],
        "order_date": ["2024-02-01", "2024-02-10", "2024-03-01"],
        "expected_date": ["2024-02-15", "2024-02-20", "2024-03-20"],
    }
    base.update(cols)
    return pd.DataFrame(base)


def _inventory(**cols) -> pd.DataFrame:
    base = {"item_id": ["A", "B", "007"], "on_hand_units": [5, 0, 7], "as_of": ["2024-03-03"] * 3}
    base.update(cols)
    return pd.DataFrame(base)


# --------------------------------------------------------------------------- validate_table
def test_missing_columns_suggest_column_map():
    raw = pd.DataFrame({"SKU": ["A"], "date": ["2024-01-01"], "Qty": [3]})
    with pytest.raises(SchemaError) as exc:
        validate_table(raw, "sales")
    msg = str(exc.value)
    assert "sales is missing columns ['item_id', 'units']" in msg
    assert "Found: ['SKU', 'date', 'Qty']" in msg
    assert "column_map={'SKU': 'item_id', 'Qty': 'units'}" in msg
    assert "read_sales()" in msg


def test_missing_column_suggestion_by_spelling():
    # "on hand" is not a listed synonym but is spelled like on_hand -> on_hand_units
    raw = pd.DataFrame({"item_id": ["A"], "On Hand": [3]})
    with pytest.raises(SchemaError, match=r"column_map=\{'On Hand': 'on_hand_units'\}"):
        validate_table(raw, "inventory", reader="read_inventory")


def test_missing_column_without_guess_says_how_to_rename():
    raw = pd.DataFrame({"item_id": ["A"], "zzz": [3]})
    with pytest.raises(SchemaError, match=r"missing column 'on_hand_units'.*column_map=\.\.\."):
        validate_table(raw, "inventory")


def test_unparseable_dates_name_rows_and_values():
    raw = _sales().assign(date=["2024-03-01", "yesterday", "2024-03-02", "31/31/2024"])
    with pytest.raises(SchemaError) as exc:
        validate_table(raw, "sales")
    msg = str(exc.value)
    assert "sales.date has dates that cannot be parsed in rows [1, 3]" in msg
    assert "'yesterday'" in msg
    assert "'31/31/2024'" in msg
    assert "ISO dates (YYYY-MM-DD)" in msg


def test_non_numeric_quantity():
    raw = _sales().assign(units=["2", "3 pcs", "1", "1,200"])
    with pytest.raises(SchemaError) as exc:
        validate_table(raw, "sales")
    msg = str(exc.value)
    assert "sales.units must be numeric" in msg
    assert "rows [1, 3]" in msg
    assert "'3 pcs'" in msg
    assert "'1,200'" in msg
    assert "thousands separators" in msg


def test_negative_on_hand_in_inventory_is_an_error():
    raw = _inventory(on_hand_units=[5, -2, 7])
    with pytest.raises(SchemaError) as exc:
        validate_table(raw, "inventory")
    msg = str(exc.value)
    assert "inventory.on_hand_units must not be negative" in msg
    assert "1 negative values in rows [1]" in msg
    assert "(items ['B'])" in msg
    assert "Correct the source data" in msg


def test_duplicate_keys():
    raw = _inventory(item_id=["A", "B", "A"])
    with pytest.raises(SchemaError) as exc:
        validate_table(raw, "inventory")
    msg = str(exc.value)
    assert "inventory has 2 rows with a duplicate key ['item_id'] in rows [0, 2]" in msg
    assert "e.g. ['A', 'A']" in msg
    assert "aggregate or remove duplicates" in msg


def test_empty_table_error_and_allowed():
    empty = _po().iloc[0:0]
    with pytest.raises(SchemaError, match="purchase_orders is empty: it has the right columns"):
        validate_table(empty, "purchase_orders")
    assert len(validate_table(empty, "purchase_orders", allow_empty=True)) == 0


def test_missing_id_and_percent_fraction():
    with pytest.raises(SchemaError, match=r"sales.item_id is empty in rows \[1\]"):
        validate_table(_sales().assign(item_id=["A", None, "B", "C"]), "sales")
    items = pd.DataFrame({"item_id": ["A", "B"], "service_level": [95, 90]})
    with pytest.raises(SchemaError, match="look like percentages: divide by 100"):
        validate_table(items, "items")


def test_validate_table_normalises_and_does_not_mutate():
    raw = pd.DataFrame(
        {"item_id": [7.0, 8.0], "date": ["2024-01-01", "2024-01-02"], "units": [1, 2]}
    )
    before = raw.copy()
    out = validate_table(raw, "sales")
    pd.testing.assert_frame_equal(raw, before)
    assert out["item_id"].tolist() == ["7", "8"]  # Excel's 7.0 is the id "7"
    assert out["date"].dtype == "datetime64[ns]"
    assert out["units"].dtype == "float64"


# --------------------------------------------------------------------------- validate_dataset
def test_clean_dataset_has_no_notes_and_is_normalised():
    ds = validate_dataset(Dataset(sales=_sales(), purchase_orders=_po(), inventory=_inventory()))
    assert ds.notes == []
    assert ds.purchase_orders["order_date"].dtype == "datetime64[ns]"
    assert ds.inventory["on_hand_units"].tolist() == [5.0, 0.0, 7.0]


def test_sales_required():
    with pytest.raises(SchemaError, match="The dataset has no sales table; sales is required"):
        validate_dataset(Dataset(inventory=_inventory()))


def test_empty_sales_is_an_error_empty_po_is_not():
    with pytest.raises(SchemaError, match="sales is empty"):
        validate_dataset(Dataset(sales=_sales().iloc[0:0]))
    ds = validate_dataset(Dataset(sales=_sales(), purchase_orders=_po().iloc[0:0]))
    assert len(ds.purchase_orders) == 0


def test_expected_date_before_order_date():
    po = _po(expected_date=["2024-02-15", "2024-02-01", "2024-03-20"])
    with pytest.raises(SchemaError) as exc:
        validate_dataset(Dataset(sales=_sales(), purchase_orders=po))
    msg = str(exc.value)
    assert "purchase_orders.expected_date is before order_date in 1 row [1]" in msg
    assert "po_id 'P2' item 'B': ordered 2024-02-10, expected 2024-02-01" in msg
    assert "A lead time cannot be negative: correct the dates" in msg
    assert "swapped" not in msg


def test_expected_date_all_before_order_date_looks_swapped():
    po = _po(
        order_date=["2024-02-15", "2024-02-20", "2024-03-20"],
        expected_date=["2024-02-01", "2024-02-10", "2024-03-01"],
    )
    with pytest.raises(SchemaError, match=r"in 3 rows.*the columns look swapped"):
        validate_dataset(Dataset(sales=_sales(), purchase_orders=po))


def test_received_date_before_order_date():
    po = _po(received_date=[None, "2024-02-09", None])
    with pytest.raises(SchemaError) as exc:
        validate_dataset(Dataset(sales=_sales(), purchase_orders=po))
    msg = str(exc.value)
    assert "purchase_orders.received_date is before order_date in 1 row [1]" in msg
    assert "ordered 2024-02-10, received 2024-02-09" in msg


@pytest.mark.parametrize("table", ["purchase_orders", "suppliers"])
def test_unknown_items_in_po_and_suppliers_are_errors(table):
    frames = {
        "purchase_orders": _po(item_id=["A", "ZZ", "7"]),
        "suppliers": pd.DataFrame(
            {
                "item_id": ["A", "ZZ", "7"],
                "supplier_id": ["S1"] * 3,
                "unit_cost": [1.0] * 3,
                "lead_time_days": [5] * 3,
            }
        ),
    }
    with pytest.raises(SchemaError) as exc:
        validate_dataset(Dataset(sales=_sales(), **{table: frames[table]}))
    msg = str(exc.value)
    assert f"{table}.item_id refers to items found in neither sales nor items: 2 ('ZZ', '7')" in msg
    assert "in rows [1, 2]" in msg
    # '7' is '007' without its leading zeros: the message says so
    assert "1 of them match a known id" in msg
    assert "'7' ~ '007'" in msg
    assert "Correct the item_id, or list every item in an items table" in msg


def test_items_table_makes_new_items_known():
    items = pd.DataFrame({"item_id": ["A", "B", "007", "NEW"]})
    po = _po(item_id=["A", "NEW", "007"])
    ds = validate_dataset(Dataset(sales=_sales(), purchase_orders=po, items=items))
    assert ds.purchase_orders["item_id"].tolist() == ["A", "NEW", "007"]
    assert ds.notes == []


def test_items_missing_from_item_table_are_noted():
    items = pd.DataFrame({"item_id": ["A"]})
    ds = validate_dataset(Dataset(sales=_sales(), items=items))
    assert ds.notes == [
        "items has no row for 2 ('B', '007') items that appear in sales; "
        "they get the default planning parameters."
    ]


@pytest.mark.parametrize("table", ["inventory", "customer_orders", "stock_history"])
def test_unknown_items_elsewhere_warn_and_are_kept(table):
    frames = {
        "inventory": _inventory(item_id=["A", "B", "DEAD"], as_of=[None] * 3),
        "customer_orders": pd.DataFrame(
            {
                "order_id": ["C1", "C2"],
                "line_id": ["1", "1"],
                "item_id": ["A", "DEAD"],
                "units": [1, 2],
                "order_date": ["2024-03-01", "2024-03-02"],
            }
        ),
        "stock_history": pd.DataFrame(
            {"item_id": ["DEAD"], "date": ["2024-03-01"], "on_hand_units": [4]}
        ),
    }
    with pytest.warns(DataQualityWarning) as rec:
        ds = validate_dataset(Dataset(sales=_sales(), **{table: frames[table]}))
    msg = str(rec[0].message)
    assert f"{table}.item_id refers to items found in neither sales nor items: 1 ('DEAD')" in msg
    assert "They are kept, as items without sales history" in msg
    assert "DEAD" in getattr(ds, table)["item_id"].tolist()
    assert msg in ds.notes


def test_negative_stock_history_warns_and_is_set_to_zero():
    sh = pd.DataFrame(
        {
            "item_id": ["A", "A", "B"],
            "date": ["2024-03-01", "2024-03-02", "2024-03-01"],
            "on_hand_units": [3, -2, -1],
        }
    )
    before = sh.copy()
    with pytest.warns(DataQualityWarning, match=r"negative in 2 rows \[1, 2\]") as rec:
        ds = validate_dataset(Dataset(sales=_sales(), stock_history=sh))
    msg = str(rec[0].message)
    assert "stock_history.on_hand_units" in msg
    assert "2 ('A', 'B')" in msg
    assert "set to 0" in msg
    assert ds.stock_history["on_hand_units"].tolist() == [3.0, 0.0, 0.0]
    assert msg in ds.notes
    pd.testing.assert_frame_equal(sh, before)  # input untouched


def test_dates_after_snapshot_warn_and_rows_are_kept():
    sales = pd.concat(
        [_sales(), pd.DataFrame({"item_id": ["B"], "date": ["2024-03-05"], "units": [1]})],
        ignore_index=True,
    )
    po = _po(received_date=[None, "2024-03-09", None])
    with pytest.warns(DataQualityWarning) as rec:
        ds = validate_dataset(Dataset(sales=sales, inventory=_inventory(), purchase_orders=po))
    msgs = [str(w.message) for w in rec]
    assert len(msgs) == 2
    assert msgs[0].startswith(
        "sales.date is after the inventory snapshot date (as_of 2024-03-03) in 1 row [4] "
        "(items 1 ('B')), up to 2024-03-05."
    )
    assert msgs[1].startswith("purchase_orders.received_date is after the inventory snapshot")
    assert "check inventory.as_of" in msgs[0]
    assert len(ds.sales) == 5
    assert ds.notes == msgs


def test_sales_later_the_same_day_is_not_in_the_future():
    sales = _sales().assign(date=["2024-03-01", "2024-03-02", "2024-03-02", "2024-03-03 17:45"])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ds = validate_dataset(Dataset(sales=sales, inventory=_inventory()))
    assert ds.notes == []


def test_several_snapshot_dates_noted():
    inv = _inventory(as_of=["2024-03-01", "2024-03-03", "2024-03-03"])
    ds = validate_dataset(Dataset(sales=_sales(), inventory=inv))
    assert ds.notes == [
        "inventory.as_of has 2 different dates (2024-03-01 to 2024-03-03); "
        "the latest is used as the snapshot date."
    ]


def test_identical_sales_lines_are_kept_and_counted():
    sales = pd.concat([_sales(), _sales().iloc[[0, 0, 2]]], ignore_index=True)
    ds = validate_dataset(Dataset(sales=sales))
    assert len(ds.sales) == 7  # nothing dropped
    assert len(ds.notes) == 1
    assert ds.notes[0].startswith("sales has 3 lines identical to another line")
    assert "rows [4, 5, 6]" in ds.notes[0]


def test_validate_dataset_is_idempotent_on_notes():
    sh = pd.DataFrame({"item_id": ["A"], "date": ["2024-03-01"], "on_hand_units": [-1]})
    with pytest.warns(DataQualityWarning):
        once = validate_dataset(Dataset(sales=_sales(), stock_history=sh, notes=["read from x"]))
    twice = validate_dataset(once)  # already clipped: no new warning, notes not repeated
    assert twice.notes == once.notes
    assert once.notes[0] == "read from x"
    assert len(once.notes) == 2


def test_validate_dataset_keeps_every_item():
    # hand-made: 3 sold items + 1 dead-stock item in inventory -> 4 items in the result
    inv = _inventory(item_id=["A", "B", "DEAD"], as_of=[None] * 3)
    with pytest.warns(DataQualityWarning):
        ds = validate_dataset(Dataset(sales=_sales(), inventory=inv))
    items = set(ds.sales["item_id"]) | set(ds.inventory["item_id"])
    assert items == {"A", "B", "007", "DEAD"}


def test_rows_shown_are_capped_with_count():
    n = 12
    po = pd.DataFrame(
        {
            "po_id": [f"P{i}" for i in range(n)],
            "item_id": ["A"] * n,
            "supplier_id": ["S"] * n,
            "units": np.ones(n),
            "order_date": ["2024-02-10"] * n,
            "expected_date": ["2024-02-01"] * (n - 1) + ["2024-02-20"],
        }
    )
    with pytest.raises(SchemaError) as exc:
        validate_dataset(Dataset(sales=_sales(), purchase_orders=po))
    assert re.search(r"in 11 rows \[0, 1, 2, 3, 4\] \(and 6 more\)", str(exc.value))


def test_type_errors():
    with pytest.raises(TypeError, match="dataset must be a Dataset"):
        validate_dataset(_sales())  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="sales must be a pandas DataFrame"):
        validate_table([1, 2], "sales")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="Unknown table 'sale'"):
        validate_table(_sales(), "sale")


def test_assume_valid_passes_normalised_frames_and_validates_the_others():
    from stockout_forecast.io.validation import assume_valid

    raw = pd.DataFrame(
        {"item_id": ["A", "B"], "date": ["2024-01-01", "2024-01-02"], "units": [3, 1]}
    )
    norm = validate_table(raw, "sales")
    with assume_valid():
        same = validate_table(norm, "sales")
        pd.testing.assert_frame_equal(same, norm)  # the frame validate_table gives
        assert same is not norm  # a copy, as validate_table's
        # a normalised frame is not checked again (its values were checked at entry) ...
        gap = norm.assign(units=[np.nan, 1.0])
        pd.testing.assert_frame_equal(validate_table(gap, "sales"), gap)
        # ... any other frame is validated as usual: text dates are parsed, errors raised
        pd.testing.assert_frame_equal(validate_table(raw, "sales"), norm)
        with pytest.raises(SchemaError, match="units is empty"):
            validate_table(raw.assign(units=[None, 1]), "sales")
        with pytest.raises(SchemaError, match="missing column"):
            validate_table(norm.drop(columns="units"), "sales")
    with pytest.raises(SchemaError, match="units is empty"):  # only inside the block
        validate_table(gap, "sales")

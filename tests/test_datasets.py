"""Tests of the demo-data generator (stockout_forecast.datasets) and the committed data/sample."""

from __future__ import annotations

import gzip
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from stockout_forecast.datasets import (
    DEMAND_PATTERNS,
    load_demo,
    main,
    make_demo_dataset,
    write_demo_csv,
)
from stockout_forecast.datasets.demo import _generate
from stockout_forecast.datasets.tables import _fifo_match
from stockout_forecast.io.dataset import TABLE_NAMES
from stockout_forecast.io.schema import TABLES
from stockout_forecast.io.validation import validate_table

ROOT = Path(__file__).parents[1]
SAMPLE = ROOT / "data" / "sample"
AS_OF = pd.Timestamp("2026-11-24")


@pytest.fixture(scope="module")
def demo():
    return load_demo()


@pytest.fixture(scope="module")
def small():
    """A small generation with the simulation's hidden truth (demand, lost units...)."""
    return _generate(40, 150, 7, "2024-11-25")


def _grid(df: pd.DataFrame, value: str, items, dates) -> np.ndarray:
    """Sum ``value`` per item and date on the full items x dates grid (0 where absent)."""
    s = df.groupby(["item_id", "date"])[value].sum()
    full = pd.MultiIndex.from_product([items, dates], names=["item_id", "date"])
    return s.reindex(full, fill_value=0.0).to_numpy().reshape(len(items), len(dates))


def _stock_balance_residual(tables: dict[str, pd.DataFrame]) -> tuple[np.ndarray, np.ndarray]:
    """on_hand[t] - on_hand[t-1] - received[t] + shipped[t] per active item and day t >= 1.

    Zero everywhere means the stock history is explained by receipts and shipments alone.
    Also returns the on-hand grid (0 before an item's launch).
    """
    items = tables["items"].loc[tables["items"]["status"] == "active", "item_id"].to_numpy()
    dates = pd.date_range(tables["stock_history"]["date"].min(), _as_of(tables), freq="D")
    on_hand = _grid(tables["stock_history"], "on_hand_units", items, dates)
    po = tables["purchase_orders"].dropna(subset=["received_date"])
    received = _grid(po.rename(columns={"received_date": "date"}), "received_units", items, dates)
    sales = tables["sales"]
    shipped = _grid(sales[sales["units"] > 0], "units", items, dates)
    residual = on_hand[:, 1:] - on_hand[:, :-1] - received[:, 1:] + shipped[:, 1:]
    return residual, on_hand


def _as_of(tables: dict[str, pd.DataFrame]) -> pd.Timestamp:
    return tables["inventory"]["as_of"].iloc[0]


# --------------------------------------------------------------------------- contract
def test_every_table_present_and_already_normalised(demo):
    assert sorted(demo.tables) == sorted(TABLE_NAMES)
    for name, df in demo.tables.items():
        again = validate_table(df, name, allow_empty=True)
        pd.testing.assert_frame_equal(again, df, obj=name)
        # every contract column of the table is in the demo data, except location_id (the
        # demo business has one warehouse), items.lead_time_days (for shops without a
        # suppliers table; the demo has one), items.backorder_cost_per_unit_day (the demo's
        # backorders cost per unit, not per day) and suppliers.price_breaks (the demo's
        # suppliers quote one price; price breaks are exercised in test_price_breaks.py)
        absent = {
            "items": {"location_id", "lead_time_days", "backorder_cost_per_unit_day"},
            "suppliers": {"location_id", "price_breaks"},
        }.get(name, {"location_id"})
        assert set(TABLES[name].columns) - absent <= set(df.columns), name


def test_cross_table_validation_passes_without_warnings(demo):
    # filterwarnings=error turns any DataQualityWarning into a failure
    from stockout_forecast.io.validation import validate_dataset

    checked = validate_dataset(demo)
    assert checked.notes == []


def test_every_item_everywhere(demo):
    ids = demo.items["item_id"]
    assert ids.tolist() == [f"SKU-{i:05d}" for i in range(300)]
    for name in ("inventory", "suppliers", "stock_history", "sales"):
        assert set(demo.tables[name]["item_id"]) == set(ids), name
    assert set(demo.purchase_orders["item_id"]) <= set(ids)
    assert set(demo.customer_orders["item_id"]) <= set(ids)


def test_no_exact_duplicate_sales_lines(demo):
    # readers may treat exact duplicate transaction lines as double-booked
    assert not demo.sales.duplicated().any()


def test_suppliers_one_to_three_with_different_terms(demo):
    sup = demo.suppliers
    per_item = sup.groupby("item_id")["supplier_id"].agg(["size", "nunique"])
    assert per_item["size"].between(1, 3).all()
    assert (per_item["size"] == per_item["nunique"]).all()
    assert set(per_item["size"]) == {1, 2, 3}
    multi = sup[sup.groupby("item_id")["item_id"].transform("size") > 1]
    spread = multi.groupby("item_id")[["unit_cost", "lead_time_days"]].nunique()
    assert (spread["unit_cost"] > 1).mean() > 0.9
    assert (spread["lead_time_days"] > 1).mean() > 0.5
    assert ((sup["moq_units"] % sup["pack_units"]) == 0).all()
    assert (sup["capacity_units"] >= sup["moq_units"]).all()
    assert sup["on_time_rate"].between(0.5, 1.0).all()


# --------------------------------------------------------------------------- determinism
def test_same_seed_same_tables_other_seed_other_tables():
    a = make_demo_dataset(30, 90, random_state=5)
    b = make_demo_dataset(30, 90, random_state=5)
    c = make_demo_dataset(30, 90, random_state=6)
    for name in TABLE_NAMES:
        pd.testing.assert_frame_equal(a.tables[name], b.tables[name], obj=name)
    assert not a.sales.equals(c.sales)
    # a Generator is accepted too (and consumed: the same generator twice differs)
    g = np.random.default_rng(5)
    assert make_demo_dataset(30, 90, random_state=g).sales.equals(a.sales)


def test_csv_bytes_are_reproducible(tmp_path):
    ds = make_demo_dataset(12, 60, random_state=2)
    first = [p.read_bytes() for p in write_demo_csv(ds, tmp_path / "a")]
    second = [p.read_bytes() for p in write_demo_csv(ds, tmp_path / "b")]
    assert first == second
    # gzip header carries no timestamp (bytes 4-7 are MTIME)
    assert (tmp_path / "a" / "sales.csv.gz").read_bytes()[4:8] == b"\0\0\0\0"


def test_load_demo_returns_fresh_copies():
    a = load_demo()
    a.sales.loc[0, "units"] = -999.0
    a.items["description"] = "changed"
    b = load_demo()
    assert b.sales.loc[0, "units"] != -999.0
    assert (b.items["description"] != "changed").all()
    assert "make_demo_dataset(n_items=300, n_days=730, random_state=20261126" in b.source


# --------------------------------------------------------------------------- committed data
def test_committed_csv_equal_a_fresh_generation(demo):
    from stockout_forecast.io.readers import read_dataset

    names = sorted(p.name for p in SAMPLE.iterdir())
    assert names == sorted(
        [
            "sales.csv.gz",
            "stock_history.csv.gz",
            "inventory.csv",
            "purchase_orders.csv",
            "suppliers.csv",
            "items.csv",
            "customer_orders.csv",
        ]
    )
    assert sum(p.stat().st_size for p in SAMPLE.iterdir()) < 5 * 2**20  # a few MB at most
    committed = read_dataset(SAMPLE)
    assert committed.notes == []
    for name in TABLE_NAMES:
        pd.testing.assert_frame_equal(committed.tables[name], demo.tables[name], obj=name)


def test_committed_csv_are_what_the_writer_writes(tmp_path, demo):
    # byte for byte: regenerating data/sample changes nothing (no spurious git diffs)
    for path in write_demo_csv(demo, tmp_path):
        assert path.read_bytes() == (SAMPLE / path.name).read_bytes(), path.name


def test_data_readme_documents_every_file_and_column(demo):
    text = (ROOT / "data" / "README.md").read_text(encoding="utf-8")
    assert "synthetic" in text.lower()
    assert (
        "python -m stockout_forecast.datasets data/sample --n-items 300 --n-days 730 "
        "--seed 20261126" in text
    )
    for name, df in demo.tables.items():
        file = f"{name}.csv.gz" if name in ("sales", "stock_history") else f"{name}.csv"
        assert f"### `{file}`" in text, file
        section = text.split(f"### `{file}`")[1].split("###")[0]
        for col in df.columns:
            assert f"| `{col}` |" in section, f"{file}: {col}"
        # the row count in the files table is the real one
        m = re.search(rf"\| `{re.escape(file)}` \| ([\d,]+) \|", text)
        assert m is not None, file
        assert int(m.group(1).replace(",", "")) == len(df), file
    for pattern, n in demo.items["demand_pattern"].value_counts().items():
        assert re.search(rf"\| `{pattern}` \| {n} \|", text), pattern


# --------------------------------------------------------------------------- simulation truth
def test_fifo_match_hand_computed():
    # item 0: backordered lines of 3 and 2 units, one fill of 4 units;
    # item 1: one line of 4 units, fills of 1 then 2 units.
    # Units axis: item 0 lines (0,3] (3,5]; item 1 line (5,9].
    # Fills end at 0+4=4 (item 0) and 5+1=6, 5+3=8 (item 1), so the pieces are
    # (0,3] line 0/fill 0: 3 | (3,4] line 1/fill 0: 1 | (4,5] line 1 open
    # (5,6] line 2/fill 1: 1 | (6,8] line 2/fill 2: 2 | (8,9] line 2 open.
    piece_line, piece_fill, units, open_units = _fifo_match(
        np.array([0, 0, 1]), np.array([3, 2, 4]), np.array([0, 1, 1]), np.array([4, 1, 2]), 2
    )
    assert piece_line.tolist() == [0, 1, 2, 2]
    assert piece_fill.tolist() == [0, 0, 1, 2]
    assert units.tolist() == [3, 1, 1, 2]
    assert open_units.tolist() == [0, 1, 1]


def test_lost_and_backordered_demand_is_not_sales(small):
    t, sim = small.tables, small.simulation
    items = t["items"]["item_id"].to_numpy()
    sales = t["sales"]
    shipped = _grid(sales[sales["units"] > 0], "units", items, small.dates)
    # what was shipped is exactly what stock allowed, plus backorders shipped later
    np.testing.assert_array_equal(shipped, sim.sold + sim.fills)
    np.testing.assert_array_equal(sim.demand, sim.sold + sim.lost + sim.backordered)
    assert sim.lost.sum() > 0
    assert sim.backordered.sum() > 0
    # on stock-out days demand went unserved: recorded sales fall short of demand
    assert ((sim.demand > sim.sold) & (sim.on_hand == 0)).sum() > 10


def test_stock_history_balances_receipts_and_shipments(demo):
    residual, on_hand = _stock_balance_residual(demo.tables)
    assert (on_hand >= 0).all()
    np.testing.assert_array_equal(residual, 0.0)


def test_stockout_episodes_exist(demo):
    sh = demo.stock_history.merge(demo.items[["item_id", "status"]])
    sh = sh[sh["status"] == "active"]
    shipped = demo.sales[demo.sales["units"] > 0].groupby(["item_id", "date"])["units"].sum()
    sh = sh.join(shipped, on=["item_id", "date"])
    dead = sh[(sh["on_hand_units"] == 0) & sh["units"].isna()]  # no stock, no sales
    assert len(dead) > 1000
    assert dead["item_id"].nunique() > 50
    share = (sh["on_hand_units"] == 0).mean()
    assert 0.02 < share < 0.10  # stock-outs are common but not the rule


def test_some_returns_match_an_earlier_sale(demo):
    s = demo.sales
    ret = s[s["units"] < 0]
    assert 0.005 < len(ret) / len(s) < 0.05
    sold = s[s["units"] > 0]
    keys = ["order_id", "item_id", "customer_id", "unit_price"]
    m = ret.reset_index(names="ret").merge(sold, on=keys, suffixes=("", "_sale"))
    m = m[m["date_sale"] < m["date"]]
    # every return has an earlier shipment of its line, of at least the returned units,
    # at most 30 days before
    m = m[(-m["units"] <= m["units_sale"]) & ((m["date"] - m["date_sale"]).dt.days <= 30)]
    assert m["ret"].nunique() == len(ret)


def test_purchase_orders_respect_supplier_terms(demo):
    m = demo.purchase_orders.merge(demo.suppliers, on=["item_id", "supplier_id"], how="left")
    assert m["unit_cost"].notna().all()  # every PO line is with one of the item's suppliers
    assert (m["units"] >= m["moq_units"]).all()
    assert (m["units"] % m["pack_units"] == 0).all()
    assert (m["units"] <= m["capacity_units"]).all()
    # one PO per supplier and order day
    assert (m.groupby("po_id")[["supplier_id", "order_date"]].nunique() == 1).all().all()


def test_purchase_orders_received_and_open(demo):
    po = demo.purchase_orders
    open_ = po["received_date"].isna()
    assert (open_ == po["received_units"].isna()).all()
    assert 50 < open_.sum() < 400
    assert (po.loc[open_, "expected_date"] > AS_OF).all()
    rec = po[~open_]
    assert (rec["received_date"] > rec["order_date"]).all()
    assert (rec["received_date"] <= AS_OF).all()
    late = rec["received_date"] > rec["expected_date"]
    short = rec["received_units"] < rec["units"]
    assert 0.1 < late.mean() < 0.4
    assert 0.02 < short.mean() < 0.15
    assert (rec["received_units"] >= 1).all()
    # empirical lead times vary within each supplier
    lt = (rec["received_date"] - rec["order_date"]).dt.days
    assert (lt.groupby(rec["supplier_id"]).std() > 0.5).all()


def test_on_time_rate_matches_receipts(demo):
    po = demo.purchase_orders.dropna(subset=["received_date"]).merge(
        demo.suppliers[["item_id", "supplier_id", "on_time_rate"]]
    )
    on_time = po["received_date"] <= po["expected_date"]
    g = on_time.groupby(po["supplier_id"]).agg(["mean", "size"])
    q = po.groupby("supplier_id")["on_time_rate"].mean()
    # binomial standard error per supplier; allow 3.5 of them
    se = np.sqrt(q * (1 - q) / g["size"])
    assert ((g["mean"] - q).abs() < 3.5 * se).all()


def test_backordered_and_allocated_lines_add_up(demo):
    co, inv = demo.customer_orders, demo.inventory.set_index("item_id")
    assert set(co["line_status"]) == {"backordered", "allocated"}
    bo = co[co["line_status"] == "backordered"]
    assert len(bo) > 20
    per_item = bo.groupby("item_id")["units"].sum()
    pd.testing.assert_series_equal(
        per_item, inv.loc[inv["backordered_units"] > 0, "backordered_units"], check_names=False
    )
    # items owing units have nothing on hand (backorders are served first)
    assert (inv.loc[per_item.index, "on_hand_units"] == 0).all()
    alloc = co[co["line_status"] == "allocated"].groupby("item_id")["units"].sum()
    pd.testing.assert_series_equal(
        alloc, inv.loc[inv["allocated_units"] > 0, "allocated_units"], check_names=False
    )
    assert (inv["allocated_units"] <= inv["on_hand_units"]).all()
    assert (co["promised_date"] > co["order_date"]).all()
    assert (co["order_date"] <= AS_OF).all()
    assert set(co["priority"]) == {1.0, 2.0, 3.0}


def test_backorder_promise_is_the_earliest_open_po_ahead(demo):
    # a line backordered on day d was promised the earliest expected date after d of the
    # item's POs open on d. POs still open at the as-of date that kept their original
    # expected date (order date + stated lead time: not re-confirmed) were open on d if
    # ordered by d, so the promise is at most theirs.
    co = demo.customer_orders
    bo = co[co["line_status"] == "backordered"]
    po = demo.purchase_orders.merge(demo.suppliers[["item_id", "supplier_id", "lead_time_days"]])
    stated = po["order_date"] + pd.to_timedelta(po["lead_time_days"], unit="D")
    open_po = po[po["received_date"].isna() & (po["expected_date"] == stated)]
    m = bo.merge(open_po, on="item_id", suffixes=("", "_po"))
    m = m[(m["order_date_po"] <= m["order_date"]) & (m["expected_date"] > m["order_date"])]
    assert len(m) > 20
    assert (m["promised_date"] <= m["expected_date"]).all()
    earliest = m.groupby(["order_id", "line_id"])["expected_date"].min()
    promised = m.groupby(["order_id", "line_id"])["promised_date"].first()
    # equal unless an earlier PO, received since, was the one promised
    assert (promised == earliest).mean() > 0.9


# --------------------------------------------------------------------------- patterns
def test_patterns_present_and_recorded(demo):
    items = demo.items
    assert set(items["demand_pattern"]) == set(DEMAND_PATTERNS)
    counts = items["demand_pattern"].value_counts()
    assert counts["fast"] == 54
    assert counts["intermittent"] == 66
    disc = items["demand_pattern"] == "discontinued"
    assert ((items["status"] == "discontinued") == disc).all()
    assert set(items["status"]) == {"active", "discontinued"}


def _per_pattern(demo, pattern):
    ids = demo.items.loc[demo.items["demand_pattern"] == pattern, "item_id"]
    s = demo.sales
    return ids, s[s["item_id"].isin(ids) & (s["units"] > 0)]


def test_fast_movers_lines_weekdays_and_year_end_peak(demo):
    _, s = _per_pattern(demo, "fast")
    assert s.groupby(["item_id", "date"]).size().mean() > 2  # several lines a day
    daily = s.groupby("date")["units"].sum()
    weekend = daily.index.day_of_week >= 5
    assert daily[~weekend].mean() > 1.5 * daily[weekend].mean()
    idx = daily.index
    december = daily[(idx.month == 12) & (idx.day <= 20)].mean()
    autumn = daily[idx.month.isin([9, 10])].mean()
    assert december > 1.4 * autumn


def test_trending_items_grow_or_decline(demo):
    _, s = _per_pattern(demo, "trending")
    first = s[s["date"] < pd.Timestamp("2025-05-25")].groupby("item_id")["units"].sum()
    last = s[s["date"] > AS_OF - pd.Timedelta(days=180)].groupby("item_id")["units"].sum()
    ratio = (last / first).dropna()
    assert ((ratio > 1.3) | (ratio < 1 / 1.3)).mean() > 0.9
    assert (ratio > 1.3).sum() > 10
    assert (ratio < 1 / 1.3).sum() > 3


def test_intermittent_and_lumpy_by_syntetos_boylan(demo):
    def adi_cv2(pattern):
        _, s = _per_pattern(demo, pattern)
        daily = s.groupby(["item_id", "date"])["units"].sum()
        days = s.groupby("item_id")["date"].agg(lambda d: (d.max() - d.min()).days + 1)
        g = daily.groupby("item_id")
        adi = days / g.size()
        cv2 = g.var(ddof=0) / g.mean() ** 2
        return adi, cv2

    adi, cv2 = adi_cv2("intermittent")
    assert (adi > 1.32).all()
    assert (cv2 < 0.49).mean() > 0.9
    adi, cv2 = adi_cv2("lumpy")
    assert (adi > 1.32).all()
    assert (cv2 > 0.49).mean() > 0.8


def test_new_items_have_weeks_of_history(demo):
    ids, s = _per_pattern(demo, "new")
    first = (
        demo.stock_history[demo.stock_history["item_id"].isin(ids)].groupby("item_id")["date"].min()
    )
    age = (AS_OF - first).dt.days
    assert age.between(13, 55).all()
    first_sale = s.groupby("item_id")["date"].min()
    assert (first_sale >= first.reindex(first_sale.index)).all()
    po = demo.purchase_orders
    launch_po = po[po["item_id"].isin(ids) & (po["received_date"].isin(first))]
    assert launch_po["item_id"].nunique() == len(ids)  # stocked by a first delivery


def test_discontinued_items_stop_selling(demo):
    ids, s = _per_pattern(demo, "discontinued")
    last_sale = s.groupby("item_id")["date"].max()
    assert (last_sale < AS_OF - pd.Timedelta(days=75)).all()
    inv = demo.inventory.set_index("item_id").loc[ids]
    assert (inv["on_hand_units"] == 0).all()
    assert (inv["backordered_units"] == 0).all()
    po = demo.purchase_orders
    assert not (po["item_id"].isin(ids) & po["received_date"].isna()).any()


def test_descriptions_that_reports_must_escape(demo):
    desc = demo.items.set_index("item_id")["description"]
    assert "<b>" in desc["SKU-00002"]
    assert "&" in desc["SKU-00007"]
    assert "," in desc["SKU-00007"]
    assert desc["SKU-00011"].startswith("=")
    assert '"' in desc["SKU-00011"]
    assert "<script>" in desc["SKU-00042"]


# --------------------------------------------------------------------------- invariants
@settings(
    max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    n_items=st.integers(1, 15),
    n_days=st.integers(28, 80),
    seed=st.integers(0, 2**32 - 1),
)
def test_invariants_any_size_and_seed(n_items, n_days, seed):
    try:
        gen = _generate(n_items, n_days, seed, "2025-11-01")
    except ValueError as err:  # a tiny catalogue may sell nothing at all (tested below)
        assume("has no sales at all" not in str(err))
        raise
    t, sim = gen.tables, gen.simulation
    assert len(t["items"]) == len(t["inventory"]) == n_items
    assert set(t["suppliers"]["item_id"]) == set(t["items"]["item_id"])
    residual, on_hand = _stock_balance_residual(t)
    assert (on_hand >= 0).all()
    np.testing.assert_array_equal(residual, 0.0)
    np.testing.assert_array_equal(sim.demand, sim.sold + sim.lost + sim.backordered)
    co = t["customer_orders"]
    owed = co[co["line_status"] == "backordered"]["units"].sum()
    assert owed == t["inventory"]["backordered_units"].sum() == sim.backlog.sum()
    po = t["purchase_orders"]
    assert (po.loc[po["received_date"].isna(), "expected_date"] > gen.dates[-1]).all()
    assert not t["sales"].duplicated().any()


# --------------------------------------------------------------------------- errors and CLI
@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"n_items": 0}, "n_items must be an integer >= 1; got 0."),
        ({"n_items": 2.5}, "n_items must be an integer >= 1; got 2.5."),
        ({"n_days": 10}, "n_days must be an integer >= 28; got 10."),
        ({"start": "soon"}, "start must be a date such as '2024-11-25'; got 'soon'."),
        ({"random_state": -1}, "random_state must be a non-negative int; got -1."),
    ],
)
def test_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        make_demo_dataset(**kwargs)


def test_tiny_catalogues():
    # one item over 28 days may never need a purchase order: an empty PO table is valid
    ds = make_demo_dataset(1, 28, random_state=9)
    assert len(ds.purchase_orders) == 0
    assert list(ds.purchase_orders.columns) == list(TABLES["purchase_orders"].columns)
    assert len(ds.sales) > 0
    # ... or never sell: that is an error, as an empty sales table breaks the contract
    with pytest.raises(ValueError, match=r"has no sales at all \(n_items=1, n_days=28\)"):
        make_demo_dataset(1, 28, random_state=32)


def test_write_rejects_unknown_gzip_table(tmp_path):
    ds = make_demo_dataset(3, 30, random_state=1)
    with pytest.raises(ValueError, match=r"gzip_tables has unknown tables \['sale'\]"):
        write_demo_csv(ds, tmp_path, gzip_tables=["sale"])


def test_cli_writes_files(tmp_path, capsys):
    out = tmp_path / "demo"
    assert main([str(out), "--n-items", "12", "--n-days", "40", "--seed", "3"]) == 0
    printed = capsys.readouterr().out
    assert "sales.csv.gz" in printed
    assert "(customer_orders)" in printed
    with gzip.open(out / "sales.csv.gz", "rt") as fh:
        assert fh.readline().strip() == "item_id,date,units,order_id,customer_id,unit_price"
    expected = make_demo_dataset(12, 40, random_state=3)
    assert pd.read_csv(out / "items.csv")["item_id"].tolist() == expected.items["item_id"].tolist()
    # plain CSV replaces the gzip files, so readers find exactly one file per table
    assert main([str(out), "--n-items", "12", "--n-days", "40", "--no-gzip"]) == 0
    assert (out / "sales.csv").is_file()
    assert not (out / "sales.csv.gz").exists()
    assert (out / "inventory.csv").read_text().splitlines()[1].endswith(",2025-01-03")


def test_cli_bad_arguments_exit_2(tmp_path, capsys):
    assert main([str(tmp_path), "--n-days", "5"]) == 2
    assert "n_days must be an integer >= 28; got 5." in capsys.readouterr().err
    with pytest.raises(SystemExit) as exc:
        main([str(tmp_path), "--n-items", "many"])
    assert exc.value.code == 2

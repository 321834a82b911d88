"""The re-plan's shortcuts give the library's figures, computed from scratch.

The lane re-plans an item after its events with what its worker keeps between batches: the
history rows (one frame per table), the lead times per item (``ProcessCache.lead_times``),
and the store's rows taken as validated (``_item_dataset(trusted=True)``: only the checks
across tables run). These tests compare what the lane serves after events with the
planner's stages run by the library alone on the same store: ``read_dataset`` of the store
(its own reader and full validation), every item in one call, the full plan's stored
forecast, no cache.
"""

from __future__ import annotations

import dataclasses
import warnings

import numpy as np
import pandas as pd
import pytest

import stockout_forecast as sof
from stockout_forecast.exceptions import SchemaError
from stockout_forecast.io.validation import assume_valid
from stockout_forecast.service import ServiceSettings
from stockout_forecast.service.replan import (
    ProcessCache,
    _dated,
    _days_ahead,
    plan_with_forecast,
    replan_items,
    warm_items,
)
from stockout_forecast.service.state import _item_dataset, service_planner, states_from_plan
from stockout_forecast.service.store import Store

from .conftest import NEXT_DAY, make_client

ITEMS = [f"SKU-0000{i}" for i in range(8)]


def _library_states(url: str) -> dict[str, dict]:
    """Every item's state from the library alone: read_dataset, the stored forecast."""
    store = Store(url)
    settings = ServiceSettings(db_url=url)
    with store.read() as conn:
        seqs = store.last_seqs(conn)
        as_of = store.as_of(conn)
        start = pd.Timestamp(store.get_meta(conn, "history_start"))
        got = store.plan_forecasts(conn)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ds = sof.read_dataset(conn)
    store.dispose()
    assert got is not None
    rows = got[1]
    assert ds.inventory is not None
    inv = ds.inventory.copy()
    inv["as_of"] = as_of  # the live stock is the stock as of the planning date
    ds = dataclasses.replace(ds, inventory=inv)
    head = {k: v for k, v in rows[0].items() if k != "items"}
    fc = sof.DemandForecast.from_dict({**head, "items": [r["items"][0] for r in rows]})
    planner = service_planner(settings, as_of)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        plan = plan_with_forecast(ds, _days_ahead(fc, as_of), planner, as_of=as_of, start=start)
        return states_from_plan(plan, ds, settings, seqs, source="event")


def _served(url: str, ids: list[str]) -> dict[str, dict]:
    store = Store(url)
    with store.read() as conn:
        out = store.get_states(conn, ids)
    store.dispose()
    return out


#: the parts whose every figure must agree (ABC is the full plan's ranking, kept as it was)
PARTS = ("stock", "cover", "stockout", "reorder", "availability", "supply", "lines", "notices")


def test_served_state_after_events_is_the_librarys_from_scratch(shop):
    a, b, c = "SKU-00001", "SKU-00004", "SKU-00006"
    sup = shop.dataset.suppliers
    c_supplier = str(sup.loc[sup["item_id"] == c, "supplier_id"].iloc[0])
    key = {"X-API-Key": shop.write_key}
    with make_client(shop) as client:
        for k, units in enumerate((2, 5, 11)):  # three batches: kept rows used from the 2nd
            events = [
                {"event_id": f"s{k}-{i}", "item_id": i, "units": units, "date": NEXT_DAY}
                for i in (a, b)
            ]
            assert client.post("/v1/events/sales", json={"events": events}, headers=key).is_success
        po = {
            "event_id": "po-1",
            "po_id": "PO-LEAN-1",
            "item_id": c,
            "supplier_id": c_supplier,
            "units": 40,
            "order_date": NEXT_DAY,
            "expected_date": "2025-05-03",
            "date": NEXT_DAY,
        }  # a new purchase order: the item's kept lead times are computed again
        r = client.post("/v1/events/purchase-orders", json={"events": [po]}, headers=key)
        assert r.is_success
        counted = {"event_id": "n-1", "item_id": b, "on_hand_units": 0, "date": NEXT_DAY}
        r = client.post("/v1/events/stock-counts", json={"events": [counted]}, headers=key)
        assert r.is_success
    served = _served(shop.url, ITEMS)
    want = _library_states(shop.url)
    for iid in (a, b, c):
        got = served[iid]
        assert got["event_seq"] == want[iid]["event_seq"] > 0
        assert got["replan_status"] == "current"
        for part in PARTS:
            assert got[part] == want[iid][part], (iid, part)
        vel = {k: v for k, v in got["velocity"].items() if k != "abc"}
        assert vel == {k: v for k, v in want[iid]["velocity"].items() if k != "abc"}, iid
        assert (got["status"], got["reason"]) == (want[iid]["status"], want[iid]["reason"])
        assert got["forecast_model"] == want[iid]["forecast_model"]
    # the events moved the figures: the comparison is not of untouched states
    assert served[b]["stock"]["on_hand_units"] == 0.0
    assert served[b]["availability"]["status"] != "in_stock"
    assert served[a]["velocity"]["velocity_7d"] > 0


def test_kept_lead_times_equal_lead_time_history(shop):
    ds = shop.dataset
    assert ds.purchase_orders is not None
    assert ds.suppliers is not None
    as_of = pd.Timestamp("2025-04-23")
    po = _dated(ds.purchase_orders.reset_index(drop=True), "purchase_orders")
    sup = _dated(ds.suppliers.reset_index(drop=True), "suppliers")
    cache = ProcessCache(paths_mb=0)

    def check(ids: list[str], po: pd.DataFrame) -> None:
        p, s = po[po["item_id"].isin(ids)], sup[sup["item_id"].isin(ids)]
        with assume_valid():
            got = cache.lead_times(p, s, as_of=as_of)
            want = sof.lead_time_history(p, s, as_of=as_of)
        pd.testing.assert_frame_equal(got, want)

    check(ITEMS[:3], po)  # computed
    check(ITEMS[1:2], po)  # kept rows
    check(ITEMS, po)  # some kept, some computed for those alone
    # a purchase-order line of one item changes: its rows are computed again
    moved = po.copy()
    first = moved.index[moved["item_id"] == ITEMS[2]][0]
    moved.loc[first, "expected_date"] += pd.Timedelta(days=9)
    moved.loc[first, "received_date"] = pd.NaT
    check(ITEMS, moved)
    with assume_valid():
        again = sof.lead_time_history(
            moved[moved["item_id"] == ITEMS[2]], sup[sup["item_id"] == ITEMS[2]], as_of=as_of
        )
        before = sof.lead_time_history(
            po[po["item_id"] == ITEMS[2]], sup[sup["item_id"] == ITEMS[2]], as_of=as_of
        )
    assert not again.equals(before)  # the change mattered


def test_trusted_tables_give_the_validated_dataset_and_notes(shop):
    # the store's rows converted as the re-plan reads them, with and without the shortcut
    store = Store(shop.url)
    with store.read() as conn:
        raw = store.items_tables(conn, ITEMS)
        as_of = store.as_of(conn)
    store.dispose()
    tables = {t: _dated(df, t) for t, df in raw.items()}
    full, full_notes = _item_dataset(tables, as_of)
    fast, fast_notes = _item_dataset(tables, as_of, trusted=True)
    assert fast_notes == full_notes
    for name, df in full.tables.items():
        pd.testing.assert_frame_equal(fast.tables[name], df, check_index_type=False)


def test_assume_valid_is_no_public_loophole():
    # outside assume_valid, a frame in the contract's types but with a negative on-hand is
    # an error; inside it passes (for rows validated on their way in only)
    inv = pd.DataFrame(
        {
            "item_id": pd.Series(["A"], dtype="str"),
            "on_hand_units": np.array([-3.0]),
        }
    )
    sales = pd.DataFrame(
        {
            "item_id": pd.Series(["A"], dtype="str"),
            "date": pd.to_datetime(["2024-01-02"]).astype("datetime64[ns]"),
            "units": np.array([1.0]),
        }
    )
    with pytest.raises(SchemaError, match="on_hand_units must not be negative"):
        sof.validate_dataset(sof.Dataset(sales=sales, inventory=inv))
    with assume_valid():
        ds = sof.validate_dataset(sof.Dataset(sales=sales, inventory=inv))
    assert ds.inventory is not None
    assert float(ds.inventory["on_hand_units"].iloc[0]) == -3.0


def test_no_items_reads_nothing(shop):
    store = Store(shop.url)
    settings = ServiceSettings(db_url=shop.url)
    assert warm_items(store, [], settings) == 0
    assert replan_items(store, [], settings) == 0
    store.dispose()

"""The fast update after an event: the re-plan's own figures, ahead of the re-plan.

``fast_items`` runs the re-plan's stages that an event moves (velocity, stockout dates,
order-by date, reorder point) on the same data, forecast, seeds and demand paths; these
tests check that every figure it states is the one the re-plan of the same events states,
that the figures move the way a sale moves them, and that a replayed event changes nothing.
"""

from __future__ import annotations

import copy
import shutil
import threading
import time

from stockout_forecast.service import ServiceSettings
from stockout_forecast.service.events import EVENT_MODELS, apply_events
from stockout_forecast.service.fast import fast_items
from stockout_forecast.service.lane import ReplanLane
from stockout_forecast.service.replan import _save_states, replan_items
from stockout_forecast.service.store import Store

from .conftest import NEXT_DAY

ITEMS = [f"SKU-0000{i}" for i in range(8)]
DAY = NEXT_DAY


def _sell(store: Store, tag: str, units: dict[str, float]) -> dict[str, int]:
    events = [
        EVENT_MODELS["sales"](event_id=f"{tag}-{i}", item_id=i, units=u, date=DAY)
        for i, u in units.items()
    ]
    _, touched = apply_events(store, "sales", events, DAY)
    return touched


def _states(store: Store, ids: list[str]) -> dict[str, dict]:
    with store.read() as conn:
        return store.get_states(conn, ids)


def test_fast_figures_equal_the_replans_of_the_same_events(shop):
    store = Store(shop.url)
    settings = ServiceSettings(db_url=shop.url)
    touched = _sell(store, "s", {i: 1.0 + k for k, i in enumerate(ITEMS)})
    assert fast_items(store, ITEMS, settings) == len(ITEMS)
    fast = _states(store, ITEMS)
    replan_items(store, ITEMS, settings)
    full = _states(store, ITEMS)
    store.dispose()
    stated = 0
    for iid in ITEMS:
        f = fast[iid]
        assert f["replan_status"] == "fast"
        assert f["fast"]["event_seq"] == touched[iid]
        # the re-plan had not run yet: its seq is behind the fast update's
        assert f["event_seq"] < touched[iid] == full[iid]["event_seq"]
        for part, values in f["fast"]["fields"].items():
            for col, value in values.items():
                assert full[iid][part][col] == value, (iid, part, col)
                assert f[part][col] == value  # and it is what a read shows
                stated += 1
        assert full[iid]["replan_status"] == "current"
        assert full[iid]["fast"] is None
        pending = set(f["fast"]["pending"])
        assert {"reorder.supplier_split", "lines", "notices"} <= pending
        # order now / units: stated when the policy orders nothing, else the draft POs'
        said = "order_now" in f["fast"]["fields"]["reorder"]
        assert said != ("reorder.order_now" in pending), iid
        if said:
            assert f["reorder"]["order_now"] is False
    assert stated >= len(ITEMS) * 15
    # both cases occur in the shop
    assert any("reorder.order_now" in fast[i]["fast"]["pending"] for i in ITEMS)
    assert any("order_now" in fast[i]["fast"]["fields"]["reorder"] for i in ITEMS)


def _fast_after(shop, tmp_path, name: str, kind: str, body: dict) -> dict:
    """The item's fast figures after one event on a copy of the shop's store."""
    path = tmp_path / f"{name}.db"
    shutil.copy(shop.path, path)
    url = f"sqlite:///{path}"
    store = Store(url)
    ev = EVENT_MODELS[kind](event_id=name, item_id="SKU-00002", date=DAY, **body)
    apply_events(store, kind, [ev], DAY)
    assert fast_items(store, ["SKU-00002"], ServiceSettings(db_url=url)) == 1
    st = _states(store, ["SKU-00002"])["SKU-00002"]
    store.dispose()
    return st


def test_a_sale_moves_velocity_and_stockout_dates_earlier(shop, tmp_path):
    iid = "SKU-00002"
    on_hand = float(shop.dataset.inventory.set_index("item_id").loc[iid, "on_hand_units"])
    assert on_hand >= 20
    # the same day, the same stock-keeping: a count of what is there, or a large sale
    same = _fast_after(shop, tmp_path, "count", "stock-counts", {"on_hand_units": on_hand})
    sold = _fast_after(shop, tmp_path, "sale", "sales", {"units": on_hand // 2})
    assert sold["stock"]["on_hand_units"] == on_hand - on_hand // 2
    assert sold["velocity"]["velocity_7d"] > same["velocity"]["velocity_7d"]
    assert sold["velocity"]["velocity_28d"] > same["velocity"]["velocity_28d"]
    s, c = sold["stockout"], same["stockout"]
    assert s["stockout_date_p50"] < c["stockout_date_p50"]
    assert s["stockout_date_p10"] <= c["stockout_date_p10"]
    assert s["p_stockout_in_horizon"] >= c["p_stockout_in_horizon"]
    by = {x["date"]: x["p_stockout"] for x in c["p_stockout_by"]}
    assert all(x["p_stockout"] >= by[x["date"]] for x in s["p_stockout_by"])
    assert sold["cover"]["days_of_cover"] < same["cover"]["days_of_cover"]


def test_a_replayed_event_changes_nothing(shop):
    store = Store(shop.url)
    settings = ServiceSettings(db_url=shop.url)
    _sell(store, "r", {"SKU-00001": 3.0})
    assert fast_items(store, ["SKU-00001"], settings) == 1
    before = _states(store, ["SKU-00001"])
    # the same event again: a duplicate, no item to update; a fast update of the same
    # events again leaves the state as it is
    assert _sell(store, "r", {"SKU-00001": 3.0}) == {}
    assert fast_items(store, ["SKU-00001"], settings) == 0
    assert _states(store, ["SKU-00001"]) == before
    store.dispose()


def test_a_replan_of_earlier_events_keeps_the_later_fast_update(shop):
    iid = "SKU-00003"
    store = Store(shop.url)
    settings = ServiceSettings(db_url=shop.url)
    first = _sell(store, "a", {iid: 2.0})[iid]
    replan_items(store, [iid], settings)
    replanned = copy.deepcopy(_states(store, [iid])[iid])
    second = _sell(store, "b", {iid: 9.0})[iid]
    assert fast_items(store, [iid], settings) == 1
    fast = _states(store, [iid])[iid]["fast"]
    # a re-plan that read the store before the second sale lands after its fast update
    with store.write() as conn:
        assert _save_states(store, conn, {iid: replanned}, {iid: first}, settings) == 1
    st = _states(store, [iid])[iid]
    assert st["event_seq"] == first
    assert st["fast"]["event_seq"] == second
    assert st["replan_status"] == "fast"
    assert st["stockout"]["stockout_date_p50"] == fast["fields"]["stockout"]["stockout_date_p50"]
    store.dispose()


def test_the_lane_shows_fast_figures_while_the_replan_waits(shop):
    store = Store(shop.url)
    settings = ServiceSettings(
        db_url=shop.url, replan_workers=0, replan_warm=False, fast_updates=True
    )
    gate = threading.Event()

    def held_replan(s, ids, st):
        gate.wait(30)
        return replan_items(s, ids, st)

    lane = ReplanLane(store, settings, compute=held_replan)
    lane.start()
    try:
        touched = _sell(store, "l", {"SKU-00004": 1.0})
        lane.submit(touched)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            st = _states(store, ["SKU-00004"])["SKU-00004"]
            if (st.get("fast") or {}).get("event_seq") == touched["SKU-00004"]:
                break
            time.sleep(0.05)
        assert st["replan_status"] == "fast"
        assert st["event_seq"] < touched["SKU-00004"]  # the re-plan is held
        gate.set()
        assert lane.wait(touched, 30)
        st = _states(store, ["SKU-00004"])["SKU-00004"]
        assert st["replan_status"] == "current"
        assert st["event_seq"] == touched["SKU-00004"]
    finally:
        gate.set()
        lane.stop()
        store.dispose()

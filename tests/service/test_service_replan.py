"""The re-plan after events: equal to a re-plan from the store, and to the full plan.

The lane re-plans the items of events in batches, on the full plan's stored forecast, with
history rows and demand paths kept in memory between batches. These tests check that what
it shows is what a re-plan reading everything from the store gives, and where that equals
the nightly full plan (``plan_store``).
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import numpy as np
import pandas as pd

from stockout_forecast.service import ServiceSettings
from stockout_forecast.service.replan import process_cache, replan_items, warm_items
from stockout_forecast.service.state import plan_store
from stockout_forecast.service.store import Store

from .conftest import AS_OF, NEXT_DAY, Shop, make_client

ITEMS = [f"SKU-0000{i}" for i in range(8)]
#: what differs between two computations of one state by design: when, and by which path
_BOOKKEEPING = {"computed_at", "source", "forecast"}


def _states(url: str, ids: list[str]) -> dict[str, dict]:
    store = Store(url)
    try:
        with store.read() as conn:
            return store.get_states(conn, ids)
    finally:
        store.dispose()


def _figures(state: dict, *, notes: bool = True) -> dict:
    skip = _BOOKKEEPING | (set() if notes else {"notes"})
    return {k: v for k, v in state.items() if k not in skip}


def _copy_store(shop: Shop, to: Path) -> str:
    """A consistent copy of the shop's store (SQLite's backup: the WAL is included)."""
    src, dst = sqlite3.connect(shop.path), sqlite3.connect(to)
    with dst:
        src.backup(dst)
    src.close()
    dst.close()
    return f"sqlite:///{to}"


def test_replan_of_every_item_with_no_event_is_the_full_plan(shop):
    # the stages on the stored forecast, every item in the batch: the plan's own figures
    nightly = _states(shop.url, ITEMS)
    store = Store(shop.url)
    assert replan_items(store, ITEMS, ServiceSettings(db_url=shop.url), keep=False) == 8
    store.dispose()
    again = _states(shop.url, ITEMS)
    for iid in ITEMS:
        assert again[iid]["source"] == "event"
        assert again[iid]["forecast"] == {
            "made_for": AS_OF,
            "refit": False,
            "horizon_days": 90,
        }
        assert _figures(again[iid]) == _figures(nightly[iid]), iid


def test_one_item_alone_draws_the_full_plans_demand_paths(shop):
    # the item is simulated on its row of the plan's forecast: same paths, same stockout
    # dates, whatever else is (not) in the batch
    nightly = _states(shop.url, ITEMS)
    store = Store(shop.url)
    for iid in ("SKU-00001", "SKU-00006"):
        replan_items(store, [iid], ServiceSettings(db_url=shop.url), keep=False)
    store.dispose()
    alone = _states(shop.url, ITEMS)
    for iid in ("SKU-00001", "SKU-00006"):
        for part in ("stock", "velocity", "cover", "stockout", "availability"):
            assert alone[iid][part] == nightly[iid][part], (iid, part)
        assert alone[iid]["lines"] == nightly[iid]["lines"]


def _post(client, kind: str, events: list[dict], writer: dict) -> dict:
    r = client.post(f"/v1/events/{kind}", json={"events": events}, headers=writer)
    assert r.status_code == 200, r.text
    out = r.json()
    assert all(x["state"] == "current" for x in out["items"]), out
    return out


def _kept_items(url: str) -> set[str]:
    store = Store(url)
    kept = set(process_cache(store, ServiceSettings(db_url=url)).kept)
    store.dispose()
    return kept


def test_lane_state_equals_a_replan_read_from_the_store(shop, writer, tmp_path):
    a, b, c = "SKU-00000", "SKU-00003", "SKU-00005"
    sup = shop.dataset.suppliers
    c_supplier = str(sup.loc[sup["item_id"] == c, "supplier_id"].iloc[0])
    with make_client(shop) as client:
        # batch 1: the lane reads the items' history in full and keeps the old rows
        _post(
            client,
            "sales",
            [
                {"event_id": f"e1-{i}", "item_id": i, "units": 2, "date": NEXT_DAY}
                for i in (a, b, c)
            ],
            writer,
        )
        assert {a, b, c} <= _kept_items(shop.url)
        b1 = _states(shop.url, [b])[b]
        # batch 2: two more sales of a (coalesced: one re-plan), a late sale of b (before
        # the rows kept: they are read again), a new purchase order for c
        _post(
            client,
            "sales",
            [
                {"event_id": "e2-a1", "item_id": a, "units": 3, "date": NEXT_DAY},
                {"event_id": "e2-a2", "item_id": a, "units": 1, "date": NEXT_DAY},
                {"event_id": "e2-b", "item_id": b, "units": 7, "date": "2025-03-24"},
            ],
            writer,
        )
        _post(
            client,
            "purchase-orders",
            [
                {
                    "event_id": "e2-c",
                    "po_id": "PO-NEW-1",
                    "item_id": c,
                    "supplier_id": c_supplier,
                    "units": 30,
                    "order_date": NEXT_DAY,
                    "expected_date": "2025-05-02",
                    "date": NEXT_DAY,
                }
            ],
            writer,
        )
        lane = _states(shop.url, [a, b, c])
    # the late sale (31 days back) is in b's 90-day velocity, not in its 28-day one
    assert lane[b]["velocity"]["velocity_90d"] > b1["velocity"]["velocity_90d"]
    assert lane[b]["velocity"]["velocity_28d"] == b1["velocity"]["velocity_28d"]
    # the same store read from scratch: every figure equal (the notes are the data
    # warnings of the batch, whose wording counts the batch's items)
    url = _copy_store(shop, tmp_path / "copy.db")
    copy = Store(url)
    replan_items(copy, [a, b, c], ServiceSettings(db_url=url), keep=False)
    copy.dispose()
    fresh = _states(url, [a, b, c])
    for iid in (a, b, c):
        assert lane[iid]["event_seq"] == fresh[iid]["event_seq"]
        assert _figures(lane[iid], notes=False) == _figures(fresh[iid], notes=False), iid
        assert all("unit_price" in n for n in lane[iid]["notes"])
    # and the nightly full re-plan of that store: same stock, velocity and cover (its
    # forecast is fitted again on the new history, so its stockout dates differ)
    copy = Store(url)
    plan_store(copy, ServiceSettings(db_url=url))
    copy.dispose()
    full = _states(url, [a, b, c])
    for iid in (a, b, c):
        for part in ("stock", "cover"):
            assert lane[iid][part] == full[iid][part], (iid, part)
        for k in ("velocity_7d", "velocity_28d", "velocity_90d", "trend_ratio"):
            assert lane[iid]["velocity"][k] == full[iid]["velocity"][k], (iid, k)


def test_old_forecast_is_made_again_for_the_item_alone(shop, writer):
    # forecast_max_age_days=0: the plan's forecast (made for AS_OF) is too old the next day
    with make_client(shop, forecast_max_age_days=0) as client:
        ev = {"event_id": "o1", "item_id": "SKU-00002", "units": 1, "date": NEXT_DAY}
        _post(client, "sales", [ev], writer)
        st = client.get("/v1/items/SKU-00002").json()
        assert st["forecast"] == {"made_for": NEXT_DAY, "refit": True, "horizon_days": 90}
        assert st["stockout"]["stockout_date_p50"] is not None
        # the next event of the day re-uses that forecast
        ev = {"event_id": "o2", "item_id": "SKU-00002", "units": 1, "date": NEXT_DAY}
        _post(client, "sales", [ev], writer)
        st = client.get("/v1/items/SKU-00002").json()
        assert st["forecast"] == {"made_for": NEXT_DAY, "refit": False, "horizon_days": 90}
    store = Store(shop.url)
    with store.read() as conn:
        made_for, row, payload = store.get_forecasts(conn, ["SKU-00002"])["SKU-00002"]
        other = store.get_forecasts(conn, ["SKU-00004"])["SKU-00004"]
    store.dispose()
    assert (made_for, row) == (pd.Timestamp(NEXT_DAY), None)
    assert payload["items"][0]["item_id"] == "SKU-00002"
    assert other[0] == pd.Timestamp(AS_OF)  # untouched: the plan's forecast and row
    assert other[1] == 4


def test_kept_paths_are_the_ones_drawn_again(shop):
    # the paths kept per seed block are exactly what a fresh draw gives (kept per block when
    # the arrays of every row's paths and running sums do not fit in replan_paths_mb)
    settings = ServiceSettings(db_url=shop.url, replan_paths_mb=4)
    store = Store(shop.url)
    assert warm_items(store, ITEMS, settings) == 8  # history kept, the block's paths drawn
    cache = process_cache(store, settings)
    assert set(cache.kept) == set(ITEMS)
    n_kept = len(cache.forecast_ahead(pd.Timestamp(AS_OF)).kept.arrays)
    replan_items(store, ["SKU-00001"], settings)  # draws nothing new
    assert cache.plan_forecast is not None
    kept = cache.forecast_ahead(cache.plan_made_for)
    assert kept.kept is not None
    assert kept.whole is not None
    assert kept.whole.arrays is None  # 2 x 8 items x 500 paths x 90 days x 8 bytes > 4 MB
    assert len(kept.kept.arrays) == n_kept == 1
    ((key, paths),) = kept.kept.arrays.items()
    assert not paths.flags.writeable
    rng = np.random.default_rng(np.random.SeedSequence(key[4], spawn_key=key[5]))
    fresh = cache.plan_forecast.sample_paths(key[3], random_state=rng, items=slice(0, 8))
    np.testing.assert_array_equal(paths, fresh)
    store.dispose()


def test_kept_path_arrays_hold_the_paths_drawn_again_and_their_running_sums(shop):
    # with the default replan_paths_mb every row's paths and running sums are kept in one
    # pair of arrays, filled at the warm-up: exactly a fresh draw of the block, and its cumsum
    settings = ServiceSettings(db_url=shop.url)
    store = Store(shop.url)
    assert warm_items(store, ITEMS, settings) == 8
    cache = process_cache(store, settings)
    kept = cache.forecast_ahead(pd.Timestamp(AS_OF))
    assert kept.whole is not None
    assert kept.whole.arrays is not None
    assert kept.whole.key is not None
    paths, ready, cum, cum_ready = kept.whole.arrays
    assert ready.all()
    assert cum_ready.all()
    assert not kept.kept.arrays  # the blocks are not kept twice
    replan_items(store, ["SKU-00001"], settings)
    assert kept.whole.arrays[0] is paths  # the same arrays, read again
    n_paths, horizon, entropy, block_offset = kept.whole.key
    rng = np.random.default_rng(np.random.SeedSequence(entropy, spawn_key=(0, block_offset)))
    fresh = cache.plan_forecast.sample_paths(n_paths, random_state=rng, items=slice(0, 8))
    np.testing.assert_array_equal(paths, fresh[:, :, :horizon])
    np.testing.assert_array_equal(cum, np.cumsum(fresh[:, :, :horizon], axis=2))
    store.dispose()


def test_stopping_a_worker_whose_pipe_is_gone_does_not_raise(shop):
    # make test once failed under load: the worker died while starting (EOFError), then
    # stop() closed a pipe whose descriptor was already closed (EBADF) in the lane's thread
    import multiprocessing
    import os

    from stockout_forecast.service.lane import _Worker

    store = Store(shop.url)
    w = _Worker(store, ServiceSettings())
    mine, theirs = multiprocessing.get_context("spawn").Pipe()
    theirs.close()
    os.close(mine.fileno())  # the descriptor is gone; the Connection does not know
    w.conn = mine
    w.stop(0.1)
    assert w.conn is None
    store.dispose()

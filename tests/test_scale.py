"""The chunked plan (issue 11): the same plan for any chunk size, chunks equal to one run.

Invariants, not figures: a plan computed chunk by chunk must equal, table for table and
bit for bit, the plan computed over all items at once with the same seed.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from pandas.testing import assert_frame_equal

import stockout_forecast as sof
from stockout_forecast.forecast.core import _forecast_demand
from stockout_forecast.scale.partition import make_chunks, split_dataset
from stockout_forecast.scale.state import sample_items


@pytest.fixture(scope="module")
def shop() -> sof.Dataset:
    return sof.make_demo_dataset(n_items=200, n_days=400, random_state=7)


@pytest.fixture(scope="module")
def whole(shop: sof.Dataset) -> sof.ReorderPlan:
    # state from a sample of 120 of the 200 items: chunks then forecast some items with
    # the pooled state and take the others from the first pass
    return sof.ReorderPlanner(state_sample_items=120, random_state=3).run(shop)


def assert_same_plan(a: sof.ReorderPlan, b: sof.ReorderPlan) -> None:
    ta, tb = a.tables(), b.tables()
    assert list(ta) == list(tb)
    for name in ta:
        assert_frame_equal(ta[name], tb[name], obj=name)
    assert np.array_equal(a.stockouts.p_stockout, b.stockouts.p_stockout, equal_nan=True)
    assert np.array_equal(a.forecast.mean, b.forecast.mean, equal_nan=True)


def test_chunked_plan_equals_the_unchunked_plan(shop, whole):
    assert len(whole.history.item_ids) > 128  # more than two chunks below
    chunked = sof.ReorderPlanner(
        state_sample_items=120, random_state=3, chunk_size=64, n_jobs=2
    ).run(shop)
    assert_same_plan(whole, chunked)
    assert whole.orders["order_now"].sum() > 0  # something was ordered and split
    assert len(whole.purchase_plan.lines) > 0


def test_another_chunk_size_gives_the_same_plan(shop, whole):
    assert_same_plan(
        whole, sof.ReorderPlanner(state_sample_items=120, random_state=3, chunk_size=130).run(shop)
    )


def test_another_seed_gives_another_plan(shop, whole):
    other = sof.ReorderPlanner(state_sample_items=120, random_state=4, chunk_size=64).run(shop)
    assert not np.array_equal(
        whole.stockouts.p_stockout, other.stockouts.p_stockout, equal_nan=True
    )


def test_chunks_are_id_ranges_on_seed_blocks(shop):
    ids = np.asarray(sorted(shop.sales["item_id"].unique()), dtype=object)
    chunks = make_chunks(ids, 100)  # rounded up to 128 = two seed blocks
    assert list(chunks.starts) == list(range(0, len(ids), 128))
    parts = split_dataset(shop, chunks)
    got = pd.concat([p.sales for p in parts]).sort_index()
    assert_frame_equal(got, shop.sales)  # every row in exactly one chunk
    for c, p in enumerate(parts):
        assert (chunks.of(p.sales["item_id"]) == c).all()
        assert chunks.block_offset(c) == c * 2


def test_forecast_of_a_chunk_with_the_pool_equals_its_rows_of_the_whole(shop):
    hist = sof.demand_history(shop.sales, shop.stock_history)
    fc, info = _forecast_demand(hist, horizon=28, random_state=0)
    ids = np.asarray(hist.item_ids)
    part, _ = _forecast_demand(
        hist.subset(ids[40:90]), horizon=28, random_state=0, pool=info["pool"]
    )
    for name in ("mean", "quantiles", "dispersion", "level_correlation", "model"):
        assert np.array_equal(getattr(fc, name)[40:90], getattr(part, name)), name


def test_stockout_dates_of_a_chunk_equal_its_rows_of_the_whole():
    dates = pd.date_range("2025-01-01", periods=30)
    ids = np.array([f"I{i:03d}" for i in range(200)])
    rng = np.random.default_rng(1)
    fc = sof.DemandForecast.from_mean(ids, dates, np.repeat(rng.gamma(2.0, 1.0, (200, 1)), 30, 1))
    inv = pd.DataFrame({"item_id": ids, "on_hand_units": rng.integers(0, 60, 200)})
    whole = sof.stockout_dates(fc, inv, n_paths=200, random_state=5)
    rows = np.arange(128, 200)  # the third seed block onwards
    part_fc = sof.DemandForecast.from_mean(ids[rows], dates, fc.mean[rows])
    part = sof.stockout_dates(
        part_fc, inv.iloc[rows], n_paths=200, random_state=5, block_offset=2, keep_paths=True
    )
    assert np.array_equal(whole.p_stockout[rows], part.p_stockout)
    # without the offset the chunk would draw the first blocks' paths
    moved = sof.stockout_dates(part_fc, inv.iloc[rows], n_paths=200, random_state=5)
    assert not np.array_equal(whole.p_stockout[rows], moved.p_stockout)


def test_state_sample_is_chosen_by_id_alone():
    ids = np.array([f"SKU-{i:05d}" for i in range(1000)], dtype=object)
    a = sample_items(ids, 100)
    b = sample_items(ids[::-1], 100)
    assert len(a) == 100
    assert list(a) == list(b)
    assert len(sample_items(ids[:50], 100)) == 50

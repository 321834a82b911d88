"""The plan on a Dask cluster equals the single-process plan (issue 11).

A local cluster of two worker processes on 127.0.0.1, started and stopped by the test.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from pandas.testing import assert_frame_equal

import stockout_forecast as sof

distributed = pytest.importorskip("distributed")


@pytest.fixture(scope="module")
def client():
    from stockout_forecast.scale.distributed import local_cluster

    c = local_cluster(2, memory_limit="3GiB")
    yield c
    cluster = c.cluster
    c.close()
    cluster.close()


@pytest.mark.slow
def test_dask_plan_equals_single_process_plan(client):
    shop = sof.make_demo_dataset(n_items=2000, n_days=200, random_state=11)
    planner = sof.ReorderPlanner(
        n_paths=100, random_state=5, chunk_size=512, state_sample_items=1500
    )
    one = planner.run(shop)
    assert len(client.scheduler_info()["workers"]) == 2
    many = planner.run(shop, client=client)
    ta, tb = one.tables(), many.tables()
    assert list(ta) == list(tb)
    for name in ta:
        assert_frame_equal(ta[name], tb[name], obj=name)
    assert np.array_equal(one.stockouts.p_stockout, many.stockouts.p_stockout, equal_nan=True)
    assert len(one.summary()) >= 2000
    assert one.orders["order_now"].sum() > 0


@pytest.mark.slow
def test_dask_plan_from_partitioned_parquet_equals_single_process_plan(client, tmp_path):
    from stockout_forecast.datasets.partitioned import write_demo_parquet
    from stockout_forecast.scale.distributed import run_on_dask_parquet

    data = write_demo_parquet(tmp_path / "shop", 300, 150, partition_items=110, random_state=3)
    planner = sof.ReorderPlanner(n_paths=100, chunk_size=128, state_sample_items=250)
    one = planner.run(sof.read_dataset(data))
    out = tmp_path / "plan"
    tables = run_on_dask_parquet(planner, data, client, out)

    def parts(name: str) -> pd.DataFrame:
        files = sorted((out / name).glob("part-*.parquet"))
        assert len(files) == 3  # one per chunk of 128 items
        return pd.concat([pd.read_parquet(f) for f in files], ignore_index=True)

    assert_frame_equal(parts("orders"), one.orders)
    assert_frame_equal(parts("stockouts"), one.stockouts.summary)
    assert_frame_equal(parts("velocity"), one.velocity)
    assert_frame_equal(parts("availability"), one.availability)
    assert_frame_equal(tables["purchase_order_lines"], one.purchase_plan.lines)
    assert_frame_equal(tables["purchase_orders"], one.purchase_plan.purchase_orders)
    cols = ["item_id", "abc_value", "abc_share_cum", "abc"]
    assert_frame_equal(tables["abc"], one.demand_classes[cols])
    assert_frame_equal(pd.read_parquet(out / "purchase_orders.parquet"), tables["purchase_orders"])
    # the same chunks one after the other in this process (no cluster)
    serial = planner.write_plan(data, tmp_path / "serial")
    assert_frame_equal(serial["purchase_order_lines"], tables["purchase_order_lines"])
    for name in ("orders", "stockouts", "availability"):
        got = pd.concat(
            [pd.read_parquet(f) for f in sorted((tmp_path / "serial" / name).glob("*.parquet"))],
            ignore_index=True,
        )
        assert_frame_equal(got, parts(name))

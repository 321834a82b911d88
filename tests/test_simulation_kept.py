"""The simulation on kept paths and running sums equals the simulation drawing them.

A forecast that keeps its demand paths between calls (the service's ``_KeptPaths``:
``kept_path_arrays``) lets the engine read each row's running sums instead of summing the
paths again, and run the items without an open order against their stock alone. Those are
a second code path to the same figures: every figure must be identical (not close) to a
plain simulation of the same forecast and seed, whatever the items asked for, their stock
(owed units included), their open orders (deterministic, late-prone, overdue, beyond the
horizon) and whether the arrays were filled by an earlier call.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from stockout_forecast.forecast.result import DemandForecast
from stockout_forecast.service._cache import _KeptPaths, _PathStore
from stockout_forecast.simulation.engine import item_chunks, run_chunk, scenario_of, with_orders
from stockout_forecast.simulation.stockout import projected_inventory, stockout_dates

START = pd.Timestamp("2024-03-01")


def _case(seed: int, n: int = 150, h: int = 30):
    """A forecast, inventory, open orders and lead-time spreads of ``n`` items (3 seed blocks)."""
    rng = np.random.default_rng(seed)
    ids = [f"S{i:03d}" for i in range(n)]
    mean = rng.gamma(1.5, 1.5, size=(n, 1)) * np.ones((1, h))
    fc = DemandForecast.from_mean(ids, pd.date_range(START, periods=h), mean)
    inv = pd.DataFrame(
        {
            "item_id": ids,
            "on_hand_units": rng.integers(0, 60, n).astype(float),
            "backordered_units": np.where(rng.random(n) < 0.2, rng.integers(1, 20, n), 0.0),
            "allocated_units": np.where(rng.random(n) < 0.2, rng.integers(1, 5, n), 0.0),
        }
    )
    with_po = rng.choice(ids, n // 3, replace=False)
    lines = []
    for k, iid in enumerate(with_po):
        for j in range(1 + k % 2):
            day = int(rng.integers(-5, h + 10))  # overdue, in the horizon, beyond it
            lines.append((f"P{k}-{j}", iid, f"S{(k + j) % 3}", float(rng.integers(5, 40)), day))
    po = pd.DataFrame(
        {
            "po_id": [r[0] for r in lines],
            "item_id": [r[1] for r in lines],
            "supplier_id": [r[2] for r in lines],
            "units": [r[3] for r in lines],
            "order_date": [START - pd.Timedelta(days=30)] * len(lines),
            "expected_date": [START + pd.Timedelta(days=r[4]) for r in lines],
        }
    )
    # supplier S2 has no spread: its lines arrive on their expected date
    lt = pd.DataFrame(
        {
            "item_id": np.repeat(ids, 2),
            "supplier_id": ["S0", "S1"] * n,
            "lead_time_sd_days": np.tile([3.0, 1.5], n),
            "on_time_rate": np.tile([0.5, 0.8], n),
        }
    )
    return ids, fc, inv, po, lt


def _same(a, b) -> None:
    pd.testing.assert_frame_equal(a.summary, b.summary, check_exact=True)
    np.testing.assert_array_equal(a.p_stockout, b.p_stockout)


@pytest.mark.parametrize("seed", [0, 1])
@pytest.mark.parametrize("spread", [True, False])
def test_kept_running_sums_give_the_figures_of_a_plain_run(seed: int, spread: bool) -> None:
    ids, fc, inv, po, lt = _case(seed)
    kept = _KeptPaths.of(fc, _PathStore(2**30))
    rng = np.random.default_rng(seed + 10)
    lt_arg = lt if spread else None
    subsets = [sorted(rng.choice(ids, k, replace=False)) for k in (1, 40, 80, 150, 40)]
    for items in subsets:  # the first calls fill the kept arrays, the later ones read them
        kw = dict(items=items, n_paths=120, lead_time_uncertainty=lt_arg, random_state=seed)
        plain = stockout_dates(fc, inv, po, **kw)
        got = stockout_dates(kept, inv, po, keep_paths=True, **kw)
        _same(got, plain)
        sc = scenario_of(got)
        assert sc is not None
        assert sc.cum_ready is not None
        assert sc.cum_ready[sc.fpos].all()  # the kept sums were used
    # lost sales and the projection take the general path on the same kept arrays
    kw = dict(items=subsets[1], n_paths=120, lead_time_uncertainty=lt_arg, random_state=seed)
    lost = stockout_dates(kept, inv, po, keep_paths=True, lost_sales=True, **kw)
    _same(lost, stockout_dates(fc, inv, po, lost_sales=True, **kw))
    pd.testing.assert_frame_equal(
        projected_inventory(stockout_dates(kept, inv, po, keep_paths=True, **kw)),
        projected_inventory(stockout_dates(fc, inv, po, **kw)),
        check_exact=True,
    )


def test_kept_sums_with_what_if_orders_and_given_paths() -> None:
    """``run_chunk`` with an extra order per item and the kept paths passed in (as the
    order recommendation calls it) gives what a scenario without kept sums gives."""
    ids, fc, inv, po, lt = _case(3)
    kept = _KeptPaths.of(fc, _PathStore(2**30))
    kw = dict(n_paths=100, lead_time_uncertainty=lt, random_state=4)
    sc_k = scenario_of(stockout_dates(kept, inv, po, keep_paths=True, **kw))
    sc_p = scenario_of(stockout_dates(fc, inv, po, keep_paths=True, **kw))
    assert sc_k is not None
    assert sc_p is not None
    assert sc_p.cum_paths is None
    rows = np.arange(0, len(ids), 3)
    extra = dict(offset_days=rows % 20, units=np.full(len(rows), 25.0))
    for sc in (sc_k, sc_p):
        object.__setattr__(sc, "_w", with_orders(sc, rows, **extra))
    for chunk in item_chunks(sc_k, rows):
        src = sc_k.paths[chunk.forecast_rows]
        a = run_chunk(sc_k._w, chunk, paths=src)  # type: ignore[attr-defined]
        b = run_chunk(sc_p._w, chunk, paths=src)  # type: ignore[attr-defined]
        for x, y in zip(a[:3], b[:3], strict=True):
            np.testing.assert_array_equal(np.broadcast_to(x, np.broadcast(x, y).shape), y)


def test_kept_arrays_are_dropped_for_another_seed_and_not_kept_past_the_limit() -> None:
    _, fc, inv, po, lt = _case(5, n=70, h=12)
    kept = _KeptPaths.of(fc, _PathStore(2**30))
    for seed in (1, 2, 1):
        kw = dict(n_paths=50, lead_time_uncertainty=lt, random_state=seed)
        _same(
            stockout_dates(kept, inv, po, keep_paths=True, **kw), stockout_dates(fc, inv, po, **kw)
        )
    small = _KeptPaths.of(fc, _PathStore(2 * 70 * 50 * 12 * 8 - 1))
    assert small.kept_path_arrays(n_paths=50, horizon=12, entropy=1, block_offset=0) is None
    kw = dict(n_paths=50, random_state=1)
    got = stockout_dates(small, inv, po, keep_paths=True, **kw)
    assert scenario_of(got).cum_paths is None  # type: ignore[union-attr]
    _same(got, stockout_dates(fc, inv, po, **kw))


def _reference_flags(fstat: pd.DataFrame, item_ids: np.ndarray):
    """``scenario._forecast_flags`` as it was (pandas reindex), the reference."""
    idx = pd.Index(item_ids)
    fs = fstat["status"].astype("str").set_axis(fstat.index.astype("str"))
    f_status = fs.reindex(idx).fillna("ok")
    f_reason = pd.Series("", index=idx, dtype="str")
    if "reason" in fstat.columns:
        fr = fstat["reason"].astype("str").set_axis(fstat.index.astype("str"))
        f_reason = fr.reindex(idx).fillna("").replace("nan", "")
    return f_status.to_numpy(dtype=object), f_reason.to_numpy(dtype=object)


@pytest.mark.parametrize("with_reason", [True, False])
def test_forecast_flags_by_position_are_the_reindexed_ones(with_reason: bool) -> None:
    from stockout_forecast.simulation.scenario import _forecast_flags

    rng = np.random.default_rng(7)
    ids = np.asarray([f"I{i}" for i in range(40)], dtype=object)
    fstat = pd.DataFrame(
        {
            "status": pd.array(rng.choice(["ok", "flat", None, "no_data"], 30), dtype="str"),
            "reason": pd.array(rng.choice(["", "few sales", None, "nan"], 30), dtype="str"),
        },
        index=pd.Index(rng.permutation(ids)[:30], name="item_id"),
    )
    if not with_reason:
        fstat = fstat.drop(columns="reason")

    class Fc:
        status = fstat

    asked = np.asarray([*rng.permutation(ids)[:25].tolist(), "ZZ"], dtype=object).astype(str)
    got = _forecast_flags(Fc(), asked)
    want = _reference_flags(fstat, asked)
    for g, w in zip(got, want, strict=True):
        assert g.dtype == object
        assert g.tolist() == w.tolist()
    assert {"ok", "flat", "no_data"} <= set(got[0].tolist())
    if with_reason:
        assert {"", "few sales"} == set(got[1].tolist())


def test_lateness_params_take_the_last_row_of_a_pair() -> None:
    from stockout_forecast.simulation.scenario import _lateness_params

    lt = pd.DataFrame(
        {
            "item_id": ["A", "A", "B", "B", "C"],
            "supplier_id": ["S1", "S1", "S1", "S2", "S1"],
            "lead_time_sd_days": [-1.0, 2.0, 0.0, 3.0, 1.0],  # the first A/S1 row is replaced
            "on_time_rate": [0.5, 0.9, 1.0, np.nan, 0.7],
        }
    )
    po = pd.DataFrame(
        {"item_id": ["A", "B", "B", "C", "D"], "supplier_id": ["S1"] * 2 + ["S2"] * 3}
    )
    p_on, scale, missing = _lateness_params(po, lt)
    # A/S1: last row (2 days, 0.9); B/S1: no spread, always on time -> deterministic;
    # B/S2: 3 days, no rate -> 0.5; C/S2 and D/S2: no row
    np.testing.assert_array_equal(p_on, [0.9, np.nan, 0.5, np.nan, np.nan])
    np.testing.assert_array_equal(scale, [2.0, np.nan, 3.0, np.nan, np.nan])
    np.testing.assert_array_equal(missing, [False, False, False, True, True])
    with pytest.raises(Exception, match="must not be negative"):
        _lateness_params(po, lt.iloc[[1, 0, 2, 3, 4]])  # now the negative row is the last

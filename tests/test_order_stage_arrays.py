"""The order stages' array code against the pandas code it replaced, on generated cases.

``recommend_orders`` picks each item's supplier on arrays (``_best_supplier_rows``) for
speed; ``choose_supplier`` keeps the rule as pandas code (filter, sort, first per item). The
two must pick the same row whatever the ties, missing lead times and stockout dates.
``max_units`` sums whole-unit capacities on arrays and leaves fractional ones to pandas'
grouped sum; both paths must give the former totals. ``plan_purchase_orders`` adds up to
two lines per item or supplier on arrays and more with pandas' grouped sum: the same floats.
``lead_time_demand_samples`` sums the paths one period at a time (np.cumsum's sums), and the
what-if run counts paths out by each period from one histogram.
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from stockout_forecast.policy._recommend_inputs import choose_supplier, max_units
from stockout_forecast.policy._recommend_items import _best_supplier_rows
from stockout_forecast.policy.empirical import lead_time_demand_samples
from stockout_forecast.policy.recommend import _paths_out_by
from stockout_forecast.supply.purchase_orders import _group_sums


def _case(seed: int) -> tuple[SimpleNamespace, pd.DataFrame, pd.Timestamp]:
    rng = np.random.default_rng(seed)
    n_items = int(rng.integers(1, 8))
    ids = np.array([f"I{k}" for k in range(n_items)])
    as_of = pd.Timestamp("2024-03-01")
    # P50 stockout per item: none (NaT), soon, or later; a few items with no supplier
    p50 = as_of + pd.to_timedelta(rng.integers(0, 30, n_items), unit="D")
    p50 = p50.where(rng.random(n_items) > 0.3, pd.NaT)
    rows = []
    for k, iid in enumerate(ids):
        if rng.random() < 0.15:
            continue
        for s in rng.permutation(5)[: int(rng.integers(1, 5))]:
            lt = float(rng.choice([3.0, 7.0, 7.5, 14.0, 29.9, np.nan]))
            cost = float(rng.choice([1.0, 1.0, 1.25, 2.0, np.nan if k % 3 == 0 else 1.5]))
            rows.append((iid, f"S{s}", cost, lt))
    sup = pd.DataFrame(rows, columns=["item_id", "supplier_id", "unit_cost", "lead_time_mean_days"])
    sup = sup.iloc[rng.permutation(len(sup))].reset_index(drop=True)
    rec = pd.DataFrame({"stockout_date_p50_without_order": p50.to_numpy()}, index=ids)
    return SimpleNamespace(ids=ids, n=n_items, rec=rec), sup, as_of


def _reference(it: SimpleNamespace, sup: pd.DataFrame, as_of: pd.Timestamp) -> np.ndarray:
    """The former pandas code: merge the P50s, flag who arrives in time, choose_supplier."""
    cand = sup.reset_index(names="_row").merge(
        pd.DataFrame({"item_id": it.ids, "_p50": it.rec.iloc[:, 0].to_numpy()}),
        on="item_id",
        how="left",
    )
    arrival = as_of + pd.to_timedelta(np.ceil(cand["lead_time_mean_days"] - 1e-9), unit="D")
    cand["qualifies"] = cand["_p50"].isna() | (arrival <= cand["_p50"])
    chosen = choose_supplier(cand).reindex(it.ids)
    return chosen["_row"].fillna(-1).to_numpy(dtype=np.int64)


@pytest.mark.parametrize("seed", range(300))
def test_best_supplier_rows_follow_choose_supplier(seed: int) -> None:
    it, sup, as_of = _case(seed)
    np.testing.assert_array_equal(_best_supplier_rows(it, sup, as_of), _reference(it, sup, as_of))


def _max_units_reference(sup: pd.DataFrame, index: pd.Index) -> np.ndarray:
    """The former pandas code of ``max_units``: packs, capacities, grouped sum, reindex."""
    cap_pack = sup["pack_units"] if "pack_units" in sup.columns else 1.0
    cap_pack = pd.Series(cap_pack, index=sup.index).fillna(1.0).clip(lower=1.0)
    per_sup = np.floor(sup["capacity_units"].fillna(np.inf) / cap_pack) * cap_pack
    total = per_sup.groupby(sup["item_id"].astype(str)).sum().reindex(index).to_numpy()
    return np.where(np.isnan(total), np.inf, total)


@pytest.mark.parametrize("seed", range(200))
def test_max_units_whole_and_fractional_paths_agree_with_grouped_sum(seed: int) -> None:
    rng = np.random.default_rng(seed)
    m = int(rng.integers(0, 12))
    # even seeds whole packs (the summed path), odd seeds fractional ones (the grouped sum)
    packs = [1.0, 6.0, np.nan, 0.5] if seed % 2 == 0 else [1.5, 2.37, 12.1, np.nan]
    sup = pd.DataFrame(
        {
            "item_id": rng.choice(["A", "B", "C"], m),
            "capacity_units": rng.choice([10.0, 97.0, 1e6, 33.3, np.nan], m),
            "pack_units": rng.choice(packs, m),
        }
    )
    index = pd.Index(["A", "B", "C", "D"], name="item_id")
    np.testing.assert_array_equal(max_units(sup, index), _max_units_reference(sup, index))


@pytest.mark.parametrize("seed", range(100))
def test_group_sums_match_pandas_grouped_sum(seed: int) -> None:
    # groups of up to two rows are added on arrays, larger ones by pandas: both must give
    # the grouped sum's floats (signed zeros, NaN skipped, NaN for a group with no value)
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 30))
    size = rng.integers(0, 3 if seed % 2 == 0 else 5, n)
    labels = np.repeat(np.arange(n), size)
    m = len(labels)
    v = rng.standard_normal(m) * 10.0 ** rng.integers(-3, 6, m)
    v = np.where(rng.random(m) < 0.15, np.nan, v)
    v = np.where(rng.random(m) < 0.05, -0.0, v)
    v = np.where(rng.random(m) < 0.03, np.inf, v)
    frame = pd.DataFrame({"x": v, "y": v[::-1].copy()})
    got = _group_sums(labels, n, frame, ["x", "y"])
    want = frame.groupby(labels).sum(min_count=1).reindex(np.arange(n))
    for c in ("x", "y"):
        g, w = got[c].to_numpy(), want[c].to_numpy()
        np.testing.assert_array_equal(g, w)
        np.testing.assert_array_equal(np.signbit(g), np.signbit(w))


def _ltd_reference(paths: np.ndarray, total: np.ndarray) -> np.ndarray:
    """The former lead_time_demand_samples body: np.cumsum on the last axis, interpolated."""
    h = paths.shape[2]
    lo = np.floor(total).astype(np.intp)
    hi = np.minimum(lo + 1, h)
    cum = np.cumsum(paths[:, :, : int(hi.max(initial=1))], axis=2)
    c_lo = np.take_along_axis(cum, np.maximum(lo - 1, 0)[:, :, None], axis=2)[:, :, 0]
    c_lo = np.where(lo > 0, c_lo, 0.0)
    c_hi = np.take_along_axis(cum, (hi - 1)[:, :, None], axis=2)[:, :, 0]
    return c_lo + (total - lo) * (c_hi - c_lo)


@pytest.mark.parametrize("seed", range(40))
def test_lead_time_demand_samples_equal_the_cumsum_formula(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n, p, h = int(rng.integers(1, 6)), int(rng.integers(1, 60)), int(rng.integers(1, 40))
    paths = rng.gamma(0.4, 3.1, (n, p, h)) * rng.random((n, 1, 1))
    lead = rng.uniform(0.0, h, (n, p))
    got = lead_time_demand_samples(paths, lead)
    np.testing.assert_array_equal(got, _ltd_reference(paths, lead))


@pytest.mark.parametrize("seed", range(40))
def test_paths_out_by_counts_paths_out_by_each_period(seed: int) -> None:
    rng = np.random.default_rng(seed)
    h = int(rng.integers(1, 30))
    first = rng.integers(0, h + 1, (int(rng.integers(1, 8)), int(rng.integers(1, 50))))
    want = np.stack([(first <= t).sum(axis=1) for t in range(h)], axis=1)
    np.testing.assert_array_equal(_paths_out_by(first, h), want)

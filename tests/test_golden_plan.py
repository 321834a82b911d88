"""The plan of a small seeded shop equals its golden tables (refactors must not move a figure).

The golden files in ``tests/golden/`` were written by ``tests/golden/regenerate.py``. A change
meant to alter the plan regenerates them and says in its commit which figures moved and why.
"""

from __future__ import annotations

import importlib.util
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import stockout_forecast as sof

GOLDEN = Path(__file__).parent / "golden"


def _regenerate_module():
    spec = importlib.util.spec_from_file_location("golden_regenerate", GOLDEN / "regenerate.py")
    assert spec is not None
    assert spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@pytest.fixture(scope="module")
def golden_tables():
    return _regenerate_module().golden_plan_tables()


@pytest.mark.parametrize(
    "name", ["summary", "stockouts", "orders", "purchase_order_lines", "promise_dates"]
)
def test_plan_tables_equal_the_golden_files(golden_tables, name):
    expected = pd.read_csv(GOLDEN / f"{name}.csv", keep_default_na=True)
    got = golden_tables[name]
    # the CSV round trip loses dtypes: compare through the same CSV text form
    got_rt = pd.read_csv(pd.io.common.StringIO(got.to_csv(index=False)))
    pd.testing.assert_frame_equal(got_rt, expected, check_dtype=False, rtol=1e-9, atol=1e-9)


@pytest.fixture(scope="module")
def tiny_shop():
    return sof.make_demo_dataset(n_items=12, n_days=120, random_state=5)


@pytest.mark.parametrize(
    "seed",
    [0, np.int64(0), np.random.SeedSequence(0)],
    ids=["int", "numpy-int64", "SeedSequence"],
)
def test_same_seed_same_plan_on_two_runs(tiny_shop, seed):
    planner = sof.ReorderPlanner(n_paths=100, random_state=seed)
    a = planner.run(tiny_shop)
    b = planner.run(tiny_shop)
    pd.testing.assert_frame_equal(a.summary(), b.summary())
    pd.testing.assert_frame_equal(a.orders, b.orders)
    # and every spelling of seed 0 gives the plan of the plain int 0
    c = sof.ReorderPlanner(n_paths=100, random_state=0).run(tiny_shop)
    pd.testing.assert_frame_equal(a.summary(), c.summary())


def test_old_parameter_names_still_work_with_a_deprecation_warning():
    with pytest.warns(DeprecationWarning, match="'seed' is renamed 'random_state'"):
        old = sof.make_demo_dataset(n_items=3, n_days=40, seed=2)
    new = sof.make_demo_dataset(n_items=3, n_days=40, random_state=2)
    pd.testing.assert_frame_equal(old.sales, new.sales)
    with pytest.warns(DeprecationWarning, match="'forecast_horizon' is renamed 'horizon'"):
        p = sof.ReorderPlanner(forecast_horizon=30)
    with pytest.warns(DeprecationWarning, match="'horizon_days' is renamed 'cover_horizon_days'"):
        q = sof.ReorderPlanner(horizon_days=100)
    assert (p.horizon, q.cover_horizon_days) == (30, 100)
    with pytest.raises(TypeError, match="got both 'seed' and 'random_state'"):
        sof.make_demo_dataset(n_items=3, n_days=40, seed=2, random_state=2)


def test_the_version_is_written_once():
    from importlib.metadata import version

    assert version("stockout_forecast") == sof.__version__
    text = (Path(__file__).parents[1] / "pyproject.toml").read_text()
    assert 'dynamic = ["version"]' in text
    assert sof.__version__ not in text


def test_no_warning_from_new_names():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        sof.ReorderPlanner(horizon=30, cover_horizon_days=100)

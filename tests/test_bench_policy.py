"""The estimators of benchmarks/bench_policy.py's experiment switches (hand-computed, invariants)."""

import importlib.util
import sys
from pathlib import Path

import numpy as np
import pytest

BENCH = Path(__file__).parents[1] / "benchmarks"


@pytest.fixture(scope="module")
def bench():
    sys.path.insert(0, str(BENCH))  # the bench imports its sibling _policy_figures
    try:
        spec = importlib.util.spec_from_file_location("bench_policy", BENCH / "bench_policy.py")
        mod = importlib.util.module_from_spec(spec)
        sys.modules["bench_policy"] = mod  # dataclasses look their module up
        spec.loader.exec_module(mod)
        yield mod
    finally:
        sys.path.remove(str(BENCH))
        sys.modules.pop("bench_policy", None)


def test_level_drift_variance_hand_computed(bench):
    # item A: halves 2 2 2 2 | 4 4 4 4 -> no noise within halves, m = 2, 4, mu = 3:
    #   e = (4 - 2)^2 / (2 * 3^2) = 2/9
    # item B: halves 1 3 1 3 | 1 3 1 3 -> equal means, v = 4/3 (ddof 1) in each half:
    #   e = (0 - (4/3)/4 - (4/3)/4) / (2 * 2^2) = -1/12
    # both have >= 6 demand periods: pooled tau2 = (2/9 - 1/12) / 2 = 5/72
    fit = np.array([[2, 2, 2, 2, 4, 4, 4, 4], [1, 3, 1, 3, 1, 3, 1, 3]], dtype=float)
    assert bench.level_drift_variance(fit) == pytest.approx([5 / 72, 5 / 72])
    # B alone: the sampling noise explains more than the change -> clipped at 0
    assert bench.level_drift_variance(fit[1:]) == pytest.approx([0.0])
    # an item without demand gets 0; groups are pooled apart (1-5 periods: item C alone)
    more = np.vstack([fit, np.zeros(8), [0, 0, 2, 0, 0, 0, 0, 6]])
    # C: halves 0 0 2 0 | 0 0 0 6: m = 0.5, 1.5, v = 1, 9 -> e = (1 - 1/4 - 9/4) / (2 * 1) < 0
    assert bench.level_drift_variance(more) == pytest.approx([5 / 72, 5 / 72, 0.0, 0.0])


def test_level_drift_variance_is_near_zero_for_stationary_demand(bench):
    rng = np.random.default_rng(1)
    fit = rng.poisson(3.0, size=(3000, 40)).astype(float)
    tau2 = bench.level_drift_variance(fit)
    assert np.all(tau2 == tau2[0])
    assert 0.0 <= tau2[0] < 0.005
    # half-window levels 30 a, 30 b with a, b in {0.7, 1.3} at random: e = 2 (b - a)^2 / (a + b)^2
    # is 2 * 0.36 / 4 = 0.18 when a != b (probability 1/2) and 0 otherwise -> tau2 = 0.09
    shift = rng.choice([0.7, 1.3], size=(3000, 2))
    moving = rng.poisson(30.0 * np.repeat(shift, 20, axis=1)).astype(float)
    assert bench.level_drift_variance(moving)[0] == pytest.approx(0.09, abs=0.01)


def test_drift_levels_keeps_zeros_and_mean_and_adds_the_level_variance(bench):
    paths = np.zeros((2, 4000, 50))
    paths[:, :, ::2] = 10.0
    paths[1, :, 1] = np.nan
    same = bench.drift_levels(paths, np.zeros(2), seed=0)
    np.testing.assert_array_equal(same, paths)  # tau2 = 0: nothing moves
    out = bench.drift_levels(paths, np.array([0.25, 0.0]), seed=0)
    assert np.array_equal(np.isnan(out), np.isnan(paths))
    assert np.all(out[paths == 0] == 0)
    assert np.all(out[0] == np.round(out[0]))
    assert out[0].mean() == pytest.approx(paths[0].mean(), rel=0.02)  # mean-one factor
    # the per-path level varies with CV^2 = tau2 (lognormal, mean 1)
    level = out[0].mean(axis=1) / paths[0].mean()
    assert level.var() == pytest.approx(0.25, rel=0.1)


def test_item_bootstrap_interval(bench):
    const = np.full(50, 0.9)
    assert bench.item_bootstrap(lambda i: const[i].mean(), 50) == pytest.approx((0.9, 0.9))
    x = np.random.default_rng(2).random(400)
    lo, hi = bench.item_bootstrap(lambda i: x[i].mean(), 400)
    se = x.std() / np.sqrt(400)  # normal approximation of the mean's 95 % interval
    assert lo == pytest.approx(x.mean() - 1.96 * se, abs=0.3 * se)
    assert hi == pytest.approx(x.mean() + 1.96 * se, abs=0.3 * se)

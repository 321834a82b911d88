"""The selection's window weighting (``recency``) and per-class candidates (``intermittent_only``)."""

from __future__ import annotations

import numpy as np
import pytest

from stockout_forecast.forecast import history_from_array
from stockout_forecast.forecast._choice import Rule, choose
from stockout_forecast.forecast.core import forecast_demand
from stockout_forecast.forecast.selection import demand_classes, mean_scores


def test_mean_scores_weighted_by_window_hand_computed():
    # one item, two models, two windows; weights (1, 3):
    #   model 0: (1 * 1.0 + 3 * 3.0) / 4 = 2.5
    #   model 1: window 1 missing -> its one finite window, 2.0 (weight 1 / 1)
    win = np.array([[[1.0, 3.0], [2.0, np.nan]]])
    sc = mean_scores(win, None, "mae", None, np.array([1.0, 3.0]))
    assert sc.mean[0] == pytest.approx([2.5, 2.0])
    assert sc.n_ok[0].tolist() == [2.0, 1.0]  # the evidence count stays the window count
    # equal weights (the default) are the plain mean
    plain = mean_scores(win, None, "mae", None)
    assert plain.mean[0] == pytest.approx([2.0, 2.0])


def _pm(values: list[list[list[float]]]) -> dict[str, np.ndarray]:
    """Point metrics (models, items, windows) with MAE ``values``."""
    mae = np.asarray(values, dtype=float)
    return {"mae": mae, "n_test": np.ones(mae.shape)}


def test_recency_weights_the_latest_window_hand_computed():
    # item 0: model A errs 1.0 then 2.2 (mean 1.6), model B 2.0 then 1.5 (mean 1.75):
    # equal weights choose A; latest window 3x: A (1.0 + 3 * 2.2) / 4 = 1.9,
    # B (2.0 + 3 * 1.5) / 4 = 1.625 -> B
    pm = _pm([[[1.0, 2.2]], [[2.0, 1.5]]])
    equal = choose(pm, Rule("mae", None, 0.0), None, 0)
    recent = choose(pm, Rule("mae", None, 0.0, recency=3.0), None, 0)
    assert equal.members[0, 0] == 0
    assert equal.best_score[0] == pytest.approx(1.6)
    assert recent.members[0, 0] == 1
    assert recent.best_score[0] == pytest.approx(1.625)
    # with one window left (as in the leave-one-window-out forecasts) weights do not matter
    only_first = choose(pm, Rule("mae", None, 0.0, recency=3.0), None, 0, windows=np.array([0]))
    assert only_first.members[0, 0] == 0


def test_allowed_bars_a_model_from_some_items():
    # two items, models 0 and 1; model 0 is better for both, but barred from item 0
    pm = _pm([[[1.0, 1.0], [1.0, 1.0]], [[2.0, 2.0], [2.0, 2.0]]])
    allowed = np.array([[False, True], [True, True]])
    r = choose(pm, Rule("mae", None, 0.0), None, 0, allowed=allowed)
    assert r.members[:, 0].tolist() == [1, 0]
    assert r.best_score.tolist() == pytest.approx([2.0, 1.0])


def _panel() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(5)
    n, t_len = 40, 200
    rate = rng.gamma(3.0, 2.0, (n, 1)) * rng.gamma(2.0, 0.5, (n, t_len))
    frequent = rng.poisson(rate).astype(float)  # demand almost every day: smooth / erratic
    sparse = (rng.random((n, t_len)) < 0.2) * rng.poisson(3.0, (n, t_len)).astype(float)
    return frequent, sparse


def test_sba_offered_only_to_intermittent_items():
    frequent, sparse = _panel()
    hist = history_from_array(np.vstack([frequent, sparse]))
    labels = demand_classes(hist)
    busy = np.isin(labels, ["smooth", "erratic"])
    assert busy[:40].mean() > 0.9  # ADI < 1.32: demand most days
    assert not busy[40:].any()
    kw = {"horizon": 14, "random_state": 0}
    models = ["ses", "sba", "tsb"]
    plain = forecast_demand(hist, models, intermittent_only=(), **kw)
    barred = forecast_demand(hist, models, intermittent_only=("sba",), **kw)
    # SBA's deflation wins the backtest MAE of these skewed busy items when it may ...
    assert (np.asarray(plain.model)[busy] == "sba").mean() > 0.5
    # ... and is never chosen for them when it is offered to intermittent items only
    assert not (np.asarray(barred.model)[busy] == "sba").any()
    # the intermittent items choose exactly as before (SBA among their choices)
    assert (np.asarray(barred.model)[~busy] == np.asarray(plain.model)[~busy]).all()
    assert (np.asarray(barred.model)[~busy] == "sba").any()
    # a candidate list without SBA is unaffected by the default
    no_sba = forecast_demand(hist, ["ses", "tsb"], intermittent_only=("sba",), **kw)
    same = forecast_demand(hist, ["ses", "tsb"], intermittent_only=(), **kw)
    np.testing.assert_array_equal(no_sba.mean, same.mean)


def test_selection_arguments_validated():
    hist = history_from_array(np.ones((2, 40)))
    with pytest.raises(ValueError, match="recency must be a number > 0"):
        forecast_demand(hist, horizon=7, recency=0.0)
    with pytest.raises(TypeError, match="recency"):
        forecast_demand(hist, horizon=7, recency="3")
    with pytest.raises(TypeError, match="intermittent_only must be a sequence"):
        forecast_demand(hist, horizon=7, intermittent_only="sba")


def _study():
    import importlib.util
    import sys
    from pathlib import Path

    path = Path(__file__).parents[1] / "benchmarks" / "study_selection.py"
    spec = importlib.util.spec_from_file_location("study_selection", path)
    mod = importlib.util.module_from_spec(spec)
    sys.modules["study_selection"] = mod  # dataclasses look their module up
    spec.loader.exec_module(mod)
    return mod


def test_study_grid_has_the_new_dimensions_and_the_memo_changes_nothing():
    study = _study()
    grid = study.settings()
    assert len(grid) == 1152 * len(study.RECENCY) * len(study.INTERMITTENT_ONLY)
    assert len({s.label() for s in grid}) == len(grid)
    # labels of the earlier grid are kept for the settings with the old behaviour
    old = study.Setting("long", 2, "mae", 10.0, 1, 2.0, True, "replace")
    assert old.label() == "long w2 mae shrink 10 combine 1 margin 2 profile on"
    new = study.Setting("long", 2, "mae", 10.0, 1, 2.0, True, "replace", 3.0, ("sba",))
    assert new.label() == old.label() + " recency 3 sba intermittent only"
    # one memo over several settings gives the same forecasts as none
    frequent, sparse = _panel()
    y = np.vstack([frequent, sparse])
    hist = history_from_array(y[:, :186])
    arr, fc = study.fit_pool(hist, study.POOLS["long"], 14)
    labels = demand_classes(hist)
    memo: dict = {}
    for st in (old, new, study.Setting("base", 3, "mase", 3.0, 2, None, True, "replace", 2.0)):
        np.testing.assert_array_equal(
            study.apply(st, arr, fc, labels, memo), study.apply(st, arr, fc, labels)
        )
    assert set(memo) == {("long", 2), ("base", 3)}

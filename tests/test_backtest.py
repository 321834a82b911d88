"""Backtest metrics, censoring and model selection."""

from __future__ import annotations

import json
import sys

import numpy as np
import pandas as pd
import pytest

from stockout_forecast.exceptions import InsufficientHistoryError, SchemaError
from stockout_forecast.forecast import SES, HoltWinters, SeasonalNaive, history_from_array
from stockout_forecast.forecast.backtest import BACKTEST_METRICS, backtest
from stockout_forecast.forecast.core import forecast_demand
from stockout_forecast.forecast.selection import select_models


class ConstModel:
    """Test double: predicts a constant; in-sample fit is perfect (dispersion 0 => Poisson)."""

    def __init__(self, *, value: float = 4.0, alias: str = "const") -> None:
        self.value = value
        self.alias = alias

    def get_params(self, deep: bool = True) -> dict:
        return {"value": self.value, "alias": self.alias}

    def fit(self, history):
        self.fitted_ = np.where(history.observed, history.units, np.nan)
        self.n_ = history.n_items
        return self

    def predict(self, horizon: int) -> np.ndarray:
        return np.full((self.n_, horizon), float(self.value))


def test_metrics_hand_computed():
    # y = 1 3 2 4 | 3 5 (last 2 held out), forecast 4 4.
    # errors f - y: +1, -1  -> MAE 1, RMSE 1, bias 0, WAPE 2 / 8 = 0.25
    # naive scale on training pairs: |3-1|, |2-3|, |4-2| = 2, 1, 2 -> 5/3 -> MASE 0.6
    # squared naive scale (4 + 1 + 4) / 3 = 3 -> RMSSE 1 / sqrt(3) = 0.57735
    # Poisson(4) quantiles (dispersion 0): q0.025=1, q0.1=2, q0.5=4, q0.9=7, q0.975=8.
    # pinball over (0.1, 0.5, 0.9): y=3: 0.1*1 + 0.5*1 + 0.1*4 = 1.0; y=5: 0.3 + 0.5 + 0.2 = 1.0
    # mean 2 / 6 = 1/3, scaled by 5/3 -> 0.2. Both actuals in [2, 7] and [1, 8]: coverage 1.
    hist = history_from_array([[1.0, 3.0, 2.0, 4.0, 3.0, 5.0]], item_ids=["A"])
    bt = backtest(hist, ConstModel(), horizon=2, n_windows=1, quantiles=(0.1, 0.5, 0.9))
    row = bt.iloc[0]
    assert (row["n_train"], row["n_test"]) == (4, 2)
    assert row["mae"] == pytest.approx(1.0)
    assert row["rmse"] == pytest.approx(1.0)
    assert row["bias"] == pytest.approx(0.0)
    assert row["wape"] == pytest.approx(0.25)
    assert row["mase"] == pytest.approx(0.6)
    assert row["rmsse"] == pytest.approx(1 / np.sqrt(3))
    assert row["scaled_pinball"] == pytest.approx(0.2)
    assert row["coverage_80"] == 1.0
    assert row["coverage_95"] == 1.0
    assert row["reason"] == ""


def test_seasonal_scale_and_windows():
    # 8 periods, horizon 2, two windows with step 1: cutoffs after period 5 and 6.
    hist = history_from_array([[1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0]])
    bt = backtest(hist, ConstModel(value=7.0), horizon=2, n_windows=2, step=1)
    assert bt["window"].tolist() == [0, 1]
    assert bt["cutoff"].dt.strftime("%Y-%m-%d").tolist() == ["2024-01-05", "2024-01-06"]
    # window 0 tests y = 6, 7 with f = 7: MAE 0.5; naive scale on 1..5 is 1 -> MASE 0.5
    assert bt.loc[0, "mase"] == pytest.approx(0.5)
    # the seasonal scale with lag 2 on 1..5 is 2 -> MASE 0.25
    bts = backtest(
        hist,
        ConstModel(value=7.0),
        horizon=2,
        n_windows=2,
        step=1,
        scale="seasonal_naive",
        season_length=2,
    )
    assert bts.loc[0, "mase"] == pytest.approx(0.25)


def test_censored_periods_do_not_enter_errors_or_scale():
    y = [1.0, 3.0, 2.0, 4.0, 3.0, 5.0, 0.0]
    cens = [False, False, False, False, False, False, True]
    # the censored last day (0 sold because out of stock) is not an error of 4 units
    hist = history_from_array([y], censored=[cens])
    bt = backtest(hist, ConstModel(), horizon=3, n_windows=1, quantiles=(0.5,))
    assert bt.loc[0, "n_test"] == 2
    assert bt.loc[0, "mae"] == pytest.approx(1.0)  # errors +1, -1 only
    # a censored training period is skipped in the scale: pairs (1,3),(2,4)... only observed
    y2 = [1.0, 50.0, 3.0, 2.0, 4.0, 3.0, 5.0]
    cens2 = [False, True, False, False, False, False, False]
    hist2 = history_from_array([y2], censored=[cens2])
    bt2 = backtest(hist2, ConstModel(), horizon=2, n_windows=1)
    # observed training pairs: (3,2), (2,4) -> |diff| 1, 2 -> scale 1.5 -> MASE 1 / 1.5
    assert bt2.loc[0, "n_train"] == 4
    assert bt2.loc[0, "mase"] == pytest.approx(1 / 1.5)


def test_every_item_model_window_is_reported():
    units = np.array([[1.0, 2.0, 1.0, 2.0, 1.0, 2.0], [np.nan] * 6, [np.nan] * 4 + [1.0, 2.0]])
    hist = history_from_array(units, item_ids=["A", "B", "C"])
    bt = backtest(
        hist, [ConstModel(alias="c1"), ConstModel(value=1.0, alias="c2")], horizon=2, n_windows=2
    )
    assert len(bt) == 3 * 2 * 2
    assert set(BACKTEST_METRICS) <= set(bt.columns)
    b = bt[bt["item_id"] == "B"]
    assert b["mae"].isna().all()
    assert b["reason"].str.contains("no observed period before the cutoff").all()
    c = bt[(bt["item_id"] == "C") & (bt["window"] == 1)]
    assert c["reason"].str.contains("no observed period before the cutoff").all()


def test_input_not_mutated_and_errors():
    units = np.array([[1.0, 2.0, 3.0, 4.0]])
    hist = history_from_array(units)
    before = hist.units.copy()
    with pytest.raises(InsufficientHistoryError, match="needs at least 6"):
        backtest(hist, ConstModel(), horizon=2, n_windows=2)
    np.testing.assert_array_equal(hist.units, before)
    with pytest.raises(ValueError, match="unique"):
        backtest(hist, [ConstModel(), ConstModel()], horizon=1, n_windows=1)
    with pytest.raises(ValueError, match="horizon must be an int >= 1"):
        backtest(hist, ConstModel(), horizon=0)
    with pytest.raises(ValueError, match="scale must be"):
        backtest(hist, ConstModel(), horizon=1, n_windows=1, scale="mean")
    with pytest.raises(TypeError, match="forecasting model instances"):
        backtest(hist, ["ses"], horizon=1, n_windows=1)
    with pytest.raises(ValueError, match="fraction"):
        backtest(hist, ConstModel(), horizon=1, n_windows=1, quantiles=(90,))


# ------------------------------------------------------------------------------ selection
def _frame(rows):
    cols = ["item_id", "model", "window", "n_train", "n_test", "mae", "mase"]
    return pd.DataFrame(rows, columns=cols)


def test_select_models_best_fallback_and_unscaled():
    bt = _frame(
        [
            ("A", "ses", 0, 50, 7, 1.0, 0.8),
            ("A", "ses", 1, 57, 7, 1.0, 1.0),  # mean 0.9
            ("A", "tsb", 0, 50, 7, 1.0, 0.7),
            ("A", "tsb", 1, 57, 7, 1.0, 1.2),  # mean 0.95
            ("B", "ses", 0, 0, 0, None, None),
            ("B", "tsb", 0, 0, 0, None, None),
            # C: zero scale (constant history) -> MASE NaN; ranked by MAE instead
            ("C", "ses", 0, 9, 7, 0.5, None),
            ("C", "tsb", 0, 9, 7, 0.2, None),
        ]
    )
    sel = select_models(bt, fallback="tsb").set_index("item_id")
    assert sel.loc["A", "model"] == "ses"
    assert sel.loc["A", "score"] == pytest.approx(0.9)
    assert sel.loc["A", "runner_up"] == "tsb"
    assert sel.loc["A", "runner_up_score"] == pytest.approx(0.95)
    assert sel.loc["B", "model"] == "tsb"
    assert sel.loc["B", "status"] == "fallback"
    assert "too short for a backtest" in sel.loc["B", "reason"]
    assert sel.loc["C", "model"] == "tsb"
    assert sel.loc["C", "selected_by"] == "mae"
    assert "ranked by mae" in sel.loc["C", "reason"]
    comb = select_models(bt, combine=2).set_index("item_id")
    assert comb.loc["A", "model"] == "ses+tsb"
    assert comb.loc["A", "score"] == pytest.approx(0.925)


def test_select_models_default_fallback_is_best_median():
    bt = _frame(
        [
            ("A", "ses", 0, 9, 7, 1.0, 1.0),
            ("A", "tsb", 0, 9, 7, 1.0, 0.5),
            ("B", "ses", 0, 9, 7, 1.0, 1.0),
            ("B", "tsb", 0, 9, 7, 1.0, 0.6),
            ("C", "ses", 0, 0, 0, None, None),
            ("C", "tsb", 0, 0, 0, None, None),
        ]
    )
    assert select_models(bt).set_index("item_id").loc["C", "model"] == "tsb"


def test_select_models_shrinkage_towards_group():
    # item A alone prefers ses slightly (0.9 vs 0.95); its group strongly prefers tsb.
    rows = [("A", "ses", 0, 9, 7, 1, 0.9), ("A", "tsb", 0, 9, 7, 1, 0.95)]
    for i in range(5):
        rows += [(f"G{i}", "ses", 0, 9, 7, 1, 1.5), (f"G{i}", "tsb", 0, 9, 7, 1, 0.5)]
    bt = _frame(rows)
    groups = pd.Series("lumpy", index=["A"] + [f"G{i}" for i in range(5)])
    assert select_models(bt).set_index("item_id").loc["A", "model"] == "ses"
    # group means (with A): ses (0.9 + 7.5) / 6 = 1.4, tsb (0.95 + 2.5) / 6 = 0.575;
    # shrunk with weight 1 each: ses 1.15, tsb 0.7625 -> tsb
    sel = select_models(bt, groups=groups, shrinkage=1.0).set_index("item_id")
    assert sel.loc["A", "model"] == "tsb"
    assert sel.loc["A", "score"] == pytest.approx(0.95)  # the item's own score is reported


def test_select_models_errors():
    bt = _frame([("A", "ses", 0, 9, 7, 1.0, 1.0)])
    with pytest.raises(SchemaError, match="missing column"):
        select_models(bt.drop(columns="n_test"))
    with pytest.raises(ValueError, match="metric must be one of"):
        select_models(bt, metric="r2")
    with pytest.raises(ValueError, match="is not a model of the backtest"):
        select_models(bt, fallback="tsb")
    with pytest.raises(ValueError, match="combine must be None or an int >= 2"):
        select_models(bt, combine=1)


def test_selection_picks_seasonal_model_for_seasonal_item():
    rng = np.random.default_rng(3)
    t = np.arange(140)
    weekly = np.array([12.0, 12.0, 12.0, 12.0, 12.0, 1.0, 1.0])[t % 7]
    seasonal = rng.poisson(weekly).astype(float)
    flat = rng.poisson(np.full(140, 6.0)).astype(float)
    hist = history_from_array([seasonal, flat], item_ids=["seasonal", "flat"])
    models = [SES(), HoltWinters(trend=False), SeasonalNaive()]
    bt = backtest(hist, models, horizon=14, n_windows=2)
    sel = select_models(bt).set_index("item_id")
    assert sel.loc["seasonal", "model"] in {"holt_winters_add_notrend", "seasonal_naive"}
    assert sel.loc["flat", "model"] in {"ses", "holt_winters_add_notrend"}
    assert sel.loc["seasonal", "score"] < 0.7  # a non-seasonal model would be near 1


# ------------------------------------------------------------------------------ benchmarks
def _load_bench(name: str):
    import importlib.util
    from pathlib import Path

    path = Path(__file__).parents[1] / "benchmarks" / f"{name}.py"
    spec = importlib.util.spec_from_file_location(name, path)
    mod = importlib.util.module_from_spec(spec)
    sys.modules[name] = mod  # dataclasses look their module up
    spec.loader.exec_module(mod)
    return mod


def test_bench_forecast_smoke(tmp_path):
    bench = _load_bench("bench_forecast")
    rc = bench.main(["--n-items", "40", "--n-days", "120", "--no-peer", "--results", str(tmp_path)])
    assert rc == 0
    text = (tmp_path / "forecast.md").read_text()
    assert "| ours auto, mean" in text
    assert "| ours auto, median (same run)" in text
    assert "40 daily series" in text
    ours = json.loads((tmp_path / "forecast.json").read_text())["ours"]
    # the all-zero forecast misses every unit: bias = sum(0 - y) / sum(y) = -1 exactly
    assert ours["bias_zero"] == pytest.approx(-1.0)
    assert np.isfinite(ours["mase_p50"])
    assert ours["mase_p50"] != ours["mase"]  # scored on demand_p50, not on the mean again


def test_bench_accuracy_score_hand_computed():
    bench = _load_bench("bench_accuracy")
    # one item, train 0 2 0 2 (naive scale 2, seasonal lag 2 scale 0), test 1 3,
    # forecast 2 2 for every quantile: MAE 1 -> MASE 0.5; RMSE 1, RMS scale 2 -> RMSSE 0.5;
    # pinball per level: y=1: 0.5*(1-q)... averaged -> 0.5 * mean(|u|) = 0.5 -> SPL 0.25
    y = np.array([[1.0, 3.0]])
    f = np.array([[2.0, 2.0]])
    q = dict.fromkeys(bench.LEVELS, f)
    train = np.array([[0.0, 2.0, 0.0, 2.0]])
    r = bench.score(y, f, q, train, np.ones_like(train, dtype=bool), season=2)
    assert r["mase"] == pytest.approx(0.5)
    assert r["rmsse"] == pytest.approx(0.5)
    assert r["spl"] == pytest.approx(0.25)
    assert r["bias"] == pytest.approx(0.0)
    assert np.isnan(r["mase_seasonal"])
    assert r["cov80"] == 0.0


@pytest.mark.shared_data
def test_bench_accuracy_runs_on_carparts(tmp_path):
    bench = _load_bench("bench_accuracy")
    if not bench.DATA.is_dir():
        pytest.skip("../shared/data not present")
    assert bench.main(["--datasets", "carparts", "--no-peer", "--results", str(tmp_path)]) == 0
    text = (tmp_path / "accuracy.md").read_text()
    assert "stockout_forecast auto, mean" in text
    assert "stockout_forecast auto, median (demand_p50, same run)" in text
    rows = json.loads((tmp_path / "accuracy.json").read_text())["carparts"]["rows"]
    zero = rows["all-zero forecast (reference)"]
    assert zero["bias"] == pytest.approx(-1.0)  # sum(0 - y) / sum(y)
    med = rows["stockout_forecast auto, median (demand_p50, same run)"]
    mean = rows["stockout_forecast auto, mean"]
    # carparts is mostly zeros: the median is 0 for most item-months, so it sits near the
    # all-zero forecast, far below the (unbiased) mean on MASE
    assert med["mase"] < mean["mase"]
    assert abs(med["mase"] - zero["mase"]) < 0.05


def test_study_selection_score_hand_computed():
    study = _load_bench("study_selection")
    # train 0 2 0 2: naive scale mean(|2|, |2|, |2|) = 2; test 1 3, forecast 2 2:
    # MAE 1 -> MASE 0.5; bias sum(2 - 1, 2 - 3) / sum(1, 3) = 0
    hist = history_from_array(np.array([[0.0, 2.0, 0.0, 2.0]]))
    m, b = study.score(np.array([[2.0, 2.0]]), np.array([[1.0, 3.0]]), hist, None)
    assert m == pytest.approx(0.5)
    assert b == pytest.approx(0.0)


def test_study_selection_reproduces_the_library_defaults():
    """The study's row for the shipped defaults is exactly forecast_demand's own mean."""
    study = _load_bench("study_selection")
    rd = _load_bench("real_data")
    rng = np.random.default_rng(3)
    n, t_len, h = 60, 160, 14
    rate = np.exp(rng.uniform(np.log(0.1), np.log(6.0), size=(n, 1)))
    y = rng.poisson(rate * rng.gamma(2.0, 0.5, size=(n, t_len + h))).astype(float)
    hist = history_from_array(y[:, :t_len])
    test = y[:, t_len:]
    split = rd.Split("synthetic", hist, test, h, 7, "D")
    shipped = study.shipped()
    grid = [shipped, study.Setting("long", 3, "mase", 3.0, 1, 0.5)]
    rows = pd.DataFrame(study.study("synthetic", split, grid))
    assert len(rows) == 2
    fc = forecast_demand(hist, "auto", horizon=h, random_state=0)
    expected, _ = study.score(fc.mean, test, hist, None)
    got = rows.set_index("setting").loc[shipped.label(), "mase"]
    assert got == pytest.approx(expected, rel=1e-12)


def test_study_selection_leave_one_dataset_out_by_hand():
    """Each dataset is scored with the setting the others chose (smallest worst excess)."""
    study = _load_bench("study_selection")
    # MASE, settings x datasets. Excess over each dataset's best:
    #   a: 0, 0.1, 0.2    b: 0.05, 0, 0.05    c: 0.3, 0.07, 0
    table = pd.DataFrame(
        {"d1": [1.0, 1.05, 1.3], "d2": [1.1, 1.0, 1.07], "d3": [1.2, 1.05, 1.0]},
        index=["a", "b", "c"],
    )
    res, chosen = study.lodo(table)
    res = res.set_index("dataset")
    # without d1: worst excess a 0.2, b 0.05, c 0.07 -> b
    assert res.loc["d1", "chosen by the other datasets"] == "b"
    assert res.loc["d1", "regret (MASE)"] == pytest.approx(0.05)
    # without d3: a 0.1, b 0.05, c 0.3 -> b, whose excess on d3 is 0.05
    # without d2: a 0.2, b 0.05, c 0.3 -> b, whose excess on d2 is 0
    assert res.loc["d2", "regret (MASE)"] == pytest.approx(0.0)
    assert res.loc["d3", "chosen by the other datasets"] == "b"
    assert res.loc["d3", "regret (MASE)"] == pytest.approx(0.05)
    # on all three: worst a 0.2, b 0.05, c 0.3 -> b
    assert chosen == "b"
    # with RMSSE too, the loss is the mean of both excesses: b's RMSSE is 40 % worse than
    # a's everywhere -> b's loss 0.225 / 0.2 / 0.225, a's 0.0 / 0.05 / 0.1 -> a on all three
    rmsse = pd.DataFrame({d: [1.0, 1.4, 1.5] for d in ("d1", "d2", "d3")}, index=["a", "b", "c"])
    _, chosen2 = study.lodo(table, rmsse)
    assert chosen2 == "a"


def test_selection_falls_back_to_long_memory_only_when_the_backtest_cannot_tell():
    """Issue 9: noisy flat series go to a long-memory level; a clear level shift does not."""
    rng = np.random.default_rng(8)
    n, t_len = 60, 240
    flat = rng.poisson(2.0, (n, t_len)).astype(float)
    level = np.where(np.arange(t_len) < 150, 1.0, 8.0)  # demand jumps and stays up
    shifted = rng.poisson(level, (n, t_len)).astype(float)
    hist = history_from_array(np.vstack([flat, shifted]))
    models = ["ses", "tsb", "historic_average", "ses_slow"]
    kw = {"horizon": 14, "combine": 2, "random_state": 0}  # pairs: a reactive member each
    fc = forecast_demand(hist, models, long_memory_margin=1.0, **kw)
    long_memory = np.array(
        [set(m.split("+")) <= {"historic_average", "ses_slow"} for m in fc.model]
    )
    assert long_memory[:n].mean() > 0.6
    assert long_memory[n:].mean() < 0.15
    fell = fc.status["reason"].str.contains("cannot tell").to_numpy()
    assert fell[:n].any()  # flat items the selection had given to a reactive model, with why
    assert fell[n:].mean() < 0.15  # a test at one standard error misses a few true shifts
    assert (fc.model[fell] == np.array(["historic_average", "ses_slow"])[:, None]).any(axis=0).all()
    # without the margin (None) nothing falls back: the flat items are long-memory less often
    plain = forecast_demand(hist, models, long_memory_margin=None, **kw)
    assert not plain.status["reason"].str.contains("cannot tell").any()
    plain_long = np.array(
        [set(m.split("+")) <= {"historic_average", "ses_slow"} for m in plain.model]
    )
    assert long_memory[:n].sum() == plain_long[:n].sum() + fell[:n].sum()
    # the shifted items forecast the new level either way
    assert np.nanmean(fc.mean[n:]) == pytest.approx(8.0, rel=0.2)

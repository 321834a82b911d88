"""Per-item model choice from a backtest."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..exceptions import SchemaError

__all__ = ["select_models"]

_LOWER_IS_BETTER = ("mae", "rmse", "mase", "rmsse", "wape", "scaled_pinball")
#: unscaled metric used when the scaled one is undefined for an item (zero in-sample scale)
_UNSCALED = {"mase": "mae", "rmsse": "rmse", "scaled_pinball": "mae", "wape": "mae"}


def select_models(
    backtest_frame: pd.DataFrame,
    *,
    metric: str = "mase",
    combine: int | None = None,
    fallback: str | None = None,
    groups: pd.Series | None = None,
    shrinkage: float = 0.0,
) -> pd.DataFrame:
    """Choose a model (or a combination of the best few) per item from a backtest.

    Parameters
    ----------
    backtest_frame : pandas.DataFrame
        Output of :func:`~stockout_forecast.forecast.backtest` (columns ``item_id``,
        ``model``, ``window``, ``n_train``, ``n_test`` and the metric).
    metric : {"mase", "rmsse", "mae", "rmse", "wape", "scaled_pinball"}
        Error measure to minimise, averaged over the item's scored windows.
    combine : int or None
        ``None``: the single best model. ``k >= 2``: the equal-weight average of the best
        ``k`` models (model name ``"a+b"``, best first).
    fallback : str or None
        Model alias used for items without any scored window (too short, fully censored in
        every test window, not yet listed). Default: the model with the lowest median
        metric over all scored items.
    groups : pandas.Series or None
        Group label per item (index ``item_id``), e.g. the Syntetos-Boylan demand class.
    shrinkage : float, default 0
        With ``groups``: each item's mean score ``s_i`` (over its ``n_i`` scored windows) is
        replaced by ``(n_i * s_i + shrinkage * g) / (n_i + shrinkage)``, ``g`` the mean score
        of the model over the item's group, before the choice. The reported ``score`` stays
        the item's own.

    Returns
    -------
    pandas.DataFrame
        One row per item (sorted by ``item_id``): ``item_id``, ``model`` (alias, or
        aliases joined by ``"+"``), ``score`` (mean metric of the chosen model over its
        windows, NaN for a fallback), ``runner_up`` and ``runner_up_score`` (the next best
        single model), ``n_windows`` (windows scored), ``selected_by`` (the metric used,
        or ``"fallback"``), ``status`` (``"selected"`` or ``"fallback"``) and ``reason``.

    Raises
    ------
    SchemaError
        When a needed column is missing.
    ValueError
        For an unknown metric or fallback, or ``combine < 2``.

    Notes
    -----
    For each item and model the score is the mean of ``metric`` over the windows where it
    is finite; the lowest score wins, ties going to the model listed first in the backtest.
    When the scaled metric is undefined for every model of an item (its in-sample naive
    scale is 0, e.g. an all-zero training history) the unscaled one is used instead
    (MAE for MASE, RMSE for RMSSE) and the reason says so; within one item the scale is a
    common factor, so the ranking is the same up to the weighting of windows. Shrinking
    towards the group borrows strength from similar items: two short windows are a noisy
    basis for choosing among many models (Fildes & Petropoulos 2015).

    References
    ----------
    Fildes, R. & Petropoulos, F. (2015). Simple versus complex selection rules for
    forecasting many time series. *Journal of Business Research* 68(8), 1692-1701.

    Examples
    --------
    >>> import pandas as pd
    >>> bt = pd.DataFrame({
    ...     "item_id": ["A", "A", "B", "B"], "model": ["ses", "tsb", "ses", "tsb"],
    ...     "window": [0, 0, 0, 0], "n_train": [50, 50, 0, 0], "n_test": [7, 7, 0, 0],
    ...     "mase": [0.8, 0.9, None, None]})
    >>> select_models(bt, fallback="tsb")[["item_id", "model", "score", "status"]]
      item_id model  score    status
    0       A   ses    0.8  selected
    1       B   tsb    NaN  fallback
    """
    if metric not in _LOWER_IS_BETTER:
        raise ValueError(f"metric must be one of {list(_LOWER_IS_BETTER)}; got {metric!r}.")
    need = ["item_id", "model", "window", "n_train", "n_test", metric]
    missing = [c for c in need if c not in backtest_frame.columns]
    if missing:
        raise SchemaError(
            f"backtest_frame is missing column(s) {missing}. Found: "
            f"{list(backtest_frame.columns)}. Pass the output of backtest()."
        )
    if combine is not None and (
        isinstance(combine, bool) or not isinstance(combine, (int, np.integer)) or combine < 2
    ):
        raise ValueError(f"combine must be None or an int >= 2; got {combine!r}.")
    models = list(pd.unique(backtest_frame["model"].astype(str)))
    if fallback is not None and fallback not in models:
        raise ValueError(f"fallback {fallback!r} is not a model of the backtest; models: {models}.")
    frame = backtest_frame.assign(
        item_id=backtest_frame["item_id"].astype(str), model=backtest_frame["model"].astype(str)
    )
    items = np.sort(np.asarray(pd.unique(frame["item_id"]), dtype=object))
    n_items, n_models = len(items), len(models)

    def table(col: str) -> np.ndarray:
        """(n_items, n_models) mean of ``col`` over the windows where it is finite."""
        g = frame.groupby(["item_id", "model"], sort=False)[col].mean().unstack("model")
        return np.array(g.reindex(index=items, columns=models).to_numpy(dtype=float))

    score = table(metric)
    used = np.full(n_items, metric, dtype=object)
    alt = _UNSCALED.get(metric)
    none_scaled = ~np.isfinite(score).any(axis=1)
    if alt is not None and alt in frame.columns and none_scaled.any():
        score_alt = table(alt)
        swap = none_scaled & np.isfinite(score_alt).any(axis=1)
        score[swap] = score_alt[swap]
        used[swap] = alt
    raw = score.copy()
    if groups is not None and shrinkage > 0:
        score = _shrink(frame, items, models, score, used == metric, groups, shrinkage, metric)
    scored = (frame["n_train"].to_numpy() > 0) & (frame["n_test"].to_numpy() > 0)
    n_win = (
        frame.assign(scored=scored)
        .groupby(["item_id", "model"])["scored"]
        .sum()
        .groupby("item_id")
        .max()
        .reindex(items)
        .fillna(0)
        .to_numpy(dtype=int)
    )
    has = np.isfinite(score).any(axis=1)
    any_train = (
        frame.assign(tr=frame["n_train"].to_numpy() > 0)
        .groupby("item_id")["tr"]
        .any()
        .reindex(items)
        .fillna(False)
        .to_numpy(dtype=bool)
    )
    if fallback is None:
        med = np.array(
            [np.median(c[np.isfinite(c)]) if np.isfinite(c).any() else np.inf for c in score.T]
        )
        fallback = models[int(np.argmin(med))] if np.isfinite(med).any() else models[0]
    s = np.where(np.isfinite(score), score, np.inf)
    rank = np.argsort(s, axis=1, kind="stable")
    rows = np.arange(n_items)
    k = 1 if combine is None else min(int(combine), n_models)
    top = rank[:, :k]
    top_ok = np.isfinite(s[rows[:, None], top])
    aliases = np.asarray(models, dtype=object)
    chosen = np.array(
        ["+".join(aliases[top[i][top_ok[i]]]) if has[i] else fallback for i in rows],
        dtype=object,
    )
    top_s = np.where(top_ok, np.where(np.isfinite(raw), raw, s)[rows[:, None], top], 0.0)
    n_top = top_ok.sum(axis=1)
    best_score = np.where(has, top_s.sum(axis=1) / np.maximum(n_top, 1), np.nan)
    second = rank[:, 1] if n_models > 1 else rank[:, 0]
    second_score = s[rows, second] if n_models > 1 else np.full(n_items, np.inf)
    second_ok = has & np.isfinite(second_score)
    reason = np.empty(n_items, dtype=object)
    for i in rows:
        if not has[i]:
            if any_train[i]:
                why = (
                    "no observed period in any backtest test window (censored, suspected "
                    "stock-out or not listed)"
                )
            else:
                why = "too short for a backtest: no observed period before the first cutoff"
            reason[i] = f"{why}; using fallback model {fallback!r}"
            continue
        note = ""
        if used[i] != metric:
            note = f"; {metric} undefined (in-sample naive scale is 0), ranked by {used[i]}"
        if k == 1:
            nxt = f", next {aliases[second[i]]} {second_score[i]:.3g}" if second_ok[i] else ""
            reason[i] = f"lowest backtest {used[i]}: {chosen[i]} {s[i, rank[i, 0]]:.3g}{nxt}{note}"
        else:
            reason[i] = (
                f"mean of the {int(top_ok[i].sum())} models with the lowest backtest "
                f"{used[i]} ({chosen[i]}, mean {best_score[i]:.3g}){note}"
            )
    return pd.DataFrame(
        {
            "item_id": pd.array(items, dtype="str"),
            "model": pd.array(chosen.astype(str), dtype="str"),
            "score": best_score,
            "runner_up": pd.array(
                [str(aliases[second[i]]) if second_ok[i] else None for i in rows], dtype="str"
            ),
            "runner_up_score": np.where(second_ok, second_score, np.nan),
            "n_windows": np.where(has, n_win, 0),
            "selected_by": pd.array(np.where(has, used, "fallback").astype(str), dtype="str"),
            "status": pd.array(np.where(has, "selected", "fallback").astype(str), dtype="str"),
            "reason": pd.array(reason.astype(str), dtype="str"),
        }
    )


def _shrink(
    frame: pd.DataFrame,
    items: np.ndarray,
    models: list[str],
    score: np.ndarray,
    eligible: np.ndarray,
    groups: pd.Series,
    shrinkage: float,
    metric: str,
) -> np.ndarray:
    """Shrink each item's mean metric towards its group's mean (``shrinkage`` pseudo-windows)."""
    g = pd.Series(groups)
    g_items = g.set_axis(pd.Index(g.index.astype(str))).reindex(items)
    lab = g_items.astype("object").where(g_items.notna(), "__none__").to_numpy()
    ok = np.isfinite(frame[metric].to_numpy(dtype=float))
    n_ok = (
        frame.assign(ok=ok)
        .groupby(["item_id", "model"], sort=False)["ok"]
        .sum()
        .unstack("model")
        .reindex(index=items, columns=models)
        .fillna(0)
        .to_numpy(dtype=float)
    )
    out = score.copy()
    for g in pd.unique(lab):
        rows = (lab == g) & eligible
        if not rows.any():
            continue
        block = score[rows]
        fin = np.isfinite(block)
        cnt = fin.sum(axis=0)
        gmean = np.where(
            cnt > 0, np.where(fin, block, 0.0).sum(axis=0) / np.maximum(cnt, 1), np.nan
        )
        w = n_ok[rows]
        shrunk = (w * np.where(fin, block, 0.0) + shrinkage * gmean[None, :]) / (w + shrinkage)
        out[rows] = np.where(fin & np.isfinite(gmean)[None, :], shrunk, block)
    return out

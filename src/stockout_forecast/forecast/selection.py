"""Per-item model choice from a backtest.

One array core chooses for both :func:`select_models` (a tidy backtest frame in, a frame out)
and :func:`~stockout_forecast.forecast.forecast_demand` (the backtest arrays): the mean
metric per item and model over the scored windows (:func:`mean_scores`), shrunk towards the
item's group (:func:`shrink_scores`), then the best ``combine`` models (:func:`rank_models`).
:func:`long_memory_test` is the step ``forecast_demand`` adds: back to a long-memory level
when the backtest cannot tell the choice apart from it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..exceptions import SchemaError
from ..history.panel import DemandHistory
from ._kernels import prepare_panel

__all__ = ["demand_classes", "select_models", "volume_edges", "volume_groups"]

#: volume classes used to pool dispersions (quantile bins of the mean observed demand)
N_VOLUME_GROUPS = 5

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
    return _select_models(
        backtest_frame,
        metric=metric,
        combine=combine,
        fallback=fallback,
        groups=groups,
        shrinkage=shrinkage,
    )[0]


@dataclass
class SelectionPool:
    """What :func:`select_models` pools over items: the cross-item state of a selection.

    ``group_means[label]`` is the mean score of each model (in ``models`` order) over the
    items of a group, the target of the class shrinkage; ``fallback`` the model given to
    items without any scored window. Computed once over (a sample of) all items and passed
    to every chunk, it makes a chunk's choices those of one run over all items.
    """

    models: list[str]
    group_means: dict[str, np.ndarray]
    fallback: str


def _select_models(
    backtest_frame: pd.DataFrame,
    *,
    metric: str = "mase",
    combine: int | None = None,
    fallback: str | None = None,
    groups: pd.Series | None = None,
    shrinkage: float = 0.0,
    pool: SelectionPool | None = None,
) -> tuple[pd.DataFrame, SelectionPool]:
    """Body of :func:`select_models`, optionally with a pooled state.

    With ``pool`` the group means and the fallback are taken from it instead of being
    pooled over the items of ``backtest_frame``.
    """
    _check_select_args(backtest_frame, metric, combine)
    models = list(pd.unique(backtest_frame["model"].astype(str)))
    if fallback is not None and fallback not in models:
        raise ValueError(f"fallback {fallback!r} is not a model of the backtest; models: {models}.")
    frame = backtest_frame.assign(
        item_id=backtest_frame["item_id"].astype(str), model=backtest_frame["model"].astype(str)
    )
    items = np.sort(np.asarray(pd.unique(frame["item_id"]), dtype=object))
    alt = _UNSCALED.get(metric)
    sc = mean_scores(
        _window_table(frame, items, models, metric),
        _window_table(frame, items, models, alt) if alt in frame.columns else None,
        metric,
        alt,
    )
    if pool is not None and pool.models != models:
        raise ValueError(f"the selection pool is for models {pool.models}, not {models}.")
    labels = group_labels(groups, items) if groups is not None else None
    gmeans: dict[str, np.ndarray] = {}
    known = None if pool is None else pool.group_means
    shrunk = shrink_scores(sc, labels, shrinkage, known=known, means_out=gmeans)
    if fallback is None and pool is not None:
        fallback = pool.fallback
    fb = models.index(fallback) if fallback is not None else default_fallback(shrunk)
    out_pool = pool if pool is not None else SelectionPool(models, gmeans, models[fb])
    k = 1 if combine is None else min(int(combine), len(models))
    r = rank_models(shrunk, sc.mean, k, fb)
    n_win, any_train = _window_counts(frame, items)
    reason = _reasons_of_choice(r, models, sc.used, metric, any_train, models[fb], k)
    rows = np.arange(len(items))
    frame_out = pd.DataFrame(
        {
            "item_id": pd.array(items, dtype="str"),
            "model": pd.array(r.names(models), dtype="str"),
            "score": r.best_score,
            "runner_up": pd.array(
                [str(models[r.second[i]]) if r.second_ok[i] else None for i in rows], dtype="str"
            ),
            "runner_up_score": np.where(r.second_ok, r.second_score, np.nan),
            "n_windows": np.where(r.has, n_win, 0),
            "selected_by": pd.array(np.where(r.has, sc.used, "fallback").astype(str), dtype="str"),
            "status": pd.array(np.where(r.has, "selected", "fallback").astype(str), dtype="str"),
            "reason": pd.array(reason.astype(str), dtype="str"),
        }
    )
    return frame_out, out_pool


def _check_select_args(backtest_frame: pd.DataFrame, metric: str, combine: int | None) -> None:
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


def _window_table(
    frame: pd.DataFrame, items: np.ndarray, models: list[str], col: str | None
) -> np.ndarray:
    """(n_items, n_models, n_windows) values of ``col`` (NaN where a row is missing)."""
    windows = np.sort(np.asarray(pd.unique(frame["window"])))
    if col is None:
        return np.full((len(items), len(models), len(windows)), np.nan)
    g = frame.pivot_table(index="item_id", columns=["model", "window"], values=col, dropna=False)
    cols = pd.MultiIndex.from_product([models, windows], names=["model", "window"])
    g = g.reindex(index=items, columns=cols)
    return g.to_numpy(dtype=float).reshape(len(items), len(models), len(windows))


def _window_counts(frame: pd.DataFrame, items: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per item: windows scored (of its best-covered model) and whether any window trained."""
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
    any_train = (
        frame.assign(tr=frame["n_train"].to_numpy() > 0)
        .groupby("item_id")["tr"]
        .any()
        .reindex(items)
        .fillna(False)
        .to_numpy(dtype=bool)
    )
    return n_win, any_train


# --------------------------------------------------------------------------- the array core
@dataclass
class Scores:
    """Mean metric per item and model over the windows where it is finite.

    ``mean`` and ``n_ok`` have shape (n_items, n_models); ``used`` (n_items,) names the
    metric each item is ranked by (the unscaled one where the scaled is undefined).
    """

    mean: np.ndarray
    n_ok: np.ndarray
    used: np.ndarray
    metric: str


def mean_scores(
    win: np.ndarray,
    win_alt: np.ndarray | None,
    metric: str,
    alt: str | None,
    weights: np.ndarray | None = None,
) -> Scores:
    """:class:`Scores` from per-window values, shape (n_items, n_models, n_windows).

    Items without any finite value of ``metric`` (zero in-sample scale) are ranked by
    ``alt`` (``win_alt``) instead. ``weights`` (n_windows,), positive: a weighted mean
    over the finite windows (default equal); ``n_ok`` stays the count of windows.
    """
    n_items = win.shape[0]
    used = np.full(n_items, metric, dtype=object)
    none_scaled = ~np.isfinite(win).any(axis=(1, 2))
    if win_alt is not None and alt is not None and none_scaled.any():
        swap = none_scaled & np.isfinite(win_alt).any(axis=(1, 2))
        win = win.copy()
        win[swap] = win_alt[swap]
        used[swap] = alt
    ok = np.isfinite(win)
    n_ok = ok.sum(axis=2).astype(float)
    wt = ok.astype(float) if weights is None else np.where(ok, np.asarray(weights, float), 0.0)
    w_sum = wt.sum(axis=2)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(n_ok > 0, (np.where(ok, win, 0.0) * wt).sum(axis=2) / w_sum, np.nan)
    return Scores(mean, n_ok, used, metric)


def group_labels(groups: pd.Series | np.ndarray, items: np.ndarray) -> np.ndarray:
    """Group label per item of ``items`` (``"__none__"`` where missing)."""
    if isinstance(groups, pd.Series):
        g = groups.set_axis(pd.Index(groups.index.astype(str))).reindex(items)
        return g.astype("object").where(g.notna(), "__none__").to_numpy()
    return np.asarray(groups, dtype=object)


def shrink_scores(
    sc: Scores,
    labels: np.ndarray | None,
    shrinkage: float,
    *,
    known: dict[str, np.ndarray] | None = None,
    means_out: dict[str, np.ndarray] | None = None,
) -> np.ndarray:
    """Each item's mean score shrunk towards its group's (``shrinkage`` pseudo-windows).

    ``(n_i * s_i + shrinkage * g) / (n_i + shrinkage)`` with ``g`` the mean score of the
    model over the group's items ranked by the same metric; other items unchanged.
    ``known`` group means (from a run over all items) replace the ones of these items (a
    group absent from it is not shrunk); ``means_out`` receives the group means used.
    """
    score = sc.mean
    if labels is None or shrinkage <= 0:
        return score.copy()
    eligible = sc.used == sc.metric
    out = score.copy()
    for g in pd.unique(labels):
        rows = (labels == g) & eligible
        if not rows.any():
            continue
        block = score[rows]
        fin = np.isfinite(block)
        if known is not None:
            gmean = known.get(str(g), np.full(score.shape[1], np.nan))
        else:
            cnt = fin.sum(axis=0)
            gmean = np.where(
                cnt > 0, np.where(fin, block, 0.0).sum(axis=0) / np.maximum(cnt, 1), np.nan
            )
        if means_out is not None:
            means_out[str(g)] = gmean
        w = sc.n_ok[rows]
        shrunk = (w * np.where(fin, block, 0.0) + shrinkage * gmean[None, :]) / (w + shrinkage)
        out[rows] = np.where(fin & np.isfinite(gmean)[None, :], shrunk, block)
    return out


def default_fallback(score: np.ndarray) -> int:
    """The model with the lowest median score over the items that have one."""
    med = np.array(
        [np.median(c[np.isfinite(c)]) if np.isfinite(c).any() else np.inf for c in score.T]
    )
    return int(np.argmin(med)) if np.isfinite(med).any() else 0


@dataclass
class Ranking:
    """The models chosen per item from a score table, and the runner-up.

    ``members`` (n_items, k) holds model positions, ``-1`` where unused; items without any
    score get the fallback alone.
    """

    members: np.ndarray
    has: np.ndarray
    best: np.ndarray
    best_score: np.ndarray
    n_top: np.ndarray
    second: np.ndarray
    second_score: np.ndarray
    second_ok: np.ndarray

    def names(self, models: list[str]) -> np.ndarray:
        """Model name per item: an alias, or aliases joined by ``"+"`` (best first)."""
        return self.names_of(self.members, models)

    @staticmethod
    def names_of(members: np.ndarray, models: list[str]) -> np.ndarray:
        """Names of member positions (n_items, k), ``-1`` unused, joined by ``"+"``."""
        return np.array(
            ["+".join(models[j] for j in row if j >= 0) for row in members.tolist()],
            dtype=object,
        )


def rank_models(score: np.ndarray, raw: np.ndarray, k: int, fallback: int) -> Ranking:
    """The best ``k`` models per item (ties to the model listed first); fallback without any.

    ``score`` decides (shrunk), ``raw`` is reported (the item's own mean score).
    """
    n_items, n_models = score.shape
    has = np.isfinite(score).any(axis=1)
    s = np.where(np.isfinite(score), score, np.inf)
    rank = np.argsort(s, axis=1, kind="stable")
    rows = np.arange(n_items)
    top = rank[:, :k]
    top_ok = np.isfinite(s[rows[:, None], top])
    members = np.where(top_ok, top, -1)
    members[~has] = -1
    members[~has, 0] = fallback
    top_s = np.where(top_ok, np.where(np.isfinite(raw), raw, s)[rows[:, None], top], 0.0)
    n_top = top_ok.sum(axis=1)
    best_score = np.where(has, top_s.sum(axis=1) / np.maximum(n_top, 1), np.nan)
    second = rank[:, 1] if n_models > 1 else rank[:, 0]
    second_score = s[rows, second] if n_models > 1 else np.full(n_items, np.inf)
    return Ranking(
        members=members,
        has=has,
        best=s[rows, rank[:, 0]],
        best_score=best_score,
        n_top=n_top,
        second=second,
        second_score=second_score,
        second_ok=has & np.isfinite(second_score),
    )


def _reasons_of_choice(
    r: Ranking,
    models: list[str],
    used: np.ndarray,
    metric: str,
    any_train: np.ndarray,
    fallback: str,
    k: int,
) -> np.ndarray:
    """Plain-English reason per item for the choice (or the fallback)."""
    names = r.names(models)
    reason = np.empty(len(names), dtype=object)
    for i in range(len(names)):
        if not r.has[i]:
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
            nxt = ""
            if r.second_ok[i]:
                nxt = f", next {models[r.second[i]]} {r.second_score[i]:.3g}"
            reason[i] = f"lowest backtest {used[i]}: {names[i]} {r.best[i]:.3g}{nxt}{note}"
        else:
            reason[i] = (
                f"mean of the {int(r.n_top[i])} models with the lowest backtest "
                f"{used[i]} ({names[i]}, mean {r.best_score[i]:.3g}){note}"
            )
    return reason


def demand_classes(history: DemandHistory) -> np.ndarray:
    """Syntetos-Boylan class per item from its observed periods.

    ``adi`` = observed periods / periods with positive demand, ``cv2`` = squared coefficient
    of variation of the positive demands; smooth (adi < 1.32, cv2 < 0.49), erratic
    (adi < 1.32), intermittent (cv2 < 0.49), lumpy; ``"none"`` with fewer than 2 demands.
    """
    y, mask = prepare_panel(history.units, history.observed)
    pos = mask & (y > 0)
    n_obs = mask.sum(axis=1)
    n_pos = pos.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        adi = n_obs / n_pos
        m1 = np.where(pos, y, 0.0).sum(axis=1) / n_pos
        m2 = np.where(pos, y * y, 0.0).sum(axis=1) / n_pos
        cv2 = (m2 - m1 * m1) / (m1 * m1)
    out = np.where(
        adi < 1.32,
        np.where(cv2 < 0.49, "smooth", "erratic"),
        np.where(cv2 < 0.49, "intermittent", "lumpy"),
    ).astype(object)
    out[n_pos < 2] = "none"
    return out


def _rate(y: np.ndarray, mask: np.ndarray) -> np.ndarray:
    n_obs = mask.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(n_obs > 0, np.where(mask, y, 0.0).sum(axis=1) / n_obs, 0.0)


def volume_edges(
    y: np.ndarray, mask: np.ndarray, n_groups: int = N_VOLUME_GROUPS
) -> np.ndarray | None:
    """Bin edges of :func:`volume_groups` (None: too few items, one group)."""
    rate = _rate(y, mask)
    if n_groups <= 1 or len(rate) < 10 * n_groups:
        return None
    return np.quantile(rate, np.linspace(0, 1, n_groups + 1)[1:-1])


def volume_groups(
    y: np.ndarray,
    mask: np.ndarray,
    n_groups: int = N_VOLUME_GROUPS,
    *,
    edges: Any = "pooled",
) -> np.ndarray:
    """Volume class per item: quantile bins of the mean observed demand per period.

    ``edges`` (from :func:`volume_edges` over all items; None: one group) replaces the
    quantiles of these items, so that a chunk of items gets the groups of the whole set.
    """
    if isinstance(edges, str):
        edges = volume_edges(y, mask, n_groups)
    rate = _rate(y, mask)
    if edges is None:
        return np.zeros(len(rate), dtype=int)
    return np.searchsorted(edges, rate, side="right")

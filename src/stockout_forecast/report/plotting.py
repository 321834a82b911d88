"""Charts shared by result objects and the report (matplotlib, no global state changed)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

__all__ = ["stockout_timeline"]


def _new_axes(ax: Any = None, figsize: tuple[float, float] = (9, 3.2)) -> tuple[Any, Any]:
    import matplotlib.pyplot as plt

    if ax is not None:
        return ax.figure, ax
    fig, ax = plt.subplots(figsize=figsize)
    return fig, ax


def stockout_timeline(
    summary: pd.DataFrame, *, as_of: pd.Timestamp, weeks: int = 26, ax: Any = None
) -> Any:
    """Bar chart: how many items run out in each of the next ``weeks`` weeks.

    Parameters
    ----------
    summary : pandas.DataFrame
        One row per item with a ``stockout_date`` column (NaT = no stockout in the horizon).
    as_of : pandas.Timestamp
        Planning date; items already out of stock are counted in week 0.
    weeks : int
        Weeks to show.
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib.figure.Figure
    """
    fig, ax = _new_axes(ax)
    d = pd.to_datetime(summary["stockout_date"])
    wk = ((d - as_of).dt.days // 7).clip(lower=0)
    counts = np.bincount(wk.dropna().astype(int).clip(upper=weeks), minlength=weeks + 1)[:weeks]
    starts = as_of + pd.to_timedelta(np.arange(weeks) * 7, unit="D")
    colors = ["#b42318" if i == 0 else ("#f79009" if i < 2 else "#5b8db8") for i in range(weeks)]
    ax.bar(np.arange(weeks), counts, color=colors)
    ax.set_xticks(np.arange(0, weeks, 2))
    ax.set_xticklabels([f"{s:%d %b}" for s in starts[::2]], rotation=45, ha="right", fontsize=8)
    ax.set_ylabel("items running out")
    from matplotlib.ticker import MaxNLocator

    ax.yaxis.set_major_locator(MaxNLocator(integer=True))  # items are counted: no 2.5
    ax.set_title(
        "Items by week of their stockout date (first bar: the next 7 days, items already out "
        "included)",
        fontsize=10,
    )
    ax.spines[["top", "right"]].set_visible(False)
    return fig

"""Status and reason per item of a demand panel (first match wins; see demand_history Notes).

The statuses, in the order they are tried: ``no_sales``, ``no_demand`` (lines, never a
positive quantity), ``all_returns`` (returns at least cancel the sales), ``fully_censored``,
``new``, ``discontinued``, else ``ok`` (whose reason says how many periods were treated as
unobserved). :func:`history_status` works from per-item counts, which
:func:`~stockout_forecast.history.demand.demand_history` mostly knows already while building
the panel and :func:`item_stats` recounts for any panel.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from .._arrays import (
    cat,
    chunks,
    day_str,
    num_str,
    status_assigner,
    timestamp_day,
    to_days,
    zero_nan,
)
from ._common import DORMANT_PERIODS, MIN_PERIODS, PERIOD_WORD
from .panel import DemandHistory


def item_stats(
    units: np.ndarray, censored: np.ndarray, suspected: np.ndarray, dormant: int
) -> dict[str, np.ndarray]:
    """Per-item counts for the status of any panel (one chunked pass over items)."""
    n, n_t = units.shape
    st = {
        "n_act": np.zeros(n, dtype=np.int64),
        "n_cens": np.zeros(n, dtype=np.int64),
        "n_susp": np.zeros(n, dtype=np.int64),
        "gross": np.zeros(n),
        "returns": np.zeros(n),
        "first": np.full(n, -1, dtype=np.int64),
        "last_pos": np.full(n, -1, dtype=np.int64),
        "tail_known_out": np.zeros(n, dtype=bool),
        "tail_suspected": np.zeros(n, dtype=bool),
    }
    d = min(dormant, n_t)
    for sl in chunks(n):
        u = units[sl]
        act = ~np.isnan(u)
        u0 = zero_nan(u)
        pos = u0 > 0
        c = censored[sl] & act
        sp = suspected[sl] & act & ~c
        st["n_act"][sl] = act.sum(axis=1, dtype=np.int64)
        st["n_cens"][sl] = c.sum(axis=1, dtype=np.int64)
        st["n_susp"][sl] = sp.sum(axis=1, dtype=np.int64)
        st["gross"][sl] = (u0 * pos).sum(axis=1)
        st["returns"][sl] = st["gross"][sl] - u0.sum(axis=1)
        st["first"][sl] = np.where(st["n_act"][sl] > 0, act.argmax(axis=1), -1)
        st["last_pos"][sl] = last_true(pos)
        if d > 0:
            st["tail_known_out"][sl] = c[:, n_t - d :].all(axis=1)
            st["tail_suspected"][sl] = sp[:, n_t - 1]
    return st


def last_true(mask: np.ndarray) -> np.ndarray:
    """Column of the last True per row, -1 when none."""
    n_t = mask.shape[1]
    return np.where(mask.any(axis=1), n_t - 1 - mask[:, ::-1].argmax(axis=1), -1)


def history_status(
    stats: dict[str, np.ndarray],
    *,
    item_ids: np.ndarray,
    start_days: np.ndarray,
    freq: str,
    as_of_day: int,
    has_lines: np.ndarray | None = None,
    has_stock: np.ndarray | None = None,
    min_periods: int | None = None,
    dormant_periods: int | None = None,
) -> pd.DataFrame:
    """Status and reason per item from per-item counts (see demand_history Notes).

    ``stats`` holds, per item: ``n_act`` (active periods), ``n_cens``, ``n_susp`` (censored
    and suspected ones), ``gross`` and ``returns`` (units), ``first`` and ``last_pos``
    (columns of the first active and last positive period, -1 when none),
    ``tail_known_out`` and ``tail_suspected`` (the trailing periods are stock-outs).
    """
    n = len(item_ids)
    c = dict(stats)
    c["n_obs"] = c["n_act"] - c["n_cens"] - c["n_susp"]
    c["net"] = c["gross"] - c["returns"]
    c["has_lines"] = c["n_act"] > 0 if has_lines is None else has_lines
    c["has_stock"] = np.zeros(n, dtype=bool) if has_stock is None else has_stock
    ctx: dict[str, Any] = {
        "word": PERIOD_WORD[freq],
        "as_of": str(np.datetime64(int(as_of_day), "D")),
        "start_days": start_days,
        "min_periods": MIN_PERIODS[freq] if min_periods is None else min_periods,
        "dormant": DORMANT_PERIODS[freq] if dormant_periods is None else dormant_periods,
    }
    status = np.full(n, "ok", dtype=object)
    reason = np.full(n, "", dtype=object)
    done = np.zeros(n, dtype=bool)
    assign = status_assigner(status, reason, done)
    _assign_no_demand_statuses(assign, c, ctx)
    _assign_life_statuses(assign, c, ctx)
    _unobserved_reasons(reason, ~done, c, ctx["word"])
    return pd.DataFrame(
        {"status": pd.array(status, dtype="str"), "reason": pd.array(reason, dtype="str")},
        index=pd.Index(item_ids, dtype="str", name="item_id"),
    )


def _assign_no_demand_statuses(assign: Any, c: dict[str, np.ndarray], ctx: dict[str, Any]) -> None:
    """``no_sales``, ``no_demand``, ``all_returns``, ``fully_censored``: no demand to measure."""
    word, as_of_str = ctx["word"], ctx["as_of"]
    n_act, n_obs, n_cens, n_susp = c["n_act"], c["n_obs"], c["n_cens"], c["n_susp"]
    gross, returns, net = c["gross"], c["returns"], c["net"]
    no_lines = ~c["has_lines"]
    assign(
        no_lines & c["has_stock"] & (n_act > 0),
        "no_sales",
        lambda i: cat(
            f"no sales line on or before {as_of_str}; zero demand on ",
            n_obs[i],
            f" in-stock {word}",
        ),
    )
    assign(no_lines, "no_sales", lambda i: f"no sales line on or before {as_of_str}")
    assign(
        (gross <= 0) & (returns <= 0),
        "no_demand",
        lambda i: f"sales lines but never a positive quantity up to {as_of_str}: never sold",
    )
    assign(
        net <= 0,
        "all_returns",
        lambda i: cat(
            "net units over the history are ",
            num_str(net[i]),
            " (sales ",
            num_str(gross[i]),
            ", returns ",
            num_str(returns[i]),
            "): no demand to measure",
        ),
    )
    assign(
        n_obs == 0,
        "fully_censored",
        lambda i: cat(
            "all ",
            n_act[i],
            f" {word} since first activity are stock-outs (",
            n_cens[i],
            " censored, ",
            n_susp[i],
            " suspected): demand never observed",
        ),
    )


def _assign_life_statuses(assign: Any, c: dict[str, np.ndarray], ctx: dict[str, Any]) -> None:
    """``new`` (short history) and ``discontinued`` (no recent sale)."""
    word, min_periods, dormant = ctx["word"], ctx["min_periods"], ctx["dormant"]
    start_days = ctx["start_days"]
    n_t = len(start_days)
    n_act, first, last_pos = c["n_act"], c["first"], c["last_pos"]
    tail_suspected = c["tail_suspected"]

    def day_of(col: np.ndarray) -> np.ndarray:
        return day_str(start_days[np.maximum(col, 0)]) if n_t else np.full(len(col), "")

    assign(
        n_act < min_periods,
        "new",
        lambda i: cat(
            "only ",
            n_act[i],
            f" {word} of history (fewer than {min_periods}) since ",
            day_of(first[i]),
        ),
    )
    assign(
        (last_pos >= 0) & (last_pos < n_t - dormant) & ~c["tail_known_out"],
        "discontinued",
        lambda i: cat(
            f"no sale in the last {dormant} {word} (last sale in the period of ",
            day_of(last_pos[i]),
            "): looks discontinued",
            np.where(
                tail_suspected[i], ", or out of stock since then (no stock history to tell)", ""
            ),
        ),
    )


def _unobserved_reasons(
    reason: np.ndarray, rest: np.ndarray, c: dict[str, np.ndarray], word: str
) -> None:
    """Reasons of the remaining ("ok") items: what was treated as unobserved."""
    n_cens, n_susp = c["n_cens"], c["n_susp"]
    c_only = np.flatnonzero(rest & (n_cens > 0) & (n_susp == 0))
    s_only = np.flatnonzero(rest & (n_susp > 0) & (n_cens == 0))
    both = np.flatnonzero(rest & (n_susp > 0) & (n_cens > 0))
    cens_txt = f" censored {word} (out of stock)"
    sus_txt = f" {word} in suspected stock-outs (long zero runs; no stock history)"
    reason[c_only] = cat(n_cens[c_only], cens_txt)
    reason[s_only] = cat(n_susp[s_only], sus_txt)
    reason[both] = cat(n_cens[both], cens_txt, "; ", n_susp[both], sus_txt)


def status_of(history: DemandHistory) -> pd.DataFrame:
    """The history's status frame in item order; derived from the arrays when absent."""
    st = history.status
    if st is None or len(st) == 0 or not {"status", "reason"} <= set(st.columns):
        starts = to_days(history.periods.to_numpy())
        dormant = DORMANT_PERIODS[history.freq]
        return history_status(
            item_stats(history.units, history.censored, history.suspected, dormant),
            item_ids=np.asarray(history.item_ids, dtype=object),
            start_days=starts,
            freq=history.freq,
            as_of_day=timestamp_day(history.as_of),
        )
    index = pd.Index(history.item_ids, dtype="str")
    cols = st[["status", "reason"]]
    # the same rows in the same order: the reindexed frame is this one on the new index
    out = cols.set_axis(index) if st.index.equals(index) else cols.reindex(index)
    missing = out["status"].isna().to_numpy()
    if missing.any():
        out.loc[missing, "status"] = "ok"
        out.loc[missing, "reason"] = "no status recorded in the history"
    return out

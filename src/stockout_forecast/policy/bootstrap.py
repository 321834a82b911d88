"""Demand paths for a replay, resampled from each item's own history (:func:`bootstrap_demand_paths`).

The paths feed :func:`~stockout_forecast.simulated_reorder_point`,
:func:`~stockout_forecast.pooled_reorder_points` and
:func:`~stockout_forecast.simulate_policy`: periods drawn with replacement (optionally in
moving blocks, from the recent periods only, with parameter uncertainty by a double
bootstrap, or with donor items' timing for items with little history).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .._utils import RandomStateLike, check_random_state

__all__ = ["bootstrap_demand_paths"]


def bootstrap_demand_paths(
    units: np.ndarray | pd.DataFrame,
    n_paths: int,
    horizon: int,
    *,
    exclude: np.ndarray | None = None,
    block_length: int = 1,
    parameter_uncertainty: bool = False,
    sparse_donors: int | None = None,
    donor_sizes: bool = False,
    recent: int | None = None,
    random_state: RandomStateLike = None,
) -> np.ndarray:
    """Demand sample paths resampled from each item's own history (a bootstrap).

    Parameters
    ----------
    units : ndarray (n_items, n_periods) or DataFrame (items x periods)
        Historical demand per period, units; NaN periods (not yet listed, censored by a
        stockout) are never drawn.
    n_paths : int
        Paths per item.
    horizon : int
        Periods per path.
    exclude : bool ndarray (n_items, n_periods), optional
        Periods whose demand is set to 0 before resampling — e.g. special orders
        (:func:`~stockout_forecast.policy.quantities.flag_special_orders`), which are sourced on demand
        rather than stocked for. The period itself still counts (as a period without
        stocked demand).
    block_length : int, default 1
        1 draws periods independently; ``b > 1`` draws runs of ``b`` consecutive periods
        (moving-block bootstrap [2]_), keeping short-range dependence: clustered demand
        periods and local changes of level or lot size. With ``parameter_uncertainty`` the
        first resample is drawn in blocks too.
    parameter_uncertainty : bool, default False
        When True each path first resamples the item's history (same length) and then
        draws from that resample (a double bootstrap): paths then also differ in their
        demand *level*, as estimates from a short history would.
    sparse_donors : int, optional
        Empirical-Bayes treatment of items with little recent history. With ``k``, an item
        with at most ``k`` non-zero periods in the last half of its history does not
        resample its own (nearly empty) record: each of its paths takes a *donor* — an item
        drawn at random among those that had the same number of non-zero periods in the
        first half of the history — and resamples *when* the donor had demand in its second
        half, i.e. what actually happened next to items that looked like this one. The
        *size* of each demand is drawn from the item's own non-zero demands (order sizes
        are item-specific), 1 unit when it has none (see ``donor_sizes``). Items without
        donors keep their own history. None (default) resamples every item's own history.
    donor_sizes : bool, default False
        With ``sparse_donors``: an item that never had demand takes the *donor's* demand
        in the drawn period as its size (the size distribution of items that woke up after
        a dormant half-window) instead of 1 unit. Items with demand of their own always
        keep their own sizes.
    recent : int, optional
        Resample only each item's last ``recent`` usable periods (e.g. the last quarter of
        daily data, so that a trend is followed); None uses the whole history. The donor
        pool always uses the whole history.
    random_state : int, Generator or None
        Seed; paths are deterministic given it.

    Returns
    -------
    ndarray, shape (n_items, n_paths, horizon)
        Non-negative demand per period (integer-valued when the history is). Items without
        any usable period (and no donor) get NaN paths.

    Notes
    -----
    A bootstrap assumes the future resembles the resampled history (no trend, no
    seasonality beyond what blocks carry). It needs no model and keeps the item's own mix
    of zero periods and order sizes, which is what matters for slow and lumpy items. An
    item with no demand in its history has, by its own record, no demand at all; the
    donor pool (``sparse_donors``) replaces that by the observed behaviour of similar items
    over the next half-window, learned from the same history (ex ante).

    References
    ----------
    .. [1] Willemain, T. R., Smart, C. N., Schwarz, H. F. (2004). A new approach to
       forecasting intermittent demand for service parts inventories. *International Journal
       of Forecasting* 20(3), 375-387.
    .. [2] Künsch, H. R. (1989). The jackknife and the bootstrap for general stationary
       observations. *The Annals of Statistics* 17(3), 1217-1241.

    Examples
    --------
    >>> hist = np.array([[0.0, 2.0, 0.0, 4.0]])
    >>> paths = bootstrap_demand_paths(hist, 3, 5, random_state=0)
    >>> paths.shape, bool(np.isin(paths, [0.0, 2.0, 4.0]).all())
    ((1, 3, 5), True)
    """
    if not isinstance(n_paths, (int, np.integer)) or n_paths < 1:
        raise ValueError(f"n_paths must be a whole number >= 1; got {n_paths!r}.")
    if not isinstance(horizon, (int, np.integer)) or horizon < 1:
        raise ValueError(f"horizon must be a whole number >= 1; got {horizon!r}.")
    if not isinstance(block_length, (int, np.integer)) or block_length < 1:
        raise ValueError(f"block_length must be a whole number >= 1; got {block_length!r}.")
    x = np.asarray(
        units.to_numpy(dtype=float) if isinstance(units, pd.DataFrame) else units, dtype=float
    )
    if x.ndim != 2:
        raise ValueError(f"units must have shape (n_items, n_periods); got {x.shape}.")
    if exclude is not None:
        ex = np.asarray(exclude, dtype=bool)
        if ex.shape != x.shape:
            raise ValueError(f"exclude has shape {ex.shape}; expected {x.shape}.")
        x = np.where(ex & ~np.isnan(x), 0.0, x)
    if (x[~np.isnan(x)] < 0).any():
        raise ValueError("units has negative values; clip returns at 0 first.")
    if recent is not None and (not isinstance(recent, (int, np.integer)) or recent < 1):
        raise ValueError(f"recent must be a whole number of periods >= 1; got {recent!r}.")
    rng = check_random_state(random_state)
    full_history = x
    n, t = x.shape
    valid = ~np.isnan(x)
    counts = valid.sum(axis=1)
    # positions of the usable periods of each item, packed to the left
    order = np.argsort(~valid, axis=1, kind="stable")
    packed = np.take_along_axis(x, order, axis=1)
    if recent is not None:
        # keep the last `recent` usable periods, moved to the front of each row
        start = np.maximum(counts - int(recent), 0)
        shift = (np.arange(t)[None, :] + start[:, None]) % t
        packed = np.take_along_axis(packed, shift, axis=1)
        counts = np.minimum(counts, int(recent))
    safe_counts = np.maximum(counts, 1)
    if parameter_uncertainty:
        # the resampled history is itself drawn in blocks, so that a path's runs of
        # consecutive periods are runs of the item's history, not of an i.i.d. resample
        first = _block_index(rng, safe_counts, n_paths, t, block_length)
        pool = np.take_along_axis(packed[:, None, :].repeat(n_paths, axis=1), first, axis=2)
        pool_len = safe_counts
    else:
        pool = packed[:, None, :]
        pool_len = safe_counts
    idx = _block_index(rng, pool_len, n_paths, horizon, block_length)
    if parameter_uncertainty:
        out = np.take_along_axis(pool, idx, axis=2)
    else:
        out = np.take_along_axis(np.broadcast_to(pool, (n, n_paths, t)), idx, axis=2)
    out = np.where((counts == 0)[:, None, None], np.nan, out)
    if sparse_donors is not None:
        out = _donor_paths(
            full_history, out, int(sparse_donors), n_paths, horizon, rng, bool(donor_sizes)
        )
    return np.asarray(out, dtype=float)


def _block_index(
    rng: np.random.Generator, length: np.ndarray, n_paths: int, size: int, block: int
) -> np.ndarray:
    """Indices ``(n, n_paths, size)`` into each item's first ``length`` periods.

    Runs of ``block`` consecutive periods starting uniformly (a moving-block resample);
    ``block = 1`` draws periods independently.
    """
    n = len(length)
    n_blocks = -(-size // block)
    max_start = np.maximum(length - block + 1, 1)
    start = (rng.random((n, n_paths, n_blocks)) * max_start[:, None, None]).astype(np.int64)
    idx = (start[:, :, :, None] + np.arange(block)[None, None, None, :]).reshape(
        n, n_paths, n_blocks * block
    )[:, :, :size]
    return np.minimum(idx, (length - 1)[:, None, None])


def _donor_paths(
    x: np.ndarray,
    out: np.ndarray,
    k_max: int,
    n_paths: int,
    horizon: int,
    rng: np.random.Generator,
    donor_sizes: bool = False,
) -> np.ndarray:
    """Replace the paths of sparse items by resampled second halves of similar donors."""
    t = x.shape[1]
    h = t // 2
    if h < 1 or k_max < 0:
        return out
    first = x[:, t - 2 * h : t - h]
    second = x[:, t - h :]
    ok1, ok2 = ~np.isnan(first), ~np.isnan(second)
    # a donor needs most of both halves observed (a masked month or two is fine)
    full = (ok1.sum(axis=1) >= 0.75 * h) & (ok2.sum(axis=1) >= 0.75 * h)
    k_first = (np.nan_to_num(first) > 0).sum(axis=1)
    k_last = (np.nan_to_num(second) > 0).sum(axis=1)
    order = np.argsort(~ok2, axis=1, kind="stable")
    packed = np.take_along_axis(second, order, axis=1)  # usable periods first
    n_ok = np.maximum(ok2.sum(axis=1), 1)
    out = out.copy()
    for c in range(k_max + 1):
        donors = np.flatnonzero(full & (k_first == c))
        takers = np.flatnonzero(k_last == c)
        if not len(donors) or not len(takers):
            continue
        pick = donors[rng.integers(0, len(donors), size=(len(takers), n_paths))]
        u = rng.random((len(takers), n_paths, horizon))
        per = (u * n_ok[pick][:, :, None]).astype(np.int64)
        drawn = np.nan_to_num(packed[pick[:, :, None], per])
        occurs = drawn > 0
        # sizes: the taker's own non-zero sizes (order sizes are item-specific), 1 if none
        own = np.where(np.nan_to_num(x[takers]) > 0, x[takers], np.nan)
        own_sorted = np.sort(own, axis=1)  # NaN last
        n_own = (~np.isnan(own)).sum(axis=1)
        pos = rng.random((len(takers), n_paths, horizon)) * np.maximum(n_own, 1)[:, None, None]
        size = np.take_along_axis(
            own_sorted[:, None, :].repeat(n_paths, axis=1), pos.astype(np.int64), axis=2
        )
        size = np.where((n_own == 0)[:, None, None], drawn if donor_sizes else 1.0, size)
        out[takers] = np.where(occurs, size, 0.0)
    return out


# --------------------------------------------------------------------------- pooled

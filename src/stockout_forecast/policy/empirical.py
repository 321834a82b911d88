"""Empirical policy maths: reorder points from simulated lead-time demand, no shape assumed.

:func:`lead_time_demand_samples` adds up demand sample paths over the protection interval
(lead time, optionally drawn per path, plus review period); :func:`empirical_reorder_point`
takes the quantile (cycle service level) or solves the empirical loss equation (fill rate)
of those samples. Conventions (service measures, loss formula) are those of :mod:`.normal`.
"""

from __future__ import annotations

import numpy as np

from ._args import ArrayLike, Loss, Measure, _check_choice, _check_service_level

__all__ = [
    "empirical_reorder_point",
    "empirical_safety_stock",
    "lead_time_demand_samples",
    "periods_reached",
]


def lead_time_demand_samples(
    paths: np.ndarray,
    lead_time: ArrayLike,
    *,
    review_period: float = 0.0,
) -> np.ndarray:
    """Demand over the protection interval ``L + R`` for each sample path.

    Parameters
    ----------
    paths : ndarray, shape (n_items, n_paths, horizon)
        Demand per period along each path (e.g. ``DemandForecast.sample_paths(...)``),
        units/period; period 0 is the first period after the order is placed.
    lead_time : float, array of shape (n_items,) or (n_items, n_paths)
        Lead time in periods; a 2-D array gives one lead-time draw per path (lead-time
        uncertainty, e.g. from :func:`stockout_forecast.history.leadtime.sample_lead_times`).
        Fractions of a period count that fraction of the period's demand.
    review_period : float, default 0
        Review period ``R`` added to the lead time (periods).

    Returns
    -------
    ndarray, shape (n_items, n_paths)
        Units demanded over ``L + R`` along each path; NaN where the lead time is NaN.

    Raises
    ------
    ValueError
        If a protection interval is longer than the paths' horizon.

    Notes
    -----
    ``D(P) = C(⌊P⌋) + (P - ⌊P⌋) (C(⌊P⌋ + 1) - C(⌊P⌋))`` with ``C`` the cumulative demand
    along the path: demand within a period is taken as spread evenly over it.

    Examples
    --------
    >>> paths = np.array([[[1.0, 2.0, 3.0], [0.0, 0.0, 4.0]]])   # 1 item, 2 paths
    >>> lead_time_demand_samples(paths, 1.5)
    array([[2., 0.]])
    >>> lead_time_demand_samples(paths, 1, review_period=1)
    array([[3., 0.]])
    """
    paths = np.asarray(paths, dtype=float)
    if paths.ndim != 3:
        raise ValueError(
            f"paths must have shape (n_items, n_paths, horizon); got shape {paths.shape}."
        )
    n, p, h = paths.shape
    lt = np.asarray(lead_time, dtype=float)
    if lt.ndim == 0:
        lt = np.full((n, 1), float(lt))
    elif lt.ndim == 1:
        if lt.shape[0] != n:
            raise ValueError(f"lead_time has {lt.shape[0]} values for {n} items.")
        lt = lt[:, None]
    elif lt.shape != (n, p):
        raise ValueError(f"lead_time must have shape ({n},) or ({n}, {p}); got {lt.shape}.")
    if (lt < 0).any():
        raise ValueError("lead_time must not be negative.")
    total = np.broadcast_to(lt + float(review_period), (n, p))
    finite = np.isfinite(total)
    if finite.any() and total[finite].max() > h:
        raise ValueError(
            f"The protection interval L + R reaches {total[finite].max():g} periods but the "
            f"paths cover only {h}. Draw paths with a horizon of at least "
            f"{int(np.ceil(total[finite].max()))} periods."
        )
    if h == 0:
        return np.where(finite, 0.0, np.nan)
    safe = np.where(finite, total, 0.0)
    lo = np.floor(safe).astype(np.intp)
    frac = safe - lo
    hi = np.minimum(lo + 1, h)
    # C(k) = cum[k - 1], C(0) = 0; only the periods up to the furthest ``hi`` are summed,
    # one period at a time on a copy (the same sums as np.cumsum on the last axis, which
    # runs one short path at a time and costs ~3x more)
    cum = np.array(paths[:, :, : int(hi.max(initial=1))])
    for j in range(1, cum.shape[2]):
        cum[:, :, j] += cum[:, :, j - 1]
    c_lo = np.take_along_axis(cum, np.maximum(lo - 1, 0)[:, :, None], axis=2)[:, :, 0]
    c_lo = np.where(lo > 0, c_lo, 0.0)
    c_hi = np.take_along_axis(cum, (hi - 1)[:, :, None], axis=2)[:, :, 0]
    out = c_lo + frac * (c_hi - c_lo)
    return np.where(finite, out, np.nan)


def periods_reached(lead_time: ArrayLike, horizon: int) -> int:
    """Periods of the paths :func:`lead_time_demand_samples` reads for ``lead_time``.

    The paths can be cut to that many periods (a smaller copy) without changing its result:
    one more than the longest finite lead time, whole periods, at most ``horizon``.

    Examples
    --------
    >>> periods_reached(np.array([2.5, 7.0, np.nan]), 30)
    8
    """
    lt = np.asarray(lead_time, dtype=float)
    lt = lt[np.isfinite(lt)]
    longest = float(lt.max()) if lt.size else 0.0
    return int(min(horizon, max(1.0, np.floor(longest) + 1)))


def _empirical_loss(sorted_x: np.ndarray, prefix: np.ndarray, s: np.ndarray) -> np.ndarray:
    """E[(X - s)+] per row for sorted samples (rows) at levels ``s`` (one per row)."""
    m = sorted_x.shape[1]
    k = (sorted_x <= s[:, None]).sum(axis=1)
    upper_sum = prefix[:, -1] - np.take_along_axis(prefix, k[:, None], axis=1)[:, 0]
    return (upper_sum - (m - k) * s) / m


def empirical_reorder_point(
    ltd_samples: np.ndarray,
    *,
    service_level: ArrayLike,
    measure: Measure = "cycle",
    order_quantity: ArrayLike | None = None,
    loss: Loss = "one-term",
    integer: bool = True,
) -> np.ndarray:
    """Reorder point from the empirical lead-time-demand distribution (no shape assumed).

    Parameters
    ----------
    ltd_samples : ndarray, shape (n_items, n_samples)
        Simulated demand over the protection interval (:func:`lead_time_demand_samples`),
        units. Rows containing NaN give NaN.
    service_level : float or array of shape (n_items,)
        Target cycle service level or fill rate, fraction in (0, 1).
    measure : {"cycle", "fill_rate"}, default "cycle"
        ``"cycle"``: the smallest ``s`` with ``P(D ≤ s) ≥ CSL`` (the ``inverted_cdf``
        quantile). ``"fill_rate"``: the smallest ``s`` with expected units short per
        cycle ``E[(D - s)⁺] ≤ (1 - β) Q`` (one-term) or
        ``E[(D - s)⁺] - E[(D - s - Q)⁺] ≤ (1 - β) Q`` (two-term).
    order_quantity : float or array of shape (n_items,), optional
        Units per replenishment cycle ``Q``; required for ``measure="fill_rate"``.
    loss : {"one-term", "two-term"}, default "one-term"
        Expected-shortage formula, as for the normal approximation.
    integer : bool, default True
        Return the smallest *integer* reorder point meeting the target (count demand);
        False gives the exact real-valued solution.

    Returns
    -------
    ndarray, shape (n_items,)
        Reorder point in units of inventory position.

    Notes
    -----
    ``E[(D - s)⁺]`` of the sample is piecewise linear in ``s`` and is evaluated exactly
    from the sorted samples and their suffix sums; the smallest ``s`` meeting the target is
    found by a bisection run on all items at once. The precision is limited by the number
    of samples: with ``m`` samples a CSL above ``1 - 1/m`` returns the sample maximum.

    References
    ----------
    .. [SS] Snyder & Shen (2019), 2nd ed., sec. 4.3.4 (discrete demand: the smallest
       ``S`` with ``F(S) ≥ α``).

    Examples
    --------
    >>> ltd = np.array([[0, 0, 1, 1, 2, 2, 3, 4, 6, 9]], dtype=float)
    >>> empirical_reorder_point(ltd, service_level=0.8)
    array([4.])
    >>> empirical_reorder_point(ltd, service_level=0.95, measure="fill_rate",
    ...                         order_quantity=4)
    array([6.])
    """
    _check_choice(measure, "measure", ("cycle", "fill_rate"))
    _check_choice(loss, "loss", ("one-term", "two-term"))
    x = np.asarray(ltd_samples, dtype=float)
    if x.ndim != 2:
        raise ValueError(f"ltd_samples must have shape (n_items, n_samples); got {x.shape}.")
    n, m = x.shape
    level = np.broadcast_to(_check_service_level(service_level), (n,)).astype(float)
    bad_rows = np.isnan(x).any(axis=1) | np.isnan(level) | (m == 0)
    out = np.full(n, np.nan)
    if m == 0 or bad_rows.all():
        return out
    ok = ~bad_rows
    xs = np.sort(x[ok], axis=1)
    lvl = level[ok]
    if measure == "cycle":
        # inverted_cdf: the smallest sample value x_(j) with j/m >= level
        j = np.ceil(lvl * m - 1e-9).astype(np.intp) - 1
        res = xs[np.arange(xs.shape[0]), np.clip(j, 0, m - 1)]
        out[ok] = np.ceil(res - 1e-9) if integer else res
        return out
    if order_quantity is None:
        raise ValueError("measure='fill_rate' needs order_quantity (units per cycle).")
    q = np.broadcast_to(np.asarray(order_quantity, dtype=float), (n,))[ok]
    if (q <= 0).any():
        raise ValueError("order_quantity must be > 0 for a fill-rate target.")
    target = (1.0 - lvl) * q
    prefix = np.concatenate([np.zeros((xs.shape[0], 1)), np.cumsum(xs, axis=1)], axis=1)

    def short(s: np.ndarray) -> np.ndarray:
        val = _empirical_loss(xs, prefix, s)
        if loss == "two-term":
            val = val - _empirical_loss(xs, prefix, s + q)
        return val

    lo = xs[:, 0] - q - 1.0  # short(lo) >= min(Q, ...) > target: infeasible side
    hi = xs[:, -1]  # short(hi) == 0 <= target: feasible side
    if integer:
        lo = np.floor(lo)
        hi = np.ceil(hi)
        while np.any(hi - lo > 1):
            mid = np.floor(0.5 * (lo + hi))
            good = short(mid) <= target + 1e-12
            hi = np.where(good, mid, hi)
            lo = np.where(good, lo, mid)
        out[ok] = hi
    else:
        for _ in range(100):
            mid = 0.5 * (lo + hi)
            good = short(mid) <= target + 1e-12
            hi = np.where(good, mid, hi)
            lo = np.where(good, lo, mid)
        out[ok] = hi
    return out


def empirical_safety_stock(
    ltd_samples: np.ndarray,
    *,
    service_level: ArrayLike,
    measure: Measure = "cycle",
    order_quantity: ArrayLike | None = None,
    loss: Loss = "one-term",
    integer: bool = True,
) -> np.ndarray:
    """Safety stock from the empirical distribution: :func:`empirical_reorder_point` − mean.

    Parameters are those of :func:`empirical_reorder_point`.

    Returns
    -------
    ndarray, shape (n_items,)
        Reorder point minus the sample mean of lead-time demand (units).

    Examples
    --------
    >>> ltd = np.array([[0, 0, 1, 1, 2, 2, 3, 4, 6, 9]], dtype=float)   # mean 2.8
    >>> np.round(empirical_safety_stock(ltd, service_level=0.8), 1)
    array([1.2])
    """
    s = empirical_reorder_point(
        ltd_samples,
        service_level=service_level,
        measure=measure,
        order_quantity=order_quantity,
        loss=loss,
        integer=integer,
    )
    x = np.asarray(ltd_samples, dtype=float)
    return s - x.mean(axis=1)

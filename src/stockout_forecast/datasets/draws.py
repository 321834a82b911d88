"""The demo shop's random parameters: items, their suppliers, and the candidate order lines."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

#: The demand patterns of the demo items, recorded per item in ``items.demand_pattern``.
DEMAND_PATTERNS: tuple[str, ...] = (
    "fast",
    "steady",
    "trending",
    "intermittent",
    "lumpy",
    "new",
    "discontinued",
)


#: Share of the items with each pattern (same order as :data:`DEMAND_PATTERNS`).
_PATTERN_SHARES = (0.18, 0.15, 0.14, 0.22, 0.12, 0.08, 0.11)


# --------------------------------------------------------------------------- parameters
def _changes(a: np.ndarray) -> np.ndarray:
    """True where an element differs from the one before (and at the first element).

    >>> _changes(np.array([4, 4, 5, 4])).tolist(), _changes(np.array([])).tolist()
    ([True, False, True, True], [])
    """
    out = np.ones(len(a), dtype=bool)
    out[1:] = a[1:] != a[:-1]
    return out


def _pattern_counts(n_items: int) -> np.ndarray:
    """Items per pattern: the shares rounded by largest remainder (each pattern >= 1 if n >= 7)."""
    raw = np.asarray(_PATTERN_SHARES) * n_items
    counts = np.floor(raw).astype(np.int64)
    if n_items >= len(DEMAND_PATTERNS):
        counts = np.maximum(counts, 1)
    while counts.sum() > n_items:
        counts[np.argmax(counts)] -= 1
    order = np.argsort(-(raw - np.floor(raw)), kind="stable")
    k = 0
    while counts.sum() < n_items:
        counts[order[k % len(order)]] += 1
        k += 1
    return counts


@dataclass
class _Items:
    """Per-item simulation parameters (arrays of length n_items)."""

    pattern: np.ndarray  # int codes into DEMAND_PATTERNS
    base_rate: np.ndarray  # expected units/day at the start (before seasonality)
    mean_size: np.ndarray  # mean units per order line
    size_shape: np.ndarray  # negative-binomial shape of (line size - 1)
    dow: np.ndarray  # (n, 7) day-of-week factors, mean 1
    peak: np.ndarray  # year-end peak amplitude (fraction of the base rate)
    growth: np.ndarray  # exponential trend, per year
    launch: np.ndarray  # first day of life (0 unless pattern "new")
    disc_day: np.ndarray  # day replenishment stops (n_days unless "discontinued")
    accept_backorder: np.ndarray  # probability a short order line is backordered, not lost
    return_rate: np.ndarray  # probability a sold line is returned
    unit_cost: np.ndarray
    unit_price: np.ndarray
    review_period: np.ndarray
    review_offset: np.ndarray
    safety_factor: np.ndarray  # safety days as a fraction of (lead time + review period)
    cycle_days: np.ndarray  # order quantity in days of demand


def _draw_items(rng: np.random.Generator, n: int, n_days: int) -> _Items:
    counts = _pattern_counts(n)
    pattern = rng.permutation(np.repeat(np.arange(len(DEMAND_PATTERNS)), counts))
    p = {name: pattern == k for k, name in enumerate(DEMAND_PATTERNS)}
    u = rng.random((n, 12))

    base, mean_size, shape = _draw_rates(p, u)
    dow = _draw_day_of_week(rng, p, u)
    peak = np.zeros(n)
    peak[p["fast"]] = 0.6 + 0.9 * u[p["fast"], 4]
    peak[p["steady"]] = 0.4 * u[p["steady"], 4]
    peak[p["trending"]] = 0.5 * u[p["trending"], 4]
    growth = np.zeros(n)
    mt = p["trending"]
    sign = np.where(u[mt, 5] < 0.7, 1.0, -1.0)
    growth[mt] = sign * (0.35 + 0.45 * u[mt, 6])

    launch = np.zeros(n, dtype=np.int64)
    weeks = rng.integers(2, 9, size=n)  # 2-8 weeks of history
    launch[p["new"]] = np.maximum(n_days - 7 * weeks[p["new"]], 0)
    disc_day = np.full(n, n_days, dtype=np.int64)
    md = p["discontinued"]
    disc_day[md] = (n_days * (0.25 + 0.4 * u[md, 7])).astype(np.int64)

    accept = np.where(u[:, 8] < 0.25, 0.0, 0.3 + 0.6 * u[:, 9])
    return_rate = 0.005 + 0.03 * u[:, 10]
    unit_cost = np.round(np.exp(rng.normal(np.log(12.0), 1.0, size=n)).clip(0.4, 900.0), 2)
    unit_price = np.round(unit_cost * rng.uniform(1.3, 2.2, size=n), 2)
    review_period = np.where(u[:, 11] < 0.6, 1, 7)
    review_offset = rng.integers(0, 7, size=n)
    safety_factor = rng.uniform(-0.2, 0.6, size=n)
    cycle_days = rng.uniform(14.0, 60.0, size=n)
    return _Items(
        pattern=pattern,
        base_rate=base,
        mean_size=mean_size,
        size_shape=shape,
        dow=dow,
        peak=peak,
        growth=growth,
        launch=launch,
        disc_day=disc_day,
        accept_backorder=accept,
        return_rate=return_rate,
        unit_cost=unit_cost,
        unit_price=unit_price,
        review_period=review_period,
        review_offset=review_offset,
        safety_factor=safety_factor,
        cycle_days=cycle_days,
    )


def _draw_rates(
    p: dict[str, np.ndarray], u: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Base demand (units/day), mean line size and line-size shape, by pattern."""
    n = len(u)
    base = np.empty(n)
    mean_size = np.empty(n)
    shape = np.empty(n)
    # fast movers: ~4-14 units/day (log-uniform) in lines of 2-3.5 units
    base[p["fast"]] = np.exp(np.log(4.0) + u[p["fast"], 0] * np.log(14 / 4))
    mean_size[p["fast"]] = 2.0 + 1.5 * u[p["fast"], 1]
    shape[p["fast"]] = 3.0
    for name, lo, hi, size_lo, size_hi in (
        ("steady", 1.5, 5.0, 1.5, 2.5),
        ("trending", 1.0, 4.0, 1.5, 3.0),
        ("new", 1.0, 8.0, 1.5, 3.0),
    ):
        m = p[name]
        base[m] = lo + (hi - lo) * u[m, 0]
        mean_size[m] = size_lo + (size_hi - size_lo) * u[m, 1]
        shape[m] = 4.0
    m = p["discontinued"]
    base[m] = 0.4 + 3.0 * u[m, 0]
    mean_size[m] = 1.2 + 1.0 * u[m, 1]
    shape[m] = 4.0
    # intermittent: demand on 3-25% of days, sizes barely vary (CV^2 < 0.49)
    m = p["intermittent"]
    occ = 0.03 + 0.22 * u[m, 0]
    mean_size[m] = 1.05 + 0.6 * u[m, 1]
    shape[m] = 20.0
    base[m] = -np.log1p(-occ) * mean_size[m]
    # lumpy: rare, large and very variable lines (CV^2 > 0.49)
    m = p["lumpy"]
    occ = 0.02 + 0.12 * u[m, 0]
    mean_size[m] = 4.0 + 20.0 * u[m, 1]
    shape[m] = 0.6 + 0.5 * u[m, 2]
    base[m] = -np.log1p(-occ) * mean_size[m]

    return base, mean_size, shape


def _draw_day_of_week(
    rng: np.random.Generator, p: dict[str, np.ndarray], u: np.ndarray
) -> np.ndarray:
    """(n, 7) day-of-week factors with mean 1."""
    n = len(u)
    # day of week: weekdays ~1, weekends lower (fast movers most), normalised to mean 1
    weekend = np.where(p["fast"] | p["new"], 0.45 + 0.35 * u[:, 3], 0.5 + 0.4 * u[:, 3])
    weekend = np.where(p["intermittent"] | p["lumpy"], 1.0, weekend)
    dow = np.ones((n, 7))
    dow[:, :5] += rng.uniform(-0.1, 0.15, size=(n, 5)) * (weekend < 1)[:, None]
    dow[:, 5] = weekend
    dow[:, 6] = weekend * 0.6
    dow /= dow.mean(axis=1, keepdims=True)

    return dow


@dataclass
class _Suppliers:
    """Item x supplier rows (flat arrays), grouped by item, preferred supplier first."""

    item: np.ndarray
    supplier: np.ndarray  # index into the supplier pool
    first: np.ndarray  # (n_items,) first row of each item
    cum_prob: np.ndarray  # (n_items, 3) cumulative probability of choosing row k
    unit_cost: np.ndarray
    lead_time: np.ndarray  # stated, days
    lead_time_sd: np.ndarray
    on_time_rate: np.ndarray
    moq: np.ndarray
    pack: np.ndarray
    capacity: np.ndarray
    order_cost: np.ndarray
    short_rate: np.ndarray  # probability a delivery arrives short


def _draw_suppliers(rng: np.random.Generator, items: _Items) -> tuple[int, _Suppliers]:
    n = len(items.pattern)
    n_pool = max(4, round(n / 20))
    kind = rng.choice(3, size=n_pool, p=[0.5, 0.3, 0.2])  # local, regional, overseas
    lt_lo = np.array([3, 10, 25])[kind]
    lt_hi = np.array([10, 21, 50])[kind]
    pool_lt = rng.integers(lt_lo, lt_hi + 1)
    pool_sd = np.round(np.maximum(pool_lt * rng.uniform(0.1, 0.35, n_pool), 0.5), 1)
    pool_on_time = np.round(rng.uniform(0.55, 0.97, n_pool), 2)
    pool_order_cost = np.round(rng.uniform(20.0, 150.0, n_pool), 2)
    pool_short = rng.uniform(0.01, 0.12, n_pool)
    pool_discount = np.where(kind == 2, 0.88, 1.0)  # overseas is cheaper

    k_per_item = rng.choice([1, 2, 3], size=n, p=[0.4, 0.4, 0.2])
    k_per_item = np.minimum(k_per_item, n_pool)
    item = np.repeat(np.arange(n), k_per_item)
    first = np.concatenate([[0], np.cumsum(k_per_item)[:-1]])
    rank = np.arange(len(item)) - first[item]
    # distinct suppliers per item: the first k of a random permutation of the pool
    keys = rng.random((n, n_pool))
    perm = np.argsort(keys, axis=1)
    supplier = perm[item, rank]
    probs = np.array([[1.0, 0.0, 0.0], [0.8, 0.2, 0.0], [0.7, 0.2, 0.1]])[k_per_item - 1]
    cum_prob = np.cumsum(probs, axis=1)
    cum_prob[:, -1] = 1.0  # exactly 1 despite rounding, so a draw never passes the last row

    lead_time = pool_lt[supplier] + rng.integers(0, 3, size=len(item))
    lead_time_sd = pool_sd[supplier]
    unit_cost = np.round(
        items.unit_cost[item] * pool_discount[supplier] * rng.uniform(0.92, 1.12, len(item)), 2
    )
    unit_cost = np.maximum(unit_cost, 0.01)
    # pack and MOQ scale with the item's demand; capacity covers 1.5-5 typical orders
    rate = items.base_rate[item] * np.exp(np.maximum(items.growth[item], 0.0) * 2)
    pack_choices = np.array([1, 2, 5, 6, 10, 12, 24, 50])
    pack_max = np.searchsorted(pack_choices, np.maximum(rate * 3.0, 1.0), side="right")
    pack = pack_choices[(rng.random(len(item)) * np.maximum(pack_max, 1)).astype(np.int64)]
    moq = pack * rng.choice([1, 1, 2, 5], size=len(item))
    typical = np.maximum(rate * items.cycle_days[item], 1.0)
    capacity = pack * np.ceil(typical * rng.uniform(1.5, 5.0, len(item)) / pack)
    capacity = np.maximum(capacity, moq * 2)
    return n_pool, _Suppliers(
        item=item,
        supplier=supplier,
        first=first,
        cum_prob=cum_prob,
        unit_cost=unit_cost,
        lead_time=lead_time.astype(np.int64),
        lead_time_sd=lead_time_sd,
        on_time_rate=pool_on_time[supplier],
        moq=moq.astype(np.int64),
        pack=pack.astype(np.int64),
        capacity=capacity.astype(np.int64),
        order_cost=pool_order_cost[supplier],
        short_rate=pool_short[supplier],
    )


def _expected_demand(items: _Items, dates: pd.DatetimeIndex) -> np.ndarray:
    """Expected units per item and day, shape (n_items, n_days)."""
    n_days = len(dates)
    t = np.arange(n_days)
    dow = items.dow[:, dates.day_of_week.to_numpy()]
    # year-end peak centred on 12 December (circular distance in days, width 14 days)
    doy = dates.day_of_year.to_numpy()
    dist = np.abs(doy - 346)
    dist = np.minimum(dist, 365 - dist)
    bump = np.exp(-0.5 * (dist / 14.0) ** 2)
    season = 1.0 + items.peak[:, None] * bump[None, :]
    # closed-ish days: 25-26 December and 1 January see a fifth of the usual demand
    month, day = dates.month.to_numpy(), dates.day.to_numpy()
    closed = ((month == 12) & ((day == 25) | (day == 26))) | ((month == 1) & (day == 1))
    season = season * np.where(closed, 0.2, 1.0)[None, :]
    trend = np.exp(items.growth[:, None] * t[None, :] / 365.25)
    alive = t[None, :] >= items.launch[:, None]
    return items.base_rate[:, None] * dow * season * trend * alive


@dataclass
class _Lines:
    """Candidate customer order lines (demand), sorted by (day, item, position in the day)."""

    day: np.ndarray
    item: np.ndarray
    size: np.ndarray
    cum_before: np.ndarray  # units of earlier lines of the same item and day
    day_start: np.ndarray  # (n_days + 1,) first line of each day
    accept: np.ndarray  # a short line is backordered (True) or lost (False)


def _draw_lines(rng: np.random.Generator, items: _Items, mu: np.ndarray) -> _Lines:
    n, n_days = mu.shape
    lam = mu / items.mean_size[:, None]
    counts = rng.poisson(lam.T).ravel()  # day-major cells: cell = day * n + item
    cell = np.repeat(np.arange(n_days * n), counts)
    day = cell // n
    item = cell % n
    m = items.mean_size[item] - 1.0
    r = items.size_shape[item]
    size = 1 + rng.negative_binomial(r, r / (r + m))
    cs = np.cumsum(size)
    starts = np.flatnonzero(_changes(cell))
    group_len = np.diff(np.r_[starts, len(cell)])
    before_group = np.repeat(cs[starts] - size[starts], group_len)
    cum_before = cs - size - before_group
    day_start = np.searchsorted(day, np.arange(n_days + 1), side="left")
    accept = rng.random(len(day)) < items.accept_backorder[item]
    return _Lines(
        day=day,
        item=item,
        size=size.astype(np.int64),
        cum_before=cum_before.astype(np.int64),
        day_start=day_start,
        accept=accept,
    )

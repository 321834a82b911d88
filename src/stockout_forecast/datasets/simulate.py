"""The demo shop day by day: deliveries, delisting, backorders, sales and the planner's reorders.

Vectorised over items with one loop over days; what the simulation produces includes the
truth behind the censored sales (demand lost or backordered), which the tests use.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import ndtri

from .draws import DEMAND_PATTERNS, _Items, _Lines, _Suppliers


# --------------------------------------------------------------------------- simulation
@dataclass
class _Simulation:
    """Everything the day-by-day simulation produced, including what the data hide.

    ``demand``, ``lost`` and ``backordered`` are the truth behind the censored sales; tests
    use them to check that unserved demand never appears in ``sales``.
    """

    n_days: int
    demand: np.ndarray  # (n, T) units demanded by listed items
    sold: np.ndarray  # (n, T) units shipped from stock on the day of the order
    lost: np.ndarray  # (n, T)
    backordered: np.ndarray  # (n, T) units backordered on the day
    fills: np.ndarray  # (n, T) backordered units shipped on the day
    cancels: np.ndarray  # (n, T) backordered units cancelled at delisting
    on_hand: np.ndarray  # (n, T) end of day
    backlog: np.ndarray  # (n,) at the end
    delisted_day: np.ndarray  # (n,) day the item left the catalogue (n_days if never)
    line_sold: np.ndarray
    line_backordered: np.ndarray
    line_valid: np.ndarray  # the line was real demand (item listed that day)
    po_item: np.ndarray
    po_row: np.ndarray  # supplier row
    po_units: np.ndarray
    po_order_day: np.ndarray
    po_arrival_day: np.ndarray
    po_received: np.ndarray


def _lead_times(
    rng: np.random.Generator, sup: _Suppliers, rows: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Realised lead times (days) and received fractions for new orders on supplier ``rows``.

    The lead time is ``ceil(L + sd * (z - z_q))`` days, with ``z`` standard normal and
    ``z_q`` the ``on_time_rate`` quantile: it is at most the stated ``L`` exactly when
    ``z <= z_q``, so P(on time) = on_time_rate (the clip to [1, 2L + 10] keeps this).
    """
    lt_stated = sup.lead_time[rows]
    z = rng.standard_normal(len(rows))
    zq = ndtri(sup.on_time_rate[rows])
    lt = np.ceil(lt_stated + sup.lead_time_sd[rows] * (z - zq)).astype(np.int64)
    lt = np.clip(lt, 1, 2 * lt_stated + 10)
    short = rng.random(len(rows)) < sup.short_rate[rows]
    frac = np.where(short, rng.uniform(0.5, 0.95, len(rows)), 1.0)
    return lt, frac


_ALPHA = 1.0 - 0.5 ** (1.0 / 28.0)  # the planner's EWMA forecast: half-life 28 days


@dataclass
class _Shop:
    """What the simulation carries from day to day (arrays over items)."""

    on_hand: np.ndarray
    on_order: np.ndarray
    backlog: np.ndarray
    delisted: np.ndarray
    delisted_day: np.ndarray
    ewma: np.ndarray  # the planner's demand forecast, units/day
    arr_ordered: np.ndarray  # (n, n_days + 1) units due per day; the last column: later
    arr_received: np.ndarray  # (n, n_days + 1) units that will actually arrive
    po_cols: list[tuple[np.ndarray, ...]]  # per batch of orders: item, row, units, days...


@dataclass
class _Record:
    """What each day produced: (n, T) per item and day, and per candidate line."""

    demand: np.ndarray
    sold: np.ndarray
    lost: np.ndarray
    backordered: np.ndarray
    fills: np.ndarray
    cancels: np.ndarray
    on_hand_eod: np.ndarray
    line_short: np.ndarray
    line_bo: np.ndarray
    line_valid: np.ndarray


@dataclass
class _Policy:
    """The planner's reorder-point policy, from its EWMA forecast."""

    items: _Items
    sup: _Suppliers
    cover_days: np.ndarray
    min_stock: np.ndarray

    @classmethod
    def of(cls, items: _Items, sup: _Suppliers) -> _Policy:
        # the planner keeps at least about one typical order line (more for lumpy items)
        lumpy = items.pattern == DEMAND_PATTERNS.index("lumpy")
        min_stock = np.ceil(
            items.mean_size
            * (1.0 + np.maximum(items.safety_factor, 0.0))
            * np.where(lumpy, 2.0, 1.0)
        )
        return cls(items, sup, sup.lead_time[sup.first] + items.review_period, min_stock)

    def reorder_point(self, ewma: np.ndarray) -> np.ndarray:
        s = np.ceil(ewma * self.cover_days * (1.0 + self.items.safety_factor))
        return np.maximum(s, self.min_stock).astype(np.int64)

    def order_size(
        self, ewma: np.ndarray, idx: np.ndarray, rows: np.ndarray, gap: np.ndarray
    ) -> np.ndarray:
        q = np.maximum(np.rint(ewma[idx] * self.items.cycle_days[idx]), 1.0).astype(np.int64)
        q = q * (gap // q + 1)  # enough multiples of Q to lift the position above s
        pack = self.sup.pack[rows]
        q = np.maximum(-(-q // pack) * pack, self.sup.moq[rows])
        return np.minimum(q, self.sup.capacity[rows])


def _simulate(
    rng: np.random.Generator, items: _Items, sup: _Suppliers, lines: _Lines, n_days: int
) -> _Simulation:
    n = len(items.pattern)
    shop = _Shop(
        on_hand=np.zeros(n, dtype=np.int64),
        on_order=np.zeros(n, dtype=np.int64),
        backlog=np.zeros(n, dtype=np.int64),
        delisted=np.zeros(n, dtype=bool),
        delisted_day=np.full(n, n_days, dtype=np.int64),
        ewma=items.base_rate.copy(),
        arr_ordered=np.zeros((n, n_days + 1), dtype=np.int64),
        arr_received=np.zeros((n, n_days + 1), dtype=np.int64),
        po_cols=[(np.zeros(0, dtype=np.int64),) * 6],  # (an item may never order)
    )
    policy = _Policy.of(items, sup)
    _open_shop(rng, shop, items, sup, policy)
    shape = (n, n_days)
    n_lines = len(lines.day)
    rec = _Record(
        demand=np.zeros(shape, dtype=np.int64),
        sold=np.zeros(shape, dtype=np.int64),
        lost=np.zeros(shape, dtype=np.int64),
        backordered=np.zeros(shape, dtype=np.int64),
        fills=np.zeros(shape, dtype=np.int64),
        cancels=np.zeros(shape, dtype=np.int64),
        on_hand_eod=np.zeros(shape, dtype=np.int64),
        line_short=np.zeros(n_lines, dtype=np.int64),
        line_bo=np.zeros(n_lines, dtype=np.int64),
        line_valid=np.zeros(n_lines, dtype=bool),
    )
    choice_u = rng.random((n_days, n))
    for t in range(n_days):
        _start_day(t, shop, items, rec)
        d, s = _serve_lines(t, shop, items, lines, rec)
        _learn_and_review(rng, t, shop, items, sup, policy, choice_u[t], d, s)
        rec.on_hand_eod[:, t] = shop.on_hand
    po = [np.concatenate(c) for c in zip(*shop.po_cols, strict=True)]
    return _Simulation(
        n_days=n_days,
        demand=rec.demand,
        sold=rec.sold,
        lost=rec.lost,
        backordered=rec.backordered,
        fills=rec.fills,
        cancels=rec.cancels,
        on_hand=rec.on_hand_eod,
        backlog=shop.backlog,
        delisted_day=shop.delisted_day,
        line_sold=(lines.size - rec.line_short) * rec.line_valid,
        line_backordered=rec.line_bo,
        line_valid=rec.line_valid,
        po_item=po[0],
        po_row=po[1],
        po_units=po[2].astype(np.int64),
        po_order_day=po[3].astype(np.int64),
        po_arrival_day=po[4].astype(np.int64),
        po_received=po[5].astype(np.int64),
    )


def _place(
    rng: np.random.Generator,
    shop: _Shop,
    sup: _Suppliers,
    idx: np.ndarray,
    day: int,
    units: np.ndarray,
    rows: np.ndarray,
) -> None:
    """Order ``units`` of items ``idx`` from supplier ``rows`` on ``day``."""
    n_days = shop.arr_ordered.shape[1] - 1
    lt, frac = _lead_times(rng, sup, rows)
    received = np.where(frac < 1.0, np.maximum(np.floor(units * frac), 1), units)
    received = received.astype(np.int64)
    arrival = day + lt
    col = np.minimum(np.maximum(arrival, 0), n_days)
    shop.arr_ordered[idx, col] += units
    shop.arr_received[idx, col] += received
    shop.on_order[idx] += units
    shop.po_cols.append((idx, rows, units, np.full(len(idx), day), arrival, received))


def _open_shop(
    rng: np.random.Generator, shop: _Shop, items: _Items, sup: _Suppliers, policy: _Policy
) -> None:
    """Opening stock; new items get their first delivery on the launch day."""
    old = items.launch == 0
    s0 = policy.reorder_point(shop.ewma)
    q0 = np.maximum(np.rint(shop.ewma * items.cycle_days), 1).astype(np.int64)
    shop.on_hand[old] = s0[old] + (rng.random(int(old.sum())) * q0[old]).astype(np.int64)
    new_idx = np.flatnonzero(~old)
    if not len(new_idx):
        return
    rows = sup.first[new_idx]
    lt, _ = _lead_times(rng, sup, rows)
    units = (s0[new_idx] + q0[new_idx]).astype(np.int64)
    pack = sup.pack[rows]
    units = np.minimum(np.maximum(-(-units // pack) * pack, sup.moq[rows]), sup.capacity[rows])
    launch = items.launch[new_idx]
    shop.arr_ordered[new_idx, launch] += units
    shop.arr_received[new_idx, launch] += units
    shop.on_order[new_idx] += units
    shop.po_cols.append((new_idx, rows, units, launch - lt, launch, units))


def _start_day(t: int, shop: _Shop, items: _Items, rec: _Record) -> None:
    """Start a day: deliveries, delisting, then backorders.

    Deliveries arrive; discontinued items sold out leave the catalogue; backorders are
    served first, oldest first.
    """
    n_days = rec.demand.shape[1]
    # 1. deliveries arrive at the start of the day
    shop.on_order -= shop.arr_ordered[:, t]
    shop.on_hand += shop.arr_received[:, t]
    # 2. a discontinued item leaves the catalogue once sold out (or is written off: no
    #    order placed before disc_day is still open 150 days later); its remaining
    #    backorders are cancelled
    is_disc = items.disc_day < n_days
    out = is_disc & ~shop.delisted & (t >= items.disc_day)
    out &= ((shop.on_hand == 0) & (shop.on_order == 0)) | (t >= items.disc_day + 150)
    if out.any():
        shop.on_hand[out] = 0
        rec.cancels[out, t] = shop.backlog[out]
        shop.backlog[out] = 0
        shop.delisted |= out
        shop.delisted_day[out] = t
    # 3. backorders are served first, oldest first
    f = np.minimum(shop.backlog, shop.on_hand)
    shop.on_hand -= f
    shop.backlog -= f
    rec.fills[:, t] = f


def _serve_lines(
    t: int, shop: _Shop, items: _Items, lines: _Lines, rec: _Record
) -> tuple[np.ndarray, np.ndarray]:
    """Today's order lines, served in turn while stock lasts; returns demand and sales."""
    n = len(shop.on_hand)
    is_disc = items.disc_day < rec.demand.shape[1]
    sl = slice(lines.day_start[t], lines.day_start[t + 1])
    li = lines.item[sl]
    valid = ~shop.delisted[li]
    size = lines.size[sl] * valid
    d = np.bincount(li, weights=size, minlength=n).astype(np.int64)
    s = np.minimum(d, shop.on_hand)
    short = np.clip(lines.cum_before[sl] + size - s[li], 0, size)
    bo_ok = lines.accept[sl] & ~(is_disc[li] & (t >= items.disc_day[li]))
    bo = short * bo_ok
    rec.line_short[sl] = short
    rec.line_bo[sl] = bo
    rec.line_valid[sl] = valid
    b = np.bincount(li, weights=bo, minlength=n).astype(np.int64)
    shop.on_hand -= s
    shop.backlog += b
    rec.demand[:, t] = d
    rec.sold[:, t] = s
    rec.backordered[:, t] = b
    rec.lost[:, t] = d - s - b
    return d, s


def _learn_and_review(
    rng: np.random.Generator,
    t: int,
    shop: _Shop,
    items: _Items,
    sup: _Suppliers,
    policy: _Policy,
    choice_u: np.ndarray,
    d: np.ndarray,
    s: np.ndarray,
) -> None:
    """End a day: the planner learns and, at a review, orders.

    The planner's forecast learns from fully served days; at a review it orders when the
    inventory position is at or below the reorder point.
    """
    listed = (t >= items.launch) & ~shop.delisted
    learn = listed & (d == s)
    shop.ewma[learn] += _ALPHA * (d[learn] - shop.ewma[learn])
    review = listed & (t < items.disc_day) & ((t - items.review_offset) % items.review_period == 0)
    position = shop.on_hand + shop.on_order - shop.backlog
    rp = policy.reorder_point(shop.ewma)
    need = review & (position <= rp)
    if need.any():
        idx = np.flatnonzero(need)
        # row k of the item's suppliers with probability cum_prob[k] - cum_prob[k - 1];
        # an item with fewer rows never draws past its last (cum_prob is 1.0 there)
        k = (choice_u[idx][:, None] >= sup.cum_prob[idx]).sum(axis=1)
        rows = sup.first[idx] + k
        units = policy.order_size(shop.ewma, idx, rows, rp[idx] - position[idx])
        _place(rng, shop, sup, idx, t, units, rows)

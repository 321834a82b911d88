"""The simulation written as the tables of the data contract (one step per table)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from .draws import DEMAND_PATTERNS, _changes, _Items, _Lines, _Suppliers
from .simulate import _Simulation

# Descriptions with characters every report must escape (HTML tags, '&', quotes, a leading
# '=' that spreadsheets would run as a formula, a comma that CSV must quote).
_TRICKY_DESCRIPTIONS = {
    2: "Cable tie <b>black</b> 200 mm",
    7: "Nuts & bolts assortment, 240 pcs",
    11: '=HYPERLINK("http://example.invalid") label roll',
    42: 'Hose clamp 3/4" stainless <script>alert(1)</script>',
}


_ADJECTIVES = (
    "Stainless",
    "Galvanised",
    "Heavy-duty",
    "Compact",
    "Insulated",
    "Brass",
    "Nylon",
    "Aluminium",
    "Coated",
    "Industrial",
)


_NOUNS = (
    "hex bolt",
    "wall plug",
    "hinge",
    "shelf bracket",
    "cable gland",
    "pipe clip",
    "door handle",
    "washer",
    "wood screw",
    "LED strip",
    "junction box",
    "padlock",
    "drawer slide",
    "spirit level",
    "extension lead",
)


_SIZES = ("M6", "M8", "M10", "25 mm", "40 mm", "60 mm", "1 m", "2 m", "5 m", "small", "large")


def _fifo_match(
    c_item: np.ndarray, c_units: np.ndarray, f_item: np.ndarray, f_units: np.ndarray, n: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Match backorder fills to the backordered lines they serve, oldest line first.

    ``c_*`` are backordered lines and ``f_*`` fill events, each sorted by item and then time;
    per item the fills never exceed the backorders. Units are laid on one axis (each item's
    lines end to end); a piece between consecutive line or fill boundaries belongs to one line
    and at most one fill. Returns ``(piece_line, piece_fill, piece_units, open_units)`` with
    ``open_units`` the units of each line still unfilled.

    >>> _fifo_match(np.array([0, 0]), np.array([3, 2]), np.array([0]), np.array([4]), 1)
    (array([0, 1]), array([0, 0]), array([3, 1]), array([0, 1]))
    """
    c_end = np.cumsum(c_units)
    c_total = np.bincount(c_item, weights=c_units, minlength=n).astype(np.int64)
    item_start = np.concatenate([[0], np.cumsum(c_total)[:-1]])
    f_total = np.bincount(f_item, weights=f_units, minlength=n).astype(np.int64)
    if (f_total > c_total).any():
        raise AssertionError("more backorders filled than were created")
    f_start_of_item = np.concatenate([[0], np.cumsum(f_total)[:-1]])
    f_within = np.cumsum(f_units) - f_start_of_item[f_item]
    f_end = item_start[f_item] + f_within
    points = np.unique(np.concatenate([[0], c_end, f_end]))
    lo, hi = points[:-1], points[1:]
    line = np.searchsorted(c_end, hi, side="left")
    item = c_item[line]
    filled = hi <= item_start[item] + f_total[item]
    fill = np.searchsorted(f_end, hi[filled], side="left")
    piece_line = line[filled]
    piece_units = (hi - lo)[filled]
    filled_per_line = np.bincount(piece_line, weights=piece_units, minlength=len(c_units))
    open_units = c_units - filled_per_line.astype(np.int64)
    return piece_line, fill, piece_units.astype(np.int64), open_units


# --------------------------------------------------------------------------- tables
def _promise_days(
    item: np.ndarray, day: np.ndarray, sim: _Simulation, lt_primary: np.ndarray, lt_rows: np.ndarray
) -> np.ndarray:
    """Day promised to a customer whose line for ``item`` was backordered on ``day``.

    Among the item's purchase orders open on that day (ordered on or before it, arriving
    after it), the seller promises the earliest expected date still ahead; when every open
    order is already overdue, a week later ("any day now"); with none open, the order day
    plus the preferred supplier's stated lead time. Late deliveries make some promises slip.
    """
    lines = pd.DataFrame({"line": np.arange(len(item)), "item": item, "day": day})
    pos = pd.DataFrame(
        {
            "item": sim.po_item,
            "ordered": sim.po_order_day,
            "arrival": sim.po_arrival_day,
            "expected": sim.po_order_day + lt_rows[sim.po_row],
        }
    )
    m = lines.merge(pos, on="item", how="inner")
    m = m[(m["ordered"] <= m["day"]) & (m["arrival"] > m["day"])]
    out = day + lt_primary[item]
    overdue = m["line"].unique()
    out[overdue] = day[overdue] + 7
    ahead = m[m["expected"] > m["day"]].groupby("line")["expected"].min()
    out[ahead.index.to_numpy()] = ahead.to_numpy()
    return out


def _ids(prefix: str, numbers: np.ndarray, width: int) -> pd.Series:
    s = pd.Series(np.asarray(numbers, dtype=np.int64)).astype("str").str.zfill(width)
    return prefix + s


def _descriptions(rng: np.random.Generator, n: int) -> np.ndarray:
    a = rng.integers(0, len(_ADJECTIVES), n)
    b = rng.integers(0, len(_NOUNS), n)
    c = rng.integers(0, len(_SIZES), n)
    out = np.array(
        [f"{_ADJECTIVES[i]} {_NOUNS[j]} {_SIZES[k]}" for i, j, k in zip(a, b, c, strict=True)],
        dtype=object,
    )
    for pos, text in _TRICKY_DESCRIPTIONS.items():
        if pos < n:
            out[pos] = text
    return out


@dataclass
class _Customers:
    """A few large accounts order most; the tier sets discount and priority."""

    weight: np.ndarray  # probability an order comes from each customer
    tier: np.ndarray  # 1 (key account), 2 or 3
    discount: np.ndarray  # off the list price
    ids: Any  # pandas string array

    @classmethod
    def of(cls, n_items: int) -> _Customers:
        n_cust = max(30, 2 * n_items)
        w = 1.0 / np.arange(1, n_cust + 1) ** 0.8
        w /= w.sum()
        pos = np.arange(n_cust)
        tier = np.where(pos < 0.1 * n_cust, 1, np.where(pos < 0.4 * n_cust, 2, 3))
        width = max(4, len(str(n_cust)))
        ids = pd.array([f"C-{i + 1:0{width}d}" for i in range(n_cust)], dtype="str")
        return cls(w, tier, np.array([0.0, 0.10, 0.05, 0.0])[tier], ids)


@dataclass
class _Orders:
    """Customer order number, line number and customer per candidate line (-1/0: not real)."""

    order: np.ndarray  # 1-based order number
    line: np.ndarray
    customer: np.ndarray
    n_orders: int


@dataclass
class _Fills:
    """Backordered lines (sorted by item), the fills that served them, what stays open."""

    bo_lines: np.ndarray
    src: np.ndarray  # the line each fill served
    day: np.ndarray
    units: np.ndarray
    open_units: np.ndarray  # per entry of ``bo_lines``


def _build_tables(
    rng: np.random.Generator,
    items: _Items,
    n_pool: int,
    sup: _Suppliers,
    lines: _Lines,
    sim: _Simulation,
    dates: pd.DatetimeIndex,
) -> dict[str, pd.DataFrame]:
    n = len(items.pattern)
    width = max(5, len(str(n - 1)))
    item_ids = pd.array([f"SKU-{i:0{width}d}" for i in range(n)], dtype="str")
    sup_width = max(3, len(str(n_pool)))
    sup_ids = pd.array([f"SUP-{i + 1:0{sup_width}d}" for i in range(n_pool)], dtype="str")
    cust = _Customers.of(n)
    orders = _group_orders(rng, lines, sim, cust)
    fills = _backorder_fills(lines, sim, n)
    order_width = max(7, len(str(orders.n_orders + n)))
    sales = _sales_table(rng, items, lines, sim, dates, cust, orders, fills, item_ids, order_width)
    customer_orders, waiting, w_units = _customer_orders_table(
        rng, items, sup, lines, sim, dates, cust, orders, fills, item_ids, order_width
    )
    return {
        "sales": sales,
        "stock_history": _stock_history_table(items, sim, dates, item_ids),
        "inventory": _inventory_table(lines, sim, dates, fills, waiting, w_units, item_ids),
        "purchase_orders": _purchase_orders_table(sup, sim, dates, item_ids, sup_ids),
        "suppliers": _suppliers_table(sup, item_ids, sup_ids),
        "items": _items_table(rng, items, len(dates), item_ids),
        "customer_orders": customer_orders,
    }


def _day_dates(dates: pd.DatetimeIndex, days: np.ndarray) -> pd.DatetimeIndex:
    """Dates of day numbers (0 = the first simulated day)."""
    d = np.datetime64(dates[0].date(), "D") + np.asarray(days, dtype=np.int64)
    return pd.DatetimeIndex(d.astype("datetime64[ns]"))


def _group_orders(
    rng: np.random.Generator, lines: _Lines, sim: _Simulation, cust: _Customers
) -> _Orders:
    """The real lines of each day grouped, at random, into orders of 1-2 lines."""
    real = np.flatnonzero(sim.line_valid)
    key = rng.random(len(real))
    order = np.argsort(lines.day[real] + key)  # by day, random within the day
    lr = real[order]  # real lines in order-number order
    ld = lines.day[lr]
    li = lines.item[lr]
    first_of_day = _changes(ld)
    pos = np.arange(len(lr)) - np.maximum.accumulate(np.where(first_of_day, np.arange(len(lr)), 0))
    merge = rng.random(len(lr)) < 0.35
    second = pos % 2 == 1
    joins = second & merge & _changes(li)  # (never the first line of a day)
    order_no = np.cumsum(~joins)  # 1-based
    n_orders = int(order_no[-1]) if len(order_no) else 0
    order_cust = rng.choice(len(cust.weight), size=n_orders, p=cust.weight)
    line_order = np.full(len(lines.day), -1, dtype=np.int64)
    line_order[lr] = order_no
    line_line = np.zeros(len(lines.day), dtype=np.int8)
    line_line[lr] = np.where(joins, 2, 1)
    line_cust = np.zeros(len(lines.day), dtype=np.int32)
    line_cust[lr] = order_cust[order_no - 1]
    return _Orders(line_order, line_line, line_cust, n_orders)


def _backorder_fills(lines: _Lines, sim: _Simulation, n: int) -> _Fills:
    """Backorder fills matched to the lines they serve (FIFO); cancellations are no sales."""
    bo_lines = np.flatnonzero(sim.line_backordered > 0)
    bo_lines = bo_lines[np.argsort(lines.item[bo_lines], kind="stable")]
    f_item, f_day = np.nonzero(sim.fills + sim.cancels)
    f_units = (sim.fills + sim.cancels)[f_item, f_day]
    f_cancel = sim.cancels[f_item, f_day] > 0
    piece_line, piece_fill, piece_units, open_units = _fifo_match(
        lines.item[bo_lines], sim.line_backordered[bo_lines], f_item, f_units, n
    )
    keep = ~f_cancel[piece_fill]
    return _Fills(
        bo_lines=bo_lines,
        src=bo_lines[piece_line[keep]],
        day=f_day[piece_fill[keep]],
        units=piece_units[keep],
        open_units=open_units,
    )


def _sales_table(
    rng: np.random.Generator,
    items: _Items,
    lines: _Lines,
    sim: _Simulation,
    dates: pd.DatetimeIndex,
    cust: _Customers,
    orders: _Orders,
    fills: _Fills,
    item_ids: Any,
    order_width: int,
) -> pd.DataFrame:
    """Sales: the shipped part of each line, backorder fills and returns, by day and order."""
    n_days = len(dates)
    shipped = np.flatnonzero(sim.line_sold > 0)
    ret_p = items.return_rate[lines.item[shipped]]
    is_ret = rng.random(len(shipped)) < ret_p
    ret_src = shipped[is_ret]
    ret_units = 1 + rng.binomial(sim.line_sold[ret_src] - 1, 0.3)
    ret_day = lines.day[ret_src] + rng.integers(1, 31, size=len(ret_src))
    ok = ret_day < n_days
    ret_src, ret_units, ret_day = ret_src[ok], ret_units[ok], ret_day[ok]

    src = np.concatenate([shipped, fills.src, ret_src])
    s_day = np.concatenate([lines.day[shipped], fills.day, ret_day])
    s_units = np.concatenate([sim.line_sold[shipped], fills.units, -ret_units])
    kind = np.repeat(np.arange(3), [len(shipped), len(fills.src), len(ret_src)])
    # by day, order, line, then shipped / backorder fill / return (one int64 key: fast)
    line_order, line_cust = orders.order, orders.customer
    sort_key = ((s_day * (orders.n_orders + 1) + line_order[src]) * 3 + orders.line[src]) * 3 + kind
    srt = np.argsort(sort_key, kind="stable")
    src, s_day, s_units = src[srt], s_day[srt], s_units[srt]
    return pd.DataFrame(
        {
            "item_id": item_ids.take(lines.item[src]),
            "date": _day_dates(dates, s_day),
            "units": s_units.astype(np.float64),
            "order_id": _ids("SO-", line_order[src], order_width),
            "customer_id": cust.ids.take(line_cust[src]),
            "unit_price": np.round(
                items.unit_price[lines.item[src]] * (1.0 - cust.discount[line_cust[src]]), 2
            ),
        }
    )


def _stock_history_table(
    items: _Items, sim: _Simulation, dates: pd.DatetimeIndex, item_ids: Any
) -> pd.DataFrame:
    """End-of-day on hand from each item's launch."""
    alive = np.arange(len(dates))[None, :] >= items.launch[:, None]
    hi_, hd_ = np.nonzero(alive)
    return pd.DataFrame(
        {
            "item_id": item_ids.take(hi_),
            "date": _day_dates(dates, hd_),
            "on_hand_units": sim.on_hand[hi_, hd_].astype(np.float64),
        }
    )


def _customer_orders_table(
    rng: np.random.Generator,
    items: _Items,
    sup: _Suppliers,
    lines: _Lines,
    sim: _Simulation,
    dates: pd.DatetimeIndex,
    cust: _Customers,
    orders: _Orders,
    fills: _Fills,
    item_ids: Any,
    order_width: int,
) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """Open customer lines: backordered remainders and today's orders awaiting shipment.

    Returned with the waiting items and their units, which the inventory holds.
    """
    n, n_days = len(items.pattern), len(dates)
    open_bo = fills.bo_lines[fills.open_units > 0]
    open_bo_units = fills.open_units[fills.open_units > 0]
    bo_order_day = lines.day[open_bo]
    bo_promised = _promise_days(
        lines.item[open_bo], bo_order_day, sim, sup.lead_time[sup.first], sup.lead_time
    )
    end_on_hand = sim.on_hand[:, -1]
    listed_end = (sim.delisted_day >= n_days) & (items.launch <= n_days - 1)
    waiting = np.flatnonzero(listed_end & (end_on_hand > 0) & (rng.random(n) < 0.15))
    w_units = np.minimum(1 + rng.poisson(items.mean_size[waiting]), end_on_hand[waiting])
    w_cust = rng.choice(len(cust.weight), size=len(waiting), p=cust.weight)
    w_order = orders.n_orders + 1 + np.arange(len(waiting))
    co_item = np.concatenate([lines.item[open_bo], waiting])
    co_cust = np.concatenate([orders.customer[open_bo], w_cust])
    frame = pd.DataFrame(
        {
            "order_id": _ids("SO-", np.concatenate([orders.order[open_bo], w_order]), order_width),
            "line_id": np.concatenate(
                [orders.line[open_bo], np.ones(len(waiting), np.int64)]
            ).astype(str),
            "item_id": item_ids.take(co_item),
            "units": np.concatenate([open_bo_units, w_units]).astype(np.float64),
            "order_date": _day_dates(
                dates, np.concatenate([bo_order_day, np.full(len(waiting), n_days - 1)])
            ),
            "customer_id": cust.ids.take(co_cust),
            "promised_date": _day_dates(
                dates, np.concatenate([bo_promised, n_days - 1 + rng.integers(1, 4, len(waiting))])
            ),
            "priority": cust.tier[co_cust].astype(np.float64),
            "line_status": np.r_[
                np.full(len(open_bo), "backordered", dtype=object),
                np.full(len(waiting), "allocated", dtype=object),
            ],
        }
    ).sort_values(["order_date", "order_id", "line_id"], ignore_index=True)
    return frame, waiting, w_units


def _inventory_table(
    lines: _Lines,
    sim: _Simulation,
    dates: pd.DatetimeIndex,
    fills: _Fills,
    waiting: np.ndarray,
    w_units: np.ndarray,
    item_ids: Any,
) -> pd.DataFrame:
    """The snapshot at the end: on hand, backordered (the open lines) and allocated."""
    n = len(item_ids)
    open_bo = fills.bo_lines[fills.open_units > 0]
    open_bo_units = fills.open_units[fills.open_units > 0]
    allocated = np.bincount(waiting, weights=w_units, minlength=n)
    backordered_end = np.bincount(lines.item[open_bo], weights=open_bo_units, minlength=n)
    if not np.array_equal(backordered_end.astype(np.int64), sim.backlog):
        raise AssertionError("open backordered lines do not add up to the simulated backlog")
    return pd.DataFrame(
        {
            "item_id": item_ids,
            "on_hand_units": sim.on_hand[:, -1].astype(np.float64),
            "backordered_units": backordered_end,
            "allocated_units": allocated,
            "as_of": dates[-1],
        }
    )


def _purchase_orders_table(
    sup: _Suppliers, sim: _Simulation, dates: pd.DatetimeIndex, item_ids: Any, sup_ids: Any
) -> pd.DataFrame:
    """One PO per supplier and order day, one line per item."""
    n_days = len(dates)
    p_sup = sup.supplier[sim.po_row]
    p_sort = np.lexsort((sim.po_item, p_sup, sim.po_order_day))
    pi, pr, psup = sim.po_item[p_sort], sim.po_row[p_sort], p_sup[p_sort]
    pday, parr = sim.po_order_day[p_sort], sim.po_arrival_day[p_sort]
    punits, prec = sim.po_units[p_sort], sim.po_received[p_sort]
    new_po = _changes(psup) | _changes(pday)
    po_no = np.cumsum(new_po)
    expected = pday + sup.lead_time[pr]
    received = parr <= n_days - 1
    # an open order already overdue has been re-confirmed by the supplier for its arrival day
    expected = np.where(~received & (expected <= n_days - 1), parr, expected)
    return pd.DataFrame(
        {
            "po_id": _ids("PO-", po_no, max(6, len(str(len(po_no))))),
            "item_id": item_ids.take(pi),
            "supplier_id": sup_ids.take(psup),
            "units": punits.astype(np.float64),
            "order_date": _day_dates(dates, pday),
            "expected_date": _day_dates(dates, expected),
            "received_date": _day_dates(dates, parr).where(received),
            "received_units": np.where(received, prec, np.nan),
        }
    )


def _suppliers_table(sup: _Suppliers, item_ids: Any, sup_ids: Any) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "item_id": item_ids.take(sup.item),
            "supplier_id": sup_ids.take(sup.supplier),
            "unit_cost": sup.unit_cost,
            "lead_time_days": sup.lead_time.astype(np.float64),
            "lead_time_sd_days": sup.lead_time_sd,
            "moq_units": sup.moq.astype(np.float64),
            "pack_units": sup.pack.astype(np.float64),
            "capacity_units": sup.capacity.astype(np.float64),
            "order_cost": sup.order_cost,
            "on_time_rate": sup.on_time_rate,
        }
    )


def _backorder_cost(items: _Items, goodwill: np.ndarray) -> np.ndarray:
    """What a unit short costs this shop: the lost sale, or the goodwill of a backorder.

    The margin is lost when the customer will not wait; the goodwill (a discount, a call)
    is spent when they do: ``(1 - accept) * (price - cost) + goodwill * price``, where ``accept`` is the item's share
    of short lines the customers backorder (0 for a quarter of the items: every short line
    is lost) and ``goodwill`` a draw of 5-30 % of the price. A shop whose customers mostly
    walk away would not price a unit short at a few percent of its price.
    """
    margin = np.maximum(items.unit_price - items.unit_cost, 0.0)
    return np.round((1.0 - items.accept_backorder) * margin + goodwill * items.unit_price, 2)


def _items_table(
    rng: np.random.Generator, items: _Items, n_days: int, item_ids: Any
) -> pd.DataFrame:
    n = len(items.pattern)
    pattern = np.asarray(DEMAND_PATTERNS, dtype=object)[items.pattern]
    return pd.DataFrame(
        {
            "item_id": item_ids,
            "description": pd.array(_descriptions(rng, n), dtype="str"),
            "status": np.where(items.disc_day < n_days, "discontinued", "active").astype(object),
            "service_level": rng.choice([0.9, 0.95, 0.98], size=n, p=[0.3, 0.5, 0.2]),
            "review_period_days": items.review_period.astype(np.float64),
            "holding_cost_rate": np.round(rng.uniform(0.15, 0.30, n), 2),
            "unit_price": items.unit_price,
            "backorder_cost": _backorder_cost(items, rng.uniform(0.05, 0.3, n)),
            "storage_volume": np.round(
                np.exp(rng.normal(np.log(0.004), 1.0, n)).clip(1e-4, 1.0), 4
            ),
            "demand_pattern": pattern,
        }
    )

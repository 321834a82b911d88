"""Open customer lines against supply: who draws what, when it ships, and why.

Lines and supply are sorted per item; cumulative sums give each line's interval of units
owed ``[c_start, c_end)`` and each source's interval of units supplied ``[s_start, s_end)``,
and one merged sort (the equivalent of a per-item ``searchsorted``) finds the sources that
overlap each line. The steps of :func:`~stockout_forecast.supply.backorders.promise_dates`
live here, each named for its job.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

_ROUND = 9  # decimals kept in cumulative sums (exact ties between lines and supply)


@dataclass
class _OpenLines:
    """The open lines in allocation order, with their per-line options aligned to them."""

    lines: pd.DataFrame
    priority: pd.Series
    ship_complete: pd.Series
    previous: pd.Series  # last promised date (NaT: none)
    customer: pd.Series


@dataclass
class _Pieces:
    """What each line draws from each source it overlaps (one entry per line x source)."""

    line_idx: np.ndarray  # line of each piece (non-decreasing)
    src: np.ndarray  # supply row of each piece
    take: np.ndarray  # units drawn
    kind: np.ndarray  # "stock", "po", "recommended"
    source_id: np.ndarray  # the source's id (object)
    d50: np.ndarray  # the source's P50 date
    d90: np.ndarray  # the source's P90 date
    c_start: np.ndarray  # (n,) units owed to earlier lines of the same item
    item_total: np.ndarray  # (n,) all supply in sight for the line's item


def _check_promise_args(
    rule: str,
    promise: str,
    min_shipment_units: float,
    handling_days: float,
    slip_tolerance_days: float,
) -> None:
    if rule not in ("fifo", "priority"):
        raise ValueError(f"rule must be 'fifo' or 'priority'; got {rule!r}.")
    if promise not in ("p50", "p90"):
        raise ValueError(f"promise must be 'p50' or 'p90'; got {promise!r}.")
    for name, v in (
        ("min_shipment_units", min_shipment_units),
        ("handling_days", handling_days),
        ("slip_tolerance_days", slip_tolerance_days),
    ):
        if not np.isfinite(v) or v < 0:
            raise ValueError(f"{name} must be a number >= 0; got {v!r}.")


def _planning_day(as_of: Any, inv: pd.DataFrame) -> pd.Timestamp:
    """``as_of``, else the latest ``inventory.as_of``."""
    if as_of is not None:
        return pd.Timestamp(as_of).normalize()
    if "as_of" in inv.columns and inv["as_of"].notna().any():
        return pd.Timestamp(inv["as_of"].max()).normalize()
    raise ValueError(
        "promise_dates needs the planning day: pass as_of=... or give inventory an as_of column."
    )


def _order_lines(co: pd.DataFrame, *, rule: str, ship_complete: bool) -> _OpenLines:
    """Sort the lines by item, then (``rule="priority"``) priority, order date, order, line."""
    n = len(co)
    pri = co["priority"] if "priority" in co.columns else pd.Series(np.nan, index=co.index)
    sc_col = (
        co["ship_complete"].astype("boolean").fillna(ship_complete).astype(bool)
        if "ship_complete" in co.columns
        else pd.Series(bool(ship_complete), index=co.index)
    )
    prev = (
        co["promised_date"]
        if "promised_date" in co.columns
        else pd.Series(pd.NaT, index=co.index, dtype="datetime64[ns]")
    )
    cust = (
        co["customer_id"]
        if "customer_id" in co.columns
        else pd.Series("", index=co.index, dtype="str")
    )
    keys = [co["item_id"]]
    if rule == "priority":
        keys.append(pri.fillna(np.inf))
    keys += [co["order_date"], co["order_id"], co["line_id"]]
    order = np.lexsort([k.to_numpy() for k in keys[::-1]]) if n else np.zeros(0, np.int64)
    L_pri, L_sc, L_prev, L_cust = (
        s.iloc[order].reset_index(drop=True) for s in (pri, sc_col, prev, cust)
    )
    return _OpenLines(co.iloc[order].reset_index(drop=True), L_pri, L_sc, L_prev, L_cust)


def _allocate(L: pd.DataFrame, supply: pd.DataFrame) -> _Pieces:
    """Overlap each line's interval of units owed with the sources' intervals supplied."""
    n = len(L)
    codes_all, uniq = pd.factorize(
        pd.concat([L["item_id"], supply["item_id"]], ignore_index=True), sort=True
    )
    q_item = codes_all[:n]
    s_item = codes_all[n:]
    units = L["units"].to_numpy(dtype=float)
    c_end = np.round(
        L.groupby("item_id", sort=False)["units"].cumsum().to_numpy(dtype=float), _ROUND
    )
    c_start = np.round(c_end - units, _ROUND)
    s_units = supply["units"].to_numpy(dtype=float)
    s_end = np.round(
        supply.groupby("item_id", sort=False)["units"].cumsum().to_numpy(dtype=float), _ROUND
    )
    s_start = np.round(s_end - s_units, _ROUND)
    # item boundaries in the supply array
    n_items = len(uniq)
    s_first = np.searchsorted(s_item, np.arange(n_items), side="left")
    s_last = np.searchsorted(s_item, np.arange(n_items), side="right")  # exclusive
    item_total = np.zeros(n_items)
    has_sup = s_last > s_first
    item_total[has_sup] = s_end[s_last[has_sup] - 1]
    # first source meeting the line: first with s_end > c_start; last: first with s_end >= c_end
    k_first = _count_before(s_item, s_end, q_item, c_start, inclusive=True)
    k_last = _count_before(s_item, s_end, q_item, c_end, inclusive=False)
    end_excl = np.minimum(k_last + 1, s_last[q_item]) if n else k_last
    cnt = np.maximum(end_excl - k_first, 0)
    cnt = np.where(units > 0, cnt, 0)
    line_idx = np.repeat(np.arange(n), cnt)
    src = (np.arange(cnt.sum()) - np.repeat(np.cumsum(cnt) - cnt, cnt)) + np.repeat(k_first, cnt)
    take = np.minimum(c_end[line_idx], s_end[src]) - np.maximum(c_start[line_idx], s_start[src])
    keep = take > 1e-9
    line_idx, src, take = line_idx[keep], src[keep], take[keep]
    return _Pieces(
        line_idx=line_idx,
        src=src,
        take=take,
        kind=supply["kind"].to_numpy()[src],
        source_id=supply["source_id"].to_numpy(dtype=object)[src],
        d50=supply["date_p50"].to_numpy()[src],
        d90=supply["date_p90"].to_numpy()[src],
        c_start=c_start,
        item_total=item_total[q_item] if n else np.zeros(0),
    )


def _allocation_frame(L: pd.DataFrame, supply: pd.DataFrame, pc: _Pieces) -> pd.DataFrame:
    """One row per line x source it draws from."""
    return pd.DataFrame(
        {
            "order_id": L["order_id"].to_numpy()[pc.line_idx],
            "line_id": L["line_id"].to_numpy()[pc.line_idx],
            "item_id": L["item_id"].to_numpy()[pc.line_idx],
            "kind": pc.kind,
            "source_id": supply["source_id"].to_numpy()[pc.src],
            "supplier_id": supply["supplier_id"].to_numpy()[pc.src],
            "units": pc.take,
            "date_p50": pc.d50,
            "date_p90": pc.d90,
        }
    )


def _units_by_kind(pc: _Pieces, units: np.ndarray) -> tuple[np.ndarray, ...]:
    """Units each line draws from stock, from POs, from recommended orders, and unallocated."""
    n = len(units)

    def per_line(values: np.ndarray) -> np.ndarray:
        return np.bincount(pc.line_idx, weights=values, minlength=n)

    from_stock = per_line(np.where(pc.kind == "stock", pc.take, 0.0))
    from_po = per_line(np.where(pc.kind == "po", pc.take, 0.0))
    from_rec = per_line(np.where(pc.kind == "recommended", pc.take, 0.0))
    unalloc = np.round(np.maximum(units - from_stock - from_po - from_rec, 0.0), _ROUND)
    unalloc = np.where(unalloc < 1e-9, 0.0, unalloc)
    return from_stock, from_po, from_rec, unalloc


def _line_dates(
    pc: _Pieces, units: np.ndarray, unalloc: np.ndarray, as_of: pd.Timestamp
) -> tuple[pd.Series, pd.Series]:
    """P50 and P90 date per line: the latest over its sources (NaT when unallocated)."""
    n = len(units)
    line_idx, d50, d90 = pc.line_idx, pc.d50, pc.d90
    max50 = np.full(n, np.datetime64("NaT"), dtype="datetime64[ns]")
    max90 = max50.copy()
    if len(line_idx):
        o = np.lexsort((d50, line_idx))
        last_of_line = np.r_[line_idx[o][1:] != line_idx[o][:-1], True]
        max50[line_idx[o][last_of_line]] = d50[o][last_of_line]
        o = np.lexsort((d90, line_idx))
        last_of_line = np.r_[line_idx[o][1:] != line_idx[o][:-1], True]
        max90[line_idx[o][last_of_line]] = d90[o][last_of_line]
    zero_units = units <= 0
    max50[zero_units] = np.datetime64(as_of.to_datetime64())
    max90[zero_units] = np.datetime64(as_of.to_datetime64())
    return pd.Series(max50).where(unalloc == 0), pd.Series(max90).where(unalloc == 0)


def _ship_now(
    units: np.ndarray,
    from_stock: np.ndarray,
    unalloc: np.ndarray,
    p50: pd.Series,
    p90: pd.Series,
    *,
    ship_complete: np.ndarray,
    order_ids: np.ndarray,
    min_shipment_units: float,
) -> tuple[np.ndarray, pd.Series, pd.Series, np.ndarray]:
    """What ships now, and the dates once ship-complete orders are taken together.

    Returns the units that ship now, the P50 and P90 dates after ship-complete orders take
    their latest line's date, and which lines belong to a ship-complete order that cannot
    be promised.
    """
    full_now = from_stock >= units - 1e-9
    ship_now = np.where(
        full_now, units, np.where(from_stock >= min_shipment_units - 1e-9, from_stock, 0.0)
    )
    sc, oid = ship_complete, order_ids
    if not sc.any():
        return ship_now, p50, p90, np.zeros(len(units), bool)
    order_full = pd.Series(full_now).groupby(oid).transform("all").to_numpy()
    ship_now = np.where(sc & ~order_full, 0.0, ship_now)
    grp50 = p50.groupby(oid).transform("max")
    grp90 = p90.groupby(oid).transform("max")
    any_nat: np.ndarray = np.asarray(
        pd.Series(unalloc > 0).groupby(oid).transform("any"), dtype=bool
    )
    p50 = p50.where(~sc, grp50.where(~any_nat))
    p90 = p90.where(~sc, grp90.where(~any_nat))
    return ship_now, p50, p90, sc & any_nat


def _date_changes(
    promised: pd.Series, previous: pd.Series, status: np.ndarray, slip_tolerance_days: float
) -> tuple[pd.Series, pd.Series, np.ndarray, np.ndarray]:
    """The last promise, days slipped, the kind of change and whether the date moved."""
    prev_d = pd.to_datetime(previous).dt.normalize()
    slipped = (promised - prev_d).dt.days.astype(float)
    has_prev = prev_d.notna().to_numpy()
    has_new = promised.notna().to_numpy()
    change = np.select(
        [
            has_prev & ~has_new,
            has_prev & has_new & (slipped.to_numpy() > 0),
            has_prev & has_new & (slipped.to_numpy() < 0),
            has_prev & has_new,
            ~has_prev & (status != "in_stock"),
        ],
        ["now_unpromisable", "later", "earlier", "same", "first_promise"],
        default="none",
    )
    moved = (has_prev & ~has_new) | (
        has_prev & has_new & (slipped.to_numpy() > slip_tolerance_days)
    )
    return prev_d, slipped, change, moved


def _line_outcomes(
    ol: _OpenLines,
    pc: _Pieces,
    shorts: dict[str, str],
    *,
    as_of: pd.Timestamp,
    promise: str,
    min_shipment_units: float,
    slip_tolerance_days: float,
) -> pd.DataFrame:
    """One row per line: units by source, dates, what ships now, status, change, reason."""
    L = ol.lines
    n = len(L)
    units = L["units"].to_numpy(dtype=float)
    from_stock, from_po, from_rec, unalloc = _units_by_kind(pc, units)
    p50, p90 = _line_dates(pc, units, unalloc, as_of)
    sc: np.ndarray = np.asarray(ol.ship_complete, dtype=bool)
    ship_now, p50, p90, unpromisable_order = _ship_now(
        units,
        from_stock,
        unalloc,
        p50,
        p90,
        ship_complete=sc,
        order_ids=L["order_id"].to_numpy(),
        min_shipment_units=min_shipment_units,
    )
    promised = p90 if promise == "p90" else p50
    status = np.where(
        (unalloc > 0) | unpromisable_order,
        "unpromisable",
        np.where(
            ship_now >= units - 1e-9, "in_stock", np.where(ship_now > 0, "partial", "backorder")
        ),
    )
    prev_d, slipped, change, moved = _date_changes(
        promised, ol.previous, status, slip_tolerance_days
    )
    # sources text per line (pieces are grouped by line, in supply order)
    piece_txt = np.where(pc.kind == "stock", "stock", pc.source_id)
    po_ids = _join_per_line(pc.line_idx, piece_txt, n)
    not_stock = pc.kind != "stock"
    po_only = _join_per_line(pc.line_idx[not_stock], piece_txt[not_stock], n, sep=", ")
    item_short = (
        np.array([shorts.get(i, "") for i in L["item_id"].tolist()], dtype=object)
        if shorts
        else np.full(n, "")
    )
    out = pd.DataFrame(
        {
            "order_id": L["order_id"],
            "line_id": L["line_id"],
            "customer_id": ol.customer.astype("str"),
            "item_id": L["item_id"],
            "units": units,
            "order_date": L["order_date"],
            "priority": ol.priority.to_numpy(dtype=float),
            "allocation_rank": L.groupby("item_id", sort=False).cumcount().to_numpy() + 1,
            "units_from_stock": from_stock,
            "units_from_po": from_po,
            "units_from_recommended": from_rec,
            "units_unallocated": unalloc,
            "po_ids": po_ids,
            "promised_date_p50": p50.to_numpy(),
            "promised_date_p90": p90.to_numpy(),
            "promised_date": promised.to_numpy(),
            "units_ship_now": ship_now,
            "ship_complete": sc,
            "status": status,
            "previous_promised_date": prev_d.to_numpy(),
            "days_slipped": slipped.to_numpy(),
            "date_moved": moved,
            "change": change,
        }
    )
    out["reason"] = _line_reasons(
        out, po_only, item_short, pc.item_total, pc.c_start, min_shipment_units
    )
    return out


def _supply_used(supply: pd.DataFrame, pc: _Pieces | None) -> pd.DataFrame:
    """The supply sources with the units allocated to lines (none: no line) and still free."""
    supply = supply.copy()
    src, take = (pc.src, pc.take) if pc is not None else (np.zeros(0, np.intp), np.zeros(0))
    # (no piece at all: bincount gives integer zeros, and so the column is int64)
    used_units = np.bincount(src, weights=take, minlength=len(supply))
    supply["units_allocated"] = used_units
    supply["units_free"] = np.maximum(supply["units"].to_numpy() - used_units, 0.0)
    return supply.reset_index(drop=True)


def _count_before(
    s_item: np.ndarray, s_val: np.ndarray, q_item: np.ndarray, q_val: np.ndarray, *, inclusive: bool
) -> np.ndarray:
    """For each query, the number of supply entries sorted before it.

    That is all entries of earlier items plus those of the same item with value < q
    (``inclusive``: <= q). ``s`` must be sorted by (item, value); item codes are integers.
    """
    ns = len(s_item)
    item = np.concatenate([s_item, q_item])
    val = np.concatenate([s_val, q_val])
    # at ties, supply first when counting "<= q", query first when counting "< q"
    kind = np.concatenate([np.zeros(ns), np.ones(len(q_item))])
    if not inclusive:
        kind = 1.0 - kind
    order = np.lexsort((kind, val, item))
    is_s = order < ns
    before: np.ndarray = np.cumsum(is_s) - is_s
    pos = np.empty(len(order), np.int64)
    pos[order] = np.arange(len(order))
    return before[pos[ns:]]


def _items_table(
    inv: pd.DataFrame,
    line_items: list[str],
    line_units: np.ndarray,
    supply: pd.DataFrame,
    shorts: dict[str, str],
) -> pd.DataFrame:
    """Every item seen: stock, units owed to open lines, scheduled units, short receipts."""
    sup_items = supply["item_id"].astype(str).tolist()
    ids = sorted(set(inv["item_id"].astype(str).tolist()) | set(line_items) | set(sup_items))
    is_stock = (supply["kind"] == "stock").to_numpy(dtype=bool)
    units = supply["units"].to_numpy(dtype=float)
    stock = _group_sums(sup_items, units, is_stock)
    sched = _group_sums(sup_items, units, ~is_stock)
    owed = _group_sums(line_items, line_units, None)
    return pd.DataFrame(
        {
            "item_id": np.array(ids, dtype=object),
            "stock_units": np.array([stock.get(i, 0.0) for i in ids], dtype=float),
            "open_units": np.array([owed.get(i, 0.0) for i in ids], dtype=float),
            "scheduled_units": np.array([sched.get(i, 0.0) for i in ids], dtype=float),
            "short_receipts": pd.Series([shorts.get(i, "") for i in ids], dtype="str"),
        }
    )


def _group_sums(keys: list[str], values: np.ndarray, where: np.ndarray | None) -> dict[str, float]:
    """Per key, the sum of its values (NaN skipped), the same as ``groupby(...).sum()``.

    Whole units (the usual case) are added here: their sums are exact in any order. Other
    values go through pandas, whose sums may differ from a plain one in the last place.
    """
    vals = values if where is None else values[where]
    ks = keys if where is None else [k for k, w in zip(keys, where.tolist(), strict=True) if w]
    finite = vals[~np.isnan(vals)]
    if not (np.all(finite == np.round(finite)) and np.abs(finite).sum() < 2.0**53):
        return {
            str(k): float(v)
            for k, v in pd.Series(vals, dtype=float).groupby(pd.Index(ks)).sum().items()
        }
    sums: dict[str, float] = {}
    for key, val in zip(ks, vals.tolist(), strict=True):
        if val == val:
            sums[key] = sums.get(key, 0.0) + val
    return sums


def _join_per_line(line_idx: np.ndarray, text: np.ndarray, n: int, sep: str = ";") -> np.ndarray:
    """Join the texts of each line's pieces (``line_idx`` non-decreasing) in order."""
    out = np.full(n, "", dtype=object)
    if not len(line_idx):
        return out
    start = np.r_[True, line_idx[1:] != line_idx[:-1]]
    rank = np.arange(len(line_idx)) - np.maximum.accumulate(
        np.where(start, np.arange(len(line_idx)), 0)
    )
    for r in range(int(rank.max()) + 1):  # loop over piece rank (a handful), not lines
        sel = rank == r
        prefix = "" if r == 0 else sep
        out[line_idx[sel]] = out[line_idx[sel]] + prefix + text[sel].astype(str)
    return out


def _line_reasons(
    out: pd.DataFrame,
    po_only: np.ndarray,
    item_short: np.ndarray,
    item_total: np.ndarray,
    c_start: np.ndarray,
    min_ship: float,
) -> np.ndarray:
    """One plain sentence per line (its parts joined with '; '), written row by row.

    The parts: units from stock; units from orders (``po_only``); the status's own text
    (unpromisable: the units without supply and why; partial: what ships now; backorder:
    what holds the stock back and when it ships); a moved date. 'nothing to ship' when none.
    """
    n = len(out)
    res = np.empty(n, dtype=object)
    if not n:
        return res
    fo = (out["units_from_po"] + out["units_from_recommended"]).to_numpy(dtype=float)
    rows = zip(
        out["status"].to_numpy(),
        out["units"].to_numpy(dtype=float),
        out["units_from_stock"].to_numpy(dtype=float),
        fo,
        out["units_unallocated"].to_numpy(dtype=float),
        out["ship_complete"].to_numpy(dtype=bool),
        out["change"].to_numpy(),
        _days(out["promised_date"]),
        out["units_ship_now"].to_numpy(dtype=float),
        out["days_slipped"].to_numpy(dtype=float),
        _days(out["previous_promised_date"]),
        po_only,
        item_short,
        np.asarray(item_total, dtype=float),
        np.asarray(c_start, dtype=float),
        strict=True,
    )
    for k, (st, u, fs, fo_k, ua, sc, ch, date, now, ds, prev, po, short, total, start) in enumerate(
        rows
    ):
        parts = [f"{fs:g} from stock" if fs > 0 else "", f"{fo_k:g} from {po}" if fo_k > 0 else ""]
        if st == "unpromisable":
            if ua > 0:
                parts.append(
                    f"{ua:g} of {u:g} units have no scheduled supply (all supply in sight, "
                    f"{total:g} units, goes to {min(total, start):g} units owed to earlier lines"
                    f"{' and this line' if total > start else ''})"
                    f"{'; ' + str(short) if short != '' else ''}"
                )
            else:
                parts.append(
                    "the order ships complete and another of its lines has no scheduled supply"
                )
        elif st == "partial":
            parts.append(f"ship {now:g} now, the rest by {date}")
        elif st == "backorder":
            if fs > 0 and sc:
                parts.append("held: the order ships complete")
            elif fs > 0 and fs < min_ship:
                parts.append(f"{fs:g} in stock is below the minimum shipment {min_ship:g}")
            parts.append("ships by " + date)
        if ch == "later":
            parts.append(f"date moved {ds:g} days later than promised ({prev})")
        elif ch == "earlier":
            parts.append(f"date moved {-ds:g} days earlier than promised ({prev})")
        elif ch == "now_unpromisable":
            parts.append("was promised for " + prev)
        res[k] = "; ".join(p for p in parts if p) or "nothing to ship"
    return res


def _days(values: Any) -> list[str]:
    """Dates as 'YYYY-MM-DD' ('' for a missing one)."""
    return [
        "" if pd.isna(d) else d.strftime("%Y-%m-%d") for d in pd.to_datetime(np.asarray(values))
    ]

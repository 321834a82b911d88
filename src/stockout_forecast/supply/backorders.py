"""Backorders: honest promise dates, what ships now, who to tell, and a web-shop feed.

:func:`promise_dates` allocates the stock on hand and the scheduled receipts (open purchase
orders, then recommended orders) to the open customer lines in a stated order, first come
first served (``"fifo"``) or by priority then first come. Each line gets the units it draws
from stock, from each purchase order and from the recommended orders, a median (P50) and a
conservative (P90) promise date, what can ship now, and whether its date moved against the
last promise. :func:`backorder_notices` lists the customers to contact and
:func:`availability_feed` the status to show per item in the web shop.

Everything is vectorised: the supply sources are built in :mod:`._backorder_supply`, the
allocation of lines to sources and each line's outcome in :mod:`._allocation`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd

from .._export import escape_html, jsonable
from .._utils import format_ids
from ..io.validation import validate_table
from ._allocation import (
    _allocate,
    _allocation_frame,
    _check_promise_args,
    _group_sums,
    _items_table,
    _line_outcomes,
    _order_lines,
    _planning_day,
    _supply_used,
)
from ._backorder_supply import _supply_table

__all__ = ["BackorderPlan", "availability_feed", "backorder_notices", "promise_dates"]


_LINE_COLUMNS = [
    "order_id",
    "line_id",
    "customer_id",
    "item_id",
    "units",
    "order_date",
    "priority",
    "allocation_rank",
    "units_from_stock",
    "units_from_po",
    "units_from_recommended",
    "units_unallocated",
    "po_ids",
    "promised_date_p50",
    "promised_date_p90",
    "promised_date",
    "units_ship_now",
    "ship_complete",
    "status",
    "previous_promised_date",
    "days_slipped",
    "date_moved",
    "change",
    "reason",
]


@dataclass(frozen=True, repr=False, eq=False)
class BackorderPlan:
    """Allocation of stock and scheduled receipts to open customer lines.

    Returned by :func:`promise_dates`.

    Attributes
    ----------
    lines : pandas.DataFrame
        One row per open line (every line that came in), columns as in
        :func:`promise_dates` (Returns).
    allocations : pandas.DataFrame
        One row per line x supply source it draws from: ``order_id``, ``line_id``,
        ``item_id``, ``kind`` ("stock", "po", "recommended"), ``source_id``, ``supplier_id``,
        ``units``, ``date_p50``, ``date_p90``.
    supply : pandas.DataFrame
        Supply sources per item in allocation order: ``item_id``, ``kind``, ``source_id``,
        ``supplier_id``, ``units``, ``date_p50``, ``date_p90``, ``overdue``,
        ``units_allocated``, ``units_free``.
    items : pandas.DataFrame
        Every item seen (inventory, lines, purchase orders, recommended orders):
        ``item_id``, ``stock_units``, ``open_units`` (owed to open lines),
        ``scheduled_units`` (open POs + recommended), ``short_receipts``.
    as_of : pandas.Timestamp
        Planning day.
    rule : {"fifo", "priority"}
        Allocation order used.
    promise : {"p50", "p90"}
        Which date is promised (``promised_date``) and compared with the last promise.
    """

    lines: pd.DataFrame
    allocations: pd.DataFrame
    supply: pd.DataFrame
    items: pd.DataFrame
    as_of: pd.Timestamp
    rule: str
    promise: str

    def to_frame(self) -> pd.DataFrame:
        """The per-line table (a copy)."""
        return self.lines.copy()

    def to_dict(self) -> dict[str, Any]:
        """JSON-able dict: as_of, rule, promise, lines, allocations (dates ISO, NaN None)."""
        return jsonable(
            {
                "as_of": self.as_of,
                "rule": self.rule,
                "promise": self.promise,
                "lines": self.lines,
                "allocations": self.allocations,
            }
        )

    def notices(self, **kwargs: Any) -> pd.DataFrame:
        """Shortcut for :func:`backorder_notices` on this plan."""
        return backorder_notices(self, **kwargs)

    def availability(self, **kwargs: Any) -> pd.DataFrame:
        """Shortcut for :func:`availability_feed` on this plan."""
        return availability_feed(self, **kwargs)

    def plot(self, ax: Any = None) -> Any:
        """Units owed per promised week, stacked by line status."""
        import matplotlib.pyplot as plt

        if ax is None:
            _, ax = plt.subplots(figsize=(7, 3))
        df = self.lines
        week = ((df["promised_date"] - self.as_of).dt.days // 7).astype("Float64")
        colors = {
            "in_stock": "#2e7d32",
            "partial": "#5b8db8",
            "backorder": "#f79009",
            "unpromisable": "#b42318",
        }
        bottom = None
        weeks = np.arange(
            int(np.nanmax(week.to_numpy(dtype=float, na_value=np.nan), initial=0)) + 2
        )
        for st, col in colors.items():
            sel = df["status"] == st
            w = week[sel].fillna(len(weeks) - 1).astype(int).to_numpy()
            h = np.bincount(
                w, weights=df.loc[sel, "units"].to_numpy(dtype=float), minlength=len(weeks)
            )[: len(weeks)]
            ax.bar(weeks, h, bottom=bottom, color=col, label=st)
            bottom = h if bottom is None else bottom + h
        ax.set_xlabel("weeks from as_of to the promised date (last bar: no date)")
        ax.set_ylabel("units owed")
        ax.legend(fontsize=8, frameon=False)
        ax.spines[["top", "right"]].set_visible(False)
        return ax

    def __repr__(self) -> str:
        st = self.lines["status"].value_counts()
        parts = ", ".join(f"{k} {int(v):,}" for k, v in st.items())
        moved = int(self.lines["date_moved"].sum())
        return (
            f"<BackorderPlan as of {self.as_of:%Y-%m-%d} ({self.rule}): {len(self.lines):,} lines "
            f"({parts}); {moved:,} dates moved>"
        )

    def _repr_html_(self) -> str:
        cols = [
            "order_id",
            "line_id",
            "item_id",
            "units",
            "units_ship_now",
            "promised_date",
            "status",
            "reason",
        ]
        return (
            f"<div><b>BackorderPlan</b> {escape_html(repr(self)[15:-1])}"
            f"{self.lines[cols].head(20).to_html(index=False, escape=True)}</div>"
        )


def promise_dates(
    customer_orders: pd.DataFrame,
    inventory: pd.DataFrame,
    purchase_orders: pd.DataFrame | None = None,
    recommended_orders: pd.DataFrame | None = None,
    *,
    rule: Literal["fifo", "priority"] = "fifo",
    as_of: Any = None,
    min_shipment_units: float = 1.0,
    ship_complete: bool = False,
    promise: Literal["p50", "p90"] = "p90",
    lead_times: pd.DataFrame | None = None,
    suppliers: pd.DataFrame | None = None,
    handling_days: float = 0.0,
    slip_tolerance_days: float = 0.0,
) -> BackorderPlan:
    """Allocate stock and scheduled receipts to open customer lines and promise dates.

    Parameters
    ----------
    customer_orders : DataFrame
        Open lines (the ``customer_orders`` table): ``order_id``, ``line_id``, ``item_id``,
        ``units`` (still to ship), ``order_date``; optional ``customer_id``,
        ``promised_date`` (the last date promised), ``priority`` (lower first) and
        ``ship_complete`` (bool per order; overrides the argument).
    inventory : DataFrame
        The ``inventory`` snapshot: ``on_hand_units``, optional ``allocated_units`` (held
        for shipments not in ``customer_orders``; subtracted) and ``as_of``.
    purchase_orders : DataFrame, optional
        The ``purchase_orders`` table. Lines without ``received_date`` (or received after
        ``as_of``) are open and bring ``units - received_units`` on ``expected_date``;
        received lines are in ``on_hand_units`` already, and a receipt short of ``units``
        is reported as a short receipt.
    recommended_orders : DataFrame, optional
        Orders not yet placed: ``item_id``, ``order_units`` (or ``units``),
        ``expected_arrival_date`` (or ``expected_date``), optional ``supplier_id``,
        ``po_id`` (``recommend_orders`` output or ``PurchasePlan.lines``).
    rule : {"fifo", "priority"}, default "fifo"
        Allocation order: by ``order_date`` (then ``order_id``, ``line_id``); or by
        ``priority`` (missing last), then the same.
    as_of : date, optional
        Planning day; default the latest ``inventory.as_of``.
    min_shipment_units : float, default 1
        A partial shipment smaller than this waits (a complete line always ships).
    ship_complete : bool, default False
        Ship an order only when all its lines can ship in full; it gets one date.
    promise : {"p50", "p90"}, default "p90"
        The date to promise (and to compare with ``promised_date``).
    lead_times : DataFrame, optional
        ``lead_time_history`` output; its ``lead_time_p90_days - lead_time_p50_days`` per
        item x supplier is the P90 margin added to supplier dates.
    suppliers : DataFrame, optional
        The ``suppliers`` table; ``1.2816 * lead_time_sd_days`` is the margin where
        ``lead_times`` has none.
    handling_days : float, default 0
        Days from receipt (or from ``as_of`` for stock) to shipment.
    slip_tolerance_days : float, default 0
        A date later than the last promise by more than this counts as moved.

    Returns
    -------
    BackorderPlan
        ``.lines``: one row per line with ``order_id``, ``line_id``, ``customer_id``,
        ``item_id``, ``units``, ``order_date``, ``priority``, ``allocation_rank`` (1 =
        served first within the item), ``units_from_stock``, ``units_from_po``,
        ``units_from_recommended``, ``units_unallocated`` (no supply in sight),
        ``po_ids`` (sources used, ";"-separated), ``promised_date_p50``,
        ``promised_date_p90``, ``promised_date`` (the ``promise`` one; NaT when
        unpromisable), ``units_ship_now``, ``ship_complete``, ``status`` ("in_stock",
        "partial", "backorder", "unpromisable"), ``previous_promised_date``,
        ``days_slipped`` (new - previous, days; NaN when either is missing),
        ``date_moved`` (later by more than the tolerance, or no longer promisable),
        ``change`` ("later", "earlier", "same", "now_unpromisable", "first_promise",
        "none") and ``reason``.

    Notes
    -----
    Supply per item, in allocation order: available stock ``on_hand - allocated`` (date
    ``as_of``), then open POs by expected date, then recommended orders by arrival date.
    With lines sorted by the rule, the line ``i`` owes units ``[C_{i-1}, C_i)`` of the
    item's cumulative demand and source ``k`` supplies ``[S_{k-1}, S_k)``; the line draws
    the overlap from every source it meets. Its P50 date is the latest P50 date of those
    sources (an overdue PO counts from ``as_of``), its P90 date the latest of
    ``P50 + margin``, the margin being the lead time's P90 - P50 from receipts history
    (or ``z_0.9 σ`` of the stated lead time). Taking the latest source's P90 is
    conservative for a line fed by several POs. Units beyond all supply are
    unallocated and the line is unpromisable (dates NaT).
    Allocation is first come first served and is not redone for ship-complete orders: stock
    held for a waiting order stays reserved for it.

    References
    ----------
    .. [VOL] Vollmann, Berry, Whybark & Jacobs (2005), *Manufacturing Planning and Control
       for Supply Chain Management*, 5th ed., ch. 6 (available-to-promise).

    Examples
    --------
    10 on hand, PO P1 brings 20 on 2024-03-10 (P90 margin 4 days):

    >>> import pandas as pd
    >>> lines = pd.DataFrame({"order_id": ["o1", "o2"], "line_id": ["1", "1"],
    ...     "item_id": ["A", "A"], "units": [6, 8],
    ...     "order_date": ["2024-03-01", "2024-03-02"]})
    >>> inv = pd.DataFrame({"item_id": ["A"], "on_hand_units": [10]})
    >>> po = pd.DataFrame({"po_id": ["P1"], "item_id": ["A"], "supplier_id": ["S"],
    ...     "units": [20], "order_date": ["2024-02-20"], "expected_date": ["2024-03-10"]})
    >>> sup = pd.DataFrame({"item_id": ["A"], "supplier_id": ["S"], "unit_cost": [1.0],
    ...     "lead_time_days": [14], "lead_time_sd_days": [3]})
    >>> plan = promise_dates(lines, inv, po, as_of="2024-03-05", suppliers=sup)
    >>> cols = ["order_id", "units_from_stock", "units_from_po", "units_ship_now",
    ...         "promised_date_p50", "promised_date_p90", "status"]
    >>> print(plan.lines[cols].to_string())
      order_id  units_from_stock  units_from_po  units_ship_now promised_date_p50 promised_date_p90    status
    0       o1               6.0            0.0             6.0        2024-03-05        2024-03-05  in_stock
    1       o2               4.0            4.0             4.0        2024-03-10        2024-03-14   partial
    """
    _check_promise_args(rule, promise, min_shipment_units, handling_days, slip_tolerance_days)
    co = validate_table(customer_orders, "customer_orders", allow_empty=True)
    inv, as_of_ts, supply, shorts = _stock_and_supply(
        inventory,
        purchase_orders,
        recommended_orders,
        as_of=as_of,
        lead_times=lead_times,
        suppliers=suppliers,
        handling_days=handling_days,
    )
    ol = _order_lines(co, rule=rule, ship_complete=ship_complete)
    pieces = _allocate(ol.lines, supply)
    out = _line_outcomes(
        ol,
        pieces,
        shorts,
        as_of=as_of_ts,
        promise=promise,
        min_shipment_units=min_shipment_units,
        slip_tolerance_days=slip_tolerance_days,
    )
    used = _supply_used(supply, pieces)
    return BackorderPlan(
        lines=out[_LINE_COLUMNS],
        allocations=_allocation_frame(ol.lines, supply, pieces),
        supply=used,
        items=_items_table(
            inv, out["item_id"].astype(str).tolist(), out["units"].to_numpy(), used, shorts
        ),
        as_of=as_of_ts,
        rule=rule,
        promise=promise,
    )


def _free_supply(
    inventory: pd.DataFrame,
    purchase_orders: pd.DataFrame | None,
    recommended_orders: pd.DataFrame | None,
    *,
    as_of: Any,
    lead_times: pd.DataFrame | None,
    suppliers: pd.DataFrame | None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``supply`` and ``items`` of :func:`promise_dates` when no customer line is open.

    Nothing is allocated, so the lines' steps are skipped (the service's items without
    customer orders: their availability and supply only; tested against ``promise_dates``).
    """
    inv, _, supply, shorts = _stock_and_supply(
        inventory,
        purchase_orders,
        recommended_orders,
        as_of=as_of,
        lead_times=lead_times,
        suppliers=suppliers,
        handling_days=0.0,
    )
    used = _supply_used(supply, None)
    return used, _items_table(inv, [], np.zeros(0), used, shorts)


def _stock_and_supply(
    inventory: pd.DataFrame,
    purchase_orders: pd.DataFrame | None,
    recommended_orders: pd.DataFrame | None,
    *,
    as_of: Any,
    lead_times: pd.DataFrame | None,
    suppliers: pd.DataFrame | None,
    handling_days: float,
) -> tuple[pd.DataFrame, pd.Timestamp, pd.DataFrame, dict[str, str]]:
    """The validated inventory, the planning day, the sources of supply, the short receipts.

    What :func:`promise_dates` and :func:`_free_supply` both start from (``_supply_table``).
    """
    inv = validate_table(inventory, "inventory", allow_empty=True)
    as_of_ts = _planning_day(as_of, inv)
    supply, shorts = _supply_table(
        inv,
        purchase_orders,
        recommended_orders,
        as_of=as_of_ts,
        lead_times=lead_times,
        suppliers=suppliers,
        handling_days=handling_days,
    )
    return inv, as_of_ts, supply, shorts


_NOTICE_COLUMNS = [
    "customer_id",
    "order_id",
    "line_id",
    "item_id",
    "units",
    "units_ship_now",
    "old_promised_date",
    "new_promised_date",
    "days_slipped",
    "notice",
    "reason",
    "options",
]


def backorder_notices(
    plan: BackorderPlan,
    *,
    incentive: str = "a 5% discount",
    include_first_promises: bool = True,
) -> pd.DataFrame:
    """The customers to contact: dates that slipped, lines no longer promisable, new backorders.

    Parameters
    ----------
    plan : BackorderPlan
        The result of :func:`promise_dates`.
    incentive : str, default "a 5% discount"
        What the customer is offered for waiting (plain text, shown in ``options``).
    include_first_promises : bool, default True
        Also list backordered lines that had no promise yet (their first date).

    Returns
    -------
    DataFrame
        One row per line to contact, sorted by ``customer_id``, ``order_id``, ``line_id``:
        ``customer_id``, ``order_id``, ``line_id``, ``item_id``, ``units``,
        ``units_ship_now``, ``old_promised_date``, ``new_promised_date`` (NaT when
        unpromisable), ``days_slipped``, ``notice`` ("date_slipped", "unpromisable",
        "first_promise"), ``reason`` and ``options`` (keep waiting with the incentive,
        take what ships now, or cancel).

    Notes
    -----
    A line is listed when ``date_moved`` (later than the last promise by more than the
    tolerance, or no longer promisable), or, with ``include_first_promises``, when it is
    backordered, partial or unpromisable and was never promised. Lines whose date moved
    earlier or stayed the same are not listed.

    Examples
    --------
    >>> import pandas as pd
    >>> lines = pd.DataFrame({"order_id": ["o1"], "line_id": ["1"], "item_id": ["A"],
    ...     "units": [5], "order_date": ["2024-03-01"], "customer_id": ["c9"],
    ...     "promised_date": ["2024-03-08"]})
    >>> inv = pd.DataFrame({"item_id": ["A"], "on_hand_units": [0]})
    >>> po = pd.DataFrame({"po_id": ["P1"], "item_id": ["A"], "supplier_id": ["S"],
    ...     "units": [10], "order_date": ["2024-02-20"], "expected_date": ["2024-03-12"]})
    >>> plan = promise_dates(lines, inv, po, as_of="2024-03-05")
    >>> backorder_notices(plan)[["customer_id", "old_promised_date", "new_promised_date",
    ...                          "days_slipped", "notice"]]
      customer_id old_promised_date new_promised_date  days_slipped        notice
    0          c9        2024-03-08        2024-03-12           4.0  date_slipped
    """
    if not isinstance(plan, BackorderPlan):
        raise TypeError(
            f"plan must be the BackorderPlan from promise_dates; got {type(plan).__name__}."
        )
    L = plan.lines
    first = (
        include_first_promises
        & (L["change"] == "first_promise")
        & L["status"].isin(["backorder", "partial", "unpromisable"])
    )
    sel = L["date_moved"] | first
    d = L.loc[sel]
    if d.empty:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in _NOTICE_COLUMNS})
    notice = np.where(
        d["status"] == "unpromisable",
        "unpromisable",
        np.where(d["change"] == "first_promise", "first_promise", "date_slipped"),
    )
    new = d["promised_date"]
    wait = np.where(
        new.notna(),
        "keep waiting until " + new.dt.strftime("%Y-%m-%d").fillna("") + " with " + incentive,
        "keep the order open with "
        + incentive
        + " and get a firm date as soon as supply is booked",
    )
    now = np.where(
        (d["units_ship_now"] > 0) & (d["units_ship_now"] < d["units"]),
        "; or take the " + d["units_ship_now"].map("{:g}".format) + " units in stock now",
        "",
    )
    out = pd.DataFrame(
        {
            "customer_id": d["customer_id"],
            "order_id": d["order_id"],
            "line_id": d["line_id"],
            "item_id": d["item_id"],
            "units": d["units"],
            "units_ship_now": d["units_ship_now"],
            "old_promised_date": d["previous_promised_date"],
            "new_promised_date": new,
            "days_slipped": d["days_slipped"],
            "notice": notice,
            "reason": d["reason"],
            "options": pd.Series(wait, index=d.index, dtype="str")
            + pd.Series(now, index=d.index, dtype="str")
            + "; or cancel the line for a full refund",
        }
    )
    return out.sort_values(["customer_id", "order_id", "line_id"], kind="stable").reset_index(
        drop=True
    )[_NOTICE_COLUMNS]


def availability_feed(
    plan: BackorderPlan,
    *,
    low_stock_units: float | pd.Series | dict[str, float] = 5.0,
) -> pd.DataFrame:
    """What the web shop shows per item: in stock, low stock, backorder until DATE.

    Parameters
    ----------
    plan : BackorderPlan
        The result of :func:`promise_dates` (open lines are served first).
    low_stock_units : float, Series or dict, default 5
        Free units below which an item shows "low stock" (one number, or per ``item_id``).

    Returns
    -------
    DataFrame
        One row per item of ``plan.items`` (every item seen): ``item_id``, ``status``
        ("in_stock", "low_stock", "backorder", "unavailable"), ``units_available`` (stock
        not owed to open lines), ``next_available_date`` (P-date of the first free unit
        when none is in stock, by ``plan.promise``), ``next_available_units`` (free units
        in that receipt) and ``message`` (the text to show).

    Notes
    -----
    Free stock = stock - units owed to open lines (never below 0). With free stock ``>=
    low_stock_units`` the item is in stock, above 0 low stock; otherwise the first source
    with free units gives the backorder date; without one the item is unavailable.

    Examples
    --------
    >>> import pandas as pd
    >>> lines = pd.DataFrame({"order_id": ["o1"], "line_id": ["1"], "item_id": ["A"],
    ...     "units": [8], "order_date": ["2024-03-01"]})
    >>> inv = pd.DataFrame({"item_id": ["A", "B", "C"], "on_hand_units": [10, 50, 0]})
    >>> plan = promise_dates(lines, inv, as_of="2024-03-05")
    >>> availability_feed(plan)[["item_id", "status", "units_available", "message"]]
      item_id       status  units_available            message
    0       A    low_stock              2.0       Only 2 left
    1       B     in_stock             50.0           In stock
    2       C  unavailable              0.0  Currently unavailable
    """
    if not isinstance(plan, BackorderPlan):
        raise TypeError(
            f"plan must be the BackorderPlan from promise_dates; got {type(plan).__name__}."
        )
    return _availability(plan.items, plan.supply, plan.promise, low_stock_units)


def _availability(
    items_table: pd.DataFrame,
    supply: pd.DataFrame,
    promise: str,
    low_stock_units: float | pd.Series | dict[str, float],
) -> pd.DataFrame:
    """:func:`availability_feed` of a plan's ``items`` and ``supply`` tables.

    Per item from dicts over the supply rows (a few per item): the free stock, and the
    first later source with free units.
    """
    items = items_table["item_id"]
    if isinstance(low_stock_units, (pd.Series, dict)):
        thr_s = items.map(pd.Series(low_stock_units)).astype(float)
        missing = thr_s.isna()
        if missing.any():
            raise ValueError(
                f"low_stock_units has no threshold for items "
                f"{format_ids(items[missing].tolist())}; give one per item or a single number."
            )
        thr = thr_s.to_numpy()
    else:
        if not np.isfinite(low_stock_units) or low_stock_units < 0:
            raise ValueError(f"low_stock_units must be >= 0; got {low_stock_units!r}.")
        thr = np.full(len(items), float(low_stock_units))
    ids = items.tolist()
    col = "date_p90" if promise == "p90" else "date_p50"
    kind = supply["kind"].tolist()
    sup_items = supply["item_id"].tolist()
    free = supply["units_free"].to_numpy(dtype=float)
    stock_free = _group_sums(sup_items, free, np.array([k == "stock" for k in kind], dtype=bool))
    first: dict[Any, int] = {}  # item -> its first later source with free units
    for k, (item, kd, f) in enumerate(zip(sup_items, kind, free.tolist(), strict=True)):
        if kd != "stock" and f > 1e-9 and item not in first:
            first[item] = k
    free_now = np.array([stock_free.get(i, 0.0) for i in ids], dtype=float)
    at = np.array([first.get(i, -1) for i in ids], dtype=np.int64)
    has = at >= 0
    dates: Any = supply[col].to_numpy()
    nxt: Any = np.full(len(ids), np.datetime64("NaT"), dtype=dates.dtype if first else "M8[ns]")
    nxt[has] = dates[at[has]]
    nxt_units = np.zeros(len(ids))
    nxt_units[has] = free[at[has]]
    status = np.where(
        (free_now > 0) & (free_now >= thr),
        "in_stock",
        np.where(free_now > 0, "low_stock", np.where(has, "backorder", "unavailable")),
    )
    message = np.empty(len(ids), dtype=object)
    days = np.datetime_as_string(nxt, unit="D").tolist()  # 'YYYY-MM-DD'
    for k, (st, f, d) in enumerate(zip(status.tolist(), free_now.tolist(), days, strict=True)):
        if st == "in_stock":
            message[k] = "In stock"
        elif st == "low_stock":
            message[k] = f"Only {f:g} left"
        elif st == "backorder":
            message[k] = "Backorder: ships by " + d
        else:
            message[k] = "Currently unavailable"
    backorder = status == "backorder"
    return pd.DataFrame(
        {
            "item_id": items.to_numpy(),
            "status": status,
            "units_available": free_now,
            "next_available_date": np.where(backorder, nxt, np.datetime64("NaT")).astype(nxt.dtype),
            "next_available_units": np.where(backorder, nxt_units, 0.0),
            "message": message,
        }
    )

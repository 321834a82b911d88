"""Backorders: honest promise dates, what ships now, who to tell, and a web-shop feed.

:func:`promise_dates` allocates the stock on hand and the scheduled receipts (open purchase
orders, then recommended orders) to the open customer lines in a stated order, first come
first served (``"fifo"``) or by priority then first come. Each line gets the units it draws
from stock, from each purchase order and from the recommended orders, a median (P50) and a
conservative (P90) promise date, what can ship now, and whether its date moved against the
last promise. :func:`backorder_notices` lists the customers to contact and
:func:`availability_feed` the status to show per item in the web shop.

Everything is vectorised: lines and supply are sorted per item, cumulative sums give each
line's interval of units owed ``[c_start, c_end)`` and each source's interval of units
supplied ``[s_start, s_end)``, and one merged sort (the equivalent of a per-item
``searchsorted``) finds the sources that overlap each line.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd

from .._export import escape_html, jsonable
from .._utils import format_ids
from ..exceptions import SchemaError
from ..io.validation import validate_table

__all__ = ["BackorderPlan", "availability_feed", "backorder_notices", "promise_dates"]

_Z90 = 1.2815515655446004  # standard normal 0.9 quantile
_ROUND = 9  # decimals kept in cumulative sums (exact ties between lines and supply)
_KIND_ORDER = {"stock": 0, "po": 1, "recommended": 2}


# =========================================================================== inputs
def _supply_table(
    inventory: pd.DataFrame,
    purchase_orders: pd.DataFrame | None,
    recommended_orders: pd.DataFrame | None,
    *,
    as_of: pd.Timestamp,
    lead_times: pd.DataFrame | None,
    suppliers: pd.DataFrame | None,
    handling_days: float,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Supply sources per item in allocation order, and the short receipts seen."""
    inv = validate_table(inventory, "inventory", allow_empty=True)
    on_hand = inv["on_hand_units"]
    alloc = inv["allocated_units"].fillna(0.0) if "allocated_units" in inv.columns else 0.0
    handling = pd.Timedelta(days=float(handling_days))
    stock = pd.DataFrame(
        {
            "item_id": inv["item_id"].to_numpy(),
            "kind": "stock",
            "source_id": "stock",
            "supplier_id": "",
            "units": np.maximum((on_hand - alloc).to_numpy(dtype=float), 0.0),
            "date_p50": as_of + handling,
            "date_p90": as_of + handling,
            "overdue": False,
        }
    )
    frames = [stock]
    spread = _spread_table(lead_times, suppliers)
    shorts = pd.DataFrame(columns=["item_id", "short_receipts"])
    if purchase_orders is not None:
        po = validate_table(purchase_orders, "purchase_orders", allow_empty=True)
        rec_date = (
            po["received_date"]
            if "received_date" in po.columns
            else pd.Series(pd.NaT, index=po.index)
        )
        got = (
            po["received_units"]
            if "received_units" in po.columns
            else pd.Series(np.nan, index=po.index)
        )
        received = rec_date.notna() & (rec_date <= as_of)
        short = received & got.notna() & (got < po["units"] - 1e-9)
        if short.any():
            s = po.loc[short]
            txt = (
                "PO "
                + s["po_id"]
                + " received "
                + got[short].map("{:g}".format)
                + " of "
                + s["units"].map("{:g}".format)
                + " units on "
                + rec_date[short].dt.strftime("%Y-%m-%d")
            )
            shorts = (
                pd.DataFrame({"item_id": s["item_id"], "t": txt})
                .groupby("item_id")["t"]
                .agg("; ".join)
                .rename("short_receipts")
                .reset_index()
            )
        open_ = po.loc[~received].copy()
        outstanding = open_["units"] - got[~received].fillna(0.0)
        exp = open_["expected_date"].dt.normalize()
        p50 = exp.where(exp >= as_of, as_of) + handling
        sp = _lookup_spread(spread, open_["item_id"], open_["supplier_id"])
        frames.append(
            pd.DataFrame(
                {
                    "item_id": open_["item_id"].to_numpy(),
                    "kind": "po",
                    "source_id": open_["po_id"].to_numpy(),
                    "supplier_id": open_["supplier_id"].to_numpy(),
                    "units": np.maximum(outstanding.to_numpy(dtype=float), 0.0),
                    "date_p50": p50.to_numpy(),
                    "date_p90": (p50 + pd.to_timedelta(np.ceil(sp - 1e-9), unit="D")).to_numpy(),
                    "overdue": (exp < as_of).to_numpy(),
                }
            )
        )
    if recommended_orders is not None:
        rec = _recommended_table(recommended_orders)
        p50 = (
            rec["expected_arrival_date"].where(rec["expected_arrival_date"] >= as_of, as_of)
            + handling
        )
        sp = _lookup_spread(spread, rec["item_id"], rec["supplier_id"])
        frames.append(
            pd.DataFrame(
                {
                    "item_id": rec["item_id"].to_numpy(),
                    "kind": "recommended",
                    "source_id": rec["source_id"].to_numpy(),
                    "supplier_id": rec["supplier_id"].to_numpy(),
                    "units": rec["units"].to_numpy(dtype=float),
                    "date_p50": p50.to_numpy(),
                    "date_p90": (p50 + pd.to_timedelta(np.ceil(sp - 1e-9), unit="D")).to_numpy(),
                    "overdue": False,
                }
            )
        )
    sup = pd.concat(frames, ignore_index=True)
    sup = sup.loc[sup["units"] > 0].copy()
    sup["kind_rank"] = sup["kind"].map(_KIND_ORDER)
    sup = sup.sort_values(
        ["item_id", "kind_rank", "date_p50", "source_id"], kind="stable"
    ).reset_index(drop=True)
    return sup.drop(columns="kind_rank"), shorts


def _recommended_table(rec: pd.DataFrame) -> pd.DataFrame:
    if not isinstance(rec, pd.DataFrame):
        raise TypeError(f"recommended_orders must be a DataFrame; got {type(rec).__name__}.")
    qty = next((c for c in ("order_units", "units") if c in rec.columns), None)
    when = next((c for c in ("expected_arrival_date", "expected_date") if c in rec.columns), None)
    if "item_id" not in rec.columns or qty is None or when is None:
        raise SchemaError(
            "recommended_orders needs item_id, order_units (or units) and expected_arrival_date "
            f"(or expected_date), as recommend_orders or PurchasePlan.lines give. Found: "
            f"{list(rec.columns)}."
        )
    units = pd.to_numeric(rec[qty], errors="coerce").fillna(0.0)
    dates = pd.to_datetime(rec[when], errors="coerce").dt.normalize()
    keep = (units > 0) & dates.notna()
    supplier = (
        rec["supplier_id"].astype(str)
        if "supplier_id" in rec.columns
        else pd.Series("", index=rec.index)
    )
    sid = (
        rec["po_id"].astype(str)
        if "po_id" in rec.columns
        else "recommended-" + supplier.where(supplier != "", "order")
    )
    return pd.DataFrame(
        {
            "item_id": rec["item_id"].astype(str),
            "source_id": sid,
            "supplier_id": supplier,
            "units": units,
            "expected_arrival_date": dates,
        }
    ).loc[keep]


def _spread_table(lead_times: pd.DataFrame | None, suppliers: pd.DataFrame | None) -> pd.Series:
    """P90 - P50 of the lead time (days) per item x supplier: history first, then stated sd."""
    parts = []
    if suppliers is not None:
        sup = validate_table(suppliers, "suppliers")
        if "lead_time_sd_days" in sup.columns:
            parts.append(sup.set_index(["item_id", "supplier_id"])["lead_time_sd_days"] * _Z90)
    if lead_times is not None:
        need = {"item_id", "supplier_id", "lead_time_p50_days", "lead_time_p90_days"}
        if not need <= set(lead_times.columns):
            raise SchemaError(
                f"lead_times is missing columns {sorted(need - set(lead_times.columns))}; pass the "
                f"frame returned by lead_time_history(purchase_orders, suppliers)."
            )
        lt = lead_times.assign(
            item_id=lead_times["item_id"].astype(str),
            supplier_id=lead_times["supplier_id"].astype(str),
        ).set_index(["item_id", "supplier_id"])
        parts.append(lt["lead_time_p90_days"] - lt["lead_time_p50_days"])
    if not parts:
        return pd.Series(dtype=float)
    out = parts[-1]
    for p in parts[-2::-1]:
        out = out.combine_first(p)
    return out.dropna().clip(lower=0.0)


def _lookup_spread(spread: pd.Series, items: pd.Series, suppliers: pd.Series) -> np.ndarray:
    if not len(spread):
        return np.zeros(len(items))
    idx = pd.MultiIndex.from_arrays(
        [items.astype(str).to_numpy(), suppliers.astype(str).to_numpy()]
    )
    return spread.reindex(idx).fillna(0.0).to_numpy(dtype=float)


def _count_before(
    s_item: np.ndarray, s_val: np.ndarray, q_item: np.ndarray, q_val: np.ndarray, *, inclusive: bool
) -> np.ndarray:
    """For each query, the number of supply entries sorted before it: all entries of earlier
    items plus those of the same item with value < q (``inclusive``: <= q). ``s`` must be
    sorted by (item, value); item codes are integers."""
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


# ========================================================================= result
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


# ========================================================================== main
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
    co = validate_table(customer_orders, "customer_orders", allow_empty=True)
    inv = validate_table(inventory, "inventory", allow_empty=True)
    if as_of is not None:
        as_of_ts = pd.Timestamp(as_of).normalize()
    elif "as_of" in inv.columns and inv["as_of"].notna().any():
        as_of_ts = pd.Timestamp(inv["as_of"].max()).normalize()
    else:
        raise ValueError(
            "promise_dates needs the planning day: pass as_of=... or give inventory an as_of column."
        )
    supply, shorts = _supply_table(
        inv,
        purchase_orders,
        recommended_orders,
        as_of=as_of_ts,
        lead_times=lead_times,
        suppliers=suppliers,
        handling_days=handling_days,
    )
    # ---------------------------------------------------------------- order the lines
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
    L = co.iloc[order].reset_index(drop=True)
    L_pri, L_sc, L_prev, L_cust = (
        s.iloc[order].reset_index(drop=True) for s in (pri, sc_col, prev, cust)
    )
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
    kind = supply["kind"].to_numpy()[src]
    d50 = supply["date_p50"].to_numpy()[src]
    d90 = supply["date_p90"].to_numpy()[src]
    alloc = pd.DataFrame(
        {
            "order_id": L["order_id"].to_numpy()[line_idx],
            "line_id": L["line_id"].to_numpy()[line_idx],
            "item_id": L["item_id"].to_numpy()[line_idx],
            "kind": kind,
            "source_id": supply["source_id"].to_numpy()[src],
            "supplier_id": supply["supplier_id"].to_numpy()[src],
            "units": take,
            "date_p50": d50,
            "date_p90": d90,
        }
    )

    def per_line(values: np.ndarray) -> np.ndarray:
        return np.bincount(line_idx, weights=values, minlength=n)

    from_stock = per_line(np.where(kind == "stock", take, 0.0))
    from_po = per_line(np.where(kind == "po", take, 0.0))
    from_rec = per_line(np.where(kind == "recommended", take, 0.0))
    unalloc = np.round(np.maximum(units - from_stock - from_po - from_rec, 0.0), _ROUND)
    unalloc = np.where(unalloc < 1e-9, 0.0, unalloc)
    # latest dates over the sources of each line
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
    max50[zero_units] = np.datetime64(as_of_ts.to_datetime64())
    max90[zero_units] = np.datetime64(as_of_ts.to_datetime64())
    p50 = pd.Series(max50).where(unalloc == 0)
    p90 = pd.Series(max90).where(unalloc == 0)
    # ship now
    full_now = from_stock >= units - 1e-9
    ship_now = np.where(
        full_now, units, np.where(from_stock >= min_shipment_units - 1e-9, from_stock, 0.0)
    )
    sc: np.ndarray = np.asarray(L_sc, dtype=bool)
    oid = L["order_id"].to_numpy()
    if sc.any():
        order_full = pd.Series(full_now).groupby(oid).transform("all").to_numpy()
        ship_now = np.where(sc & ~order_full, 0.0, ship_now)
        grp50 = p50.groupby(oid).transform("max")
        grp90 = p90.groupby(oid).transform("max")
        any_nat: np.ndarray = np.asarray(
            pd.Series(unalloc > 0).groupby(oid).transform("any"), dtype=bool
        )
        p50 = p50.where(~sc, grp50.where(~any_nat))
        p90 = p90.where(~sc, grp90.where(~any_nat))
        unpromisable_order = sc & any_nat
    else:
        unpromisable_order = np.zeros(n, bool)
    promised = p90 if promise == "p90" else p50
    status = np.where(
        (unalloc > 0) | unpromisable_order,
        "unpromisable",
        np.where(
            ship_now >= units - 1e-9, "in_stock", np.where(ship_now > 0, "partial", "backorder")
        ),
    )
    prev_d = pd.to_datetime(L_prev).dt.normalize()
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
    # sources text per line (pieces are grouped by line, in supply order): one pass per
    # piece rank, vectorised over lines
    piece_txt = np.where(kind == "stock", "stock", alloc["source_id"].to_numpy(dtype=object))
    po_ids = _join_per_line(line_idx, piece_txt, n)
    po_only = _join_per_line(line_idx[kind != "stock"], piece_txt[kind != "stock"], n, sep=", ")
    item_short = (
        L["item_id"].map(shorts.set_index("item_id")["short_receipts"]).fillna("").to_numpy()
        if len(shorts)
        else np.full(n, "")
    )
    out = pd.DataFrame(
        {
            "order_id": L["order_id"],
            "line_id": L["line_id"],
            "customer_id": L_cust.astype("str"),
            "item_id": L["item_id"],
            "units": units,
            "order_date": L["order_date"],
            "priority": L_pri.to_numpy(dtype=float),
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
        out,
        po_only,
        item_short,
        item_total[q_item] if n else np.zeros(0),
        c_start,
        min_shipment_units,
    )
    supply = supply.copy()
    used_units = np.bincount(src, weights=take, minlength=len(supply))
    supply["units_allocated"] = used_units
    supply["units_free"] = np.maximum(supply["units"].to_numpy() - used_units, 0.0)
    items = _items_table(inv, out, supply, shorts)
    return BackorderPlan(
        lines=out[_LINE_COLUMNS],
        allocations=alloc,
        supply=supply.reset_index(drop=True),
        items=items,
        as_of=as_of_ts,
        rule=rule,
        promise=promise,
    )


def _items_table(
    inv: pd.DataFrame, lines: pd.DataFrame, supply: pd.DataFrame, shorts: pd.DataFrame
) -> pd.DataFrame:
    ids = pd.Index(
        pd.concat([inv["item_id"], lines["item_id"], supply["item_id"]], ignore_index=True)
        .astype(str)
        .unique()
    ).sort_values()
    stock = supply.loc[supply["kind"] == "stock"].groupby("item_id")["units"].sum()
    sched = supply.loc[supply["kind"] != "stock"].groupby("item_id")["units"].sum()
    owed = lines.groupby("item_id")["units"].sum()
    out = pd.DataFrame({"item_id": ids.to_numpy()})
    out["stock_units"] = out["item_id"].map(stock).fillna(0.0)
    out["open_units"] = out["item_id"].map(owed).fillna(0.0)
    out["scheduled_units"] = out["item_id"].map(sched).fillna(0.0)
    out["short_receipts"] = (
        out["item_id"].map(shorts.set_index("item_id")["short_receipts"]).fillna("")
        if len(shorts)
        else ""
    )
    return out


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


def _g(values: Any) -> pd.Series:
    """Numbers as short text ('4', '2.5')."""
    return pd.Series(np.asarray(values, dtype=float)).map("{:g}".format).astype("str")


def _day(values: Any) -> pd.Series:
    return pd.Series(pd.to_datetime(np.asarray(values))).dt.strftime("%Y-%m-%d").fillna("")


def _join(*parts: pd.Series) -> pd.Series:
    """Join non-empty texts with '; ' element-wise."""
    out = parts[0]
    for p in parts[1:]:
        out = pd.Series(
            np.where(out == "", p, np.where(p == "", out, out + "; " + p)), index=out.index
        )
    return out


def _line_reasons(
    out: pd.DataFrame,
    po_only: np.ndarray,
    item_short: np.ndarray,
    item_total: np.ndarray,
    c_start: np.ndarray,
    min_ship: float,
) -> np.ndarray:
    """One plain sentence per line, built with vectorised string operations."""
    n = len(out)
    if not n:
        return np.zeros(0, dtype=object)
    empty = pd.Series("", index=range(n))
    st = out["status"].to_numpy()
    u = out["units"].to_numpy(dtype=float)
    fs = out["units_from_stock"].to_numpy(dtype=float)
    fo = (out["units_from_po"] + out["units_from_recommended"]).to_numpy(dtype=float)
    ua = out["units_unallocated"].to_numpy(dtype=float)
    sc = out["ship_complete"].to_numpy(dtype=bool)
    ch = out["change"].to_numpy()
    date = _day(out["promised_date"])
    stock_txt = empty.where(~(fs > 0), _g(fs) + " from stock")
    po_txt = empty.where(~(fo > 0), _g(fo) + " from " + pd.Series(po_only))
    ahead = np.minimum(item_total, c_start)
    unprom = (
        _g(ua)
        + " of "
        + _g(u)
        + " units have no scheduled supply (all supply in sight, "
        + _g(item_total)
        + " units, goes to "
        + _g(ahead)
        + " units owed to earlier lines"
        + pd.Series(np.where(item_total > c_start, " and this line", ""), dtype="str")
        + ")"
        + pd.Series(np.where(item_short != "", "; " + item_short.astype(str), ""), dtype="str")
    )
    unprom = unprom.where(
        ua > 0, "the order ships complete and another of its lines has no scheduled supply"
    )
    partial = "ship " + _g(out["units_ship_now"]) + " now, the rest by " + date
    held = pd.Series(
        np.where(
            (fs > 0) & sc,
            "held: the order ships complete",
            np.where(
                (fs > 0) & (fs < min_ship),
                _g(fs) + " in stock is below the minimum shipment " + f"{min_ship:g}",
                "",
            ),
        )
    )
    back = _join(held, "ships by " + date)
    status_txt = pd.Series(
        np.select(
            [st == "unpromisable", st == "partial", st == "backorder"],
            [unprom, partial, back],
            default="",
        )
    )
    ds = out["days_slipped"].to_numpy(dtype=float)
    prev = _day(out["previous_promised_date"])
    change_txt = pd.Series(
        np.select(
            [ch == "later", ch == "earlier", ch == "now_unpromisable"],
            [
                "date moved " + _g(ds) + " days later than promised (" + prev + ")",
                "date moved " + _g(-ds) + " days earlier than promised (" + prev + ")",
                "was promised for " + prev,
            ],
            default="",
        )
    )
    res = _join(stock_txt, po_txt, status_txt, change_txt)
    return res.where(res != "", "nothing to ship").to_numpy(dtype=object)


# ======================================================================= notices
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


# ==================================================================== availability
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
    items = plan.items["item_id"]
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
    sup = plan.supply
    stock_free = sup.loc[sup["kind"] == "stock"].groupby("item_id")["units_free"].sum()
    free_now = items.map(stock_free).fillna(0.0).to_numpy()
    later = sup.loc[(sup["kind"] != "stock") & (sup["units_free"] > 1e-9)]
    first = later.groupby("item_id", sort=False).head(1).set_index("item_id")
    col = "date_p90" if plan.promise == "p90" else "date_p50"
    nxt = items.map(first[col]) if len(first) else pd.Series(pd.NaT, index=items.index)
    nxt_units = (
        items.map(first["units_free"]).fillna(0.0)
        if len(first)
        else pd.Series(0.0, index=items.index)
    )
    status = np.where(
        (free_now > 0) & (free_now >= thr),
        "in_stock",
        np.where(free_now > 0, "low_stock", np.where(nxt.notna(), "backorder", "unavailable")),
    )
    message = np.where(
        status == "in_stock",
        "In stock",
        np.where(
            status == "low_stock",
            "Only " + pd.Series(free_now).map("{:g}".format) + " left",
            np.where(
                status == "backorder",
                "Backorder: ships by " + pd.to_datetime(nxt).dt.strftime("%Y-%m-%d").fillna(""),
                "Currently unavailable",
            ),
        ),
    )
    return pd.DataFrame(
        {
            "item_id": items.to_numpy(),
            "status": status,
            "units_available": free_now,
            "next_available_date": pd.to_datetime(nxt).where(status == "backorder").to_numpy(),
            "next_available_units": np.where(status == "backorder", nxt_units, 0.0),
            "message": message,
        }
    )

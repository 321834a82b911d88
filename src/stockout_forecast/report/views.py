"""The frames every output renders: the orders to place and the headline figures.

One truth: the Orders table of the HTML page, ``orders.csv``, the Excel sheet ``orders``,
the JSON, the per-item summary's order columns and the command line's summary all read the
frame :func:`orders_to_place` builds from the draft purchase-order lines, and every count a
planner sees first comes from :func:`headline`. Nothing else computes these figures.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ..policy._recommend_text import EXPEDITE_AT, backorder_note

__all__ = ["ORDER_COLUMNS", "headline", "orders_to_place"]

#: the columns of :func:`orders_to_place`
ORDER_COLUMNS = [
    "item_id",
    "description",
    "order_units",
    "supplier_split",
    "supplier_ids",
    "first_arrival_date",
    "last_arrival_date",
    "order_by_date",
    "stockout_date_p50",
    "p_stockout_before_arrival",
    "expected_units_short",
    "shortage_cost_per_unit",
    "order_value",
    "service_level",
    "implied_fill_rate",
    "expected_cost_per_year",
    "trigger",
    "reason",
]


def _day(d: Any) -> str:
    """'8 Dec' (empty for a missing date)."""
    if d is None or pd.isna(d):
        return ""
    d = pd.Timestamp(d)
    return f"{d.day} {d:%b}"


def _split_text(lines: pd.DataFrame) -> pd.DataFrame:
    """Per item: 'SUP-014 170, SUP-015 54' (earliest arrival first), ids, first/last arrival."""
    lines = lines.sort_values(["item_id", "expected_arrival_date", "supplier_id"], kind="stable")
    g = lines.groupby("item_id", sort=False)
    # per item, in the lines' order: the split's parts, the supplier ids, the arrivals
    parts: dict[Any, tuple[list[str], list[str], list[str]]] = {}
    for item, sup, units, day in zip(
        lines["item_id"],
        lines["supplier_id"].astype(str),
        lines["units"],
        lines["expected_arrival_date"],
        strict=True,
    ):
        split, ids, arrivals = parts.setdefault(item, ([], [], []))
        split.append(f"{sup} {units:,.0f}")
        ids.append(sup)
        arrivals.append(f"{sup} {units:,.0f} arriving {_day(day)}")
    groups = g.size().index

    def per_group(k: int, sep: str, order: Any = list) -> pd.Series:
        return pd.Series([sep.join(order(parts[i][k])) for i in groups], index=groups)

    return pd.DataFrame(
        {
            "order_units": g["units"].sum(),
            "supplier_split": per_group(0, ", "),
            "supplier_ids": per_group(1, "|", sorted),
            "first_arrival_date": g["expected_arrival_date"].min(),
            "last_arrival_date": g["expected_arrival_date"].max(),
            "expected_units_short": g["expected_units_short"].sum(min_count=1),
            "order_value": g["line_total"].sum(),
            "_arrivals": per_group(2, ", "),
        }
    )


def orders_to_place(plan: Any) -> pd.DataFrame:
    """One row per item to order now, from the draft purchase-order lines (one truth).

    Parameters
    ----------
    plan : ReorderPlan
        A plan with ``orders`` (the policy's recommendation) and ``purchase_plan`` (the
        supplier split of the items to order now).

    Returns
    -------
    pandas.DataFrame
        Columns :data:`ORDER_COLUMNS`: ``order_units`` (units on the draft POs),
        ``supplier_split`` (``"SUP-014 170, SUP-015 54"``, earliest arrival first),
        ``supplier_ids`` (``|``-separated, sorted), ``first_arrival_date`` and
        ``last_arrival_date`` (of the PO lines), ``order_by_date`` (the policy's),
        ``stockout_date_p50`` (without the order), ``p_stockout_before_arrival`` (chance of
        running out before an order placed today can arrive), ``expected_units_short``
        (after the order, from the split), ``shortage_cost_per_unit`` (what the split charges
        a unit short), ``order_value`` (currency), ``trigger`` and ``reason`` (one plain line
        built from these figures). Most urgent first. Items whose split failed are not here:
        their status and reason are in the per-item summary.
    """
    cols = ORDER_COLUMNS
    pp = getattr(plan, "purchase_plan", None)
    rec = getattr(plan, "orders", None)
    if pp is None or rec is None or len(pp.lines) == 0:
        return pd.DataFrame({c: pd.Series(dtype=_dtype(c)) for c in cols})
    split = _split_text(pp.lines)
    index = split.index
    # the policy's columns read here (the row's figures and its reason), not all of them
    r = rec[["item_id", *(c for c in _FROM_POLICY if c in rec.columns)]]
    r = r.set_index("item_id").reindex(index)
    # the columns gathered in a dict and framed once (cheaper than inserting each)
    out: dict[str, Any] = {c: split[c] for c in split.columns}
    items = getattr(plan, "items", None)
    if items is not None and "description" in items.columns:
        out["description"] = items.set_index("item_id")["description"].reindex(index)
    else:
        out["description"] = np.nan
    out["order_by_date"] = r["order_by_date"]
    out["stockout_date_p50"] = r["stockout_date_p50_without_order"]
    out["p_stockout_before_arrival"] = (
        r["p_stockout_before_arrival"] if "p_stockout_before_arrival" in r else np.nan
    )
    have = [c for c in _FROM_SPLIT if c in pp.items.columns]
    cost = pp.items[["item_id", *have]].set_index("item_id").reindex(index)
    if "shortage_cost_per_unit" in cost.columns:
        out["shortage_cost_per_unit"] = cost["shortage_cost_per_unit"]
    else:
        units_short = cost["expected_units_short"]
        with np.errstate(invalid="ignore", divide="ignore"):
            out["shortage_cost_per_unit"] = (cost["expected_shortage_cost"] / units_short).where(
                units_short > 0
            )
    for col in ("service_level", "implied_fill_rate", "expected_cost_per_year"):
        out[col] = r[col] if col in r.columns else np.nan
    out["trigger"] = r["order_trigger"].fillna("")
    out["reason"] = _reasons(index, out, r, plan.as_of)
    frame = pd.DataFrame(out, index=index).reset_index()
    frame = frame.sort_values(
        ["order_by_date", "stockout_date_p50", "item_id"], na_position="last", kind="stable"
    )
    return frame[cols].reset_index(drop=True)


#: the columns of the split's per-item table that the orders read
_FROM_SPLIT = ("shortage_cost_per_unit", "expected_units_short", "expected_shortage_cost")


#: the columns of the policy's recommendation that the orders and their reasons read
_FROM_POLICY = (
    "order_by_date",
    "stockout_date_p50_without_order",
    "p_stockout_before_arrival",
    "service_level",
    "implied_fill_rate",
    "expected_cost_per_year",
    "order_trigger",
    "days_of_cover",
    "velocity_units_per_day",
    "inventory_position_units",
    "reorder_point_units",
    "reason",
)


def _dtype(col: str) -> str:
    if col.endswith("_date"):
        return "datetime64[ns]"
    if col in ("item_id", "description", "supplier_split", "supplier_ids", "trigger", "reason"):
        return "str"
    return "float64"


def _reasons(
    index: pd.Index, out: dict[str, Any], rec: pd.DataFrame, as_of: pd.Timestamp
) -> pd.Series:
    """'velocity 4.5/day, 0 days of cover; reorder point 287 reached → order 224 now: ...'.

    Built from the figures of the row itself (the split's suppliers and arrivals, the
    policy's trigger and order-by date), so the line never names a supplier that gets no PO.
    ``out`` holds the order rows' columns (aligned on ``index``), ``rec`` the policy's row
    of each item (the same items, in the same order).
    """
    n = len(index)
    orders = _row_dicts(
        {
            c: out[c].tolist() if isinstance(out[c], pd.Series) else [out[c]] * n
            for c in _REASON_INPUTS
        },
        n,
    )
    policy = _row_dicts({str(c): rec[c].tolist() for c in rec.columns}, n)
    lines = [_reason(o, r, as_of) for o, r in zip(orders, policy, strict=True)]
    return pd.Series(lines, index=index, dtype="str")


def _row_dicts(columns: dict[str, list[Any]], n: int) -> list[dict[str, Any]]:
    """Rows as dicts from columns of values (each ``n`` long)."""
    names = list(columns)
    if not names:
        return [{} for _ in range(n)]
    return [dict(zip(names, row, strict=True)) for row in zip(*columns.values(), strict=True)]


#: the columns of an order row that its reason reads
_REASON_INPUTS = (
    "order_units",
    "_arrivals",
    "p_stockout_before_arrival",
    "order_by_date",
    "expected_units_short",
)


def _reason(o: dict[Any, Any], r: dict[Any, Any], as_of: pd.Timestamp) -> str:
    cover = r.get("days_of_cover")
    cover_txt = ""
    if pd.notna(cover):
        more = "more than " if pd.isna(r.get("stockout_date_p50_without_order")) else ""
        cover_txt = f", {more}{cover:,.0f} days of cover"
    head = f"velocity {r.get('velocity_units_per_day', np.nan):.1f}/day{cover_txt}"
    if r.get("order_trigger") == "reorder_point":
        why = (
            f"inventory position {r['inventory_position_units']:,.0f} at or below the "
            f"reorder point {r['reorder_point_units']:,.0f}"
            f"{backorder_note(float(r['reorder_point_units']))}"
        )
    else:
        why = "open orders arrive too late to count on"
    line = f"{head}; {why} → order {o['order_units']:,.0f} now: {o['_arrivals']}"
    risk = 1.0 - float(r.get("service_level", 0.95))
    p_before = o.get("p_stockout_before_arrival")
    if pd.notna(p_before) and p_before >= EXPEDITE_AT:
        line += f"; expedite: {p_before:.0%} chance of running out before it arrives"
    else:
        if pd.notna(o["order_by_date"]) and o["order_by_date"] >= as_of:
            line += f" (last safe order day {_day(o['order_by_date'])})"
        if pd.notna(p_before) and p_before > risk:
            line += f"; {p_before:.0%} chance of running out before it arrives"
    short = o["expected_units_short"]
    if pd.notna(short) and short >= 0.5:
        line += f"; {short:,.0f} unit{'s' if round(short) != 1 else ''} expected short"
    policy = str(r.get("reason", ""))
    cap = policy.find("; capped at")
    if cap >= 0:
        end = policy.find("next review", cap)
        line += policy[cap : end + len("next review")] if end >= 0 else policy[cap:]
    note = _trailing_note(policy)
    if note and not any(said in note for said in _SAID_IN_THE_LINE):
        line += note
    return line


#: notes of the policy's reason that the order line already says in its own words
_SAID_IN_THE_LINE = (
    "open orders arrive too late",
    "judged over",
    "chance of running out before it arrives",
)


def _trailing_note(text: str) -> str:
    """The parenthesised note that ends ``text``, with its leading space ('' if none).

    Parentheses inside the note are kept: ``"x (new: 21 days (fewer than 28) since 4 Nov)"``
    gives ``" (new: 21 days (fewer than 28) since 4 Nov)"``, not its inner half.
    """
    if not text.endswith(")"):
        return ""
    depth = 0
    for i in range(len(text) - 1, -1, -1):
        depth += {")": 1, "(": -1}.get(text[i], 0)
        if depth == 0:
            return (" " if i and text[i - 1] == " " else "") + text[i:]
    return ""  # unbalanced: not a note


# --------------------------------------------------------------------------- headline
def headline(plan: Any, summary: pd.DataFrame, orders: pd.DataFrame) -> pd.DataFrame:
    """The figures a planner sees first, with their labels: one frame for every output.

    Returns
    -------
    pandas.DataFrame
        One row per figure: ``key``, ``label`` (as shown), ``value`` (int) and ``tone``
        (``"red"``, ``"amber"`` or ``""``). Without an inventory table there is no figure
        about stock on hand; without suppliers none about orders. Discontinued items are
        not counted as out of stock or running out (they are not reordered).
    """
    s = summary
    rows: list[tuple[str, str, int, str]] = [("items", "items planned", len(s), "")]
    stock_known = "available_units" in s.columns
    if stock_known:
        col = "stockout_date_p50" if "stockout_date_p50" in s.columns else "stockout_date"
        date = s[col]
        # discontinued items are not reordered: their stock is not a planner's worry
        active = (s["status"] != "discontinued").to_numpy() if "status" in s.columns else True
        out_now = (s["available_units"].fillna(np.inf) <= 0).to_numpy() & active
        days = (date - plan.as_of).dt.days
        soon = (date.notna() & (days <= 14)).to_numpy() & ~out_now & active
        rows.append(("out_now", "out of stock now (nothing available)", int(out_now.sum()), "red"))
        basis = "P50" if col == "stockout_date_p50" else "at the current velocity"
        rows.append(("soon", f"run out within 14 days ({basis})", int(soon.sum()), "amber"))
        if "fastest_lead_time_days" in s.columns:
            lead = s["fastest_lead_time_days"]
            before = (date.notna() & (days <= lead)).to_numpy() & ~out_now & active
            rows.append(
                (
                    "before_lead_time",
                    "run out before the fastest supplier delivers",
                    int(before.sum()),
                    "amber",
                )
            )
        if "backordered_units" in s.columns:
            units = float(s["backordered_units"].fillna(0).sum())
            rows.append(("backordered_units", "units on backorder", round(units), ""))
    elif "reorder_point_units" in s.columns:
        has = s["reorder_point_units"].notna() & (s["status"] == "ok")
        rows.append(("with_levels", "items with reorder levels", int(has.sum()), ""))
    if getattr(plan, "orders", None) is not None:
        rows.append(("to_order", "items to order now", len(orders), ""))
    notices = getattr(plan, "notices", None)
    if notices is not None:
        rows.append(("notices", "customer lines to notify", len(notices), ""))
    flagged = int((s["status"] != "ok").sum()) if "status" in s.columns else 0
    rows.append(("flagged", "items flagged (see Data notes)", flagged, ""))
    return pd.DataFrame(rows, columns=["key", "label", "value", "tone"])

"""The sections of the reorder report: one function each, in one list.

A section is a title, a function that takes the report's frames and returns its HTML, and
the tables it contributes to the workbook and the JSON. :data:`SECTIONS` lists them in the
order the report shows them; the HTML writer (:func:`~.html.render_html`) iterates it, and
so do :meth:`ReorderPlan.tables() <stockout_forecast.planner.ReorderPlan.tables>` (hence
``to_excel`` and ``to_dict``) through :func:`section_tables`. A new section is one function
and one entry in :data:`SECTIONS`.

Every section reads the same :class:`ReportFrames` (the plan's summary is computed once), so
a figure shown in two places comes from one frame.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
import pandas as pd

from .._export import escape_html
from .blocks import (
    figure_to_data_uri,
    fmt_date,
    fmt_name,
    fmt_num,
    fmt_text,
    img,
    one_line,
    prose,
    table_html,
)
from .views import headline as headline_frame
from .views import orders_to_place as orders_frame

__all__ = ["SECTIONS", "PlanLike", "ReportFrames", "Section", "section_tables"]


class PlanLike(Protocol):
    """What the report reads from a plan (:class:`~stockout_forecast.planner.ReorderPlan`).

    The report imports nothing from the planner: any object with these attributes will do.
    """

    @property
    def as_of(self) -> pd.Timestamp:
        """Planning date."""

    @property
    def velocity(self) -> pd.DataFrame:
        """Item velocity, one row per item."""

    @property
    def demand_classes(self) -> pd.DataFrame:
        """Demand classes, one row per item."""

    @property
    def cover(self) -> pd.DataFrame | None:
        """Stock cover at the current velocity, one row per item (None without stock)."""

    @property
    def levels(self) -> pd.DataFrame | None:
        """Reorder levels at a stated lead time (plans without a suppliers table)."""

    @property
    def lead_times(self) -> pd.DataFrame | None:
        """Lead times per item x supplier."""

    @property
    def forecast(self) -> Any:
        """The demand forecast (None in a velocity-only plan)."""

    @property
    def stockouts(self) -> Any:
        """The stockout-date forecast (``to_frame()``)."""

    @property
    def orders(self) -> pd.DataFrame | None:
        """Order recommendations, one row per item."""

    @property
    def purchase_plan(self) -> Any:
        """Supplier splits and draft purchase orders (``items``, ``purchase_orders``, ``lines``)."""

    @property
    def backorders(self) -> Any:
        """Promise dates for open customer lines (``lines``)."""

    @property
    def notices(self) -> pd.DataFrame | None:
        """Customers to notify."""

    @property
    def availability(self) -> pd.DataFrame | None:
        """The web-shop availability feed."""

    @property
    def notes(self) -> list[str]:
        """Data notes."""

    @property
    def source(self) -> str:
        """Where the data came from."""

    @property
    def version(self) -> str:
        """Library version that made the plan."""

    def summary(self) -> pd.DataFrame:
        """One row per item: the planner's table."""
        ...


@dataclass(frozen=True)
class ReportFrames:
    """The frames every section reads, made once per report.

    Attributes
    ----------
    plan : PlanLike
        The plan (every stage's result).
    summary : pandas.DataFrame
        ``plan.summary()``: one row per item.
    orders : pandas.DataFrame
        The orders to place (:func:`~stockout_forecast.report.views.orders_to_place`).
    headline : pandas.DataFrame
        The headline figures (:func:`~stockout_forecast.report.views.headline`).
    max_rows : int
        Most rows an HTML table shows (the CSV and Excel files have them all).
    """

    plan: PlanLike
    summary: pd.DataFrame
    orders: pd.DataFrame
    headline: pd.DataFrame
    max_rows: int = 500

    @classmethod
    def of(cls, plan: PlanLike, *, max_rows: int = 500) -> ReportFrames:
        """The frames of ``plan``, each computed here, once."""
        summary = plan.summary()
        orders = orders_frame(plan)
        return cls(plan, summary, orders, headline_frame(plan, summary, orders), max_rows)

    @property
    def stock_known(self) -> bool:
        """Whether the plan knows stock on hand (an inventory table was given)."""
        return "available_units" in self.summary.columns

    @property
    def as_of(self) -> pd.Timestamp:
        """Planning date."""
        return self.plan.as_of

    @property
    def stockout_col(self) -> str:
        """The stockout date the report ranks by: the simulated P50, else at velocity."""
        return stockout_col(self.summary)


def stockout_col(summary: pd.DataFrame) -> str:
    return "stockout_date_p50" if "stockout_date_p50" in summary.columns else "stockout_date"


Tables = dict[str, "pd.DataFrame | None"]


def _no_tables(frames: ReportFrames) -> Tables:
    return {}


@dataclass(frozen=True)
class Section:
    """One section of the report.

    Attributes
    ----------
    title : str
        Its heading (``""``: none, for the headline figures at the top).
    html : callable
        ``html(frames) -> list of str``: the section's HTML pieces, below its heading; an
        empty list leaves the section (and its heading) out.
    tables : callable
        ``tables(frames) -> {name: DataFrame or None}``: the tables the section adds to the
        workbook (one sheet each) and the JSON; ``None`` for a stage that did not run.
    """

    title: str
    html: Callable[[ReportFrames], list[str]]
    tables: Callable[[ReportFrames], Tables] = _no_tables


def section_tables(plan: PlanLike) -> dict[str, pd.DataFrame]:
    """Every table of the plan by name, section by section (the sheets of ``to_excel``)."""
    frames = ReportFrames.of(plan)
    out: dict[str, pd.DataFrame] = {}
    for section in SECTIONS:
        out.update({k: v for k, v in section.tables(frames).items() if v is not None})
    return out


# ------------------------------------------------------------------------- helpers
def _kpi(value: str, label: str, cls: str = "") -> str:
    return f"<div class='kpi {cls}'><b>{value}</b><span>{escape_html(label)}</span></div>"


def _note(text: str) -> str:
    return f"<p class=note>{text}</p>"


def _details(summary: str, body: str) -> str:
    return f"<details><summary>{summary}</summary>" + body + "</details>"


# ------------------------------------------------------------------------- sections
def headline(frames: ReportFrames) -> list[str]:
    """Headline figures, what to read first, and the stockout timeline."""
    from . import plotting

    h = frames.headline
    kpis = "".join(
        _kpi(f"{v:,}", label, tone)
        for label, v, tone in zip(h["label"], h["value"], h["tone"], strict=True)
    )
    out = [f"<div class=kpis>{kpis}</div>"]
    out.extend(_read_first(frames))
    if frames.stock_known:
        s = frames.summary
        if "status" in s.columns:  # as the headline figures: discontinued items are not counted
            s = s[s["status"] != "discontinued"]
        date = s[frames.stockout_col]
        fig = plotting.stockout_timeline(s.assign(stockout_date=date), as_of=frames.as_of)
        out.append(img(figure_to_data_uri(fig), "Items running out per week"))
    return out


def _read_first(frames: ReportFrames) -> list[str]:
    """A box above everything else: what this plan cannot say, and the data notes to read."""
    plan = frames.plan
    lines = []
    if not frames.stock_known:
        lines.append(
            "<b>No inventory table was given: this report says nothing about stock on hand.</b> "
            "It shows demand (velocity and forecast) and, at the lead time you state, the "
            "reorder point and order-up-to level of every item: order up to the level when "
            "your stock on hand plus on order falls to the reorder point."
        )
    notes = [n for n in plan.notes if frames.stock_known or not n.startswith("No inventory")]
    if notes:
        shown = "".join(f"<li>{escape_html(n)}</li>" for n in notes[:3])
        more = (
            f"<p class=note>and {len(notes) - 3:,} more under <a href='#data-notes'>Data "
            f"notes</a>.</p>"
            if len(notes) > 3
            else ""
        )
        lines.append(
            f"<b>{len(notes):,} data note{'s' if len(notes) != 1 else ''} to read before "
            f"ordering:</b><ul>{shown}</ul>{more}"
        )
    return [f"<div class=first>{''.join(f'<p>{x}</p>' for x in lines)}</div>"] if lines else []


def item_tables(frames: ReportFrames) -> Tables:
    """The per-item tables behind the headline: summary and every analysis stage."""
    plan = frames.plan
    return {
        "summary": frames.summary,
        "velocity": plan.velocity,
        "demand_classes": plan.demand_classes,
        "stock_cover": plan.cover,
        "lead_times": plan.lead_times,
        "stockouts": plan.stockouts.to_frame() if plan.stockouts is not None else None,
    }


def _fmt_pct(v: Any) -> str:
    return "" if v is None or not np.isfinite(v) else f"{100 * float(v):.1f} %"


def _arrives(row: pd.Series) -> str:
    first, last = fmt_date(row["first_arrival_date"]), fmt_date(row["last_arrival_date"])
    return first if first == last else f"{first} – {last}"


_ORDER_COLUMNS = [
    ("item_id", "Item", fmt_text),
    ("description", "Description", fmt_text),
    ("order_units", "Order units", fmt_num(0)),
    ("supplier_split", "From (supplier units)", fmt_text),
    ("order_by", "Order by", one_line(fmt_text)),
    ("arrives", "Arrives", one_line(fmt_text)),
    ("stockout_date_p50", "Stockout P50", fmt_date),
    ("expected_units_short", "Short after order", fmt_num(0)),
    ("shortage_cost_per_unit", "Cost of a unit short", fmt_num(2)),
    ("service_level", "Service target", _fmt_pct),
    ("implied_fill_rate", "Implied fill", _fmt_pct),
    ("expected_cost_per_year", "Expected cost / year", fmt_num(0)),
    ("reason", "Why", prose(fmt_text)),
]


def _order_by(day: Any, as_of: pd.Timestamp) -> str:
    """The order-by date, or 'now' with the day it passed: nobody can order in the past."""
    if day is None or pd.isna(day) or pd.Timestamp(day) >= as_of:
        return fmt_date(day)
    return f"now (due {fmt_date(day)})"


def cost_of_the_plan(frames: ReportFrames) -> list[str]:
    """What running every item's policy is expected to cost a year, and where it goes."""
    orders = frames.plan.orders
    if orders is None or "expected_cost_per_year" not in orders.columns:
        return []
    o = orders[orders["expected_cost_per_year"].notna()]
    if not len(o):
        return []
    parts = {
        "holding": o["expected_holding_cost_per_year"].sum(),
        "ordering": o["expected_ordering_cost_per_year"].sum(),
        "backorders": o["expected_backorder_cost_per_year"].sum(),
    }
    total = o["expected_cost_per_year"].sum()
    eco = int((o["service_basis"] == "economic").sum())
    defaults = o["cost_defaults"].fillna("")
    out = [
        _note(
            f"Running every item's reorder policy is expected to cost {total:,.0f} a year: "
            + ", ".join(f"{k} {v:,.0f}" for k, v in parts.items())
            + f". {eco:,} items have their service level set from their costs (economic), "
            f"{len(o) - eco:,} a target. Fill rates and costs are those the reorder point "
            "implies on the simulated demand over lead time plus review."
        )
    ]
    if (defaults != "").any():
        counts = defaults[defaults != ""].str.split(", ").explode().value_counts()
        out.append(
            _note(
                "Cost figures not in the data use the documented defaults (holding 25 % of the "
                "unit cost a year, no order cost, a backorder costs the unit price): "
                + ", ".join(f"{k} for {v:,} items" for k, v in counts.items())
                + "."
            )
        )
    cols = [
        ("item_id", "Item", fmt_text),
        ("policy_type", "Policy", fmt_text),
        ("service_basis", "Basis", fmt_text),
        ("service_level", "Service target", _fmt_pct),
        ("implied_fill_rate", "Implied fill", _fmt_pct),
        ("expected_cost_per_year", "Expected cost / year", fmt_num(0)),
        ("expected_backorder_cost_per_year", "of which backorders", fmt_num(0)),
    ]
    top = o.sort_values("expected_cost_per_year", ascending=False)
    out.append(
        _details("Show the items by expected cost", table_html(top, cols, max_rows=frames.max_rows))
    )
    return out


def orders_to_place(frames: ReportFrames) -> list[str]:
    """Items to order now, most urgent first, with the supplier split and why."""
    plan = frames.plan
    if plan.orders is None:
        if not frames.stock_known:
            return []  # the reorder levels section says what can be done without stock
        why = (
            "This is a velocity-only plan (no forecast), so no orders are proposed."
            if plan.forecast is None
            else "No suppliers table was given, so no orders are proposed."
        )
        return [_note(why)]
    o = frames.orders
    if len(o):
        table = o.assign(
            arrives=o.apply(_arrives, axis=1),
            order_by=[_order_by(d, frames.as_of) for d in o["order_by_date"]],
        )
    else:
        table = o.assign(arrives="", order_by="")
    out = [
        _note(
            f"{len(o):,} items to order now, most urgent first; each row is what the draft "
            "purchase orders below hold. Units are rounded to each supplier's minimum order "
            "and pack size; the split over suppliers minimises purchase, order and expected "
            "shortage cost, a unit short costing the item's backorder cost, else its selling "
            "price, else its dearest supplier's unit cost (column 'Cost of a unit short'). "
            "'Order by' is the last day an order still arrives before the chance of running "
            "out passes the service-level risk ('now (due ...)' when that day has passed); 'expedite' marks orders that are late whatever is done today."
        ),
        table_html(table, _ORDER_COLUMNS, max_rows=frames.max_rows),
    ]
    if plan.purchase_plan is not None:
        bad = plan.purchase_plan.items[plan.purchase_plan.items["status"] != "ok"]
        if len(bad):
            out.append(
                _note(
                    f"{len(bad):,} recommended orders could not be split as asked "
                    "(see below); adjust the quantity or the supplier terms."
                )
            )
            cols = [
                ("item_id", "Item", fmt_text),
                ("order_units", "Units", fmt_num(0)),
                ("status", "Status", fmt_text),
                ("reason", "Reason", fmt_text),
            ]
            out.append(
                _details(
                    "Show orders that could not be split",
                    table_html(bad, cols, max_rows=frames.max_rows),
                )
            )
    return out


def order_tables(frames: ReportFrames) -> Tables:
    """The orders to place (one truth) and the policy's recommendation for every item."""
    plan = frames.plan
    if plan.orders is None:
        return {}
    return {"orders": frames.orders, "recommendations": plan.orders}


_LEVEL_COLUMNS = [
    ("item_id", "Item", fmt_text),
    ("description", "Description", fmt_text),
    ("velocity_28d", "Velocity /day (28 d)", fmt_num(2)),
    ("velocity_units_per_day", "Forecast /day", fmt_num(2)),
    ("demand_class", "Demand class", fmt_text),
    ("lead_time_days", "Lead time (days)", fmt_num(0)),
    ("safety_stock_units", "Safety stock", fmt_num(0)),
    ("reorder_point_units", "Reorder point", fmt_num(0)),
    ("order_up_to_units", "Order up to", fmt_num(0)),
    ("forecast_model", "Model", fmt_name),
    ("reason", "Note", fmt_text),
]


def reorder_levels(frames: ReportFrames) -> list[str]:
    """Without stock figures: velocity, forecast and the levels at the stated lead time."""
    if frames.stock_known:
        return []
    s = frames.summary
    by = "velocity_units_per_day" if "velocity_units_per_day" in s.columns else "velocity_28d"
    if by not in s.columns:
        return [_note("No item has sales to plan from.")]
    rows = s.sort_values(by, ascending=False, na_position="last")
    if frames.plan.levels is None:
        text = (
            "Velocity and forecast per item, fastest first. State a lead time "
            "(--lead-time-days, or lead_time_days in the items table) to get the reorder "
            "point and order-up-to level of each item."
        )
    else:
        text = (
            "Per item, fastest first: the reorder point is the demand over lead time plus "
            "review period that is not exceeded at the service level; order up to the "
            "order-up-to level when stock on hand plus on order falls to it."
        )
    return [_note(text), table_html(rows, _LEVEL_COLUMNS, max_rows=frames.max_rows)]


def purchase_orders(frames: ReportFrames) -> list[str]:
    """One draft purchase order per supplier."""
    pp = frames.plan.purchase_plan
    if pp is None:
        return []
    cols = [
        ("po_id", "Draft PO", fmt_text),
        ("supplier_id", "Supplier", fmt_text),
        ("n_lines", "Lines", fmt_num(0)),
        ("units", "Units", fmt_num(0)),
        ("order_value", "Value", fmt_num(2)),
        ("first_arrival_date", "First arrival", fmt_date),
        ("last_arrival_date", "Last arrival", fmt_date),
        ("status", "Status", fmt_text),
        ("reason", "Note", fmt_text),
    ]
    return [
        _note(
            "One draft per supplier; the per-supplier CSV files next to this report hold the lines."
        ),
        table_html(pp.purchase_orders, cols, max_rows=frames.max_rows),
    ]


def purchase_order_tables(frames: ReportFrames) -> Tables:
    pp = frames.plan.purchase_plan
    if pp is None:
        return {}
    return {"purchase_orders": pp.purchase_orders, "purchase_order_lines": pp.lines}


_NOTICE_COLUMNS = [
    ("customer_id", "Customer", fmt_text),
    ("order_id", "Order", fmt_text),
    ("line_id", "Line", fmt_text),
    ("item_id", "Item", fmt_text),
    ("units", "Units", fmt_num(0)),
    ("units_ship_now", "Ship now", fmt_num(0)),
    ("old_promised_date", "Was promised", fmt_date),
    ("new_promised_date", "New date", fmt_date),
    ("notice", "Notice", fmt_text),
    ("reason", "Why", prose(fmt_text)),
    ("options", "Offer", fmt_text),
]


def customers_to_notify(frames: ReportFrames) -> list[str]:
    """Open customer lines whose date slipped, cannot be promised, or was never promised."""
    plan = frames.plan
    if not frames.stock_known:
        return []  # promise dates need stock figures; the box at the top says so
    if plan.notices is None:
        why = (
            "This is a velocity-only plan: promise dates need the forecast stages."
            if plan.forecast is None
            else "No open customer orders were given."
        )
        return [_note(why)]
    if len(plan.notices) == 0:
        return [_note("No promised date moved: nobody needs a new date.")]
    out = [
        _note(
            f"{len(plan.notices):,} open lines need a message: their date slipped "
            "against the last promise, they can no longer be promised, or they were never "
            "promised. Offer to ship what is in stock now, to keep waiting, or to cancel."
        )
    ]
    margin = _moved_by_the_margin_only(plan)
    if margin:
        out.append(
            _note(
                f"<b>{margin:,} of them moved only by the safety margin:</b> the supply they "
                "wait for is still expected by the date promised before (P50), but the date "
                "promised now is the one kept 9 times in 10 (P90, from the lead-time spread). "
                "If the earlier promises were expected dates, these customers need no message "
                "until their P50 date moves (each line's P50 is in the promise_dates table of "
                "the workbook and the JSON)."
            )
        )
    out.append(table_html(plan.notices, _NOTICE_COLUMNS, max_rows=frames.max_rows))
    return out


def _moved_by_the_margin_only(plan: PlanLike) -> int:
    """Notices of lines whose P50 date is still on or before the date promised before."""
    lines = getattr(plan.backorders, "lines", None)
    n = plan.notices
    need = {"order_id", "line_id", "promised_date_p50"}
    if lines is None or n is None or not len(n) or not need <= set(lines.columns):
        return 0
    key = ["order_id", "line_id"]
    p50 = lines[[*key, "promised_date_p50"]].drop_duplicates(key)
    slipped = n[n["notice"] == "date_slipped"].merge(p50, on=key, how="left")
    return int((slipped["promised_date_p50"] <= slipped["old_promised_date"]).sum())


def customer_tables(frames: ReportFrames) -> Tables:
    plan = frames.plan
    return {
        "promise_dates": plan.backorders.lines if plan.backorders is not None else None,
        "customer_notices": plan.notices,
    }


_ITEM_COLUMNS = [
    ("item_id", "Item", fmt_text),
    ("description", "Description", fmt_text),
    ("stockout_date_p10", "Stockout P10", fmt_date),
    ("stockout_date_p50", "Stockout P50", fmt_date),
    ("stockout_date_p90", "Stockout P90", fmt_date),
    ("stockout_date", "Stockout at velocity", fmt_date),
    ("days_of_cover", "Cover (days)", fmt_num(1)),
    ("velocity_28d", "Velocity /day (28 d)", fmt_num(2)),
    ("trend_ratio", "Trend 28/90", fmt_num(2)),
    ("demand_class", "Demand class", fmt_text),
    ("abc", "ABC", fmt_text),
    ("on_hand_units", "On hand", fmt_num(0)),
    ("backordered_units", "Back-ordered", fmt_num(0)),
    ("open_po_units", "Open PO units", fmt_num(0)),
    ("next_receipt_date", "Next receipt", fmt_date),
    ("forecast_model", "Model", fmt_name),
    ("reason", "Note", fmt_text),
]


def items_by_stockout_date(frames: ReportFrames) -> list[str]:
    """Every item, soonest stockout first (discontinued items last), red/amber by urgency."""
    if not frames.stock_known:
        return []
    s, col, as_of = frames.summary, frames.stockout_col, frames.as_of
    # discontinued items last: they will not be reordered, the planner reads them last
    sorted_s = (
        s.assign(_disc=s["status"].eq("discontinued"))
        .sort_values(["_disc", col, "days_of_cover"], na_position="last")
        .drop(columns="_disc")
    )

    def row_class(row: pd.Series) -> str:
        avail = row.get("available_units", np.nan)
        if pd.notna(avail) and avail <= 0:
            return "out"
        d = row[col]
        if pd.isna(d):
            return ""
        if d <= as_of:
            return "out"
        return "soon" if (d - as_of).days <= 14 else ""

    if col == "stockout_date":  # no forecast: the dates are those at the current velocity
        text = (
            "Stockout at velocity: the day the item runs out when on hand − backordered − "
            "allocated plus open purchase orders on their expected dates is consumed at the "
            "current 28-day velocity, which counts only in-stock days. Red: out of stock now; "
            "amber: within 14 days. Discontinued items are listed but never reordered."
        )
        return [
            _note(text),
            table_html(
                sorted_s, _ITEM_COLUMNS, row_class=row_class, max_rows=frames.max_rows, dense=True
            ),
        ]
    return [
        _note(
            "Stockout P10/P50/P90: the dates by which the item has run out in 10, 50 "
            "and 90 % of simulated demand paths, from on hand − backordered − allocated plus "
            "open purchase orders on their expected dates (empty: not within the forecast "
            "horizon). Cover (days) consumes the same stock at the current 28-day velocity, "
            "which counts only in-stock days, so past stockouts do not drag it down. Red: out "
            "of stock now; amber: P50 within 14 days. Discontinued items are listed but never "
            "reordered."
        ),
        table_html(
            sorted_s, _ITEM_COLUMNS, row_class=row_class, max_rows=frames.max_rows, dense=True
        ),
    ]


def availability(frames: ReportFrames) -> list[str]:
    """Web-shop availability: items per status (the feed is a CSV beside the report)."""
    feed = frames.plan.availability
    if feed is None:
        return []
    counts = feed["status"].value_counts()
    return [
        "<p class=note>"
        + " · ".join(f"{escape_html(k)}: {v:,}" for k, v in counts.items())
        + ". The full feed is in availability.csv.</p>"
    ]


def data_notes(frames: ReportFrames) -> list[str]:
    """The data notes, and every item that could not be computed, with its reason."""
    s = frames.summary
    flagged = s[s["status"] != "ok"] if "status" in s.columns else s.iloc[:0]
    out = ["<span id='data-notes'></span>"]
    if frames.plan.notes:
        out.append(
            "<ul>" + "".join(f"<li>{escape_html(x)}</li>" for x in frames.plan.notes) + "</ul>"
        )
    out.append(
        _note(
            f"{len(flagged):,} item{'s' if len(flagged) != 1 else ''} could not be fully "
            "computed or are not "
            "reordered; they are listed with the reason (every item that came in is in this "
            "report)."
        )
    )
    if len(flagged):
        cols = [
            ("item_id", "Item", fmt_text),
            ("description", "Description", fmt_text),
            ("status", "Status", fmt_text),
            ("reason", "Reason", fmt_text),
        ]
        out.append(
            _details("Show flagged items", table_html(flagged, cols, max_rows=frames.max_rows))
        )
    return out


#: The report's sections, in the order it shows them; their tables, in this order, are the
#: sheets of ``ReorderPlan.to_excel`` and the tables of ``ReorderPlan.to_dict``.
SECTIONS: Sequence[Section] = (
    Section("", headline, item_tables),
    Section("Orders to place", orders_to_place, order_tables),
    Section("Cost of the plan", cost_of_the_plan),
    Section("Reorder levels", reorder_levels, lambda f: {"reorder_levels": f.plan.levels}),
    Section("Draft purchase orders by supplier", purchase_orders, purchase_order_tables),
    Section("Customers to notify", customers_to_notify, customer_tables),
    Section("Items by stockout date", items_by_stockout_date),
    Section("Web-shop availability", availability, lambda f: {"availability": f.plan.availability}),
    Section(
        "Data notes",
        data_notes,
        lambda f: {"notes": pd.DataFrame({"note": f.plan.notes or [""]})},
    ),
)

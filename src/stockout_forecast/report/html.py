"""Planner-facing outputs of a :class:`~stockout_forecast.planner.ReorderPlan`.

``render_html`` writes one self-contained HTML file (inline CSS, charts embedded as PNG data
URIs, no script, no external request), so it opens offline and can be mailed. Every string
that came from input data is HTML-escaped; CSV and Excel cells are protected against formula
injection (:func:`stockout_forecast._export.safe_spreadsheet_frame`).
"""

from __future__ import annotations

import base64
import io
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from .._export import escape_html, safe_spreadsheet_frame

if TYPE_CHECKING:  # pragma: no cover
    from ..planner import ReorderPlan

__all__ = ["render_html", "write_report"]

Formatter = Callable[[Any], str]

_CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:24px auto;max-width:1280px;
color:#1d2733;padding:0 16px}
h1{font-size:24px;margin-bottom:4px}h2{font-size:19px;margin-top:32px;border-bottom:2px solid #e3e8ee;
padding-bottom:4px}.sub{color:#5b6b7c;margin-top:0}
.kpis{display:flex;gap:12px;flex-wrap:wrap;margin:16px 0}.kpi{background:#f4f7fa;border-radius:8px;
padding:10px 16px;min-width:150px}.kpi b{display:block;font-size:22px}.kpi span{color:#5b6b7c;font-size:13px}
.kpi.red b{color:#b42318}.kpi.amber b{color:#b54708}
table{border-collapse:collapse;width:100%;font-size:13px;margin:8px 0}th{background:#eef2f6;text-align:left;
padding:6px 8px;position:sticky;top:0}td{padding:5px 8px;border-bottom:1px solid #e9edf1;vertical-align:top}
td.num{text-align:right;font-variant-numeric:tabular-nums}tr.out td{background:#fdecea}
tr.soon td{background:#fff6e5}.note{color:#5b6b7c;font-size:13px}.tag{display:inline-block;padding:1px 6px;
border-radius:4px;background:#eef2f6;font-size:12px}img{max-width:100%}
details{margin:8px 0}summary{cursor:pointer;color:#24548f}
"""


def _fmt_num(decimals: int = 0) -> Formatter:
    def f(v: Any) -> str:
        if v is None or (isinstance(v, float) and np.isnan(v)):
            return "—"
        try:
            x = float(v)
        except (TypeError, ValueError):
            return escape_html(v)
        if np.isinf(x):
            return "∞"
        return f"{x:,.{decimals}f}"

    return f


def _fmt_date(v: Any) -> str:
    if v is None or v is pd.NaT or (isinstance(v, float) and np.isnan(v)):
        return "—"
    try:
        return pd.Timestamp(v).strftime("%Y-%m-%d")
    except (TypeError, ValueError):
        return escape_html(v)


def _fmt_text(v: Any) -> str:
    return escape_html(v)


def table_html(
    df: pd.DataFrame,
    columns: Sequence[tuple[str, str, Formatter]],
    *,
    row_class: Callable[[pd.Series], str] | None = None,
    max_rows: int | None = None,
) -> str:
    """Render ``df`` as an HTML table with escaped cells; columns absent from ``df`` are skipped."""
    cols = [(c, label, fmt) for c, label, fmt in columns if c in df.columns]
    head = "".join(f"<th>{escape_html(label)}</th>" for _, label, _ in cols)
    body = []
    shown = df if max_rows is None else df.head(max_rows)
    for _, row in shown.iterrows():
        cls = row_class(row) if row_class else ""
        cells = []
        for c, _, fmt in cols:
            num = fmt is not _fmt_text and fmt is not _fmt_date
            cells.append(f"<td{' class=num' if num else ''}>{fmt(row[c])}</td>")
        body.append(f"<tr class='{cls}'>{''.join(cells)}</tr>")
    more = ""
    if max_rows is not None and len(df) > max_rows:
        more = (
            f"<p class=note>Showing the first {max_rows:,} of {len(df):,} rows; "
            f"the CSV has them all.</p>"
        )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>{more}"


def figure_to_data_uri(fig: Any) -> str:
    """Encode a matplotlib figure as a PNG data URI (and close it)."""
    import matplotlib.pyplot as plt

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110, bbox_inches="tight")
    plt.close(fig)
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def _img(uri: str, alt: str) -> str:
    return f"<img src='{uri}' alt='{escape_html(alt)}'>"


def _kpi(value: str, label: str, cls: str = "") -> str:
    return f"<div class='kpi {cls}'><b>{value}</b><span>{escape_html(label)}</span></div>"


def _stockout_col(s: pd.DataFrame) -> str:
    return "stockout_date_p50" if "stockout_date_p50" in s.columns else "stockout_date"


def render_html(plan: ReorderPlan, *, title: str = "Reorder report", max_rows: int = 500) -> str:
    """Render a plan as one self-contained HTML document (a string).

    Sections: headline figures; stockout timeline chart; orders to place now (units,
    supplier split, order-by date, why); draft purchase orders per supplier; customers to
    notify about backorder dates; items by stockout date (P10/P50/P90 from the simulation,
    days of cover and velocity, demand class, open supply); web-shop availability; data
    notes and every item that could not be computed, with its reason. Sections whose stage
    did not run (no suppliers table, no customer orders) say so instead.
    """
    from . import plotting

    s = plan.summary()
    as_of = plan.as_of
    col = _stockout_col(s)
    n = len(s)
    date = s[col]
    if "available_units" in s.columns:  # on hand - backordered - allocated, now
        out_now = s["available_units"].fillna(np.inf) <= 0
    else:
        out_now = date.notna() & (date <= as_of)
    days = (date - as_of).dt.days
    within14 = date.notna() & (days <= 14) & ~out_now
    if "fastest_lead_time_days" in s.columns:
        within_lt = date.notna() & (days <= s["fastest_lead_time_days"]) & ~out_now
    else:
        within_lt = pd.Series(False, index=s.index)
    backordered = float(s["backordered_units"].fillna(0).sum()) if "backordered_units" in s else 0
    kpis = [
        _kpi(f"{n:,}", "items planned"),
        _kpi(f"{int(out_now.sum()):,}", "out of stock now (nothing available)", "red"),
        _kpi(f"{int(within14.sum()):,}", "run out within 14 days (P50)", "amber"),
        _kpi(f"{int(within_lt.sum()):,}", "run out before the fastest supplier delivers", "amber"),
        _kpi(f"{backordered:,.0f}", "units on backorder"),
    ]
    if "order_now" in s.columns:
        kpis.append(_kpi(f"{int(s['order_now'].fillna(False).sum()):,}", "items to order now"))
    if plan.notices is not None:
        kpis.append(_kpi(f"{len(plan.notices):,}", "customer lines to notify"))

    parts: list[str] = [
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>",
        "<meta name='viewport' content='width=device-width, initial-scale=1'>",
        f"<title>{escape_html(title)}</title><style>{_CSS}</style></head><body>",
        f"<h1>{escape_html(title)}</h1>",
        f"<p class=sub>As of {_fmt_date(as_of)} · data: {escape_html(plan.source or '—')} · "
        f"generated by stockout_forecast {escape_html(plan.version)}</p>",
        f"<div class=kpis>{''.join(kpis)}</div>",
    ]
    timeline = s.assign(stockout_date=date)
    fig = plotting.stockout_timeline(timeline, as_of=as_of)
    parts.append(_img(figure_to_data_uri(fig), "Items running out per week"))

    # ------------------------------------------------------------ orders to place
    parts.append("<h2>Orders to place</h2>")
    if plan.orders is None:
        why = (
            "This is a velocity-only plan (no forecast), so no orders are proposed."
            if plan.forecast is None
            else "No suppliers table was given, so no orders are proposed."
        )
        parts.append(f"<p class=note>{why}</p>")
    else:
        o = s[s["order_now"].fillna(False).astype(bool)].sort_values(
            ["order_by_date", col], na_position="last"
        )
        parts.append(
            f"<p class=note>{len(o):,} items to order now, most urgent first. Units are rounded "
            "to each supplier's minimum order and pack size; the split over suppliers minimises "
            "purchase, order and expected shortage cost given each supplier's lead time and "
            "reliability. The order-by date is the last day an order still arrives before the "
            "chance of running out passes the service-level risk.</p>"
        )
        parts.append(
            table_html(
                o,
                [
                    ("item_id", "Item", _fmt_text),
                    ("description", "Description", _fmt_text),
                    ("order_units", "Order units", _fmt_num(0)),
                    ("supplier_split", "From (supplier units)", _fmt_text),
                    ("order_by_date", "Order by", _fmt_date),
                    ("expected_arrival_date", "Arrives", _fmt_date),
                    (col, "Stockout P50", _fmt_date),
                    ("order_reason", "Why", _fmt_text),
                ],
                max_rows=max_rows,
            )
        )
        if plan.purchase_plan is not None:
            bad = plan.purchase_plan.items[plan.purchase_plan.items["status"] != "ok"]
            if len(bad):
                parts.append(
                    f"<p class=note>{len(bad):,} recommended orders could not be split as asked "
                    "(see below); adjust the quantity or the supplier terms.</p>"
                )
                parts.append(
                    "<details><summary>Show orders that could not be split</summary>"
                    + table_html(
                        bad,
                        [
                            ("item_id", "Item", _fmt_text),
                            ("order_units", "Units", _fmt_num(0)),
                            ("status", "Status", _fmt_text),
                            ("reason", "Reason", _fmt_text),
                        ],
                        max_rows=max_rows,
                    )
                    + "</details>"
                )

    if plan.purchase_plan is not None:
        parts.append("<h2>Draft purchase orders by supplier</h2>")
        parts.append(
            "<p class=note>One draft per supplier; the per-supplier CSV files next to this "
            "report hold the lines.</p>"
        )
        parts.append(
            table_html(
                plan.purchase_plan.purchase_orders,
                [
                    ("po_id", "Draft PO", _fmt_text),
                    ("supplier_id", "Supplier", _fmt_text),
                    ("n_lines", "Lines", _fmt_num(0)),
                    ("units", "Units", _fmt_num(0)),
                    ("order_value", "Value", _fmt_num(2)),
                    ("first_arrival_date", "First arrival", _fmt_date),
                    ("last_arrival_date", "Last arrival", _fmt_date),
                    ("status", "Status", _fmt_text),
                    ("reason", "Note", _fmt_text),
                ],
                max_rows=max_rows,
            )
        )

    # ------------------------------------------------------------ customers
    parts.append("<h2>Customers to notify</h2>")
    if plan.notices is None:
        why = (
            "This is a velocity-only plan: promise dates need the forecast stages."
            if plan.forecast is None
            else "No open customer orders were given."
        )
        parts.append(f"<p class=note>{why}</p>")
    elif len(plan.notices) == 0:
        parts.append("<p class=note>No promised date moved: nobody needs a new date.</p>")
    else:
        parts.append(
            f"<p class=note>{len(plan.notices):,} open lines need a message: their date slipped "
            "against the last promise, they can no longer be promised, or they were never "
            "promised. Offer to ship what is in stock now, to keep waiting, or to cancel.</p>"
        )
        parts.append(
            table_html(
                plan.notices,
                [
                    ("customer_id", "Customer", _fmt_text),
                    ("order_id", "Order", _fmt_text),
                    ("line_id", "Line", _fmt_text),
                    ("item_id", "Item", _fmt_text),
                    ("units", "Units", _fmt_num(0)),
                    ("units_ship_now", "Ship now", _fmt_num(0)),
                    ("old_promised_date", "Was promised", _fmt_date),
                    ("new_promised_date", "New date", _fmt_date),
                    ("notice", "Notice", _fmt_text),
                    ("reason", "Why", _fmt_text),
                    ("options", "Offer", _fmt_text),
                ],
                max_rows=max_rows,
            )
        )

    # ------------------------------------------------------------ items by stockout date
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

    parts.append("<h2>Items by stockout date</h2>")
    parts.append(
        "<p class=note>Stockout P10/P50/P90: the dates by which the item has run out in 10, 50 "
        "and 90 % of simulated demand paths, from on hand − backordered − allocated plus open "
        "purchase orders on their expected dates (empty: not within the forecast horizon). "
        "Cover (days) consumes the same stock at the current 28-day velocity, which counts "
        "only in-stock days, so past stockouts do not drag it down. Red: out of stock now; "
        "amber: P50 within 14 days. Discontinued items are listed but never reordered.</p>"
    )
    parts.append(
        table_html(
            sorted_s,
            [
                ("item_id", "Item", _fmt_text),
                ("description", "Description", _fmt_text),
                ("stockout_date_p10", "Stockout P10", _fmt_date),
                ("stockout_date_p50", "Stockout P50", _fmt_date),
                ("stockout_date_p90", "Stockout P90", _fmt_date),
                ("stockout_date", "Stockout at velocity", _fmt_date),
                ("days_of_cover", "Cover (days)", _fmt_num(1)),
                ("velocity_28d", "Velocity /day (28 d)", _fmt_num(2)),
                ("trend_ratio", "Trend 28/90", _fmt_num(2)),
                ("demand_class", "Demand class", _fmt_text),
                ("abc", "ABC", _fmt_text),
                ("on_hand_units", "On hand", _fmt_num(0)),
                ("backordered_units", "Back-ordered", _fmt_num(0)),
                ("open_po_units", "Open PO units", _fmt_num(0)),
                ("next_receipt_date", "Next receipt", _fmt_date),
                ("forecast_model", "Model", _fmt_text),
                ("reason", "Note", _fmt_text),
            ],
            row_class=row_class,
            max_rows=max_rows,
        )
    )

    if plan.availability is not None:
        counts = plan.availability["status"].value_counts()
        parts.append("<h2>Web-shop availability</h2>")
        parts.append(
            "<p class=note>"
            + " · ".join(f"{escape_html(k)}: {v:,}" for k, v in counts.items())
            + ". The full feed is in availability.csv.</p>"
        )

    flagged = s[s["status"] != "ok"] if "status" in s.columns else s.iloc[:0]
    parts.append("<h2>Data notes</h2>")
    notes = list(plan.notes)
    if notes:
        parts.append("<ul>" + "".join(f"<li>{escape_html(x)}</li>" for x in notes) + "</ul>")
    parts.append(
        f"<p class=note>{len(flagged):,} items could not be fully computed or are not "
        "reordered; they are listed with the reason (every item that came in is in this "
        "report).</p>"
    )
    if len(flagged):
        parts.append(
            "<details><summary>Show flagged items</summary>"
            + table_html(
                flagged,
                [
                    ("item_id", "Item", _fmt_text),
                    ("description", "Description", _fmt_text),
                    ("status", "Status", _fmt_text),
                    ("reason", "Reason", _fmt_text),
                ],
                max_rows=max_rows,
            )
            + "</details>"
        )
    parts.append("</body></html>")
    return "\n".join(parts)


def safe_file_stem(text: str) -> str:
    """A file-name stem from data text that cannot leave its folder or collide silently.

    Keeps letters, digits, ``-`` and ``_``; anything else becomes ``_``; a short hash of
    the original keeps different ids apart (``"A/B"`` and ``"A_B"``).

    >>> safe_file_stem("../../etc/passwd")
    '______etc_passwd-...'
    >>> safe_file_stem("SUP-001")
    'SUP-001'
    """
    import hashlib
    import re

    clean = re.sub(r"[^A-Za-z0-9_-]", "_", str(text))[:60] or "_"
    if clean == text:
        return clean
    return f"{clean}-{hashlib.sha1(str(text).encode('utf-8')).hexdigest()[:8]}"


def write_report(
    plan: ReorderPlan, out_dir: str | Path, *, title: str = "Reorder report", max_rows: int = 500
) -> dict[str, Path]:
    """Write the planner's files into ``out_dir``.

    Files: ``reorder_report.html`` (self-contained), ``stockout_items.csv`` (the per-item
    table), and when the plan has them ``orders.csv``, ``customer_notices.csv``,
    ``availability.csv`` and one ``purchase_orders/po_<supplier>.csv`` per supplier.
    Nothing is written outside ``out_dir``: fixed names, and supplier ids are turned into
    safe file names by :func:`safe_file_stem`. Text cells are protected against spreadsheet
    formula injection. Returns the paths written, by kind.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths: dict[str, Path] = {}

    def csv(df: pd.DataFrame, path: Path, kind: str) -> None:
        safe_spreadsheet_frame(df).to_csv(path, index=False, date_format="%Y-%m-%d")
        paths[kind] = path

    html_path = out / "reorder_report.html"
    html_path.write_text(render_html(plan, title=title, max_rows=max_rows), encoding="utf-8")
    paths["html"] = html_path
    s = plan.summary()
    csv(
        s.sort_values([_stockout_col(s), "days_of_cover"], na_position="last"),
        out / "stockout_items.csv",
        "csv",
    )
    if plan.orders is not None:
        csv(plan.orders, out / "orders.csv", "orders")
    if plan.notices is not None:
        csv(plan.notices, out / "customer_notices.csv", "notices")
    if plan.availability is not None:
        csv(plan.availability, out / "availability.csv", "availability")
    if plan.purchase_plan is not None and len(plan.purchase_plan.lines):
        po_dir = out / "purchase_orders"
        po_dir.mkdir(exist_ok=True)
        for sid, lines in plan.purchase_plan.lines.groupby("supplier_id", sort=True):
            path = po_dir / f"po_{safe_file_stem(str(sid))}.csv"
            csv(lines, path, f"po:{sid}")
    return paths

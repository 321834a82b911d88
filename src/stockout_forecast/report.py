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

from ._export import escape_html, safe_spreadsheet_frame

if TYPE_CHECKING:  # pragma: no cover
    from .planner import ReorderPlan

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


def render_html(plan: ReorderPlan, *, title: str = "Reorder report", max_rows: int = 500) -> str:
    """Render a plan as one self-contained HTML document (a string).

    Sections: headline figures; stockout timeline chart; items by stockout date (days of
    cover, velocity, demand class, open supply); then, when the plan has them, orders to
    place, supplier purchase orders, customer backorder notices and the availability feed;
    data notes and items that could not be computed, with reasons.
    """
    from . import plotting

    s = plan.summary()
    as_of = plan.as_of
    n = len(s)
    out_now = s["stockout_date"].notna() & (s["stockout_date"] <= as_of)
    days = (s["stockout_date"] - as_of).dt.days
    within14 = s["stockout_date"].notna() & (days <= 14) & ~out_now
    within_lt = (
        s["stockout_date"].notna() & (days <= s["lead_time_days"]) & ~out_now
        if "lead_time_days" in s.columns
        else pd.Series(False, index=s.index)
    )
    backordered = float(s["backordered_units"].fillna(0).sum()) if "backordered_units" in s else 0
    kpis = [
        _kpi(f"{n:,}", "items planned"),
        _kpi(f"{int(out_now.sum()):,}", "out of stock now", "red"),
        _kpi(f"{int(within14.sum()):,}", "run out within 14 days", "amber"),
        _kpi(f"{int(within_lt.sum()):,}", "run out within supplier lead time", "amber"),
        _kpi(f"{backordered:,.0f}", "units on backorder"),
    ]
    if plan.orders is not None and "order_now" in plan.orders.columns:
        kpis.append(_kpi(f"{int(plan.orders['order_now'].sum()):,}", "items to order now"))

    parts: list[str] = [
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>",
        "<meta name='viewport' content='width=device-width, initial-scale=1'>",
        f"<title>{escape_html(title)}</title><style>{_CSS}</style></head><body>",
        f"<h1>{escape_html(title)}</h1>",
        f"<p class=sub>As of {_fmt_date(as_of)} · data: {escape_html(plan.source or '—')} · "
        f"generated by stockout_forecast {escape_html(plan.version)}</p>",
        f"<div class=kpis>{''.join(kpis)}</div>",
    ]

    fig = plotting.stockout_timeline(s, as_of=as_of)
    parts.append(_img(figure_to_data_uri(fig), "Items running out per week"))

    sorted_s = s.sort_values(["stockout_date", "days_of_cover"], na_position="last")

    def row_class(row: pd.Series) -> str:
        d = row["stockout_date"]
        if pd.isna(d):
            return ""
        if d <= as_of:
            return "out"
        return "soon" if (d - as_of).days <= 14 else ""

    parts.append("<h2>Items by stockout date</h2>")
    parts.append(
        "<p class=note>Stock runs out on the first day the projected available stock "
        "(on hand − backordered + open purchase orders on their expected dates) is used up at "
        "the current velocity. Velocity counts only in-stock days, so stockouts in the history "
        "do not drag it down. Red: out of stock now; amber: within 14 days.</p>"
    )
    parts.append(
        table_html(
            sorted_s,
            [
                ("item_id", "Item", _fmt_text),
                ("description", "Description", _fmt_text),
                ("stockout_date", "Stockout date", _fmt_date),
                ("days_of_cover", "Days of cover", _fmt_num(1)),
                ("velocity_28d", "Velocity (units/day, 28 d)", _fmt_num(2)),
                ("trend_ratio", "Trend (28 d / 90 d)", _fmt_num(2)),
                ("demand_class", "Demand class", _fmt_text),
                ("abc", "ABC", _fmt_text),
                ("on_hand_units", "On hand", _fmt_num(0)),
                ("backordered_units", "Backordered", _fmt_num(0)),
                ("open_po_units", "Open PO units", _fmt_num(0)),
                ("next_receipt_date", "Next receipt", _fmt_date),
                ("reason", "Note", _fmt_text),
            ],
            row_class=row_class,
            max_rows=max_rows,
        )
    )

    flagged = s[s["status"] != "ok"] if "status" in s.columns else s.iloc[:0]
    parts.append("<h2>Data notes</h2>")
    notes = list(plan.notes)
    if notes:
        parts.append("<ul>" + "".join(f"<li>{escape_html(x)}</li>" for x in notes) + "</ul>")
    parts.append(
        f"<p class=note>{len(flagged):,} items could not be fully computed; they are listed "
        "with the reason (every item that came in is in this report).</p>"
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


def write_report(
    plan: ReorderPlan, out_dir: str | Path, *, title: str = "Reorder report", max_rows: int = 500
) -> dict[str, Path]:
    """Write ``reorder_report.html`` and ``stockout_items.csv`` into ``out_dir``.

    Only files inside ``out_dir`` are written (file names are fixed, never built from data).
    Returns the paths written, by kind.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    html_path = out / "reorder_report.html"
    html_path.write_text(render_html(plan, title=title, max_rows=max_rows), encoding="utf-8")
    csv_path = out / "stockout_items.csv"
    s = plan.summary().sort_values(["stockout_date", "days_of_cover"], na_position="last")
    safe_spreadsheet_frame(s).to_csv(csv_path, index=False, date_format="%Y-%m-%d")
    return {"html": html_path, "csv": csv_path}

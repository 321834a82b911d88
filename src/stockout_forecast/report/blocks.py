"""Building blocks of the HTML report: cell formatters, escaped tables, embedded charts."""

from __future__ import annotations

import base64
import io
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from .._export import escape_html

__all__ = [
    "figure_to_data_uri",
    "fmt_date",
    "fmt_num",
    "fmt_text",
    "img",
    "one_line",
    "table_html",
]

Formatter = Callable[[Any], str]


def fmt_num(decimals: int = 0) -> Formatter:
    """A formatter of numbers with ``decimals`` decimals and thousands separators (— for NaN).

    A value that rounds to zero shows as ``0``, never ``-0``.

    >>> fmt_num(0)(-0.0004), fmt_num(2)(-0.004), fmt_num(0)(1234.5), fmt_num(1)(-2.25)
    ('0', '0.00', '1,234', '-2.2')
    """

    def f(v: Any) -> str:
        if v is None or (isinstance(v, float) and np.isnan(v)):
            return "—"
        try:
            x = float(v)
        except (TypeError, ValueError):
            return escape_html(v)
        if np.isinf(x):
            return "∞"
        text = f"{x:,.{decimals}f}"
        return text[1:] if text.startswith("-") and not text.strip("-0.,") else text

    return f


def fmt_date(v: Any) -> str:
    """A date as YYYY-MM-DD (— when missing; other text escaped)."""
    if v is None or v is pd.NaT or (isinstance(v, float) and np.isnan(v)):
        return "—"
    try:
        return pd.Timestamp(v).strftime("%Y-%m-%d")
    except (TypeError, ValueError):
        return escape_html(v)


def fmt_text(v: Any) -> str:
    """Text, HTML-escaped."""
    return escape_html(v)


def one_line(fmt: Formatter) -> Formatter:
    """``fmt`` for a column of dates written as text: its cells do not break across lines."""

    def f(v: Any) -> str:
        return fmt(v)

    f.css_class = "date"  # type: ignore[attr-defined]
    return f


def _cell_class(fmt: Formatter) -> str:
    """The class of a cell: dates keep to one line, numbers right-aligned, text plain."""
    kind = getattr(fmt, "css_class", None)
    if kind is None:
        kind = "" if fmt is fmt_text else "date" if fmt is fmt_date else "num"
    return f" class={kind}" if kind else ""


def table_html(
    df: pd.DataFrame,
    columns: Sequence[tuple[str, str, Formatter]],
    *,
    row_class: Callable[[pd.Series], str] | None = None,
    max_rows: int | None = None,
) -> str:
    """Render ``df`` as an HTML table with escaped cells.

    Columns absent from ``df`` are skipped, and so is a text column with no value in any row
    (the description column of a shop without an items table: a column of dashes).
    """
    cols = [
        (c, label, fmt)
        for c, label, fmt in columns
        if c in df.columns and not (fmt is fmt_text and len(df) and df[c].isna().all())
    ]
    head = "".join(f"<th>{escape_html(label)}</th>" for _, label, _ in cols)
    body = []
    shown = df if max_rows is None else df.head(max_rows)
    for _, row in shown.iterrows():
        cls = row_class(row) if row_class else ""
        cells = []
        for c, _, fmt in cols:
            cells.append(f"<td{_cell_class(fmt)}>{fmt(row[c])}</td>")
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


def img(uri: str, alt: str) -> str:
    """An ``<img>`` of a data URI with escaped alt text."""
    return f"<img src='{uri}' alt='{escape_html(alt)}'>"

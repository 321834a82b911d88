"""Building blocks of the HTML report: cell formatters, escaped tables, embedded charts."""

from __future__ import annotations

import base64
import io
import re
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from .._export import escape_html

__all__ = [
    "figure_to_data_uri",
    "fmt_date",
    "fmt_name",
    "fmt_num",
    "fmt_text",
    "img",
    "one_line",
    "prose",
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


def fmt_name(v: Any) -> str:
    """A name made of words joined by ``_`` (a model's name), escaped, that may break after each ``_``.

    >>> fmt_name("historic_average"), fmt_name("<b>")
    ('historic_<wbr>average', '&lt;b&gt;')
    """
    return escape_html(v).replace("_", "_<wbr>")


_UNBREAKABLE = re.compile(r"\([^()]*\)|\d{4}-\d{2}-\d{2}")


def one_line(fmt: Formatter) -> Formatter:
    """``fmt`` for a column of dates written as text: a date never breaks across lines.

    The cell may break only between its phrases — around the dash of a range, before a
    parenthesis — so ``2026-12-23 – 2026-12-25`` and ``now (due 2026-10-07)`` take two
    short lines instead of one wide one, and its text is unchanged.

    >>> one_line(fmt_text)("now (due 2026-10-07)")
    'now <span class=nb>(due 2026-10-07)</span>'
    >>> one_line(fmt_text)("2026-12-23 – 2026-12-25")
    '<span class=nb>2026-12-23</span> – <span class=nb>2026-12-25</span>'
    """

    def f(v: Any) -> str:
        return _UNBREAKABLE.sub(lambda m: f"<span class=nb>{m.group(0)}</span>", fmt(v))

    f.css_class = "phrases"  # type: ignore[attr-defined]
    return f


def prose(fmt: Formatter) -> Formatter:
    """``fmt`` for a column of sentences (the orders' reasons): its cells keep a readable width.

    Without it a wide table squeezes the longest text into a column a few words wide, and
    each row grows a dozen lines tall.
    """

    def f(v: Any) -> str:
        return fmt(v)

    f.css_class = "prose"  # type: ignore[attr-defined]
    f.is_text = True  # type: ignore[attr-defined]
    return f


def _is_text(fmt: Formatter) -> bool:
    return fmt is fmt_text or fmt is fmt_name or getattr(fmt, "is_text", False)


def _cell_class(fmt: Formatter) -> str:
    """The class of a cell: dates keep to one line, numbers right-aligned, text plain."""
    kind = getattr(fmt, "css_class", None)
    if kind is None:
        kind = "" if _is_text(fmt) else "date" if fmt is fmt_date else "num"
    return f" class={kind}" if kind else ""


def table_html(
    df: pd.DataFrame,
    columns: Sequence[tuple[str, str, Formatter]],
    *,
    row_class: Callable[[pd.Series], str] | None = None,
    max_rows: int | None = None,
    dense: bool = False,
) -> str:
    """Render ``df`` as an HTML table with escaped cells.

    ``dense`` sets a smaller type and narrower padding, so a table of many columns still
    fits the page.

    Columns absent from ``df`` are skipped, and so is a text column with no value in any row
    (the description column of a shop without an items table: a column of dashes).
    """
    cols = [
        (c, label, fmt)
        for c, label, fmt in columns
        if c in df.columns and not (_is_text(fmt) and len(df) and df[c].isna().all())
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
    table = "<table class=dense>" if dense else "<table>"
    return f"{table}<thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>{more}"


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

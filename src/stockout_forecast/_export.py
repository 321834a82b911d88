"""Safe export helpers shared by the report, the CLI and the result objects.

Every string that came from input data passes through here before it reaches a planner:
HTML is escaped, and spreadsheet cells that a spreadsheet program would execute as a
formula (``=``, ``+``, ``-``, ``@``, tab, carriage return at the start, also after leading
spaces, and their fullwidth forms ``＝＋－＠`` that some spreadsheet programs accept; OWASP
"CSV injection") are neutralised by a leading apostrophe.
"""

from __future__ import annotations

import html
import math
from datetime import date, datetime
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["escape_html", "jsonable", "safe_spreadsheet_frame"]

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")
#: blanks a spreadsheet skips before reading a formula
_LEADING_BLANKS = " \u00a0\u3000\n"


def escape_html(value: Any) -> str:
    """Escape any value for HTML text or attribute context; missing values become an em dash.

    >>> escape_html('<b>Bolt & "nut"</b>')
    '&lt;b&gt;Bolt &amp; &quot;nut&quot;&lt;/b&gt;'
    >>> escape_html(float("nan"))
    '—'
    """
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NaT:
        return "—"
    if isinstance(value, pd.Timestamp):
        return value.strftime("%Y-%m-%d")
    return html.escape(str(value), quote=True)


def _neutralise(value: Any) -> Any:
    if isinstance(value, str) and (
        value.startswith(_FORMULA_START) or value.lstrip(_LEADING_BLANKS).startswith(_FORMULA_START)
    ):
        return "'" + value
    return value


def safe_spreadsheet_frame(df: pd.DataFrame) -> pd.DataFrame:
    """Copy of ``df`` whose text cells cannot run as spreadsheet formulas.

    Only text columns are touched; numbers stay numbers.

    >>> import pandas as pd
    >>> safe_spreadsheet_frame(pd.DataFrame({"d": ["=HYPERLINK(1)", "ok"], "n": [-1, 2]}))
                   d  n
    0  '=HYPERLINK(1)  -1
    1             ok  2
    >>> safe_spreadsheet_frame(pd.DataFrame({"d": [" =1+1", "\uff1d1+1"]}))["d"].str[0].tolist()
    ["'", "'"]
    """
    out = df.copy()
    for col in out.columns:
        s = out[col]
        if pd.api.types.is_string_dtype(s) or s.dtype == object:
            out[col] = s.map(_neutralise)
    out.columns = [_neutralise(str(c)) for c in out.columns]
    return out


def jsonable(value: Any) -> Any:
    """Convert numpy/pandas scalars and containers to JSON-able Python values.

    Dates become ISO strings, NaN/NaT become None.

    >>> jsonable({"a": np.float64(1.5), "b": pd.Timestamp("2024-01-02"), "c": np.nan})
    {'a': 1.5, 'b': '2024-01-02', 'c': None}
    """
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if isinstance(value, np.ndarray):
        return [jsonable(v) for v in value.tolist()]
    if isinstance(value, pd.DataFrame):
        return [jsonable(r) for r in value.to_dict(orient="records")]
    if value is None or value is pd.NaT:
        return None
    if isinstance(value, pd.Timestamp):
        if value.hour == value.minute == value.second == 0 and value.nanosecond == 0:
            return value.strftime("%Y-%m-%d")
        return value.isoformat()
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, (np.bool_, bool)):
        return bool(value)
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (np.floating, float)):
        v = float(value)
        return None if math.isnan(v) or math.isinf(v) else v
    if isinstance(value, np.datetime64):
        return jsonable(pd.Timestamp(value)) if not np.isnat(value) else None
    return value

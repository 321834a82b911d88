"""The Excel workbook a planner is glad to open: one sheet per table, ready to filter.

Every sheet has its header row frozen and filters on, columns as wide as their content
(within reason), dates as Excel dates shown ``yyyy-mm-dd`` (no ``00:00:00``), and numbers
stored as they are displayed: whole numbers as whole numbers, probabilities and ratios with
three decimals, everything else with two. Text cells cannot run as formulas
(:func:`~stockout_forecast._export.safe_spreadsheet_frame`).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from .._export import safe_spreadsheet_frame

__all__ = ["round_as_displayed", "write_workbook"]

#: rows per sheet whose cells get an explicit number format (beyond it pandas' defaults)
_FORMAT_ROWS = 20_000
_MAX_WIDTH = 60
#: words of a column name that mark a probability or a ratio (whole words: 'units_ship_now'
#: and 'order_up_to_units' hold units, though 'p_' is inside them)
_RATIO_WORDS = frozenset({"share", "rate", "ratio", "probability"})


def _is_ratio(name: str) -> bool:
    words = name.lower().split("_")
    return words[0] == "p" or "service_level" in name or not _RATIO_WORDS.isdisjoint(words)


def _number_format(name: str, values: pd.Series) -> tuple[int | None, str]:
    """(decimals to round to, Excel number format) for a float column."""
    v = values.dropna()
    v = v[np.isfinite(v)]
    if len(v) and (v == np.round(v)).all():
        return None, "#,##0"
    if _is_ratio(name):
        return 3, "0.000"
    return 2, "#,##0.00"


def round_as_displayed(df: pd.DataFrame) -> pd.DataFrame:
    """Copy of ``df`` with its numbers as the workbook shows them, for the report's CSV files.

    Float columns are rounded to the decimals of their Excel format (three for
    probabilities and ratios, two otherwise), and float columns holding only whole numbers
    become whole numbers (``120``, not ``120.0``; missing stays empty), so a CSV opened in a
    spreadsheet shows the same figures as the workbook, not ``89.41894317464784`` or
    ``49.78000000000001``.

    >>> import pandas as pd
    >>> round_as_displayed(pd.DataFrame({"units": [120.0, None], "cost": [49.78000000000001, 1],
    ...                                  "p_stockout": [0.98463, 0.5]})).to_csv(index=False).split()
    ['units,cost,p_stockout', '120,49.78,0.985', ',1.0,0.5']
    """
    out = df.copy()
    for c in out.columns:
        s = out[c]
        if pd.api.types.is_float_dtype(s) and not pd.api.types.is_bool_dtype(s):
            decimals, _ = _number_format(str(c), s)
            if decimals is None:
                out[c] = s.where(np.isfinite(s)).round().astype("Int64")
            else:
                out[c] = s.round(decimals)
    return out


def _excel_ready(df: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, str]]:
    """A copy Excel can store as displayed, and the number format of each column."""
    out = df.copy()
    formats: dict[str, str] = {}
    for c in out.columns:
        s = out[c]
        if pd.api.types.is_datetime64_any_dtype(s):
            if getattr(s.dt, "tz", None) is not None:
                out[c] = s.dt.tz_localize(None)
            formats[c] = "yyyy-mm-dd"
        elif pd.api.types.is_bool_dtype(s):
            continue
        elif pd.api.types.is_float_dtype(s):
            decimals, fmt = _number_format(str(c), s)
            vals = s.where(np.isfinite(s))  # Excel has no infinity: empty
            out[c] = vals if decimals is None else vals.round(decimals)
            formats[c] = fmt
        elif pd.api.types.is_integer_dtype(s):
            formats[c] = "#,##0"
        elif s.dtype == object:
            out[c] = s.map(lambda v: v if isinstance(v, (str, int, float, bool)) else str(v))
    return out, formats


def _sheet_names(names: list[str]) -> list[str]:
    """Excel sheet names: at most 31 characters, unique."""
    seen: set[str] = set()
    out = []
    for n in names:
        base = n[:31]
        name, k = base, 1
        while name.lower() in seen:
            k += 1
            name = f"{base[: 31 - len(str(k)) - 1]}_{k}"
        seen.add(name.lower())
        out.append(name)
    return out


def write_workbook(tables: dict[str, pd.DataFrame], path: str | Path) -> Path:
    """Write ``tables`` as one formatted sheet each; return the path.

    Parameters
    ----------
    tables : dict of str to DataFrame
        Sheet name -> table, in order.
    path : str or Path
        The ``.xlsx`` file to write.
    """
    try:
        import openpyxl  # noqa: F401
        from openpyxl.utils import get_column_letter
    except ImportError as err:  # pragma: no cover - depends on the environment
        raise ImportError(
            'to_excel needs openpyxl: pip install "stockout_forecast[excel]"'
        ) from err
    path = Path(path)
    names = _sheet_names(list(tables))
    with pd.ExcelWriter(
        path, engine="openpyxl", date_format="yyyy-mm-dd", datetime_format="yyyy-mm-dd"
    ) as xw:
        for sheet, df in zip(names, tables.values(), strict=True):
            ready, formats = _excel_ready(df)
            safe = safe_spreadsheet_frame(ready)
            safe.to_excel(xw, sheet_name=sheet, index=False)
            ws = xw.sheets[sheet]
            ws.freeze_panes = "A2"
            if len(safe.columns):
                ws.auto_filter.ref = ws.dimensions
            n_rows = min(len(safe), _FORMAT_ROWS)
            for j, col in enumerate(safe.columns, start=1):
                letter = get_column_letter(j)
                sample = safe[col].head(_FORMAT_ROWS)
                if pd.api.types.is_datetime64_any_dtype(sample):
                    longest = 10
                else:
                    longest = max((len(str(v)) for v in sample if not pd.isna(v)), default=0)
                width = max(len(str(col)), longest) + 2
                ws.column_dimensions[letter].width = min(max(width, 8), _MAX_WIDTH)
                fmt = formats.get(str(ready.columns[j - 1]))
                if fmt:
                    for row in ws.iter_rows(min_row=2, max_row=n_rows + 1, min_col=j, max_col=j):
                        row[0].number_format = fmt
    return path

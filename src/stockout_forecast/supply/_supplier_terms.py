"""The supplier table every split reads: validated terms, defaults, and empirical lead times.

Built as arrays and made into one frame at the end: the service calls it on the few rows of a
re-plan batch, where each pandas operation on a column (a merge, a ``.loc`` assignment) costs
more than the arithmetic.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from .._utils import check_columns, format_ids
from ..exceptions import SchemaError
from ..io.validation import validate_table

_OPTIONAL_SUPPLIER_NUMBERS = {
    "lead_time_sd_days": 0.0,
    "moq_units": 0.0,
    "pack_units": 1.0,
    "capacity_units": np.inf,
    "order_cost": 0.0,
}
_HISTORY_COLUMNS = ("lead_time_mean_days", "lead_time_sd_days", "on_time_rate", "fill_rate")


def _supplier_table(
    suppliers: pd.DataFrame,
    lead_times: pd.DataFrame | None,
    *,
    max_share: float,
    late_days: float,
) -> pd.DataFrame:
    """Validated item x supplier terms with every column the solver needs (one row per pair)."""
    sup = validate_table(suppliers, "suppliers")
    cols: dict[str, Any] = {c: sup[c] for c in sup.columns}
    _fill_defaults(cols, sup)
    _fractions(cols, sup)
    n = len(sup)
    fill = _filled(cols, "fill_rate", 1.0, n)
    cols["max_share"] = _filled(cols, "max_share", max_share, n)
    on_time = _filled(cols, "on_time_rate", np.nan, n)
    if "priority" in cols:
        cols["priority"] = pd.to_numeric(cols["priority"], errors="coerce")
    else:
        cols["priority"] = np.full(n, np.nan)
    if "quota" not in cols:
        cols["quota"] = np.full(n, np.nan)
    mean = np.array(cols["lead_time_days"], dtype=float)
    timing = np.where(np.isnan(on_time), 1.0, on_time)
    source = np.full(n, "stated", dtype=object)
    if lead_times is not None:
        use, hist = _lead_time_history_rows(sup, lead_times)
        sd = np.array(cols["lead_time_sd_days"], dtype=float)
        mean[use] = hist["lead_time_mean_days"][use]
        sd[use] = np.nan_to_num(hist["lead_time_sd_days"][use])
        cols["lead_time_sd_days"] = sd
        # the empirical spread already contains the late deliveries: no extra mixture
        timing[use] = 1.0
        source[use] = "history"
        for name, target in (("on_time_rate", on_time), ("fill_rate", fill)):
            if name in hist:
                take = use & ~np.isnan(hist[name])
                target[take] = hist[name][take]
    cols["fill_rate"] = np.maximum(fill, 1e-6)
    cols["on_time_rate"] = on_time
    cols["lead_time_mean_days"] = mean
    cols["timing_on_time"] = timing
    cols["lead_time_source"] = pd.array(source, dtype="str")
    index = sup.index if lead_times is None else pd.RangeIndex(n)
    return pd.DataFrame(
        {c: v.array if isinstance(v, pd.Series) else v for c, v in cols.items()}, index=index
    )


def _filled(cols: dict[str, Any], col: str, default: float, n: int) -> np.ndarray:
    """Column ``col`` as floats (a copy) with NaN as ``default``; all ``default`` if absent."""
    if col not in cols:
        return np.full(n, default, dtype=float)
    v = np.array(cols[col], dtype=float)
    v[np.isnan(v)] = default
    return v


def _fill_defaults(cols: dict[str, Any], sup: pd.DataFrame) -> None:
    """Optional numeric terms filled with their defaults; packs checked to be > 0."""
    n = len(sup)
    for col, default in _OPTIONAL_SUPPLIER_NUMBERS.items():
        cols[col] = _filled(cols, col, default, n)
    pack = cols["pack_units"]
    if (pack <= 0).any():
        bad = sup.loc[pack <= 0, ["item_id", "supplier_id"]].head(5)
        raise SchemaError(
            f"suppliers.pack_units must be > 0; found {int((pack <= 0).sum())} rows with 0 or "
            f"less, e.g. (item_id, supplier_id) {[tuple(r) for r in bad.itertuples(index=False)]}."
            f" Leave it empty for whole units."
        )


def _fractions(cols: dict[str, Any], sup: pd.DataFrame) -> None:
    """The ``fill_rate``, ``max_share`` and ``quota`` columns as checked fractions.

    Each must be in (0, 1]; a quota may be 0.
    """
    for col in ("fill_rate", "max_share", "quota"):
        if col in cols:
            v = pd.to_numeric(cols[col], errors="coerce")
            out_of_range = (
                v.notna() & ((v < 0) | (v > 1))
                if col == "quota"
                else v.notna() & ((v <= 0) | (v > 1))
            )
            if out_of_range.any():
                raise SchemaError(
                    f"suppliers.{col} must be a fraction in ({'[' if col == 'quota' else '('}0, "
                    f"1]; found {v[out_of_range].head(3).tolist()} for items "
                    f"{format_ids(sup.loc[out_of_range, 'item_id'].unique())}."
                    + (
                        " They look like percentages: divide by 100."
                        if (v[out_of_range] > 1).all()
                        else ""
                    )
                )
            cols[col] = v


def _lead_time_history_rows(
    sup: pd.DataFrame, lead_times: pd.DataFrame
) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Per supplier row: whether history has its lead time, and the history's figures.

    The first row of each (item, supplier) pair among the rows whose ``source`` is history
    (``"history"`` or ``"history+stated"``) with a known mean; NaN where there is none.
    """
    check_columns(
        lead_times,
        "lead_times",
        ["item_id", "lead_time_mean_days", "lead_time_sd_days", "supplier_id"],
        "Pass the frame returned by lead_time_history(purchase_orders, suppliers).",
    )
    lt_mean = lead_times["lead_time_mean_days"].to_numpy(dtype=float)
    if "source" in lead_times.columns:
        src = lead_times["source"].tolist()
        hist = [s in ("history", "history+stated") for s in src]
    else:
        hist = [True] * len(lead_times)
    first: dict[tuple[str, str], int] = {}
    keys = zip(
        lead_times["item_id"].astype(str).tolist(),
        lead_times["supplier_id"].astype(str).tolist(),
        strict=True,
    )
    for i, key in enumerate(keys):
        if hist[i] and not np.isnan(lt_mean[i]):
            first.setdefault(key, i)
    pairs = zip(sup["item_id"].tolist(), sup["supplier_id"].tolist(), strict=True)
    pos = np.array([first.get(p, -1) for p in pairs], dtype=np.int64)
    found = pos >= 0
    take = np.maximum(pos, 0)
    out = {}
    for c in _HISTORY_COLUMNS:
        if c in lead_times.columns:
            v = lead_times[c].to_numpy(dtype=float)
            out[c] = np.where(found, v[take], np.nan) if len(v) else np.full(len(pos), np.nan)
    return found, out

"""The supplier table every split reads: validated terms, defaults, and empirical lead times."""

from __future__ import annotations

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


def _supplier_table(
    suppliers: pd.DataFrame,
    lead_times: pd.DataFrame | None,
    *,
    max_share: float,
    late_days: float,
) -> pd.DataFrame:
    """Validated item x supplier terms with every column the solver needs (one row per pair)."""
    sup = validate_table(suppliers, "suppliers")
    sup = _fill_defaults(sup)
    sup = _fractions(sup)
    sup["fill_rate"] = sup["fill_rate"].fillna(1.0) if "fill_rate" in sup.columns else 1.0
    sup["max_share"] = (
        sup["max_share"].fillna(max_share) if "max_share" in sup.columns else max_share
    )
    sup["on_time_rate"] = sup["on_time_rate"] if "on_time_rate" in sup.columns else np.nan
    sup["priority"] = (
        pd.to_numeric(sup["priority"], errors="coerce") if "priority" in sup.columns else np.nan
    )
    sup["quota"] = sup["quota"] if "quota" in sup.columns else np.nan
    sup["lead_time_mean_days"] = sup["lead_time_days"]
    sup["timing_on_time"] = sup["on_time_rate"].fillna(1.0)
    sup["lead_time_source"] = "stated"
    if lead_times is not None:
        sup = _with_lead_time_history(sup, lead_times)
    sup["fill_rate"] = sup["fill_rate"].clip(lower=1e-6)
    return sup


def _fill_defaults(sup: pd.DataFrame) -> pd.DataFrame:
    """Optional numeric terms filled with their defaults; packs checked to be > 0."""
    for col, default in _OPTIONAL_SUPPLIER_NUMBERS.items():
        if col not in sup.columns:
            sup[col] = default
        else:
            sup[col] = sup[col].fillna(default)
    pack = sup["pack_units"]
    if (pack <= 0).any():
        bad = sup.loc[pack <= 0, ["item_id", "supplier_id"]].head(5)
        raise SchemaError(
            f"suppliers.pack_units must be > 0; found {int((pack <= 0).sum())} rows with 0 or "
            f"less, e.g. (item_id, supplier_id) {[tuple(r) for r in bad.itertuples(index=False)]}."
            f" Leave it empty for whole units."
        )
    return sup


def _fractions(sup: pd.DataFrame) -> pd.DataFrame:
    """The ``fill_rate``, ``max_share`` and ``quota`` columns as checked fractions.

    Each must be in (0, 1]; a quota may be 0.
    """
    for col in ("fill_rate", "max_share", "quota"):
        if col in sup.columns:
            v = pd.to_numeric(sup[col], errors="coerce")
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
            sup[col] = v
    return sup


def _with_lead_time_history(sup: pd.DataFrame, lead_times: pd.DataFrame) -> pd.DataFrame:
    """Empirical lead times (mean, spread, on-time and fill rates) where history has them."""
    check_columns(
        lead_times,
        "lead_times",
        ["item_id", "lead_time_mean_days", "lead_time_sd_days", "supplier_id"],
        "Pass the frame returned by lead_time_history(purchase_orders, suppliers).",
    )
    lt = lead_times.copy()
    lt["item_id"] = lt["item_id"].astype(str)
    lt["supplier_id"] = lt["supplier_id"].astype(str)
    src = lt["source"] if "source" in lt.columns else pd.Series("history", index=lt.index)
    hist = src.isin(["history", "history+stated"]) & lt["lead_time_mean_days"].notna()
    lt = lt.loc[hist].drop_duplicates(["item_id", "supplier_id"])
    cols = ["lead_time_mean_days", "lead_time_sd_days", "on_time_rate", "fill_rate"]
    cols = [c for c in cols if c in lt.columns]
    merged = sup.merge(
        lt[["item_id", "supplier_id", *cols]],
        on=["item_id", "supplier_id"],
        how="left",
        suffixes=("", "_hist"),
    )
    use = merged["lead_time_mean_days_hist"].notna()
    merged.loc[use, "lead_time_mean_days"] = merged.loc[use, "lead_time_mean_days_hist"]
    merged.loc[use, "lead_time_sd_days"] = merged.loc[use, "lead_time_sd_days_hist"].fillna(0.0)
    # the empirical spread already contains the late deliveries: no extra mixture
    merged.loc[use, "timing_on_time"] = 1.0
    merged.loc[use, "lead_time_source"] = "history"
    for col in ("on_time_rate", "fill_rate"):
        h = f"{col}_hist"
        if h in merged.columns:
            take = use & merged[h].notna()
            merged.loc[take, col] = merged.loc[take, h]
    return merged.drop(columns=[c for c in merged.columns if c.endswith("_hist")])

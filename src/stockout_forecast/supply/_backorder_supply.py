"""Supply sources for promise dates, per item in allocation order.

Available stock first (dated ``as_of``), then open purchase orders by expected date, then
recommended orders by arrival date; each source has a P50 date and a P90 date (P50 plus
the lead time's P90 - P50 margin). Short receipts are reported beside them.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .._inventory import stock_position
from .._utils import check_columns
from ..exceptions import SchemaError
from ..io.validation import validate_table

_Z90 = 1.2815515655446004  # standard normal 0.9 quantile


_KIND_ORDER = {"stock": 0, "po": 1, "recommended": 2}


def _supply_table(
    inventory: pd.DataFrame,
    purchase_orders: pd.DataFrame | None,
    recommended_orders: pd.DataFrame | None,
    *,
    as_of: pd.Timestamp,
    lead_times: pd.DataFrame | None,
    suppliers: pd.DataFrame | None,
    handling_days: float,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Supply sources per item in allocation order, and the short receipts seen."""
    handling = pd.Timedelta(days=float(handling_days))
    frames = [_stock_sources(inventory, as_of=as_of, handling=handling)]
    spread = _spread_table(lead_times, suppliers)
    shorts = pd.DataFrame(columns=["item_id", "short_receipts"])
    if purchase_orders is not None:
        po_frame, shorts = _po_sources(
            purchase_orders, as_of=as_of, handling=handling, spread=spread
        )
        frames.append(po_frame)
    if recommended_orders is not None:
        frames.append(
            _recommended_sources(recommended_orders, as_of=as_of, handling=handling, spread=spread)
        )
    sup = pd.concat(frames, ignore_index=True)
    sup = sup.loc[sup["units"] > 0].copy()
    sup["kind_rank"] = sup["kind"].map(_KIND_ORDER)
    sup = sup.sort_values(
        ["item_id", "kind_rank", "date_p50", "source_id"], kind="stable"
    ).reset_index(drop=True)
    return sup.drop(columns="kind_rank"), shorts


def _stock_sources(
    inventory: pd.DataFrame, *, as_of: pd.Timestamp, handling: pd.Timedelta
) -> pd.DataFrame:
    """Available stock (on hand less allocated) per item, ready on ``as_of`` + handling."""
    inv = validate_table(inventory, "inventory", allow_empty=True)
    # backordered units are not subtracted: the backordered lines are what is allocated here
    pos = stock_position(inv, inv["item_id"])
    return pd.DataFrame(
        {
            "item_id": inv["item_id"].to_numpy(),
            "kind": "stock",
            "source_id": "stock",
            "supplier_id": "",
            "units": np.maximum(pos.on_hand - pos.allocated, 0.0),
            "date_p50": as_of + handling,
            "date_p90": as_of + handling,
            "overdue": False,
        }
    )


def _po_sources(
    purchase_orders: pd.DataFrame,
    *,
    as_of: pd.Timestamp,
    handling: pd.Timedelta,
    spread: pd.Series,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Open purchase-order lines as sources, and the short receipts of the received lines.

    Each open line brings its outstanding units on its P50 and P90 dates.

    A line is open unless it was received on or before ``as_of`` (a promise is made as of a
    day), so this does not use :func:`~stockout_forecast._inventory.open_purchase_orders`,
    which takes every received line as closed.
    """
    po = validate_table(purchase_orders, "purchase_orders", allow_empty=True)
    rec_date = (
        po["received_date"] if "received_date" in po.columns else pd.Series(pd.NaT, index=po.index)
    )
    got = (
        po["received_units"]
        if "received_units" in po.columns
        else pd.Series(np.nan, index=po.index)
    )
    received = rec_date.notna() & (rec_date <= as_of)
    shorts = _short_receipts(po, rec_date, got, received)
    open_ = po.loc[~received].copy()
    outstanding = open_["units"] - got[~received].fillna(0.0)
    exp = open_["expected_date"].dt.normalize()
    p50 = exp.where(exp >= as_of, as_of) + handling
    sp = _lookup_spread(spread, open_["item_id"], open_["supplier_id"])
    frame = pd.DataFrame(
        {
            "item_id": open_["item_id"].to_numpy(),
            "kind": "po",
            "source_id": open_["po_id"].to_numpy(),
            "supplier_id": open_["supplier_id"].to_numpy(),
            "units": np.maximum(outstanding.to_numpy(dtype=float), 0.0),
            "date_p50": p50.to_numpy(),
            "date_p90": (p50 + pd.to_timedelta(np.ceil(sp - 1e-9), unit="D")).to_numpy(),
            "overdue": (exp < as_of).to_numpy(),
        }
    )
    return frame, shorts


def _short_receipts(
    po: pd.DataFrame, rec_date: pd.Series, got: pd.Series, received: pd.Series
) -> pd.DataFrame:
    """One text per item listing its receipts short of the ordered units."""
    short = received & got.notna() & (got < po["units"] - 1e-9)
    if not short.any():
        return pd.DataFrame(columns=["item_id", "short_receipts"])
    s = po.loc[short]
    txt = (
        "PO "
        + s["po_id"]
        + " received "
        + got[short].map("{:g}".format)
        + " of "
        + s["units"].map("{:g}".format)
        + " units on "
        + rec_date[short].dt.strftime("%Y-%m-%d")
    )
    return (
        pd.DataFrame({"item_id": s["item_id"], "t": txt})
        .groupby("item_id")["t"]
        .agg("; ".join)
        .rename("short_receipts")
        .reset_index()
    )


def _recommended_sources(
    recommended_orders: pd.DataFrame,
    *,
    as_of: pd.Timestamp,
    handling: pd.Timedelta,
    spread: pd.Series,
) -> pd.DataFrame:
    """Orders not yet placed as sources, dated by their expected arrival."""
    rec = _recommended_table(recommended_orders)
    p50 = (
        rec["expected_arrival_date"].where(rec["expected_arrival_date"] >= as_of, as_of) + handling
    )
    sp = _lookup_spread(spread, rec["item_id"], rec["supplier_id"])
    return pd.DataFrame(
        {
            "item_id": rec["item_id"].to_numpy(),
            "kind": "recommended",
            "source_id": rec["source_id"].to_numpy(),
            "supplier_id": rec["supplier_id"].to_numpy(),
            "units": rec["units"].to_numpy(dtype=float),
            "date_p50": p50.to_numpy(),
            "date_p90": (p50 + pd.to_timedelta(np.ceil(sp - 1e-9), unit="D")).to_numpy(),
            "overdue": False,
        }
    )


def _recommended_table(rec: pd.DataFrame) -> pd.DataFrame:
    if not isinstance(rec, pd.DataFrame):
        raise TypeError(f"recommended_orders must be a DataFrame; got {type(rec).__name__}.")
    qty = next((c for c in ("order_units", "units") if c in rec.columns), None)
    when = next((c for c in ("expected_arrival_date", "expected_date") if c in rec.columns), None)
    if "item_id" not in rec.columns or qty is None or when is None:
        raise SchemaError(
            "recommended_orders needs item_id, order_units (or units) and expected_arrival_date "
            f"(or expected_date), as recommend_orders or PurchasePlan.lines give. Found: "
            f"{list(rec.columns)}."
        )
    units = pd.to_numeric(rec[qty], errors="coerce").fillna(0.0)
    dates = pd.to_datetime(rec[when], errors="coerce").dt.normalize()
    keep = (units > 0) & dates.notna()
    supplier = (
        rec["supplier_id"].astype(str)
        if "supplier_id" in rec.columns
        else pd.Series("", index=rec.index)
    )
    sid = (
        rec["po_id"].astype(str)
        if "po_id" in rec.columns
        else "recommended-" + supplier.where(supplier != "", "order")
    )
    return pd.DataFrame(
        {
            "item_id": rec["item_id"].astype(str),
            "source_id": sid,
            "supplier_id": supplier,
            "units": units,
            "expected_arrival_date": dates,
        }
    ).loc[keep]


def _spread_table(lead_times: pd.DataFrame | None, suppliers: pd.DataFrame | None) -> pd.Series:
    """P90 - P50 of the lead time (days) per item x supplier: history first, then stated sd."""
    parts = []
    if suppliers is not None:
        sup = validate_table(suppliers, "suppliers")
        if "lead_time_sd_days" in sup.columns:
            parts.append(sup.set_index(["item_id", "supplier_id"])["lead_time_sd_days"] * _Z90)
    if lead_times is not None:
        check_columns(
            lead_times,
            "lead_times",
            ["item_id", "lead_time_p50_days", "lead_time_p90_days", "supplier_id"],
            "Pass the frame returned by lead_time_history(purchase_orders, suppliers).",
        )
        lt = lead_times.assign(
            item_id=lead_times["item_id"].astype(str),
            supplier_id=lead_times["supplier_id"].astype(str),
        ).set_index(["item_id", "supplier_id"])
        parts.append(lt["lead_time_p90_days"] - lt["lead_time_p50_days"])
    if not parts:
        return pd.Series(dtype=float)
    out = parts[-1]
    for p in parts[-2::-1]:
        out = out.combine_first(p)
    return out.dropna().clip(lower=0.0)


def _lookup_spread(spread: pd.Series, items: pd.Series, suppliers: pd.Series) -> np.ndarray:
    if not len(spread):
        return np.zeros(len(items))
    idx = pd.MultiIndex.from_arrays(
        [items.astype(str).to_numpy(), suppliers.astype(str).to_numpy()]
    )
    return spread.reindex(idx).fillna(0.0).to_numpy(dtype=float)

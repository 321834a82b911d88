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
_SOURCE_COLUMNS = (
    "item_id",
    "kind",
    "source_id",
    "supplier_id",
    "units",
    "date_p50",
    "date_p90",
    "overdue",
)
_TEXT_COLUMNS = ("item_id", "kind", "source_id", "supplier_id")

#: one kind of source as arrays, one entry per source (``_SOURCE_COLUMNS``); a text
#: that is the same for every source of the kind is given once
_Sources = dict[str, "np.ndarray | str"]


def _supply_table(
    inventory: pd.DataFrame,
    purchase_orders: pd.DataFrame | None,
    recommended_orders: pd.DataFrame | None,
    *,
    as_of: pd.Timestamp,
    lead_times: pd.DataFrame | None,
    suppliers: pd.DataFrame | None,
    handling_days: float,
) -> tuple[pd.DataFrame, dict[str, str]]:
    """Supply sources per item in allocation order, and the short receipts seen per item.

    The sources are gathered as arrays and put in order with one sort (a handful of rows
    per item: a frame per kind of source would cost more than the work).
    """
    handling = pd.Timedelta(days=float(handling_days))
    parts = [_stock_sources(inventory, as_of=as_of, handling=handling)]
    spread = _spread_table(lead_times, suppliers)
    shorts: dict[str, str] = {}
    if purchase_orders is not None:
        po_part, shorts = _po_sources(
            purchase_orders, as_of=as_of, handling=handling, spread=spread
        )
        parts.append(po_part)
    if recommended_orders is not None:
        parts.append(
            _recommended_sources(recommended_orders, as_of=as_of, handling=handling, spread=spread)
        )
    sizes = [len(p["units"]) for p in parts]
    cols = {
        c: np.concatenate([_column(p[c], k) for p, k in zip(parts, sizes, strict=True)])
        for c in _SOURCE_COLUMNS
    }
    keep = cols["units"] > 0
    cols = {c: v[keep] for c, v in cols.items()}
    rank = np.array([_KIND_ORDER[k] for k in cols["kind"].tolist()], dtype=np.int64)
    d50 = cols["date_p50"].view(np.int64)
    d50 = np.where(np.isnat(cols["date_p50"]), np.iinfo(np.int64).max, d50)  # NaT last
    order = np.lexsort((_codes(cols["source_id"]), d50, rank, _codes(cols["item_id"])))
    # a text column is of the string dtype when it is in every part (as concat would keep it)
    text = {c: all(_is_text(p[c]) for p in parts) for c in _TEXT_COLUMNS}
    return (
        pd.DataFrame(
            {
                c: pd.Series(v[order], dtype="str" if text[c] else object)
                if c in _TEXT_COLUMNS
                else v[order]
                for c, v in cols.items()
            }
        ),
        shorts,
    )


def _is_text(values: np.ndarray | str) -> bool:
    """Whether a frame would hold this column as strings (a constant: always; else inferred)."""
    return isinstance(values, str) or pd.api.types.infer_dtype(values, skipna=True) == "string"


def _column(values: np.ndarray | str, n: int) -> np.ndarray:
    """A part's column as an array (a constant text repeated ``n`` times)."""
    return np.full(n, values, dtype=object) if isinstance(values, str) else values


def _codes(values: np.ndarray) -> np.ndarray:
    """Sort codes of string values (missing last), as ``sort_values`` orders them."""
    codes, uniques = pd.factorize(values, sort=True)
    return np.where(codes < 0, len(uniques), codes)


def _stock_sources(
    inventory: pd.DataFrame, *, as_of: pd.Timestamp, handling: pd.Timedelta
) -> _Sources:
    """Available stock (on hand less allocated) per item, ready on ``as_of`` + handling."""
    inv = validate_table(inventory, "inventory", allow_empty=True)
    # backordered units are not subtracted: the backordered lines are what is allocated here
    pos = stock_position(inv, inv["item_id"])
    n = len(inv)
    day = np.full(n, (as_of + handling).to_datetime64())
    return {
        "item_id": inv["item_id"].to_numpy(dtype=object),
        "kind": "stock",
        "source_id": "stock",
        "supplier_id": "",
        "units": np.maximum(pos.on_hand - pos.allocated, 0.0),
        "date_p50": day,
        "date_p90": day.copy(),
        "overdue": np.zeros(n, dtype=bool),
    }


def _po_sources(
    purchase_orders: pd.DataFrame,
    *,
    as_of: pd.Timestamp,
    handling: pd.Timedelta,
    spread: dict[tuple[str, str], float],
) -> tuple[_Sources, dict[str, str]]:
    """Open purchase-order lines as sources, and the short receipts of the received lines.

    Each open line brings its outstanding units on its P50 and P90 dates.

    A line is open unless it was received on or before ``as_of`` (a promise is made as of a
    day), so this does not use :func:`~stockout_forecast._inventory.open_purchase_orders`,
    which takes every received line as closed.
    """
    po = validate_table(purchase_orders, "purchase_orders", allow_empty=True)
    n = len(po)
    units = po["units"].to_numpy(dtype=float)
    got = (
        po["received_units"].to_numpy(dtype=float)
        if "received_units" in po.columns
        else np.full(n, np.nan)
    )
    if "received_date" in po.columns:
        rec_date = po["received_date"]
        received = (rec_date.notna() & (rec_date <= as_of)).to_numpy(dtype=bool)
    else:
        rec_date, received = None, np.zeros(n, dtype=bool)
    shorts = _short_receipts(po, rec_date, got, received)
    open_ = np.flatnonzero(~received)
    g = got[open_]
    outstanding = units[open_] - np.where(np.isnan(g), 0.0, g)
    exp = po["expected_date"].iloc[open_].dt.normalize()
    p50 = exp.where(exp >= as_of, as_of) + handling
    sp = _lookup_spread(
        spread, po["item_id"].to_numpy()[open_], po["supplier_id"].to_numpy()[open_]
    )
    return {
        "item_id": po["item_id"].to_numpy(dtype=object)[open_],
        "kind": "po",
        "source_id": po["po_id"].to_numpy(dtype=object)[open_],
        "supplier_id": po["supplier_id"].to_numpy(dtype=object)[open_],
        "units": np.maximum(outstanding, 0.0),
        "date_p50": p50.to_numpy(),
        "date_p90": (p50 + pd.to_timedelta(np.ceil(sp - 1e-9), unit="D")).to_numpy(),
        "overdue": (exp < as_of).to_numpy(),
    }, shorts


def _short_receipts(
    po: pd.DataFrame, rec_date: pd.Series | None, got: np.ndarray, received: np.ndarray
) -> dict[str, str]:
    """Per item, one text listing its receipts short of the ordered units (items in order)."""
    units = po["units"].to_numpy(dtype=float)
    with np.errstate(invalid="ignore"):
        short = np.flatnonzero(received & ~np.isnan(got) & (got < units - 1e-9))
    if not len(short) or rec_date is None:
        return {}
    texts: dict[str, list[str]] = {}
    for item, po_id, g, u, day in zip(
        po["item_id"].to_numpy()[short],
        po["po_id"].to_numpy()[short],
        got[short],
        units[short],
        rec_date.iloc[short].dt.strftime("%Y-%m-%d"),
        strict=True,
    ):
        texts.setdefault(item, []).append(f"PO {po_id} received {g:g} of {u:g} units on {day}")
    return {item: "; ".join(texts[item]) for item in sorted(texts)}


def _recommended_sources(
    recommended_orders: pd.DataFrame,
    *,
    as_of: pd.Timestamp,
    handling: pd.Timedelta,
    spread: dict[tuple[str, str], float],
) -> _Sources:
    """Orders not yet placed as sources, dated by their expected arrival."""
    rec = _recommended_table(recommended_orders)
    day = rec["expected_arrival_date"]
    p50 = day.where(day >= as_of, as_of) + handling
    sp = _lookup_spread(spread, rec["item_id"].to_numpy(), rec["supplier_id"].to_numpy())
    n = len(rec)
    return {
        "item_id": rec["item_id"].to_numpy(dtype=object),
        "kind": "recommended",
        "source_id": rec["source_id"].to_numpy(dtype=object),
        "supplier_id": rec["supplier_id"].to_numpy(dtype=object),
        "units": rec["units"].to_numpy(dtype=float),
        "date_p50": p50.to_numpy(),
        "date_p90": (p50 + pd.to_timedelta(np.ceil(sp - 1e-9), unit="D")).to_numpy(),
        "overdue": np.zeros(n, dtype=bool),
    }


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
    keep = ((units > 0) & dates.notna()).to_numpy(dtype=bool)
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
            "item_id": rec["item_id"].astype(str).to_numpy()[keep],
            "source_id": sid.to_numpy()[keep],
            "supplier_id": supplier.to_numpy()[keep],
            "units": units.to_numpy()[keep],
            "expected_arrival_date": dates[keep].reset_index(drop=True),
        }
    )


def _spread_table(
    lead_times: pd.DataFrame | None, suppliers: pd.DataFrame | None
) -> dict[tuple[str, str], float]:
    """P90 - P50 of the lead time (days) per (item, supplier): history first, then stated sd.

    Pairs with neither figure are left out (their spread is 0).
    """
    out: dict[tuple[str, str], float] = {}
    if suppliers is not None:
        sup = validate_table(suppliers, "suppliers")
        if "lead_time_sd_days" in sup.columns:
            sd = sup["lead_time_sd_days"].to_numpy(dtype=float) * _Z90
            out.update(
                zip(
                    zip(sup["item_id"].tolist(), sup["supplier_id"].tolist(), strict=True),
                    sd.tolist(),
                    strict=True,
                )
            )
    if lead_times is not None:
        check_columns(
            lead_times,
            "lead_times",
            ["item_id", "lead_time_p50_days", "lead_time_p90_days", "supplier_id"],
            "Pass the frame returned by lead_time_history(purchase_orders, suppliers).",
        )
        margin = lead_times["lead_time_p90_days"].to_numpy(dtype=float) - lead_times[
            "lead_time_p50_days"
        ].to_numpy(dtype=float)
        keys = zip(
            lead_times["item_id"].astype(str).tolist(),
            lead_times["supplier_id"].astype(str).tolist(),
            strict=True,
        )
        for key, m in zip(keys, margin, strict=True):
            if not np.isnan(m) or key not in out:  # the stated sd where history has none
                out[key] = m
    return {k: (0.0 if v < 0 else float(v)) for k, v in out.items() if not np.isnan(v)}


def _lookup_spread(
    spread: dict[tuple[str, str], float], items: np.ndarray, suppliers: np.ndarray
) -> np.ndarray:
    """The spread (days) of each (item, supplier) pair; 0 where there is none."""
    if not spread:
        return np.zeros(len(items))
    return np.array(
        [spread.get((str(i), str(s)), 0.0) for i, s in zip(items, suppliers, strict=True)],
        dtype=float,
    )

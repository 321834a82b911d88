"""Stock cover at the current velocity: days of cover and first stockout date per item.

The deterministic projection (one rate, no randomness): on-hand stock less backorders and
allocations is consumed at each item's velocity, with open purchase orders arriving at their
expected dates. :func:`~stockout_forecast.stockout_dates` is the probabilistic counterpart.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from .._arrays import (
    cat,
    chunks,
    dates_or_nat,
    day_number,
    days_to_index,
    num_str,
    status_assigner,
    to_days,
)
from .._inventory import StockPosition, open_purchase_orders, stock_position
from .._utils import check_int, format_ids, renamed_parameters
from ..exceptions import SchemaError
from ..io.validation import validate_table

__all__ = ["stock_cover"]


@renamed_parameters(horizon_days="horizon")
def stock_cover(
    inventory: pd.DataFrame,
    velocity: pd.DataFrame,
    purchase_orders: pd.DataFrame | None = None,
    *,
    as_of: Any = None,
    horizon: int = 365,
    velocity_column: str = "velocity_28d",
) -> pd.DataFrame:
    """Days of cover and first stockout date per item at the current velocity.

    Parameters
    ----------
    inventory : pandas.DataFrame
        The contract's inventory snapshot: ``item_id``, ``on_hand_units``; optional
        ``backordered_units``, ``allocated_units`` (missing = 0) and ``as_of``.
    velocity : pandas.DataFrame
        ``item_id`` and ``velocity_column`` in units/day, e.g. from :func:`~stockout_forecast.item_velocity`.
    purchase_orders : pandas.DataFrame, optional
        The contract's purchase-order lines. Open lines (empty ``received_date``, or every
        line when that column is absent) supply ``units - received_units`` at
        ``expected_date``.
    as_of : date-like, optional
        Snapshot day. Default: the inventory's ``as_of`` column, per item.
    horizon : int, default 365
        Days projected forward.
    velocity_column : str, default "velocity_28d"
        Column of ``velocity`` to consume at.

    Returns
    -------
    pandas.DataFrame
        One row per item of the inventory, the velocity table or the open purchase orders
        (sorted union). Columns: ``item_id``; ``as_of``; ``on_hand_units``;
        ``backordered_units``; ``allocated_units``; ``available_units``;
        ``velocity_units_per_day``; ``open_po_units`` (all open PO units, overdue included);
        ``overdue_po_units`` (open, expected on or before ``as_of``: not counted as supply);
        ``next_receipt_date`` and ``next_receipt_units`` (first expected date after
        ``as_of``); ``days_of_cover``; ``stockout_date`` (NaT when none within the horizon);
        ``status`` (``"ok"``, ``"short"``, ``"no_demand"``, ``"no_velocity"``,
        ``"no_inventory"``); ``reason``.

    Notes
    -----
    The snapshot is stock at the end of day ``as_of``; day ``k = 1, 2, ...`` is
    ``as_of + k``. A receipt expected on day ``k`` is available at the start of that day.
    With ``available = on_hand - backordered - allocated`` and ``v`` the velocity::

        S_k = available + receipts expected on days 1..k
        stockout day  = first k with  v * k > S_k       (cumulative demand exceeds supply)
        days_of_cover = (k - 1) + (S_k - v * (k - 1)) / v

    (a tolerance of 1e-9 relative guards the comparison against rounding). Items with
    ``available <= 0`` are short already: stockout on ``as_of``, 0 days of cover. With no
    stockout within ``horizon`` days, ``stockout_date`` is NaT and
    ``days_of_cover = S_H / v`` (> horizon; receipts after the horizon not counted).
    Velocity <= 0 gives status ``no_demand`` (no stockout, cover NaN). Open lines expected
    on or before ``as_of`` are overdue: reported, not counted as supply.

    References
    ----------
    Silver, E.A., Pyke, D.F. & Thomas, D.J. (2017). *Inventory and Production Management in
    Supply Chains*, 4th ed., CRC Press, ch. 2 (inventory position, days of supply).

    Examples
    --------
    >>> import pandas as pd
    >>> inv = pd.DataFrame({"item_id": ["A", "B"], "on_hand_units": [10, 3],
    ...                     "backordered_units": [0, 5]})
    >>> vel = pd.DataFrame({"item_id": ["A", "B"], "velocity_28d": [2.0, 1.0]})
    >>> po = pd.DataFrame({"po_id": ["P1"], "item_id": ["A"], "supplier_id": ["S"],
    ...                    "units": [20], "order_date": ["2024-01-01"],
    ...                    "expected_date": ["2024-01-04"]})
    >>> cover = stock_cover(inv, vel, po, as_of="2024-01-01")
    >>> cover[["item_id", "available_units", "days_of_cover", "stockout_date", "status"]]
      item_id  available_units  days_of_cover stockout_date status
    0       A             10.0           15.0    2024-01-17     ok
    1       B             -2.0            0.0    2024-01-01  short
    """
    h = check_int(horizon, "horizon")
    inv = validate_table(inventory, "inventory", allow_empty=True)
    vel_ids, vel_values = _check_velocity(velocity, velocity_column)
    po = (
        None
        if purchase_orders is None
        else validate_table(purchase_orders, "purchase_orders", allow_empty=True)
    )
    inv_ids = inv["item_id"].astype("str")
    po_ids = po["item_id"].astype("str") if po is not None else pd.Series([], dtype="str")
    ids = np.asarray(
        sorted(set(inv_ids.tolist()) | set(vel_ids.tolist()) | set(po_ids.tolist())), dtype=object
    )
    index = pd.Index(ids, dtype="str")
    n = len(ids)
    stock = stock_position(inv, ids)
    as_of_day = _cover_as_of(inv, index, as_of)

    vpos = index.get_indexer(vel_ids)
    v = np.full(n, np.nan)
    v[vpos] = vel_values.to_numpy(dtype=np.float64)
    vel_reason = np.full(n, "", dtype=object)
    if "reason" in velocity.columns:
        vel_reason[vpos] = velocity["reason"].fillna("").astype(str).to_numpy()
    in_vel = np.zeros(n, dtype=bool)
    in_vel[vpos] = True

    sup = _open_supply(po, index, as_of_day, h)
    available = stock.available
    can = stock.in_inventory & (available > 0) & (v > 0)
    days_of_cover, stock_k = _project_cover(available, v, can, sup, h)
    short_now = stock.in_inventory & (available <= 0)
    days_of_cover[short_now] = 0.0
    stock_k[short_now] = 0
    stock_day = np.where(stock_k >= 0, as_of_day + stock_k, 0)

    status, reason = _cover_status(
        stock,
        v,
        in_vel=in_vel,
        vel_reason=vel_reason,
        short_now=short_now,
        stock_k=stock_k,
        overdue_units=sup["overdue_units"],
        velocity_column=velocity_column,
        horizon=h,
    )
    next_day = sup["next_day"]
    nd = next_day != _NO_DAY
    return pd.DataFrame(
        {
            "item_id": pd.array(ids, dtype="str"),
            "as_of": days_to_index(as_of_day),
            "on_hand_units": stock.on_hand,
            "backordered_units": stock.backordered,
            "allocated_units": stock.allocated,
            "available_units": available,
            "velocity_units_per_day": v,
            "open_po_units": sup["open_units"],
            "overdue_po_units": sup["overdue_units"],
            "next_receipt_date": dates_or_nat(as_of_day + np.where(nd, next_day, 0), nd),
            "next_receipt_units": np.where(nd, sup["next_units"], np.nan),
            "days_of_cover": days_of_cover,
            "stockout_date": dates_or_nat(stock_day, stock_k >= 0),
            "status": pd.array(status, dtype="str"),
            "reason": pd.array(reason, dtype="str"),
        }
    )


_NO_DAY = np.iinfo(np.int64).max


def _check_velocity(velocity: Any, velocity_column: str) -> tuple[pd.Series, pd.Series]:
    """Item ids (str) and numeric velocities of the velocity table; clear errors if not."""
    if not isinstance(velocity, pd.DataFrame):
        raise TypeError(f"velocity must be a DataFrame; got {type(velocity).__name__}.")
    for col in ("item_id", velocity_column):
        if col not in velocity.columns:
            raise SchemaError(
                f"velocity is missing column {col!r}. Found: {[str(c) for c in velocity.columns]}. "
                f"Pass the frame from item_velocity() or set velocity_column=."
            )
    vel_ids = velocity["item_id"].astype("str")
    if vel_ids.duplicated().any():
        dup = vel_ids[vel_ids.duplicated()].unique()
        raise SchemaError(
            f"velocity has duplicate item ids {format_ids(dup)}; give one row per item."
        )
    vel_values = pd.to_numeric(velocity[velocity_column], errors="coerce")
    bad = vel_values.isna() & velocity[velocity_column].notna()
    if bad.any():
        raise SchemaError(
            f"velocity.{velocity_column} must be numeric; found "
            f"{velocity[velocity_column][bad].head(3).tolist()} for items "
            f"{format_ids(vel_ids[bad].tolist())}."
        )
    return vel_ids, vel_values


def _cover_as_of(inv: pd.DataFrame, index: pd.Index, as_of: Any) -> np.ndarray:
    """Snapshot day per item: ``as_of`` or the inventory's ``as_of`` column."""
    n = len(index)
    if as_of is not None:
        return np.full(n, day_number(as_of, "as_of"), dtype=np.int64)
    if "as_of" in inv.columns and len(inv) and inv["as_of"].notna().all():
        inv_days = to_days(inv["as_of"].to_numpy())
        as_of_day = np.full(n, int(inv_days.max()), dtype=np.int64)
        as_of_day[index.get_indexer(pd.Index(inv["item_id"].astype("str")))] = inv_days
        return as_of_day
    raise ValueError(
        "stock_cover needs the snapshot date: pass as_of='YYYY-MM-DD' or give the "
        "inventory an as_of column filled for every row."
    )


def _open_supply(
    po: pd.DataFrame | None, index: pd.Index, as_of_day: np.ndarray, h: int
) -> dict[str, np.ndarray]:
    """Open PO units per item (all, overdue, next receipt) and receipts within the horizon.

    Receipts are ``r_item`` (position), ``r_k`` (day offset 1..h) and ``r_units``, sorted by
    item.
    """
    n = len(index)
    out: dict[str, np.ndarray] = {
        "open_units": np.zeros(n),
        "overdue_units": np.zeros(n),
        "next_day": np.full(n, _NO_DAY, dtype=np.int64),
        "next_units": np.zeros(n),
        "r_item": np.zeros(0, dtype=np.int64),
        "r_k": np.zeros(0, dtype=np.int64),
        "r_units": np.zeros(0),
    }
    op = open_purchase_orders(po)
    if len(op):
        rem = op["open_units"].to_numpy(dtype=np.float64)
        p_item = index.get_indexer(pd.Index(op["item_id"].astype("str")))
        k = to_days(op["expected_date"].to_numpy()) - as_of_day[p_item]
        out["open_units"] = np.bincount(p_item, weights=rem, minlength=n)
        late = k <= 0
        out["overdue_units"] = np.bincount(p_item[late], weights=rem[late], minlength=n)
        fut = ~late
        next_day = out["next_day"]
        np.minimum.at(next_day, p_item[fut], k[fut])
        first_k = next_day[p_item[fut]] == k[fut]
        out["next_units"] = np.bincount(
            p_item[fut][first_k], weights=rem[fut][first_k], minlength=n
        )
        inside = fut & (k <= h)
        out["r_item"], out["r_k"], out["r_units"] = p_item[inside], k[inside], rem[inside]
    order = np.argsort(out["r_item"], kind="stable")
    for key in ("r_item", "r_k", "r_units"):
        out[key] = out[key][order]
    return out


def _project_cover(
    available: np.ndarray, v: np.ndarray, can: np.ndarray, sup: dict[str, np.ndarray], h: int
) -> tuple[np.ndarray, np.ndarray]:
    """Days of cover and stockout day offset (-1 = none in horizon), chunks of items x days."""
    n = len(available)
    days_of_cover = np.full(n, np.nan)
    stock_k = np.full(n, -1, dtype=np.int64)
    r_item, r_k, r_units = sup["r_item"], sup["r_k"], sup["r_units"]
    kk = np.arange(1, h + 1, dtype=np.float64)
    for sl in chunks(n):
        rows = np.arange(sl.start, sl.stop)
        if not can[sl].any():
            continue
        lo, hi = np.searchsorted(r_item, [sl.start, sl.stop])
        rec = np.bincount(
            (r_item[lo:hi] - sl.start) * (h + 1) + r_k[lo:hi],
            weights=r_units[lo:hi],
            minlength=len(rows) * (h + 1),
        ).reshape(len(rows), h + 1)
        supply = available[sl, None] + np.cumsum(rec, axis=1)[:, 1:]
        vv = v[sl, None]
        demand = vv * kk[None, :]
        short = demand > supply + 1e-9 * np.maximum(1.0, np.abs(supply))
        hit = short.any(axis=1) & can[sl]
        kidx = short.argmax(axis=1)
        s_at = supply[np.arange(len(rows)), kidx]
        with np.errstate(invalid="ignore", divide="ignore"):
            cover_hit = kidx + (s_at - v[sl] * kidx) / v[sl]
            cover_none = supply[:, -1] / v[sl]
        ok = can[sl]
        days_of_cover[sl] = np.where(ok, np.where(hit, cover_hit, cover_none), np.nan)
        stock_k[sl] = np.where(hit, kidx + 1, -1)
    return days_of_cover, stock_k


def _cover_status(
    stock: StockPosition,
    v: np.ndarray,
    *,
    in_vel: np.ndarray,
    vel_reason: np.ndarray,
    short_now: np.ndarray,
    stock_k: np.ndarray,
    overdue_units: np.ndarray,
    velocity_column: str,
    horizon: int,
) -> tuple[np.ndarray, np.ndarray]:
    """Status and reason per item, first match wins; overdue PO units noted on every item."""
    n = len(v)
    available, on_hand = stock.available, stock.on_hand
    back, alloc = stock.backordered, stock.allocated
    status = np.full(n, "ok", dtype=object)
    reason = np.full(n, "", dtype=object)
    done = np.zeros(n, dtype=bool)
    assign = status_assigner(status, reason, done)
    assign(~stock.in_inventory, "no_inventory", lambda i: "item not in the inventory snapshot")
    assign(
        short_now,
        "short",
        lambda i: cat(
            "already short: available ",
            num_str(available[i]),
            " units (on hand ",
            num_str(on_hand[i]),
            " - backordered ",
            num_str(back[i]),
            " - allocated ",
            num_str(alloc[i]),
            ")",
        ),
    )
    assign(~in_vel, "no_velocity", lambda i: "item not in the velocity table")
    assign(
        np.isnan(v),
        "no_velocity",
        lambda i: cat(
            f"{velocity_column} is missing",
            np.where(vel_reason[i] == "", "", cat(": ", vel_reason[i].astype(str))),
        ),
    )
    assign(
        v <= 0,
        "no_demand",
        lambda i: cat(
            f"{velocity_column} is ", num_str(v[i]), ": stock does not run out at this velocity"
        ),
    )
    assign(stock_k < 0, "ok", lambda i: f"no stockout within the {horizon}-day horizon")
    has_overdue = overdue_units > 0
    od = cat(num_str(overdue_units), " open PO units overdue (not counted as supply)")
    prev = reason[has_overdue].astype(str)
    reason[has_overdue] = np.where(prev == "", od[has_overdue], cat(prev, "; ", od[has_overdue]))
    return status, reason

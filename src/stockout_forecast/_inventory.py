"""Available stock and open purchase-order supply: the one place these are computed.

Every layer that projects stock forward starts from the same two figures:

* **available units** = ``on_hand_units - backordered_units - allocated_units`` (the units
  free to meet new demand; a missing ``backordered_units``/``allocated_units`` column or
  cell counts as 0), and
* **open purchase-order units** = ``units - received_units`` (0 when missing; never below 0)
  of each line not yet received, due at its ``expected_date``.

Both take tables that already passed :func:`~stockout_forecast.validate_table`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["StockPosition", "open_purchase_orders", "stock_position"]


@dataclass(frozen=True)
class StockPosition:
    """Inventory snapshot columns aligned to a list of items.

    Each array has one entry per item of the list; items not in the snapshot have
    ``in_inventory`` False and NaN everywhere else.
    """

    in_inventory: np.ndarray
    on_hand: np.ndarray
    backordered: np.ndarray
    allocated: np.ndarray

    @property
    def available(self) -> np.ndarray:
        """``on_hand - backordered - allocated`` per item (NaN when not in the snapshot)."""
        return self.on_hand - self.backordered - self.allocated


def stock_position(inventory: pd.DataFrame, item_ids: Any) -> StockPosition:
    """On hand, backordered and allocated units of ``item_ids`` from a checked inventory table.

    Parameters
    ----------
    inventory : pandas.DataFrame
        The contract's ``inventory`` table after ``validate_table``: ``item_id``,
        ``on_hand_units``; optional ``backordered_units`` and ``allocated_units``.
    item_ids : sequence of str
        The items to align to (ids compared as strings).

    Returns
    -------
    StockPosition
        Backordered and allocated units are 0 for a listed item whose cell (or column) is
        missing; every figure is NaN for an item not in the snapshot.

    Examples
    --------
    >>> inv = pd.DataFrame({"item_id": ["A", "B"], "on_hand_units": [10.0, 3.0],
    ...                     "backordered_units": [np.nan, 5.0]})
    >>> pos = stock_position(inv, ["A", "B", "C"])
    >>> pos.available.tolist()
    [10.0, -2.0, nan]
    """
    index = pd.Index(np.asarray(item_ids, dtype=object).astype(str), dtype="str")
    n = len(index)
    ipos = index.get_indexer(pd.Index(inventory["item_id"].astype("str")))
    listed = ipos >= 0
    ipos = ipos[listed]
    in_inv = np.zeros(n, dtype=bool)
    in_inv[ipos] = True

    def column(name: str, default: float) -> np.ndarray:
        out = np.full(n, np.nan)
        if name in inventory.columns:
            out[ipos] = inventory[name].to_numpy(dtype=np.float64)[listed]
            out[in_inv & np.isnan(out)] = default
        else:
            out[in_inv] = default
        return out

    return StockPosition(
        in_inventory=in_inv,
        on_hand=column("on_hand_units", np.nan),
        backordered=column("backordered_units", 0.0),
        allocated=column("allocated_units", 0.0),
    )


def open_purchase_orders(purchase_orders: pd.DataFrame | None) -> pd.DataFrame:
    """The open lines of a checked purchase-order table, with their ``open_units``.

    A line is open when its ``received_date`` is empty (every line when the column is
    absent) and it still brings ``open_units = max(units - received_units, 0) > 0``
    (``received_units`` missing = 0).

    Parameters
    ----------
    purchase_orders : pandas.DataFrame or None
        The contract's ``purchase_orders`` table after ``validate_table``.

    Returns
    -------
    pandas.DataFrame
        The open lines in input order (original index kept), all columns plus
        ``open_units``; empty (no rows, ``open_units`` only) for ``None``.

    Examples
    --------
    >>> po = pd.DataFrame({"item_id": ["A", "A", "B"], "units": [10.0, 5.0, 4.0],
    ...                    "received_units": [4.0, np.nan, 4.0],
    ...                    "received_date": [pd.NaT, pd.NaT, pd.Timestamp("2024-01-02")]})
    >>> open_purchase_orders(po)[["item_id", "open_units"]]
      item_id  open_units
    0       A         6.0
    1       A         5.0
    """
    if purchase_orders is None:
        return pd.DataFrame({"open_units": pd.Series([], dtype=np.float64)})
    po = purchase_orders
    is_open = (
        po["received_date"].isna().to_numpy()
        if "received_date" in po.columns
        else np.ones(len(po), dtype=bool)
    )
    got = (
        po["received_units"].fillna(0.0).to_numpy(dtype=np.float64)
        if "received_units" in po.columns
        else np.zeros(len(po))
    )
    rem = np.maximum(po["units"].to_numpy(dtype=np.float64) - got, 0.0)
    keep = is_open & (rem > 0)
    return po.loc[keep].assign(open_units=rem[keep])

"""What a unit short costs: the figure the supplier split weighs against price.

A split that charges nothing for a unit short buys from the cheapest supplier even when it
arrives weeks after the shelf is empty and customers are waiting. No seller would sign that:
a unit that is not there when a customer asks for it costs at least what the unit is worth.
So, per item, the split charges a unit short:

1. ``items.backorder_cost`` when the shop states it (its own figure, used as given);
2. else the selling price ``items.unit_price`` (the sale at stake);
3. else the dearest of the item's suppliers' ``unit_cost`` (what the unit is worth to the
   shop at the least).

Rules 2 and 3 are at least the price difference between any two of the item's suppliers, so a
supplier that delivers after the stockout wins only when it is cheaper by more than the sale
it loses. A stated cost below that difference is kept, and noted, since it lets a late,
cheaper supplier win while customers wait.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from .._utils import format_ids

__all__ = ["shortage_costs"]


def shortage_costs(
    item_ids: Iterable[str],
    suppliers: pd.DataFrame,
    items: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """The cost of a unit short per item, and where the figure comes from.

    Parameters
    ----------
    item_ids : iterable of str
        The items to cost.
    suppliers : pandas.DataFrame
        The ``suppliers`` table (``item_id``, ``unit_cost``).
    items : pandas.DataFrame, optional
        The ``items`` table; its ``backorder_cost`` and ``unit_price`` are used when present.

    Returns
    -------
    pandas.DataFrame
        One row per item: ``item_id``, ``shortage_cost_per_unit`` (currency/unit),
        ``source`` (``"items.backorder_cost"``, ``"items.unit_price"``,
        ``"dearest supplier unit_cost"``), ``price_spread`` (dearest minus cheapest
        supplier unit cost) and ``below_spread`` (a stated cost under the spread).

    Examples
    --------
    >>> import pandas as pd
    >>> sup = pd.DataFrame({"item_id": ["A", "A", "B"], "supplier_id": ["S1", "S2", "S1"],
    ...                     "unit_cost": [28.38, 24.73, 3.0]})
    >>> items = pd.DataFrame({"item_id": ["A", "B"], "unit_price": [53.54, None]})
    >>> shortage_costs(["A", "B"], sup, items)[["item_id", "shortage_cost_per_unit", "source"]]
      item_id  shortage_cost_per_unit                      source
    0       A                   53.54            items.unit_price
    1       B                    3.00  dearest supplier unit_cost
    """
    ids = pd.Index(pd.unique(pd.Series(list(item_ids), dtype="str")), name="item_id")
    want = ids.tolist()
    hi: dict[str, float] = {}
    lo: dict[str, float] = {}
    cost = pd.to_numeric(suppliers["unit_cost"], errors="coerce").to_numpy(dtype=float)
    for iid, c in zip(suppliers["item_id"].astype(str).tolist(), cost.tolist(), strict=True):
        if c == c:  # a missing cost is skipped, as a grouped max/min does
            hi[iid] = max(hi.get(iid, c), c)
            lo[iid] = min(lo.get(iid, c), c)
    value = np.array([hi.get(i, np.nan) for i in want], dtype=float)  # the dearest
    spread = np.array([hi[i] - lo[i] if i in hi else np.nan for i in want], dtype=float)
    source = np.full(len(ids), "dearest supplier unit_cost", dtype=object)
    stated = np.full(len(ids), np.nan)
    if items is not None:
        if "unit_price" in items.columns:
            price = _by_item(items, "unit_price", ids)
            use = np.isfinite(price)
            value = np.where(use, price, value)
            source[use] = "items.unit_price"
        if "backorder_cost" in items.columns:
            stated = _by_item(items, "backorder_cost", ids)
            use = np.isfinite(stated)
            value = np.where(use, stated, value)
            source[use] = "items.backorder_cost"
    return pd.DataFrame(
        {
            "item_id": ids.to_numpy(),
            "shortage_cost_per_unit": value,
            "source": source,
            "price_spread": spread,
            "below_spread": np.isfinite(stated) & (stated < spread - 0.005),
        }
    )


def _by_item(items: pd.DataFrame, col: str, ids: pd.Index) -> np.ndarray:
    """``items[col]`` as numbers (NaN: missing or not a number) for each of ``ids``."""
    keys = items["item_id"].astype(str).tolist()
    row = {k: i for i, k in enumerate(keys)}
    if len(row) != len(keys):  # repeated items: the error a reindex gives
        values = pd.to_numeric(items[col], errors="coerce")
        return values.set_axis(keys).reindex(ids).to_numpy(dtype=float)
    pos = np.array([row.get(i, -1) for i in ids.tolist()], dtype=np.int64)
    v = pd.to_numeric(items[col], errors="coerce").to_numpy(dtype=float)
    return (
        np.where(pos >= 0, v[np.maximum(pos, 0)], np.nan) if len(v) else np.full(len(ids), np.nan)
    )


def note_below_spread(costs: pd.DataFrame) -> str | None:
    """A data note for stated shortage costs below the items' supplier price spread."""
    low = costs[costs["below_spread"]]
    if low.empty:
        return None
    first = low.iloc[0]
    return (
        f"items.backorder_cost of {format_ids(low['item_id'].to_numpy())} items is below the "
        f"price difference between their suppliers (e.g. {first['item_id']}: "
        f"{first['shortage_cost_per_unit']:,.2f} a unit short against a spread of "
        f"{first['price_spread']:,.2f}), so a later, cheaper supplier wins the split even "
        f"while customers wait. Leave it empty to charge the selling price."
    )

"""The cost model per item, read from the ``items`` and ``suppliers`` tables with stated defaults.

:func:`item_costs` turns the data contract's cost columns into the cost vocabulary of
:mod:`~stockout_forecast.policy.costs` (time base in every name), one row per item, and says
per item which figures are defaults. Recommendations, the economic service level and the
report's expected cost all read this one frame.

Defaults (used where a table has no value; every one is a parameter)
--------------------------------------------------------------------
* ``holding_rate_per_year`` = 0.25: a quarter of the unit cost per year (capital, space,
  handling, obsolescence; Silver, Pyke & Thomas put the usual range at 0.20-0.35).
* ``order_cost`` = the supplier's ``order_cost``; 0 where the supplier has none (the
  expected cost then counts no ordering cost, and the report says so).
* ``backorder_cost_per_unit`` = ``items.backorder_cost`` (currency per unit backordered,
  charged once); where missing, ``backorder_cost_ratio`` (default 1.0) x the unit price
  (``items.unit_price``), or x the unit cost when there is no price.
* ``backorder_cost_per_unit_day`` = ``items.backorder_cost_per_unit_day`` when given (a
  cost per unit per day it stays backordered, e.g. a contractual penalty); none by default.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

__all__ = ["item_costs"]

DAYS_PER_YEAR = 365.0


def _columns(frame: pd.DataFrame | None, cols: list[str], ids: pd.Index) -> list[np.ndarray]:
    """Per column of ``cols``, each item's value (its first row in ``frame``) as floats.

    NaN where the item has no row, the value is missing or not a number, or the column is
    absent.
    """
    if frame is None:
        return [np.full(len(ids), np.nan) for _ in cols]
    first: dict[str, int] = {}
    for i, key in enumerate(frame["item_id"].astype(str).tolist()):
        first.setdefault(key, i)
    pos = np.array([first.get(i, -1) for i in ids.tolist()], dtype=np.int64)
    found, take = pos >= 0, np.maximum(pos, 0)
    out = []
    for col in cols:
        if col not in frame.columns or not len(frame):
            out.append(np.full(len(ids), np.nan))
            continue
        v = pd.to_numeric(frame[col], errors="coerce").to_numpy(dtype=float)
        out.append(np.where(found, v[take], np.nan))
    return out


def _check_default(value: float, name: str) -> float:
    v = float(value)
    if not np.isfinite(v) or v < 0:
        raise ValueError(f"{name} must be a number >= 0; got {value!r}.")
    return v


def item_costs(
    items: pd.DataFrame | None = None,
    suppliers: pd.DataFrame | None = None,
    *,
    item_ids: Any = None,
    supplier_ids: Any = None,
    holding_rate_per_year: float = 0.25,
    backorder_cost_ratio: float = 1.0,
) -> pd.DataFrame:
    """Cost model per item: unit cost, holding, ordering and backorder costs with their time base.

    Parameters
    ----------
    items : DataFrame, optional
        The ``items`` table: optional ``holding_cost_rate`` (per year, fraction of unit cost),
        ``unit_price``, ``backorder_cost`` (per unit backordered), ``backorder_cost_per_unit_day``.
    suppliers : DataFrame, optional
        The ``suppliers`` table: ``unit_cost`` and optional ``order_cost`` per item and
        supplier.
    item_ids : sequence, optional
        Items to cost (default: every item of ``items`` and ``suppliers``).
    supplier_ids : sequence or Series, optional
        The supplier each item buys from (aligned with ``item_ids``, or a Series by
        ``item_id``); default the cheapest of its suppliers.
    holding_rate_per_year : float, default 0.25
        Holding cost rate where ``items.holding_cost_rate`` is missing, per year.
    backorder_cost_ratio : float, default 1.0
        Backorder cost per unit, as a multiple of the unit price (of the unit cost without a
        price), where ``items.backorder_cost`` is missing.

    Returns
    -------
    pandas.DataFrame
        One row per item: ``item_id``, ``supplier_id``, ``unit_cost`` (currency/unit),
        ``unit_price``, ``holding_rate_per_year``, ``holding_cost_per_unit_year``,
        ``holding_cost_per_unit_day``, ``order_cost`` (currency/order),
        ``backorder_cost_per_unit``, ``backorder_cost_per_unit_day`` (NaN: not used) and
        ``cost_defaults`` (which figures are the defaults above, "" when none).

    Examples
    --------
    >>> import pandas as pd
    >>> items = pd.DataFrame({"item_id": ["A", "B"], "unit_price": [10.0, None],
    ...                       "backorder_cost": [None, 3.0]})
    >>> sup = pd.DataFrame({"item_id": ["A", "B"], "supplier_id": ["S", "S"],
    ...                     "unit_cost": [6.0, 2.0], "lead_time_days": [5, 5],
    ...                     "order_cost": [20.0, None]})
    >>> c = item_costs(items, sup)
    >>> c[["item_id", "holding_cost_per_unit_year", "order_cost", "backorder_cost_per_unit"]]
      item_id  holding_cost_per_unit_year  order_cost  backorder_cost_per_unit
    0       A                         1.5        20.0                     10.0
    1       B                         0.5         0.0                      3.0
    >>> c["cost_defaults"].tolist()
    ['holding rate, backorder cost', 'holding rate, order cost']
    """
    rate_default = _check_default(holding_rate_per_year, "holding_rate_per_year")
    ratio = _check_default(backorder_cost_ratio, "backorder_cost_ratio")
    if item_ids is None:
        found: set[str] = set()
        for frame in (items, suppliers):
            if frame is not None:
                found |= set(frame["item_id"].astype(str))
        ids = pd.Index(sorted(found), name="item_id")
    else:
        ids = pd.Index([str(i) for i in item_ids], name="item_id")
    chosen = _chosen_supplier(suppliers, ids, supplier_ids)
    unit_cost = chosen["unit_cost"].to_numpy(dtype=float)
    order_cost = chosen["order_cost"].to_numpy(dtype=float)
    rate, price, backorder, per_day = _columns(
        items,
        ["holding_cost_rate", "unit_price", "backorder_cost", "backorder_cost_per_unit_day"],
        ids,
    )
    notes: list[list[str]] = [[] for _ in range(len(ids))]
    for i in np.flatnonzero(np.isnan(rate)):
        notes[i].append("holding rate")
    for i in np.flatnonzero(np.isnan(order_cost)):
        notes[i].append("order cost")
    for i in np.flatnonzero(np.isnan(backorder)):
        notes[i].append("backorder cost")
    rate = np.where(np.isnan(rate), rate_default, rate)
    base = np.where(np.isfinite(price), price, unit_cost)
    backorder = np.where(np.isnan(backorder), ratio * base, backorder)
    h_year = rate * unit_cost
    return pd.DataFrame(
        {
            "item_id": ids.to_numpy(),
            "supplier_id": chosen["supplier_id"].to_numpy(),
            "unit_cost": unit_cost,
            "unit_price": price,
            "holding_rate_per_year": rate,
            "holding_cost_per_unit_year": h_year,
            "holding_cost_per_unit_day": h_year / DAYS_PER_YEAR,
            "order_cost": np.where(np.isnan(order_cost), 0.0, order_cost),
            "backorder_cost_per_unit": backorder,
            "backorder_cost_per_unit_day": per_day,
            "cost_defaults": [", ".join(n) for n in notes],
        }
    )


def _chosen_supplier(sup: pd.DataFrame | None, ids: pd.Index, supplier_ids: Any) -> pd.DataFrame:
    """The supplier row each item buys from: the one given, else its cheapest."""
    cols = ["supplier_id", "unit_cost", "order_cost"]
    if sup is None or not len(sup):
        return pd.DataFrame(np.nan, index=ids, columns=cols).assign(supplier_id=None)
    if supplier_ids is None:
        sup = sup.assign(
            item_id=sup["item_id"].astype(str),
            order_cost=sup["order_cost"] if "order_cost" in sup.columns else np.nan,
            supplier_id=sup["supplier_id"].astype(str),
        )
        best = sup.sort_values(["item_id", "unit_cost", "supplier_id"]).drop_duplicates("item_id")
        return best.set_index("item_id").reindex(ids)[cols]
    want = (
        supplier_ids.astype(str).reindex(ids)
        if isinstance(supplier_ids, pd.Series)
        else pd.Series([None if s is None else str(s) for s in supplier_ids], index=ids)
    )
    first: dict[tuple[str, str], int] = {}
    pairs = zip(
        sup["item_id"].astype(str).tolist(), sup["supplier_id"].astype(str).tolist(), strict=True
    )
    for i, key in enumerate(pairs):
        first.setdefault(key, i)
    pos = np.array(
        [first.get(p, -1) for p in zip(ids.tolist(), want.tolist(), strict=True)], dtype=np.int64
    )
    found, take = pos >= 0, np.maximum(pos, 0)
    unit_cost = np.where(found, sup["unit_cost"].to_numpy(dtype=float)[take], np.nan)
    order_cost = (
        np.where(found, sup["order_cost"].to_numpy(dtype=float)[take], np.nan)
        if "order_cost" in sup.columns
        else np.full(len(ids), np.nan)
    )
    out = pd.DataFrame({"unit_cost": unit_cost, "order_cost": order_cost}, index=ids)
    out.insert(0, "supplier_id", want.where(~np.isnan(unit_cost), None))
    return out

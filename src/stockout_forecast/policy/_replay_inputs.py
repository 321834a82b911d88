"""What a replay reads: demand matrices, per-item values, policies, lead times and costs.

Every reader accepts the forms :func:`~stockout_forecast.simulate_policy` documents (arrays,
Series or DataFrames by ``item_id``, mappings, policy objects) and returns float arrays
aligned with the replay's items, with errors that name the items to fix.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from .._utils import format_ids
from ..history.panel import DemandHistory
from .policies import is_policy, replay_mapping

_COST_KEYS = ("unit_cost", "holding_cost_per_unit_period", "order_cost", "backorder_cost_per_unit")
#: names accepted for one release (DeprecationWarning), and the lost-sales synonym
_COST_ALIASES = {
    "holding_cost": "holding_cost_per_unit_period",
    "shortage_cost": "backorder_cost_per_unit",
    "lost_sale_cost_per_unit": "backorder_cost_per_unit",
}
_DEPRECATED_COST_KEYS = ("holding_cost", "shortage_cost")


def _demand_matrix(
    demand: Any, item_ids: Sequence[Any] | None
) -> tuple[np.ndarray, np.ndarray, pd.Index]:
    """(units (n, T), item_ids (n,), periods) from the accepted demand formats."""
    if isinstance(demand, DemandHistory):
        units = np.nan_to_num(demand.units, nan=0.0)
        return units, np.asarray(demand.item_ids).astype(str), pd.Index(demand.periods)
    if isinstance(demand, pd.DataFrame):
        if {"item_id", "date", "units"}.issubset(demand.columns):
            wide = demand.pivot_table(
                index="item_id", columns="date", values="units", aggfunc="sum", fill_value=0.0
            )
            wide.index = wide.index.astype(str)
            return (
                wide.to_numpy(dtype=float),
                wide.index.to_numpy().astype(str),
                pd.Index(wide.columns),
            )
        units = demand.to_numpy(dtype=float, na_value=np.nan)
        ids = np.asarray(demand.index).astype(str)
        return np.nan_to_num(units, nan=0.0), ids, pd.Index(demand.columns)
    units = np.asarray(demand, dtype=float)
    if units.ndim == 1:
        units = units[None, :]
    if units.ndim != 2:
        raise ValueError(f"demand must be 2-D (n_items, n_periods); got shape {units.shape}.")
    if item_ids is None:
        ids = np.array([str(i) for i in range(units.shape[0])])
    else:
        ids = np.asarray(list(item_ids)).astype(str)
        if len(ids) != units.shape[0]:
            raise ValueError(f"item_ids has {len(ids)} labels for {units.shape[0]} demand rows.")
    return np.nan_to_num(units, nan=0.0), ids, pd.RangeIndex(units.shape[1], name="period")


def _per_item(value: Any, ids: np.ndarray, name: str, default: float = np.nan) -> np.ndarray:
    """A per-item float array aligned with ``ids`` from a scalar, array, Series or None."""
    n = len(ids)
    if value is None:
        return np.full(n, default)
    if isinstance(value, pd.Series):
        s = value.copy()
        s.index = s.index.astype(str)
        missing = [i for i in ids if i not in s.index]
        if missing:
            raise ValueError(
                f"{name} has no value for {format_ids(missing)} items; "
                f"give every item a value (NaN where unknown)."
            )
        return s.reindex(ids).to_numpy(dtype=float, na_value=np.nan)
    arr = np.asarray(value, dtype=float)
    if arr.ndim == 0:
        return np.full(n, float(arr))
    if arr.shape != (n,):
        raise ValueError(f"{name} has shape {arr.shape}; expected ({n},) — one value per item.")
    return arr.copy()


def _policy_arrays(policy: Any, ids: np.ndarray) -> dict[str, np.ndarray]:
    """Per-item ``reorder_point``, ``order_quantity``, ``order_up_to``, ``moq_units``, ``pack_units``."""
    if is_policy(policy):
        policy = replay_mapping(policy)
    if isinstance(policy, pd.DataFrame):
        frame = policy.set_index("item_id") if "item_id" in policy.columns else policy
        frame = frame.copy()
        frame.index = frame.index.astype(str)
        if frame.index.has_duplicates:
            dup = frame.index[frame.index.duplicated()].unique().tolist()
            raise ValueError(f"policy has duplicate item_id {format_ids(dup)}; one row per item.")
        frame = frame.reindex(ids)
        cols = {c: frame[c] for c in frame.columns}
    elif isinstance(policy, Mapping):
        cols = dict(policy)
    else:
        raise TypeError(
            "policy must be a policy object (ContinuousReview, PeriodicReview, "
            "PeriodicReorderPoint), a DataFrame (one row per item) or a mapping of per-item "
            f"arrays with 'reorder_point' and 'order_quantity' or 'order_up_to'; "
            f"got {type(policy).__name__}."
        )
    if "reorder_point" not in cols and "order_up_to" not in cols:
        raise ValueError(
            f"policy needs a 'reorder_point' column (and 'order_quantity' or 'order_up_to'); "
            f"found {sorted(map(str, cols))}."
        )
    out = {}
    for key in ("reorder_point", "order_quantity", "order_up_to", "moq_units", "pack_units"):
        val = cols.get(key)
        if isinstance(val, pd.Series) and not isinstance(policy, pd.DataFrame):
            out[key] = _per_item(val, ids, f"policy[{key!r}]")
        elif isinstance(val, pd.Series):
            out[key] = val.to_numpy(dtype=float, na_value=np.nan)
        else:
            out[key] = _per_item(val, ids, f"policy[{key!r}]")
    if "reorder_point" not in cols:  # pure (R, S): order whenever below S
        out["reorder_point"] = out["order_up_to"].copy()
    both = np.isfinite(out["order_quantity"]) & np.isfinite(out["order_up_to"])
    if both.any():
        raise ValueError(
            f"policy gives both order_quantity and order_up_to for {format_ids(ids[both])} "
            f"items; give one per item (Q for (s, Q), S for (s, S) / (R, S))."
        )
    q = out["order_quantity"]
    if (q < 0).any():
        raise ValueError(f"order_quantity must be >= 0; found {format_ids(ids[q < 0])} items.")
    # Q = 0 is "no order" (as round_order_quantity returns for a wanted quantity of 0): the
    # item never reorders and is reported with status "no_policy", like a missing policy
    out["order_quantity"] = np.where(q == 0, np.nan, q)
    return out


def _lead_times(
    lead_times: Any,
    ids: np.ndarray,
    rounding: str,
    rng: np.random.Generator,
    rows_to_item: np.ndarray | None = None,
) -> tuple[np.ndarray | None, Any, np.ndarray]:
    """Return (fixed per-row int lead times or None, draw function or None, mean per item)."""

    def to_int(x: np.ndarray) -> np.ndarray:
        x = np.asarray(x, dtype=float)
        r = np.ceil(x - 1e-9) if rounding == "up" else np.floor(x + 0.5)
        return np.maximum(r, 0).astype(np.int64)

    n = len(ids)
    if isinstance(lead_times, pd.DataFrame):
        frame = lead_times.set_index("item_id") if "item_id" in lead_times.columns else lead_times
        frame = frame.copy()
        frame.index = frame.index.astype(str)
        need = {"lead_time_mean", "lead_time_sd"}
        if not need.issubset(frame.columns):
            raise ValueError(
                f"lead_times as a DataFrame needs columns {sorted(need)} (periods); "
                f"found {list(frame.columns)}."
            )
        missing = [i for i in ids if i not in frame.index]
        if missing:
            raise ValueError(f"lead_times has no row for {format_ids(missing)} items.")
        mean = frame["lead_time_mean"].reindex(ids).to_numpy(dtype=float)
        sd = np.nan_to_num(frame["lead_time_sd"].reindex(ids).to_numpy(dtype=float), nan=0.0)
        _check_lead(mean, ids)
        with np.errstate(divide="ignore", invalid="ignore"):
            shape = np.where(sd > 0, (mean / sd) ** 2, np.inf)
            scale = np.where(sd > 0, sd * sd / np.maximum(mean, 1e-12), 0.0)
        r2i = np.arange(n) if rows_to_item is None else rows_to_item

        def draw(rows: np.ndarray) -> np.ndarray:
            items = r2i[rows]
            sh, sc, mu = shape[items], scale[items], mean[items]
            random = np.isfinite(sh) & (mu > 0)
            val = mu.copy()
            if random.any():
                val[random] = rng.gamma(sh[random], sc[random])
            return to_int(val)

        return None, draw, mean
    arr = (
        lead_times.reindex(ids).to_numpy(dtype=float)
        if isinstance(lead_times, pd.Series)
        else np.asarray(lead_times, dtype=float)
    )
    if isinstance(lead_times, pd.Series):
        lt_index = pd.Index(lead_times.index.astype(str))
        missing = [i for i in ids if i not in lt_index]
        if missing:
            raise ValueError(f"lead_times has no value for {format_ids(missing)} items.")
    if arr.ndim == 0:
        arr = np.full(n, float(arr))
    if arr.ndim == 2:
        if arr.shape[0] != n:
            raise ValueError(f"lead_times samples have {arr.shape[0]} rows for {n} items.")
        if np.isnan(arr).any() or (arr < 0).any():
            raise ValueError("lead_times samples must be non-negative numbers without NaN.")
        samples = arr
        r2i = np.arange(n) if rows_to_item is None else rows_to_item

        def draw_sample(rows: np.ndarray) -> np.ndarray:
            pick = rng.integers(0, samples.shape[1], size=len(rows))
            return to_int(samples[r2i[rows], pick])

        return None, draw_sample, samples.mean(axis=1)
    if arr.shape != (n,):
        raise ValueError(f"lead_times has shape {arr.shape}; expected a scalar or ({n},).")
    _check_lead(arr, ids)
    fixed = to_int(arr)
    if rows_to_item is not None:
        fixed = fixed[rows_to_item]
    return fixed, None, arr


def _check_lead(mean: np.ndarray, ids: np.ndarray) -> None:
    bad = np.isnan(mean) | (mean < 0)
    if bad.any():
        raise ValueError(
            f"lead_times must be non-negative numbers of periods; missing or negative for "
            f"{format_ids(ids[bad])} items. Fill them (e.g. from the supplier's stated lead time)."
        )


def _canonical_cost_keys(keys: Sequence[str]) -> dict[str, str]:
    """Map given cost keys to the vocabulary; warn for old names, refuse unknown ones."""
    out: dict[str, str] = {}
    unknown = sorted(k for k in keys if _COST_ALIASES.get(k, k) not in _COST_KEYS)
    if unknown:
        raise ValueError(
            f"Unknown cost keys {unknown}; expected some of {list(_COST_KEYS)} (or "
            "'lost_sale_cost_per_unit' with backorders=False)."
        )
    for key in keys:
        new = _COST_ALIASES.get(key, key)
        if new in out.values():
            raise ValueError(f"costs give {new!r} twice (under two names); give it once.")
        out[key] = new
    for key in keys:
        if key in _DEPRECATED_COST_KEYS:
            warnings.warn(
                f"simulate_policy(costs=...): {key!r} is renamed {out[key]!r} (the time base "
                "is in the name); the old name will be removed in the next release.",
                DeprecationWarning,
                stacklevel=4,
            )
    return out


def _costs(costs: Any, ids: np.ndarray) -> dict[str, np.ndarray]:
    """Per-item costs in the replay's vocabulary (old key names accepted with a warning)."""
    out = {k: np.full(len(ids), np.nan if k == "unit_cost" else 0.0) for k in _COST_KEYS}
    if costs is None:
        return out
    if isinstance(costs, pd.DataFrame):
        frame = costs.set_index("item_id") if "item_id" in costs.columns else costs
        frame = frame.copy()
        frame.index = frame.index.astype(str)
        known = [c for c in frame.columns if _COST_ALIASES.get(c, c) in _COST_KEYS]
        names = _canonical_cost_keys(known)
        src = {names[c]: frame[c].reindex(ids) for c in known}
    elif isinstance(costs, Mapping):
        names = _canonical_cost_keys(list(map(str, costs)))
        src = {names[str(k)]: v for k, v in costs.items()}
    else:
        raise TypeError(f"costs must be a mapping or a DataFrame; got {type(costs).__name__}.")
    for key, val in src.items():
        arr = _per_item(val, ids, f"costs[{key!r}]")
        if (arr < 0).any():
            raise ValueError(f"costs[{key!r}] must not be negative.")
        out[key] = np.where(np.isnan(arr), out[key], arr) if key != "unit_cost" else arr
    return out

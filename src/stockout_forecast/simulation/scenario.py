"""The simulation's scenario: checked inputs as arrays, ready for the engine.

:func:`prepare_scenario` reads the forecast, the inventory snapshot and the open purchase
orders once and returns a frozen :class:`Scenario`: the items (sorted union of forecast,
inventory and open-PO items), their available stock, status and reason, the open order
lines with their arrival offsets and lateness parameters, the chunk size and the entropy
that seeds every demand path. Nothing here draws a random number.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from .._inventory import open_purchase_orders, stock_position
from .._utils import (
    RandomStateLike,
    check_columns,
    check_int,
    check_random_state,
    format_ids,
)
from ..exceptions import SchemaError
from ..history.panel import DAYS_PER_PERIOD, next_period_start
from ..io.validation import validate_table

__all__ = [
    "DEFAULT_MEMORY_BUDGET_MB",
    "SEED_BLOCK_ITEMS",
    "Scenario",
    "offset_to_period",
    "prepare_scenario",
]

#: Items per seed block: block ``b`` (forecast rows ``64 b`` to ``64 b + 63``) always draws its
#: demand paths from the same random stream, whatever the chunk size. Chunks are whole blocks.
SEED_BLOCK_ITEMS = 64
#: Default memory budget for the per-chunk working arrays, MiB.
DEFAULT_MEMORY_BUDGET_MB = 512.0
# bytes per (item, path, period) cell held at once in a chunk: demand paths and cumulative
# demand (2 x float64) and the stockout mask (bool) make 17; 8 more are headroom for the seed
# block being drawn by the forecast. With lead-time uncertainty the per-path receipts add 8.
_CELL_BYTES = 25
_CELL_BYTES_STOCHASTIC = 33
_CELL_BYTES_LOST_SALES = 8  # the time-major copy of the paths used by the lost-sales recursion
_STATUS_OK = "ok"


# ----------------------------------------------------------------------------- scenario
@dataclass(frozen=True, eq=False)
class Scenario:
    """Everything needed to re-simulate any item exactly (kept by the result for plots).

    Built by :func:`prepare_scenario`; run by :mod:`.engine`. Rows are the result's items
    (``item_ids``); ``fpos`` maps each to its forecast row, whose seed block fixes its
    demand paths. Open purchase-order lines are kept one entry each (``po_*``).
    """

    forecast: Any
    item_ids: np.ndarray  # result order (sorted union of forecast, inventory and open-PO items)
    fpos: np.ndarray  # row in the forecast, -1 when absent
    on_hand: np.ndarray
    available: np.ndarray  # on_hand - backordered - allocated; NaN without inventory
    computable: np.ndarray
    status: np.ndarray
    reason: np.ndarray
    dates: pd.DatetimeIndex
    bounds: np.ndarray  # day offsets of period starts from dates[0], length horizon + 1
    freq: str
    # open purchase-order lines, one entry each
    po_row: np.ndarray  # result row of the item
    po_offset: np.ndarray  # expected arrival, days from dates[0] (overdue lines clipped to 0)
    po_units: np.ndarray
    po_slot: np.ndarray  # rank of the line among its item's open lines (input order)
    po_p_on: np.ndarray  # on-time probability (NaN = deterministic line)
    po_sd: np.ndarray  # lateness scale, days
    n_paths: int
    lost_sales: bool
    entropy: int
    chunk_items: int
    n_jobs: int
    #: seed block of forecast row 0 in the whole item list (a chunk of a larger run)
    block_offset: int = 0
    #: demand paths kept per forecast row (``keep_paths=True``), drawn once and reused
    paths: np.ndarray | None = None
    paths_ready: np.ndarray | None = None
    #: their running sums along the periods, kept likewise (by a forecast that keeps its
    #: paths between calls: ``kept_path_arrays``)
    cum_paths: np.ndarray | None = None
    cum_ready: np.ndarray | None = None

    @property
    def horizon(self) -> int:
        """Forecast periods simulated."""
        return len(self.dates)

    @property
    def stochastic(self) -> bool:
        """Whether any open purchase order arrives at a random date."""
        return bool(np.isfinite(self.po_p_on).any())


def _check_forecast(forecast: Any) -> None:
    needed = ("item_ids", "dates", "freq", "mean", "sample_paths")
    missing = [a for a in needed if not hasattr(forecast, a)]
    if missing:
        raise TypeError(
            f"forecast must be a DemandForecast (from forecast_demand() or "
            f"DemandForecast.from_mean()); got {type(forecast).__name__} without {missing}."
        )


def _period_bounds(dates: pd.DatetimeIndex, freq: str) -> np.ndarray:
    """Day offsets from ``dates[0]`` of each period start and of the end of the last period."""
    nxt = next_period_start(dates[-1], freq)  # weeks may start on any weekday
    allb = dates.append(pd.DatetimeIndex([nxt]))
    days = np.asarray(allb.values, dtype="datetime64[D]")
    return (days - days[0]).astype(np.int64)


def offset_to_period(offset: np.ndarray, bounds: np.ndarray) -> np.ndarray:
    """Period index of a day offset; offsets before the start map to 0, after the end to H."""
    idx = np.searchsorted(bounds, offset, side="right") - 1
    return np.clip(idx, 0, len(bounds) - 1)


def prepare_scenario(
    forecast: Any,
    inventory: pd.DataFrame,
    purchase_orders: pd.DataFrame | None,
    *,
    items: Any,
    horizon: int | None,
    n_paths: int,
    lost_sales: bool,
    lead_time_uncertainty: pd.DataFrame | None,
    chunk_size: int | None,
    memory_budget_mb: float,
    n_jobs: int,
    random_state: RandomStateLike,
    entropy: int | None = None,
    block_offset: int = 0,
    keep_paths: bool = False,
) -> Scenario:
    """Check the inputs of :func:`~stockout_forecast.stockout_dates` and lay them out as arrays.

    Parameters are those of :func:`~stockout_forecast.stockout_dates`; ``entropy``, when
    given, replaces the one drawn from ``random_state`` (to re-run a scenario exactly).
    ``block_offset`` and ``keep_paths`` are those of :func:`~stockout_forecast.stockout_dates`.

    Returns
    -------
    Scenario
        Items in result order with status ``"ok"``, ``"no_forecast"`` or
        ``"no_inventory"`` and a reason; only ``computable`` items are simulated.
    """
    _check_forecast(forecast)
    n_paths = check_int(n_paths, "n_paths")
    n_jobs = check_int(n_jobs, "n_jobs")
    if not isinstance(lost_sales, (bool, np.bool_)):
        raise TypeError(f"lost_sales must be True or False; got {lost_sales!r}.")
    dates, freq = _horizon_dates(forecast, horizon)
    inv = validate_table(inventory, "inventory", reader="read_inventory")
    po = (
        open_purchase_orders(validate_table(purchase_orders, "purchase_orders", allow_empty=True))
        if purchase_orders is not None
        else None
    )
    item_ids = _item_universe(forecast, inv, po, items)
    fpos = pd.Index(np.asarray(forecast.item_ids).astype(str)).get_indexer(item_ids)
    stock = stock_position(inv, item_ids)
    computable, status, reason = _item_status(
        forecast, item_ids, fpos, stock.in_inventory, len(dates)
    )
    lines, reason = _open_lines(po, item_ids, dates, lead_time_uncertainty, reason)
    chunk_items = _chunk_items(
        chunk_size,
        memory_budget_mb,
        per_item_cells=n_paths * len(dates),
        stochastic=bool(np.isfinite(lines["po_p_on"]).any()),
        lost_sales=bool(lost_sales),
        n_jobs=n_jobs,
    )
    if entropy is None:
        rng = check_random_state(random_state)
        entropy = int(rng.integers(0, 2**63 - 1))
    block_offset = check_int(block_offset, "block_offset", minimum=0)
    kept = _kept_arrays(forecast, keep_paths, n_paths, len(dates), entropy, block_offset)
    return Scenario(
        forecast=forecast,
        item_ids=item_ids,
        fpos=fpos,
        on_hand=stock.on_hand,
        available=stock.available,
        computable=computable,
        status=status,
        reason=reason,
        dates=dates,
        bounds=_period_bounds(dates, freq),
        freq=freq,
        n_paths=n_paths,
        lost_sales=bool(lost_sales),
        entropy=entropy,
        chunk_items=chunk_items,
        n_jobs=n_jobs,
        block_offset=block_offset,
        **kept,
        **lines,
    )


def _kept_arrays(
    forecast: Any, keep: bool, n_paths: int, horizon: int, entropy: int, block_offset: int
) -> dict[str, Any]:
    """Where the scenario keeps its demand paths and their running sums (``keep_paths``).

    A forecast may keep them between calls: its ``kept_path_arrays(n_paths=, horizon=,
    entropy=, block_offset=)`` returns the four arrays (paths, their ready flags, running
    sums, their ready flags, per forecast row), filled as the simulation draws, or None.
    Otherwise the paths are kept for this scenario alone (no running sums).
    """
    if not keep:
        return {}
    hook = getattr(forecast, "kept_path_arrays", None)
    got = None
    if hook is not None:
        got = hook(n_paths=n_paths, horizon=horizon, entropy=entropy, block_offset=block_offset)
    if got is not None:
        return dict(zip(("paths", "paths_ready", "cum_paths", "cum_ready"), got, strict=True))
    n_f = len(forecast.item_ids)
    return {
        "paths": np.empty((n_f, n_paths, horizon)),
        "paths_ready": np.zeros(n_f, dtype=bool),
    }


def _horizon_dates(forecast: Any, horizon: int | None) -> tuple[pd.DatetimeIndex, str]:
    """The simulated periods' start dates (the first ``horizon`` of the forecast) and freq."""
    fdates = pd.DatetimeIndex(forecast.dates)
    h_max = len(fdates)
    if horizon is None:
        horizon = h_max
    horizon = check_int(horizon, "horizon")
    if horizon > h_max:
        raise ValueError(
            f"horizon={horizon} is longer than the forecast ({h_max} periods from "
            f"{fdates[0]:%Y-%m-%d}). Forecast further with forecast_demand(..., horizon="
            f"{horizon}) or pass horizon<={h_max}."
        )
    freq = str(forecast.freq)
    if freq not in DAYS_PER_PERIOD:
        raise ValueError(f"forecast.freq must be 'D', 'W' or 'M'; got {freq!r}.")
    return fdates[:horizon], freq


def _item_universe(
    forecast: Any, inv: pd.DataFrame, po: pd.DataFrame | None, items: Any
) -> np.ndarray:
    """Result items: ``items`` in the given order, else the sorted union of all inputs."""
    f_ids = np.asarray(forecast.item_ids).astype(str)
    universe = set(f_ids) | set(inv["item_id"])
    if po is not None:
        universe |= set(po["item_id"])
    if items is None:
        return np.asarray(sorted(universe), dtype=object).astype(str)
    wanted = [str(i) for i in (items.tolist() if hasattr(items, "tolist") else items)]
    unknown = [i for i in wanted if i not in universe]
    if unknown:
        raise KeyError(
            f"items {format_ids(unknown)} are in none of forecast, inventory or "
            f"purchase_orders. Check the ids (they are compared as strings)."
        )
    return np.asarray(list(dict.fromkeys(wanted)), dtype=object).astype(str)


def _forecast_flags(forecast: Any, item_ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The forecast's status and reason per item (``"ok"`` and "" when it carries none)."""
    fstat = getattr(forecast, "status", None)
    if isinstance(fstat, pd.DataFrame) and len(fstat) and "status" in fstat.columns:
        labels = pd.Index(fstat.index.astype("str"))
        if labels.is_unique:  # a lookup by position (reindex, in numpy)
            return _flags_at(fstat, labels.get_indexer(pd.Index(item_ids, dtype="str")))
    idx = pd.Index(item_ids)
    f_status = pd.Series(_STATUS_OK, index=idx, dtype="str")
    f_reason = pd.Series("", index=idx, dtype="str")
    if isinstance(fstat, pd.DataFrame) and len(fstat) and "status" in fstat.columns:
        fs = fstat["status"].astype("str").set_axis(fstat.index.astype("str"))
        f_status = fs.reindex(idx).fillna(_STATUS_OK)
        if "reason" in fstat.columns:
            fr = fstat["reason"].astype("str").set_axis(fstat.index.astype("str"))
            f_reason = fr.reindex(idx).fillna("").replace("nan", "")
    return f_status.to_numpy(dtype=object), f_reason.to_numpy(dtype=object)


def _flags_at(fstat: pd.DataFrame, pos: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The status and reason of ``fstat``'s rows ``pos`` (-1: none), as :func:`_forecast_flags`.

    A missing status is ``"ok"``; a missing reason, or the text ``"nan"``, is "".
    """
    found = pos >= 0
    at = np.maximum(pos, 0)
    st = fstat["status"].astype("str").to_numpy(dtype=object)[at]
    status = np.where(found & ~pd.isna(st), st, _STATUS_OK).astype(object)
    reason = np.full(len(pos), "", dtype=object)
    if "reason" in fstat.columns:
        rs = fstat["reason"].astype("str").to_numpy(dtype=object)[at]
        ok = found & ~pd.isna(rs)
        reason = np.where(ok & (rs != "nan"), rs, "").astype(object)
    return status, reason


def _item_status(
    forecast: Any, item_ids: np.ndarray, fpos: np.ndarray, has_inv: np.ndarray, horizon: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Which items can be simulated, and each item's status and reason."""
    n = len(item_ids)
    mean = np.asarray(forecast.mean, dtype=float)
    has_fc = fpos >= 0
    fc_ok = np.zeros(n, dtype=bool)
    fc_ok[has_fc] = np.isfinite(mean[fpos[has_fc], :horizon]).all(axis=1)
    f_status, f_reason = _forecast_flags(forecast, item_ids)
    flagged = f_status != _STATUS_OK
    why = np.where(flagged, " (" + f_status + ": " + f_reason + ")", "")
    computable = has_fc & fc_ok & has_inv
    status = np.select(
        [~has_fc | ~fc_ok, ~has_inv], ["no_forecast", "no_inventory"], _STATUS_OK
    ).astype(object)
    reason = np.full(n, "", dtype=object)
    reason = _note(
        reason, ~has_fc, "not in the forecast (no sales history?); forecast it to simulate"
    )
    reason = np.where(has_fc & ~fc_ok, "the forecast has no demand for it" + why, reason).astype(
        object
    )
    reason = _note(
        reason, ~has_inv, "not in the inventory snapshot; add a row with on_hand_units (0 if none)"
    )
    with_reason = f_reason != ""
    reason = np.where(
        computable & flagged,
        np.where(
            with_reason,
            "forecast flagged " + f_status + ": " + f_reason,
            "forecast flagged " + f_status,
        ),
        reason,
    ).astype(object)
    return computable, status, reason


def _open_lines(
    po: pd.DataFrame | None,
    item_ids: np.ndarray,
    dates: pd.DatetimeIndex,
    lead_time_uncertainty: pd.DataFrame | None,
    reason: np.ndarray,
) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """The open lines of the result's items as ``po_*`` arrays; reasons note what was assumed."""
    n = len(item_ids)
    if po is None or not len(po):
        return {
            "po_row": np.zeros(0, dtype=np.int64),
            "po_offset": np.zeros(0, dtype=np.int64),
            "po_units": np.zeros(0),
            "po_slot": np.zeros(0, dtype=np.int64),
            "po_p_on": np.zeros(0),
            "po_sd": np.zeros(0),
        }, reason
    prow = pd.Index(item_ids).get_indexer(po["item_id"].to_numpy())
    keep = prow >= 0
    po = po.loc[keep]
    prow = prow[keep]
    exp = pd.DatetimeIndex(po["expected_date"])
    offset = np.asarray((exp.normalize() - dates[0]).days, dtype=np.int64)
    overdue = offset < 0
    p_on = np.full(len(po), np.nan)
    sd = np.full(len(po), np.nan)
    if lead_time_uncertainty is not None:
        p_on, sd, missing_lt = _lateness_params(po, lead_time_uncertainty)
        if missing_lt.any():
            reason = _note_missing_spread(reason, po, prow, missing_lt, n)
    has_overdue = np.zeros(n, dtype=bool)
    has_overdue[prow[overdue]] = True
    reason = _note(
        reason,
        has_overdue,
        "an open order is overdue: assumed to arrive on the first forecast day",
    )
    return {
        "po_row": prow,
        "po_offset": np.maximum(offset, 0),
        "po_units": po["open_units"].to_numpy(dtype=float),
        "po_slot": _rank_in_group(prow),
        "po_p_on": p_on,
        "po_sd": sd,
    }, reason


def _rank_in_group(group: np.ndarray) -> np.ndarray:
    """Each entry's rank among the entries of its group, in order (``groupby.cumcount``)."""
    order = np.argsort(group, kind="stable")
    g = group[order]
    starts = np.flatnonzero(np.r_[True, g[1:] != g[:-1]]) if len(g) else np.zeros(0, np.int64)
    run = np.repeat(starts, np.diff(np.r_[starts, len(g)]))
    rank = np.empty(len(group), dtype=np.int64)
    rank[order] = np.arange(len(group)) - run
    return rank


def _note_missing_spread(
    reason: np.ndarray, po: pd.DataFrame, prow: np.ndarray, missing_lt: np.ndarray, n: int
) -> np.ndarray:
    """Note, per item, the suppliers of open lines without a lead-time spread."""
    sups = (
        pd.Series(po["supplier_id"].to_numpy(dtype=object)[missing_lt])
        .groupby(prow[missing_lt])
        .agg(lambda x: ", ".join(sorted(set(x))))
    )
    text = np.full(n, "", dtype=object)
    text[sups.index.to_numpy()] = (
        "no lead-time spread for supplier "
        + sups.to_numpy(dtype=object)
        + ": its open order is assumed to arrive on the expected date"
    )
    return np.where(text != "", np.where(reason == "", text, reason + "; " + text), reason).astype(
        object
    )


def _chunk_items(
    chunk_size: int | None,
    memory_budget_mb: float,
    *,
    per_item_cells: int,
    stochastic: bool,
    lost_sales: bool,
    n_jobs: int,
) -> int:
    """Items simulated at once: whole seed blocks, from ``chunk_size`` or the memory budget."""
    if chunk_size is not None:
        chunk_size = check_int(chunk_size, "chunk_size")
        return math.ceil(chunk_size / SEED_BLOCK_ITEMS) * SEED_BLOCK_ITEMS
    if not memory_budget_mb > 0:
        raise ValueError(f"memory_budget_mb must be positive; got {memory_budget_mb!r}.")
    cell = _CELL_BYTES_STOCHASTIC if stochastic else _CELL_BYTES
    cell += _CELL_BYTES_LOST_SALES if lost_sales else 0
    per_item = per_item_cells * cell
    fit = int(memory_budget_mb * 2**20 / n_jobs // per_item)
    return max(1, fit // SEED_BLOCK_ITEMS) * SEED_BLOCK_ITEMS


def _note(reason: np.ndarray, mask: np.ndarray, note: str) -> np.ndarray:
    """Append ``note`` to the reasons where ``mask`` holds ("; "-separated)."""
    joined = np.where(reason == "", note, reason + "; " + note)
    return np.where(mask, joined, reason).astype(object)


def _lateness_params(
    po: pd.DataFrame, lt: pd.DataFrame
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """On-time probability and lateness scale per open PO line from a lead_time_history frame."""
    if not isinstance(lt, pd.DataFrame):
        raise TypeError(
            "lead_time_uncertainty must be None or the DataFrame returned by "
            f"lead_time_history(); got {type(lt).__name__}."
        )
    check_columns(
        lt,
        "lead_time_uncertainty",
        ["item_id", "supplier_id", "lead_time_sd_days"],
        "Pass the frame returned by lead_time_history(purchase_orders, suppliers).",
    )
    # the last row of each (item, supplier) pair, as drop_duplicates(keep="last") keeps
    last: dict[tuple[str, str], int] = {}
    pairs = zip(
        lt["item_id"].astype(str).tolist(), lt["supplier_id"].astype(str).tolist(), strict=True
    )
    for k, pair in enumerate(pairs):
        last[pair] = k
    kept = np.fromiter(sorted(last.values()), dtype=np.int64, count=len(last))
    lines = zip(
        po["item_id"].astype(str).tolist(), po["supplier_id"].astype(str).tolist(), strict=True
    )
    pos = np.fromiter((last.get(p, -1) for p in lines), dtype=np.int64, count=len(po))
    sd_all = pd.to_numeric(lt["lead_time_sd_days"], errors="coerce").to_numpy(dtype=float)
    if "on_time_rate" in lt.columns:
        ot_all = pd.to_numeric(lt["on_time_rate"], errors="coerce").to_numpy(dtype=float)
    else:
        ot_all = np.full(len(lt), np.nan)
    if (sd_all[kept] < 0).any():
        raise SchemaError("lead_time_uncertainty.lead_time_sd_days must not be negative.")
    found = pos >= 0
    sd = np.where(found, sd_all[np.maximum(pos, 0)], np.nan)
    ot = np.where(found, ot_all[np.maximum(pos, 0)], np.nan)
    bad = np.isfinite(ot) & ((ot < 0) | (ot > 1))
    if bad.any():
        raise SchemaError(
            f"lead_time_uncertainty.on_time_rate must be a fraction in [0, 1]; found "
            f"{ot[bad][:3].tolist()}."
        )
    informative = found & ((np.isfinite(sd) & (sd > 0)) | (np.isfinite(ot) & (ot < 1)))
    # no on-time rate: the expected date is taken as the median arrival (P(on time) = 0.5)
    p_on = np.where(informative, np.where(np.isfinite(ot), ot, 0.5), np.nan)
    scale = np.where(informative, np.nan_to_num(sd), np.nan)
    return p_on, scale, ~found

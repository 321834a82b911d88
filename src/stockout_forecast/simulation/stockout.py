"""Stockout-date distributions from demand sample paths.

:func:`stockout_dates` pushes the forecast's demand sample paths through each item's stock
position (on hand, minus units owed to customers, plus open purchase orders as they arrive)
and records, path by path, the first period in which demand cannot be met. The distribution
of that first period over the paths gives P(stockout by day t), the stockout-date quantiles,
the probability of running out before the next receipt, the expected units short and the
days of cover. :func:`projected_inventory` gives the on-hand quantiles per item and period
for charts.

Everything is a numpy operation over an (items x paths x periods) block; items are processed
in chunks whose size follows from a memory budget, so 100,000 items need no more memory than
a few hundred.
"""

from __future__ import annotations

import dataclasses
import inspect
import math
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from .._export import escape_html, jsonable
from .._inventory import open_purchase_orders, stock_position
from .._utils import (
    RandomStateLike,
    check_columns,
    check_fraction,
    check_int,
    check_random_state,
    format_ids,
)
from ..exceptions import SchemaError
from ..history.panel import DAYS_PER_PERIOD, FREQ_ALIASES
from ..io.validation import validate_table

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from ..forecast.result import DemandForecast

__all__ = [
    "DEFAULT_MEMORY_BUDGET_MB",
    "SEED_BLOCK_ITEMS",
    "StockoutForecast",
    "projected_inventory",
    "stockout_dates",
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
class _Scenario:
    """Everything needed to re-simulate any item exactly (kept by the result for plots)."""

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

    @property
    def horizon(self) -> int:
        return len(self.dates)

    @property
    def stochastic(self) -> bool:
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
    nxt = pd.date_range(dates[-1], periods=2, freq=FREQ_ALIASES[freq])[-1]
    allb = dates.append(pd.DatetimeIndex([nxt]))
    days = np.asarray(allb.values, dtype="datetime64[D]")
    return (days - days[0]).astype(np.int64)


def _offset_to_period(offset: np.ndarray, bounds: np.ndarray) -> np.ndarray:
    """Period index of a day offset; offsets before the start map to 0, after the end to H."""
    idx = np.searchsorted(bounds, offset, side="right") - 1
    return np.clip(idx, 0, len(bounds) - 1)


def _prepare(
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
) -> _Scenario:
    _check_forecast(forecast)
    n_paths = check_int(n_paths, "n_paths")
    n_jobs = check_int(n_jobs, "n_jobs")
    if not isinstance(lost_sales, (bool, np.bool_)):
        raise TypeError(f"lost_sales must be True or False; got {lost_sales!r}.")
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
    dates = fdates[:horizon]
    bounds = _period_bounds(dates, freq)

    inv = validate_table(inventory, "inventory", reader="read_inventory")
    po = (
        validate_table(purchase_orders, "purchase_orders", allow_empty=True)
        if purchase_orders is not None
        else None
    )
    if po is not None:
        po = open_purchase_orders(po)

    f_ids = np.asarray(forecast.item_ids).astype(str)
    universe = set(f_ids) | set(inv["item_id"])
    if po is not None:
        universe |= set(po["item_id"])
    if items is not None:
        wanted = [str(i) for i in (items.tolist() if hasattr(items, "tolist") else items)]
        unknown = [i for i in wanted if i not in universe]
        if unknown:
            raise KeyError(
                f"items {format_ids(unknown)} are in none of forecast, inventory or "
                f"purchase_orders. Check the ids (they are compared as strings)."
            )
        item_ids = np.asarray(list(dict.fromkeys(wanted)), dtype=object).astype(str)
    else:
        item_ids = np.asarray(sorted(universe), dtype=object).astype(str)
    n = len(item_ids)

    fpos = pd.Index(f_ids).get_indexer(item_ids)
    mean = np.asarray(forecast.mean, dtype=float)
    has_fc = fpos >= 0
    fc_ok = np.zeros(n, dtype=bool)
    fc_ok[has_fc] = np.isfinite(mean[fpos[has_fc], :horizon]).all(axis=1)

    stock = stock_position(inv, item_ids)
    has_inv = stock.in_inventory
    on_hand = stock.on_hand
    available = stock.available

    # forecast status per item ("ok" when the forecast carries none)
    fstat = getattr(forecast, "status", None)
    idx = pd.Index(item_ids)
    f_status = pd.Series(_STATUS_OK, index=idx, dtype="str")
    f_reason = pd.Series("", index=idx, dtype="str")
    if isinstance(fstat, pd.DataFrame) and len(fstat) and "status" in fstat.columns:
        fs = fstat["status"].astype("str").set_axis(fstat.index.astype("str"))
        f_status = fs.reindex(idx).fillna(_STATUS_OK)
        if "reason" in fstat.columns:
            fr = fstat["reason"].astype("str").set_axis(fstat.index.astype("str"))
            f_reason = fr.reindex(idx).fillna("").replace("nan", "")
    flagged = (f_status != _STATUS_OK).to_numpy()
    why = np.where(
        flagged,
        " (" + f_status.to_numpy(dtype=object) + ": " + f_reason.to_numpy(dtype=object) + ")",
        "",
    )
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
    with_reason = f_reason.to_numpy(dtype=object) != ""
    reason = np.where(
        computable & flagged,
        np.where(
            with_reason,
            "forecast flagged "
            + f_status.to_numpy(dtype=object)
            + ": "
            + f_reason.to_numpy(dtype=object),
            "forecast flagged " + f_status.to_numpy(dtype=object),
        ),
        reason,
    ).astype(object)

    # ------------------------------------------------------------ open purchase orders
    row_of = pd.Index(item_ids)
    if po is not None and len(po):
        prow = row_of.get_indexer(po["item_id"].to_numpy())
        keep = prow >= 0
        po = po.loc[keep]
        prow = prow[keep]
        exp = pd.DatetimeIndex(po["expected_date"])
        offset = np.asarray((exp.normalize() - dates[0]).days, dtype=np.int64)
        overdue = offset < 0
        offset = np.maximum(offset, 0)
        units = po["open_units"].to_numpy(dtype=float)
        slot = pd.Series(prow).groupby(prow).cumcount().to_numpy()
        p_on = np.full(len(po), np.nan)
        sd = np.full(len(po), np.nan)
        if lead_time_uncertainty is not None:
            p_on, sd, missing_lt = _lateness_params(po, lead_time_uncertainty)
            if missing_lt.any():
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
                reason = np.where(
                    text != "", np.where(reason == "", text, reason + "; " + text), reason
                ).astype(object)
        has_overdue = np.zeros(n, dtype=bool)
        has_overdue[prow[overdue]] = True
        reason = _note(
            reason,
            has_overdue,
            "an open order is overdue: assumed to arrive on the first forecast day",
        )
    else:
        prow = np.zeros(0, dtype=np.int64)
        offset = np.zeros(0, dtype=np.int64)
        units = np.zeros(0)
        slot = np.zeros(0, dtype=np.int64)
        p_on = np.zeros(0)
        sd = np.zeros(0)

    if chunk_size is None:
        if not memory_budget_mb > 0:
            raise ValueError(f"memory_budget_mb must be positive; got {memory_budget_mb!r}.")
        cell = _CELL_BYTES_STOCHASTIC if np.isfinite(p_on).any() else _CELL_BYTES
        cell += _CELL_BYTES_LOST_SALES if lost_sales else 0
        per_item = n_paths * horizon * cell
        fit = int(memory_budget_mb * 2**20 / n_jobs // per_item)
        chunk_items = max(1, fit // SEED_BLOCK_ITEMS) * SEED_BLOCK_ITEMS
    else:
        chunk_size = check_int(chunk_size, "chunk_size")
        chunk_items = math.ceil(chunk_size / SEED_BLOCK_ITEMS) * SEED_BLOCK_ITEMS

    if entropy is None:
        rng = check_random_state(random_state)
        entropy = int(rng.integers(0, 2**63 - 1))

    return _Scenario(
        forecast=forecast,
        item_ids=item_ids,
        fpos=fpos,
        on_hand=on_hand,
        available=available,
        computable=computable,
        status=status,
        reason=reason,
        dates=dates,
        bounds=bounds,
        freq=freq,
        po_row=prow,
        po_offset=offset,
        po_units=units,
        po_slot=slot,
        po_p_on=p_on,
        po_sd=sd,
        n_paths=n_paths,
        lost_sales=bool(lost_sales),
        entropy=entropy,
        chunk_items=chunk_items,
        n_jobs=n_jobs,
    )


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
    key = lt.assign(
        item_id=lt["item_id"].astype(str), supplier_id=lt["supplier_id"].astype(str)
    ).drop_duplicates(["item_id", "supplier_id"], keep="last")
    idx = pd.MultiIndex.from_frame(key[["item_id", "supplier_id"]])
    pos = idx.get_indexer(
        pd.MultiIndex.from_arrays(
            [po["item_id"].astype(str).to_numpy(), po["supplier_id"].astype(str).to_numpy()]
        )
    )
    sd_all = pd.to_numeric(key["lead_time_sd_days"], errors="coerce").to_numpy(dtype=float)
    if "on_time_rate" in key.columns:
        ot_all = pd.to_numeric(key["on_time_rate"], errors="coerce").to_numpy(dtype=float)
    else:
        ot_all = np.full(len(key), np.nan)
    if (sd_all < 0).any():
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


# ----------------------------------------------------------------------------- kernels
def _accepts_out(forecast: Any) -> bool:
    """Whether ``forecast.sample_paths`` takes an ``out`` array to fill (DemandForecast does)."""
    try:
        params = inspect.signature(forecast.sample_paths).parameters
    except (TypeError, ValueError):  # builtins or C callables without a signature
        return False
    return "out" in params


def _block_paths(sc: _Scenario, block: int, out: np.ndarray | None = None) -> np.ndarray:
    """Demand paths for every forecast row of seed block ``block``: (rows, paths, horizon).

    ``out`` (rows, paths, horizon), when given, is passed on to a forecast whose
    ``sample_paths`` accepts it, so the paths are drawn straight into the caller's buffer.
    """
    n_f = len(sc.forecast.item_ids)
    lo, hi = block * SEED_BLOCK_ITEMS, min((block + 1) * SEED_BLOCK_ITEMS, n_f)
    rng = np.random.default_rng(np.random.SeedSequence(sc.entropy, spawn_key=(0, block)))
    kw = {} if out is None else {"out": out}
    paths = np.asarray(
        sc.forecast.sample_paths(sc.n_paths, random_state=rng, items=slice(lo, hi), **kw)
    )
    if paths.shape[:2] != (hi - lo, sc.n_paths) or paths.shape[2] < sc.horizon:
        raise ValueError(
            f"forecast.sample_paths({sc.n_paths}, items=slice({lo}, {hi})) returned shape "
            f"{paths.shape}; expected ({hi - lo}, {sc.n_paths}, >= {sc.horizon})."
        )
    return paths[:, :, : sc.horizon]


def _lateness_draws(sc: _Scenario, block: int, n_slots: int) -> tuple[np.ndarray, np.ndarray]:
    """Uniform and standard-normal draws of shape (slots, block rows, paths) for a seed block.

    Slots are drawn one after the other, so slot ``k`` receives the same numbers whatever the
    number of slots: adding an order (a later slot) leaves the draws of existing orders alone.
    """
    rng = np.random.default_rng(np.random.SeedSequence(sc.entropy, spawn_key=(1, block)))
    shape = (SEED_BLOCK_ITEMS, sc.n_paths)
    u = np.empty((n_slots, *shape))
    z = np.empty((n_slots, *shape))
    for k in range(n_slots):
        u[k] = rng.random(shape)
        z[k] = rng.standard_normal(shape)
    return u, z


def _supply(sc: _Scenario, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Receipts per period and the next-receipt period for the result ``rows`` of a chunk.

    Returns ``receipts`` of shape (c, 1, H) (deterministic) or (c, P, H) (with lead-time
    uncertainty) and ``next_receipt`` of shape (c, 1) or (c, P) (H when none in the horizon).
    """
    c, h, p = len(rows), sc.horizon, sc.n_paths
    local = np.full(len(sc.item_ids), -1, dtype=np.int64)
    local[rows] = np.arange(c)
    sel = np.flatnonzero(local[sc.po_row] >= 0) if len(sc.po_row) else np.zeros(0, np.int64)
    loc = local[sc.po_row[sel]]
    period = _offset_to_period(sc.po_offset[sel], sc.bounds)
    units = sc.po_units[sel]
    stoch = np.isfinite(sc.po_p_on[sel])
    if not stoch.any():
        receipts = np.zeros((c, 1, h))
        inside = period < h
        np.add.at(receipts[:, 0, :], (loc[inside], period[inside]), units[inside])
        nxt = np.full((c, 1), h, dtype=np.int64)
        np.minimum.at(nxt[:, 0], loc, period)
        return receipts, nxt

    base = np.zeros((c, h))
    det = ~stoch
    inside = det & (period < h)
    np.add.at(base, (loc[inside], period[inside]), units[inside])
    det_next = np.full(c, h, dtype=np.int64)
    np.minimum.at(det_next, loc[det], period[det])
    nxt = np.repeat(det_next[:, None], p, axis=1)  # deterministic lines bound every path
    # stochastic lines: lateness drawn per (line, path) from the line's seed block and slot
    st = np.flatnonzero(stoch)
    fpos = sc.fpos[sc.po_row[sel[st]]]
    blocks = fpos // SEED_BLOCK_ITEMS
    u = np.empty((len(st), p))
    z = np.empty((len(st), p))
    for b in np.unique(blocks):  # loop over seed blocks (chunks), vectorised over lines
        in_b = np.flatnonzero(blocks == b)
        slots = sc.po_slot[sel[st[in_b]]]
        draws = _lateness_draws(sc, int(b), int(slots.max()) + 1)
        brow = fpos[in_b] - b * SEED_BLOCK_ITEMS
        u[in_b] = draws[0][slots, brow]
        z[in_b] = draws[1][slots, brow]
    p_on = sc.po_p_on[sel[st]][:, None]
    scale = sc.po_sd[sel[st]][:, None]
    late = np.where(u < p_on, 0.0, np.maximum(1.0, np.rint(np.abs(z) * scale)))
    arr = _offset_to_period(sc.po_offset[sel[st]][:, None] + late.astype(np.int64), sc.bounds)
    li = np.broadcast_to(loc[st][:, None], arr.shape)
    path = np.broadcast_to(np.arange(p)[None, :], arr.shape)
    np.minimum.at(nxt, (li, path), arr)
    ok = arr < h
    idx = ((li * p + path) * h + arr)[ok]
    w = np.broadcast_to(units[st][:, None], arr.shape)[ok]
    per_path = np.bincount(idx, weights=w, minlength=c * p * h).astype(float).reshape(c, p, h)
    per_path += base[:, None, :]
    return per_path, nxt


def _chunks(sc: _Scenario, rows: np.ndarray) -> list[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """Split result ``rows`` into chunks of whole seed blocks: (rows, forecast rows, blocks)."""
    fp = sc.fpos[rows]
    order = np.argsort(fp, kind="stable")
    rows, fp = rows[order], fp[order]
    blocks = fp // SEED_BLOCK_ITEMS
    uniq = np.unique(blocks)
    per = max(1, sc.chunk_items // SEED_BLOCK_ITEMS)
    out = []
    for k in range(0, len(uniq), per):
        cb = uniq[k : k + per]
        lo = np.searchsorted(blocks, cb[0], side="left")
        hi = np.searchsorted(blocks, cb[-1], side="right")
        out.append((rows[lo:hi], fp[lo:hi], cb))
    return out


class _Buffers(threading.local):
    """Working arrays reused from chunk to chunk (one set per thread).

    Re-using them avoids page-faulting fresh memory for every chunk; views of the first
    ``c`` rows are contiguous because items are the leading axis. One instance lives for one
    call of :func:`_run`, so the memory is released when the call returns.
    """

    def get(self, name: str, shape: tuple[int, ...], dtype: Any = np.float64) -> np.ndarray:
        buf = getattr(self, name, None)
        size = math.prod(shape)
        if buf is None or buf.dtype != dtype or buf.size < size:
            buf = np.empty(size, dtype=dtype)
            setattr(self, name, buf)
        return buf[:size].reshape(shape)


def _chunk_paths(
    sc: _Scenario, fp: np.ndarray, blocks: np.ndarray, out: np.ndarray | None = None
) -> np.ndarray:
    """Demand paths (c, P, H) of forecast rows ``fp`` (sorted), generated block by block."""
    shape = (len(fp), sc.n_paths, sc.horizon)
    paths = np.empty(shape) if out is None else out
    n_f = len(sc.forecast.item_ids)
    # a whole block wanted in order is drawn straight into ``paths`` when the forecast can
    direct = len(sc.forecast.dates) == sc.horizon and _accepts_out(sc.forecast)
    pos = 0
    for b in blocks:
        want = fp[fp // SEED_BLOCK_ITEMS == b] - b * SEED_BLOCK_ITEMS
        dest = paths[pos : pos + len(want)]
        size = min(SEED_BLOCK_ITEMS, n_f - int(b) * SEED_BLOCK_ITEMS)
        if direct and len(want) == size and (want == np.arange(size)).all():
            bp = _block_paths(sc, int(b), out=dest)
            if bp is not dest and not np.shares_memory(bp, dest):
                np.copyto(dest, bp)
        else:
            np.take(_block_paths(sc, int(b)), want, axis=0, out=dest)
        pos += len(want)
    return paths


def _lost_sales(
    paths: np.ndarray, available: np.ndarray, supply: np.ndarray, want_on_hand: bool
) -> tuple[np.ndarray, np.ndarray | None]:
    """Lost-sales recursion over periods; returns units short per path and on-hand (optional).

    ``x`` is the net stock position before the period's demand: receipts raise it, served
    demand ``min(d, max(x, 0))`` lowers it and the rest of the demand is lost. A negative
    starting position (units already owed) stays owed until receipts cover it.
    """
    c, p, h = paths.shape
    d = np.ascontiguousarray(np.moveaxis(paths, 2, 0))  # time-major copy: (H, c, P)
    x = np.repeat(available[:, None], p, axis=1).astype(float)
    prev = np.repeat(available[:, None], supply.shape[1], axis=1).astype(float)
    short = np.zeros((c, p))
    served = np.empty((c, p))
    on_hand = np.empty((c, p, h)) if want_on_hand else None
    for t in range(h):
        x += supply[:, :, t] - prev
        prev = supply[:, :, t]
        np.maximum(x, 0.0, out=served)
        np.minimum(served, d[t], out=served)
        x -= served
        short += d[t]
        short -= served
        if on_hand is not None:
            np.maximum(x, 0.0, out=on_hand[:, :, t])
    return short, on_hand


def _simulate_chunk(
    sc: _Scenario,
    rows: np.ndarray,
    fp: np.ndarray,
    blocks: np.ndarray,
    want_on_hand: bool = False,
    buffers: _Buffers | None = None,
    paths: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray | None]:
    """First stockout period, units short, next receipt (and on-hand) for one chunk.

    Returns ``first`` (c, P) int, the first period whose cumulative demand exceeds the
    cumulative supply (``H`` when none), ``short`` (c,) units of demand not met from stock
    on the day, summed over paths and periods, ``next_receipt`` (c, 1) or (c, P), and
    on-hand (c, P, H) when asked. ``paths`` (c, P, H), when given, are the chunk's demand
    paths already drawn (not modified).
    """
    shape = (len(fp), sc.n_paths, sc.horizon)
    buf = _Buffers() if buffers is None else buffers
    if paths is None:
        paths = _chunk_paths(sc, fp, blocks, out=buf.get("paths", shape))
    receipts, nxt = _supply(sc, rows)
    available = sc.available[rows]
    h = sc.horizon
    supply = np.cumsum(receipts, axis=2, out=receipts)
    supply += available[:, None, None]
    cum = np.cumsum(paths, axis=2, out=buf.get("cum", shape))
    over = np.greater(cum, supply, out=buf.get("over", shape, np.bool_))
    first = over.argmax(axis=2)
    hit = np.take_along_axis(over, first[..., None], axis=2)[..., 0]
    first = np.where(hit, first, h)
    on_hand: np.ndarray | None = None
    if sc.lost_sales:
        short_paths, on_hand = _lost_sales(paths, available, supply, want_on_hand)
        short = short_paths.sum(axis=1)
    else:
        np.subtract(cum, supply, out=cum)  # backlog where positive (= minus net stock)
        if want_on_hand:
            on_hand = np.maximum(-cum, 0.0)
        np.maximum(cum, 0.0, out=cum)
        np.minimum(cum, paths, out=cum)  # short_t = min(d_t, backlog_t)
        short = cum.reshape(len(fp), -1).sum(axis=1)
    return first, short, nxt, on_hand


def _run(sc: _Scenario, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Simulate result ``rows``: cumulative stockout counts (n, H), mean short, P(before receipt)."""
    n, h = len(sc.item_ids), sc.horizon
    counts = np.zeros((n, h), dtype=np.int64)
    buffers = _Buffers()
    short = np.full(n, np.nan)
    before = np.full(n, np.nan)

    def one(chunk: tuple[np.ndarray, np.ndarray, np.ndarray]) -> tuple[np.ndarray, ...]:
        r, fp, cb = chunk
        first, sh, nxt, _ = _simulate_chunk(sc, r, fp, cb, buffers=buffers)
        c = len(r)
        flat = (np.arange(c)[:, None] * (h + 1) + first).ravel()
        cnt = np.bincount(flat, minlength=c * (h + 1)).reshape(c, h + 1)[:, :h]
        return r, np.cumsum(cnt, axis=1), sh / sc.n_paths, (first < nxt).mean(axis=1)

    chunks = _chunks(sc, rows)
    if sc.n_jobs > 1 and len(chunks) > 1:
        with ThreadPoolExecutor(max_workers=sc.n_jobs) as ex:
            results = list(ex.map(one, chunks))
    else:
        results = [one(ch) for ch in chunks]
    for r, cnt, sh, bf in results:
        counts[r] = cnt
        short[r] = sh
        before[r] = bf
    return counts, short, before


def _summary(
    sc: _Scenario, counts: np.ndarray, short: np.ndarray, before: np.ndarray
) -> tuple[np.ndarray, pd.DataFrame]:
    n, h, p = len(sc.item_ids), sc.horizon, sc.n_paths
    comp = sc.computable
    p_stock = np.full((n, h), np.nan)
    p_stock[comp] = counts[comp] / p
    cols: dict[str, Any] = {"item_id": sc.item_ids}
    cols["on_hand_units"] = sc.on_hand
    cols["available_units"] = sc.available
    on_order = np.zeros(n)
    np.add.at(on_order, sc.po_row, sc.po_units)
    cols["on_order_units"] = on_order
    first_off = np.full(n, np.iinfo(np.int64).max)
    np.minimum.at(first_off, sc.po_row, sc.po_offset)
    has_po = first_off < np.iinfo(np.int64).max
    nrd = pd.Series(pd.NaT, index=range(n), dtype="datetime64[ns]")
    nrd[has_po] = sc.dates[0] + pd.to_timedelta(first_off[has_po], unit="D")
    cols["next_receipt_date"] = nrd.to_numpy()
    cols["p_stockout_in_horizon"] = p_stock[:, -1]
    flags: dict[str, np.ndarray] = {}
    idx_p50 = np.full(n, h)
    for q in (0.1, 0.5, 0.9):
        need = math.ceil(q * p - 1e-9)
        reached = counts[:, -1] >= need
        idx = np.argmax(counts >= need, axis=1)
        d = pd.Series(pd.NaT, index=range(n), dtype="datetime64[ns]")
        ok = comp & reached
        d[ok] = sc.dates[idx[ok]]
        cols[f"stockout_date_p{round(q * 100)}"] = d.to_numpy()
        flags[f"beyond_horizon_p{round(q * 100)}"] = comp & ~reached
        if q == 0.5:
            idx_p50 = np.where(reached, idx, h)
    cols.update(flags)
    cols["p_stockout_before_next_receipt"] = before
    cols["expected_units_short"] = short
    cover = sc.bounds[idx_p50].astype(float)
    cols["days_of_cover"] = np.where(comp, cover, np.nan)
    cols["status"] = sc.status
    cols["reason"] = sc.reason
    frame = pd.DataFrame(cols)
    frame["status"] = frame["status"].astype("str")
    frame["reason"] = frame["reason"].astype("str")
    frame["item_id"] = frame["item_id"].astype("str")
    return p_stock, frame


# ----------------------------------------------------------------------------- result
@dataclass(frozen=True, repr=False, eq=False)
class StockoutForecast:
    """When each item runs out: the stockout-date distribution from demand sample paths.

    Returned by :func:`stockout_dates`; not usually built by hand.

    Attributes
    ----------
    item_ids : numpy.ndarray of str, shape (n_items,)
        Every item of the forecast, the inventory snapshot and the open purchase orders.
    dates : pandas.DatetimeIndex, shape (horizon,)
        Period start dates of the simulated horizon (days for a daily forecast).
    freq : {"D", "W", "M"}
        Period length, as in the forecast.
    p_stockout : numpy.ndarray of float64, shape (n_items, horizon)
        P(first stockout in or before period t): non-decreasing in t; NaN rows for items that
        could not be simulated (see ``summary.status``).
    summary : pandas.DataFrame
        One row per item, columns as listed in :func:`stockout_dates` (Returns).
    n_paths : int
        Demand sample paths per item.
    lost_sales : bool
        Whether unmet demand was lost (True) or backordered (False).
    censored_share : float
        Share of the history's active item-periods that were censored (stock-outs) or
        suspected stock-outs; NaN when the forecast carries no history.
    """

    item_ids: np.ndarray
    dates: pd.DatetimeIndex
    freq: str
    p_stockout: np.ndarray
    summary: pd.DataFrame
    n_paths: int
    lost_sales: bool
    censored_share: float = float("nan")
    _scenario: _Scenario | None = field(default=None, repr=False, compare=False)

    @property
    def n_items(self) -> int:
        """Number of items."""
        return len(self.item_ids)

    @property
    def horizon(self) -> int:
        """Number of simulated periods."""
        return len(self.dates)

    def to_frame(self) -> pd.DataFrame:
        """The per-item summary (a copy): one row per item, see :func:`stockout_dates`."""
        return self.summary.copy()

    def curves_frame(self) -> pd.DataFrame:
        """P(stockout by period t) in long format: ``item_id``, ``date``, ``p_stockout``."""
        n, h = self.p_stockout.shape
        return pd.DataFrame(
            {
                "item_id": np.repeat(self.item_ids, h).astype(str),
                "date": np.tile(self.dates.to_numpy(), n),
                "p_stockout": self.p_stockout.ravel(),
            }
        )

    def to_dict(self) -> dict[str, Any]:
        """JSON-able dict: settings, ``dates`` (ISO), ``items`` (summary records) and curves.

        ``p_stockout`` maps each item id to its list of probabilities per period (None where
        the item could not be simulated).
        """
        return jsonable(
            {
                "freq": self.freq,
                "n_paths": self.n_paths,
                "lost_sales": self.lost_sales,
                "censored_share": self.censored_share,
                "dates": list(self.dates),
                "items": self.summary,
                "p_stockout": {
                    str(i): row for i, row in zip(self.item_ids, self.p_stockout, strict=True)
                },
            }
        )

    def projected_inventory(
        self, items: Any = None, *, quantiles: tuple[float, ...] = (0.1, 0.5, 0.9)
    ) -> pd.DataFrame:
        """On-hand quantiles per item and period from the same paths; see :func:`projected_inventory`."""
        return projected_inventory(self, items=items, quantiles=quantiles)

    def plot(
        self,
        item: str | None = None,
        *,
        kind: str = "probability",
        reorder_point: float | None = None,
        max_items: int = 8,
        ax: Axes | None = None,
    ) -> Axes:
        """Plot the stockout-probability curve(s) or one item's projected inventory.

        Parameters
        ----------
        item : str, optional
            Item to plot. ``None`` with ``kind="probability"`` plots up to ``max_items`` items
            whose P50 stockout falls inside the horizon (not those already out on the first
            day), spread evenly over their P50 dates.
        kind : {"probability", "inventory"}
            ``"probability"``: P(stockout by date) as a step curve with the P50 date marked.
            ``"inventory"``: on-hand P50 with the P10–P90 band, the P10–P90 stockout window
            shaded, and ``reorder_point`` as a horizontal line (needs ``item``).
        reorder_point : float, optional
            Reorder point in units, drawn on the inventory chart.
        max_items : int, default 8
            Curves drawn when ``item`` is None.
        ax : matplotlib.axes.Axes, optional
            Axes to draw on; a new figure otherwise.

        Returns
        -------
        matplotlib.axes.Axes
        """
        import matplotlib.dates as mdates
        import matplotlib.pyplot as plt

        if kind not in ("probability", "inventory"):
            raise ValueError(f"kind must be 'probability' or 'inventory'; got {kind!r}.")
        if ax is None:
            _, ax = plt.subplots(figsize=(8, 4))
        summ = self.summary.set_index("item_id")
        if item is not None and str(item) not in summ.index:
            raise KeyError(f"item {item!r} is not in this StockoutForecast.")
        if kind == "probability":
            if item is not None:
                chosen = [str(item)]
            else:
                chosen = self._items_at_risk(max_items)
            pos = pd.Index(self.item_ids).get_indexer(chosen)
            for iid, k in zip(chosen, pos, strict=True):
                (line,) = ax.step(self.dates, self.p_stockout[k], where="post", label=iid)
                d50 = _timestamp(summ.at[iid, "stockout_date_p50"])
                if pd.notna(d50):
                    ax.plot([mdates.date2num(d50)], [0.5], "o", color=line.get_color())
            ax.set_ylim(-0.02, 1.04)  # a curve at 0 or 1 stays visible off the frame
            ax.set_ylabel("P(stockout by date)")
            ax.set_title("Stockout probability" + (f": {item}" if item is not None else ""))
            if chosen:
                ax.legend(loc="lower right", fontsize="small")
        else:
            if item is None:
                raise ValueError("kind='inventory' needs an item: plot('SKU-1', kind='inventory').")
            proj = self.projected_inventory([str(item)])
            ax.fill_between(
                proj["date"],
                proj["on_hand_p10"],
                proj["on_hand_p90"],
                step="post",
                alpha=0.25,
                label="on hand P10–P90",
            )
            ax.step(proj["date"], proj["on_hand_p50"], where="post", label="on hand P50")
            d10 = _timestamp(summ.at[str(item), "stockout_date_p10"])
            d90 = _timestamp(summ.at[str(item), "stockout_date_p90"])
            if pd.notna(d10):
                end = d90 if pd.notna(d90) else pd.Timestamp(self.dates[-1])
                ax.axvspan(
                    mdates.date2num(d10),
                    mdates.date2num(end),
                    color="red",
                    alpha=0.12,
                    label="stockout P10–P90",
                )
            if reorder_point is not None:
                ax.axhline(reorder_point, color="black", ls="--", lw=1, label="reorder point")
            ax.set_ylabel("units on hand")
            ax.set_title(f"Projected inventory: {item}")
            ax.legend(loc="upper right", fontsize="small")
        ax.set_xlabel("date")
        return ax

    def _items_at_risk(self, max_items: int) -> list[str]:
        """Up to ``max_items`` items whose P50 stockout is inside the horizon but not on its
        first day (those are out already), spread evenly over their P50 dates."""
        s = self.summary
        first = self.p_stockout[:, 0] if self.horizon else np.zeros(len(s))
        risk = (
            (s["status"] == _STATUS_OK).to_numpy()
            & s["stockout_date_p50"].notna().to_numpy()
            & ~(first >= 0.5)
        )
        cand = s[risk].sort_values(["stockout_date_p50", "item_id"])
        if len(cand) > max_items:
            pick = np.unique(np.linspace(0, len(cand) - 1, max_items).round().astype(int))
            cand = cand.iloc[pick]
        return cand["item_id"].astype(str).tolist()

    def _censoring_text(self) -> str:
        unit = {"D": "item-days", "W": "item-weeks", "M": "item-months"}.get(self.freq, "")
        if math.isnan(self.censored_share):
            return "history censoring unknown"
        return f"{self.censored_share:.1%} {unit} censored"

    def __repr__(self) -> str:
        return (
            f"<StockoutForecast: {self.n_items:,} items, {self.n_paths:,} paths, "
            f"{self._censoring_text()}>"
        )

    def _repr_html_(self) -> str:
        s = self.summary
        ok = s["status"] == _STATUS_OK
        n_risk = int((s.loc[ok, "p_stockout_in_horizon"] >= 0.5).sum())
        head = s.sort_values("stockout_date_p50", na_position="last").head(10)
        return (
            f"<div><b>StockoutForecast</b> {escape_html(repr(self)[19:-1])}<br>"
            f"{self.horizon} periods from {self.dates[0]:%Y-%m-%d}; "
            f"{'lost sales' if self.lost_sales else 'backorders'}; "
            f"{n_risk:,} items more likely than not to run out; "
            f"{int((~ok).sum()):,} items not simulated (see <code>status</code>)"
            f"{head.to_html(index=False, na_rep='—', escape=True)}</div>"
        )


def _timestamp(value: Any) -> pd.Timestamp:
    """A scalar from a frame as a Timestamp (NaT stays NaT)."""
    return pd.Timestamp(value)


def _censored_share(forecast: Any) -> float:
    hist = getattr(forecast, "history", None)
    share = getattr(hist, "censored_share", None)
    return float(share) if share is not None else float("nan")


# ----------------------------------------------------------------------------- public API
def stockout_dates(
    forecast: DemandForecast,
    inventory: pd.DataFrame,
    purchase_orders: pd.DataFrame | None = None,
    *,
    items: Any = None,
    horizon: int | None = None,
    n_paths: int = 1000,
    lost_sales: bool = False,
    lead_time_uncertainty: pd.DataFrame | None = None,
    chunk_size: int | None = None,
    memory_budget_mb: float = DEFAULT_MEMORY_BUDGET_MB,
    n_jobs: int = 1,
    random_state: RandomStateLike = None,
) -> StockoutForecast:
    """Simulate when each item runs out of stock, from the forecast's demand sample paths.

    Parameters
    ----------
    forecast : DemandForecast
        Demand forecast with ``sample_paths`` (units per period); daily, weekly or monthly.
    inventory : pandas.DataFrame
        Inventory snapshot (contract table ``inventory``): ``item_id``, ``on_hand_units``;
        optional ``backordered_units`` and ``allocated_units`` (0 when absent). Taken as the
        stock at the start of the first forecast period.
    purchase_orders : pandas.DataFrame, optional
        Purchase-order lines (contract table ``purchase_orders``). Open lines (no
        ``received_date``) arrive with ``units - received_units`` at ``expected_date``.
    items : list of str, optional
        Simulate only these items (same paths as in a full run). Default: every item of the
        forecast, the inventory and the open purchase orders.
    horizon : int, optional
        Periods to simulate, at most the forecast's horizon (default: all of it).
    n_paths : int, default 1000
        Demand sample paths per item. P(stockout) has a standard error of at most
        ``0.5 / sqrt(n_paths)`` (0.016 for 1,000 paths).
    lost_sales : bool, default False
        False: unmet demand is backordered and filled by the next receipts. True: it is lost.
        This changes ``expected_units_short`` and the projected inventory, not the first
        stockout date (the two are identical until the first shortfall).
    lead_time_uncertainty : pandas.DataFrame, optional
        The frame of ``lead_time_history`` (one row per ``item_id`` x ``supplier_id`` with
        ``lead_time_sd_days`` and optional ``on_time_rate``). When given, each open line
        arrives per path on its expected date with probability ``on_time_rate``, else late by
        ``max(1, round(|Z| * lead_time_sd_days))`` days, Z standard normal. Lines without a
        matching row arrive on their expected date (and the item's ``reason`` says so).
    chunk_size : int, optional
        Items simulated at once, rounded up to a multiple of :data:`SEED_BLOCK_ITEMS` (64).
        Default: as many as fit in ``memory_budget_mb``.
    memory_budget_mb : float, default 512
        Memory for the working arrays, MiB, when ``chunk_size`` is None: a chunk holds
        ``chunk x n_paths x horizon`` cells of about 25 bytes (33 with lead-time uncertainty,
        8 more with lost sales). At least one seed block (64 items) is always simulated.
    n_jobs : int, default 1
        Chunks simulated in parallel threads (numpy releases the GIL while drawing); the
        memory budget is shared between them. Results do not depend on ``n_jobs``.
    random_state : int, numpy.random.Generator or None
        Seed. The same seed gives the same result for any ``chunk_size``, ``n_jobs`` and
        ``items`` selection.

    Returns
    -------
    StockoutForecast
        ``p_stockout`` (items x periods) and ``summary``, one row per item with columns

        - ``item_id``
        - ``on_hand_units``, ``available_units`` (on hand − backordered − allocated),
          ``on_order_units`` (open purchase-order units, any date)
        - ``next_receipt_date``: earliest expected date of an open line (NaT if none)
        - ``p_stockout_in_horizon``: P(stockout within the horizon)
        - ``stockout_date_p10``, ``stockout_date_p50``, ``stockout_date_p90``: start of
          the period of the first stockout at these quantiles; NaT when beyond the horizon
        - ``beyond_horizon_p10``, ``beyond_horizon_p50``, ``beyond_horizon_p90``: True when
          that quantile lies beyond the horizon
        - ``p_stockout_before_next_receipt``: P(first stockout before the next receipt
          arrives; within the horizon when no receipt is due in it)
        - ``expected_units_short``: mean units of demand not met from stock on the day
          they are demanded, summed over the horizon
        - ``days_of_cover``: median days until the first stockout period (whole periods
          fully covered, in days); the horizon length when the median is beyond it
        - ``status`` (``"ok"``, ``"no_forecast"``, ``"no_inventory"``) and ``reason``.

    Raises
    ------
    SchemaError
        ``inventory`` or ``purchase_orders`` break the data contract, or
        ``lead_time_uncertainty`` lacks its columns.
    ValueError
        ``horizon`` longer than the forecast, non-positive ``n_paths``/``chunk_size``.
    KeyError
        ``items`` names ids found in none of the inputs.

    Notes
    -----
    With :math:`d_{t}` the demand of a path in period t, :math:`D_t = \\sum_{s \\le t} d_s`,
    :math:`A` = on hand − backordered − allocated and :math:`R_t` the receipts arrived by
    period t, the supply is :math:`S_t = A + R_t` and the first stockout is

    .. math:: T = \\min\\{t : D_t > S_t\\}

    (``H`` when none). Conventions: receipts are available at the *start* of the day (period)
    they arrive and can serve that day's demand; a stockout is demand *exceeding* supply
    (ending a day at exactly 0 is not one); units already backordered are owed first, so a
    negative :math:`A` is a stockout on the first day. With backorders, the units short in
    period t are :math:`\\min(d_t, (D_t - S_t)^+)`; with lost sales the recursion
    :math:`x_t = x_{t-1} + r_t - \\min(d_t, x_{t-1}^+ + r_t)` runs over periods. P(stockout
    by t) is the share of paths with :math:`T \\le t`; a date quantile :math:`q` is the first
    period with that share :math:`\\ge q` (inverse CDF). Overdue open lines are assumed to
    arrive on the first day; early arrivals are not modelled (conservative).

    For weekly or monthly forecasts everything is in the forecast's periods: a receipt dated
    inside a period counts from the start of that period, stockout dates are period starts,
    ``days_of_cover`` is whole periods in days.

    Seeds: ``random_state`` gives one entropy value; forecast rows are cut into blocks of 64
    and block ``b`` draws its demand paths from ``SeedSequence(entropy, spawn_key=(0, b))``
    and its lateness draws from ``SeedSequence(entropy, spawn_key=(1, b))``, slot by slot
    (slot = rank of the line among the item's open lines, in input order). Chunks are whole
    blocks, so results do not depend on the chunking, and adding an order after the existing
    ones leaves every other draw unchanged (common random numbers for what-if runs).

    References
    ----------
    .. [1] Silver, E. A., Pyke, D. F., Thomas, D. J. (2017). *Inventory and Production
       Management in Supply Chains*, 4th ed., CRC Press, ch. 6 (stock position, backorders
       vs lost sales).
    .. [2] Glasserman, P. (2004). *Monte Carlo Methods in Financial Engineering*, Springer,
       §4.1 (common random numbers).

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from stockout_forecast.forecast.result import DemandForecast
    >>> dates = pd.date_range("2024-03-01", periods=10, freq="D")
    >>> fc = DemandForecast.from_mean(["A", "B"], dates, np.array([[2.0] * 10, [0.5] * 10]))
    >>> inv = pd.DataFrame({"item_id": ["A", "B", "C"], "on_hand_units": [10, 20, 5]})
    >>> so = stockout_dates(fc, inv, n_paths=2000, random_state=0)
    >>> so
    <StockoutForecast: 3 items, 2,000 paths, history censoring unknown>
    >>> so.summary[["item_id", "stockout_date_p50", "days_of_cover", "status"]]
      item_id stockout_date_p50  days_of_cover       status
    0       A        2024-03-06            5.0           ok
    1       B               NaT           10.0           ok
    2       C               NaT            NaN  no_forecast
    >>> round(float(so.summary.at[0, "p_stockout_in_horizon"]), 2)
    0.99
    """
    sc = _prepare(
        forecast,
        inventory,
        purchase_orders,
        items=items,
        horizon=horizon,
        n_paths=n_paths,
        lost_sales=lost_sales,
        lead_time_uncertainty=lead_time_uncertainty,
        chunk_size=chunk_size,
        memory_budget_mb=memory_budget_mb,
        n_jobs=n_jobs,
        random_state=random_state,
    )
    return _result(sc)


def _result(sc: _Scenario) -> StockoutForecast:
    counts, short, before = _run(sc, np.flatnonzero(sc.computable))
    p_stock, frame = _summary(sc, counts, short, before)
    return StockoutForecast(
        item_ids=sc.item_ids.copy(),
        dates=sc.dates,
        freq=sc.freq,
        p_stockout=p_stock,
        summary=frame,
        n_paths=sc.n_paths,
        lost_sales=sc.lost_sales,
        censored_share=_censored_share(sc.forecast),
        _scenario=sc,
    )


def projected_inventory(
    forecast: DemandForecast | StockoutForecast,
    inventory: pd.DataFrame | None = None,
    purchase_orders: pd.DataFrame | None = None,
    *,
    items: Any = None,
    horizon: int | None = None,
    n_paths: int = 1000,
    lost_sales: bool = False,
    lead_time_uncertainty: pd.DataFrame | None = None,
    quantiles: tuple[float, ...] = (0.1, 0.5, 0.9),
    random_state: RandomStateLike = None,
) -> pd.DataFrame:
    """Projected on-hand stock per item and period: quantiles over the demand paths.

    Parameters
    ----------
    forecast : DemandForecast or StockoutForecast
        A forecast (then ``inventory`` is required), or the result of :func:`stockout_dates`,
        whose inputs, settings and seed are reused so the chart matches its dates exactly
        (then leave ``inventory``, ``purchase_orders`` and the settings at their defaults).
    inventory, purchase_orders, horizon, n_paths, lost_sales, lead_time_uncertainty, random_state
        As in :func:`stockout_dates`.
    items : list of str, optional
        Items to project (default all). Keep it short for large catalogues: the output has
        one row per item and period.
    quantiles : tuple of float, default (0.1, 0.5, 0.9)
        Fractions in (0, 1).

    Returns
    -------
    pandas.DataFrame
        One row per item and period: ``item_id``, ``date`` (period start), ``on_hand_p10``,
        ``on_hand_p50``, ``on_hand_p90`` (one column per quantile, units on hand at the end
        of the period, never negative), ``p_stockout`` (P(first stockout by the period)),
        ``status``. Items that could not be simulated have NaN values and their status.

    Notes
    -----
    On hand at the end of period t is :math:`(S_t - D_t)^+` with backorders and the
    lost-sales recursion's :math:`x_t^+` otherwise (see :func:`stockout_dates`). Quantiles
    use the inverse empirical CDF (``numpy.quantile(method="inverted_cdf")``): each value is
    one of the simulated on-hand levels.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from stockout_forecast.forecast.result import DemandForecast
    >>> dates = pd.date_range("2024-03-01", periods=3, freq="D")
    >>> fc = DemandForecast.from_mean(["A"], dates, np.array([[2.0, 2.0, 2.0]]))
    >>> inv = pd.DataFrame({"item_id": ["A"], "on_hand_units": [5]})
    >>> po = pd.DataFrame({"po_id": ["P1"], "item_id": ["A"], "supplier_id": ["S"],
    ...     "units": [10], "order_date": ["2024-02-20"], "expected_date": ["2024-03-02"]})
    >>> projected_inventory(fc, inv, po, n_paths=500, random_state=1)[["date", "on_hand_p50"]]
            date  on_hand_p50
    0 2024-03-01          3.0
    1 2024-03-02         11.0
    2 2024-03-03          9.0
    """
    qs = tuple(check_fraction(q, "quantiles") for q in quantiles)
    if not qs:
        raise ValueError("quantiles must contain at least one fraction in (0, 1).")
    if isinstance(forecast, StockoutForecast):
        if inventory is not None or purchase_orders is not None:
            raise ValueError(
                "projected_inventory(stockout_forecast) reuses that result's inputs; do not "
                "pass inventory or purchase_orders as well."
            )
        base = forecast._scenario
        if base is None:
            raise ValueError("This StockoutForecast carries no inputs to project from.")
        sc = base
        wanted = (
            base.item_ids
            if items is None
            else np.asarray(
                [str(i) for i in (items.tolist() if hasattr(items, "tolist") else items)]
            )
        )
    else:
        if inventory is None:
            raise ValueError("projected_inventory(forecast, inventory, ...) needs an inventory.")
        sc = _prepare(
            forecast,
            inventory,
            purchase_orders,
            items=items,
            horizon=horizon,
            n_paths=n_paths,
            lost_sales=lost_sales,
            lead_time_uncertainty=lead_time_uncertainty,
            chunk_size=None,
            memory_budget_mb=DEFAULT_MEMORY_BUDGET_MB,
            n_jobs=1,
            random_state=random_state,
        )
        wanted = sc.item_ids
    rows = pd.Index(sc.item_ids).get_indexer(pd.unique(np.asarray(wanted, dtype=object)))
    if (rows < 0).any():
        raise KeyError(f"items {format_ids(np.asarray(wanted)[rows < 0])} are not in this result.")
    h = sc.horizon
    names = [f"on_hand_p{q * 100:g}" for q in qs]
    values = np.full((len(rows), len(qs), h), np.nan)
    pst = np.full((len(rows), h), np.nan)
    where = pd.Index(rows)
    sim = rows[sc.computable[rows]]
    for r, fp, cb in _chunks(sc, np.unique(sim)):
        first, _, _, on_hand = _simulate_chunk(sc, r, fp, cb, want_on_hand=True)
        assert on_hand is not None
        qv = np.quantile(on_hand, qs, axis=1, method="inverted_cdf")  # (nq, c, H)
        cnt = (first[:, :, None] <= np.arange(h)[None, None, :]).mean(axis=1)
        out = where.get_indexer(r)
        values[out] = np.moveaxis(qv, 0, 1)
        pst[out] = cnt
    n = len(rows)
    frame = pd.DataFrame(
        {
            "item_id": np.repeat(sc.item_ids[rows], h).astype(str),
            "date": np.tile(sc.dates.to_numpy(), n),
        }
    )
    for k, name in enumerate(names):
        frame[name] = values[:, k, :].ravel()
    frame["p_stockout"] = pst.ravel()
    frame["status"] = np.repeat(sc.status[rows], h).astype(str)
    return frame


# ----------------------------------------------------------------------------- what-if helpers
def _with_orders(
    sc: _Scenario,
    rows: np.ndarray,
    offset_days: np.ndarray,
    units: np.ndarray,
    p_on: np.ndarray | None = None,
    scale: np.ndarray | None = None,
) -> _Scenario:
    """The same scenario (same paths) with one extra open order per row in ``rows``.

    Each extra line takes the next slot of its item, so the lateness draws of the existing
    lines are unchanged (common random numbers).
    """
    rows = np.asarray(rows, dtype=np.int64)
    n_existing = np.bincount(sc.po_row, minlength=len(sc.item_ids))
    p_on = np.full(len(rows), np.nan) if p_on is None else np.asarray(p_on, dtype=float)
    scale = np.full(len(rows), np.nan) if scale is None else np.asarray(scale, dtype=float)
    return dataclasses.replace(
        sc,
        po_row=np.concatenate([sc.po_row, rows]),
        po_offset=np.concatenate([sc.po_offset, np.maximum(offset_days, 0).astype(np.int64)]),
        po_units=np.concatenate([sc.po_units, np.asarray(units, dtype=float)]),
        po_slot=np.concatenate([sc.po_slot, n_existing[rows]]),
        po_p_on=np.concatenate([sc.po_p_on, p_on]),
        po_sd=np.concatenate([sc.po_sd, scale]),
    )

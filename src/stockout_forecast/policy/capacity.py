"""Storage capacity at a seasonal peak: which periods overflow, and what to move where.

:func:`peak_capacity` adds up the storage volume of the planned stock per period, flags the
periods whose volume exceeds the warehouse capacity, and shifts the excess with a documented
greedy rule: first into the latest earlier periods that have room (pre-build / bring in
earlier), then into the earliest later periods that have room (source later). What cannot be
placed is reported as unresolved. The moved volume is attributed to items pro rata to their
share of the overflowing period's volume, so a planner sees units per item.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from .._export import escape_html, jsonable
from .._utils import check_columns, format_ids
from ..exceptions import SchemaError
from ..io.validation import validate_table

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["CapacityPlan", "peak_capacity"]

_TOL = 1e-9


@dataclass(frozen=True, repr=False, eq=False)
class CapacityPlan:
    """Storage volume per period against capacity, with the greedy shifts that fix overflow.

    Returned by :func:`peak_capacity`.

    Attributes
    ----------
    periods : pandas.DataFrame
        One row per period; columns listed in :func:`peak_capacity` (Returns).
    items : pandas.DataFrame
        One row per item; columns listed in :func:`peak_capacity` (Returns).
    moves : pandas.DataFrame
        One row per shift: ``from_date`` (overflowing period), ``to_date``, ``kind``
        (``"prebuild"`` earlier or ``"defer"`` later), ``volume_m3``.
    """

    periods: pd.DataFrame
    items: pd.DataFrame
    moves: pd.DataFrame

    @property
    def n_over(self) -> int:
        """Number of periods over capacity before shifting."""
        return int(self.periods["over_capacity"].sum())

    def to_frame(self) -> pd.DataFrame:
        """The per-period table (a copy)."""
        return self.periods.copy()

    def to_dict(self) -> dict[str, Any]:
        """JSON-able dict with ``periods``, ``items`` and ``moves`` as lists of records."""
        return jsonable({"periods": self.periods, "items": self.items, "moves": self.moves})

    def plot(self, ax: Axes | None = None) -> Axes:
        """Bars of planned volume per period (after shifting), the original volume and capacity.

        Returns
        -------
        matplotlib.axes.Axes
        """
        import matplotlib.pyplot as plt

        if ax is None:
            _, ax = plt.subplots(figsize=(9, 3.5))
        p = self.periods
        x = np.arange(len(p))
        ax.bar(x, p["volume_after_m3"], color="tab:blue", alpha=0.6, label="after shifting")
        ax.step(x, p["volume_m3"], where="mid", color="tab:red", label="planned")
        ax.step(x, p["capacity_m3"], where="mid", color="black", ls="--", label="capacity")
        ax.set_xticks(x, [f"{d:%Y-%m-%d}" for d in p["date"]], rotation=45, ha="right")
        ax.set_ylabel("storage volume, m³")
        ax.set_title("Storage volume against capacity")
        ax.legend(loc="upper left", fontsize="small")
        return ax

    def __repr__(self) -> str:
        p = self.periods
        return (
            f"<CapacityPlan: {len(p):,} periods, {self.n_over:,} over capacity, "
            f"{p['prebuilt_out_m3'].sum():,.1f} m3 to pre-build, "
            f"{p['deferred_out_m3'].sum():,.1f} m3 to defer, "
            f"{p['unresolved_m3'].sum():,.1f} m3 unresolved>"
        )

    def _repr_html_(self) -> str:
        over = self.periods[self.periods["over_capacity"]]
        return (
            f"<div><b>CapacityPlan</b> {escape_html(repr(self)[14:-1])}"
            f"{over.to_html(index=False, na_rep='—', escape=True)}</div>"
        )


def _greedy_shift(
    volume: np.ndarray, capacity: np.ndarray, *, prebuild: bool, defer: bool
) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[tuple[int, int, str, float]]]:
    """Shift each overflow to earlier then later periods with room (loops over time only).

    Returns the volume moved out earlier per period, moved out later per period, left
    unresolved per period, and the list of moves ``(from, to, kind, volume)``.
    """
    t_n = len(volume)
    vol = volume.astype(float).copy()
    out_pre = np.zeros(t_n)
    out_def = np.zeros(t_n)
    unresolved = np.zeros(t_n)
    moves: list[tuple[int, int, str, float]] = []
    for t in range(t_n):
        excess = vol[t] - capacity[t]
        if excess <= _TOL:
            continue
        targets: list[tuple[range, str]] = []
        if prebuild:
            targets.append((range(t - 1, -1, -1), "prebuild"))
        if defer:
            targets.append((range(t + 1, t_n), "defer"))
        for span, kind in targets:
            for s in span:
                if excess <= _TOL:
                    break
                room = capacity[s] - vol[s]
                if room <= _TOL:
                    continue
                m = min(room, excess)
                vol[s] += m
                vol[t] -= m
                excess -= m
                (out_pre if kind == "prebuild" else out_def)[t] += m
                moves.append((t, s, kind, m))
        unresolved[t] = max(excess, 0.0)
    return out_pre, out_def, unresolved, moves


def peak_capacity(
    planned_stock: pd.DataFrame,
    items: pd.DataFrame,
    capacity_m3: float | pd.Series,
    *,
    allow_prebuild: bool = True,
    allow_defer: bool = True,
) -> CapacityPlan:
    r"""Flag periods whose planned stock overflows the storage space; shift the excess.

    Parameters
    ----------
    planned_stock : pandas.DataFrame
        Planned stock per item and period: ``item_id``, ``date`` (period start), ``units``
        (units on hand planned for that period, e.g. its peak or the order-up-to level),
        one row per item and date, ``units`` ≥ 0. A time-phased lot plan from
        :func:`~stockout_forecast.time_phased_orders` is read as it is (its
        ``on_hand_end_units``).
    items : pandas.DataFrame
        Contract table ``items`` with ``storage_volume`` (m³ per unit).
    capacity_m3 : float or pandas.Series
        Usable storage volume, m³: one number, or a Series indexed by the periods' dates
        (e.g. a temporary overflow store in some months). > 0.
    allow_prebuild : bool, default True
        Shift overflow into earlier periods.
    allow_defer : bool, default True
        Shift overflow into later periods.

    Returns
    -------
    CapacityPlan
        ``periods``: one row per date with ``date``, ``volume_m3`` (planned),
        ``capacity_m3``, ``utilisation`` (volume / capacity), ``over_capacity`` (bool),
        ``excess_m3`` (volume above capacity), ``prebuilt_out_m3`` (moved from this period
        into earlier ones), ``prebuilt_in_m3`` (received from later peaks),
        ``deferred_out_m3`` (moved into later periods), ``deferred_in_m3``,
        ``unresolved_m3`` (overflow with no room anywhere) and ``volume_after_m3``.

        ``items``: one row per item with ``item_id``, ``storage_volume`` (m³/unit),
        ``peak_units`` and ``peak_volume_m3`` (largest planned stock), ``prebuild_units``,
        ``defer_units``, ``unresolved_units`` (the item's share of the moved volume, in
        units), ``status`` (``"ok"`` or ``"no_volume"``) and ``reason``.

        ``moves``: ``from_date``, ``to_date``, ``kind``, ``volume_m3``.

    Raises
    ------
    SchemaError
        ``planned_stock`` lacks columns, has negative units or duplicate item-dates;
        ``items`` breaks the data contract.
    ValueError
        Capacity not positive or not given for every period.

    Notes
    -----
    Volume per period :math:`V_t = \sum_i u_{i,t} v_i` (planned units times storage
    volume per unit); a period is over capacity when :math:`V_t > C_t`. The greedy rule
    handles overflowing periods in date order; the excess :math:`V_t - C_t` goes first to
    period ``t-1``, then ``t-2``, ... (the *latest* earlier period with room, up to its
    room :math:`C_s - V_s`), then to ``t+1``, ``t+2``, ... (the earliest later period with
    room); the rest is unresolved. Moving volume to an earlier period means bringing that
    part of the peak's goods in (or making them) earlier; this relieves the peak only if
    they leave before it (pre-positioned to stores, shipped against early orders). When
    goods must stay until the peak, pre-building cannot free space: pass
    ``allow_prebuild=False`` so that the overflow is sourced later. Per item, a period's
    moved volume is shared in proportion to the items' volumes in that period and turned
    into units with the item's storage volume. Items without ``storage_volume`` take no
    space in the computation and are flagged ``no_volume``.

    This is a heuristic, not an optimisation: it does not weigh the cost of holding early
    against the cost of sourcing late (a linear program would).

    References
    ----------
    .. [1] Nahmias, S., Olsen, T. L. (2015). *Production and Operations Analysis*, 7th ed.,
       Waveland, ch. 3 (aggregate planning: building inventory ahead of a peak versus
       subcontracting or backlogging).

    Examples
    --------
    Capacity 10 m³; the November peak needs 16 m³: 4 m³ fit into October, 2 into September.

    >>> import pandas as pd
    >>> plan = pd.DataFrame({"item_id": ["A"] * 4,
    ...     "date": pd.to_datetime(["2024-09-01", "2024-10-01", "2024-11-01", "2024-12-01"]),
    ...     "units": [40, 30, 80, 20]})
    >>> items = pd.DataFrame({"item_id": ["A"], "storage_volume": [0.2]})
    >>> cp = peak_capacity(plan, items, 10.0)
    >>> cp
    <CapacityPlan: 4 periods, 1 over capacity, 6.0 m3 to pre-build, 0.0 m3 to defer, 0.0 m3 unresolved>
    >>> cp.periods[["volume_m3", "prebuilt_in_m3", "volume_after_m3"]].round(1).values.tolist()
    [[8.0, 2.0, 10.0], [6.0, 4.0, 10.0], [16.0, 0.0, 10.0], [4.0, 0.0, 4.0]]
    >>> float(cp.items.loc[0, "prebuild_units"])
    30.0
    """
    ps = _check_planned_stock(planned_stock)
    itm = validate_table(items, "items", reader="read_items")
    if "storage_volume" not in itm.columns:
        raise SchemaError(
            f"items has no storage_volume column (m³ per unit). Found: {list(itm.columns)}. "
            f"Add storage_volume to the items table."
        )
    grid = ps.pivot(index="item_id", columns="date", values="units").fillna(0.0)
    all_items = sorted(set(grid.index) | set(itm["item_id"]))
    grid = grid.reindex(all_items, fill_value=0.0)
    dates = pd.DatetimeIndex(grid.columns)
    units = grid.to_numpy(dtype=float)
    vol_unit = itm.set_index("item_id")["storage_volume"].reindex(all_items).to_numpy(dtype=float)
    item_vol = units * np.where(np.isfinite(vol_unit), vol_unit, 0.0)[:, None]  # m3
    volume = item_vol.sum(axis=0)
    cap = _capacity_per_period(capacity_m3, dates)
    out_pre, out_def, unresolved, moves = _greedy_shift(
        volume, cap, prebuild=allow_prebuild, defer=allow_defer
    )
    periods = _period_frame(dates, volume, cap, out_pre, out_def, unresolved, moves)
    item_frame = _item_frame(
        all_items, units, vol_unit, item_vol, volume, out_pre, out_def, unresolved
    )
    move_frame = pd.DataFrame(
        {
            "from_date": pd.DatetimeIndex([dates[m[0]] for m in moves], dtype="datetime64[ns]"),
            "to_date": pd.DatetimeIndex([dates[m[1]] for m in moves], dtype="datetime64[ns]"),
            "kind": pd.array([m[2] for m in moves], dtype="str"),
            "volume_m3": np.asarray([m[3] for m in moves], dtype=float),
        }
    )
    return CapacityPlan(periods=periods, items=item_frame, moves=move_frame)


def _check_planned_stock(planned_stock: Any) -> pd.DataFrame:
    """``item_id``, ``date`` (normalised) and ``units`` (>= 0), one row per item and date."""
    if not isinstance(planned_stock, pd.DataFrame):
        raise TypeError(f"planned_stock must be a DataFrame; got {type(planned_stock).__name__}.")
    if "units" not in planned_stock.columns and "on_hand_end_units" in planned_stock.columns:
        # a time-phased lot plan (time_phased_orders): its planned stock at each period's end
        planned_stock = planned_stock.rename(columns={"on_hand_end_units": "units"})
    need = ["item_id", "date", "units"]
    check_columns(
        planned_stock,
        "planned_stock",
        need,
        "Pass one row per item and period with item_id, date and units (planned on hand).",
    )
    ps = planned_stock[need].copy()
    ps["item_id"] = ps["item_id"].astype("str")
    ps["date"] = pd.to_datetime(ps["date"]).dt.normalize()
    ps["units"] = pd.to_numeric(ps["units"], errors="coerce").astype(float)
    bad = ps["units"].isna() | (ps["units"] < 0)
    if bad.any():
        raise SchemaError(
            f"planned_stock.units must be numbers >= 0; found {ps.loc[bad, 'units'].head(3).tolist()} "
            f"for items {format_ids(ps.loc[bad, 'item_id'].unique())}. Fix the plan."
        )
    dup = ps.duplicated(["item_id", "date"], keep=False)
    if dup.any():
        raise SchemaError(
            f"planned_stock has {int(dup.sum())} duplicate item_id x date rows, e.g. items "
            f"{format_ids(ps.loc[dup, 'item_id'].unique())}. Aggregate to one row per item and period."
        )
    return ps


def _capacity_per_period(capacity_m3: Any, dates: pd.DatetimeIndex) -> np.ndarray:
    """Capacity (m³) of each planned period from a number or a Series by date; all > 0."""
    if isinstance(capacity_m3, pd.Series):
        cap_s = capacity_m3.copy()
        cap_s.index = pd.DatetimeIndex(pd.to_datetime(cap_s.index)).normalize()
        cap = cap_s.reindex(dates).to_numpy(dtype=float)
        if np.isnan(cap).any():
            missing = dates[np.isnan(cap)]
            raise ValueError(
                f"capacity_m3 has no value for {len(missing)} periods, e.g. "
                f"{[f'{d:%Y-%m-%d}' for d in missing[:3]]}. Give a capacity for every planned date."
            )
    else:
        cap = np.full(len(dates), float(capacity_m3))
    if not (cap > 0).all():
        raise ValueError(f"capacity_m3 must be > 0 m³; got {cap[~(cap > 0)][:3].tolist()}.")
    return cap


def _period_frame(
    dates: pd.DatetimeIndex,
    volume: np.ndarray,
    cap: np.ndarray,
    out_pre: np.ndarray,
    out_def: np.ndarray,
    unresolved: np.ndarray,
    moves: list[tuple[int, int, str, float]],
) -> pd.DataFrame:
    """One row per period: volume against capacity, what moves out and in, volume after."""
    in_pre = np.zeros(len(dates))
    in_def = np.zeros(len(dates))
    for _src, dst, kind, m in moves:
        (in_pre if kind == "prebuild" else in_def)[dst] += m
    return pd.DataFrame(
        {
            "date": dates,
            "volume_m3": volume,
            "capacity_m3": cap,
            "utilisation": volume / cap,
            "over_capacity": volume > cap + _TOL,
            "excess_m3": np.maximum(volume - cap, 0.0),
            "prebuilt_out_m3": out_pre,
            "prebuilt_in_m3": in_pre,
            "deferred_out_m3": out_def,
            "deferred_in_m3": in_def,
            "unresolved_m3": unresolved,
            "volume_after_m3": volume - out_pre - out_def + in_pre + in_def,
        }
    )


def _item_frame(
    all_items: list[str],
    units: np.ndarray,
    vol_unit: np.ndarray,
    item_vol: np.ndarray,
    volume: np.ndarray,
    out_pre: np.ndarray,
    out_def: np.ndarray,
    unresolved: np.ndarray,
) -> pd.DataFrame:
    """One row per item: peak, and its share of each period's moves in units."""
    has_vol = np.isfinite(vol_unit)
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.where(volume > 0, item_vol / volume, 0.0)  # (items, periods)
        per_unit = np.where(has_vol & (vol_unit > 0), vol_unit, np.nan)

        def to_units(v: np.ndarray) -> np.ndarray:
            return np.nan_to_num((share @ v) / per_unit)

        peak_units = units.max(axis=1) if units.size else np.zeros(len(all_items))
        item_frame = pd.DataFrame(
            {
                "item_id": pd.array(all_items, dtype="str"),
                "storage_volume": vol_unit,
                "peak_units": peak_units,
                "peak_volume_m3": item_vol.max(axis=1) if units.size else 0.0,
                "prebuild_units": to_units(out_pre),
                "defer_units": to_units(out_def),
                "unresolved_units": to_units(unresolved),
            }
        )
    item_frame["status"] = np.where(has_vol, "ok", "no_volume")
    item_frame["reason"] = np.where(
        has_vol, "", "no storage_volume in the items table: not counted against capacity"
    )
    item_frame["status"] = item_frame["status"].astype("str")
    item_frame["reason"] = item_frame["reason"].astype("str")
    return item_frame

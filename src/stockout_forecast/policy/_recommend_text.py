"""What recommend_orders writes per item: the decision columns, status and a plain reason line."""

from __future__ import annotations

from typing import Any, cast

import numpy as np
import pandas as pd

__all__ = [
    "EXPEDITE_AT",
    "backorder_note",
    "finish",
    "order_columns",
    "reasons",
]

#: an order is "expedite" when running out before it arrives is at least this likely (more
#: likely than not); a smaller risk above 1 - service level is said in the line, unlabelled
EXPEDITE_AT = 0.5


def backorder_note(reorder_point: float) -> str:
    """What a negative reorder point means, said plainly: ' (order when 3 units are backordered)'.

    With backorders an (s, Q) policy may wait until ``-s`` units are backordered before it
    orders (see :func:`~stockout_forecast.policy_curves`); '' for ``s >= 0`` or NaN.
    """
    if not np.isfinite(reorder_point) or round(reorder_point) >= 0:
        return ""
    n = -round(reorder_point)
    return f" (order when {n:,} unit{'s are' if n != 1 else ' is'} backordered)"


def _int_text(v: Any) -> str | None:
    """A number rounded half to even, as text ('<NA>'-free: None when missing)."""
    return None if pd.isna(v) else str(round(float(v)))


def _cat(*parts: str | None) -> str | None:
    """The parts joined; None (a missing line) when one is missing, as pandas concatenates."""
    return None if any(p is None for p in parts) else "".join(cast("tuple[str, ...]", parts))


def _decision(
    now: bool,
    late: bool,
    risky: bool,
    units: float,
    by: str,
    day: pd.Timestamp,
    as_of: pd.Timestamp,
    pct: str | None,
    ip: float,
    rp: float,
    timed: bool,
) -> str | None:
    """The decision part of an item's line: order now (and expedite) or not, and why."""
    decision: str | None
    if now:
        units_txt = "<NA>" if np.isnan(units) else f"{round(float(units)):,}"
        if late:
            last = by + " was the last safe day; " if not pd.isna(day) and day < as_of else ""
            decision = _cat(
                "order ", units_txt, " now and expedite: ", last, pct,
                " chance of running out before it arrives",
            )  # fmt: skip
        else:
            decision = "order " + units_txt + " by " + by
            if risky:
                decision = _cat(decision, " (", pct, " chance of running out before it arrives)")
    else:
        sp = _cat(_int_text(rp), backorder_note(rp))
        decision = _cat("no order: inventory position ", _int_text(ip), " above reorder point ", sp)
        if not pd.isna(day):
            decision = _cat(decision, ", order by ", by)
    if timed:
        decision = _cat(decision, " (open orders arrive too late to count on)")
    if not now and risky:
        decision = _cat(
            decision, "; ", pct,
            " chance of running out before an order placed today could arrive: chase the "
            "open orders",
        )  # fmt: skip
    return decision


def reasons(rec: pd.DataFrame, as_of: pd.Timestamp, capped: np.ndarray) -> np.ndarray:
    """One plain line per item: velocity, cover, supplier lead time → decision.

    Written row by row (a few microseconds per item; whole-column string operations cost
    ~10 ms per call whatever the number of items). A missing figure (NaN) in a part of the
    line makes the line missing, as concatenating columns of text does.
    """
    n = len(rec)
    get = rec.__getitem__
    p_before = (
        get("p_stockout_before_arrival").to_numpy(dtype=float)
        if "p_stockout_before_arrival" in rec
        else np.full(n, np.nan)
    )
    cols = zip(
        get("days_of_cover").to_numpy(dtype=float),
        get("stockout_date_p50_without_order").isna().to_numpy(),
        get("supplier_id").to_numpy(dtype=object),
        get("lead_time_days").to_numpy(dtype=float),
        get("lead_time_sd_days").to_numpy(dtype=float),
        get("velocity_units_per_day").to_numpy(dtype=float),
        get("order_by_date").to_numpy(dtype="datetime64[ns]"),
        get("order_units").to_numpy(dtype=float),
        p_before,
        get("service_level").to_numpy(dtype=float),
        get("order_now").astype(bool).to_numpy(),
        get("inventory_position_units").to_numpy(dtype=float),
        get("reorder_point_units").to_numpy(dtype=float),
        (get("order_trigger") == "order_by_date").to_numpy(),
        np.asarray(capped, dtype=bool),
        strict=True,
    )
    out = np.empty(n, dtype=object)
    for k, (
        cov,
        beyond,
        sup,
        lt,
        lt_sd,
        vel,
        obd,
        units,
        p,
        level,
        now,
        ip,
        rp,
        timed,
        cap,
    ) in enumerate(cols):
        cover_txt = _cat(_int_text(cov), " days of cover")
        if beyond:
            cover_txt = _cat("more than ", cover_txt)
        sup_txt = None if pd.isna(sup) else str(sup)
        lt_txt = _cat(
            "supplier ", sup_txt, " lead time ", _int_text(lt), "±", _int_text(lt_sd), " days"
        )
        day = pd.Timestamp(obd)
        by = "" if pd.isna(day) else f"{day.day} {day.strftime('%b')}"
        has_p = not np.isnan(p)
        risky = has_p and p > 1.0 - level
        late = has_p and p >= EXPEDITE_AT
        pct = f"{round(100 * float(p))}%" if has_p else None
        decision = _decision(now, late, risky, units, by, day, as_of, pct, ip, rp, timed)
        vel_txt = f"velocity {vel:.1f}/day"
        line = _cat(vel_txt, ", ", cover_txt, ", ", lt_txt, " → ", decision)
        if cap:
            line = _cat(line, " (service level judged over the horizon only)")
        out[k] = np.nan if line is None else line
    return out


def _status_and_reason(
    rec: pd.DataFrame,
    summary: pd.DataFrame,
    *,
    comp: np.ndarray,
    has_sup: np.ndarray,
    discontinued: np.ndarray,
    ok: np.ndarray,
    capped: np.ndarray,
    at_cap: np.ndarray,
    max_units: np.ndarray,
    wanted: np.ndarray,
    as_of: pd.Timestamp,
) -> tuple[pd.api.extensions.ExtensionArray, pd.api.extensions.ExtensionArray]:
    """``status`` and ``reason`` per item, as text arrays (a missing line is NaN).

    The simulation's, no supplier, discontinued, else the plain decision line (with the
    capacity cap and the simulation's note).
    """
    n = len(rec)
    status = np.full(n, "ok", dtype=object)
    reason = np.full(n, "", dtype=object)
    sim_status = summary["status"].to_numpy(dtype=object)
    sim_reason = summary["reason"].to_numpy(dtype=object)
    not_sim = ~comp
    status[not_sim] = np.where(pd.isna(sim_status[not_sim]), "no_forecast", sim_status[not_sim])
    reason[not_sim] = np.where(
        pd.isna(sim_reason[not_sim]),
        "in neither the forecast nor the inventory: forecast it and add an inventory row",
        sim_reason[not_sim],
    )
    no_sup = comp & ~has_sup
    status[no_sup] = "no_supplier"
    reason[no_sup] = "no supplier in the suppliers table; add one with unit_cost and lead_time_days"
    stop = comp & discontinued
    status[stop] = "discontinued"
    reason[stop] = "discontinued in the items table: not reordered"
    line = reasons(rec, as_of, capped)
    for k in np.flatnonzero(at_cap):
        line[k] = (
            f"{line[k]}; capped at the suppliers' combined capacity of {max_units[k]:,.0f} "
            f"units (the policy wanted {wanted[k]:,.0f}): order the rest in the next review"
        )
    reason[ok] = line[ok]
    for k in np.flatnonzero(ok):
        note = sim_reason[k]
        if isinstance(note, str) and note != "" and isinstance(reason[k], str):
            reason[k] = f"{reason[k]} ({note})"  # a missing line stays missing
    return pd.array(status, dtype="str"), pd.array(reason, dtype="str")


_COLUMNS = [
    "item_id",
    "order_now",
    "order_trigger",
    "order_units",
    "supplier_id",
    "unit_cost",
    "order_by_date",
    "p_stockout_before_arrival",
    "expected_arrival_date",
    "lead_time_days",
    "lead_time_sd_days",
    "velocity_units_per_day",
    "days_of_cover",
    "inventory_position_units",
    "reorder_point_units",
    "order_up_to_units",
    "reorder_point_method",
    "service_level",
    "service_basis",
    "expected_service_level",
    "implied_fill_rate",
    "policy_type",
    "expected_cost_per_year",
    "expected_holding_cost_per_year",
    "expected_ordering_cost_per_year",
    "expected_backorder_cost_per_year",
    "cost_defaults",
    "stockout_date_p50_without_order",
    "stockout_date_p50_with_order",
    "status",
    "reason",
]


def order_columns(
    it: Any,
    win: Any,
    plan: Any,
    pol: Any,
    ok: np.ndarray,
    method: np.ndarray,
    as_of_ts: pd.Timestamp,
) -> None:
    """The decision columns: reorder point, order-up-to, trigger, units, dates, service."""
    rec, n = it.rec, it.n
    rec["reorder_point_units"] = plan.s_pt + 0.0  # no negative zero
    method = method.copy()
    method[ok & np.isfinite(pol.reorder_point)] = "given"
    method[~ok] = None
    rec["reorder_point_method"] = method
    rec["order_up_to_units"] = plan.big_s
    order_now = ok & (plan.units > 0)
    rec["order_now"] = order_now
    rec["order_trigger"] = np.where(
        order_now & plan.by_rop,
        "reorder_point",
        np.where(order_now & plan.by_date, "order_by_date", ""),
    )
    rec["order_units"] = np.where(ok, plan.units, np.nan)
    arr_date = as_of_ts + pd.to_timedelta(win.arr_off - win.as_off, unit="D")
    rec["expected_arrival_date"] = np.where(
        order_now, arr_date.to_numpy(), np.datetime64("NaT", "ns")
    ).astype("datetime64[ns]")
    p_without = np.full(n, np.nan)
    ok_rows = np.flatnonzero(ok)
    if ok_rows.size:
        p_without[ok_rows] = it.so.p_stockout[it.rows[ok_rows], win.end_idx[ok_rows]]
    rec["stockout_date_p50_with_order"] = np.where(
        order_now, plan.d_with, rec["stockout_date_p50_without_order"].to_numpy()
    ).astype("datetime64[ns]")
    rec["expected_service_level"] = 1.0 - np.where(order_now, plan.p_with, p_without)


def finish(
    it: Any,
    terms: Any,
    win: Any,
    plan: Any,
    ok: np.ndarray,
    as_of_ts: pd.Timestamp,
) -> pd.DataFrame:
    """Status and reason per item; the output columns in order."""
    rec = it.rec
    status, reason = _status_and_reason(
        rec,
        it.summary,
        comp=it.comp,
        has_sup=terms.has_sup,
        discontinued=terms.discontinued,
        ok=ok,
        capped=win.capped,
        at_cap=ok
        & (plan.units > 0)
        & (plan.units >= win.max_units)
        & (plan.wanted > win.max_units),
        max_units=win.max_units,
        wanted=plan.wanted,
        as_of=as_of_ts,
    )
    method = pd.array(rec["reorder_point_method"].to_numpy(dtype=object), dtype="str")
    method[~ok] = np.nan
    item_id = pd.array(rec.index.to_numpy(dtype=object), dtype="str")
    given = {"item_id": item_id, "reorder_point_method": method, "status": status, "reason": reason}
    return rec.frame(_COLUMNS, given)

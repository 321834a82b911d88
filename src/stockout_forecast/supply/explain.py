"""Per item x supplier lines: the costs of a split and one plain sentence on each supplier."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ._problem import _EPS, _Arrays, _fmt

_LINE_COLUMNS = [
    "item_id",
    "supplier_id",
    "units",
    "packs",
    "pack_units",
    "unit_cost",
    "purchase_cost",
    "order_cost",
    "expected_units_short",
    "expected_shortage_cost",
    "total_cost",
    "share",
    "lead_time_mean_days",
    "expected_arrival_days",
    "expected_arrival_date",
    "on_time_rate",
    "fill_rate",
    "status",
    "reason",
]


def _lines(
    a: _Arrays,
    x: np.ndarray,
    z: np.ndarray,
    as_of: pd.Timestamp | None,
    mode: str,
    item_ok: np.ndarray,
    extra: dict[str, np.ndarray] | None = None,
) -> pd.DataFrame:
    """Per item x supplier rows with costs, expected shortage and a plain reason."""
    rr, ss = np.nonzero(a.present)
    price = a.price_at(x)[rr, ss]  # at the price break the line's quantity reaches
    e = a.e[rr, ss]  # (m, J)
    zz = z[rr, ss]
    xs = x[rr, ss]
    short = (np.nan_to_num(e) * zz).sum(axis=1)
    # a ten-thousandth of a unit short is solver noise (it differed between MILP blocks)
    short = np.where(a.has_stockout[rr], np.where(short < 1e-4, 0.0, short), np.nan)
    used = xs > _EPS
    N = a.units[rr]
    arrival = a.arrival[rr, ss]
    out = pd.DataFrame(
        {
            "item_id": a.item_ids[rr],
            "supplier_id": a.sup[rr, ss].astype(str),
            "units": xs,
            "packs": np.round(xs / a.p[rr, ss], 9),
            "pack_units": a.p[rr, ss],
            "unit_cost": price,
            "purchase_cost": price * xs,
            "order_cost": np.where(used, a.F[rr, ss], 0.0),
            "expected_units_short": short,
            "expected_shortage_cost": a.b[rr] * np.nan_to_num(short),
            "share": np.where(N > 0, xs / np.where(N > 0, N, 1.0), 0.0),
            "lead_time_mean_days": a.lt_mean[rr, ss],
            "expected_arrival_days": arrival,
            "on_time_rate": a.on_time[rr, ss],
            "fill_rate": a.fill[rr, ss],
        }
    )
    out["total_cost"] = out["purchase_cost"] + out["order_cost"] + out["expected_shortage_cost"]
    out["expected_arrival_date"] = (
        as_of + pd.to_timedelta(np.ceil(arrival - 1e-9), unit="D") if as_of is not None else pd.NaT
    )
    elig = a.elig[rr, ss]
    status = np.where(used, "used", np.where(elig, "not_used", "too_late"))
    status = np.where(item_ok[rr], status, "not_planned")
    out["status"] = status
    out["reason"] = _reasons(a, rr, ss, xs, short, mode, status, extra)
    return out[_LINE_COLUMNS]


def _reasons(
    a: _Arrays,
    rr: np.ndarray,
    ss: np.ndarray,
    xs: np.ndarray,
    short: np.ndarray,
    mode: str,
    status: np.ndarray,
    extra: dict[str, np.ndarray] | None,
) -> list[str]:
    """One plain sentence per supplier line (text formatting only)."""
    N = a.units[rr]
    raw_cap = a.cap[rr, ss]
    share_cap = a.share[rr, ss] * N
    w = a.nj[rr]
    e_mean = (np.nan_to_num(a.e[rr, ss]) * w).sum(axis=1) / np.maximum(w.sum(axis=1), 1e-12)
    out = []
    for k in range(len(rr)):
        i, s = rr[k], ss[k]
        st = status[k]
        arr = a.arrival[i, s]
        if st == "not_planned":
            out.append("item not planned (see the item's reason)")
            continue
        if st == "too_late":
            out.append(
                f"not used: expected on day {arr:.3g}, after the latest useful arrival "
                f"(day {a.latest[i]:.3g})"
            )
            continue
        price = a.c[i, s]
        if st == "not_used":
            bits = [f"not used: {price:.4g}/unit"]
            if a.has_stockout[i] and a.b[i] > 0:
                bits.append(f"+ {a.b[i] * e_mean[k]:.3g}/unit expected shortage on average")
            if a.moq[i, s] > 0:
                bits.append(f"MOQ {_fmt(a.moq[i, s])}")
            if a.F[i, s] > 0:
                bits.append(f"order cost {a.F[i, s]:.4g}")
            if mode == "priority":
                bits.append("order already placed with higher-priority suppliers")
            if mode == "quota":
                bits.append("no quota")
            out.append(", ".join(bits))
            continue
        txt = f"{_fmt(xs[k])} units at {price:.4g}/unit, expected on day {arr:.3g}"
        if np.isfinite(short[k]):
            txt += f", {short[k]:,.1f} units expected short"
        flags = []
        if a.moq[i, s] > 0 and abs(xs[k] - a.moq[i, s]) < a.p[i, s] - _EPS:
            flags.append("at its MOQ")
        if np.isfinite(raw_cap[k]) and xs[k] >= raw_cap[k] - a.p[i, s] + _EPS:
            flags.append("at capacity")
        if a.share[i, s] < 1 and xs[k] >= share_cap[k] - a.p[i, s] + _EPS:
            flags.append("at max share")
        if extra is not None and "gap" in extra and mode == "dual":
            if (
                extra["fast"][i] == s
                and extra["gap"][i] > 0
                and extra["fast"][i] != extra["reg"][i]
            ):
                flags.append(
                    f"expedite: covers {_fmt(extra['gap'][i])} units of gap demand before the regular supplier arrives"
                )
            elif extra["reg"][i] == s:
                flags.append("regular (cheapest) supplier")
        if mode == "priority":
            flags.append(
                f"priority rank by {'priority' if np.isfinite(a.priority[i, s]) else 'price'}"
            )
        if mode == "quota":
            flags.append(f"quota {np.nan_to_num(a.quota[i, s]):g}")
        if flags:
            txt += " (" + "; ".join(flags) + ")"
        out.append(txt)
    return out

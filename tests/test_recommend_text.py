"""recommend_orders' reason lines written row by row equal the former column-wise lines.

The reference below is the column-wise implementation the row-by-row one replaced (same
text, NaN propagation and rounding: half to even); the cases cover every branch of the
line (order now / expedite / last safe day / risky; no order / order-by date / timed /
chase; capped; a negative reorder point; missing figures).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from stockout_forecast.policy._recommend_text import EXPEDITE_AT, backorder_note, reasons

AS_OF = pd.Timestamp("2024-03-10")


def fmt_date(d: pd.Series) -> pd.Series:
    """'3 Dec' style dates (NaT becomes '')."""
    ok = d.notna()
    out = pd.Series("", index=d.index, dtype="str")
    out[ok] = d[ok].dt.day.astype(str) + " " + d[ok].dt.strftime("%b")
    return out


def reference_reasons(rec: pd.DataFrame, as_of: pd.Timestamp, capped: np.ndarray) -> np.ndarray:
    """The former column-wise reasons (the specification of the lines)."""
    cover = rec["days_of_cover"]
    cover_txt = cover.round().astype("Int64").astype("str") + " days of cover"
    beyond = rec["stockout_date_p50_without_order"].isna()
    cover_txt = cover_txt.where(~beyond, "more than " + cover_txt)
    lt = rec["lead_time_days"]
    lt_txt = (
        "supplier "
        + rec["supplier_id"].astype("str")
        + " lead time "
        + lt.round().astype("Int64").astype("str")
        + "±"
        + rec["lead_time_sd_days"].round().astype("Int64").astype("str")
        + " days"
    )
    vel_txt = "velocity " + rec["velocity_units_per_day"].map("{:.1f}".format) + "/day"
    obd = rec["order_by_date"]
    by = fmt_date(obd)
    units = rec["order_units"].round().astype("Int64").map("{:,}".format)
    p_before = rec["p_stockout_before_arrival"] if "p_stockout_before_arrival" in rec else None
    if p_before is None:
        p_before = pd.Series(np.nan, index=rec.index)
    risky = p_before.notna() & (p_before > 1.0 - rec["service_level"].astype(float))
    late = p_before.notna() & (p_before >= EXPEDITE_AT)
    pct = (100 * p_before).round().astype("Int64").astype("str") + "%"
    decision = pd.Series("", index=rec.index, dtype="str")
    now = rec["order_now"].astype(bool)
    decision[now & ~late] = "order " + units[now & ~late] + " by " + by[now & ~late]
    last_day = pd.Series("", index=rec.index, dtype="str")
    past = late & obd.notna() & (obd < as_of)
    last_day[past] = by[past] + " was the last safe day; "
    decision[now & late] = (
        "order "
        + units[now & late]
        + " now and expedite: "
        + last_day[now & late]
        + pct[now & late]
        + " chance of running out before it arrives"
    )
    warn = now & risky & ~late
    decision[warn] = decision[warn] + " (" + pct[warn] + " chance of running out before it arrives)"
    ip = rec["inventory_position_units"].round().astype("Int64").astype("str")
    sp = rec["reorder_point_units"].round().astype("Int64").astype("str")
    sp = sp + pd.Series(
        [backorder_note(v) for v in rec["reorder_point_units"]], index=rec.index, dtype="str"
    )
    wait = ~now
    decision[wait] = "no order: inventory position " + ip[wait] + " above reorder point " + sp[wait]
    has_by = wait & obd.notna()
    decision[has_by] = decision[has_by] + ", order by " + by[has_by]
    timed = (rec["order_trigger"] == "order_by_date").to_numpy()
    decision[timed] = decision[timed] + " (open orders arrive too late to count on)"
    chase = wait & risky
    decision[chase] = (
        decision[chase]
        + "; "
        + pct[chase]
        + " chance of running out before an order placed today could arrive: chase the "
        "open orders"
    )
    line = vel_txt + ", " + cover_txt + ", " + lt_txt + " → " + decision
    cap = pd.Series(capped, index=rec.index)
    line[cap] = line[cap] + " (service level judged over the horizon only)"
    return line.to_numpy(dtype=object)


def _frame(n: int, seed: int) -> tuple[pd.DataFrame, np.ndarray]:
    rng = np.random.default_rng(seed)

    def some_nan(x: np.ndarray, share: float = 0.1) -> np.ndarray:
        return np.where(rng.random(n) < share, np.nan, x)

    days = pd.Series(AS_OF + pd.to_timedelta(rng.integers(-5, 40, n), unit="D"))
    rec = pd.DataFrame(
        {
            "days_of_cover": some_nan(rng.random(n) * 60),
            "stockout_date_p50_without_order": days.where(rng.random(n) > 0.3),
            "supplier_id": pd.Series([f"S{k % 4}" for k in range(n)], dtype="str").where(
                rng.random(n) > 0.1
            ),
            "lead_time_days": some_nan(rng.integers(1, 30, n).astype(float) + 0.5),
            "lead_time_sd_days": some_nan(rng.random(n) * 5),
            "velocity_units_per_day": some_nan(rng.random(n) * 9),
            "order_by_date": days.where(rng.random(n) > 0.2),
            "order_units": some_nan(rng.integers(0, 5000, n) + 0.5),
            "p_stockout_before_arrival": np.where(
                rng.random(n) < 0.3, np.nan, rng.choice([0.0, 0.02, 0.5, 0.9, rng.random()], n)
            ),
            "service_level": some_nan(rng.choice([0.9, 0.95, 0.99], n), 0.05),
            "order_now": rng.random(n) < 0.5,
            "inventory_position_units": some_nan(rng.random(n) * 300 - 20),
            "reorder_point_units": some_nan(rng.random(n) * 200 - 40),
            "order_trigger": rng.choice(["reorder_point", "order_by_date", ""], n),
        }
    )
    return rec, rng.random(n) < 0.2


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_row_lines_equal_the_column_lines(seed):
    rec, capped = _frame(400, seed)
    got = reasons(rec, AS_OF, capped)
    want = reference_reasons(rec, AS_OF, capped)
    assert len(got) == len(want) == 400
    for g, w in zip(got, want, strict=True):
        assert (pd.isna(g) and pd.isna(w)) or g == w
    # every branch was met: the cases are not all alike
    text = " | ".join(str(x) for x in got)
    for said in (
        "now and expedite",
        "was the last safe day",
        "chance of running out before it arrives)",
        "no order: inventory position",
        ", order by ",
        "open orders arrive too late to count on",
        "chase the open orders",
        "judged over the horizon only",
        "backordered)",
        "more than ",
    ):
        assert said in text, said
    assert any(pd.isna(g) for g in got)  # a missing figure makes a missing line


def test_one_item_line_by_hand():
    # 2.5 rounds half to even (2); 4.49 days of cover -> 4; P(before arrival) 0.5 -> expedite
    rec = pd.DataFrame(
        {
            "days_of_cover": [4.49],
            "stockout_date_p50_without_order": [pd.Timestamp("2024-03-14")],
            "supplier_id": ["S1"],
            "lead_time_days": [7.0],
            "lead_time_sd_days": [2.5],
            "velocity_units_per_day": [3.25],
            "order_by_date": [pd.Timestamp("2024-03-08")],
            "order_units": [1234.4],
            "p_stockout_before_arrival": [0.5],
            "service_level": [0.95],
            "order_now": [True],
            "inventory_position_units": [10.0],
            "reorder_point_units": [30.0],
            "order_trigger": ["reorder_point"],
        }
    )
    line = reasons(rec, AS_OF, np.array([False]))[0]
    assert line == (
        "velocity 3.2/day, 4 days of cover, supplier S1 lead time 7±2 days → order 1,234 now "
        "and expedite: 8 Mar was the last safe day; 50% chance of running out before it arrives"
    )

"""Promise dates, backorder notices and the availability feed (hand-computed cases)."""

from __future__ import annotations

import json

import matplotlib
import numpy as np
import pandas as pd
import pytest

from stockout_forecast.exceptions import SchemaError
from stockout_forecast.supply.backorders import (
    BackorderPlan,
    availability_feed,
    backorder_notices,
    promise_dates,
)

matplotlib.use("Agg")

AS_OF = "2024-03-05"
T = pd.Timestamp


def _lines(**extra):
    df = pd.DataFrame(
        {
            "order_id": ["o1", "o2", "o3", "o4"],
            "line_id": ["1", "1", "1", "1"],
            "customer_id": ["c1", "c2", "c3", "c4"],
            "item_id": ["A"] * 4,
            "units": [6, 8, 20, 15],
            "order_date": ["2024-03-01", "2024-03-02", "2024-03-03", "2024-03-04"],
        }
    )
    return df.assign(**extra)


def _po(p2_date="2024-03-20", with_p3=False, p1_received=None):
    rows = {
        "po_id": ["P1", "P2"],
        "item_id": ["A", "A"],
        "supplier_id": ["S", "S"],
        "units": [20, 15],
        "order_date": ["2024-02-20", "2024-02-25"],
        "expected_date": ["2024-03-10", p2_date],
        "received_date": [None, None],
        "received_units": [np.nan, np.nan],
    }
    df = pd.DataFrame(rows)
    if with_p3:
        df.loc[2] = ["P3", "A", "S", 10, "2024-02-26", "2024-03-25", None, np.nan]
    if p1_received is not None:
        df.loc[0, "received_date"] = AS_OF
        df.loc[0, "received_units"] = p1_received
    return df


INV = pd.DataFrame({"item_id": ["A"], "on_hand_units": [10]})
# stated spread 3 days -> P90 margin ceil(1.2816 x 3) = 4 days
SUP = pd.DataFrame(
    {
        "item_id": ["A"],
        "supplier_id": ["S"],
        "unit_cost": [1.0],
        "lead_time_days": [14],
        "lead_time_sd_days": [3],
    }
)


def test_fifo_allocation_hand_computed():
    # supply: stock [0, 10), P1 [10, 30) on 03-10, P2 [30, 45) on 03-20.
    # lines (FIFO): o1 [0, 6) stock; o2 [6, 14) 4 stock + 4 P1; o3 [14, 34) 16 P1 + 4 P2;
    # o4 [34, 49) 11 P2 + 4 with no supply -> unpromisable.
    plan = promise_dates(_lines(), INV, _po(), as_of=AS_OF, suppliers=SUP)
    L = plan.lines.set_index("order_id")
    assert L["units_from_stock"].tolist() == [6, 4, 0, 0]
    assert L["units_from_po"].tolist() == [0, 4, 20, 11]
    assert L["units_unallocated"].tolist() == [0, 0, 0, 4]
    assert L["po_ids"].tolist() == ["stock", "stock;P1", "P1;P2", "P2"]
    assert L["promised_date_p50"].tolist() == [T(AS_OF), T("2024-03-10"), T("2024-03-20"), pd.NaT]
    assert L["promised_date_p90"].tolist() == [T(AS_OF), T("2024-03-14"), T("2024-03-24"), pd.NaT]
    assert L["units_ship_now"].tolist() == [6, 4, 0, 0]
    assert L["status"].tolist() == ["in_stock", "partial", "backorder", "unpromisable"]
    assert L["allocation_rank"].tolist() == [1, 2, 3, 4]
    assert "4 of 15 units have no scheduled supply" in L.loc["o4", "reason"]
    al = plan.allocations
    assert al.loc[al.order_id == "o3", "units"].tolist() == [16, 4]
    sup = plan.supply.set_index("source_id")
    assert sup["units_allocated"].tolist() == [10, 20, 15]
    assert sup["units_free"].sum() == 0


def test_priority_then_fifo_hand_computed():
    # o4 has priority 1, the others none (served after, in order date order):
    # o4 [0, 15) 10 stock + 5 P1; o1 [15, 21) P1; o2 [21, 29) P1; o3 [29, 49) 1 P1 + 15 P2 + 4 none
    lines = _lines(priority=[np.nan, np.nan, np.nan, 1])
    plan = promise_dates(lines, INV, _po(), rule="priority", as_of=AS_OF, suppliers=SUP)
    L = plan.lines.set_index("order_id")
    assert list(L.index) == ["o4", "o1", "o2", "o3"]
    assert L["units_from_stock"].tolist() == [10, 0, 0, 0]
    assert L["units_from_po"].tolist() == [5, 6, 8, 16]
    assert L["units_unallocated"].tolist() == [0, 0, 0, 4]
    assert L["units_ship_now"].tolist() == [10, 0, 0, 0]
    assert L["promised_date_p50"].tolist() == [T("2024-03-10")] * 3 + [pd.NaT]
    # FIFO gives a different order: o4 is last there
    fifo = promise_dates(lines, INV, _po(), rule="fifo", as_of=AS_OF)
    assert fifo.lines["order_id"].tolist() == ["o1", "o2", "o3", "o4"]


def test_partial_shipment_minimum_and_ship_complete():
    # o2 gets 4 from stock: below a minimum shipment of 5 it waits for P1
    plan = promise_dates(_lines(), INV, _po(), as_of=AS_OF, min_shipment_units=5)
    o2 = plan.lines.set_index("order_id").loc["o2"]
    assert o2["units_ship_now"] == 0
    assert o2["status"] == "backorder"
    assert "below the minimum shipment 5" in o2["reason"]
    # a complete line always ships, even below the minimum
    assert plan.lines.set_index("order_id").loc["o1", "units_ship_now"] == 6
    # ship-complete order: line 1 (B, in stock) waits for line 2 (A, from P1 on 03-10)
    lines = pd.DataFrame(
        {
            "order_id": ["x", "x"],
            "line_id": ["1", "2"],
            "item_id": ["B", "A"],
            "units": [3, 12],
            "order_date": ["2024-03-01", "2024-03-01"],
            "ship_complete": [True, True],
        }
    )
    inv = pd.DataFrame({"item_id": ["A", "B"], "on_hand_units": [10, 5]})
    plan = promise_dates(lines, inv, _po(), as_of=AS_OF)
    L = plan.lines.set_index("line_id")
    assert L["units_ship_now"].tolist() == [0, 0]
    assert L["promised_date_p50"].tolist() == [T("2024-03-10")] * 2
    assert L["status"].tolist() == ["backorder", "backorder"]
    assert "held: the order ships complete" in L.loc["2", "reason"]
    # the same order without ship-complete: B ships, A ships 10 of 12 now
    plan = promise_dates(lines.drop(columns="ship_complete"), inv, _po(), as_of=AS_OF)
    assert plan.lines["units_ship_now"].tolist() == [10, 3]  # sorted by item: A then B


def test_po_delay_moves_exactly_the_affected_lines_into_notices():
    # with P3 (10 units on 03-25, P90 03-29): o3 = 16 P1 + 4 P2 (P90 03-24); o4 = 11 P2 +
    # 4 P3 (P90 max(03-24, 03-29) = 03-29). P2 slips 4 days to 03-24: o3 moves to 03-28;
    # o4 stays on 03-29 (P3 is its last source), o1 and o2 do not use P2.
    base = promise_dates(_lines(), INV, _po(with_p3=True), as_of=AS_OF, suppliers=SUP)
    promised = base.lines.set_index("order_id")["promised_date"]
    assert promised.tolist() == [T(AS_OF), T("2024-03-14"), T("2024-03-24"), T("2024-03-29")]
    lines = _lines(promised_date=promised.to_numpy())
    again = promise_dates(lines, INV, _po(with_p3=True), as_of=AS_OF, suppliers=SUP)
    assert not again.lines["date_moved"].any()
    assert backorder_notices(again).empty
    late = promise_dates(
        lines, INV, _po(p2_date="2024-03-24", with_p3=True), as_of=AS_OF, suppliers=SUP
    )
    n = backorder_notices(late, incentive="free shipping")
    assert n["order_id"].tolist() == ["o3"]
    row = n.iloc[0]
    assert row["customer_id"] == "c3"
    assert row["old_promised_date"] == T("2024-03-24")
    assert row["new_promised_date"] == T("2024-03-28")
    assert row["days_slipped"] == 4
    assert row["notice"] == "date_slipped"
    assert "keep waiting until 2024-03-28 with free shipping" in row["options"]
    assert "cancel" in row["options"]
    assert "date moved 4 days later" in row["reason"]
    L = late.lines.set_index("order_id")
    assert L["change"].tolist() == ["same", "same", "later", "same"]


def test_short_receipt_makes_a_line_unpromisable():
    # before: stock 10, P1 20, P2 15, P3 10 = 55 >= 49 owed: every line has a date.
    # P1 arrives with 12 of 20 and closes: on hand 22, supply 22 + 15 + 10 = 47 < 49:
    # o4 [34, 49) gets 3 (P2) + 10 (P3) and 2 units have no supply -> unpromisable.
    base = promise_dates(_lines(), INV, _po(with_p3=True), as_of=AS_OF, suppliers=SUP)
    lines = _lines(promised_date=base.lines["promised_date"].to_numpy())
    inv = pd.DataFrame({"item_id": ["A"], "on_hand_units": [22]})
    after = promise_dates(lines, inv, _po(with_p3=True, p1_received=12), as_of=AS_OF, suppliers=SUP)
    L = after.lines.set_index("order_id")
    assert L.loc["o4", "units_unallocated"] == 2
    assert L.loc["o4", "status"] == "unpromisable"
    assert pd.isna(L.loc["o4", "promised_date"])
    assert L.loc["o4", "change"] == "now_unpromisable"
    assert L.loc["o4", "date_moved"]
    assert "PO P1 received 12 of 20 units on 2024-03-05" in L.loc["o4", "reason"]
    assert L.loc["o2", "change"] == "earlier"
    assert L.loc["o2", "status"] == "in_stock"
    n = backorder_notices(after)
    assert n["order_id"].tolist() == ["o4"]
    assert n.loc[0, "notice"] == "unpromisable"
    assert pd.isna(n.loc[0, "new_promised_date"])
    assert "firm date as soon as supply is booked" in n.loc[0, "options"]
    assert after.items.set_index("item_id").loc["A", "short_receipts"].startswith("PO P1")


def test_first_promises_and_partial_options_in_notices():
    plan = promise_dates(_lines(), INV, _po(), as_of=AS_OF)
    n = backorder_notices(plan)
    # o2 partial, o3 backorder, o4 unpromisable; o1 ships now and is not listed
    assert n["order_id"].tolist() == ["o2", "o3", "o4"]
    assert n["notice"].tolist() == ["first_promise", "first_promise", "unpromisable"]
    assert "or take the 4 units in stock now" in n.loc[0, "options"]
    assert backorder_notices(plan, include_first_promises=False).empty


def test_recommended_orders_come_after_open_pos():
    # a recommended order of 30 arriving 03-15 is allocated after P1 and P2 (committed first)
    rec = pd.DataFrame(
        {
            "item_id": ["A"],
            "order_units": [30],
            "expected_arrival_date": ["2024-03-15"],
            "supplier_id": ["S"],
        }
    )
    plan = promise_dates(_lines(), INV, _po(), rec, as_of=AS_OF)
    assert plan.supply["kind"].tolist() == ["stock", "po", "po", "recommended"]
    o4 = plan.lines.set_index("order_id").loc["o4"]
    assert o4["units_from_po"] == 11
    assert o4["units_from_recommended"] == 4
    assert o4["promised_date_p50"] == T("2024-03-20")  # latest of P2 (03-20) and rec (03-15)
    assert o4["status"] == "backorder"


def test_availability_feed_statuses():
    # A: all stock and P1, P2 owed; P3 has 6 free -> backorder until P3's P90 (03-29)
    # B: 3 free < 5 -> low stock; C: only a PO (03-12, no spread) -> backorder; D: nothing
    inv = pd.DataFrame({"item_id": ["A", "B", "D"], "on_hand_units": [10, 3, 0]})
    po = pd.concat(
        [
            _po(with_p3=True),
            pd.DataFrame(
                {
                    "po_id": ["P9"],
                    "item_id": ["C"],
                    "supplier_id": ["T"],
                    "units": [5],
                    "order_date": ["2024-03-01"],
                    "expected_date": ["2024-03-12"],
                }
            ),
        ],
        ignore_index=True,
    )
    plan = promise_dates(_lines(), inv, po, as_of=AS_OF, suppliers=SUP)
    feed = availability_feed(plan).set_index("item_id")
    assert list(feed.index) == ["A", "B", "C", "D"]
    assert feed["status"].tolist() == ["backorder", "low_stock", "backorder", "unavailable"]
    assert feed.loc["A", "next_available_date"] == T("2024-03-29")
    assert feed.loc["A", "next_available_units"] == 6
    assert feed.loc["A", "message"] == "Backorder: ships by 2024-03-29"
    assert feed.loc["B", "message"] == "Only 3 left"
    assert feed.loc["C", "next_available_date"] == T("2024-03-12")
    per_item = availability_feed(plan, low_stock_units={"A": 1, "B": 2, "C": 1, "D": 1})
    assert per_item.set_index("item_id").loc["B", "status"] == "in_stock"
    with pytest.raises(ValueError, match="no threshold for items"):
        availability_feed(plan, low_stock_units={"A": 1})


def _reference(lines, stock, pos):
    """Per-line Python loop: consume stock then POs (by date) per item in FIFO order."""
    out = {}
    for item, g in lines.sort_values(["item_id", "order_date", "order_id", "line_id"]).groupby(
        "item_id"
    ):
        supply = [["stock", stock.get(item, 0.0)]]
        for _, p in pos[pos.item_id == item].sort_values(["expected_date", "po_id"]).iterrows():
            supply.append([p.po_id, float(p.units)])
        k = 0
        for _, ln in g.iterrows():
            need, got_stock, got_po = float(ln.units), 0.0, 0.0
            while need > 1e-12 and k < len(supply):
                take = min(need, supply[k][1])
                if supply[k][0] == "stock":
                    got_stock += take
                else:
                    got_po += take
                supply[k][1] -= take
                need -= take
                if supply[k][1] <= 1e-12:
                    k += 1
            out[(ln.order_id, ln.line_id)] = (got_stock, got_po, need)
    return out


def test_vectorised_allocation_equals_reference_loop():
    rng = np.random.default_rng(11)
    n_items, n_lines = 7, 120
    items = [f"I{k}" for k in range(n_items)]
    lines = pd.DataFrame(
        {
            "order_id": [f"o{k:03d}" for k in range(n_lines)],
            "line_id": "1",
            "item_id": rng.choice(items, n_lines),
            "units": rng.integers(0, 9, n_lines).astype(float),
            "order_date": pd.Timestamp("2024-01-01")
            + pd.to_timedelta(rng.integers(0, 30, n_lines), unit="D"),
        }
    )
    stock = dict(zip(items, rng.integers(0, 30, n_items).astype(float), strict=True))
    inv = pd.DataFrame({"item_id": items, "on_hand_units": [stock[i] for i in items]})
    n_po = 15
    pos = pd.DataFrame(
        {
            "po_id": [f"P{k:02d}" for k in range(n_po)],
            "item_id": rng.choice(items, n_po),
            "supplier_id": "S",
            "units": rng.integers(1, 40, n_po).astype(float),
            "order_date": "2024-01-01",
            "expected_date": pd.Timestamp("2024-02-01")
            + pd.to_timedelta(rng.integers(0, 40, n_po), unit="D"),
        }
    )
    plan = promise_dates(lines, inv, pos, as_of="2024-02-01")
    ref = _reference(lines, stock, pos)
    got = plan.lines.set_index(["order_id", "line_id"])
    for key, (s, p, u) in ref.items():
        assert got.loc[key, "units_from_stock"] == pytest.approx(s)
        assert got.loc[key, "units_from_po"] == pytest.approx(p)
        assert got.loc[key, "units_unallocated"] == pytest.approx(u)
    assert len(plan.lines) == n_lines  # every line in, every line out
    assert (
        plan.supply.groupby("source_id")["units_allocated"]
        .sum()
        .le(plan.supply.groupby("source_id")["units"].sum() + 1e-9)
        .all()
    )


def test_interfaces_and_errors():
    lines = _lines()
    before = lines.copy()
    plan = promise_dates(lines, INV, _po(), as_of=AS_OF)
    pd.testing.assert_frame_equal(lines, before)
    assert isinstance(plan, BackorderPlan)
    json.dumps(plan.to_dict())
    assert plan.to_dict()["lines"][0]["promised_date"] == AS_OF
    assert "BackorderPlan as of 2024-03-05" in repr(plan)
    assert "<table" in plan._repr_html_()
    assert plan.plot() is not None
    assert plan.notices().equals(backorder_notices(plan))
    assert plan.availability().equals(availability_feed(plan))
    with pytest.raises(ValueError, match="needs the planning day"):
        promise_dates(lines, INV, _po())
    inv_dated = INV.assign(as_of=AS_OF)
    assert promise_dates(lines, inv_dated, _po()).as_of == T(AS_OF)
    with pytest.raises(ValueError, match="rule must be"):
        promise_dates(lines, INV, as_of=AS_OF, rule="lifo")
    with pytest.raises(SchemaError, match="recommended_orders needs"):
        promise_dates(lines, INV, None, pd.DataFrame({"item_id": ["A"]}), as_of=AS_OF)
    with pytest.raises(SchemaError, match="customer_orders is missing column 'units'"):
        promise_dates(lines.drop(columns="units"), INV, as_of=AS_OF)
    with pytest.raises(TypeError, match="BackorderPlan"):
        backorder_notices(lines)

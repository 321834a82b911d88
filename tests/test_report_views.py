"""The orders to place as the report shows them: the plain line of why, the order-by date."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd

from stockout_forecast.report.views import orders_to_place

AS_OF = pd.Timestamp("2026-11-24")


def _plan(policy_reason: str, *, p_before: float = 0.34, order_by: str = "2026-12-05"):
    """A one-item plan: the policy orders 232 units of A, split 30 + 202 over two suppliers."""
    lines = pd.DataFrame(
        {
            "po_id": ["DRAFT-S1", "DRAFT-S2"],
            "supplier_id": ["S1", "S2"],
            "item_id": ["A", "A"],
            "units": [30.0, 202.0],
            "expected_arrival_date": pd.to_datetime(["2026-12-01", "2026-12-27"]),
            "expected_units_short": [2.0, 1.0],
            "line_total": [30.0, 202.0],
        }
    )
    items = pd.DataFrame({"item_id": ["A"], "status": ["ok"], "shortage_cost_per_unit": [17.39]})
    orders = pd.DataFrame(
        {
            "item_id": ["A"],
            "order_now": [True],
            "order_trigger": ["reorder_point"],
            "order_by_date": pd.to_datetime([order_by]),
            "stockout_date_p50_without_order": pd.to_datetime([pd.NaT]),
            "p_stockout_before_arrival": [p_before],
            "service_level": [0.95],
            "implied_fill_rate": [0.97],
            "expected_cost_per_year": [1173.0],
            "days_of_cover": [120.0],
            "velocity_units_per_day": [1.3],
            "inventory_position_units": [40.0],
            "reorder_point_units": [150.0],
            "reason": [policy_reason],
        }
    )
    return SimpleNamespace(
        as_of=AS_OF,
        orders=orders,
        purchase_plan=SimpleNamespace(lines=lines, items=items),
        items=None,
    )


def test_the_chance_of_running_out_is_said_once():
    # the demo shop's SKU-00208: the policy's reason ends with the chance in parentheses, and
    # the order line says it in its own words; before the fix the line said it twice
    policy = (
        "velocity 1.3/day, more than 90 days of cover, supplier S2 lead time 33±5 days → "
        "order 232 by 5 Dec (34% chance of running out before it arrives)"
    )
    why = orders_to_place(_plan(policy))["reason"].iloc[0]
    assert why.count("chance of running out before it arrives") == 1, why
    assert why == (
        "velocity 1.3/day, more than 120 days of cover; inventory position 40 at or below the "
        "reorder point 150 → order 232 now: S1 30 arriving 1 Dec, S2 202 arriving 27 Dec "
        "(last safe order day 5 Dec); 34% chance of running out before it arrives; "
        "3 units expected short"
    )


def test_a_note_with_parentheses_inside_is_carried_whole():
    policy = (
        "velocity 1.3/day → order 232 by 5 Dec (forecast flagged new: only 21 days of history "
        "(fewer than 28) since 2026-11-04)"
    )
    why = orders_to_place(_plan(policy, p_before=0.01))["reason"].iloc[0]
    assert why.endswith(
        "(forecast flagged new: only 21 days of history (fewer than 28) since 2026-11-04)"
    ), why
    assert why.count("(") == why.count(")")
    assert not np.isnan(orders_to_place(_plan(policy))["order_units"].iloc[0])


def _orders_section_html(plan) -> str:
    from stockout_forecast.report.sections import ReportFrames
    from stockout_forecast.report.sections import orders_to_place as section

    frames = ReportFrames(
        plan, pd.DataFrame({"item_id": ["A"]}), orders_to_place(plan), pd.DataFrame()
    )
    return "".join(section(frames))


def test_an_order_by_day_already_passed_reads_now_not_a_date_in_the_past():
    # the demo shop (as of 2026-11-24) showed 'Order by 2026-10-07' for 40 orders: the
    # planner cannot order in October; the cell now says to order now, and the day it was due
    late = _orders_section_html(_plan("x", p_before=0.9, order_by="2026-10-07"))
    assert "<td class=phrases>now <span class=nb>(due 2026-10-07)</span></td>" in late
    assert "<td>2026-10-07</td>" not in late
    on_time = _orders_section_html(_plan("x", p_before=0.01, order_by="2026-12-05"))
    assert "<td class=phrases><span class=nb>2026-12-05</span></td>" in on_time
    assert "now (due" not in on_time.split("</p>", 1)[1]
    # the CSV/Excel/JSON keep the policy's date itself
    assert orders_to_place(_plan("x", order_by="2026-10-07"))["order_by_date"].iloc[0] == (
        pd.Timestamp("2026-10-07")
    )


def test_customers_moved_only_by_the_p90_margin_are_counted_apart():
    # 10 on hand, PO P1 brings 20 on 03-10 (lead-time sd 3 days: P90 margin 4 days, 03-14).
    # o2 was promised P1's expected date 03-10 and still gets it at P50: its notice (03-14) is
    # the margin only; o3 was promised 03-08, before P1 can arrive: a real slip.
    from stockout_forecast import backorder_notices, promise_dates
    from stockout_forecast.report.sections import ReportFrames, customers_to_notify

    lines = pd.DataFrame(
        {
            "order_id": ["o1", "o2", "o3"],
            "line_id": "1",
            "customer_id": ["c1", "c2", "c3"],
            "item_id": "A",
            "units": [6, 8, 5],
            "order_date": ["2024-03-01", "2024-03-02", "2024-03-03"],
            "promised_date": ["2024-03-05", "2024-03-10", "2024-03-08"],
        }
    )
    inv = pd.DataFrame({"item_id": ["A"], "on_hand_units": [10]})
    po = pd.DataFrame(
        {
            "po_id": ["P1"],
            "item_id": ["A"],
            "supplier_id": ["S"],
            "units": [20],
            "order_date": ["2024-02-20"],
            "expected_date": ["2024-03-10"],
        }
    )
    sup = pd.DataFrame(
        {
            "item_id": ["A"],
            "supplier_id": ["S"],
            "unit_cost": [1.0],
            "lead_time_days": [14],
            "lead_time_sd_days": [3],
        }
    )
    bo = promise_dates(lines, inv, po, as_of="2024-03-05", suppliers=sup)
    notices = backorder_notices(bo)
    assert notices["order_id"].tolist() == ["o2", "o3"]
    assert (notices["new_promised_date"] == pd.Timestamp("2024-03-14")).all()
    plan = SimpleNamespace(notices=notices, backorders=bo, forecast=object())
    frames = ReportFrames(plan, pd.DataFrame({"available_units": [10.0]}), None, None)
    html = "".join(customers_to_notify(frames))
    assert "2 open lines need a message" in html
    assert "<b>1 of them moved only by the safety margin:</b>" in html


def test_dates_do_not_break_across_lines():
    # the demo report's narrow columns broke '2026-12-29' into '2026-12-' / '29', and the
    # Order by and Arrives cells (dates written as text) likewise
    from stockout_forecast.report.blocks import fmt_date, fmt_num, fmt_text, one_line, table_html
    from stockout_forecast.report.html import _CSS

    df = pd.DataFrame({"d": [pd.Timestamp("2026-12-29")], "n": [1234.5], "t": ["a b"]})
    cols = [("d", "D", fmt_date), ("n", "N", fmt_num(1)), ("t", "T", fmt_text)]
    df["r"] = "2026-12-23 – 2026-12-25"
    html = table_html(df, [*cols, ("r", "R", one_line(fmt_text))])
    assert (
        "<td class=date>2026-12-29</td><td class=num>1,234.5</td><td>a b</td>"
        "<td class=phrases><span class=nb>2026-12-23</span> – <span class=nb>2026-12-25</span></td>"
    ) in html
    css = [r.split("{") for r in _CSS.replace("\n", "").split("}") if "{" in r]
    rules = {sel.strip(): body for sel, body in css}
    assert "white-space:nowrap" in rules["td.date"]
    assert "white-space:nowrap" in rules[".nb"]


def test_the_stockout_chart_counts_the_items_the_headline_counts(monkeypatch):
    # the demo report's first bar showed 62 items running out within 7 days while the
    # headline said 26 out of stock now: 31 of the 62 were discontinued items, which the
    # headline leaves out (they are not reordered)
    from stockout_forecast.report import plotting
    from stockout_forecast.report.sections import ReportFrames, headline
    from stockout_forecast.report.views import headline as headline_frame

    summary = pd.DataFrame(
        {
            "item_id": ["A", "B", "C"],
            "status": ["ok", "discontinued", "ok"],
            "available_units": [0.0, 0.0, 5.0],
            "stockout_date_p50": pd.to_datetime(["2026-11-25", "2026-11-25", "2026-12-20"]),
        }
    )
    plan = SimpleNamespace(as_of=AS_OF, notes=[], orders=None, notices=None)
    h = headline_frame(plan, summary, pd.DataFrame())
    assert h.set_index("key").loc["out_now", "value"] == 1
    drawn = []
    real = plotting.stockout_timeline

    def spy(s, **kw):
        drawn.append(s)
        return real(s, **kw)

    monkeypatch.setattr(plotting, "stockout_timeline", spy)
    headline(ReportFrames(plan, summary, pd.DataFrame(), h))
    assert drawn[0]["item_id"].tolist() == ["A", "C"]


def test_the_stockout_chart_counts_whole_items():
    # with few items the y axis read 0.5, 1.5, 2.5 items
    import matplotlib.pyplot as plt

    from stockout_forecast.report.plotting import stockout_timeline

    s = pd.DataFrame({"stockout_date": pd.to_datetime(["2026-12-01", "2026-12-20", "2026-12-21"])})
    fig = stockout_timeline(s, as_of=AS_OF)
    ticks = fig.axes[0].get_yticks()
    plt.close(fig)
    assert len(ticks) > 1
    assert all(float(t).is_integer() for t in ticks), ticks


def test_a_velocity_only_plan_does_not_call_its_dates_p50():
    # `report --velocity-only` has no simulated stockout dates, but its headline read
    # 'run out within 14 days (P50)' and its items section explained P10/P50/P90 paths
    from stockout_forecast.report.sections import ReportFrames, items_by_stockout_date
    from stockout_forecast.report.views import headline as headline_frame

    summary = pd.DataFrame(
        {
            "item_id": ["A", "B"],
            "status": ["ok", "ok"],
            "available_units": [3.0, 50.0],
            "days_of_cover": [3.0, 50.0],
            "stockout_date": pd.to_datetime(["2026-11-27", "2027-01-13"]),
        }
    )
    plan = SimpleNamespace(as_of=AS_OF, notes=[], orders=None, notices=None)
    h = headline_frame(plan, summary, pd.DataFrame()).set_index("key")
    assert h.loc["soon", "label"] == "run out within 14 days (at the current velocity)"
    assert h.loc["soon", "value"] == 1
    html = "".join(items_by_stockout_date(ReportFrames(plan, summary, pd.DataFrame(), h)))
    assert "P50" not in html
    assert "simulated" not in html
    with_p50 = summary.assign(stockout_date_p50=summary["stockout_date"])
    h = headline_frame(plan, with_p50, pd.DataFrame()).set_index("key")
    assert h.loc["soon", "label"] == "run out within 14 days (P50)"


def test_a_text_column_empty_in_every_row_is_left_out():
    # a shop without an items table showed a Description column of dashes in every table
    from stockout_forecast.report.blocks import fmt_num, fmt_text, table_html

    df = pd.DataFrame({"item_id": ["A", "B"], "description": [np.nan, None], "n": [np.nan] * 2})
    cols = [("item_id", "Item", fmt_text), ("description", "Description", fmt_text)]
    html = table_html(df, [*cols, ("n", "Units", fmt_num(0))])
    assert "Description" not in html
    assert "<th>Units</th>" in html  # a figure column stays: its dashes say 'no value'
    html = table_html(df.assign(description=["bolt", None]), cols)
    assert "<th>Description</th>" in html

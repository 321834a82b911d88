"""Supplier price breaks (all-units) in the MILP split and the draft purchase orders."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest

from stockout_forecast import SchemaError, plan_purchase_orders, price_for_quantity, split_order


def _sup(**cols):
    n = len(next(iter(cols.values())))
    base = {"supplier_id": [f"S{k + 1}" for k in range(n)], "lead_time_days": [10] * n}
    base.update(cols)
    return pd.DataFrame(base)


def test_a_break_worth_reaching_is_reached_with_the_overshoot():
    # 450 wanted at 1.00 = 450; 500 at the 0.85 break = 425 (50 units over, allowed)
    sup = _sup(unit_cost=[1.0], price_breaks=["500:0.85"])
    r = split_order(450, sup, overshoot_units=60)
    line = r.lines.iloc[0]
    assert line["units"] == 500
    assert line["unit_cost"] == pytest.approx(0.85)
    assert line["purchase_cost"] == pytest.approx(425.0)
    # without room to reach it, the list price
    r = split_order(450, sup, overshoot_units=0)
    assert r.lines.iloc[0]["units"] == 450
    assert r.lines.iloc[0]["unit_cost"] == pytest.approx(1.0)


def test_the_break_moves_the_order_to_the_dearer_list_price():
    # S1 1.00 flat; S2 lists 1.05 but 0.95 from 300: 400 units cost 380 at S2, 400 at S1
    sup = _sup(unit_cost=[1.0, 1.05], price_breaks=[None, "300:0.95"])
    lines = split_order(400, sup).lines.set_index("supplier_id")
    assert lines.loc["S2", "units"] == 400
    assert lines.loc["S2", "purchase_cost"] == pytest.approx(380.0)
    assert lines.loc["S1", "units"] == 0


def _brute(units, overshoot, sup):
    """Cheapest purchase cost over every quantity per supplier (packs of 1 here)."""
    best = np.inf
    grids = [range(int(units + overshoot) + 1)] * len(sup)
    for xs in itertools.product(*grids):
        total = sum(xs)
        if not (units <= total <= units + overshoot):
            continue
        cost = 0.0
        for x, (_, row) in zip(xs, sup.iterrows(), strict=True):
            if x:
                breaks = [(0.0, row["unit_cost"])]
                if isinstance(row["price_breaks"], str):
                    breaks += [
                        tuple(map(float, b.split(":"))) for b in row["price_breaks"].split(";")
                    ]
                cost += x * min(c for q, c in breaks if x >= q)
        best = min(best, cost)
    return best


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_milp_with_breaks_equals_exhaustive_search(seed):
    rng = np.random.default_rng(seed)
    c = rng.uniform(1.0, 1.2, 2).round(2)
    q1, q2 = rng.integers(4, 12, 2)
    sup = _sup(
        unit_cost=c,
        price_breaks=[
            f"{q1}:{c[0] - 0.15:.2f}",
            f"{q2}:{c[1] - 0.1:.2f};{q2 + 4}:{c[1] - 0.2:.2f}",
        ],
    )
    units, over = int(rng.integers(6, 14)), 4
    r = split_order(units, sup, overshoot_units=over)
    assert r.lines["purchase_cost"].sum() == pytest.approx(_brute(units, over, sup), abs=1e-6)
    # the reported price is the one the line's quantity earns
    for _, line in r.lines[r.lines["units"] > 0].iterrows():
        row = sup.set_index("supplier_id").loc[line["supplier_id"]]
        breaks = [(0, row["unit_cost"])] + [
            tuple(map(float, b.split(":"))) for b in row["price_breaks"].split(";")
        ]
        assert line["unit_cost"] * line["units"] == pytest.approx(
            price_for_quantity(line["units"], breaks)
        )


def test_draft_purchase_orders_carry_the_break_price():
    sup = pd.DataFrame({"item_id": ["A", "B"], "supplier_id": ["S1", "S1"],
                        "unit_cost": [2.0, 3.0], "lead_time_days": [7, 7],
                        "price_breaks": ["100:1.8", None]})  # fmt: skip
    orders = pd.DataFrame({"item_id": ["A", "B"], "order_units": [120, 10]})
    plan = plan_purchase_orders(orders, sup, as_of="2024-03-01")
    lines = plan.lines.set_index("item_id")
    assert lines.loc["A", "unit_cost"] == pytest.approx(1.8)
    assert lines.loc["A", "line_total"] == pytest.approx(216.0)
    assert lines.loc["B", "line_total"] == pytest.approx(30.0)


def test_bad_price_break_text_is_a_schema_error():
    sup = _sup(unit_cost=[1.0], price_breaks=["500=0.85"])
    with pytest.raises(SchemaError, match="min_units:unit_cost pairs"):
        split_order(450, sup)

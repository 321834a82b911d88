"""One truth, outputs owned by the run, and every item in every output (Hypothesis).

* On the sample shop, every figure the report shows in two places agrees: the Orders table,
  ``orders.csv``, the draft POs, the summary CSV, the Excel sheets, the JSON and the command
  line's summary (supplier, units, arrival dates, counts). The fuzz cases that produce a plan
  are checked the same way (``test_fuzz_cases.py``).
* A second report into the same folder leaves exactly the second run's files.
* For any small shop Hypothesis makes up, every item that comes in is in every output, once,
  with a status.
"""

from __future__ import annotations

import io
import json
import shutil
from pathlib import Path

import pandas as pd
import pytest
from fuzz_kit import SAMPLE, check_items, check_no_injection, check_one_truth, read_outputs
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from stockout_forecast import Dataset, ReorderPlanner, cli
from stockout_forecast.report.html import write_report


def _run(argv: list[str]) -> tuple[int, str]:
    buf = io.StringIO()
    return cli.main(argv, stdout=buf), buf.getvalue()


def _sample_ids() -> set[str]:
    ids: set[str] = set()
    for p in SAMPLE.glob("*.csv*"):
        ids |= set(pd.read_csv(p, dtype=str, usecols=["item_id"])["item_id"])
    return ids


@pytest.mark.slow
def test_every_figure_shown_twice_agrees_on_the_sample(tmp_path):
    out = tmp_path / "report"
    code, text = _run(
        [
            "report",
            str(SAMPLE),
            "--out",
            str(out),
            "--quiet",
            "--n-paths",
            "200",
            "--excel",
            "--json",
            "--jobs",
            "2",
        ]
    )
    assert code == 0, text
    o = read_outputs(out)
    n_orders = check_one_truth(o, text)
    assert n_orders > 50  # the demo shop orders for about half its 300 items
    check_items(o, _sample_ids())
    check_no_injection(out)
    # every draft PO file holds only lines of orders in the Orders table, and vice versa
    placed = set(o.orders["item_id"])
    assert set(o.po_lines["item_id"]) == placed


def _base(tmp_path: Path, base_shop: Path) -> Path:
    data = tmp_path / "data"
    shutil.copytree(base_shop, data)
    return data


def test_a_second_report_leaves_exactly_its_own_files(tmp_path, base_shop):
    data = _base(tmp_path, base_shop)
    out = tmp_path / "reports"
    args = ["--quiet", "--n-paths", "60"]
    assert _run(["report", str(data), "--out", str(out), *args, "--excel"])[0] == 0
    first = {p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()}
    assert "reorder_plan.xlsx" in first
    # the second run: one supplier per item, no customer orders, no Excel
    sup = pd.read_csv(data / "suppliers.csv").drop_duplicates("item_id")
    sup.to_csv(data / "suppliers.csv", index=False)
    (data / "customer_orders.csv").unlink()
    code, text = _run(["report", str(data), "--out", str(out), *args])
    assert code == 0, text
    second = {p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()}
    manifest = json.loads((out / "manifest.json").read_text())
    assert second == set(manifest["files"]) | {"manifest.json"}
    assert "reorder_plan.xlsx" not in second  # the first run's extras are gone
    assert "customer_notices.csv" not in second
    pos = {f for f in second if f.startswith("purchase_orders/")}
    assert pos == {f"purchase_orders/po_{s}.csv" for s in set(sup["supplier_id"]) & _ordered(out)}
    assert not any(p.name.startswith(".stockout-forecast-staging") for p in out.iterdir())


def _ordered(out: Path) -> set[str]:
    lines = pd.concat(pd.read_csv(p) for p in (out / "purchase_orders").glob("*.csv"))
    return set(lines["supplier_id"])


def test_an_out_folder_holding_other_files_or_a_file_is_refused_first(tmp_path, base_shop):
    data = _base(tmp_path, base_shop)
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "budget.xlsx").write_text("not ours")
    code, _ = _run(["report", str(data), "--out", str(mine), "--quiet"])
    assert code == cli.EXIT_USAGE
    assert (mine / "budget.xlsx").read_text() == "not ours"
    assert sorted(p.name for p in mine.iterdir()) == ["budget.xlsx"]
    target = tmp_path / "a_file"
    target.write_text("x")
    assert _run(["report", str(data), "--out", str(target), "--quiet"])[0] == cli.EXIT_USAGE
    assert target.read_text() == "x"


# --------------------------------------------------------------------------- Hypothesis
_IDS = st.sampled_from(["A", "B", "007", "7", "x y", "<b>", "=1+1", "Ä-1", "NA", "z" * 40])
_DAYS = pd.date_range("2024-01-01", periods=120)


@st.composite
def shops(draw: st.DrawFn) -> Dataset:
    """A small shop: sales of a few items, and some of the other tables, with stray ids."""
    items = draw(st.lists(_IDS, min_size=1, max_size=5, unique=True))
    n = draw(st.integers(1, 60))
    sales = pd.DataFrame(
        {
            "item_id": draw(st.lists(st.sampled_from(items), min_size=n, max_size=n)),
            "date": draw(st.lists(st.sampled_from(list(_DAYS)), min_size=n, max_size=n)),
            "units": draw(st.lists(st.integers(-2, 30), min_size=n, max_size=n)),
        }
    )
    known = sorted(set(sales["item_id"]))
    tables: dict[str, pd.DataFrame] = {"sales": sales}
    extra = draw(st.lists(st.sampled_from(["NEW-1", "NEW-2"]), max_size=2, unique=True))
    if draw(st.booleans()):
        listed = sorted(set(draw(st.lists(st.sampled_from(known), unique=True))) | set(extra))
        if listed:
            tables["items"] = pd.DataFrame({"item_id": listed, "description": "d"})
    if draw(st.booleans()):
        held = draw(st.lists(st.sampled_from(known + extra), min_size=1, unique=True))
        on_hand = draw(st.lists(st.integers(0, 80), min_size=len(held), max_size=len(held)))
        tables["inventory"] = pd.DataFrame({"item_id": held, "on_hand_units": on_hand})
    known_all = known + (list(tables["items"]["item_id"]) if "items" in tables else [])
    if "inventory" in tables and draw(st.booleans()):
        sup_items = draw(st.lists(st.sampled_from(sorted(set(known_all))), min_size=1, unique=True))
        tables["suppliers"] = pd.DataFrame(
            {
                "item_id": sup_items,
                "supplier_id": "S1",
                "unit_cost": 2.0,
                "lead_time_days": draw(st.integers(0, 40)),
            }
        )
    if "inventory" in tables and draw(st.booleans()):
        co_items = draw(st.lists(st.sampled_from([*known, "NEW-3"]), min_size=1, max_size=4))
        tables["customer_orders"] = pd.DataFrame(
            {
                "order_id": [f"O{i}" for i in range(len(co_items))],
                "line_id": "1",
                "item_id": co_items,
                "units": 2,
                "order_date": "2024-04-25",
            }
        )
    return Dataset(**tables)


@settings(
    max_examples=20,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(shop=shops())
def test_every_item_in_is_in_every_output_with_a_status(shop, tmp_path_factory):
    import warnings

    from stockout_forecast import validate_dataset

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ds = validate_dataset(shop)
        plan = ReorderPlanner(n_paths=40, model="ses", random_state=1).run(ds)
    out = tmp_path_factory.mktemp("shop") / "out"
    write_report(plan, out, excel=True, json=True)
    ids = {i for df in ds.tables.values() for i in df["item_id"]}
    o = read_outputs(out)
    check_items(o, ids)
    check_one_truth(o)
    s = plan.summary()
    assert set(s["item_id"]) == ids
    assert (s["status"].str.len() > 0).all()

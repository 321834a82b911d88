"""The planner, the HTML/CSV/Excel report and the command line, end to end."""

from __future__ import annotations

import io
import json
import re

import pandas as pd
import pytest

from stockout_forecast import cli
from stockout_forecast.datasets import make_demo_dataset
from stockout_forecast.history.classes import classify_demand
from stockout_forecast.history.demand import demand_history
from stockout_forecast.history.velocity import item_velocity
from stockout_forecast.io.writers import write_dataset
from stockout_forecast.planner import ReorderPlanner
from stockout_forecast.report.html import write_report
from stockout_forecast.simulation.cover import stock_cover

HOSTILE_DESC = "<script>alert('x')</script> & <img src=x onerror=alert(1)>"
HOSTILE_ID = '=HYPERLINK("http://evil")'


@pytest.fixture(scope="module")
def small():
    return make_demo_dataset(n_items=24, n_days=200, random_state=7)


@pytest.fixture
def hostile():
    """A tiny shop whose data try HTML and spreadsheet-formula injection."""
    sales = pd.DataFrame(
        {
            "item_id": [HOSTILE_ID] * 10 + ["B"] * 10,
            "date": list(pd.date_range("2024-01-01", periods=10)) * 2,
            "units": [2.0] * 10 + [1.0] * 10,
        }
    )
    inventory = pd.DataFrame({"item_id": [HOSTILE_ID, "B"], "on_hand_units": [6.0, 100.0]})
    items = pd.DataFrame({"item_id": [HOSTILE_ID, "B"], "description": [HOSTILE_DESC, "+SUM(A1)"]})
    from stockout_forecast import Dataset

    return Dataset(sales=sales, inventory=inventory, items=items, source="<b>src</b>")


def test_planner_equals_the_functions_called_by_hand(small):
    plan = ReorderPlanner().run(small)
    as_of = plan.as_of
    assert as_of == small.inventory["as_of"].max()
    hist = demand_history(
        small.sales, small.stock_history, freq="D", as_of=as_of, items=small.items["item_id"]
    )
    vel = item_velocity(hist)
    cover = stock_cover(small.inventory, vel, small.purchase_orders, as_of=as_of)
    pd.testing.assert_frame_equal(plan.velocity, vel)
    pd.testing.assert_frame_equal(plan.cover, cover)
    s = plan.summary().set_index("item_id")
    c = cover.set_index("item_id")
    pd.testing.assert_series_equal(
        s["stockout_date"], c["stockout_date"].reindex(s.index), check_names=False
    )
    assert classify_demand(hist).shape[0] == plan.demand_classes.shape[0]


def test_probabilistic_stages_equal_the_functions_called_by_hand(small):
    import numpy as np

    from stockout_forecast.forecast import forecast_demand
    from stockout_forecast.history.leadtime import lead_time_history
    from stockout_forecast.policy.recommend import recommend_orders
    from stockout_forecast.simulation.stockout import stockout_dates

    plan = ReorderPlanner(n_paths=200, random_state=3).run(small)
    seeds = np.random.SeedSequence(3).spawn(3)  # documented seeding of the random stages
    hist = demand_history(
        small.sales, small.stock_history, as_of=plan.as_of, items=small.items["item_id"]
    )
    lt = lead_time_history(small.purchase_orders, small.suppliers, as_of=plan.as_of)
    fc = forecast_demand(hist, horizon=90, n_paths=200, random_state=seeds[0])
    np.testing.assert_array_equal(fc.mean, plan.forecast.mean)
    so = stockout_dates(
        fc,
        small.inventory,
        small.purchase_orders,
        n_paths=200,
        lead_time_uncertainty=lt,
        random_state=seeds[1],
    )
    pd.testing.assert_frame_equal(so.to_frame(), plan.stockouts.to_frame())
    orders = recommend_orders(
        so,
        small.inventory,
        small.suppliers,
        small.purchase_orders,
        small.items,
        as_of=plan.as_of,
        lead_times=lt,
        n_paths=200,
        random_state=seeds[2],
        review_period_days=7.0,
    )
    pd.testing.assert_frame_equal(orders, plan.orders)


def test_velocity_only_plan_skips_the_probabilistic_stages(small):
    plan = ReorderPlanner(forecast=False).run(small)
    assert plan.forecast is None
    assert plan.orders is None
    assert plan.notices is None
    assert "order_now" not in plan.summary().columns
    html = plan.to_html()
    assert "velocity-only plan (no forecast), so no orders are proposed" in html
    assert "No suppliers table" not in html


def test_every_item_is_in_the_summary(small):
    plan = ReorderPlanner().run(small)
    s = plan.summary()
    assert set(small.items["item_id"]) <= set(s["item_id"])
    assert s["item_id"].is_unique
    assert (s.loc[s["status"] != "ok", "reason"].str.len() > 0).all()


def test_report_escapes_every_input_string_and_is_self_contained(hostile, tmp_path):
    plan = ReorderPlanner().run(hostile)
    paths = write_report(plan, tmp_path)
    html = paths["html"].read_text(encoding="utf-8")
    assert "<script" not in html.lower()
    assert "onerror=alert" not in html.replace("&lt;img src=x onerror=alert(1)&gt;", "")
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in html
    assert "&lt;b&gt;src&lt;/b&gt;" in html
    # opens offline: no external resource is referenced, images are embedded
    assert not re.search(r"(src|href)=['\"]?(https?:|//)", html)
    assert "data:image/png;base64," in html
    csv = pd.read_csv(paths["csv"], dtype=str)
    assert csv.loc[csv["item_id"].str.contains("HYPERLINK"), "item_id"].iloc[0].startswith("'=")
    assert "'+SUM(A1)" in set(csv["description"])


def test_supplier_po_files_stay_inside_the_output_folder(hostile, tmp_path):
    from stockout_forecast import Dataset

    suppliers = pd.DataFrame(
        {
            "item_id": [HOSTILE_ID, "B"],
            "supplier_id": ["../../escape", "<b>S2</b>"],
            "unit_cost": [1.0, 2.0],
            "lead_time_days": [5.0, 5.0],
        }
    )
    ds = Dataset(
        sales=hostile.sales, inventory=hostile.inventory, items=hostile.items, suppliers=suppliers
    )
    plan = ReorderPlanner(n_paths=100).run(ds)
    assert plan.purchase_plan is not None
    paths = write_report(plan, tmp_path / "out")
    po_files = [p for k, p in paths.items() if k.startswith("po:")]
    assert po_files
    root = (tmp_path / "out").resolve()
    for p in po_files:
        assert p.resolve().parent == root / "purchase_orders"
    assert not (tmp_path / "escape.csv").exists()
    html = paths["html"].read_text(encoding="utf-8")
    assert "<b>S2</b>" not in html


def test_hand_checked_stockout_in_report(hostile, tmp_path):
    # item B: 100 on hand, 1/day -> runs out after 100 days; the hostile item: 6 on hand at
    # 2/day (28-day velocity over its 10 in-stock days = 2.0) -> stockout on day 4
    plan = ReorderPlanner(as_of="2024-01-10").run(hostile)
    s = plan.summary().set_index("item_id")
    assert s.loc[HOSTILE_ID, "stockout_date"] == pd.Timestamp("2024-01-14")
    assert s.loc[HOSTILE_ID, "days_of_cover"] == pytest.approx(3.0)
    assert s.loc["B", "days_of_cover"] == pytest.approx(100.0)


def test_excel_export_neutralises_formulas(hostile, tmp_path):
    pytest.importorskip("openpyxl")
    plan = ReorderPlanner().run(hostile)
    path = plan.to_excel(tmp_path / "plan.xlsx")
    summary = pd.read_excel(path, sheet_name="summary", dtype=str)
    assert summary["item_id"].str.startswith("'=").any()
    with pd.ExcelFile(path) as xf:
        assert set(xf.sheet_names) >= {"summary", "velocity", "stock_cover"}


def test_plan_to_dict_is_json_serialisable(small):
    d = ReorderPlanner().run(small).to_dict()
    text = json.dumps(d)
    back = json.loads(text)
    assert back["tables"]["summary"][0]["item_id"].startswith("SKU-")
    assert {"orders", "stockouts", "lead_times"} <= set(back["tables"])


def _run(argv):
    buf = io.StringIO()
    code = cli.main(argv, stdout=buf)
    return code, buf.getvalue()


@pytest.mark.parametrize("sub", ["validate", "velocity", "report"])
def test_cli_help_for_each_subcommand(sub, capsys):
    assert cli.main([sub, "--help"]) == 0
    assert "DATA" in capsys.readouterr().out.upper()


def test_cli_report_writes_files(small, tmp_path):
    data = write_dataset(small, tmp_path / "data")
    code, out = _run(["report", str(data), "--out", str(tmp_path / "rep"), "--quiet"])
    assert code == cli.EXIT_OK, out
    assert (tmp_path / "rep" / "reorder_report.html").stat().st_size > 1000
    csv = pd.read_csv(tmp_path / "rep" / "stockout_items.csv")
    assert set(small.items["item_id"]) == set(csv["item_id"])


def test_cli_velocity_json(small, tmp_path):
    data = write_dataset(small, tmp_path / "data")
    code, out = _run(["velocity", str(data), "--format", "json"])
    assert code == 0
    rows = json.loads(out)
    assert {r["item_id"] for r in rows} >= set(small.sales["item_id"])


def test_cli_exit_codes_and_messages(tmp_path, capsys):
    assert cli.main(["validate", str(tmp_path / "nope")]) == cli.EXIT_NOT_FOUND
    assert "not found" in capsys.readouterr().err
    folder = tmp_path / "bad"
    folder.mkdir()
    pd.DataFrame({"SKU": ["A"], "date": ["2024-01-01"], "Qty": [1]}).to_csv(
        folder / "sales.csv", index=False
    )
    assert cli.main(["validate", str(folder)]) == cli.EXIT_DATA
    err = capsys.readouterr().err
    assert "sales is missing columns ['item_id', 'units']" in err
    assert "column_map" in err
    assert cli.main(["frobnicate"]) == cli.EXIT_USAGE


def test_cli_rejects_a_percentage_service_level(small, tmp_path, capsys):
    data = write_dataset(small, tmp_path / "data")
    code = cli.main(["report", str(data), "--out", str(tmp_path / "r"), "--service-level", "95"])
    # a wrong option is a usage error (exit 2, as documented), caught before the data are read
    assert code == cli.EXIT_USAGE
    assert "Did you mean 0.95?" in capsys.readouterr().err
    assert not (tmp_path / "r" / "reorder_report.html").exists()


def test_threads_do_not_change_the_plan(small):
    a = ReorderPlanner(n_paths=100).run(small)
    b = ReorderPlanner(n_paths=100, n_jobs=2).run(small)
    pd.testing.assert_frame_equal(a.summary(), b.summary())
    pd.testing.assert_frame_equal(a.orders, b.orders)


def test_cli_reports_from_a_sqlite_database(small, tmp_path):
    pytest.importorskip("sqlalchemy")
    db = write_dataset(small, tmp_path / "shop.db", format="sqlite")
    code, out = _run(
        ["report", f"sqlite:///{db}", "--out", str(tmp_path / "rep"), "--quiet", "--n-paths", "50"]
    )
    assert code == cli.EXIT_OK, out
    csv = pd.read_csv(tmp_path / "rep" / "stockout_items.csv")
    assert set(small.items["item_id"]) == set(csv["item_id"])


def test_an_item_idle_for_28_days_but_forecast_to_run_out_is_not_flagged_no_demand():
    # A sells 3 units every 9th day until 35 days before the planning date: its 28-day velocity
    # is 0 (stock cover says 'does not run out at this velocity'), but the forecast runs it
    # out within the horizon and the policy orders it. Before the fix the summary called it
    # 'no_demand' and the report listed it under items that 'could not be fully computed or
    # are not reordered' while the Orders table ordered it.
    from stockout_forecast import Dataset

    days = pd.date_range("2024-01-01", periods=200)
    a = pd.DataFrame({"item_id": "A", "date": days[:165:9], "units": 3.0})
    b = pd.DataFrame({"item_id": "B", "date": days, "units": 4.0})
    ds = Dataset(
        sales=pd.concat([a, b], ignore_index=True),
        inventory=pd.DataFrame(
            {"item_id": ["A", "B"], "on_hand_units": [4.0, 60.0], "as_of": days[-1]}
        ),
        suppliers=pd.DataFrame(
            {"item_id": ["A", "B"], "supplier_id": "S1", "unit_cost": 2.0, "lead_time_days": 30}
        ),
    )
    plan = ReorderPlanner(n_paths=100, random_state=0).run(ds)
    s = plan.summary().set_index("item_id")
    assert plan.cover.set_index("item_id").loc["A", "status"] == "no_demand"
    assert s.loc["A", "velocity_28d"] == 0
    assert pd.notna(s.loc["A", "stockout_date_p50"])
    assert s.loc["A", "status"] == "ok", s.loc["A", "reason"]
    flagged = plan.headline().set_index("key").loc["flagged", "value"]
    assert flagged == (s["status"] != "ok").sum() == 0


def test_draft_po_lines_say_the_units_short_as_a_planner_reads_them(small):
    # before the fix: '68 units at 26.95/unit, expected on day 4.33, 0.000396 units expected
    # short' -- a figure no one orders by; one decimal is what the workbook shows
    plan = ReorderPlanner(n_paths=100, random_state=0).run(small)
    lines = plan.purchase_plan.lines
    said = lines["reason"].str.extract(r", (\S+) units expected short")[0].dropna()
    assert len(said) == len(lines)
    assert said.str.fullmatch(r"[\d,]+\.\d").all(), said.tolist()[:5]
    want = lines["expected_units_short"].map("{:,.1f}".format)
    assert (said == want[said.index]).all()


def test_report_csv_files_show_the_figures_the_workbook_shows(small, tmp_path):
    # before the fix the CSV files held raw floats (orders.csv: '89.41894317464784',
    # '49.78000000000001') while the workbook showed 89.42 and 49.78
    plan = ReorderPlanner(n_paths=100, random_state=0).run(small)
    paths = write_report(plan, tmp_path / "rep", excel=True)
    csvs = [p for kind, p in paths.items() if p.suffix == ".csv"]
    assert any(p.name == "orders.csv" for p in csvs)
    for path in csvs:
        text = path.read_text(encoding="utf-8")
        long = re.findall(r"(?<![\w.])-?\d+\.\d{4,}(?![\w.])", text)
        assert not long, (path.name, long[:3])
    xl = pd.read_excel(paths["excel"], sheet_name="orders")
    csv = pd.read_csv(paths["orders"])
    units = pd.read_csv(paths["orders"], dtype=str)["order_units"]
    assert units.str.fullmatch(r"\d+").all(), units.tolist()[:3]  # 120, not 120.0
    for col in ("order_units", "expected_units_short", "order_value", "implied_fill_rate"):
        got, want = csv[col].to_numpy(float), xl[col].to_numpy(float)
        assert (abs(got - want) < 1e-9).all(), (col, got[:3], want[:3])


def test_workbook_formats_units_as_units_and_chances_as_fractions(tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    from stockout_forecast.report.excel import write_workbook

    df = pd.DataFrame(
        {
            "order_up_to_units": [702.342, 10.0],  # 'p_' inside 'up_to': before the fix 0.000
            "units_ship_now": [1.5, 0.0],  # 'p_' inside 'ship_now'
            "p_stockout_in_horizon": [0.9461, 0.5],
            "implied_fill_rate": [0.99712, 1.0],
            "trend_ratio": [1.0974, 1.0],
        }
    )
    path = write_workbook({"t": df}, tmp_path / "t.xlsx")
    ws = openpyxl.load_workbook(path)["t"]
    formats = {ws.cell(1, j).value: ws.cell(2, j).number_format for j in range(1, 6)}
    assert formats == {
        "order_up_to_units": "#,##0.00",
        "units_ship_now": "#,##0.00",
        "p_stockout_in_horizon": "0.000",
        "implied_fill_rate": "0.000",
        "trend_ratio": "0.000",
    }
    assert ws.cell(2, 1).value == pytest.approx(702.34)

"""The fuzz suite's tools: a small base shop cut from the sample, a runner, and the checks.

* :func:`build_base` writes a 12-item, 240-day shop cut from ``data/sample`` (every table,
  items chosen to cover open POs, backorders, several suppliers and a discontinued item).
* :func:`run_cli` runs ``stockout-forecast`` on it in a child process (forked from a server
  that has the library imported, so a case costs well under a second) with a time limit:
  a hang is killed and reported as such, the child's peak memory is measured, and
  stdout/stderr are captured at the file-descriptor level (nothing escapes to the terminal).
* :func:`check_outputs` checks a finished report folder: every item that came in is in every
  output with a status; every figure that appears in two outputs agrees (one truth); no
  HTML or spreadsheet-formula injection; nothing written outside the folder.
"""

from __future__ import annotations

import html.parser
import json
import multiprocessing
import os
import re
import shutil
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

REPO = Path(__file__).resolve().parents[2]
SAMPLE = REPO / "data" / "sample"

#: items of the base shop: open POs, backorders (SKU-00041, SKU-00174), three suppliers and
#: out of stock (SKU-00046), discontinued (SKU-00012), and ordinary ones
BASE_ITEMS = [
    "SKU-00000",
    "SKU-00001",
    "SKU-00002",
    "SKU-00003",
    "SKU-00005",
    "SKU-00012",
    "SKU-00041",
    "SKU-00046",
    "SKU-00080",
    "SKU-00174",
    "SKU-00207",
    "SKU-00247",
]
BASE_DAYS = 240
TABLE_FILES = {
    "sales": "sales.csv",
    "stock_history": "stock_history.csv",
    "inventory": "inventory.csv",
    "purchase_orders": "purchase_orders.csv",
    "suppliers": "suppliers.csv",
    "items": "items.csv",
    "customer_orders": "customer_orders.csv",
}
#: what every fuzz run passes besides the case's own arguments (small and fast)
RUN_ARGS = ("--quiet", "--n-paths", "100", "--excel", "--json")
CASE_TIMEOUT_S = 60.0


def build_base(dest: Path) -> Path:
    """Write the base shop (plain CSV files, ISO dates) into ``dest``; return ``dest``."""
    dest.mkdir(parents=True, exist_ok=True)
    keep = set(BASE_ITEMS)
    for name, fname in TABLE_FILES.items():
        src = SAMPLE / fname
        if not src.exists():
            src = SAMPLE / (fname + ".gz")
        df = pd.read_csv(src, dtype=str, keep_default_na=False)
        df = df[df["item_id"].isin(keep)]
        if name in ("sales", "stock_history"):
            last = pd.to_datetime(df["date"]).max()
            df = df[pd.to_datetime(df["date"]) > last - pd.Timedelta(days=BASE_DAYS)]
        df.to_csv(dest / fname, index=False)
    return dest


def read(folder: Path, table: str) -> pd.DataFrame:
    """A table of a case folder as text (every cell a string, empty cells '')."""
    return pd.read_csv(folder / TABLE_FILES[table], dtype=str, keep_default_na=False)


def write(folder: Path, table: str, df: pd.DataFrame) -> None:
    """Write a table of a case folder back as CSV."""
    df.to_csv(folder / TABLE_FILES[table], index=False)


def edit(folder: Path, table: str, fn: Callable[[pd.DataFrame], pd.DataFrame | None]) -> None:
    """Read a table, let ``fn`` change it (in place or by returning a new frame), write it."""
    df = read(folder, table)
    out = fn(df)
    write(folder, table, df if out is None else out)


# --------------------------------------------------------------------------- runner
@dataclass
class Result:
    """What one CLI run produced."""

    rc: int | None  # None: killed after the time limit (a hang)
    stdout: str
    stderr: str
    seconds: float
    peak_mb: float
    out: Path
    before: set[str] = field(default_factory=set)

    @property
    def hung(self) -> bool:
        return self.rc is None


_CTX: Any = None


def _context() -> Any:
    """A forkserver context whose server has the library imported once."""
    global _CTX
    if _CTX is None:
        ctx = multiprocessing.get_context("forkserver")
        ctx.set_forkserver_preload(
            ["stockout_forecast", "stockout_forecast.cli", "matplotlib.pyplot", "fuzz_kit"]
        )
        _CTX = ctx
    return _CTX


def _child(argv: list[str], stdout: str, stderr: str, result: str) -> None:  # pragma: no cover
    """Run the CLI with fds 1 and 2 sent to files; write the exit code and peak memory."""
    os.environ["MPLBACKEND"] = "Agg"
    fo = os.open(stdout, os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
    fe = os.open(stderr, os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
    os.dup2(fo, 1)
    os.dup2(fe, 2)
    import sys

    sys.stdout = open(1, "w", encoding="utf-8", closefd=False)
    sys.stderr = open(2, "w", encoding="utf-8", closefd=False)
    from stockout_forecast import cli

    t0 = time.perf_counter()
    try:
        rc = cli.main(argv)
    except SystemExit as exc:  # pragma: no cover - main returns codes
        rc = int(exc.code or 0)
    except BaseException as exc:  # an exception escaping main is itself a finding
        sys.stderr.write(f"UNCAUGHT {type(exc).__name__}: {exc}\n")
        rc = 99
    seconds = time.perf_counter() - t0
    sys.stdout.flush()
    sys.stderr.flush()
    peak = 0.0
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                peak = float(line.split()[1]) / 1024.0
    except OSError:
        pass
    Path(result).write_text(json.dumps({"rc": rc, "seconds": seconds, "peak_mb": peak}))
    os._exit(0)


def run_cli(argv: list[str], work: Path, *, timeout: float = CASE_TIMEOUT_S) -> Result:
    """Run ``stockout-forecast argv`` in a child process; kill it after ``timeout`` s."""
    work.mkdir(parents=True, exist_ok=True)
    so, se, res = work / "_stdout.txt", work / "_stderr.txt", work / "_result.json"
    ctx = _context()
    proc = ctx.Process(target=_child, args=(argv, str(so), str(se), str(res)))
    t0 = time.perf_counter()
    proc.start()
    proc.join(timeout)
    if proc.is_alive():
        proc.kill()
        proc.join()
        rc, seconds, peak = None, time.perf_counter() - t0, 0.0
    elif res.exists():
        r = json.loads(res.read_text())
        rc, seconds, peak = r["rc"], r["seconds"], r["peak_mb"]
    else:  # died without a result (a crash in C code, killed by the OS)
        rc, seconds, peak = 98, time.perf_counter() - t0, 0.0
    out_dir = work / "out"
    return Result(
        rc=rc,
        stdout=so.read_text(encoding="utf-8", errors="replace") if so.exists() else "",
        stderr=se.read_text(encoding="utf-8", errors="replace") if se.exists() else "",
        seconds=seconds,
        peak_mb=peak,
        out=out_dir,
    )


# --------------------------------------------------------------------------- HTML reading
class _Page(html.parser.HTMLParser):
    """Sections (h2 text -> tables of cell texts), KPI tiles, tags and attributes seen."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.section = "_top"
        self.sections: dict[str, list[list[list[str]]]] = {"_top": []}
        self.texts: dict[str, list[str]] = {"_top": []}
        self.tags: set[str] = set()
        self.attrs: list[tuple[str, str, str]] = []
        self.kpis: list[tuple[str, str]] = []
        self._h2: list[str] | None = None
        self._cell: list[str] | None = None
        self._row: list[str] | None = None
        self._kpi: list[str] | None = None
        self._kpi_part: str | None = None
        self._kpi_val = ""
        self._kpi_label = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.add(tag)
        for k, v in attrs:
            self.attrs.append((tag, k, v or ""))
        cls = dict(attrs).get("class") or ""
        if tag == "h2":
            self._h2 = []
        elif tag == "table":
            self.sections[self.section].append([])
        elif tag == "tr":
            self._row = []
        elif tag in ("td", "th"):
            self._cell = []
        elif tag == "div" and "kpi" in cls.split() and "kpis" not in cls.split():
            self._kpi, self._kpi_val, self._kpi_label = [], "", ""
        elif self._kpi is not None and tag in ("b", "span"):
            self._kpi_part = tag

    def handle_endtag(self, tag: str) -> None:
        if tag == "h2" and self._h2 is not None:
            self.section = " ".join("".join(self._h2).split())
            self.sections.setdefault(self.section, [])
            self.texts.setdefault(self.section, [])
            self._h2 = None
        elif tag in ("td", "th") and self._cell is not None and self._row is not None:
            self._row.append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag == "tr" and self._row is not None:
            if self.sections[self.section]:
                self.sections[self.section][-1].append(self._row)
            self._row = None
        elif tag in ("b", "span") and self._kpi is not None:
            self._kpi_part = None
        elif tag == "div" and self._kpi is not None:
            self.kpis.append((self._kpi_val.strip(), " ".join(self._kpi_label.split())))
            self._kpi = None

    def handle_data(self, data: str) -> None:
        if self._h2 is not None:
            self._h2.append(data)
        if self._cell is not None:
            self._cell.append(data)
        if self._kpi is not None:
            if self._kpi_part == "b":
                self._kpi_val += data
            elif self._kpi_part == "span":
                self._kpi_label += data
        self.texts.setdefault(self.section, []).append(data)


def read_html(path: Path) -> _Page:
    """Parse a report page."""
    page = _Page()
    page.feed(path.read_text(encoding="utf-8"))
    page.close()
    return page


def html_table(page: _Page, section: str, index: int = 0) -> pd.DataFrame:
    """Table ``index`` of the section whose title starts with ``section``, as text."""
    for title, tables in page.sections.items():
        if title.startswith(section) and len(tables) > index:
            rows = tables[index]
            if not rows:
                return pd.DataFrame()
            return pd.DataFrame(rows[1:], columns=rows[0])
    raise AssertionError(
        f"no table {index} in section {section!r}; sections: {list(page.sections)}"
    )


def page_text(page: _Page, section: str | None = None) -> str:
    """All text of the page (or of one section), whitespace collapsed."""
    if section is None:
        parts = [t for v in page.texts.values() for t in v]
    else:
        parts = [t for k, v in page.texts.items() if k.startswith(section) for t in v]
    return " ".join(" ".join(parts).split())


# --------------------------------------------------------------------------- checks
_FORMULA = re.compile(r"^[\s\u3000]*[=+\-@\uff1d\uff0b\uff0d\uff20\t\r]")
_NUMBER = re.compile(r"^-?\d+(\.\d+)?([eE][-+]?\d+)?$")


def formula_cells(values: Iterable[Any]) -> list[str]:
    """Text cells a spreadsheet program would run as a formula (numbers are fine)."""
    bad = []
    for v in values:
        if not isinstance(v, str) or not v or _NUMBER.match(v.strip()):
            continue
        if _FORMULA.match(v):
            bad.append(v)
    return bad


def check_no_injection(out: Path) -> None:
    """No active HTML and no spreadsheet formula in anything the run wrote."""
    page = read_html(out / "reorder_report.html")
    assert not page.tags & {"script", "iframe", "object", "embed", "link", "form", "base"}, (
        page.tags
    )
    for tag, k, v in page.attrs:
        assert not k.lower().startswith("on"), (tag, k, v)
        if k in ("src", "href"):
            assert v.startswith(("data:image/png;base64,", "#")), (tag, k, v[:80])
    for csv in out.rglob("*.csv"):
        df = pd.read_csv(csv, dtype=str, keep_default_na=False)
        cells = [*df.columns, *df.to_numpy().ravel().tolist()]
        assert not formula_cells(cells), (csv.name, formula_cells(cells)[:3])
    xlsx = out / "reorder_plan.xlsx"
    if xlsx.exists():
        import openpyxl

        wb = openpyxl.load_workbook(xlsx)
        for ws in wb.worksheets:
            for row in ws.iter_rows():
                for c in row:
                    assert c.data_type != "f", (ws.title, c.coordinate, c.value)
                    if isinstance(c.value, str):
                        assert not formula_cells([c.value]), (ws.title, c.coordinate, c.value)


def files_of(case_dir: Path) -> set[str]:
    """Every file under ``case_dir``, relative."""
    return {p.relative_to(case_dir).as_posix() for p in case_dir.rglob("*") if p.is_file()}


def check_inside(out: Path, case_dir: Path, before: set[str]) -> None:
    """The run wrote nothing but its own runner files and what is inside ``out``."""
    runner = {"_stdout.txt", "_stderr.txt", "_result.json"}
    for rel in sorted(files_of(case_dir) - before - runner):
        assert (case_dir / rel).resolve().is_relative_to(out.resolve()), (
            f"file written outside --out: {rel}"
        )


def _norm_date(v: Any) -> str:
    if v is None or (isinstance(v, float) and np.isnan(v)) or v in ("", "—", "NaT"):
        return ""
    return str(pd.Timestamp(v).date())


def _num(v: Any) -> float:
    if v is None or v == "" or v == "—":
        return float("nan")
    return float(str(v).replace(",", ""))


@dataclass
class Outputs:
    """Every output of a report folder, read back."""

    out: Path
    page: _Page
    summary: pd.DataFrame
    orders: pd.DataFrame | None
    po_lines: pd.DataFrame | None
    excel: dict[str, pd.DataFrame] = field(default_factory=dict)
    json: dict[str, Any] = field(default_factory=dict)
    manifest: dict[str, Any] = field(default_factory=dict)


def read_outputs(out: Path) -> Outputs:
    """Read back the HTML, CSVs, PO files, Excel sheets, JSON and manifest of a run."""
    page = read_html(out / "reorder_report.html")
    summary = pd.read_csv(out / "stockout_items.csv", dtype=str, keep_default_na=False)
    orders = None
    if (out / "orders.csv").exists():
        orders = pd.read_csv(out / "orders.csv", dtype=str, keep_default_na=False)
    po_files = (
        sorted((out / "purchase_orders").glob("*.csv"))
        if (out / "purchase_orders").exists()
        else []
    )
    po_lines = None
    if po_files:
        po_lines = pd.concat(
            [pd.read_csv(p, dtype=str, keep_default_na=False) for p in po_files], ignore_index=True
        )
    excel: dict[str, pd.DataFrame] = {}
    if (out / "reorder_plan.xlsx").exists():
        excel = pd.read_excel(
            out / "reorder_plan.xlsx",
            sheet_name=None,
            dtype=str,
            keep_default_na=False,
            na_values=[""],
        )
    js: dict[str, Any] = {}
    if (out / "reorder_plan.json").exists():
        js = json.loads((out / "reorder_plan.json").read_text(encoding="utf-8"))
    manifest: dict[str, Any] = {}
    if (out / "manifest.json").exists():
        manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    return Outputs(out, page, summary, orders, po_lines, excel, js, manifest)


def _unquote(s: str) -> str:
    """A neutralised cell back to its text (the leading apostrophe removed)."""
    return s[1:] if s.startswith("'") else s


def check_items(o: Outputs, expected_ids: Iterable[str]) -> None:
    """Every item that came in is in the per-item outputs, once, with a status."""
    want = {str(i) for i in expected_ids}
    got = [_unquote(i) for i in o.summary["item_id"]]
    assert len(got) == len(set(got)), "an item appears twice in stockout_items.csv"
    missing = want - set(got)
    assert not missing, f"items lost from stockout_items.csv: {sorted(missing)[:10]}"
    assert (o.summary["status"].str.len() > 0).all(), "an item without a status"
    flagged = o.summary["status"] != "ok"
    assert (o.summary.loc[flagged, "reason"].str.len() > 0).all(), "a flagged item without reason"
    if o.json:
        js = {str(r["item_id"]) for r in o.json["tables"]["summary"]}
        assert want <= js, f"items lost from the JSON: {sorted(want - js)[:10]}"
    if o.excel:
        xs = {_unquote(str(i)) for i in o.excel["summary"]["item_id"]}
        assert want <= xs, f"items lost from the Excel summary: {sorted(want - xs)[:10]}"
    if len(want) <= 500:
        found = [k for k in o.page.sections if k.startswith(("Items by", "Reorder levels"))]
        assert found, f"no per-item table in the report: {list(o.page.sections)}"
        shown = set(html_table(o.page, found[0])["Item"])
        flat = {" ".join(i.split()) for i in want}  # the page shows a line break as a space
        assert flat <= shown, f"items lost from the HTML table: {sorted(flat - shown)[:10]}"


def check_one_truth(o: Outputs, stdout: str = "") -> int:
    """Every figure shown in two places agrees. Returns the number of orders compared.

    Orders: the HTML Orders table, orders.csv, the per-supplier PO files, the summary CSV,
    the Excel sheets and the JSON agree on each item's units, suppliers and arrival dates.
    Counts: the HTML headline tiles equal the CLI summary lines with the same label, and both
    equal what the per-item table says.
    """
    n = 0
    if o.orders is not None and len(o.orders):
        orders = o.orders.assign(item_id=o.orders["item_id"].map(_unquote)).set_index("item_id")
        # the per-supplier PO files
        assert o.po_lines is not None, "orders to place but no purchase-order files"
        lines = o.po_lines.assign(item_id=o.po_lines["item_id"].map(_unquote))
        lines["units_f"] = lines["units"].map(_num)
        by_item = lines.groupby("item_id")
        assert set(by_item.groups) == set(orders.index), (
            "items on the draft POs differ from the orders to place: "
            f"{sorted(set(by_item.groups) ^ set(orders.index))[:5]}"
        )
        for item, row in orders.iterrows():
            g = by_item.get_group(item)
            units = g["units_f"].sum()
            assert abs(units - _num(row["order_units"])) < 1e-6, (item, units, row["order_units"])
            sups = "|".join(sorted(map(_unquote, g["supplier_id"])))
            assert sups == _unquote(row["supplier_ids"]), (item, sups, row["supplier_ids"])
            arr = sorted(_norm_date(d) for d in g["expected_arrival_date"])
            assert _norm_date(row["first_arrival_date"]) == arr[0], (item, arr, row.to_dict())
            assert _norm_date(row["last_arrival_date"]) == arr[-1], (item, arr, row.to_dict())
            n += 1
        # the HTML Orders table shows the same rows (up to its row limit)
        table = html_table(o.page, "Orders to place")
        if len(table):
            t = table.set_index("Item")
            by_shown = {" ".join(i.split()): i for i in orders.index}  # line breaks show as spaces
            for item in t.index:
                row = orders.loc[by_shown[item]]
                assert abs(_num(t.loc[item, "Order units"]) - _num(row["order_units"])) < 0.5, item
                assert t.loc[item, "From (supplier units)"] == _unquote(row["supplier_split"]), (
                    item,
                    t.loc[item, "From (supplier units)"],
                    row["supplier_split"],
                )
                arrives = t.loc[item, "Arrives"]
                want = _norm_date(row["first_arrival_date"])
                if row["last_arrival_date"] != row["first_arrival_date"]:
                    want += " – " + _norm_date(row["last_arrival_date"])
                assert arrives == want, (item, arrives, want)
        # the per-item summary agrees with the orders
        s = o.summary.assign(item_id=o.summary["item_id"].map(_unquote)).set_index("item_id")
        now = s[s["order_now"].str.lower() == "true"]
        assert set(now.index) == set(orders.index), "summary order_now differs from orders.csv"
        for item in orders.index:
            assert (
                abs(_num(s.loc[item, "order_units"]) - _num(orders.loc[item, "order_units"])) < 1e-6
            )
            assert s.loc[item, "supplier_split"] == orders.loc[item, "supplier_split"]
            assert _norm_date(s.loc[item, "expected_arrival_date"]) == _norm_date(
                orders.loc[item, "last_arrival_date"]
            )
        # Excel and JSON hold the same orders
        if o.excel:
            xo = (
                o.excel["orders"]
                .assign(item_id=lambda d: d["item_id"].astype(str).map(_unquote))
                .set_index("item_id")
            )
            assert set(xo.index) == set(orders.index)
            for item in orders.index:
                assert (
                    abs(_num(xo.loc[item, "order_units"]) - _num(orders.loc[item, "order_units"]))
                    < 1e-6
                )
                assert _norm_date(xo.loc[item, "last_arrival_date"]) == _norm_date(
                    orders.loc[item, "last_arrival_date"]
                )
        if o.json:
            jo = {r["item_id"]: r for r in o.json["tables"]["orders"]}
            assert set(jo) == set(orders.index)
            for item in orders.index:
                assert (
                    abs(float(jo[item]["order_units"]) - _num(orders.loc[item, "order_units"]))
                    < 1e-6
                )
                assert _norm_date(jo[item]["last_arrival_date"]) == _norm_date(
                    orders.loc[item, "last_arrival_date"]
                )
    elif o.po_lines is not None:
        raise AssertionError("draft purchase orders without orders to place")
    check_counts(o, stdout)
    return n


def _cli_figures(stdout: str) -> dict[str, str]:
    """'  label: value' lines of the CLI summary."""
    out = {}
    for line in stdout.splitlines():
        m = re.match(r"^\s{2}(.+?):\s+([0-9][0-9,]*)\s*$", line)
        if m:
            out[m.group(1).strip()] = m.group(2)
    return out


def check_counts(o: Outputs, stdout: str) -> None:
    """Headline tiles = CLI lines = JSON headline; each count recomputed from the items table."""
    tiles = {label: value for value, label in o.page.kpis}
    assert tiles, "no headline figures in the report"
    if stdout:
        cli = _cli_figures(stdout)
        assert cli, f"no headline figures in the CLI summary:\n{stdout}"
        assert cli == tiles, f"CLI {cli} != report tiles {tiles}"
    if o.json:
        js = {h["label"]: f"{h['value']:,}" for h in o.json["headline"]}
        assert js == tiles, f"JSON {js} != report tiles {tiles}"
    n_items = tiles.get("items planned")
    if n_items is not None:
        assert int(n_items.replace(",", "")) == len(o.summary)
    label = "out of stock now (nothing available)"
    if label in tiles:
        s = o.summary
        avail = pd.to_numeric(s["available_units"], errors="coerce")
        out = ((avail <= 0) & (s["status"] != "discontinued")).sum()
        assert int(tiles[label].replace(",", "")) == out, (tiles[label], out)
    if "items to order now" in tiles:
        n = int(tiles["items to order now"].replace(",", ""))
        assert n == (o.summary["order_now"].str.lower() == "true").sum()
        assert n == (0 if o.orders is None else len(o.orders))


def copy_base(base: Path, case_dir: Path) -> Path:
    """A fresh copy of the base shop in ``case_dir/data``."""
    data = case_dir / "data"
    shutil.copytree(base, data)
    return data


# --------------------------------------------------------------------------- one case
def case_argv(case: Any, case_dir: Path) -> list[str]:
    """The command line of a case."""
    target = case.target.replace("{case}", str(case_dir))
    if "://" not in target:
        target = str(case_dir / target)
    args = [a.replace("{case}", str(case_dir)) for a in case.args]
    argv = [case.command, target]
    if case.command == "report":
        argv += ["--out", str(case_dir / "out"), *globals()["RUN_ARGS"]]
    elif case.command == "velocity":
        argv += ["--out", str(case_dir / "out" / "velocity.csv")]
    return argv + args


def run_case(case: Any, base: Path, case_dir: Path) -> tuple[Result, Path]:
    """Make the case's dataset from the base shop and run its command."""
    data = copy_base(base, case_dir)
    case.make(data)
    if case.command == "velocity":
        (case_dir / "out").mkdir(exist_ok=True)
    before = files_of(case_dir)
    r = run_cli(case_argv(case, case_dir), case_dir)
    r.before = before
    return r, data


def outcome(case: Any, r: Result, data: Path) -> tuple[str, str]:
    """(category, detail) of a finished case, judged against what the case expects.

    Categories: ``clear error``, ``correct result``, ``correct result with note`` (the
    expected ones), and the failures ``hang``, ``internal error``, ``wrong exit code``,
    ``unclear error``, ``missing note``, ``silent wrong result``, ``items lost``,
    ``outputs disagree``, ``injection``, ``too slow or too big``, ``warning leaked``.
    """
    import traceback

    if r.hung:
        return "hang", f"killed after {CASE_TIMEOUT_S:.0f} s"
    if r.rc in (1, 98, 99) or "internal error" in r.stderr.lower():
        return "internal error", r.stderr.strip()[-300:]
    if r.seconds > CASE_TIMEOUT_S or r.peak_mb > 2500:
        return "too slow or too big", f"{r.seconds:.1f} s, {r.peak_mb:.0f} MB"
    if re.search(r"\w+Warning: ", r.stderr) or "warnings.warn" in r.stderr:
        return "warning leaked", r.stderr.strip()[:300]
    text = (r.stderr if case.expect == "error" else r.stdout).lower()
    if case.expect == "error":
        if r.rc != case.rc:
            got = "exit 0 (a result where an error was due)" if r.rc == 0 else f"exit {r.rc}"
            return "wrong exit code", f"{got}, wanted {case.rc}: {r.stderr.strip()[:300]}"
        if "traceback" in text and "--debug" not in case.args:
            return "unclear error", "traceback shown"
        miss = [s for s in case.says if s.lower() not in text]
        if miss:
            return "unclear error", f"message lacks {miss}: {r.stderr.strip()[:400]}"
    else:
        if r.rc != 0:
            return "wrong exit code", f"exit {r.rc}: {r.stderr.strip()[:400]}"
        if case.expect == "note":
            miss = [s for s in case.says if s.lower() not in text]
            if case.command == "report" and not miss:
                notes = page_text(read_html(r.out / "reorder_report.html")).lower()
                miss = [s for s in case.says if s.lower() not in notes]
            if miss:
                return "missing note", f"no note with {miss}"
    if case.check is not None:
        try:
            case.check(r, data)
        except AssertionError as err:
            return "silent wrong result", f"{err}"[:400]
    if case.expect != "error" and case.command == "report":
        try:
            o = read_outputs(r.out)
        except (OSError, ValueError) as err:
            return "items lost", f"outputs missing or unreadable: {err}"[:300]
        ids = case.ids(data) if case.ids else _ids_for(data)
        try:
            check_items(o, ids)
        except AssertionError as err:
            return "items lost", f"{err}"[:400]
        try:
            check_one_truth(o, r.stdout)
        except (AssertionError, KeyError, ValueError) as err:
            return "outputs disagree", "".join(traceback.format_exception_only(err))[:400]
        try:
            check_no_injection(r.out)
            check_inside(r.out, data.parent, r.before)
        except AssertionError as err:
            return "injection", f"{err}"[:300]
    expected = {
        "error": "clear error",
        "note": "correct result with note",
        "ok": "correct result",
    }[case.expect]
    return expected, ""


def _ids_for(data: Path) -> set[str]:
    from fuzz_cases import all_ids

    return all_ids(data)

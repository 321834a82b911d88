"""The ``stockout-forecast`` command line.

Subcommands
-----------
``validate DATA``          check every table of a dataset against the data contract
``velocity DATA``          item velocity (units/day over in-stock days) as CSV or JSON
``report DATA --out DIR``  run the planner and write the HTML report and its CSV
``serve --db URL``         run the HTTP service (``service/``; needs the ``service`` extra)
``keys add --db URL``      create an API key for the service (also ``keys list``, ``keys revoke``)
``plan --db URL``          re-plan every item of the service's store (nightly)

Exit codes: 0 success; 2 bad command-line usage; 3 the data break the contract (the message
says which table, column and rows, and what to do); 4 an input path does not exist;
1 an unexpected internal error (run with ``--debug`` for the traceback).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

if TYPE_CHECKING:  # pragma: no cover
    from .io.dataset import Dataset

EXIT_OK = 0
EXIT_INTERNAL = 1
EXIT_USAGE = 2
EXIT_DATA = 3
EXIT_NOT_FOUND = 4


class Progress:
    """A one-line progress bar on stderr (silent when ``enabled`` is False)."""

    #: True while a bar line is on screen without its newline (errors start a new line)
    line_open = False

    def __init__(self, stream: TextIO | None = None, *, enabled: bool = True, width: int = 24):
        self.stream = stream or sys.stderr
        self.enabled = enabled
        self.width = width
        self.t0 = time.perf_counter()

    def __call__(self, stage: str, i: int, n: int) -> None:
        """Show that stage ``i`` of ``n`` has started."""
        if not self.enabled:
            return
        done = int(self.width * (i - 1) / max(n, 1))
        bar = "#" * done + "-" * (self.width - done)
        elapsed = time.perf_counter() - self.t0
        self.stream.write(f"\r[{bar}] {i}/{n} {stage:<24} {elapsed:6.1f}s")
        self.stream.flush()
        Progress.line_open = True

    def close(self) -> None:
        """Finish the bar line."""
        if self.enabled:
            elapsed = time.perf_counter() - self.t0
            self.stream.write(f"\r[{'#' * self.width}] done{' ' * 24} {elapsed:6.1f}s\n")
            self.stream.flush()
            Progress.line_open = False


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="stockout-forecast",
        description=(
            "Item velocity, stockout dates and reorder reports from sales, stock and "
            "purchase-order files. DATA is a folder with standard file names (sales.csv, "
            "inventory.csv, purchase_orders.csv, suppliers.csv, items.csv, stock_history.csv, "
            "customer_orders.csv; .csv.gz, .parquet or .xlsx also work), an Excel workbook with "
            "one sheet per table, or a database URL such as sqlite:///shop.db."
        ),
        epilog="Exit codes: 0 ok, 2 usage, 3 invalid data, 4 input not found, 1 internal error.",
    )
    p.add_argument("--debug", action="store_true", help="show tracebacks on errors")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    v = sub.add_parser(
        "validate",
        help="check a dataset against the data contract",
        description="Read every table, check it against the data contract and print a summary. "
        "Exits with 3 and a message naming the table, column and rows when the data are invalid.",
    )
    v.add_argument("data", help="dataset folder, Excel workbook or database URL")

    vel = sub.add_parser(
        "velocity",
        help="item velocity (units/day over in-stock days)",
        description="Compute item velocity over 7/28/90 days and exponentially weighted, "
        "counting only in-stock days, with a trend ratio and a status per item.",
    )
    vel.add_argument("data", help="dataset folder, Excel workbook or database URL")
    vel.add_argument("--freq", choices=["D", "W", "M"], default="D", help="history period")
    vel.add_argument("--out", help="write to this file instead of standard output")
    vel.add_argument("--format", choices=["csv", "json"], default="csv", help="output format")

    r = sub.add_parser(
        "report",
        help="write the planner report (HTML + CSV)",
        description="Run the planner on DATA and write into --out: reorder_report.html "
        "(self-contained, opens offline), stockout_items.csv (one row per item), orders.csv, "
        "purchase_orders/po_<supplier>.csv (draft POs), customer_notices.csv and "
        "availability.csv (the last four need suppliers and customer orders in DATA).",
    )
    r.add_argument("data", help="dataset folder, Excel workbook or database URL")
    r.add_argument("--out", required=True, help="output folder (created if missing)")
    r.add_argument("--freq", choices=["D", "W", "M"], default="D", help="history period")
    r.add_argument("--as-of", help="planning date YYYY-MM-DD (default: inventory as_of)")
    r.add_argument("--title", default="Reorder report", help="report title")
    r.add_argument("--excel", action="store_true", help="also write reorder_plan.xlsx")
    r.add_argument(
        "--velocity-only",
        action="store_true",
        help="skip the forecast, orders, supplier splits and promise dates (fast)",
    )
    r.add_argument(
        "--service-level",
        type=lambda v: v if v == "economic" else float(v),
        default=0.95,
        help="target service level in (0, 1), or 'economic' (each item's from its costs)",
    )
    r.add_argument("--n-paths", type=int, default=500, help="simulated demand paths per item")
    r.add_argument("--seed", type=int, default=0, help="random seed (same seed, same report)")
    r.add_argument(
        "--jobs", type=int, default=1, help="threads for the stockout simulation (same result)"
    )
    r.add_argument("--max-rows", type=int, default=500, help="rows per table in the HTML")
    r.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    r.add_argument(
        "--chunk-size", type=int, help="items planned together (default: by memory; same plan)"
    )
    where = r.add_mutually_exclusive_group()
    where.add_argument(
        "--workers",
        type=int,
        help="run the chunks on a local Dask cluster of this many processes (same plan)",
    )
    where.add_argument(
        "--scheduler", help="run the chunks on the Dask cluster at this address (same plan)"
    )

    from .service.cli import add_subcommands  # serve, keys, plan (argparse only)

    add_subcommands(sub)
    return p


def _client(args: argparse.Namespace) -> Any:
    """A dask.distributed Client for --workers / --scheduler (None: this process)."""
    if args.workers is None and args.scheduler is None:
        return None
    from .scale.distributed import _distributed, local_cluster

    if args.workers is not None:
        if args.workers < 1:
            raise ValueError(f"--workers must be >= 1; got {args.workers}.")
        return local_cluster(args.workers)
    return _distributed().Client(args.scheduler)


def _load(data: str) -> Dataset:
    from .io.readers import read_dataset

    if "://" not in data and not Path(data).exists():
        raise FileNotFoundError(data)
    return read_dataset(data)


def _cmd_validate(args: argparse.Namespace, out: TextIO) -> int:
    ds = _load(args.data)
    out.write(f"{ds!r}\n")
    out.write(ds.summary().to_string(index=False) + "\n")
    for note in ds.notes:
        out.write(f"note: {note}\n")
    out.write("OK: every table follows the data contract.\n")
    return EXIT_OK


def _cmd_velocity(args: argparse.Namespace, out: TextIO) -> int:
    from ._export import jsonable, safe_spreadsheet_frame
    from .history.demand import demand_history
    from .history.velocity import item_velocity

    ds = _load(args.data)
    assert ds.sales is not None  # read_dataset refuses a dataset without sales
    items = ds.items["item_id"] if ds.items is not None else None
    hist = demand_history(ds.sales, ds.stock_history, freq=args.freq, items=items)
    vel = item_velocity(hist)
    if args.format == "json":
        text = json.dumps(jsonable(vel), indent=1)
    else:
        text = safe_spreadsheet_frame(vel).to_csv(index=False, date_format="%Y-%m-%d")
    if args.out:
        Path(args.out).write_text(text, encoding="utf-8")
        out.write(f"wrote {args.out} ({len(vel):,} items)\n")
    else:
        out.write(text)
    return EXIT_OK


def _cmd_report(args: argparse.Namespace, out: TextIO) -> int:
    from .planner import ReorderPlanner
    from .report.html import write_report

    ds = _load(args.data)  # before the progress bar, so a bad path prints a clean error
    progress = Progress(enabled=not args.quiet)
    planner = ReorderPlanner(
        freq=args.freq,
        as_of=args.as_of,
        forecast=not args.velocity_only,
        service_level=args.service_level,
        n_paths=args.n_paths,
        random_state=args.seed,
        n_jobs=args.jobs,
        chunk_size=args.chunk_size,
    )
    progress("reading data", 1, 3)

    total = [3]

    def stage(name: str, i: int, n: int) -> None:
        total[0] = n + 2
        progress(name, i + 1, n + 2)

    client = _client(args)
    try:
        plan = planner.run(ds, progress=stage, client=client)
    finally:
        if client is not None:
            cluster = client.cluster if args.workers is not None else None
            client.close()
            if cluster is not None:
                cluster.close()
    progress("writing report", total[0], total[0])
    paths = write_report(plan, args.out, title=args.title, max_rows=args.max_rows)
    if args.excel:
        paths["excel"] = plan.to_excel(Path(args.out) / "reorder_plan.xlsx")
    progress.close()
    out.write(f"{plan!r}\n")
    n_po = sum(1 for k in paths if k.startswith("po:"))
    for kind, path in paths.items():
        if not kind.startswith("po:"):
            out.write(f"wrote {kind}: {path}\n")
    if n_po:
        out.write(
            f"wrote {n_po} supplier purchase-order CSVs in {Path(args.out) / 'purchase_orders'}\n"
        )
    return EXIT_OK


def main(argv: Sequence[str] | None = None, *, stdout: TextIO | None = None) -> int:
    """Entry point of the ``stockout-forecast`` command; returns the exit code."""
    from .exceptions import SchemaError

    out = stdout or sys.stdout
    parser = _parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse exits 2 on usage errors, 0 on --help
        return int(exc.code or 0)
    from .service.cli import COMMANDS, run

    handlers = {"validate": _cmd_validate, "velocity": _cmd_velocity, "report": _cmd_report}
    handlers.update(dict.fromkeys(COMMANDS, run))
    try:
        try:
            return handlers[args.command](args, out)
        finally:
            if Progress.line_open:  # end the bar's line so a message starts on its own
                sys.stderr.write("\n")
                Progress.line_open = False
    except BrokenPipeError:  # output piped into e.g. `head`, which stopped reading
        import os

        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_OK
    except FileNotFoundError as err:
        sys.stderr.write(
            f"error: input not found: {err}. Give a dataset folder, workbook or database URL.\n"
        )
        return EXIT_NOT_FOUND
    except (SchemaError, ValueError) as err:
        if args.debug:
            raise
        sys.stderr.write(f"error: {type(err).__name__}: {err}\n")
        return EXIT_DATA
    except Exception as err:  # last resort: report, do not dump a traceback on planners
        if args.debug:
            raise
        sys.stderr.write(
            f"internal error: {type(err).__name__}: {err}\nRe-run with --debug and report it.\n"
        )
        return EXIT_INTERNAL


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

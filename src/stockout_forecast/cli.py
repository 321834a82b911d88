"""The ``stockout-forecast`` command line.

Subcommands
-----------
``validate DATA``          run every check ``report`` runs, and say what was found
``velocity DATA``          item velocity (units/day over in-stock days) as CSV or JSON
``report DATA --out DIR``  run the planner and write the report and the files beside it
``serve --db URL``         run the HTTP service (``service/``; needs the ``service`` extra)
``keys add --db URL``      create an API key for the service (also ``keys list``, ``keys revoke``)
``plan --db URL``          re-plan every item of the service's store (nightly)

Exit codes: 0 success; 2 bad command-line usage (a wrong option, an --out that cannot take
a report, a planning date outside the data); 3 the data break the contract or are not
plausible (the message says which file or table, column and rows, and what to do); 4 an
input path does not exist; 1 an unexpected internal error (``--debug``, anywhere on the
command line, shows the traceback).

Warnings never reach the terminal as Python warnings: what the data give rise to is in the
plan's data notes, which ``report`` writes into the report and prints after the summary.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import tomllib
import traceback
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

if TYPE_CHECKING:  # pragma: no cover
    from .io.dataset import Dataset

EXIT_OK = 0
EXIT_INTERNAL = 1
EXIT_USAGE = 2
EXIT_DATA = 3
EXIT_NOT_FOUND = 4


class UsageError(ValueError):
    """An option that cannot work with these data (exit 2)."""


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


# --------------------------------------------------------------------------- option types
def _service_level(text: str) -> float | str:
    """A fraction in (0, 1), or 'economic' (each item's from its costs)."""
    return "economic" if text.strip().lower() == "economic" else _fraction(text)


def _fraction(text: str) -> float:
    try:
        v = float(text)
    except ValueError as err:
        raise argparse.ArgumentTypeError(f"a fraction in (0, 1) is needed; got {text!r}") from err
    if not 0 < v < 1:
        hint = f". Did you mean {v / 100:g}?" if 1 < v < 100 else ""
        raise argparse.ArgumentTypeError(f"must be a fraction in (0, 1); got {text}{hint}")
    return v


def _int_at_least(minimum: int) -> Callable[[str], int]:
    """An argparse type: a whole number of at least ``minimum``."""

    def parse(text: str) -> int:
        try:
            v = int(text)
        except ValueError as err:
            raise argparse.ArgumentTypeError(f"a whole number is needed; got {text!r}") from err
        if v < minimum:
            raise argparse.ArgumentTypeError(f"must be {minimum} or more; got {v}")
        return v

    return parse


def _days(text: str) -> float:
    try:
        v = float(text)
    except ValueError as err:
        raise argparse.ArgumentTypeError(f"a number of days is needed; got {text!r}") from err
    if not 0 <= v < 10_000:
        raise argparse.ArgumentTypeError(f"must be a number of days from 0; got {text}")
    return v


def _date(text: str) -> str:
    import pandas as pd

    try:
        pd.Timestamp(text)
    except ValueError as err:
        raise argparse.ArgumentTypeError(f"a date YYYY-MM-DD is needed; got {text!r}") from err
    if len(text.strip()) < 8 or not text.strip()[:4].isdigit():
        raise argparse.ArgumentTypeError(f"a date YYYY-MM-DD is needed; got {text!r}")
    return text


# --------------------------------------------------------------------------- parser
_DATA_HELP = (
    "dataset folder (sales.csv, inventory.csv, purchase_orders.csv, suppliers.csv, items.csv, "
    "stock_history.csv, customer_orders.csv; .csv.gz, .tsv, .parquet or .xlsx also work), an "
    "Excel workbook with one sheet per table, or a database URL such as sqlite:///shop.db"
)


def _common(debug_default: Any) -> argparse.ArgumentParser:
    """Options every command takes, accepted before or after the command's name."""
    c = argparse.ArgumentParser(add_help=False)
    c.add_argument(
        "--debug", action="store_true", default=debug_default, help="show tracebacks on errors"
    )
    return c


def _data_options() -> argparse.ArgumentParser:
    """How the data are read: the same for every command, so validate checks what report uses."""
    from .io.plausibility import Thresholds

    d = argparse.ArgumentParser(add_help=False)
    g = d.add_argument_group("reading the data")
    g.add_argument(
        "--column-map",
        action="append",
        default=[],
        metavar="TABLE.COLUMN=NAME",
        help="rename a column at the edge, e.g. sales.SKU=item_id (repeat it), or give a TOML "
        'file of [sales] SKU = "item_id" tables',
    )
    g.add_argument(
        "--date-order",
        choices=["dmy", "mdy", "ymd"],
        help="order of dates written 03/04/2025 (default: the order the data prove)",
    )
    g.add_argument(
        "--match-ids",
        choices=["trim", "exact", "loose"],
        default="trim",
        help="match item ids across tables: trim spaces (default), exact, or loose (also case, "
        "leading zeros and a trailing .0)",
    )
    g.add_argument(
        "--threshold",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="raise a plausibility limit (repeat it): " + ", ".join(Thresholds.names()),
    )
    return d


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="stockout-forecast",
        description="Item velocity, stockout dates and reorder reports from sales, stock and "
        "purchase-order files.",
        epilog="Exit codes: 0 ok, 2 usage, 3 invalid data, 4 input not found, 1 internal error. "
        "--debug works anywhere on the command line.",
        parents=[_common(False)],
    )
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")
    # on the subcommands --debug must not reset a --debug given before the command
    parents = [_common(argparse.SUPPRESS), _data_options()]
    v = sub.add_parser(
        "validate",
        parents=parents,
        help="run every check report runs",
        description="Read every table, run every check the report runs and print a summary "
        "and the data notes. Exits with 3 and a message naming the file or table, column and "
        "rows when the data are invalid.",
    )
    v.add_argument("data", help=_DATA_HELP)
    v.add_argument("--as-of", type=_date, help="planning date to check, YYYY-MM-DD")

    vel = sub.add_parser(
        "velocity",
        parents=parents,
        help="item velocity (units/day over in-stock days)",
        description="Compute item velocity over 7/28/90 days and exponentially weighted, "
        "counting only in-stock days, with a trend ratio and a status per item.",
    )
    vel.add_argument("data", help=_DATA_HELP)
    vel.add_argument("--freq", choices=["D", "W", "M"], default="D", help="history period")
    vel.add_argument("--out", help="write to this file instead of standard output")
    vel.add_argument("--format", choices=["csv", "json"], default="csv", help="output format")

    _add_report(sub, parents)

    from .service.cli import add_subcommands  # serve, keys, plan (argparse only)

    add_subcommands(sub)
    return p


def _add_report(sub: Any, parents: list[argparse.ArgumentParser]) -> None:
    """The ``report`` subcommand: what it writes and the options that shape the plan."""
    r = sub.add_parser(
        "report",
        parents=parents,
        help="write the planner report",
        description="Run the planner on DATA and write into --out: reorder_report.html "
        "(self-contained, opens offline), stockout_items.csv (one row per item), orders.csv "
        "(the orders to place), purchase_orders/po_<supplier>.csv (draft POs), "
        "customer_notices.csv and availability.csv, and manifest.json listing them. --out "
        "is owned by the run: a second run replaces the first run's files, never mixes them; "
        "a folder holding other files is refused.",
    )
    r.add_argument("data", help=_DATA_HELP)
    r.add_argument("--out", required=True, help="output folder (created if missing)")
    r.add_argument("--freq", choices=["D", "W", "M"], default="D", help="history period")
    r.add_argument("--as-of", type=_date, help="planning date YYYY-MM-DD (default: the data's)")
    r.add_argument(
        "--lead-time-days",
        type=_days,
        help="lead time for reorder levels when there is no suppliers table (items.lead_time_days "
        "overrides it per item)",
    )
    r.add_argument("--title", default="Reorder report", help="report title")
    r.add_argument("--excel", action="store_true", help="also write reorder_plan.xlsx")
    r.add_argument("--json", action="store_true", help="also write reorder_plan.json")
    r.add_argument(
        "--velocity-only",
        action="store_true",
        help="skip the forecast, orders, supplier splits and promise dates (fast)",
    )
    r.add_argument(
        "--service-level",
        type=_service_level,
        default=0.95,
        help="target service level in (0, 1), or 'economic' (each item's from its costs)",
    )
    r.add_argument(
        "--n-paths", type=_int_at_least(1), default=500, help="simulated demand paths per item"
    )
    r.add_argument(
        "--seed", type=_int_at_least(0), default=0, help="random seed (same seed, same report)"
    )
    r.add_argument(
        "--jobs",
        type=_int_at_least(1),
        default=1,
        help="threads for the stockout simulation (same result)",
    )
    r.add_argument(
        "--max-rows", type=_int_at_least(1), default=500, help="rows per table in the HTML"
    )
    r.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    r.add_argument(
        "--chunk-size",
        type=_int_at_least(1),
        help="items planned together (default: by memory; same plan)",
    )
    where = r.add_mutually_exclusive_group()
    where.add_argument(
        "--workers",
        type=_int_at_least(1),
        help="run the chunks on a local Dask cluster of this many processes (same plan)",
    )
    where.add_argument(
        "--scheduler", help="run the chunks on the Dask cluster at this address (same plan)"
    )


def _client(args: argparse.Namespace) -> Any:
    """A dask.distributed Client for --workers / --scheduler (None: this process)."""
    if args.workers is None and args.scheduler is None:
        return None
    from .scale.distributed import _distributed, local_cluster

    if args.workers is not None:
        return local_cluster(args.workers)
    return _distributed().Client(args.scheduler)


# --------------------------------------------------------------------------- reading
def _column_maps(specs: Sequence[str]) -> dict[str, dict[str, str]]:
    """``sales.SKU=item_id`` items and TOML files into ``{"sales": {"SKU": "item_id"}}``."""
    maps: dict[str, dict[str, str]] = {}
    for spec in specs:
        pairs: list[tuple[str, str, str]] = []
        if "=" not in spec and Path(spec).is_file():
            try:
                data = tomllib.loads(Path(spec).read_text(encoding="utf-8"))
            except (tomllib.TOMLDecodeError, UnicodeDecodeError) as err:
                raise UsageError(f"--column-map {spec}: not a TOML file ({err}).") from err
            for table, cols in data.items():
                if not isinstance(cols, dict):
                    raise UsageError(
                        f'--column-map {spec}: [{table}] must hold lines such as SKU = "item_id".'
                    )
                pairs += [(table, str(k), str(v)) for k, v in cols.items()]
        else:
            left, sep, target = spec.partition("=")
            table, dot, column = left.partition(".")
            if not (sep and dot and table and column and target):
                raise UsageError(
                    f"--column-map {spec!r}: write table.column=contract_column, e.g. "
                    f"sales.SKU=item_id, or give a TOML file."
                )
            pairs.append((table.strip(), column.strip(), target.strip()))
        for table, column, target in pairs:
            maps.setdefault(table, {})[column] = target
    return maps


def _load(args: argparse.Namespace) -> Dataset:
    from .io.plausibility import Thresholds
    from .io.readers import read_dataset

    maps = _column_maps(args.column_map)
    try:
        thresholds = Thresholds.parse(args.threshold)
    except ValueError as err:
        raise UsageError(f"--threshold: {err}") from err
    data = args.data
    if "://" not in data:
        path = Path(data)
        if not path.exists():
            raise FileNotFoundError(data)
        if path.is_file() and not path.name.lower().endswith(".xlsx"):
            raise UsageError(
                f"DATA {data} is a single file: give the folder that holds it (and the other "
                f"tables), an .xlsx workbook with one sheet per table, or a database URL."
            )
    try:
        return read_dataset(
            data,
            column_maps=maps,
            date_order=args.date_order,
            match_ids=args.match_ids,
            thresholds=thresholds,
        )
    except ValueError as err:
        if "column_map" in str(err) and not isinstance(err, _schema_error()):
            raise UsageError(f"--column-map: {err}") from err
        raise


def _schema_error() -> type[Exception]:
    from .exceptions import SchemaError

    return SchemaError


def _planner(args: argparse.Namespace) -> Any:
    from .planner import ReorderPlanner

    return ReorderPlanner(
        freq=getattr(args, "freq", "D"),
        as_of=args.as_of,
        forecast=not getattr(args, "velocity_only", False),
        service_level=getattr(args, "service_level", 0.95),
        n_paths=getattr(args, "n_paths", 500),
        random_state=getattr(args, "seed", 0),
        n_jobs=getattr(args, "jobs", 1),
        lead_time_days=getattr(args, "lead_time_days", None),
        chunk_size=getattr(args, "chunk_size", None),
    )


def _check_plan(planner: Any, ds: Dataset) -> None:
    """The planner's checks of its settings against the data; a wrong date is usage."""
    try:
        planner.check(ds)
    except ValueError as err:
        if str(err).startswith("as_of"):
            raise UsageError(f"--as-of: {err}") from err
        raise


def _notes(out: TextIO, notes: Sequence[str]) -> None:
    """The data notes, and any warning raised on the way that is not one of them."""
    extra = [w for w in _WARNINGS.drain() if w not in notes]
    for note in [*notes, *extra]:
        out.write(f"note: {note}\n")


# --------------------------------------------------------------------------- commands
def _cmd_validate(args: argparse.Namespace, out: TextIO) -> int:
    ds = _load(args)
    _check_plan(_planner(args), ds)
    out.write(f"{ds!r}\n")
    out.write(ds.summary().to_string(index=False) + "\n")
    _notes(out, ds.notes)
    out.write("OK: every table follows the data contract and passes the plausibility checks.\n")
    return EXIT_OK


def _cmd_velocity(args: argparse.Namespace, out: TextIO) -> int:
    from ._export import jsonable, safe_spreadsheet_frame
    from .history.demand import demand_history
    from .history.velocity import item_velocity

    ds = _load(args)
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
    _notes(sys.stderr if not args.out else out, ds.notes)
    return EXIT_OK


def _cmd_report(args: argparse.Namespace, out: TextIO) -> int:
    from .report.files import OutputFolder
    from .report.html import write_report

    OutputFolder.check(args.out)  # before anything is computed
    ds = _load(args)  # before the progress bar, so a bad path prints a clean error
    planner = _planner(args)
    _check_plan(planner, ds)
    progress = Progress(enabled=not args.quiet)
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
    plan.notes.extend(n for n in _WARNINGS.drain() if n not in plan.notes)
    progress("writing report", total[0], total[0])
    paths = write_report(
        plan,
        args.out,
        title=args.title,
        max_rows=args.max_rows,
        excel=args.excel,
        json=args.json,
        meta={"version": plan.version, "as_of": f"{plan.as_of:%Y-%m-%d}", "data": plan.source},
    )
    progress.close()
    _summary(plan, paths, Path(args.out), out)
    return EXIT_OK


def _summary(plan: Any, paths: dict[str, Path], folder: Path, out: TextIO) -> None:
    """The headline figures (the same frame as the report's tiles), notes, files written."""
    h = plan.headline()
    out.write(f"Reorder plan as of {plan.as_of:%Y-%m-%d} ({plan.source or 'data'}):\n")
    for label, value in zip(h["label"], h["value"], strict=True):
        out.write(f"  {label}: {value:,}\n")
    _notes(out, plan.notes)
    n_po = sum(1 for k in paths if k.startswith("po:"))
    for kind, path in paths.items():
        if not kind.startswith("po:"):
            out.write(f"wrote {kind}: {path}\n")
    if n_po:
        out.write(f"wrote {n_po} draft purchase orders in {folder / 'purchase_orders'}\n")


class _Warnings:
    """Warnings raised while a command runs, kept as note text (no source paths)."""

    def __init__(self) -> None:
        self.seen: list[str] = []

    def record(self, message: Warning | str, *args: Any, **kwargs: Any) -> None:
        text = str(message)
        if text not in self.seen:
            self.seen.append(text)

    def drain(self) -> list[str]:
        out, self.seen = self.seen, []
        return out


_WARNINGS = _Warnings()


def _run(handler: Any, args: argparse.Namespace, out: TextIO) -> int:
    """The command with warnings turned into notes (never printed with a source path)."""
    _WARNINGS.drain()
    with warnings.catch_warnings():
        warnings.simplefilter("always")
        warnings.showwarning = _WARNINGS.record
        return int(handler(args, out))


def _fail(code: int, message: str, args: argparse.Namespace | None) -> int:
    if args is not None and getattr(args, "debug", False):
        traceback.print_exc(file=sys.stderr)
    sys.stderr.write(message)
    return code


def main(argv: Sequence[str] | None = None, *, stdout: TextIO | None = None) -> int:
    """Entry point of the ``stockout-forecast`` command; returns the exit code."""
    from .exceptions import SchemaError
    from .report.files import OutputFolderError

    out = stdout or sys.stdout
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        args = _parser().parse_args(argv)
    except SystemExit as exc:  # argparse exits 2 on usage errors, 0 on --help
        return int(exc.code or 0)
    from .service.cli import COMMANDS, run

    handlers = {"validate": _cmd_validate, "velocity": _cmd_velocity, "report": _cmd_report}
    handlers.update(dict.fromkeys(COMMANDS, run))
    try:
        try:
            return _run(handlers[args.command], args, out)
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
        return _fail(
            EXIT_NOT_FOUND,
            f"error: input not found: {err}. Give a dataset folder, workbook or database URL.\n",
            args,
        )
    except (UsageError, OutputFolderError) as err:
        return _fail(EXIT_USAGE, f"error: {err}\n", args)
    except (SchemaError, ValueError) as err:
        return _fail(EXIT_DATA, f"error: {type(err).__name__}: {err}\n", args)
    except ImportError as err:
        return _fail(EXIT_DATA, f"error: {err}\n", args)
    except Exception as err:  # last resort: report, do not dump a traceback on planners
        return _fail(
            EXIT_INTERNAL,
            f"internal error: {type(err).__name__}: {err}\nRe-run with --debug and report it.\n",
            args,
        )


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

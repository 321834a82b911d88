"""Command line: ``python -m stockout_forecast.datasets OUT_DIR``: the demo data as CSV files."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from .demo import (
    _GZIP_TABLES,
    DEMO_N_DAYS,
    DEMO_N_ITEMS,
    DEMO_SEED,
    DEMO_START,
    make_demo_dataset,
    write_demo_csv,
)
from .partitioned import write_demo_parquet


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: ``python -m stockout_forecast.datasets OUT_DIR [options]``.

    Writes the demo tables as CSV files into ``OUT_DIR`` and prints one line per file.

    Parameters
    ----------
    argv : sequence of str, optional
        Arguments (default: ``sys.argv[1:]``): ``OUT_DIR`` and the options ``--n-items``
        (default 300), ``--n-days`` (730), ``--seed`` (20261126), ``--start``
        (2024-11-25), ``--no-gzip`` and ``--parquet-partitions ITEMS`` (partitioned Parquet,
        ITEMS items simulated and written at a time); the defaults reproduce ``data/sample/``.

    Returns
    -------
    int
        Exit code: 0 on success, 2 on invalid arguments (argparse exits with 2 itself for
        malformed options).

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     main([tmp, "--n-items", "5", "--n-days", "30", "--no-gzip"])
    /.../sales.csv ... rows  (sales)
    ...
    /.../customer_orders.csv ... rows  (customer_orders)
    0
    """
    parser = argparse.ArgumentParser(
        prog="python -m stockout_forecast.datasets",
        description=(
            "Generate the synthetic demo data (every table of the data contract) as CSV "
            "files. The defaults reproduce data/sample/."
        ),
    )
    parser.add_argument("out_dir", type=Path, help="folder to write the CSV files into")
    parser.add_argument("--n-items", type=int, default=DEMO_N_ITEMS, help="number of items")
    parser.add_argument("--n-days", type=int, default=DEMO_N_DAYS, help="days of history")
    parser.add_argument("--seed", type=int, default=DEMO_SEED, help="random seed")
    parser.add_argument("--start", default=DEMO_START, help="first day (YYYY-MM-DD)")
    parser.add_argument(
        "--no-gzip",
        action="store_true",
        help="write sales and stock_history as plain .csv (default: .csv.gz)",
    )
    parser.add_argument(
        "--parquet-partitions",
        type=int,
        metavar="ITEMS",
        help="write partitioned Parquet instead, ITEMS items per part (bounded memory)",
    )
    args = parser.parse_args(argv)
    if args.parquet_partitions is not None:
        try:
            out = write_demo_parquet(
                args.out_dir,
                args.n_items,
                args.n_days,
                random_state=args.seed,
                start=args.start,
                partition_items=args.parquet_partitions,
            )
        except ValueError as err:
            print(f"error: {err}", file=sys.stderr)
            return 2
        print(f"wrote {out} ({args.n_items:,} items as partitioned Parquet)")
        return 0
    try:
        ds = make_demo_dataset(args.n_items, args.n_days, random_state=args.seed, start=args.start)
        paths = write_demo_csv(ds, args.out_dir, gzip_tables=() if args.no_gzip else _GZIP_TABLES)
    except ValueError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    for (name, df), path in zip(ds.tables.items(), paths, strict=True):
        print(f"{path}  {len(df):>9,} rows  ({name})")
    return 0

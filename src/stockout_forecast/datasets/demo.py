"""The public face of the demo data: :func:`make_demo_dataset`, :func:`load_demo`, CSV files."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from .._utils import check_int, check_random_state, renamed_parameters
from ..io.dataset import TABLE_NAMES, Dataset
from ..io.schema import TABLES
from ..io.validation import validate_table
from .draws import (
    _draw_items,
    _draw_lines,
    _draw_suppliers,
    _expected_demand,
    _Items,
    _Lines,
    _Suppliers,
)
from .simulate import _simulate, _Simulation
from .tables import _build_tables

__all__ = ["load_demo", "make_demo_dataset", "write_demo_csv"]


DEMO_N_ITEMS = 300


DEMO_N_DAYS = 730


DEMO_SEED = 20261126


DEMO_START = "2024-11-25"


#: Tables written gzip-compressed by default (one row per item-day or per transaction).
_GZIP_TABLES = ("sales", "stock_history")


#: Extra (non-contract) columns the demo data carries, documented in data/README.md.
_EXTRA_COLUMNS = {"items": ("demand_pattern",), "customer_orders": ("line_status",)}


# --------------------------------------------------------------------------- public API
@dataclass
class _Generated:
    """Validated tables plus the simulation behind them (for tests)."""

    tables: dict[str, pd.DataFrame]
    items: _Items
    suppliers: _Suppliers
    lines: _Lines | None  # None unless keep_truth
    simulation: _Simulation | None
    dates: pd.DatetimeIndex


def _generate(
    n_items: int,
    n_days: int,
    seed: int | np.random.Generator | np.random.SeedSequence,
    start: str,
    *,
    keep_truth: bool = True,
) -> _Generated:
    n_items = check_int(n_items, "n_items", minimum=1)
    n_days = check_int(n_days, "n_days", minimum=28)
    try:
        first = pd.Timestamp(start).normalize()
    except (TypeError, ValueError) as err:
        raise ValueError(f"start must be a date such as '2024-11-25'; got {start!r}.") from err
    rng = check_random_state(seed)
    dates = pd.date_range(first, periods=n_days, freq="D")
    items = _draw_items(rng, n_items, n_days)
    n_pool, sup = _draw_suppliers(rng, items)
    mu = _expected_demand(items, dates)
    lines = _draw_lines(rng, items, mu)
    sim = _simulate(rng, items, sup, lines, n_days)
    raw = _build_tables(rng, items, n_pool, sup, lines, sim, dates)
    if raw["sales"].empty:
        raise ValueError(
            f"The simulated history has no sales at all (n_items={n_items}, n_days={n_days}); "
            f"a sales table must have rows. Use more items or days, or another seed."
        )
    truth = (lines, sim) if keep_truth else (None, None)
    del lines, sim  # free the per-line arrays before validation copies the tables
    tables = {}
    for name in TABLE_NAMES:
        tables[name] = _normalise(raw.pop(name), name)
    return _Generated(tables, items, sup, truth[0], truth[1], dates)


def _normalise(df: pd.DataFrame, table: str) -> pd.DataFrame:
    """Validate against the contract; contract columns first in schema order, extras last."""
    out = validate_table(df, table, allow_empty=table in ("purchase_orders", "customer_orders"))
    for col in _EXTRA_COLUMNS.get(table, ()):
        out[col] = out[col].astype("str")
    if "description" in out.columns:
        out["description"] = out["description"].astype("str")
    known = [c for c in TABLES[table].columns if c in out.columns]
    extra = [c for c in out.columns if c not in TABLES[table].columns]
    return out[known + extra].reset_index(drop=True)


@renamed_parameters(seed="random_state")
def make_demo_dataset(
    n_items: int = DEMO_N_ITEMS,
    n_days: int = DEMO_N_DAYS,
    *,
    random_state: int | np.random.Generator | np.random.SeedSequence = DEMO_SEED,
    start: str = DEMO_START,
    out_dir: str | Path | None = None,
) -> Dataset:
    """Simulate a wholesaler's sales, stock, suppliers and orders: every table of the contract.

    Demand is drawn per item and day, then served from a stock that is simulated day by day
    (vectorised over items, one loop over days) under a reorder-point policy with random
    supplier lead times. Sales stop when stock is zero; the unserved demand is lost or
    backordered and is *not* recorded as sales, so the sales history is censored exactly as
    a real one is, and the stock history says when.

    Parameters
    ----------
    n_items : int, default 300
        Number of items (>= 1). Item ids are ``"SKU-00000"``, ``"SKU-00001"``, ...
    n_days : int, default 730
        Days of history (>= 28), from ``start``; the last day is the as-of date.
    random_state : int, numpy.random.Generator or numpy.random.SeedSequence, default 20261126
        Random state, normalised by :func:`stockout_forecast._utils.check_random_state`.
        The same seed (and sizes) gives the same tables, row for row. (``seed=`` is the
        old name; it still works for one release, with a ``DeprecationWarning``.)
    start : str, default "2024-11-25"
        First day of the history (ISO date).
    out_dir : str or pathlib.Path, optional
        When given, also write the tables there as CSV files named after the tables
        (``sales.csv.gz``, ``stock_history.csv.gz``, ``inventory.csv``, ...), as the command
        line does.

    Returns
    -------
    Dataset
        Every table validated by :func:`~stockout_forecast.io.validation.validate_table` (ids as
        strings, dates as ``datetime64[ns]``, quantities as ``float64``):

        - ``sales``: item_id, date, units (negative = return), order_id, customer_id,
          unit_price (currency per unit, after the customer's discount).
        - ``stock_history``: item_id, date, on_hand_units (end of day, units), one row per
          item and day from the item's launch to the as-of date.
        - ``inventory``: item_id, on_hand_units, backordered_units, allocated_units, as_of.
        - ``purchase_orders``: po_id, item_id, supplier_id, units, order_date, expected_date,
          received_date (NaT while open), received_units (NaN while open).
        - ``suppliers``: item_id, supplier_id, unit_cost, lead_time_days, lead_time_sd_days,
          moq_units, pack_units, capacity_units, order_cost, on_time_rate.
        - ``items``: item_id, description, status (``"active"``/``"discontinued"``),
          service_level, review_period_days, holding_cost_rate, unit_price, backorder_cost,
          storage_volume (m3 per unit), and the extra column ``demand_pattern`` (one of
          :data:`DEMAND_PATTERNS`).
        - ``customer_orders``: order_id, line_id, item_id, units, order_date, customer_id,
          promised_date, priority (1 = served first), and the extra column ``line_status``
          (``"backordered"`` or ``"allocated"``).

    Raises
    ------
    ValueError
        ``n_items`` < 1, ``n_days`` < 28, ``start`` not a date, or (possible with one or two
        items) a simulated history without a single sale.

    See Also
    --------
    load_demo : the committed demo data (these defaults).

    Notes
    -----
    Demand. Expected units per item and day are
    ``mu[i, t] = base_i * dow_i[weekday(t)] * (1 + peak_i * exp(-d(t)^2 / (2 * 14^2)))
    * exp(growth_i * t / 365.25)``, with ``d(t)`` the days from 12 December (year-end peak)
    and a fifth of the demand on 25-26 December and 1 January. Each day brings
    ``Poisson(mu / mean_size_i)`` order lines of ``1 + NegBin`` units (mean ``mean_size_i``).
    The patterns (``items.demand_pattern``, shares of the items in brackets):

    - ``fast`` (20%): 3-20 units/day, strong weekday/weekend pattern, year-end peak of
      +60% to +150%;
    - ``steady`` (17%): 0.5-3 units/day, mild weekly pattern and peak;
    - ``trending`` (14%): growth of +35% to +80% a year (70% of them) or the same decline;
    - ``intermittent`` (20%): demand on 3-25% of days, sizes that barely vary
      (Syntetos-Boylan ADI > 1.32, CV² < 0.49);
    - ``lumpy`` (12%): demand on 2-14% of days, large and very variable sizes (CV² > 0.49);
    - ``new`` (7%): launched 2-8 weeks before the as-of date (no rows before the launch);
    - ``discontinued`` (10%): replenishment stops between 25% and 65% of the history; the
      item is sold off, then delisted (no demand, on hand 0) once sold out, or written off
      150 days later. ``items.status`` is ``"discontinued"``.

    Stock. Each day, in this order: deliveries arrive (start of day); backorders are shipped,
    oldest first (recorded in ``sales`` on the day shipped, under the original order); order
    lines are served in turn while stock lasts; the unserved units of a line are backordered
    with an item-specific probability (0 for a quarter of the items) or lost; the planner's
    forecast (an exponentially weighted mean with a 28-day half-life, updated only on days
    all demand was served) sets a reorder point ``s = ceil(forecast * (L + R) * (1 + k))``
    with ``L`` the preferred supplier's stated lead time, ``R`` the review period (1 or
    7 days) and ``k`` an item-specific safety factor in [-0.2, 0.6); when the inventory
    position (on hand + on order - backorders) is at or below ``s`` on a review day, an
    order of 14-60 days of forecast demand (enough multiples to pass ``s``), rounded up to
    the pack and the MOQ and capped at the capacity, goes to the preferred supplier
    (probability 0.7-1) or an alternative. Its lead time is ``ceil(L + sd * (z - z_q))``
    with ``z`` standard normal and ``z_q`` the on-time-rate quantile, so a share
    ``on_time_rate`` arrives by the expected date and the rest late; a supplier-specific
    1-12% of deliveries arrive short (50-95% of the units). Stock-outs follow from late
    deliveries, a lagging forecast (trends, the year-end peak) and thin safety factors.

    Conventions. An open purchase order's ``expected_date`` is the supplier's latest
    confirmed date: ``order_date + lead_time_days``, or the actual arrival date when that
    had already passed, so every open order is expected after the as-of date. Returns
    (0.5-3.5% of shipped lines, within 30 days, 1 or more of the line's units) carry the
    original order and price and are not restocked. Open ``customer_orders`` are the
    unshipped remainders of backordered lines and a few lines ordered on the as-of date and
    allocated from stock. A backordered line was promised the earliest expected date,
    still ahead, of the item's purchase orders open on its order day (a week later when all
    were overdue; the order day plus the preferred supplier's stated lead time when none
    was open), so a late delivery breaks the promise; per item they add up to ``inventory.backordered_units``
    and ``inventory.allocated_units``. Descriptions of items 2, 7, 11 and 42 contain
    ``<b>``, ``&``, quotes, a comma, a ``<script>`` tag and a leading ``=``, which every
    report must escape.

    References
    ----------
    .. [1] Syntetos, A. A., Boylan, J. E. and Croston, J. D. (2005). On the categorization
       of demand patterns. Journal of the Operational Research Society 56(5), 495-503.
    .. [2] Silver, E. A., Pyke, D. F. and Thomas, D. J. (2017). Inventory and Production
       Management in Supply Chains, 4th ed., CRC Press, ch. 6 (reorder-point systems).

    Examples
    --------
    >>> ds = make_demo_dataset(n_items=14, n_days=120, random_state=1)
    >>> sorted(ds.tables) == sorted(
    ...     ["sales", "stock_history", "inventory", "purchase_orders", "suppliers", "items",
    ...      "customer_orders"])
    True
    >>> len(ds.items), len(ds.inventory), int(ds.stock_history.groupby("item_id").size().max())
    (14, 14, 120)
    >>> ds.items["demand_pattern"].value_counts().sort_index().to_dict()
    {'discontinued': 2, 'fast': 2, 'intermittent': 3, 'lumpy': 2, 'new': 1, 'steady': 2, 'trending': 2}
    >>> make_demo_dataset(n_items=14, n_days=120, random_state=1).sales.equals(ds.sales)
    True
    """
    gen = _generate(n_items, n_days, random_state, start, keep_truth=False)
    seed_txt = (
        random_state if isinstance(random_state, (int, np.integer)) else type(random_state).__name__
    )
    source = (
        f"make_demo_dataset(n_items={n_items}, n_days={n_days}, random_state={seed_txt}, "
        f"start={pd.Timestamp(start):%Y-%m-%d})"
    )
    ds = _as_dataset(gen.tables, source)
    if out_dir is not None:
        write_demo_csv(ds, out_dir)
    return ds


def _as_dataset(tables: dict[str, pd.DataFrame], source: str) -> Dataset:
    return Dataset(
        sales=tables["sales"],
        stock_history=tables["stock_history"],
        inventory=tables["inventory"],
        purchase_orders=tables["purchase_orders"],
        suppliers=tables["suppliers"],
        items=tables["items"],
        customer_orders=tables["customer_orders"],
        source=source,
    )


@functools.cache
def _demo_tables() -> dict[str, pd.DataFrame]:
    return _generate(DEMO_N_ITEMS, DEMO_N_DAYS, DEMO_SEED, DEMO_START, keep_truth=False).tables


def load_demo() -> Dataset:
    """Return the demo data committed under ``data/sample/``: 300 items over two years.

    The committed CSV files are ``make_demo_dataset()`` with its defaults (300 items,
    730 days from 2024-11-25, seed 20261126), and the test suite checks that they are equal
    table by table after reading them back; so this function regenerates them (about a
    second, cached for the session) and works the same from an installed package, where
    ``data/`` is not shipped.

    Returns
    -------
    Dataset
        The tables described in :func:`make_demo_dataset`; each call returns fresh copies,
        so changing them does not change the next call's result.

    See Also
    --------
    make_demo_dataset : parameters, patterns and conventions of the simulation.

    Notes
    -----
    The as-of date of the demo data is 2026-11-24 (``inventory.as_of``).

    Examples
    --------
    >>> ds = load_demo()
    >>> len(ds.items), ds.inventory["as_of"].iloc[0].strftime("%Y-%m-%d")
    (300, '2026-11-24')
    """
    tables = {name: df.copy() for name, df in _demo_tables().items()}
    return _as_dataset(
        tables,
        f"stockout_forecast demo data (make_demo_dataset(n_items={DEMO_N_ITEMS}, "
        f"n_days={DEMO_N_DAYS}, random_state={DEMO_SEED}, start={DEMO_START}))",
    )


def write_demo_csv(
    dataset: Dataset, out_dir: str | Path, *, gzip_tables: Sequence[str] = _GZIP_TABLES
) -> list[Path]:
    r"""Write every table of ``dataset`` to ``out_dir`` as ``<table>.csv`` (or ``.csv.gz``).

    Parameters
    ----------
    dataset : Dataset
        The tables to write (absent tables are skipped).
    out_dir : str or pathlib.Path
        Folder to write into; created if missing. Only the files named after the tables are
        written; a stale file of the same table with the other suffix (``sales.csv`` when
        writing ``sales.csv.gz``) is removed so that readers find exactly one.
    gzip_tables : sequence of str, default ("sales", "stock_history")
        Tables to gzip (the two with a row per transaction or per item-day); pass ``()``
        for plain CSV throughout.

    Returns
    -------
    list of pathlib.Path
        The files written, in table order.

    Notes
    -----
    The bytes are reproducible: whole-number quantities are written without ``.0``, dates
    as ``YYYY-MM-DD``, floats in the shortest form that reads back exactly, ``\n`` line
    ends, and gzip headers without a timestamp. Reading the files back with
    :func:`stockout_forecast.io.readers.read_dataset` (or ``pandas.read_csv`` and
    :func:`~stockout_forecast.io.validation.validate_table`) gives the same tables.

    Examples
    --------
    >>> import tempfile
    >>> ds = make_demo_dataset(n_items=8, n_days=60, random_state=3)
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     [p.name for p in write_demo_csv(ds, tmp)]
    ['sales.csv.gz', 'stock_history.csv.gz', 'inventory.csv', 'purchase_orders.csv', 'suppliers.csv', 'items.csv', 'customer_orders.csv']
    """
    unknown = sorted(set(gzip_tables) - set(TABLE_NAMES))
    if unknown:
        raise ValueError(
            f"gzip_tables has unknown tables {unknown}; expected some of {list(TABLE_NAMES)}."
        )
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name, df in dataset.tables.items():
        stem = TABLES[name].file_stem
        gz = name in gzip_tables
        path = out / f"{stem}.csv{'.gz' if gz else ''}"
        stale = out / f"{stem}.csv{'' if gz else '.gz'}"
        if stale.is_file():
            stale.unlink()
        frame = df.copy()
        for col in frame.columns:
            s = frame[col]
            if pd.api.types.is_float_dtype(s):
                finite = s.dropna()
                if (
                    len(finite)
                    and (finite == np.round(finite)).all()
                    and finite.abs().max() < 2**53
                ):
                    frame[col] = s.astype("Int64")
        compression: dict[str, object] | None = (
            {"method": "gzip", "compresslevel": 9, "mtime": 0} if gz else None
        )
        frame.to_csv(
            path,
            index=False,
            date_format="%Y-%m-%d",
            lineterminator="\n",
            compression=compression,
        )
        written.append(path)
    return written

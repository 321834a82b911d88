"""The checks that need more than one table, and the plausibility checks of a whole dataset.

:func:`check_dataset` runs after every table passed
:func:`~stockout_forecast.io.validation.validate_table`: items known across tables (ids
that match only after trimming, case or leading zeros are an error, or mapped with
``match_ids="loose"``), purchase-order dates in order, the snapshot date, and the limits of
:mod:`~stockout_forecast.io.plausibility`. Errors raise
:class:`~stockout_forecast.exceptions.SchemaError`; what can still be used is kept, warned
about with :class:`~stockout_forecast.exceptions.DataQualityWarning` and written to
``Dataset.notes``.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from .._utils import format_ids, warn_data_quality
from ..exceptions import SchemaError
from . import plausibility
from ._rows import count_rows, rows
from .dataset import TABLE_NAMES, Dataset
from .plausibility import Thresholds

__all__ = ["MATCH_IDS", "check_dataset"]

Pending = list[tuple[str, bool]]
#: how ids are matched across tables
MATCH_IDS = ("exact", "trim", "loose")

#: tables whose rows refer to items and must name items known from sales or items.
#: purchase orders and supplier terms for an unknown item are errors (almost always an id
#: mismatch between systems); the others are kept with a warning (dead stock, pre-orders).
_ITEM_TABLES_STRICT = ("purchase_orders", "suppliers")
_ITEM_TABLES_LENIENT = ("inventory", "stock_history", "customer_orders")
#: (table, date column) pairs that describe the past and must not be after the snapshot date
_PAST_DATES = (
    ("sales", "date"),
    ("stock_history", "date"),
    ("purchase_orders", "order_date"),
    ("purchase_orders", "received_date"),
    ("customer_orders", "order_date"),
)


def check_dataset(
    tables: dict[str, pd.DataFrame],
    *,
    notes: list[str],
    source: str,
    row_base: Mapping[str, int | None] | None = None,
    thresholds: Thresholds | None = None,
    match_ids: str = "trim",
) -> Dataset:
    """Cross-table and plausibility checks on already validated tables.

    ``row_base`` says per table how rows are named in messages (2: spreadsheet rows of a
    file, None: index labels). Warnings go out with stacklevel 3.
    """
    unknown_tables = sorted(set(tables) - set(TABLE_NAMES))
    if unknown_tables:
        raise ValueError(f"Unknown tables {unknown_tables}; expected some of {list(TABLE_NAMES)}.")
    if match_ids not in MATCH_IDS:
        raise ValueError(f"match_ids must be one of {MATCH_IDS}; got {match_ids!r}.")
    if tables.get("sales") is None:
        raise SchemaError(
            "The dataset has no sales table; sales is required (item_id, date, units). "
            "Add sales.csv (or a 'sales' sheet or database table) next to the other tables."
        )
    t = thresholds or Thresholds()
    base = dict(row_base or {})
    tables = dict(tables)
    pending: Pending = []  # (message, also warn?)

    _check_po_dates(tables.get("purchase_orders"), base.get("purchase_orders"))
    for name, col in (("sales", "date"), ("stock_history", "date")):
        if tables.get(name) is not None:
            tables[name] = plausibility.far_dates(
                tables[name], name, col, base.get(name), t, pending
            )
    plausibility.sales_outliers(tables["sales"], base.get("sales"), t, pending)
    plausibility.stale_snapshot(tables, t)
    if tables.get("suppliers") is not None:
        plausibility.lead_times(tables["suppliers"], base.get("suppliers"), t)
    _check_item_ids(tables, pending, base, match_ids)
    sh = tables.get("stock_history")
    if sh is not None:
        tables["stock_history"] = _clip_negative_stock(sh, pending, base.get("stock_history"))
    _check_future_dates(tables, pending, base)
    _note_duplicate_sales(tables["sales"], pending, base.get("sales"))
    _note_items_without_master(tables, pending)

    out_notes = list(notes)
    for msg, warn in pending:
        if warn:
            warn_data_quality(msg)
        if msg not in out_notes:
            out_notes.append(msg)
    return Dataset(**tables, notes=out_notes, source=source)


def _first_items(df: pd.DataFrame, mask: pd.Series | np.ndarray) -> str:
    return format_ids(np.asarray(pd.unique(df.loc[mask, "item_id"])))


def _check_po_dates(po: pd.DataFrame | None, base: int | None) -> None:
    """expected_date and received_date must not be before order_date (SchemaError)."""
    if po is None or len(po) == 0:
        return
    for col, verb in (("expected_date", "expected"), ("received_date", "received")):
        if col not in po.columns:
            continue
        bad = (po[col] < po["order_date"]).to_numpy()  # NaT compares False
        if not bad.any():
            continue
        first = po.loc[bad].head(3)
        examples = "; ".join(
            f"po_id {p!r} item {i!r}: ordered {o:%Y-%m-%d}, {verb} {d:%Y-%m-%d}"
            for p, i, o, d in zip(
                first["po_id"], first["item_id"], first["order_date"], first[col], strict=True
            )
        )
        n_bad, n_dated = int(bad.sum()), int(po[col].notna().sum())
        swapped = (
            f" Every dated row has it so: the columns look swapped; check the column_map for "
            f"{col} and order_date."
            if n_bad == n_dated and n_bad > 1
            else ""
        )
        raise SchemaError(
            f"purchase_orders.{col} is before order_date in {count_rows(po.index[bad], base)}: "
            f"{examples}. A lead time cannot be negative: correct the "
            f"dates in the source.{swapped}"
        )


def _canonical_ids(ids: pd.Index) -> pd.Index:
    """Ids with spaces, case, a trailing '.0' and leading zeros removed (format mismatches)."""
    s = pd.Series(ids.astype("str"), dtype="str").str.strip().str.lower()
    s = s.str.replace(r"^(\d+)\.0+$", r"\1", regex=True).str.lstrip("0")
    return pd.Index(s.mask(s == "", "0"))


def _loose_matches(unknown: np.ndarray, known: pd.Index) -> dict[str, str]:
    """Unknown id -> the known id it matches once spaces, case and leading zeros are ignored."""
    canon_known = pd.Series(known, index=_canonical_ids(known))
    canon_known = canon_known[~canon_known.index.duplicated(keep=False)]  # one match only
    matched = canon_known.reindex(_canonical_ids(pd.Index(unknown)))
    return {str(u): str(k) for u, k in zip(unknown, matched.to_numpy(), strict=True) if pd.notna(k)}


def _check_item_ids(
    tables: dict[str, pd.DataFrame], pending: Pending, base: dict, match_ids: str
) -> None:
    """Every item referred to must be known from sales or items, spelt the same way.

    Unknown ids that match a known id only loosely (case, leading zeros, a trailing ``.0``,
    spaces) are an error in every table, unless ``match_ids="loose"`` maps them (noted):
    they are almost always one item spelt two ways, and kept apart they make phantom items.
    Other unknown ids are an error in purchase orders and supplier terms and are kept as
    items without sales elsewhere (dead stock, pre-orders), with a note.
    """
    known = pd.Index(pd.unique(tables["sales"]["item_id"]))
    if tables.get("items") is not None:
        tables["items"] = _check_table_ids(
            tables["items"], "items", known, pending, base, match_ids
        )
        known = known.union(pd.Index(pd.unique(tables["items"]["item_id"])))
    for name in (*_ITEM_TABLES_STRICT, *_ITEM_TABLES_LENIENT):
        df = tables.get(name)
        if df is None or len(df) == 0:
            continue
        tables[name] = _check_table_ids(df, name, known, pending, base, match_ids)


def _check_table_ids(
    df: pd.DataFrame,
    name: str,
    known: pd.Index,
    pending: Pending,
    base: dict,
    match_ids: str,
) -> pd.DataFrame:
    """One table's ids against the known ones (see :func:`_check_item_ids`)."""
    ids = pd.unique(df["item_id"])
    if all(isinstance(i, str) for i in ids) and set(ids) <= set(known):
        return df  # every id is known (what the row-wise test below finds, in fewer steps)
    bad = ~df["item_id"].isin(known)
    if not bad.any():
        return df
    unknown = np.asarray(pd.unique(df.loc[bad, "item_id"]))
    loose = _loose_matches(unknown, known)
    if loose and match_ids == "loose":
        hit = df["item_id"].isin(list(loose)).to_numpy()
        pending.append(
            (
                f"{name}.item_id: {len(loose)} ids matched to an id of sales (or items) "
                f"ignoring spaces, letter case, a trailing '.0' and leading zeros "
                f"({_pairs(loose)}), in {rows(df.index[hit], base.get(name))} (match_ids='loose').",
                False,
            )
        )
        df = df.assign(item_id=df["item_id"].map(lambda i: loose.get(i, i)))
        bad = ~df["item_id"].isin(known)
        if not bad.any():
            return df
        unknown = np.asarray(pd.unique(df.loc[bad, "item_id"]))
        loose = {}
    if name == "items" and not loose:
        return df  # items may list items without sales
    head = (
        f"{name}.item_id refers to items found in neither sales nor items: "
        f"{format_ids(unknown)}, in {rows(df.index[bad.to_numpy()], base.get(name))}."
    )
    if name == "items":
        head = (
            f"items.item_id has ids that are not in sales: {format_ids(np.asarray(list(loose)))}."
        )
    hint = ""
    if loose:
        hint = (
            f" {len(loose)} of them match a known id once leading zeros, spaces and case are "
            f"ignored ({_pairs(loose)}): ids must match exactly across tables. Correct them in "
            f"the source (export ids as text so leading zeros stay), or let them be matched "
            f"loosely: --match-ids loose on the command line, match_ids='loose' in Python."
        )
    if name in _ITEM_TABLES_STRICT or loose:
        raise SchemaError(
            f"{head}{hint} Correct the item_id, or list every item in an items table "
            f"(items.csv; an item with no sales yet needs a row there)."
        )
    pending.append(
        (
            f"{head} They are kept, as items without sales history: they appear in every "
            f"output with status no_sales. If they are typing errors, correct the item_id; "
            f"otherwise list them in an items table.",
            True,
        )
    )
    return df


def _pairs(loose: dict[str, str]) -> str:
    return ", ".join(f"{u!r} ~ {k!r}" for u, k in list(loose.items())[:3])


def _clip_negative_stock(sh: pd.DataFrame, pending: Pending, base: int | None) -> pd.DataFrame:
    """Negative on-hand readings in stock history become 0 (warning)."""
    neg = sh["on_hand_units"] < 0
    if not neg.any():
        return sh
    pending.append(
        (
            f"stock_history.on_hand_units is negative in {count_rows(sh.index[neg.to_numpy()], base)} "
            f"(items {_first_items(sh, neg)}); set to 0. "
            f"Negative stock is a booking lag (goods sold before their receipt was booked), "
            f"so those days count as out of stock. Correct the stock records if that is wrong.",
            True,
        )
    )
    return sh.assign(on_hand_units=sh["on_hand_units"].clip(lower=0.0))


def _check_future_dates(tables: dict[str, pd.DataFrame], pending: Pending, base: dict) -> None:
    """Past-describing dates after the inventory snapshot date (warning, rows kept)."""
    inv = tables.get("inventory")
    if inv is None or "as_of" not in inv.columns or not inv["as_of"].notna().any():
        return
    as_of = inv["as_of"].max().normalize()
    n_dates = inv["as_of"].dropna().dt.normalize().nunique()
    if n_dates > 1:
        pending.append(
            (
                f"inventory.as_of has {n_dates} different dates "
                f"({inv['as_of'].min():%Y-%m-%d} to {as_of:%Y-%m-%d}); the latest is used as "
                f"the snapshot date.",
                False,
            )
        )
    for name, col in _PAST_DATES:
        df = tables.get(name)
        if df is None or col not in df.columns or len(df) == 0:
            continue
        late = _after_day(df[col], as_of)
        if not late.any():
            continue
        pending.append(
            (
                f"{name}.{col} is after the inventory snapshot date (as_of {as_of:%Y-%m-%d}) in "
                f"{count_rows(df.index[late], base.get(name))} (items "
                f"{_first_items(df, late)}), up to {df[col].max():%Y-%m-%d}. They are kept, but "
                f"the snapshot cannot reflect them: check inventory.as_of, or remove rows "
                f"entered ahead of time.",
                True,
            )
        )


def _after_day(dates: pd.Series, day: pd.Timestamp) -> np.ndarray:
    """``(dates.dt.normalize() > day).to_numpy()`` for a midnight ``day``.

    For tz-naive nanosecond dates in numpy: a date whose day is after ``day`` is at or after
    the next midnight (NaT is neither).
    """
    if dates.dtype != np.dtype("datetime64[ns]") or day.tz is not None or day != day.normalize():
        return (dates.dt.normalize() > day).to_numpy()
    return dates.to_numpy() >= (day + pd.Timedelta(days=1)).to_datetime64()


def _note_duplicate_sales(sales: pd.DataFrame, pending: Pending, base: int | None) -> None:
    """Identical sales lines are kept but counted in the notes."""
    dup = _duplicated(sales)
    if dup.any():
        pending.append(
            (
                f"sales has {int(dup.sum())} lines identical to another line in every column; "
                f"kept (a transaction export lists repeated identical sales separately), e.g. "
                f"{rows(sales.index[dup], base)}. If the file holds daily totals they "
                f"are double counts: remove them.",
                False,
            )
        )


def _duplicated(sales: pd.DataFrame) -> np.ndarray:
    """``sales.duplicated(keep="first")``, compared only among lines of one key.

    Identical lines share their item, date and order id (when there is one): only the lines
    whose key is shared are compared in every column, in their order, which marks the same
    lines as comparing all of them.
    """
    cols = [c for c in ("item_id", "date", "order_id") if c in sales.columns]
    key = np.zeros(len(sales), dtype=np.int64)
    size = 1
    for c in cols:
        codes, uniq = pd.factorize(sales[c])  # a missing value is one code (-1), as in duplicated
        size *= len(uniq) + 1
        if size >= 2**62:
            return sales.duplicated(keep="first").to_numpy()
        key = key * (len(uniq) + 1) + (codes + 1)
    shared = pd.Series(key).duplicated(keep=False).to_numpy()
    out = np.zeros(len(sales), dtype=bool)
    if shared.any():
        pos = np.flatnonzero(shared)
        out[pos] = sales.iloc[pos].duplicated(keep="first").to_numpy()
    return out


def _note_items_without_master(tables: dict[str, pd.DataFrame], pending: Pending) -> None:
    """Items sold but absent from the items table are noted (they get default parameters)."""
    items = tables.get("items")
    if items is None:
        return
    sold = pd.Index(pd.unique(tables["sales"]["item_id"]))
    missing = sold[~sold.isin(items["item_id"])]
    if len(missing):
        pending.append(
            (
                f"items has no row for {format_ids(missing.to_numpy())} items that appear in sales; "
                f"they get the default planning parameters.",
                False,
            )
        )

"""The six datasets of the forecast benchmarks and studies, loaded the way a user would.

Each dataset becomes a sales table (``item_id``, ``date``, ``units``; the demo also has stock
history) and goes through :func:`stockout_forecast.demand_history`, so what is scored is what
a new user gets. The last ``h`` periods are held out: the training history is built from the
sales on or before the cut-off (``as_of`` = the cut-off), the actuals from all sales.

============  ========  =========  ===========================================================
dataset       freq      held out   series
============  ========  =========  ===========================================================
carparts      monthly   last 12    2,509 complete series (51 months)
raf           monthly   last 12    5,000 series (84 months)
refinery      monthly   last 12    7,024 series (56 months); 1997-11 censored (the source
                                   says its values are unreliable)
dunnhumby     weekly    last 13    store x item series with >= 52 weeks of history before the
                                   held-out weeks; weeks without a row are 0 sales
online_retail daily     last 28    4,054 items of a UK online shop, Dec 2010 - Dec 2011,
                                   invoice lines as they are (returns and cancellations net)
demo          daily     last 28    ``make_demo_dataset(n_items=10_000, n_days=730,
                                   random_state=1)`` with its stock history (stock-out days
                                   censored; held-out days scored only when in stock)
============  ========  =========  ===========================================================

Without stock history (every dataset but the demo) the held-out actuals are the sales as
recorded, zeros included: a zero that ``demand_history`` would read as a suspected stock-out
in training is still what the shop sold. ``suspected=False`` builds the training history with
``suspect_stockouts=False``. ``scale`` multiplies every quantity (0.37 gives the fractional
variant: positive values no longer integers, zeros still zeros). ``split="earlier"`` drops
the last held-out block first (the same protocol one block earlier).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from stockout_forecast.history.demand import demand_history
from stockout_forecast.history.panel import DemandHistory

ROOT = Path(__file__).resolve().parents[1]
DATA = (ROOT / ".." / "shared" / "data").resolve()
DATASETS = ("carparts", "raf", "refinery", "dunnhumby", "online_retail", "demo")


@dataclass
class Split:
    """A training history and the held-out actuals of one dataset."""

    name: str
    train: DemandHistory
    test: np.ndarray  # (n_items, h) actuals, NaN where not scored
    h: int
    season: int
    pfreq: str  # pandas frequency of the period labels (for statsforecast)


def available(name: str) -> bool:
    """Whether the dataset's files are here (the demo is generated)."""
    return name == "demo" or DATA.is_dir()


def _read(path: Path, **kw) -> pd.DataFrame:
    return pd.read_csv(path, parse_dates=["date"], **kw)


def sales_of(name: str) -> dict:
    """The dataset as a sales table (plus stock history for the demo) and its protocol."""
    if name in ("carparts", "raf", "refinery"):
        file = {
            "carparts": "carparts/carparts_monthly.csv.gz",
            "raf": "raf_spare_parts/raf_demand_monthly.csv.gz",
            "refinery": "refinery_spare_parts/refinery_demand_monthly.csv.gz",
        }[name]
        df = _read(DATA / file, dtype={"item_id": str})
        if name == "carparts":  # complete series only (the published protocol)
            size = df.groupby("item_id").size()
            df = df[df["item_id"].isin(size[size == size.max()].index)]
        sales = df.rename(columns={"quantity": "units"})[["item_id", "date", "units"]]
        censor = ["1997-11-01"] if name == "refinery" else []
        return dict(sales=sales, stock=None, freq="M", h=12, season=12, pfreq="MS", censor=censor)
    if name == "dunnhumby":
        df = _read(
            DATA / "dunnhumby_breakfast_at_the_frat" / "frat_weekly.csv.gz",
            dtype={"store_id": str, "item_id": str},
        )
        df = df.assign(item_id=df["store_id"] + "_" + df["item_id"])
        first = df.groupby("item_id")["date"].transform("min")
        cut = df["date"].max() - pd.Timedelta(weeks=13)
        df = df[first <= cut - pd.Timedelta(weeks=51)]  # >= 52 weeks before the held-out 13
        sales = df.rename(columns={"quantity": "units"})[["item_id", "date", "units"]]
        return dict(sales=sales, stock=None, freq="W", h=13, season=52, pfreq="W-WED", censor=[])
    if name == "online_retail":
        df = _read(DATA / "online_retail" / "sales.csv.gz", dtype={"item_id": str})
        sales = df[["item_id", "date", "units"]]
        return dict(sales=sales, stock=None, freq="D", h=28, season=7, pfreq="D", censor=[])
    if name == "demo":
        from stockout_forecast.datasets import make_demo_dataset

        ds = make_demo_dataset(n_items=10_000, n_days=730, random_state=1)
        return dict(
            sales=ds.sales[["item_id", "date", "units"]],
            stock=ds.stock_history,
            freq="D",
            h=28,
            season=7,
            pfreq="D",
            censor=[],
        )
    raise ValueError(f"unknown dataset {name!r}; one of {DATASETS}")


_CACHE: dict[str, dict] = {}


def load(name: str, *, suspected: bool = True, scale: float = 1.0, split: str = "latest") -> Split:
    """Training history and held-out actuals of ``name`` (see the module docstring)."""
    if name not in _CACHE:
        _CACHE[name] = sales_of(name)
    d = _CACHE[name]
    sales, stock, freq, h = d["sales"], d["stock"], d["freq"], d["h"]
    if scale != 1.0:
        sales = sales.assign(units=sales["units"] * scale)
    # the frequency as a user gets it: inferred from the dates (each loader states its own)
    full = demand_history(sales, stock, suspect_stockouts=False)
    assert full.freq == freq, (name, full.anchor)
    n_drop = h if split == "earlier" else 0
    end = full.n_periods - n_drop  # periods of the panel in play
    cutoff_period = full.periods[end - h - 1]
    as_of = full.periods[end - h] - pd.Timedelta(days=1)
    keep = sales["date"] <= as_of
    st = None if stock is None else stock[stock["date"] <= as_of]
    train = demand_history(
        sales[keep],
        st,
        freq=full.anchor,
        as_of=as_of,
        items=full.item_ids,
        suspect_stockouts=suspected,
    )
    assert (train.item_ids == full.item_ids).all()
    assert train.periods[-1] == cutoff_period
    if d["censor"]:
        cens = train.censored.copy()
        for day in d["censor"]:
            cens[:, train.periods.get_loc(pd.Timestamp(day))] = True
        train = dataclasses.replace(train, censored=cens)
    units = full.units[:, end - h : end]
    scored = full.observed[:, end - h : end] if stock is not None else full.active[:, end - h : end]
    test = np.where(scored, np.maximum(np.nan_to_num(units), 0.0), np.nan)
    pfreq = str(train.anchor or d["pfreq"])  # the history's own anchored frequency
    return Split(name, train, test, h, d["season"], pfreq)


def peer_frame(s: Split) -> pd.DataFrame:
    """statsforecast's input: each item's training periods from its first activity, as recorded.

    statsforecast has no notion of censoring: stock-out periods keep their recorded sales
    (the demo), censored source months (refinery 1997-11) are 0. Items with no activity
    before the cut-off are left out (they have no history to forecast from).
    """
    u = np.maximum(s.train.units, 0.0)
    if s.name != "demo":
        u = np.where(s.train.censored, np.where(np.isnan(u), np.nan, 0.0), u)
    ii, tt = np.nonzero(np.isfinite(u))
    return pd.DataFrame(
        {"unique_id": s.train.item_ids[ii].astype(str), "ds": s.train.periods[tt], "y": u[ii, tt]}
    )

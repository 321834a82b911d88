"""promise_dates' line reasons written row by row equal the former column-wise sentences.

The reference below is the column-wise code the row-by-row one replaced; the generated
lines meet every branch (from stock, from orders, unpromisable with and without units
short of supply, partial, backorder held or below the minimum shipment, dates moved later
or earlier or no longer promisable, nothing to ship).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest

from stockout_forecast.supply._allocation import _line_reasons


def _g(values: Any) -> pd.Series:
    """Numbers as short text ('4', '2.5')."""
    return pd.Series(np.asarray(values, dtype=float)).map("{:g}".format).astype("str")


def _day(values: Any) -> pd.Series:
    return pd.Series(pd.to_datetime(np.asarray(values))).dt.strftime("%Y-%m-%d").fillna("")


def _join(*parts: pd.Series) -> pd.Series:
    """Join non-empty texts with '; ' element-wise."""
    out = parts[0]
    for p in parts[1:]:
        out = pd.Series(
            np.where(out == "", p, np.where(p == "", out, out + "; " + p)), index=out.index
        )
    return out


def reference_line_reasons(
    out: pd.DataFrame,
    po_only: np.ndarray,
    item_short: np.ndarray,
    item_total: np.ndarray,
    c_start: np.ndarray,
    min_ship: float,
) -> np.ndarray:
    """The former column-wise _line_reasons (the specification of the sentences)."""
    n = len(out)
    if not n:
        return np.zeros(0, dtype=object)
    empty = pd.Series("", index=range(n))
    st = out["status"].to_numpy()
    u = out["units"].to_numpy(dtype=float)
    fs = out["units_from_stock"].to_numpy(dtype=float)
    fo = (out["units_from_po"] + out["units_from_recommended"]).to_numpy(dtype=float)
    ua = out["units_unallocated"].to_numpy(dtype=float)
    sc = out["ship_complete"].to_numpy(dtype=bool)
    ch = out["change"].to_numpy()
    date = _day(out["promised_date"])
    stock_txt = empty.where(~(fs > 0), _g(fs) + " from stock")
    po_txt = empty.where(~(fo > 0), _g(fo) + " from " + pd.Series(po_only))
    ahead = np.minimum(item_total, c_start)
    unprom = (
        _g(ua)
        + " of "
        + _g(u)
        + " units have no scheduled supply (all supply in sight, "
        + _g(item_total)
        + " units, goes to "
        + _g(ahead)
        + " units owed to earlier lines"
        + pd.Series(np.where(item_total > c_start, " and this line", ""), dtype="str")
        + ")"
        + pd.Series(np.where(item_short != "", "; " + item_short.astype(str), ""), dtype="str")
    )
    unprom = unprom.where(
        ua > 0, "the order ships complete and another of its lines has no scheduled supply"
    )
    partial = "ship " + _g(out["units_ship_now"]) + " now, the rest by " + date
    held = pd.Series(
        np.where(
            (fs > 0) & sc,
            "held: the order ships complete",
            np.where(
                (fs > 0) & (fs < min_ship),
                _g(fs) + " in stock is below the minimum shipment " + f"{min_ship:g}",
                "",
            ),
        )
    )
    back = _join(held, "ships by " + date)
    status_txt = pd.Series(
        np.select(
            [st == "unpromisable", st == "partial", st == "backorder"],
            [unprom, partial, back],
            default="",
        )
    )
    ds = out["days_slipped"].to_numpy(dtype=float)
    prev = _day(out["previous_promised_date"])
    change_txt = pd.Series(
        np.select(
            [ch == "later", ch == "earlier", ch == "now_unpromisable"],
            [
                "date moved " + _g(ds) + " days later than promised (" + prev + ")",
                "date moved " + _g(-ds) + " days earlier than promised (" + prev + ")",
                "was promised for " + prev,
            ],
            default="",
        )
    )
    res = _join(stock_txt, po_txt, status_txt, change_txt)
    return res.where(res != "", "nothing to ship").to_numpy(dtype=object)


def _lines(n: int, seed: int) -> tuple[pd.DataFrame, dict[str, Any]]:
    rng = np.random.default_rng(seed)
    units = rng.integers(1, 20, n).astype(float)
    fs = np.where(rng.random(n) < 0.5, np.minimum(units, rng.integers(0, 8, n)), 0.0)
    fpo = np.where(rng.random(n) < 0.4, rng.integers(0, 6, n) + 0.5, 0.0)
    day = pd.Series(pd.Timestamp("2024-05-01") + pd.to_timedelta(rng.integers(0, 60, n), "D"))
    out = pd.DataFrame(
        {
            "status": rng.choice(["in_stock", "partial", "backorder", "unpromisable"], n),
            "units": units,
            "units_from_stock": fs,
            "units_from_po": fpo,
            "units_from_recommended": np.where(rng.random(n) < 0.2, 2.0, 0.0),
            "units_unallocated": np.where(rng.random(n) < 0.5, rng.integers(0, 5, n), 0.0),
            "ship_complete": rng.random(n) < 0.3,
            "change": rng.choice(["", "later", "earlier", "now_unpromisable", "first"], n),
            "promised_date": day.where(rng.random(n) > 0.15),
            "units_ship_now": fs,
            "days_slipped": rng.integers(-9, 9, n).astype(float),
            "previous_promised_date": (day - pd.Timedelta(days=3)).where(rng.random(n) > 0.2),
        }
    )
    extra = {
        "po_only": np.array([f"PO-{k % 7}" if k % 3 else f"PO-{k}, REC-1" for k in range(n)]),
        "item_short": np.where(
            rng.random(n) < 0.3, "PO 9 received 3 of 10 units on 2024-04-02", ""
        ),
        "item_total": rng.integers(0, 30, n).astype(float),
        "c_start": rng.integers(0, 30, n).astype(float),
        "min_ship": 3.0,
    }
    return out, extra


@pytest.mark.parametrize("seed", [0, 1])
def test_row_sentences_equal_the_column_sentences(seed):
    out, x = _lines(500, seed)
    args = (out, x["po_only"], x["item_short"], x["item_total"], x["c_start"], x["min_ship"])
    got, want = _line_reasons(*args), reference_line_reasons(*args)
    assert list(got) == list(want)
    text = " | ".join(got)
    for said in (
        "from stock",
        "from PO-",
        "have no scheduled supply",
        " and this line",
        "; PO 9 received",
        "the order ships complete and another",
        "now, the rest by",
        "held: the order ships complete",
        "below the minimum shipment",
        "ships by ",
        "days later than promised",
        "days earlier than promised",
        "was promised for",
        "nothing to ship",
    ):
        assert said in text, said


def test_no_lines():
    out, x = _lines(0, 0)
    got = _line_reasons(out, x["po_only"], x["item_short"], x["item_total"], x["c_start"], 1.0)
    assert len(got) == 0

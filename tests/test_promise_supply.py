"""promise_dates' supply side on arrays equals the former frame-wise code; the no-lines path.

``_supply_table`` gathers the supply sources as arrays and sorts them once; the reference
below is the frame-wise code it replaced (a frame per kind of source, concat, sort), the
specification of the table: rows, order, values and dtypes (a text column is of the string
dtype only when every kind of source had text in it). ``_free_supply`` and
``_availability`` are what the service uses for items without open customer lines; they
must give ``promise_dates``' own ``supply``, ``items`` and ``availability_feed`` for an
empty set of lines. The generated cases meet: no stock, allocated stock, open, overdue,
received and short-received purchase orders, recommended orders with and without
supplier or PO id, lead-time history with gaps over stated spreads, fractional units.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest

from stockout_forecast import availability_feed, promise_dates
from stockout_forecast._inventory import stock_position
from stockout_forecast.io.validation import validate_table
from stockout_forecast.supply._allocation import _group_sums
from stockout_forecast.supply._backorder_supply import _supply_table
from stockout_forecast.supply.backorders import _availability, _free_supply

_Z90 = 1.2815515655446004
AS_OF = pd.Timestamp("2024-03-05")


# ----------------------------------------------------------------- the former frame-wise code
def _ref_spread(lead_times: Any, suppliers: Any) -> pd.Series:
    parts = []
    if suppliers is not None and "lead_time_sd_days" in suppliers.columns:
        parts.append(suppliers.set_index(["item_id", "supplier_id"])["lead_time_sd_days"] * _Z90)
    if lead_times is not None:
        lt = lead_times.assign(
            item_id=lead_times["item_id"].astype(str),
            supplier_id=lead_times["supplier_id"].astype(str),
        ).set_index(["item_id", "supplier_id"])
        parts.append(lt["lead_time_p90_days"] - lt["lead_time_p50_days"])
    if not parts:
        return pd.Series(dtype=float)
    out = parts[-1]
    for p in parts[-2::-1]:
        out = out.combine_first(p)
    return out.dropna().clip(lower=0.0)


def _ref_lookup(spread: pd.Series, items: pd.Series, suppliers: pd.Series) -> np.ndarray:
    if not len(spread):
        return np.zeros(len(items))
    idx = pd.MultiIndex.from_arrays(
        [items.astype(str).to_numpy(), suppliers.astype(str).to_numpy()]
    )
    return spread.reindex(idx).fillna(0.0).to_numpy(dtype=float)


def _ref_frame(item: Any, kind: str, sid: Any, sup: Any, units: Any, p50: Any, sp: Any, od: Any):
    return pd.DataFrame(
        {
            "item_id": item,
            "kind": kind,
            "source_id": sid,
            "supplier_id": sup,
            "units": units,
            "date_p50": p50.to_numpy(),
            "date_p90": (p50 + pd.to_timedelta(np.ceil(sp - 1e-9), unit="D")).to_numpy(),
            "overdue": od,
        }
    )


def _ref_supply(inv: Any, po: Any, rec: Any, lead_times: Any, suppliers: Any, handling: Any):
    """The former _supply_table (with its _stock/_po/_recommended_sources and shorts)."""
    h = pd.Timedelta(days=float(handling))
    inv = validate_table(inv, "inventory", allow_empty=True)
    if po is not None:
        po = validate_table(po, "purchase_orders", allow_empty=True)
    if suppliers is not None:
        suppliers = validate_table(suppliers, "suppliers")
    pos = stock_position(inv, inv["item_id"])
    frames = [
        pd.DataFrame(
            {
                "item_id": inv["item_id"].to_numpy(),
                "kind": "stock",
                "source_id": "stock",
                "supplier_id": "",
                "units": np.maximum(pos.on_hand - pos.allocated, 0.0),
                "date_p50": AS_OF + h,
                "date_p90": AS_OF + h,
                "overdue": False,
            }
        )
    ]
    spread = _ref_spread(lead_times, suppliers)
    shorts: dict[str, str] = {}
    if po is not None:
        rd = po["received_date"] if "received_date" in po else pd.Series(pd.NaT, index=po.index)
        got = po["received_units"] if "received_units" in po else pd.Series(np.nan, index=po.index)
        received = rd.notna() & (rd <= AS_OF)
        short = received & got.notna() & (got < po["units"] - 1e-9)
        if short.any():
            s = po.loc[short]
            txt = (
                "PO " + s["po_id"] + " received " + got[short].map("{:g}".format) + " of "
                + s["units"].map("{:g}".format) + " units on "
                + rd[short].dt.strftime("%Y-%m-%d")
            )  # fmt: skip
            shorts = pd.Series(txt.to_numpy()).groupby(s["item_id"].to_numpy()).agg("; ".join)
            shorts = shorts.to_dict()
        o = po.loc[~received]
        exp = o["expected_date"].dt.normalize()
        p50 = exp.where(exp >= AS_OF, AS_OF) + h
        out_units = (o["units"] - got[~received].fillna(0.0)).to_numpy(dtype=float)
        frames.append(
            _ref_frame(
                o["item_id"].to_numpy(), "po", o["po_id"].to_numpy(), o["supplier_id"].to_numpy(),
                np.maximum(out_units, 0.0), p50,
                _ref_lookup(spread, o["item_id"], o["supplier_id"]), (exp < AS_OF).to_numpy(),
            )
        )  # fmt: skip
    if rec is not None:
        units = pd.to_numeric(rec["order_units"], errors="coerce").fillna(0.0)
        dates = pd.to_datetime(rec["expected_arrival_date"]).dt.normalize()
        keep = (units > 0) & dates.notna()
        sup = rec["supplier_id"].astype(str) if "supplier_id" in rec else pd.Series("", rec.index)
        sid = (
            rec["po_id"].astype(str)
            if "po_id" in rec
            else "recommended-" + sup.where(sup != "", "order")
        )
        r = pd.DataFrame(
            {"item_id": rec["item_id"].astype(str), "source_id": sid, "supplier_id": sup,
             "units": units, "day": dates}
        ).loc[keep]  # fmt: skip
        p50 = r["day"].where(r["day"] >= AS_OF, AS_OF) + h
        frames.append(
            _ref_frame(
                r["item_id"].to_numpy(), "recommended", r["source_id"].to_numpy(),
                r["supplier_id"].to_numpy(), r["units"].to_numpy(dtype=float), p50,
                _ref_lookup(spread, r["item_id"], r["supplier_id"]), False,
            )
        )  # fmt: skip
    sup = pd.concat(frames, ignore_index=True)
    sup = sup.loc[sup["units"] > 0].copy()
    sup["kind_rank"] = sup["kind"].map({"stock": 0, "po": 1, "recommended": 2})
    sup = sup.sort_values(["item_id", "kind_rank", "date_p50", "source_id"], kind="stable")
    return sup.reset_index(drop=True).drop(columns="kind_rank"), shorts


# ------------------------------------------------------------------------- generated cases
def _case(rng: np.random.Generator) -> dict[str, Any]:
    ni = int(rng.integers(0, 6))
    items = [f"I{j}" for j in rng.permutation(8)[:ni]]
    every = [*items, "Z9"]  # an item with supply but no stock row

    def pick(k: int, of: list[str]) -> list[str]:
        return [of[int(j)] for j in rng.integers(0, len(of), k)]

    inv = pd.DataFrame(
        {
            "item_id": pd.Series(items, dtype="str"),
            "on_hand_units": rng.integers(0, 20, ni) * rng.choice([1.0, 0.5, 0.1], ni),
            "as_of": AS_OF,
        }
    )
    if rng.random() < 0.5:
        inv["allocated_units"] = np.where(rng.random(ni) < 0.3, np.nan, rng.integers(0, 5, ni))
    sups = ["S1", "S2", "S3"]
    npo = int(rng.integers(0, 8))
    po = pd.DataFrame(
        {
            "po_id": pd.Series([f"P{j}" for j in range(npo)], dtype="str"),
            "item_id": pd.Series(pick(npo, every), dtype="str"),
            "supplier_id": pd.Series(pick(npo, sups), dtype="str"),
            "units": rng.integers(1, 30, npo) * rng.choice([1.0, 0.7], npo),
            "order_date": AS_OF - pd.Timedelta(days=30),
            "expected_date": AS_OF + pd.to_timedelta(rng.integers(-10, 40, npo), unit="D"),
        }
    )
    if rng.random() < 0.7:
        day = AS_OF + pd.to_timedelta(rng.integers(-20, 10, npo), unit="D")
        po["received_date"] = day.where(rng.random(npo) < 0.5)
        po["received_units"] = np.where(rng.random(npo) < 0.5, np.nan, rng.integers(0, 30, npo))
    nr = int(rng.integers(0, 4))
    rec = pd.DataFrame(
        {
            "item_id": pick(nr, every),
            "order_units": rng.integers(0, 20, nr).astype(float),
            "expected_arrival_date": AS_OF + pd.to_timedelta(rng.integers(-3, 40, nr), unit="D"),
        }
    )
    if rng.random() < 0.3:  # as PurchasePlan.lines has it
        rec["expected_arrival_date"] = rec["expected_arrival_date"].astype("datetime64[us]")
    if rng.random() < 0.5:
        rec["supplier_id"] = pick(nr, sups)
        if rng.random() < 0.5:
            rec["po_id"] = [f"D{j}" for j in range(nr)]
    pairs = sorted({(i, s) for i in every for s in sups if rng.random() < 0.5})
    suppliers = pd.DataFrame(
        {
            "item_id": [p[0] for p in pairs],
            "supplier_id": [p[1] for p in pairs],
            "unit_cost": 1.0,
            "lead_time_days": 10.0,
            "lead_time_sd_days": np.where(
                rng.random(len(pairs)) < 0.3, np.nan, rng.random(len(pairs)) * 5
            ),
        }
    )
    pairs = sorted({(i, s) for i in every for s in sups if rng.random() < 0.4})
    p50 = rng.random(len(pairs)) * 10
    lead_times = pd.DataFrame(
        {
            "item_id": [p[0] for p in pairs],
            "supplier_id": [p[1] for p in pairs],
            "lead_time_p50_days": p50,
            "lead_time_p90_days": np.where(
                rng.random(len(pairs)) < 0.3, np.nan, p50 + rng.normal(3, 3, len(pairs))
            ),
        }
    )
    return {
        "inv": inv,
        "po": po if rng.random() < 0.8 else None,
        "rec": rec if rng.random() < 0.6 else None,
        "suppliers": suppliers if len(suppliers) and rng.random() < 0.6 else None,
        "lead_times": lead_times if rng.random() < 0.5 else None,
    }


@pytest.mark.parametrize("seed", range(2))
def test_supply_table_equals_the_former_frame_wise_code(seed: int) -> None:
    rng = np.random.default_rng(seed)
    for _ in range(60):
        c = _case(rng)
        handling = float(rng.choice([0.0, 1.5]))
        got, shorts = _supply_table(
            c["inv"],
            c["po"],
            c["rec"],
            as_of=AS_OF,
            lead_times=c["lead_times"],
            suppliers=c["suppliers"],
            handling_days=handling,
        )
        want, want_shorts = _ref_supply(
            c["inv"], c["po"], c["rec"], c["lead_times"], c["suppliers"], handling
        )
        pd.testing.assert_frame_equal(got, want, check_exact=True)
        assert shorts == want_shorts


@pytest.mark.parametrize("seed", range(2))
def test_free_supply_is_promise_dates_without_lines(seed: int) -> None:
    rng = np.random.default_rng(100 + seed)
    no_lines = pd.DataFrame(
        {
            "order_id": pd.Series(dtype="str"),
            "line_id": pd.Series(dtype="str"),
            "item_id": pd.Series(dtype="str"),
            "units": pd.Series(dtype="float64"),
            "order_date": pd.Series(dtype="datetime64[ns]"),
        }
    )
    for _ in range(40):
        c = _case(rng)
        promise = str(rng.choice(["p50", "p90"]))
        plan = promise_dates(
            no_lines,
            c["inv"],
            c["po"],
            c["rec"],
            as_of=AS_OF,
            promise=promise,  # type: ignore[arg-type]
            lead_times=c["lead_times"],
            suppliers=c["suppliers"],
        )
        supply, items = _free_supply(
            c["inv"],
            c["po"],
            c["rec"],
            as_of=AS_OF,
            lead_times=c["lead_times"],
            suppliers=c["suppliers"],
        )
        pd.testing.assert_frame_equal(supply, plan.supply, check_exact=True)
        pd.testing.assert_frame_equal(items, plan.items, check_exact=True)
        for low in (0.0, 3.0):
            pd.testing.assert_frame_equal(
                _availability(items, supply, promise, low),
                availability_feed(plan, low_stock_units=low),
                check_exact=True,
            )


@pytest.mark.parametrize("scale", [1.0, 0.1, 0.7])
def test_group_sums_are_pandas_groupby_sums(scale: float) -> None:
    # whole units are added directly, others through pandas: both equal groupby().sum()
    # to the last bit (0.1 + 0.2 + 0.3 is not 0.6 in floating point: the order matters)
    rng = np.random.default_rng(7)
    for _ in range(50):
        n = int(rng.integers(0, 12))
        keys = [f"k{j}" for j in rng.integers(0, 4, n)]
        values = rng.integers(0, 40, n) * scale
        values[rng.random(n) < 0.1] = np.nan
        where = rng.random(n) < 0.7
        got = _group_sums(keys, values, where)
        s = pd.Series(values[where])
        want = s.groupby(np.asarray(keys, dtype=object)[where]).sum().to_dict()
        # a key whose values are all missing sums to 0 (pandas lists it, the dict may not)
        assert set(got) <= set(want)
        assert all(got.get(k, 0.0) == want[k] for k in want)

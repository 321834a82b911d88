"""The split problem as arrays: one row per item, one column per supplier slot.

:func:`_build` pivots the validated orders and supplier terms into :class:`_Arrays`, with the
need buckets and the per-unit expected shortage ``e[s, j]`` of the cost model described in
:mod:`stockout_forecast.supply.split`. Every solver in :mod:`.solvers` reads these arrays;
a new per-supplier term (a price break, say) is one more field here, filled in ``_build``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd
from scipy.special import gammaincc

from .._utils import check_fraction, check_int
from ..exceptions import SchemaError

Mode = Literal["optimal", "priority", "quota", "dual"]


_MODES = ("optimal", "priority", "quota", "dual")


_EPS = 1e-7


_LP_CHUNK = 2000


@dataclass
class _Arrays:
    """One row per item, one column per supplier slot (padded), everything as numpy."""

    item_ids: np.ndarray  # (n,) str
    units: np.ndarray  # (n,) N
    overshoot: np.ndarray  # (n,)
    b: np.ndarray  # (n,) shortage cost per unit
    d: np.ndarray  # (n,) demand units/day (NaN: unknown)
    sup: np.ndarray  # (n, S) supplier ids, "" for padding
    present: np.ndarray  # (n, S) bool
    c: np.ndarray  # unit cost
    F: np.ndarray  # order cost
    p: np.ndarray  # pack
    moq: np.ndarray
    cap: np.ndarray  # capacity (inf: none)
    share: np.ndarray  # max share of N
    lt_mean: np.ndarray
    lt_sd: np.ndarray
    timing_on_time: np.ndarray  # on-time probability used in the timing mixture
    on_time: np.ndarray  # reported on-time rate (NaN unknown)
    fill: np.ndarray
    arrival: np.ndarray  # expected arrival, days from as_of
    latest: np.ndarray  # (n,) latest useful arrival day (inf: none)
    priority: np.ndarray
    quota: np.ndarray
    nj: np.ndarray  # (n, J)
    offsets: np.ndarray  # (n, J) days after the stockout
    e: np.ndarray  # (n, S, J) expected shortage per unit; NaN without stockout info
    has_stockout: np.ndarray  # (n,)
    tau: np.ndarray  # (n, T) stockout pmf over day offsets (last column: beyond horizon)
    late_days: float
    brk_q: np.ndarray  # (n, S, B) all-units price-break quantities (inf: none)
    brk_c: np.ndarray  # (n, S, B) unit cost from that quantity up (NaN: none)

    @property
    def n(self) -> int:
        return len(self.item_ids)

    @property
    def S(self) -> int:
        return self.c.shape[1]

    @property
    def J(self) -> int:
        return self.nj.shape[1]

    @property
    def elig(self) -> np.ndarray:
        return self.present & (self.arrival <= self.latest[:, None] + _EPS)

    @property
    def ub(self) -> np.ndarray:
        """Most units per supplier, a pack multiple; 0 where not eligible."""
        share_cap = np.where(self.share < 1.0, self.share * self.units[:, None], np.inf)
        raw = np.minimum(np.minimum(self.cap, share_cap), (self.units + self.overshoot)[:, None])
        packs = np.floor(raw / self.p + 1e-9)
        return np.where(self.elig, packs * self.p, 0.0)

    @property
    def unit_cost_matrix(self) -> np.ndarray:
        """(n, S, J) price + shortage cost per unit of each bucket; inf where not eligible."""
        e = np.nan_to_num(self.e, nan=0.0)
        cost = self.c[:, :, None] + self.b[:, None, None] * e
        return np.where(self.elig[:, :, None], cost, np.inf)

    @property
    def has_breaks(self) -> np.ndarray:
        """(n,) items with a price break at any supplier."""
        return np.isfinite(self.brk_q).any(axis=(1, 2))

    def price_at(self, x: np.ndarray) -> np.ndarray:
        """(n, S) unit price of an order of ``x`` units under all-units price breaks."""
        reached = self.brk_q <= np.asarray(x, dtype=float)[:, :, None] + _EPS
        best = np.where(reached, self.brk_c, np.inf).min(axis=2, initial=np.inf)
        return np.minimum(self.c, best)

    def purchase_value(self, x: np.ndarray) -> np.ndarray:
        """(n, S) purchase value of orders ``x`` at the price their quantity earns."""
        return self.price_at(x) * np.asarray(x, dtype=float)

    def take(self, rows: np.ndarray) -> _Arrays:
        """The same arrays restricted to ``rows`` (item positions)."""
        out = {}
        for name in self.__dataclass_fields__:
            v = getattr(self, name)
            out[name] = v[rows] if isinstance(v, np.ndarray) else v
        return _Arrays(**out)


def _gamma_sf(x: np.ndarray, mu: np.ndarray, sd: np.ndarray) -> np.ndarray:
    """P(L > x) for L gamma(mean mu, sd sd); a point mass at mu when sd = 0."""
    with np.errstate(divide="ignore", invalid="ignore"):
        shape = np.where(sd > 0, (mu / np.where(sd > 0, sd, 1.0)) ** 2, 1.0)
        scale = np.where((sd > 0) & (mu > 0), sd**2 / np.where(mu > 0, mu, 1.0), 1.0)
        g = gammaincc(shape, np.maximum(x, 0.0) / scale)
    return np.where((sd > 0) & (mu > 0), g, (mu > x).astype(float))


def _survival(
    x: np.ndarray, mu: np.ndarray, sd: np.ndarray, r: np.ndarray, late: float
) -> np.ndarray:
    """P(arrival after x) under the on-time / late mixture (broadcast over x's last axis)."""
    return r * _gamma_sf(x, mu, sd) + (1.0 - r) * _gamma_sf(x - late, mu, sd)


def _bucket_sizes(units: np.ndarray, n_buckets: int) -> np.ndarray:
    """(n, J) near-equal whole-unit parts of each order (the last takes any fraction)."""
    j = np.arange(n_buckets + 1)[None, :]
    bounds = np.floor(units[:, None] * j / n_buckets + 1e-9)
    bounds[:, -1] = units
    return np.diff(bounds, axis=1)


def _expected_short(a: _Arrays) -> np.ndarray:
    """(n, S, J) per-unit expected shortage ``e`` (see module docs); NaN without stockouts."""
    n, S, J = a.n, a.S, a.J
    e = np.full((n, S, J), np.nan)
    rows = np.flatnonzero(a.has_stockout)
    if not len(rows):
        return e
    T = a.tau.shape[1]
    m = np.floor(a.offsets + 1e-9).astype(np.int64)  # whole days after the stockout
    mu, sd, r = a.lt_mean, a.lt_sd, a.timing_on_time
    reach = np.where(a.present, mu + a.late_days + 12.0 * sd, 0.0)
    top = int(np.ceil(np.nanmax(reach[rows]))) + 2 if len(rows) else 2
    grid = np.arange(top + 1, dtype=float)
    t = np.arange(T)
    for lo in range(0, len(rows), _LP_CHUNK):
        rr = rows[lo : lo + _LP_CHUNK]
        surv = _survival(
            grid[None, None, :],
            mu[rr][:, :, None],
            sd[rr][:, :, None],
            r[rr][:, :, None],
            a.late_days,
        )  # (c, S, G)
        surv[:, :, -1] = 0.0  # beyond every supplier's reach: arrived
        q = np.empty((len(rr), S, J))
        tau = a.tau[rr]
        for j in range(J):
            idx = np.minimum(t[None, :] + m[rr, j : j + 1], top)  # (c, T)
            sv = np.take_along_axis(surv, np.broadcast_to(idx[:, None, :], (len(rr), S, T)), 2)
            q[:, :, j] = np.einsum("cst,ct->cs", sv, tau)
        f = a.fill[rr][:, :, None]
        e[rr] = (1.0 - f) + f * q
    e[~a.present] = np.nan
    return e


def _stockout_pmf(cdf: np.ndarray, offsets: np.ndarray) -> np.ndarray:
    """The (n, T) pmf over day offsets 0..T-1 from P(stockout by day offsets[k]).

    The mass beyond the horizon is placed on the last column (the day after the horizon).
    """
    cdf = np.clip(np.maximum.accumulate(np.nan_to_num(cdf, nan=0.0), axis=1), 0.0, 1.0)
    T = int(offsets.max()) + 2
    pmf = np.zeros((cdf.shape[0], T))
    inc = np.diff(cdf, axis=1, prepend=0.0)
    cols = np.broadcast_to(np.clip(offsets, 0, T - 2), inc.shape)
    rows = np.broadcast_to(np.arange(inc.shape[0])[:, None], inc.shape)
    np.add.at(pmf, (rows, cols), inc)
    pmf[:, -1] = 1.0 - cdf[:, -1]
    return pmf


def _point_pmf(days: np.ndarray) -> np.ndarray:
    """(n, T) pmf with all mass on ``floor(days)`` (NaN rows stay 0)."""
    ok = np.isfinite(days)
    dd = np.where(ok, np.maximum(np.floor(days), 0), 0).astype(np.int64)
    T = int(dd.max()) + 2 if len(dd) else 2
    pmf = np.zeros((len(days), T))
    pmf[np.flatnonzero(ok), dd[ok]] = 1.0
    return pmf


def _to_days(value: Any, as_of: pd.Timestamp | None, name: str) -> float:
    """A day offset from a number of days or a date (needs ``as_of``)."""
    if value is None:
        return np.nan
    if isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool):
        return float(value)
    if as_of is None:
        raise ValueError(f"{name}={value!r} is a date: pass as_of=... to turn it into days.")
    return float((pd.Timestamp(value).normalize() - as_of).days)


def _build(
    orders: pd.DataFrame,
    sup: pd.DataFrame,
    tau: np.ndarray,
    has_stockout: np.ndarray,
    *,
    n_buckets: int,
    late_days: float,
) -> _Arrays:
    """Pivot the validated tables into :class:`_Arrays`.

    ``orders`` has one row per item, with ``units``, ``overshoot_units``,
    ``shortage_cost``, ``demand_units_per_day``, ``latest_arrival_day``.
    """
    items = orders["item_id"].to_numpy(dtype=object)
    n = len(items)
    take, r, k = _slots(items, sup)
    S = int(k.max()) + 1 if len(k) else 1

    def grid(col: str, fill: float) -> np.ndarray:
        g = np.full((n, S), fill, dtype=float)
        g[r, k] = sup[col].to_numpy(dtype=float)[take]
        return g

    present = np.zeros((n, S), bool)
    present[r, k] = True
    sup_ids = np.full((n, S), "", dtype=object)
    sup_ids[r, k] = sup["supplier_id"].to_numpy(dtype=object)[take]
    units = orders["units"].to_numpy(dtype=float)
    d = orders["demand_units_per_day"].to_numpy(dtype=float)
    pack = grid("pack_units", 1.0)
    biggest = np.where(present, pack, 0.0).max(axis=1)
    overshoot = orders["overshoot_units"].to_numpy(dtype=float)
    # default: the largest pack less one unit, plus what lifts a fractional quantity to the
    # next whole unit (the policy's quantity is fractional without pack sizes), so that any
    # quantity can be rounded up to whole packs
    to_whole = np.ceil(np.nan_to_num(units) - 1e-9) - np.nan_to_num(units)
    default = np.maximum(biggest - 1.0, 0.0) + np.maximum(to_whole, 0.0)
    overshoot = np.where(np.isnan(overshoot), default, overshoot)
    lt_mean = grid("lead_time_mean_days", 0.0)
    timing = grid("timing_on_time", 1.0)
    nj = _bucket_sizes(np.nan_to_num(units), n_buckets)
    before = np.cumsum(nj, axis=1) - nj
    with np.errstate(divide="ignore", invalid="ignore"):
        offsets = np.where(
            (np.isfinite(d) & (d > 0))[:, None], (before + nj / 2.0) / d[:, None], 0.0
        )
    a = _Arrays(
        item_ids=items.astype(str),
        units=units,
        overshoot=overshoot,
        b=orders["shortage_cost"].to_numpy(dtype=float),
        d=d,
        sup=sup_ids,
        present=present,
        c=grid("unit_cost", 0.0),
        F=grid("order_cost", 0.0),
        p=pack,
        moq=grid("moq_units", 0.0),
        cap=grid("capacity_units", np.inf),
        share=grid("max_share", 1.0),
        lt_mean=lt_mean,
        lt_sd=grid("lead_time_sd_days", 0.0),
        timing_on_time=timing,
        on_time=grid("on_time_rate", np.nan),
        fill=grid("fill_rate", 1.0),
        arrival=lt_mean + (1.0 - timing) * late_days,
        latest=orders["latest_arrival_day"].to_numpy(dtype=float),
        priority=grid("priority", np.nan),
        quota=grid("quota", np.nan),
        nj=nj,
        offsets=offsets,
        e=np.empty((n, S, n_buckets)),
        has_stockout=has_stockout,
        tau=tau,
        late_days=late_days,
        brk_q=np.full((n, S, 0), np.inf),
        brk_c=np.full((n, S, 0), np.nan),
    )
    if "price_breaks" in sup.columns and sup["price_breaks"].iloc[take].notna().any():
        text = sup["price_breaks"].to_numpy(dtype=object)[take]
        a.brk_q, a.brk_c = _break_arrays(text, r, k, n, S)
    a.e = _expected_short(a)
    return a


def _slots(items: np.ndarray, sup: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The supplier rows of ``items``: (row in ``sup``, item row, supplier slot).

    In item order, then by ``supplier_id`` (the slot: the supplier's rank within its item).
    """
    pos = pd.Index(items).get_indexer(sup["item_id"].to_numpy(dtype=object))
    sel = np.flatnonzero(pos >= 0)
    ids = np.array(sup["supplier_id"].to_numpy(dtype=object)[sel].tolist(), dtype=str)
    order = np.lexsort((ids, pos[sel]))  # stable: equal pairs keep their table order
    take, r = sel[order], pos[sel][order]
    at = np.arange(len(r))
    start = np.maximum.accumulate(np.where(np.r_[True, r[1:] != r[:-1]], at, 0)) if len(r) else at
    return take, r, at - start


def _break_arrays(
    text: np.ndarray, r: np.ndarray, k: np.ndarray, n: int, S: int
) -> tuple[np.ndarray, np.ndarray]:
    """Parse ``suppliers.price_breaks`` ("500:0.95;1000:0.90") into (n, S, B) arrays."""
    parsed = [parse_price_breaks(v) for v in text]
    B = max((len(b) for b in parsed), default=0)
    q = np.full((n, S, B), np.inf)
    c = np.full((n, S, B), np.nan)
    for (row, slot), breaks in zip(zip(r, k, strict=True), parsed, strict=True):
        for j, (qq, cc) in enumerate(breaks):
            q[row, slot, j], c[row, slot, j] = qq, cc
    return q, c


def parse_price_breaks(value: object) -> list[tuple[float, float]]:
    """``"500:0.95;1000:0.90"`` -> [(500.0, 0.95), (1000.0, 0.90)]; empty -> [].

    Raises a ``SchemaError`` naming the text when it is not ``min_units:unit_cost`` pairs.
    """
    if value is None or (isinstance(value, float) and np.isnan(value)) or str(value).strip() == "":
        return []
    out = []
    for part in str(value).split(";"):
        if not part.strip():
            continue
        try:
            q_txt, c_txt = part.split(":")
            qq, cc = float(q_txt), float(c_txt)
        except ValueError as err:
            raise SchemaError(
                f"suppliers.price_breaks {value!r} is not a list of min_units:unit_cost pairs; "
                "write e.g. '500:0.95;1000:0.90' (from 500 units 0.95 a unit, from 1,000 0.90)."
            ) from err
        if not (qq > 0 and cc >= 0):
            raise SchemaError(
                f"suppliers.price_breaks {value!r}: break quantities must be > 0 and prices >= 0."
            )
        out.append((qq, cc))
    return sorted(out)


def _check_common(
    mode: str, max_share: float, stockout_quantile: float, late_days: float, n_buckets: int
) -> None:
    if mode not in _MODES:
        raise ValueError(f"mode must be one of {list(_MODES)}; got {mode!r}.")
    check_fraction(max_share, "max_share", inclusive=True)
    if max_share <= 0:
        raise ValueError(f"max_share must be a fraction in (0, 1]; got {max_share!r}.")
    check_fraction(stockout_quantile, "stockout_quantile")
    if not np.isfinite(late_days) or late_days < 0:
        raise ValueError(f"late_days must be a number of days >= 0; got {late_days!r}.")
    check_int(n_buckets, "n_buckets", minimum=1)


def _fmt(v: float) -> str:
    return f"{v:,.6g}"


def _split_text(a: _Arrays, i: int, x: np.ndarray) -> str:
    return ", ".join(f"{a.sup[i, s]} {_fmt(x[s])}" for s in np.flatnonzero(x > _EPS)) or "nothing"

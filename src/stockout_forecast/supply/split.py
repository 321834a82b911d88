"""Supplier splits and draft purchase orders: how many units to buy from whom.

:func:`split_order` chooses, for one item, the units to buy from each of its suppliers by a
mixed-integer program (scipy's HiGHS) that minimises purchase cost + fixed order cost +
expected shortage cost, where the expected shortage comes from each supplier's lead-time
distribution (and its on-time and fill rates) set against the item's stockout-date
distribution. Rule-based modes (``"priority"``, ``"quota"``, ``"dual"``) reproduce what
planners do today. :func:`plan_purchase_orders` does the same for many items at once and
gathers the lines into one draft purchase order per supplier, honouring supplier-level
minimum order values and capacities.

The cost model (shared by every mode, so their costs compare)
-------------------------------------------------------------
The order of ``N`` units is consumed from the day the item runs out, ``tau`` (random, with
``P(tau <= t)`` from the policy layer), at ``d`` units/day. It is cut into ``J`` consecutive
*need buckets* of ``n_j`` units; bucket ``j`` is needed ``o_j = (units before it + n_j/2) / d``
days after ``tau``. A unit of bucket ``j`` bought from supplier ``s`` is *short* (lost or
backordered) when it never arrives (probability ``1 - f_s``, the supplier's fill rate) or
arrives after it is needed::

    e[s, j] = (1 - f_s) + f_s * sum_t P(tau = t) * P(A_s > t + o_j)

with ``A_s = ceil(L_s)`` the arrival day. ``L_s`` is gamma-distributed with the supplier's
mean and standard deviation (a point mass when the spread is 0); with the stated terms a
delivery is late with probability ``1 - on_time_rate`` and then arrives ``late_days`` later
(a two-point mixture). Each bucket is served by the suppliers ``z[s, j]`` (continuous) and
the split minimises::

    sum_s c_s x_s + F_s y_s + b * sum_{s,j} e[s, j] z[s, j]

over units ``x_s = pack_s * k_s`` (integer packs ``k_s``), order indicators ``y_s`` (binary),
subject to ``sum_s z[s, j] = n_j``, ``sum_j z[s, j] <= x_s``, ``N <= sum_s x_s <= N +
overshoot``, ``moq_s y_s <= x_s <= U_s y_s`` with ``U_s = min(capacity_s, max_share_s N,
N + overshoot)``, and ``x_s = 0`` for suppliers whose expected arrival is after the latest
useful arrival.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Literal

import numpy as np
import pandas as pd
from scipy import sparse
from scipy.optimize import Bounds, LinearConstraint, linprog, milp
from scipy.special import gammaincc

from .._export import escape_html, jsonable
from .._utils import check_fraction, format_ids
from ..exceptions import InfeasibleError, SchemaError
from ..io.validation import validate_table

__all__ = ["PurchasePlan", "SupplierSplit", "plan_purchase_orders", "split_order"]

Mode = Literal["optimal", "priority", "quota", "dual"]
_MODES = ("optimal", "priority", "quota", "dual")
_EPS = 1e-7
_MAX_SUBSETS_S = 6  # closed form enumerates supplier subsets up to this many suppliers
_LP_CHUNK = 2000
_BLOCK = 8  # items per block-diagonal MILP (measured fastest: setup cost shared, tiny trees)


# =============================================================================== arrays
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


# ============================================================================ inputs
_OPTIONAL_SUPPLIER_NUMBERS = {
    "lead_time_sd_days": 0.0,
    "moq_units": 0.0,
    "pack_units": 1.0,
    "capacity_units": np.inf,
    "order_cost": 0.0,
}


def _supplier_table(
    suppliers: pd.DataFrame,
    lead_times: pd.DataFrame | None,
    *,
    max_share: float,
    late_days: float,
) -> pd.DataFrame:
    """Validated item x supplier terms with every column the solver needs (one row per pair)."""
    sup = validate_table(suppliers, "suppliers")
    for col, default in _OPTIONAL_SUPPLIER_NUMBERS.items():
        if col not in sup.columns:
            sup[col] = default
        else:
            sup[col] = sup[col].fillna(default)
    pack = sup["pack_units"]
    if (pack <= 0).any():
        bad = sup.loc[pack <= 0, ["item_id", "supplier_id"]].head(5)
        raise SchemaError(
            f"suppliers.pack_units must be > 0; found {int((pack <= 0).sum())} rows with 0 or "
            f"less, e.g. (item_id, supplier_id) {[tuple(r) for r in bad.itertuples(index=False)]}."
            f" Leave it empty for whole units."
        )
    for col in ("fill_rate", "max_share", "quota"):
        if col in sup.columns:
            v = pd.to_numeric(sup[col], errors="coerce")
            out_of_range = (
                v.notna() & ((v < 0) | (v > 1))
                if col == "quota"
                else v.notna() & ((v <= 0) | (v > 1))
            )
            if out_of_range.any():
                raise SchemaError(
                    f"suppliers.{col} must be a fraction in ({'[' if col == 'quota' else '('}0, "
                    f"1]; found {v[out_of_range].head(3).tolist()} for items "
                    f"{format_ids(sup.loc[out_of_range, 'item_id'].unique())}."
                    + (
                        " They look like percentages: divide by 100."
                        if (v[out_of_range] > 1).all()
                        else ""
                    )
                )
            sup[col] = v
    sup["fill_rate"] = sup["fill_rate"].fillna(1.0) if "fill_rate" in sup.columns else 1.0
    sup["max_share"] = (
        sup["max_share"].fillna(max_share) if "max_share" in sup.columns else max_share
    )
    sup["on_time_rate"] = sup["on_time_rate"] if "on_time_rate" in sup.columns else np.nan
    sup["priority"] = (
        pd.to_numeric(sup["priority"], errors="coerce") if "priority" in sup.columns else np.nan
    )
    sup["quota"] = sup["quota"] if "quota" in sup.columns else np.nan
    sup["lead_time_mean_days"] = sup["lead_time_days"]
    sup["timing_on_time"] = sup["on_time_rate"].fillna(1.0)
    sup["lead_time_source"] = "stated"
    if lead_times is not None:
        need = {"item_id", "supplier_id", "lead_time_mean_days", "lead_time_sd_days"}
        missing = sorted(need - set(lead_times.columns))
        if missing:
            raise SchemaError(
                f"lead_times is missing columns {missing}. Found: {list(lead_times.columns)}. "
                f"Pass the frame returned by lead_time_history(purchase_orders, suppliers)."
            )
        lt = lead_times.copy()
        lt["item_id"] = lt["item_id"].astype(str)
        lt["supplier_id"] = lt["supplier_id"].astype(str)
        src = lt["source"] if "source" in lt.columns else pd.Series("history", index=lt.index)
        hist = src.isin(["history", "history+stated"]) & lt["lead_time_mean_days"].notna()
        lt = lt.loc[hist].drop_duplicates(["item_id", "supplier_id"])
        cols = ["lead_time_mean_days", "lead_time_sd_days", "on_time_rate", "fill_rate"]
        cols = [c for c in cols if c in lt.columns]
        merged = sup.merge(
            lt[["item_id", "supplier_id", *cols]],
            on=["item_id", "supplier_id"],
            how="left",
            suffixes=("", "_hist"),
        )
        use = merged["lead_time_mean_days_hist"].notna()
        merged.loc[use, "lead_time_mean_days"] = merged.loc[use, "lead_time_mean_days_hist"]
        merged.loc[use, "lead_time_sd_days"] = merged.loc[use, "lead_time_sd_days_hist"].fillna(0.0)
        # the empirical spread already contains the late deliveries: no extra mixture
        merged.loc[use, "timing_on_time"] = 1.0
        merged.loc[use, "lead_time_source"] = "history"
        for col in ("on_time_rate", "fill_rate"):
            h = f"{col}_hist"
            if h in merged.columns:
                take = use & merged[h].notna()
                merged.loc[take, col] = merged.loc[take, h]
        sup = merged.drop(columns=[c for c in merged.columns if c.endswith("_hist")])
    sup["fill_rate"] = sup["fill_rate"].clip(lower=1e-6)
    return sup


def _stockout_pmf(cdf: np.ndarray, offsets: np.ndarray) -> np.ndarray:
    """(n, T) pmf over day offsets 0..T-1 from P(stockout by day offsets[k]); the mass beyond
    the horizon is placed on the last column (the day after the horizon)."""
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
    """Pivot the validated tables into :class:`_Arrays` (orders: one row per item, with
    ``units``, ``overshoot_units``, ``shortage_cost``, ``demand_units_per_day``,
    ``latest_arrival_day``)."""
    items = orders["item_id"].to_numpy(dtype=object)
    n = len(items)
    pos = pd.Index(items).get_indexer(sup["item_id"].to_numpy(dtype=object))
    s = sup.loc[pos >= 0].copy()
    s["_row"] = pos[pos >= 0]
    s = s.sort_values(["_row", "supplier_id"], kind="stable")
    s["_slot"] = s.groupby("_row").cumcount().to_numpy()
    S = int(s["_slot"].max()) + 1 if len(s) else 1
    r, k = s["_row"].to_numpy(), s["_slot"].to_numpy()

    def grid(col: str, fill: float) -> np.ndarray:
        g = np.full((n, S), fill, dtype=float)
        g[r, k] = s[col].to_numpy(dtype=float)
        return g

    present = np.zeros((n, S), bool)
    present[r, k] = True
    sup_ids = np.full((n, S), "", dtype=object)
    sup_ids[r, k] = s["supplier_id"].to_numpy(dtype=object)
    units = orders["units"].to_numpy(dtype=float)
    d = orders["demand_units_per_day"].to_numpy(dtype=float)
    pack = grid("pack_units", 1.0)
    biggest = np.where(present, pack, 0.0).max(axis=1)
    overshoot = orders["overshoot_units"].to_numpy(dtype=float)
    overshoot = np.where(np.isnan(overshoot), np.maximum(biggest - 1.0, 0.0), overshoot)
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
    )
    a.e = _expected_short(a)
    return a


# ============================================================================ solvers
def _closed_form(a: _Arrays) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Exact split where packs, MOQs, capacities and shares do not bind.

    For every subset U of suppliers, ``V_U = sum_j n_j min_{s in U} C[s, j]`` plus the order
    costs of U is a lower bound on any split that uses exactly U (packs, MOQ, capacity and
    share relaxed). The cheapest subset's bucket-by-bucket assignment attains that bound;
    when it also respects packs, MOQ, capacity and share it is optimal. Returns ``x`` (n, S),
    ``z`` (n, S, J) and ``ok`` (n,) where the certificate holds.
    """
    n, S, J = a.n, a.S, a.J
    C = a.unit_cost_matrix
    nj = a.nj
    slots = np.arange(S)
    if S <= _MAX_SUBSETS_S:
        masks = [np.array([(m >> i) & 1 for i in range(S)], bool) for m in range(1, 2**S)]
    else:  # too many subsets: only exact when no order costs
        masks = [np.ones(S, bool)]
    best = np.full(n, np.inf)
    best_arg = np.zeros((n, J), np.int64)
    for in_u in masks:
        cu = np.where(in_u[None, :, None], C, np.inf)
        arg = cu.argmin(axis=1)  # (n, J)
        mins = np.take_along_axis(cu, arg[:, None, :], 1)[:, 0, :]
        with np.errstate(invalid="ignore"):
            v = np.where(nj > 0, nj * mins, 0.0).sum(axis=1)
        lb = v + (a.F * in_u[None, :]).sum(axis=1)
        better = lb < best - 1e-12
        best = np.where(better, lb, best)
        best_arg[better] = arg[better]
    onehot = (best_arg[:, None, :] == slots[None, :, None]) & (nj > 0)[:, None, :]
    z = onehot * nj[:, None, :]
    x = z.sum(axis=2)
    used = x > _EPS
    packs = x / a.p
    whole = np.abs(packs - np.round(packs)) <= 1e-6 * np.maximum(1.0, packs)
    fits = ~used | (whole & (x >= a.moq - _EPS) & (x <= a.ub + _EPS))
    no_subset_exact = bool((a.F[a.present] > 0).any()) if S > _MAX_SUBSETS_S else False
    ok = np.isfinite(best) & fits.all(axis=1) & (a.units > 0) & (not no_subset_exact)
    return x, z, ok


def _milp_parts(
    a: _Arrays,
    i: int,
    *,
    elig: np.ndarray | None = None,
    ub: np.ndarray | None = None,
    slack_cost: float | None = None,
) -> dict[str, Any]:
    """Item i's MILP as arrays: variables ``k`` (S packs), ``y`` (S binaries), ``z`` (S*J)
    and, with ``slack_cost``, ``u`` (J units left unplaced at that cost per unit)."""
    S, J = a.S, a.J
    p, moq, c, F = a.p[i], a.moq[i], a.c[i], a.F[i]
    el = a.elig[i] if elig is None else elig
    u = (a.ub[i] if ub is None else ub) * el
    e = np.nan_to_num(a.e[i], nan=0.0)
    nj = a.nj[i]
    nu = J if slack_cost is not None else 0
    nv = 2 * S + S * J + nu
    K, Y = np.arange(S), S + np.arange(S)
    Z = (2 * S + np.arange(S * J)).reshape(S, J)
    U = 2 * S + S * J + np.arange(nu)
    rows: list[Any] = []
    cols: list[Any] = []
    vals: list[Any] = []
    lo: list[Any] = []
    hi: list[Any] = []
    r = 0
    # buckets: sum_s z[s, j] (+ u_j) = n_j
    rows += [np.repeat(np.arange(J), S), np.arange(nu)]
    cols += [Z.T.ravel(), U]
    vals += [np.ones(S * J), np.ones(nu)]
    lo.append(nj)
    hi.append(nj)
    r += J
    # supplier: sum_j z[s, j] - p_s k_s <= 0
    rows += [np.repeat(r + np.arange(S), J), r + np.arange(S)]
    cols += [Z.ravel(), K]
    vals += [np.ones(S * J), -p]
    lo.append(np.full(S, -np.inf))
    hi.append(np.zeros(S))
    r += S
    # overshoot: sum_s p_s k_s - sum z <= overshoot
    rows += [np.full(S, r), np.full(S * J, r)]
    cols += [K, Z.ravel()]
    vals += [p, -np.ones(S * J)]
    lo.append([-np.inf])
    hi.append([a.overshoot[i]])
    r += 1
    # capacity/share: p k - U y <= 0 ; MOQ: p k - moq y >= 0
    for coef, l_, h_ in ((u, -np.inf, 0.0), (moq, 0.0, np.inf)):
        rows += [r + np.arange(S), r + np.arange(S)]
        cols += [K, Y]
        vals += [p, -coef]
        lo.append(np.full(S, l_))
        hi.append(np.full(S, h_))
        r += S
    return {
        "nv": nv,
        "nr": r,
        "K": K,
        "Y": Y,
        "Z": Z,
        "U": U,
        "cost": np.concatenate([c * p, F, (a.b[i] * e).ravel(), np.full(nu, slack_cost or 0.0)]),
        "integrality": np.concatenate([np.ones(2 * S), np.zeros(S * J + nu)]),
        "lb": np.zeros(nv),
        "ub": np.concatenate(
            [
                np.floor(u / p + 1e-9),
                el.astype(float),
                np.repeat(np.where(el, np.inf, 0.0), J),
                nj if nu else np.zeros(0),
            ]
        ),
        "rows": np.concatenate(rows),
        "cols": np.concatenate(cols),
        "vals": np.concatenate(vals),
        "lo": np.concatenate([np.asarray(v, float) for v in lo]),
        "hi": np.concatenate([np.asarray(v, float) for v in hi]),
    }


def _milp_one(
    a: _Arrays,
    i: int,
    *,
    elig: np.ndarray | None = None,
    ub: np.ndarray | None = None,
    time_limit: float | None = None,
) -> tuple[int, np.ndarray, np.ndarray]:
    """Solve item ``i``'s split exactly. Returns (scipy status, x (S,), z (S, J))."""
    S, J = a.S, a.J
    m = _milp_parts(a, i, elig=elig, ub=ub)
    A = sparse.csr_array((m["vals"], (m["rows"], m["cols"])), shape=(m["nr"], m["nv"]))
    options: dict[str, Any] = {"mip_rel_gap": 1e-9, "presolve": True}
    if time_limit is not None:
        options["time_limit"] = float(time_limit)
    res = milp(
        m["cost"],
        integrality=m["integrality"],
        bounds=Bounds(m["lb"], m["ub"]),
        constraints=LinearConstraint(A, m["lo"], m["hi"]),
        options=options,
    )
    if res.x is None:
        return int(res.status), np.zeros(S), np.zeros((S, J))
    k = np.round(res.x[m["K"]])
    return int(res.status), k * a.p[i], np.maximum(res.x[m["Z"].ravel()].reshape(S, J), 0.0)


def _milp_block(
    a: _Arrays, rows: np.ndarray, *, time_limit: float | None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Solve the items ``rows`` in one block-diagonal MILP (a few items per block).

    Each item may leave units unplaced at a penalty, so one infeasible item cannot make the
    block infeasible. Returns x (m, S), z (m, S, J) and ``ok`` (m,): the item placed every
    unit, so its split is optimal for the item alone (the blocks share no constraint).
    Items not ok are re-solved on their own by the caller.
    """
    S, J = a.S, a.J
    m = len(rows)
    x = np.zeros((m, S))
    z = np.zeros((m, S, J))
    ok = np.zeros(m, bool)
    penalty = 10.0 * (a.c.max(axis=1) + a.b + a.F.sum(axis=1) + 1.0)
    parts = [_milp_parts(a, int(i), slack_cost=float(penalty[i])) for i in rows]
    nv, nr = parts[0]["nv"], parts[0]["nr"]
    A = sparse.csr_array(
        (
            np.concatenate([p_["vals"] for p_ in parts]),
            (
                np.concatenate([p_["rows"] + k * nr for k, p_ in enumerate(parts)]),
                np.concatenate([p_["cols"] + k * nv for k, p_ in enumerate(parts)]),
            ),
        ),
        shape=(nr * m, nv * m),
    )

    def cat(key: str) -> np.ndarray:
        return np.concatenate([p_[key] for p_ in parts])

    options: dict[str, Any] = {"mip_rel_gap": 1e-9}
    if time_limit is not None:
        options["time_limit"] = float(time_limit) * m
    res = milp(
        cat("cost"),
        integrality=cat("integrality"),
        bounds=Bounds(cat("lb"), cat("ub")),
        constraints=LinearConstraint(A, cat("lo"), cat("hi")),
        options=options,
    )
    if res.x is None or res.status != 0:
        return x, z, ok
    sol = res.x.reshape(m, nv)
    K, Z, U = parts[0]["K"], parts[0]["Z"].ravel(), parts[0]["U"]
    x = np.round(sol[:, K]) * a.p[rows]
    z = np.maximum(sol[:, Z].reshape(m, S, J), 0.0)
    ok = sol[:, U].sum(axis=1) <= 1e-7
    return x, z, ok


def _assign(a: _Arrays, x: np.ndarray) -> np.ndarray:
    """Cheapest bucket assignment ``z`` (n, S, J) for fixed units ``x`` (a transportation LP
    per item, solved as one block-diagonal LP per chunk; trivial items skip the LP)."""
    _n, S, J = a.n, a.S, a.J
    total = x.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        prop = np.where(total[:, None] > 0, x / total[:, None], 0.0)
    z = prop[:, :, None] * a.nj[:, None, :]
    e = np.nan_to_num(a.e, nan=0.0)
    need_lp = ((x > _EPS).sum(axis=1) > 1) & (a.b > 0) & a.has_stockout & (total >= a.units - _EPS)
    rows = np.flatnonzero(need_lp)
    for lo in range(0, len(rows), _LP_CHUNK):
        rr = rows[lo : lo + _LP_CHUNK]
        m = len(rr)
        nv = m * S * J
        v = np.arange(nv).reshape(m, S, J)
        item = np.repeat(np.arange(m), S * J)
        s_of = np.tile(np.repeat(np.arange(S), J), m)
        j_of = np.tile(np.arange(J), m * S)
        a_eq = sparse.csr_array((np.ones(nv), (item * J + j_of, v.ravel())), shape=(m * J, nv))
        a_ub = sparse.csr_array((np.ones(nv), (item * S + s_of, v.ravel())), shape=(m * S, nv))
        res = linprog(
            (e[rr]).ravel(),
            A_ub=a_ub,
            b_ub=x[rr].ravel() + 1e-9,
            A_eq=a_eq,
            b_eq=a.nj[rr].ravel(),
            bounds=(0, None),
            method="highs",
        )
        if res.status != 0:  # pragma: no cover - the LP is feasible whenever sum x >= N
            raise RuntimeError(f"bucket assignment LP failed: {res.message}")
        z[rr] = np.maximum(res.x.reshape(m, S, J), 0.0)
    return z


def _round_to_pack(q: np.ndarray, p: np.ndarray, how: str) -> np.ndarray:
    r = q / p
    k = (
        np.ceil(r - 1e-9)
        if how == "up"
        else np.floor(r + 1e-9)
        if how == "down"
        else np.floor(r + 0.5)
    )
    return np.maximum(k, 0.0) * p


def _priority_rule(a: _Arrays) -> tuple[np.ndarray, np.ndarray]:
    """Fill suppliers in priority order (lower ``priority`` first; then price, lead time).

    Each supplier takes ``min(remaining, U_s)`` in whole packs (rounded up only within the
    overshoot allowance), lifted to its MOQ when that fits, otherwise skipped. Returns ``x``
    and the units left unplaced (> 0: the rule cannot place the order).
    """
    n, S = a.n, a.S
    pri = np.where(np.isnan(a.priority), np.inf, a.priority)
    order = np.lexsort((np.broadcast_to(np.arange(S), (n, S)), a.arrival, a.c, pri), axis=1)
    rem = np.nan_to_num(a.units).copy()
    ov = a.overshoot.copy()
    x = np.zeros((n, S))
    ub, elig = a.ub, a.elig
    rows = np.arange(n)
    for rank in range(S):
        s = order[:, rank]
        p, moq, u = a.p[rows, s], a.moq[rows, s], ub[rows, s]
        want = np.minimum(rem, u)
        up, down = _round_to_pack(want, p, "up"), _round_to_pack(want, p, "down")
        q = np.where((up - rem <= ov + _EPS) & (up <= u + _EPS), up, down)
        low = (q > _EPS) & (q < moq - _EPS)
        lift = _round_to_pack(moq, p, "up")
        can = low & (lift <= u + _EPS) & (lift - rem <= ov + _EPS)
        q = np.where(low, np.where(can, lift, 0.0), q)
        q = np.where(elig[rows, s] & (rem > _EPS), q, 0.0)
        x[rows, s] = q
        ov = ov - np.maximum(q - rem, 0.0)
        rem = np.maximum(rem - q, 0.0)
    return x, rem


def _quota_rule(a: _Arrays) -> tuple[np.ndarray, np.ndarray]:
    """Fixed shares: ``x_s = quota_s N`` rounded to the nearest pack; the supplier with the
    largest quota absorbs the rounding difference (in whole packs, never below ``N``).
    Returns ``x`` and a problem code per item (0 ok, 1 pack/total, 2 MOQ, 3 capacity/share,
    4 latest arrival)."""
    n = a.n
    q = np.nan_to_num(a.quota)
    N = np.nan_to_num(a.units)
    x = np.where(q > 0, _round_to_pack(q * N[:, None], a.p, "nearest"), 0.0)
    top = q.argmax(axis=1)
    rows = np.arange(n)
    diff = N - x.sum(axis=1)
    pt = a.p[rows, top]
    adj = np.where(diff > 0, np.ceil(diff / pt - 1e-9), -np.floor(-diff / pt + 1e-9)) * pt
    x[rows, top] = np.maximum(x[rows, top] + adj, 0.0)
    total = x.sum(axis=1)
    used = x > _EPS
    code = np.zeros(n, np.int64)
    code[(total < N - _EPS) | (total > N + a.overshoot + _EPS)] = 1
    code[(used & (x < a.moq - _EPS)).any(axis=1)] = 2
    raw_ub = np.minimum(a.cap, np.where(a.share < 1.0, a.share * N[:, None], np.inf))
    code[(x > raw_ub + _EPS).any(axis=1)] = 3
    code[((q > 0) & ~a.elig).any(axis=1)] = 4
    return x, code


def _stockout_quantile_day(a: _Arrays, q: float) -> np.ndarray:
    """Day offset of the q-quantile of the stockout date (inf when beyond the horizon)."""
    cdf = np.cumsum(a.tau[:, :-1], axis=1)
    reached = cdf >= q - 1e-12
    day = np.where(reached.any(axis=1), reached.argmax(axis=1).astype(float), np.inf)
    return np.where(a.has_stockout, day, np.nan)


def _dual_rule(a: _Arrays, stockout_quantile: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Base-surge split: the cheap (regular) supplier gets the base, the fastest supplier the
    demand that falls between the stockout quantile and the regular supplier's arrival.

    Returns ``x``, the gap units wanted from the fast supplier and a problem code (0 ok,
    1 pack/total, 2 MOQ, 3 capacity).
    """
    n, S = a.n, a.S
    rows = np.arange(n)
    elig = a.elig
    big = np.where(elig, 0.0, np.inf)
    slots = np.broadcast_to(np.arange(S), (n, S))
    reg = np.lexsort((slots, a.arrival, a.c + big), axis=1)[:, 0]
    fast = np.lexsort((slots, a.c, a.arrival + big), axis=1)[:, 0]
    N = np.nan_to_num(a.units)
    tau_q = _stockout_quantile_day(a, stockout_quantile)
    gap_days = np.maximum(a.arrival[rows, reg] - np.nan_to_num(tau_q, nan=np.inf), 0.0)
    gap_days = np.where(np.isfinite(gap_days), gap_days, 0.0)
    rate = np.where(np.isfinite(a.d) & (a.d > 0), a.d, np.inf)
    with np.errstate(invalid="ignore"):
        gap = np.where(gap_days > 0, np.minimum(rate * gap_days, N), 0.0)
    gap = np.where(fast == reg, 0.0, gap)
    ub = a.ub
    pf, pr = a.p[rows, fast], a.p[rows, reg]
    xf = _round_to_pack(gap, pf, "up")
    xf = np.where(xf > 0, np.maximum(xf, _round_to_pack(a.moq[rows, fast], pf, "up")), 0.0)
    xf = np.minimum(xf, ub[rows, fast])
    xr = _round_to_pack(np.maximum(N - xf, 0.0), pr, "up")
    x = np.zeros((n, S))
    x[rows, fast] = xf
    x[rows, reg] += xr
    code = np.zeros(n, np.int64)
    total = x.sum(axis=1)
    code[total > N + a.overshoot + _EPS] = 1
    used = x > _EPS
    code[(used & (x < a.moq - _EPS)).any(axis=1)] = 2
    code[(x > ub + _EPS).any(axis=1) | (total < N - _EPS)] = 3
    return x, gap, code


# ====================================================================== infeasibility
_FAMILIES = ("capacity", "max_share", "moq", "pack", "latest_arrival")


def _feasible_total(
    a: _Arrays, i: int, *, relax: tuple[str, ...] = (), target: str = "exact"
) -> tuple[bool, np.ndarray]:
    """Is there a split of item i (constraints minus ``relax``)? ``target``: "exact" (total in
    [N, N + overshoot]), "below" (largest total <= N) or "above" (smallest total >= N)."""
    S = a.S
    N, ov = a.units[i], a.overshoot[i]
    p = a.p[i] if "pack" not in relax else np.full(S, 1e-6)
    integral = "pack" not in relax
    el = a.present[i] if "latest_arrival" in relax else a.elig[i]
    cap = np.full(S, np.inf) if "capacity" in relax else a.cap[i]
    share = np.ones(S) if "max_share" in relax else a.share[i]
    moq = np.zeros(S) if "moq" in relax else a.moq[i]
    hi_total = (
        N + ov if target != "above" else N + ov + np.nansum(np.where(el, np.minimum(cap, 1e12), 0))
    )
    u = np.where(el, np.minimum(cap, hi_total), 0.0)
    K, Y = np.arange(S), S + np.arange(S)
    rows: list[Any] = []
    cols: list[Any] = []
    vals: list[Any] = []
    lo: list[Any] = []
    hi: list[Any] = []
    r = 0
    # total
    rows.append(np.full(S, r))
    cols.append(K)
    vals.append(p)
    if target == "exact":
        lo.append([N])
        hi.append([N + ov])
    elif target == "below":
        lo.append([0.0])
        hi.append([N])
    else:
        lo.append([N])
        hi.append([np.inf])
    r += 1
    for coef, l_, h_ in ((np.minimum(u, 1e12), -np.inf, 0.0), (moq, 0.0, np.inf)):
        rows += [r + np.arange(S), r + np.arange(S)]
        cols += [K, Y]
        vals += [p, -coef]
        lo.append(np.full(S, l_))
        hi.append(np.full(S, h_))
        r += S
    # share of the order placed: p_s k_s - share_s sum_r p_r k_r <= 0 (or of N when exact)
    lim = share < 1.0 - 1e-12
    if lim.any():
        for s in np.flatnonzero(lim):
            row_vals = -share[s] * p.copy()
            row_vals[s] += p[s]
            rows.append(np.full(S, r))
            cols.append(K)
            vals.append(row_vals)
            lo.append([-np.inf])
            hi.append([0.0])
            r += 1
    A = sparse.csr_array(
        (np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))), shape=(r, 2 * S)
    )
    obj = np.concatenate([p, np.zeros(S)]) * (-1.0 if target == "below" else 1.0)
    if target == "exact":
        obj = np.zeros(2 * S)
    kub = np.where(el, np.floor(np.minimum(u, 1e12) / p + 1e-9), 0.0)
    res = milp(
        obj,
        integrality=np.concatenate([np.full(S, 1 if integral else 0), np.ones(S)]),
        bounds=Bounds(np.zeros(2 * S), np.concatenate([kub, el.astype(float)])),
        constraints=LinearConstraint(A, np.concatenate(lo), np.concatenate(hi)),
        options={"mip_rel_gap": 1e-9},
    )
    if res.status != 0 or res.x is None:
        return False, np.zeros(S)
    return True, np.round(res.x[K]) * p if integral else res.x[K] * p


def _fmt(v: float) -> str:
    return f"{v:,.6g}"


def _family_detail(a: _Arrays, i: int, fam: str) -> str:
    ids = a.sup[i]
    pres = a.present[i]
    N = a.units[i]
    if fam == "capacity":
        parts = [
            f"{ids[s]} {_fmt(a.cap[i, s])}" for s in np.flatnonzero(pres & np.isfinite(a.cap[i]))
        ]
        return "capacity_units (" + ", ".join(parts) + ")"
    if fam == "max_share":
        parts = [
            f"{ids[s]} {a.share[i, s]:g} = {_fmt(a.share[i, s] * N)} units"
            for s in np.flatnonzero(pres)
        ]
        return "max_share (" + ", ".join(parts) + ")"
    if fam == "moq":
        parts = [f"{ids[s]} {_fmt(a.moq[i, s])}" for s in np.flatnonzero(pres & (a.moq[i] > 0))]
        return "moq_units (" + ", ".join(parts) + ")"
    if fam == "pack":
        parts = [f"{ids[s]} {_fmt(a.p[i, s])}" for s in np.flatnonzero(pres)]
        return "pack_units (" + ", ".join(parts) + f") with overshoot_units {_fmt(a.overshoot[i])}"
    late = np.flatnonzero(pres & ~a.elig[i])
    parts = [f"{ids[s]} expected on day {a.arrival[i, s]:.3g}" for s in late]
    return f"latest useful arrival day {a.latest[i]:.3g} (" + ", ".join(parts) + ")"


def _split_text(a: _Arrays, i: int, x: np.ndarray) -> str:
    return ", ".join(f"{a.sup[i, s]} {_fmt(x[s])}" for s in np.flatnonzero(x > _EPS)) or "nothing"


def _diagnose(a: _Arrays, i: int) -> str:
    """The message of an infeasible split: binding constraint(s) and closest feasible orders."""
    N = a.units[i]
    active = []
    pres = a.present[i]
    if (pres & np.isfinite(a.cap[i])).any():
        active.append("capacity")
    if (pres & (a.share[i] < 1)).any():
        active.append("max_share")
    if (pres & (a.moq[i] > 0)).any():
        active.append("moq")
    active.append("pack")  # whole packs (or whole units) always restrict the total
    if (pres & ~a.elig[i]).any():
        active.append("latest_arrival")
    binding = [f for f in active if _feasible_total(a, i, relax=(f,))[0]]
    if not binding:
        names = " + ".join(active)
        why = f"a combination of {names}: " + "; ".join(_family_detail(a, i, f) for f in active)
    else:
        why = " or ".join(_family_detail(a, i, f) for f in binding)
    ok_lo, x_lo = _feasible_total(a, i, target="below")
    ok_hi, x_hi = _feasible_total(a, i, target="above")
    lo_txt = (
        f"{_fmt(x_lo.sum())} units ({_split_text(a, i, x_lo)})"
        if ok_lo and x_lo.sum() > _EPS
        else "none at or below the order"
    )
    hi_txt = f"{_fmt(x_hi.sum())} units ({_split_text(a, i, x_hi)})" if ok_hi else "none above it"
    fix = []
    if ok_lo and x_lo.sum() > _EPS:
        fix.append(f"order {_fmt(x_lo.sum())} units")
    if ok_hi:
        fix.append(f"order {_fmt(x_hi.sum())} units (or raise overshoot_units)")
    fix.append("relax the binding terms or add a supplier")
    return (
        f"Cannot split {_fmt(N)} units of item {str(a.item_ids[i])!r} across suppliers "
        f"{[str(v) for v in a.sup[i][pres]]}: binding constraint {why}. Closest feasible "
        f"orders: {lo_txt}; {hi_txt}. To fix: {'; '.join(fix)}."
    )


# ============================================================================ evaluate
_LINE_COLUMNS = [
    "item_id",
    "supplier_id",
    "units",
    "packs",
    "pack_units",
    "unit_cost",
    "purchase_cost",
    "order_cost",
    "expected_units_short",
    "expected_shortage_cost",
    "total_cost",
    "share",
    "lead_time_mean_days",
    "expected_arrival_days",
    "expected_arrival_date",
    "on_time_rate",
    "fill_rate",
    "status",
    "reason",
]


def _lines(
    a: _Arrays,
    x: np.ndarray,
    z: np.ndarray,
    as_of: pd.Timestamp | None,
    mode: str,
    item_ok: np.ndarray,
    extra: dict[str, np.ndarray] | None = None,
) -> pd.DataFrame:
    """Per item x supplier rows with costs, expected shortage and a plain reason."""
    rr, ss = np.nonzero(a.present)
    e = a.e[rr, ss]  # (m, J)
    zz = z[rr, ss]
    xs = x[rr, ss]
    short = (np.nan_to_num(e) * zz).sum(axis=1)
    short = np.where(a.has_stockout[rr], np.where(short < 1e-9, 0.0, short), np.nan)
    used = xs > _EPS
    N = a.units[rr]
    arrival = a.arrival[rr, ss]
    out = pd.DataFrame(
        {
            "item_id": a.item_ids[rr],
            "supplier_id": a.sup[rr, ss].astype(str),
            "units": xs,
            "packs": np.round(xs / a.p[rr, ss], 9),
            "pack_units": a.p[rr, ss],
            "unit_cost": a.c[rr, ss],
            "purchase_cost": a.c[rr, ss] * xs,
            "order_cost": np.where(used, a.F[rr, ss], 0.0),
            "expected_units_short": short,
            "expected_shortage_cost": a.b[rr] * np.nan_to_num(short),
            "share": np.where(N > 0, xs / np.where(N > 0, N, 1.0), 0.0),
            "lead_time_mean_days": a.lt_mean[rr, ss],
            "expected_arrival_days": arrival,
            "on_time_rate": a.on_time[rr, ss],
            "fill_rate": a.fill[rr, ss],
        }
    )
    out["total_cost"] = out["purchase_cost"] + out["order_cost"] + out["expected_shortage_cost"]
    out["expected_arrival_date"] = (
        as_of + pd.to_timedelta(np.ceil(arrival - 1e-9), unit="D") if as_of is not None else pd.NaT
    )
    elig = a.elig[rr, ss]
    status = np.where(used, "used", np.where(elig, "not_used", "too_late"))
    status = np.where(item_ok[rr], status, "not_planned")
    out["status"] = status
    out["reason"] = _reasons(a, rr, ss, xs, short, mode, status, extra)
    return out[_LINE_COLUMNS]


def _reasons(
    a: _Arrays,
    rr: np.ndarray,
    ss: np.ndarray,
    xs: np.ndarray,
    short: np.ndarray,
    mode: str,
    status: np.ndarray,
    extra: dict[str, np.ndarray] | None,
) -> list[str]:
    """One plain sentence per supplier line (text formatting only)."""
    N = a.units[rr]
    raw_cap = a.cap[rr, ss]
    share_cap = a.share[rr, ss] * N
    w = a.nj[rr]
    e_mean = (np.nan_to_num(a.e[rr, ss]) * w).sum(axis=1) / np.maximum(w.sum(axis=1), 1e-12)
    out = []
    for k in range(len(rr)):
        i, s = rr[k], ss[k]
        st = status[k]
        arr = a.arrival[i, s]
        if st == "not_planned":
            out.append("item not planned (see the item's reason)")
            continue
        if st == "too_late":
            out.append(
                f"not used: expected on day {arr:.3g}, after the latest useful arrival "
                f"(day {a.latest[i]:.3g})"
            )
            continue
        price = a.c[i, s]
        if st == "not_used":
            bits = [f"not used: {price:.4g}/unit"]
            if a.has_stockout[i] and a.b[i] > 0:
                bits.append(f"+ {a.b[i] * e_mean[k]:.3g}/unit expected shortage on average")
            if a.moq[i, s] > 0:
                bits.append(f"MOQ {_fmt(a.moq[i, s])}")
            if a.F[i, s] > 0:
                bits.append(f"order cost {a.F[i, s]:.4g}")
            if mode == "priority":
                bits.append("order already placed with higher-priority suppliers")
            if mode == "quota":
                bits.append("no quota")
            out.append(", ".join(bits))
            continue
        txt = f"{_fmt(xs[k])} units at {price:.4g}/unit, expected on day {arr:.3g}"
        if np.isfinite(short[k]):
            txt += f", {short[k]:.3g} units expected short"
        flags = []
        if a.moq[i, s] > 0 and abs(xs[k] - a.moq[i, s]) < a.p[i, s] - _EPS:
            flags.append("at its MOQ")
        if np.isfinite(raw_cap[k]) and xs[k] >= raw_cap[k] - a.p[i, s] + _EPS:
            flags.append("at capacity")
        if a.share[i, s] < 1 and xs[k] >= share_cap[k] - a.p[i, s] + _EPS:
            flags.append("at max share")
        if extra is not None and "gap" in extra and mode == "dual":
            if (
                extra["fast"][i] == s
                and extra["gap"][i] > 0
                and extra["fast"][i] != extra["reg"][i]
            ):
                flags.append(
                    f"expedite: covers {_fmt(extra['gap'][i])} units of gap demand before the regular supplier arrives"
                )
            elif extra["reg"][i] == s:
                flags.append("regular (cheapest) supplier")
        if mode == "priority":
            flags.append(
                f"priority rank by {'priority' if np.isfinite(a.priority[i, s]) else 'price'}"
            )
        if mode == "quota":
            flags.append(f"quota {np.nan_to_num(a.quota[i, s]):g}")
        if flags:
            txt += " (" + "; ".join(flags) + ")"
        out.append(txt)
    return out


# ============================================================================ results
@dataclass(frozen=True, repr=False, eq=False)
class SupplierSplit:
    """How one item's order is split across its suppliers (returned by :func:`split_order`).

    Attributes
    ----------
    item_id : str
        The item.
    units : float
        Units ordered (the order to split).
    mode : {"optimal", "priority", "quota", "dual"}
        How the split was chosen.
    lines : pandas.DataFrame
        One row per supplier, columns as in :func:`split_order` (Returns).
    solver : str
        ``"closed_form"`` (exact bound, see Notes of :func:`split_order`), ``"milp"`` (HiGHS)
        or ``"rule"`` (priority / quota / dual).
    as_of : pandas.Timestamp or None
        Order date (day 0 of every ``*_days`` figure).
    """

    item_id: str
    units: float
    mode: str
    lines: pd.DataFrame
    solver: str
    as_of: pd.Timestamp | None = None

    @property
    def totals(self) -> pd.Series:
        """Sums over suppliers: units, purchase_cost, order_cost, expected_units_short,
        expected_shortage_cost, total_cost, n_suppliers_used."""
        cols = [
            "units",
            "purchase_cost",
            "order_cost",
            "expected_units_short",
            "expected_shortage_cost",
            "total_cost",
        ]
        t = self.lines[cols].sum(min_count=1)
        t["n_suppliers_used"] = float((self.lines["units"] > 0).sum())
        return t

    def to_frame(self) -> pd.DataFrame:
        """The per-supplier lines (a copy)."""
        return self.lines.copy()

    def to_dict(self) -> dict[str, Any]:
        """JSON-able dict: item_id, units, mode, solver, as_of, totals and per-supplier lines."""
        return jsonable(
            {
                "item_id": self.item_id,
                "units": self.units,
                "mode": self.mode,
                "solver": self.solver,
                "as_of": self.as_of,
                "totals": self.totals.to_dict(),
                "lines": self.lines,
            }
        )

    def plot(self, ax: Any = None) -> Any:
        """Bar chart of units per supplier, labelled with the expected arrival day."""
        import matplotlib.pyplot as plt

        if ax is None:
            _, ax = plt.subplots(figsize=(6, 3))
        df = self.lines
        colors = np.where(df["units"] > 0, "#2e6f9e", "#c8c8c8")
        ax.bar(df["supplier_id"], df["units"], color=colors)
        for k, (u, d) in enumerate(zip(df["units"], df["expected_arrival_days"], strict=True)):
            ax.annotate(f"day {d:.0f}", (k, u), ha="center", va="bottom", fontsize=8)
        ax.set_ylabel("units")
        ax.set_title(f"Item {self.item_id}: {self.units:g} units ({self.mode})", fontsize=10)
        ax.spines[["top", "right"]].set_visible(False)
        return ax

    def __repr__(self) -> str:
        t = self.totals
        used = ", ".join(
            f"{s} {u:g}"
            for s, u in zip(self.lines["supplier_id"], self.lines["units"], strict=True)
            if u > 0
        )
        return (
            f"<SupplierSplit item={self.item_id!r}: {self.units:g} units ({self.mode}, "
            f"{self.solver}) = {used}; total cost {t['total_cost']:,.2f}>"
        )

    def _repr_html_(self) -> str:
        cols = [
            "supplier_id",
            "units",
            "unit_cost",
            "total_cost",
            "expected_arrival_days",
            "reason",
        ]
        return (
            f"<div><b>SupplierSplit</b> {escape_html(repr(self)[16:-1])}"
            f"{self.lines[cols].to_html(index=False, escape=True)}</div>"
        )


@dataclass(frozen=True, repr=False, eq=False)
class PurchasePlan:
    """Draft purchase orders for many items (returned by :func:`plan_purchase_orders`).

    Attributes
    ----------
    lines : pandas.DataFrame
        One row per purchase-order line (item x supplier with units > 0); columns as in
        :func:`plan_purchase_orders` (Returns).
    purchase_orders : pandas.DataFrame
        One row per supplier with a draft order.
    items : pandas.DataFrame
        One row per item that came in, with how it was planned and why.
    splits : pandas.DataFrame
        Every item x supplier pair (also the unused ones), as :attr:`SupplierSplit.lines`.
    notes : list of str
        Supplier-level limits that bound and what the joint re-optimisation did.
    as_of : pandas.Timestamp or None
        Order date.
    """

    lines: pd.DataFrame
    purchase_orders: pd.DataFrame
    items: pd.DataFrame
    splits: pd.DataFrame
    notes: list[str] = field(default_factory=list)
    as_of: pd.Timestamp | None = None

    def to_frame(self) -> pd.DataFrame:
        """The purchase-order lines (a copy)."""
        return self.lines.copy()

    def to_dict(self) -> dict[str, Any]:
        """JSON-able dict: as_of, notes, purchase_orders, lines, items."""
        return jsonable(
            {
                "as_of": self.as_of,
                "notes": list(self.notes),
                "purchase_orders": self.purchase_orders,
                "lines": self.lines,
                "items": self.items,
            }
        )

    def plot(self, ax: Any = None) -> Any:
        """Order value per supplier, with the minimum order value as a tick where given."""
        import matplotlib.pyplot as plt

        if ax is None:
            _, ax = plt.subplots(figsize=(6, 3))
        po = self.purchase_orders
        ax.bar(po["supplier_id"], po["order_value"], color="#2e6f9e")
        if "min_order_value" in po.columns:
            ax.scatter(po["supplier_id"], po["min_order_value"], marker="_", s=400, color="#b42318")
        ax.set_ylabel("order value")
        ax.set_title("Draft purchase orders per supplier", fontsize=10)
        ax.spines[["top", "right"]].set_visible(False)
        return ax

    def __repr__(self) -> str:
        n_items = len(self.items)
        planned = int((self.items["status"] == "ok").sum())
        return (
            f"<PurchasePlan: {len(self.purchase_orders)} suppliers, {len(self.lines):,} lines, "
            f"{planned:,}/{n_items:,} items planned, value "
            f"{self.purchase_orders['order_value'].sum():,.2f}>"
        )

    def _repr_html_(self) -> str:
        return (
            f"<div><b>PurchasePlan</b> {escape_html(repr(self)[14:-1])}"
            f"{self.purchase_orders.to_html(index=False, escape=True)}</div>"
        )


# ============================================================================ helpers
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
    if not isinstance(n_buckets, (int, np.integer)) or n_buckets < 1:
        raise ValueError(f"n_buckets must be a whole number >= 1; got {n_buckets!r}.")


def _rule_message(a: _Arrays, i: int, mode: str, x: np.ndarray, code: int, rem: float = 0.0) -> str:
    """Why a rule-based split cannot place item i's order, and the closest order it can place."""
    N = a.units[i]
    head = f"Cannot split {_fmt(N)} units of item {str(a.item_ids[i])!r} by the {mode} rule"
    pres = np.flatnonzero(a.present[i])
    ids = a.sup[i]
    if mode == "priority":
        placed = N - rem
        return (
            f"{head}: binding constraint {_family_detail(a, i, 'capacity')}, "
            f"{_family_detail(a, i, 'moq')}, {_family_detail(a, i, 'pack')} and max_share leave "
            f"{_fmt(rem)} units unplaced. Closest feasible order: {_fmt(placed)} units "
            f"({_split_text(a, i, x)}). Order {_fmt(placed)} units, use mode='optimal', or "
            f"relax those terms."
        )
    q = np.nan_to_num(a.quota[i])
    if code == 2:
        low = [s for s in pres if x[s] > _EPS and x[s] < a.moq[i, s] - _EPS]
        need = (
            max(a.moq[i, s] / q[s] for s in pres if q[s] > 0 and a.moq[i, s] > 0)
            if mode == "quota"
            else np.nan
        )
        what = ", ".join(f"{ids[s]} gets {_fmt(x[s])} < MOQ {_fmt(a.moq[i, s])}" for s in low)
        close = (
            f" Closest feasible order: {_fmt(np.ceil(need - 1e-9))} units (every quota share reaches its MOQ)."
            if mode == "quota"
            else ""
        )
        return f"{head}: binding constraint moq_units ({what}).{close} Raise the order, change the shares, or use mode='optimal'."
    if code == 3:
        raw = np.minimum(a.cap[i], np.where(a.share[i] < 1.0, a.share[i] * N, np.inf))
        over = [s for s in pres if x[s] > raw[s] + _EPS]
        what = ", ".join(f"{ids[s]} gets {_fmt(x[s])} > limit {_fmt(raw[s])}" for s in over)
        close = ""
        if mode == "quota":
            most = min(np.minimum(a.cap[i, s], np.inf) / q[s] for s in pres if q[s] > 0)
            close = f" Closest feasible order: {_fmt(np.floor(most + 1e-9))} units (largest the shares fit)."
        return f"{head}: binding constraint capacity_units / max_share ({what}).{close} Lower the order, change the shares, or use mode='optimal'."
    if code == 4:
        late = ", ".join(
            f"{ids[s]} (day {a.arrival[i, s]:.3g})" for s in pres if q[s] > 0 and not a.elig[i, s]
        )
        return (
            f"{head}: binding constraint latest useful arrival (day {a.latest[i]:.3g}): suppliers with a "
            f"quota arrive too late: {late}. Give them quota 0 or use mode='optimal'."
        )
    return (
        f"{head}: binding constraint {_family_detail(a, i, 'pack')}: the shares rounded to packs "
        f"give {_fmt(x.sum())} units ({_split_text(a, i, x)}). Closest feasible order: "
        f"{_fmt(x.sum())} units. Order that, raise overshoot_units, or use mode='optimal'."
    )


def _solve(
    a: _Arrays,
    mode: str,
    *,
    stockout_quantile: float,
    time_limit: float | None,
    active: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, dict[str, np.ndarray]]:
    """Split every active item. Returns x, z, solver tag, problem message ('' = ok), extra."""
    n, S, J = a.n, a.S, a.J
    x = np.zeros((n, S))
    z = np.zeros((n, S, J))
    solver = np.full(n, "", dtype=object)
    problem = np.full(n, "", dtype=object)
    extra: dict[str, np.ndarray] = {}
    if mode == "optimal":
        xc, zc, ok = _closed_form(a)
        ok &= active
        x[ok], z[ok] = xc[ok], zc[ok]
        solver[ok] = "closed_form"
        hard = np.flatnonzero(active & ~ok)
        single = np.zeros(n, bool)
        for lo in range(0, len(hard), _BLOCK):
            rr = hard[lo : lo + _BLOCK]
            xb, zb, okb = _milp_block(a, rr, time_limit=time_limit)
            x[rr[okb]], z[rr[okb]] = xb[okb], zb[okb]
            solver[rr[okb]] = "milp"
            single[rr[~okb]] = True
        for i in np.flatnonzero(single):
            status, xi, zi = _milp_one(a, int(i), time_limit=time_limit)
            if status in (0, 1) and xi.sum() >= a.units[i] - _EPS:
                x[i], z[i] = xi, zi
                solver[i] = "milp" if status == 0 else "milp (time limit)"
            elif status == 2:
                problem[i] = _diagnose(a, int(i))
            else:
                problem[i] = (
                    f"HiGHS found no split for item {str(a.item_ids[i])!r} within time_limit="
                    f"{time_limit} s (status {status}); raise time_limit."
                )
        return x, z, solver, problem, extra
    if mode == "priority":
        xr, rem = _priority_rule(a)
        bad = active & (rem > _EPS)
        for i in np.flatnonzero(bad):
            problem[i] = _rule_message(a, int(i), mode, xr[i], 0, rem[i])
    elif mode == "quota":
        q = np.nan_to_num(a.quota)
        sums = q.sum(axis=1)
        xr, code = _quota_rule(a)
        bad_sum = active & (np.abs(sums - 1.0) > 1e-6)
        for i in np.flatnonzero(bad_sum):
            problem[i] = (
                f"quotas for item {str(a.item_ids[i])!r} sum to {sums[i]:.6g}, not 1: "
                f"{_split_text(a, int(i), q[i])}. Give every supplier a share so that they add up to 1."
            )
        for i in np.flatnonzero(active & ~bad_sum & (code > 0)):
            problem[i] = _rule_message(a, int(i), mode, xr[i], int(code[i]))
    else:
        xr, gap, code = _dual_rule(a, stockout_quantile)
        for i in np.flatnonzero(active & (code > 0)):
            problem[i] = _rule_message(a, int(i), mode, xr[i], int(code[i]))
        rows = np.arange(n)
        big = np.where(a.elig, 0.0, np.inf)
        slots = np.broadcast_to(np.arange(S), (n, S))
        extra = {
            "gap": gap,
            "reg": np.lexsort((slots, a.arrival, a.c + big), axis=1)[:, 0],
            "fast": np.lexsort((slots, a.c, a.arrival + big), axis=1)[:, 0],
        }
        del rows
    good = active & (problem == "")
    x[good] = xr[good]
    z[good] = _assign(a.take(np.flatnonzero(good)), xr[good]) if good.any() else z[good]
    solver[good] = "rule"
    return x, z, solver, problem, extra


def split_order(
    units: float,
    suppliers: pd.DataFrame,
    *,
    item_id: str | None = None,
    stockout_cdf: Any = None,
    need_by: Any = None,
    demand_rate: float | None = None,
    shortage_cost: float = 0.0,
    mode: Mode = "optimal",
    max_share: float = 1.0,
    quotas: Mapping[str, float] | None = None,
    priority: list[str] | None = None,
    latest_arrival: Any = None,
    overshoot_units: float | None = None,
    stockout_quantile: float = 0.5,
    lead_times: pd.DataFrame | None = None,
    late_days: float = 7.0,
    n_buckets: int = 10,
    as_of: Any = None,
    time_limit: float | None = 10.0,
) -> SupplierSplit:
    """Split one item's order across its suppliers at the least expected total cost.

    Parameters
    ----------
    units : float
        Units to order (≥ 0), e.g. ``order_units`` from ``recommend_orders``.
    suppliers : DataFrame
        Item x supplier terms (the ``suppliers`` table) for this item: ``supplier_id``,
        ``unit_cost`` (currency/unit), ``lead_time_days``; optional ``lead_time_sd_days``
        (0 when missing), ``moq_units``, ``pack_units`` (1 when missing), ``capacity_units``
        (units per order), ``order_cost`` (currency per order), ``on_time_rate`` and
        ``fill_rate`` (fractions; 1 when missing), ``max_share`` (fraction, overrides the
        argument), ``priority`` (lower first, for ``mode="priority"``), ``quota`` (share,
        for ``mode="quota"``). ``item_id`` may be omitted.
    item_id : str, optional
        The item; required when ``suppliers`` holds several items.
    stockout_cdf : array-like, optional
        ``P(stockout by the end of day t)`` for ``t = 0, 1, ...`` days after ``as_of`` (a
        row of ``StockoutForecast.p_stockout``). Mass beyond the last day is placed on the
        day after it.
    need_by : float or date, optional
        A deterministic stockout day instead (days after ``as_of``, or a date).
    demand_rate : float, optional
        Demand after the stockout, units/day; spreads the order's need over time. Without
        it every unit is needed on the stockout day.
    shortage_cost : float, default 0
        Cost of one unit short (lost or backordered), currency/unit. 0 ignores timing and
        reliability (cheapest feasible split); the expected shortage is still reported.
    mode : {"optimal", "priority", "quota", "dual"}, default "optimal"
        ``"optimal"``: the MILP. ``"priority"``: fill suppliers in ``priority`` order.
        ``"quota"``: fixed shares. ``"dual"``: base-surge rule (see Notes).
    max_share : float, default 1
        Most any supplier may get, as a fraction of ``units`` in (0, 1] (diversification).
    quotas : mapping of supplier_id to fraction, optional
        Shares for ``mode="quota"``, adding up to 1 (else the ``quota`` column).
    priority : list of str, optional
        Supplier ids in the order to fill them for ``mode="priority"`` (else the
        ``priority`` column; else cheapest first, then fastest).
    latest_arrival : float or date, optional
        Latest useful arrival (days after ``as_of`` or a date): suppliers expected later
        get nothing.
    overshoot_units : float, optional
        How many units above ``units`` may be ordered to meet packs and MOQs. Default: the
        item's largest pack less one unit (``max(pack_units) - 1``, at least 0), so that
        any order can be rounded up to whole packs; 0 asks for exactly ``units``.
    stockout_quantile : float, default 0.5
        Stockout-date quantile the ``"dual"`` rule plans against (0.5 = P50; 0.1 is more
        cautious).
    lead_times : DataFrame, optional
        :func:`~stockout_forecast.history.leadtime.lead_time_history` output: where ``source`` is
        ``"history"`` or ``"history+stated"`` its mean, spread, on-time and fill rates
        replace the stated terms.
    late_days : float, default 7
        Days a late delivery arrives after its on-time draw (stated terms only).
    n_buckets : int, default 10
        Need buckets the order is cut into.
    as_of : date, optional
        Order date, day 0 of every day count; needed to report dates.
    time_limit : float, optional
        Seconds HiGHS may spend (default 10).

    Returns
    -------
    SupplierSplit
        ``.lines`` has one row per supplier: ``item_id``, ``supplier_id``, ``units``,
        ``packs``, ``pack_units``, ``unit_cost``, ``purchase_cost``, ``order_cost``,
        ``expected_units_short``, ``expected_shortage_cost``, ``total_cost``, ``share`` (of
        ``units``), ``lead_time_mean_days``, ``expected_arrival_days`` (mean, late
        deliveries included), ``expected_arrival_date``, ``on_time_rate``, ``fill_rate``,
        ``status`` ("used", "not_used", "too_late") and ``reason``; ``.totals`` sums them.

    Raises
    ------
    InfeasibleError
        No split meets the constraints; the message names the binding constraint and the
        closest feasible orders below and above ``units``.
    SchemaError
        ``suppliers`` breaks the data contract.
    ValueError
        Bad arguments (unknown mode, ``shortage_cost > 0`` without a stockout date...).

    Notes
    -----
    The model is described in the module docstring (:mod:`stockout_forecast.supply.split`):
    need buckets, per-unit expected shortage ``e[s, j] = (1 - f_s) + f_s P(A_s > tau +
    o_j)`` and the MILP over integer packs and binary order indicators.

    *Closed form.* For every subset of suppliers the bucket-by-bucket cheapest assignment
    plus the subset's order costs is a lower bound; when the best subset's assignment also
    respects packs, MOQs, capacities and shares, it is optimal and no MILP is run
    (``solver="closed_form"``).

    *Priority*: each supplier in turn takes ``min(remaining, U_s)`` in whole packs (rounded up
    only within ``overshoot_units``), lifted to its MOQ if that fits, else skipped.
    *Quota*: ``quota_s · units`` rounded to the nearest pack; the largest-quota supplier
    absorbs the rounding; a share that breaks an MOQ or a capacity is an error (the rule is
    the planner's, it is not bent).
    *Dual (base-surge)*: the regular supplier is the cheapest eligible one, the fast one the
    earliest expected. If the regular supplier's expected arrival ``L_r`` is after the
    stockout quantile ``tau_q``, the fast supplier gets the gap demand
    ``min(d (L_r - tau_q), units)`` (rounded up to its pack, at least its MOQ) and the regular
    supplier the rest. It is the expedite part of a dual-index policy with the expedite
    target set to the demand over the lead-time gap [VSW]_, [AvM]_.

    Reliability: a fill rate ``f < 1`` makes ``1 - f`` of a supplier's units short for
    certain; an on-time rate ``r < 1`` moves ``1 - r`` of the arrival distribution
    ``late_days`` later (stated terms; empirical spreads already include late deliveries).
    Both raise the expected shortage of that supplier's units, most for the early buckets,
    so the MILP moves the urgent part of the order to reliable suppliers.

    References
    ----------
    .. [VSW] Veeraraghavan, S. & Scheller-Wolf, A. (2008). Now or later: a simple policy for
       effective dual sourcing in capacitated systems. *Operations Research* 56(4), 850-864.
    .. [AvM] Allon, G. & Van Mieghem, J. A. (2010). Global dual sourcing: tailored base-surge
       allocation to near- and offshore production. *Management Science* 56(1), 110-124.
    .. [SPT] Silver, Pyke & Thomas (2017), *Inventory and Production Management in Supply
       Chains*, 4th ed., ch. 6 (lead-time variability) and ch. 10 (supplier selection).

    Examples
    --------
    Greedy cheapest-first would buy all 80 units from S1 but its MOQ is 100:

    >>> import pandas as pd
    >>> sup = pd.DataFrame({"supplier_id": ["S1", "S2"], "unit_cost": [1.0, 1.2],
    ...                     "lead_time_days": [10, 10], "moq_units": [100, 0]})
    >>> split_order(80, sup).lines[["supplier_id", "units", "total_cost"]]
      supplier_id  units  total_cost
    0          S1    0.0         0.0
    1          S2   80.0        96.0
    """
    _check_common(mode, max_share, stockout_quantile, late_days, n_buckets)
    try:
        N = float(units)
    except (TypeError, ValueError) as err:
        raise ValueError(f"units must be a number of units; got {units!r}.") from err
    if not np.isfinite(N) or N < 0:
        raise ValueError(f"units must be a finite number >= 0; got {units!r}.")
    if not np.isfinite(shortage_cost) or shortage_cost < 0:
        raise ValueError(
            f"shortage_cost must be >= 0 (currency per unit short); got {shortage_cost!r}."
        )
    if overshoot_units is not None and (not np.isfinite(overshoot_units) or overshoot_units < 0):
        raise ValueError(f"overshoot_units must be >= 0; got {overshoot_units!r}.")
    as_of_ts = pd.Timestamp(as_of).normalize() if as_of is not None else None
    if not isinstance(suppliers, pd.DataFrame):
        raise TypeError(f"suppliers must be a pandas DataFrame; got {type(suppliers).__name__}.")
    sup_in = suppliers
    if "item_id" not in sup_in.columns:
        sup_in = sup_in.assign(item_id=item_id if item_id is not None else "item")
    ids = sup_in["item_id"].astype(str).unique()
    if item_id is None:
        if len(ids) > 1:
            raise ValueError(
                f"suppliers holds {format_ids(ids)} items; pass item_id=... to choose one "
                f"(or use plan_purchase_orders for many items)."
            )
        item_id = str(ids[0]) if len(ids) else "item"
    sup_in = sup_in.loc[sup_in["item_id"].astype(str) == str(item_id)]
    if not len(sup_in):
        raise SchemaError(
            f"suppliers has no rows for item {item_id!r}; found items {format_ids(ids)}."
        )
    sup = _supplier_table(sup_in, lead_times, max_share=max_share, late_days=late_days)
    if quotas is not None:
        unknown = sorted(set(map(str, quotas)) - set(sup["supplier_id"]))
        if unknown:
            raise ValueError(
                f"quotas name suppliers {unknown} not offered for item {item_id!r}; known: {sorted(sup['supplier_id'])}."
            )
        sup["quota"] = (
            sup["supplier_id"].map({str(k): float(v) for k, v in quotas.items()}).fillna(0.0)
        )
    if priority is not None:
        rank = {str(s): k for k, s in enumerate(priority)}
        sup["priority"] = sup["supplier_id"].map(rank).astype(float)
    if mode == "quota" and sup["quota"].isna().all():
        raise ValueError(
            "mode='quota' needs quotas={supplier_id: share, ...} or a quota column in suppliers."
        )
    if stockout_cdf is not None and need_by is not None:
        raise ValueError(
            "Pass either stockout_cdf (a distribution) or need_by (a fixed day), not both."
        )
    if stockout_cdf is not None:
        cdf = np.asarray(stockout_cdf, dtype=float).reshape(1, -1)
        if cdf.shape[1] == 0 or np.isnan(cdf).any() or (cdf < 0).any() or (cdf > 1).any():
            raise ValueError(
                "stockout_cdf must be probabilities in [0, 1], one per day, without NaN."
            )
        if (np.diff(cdf[0]) < -1e-9).any():
            raise ValueError(
                "stockout_cdf must be non-decreasing: it is P(stockout by the end of day t)."
            )
        tau = _stockout_pmf(cdf, np.arange(cdf.shape[1]))
        has = np.array([True])
    elif need_by is not None:
        tau = _point_pmf(np.array([_to_days(need_by, as_of_ts, "need_by")]))
        has = np.array([True])
    else:
        tau = np.zeros((1, 2))
        has = np.array([False])
        if shortage_cost > 0:
            raise ValueError(
                "shortage_cost > 0 needs the item's stockout date: pass stockout_cdf=... (a row "
                "of StockoutForecast.p_stockout) or need_by=... (days or a date)."
            )
    if mode == "dual" and not has[0]:
        raise ValueError(
            "mode='dual' needs stockout_cdf=... or need_by=... (it plans against the stockout date)."
        )
    if demand_rate is not None and (not np.isfinite(demand_rate) or demand_rate <= 0):
        raise ValueError(f"demand_rate must be > 0 units/day; got {demand_rate!r}.")
    orders = pd.DataFrame(
        {
            "item_id": [str(item_id)],
            "units": [N],
            "overshoot_units": [np.nan if overshoot_units is None else float(overshoot_units)],
            "shortage_cost": [float(shortage_cost)],
            "demand_units_per_day": [np.nan if demand_rate is None else float(demand_rate)],
            "latest_arrival_day": [
                np.inf
                if latest_arrival is None
                else _to_days(latest_arrival, as_of_ts, "latest_arrival")
            ],
        }
    )
    a = _build(orders, sup, tau, has, n_buckets=n_buckets, late_days=late_days)
    active = np.array([N > 0])
    x, z, solver, problem, extra = _solve(
        a, mode, stockout_quantile=stockout_quantile, time_limit=time_limit, active=active
    )
    if problem[0]:
        if problem[0].startswith("quotas for item"):
            raise ValueError(problem[0])
        if problem[0].startswith("HiGHS found no split"):
            raise RuntimeError(problem[0])
        raise InfeasibleError(problem[0])
    lines = _lines(a, x, z, as_of_ts, mode, np.array([True]), extra)
    return SupplierSplit(
        item_id=str(item_id),
        units=N,
        mode=mode,
        lines=lines,
        solver=str(solver[0]) if N > 0 else "none",
        as_of=as_of_ts,
    )


# ===================================================================== many items
def _orders_table(
    orders: pd.DataFrame,
    items: pd.DataFrame | None,
    shortage_cost: float,
    as_of: pd.Timestamp | None,
) -> pd.DataFrame:
    """One row per item: units, overshoot, shortage cost, demand rate, day limits."""
    if not isinstance(orders, pd.DataFrame):
        raise TypeError(f"orders must be a pandas DataFrame; got {type(orders).__name__}.")
    if "item_id" not in orders.columns:
        raise SchemaError(f"orders is missing column 'item_id'. Found: {list(orders.columns)}.")
    qty = next((c for c in ("order_units", "units") if c in orders.columns), None)
    if qty is None:
        raise SchemaError(
            f"orders needs the units to order in 'order_units' (as recommend_orders returns) or "
            f"'units'. Found: {list(orders.columns)}."
        )
    ids = orders["item_id"].astype(str)
    dup = ids.duplicated(keep=False)
    if dup.any():
        raise SchemaError(
            f"orders has {int(dup.sum())} rows for repeated items {format_ids(ids[dup].unique())}; "
            f"give one row per item (sum the units first)."
        )
    out = pd.DataFrame({"item_id": ids.to_numpy()})

    def num(col: str, default: float) -> np.ndarray:
        if col not in orders.columns:
            return np.full(len(orders), default)
        v = pd.to_numeric(orders[col], errors="coerce").to_numpy(dtype=float)
        bad = np.isfinite(v) & (v < 0)
        if bad.any():
            raise SchemaError(
                f"orders.{col} must not be negative; found it for items {format_ids(ids[bad].unique())}."
            )
        return np.where(np.isnan(v), default, v)

    out["units"] = pd.to_numeric(orders[qty], errors="coerce").to_numpy(dtype=float)
    out["overshoot_units"] = num("overshoot_units", np.nan)  # NaN: largest pack - 1
    b = np.full(len(orders), float(shortage_cost))
    if items is not None and "backorder_cost" in items.columns:
        it = validate_table(items, "items")
        b = ids.map(it.set_index("item_id")["backorder_cost"]).to_numpy(dtype=float)
        b = np.where(np.isnan(b), shortage_cost, b)
    out["shortage_cost"] = np.where(
        np.isnan(num("shortage_cost", np.nan)), b, num("shortage_cost", np.nan)
    )
    out["demand_units_per_day"] = num("demand_units_per_day", np.nan)

    def days(col: str) -> np.ndarray:
        if col not in orders.columns:
            return np.full(len(orders), np.nan)
        d = pd.to_datetime(orders[col], errors="coerce")
        if d.notna().any() and as_of is None:
            raise ValueError(f"orders.{col} holds dates: pass as_of=... (the order date).")
        return (
            (d.dt.normalize() - as_of).dt.days.to_numpy(dtype=float)
            if as_of is not None
            else np.full(len(orders), np.nan)
        )

    la = days("latest_arrival_date")
    out["latest_arrival_day"] = np.where(np.isnan(la), np.inf, la)
    out["need_by_day"] = days("need_by_date")
    out["stockout_p50_day"] = days("stockout_date_p50")
    return out


def _stockout_matrix(
    orders: pd.DataFrame, stockouts: Any, as_of: pd.Timestamp | None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(n, T) stockout pmf per item, whether it exists, and where it came from."""
    n = len(orders)
    parts: list[tuple[np.ndarray, np.ndarray]] = []
    source = np.full(n, "none", dtype=object)
    nb = orders["need_by_day"].to_numpy(dtype=float)
    p50 = orders["stockout_p50_day"].to_numpy(dtype=float)
    has_nb = np.isfinite(nb)
    if has_nb.any():
        parts.append((has_nb, _point_pmf(np.where(has_nb, nb, np.nan))))
        source[has_nb] = "need_by_date"
    todo = ~has_nb
    if stockouts is not None and todo.any():
        for attr in ("item_ids", "dates", "p_stockout"):
            if not hasattr(stockouts, attr):
                raise TypeError(
                    f"stockouts must be a StockoutForecast (from stockout_dates); it has no {attr!r}."
                )
        pos = pd.Index(np.asarray(stockouts.item_ids).astype(str)).get_indexer(orders["item_id"])
        if as_of is None:  # pragma: no cover - plan_purchase_orders always sets it
            raise ValueError("as_of is needed with stockouts.")
        off = np.asarray((pd.DatetimeIndex(stockouts.dates) - as_of).days, dtype=np.int64)
        rows = np.flatnonzero(todo & (pos >= 0))
        cdf = (
            np.asarray(stockouts.p_stockout, dtype=float)[pos[rows]]
            if len(rows)
            else np.zeros((0, len(off)))
        )
        ok_rows = rows[~np.isnan(cdf).any(axis=1)] if len(rows) else rows
        cdf = cdf[~np.isnan(cdf).any(axis=1)] if len(rows) else cdf
        if len(ok_rows):
            mask = np.zeros(n, bool)
            mask[ok_rows] = True
            full = np.zeros((n, len(off)))
            full[ok_rows] = cdf
            parts.append((mask, _stockout_pmf(full, off)))
            source[ok_rows] = "stockout_forecast"
            todo &= ~mask
    has_p50 = todo & np.isfinite(p50)
    if has_p50.any():
        parts.append((has_p50, _point_pmf(np.where(has_p50, p50, np.nan))))
        source[has_p50] = "stockout_date_p50"
    T = max([p.shape[1] for _, p in parts], default=2)
    tau = np.zeros((n, T))
    for mask, pmf in parts:
        pad = np.zeros((n, T))
        pad[:, : pmf.shape[1] - 1] = pmf[:, :-1]
        pad[:, -1] += pmf[:, -1]
        tau[mask] = pad[mask]
    return tau, source != "none", source


def _candidate_cost(a: _Arrays, x: np.ndarray, z: np.ndarray) -> np.ndarray:
    e = np.nan_to_num(a.e, nan=0.0)
    return (a.c * x).sum(1) + (a.F * (x > _EPS)).sum(1) + a.b * (e * z).sum(axis=(1, 2))


def _optimal_restricted(
    a: _Arrays, time_limit: float | None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Optimal split for every item of ``a`` (closed form, else MILP); ok=False if infeasible."""
    x, z, ok = _closed_form(a)
    hard = np.flatnonzero(~ok & (a.units > 0))
    for lo in range(0, len(hard), _BLOCK):
        rr = hard[lo : lo + _BLOCK]
        xb, zb, okb = _milp_block(a, rr, time_limit=time_limit)
        x[rr[okb]], z[rr[okb]], ok[rr[okb]] = xb[okb], zb[okb], True
        for i in rr[~okb]:
            status, xi, zi = _milp_one(a, int(i), time_limit=time_limit)
            if status in (0, 1) and xi.sum() >= a.units[i] - _EPS:
                x[i], z[i], ok[i] = xi, zi, True
    return x, z, ok


def _joint_exact(
    a: _Arrays,
    aff: np.ndarray,
    lim_sups: list[str],
    cap_v: dict[str, float],
    mov_v: dict[str, float],
    fixed_units: pd.Series,
    fixed_value: pd.Series,
    time_limit: float,
) -> tuple[int, str, np.ndarray, np.ndarray]:
    """One MILP over all affected items (their per-item MILPs stacked) plus the supplier
    rows: capacity ``sum p k <= cap - fixed`` and minimum value ``sum c p k >= (mov -
    fixed) Y_v`` with ``y <= Y_v``. Exact; used for small affected sets."""
    S, J = a.S, a.J
    parts = [_milp_parts(a, int(i)) for i in aff]  # small sets only (joint_exact_items)
    nv0, nr0 = parts[0]["nv"], parts[0]["nr"]
    m = len(aff)
    voff = np.arange(m) * nv0
    roff = np.arange(m) * nr0
    rows = [p_["rows"] + ro for p_, ro in zip(parts, roff, strict=True)]
    cols = [p_["cols"] + vo for p_, vo in zip(parts, voff, strict=True)]
    vals = [p_["vals"] for p_ in parts]
    lo = [p_["lo"] for p_ in parts]
    hi = [p_["hi"] for p_ in parts]
    cost = [p_["cost"] for p_ in parts]
    lb = [p_["lb"] for p_ in parts]
    ub = [p_["ub"] for p_ in parts]
    integ = [p_["integrality"] for p_ in parts]
    r = m * nr0
    nY = 0
    K = parts[0]["K"]
    Yl = parts[0]["Y"]
    sup = a.sup[aff]
    for v in lim_sups:
        ii, ss = np.nonzero(sup == v)
        if not len(ii):
            continue
        kv = voff[ii] + K[ss]
        pv = a.p[aff[ii], ss]
        c = cap_v.get(v, np.inf)
        if np.isfinite(c):
            rows.append(np.full(len(ii), r))
            cols.append(kv)
            vals.append(pv)
            lo.append(np.array([-np.inf]))
            hi.append(np.array([c - fixed_units.get(v, 0.0)]))
            r += 1
        mv = mov_v.get(v, 0.0)
        if mv > 0:
            yg = m * nv0 + nY
            nY += 1
            fv = fixed_value.get(v, 0.0)
            rows += [np.full(len(ii), r), np.array([r])]
            cols += [kv, np.array([yg])]
            vals += [a.c[aff[ii], ss] * pv, np.array([-(mv - fv)])]
            lo.append(np.array([0.0]))
            hi.append(np.array([np.inf]))
            r += 1
            rows += [r + np.arange(len(ii)), r + np.arange(len(ii))]
            cols += [voff[ii] + Yl[ss], np.full(len(ii), yg)]
            vals += [np.ones(len(ii)), -np.ones(len(ii))]
            lo.append(np.full(len(ii), -np.inf))
            hi.append(np.zeros(len(ii)))
            r += len(ii)
            cost.append(np.zeros(1))
            lb.append(np.array([1.0 if fv > 0 else 0.0]))
            ub.append(np.ones(1))
            integ.append(np.ones(1))
    nvt = m * nv0 + nY
    A = sparse.csr_array(
        (np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))), shape=(r, nvt)
    )
    res = milp(
        np.concatenate(cost),
        integrality=np.concatenate(integ),
        bounds=Bounds(np.concatenate(lb), np.concatenate(ub)),
        constraints=LinearConstraint(A, np.concatenate(lo), np.concatenate(hi)),
        options={"mip_rel_gap": 1e-7, "time_limit": float(time_limit)},
    )
    if res.x is None:
        return int(res.status), str(res.message), np.zeros((m, S)), np.zeros((m, S, J))
    sol = res.x[: m * nv0].reshape(m, nv0)
    x = np.round(sol[:, K]) * a.p[aff]
    z = np.maximum(sol[:, parts[0]["Z"].ravel()].reshape(m, S, J), 0.0)
    return int(res.status), str(res.message), x, z


def _joint(
    a: _Arrays,
    x: np.ndarray,
    z: np.ndarray,
    planned: np.ndarray,
    limits: pd.DataFrame,
    *,
    time_limit: float | None,
    joint_time_limit: float,
    joint_exact_items: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[str]]:
    """Re-optimise items jointly so that supplier-level limits hold.

    Up to ``joint_exact_items`` affected items: one exact MILP (:func:`_joint_exact`).
    More: candidates per affected item: its current split, its optimal split without each
    supplier that has a limit, its split from only the supplier below its minimum value,
    and its optimum with each over-capacity supplier scaled down to its proportional share
    of that capacity. A multiple-choice MILP (one candidate per item)
    then minimises the total cost subject to supplier capacity and minimum order value
    (``value >= min_order_value`` or no order at all). Exact over that candidate set.
    """
    notes: list[str] = []
    n = a.n
    sup = a.sup
    lim = limits.set_index("supplier_id")
    cap_v: dict[str, float] = {str(k): float(v) for k, v in lim["capacity_units"].items()}
    mov_v: dict[str, float] = {str(k): float(v) for k, v in lim["min_order_value"].items()}
    used = (x > _EPS) & planned[:, None]
    tot_units = pd.Series(x[used], index=sup[used]).groupby(level=0).sum()
    tot_value = pd.Series((a.c * x)[used], index=sup[used]).groupby(level=0).sum()
    over = [v for v, c in cap_v.items() if np.isfinite(c) and tot_units.get(v, 0.0) > c + _EPS]
    under = [v for v, m in mov_v.items() if m > 0 and 0 < tot_value.get(v, 0.0) < m - _EPS]
    if not over and not under:
        return x, z, np.zeros(n, bool), notes
    for v in over:
        notes.append(
            f"supplier {v}: {tot_units[v]:,.6g} units planned > capacity_units {cap_v[v]:,.6g}"
        )
    for v in under:
        notes.append(
            f"supplier {v}: order value {tot_value[v]:,.2f} < min_order_value {mov_v[v]:,.2f}"
        )
    is_over = np.isin(sup, over) & used
    is_under = np.isin(sup, under) & a.elig
    aff = np.flatnonzero(planned & (is_over | is_under).any(axis=1))
    fixed = planned.copy()
    fixed[aff] = False
    fused = (x > _EPS) & fixed[:, None]
    fixed_units = pd.Series(x[fused], index=sup[fused]).groupby(level=0).sum()
    fixed_value = pd.Series((a.c * x)[fused], index=sup[fused]).groupby(level=0).sum()
    changed = np.zeros(n, bool)
    if len(aff) <= joint_exact_items:
        lim_sups = [v for v in lim.index if (sup[aff] == v).any()]
        status, msg, xa, za = _joint_exact(
            a, aff, lim_sups, cap_v, mov_v, fixed_units, fixed_value, joint_time_limit
        )
        if status not in (0, 1):
            notes.append(
                f"the supplier-level limits cannot all be met by re-splitting the affected "
                f"{len(aff):,} items (HiGHS status {status}: {msg}); the per-item splits are "
                f"kept and the purchase orders flagged"
            )
            return x, z, changed, notes
        x, z = x.copy(), z.copy()
        x[aff], z[aff] = xa, za
        changed[aff] = True
        tag = "optimal" if status == 0 else f"best found in {joint_time_limit:g} s"
        notes.append(
            f"re-split {len(aff):,} items in one joint MILP ({tag}) so that the supplier limits hold"
        )
        return x, z, changed, notes
    sub = a.take(aff)
    # candidates: the current split, the split without each limited supplier, and (below)
    # the split with an over-capacity supplier scaled to its share of the capacity
    cand_x, cand_z = [x[aff]], [z[aff]]
    cand_item = [np.arange(len(aff))]
    for v in lim.index:
        has_v = (sub.sup == v) & sub.present
        if not has_v.any():
            continue
        restricted = replace(sub, present=sub.present & ~has_v)
        xs, zs, ok = _optimal_restricted(restricted, time_limit)
        ok &= has_v.any(axis=1) & restricted.present.any(axis=1)
        cand_x.append(xs[ok])
        cand_z.append(zs[ok])
        cand_item.append(np.flatnonzero(ok))
    for v in under:  # a supplier below its minimum value: candidates that buy only from it
        only_v = (sub.sup == v) & sub.present
        restricted = replace(sub, present=only_v)
        xs, zs, ok = _optimal_restricted(restricted, time_limit)
        ok &= only_v.any(axis=1)
        cand_x.append(xs[ok])
        cand_z.append(zs[ok])
        cand_item.append(np.flatnonzero(ok))
    sub_x = x[aff]
    for v in over:
        share = cap_v[v] / tot_units[v]
        cap = np.where(
            (sub.sup == v) & (sub_x > _EPS), np.floor(sub_x * share / sub.p + 1e-9) * sub.p, sub.cap
        )
        restricted = replace(sub, cap=cap)
        xs, zs, ok = _optimal_restricted(restricted, time_limit)
        cand_x.append(xs[ok])
        cand_z.append(zs[ok])
        cand_item.append(np.flatnonzero(ok))
    cx = np.concatenate(cand_x)
    cz = np.concatenate(cand_z)
    ci = np.concatenate(cand_item)
    ccost = _candidate_cost(sub.take(ci), cx, cz)
    nc = len(ci)
    csup = sub.sup[ci]  # (nc, S)
    lim_sups = [v for v in lim.index if (csup == v).any()]
    nY = len(lim_sups)
    rows: list[Any] = []
    cols: list[Any] = []
    vals: list[Any] = []
    lo: list[Any] = []
    hi: list[Any] = []
    r = 0
    # one candidate per item
    rows.append(ci)
    cols.append(np.arange(nc))
    vals.append(np.ones(nc))
    lo.append(np.ones(len(aff)))
    hi.append(np.ones(len(aff)))
    r += len(aff)
    y_lb = np.zeros(nY)
    for k, v in enumerate(lim_sups):
        onv = (csup == v) & (cx > _EPS)
        units_v = (cx * onv).sum(axis=1)
        value_v = (sub.c[ci] * cx * onv).sum(axis=1)
        uses = np.flatnonzero(units_v > _EPS)
        c = cap_v.get(v, np.inf)
        if np.isfinite(c):
            rows.append(np.full(len(uses), r))
            cols.append(uses)
            vals.append(units_v[uses])
            lo.append([-np.inf])
            hi.append([c - fixed_units.get(v, 0.0)])
            r += 1
        mv = mov_v.get(v, 0.0)
        if mv > 0:
            # value + fixed >= mov * Y ; each candidate using v needs Y
            rows += [np.full(len(uses), r), [r]]
            cols += [uses, [nc + k]]
            vals += [value_v[uses], [-(mv - fixed_value.get(v, 0.0))]]
            lo.append([0.0])
            hi.append([np.inf])
            r += 1
            rows += [r + np.arange(len(uses)), r + np.arange(len(uses))]
            cols += [uses, np.full(len(uses), nc + k)]
            vals += [np.ones(len(uses)), -np.ones(len(uses))]
            lo.append(np.full(len(uses), -np.inf))
            hi.append(np.zeros(len(uses)))
            r += len(uses)
            if fixed_value.get(v, 0.0) > 0:
                y_lb[k] = 1.0
    A = sparse.csr_array(
        (np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))), shape=(r, nc + nY)
    )
    res = milp(
        np.concatenate([ccost, np.zeros(nY)]),
        integrality=np.ones(nc + nY),
        bounds=Bounds(np.concatenate([np.zeros(nc), y_lb]), np.ones(nc + nY)),
        constraints=LinearConstraint(A, np.concatenate(lo), np.concatenate(hi)),
        options={"mip_rel_gap": 1e-6, "time_limit": float(joint_time_limit)},
    )
    if res.x is None:
        notes.append(
            "the supplier-level limits cannot all be met by re-splitting the affected "
            f"{len(aff):,} items (HiGHS status {res.status}: {res.message}); the per-item "
            "splits are kept and the purchase orders flagged"
        )
        return x, z, changed, notes
    pick = np.flatnonzero(res.x[:nc] > 0.5)
    x = x.copy()
    z = z.copy()
    x[aff[ci[pick]]] = cx[pick]
    z[aff[ci[pick]]] = cz[pick]
    changed[aff] = True
    tag = "optimal" if res.status == 0 else f"best found in {joint_time_limit:g} s"
    notes.append(
        f"re-split {len(aff):,} items jointly over {nc:,} candidate splits ({tag}) so that the "
        f"supplier limits hold"
    )
    return x, z, changed, notes


_PO_LINE_COLUMNS = [
    "po_id",
    "supplier_id",
    "item_id",
    "units",
    "packs",
    "unit_cost",
    "line_total",
    "order_cost",
    "expected_arrival_days",
    "expected_arrival_date",
    "expected_units_short",
    "reason",
]


def plan_purchase_orders(
    orders: pd.DataFrame,
    suppliers: pd.DataFrame,
    *,
    stockouts: Any = None,
    lead_times: pd.DataFrame | None = None,
    supplier_limits: pd.DataFrame | None = None,
    items: pd.DataFrame | None = None,
    shortage_cost: float = 0.0,
    mode: Mode = "optimal",
    max_share: float = 1.0,
    stockout_quantile: float = 0.5,
    late_days: float = 7.0,
    n_buckets: int = 10,
    as_of: Any = None,
    time_limit: float | None = 10.0,
    joint_time_limit: float = 30.0,
    joint_exact_items: int = 50,
) -> PurchasePlan:
    """Split many items' orders across suppliers and gather one draft PO per supplier.

    Parameters
    ----------
    orders : DataFrame
        One row per item: ``item_id`` and ``order_units`` (or ``units``); optional
        ``demand_units_per_day`` (units/day after the stockout), ``shortage_cost``
        (currency/unit), ``overshoot_units`` (default as in :func:`split_order`),
        ``need_by_date`` (a fixed stockout date),
        ``stockout_date_p50`` (used when there is no ``stockouts`` row),
        ``latest_arrival_date``. The output of ``recommend_orders`` works as is.
    suppliers : DataFrame
        The ``suppliers`` table (item x supplier terms), columns as in :func:`split_order`.
    stockouts : StockoutForecast, optional
        Stockout-date distributions per item (``p_stockout``), from ``stockout_dates``.
    lead_times : DataFrame, optional
        ``lead_time_history`` output (see :func:`split_order`).
    supplier_limits : DataFrame, optional
        One row per supplier: ``supplier_id`` and ``min_order_value`` (currency, the PO's
        value must reach it or the supplier gets no PO) and/or ``capacity_units`` (most
        units over all items on the PO).
    items : DataFrame, optional
        The ``items`` table; its ``backorder_cost`` is the shortage cost where ``orders``
        has none.
    shortage_cost : float, default 0
        Shortage cost (currency/unit) for items with none in ``orders`` or ``items``.
    mode, max_share, stockout_quantile, late_days, n_buckets, time_limit
        As in :func:`split_order` (``time_limit`` per item MILP).
    as_of : date, optional
        Order date (day 0); default ``stockouts.dates[0]``, else unknown (no dates).
    joint_time_limit : float, default 30
        Seconds for the joint re-optimisation when a supplier-level limit binds.
    joint_exact_items : int, default 50
        Up to this many affected items the joint re-optimisation is one exact MILP; above
        it, the candidate method of the Notes.

    Returns
    -------
    PurchasePlan
        ``.lines`` (one row per PO line): ``po_id`` ("DRAFT-<supplier_id>"),
        ``supplier_id``, ``item_id``, ``units``, ``packs``, ``unit_cost``, ``line_total``
        (units x unit_cost), ``order_cost``, ``expected_arrival_days``,
        ``expected_arrival_date``, ``expected_units_short``, ``reason``.
        ``.purchase_orders`` (one row per supplier with lines): ``po_id``, ``supplier_id``,
        ``n_lines``, ``units``, ``order_value``, ``order_cost``, ``first_arrival_date``,
        ``last_arrival_date``, ``min_order_value``, ``capacity_units``, ``status`` ("ok",
        "below_min_order_value", "over_capacity"), ``reason``.
        ``.items`` (every item of ``orders``): ``item_id``, ``order_units``,
        ``planned_units``, ``n_suppliers_used``, ``purchase_cost``, ``order_cost``,
        ``expected_units_short``, ``expected_shortage_cost``, ``total_cost``,
        ``stockout_source``, ``solver`` ("closed_form", "milp", "rule", "joint", ""),
        ``status`` ("ok", "no_order", "no_supplier", "infeasible", "bad_quota") and
        ``reason``. ``.splits`` every item x supplier pair as in :func:`split_order`.

    Notes
    -----
    *Fast path.* Each item's split is first tried in closed form (see :func:`split_order`):
    vectorised over all items, exact whenever packs, MOQs, capacities and shares do not
    bind at the best subset's bucket-by-bucket assignment. The other items are solved 8 at a
    time in one block-diagonal MILP (HiGHS): this shares the solver's set-up cost, about
    twice as fast as one MILP per item, while larger blocks were measured slower (branch
    and bound on one big tree). Each item in a block may leave units unplaced at a
    penalty, so an infeasible item cannot spoil its block; an item that used the penalty
    is re-solved alone (and diagnosed if infeasible). Blocks share no constraint, so each
    item's split is its own optimum. Rule modes are vectorised; their bucket assignments
    are one block LP per 2,000 items.

    *Supplier-level limits.* When a supplier's planned units exceed its
    ``capacity_units``, or its PO value is below ``min_order_value``, the items that use
    it (or could, for a minimum value) are re-split jointly. Up to ``joint_exact_items``
    such items, their MILPs are stacked into one with the supplier rows added (exact).
    Beyond that, each item gets
    candidate splits (its current optimum, its optimum without each supplier that has a
    limit, its split from only a supplier below its minimum value, and its optimum with an
    over-capacity supplier scaled to its share of the capacity), and a multiple-choice
    MILP picks one per item at least total cost subject to all supplier limits (a supplier
    below its minimum gets no PO). The result is optimal over those candidates; splits
    that use a constrained supplier partially in other proportions are not considered.
    A limit that cannot be met is reported in ``notes`` and the PO's ``status``.

    References
    ----------
    .. [SPT2] Silver, Pyke & Thomas (2017), *Inventory and Production Management in Supply
       Chains*, 4th ed., ch. 10 (coordinated replenishment and supplier minimums).

    Examples
    --------
    S1 is cheaper for both items but can ship only 50 units in all; B saves more per unit
    (0.5 vs 0.1), so B gets S1 first and A takes the remaining 20:

    >>> import pandas as pd
    >>> orders = pd.DataFrame({"item_id": ["A", "B"], "order_units": [40, 30]})
    >>> sup = pd.DataFrame({"item_id": ["A", "A", "B", "B"],
    ...                     "supplier_id": ["S1", "S2", "S1", "S2"],
    ...                     "unit_cost": [1.0, 1.1, 2.0, 2.5], "lead_time_days": 7})
    >>> limits = pd.DataFrame({"supplier_id": ["S1"], "capacity_units": [50]})
    >>> plan = plan_purchase_orders(orders, sup, supplier_limits=limits, as_of="2024-03-01")
    >>> plan.lines[["po_id", "item_id", "units", "line_total"]]
          po_id item_id  units  line_total
    0  DRAFT-S1       A   20.0        20.0
    1  DRAFT-S1       B   30.0        60.0
    2  DRAFT-S2       A   20.0        22.0
    """
    _check_common(mode, max_share, stockout_quantile, late_days, n_buckets)
    if not np.isfinite(shortage_cost) or shortage_cost < 0:
        raise ValueError(
            f"shortage_cost must be >= 0 (currency per unit short); got {shortage_cost!r}."
        )
    if as_of is not None:
        as_of_ts: pd.Timestamp | None = pd.Timestamp(as_of).normalize()
    elif stockouts is not None and hasattr(stockouts, "dates"):
        as_of_ts = pd.Timestamp(pd.DatetimeIndex(stockouts.dates)[0]).normalize()
    else:
        as_of_ts = None
    if stockouts is not None and as_of_ts is None:  # pragma: no cover - dates always present
        raise ValueError("as_of is needed with stockouts.")
    ords = _orders_table(orders, items, shortage_cost, as_of_ts)
    sup = _supplier_table(suppliers, lead_times, max_share=max_share, late_days=late_days)
    tau, has, source = _stockout_matrix(ords, stockouts, as_of_ts)
    a = _build(ords, sup, tau, has, n_buckets=n_buckets, late_days=late_days)
    n = a.n
    status = np.full(n, "ok", dtype=object)
    reason = np.full(n, "", dtype=object)
    units = ords["units"].to_numpy(dtype=float)
    no_order = ~(units > 0)
    status[no_order] = "no_order"
    reason[no_order] = "no units to order"
    no_sup = ~no_order & ~a.present.any(axis=1)
    status[no_sup] = "no_supplier"
    reason[no_sup] = "no supplier offers this item: add it to the suppliers table"
    a.units = np.where(no_order, 0.0, units)
    active = status == "ok"
    x, z, solver, problem, extra = _solve(
        a, mode, stockout_quantile=stockout_quantile, time_limit=time_limit, active=active
    )
    bad = problem != ""
    status[bad] = np.where(
        pd.Series(problem[bad], dtype=object).str.startswith("quotas for item"),
        "bad_quota",
        "infeasible",
    )
    reason[bad] = problem[bad]
    planned = status == "ok"
    notes: list[str] = []
    limits = None
    if supplier_limits is not None:
        limits = supplier_limits.copy()
        if "supplier_id" not in limits.columns:
            raise SchemaError(
                f"supplier_limits is missing column 'supplier_id'. Found: {list(limits.columns)}."
            )
        limits["supplier_id"] = limits["supplier_id"].astype(str)
        for col, default in (("min_order_value", 0.0), ("capacity_units", np.inf)):
            v = (
                pd.to_numeric(limits[col], errors="coerce")
                if col in limits.columns
                else pd.Series(default, index=limits.index)
            )
            if (v < 0).any():
                raise SchemaError(
                    f"supplier_limits.{col} must not be negative; found {v[v < 0].head(3).tolist()}."
                )
            limits[col] = v.fillna(default).astype(float)
        if limits["supplier_id"].duplicated().any():
            raise SchemaError("supplier_limits must have one row per supplier_id.")
        if mode == "optimal":
            x, z, changed, notes = _joint(
                a,
                x,
                z,
                planned,
                limits,
                time_limit=time_limit,
                joint_time_limit=joint_time_limit,
                joint_exact_items=joint_exact_items,
            )
            solver[changed & planned] = "joint"
        else:
            notes.append(f"supplier limits are checked but not re-optimised in mode={mode!r}")
    splits = _lines(a, x, z, as_of_ts, mode, planned, extra)
    # items
    grp = splits.groupby("item_id", sort=False)
    agg = pd.DataFrame(
        {
            "planned_units": grp["units"].sum(),
            "n_suppliers_used": grp["units"].agg(lambda s: int((s > 0).sum())),
            "purchase_cost": grp["purchase_cost"].sum(),
            "order_cost": grp["order_cost"].sum(),
            "expected_units_short": grp["expected_units_short"].sum(min_count=1),
            "expected_shortage_cost": grp["expected_shortage_cost"].sum(),
        }
    )
    item_df = pd.DataFrame({"item_id": a.item_ids, "order_units": units}).join(agg, on="item_id")
    item_df["planned_units"] = item_df["planned_units"].fillna(0.0)
    item_df["n_suppliers_used"] = item_df["n_suppliers_used"].fillna(0).astype(int)
    for col in ("purchase_cost", "order_cost", "expected_shortage_cost"):
        item_df[col] = item_df[col].fillna(0.0)
    item_df["total_cost"] = (
        item_df["purchase_cost"] + item_df["order_cost"] + item_df["expected_shortage_cost"]
    )
    item_df["stockout_source"] = source
    item_df["solver"] = solver
    item_df["status"] = status
    used_lines = splits.loc[splits["units"] > 0]
    split_txt = (
        used_lines.assign(t=used_lines["supplier_id"] + " " + used_lines["units"].map(_fmt))
        .groupby("item_id")["t"]
        .agg(", ".join)
    )
    ok_reason = (
        "split: "
        + item_df["item_id"].map(split_txt).fillna("")
        + " ("
        + item_df["solver"].astype(str)
        + ")"
    )
    no_stock = (item_df["stockout_source"] == "none") & (item_df["status"] == "ok")
    ok_reason = ok_reason.where(
        ~no_stock, ok_reason + "; no stockout date: expected shortage not costed"
    )
    no_rate = ~np.isfinite(a.d) & has & (status == "ok")
    ok_reason = ok_reason.where(
        ~no_rate, ok_reason + "; no demand rate: all units needed on the stockout day"
    )
    item_df["reason"] = np.where(status == "ok", ok_reason, reason)
    # PO lines
    lines = used_lines.copy()
    lines["po_id"] = "DRAFT-" + lines["supplier_id"]
    lines["line_total"] = lines["purchase_cost"]
    lines = lines.sort_values(["supplier_id", "item_id"], kind="stable").reset_index(drop=True)[
        _PO_LINE_COLUMNS
    ]
    g = lines.groupby("supplier_id", sort=True)
    po = pd.DataFrame(
        {
            "n_lines": g.size(),
            "units": g["units"].sum(),
            "order_value": g["line_total"].sum(),
            "order_cost": g["order_cost"].sum(),
            "first_arrival_date": g["expected_arrival_date"].min(),
            "last_arrival_date": g["expected_arrival_date"].max(),
        }
    ).reset_index()
    po.insert(0, "po_id", "DRAFT-" + po["supplier_id"])
    if limits is not None:
        po = po.merge(
            limits[["supplier_id", "min_order_value", "capacity_units"]],
            on="supplier_id",
            how="left",
        )
    else:
        po["min_order_value"] = np.nan
        po["capacity_units"] = np.nan
    below = po["order_value"] < po["min_order_value"].fillna(0) - 1e-9
    over = po["units"] > po["capacity_units"].fillna(np.inf) + 1e-9
    po["status"] = np.where(over, "over_capacity", np.where(below, "below_min_order_value", "ok"))
    po["reason"] = np.where(
        over,
        "units "
        + po["units"].map(_fmt)
        + " exceed capacity_units "
        + po["capacity_units"].map(_fmt),
        np.where(
            below,
            "value "
            + po["order_value"].map("{:,.2f}".format)
            + " below min_order_value "
            + po["min_order_value"].map("{:,.2f}".format),
            po["n_lines"].astype(str) + " lines, value " + po["order_value"].map("{:,.2f}".format),
        ),
    )
    return PurchasePlan(
        lines=lines,
        purchase_orders=po,
        items=item_df,
        splits=splits,
        notes=notes,
        as_of=as_of_ts,
    )

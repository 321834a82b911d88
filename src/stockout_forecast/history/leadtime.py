"""Supplier lead times: empirical from purchase-order receipts, stated terms as the fallback.

:func:`lead_time_history` measures, per item x supplier, how long received purchase orders
took (mean, spread, quantiles), how often they came on time and how completely; where there
are too few receipts it falls back to (or blends with) the supplier's stated lead time and
says so in ``source`` and ``reason``. :func:`sample_lead_times` draws lead times for
simulations from those figures.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from scipy.special import ndtri

from .._utils import RandomStateLike, check_random_state
from ..exceptions import SchemaError
from ..io.validation import validate_table

__all__ = ["lead_time_history", "sample_lead_times"]

_QUANTILES = (0.1, 0.5, 0.9)
_COLUMNS = [
    "item_id",
    "supplier_id",
    "n_receipts",
    "n_open_orders",
    "lead_time_mean_days",
    "lead_time_sd_days",
    "lead_time_p10_days",
    "lead_time_p50_days",
    "lead_time_p90_days",
    "on_time_rate",
    "fill_rate",
    "stated_lead_time_days",
    "stated_lead_time_sd_days",
    "source",
    "reason",
]


def lead_time_history(
    purchase_orders: pd.DataFrame,
    suppliers: pd.DataFrame | None = None,
    *,
    as_of: Any = None,
    min_receipts: int = 3,
) -> pd.DataFrame:
    """Empirical lead time per item x supplier from received purchase orders.

    Parameters
    ----------
    purchase_orders : DataFrame
        The ``purchase_orders`` table (``po_id``, ``item_id``, ``supplier_id``, ``units``,
        ``order_date``, ``expected_date``; optional ``received_date``, ``received_units``).
        A line with a ``received_date`` is a receipt; its lead time is
        ``received_date - order_date`` in calendar days.
    suppliers : DataFrame, optional
        The ``suppliers`` table (item x supplier terms: ``lead_time_days``, optional
        ``lead_time_sd_days`` and ``on_time_rate``), used where receipts are too few.
    as_of : date-like, optional
        Only what was known on this day counts: orders placed and goods received on or
        before it. Default: everything in the table.
    min_receipts : int, default 3
        Receipts needed to rely on history alone (≥ 1).

    Returns
    -------
    DataFrame
        One row per item x supplier found in either input, sorted by ``item_id`` and
        ``supplier_id``, with columns:

        - ``item_id``, ``supplier_id``
        - ``n_receipts``: received lines counted; ``n_open_orders``: lines not yet received
        - ``lead_time_mean_days``, ``lead_time_sd_days`` (sample standard deviation, ddof=1)
        - ``lead_time_p10_days``, ``lead_time_p50_days``, ``lead_time_p90_days``
        - ``on_time_rate``: share of receipts on or before ``expected_date`` (the stated
          ``on_time_rate`` when there are no receipts)
        - ``fill_rate``: received units / ordered units over received lines (NaN without
          ``received_units``)
        - ``stated_lead_time_days``, ``stated_lead_time_sd_days``: the supplier's terms
        - ``source``: ``"history"`` (≥ ``min_receipts`` receipts, or fewer without stated
          terms), ``"history+stated"`` (some receipts blended with the stated terms),
          ``"stated"`` (no receipts) or ``"none"`` (no receipts and no stated terms: only
          open orders; figures NaN)
        - ``reason``: one plain sentence on where the figures come from.

    Raises
    ------
    SchemaError
        If a table breaks the contract, or a receipt is dated before its order (booking
        error; the message lists the first lines).

    Notes
    -----
    * Quantiles of receipts use linear interpolation between order statistics.
    * Blending (``0 < n < min_receipts`` receipts and stated terms): with weight
      ``w = n / min_receipts``, ``mean = w x̄ + (1 - w) L_stated`` and
      ``var = w s² + (1 - w) σ²_stated`` (``s²`` only with ≥ 2 receipts, else the stated
      variance alone) — a credibility weighting that moves from the stated terms to the
      record as receipts come in.
    * Stated-only quantiles assume a normal lead time, ``L + z_p σ`` clipped at 0; without a
      stated spread they are NaN except the median (= the stated lead time).
    * A partial receipt counts once, dated by its ``received_date``.

    References
    ----------
    .. [SPT] Silver, Pyke & Thomas (2017), *Inventory and Production Management in Supply
       Chains*, 4th ed., sec. 6.10 (estimating lead-time variability from receipts).

    Examples
    --------
    >>> po = pd.DataFrame({
    ...     "po_id": ["1", "2", "3", "4"], "item_id": ["A", "A", "A", "B"],
    ...     "supplier_id": ["S", "S", "S", "S"], "units": [10, 10, 10, 5],
    ...     "order_date": ["2024-01-01", "2024-02-01", "2024-03-01", "2024-03-01"],
    ...     "expected_date": ["2024-01-11", "2024-02-11", "2024-03-11", "2024-03-15"],
    ...     "received_date": ["2024-01-11", "2024-02-15", "2024-03-07", None],
    ...     "received_units": [10, 8, 10, None]})
    >>> sup = pd.DataFrame({"item_id": ["B"], "supplier_id": ["S"], "unit_cost": [2.0],
    ...                     "lead_time_days": [14], "lead_time_sd_days": [3]})
    >>> out = lead_time_history(po, sup)   # A: 10, 14 and 6 days; B: no receipt yet
    >>> out[["item_id", "n_receipts", "lead_time_mean_days", "on_time_rate", "source"]]
      item_id  n_receipts  lead_time_mean_days  on_time_rate   source
    0       A           3                 10.0      0.666667  history
    1       B           0                 14.0           NaN   stated
    """
    if not isinstance(min_receipts, (int, np.integer)) or min_receipts < 1:
        raise ValueError(f"min_receipts must be a whole number >= 1; got {min_receipts!r}.")
    po = validate_table(purchase_orders, "purchase_orders", allow_empty=True)
    sup = validate_table(suppliers, "suppliers") if suppliers is not None else None
    po, received_col = _known_on(po, as_of)
    is_rec = received_col.notna()
    rec = _receipts(po, received_col, is_rec)
    pairs_frames = [po[_KEYS]]
    if sup is not None:
        pairs_frames.append(sup[_KEYS])
    out = (
        pd.concat(pairs_frames, ignore_index=True)
        .drop_duplicates()
        .sort_values(_KEYS, kind="stable")
        .reset_index(drop=True)
    )
    out = _with_receipt_stats(out, rec)
    n_open = po.loc[~is_rec].groupby(_KEYS).size().rename("n_open_orders")
    out = out.merge(n_open.reset_index(), on=_KEYS, how="left")
    out["n_open_orders"] = out["n_open_orders"].fillna(0).astype(np.int64)
    out["n_receipts"] = out["n_receipts"].fillna(0).astype(np.int64)
    out = _with_stated_terms(out, sup)
    _blend(out, min_receipts)
    return out[_COLUMNS].reset_index(drop=True)


_KEYS = ["item_id", "supplier_id"]
_HIST_COLUMNS = (
    "n_receipts",
    "hist_mean",
    "hist_sd",
    "hist_p10",
    "hist_p50",
    "hist_p90",
    "hist_on_time",
    "fill_rate",
)


def _known_on(po: pd.DataFrame, as_of: Any) -> tuple[pd.DataFrame, pd.Series]:
    """Orders placed on or before ``as_of`` and their received dates known by then."""
    cutoff = pd.Timestamp(as_of) if as_of is not None else None
    if cutoff is not None:
        po = po.loc[po["order_date"] <= cutoff]
    received_col = (
        po["received_date"] if "received_date" in po.columns else pd.Series(pd.NaT, index=po.index)
    )
    if cutoff is not None:
        received_col = received_col.where(received_col <= cutoff)
    return po, received_col


def _receipts(po: pd.DataFrame, received_col: pd.Series, is_rec: pd.Series) -> pd.DataFrame:
    """Received lines with their ``lead_time_days`` and ``on_time`` (1/0); error if negative."""
    rec = po.loc[is_rec].copy()
    rec["lead_time_days"] = (received_col[is_rec] - rec["order_date"]).dt.days.astype(float)
    early = rec["lead_time_days"] < 0
    if early.any():
        first = rec.loc[early, ["po_id", "item_id"]].head(5)
        pairs = [tuple(r) for r in first.itertuples(index=False)]
        raise SchemaError(
            f"purchase_orders has {int(early.sum())} lines received before they were ordered "
            f"(received_date < order_date), e.g. (po_id, item_id) {pairs}. Correct the dates "
            f"in the source system."
        )
    rec["on_time"] = (received_col[is_rec] <= rec["expected_date"]).astype(float)
    return rec


def _with_receipt_stats(out: pd.DataFrame, rec: pd.DataFrame) -> pd.DataFrame:
    """Join the receipts' count, mean, sd, quantiles, on-time and fill rates per pair."""
    if not len(rec):
        for c in _HIST_COLUMNS:
            out[c] = np.nan
        return out
    g = rec.groupby(_KEYS, sort=False)
    stats = g["lead_time_days"].agg(["count", "mean", "std"])
    stats.columns = ["n_receipts", "hist_mean", "hist_sd"]
    qs = g["lead_time_days"].quantile(np.array(_QUANTILES)).unstack()
    qs.columns = ["hist_p10", "hist_p50", "hist_p90"]
    stats = stats.join(qs)
    stats["hist_on_time"] = g["on_time"].mean()
    if "received_units" in rec.columns:
        got = g["received_units"].sum(min_count=1)
        ordered = g["units"].sum()
        with np.errstate(divide="ignore", invalid="ignore"):
            stats["fill_rate"] = (got / ordered).where(ordered > 0)
    else:
        stats["fill_rate"] = np.nan
    return out.merge(stats.reset_index(), on=_KEYS, how="left")


def _with_stated_terms(out: pd.DataFrame, sup: pd.DataFrame | None) -> pd.DataFrame:
    """Join the suppliers' stated lead time, its sd and on-time rate (NaN when not given)."""
    if sup is not None:
        cols = ["lead_time_days"] + [
            c for c in ("lead_time_sd_days", "on_time_rate") if c in sup.columns
        ]
        stated = sup[_KEYS + cols].rename(
            columns={
                "lead_time_days": "stated_lead_time_days",
                "lead_time_sd_days": "stated_lead_time_sd_days",
                "on_time_rate": "stated_on_time_rate",
            }
        )
        out = out.merge(stated, on=_KEYS, how="left")
    for c in ("stated_lead_time_days", "stated_lead_time_sd_days", "stated_on_time_rate"):
        if c not in out.columns:
            out[c] = np.nan
    return out


def _blend(out: pd.DataFrame, min_receipts: int) -> None:
    """Lead-time figures, source and reason per pair from history, stated terms or both."""
    n = out["n_receipts"].to_numpy(dtype=float)
    has_stated = out["stated_lead_time_days"].notna().to_numpy()
    st_mean = out["stated_lead_time_days"].to_numpy(dtype=float)
    st_sd = out["stated_lead_time_sd_days"].to_numpy(dtype=float)
    h_mean = out["hist_mean"].to_numpy(dtype=float)
    h_sd = out["hist_sd"].to_numpy(dtype=float)

    enough = n >= min_receipts
    some = (n > 0) & ~enough
    use_hist = enough | (some & ~has_stated)
    blend = some & has_stated
    only_stated = (n == 0) & has_stated

    w = np.clip(n / min_receipts, 0.0, 1.0)
    blend_mean = w * h_mean + (1 - w) * st_mean
    h_var = np.where(n >= 2, h_sd**2, np.nan)
    st_var = st_sd**2
    blend_var = np.where(
        np.isnan(h_var), st_var, np.where(np.isnan(st_var), h_var, w * h_var + (1 - w) * st_var)
    )
    mean = np.select([use_hist, blend, only_stated], [h_mean, blend_mean, st_mean], np.nan)
    sd = np.select([use_hist, blend, only_stated], [h_sd, np.sqrt(blend_var), st_sd], np.nan)
    normal_q = {
        p: np.where(np.isnan(sd), np.nan, np.maximum(mean + ndtri(p) * sd, 0.0)) for p in _QUANTILES
    }
    normal_q[0.5] = np.where(np.isnan(sd), mean, normal_q[0.5])
    for p, name in zip(_QUANTILES, ("p10", "p50", "p90"), strict=True):
        hist_q = out[f"hist_{name}"].to_numpy(dtype=float)
        out[f"lead_time_{name}_days"] = np.where(use_hist, hist_q, normal_q[p])
    out["lead_time_mean_days"] = mean
    out["lead_time_sd_days"] = sd
    out["on_time_rate"] = np.where(
        n > 0,
        out["hist_on_time"].to_numpy(dtype=float),
        out["stated_on_time_rate"].to_numpy(dtype=float),
    )
    source = np.select(
        [use_hist, blend, only_stated], ["history", "history+stated", "stated"], "none"
    )
    out["source"] = source
    out["reason"] = _lead_time_reasons(source, n, enough, w, st_mean, st_sd, min_receipts)


def _lead_time_reasons(
    source: np.ndarray,
    n: np.ndarray,
    enough: np.ndarray,
    w: np.ndarray,
    st_mean: np.ndarray,
    st_sd: np.ndarray,
    min_receipts: int,
) -> list[str]:
    """One plain sentence per pair on where its lead-time figures come from."""
    reasons = []
    for k, src in enumerate(source):
        nk = int(n[k])
        if src == "history" and enough[k]:
            r = f"from {nk} receipts"
        elif src == "history":
            r = (
                f"from only {nk} receipt{'s' if nk > 1 else ''} (fewer than {min_receipts}) "
                f"and no stated lead time in suppliers; treat the spread with care"
            )
        elif src == "history+stated":
            r = (
                f"{nk} receipt{'s' if nk > 1 else ''} (fewer than {min_receipts}) blended with "
                f"the stated {st_mean[k]:g} days (weight {w[k]:.2f} on history)"
            )
        elif src == "stated":
            r = f"no receipts yet: supplier's stated {st_mean[k]:g} days"
        else:
            r = (
                "no receipts and no stated lead time (only open orders): add the item to "
                "suppliers with lead_time_days"
            )
        if src in ("stated", "history+stated") and np.isnan(st_sd[k]) and (nk < 2):
            r += "; spread unknown (no lead_time_sd_days)"
        reasons.append(r)
    return reasons


def sample_lead_times(
    mean: Any,
    sd: Any = 0.0,
    size: int = 1,
    *,
    random_state: RandomStateLike = None,
) -> np.ndarray:
    """Draw lead times with a given mean and standard deviation (gamma distribution).

    Parameters
    ----------
    mean : float or array (n_items,)
        Mean lead time (any time unit, e.g. days or periods), ≥ 0; NaN gives NaN draws.
    sd : float or array (n_items,), default 0
        Standard deviation, ≥ 0; 0 or NaN gives the mean exactly (no spread known).
    size : int, default 1
        Draws per item.
    random_state : int, Generator or None
        Seed.

    Returns
    -------
    ndarray, shape (n_items, size)
        Non-negative lead times (real-valued).

    Notes
    -----
    The gamma distribution with shape ``(mean/sd)²`` and scale ``sd²/mean`` has the given
    mean and standard deviation, is non-negative and right-skewed like observed lead times
    (late deliveries run longer than early ones run short).

    Examples
    --------
    >>> draws = sample_lead_times([14.0, 7.0], [3.0, 0.0], size=20_000, random_state=0)
    >>> np.round(draws.mean(axis=1)), np.round(draws[0].std())
    (array([14.,  7.]), np.float64(3.0))
    """
    if not isinstance(size, (int, np.integer)) or size < 1:
        raise ValueError(f"size must be a whole number >= 1; got {size!r}.")
    m = np.atleast_1d(np.asarray(mean, dtype=float))
    s = np.broadcast_to(np.atleast_1d(np.asarray(sd, dtype=float)), m.shape)
    if (m < 0).any() or (s < 0).any():
        raise ValueError("mean and sd must not be negative.")
    rng = check_random_state(random_state)
    out = np.repeat(m[:, None], size, axis=1)
    random = (np.nan_to_num(s) > 0) & (m > 0)
    if random.any():
        shape = (m[random] / s[random]) ** 2
        scale = s[random] ** 2 / m[random]
        out[random] = rng.gamma(shape[:, None], scale[:, None], size=(int(random.sum()), size))
    return out

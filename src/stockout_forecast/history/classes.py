"""Demand classes per item: Syntetos-Boylan class, ABC by revenue, XYZ by variability."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pandas as pd

from .._arrays import cat, chunks, timestamp_day, to_days, zero_nan
from .._utils import format_ids
from ..exceptions import DataQualityWarning, SchemaError
from ..io.validation import validate_table
from ._common import check_history
from .panel import DemandHistory
from .status import status_of

__all__ = ["ADI_CUTOFF", "CV2_CUTOFF", "classify_demand"]

#: Syntetos, Boylan & Croston (2005) cut-offs
ADI_CUTOFF = 1.32
CV2_CUTOFF = 0.49


def classify_demand(
    history: DemandHistory,
    *,
    revenue: pd.Series | pd.DataFrame | None = None,
    abc_thresholds: tuple[float, float] = (0.8, 0.95),
    xyz_thresholds: tuple[float, float] = (0.5, 1.0),
) -> pd.DataFrame:
    """Demand class per item (Syntetos-Boylan), ABC by revenue and XYZ by variability.

    Parameters
    ----------
    history : DemandHistory
        From :func:`~stockout_forecast.demand_history`; the classes depend on its ``freq``.
    revenue : pandas.Series or pandas.DataFrame, optional
        Revenue per item (currency) as a Series indexed by ``item_id``, or a sales table with
        ``unit_price`` (revenue = sum of ``units * unit_price`` over lines dated from the first
        period to ``history.as_of``). Default: :attr:`DemandHistory.revenue` when the history
        was built from sales with ``unit_price``, else net units sold
        (``abc_basis="units"``).
    abc_thresholds : (float, float), default (0.8, 0.95)
        Cumulative revenue shares, fractions in (0, 1), closing the A and B classes.
    xyz_thresholds : (float, float), default (0.5, 1.0)
        Coefficients of variation (>= 0) closing the X and Y classes.

    Returns
    -------
    pandas.DataFrame
        One row per item, in the history's order. Columns: ``item_id``;
        ``n_periods_observed``; ``n_demand_periods`` (observed periods with positive units);
        ``adi`` (average inter-demand interval, periods); ``cv2`` (squared coefficient of
        variation of demand sizes); ``demand_class`` (``"smooth"``, ``"erratic"``,
        ``"intermittent"``, ``"lumpy"`` or ``"insufficient"``); ``cv`` (coefficient of
        variation of period demand); ``xyz`` (``"X"``, ``"Y"``, ``"Z"``, missing when ``cv``
        is undefined); ``abc_value`` (revenue, or units); ``abc_basis`` (``"revenue"`` or
        ``"units"``); ``abc_share_cum`` (cumulative share of items ranked up to this one);
        ``abc`` (``"A"``, ``"B"``, ``"C"``); ``status``; ``reason``.

    Notes
    -----
    Over the item's observed periods (:attr:`DemandHistory.observed`), with demand
    ``y = max(units, 0)`` (a period whose returns exceed its sales counts as no demand)::

        adi = n_observed / n_demand          (mean inter-demand interval, periods)
        cv2 = (s / m)**2                      s, m: sample sd (ddof=1) and mean of the
                                              positive y (demand sizes)
        cv  = sd(y) / mean(y)                 ddof=1, all observed periods

    Class (Syntetos, Boylan & Croston 2005): ``adi > 1.32`` is intermittent demand,
    ``cv2 > 0.49`` is variable demand sizes; so smooth (neither), erratic (sizes only),
    intermittent (intervals only), lumpy (both). Values exactly at a cut-off fall on the
    smooth side. ``"insufficient"`` when fewer than 2 demand periods (``cv2`` undefined).

    XYZ: ``cv <= 0.5`` X, ``<= 1.0`` Y, else Z; undefined (missing) with fewer than 2
    observed periods or a zero mean. ABC: items ranked by ``abc_value`` (descending, ties by
    ``item_id``); an item is A when the share of the total held by the items ranked above it
    is below 0.8, B below 0.95, else C. Items with value <= 0 or missing are C.

    References
    ----------
    Syntetos, A.A., Boylan, J.E. & Croston, J.D. (2005). On the categorization of demand
    patterns. *Journal of the Operational Research Society* 56(5), 495-503.

    Examples
    --------
    >>> import pandas as pd
    >>> from stockout_forecast import demand_history
    >>> days = pd.date_range("2024-01-01", periods=6)
    >>> sales = pd.DataFrame({"item_id": ["A"] * 6 + ["B"] * 3,
    ...                       "date": list(days) + list(days[::2]),
    ...                       "units": [5, 5, 6, 4, 5, 5, 1, 9, 2]})
    >>> h = demand_history(sales, as_of="2024-01-06", suspect_stockouts=False)
    >>> classify_demand(h)[["item_id", "adi", "cv2", "demand_class", "abc"]].round(3)
      item_id  adi    cv2 demand_class abc
    0       A  1.0  0.016       smooth   A
    1       B  2.0  1.188        lumpy   A
    """
    history = check_history(history)
    a1, a2 = (float(x) for x in abc_thresholds)
    if not (0.0 < a1 < a2 < 1.0):
        raise ValueError(
            f"abc_thresholds must be two increasing fractions in (0, 1); got {abc_thresholds!r}."
        )
    x1, x2 = (float(x) for x in xyz_thresholds)
    if not (0.0 <= x1 < x2):
        raise ValueError(
            f"xyz_thresholds must be two increasing coefficients of variation >= 0; "
            f"got {xyz_thresholds!r}."
        )
    c = _class_stats(history)
    n_obs, n_dem, cv2, cv = c["n_obs"], c["n_dem"], c["cv2"], c["cv"]
    with np.errstate(invalid="ignore", divide="ignore"):
        adi = np.where(n_dem > 0, n_obs / np.maximum(n_dem, 1), np.nan)
    enough = n_dem >= 2
    hi_adi = adi > ADI_CUTOFF
    hi_cv2 = cv2 > CV2_CUTOFF
    demand_class = np.where(
        hi_adi, np.where(hi_cv2, "lumpy", "intermittent"), np.where(hi_cv2, "erratic", "smooth")
    ).astype(object)
    demand_class[~enough] = "insufficient"
    xyz = np.where(cv <= x1, "X", np.where(cv <= x2, "Y", "Z")).astype(object)
    xyz[np.isnan(cv)] = None

    value, basis, value_note = _abc_value(history, revenue, c["units_total"])
    abc, share_cum = _abc_classes(value, np.asarray(history.item_ids, dtype=object), a1, a2)
    status, reason = _class_status(history, n_obs, n_dem, value_note)
    return pd.DataFrame(
        {
            "item_id": pd.array(history.item_ids, dtype="str"),
            "n_periods_observed": n_obs,
            "n_demand_periods": n_dem,
            "adi": adi,
            "cv2": cv2,
            "demand_class": pd.array(demand_class, dtype="str"),
            "cv": cv,
            "xyz": pd.array(xyz, dtype="str"),
            "abc_value": value,
            "abc_basis": basis,
            "abc_share_cum": share_cum,
            "abc": pd.array(abc, dtype="str"),
            "status": pd.array(status, dtype="str"),
            "reason": pd.array(reason, dtype="str"),
        }
    )


def _class_stats(history: DemandHistory) -> dict[str, np.ndarray]:
    """Observed and demand periods, ``cv2`` of demand sizes, ``cv`` of period demand, units."""
    n = history.n_items
    n_obs = np.zeros(n, dtype=np.int64)
    n_dem = np.zeros(n, dtype=np.int64)
    cv2 = np.full(n, np.nan)
    cv = np.full(n, np.nan)
    units_total = np.zeros(n)
    for sl in chunks(n):
        u = history.units[sl]
        u0 = zero_nan(u)
        obs = ~(np.isnan(u) | history.censored[sl] | history.suspected[sl])
        of = obs.astype(np.float64)
        y = np.maximum(u0, 0.0) * of
        dem = y > 0
        df = dem.astype(np.float64)
        no = obs.sum(axis=1, dtype=np.int64)
        nd = dem.sum(axis=1, dtype=np.int64)
        n_obs[sl], n_dem[sl] = no, nd
        units_total[sl] = u0.sum(axis=1)
        ysum = y.sum(axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            m_s = ysum / nd
            dev = (y - np.nan_to_num(m_s)[:, None]) * df
            var_s = (dev * dev).sum(axis=1) / (nd - 1)
            cv2[sl] = np.where(nd >= 2, var_s / (m_s * m_s), np.nan)
            m_p = ysum / no
            dev = (y - np.nan_to_num(m_p)[:, None]) * of
            sd_p = np.sqrt((dev * dev).sum(axis=1) / (no - 1))
            cv[sl] = np.where((no >= 2) & (m_p > 0), sd_p / m_p, np.nan)
    return {"n_obs": n_obs, "n_dem": n_dem, "cv2": cv2, "cv": cv, "units_total": units_total}


def _class_status(
    history: DemandHistory, n_obs: np.ndarray, n_dem: np.ndarray, value_note: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """History status; the reason adds too few demand periods and the ABC value's notes."""
    n = history.n_items
    base = status_of(history)
    status = base["status"].to_numpy(dtype=object)
    reason = base["reason"].to_numpy(dtype=object).copy()
    extra = np.full(n, "", dtype=object)
    few = n_dem < 2
    extra[few] = cat(
        "demand class needs 2 demand periods; found ", n_dem[few], " in ", n_obs[few], " observed"
    )
    has_v = value_note != ""
    extra[has_v] = np.where(
        extra[has_v] == "",
        value_note[has_v],
        cat(extra[has_v].astype(str), "; ", value_note[has_v]),
    )
    add = extra != ""
    reason[add] = np.where(
        reason[add] == "", extra[add], cat(reason[add].astype(str), "; ", extra[add].astype(str))
    )
    return status, reason


def _abc_value(
    history: DemandHistory, revenue: Any, units_total: np.ndarray
) -> tuple[np.ndarray, str, np.ndarray]:
    """ABC value per item in history order, its basis, and a per-item note."""
    n = history.n_items
    note = np.full(n, "", dtype=object)
    index = pd.Index(history.item_ids, dtype="str")
    if revenue is None:
        if history.revenue is not None:
            return np.asarray(history.revenue, dtype=np.float64).copy(), "revenue", note
        return units_total.copy(), "units", note
    if isinstance(revenue, pd.DataFrame):
        s = validate_table(revenue, "sales")
        if "unit_price" not in s.columns:
            raise SchemaError(
                f"revenue (a sales table) has no 'unit_price' column. Found: {list(s.columns)}. "
                f"Add unit_price, pass revenue as a Series indexed by item_id, or leave "
                f"revenue=None for ABC by units."
            )
        days = to_days(s["date"].to_numpy())
        lo = int(to_days(history.periods[:1].to_numpy())[0]) if history.n_periods else 0
        hi = timestamp_day(history.as_of)
        in_span = (days >= lo) & (days <= hi)
        codes, uniq = pd.factorize(s["item_id"])
        pos = index.get_indexer(pd.Index(uniq, dtype="str"))[codes]
        known = in_span & (pos >= 0)
        price = s["unit_price"].to_numpy(dtype=np.float64)
        priced = known & ~np.isnan(price)
        value = np.bincount(
            pos[priced], weights=s["units"].to_numpy()[priced] * price[priced], minlength=n
        )
        unpriced = np.bincount(pos[known & np.isnan(price)], minlength=n)
        m = unpriced > 0
        note[m] = cat(unpriced[m], " sales lines without unit_price counted as 0 revenue")
        unknown = in_span & (pos < 0)
        if unknown.any():
            warnings.warn(
                f"revenue has {int(unknown.sum()):,} sales lines for items not in the history "
                f"({format_ids(np.unique(s['item_id'].to_numpy()[unknown]))}); they are not "
                f"part of the ABC ranking.",
                DataQualityWarning,
                stacklevel=3,
            )
        return value, "revenue", note
    if isinstance(revenue, pd.Series):
        r = pd.to_numeric(revenue, errors="coerce")
        bad = r.isna() & revenue.notna()
        if bad.any():
            raise SchemaError(
                f"revenue must be numeric; found {revenue[bad].head(3).tolist()} for items "
                f"{[str(i) for i in revenue.index[bad][:5]]}."
            )
        r.index = pd.Index([str(i) for i in r.index], dtype="str")
        if r.index.has_duplicates:
            dup = r.index[r.index.duplicated()].unique()
            raise SchemaError(
                f"revenue has duplicate item ids {format_ids(list(dup))}; give one value per item."
            )
        value = r.reindex(index).to_numpy(dtype=np.float64)
        miss = np.isnan(value)
        note[miss] = "no revenue given: ranked as C"
        return value, "revenue", note
    raise TypeError(
        f"revenue must be None, a Series indexed by item_id or a sales DataFrame with "
        f"unit_price; got {type(revenue).__name__}."
    )


def _abc_classes(
    value: np.ndarray, item_ids: np.ndarray, a1: float, a2: float
) -> tuple[np.ndarray, np.ndarray]:
    n = len(value)
    v = np.where(np.isnan(value), 0.0, np.maximum(value, 0.0))
    total = v.sum()
    abc = np.full(n, "C", dtype=object)
    share_cum = np.full(n, np.nan)
    if n == 0 or total <= 0:
        return abc, share_cum
    order = np.lexsort((item_ids.astype(str), -v))
    vs = v[order]
    cum = np.cumsum(vs)
    before = (cum - vs) / total
    cls = np.where(before < a1, "A", np.where(before < a2, "B", "C")).astype(object)
    cls[vs <= 0] = "C"
    abc[order] = cls
    share_cum[order] = cum / total
    return abc, share_cum

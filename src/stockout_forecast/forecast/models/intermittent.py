"""Intermittent-demand models: Croston, SBA, TSB, ADIDA and IMAPA."""

from __future__ import annotations

import numpy as np

from ...history.panel import DemandHistory
from .. import _kernels as K
from .._base import STATUS_NO_DEMAND, STATUS_SHORT, ForecastModel, check_fraction_param, warmup_nan
from ._common import CROSTON_GRID, TSB_PROB_GRID, fit_ses_alpha, fitted_values, int_param

__all__ = ["ADIDA", "IMAPA", "SBA", "TSB", "Croston"]


class Croston(ForecastModel):
    """Croston's method for intermittent demand: smoothed size over smoothed interval.

    Parameters
    ----------
    alpha : float in (0, 1) or None, default 0.1
        Smoothing of demand sizes and of inter-demand intervals (the classic fixed 0.1).
        ``None``: optimised per item over ``CROSTON_GRID`` (0.02 ... 0.3) on the in-sample
        squared one-step error of the demand per period.
    alias : str, optional
        Name in results; default ``"croston"``.

    Attributes
    ----------
    alpha_ : numpy.ndarray, shape (n_items,)
    size_ : numpy.ndarray, shape (n_items,)
        Smoothed demand size ``z`` (units per demand occurrence).
    interval_ : numpy.ndarray, shape (n_items,)
        Smoothed interval ``p`` between demands (observed periods).
    fitted_, status_, reason_
        As in :class:`Naive`, NaN up to and including the first positive demand;
        ``"no_positive_demand"`` (forecast 0) for items that never sold in an observed
        period.

    Notes
    -----
    On an observed period with demand ``y_t > 0``, ``q`` observed periods after the
    previous demand (``q`` counts this one): ``z <- z + alpha (y_t - z)``,
    ``p <- p + alpha (q - p)``. Observed zero periods only increase ``q``; censored periods
    are skipped entirely (they do not count in ``q``). Forecast ``y_hat = z / p`` for every
    future period.

    Initialisation (stated as in statsforecast): ``z`` = the first positive demand and
    ``p`` = its position among the item's observed periods counted from 1, i.e. as if a
    demand had occurred just before the first observed period; the first demand then
    leaves both unchanged.

    References
    ----------
    Croston, J.D. (1972). Forecasting and stock control for intermittent demands.
    *Operational Research Quarterly* 23(3), 289-303.

    Examples
    --------
    >>> from stockout_forecast.forecast import Croston, history_from_array
    >>> hist = history_from_array([[0.0, 4.0, 0.0, 0.0, 2.0]])
    >>> # z0 = 4, p0 = 2; at t=4: z = 4 + 0.5 (2 - 4) = 3, p = 2 + 0.5 (3 - 2) = 2.5
    >>> Croston(alpha=0.5).fit(hist).predict(1)  # 3 / 2.5
    array([[1.2]])
    """

    _default_alias = "croston"
    _sba = False

    def __init__(self, *, alpha: float | None = 0.1, alias: str | None = None) -> None:
        self.alpha = alpha
        self.alias = alias

    def _check_params(self, freq: str) -> None:
        check_fraction_param(self.alpha, "alpha", type(self).__name__)

    def _fit(self, y: np.ndarray, mask: np.ndarray, history: DemandHistory) -> np.ndarray:
        n = y.shape[0]
        cols = K.Columns(y, mask)
        if self.alpha is None:
            best = K.grid_search(
                lambda alpha: K.croston(y, mask, alpha, sba=self._sba, cols=cols).sse,
                n,
                {"alpha": np.asarray(CROSTON_GRID)},
                {"alpha": 0.1},
            )
            alpha = best["alpha"]
        else:
            alpha = np.full(n, float(self.alpha))
        res = K.croston(y, mask, alpha, sba=self._sba, cols=cols)
        self.alpha_ = alpha
        self.size_, self.interval_ = res.state["size"], res.state["interval"]
        return _intermittent_finish(self, y, mask, fitted_values(res))

    def _predict(self, horizon: int) -> np.ndarray:
        factor = 1.0 - self.alpha_ / 2.0 if self._sba else 1.0
        f = factor * self.size_ / self.interval_
        return np.repeat(f[:, None], horizon, axis=1)


def _intermittent_finish(
    model: ForecastModel, y: np.ndarray, mask: np.ndarray, fitted: np.ndarray
) -> np.ndarray:
    pos = (y > 0) & mask
    first, has = K.first_index(pos)
    model._set_status(
        model.has_observed_ & ~has,
        STATUS_NO_DEMAND,
        "no positive demand in any observed period; forecast is 0",
    )
    return warmup_nan(fitted, first)


class SBA(Croston):
    """Syntetos-Boylan approximation: Croston's forecast times ``1 - alpha / 2``.

    Parameters
    ----------
    alpha : float in (0, 1) or None, default 0.1
        As in :class:`Croston` (optimised on the debiased forecast when ``None``).
    alias : str, optional
        Name in results; default ``"sba"``.

    Attributes
    ----------
    alpha_, size_, interval_, fitted_, status_, reason_
        As in :class:`Croston`; ``fitted_`` includes the factor.

    Notes
    -----
    ``y_hat = (1 - alpha / 2) z / p``, which removes the positive bias of Croston's ratio
    of smoothed quantities. Recursions and initialisation as in :class:`Croston`.

    References
    ----------
    Syntetos, A.A. & Boylan, J.E. (2005). The accuracy of intermittent demand estimates.
    *International Journal of Forecasting* 21(2), 303-314.

    Examples
    --------
    >>> from stockout_forecast.forecast import SBA, history_from_array
    >>> hist = history_from_array([[0.0, 4.0, 0.0, 0.0, 2.0]])
    >>> SBA(alpha=0.5).fit(hist).predict(1)  # (1 - 0.25) * 3 / 2.5
    array([[0.9]])
    """

    _default_alias = "sba"
    _sba = True


class TSB(ForecastModel):
    """Teunter-Syntetos-Babai: smoothed demand probability times smoothed size.

    Unlike Croston, the probability decays during long zero runs, so obsolescent items
    are forecast toward 0.

    Parameters
    ----------
    alpha : float in (0, 1), optional
        Smoothing of demand sizes; ``None`` (default) optimised over ``CROSTON_GRID``.
    beta : float in (0, 1), optional
        Smoothing of the demand probability; ``None`` optimised over ``TSB_PROB_GRID``
        (0.01 ... 0.3).
    prob_init : {"first", "interval", "mean"}, default "first"
        Initial demand probability: ``"first"``, 1 if the first observed period had demand,
        else 0 (as statsforecast's ``TSB``, which starts its smoothing at the first
        observation); ``"interval"``, one over the position of the first demand among the
        observed periods (as if a demand had just happened before the history, the
        Croston start; the default until issue 9); ``"mean"``, the share of observed
        periods with demand. ``"first"`` measured better or level on all six datasets of
        ``benchmarks/study_selection.py --side`` (RAF 0.879 against 0.939, refinery 0.952
        against 1.127; benchmarks/README.md).
    alias : str, optional
        Name in results; default ``"tsb"``.

    Attributes
    ----------
    alpha_, beta_ : numpy.ndarray, shape (n_items,)
    size_ : numpy.ndarray, shape (n_items,)
        Smoothed demand size ``z`` (units per occurrence).
    prob_ : numpy.ndarray, shape (n_items,)
        Smoothed probability ``d`` of demand in a period.
    fitted_, status_, reason_
        As in :class:`Croston`.

    Notes
    -----
    Every observed period: ``d <- d + beta (1[y_t > 0] - d)``; observed periods with
    ``y_t > 0`` also ``z <- z + alpha (y_t - z)``; censored periods change nothing.
    ``y_hat = d z``. Initialisation: ``z`` = first positive demand, ``d`` by ``prob_init``
    (default: the first observed period's demand indicator; ``"interval"``: ``d = 1 / p0``) with
    ``p0`` the Croston initial interval (position of the first positive demand among the
    observed periods, from 1). The grid search is joint-coordinate: ``alpha``, then
    ``beta``.

    References
    ----------
    Teunter, R.H., Syntetos, A.A. & Babai, M.Z. (2011). Intermittent demand: linking
    forecasting to inventory obsolescence. *European Journal of Operational Research*
    214(3), 606-615.

    Examples
    --------
    >>> from stockout_forecast.forecast import TSB, history_from_array
    >>> hist = history_from_array([[0.0, 4.0, 0.0, 0.0, 2.0]])
    >>> # z0 = 4, d0 = 0 (no demand in the first period); d: 0 (t=0), .5 (t=1, z=4), .25,
    >>> # .125, .5625 (t=4, z=3)
    >>> TSB(alpha=0.5, beta=0.5).fit(hist).predict(1)  # 3 * 0.5625
    array([[1.6875]])
    >>> TSB(alpha=0.5, beta=0.5, prob_init="interval").fit(hist).predict(1)  # d0 = 1/2
    array([[1.734375]])
    """

    _default_alias = "tsb"

    def __init__(
        self,
        *,
        alpha: float | None = None,
        beta: float | None = None,
        prob_init: str = "first",
        alias: str | None = None,
    ) -> None:
        self.alpha = alpha
        self.beta = beta
        self.prob_init = prob_init
        self.alias = alias

    def _check_params(self, freq: str) -> None:
        check_fraction_param(self.alpha, "alpha", "TSB")
        check_fraction_param(self.beta, "beta", "TSB")
        if self.prob_init not in _PROB_INITS:
            raise ValueError(
                f"TSB: prob_init must be one of {_PROB_INITS}; got {self.prob_init!r}."
            )

    def _fit(self, y: np.ndarray, mask: np.ndarray, history: DemandHistory) -> np.ndarray:
        n = y.shape[0]
        grids: dict[str, np.ndarray] = {}
        if self.alpha is None:
            grids["alpha"] = np.asarray(CROSTON_GRID)
        if self.beta is None:
            grids["beta"] = np.asarray(TSB_PROB_GRID)
        start = {
            "alpha": 0.1 if self.alpha is None else float(self.alpha),
            "beta": 0.05 if self.beta is None else float(self.beta),
        }
        cols = K.Columns(y, mask)
        prob0 = _tsb_prob0(y, mask, self.prob_init)
        if grids:
            best = K.grid_search(
                lambda alpha, beta: K.tsb(y, mask, alpha, beta, prob0=prob0, cols=cols).sse,
                n,
                grids,
                start,
            )
        else:
            best = {k: np.full(n, v) for k, v in start.items()}
        res = K.tsb(y, mask, best["alpha"], best["beta"], prob0=prob0, cols=cols)
        self.alpha_, self.beta_ = best["alpha"], best["beta"]
        self.size_, self.prob_ = res.state["size"], res.state["prob"]
        return _intermittent_finish(self, y, mask, fitted_values(res))

    def _predict(self, horizon: int) -> np.ndarray:
        return np.repeat((self.prob_ * self.size_)[:, None], horizon, axis=1)


_PROB_INITS = ("first", "interval", "mean")


def _tsb_prob0(y: np.ndarray, mask: np.ndarray, how: str) -> np.ndarray | None:
    """TSB's initial demand probability per item (None: the kernel's interval start)."""
    if how == "interval":
        return None
    demand = (y > 0) & mask
    if how == "first":
        first, has = K.first_index(mask)
        rows = np.flatnonzero(has)
        out = np.zeros(y.shape[0])
        out[rows] = demand[rows, first[rows]]
        return out
    n_obs = mask.sum(axis=1)
    return np.where(n_obs > 0, demand.sum(axis=1) / np.maximum(n_obs, 1), 0.0)


def _adi_aggregation(y: np.ndarray, mask: np.ndarray, cap: int) -> tuple[np.ndarray, np.ndarray]:
    """Per-item aggregation level round(ADI) in [1, cap] and whether there is demand.

    ``ADI`` is the mean interval between demands, in observed periods: the position of the
    last demand among the item's observed periods (from 1) over the number of demands. The
    zero run after the last demand is not an interval between demands; counting it would
    make a dead item's buckets so long that its old sales fill the last one.
    """
    pos = (y > 0) & mask
    npos = pos.sum(axis=1)
    obs_rank = np.cumsum(mask, axis=1)  # observed periods so far
    last, has = K.first_index(pos[:, ::-1])
    t_len = y.shape[1]
    rows = np.flatnonzero(has)
    span = np.zeros(y.shape[0])
    span[rows] = obs_rank[rows, t_len - 1 - last[rows]]
    with np.errstate(invalid="ignore", divide="ignore"):
        adi = np.where(npos > 0, span / np.maximum(npos, 1), 1.0)
    k = np.clip(np.floor(adi + 0.5), 1, max(cap, 1)).astype(np.int64)
    return k, npos > 0


def _adida(
    y: np.ndarray, mask: np.ndarray, k_items: np.ndarray, alpha: float | None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """ADIDA for items with per-item aggregation ``k_items``: (forecast/period, fitted, alpha)."""
    n, t_len = y.shape
    fc = np.zeros(n)
    fitted = np.full((n, t_len), np.nan)
    alpha_out = np.full(n, np.nan)
    for k in np.unique(k_items):
        every = bool((k_items == k).all())
        rows = slice(None) if every else np.flatnonzero(k_items == k)
        ya, ma, r = K.aggregate(y if every else y[rows], mask if every else mask[rows], int(k))
        if ya.shape[1] == 0:
            continue
        cols = K.Columns(ya, ma)
        a = fit_ses_alpha(ya, ma, alpha, cols)
        res = K.ses(ya, ma, a, cols=cols)
        first, _ = K.first_index(ma)
        fa = warmup_nan(fitted_values(res), first) / k
        fitted[rows, r:] = np.repeat(fa, int(k), axis=1)
        fc[rows] = res.state["level"] / k
        alpha_out[rows] = a
    return fc, fitted, alpha_out


class ADIDA(ForecastModel):
    """ADIDA: SES on non-overlapping temporal aggregates, disaggregated evenly.

    Parameters
    ----------
    aggregation : int, optional
        Periods per bucket. ``None`` (default): per item, the average inter-demand
        interval ``ADI`` (observed periods up to the last demand / periods with demand),
        rounded, at most ``max_aggregation``.
    alpha : float in (0, 1), optional
        SES smoothing of the bucket totals; ``None`` (default) optimised per item.
    max_aggregation : int, optional
        Cap of the automatic aggregation level; default half the number of periods (so
        there are at least two buckets).
    alias : str, optional
        Name in results; default ``"adida"``.

    Attributes
    ----------
    aggregation_ : numpy.ndarray of int, shape (n_items,)
        Aggregation level used per item.
    alpha_ : numpy.ndarray, shape (n_items,)
    level_ : numpy.ndarray, shape (n_items,)
        Forecast demand per period (the smoothed bucket total divided by its length).
    fitted_, status_, reason_
        As in :class:`Croston`; ``fitted_`` spreads each bucket's one-step forecast
        evenly over its periods and is NaN up to the end of the first observed bucket.

    Notes
    -----
    Buckets of ``k`` periods are aligned to the end of the history (the first
    ``T mod k`` periods are dropped). A bucket's total is ``k`` times the mean of its
    observed periods (censored periods are not zeros) and it counts as observed when at
    least ``ceil(k / 2)`` of its periods are. SES (initial level = first observed bucket)
    runs on the bucket totals; ``y_hat = l / k`` per period.

    References
    ----------
    Nikolopoulos, K., Syntetos, A.A., Boylan, J.E., Petropoulos, F. & Assimakopoulos, V.
    (2011). An aggregate-disaggregate intermittent demand approach (ADIDA) to
    forecasting. *Journal of the Operational Research Society* 62(3), 544-554.

    Examples
    --------
    >>> from stockout_forecast.forecast import ADIDA, history_from_array
    >>> hist = history_from_array([[0.0, 3.0, 0.0, 1.0, 2.0, 0.0]])
    >>> # buckets of 2: totals 3, 1, 2; SES(0.5) from 3: 3 -> 2 -> 2; 2 / 2 per period
    >>> ADIDA(aggregation=2, alpha=0.5).fit(hist).predict(2)
    array([[1., 1.]])
    """

    _default_alias = "adida"

    def __init__(
        self,
        *,
        aggregation: int | None = None,
        alpha: float | None = None,
        max_aggregation: int | None = None,
        alias: str | None = None,
    ) -> None:
        self.aggregation = aggregation
        self.alpha = alpha
        self.max_aggregation = max_aggregation
        self.alias = alias

    def _check_params(self, freq: str) -> None:
        name = type(self).__name__
        check_fraction_param(self.alpha, "alpha", name)
        if getattr(self, "aggregation", None) is not None:
            int_param(self.aggregation, "aggregation", name)
        if self.max_aggregation is not None:
            int_param(self.max_aggregation, "max_aggregation", name)

    def _levels(self, y: np.ndarray, mask: np.ndarray) -> np.ndarray:
        t_len = y.shape[1]
        cap = max(1, t_len // 2) if self.max_aggregation is None else self.max_aggregation
        cap = min(cap, max(1, t_len))
        k, has = _adi_aggregation(y, mask, cap)
        fixed = getattr(self, "aggregation", None)
        if fixed is not None:
            k = np.full(y.shape[0], min(int(fixed), max(1, t_len)), dtype=np.int64)
            if fixed > t_len:
                self._set_status(
                    self.has_observed_,
                    STATUS_SHORT,
                    f"aggregation {fixed} exceeds the {t_len} periods of history; "
                    f"buckets of {t_len} used",
                )
        self._set_status(
            self.has_observed_ & ~has,
            STATUS_NO_DEMAND,
            "no positive demand in any observed period; forecast is 0",
        )
        return k

    def _fit(self, y: np.ndarray, mask: np.ndarray, history: DemandHistory) -> np.ndarray:
        k = self._levels(y, mask)
        fc, fitted, alpha = _adida(y, mask, k, self.alpha)
        self.aggregation_ = k
        self.alpha_ = alpha
        self.level_ = fc
        return fitted

    def _predict(self, horizon: int) -> np.ndarray:
        return np.repeat(self.level_[:, None], horizon, axis=1)


class IMAPA(ADIDA):
    """IMAPA: the average of ADIDA forecasts over aggregation levels 1 ... K.

    Parameters
    ----------
    alpha : float in (0, 1), optional
        SES smoothing at every level; ``None`` (default) optimised per item and level.
    max_aggregation : int, optional
        Cap of ``K``; default half the number of periods.
    alias : str, optional
        Name in results; default ``"imapa"``.

    Attributes
    ----------
    aggregation_ : numpy.ndarray of int, shape (n_items,)
        Highest aggregation level ``K`` per item: round(ADI), capped.
    level_ : numpy.ndarray, shape (n_items,)
        Forecast demand per period (average over levels).
    fitted_, status_, reason_
        As in :class:`ADIDA` (average of the available levels' fitted values).

    Notes
    -----
    ``y_hat = (1 / K) sum_{k=1..K} ADIDA_k``, each ``ADIDA_k`` as in :class:`ADIDA`
    with buckets of ``k`` periods. ``K = round(ADI)`` with ``ADI`` the average
    inter-demand interval (observed periods up to the last demand / periods with demand),
    so smooth items (``K = 1``) get plain SES.

    References
    ----------
    Petropoulos, F. & Kourentzes, N. (2015). Forecast combinations for intermittent
    demand. *Journal of the Operational Research Society* 66(6), 914-924.

    Examples
    --------
    >>> from stockout_forecast.forecast import IMAPA, history_from_array
    >>> hist = history_from_array([[0.0, 3.0, 0.0, 1.0, 2.0, 0.0]])
    >>> m = IMAPA(alpha=0.5).fit(hist)
    >>> # ADI = 5 / 3 (the last demand is the 5th period) -> levels 1 and 2. k=1: SES(.5)
    >>> # from 0 on 0,3,0,1,2,0 ends at
    >>> # 0.71875; k=2 (see ADIDA): 1.0 per period. Mean: (0.71875 + 1) / 2 = 0.859375
    >>> int(m.aggregation_[0]), m.predict(1).round(4)
    (2, array([[0.8594]]))
    """

    _default_alias = "imapa"

    def __init__(
        self,
        *,
        alpha: float | None = None,
        max_aggregation: int | None = None,
        alias: str | None = None,
    ) -> None:
        self.alpha = alpha
        self.max_aggregation = max_aggregation
        self.alias = alias

    def _fit(self, y: np.ndarray, mask: np.ndarray, history: DemandHistory) -> np.ndarray:
        n, t_len = y.shape
        kmax = self._levels(y, mask)
        total = np.zeros(n)
        count = np.zeros(n)
        fit_sum = np.zeros((n, t_len))
        fit_cnt = np.zeros((n, t_len))
        for k in range(1, int(kmax.max(initial=1)) + 1):
            every = bool((kmax >= k).all())
            rows = slice(None) if every else np.flatnonzero(kmax >= k)
            yk, mk = (y, mask) if every else (y[rows], mask[rows])
            fc, fitted, _ = _adida(yk, mk, np.full(yk.shape[0], k), self.alpha)
            total[rows] += fc
            count[rows] += 1
            ok = np.isfinite(fitted)
            fitted[~ok] = 0.0
            if every:
                fit_sum += fitted
                fit_cnt += ok
            else:
                fit_sum[rows] += fitted
                fit_cnt[rows] += ok
        self.aggregation_ = kmax
        self.level_ = total / np.maximum(count, 1)
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(fit_cnt > 0, fit_sum / np.maximum(fit_cnt, 1), np.nan)

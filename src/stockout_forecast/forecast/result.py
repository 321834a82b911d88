"""The :class:`DemandForecast` result: mean, quantiles and sample paths of future demand."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from .._export import escape_html
from .._utils import RandomStateLike, check_fraction, check_fractions, check_random_state
from ..history.panel import FREQ_ALIASES, DemandHistory, anchor_of, period_labels
from . import _distribution as dist
from . import _sampler
from ._result_json import forecast_fields, forecast_to_dict, quantile_column

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes

__all__ = ["DemandForecast", "quantile_column"]


@dataclass(frozen=True, repr=False, eq=False)
class DemandForecast:
    """Probabilistic demand forecast for many items over the same future periods.

    Attributes
    ----------
    item_ids : numpy.ndarray of str, shape (n_items,)
        Item identifiers; every item of the input, forecastable or not.
    dates : pandas.DatetimeIndex, shape (horizon,)
        Start date of each forecast period (the day; the week's first day; the 1st of the
        month).
    freq : {"D", "W", "M"}
        Period length; ``horizon`` counts periods of it.
    mean : numpy.ndarray of float64, shape (n_items, horizon)
        Expected demand per period, units. NaN for items that could not be forecast (see
        ``status``).
    quantile_levels : tuple of float
        Sorted fractions in (0, 1) held in ``quantiles``.
    quantiles : numpy.ndarray of float64, shape (n_items, n_levels, horizon)
        Quantiles of demand per period, units (integers for count demand; 0 while the
        level is below the probability of no demand).
    model : numpy.ndarray of str, shape (n_items,)
        Alias of the model that produced each item's mean (``"none"`` when not forecast).
    status : pandas.DataFrame
        Indexed by ``item_id``, columns ``status`` (``"ok"``, ``"fallback"``,
        ``"no_history"``, ``"fully_censored"``, ...) and ``reason`` (plain English).
    history : DemandHistory or None
        The history the forecast was made from (for plots), if kept.
    dispersion : numpy.ndarray of float64, shape (n_items,)
        Negative-binomial dispersion ``phi``: ``Var = mean + phi * mean**2`` per period
        (0 = Poisson). For continuous items ``phi`` is the dispersion of the number of
        demand occurrences and ``Var = size_mean * (1 + size_cv2) * mean + phi * mean**2``.
    level_correlation : numpy.ndarray of float64, shape (n_items,)
        Share ``rho`` in [0, 0.95] of the extra-Poisson variance that persists over the
        horizon (correlation of the gamma rates of two periods of one path).
    count : numpy.ndarray of bool, shape (n_items,)
        Integer-valued (count) demand: quantiles and paths are integers. Items with
        decimals in their history (kg, litres, metres) are continuous: a point mass at zero
        plus a continuous positive part (see Notes and :attr:`distribution`).
    size_mean : numpy.ndarray of float64, shape (n_items,)
        Mean size of one demand occurrence of a continuous item, units (1 for count items).
    size_cv2 : numpy.ndarray of float64, shape (n_items,)
        Squared coefficient of variation of the occurrence sizes (0 for count items).
    calibration : str
        How ``dispersion`` and ``level_correlation`` were obtained (``"backtest"``,
        ``"insample"``, ``"given"``).
    n_paths : int
        Default number of paths drawn by :meth:`sample_paths`.
    anchor : str or None
        The history's period anchor (``"W-MON"``, ``"ME"``, ...).
    zero_inflation : numpy.ndarray of float64, shape (n_items,)
        Extra probability of a period without demand, ``pi`` in [0, 1) (0: the plain
        shape). With ``pi > 0`` demand is 0 with probability ``pi`` and otherwise drawn
        from the item's negative binomial (or compound) with mean ``mean / (1 - pi)`` and
        dispersion ``(1 + phi) (1 - pi) - 1``: mean, variance and level covariance stay those
        of ``dispersion`` and ``level_correlation``; more zeros and a positive part further
        out. Chosen per demand class on the backtest (:func:`forecast_demand`, Notes).
    level_correction : numpy.ndarray of float64, shape (n_items,)
        The factor the chosen models' means were multiplied by (1.0: none), one per pool
        of items (unit and volume group), where the backtest showed a consistent bias of
        the means (:func:`forecast_demand`, Notes). Already in ``mean`` and in the whole
        distribution; stated so that the correction can be seen and undone.

    Notes
    -----
    Demand in period ``t`` is negative binomial with mean ``m_t`` and dispersion ``phi``
    (gamma-Poisson mixture). Sample paths draw the gamma rates of one path as
    ``phi * m_t * B * E_t`` with a path-level ``B ~ Beta(1/phi, b)`` and per-period
    ``E_t ~ Gamma(1/phi + b)``: each period's marginal is exactly negative binomial (the
    beta-gamma algebra), while cumulative demand carries the level correlation
    ``rho = b / (1/phi + b + 1)``::

        Var[sum_t D_t] = M + phi * (1 - rho) * sum_t m_t**2 + rho * phi * M**2,  M = sum_t m_t

    With ``zero_inflation`` ``pi > 0`` each period is 0 with probability ``pi`` and
    otherwise drawn from the base above with mean ``m_t / (1 - pi)``, dispersion
    ``phi' = (1 + phi) (1 - pi) - 1`` and level correlation ``rho phi / phi'``: the
    per-period mean and variance and the covariance of two periods are unchanged, so the
    cumulative moments above hold as they are; quantiles, PIT and paths use the mixture.

    References
    ----------
    Kolassa, S. (2016). Evaluating predictive count data distributions in retail sales
    forecasting. *International Journal of Forecasting* 32(3), 788-803.

    Examples
    --------
    >>> import pandas as pd
    >>> fc = DemandForecast.from_mean(
    ...     ["A", "B"], pd.date_range("2024-01-01", periods=3), [[2.0, 2.0, 2.0], [0.5, 0.5, 0.5]]
    ... )
    >>> fc
    <DemandForecast: 2 items, horizon 3 days (D), models: given 2>
    >>> fc.quantiles[0, :, 0]   # Poisson(2): P10, P50, P90
    array([0., 2., 4.])
    >>> fc.sample_paths(4, random_state=0).shape
    (2, 4, 3)
    """

    item_ids: np.ndarray
    dates: pd.DatetimeIndex
    freq: str
    mean: np.ndarray
    quantile_levels: tuple[float, ...]
    quantiles: np.ndarray
    model: np.ndarray
    status: pd.DataFrame
    history: DemandHistory | None = None
    dispersion: np.ndarray = field(default_factory=lambda: np.zeros(0))
    level_correlation: np.ndarray = field(default_factory=lambda: np.zeros(0))
    count: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=bool))
    size_mean: np.ndarray = field(default_factory=lambda: np.zeros(0))
    size_cv2: np.ndarray = field(default_factory=lambda: np.zeros(0))
    calibration: str = "given"
    n_paths: int = 1000
    anchor: str | None = None
    zero_inflation: np.ndarray = field(default_factory=lambda: np.zeros(0))
    level_correction: np.ndarray = field(default_factory=lambda: np.zeros(0))

    def __post_init__(self) -> None:
        n, h = len(self.item_ids), len(self.dates)
        if self.freq not in FREQ_ALIASES:
            raise ValueError(f"freq must be 'D', 'W' or 'M'; got {self.freq!r}.")
        anchor = FREQ_ALIASES[self.freq] if self.anchor is None else anchor_of(self.anchor)
        if anchor[0] != self.freq:
            raise ValueError(
                f"DemandForecast.anchor {self.anchor!r} is not a {self.freq!r} frequency."
            )
        object.__setattr__(self, "anchor", anchor)
        if np.shape(self.mean) != (n, h):
            raise ValueError(
                f"DemandForecast.mean has shape {np.shape(self.mean)}; expected {(n, h)}."
            )
        nq = len(self.quantile_levels)
        if np.shape(self.quantiles) != (n, nq, h):
            raise ValueError(
                f"DemandForecast.quantiles has shape {np.shape(self.quantiles)}; "
                f"expected {(n, nq, h)} (items, quantile levels, horizon)."
            )
        defaults = {
            "dispersion": np.zeros(n),
            "level_correlation": np.zeros(n),
            "count": np.ones(n, dtype=bool),
            "size_mean": np.ones(n),
            "size_cv2": np.zeros(n),
            "zero_inflation": np.zeros(n),
            "level_correction": np.ones(n),
        }
        for name, default in defaults.items():
            value = getattr(self, name)
            arr = np.asarray(value, dtype=default.dtype) if value is not None else default
            if arr.size == 0 and n > 0:
                arr = default
            if arr.shape != (n,):
                raise ValueError(f"DemandForecast.{name} has shape {arr.shape}; expected {(n,)}.")
            object.__setattr__(self, name, arr)
        if len(self.model) != n:
            raise ValueError(f"DemandForecast.model has {len(self.model)} entries; expected {n}.")

    # ------------------------------------------------------------------ basics
    @property
    def n_items(self) -> int:
        """Number of items."""
        return len(self.item_ids)

    @property
    def horizon(self) -> int:
        """Number of forecast periods (of ``freq``: :attr:`horizon_unit`)."""
        return len(self.dates)

    @property
    def horizon_unit(self) -> str:
        """What ``horizon`` counts: ``"days"``, ``"weeks"`` or ``"months"``."""
        return {"D": "days", "W": "weeks", "M": "months"}[self.freq]

    @property
    def labels(self) -> pd.DatetimeIndex:
        """The dates labelling the forecast periods as the history had them (``anchor``).

        The period starts (:attr:`dates`), except month ends for an ``"ME"`` history.
        """
        return period_labels(self.dates, str(self.anchor))

    @property
    def distribution(self) -> np.ndarray:
        """Per item, the kind of predictive distribution: ``"count"`` or ``"continuous"``.

        ``"count"``: integer-valued demand, negative binomial per period (quantiles and
        paths are integers). ``"continuous"``: demand with decimals (kg, litres, metres),
        a point mass at zero plus a continuous positive part.
        """
        return np.where(self.count, "count", "continuous").astype(object)

    @property
    def sizes(self) -> dist.Sizes:
        """The unit of each item (count, or continuous with its occurrence sizes)."""
        return dist.Sizes.of(self.count, self.size_mean, self.size_cv2, self.zero_inflation)

    def _index(self, items: slice | np.ndarray | Sequence[Any] | None) -> np.ndarray:
        """Positions of ``items`` (None, slice, int positions, bool mask or item ids)."""
        n = self.n_items
        if items is None:
            return np.arange(n)
        if isinstance(items, slice):
            return np.arange(n)[items]
        arr = np.asarray(items)
        if arr.dtype == bool:
            if arr.shape != (n,):
                raise ValueError(f"items mask has shape {arr.shape}; expected {(n,)}.")
            return np.flatnonzero(arr)
        if np.issubdtype(arr.dtype, np.integer):
            if arr.size and (arr.min() < -n or arr.max() >= n):
                raise IndexError(f"items positions out of range for {n} items.")
            return np.arange(n)[arr]
        pos = pd.Index(self.item_ids).get_indexer(arr.astype(str))
        if (pos < 0).any():
            from .._utils import format_ids

            missing = arr[pos < 0]
            raise ValueError(
                f"items not in the forecast: {format_ids(missing)}. "
                f"Use ids from DemandForecast.item_ids."
            )
        return pos

    # ------------------------------------------------------------------ distribution
    def interval_coverage(self, actual: np.ndarray, level: float) -> np.ndarray:
        """Share of each actual that falls in the central ``level`` prediction interval.

        Uses the randomised probability integral transform (Czado, Gneiting & Held 2009): the
        PIT of an actual ``y`` is uniform on ``[F(y-), F(y)]`` (``[F(y - 1), F(y)]`` for a
        count; ``[0, P(no demand)]`` for a zero of continuous demand); the value is the
        probability that it falls in the central interval. The mean over many
        observations equals ``level`` exactly when the forecast distribution is calibrated,
        however many zeros the demand has (plain interval coverage of counts overstates
        calibration).

        Parameters
        ----------
        actual : numpy.ndarray, shape (n_items, horizon)
            Observed demand in the forecast periods; NaN where unobserved (censored).
        level : float
            Nominal coverage in (0, 1), e.g. 0.8.

        Returns
        -------
        numpy.ndarray, shape (n_items, horizon)
            Per cell, the PIT mass inside ``[(1 - level) / 2, (1 + level) / 2]``; NaN where
            ``actual`` is NaN. ``np.nanmean`` of it is the observed coverage.
        """
        lv = check_fraction(level, "level")
        y = np.asarray(actual, dtype=float)
        if y.shape != self.mean.shape:
            raise ValueError(
                f"actual has shape {y.shape}; expected {self.mean.shape} (items x horizon)."
            )
        return dist.pit_coverage(
            y, self.mean, self.dispersion, self.sizes, (1 - lv) / 2, (1 + lv) / 2
        )

    def quantile(self, levels: float | Sequence[float]) -> np.ndarray:
        """Quantiles of demand per period at any fractions in (0, 1).

        Parameters
        ----------
        levels : float or sequence of float
            Fractions in (0, 1).

        Returns
        -------
        numpy.ndarray
            Shape (n_items, horizon) for a single level, (n_items, n_levels, horizon) for a
            sequence (levels sorted), units per period.

        Examples
        --------
        >>> fc = DemandForecast.from_mean(["A"], pd.date_range("2024-01-01", periods=2), [[2.0, 8.0]])
        >>> fc.quantile(0.95)
        array([[ 5., 13.]])
        """
        if isinstance(levels, (int, float, np.number)):
            one = (check_fraction(levels, "levels"),)
            return dist.marginal_quantiles(self.mean, self.dispersion, self.sizes, one)[:, 0, :]
        lv = check_fractions(levels, "levels")
        return dist.marginal_quantiles(self.mean, self.dispersion, self.sizes, lv)

    def sample_paths(
        self,
        n_paths: int | None = None,
        *,
        random_state: RandomStateLike = None,
        items: slice | np.ndarray | Sequence[Any] | None = None,
        out: np.ndarray | None = None,
    ) -> np.ndarray:
        """Draw demand paths with the dependence over time that cumulative demand needs.

        Parameters
        ----------
        n_paths : int or None
            Paths per item, >= 1 (default the ``n_paths`` attribute).
        random_state : int, numpy Generator, SeedSequence or None
            Seed; the same ``(random_state, items)`` gives the same paths. Pass one
            Generator to successive calls (e.g. item chunks) for independent draws.
        items : slice, array of positions, bool mask, array of item ids, or None
            Items to draw (default all), in the order given.
        out : numpy.ndarray or None
            C-ordered float64 array of shape ``(n_selected_items, n_paths, horizon)`` to
            fill and return instead of a new array (lets a caller re-use its memory); the
            values are the same either way.

        Returns
        -------
        numpy.ndarray of float64, shape (n_selected_items, n_paths, horizon)
            Units per period; non-negative; integer-valued for count items; NaN for items
            without a forecast (``status`` explains).

        Notes
        -----
        See the class Notes: exact negative-binomial marginals per period, rate
        correlation ``level_correlation`` between periods of a path. Count demand is drawn
        by inversion: a beta level factor ``B`` per path, then each period's negative
        binomial given ``B`` (shape ``a + b``, mean ``(a + b) * phi * m_t * B``) from one
        float32 uniform against its CDF, built by the recurrence
        ``P(k) = P(k - 1) * q * (a + b + k - 1) / k``, ``q = phi m_t B / (1 + phi m_t B)``;
        CDF values carry float32 rounding (below 1e-6), far under any Monte Carlo error.
        About 9 ns a draw instead of about 60 for gamma then Poisson sampling. Items whose
        walk would be very long (means above about 40) draw the gamma rate, then a Poisson
        count. Continuous items draw their number of demand occurrences this way and then
        the demand given that number, ``Gamma(N / size_cv2, size_mean * size_cv2)``.

        References
        ----------
        Devroye, L. (1986). *Non-Uniform Random Variate Generation*. Springer, ch. III.2
        (inversion by sequential search for discrete distributions) and ch. X (discrete
        univariate distributions, the negative binomial as a gamma mixture of Poissons).

        Examples
        --------
        >>> fc = DemandForecast.from_mean(["A"], pd.date_range("2024-01-01", periods=2), [[3.0, 3.0]])
        >>> p = fc.sample_paths(1000, random_state=1)
        >>> bool((p >= 0).all() and (p == p.round()).all()), round(float(p.mean()))
        (True, 3)
        """
        if n_paths is None:
            n_paths = self.n_paths
        if isinstance(n_paths, bool) or int(n_paths) != n_paths or n_paths < 1:
            raise ValueError(f"n_paths must be a positive integer; got {n_paths!r}.")
        rng = check_random_state(random_state)
        pos = self._index(items)
        return _sampler.sample_paths(
            self.mean[pos],
            self.dispersion[pos],
            self.level_correlation[pos],
            self.sizes.take(pos),
            int(n_paths),
            rng,
            out=out,
        )

    def cumulative_quantiles(
        self,
        levels: Sequence[float] = (0.1, 0.5, 0.9),
        *,
        n_paths: int = 2000,
        random_state: RandomStateLike = 0,
        chunk_size: int = 2000,
    ) -> np.ndarray:
        """Quantiles of cumulative demand from the first forecast period through each period.

        Parameters
        ----------
        levels : sequence of float
            Fractions in (0, 1).
        n_paths : int
            Monte Carlo paths per item (default 2000: the standard error of a P90 is about
            ``sqrt(0.9 * 0.1 / 2000) = 0.7`` percentage points of probability).
        random_state : int, Generator or None
            Seed (default 0: the same numbers every call).
        chunk_size : int
            Items simulated at once (memory ``chunk_size * n_paths * horizon * 8`` bytes).

        Returns
        -------
        numpy.ndarray, shape (n_items, n_levels, horizon)
            ``out[i, j, t]``: the ``levels[j]`` quantile of ``sum(D_0..D_t)`` for item
            ``i``, units (the quantile of the path sums, ``numpy.quantile`` method
            "inverted_cdf", so integer for count demand). NaN for items without a forecast.

        Notes
        -----
        The sum of negative binomials with a shared level factor has no closed form, so the
        quantiles are read off :meth:`sample_paths`; the exact mean and variance are
        :meth:`cumulative_moments`.

        Examples
        --------
        >>> fc = DemandForecast.from_mean(["A"], pd.date_range("2024-01-01", periods=2), [[3.0, 3.0]])
        >>> fc.cumulative_quantiles([0.5], n_paths=4000)[0, 0]   # Poisson(3), Poisson(6)
        array([3., 6.])
        """
        lv = np.asarray(check_fractions(levels, "levels"))
        rng = check_random_state(random_state)
        out = np.full((self.n_items, lv.size, self.horizon), np.nan)
        for start in range(0, self.n_items, max(int(chunk_size), 1)):
            sl = slice(start, min(start + int(chunk_size), self.n_items))
            paths = self.sample_paths(n_paths, random_state=rng, items=sl)
            cum = np.cumsum(paths, axis=2)
            q = np.quantile(cum, lv, axis=1, method="inverted_cdf")  # (n_q, items, h)
            out[sl] = q.transpose(1, 0, 2)
        return out

    def cumulative_moments(self) -> tuple[np.ndarray, np.ndarray]:
        """Exact mean and variance of cumulative demand through each period.

        Returns
        -------
        (mean, variance) : tuple of numpy.ndarray, each shape (n_items, horizon)
            Units and units squared.

        Notes
        -----
        ``E[S_t] = M_t = sum_{s<=t} m_s`` and
        ``Var[S_t] = M_t + phi * (1 - rho) * sum_{s<=t} m_s**2 + rho * phi * M_t**2``
        (the first ``M_t`` times ``size_mean * (1 + size_cv2)`` for continuous demand).

        Examples
        --------
        >>> fc = DemandForecast.from_mean(["A"], pd.date_range("2024-01-01", periods=2), [[3.0, 3.0]],
        ...                               dispersion=0.5)
        >>> m, v = fc.cumulative_moments()
        >>> m[0].tolist(), v[0].tolist()   # 3 + 0.5*9 = 7.5; 6 + 0.5*18 = 15
        ([3.0, 6.0], [7.5, 15.0])
        """
        return dist.cumulative_moments(
            self.mean, self.dispersion, self.level_correlation, self.sizes
        )

    # ------------------------------------------------------------------ constructors
    @classmethod
    def from_mean(
        cls,
        item_ids: Sequence[Any] | np.ndarray,
        dates: Sequence[Any] | pd.DatetimeIndex,
        mean: Any,
        *,
        dispersion: float | Sequence[float] | np.ndarray | None = None,
        size_mean: float | Sequence[float] | np.ndarray | None = None,
        size_cv2: float | Sequence[float] | np.ndarray = 1.0,
        freq: str = "D",
        quantile_levels: Sequence[float] = (0.1, 0.5, 0.9),
        zero_inflation: float | Sequence[float] | np.ndarray = 0.0,
    ) -> DemandForecast:
        """A forecast from given means: Poisson, or negative binomial with a dispersion.

        Parameters
        ----------
        item_ids : sequence of str, length n_items
        dates : sequence of dates, length horizon
            Period start dates.
        mean : array-like, shape (n_items, horizon)
            Expected demand per period, units, >= 0.
        dispersion : float, array of shape (n_items,), or None
            ``None``: Poisson. Otherwise ``phi >= 0`` with ``Var = mean + phi * mean**2``.
        size_mean : float, array of shape (n_items,), or None
            ``None``: count demand. Otherwise continuous demand (any unit): demand
            occurrences of this mean size (units, > 0), counted as above, each of a gamma
            size with squared coefficient of variation ``size_cv2``.
        size_cv2 : float or array of shape (n_items,), default 1.0
            For continuous demand, > 0.
        freq : {"D", "W", "M"}
        quantile_levels : sequence of float
            Fractions in (0, 1) to hold in ``quantiles``.
        zero_inflation : float or array of shape (n_items,), default 0.0
            Extra probability of no demand ``pi`` (the attribute ``zero_inflation``), at
            most ``dispersion / (1 + dispersion)``: mean and variance stay as given.

        Returns
        -------
        DemandForecast
            Model ``"given"``, status ``"ok"``, independent periods (``level_correlation``
            0); count demand unless ``size_mean`` is given.

        Examples
        --------
        >>> fc = DemandForecast.from_mean(["A"], ["2024-01-01"], [[4.0]], dispersion=0.25)
        >>> fc.quantiles[0, :, 0]
        array([1., 4., 7.])
        >>> kg = DemandForecast.from_mean(["A"], ["2024-01-01"], [[0.3]], size_mean=1.5)
        >>> kg.distribution.tolist(), kg.quantiles[0, :, 0].round(2)   # P(no demand) = 0.82
        (['continuous'], array([0.  , 0.  , 0.99]))
        """
        ids = np.asarray([str(i) for i in item_ids], dtype=object)
        idx = pd.DatetimeIndex(
            pd.to_datetime(list(dates)) if not isinstance(dates, pd.DatetimeIndex) else dates
        )
        m = np.asarray(mean, dtype=float)
        if m.shape != (len(ids), len(idx)):
            raise ValueError(
                f"mean has shape {m.shape}; expected (n_items, horizon) = {(len(ids), len(idx))}."
            )
        finite = m[np.isfinite(m)]
        if (finite < 0).any():
            raise ValueError("mean must be >= 0 (units per period); found negative values.")
        if dispersion is None:
            phi = np.zeros(len(ids))
        else:
            phi = np.broadcast_to(np.asarray(dispersion, dtype=float), (len(ids),)).copy()
            if not np.isfinite(phi).all() or (phi < 0).any():
                raise ValueError(f"dispersion must be finite and >= 0; got {dispersion!r}.")
        levels = check_fractions(quantile_levels, "quantile_levels")
        n = len(ids)
        if size_mean is None:
            sizes = dist.Sizes.of(np.ones(n, dtype=bool))
        else:
            smean = np.broadcast_to(np.asarray(size_mean, dtype=float), (n,)).copy()
            scv2 = np.broadcast_to(np.asarray(size_cv2, dtype=float), (n,)).copy()
            if not (np.isfinite(smean).all() and (smean > 0).all()):
                raise ValueError(f"size_mean must be finite and > 0 (units); got {size_mean!r}.")
            if not (np.isfinite(scv2).all() and (scv2 > 0).all()):
                raise ValueError(f"size_cv2 must be finite and > 0; got {size_cv2!r}.")
            sizes = dist.Sizes.of(np.zeros(n, dtype=bool), smean, scv2)
        pi = np.broadcast_to(np.asarray(zero_inflation, dtype=float), (n,)).copy()
        cap = dist.zero_inflation_cap(phi, np.zeros(n))
        if not np.isfinite(pi).all() or (pi < 0).any() or (pi > cap + 1e-12).any():
            raise ValueError(
                f"zero_inflation must be >= 0 and at most dispersion / (1 + dispersion) "
                f"(the largest extra mass at zero that keeps the variance); got {zero_inflation!r}."
            )
        sizes = sizes.with_zero(np.minimum(pi, cap))
        q = dist.marginal_quantiles(m, phi, sizes, levels)
        status = pd.DataFrame(
            {"status": "ok", "reason": "mean given by the caller"},
            index=pd.Index(ids, name="item_id", dtype="str"),
        )
        return cls(
            item_ids=ids,
            dates=idx,
            freq=freq,
            mean=m,
            quantile_levels=levels,
            quantiles=q,
            model=np.full(len(ids), "given", dtype=object),
            status=status,
            history=None,
            dispersion=phi,
            level_correlation=np.zeros(len(ids)),
            count=sizes.count,
            size_mean=sizes.mean,
            size_cv2=sizes.cv2,
            calibration="given",
            zero_inflation=sizes.inflation,
        )

    # ------------------------------------------------------------------ conversions
    def to_frame(self) -> pd.DataFrame:
        """Long table: one row per item and forecast period.

        Returns
        -------
        pandas.DataFrame
            Columns ``item_id``, ``date`` (period start), ``model``, ``demand_mean``
            (units), one ``demand_pNN`` column per quantile level (units), ``status``.

        Examples
        --------
        >>> df = DemandForecast.from_mean(["A"], ["2024-01-01"], [[2.0]]).to_frame()
        >>> df.columns.tolist()
        ['item_id', 'date', 'model', 'demand_mean', 'demand_p10', 'demand_p50', 'demand_p90', 'status']
        >>> df.iloc[0, 3:7].tolist()
        [2.0, 0.0, 2.0, 4.0]
        """
        n, h = self.n_items, self.horizon
        status = self.status["status"].reindex(pd.Index(self.item_ids, dtype="str"))
        out = pd.DataFrame(
            {
                "item_id": pd.array(np.repeat(self.item_ids, h), dtype="str"),
                "date": np.tile(self.labels.values, n),
                "model": pd.array(np.repeat(self.model, h), dtype="str"),
                "demand_mean": self.mean.ravel(),
            }
        )
        for j, q in enumerate(self.quantile_levels):
            out[quantile_column(q)] = self.quantiles[:, j, :].ravel()
        out["status"] = pd.array(np.repeat(status.to_numpy(), h), dtype="str")
        return out

    def to_dict(self) -> dict[str, Any]:
        """JSON-able summary: per item its model, status, mean and quantile paths.

        Returns
        -------
        dict
            ``freq``, ``dates`` (ISO strings), ``quantile_levels``, ``calibration``,
            ``n_paths`` and ``items``: a list of dicts with ``item_id``, ``model``,
            ``status``, ``reason``, ``dispersion``, ``level_correlation``, ``demand_mean``
            (list), ``count`` (bool) and one ``demand_pNN`` list per level. NaN becomes
            None. :meth:`from_dict` turns it back into the forecast.

        Examples
        --------
        >>> d = DemandForecast.from_mean(["A"], ["2024-01-01"], [[2.0]]).to_dict()
        >>> d["dates"], d["items"][0]["demand_p90"]
        (['2024-01-01'], [4.0])
        """
        return forecast_to_dict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> DemandForecast:
        """The forecast that :meth:`to_dict` describes (its inverse, e.g. after JSON).

        Parameters
        ----------
        data : mapping
            What :meth:`to_dict` returns (or its JSON, parsed): ``freq``, ``dates``,
            ``quantile_levels``, ``items`` (per item ``item_id``, ``model``, ``status``,
            ``reason``, ``demand_mean``; optional ``dispersion`` and ``level_correlation``,
            default 0, ``count``, default True, ``size_mean`` and ``size_cv2``, default 1
            and 0, and the ``demand_pNN`` lists); optional ``calibration`` (default
            ``"given"``), ``n_paths`` (default 1000) and ``anchor`` (the frequency's anchor,
            e.g. ``"W-SUN"`` or ``"ME"``; ``dates`` are its labels). None stands for NaN.

        Returns
        -------
        DemandForecast
            The same means, quantiles, distribution parameters, models and statuses, so
            the same sample paths for the same seed; ``history`` is None. When the
            ``demand_pNN`` lists are left out, the quantiles are computed from the mean
            and the distribution, as :func:`~stockout_forecast.forecast_demand` computes
            them.

        Raises
        ------
        ValueError
            A key is missing, or an item's list does not have one value per date.

        Examples
        --------
        >>> fc = DemandForecast.from_mean(["A"], ["2024-01-01", "2024-01-02"], [[2.0, 3.0]])
        >>> back = DemandForecast.from_dict(fc.to_dict())
        >>> back.mean.tolist(), back.quantiles[0, :, 1].tolist()
        ([[2.0, 3.0]], [1.0, 3.0, 5.0])
        """
        return cls(**forecast_fields(data))

    # ------------------------------------------------------------------ display
    def plot(
        self,
        item: Any = None,
        *,
        ax: Axes | None = None,
        n_history: int | None = None,
    ) -> Axes:
        """Fan chart of one item: recent history, mean, quantile bands, censored periods shaded.

        Parameters
        ----------
        item : str or None
            Item id (default: the first item with status ``"ok"``).
        ax : matplotlib Axes or None
            Axes to draw on (a new figure when None).
        n_history : int or None
            History periods shown (default ``3 * horizon``, at least 30).

        Returns
        -------
        matplotlib.axes.Axes

        Examples
        --------
        >>> fc = DemandForecast.from_mean(["A"], pd.date_range("2024-01-01", periods=3), [[2.0] * 3])
        >>> fc.plot("A").get_title()
        'Demand forecast for A (model given)'
        """
        import matplotlib.dates as mdates
        import matplotlib.pyplot as plt

        if item is None:
            ok = np.flatnonzero(self.status["status"].reindex(self.item_ids).to_numpy() == "ok")
            pos = int(ok[0]) if ok.size else 0
        else:
            pos = int(self._index(np.asarray([str(item)]))[0])
        if ax is None:
            _, ax = plt.subplots(figsize=(9, 3.5))
        iid = str(self.item_ids[pos])
        if self.history is not None:
            hpos = pd.Index(self.history.item_ids).get_indexer([iid])[0]
            if hpos >= 0:
                n_hist = n_history or max(3 * self.horizon, 30)
                per = self.history.periods[-n_hist:]
                y = self.history.units[hpos, -n_hist:]
                unobs = (self.history.censored | self.history.suspected)[hpos, -n_hist:]
                ax.plot(per, y, color="0.3", lw=1, label="history (units)")
                step = per[1] - per[0] if len(per) > 1 else pd.Timedelta(days=1)
                shaded = False
                starts = np.flatnonzero(unobs & ~np.r_[False, unobs[:-1]])
                ends = np.flatnonzero(unobs & ~np.r_[unobs[1:], False])
                for s, e in zip(starts.tolist(), ends.tolist(), strict=True):
                    ax.axvspan(
                        mdates.date2num(per[s]),
                        mdates.date2num(per[e] + step),
                        color="tab:red",
                        alpha=0.15,
                        lw=0,
                        label=None if shaded else "censored (stockout)",
                    )
                    shaded = True
        levels = np.asarray(self.quantile_levels)
        for j, lo in enumerate(levels):
            hi_j = np.flatnonzero(np.isclose(levels, 1.0 - lo))
            if lo >= 0.5 or not hi_j.size:
                continue
            k = int(hi_j[0])
            ax.fill_between(
                self.dates,
                self.quantiles[pos, j],
                self.quantiles[pos, k],
                color="tab:blue",
                alpha=0.15 + 0.25 * lo,
                lw=0,
                step=None,
                label=f"{round(100 * (1 - 2 * lo))}% interval",
            )
        ax.plot(self.dates, self.mean[pos], color="tab:blue", lw=1.5, label="mean forecast")
        ax.set_title(f"Demand forecast for {iid} (model {self.model[pos]})")
        ax.set_ylabel("units per period")
        ax.legend(loc="upper left", fontsize="small")
        return ax

    def _model_counts(self) -> pd.Series:
        return pd.Series(self.model, dtype="str").value_counts()

    def __repr__(self) -> str:
        counts = self._model_counts()
        shown = ", ".join(f"{k} {v:,}" for k, v in counts.head(5).items())
        more = ", ..." if len(counts) > 5 else ""
        st = self.status["status"] if "status" in self.status else pd.Series(dtype="str")
        flagged = int((st != "ok").sum())
        flag = f", {flagged:,} flagged" if flagged else ""
        unit = self.horizon_unit[:-1] if self.horizon == 1 else self.horizon_unit
        return (
            f"<DemandForecast: {self.n_items:,} items, horizon {self.horizon} {unit} "
            f"({self.anchor}), models: {shown}{more}{flag}>"
        )

    def _level_note(self) -> str:
        """``"; level x1.05-1.30 on 1,234 items"`` when means were corrected, else ``""``."""
        moved = self.level_correction != 1.0
        if not moved.any():
            return ""
        lo, hi = self.level_correction[moved].min(), self.level_correction[moved].max()
        span = f"x{lo:.3g}" if lo == hi else f"x{lo:.3g}-{hi:.3g}"
        return f"; level {span} on {int(moved.sum()):,} items"

    def _repr_html_(self) -> str:
        counts = self._model_counts()
        st = self.status["status"].value_counts() if len(self.status) else pd.Series(dtype=int)
        rows = "".join(
            f"<tr><td>{escape_html(k)}</td><td>{v:,}</td></tr>" for k, v in counts.items()
        )
        srows = "".join(f"<tr><td>{escape_html(k)}</td><td>{v:,}</td></tr>" for k, v in st.items())
        first = self.dates[0].strftime("%Y-%m-%d") if self.horizon else "—"
        return (
            f"<div><b>DemandForecast</b>: {self.n_items:,} items, horizon {self.horizon} "
            f"{escape_html(self.horizon_unit)} ({escape_html(str(self.anchor))}) from {first}; "
            f"quantiles "
            f"{escape_html(', '.join(quantile_column(q) for q in self.quantile_levels))}; "
            f"calibration {escape_html(self.calibration)}{self._level_note()}"
            f"<table><tr><th>model</th><th>items</th></tr>{rows}</table>"
            f"<table><tr><th>status</th><th>items</th></tr>{srows}</table></div>"
        )

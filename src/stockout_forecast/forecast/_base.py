"""The estimator contract shared by every forecasting model (STYLE.md §2).

``__init__`` stores keyword-only parameters and nothing else; ``fit(history)`` learns state
in attributes ending in ``_`` and returns ``self``; ``predict(horizon)`` before ``fit``
raises :class:`~stockout_forecast.exceptions.NotFittedError` (a ``ValueError``).
"""

from __future__ import annotations

import inspect
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from ..exceptions import NotFittedError
from ..history.panel import DemandHistory
from ._kernels import prepare_panel

__all__ = ["DEFAULT_SEASON_LENGTH", "ForecastModel"]

#: natural season length per frequency: day of week, week of year, month of year
DEFAULT_SEASON_LENGTH = {"D": 7, "W": 52, "M": 12}

STATUS_OK = "ok"
STATUS_NO_OBSERVED = "no_observed_periods"
STATUS_SHORT = "short_history"
STATUS_NO_DEMAND = "no_positive_demand"


class ForecastModel:
    """Base class of the forecasting models: parameters, fit/predict contract, status.

    Subclasses implement ``_fit(y, mask, history)`` (setting their learned attributes and
    returning the one-step in-sample forecasts, shape (n_items, n_periods)) and
    ``_predict(horizon)`` (the mean path, shape (n_items, horizon)). The base class does
    the checks, clips means at 0 (count demand cannot be negative), records per-item
    ``status_``/``reason_`` and returns 0 for items without any observed period.

    Notes
    -----
    The contract follows scikit-learn's estimator API (``get_params``/``set_params``, so
    ``type(m)(**m.get_params())`` clones a model); ``alias`` left at ``None`` resolves to a
    name built from the parameters (``Holt(damped=True).alias == "holt_damped"``).

    References
    ----------
    Buitinck, L. et al. (2013). API design for machine learning software: experiences from
    the scikit-learn project. *ECML PKDD Workshop on Languages for Data Mining and Machine
    Learning*, 108-122.

    Examples
    --------
    >>> from stockout_forecast.forecast import SES, history_from_array
    >>> model = SES(alpha=0.5)
    >>> model
    SES(alpha=0.5)
    >>> model.fit(history_from_array([[2.0, 4.0]])).predict(3)  # 2 + 0.5 (4 - 2) = 3
    array([[3., 3., 3.]])
    >>> model.status_frame()
            status reason
    item_id
    item_0      ok
    """

    _default_alias: ClassVar[str] = "model"

    @property
    def has_seasons(self) -> bool:
        """Whether the forecast follows a season of its own (day of week, ...).

        ``forecast_demand`` spreads the daily forecasts of models without seasons over the
        week by each item's day-of-week profile (``weekday_profile=True``).
        """
        return False

    # ------------------------------------------------------------------ parameters
    @classmethod
    def _get_param_names(cls) -> list[str]:
        sig = inspect.signature(cls.__init__)
        return sorted(
            p.name for p in sig.parameters.values() if p.kind is inspect.Parameter.KEYWORD_ONLY
        )

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        """Parameters of this model (scikit-learn API).

        Parameters
        ----------
        deep : bool, default True
            Ignored (no nested estimators); kept for scikit-learn compatibility.

        Returns
        -------
        dict
            Parameter name -> value, as given to ``__init__`` (``alias`` unresolved).
        """
        return {
            name: (self._alias if name == "alias" else getattr(self, name))
            for name in self._get_param_names()
        }

    def set_params(self, **params: Any) -> ForecastModel:
        """Set parameters (scikit-learn API); returns ``self``.

        Raises
        ------
        ValueError
            For a name that is not a parameter of this model.
        """
        valid = self._get_param_names()
        for name, value in params.items():
            if name not in valid:
                raise ValueError(
                    f"{name!r} is not a parameter of {type(self).__name__}; valid: {valid}."
                )
            setattr(self, name, value)
        return self

    @property
    def alias(self) -> str:
        """Name of the model in results (``model`` column); a default built from the parameters."""
        return self._alias if self._alias is not None else self._resolve_alias()

    @alias.setter
    def alias(self, value: str | None) -> None:
        self._alias = value

    def _resolve_alias(self) -> str:
        return self._default_alias

    def __repr__(self) -> str:
        sig = inspect.signature(type(self).__init__)
        parts = []
        for name in self._get_param_names():
            value = self.get_params()[name]
            default = sig.parameters[name].default
            if value is default or (np.isscalar(value) and value == default):
                continue
            parts.append(f"{name}={value!r}")
        return f"{type(self).__name__}({', '.join(parts)})"

    # ------------------------------------------------------------------ contract
    def fit(self, history: DemandHistory) -> ForecastModel:
        """Fit every item of ``history`` at once.

        Parameters
        ----------
        history : DemandHistory
            Demand panel from :func:`stockout_forecast.history.demand.demand_history`. Only its
            observed periods (``history.observed``: active, in stock, not a suspected
            stock-out) are used; censored periods are skipped, not read as zero demand.
            Net negative units are treated as 0 demand. Not modified.

        Returns
        -------
        self
            The fitted model, with ``fitted_``, ``status_``, ``reason_``, ``item_ids_``,
            ``periods_``, ``freq_`` and the model's own learned attributes.
        """
        if not isinstance(history, DemandHistory):
            raise TypeError(
                f"{type(self).__name__}.fit expects a DemandHistory (from "
                f"stockout_forecast.history.demand.demand_history); got {type(history).__name__}."
            )
        if self._alias is not None and (not isinstance(self._alias, str) or not self._alias):
            raise TypeError(f"alias must be a non-empty str or None; got {self._alias!r}.")
        self._check_params(history.freq)
        y, mask = prepare_panel(history.units, history.observed)
        n = y.shape[0]
        self.item_ids_ = np.asarray(history.item_ids)
        self.periods_ = history.periods
        self.freq_ = history.freq
        self.anchor_ = str(history.anchor)
        self.n_periods_ = y.shape[1]
        self.has_observed_ = mask.any(axis=1)
        self.status_ = np.full(n, STATUS_OK, dtype=object)
        self.reason_ = np.full(n, "", dtype=object)
        self._set_status(
            ~self.has_observed_,
            STATUS_NO_OBSERVED,
            "no observed period (no history, or every period censored or a suspected "
            "stock-out); forecast set to 0",
        )
        fitted = np.asarray(self._fit(y, mask, history), dtype=np.float64)
        np.maximum(fitted, 0.0, out=fitted)  # NaN (no forecast) stays NaN
        fitted[~self.has_observed_] = np.nan
        self.fitted_ = fitted
        self.is_fitted_ = True
        return self

    def predict(self, horizon: int) -> np.ndarray:
        """Mean demand per item for the ``horizon`` periods after the history.

        Parameters
        ----------
        horizon : int
            Number of future periods (>= 1), in the history's frequency.

        Returns
        -------
        numpy.ndarray of float64, shape (n_items, horizon)
            Mean demand per period in units, >= 0, finite; 0 for items without any
            observed period (see ``status_``).

        Raises
        ------
        NotFittedError
            When called before :meth:`fit`.
        """
        self._check_fitted()
        if isinstance(horizon, bool) or not isinstance(horizon, (int, np.integer)) or horizon < 1:
            raise ValueError(f"horizon must be an int >= 1 (periods); got {horizon!r}.")
        out = np.asarray(self._predict(int(horizon)), dtype=np.float64)
        out = np.where(np.isfinite(out), np.maximum(out, 0.0), 0.0)
        out[~self.has_observed_] = 0.0
        return out

    def future_periods(self, horizon: int) -> pd.DatetimeIndex:
        """Start dates of the ``horizon`` periods :meth:`predict` forecasts.

        Returns
        -------
        pandas.DatetimeIndex
            The periods following the last period of the fitted history.
        """
        self._check_fitted()
        return _future_periods(self.periods_, self.anchor_, horizon)

    def status_frame(self) -> pd.DataFrame:
        """Per-item ``status`` and ``reason`` as a DataFrame indexed by ``item_id``.

        Returns
        -------
        pandas.DataFrame
            Index ``item_id``; columns ``status`` (``"ok"``, ``"no_observed_periods"``,
            ``"short_history"`` or ``"no_positive_demand"``) and ``reason`` (plain English,
            empty when ok).
        """
        self._check_fitted()
        return pd.DataFrame(
            {"status": self.status_.astype(str), "reason": self.reason_.astype(str)},
            index=pd.Index(self.item_ids_.astype(str), name="item_id"),
        )

    # ------------------------------------------------------------------ helpers
    def _check_fitted(self) -> None:
        if not getattr(self, "is_fitted_", False):
            raise NotFittedError(
                f"This {type(self).__name__} instance is not fitted yet; call "
                f"fit(history) before predict()."
            )

    def _set_status(self, rows: np.ndarray | np.bool_, status: str, reason: str) -> None:
        """Flag ``rows`` (bool mask) with ``status``/``reason``; never overwrite a worse flag."""
        rows = np.asarray(rows, dtype=bool) & (self.status_ == STATUS_OK)
        self.status_[rows] = status
        self.reason_[rows] = reason

    def _season_length(self, value: int | None, freq: str) -> int:
        m = DEFAULT_SEASON_LENGTH[freq] if value is None else value
        if isinstance(m, bool) or not isinstance(m, (int, np.integer)) or m < 1:
            raise ValueError(f"season_length must be an int >= 1 (periods) or None; got {m!r}.")
        return int(m)

    def _check_params(self, freq: str) -> None:
        """Validate parameters against the history's frequency (override as needed)."""

    def _fit(self, y: np.ndarray, mask: np.ndarray, history: DemandHistory) -> np.ndarray:
        raise NotImplementedError

    def _predict(self, horizon: int) -> np.ndarray:
        raise NotImplementedError


def _future_periods(periods: pd.DatetimeIndex, freq: str, horizon: int) -> pd.DatetimeIndex:
    """Starts of the ``horizon`` periods after ``periods`` (``freq``: kind or anchor)."""
    from ..history.panel import future_period_starts

    if len(periods) == 0:
        raise ValueError("the fitted history has no periods; cannot date the forecast.")
    return future_period_starts(periods[-1], freq, horizon)


def check_fraction_param(value: Any, name: str, model: str) -> float | None:
    """``None`` or a float in (0, 1); the message names the model and parameter."""
    if value is None:
        return None
    try:
        v = float(value)
    except (TypeError, ValueError) as err:
        raise ValueError(f"{model}: {name} must be in (0, 1) or None; got {value!r}.") from err
    if not 0.0 < v < 1.0:
        raise ValueError(f"{model}: {name} must be in (0, 1) or None (optimised); got {value!r}.")
    return v


def warmup_nan(fitted: np.ndarray, first: np.ndarray) -> np.ndarray:
    """Set ``fitted[i, :first[i] + 1]`` to NaN in place (periods up to the seeding value)."""
    t = np.arange(fitted.shape[1])
    fitted[t[None, :] <= first[:, None]] = np.nan
    return fitted


def history_from_array(
    units: np.ndarray,
    *,
    start: str | pd.Timestamp = "2024-01-01",
    freq: str = "D",
    censored: np.ndarray | None = None,
    item_ids: list[str] | np.ndarray | None = None,
) -> DemandHistory:
    """Wrap an item x period array of demand as a :class:`DemandHistory`.

    For arrays that do not come from a sales table (simulations, other systems, examples).
    Sales tables go through :func:`stockout_forecast.history.demand.demand_history` instead.

    Parameters
    ----------
    units : array-like of float, shape (n_items, n_periods) or (n_periods,)
        Demand per period in units; NaN marks periods before an item's first activity.
        A 1-D array is one item. Copied, not referenced.
    start : str or pandas.Timestamp, default "2024-01-01"
        Start of the first period (normalised to the period start of ``freq``).
    freq : str, default "D"
        Period: ``"D"``, ``"W"`` (weeks starting Monday), ``"W-MON"`` ... ``"W-SUN"``,
        ``"M"``/``"MS"`` (months, labelled by the 1st) or ``"ME"`` (labelled by the last day).
    censored : array-like of bool, same shape as ``units``, optional
        Periods without stock (demand unobserved). Default: none.
    item_ids : sequence of str, optional
        Item identifiers; default ``"item_0"``, ``"item_1"``, ...

    Returns
    -------
    DemandHistory
        With ``suspected`` all False, ``as_of`` the last day of the last period and a
        ``status`` frame of ``"ok"`` rows.

    Examples
    --------
    >>> from stockout_forecast.forecast import history_from_array
    >>> history_from_array([[1.0, 0.0, 2.0], [0.0, 3.0, 1.0]], freq="W")
    <DemandHistory: 2 items x 3 periods (freq='W-MON', 2024-01-01 to 2024-01-21), 0.0% ...>
    """
    from ..history.panel import anchor_of, future_period_starts, period_starts

    arr = np.array(units, dtype=np.float64, copy=True)
    if arr.ndim == 1:
        arr = arr[None, :]
    if arr.ndim != 2:
        raise ValueError(f"units must be 1-D or 2-D (items x periods); got {arr.ndim} dimensions.")
    anchor = anchor_of(freq)
    n, t = arr.shape
    cens = np.zeros((n, t), dtype=bool) if censored is None else np.array(censored, dtype=bool)
    if cens.ndim == 1:
        cens = cens[None, :]
    if cens.shape != (n, t):
        raise ValueError(f"censored has shape {cens.shape}; expected {(n, t)} like units.")
    ids = np.array(
        [f"item_{i}" for i in range(n)] if item_ids is None else list(item_ids), dtype=str
    )
    if len(ids) != n:
        raise ValueError(f"item_ids has {len(ids)} entries; units has {n} rows.")
    first = period_starts(pd.DatetimeIndex([pd.Timestamp(start)]), anchor)[0]
    nxt = future_period_starts(first, anchor, t)  # the t periods after the first
    periods = pd.DatetimeIndex(pd.DatetimeIndex([first]).append(nxt[: t - 1]) if t else nxt[:0])
    end = (nxt[-1] if t else first) - pd.Timedelta(days=1)
    status = pd.DataFrame(
        {"status": ["ok"] * n, "reason": [""] * n}, index=pd.Index(ids, name="item_id")
    )
    return DemandHistory(
        item_ids=ids,
        periods=periods,
        freq=anchor[0],
        units=arr,
        censored=cens,
        suspected=np.zeros((n, t), dtype=bool),
        as_of=end,
        status=status,
        anchor=anchor,
    )

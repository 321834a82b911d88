"""The model registry: every name that ``forecast_demand(model=...)`` accepts, one line each.

``REGISTRY`` maps a model's alias (the name in results, the ``model`` column) to the class
that implements it and the parameters that make it that model. :func:`make_model` builds
one; :func:`~stockout_forecast.forecast.forecast_demand`, the automatic candidate set
(:func:`~stockout_forecast.forecast.candidate_models`) and the model contract test all read
this table, so a model registered here is selectable by name, can be a candidate and is
checked by the contract test.

Adding a model
--------------
1. Write the class in a new file of ``forecast/models/`` (subclass
   :class:`~stockout_forecast.forecast.ForecastModel`: ``__init__`` stores keyword-only
   parameters; ``_fit(y, mask, history)`` returns one-step in-sample forecasts;
   ``_predict(horizon)`` returns the mean path; set ``_default_alias``).
2. Add one line here: ``"my_model": spec("my_file", "MyModel"),``.

Classes are imported when a model is first built, so the registry costs nothing at import
time (the global model's scikit-learn import included).

Examples
--------
>>> from stockout_forecast.forecast.registry import REGISTRY, make_model
>>> make_model("tsb")
TSB()
>>> make_model("holt_damped").alias
'holt_damped'
>>> make_model("moving_average_long", freq="M")
MovingAverage(alias='moving_average_long', window=12)
>>> "historic_average" in REGISTRY
True
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from typing import Any

__all__ = ["REGISTRY", "ModelSpec", "PerFreq", "make_model", "model_names", "spec"]

_PACKAGE = "stockout_forecast.forecast.models"


@dataclass(frozen=True)
class PerFreq:
    """A parameter value that depends on the history's frequency (``"D"``, ``"W"``, ``"M"``)."""

    daily: Any
    weekly: Any
    monthly: Any

    def resolve(self, freq: str | None) -> Any:
        """The value for ``freq`` (the daily one when ``freq`` is None)."""
        return {"D": self.daily, "W": self.weekly, "M": self.monthly}.get(freq or "D", self.daily)


@dataclass(frozen=True)
class ModelSpec:
    """Where a registered model's class lives and the parameters that define it."""

    module: str
    cls: str
    params: dict[str, Any] = field(default_factory=dict)

    def model_class(self) -> type:
        """The class (imported on first use)."""
        return getattr(importlib.import_module(f"{_PACKAGE}.{self.module}"), self.cls)

    def build(self, alias: str, freq: str | None = None, **overrides: Any) -> Any:
        """An instance with the registered parameters, ``overrides`` on top, named ``alias``."""
        params = {
            k: (v.resolve(freq) if isinstance(v, PerFreq) else v) for k, v in self.params.items()
        }
        params.update(overrides)
        model = self.model_class()(**params)
        if model.alias != alias and "alias" not in overrides:
            model.set_params(alias=alias)
        return model


def spec(module: str, cls: str, **params: Any) -> ModelSpec:
    """One registry entry: class ``cls`` of ``forecast/models/<module>.py`` with ``params``."""
    return ModelSpec(module, cls, params)


#: alias -> model. One line per model; the alias is the name in results.
REGISTRY: dict[str, ModelSpec] = {
    # naive family and long-memory levels
    "naive": spec("naive", "Naive"),
    "seasonal_naive": spec("naive", "SeasonalNaive"),
    "moving_average": spec("naive", "MovingAverage"),
    "moving_average_long": spec("naive", "MovingAverage", window=PerFreq(182, 26, 12)),
    "historic_average": spec("naive", "HistoricAverage"),
    # exponential smoothing
    "ses": spec("smoothing", "SES"),
    "ses_slow": spec("smoothing", "SES", alpha=PerFreq(0.01, 0.03, 0.05)),
    "holt": spec("smoothing", "Holt"),
    "holt_damped": spec("smoothing", "Holt", damped=True),
    "holt_winters_add": spec("smoothing", "HoltWinters"),
    "holt_winters_add_damped": spec("smoothing", "HoltWinters", damped=True),
    "holt_winters_add_notrend": spec("smoothing", "HoltWinters", trend=False),
    "holt_winters_mul_damped": spec("smoothing", "HoltWinters", seasonal="mul", damped=True),
    # intermittent demand
    "croston": spec("intermittent", "Croston"),
    "sba": spec("intermittent", "SBA", alpha=None),
    "tsb": spec("intermittent", "TSB"),
    "adida": spec("intermittent", "ADIDA"),
    "imapa": spec("intermittent", "IMAPA"),
    # global and reference models
    "global_gbm": spec("global_model", "GlobalGBM"),
    "statsmodels_ets": spec("reference", "StatsmodelsETS"),
}


def model_names() -> list[str]:
    """The registered aliases, in registry order."""
    return list(REGISTRY)


def make_model(alias: str, *, freq: str | None = None, **params: Any) -> Any:
    """A new instance of the registered model ``alias``.

    Parameters
    ----------
    alias : str
        A key of :data:`REGISTRY` (``model_names()`` lists them).
    freq : {"D", "W", "M"} or None
        Frequency of the history the model will fit; resolves frequency-dependent
        registered parameters (default: the daily value).
    **params
        Parameters set on top of the registered ones.

    Returns
    -------
    ForecastModel
        Unfitted, with ``alias`` equal to the registry key.

    Raises
    ------
    ValueError
        For a name that is not registered (the message lists the registered ones).
    """
    if not isinstance(alias, str) or alias not in REGISTRY:
        raise ValueError(
            f"unknown model {alias!r}; registered models: {model_names()}. Pass one of "
            "these names, 'auto', or a model instance."
        )
    return REGISTRY[alias].build(alias, freq, **params)

"""The cross-item state of ``forecast_demand`` (private module).

Some steps of the forecast pool over items: the class shrinkage of the selection and its
fallback model, the per-class check of the long-memory fallback, the pooled weekday
profile, the volume groups, pooled dispersions, the size prior, the zero-mass and
unit-variance factors of continuous items, the dispersion scale and the level-variance
factor ``kappa``. The chunked planner computes them once over (a sample of) all items and hands them to the
forecast of every chunk (:class:`ForecastPool`), so that a chunk gets the forecasts one
run over all items gives it. Each step asks a :class:`Pooled` for its value by key: the
given pool's value when it has one, else the value computed over the items at hand; every
value used is recorded in ``Pooled.made``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

__all__: list[str] = []


@dataclass
class ForecastPool:
    """The cross-item state of :func:`~stockout_forecast.forecast.forecast_demand`.

    ``values`` maps a key naming a pooled step (``("gmeans", windows, models)``,
    ``("gate",)``, ``("weekday", window)``, ``"volume_edges"``, ``"dispersion"``,
    ``"size_prior"``, ``"zero_mass"``, ``"unit_variance"``, ``"dispersion_scale"``,
    ``"kappa"``, ...) to its value. Small: a few numbers per demand class, volume group, window and model.
    """

    values: dict[Any, Any] = field(default_factory=dict)

    def __repr__(self) -> str:
        return f"ForecastPool({len(self.values)} pooled values)"


class Pooled:
    """Pooled values of one forecast run: from ``given`` where it has them, else computed."""

    def __init__(self, given: ForecastPool | None = None) -> None:
        self.given = given
        self.made = ForecastPool()

    def known(self, key: Any) -> Any:
        """The given pool's value for ``key`` (None when there is none)."""
        return None if self.given is None else self.given.values.get(key)

    def take(self, key: Any, compute: Callable[[], Any]) -> Any:
        """The given value for ``key``, else ``compute()``; recorded either way."""
        value = self.known(key)
        if value is None:
            value = compute()
        self.made.values[key] = value
        return value

    def put(self, key: Any, value: Any) -> None:
        """Record a value computed by the step itself."""
        self.made.values[key] = value

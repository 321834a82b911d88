"""The HTTP service: forecasts, live availability, promise dates and notices over HTTP.

Needs the optional extra ``service`` (``pip install "stockout_forecast[service]"``: FastAPI,
uvicorn, SQLAlchemy). Start it with ``stockout-forecast serve --db sqlite:///shop.db``; see
:func:`create_app` for use from Python (e.g. under another ASGI server).

Modules: :mod:`.store` (the database: contract tables, event log, item states, keys),
:mod:`.events` (what each event changes), :mod:`.state` (per-item re-plan and the nightly
plan), :mod:`.lane` (the background re-plan queue), :mod:`.keys` (API keys),
:mod:`.tables` (tables in requests and their errors), :mod:`.stateless` (forecast, stockout
dates, reorder), :mod:`.views` (availability and promises), :mod:`.app` (routes),
:mod:`.cli` (the ``serve``, ``keys`` and ``plan`` subcommands).
"""

from __future__ import annotations

from typing import Any

from .settings import ServiceSettings

__all__ = ["ServiceSettings", "create_app"]


def create_app(settings: ServiceSettings | None = None, **kwargs: Any) -> Any:
    """Build the FastAPI app (see :func:`stockout_forecast.service.app.create_app`)."""
    try:
        from .app import create_app as _create
    except ImportError as err:  # pragma: no cover - depends on the environment
        raise ImportError(
            'The HTTP service needs FastAPI and uvicorn: pip install "stockout_forecast[service]"'
        ) from err
    return _create(settings, **kwargs)

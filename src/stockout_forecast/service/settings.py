"""Settings of the HTTP service (one frozen dataclass; the CLI fills it from its options)."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["ServiceSettings"]


@dataclass(frozen=True)
class ServiceSettings:
    """What the service does and how much it accepts.

    Attributes
    ----------
    db_url : str
        SQLAlchemy URL of the store (``sqlite:///shop.db`` by default).
    require_write_key : bool, default True
        Writes (events, promises) need an API key with the ``write`` scope.
    require_read_key : bool, default False
        Reads need a key with the ``read`` (or ``write``) scope too.
    cors_origins : tuple of str
        Origins allowed by CORS; empty (the default) sends no CORS headers at all.
    max_body_bytes : int, default 5_000_000
        Largest request body accepted, in bytes (413 beyond).
    max_items : int, default 2_000
        Most items in one stateless request (forecast, stockout dates, reorder) or one
        availability query.
    max_events : int, default 1_000
        Most events in one request.
    max_cells : int, default 20_000_000
        Most items x paths x periods one stateless request may simulate.
    replan_workers : int, default 1
        Worker processes that re-plan items after events, each with its own cache and its
        own interpreter (so the re-plans do not wait for the server's requests); 0: a
        thread of the server re-plans in its own process (tests, embedding).
    replan_batch_items : int, default 256
        Most items re-planned together (one vectorised run of the planner's stages).
    replan_paths_mb : float, default 256
        Memory each re-planning process may use to keep the demand paths it drew (per seed
        block of 64 items: 64 x ``n_paths`` x 90 days x 8 bytes, 23 MB with 500 paths); a
        block kept is not drawn again until the planning date moves or a new full plan.
    replan_warm : bool, default True
        Fill the re-plan cache (history rows, demand paths) of every item after the start,
        while no event waits (each worker process its own).
    fast_updates : bool, default False
        After an event, update the item's velocity, stockout dates, order-by date and
        reorder point at once, in a worker of their own, ahead of its re-plan
        (:mod:`~stockout_forecast.service.fast`; with ``replan_workers=0`` a thread). Off by
        default: on two cores it brought those figures sooner on a busy machine but later
        at ~100 events/s on a quiet one (see ``benchmarks/README.md``).
    forecast_max_age_days : int, default 7
        Days after the planning date of its last full plan that an item's stored forecast
        is still used by the re-plans after events (on its days still ahead); older, the
        item is re-forecast on its own history.
    wait_seconds : float, default 10
        How long an event request waits for its items' new state before answering with
        ``"state": "pending"`` (the event is committed either way).
    random_state : int, default 0
        Seed of every plan the service makes (per item: this and the item id).
    n_paths : int, default 500
        Demand sample paths per item.
    service_level : float, default 0.95
        Target cycle service level for items without one in the items table.
    promise : {"p50", "p90"}, default "p90"
        Which date is promised to customers.
    low_stock_units : float, default 5
        Free units below which an item shows "low stock".
    incentive : str, default "a 5% discount"
        What a customer is offered for waiting.
    """

    db_url: str = "sqlite:///shop.db"
    require_write_key: bool = True
    require_read_key: bool = False
    cors_origins: tuple[str, ...] = ()
    max_body_bytes: int = 5_000_000
    max_items: int = 2_000
    max_events: int = 1_000
    max_cells: int = 20_000_000
    replan_workers: int = 1
    replan_batch_items: int = 256
    replan_paths_mb: float = 256.0
    replan_warm: bool = True
    fast_updates: bool = False
    forecast_max_age_days: int = 7
    wait_seconds: float = 10.0
    random_state: int = 0
    n_paths: int = 500
    service_level: float = 0.95
    promise: str = "p90"
    low_stock_units: float = 5.0
    incentive: str = "a 5% discount"

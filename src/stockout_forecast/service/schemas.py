"""Request and response models of the HTTP API (they make the OpenAPI document)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from .events import (
    CustomerOrderEvent,
    Id,
    PurchaseOrderEvent,
    ReceiptEvent,
    SaleEvent,
    StockCountEvent,
)

Scalar = str | float | int | bool | None
Record = dict[str, Scalar]
TableIn = Annotated[
    list[Record] | str,
    Field(
        description="The table as a list of JSON records (the data contract's column names as "
        "keys) or as CSV text with a header line. Rows are numbered from 1 in errors."
    ),
]
ColumnMaps = Annotated[
    dict[str, dict[str, str]] | None,
    Field(
        description="Your column names mapped to the contract's, per table, e.g. "
        '{"sales": {"SKU": "item_id", "Qty": "units"}}.'
    ),
]
Rows = list[dict[str, Any]]


class _Request(BaseModel):
    model_config = ConfigDict(extra="forbid")


# ------------------------------------------------------------------------- stateless
class ForecastRequest(_Request):
    """Demand history in, quantiles per item and period out."""

    sales: TableIn
    stock_history: TableIn | None = None
    freq: Literal["D", "W", "M"] = Field("D", description="Period: day, week or month.")
    horizon: int = Field(28, ge=1, le=366, description="Periods to forecast.")
    quantiles: list[Annotated[float, Field(gt=0, lt=1)]] = Field(
        [0.1, 0.5, 0.9], min_length=1, max_length=9, description="Quantile levels (fractions)."
    )
    model: str = Field(
        "auto",
        max_length=40,
        description="'auto' (chosen per item by backtest) or one model alias: ses, "
        "holt_damped, moving_average, holt_winters_add_notrend, seasonal_naive, sba, tsb, "
        "imapa, adida.",
    )
    as_of: dt.date | None = Field(None, description="Last day of history; default the last sale.")
    random_state: int = Field(0, ge=0, le=2**32 - 1)
    column_maps: ColumnMaps = None


class ForecastItem(BaseModel):
    """Per item: the model used, its status and the reason."""

    item_id: str
    model: str
    status: str
    reason: str | None = None


class ForecastResponse(BaseModel):
    """Quantiles per item and period, with each item's model and status."""

    frequency: str = Field(description="Period of the forecast: D, W or M.")
    as_of: str | None
    quantile_levels: list[float]
    items: list[ForecastItem] = Field(description="One per item: model, status and reason.")
    forecast: Rows = Field(
        description="One row per item and period: item_id, date (period start), model, "
        "demand_mean and one demand_pNN column per quantile level (units), status."
    )
    notes: list[str]


class StockoutRequest(_Request):
    """History and stock in, the stockout-date distribution per item out."""

    sales: TableIn
    inventory: TableIn
    stock_history: TableIn | None = None
    purchase_orders: TableIn | None = None
    suppliers: TableIn | None = None
    horizon: int = Field(90, ge=1, le=366, description="Days to simulate.")
    n_paths: int = Field(500, ge=50, le=5000, description="Demand paths per item.")
    as_of: dt.date | None = None
    random_state: int = Field(0, ge=0, le=2**32 - 1)
    include_curves: bool = Field(False, description="Also return P(stockout by day t) per item.")
    column_maps: ColumnMaps = None


class StockoutResponse(BaseModel):
    """The stockout-date distribution per item."""

    as_of: str | None
    n_paths: int
    items: Rows = Field(
        description="One row per item: stockout_date_p10/p50/p90, p_stockout_in_horizon, "
        "days_of_cover, status, reason, ..."
    )
    curves: Rows | None = Field(None, description="item_id, date, p_stockout (when asked).")
    notes: list[str]


class ReorderRequest(_Request):
    """History, stock and suppliers in, what to order from whom by when out."""

    sales: TableIn
    inventory: TableIn
    suppliers: TableIn
    stock_history: TableIn | None = None
    purchase_orders: TableIn | None = None
    items: TableIn | None = None
    service_level: float = Field(0.95, gt=0, lt=1)
    review_period_days: float = Field(7.0, gt=0, le=365)
    n_paths: int = Field(500, ge=50, le=5000)
    as_of: dt.date | None = None
    random_state: int = Field(0, ge=0, le=2**32 - 1)
    column_maps: ColumnMaps = None


class ReorderResponse(BaseModel):
    """Order recommendations and the supplier split of the orders to place now."""

    as_of: str | None
    orders: Rows = Field(
        description="One row per item (recommend_orders): order_now, order_units, "
        "supplier_id, order_by_date, expected_arrival_date, reorder_point_units, status, reason."
    )
    purchase_order_lines: Rows = Field(
        description="Supplier split of the orders to place now: item_id, supplier_id, units, ..."
    )
    notes: list[str]


# ------------------------------------------------------------------------- events
def _batch(model: type[BaseModel], name: str) -> type[BaseModel]:
    return type(
        name,
        (_Request,),
        {
            "__annotations__": {"events": list[model]},  # type: ignore[valid-type]
            "events": Field(min_length=1, description="Events, applied in this order."),
            "__doc__": f"A batch of {model.__name__} (idempotency key: event_id).",
        },
    )


SalesBatch = _batch(SaleEvent, "SalesBatch")
ReceiptsBatch = _batch(ReceiptEvent, "ReceiptsBatch")
StockCountsBatch = _batch(StockCountEvent, "StockCountsBatch")
PurchaseOrdersBatch = _batch(PurchaseOrderEvent, "PurchaseOrdersBatch")
CustomerOrdersBatch = _batch(CustomerOrderEvent, "CustomerOrdersBatch")


class EventResult(BaseModel):
    """What became of one event."""

    event_id: str
    item_id: str
    status: Literal["applied", "duplicate", "conflict"]
    seq: int = Field(description="Position of the event in the store's log.")
    note: str = ""


class ItemProgress(BaseModel):
    """Whether an item's state already includes the events of the request."""

    item_id: str
    event_seq: int
    state: Literal["current", "pending"] = Field(
        description="current: GET /v1/items/{id} shows this event's effect; pending: it will "
        "shortly (the event is stored either way)."
    )


class EventsResponse(BaseModel):
    """The outcome of an event batch."""

    applied: int
    duplicates: int
    conflicts: int
    results: list[EventResult]
    items: list[ItemProgress]


# ------------------------------------------------------------------------- state
class Availability(BaseModel):
    """What the shop page shows for an item; with ``units``, a quote."""

    item_id: str
    status: Literal["in_stock", "low_stock", "backorder", "unavailable", "unknown"]
    message: str = Field(description="The text to show on the shop page.")
    units_available: float | None = Field(None, description="Free units in stock now.")
    next_available_date: str | None = Field(None, description="Backorder: ships by this date.")
    next_available_units: float | None = None
    units_requested: float | None = None
    units_ship_now: float | None = Field(None, description="Of the units asked for.")
    ships_by_date_p50: str | None = Field(None, description="All units asked for, median date.")
    ships_by_date_p90: str | None = Field(None, description="All units asked for, 90% sure.")
    as_of: str | None = None
    event_seq: int | None = Field(
        None, description="Last event folded into the item's re-planned state."
    )
    fast_seq: int | None = Field(
        None,
        description="Last event folded into the item's fast-updated figures (velocity, "
        "stockout dates, order-by date, reorder point), when later than event_seq.",
    )
    reason: str | None = None


class AvailabilityResponse(BaseModel):
    """Availability per item asked for, in the order asked."""

    items: list[Availability]


class ItemState(BaseModel):
    """Everything the service knows about an item, from one computation."""

    model_config = ConfigDict(extra="allow")

    item_id: str
    as_of: str | None
    event_seq: int = Field(description="Last event folded into this state.")
    computed_at: str
    source: Literal["plan", "event"]
    status: str | None
    reason: str | None
    description: str | None = None
    stock: dict[str, Any]
    velocity: dict[str, Any]
    cover: dict[str, Any]
    forecast_model: str | None = None
    stockout: dict[str, Any]
    reorder: dict[str, Any]
    availability: dict[str, Any]
    supply: Rows
    lines: Rows
    notices: Rows
    notes: list[str]
    provisional: bool = Field(
        False,
        description="True: stock and availability include events that the rest (velocity, "
        "stockout dates, orders, promise dates) does not yet; the item's re-plan follows.",
    )
    replan_status: Literal["current", "fast"] = Field(
        "current",
        description="fast: the fields listed in fast.fields include events the re-plan "
        "(event_seq) does not yet; those in fast.pending keep the re-plan's values until it "
        "follows. current: every figure is the re-plan's.",
    )
    fast: dict[str, Any] | None = Field(
        None,
        description="The fast update: event_seq, computed_at, fields (part -> column -> "
        "value) and pending (what only the re-plan states).",
    )


class ItemsPage(BaseModel):
    """One page of items."""

    total: int
    items: list[dict[str, Any]] = Field(
        description="Per item: item_id, status, on_hand_units, availability, order_now, "
        "order_units, order_by_date, stockout_date_p50."
    )


class PromiseRequest(_Request):
    """Options of a promise."""

    incentive: Annotated[str, Field(max_length=200)] | None = Field(
        None, description="What the customer gets for waiting, e.g. 'a 5% discount'."
    )


class PromiseLine(BaseModel):
    """The promise for one open line."""

    line_id: str
    item_id: str
    units: float
    units_ship_now: float
    promised_date_p50: str | None
    promised_date_p90: str | None
    promised_date: str | None
    status: str
    reason: str | None = None


class PromiseOption(BaseModel):
    """One option to offer the customer."""

    option: Literal["wait", "partial_shipment", "cancel"]
    description: str
    ships_now_units: float | None = None
    complete_by: str | None = None


class PromiseResponse(BaseModel):
    """Promise dates for an order, what ships now and the options."""

    order_id: str
    customer_id: str | None
    as_of: str | None
    promised_date: str | None = Field(
        description="Date the whole order ships by (None: part of it has no date yet)."
    )
    promised_date_p50: str | None
    units_ship_now: float
    lines: list[PromiseLine]
    options: list[PromiseOption]
    payment: str


class NoticesResponse(BaseModel):
    """Customer lines to contact."""

    total: int
    notices: Rows = Field(
        description="Lines whose date slipped or can no longer be promised: customer_id, "
        "order_id, line_id, item_id, units, units_ship_now, old_promised_date, "
        "new_promised_date, days_slipped, notice, reason, options."
    )


class Health(BaseModel):
    """Liveness and size of the store."""

    status: str
    version: str
    as_of: str | None
    items: int
    events: int
    replan_backlog: int
    replan_warming: int = Field(
        0, description="Items whose re-plan cache is still being filled after the start."
    )
    ready: bool = Field(
        True,
        description="The re-plan workers are up and their caches filled: an event's item is "
        "re-planned at its steady cost.",
    )


class ErrorResponse(BaseModel):
    """Every error: what, where (table, column, 1-based rows) and the fix."""

    error: str
    message: str
    table: str | None = None
    column: str | None = None
    rows: list[int] | None = None
    fix: str | None = None
    errors: list[dict[str, Any]] | None = None


ID_PARAM = Id

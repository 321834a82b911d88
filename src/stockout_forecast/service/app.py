"""The FastAPI application: routes, security, limits and error answers.

``create_app(settings)`` builds the app over a store (:mod:`.store`); ``stockout-forecast
serve`` runs it with uvicorn. The OpenAPI document is at ``/openapi.json``, the interactive
docs at ``/docs``.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Annotated, Any

import sqlalchemy as sa
from fastapi import Body, Depends, FastAPI, Query, Request, Security
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.security import APIKeyHeader
from starlette.exceptions import HTTPException as StarletteHTTPException

import stockout_forecast as sof

from . import stateless
from .events import EVENT_MODELS, apply_events, line_owner_conflicts
from .keys import verify_key
from .lane import ReplanLane
from .limits import BodyLimit
from .schemas import (
    Availability,
    AvailabilityResponse,
    CustomerOrdersBatch,
    ErrorResponse,
    EventsResponse,
    ForecastRequest,
    ForecastResponse,
    Health,
    ItemsPage,
    ItemState,
    NoticesResponse,
    PromiseRequest,
    PromiseResponse,
    PurchaseOrdersBatch,
    ReceiptsBatch,
    ReorderRequest,
    ReorderResponse,
    SalesBatch,
    StockCountsBatch,
    StockoutRequest,
    StockoutResponse,
)
from .settings import ServiceSettings
from .store import CONTRACT_TABLES, Store, utcnow
from .tables import RequestError
from .views import availability_of, promise_answer

__all__ = ["create_app"]

log = logging.getLogger("stockout_forecast.service")

API_KEY = APIKeyHeader(
    name="X-API-Key",
    auto_error=False,
    description="API key from `stockout-forecast keys add --db URL --scope write` (or read).",
)

_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorResponse, "description": "No API key, or an unknown or revoked one."},
    403: {"model": ErrorResponse, "description": "The key lacks the scope this call needs."},
    413: {"model": ErrorResponse, "description": "Request body or item count over the limit."},
    422: {"model": ErrorResponse, "description": "Invalid input: table, column, rows and fix."},
}


def _auth(scope: str) -> Callable[..., None]:
    def check(request: Request, key: Annotated[str | None, Security(API_KEY)] = None) -> None:
        settings: ServiceSettings = request.app.state.settings
        needed = settings.require_write_key if scope == "write" else settings.require_read_key
        if not needed:
            return
        if not key:
            raise RequestError(
                f"This call needs an API key with the '{scope}' scope in the X-API-Key header.",
                fix=f"Create one with: stockout-forecast keys add --db URL --scope {scope}",
                status_code=401,
                error="missing_api_key",
            )
        got = verify_key(request.app.state.store, key)
        if got is None:
            raise RequestError(
                "The API key is not valid (unknown, mistyped or revoked).",
                fix="Send the whole key printed by 'stockout-forecast keys add'.",
                status_code=401,
                error="invalid_api_key",
            )
        if scope == "write" and got != "write":
            raise RequestError(
                "This call writes to the store and needs a key with the 'write' scope; this "
                "key has the 'read' scope.",
                fix="Use a write key: stockout-forecast keys add --db URL --scope write",
                status_code=403,
                error="insufficient_scope",
            )

    return check


READ = [Depends(_auth("read"))]
WRITE = [Depends(_auth("write"))]


def _store(request: Request) -> Store:
    store: Store = request.app.state.store
    return store


# --------------------------------------------------------------------------- handlers
def _validation_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errs = []
    for e in exc.errors():
        if e.get("type") == "json_invalid":
            pos = next((x for x in e.get("loc", ()) if isinstance(x, int)), None)
            return JSONResponse(
                {
                    "error": "invalid_json",
                    "message": f"The request body is not valid JSON (error at character {pos}).",
                    "fix": "Send one JSON object with Content-Type: application/json; /docs "
                    "shows an example for each call.",
                },
                status_code=422,
            )
        loc = [x for x in e.get("loc", ()) if x not in ("body", "query", "path")]
        table = str(loc[0]) if loc and isinstance(loc[0], str) else None
        rows = [loc[1] + 1] if len(loc) > 1 and isinstance(loc[1], int) else None
        column = next((str(x) for x in loc[2:] if isinstance(x, str)), None) if rows else None
        if column is None and len(loc) > 1 and isinstance(loc[-1], str) and not rows:
            column = str(loc[-1])
        where = ".".join(str(x) for x in loc) or "body"
        errs.append(
            {
                "table": table,
                "column": column,
                "rows": rows,
                "message": f"{where}: {e.get('msg', 'invalid')}",
            }
        )
    first = errs[0] if errs else {"message": "invalid request"}
    body = {
        "error": "invalid_input",
        "message": "; ".join(str(x["message"]) for x in errs[:5])
        + (f" (and {len(errs) - 5} more)" if len(errs) > 5 else ""),
        "table": first.get("table"),
        "column": first.get("column"),
        "rows": first.get("rows"),
        "fix": "Correct the fields named above; GET /openapi.json (or /docs) shows what each "
        "field takes.",
        "errors": errs[:50],
    }
    return JSONResponse(body, status_code=422)


def _request_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestError)
    headers = {"WWW-Authenticate": "X-API-Key"} if exc.status_code == 401 else None
    return JSONResponse(exc.detail, status_code=exc.status_code, headers=headers)


def _http_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    names = {404: "not_found", 405: "method_not_allowed", 413: "too_large"}
    return JSONResponse(
        {"error": names.get(exc.status_code, "http_error"), "message": str(exc.detail)},
        status_code=exc.status_code,
        headers=getattr(exc, "headers", None),
    )


def _internal_error(_: Request, exc: Exception) -> JSONResponse:
    ref = uuid.uuid4().hex[:12]
    log.error("internal error %s", ref, exc_info=exc)
    return JSONResponse(
        {
            "error": "internal_error",
            "message": f"The service could not answer this request (reference {ref}); the "
            "details are in its log.",
        },
        status_code=500,
    )


# --------------------------------------------------------------------------- app
def create_app(settings: ServiceSettings | None = None, *, store: Store | None = None) -> FastAPI:
    """The FastAPI app over the store of ``settings.db_url`` (or ``store``)."""
    settings = settings or ServiceSettings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.lane.start()
        try:
            yield
        finally:
            app.state.lane.stop()

    app = FastAPI(
        title="stockout_forecast service",
        version=sof.__version__,
        description=(
            "Forecasts, stockout dates and reorder recommendations over HTTP, and a live store "
            "of the shop's stock: events in (sales, receipts, stock counts, purchase orders, "
            "customer orders), availability, promise dates and notices out. Writes need an "
            "API key with the write scope in the X-API-Key header (`stockout-forecast keys "
            "add --db URL --scope write`). Errors are JSON: error, message, table, column, "
            "rows (1-based) and fix."
        ),
        lifespan=lifespan,
        responses=_ERRORS,
        docs_url=None,
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.store = store if store is not None else Store(settings.db_url)
    app.state.lane = ReplanLane(app.state.store, settings)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(RequestError, _request_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(Exception, _internal_error)
    if settings.cors_origins:
        from fastapi.middleware.cors import CORSMiddleware

        app.add_middleware(
            CORSMiddleware,
            allow_origins=list(settings.cors_origins),
            allow_methods=["GET", "POST"],
            allow_headers=["X-API-Key", "Content-Type"],
        )
    app.add_middleware(BodyLimit, max_bytes=settings.max_body_bytes)
    _docs_route(app)
    _stateless_routes(app)
    _event_routes(app)
    _state_routes(app)
    _shop_routes(app)
    return app


def _docs_route(app: FastAPI) -> None:
    """/docs from the Swagger UI files installed with the package: it opens offline."""
    from fastapi.openapi.docs import get_swagger_ui_html
    from fastapi.responses import HTMLResponse

    try:
        from swagger_ui_bundle import swagger_ui_path
    except ImportError:  # pragma: no cover - the service extra installs it
        swagger_ui_path = None
    if swagger_ui_path is not None:
        from starlette.staticfiles import StaticFiles

        app.mount("/docs-assets", StaticFiles(directory=swagger_ui_path), name="docs-assets")
        js, css, icon = (
            "/docs-assets/swagger-ui-bundle.js",
            "/docs-assets/swagger-ui.css",
            "/docs-assets/favicon-32x32.png",
        )
    else:  # pragma: no cover
        js = "https://cdn.jsdelivr.net/npm/swagger-ui-dist@5/swagger-ui-bundle.js"
        css = "https://cdn.jsdelivr.net/npm/swagger-ui-dist@5/swagger-ui.css"
        icon = ""

    @app.get("/docs", include_in_schema=False)
    def docs() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url="/openapi.json",
            title=f"{app.title} - docs",
            swagger_js_url=js,
            swagger_css_url=css,
            swagger_favicon_url=icon,
        )


_CSV_BODY = {
    "requestBody": {
        "content": {
            "text/csv": {
                "schema": {"type": "string"},
                "example": "item_id,date,units\nA,2024-03-01,3\nA,2024-03-02,0\n",
            }
        }
    }
}


def _stateless_routes(app: FastAPI) -> None:
    @app.post(
        "/v1/forecast",
        response_model=ForecastResponse,
        dependencies=READ,
        tags=["stateless"],
        openapi_extra=_CSV_BODY,
        summary="Forecast demand: quantiles per item and period",
    )
    def forecast(
        request: Request,
        body: Annotated[ForecastRequest | str, Body()],
        freq: Annotated[str | None, Query(pattern="^[DWM]$", description="CSV body only")] = None,
        horizon: Annotated[int | None, Query(ge=1, le=366, description="CSV body only")] = None,
        model: Annotated[str | None, Query(max_length=40, description="CSV body only")] = None,
    ) -> dict[str, Any]:
        """Forecast demand per item and period.

        History as JSON (the `sales` field: records or CSV text) or a `text/csv` body (the
        sales table; options as query parameters).
        """
        if isinstance(body, str):
            opts = {k: v for k, v in (("freq", freq), ("horizon", horizon), ("model", model)) if v}
            body = ForecastRequest(sales=body, **opts)  # type: ignore[arg-type]
        return stateless.forecast(body, request.app.state.settings)

    @app.post(
        "/v1/stockout-dates",
        response_model=StockoutResponse,
        dependencies=READ,
        tags=["stateless"],
        summary="Stockout-date distribution per item",
    )
    def stockout_dates(request: Request, body: StockoutRequest) -> dict[str, Any]:
        """P10/P50/P90 stockout dates from simulated demand paths, given stock and open POs."""
        return stateless.stockouts(body, request.app.state.settings)

    @app.post(
        "/v1/reorder",
        response_model=ReorderResponse,
        dependencies=READ,
        tags=["stateless"],
        summary="What to order now, from whom, by when",
    )
    def reorder(request: Request, body: ReorderRequest) -> dict[str, Any]:
        """Order recommendations per item and the supplier split of the orders to place now."""
        return stateless.reorder(body, request.app.state.settings)


def _post_events(request: Request, kind: str, events: list[Any], wait: bool) -> dict[str, Any]:
    settings: ServiceSettings = request.app.state.settings
    store = _store(request)
    if len(events) > settings.max_events:
        raise RequestError(
            f"{len(events):,} events in one request; this service takes at most "
            f"{settings.max_events:,}.",
            table="events",
            status_code=413,
            error="too_many_events",
            fix="Send the events in several requests.",
        )
    today = utcnow().date()
    late = [
        i
        for i, e in enumerate(events, 1)
        if e.date is not None and e.date > today + dt.timedelta(days=1)
    ]
    if late:
        raise RequestError(
            f"events has dates in the future in rows {late[:5]} (today is {today}, UTC).",
            table="events",
            column="date",
            rows=late[:5],
            fix="Send events when they happen, dated today or earlier.",
        )
    if kind == "customer-orders":
        with store.read() as conn:
            bad = line_owner_conflicts(conn, events)
        if bad:
            raise RequestError(
                f"events: {bad[0][1]}; a line cannot move to another item.",
                table="events",
                column="item_id",
                rows=[r for r, _ in bad[:5]],
                fix="Close the line (units 0) and open a new line for the other item.",
            )
    results, touched = apply_events(
        store,
        kind,
        events,
        today,
        low_stock_units=settings.low_stock_units,
        promise=settings.promise,
    )
    lane: ReplanLane = request.app.state.lane
    lane.submit(touched)
    current = lane.wait(touched, settings.wait_seconds) if touched and wait else not touched
    with store.read() as conn:
        seqs = store.last_seqs(conn, sorted({r["item_id"] for r in results}))
    items = [
        {
            "item_id": iid,
            "event_seq": seq,
            "state": "current" if current or iid not in touched else "pending",
        }
        for iid, seq in sorted(seqs.items())
    ]
    return {
        "applied": sum(r["status"] == "applied" for r in results),
        "duplicates": sum(r["status"] == "duplicate" for r in results),
        "conflicts": sum(r["status"] == "conflict" for r in results),
        "results": results,
        "items": items,
    }


def _event_routes(app: FastAPI) -> None:
    batches = {
        "sales": SalesBatch,
        "receipts": ReceiptsBatch,
        "stock-counts": StockCountsBatch,
        "purchase-orders": PurchaseOrdersBatch,
        "customer-orders": CustomerOrdersBatch,
    }
    for kind, batch in batches.items():
        app.post(
            f"/v1/events/{kind}",
            response_model=EventsResponse,
            dependencies=WRITE,
            tags=["events"],
            summary=f"Record {kind.replace('-', ' ')}",
            description=f"{EVENT_MODELS[kind].__doc__ or ''} Each event's event_id is its "
            "idempotency key: a replayed key changes nothing. Answers after the events are "
            "committed, and when each item's state includes them (state 'current') or after "
            "the wait limit ('pending').",
            name=f"events_{kind.replace('-', '_')}",
        )(_event_route(kind, batch))


def _event_route(kind: str, batch: type[Any]) -> Callable[..., dict[str, Any]]:
    """The handler of one event kind (its body model set as the annotation FastAPI reads)."""

    def route(
        request: Request,
        body: Any,
        wait: Annotated[
            bool,
            Query(
                description="Answer when the items' re-plan is done (true) or at commit "
                "(false; stock and availability are up to date at commit either way)."
            ),
        ] = True,
    ) -> dict[str, Any]:
        return _post_events(request, kind, body.events, wait)

    route.__annotations__["body"] = batch
    return route


def _state_routes(app: FastAPI) -> None:
    """Liveness and the stored state of items."""

    @app.get("/healthz", response_model=Health, tags=["state"], summary="Liveness and store size")
    def healthz(request: Request) -> dict[str, Any]:
        store = _store(request)
        with store.read() as conn:
            as_of = store.as_of(conn)
            n_items = conn.execute(
                sa.select(sa.func.count()).select_from(CONTRACT_TABLES["inventory"])
            ).scalar()
            n_events = store.n_events(conn)
        return {
            "status": "ok",
            "version": sof.__version__,
            "as_of": None if as_of is None else as_of.strftime("%Y-%m-%d"),
            "items": int(n_items or 0),
            "events": n_events,
            "replan_backlog": request.app.state.lane.backlog,
            "replan_warming": request.app.state.lane.warming,
            "ready": request.app.state.lane.ready,
        }

    @app.get(
        "/v1/items/{item_id}",
        response_model=ItemState,
        dependencies=READ,
        tags=["state"],
        responses={404: {"model": ErrorResponse}},
        summary="One item: stock, velocity, stockout dates, reorder, availability",
    )
    def get_item(request: Request, item_id: str) -> dict[str, Any]:
        store = _store(request)
        with store.read() as conn:
            st = store.get_states(conn, [item_id]).get(item_id)
        if st is None:
            raise RequestError(
                f"No item {item_id!r} in the store.",
                column="item_id",
                fix="Check the id; items come from the loaded data or from events.",
                status_code=404,
                error="not_found",
            )
        return st

    @app.get(
        "/v1/items",
        response_model=ItemsPage,
        dependencies=READ,
        tags=["state"],
        summary="Items, e.g. the reorder list (order_now=true)",
    )
    def list_items(
        request: Request,
        order_now: bool | None = None,
        limit: Annotated[int, Query(ge=1, le=1000)] = 100,
        offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
    ) -> dict[str, Any]:
        store = _store(request)
        with store.read() as conn:
            states = list(store.iter_states(conn, order_now=order_now))
        page = states[offset : offset + limit]
        return {
            "total": len(states),
            "items": [
                {
                    "item_id": s["item_id"],
                    "status": s["status"],
                    "on_hand_units": s["stock"].get("on_hand_units"),
                    "availability": s["availability"].get("status"),
                    "order_now": s["reorder"].get("order_now"),
                    "order_units": s["reorder"].get("order_units"),
                    "order_by_date": s["reorder"].get("order_by_date"),
                    "supplier_split": s["reorder"].get("supplier_split"),
                    "stockout_date_p50": s["stockout"].get("stockout_date_p50"),
                }
                for s in page
            ],
        }


def _shop_routes(app: FastAPI) -> None:
    """What the shop asks: availability of items, a promise for an order, slipped dates."""

    @app.get(
        "/v1/availability",
        response_model=AvailabilityResponse,
        dependencies=READ,
        tags=["state"],
        summary="In stock / low stock / backorder until DATE, for the shop page",
    )
    def availability(
        request: Request,
        item_id: Annotated[list[str], Query(min_length=1, description="One or more item ids.")],
        units: Annotated[
            float | None,
            Query(gt=0, le=1e9, description="Units the customer wants: when would they ship?"),
        ] = None,
    ) -> dict[str, Any]:
        settings: ServiceSettings = request.app.state.settings
        if len(item_id) > settings.max_items:
            raise RequestError(
                f"{len(item_id):,} item ids in one query; at most {settings.max_items:,}.",
                column="item_id",
                status_code=413,
                error="too_many_items",
                fix="Ask for fewer items per request.",
            )
        store = _store(request)
        with store.read() as conn:
            states = store.get_states(conn, list(dict.fromkeys(item_id)))
        out: list[Availability | dict[str, Any]] = [
            availability_of(i, states.get(i), units) for i in item_id
        ]
        return {"items": out}

    @app.post(
        "/v1/customer-orders/{order_id}/promise",
        response_model=PromiseResponse,
        dependencies=WRITE,
        tags=["state"],
        responses={404: {"model": ErrorResponse}},
        summary="Promise dates for an order, what ships now, and the options",
    )
    def promise(
        request: Request, order_id: str, body: PromiseRequest | None = None
    ) -> dict[str, Any]:
        """Promise dates for an open customer order.

        P50/P90 date per open line, what ships now, and the options to offer (wait with an
        incentive, partial shipment, cancel). The promised date is stored on each line, so a
        later slip shows in GET /v1/notices. Payment is taken at shipping.
        """
        settings: ServiceSettings = request.app.state.settings
        body = body or PromiseRequest(incentive=None)
        return promise_answer(
            request.app.state.store, request.app.state.lane, settings, order_id, body
        )

    @app.get(
        "/v1/notices",
        response_model=NoticesResponse,
        dependencies=READ,
        tags=["state"],
        summary="Customer lines whose date slipped, with the new date",
    )
    def notices(
        request: Request,
        item_id: Annotated[str | None, Query(max_length=200)] = None,
        customer_id: Annotated[str | None, Query(max_length=200)] = None,
        include_first_promises: bool = False,
        limit: Annotated[int, Query(ge=1, le=1000)] = 100,
        offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
    ) -> dict[str, Any]:
        store = _store(request)
        kinds = {"date_slipped", "unpromisable"} | (
            {"first_promise"} if include_first_promises else set()
        )
        rows = []
        with store.read() as conn:
            for st in store.iter_states(conn, with_notices=True, item_id=item_id):
                for n in st["notices"]:
                    if n.get("notice") in kinds and (
                        customer_id is None or n.get("customer_id") == customer_id
                    ):
                        rows.append({**n, "item_id": st["item_id"]})
        return {"total": len(rows), "notices": rows[offset : offset + limit]}

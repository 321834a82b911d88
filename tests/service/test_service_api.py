"""The HTTP API through FastAPI's TestClient: every endpoint, error and scope."""

from __future__ import annotations

import json
import time

import numpy as np
import pandas as pd
import pytest
import sqlalchemy as sa

import stockout_forecast as sof
from stockout_forecast.service.store import Store

from .conftest import AS_OF, NEXT_DAY, make_client

PATHS = {
    "/healthz",
    "/v1/forecast",
    "/v1/stockout-dates",
    "/v1/reorder",
    "/v1/events/sales",
    "/v1/events/receipts",
    "/v1/events/stock-counts",
    "/v1/events/purchase-orders",
    "/v1/events/customer-orders",
    "/v1/items",
    "/v1/items/{item_id}",
    "/v1/availability",
    "/v1/customer-orders/{order_id}/promise",
    "/v1/notices",
}
WRITE_PATHS = [
    *sorted(p for p in PATHS if p.startswith("/v1/events/")),
    "/v1/customer-orders/SO-0000855/promise",
]


def _table(shop, name: str) -> pd.DataFrame:
    eng = sa.create_engine(shop.url)
    try:
        with eng.connect() as conn:
            return pd.read_sql_query(sa.text(f"SELECT * FROM {name}"), conn)
    finally:
        eng.dispose()


def _snapshot(shop) -> dict[str, str]:
    return {
        t: _table(shop, t).to_json()
        for t in (
            "sales",
            "inventory",
            "stock_history",
            "purchase_orders",
            "customer_orders",
            "service_events",
            "service_item_state",
        )
    }


def _post(client, kind: str, events: list[dict], headers: dict) -> dict:
    r = client.post(f"/v1/events/{kind}", json={"events": events}, headers=headers)
    assert r.status_code == 200, r.text
    return r.json()


# ------------------------------------------------------------------------- basics
def test_health_openapi_and_docs(client):
    h = client.get("/healthz").json()
    assert h["status"] == "ok"
    assert h["items"] == 8
    assert h["as_of"] == AS_OF
    assert h["version"] == sof.__version__
    # ready once the lane has filled its cache for every item (8 items: one warm-up job)
    deadline = time.monotonic() + 60
    while not h["ready"] and time.monotonic() < deadline:
        time.sleep(0.05)
        h = client.get("/healthz").json()
    assert h["ready"] is True
    assert h["replan_warming"] == 0
    schema = client.get("/openapi.json").json()
    assert set(schema["paths"]) == PATHS
    assert "X-API-Key" in json.dumps(schema["components"]["securitySchemes"])
    assert "text/csv" in schema["paths"]["/v1/forecast"]["post"]["requestBody"]["content"]
    docs = client.get("/docs")
    assert docs.status_code == 200
    assert "swagger" in docs.text.lower()
    # the docs open offline: every script and style comes from the service itself
    assert "https://" not in docs.text
    assert client.get("/docs-assets/swagger-ui-bundle.js").status_code == 200
    assert client.get("/docs-assets/../store.py").status_code == 404


def test_item_state_is_the_plan_row(client, shop):
    st = client.get("/v1/items/SKU-00000").json()
    ds = shop.dataset
    inv = ds.inventory.set_index("item_id").loc["SKU-00000"]
    assert st["source"] == "plan"
    assert st["event_seq"] == 0
    assert st["as_of"] == AS_OF
    assert st["stock"]["on_hand_units"] == inv["on_hand_units"]
    # known answer from the library itself: velocity over the same history
    hist = sof.demand_history(ds.sales, ds.stock_history, freq="D", as_of=AS_OF)
    vel = sof.item_velocity(hist).set_index("item_id").loc["SKU-00000"]
    assert st["velocity"]["velocity_28d"] == pytest.approx(vel["velocity_28d"])
    assert st["stockout"]["stockout_date_p10"] <= st["stockout"]["stockout_date_p50"]
    assert st["stockout"]["stockout_date_p50"] <= st["stockout"]["stockout_date_p90"]
    p = [x["p_stockout"] for x in st["stockout"]["p_stockout_by"]]
    assert p == sorted(p)  # P(stockout by t) never decreases
    assert st["availability"]["status"] in {"in_stock", "low_stock"}


def test_unknown_item_is_404_with_a_fix(client):
    r = client.get("/v1/items/NOPE")
    assert r.status_code == 404
    body = r.json()
    assert body["error"] == "not_found"
    assert "NOPE" in body["message"]
    assert body["fix"]


def test_items_list_and_reorder_list(client):
    all_items = client.get("/v1/items").json()
    assert all_items["total"] == 8
    assert len(all_items["items"]) == 8
    to_order = client.get("/v1/items", params={"order_now": "true"}).json()
    assert 0 < to_order["total"] < 8
    assert all(x["order_now"] for x in to_order["items"])
    page = client.get("/v1/items", params={"limit": 3, "offset": 6}).json()
    assert [x["item_id"] for x in page["items"]] == ["SKU-00006", "SKU-00007"]


def test_availability_and_quotes(client):
    r = client.get(
        "/v1/availability",
        params=[("item_id", "SKU-00000"), ("item_id", "NOPE"), ("item_id", "SKU-00001")],
    )
    items = r.json()["items"]
    assert [x["item_id"] for x in items] == ["SKU-00000", "NOPE", "SKU-00001"]
    assert items[0]["status"] == "in_stock"
    assert items[0]["units_available"] == 61
    assert items[1]["status"] == "unknown"
    assert items[1]["reason"]
    assert items[2]["status"] in {"backorder", "unavailable"}  # 0 on hand
    # a quote within stock ships now; beyond it, what is free now ships now
    small = client.get("/v1/availability", params={"item_id": "SKU-00000", "units": 10}).json()
    assert small["items"][0]["units_ship_now"] == 10
    assert small["items"][0]["ships_by_date_p90"] == AS_OF
    big = client.get("/v1/availability", params={"item_id": "SKU-00000", "units": 100}).json()
    q = big["items"][0]
    assert q["units_ship_now"] == 61
    assert q["ships_by_date_p90"] is None or q["ships_by_date_p90"] > AS_OF
    assert client.get("/v1/availability").status_code == 422


def test_availability_item_count_is_bounded(shop):
    with make_client(shop, max_items=2) as c:
        r = c.get("/v1/availability", params=[("item_id", f"SKU-0000{i}") for i in range(3)])
    assert r.status_code == 413
    assert r.json()["error"] == "too_many_items"


# ------------------------------------------------------------------------- events
def test_sale_replans_only_its_item(client, shop, writer):
    store = Store(shop.url)
    with store.read() as conn:
        before = store.get_states(conn, [f"SKU-0000{i}" for i in range(8)])
    out = _post(
        client,
        "sales",
        [{"event_id": "s1", "item_id": "SKU-00000", "units": 10, "date": NEXT_DAY}],
        writer,
    )
    assert out["applied"] == 1
    assert out["results"][0]["status"] == "applied"
    assert out["items"] == [{"item_id": "SKU-00000", "event_seq": 1, "state": "current"}]
    st = client.get("/v1/items/SKU-00000").json()
    assert st["event_seq"] == 1
    assert st["source"] == "event"
    assert st["as_of"] == NEXT_DAY
    assert st["stock"]["on_hand_units"] == 51
    assert (
        client.get("/v1/availability", params={"item_id": "SKU-00000"}).json()["items"][0][
            "units_available"
        ]
        == 51
    )
    with store.read() as conn:
        after = store.get_states(conn, [f"SKU-0000{i}" for i in range(1, 8)])
    for iid, s in after.items():  # no other item was re-planned
        assert s == before[iid]
    sales = _table(shop, "sales")
    assert ((sales["item_id"] == "SKU-00000") & (sales["date"] == NEXT_DAY)).sum() == 1
    sh = _table(shop, "stock_history").set_index(["item_id", "date"])
    assert sh.loc[("SKU-00000", NEXT_DAY), "on_hand_units"] == 51
    store.dispose()


def test_replayed_key_changes_nothing(client, shop, writer):
    ev = {"event_id": "dup-1", "item_id": "SKU-00002", "units": 2, "date": NEXT_DAY}
    _post(client, "sales", [ev], writer)
    snap = _snapshot(shop)
    again = _post(client, "sales", [ev], writer)
    assert again["duplicates"] == 1
    assert again["applied"] == 0
    assert again["results"][0]["seq"] == 1
    assert _snapshot(shop) == snap
    changed = _post(client, "sales", [{**ev, "units": 3}], writer)
    assert changed["conflicts"] == 1
    assert "different body" in changed["results"][0]["note"]
    assert _snapshot(shop) == snap
    # the same key in another kind of event is another event
    other = _post(
        client,
        "stock-counts",
        [{"event_id": "dup-1", "item_id": "SKU-00002", "on_hand_units": 40, "date": NEXT_DAY}],
        writer,
    )
    assert other["applied"] == 1


def test_a_batch_is_validated_whole(client, shop, writer):
    n = len(_table(shop, "sales"))
    r = client.post(
        "/v1/events/sales",
        json={
            "events": [
                {"event_id": "a", "item_id": "SKU-00000", "units": 1},
                {"event_id": "b", "item_id": "SKU-00000", "units": "three"},
            ]
        },
        headers=writer,
    )
    assert r.status_code == 422
    body = r.json()
    assert (body["table"], body["column"], body["rows"]) == ("events", "units", [2])
    assert body["fix"]
    assert "Traceback" not in r.text
    assert len(_table(shop, "sales")) == n  # nothing applied
    future = client.post(
        "/v1/events/sales",
        json={
            "events": [{"event_id": "f", "item_id": "SKU-00000", "units": 1, "date": "2999-01-01"}]
        },
        headers=writer,
    )
    assert future.status_code == 422
    assert future.json()["column"] == "date"
    assert future.json()["rows"] == [1]
    neg = client.post(
        "/v1/events/receipts",
        json={"events": [{"event_id": "r", "item_id": "SKU-00000", "units": -5}]},
        headers=writer,
    )
    assert neg.status_code == 422
    assert neg.json()["column"] == "units"
    empty = client.post("/v1/events/sales", json={"events": []}, headers=writer)
    assert empty.status_code == 422


def test_events_per_request_are_bounded(shop):
    with make_client(shop, max_events=2) as c:
        evs = [{"event_id": str(i), "item_id": "SKU-00000", "units": 1} for i in range(3)]
        r = c.post("/v1/events/sales", json={"events": evs}, headers={"X-API-Key": shop.write_key})
    assert r.status_code == 413
    assert r.json()["error"] == "too_many_events"


def test_receipt_closes_its_purchase_order_line(client, shop, writer):
    po = shop.dataset.purchase_orders
    open_ = po[po["received_date"].isna()].iloc[0]
    item = open_["item_id"]
    before = client.get(f"/v1/items/{item}").json()
    out = _post(
        client,
        "receipts",
        [
            {
                "event_id": "r1",
                "item_id": item,
                "units": open_["units"],
                "po_id": open_["po_id"],
                "date": NEXT_DAY,
            }
        ],
        writer,
    )
    assert out["results"][0]["note"] == ""
    st = client.get(f"/v1/items/{item}").json()
    assert st["stock"]["on_hand_units"] == before["stock"]["on_hand_units"] + open_["units"]
    assert st["stock"]["open_po_units"] == before["stock"]["open_po_units"] - open_["units"]
    line = (
        _table(shop, "purchase_orders").set_index(["po_id", "item_id"]).loc[(open_["po_id"], item)]
    )
    assert line["received_date"] == NEXT_DAY
    assert line["received_units"] == open_["units"]
    unplanned = _post(
        client,
        "receipts",
        [{"event_id": "r2", "item_id": item, "units": 1, "po_id": "NOPE", "date": NEXT_DAY}],
        writer,
    )
    assert "unplanned" in unplanned["results"][0]["note"]


def test_stock_count_sets_on_hand_and_oversold_sale_is_noted(client, writer):
    _post(
        client,
        "stock-counts",
        [{"event_id": "c1", "item_id": "SKU-00003", "on_hand_units": 7, "date": NEXT_DAY}],
        writer,
    )
    assert client.get("/v1/items/SKU-00003").json()["stock"]["on_hand_units"] == 7
    out = _post(
        client,
        "sales",
        [{"event_id": "s9", "item_id": "SKU-00003", "units": 9, "date": NEXT_DAY}],
        writer,
    )
    assert "stock count" in out["results"][0]["note"]
    st = client.get("/v1/items/SKU-00003").json()
    assert st["stock"]["on_hand_units"] == 0
    assert st["availability"]["status"] in {"backorder", "unavailable"}


def test_new_item_from_an_event_is_kept_with_a_status(client, writer):
    _post(
        client,
        "stock-counts",
        [{"event_id": "n1", "item_id": "NEW-1", "on_hand_units": 3, "date": NEXT_DAY}],
        writer,
    )
    st = client.get("/v1/items/NEW-1").json()
    assert st["status"] == "no_sales"
    assert st["reason"]
    assert st["availability"]["units_available"] == 3


def test_customer_line_served_by_a_sale(client, shop, writer):
    _post(
        client,
        "customer-orders",
        [
            {
                "event_id": "o1",
                "order_id": "W1",
                "line_id": "1",
                "item_id": "SKU-00004",
                "units": 3,
                "date": NEXT_DAY,
            }
        ],
        writer,
    )
    st = client.get("/v1/items/SKU-00004").json()
    assert st["stock"]["backordered_units"] == 3
    assert [x["order_id"] for x in st["lines"]] == ["W1"]
    assert st["lines"][0]["status"] == "in_stock"
    assert st["lines"][0]["units_ship_now"] == 3
    _post(
        client,
        "sales",
        [
            {
                "event_id": "s-w1",
                "item_id": "SKU-00004",
                "units": 3,
                "order_id": "W1",
                "line_id": "1",
                "date": NEXT_DAY,
            }
        ],
        writer,
    )
    st = client.get("/v1/items/SKU-00004").json()
    assert st["stock"]["backordered_units"] == 0
    assert st["lines"] == []
    assert len(_table(shop, "customer_orders").query("order_id == 'W1'")) == 0
    moved = client.post(
        "/v1/events/customer-orders",
        json={
            "events": [
                {
                    "event_id": "o2",
                    "order_id": "SO-0000855",
                    "line_id": "1",
                    "item_id": "SKU-00004",
                    "units": 1,
                }
            ]
        },
        headers=writer,
    )
    assert moved.status_code == 422
    assert "belongs to item" in moved.json()["message"]


def test_promise_then_supplier_delay_gives_a_notice(client, shop, writer):
    item = "SKU-00001"  # 0 on hand
    _post(
        client,
        "purchase-orders",
        [
            {
                "event_id": "p1",
                "po_id": "PO-T1",
                "item_id": item,
                "supplier_id": "SUP-X",
                "units": 500,
                "order_date": AS_OF,
                "expected_date": "2025-05-02",
                "date": NEXT_DAY,
            }
        ],
        writer,
    )
    _post(
        client,
        "customer-orders",
        [
            {
                "event_id": "o1",
                "order_id": "WEB-7",
                "item_id": item,
                "units": 4,
                "customer_id": "C9",
                "date": NEXT_DAY,
            }
        ],
        writer,
    )
    r = client.post(
        "/v1/customer-orders/WEB-7/promise", json={"incentive": "free shipping"}, headers=writer
    )
    assert r.status_code == 200, r.text
    p = r.json()
    assert p["customer_id"] == "C9"
    assert p["units_ship_now"] == 0
    line = p["lines"][0]
    assert line["promised_date_p50"] <= line["promised_date_p90"] == p["promised_date"]
    assert "2025-05-02" <= p["promised_date"]
    assert [o["option"] for o in p["options"]] == ["wait", "cancel"]
    assert "free shipping" in p["options"][0]["description"]
    assert "ship" in p["payment"]
    stored = _table(shop, "customer_orders").set_index("order_id").loc["WEB-7", "promised_date"]
    assert stored == p["promised_date"]
    assert client.get("/v1/notices", params={"item_id": item}).json()["total"] == 0
    # the supplier moves its date: the line slips and is listed with its new date
    _post(
        client,
        "purchase-orders",
        [
            {
                "event_id": "p2",
                "po_id": "PO-T1",
                "item_id": item,
                "supplier_id": "SUP-X",
                "units": 500,
                "order_date": AS_OF,
                "expected_date": "2025-05-20",
                "date": NEXT_DAY,
            }
        ],
        writer,
    )
    n = client.get("/v1/notices", params={"item_id": item}).json()
    assert n["total"] == 1
    row = n["notices"][0]
    assert (row["order_id"], row["notice"], row["old_promised_date"]) == (
        "WEB-7",
        "date_slipped",
        p["promised_date"],
    )
    assert row["new_promised_date"] > p["promised_date"]
    assert row["days_slipped"] > 0
    assert "cancel" in row["options"]
    assert client.get("/v1/notices", params={"customer_id": "OTHER"}).json()["total"] == 0
    # promising again makes the new date the promise: no notice left
    client.post("/v1/customer-orders/WEB-7/promise", headers=writer)
    assert client.get("/v1/notices", params={"item_id": item}).json()["total"] == 0


def test_promise_offers_a_partial_shipment(client, writer):
    item = "SKU-00006"  # 9 on hand
    _post(
        client,
        "purchase-orders",
        [
            {
                "event_id": "p1",
                "po_id": "PO-T2",
                "item_id": item,
                "supplier_id": "SUP-X",
                "units": 50,
                "order_date": AS_OF,
                "expected_date": "2025-05-05",
                "date": NEXT_DAY,
            }
        ],
        writer,
    )
    _post(
        client,
        "customer-orders",
        [{"event_id": "o1", "order_id": "WEB-8", "item_id": item, "units": 12, "date": NEXT_DAY}],
        writer,
    )
    p = client.post("/v1/customer-orders/WEB-8/promise", headers=writer).json()
    assert p["units_ship_now"] == 9
    opts = {o["option"]: o for o in p["options"]}
    assert set(opts) == {"wait", "partial_shipment", "cancel"}
    assert opts["partial_shipment"]["ships_now_units"] == 9
    assert opts["partial_shipment"]["complete_by"] == p["promised_date"]


def test_promise_for_an_unknown_order_is_404(client, writer):
    r = client.post("/v1/customer-orders/NOPE/promise", headers=writer)
    assert r.status_code == 404
    assert r.json()["table"] == "customer_orders"


def test_notices_list_first_promises_on_request(client):
    base = client.get("/v1/notices").json()["total"]
    first = client.get("/v1/notices", params={"include_first_promises": "true"}).json()
    assert first["total"] >= base
    assert all(
        n["notice"] in {"date_slipped", "unpromisable", "first_promise"} for n in first["notices"]
    )


# ------------------------------------------------------------------------- security
@pytest.mark.parametrize("path", WRITE_PATHS)
def test_writes_need_a_write_key(client, shop, path):
    body = {} if "promise" in path else {"events": [{"event_id": "x", "item_id": "SKU-00000"}]}
    r = client.post(path, json=body)
    assert r.status_code == 401
    assert r.json()["error"] == "missing_api_key"
    assert "keys add" in r.json()["fix"]
    bad = client.post(path, json=body, headers={"X-API-Key": shop.write_key[:-2] + "xx"})
    assert bad.status_code == 401
    assert bad.json()["error"] == "invalid_api_key"
    ro = client.post(path, json=body, headers={"X-API-Key": shop.read_key})
    assert ro.status_code == 403
    assert ro.json()["error"] == "insufficient_scope"


def test_revoked_key_is_refused(client, shop):
    from stockout_forecast.service.keys import add_key, revoke_key

    store = Store(shop.url)
    key = add_key(store, "write")
    ev = {"events": [{"event_id": "k", "item_id": "SKU-00000", "on_hand_units": 5}]}
    assert (
        client.post("/v1/events/stock-counts", json=ev, headers={"X-API-Key": key}).status_code
        == 200
    )
    assert revoke_key(store, key.split("_")[1])
    ev["events"][0]["event_id"] = "k2"
    r = client.post("/v1/events/stock-counts", json=ev, headers={"X-API-Key": key})
    assert r.status_code == 401
    store.dispose()


def test_reads_need_a_key_when_configured(shop):
    with make_client(shop, require_read_key=True) as c:
        assert c.get("/v1/availability", params={"item_id": "SKU-00000"}).status_code == 401
        assert c.get("/v1/items/SKU-00000").status_code == 401
        assert c.post("/v1/forecast", json={"sales": []}).status_code == 401
        for key in (shop.read_key, shop.write_key):
            r = c.get(
                "/v1/availability", params={"item_id": "SKU-00000"}, headers={"X-API-Key": key}
            )
            assert r.status_code == 200
        assert c.get("/healthz").status_code == 200


def test_keys_are_stored_salted_and_hashed(shop):
    raw = shop.path.read_bytes() + b"".join(
        p.read_bytes() for p in shop.path.parent.glob("shop.db-*")
    )
    for key in (shop.write_key, shop.read_key):
        secret = key.split("_", 2)[2]
        assert secret.encode() not in raw
    keys = _table(shop, "service_keys")
    assert keys["salt"].nunique() == len(keys)
    assert (keys["key_hash"].str.len() == 64).all()


def test_body_size_is_bounded(shop):
    with make_client(shop, max_body_bytes=1000) as c:
        r = c.post(
            "/v1/forecast",
            content=b"item_id,date,units\n" + b"A,2024-01-01,1\n" * 200,
            headers={"Content-Type": "text/csv"},
        )
    assert r.status_code == 413
    assert r.json()["error"] == "too_large"


def test_internal_errors_never_show_a_traceback(client, monkeypatch):
    from stockout_forecast.service import stateless

    def boom(*args, **kwargs):
        raise RuntimeError("secret internals /etc/passwd")

    monkeypatch.setattr(stateless, "forecast", boom)
    r = client.post(
        "/v1/forecast", json={"sales": [{"item_id": "A", "date": "2024-01-01", "units": 1}]}
    )
    assert r.status_code == 500
    assert r.json()["error"] == "internal_error"
    assert "Traceback" not in r.text
    assert "secret" not in r.text
    assert "reference" in r.text


def test_cors_is_off_unless_configured(client, shop):
    hdr = {"Origin": "https://shop.example", "Access-Control-Request-Method": "GET"}
    r = client.get("/healthz", headers={"Origin": "https://shop.example"})
    assert "access-control-allow-origin" not in r.headers
    assert client.options("/v1/availability", headers=hdr).status_code == 405
    with make_client(shop, cors_origins=("https://shop.example",)) as c:
        ok = c.options("/v1/availability", headers=hdr)
        assert ok.headers["access-control-allow-origin"] == "https://shop.example"
        other = c.get("/healthz", headers={"Origin": "https://evil.example"})
        assert "access-control-allow-origin" not in other.headers


# ------------------------------------------------------------------------- stateless
def _records(df: pd.DataFrame) -> list[dict]:
    out = df.copy()
    for c in out.columns:
        if pd.api.types.is_datetime64_any_dtype(out[c]):
            out[c] = out[c].dt.strftime("%Y-%m-%d")
    return json.loads(out.to_json(orient="records"))


def _two_items(ds: sof.Dataset, name: str) -> pd.DataFrame:
    df = getattr(ds, name)
    return df[df["item_id"].isin(["SKU-00000", "SKU-00002"])].reset_index(drop=True)


def test_forecast_equals_the_library(client, shop):
    ds = shop.dataset
    sales = _two_items(ds, "sales")
    r = client.post(
        "/v1/forecast", json={"sales": _records(sales), "horizon": 14, "quantiles": [0.5, 0.9]}
    )
    assert r.status_code == 200, r.text
    out = r.json()
    assert out["frequency"] == "D"
    assert out["quantile_levels"] == [0.5, 0.9]
    assert [i["item_id"] for i in out["items"]] == ["SKU-00000", "SKU-00002"]
    seed = np.random.SeedSequence(0).spawn(3)[0]
    hist = sof.demand_history(sales, freq="D", as_of=sales["date"].max())
    fc = sof.forecast_demand(hist, "auto", horizon=14, quantiles=(0.5, 0.9), random_state=seed)
    want = fc.to_frame()
    got = pd.DataFrame(out["forecast"])
    assert len(got) == 28
    assert list(got["item_id"]) == list(want["item_id"])
    np.testing.assert_allclose(got["demand_p90"], want["demand_p90"])
    assert [i["model"] for i in out["items"]] == list(fc.model)
    # the same history as a CSV body and as a CSV string field gives the same answer
    csv = sales[["item_id", "date", "units"]].to_csv(index=False, date_format="%Y-%m-%d")
    as_csv = client.post(
        "/v1/forecast?horizon=14", content=csv, headers={"Content-Type": "text/csv"}
    )
    assert as_csv.status_code == 200, as_csv.text
    np.testing.assert_allclose(
        pd.DataFrame(as_csv.json()["forecast"])["demand_p50"], want["demand_p50"]
    )
    field = client.post("/v1/forecast", json={"sales": csv, "horizon": 14, "quantiles": [0.5, 0.9]})
    assert field.json()["forecast"] == out["forecast"]


def test_forecast_errors_are_the_librarys(client):
    rows = [
        {"SKU": "A", "date": "2024-01-01", "units": 1},
        {"SKU": "A", "date": "2024-01-02", "units": 2},
    ]
    r = client.post("/v1/forecast", json={"sales": rows})
    assert r.status_code == 422
    b = r.json()
    with pytest.raises(sof.SchemaError) as lib:
        sof.validate_table(pd.DataFrame(rows), "sales")
    assert b["message"] == str(lib.value)
    assert (b["table"], b["column"]) == ("sales", "item_id")
    assert "column_maps" in b["fix"]
    mapped = client.post(
        "/v1/forecast",
        json={"sales": rows, "column_maps": {"sales": {"SKU": "item_id"}}, "horizon": 2},
    )
    assert mapped.status_code == 200
    bad = [
        {"item_id": "A", "date": "2024-01-01", "units": 1},
        {"item_id": "A", "date": "not a day", "units": 1},
    ]
    d = client.post("/v1/forecast", json={"sales": bad}).json()
    assert (d["table"], d["column"], d["rows"]) == ("sales", "date", [2])
    assert d["fix"] == "Use ISO dates (YYYY-MM-DD)."
    unknown = client.post("/v1/forecast", json={"sales": rows[:0] or bad[:1], "model": "prophet"})
    assert unknown.status_code == 422
    assert unknown.json()["column"] == "model"
    broken = client.post(
        "/v1/forecast", content=b'item_id,date\n"A,2024', headers={"Content-Type": "text/csv"}
    )
    assert broken.status_code == 422
    assert broken.json()["table"] == "sales"


def test_stockout_dates_equal_the_library(client, shop):
    ds = shop.dataset
    sales, inv = _two_items(ds, "sales"), _two_items(ds, "inventory")
    body = {
        "sales": _records(sales),
        "inventory": _records(inv),
        "horizon": 30,
        "n_paths": 200,
        "include_curves": True,
    }
    r = client.post("/v1/stockout-dates", json=body)
    assert r.status_code == 200, r.text
    out = r.json()
    seeds = np.random.SeedSequence(0).spawn(3)
    hist = sof.demand_history(sales, freq="D", as_of=AS_OF)
    fc = sof.forecast_demand(hist, "auto", horizon=30, n_paths=200, random_state=seeds[0])
    so = sof.stockout_dates(fc, inv, n_paths=200, random_state=seeds[1])
    want = so.to_frame()
    got = pd.DataFrame(out["items"])
    assert list(got["item_id"]) == list(want["item_id"])
    assert list(got["stockout_date_p50"]) == [
        None if pd.isna(d) else d.strftime("%Y-%m-%d") for d in want["stockout_date_p50"]
    ]
    assert len(out["curves"]) == 60


def test_stateless_work_is_bounded(shop):
    ds = shop.dataset
    body = {
        "sales": _records(_two_items(ds, "sales")),
        "inventory": _records(_two_items(ds, "inventory")),
    }
    with make_client(shop, max_cells=1000) as c:
        r = c.post("/v1/stockout-dates", json=body)
        assert r.status_code == 413
        assert "fewer items" in r.json()["fix"]
    with make_client(shop, max_items=1) as c:
        r = c.post("/v1/forecast", json={"sales": body["sales"]})
        assert r.status_code == 413
        assert r.json()["error"] == "too_many_items"


def test_reorder_equals_the_planner(client, shop):
    ds = shop.dataset
    tables = {n: _two_items(ds, n) for n in ("sales", "inventory", "suppliers", "purchase_orders")}
    r = client.post(
        "/v1/reorder", json={n: _records(t) for n, t in tables.items()} | {"n_paths": 200}
    )
    assert r.status_code == 200, r.text
    out = r.json()
    plan = sof.ReorderPlanner(as_of=AS_OF, n_paths=200, random_state=0).run(
        sof.validate_dataset(sof.Dataset(**tables))
    )
    got = pd.DataFrame(out["orders"]).set_index("item_id")
    want = plan.orders.set_index("item_id")
    assert list(got.index) == list(want.index)
    np.testing.assert_allclose(got["order_units"].astype(float), want["order_units"].astype(float))
    assert list(got["order_now"]) == list(want["order_now"])
    missing = client.post(
        "/v1/reorder",
        json={"sales": _records(tables["sales"]), "inventory": _records(tables["inventory"])},
    )
    assert missing.status_code == 422
    assert missing.json()["table"] == "suppliers"
    assert "Field required" in missing.json()["message"]


def test_stock_is_current_at_commit_and_the_replan_follows(client, shop, writer):
    import time

    r = client.post(
        "/v1/events/sales",
        params={"wait": "false"},
        json={
            "events": [{"event_id": "nw1", "item_id": "SKU-00002", "units": 40, "date": NEXT_DAY}]
        },
        headers=writer,
    )
    assert r.status_code == 200
    seq = r.json()["results"][0]["seq"]
    # stock and availability include the sale as soon as it is acknowledged
    a = client.get("/v1/availability", params={"item_id": "SKU-00002"}).json()["items"][0]
    assert a["units_available"] == 2  # 42 on hand - 40 sold
    assert a["status"] == "low_stock"
    assert a["message"] == "Only 2 left"
    deadline = time.monotonic() + 30
    while (st := client.get("/v1/items/SKU-00002").json())["event_seq"] < seq:
        assert time.monotonic() < deadline
        time.sleep(0.05)
    # the re-plan agrees with the figures shown at commit, and is no longer provisional
    assert st["provisional"] is False
    assert st["availability"]["units_available"] == 2
    assert st["availability"]["status"] == "low_stock"
    assert st["stock"]["on_hand_units"] == 2


def test_stock_at_commit_counts_every_open_line_as_promise_dates_does(client, shop, writer):
    import time

    # SKU-00007 has an open line that is also held in allocated_units (the demo's convention)
    before = client.get("/v1/items/SKU-00007").json()
    assert before["lines"]
    free = before["availability"]["units_available"]
    r = client.post(
        "/v1/events/sales",
        params={"wait": "false"},
        json={
            "events": [{"event_id": "al1", "item_id": "SKU-00007", "units": 10, "date": NEXT_DAY}]
        },
        headers=writer,
    )
    seq = r.json()["results"][0]["seq"]
    at_commit = client.get("/v1/availability", params={"item_id": "SKU-00007"}).json()["items"][0]
    assert at_commit["units_available"] == free - 10
    deadline = time.monotonic() + 30
    while (st := client.get("/v1/items/SKU-00007").json())["event_seq"] < seq:
        assert time.monotonic() < deadline
        time.sleep(0.05)
    assert st["availability"]["units_available"] == at_commit["units_available"]


def test_a_body_that_is_not_json_says_so(client, writer):
    r = client.post(
        "/v1/events/sales",
        content=b'{"events": [{"event_id": "x"',
        headers={**writer, "Content-Type": "application/json"},
    )
    assert r.status_code == 422
    assert r.json()["error"] == "invalid_json"
    assert "not valid JSON" in r.json()["message"]


@pytest.mark.slow
def test_replans_in_worker_processes(shop, writer):
    # cold worker processes import the library first: give them time on a loaded machine
    with make_client(shop, replan_workers=2, wait_seconds=120) as c:
        out = c.post(
            "/v1/events/stock-counts",
            json={
                "events": [
                    {
                        "event_id": "w1",
                        "item_id": "SKU-00000",
                        "on_hand_units": 3,
                        "date": NEXT_DAY,
                    },
                    {
                        "event_id": "w2",
                        "item_id": "SKU-00003",
                        "on_hand_units": 4,
                        "date": NEXT_DAY,
                    },
                ]
            },
            headers=writer,
        ).json()
        assert [x["state"] for x in out["items"]] == ["current", "current"]
        for item, units in (("SKU-00000", 3), ("SKU-00003", 4)):
            st = c.get(f"/v1/items/{item}").json()
            assert st["source"] == "event"
            assert st["provisional"] is False
            assert st["stock"]["on_hand_units"] == units

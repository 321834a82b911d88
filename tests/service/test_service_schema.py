"""Property-based tests generated from the service's own OpenAPI document (schemathesis).

Every operation gets requests generated from its schema -- valid ones and, for the bodies,
invalid ones -- sent with a write key. Whatever comes in, the service must never answer
with a 5xx and every answer must match the schema it documents (status code, content type
and body).
"""

from __future__ import annotations

import pytest

schemathesis = pytest.importorskip("schemathesis")
from hypothesis import HealthCheck, given, settings  # noqa: E402
from schemathesis.checks import (  # noqa: E402
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from stockout_forecast.service import ServiceSettings, create_app  # noqa: E402

from .conftest import shop_template  # noqa: E402,F401

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@pytest.fixture(scope="module")
def api(shop_template, tmp_path_factory):  # noqa: F811
    import shutil

    path = tmp_path_factory.mktemp("schema") / "shop.db"
    shutil.copy(shop_template.path, path)
    # wait_seconds=0: answer at commit; the lane is not started, so no re-plan work piles up
    app = create_app(ServiceSettings(db_url=f"sqlite:///{path}", wait_seconds=0.0))
    return app, shop_template.write_key


OPERATIONS = [
    "GET /healthz",
    "POST /v1/forecast",
    "POST /v1/stockout-dates",
    "POST /v1/reorder",
    "POST /v1/events/sales",
    "POST /v1/events/receipts",
    "POST /v1/events/stock-counts",
    "POST /v1/events/purchase-orders",
    "POST /v1/events/customer-orders",
    "GET /v1/items",
    "GET /v1/items/{item_id}",
    "GET /v1/availability",
    "POST /v1/customer-orders/{order_id}/promise",
    "GET /v1/notices",
]


@pytest.fixture(scope="module")
def operations(api):
    app, _ = api
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    ops = {}
    for result in schema.get_all_operations():
        op = result.ok()
        ops[f"{op.method.upper()} {op.path}"] = op
    return ops


def test_every_operation_is_tested(operations):
    assert sorted(operations) == sorted(OPERATIONS)


@pytest.mark.parametrize("label", OPERATIONS)
def test_no_server_error_and_every_answer_matches_the_schema(label, operations, api):
    _, key = api

    @given(case=operations[label].as_strategy())
    @settings(
        max_examples=15,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def check(case):
        r = case.call_and_validate(headers={"X-API-Key": key}, checks=CHECKS)
        statuses.append(r.status_code)

    statuses: list[int] = []
    check()
    # the generated requests got past the key check: the operations themselves were exercised
    assert statuses
    assert 401 not in statuses
    assert 403 not in statuses

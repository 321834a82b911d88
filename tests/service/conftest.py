"""Fixtures of the service tests: a small seeded shop in a SQLite store, keys, a TestClient."""

from __future__ import annotations

import shutil
import warnings
from dataclasses import dataclass
from pathlib import Path

import pytest

pytest.importorskip("fastapi")

import stockout_forecast as sof
from stockout_forecast.service import ServiceSettings, create_app
from stockout_forecast.service.keys import add_key
from stockout_forecast.service.state import plan_store
from stockout_forecast.service.store import Store, import_dataset

#: the shop: 8 items, 150 days of history ending 2025-04-23 (the demo simulator, seeded)
SHOP = {"n_items": 8, "n_days": 150, "random_state": 3}
AS_OF = "2025-04-23"
NEXT_DAY = "2025-04-24"


@dataclass
class Shop:
    path: Path
    url: str
    dataset: sof.Dataset
    write_key: str
    read_key: str


@pytest.fixture(scope="session")
def shop_template(tmp_path_factory: pytest.TempPathFactory) -> Shop:
    """A planned store with one write key and one read key, made once per session."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ds = sof.make_demo_dataset(**SHOP)
    path = tmp_path_factory.mktemp("shop") / "template.db"
    url = f"sqlite:///{path}"
    store = Store(url)
    import_dataset(store, ds)
    plan_store(store, ServiceSettings(db_url=url))
    write_key = add_key(store, "write", "tests")
    read_key = add_key(store, "read", "tests")
    store.dispose()
    return Shop(path, url, ds, write_key, read_key)


@pytest.fixture
def shop(shop_template: Shop, tmp_path: Path) -> Shop:
    """A fresh copy of the template store for one test."""
    path = tmp_path / "shop.db"
    shutil.copy(shop_template.path, path)
    return Shop(
        path,
        f"sqlite:///{path}",
        shop_template.dataset,
        shop_template.write_key,
        shop_template.read_key,
    )


def make_client(shop: Shop, **settings):
    from fastapi.testclient import TestClient

    # the re-plans in a thread of the test's process (0): a worker process per client would
    # cost a start of the library each; test_replans_in_worker_processes covers processes
    settings.setdefault("replan_workers", 0)
    app = create_app(ServiceSettings(db_url=shop.url, **settings))
    return TestClient(app, raise_server_exceptions=False)


@pytest.fixture
def client(shop: Shop):
    """A TestClient over the shop (lifespan started, so the re-plan lane runs)."""
    with make_client(shop) as c:
        yield c


@pytest.fixture
def writer(shop: Shop) -> dict[str, str]:
    """Headers with the write key."""
    return {"X-API-Key": shop.write_key}

"""The service's subcommands: keys add/list/revoke and plan --db (with --load and --report)."""

from __future__ import annotations

import io
import warnings

import pytest

import stockout_forecast as sof
from stockout_forecast.cli import main
from stockout_forecast.service.keys import verify_key
from stockout_forecast.service.store import Store

from .conftest import SHOP


def test_keys_add_list_revoke(shop, capsys):
    out = io.StringIO()
    assert (
        main(["keys", "add", "--db", shop.url, "--scope", "write", "--name", "erp"], stdout=out)
        == 0
    )
    key = out.getvalue().strip()
    assert key.startswith("sof_")
    assert "shown only now" in capsys.readouterr().err
    store = Store(shop.url)
    assert verify_key(store, key) == "write"
    listing = io.StringIO()
    main(["keys", "list", "--db", shop.url], stdout=listing)
    key_id = key.split("_")[1]
    assert key_id in listing.getvalue()
    assert "erp" in listing.getvalue()
    assert key.split("_", 2)[2] not in listing.getvalue()  # the secret is never shown again
    assert main(["keys", "revoke", "--db", shop.url, key_id], stdout=io.StringIO()) == 0
    assert verify_key(store, key) is None
    assert main(["keys", "revoke", "--db", shop.url, key_id], stdout=io.StringIO()) == 4
    assert main(["keys", "add", "--db", shop.url, "--scope", "admin"], stdout=io.StringIO()) == 2
    store.dispose()


@pytest.mark.slow
def test_plan_loads_plans_and_writes_the_report(tmp_path):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ds = sof.make_demo_dataset(**SHOP)
    data = tmp_path / "shop"
    sof.write_dataset(ds, data)
    url = f"sqlite:///{tmp_path / 'store.db'}"
    out = io.StringIO()
    code = main(
        ["plan", "--db", url, "--load", str(data), "--report", str(tmp_path / "rep")], stdout=out
    )
    assert code == 0, out.getvalue()
    text = out.getvalue()
    assert "loaded" in text
    assert "<ReorderPlan as of 2025-04-23: 8 items" in text
    assert (tmp_path / "rep" / "reorder_report.html").exists()
    store = Store(url)
    with store.read() as conn:
        states = list(store.iter_states(conn))
    assert len(states) == 8
    assert {s["source"] for s in states} == {"plan"}
    # the store is a dataset: the library reads it back, every table intact
    back = sof.read_dataset(url)
    assert len(back.sales) == len(ds.sales)
    assert len(back.purchase_orders) == len(ds.purchase_orders)
    # a second load into a filled store is refused with a clear message
    err = main(["plan", "--db", url, "--load", str(data)], stdout=io.StringIO())
    assert err == 3
    store.dispose()

"""The HTML report in a real browser: every section and table in the DOM, a screenshot that
is not blank, and a console without errors.

Headless Chromium (Debian's ``chromium``; ``make test`` and ``.ci/run`` install it when
missing) is driven over the DevTools protocol on a pipe (``--remote-debugging-pipe``), so
nothing listens on a port and no package beyond the standard library is needed. Skipped,
saying why, only where no Chromium can be found.
"""

from __future__ import annotations

import base64
import io
import json
import os
import select
import shutil
import subprocess
import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from fuzz_kit import read_html

from stockout_forecast import cli

CHROMIUM = next((p for p in (shutil.which(n) for n in ("chromium", "chromium-browser")) if p), None)
pytestmark = pytest.mark.skipif(
    CHROMIUM is None,
    reason="Chromium is not installed and could not be installed here "
    "(apt-get install -y chromium); the browser check of the report is skipped",
)


class DevTools:
    """A minimal DevTools-protocol client over Chromium's debugging pipe (fds 3 and 4)."""

    def __init__(self, profile: Path) -> None:
        to_child_r, self._w = os.pipe()
        self._r, from_child_w = os.pipe()

        def fds() -> None:  # in the child: its fd 3 reads our commands, fd 4 writes replies
            os.dup2(to_child_r, 3)
            os.dup2(from_child_w, 4)

        self.proc = subprocess.Popen(
            [
                str(CHROMIUM),
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
                "--hide-scrollbars",
                f"--user-data-dir={profile}",
                "--remote-debugging-pipe",
                "about:blank",
            ],
            # fds 3 and 4 are made by fds() before the child closes the others: keep them
            pass_fds=(3, 4),
            preexec_fn=fds,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        os.close(to_child_r)
        os.close(from_child_w)
        self._buf = b""
        self._id = 0
        self.events: list[dict[str, Any]] = []
        self.session: str | None = None

    def send(self, method: str, timeout: float = 30.0, **params: Any) -> dict[str, Any]:
        """Send a command (to the page once attached) and wait for its reply."""
        self._id += 1
        msg: dict[str, Any] = {"id": self._id, "method": method, "params": params}
        if self.session and not method.startswith("Target."):
            msg["sessionId"] = self.session
        os.write(self._w, json.dumps(msg).encode() + b"\0")
        deadline = time.monotonic() + timeout
        while True:
            for reply in self._read(deadline):
                if reply.get("id") == self._id:
                    if "error" in reply:
                        raise RuntimeError(f"{method}: {reply['error']}")
                    return reply.get("result", {})
                self.events.append(reply)

    def wait_for(self, method: str, timeout: float = 30.0) -> dict[str, Any]:
        """Wait for an event (or find it among those already received)."""
        deadline = time.monotonic() + timeout
        while True:
            for e in self.events:
                if e.get("method") == method:
                    return e
            self.events.extend(self._read(deadline))

    def _read(self, deadline: float) -> list[dict[str, Any]]:
        left = deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError("Chromium did not answer in time")
        ready, _, _ = select.select([self._r], [], [], left)
        if not ready:
            raise TimeoutError("Chromium did not answer in time")
        chunk = os.read(self._r, 1 << 20)
        if not chunk:
            raise RuntimeError("Chromium closed the debugging pipe")
        self._buf += chunk
        *msgs, self._buf = self._buf.split(b"\0")
        return [json.loads(m) for m in msgs if m]

    def close(self) -> None:
        self.proc.kill()
        self.proc.wait(timeout=10)
        os.close(self._w)
        os.close(self._r)


def _open(page: Path, profile: Path) -> tuple[DevTools, dict[str, Any], bytes]:
    """Load ``page``; return the client, what the DOM holds, and a full-page screenshot."""
    dt = DevTools(profile)
    targets = dt.send("Target.getTargets")["targetInfos"]
    page_id = next(t["targetId"] for t in targets if t["type"] == "page")
    dt.session = dt.send("Target.attachToTarget", targetId=page_id, flatten=True)["sessionId"]
    for domain in ("Page", "Runtime", "Log"):
        dt.send(f"{domain}.enable")
    dt.send(
        "Emulation.setDeviceMetricsOverride",
        width=1280,
        height=900,
        deviceScaleFactor=1,
        mobile=False,
    )
    dt.send("Page.navigate", url=page.resolve().as_uri())
    dt.wait_for("Page.loadEventFired")
    js = """JSON.stringify({
        sections: [...document.querySelectorAll('h2')].map(h => h.textContent.trim()),
        tables: document.querySelectorAll('table').length,
        kpis: document.querySelectorAll('.kpi').length,
        images: [...document.images].map(i => i.complete && i.naturalWidth > 0),
        height: document.documentElement.scrollHeight,
        width: document.documentElement.scrollWidth,
    })"""
    dom = json.loads(
        dt.send("Runtime.evaluate", expression=js, returnByValue=True)["result"]["value"]
    )
    shot = dt.send(
        "Page.captureScreenshot", format="png", captureBeyondViewport=True,
        clip={"x": 0, "y": 0, "width": 1280, "height": min(dom["height"], 6000), "scale": 1},
    )  # fmt: skip
    return dt, dom, base64.b64decode(shot["data"])


def _errors(events: list[dict[str, Any]]) -> list[str]:
    out = []
    for e in events:
        m, p = e.get("method"), e.get("params", {})
        if m == "Runtime.exceptionThrown":
            out.append(str(p.get("exceptionDetails", {}).get("text")))
        elif m == "Runtime.consoleAPICalled" and p.get("type") in ("error", "assert"):
            out.append(str(p.get("args")))
        elif m == "Log.entryAdded" and p.get("entry", {}).get("level") == "error":
            out.append(str(p["entry"].get("text")))
    return out


@pytest.mark.slow
@pytest.mark.parametrize("shape", ["full", "sales_only"])
def test_report_in_headless_chromium(shape, base_shop, tmp_path):
    data = tmp_path / "data"
    shutil.copytree(base_shop, data)
    if shape == "sales_only":
        for p in data.iterdir():
            if p.name != "sales.csv":
                p.unlink()
    out = tmp_path / "report"
    args = ["report", str(data), "--out", str(out), "--quiet", "--n-paths", "60"]
    assert cli.main([*args, "--lead-time-days", "14"], stdout=io.StringIO()) == 0
    page = out / "reorder_report.html"
    parsed = read_html(page)
    want_sections = [s for s in parsed.sections if s != "_top"]
    want_tables = sum(len(t) for t in parsed.sections.values())
    dt, dom, png = _open(page, tmp_path / "profile")
    try:
        errors = _errors(dt.events)
    finally:
        dt.close()
    assert dom["sections"] == want_sections
    assert dom["tables"] == want_tables > 0
    assert dom["kpis"] >= 3
    assert all(dom["images"]), "an embedded chart did not load"
    # every table fits a 1,280-px window: the orders' reasons and the 17 columns of the
    # items table once pushed the page to 1,630 px, with a horizontal scroll bar
    assert dom["width"] <= 1280, f"the page is {dom['width']} px wide in a 1,280-px window"
    assert not errors, errors
    from matplotlib import image

    pixels = image.imread(io.BytesIO(png), format="png")[..., :3]
    assert pixels.shape[0] > 500
    assert pixels.shape[1] == 1280
    ink = (pixels.mean(axis=2) < 0.9).mean()  # share of pixels that are not near-white
    assert ink > 0.02, f"the screenshot is almost blank ({ink:.1%} ink)"
    assert float(np.std(pixels)) > 0.05
    (tmp_path / f"screenshot_{shape}.png").write_bytes(png)

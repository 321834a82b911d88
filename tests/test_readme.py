"""The README's Python example runs as written (docs that describe what is built)."""

from __future__ import annotations

import re
from pathlib import Path

README = Path(__file__).parents[1] / "README.md"


def test_readme_python_example_runs(tmp_path, monkeypatch):
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), re.S)
    assert blocks, "README has no python example"
    monkeypatch.chdir(tmp_path)  # the example writes report.html and plan.xlsx
    ns: dict = {}
    for code in blocks:
        exec(compile(code, str(README), "exec"), ns)
    assert (tmp_path / "report.html").stat().st_size > 10_000
    assert (tmp_path / "plan.xlsx").exists()
    assert len(ns["plan"].summary()) == len(ns["ds"].items)

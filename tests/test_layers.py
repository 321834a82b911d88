"""Imports between layers point one way (io -> history -> forecast -> ... -> planner -> cli).

``docs/layers.py`` reads every import of the package with ``ast``; docs/architecture.md shows
its output. A new import against the order of ``LAYERS`` fails here, naming the modules.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

DOCS = Path(__file__).parents[1] / "docs"


def _layers():
    spec = importlib.util.spec_from_file_location("layers", DOCS / "layers.py")
    assert spec is not None
    assert spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_imports_between_layers_point_one_way():
    assert _layers().violations() == []


def test_the_check_sees_an_import_against_the_layers(tmp_path):
    # a known answer: a module of io importing the planner is against the order
    layers = _layers()
    pkg = tmp_path / "stockout_forecast"
    (pkg / "io").mkdir(parents=True)
    (pkg / "io" / "bad.py").write_text("from ..planner import ReorderPlanner\n")
    (pkg / "planner.py").write_text("from .io.bad import x\n")
    layers.PACKAGE = pkg
    assert layers.violations() == ["io.bad -> planner"]
    text = layers.arrows_text()
    assert "io          -> planner" in text
    assert "planner     -> io" in text


def test_the_architecture_page_draws_the_imports_as_they_are():
    # docs/architecture.md shows `python docs/layers.py`'s arrows; a new arrow between layers
    # must be drawn there too (run the script and paste its last block)
    page = (DOCS / "architecture.md").read_text(encoding="utf-8")
    assert _layers().arrows_text() in page

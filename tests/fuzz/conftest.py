"""Fixtures of the fuzz suite: the base shop, built once per session."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

import fuzz_kit


@pytest.fixture(scope="session")
def base_shop(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The 12-item, 240-day shop every fuzz case starts from."""
    return fuzz_kit.build_base(tmp_path_factory.mktemp("fuzz") / "base")

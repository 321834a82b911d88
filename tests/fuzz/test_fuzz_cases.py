"""Every malformed or hostile dataset of the catalogue gets the outcome it must get.

The cases run two at a time in child processes (each under a time limit, its memory
measured) before the first test asks for its result. Run ``python tests/fuzz/outcomes.py``
for the table of outcomes by kind.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from fuzz_cases import CASES
from fuzz_kit import CASE_TIMEOUT_S, outcome, run_case

EXPECTED = {"error": "clear error", "note": "correct result with note", "ok": "correct result"}
WORKERS = max(1, min(2, os.cpu_count() or 1))


@pytest.fixture(scope="session")
def results(base_shop, tmp_path_factory):
    """Every case's (category, detail, result), run in a small pool of child processes."""
    root = tmp_path_factory.mktemp("cases")

    def one(i_case):
        i, case = i_case
        r, data = run_case(case, base_shop, Path(root) / f"c{i:03d}")
        category, detail = outcome(case, r, data)
        return case.name, (category, detail, r)

    with ThreadPoolExecutor(WORKERS) as pool:
        return dict(pool.map(one, enumerate(CASES)))


def test_the_catalogue_is_large_and_names_are_unique():
    assert len(CASES) >= 100
    names = [c.name for c in CASES]
    assert len(names) == len(set(names))
    kinds = {c.kind for c in CASES}
    assert {"file", "encoding", "csv", "dates", "ids", "values", "injection", "tables"} <= kinds


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_case(case, results):
    category, detail, r = results[case.name]
    assert category == EXPECTED[case.expect], (
        f"{case.name}: {category}: {detail}\nstdout:\n{r.stdout[-2000:]}\nstderr:\n{r.stderr[-2000:]}"
    )
    assert r.seconds < CASE_TIMEOUT_S

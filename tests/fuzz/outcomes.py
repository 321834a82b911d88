"""Run the whole fuzz catalogue and print the table of outcomes by kind.

.venv/bin/python tests/fuzz/outcomes.py [--details]
"""

from __future__ import annotations

import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

import fuzz_kit
from fuzz_cases import CASES


def main() -> int:
    details = "--details" in sys.argv
    if "--without-json" in sys.argv:  # for versions before reorder_plan.json existed
        fuzz_kit.RUN_ARGS = tuple(a for a in fuzz_kit.RUN_ARGS if a != "--json")
    only = [a for a in sys.argv[1:] if not a.startswith("--")]
    with tempfile.TemporaryDirectory() as tmp:
        base = fuzz_kit.build_base(Path(tmp) / "base")
        rows = []
        t0 = time.perf_counter()
        for i, case in enumerate(CASES):
            if only and case.name not in only:
                continue
            r, data = fuzz_kit.run_case(case, base, Path(tmp) / f"c{i:03d}")
            cat, detail = fuzz_kit.outcome(case, r, data)
            rows.append((case, cat, detail, r))
            if details or cat not in ("clear error", "correct result", "correct result with note"):
                print(f"{case.name:<34} {cat:<26} {r.seconds:5.1f}s {detail[:300]}", flush=True)
        total = time.perf_counter() - t0
    kinds = sorted({c.kind for c, *_ in rows})
    cats = sorted({cat for _, cat, *_ in rows})
    print()
    print("| kind | " + " | ".join(cats) + " | cases |")
    print("|---|" + "---|" * (len(cats) + 1))
    for k in kinds:
        cnt = Counter(cat for c, cat, *_ in rows if c.kind == k)
        print(
            f"| {k} | "
            + " | ".join(str(cnt.get(x, 0) or "") for x in cats)
            + f" | {sum(cnt.values())} |"
        )
    cnt = Counter(cat for _, cat, *_ in rows)
    print(
        "| **all** | " + " | ".join(f"**{cnt.get(x, 0)}**" for x in cats) + f" | **{len(rows)}** |"
    )
    slowest = max(rows, key=lambda r: r[3].seconds)
    biggest = max(rows, key=lambda r: r[3].peak_mb)
    print(
        f"\n{len(rows)} cases in {total:.0f} s; slowest {slowest[0].name} {slowest[3].seconds:.1f} s; "
        f"largest {biggest[0].name} {biggest[3].peak_mb:.0f} MB"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())

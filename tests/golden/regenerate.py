"""Write the golden plan tables that ``tests/test_golden_plan.py`` compares against.

Run ``.venv/bin/python tests/golden/regenerate.py`` only when a change is *meant* to change
the plan (a better forecast, a fixed rule), and say in the commit which figures moved and why.
A refactor must leave these files untouched.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

HERE = Path(__file__).parent
TABLES = ("summary", "stockouts", "orders", "purchase_order_lines", "promise_dates")


def golden_plan_tables() -> dict[str, pd.DataFrame]:
    """The plan of a small seeded demo shop, as rounded tables in a stable order."""
    from stockout_forecast import ReorderPlanner, make_demo_dataset

    ds = make_demo_dataset(n_items=24, n_days=200, random_state=7)
    plan = ReorderPlanner(n_paths=200, random_state=0).run(ds)
    tables = plan.tables()
    out = {}
    for name in TABLES:
        frame = tables[name].copy()
        for col in frame.columns:
            if pd.api.types.is_float_dtype(frame[col]):
                frame[col] = frame[col].round(6)
        out[name] = frame.reset_index(drop=True)
    return out


def main() -> None:
    for name, frame in golden_plan_tables().items():
        frame.to_csv(HERE / f"{name}.csv", index=False)
        print(f"wrote {name}.csv ({len(frame)} rows)")


if __name__ == "__main__":
    main()

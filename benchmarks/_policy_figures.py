"""Figures and row helpers of ``bench_policy.py`` (kept apart so each file stays short).

Rows are the dicts ``bench_policy.run_case`` returns: ``family``, ``target``, ``pre_roll``
and a summary per item group (``all``, ``none``, ``1-5``, ``>=6``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

__all__ = [
    "format_rows",
    "history_view",
    "plot_calibration_and_cost",
    "plot_frontier",
    "plot_frontier_by_history",
    "print_checks",
]


def _points(rows: list[dict[str, Any]], family: str, pre_roll: bool = True) -> list[dict[str, Any]]:
    return [r for r in rows if r["family"] == family and r["pre_roll"] == pre_roll]


def _merge_groups(parts: list[dict[str, Any]]) -> dict[str, Any]:
    """Add group summaries of disjoint item sets (fill pooled by units, item mean by items)."""
    dem = sum(p["demand_units"] for p in parts)
    filled = sum(p["fill_pooled"] * p["demand_units"] for p in parts if p["demand_units"] > 0)
    n_dem = sum(p["items_with_demand"] for p in parts)
    mean = sum(
        p["fill_item_mean"] * p["items_with_demand"] for p in parts if p["items_with_demand"]
    )
    return {
        "items": sum(p["items"] for p in parts), "items_with_demand": n_dem,
        "demand_units": dem, "fill_pooled": filled / dem if dem > 0 else float("nan"),
        "fill_item_mean": mean / n_dem if n_dem else float("nan"),
        "stock_value": sum(p["stock_value"] for p in parts),
        "cost_per_year": {str(k): sum(p["cost_per_year"][str(k)] for p in parts) for k in parts[0]["cost_per_year"]},
    }  # fmt: skip


def history_view(g: dict[str, Any], which: str) -> dict[str, Any]:
    """Group summary of the items with (``1-5`` and ``>=6``) or without fit-window demand."""
    return g["none"] if which == "none" else _merge_groups([g["1-5"], g[">=6"]])


STYLE = {"textbook": ("tab:gray", "o", "--"), "textbook'": ("tab:brown", "s", "--"),
         "ours per item": ("tab:blue", "^", "-"), "ours pooled": ("tab:green", "D", "-")}  # fmt: skip


def plot_frontier(all_rows: list[dict[str, Any]], path: Path) -> None:
    """Fill pooled against average stock value, one panel per dataset."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = list(dict.fromkeys(r["dataset"] for r in all_rows))
    fig, axes = plt.subplots(1, len(names), figsize=(5.2 * len(names), 4.6), squeeze=False)
    for ax, name in zip(axes[0], names, strict=True):
        rows = [r for r in all_rows if r["dataset"] == name]
        for fam, (color, marker, ls) in STYLE.items():
            pts = sorted(_points(rows, fam), key=lambda r: r["target"])
            ax.plot([r["all"]["stock_value"] / 1e6 for r in pts],
                    [100 * r["all"]["fill_pooled"] for r in pts],
                    ls=ls, marker=marker, color=color, label=fam, ms=4)  # fmt: skip
        for r in _points(rows, "economic"):
            ax.plot(r["all"]["stock_value"] / 1e6, 100 * r["all"]["fill_pooled"], "*",
                    color="tab:red", ms=11)  # fmt: skip
            ax.annotate(f"economic k={r['target']:g}",
                        (r["all"]["stock_value"] / 1e6, 100 * r["all"]["fill_pooled"]),
                        fontsize=7, xytext=(4, -10), textcoords="offset points")  # fmt: skip
        for r in _points(rows, "company Min/Max"):
            ax.plot(r["all"]["stock_value"] / 1e6, 100 * r["all"]["fill_pooled"], "P",
                    color="black", ms=10, label="company Min/Max")  # fmt: skip
        hyb = sorted(_points(rows, "ours pooled + Min/Max (no history)"), key=lambda r: r["target"])
        if hyb:
            ax.plot([r["all"]["stock_value"] / 1e6 for r in hyb],
                    [100 * r["all"]["fill_pooled"] for r in hyb], ls=":", marker="d",
                    color="tab:olive", ms=4, label="ours pooled + Min/Max on items without history")  # fmt: skip
        ax.set_title(name)
        ax.set_xlabel("average stock value on hand (millions)")
        ax.set_ylabel("fill rate, pooled over the replay (%)")
        ax.grid(alpha=0.3)
    for ax in axes[0]:
        ax.legend(fontsize=6, loc="lower right")
    fig.suptitle("Fill rate against stock value, targets 80-99 % (pre-roll protocol)", fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def plot_frontier_by_history(all_rows: list[dict[str, Any]], path: Path) -> None:
    """The frontier apart for items with demand in the fit window (top) and without (bottom)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = list(dict.fromkeys(r["dataset"] for r in all_rows))
    fig, axes = plt.subplots(2, len(names), figsize=(5.2 * len(names), 8.8), squeeze=False)
    for j, name in enumerate(names):
        rows = [r for r in all_rows if r["dataset"] == name]
        for i, which in enumerate(("with", "none")):
            ax = axes[i][j]
            for fam, (color, marker, ls) in STYLE.items():
                pts = [history_view(r, which) for r in
                       sorted(_points(rows, fam), key=lambda r: r["target"])]  # fmt: skip
                ax.plot([p["stock_value"] / 1e6 for p in pts], [100 * p["fill_pooled"] for p in pts],
                        ls=ls, marker=marker, color=color, label=fam, ms=4)  # fmt: skip
            for r in _points(rows, "economic"):
                p = history_view(r, which)
                ax.plot(p["stock_value"] / 1e6, 100 * p["fill_pooled"], "*", color="tab:red", ms=11)
                ax.annotate(f"k={r['target']:g}", (p["stock_value"] / 1e6, 100 * p["fill_pooled"]),
                            fontsize=7, xytext=(4, -10), textcoords="offset points")  # fmt: skip
            for r in _points(rows, "company Min/Max"):
                p = history_view(r, which)
                ax.plot(p["stock_value"] / 1e6, 100 * p["fill_pooled"], "P", color="black", ms=10,
                        label="company Min/Max")  # fmt: skip
            grp = rows[0]["none"] if which == "none" else history_view(rows[0], "with")
            ax.set_title(f"{name}: items {'without' if which == 'none' else 'with'} demand in the "
                         f"fit window ({grp['items']:,} items, {grp['demand_units']:,.0f} units)",
                         fontsize=9)  # fmt: skip
            ax.set_xlabel("average stock value on hand (millions)")
            ax.set_ylabel("fill rate, pooled over the replay (%)")
            ax.grid(alpha=0.3)
    axes[0][0].legend(fontsize=7, loc="lower right")
    fig.suptitle("The frontier apart by demand history in the fit window (pre-roll protocol)",
                 fontsize=10)  # fmt: skip
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def plot_calibration_and_cost(all_rows: list[dict[str, Any]], path: Path) -> None:
    """Left: delivered item-mean fill (>= 6 demand periods) against target. Right: cost per k."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = list(dict.fromkeys(r["dataset"] for r in all_rows))
    fig, axes = plt.subplots(2, len(names), figsize=(5.2 * len(names), 8.4), squeeze=False)
    for j, name in enumerate(names):
        rows = [r for r in all_rows if r["dataset"] == name]
        ax = axes[0][j]
        tg = np.array(sorted({r["target"] for r in _points(rows, "ours per item")}))
        ax.fill_between(100 * tg, 100 * tg - 2, 100 * tg + 2, color="tab:blue", alpha=0.12,
                        label="target ± 2 points")  # fmt: skip
        for fam in ("textbook'", "ours per item"):
            pts = sorted(_points(rows, fam), key=lambda r: r["target"])
            color, marker, ls = STYLE[fam]
            ax.plot([100 * r["target"] for r in pts], [100 * r[">=6"]["fill_item_mean"] for r in pts],
                    ls=ls, marker=marker, color=color, label=fam)  # fmt: skip
        ax.plot(100 * tg, 100 * tg, color="black", lw=0.8)
        ax.set_title(f"{name}: items with >= 6 demand periods")
        ax.set_xlabel("target (%)")
        ax.set_ylabel("delivered item-mean fill (%)")
        ax.legend(fontsize=7)
        ax.grid(alpha=0.3)
        ax = axes[1][j]
        k_ratios = sorted(r["target"] for r in _points(rows, "economic"))
        for i, k in enumerate(k_ratios):
            for fam, (color, marker, ls) in STYLE.items():
                pts = sorted(_points(rows, fam), key=lambda r: r["target"])
                ax.plot([100 * r["target"] for r in pts],
                        [r["cost_per_year"][str(k)] / 1e6 for r in pts], ls=ls, marker=marker,
                        color=color, alpha=0.35 + 0.3 * i, ms=3,
                        label=fam if i == len(k_ratios) - 1 else None)  # fmt: skip
            eco = next(r for r in _points(rows, "economic") if r["target"] == k)
            ax.axhline(eco["cost_per_year"][str(k)] / 1e6, color="tab:red", lw=1,
                       alpha=0.35 + 0.3 * i)  # fmt: skip
            ax.annotate(f"economic, k={k:g}", (80, eco["cost_per_year"][str(k)] / 1e6),
                        fontsize=7, color="tab:red", xytext=(0, 2), textcoords="offset points")  # fmt: skip
        ax.set_yscale("log")
        ax.set_title(f"{name}: replayed cost per year, backorder cost k x price")
        ax.set_xlabel("target (%)")
        ax.set_ylabel("holding + ordering + backorders (millions / year)")
        ax.legend(fontsize=7)
        ax.grid(alpha=0.3, which="both")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def format_rows(rows: list[dict[str, Any]]) -> str:
    """One line per policy point: fill pooled, item mean, by group, stock value, cost per k."""
    ks = list(rows[0]["cost_per_year"])  # backorder-cost ratios, as str
    head = (f"{'policy':18s} {'target':>6s} {'fill':>7s} {'item':>7s} {'>=6 item':>8s} "
            f"{'1-5 fill':>8s} {'none fill':>9s} {'value':>12s} "
            + " ".join(f"{'cost k=' + format(float(k), 'g'):>12s}" for k in ks))  # fmt: skip
    out = [head]
    for r in rows:
        tgt = "" if r["target"] is None else f"{r['target']:g}"
        fam = r["family"] + ("" if r["pre_roll"] else " (no pre-roll)")
        out.append(
            f"{fam[:30]:18s} {tgt:>6s} {r['all']['fill_pooled']:7.1%} {r['all']['fill_item_mean']:7.1%} "
            f"{r['>=6']['fill_item_mean']:8.1%} {r['1-5']['fill_pooled']:8.1%} "
            f"{r['none']['fill_pooled']:9.1%} {r['all']['stock_value']:12,.0f} "
            + " ".join(f"{r['cost_per_year'][k]:12,.0f}" for k in ks)
        )  # fmt: skip
    return "\n".join(out)


def print_checks(chk: dict[str, Any], rows: list[dict[str, Any]]) -> None:
    """The checks of one dataset, one line each."""
    if "company_point" in chk:
        print("issue 4's protocol, best fill of ours within 5.0 M of stock (Min/Max: "
              + ", ".join(f"{r['all']['fill_pooled']:.1%} / {r['all']['stock_value']:,.0f}"
                          for r in _points(rows, "company Min/Max", False))
              + "): " + "; ".join(
                  f"{c['family']} {c['target']:g}: {c['fill']:.1%} / {c['value']:,.0f} "
                  f"(with history {c['fill_with_history']:.1%} / {c['value_with_history']:,.0f}"
                  f", none {c['fill_no_history']:.1%} / {c['value_no_history']:,.0f})"
                  for c in chk["company_point"]))  # fmt: skip
    fr = chk["frontier"]
    print(f"frontier: {sum(c['met'] for c in fr)} of {len(fr)} textbook points dominated "
          "(fill at least theirs, value at most theirs); not met: "
          + ("; ".join(f"{c['baseline']} {c['target']:g} ({c['fill']:.1%}, {c['value']:,.0f}) "
                       f"vs {c['ours']} ({(c['ours_fill'] or 0):.1%}, {(c['ours_value'] or 0):,.0f})"
                       for c in fr if not c["met"]) or "none"))  # fmt: skip
    print(
        "calibration (items with >= 6 demand periods, item-mean fill, delivered [on the "
        "paths]): "
        + ", ".join(
            f"{c['target']:.1%} -> {c['delivered']:.1%} [{c['in_paths']:.1%}]"
            + (" ({:.1%}..{:.1%})".format(*c["delivered_95"]) if "delivered_95" in c else "")
            for c in chk["calibration"]
        )
        + "; (..) = 95 % item-bootstrap interval of the delivered figure"
    )
    print(
        "economic vs the cheapest fixed-target policy: "
        + "; ".join(
            f"k={c['k']:g}: {c['economic']:,.0f} vs {c['best_fixed']} {c['best_fixed_cost']:,.0f}"
            f" ({'met' if c['met'] else 'NOT met'}"
            + (
                ", difference {:+.1%}..{:+.1%}".format(*c["difference_95"])
                if "difference_95" in c
                else ""
            )
            + ")"
            for c in chk["economic"]
        )
        + "; difference = 95 % item-bootstrap interval of economic / best fixed - 1"
    )

"""Draw the package tree and the imports between its layers, from the code itself.

Usage::

    python docs/layers.py            # the tree with line counts, then the layer imports
    python docs/layers.py --check    # exit 1 if an import points against LAYERS

A layer is a folder of ``src/stockout_forecast`` (``io``, ``history``...) or a top-level
module (``planner``, ``cli``); the private helpers at the top (``_utils``, ``_export``...)
form the ``base`` layer. Every ``import`` is read with :mod:`ast` (also those inside
functions and under ``TYPE_CHECKING``), so the picture cannot drift from the code.
"""

from __future__ import annotations

import argparse
import ast
import sys
from collections import defaultdict
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "stockout_forecast"

#: The layers, lowest first: a module may import its own layer and the layers before it.
LAYERS: tuple[str, ...] = (
    "base",
    "io",
    "datasets",
    "history",
    "forecast",
    "simulation",
    "policy",
    "supply",
    "report",
    "scale",
    "planner",
    "__init__",
    "service",
    "cli",
)
_BASE = {"_utils", "_export", "_arrays", "_inventory", "exceptions", "_version"}


def layer_of(module: str) -> str:
    """The layer of a dotted module name inside the package (``"supply.split"`` -> ``"supply"``)."""
    head = module.split(".")[0] if module else "__init__"
    return "base" if head in _BASE else head


def _module_name(path: Path) -> str:
    rel = path.relative_to(PACKAGE).with_suffix("")
    parts = [p for p in rel.parts if p != "__init__"] if rel.name == "__init__" else list(rel.parts)
    return ".".join(parts)


def _imported(path: Path, module: str) -> set[str]:
    """Package-internal modules that ``path`` imports (dotted, without the package name)."""
    is_pkg = path.name == "__init__.py"
    here = module.split(".") if module else []
    package = here if is_pkg else here[:-1]
    out: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - (node.level - 1)]
                target = ".".join([*base, *(node.module.split(".") if node.module else [])])
            elif node.module and node.module.startswith("stockout_forecast"):
                target = node.module.removeprefix("stockout_forecast").lstrip(".")
            else:
                continue
            out.add(target)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name == "stockout_forecast":  # the public API: the package itself
                    out.add("")
                elif alias.name.startswith("stockout_forecast."):
                    out.add(alias.name.removeprefix("stockout_forecast."))
    return out


def layer_imports() -> dict[tuple[str, str], set[str]]:
    """``{(importer layer, imported layer): {"importer -> imported", ...}}`` across layers."""
    arrows: dict[tuple[str, str], set[str]] = defaultdict(set)
    for path in sorted(PACKAGE.rglob("*.py")):
        module = _module_name(path)
        src = layer_of(module)
        for target in _imported(path, module):
            dst = layer_of(target)
            if dst != src:
                arrows[(src, dst)].add(f"{module or '__init__'} -> {target or '__init__'}")
    return arrows


def violations() -> list[str]:
    """Imports from a layer to a later one in :data:`LAYERS` (should be none)."""
    rank = {name: k for k, name in enumerate(LAYERS)}
    bad = []
    for (src, dst), examples in sorted(layer_imports().items()):
        if rank.get(dst, -1) > rank.get(src, len(LAYERS)):
            bad += sorted(examples)
    return bad


def tree() -> str:
    """The package's folders and modules with their line counts."""
    out, seen = [], set()
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(PACKAGE)
        for depth in range(len(rel.parts) - 1):
            folder = rel.parts[: depth + 1]
            if folder not in seen:
                seen.add(folder)
                out.append("    " * depth + folder[-1] + "/")
        n = len(path.read_text(encoding="utf-8").splitlines())
        out.append("    " * (len(rel.parts) - 1) + f"{rel.name:<32}{n:>5}")
    return "\n".join(out)


def arrows_text() -> str:
    """One line per layer: the layers it imports (lowest first)."""
    rank = {name: k for k, name in enumerate(LAYERS)}
    deps: dict[str, set[str]] = defaultdict(set)
    for src, dst in layer_imports():
        deps[src].add(dst)
    lines = []
    for name in LAYERS:
        used = sorted(deps.get(name, ()), key=lambda d: rank.get(d, -1))
        lines.append(f"{name:<11} -> {', '.join(used) if used else '(nothing)'}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail on an import against LAYERS")
    args = parser.parse_args(argv)
    bad = violations()
    if args.check:
        for line in bad:
            print(f"against the layers: {line}")
        return 1 if bad else 0
    print("src/stockout_forecast/")
    print("\n".join("    " + line for line in tree().splitlines()))
    print()
    print("Imports between layers (each layer imports only those before it):")
    print(arrows_text())
    return 0


if __name__ == "__main__":
    sys.exit(main())

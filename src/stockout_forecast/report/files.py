"""Output folders owned by the run: never a mix of an old and a new report.

A report is a set of files (the page, CSVs, one draft PO per supplier...). Written into a
folder that already holds an earlier report, a run that drafts fewer purchase orders would
leave the old ones beside the new: a planner could send a stale PO. So a run

1. checks the folder before anything is computed (:meth:`OutputFolder.check`): it must be
   a folder (or not exist yet), and hold nothing but what an earlier run listed in its
   ``manifest.json`` (or, for reports made before manifests, only report file names);
2. writes every file into a staging folder inside it;
3. removes the files of the previous run, moves the new ones in and writes the manifest
   listing them (:meth:`OutputFolder.commit`). A run that fails before that leaves the
   previous report as it was.
"""

from __future__ import annotations

import json
import re
import shutil
import uuid
from dataclasses import dataclass
from pathlib import Path

__all__ = ["MANIFEST", "OutputFolder", "OutputFolderError"]

MANIFEST = "manifest.json"
_STAGING = ".stockout-forecast-staging-"
#: file names reports made before manifests existed; a folder holding only these is ours
_LEGACY = re.compile(
    r"^(reorder_report\.html|stockout_items\.csv|orders\.csv|customer_notices\.csv|"
    r"availability\.csv|reorder_plan\.xlsx|reorder_plan\.json|purchase_orders/po_[^/]+\.csv)$"
)


class OutputFolderError(ValueError):
    """The output folder cannot take a report (it is a file, or holds files of others)."""


@dataclass(frozen=True)
class OutputFolder:
    """A report folder and the files its previous run wrote.

    Attributes
    ----------
    path : Path
        The folder.
    previous : tuple of str
        Paths (relative, ``/``-separated) the previous run wrote; removed on commit.
    """

    path: Path
    previous: tuple[str, ...] = ()

    @classmethod
    def check(cls, path: str | Path) -> OutputFolder:
        """The folder ``path`` if a report may be written there; else OutputFolderError.

        Raises
        ------
        OutputFolderError
            ``path`` is a file, or a folder holding files no earlier report wrote.
        """
        out = Path(path)
        if out.exists() and not out.is_dir():
            raise OutputFolderError(
                f"--out {out} is a file, not a folder. Give a folder for the report's files "
                f"(it is created if missing)."
            )
        if not out.exists():
            return cls(out)
        for stale in out.glob(_STAGING + "*"):  # a run that was interrupted
            shutil.rmtree(stale, ignore_errors=True)
        files = sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file())
        listed: set[str] = set()
        manifest = out / MANIFEST
        if manifest.is_file():
            try:
                listed = set(json.loads(manifest.read_text(encoding="utf-8"))["files"])
            except (ValueError, KeyError, TypeError) as err:
                raise OutputFolderError(
                    f"--out {out} holds a {MANIFEST} that cannot be read ({err}). Choose a new "
                    f"folder, or delete the old report."
                ) from err
            listed.add(MANIFEST)
        else:
            listed = {f for f in files if _LEGACY.match(f)}
        foreign = [f for f in files if f not in listed]
        if foreign:
            shown = ", ".join(foreign[:5]) + (
                f" (and {len(foreign) - 5} more)" if len(foreign) > 5 else ""
            )
            raise OutputFolderError(
                f"--out {out} holds files that no earlier report wrote: {shown}. A report "
                f"replaces only its own files; choose a new folder or an empty one."
            )
        return cls(out, tuple(sorted(set(files) & listed - {MANIFEST})))

    def staging(self) -> Path:
        """A fresh, empty folder inside the output folder to write the new files into."""
        self.path.mkdir(parents=True, exist_ok=True)
        tmp = self.path / f"{_STAGING}{uuid.uuid4().hex[:12]}"
        tmp.mkdir()
        return tmp

    def commit(self, staged: Path, *, meta: dict | None = None) -> list[Path]:
        """Replace the previous run's files by the staged ones; write the manifest.

        Returns the paths of the new files (manifest excluded).
        """
        for rel in self.previous:
            (self.path / rel).unlink(missing_ok=True)
        for d in sorted({(self.path / r).parent for r in self.previous}, reverse=True):
            if d != self.path and d.is_dir() and not any(d.iterdir()):
                d.rmdir()
        new: list[str] = []
        for p in sorted(staged.rglob("*")):
            if p.is_file():
                rel = p.relative_to(staged).as_posix()
                target = self.path / rel
                target.parent.mkdir(parents=True, exist_ok=True)
                p.replace(target)
                new.append(rel)
        shutil.rmtree(staged, ignore_errors=True)
        body = {"tool": "stockout-forecast", **(meta or {}), "files": new}
        (self.path / MANIFEST).write_text(json.dumps(body, indent=1), encoding="utf-8")
        return [self.path / r for r in new]

    def abandon(self, staged: Path) -> None:
        """Drop a staging folder (the previous report stays as it was)."""
        shutil.rmtree(staged, ignore_errors=True)

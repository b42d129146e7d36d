"""The inputs of the last successful `kindbelang run`, so that a rerun with nothing changed answers at once.

Dagster decides what a run redoes (kindbelang.versions), but importing the definitions and asking the instance
for the staleness of every asset costs seconds. Everything that can make an asset stale is a file: the code, SQL,
suites, templates and curated data of this project, the lock file, and the stored CBS tables. So a run records one
digest of all of them when it ends with everything up to date; the next run with the same digest, the same
settings and the same current release has nothing to redo. Anything else takes the full path through Dagster.

Any run that writes the warehouse (CLI, sensor, schedule, UI) first removes the record (resources.Warehouse), so a
failed, killed or concurrent run never leaves a record behind that claims the outputs are up to date.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
from pathlib import Path

from kindbelang import release, settings

RECORD = "last_successful_run.json"
# Everything in the project that shapes an output: the code, the SQL models, the suites, the pinned packages and
# the files the code reads (a superset of what the code versions in kindbelang.versions cover).
INPUTS = ("pipelines/kindbelang", "sql", "expectations", "pyproject.toml", "requirements.lock",
          *(f for files in settings.DATA_FILES.values() for f in files))


def record_path(out: Path) -> Path:
    return out / RECORD


def digest(stored_tables: Path, run_settings: dict) -> str:
    """One hash of every input file, the stored CBS tables, the run's settings, the Python version and the
    KINDBELANG_ environment (the packages are pinned in requirements.lock, one of the files)."""
    h = hashlib.sha256(json.dumps(
        [run_settings, sys.version, sorted((k, v) for k, v in os.environ.items() if k.startswith("KINDBELANG_"))],
        sort_keys=True).encode())
    roots = [settings.PROJECT_ROOT / p for p in INPUTS] + [stored_tables]
    files = {f for root in roots for f in (root.rglob("*") if root.is_dir() else [root])}  # each file once
    for f in sorted(files):
        if f.is_file() and "__pycache__" not in f.parts:
            h.update(str(f).encode() + b"\0" + f.read_bytes() + b"\0")
    return h.hexdigest()


def _current_release(out: Path) -> str | None:
    now = release.current(out)
    return now.name if now is not None else None


def unchanged(out: Path, inputs: str) -> bool:
    """True when the last successful run had these inputs and its outputs are still the current ones."""
    try:
        recorded = json.loads(record_path(out).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return (recorded.get("inputs") == inputs and recorded.get("release") == _current_release(out)
            and settings.Paths(out).warehouse.is_file() and release.pending(out) is None)


def record(out: Path, inputs: str) -> None:
    """After a run that left every asset up to date: remember its inputs (written atomically)."""
    staged = record_path(out).with_suffix(".tmp")
    staged.write_text(json.dumps({"inputs": inputs, "release": _current_release(out)}), encoding="utf-8")
    os.replace(staged, record_path(out))


def forget(out: Path) -> None:
    """Before anything writes the warehouse: the outputs are no longer known to be those of the recorded inputs."""
    record_path(out).unlink(missing_ok=True)

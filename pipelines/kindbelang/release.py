"""A release: the published database (with its Parquet exports) and the site built from it, switched as one pair.

    <out>/releases/<stamp>-<run>/published/   read-only database, parquet/ (asset `publication`)
    <out>/releases/<stamp>-<run>/site/        the static site built from that database (asset `site`)
    <out>/current -> releases/<stamp>-<run>   one symlink, replaced atomically once both halves are complete
    <out>/published -> current/published, <out>/site -> current/site   the fixed paths readers use

A reader therefore sees the previous pair or the new pair, never a new database beside an old site, and a run
killed at any moment leaves `current` as it was. Each half is written under a `.tmp` name and renamed when
complete, so a release directory holds only finished halves; leftovers of killed runs are removed at the next
start (`clean`). The previous release stays beside the current one (for comparison and rollback).
"""

from __future__ import annotations

import os
import shutil
import uuid
from datetime import datetime, timezone
from pathlib import Path

RELEASES = "releases"
CURRENT = "current"
HALVES = ("published", "site")


def new_release(out: Path, run_id: str) -> Path:
    """An empty release directory, named so that names sort by time."""
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S%fZ")
    release = out / RELEASES / f"{stamp}-{run_id[:8]}"
    release.mkdir(parents=True)
    return release


def current(out: Path) -> Path | None:
    link = out / CURRENT
    return (out / RELEASES / os.readlink(link).split("/")[-1]) if link.is_symlink() else None


def pending(out: Path) -> Path | None:
    """The newest release with a published database and no site yet, newer than the current one: a publication
    waiting for its site (also when the run that made it stopped before the site was built)."""
    now = current(out)
    candidates = sorted(p for p in (out / RELEASES).glob("*") if (p / "published").is_dir()
                        and not (p / "site").exists() and (now is None or p.name > now.name))
    return candidates[-1] if candidates else None


def write_half(release: Path, half: str, build) -> Path:
    """Call ``build(directory)`` on a fresh ``.tmp`` directory and rename it to ``release/half`` when it returns."""
    staging = release / f".{half}.{uuid.uuid4().hex}.tmp"
    staging.mkdir()
    try:
        build(staging)
        os.replace(staging, release / half)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return release / half


def link_half(release: Path, half: str, source: Path) -> None:
    """Reuse a finished half of another release (hard links: its files are never changed in place)."""
    shutil.copytree(source, release / half, copy_function=os.link)


def switch(out: Path, release: Path) -> None:
    """Make ``release`` current: one atomic symlink replacement. Then keep only it and the one before."""
    missing = [h for h in HALVES if not (release / h).is_dir()]
    if missing:
        raise RuntimeError(f"release {release} is incomplete (missing {', '.join(missing)})")
    link = out / f".{CURRENT}.{uuid.uuid4().hex}.tmp"
    os.symlink(f"{RELEASES}/{release.name}", link)
    previous = current(out)
    copied, aside = out / CURRENT, out / f".{CURRENT}.{uuid.uuid4().hex}.old.tmp"
    if copied.is_dir() and not copied.is_symlink():
        # An output directory copied without its links (cp -r, a restored backup): the copy of a release
        # goes, the release itself is still under releases/.
        os.replace(copied, aside)
    os.replace(link, out / CURRENT)
    shutil.rmtree(aside, ignore_errors=True)
    for half in HALVES:
        _fixed_link(out, half)
    keep = {release.name} | ({previous.name} if previous else set())
    for old in (out / RELEASES).iterdir():
        if old.name not in keep and old.name < release.name:
            shutil.rmtree(old, ignore_errors=True)


def _fixed_link(out: Path, half: str) -> None:
    """<out>/<half> -> current/<half>; a real directory from before releases existed is moved aside first."""
    path = out / half
    if path.is_symlink():
        return
    aside = out / f".{half}.{uuid.uuid4().hex}.tmp"
    if path.exists():
        os.replace(path, aside)
    os.symlink(f"{CURRENT}/{half}", path)
    shutil.rmtree(aside, ignore_errors=True)


def clean(out: Path) -> list[Path]:
    """Remove what killed runs left: `.tmp` entries in <out>, in each release and in quality/, and unfinished
    releases older than the current one. Call with the run lock held."""
    removed = [p for p in out.glob(".*.tmp")]
    now = current(out)
    for release in sorted((out / RELEASES).glob("*")):
        removed += release.glob(".*.tmp")
        unfinished = not (release / "site").exists()
        if (now is not None and release.name < now.name and unfinished) or not any(
                (release / h).exists() for h in HALVES):
            removed.append(release)
    removed += (out / "quality").glob(".*.tmp")
    removed += (out / "quality").glob(".*.old")
    for path in removed:
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)
    return removed

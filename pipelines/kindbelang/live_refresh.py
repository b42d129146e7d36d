"""Live refresh of CBS tables into the raw store: `kindbelang fetch`, `kindbelang run --source live` and the
release sensor all go through here.

    poll_modified(source, ids)        -> {id: Modified, or the exception}   (concurrent, one small request each)
    refresh(source, ids, changed_only) -> [TableResult]                     (several tables at once)

With ``changed_only`` a table is fetched only when CBS's Modified differs from the stored release's, or
nothing is stored. All requests of one refresh share one bound (KINDBELANG_CBS_CONNECTIONS, default 8), so
more tables at once never means more load on CBS than that.
"""

from __future__ import annotations

import json
import os
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path

from kindbelang import settings
from kindbelang.cbs_live import FetchPolicy, policy_from_env
from kindbelang.progress import FetchProgress, seconds_nl
from kindbelang.raw_store import table_dir
from kindbelang.resources import CbsSource, FetchOutcome

CONNECTIONS_ENV = "KINDBELANG_CBS_CONNECTIONS"
TABLES_AT_ONCE = 4


@dataclass
class TableResult:
    table_id: str
    status: str  # "new" | "updated" | "unchanged" (fetched, same content) | "same release" (not fetched) | "error"
    outcome: FetchOutcome | None = None
    error: Exception | None = None
    seconds: float = 0.0


def connections_from_env(environ: dict | None = None) -> int:
    value = (environ if environ is not None else os.environ).get(CONNECTIONS_ENV) or "8"
    if not value.isdigit() or int(value) < 1:
        raise ValueError(f"{CONNECTIONS_ENV}={value!r} is not a positive whole number")
    return int(value)


def shared_policy(progress: FetchProgress | None = None, base: FetchPolicy | None = None) -> FetchPolicy:
    """The environment's policy with one connection bound for every table of this refresh."""
    connections, base = connections_from_env(), base or policy_from_env()
    return replace(base, connections=threading.BoundedSemaphore(connections),
                   workers=min(base.workers, connections), progress=progress)


def stored_modified(root: Path, table_id: str) -> str | None:
    """Modified of the release in the raw store at ``root`` (None: nothing stored)."""
    path = table_dir(root, table_id) / "metadata.json"
    if not path.exists():
        return None
    return (json.loads(path.read_text(encoding="utf-8")).get("table_infos") or {}).get("Modified")


def poll_modified(source: CbsSource, ids: list[str], policy: FetchPolicy | None = None) -> dict[str, object]:
    """Each table's Modified at CBS, asked concurrently; a table that cannot be asked maps to its exception."""
    policy = policy or shared_policy()

    def ask(table_id: str) -> object:
        try:
            return source.modified(table_id, policy=policy)
        except Exception as exc:  # noqa: BLE001  one unreachable table must not hide the others
            return exc

    with ThreadPoolExecutor(max_workers=connections_from_env(), thread_name_prefix="cbs-modified") as pool:
        return dict(zip(ids, pool.map(ask, ids)))


def refresh(source: CbsSource, ids: list[str], *, changed_only: bool = False, into: Path | None = None,
            keep_previous: bool = True, accept_any_change: bool = False,
            progress: FetchProgress | None = None) -> list[TableResult]:
    """Fetch ``ids`` live into ``into`` (default <out>/raw), several at once; results in the order of ``ids``."""
    root = into or settings.paths().live_raw
    policy = shared_policy(progress)
    todo, skipped = list(ids), {}
    if changed_only:
        if progress:
            progress.note("CBS", f"nieuwe versies nagaan van {len(ids)} tabellen (Modified)")
        polled = poll_modified(source, ids, policy)
        # A table whose Modified could not be asked is fetched anyway: that gives the precise error.
        skipped = {t: TableResult(t, "same release") for t, modified in polled.items()
                   if isinstance(modified, str) and modified == stored_modified(root, t)}
        todo = [t for t in ids if t not in skipped]
        if progress:
            progress.note("CBS", f"{len(todo)} van {len(ids)} tabellen nieuw of gewijzigd"
                          + (f": {', '.join(todo)}" if todo else ""))

    def fetch_one(table_id: str) -> TableResult:
        started = time.monotonic()
        try:
            outcome = source.fetch(table_id, into=into, keep_previous=keep_previous,
                                   accept_any_change=accept_any_change, policy=policy)
        except Exception as exc:  # noqa: BLE001  report every table, then fail as a whole
            result = TableResult(table_id, "error", error=exc, seconds=time.monotonic() - started)
            if progress:
                progress.note(table_id, f"MISLUKT na {seconds_nl(result.seconds)}")
            return result
        result = TableResult(table_id, outcome.status, outcome, seconds=time.monotonic() - started)
        if progress:
            rows = f"{outcome.table.data.height:,}".replace(",", ".")
            progress.note(table_id, f"klaar: {rows} rijen, {STATUS_NL[outcome.status]} "
                                    f"({seconds_nl(result.seconds)})")
        return result

    with ThreadPoolExecutor(max_workers=TABLES_AT_ONCE, thread_name_prefix="cbs-table") as pool:
        fetched = dict(zip(todo, pool.map(fetch_one, todo)))
    return [skipped.get(t) or fetched[t] for t in ids]


STATUS_NL = {"new": "nieuw", "updated": "bijgewerkt", "unchanged": "ongewijzigd", "same release": "zelfde versie"}

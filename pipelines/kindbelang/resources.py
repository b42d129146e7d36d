"""The two resources every asset uses, configured once in definitions.py."""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

import dagster as dg
import duckdb
from pydantic import PrivateAttr

from kindbelang import last_run, settings
from kindbelang.raw_store import RawTable, read_raw_table, table_dir, write_raw_table


class Warehouse(dg.ConfigurableResource):
    """The DuckDB warehouse at <out>/kindbelang.duckdb (KINDBELANG_OUT overrides <out>).

    In a run the database stays open from the first step that connects until the run ends: opening and closing
    the file per step (checkpointing it each time) cost more than most models (94 x 27 ms). Outside a run (direct
    invocation) each ``connect`` opens and closes the file.
    """

    out_dir: str = ""
    _in_run: bool = PrivateAttr(default=False)
    _con: duckdb.DuckDBPyConnection | None = PrivateAttr(default=None)

    @contextmanager
    def yield_for_execution(self, context) -> Iterator["Warehouse"]:
        self._in_run = True
        try:
            yield self
        finally:
            self._in_run = False
            if self._con is not None:
                self._con.close()
                self._con = None

    @property
    def paths(self) -> settings.Paths:
        """The output layout around this warehouse (published copy, quality reports, site)."""
        return settings.Paths(Path(self.out_dir).resolve()) if self.out_dir else settings.paths()

    @property
    def path(self) -> Path:
        return self.paths.warehouse

    @contextmanager
    def connect(self) -> Iterator[duckdb.DuckDBPyConnection]:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        last_run.forget(self.paths.out)  # the outputs may change: a no-op rerun must ask Dagster again
        if self._in_run and self._con is None:
            self._con = duckdb.connect(str(self.path))
        # In a run: a cursor of the run's connection (its own connection to the open database, so a step's
        # unfinished results never reach the next), whose close does not close the file.
        con = self._con.cursor() if self._in_run else duckdb.connect(str(self.path))
        try:
            yield con
        finally:
            con.close()


def replace_table(con: duckdb.DuckDBPyConnection, schema: str, name: str, frame) -> None:
    """Create or replace <schema>.<name> from a Polars frame (the one way Python assets write DuckDB)."""
    con.execute(f"CREATE SCHEMA IF NOT EXISTS {schema}")
    con.register("incoming_frame", frame.to_arrow())
    try:
        con.execute(f"CREATE OR REPLACE TABLE {schema}.{name} AS SELECT * FROM incoming_frame")
    finally:
        con.unregister("incoming_frame")


class SchemaChangeError(RuntimeError):
    """A live table's columns differ from its previous version and the catalog does not accept that."""

    def __init__(self, table_id: str, url: str, against: str, changes: list[str]):
        self.table_id, self.url, self.against, self.changes = table_id, url, against, changes
        listed = "\n".join(f"  - {c}" for c in changes)
        super().__init__(
            f"CBS table {table_id}: {url}: schema changed against {against}:\n{listed}\n"
            f"Nothing was written. If the change is expected, list it under accept_schema_change for "
            f"{table_id} in catalog.yaml (column keys, or true for any change) and fetch again.")


@dataclass
class FetchOutcome:
    table: RawTable  # as now stored
    status: str  # "new" (nothing stored before), "updated", "unchanged" (same Modified and content)
    accepted_changes: list[str] = field(default_factory=list)


class CbsSource(dg.ConfigurableResource):
    """Where raw CBS tables come from: the committed snapshot (default) or the live OData feed.

    Live: each raw asset fetches its table completely, checks the schema against the previous raw version
    (<out>/raw/<ID>, else the snapshot), swaps it into the raw store atomically (the release it replaces
    moves to <out>/raw/previous/<ID>) and only then loads it, so a failed fetch never reaches DuckDB.
    """

    mode: str = "snapshot"  # "snapshot" | "live"
    base_url: str = ""  # v3; empty: KINDBELANG_CBS_URL or https://opendata.cbs.nl
    # "v3" | "v4" for every table; empty: the catalog entry's `api` (default v3). v4 reads KINDBELANG_CBS_V4_URL.
    api: str = ""
    snapshot_dir: str = ""  # empty: settings.SNAPSHOT_DIR (the committed snapshot)
    # Live only: the caller already fetched every table into the raw store (`kindbelang run --source live`
    # does, so that one failing table stops the run before DuckDB is touched); load from there.
    prefetched: bool = False

    def load(self, table_id: str) -> RawTable:
        if self.mode == "snapshot":
            return read_raw_table(Path(self.snapshot_dir) if self.snapshot_dir else settings.SNAPSHOT_DIR, table_id)
        if self.mode == "live":
            if self.prefetched:
                return read_raw_table(settings.paths().live_raw, table_id)
            return self.fetch(table_id).table
        raise ValueError(f"unknown CBS source mode {self.mode!r} (use 'snapshot' or 'live')")

    def resolved_base_url(self) -> str:
        from kindbelang.cbs_live import base_url_from_env

        return (self.base_url or base_url_from_env()).rstrip("/")

    def api_of(self, table_id: str) -> str:
        """"v3" or "v4": this resource's api, else the catalog entry's (default v3)."""
        from kindbelang.catalog import find_catalog_table

        entry = find_catalog_table(table_id)
        api = self.api or (entry.api if entry else "v3")
        if api not in ("v3", "v4"):
            raise ValueError(f"unknown CBS api {api!r} (use 'v3' or 'v4')")
        return api

    def modified(self, table_id: str, policy=None) -> str:
        """The table's Modified at CBS (one small request): the release signal."""
        if self.api_of(table_id) == "v4":
            from kindbelang.cbs_v4 import fetch_modified_v4, v4_base_url_from_env

            return fetch_modified_v4(v4_base_url_from_env(), table_id, policy=policy)
        from kindbelang.cbs_live import fetch_modified

        return fetch_modified(self.resolved_base_url(), table_id, policy=policy)

    def fetch(self, table_id: str, *, into: Path | None = None, keep_previous: bool = True,
              accept_any_change: bool = False, policy=None) -> FetchOutcome:
        """Fetch ``table_id`` live into ``into`` (default <out>/raw): complete, schema-checked, atomic.
        ``policy``: a cbs_live.FetchPolicy (default from the environment).

        Raises CbsFetchError (fetch failed) or SchemaChangeError; either way nothing is written.
        """
        from kindbelang.catalog import find_catalog_table
        from kindbelang.cbs_live import entity_url, fetch_table, policy_from_env, schema_differences

        table_id = table_id.upper()
        root = into or settings.paths().live_raw
        entry = find_catalog_table(table_id)
        api = self.api_of(table_id)
        policy = policy or policy_from_env()
        stored = read_raw_table(root, table_id) if (table_dir(root, table_id) / "metadata.json").exists() else None
        previous, against = stored, f"the previous version in {table_dir(root, table_id)}"
        snapshot = Path(self.snapshot_dir) if self.snapshot_dir else settings.SNAPSHOT_DIR
        if previous is None and (table_dir(snapshot, table_id) / "metadata.json").exists():
            previous = read_raw_table(snapshot, table_id)
            against = f"the snapshot in {table_dir(snapshot, table_id)}"

        if api == "v4":
            from kindbelang.cbs_v4 import fetch_table_v4, v4_base_url_from_env, v4_entity_url

            url = v4_base_url_from_env()
            new = fetch_table_v4(table_id, url, policy=policy)
            schema_url = v4_entity_url(url, table_id, "MeasureCodes")
        else:
            url = self.resolved_base_url()
            new = fetch_table(table_id, url, policy=policy, previous=previous)
            schema_url = entity_url(url, table_id, "DataProperties")
        changes = schema_differences(previous, new) if previous is not None else []
        refused = [c for c in changes if not (accept_any_change or (entry and entry.accepts_schema_change(c)))]
        if refused:
            raise SchemaChangeError(table_id, schema_url, against, refused)

        if stored is None:
            write_raw_table(root, new)
            return FetchOutcome(new, "new", changes)
        same_release = stored.modified is not None and stored.modified == new.modified
        if same_release and _same_content(stored, new):
            # Rewriting would move this very release into previous/ and lose the one before it.
            return FetchOutcome(stored, "unchanged", changes)
        # A new Modified retires the stored release to previous/; a silent correction under the same
        # Modified just replaces it, so previous/ keeps the last *different* release.
        write_raw_table(root, new, keep_previous=keep_previous and not same_release)
        return FetchOutcome(new, "updated", changes)


def _same_content(a: RawTable, b: RawTable) -> bool:
    order = ["dimension", "key"]
    return (a.data.schema == b.data.schema and a.data.equals(b.data)
            and a.dimensions.sort(order).equals(b.dimensions.sort(order))
            and a.metadata.get("table_infos") == b.metadata.get("table_infos")
            and a.metadata.get("data_properties") == b.metadata.get("data_properties"))

"""The two resources every asset uses, configured once in definitions.py."""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import dagster as dg
import duckdb

from kindbelang import settings
from kindbelang.raw_store import RawTable, read_raw_table


class Warehouse(dg.ConfigurableResource):
    """The DuckDB warehouse at <out>/kindbelang.duckdb (KINDBELANG_OUT overrides <out>)."""

    out_dir: str = ""

    @property
    def path(self) -> Path:
        return Path(self.out_dir).resolve() / "kindbelang.duckdb" if self.out_dir else settings.paths().warehouse

    @contextmanager
    def connect(self) -> Iterator[duckdb.DuckDBPyConnection]:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        con = duckdb.connect(str(self.path))
        try:
            yield con
        finally:
            con.close()


class CbsSource(dg.ConfigurableResource):
    """Where raw CBS tables come from: the committed snapshot (default) or the live OData feed."""

    mode: str = "snapshot"  # "snapshot" | "live"
    base_url: str = ""  # empty: KINDBELANG_CBS_URL or https://opendata.cbs.nl

    def load(self, table_id: str) -> RawTable:
        if self.mode == "snapshot":
            return read_raw_table(settings.SNAPSHOT_DIR, table_id)
        if self.mode == "live":
            return read_raw_table(settings.paths().live_raw, table_id)
        raise ValueError(f"unknown CBS source mode {self.mode!r} (use 'snapshot' or 'live')")

"""`Data`: the reader of the published DuckDB copy that loads everything the pages need once."""

from __future__ import annotations

import polars as pl

from kindbelang.registry import load_registry

KNOWN_MARTS = {"indicators", "indicator_values", "regions", "region_memberships", "youth_care_use"}


class Data:
    """Everything the pages read from the warehouse, loaded once."""

    def __init__(self, con):
        self.con = con
        self.tables = {(s, t) for s, t in con.execute(
            "SELECT table_schema, table_name FROM information_schema.tables").fetchall()}
        self.indicators = con.sql("SELECT * FROM marts.indicators").pl()
        self.registry = {ind["id"]: ind for ind in load_registry()}
        self.values = con.sql(
            "SELECT indicator_id, region_code, region_level, period, year, period_type, period_number, "
            "value, value_low, value_high, unit, status, source_table, source_modified, boundary_year "
            "FROM marts.indicator_values").pl()
        self.regions = con.sql("SELECT * FROM marts.regions").pl()
        self.memberships = con.sql("SELECT * FROM marts.region_memberships").pl()
        self.region_names = dict(self.regions.select("region_code", "region_name").iter_rows())
        sources = con.sql("SELECT DISTINCT source_kind, source_table FROM marts.indicator_values "
                          "WHERE source_table IS NOT NULL").fetchall()
        # Footer: only CBS table ids (ending in NED) after "Bron: CBS"; publications are cited separately.
        self.cbs_source_tables = sorted({t for k, t in sources if k != "publicatie" and t.endswith("NED")})
        self.publication_sources = sorted({t for k, t in sources if k == "publicatie"})
        self.cbs_tables = {r["table_id"]: r for r in con.sql(
            "SELECT table_id, title, modified, source_mode FROM raw.cbs_tables").pl().iter_rows(named=True)} \
            if self.has("raw", "cbs_tables") else {}

    def has(self, schema: str, table: str) -> bool:
        return (schema, table) in self.tables

    def marts_like(self, *words: str) -> list[str]:
        return sorted(t for s, t in self.tables if s == "marts" and any(w in t for w in words))

    def extra_marts(self) -> list[str]:
        return sorted(t for s, t in self.tables if s == "marts" and t not in KNOWN_MARTS)

    def published(self) -> list[dict]:
        return [r for r in self.indicators.iter_rows(named=True) if r["status"] != "gap"]

    def series(self, indicator_id: str, region_code: str, period_type: str) -> list[tuple[str, float | None, str]]:
        frame = self.values.filter((pl.col("indicator_id") == indicator_id) & (pl.col("region_code") == region_code)
                                   & (pl.col("period_type") == period_type) & pl.col("boundary_year").is_null())
        return [(r["period"], r["value"], r["status"]) for r in frame.sort("period").iter_rows(named=True)]

    def main_period_type(self, indicator_id: str) -> str:
        types = set(self.values.filter(pl.col("indicator_id") == indicator_id)["period_type"].unique())
        return next((t for t in ("jaar", "halfjaar", "kwartaal", "maand", "eenmalig")
                     if t in types), "jaar")

    def table_frame(self, schema: str, table: str, limit: int | None = None) -> pl.DataFrame:
        sql = f'SELECT * FROM "{schema}"."{table}"' + (f" LIMIT {int(limit)}" if limit else "")
        return self.con.sql(sql).pl()

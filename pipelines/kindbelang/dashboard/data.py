"""`Data`: the reader of the published DuckDB copy that loads everything the pages need once, and says where each
figure comes from (`Source`)."""

from __future__ import annotations

import polars as pl

from kindbelang.dashboard.charts import Source
from kindbelang.dashboard.formatting import (
    cbs_source_label, combined_source_label, publication_citation, publication_source_label,
)

KNOWN_MARTS = {"indicators", "indicator_values", "regions", "region_memberships", "youth_care_use"}
VALUE_COLUMNS = ("indicator_id, region_code, region_level, period, year, period_type, period_number, value, "
                 "value_low, value_high, unit, status, source_kind, source_table, source_organisation, source_label, "
                 "source_note, published_wording, published_above_100, caveat, source_modified, boundary_year")
# Marts whose rows name a CBS table (source_table) besides marts.indicator_values: cited in the footer.
CBS_TABLE_MARTS = ("household_position", "household_position_by_care_form")
# Columns naming the indicators a derived figure is computed from (marts.association, marts.youth_care_expected,
# marts.association_domains, marts.parental_cumulation): one id, a comma-separated list or a list of ids.
DERIVED_FROM = (("parental_indicator_id", "youth_care_indicator_id"), ("outcome_indicator_id", "predictors"),
                ("youth_care_indicator_id", "indicators"), ("indicators_with_data",))


def indicator_ids(cell) -> list[str]:
    """The indicator ids in a mart cell: 'a', 'a, b' or ['a', 'b']."""
    items = cell if isinstance(cell, (list, tuple)) else (cell or "").split(",")
    return [i.strip() for i in items if i and i.strip()]


class Data:
    """Everything the pages read from the warehouse, loaded once."""

    def __init__(self, con):
        self.con = con
        self.tables = {(s, t) for s, t in con.execute(
            "SELECT table_schema, table_name FROM information_schema.tables").fetchall()}
        self.indicators = con.sql("SELECT * FROM marts.indicators").pl()
        self.by_id = {r["indicator_id"]: r for r in self.indicators.iter_rows(named=True)}
        self.values = con.sql(f"SELECT {VALUE_COLUMNS} FROM marts.indicator_values").pl()
        self.regions = con.sql("SELECT * FROM marts.regions").pl()
        self.memberships = con.sql("SELECT * FROM marts.region_memberships").pl()
        self.region_names = dict(self.regions.select("region_code", "region_name").iter_rows())
        self.cbs_tables = {r["table_id"]: r for r in con.sql(
            "SELECT table_id, title, modified, source_mode FROM raw.cbs_tables").pl().iter_rows(named=True)} \
            if self.has("raw", "cbs_tables") else {}
        self.publications = {r["source_id"]: r for r in con.sql(
            "SELECT DISTINCT source_id, organisation, publication_title, publication_year, via "
            "FROM raw.publications").pl().iter_rows(named=True)} if self.has("raw", "publications") else {}
        self.cbs_source_tables = self.cited_cbs_tables()
        self.publication_sources = self.cited_publications()

    def has(self, schema: str, table: str) -> bool:
        return (schema, table) in self.tables

    def marts_like(self, *words: str) -> list[str]:
        return sorted(t for s, t in self.tables if s == "marts" and any(w in t for w in words))

    def extra_marts(self) -> list[str]:
        return sorted(t for s, t in self.tables if s == "marts" and t not in KNOWN_MARTS)

    def published(self) -> list[dict]:
        return [r for r in self.indicators.iter_rows(named=True) if r["status"] != "gap"]

    def series(self, indicator_id: str, region_code: str, period_type: str) -> list[dict]:
        """The rows of marts.indicator_values of one indicator and region in its own boundaries, by period."""
        frame = self.values.filter((pl.col("indicator_id") == indicator_id) & (pl.col("region_code") == region_code)
                                   & (pl.col("period_type") == period_type) & pl.col("boundary_year").is_null())
        return list(frame.sort("period").iter_rows(named=True))

    def main_period_type(self, indicator_id: str) -> str:
        types = set(self.values.filter(pl.col("indicator_id") == indicator_id)["period_type"].unique())
        return next((t for t in ("jaar", "halfjaar", "kwartaal", "maand", "eenmalig")
                     if t in types), "jaar")

    def table_frame(self, schema: str, table: str, limit: int | None = None) -> pl.DataFrame:
        sql = f'SELECT * FROM "{schema}"."{table}"' + (f" LIMIT {int(limit)}" if limit else "")
        return self.con.sql(sql).pl()

    # -- sources and caveats
    def caveat(self, indicator_id: str) -> str | None:
        return (self.by_id.get(indicator_id) or {}).get("caveat")

    def indicator_source(self, indicator_id: str) -> Source | None:
        """All sources of an indicator (marts.indicators.source_label); None for a blind spot."""
        label = (self.by_id.get(indicator_id) or {}).get("source_label")
        return Source(label, "indicators", (indicator_id,)) if label else None

    @staticmethod
    def value_source(row: dict) -> Source | None:
        """The source of one figure of marts.indicator_values."""
        return Source(row["source_label"], "indicators", (row["indicator_id"],)) if row.get("source_label") else None

    def table_source(self, table: str) -> Source:
        """A CBS table id or a publication id, as named in a mart's source_table or source column."""
        pub = self.publications.get(table)
        if pub:
            return Source(publication_source_label(pub["organisation"], pub["publication_title"],
                                                   pub["publication_year"], pub["via"]), "publications", (table,))
        return Source(cbs_source_label(table), "tables", (table,))

    def derived_source(self, indicator_ids: list[str], note: str) -> Source | None:
        """A figure kindbelang computed from indicators (a correlation, a model): all their sources."""
        ids = [i for i in dict.fromkeys(indicator_ids) if i in self.by_id and self.by_id[i]["source_label"]]
        if not ids:
            return None
        label = combined_source_label([self.by_id[i]["source_label"] for i in ids], note)
        return Source(label, "indicators", tuple(ids))

    def row_source(self, row: dict, note: str = "bewerking kindbelang") -> Source | None:
        """The source of a row of any mart: its own label, else the table or publication it names, else the
        indicators it is computed from (with `note` saying how)."""
        if row.get("source_label") and row.get("indicator_id"):
            return Source(row["source_label"], "indicators", (row["indicator_id"],))
        for column in ("source_table", "source"):
            if row.get(column):
                return self.table_source(row[column])
        for columns in DERIVED_FROM:
            if all(c in row for c in columns):
                return self.derived_source([i for c in columns for i in indicator_ids(row[c])], note)
        if row.get("indicator_id"):
            return self.indicator_source(row["indicator_id"])
        return None

    def row_caveat(self, row: dict) -> str | None:
        if row.get("caveat"):
            return row["caveat"]
        return self.caveat(row["indicator_id"]) if row.get("indicator_id") else None

    # -- the footer
    def cited_cbs_tables(self) -> list[str]:
        tables = set(self.values.filter(pl.col("source_kind") == "cbs")["source_table"].drop_nulls())
        for mart in CBS_TABLE_MARTS:
            if self.has("marts", mart):
                tables |= {t for (t,) in self.con.execute(
                    f"SELECT DISTINCT source_table FROM marts.{mart} WHERE source_table IS NOT NULL").fetchall()}
        return sorted(t for t in tables if t.endswith("NED"))

    def cited_publications(self) -> list[tuple[str, list[str]]]:
        """Per organisation the publications whose figures the site shows: [(organisation, ['title (year)'])]."""
        ids = set(self.values.filter(pl.col("source_kind") == "publicatie")["source_table"].drop_nulls())
        if self.has("marts", "linkage_national"):
            ids |= {s for (s,) in self.con.execute(
                "SELECT DISTINCT source FROM marts.linkage_national WHERE source IS NOT NULL").fetchall()}
        by_org: dict[str, list[str]] = {}
        for pub_id in sorted(ids):
            pub = self.publications.get(pub_id)
            if pub:
                by_org.setdefault(pub["organisation"], []).append(
                    publication_citation(pub["publication_title"], pub["publication_year"], pub["via"]))
        return sorted(by_org.items(), key=lambda item: (item[0] != "CBS", item[0]))

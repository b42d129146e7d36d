"""`Data`: the reader of the published DuckDB copy that loads everything the pages need once, and says where each
figure comes from (`Source`)."""

from __future__ import annotations

import polars as pl

from kindbelang.dashboard.charts import Source
from kindbelang.dashboard.formatting import (
    cbs_source_label, combined_source_label, publication_citation, publication_source_label,
)

KNOWN_MARTS = {"indicators", "indicator_values", "regions", "region_memberships", "youth_care_use",
               "release_changes", "release_comparison"}  # the last two: page "Nieuw in deze release"
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
        # What this release changes against the one before (asset release_changes).
        self.release_changes = con.sql("SELECT * FROM marts.release_changes").pl()
        self.release_comparison = con.sql("SELECT * FROM marts.release_comparison").pl().row(0, named=True)
        self.cbs_source_tables = self.cited_cbs_tables()
        self.publication_sources = self.cited_publications()

    def has(self, schema: str, table: str) -> bool:
        return (schema, table) in self.tables

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

    def table_comment(self, schema: str, table: str) -> str:
        rows = self.con.execute("SELECT comment FROM duckdb_tables() WHERE schema_name = ? AND table_name = ?",
                                [schema, table]).fetchall()
        return (rows[0][0] or "") if rows else ""

    def mart_comments(self) -> tuple[list[tuple], list[tuple]]:
        """Every marts table and view with its comment, and every column with its type and comment."""
        tables = self.con.execute(
            "SELECT table_name, comment FROM duckdb_tables() WHERE schema_name = 'marts' "
            "UNION ALL SELECT view_name, comment FROM duckdb_views() WHERE schema_name = 'marts' "
            "ORDER BY 1").fetchall()
        columns = self.con.execute("SELECT table_name, column_name, data_type, comment FROM duckdb_columns() "
                                   "WHERE schema_name = 'marts' ORDER BY table_name, column_index").fetchall()
        return tables, columns

    # -- marts other assets may not have built yet: None where the mart is absent or the query finds no rows
    def _mart_frame(self, table: str, query: str, params: list | None = None) -> pl.DataFrame | None:
        if not self.has("marts", table):
            return None
        frame = self.con.sql(query, params=params).pl()
        return None if frame.is_empty() else frame

    def monitor_national_changes(self) -> list[tuple]:
        """marts.monitor for Nederland where there is a previous value to compare with."""
        return self.con.execute(
            "SELECT indicator_id, title, period_type, latest_period, value, previous_value, change, unit, "
            "change_direction, signal, release_status, source_label, caveat FROM marts.monitor "
            "WHERE region_level = 'land' AND previous_value IS NOT NULL "
            "ORDER BY ouderdomein_or_theme, title, period_type").fetchall()

    def monitor_signal_counts(self) -> list[tuple]:
        """marts.monitor per indicator and period type: gemeenten with a signal, assessed and with small numbers."""
        # small_number rows never signal (rule in the SQL); they are also left out of the count of assessed ones.
        return self.con.execute(
            "SELECT indicator_id, title, period_type, max(latest_period) AS periode, "
            "count(*) FILTER (WHERE signal AND NOT small_number) AS met_signaal, "
            "count(*) FILTER (WHERE NOT small_number AND change IS NOT NULL) AS beoordeeld, "
            "count(*) FILTER (WHERE small_number) AS klein, "
            "string_agg(DISTINCT coalesce(release_status, 'onbekend'), ', ' ORDER BY coalesce(release_status, "
            "'onbekend')) AS status "
            "FROM marts.monitor WHERE region_level = 'gemeente' GROUP BY ALL").fetchall()

    def linkage_frame(self) -> pl.DataFrame | None:
        """marts.linkage_national as a frame (None where absent; it may be empty)."""
        return self.con.sql("SELECT * FROM marts.linkage_national").pl() \
            if self.has("marts", "linkage_national") else None

    def latest_associations(self) -> pl.DataFrame | None:
        """marts.association, per pair of indicators its latest year (None where absent; it may be empty)."""
        if not self.has("marts", "association"):
            return None
        return self.con.sql("SELECT * FROM marts.association QUALIFY year = max(year) OVER "
                            "(PARTITION BY parental_indicator_id, youth_care_indicator_id) "
                            "ORDER BY parental_indicator_id, youth_care_indicator_id").pl()

    def association_domains(self) -> pl.DataFrame | None:
        return self._mart_frame("association_domains", "SELECT * FROM marts.association_domains "
                                "ORDER BY youth_care_indicator_id, year, rank")

    def household_by_care_form_latest(self) -> pl.DataFrame | None:
        """Nederland, latest year of marts.household_position_by_care_form with a one-parent share."""
        return self._mart_frame(
            "household_position_by_care_form",
            "SELECT * FROM marts.household_position_by_care_form WHERE region_code = 'NL01' AND period_type = 'jaar' "
            "AND one_parent_share IS NOT NULL QUALIFY year = max(year) OVER ()")

    def household_position_latest(self) -> pl.DataFrame | None:
        """The gemeenten of marts.household_position with a one-parent share in the latest period."""
        return self._mart_frame(
            "household_position",
            "SELECT * FROM marts.household_position WHERE region_level = 'gemeente' AND one_parent_share IS NOT NULL "
            "QUALIFY period_key = max(period_key) OVER () ORDER BY region_name")

    def household_position_funnel(self, source_table: str, period_key: str) -> pl.DataFrame | None:
        """The funnel limits of marts.household_position_funnel for one period, per confidence level."""
        return self._mart_frame(
            "household_position_funnel",
            "SELECT * FROM marts.household_position_funnel WHERE source_table = ? AND period_key = ? "
            "ORDER BY confidence, step", [source_table, period_key])

    def household_overrepresentation_latest(self) -> pl.DataFrame | None:
        """The gemeenten of marts.household_position with an over-representation ratio in the latest year."""
        return self._mart_frame(
            "household_position",
            "SELECT * FROM marts.household_position WHERE region_level = 'gemeente' "
            "AND overrepresentation_ratio IS NOT NULL QUALIFY year = max(year) OVER () ORDER BY region_name")

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

    def input_status(self, indicator_ids: list[str], year) -> str:
        """The release status of a figure kindbelang computed from indicators (a correlation, a model): the
        statuses of the gemeente figures of those indicators in that year, as the sources give them ('onbekend'
        where they give none)."""
        if not hasattr(self, "_statuses"):
            frame = (self.values.filter(pl.col("value").is_not_null() & (pl.col("region_level") == "gemeente"))
                     .select("indicator_id", "year", pl.col("status").fill_null("onbekend")).unique())
            self._statuses: dict[tuple, set] = {}
            for ind, y, status in frame.iter_rows():
                self._statuses.setdefault((ind, y), set()).add(status)
        found = set().union(*(self._statuses.get((i, int(year)), set()) for i in indicator_ids))
        return ", ".join(sorted(found)) or "onbekend"

    def row_status(self, row: dict) -> str:
        """The release status of a row of a mart that has none of its own: that of the indicators it is computed
        from in its year (`input_status`), else 'onbekend' (a publication figure carries none)."""
        for columns in DERIVED_FROM:
            if all(c in row for c in columns) and row.get("year") is not None:
                return self.input_status([i for c in columns for i in indicator_ids(row[c])], row["year"])
        return "onbekend"

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


# ------------------------------------------------------------------------------------ page queries
# The per-gemeente and per-domain figures of the Gemeenteprofiel and the Overzicht. Each is one query on the
# marts; ranks and medians are SQL window aggregates over the published values, never computed in Python.

def _records(con, sql: str, params: list | None = None) -> list[dict]:
    cur = con.execute(sql, params or [])
    columns = [d[0] for d in cur.description]
    return [dict(zip(columns, row)) for row in cur.fetchall()]


def _main_types_sql(main_types: dict[str, str]) -> str:
    """A VALUES list (indicator_id, period_type) of each indicator's main period type."""
    rows = ", ".join(f"('{i}', '{t}')" for i, t in sorted(main_types.items()) if "'" not in i + t)
    return f"SELECT * FROM (VALUES {rows}) AS t(indicator_id, period_type)"


def _size_class_sql(column: str, lower_bounds: list[int]) -> str:
    """CASE: the index of the size class (SIZE_CLASSES) an inhabitant count falls in."""
    whens = " ".join(f"WHEN {column} >= {int(b)} THEN {i}" for i, b in reversed(list(enumerate(lower_bounds))))
    return f"CASE {whens} END"


def profile_latest(con, main_types: dict[str, str], size_lower_bounds: list[int]) -> list[dict]:
    """Per indicator (its main period type) and gemeente (own boundaries): the latest figure with its interval,
    status, source and above-100 flag; in the same period Nederland, the gemeente's provincie and jeugdregio (in
    the boundaries of the period, else the harmonised value of the latest boundary year, flagged), the median of
    the gemeenten of the same size class, the rank among all gemeenten (1 = highest value) and the row of
    marts.monitor (signal, change, trend)."""
    size = _size_class_sql("m.inhabitants", size_lower_bounds)
    monitor = "marts.monitor" if ("marts", "monitor") in {
        tuple(r) for r in con.execute("SELECT schema_name, table_name FROM duckdb_tables()").fetchall()} else None
    monitor_cols = ("mo.signal, mo.signal_basis, mo.small_number, mo.change, mo.change_direction, "
                    "mo.previous_period, mo.previous_value, mo.trend_per_year, mo.trend_periods, "
                    "mo.trend_first_period, mo.direction AS monitor_direction") if monitor else (
        "NULL AS signal, NULL AS signal_basis, NULL AS small_number, NULL AS change, NULL AS change_direction, "
        "NULL AS previous_period, NULL AS previous_value, NULL AS trend_per_year, NULL AS trend_periods, "
        "NULL AS trend_first_period, NULL AS monitor_direction")
    monitor_join = ("LEFT JOIN marts.monitor AS mo ON mo.indicator_id = l.indicator_id AND mo.region_code = "
                    "l.region_code AND mo.period_type = l.period_type AND mo.latest_period = l.period"
                    ) if monitor else ""
    sql = f"""
    WITH main AS ({_main_types_sql(main_types)}),
    own AS (
        SELECT v.* FROM marts.indicator_values AS v JOIN main USING (indicator_id, period_type)
        WHERE v.boundary_year IS NULL
    ),
    harmonised AS (
        SELECT v.* FROM marts.indicator_values AS v JOIN main USING (indicator_id, period_type)
        WHERE v.boundary_year = (SELECT max(boundary_year) FROM marts.indicator_values)
    ),
    latest_members AS (
        SELECT * FROM marts.region_memberships
        WHERE boundary_year = (SELECT max(boundary_year) FROM marts.region_memberships)
    ),
    gm AS (
        SELECT o.*, m.inhabitants, m.provincie_code, m.jeugdregio_code, {size} AS size_class
        FROM own AS o
        LEFT JOIN marts.region_memberships AS m ON m.boundary_year = o.year AND m.gemeente_code = o.region_code
        WHERE o.region_level = 'gemeente' AND o.value IS NOT NULL
    ),
    ranked AS (
        SELECT *,
            rank() OVER (PARTITION BY indicator_id, period ORDER BY value DESC) AS rank_high,
            count(*) OVER (PARTITION BY indicator_id, period) AS n_ranked,
            CASE WHEN size_class IS NOT NULL THEN
                median(value) OVER (PARTITION BY indicator_id, period, size_class) END AS size_median,
            CASE WHEN size_class IS NOT NULL THEN
                count(*) OVER (PARTITION BY indicator_id, period, size_class) END AS size_n
        FROM gm
    ),
    l AS (
        SELECT * FROM ranked QUALIFY period = max(period) OVER (PARTITION BY indicator_id, region_code)
    )
    SELECT l.indicator_id, l.region_code AS gemeente_code, l.period, l.period_type, l.year, l.value, l.value_low,
        l.value_high, l.interval_method, l.unit, l.status, l.source_label, l.published_wording,
        l.published_above_100, l.inhabitants, l.size_class, l.size_median, l.size_n, l.rank_high, l.n_ranked,
        nl.value AS nl_value, nl.source_label AS nl_source_label,
        l.provincie_code, coalesce(pv.value, pvh.value) AS provincie_value,
        CASE WHEN pv.value IS NULL AND pvh.value IS NOT NULL THEN pvh.boundary_year END AS provincie_harmonised,
        CASE WHEN pv.value IS NULL THEN pvh.source_label END AS provincie_harmonised_label,
        coalesce(jr.region_code, jrh.region_code, l.jeugdregio_code) AS jeugdregio_code,
        coalesce(jr.value, jrh.value) AS jeugdregio_value,
        CASE WHEN jr.value IS NULL AND jrh.value IS NOT NULL THEN jrh.boundary_year END AS jeugdregio_harmonised,
        CASE WHEN jr.value IS NULL THEN jrh.source_label END AS jeugdregio_harmonised_label,
        {monitor_cols}
    FROM l
    LEFT JOIN own AS nl ON nl.indicator_id = l.indicator_id AND nl.period = l.period AND nl.region_code = 'NL01'
    LEFT JOIN own AS pv ON pv.indicator_id = l.indicator_id AND pv.period = l.period
        AND pv.region_code = l.provincie_code AND pv.value IS NOT NULL
    LEFT JOIN harmonised AS pvh ON pvh.indicator_id = l.indicator_id AND pvh.period = l.period
        AND pvh.region_code = l.provincie_code AND pvh.value IS NOT NULL
    LEFT JOIN own AS jr ON jr.indicator_id = l.indicator_id AND jr.period = l.period
        AND jr.region_code = l.jeugdregio_code AND jr.value IS NOT NULL
    LEFT JOIN latest_members AS lm ON lm.gemeente_code = l.region_code
    LEFT JOIN harmonised AS jrh ON jrh.indicator_id = l.indicator_id AND jrh.period = l.period
        AND jrh.region_code = coalesce(lm.jeugdregio_code, l.jeugdregio_code) AND jrh.value IS NOT NULL
    {monitor_join}
    ORDER BY l.region_code, l.indicator_id
    """
    return list(con.sql(sql).pl().iter_rows(named=True))


def profile_household(con) -> dict[str, dict]:
    """Per gemeente (boundaries of the period) the latest row of marts.household_position with a one-parent
    share, and (keys prefixed over_) its latest row with an over-representation ratio."""
    latest = con.sql(
        "SELECT region_code, region_name, period_key, year, youth_with_youth_care, one_parent_share, "
        "one_parent_share_low, one_parent_share_high, national_share, compared_with_national, small_numbers, "
        "status, source_table, caveat FROM marts.household_position "
        "WHERE region_level = 'gemeente' AND one_parent_share IS NOT NULL "
        "QUALIFY period_key = max(period_key) OVER (PARTITION BY region_code)").pl()
    over = con.sql(
        "SELECT region_code, year, overrepresentation_ratio, overrepresentation_low, overrepresentation_high, "
        "overrepresentation, one_parent_share_at_home, one_parent_households_share, status, source_table, "
        "population_source_table, caveat FROM marts.household_position "
        "WHERE region_level = 'gemeente' AND overrepresentation_ratio IS NOT NULL "
        "QUALIFY year = max(year) OVER (PARTITION BY region_code)").pl()
    out = {r["region_code"]: dict(r) for r in latest.iter_rows(named=True)}
    for r in over.iter_rows(named=True):
        out.setdefault(r["region_code"], {})["over"] = dict(r)
    return out


def profile_expected(con) -> dict[str, list[dict]]:
    """Per gemeente (the harmonised boundaries of marts.youth_care_expected) its rows of the latest year with an
    expected value, one per care form."""
    frame = con.sql(
        "SELECT * FROM marts.youth_care_expected WHERE expected IS NOT NULL AND expected > 0 "
        "QUALIFY year = max(year) OVER () ORDER BY gemeente_code, care_form").pl()
    out: dict[str, list[dict]] = {}
    for r in frame.iter_rows(named=True):
        out.setdefault(r["gemeente_code"], []).append(dict(r))
    return out


def profile_cumulation(con) -> dict[str, dict]:
    """Per gemeente its latest year of marts.parental_cumulation."""
    frame = con.sql("SELECT * FROM marts.parental_cumulation "
                    "QUALIFY year = max(year) OVER (PARTITION BY gemeente_code)").pl()
    return {r["gemeente_code"]: dict(r) for r in frame.iter_rows(named=True)}


def top_regions(con, indicator_id: str, period_type: str, level: str, n: int = 3) -> list[dict]:
    """The n regions of one level with the highest value in the latest period of an indicator that has values
    at that level: in the boundaries of the period, else in the latest harmonised boundaries (boundary_year set)."""
    return _records(
        con, """WITH v AS (
               SELECT indicator_id, region_code, period, value, value_low, value_high, status, source_label,
                      boundary_year, unit, published_wording, caveat
               FROM marts.indicator_values
               WHERE indicator_id = ? AND period_type = ? AND region_level = ? AND value IS NOT NULL
                 AND (boundary_year IS NULL OR boundary_year = (SELECT max(boundary_year)
                                                                FROM marts.indicator_values))),
           chosen AS (SELECT boundary_year FROM v ORDER BY boundary_year NULLS FIRST LIMIT 1),
           w AS (SELECT v.* FROM v JOIN chosen ON v.boundary_year IS NOT DISTINCT FROM chosen.boundary_year)
           SELECT w.*, r.region_name FROM w LEFT JOIN marts.regions AS r USING (region_code)
           WHERE period = (SELECT max(period) FROM w)
           ORDER BY value DESC, region_code LIMIT ?""",
        [indicator_id, period_type, level, n])


def monitor_national(con) -> dict[tuple[str, str], dict]:
    """marts.monitor for Nederland: per (indicator, period type) its latest value, change, trend and signal."""
    if not con.execute("SELECT count(*) FROM duckdb_tables() WHERE schema_name = 'marts' "
                       "AND table_name = 'monitor'").fetchall()[0][0]:
        return {}
    frame = con.sql("SELECT * FROM marts.monitor WHERE region_level = 'land'").pl()
    return {(r["indicator_id"], r["period_type"]): dict(r) for r in frame.iter_rows(named=True)}


def monitor_gemeente_signals(con) -> dict[tuple[str, str], dict]:
    """marts.monitor per (indicator, period type): how many gemeenten have a signal (small numbers never do) and
    which ones, by name."""
    if not con.execute("SELECT count(*) FROM duckdb_tables() WHERE schema_name = 'marts' "
                       "AND table_name = 'monitor'").fetchall()[0][0]:
        return {}
    rows = _records(
        con, "SELECT m.indicator_id, m.period_type, max(m.latest_period) AS latest_period, "
        "count(*) FILTER (WHERE m.signal AND NOT m.small_number) AS n_signal, "
        "count(*) FILTER (WHERE NOT m.small_number AND m.change IS NOT NULL AND m.exists_in_latest_boundaries) "
        "AS n_assessed, "
        "list(r.region_name ORDER BY r.region_name) FILTER (WHERE m.signal AND NOT m.small_number) AS names "
        "FROM marts.monitor AS m LEFT JOIN marts.regions AS r USING (region_code) "
        "WHERE m.region_level = 'gemeente' GROUP BY ALL")
    return {(r["indicator_id"], r["period_type"]): r for r in rows}


def linkage_national(con) -> list[dict]:
    return _records(con, "SELECT * FROM marts.linkage_national")

"""intermediate.populations and intermediate.indicator_parts, generated from the declarations in indicators.yaml.

No indicator is written by hand in SQL here: each registry indicator's `parts` (how value, numerator and
denominator are made) and each named population's `editions` are turned into one SELECT over the raw CBS table
they name. The generated SQL is stored in the asset's metadata (`sql`), so the Dagster UI shows what ran.
Registry facts the SQL needs (an indicator's unit, whether it has parts) are written into it from the registry, so
the intermediate layer never reads marts.indicators. marts.indicator_parts publishes the parts (sql/marts).

Rounding. CBS rounds percentages to one decimal and counts to fives (catalog.yaml, `rounding` per column). Every
part carries the range the rounded figures allow: a published value v with step s lies in [v - s/2, v + s/2]; a
derived numerator v / scale x n lies between its extremes; a derived denominator x / v x scale likewise. The
intervals in marts.indicator_values start from these ranges, so they are never narrower than the rounding.
"""

from __future__ import annotations

from dataclasses import dataclass

import dagster as dg

from kindbelang.assets.sql_models import run_macros, sql_literal
from kindbelang.catalog import catalog_table
from kindbelang.raw_store import REGION_DIMENSIONS
from kindbelang.registry import load_populations, load_registry
from kindbelang.resources import Warehouse


def _num(x: float | None) -> str:
    return "NULL" if x is None else repr(float(x))


def _half_step(table: str, column: str | None) -> float:
    if column is None:
        return 0.0
    doc = catalog_table(table).columns.get(column)
    return (doc.rounding or 0.0) / 2 if doc else 0.0


def _filters(table: str, alias: str, where: dict | None) -> list[str]:
    """Dimension filters by CBS title (the snapshot keeps titles as keys where codes were lost)."""
    return [f"{alias}.{dim} IN (SELECT key FROM raw.cbs_{table.lower()}_dimensions "
            f"WHERE dimension = '{dim}' AND trim(title) = {sql_literal(title)})"
            for dim, title in (where or {}).items()]


def _region_column(con, table: str) -> str | None:
    columns = {c for (c,) in con.execute(
        "SELECT column_name FROM duckdb_columns() WHERE schema_name = 'raw' AND table_name = ?",
        [f"cbs_{table.lower()}"]).fetchall()}
    return next((c for c in REGION_DIMENSIONS if c in columns), None)


def _region_expression(con, table: str, alias: str = "c") -> str:
    """The table's region code; a table without a region dimension (60060NED) describes Nederland."""
    region = _region_column(con, table)
    return f"normalise_region_code({alias}.{region})" if region else "'NL01'"


def _interval_cell(con, d: "Declaration", bound: str) -> str:
    """A bound the source publishes itself (survey margins, e.g. 85563NED Marges), from the same row otherwise."""
    interval = d.parts["interval"]
    dimensions = {**d.source.get("where", {}), interval["dimension"]: interval[bound]}
    region = _region_column(con, d.table)
    conditions = [f"x.{region} = c.{region}", *_filters(d.table, "x", dimensions)]
    return (f"(SELECT CAST(x.{d.source['column']} AS DOUBLE) FROM raw.cbs_{d.table.lower()} AS x "
            f"WHERE {' AND '.join(conditions)})")


# --- populations -------------------------------------------------------------------------------------------

def populations_sql(con) -> str:
    run_macros(con)
    selects = []
    for pid, population in load_populations().items():
        for edition in population["editions"]:
            if "model" in edition:
                selects.append(
                    f"SELECT '{pid}' AS population_id, year, region_code, CAST({edition['column']} AS DOUBLE) AS value, "
                    f"0.0 AS half_step, 'Gebieden in Nederland' AS source_table, make_date(year, 1, 1) AS reference_date, "
                    f"FALSE AS reference_date_assumed FROM {edition['model']}")
                continue
            table, column = edition["table"], edition["column"]
            region = _region_expression(con, table)
            conditions = [f"region_level({region}) IN ('gemeente', 'land')",
                          *_filters(table, "c", edition.get("where"))]
            selects.append(
                f"SELECT '{pid}' AS population_id, {int(edition['year'])} AS year, "
                f"{region} AS region_code, CAST(c.{column} AS DOUBLE) AS value, "
                f"{_num(_half_step(table, column))} AS half_step, '{table}' AS source_table, "
                f"DATE '{edition['reference_date']}' AS reference_date, "
                f"{'TRUE' if edition.get('reference_date_assumed') else 'FALSE'} AS reference_date_assumed "
                f"FROM raw.cbs_{table.lower()} AS c WHERE " + " AND ".join(conditions))
    labels = " UNION ALL ".join(
        f"SELECT '{pid}' AS population_id, {sql_literal(p['title'])} AS title, {sql_literal(p['age'])} AS age"
        for pid, p in load_populations().items())
    return f"""WITH editions AS (
{chr(10).join(('    ' if i == 0 else '    UNION ALL ') + s for i, s in enumerate(selects))}
), labels AS ({labels})
-- An assumed reference date is uncertain by about a year: the range then reaches the next edition from another
-- table too (same region code), so that a derived count is never more precise than the population it rests on.
SELECT e.population_id, l.title, l.age, e.year, e.region_code, e.value,
       non_negative(least(e.value, CASE WHEN e.reference_date_assumed THEN nxt.value END) - e.half_step)
           AS value_low,
       greatest(e.value, CASE WHEN e.reference_date_assumed THEN nxt.value END) + e.half_step AS value_high,
       e.source_table, e.reference_date, e.reference_date_assumed,
       lower(l.title) || ', ' || e.source_table || ' (peildatum ' || strftime(e.reference_date, '%-d-%-m-%Y')
           || CASE WHEN e.reference_date_assumed THEN ', aangenomen' ELSE '' END || ')' AS source_label
FROM editions AS e
JOIN labels AS l USING (population_id)
LEFT JOIN editions AS nxt
    ON nxt.population_id = e.population_id AND nxt.region_code = e.region_code AND nxt.year > e.year
   AND nxt.source_table <> e.source_table
WHERE e.value IS NOT NULL
QUALIFY row_number() OVER (PARTITION BY e.population_id, e.year, e.region_code ORDER BY nxt.year) = 1"""


# --- indicator parts ---------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Declaration:
    indicator: dict
    source: dict

    @property
    def parts(self) -> dict:
        return self.indicator["parts"]

    @property
    def table(self) -> str:
        return self.source["table"]

    @property
    def scale(self) -> float | None:
        return self.parts.get("scale")


def declarations() -> list[Declaration]:
    return [Declaration(ind, src) for ind in load_registry() if ind.get("parts")
            for src in ind.get("sources", []) if "table" in src]


def _cell_sql(con, d: Declaration) -> str:
    """One row per region and period of the source table, with the cells this declaration reads."""
    table, src = d.table, d.source
    region = _region_expression(con, table)
    fixed_period = catalog_table(table).period_key
    period = f"'{fixed_period}'" if fixed_period else "trim(c.Perioden)"
    dimensions = {**({"VormenVanJeugdzorg": src["care_form"]} if src.get("care_form") else {}), **src.get("where", {})}
    where = _filters(table, "c", dimensions)
    # CBS's own release status per figure where the table has one (85383NED StatusCijfer).
    status = (f"lower({sql_literal(dimensions['StatusCijfer'])})" if "StatusCijfer" in dimensions
              else "CAST(NULL AS VARCHAR)")
    column = lambda key: f"CAST(c.{src[key]} AS DOUBLE)" if src.get(key) else "CAST(NULL AS DOUBLE)"  # noqa: E731
    bounds = (f"{_interval_cell(con, d, 'low')} AS cell_low, {_interval_cell(con, d, 'high')} AS cell_high"
              if "interval" in d.parts else "CAST(NULL AS DOUBLE) AS cell_low, CAST(NULL AS DOUBLE) AS cell_high")
    return (f"SELECT {region} AS region_code, {period} AS period_key, {bounds}, "
            f"{column('column')} AS cell_value, {column('numerator_column')} AS cell_numerator, "
            f"{column('denominator_column')} AS cell_denominator, {status} AS cell_status "
            f"FROM raw.cbs_{table.lower()} AS c"
            + (" WHERE " + " AND ".join(where) if where else ""))


def _parts_expressions(d: Declaration) -> dict[str, str]:
    """SQL expressions for value, numerator and denominator with their rounding ranges."""
    parts, scale = d.parts, _num(d.scale)
    published = parts["value"] == "published"
    numerator_key = "cell_value" if not published else "cell_numerator"
    numerator_column = d.source["column"] if not published else d.source.get("numerator_column")
    v_half = _num(_half_step(d.table, d.source["column"]) if published else 0)
    x_half = _num(_half_step(d.table, numerator_column))
    n_half = _num(_half_step(d.table, d.source.get("denominator_column")))
    e = {"v": "c.cell_value" if published else "NULL",
         "v_lo": f"non_negative(c.cell_value - {v_half})" if published else "NULL",
         "v_hi": f"(c.cell_value + {v_half})" if published else "NULL"}
    if "interval" in parts:  # the source's own interval, never narrower than its rounding
        e |= {"v_lo": f"least(c.cell_low, {e['v_lo']})", "v_hi": f"greatest(c.cell_high, {e['v_hi']})"}
    denominator, numerator = parts.get("denominator"), parts.get("numerator")
    if isinstance(denominator, dict) and "population" in denominator:
        e |= {"n": "pop.value", "n_lo": "pop.value_low", "n_hi": "pop.value_high"}
    elif isinstance(denominator, dict) and "indicator" in denominator:
        e |= {"n": "base.numerator", "n_lo": "base.numerator_low", "n_hi": "base.numerator_high"}
    elif denominator == "column":
        e |= {"n": "c.cell_denominator", "n_lo": f"non_negative(c.cell_denominator - {n_half})",
              "n_hi": f"(c.cell_denominator + {n_half})"}
    else:
        e |= {"n": "NULL", "n_lo": "NULL", "n_hi": "NULL"}
    if numerator == "published":
        e |= {"x": e["v"], "x_lo": e["v_lo"], "x_hi": e["v_hi"]}
    elif numerator == "column":
        e |= {"x": f"c.{numerator_key}", "x_lo": f"non_negative(c.{numerator_key} - {x_half})",
              "x_hi": f"(c.{numerator_key} + {x_half})"}
    elif numerator == "derived":
        e |= {"x": f"({e['v']} / {scale} * {e['n']})", "x_lo": f"({e['v_lo']} / {scale} * {e['n_lo']})",
              "x_hi": f"({e['v_hi']} / {scale} * {e['n_hi']})"}
    else:
        e |= {"x": "NULL", "x_lo": "NULL", "x_hi": "NULL"}
    if denominator == "derived":
        e |= {"n": f"({e['x']} / nullif({e['v']}, 0) * {scale})",
              "n_lo": f"({e['x_lo']} / nullif({e['v_hi']}, 0) * {scale})",
              "n_hi": f"({e['x_hi']} / nullif({e['v_lo']}, 0) * {scale})"}
    return e


def _derivation(d: Declaration) -> str:
    parts = d.parts
    denominator, numerator = parts.get("denominator"), parts.get("numerator")
    if isinstance(denominator, dict) and "missing" in denominator:
        return "geen teller en noemer: " + denominator["missing"]
    if numerator == "published":
        return "gepubliceerd aantal"
    if numerator == "derived" and isinstance(denominator, dict) and "population" in denominator:
        return "teller afgeleid: gepubliceerd percentage x noemer (een benadering)"
    if numerator == "derived":
        return f"teller afgeleid: gepubliceerd percentage x teller van {denominator['indicator']}"
    if denominator == "derived":
        return "teller gepubliceerd; noemer afgeleid: aantal / percentage x 100"
    return f"berekend: teller / noemer x {d.scale:g}"


def _denominator_label(d: Declaration) -> str:
    denominator = d.parts.get("denominator")
    if isinstance(denominator, dict) and "population" in denominator:
        return "pop.source_label"
    if isinstance(denominator, dict) and "indicator" in denominator:
        return sql_literal(f"teller van {denominator['indicator']} (zelfde regio, periode en tabel)")
    if denominator == "column":
        return sql_literal(f"{d.source['denominator_column']} ({d.table})")
    if denominator == "derived":
        return sql_literal(f"afgeleid uit {d.source.get('numerator_column')} en {d.source['column']} ({d.table})")
    return "NULL"


def declaration_sql(con, d: Declaration) -> str:
    e = _parts_expressions(d)
    denominator = d.parts.get("denominator")
    joins = ""
    if isinstance(denominator, dict) and "population" in denominator:
        pid = denominator["population"]
        joins = (f"LEFT JOIN intermediate.populations AS pop ON pop.population_id = '{pid}' "
                 "AND pop.region_code = c.region_code AND pop.year = c.per_year")
        if d.parts["value"] == "computed":
            # A computed rate exists only for years its population covers (no inhabitants before 2015: no rate);
            # a gemeente without a population in a covered year keeps an empty row.
            joins += ("\nWHERE c.per_year IN "
                      f"(SELECT year FROM intermediate.populations WHERE population_id = '{pid}')")
    elif isinstance(denominator, dict) and "indicator" in denominator:
        joins = (f"LEFT JOIN parts_{denominator['indicator']} AS base ON base.region_code = c.region_code "
                 "AND base.period_key = c.period_key AND base.source_table = c.source_table")
    family = "jeugdzorg" if d.indicator["theme"] == "jeugdzorg" else "ouderdomein"
    value = e["v"] if d.parts["value"] == "published" else f"{e['x']} / nullif({e['n']}, 0) * {_num(d.scale)}"
    return f"""SELECT '{d.indicator['id']}' AS indicator_id, '{family}' AS family, c.source_table, c.region_code,
       c.period_key, c.per_year AS year, c.period_type, c.period_number,
       {e['v']} AS published_value, {e['v_lo']} AS published_low, {e['v_hi']} AS published_high,
       {e['x']} AS numerator, {e['x_lo']} AS numerator_low, {e['x_hi']} AS numerator_high,
       {e['n']} AS denominator, {e['n_lo']} AS denominator_low, {e['n_hi']} AS denominator_high,
       {_num(d.scale)} AS scale, {value} AS value, {'TRUE' if d.parts['value'] == 'published' else 'FALSE'} AS value_is_published,
       {sql_literal(_derivation(d))} AS derivation, {_denominator_label(d)} AS denominator_source,
       {sql_literal(d.parts['interval']['method']) if 'interval' in d.parts else 'CAST(NULL AS VARCHAR)'}
           AS interval_source,
       c.status, c.source_modified, {sql_literal(d.indicator['unit'])} AS unit,
       {'TRUE' if _published_only(d) else 'FALSE'} AS published_only
FROM (
    SELECT cells.*, '{d.table}' AS source_table,
           coalesce(per.year, CAST(left(cells.period_key, 4) AS INTEGER)) AS per_year,
           coalesce(per.period_type, 'jaar') AS period_type, per.period_number,
           coalesce(cells.cell_status, per.status, 'onbekend') AS status, t.modified AS source_modified
    FROM ({_cell_sql(con, d)}) AS cells
    LEFT JOIN cbs_periods('raw.cbs_{d.table.lower()}_dimensions') AS per ON per.period_key = cells.period_key
    CROSS JOIN raw.cbs_{d.table.lower()}_metadata AS t
    WHERE region_level(cells.region_code) IN ('gemeente', 'land')
) AS c
{joins}"""


def _published_only(d: Declaration) -> bool:
    """The registry says the true denominator is not in the data: only CBS's published value exists."""
    denominator = d.parts.get("denominator")
    return isinstance(denominator, dict) and "missing" in denominator


def build_parts(con) -> str:
    """Create one temporary table per indicator (in dependency order), then intermediate.indicator_parts."""
    run_macros(con)
    by_indicator: dict[str, list[Declaration]] = {}
    for d in declarations():
        by_indicator.setdefault(d.indicator["id"], []).append(d)
    done: list[str] = []
    statements = []

    def build(ident: str) -> None:
        if ident in done:
            return
        for d in by_indicator[ident]:
            base = d.parts.get("denominator")
            if isinstance(base, dict) and "indicator" in base:
                build(base["indicator"])
        union = "\nUNION ALL\n".join(declaration_sql(con, d) for d in by_indicator[ident])
        statements.append(f"CREATE OR REPLACE TEMP TABLE parts_{ident} AS\n{union}")
        con.execute(statements[-1])
        done.append(ident)

    for ident in by_indicator:
        build(ident)
    final = "\nUNION ALL BY NAME\n".join(f"SELECT * FROM parts_{i}" for i in done)
    statements.append(f"""CREATE OR REPLACE TABLE intermediate.indicator_parts AS
SELECT p.* EXCLUDE (published_value, published_low, published_high, unit, published_only),
       region_level(p.region_code) AS region_level,
       p.published_value, p.published_low, p.published_high,
       coalesce(p.unit = '%' AND p.published_value > 100, FALSE) AS published_above_100,
       p.published_only
FROM ({final}) AS p
-- A gemeente only in years in which it existed (CBS lists former gemeenten with empty cells).
WHERE p.region_code = 'NL01' OR EXISTS (
        SELECT 1 FROM staging.gemeente_memberships AS m
        WHERE m.boundary_year = p.year AND m.gemeente_code = p.region_code)
   OR (p.year < 2015 AND EXISTS (
        SELECT 1 FROM staging.gemeente_history AS h
        WHERE h.gemeente_code = p.region_code AND h.begin_date <= make_date(p.year, 1, 1)
          AND (h.end_date IS NULL OR h.end_date > make_date(p.year, 1, 1))))""")
    con.execute("CREATE SCHEMA IF NOT EXISTS intermediate")
    con.execute(statements[-1])
    for ident in done:
        con.execute(f"DROP TABLE parts_{ident}")
    return ";\n\n".join(statements)


def _raw_keys(tables: set[str]) -> list[dg.AssetKey]:
    return [dg.AssetKey(["raw", f"cbs_{t.lower()}"]) for t in sorted(tables)]


def _population_inputs() -> list[dg.AssetKey]:
    """The CBS tables and models (staging.inhabitants) the population editions read."""
    editions = [e for p in load_populations().values() for e in p["editions"]]
    models = {e["model"] for e in editions if "model" in e}
    tables = {e["table"] for e in editions if "table" in e}
    return _raw_keys(tables) + [dg.AssetKey(m.split(".")) for m in sorted(models)]


@dg.asset(
    key=["intermediate", "populations"],
    group_name="intermediate",
    kinds={"duckdb", "sql"},
    deps=_population_inputs(),
    description="De noemers met een naam uit indicators.yaml (populations): per jaar, gemeente en Nederland de "
    "bevolking waarop CBS een cijfer berekent, met brontabel, peildatum en of die peildatum een aanname is.",
)
def populations(warehouse: Warehouse) -> dg.MaterializeResult:
    with warehouse.connect() as con:
        sql = populations_sql(con)
        con.execute("CREATE SCHEMA IF NOT EXISTS intermediate")
        con.execute(f"CREATE OR REPLACE TABLE intermediate.populations AS\n{sql}")
        rows = con.execute("SELECT count(*) FROM intermediate.populations").fetchone()[0]
    return dg.MaterializeResult(metadata={"rows": rows, "sql": dg.MetadataValue.md(f"```sql\n{sql}\n```")})


@dg.asset(
    key=["intermediate", "indicator_parts"],
    group_name="intermediate",
    kinds={"duckdb", "sql"},
    deps=[*_raw_keys({d.table for d in declarations()}), dg.AssetKey(["intermediate", "populations"]),
          dg.AssetKey(["staging", "gemeente_memberships"]), dg.AssetKey(["staging", "gemeente_history"])],
    description="Teller, noemer en schaal van elk indicatorcijfer per gemeente en Nederland (indeling van de "
    "periode zelf), met de marges die de CBS-afronding toelaat; gegenereerd uit de declaraties in indicators.yaml.",
)
def indicator_parts(warehouse: Warehouse) -> dg.MaterializeResult:
    with warehouse.connect() as con:
        sql = build_parts(con)
        rows = con.execute("SELECT count(*) FROM intermediate.indicator_parts").fetchone()[0]
    return dg.MaterializeResult(metadata={"rows": rows, "sql": dg.MetadataValue.md(f"```sql\n{sql}\n```")})

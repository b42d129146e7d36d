"""SQL models: every file sql/<schema>/<name>.sql becomes the DuckDB table <schema>.<name> and an asset.

A model file is one SELECT, opened by comment lines that describe it. Dependencies are read from the
schema-qualified tables it mentions (raw.x, staging.x, intermediate.x, marts.x), so adding a model is adding a
file. raw.cbs_<id>_dimensions and raw.cbs_<id>_metadata belong to the raw asset raw.cbs_<id> (ingest.py).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

import dagster as dg

from kindbelang.assets.ingest import ALL_TABLES_VIEWS, DIMENSIONS_SUFFIX, METADATA_SUFFIX
from kindbelang.confidence import Z95, Z998
from kindbelang.resources import Warehouse
from kindbelang.settings import SQL_DIR, read_yaml
from kindbelang.table_metadata import table_metadata

# In the order data flows; see sql/README.md.
SCHEMAS = ("staging", "intermediate", "marts")
TABLE_REFERENCE = re.compile(r"\b(raw|staging|intermediate|marts)\.([a-z_][a-z0-9_]*)\b")
RAW_TABLE_PARTS = re.compile(rf"(cbs_[a-z0-9]+)(?:{DIMENSIONS_SUFFIX}|{METADATA_SUFFIX})")


@dataclass(frozen=True)
class SqlModel:
    schema: str
    name: str
    path: Path

    @property
    def sql(self) -> str:
        return self.path.read_text(encoding="utf-8")

    @property
    def description(self) -> str:
        lines = []
        for line in self.sql.splitlines():
            if not line.startswith("--"):
                break
            lines.append(line.removeprefix("--").strip())
        return " ".join(lines)

    def dependencies(self) -> list[dg.AssetKey]:
        return referenced_assets(self.sql, f"{self.schema}.{self.name}")


def referenced_assets(sql: str, model: str) -> list[dg.AssetKey]:
    """The assets whose tables ``sql`` names, except ``model`` itself."""
    keys: set[tuple[str, str]] = set()
    for schema, name in TABLE_REFERENCE.findall(_without_comments(sql)):
        if schema == "raw" and name in ALL_TABLES_VIEWS:
            raise ValueError(f"{model} reads raw.{name}, a view over every CBS table, which would make it depend "
                             f"on all of them: name raw.cbs_<id>{DIMENSIONS_SUFFIX} or raw.cbs_<id>{METADATA_SUFFIX}")
        if schema == "raw" and (parts := RAW_TABLE_PARTS.fullmatch(name)):
            name = parts[1]
        if f"{schema}.{name}" != model:
            keys.add((schema, name))
    return [dg.AssetKey(list(k)) for k in sorted(keys)]


def _without_comments(sql: str) -> str:
    return re.sub(r"--[^\n]*", "", sql)


def discover_models(sql_dir: Path = SQL_DIR) -> list[SqlModel]:
    return [SqlModel(schema, p.stem, p) for schema in SCHEMAS for p in sorted((sql_dir / schema).glob("*.sql"))]


def column_descriptions(schema: str) -> dict[str, dict[str, str]]:
    path = SQL_DIR / schema / "columns.yaml"
    return read_yaml(path) if path.exists() else {}


def comment_columns(con, schema: str, table: str) -> None:
    """Dutch column descriptions from sql/<schema>/columns.yaml, so analysts see them in any client."""
    described = column_descriptions(schema).get(table, {})
    columns = {c for (c,) in con.execute(
        "SELECT column_name FROM duckdb_columns() WHERE schema_name = ? AND table_name = ?", [schema, table]
    ).fetchall()}
    statements = [f'COMMENT ON COLUMN {schema}.{table}."{column}" IS {sql_literal(described[column])};'
                  for column in sorted(columns & described.keys())]
    if statements:
        con.execute("\n".join(statements))  # one call: a statement each cost 30 ms per model


def sql_literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def run_macros(con) -> None:
    # The z values are kindbelang.confidence's, so SQL and Python use one number per confidence level.
    con.execute(f"CREATE OR REPLACE MACRO z_95() AS CAST('{Z95!r}' AS DOUBLE);\n"
                f"CREATE OR REPLACE MACRO z_998() AS CAST('{Z998!r}' AS DOUBLE);")
    con.execute((SQL_DIR / "macros.sql").read_text(encoding="utf-8"))


def materialise(con, model: SqlModel) -> int:
    run_macros(con)
    con.execute(f"CREATE SCHEMA IF NOT EXISTS {model.schema}")
    con.execute(f"CREATE OR REPLACE TABLE {model.schema}.{model.name} AS\n{model.sql}")
    # Analysts read the Dutch description from columns.yaml; the SQL header stays the developer's note.
    description = column_descriptions(model.schema).get(model.name, {}).get("_table") or model.description
    con.execute(f"COMMENT ON TABLE {model.schema}.{model.name} IS {sql_literal(description)}")
    comment_columns(con, model.schema, model.name)
    return con.execute(f"SELECT count(*) FROM {model.schema}.{model.name}").fetchone()[0]


def build_sql_asset(model: SqlModel) -> dg.AssetsDefinition:
    @dg.asset(
        key=[model.schema, model.name],
        group_name=model.schema,
        deps=model.dependencies(),
        description=model.description,
        kinds={"duckdb", "sql"},
        code_version=hashlib.sha1(model.sql.encode()).hexdigest()[:12],
        metadata={"sql_file": str(model.path.relative_to(SQL_DIR.parent))},
    )
    def sql_model(warehouse: Warehouse) -> dg.MaterializeResult:
        with warehouse.connect() as con:
            rows = materialise(con, model)
            table = table_metadata(con, model.schema, model.name)
        return dg.MaterializeResult(metadata={"rows": rows, **table})

    return sql_model


sql_assets = [build_sql_asset(model) for model in discover_models()]

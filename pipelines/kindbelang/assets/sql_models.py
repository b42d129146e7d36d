"""SQL models: every file sql/<schema>/<name>.sql becomes the DuckDB table <schema>.<name> and an asset.

A model file is one SELECT, opened by comment lines that describe it. Dependencies are read from the
schema-qualified tables it mentions (raw.x, staging.x, marts.x), so adding a model is adding a file.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

import dagster as dg
import yaml

from kindbelang.assets.ingest import raw_assets
from kindbelang.resources import Warehouse
from kindbelang.settings import SQL_DIR

SCHEMAS = ("staging", "marts")
TABLE_REFERENCE = re.compile(r"\b(raw|staging|marts)\.([a-z_][a-z0-9_]*)\b")
# Tables that every raw asset writes its share of.
SHARED_RAW = {"cbs_dimensions", "cbs_tables"}


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
        keys: set[tuple[str, str]] = set()
        for schema, name in TABLE_REFERENCE.findall(_without_comments(self.sql)):
            if schema == "raw" and name in SHARED_RAW:
                keys.update(tuple(a.key.path) for a in raw_assets)
            elif (schema, name) != (self.schema, self.name):
                keys.add((schema, name))
        return [dg.AssetKey(list(k)) for k in sorted(keys)]


def _without_comments(sql: str) -> str:
    return re.sub(r"--[^\n]*", "", sql)


def discover_models(sql_dir: Path = SQL_DIR) -> list[SqlModel]:
    return [SqlModel(schema, p.stem, p) for schema in SCHEMAS for p in sorted((sql_dir / schema).glob("*.sql"))]


def column_descriptions(schema: str) -> dict[str, dict[str, str]]:
    path = SQL_DIR / schema / "columns.yaml"
    return yaml.safe_load(path.read_text(encoding="utf-8")) if path.exists() else {}


def comment_columns(con, schema: str, table: str) -> None:
    """Dutch column descriptions from sql/<schema>/columns.yaml, so analysts see them in any client."""
    described = column_descriptions(schema).get(table, {})
    columns = {c for (c,) in con.execute(
        "SELECT column_name FROM duckdb_columns() WHERE schema_name = ? AND table_name = ?", [schema, table]
    ).fetchall()}
    for column in sorted(columns & described.keys()):
        con.execute(f'COMMENT ON COLUMN {schema}.{table}."{column}" IS {sql_literal(described[column])}')


def sql_literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def run_macros(con) -> None:
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
        return dg.MaterializeResult(metadata={"rows": rows})

    return sql_model


sql_assets = [build_sql_asset(model) for model in discover_models()]

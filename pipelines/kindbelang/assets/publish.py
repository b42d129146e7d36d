"""The publication: a read-only copy of the warehouse plus Parquet exports of every mart.

Readers and dashboards use <out>/published/, never the working warehouse a run is writing. The copy is written
into a new release (kindbelang/release.py) that readers see only once the site built from it is complete, so a
reader sees the previous release or the new one, never half of one; a run that fails or stops at a blocking
check leaves the previous release untouched.
"""


import os
import shutil
from pathlib import Path

import dagster as dg
import duckdb

from kindbelang import release
from kindbelang.assets.association import association
from kindbelang.assets.release_changes import release_changes
from kindbelang.assets.sql_models import discover_models
from kindbelang.resources import Warehouse

PUBLISHED_DB = "kindbelang.duckdb"
DICTIONARY = "gegevenswoordenboek.md"
# Every mart, whichever kind of asset builds it: SQL models, the registry and the Polars marts.
MART_KEYS = sorted({("marts", m.name) for m in discover_models() if m.schema == "marts"} | {("marts", "indicators")}
                   | {tuple(key.path) for key in (*association.keys, *release_changes.keys)})


def failed_blocking_checks(context: dg.AssetExecutionContext) -> list[str]:
    """Blocking checks that failed with ERROR earlier in this run. Dagster already skips this asset when one
    upstream of it failed; this also covers checks on assets that are not upstream of the marts."""
    records = context.instance.all_logs(context.run_id, of_type=dg.DagsterEventType.ASSET_CHECK_EVALUATION)
    failed = []
    for record in records:
        evaluation = record.dagster_event.event_specific_data
        if not evaluation.passed and evaluation.severity == dg.AssetCheckSeverity.ERROR:
            failed.append(f"{evaluation.asset_key.to_user_string()}: {evaluation.check_name}")
    return failed


def data_dictionary(con: duckdb.DuckDBPyConnection) -> str:
    """Markdown of every published mart and column with its Dutch description (from COMMENT ON)."""
    lines = ["# Gegevenswoordenboek kindbelang", "",
             "Alle tabellen in het schema `marts` van de gepubliceerde database, met hun kolommen. "
             "Bron van de cijfers: per rij in `source_label` ('Bron: CBS, <tabel>' of de organisatie en publicatie "
             "van een gepubliceerd cijfer), met de kanttekening in `caveat`.", ""]
    tables = con.execute("SELECT table_name, comment FROM duckdb_tables() WHERE schema_name = 'marts' "
                         "ORDER BY table_name").fetchall()
    for table, comment in tables:
        lines += [f"## marts.{table}", "", comment or "", "", "| kolom | type | omschrijving |", "|---|---|---|"]
        for column, dtype, description in con.execute(
                "SELECT column_name, data_type, comment FROM duckdb_columns() WHERE schema_name = 'marts' "
                "AND table_name = ? ORDER BY column_index", [table]).fetchall():
            lines.append(f"| {column} | {dtype} | {(description or '').replace('|', '/')} |")
        lines.append("")
    return "\n".join(lines)


def publish(warehouse_path: Path, target_dir: Path) -> dict:
    """Copy the warehouse into ``target_dir`` (a fresh directory) and export every mart to Parquet."""
    database = target_dir / PUBLISHED_DB
    (target_dir / "parquet").mkdir()
    with duckdb.connect(str(warehouse_path)) as con:
        # With everything checkpointed into the file and this connection holding DuckDB's writer lock, the file
        # is the whole warehouse (tables, comments, macros): copying it takes a tenth of a second, where
        # COPY FROM DATABASE rewrote every table (4 s). The copy keeps the warehouse's free blocks (~20% larger).
        con.execute("CHECKPOINT")
        shutil.copyfile(warehouse_path, database)
    rows = {}
    with duckdb.connect(str(database), read_only=True) as pub:
        for schema, name in MART_KEYS:
            pub.execute(f"COPY {schema}.{name} TO '{target_dir / 'parquet' / f'{name}.parquet'}' "
                        "(FORMAT parquet, COMPRESSION zstd)")
            rows[name] = pub.execute(f"SELECT count(*) FROM {schema}.{name}").fetchall()[0][0]
        (target_dir / "parquet" / DICTIONARY).write_text(data_dictionary(pub), encoding="utf-8")
    with open(database, "rb") as f:
        os.fsync(f.fileno())
    return rows


@dg.asset(
    key=["publication"],
    group_name="publication",
    deps=[dg.AssetKey(list(k)) for k in MART_KEYS],
    kinds={"duckdb", "parquet"},
    description="Alleen-lezen kopie van het warehouse (published/kindbelang.duckdb) en Parquet-exports van "
    "elke mart (published/parquet/), alleen als alle blokkerende controles slaagden; zichtbaar voor lezers samen "
    "met de site die ervan gebouwd wordt (kindbelang/release.py).",
)
def publication(context: dg.AssetExecutionContext, warehouse: Warehouse) -> dg.MaterializeResult:
    failed = failed_blocking_checks(context)
    if failed:
        raise dg.Failure(f"niet gepubliceerd: blokkerende controles faalden: {', '.join(failed)}")
    rows: dict = {}
    target = release.write_half(release.new_release(warehouse.paths.out, context.run_id), "published",
                                lambda directory: rows.update(publish(warehouse.path, directory)))
    return dg.MaterializeResult(metadata={
        "path": dg.MetadataValue.path(str(target / PUBLISHED_DB)),
        "parquet": dg.MetadataValue.path(str(target / "parquet")),
        "rows": dg.MetadataValue.json(rows),
    })

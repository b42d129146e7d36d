"""Raw assets: one per table in catalog.yaml, loading the CBS table as CBS published it into DuckDB.

Each writes raw.cbs_<id> (the TypedDataSet) and its rows in the shared raw.cbs_dimensions and
raw.cbs_tables (metadata as JSON), all in one transaction.
"""

from __future__ import annotations

import json

import dagster as dg

from kindbelang.catalog import CatalogTable, load_catalog
from kindbelang.raw_store import RawTable
from kindbelang.resources import CbsSource, Warehouse

SHARED_RAW_TABLES_DDL = """
CREATE SCHEMA IF NOT EXISTS raw;
CREATE TABLE IF NOT EXISTS raw.cbs_dimensions (
    table_id VARCHAR, dimension VARCHAR, key VARCHAR, title VARCHAR, description VARCHAR, status VARCHAR);
CREATE TABLE IF NOT EXISTS raw.cbs_tables (
    table_id VARCHAR PRIMARY KEY, title VARCHAR, modified VARCHAR, source_mode VARCHAR, metadata JSON);
"""


def load_into_warehouse(con, entry: CatalogTable, table: RawTable) -> None:
    con.execute("BEGIN")
    try:
        con.execute(SHARED_RAW_TABLES_DDL)
        con.register("incoming_data", table.data.to_arrow())
        con.register("incoming_dimensions", table.dimensions.to_arrow())
        con.execute(f"CREATE OR REPLACE TABLE raw.{entry.asset_name} AS SELECT * FROM incoming_data")
        con.execute("DELETE FROM raw.cbs_dimensions WHERE table_id = ?", [table.table_id])
        con.execute(
            "INSERT INTO raw.cbs_dimensions SELECT ?, dimension, key, title, description, status "
            "FROM incoming_dimensions", [table.table_id])
        con.execute("DELETE FROM raw.cbs_tables WHERE table_id = ?", [table.table_id])
        con.execute(
            "INSERT INTO raw.cbs_tables VALUES (?, ?, ?, ?, ?)",
            [table.table_id, table.metadata.get("title"), table.modified,
             table.metadata["source"]["mode"], json.dumps(table.metadata, ensure_ascii=False)])
        con.execute("COMMIT")
    except Exception:
        con.execute("ROLLBACK")
        raise
    finally:
        con.unregister("incoming_data")
        con.unregister("incoming_dimensions")


def build_raw_asset(entry: CatalogTable) -> dg.AssetsDefinition:
    @dg.asset(
        key=["raw", entry.asset_name],
        group_name="cbs_raw",
        description=f"CBS {entry.id}: {entry.title}. {entry.purpose}",
        kinds={"duckdb"},
        tags={"cbs_table": entry.id},
    )
    def raw_table(cbs: CbsSource, warehouse: Warehouse) -> dg.MaterializeResult:
        table = cbs.load(entry.id)
        with warehouse.connect() as con:
            load_into_warehouse(con, entry, table)
        meta = table.metadata
        return dg.MaterializeResult(metadata={
            "rows": table.data.height,
            "columns": table.data.width,
            "source": meta["source"]["mode"],
            "modified": str(table.modified),
            "truncated_at_source": meta["truncation"]["truncated"],
            "reconstructed": dg.MetadataValue.md("\n".join(f"- {r}" for r in meta["reconstructed"]) or "-"),
        })

    return raw_table


raw_assets = [build_raw_asset(entry) for entry in load_catalog()]

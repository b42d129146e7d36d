"""Raw assets: one per table in catalog.yaml, loading the CBS table as CBS published it into DuckDB (all in one
multi-asset, `raw_cbs_tables`, that runs only the selected ones).

Each owns three tables, written in one transaction: raw.cbs_<id> (the TypedDataSet), raw.cbs_<id>_dimensions
(every dimension list) and raw.cbs_<id>_metadata (one row: title, Modified, source, metadata as JSON). Models
name the per-table tables they read, so a new release of one table reruns only what reads it.
raw.cbs_dimensions and raw.cbs_tables are views over all of them, for analysts, the CLI and the site; models
may not read them (sql_models.py refuses), as that would make every model depend on every table.
"""

from __future__ import annotations

import json
from contextlib import ExitStack

import dagster as dg

from kindbelang.catalog import CatalogTable, load_catalog
from kindbelang.raw_store import RawTable
from kindbelang.resources import CbsSource, Warehouse
from kindbelang.table_metadata import table_metadata

DIMENSIONS_SUFFIX, METADATA_SUFFIX = "_dimensions", "_metadata"
# The views over every table's own rows: (view, suffix of the per-table tables it unions).
ALL_TABLES_VIEWS = {"cbs_dimensions": DIMENSIONS_SUFFIX, "cbs_tables": METADATA_SUFFIX}


def load_into_warehouse(con, entry: CatalogTable, table: RawTable) -> None:
    name = entry.asset_name
    con.execute("BEGIN")
    try:
        con.execute("CREATE SCHEMA IF NOT EXISTS raw")
        con.register("incoming_data", table.data.to_arrow())
        con.register("incoming_dimensions", table.dimensions.to_arrow())
        con.execute(f"CREATE OR REPLACE TABLE raw.{name} AS SELECT * FROM incoming_data")
        con.execute(
            f"CREATE OR REPLACE TABLE raw.{name}{DIMENSIONS_SUFFIX} AS SELECT CAST(? AS VARCHAR) AS table_id, "
            "CAST(dimension AS VARCHAR) AS dimension, CAST(key AS VARCHAR) AS key, CAST(title AS VARCHAR) AS title, "
            "CAST(description AS VARCHAR) AS description, CAST(status AS VARCHAR) AS status "
            "FROM incoming_dimensions", [table.table_id])
        con.execute(
            f"CREATE OR REPLACE TABLE raw.{name}{METADATA_SUFFIX} AS SELECT CAST(? AS VARCHAR) AS table_id, "
            "CAST(? AS VARCHAR) AS title, CAST(? AS VARCHAR) AS modified, CAST(? AS VARCHAR) AS source_mode, "
            "CAST(? AS JSON) AS metadata",
            [table.table_id, table.metadata.get("title"), table.modified, table.metadata["source"]["mode"],
             json.dumps(table.metadata, ensure_ascii=False)])
        replace_all_tables_views(con)
        con.execute("COMMIT")
    except Exception:
        con.execute("ROLLBACK")
        raise
    finally:
        con.unregister("incoming_data")
        con.unregister("incoming_dimensions")


def replace_all_tables_views(con) -> None:
    """raw.cbs_dimensions and raw.cbs_tables over the catalog tables loaded so far."""
    existing = {n for (n,) in con.execute(
        "SELECT table_name FROM duckdb_tables() WHERE schema_name = 'raw'").fetchall()}
    for view, suffix in ALL_TABLES_VIEWS.items():
        parts = [f"SELECT * FROM raw.{t.asset_name}{suffix}" for t in load_catalog()
                 if f"{t.asset_name}{suffix}" in existing]
        con.execute(f"CREATE OR REPLACE VIEW raw.{view} AS " + "\nUNION ALL ".join(parts))


def raw_spec(entry: CatalogTable) -> dg.AssetSpec:
    return dg.AssetSpec(
        key=["raw", entry.asset_name],
        group_name="cbs_raw",
        description=f"CBS {entry.id}: {entry.title}. {entry.purpose}",
        kinds={"duckdb"},
        tags={"cbs_table": entry.id},
        metadata={"tables": ", ".join(f"raw.{entry.asset_name}{s}" for s in ("", DIMENSIONS_SUFFIX, METADATA_SUFFIX))},
    )


@dg.multi_asset(specs=[raw_spec(entry) for entry in load_catalog()], can_subset=True, name="raw_cbs_tables")
def raw_tables(context, cbs: CbsSource, warehouse: Warehouse):
    """The selected raw assets, one after another in one step and one connection: a Dagster step per table cost
    more in orchestration than the loading itself (47 steps ~12 s, one step ~2.5 s). Each table is its own
    transaction and its own materialisation, so a table that fails leaves the tables before it loaded."""
    entries = {entry.asset_name: entry for entry in load_catalog()}
    selected = sorted(context.selected_asset_keys, key=lambda k: k.to_user_string())
    with ExitStack() as stack:
        con = None  # opened once the first table is in hand: a failed fetch leaves DuckDB untouched
        for key in selected:
            entry = entries[key.path[-1]]
            table = cbs.load(entry.id)
            if con is None:
                con = stack.enter_context(warehouse.connect())
            load_into_warehouse(con, entry, table)
            meta = table.metadata
            yield dg.MaterializeResult(asset_key=key, metadata={
                **table_metadata(con, "raw", entry.asset_name),
                "rows": table.data.height,
                "columns": table.data.width,
                "source": meta["source"]["mode"],
                "modified": str(table.modified),
                "truncated_at_source": meta["truncation"]["truncated"],
                "reconstructed": dg.MetadataValue.md("\n".join(f"- {r}" for r in meta["reconstructed"]) or "-"),
            })

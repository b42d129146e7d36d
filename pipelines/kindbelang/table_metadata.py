"""Dagster's own table metadata for a warehouse table, for the assets that write one."""

import dagster as dg


def table_metadata(con, schema: str, name: str) -> dict:
    """dagster/row_count and dagster/column_schema (with the Dutch column comments) of <schema>.<name>. The
    column schema change checks (definitions.py) compare the latter between materialisations."""
    columns = con.execute(
        "SELECT column_name, data_type, comment FROM duckdb_columns() WHERE schema_name = ? AND table_name = ? "
        "ORDER BY column_index", [schema, name]).fetchall()
    rows = con.execute(f"SELECT count(*) FROM {schema}.{name}").fetchone()[0]
    return {
        "dagster/row_count": rows,
        "dagster/column_schema": dg.TableSchema(
            columns=[dg.TableColumn(c, t, description=d) for c, t, d in columns]),
    }

"""Analyst access: read-only SQL on a warehouse, and one run at a time."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time

import duckdb
import pytest

from kindbelang.run_lock import RunInProgress, exclusive_run
from kindbelang.sql_shell import RefusedStatement, connect_read_only, render, run_query


@pytest.fixture
def read_only(published_copy):
    con = connect_read_only(published_copy)
    yield con
    con.close()


def test_query_renders_as_table_csv_and_json(read_only):
    columns, rows = run_query(read_only, "SELECT indicator_id, value FROM marts.indicator_values "
                              "WHERE region_code = 'GM0363' AND period = '2021HJ01' "
                              "AND indicator_id = 'jeugdhulp_pct' AND boundary_year IS NULL")
    assert rows == [("jeugdhulp_pct", 11.4)]
    assert render(columns, rows, "csv") == "indicator_id,value\njeugdhulp_pct,11.4"
    assert json.loads(render(columns, rows, "json")) == [{"indicator_id": "jeugdhulp_pct", "value": 11.4}]
    assert "jeugdhulp_pct | 11.4" in render(columns, rows, "table")


@pytest.mark.parametrize("statement", [
    "DELETE FROM marts.indicator_values",
    "CREATE TABLE x AS SELECT 1",
    "COPY marts.indicators TO '/tmp/x.csv'",
    "ATTACH '/tmp/other.duckdb'",
    "SELECT 1; DROP TABLE marts.indicators",
])
def test_writes_are_refused_with_a_clear_message(read_only, statement):
    with pytest.raises(RefusedStatement, match="alleen"):
        run_query(read_only, statement)
    assert run_query(read_only, "SELECT count(*) FROM marts.indicators")[1][0][0] > 0


def test_sql_cannot_read_or_write_files(read_only):
    with pytest.raises(duckdb.Error):
        run_query(read_only, "SELECT * FROM read_csv('/etc/hostname')")


def test_a_second_run_is_refused_while_one_holds_the_lock(tmp_path):
    with exclusive_run(tmp_path):
        with pytest.raises(RunInProgress, match="al een kindbelang-run"):
            with exclusive_run(tmp_path):
                pass
    with exclusive_run(tmp_path):  # free again afterwards
        pass


def test_a_killed_run_does_not_block_the_next(tmp_path):
    holder = subprocess.Popen([sys.executable, "-c", (
        "import sys, time, pathlib\n"
        "from kindbelang.run_lock import exclusive_run\n"
        f"with exclusive_run(pathlib.Path({str(tmp_path)!r})):\n"
        "    print('locked', flush=True); time.sleep(60)\n")], stdout=subprocess.PIPE, text=True)
    assert holder.stdout.readline().strip() == "locked"
    with pytest.raises(RunInProgress):
        with exclusive_run(tmp_path):
            pass
    holder.send_signal(signal.SIGKILL)
    holder.wait()
    start = time.monotonic()
    with exclusive_run(tmp_path, wait_seconds=5):
        assert time.monotonic() - start < 5


def test_every_published_mart_column_has_a_dutch_description(published_copy):
    con = connect_read_only(published_copy)
    try:
        undocumented = con.execute(
            "SELECT table_name || '.' || column_name FROM duckdb_columns() "
            "WHERE schema_name = 'marts' AND coalesce(comment, '') = ''").fetchall()
        tables = con.execute("SELECT table_name FROM duckdb_tables() WHERE schema_name = 'marts' "
                             "AND coalesce(comment, '') = ''").fetchall()
    finally:
        con.close()
    assert undocumented == [] and tables == []


def test_data_dictionary_is_published_with_the_exports(pipeline_run):
    out, _ = pipeline_run
    dictionary = (out / "published" / "parquet" / "gegevenswoordenboek.md").read_text(encoding="utf-8")
    assert "## marts.indicator_values" in dictionary
    assert "| status | VARCHAR | Releasestatus van de periode bij CBS" in dictionary


def test_every_mart_is_exported_as_parquet_with_all_its_rows(pipeline_run, warehouse):
    """Also the marts a Polars asset writes (association, youth_care_expected): publication waits for them."""
    import polars as pl

    out, _ = pipeline_run
    marts = dict(warehouse.execute(
        "SELECT table_name, estimated_size FROM duckdb_tables() WHERE schema_name = 'marts'").fetchall())
    assert {"association", "youth_care_expected", "household_position"} <= set(marts)
    exported = {p.stem for p in (out / "published" / "parquet").glob("*.parquet")}
    assert exported == set(marts)
    for table in ("association", "youth_care_expected"):
        rows = warehouse.execute(f"SELECT count(*) FROM marts.{table}").fetchone()[0]
        assert pl.read_parquet(out / "published" / "parquet" / f"{table}.parquet").height == rows > 0

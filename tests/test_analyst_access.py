"""Analyst access: read-only SQL on a warehouse, and one run at a time."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

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
    result = run_query(read_only, "SELECT indicator_id, value FROM marts.indicator_values "
                       "WHERE region_code = 'GM0363' AND period = '2021HJ01' "
                       "AND indicator_id = 'jeugdhulp_pct' AND boundary_year IS NULL")
    assert result.rows == [("jeugdhulp_pct", 11.4)] and not result.cut
    assert render(result, "csv") == "indicator_id,value\njeugdhulp_pct,11.4"
    assert json.loads(render(result, "json")) == [{"indicator_id": "jeugdhulp_pct", "value": 11.4}]
    assert "jeugdhulp_pct | 11.4" in render(result, "table")


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
    assert run_query(read_only, "SELECT count(*) FROM marts.indicators").rows[0][0] > 0


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


def sql_session(published_copy: Path, tmp_path: Path, *args: str, **popen) -> subprocess.Popen:
    """`kindbelang sql` in its own process on an output directory holding only the published database."""
    out = tmp_path / "out"
    (out / "published").mkdir(parents=True)
    (out / "published" / "kindbelang.duckdb").symlink_to(published_copy)
    env = {**os.environ, "KINDBELANG_OUT": str(out)}
    return subprocess.Popen([sys.executable, "-m", "kindbelang.cli", "sql", *args], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, **popen)


def test_a_huge_result_is_cut_at_the_limit_with_a_message(published_copy, tmp_path):
    """Issue 16: `SELECT * FROM range(100000000)` grew past 6 GB without printing a row."""
    session = sql_session(published_copy, tmp_path, "--format", "csv", "SELECT * FROM range(100000000)", text=True)
    out, err = session.communicate(timeout=120)
    assert session.returncode == 0, err
    assert out.splitlines()[:3] == ["range", "0", "1"] and len(out.splitlines()) == 1 + 1000
    assert "alleen de eerste 1.000 rijen getoond" in err and "--limit" in err


def test_ctrl_c_stops_the_query_and_the_prompt_stays(published_copy, tmp_path):
    session = sql_session(published_copy, tmp_path, "--format", "csv", stdin=subprocess.PIPE, text=True)
    session.stdin.write("SELECT count(*) FROM range(100000000000) a WHERE a.range % 7 = 3;\n")
    session.stdin.flush()
    time.sleep(3)  # the query is running (it takes minutes)
    session.send_signal(signal.SIGINT)
    time.sleep(1)
    out, err = session.communicate("SELECT 41 + 1 AS answer;\n.quit\n", timeout=60)
    assert session.returncode == 0, err
    assert "Query afgebroken (Ctrl-C)." in err and "Traceback" not in err
    assert "answer\n42" in out


def test_undecodable_input_is_refused_with_a_message(published_copy, tmp_path):
    session = sql_session(published_copy, tmp_path, "--format", "csv", stdin=subprocess.PIPE)
    out, err = session.communicate(b"SELECT 'caf\xe9' AS x;\n", timeout=60)
    assert session.returncode == 0 and b"Traceback" not in err, err
    assert "geen geldige UTF-8".encode() in err

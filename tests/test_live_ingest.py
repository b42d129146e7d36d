"""Live ingest end to end against the local CBS server (tests/cbs_server.py): `kindbelang fetch`,
`kindbelang run --source live`, and what a misbehaving CBS leaves behind (nothing changed).

The CLI runs in a subprocess, as a user would run it, with KINDBELANG_OUT and KINDBELANG_CBS_URL pointing at a
temporary output directory and the server; KINDBELANG_CBS_RETRIES/BACKOFF keep the failure cases fast.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import polars as pl
import pytest
from polars.testing import assert_frame_equal

from cbs_server import DEFAULT_MODIFIED, SNAPSHOT_ROOT, CbsTestServer
from conftest_cbs import cbs_server  # noqa: F401  (fixture)
from kindbelang.catalog import CatalogTable, load_catalog
from kindbelang.raw_store import read_raw_table

TABLE = "84134NED"  # 10,000 rows: four pages of 2,500 when paged
FAST = {"KINDBELANG_CBS_RETRIES": "1", "KINDBELANG_CBS_BACKOFF": "0.01", "KINDBELANG_CBS_TIMEOUT": "20"}
FETCH_KEYS = {"table", "rows", "columns", "modified", "status"}


def kindbelang(out: Path, base_url: str, *args: str, timeout: float = 600,
               env: dict | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, **FAST, "KINDBELANG_OUT": str(out), "KINDBELANG_CBS_URL": base_url, **(env or {})}
    env.pop("DAGSTER_HOME", None)  # the CLI puts its instance under KINDBELANG_OUT
    return subprocess.run([sys.executable, "-m", "kindbelang.cli", *args], env=env, capture_output=True,
                          text=True, timeout=timeout)


def kindbelang_here(monkeypatch, capsys, out: Path, base_url: str, *args: str) -> subprocess.CompletedProcess:
    """The same CLI in this process (faster), for the cases that need no fresh interpreter."""
    from kindbelang.cli import main

    for name, value in {**FAST, "KINDBELANG_OUT": str(out), "KINDBELANG_CBS_URL": base_url}.items():
        monkeypatch.setenv(name, value)
    capsys.readouterr()
    code = main(list(args))
    captured = capsys.readouterr()
    return subprocess.CompletedProcess(args, code, captured.out, captured.err)


def json_lines(stdout: str) -> list[dict]:
    return [json.loads(line) for line in stdout.splitlines() if line.startswith("{")]


def file_digests(root: Path) -> dict[str, str]:
    """sha256 of every file under root except the Dagster instance (run history is allowed to grow) and the
    run lock and its holder file (the pid of the last run)."""
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*"))
            if p.is_file() and ".dagster" not in p.relative_to(root).parts and p.name not in (".run.lock", ".run.pid")}


# --------------------------------------------------------------------------------------------- fetch


def test_fetch_prints_one_json_line_and_keeps_the_previous_release(cbs_server, tmp_path):
    result = kindbelang(tmp_path, cbs_server.base_url, "fetch", TABLE.lower())
    assert result.returncode == 0, result.stderr
    (line,) = json_lines(result.stdout)
    assert line == {"table": TABLE, "rows": 10000, "columns": 7, "modified": DEFAULT_MODIFIED, "status": "new"}
    stored = read_raw_table(tmp_path / "raw", TABLE)
    assert stored.modified == DEFAULT_MODIFIED and stored.metadata["source"]["mode"] == "live"

    again = kindbelang(tmp_path, cbs_server.base_url, "fetch", TABLE)
    assert json_lines(again.stdout)[0]["status"] == "unchanged"
    assert not (tmp_path / "raw" / "previous").exists()  # same release: nothing retired

    cbs_server.set_modified(TABLE, "2025-06-30T02:00:00")
    updated = kindbelang(tmp_path, cbs_server.base_url, "fetch", TABLE)
    assert json_lines(updated.stdout)[0] == {**line, "modified": "2025-06-30T02:00:00", "status": "updated"}
    assert read_raw_table(tmp_path / "raw", TABLE).modified == "2025-06-30T02:00:00"
    assert read_raw_table(tmp_path / "raw" / "previous", TABLE).modified == DEFAULT_MODIFIED


def test_a_second_fetch_waits_for_the_first_and_previous_keeps_the_old_release(cbs_server, tmp_path):
    """Two `kindbelang fetch` at once: the second is refused (one message, exit 3); previous/ keeps the release
    before the new one, not the new one twice (issue 16: both used to report success)."""
    assert kindbelang(tmp_path, cbs_server.base_url, "fetch", TABLE).returncode == 0
    cbs_server.set_modified(TABLE, "2025-06-30T02:00:00")
    cbs_server.add_fault("delay", table=TABLE, seconds=3)  # holds the first fetch on its first data page
    env = {**os.environ, **FAST, "KINDBELANG_OUT": str(tmp_path), "KINDBELANG_CBS_URL": cbs_server.base_url}
    first = subprocess.Popen([sys.executable, "-m", "kindbelang.cli", "fetch", TABLE], env=env,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    holder = tmp_path / ".run.pid"
    deadline = time.monotonic() + 60
    while not (holder.exists() and holder.read_text().startswith(f"{first.pid} ")):
        assert time.monotonic() < deadline and first.poll() is None, first.communicate()
    second = kindbelang(tmp_path, cbs_server.base_url, "fetch", TABLE)
    out, err = first.communicate(timeout=120)
    assert first.returncode == 0, err
    assert second.returncode == 3 and second.stdout == ""
    assert second.stderr.startswith("FOUT: Er loopt al een kindbelang-run of -ophaalactie")
    assert f"(proces {first.pid} (kindbelang fetch))" in second.stderr and "Traceback" not in second.stderr
    assert read_raw_table(tmp_path / "raw", TABLE).modified == "2025-06-30T02:00:00"
    assert read_raw_table(tmp_path / "raw" / "previous", TABLE).modified == DEFAULT_MODIFIED


def test_fetch_any_table_id_the_server_serves(tmp_path):
    """A table that is not in the catalog and has no snapshot: fetched by id alone."""
    root = tmp_path / "cbs"
    shutil.copytree(SNAPSHOT_ROOT / "82972NED", root / "99999NED")
    meta_path = root / "99999NED" / "metadata.json"
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    meta["table_id"] = meta["table_infos"]["Identifier"] = "99999NED"
    meta_path.write_text(json.dumps(meta), encoding="utf-8")
    with CbsTestServer(root) as server:
        result = kindbelang(tmp_path / "out", server.base_url, "fetch", "99999ned")
    assert result.returncode == 0, result.stderr
    (line,) = json_lines(result.stdout)
    assert set(line) == FETCH_KEYS and line["table"] == "99999NED" and line["rows"] == 9652
    assert line["status"] == "new"


def test_fetch_failure_is_an_error_line_and_nonzero_exit(cbs_server, tmp_path):
    assert kindbelang(tmp_path, cbs_server.base_url, "fetch", TABLE).returncode == 0
    before = file_digests(tmp_path)
    cbs_server.add_fault("status", status=500, table=TABLE, times=None)
    result = kindbelang(tmp_path, cbs_server.base_url, "fetch", "82972NED", TABLE)
    assert result.returncode != 0
    ok, failed = json_lines(result.stdout)
    assert ok["status"] == "new" and failed["status"] == "error" and failed["table"] == TABLE
    assert TABLE in failed["error"] and cbs_server.base_url in failed["error"] and "HTTP 500" in failed["error"]
    assert TABLE in result.stderr
    after = file_digests(tmp_path)
    assert {k: v for k, v in after.items() if TABLE in k} == {k: v for k, v in before.items() if TABLE in k}


def test_fetch_from_a_hanging_server_ends_at_the_deadline_with_a_message(cbs_server, tmp_path):
    cbs_server.add_fault("delay", entity=None, seconds=5, times=None)
    started = time.monotonic()
    result = kindbelang(tmp_path / "out", cbs_server.base_url, "fetch", TABLE,
                        env={"KINDBELANG_CBS_DEADLINE": "2", "KINDBELANG_CBS_TIMEOUT": "120"})
    assert result.returncode == 1 and time.monotonic() - started < 15
    assert f"FOUT: CBS-tabel {TABLE} niet opgehaald. Probeer het later opnieuw" in result.stderr
    assert "KINDBELANG_CBS_DEADLINE" in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "out" / "raw" / TABLE).exists()


def test_accepted_schema_change_is_taken_in(cbs_server, tmp_path, monkeypatch, capsys):
    def fetch(*args):
        return kindbelang_here(monkeypatch, capsys, tmp_path, cbs_server.base_url, "fetch", *args)

    assert fetch(TABLE).returncode == 0
    cbs_server.serve(TABLE, drop_column="Jeugdzorgtrajecten_3", modified="2025-06-30T02:00:00")
    refused = fetch(TABLE)
    assert refused.returncode != 0 and "column gone: Jeugdzorgtrajecten_3" in refused.stderr
    accepted = fetch("--accept-schema-change", TABLE)
    assert accepted.returncode == 0, accepted.stderr
    (line,) = json_lines(accepted.stdout)
    assert line["status"] == "updated" and line["columns"] == 6
    assert line["schema_changes"] == [
        "column gone: Jeugdzorgtrajecten_3 (Topic, unit 'aantal', title 'Jeugdzorgtrajecten')"]
    assert "Jeugdzorgtrajecten_3" in read_raw_table(tmp_path / "raw" / "previous", TABLE).data.columns


def test_catalog_accept_schema_change(tmp_path):
    path = tmp_path / "catalog.yaml"
    path.write_text("tables:\n"
                    "  - {id: 11111NED, title: a, purpose: p}\n"
                    "  - {id: 22222NED, title: b, purpose: p, accept_schema_change: true}\n"
                    "  - {id: 33333NED, title: c, purpose: p, accept_schema_change: [Kosten_4]}\n",
                    encoding="utf-8")
    none, any_change, listed = load_catalog(path)
    gone = "column gone: Kosten_4 (Topic, unit 'euro', title 'Kosten')"
    assert not none.accepts_schema_change(gone) and any_change.accepts_schema_change(gone)
    assert listed.accepts_schema_change(gone)
    assert listed.accepts_schema_change("unit of Kosten_4 changed: 'euro' -> 'x 1 000 euro'")
    assert not listed.accepts_schema_change("column gone: Kosten_44 (Topic, unit 'euro', title 'Kosten')")
    assert not CatalogTable("1", "t", "p", "g").accepts_schema_change(gone)


def test_update_snapshot_records_live_provenance(cbs_server, tmp_path, monkeypatch, capsys):
    snapshot = tmp_path / "snapshot"
    shutil.copytree(SNAPSHOT_ROOT / "82972NED", snapshot / "82972NED")
    committed = file_digests(SNAPSHOT_ROOT / "82972NED")  # other tables may be re-imported meanwhile
    result = kindbelang_here(monkeypatch, capsys, tmp_path / "out", cbs_server.base_url, "fetch",
                             "--update-snapshot", "82972NED", "--snapshot-dir", str(snapshot))
    assert result.returncode == 0, result.stderr
    (line,) = json_lines(result.stdout)
    assert line["status"] == "updated" and line["modified"] == DEFAULT_MODIFIED
    source = read_raw_table(snapshot, "82972NED").metadata["source"]
    assert source["mode"] == "live" and source["modified"] == DEFAULT_MODIFIED
    assert source["fetched_at"].endswith("Z") and source["base_url"] == cbs_server.base_url
    assert not (snapshot / "previous").exists()  # git keeps the snapshot's history
    assert file_digests(SNAPSHOT_ROOT / "82972NED") == committed
    refused = kindbelang_here(monkeypatch, capsys, tmp_path / "out", cbs_server.base_url, "fetch",
                              "--update-snapshot", "99999NED")
    assert refused.returncode != 0 and "99999NED" in refused.stderr


# --------------------------------------------------------------------------------------------- full run


@pytest.fixture(scope="module")
def live_server():
    with CbsTestServer() as server:
        yield server


@pytest.fixture(scope="module")
def live_run(live_server, tmp_path_factory):
    """`kindbelang run --source live` for every catalog table, served from the snapshot."""
    out = tmp_path_factory.mktemp("live")
    result = kindbelang(out, live_server.base_url, "run", "--source", "live")
    assert result.returncode == 0, result.stdout + result.stderr
    return out


@pytest.fixture
def server(live_server):
    yield live_server
    live_server.clear_faults()
    live_server.serve(TABLE)  # back to the defaults


def test_live_run_marts_equal_the_snapshot_run(live_run, warehouse):
    query = "SELECT * EXCLUDE (source_modified) FROM marts.indicator_values"
    with duckdb.connect(str(live_run / "kindbelang.duckdb"), read_only=True) as con:
        live = pl.from_arrow(con.sql(query).to_arrow_table())
        # The server keeps a table's own TableInfos.Modified where the snapshot has one (84799NED).
        modified = con.execute("SELECT DISTINCT source_modified FROM marts.indicator_values "
                               "WHERE source_kind = 'cbs' AND source_table <> '84799NED'").fetchall()
        modes = con.execute("SELECT DISTINCT source_mode FROM raw.cbs_tables").fetchall()
        tables = {t for (t,) in con.execute("SELECT table_id FROM raw.cbs_tables").fetchall()}
    snapshot = pl.from_arrow(warehouse.sql(query).to_arrow_table())
    assert live.height > 0
    # DuckDB sums floats in parallel: harmonised numerators may differ in the last bits between runs.
    key = ["indicator_id", "region_code", "period", "boundary_year"]
    assert_frame_equal(live.sort(key, nulls_last=True), snapshot.sort(key, nulls_last=True),
                       check_exact=False, rel_tol=1e-9)
    assert modified == [(DEFAULT_MODIFIED,)] and modes == [("live",)]
    assert tables == {t.id for t in load_catalog()}
    assert {p.name for p in (live_run / "raw").iterdir() if not p.name.startswith(".")} == tables


NEW_RELEASE = "2026-06-30T02:00:00"  # each fault comes with a new Modified: a live run fetches new releases only
FAULTS = {
    "500 forever": lambda s: (s.set_modified(TABLE, NEW_RELEASE),
                              s.add_fault("status", status=500, table=TABLE, times=None)),
    "malformed page": lambda s: (s.serve(TABLE, page_size=2500, modified=NEW_RELEASE),
                                 s.add_fault("malformed", table=TABLE, skip=5000, times=None)),
    "dropped column": lambda s: s.serve(TABLE, drop_column="Jeugdzorgtrajecten_3", modified=NEW_RELEASE),
}


@pytest.mark.parametrize("fault", FAULTS)
def test_failed_live_run_leaves_raw_data_and_warehouse_intact(live_run, server, tmp_path, fault):
    out = tmp_path / "out"
    shutil.copytree(live_run, out)
    before = file_digests(out)
    assert "kindbelang.duckdb" in before and f"raw/{TABLE}/data.parquet" in before
    FAULTS[fault](server)
    result = kindbelang(out, server.base_url, "run", "--source", "live")
    assert result.returncode != 0
    assert TABLE in result.stderr
    if fault == "dropped column":
        assert "column gone: Jeugdzorgtrajecten_3" in result.stderr and "accept_schema_change" in result.stderr
    else:
        assert f"{server.base_url}/ODataFeed/odata/{TABLE}/TypedDataSet" in result.stderr
        assert ("HTTP 500" if fault == "500 forever" else "malformed JSON") in result.stderr
    assert file_digests(out) == before  # byte for byte: raw store, previous releases, warehouse, outputs
    assert not any(p.name.endswith((".tmp", ".old")) for p in (out / "raw").iterdir())
    assert "niet opgehaald" in result.stderr and "Er is niets overschreven" in result.stderr
    assert "Traceback" not in result.stderr


def test_live_run_fetches_only_new_releases(live_run, server, tmp_path):
    """Nothing new at CBS: only TableInfos is asked, no data page. One new Modified: only that table's data."""
    out = tmp_path / "out"
    shutil.copytree(live_run, out, symlinks=True)  # keep `current` a link: the release compared with
    server.requests.clear()
    quiet = kindbelang(out, server.base_url, "run", "--source", "live")
    assert quiet.returncode == 0, quiet.stderr
    assert server.count("TypedDataSet") == 0
    assert server.count("TableInfos") == len(load_catalog())
    assert "0 van 47 tabellen nieuw of gewijzigd".replace("47", str(len(load_catalog()))) in quiet.stderr

    server.set_modified(TABLE, NEW_RELEASE)
    server.requests.clear()
    changed = kindbelang(out, server.base_url, "run", "--source", "live")
    assert changed.returncode == 0, changed.stderr
    assert {r.table for r in server.requests if r.entity == "TypedDataSet"} == {TABLE}
    assert f"1 van {len(load_catalog())} tabellen nieuw of gewijzigd: {TABLE}" in changed.stderr
    assert f"{TABLE}: klaar:" in changed.stderr and "bijgewerkt" in changed.stderr
    with duckdb.connect(str(out / "published" / "kindbelang.duckdb"), read_only=True) as con:
        assert con.execute("SELECT modified FROM raw.cbs_tables WHERE table_id = ?", [TABLE]).fetchone() == (
            NEW_RELEASE,)
        # Same figures in the new release of the table: compared with the live run's release, nothing changed.
        assert con.execute("SELECT previous_release, revised, new_periods, gone FROM marts.release_comparison"
                           ).fetchall() == [(os.readlink(live_run / "current").split("/")[-1], 0, 0, 0)]

    # CBS makes 2020 final: every figure of that period from this table is revised, nothing else.
    server.serve(TABLE, modified="2026-07-31T02:00:00", period_status={"2020JJ00": "Definitief"})
    final = kindbelang(out, server.base_url, "run", "--source", "live")
    assert final.returncode == 0, final.stderr
    with duckdb.connect(str(out / "published" / "kindbelang.duckdb"), read_only=True) as con:
        changes = con.execute("SELECT DISTINCT change, source_table, period, status_previous, status "
                              "FROM marts.release_changes").fetchall()
        revised, status_changed = con.execute(
            "SELECT revised, status_changed FROM marts.release_comparison").fetchone()
    assert changes == [("herzien", TABLE, "2020JJ00", "onbekend", "definitief")]
    assert revised == status_changed > 0
    page = " ".join((out / "site" / "nieuw.html").read_text(encoding="utf-8").split())
    assert f"{revised} cijfers gewijzigd, waarvan {status_changed} met een andere releasestatus" in page

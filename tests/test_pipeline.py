"""A full run on the snapshot: the values published equal the CBS cells they come from."""

from __future__ import annotations

import re

import polars as pl
import pytest

from kindbelang.definitions import defs
from kindbelang.resources import Warehouse
from kindbelang.settings import SNAPSHOT_DIR

EXPECTED_NON_RAW_ASSETS = {
    "staging/gemeente_history", "staging/gemeente_memberships", "staging/youth_care_counts",
    "staging/youth_care_indicators", "intermediate/populations", "intermediate/indicator_parts",
    "intermediate/boundary_crosswalk", "intermediate/indicator_parts_harmonised", "marts/indicator_parts",
    "marts/indicator_values", "marts/indicators", "marts/region_memberships", "marts/regions",
    "marts/youth_care_use",
}


def test_definitions_load_with_one_raw_asset_per_catalog_table():
    keys = {k.to_user_string() for k in defs.resolve_asset_graph().get_all_asset_keys()}
    assert {k for k in keys if not k.startswith("raw/")} >= EXPECTED_NON_RAW_ASSETS
    assert "raw/cbs_82972ned" in keys and "raw/cbs_86059ned" in keys


def test_full_materialisation_succeeds(pipeline_run):
    _, result = pipeline_run
    assert result.success


def value(warehouse, indicator, region, period):
    rows = warehouse.execute(
        "SELECT value FROM marts.indicator_values WHERE indicator_id = ? AND region_code = ? AND period = ?"
        " AND boundary_year IS NULL", [indicator, region, period]).fetchall()
    assert len(rows) == 1, (indicator, region, period, rows)
    return rows[0][0]


def test_amsterdam_first_half_2021_jeugdhulp(warehouse):
    assert value(warehouse, "jeugdhulp_pct", "GM0363", "2021HJ01") == pytest.approx(11.4)


def test_national_2021_first_half_reads_as_cbs_publishes_it(warehouse):
    got = [value(warehouse, i, "NL01", "2021HJ01") for i in (
        "jeugdhulp_pct", "jeugdhulp_verblijf_pct", "jeugdbescherming_pct", "jeugdbescherming_verblijf_pct",
        "jeugdreclassering_pct")]
    assert got == pytest.approx([11.1, 9.9, 1.1, 47.5, 0.3])


def test_counts_equal_the_source_cells(warehouse):
    assert value(warehouse, "jeugdzorg_aantal", "NL01", "2015HJ01") == 318610
    assert value(warehouse, "jeugdzorg_aantal", "NL01", "2021JJ00") == 469705


@pytest.mark.parametrize("indicator", ["jeugdhulp_pct", "jeugdzorg_aantal"])
def test_every_gemeente_of_the_periods_own_boundaries_is_present(warehouse, indicator):
    missing = warehouse.execute("""
        SELECT DISTINCT v.period, m.gemeente_code
        FROM (SELECT DISTINCT period, year FROM marts.indicator_values WHERE indicator_id = ? AND boundary_year IS NULL) AS v
        JOIN marts.region_memberships AS m ON m.boundary_year = v.year
        ANTI JOIN marts.indicator_values AS i
            ON i.indicator_id = ? AND i.period = v.period AND i.region_code = m.gemeente_code AND i.boundary_year IS NULL
    """, [indicator, indicator]).fetchall()
    assert missing == []
    extra = warehouse.execute("""
        SELECT i.period, i.region_code FROM marts.indicator_values AS i
        ANTI JOIN marts.region_memberships AS m ON m.boundary_year = i.year AND m.gemeente_code = i.region_code
        WHERE i.indicator_id = ? AND i.region_level = 'gemeente' AND i.boundary_year IS NULL
    """, [indicator]).fetchall()
    assert extra == []


def test_suppressed_cells_stay_null(warehouse):
    source = pl.read_parquet(SNAPSHOT_DIR / "85098NED" / "data.parquet")
    suppressed = source.filter(
        pl.col("RegioS").str.starts_with("GM") & pl.col("JongerenMetJeugdreclassering_5").is_null()
        & (pl.col("Perioden") == "2023JJ00"))
    assert suppressed.height > 0
    codes = suppressed["RegioS"].to_list()
    existing = {c for (c,) in warehouse.execute(
        "SELECT gemeente_code FROM marts.region_memberships WHERE boundary_year = 2023").fetchall()}
    codes = [c for c in codes if c in existing]
    rows = warehouse.execute(
        "SELECT region_code, value FROM marts.indicator_values WHERE indicator_id = 'jeugdreclassering_pct' "
        "AND period = '2023JJ00' AND boundary_year IS NULL AND region_code IN (SELECT unnest(?))", [codes]).fetchall()
    assert len(rows) == len(codes) and all(v is None for _, v in rows)


def test_status_is_onbekend_for_the_snapshot_never_guessed(warehouse):
    # The exports carry no release status, except 85383NED, which gives CBS's own StatusCijfer per figure.
    statuses = dict(warehouse.execute("SELECT source_table = '85383NED', string_agg(DISTINCT status, ',') "
                                      "FROM marts.indicator_values GROUP BY 1").fetchall())
    assert statuses == {False: "onbekend", True: "definitief"}


def test_every_value_names_its_source_table_and_unit(warehouse):
    rows = warehouse.execute(
        "SELECT count(*) FROM marts.indicator_values WHERE source_table IS NULL OR unit IS NULL").fetchone()
    assert rows == (0,)


def test_eemsdelta_replaces_its_parts_from_2021(warehouse):
    codes = lambda period: {c for (c,) in warehouse.execute(  # noqa: E731
        "SELECT region_code FROM marts.indicator_values WHERE indicator_id = 'jeugdhulp_pct' AND period = ? "
        "AND boundary_year IS NULL",
        [period]).fetchall()}
    assert {"GM0003", "GM0010", "GM0024"} <= codes("2020JJ00") and "GM1979" not in codes("2020JJ00")
    assert "GM1979" in codes("2021JJ00") and not {"GM0003", "GM0010", "GM0024"} & codes("2021JJ00")


# --- only what changed ---------------------------------------------------------------------------------------

def copy_project(root):
    """The parts of the project a run reads, copied, so that a test may change a SQL file."""
    import shutil

    from kindbelang.settings import PROJECT_ROOT

    for part in ("pipelines", "sql", "expectations", "dashboards", "data/snapshot", "data/geo", "data/publications"):
        shutil.copytree(PROJECT_ROOT / part, root / part, ignore=shutil.ignore_patterns("__pycache__"))
    return root


def kindbelang_run(project, out, *args):
    import os
    import subprocess
    import sys

    env = {**os.environ, "KINDBELANG_OUT": str(out), "PYTHONPATH": str(project / "pipelines")}
    return subprocess.run([sys.executable, "-m", "kindbelang.cli", "run", *args], env=env, capture_output=True,
                          text=True, timeout=900, cwd=project)


def monitor_runs(out):
    """Materialised asset keys of every monitor run in the run's own Dagster instance, oldest first."""
    import dagster as dg

    with dg.DagsterInstance.from_config(str(out / ".dagster")) as instance:
        runs = instance.get_runs(filters=dg.RunsFilter(job_name="monitor"))
        return [{r.asset_materialization.asset_key.to_user_string() for r in instance.get_records_for_run(
            run.run_id, of_type=dg.DagsterEventType.ASSET_MATERIALIZATION).records} for run in reversed(runs)]


def test_a_second_run_redoes_nothing_and_a_changed_model_redoes_only_itself_and_its_downstream(tmp_path):
    import dagster as dg

    project, out = copy_project(tmp_path / "project"), tmp_path / "out"
    cold = kindbelang_run(project, out)
    assert cold.returncode == 0, cold.stderr[-3000:]
    assert re.search(r"^\[\s*1/\d+\] \S", cold.stdout, re.M)  # progress: one line per finished step
    assert re.search(r"^\[\s*\d+/\d+\] marts/indicator_values  \d+,\d s$", cold.stdout, re.M)
    published = (out / "published" / "kindbelang.duckdb").stat().st_mtime_ns

    again = kindbelang_run(project, out)
    assert again.returncode == 0, again.stderr[-3000:]
    assert "Niets veranderd sinds de vorige geslaagde run" in again.stdout
    assert "Nagaan wat er veranderd is" not in again.stdout  # answered from the record of the cold run
    assert len(monitor_runs(out)) == 1, "a run with nothing changed launched a monitor run"
    assert (out / "published" / "kindbelang.duckdb").stat().st_mtime_ns == published

    model = project / "sql" / "marts" / "monitor.sql"
    model.write_text(model.read_text(encoding="utf-8") + "\n-- touched by the test\n", encoding="utf-8")
    touched = kindbelang_run(project, out)
    assert touched.returncode == 0, touched.stderr[-3000:]
    assert "Nagaan wat er veranderd is" in touched.stdout and "marts/monitor (code gewijzigd)" in touched.stdout
    key = dg.AssetKey(["marts", "monitor"])
    expected = {k.to_user_string() for k in dg.AssetSelection.assets(key).downstream().resolve(
        defs.resolve_asset_graph())}
    assert monitor_runs(out)[-1] == expected

    # A new release of one CBS table (one cell differs, as in benchmarks/run_all.py): its raw asset and what
    # reads it, nothing else; the observation of its new version is what makes them stale.
    change_one_cell(project / "data" / "snapshot", "85099NED")
    released = kindbelang_run(project, out)
    assert released.returncode == 0, released.stderr[-3000:]
    assert "Gewijzigde CBS-tabellen: 85099NED" in released.stdout
    assert "raw/cbs_85099ned (invoer gewijzigd (cbs/85099NED))" in released.stdout
    raw = dg.AssetKey(["raw", "cbs_85099ned"])
    expected = {k.to_user_string() for k in dg.AssetSelection.assets(raw).downstream().resolve(
        defs.resolve_asset_graph())}
    assert monitor_runs(out)[-1] == expected
    assert "raw/cbs_84134ned" not in expected and "marts/regions" not in expected


def change_one_cell(snapshot, table_id):
    """Test data: the synthetic new release the benchmark measures (benchmarks/run_all.py)."""
    import importlib.util

    from kindbelang.settings import PROJECT_ROOT

    spec = importlib.util.spec_from_file_location("run_all", PROJECT_ROOT / "benchmarks" / "run_all.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.change_one_table(snapshot, table_id)


def test_a_run_keeps_the_warehouse_open_once_and_closes_it_at_the_end(tmp_path):
    """Steps share the database the run opened (a step's unread result does not reach the next) and the file is
    free for other connections once the run is over. Synthetic rows (a one-cell test table)."""
    import dagster as dg
    import duckdb

    @dg.asset
    def first(warehouse: Warehouse) -> None:
        with warehouse.connect() as con:
            con.execute("CREATE TABLE t AS SELECT 1 AS x")
            con.execute("SELECT * FROM range(1000000)")  # left unread

    @dg.asset(deps=[first])
    def second(warehouse: Warehouse) -> None:
        with pytest.raises(duckdb.ConnectionException, match="different configuration"):
            duckdb.connect(str(warehouse.path), read_only=True)  # still open (read-write) from the first step
        with warehouse.connect() as con:
            assert con.execute("SELECT x FROM t").fetchall() == [(1,)]

    result = dg.materialize([first, second], resources={"warehouse": Warehouse(out_dir=str(tmp_path))})
    assert result.success
    with duckdb.connect(str(tmp_path / "kindbelang.duckdb"), read_only=True) as con:
        assert con.execute("SELECT x FROM t").fetchall() == [(1,)]


def test_code_versions_cover_the_sql_the_macros_the_column_docs_and_the_registry(monkeypatch):
    from kindbelang import versions
    from kindbelang.settings import PROJECT_ROOT, SQL_DIR

    model, other = SQL_DIR / "marts" / "monitor.sql", SQL_DIR / "marts" / "regions.sql"
    before = {p: versions.sql_model_version(p) for p in (model, other)}
    real_bytes, real_docs = versions._file_bytes.__wrapped__, versions._column_docs.__wrapped__

    def changed(path):
        monkeypatch.setattr(versions, "_file_bytes", lambda p: real_bytes(p) + (b"\n--" if p == path else b""))
        return {p: versions.sql_model_version(p) != before[p] for p in (model, other)}

    assert changed(model) == {model: True, other: False}
    assert changed(SQL_DIR / "macros.sql") == {model: True, other: True}
    monkeypatch.setattr(versions, "_file_bytes", real_bytes)
    monkeypatch.setattr(versions, "_column_docs", lambda f: {
        **real_docs(f), "monitor": {**real_docs(f).get("monitor", {}), "_table": "anders"}})
    assert {p: versions.sql_model_version(p) != before[p] for p in (model, other)} == {model: True, other: False}

    generated = versions.python_files("kindbelang.assets.indicator_parts", with_data=True)
    assert PROJECT_ROOT / "pipelines" / "kindbelang" / "indicators.yaml" in generated
    assert PROJECT_ROOT / "pipelines" / "kindbelang" / "catalog.yaml" in generated
    site = versions.python_files("kindbelang.assets.site", with_data=True)
    assert any(p.parent.name == "dashboards" for p in site)

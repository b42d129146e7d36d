"""Quality gates: every suite passes on the real snapshot; each corruption of a copy of it stops the run at a
blocking check that names the table and the problem, and the previously published warehouse stays as it was.

The session's good run (conftest) publishes; corrupted copies of the snapshot then run the real `monitor`
job in a copy of its output directory. Corruptions of different tables share a run to keep the time down;
each is asserted through its own table's verdict.
"""

import hashlib
import os
import shutil
from pathlib import Path

import dagster as dg
import polars as pl
import pytest

from kindbelang.quality import failure_lines, load_suites
from kindbelang.settings import SNAPSHOT_DIR


def run_monitor(out: Path, snapshot: Path, instance: dg.DagsterInstance):
    from kindbelang.definitions import defs

    mp = pytest.MonkeyPatch()
    mp.setenv("KINDBELANG_OUT", str(out))
    try:
        return defs.resolve_job_def("monitor").execute_in_process(
            instance=instance, raise_on_error=False,
            run_config={"resources": {"cbs": {"config": {"snapshot_dir": str(snapshot)}}}})
    finally:
        mp.undo()


def published_digest(out: Path) -> dict[str, str]:
    root = out / "published"
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


def materialised(result, key: list[str]) -> bool:
    return any(e.asset_key == dg.AssetKey(key) for e in result.get_asset_materialization_events())


@pytest.fixture(scope="module")
def gate(pipeline_run, tmp_path_factory):
    """The session's good run (conftest) published; its output is copied here, and corrupted copies of the
    snapshot then run the real job in that copy, so "unchanged" means the good run's files, byte for byte."""
    good_out, result = pipeline_run
    assert result.success, "\n".join(failure_lines(result)) or "good run failed"
    out = tmp_path_factory.mktemp("gate_out")
    shutil.copytree(good_out / "published", out / "published")
    shutil.copy2(good_out / "kindbelang.duckdb", out / "kindbelang.duckdb")
    digest = published_digest(out)
    instance = dg.DagsterInstance.ephemeral()
    results = {}

    def corrupted_run(group: int):
        # Corruptions of different tables share a run (time); each must still be caught by its own table's check.
        if group not in results:
            snapshot = tmp_path_factory.mktemp("snapshot_bad") / "snapshot"
            shutil.copytree(SNAPSHOT_DIR, snapshot)
            for table_id, change, *_ in (c for c in CORRUPTIONS.values() if c[4] == group):
                path = snapshot / table_id / "data.parquet"
                change(pl.read_parquet(path)).write_parquet(path)
            results[group] = run_monitor(out, snapshot, instance)
        return results[group]

    return good_out, result, digest, out, corrupted_run


def test_all_suites_pass_on_the_real_snapshot(gate):
    out, result, digest, _, _ = gate
    evaluations = result.get_asset_check_evaluations()
    checked = {(e.asset_key.to_user_string(), e.check_name) for e in evaluations}
    expected = {(k.to_user_string(), f"gx_{s.name}") for s in load_suites() for k in s.assets}
    assert expected <= checked
    assert [e for e in evaluations if not e.passed] == [], failure_lines(result)
    assert materialised(result, ["publication"])
    assert {"kindbelang.duckdb", "parquet/indicator_values.parquet", "parquet/youth_care_use.parquet",
            "parquet/regions.parquet", "parquet/region_memberships.parquet", "parquet/indicators.parquet"} <= set(digest)
    assert (out / "quality" / result.run_id / "index.html").exists()
    assert (out / "quality" / "latest" / "RUN_ID").read_text().strip() == result.run_id
    assert published_digest(out) == digest


def test_published_copy_is_readable_and_complete(gate):
    import duckdb

    out = gate[3]
    with duckdb.connect(str(out / "published" / "kindbelang.duckdb"), read_only=True) as con:
        published = con.execute("SELECT count(*) FROM marts.indicator_values").fetchone()[0]
    assert published > 0
    assert pl.read_parquet(out / "published" / "parquet" / "indicator_values.parquet").height == published


def drop_column(df):
    return df.drop("JongerenMetJeugdbescherming_3")


def duplicate_key(df):
    return pl.concat([df, df.head(1)])


def negative_count(df):
    first = pl.int_range(pl.len()) == df["JongerenMetJeugdzorg_1"].is_not_null().arg_max()
    return df.with_columns(pl.when(first).then(-5).otherwise(pl.col("JongerenMetJeugdzorg_1"))
                           .alias("JongerenMetJeugdzorg_1"))


def percentage_140(df):
    amsterdam = (pl.col("RegioS") == "GM0363") & (pl.col("Perioden") == "2018JJ00")
    return df.with_columns(pl.when(amsterdam).then(140.0).otherwise(pl.col("JongerenMetJeugdhulpInNatura_1"))
                           .alias("JongerenMetJeugdhulpInNatura_1"))


def gemeente_missing(df):
    return df.filter(pl.col("RegioS") != "GM0363")


def region_not_in_that_year(df):
    # Eemsdelta (GM1979, from 2021) reported under Appingedam (GM0003), which ceased to exist on 1 January 2021.
    return df.with_columns(pl.when((pl.col("RegioS") == "GM1979") & (pl.col("Perioden") == "2022JJ00"))
                           .then(pl.lit("GM0003")).otherwise(pl.col("RegioS")).alias("RegioS"))


def counts_times_100(df):
    return df.with_columns(pl.col("JongerenMetJeugdzorg_1") * 100)


CORRUPTIONS = {
    # name: (table, change, table named in the verdict, words of the problem, run)
    "dropped column": ("85098NED", drop_column, "raw.cbs_85098ned", "JongerenMetJeugdbescherming_3", 1),
    "duplicated key": ("82972NED", duplicate_key, "raw.cbs_82972ned", "meer dan eens", 1),
    "negative count": ("84134NED", negative_count, "raw.cbs_84134ned", "negatief aantal", 1),
    "region code not in that year": ("85099NED", region_not_in_that_year, "raw.cbs_85099ned",
                                     "bestaat niet in de gemeentelijke indeling", 1),
    "percentage of 140": ("82972NED", percentage_140, "raw.cbs_82972ned", "buiten 0-100", 2),
    "gemeente missing": ("85098NED", gemeente_missing, "raw.cbs_85098ned", "ontbreekt in de tabel", 2),
    "unit change x100": ("84134NED", counts_times_100, "raw.cbs_84134ned", "eenheid veranderd", 2),
}


@pytest.mark.parametrize("name", list(CORRUPTIONS))
def test_corruption_stops_the_run_at_the_gate(gate, name):
    _, _, digest, out, corrupted_run = gate
    table_id, change, table, problem, group = CORRUPTIONS[name]
    result = corrupted_run(group)
    assert not result.success
    assert not materialised(result, ["publication"]), "published despite a failed blocking check"
    assert not materialised(result, ["marts", "indicator_values"])
    blocking = [line for line in failure_lines(result) if line.startswith("BLOKKEREND")]
    assert any(table in line and problem in line for line in blocking), blocking
    failed_checks = [e for e in result.get_asset_check_evaluations()
                     if not e.passed and e.severity == dg.AssetCheckSeverity.ERROR]
    assert failed_checks and all(e.asset_key.path[0] == "raw" for e in failed_checks)
    assert published_digest(out) == digest, "the previous publication changed"


@pytest.mark.skipif((os.cpu_count() or 1) < 2, reason="one core: GX validates in this process")
def test_the_validator_process_gives_the_result_gx_gives_here():
    """kindbelang.gx_validation: the same GX result from the second process as in this one. Synthetic rows (a
    three-row test column with one null)."""
    import pyarrow as pa

    from kindbelang import gx_validation

    batches = [(pa.table({"x": [1, None, 3]}), [
        {"type": "expect_column_values_to_not_be_null", "kwargs": {"column": "x"}, "meta": {"kindbelang_index": 0}}])]
    args = ("test_suite", "test_suite:synthetic", batches, {}, {"result_format": "SUMMARY"})

    def verdicts(results):
        return [(r["expectation_config"]["meta"], r["success"], r["result"]["unexpected_count"])
                for result in results for r in result["results"]]

    here = gx_validation.validate(*args)
    with gx_validation.running():
        assert gx_validation._validator.submit(os.getpid).result() != os.getpid()
        there = gx_validation.validate(*args)
    assert gx_validation._validator is None  # stopped by whoever started it
    assert verdicts(there) == verdicts(here) == [({"kindbelang_index": 0}, False, 1)]

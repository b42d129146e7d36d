"""Runs never collide and never lose the publication: a second run is refused, readers keep working
during a run, and a run killed with SIGKILL leaves the published copy intact for the next run to replace."""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

KINDBELANG = [sys.executable, "-m", "kindbelang.cli"]


def kindbelang(out: Path, *args: str, background: bool = False):
    env = {**os.environ, "KINDBELANG_OUT": str(out)}
    command = [*KINDBELANG, *args]
    if background:
        return subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=600)


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def wait_for(condition, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.2)


def test_second_run_refused_readers_served_and_killed_run_recovers(tmp_path):
    out = tmp_path / "out"
    first = kindbelang(out, "run")
    assert first.returncode == 0, first.stderr[-2000:]
    published = out / "published" / "kindbelang.duckdb"
    before = digest(published)

    # --full: with nothing changed a plain run would finish at once without touching the warehouse.
    running = kindbelang(out, "run", "--full", background=True)
    try:
        holder = out / ".run.pid"
        wait_for(lambda: holder.exists() and holder.read_text().startswith(f"{running.pid} "))

        second = kindbelang(out, "run")
        assert second.returncode == 3
        assert "al een kindbelang-run" in second.stderr

        reader = kindbelang(out, "sql", "--format", "csv", "SELECT count(*) AS n FROM marts.indicators")
        assert reader.returncode == 0, reader.stderr
        assert int(reader.stdout.splitlines()[1]) > 0

        # Kill it once it is writing the warehouse, the moment a half-written release could leak out.
        warehouse = out / "kindbelang.duckdb"
        mtime = warehouse.stat().st_mtime
        wal = warehouse.with_name(warehouse.name + ".wal")
        wait_for(lambda: wal.exists() or warehouse.stat().st_mtime != mtime)
        running.send_signal(signal.SIGKILL)
        running.wait(timeout=30)
    finally:
        if running.poll() is None:
            running.kill()
    assert digest(published) == before

    recovered = kindbelang(out, "run")
    assert recovered.returncode == 0, recovered.stderr[-2000:]
    # The killed run materialised some assets again; the next run redoes the rest and publishes.
    assert "Opnieuw te maken" in recovered.stdout
    assert "was afgebroken; in de geschiedenis nu als mislukt gemarkeerd" in recovered.stdout
    reader = kindbelang(out, "sql", "--format", "json", "SELECT count(*) AS n FROM marts.indicator_values")
    assert reader.returncode == 0 and '"n"' in reader.stdout

    # Killed while the site is being built: readers keep the previous database *and* site, as one pair.
    pair = (digest(published), digest(out / "site" / "index.html"), os.readlink(out / "current"))
    running = kindbelang(out, "run", "--full", background=True)
    try:
        wait_for(lambda: any((out / "releases").glob("*/.site.*.tmp/assets")), seconds=300)
        running.send_signal(signal.SIGKILL)
        running.wait(timeout=30)
    finally:
        if running.poll() is None:
            running.kill()
    assert (digest(published), digest(out / "site" / "index.html"), os.readlink(out / "current")) == pair
    assert any((out / "releases").glob("*/.site.*.tmp")), "the half-built site is left for the next run to clean"
    again = kindbelang(out, "run")
    assert again.returncode == 0, again.stderr[-2000:]
    assert not list((out / "releases").glob("*/.*.tmp")) and not list(out.glob(".*.tmp"))
    assert os.readlink(out / "current") != pair[2] and len(list((out / "releases").iterdir())) == 2
    import dagster as dg

    with dg.DagsterInstance.from_config(str(out / ".dagster")) as instance:
        assert not instance.get_runs(filters=dg.RunsFilter(statuses=[dg.DagsterRunStatus.STARTED]))


def test_cli_and_ui_use_the_committed_dagster_yaml(tmp_path, monkeypatch):
    """A stale instance config under <out>/.dagster is replaced by pipelines/kindbelang/dagster.yaml."""
    import dagster as dg

    from kindbelang import cli

    home = tmp_path / ".dagster"
    home.mkdir()
    (home / "dagster.yaml").write_text("telemetry:\n  enabled: true\n")  # as an older version wrote it
    monkeypatch.setenv("KINDBELANG_OUT", str(tmp_path))
    monkeypatch.setenv("DAGSTER_HOME", "placeholder")
    monkeypatch.delenv("DAGSTER_HOME")  # restored after the test; the CLI sets it
    cli.use_project_instance()
    assert os.environ["DAGSTER_HOME"] == str(home)
    assert (home / "dagster.yaml").read_text() == cli.DAGSTER_YAML.read_text()
    with dg.DagsterInstance.get() as instance:
        limits = instance.get_concurrency_config().run_queue_config.tag_concurrency_limits
    assert [dict(limit) for limit in limits] == [{"key": "kindbelang/warehouse", "limit": 1}]


DEV_FULL = Path("/dev/full")  # every write to it fails with ENOSPC: a full disk without filling one


@pytest.mark.skipif(not DEV_FULL.exists(), reason="needs /dev/full")
def test_a_full_disk_is_one_message_and_debug_shows_the_traceback(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / ".run.pid").symlink_to(DEV_FULL)  # the first file a run writes
    plain = kindbelang(out, "run")
    assert plain.returncode == 1
    assert plain.stderr.startswith("FOUT: de schijf is vol") and "Maak ruimte vrij" in plain.stderr
    assert "Traceback" not in plain.stderr and len(plain.stderr.strip().splitlines()) == 1
    debug = kindbelang(out, "run", "--debug")
    assert debug.returncode != 0 and "Traceback" in debug.stderr and "No space left on device" in debug.stderr


def test_an_unexpected_error_names_what_to_do(tmp_path):
    not_a_dir = tmp_path / "a-file"
    not_a_dir.write_text("x")
    result = kindbelang(not_a_dir, "fetch", "82972NED")
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert result.stderr.startswith("FOUT: ") and "--debug" in result.stderr


def test_a_run_of_the_service_holds_back_run_and_fetch(tmp_path, monkeypatch):
    """A sensor run the daemon launched (here: its record in the instance, as the daemon writes it) keeps the
    CLI's writers out: they refuse with a message instead of writing beside it."""
    import dagster as dg

    from kindbelang.automation import WAREHOUSE_TAG
    from kindbelang.cli import use_project_instance

    out = tmp_path / "out"
    monkeypatch.setenv("KINDBELANG_OUT", str(out))
    monkeypatch.delenv("DAGSTER_HOME", raising=False)
    use_project_instance()
    instance = dg.DagsterInstance.get()
    run = dg.DagsterRun(job_name="monitor", run_id=str(uuid.uuid4()), status=dg.DagsterRunStatus.STARTED,
                        tags={**WAREHOUSE_TAG, "dagster/sensor_name": "cbs_release_sensor"})
    instance.add_run(run)
    monkeypatch.delenv("DAGSTER_HOME")
    for command in (["fetch", "82972NED"], ["run"]):
        refused = kindbelang(out, *command)
        assert refused.returncode == 3, refused.stderr
        assert refused.stderr.startswith(f"FOUT: Er loopt een run van de dienst (kindbelang serve: run "
                                         f"{run.run_id[:8]} van cbs_release_sensor)")
    assert not (out / "raw").exists() and not (out / "kindbelang.duckdb").exists()
    instance.report_run_failed(run, "test")

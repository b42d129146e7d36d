"""`kindbelang serve` end to end: the real dagster-daemon, started by the CLI, notices a new CBS release on the
local CBS server (tests/cbs_server.py), runs that table and what depends on it, and switches the publication.

Everything runs as an operator would run it: `kindbelang run --source live` for the baseline, then
`kindbelang serve --no-webserver --start-automation` in a subprocess on the project instance under
KINDBELANG_OUT (no DAGSTER_HOME), with the release sensor ticking every 2 seconds.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import dagster as dg
import duckdb

from conftest_cbs import cbs_server  # noqa: F401  (fixture)
from kindbelang import release

TABLE = "82965NED"  # the smallest downstream that still reaches publication and site (5 assets)
NEW_RELEASE = "2025-09-01T02:00:00"
KINDBELANG = str(Path(sys.executable).with_name("kindbelang"))
FIRST_TICK_TIMEOUT = 120  # the three `dagster ... start` calls, the daemon and its code server
RUN_TIMEOUT = 240
STOP_TIMEOUT = 20


def service_env(out: Path, base_url: str) -> dict[str, str]:
    env = {**os.environ, "KINDBELANG_OUT": str(out), "KINDBELANG_CBS_URL": base_url,
           "KINDBELANG_SENSOR_INTERVAL": "2"}
    for name in ("DAGSTER_HOME", "KINDBELANG_WEBHOOK_URL"):  # the project instance; no notifications
        env.pop(name, None)
    return env


def release_cursor(instance: dg.DagsterInstance) -> dict | None:
    """The release sensor's cursor as the daemon stored it after a tick; None before the first tick."""
    for state in instance.all_instigator_state():
        if state.name == "cbs_release_sensor" and state.instigator_data and state.instigator_data.cursor:
            return json.loads(state.instigator_data.cursor)
    return None


def table_runs(instance: dg.DagsterInstance) -> list[dg.DagsterRun]:
    return list(instance.get_runs(filters=dg.RunsFilter(tags={"kindbelang/cbs_table": TABLE})))


def failure_report(instance: dg.DagsterInstance, run: dg.DagsterRun) -> str:
    lines = [f"run {run.run_id} ended {run.status.value}"]
    for record in instance.all_logs(run.run_id):
        event = record.dagster_event
        if event is not None and (event.is_step_failure or event.is_run_failure):
            lines.append(f"{event.step_key or 'run'}: {record.message}")
            data = event.step_failure_data if event.is_step_failure else None
            if data is not None and data.error is not None:
                lines.append(data.error.to_string())
    return "\n".join(lines)


def wait_for(condition, timeout: float, serve: subprocess.Popen, log: Path, what: str):
    """Poll ``condition`` until it returns something truthy; fail early if the service died."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = condition()
        if found:
            return found
        assert serve.poll() is None, f"kindbelang serve stopped ({serve.returncode}):\n{tail(log)}"
        time.sleep(1)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}:\n{tail(log)}")


def tail(log: Path, lines: int = 60) -> str:
    return "\n".join(log.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])


def processes_of(out: Path) -> list[str]:
    """Processes (daemon, code servers, run workers) still running with this test's KINDBELANG_OUT."""
    marker = f"KINDBELANG_OUT={out}".encode() + b"\0"
    found = []
    for proc in Path("/proc").iterdir():
        try:
            if proc.name.isdigit() and marker in (proc / "environ").read_bytes() + b"\0":
                found.append((proc / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace"))
        except OSError:
            continue  # gone meanwhile, or not ours
    return found


def published_modified(out: Path) -> str:
    """Modified of TABLE in the published warehouse; its column, TableInfos and fetch record must agree."""
    with duckdb.connect(str(out / "published" / "kindbelang.duckdb"), read_only=True) as con:
        values = con.execute(
            "SELECT modified, metadata -> 'table_infos' ->> 'Modified', metadata -> 'source' ->> 'modified' "
            "FROM raw.cbs_tables WHERE table_id = ?", [TABLE]).fetchone()
    assert len(set(values)) == 1, values
    return values[0]


def stop(serve: subprocess.Popen, log: Path) -> None:
    serve.send_signal(signal.SIGTERM)
    try:
        code = serve.wait(timeout=STOP_TIMEOUT)
    except subprocess.TimeoutExpired:
        serve.kill()
        serve.wait()
        raise AssertionError(f"kindbelang serve did not stop within {STOP_TIMEOUT} s of SIGTERM:\n{tail(log)}")
    assert code == 0, f"kindbelang serve exited {code} after SIGTERM:\n{tail(log)}"


def test_serve_runs_a_new_cbs_release_and_switches_the_publication(cbs_server, tmp_path):
    out = tmp_path / "out"
    env = service_env(out, cbs_server.base_url)
    baseline = subprocess.run([KINDBELANG, "run", "--source", "live"], env=env, capture_output=True, text=True,
                              timeout=600)
    assert baseline.returncode == 0, baseline.stdout + baseline.stderr
    before = release.current(out)
    assert before is not None

    log = tmp_path / "serve.log"
    with log.open("w", encoding="utf-8") as sink:
        serve = subprocess.Popen([KINDBELANG, "serve", "--no-webserver", "--start-automation"], env=env,
                                 stdout=sink, stderr=subprocess.STDOUT)
    try:
        home = out / ".dagster"
        with dg.DagsterInstance.from_config(str(home)) as instance:
            # The first tick takes the raw store's Modified as its baseline: only a change after it is a release.
            cursor = wait_for(lambda: release_cursor(instance), FIRST_TICK_TIMEOUT, serve, log,
                              "the release sensor's first tick")
            assert cursor[TABLE] == published_modified(out) != NEW_RELEASE
            cbs_server.set_modified(TABLE, NEW_RELEASE)

            def finished():
                runs = [r for r in table_runs(instance) if r.is_finished]
                return runs[0] if runs else None

            run = wait_for(finished, RUN_TIMEOUT, serve, log, f"a finished run for {TABLE}")
            assert run.status == dg.DagsterRunStatus.SUCCESS, failure_report(instance, run)
            assert run.tags["kindbelang/modified"] == NEW_RELEASE
            assert run.tags["dagster/sensor_name"] == "cbs_release_sensor"
            # The first tick recognised the baseline: no run for any other table.
            others = instance.get_runs(filters=dg.RunsFilter(tags={"dagster/sensor_name": "cbs_release_sensor"}))
            assert [r.tags["kindbelang/cbs_table"] for r in others] == [TABLE]

        now = release.current(out)
        assert now is not None and now != before and now.name > before.name
        assert (out / "published").resolve() == (now / "published").resolve()
        assert (now / "site" / "index.html").exists()
        assert published_modified(out) == NEW_RELEASE
    finally:
        stop(serve, log)

    text = log.read_text(encoding="utf-8")
    assert "Automatisering aan: cbs_release_sensor, monitor_failure_sensor, monthly_monitor_refresh" in text
    assert f"Dagster-instantie: {out / '.dagster'}" in text and "kindbelang serve is gestopt." in text
    assert processes_of(out) == []  # daemon, code server and run worker all stopped with the service

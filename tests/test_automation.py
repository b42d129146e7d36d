"""Release sensor, monthly schedule and run-failure sensor (kindbelang.automation), evaluated as Dagster does,
against the local CBS server and a webhook receiver on 127.0.0.1."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import dagster as dg
import pytest

from cbs_server import DEFAULT_MODIFIED
from conftest_cbs import cbs_server  # noqa: F401  (fixture)
from kindbelang.automation import cbs_release_sensor, monitor_failure_sensor
from kindbelang.catalog import load_catalog
from kindbelang.definitions import defs
from kindbelang.resources import CbsSource

TABLE = "82972NED"
NEW_RELEASE = "2025-07-01T02:00:00"


@pytest.fixture
def live_env(cbs_server, tmp_path, monkeypatch):
    monkeypatch.setenv("KINDBELANG_OUT", str(tmp_path))
    monkeypatch.setenv("KINDBELANG_CBS_URL", cbs_server.base_url)
    monkeypatch.setenv("KINDBELANG_CBS_RETRIES", "0")
    monkeypatch.delenv("KINDBELANG_WEBHOOK_URL", raising=False)
    return cbs_server


def tick(instance: dg.DagsterInstance, cursor: str | None = None):
    context = dg.build_sensor_context(instance=instance, cursor=cursor, definitions=defs)
    return cbs_release_sensor.evaluate_tick(context)


def served_catalog_ids(server) -> set[str]:
    return {t.id for t in load_catalog()} & set(server.table_ids())


# --------------------------------------------------------------------------------------------- releases


def test_changed_modified_requests_exactly_that_table_and_its_downstream(live_env):
    instance = dg.DagsterInstance.ephemeral()
    CbsSource(mode="live").fetch(TABLE)  # the raw store already holds this release: not requested again
    first = tick(instance)
    requested = {r.tags["kindbelang/cbs_table"] for r in first.run_requests}
    assert requested == served_catalog_ids(live_env) - {TABLE}
    assert json.loads(first.cursor)[TABLE] == DEFAULT_MODIFIED

    quiet = tick(instance, first.cursor)
    assert quiet.run_requests == [] and "no new CBS release" in quiet.skip_message

    live_env.set_modified(TABLE, NEW_RELEASE)
    changed = tick(instance, quiet.cursor)
    (request,) = changed.run_requests
    assert request.run_key == f"{TABLE}:{NEW_RELEASE}"
    assert request.run_config == {"resources": {"cbs": {"config": {"mode": "live"}}}}
    assert request.tags["kindbelang/warehouse"] == "writer"
    selected = {k.to_user_string() for k in request.asset_selection}
    assert f"raw/cbs_{TABLE.lower()}" in selected and "marts/indicator_values" in selected
    assert not {k for k in selected if k.startswith("raw/")} - {f"raw/cbs_{TABLE.lower()}"}  # no other table
    expected = dg.AssetSelection.assets(dg.AssetKey(["raw", f"cbs_{TABLE.lower()}"])).downstream()
    assert set(request.asset_selection) == expected.resolve(defs.resolve_asset_graph())
    assert json.loads(changed.cursor)[TABLE] == NEW_RELEASE

    # Same Modified again: no request with the cursor, and the same run key without it (Dagster launches
    # a run key once per sensor).
    assert tick(instance, changed.cursor).run_requests == []
    lost_cursor = {r.run_key for r in tick(instance).run_requests}
    assert f"{TABLE}:{NEW_RELEASE}" in lost_cursor


def test_unreachable_table_does_not_block_the_others(live_env):
    instance = dg.DagsterInstance.ephemeral()
    first = tick(instance)
    live_env.add_fault("status", status=503, table=TABLE, entity="TableInfos", times=None)
    live_env.set_modified("84134NED", NEW_RELEASE)
    result = tick(instance, first.cursor)
    assert [r.run_key for r in result.run_requests] == [f"84134NED:{NEW_RELEASE}"]
    assert json.loads(result.cursor)[TABLE] == DEFAULT_MODIFIED  # kept: polled again next tick


def test_sensors_and_schedule_are_registered():
    repository = defs.get_repository_def()
    assert repository.get_sensor_def("cbs_release_sensor").job_name == "monitor"
    assert repository.has_sensor_def("monitor_failure_sensor")
    schedule = repository.get_schedule_def("monthly_monitor_refresh")
    assert schedule.job_name == "monitor" and schedule.execution_timezone == "Europe/Amsterdam"
    (request,) = schedule.evaluate_tick(dg.build_schedule_context()).run_requests
    assert request.run_config["resources"]["cbs"]["config"]["mode"] == "live"


# --------------------------------------------------------------------------------------------- failures


class Receiver:
    """A webhook endpoint on 127.0.0.1 that records what is POSTed and answers with `status`."""

    def __init__(self, status: int = 200):
        self.bodies: list[dict] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802
                receiver.bodies.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/hook"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()


def failed_live_run(server, instance: dg.DagsterInstance):
    """A sensor-style live run of one table while CBS answers 500: it fails in the raw asset."""
    server.add_fault("status", status=500, table=TABLE, times=None)
    return defs.resolve_job_def("monitor").execute_in_process(
        instance=instance, raise_on_error=False,
        asset_selection=[dg.AssetKey(["raw", f"cbs_{TABLE.lower()}"])],
        run_config={"resources": {"cbs": {"config": {"mode": "live"}}}},
    )


def failure_context(result, instance):
    return dg.build_run_status_sensor_context(
        sensor_name="monitor_failure_sensor", dagster_event=result.get_run_failure_event(),
        dagster_instance=instance, dagster_run=result.dagster_run,
    ).for_run_failure()


def test_failed_run_is_recorded_and_posted(live_env, tmp_path, monkeypatch):
    instance = dg.DagsterInstance.ephemeral()
    result = failed_live_run(live_env, instance)
    assert not result.success
    # The raw asset failed before touching DuckDB or the raw store.
    assert not (tmp_path / "kindbelang.duckdb").exists() and not (tmp_path / "raw" / TABLE).exists()

    with Receiver() as receiver:
        monkeypatch.setenv("KINDBELANG_WEBHOOK_URL", receiver.url)
        monitor_failure_sensor(failure_context(result, instance))

    (line,) = (tmp_path / "run_failures.jsonl").read_text(encoding="utf-8").splitlines()
    record = json.loads(line)
    assert record["run_id"] == result.run_id and record["job"] == "monitor"
    assert TABLE in record["cause"] and "HTTP 500" in record["cause"] and live_env.base_url in record["cause"]
    assert record["failed_steps"] == [{"step": "raw_cbs_tables", "cause": record["cause"]}]  # the raw tables' step
    assert record["notified"] == {"ok": True, "status": 200}
    (posted,) = receiver.bodies
    assert posted == {k: v for k, v in record.items() if k != "notified"}


def test_failed_webhook_does_not_lose_the_record(live_env, tmp_path, monkeypatch):
    instance = dg.DagsterInstance.ephemeral()
    result = failed_live_run(live_env, instance)
    with Receiver(status=502) as receiver:
        monkeypatch.setenv("KINDBELANG_WEBHOOK_URL", receiver.url)
        monitor_failure_sensor(failure_context(result, instance))
    (line,) = (tmp_path / "run_failures.jsonl").read_text(encoding="utf-8").splitlines()
    record = json.loads(line)
    assert len(receiver.bodies) == 1 and TABLE in record["cause"]
    assert record["notified"]["ok"] is False and "502" in record["notified"]["error"]

"""Keeping the monitor current without anyone watching CBS: release sensor, monthly schedule, failure log.

cbs_release_sensor      polls TableInfos.Modified of every catalog table; a table whose Modified changed gets a
                        run of its raw asset plus everything downstream (run key "<ID>:<Modified>", so a
                        release is processed once). Cursor: {table id: last seen Modified} as JSON.
monthly_monitor_refresh the full monitor job on live CBS data, monthly, for VWS.
monitor_failure_sensor  every failed run of this code location -> one JSON line in <out>/run_failures.jsonl,
                        and a POST of the same record to KINDBELANG_WEBHOOK_URL when set.

All three start stopped (turn them on in the UI or with `dagster sensor start`); runs they launch carry the
tag kindbelang/warehouse, limited to one at a time in the instance's dagster.yaml (DuckDB: one writer).
"""

from __future__ import annotations

import json
import os
from datetime import datetime, timezone

import dagster as dg
import requests

from kindbelang import settings
from kindbelang.catalog import CatalogTable, load_catalog
from kindbelang.cbs_live import FetchPolicy
from kindbelang.live_refresh import poll_modified, stored_modified
from kindbelang.resources import CbsSource

MONITOR_JOB = "monitor"
WEBHOOK_ENV = "KINDBELANG_WEBHOOK_URL"
WAREHOUSE_TAG = {"kindbelang/warehouse": "writer"}
LIVE_RUN_CONFIG = {"resources": {"cbs": {"config": {"mode": "live"}}}}
# A tick polls ~20 small TableInfos requests: retry briefly, the next tick tries again anyway.
POLL_POLICY = FetchPolicy(connect_timeout=10, read_timeout=30, retries=2, backoff_base=1.0, workers=1)


# --------------------------------------------------------------------------------------------- releases


def _selection(context: dg.SensorEvaluationContext, entry: CatalogTable) -> list[dg.AssetKey]:
    """The rule of `kindbelang run` (kindbelang.versions): the asset whose input changed, the raw table of the
    new release, and everything downstream of it."""
    from kindbelang.versions import downstream

    repository = context.repository_def
    if repository is None:  # direct invocation without definitions
        from kindbelang.definitions import defs

        graph = defs.resolve_asset_graph()
    else:
        graph = repository.asset_graph
    return sorted(downstream(graph, {dg.AssetKey(["raw", entry.asset_name])}), key=lambda k: k.to_user_string())


@dg.sensor(
    name="cbs_release_sensor",
    job_name=MONITOR_JOB,
    # Six hours by default; a test (or an impatient operator) sets KINDBELANG_SENSOR_INTERVAL in seconds.
    minimum_interval_seconds=int(os.environ.get("KINDBELANG_SENSOR_INTERVAL") or 6 * 3600),
    default_status=dg.DefaultSensorStatus.STOPPED,
    description="Vraagt TableInfos.Modified op voor elke tabel in catalog.yaml en ververst een tabel (live) "
                "plus alles wat ervan afhangt zodra CBS een nieuwe versie publiceert.",
)
def cbs_release_sensor(context: dg.SensorEvaluationContext) -> dg.SensorResult:
    cursor: dict[str, str] = json.loads(context.cursor) if context.cursor else {}
    tables = load_catalog()
    # Each table through its own API (v3 TableInfos or v4 Properties), as catalog.yaml says.
    polled = poll_modified(CbsSource(mode="live"), [entry.id for entry in tables], POLL_POLICY)

    run_requests, errors = [], []
    for entry in tables:
        modified = polled[entry.id]
        if isinstance(modified, Exception):
            errors.append(str(modified))
            context.log.warning(f"{entry.id}: Modified not available: {modified}")
            continue
        seen = cursor.get(entry.id) or stored_modified(settings.paths().live_raw, entry.id)
        cursor[entry.id] = modified
        if modified == seen:
            continue
        context.log.info(f"{entry.id}: Modified {seen} -> {modified}")
        run_requests.append(dg.RunRequest(
            run_key=f"{entry.id}:{modified}",
            asset_selection=_selection(context, entry),
            run_config=LIVE_RUN_CONFIG,
            tags={**WAREHOUSE_TAG, "kindbelang/cbs_table": entry.id, "kindbelang/modified": modified},
        ))
    new_cursor = json.dumps(cursor, sort_keys=True)
    if run_requests:
        return dg.SensorResult(run_requests=run_requests, cursor=new_cursor)
    reason = f"no new CBS release among {len(tables)} tables"
    if errors:
        reason += f"; {len(errors)} could not be polled (first: {errors[0]})"
    return dg.SensorResult(skip_reason=reason, cursor=new_cursor)


# --------------------------------------------------------------------------------------------- schedule

monthly_monitor_refresh = dg.ScheduleDefinition(
    name="monthly_monitor_refresh",
    job_name=MONITOR_JOB,
    cron_schedule="0 6 2 * *",  # the 2nd of every month, 06:00, after CBS's start-of-month publications
    execution_timezone="Europe/Amsterdam",
    run_config=LIVE_RUN_CONFIG,
    tags={**WAREHOUSE_TAG, "kindbelang/purpose": "VWS monthly monitoring"},
    default_status=dg.DefaultScheduleStatus.STOPPED,
    description="Maandelijkse volledige verversing van de monitor op actuele CBS-cijfers (voor VWS).",
)


# --------------------------------------------------------------------------------------------- failures


def _root_cause(error) -> str:
    while error is not None and error.cause is not None:
        error = error.cause
    return error.message.strip() if error is not None else "unknown error"


def failure_record(context: dg.RunFailureSensorContext) -> dict:
    run = context.dagster_run
    steps = [{"step": event.step_key, "cause": _root_cause(event.step_failure_data.error)}
             for event in context.get_step_failure_events() if event.step_failure_data is not None]
    message = context.failure_event.message or ""
    keep = ("kindbelang/", "dagster/sensor_name", "dagster/schedule_name", "dagster/run_key")
    return {
        "run_id": run.run_id,
        "job": run.job_name,
        "recorded_at": datetime.now(timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z"),
        "tags": {k: v for k, v in sorted(run.tags.items()) if k.startswith(keep)},
        "cause": steps[0]["cause"] if steps else message,
        "failed_steps": steps,
        "message": message,
    }


@dg.run_failure_sensor(
    name="monitor_failure_sensor",
    # Every job of this code location is a monitoring run (the monitor job, and UI materialisations).
    default_status=dg.DefaultSensorStatus.STOPPED,
    description="Legt elke mislukte monitor-run vast in <out>/run_failures.jsonl en meldt hem aan "
                "KINDBELANG_WEBHOOK_URL (als die is ingesteld).",
)
def monitor_failure_sensor(context: dg.RunFailureSensorContext) -> None:
    record = failure_record(context)
    webhook = os.environ.get(WEBHOOK_ENV)
    if webhook:
        # Notify first so the record says whether it worked; a dead webhook must not lose the record.
        try:
            response = requests.post(webhook, json=record, timeout=(5, 15))
            response.raise_for_status()
            record["notified"] = {"ok": True, "status": response.status_code}
        except requests.RequestException as exc:
            record["notified"] = {"ok": False, "error": f"{type(exc).__name__}: {exc}"}
            context.log.warning(f"webhook {WEBHOOK_ENV} failed: {exc}")
    log = settings.paths().out / "run_failures.jsonl"
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("a", encoding="utf-8") as handle:
        handle.write(json.dumps(record, ensure_ascii=False) + "\n")
    context.log.info(f"run {record['run_id']} failed: {record['cause']}")

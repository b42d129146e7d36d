"""The one entry point that `dagster dev`, the CLI and the tests load."""

import dagster as dg

from kindbelang import assets as asset_modules
from kindbelang import automation, versions
from kindbelang.quality import GreatExpectations, build_checks
from kindbelang.resources import CbsSource, Warehouse

MONITOR_JOB = "monitor"

monitor_job = dg.define_asset_job(
    MONITOR_JOB,
    selection=dg.AssetSelection.all(),
    description="Alle CBS-tabellen laden en de monitor opnieuw berekenen.",
    # DuckDB allows one writer per file: run steps one after another in one process. Every run of it, from the
    # CLI, the UI or the daemon, carries the writer tag, so the run queue holds the others back (dagster.yaml),
    # and a hanging run is ended by run monitoring after two hours.
    executor_def=dg.in_process_executor,
    tags={**automation.WAREHOUSE_TAG, "dagster/max_runtime": "7200"},
)

# Every asset of kindbelang.assets, with its code version (and the stored CBS table each raw asset reads) set in
# one place: kindbelang.versions.
assets = [versions.with_code_versions(a) for a in dg.load_assets_from_package_module(asset_modules)]
asset_keys = {key for a in assets for key in a.keys}
# Raw tables and SQL models record Dagster's column schema (kindbelang.table_metadata) with every materialisation;
# Dagster's schema change check compares it with the previous one (a warning: the GX suites block).
schema_checked = [a for a in assets if a.is_executable and not a.is_observable and any(
    "sql_file" in spec.metadata or "cbs_table" in spec.tags for spec in a.specs)]

defs = dg.Definitions(
    assets=[versions.cbs_tables, *assets],
    # Great Expectations suites (expectations/<schema>/<model>.yaml) as blocking asset checks: kindbelang.quality.
    asset_checks=[*build_checks(asset_keys),
                  *(dg.build_column_schema_change_checks(assets=schema_checked) if schema_checked else [])],
    jobs=[monitor_job],
    # Release sensor, monthly VWS refresh and failure log (kindbelang.automation); all start stopped.
    sensors=[automation.cbs_release_sensor, automation.monitor_failure_sensor],
    schedules=[automation.monthly_monitor_refresh],
    resources={"warehouse": Warehouse(), "cbs": CbsSource(), "gx": GreatExpectations()},
)

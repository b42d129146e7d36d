"""The one entry point that `dagster dev`, the CLI and the tests load."""

import dagster as dg

from kindbelang import automation
from kindbelang.assets import (association, boundaries, indicator_parts, indicators, ingest, publish, regions, site,
                               sql_models)
from kindbelang.quality import build_checks
from kindbelang.resources import CbsSource, Warehouse

monitor_job = dg.define_asset_job(
    "monitor",
    selection=dg.AssetSelection.all(),
    description="Alle CBS-tabellen laden en de monitor opnieuw berekenen.",
    # DuckDB allows one writer per file: run steps one after another in one process.
    executor_def=dg.in_process_executor,
)

assets = dg.load_assets_from_modules([ingest, regions, sql_models, indicators, indicator_parts, publish, site,
                                      boundaries, association])

defs = dg.Definitions(
    assets=assets,
    # Great Expectations suites (expectations/*.json) as blocking asset checks: see kindbelang.quality.
    asset_checks=build_checks({key for a in assets for key in a.keys}),
    jobs=[monitor_job],
    # Release sensor, monthly VWS refresh and failure log (kindbelang.automation); all start stopped.
    sensors=[automation.cbs_release_sensor, automation.monitor_failure_sensor],
    schedules=[automation.monthly_monitor_refresh],
    resources={"warehouse": Warehouse(), "cbs": CbsSource()},
)

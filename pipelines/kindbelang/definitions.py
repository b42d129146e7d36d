"""The one entry point that `dagster dev`, the CLI and the tests load."""

import dagster as dg

from kindbelang.assets import indicators, ingest, regions, sql_models
from kindbelang.resources import CbsSource, Warehouse

monitor_job = dg.define_asset_job(
    "monitor",
    selection=dg.AssetSelection.all(),
    description="Alle CBS-tabellen laden en de monitor opnieuw berekenen.",
    # DuckDB allows one writer per file: run steps one after another in one process.
    executor_def=dg.in_process_executor,
)

defs = dg.Definitions(
    assets=dg.load_assets_from_modules([ingest, regions, sql_models, indicators]),
    jobs=[monitor_job],
    resources={"warehouse": Warehouse(), "cbs": CbsSource()},
)

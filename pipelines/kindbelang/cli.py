"""kindbelang command line: `kindbelang run` materialises the monitor on a persistent Dagster instance."""

from __future__ import annotations

import argparse
import os
import sys

from kindbelang import settings


def use_project_instance() -> None:
    """Runs from the CLI and `make ui` share one Dagster instance under the output directory."""
    home = settings.paths().dagster_home
    home.mkdir(parents=True, exist_ok=True)
    config = home / "dagster.yaml"
    if not config.exists():
        config.write_text("telemetry:\n  enabled: false\n")
    os.environ.setdefault("DAGSTER_HOME", str(home))


def run(args: argparse.Namespace) -> int:
    use_project_instance()
    import dagster as dg

    from kindbelang.definitions import defs

    run_config = {
        "resources": {"cbs": {"config": {"mode": args.source}}},
        "loggers": {"console": {"config": {"log_level": "WARNING"}}},
    }
    result = defs.resolve_job_def("monitor").execute_in_process(
        instance=dg.DagsterInstance.get(), run_config=run_config, raise_on_error=False
    )
    if not result.success:
        for event in result.all_events:
            if event.is_step_failure:
                print(f"FOUT in {event.step_key}: {root_cause(event.step_failure_data.error)}", file=sys.stderr)
        return 1
    print_summary()
    return 0


def root_cause(error) -> str:
    while error is not None and error.cause is not None:
        error = error.cause
    return error.message.strip() if error else "onbekende fout"


def print_summary() -> None:
    import duckdb

    paths = settings.paths()
    with duckdb.connect(str(paths.warehouse), read_only=True) as con:
        tables = con.execute("SELECT count(*), sum(json_array_length(metadata -> 'data_properties')) "
                         "FROM raw.cbs_tables").fetchone()
        raw_rows = sum(con.execute(f"SELECT count(*) FROM raw.{name}").fetchone()[0] for (name,) in con.execute(
            "SELECT table_name FROM duckdb_tables() WHERE schema_name = 'raw' AND table_name LIKE 'cbs_%ned'"
        ).fetchall())
        indicators = con.execute("SELECT count(*) FROM marts.indicators").fetchone()[0]
        values = con.execute("SELECT count(*), count(value) FROM marts.indicator_values").fetchone()
    print(f"CBS-tabellen geladen: {tables[0]} ({raw_rows:,} rijen)".replace(",", "."))
    print(f"Indicatoren: {indicators}; waarden: {values[0]:,} waarvan {values[0] - values[1]:,} "
          f"geheim of onbekend (leeg gelaten)".replace(",", "."))
    print(f"Warehouse: {paths.warehouse}")
    print(f"Dagster-geschiedenis: {paths.dagster_home} (bekijk met `make ui`)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="kindbelang", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    run_parser = commands.add_parser("run", help="alle assets materialiseren")
    run_parser.add_argument("--source", choices=["snapshot", "live"], default="snapshot",
                            help="snapshot (standaard, offline) of live (CBS OData)")
    run_parser.set_defaults(handler=run)
    args = parser.parse_args(argv)
    return args.handler(args)


if __name__ == "__main__":
    sys.exit(main())

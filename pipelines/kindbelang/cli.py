"""kindbelang command line: `kindbelang run` materialises the monitor on a persistent Dagster instance."""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from pathlib import Path

from kindbelang import settings


def use_project_instance() -> None:
    """Runs from the CLI and `make ui` share one Dagster instance under the output directory."""
    home = settings.paths().dagster_home
    home.mkdir(parents=True, exist_ok=True)
    config = home / "dagster.yaml"
    if not config.exists():
        config.write_text("telemetry:\n  enabled: false\n")
    if "concurrency:" not in config.read_text():
        # Sensor and schedule runs (kindbelang.automation) carry this tag: DuckDB allows one writer.
        with config.open("a") as handle:
            handle.write("concurrency:\n  runs:\n    tag_concurrency_limits:\n"
                         "      - key: kindbelang/warehouse\n        limit: 1\n")
    os.environ.setdefault("DAGSTER_HOME", str(home))


def run(args: argparse.Namespace) -> int:
    from kindbelang.run_lock import RunInProgress, exclusive_run

    try:
        with exclusive_run(settings.out_dir(), wait_seconds=args.wait):
            return run_monitor(args)
    except RunInProgress as busy:
        print(f"FOUT: {busy}", file=sys.stderr)
        return 3


def run_monitor(args: argparse.Namespace) -> int:
    use_project_instance()
    import dagster as dg

    from kindbelang.definitions import defs

    cbs_config = {"mode": args.source}
    if args.source == "live":
        # Fetch every table before the job starts: one failing table stops the run with DuckDB untouched.
        from kindbelang.catalog import load_catalog

        if fetch_tables([t.id for t in load_catalog()], quiet=True):
            return 1
        cbs_config["prefetched"] = True
    run_config = {
        "resources": {"cbs": {"config": cbs_config}},
        "loggers": {"console": {"config": {"log_level": "CRITICAL"}}},  # our own summary and verdicts instead
    }
    result = defs.resolve_job_def("monitor").execute_in_process(
        instance=dg.DagsterInstance.get(), run_config=run_config, raise_on_error=False
    )
    from kindbelang.quality import failure_lines

    # One line per failed expectation (table, expectation, rows, examples); warnings too, on success.
    for line in failure_lines(result):
        print(line, file=sys.stderr)
    if not result.success:
        for event in result.all_events:
            # A failed blocking check is already explained above, expectation by expectation.
            if event.is_step_failure and "blocking asset check failed" not in event.step_failure_data.error.message:
                print(f"FOUT in {event.step_key}: {root_cause(event.step_failure_data.error)}", file=sys.stderr)
        print(f"Niet gepubliceerd; het vorige gepubliceerde warehouse blijft staan. Details: "
              f"{settings.paths().quality / result.run_id / 'index.html'}", file=sys.stderr)
        return 1
    print_summary()
    return 0


TABLE_ID = re.compile(r"^[0-9A-Za-z]{4,16}$")  # CBS ids (82972NED, 7461bev); also keeps paths out


def fetch(args: argparse.Namespace) -> int:
    from kindbelang.catalog import load_catalog

    ids = [t.upper() for t in args.tables]
    if args.update_snapshot:
        catalog_ids = [t.id for t in load_catalog()]
        unknown = [t for t in ids if t not in catalog_ids]
        if unknown:
            print(f"FOUT: --update-snapshot is for catalog tables only; not in catalog.yaml: {', '.join(unknown)}",
                  file=sys.stderr)
            return 2
        into = args.snapshot_dir.resolve() if args.snapshot_dir else settings.SNAPSHOT_DIR
        return fetch_tables(ids or catalog_ids, into=into, keep_previous=False,  # git keeps the history
                            accept_any_change=args.accept_schema_change)
    if not ids:
        print("FOUT: give one or more CBS table ids (or --update-snapshot)", file=sys.stderr)
        return 2
    return fetch_tables(ids, accept_any_change=args.accept_schema_change)


def fetch_tables(ids: list[str], *, into=None, keep_previous: bool = True, accept_any_change: bool = False,
                 quiet: bool = False) -> int:
    """Fetch each table live into the raw store (or ``into``); one JSON line per table. 1 if any failed."""
    from kindbelang.resources import CbsSource

    source, failed = CbsSource(mode="live"), 0
    for table_id in ids:
        line = {"table": table_id.upper(), "rows": None, "columns": None, "modified": None}
        try:
            if not TABLE_ID.match(table_id):
                raise ValueError(f"{table_id!r} is not a CBS table id")
            outcome = source.fetch(table_id, into=into, keep_previous=keep_previous,
                                   accept_any_change=accept_any_change)
        except Exception as exc:  # noqa: BLE001  report every table, then fail as a whole
            failed += 1
            message = str(exc)
            if not message.startswith("CBS table"):  # CbsFetchError/SchemaChangeError already name table and URL
                message = f"CBS table {table_id}: {type(exc).__name__}: {exc}"
            line.update(status="error", error=message)
            print(f"FOUT bij ophalen van {table_id}: {message}", file=sys.stderr)
        else:
            table = outcome.table
            line.update(rows=table.data.height, columns=table.data.width, modified=table.modified,
                        status=outcome.status)
            if outcome.accepted_changes:
                line["schema_changes"] = outcome.accepted_changes
        if not quiet:
            print(json.dumps(line, ensure_ascii=False), flush=True)
    return 1 if failed else 0


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
    print(f"Gepubliceerd (alleen-lezen, voor analisten): {paths.published / 'kindbelang.duckdb'}")
    print(f"Parquet-exports: {paths.published / 'parquet'}")
    print(f"Dashboards: {paths.site / 'index.html'}")
    print(f"Kwaliteitsrapport: {paths.quality / 'latest' / 'index.html'}")
    print(f"Dagster-geschiedenis: {paths.dagster_home} (bekijk met `make ui`)")


def sql(args: argparse.Namespace) -> int:
    import duckdb

    from kindbelang.sql_shell import RefusedStatement, connect_read_only, interactive, render, run_query

    try:
        con = connect_read_only(settings.paths().published / "kindbelang.duckdb")
    except FileNotFoundError as missing:
        print(f"FOUT: {missing}", file=sys.stderr)
        return 1
    with con:
        if args.query is None:
            return interactive(con, args.format)
        try:
            print(render(*run_query(con, args.query), args.format))
        except (RefusedStatement, duckdb.Error) as error:
            print(f"FOUT: {error}", file=sys.stderr)
            return 1
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="kindbelang", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    run_parser = commands.add_parser("run", help="alle assets materialiseren")
    run_parser.add_argument("--source", choices=["snapshot", "live"], default="snapshot",
                            help="snapshot (standaard, offline) of live (CBS OData)")
    run_parser.add_argument("--wait", type=float, default=0, metavar="SECONDEN",
                            help="wachten als er al een run loopt (standaard: meteen stoppen met een melding)")
    run_parser.set_defaults(handler=run)
    sql_parser = commands.add_parser("sql", help="alleen-lezen SQL op de gepubliceerde database")
    sql_parser.add_argument("query", nargs="?", help="de query; zonder query: interactieve prompt")
    sql_parser.add_argument("--format", choices=["table", "csv", "json"], default="table")
    sql_parser.set_defaults(handler=sql)
    fetch_parser = commands.add_parser(
        "fetch", help="CBS-tabellen live ophalen naar <out>/raw (één JSON-regel per tabel)")
    fetch_parser.add_argument("tables", nargs="*", metavar="TABLE_ID", help="CBS-tabelnummers, bv. 82972NED")
    fetch_parser.add_argument("--update-snapshot", action="store_true",
                              help="de meegeleverde momentopname (data/snapshot) verversen; zonder ids: alle "
                                   "tabellen uit catalog.yaml")
    fetch_parser.add_argument("--snapshot-dir", type=Path, default=None, help=argparse.SUPPRESS)  # tests
    fetch_parser.add_argument("--accept-schema-change", action="store_true",
                              help="een gewijzigd schema toch overnemen (anders stopt het ophalen)")
    fetch_parser.set_defaults(handler=fetch)
    args = parser.parse_args(argv)
    return args.handler(args)


if __name__ == "__main__":
    sys.exit(main())

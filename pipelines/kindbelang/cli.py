"""kindbelang command line: `kindbelang run` materialises the monitor on a persistent Dagster instance."""

from __future__ import annotations

import argparse
import contextlib
import functools
import json
import os
import re
import sys
from pathlib import Path

from kindbelang import gx_validation, last_run, settings


DAGSTER_YAML = Path(__file__).with_name("dagster.yaml")


def use_project_instance() -> None:
    """`kindbelang run` and `make ui` share one Dagster instance under the output directory, configured by the
    committed dagster.yaml. A DAGSTER_HOME set by the operator (a server's own instance) is left as it is."""
    if os.environ.get("DAGSTER_HOME"):
        return
    home = settings.paths().dagster_home
    home.mkdir(parents=True, exist_ok=True)
    config, committed = home / "dagster.yaml", DAGSTER_YAML.read_text(encoding="utf-8")
    if not config.exists() or config.read_text(encoding="utf-8") != committed:
        staged = config.with_name("dagster.yaml.tmp")
        staged.write_text(committed, encoding="utf-8")
        os.replace(staged, config)
    os.environ["DAGSTER_HOME"] = str(home)


@functools.cache
def project_instance():
    """The Dagster instance of this process, opened once (opening one costs about a second)."""
    use_project_instance()
    import dagster as dg

    return dg.DagsterInstance.get()


def ui(args: argparse.Namespace) -> int:
    """Dagster's web UI (and daemon) on the project instance: history, lineage, checks."""
    use_project_instance()
    dagster = Path(sys.executable).with_name("dagster")
    os.execv(dagster, [str(dagster), "dev", "-m", "kindbelang.definitions"])


def exclusive(handler, command: str, answered_at_once=None, started_first=contextlib.nullcontext):
    """Run ``handler`` holding the output directory's writer lock (run and fetch both write there), and only
    when no run of the service (kindbelang serve: sensor, schedule, UI) is writing there. ``answered_at_once``
    may answer before that (its exit code) when there is nothing to write; ``started_first`` (a context manager)
    then starts what the handler will need, before Dagster loads."""
    def locked(args: argparse.Namespace) -> int:
        from kindbelang.run_lock import RunInProgress, exclusive_run

        try:
            with exclusive_run(settings.out_dir(), wait_seconds=args.wait, command=command):
                if answered_at_once is not None and (code := answered_at_once(args)) is not None:
                    return code
                with started_first():
                    wait_for_service_runs(args.wait)
                    return handler(args)
        except RunInProgress as busy:
            print(f"FOUT: {busy}", file=sys.stderr)
            return 3
    return locked


def wait_for_service_runs(wait_seconds: float) -> None:
    """Raise RunInProgress while a run the Dagster daemon launched is still busy (after ``wait_seconds``)."""
    import time

    from kindbelang.run_lock import RunInProgress

    deadline = time.monotonic() + wait_seconds
    while (busy := service_run_in_progress()) is not None:
        if time.monotonic() >= deadline:
            raise RunInProgress(
                f"Er loopt een run van de dienst (kindbelang serve: {busy}) op {settings.out_dir()}. Wacht tot die "
                "klaar is (zie `kindbelang ui`), of geef `--wait <seconden>` mee.")
        time.sleep(min(2.0, max(0.1, deadline - time.monotonic())))


def service_run_in_progress() -> str | None:
    """The run (id and origin) that the daemon launched and that still writes here; None if there is none."""
    home = Path(os.environ.get("DAGSTER_HOME") or settings.paths().dagster_home)
    if not (home / "history").is_dir():  # this instance never ran anything
        return None
    import dagster as dg

    from kindbelang.automation import WAREHOUSE_TAG

    active = [dg.DagsterRunStatus.STARTING, dg.DagsterRunStatus.STARTED, dg.DagsterRunStatus.CANCELING]
    for run in project_instance().get_runs(filters=dg.RunsFilter(statuses=active, tags=WAREHOUSE_TAG)):
        if run.tags.get("kindbelang/launched_by") != "cli":
            origin = run.tags.get("dagster/sensor_name") or run.tags.get("dagster/schedule_name") or "webinterface"
            return f"run {run.run_id[:8]} van {origin}"
    return None


NOTHING_CHANGED = ("Niets veranderd sinds de vorige geslaagde run: er is niets opnieuw gemaakt en de publicatie is "
                   "bij. (`kindbelang run --full` maakt toch alles opnieuw.)")


def snapshot_run_inputs(args: argparse.Namespace) -> str:
    """The digest of everything a snapshot run reads (kindbelang.last_run)."""
    snapshot = args.snapshot_dir.resolve() if args.snapshot_dir else settings.SNAPSHOT_DIR
    return last_run.digest(snapshot, {"mode": args.source, "snapshot_dir": str(snapshot)})


def nothing_changed(args: argparse.Namespace) -> int | None:
    """A snapshot run whose inputs equal those of the last successful run: done, without asking Dagster. The
    digest stays on ``args`` for run_monitor to record."""
    if args.source != "snapshot":
        return None
    args.inputs = snapshot_run_inputs(args)
    if args.full or not last_run.unchanged(settings.out_dir(), args.inputs):
        return None
    print(NOTHING_CHANGED)
    print_summary()
    return 0


def run_monitor(args: argparse.Namespace) -> int:
    use_project_instance()
    import warnings

    import dagster as dg

    # multi_observable_source_asset and the schema change checks are Dagster beta APIs: not the user's concern.
    warnings.filterwarnings("ignore", category=dg.BetaWarning)

    from kindbelang import versions
    from kindbelang.definitions import defs
    from kindbelang.quality import check_reads, check_versions, failure_lines

    cbs_config: dict = {"mode": args.source}
    if args.snapshot_dir:
        cbs_config["snapshot_dir"] = str(args.snapshot_dir.resolve())
    if args.source == "live":
        # Fetch every table before the job starts: one failing table stops the run with DuckDB untouched.
        from kindbelang.catalog import load_catalog

        print("CBS-tabellen live bijwerken (alleen nieuwe versies) ...", flush=True)
        if fetch_tables([t.id for t in load_catalog()], quiet=True, changed_only=True):
            print("Niet gepubliceerd: niet elke CBS-tabel kon worden opgehaald (zie boven); het warehouse en de "
                  "publicatie zijn ongewijzigd.", file=sys.stderr)
            return 1
        cbs_config["prefetched"] = True

    instance = project_instance()
    clean_up_after_killed_runs(instance)
    graph = defs.resolve_asset_graph()
    if args.full:
        plan = versions.full_plan(graph)
    else:
        print("Nagaan wat er veranderd is sinds de vorige run ...", flush=True)
        changed = versions.observe(instance, cbs_config)
        if changed:
            print(f"Gewijzigde CBS-tabellen: {', '.join(k.path[-1] for k in changed)}", flush=True)
        from kindbelang import release

        waiting = {dg.AssetKey(["site"]): "een publicatie wacht nog op haar site"} if release.pending(
            settings.out_dir()) else {}
        plan = versions.plan(graph, instance, check_versions(), check_reads(), waiting)
    inputs = getattr(args, "inputs", None)  # set by nothing_changed for a snapshot run
    if plan.empty:
        print(NOTHING_CHANGED)
        if inputs:
            last_run.record(settings.out_dir(), inputs)
        print_summary()
        return 0
    total = len(versions.materialisable(graph))
    print(f"Opnieuw te maken: {len(plan.assets)} van {total} onderdelen, met {len(plan.checks)} controles"
          + ("" if args.full else f"; waarom: {describe(plan)}"), flush=True)

    job = defs.resolve_job_def("monitor").get_subset(asset_selection=plan.assets, asset_check_selection=plan.checks)
    job = job.with_logger_defs({"progress": progress_logger()})
    steps = len(job.graph.node_dict)
    run_config = {"resources": {"cbs": {"config": cbs_config}}, "loggers": {"progress": {"config": {"steps": steps}}}}
    last_run.forget(settings.out_dir())
    result = job.execute_in_process(instance=instance, run_config=run_config, raise_on_error=False, tags=CLI_TAG)

    # One line per failed expectation (table, expectation, rows, examples); warnings too, on success.
    for line in failure_lines(result):
        print(line, file=sys.stderr)
    if not result.success:
        for event in result.all_events:
            # A failed blocking check is already explained above, expectation by expectation.
            if event.is_step_failure and "blocking asset check failed" not in event.step_failure_data.error.message:
                print(f"FOUT in {event.step_key}: {explain(root_cause(event.step_failure_data.error))}",
                      file=sys.stderr)
        print(f"Niet gepubliceerd; het vorige gepubliceerde warehouse blijft staan. Details: "
              f"{settings.paths().quality / result.run_id / 'index.html'}", file=sys.stderr)
        return 1
    if inputs:
        last_run.record(settings.out_dir(), inputs)
    made = len({e.asset_key for e in result.get_asset_materialization_events()})
    print(f"Klaar: {made} onderdelen opnieuw gemaakt, {len(result.get_asset_check_evaluations())} controles "
          "uitgevoerd.")
    print_summary()
    return 0


CLI_TAG = {"kindbelang/launched_by": "cli"}


def clean_up_after_killed_runs(instance) -> None:
    """With the run lock held, a CLI run still marked as started was killed: mark it failed in the Dagster
    history, and remove the half-written files such runs leave (kindbelang.release.clean)."""
    import dagster as dg

    from kindbelang import release

    for stale in instance.get_runs(filters=dg.RunsFilter(
            statuses=[dg.DagsterRunStatus.STARTED, dg.DagsterRunStatus.STARTING], tags=CLI_TAG)):
        instance.report_run_failed(stale, "Afgebroken: het proces stopte voordat de run klaar was "
                                          "(vastgesteld bij de volgende kindbelang run).")
        print(f"Eerdere run {stale.run_id[:8]} was afgebroken; in de geschiedenis nu als mislukt gemarkeerd.")
    release.clean(settings.out_dir())


def describe(plan, limit: int = 6) -> str:
    """The assets redone for their own sake (the rest follow from them), in Dutch."""
    own = sorted(plan.reasons.items(), key=lambda kv: kv[0].to_user_string())
    text = "; ".join(f"{k.to_user_string()} ({reason})" for k, reason in own[:limit])
    return text + (f"; en {len(own) - limit} andere" if len(own) > limit else "") + (
        f"; daarna wat ervan afhangt ({len(plan.assets) - len(own)})" if len(plan.assets) > len(own) else "")


def _progress_logger(init_context):
    """One plain line per finished step, so a run shows progress: `[ 3/50] marts/regions  0,4 s`; a step that makes
    several assets (raw_cbs_tables: every CBS table) also a line per asset as it is made."""
    import logging

    from dagster._core.log_manager import get_log_record_metadata, has_log_record_metadata

    steps, done = init_context.logger_config["steps"], []
    outcome = {"STEP_SUCCESS": "", "STEP_FAILURE": "  MISLUKT", "STEP_SKIPPED": "  overgeslagen"}

    class Progress(logging.Handler):
        def emit(self, record):
            event = get_log_record_metadata(record).get("dagster_event") if has_log_record_metadata(record) else None
            if event is not None and event.event_type_value == "ASSET_MATERIALIZATION":
                key = event.asset_key.to_user_string()
                if key != step_label(event.step_key):  # one of several assets of a step (all raw tables): as made
                    print(f"{' ' * (2 * len(str(steps)) + 3)} {key} klaar", flush=True)
                return
            if event is None or event.event_type_value not in outcome:
                return
            done.append(event.step_key)
            seconds = ""
            if event.event_type_value == "STEP_SUCCESS":
                seconds = f"  {event.event_specific_data.duration_ms / 1000:.1f} s".replace(".", ",")
            print(f"[{len(done):>{len(str(steps))}}/{steps}] {step_label(event.step_key)}{seconds}"
                  f"{outcome[event.event_type_value]}", flush=True)

    logger = logging.Logger("kindbelang.progress", level=logging.DEBUG)
    logger.addHandler(Progress())
    return logger


def step_label(step_key: str) -> str:
    """raw__cbs_82972ned -> raw/cbs_82972ned; a check step names the check and its table."""
    from kindbelang.quality import CHECK_PREFIX

    if step_key.startswith("asset_check_"):  # Dagster's one multi-asset step for build_column_schema_change_checks
        return "controle kolomschema's (Dagster, alle tabellen)"
    asset, _, check = step_key.partition(f"_{CHECK_PREFIX}")
    asset = asset.replace("__", "/")
    return f"controle {CHECK_PREFIX}{check} op {asset}" if check else asset


def progress_logger():
    import dagster as dg

    return dg.LoggerDefinition(_progress_logger, config_schema={"steps": int},
                               description="Eén regel per afgeronde stap (kindbelang run).")


TABLE_ID = re.compile(r"^[0-9A-Za-z]{4,16}$")  # CBS ids (82972NED, 7461bev); also keeps paths out


def fetch(args: argparse.Namespace) -> int:
    from kindbelang.catalog import load_catalog

    ids = args.tables
    if args.update_snapshot:
        ids = [t.upper() for t in ids]
        catalog_ids = [t.id for t in load_catalog()]
        unknown = [t for t in ids if t not in catalog_ids]
        if unknown:
            print(f"FOUT: --update-snapshot geldt alleen voor tabellen uit catalog.yaml; niet in de catalogus: "
                  f"{', '.join(unknown)}", file=sys.stderr)
            return 2
        into = args.snapshot_dir.resolve() if args.snapshot_dir else settings.SNAPSHOT_DIR
        return fetch_tables(ids or catalog_ids, into=into, keep_previous=False,  # git keeps the history
                            accept_any_change=args.accept_schema_change, api=args.api)
    if not ids:
        print("FOUT: geef een of meer CBS-tabelnummers (bijvoorbeeld 82972NED), of --update-snapshot",
              file=sys.stderr)
        return 2
    return fetch_tables(ids, accept_any_change=args.accept_schema_change, api=args.api)


def fetch_tables(ids: list[str], *, into=None, keep_previous: bool = True, accept_any_change: bool = False,
                 quiet: bool = False, api: str | None = None, changed_only: bool = False) -> int:
    """Fetch the tables live into the raw store (or ``into``), several at once, with progress on stderr and
    one JSON line per table on stdout (unless ``quiet``). 1 if any failed; what failed is then untouched.
    ``api`` "v3"/"v4" for every table; None: each catalog entry's own (default v3). ``changed_only``: only
    tables whose Modified at CBS differs from the stored release."""
    from kindbelang.live_refresh import refresh
    from kindbelang.progress import FetchProgress
    from kindbelang.resources import CbsSource

    bad = [t for t in ids if not TABLE_ID.match(t)]
    if bad:
        print(f"FOUT: geen CBS-tabelnummer: {', '.join(map(repr, bad))} (bijvoorbeeld 82972NED)", file=sys.stderr)
        return 2
    ids = [t.upper() for t in ids]
    with FetchProgress() as progress:
        results = refresh(CbsSource(mode="live", api=api or ""), ids, changed_only=changed_only, into=into,
                          keep_previous=keep_previous, accept_any_change=accept_any_change, progress=progress)
    for result in results:
        if result.error is not None:
            print(fetch_failure_message(result.table_id, result.error), file=sys.stderr)
        if not quiet and result.status != "same release":
            print(json.dumps(fetch_line(result), ensure_ascii=False), flush=True)
    return 1 if any(r.error is not None for r in results) else 0


def fetch_line(result) -> dict:
    line = {"table": result.table_id, "rows": None, "columns": None, "modified": None}
    if result.error is not None:
        message = str(result.error)
        if not message.startswith("CBS table"):  # CbsFetchError/SchemaChangeError already name table and URL
            message = f"CBS table {result.table_id}: {type(result.error).__name__}: {result.error}"
        return {**line, "status": "error", "error": message}
    table = result.outcome.table
    line.update(rows=table.data.height, columns=table.data.width, modified=table.modified, status=result.status)
    if result.outcome.accepted_changes:
        line["schema_changes"] = result.outcome.accepted_changes
    return line


def fetch_failure_message(table_id: str, error: Exception) -> str:
    """One Dutch message per failed table: what went wrong (CBS's own words), that nothing was lost, what to do."""
    from kindbelang.cbs_live import DeadlineExceeded
    from kindbelang.resources import SchemaChangeError

    if isinstance(error, SchemaChangeError):
        advice = ("Verwacht u deze wijziging, zet haar dan onder accept_schema_change bij deze tabel in "
                  "catalog.yaml, of haal op met --accept-schema-change.")
    elif isinstance(error, DeadlineExceeded):
        advice = ("Probeer het later opnieuw; geef een trage server meer tijd met KINDBELANG_CBS_DEADLINE "
                  "(seconden per tabel).")
    else:
        advice = (f"CBS antwoordde niet, met een fout of onvolledig. Probeer het later opnieuw (kindbelang fetch "
                  f"{table_id}); blijft het misgaan, controleer dan de verbinding en KINDBELANG_CBS_URL / "
                  "KINDBELANG_CBS_V4_URL.")
    detail = str(error) if str(error).startswith("CBS table") else f"{type(error).__name__}: {error}"
    return (f"FOUT: CBS-tabel {table_id} niet opgehaald. {advice} Er is niets overschreven: de vorige versie "
            f"blijft staan.\n  details: {detail}")


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

    from kindbelang.sql_shell import (QueryInterrupted, RefusedStatement, connect_read_only, cut_message,
                                      interactive, render, run_query)

    try:
        con = connect_read_only(settings.paths().published / "kindbelang.duckdb", memory=args.memory)
    except FileNotFoundError as missing:
        print(f"FOUT: {missing}", file=sys.stderr)
        return 1
    with con:
        if args.query is None:
            return interactive(con, args.format, args.limit)
        try:
            result = run_query(con, args.query, args.limit)
        except QueryInterrupted as stopped:
            print(stopped, file=sys.stderr)
            return 130
        except (RefusedStatement, duckdb.Error) as error:
            print(f"FOUT: {error}", file=sys.stderr)
            return 1
        print(render(result, args.format))
        if cut_message(result, args.limit):
            print(cut_message(result, args.limit), file=sys.stderr)
    return 0


DISK_FULL = ("No space left on device", "database or disk is full", "disk is full", "Disk quota exceeded")


def failure_message(error: BaseException) -> str:
    """One Dutch message for an error no command handled itself: what happened, what is safe, what to do."""
    import errno

    chain, seen = [], error
    while seen is not None and seen not in chain:
        chain.append(seen)
        seen = seen.__cause__ or seen.__context__
    full = next((e for e in chain if (isinstance(e, OSError) and e.errno in (errno.ENOSPC, errno.EDQUOT))
                 or any(text in str(e) for text in DISK_FULL)), None)
    if full is not None:
        where = getattr(full, "filename", None) or settings.out_dir()
        return (f"FOUT: de schijf is vol (bij het schrijven van {where}). Er is niets gepubliceerd: de vorige "
                f"publicatie en de ruwe data blijven staan. Maak ruimte vrij (of zet KINDBELANG_OUT op een schijf "
                f"met ruimte) en draai het commando opnieuw.")
    denied = next((e for e in chain if isinstance(e, PermissionError)), None)
    if denied is not None:
        return (f"FOUT: geen toegang tot {denied.filename or 'een bestand'} ({denied.strerror}). Controleer de "
                f"rechten op {settings.out_dir()} (of zet KINDBELANG_OUT) en draai opnieuw.")
    return (f"FOUT: onverwachte fout: {type(error).__name__}: {error}. De vorige publicatie blijft staan. "
            f"Draai hetzelfde commando met --debug voor de volledige foutmelding en meld die.")


def explain(cause: str) -> str:
    """A step's root cause, with what to do when it is a full disk."""
    if any(text in cause for text in DISK_FULL):
        return f"{cause} (de schijf is vol: maak ruimte vrij of zet KINDBELANG_OUT op een schijf met ruimte)"
    return cause


def main(argv: list[str] | None = None) -> int:
    """Every command ends in its exit code and, on failure, one message; --debug shows the traceback too."""
    parser = build_parser()
    args = parser.parse_args(argv)
    debug = args.debug or os.environ.get("KINDBELANG_DEBUG") == "1"
    try:
        return args.handler(args)
    except KeyboardInterrupt:
        if debug:
            raise
        print("Afgebroken (Ctrl-C). De vorige publicatie blijft staan; de volgende run ruimt halve bestanden op.",
              file=sys.stderr)
        return 130
    except Exception as error:  # noqa: BLE001  the last line of defence: a message, not a traceback
        if debug:
            raise
        print(failure_message(error), file=sys.stderr)
        return 1


def build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--debug", action="store_true",
                        help="bij een fout de volledige Python-foutmelding tonen (voor ontwikkelaars)")
    parser = argparse.ArgumentParser(prog="kindbelang", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    def add_parser(name: str, **kwargs) -> argparse.ArgumentParser:
        return commands.add_parser(name, parents=[common], **kwargs)

    run_parser = add_parser("run", help="alle assets materialiseren")
    run_parser.add_argument("--source", choices=["snapshot", "live"], default="snapshot",
                            help="snapshot (standaard, offline) of live (CBS OData)")
    run_parser.add_argument("--wait", type=float, default=0, metavar="SECONDEN",
                            help="wachten als er al een run loopt (standaard: meteen stoppen met een melding)")
    run_parser.add_argument("--full", action="store_true",
                            help="alles opnieuw maken (standaard: alleen wat veranderd is sinds de vorige geslaagde "
                                 "run, en wat daarvan afhangt)")
    run_parser.add_argument("--snapshot-dir", type=Path, default=None, help=argparse.SUPPRESS)  # tests, benchmarks
    # Great Expectations takes seconds to import: in a process of its own, while Dagster loads and plans.
    run_parser.set_defaults(handler=exclusive(run_monitor, "kindbelang run", nothing_changed, gx_validation.running))
    sql_parser = add_parser("sql", help="alleen-lezen SQL op de gepubliceerde database")
    sql_parser.add_argument("query", nargs="?", help="de query; zonder query: interactieve prompt")
    sql_parser.add_argument("--format", choices=["table", "csv", "json"], default="table")
    sql_parser.add_argument("--limit", type=int, default=1000, metavar="N",
                            help="hoogstens N rijen tonen (standaard 1000; 0 = alles)")
    sql_parser.add_argument("--memory", default="2GB", metavar="GROOTTE",
                            help="geheugenlimiet van DuckDB voor deze query (standaard 2GB)")
    sql_parser.set_defaults(handler=sql)
    fetch_parser = add_parser(
        "fetch", help="CBS-tabellen live ophalen naar <out>/raw (één JSON-regel per tabel)")
    fetch_parser.add_argument("tables", nargs="*", metavar="TABLE_ID", help="CBS-tabelnummers, bv. 82972NED")
    fetch_parser.add_argument("--update-snapshot", action="store_true",
                              help="de meegeleverde momentopname (data/snapshot) verversen; zonder ids: alle "
                                   "tabellen uit catalog.yaml")
    fetch_parser.add_argument("--snapshot-dir", type=Path, default=None, help=argparse.SUPPRESS)  # tests
    fetch_parser.add_argument("--accept-schema-change", action="store_true",
                              help="een gewijzigd schema toch overnemen (anders stopt het ophalen)")
    fetch_parser.add_argument("--api", choices=["v3", "v4"], default=None,
                              help="CBS-API: v3 (opendata.cbs.nl) of v4 (datasets.cbs.nl); standaard die uit "
                                   "catalog.yaml, anders v3")
    fetch_parser.add_argument("--wait", type=float, default=0, metavar="SECONDEN",
                              help="wachten als er al een run of ophaalactie loopt (standaard: meteen stoppen)")
    fetch_parser.set_defaults(handler=exclusive(fetch, "kindbelang fetch"))
    add_parser("ui", help="Dagster-webinterface op de projectinstantie (geschiedenis, controles)"
                        ).set_defaults(handler=ui)
    serve_parser = add_parser("serve", help="Dagster-webserver en -daemon als dienst (schema en sensor "
                                       "draaien echt); zie docs/deployment.md")
    serve_parser.add_argument("--host", default="127.0.0.1")
    serve_parser.add_argument("--port", type=int, default=3000)
    serve_parser.add_argument("--no-webserver", action="store_true", help="alleen de daemon (schema's en sensoren)")
    serve_parser.add_argument("--start-automation", action="store_true",
                              help="de releasesensor, het maandschema en de foutsensor aanzetten")
    serve_parser.set_defaults(handler=serve)
    return parser


def serve(args: argparse.Namespace) -> int:
    from kindbelang.service import serve as serve_service

    return serve_service(args)


def entry_point() -> None:
    """`kindbelang` on the command line: main(), then the process ends without the second Python spends tearing
    down Dagster, DuckDB and Polars (every file is written and closed by then; tests call main() instead)."""
    code = main()
    with contextlib.suppress(OSError):  # a reader that went away (`| head`) is not an error of ours
        sys.stdout.flush()
        sys.stderr.flush()
    os._exit(code)


if __name__ == "__main__":
    entry_point()

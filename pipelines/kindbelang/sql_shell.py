"""`kindbelang sql`: read-only SQL on the published warehouse, safe while a run is writing.

Runs against <out>/published/kindbelang.duckdb, which a run replaces atomically only after every blocking
quality check passed, so a reader never sees half a release. Only reading statements are accepted, and
file access from SQL is switched off, so nothing can be written through this door.

A query streams: at most ``limit`` rows are fetched (a message says when the output was cut), DuckDB works within
a memory limit, and Ctrl-C stops the query (DuckDB's interrupt) and returns to the prompt.
"""

from __future__ import annotations

import csv
import io
import json
import sys
import threading
from dataclasses import dataclass
from pathlib import Path

import duckdb

READING_STATEMENTS = {"SELECT", "EXPLAIN", "PRAGMA"}
DEFAULT_LIMIT = 1000
DEFAULT_MEMORY = "2GB"


class RefusedStatement(ValueError):
    pass


class QueryInterrupted(Exception):
    pass


@dataclass
class Result:
    columns: list[str]
    rows: list[tuple]
    cut: bool  # more rows than the limit: only the first ``limit`` were fetched


def connect_read_only(db_path: Path, memory: str = DEFAULT_MEMORY) -> duckdb.DuckDBPyConnection:
    if not db_path.exists():
        raise FileNotFoundError(
            f"Er is nog geen gepubliceerde database ({db_path}). Draai eerst `make run` of `kindbelang run`.")
    con = duckdb.connect(str(db_path), read_only=True,
                         config={"enable_external_access": False, "memory_limit": memory})
    if not sys.stderr.isatty():  # DuckDB's progress bar is for a terminal, not for piped output
        con.execute("SET enable_progress_bar = false")
    return con


def check_read_only(query: str) -> None:
    for statement in duckdb.extract_statements(query):
        kind = statement.type.name
        if kind not in READING_STATEMENTS:
            raise RefusedStatement(
                f"Geweigerd: `{kind}` wijzigt gegevens of bestanden. `kindbelang sql` leest alleen "
                "(SELECT, EXPLAIN); de gepubliceerde database is alleen-lezen.")


def run_query(con: duckdb.DuckDBPyConnection, query: str, limit: int = DEFAULT_LIMIT) -> Result:
    """Run one reading query in a worker thread, so that Ctrl-C reaches us at once and interrupts DuckDB."""
    try:
        query.encode("utf-8")
    except UnicodeEncodeError:
        raise RefusedStatement("Geweigerd: de query bevat tekens die geen geldige UTF-8 zijn. Typ of plak hem "
                               "opnieuw als UTF-8-tekst.") from None
    check_read_only(query)
    outcome: dict = {}

    def work() -> None:
        try:
            cursor = con.execute(query)
            columns = [d[0] for d in cursor.description or []]
            rows = cursor.fetchmany(limit + 1) if limit else cursor.fetchall()
            outcome["result"] = Result(columns, rows[:limit] if limit else rows, bool(limit) and len(rows) > limit)
        except BaseException as error:  # noqa: BLE001  handed to the caller's thread
            outcome["error"] = error

    worker = threading.Thread(target=work, daemon=True)
    worker.start()
    try:
        while worker.is_alive():
            worker.join(0.1)
    except KeyboardInterrupt:
        con.interrupt()
        worker.join()
        raise QueryInterrupted("Query afgebroken (Ctrl-C).") from None
    if "error" in outcome:
        raise outcome["error"]
    return outcome["result"]


def cut_message(result: Result, limit: int) -> str | None:
    if not result.cut:
        return None
    return (f"Let op: alleen de eerste {limit:,} rijen getoond; de query geeft er meer. Gebruik --limit N "
            "(0 = alles) of LIMIT in de query.").replace(",", ".")


def render(result: Result, fmt: str) -> str:
    columns, rows = result.columns, result.rows
    if fmt == "json":
        return json.dumps([dict(zip(columns, row)) for row in rows], ensure_ascii=False, default=str, indent=1)
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(columns)
        writer.writerows(rows)
        return buffer.getvalue().rstrip("\n")
    cells = [[("" if v is None else str(v)) for v in row] for row in rows]
    widths = [max([len(c)] + [len(r[i]) for r in cells]) for i, c in enumerate(columns)]
    line = lambda values: " | ".join(v.ljust(w) for v, w in zip(values, widths)).rstrip()  # noqa: E731
    out = [line(columns), "-+-".join("-" * w for w in widths), *(line(r) for r in cells)]
    out.append(f"({len(rows)} rijen{', afgekapt' if result.cut else ''})")
    return "\n".join(out)


def interactive(con: duckdb.DuckDBPyConnection, fmt: str, limit: int = DEFAULT_LIMIT) -> int:
    print("kindbelang sql (alleen-lezen). Sluit een query af met ';'. Ctrl-C breekt een query af; "
          "stoppen: .quit of Ctrl-D.")
    buffer: list[str] = []
    while True:
        try:
            line = input("kindbelang> " if not buffer else "      ...> ")
        except EOFError:
            print()
            return 0
        except KeyboardInterrupt:  # Ctrl-C at the prompt drops the unfinished query, as psql does
            print()
            buffer = []
            continue
        except UnicodeDecodeError:
            print("Deze invoer is geen geldige UTF-8-tekst en is overgeslagen; typ de regel opnieuw.",
                  file=sys.stderr)
            continue
        if not buffer and line.strip() in (".quit", ".exit"):
            return 0
        buffer.append(line)
        if line.rstrip().endswith(";"):
            query, buffer = "\n".join(buffer), []
            try:
                result = run_query(con, query, limit)
                print(render(result, fmt))
                if cut_message(result, limit):
                    print(cut_message(result, limit), file=sys.stderr)
            except (RefusedStatement, QueryInterrupted, duckdb.Error) as error:
                print(error, file=sys.stderr)

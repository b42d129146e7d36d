"""`kindbelang sql`: read-only SQL on the published warehouse, safe while a run is writing.

Runs against <out>/published/kindbelang.duckdb, which a run replaces atomically only after every blocking
quality check passed, so a reader never sees half a release. Only reading statements are accepted, and
file access from SQL is switched off, so nothing can be written through this door.
"""

from __future__ import annotations

import csv
import io
import json
import sys
from pathlib import Path

import duckdb

READING_STATEMENTS = {"SELECT", "EXPLAIN", "PRAGMA"}


class RefusedStatement(ValueError):
    pass


def connect_read_only(db_path: Path) -> duckdb.DuckDBPyConnection:
    if not db_path.exists():
        raise FileNotFoundError(
            f"Er is nog geen gepubliceerde database ({db_path}). Draai eerst `make run` of `kindbelang run`.")
    return duckdb.connect(str(db_path), read_only=True, config={"enable_external_access": False})


def check_read_only(query: str) -> None:
    for statement in duckdb.extract_statements(query):
        kind = statement.type.name
        if kind not in READING_STATEMENTS:
            raise RefusedStatement(
                f"Geweigerd: `{kind}` wijzigt gegevens of bestanden. `kindbelang sql` leest alleen "
                "(SELECT, EXPLAIN); de gepubliceerde database is alleen-lezen.")


def run_query(con: duckdb.DuckDBPyConnection, query: str) -> tuple[list[str], list[tuple]]:
    check_read_only(query)
    cursor = con.execute(query)
    columns = [d[0] for d in cursor.description or []]
    return columns, cursor.fetchall()


def render(columns: list[str], rows: list[tuple], fmt: str) -> str:
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
    out.append(f"({len(rows)} rijen)")
    return "\n".join(out)


def interactive(con: duckdb.DuckDBPyConnection, fmt: str) -> int:
    print("kindbelang sql (alleen-lezen). Sluit een query af met ';'. Stoppen: .quit of Ctrl-D.")
    buffer: list[str] = []
    while True:
        try:
            line = input("kindbelang> " if not buffer else "      ...> ")
        except EOFError:
            print()
            return 0
        if not buffer and line.strip() in (".quit", ".exit"):
            return 0
        buffer.append(line)
        if line.rstrip().endswith(";"):
            query, buffer = "\n".join(buffer), []
            try:
                print(render(*run_query(con, query), fmt))
            except (RefusedStatement, duckdb.Error) as error:
                print(error, file=sys.stderr)

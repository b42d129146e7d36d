"""Ingest benchmark (issue 16): kindbelang's live loader vs plain cbsodata.get_data, side by side, same run.

The local CBS v3 server (tests/cbs_server.py) runs in a subprocess, like a remote host, sleeps --latency seconds
(default 0.3) before every response, and serves the committed real snapshot rows (data/snapshot/<ID>, unchanged,
no synthetic repetition). Pages of --page-size rows (default 10,000, as CBS's bulk feed).

  A  one table (--table, default 84799NED):  kindbelang.cbs_live.fetch_table(table, base_url)
                                              vs cbsodata.get_data(table)                       target >= 2x
  B  ten tables (--tables, default the ten largest v3 tables of catalog.yaml by snapshot rows):
     kindbelang.cli.fetch_tables(ids, into=<fresh temp dir>, keep_previous=False, quiet=True)
                                              vs cbsodata.get_data for each table, one after another  target >= 5x

Median of --runs wall times per client and scenario, after --warmup untimed runs (imports, connections).
The server reports how many requests it answered (GET /__stats), so the requests per run are printed too.

    .venv/bin/python benchmarks/ingest.py [--runs 3] [--latency 0.3] [--table 84799NED] [--tables A B ...]
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import cbsodata
import polars as pl
import requests

PROJECT = Path(__file__).resolve().parents[1]
SNAPSHOT = PROJECT / "data" / "snapshot"
TARGETS = {"A": 2.0, "B": 5.0}


# ------------------------------------------------------------------------------------------- the server


def start_server(tables: list[str], latency: float, page_size: int) -> tuple[subprocess.Popen, str]:
    """tests/cbs_server.py in a subprocess; returns it and its base URL once every table is rendered."""
    command = [sys.executable, str(PROJECT / "tests" / "cbs_server.py"), "--latency", str(latency),
               "--page-size", str(page_size)]
    for table in tables:
        command += ["--table", table]
    proc = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=PROJECT / "tests")
    base_url = proc.stdout.readline().strip()
    if not base_url.startswith("http://"):
        proc.kill()
        raise RuntimeError(f"server did not start (got {base_url!r})")
    return proc, base_url


def stop_server(proc: subprocess.Popen) -> None:
    proc.stdin.close()  # the server serves until its stdin closes
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()


def served_requests(base_url: str) -> int:
    return requests.get(f"{base_url}/__stats", timeout=10).json()["requests"]


def snapshot_rows(table: str) -> int:
    return pl.scan_parquet(SNAPSHOT / table / "data.parquet").select(pl.len()).collect().item()


def largest_v3_tables(count: int = 10) -> list[str]:
    from kindbelang.catalog import load_catalog

    tables = [t.id for t in load_catalog() if t.api == "v3" and (SNAPSHOT / t.id / "data.parquet").exists()]
    return sorted(tables, key=lambda t: (-snapshot_rows(t), t))[:count]


# ------------------------------------------------------------------------------------------- the clients


def cbsodata_rows(host: str, tables: list[str]) -> dict[str, int]:
    """Plain cbsodata.get_data (list of dicts) for each table, one after another."""
    old = (cbsodata.options.catalog_url, cbsodata.options.use_https)
    cbsodata.options.catalog_url, cbsodata.options.use_https = host, False
    try:
        return {table: len(cbsodata.get_data(table)) for table in tables}
    finally:
        cbsodata.options.catalog_url, cbsodata.options.use_https = old


def kindbelang_one(base_url: str, table: str) -> dict[str, int]:
    from kindbelang.cbs_live import fetch_table

    return {table: fetch_table(table, base_url).data.height}


def kindbelang_many(tables: list[str]) -> tuple[Callable[[], dict[str, int]], Callable[[dict], dict[str, int]]]:
    """The whole-catalog fetch path into a fresh temp dir (its progress lines captured); rows are read back from
    it after the clock stops."""
    from kindbelang.cli import fetch_tables
    from kindbelang.raw_store import read_raw_table

    def run() -> dict:
        into = Path(tempfile.mkdtemp(prefix="bench_raw_", dir=os.environ["KINDBELANG_OUT"]))
        progress = io.StringIO()  # fetch_tables' progress lines (stderr), shown only if it fails
        with contextlib.redirect_stderr(progress):
            code = fetch_tables(tables, into=into, keep_previous=False, quiet=True)
        if code != 0:
            raise RuntimeError(f"kindbelang.cli.fetch_tables returned {code}:\n{progress.getvalue()[-3000:]}")
        return {"into": into}

    def rows(result: dict) -> dict[str, int]:
        counts = {table: read_raw_table(result["into"], table).data.height for table in tables}
        shutil.rmtree(result["into"])
        return counts

    return run, rows


# ------------------------------------------------------------------------------------------- measuring


@dataclass
class Measured:
    seconds: list[float]
    requests: list[int]
    rows: dict[str, int]

    @property
    def median(self) -> float:
        return statistics.median(self.seconds)


def measure(base_url: str, run: Callable[[], object], rows: Callable[[object], dict[str, int]],
            runs: int, warmup: int) -> Measured:
    for _ in range(warmup):
        rows(run())
    seconds, counts, result_rows = [], [], {}
    for _ in range(runs):
        before = served_requests(base_url)
        started = time.perf_counter()
        result = run()
        seconds.append(time.perf_counter() - started)
        counts.append(served_requests(base_url) - before)
        result_rows = rows(result)
    return Measured(seconds, counts, result_rows)


def check_rows(scenario: str, ours: Measured, theirs: Measured) -> None:
    expected = {table: snapshot_rows(table) for table in ours.rows}
    if not (ours.rows == theirs.rows == expected):
        raise SystemExit(f"scenario {scenario}: row counts disagree\n  kindbelang {ours.rows}\n"
                         f"  cbsodata   {theirs.rows}\n  snapshot   {expected}")


def report(results: list[tuple[str, str, Measured, Measured]]) -> None:
    header = (f"{'scenario':<22} {'rows':>7} {'kindbelang s':>12} {'cbsodata s':>10} {'speed-up':>8} "
              f"{'target':>6}  {'result':<7}  requests kindbelang / cbsodata")
    print(header)
    print("-" * len(header))
    for key, name, ours, theirs in results:
        speedup = theirs.median / ours.median
        target = TARGETS[key]
        print(f"{name:<22} {sum(ours.rows.values()):>7,} {ours.median:>12.2f} {theirs.median:>10.2f} "
              f"{speedup:>7.1f}x {target:>5.0f}x  {'MET' if speedup >= target else 'NOT MET':<7}  "
              f"{'/'.join(map(str, sorted(set(ours.requests))))} / {'/'.join(map(str, sorted(set(theirs.requests))))}")
    for key, name, ours, theirs in results:
        print(f"  {key} runs (s): kindbelang {', '.join(f'{s:.2f}' for s in ours.seconds)}; "
              f"cbsodata {', '.join(f'{s:.2f}' for s in theirs.seconds)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--table", default="84799NED", help="scenario A (default 84799NED)")
    parser.add_argument("--tables", nargs="+", help="scenario B (default: the ten largest v3 catalog tables)")
    parser.add_argument("--latency", type=float, default=0.3, help="server seconds per request (default 0.3)")
    parser.add_argument("--page-size", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--warmup", type=int, default=1, help="untimed runs per client and scenario first")
    args = parser.parse_args()
    table = args.table.upper()
    tables = [t.upper() for t in args.tables] if args.tables else largest_v3_tables()

    out = Path(os.environ.setdefault("KINDBELANG_OUT", tempfile.mkdtemp(prefix="bench_out_")))
    out.mkdir(parents=True, exist_ok=True)
    import kindbelang.cli  # noqa: F401  (dagster & co.) before any clock runs
    import kindbelang.resources  # noqa: F401

    proc, base_url = start_server(sorted({table, *tables}), args.latency, args.page_size)
    os.environ["KINDBELANG_CBS_URL"] = base_url  # what fetch_tables reads
    host = base_url.removeprefix("http://")
    print(f"server {base_url} (subprocess), {args.latency * 1000:.0f} ms latency per request, pages of "
          f"{args.page_size:,} rows; serving the committed real snapshot rows (data/snapshot/<ID>, unchanged, "
          f"not synthetic)")
    print(f"A: {table} ({snapshot_rows(table):,} rows)")
    print(f"B: {len(tables)} tables, one after another for cbsodata: "
          + ", ".join(f"{t} ({snapshot_rows(t):,})" for t in tables))
    print(f"median of {args.runs} run(s) after {args.warmup} warm-up run(s); KINDBELANG_OUT={out}\n")
    try:
        identity = lambda rows: rows  # noqa: E731
        many_run, many_rows = kindbelang_many(tables)
        a = (measure(base_url, lambda: kindbelang_one(base_url, table), identity, args.runs, args.warmup),
             measure(base_url, lambda: cbsodata_rows(host, [table]), identity, args.runs, args.warmup))
        b = (measure(base_url, many_run, many_rows, args.runs, args.warmup),
             measure(base_url, lambda: cbsodata_rows(host, tables), identity, args.runs, args.warmup))
    finally:
        stop_server(proc)
    check_rows("A", *a)
    check_rows("B", *b)
    report([("A", f"A one table {table}", *a), ("B", f"B {len(tables)} tables", *b)])
    print("\nrows: equal for both clients and the snapshot (cbsodata: len of its list of dicts).")


if __name__ == "__main__":
    main()

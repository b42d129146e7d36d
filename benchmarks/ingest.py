"""Ingest benchmark: kindbelang.cbs_live.fetch_table vs plain cbsodata.get_data on a local CBS server.

The server (tests/cbs_server.py) runs in a subprocess, like a remote host, and serves a SYNTHETIC table:
the snapshot rows of --table repeated --repeat times (IDs renumbered; TableInfos.Title starts with
"[SYNTHETIC xN]"). It is a throughput test of the client, not CBS data.

    .venv/bin/python benchmarks/ingest.py [--table 84134NED] [--repeat 12] [--runs 3] [--workers 4]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

import cbsodata
import polars as pl
import requests

from kindbelang.cbs_live import FetchPolicy, fetch_table

PROJECT = Path(__file__).resolve().parents[1]


def start_server(table: str, repeat: int, page_size: int) -> tuple[subprocess.Popen, str]:
    proc = subprocess.Popen(
        [sys.executable, str(PROJECT / "tests" / "cbs_server.py"), "--table", table, "--repeat", str(repeat),
         "--page-size", str(page_size)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=PROJECT / "tests",
    )
    base_url = proc.stdout.readline().strip()
    if not base_url.startswith("http://"):
        proc.kill()
        raise RuntimeError(f"server did not start (got {base_url!r})")
    return proc, base_url


def run_cbsodata(host: str, table: str) -> int:
    old = (cbsodata.options.catalog_url, cbsodata.options.use_https)
    cbsodata.options.catalog_url, cbsodata.options.use_https = host, False
    try:
        return len(cbsodata.get_data(table))
    finally:
        cbsodata.options.catalog_url, cbsodata.options.use_https = old


def run_cbsodata_frame(host: str, table: str) -> int:
    old = (cbsodata.options.catalog_url, cbsodata.options.use_https)
    cbsodata.options.catalog_url, cbsodata.options.use_https = host, False
    try:
        return pl.DataFrame(cbsodata.get_data(table), infer_schema_length=None).height
    finally:
        cbsodata.options.catalog_url, cbsodata.options.use_https = old


def timed(fn, runs: int) -> tuple[int, list[float]]:
    times, rows = [], 0
    for _ in range(runs):
        started = time.perf_counter()
        rows = fn()
        times.append(time.perf_counter() - started)
    return rows, times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--table", default="84134NED")
    parser.add_argument("--repeat", type=int, default=12)
    parser.add_argument("--page-size", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--workers", type=int, default=4)
    args = parser.parse_args()

    proc, base_url = start_server(args.table, args.repeat, args.page_size)
    host = base_url.removeprefix("http://")
    try:
        infos = requests.get(f"{base_url}/ODataFeed/odata/{args.table}/TableInfos?$format=json", timeout=10).json()
        title, record_count = infos["value"][0]["Title"], infos["value"][0]["RecordCount"]
        assert title.startswith("[SYNTHETIC"), title
        print(f"server {base_url} (subprocess), table {args.table}: {record_count:,} rows SYNTHETIC "
              f"(snapshot rows x{args.repeat}), pages of {args.page_size:,}")
        policy = FetchPolicy(workers=args.workers)
        fetch_table(args.table, base_url, policy=policy)  # warm-up (both clients hit the same cached pages)
        results = {
            f"kindbelang.cbs_live.fetch_table (workers={args.workers}) -> polars, typed, trimmed, validated":
                timed(lambda: fetch_table(args.table, base_url, policy=policy).data.height, args.runs),
            "kindbelang.cbs_live.fetch_table (workers=1)":
                timed(lambda: fetch_table(args.table, base_url, policy=FetchPolicy(workers=1)).data.height, args.runs),
            "cbsodata.get_data -> list of dicts (keys replaced by titles)":
                timed(lambda: run_cbsodata(host, args.table), args.runs),
            "cbsodata.get_data + pl.DataFrame": timed(lambda: run_cbsodata_frame(host, args.table), args.runs),
        }
    finally:
        proc.stdin.close()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()

    rates = {}
    for name, (rows, times) in results.items():
        assert rows == record_count, (name, rows, record_count)
        best, median = min(times), statistics.median(times)
        rates[name] = rows / median
        print(f"{name}\n    {rows:,} rows, median {median:.3f} s (best {best:.3f} s over {len(times)} runs): "
              f"{rows / median:,.0f} rows/s")
    names = list(rates)
    print(f"ratio live loader / cbsodata.get_data: {rates[names[0]] / rates[names[2]]:.2f}x "
          f"(workers=1: {rates[names[1]] / rates[names[2]]:.2f}x; vs cbsodata + DataFrame: "
          f"{rates[names[0]] / rates[names[3]]:.2f}x)")


if __name__ == "__main__":
    main()

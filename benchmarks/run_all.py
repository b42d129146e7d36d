"""`kindbelang run` on the snapshot: cold, again with nothing changed, and after one CBS table changed.

Each run is the real CLI in a new process on a fresh output directory (a copy of the snapshot, so that one table
can be changed). Printed per run: wall time, CPU time (user + system; the machine is shared, so wall time moves with
what else runs), and where the time went, from Dagster's own step timings:
  own SQL/Polars work   raw loading, SQL models and Python models (Polars/DuckDB)
  publication, site     the atomic copy and the dashboards
  checks                Great Expectations suites and Dagster's schema checks
  outside               the rest: Python start-up and imports, Dagster orchestration, deciding what changed
Targets (issue 14, this 2-core machine): cold <= 15 s with all checks, no-op <= 3 s, one table changed <= 8 s.
Run: .venv/bin/python benchmarks/run_all.py [--table 85099NED] [--repeat 1]
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import polars as pl

ROOT = Path(__file__).resolve().parents[1]
TARGETS = {"cold": 15.0, "no-op": 3.0, "one table changed": 8.0}
# Before (wall s, CPU s), measured with this script on this machine: HEAD 19d5378 (every `kindbelang run` redid
# everything, 2026-12-02, other suites running beside it), HEAD b174686 (2026-12-03, load 0.8, nothing else
# running) and HEAD b77d7cc (2026-12-03, load 1.0). Issue 14 reports 43 s cold (median of 3) on a quiet machine.
BEFORE = {"cold": {"19d5378": (98.3, None), "b174686": (77.0, 77.1), "b77d7cc": (42.4, 47.6)},
          "no-op": {"19d5378": (122.6, None), "b174686": (6.2, 6.3), "b77d7cc": (0.2, 0.2)},
          "one table changed": {"19d5378": (150.7, None), "b174686": (45.7, 48.0), "b77d7cc": (24.4, 29.6)}}


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run(out: Path, snapshot: Path) -> tuple[float, float, str]:
    env = {**os.environ, "KINDBELANG_OUT": str(out)}
    cpu, start = cpu_seconds(), time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "kindbelang.cli", "run", "--snapshot-dir", str(snapshot)],
                          env=env, capture_output=True, text=True)
    wall = time.perf_counter() - start
    if proc.returncode != 0:
        sys.exit(f"kindbelang run failed:\n{proc.stderr[-3000:]}")
    return wall, cpu_seconds() - cpu, proc.stdout


def step_times(out: Path, before: set[str]) -> dict[str, float]:
    """Seconds per kind of step in the runs launched since ``before`` (run ids)."""
    import dagster as dg

    kinds = {"own SQL/Polars work": 0.0, "publication, site": 0.0, "checks": 0.0}
    with dg.DagsterInstance.from_config(str(out / ".dagster")) as instance:
        for run in instance.get_runs():
            if run.run_id in before:
                continue
            for record in instance.get_records_for_run(run.run_id, of_type=dg.DagsterEventType.STEP_SUCCESS).records:
                event = record.event_log_entry.dagster_event
                seconds = event.event_specific_data.duration_ms / 1000
                key = event.step_key
                kind = ("checks" if "_gx_" in key or key.startswith("asset_check_") else
                        "publication, site" if key in ("publication", "site") else "own SQL/Polars work")
                kinds[kind] += seconds
    return kinds


def run_ids(out: Path) -> set[str]:
    import dagster as dg

    if not (out / ".dagster" / "dagster.yaml").exists():
        return set()
    with dg.DagsterInstance.from_config(str(out / ".dagster")) as instance:
        return {r.run_id for r in instance.get_runs()}


def change_one_table(snapshot: Path, table_id: str) -> None:
    """A new release of one table: one cell differs (the first non-empty value of the first measure, + 5)."""
    path = snapshot / table_id / "data.parquet"
    frame = pl.read_parquet(path)
    column = next(c for c in frame.columns if c.rsplit("_", 1)[-1].isdigit() and frame[c].dtype.is_numeric())
    first = frame[column].is_not_null().arg_max()
    frame.with_columns(pl.when(pl.int_range(pl.len()) == first).then(pl.col(column) + 5)
                       .otherwise(pl.col(column)).alias(column)).write_parquet(path)


def report(name: str, wall: float, cpu: float, kinds: dict[str, float], stdout: str) -> None:
    outside = max(wall - sum(kinds.values()), 0.0)
    verdict = "gehaald" if wall <= TARGETS[name] else "NIET gehaald"
    before = "; ".join(f"{commit}: {w:.1f} s wall" + (f", {c:.1f} s CPU" if c else "")
                       for commit, (w, c) in BEFORE[name].items())
    print(f"{name}: {wall:.1f} s wall, {cpu:.1f} s CPU (doel <= {TARGETS[name]:.0f} s wall: {verdict}; "
          f"voorheen {before})")
    for kind, seconds in kinds.items():
        print(f"    {kind:<22} {seconds:6.1f} s")
    print(f"    {'outside':<22} {outside:6.1f} s")
    own = kinds["own SQL/Polars work"]
    print(f"    share of wall time outside own SQL/Polars work: {100 * (wall - own) / wall:.0f}%")
    first = next((line for line in stdout.splitlines() if line.startswith(("Opnieuw", "Niets"))), "")
    print(f"    {first[:160]}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--table", default="85099NED", help="the CBS table whose new release is simulated")
    parser.add_argument("--repeat", type=int, default=1, help="repeat the three runs (fresh output each time)")
    args = parser.parse_args()
    load = os.getloadavg()[0]
    print(f"{os.cpu_count()} cores, load average {load:.1f} at the start")
    for _ in range(args.repeat):
        with tempfile.TemporaryDirectory(prefix="kindbelang_bench_") as tmp:
            out, snapshot = Path(tmp) / "out", Path(tmp) / "snapshot"
            shutil.copytree(ROOT / "data" / "snapshot", snapshot)
            for name in TARGETS:
                if name == "one table changed":
                    change_one_table(snapshot, args.table)
                before = run_ids(out)
                wall, cpu, stdout = run(out, snapshot)
                report(name, wall, cpu, step_times(out, before), stdout)
    print(f"load average {os.getloadavg()[0]:.1f} at the end")


if __name__ == "__main__":
    main()

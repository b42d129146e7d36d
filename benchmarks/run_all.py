"""Cold full run on the snapshot: wall time, peak memory, and the share of time outside our own work.

"Own work" is the time spent inside our SQL models and Polars/DuckDB loading steps (the compute functions
of the assets, as Dagster reports per step); the rest is Dagster orchestration, imports and start-up.
Run: .venv/bin/python benchmarks/run_all.py
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import tempfile
import time

CHILD = r"""
import time
t0 = time.perf_counter()
import dagster as dg
from kindbelang.definitions import defs
t_import = time.perf_counter() - t0
result = defs.resolve_job_def("monitor").execute_in_process(
    instance=dg.DagsterInstance.ephemeral(),
    run_config={"loggers": {"console": {"config": {"log_level": "ERROR"}}}})
assert result.success
own = 0.0
for event in result.all_events:
    if event.event_type_value == "STEP_SUCCESS":
        own += event.event_specific_data.duration_ms / 1000
print(f"{t_import:.3f} {own:.3f}")
"""


def main() -> None:
    with tempfile.TemporaryDirectory() as out:
        env = {**os.environ, "KINDBELANG_OUT": out}
        start = time.perf_counter()
        proc = subprocess.run([sys.executable, "-c", CHILD], env=env, capture_output=True, text=True, check=True)
        wall = time.perf_counter() - start
    t_import, own = map(float, proc.stdout.split()[-2:])
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"wall time (cold, new process): {wall:.2f} s")
    print(f"  of which imports (dagster, project): {t_import:.2f} s")
    print(f"  of which asset steps (own SQL/Polars/DuckDB work): {own:.2f} s")
    print(f"peak memory (max RSS): {peak_mb:.0f} MB")
    print(f"share of time outside own work: {100 * (wall - own) / wall:.0f}%")


if __name__ == "__main__":
    main()

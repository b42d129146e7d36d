"""One monitoring run at a time per output directory.

DuckDB allows a single writer per file; a second run would fail half-way on the warehouse lock. An
advisory lock on <out>/.run.lock makes it refuse (or wait) up front instead. The kernel drops the lock
when the process dies, even by SIGKILL, so a killed run never blocks the next one.
"""

from __future__ import annotations

import fcntl
import os
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator


class RunInProgress(RuntimeError):
    pass


@contextmanager
def exclusive_run(out: Path, wait_seconds: float = 0.0) -> Iterator[None]:
    out.mkdir(parents=True, exist_ok=True)
    lock_path = out / ".run.lock"
    handle = open(lock_path, "a+")
    deadline = time.monotonic() + wait_seconds
    try:
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    handle.seek(0)
                    holder = handle.read().strip() or "onbekend"
                    raise RunInProgress(
                        f"Er loopt al een kindbelang-run op {out} (proces {holder}). Wacht tot die klaar is, "
                        "of gebruik `kindbelang run --wait <seconden>`.") from None
                time.sleep(0.5)
        handle.seek(0)
        handle.truncate()
        handle.write(str(os.getpid()))
        handle.flush()
        yield
    finally:
        handle.close()

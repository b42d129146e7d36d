"""One writer at a time per output directory: `kindbelang run` and `kindbelang fetch` take the same lock.

DuckDB allows a single writer per file, and two fetches at once would both retire "the previous release" into
raw/previous/. The lock (<out>/.run.lock, filelock's flock) makes the second command refuse (or wait) up front.
The kernel drops it when the process dies, even by SIGKILL, so a killed run never blocks the next one.
<out>/.run.pid says who holds it, for the message.
"""

from __future__ import annotations

import os
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from filelock import FileLock, Timeout


class RunInProgress(RuntimeError):
    pass


@contextmanager
def exclusive_run(out: Path, wait_seconds: float = 0.0, command: str = "kindbelang run") -> Iterator[None]:
    out.mkdir(parents=True, exist_ok=True)
    lock, holder_file = FileLock(out / ".run.lock", timeout=wait_seconds), out / ".run.pid"
    try:
        lock.acquire()
    except Timeout:
        holder = holder_file.read_text(encoding="utf-8").strip() if holder_file.exists() else ""
        raise RunInProgress(
            f"Er loopt al een kindbelang-run of -ophaalactie op {out} (proces {holder or 'onbekend'}). Wacht tot "
            "die klaar is, of geef `--wait <seconden>` mee.") from None
    try:
        holder_file.write_text(f"{os.getpid()} ({command})", encoding="utf-8")
        yield
    finally:
        lock.release()

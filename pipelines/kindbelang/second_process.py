"""A second process for work that would otherwise wait its turn on this process's core (the slowest site page, the
Great Expectations validations): spawned, so it starts from a clean interpreter without this process's DuckDB and
Dagster state, and ended by the kernel together with this process, so a killed run leaves nothing behind that
writes into files the next run removes."""

from __future__ import annotations

import atexit
import ctypes
import multiprocessing
import os
import signal
import sys
from concurrent.futures import ProcessPoolExecutor


def second_process() -> ProcessPoolExecutor:
    return ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn"), initializer=_start,
                               initargs=(os.getpid(),))


def _start(parent: int) -> None:
    _die_with_parent(parent)
    # Once the pool shuts it down, the helper's results are with its parent: it skips the second Python spends
    # tearing down GX, pandas and DuckDB at exit, which the parent would wait for.
    atexit.register(_exit_now)


def _exit_now() -> None:
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


def _die_with_parent(parent: int) -> None:
    """On Linux the kernel ends this process with its parent (prctl PR_SET_PDEATHSIG)."""
    try:
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)
    except OSError:  # not Linux: the work finishes on its own, the next run cleans up after it
        pass
    if os.getppid() != parent:  # the parent died before prctl
        os._exit(1)

"""What a live fetch is doing, for the person or log watching it.

On a terminal: one tqdm bar over all pages of all tables, with events (retries, slow server, a table done)
printed above it. In a log or CI: the same events as plain lines, plus one line per page. Every line names the
table and the elapsed time; a request the server keeps waiting more than ``slow_after`` seconds is reported
every ``slow_after`` seconds, so a hanging server is visible long before the deadline.
"""

from __future__ import annotations

import sys
import threading
import time
from contextlib import contextmanager
from typing import TextIO

from tqdm import tqdm


def seconds_nl(seconds: float) -> str:
    return f"{seconds:.1f} s".replace(".", ",")


class FetchProgress:
    def __init__(self, stream: TextIO | None = None, *, slow_after: float = 15.0, bar: bool | None = None):
        self.stream = stream or sys.stderr
        self.started = time.monotonic()
        self.slow_after = slow_after
        self._lock = threading.Lock()
        self._waiting: dict[int, tuple[str, str, float]] = {}  # token -> (table, what, since)
        self._tokens = 0
        self._pages: dict[str, tuple[int, int]] = {}  # table -> (done, expected)
        use_bar = self.stream.isatty() if bar is None else bar
        self._bar = tqdm(total=0, unit="pagina", file=self.stream, leave=False, dynamic_ncols=True) if use_bar else None
        self._stop = threading.Event()
        self._watch = threading.Thread(target=self._watch_slow, name="fetch-progress", daemon=True)
        self._watch.start()

    def note(self, table_id: str, text: str) -> None:
        line = f"[{seconds_nl(time.monotonic() - self.started):>7}] {table_id}: {text}"
        with self._lock:
            if self._bar is not None:
                self._bar.write(line, file=self.stream)
            else:
                print(line, file=self.stream, flush=True)

    def pages_expected(self, table_id: str, pages: int) -> None:
        with self._lock:
            done, before = self._pages.get(table_id, (0, 0))
            self._pages[table_id] = (done, max(pages, before))
            if self._bar is not None:
                self._bar.total = sum(expected for _, expected in self._pages.values())
                self._bar.refresh()

    def page_done(self, table_id: str, rows: int) -> None:
        with self._lock:
            done, expected = self._pages.get(table_id, (0, 1))
            done += 1
            self._pages[table_id] = (done, max(done, expected))
            if self._bar is not None:
                self._bar.set_description_str(f"{table_id} pagina {done}/{max(done, expected)}", refresh=False)
                self._bar.update(1)
                return
        self.note(table_id, f"pagina {done} van {max(done, expected)} binnen ({rows:,} rijen)".replace(",", "."))

    @contextmanager
    def waiting(self, table_id: str, what: str):
        """Around one request: the watcher reports it if the server takes longer than ``slow_after``."""
        with self._lock:
            self._tokens += 1
            token = self._tokens
            self._waiting[token] = (table_id, what, time.monotonic())
        try:
            yield
        finally:
            with self._lock:
                self._waiting.pop(token, None)

    def _watch_slow(self) -> None:
        reported: dict[int, int] = {}
        while not self._stop.wait(min(1.0, self.slow_after)):
            now = time.monotonic()
            with self._lock:
                waiting = list(self._waiting.items())
            for token, (table_id, what, since) in waiting:
                periods = int((now - since) // self.slow_after)
                if periods > reported.get(token, 0):
                    reported[token] = periods
                    self.note(table_id, f"server traag: wacht al {seconds_nl(now - since)} op {what}")

    def close(self) -> None:
        self._stop.set()
        self._watch.join(timeout=2)
        if self._bar is not None:
            self._bar.close()

    def __enter__(self) -> "FetchProgress":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

"""Progress on stderr while a run is built: the phase under way and its elapsed time, on one line rewritten in
place (``simnet: compiling ... 12 s``), then how long it took.

Silent when switched off (``--no-progress``) or when stderr is not a terminal (a log file, a pipe, a test). A
phase that Brian2 reports on itself (the loop, with its own progress report) is announced without a ticking
line, so the two never write over each other.
"""
from __future__ import annotations

import os
import sys
import threading
import time
from contextlib import contextmanager
from typing import Iterator, Optional, TextIO

__all__ = ["TICK_S", "Progress"]

#: Seconds between updates of the ticking line.
TICK_S = 0.5


class Progress:
    """Phase names and elapsed time on a terminal's stderr."""

    def __init__(self, enabled: bool, stream: Optional[TextIO] = None):
        stream = stream if stream is not None else sys.stderr
        self.enabled = bool(enabled) and bool(getattr(stream, "isatty", lambda: False)())
        # A copy of the terminal's descriptor: Brian2 points descriptors 1 and 2 at temporary files while make
        # runs (brian2.utils.logger.std_silent), and the progress line must still reach the terminal.
        self._fd = os.dup(stream.fileno()) if self.enabled else None
        self._lock = threading.Lock()

    def _write(self, text: str) -> None:
        with self._lock:
            os.write(self._fd, text.encode(errors="replace"))

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd, self.enabled = None, False

    @contextmanager
    def phase(self, name: str, ticking: bool = True) -> Iterator[None]:
        """Show ``name`` while the block runs; with ``ticking``, its elapsed time too, updated in place."""
        if not self.enabled:
            yield
            return
        started = time.monotonic()
        done = threading.Event()

        def tick():
            while not done.wait(TICK_S):
                self._write(f"\r\x1b[Ksimnet: {name} ... {time.monotonic() - started:.0f} s")

        self._write(f"\r\x1b[Ksimnet: {name} ..." + ("" if ticking else "\n"))
        ticker = threading.Thread(target=tick, daemon=True) if ticking else None
        if ticker:
            ticker.start()
        try:
            yield
        finally:
            done.set()
            if ticker:
                ticker.join()
            elapsed = time.monotonic() - started
            self._write((f"\r\x1b[Ksimnet: {name}" if ticking else f"simnet: {name}") + f": {elapsed:.1f} s\n")

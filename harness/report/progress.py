"""The live terminal view: the phase, objects done out of total, and the elapsed time.

On a terminal the status line is redrawn in place (a ticker keeps the clock moving during
long phases) and each finished phase leaves one line with its duration. In a CI log
(not a terminal) it prints one plain line per phase and a few milestones, never control
characters. Quiet prints nothing.
"""

from __future__ import annotations

import os
import shutil
import threading
import time
from collections.abc import Callable
from typing import TextIO

_SPIN = "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏"
_BAR = 20


class ProgressView:
    """Callable as the audit's `progress(message, done=None, total=None)`."""

    def __init__(
        self,
        stream: TextIO,
        *,
        enabled: bool = True,
        live: bool | None = None,
        clock: Callable[[], float] = time.monotonic,
        tick: float = 0.1,
    ) -> None:
        self.stream = stream
        self.enabled = enabled
        if live is None:
            live = _isatty(stream) and os.environ.get("TERM") != "dumb"
        self.live = enabled and live
        self.clock = clock
        self.started = clock()
        self.phase: str | None = None
        self.phase_started = self.started
        self.done: int | None = None
        self.total: int | None = None
        self._milestone = -1
        self._frame = 0
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._ticker: threading.Thread | None = None
        if self.live and tick > 0:
            self._ticker = threading.Thread(target=self._tick, args=(tick,), daemon=True)
            self._ticker.start()

    def __call__(self, message: str, done: int | None = None, total: int | None = None) -> None:
        if not self.enabled:
            return
        with self._lock:
            if message != self.phase:
                self._finish_phase()
                self.phase, self.phase_started = message, self.clock()
                self._milestone = -1
                if not self.live:
                    self._write(f"[{self.clock() - self.started:6.1f}s] {message}\n")
            self.done, self.total = done, total
            if self.live:
                self._draw()
            elif done is not None and total:
                self._plain_milestone(done, total)

    def _plain_milestone(self, done: int, total: int) -> None:
        quarter = min(4, done * 4 // total)
        if quarter > self._milestone and (quarter > 0 or done == total):
            self._milestone = quarter
            self._write(f"[{self.clock() - self.started:6.1f}s]   {done}/{total}\n")

    def _finish_phase(self, ok: bool = True) -> None:
        if self.phase is None or not self.live:
            return
        took = self.clock() - self.phase_started
        count = f" {self.done}/{self.total}" if self.total else ""
        self._write(f"\r\x1b[2K{'✓' if ok else '✗'} {self.phase}{count} ({took:.1f}s)\n")

    def _draw(self) -> None:
        if self.phase is None:
            return
        spin = _SPIN[self._frame % len(_SPIN)]
        line = f"{spin} {self.phase}"
        if self.total:
            filled = _BAR * min(self.done or 0, self.total) // self.total
            line += f" [{'█' * filled}{'░' * (_BAR - filled)}] {self.done or 0}/{self.total}"
        line += f"  {self.clock() - self.started:.1f}s"
        width = shutil.get_terminal_size((100, 20)).columns - 1
        self._write("\r\x1b[2K" + line[:width])

    def _tick(self, every: float) -> None:
        while not self._stop.wait(every):
            with self._lock:
                self._frame += 1
                self._draw()

    def _write(self, text: str) -> None:
        self.stream.write(text)
        self.stream.flush()

    def close(self, ok: bool = True) -> None:
        """Stop the ticker and leave the last phase as a finished (or failed) line."""
        self._stop.set()
        if self._ticker is not None:
            self._ticker.join()
        with self._lock:
            self._finish_phase(ok)
            self.phase = None

    def __enter__(self) -> ProgressView:
        return self

    def __exit__(self, exc_type: object, *rest: object) -> None:
        self.close(ok=exc_type is None)


def _isatty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False

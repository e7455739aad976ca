"""A progress bar on a terminal, silence when piped (cli.md: "stays quiet when piped")."""

from __future__ import annotations

import sys
import time
from typing import TextIO


class ProgressBar:
    """Callable ``(done, total, label="")`` drawing a one-line bar on stderr if it is a TTY."""

    def __init__(self, title: str, stream: TextIO | None = None, width: int = 30) -> None:
        self.title = title
        self.stream = stream or sys.stderr
        self.enabled = bool(getattr(self.stream, "isatty", lambda: False)())
        self.width = width
        self.started = time.perf_counter()
        self._drawn = False

    def __call__(self, done: int, total: int, label: str = "") -> None:
        if not self.enabled or total <= 0:
            return
        frac = min(max(done / total, 0.0), 1.0)
        filled = int(frac * self.width)
        elapsed = time.perf_counter() - self.started
        bar = "#" * filled + "-" * (self.width - filled)
        self.stream.write(f"\r{self.title} [{bar}] {frac:4.0%} {elapsed:5.1f}s {label[:30]:<30}")
        self.stream.flush()
        self._drawn = True

    def close(self) -> None:
        if self._drawn:
            self.stream.write("\n")
            self.stream.flush()

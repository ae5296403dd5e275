"""A dependency-free progress bar on stderr, shown only on a terminal."""

from __future__ import annotations

import sys
import time


class Progress:
    def __init__(self, total: int, label: str, unit: str = "B") -> None:
        self.total = max(total, 1)
        self.label = label
        self.unit = unit
        self.done = 0
        self.enabled = sys.stderr.isatty()
        self.started = time.perf_counter()
        self._last_draw = 0.0

    def set_total(self, total: int) -> None:
        self.total = max(total, 1)

    def __call__(self, amount: int) -> None:
        self.done += amount
        now = time.perf_counter()
        if self.enabled and (now - self._last_draw > 0.1 or self.done >= self.total):
            self._last_draw = now
            share = min(self.done / self.total, 1.0)
            bar = "#" * int(share * 30)
            elapsed = now - self.started
            sys.stderr.write(f"\r{self.label} [{bar:<30}] {share:6.1%} {self._fmt(self.done)} {elapsed:5.1f}s")
            sys.stderr.flush()

    def close(self) -> None:
        if self.enabled:
            sys.stderr.write("\n")
            sys.stderr.flush()

    def _fmt(self, value: int) -> str:
        if self.unit != "B":
            return f"{value:,} {self.unit}"
        for suffix in ("B", "KB", "MB", "GB"):
            if value < 1024 or suffix == "GB":
                return f"{value:.0f} {suffix}" if suffix == "B" else f"{value:.1f} {suffix}"
            value /= 1024
        return str(value)

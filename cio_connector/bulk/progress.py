"""The terminal progress bar: rich's ``Progress``, because it redraws from its own thread at a fixed rate
(so updating it per batch costs nothing), handles terminal width and non-TTY output, and is widely kept."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TextIO

from .ledger import Summary
from .records import RecordFile

__all__ = ["PlainProgress", "ProgressBar", "progress_display"]

#: Seconds between two plain progress lines.
PLAIN_EVERY = 2.0


@contextmanager
def progress_display(records: RecordFile, *, action: str) -> Iterator[Callable[[Summary], None]]:
    """rich's bar when the ``bulk`` extra is installed, else a plain line now and then: never a traceback."""
    try:
        import rich  # noqa: F401
    except ImportError:
        display: ProgressBar | PlainProgress = PlainProgress(action)
    else:
        display = ProgressBar(records, action=action)
    with display:
        yield display.update


class PlainProgress:
    """One line every few seconds on stderr (and a hint that ``cio-connector[bulk]`` draws a bar)."""

    def __init__(self, action: str, out: TextIO | None = None, every: float = PLAIN_EVERY) -> None:
        self._action, self._out, self._every = action, out or sys.stderr, every
        self._last = 0.0

    def update(self, summary: Summary) -> None:
        now = time.monotonic()
        if now - self._last < self._every:
            return
        self._last = now
        done = summary.delivered + summary.planned
        self._out.write(f"{self._action}: {summary.read:,} read, {done:,} delivered, {summary.failed:,} failed\n")
        self._out.flush()

    def __enter__(self) -> PlainProgress:
        self._out.write("(no progress bar: pip install 'cio-connector[bulk]' for one)\n")
        return self

    def __exit__(self, *exc: object) -> None:
        return None


class ProgressBar:
    """Records/s, delivered, failed, and an ETA from the bytes of the input file read so far (none for a pipe)."""

    def __init__(self, records: RecordFile, *, action: str) -> None:
        from rich.console import Console
        from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

        self._records = records
        columns: list[Any] = [TextColumn("[bold]{task.description}")]
        if records.total_bytes:
            columns += [BarColumn(), TimeRemainingColumn()]
        columns += [
            TextColumn("{task.fields[rate]:>9} rec/s"),
            TextColumn("[green]{task.fields[delivered]:,} delivered"),
            TextColumn("[red]{task.fields[failed]:,} failed"),
            TimeElapsedColumn(),
        ]
        self._progress = Progress(*columns, console=Console(stderr=True), transient=False)
        self._task = self._progress.add_task(action, total=records.total_bytes or None, rate="-", delivered=0, failed=0)

    def update(self, summary: Summary) -> None:
        elapsed = summary.elapsed
        rate = f"{summary.settled / elapsed:,.0f}" if elapsed > 0 else "-"
        self._progress.update(self._task, completed=self._records.consumed_bytes, rate=rate,
                              delivered=summary.delivered + summary.planned, failed=summary.failed)

    def __enter__(self) -> ProgressBar:
        self._progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._progress.stop()

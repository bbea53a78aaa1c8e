"""The terminal progress bar: rich's ``Progress``, because it redraws from its own thread at a fixed rate
(so updating it per batch costs nothing), handles terminal width and non-TTY output, and is widely kept."""

from __future__ import annotations

from typing import Any

from .ledger import Summary
from .records import RecordFile

__all__ = ["ProgressBar"]


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

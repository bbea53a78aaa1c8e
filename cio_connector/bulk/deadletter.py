"""The dead-letter file: one JSON line per failed record, in a shape ``run --records`` reads back."""

from __future__ import annotations

import json
from pathlib import Path
from typing import IO

from .ledger import Failure

__all__ = ["DeadLetter"]


class DeadLetter:
    """Appends failures as they happen (flushed per line), so an interrupted run loses none of them."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.count = 0
        self._file: IO[str] = open(self.path, "w", encoding="utf-8")  # noqa: SIM115 (closed by close())

    def write(self, failure: Failure) -> None:
        self._file.write(json.dumps(failure.to_dead_letter(), ensure_ascii=False, default=str) + "\n")
        self._file.flush()
        self.count += 1

    def close(self) -> None:
        self._file.close()

    def __enter__(self) -> DeadLetter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

"""Exactly-once accounting: every record read ends delivered or failed with a reason, never both, never neither."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .batching import Ticket

__all__ = ["Failure", "Ledger", "Summary"]


@dataclass(frozen=True)
class Failure:
    """Why one record was not delivered, in the dead-letter file's shape.

    ``problems`` are structured: ``{"path", "field", "reason", "message"}`` where ``path`` is the
    config field to fix (when known) and ``field``/``reason`` are Customer.io's own words.
    """

    index: int
    record: Any
    action: str
    error: str
    message: str
    attempts: int
    problems: tuple[dict[str, Any], ...] = ()

    def to_dead_letter(self) -> dict[str, Any]:
        return {
            "record": self.record,
            "action": self.action,
            "error": self.error,
            "message": self.message,
            "attempts": self.attempts,
            "problems": list(self.problems),
        }


@dataclass
class Summary:
    """What a run did; ``read == delivered + failed`` (or ``planned + failed`` in a dry run) when it ends."""

    action: str
    dry_run: bool = False
    read: int = 0
    delivered: int = 0
    planned: int = 0
    failed: int = 0
    requests: int = 0
    retries: int = 0
    interrupted: bool = False
    aborted: str | None = None
    started: float = field(default_factory=time.monotonic)
    finished: float | None = None
    errors: Counter[str] = field(default_factory=Counter)

    @property
    def elapsed(self) -> float:
        return (self.finished or time.monotonic()) - self.started

    @property
    def settled(self) -> int:
        return self.delivered + self.planned + self.failed

    def to_dict(self) -> dict[str, Any]:
        elapsed = self.elapsed
        return {
            "action": self.action,
            "dry_run": self.dry_run,
            "read": self.read,
            "delivered": self.delivered,
            "planned": self.planned,
            "failed": self.failed,
            "requests": self.requests,
            "retries": self.retries,
            "interrupted": self.interrupted,
            "aborted": self.aborted,
            "seconds": round(elapsed, 3),
            "records_per_second": round(self.settled / elapsed, 1) if elapsed > 0 else None,
            "failures_by_error": dict(sorted(self.errors.items())),
        }


class Ledger:
    """Settles each ticket once; a second settlement of the same record is a bug, raised loudly."""

    def __init__(self, action: str, *, dry_run: bool = False, on_failure: Callable[[Failure], None] | None = None) -> None:
        self.summary = Summary(action, dry_run=dry_run)
        self._open: set[int] = set()
        self._on_failure = on_failure

    def opened(self, index: int) -> None:
        self.summary.read += 1
        self._open.add(index)

    def delivered(self, tickets: list[Ticket]) -> None:
        for ticket in tickets:
            self._close(ticket.index)
        if self.summary.dry_run:
            self.summary.planned += len(tickets)
        else:
            self.summary.delivered += len(tickets)

    def failed(self, ticket: Ticket, error: str, message: str, attempts: int, problems: tuple[dict[str, Any], ...] = ()) -> None:
        self._close(ticket.index)
        self.summary.failed += 1
        self.summary.errors[error] += 1
        if self._on_failure is not None:
            self._on_failure(Failure(ticket.index, ticket.record, self.summary.action, error, message, attempts, problems))

    @property
    def unsettled(self) -> int:
        return len(self._open)

    def finish(self) -> Summary:
        if self._open:
            raise AssertionError(f"{len(self._open)} records were read but never settled (first: #{min(self._open)})")
        self.summary.finished = time.monotonic()
        return self.summary

    def _close(self, index: int) -> None:
        try:
            self._open.remove(index)
        except KeyError:
            raise AssertionError(f"record #{index} settled twice (or never opened)") from None

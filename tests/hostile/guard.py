"""A hang detector for hostile-input tests: generous (5 s), never a timing assertion."""

from __future__ import annotations

import signal
from collections.abc import Iterator
from contextlib import contextmanager

HANG_SECONDS = 5


@contextmanager
def no_hang(seconds: int = HANG_SECONDS) -> Iterator[None]:
    """Fail instead of hanging when a probe is not bounded (the probes themselves take milliseconds)."""

    def hung(signum: int, frame: object) -> None:
        raise AssertionError(f"the probe did not end within {seconds} s: it is not bounded")

    previous = signal.signal(signal.SIGALRM, hung)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)

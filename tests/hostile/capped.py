"""Run ``cio-connector`` in a child process under a memory cap and a deadline: a hang or blow-up fails the test.

The bounds are far above what a bounded command needs (it takes well under a second and a few
hundred MB of address space); they only catch a probe that is not bounded at all. No timing is asserted.
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

#: Address space of the child: a billion-laughs document or a read of /dev/zero runs into it at once.
MEMORY_CAP = 1 << 30
#: A FIFO read or a symlink loop never ends; a bounded command ends long before this.
DEADLINE_SECONDS = 60


@dataclass(frozen=True)
class Outcome:
    code: int
    out: str
    err: str

    @property
    def last_line(self) -> str:
        lines = self.err.strip().splitlines()
        return lines[-1] if lines else ""


def _cap_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_CAP, MEMORY_CAP))


def run_cli(*args: str, cwd: Path, stdin: bytes | None = None, env: dict[str, str] | None = None) -> Outcome:
    """``python -m cio_connector.cli *args`` in ``cwd``; asserts it ended by itself, without a traceback."""
    try:
        done = subprocess.run(
            [sys.executable, "-m", "cio_connector.cli", *args], cwd=cwd, input=stdin,
            stdin=None if stdin is not None else subprocess.DEVNULL, capture_output=True,
            timeout=DEADLINE_SECONDS, preexec_fn=_cap_memory, env={**os.environ, **(env or {})},
        )
    except subprocess.TimeoutExpired:
        raise AssertionError(f"cio-connector {' '.join(args)} did not end within {DEADLINE_SECONDS} s: not bounded") from None
    outcome = Outcome(done.returncode, done.stdout.decode(errors="replace"), done.stderr.decode(errors="replace"))
    assert done.returncode >= 0, f"killed by signal {-done.returncode}: {outcome.err[-2000:]}"
    assert "Traceback" not in outcome.err and "MemoryError" not in outcome.err, outcome.err[-2000:]
    return outcome

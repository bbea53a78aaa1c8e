"""One finding of validate, lint or diff: where it is, what is wrong, how serious."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

__all__ = ["FileResult", "Finding", "Level"]

#: ``error`` fails the run (exit 1); ``warning`` and ``note`` are shown and do not.
Level = Literal["error", "warning", "note"]


@dataclass(frozen=True)
class Finding:
    """``file:line:column: where: message``; ``where`` is ``step.field`` or a path in the file."""

    file: str
    message: str
    where: str = "$"
    line: int | None = None
    column: int | None = None
    level: Level = "error"
    code: str = "invalid"
    #: Anything a machine-readable format may add (the record fields a template uses, ...).
    extra: dict[str, object] = field(default_factory=dict, compare=False)

    def __str__(self) -> str:
        return f"{self.position}: {self.where}: {self.text}"

    @property
    def position(self) -> str:
        return f"{self.file}:{self.line}:{self.column}" if self.line else self.file

    @property
    def text(self) -> str:
        """The message, prefixed with its level unless it is an error."""
        return self.message if self.level == "error" else f"{self.level}: {self.message}"

    def to_dict(self) -> dict[str, object]:
        data: dict[str, object] = {
            "file": self.file,
            "line": self.line,
            "column": self.column,
            "where": self.where,
            "message": self.message,
            "level": self.level,
            "code": self.code,
        }
        return {**data, **self.extra}


@dataclass
class FileResult:
    """Everything found in one file; ``unreadable`` says why it could not be checked at all."""

    file: str
    findings: list[Finding] = field(default_factory=list)
    #: Templated values whose rendered value is only checked once a record exists.
    deferred: list[Finding] = field(default_factory=list)
    unreadable: str | None = None

    @property
    def ok(self) -> bool:
        return self.unreadable is None and not any(f.level == "error" for f in self.findings)

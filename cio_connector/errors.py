"""The connector's one error hierarchy; every error says what the caller should do next.

    CioConnectorError                 base of everything raised here
    ├── ManifestError                 a manifest (YAML) is malformed: fix the plugin
    ├── InputError                    an action config is invalid: fix the config
    ├── ConnectionConfigError         connection JSON missing/malformed: fix the connection
    │   ├── AuthenticationError       a credential was refused (.credential names which)
    │   └── RegionMismatchError       the workspace lives in the other region (.actual_region)
    └── ApiError                      Customer.io answered with a failure (.status)
        ├── RetryableApiError         429, 408, 5xx, timeouts, network: try again later
        └── FatalApiError             other 4xx: this request will never succeed as is

Problems carry a JSON path (``$.matching_value``), the field's label, and a message that never
contains a secret value.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from ._util.jsonpath import json_path, parse_json_path

__all__ = [
    "ApiError",
    "AuthenticationError",
    "CioConnectorError",
    "ConnectionConfigError",
    "FatalApiError",
    "InputError",
    "ManifestError",
    "Problem",
    "RegionMismatchError",
    "RetryableApiError",
]


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong with an input, at a JSON path, in words a person can act on."""

    path: str
    message: str
    label: str | None = field(default=None, compare=False)
    source: str | None = field(default=None, compare=False)
    line: int | None = field(default=None, compare=False)
    column: int | None = field(default=None, compare=False)
    code: str | None = field(default=None, compare=False)
    #: The path as keys and indexes, for mapping back to a YAML or JSON source position. Derived
    #: from ``path`` when not given; when given, it must be the same path.
    location: tuple[str | int, ...] = field(default=None, compare=False, repr=False)  # type: ignore[arg-type]

    def __post_init__(self) -> None:
        if self.location is None:
            try:
                object.__setattr__(self, "location", parse_json_path(self.path))
            except ValueError:
                object.__setattr__(self, "location", ())
        else:
            object.__setattr__(self, "location", tuple(self.location))
            if json_path(self.location) != self.path:
                raise ValueError(f"Problem path {self.path!r} and location {self.location!r} disagree")

    @classmethod
    def at(cls, location: tuple[str | int, ...], message: str, **details: Any) -> Problem:
        """A problem at ``location`` (keys and indexes); its path is spelled from it."""
        return cls(json_path(location), message, location=tuple(location), **details)

    def __str__(self) -> str:
        where = self.path
        if self.source:
            position = f":{self.line}:{self.column}" if self.line else ""
            where = f"{self.source}{position}: {self.path}"
        return f"{where}: {self.message}"

    def to_dict(self) -> dict[str, object]:
        data = {
            "path": self.path,
            "message": self.message,
            "label": self.label,
            "source": self.source,
            "line": self.line,
            "column": self.column,
            "code": self.code,
        }
        return {key: value for key, value in data.items() if value is not None}


class CioConnectorError(Exception):
    """Base of every error the connector raises."""


class _ProblemsError(CioConnectorError):
    def __init__(self, problems: Iterable[Problem], *, headline: str) -> None:
        self.problems: tuple[Problem, ...] = tuple(problems)
        self.headline = headline
        super().__init__(self._render())

    def _render(self) -> str:
        if not self.problems:
            return self.headline
        lines = "\n".join(f"  - {problem}" for problem in self.problems)
        return f"{self.headline}:\n{lines}"


class ManifestError(_ProblemsError):
    """A connector or action manifest does not follow the manifest format."""

    def __init__(self, problems: Iterable[Problem], *, headline: str = "invalid manifest") -> None:
        super().__init__(problems, headline=headline)


class InputError(_ProblemsError):
    """An action config (after template rendering) does not satisfy the action's schema."""

    def __init__(
        self, problems: Iterable[Problem], *, action: str | None = None, headline: str | None = None
    ) -> None:
        self.action = action
        default = f"invalid input for action {action!r}" if action else "invalid input"
        super().__init__(problems, headline=headline or default)


class ConnectionConfigError(_ProblemsError):
    """The connection (region and credentials) is missing, malformed or refused."""

    def __init__(
        self, problems: Iterable[Problem] = (), *, headline: str = "invalid connection"
    ) -> None:
        super().__init__(problems, headline=headline)


class AuthenticationError(ConnectionConfigError):
    """Customer.io refused a credential; ``credential`` is ``"track"`` or ``"app"``."""

    def __init__(self, message: str, *, credential: str, status: int | None = None) -> None:
        self.credential = credential
        self.status = status
        path = "$.app_api_key" if credential == "app" else "$.track_api_key"
        super().__init__([Problem(path, message, code="auth")], headline=message)

    def _render(self) -> str:
        return self.headline


class RegionMismatchError(ConnectionConfigError):
    """The workspace is in the other data center than the connection says."""

    def __init__(self, message: str, *, actual_region: str | None, status: int | None = None) -> None:
        self.actual_region = actual_region
        self.status = status
        super().__init__([Problem("$.region", message, code="region")], headline=message)

    def _render(self) -> str:
        return self.headline


class ApiError(CioConnectorError):
    """Customer.io answered, or failed to answer, with something other than success."""

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        action: str | None = None,
        problems: Sequence[Problem] = (),
        retry_after: float | None = None,
    ) -> None:
        self.status = status
        self.action = action
        self.problems = tuple(problems)
        self.retry_after = retry_after
        super().__init__(message)


class RetryableApiError(ApiError):
    """A transient failure (rate limit, server error, timeout, network): retrying may succeed.

    ``not_sent`` is true when the request never reached Customer.io (connection refused), so a
    retry cannot duplicate it.
    """

    def __init__(self, message: str, *, not_sent: bool = False, **kwargs: Any) -> None:
        self.not_sent = not_sent
        super().__init__(message, **kwargs)


class FatalApiError(ApiError):
    """Customer.io rejected the request itself: retrying the same request will fail again."""

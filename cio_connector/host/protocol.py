"""The JSON CLI protocol for hosts in any language: ``check``, ``options``, ``execute``.

Each command reads JSON files (``-`` is stdin), writes exactly one JSON document to stdout and
logs only to stderr. The exit code says what to do next:

    0  done
    1  invalid input: the document lists every problem; nothing was sent
    2  usage: unknown command, action, field or option; nothing was sent
    3  Customer.io refused (credentials, region, the request) or failed (outage, rate limit)
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from typing import Any, TextIO

from ..errors import (
    ApiError,
    AuthenticationError,
    CioConnectorError,
    ConnectionConfigError,
    InputError,
    Problem,
    RegionMismatchError,
    RetryableApiError,
)
from ..loader import load_connector
from ..runtime import Connector

__all__ = ["EXIT_INVALID", "EXIT_OK", "EXIT_REFUSED", "EXIT_USAGE", "Outcome", "check", "emit", "execute", "options", "usage"]

EXIT_OK, EXIT_INVALID, EXIT_USAGE, EXIT_REFUSED = 0, 1, 2, 3


@dataclass(frozen=True)
class Outcome:
    """A command's one document and its exit code."""

    code: int
    document: dict[str, Any]


class _Stop(Exception):
    def __init__(self, outcome: Outcome) -> None:
        self.outcome = outcome


def emit(outcome: Outcome, out: TextIO | None = None) -> int:
    print(json.dumps(outcome.document, ensure_ascii=False), file=out or sys.stdout, flush=True)
    return outcome.code


def usage(command: str, message: str) -> Outcome:
    return Outcome(EXIT_USAGE, {"command": command, "outcome": "usage", "message": message})


def _invalid(command: str, message: str, problems: Iterable[Problem]) -> Outcome:
    document = {"command": command, "outcome": "invalid", "message": message, "problems": [p.to_dict() for p in problems]}
    return Outcome(EXIT_INVALID, document)


def _refused(command: str, exc: CioConnectorError) -> Outcome:
    """Customer.io's answer: ``refused`` (fix something first) or ``failed`` (try again later)."""
    retryable = isinstance(exc, RetryableApiError)
    document = {
        "command": command,
        "outcome": "failed" if retryable else "refused",
        "message": str(exc),
        "status": getattr(exc, "status", None),
        "retryable": retryable,
        "problems": [p.to_dict() for p in getattr(exc, "problems", ())],
    }
    if isinstance(exc, ApiError) and exc.retry_after is not None:
        document["retry_after"] = exc.retry_after
    return Outcome(EXIT_REFUSED, document)


def _from(source: str, problems: Iterable[Problem]) -> list[Problem]:
    """``problems`` of ``source``, unless one already says where it comes from."""
    return [p if p.source else replace(p, source=source) for p in problems]


class Inputs:
    """Reads the JSON inputs; ``-`` means stdin, which can be read only once."""

    def __init__(self, command: str, stdin: TextIO | None = None) -> None:
        self.command = command
        self.stdin = stdin or sys.stdin
        self._stdin_used_by: str | None = None

    def load(self, name: str, where: str | None) -> Any:
        if where is None:
            return None
        if where == "-":
            if self._stdin_used_by is not None:
                raise _Stop(usage(self.command, f"--{name} and --{self._stdin_used_by} cannot both read stdin (-)"))
            self._stdin_used_by = name
            text, shown = self.stdin.read(), "stdin"
        else:
            try:
                with open(where, encoding="utf-8") as handle:
                    text, shown = handle.read(), where
            except (OSError, UnicodeDecodeError) as exc:
                reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
                problem = Problem("$", f"cannot read {where}: {reason}", source=name)
                raise _Stop(_invalid(self.command, f"cannot read --{name}", [problem])) from None
        try:
            return json.loads(text)
        except json.JSONDecodeError as exc:
            problem = Problem("$", f"{shown} is not JSON: {exc.msg}", source=name, line=exc.lineno, column=exc.colno)
            raise _Stop(_invalid(self.command, f"--{name} is not JSON", [problem])) from None


def _run(command: str, body: Callable[[], Outcome]) -> Outcome:
    try:
        return body()
    except _Stop as stop:
        return stop.outcome
    except InputError as exc:  # the config, or the config and the connection together
        return _invalid(command, f"{exc.headline}, nothing was sent", _from("config", exc.problems))
    except (AuthenticationError, RegionMismatchError, ApiError) as exc:
        return _refused(command, exc)
    except ConnectionConfigError as exc:
        problems = _from("connection", exc.problems or [Problem("$", exc.headline)])
        return _invalid(command, "invalid connection, nothing was sent", problems)
    except CioConnectorError as exc:  # anything else the connector refused: the input, not Customer.io
        return _invalid(command, str(exc), getattr(exc, "problems", ()))


def check(
    connection_file: str, *, allow_custom_endpoints: bool = False, connector: Connector | None = None, stdin: TextIO | None = None
) -> Outcome:
    """Each credential and the region against Customer.io: 0 all accepted, 3 any refused."""

    def body() -> Outcome:
        active = connector or load_connector()
        connection = Inputs("check", stdin).load("connection", connection_file)
        # a malformed connection raises ConnectionConfigError with every problem (see _run); parsed once
        parsed = active.connection(connection, allow_custom_endpoints=allow_custom_endpoints)
        report = active.check_connection(parsed)
        outcome = "ok" if report.ok else "refused"
        return Outcome(EXIT_OK if report.ok else EXIT_REFUSED, {"command": "check", "outcome": outcome, **report.to_dict()})

    return _run("check", body)


def options(
    action: str, field: str, connection_file: str, *, allow_custom_endpoints: bool = False,
    connector: Connector | None = None, stdin: TextIO | None = None,
) -> Outcome:
    """The live choices of a field with dynamic options, as ``[{value, label}]``."""

    def body() -> Outcome:
        active = connector or load_connector()
        _known_action(active, "options", action)
        with_options = [f.key for f in active.actions[action].manifest.fields if f.options is not None]
        if field not in with_options:
            known = ", ".join(with_options) or "none"
            return usage("options", f"{action}.{field} has no dynamic options; fields with options: {known}")
        connection = Inputs("options", stdin).load("connection", connection_file)
        found = active.options(action, field, connection, allow_custom_endpoints=allow_custom_endpoints)
        return Outcome(EXIT_OK, {"command": "options", "outcome": "ok", "action": action, "field": field, "options": found})

    return _run("options", body)


def execute(
    action: str, config_file: str, connection_file: str, *, record_file: str | None = None, dry_run: bool = False,
    allow_custom_endpoints: bool = False, connector: Connector | None = None, stdin: TextIO | None = None,
) -> Outcome:
    """Validate config, record and connection together (every problem at once), then send or describe."""

    def body() -> Outcome:
        active = connector or load_connector()
        _known_action(active, "execute", action)
        inputs = Inputs("execute", stdin)
        config = inputs.load("config", config_file)
        connection = inputs.load("connection", connection_file)
        record = inputs.load("record", record_file)
        # one check, config and connection together, then the request built once (InputError: see _run)
        result = active.execute(
            action, config, connection, record=record, dry_run=dry_run, allow_custom_endpoints=allow_custom_endpoints
        )
        outcome = "dry_run" if dry_run else "executed"
        return Outcome(EXIT_OK, {"command": "execute", "outcome": outcome, "result": result.to_dict()})

    return _run("execute", body)


def _known_action(connector: Connector, command: str, action: str) -> None:
    if action not in connector.actions:
        raise _Stop(usage(command, f"unknown action {action!r}; known actions: {', '.join(connector.actions)}"))

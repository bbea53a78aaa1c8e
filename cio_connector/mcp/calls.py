"""A tool call, run through the connector's own path: validate -> handler -> client -> result.

``ToolRunner.call`` never raises for anything an agent or Customer.io can cause: bad arguments, a
refused credential, a failed call each become an error outcome in words the agent can act on.
Nothing here imports the MCP SDK (``server`` adapts outcomes to it), and no outcome, log line or
error carries a secret: requests are described masked, problems never echo a connection value.
"""

from __future__ import annotations

import logging
import time
import traceback
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

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
from ..runtime import Connector
from .catalog import DRY_RUN, ToolSpec, tool_catalog
from .connection_source import ServerConnection

__all__ = ["ARGUMENTS", "ToolOutcome", "ToolRunner", "UnknownToolError", "arguments_config"]

logger = logging.getLogger("cio_connector.mcp")

#: The ``source`` of a problem in the tool's arguments (the connector says ``config``).
ARGUMENTS = "arguments"
_CONNECTION = "connection"
_CREDENTIALS = {"track": ("site_id", "track_api_key"), "app": ("app_api_key",)}


class UnknownToolError(CioConnectorError):
    """No tool has this name (a protocol error, not a tool result)."""


@dataclass(frozen=True)
class ToolOutcome:
    """A tool's result: structured content on success, and the text an agent reads either way."""

    text: str
    structured: Mapping[str, Any] | None = None
    is_error: bool = False


def arguments_config(arguments: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    """The config and record that run ``arguments`` as given: ``(config, record)``.

    An agent sends values, not templates. The arguments are the config, so validation, labels,
    paths, the compiled fast path and the request are exactly ``execute``'s; but a text that looks
    like a template (``Hi {{ customer.name }}`` is Liquid meant for Customer.io) is moved into the
    record and read back from there by ``{{ record.<slot> }}``, so nothing an agent sends is ever
    rendered.
    """
    from ..declarative.jsonsafe import MAX_DEPTH
    from ..pipeline.templating import is_template  # jinja2 on first use, as the pipeline does

    record: dict[str, str] = {}

    def literal(value: Any, depth: int) -> Any:
        if depth > MAX_DEPTH:  # the pipeline refuses nesting this deep before rendering anything
            return value
        if isinstance(value, Mapping):
            return {key: literal(item, depth + 1) for key, item in value.items()}
        if isinstance(value, list):
            return [literal(item, depth + 1) for item in value]
        if is_template(value):
            slot = f"text{len(record)}"
            record[slot] = value
            return f"{{{{ record.{slot} }}}}"
        return value

    return literal(arguments, 0), record


class ToolRunner:
    """Runs the tools of ``tool_catalog(connector)`` against one connection."""

    def __init__(
        self,
        connector: Connector,
        connection: ServerConnection,
        *,
        allow_custom_endpoints: bool = False,
        tools: Iterable[ToolSpec] | None = None,
    ) -> None:
        self.connector = connector
        self.connection = connection
        self.allow_custom_endpoints = allow_custom_endpoints
        self.tools: dict[str, ToolSpec] = {tool.name: tool for tool in (tool_catalog(connector) if tools is None else tools)}

    async def call(self, name: str, arguments: Mapping[str, Any] | None) -> ToolOutcome:
        """Run tool ``name``; raises only ``UnknownToolError``. Logs one line per call at INFO: the
        tool, ok or error, and milliseconds (never an argument: they may be personal data)."""
        tool = self.tools.get(name)
        if tool is None:
            raise UnknownToolError(f"unknown tool {name!r}; known tools: {', '.join(self.tools)}")
        started = time.perf_counter()
        outcome = await self._run(tool, {} if arguments is None else arguments)
        elapsed = (time.perf_counter() - started) * 1000
        logger.info("tool %s -> %s in %.0f ms", name, "error" if outcome.is_error else "ok", elapsed)
        return outcome

    async def _run(self, tool: ToolSpec, arguments: Any) -> ToolOutcome:
        name = tool.name
        try:
            if not isinstance(arguments, Mapping):
                return self._invalid(name, [Problem("$", "must be an object of argument values", source=ARGUMENTS)])
            if tool.kind == "action":
                return await self._action(tool, arguments)
            if arguments:
                return self._invalid(name, [_unknown(key) for key in arguments])
            if tool.kind == "check_connection":
                return await self._check_connection()
            return await self._options(tool)
        except (AuthenticationError, RegionMismatchError) as exc:
            return self._refused_connection(exc)
        except ConnectionConfigError as exc:
            if not exc.problems:  # e.g. a credential HTTP cannot carry: nothing to point at but the whole
                return ToolOutcome(f"The server's connection cannot be used ({self.connection.origin}): {exc}", is_error=True)
            return self._invalid(name, _sourced(exc.problems, _CONNECTION))
        except InputError as exc:
            return self._invalid(name, exc.problems)
        except ApiError as exc:
            return self._api_error(tool, exc)
        except CioConnectorError as exc:
            return ToolOutcome(f"{name} failed: {exc}", is_error=True)
        except Exception as exc:  # a bug: say so without its message (it may hold a value)
            trace = "".join(traceback.format_tb(exc.__traceback__))
            logger.error("tool %s failed with %s:\n%s", name, type(exc).__name__, trace)
            text = f"{name} failed with an internal error ({type(exc).__name__}); the server's log says where"
            return ToolOutcome(text, is_error=True)

    async def aclose(self) -> None:
        await self.connector.aclose()

    # -- the tools ---------------------------------------------------------------------------
    async def _action(self, tool: ToolSpec, arguments: Mapping[str, Any]) -> ToolOutcome:
        assert tool.action is not None
        given = dict(arguments)
        dry_run = given.pop(DRY_RUN, False)
        config, record = arguments_config(given)
        if not isinstance(dry_run, bool):
            problem = Problem(f"$.{DRY_RUN}", "must be true or false", label="Dry run", source=ARGUMENTS)
            return self._invalid(tool.name, [problem, *self._problems(tool.action, config, record)])
        result = await self.connector.aexecute(
            tool.action, config, self.connection.data, record=record, dry_run=dry_run,
            allow_custom_endpoints=self.allow_custom_endpoints,
        )
        title = self.connector.action(tool.action).manifest.title
        request = result.request
        if result.dry_run:
            summary = f"{title}: dry run, nothing sent. It would send {request['method']} {request['url']}."
        else:
            summary = f"{title}: done. Customer.io answered {result.status}."
        return _success(summary, result.to_dict())

    async def _check_connection(self) -> ToolOutcome:
        report = await self.connector.acheck_connection(self.connection.data, allow_custom_endpoints=self.allow_custom_endpoints)
        document = report.to_dict()
        if report.ok:
            return _success("The connection works: " + "; ".join(c.message for c in report.checks) + ".", document)
        failed = [f"{c.message} ({self.connection.where(c.name)})" for c in report.checks if not c.ok]
        return _success("The connection does NOT work: " + "; ".join(failed) + ".", document)

    async def _options(self, tool: ToolSpec) -> ToolOutcome:
        target = tool.targets[0]
        options = await self.connector.aoptions(
            target.action, target.field, self.connection.data, allow_custom_endpoints=self.allow_custom_endpoints
        )
        shown = "; ".join(f"{o['value']} = {o['label']}" for o in options[:50])
        more = f" (and {len(options) - 50} more)" if len(options) > 50 else ""
        summary = f"{len(options)} found" + (f": {shown}{more}" if options else "")
        return _success(summary, {"options": options})

    # -- what went wrong ---------------------------------------------------------------------
    def _problems(self, action: str, config: Mapping[str, Any], record: Mapping[str, Any]) -> list[Problem]:
        """Every problem with the arguments and the connection (the connector's one check), none sent."""
        return self.connector.problems(
            action, config, self.connection.data, record=record, allow_custom_endpoints=self.allow_custom_endpoints
        )

    def _invalid(self, tool: str, problems: Sequence[Problem]) -> ToolOutcome:
        lines = [self._line(p) for p in problems]
        if problems and all(p.source == _CONNECTION for p in problems):
            text = f"The server's connection is invalid ({self.connection.origin}); nothing was sent."
        else:
            text = f"Invalid input for {tool}; nothing was sent."
        return ToolOutcome("\n".join([text, *lines]), is_error=True)

    def _api_error(self, tool: ToolSpec, exc: ApiError) -> ToolOutcome:
        """Customer.io's own words, and the arguments they point at (with their labels)."""
        tree = self.connector.action(tool.action).tree if tool.action else None
        lines = []
        for problem in exc.problems:
            if problem.path != "$":
                label = tree.label_for(problem.location) if tree else None
                lines.append(f"- {problem.path}{f' ({label})' if label else ''}: {problem.message}")
        if isinstance(exc, RetryableApiError):
            later = f" in {exc.retry_after:g} s" if exc.retry_after is not None else " later"
            text = f"{exc}. Try again{later}."
        else:
            text = f"{exc}. Retrying will not help: fix what it names."
        return ToolOutcome("\n".join([text, *lines]), is_error=True)

    def _line(self, problem: Problem) -> str:
        label = f" ({problem.label})" if problem.label else ""
        if problem.source == _CONNECTION:
            key = problem.location[0] if problem.location else None
            return f"- connection {problem.path}{label}: {problem.message} [set in {self.connection.where(str(key))}]"
        return f"- {problem.path}{label}: {problem.message}"

    def _refused_connection(self, exc: AuthenticationError | RegionMismatchError) -> ToolOutcome:
        if isinstance(exc, AuthenticationError):
            keys = _CREDENTIALS.get(exc.credential, ())
            which = "Track API credentials (site_id, track_api_key)" if exc.credential == "track" else "App API key (app_api_key)"
        else:
            keys, which = ("region",), "region"
        places = sorted({self.connection.where(k) for k in keys})
        text = f"Customer.io refused the {which}: {exc}. Fix it in {', '.join(places)}; nothing was done."
        if not isinstance(exc, RegionMismatchError):  # Customer.io answers a key sent to the other data center with 401
            text += " (if the keys are right, the region may not be: check_connection says which)"
        return ToolOutcome(text, is_error=True)


def _sourced(problems: Iterable[Problem], source: str) -> list[Problem]:
    return [p if p.source else replace(p, source=source) for p in problems]


def _unknown(key: Any) -> Problem:
    return Problem.at((str(key),), "is not an argument of this tool; it takes none", source=ARGUMENTS, code="unknown_field")


def _success(summary: str, document: Mapping[str, Any]) -> ToolOutcome:
    return ToolOutcome(summary, structured=document)

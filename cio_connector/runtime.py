"""The connector a host loads: validate -> render -> dispatch -> send -> result, in one place."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import httpx

from .actions import Action
from .bundle import bundle_root
from .check import Check, ConnectionReport, run_checks, run_checks_async
from .connection import Connection, ConnectionParser
from .errors import ConnectionConfigError, InputError, ManifestError, Problem
from .http import ApiResponse, AsyncCioClient, CioClient, describe_request
from .manifest import ConnectorManifest, DynamicOptions, load_action_manifest, load_connector_manifest, locate
from .options import OptionsCache, fetch_options, fetch_options_async
from .registry import HandlerRegistry, handlers
from .request import ApiRequest
from .schema import action_schema, connection_schema
from .templating import template_locations

__all__ = ["ActionResult", "Connector", "load_connector"]


@dataclass(frozen=True)
class ActionResult:
    """What an action did: the request (credentials masked) and Customer.io's answer."""

    action: str
    request: Mapping[str, Any]
    dry_run: bool = False
    status: int | None = None
    response: Any = None
    attempts: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "action": self.action,
            "dry_run": self.dry_run,
            "request": dict(self.request),
            "status": self.status,
            "response": self.response,
            "attempts": self.attempts,
        }


@dataclass
class Connector:
    manifest: ConnectorManifest
    actions: Mapping[str, Action]
    connection_schema: Mapping[str, Any]
    options_cache: OptionsCache = field(default_factory=OptionsCache)

    def __post_init__(self) -> None:
        self._connections = ConnectionParser(self.manifest, self.connection_schema)

    # -- actions ---------------------------------------------------------------------------
    def action(self, name: str) -> Action:
        try:
            return self.actions[name]
        except KeyError:
            known = ", ".join(self.actions)
            raise InputError(
                [Problem("$", f"unknown action {name!r}; known actions: {known}", code="unknown_action")],
                action=name,
            ) from None

    def validate(
        self, action: str, config: Any, *, record: Any = None, context: Mapping[str, Any] | None = None
    ) -> list[Problem]:
        """Every problem with ``config``. Without a record, templated values are checked for syntax only.

        Once every value is concrete, the request is built too, so a body over what the endpoint
        accepts (Track v2's 32,000 bytes per entity) is reported here, not only when sending.
        """
        ctx = _context(record, context)
        chosen = self.action(action)
        rendered, problems = chosen.check(config, ctx)
        if problems or (ctx is None and any(template_locations(config))):
            return problems
        return _size_problems(chosen, chosen.handler(rendered))

    def prepare(
        self, action: str, config: Any, *, record: Any = None, context: Mapping[str, Any] | None = None
    ) -> dict[str, Any]:
        """The rendered, validated inputs a handler receives; raises ``InputError`` with all problems."""
        ctx = _context(record, context)
        rendered, problems = self.action(action).check(config, ctx if ctx is not None else {"record": {}})
        if problems:
            raise InputError(problems, action=action)
        return dict(rendered)

    def build_request(
        self, action: str, config: Any, *, record: Any = None, context: Mapping[str, Any] | None = None
    ) -> ApiRequest:
        inputs = self.prepare(action, config, record=record, context=context)
        request = self.action(action).handler(inputs)
        problems = _size_problems(self.action(action), request)
        if problems:
            raise InputError(problems, action=action)
        return request

    def execute(
        self,
        action: str,
        config: Any,
        connection: Any,
        *,
        record: Any = None,
        context: Mapping[str, Any] | None = None,
        dry_run: bool = False,
        client: CioClient | None = None,
        allow_custom_endpoints: bool = False,
    ) -> ActionResult:
        """Validate, build the request, and send it (or, with ``dry_run``, only describe it)."""
        _require(client, CioClient, "execute", "aexecute")
        conn, request, described = self._plan(action, config, connection, record, context, allow_custom_endpoints)
        if dry_run:
            return ActionResult(action, described, dry_run=True)
        active = client or CioClient(conn)
        try:
            response = active.send(request, action=action)
        finally:
            if client is None:
                active.close()
        return _result(action, described, response)

    async def aexecute(
        self,
        action: str,
        config: Any,
        connection: Any,
        *,
        record: Any = None,
        context: Mapping[str, Any] | None = None,
        dry_run: bool = False,
        client: AsyncCioClient | None = None,
        allow_custom_endpoints: bool = False,
    ) -> ActionResult:
        """``execute`` for asyncio hosts: the same validation and request, sent with ``AsyncCioClient``."""
        _require(client, AsyncCioClient, "aexecute", "execute")
        conn, request, described = self._plan(action, config, connection, record, context, allow_custom_endpoints)
        if dry_run:
            return ActionResult(action, described, dry_run=True)
        active = client or AsyncCioClient(conn)
        try:
            response = await active.send(request, action=action)
        finally:
            if client is None:
                await active.aclose()
        return _result(action, described, response)

    def _plan(
        self, action: str, config: Any, connection: Any, record: Any,
        context: Mapping[str, Any] | None, allow_custom_endpoints: bool,
    ) -> tuple[Connection, ApiRequest, dict[str, Any]]:
        """Everything before sending, shared by both APIs: connection, request, its masked description."""
        conn = self.connection(connection, allow_custom_endpoints=allow_custom_endpoints)
        request = self.build_request(action, config, record=record, context=context)
        return conn, request, describe_request(conn, request)

    # -- connection ------------------------------------------------------------------------
    def validate_connection(self, connection: Any, *, allow_custom_endpoints: bool = False) -> list[Problem]:
        return self._connections.problems(connection, allow_custom_endpoints=allow_custom_endpoints)

    def connection(self, connection: Any, *, allow_custom_endpoints: bool = False) -> Connection:
        if isinstance(connection, Connection):
            return connection
        return self._connections.parse(connection, allow_custom_endpoints=allow_custom_endpoints)

    def check_connection(
        self,
        connection: Any,
        *,
        transport: httpx.BaseTransport | None = None,
        allow_custom_endpoints: bool = False,
        client: CioClient | None = None,
    ) -> ConnectionReport:
        """Each credential and the region checked against Customer.io; never raises for a bad key."""
        _require(client, CioClient, "check_connection", "acheck_connection")
        conn = self._checkable(connection, allow_custom_endpoints)
        if isinstance(conn, ConnectionReport):
            return conn
        owned = client is None
        client = client or CioClient(conn, transport=transport)
        try:
            return run_checks(conn, client)
        finally:
            if owned:
                client.close()

    async def acheck_connection(
        self,
        connection: Any,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        allow_custom_endpoints: bool = False,
        client: AsyncCioClient | None = None,
    ) -> ConnectionReport:
        _require(client, AsyncCioClient, "acheck_connection", "check_connection")
        conn = self._checkable(connection, allow_custom_endpoints)
        if isinstance(conn, ConnectionReport):
            return conn
        active = client or AsyncCioClient(conn, transport=transport)
        try:
            return await run_checks_async(conn, active)
        finally:
            if client is None:
                await active.aclose()

    def _checkable(self, connection: Any, allow_custom_endpoints: bool) -> Connection | ConnectionReport:
        """The parsed connection, or the report of why it cannot be checked at all."""
        try:
            return self.connection(connection, allow_custom_endpoints=allow_custom_endpoints)
        except ConnectionConfigError as exc:
            checks = (Check(_check_name(p), False, f"{p.label or p.path}: {p.message}") for p in exc.problems)
            return ConnectionReport(tuple(checks))

    def options(
        self,
        action: str,
        field_key: str,
        connection: Any,
        *,
        client: CioClient | None = None,
        allow_custom_endpoints: bool = False,
    ) -> list[dict[str, Any]]:
        """Live choices for a field with dynamic options, e.g. the manual segments."""
        _require(client, CioClient, "options", "aoptions")
        spec, conn, key = self._options_plan(action, field_key, connection, allow_custom_endpoints)

        def load() -> list[dict[str, Any]]:
            active = client or CioClient(conn)
            try:
                return fetch_options(spec, active)
            finally:
                if client is None:
                    active.close()

        return self.options_cache.get(key, load)

    async def aoptions(
        self,
        action: str,
        field_key: str,
        connection: Any,
        *,
        client: AsyncCioClient | None = None,
        allow_custom_endpoints: bool = False,
    ) -> list[dict[str, Any]]:
        _require(client, AsyncCioClient, "aoptions", "options")
        spec, conn, key = self._options_plan(action, field_key, connection, allow_custom_endpoints)
        cached = self.options_cache.peek(key)
        if cached is not None:
            return cached
        active = client or AsyncCioClient(conn)
        try:
            value = await fetch_options_async(spec, active)
        finally:
            if client is None:
                await active.aclose()
        self.options_cache.put(key, value)
        return [dict(option) for option in value]

    def _options_plan(
        self, action: str, field_key: str, connection: Any, allow_custom_endpoints: bool
    ) -> tuple[DynamicOptions, Connection, tuple]:
        field = self.action(action).manifest.field(field_key)
        if field is None or field.options is None:
            dynamic = [f.key for f in self.action(action).manifest.fields if f.options]
            raise InputError(
                [Problem(f"$.{field_key}", f"has no dynamic options; fields with options: {', '.join(dynamic) or 'none'}",
                         code="no_options")],
                action=action,
            )
        conn = self.connection(connection, allow_custom_endpoints=allow_custom_endpoints)
        return field.options, conn, (*conn.cache_key(), field.options.model_dump_json())


def _require(client: Any, kind: type, method: str, other: str) -> None:
    if client is not None and not isinstance(client, kind):
        raise TypeError(f"{method}() takes a {kind.__name__} client; for a {type(client).__name__} use {other}()")


def _result(action: str, described: Mapping[str, Any], response: ApiResponse) -> ActionResult:
    return ActionResult(action, described, status=response.status, response=response.json, attempts=response.attempts)


def _size_problems(action: Action, request: ApiRequest) -> list[Problem]:
    too_large = request.size_problem()
    if too_large is None:
        return []
    return [replace(too_large, label=action.tree.label_for(too_large.location))]


def _check_name(problem: Problem) -> str:
    return str(problem.location[0]) if problem.location else "connection"


def _context(record: Any, context: Mapping[str, Any] | None) -> dict[str, Any] | None:
    if record is None and context is None:
        return None
    return {**(context or {}), "record": record if record is not None else {}}


def load_connector(root: Path | None = None, *, registry: HandlerRegistry | None = None) -> Connector:
    """Load ``connector.yaml`` and every action it lists, with their handlers.

    Schemas are generated from the manifests on load (what the committed ``schemas/`` must equal);
    every listed action needs a manifest and a handler, and every handler a manifest.
    """
    from . import handlers as _register  # noqa: F401  (registers the shipped handlers)

    root = root or bundle_root()
    registry = registry or handlers
    manifest = load_connector_manifest(root)
    problems: list[Problem] = []
    actions: dict[str, Action] = {}
    files = {path.stem: path for path in sorted((root / "actions").glob("*.yaml"))}
    listed = list(manifest.actions)
    for index, name in enumerate(listed):
        if name not in files:
            message = f"action {name!r} has no manifest actions/{name}.yaml"
            problems.append(locate(root, "connector.yaml", ("actions", index), message))
    for stem in files:
        if stem not in listed:
            problems.append(locate(root, "connector.yaml", ("actions",), f"actions/{stem}.yaml is not listed in connector.yaml"))
    for name in sorted(registry.names() - set(listed)):
        problems.append(locate(root, "connector.yaml", ("actions",), f"handler {name!r} has no action in connector.yaml"))
    for name in manifest.actions:
        if name not in files:
            continue
        try:
            action_manifest = load_action_manifest(files[name], manifest)
        except ManifestError as exc:
            problems.extend(exc.problems)
            continue
        if name not in registry.names():
            problems.append(locate(root, f"actions/{name}.yaml", ("name",), f"action {name!r} has no registered handler"))
            continue
        actions[name] = Action(action_manifest, action_schema(manifest, action_manifest), registry.get(name))
    if problems:
        raise ManifestError(problems)
    return Connector(manifest, actions, connection_schema(manifest))


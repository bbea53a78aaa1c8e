"""The connector a host loads: validate -> render -> dispatch -> send -> result, in one place."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field, replace
from typing import TYPE_CHECKING, Any

from ._util.lru import Lru
from .client.connection import Connection, ConnectionParser
from .client.options import OptionsCache
from .client.pool import ClientPool, http_module, require_client
from .declarative.models import ConnectorManifest, DynamicOptions
from .errors import ConnectionConfigError, InputError, Problem
from .pipeline.action import Action
from .pipeline.plan import ActionPlan
from .pipeline.request import ApiRequest

if TYPE_CHECKING:  # httpx is imported on first use: loading the connector does not need it
    import httpx

    from .client.connection_check import ConnectionReport
    from .client.http import ApiResponse, AsyncCioClient, CioClient

__all__ = ["ActionResult", "Connector", "PreparedCall"]


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


@dataclass(frozen=True)
class PreparedCall:
    """An action call that passed every check: its connection, its request (built once), and the
    request's masked description (what a dry run shows and a result carries)."""

    action: str
    connection: Connection
    request: ApiRequest
    described: Mapping[str, Any]


def _config_key(action: str, config: Any) -> str | None:
    """A config's cache key: its ``repr``, which tells 1, 1.0 and True apart (JSON text does not
    tell ``{1: x}`` from ``{"1": x}``); hashed when long. None when it cannot be spelled."""
    try:
        text = repr(config)
    except Exception:  # a config nesting past the recursion limit, an object whose repr raises
        return None
    if len(text) > 4096:
        text = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()
    return f"{action}\0{text}"


def _content_key(*parts: Any) -> str | None:
    """A digest of JSON data (None when it is not JSON): the cache key, never the data itself,
    so a connection's secrets are not kept as keys."""
    try:
        text = json.dumps(parts, sort_keys=True, separators=(",", ":"), allow_nan=True)
    except (TypeError, ValueError, RecursionError):
        return None
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


@dataclass(repr=False)
class Connector:
    """The loaded connector: validate configs, build requests, run actions, check connections.

    Every path runs through one compiled ``ActionPlan`` per (action, config), cached by content, so
    a host calling ``execute`` once per record compiles the config once. HTTP clients are kept per
    connection (sync, and per event loop for async) and closed by ``close()``/``aclose()`` or by
    using the connector as a context manager.
    """

    manifest: ConnectorManifest
    actions: Mapping[str, Action]
    connection_schema: Mapping[str, Any]
    options_cache: OptionsCache = field(default_factory=OptionsCache)
    #: Extra ``CioClient``/``AsyncCioClient`` arguments for the connector's own clients
    #: (``verify`` for a private CA, ``timeout``, ``retry``, ``limits``).
    client_options: dict[str, Any] = field(default_factory=dict)

    def __repr__(self) -> str:  # the dataclass default prints every manifest (tens of thousands of characters)
        m = self.manifest
        return f"<Connector {m.id} {m.version}: {len(self.actions)} actions>"  # sorted(connector.actions) names them

    def __post_init__(self) -> None:
        self._connections = ConnectionParser(self.manifest, self.connection_schema)
        self._plans = Lru(256)
        self._parsed = Lru(64)
        self._pool = ClientPool(lambda: self.client_options)

    @property
    def max_clients(self) -> int:
        """Clients kept per event loop (and for sync calls); the least recently used beyond go."""
        return self._pool.max_clients

    @max_clients.setter
    def max_clients(self, value: int) -> None:
        self._pool.max_clients = value

    # -- actions ---------------------------------------------------------------------------
    def action(self, name: str) -> Action:
        """The loaded action called ``name``; ``InputError`` listing the known names otherwise."""
        try:
            return self.actions[name]
        except (KeyError, TypeError):
            known = ", ".join(self.actions)
            raise InputError(
                [Problem("$", f"unknown action {name!r}; known actions: {known}", code="unknown_action")],
                action=str(name),
            ) from None

    def plan(self, action: str, config: Any) -> ActionPlan:
        """``config`` compiled for ``action``: checked once, then ``.build(record=...)`` per record.

        Plans are cached by the config's content (a host may pass a new dict every call).
        """
        chosen = self.action(action)
        key = _config_key(action, config)
        if key is None:
            return ActionPlan(chosen, config)
        found = self._plans.get(key)
        if found is None:
            found = ActionPlan(chosen, config)
            self._plans.put(key, found)
        return found

    def validate(
        self, action: str, config: Any, *, record: Any = None, context: Mapping[str, Any] | None = None
    ) -> list[Problem]:
        """Every problem with ``config``. Without a record, templated values are checked for syntax only.

        Once every value is concrete, the request is built too, so a body over what the endpoint
        accepts (Track v2's 32,000 bytes per entity) is reported here, not only when sending.
        """
        plan = self.plan(action, config)
        if record is None and context is None:
            return list(plan.problems)
        return plan.check(record=record, context=context)

    def prepare(
        self, action: str, config: Any, *, record: Any = None, context: Mapping[str, Any] | None = None
    ) -> dict[str, Any]:
        """The rendered, validated inputs a handler receives; raises ``InputError`` with all problems."""
        return self.plan(action, config).inputs(record=record, context=context)

    def build_request(
        self, action: str, config: Any, *, record: Any = None, context: Mapping[str, Any] | None = None
    ) -> ApiRequest:
        """The Customer.io request ``config`` makes for ``record``; raises ``InputError`` with all problems."""
        return self.plan(action, config).build(record=record, context=context)

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
        """Validate, build the request, and send it (or, with ``dry_run``, only describe it).

        Without ``client``, the connector's own client for this connection is used (kept open
        between calls: close the connector when done).
        """
        require_client(client, "CioClient", "execute", "aexecute")
        call = self.prepare_call(
            action, config, connection, record=record, context=context, allow_custom_endpoints=allow_custom_endpoints
        )
        if dry_run:
            return ActionResult(action, call.described, dry_run=True)
        response = (client or self.client_for(call.connection)).send(call.request, action=action)
        return _result(action, call.described, response)

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
        require_client(client, "AsyncCioClient", "aexecute", "execute")
        call = self.prepare_call(
            action, config, connection, record=record, context=context, allow_custom_endpoints=allow_custom_endpoints
        )
        if dry_run:
            return ActionResult(action, call.described, dry_run=True)
        response = await (client or self.aclient_for(call.connection)).send(call.request, action=action)
        return _result(action, call.described, response)

    def prepare_call(
        self,
        action: str,
        config: Any,
        connection: Any,
        *,
        record: Any = None,
        context: Mapping[str, Any] | None = None,
        allow_custom_endpoints: bool = False,
    ) -> PreparedCall:
        """Everything before sending, with every problem at once: the config (rendered against the
        record; without one, templates read an empty record), the connection and the request's
        size are all checked before anything is raised.

        Raises ``InputError`` listing every problem, each with its ``source`` (``config`` or
        ``connection``); a connection that alone is wrong raises ``ConnectionConfigError`` (its
        problems sourced ``connection``). On the happy path the request is built once.
        """
        conn, connection_problems = self._resolve(connection, allow_custom_endpoints)
        try:
            request = self.build_request(action, config, record=record, context=context)
        except InputError as exc:
            raise InputError(_together(exc.problems, connection_problems), action=exc.action) from None
        if conn is None:
            raise ConnectionConfigError(connection_problems)
        return PreparedCall(action, conn, request, http_module().describe_request(conn, request))

    def problems(
        self,
        action: str,
        config: Any,
        connection: Any,
        *,
        record: Any = None,
        context: Mapping[str, Any] | None = None,
        allow_custom_endpoints: bool = False,
    ) -> list[Problem]:
        """``prepare_call``'s problems without raising (``[]``: nothing wrong), for callers that
        check before they have a record: a bulk run, ``validate``.

        Without a record (or context) the config is checked as ``validate`` checks it: templated
        values for syntax only. With one, the verdict is ``prepare_call``'s. An unknown action is a
        problem too (``code="unknown_action"``).
        """
        try:
            config_problems = self.validate(action, config, record=record, context=context)
        except InputError as exc:  # an unknown action
            config_problems = list(exc.problems)
        return _together(config_problems, self._resolve(connection, allow_custom_endpoints)[1])

    def _resolve(self, connection: Any, allow_custom_endpoints: bool) -> tuple[Connection | None, list[Problem]]:
        """The parsed connection, or None and its problems (sourced ``connection``)."""
        try:
            return self.connection(connection, allow_custom_endpoints=allow_custom_endpoints), []
        except ConnectionConfigError as exc:
            return None, [_sourced(p, "connection") for p in exc.problems]

    # -- clients ---------------------------------------------------------------------------
    def client_for(self, connection: Connection) -> CioClient:
        """The connector's own ``CioClient`` for ``connection`` (kept and reused; the least
        recently used beyond ``max_clients`` are closed)."""
        return self._pool.client_for(connection)

    def aclient_for(self, connection: Connection) -> AsyncCioClient:
        """The connector's own ``AsyncCioClient`` for ``connection`` in the running event loop."""
        return self._pool.aclient_for(connection)

    def close(self) -> None:
        """Close the connector's sync clients (async ones: ``aclose()`` in their event loop)."""
        self._pool.close()

    async def aclose(self) -> None:
        """Close the sync clients and the async clients of the running event loop."""
        await self._pool.aclose()

    def __enter__(self) -> Connector:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    async def __aenter__(self) -> Connector:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    # -- connection ------------------------------------------------------------------------
    def validate_connection(self, connection: Any, *, allow_custom_endpoints: bool = False) -> list[Problem]:
        """Every problem with a connection's shape (no network); secrets never echoed."""
        return self._connections.problems(connection, allow_custom_endpoints=allow_custom_endpoints)

    def connection(self, connection: Any, *, allow_custom_endpoints: bool = False) -> Connection:
        """A checked ``Connection`` from connection JSON (parsed once per distinct content) or as given."""
        if isinstance(connection, Connection):
            return connection
        key = _content_key("connection", connection, allow_custom_endpoints)
        found = self._parsed.get(key) if key is not None else None
        if found is None:
            found = self._connections.parse(connection, allow_custom_endpoints=allow_custom_endpoints)
            if key is not None:
                self._parsed.put(key, found)
        return found

    def check_connection(
        self,
        connection: Any,
        *,
        transport: httpx.BaseTransport | None = None,
        allow_custom_endpoints: bool = False,
        client: CioClient | None = None,
    ) -> ConnectionReport:
        """Each credential and the region checked against Customer.io; never raises for a bad key."""
        require_client(client, "CioClient", "check_connection", "acheck_connection")
        conn = self._checkable(connection, allow_custom_endpoints)
        if not isinstance(conn, Connection):
            return conn
        with self._pool.using(conn, client, transport) as active:
            from .client.connection_check import run_checks

            return run_checks(conn, active)

    async def acheck_connection(
        self,
        connection: Any,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        allow_custom_endpoints: bool = False,
        client: AsyncCioClient | None = None,
    ) -> ConnectionReport:
        """``check_connection`` for asyncio hosts."""
        require_client(client, "AsyncCioClient", "acheck_connection", "check_connection")
        conn = self._checkable(connection, allow_custom_endpoints)
        if not isinstance(conn, Connection):
            return conn
        async with self._pool.ausing(conn, client, transport) as active:
            from .client.connection_check import run_checks_async

            return await run_checks_async(conn, active)

    def _checkable(self, connection: Any, allow_custom_endpoints: bool) -> Connection | ConnectionReport:
        """The parsed connection, or the report of why it cannot be checked at all."""
        try:
            return self.connection(connection, allow_custom_endpoints=allow_custom_endpoints)
        except ConnectionConfigError as exc:
            from .client.connection_check import Check, ConnectionReport

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
        require_client(client, "CioClient", "options", "aoptions")
        spec, conn, key = self._options_plan(action, field_key, connection, allow_custom_endpoints)
        from .client.options import fetch_options

        return self.options_cache.get(key, lambda: fetch_options(spec, client or self.client_for(conn)))

    async def aoptions(
        self,
        action: str,
        field_key: str,
        connection: Any,
        *,
        client: AsyncCioClient | None = None,
        allow_custom_endpoints: bool = False,
    ) -> list[dict[str, Any]]:
        """``options`` for asyncio hosts."""
        require_client(client, "AsyncCioClient", "aoptions", "options")
        spec, conn, key = self._options_plan(action, field_key, connection, allow_custom_endpoints)
        from .client.options import fetch_options_async

        return await self.options_cache.aget(key, lambda: fetch_options_async(spec, client or self.aclient_for(conn)))

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
        return field.options, conn, (*conn.cache_key(), json.dumps(asdict(field.options), sort_keys=True))


def _result(action: str, described: Mapping[str, Any], response: ApiResponse) -> ActionResult:
    return ActionResult(action, described, status=response.status, response=response.json, attempts=response.attempts)


def _check_name(problem: Problem) -> str:
    return str(problem.location[0]) if problem.location else "connection"


def _sourced(problem: Problem, source: str) -> Problem:
    return problem if problem.source else replace(problem, source=source)


def _together(config_problems: Iterable[Problem], connection_problems: Iterable[Problem]) -> list[Problem]:
    """One list, config first; a problem without a source is the config's."""
    return [*(_sourced(p, "config") for p in config_problems), *connection_problems]

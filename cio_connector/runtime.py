"""The connector a host loads: validate -> render -> dispatch -> send -> result, in one place."""

from __future__ import annotations

import hashlib
import json
import threading
import weakref
from collections import OrderedDict
from collections.abc import AsyncIterator, Iterator, Mapping
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .actions import Action
from .bundle import bundle_root
from .connection import Connection, ConnectionParser
from .errors import ConnectionConfigError, InputError, ManifestError, Problem
from .manifest import ConnectorManifest, DynamicOptions, load_action_manifest, load_connector_manifest, locate
from .options import OptionsCache
from .plan import ActionPlan

if TYPE_CHECKING:  # httpx and asyncio are imported on first use: loading the connector needs neither
    import asyncio

    import httpx

    from .check import ConnectionReport
    from .http import ApiResponse, AsyncCioClient, CioClient
from .registry import HandlerRegistry
from .request import ApiRequest
from .schema import action_schema, connection_schema

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


class _Lru:
    """A small least-recently-used map (thread-safe): compiled plans, parsed connections."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._items: OrderedDict[Any, Any] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Any) -> Any:
        with self._lock:
            value = self._items.get(key)
            if value is not None:
                self._items.move_to_end(key)
            return value

    def put(self, key: Any, value: Any) -> None:
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)


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


@dataclass
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
    #: Clients kept per event loop (and for sync calls); the least recently used beyond go.
    max_clients: int = 256

    def __post_init__(self) -> None:
        self._connections = ConnectionParser(self.manifest, self.connection_schema)
        self._plans = _Lru(256)
        self._parsed = _Lru(64)
        self._clients: OrderedDict[Connection, CioClient] = OrderedDict()
        self._aclients: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, OrderedDict[Connection, AsyncCioClient]] = (
            weakref.WeakKeyDictionary()
        )
        self._closing: set[asyncio.Task[None]] = set()
        self._lock = threading.Lock()

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
        _require(client, "CioClient", "execute", "aexecute")
        conn, request, described = self._prepared(action, config, connection, record, context, allow_custom_endpoints)
        if dry_run:
            return ActionResult(action, described, dry_run=True)
        response = (client or self.client_for(conn)).send(request, action=action)
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
        _require(client, "AsyncCioClient", "aexecute", "execute")
        conn, request, described = self._prepared(action, config, connection, record, context, allow_custom_endpoints)
        if dry_run:
            return ActionResult(action, described, dry_run=True)
        response = await (client or self.aclient_for(conn)).send(request, action=action)
        return _result(action, described, response)

    def _prepared(
        self, action: str, config: Any, connection: Any, record: Any,
        context: Mapping[str, Any] | None, allow_custom_endpoints: bool,
    ) -> tuple[Connection, ApiRequest, dict[str, Any]]:
        """Everything before sending, shared by both APIs: connection, request, its masked description."""
        conn = self.connection(connection, allow_custom_endpoints=allow_custom_endpoints)
        request = self.build_request(action, config, record=record, context=context)
        return conn, request, _http().describe_request(conn, request)

    # -- clients -----------------------------------------------------------------------------
    def client_for(self, connection: Connection) -> CioClient:
        """The connector's own ``CioClient`` for ``connection`` (kept and reused; the least
        recently used beyond ``max_clients`` are closed)."""
        evicted: list[CioClient] = []
        with self._lock:
            found = self._clients.get(connection)
            if found is None:
                found = self._clients[connection] = _http().CioClient(connection, **self.client_options)
                while len(self._clients) > self.max_clients:
                    evicted.append(self._clients.popitem(last=False)[1])
            self._clients.move_to_end(connection)
        for client in evicted:
            client.close()
        return found

    def aclient_for(self, connection: Connection) -> AsyncCioClient:
        """The connector's own ``AsyncCioClient`` for ``connection`` in the running event loop
        (an httpx client's connections belong to the loop that opened them)."""
        import asyncio

        loop = asyncio.get_running_loop()
        evicted: list[AsyncCioClient] = []
        with self._lock:
            clients = self._aclients.setdefault(loop, OrderedDict())
            found = clients.get(connection)
            if found is None:
                found = clients[connection] = _http().AsyncCioClient(connection, **self.client_options)
                while len(clients) > self.max_clients:
                    evicted.append(clients.popitem(last=False)[1])
            clients.move_to_end(connection)
        for client in evicted:  # closed in the background; held so the task is not collected mid-way
            task = loop.create_task(client.aclose())
            self._closing.add(task)
            task.add_done_callback(self._closing.discard)
        return found

    def close(self) -> None:
        """Close the connector's sync clients (async ones: ``aclose()`` in their event loop)."""
        with self._lock:
            clients, self._clients = list(self._clients.values()), OrderedDict()
        for client in clients:
            client.close()

    async def aclose(self) -> None:
        """Close the sync clients and the async clients of the running event loop."""
        import asyncio

        self.close()
        with self._lock:
            clients: Mapping[Connection, AsyncCioClient] = self._aclients.pop(asyncio.get_running_loop(), OrderedDict())
        for client in clients.values():
            await client.aclose()
        await asyncio.gather(*self._closing)

    def __enter__(self) -> Connector:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    async def __aenter__(self) -> Connector:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    @contextmanager
    def _client(self, conn: Connection, client: CioClient | None, transport: httpx.BaseTransport | None) -> Iterator[CioClient]:
        """The caller's client, a throwaway one over ``transport``, or the connector's own."""
        if client is not None or transport is None:
            yield client or self.client_for(conn)
            return
        owned = _http().CioClient(conn, transport=transport)
        try:
            yield owned
        finally:
            owned.close()

    @asynccontextmanager
    async def _aclient(
        self, conn: Connection, client: AsyncCioClient | None, transport: httpx.AsyncBaseTransport | None
    ) -> AsyncIterator[AsyncCioClient]:
        if client is not None or transport is None:
            yield client or self.aclient_for(conn)
            return
        owned = _http().AsyncCioClient(conn, transport=transport)
        try:
            yield owned
        finally:
            await owned.aclose()

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
        _require(client, "CioClient", "check_connection", "acheck_connection")
        conn = self._checkable(connection, allow_custom_endpoints)
        if not isinstance(conn, Connection):
            return conn
        with self._client(conn, client, transport) as active:
            from .check import run_checks

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
        _require(client, "AsyncCioClient", "acheck_connection", "check_connection")
        conn = self._checkable(connection, allow_custom_endpoints)
        if not isinstance(conn, Connection):
            return conn
        async with self._aclient(conn, client, transport) as active:
            from .check import run_checks_async

            return await run_checks_async(conn, active)

    def _checkable(self, connection: Any, allow_custom_endpoints: bool) -> Connection | ConnectionReport:
        """The parsed connection, or the report of why it cannot be checked at all."""
        try:
            return self.connection(connection, allow_custom_endpoints=allow_custom_endpoints)
        except ConnectionConfigError as exc:
            from .check import Check, ConnectionReport

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
        _require(client, "CioClient", "options", "aoptions")
        spec, conn, key = self._options_plan(action, field_key, connection, allow_custom_endpoints)
        from .options import fetch_options

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
        _require(client, "AsyncCioClient", "aoptions", "options")
        spec, conn, key = self._options_plan(action, field_key, connection, allow_custom_endpoints)
        from .options import fetch_options_async

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
        return field.options, conn, (*conn.cache_key(), field.options.model_dump_json())


def _require(client: Any, kind: str, method: str, other: str) -> None:
    if client is not None and not isinstance(client, getattr(_http(), kind)):
        raise TypeError(f"{method}() takes a {kind} client; for a {type(client).__name__} use {other}()")


def _http() -> Any:
    """The HTTP layer, imported on first use (httpx costs a cold start most hosts pay only once)."""
    from . import http

    return http


def _result(action: str, described: Mapping[str, Any], response: ApiResponse) -> ActionResult:
    return ActionResult(action, described, status=response.status, response=response.json, attempts=response.attempts)


def _check_name(problem: Problem) -> str:
    return str(problem.location[0]) if problem.location else "connection"


def _names_a_field(action: Any, path: str) -> bool:
    """Whether a ``$.a.b`` JSON path names a declared field (or a field nested in one)."""
    parts = path.split(".")
    if parts[0] != "$" or len(parts) < 2:
        return False
    fields = action.fields
    for part in parts[1:]:
        found = next((f for f in fields if f.key == part), None)
        if found is None:
            return False
        fields = found.fields or ()
    return True


def load_connector(root: Path | None = None, *, registry: HandlerRegistry | None = None) -> Connector:
    """Load ``connector.yaml`` and every action it lists, with their handlers.

    Schemas are generated from the manifests on load (what the committed ``schemas/`` must equal);
    every listed action needs a manifest and a handler, and every handler a manifest.
    """
    from .handlers import shipped_handlers

    root = root or bundle_root()
    registry = registry or shipped_handlers()
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
        spec = registry.spec(name)
        for customerio_field, path in spec.field_map.items():
            if not _names_a_field(action_manifest, path):
                message = f"handler {name!r} maps Customer.io's {customerio_field!r} to {path}, not a field of the action"
                problems.append(locate(root, f"actions/{name}.yaml", ("fields",), message))
        actions[name] = Action(action_manifest, action_schema(manifest, action_manifest), spec.function)
    if problems:
        raise ManifestError(problems)
    return Connector(manifest, actions, connection_schema(manifest))


"""The connector's own clients, kept per connection (and per event loop for async) and closed together.

The async clients of one event loop send through one shared connection pool (when httpx-aiohttp is
installed): kept-alive connections and TLS sessions serve every workspace, and the sockets open at
once are bounded by the pool's ``limits`` (64 by default), however many connections a host serves.
Idle sockets close after ``keepalive_expiry`` (30 s).
"""

from __future__ import annotations

import threading
import weakref
from collections import OrderedDict
from collections.abc import AsyncGenerator, AsyncIterator, Callable, Iterator, Mapping
from contextlib import asynccontextmanager, contextmanager
from typing import TYPE_CHECKING, Any

from .connection import Connection

if TYPE_CHECKING:  # httpx and asyncio are imported on first use: loading the connector needs neither
    import asyncio

    import httpx

    from .http import AsyncCioClient, CioClient
    from .transports import SharedTransport

__all__ = ["ClientPool", "http_module", "require_client"]


class ClientPool:
    """``CioClient``s per connection and ``AsyncCioClient``s per (event loop, connection); the least
    recently used beyond ``max_clients`` are closed. ``options()`` gives the arguments of every client
    made here (read at each making, so an owner may replace them)."""

    def __init__(self, options: Callable[[], Mapping[str, Any]], max_clients: int = 256) -> None:
        self.options = options
        self.max_clients = max_clients
        self._clients: OrderedDict[Connection, CioClient] = OrderedDict()
        self._aclients: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, OrderedDict[Connection, AsyncCioClient]] = (
            weakref.WeakKeyDictionary()
        )
        self._closing: set[asyncio.Task[None]] = set()
        self._watchers: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, AsyncGenerator[None, None]] = (
            weakref.WeakKeyDictionary()
        )
        #: Each loop's shared pools, one per (``verify``, ``limits``) the options gave.
        self._shared: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, list[tuple[Any, str, SharedTransport]]] = (
            weakref.WeakKeyDictionary()
        )
        self._lock = threading.Lock()

    def client_for(self, connection: Connection) -> CioClient:
        evicted: list[CioClient] = []
        with self._lock:
            found = self._clients.get(connection)
            if found is None:
                found = self._clients[connection] = http_module().CioClient(connection, **self.options())
                while len(self._clients) > self.max_clients:
                    evicted.append(self._clients.popitem(last=False)[1])
            self._clients.move_to_end(connection)
        for client in evicted:
            client.close()
        return found

    def aclient_for(self, connection: Connection) -> AsyncCioClient:
        """An httpx client's connections belong to the loop that opened them: one client per loop."""
        import asyncio

        loop = asyncio.get_running_loop()
        evicted: list[AsyncCioClient] = []
        with self._lock:
            new_loop = loop not in self._aclients
            clients = self._aclients.setdefault(loop, OrderedDict())
            found = clients.get(connection)
            if found is None:
                options = dict(self.options())
                if options.get("transport") is None:
                    options["transport"] = self._shared_transport(loop, options)
                found = clients[connection] = http_module().AsyncCioClient(connection, **options)
                while len(clients) > self.max_clients:
                    evicted.append(clients.popitem(last=False)[1])
            clients.move_to_end(connection)
        if new_loop:
            self._close_at_shutdown(loop)
        for client in evicted:  # closed in the background; held so the task is not collected mid-way
            task = loop.create_task(client.aclose())
            self._closing.add(task)
            task.add_done_callback(self._closing.discard)
        return found

    def _shared_transport(self, loop: asyncio.AbstractEventLoop, options: Mapping[str, Any]) -> SharedTransport | None:
        """This loop's pool for these TLS and pool settings (made on first use; the lock is held), or
        None without httpx-aiohttp (each client then has httpx's own pool, as before)."""
        from .transports import shared_async_transport

        verify, limits = options.get("verify", True), options.get("limits", http_module().DEFAULT_LIMITS)
        pools = self._shared.setdefault(loop, [])
        for kept_verify, kept_limits, transport in pools:  # ``is`` for a context: an equal one may trust otherwise
            if (kept_verify is verify or (type(verify) in (bool, str) and kept_verify == verify)) and kept_limits == repr(limits):
                return transport
        made = shared_async_transport(verify=verify, limits=limits)
        if made is not None:
            pools.append((verify, repr(limits), made))
        return made

    async def _close_shared(self, loop: asyncio.AbstractEventLoop) -> None:
        with self._lock:
            pools = self._shared.pop(loop, [])
        for _, _, transport in pools:
            await transport.close_pool()

    def _close_at_shutdown(self, loop: asyncio.AbstractEventLoop) -> None:
        """Close this loop's clients when it shuts down, if the owner did not (``asyncio.run`` closes
        every async generator still open, in the loop, before closing it): their connections are
        closed, not left to the garbage collector, which aiohttp's pool would warn about."""
        pool = weakref.ref(self)

        async def close_when_shut_down() -> AsyncGenerator[None, None]:
            try:
                yield
            finally:
                owner = pool()
                if owner is not None:
                    with owner._lock:
                        clients = owner._aclients.pop(loop, OrderedDict())
                    for client in clients.values():
                        await client.aclose()
                    await owner._close_shared(loop)

        watcher = close_when_shut_down()
        step = watcher.asend(None)  # runs to the first yield at once: the loop now knows the generator
        try:
            step.send(None)
        except StopIteration:
            pass
        self._watchers[loop] = watcher  # the loop holds its generators weakly

    @contextmanager
    def using(self, conn: Connection, client: CioClient | None, transport: httpx.BaseTransport | None) -> Iterator[CioClient]:
        """The caller's client, a throwaway one over ``transport``, or the pool's own."""
        if client is not None or transport is None:
            yield client or self.client_for(conn)
            return
        owned = http_module().CioClient(conn, transport=transport)
        try:
            yield owned
        finally:
            owned.close()

    @asynccontextmanager
    async def ausing(
        self, conn: Connection, client: AsyncCioClient | None, transport: httpx.AsyncBaseTransport | None
    ) -> AsyncIterator[AsyncCioClient]:
        if client is not None or transport is None:
            yield client or self.aclient_for(conn)
            return
        owned = http_module().AsyncCioClient(conn, transport=transport)
        try:
            yield owned
        finally:
            await owned.aclose()

    def close(self) -> None:
        """Close the sync clients (async ones: ``aclose()`` in their event loop)."""
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
        await self._close_shared(asyncio.get_running_loop())


def require_client(client: Any, kind: str, method: str, other: str) -> None:
    """A sync method given an async client (or the reverse) says which method takes it."""
    if client is not None and not isinstance(client, getattr(http_module(), kind)):
        raise TypeError(f"{method}() takes a {kind} client; for a {type(client).__name__} use {other}()")


def http_module() -> Any:
    """The HTTP layer, imported on first use (httpx costs a cold start most hosts pay only once)."""
    from . import http

    return http

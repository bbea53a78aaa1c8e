"""Clients kept between calls, so a host's requests reuse keep-alive connections and TLS sessions.

Building an ``httpx.AsyncClient`` loads the CA bundle (tens of milliseconds) and a new client
opens a new TLS connection to Customer.io; the server would pay both on every call. One client
per connection and event loop, least recently used dropped beyond ``size``.
"""

from __future__ import annotations

import asyncio
import weakref
from collections import OrderedDict

from ..connection import Connection
from ..http import AsyncCioClient, RetryPolicy

__all__ = ["ClientPool"]


class ClientPool:
    def __init__(self, *, retry: RetryPolicy | None = None, size: int = 256) -> None:
        self.retry = retry
        self.size = size
        # per loop: an httpx client's connections belong to the loop that opened them
        self._loops: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, OrderedDict[Connection, AsyncCioClient]] = (
            weakref.WeakKeyDictionary()
        )
        self._closing: set[asyncio.Task[None]] = set()  # held, so a dropped client's close is not collected mid-way

    def get(self, connection: Connection) -> AsyncCioClient:
        clients = self._loops.setdefault(asyncio.get_running_loop(), OrderedDict())
        client = clients.get(connection)
        if client is None:
            client = clients[connection] = AsyncCioClient(connection, retry=self.retry)
            while len(clients) > self.size:
                _, oldest = clients.popitem(last=False)
                task = asyncio.get_running_loop().create_task(oldest.aclose())
                self._closing.add(task)
                task.add_done_callback(self._closing.discard)
        clients.move_to_end(connection)
        return client

    async def aclose(self) -> None:
        """Close this loop's clients and wait for dropped ones to finish closing (the server's shutdown)."""
        clients = self._loops.pop(asyncio.get_running_loop(), OrderedDict())
        for client in clients.values():
            await client.aclose()
        await asyncio.gather(*self._closing)

"""The async transport: aiohttp's connection pool under httpx when httpx-aiohttp is installed.

httpx's own async pool (httpcore + anyio) spends most of a sent request's client CPU on pool
bookkeeping; over aiohttp's pool the same requests cost about a seventh of the CPU at 32 in flight
and run at more than twice the rate (benchmarks/bench_async_transport.py). The ``server`` and
``bulk`` extras install it; without it httpx's own transport is used, with the same behaviour
(httpx-aiohttp maps aiohttp's errors and timeouts to httpx's, which ``policy`` reads).

A pool may be shared by the clients of many connections (``SharedTransport``): the credentials
travel in each request's headers, so a connection to Customer.io serves any workspace. Its aiohttp
session keeps no cookies, or one workspace's would go with another's requests; no cookie is sent
back over httpx's own pool either (the client sends a request built beforehand as it is).
"""

from __future__ import annotations

from functools import cache
from typing import Any

import httpx

__all__ = ["SharedTransport", "async_transport", "shared_async_transport"]


def async_transport(*, verify: Any, limits: httpx.Limits) -> httpx.AsyncBaseTransport | None:
    """An aiohttp-pooled transport with these TLS and pool settings, or None (httpx's default)."""
    try:
        from httpx_aiohttp import AiohttpTransport
    except ImportError:
        return None
    return AiohttpTransport(verify=verify, limits=limits)


def shared_async_transport(*, verify: Any, limits: httpx.Limits) -> SharedTransport | None:
    """``async_transport`` to lend to many connections' clients: its session keeps no cookies."""
    try:
        cookieless = _cookieless()
    except ImportError:
        return None
    return SharedTransport(cookieless(verify=verify, limits=limits))


class SharedTransport(httpx.AsyncBaseTransport):
    """A pool lent to many clients: a client closing (or dropped from the pool) leaves it open;
    its owner ends it with ``close_pool()``."""

    def __init__(self, transport: httpx.AsyncBaseTransport) -> None:
        self.transport = transport

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        return await self.transport.handle_async_request(request)

    async def aclose(self) -> None:
        """A borrowing client's close: the pool stays open for the others."""

    async def close_pool(self) -> None:
        await self.transport.aclose()


@cache
def _cookieless() -> type[Any]:
    import aiohttp
    from httpx_aiohttp import AiohttpTransport

    class Cookieless(AiohttpTransport):
        """``AiohttpTransport``'s own session (the pool bounded by ``limits``, idle connections
        closed after ``keepalive_expiry``), with a cookie jar that keeps nothing."""

        def get_client(self) -> aiohttp.ClientSession:
            limit = self.limits.max_connections or 0  # aiohttp's 0 is httpx's None: no bound
            connector = aiohttp.TCPConnector(keepalive_timeout=self.limits.keepalive_expiry, ssl=self.ssl_context, limit=limit)
            return aiohttp.ClientSession(connector=connector, cookie_jar=aiohttp.DummyCookieJar())

    return Cookieless

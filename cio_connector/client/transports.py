"""The async transport: aiohttp's connection pool under httpx when httpx-aiohttp is installed.

httpx's own async pool (httpcore + anyio) spends most of a sent request's client CPU on pool
bookkeeping; over aiohttp's pool the same requests cost about a seventh of the CPU at 32 in flight
and run at more than twice the rate (benchmarks/bench_async_transport.py). The ``server`` and
``bulk`` extras install it; without it httpx's own transport is used, with the same behaviour
(httpx-aiohttp maps aiohttp's errors and timeouts to httpx's, which ``policy`` reads).
"""

from __future__ import annotations

from typing import Any

import httpx

__all__ = ["async_transport"]


def async_transport(*, verify: Any, limits: httpx.Limits) -> httpx.AsyncBaseTransport | None:
    """An aiohttp-pooled transport with these TLS and pool settings, or None (httpx's default)."""
    try:
        from httpx_aiohttp import AiohttpTransport
    except ImportError:
        return None
    return AiohttpTransport(verify=verify, limits=limits)

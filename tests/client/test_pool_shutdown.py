"""The connector's own async clients are closed when their event loop shuts down, if nobody did."""

from __future__ import annotations

import asyncio

import httpx

from cio_connector.client.pool import ClientPool

from .conftest import checked_connection


def test_clients_left_open_are_closed_when_asyncio_run_ends():
    pool = ClientPool(lambda: {"transport": httpx.MockTransport(lambda request: httpx.Response(200, json={}))})
    conn = checked_connection()

    async def use() -> object:
        return pool.aclient_for(conn)

    first, second = asyncio.run(use()), asyncio.run(use())
    assert first is not second  # one client per loop
    assert first._http.is_closed and second._http.is_closed
    assert not pool._aclients  # nothing kept for loops that are gone


def test_a_pool_closed_by_its_owner_is_not_closed_twice():
    pool = ClientPool(lambda: {"transport": httpx.MockTransport(lambda request: httpx.Response(200, json={}))})
    conn = checked_connection()

    async def use_and_close() -> object:
        client = pool.aclient_for(conn)
        await pool.aclose()
        return client

    assert asyncio.run(use_and_close())._http.is_closed

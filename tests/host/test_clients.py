"""The server keeps one Customer.io client per connection and event loop, and closes what it drops."""

from __future__ import annotations

import asyncio

from cio_connector.host.clients import ClientPool

from .conftest import connection_for


def test_one_client_per_connection_the_oldest_closed_beyond_the_size(connector, sandbox):
    first = connector.connection(connection_for(sandbox))
    second = connector.connection(connection_for(sandbox, app_api_key="another-key"))
    third = connector.connection(connection_for(sandbox, site_id="another-site"))

    async def scenario() -> None:
        pool = ClientPool(size=2)
        a = pool.get(first)
        assert pool.get(connector.connection(connection_for(sandbox))) is a  # equal connections share
        b = pool.get(second)
        assert b is not a
        pool.get(first)  # first is now the most recently used
        assert not a._http.is_closed
        c = pool.get(third)  # so second goes, and only second
        assert pool.get(first) is a and pool.get(third) is c
        await pool.aclose()  # waits for the dropped client's close too
        assert b._http.is_closed and a._http.is_closed and c._http.is_closed
        assert pool.get(second) is not b

    asyncio.run(scenario())


def test_each_event_loop_gets_its_own_clients(connector, sandbox):
    conn = connector.connection(connection_for(sandbox))
    pool = ClientPool()

    async def take():
        return pool.get(conn)

    assert asyncio.run(take()) is not asyncio.run(take())

"""The connector keeps one Customer.io client per connection and event loop (the server relies on
it), and closes what it drops."""

from __future__ import annotations

import asyncio

from cio_connector import load_connector

from .conftest import connection_for


def test_one_client_per_connection_the_oldest_closed_beyond_the_limit(sandbox):
    connector = load_connector()
    connector.max_clients = 2
    first = connector.connection(connection_for(sandbox))
    second = connector.connection(connection_for(sandbox, app_api_key="another-key"))
    third = connector.connection(connection_for(sandbox, site_id="another-site"))

    async def scenario() -> None:
        a = connector.aclient_for(first)
        assert connector.aclient_for(connector.connection(connection_for(sandbox))) is a  # equal connections share
        b = connector.aclient_for(second)
        assert b is not a
        connector.aclient_for(first)  # first is now the most recently used
        assert not a._http.is_closed
        c = connector.aclient_for(third)  # so second goes, and only second
        assert connector.aclient_for(first) is a and connector.aclient_for(third) is c
        await connector.aclose()  # waits for the dropped client's close too
        assert b._http.is_closed and a._http.is_closed and c._http.is_closed
        assert connector.aclient_for(second) is not b
        await connector.aclose()

    asyncio.run(scenario())


def test_each_event_loop_gets_its_own_clients(sandbox):
    connector = load_connector()
    conn = connector.connection(connection_for(sandbox))

    async def take():
        return connector.aclient_for(conn)

    assert asyncio.run(take()) is not asyncio.run(take())


def test_sync_clients_beyond_the_limit_are_closed(sandbox):
    connector = load_connector()
    connector.max_clients = 1
    first = connector.client_for(connector.connection(connection_for(sandbox)))
    connector.client_for(connector.connection(connection_for(sandbox, site_id="another-site")))
    assert first._http.is_closed
    connector.close()

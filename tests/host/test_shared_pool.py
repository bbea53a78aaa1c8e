"""The async clients of one event loop send through one pool: connections reused across workspaces,
closed with the pool, and never carrying one workspace's cookies to another."""

from __future__ import annotations

import asyncio
import http.server
import json
import threading
from collections.abc import Iterator

import pytest

from cio_connector.client.pool import ClientPool
from cio_connector.client.transports import SharedTransport
from cio_connector.pipeline.request import ApiRequest

IDENTIFY = ApiRequest("track", "POST", "/api/v2/entity",
                      json={"type": "person", "identifiers": {"id": "1"}, "action": "identify"})


class _Seen(http.server.BaseHTTPRequestHandler):
    """Answers every POST with ``{}`` and a cookie, and notes each request's peer and ``Cookie``."""

    protocol_version = "HTTP/1.1"  # keep-alive, so reuse shows as one peer port
    seen: list[tuple[int, str | None, str | None]] = []

    def do_POST(self) -> None:  # noqa: N802 (http.server's name)
        self.rfile.read(int(self.headers.get("content-length", "0")))
        self.seen.append((self.client_address[1], self.headers.get("authorization"), self.headers.get("cookie")))
        body = json.dumps({}).encode()
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(body)))
        self.send_header("set-cookie", f"session=for-{self.headers.get('authorization', '')[-6:]}; Path=/")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def endpoint() -> Iterator[str]:
    _Seen.seen = []
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Seen)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://localhost:{server.server_address[1]}"  # a name: aiohttp keeps no cookie for an IP address
    server.shutdown()
    server.server_close()


def _connections(connector, endpoint: str, count: int) -> list:
    return [
        connector.connection({"region": "us", "site_id": f"site-{i}", "track_api_key": f"track-key-{i}",
                              "app_api_key": f"app-key-{i}", "endpoints": {"track": endpoint, "app": endpoint}})
        for i in range(count)
    ]


def test_workspaces_share_one_pool_and_its_connections(connector, endpoint):
    pool = ClientPool(lambda: {})
    first, second = _connections(connector, endpoint, 2)

    async def scenario() -> None:
        a, b = pool.aclient_for(first), pool.aclient_for(second)
        assert a is not b and isinstance(a._http._transport, SharedTransport) and a._http._transport is b._http._transport
        for client in (a, b, a, b):  # one after another: one kept-alive connection serves both workspaces
            await client.send(IDENTIFY)
        await pool.aclose()

    asyncio.run(scenario())
    ports = {port for port, _, _ in _Seen.seen}
    assert len(_Seen.seen) == 4 and len(ports) == 1
    assert len({auth for _, auth, _ in _Seen.seen}) == 2  # each request with its own workspace's credentials


def test_no_workspace_receives_another_ones_cookie(connector, endpoint):
    pool = ClientPool(lambda: {})
    first, second = _connections(connector, endpoint, 2)

    async def scenario() -> None:
        a, b = pool.aclient_for(first), pool.aclient_for(second)
        await a.send(IDENTIFY)  # answered with a cookie for the first workspace
        await b.send(IDENTIFY)
        await a.send(IDENTIFY)
        await pool.aclose()

    asyncio.run(scenario())
    # No cookie goes back at all, to anyone: as over httpx's own pool, which sends a built request as it is.
    assert [cookie for _, _, cookie in _Seen.seen] == [None, None, None]


def test_a_client_dropped_from_the_pool_leaves_the_shared_connections_open(connector, endpoint):
    pool = ClientPool(lambda: {}, max_clients=1)
    first, second = _connections(connector, endpoint, 2)

    async def scenario() -> SharedTransport:
        a = pool.aclient_for(first)
        shared = a._http._transport
        await a.send(IDENTIFY)
        b = pool.aclient_for(second)  # a is dropped and closed
        await asyncio.sleep(0.05)
        assert a._http.is_closed
        await b.send(IDENTIFY)  # through the same, still open, pool
        await pool.aclose()
        return shared

    shared = asyncio.run(scenario())
    assert shared.transport.client.closed  # the owner's close ends the pool
    assert len({port for port, _, _ in _Seen.seen}) == 1


def test_clients_with_other_tls_settings_get_another_pool(connector, endpoint):
    verify = {"value": True}
    pool = ClientPool(lambda: {"verify": verify["value"]})
    first, second = _connections(connector, endpoint, 2)

    async def scenario() -> None:
        a = pool.aclient_for(first)
        verify["value"] = False  # the owner changed the options: new clients must not borrow the old pool
        b = pool.aclient_for(second)
        assert a._http._transport is not b._http._transport
        await pool.aclose()

    asyncio.run(scenario())

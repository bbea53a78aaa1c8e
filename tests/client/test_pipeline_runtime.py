"""The runtime around the pipeline: cheap masked descriptions, parsed connections, kept clients, deadlines."""

from __future__ import annotations

import asyncio
import socket
import threading
import time

import httpx
import pytest

from cio_connector import AsyncCioClient, CioClient, RetryableApiError, RetryPolicy, load_connector
from cio_connector.client.connection import MASK
from cio_connector.client.http import describe_request, http_request

from .conftest import SECRETS, Recorder, connection

CONFIGS = {
    "upsert_customer": {"matching_field": "email", "matching_value": "a@b.co", "mappings": {"plan": "pro", "é": "✓"}},
    "delete_customer": {"matching_field": "cio_id", "matching_value": "cio_abc123"},
    "add_customer_to_segment": {"matching_field": "id", "matching_value": "a b/c?d", "segment": 7},
    "remove_customer_from_segment": {"matching_field": "email", "matching_value": "x+y@b.co", "segment": 2147483647},
    "track_event": {"name": "purchase", "customer_id": "u1", "mappings": {"price": 2.5}, "timestamp": 1700000000},
    "track_page": {"customer_id": "cio_x", "page_url": "https://x.io/p?q=1#f"},
}


def described_by_httpx(conn, request) -> dict:
    """The description the old way: a second httpx.Request, its auth header masked."""
    built = http_request(conn, request)
    headers = dict(built.headers)
    headers["authorization"] = headers["authorization"].split(" ", 1)[0] + " " + MASK
    return {"method": built.method, "url": str(built.url), "headers": headers, "json": request.json}


@pytest.mark.parametrize("region", ["us", "eu"])
@pytest.mark.parametrize("action", sorted(CONFIGS))
def test_the_masked_description_equals_what_httpx_would_send(connector, action, region):
    conn = connector.connection(connection(region))
    request = connector.build_request(action, CONFIGS[action])
    described = describe_request(conn, request)
    assert described == described_by_httpx(conn, request)
    assert all(secret not in str(described) for secret in SECRETS.values())


def test_the_body_is_encoded_once_and_sent_as_measured(connector, recorder):
    conn = connector.connection(connection())
    request = connector.build_request("upsert_customer", CONFIGS["upsert_customer"])
    assert request.body is request.body  # cached
    with recorder.client(conn) as client:
        client.send(request)
    assert recorder.last.content == request.body
    assert recorder.last.extensions["timeout"]["read"] == 10.0  # the client's timeouts reach the wire


def test_a_connection_dict_is_parsed_once_and_the_cache_holds_no_secret():
    connector = load_connector()
    first = connector.connection(connection())
    assert connector.connection(dict(connection())) is first
    assert connector.connection(connection(region="eu")) is not first
    keys = repr(list(connector._parsed._items))
    assert all(secret not in keys for secret in SECRETS.values())


def test_execute_reuses_one_client_per_connection_until_closed(monkeypatch):
    connector = load_connector()
    made: list[CioClient] = []
    recorder = Recorder()

    real = CioClient.__init__

    def tracking_init(self, conn, **kwargs):
        kwargs.setdefault("transport", recorder.transport())
        real(self, conn, **kwargs)
        made.append(self)

    monkeypatch.setattr(CioClient, "__init__", tracking_init)
    config = {"matching_field": "id", "matching_value": "{{ record.id }}"}
    for i in range(5):
        connector.execute("delete_customer", config, connection(), record={"id": f"u{i}"})
    assert len(made) == 1 and len(recorder.requests) == 5
    connector.close()
    assert made[0]._http.is_closed
    connector.execute("delete_customer", config, connection(), record={"id": "again"})
    assert len(made) == 2
    connector.close()


def test_aexecute_shares_one_async_client_per_event_loop(monkeypatch):
    connector = load_connector()
    made: list[AsyncCioClient] = []
    real = AsyncCioClient.__init__

    async def answer(request):
        await asyncio.sleep(0)
        return httpx.Response(200, json={})

    def tracking_init(self, conn, **kwargs):
        kwargs["transport"] = httpx.MockTransport(answer)  # in place of the pool's shared one
        real(self, conn, **kwargs)
        made.append(self)

    monkeypatch.setattr(AsyncCioClient, "__init__", tracking_init)
    config = {"matching_field": "id", "matching_value": "{{ record.id }}"}

    async def run():
        async with connector:
            results = await asyncio.gather(
                *(connector.aexecute("delete_customer", config, connection(), record={"id": f"u{i}"}) for i in range(50))
            )
        return results

    results = asyncio.run(run())
    assert [r.status for r in results] == [200] * 50
    assert len(made) == 1 and made[0]._http.is_closed
    asyncio.run(run())  # a new loop gets its own client
    assert len(made) == 2


# -- the total deadline -------------------------------------------------------------------------
class TricklingServer:
    """A loopback HTTP server that sends its answer one byte every ``interval`` seconds."""

    def __init__(self, interval: float = 0.2) -> None:
        self.interval = interval
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen()
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.sock.getsockname()[1]}"

    def _serve(self) -> None:
        self.sock.settimeout(0.1)
        while not self.stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            threading.Thread(target=self._trickle, args=(conn,), daemon=True).start()

    def _trickle(self, conn: socket.socket) -> None:
        body = b'{"ok": true}' + b" " * 1000
        head = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n" % len(body)
        try:
            conn.recv(65536)
            conn.sendall(head)
            for byte in body:
                if self.stop.is_set():
                    break
                conn.sendall(bytes([byte]))
                time.sleep(self.interval)
        except OSError:
            pass
        finally:
            conn.close()

    def __enter__(self) -> TricklingServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.sock.close()


def trickled_connection(connector, server):
    return connector.connection(connection(endpoints={"track": server.url, "app": server.url}))


def test_a_trickling_answer_cannot_outlast_the_deadline(connector):
    with TricklingServer() as server:
        conn = trickled_connection(connector, server)
        sleeps: list[float] = []
        client = CioClient(conn, retry=RetryPolicy(deadline=1.0), sleep=sleeps.append)
        request = connector.build_request("delete_customer", CONFIGS["delete_customer"])
        with client, pytest.raises(RetryableApiError, match="timed out: _DeadlinePassed"):
            client.send(request)
        assert sleeps == []  # no time left to retry within the deadline


def test_an_async_trickling_answer_cannot_outlast_the_deadline(connector):
    with TricklingServer() as server:
        conn = trickled_connection(connector, server)

        async def run():
            async with AsyncCioClient(conn, retry=RetryPolicy(deadline=1.0)) as client:
                await client.send(connector.build_request("delete_customer", CONFIGS["delete_customer"]))

        with pytest.raises(RetryableApiError, match="timed out"):
            asyncio.run(run())


def test_a_retry_after_beyond_the_deadline_is_not_waited_for(connector):
    recorder = Recorder(lambda r: httpx.Response(429, headers={"retry-after": "30"}, json={}))
    conn = connector.connection(connection())
    sleeps: list[float] = []
    client = CioClient(conn, transport=recorder.transport(), retry=RetryPolicy(deadline=5.0), sleep=sleeps.append)
    with client, pytest.raises(RetryableApiError, match="429"):
        client.send(connector.build_request("delete_customer", CONFIGS["delete_customer"]))
    assert sleeps == [] and len(recorder.requests) == 1

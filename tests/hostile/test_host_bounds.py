"""``serve`` against hostile clients: slow or endless requests are closed, the connection count is
capped, tokenless state-changing routes answer only their own host, and callers cannot aim the
server at endpoints its operator did not name. Bounds only: nothing here asserts a speed."""

from __future__ import annotations

import asyncio
import http.server
import os
import re
import resource
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator

import httpx
import pytest

from cio_connector import load_connector
from cio_connector.forms.page import forms_router
from cio_connector.host import create_app
from cio_connector.host.middleware import LOOPBACK_HOSTS
from cio_connector.sandbox import SandboxServer

from .capped import MEMORY_CAP

DEADLINE = 60  # far above the 1 s header and body timeouts the server is started with


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    """``serve`` in a child under a memory cap, with 1 s header and body timeouts and at most 20 connections."""
    def cap() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (MEMORY_CAP, MEMORY_CAP))

    command = [sys.executable, "-m", "cio_connector.cli", "serve", "--port", "0", "--header-timeout", "1",
               "--body-timeout", "1", "--max-connections", "20"]
    child = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, preexec_fn=cap,
                             env={**os.environ, "PYTHONUNBUFFERED": "1"})
    assert child.stdout is not None
    line = child.stdout.readline()
    url = re.search(r"listening on (http://\S+)", line)
    assert url, line
    try:
        yield url.group(1)
    finally:
        child.terminate()
        _, err = child.communicate(timeout=DEADLINE)
        assert "Traceback" not in err, err[-3000:]


def _address(url: str) -> tuple[str, int]:
    host, port = url.removeprefix("http://").rsplit(":", 1)
    return host, int(port)


def _closed_by_server(sock: socket.socket) -> bytes:
    """What the server sent before closing; fails if it never closes."""
    sock.settimeout(DEADLINE)
    received = b""
    try:
        while chunk := sock.recv(4096):
            received += chunk
    except ConnectionResetError:  # closed with our unread request in its buffer: closed all the same
        pass
    return received


def test_connections_that_never_finish_their_headers_are_closed_and_health_still_answers(server):
    slow = []
    for _ in range(60):  # three times the cap
        sock = socket.create_connection(_address(server))
        sock.sendall(b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n")  # never the blank line
        slow.append(sock)
    answers = [_closed_by_server(sock) for sock in slow]
    for sock in slow:
        sock.close()
    assert all(a == b"" or a.startswith(b"HTTP/1.1 503") for a in answers)
    assert httpx.get(f"{server}/health", timeout=DEADLINE).status_code == 200


def test_a_body_that_never_arrives_is_answered_408(server):
    sock = socket.create_connection(_address(server))
    sock.sendall(b"POST /authenticate HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                 b"Content-Length: 1000\r\n\r\n{\"conn")
    sock.settimeout(DEADLINE)
    answer = sock.recv(4096)
    sock.close()
    assert answer.startswith(b"HTTP/1.1 408")


# -- in-process: the Guard's Host/Origin check, endpoints, forms body, autocomplete params ----------
CONNECTION = {"region": "us", "site_id": "s", "track_api_key": "t", "app_api_key": "a"}


def _post(app, path: str, headers: dict[str, str] | None = None, **kwargs) -> httpx.Response:
    async def call() -> httpx.Response:
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1:8000") as client:
            return await client.post(path, headers=headers, **kwargs)

    return asyncio.run(call())


@pytest.fixture(scope="module")
def connector():
    return load_connector()


@pytest.fixture(scope="module")
def tokenless(connector):
    page = forms_router(connector, lambda: CONNECTION)
    return create_app(connector, routers=[page], allowed_hosts=LOOPBACK_HOSTS)


@pytest.mark.parametrize(("headers", "refused"), [
    ({"Host": "evil.example"}, "answers only to its own host names"),  # DNS rebinding
    ({"Origin": "http://evil.example", "Content-Type": "text/plain"}, "cross-site requests are refused"),
    ({"Origin": "null"}, "cross-site requests are refused"),
])
def test_without_a_token_state_changing_routes_refuse_other_hosts_and_origins(tokenless, headers, refused):
    answer = _post(tokenless, "/forms/run/delete_customer", headers=headers, content=b'{"config": {}}')
    assert answer.status_code == 403 and refused in answer.json()["errorMessage"]


def test_without_a_token_the_servers_own_pages_still_post(tokenless):
    same = _post(tokenless, "/forms/run/delete_customer", headers={"Origin": "http://127.0.0.1:8000"}, json={"config": {}})
    assert same.status_code == 422  # reached the route: the config is invalid


def test_a_forms_run_body_that_is_not_utf8_is_a_400(tokenless):
    answer = _post(tokenless, "/forms/run/delete_customer", content=b'{"config": "\xff"}')
    assert answer.status_code == 400 and "JSON" in answer.json()["error"]


@pytest.fixture
def stranger() -> Iterator[str]:
    """A loopback service that is not Customer.io: it answers every request with a page of its own."""
    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802
            self.send_response(400)
            self.send_header("Content-Type", "text/plain")
            self.end_headers()
            self.wfile.write(b"internal-admin-page secret=hunter2")

        do_PUT = do_GET = do_POST  # noqa: N815

        def log_message(self, *args: object) -> None:
            pass

    service = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=service.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{service.server_address[1]}"
    finally:
        service.shutdown()


def _execute(app, endpoint: str) -> httpx.Response:
    connection = {**CONNECTION, "endpoints": {"track": endpoint, "app": endpoint}}
    body = {"connector": {"uuid": "c", "workspaceUuid": "w", "config": connection},
            "config": {"matching_field": "id", "matching_value": "42"}}
    return _post(app, "/actions/delete_customer/execute", json=body)


def test_endpoints_are_refused_unless_the_operator_named_them(connector, stranger):
    answer = _execute(create_app(connector), stranger)
    assert answer.status_code == 400
    assert {p["path"] for p in answer.json()["problems"]} == {"$.connector.config.endpoints.track",
                                                               "$.connector.config.endpoints.app"}
    assert "serve --allow-endpoint URL" in answer.json()["errorMessage"]


def test_what_an_endpoint_the_operator_did_not_name_answers_is_never_echoed(connector, stranger):
    answer = _execute(create_app(connector, allow_custom_endpoints=True), stranger)
    assert answer.status_code == 502 and "hunter2" not in answer.text and "internal-admin-page" not in answer.text


def test_autocomplete_accepts_the_empty_params_its_schema_declares(connector):
    with SandboxServer(region="us") as sandbox:
        app = create_app(connector, allowed_endpoints=[sandbox.url])
        body = {"connector": {"uuid": "c", "workspaceUuid": "w", "config": sandbox.connection()}, "slug": "segments",
                "params": {}}
        answer = _post(app, "/autocomplete", json=body)
    assert answer.status_code == 200 and answer.json()["results"]

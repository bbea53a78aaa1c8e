"""The streamable HTTP transport: the SDK's client through a bearer token, and the refusals."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import httpx2
import pytest
import uvicorn
from mcp import Client
from mcp.client.streamable_http import streamable_http_client

from cio_connector._util.listening import listening_socket
from cio_connector.errors import CioConnectorError
from cio_connector.mcp.transports import MAX_BODY_BYTES, MCP_PATH, TOKEN_ENV, http_app, is_loopback, serve_http

from .conftest import EMAIL, runner_for

TOKEN = "correct-horse-battery-staple"
INITIALIZE = {"jsonrpc": "2.0", "id": 1, "method": "initialize",
              "params": {"protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "t", "version": "1"}}}
ACCEPT = {"accept": "application/json, text/event-stream"}


@contextmanager
def serving(app) -> Iterator[str]:
    """``app`` under uvicorn on a free loopback port, in a thread; yields the MCP endpoint's URL."""
    sock = listening_socket("127.0.0.1", 0)
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    while not server.started and thread.is_alive():
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}{MCP_PATH}"
    finally:
        server.should_exit = True
        thread.join(10)
        sock.close()


@pytest.fixture
def url(connection) -> Iterator[str]:
    with serving(http_app(runner_for(connection), token=TOKEN)) as found:
        yield found


@pytest.mark.parametrize("authorization", [None, "Bearer wrong-token", f"Basic {TOKEN}", f"Bearer {TOKEN}x", "Bearer"])
def test_a_missing_or_wrong_token_is_refused_before_anything_else(url, authorization):
    headers = {**ACCEPT, **({"authorization": authorization} if authorization else {})}
    answer = httpx.post(url, json=INITIALIZE, headers=headers)
    assert answer.status_code == 401
    assert answer.headers["www-authenticate"] == "Bearer"
    assert answer.json() == {"error": "missing or wrong token: send Authorization: Bearer <token>"}


def test_the_right_token_is_let_in(url):
    answer = httpx.post(url, json=INITIALIZE, headers={**ACCEPT, "authorization": f"Bearer {TOKEN}"})
    assert answer.status_code == 200


def test_on_loopback_another_host_header_is_refused_even_with_the_token(url):
    # DNS rebinding: a web page's script reaching 127.0.0.1 under another name.
    headers = {**ACCEPT, "authorization": f"Bearer {TOKEN}", "host": "attacker.example"}
    assert httpx.post(url, json=INITIALIZE, headers=headers).status_code in (400, 403, 421)


@pytest.mark.anyio
async def test_the_sdk_client_calls_tools_over_http_with_the_token(url, sandbox):
    async with httpx2.AsyncClient(headers={"authorization": f"Bearer {TOKEN}"}) as http:
        async with Client(streamable_http_client(url, http_client=http)) as client:
            segments = (await client.call_tool("list_segments", {})).structured_content["options"]
            result = await client.call_tool(
                "upsert_customer", {"matching_field": "email", "matching_value": EMAIL, "mappings": {"plan": "pro"}}
            )
    assert len(segments) == 3
    assert not result.is_error
    assert sandbox.state.find(EMAIL)["attributes"] == {"plan": "pro"}


@pytest.mark.parametrize("host", ["0.0.0.0", "192.0.2.10", "::", "example.com"])
def test_listening_beyond_loopback_needs_a_token(host):
    assert not is_loopback(host)
    with pytest.raises(CioConnectorError, match=f"{re.escape(host)} is reachable from other machines: set a token"):
        serve_http(runner_for({}), host, 0)


@pytest.mark.parametrize("host", ["127.0.0.1", "::1", "localhost", "127.8.9.10"])
def test_loopback_hosts(host):
    assert is_loopback(host)


@pytest.mark.slow
def test_the_command_serves_http_with_the_token_from_the_environment():
    command = [sys.executable, "-m", "cio_connector.cli", "mcp", "--http", "--port", "0", "--sandbox"]
    env = {**os.environ, TOKEN_ENV: TOKEN}
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        assert process.stdout is not None
        first, second = process.stdout.readline(), process.stdout.readline()
        found = re.search(r"on (http://127\.0\.0\.1:\d+/mcp)$", first.strip())
        assert found, first
        assert second.strip() == "token: required (Authorization: Bearer ...)"
        endpoint = found.group(1)
        assert httpx.post(endpoint, json=INITIALIZE, headers=ACCEPT).status_code == 401
        let_in = httpx.post(endpoint, json=INITIALIZE, headers={**ACCEPT, "authorization": f"Bearer {TOKEN}"})
        assert let_in.status_code == 200
    finally:
        process.send_signal(signal.SIGINT)
        _, stderr = process.communicate(timeout=15)
    assert TOKEN not in stderr


def test_a_body_over_the_limit_is_refused_unread(url):
    call = {"jsonrpc": "2.0", "id": 2, "method": "tools/call",
            "params": {"name": "upsert_customer", "arguments": {"mappings": {"x": "y" * MAX_BODY_BYTES}}}}
    answer = httpx.post(url, json=call, headers={**ACCEPT, "authorization": f"Bearer {TOKEN}"})
    assert answer.status_code == 413

"""The MCP server's fixtures: a sandbox reset per test, a runner connected to it, the SDK's client."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from typing import Any

import pytest
from mcp import Client

from cio_connector import load_connector
from cio_connector.mcp import ServerConnection, ToolRunner
from cio_connector.mcp.server import create_server
from cio_connector.sandbox import SandboxServer

EMAIL = "ada@example.com"
#: Protocol eras the SDK client speaks: the 2026 per-request envelope, and the initialize handshake.
MODES = ("auto", "legacy")


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(scope="session")
def connector():
    return load_connector()


@pytest.fixture(scope="session")
def server_process_sandbox() -> Iterator[SandboxServer]:
    with SandboxServer(region="us") as sandbox:
        yield sandbox


@pytest.fixture
def sandbox(server_process_sandbox) -> SandboxServer:
    server_process_sandbox.reset()
    return server_process_sandbox


@pytest.fixture
def connection(sandbox) -> dict[str, Any]:
    return sandbox.connection()


def runner_for(
    connection: dict[str, Any], origin: str = "--connection connection.yaml", *, connector=None, places=None, **kwargs
) -> ToolRunner:
    """A runner as the command builds one: its own connector (closing it closes only its clients)."""
    return ToolRunner(connector or load_connector(), ServerConnection(connection, origin, places or {}), **kwargs)


@asynccontextmanager
async def connected(runner: ToolRunner, mode: str = "auto") -> AsyncIterator[Client]:
    """The SDK's own client, talking to our server in this process."""
    try:
        async with Client(create_server(runner), mode=mode) as client:
            yield client
    finally:
        await runner.aclose()


def requests_seen(sandbox: SandboxServer) -> int:
    """How many requests reached the sandbox (every path, every status)."""
    return len(sandbox.controls.requests())

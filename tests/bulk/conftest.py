"""A sandbox for the bulk tests (reset per test), connections to it, and a real redis-server when one can be had."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from collections.abc import Iterator

import pytest

from cio_connector import load_connector
from cio_connector.sandbox import SandboxServer


@pytest.fixture(scope="session")
def connector():
    return load_connector()


@pytest.fixture(scope="session")
def server() -> Iterator[SandboxServer]:
    with SandboxServer(region="us") as running:
        yield running


@pytest.fixture
def sandbox(server: SandboxServer) -> SandboxServer:
    server.reset()
    return server


def connection_for(server: SandboxServer) -> dict:
    creds = server.credentials
    return {"region": server.region, "site_id": creds.site_id, "track_api_key": creds.track_api_key,
            "app_api_key": creds.app_api_key, "endpoints": server.endpoints(server.region)}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    """A redis-server of our own on a free loopback port (``.ci/run`` installs the Debian package)."""
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.skip("redis-server is not installed (Debian package redis-server; .ci/run installs it)")
    port = free_port()
    process = subprocess.Popen([binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.5) as sock:
                    sock.sendall(b"PING\r\n")
                    if sock.recv(16).startswith(b"+PONG"):
                        break
            except OSError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.skip(f"redis-server did not start on port {port} (exit code {process.poll()})")
            time.sleep(0.05)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        process.terminate()
        process.wait(10)

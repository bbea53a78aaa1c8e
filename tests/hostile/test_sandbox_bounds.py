"""The sandbox's admin routes: a refused setting applies nothing, and a huge body is refused while it streams."""

from __future__ import annotations

import os
import re
import resource
import socket
import subprocess
import sys
from collections.abc import Iterator

import httpx
import pytest

from cio_connector.sandbox import SandboxServer

from .capped import MEMORY_CAP

DEADLINE = 60


@pytest.mark.parametrize("seed", ["x", [1], 1.5, True, {"a": 1}])
def test_faults_with_a_bad_seed_are_refused_and_nothing_changes(seed):
    with SandboxServer(region="us") as sandbox:
        before = httpx.get(f"{sandbox.url}/_sandbox/faults").json()
        answer = httpx.put(f"{sandbox.url}/_sandbox/faults", json={"error_rate": 1, "seed": seed})
        after = httpx.get(f"{sandbox.url}/_sandbox/faults").json()
    assert answer.status_code == 400 and "seed must be a whole number" in answer.json()["error"]
    assert after == before and after["error_rate"] == 0


@pytest.fixture(scope="module")
def capped_sandbox() -> Iterator[str]:
    def cap() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (MEMORY_CAP, MEMORY_CAP))

    child = subprocess.Popen([sys.executable, "-m", "cio_connector.cli", "sandbox", "--port", "0"], stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True, preexec_fn=cap, env={**os.environ, "PYTHONUNBUFFERED": "1"})
    assert child.stdout is not None
    url = re.search(r"listening on (http://\S+)", child.stdout.readline())
    assert url
    try:
        yield url.group(1)
    finally:
        child.terminate()
        _, err = child.communicate(timeout=DEADLINE)
        assert "Traceback" not in err and "MemoryError" not in err, err[-3000:]


@pytest.mark.parametrize("route", ["/_sandbox/faults", "/_sandbox/segments", "/_sandbox/reset"])
def test_an_admin_body_larger_than_the_memory_cap_is_refused_as_it_streams(capped_sandbox, route):
    host, port = capped_sandbox.removeprefix("http://").rsplit(":", 1)
    sock = socket.create_connection((host, int(port)), timeout=DEADLINE)
    method = "PUT" if route == "/_sandbox/faults" else "POST"
    sock.sendall(f"{method} {route} HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n".encode())
    chunk = b"%x\r\n" % (1 << 20) + b" " * (1 << 20) + b"\r\n"
    try:
        for _ in range(1200):  # 1.2 GB of spaces, more than the sandbox's whole address space
            sock.sendall(chunk)
    except OSError:
        pass  # the sandbox answered and closed while we were still sending: that is the point
    answer = sock.recv(4096)
    sock.close()
    assert answer.startswith(b"HTTP/1.1 400") and b"over 1,000,000 bytes" in answer
    assert httpx.get(f"{capped_sandbox}/_sandbox/faults", timeout=DEADLINE).status_code == 200

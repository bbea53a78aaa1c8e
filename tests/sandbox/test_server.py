"""The server runner: free ports, clean shutdown, the foreground ``serve`` and the public surface."""

from __future__ import annotations

import ast
import os
import re
import signal
import socket
import subprocess
import sys
import threading
from pathlib import Path

import httpx
import pytest

import cio_connector.sandbox as sandbox_package
from cio_connector.sandbox import DEFAULT_SEGMENTS, DEMO_CREDENTIALS, SandboxServer, SegmentSeed

PACKAGE_DIR = Path(sandbox_package.__file__).parent
REPO_ROOT = PACKAGE_DIR.parents[1]


def _sandbox_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "cio-sandbox"]


def test_start_and_stop_leave_nothing_behind() -> None:
    before = len(_sandbox_threads())
    with SandboxServer() as server:
        port = server.port
        assert port > 0 and server.url == f"http://127.0.0.1:{port}"
        assert httpx.get(f"{server.url}/_sandbox/state").status_code == 200
        assert len(_sandbox_threads()) == before + 1
    assert len(_sandbox_threads()) == before
    with pytest.raises(OSError), socket.create_connection(("127.0.0.1", port), timeout=1):
        pass


def test_two_servers_get_different_ports() -> None:
    with SandboxServer() as first, SandboxServer(region="eu") as second:
        assert first.port != second.port
        assert second.endpoints()["track"].endswith("/eu")


def test_a_server_starts_once() -> None:
    with SandboxServer() as server, pytest.raises(RuntimeError, match="already started"):
        server.start()


def test_a_busy_port_is_an_error() -> None:
    with SandboxServer() as server, pytest.raises(OSError):
        SandboxServer(port=server.port).start()


def test_defaults() -> None:
    server = SandboxServer()
    assert (server.region, server.credentials) == ("us", DEMO_CREDENTIALS)
    assert DEMO_CREDENTIALS.site_id == "sandbox-site-id"
    assert "sandbox-track-api-key" not in repr(DEMO_CREDENTIALS)
    assert {s.type for s in DEFAULT_SEGMENTS} == {"manual", "dynamic"}
    assert [s["id"] for s in server.state.segments()] == [s.id for s in DEFAULT_SEGMENTS]
    custom = SandboxServer(segments=[SegmentSeed("Only")])
    assert [(s["id"], s["name"]) for s in custom.state.segments()] == [(1, "Only")]
    with pytest.raises(ValueError, match="region"):
        SandboxServer(region="ap")  # type: ignore[arg-type]


def test_tls_writes_its_certificate_where_asked(tmp_path: Path) -> None:
    with SandboxServer(tls=True, cert_dir=tmp_path) as server:
        assert server.cert_path == tmp_path / "ca.pem" and server.cert_path.exists()
        assert server.url.startswith("https://")


@pytest.mark.slow
def test_python_dash_m_runs_in_the_foreground_until_interrupted(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO_ROOT), os.environ.get("PYTHONPATH")])),
    }
    command = [
        sys.executable,
        "-m",
        "cio_connector.sandbox",
        "--port",
        "0",
        "--region",
        "eu",
        "--tls",
        "--cert-dir",
        str(tmp_path),
    ]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        lines = []
        assert process.stdout is not None
        for line in process.stdout:
            lines.append(line)
            if line.startswith("Press Ctrl-C"):
                break
        output = "".join(lines)
        url = re.search(r"listening on (https://127\.0\.0\.1:\d+)", output).group(1)  # type: ignore[union-attr]
        assert f"eu  track: {url}/eu" in output and "sandbox-track-api-key" in output and "ca.pem" in output
        response = httpx.get(f"{url}/_sandbox/state", verify=False)
        assert response.json()["workspace"]["region"] == "eu"
    finally:
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=15) == 0
        process.stdout.close()  # type: ignore[union-attr]
        process.stderr.close()  # type: ignore[union-attr]


def _isort_style(name: str) -> tuple[int, str]:
    """ruff RUF022's order, as in facts.py and errors.py: CONSTANTS, then Classes, then functions."""
    return (0 if name.isupper() else 1 if name[:1].isupper() else 2, name)


def test_public_api_is_sorted_and_importable() -> None:
    names = sandbox_package.__all__
    assert names == sorted(names, key=_isort_style)
    for name in names:
        assert hasattr(sandbox_package, name), name


@pytest.mark.parametrize("module", sorted(PACKAGE_DIR.glob("*.py")), ids=lambda p: p.name)
def test_every_module_follows_the_house_style(module: Path) -> None:
    tree = ast.parse(module.read_text())
    docstring = ast.get_docstring(tree)
    assert docstring and docstring.strip(), "module docstring"
    assert any(
        isinstance(node, ast.ImportFrom)
        and node.module == "__future__"
        and node.names[0].name == "annotations"
        for node in tree.body
    )
    assert len(module.read_text().splitlines()) <= 300

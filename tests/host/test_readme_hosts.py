"""The host guide's examples run as written: the sandbox and ``serve`` on free ports in place of 8765 and 8000."""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from cio_connector import load_connector
from cio_connector.sandbox import SandboxServer

from .test_host_process import _start, _stop

pytestmark = pytest.mark.slow

GUIDE = Path(__file__).resolve().parents[2] / "docs" / "hosts.md"
SECTION = GUIDE.read_text()


def _blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", SECTION, re.S)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_the_entry_point_example_runs(capsys):
    exec(compile(_blocks("python")[0], "docs/hosts.md", "exec"), {})
    assert capsys.readouterr().out.strip() == str(sorted(load_connector().actions))


def test_the_cli_example_runs_against_the_sandbox(tmp_path):
    (script,) = _blocks("bash")
    with SandboxServer(region="us") as sandbox:
        text = script.replace("8765", str(sandbox.port))
        env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
        result = subprocess.run(
            ["bash", "-c", text], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120, check=False
        )
        assert result.returncode == 0, result.stderr
        documents = result.stdout.strip().splitlines()
        assert documents[-1] == "exit 1: the record is missing, so nothing was sent"
        check, options, executed, invalid = (json.loads(line) for line in documents[:-1])
        assert check["ok"] is True
        assert [o["label"] for o in options["options"]] == ["Beta testers", "Churn risk", "VIP customers"]
        assert executed["outcome"] == "executed" and sandbox.state.find("ada@example.com") is not None
        assert invalid["outcome"] == "invalid" and len(sandbox.controls.requests()) == 4  # check (2), options, one execute


def test_the_http_example_runs_against_serve(capsys):
    port = _free_port()
    with SandboxServer(region="us") as sandbox:
        allow = f"--allow-endpoint=http://127.0.0.1:{sandbox.port}"
        process, _ = _start("serve", "--port", str(port), "--token", "change-me", allow, ready="listening on")
        try:
            code = _blocks("python")[1].replace("8765", str(sandbox.port)).replace("8000", str(port))
            exec(compile(code, "docs/hosts.md", "exec"), {})
        finally:
            _stop(process)
        out = capsys.readouterr().out.splitlines()
        assert out[0].startswith("['add_customer_to_segment'")
        assert out[1] == "{'outcome': 'success'}"
        assert "'label': 'VIP customers', 'value': '1'" in out[2]
        assert out[3] == "Upsert customer: done (Customer.io answered 200)"
        assert out[4].startswith("400 [{'path': '$.config.matching_value'")
        assert sandbox.state.find("ada@example.com")["attributes"] == {"plan": "pro"}

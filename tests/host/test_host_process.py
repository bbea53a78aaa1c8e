"""Playing Cargo: ``serve`` and the sandbox run as separate processes; the test speaks only HTTP."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
from collections.abc import Iterator

import httpx
import jsonschema
import pytest

from .conftest import CONFIGS, EMAIL, MANIFEST_SCHEMA

pytestmark = pytest.mark.slow

TOKEN = "host-test-token"


def _start(*args: str, ready: str, env: dict[str, str] | None = None) -> tuple[subprocess.Popen, list[str]]:
    """Start ``cio-connector ARGS`` and read its stdout up to the line containing ``ready``."""
    process = subprocess.Popen(
        [sys.executable, "-m", "cio_connector.cli", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env=env,
    )
    assert process.stdout is not None
    lines: list[str] = []
    while not any(ready in line for line in lines):
        line = process.stdout.readline()
        if not line:
            process.kill()
            raise AssertionError(f"cio-connector {' '.join(args)} exited before it was ready: {lines}")
        lines.append(line.rstrip("\n"))
    return process, lines


def _stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@pytest.fixture(scope="module")
def sandbox() -> Iterator[dict]:
    process, lines = _start("sandbox", "--port", "0", ready="Press Ctrl-C")
    try:
        url = re.search(r"listening on (http://\S+)", lines[0]).group(1)  # type: ignore[union-attr]
        creds = {key: value for key, value in (line.split() for line in lines if re.match(r"\s+(site_id|\w+_api_key)\s", line))}
        yield {"url": url, **creds}
    finally:
        _stop(process)


@pytest.fixture(scope="module")
def host(sandbox) -> Iterator[httpx.Client]:
    env = {**os.environ, "CIO_CONNECTOR_TOKEN": TOKEN}
    allowed = [sandbox["url"]]
    process, lines = _start("serve", "--port", "0", *(f"--allow-endpoint={url}" for url in allowed), ready="listening on",
                            env=env)
    try:
        assert TOKEN not in "".join(lines)
        url = re.search(r"listening on (http://\S+)", lines[-1]).group(1)  # type: ignore[union-attr]
        with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {TOKEN}"}, timeout=30) as client:
            yield client
    finally:
        _stop(process)


@pytest.fixture
def fresh(sandbox) -> dict:
    httpx.post(f"{sandbox['url']}/_sandbox/reset").raise_for_status()
    return sandbox


def connection(sandbox: dict, region: str = "us", **overrides: str) -> dict:
    keys = {k: sandbox[k] for k in ("site_id", "track_api_key", "app_api_key")}
    endpoints = {"track": f"{sandbox['url']}/{region}", "app": f"{sandbox['url']}/{region}"}
    return {"region": region, **keys, "endpoints": endpoints, **overrides}


def envelope(conn: dict, **body) -> dict:
    return {"connector": {"uuid": "c-1", "workspaceUuid": "w-1", "config": conn}, **body}


def reached(sandbox: dict) -> list[dict]:
    return httpx.get(f"{sandbox['url']}/_sandbox/requests").json()["requests"]


def test_the_manifest_has_the_contract_shape(host, connector):
    manifest = host.get("/manifest").json()
    jsonschema.Draft202012Validator(MANIFEST_SCHEMA).validate(manifest)
    assert sorted(manifest["actions"]) == sorted(connector.actions)
    assert httpx.get(host.base_url.join("/manifest")).status_code == 401  # no token
    assert httpx.get(host.base_url.join("/health")).status_code == 200


def test_authenticate_good_each_bad_credential_and_wrong_region(host, fresh):
    assert host.post("/authenticate", json=envelope(connection(fresh))).json() == {"outcome": "success"}
    for field, says in [
        ("site_id", "Site ID or Track API key"),
        ("track_api_key", "Site ID or Track API key"),
        ("app_api_key", "App API key"),
    ]:
        body = host.post("/authenticate", json=envelope(connection(fresh, **{field: "wrong"}))).json()
        assert body["outcome"] == "error" and body["reason"] == "unauthenticated" and says in body["errorMessage"], field
    body = host.post("/authenticate", json=envelope(connection(fresh, region="eu"))).json()
    assert body["outcome"] == "error" and "choose US as the region" in body["errorMessage"]


def test_segment_autocomplete_lists_manual_segments_by_name(host, fresh):
    seeded = [{"name": "Newsletter", "id": 40}, {"name": "Lapsed (data-driven)", "type": "dynamic", "id": 41}]
    httpx.post(f"{fresh['url']}/_sandbox/segments", json={"segments": seeded}).raise_for_status()
    body = host.post("/autocomplete", json=envelope(connection(fresh), slug="segments", params={"type": "manual"})).json()
    assert body["results"] == [
        {"label": "Beta testers", "value": "2"},
        {"label": "Churn risk", "value": "3"},
        {"label": "Newsletter", "value": "40"},
        {"label": "VIP customers", "value": "1"},
    ]


def test_every_action_executes_dry_then_for_real(host, fresh):
    conn = connection(fresh)
    for action, config in CONFIGS.items():
        dry = host.post(f"/actions/{action}/execute", json=envelope(conn, config=config, isDryExecution=True))
        assert dry.status_code == 200 and dry.json()["data"]["dry_run"] is True, dry.text
        assert fresh["track_api_key"] not in dry.text
    assert reached(fresh) == []
    for action, config in CONFIGS.items():
        done = host.post(f"/actions/{action}/execute", json=envelope(conn, config=config))
        assert done.status_code == 200 and done.json()["data"]["status"] == 200, done.text
    assert [r["status"] for r in reached(fresh)] == [200] * len(CONFIGS)
    state = httpx.get(f"{fresh['url']}/_sandbox/state").json()
    assert not any(p.get("email") == EMAIL for p in state["people"])  # delete_customer ran last


def test_a_bad_config_is_a_400_with_every_problem_and_nothing_reaches_the_sandbox(host, fresh):
    config = {"matching_field": "email", "matching_value": "not-an-email", "mappings": {"": 1}, "colour": "red"}
    answer = host.post("/actions/upsert_customer/execute", json=envelope(connection(fresh), config=config))
    assert answer.status_code == 400
    assert {p["path"] for p in answer.json()["problems"]} == {
        "$.config.matching_value",
        '$.config.mappings[""]',
        "$.config.colour",
    }
    assert reached(fresh) == []


def test_serve_with_the_sandbox_beside_it_needs_nothing_else():
    process, lines = _start("serve", "--port", "0", "--sandbox", ready="Press Ctrl-C")
    try:
        host_url = re.search(r"integration server listening on (http://\S+)", "\n".join(lines)).group(1)  # type: ignore[union-attr]
        sandbox_url = re.search(r"sandbox listening on (http://\S+)", "\n".join(lines)).group(1)  # type: ignore[union-attr]
        assert "token: none" in "\n".join(lines)
        creds = {key: value for key, value in (line.split() for line in lines if re.match(r"\s+(site_id|\w+_api_key)\s", line))}
        conn = connection({"url": sandbox_url, **creds})
        answer = httpx.post(f"{host_url}/authenticate", json=envelope(conn), timeout=30)
        assert answer.json() == {"outcome": "success"}
        assert f"form page: {host_url}/forms" in "\n".join(lines)
        page = httpx.get(f"{host_url}/forms?action=add_customer_to_segment", timeout=30)
        assert page.status_code == 200 and "Add customer to segment" in page.text
        segments = httpx.get(f"{host_url}/forms/options/add_customer_to_segment/segment", timeout=30)
        assert segments.status_code == 200 and segments.json()  # live manual segments of the in-process sandbox
    finally:
        _stop(process)


def test_serve_exits_1_when_the_port_is_taken_and_2_on_usage_errors():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = str(taken.getsockname()[1])
        result = subprocess.run(
            [sys.executable, "-m", "cio_connector.cli", "serve", "--port", port], capture_output=True, text=True, timeout=60
        )
    assert result.returncode == 1 and f"cannot listen on 127.0.0.1:{port}" in result.stderr
    result = subprocess.run(
        [sys.executable, "-m", "cio_connector.cli", "serve", "--port", "70000"], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 2 and "not a port" in result.stderr

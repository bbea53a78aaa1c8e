"""``cio-connector mcp`` as a desktop agent runs it: a subprocess speaking MCP over stdio."""

from __future__ import annotations

import json
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from mcp import Client
from mcp.client.stdio import StdioServerParameters, stdio_client

from .conftest import EMAIL, requests_seen

pytestmark = [pytest.mark.anyio, pytest.mark.slow]


@asynccontextmanager
async def stdio(tmp_path: Path, *args: str, env: dict[str, str] | None = None, mode: str = "auto") -> AsyncIterator[Client]:
    """The SDK's client over the stdio of ``cio-connector mcp ARGS``; its stderr goes to ``stderr.txt``."""
    params = StdioServerParameters(command=sys.executable, args=["-m", "cio_connector.cli", "mcp", *args], env=env)
    with (tmp_path / "stderr.txt").open("w") as errlog:
        async with Client(stdio_client(params, errlog=errlog), mode=mode) as client:
            yield client


@pytest.mark.parametrize("mode", ["auto", "legacy"])
async def test_upsert_and_add_to_a_listed_segment_over_stdio(tmp_path, sandbox, mode):
    path = tmp_path / "connection.json"
    path.write_text(json.dumps(sandbox.connection()))
    async with stdio(tmp_path, "--connection", str(path), mode=mode) as client:
        tools = (await client.list_tools()).tools
        segments = (await client.call_tool("list_segments", {})).structured_content["options"]
        chosen = next(s["value"] for s in segments if s["label"] == "VIP customers")
        upserted = await client.call_tool("upsert_customer", {"matching_field": "email", "matching_value": EMAIL})
        added = await client.call_tool(
            "add_customer_to_segment", {"matching_field": "email", "matching_value": EMAIL, "segment": chosen}
        )
    assert {"check_connection", "list_segments", "upsert_customer"} <= {t.name for t in tools}
    assert next(t for t in tools if t.name == "delete_customer").annotations.destructive_hint is True
    assert not upserted.is_error and not added.is_error
    assert sandbox.state.find(EMAIL)["segments"] == [chosen]


async def test_a_yaml_connection_a_dry_run_and_bad_input_over_stdio(tmp_path, sandbox):
    connection = sandbox.connection()
    path = tmp_path / "connection.yaml"
    lines = [f"{key}: {json.dumps(value)}" for key, value in connection.items() if key != "endpoints"]
    lines += ["endpoints:", *(f"  {api}: {url}" for api, url in connection["endpoints"].items())]
    path.write_text("\n".join(lines) + "\n")
    async with stdio(tmp_path, "--connection", str(path)) as client:
        before = requests_seen(sandbox)
        dry = await client.call_tool("delete_customer", {"matching_field": "id", "matching_value": "42", "dry_run": True})
        bad = await client.call_tool("delete_customer", {"matching_field": "phone", "matching_value": ""})
        assert requests_seen(sandbox) == before
    assert dry.structured_content["request"]["json"] == {"type": "person", "identifiers": {"id": "42"}, "action": "delete"}
    assert bad.is_error
    assert "- $.matching_field (Matching Field Name): " in bad.content[0].text
    assert "- $.matching_value (Matching Value): " in bad.content[0].text


async def test_a_wrong_track_key_names_the_track_credential_over_stdio(tmp_path, sandbox):
    path = tmp_path / "connection.json"
    path.write_text(json.dumps({**sandbox.connection(), "track_api_key": "wrong-key"}))
    async with stdio(tmp_path, "--connection", str(path)) as client:
        result = await client.call_tool("track_event", {"name": "signup", "customer_id": EMAIL})
    assert result.is_error
    assert result.content[0].text.startswith("Customer.io refused the Track API credentials (site_id, track_api_key)")
    assert f"Fix it in --connection {path}" in result.content[0].text
    assert "wrong-key" not in (tmp_path / "stderr.txt").read_text() + result.content[0].text


async def test_the_environment_gives_the_connection_and_each_missing_variable_is_named(tmp_path):
    env = {"CIO_REGION": "us", "CIO_SITE_ID": "site", "CIO_TRACK_API_KEY": "track-secret"}
    async with stdio(tmp_path, env=env) as client:
        assert len((await client.list_tools()).tools) >= 8  # listing needs no connection
        result = await client.call_tool("list_segments", {})
    stderr = (tmp_path / "stderr.txt").read_text()
    assert result.is_error
    assert "- connection $.app_api_key (App API Key): is required [set in CIO_APP_API_KEY]" in result.content[0].text
    assert "warning: the connection from the environment is not usable yet" in stderr
    assert "$.app_api_key: is required (set in CIO_APP_API_KEY)" in stderr
    assert "track-secret" not in stderr + result.content[0].text


async def test_sandbox_starts_a_sandbox_and_connects_to_it(tmp_path):
    async with stdio(tmp_path, "--sandbox") as client:
        check = await client.call_tool("check_connection", {})
        segments = await client.call_tool("list_segments", {})
    assert check.structured_content["ok"] is True
    assert [s["label"] for s in segments.structured_content["options"]] == ["Beta testers", "Churn risk", "VIP customers"]
    assert "Customer.io sandbox listening on http://127.0.0.1:" in (tmp_path / "stderr.txt").read_text()

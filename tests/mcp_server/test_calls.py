"""How a tool's arguments become the connector's config: as given, never rendered."""

from __future__ import annotations

import pytest

from cio_connector.mcp.calls import arguments_config

from .conftest import connected, requests_seen, runner_for

pytestmark = pytest.mark.anyio


def test_concrete_arguments_are_the_config_itself():
    arguments = {"matching_field": "id", "matching_value": "42", "mappings": {"seats": 3, "tags": ["a", "b"]}}
    assert arguments_config(arguments) == (arguments, {})


def test_text_that_looks_like_a_template_is_read_from_the_record_wherever_it_stands():
    arguments = {"name": "{{ x }}", "mappings": {"greeting": "Hi {{ customer.name }}", "list": ["{% if %}", "{# c #}", "ok"]}}
    config, record = arguments_config(arguments)
    assert config == {
        "name": "{{ record.text0 }}",
        "mappings": {"greeting": "{{ record.text1 }}", "list": ["{{ record.text2 }}", "{{ record.text3 }}", "ok"]},
    }
    assert record == {"text0": "{{ x }}", "text1": "Hi {{ customer.name }}", "text2": "{% if %}", "text3": "{# c #}"}


async def test_a_template_looking_identifier_is_sent_as_written(connection, sandbox):
    async with connected(runner_for(connection)) as client:
        result = await client.call_tool("upsert_customer", {"matching_field": "id", "matching_value": "{{ record.id }}"})
    assert not result.is_error
    assert sandbox.state.find("{{ record.id }}") is not None


async def test_a_template_looking_value_is_still_validated_as_a_value(connection):
    async with connected(runner_for(connection)) as client:
        result = await client.call_tool("upsert_customer", {"matching_field": "email", "matching_value": "{{ email }}"})
    assert result.is_error
    assert "- $.matching_value (Matching Value): must be an email address" in result.content[0].text


@pytest.mark.parametrize("depth", [100, 5_000])
async def test_arguments_nested_past_any_config_are_refused_not_crashed_on(connection, sandbox, depth):
    deep: dict = {"x": "{{ 7 * 7 }}"}
    for _ in range(depth):
        deep = {"a": deep}
    runner = runner_for(connection)
    before = requests_seen(sandbox)
    # The runner itself: a JSON-RPC peer may send what the SDK's own client refuses to serialize.
    result = await runner.call("upsert_customer", {"matching_field": "id", "matching_value": "1", "mappings": deep})
    await runner.aclose()
    assert requests_seen(sandbox) == before
    assert result.is_error
    assert "nests deeper than" in result.text


async def test_each_call_is_logged_without_its_arguments(connection, caplog):
    runner = runner_for(connection)
    with caplog.at_level("INFO", logger="cio_connector.mcp"):
        private = {"matching_field": "email", "matching_value": "private@example.com", "dry_run": True}
        await runner.call("upsert_customer", private)
        await runner.call("upsert_customer", {"matching_field": "email", "matching_value": "not-an-email"})
    await runner.aclose()
    lines = [record.getMessage() for record in caplog.records if record.name == "cio_connector.mcp"]
    assert [line.rsplit(" in ", 1)[0] for line in lines] == ["tool upsert_customer -> ok", "tool upsert_customer -> error"]
    assert "private@example.com" not in caplog.text and "not-an-email" not in caplog.text

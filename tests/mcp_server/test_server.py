"""The server as an agent meets it: the SDK's own client, in this process, against the sandbox.

Every test runs in both protocol eras the client speaks (2026's per-request envelope and the
initialize handshake), since desktop agents and IDEs use either.
"""

from __future__ import annotations

import json

import pytest
from mcp.shared.exceptions import MCPError

from cio_connector import load_connector
from cio_connector.client.http import RetryPolicy
from cio_connector.mcp import tool_catalog
from cio_connector.sandbox import Faults, SandboxServer

from .conftest import EMAIL, MODES, connected, requests_seen, runner_for

pytestmark = pytest.mark.anyio

@pytest.fixture(params=MODES)
def mode(request) -> str:
    return request.param


async def test_lists_one_tool_per_action_then_the_lookups(connector, connection, mode):
    async with connected(runner_for(connection), mode) as client:
        tools = {tool.name: tool for tool in (await client.list_tools()).tools}
    lookups = [name for name, tool in tools.items() if tool.annotations.read_only_hint]
    assert list(tools) == [*connector.actions, *lookups]
    assert lookups[0] == "check_connection" and "list_segments" in lookups
    upsert = tools["upsert_customer"]
    assert upsert.title == "Upsert customer"
    assert upsert.description.startswith("Create a new customer or update an existing one in Customer.io.")
    assert "- matching_value (Matching Value, required): The value to identify the customer." in upsert.description
    assert upsert.input_schema == dict(tool_catalog(connector)[0].input_schema)  # catalog tests say what it holds
    assert upsert.output_schema["required"] == ["action", "dry_run", "request", "status", "response", "attempts"]


@pytest.mark.parametrize(
    ("tool", "read_only", "destructive", "idempotent"),
    [
        ("upsert_customer", False, False, True),
        ("delete_customer", False, True, True),
        ("add_customer_to_segment", False, False, True),
        ("remove_customer_from_segment", False, True, True),
        ("track_event", False, False, False),
        ("track_page", False, False, False),
        ("check_connection", True, None, None),
        ("list_segments", True, None, None),
    ],
)
async def test_annotations_say_what_each_tool_does_to_the_workspace(
    connection, tool, read_only, destructive, idempotent
):
    async with connected(runner_for(connection)) as client:
        found = next(t for t in (await client.list_tools()).tools if t.name == tool)
    hints = found.annotations
    assert (hints.read_only_hint, hints.destructive_hint, hints.idempotent_hint) == (read_only, destructive, idempotent)
    assert hints.open_world_hint is True  # every tool reaches Customer.io


async def test_upsert_then_add_to_a_segment_picked_from_list_segments(connection, sandbox, mode):
    async with connected(runner_for(connection), mode) as client:
        listed = await client.call_tool("list_segments", {})
        assert not listed.is_error
        segments = listed.structured_content["options"]
        assert segments == [{"value": 2, "label": "Beta testers"}, {"value": 3, "label": "Churn risk"},
                            {"value": 1, "label": "VIP customers"}]
        upsert = await client.call_tool(
            "upsert_customer", {"matching_field": "email", "matching_value": EMAIL, "mappings": {"plan": "pro"}}
        )
        added = await client.call_tool(
            "add_customer_to_segment", {"matching_field": "email", "matching_value": EMAIL, "segment": segments[0]["value"]}
        )
    assert not upsert.is_error and not added.is_error
    assert upsert.structured_content["status"] == 200
    assert added.content[0].text == "Add customer to segment: done. Customer.io answered 200."
    assert json.loads(added.content[1].text) == added.structured_content  # the same JSON for text-only clients
    person = sandbox.state.find(EMAIL)
    assert person["attributes"] == {"plan": "pro"}
    assert person["segments"] == [2]


async def test_values_are_taken_as_given_never_rendered_as_templates(connection, sandbox):
    liquid = "Hi {{ customer.first_name }}"
    async with connected(runner_for(connection)) as client:
        result = await client.call_tool(
            "upsert_customer", {"matching_field": "id", "matching_value": "42", "mappings": {"greeting": liquid}}
        )
    assert not result.is_error
    assert sandbox.state.find("42")["attributes"] == {"greeting": liquid}


async def test_a_dry_run_returns_the_request_and_sends_nothing(connection, sandbox, mode):
    async with connected(runner_for(connection), mode) as client:
        before = requests_seen(sandbox)
        result = await client.call_tool(
            "track_event", {"name": "purchase", "customer_id": EMAIL, "mappings": {"total": 42}, "dry_run": True}
        )
    assert requests_seen(sandbox) == before
    assert not result.is_error
    document = result.structured_content
    assert (document["dry_run"], document["status"], document["attempts"]) == (True, None, 0)
    assert document["request"]["method"] == "POST"
    assert document["request"]["url"].endswith("/us/api/v2/entity")
    assert document["request"]["json"]["name"] == "purchase"
    assert document["request"]["headers"]["authorization"] == "Basic ********"
    assert result.content[0].text.startswith("Track event: dry run, nothing sent.")


async def test_bad_input_lists_every_problem_with_path_and_label_and_sends_nothing(connection, sandbox, mode):
    arguments = {"matching_field": "email", "matching_value": "nope", "segment": "first", "colour": "red", "dry_run": "yes"}
    async with connected(runner_for(connection), mode) as client:
        before = requests_seen(sandbox)
        result = await client.call_tool("add_customer_to_segment", arguments)
    assert requests_seen(sandbox) == before
    assert result.is_error
    assert result.structured_content is None
    assert result.content[0].text.splitlines() == [
        "Invalid input for add_customer_to_segment; nothing was sent.",
        "- $.dry_run (Dry run): must be true or false",
        "- $.matching_value (Matching Value): must be an email address when Matching Field Name is Email",
        "- $.segment (Segment): must be an integer, not a string",
        "- $.colour: unknown field; known fields: matching_field, matching_value, segment",
    ]


async def test_a_missing_argument_is_named(connection):
    async with connected(runner_for(connection)) as client:
        result = await client.call_tool("delete_customer", {"matching_field": "id"})
    assert result.is_error
    assert "$.matching_value (Matching Value)" in result.content[0].text


async def test_a_wrong_track_key_names_the_track_credential_and_where_it_is_set(connection, mode):
    wrong = {**connection, "track_api_key": "not-the-key"}
    async with connected(runner_for(wrong), mode) as client:
        result = await client.call_tool("upsert_customer", {"matching_field": "id", "matching_value": "42"})
    assert result.is_error
    text = result.content[0].text
    assert text.startswith("Customer.io refused the Track API credentials (site_id, track_api_key): ")
    assert "Site ID or Track API key is wrong" in text and "(Customer.io answered 401)" in text
    assert "Fix it in --connection connection.yaml" in text
    assert "not-the-key" not in text


async def test_a_wrong_app_key_fails_list_segments_naming_the_app_key(connection):
    async with connected(runner_for({**connection, "app_api_key": "nope"})) as client:
        result = await client.call_tool("list_segments", {})
    assert result.is_error
    assert result.content[0].text.startswith("Customer.io refused the App API key (app_api_key): App API key is wrong")


async def test_the_wrong_region_is_named():
    with SandboxServer(region="eu") as eu:
        us_claimed = eu.connection(region="us")  # an EU workspace, asked for in the US: Customer.io redirects
        async with connected(runner_for(us_claimed)) as client:
            result = await client.call_tool("upsert_customer", {"matching_field": "id", "matching_value": "42"})
    assert result.is_error
    assert result.content[0].text.startswith("Customer.io refused the region: ")
    assert "this workspace is in EU, not US; choose EU as the region" in result.content[0].text


async def test_a_track_refusal_in_the_other_region_points_at_check_connection(sandbox):
    eu_claimed = sandbox.connection(region="eu")  # a US workspace asked for in the EU: Customer.io answers 401
    async with connected(runner_for(eu_claimed)) as client:
        result = await client.call_tool("upsert_customer", {"matching_field": "id", "matching_value": "42"})
        check = await client.call_tool("check_connection", {})
    assert result.is_error
    assert "if the keys are right, the region may not be: check_connection says which" in result.content[0].text
    assert "choose US as the region" in check.content[0].text


async def test_customer_io_rejecting_the_request_is_quoted(connection):
    async with connected(runner_for(connection)) as client:
        result = await client.call_tool(
            "add_customer_to_segment", {"matching_field": "email", "matching_value": EMAIL, "segment": 999}
        )
    assert result.is_error
    assert result.content[0].text.splitlines() == [
        "Customer.io Track API rejected the request (404): segment 999 not found. Retrying will not help: fix what it names.",
        "- $.segment (Segment): segment 999 not found",
    ]


async def test_customer_io_failing_for_now_says_to_try_again(connection, sandbox):
    impatient = load_connector()
    impatient.client_options = {"retry": RetryPolicy(max_retries=0)}
    sandbox.controls.set_faults(Faults(error_rate=1.0, statuses=(503,)))
    async with connected(runner_for(connection, connector=impatient)) as client:
        result = await client.call_tool("delete_customer", {"matching_field": "id", "matching_value": "42"})
    assert result.is_error
    text = result.content[0].text
    assert text.startswith("Customer.io Track API answered 503: ") and text.endswith("Try again later.")


async def test_an_incomplete_connection_names_each_missing_variable_with_the_argument_problems():
    places = {"region": "CIO_REGION", "site_id": "CIO_SITE_ID", "track_api_key": "CIO_TRACK_API_KEY",
              "app_api_key": "CIO_APP_API_KEY"}
    runner = runner_for({"region": "us", "site_id": "s"}, "the environment", places=places)
    async with connected(runner) as client:
        result = await client.call_tool("upsert_customer", {"matching_field": "email", "matching_value": "x"})
    lines = result.content[0].text.splitlines()
    assert result.is_error
    assert lines[0] == "Invalid input for upsert_customer; nothing was sent."
    assert "- $.matching_value (Matching Value): must be an email address when Matching Field Name is Email" in lines
    assert "- connection $.track_api_key (Track API Key): is required [set in CIO_TRACK_API_KEY]" in lines
    assert "- connection $.app_api_key (App API Key): is required [set in CIO_APP_API_KEY]" in lines


async def test_check_connection_reports_each_credential_and_the_region(connection, mode):
    async with connected(runner_for(connection), mode) as client:
        good = await client.call_tool("check_connection", {})
    async with connected(runner_for({**connection, "track_api_key": "wrong"})) as client:
        bad = await client.call_tool("check_connection", {})
    assert good.structured_content["ok"] is True
    assert [c["name"] for c in good.structured_content["checks"]] == ["site_id+track_api_key", "region", "app_api_key"]
    assert bad.structured_content["ok"] is False
    assert bad.content[0].text.startswith("The connection does NOT work: Site ID or Track API key is wrong")


async def test_lookups_take_no_arguments(connection, sandbox):
    async with connected(runner_for(connection)) as client:
        before = requests_seen(sandbox)
        result = await client.call_tool("list_segments", {"type": "manual"})
    assert requests_seen(sandbox) == before
    assert result.is_error
    assert "- $.type: is not an argument of this tool; it takes none" in result.content[0].text


async def test_an_unknown_tool_is_a_protocol_error_listing_the_tools(connection, mode):
    async with connected(runner_for(connection), mode) as client:
        with pytest.raises(MCPError, match="unknown tool 'send_email'; known tools: upsert_customer, "):
            await client.call_tool("send_email", {})


async def test_no_secret_reaches_any_result(connection):
    secrets = [connection["track_api_key"], connection["app_api_key"]]
    texts = []
    async with connected(runner_for(connection)) as client:
        texts.append((await client.list_tools()).model_dump_json())
        for name, arguments in [
            ("check_connection", {}),
            ("list_segments", {}),
            ("upsert_customer", {"matching_field": "email", "matching_value": EMAIL, "dry_run": True}),
            ("upsert_customer", {"matching_field": "email", "matching_value": EMAIL}),
            ("add_customer_to_segment", {"matching_field": "email", "matching_value": "bad", "segment": 1}),
        ]:
            texts.append((await client.call_tool(name, arguments)).model_dump_json())
    assert not [secret for secret in secrets for text in texts if secret in text]


async def test_a_bad_dry_run_is_listed_with_every_other_problem_connection_included():
    runner = runner_for({"region": "us"}, "the environment", places={"site_id": "CIO_SITE_ID"})
    async with connected(runner) as client:
        result = await client.call_tool("delete_customer", {"matching_field": "id", "matching_value": "", "dry_run": 1})
    assert result.is_error
    assert result.content[0].text.splitlines() == [
        "Invalid input for delete_customer; nothing was sent.",
        "- $.dry_run (Dry run): must be true or false",
        "- $.matching_value (Matching Value): must not be empty",
        "- connection $.app_api_key (App API Key): is required [set in the environment]",
        "- connection $.site_id (Site ID): is required [set in CIO_SITE_ID]",
        "- connection $.track_api_key (Track API Key): is required [set in the environment]",
    ]


async def test_endpoints_off_loopback_need_the_servers_permission(connection):
    remote = {**connection, "endpoints": {"track": "https://cio.example.com", "app": "https://cio.example.com"}}
    arguments = {"matching_field": "id", "matching_value": "42", "dry_run": True}
    async with connected(runner_for(remote)) as client:
        refused = await client.call_tool("delete_customer", arguments)
    async with connected(runner_for(remote, allow_custom_endpoints=True)) as client:
        allowed = await client.call_tool("delete_customer", arguments)
    assert refused.is_error
    assert refused.content[0].text.startswith("The server's connection is invalid (--connection connection.yaml)")
    assert "- connection $.endpoints.track" in refused.content[0].text
    assert allowed.structured_content["request"]["url"] == "https://cio.example.com/api/v2/entity"

"""One check before sending: the config, the record and the connection together, every problem with its source.

``Connector.prepare_call`` is what ``execute`` and ``aexecute`` run; ``Connector.problems`` is its
non-raising sibling for callers that check before a record exists (a bulk run, ``validate``).
"""

from __future__ import annotations

import asyncio
import dataclasses
import json

import httpx
import pytest

from cio_connector import ConnectionConfigError, InputError, load_connector

GOOD_CONNECTION = {
    "region": "us",
    "site_id": "site-123",
    "track_api_key": "track-key-0001",
    "app_api_key": "app-key-0001",
    "endpoints": {"track": "http://127.0.0.1:9/us", "app": "http://127.0.0.1:9/us"},
}
BAD_CONNECTION = {**GOOD_CONNECTION, "region": "mars", "site_id": ""}
GOOD_CONFIG = {"matching_field": "email", "matching_value": "ada@example.com", "segment": 7}
BAD_CONFIG = {"matching_field": "email", "matching_value": "nope", "segment": 0}
ACTION = "add_customer_to_segment"
BOTH = {
    ("config", "$.matching_value"),
    ("config", "$.segment"),
    ("connection", "$.region"),
    ("connection", "$.site_id"),
}


@pytest.fixture
def wire():
    """A fresh connector whose own clients answer 200 from memory, and the list of what reached it."""
    reached: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        reached.append(request)
        return httpx.Response(200, json={})

    connector = load_connector()
    connector.client_options = {"transport": httpx.MockTransport(answer)}
    return connector, reached


def builds_of(connector, action: str) -> list[object]:
    """Wrap ``action``'s handler so every request it builds is counted."""
    built: list[object] = []
    chosen = connector.actions[action]

    def counting(inputs):
        request = chosen.handler(inputs)
        built.append(request)
        return request

    # Without its compile hook, so each build of this action goes through the counting handler.
    counted = dataclasses.replace(chosen, handler=counting, compile_handler=None)
    connector.actions = {**connector.actions, action: counted}
    return built


def sources_and_paths(problems) -> set[tuple[str | None, str]]:
    return {(p.source, p.path) for p in problems}


def run(connector, mode: str, *args, **kwargs):
    if mode == "aexecute":
        return asyncio.run(connector.aexecute(*args, **kwargs))
    return connector.execute(*args, **kwargs)


@pytest.mark.parametrize("mode", ["execute", "aexecute"])
def test_a_bad_config_and_a_bad_connection_are_reported_together_and_nothing_is_sent(wire, mode):
    connector, reached = wire
    with pytest.raises(InputError) as caught:
        run(connector, mode, ACTION, BAD_CONFIG, BAD_CONNECTION)
    assert sources_and_paths(caught.value.problems) == BOTH
    assert "connection: $.region" in str(caught.value) and "config: $.matching_value" in str(caught.value)
    assert reached == []


@pytest.mark.parametrize("mode", ["execute", "aexecute"])
def test_a_bad_connection_alone_raises_connection_config_error_with_its_source(wire, mode):
    connector, reached = wire
    with pytest.raises(ConnectionConfigError) as caught:
        run(connector, mode, ACTION, GOOD_CONFIG, BAD_CONNECTION)
    assert sources_and_paths(caught.value.problems) == {("connection", "$.region"), ("connection", "$.site_id")}
    assert reached == []


def test_a_bad_config_alone_lists_only_the_config_problems(wire):
    connector, reached = wire
    with pytest.raises(InputError) as caught:
        connector.execute(ACTION, BAD_CONFIG, GOOD_CONNECTION)
    assert sources_and_paths(caught.value.problems) == {("config", "$.matching_value"), ("config", "$.segment")}
    assert reached == []


def test_the_record_is_rendered_before_the_check_and_its_problems_are_the_configs(wire):
    connector, reached = wire
    config = {**GOOD_CONFIG, "matching_value": "{{ record.email }}"}
    with pytest.raises(InputError) as caught:
        connector.execute(ACTION, config, BAD_CONNECTION, record={"email": "not-an-email"})
    assert sources_and_paths(caught.value.problems) == {
        ("config", "$.matching_value"),
        ("connection", "$.region"),
        ("connection", "$.site_id"),
    }
    assert reached == []


@pytest.mark.parametrize("mode", ["execute", "aexecute"])
def test_the_happy_path_builds_the_request_once_and_sends_it_once(wire, mode):
    connector, reached = wire
    built = builds_of(connector, ACTION)
    result = run(connector, mode, ACTION, {**GOOD_CONFIG, "matching_value": "{{ record.email }}"}, GOOD_CONNECTION,
                 record={"email": "ada@example.com"})
    assert result.status == 200
    assert len(built) == 1 and len(reached) == 1
    assert reached[0].content == built[0].body  # the request built is the request sent


def test_a_dry_run_builds_once_and_sends_nothing(wire):
    connector, reached = wire
    built = builds_of(connector, ACTION)
    result = connector.execute(ACTION, GOOD_CONFIG, GOOD_CONNECTION, dry_run=True)
    assert result.dry_run and result.request["url"].endswith("/api/v1/segments/7/add_customers?id_type=email")
    assert len(built) == 1 and reached == []


@pytest.mark.parametrize("calls", [1, 3])
def test_a_constant_config_builds_one_request_per_call_compiling_included(wire, calls):
    # what a host like Cargo sends: its own expressions already evaluated, so nothing to render
    connector, reached = wire
    built = builds_of(connector, ACTION)
    for _ in range(calls):
        connector.execute(ACTION, GOOD_CONFIG, GOOD_CONNECTION)
    assert len(built) == calls and len(reached) == calls


def test_a_constant_event_gets_a_fresh_id_on_every_call(wire):
    connector, reached = wire
    config = {"name": "purchase", "customer_id": "u1", "event_id": "auto"}
    for _ in range(3):
        connector.execute("track_event", config, GOOD_CONNECTION)
    ids = [json.loads(request.content)["id"] for request in reached]
    assert len(set(ids)) == 3, ids


def test_prepare_call_gives_the_checked_connection_the_request_and_its_masked_description(wire):
    connector, _ = wire
    call = connector.prepare_call(ACTION, GOOD_CONFIG, GOOD_CONNECTION)
    assert call.connection.site_id == "site-123"
    assert call.request.json == {"ids": ["ada@example.com"]}
    assert call.described["headers"]["authorization"] == "Basic ********"  # segments are a Track API call
    assert "track-key-0001" not in str(call.described)


# -- problems(): the same check, without raising -----------------------------------------------------


def test_problems_with_a_record_is_prepare_calls_verdict_without_raising(wire):
    connector, _ = wire
    config = {**BAD_CONFIG, "matching_value": "{{ record.email }}"}
    record = {"email": "not-an-email"}
    with pytest.raises(InputError) as caught:
        connector.prepare_call(ACTION, config, BAD_CONNECTION, record=record)
    problems = connector.problems(ACTION, config, BAD_CONNECTION, record=record)
    assert problems == list(caught.value.problems)
    assert [p.source for p in problems] == [p.source for p in caught.value.problems]
    assert sources_and_paths(problems) == BOTH


def test_problems_is_empty_when_nothing_is_wrong(wire):
    connector, _ = wire
    assert connector.problems(ACTION, GOOD_CONFIG, GOOD_CONNECTION) == []


def test_problems_without_a_record_checks_templates_for_syntax_only(wire):
    # a bulk run checks its config before any record exists: a template is not an empty value
    connector, _ = wire
    templated = {**GOOD_CONFIG, "matching_value": "{{ record.email }}"}
    assert connector.problems(ACTION, templated, GOOD_CONNECTION) == []
    broken = {**GOOD_CONFIG, "matching_value": "{{ record.email "}
    assert sources_and_paths(connector.problems(ACTION, broken, BAD_CONNECTION)) == {
        ("config", "$.matching_value"),
        ("connection", "$.region"),
        ("connection", "$.site_id"),
    }


def test_problems_names_an_unknown_action_beside_the_connections(wire):
    connector, _ = wire
    problems = connector.problems("unsubscribe", {}, {"region": "us"})
    assert problems[0].code == "unknown_action" and problems[0].source == "config"
    assert "known actions: " in problems[0].message
    assert {p.source for p in problems[1:]} == {"connection"} and len(problems) > 1


def test_a_connection_that_is_not_a_mapping_is_a_problem_not_a_crash(wire):
    connector, _ = wire
    problems = connector.problems(ACTION, BAD_CONFIG, ["not", "a", "mapping"])
    assert ("connection", "$") in sources_and_paths(problems)
    assert ("config", "$.segment") in sources_and_paths(problems)

"""Issue 8's corrections, each checked where it shows: what validate() says and what goes on the wire."""

from __future__ import annotations

import pytest

from cio_connector import FatalApiError, InputError
from cio_connector._util.jsonbytes import json_size
from cio_connector._util.ulid import is_ulid
from cio_connector.facts import BATCH_MAX_BYTES, ENTITY_MAX_BYTES
from cio_connector.handlers.events import track_event, track_page

from .conftest import connection

ULID = "01HXJ5Z9Q4W6ZK3V8N2M7R1T0Y"


def event_config(entity_bytes: int) -> dict:
    """A track_event config whose Track v2 entity is exactly ``entity_bytes`` of compact JSON."""
    config = {"name": "purchase", "customer_id": "42", "mappings": {"blob": ""}}
    config["mappings"]["blob"] = "b" * (entity_bytes - json_size(track_event(config).json))
    return config


def test_the_caps_are_decimal():
    assert (ENTITY_MAX_BYTES, BATCH_MAX_BYTES) == (32_000, 500_000)


def test_an_entity_of_exactly_32000_bytes_is_sent(connector, recorder):
    config = event_config(32_000)
    assert connector.validate("track_event", config) == []
    conn = connector.connection(connection())
    with recorder.client(conn) as client:
        connector.execute("track_event", config, conn, client=client)
    assert len(recorder.last.content) == 32_000


@pytest.mark.parametrize("size", [32_001, 32_500, 32_767, 32_768])
def test_an_entity_between_32001_and_32768_bytes_is_refused_before_sending(connector, recorder, size):
    config = event_config(size)
    (problem,) = connector.validate("track_event", config)
    assert (problem.path, problem.label) == ("$.mappings", "Mappings")
    if json_size(config["mappings"]) <= 32_000:  # the mappings alone fit: the built entity does not
        expected = f"makes a request of {size:,} bytes; Customer.io accepts at most 32,000 bytes for /api/v2/entity"
        assert problem.message == expected
    else:  # the mappings alone are over the cap: the field's own limit says so first
        assert problem.message.endswith("bytes; at most 32,000 bytes allowed")
    conn = connector.connection(connection())
    with recorder.client(conn) as client, pytest.raises(InputError):
        connector.execute("track_event", config, conn, client=client)
    assert recorder.requests == []


@pytest.mark.parametrize("action", ["track_event", "track_page"])
@pytest.mark.parametrize("event_id", ["01HXJ5Z9Q4W6ZK3V8N2M7R1T0", "01HXJ5Z9Q4W6ZK3V8N2M7R1T0YZ", "order-42",
                                      "81HXJ5Z9Q4W6ZK3V8N2M7R1T0Y"])
def test_an_event_id_that_is_not_a_ulid_is_a_problem_at_event_id(connector, action, event_id):
    config = {"customer_id": "42", "event_id": event_id, **({"name": "x"} if action == "track_event" else {"page_url": "/p"})}
    problems = connector.validate(action, config)
    assert [(p.path, p.label) for p in problems] == [("$.event_id", "Event ID")]
    assert problems[0].message.startswith("must be a ULID (26 letters and digits")


def test_track_page_with_an_event_id_sends_id(connector, recorder):
    conn = connector.connection(connection())
    config = {"customer_id": "42", "page_url": "/pricing", "event_id": ULID}
    with recorder.client(conn) as client:
        connector.execute("track_page", config, conn, client=client)
    assert recorder.last_json() == {
        "type": "person", "identifiers": {"id": "42"}, "action": "page", "name": "/pricing", "id": ULID,
    }


@pytest.mark.parametrize("handler", [track_event, track_page])
def test_event_id_auto_gives_each_built_request_its_own_ulid(handler):
    inputs = {"name": "x", "page_url": "/p", "customer_id": "42", "event_id": "auto"}
    first, second = handler(inputs), handler(inputs)
    assert is_ulid(first.json["id"]) and is_ulid(second.json["id"])
    assert first.json["id"] != second.json["id"]
    assert first.idempotent  # so the client may retry it after an ambiguous failure


def test_event_id_auto_is_one_id_for_every_retry_of_a_request(connector, recorder):
    """The client's retries resend the built request: Customer.io sees one ULID and keeps one event."""
    answers = iter([500, 200])
    recorder.respond = lambda request: __import__("httpx").Response(next(answers), json={})
    conn = connector.connection(connection())
    with recorder.client(conn) as client:
        result = connector.execute("track_event", {"name": "x", "customer_id": "42", "event_id": "auto"}, conn, client=client)
    assert result.attempts == 2
    sent = [request.content for request in recorder.requests]
    assert len(sent) == 2 and sent[0] == sent[1]


def test_unknown_segment_is_reported_at_the_segment_field(connector, recorder):
    recorder.respond = lambda request: __import__("httpx").Response(404, json={"meta": {"errors": ["segment 999 not found"]}})
    conn = connector.connection(connection())
    config = {"matching_field": "id", "matching_value": "42", "segment": 999}
    with recorder.client(conn) as client, pytest.raises(FatalApiError) as caught:
        connector.execute("add_customer_to_segment", config, conn, client=client)
    assert [(p.path, p.message) for p in caught.value.problems] == [("$.segment", "segment 999 not found")]


def test_matching_field_is_required_with_no_default_in_schema_and_runtime(connector):
    schema = connector.actions["upsert_customer"].schema
    assert "matching_field" in schema["required"]
    assert "default" not in schema["properties"]["matching_field"]
    problems = connector.validate("upsert_customer", {"matching_value": "42"})
    assert [(p.path, p.message) for p in problems] == [("$.matching_field", "is required")]

"""Every action x matching field x region builds the exact request, valid against Customer.io's spec."""

from __future__ import annotations

import base64
import json

import pytest

from ..contract.track_spec import validate_track_request
from .conftest import SECRETS, connection

REGIONS = {"us": "https://track.customer.io", "eu": "https://track-eu.customer.io"}
MATCHING = [
    ("id", "42", {"id": "42"}),
    ("email", "jane@example.com", {"email": "jane@example.com"}),
    ("cio_id", "a3000001", {"cio_id": "a3000001"}),
    ("cio_id", "cio_a3000001", {"cio_id": "a3000001"}),
]


def send(connector, recorder, action, config, region="us", **kwargs):
    conn = connector.connection(connection(region))
    with recorder.client(conn) as client:
        result = connector.execute(action, config, conn, client=client, **kwargs)
    request = recorder.last
    validate_track_request(request.method, str(request.url), recorder.last_json())
    return result, request, recorder.last_json()


@pytest.mark.parametrize("region", REGIONS)
@pytest.mark.parametrize(("field", "value", "identifiers"), MATCHING)
def test_upsert_is_a_v2_identify_with_explicit_identifiers(connector, recorder, region, field, value, identifiers):
    config = {"matching_field": field, "matching_value": value, "mappings": {"plan": "pro", "seats": 3, "vip": True}}
    _, request, body = send(connector, recorder, "upsert_customer", config, region)
    assert (request.method, str(request.url)) == ("POST", f"{REGIONS[region]}/api/v2/entity")
    assert body == {
        "type": "person",
        "identifiers": identifiers,
        "action": "identify",
        "attributes": {"plan": "pro", "seats": 3, "vip": True},
    }


@pytest.mark.parametrize("region", REGIONS)
@pytest.mark.parametrize(("field", "value", "identifiers"), MATCHING)
def test_delete_is_a_v2_delete(connector, recorder, region, field, value, identifiers):
    _, request, body = send(connector, recorder, "delete_customer", {"matching_field": field, "matching_value": value}, region)
    assert str(request.url) == f"{REGIONS[region]}/api/v2/entity"
    assert body == {"type": "person", "identifiers": identifiers, "action": "delete"}


SEGMENT_OPERATIONS = [("add_customer_to_segment", "add_customers"), ("remove_customer_from_segment", "remove_customers")]

# (matching field, value given, the id sent): a CIO ID goes prefixed cio_ with id_type=cio_id,
# whichever form it was given in (Customer.io ignores, with a 200, an id it cannot match).
SEGMENT_IDS = [
    ("id", "42", "42"),
    ("email", "jane@example.com", "jane@example.com"),
    ("cio_id", "a3000001", "cio_a3000001"),
    ("cio_id", "cio_a3000001", "cio_a3000001"),
]


@pytest.mark.parametrize("region", REGIONS)
@pytest.mark.parametrize(("field", "value", "sent"), SEGMENT_IDS)
@pytest.mark.parametrize(("action", "operation"), SEGMENT_OPERATIONS)
def test_segment_membership_uses_id_type_and_ids(connector, recorder, region, field, value, sent, action, operation):
    config = {"matching_field": field, "matching_value": value, "segment": 7}
    _, request, body = send(connector, recorder, action, config, region)
    assert str(request.url) == f"{REGIONS[region]}/api/v1/segments/7/{operation}?id_type={field}"
    assert body == {"ids": [sent]}


@pytest.mark.parametrize("region", REGIONS)
@pytest.mark.parametrize(
    ("customer_id", "identifiers"),
    [("42", {"id": "42"}), ("jane@example.com", {"email": "jane@example.com"}), ("cio_a3000001", {"cio_id": "a3000001"})],
)
def test_track_event_reads_the_customer_id_by_shape(connector, recorder, region, customer_id, identifiers):
    config = {
        "name": "  purchase ",
        "customer_id": customer_id,
        "mappings": {"price": 23.45, "product": "socks"},
        "timestamp": "2024-05-01T12:00:00+02:00",
        "event_id": "01HZY0R9W3J8Q4V5X6Y7Z8A9BC",
    }
    _, request, body = send(connector, recorder, "track_event", config, region)
    assert str(request.url) == f"{REGIONS[region]}/api/v2/entity"
    assert body == {
        "type": "person",
        "identifiers": identifiers,
        "action": "event",
        "name": "purchase",
        "attributes": {"price": 23.45, "product": "socks"},
        "timestamp": 1714557600,
        "id": "01HZY0R9W3J8Q4V5X6Y7Z8A9BC",
    }


@pytest.mark.parametrize("region", REGIONS)
def test_track_page_is_a_page_event_named_by_its_url(connector, recorder, region):
    config = {"customer_id": "42", "page_url": "https://example.com/pricing?plan=pro", "mappings": {"title": "Pricing"},
              "timestamp": 1700000000}
    _, request, body = send(connector, recorder, "track_page", config, region)
    assert body == {
        "type": "person",
        "identifiers": {"id": "42"},
        "action": "page",
        "name": "https://example.com/pricing?plan=pro",
        "attributes": {"title": "Pricing"},
        "timestamp": 1700000000,
    }


def test_minimal_event_sends_only_what_was_given(connector, recorder):
    _, _, body = send(connector, recorder, "track_event", {"name": "signup", "customer_id": "42"})
    assert body == {"type": "person", "identifiers": {"id": "42"}, "action": "event", "name": "signup"}


HOSTILE = ["a+b@example.com", "x/../y", "%2F", "with space", "José", "名前", "semi;colon?&=", "cio_"]


@pytest.mark.parametrize("region", REGIONS)
@pytest.mark.parametrize("action", ["upsert_customer", "delete_customer"])
@pytest.mark.parametrize("value", HOSTILE)
def test_hostile_identifiers_travel_in_the_json_body_untouched(connector, recorder, value, action, region):
    field = "email" if "@" in value else "id"
    _, request, body = send(connector, recorder, action, {"matching_field": field, "matching_value": value}, region)
    assert str(request.url) == f"{REGIONS[region]}/api/v2/entity"
    assert body["identifiers"] == {field: value}


@pytest.mark.parametrize("region", REGIONS)
@pytest.mark.parametrize("action", ["track_event", "track_page"])
@pytest.mark.parametrize("value", [v for v in HOSTILE if v != "cio_"])
def test_hostile_customer_ids_are_read_by_shape_and_sent_untouched(connector, recorder, value, action, region):
    config = {"customer_id": value, **({"name": "e"} if action == "track_event" else {"page_url": "/p"})}
    _, request, body = send(connector, recorder, action, config, region)
    assert str(request.url) == f"{REGIONS[region]}/api/v2/entity"
    assert body["identifiers"] == ({"email": value} if "@" in value else {"id": value})


def test_the_body_on_the_wire_is_the_compact_json_that_was_measured(connector, recorder):
    from cio_connector._util.jsonbytes import json_size

    _, request, body = send(connector, recorder, "upsert_customer", {"matching_field": "id", "matching_value": "é",
                                                                     "mappings": {"naïve": "é" * 10}})
    assert len(request.content) == json_size(body)
    assert "é".encode() in request.content


@pytest.mark.parametrize("region", REGIONS)
@pytest.mark.parametrize(("action", "operation"), SEGMENT_OPERATIONS)
@pytest.mark.parametrize("value", HOSTILE)
def test_hostile_identifiers_in_segment_ids_and_the_query_stays_fixed(connector, recorder, value, action, operation, region):
    field = "email" if "@" in value else "id"
    _, request, body = send(connector, recorder, action, {"matching_field": field, "matching_value": value, "segment": 3}, region)
    assert request.url.raw_path == f"/api/v1/segments/3/{operation}?id_type={field}".encode()
    assert body == {"ids": [value]}


def test_track_calls_use_basic_auth_of_site_id_and_track_key(connector, recorder):
    send(connector, recorder, "delete_customer", {"matching_field": "id", "matching_value": "1"})
    expected = base64.b64encode(f"site-123:{SECRETS['track_api_key']}".encode()).decode()
    assert recorder.last.headers["authorization"] == f"Basic {expected}"
    assert recorder.last.headers["user-agent"].startswith("cio-connector/")
    assert recorder.last.headers["content-type"] == "application/json"


def test_datetimes_in_records_become_unix_seconds(connector, recorder):
    import datetime as dt

    record = {"email": "a@b.co", "signed_up": dt.datetime(2024, 1, 1, tzinfo=dt.UTC)}
    config = {"matching_field": "email", "matching_value": "{{ record.email }}",
              "mappings": {"created_at": "{{ record.signed_up }}", "since": "2023-06-01"}}
    _, _, body = send(connector, recorder, "upsert_customer", config, record=record)
    assert body["attributes"] == {"created_at": 1704067200, "since": "2023-06-01"}


def test_iso_created_at_is_converted_other_strings_are_not(connector, recorder):
    config = {"matching_field": "id", "matching_value": "1",
              "mappings": {"created_at": "2024-01-01T00:00:00Z", "note": "2024-01-01"}}
    _, _, body = send(connector, recorder, "upsert_customer", config)
    assert body["attributes"] == {"created_at": 1704067200, "note": "2024-01-01"}


def test_dry_run_describes_the_request_and_sends_nothing(connector, recorder):
    conn = connector.connection(connection("eu"))
    with recorder.client(conn) as client:
        result = connector.execute("track_page", {"customer_id": "42", "page_url": "/pricing"}, conn, dry_run=True, client=client)
    assert recorder.requests == []
    assert result.dry_run and result.status is None
    assert result.request["method"] == "POST"
    assert result.request["url"] == "https://track-eu.customer.io/api/v2/entity"
    assert result.request["headers"]["authorization"] == "Basic ********"
    assert result.request["json"]["name"] == "/pricing"
    dumped = json.dumps(result.to_dict())
    assert all(secret not in dumped for secret in SECRETS.values())
    basic = base64.b64encode(f"site-123:{SECRETS['track_api_key']}".encode()).decode()
    assert basic not in dumped


def test_invalid_input_is_never_sent(connector, recorder):
    from cio_connector import InputError

    conn = connector.connection(connection())
    with recorder.client(conn) as client, pytest.raises(InputError) as caught:
        connector.execute("upsert_customer", {"matching_field": "email", "matching_value": "nope"}, conn, client=client)
    assert recorder.requests == []
    assert [p.path for p in caught.value.problems] == ["$.matching_value"]

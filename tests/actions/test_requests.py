"""Each Track v2 action x matching field x region builds the exact entity, valid against Customer.io's spec."""

from __future__ import annotations

import json

import httpx
import pytest

from cio_connector import CioClient, InputError, RetryableApiError
from cio_connector.client.http import RetryPolicy

from ..contract.track_spec import validate_track_request
from .conftest import ACTIONS, CONFIGS, EMAIL, ULID

HOSTS = {"us": "https://track.customer.io", "eu": "https://track-eu.customer.io"}
MATCHING = [
    ("id", "42", {"id": "42"}),
    ("email", "jane@example.com", {"email": "jane@example.com"}),
    ("cio_id", "a3000001", {"cio_id": "a3000001"}),
    ("cio_id", "cio_a3000001", {"cio_id": "a3000001"}),
]
ACME = {"object_type_id": "1", "object_id": "acme"}


def connection(region: str) -> dict:
    return {"region": region, "site_id": "site-1", "track_api_key": "track-SECRET", "app_api_key": "app-SECRET"}


def sent(connector, action: str, config: dict, region: str = "us", record=None) -> tuple[httpx.Request, dict]:
    """Execute against a recording transport; the request is checked against the Track spec."""
    seen: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={})

    conn = connector.connection(connection(region))
    with CioClient(conn, transport=httpx.MockTransport(answer)) as client:
        connector.execute(action, config, conn, client=client, record=record)
    (request,) = seen
    body = json.loads(request.content)
    validate_track_request(request.method, str(request.url), body)
    assert (request.method, str(request.url)) == ("POST", f"{HOSTS[region]}/api/v2/entity")
    return request, body


def matching(field: str, value: str) -> dict:
    return {"matching_field": field, "matching_value": value}


@pytest.mark.parametrize("region", HOSTS)
def test_identify_object_sends_the_type_id_as_a_string(connector, region):
    _, body = sent(connector, "identify_object", {**ACME, "mappings": {"name": "Acme", "seats": 50}}, region)
    assert body == {"type": "object", "identifiers": ACME, "action": "identify", "attributes": {"name": "Acme", "seats": 50}}


def test_an_object_type_from_a_record_number_becomes_its_digits(connector):
    config = {"object_type_id": "{{ record.type }}", "object_id": "{{ record.id }}"}
    _, body = sent(connector, "identify_object", config, record={"type": 2, "id": 99})
    assert body["identifiers"] == {"object_type_id": "2", "object_id": "99"}


@pytest.mark.parametrize("region", HOSTS)
def test_delete_object(connector, region):
    _, body = sent(connector, "delete_object", ACME, region)
    assert body == {"type": "object", "identifiers": ACME, "action": "delete"}


@pytest.mark.parametrize("region", HOSTS)
@pytest.mark.parametrize(("field", "value", "identifiers"), MATCHING)
def test_add_relationship_is_a_person_entity_naming_the_object(connector, region, field, value, identifiers):
    config = {**matching(field, value), **ACME, "relationship_mappings": {"role": "admin"}}
    _, body = sent(connector, "add_relationship", config, region)
    assert body == {
        "type": "person",
        "identifiers": identifiers,
        "action": "add_relationships",
        "cio_relationships": [{"identifiers": ACME, "relationship_attributes": {"role": "admin"}}],
    }


def test_a_relationship_without_attributes_sends_none(connector):
    _, body = sent(connector, "add_relationship", {**matching("id", "42"), **ACME, "relationship_mappings": {}})
    assert body["cio_relationships"] == [{"identifiers": ACME}]


@pytest.mark.parametrize(("field", "value", "identifiers"), MATCHING)
def test_remove_relationship(connector, field, value, identifiers):
    _, body = sent(connector, "remove_relationship", {**matching(field, value), **ACME})
    assert body == {
        "type": "person",
        "identifiers": identifiers,
        "action": "delete_relationships",
        "cio_relationships": [{"identifiers": ACME}],
    }


@pytest.mark.parametrize("region", HOSTS)
@pytest.mark.parametrize(("field", "value", "identifiers"), MATCHING)
def test_add_device_sends_unix_seconds_and_text_attributes(connector, region, field, value, identifiers):
    config = {
        **matching(field, value),
        "device_token": "tok-1",
        "platform": "android",
        "last_used": "2024-05-01T12:00:00Z",
        "device_mappings": {"push_enabled": True, "build": 42, "app_version": "2.1", "tags": ["a"], "gone": None},
    }
    _, body = sent(connector, "add_device", config, region)
    assert body == {
        "type": "person",
        "identifiers": identifiers,
        "action": "add_device",
        "device": {
            "token": "tok-1",
            "platform": "android",
            "last_used": 1714564800,
            "attributes": {"push_enabled": "true", "build": "42", "app_version": "2.1", "tags": '["a"]'},
        },
    }


def test_a_device_with_only_the_required_fields(connector):
    _, body = sent(connector, "add_device", {**matching("id", "42"), "device_token": "t", "platform": "ios"})
    assert body["device"] == {"token": "t", "platform": "ios"}


@pytest.mark.parametrize(("field", "value", "identifiers"), MATCHING)
def test_delete_device_names_only_the_token(connector, field, value, identifiers):
    _, body = sent(connector, "delete_device", {**matching(field, value), "device_token": "tok-1"})
    assert body == {"type": "person", "identifiers": identifiers, "action": "delete_device", "device": {"token": "tok-1"}}


@pytest.mark.parametrize("region", HOSTS)
@pytest.mark.parametrize(
    ("primary", "secondary"), [(MATCHING[0], MATCHING[1]), (MATCHING[1], MATCHING[3]), (MATCHING[2], MATCHING[0])]
)
def test_merge_names_primary_and_secondary_and_no_identifiers(connector, region, primary, secondary):
    config = {
        "primary_field": primary[0],
        "primary_value": primary[1],
        "secondary_field": secondary[0],
        "secondary_value": secondary[1],
    }
    _, body = sent(connector, "merge_customers", config, region)
    assert body == {"type": "person", "action": "merge", "primary": primary[2], "secondary": secondary[2]}


@pytest.mark.parametrize("action", ["suppress", "unsuppress"])
@pytest.mark.parametrize(("field", "value", "identifiers"), MATCHING)
def test_suppress_and_unsuppress(connector, action, field, value, identifiers):
    _, body = sent(connector, f"{action}_customer", matching(field, value))
    assert body == {"type": "person", "identifiers": identifiers, "action": action}


@pytest.mark.parametrize("region", HOSTS)
@pytest.mark.parametrize(
    ("customer_id", "identifiers"), [("42", {"id": "42"}), (EMAIL, {"email": EMAIL}), ("cio_a3000001", {"cio_id": "a3000001"})]
)
def test_track_screen_reads_the_customer_by_shape(connector, region, customer_id, identifiers):
    config = {
        "customer_id": customer_id,
        "screen_name": "  Dashboard ",
        "mappings": {"tab": "usage"},
        "timestamp": "2024-05-01T12:00:00Z",
        "event_id": ULID,
    }
    _, body = sent(connector, "track_screen", config, region)
    assert body == {
        "type": "person",
        "identifiers": identifiers,
        "action": "screen",
        "name": "Dashboard",
        "attributes": {"tab": "usage"},
        "timestamp": 1714564800,
        "id": ULID,
    }


def test_a_batch_of_every_action_is_valid_against_the_spec(connector):
    items = [connector.build_request(action, CONFIGS[action]).json for action in ACTIONS]
    validate_track_request("POST", "/api/v2/batch", {"batch": items})


# -- bad input: problems with paths, nothing sent ----------------------------------------------

BAD = [
    (
        "remove_relationship",
        {"matching_field": "cio_id", "matching_value": "cio_", "object_type_id": "1"},
        [("$.matching_value", "must be a CIO ID"), ("$.object_id", "is required")],
    ),
    (
        "delete_device",
        {"matching_field": "id", "matching_value": "42", "device_token": "  "},
        [("$.device_token", "must not be blank")],
    ),
    ("unsuppress_customer", {"matching_field": "id", "matching_value": "x" * 151}, [("$.matching_value", "at most 150 bytes")]),
    (
        "identify_object",
        {"object_type_id": "companies", "object_id": "acme"},
        [("$.object_type_id", "must be an object type ID")],
    ),
    (
        "identify_object",
        {"object_type_id": "0", "object_id": " "},
        [("$.object_type_id", "must be an object type ID"), ("$.object_id", "must not be blank")],
    ),
    ("delete_object", {"object_type_id": "1"}, [("$.object_id", "required")]),
    (
        "add_relationship",
        {"matching_field": "email", "matching_value": "nope", "object_type_id": "1", "object_id": "a"},
        [("$.matching_value", "must be an email address")],
    ),
    (
        "add_device",
        {"matching_field": "id", "matching_value": "42", "device_token": "t", "platform": "windows"},
        [("$.platform", "")],
    ),
    (
        "add_device",
        {"matching_field": "id", "matching_value": "42", "device_token": "t", "platform": "ios", "last_used": 1714564800000},
        [("$.last_used", "not milliseconds")],
    ),
    (
        "merge_customers",
        {"primary_field": "cio_id", "primary_value": "not a cio id!", "secondary_field": "email", "secondary_value": "x"},
        [("$.primary_value", "must be a CIO ID"), ("$.secondary_value", "must be an email address when Secondary")],
    ),
    ("track_screen", {"customer_id": "42", "screen_name": "x" * 101}, [("$.screen_name", "")]),
    ("track_screen", {"customer_id": "42", "screen_name": "Home", "event_id": "not-a-ulid"}, [("$.event_id", "must be a ULID")]),
    ("suppress_customer", {"matching_field": "phone", "matching_value": "1"}, [("$.matching_field", "")]),
]


@pytest.mark.parametrize(("action", "config", "expected"), BAD, ids=[f"{a}-{i}" for i, (a, _, _) in enumerate(BAD)])
def test_bad_input_is_every_problem_with_its_path_and_nothing_is_sent(connector, action, config, expected):
    def refuse(request: httpx.Request) -> httpx.Response:
        raise AssertionError(f"nothing may be sent, got {request.method} {request.url}")

    conn = connector.connection(connection("us"))
    with CioClient(conn, transport=httpx.MockTransport(refuse)) as client, pytest.raises(InputError) as caught:
        connector.execute(action, config, conn, client=client)
    problems = [(p.path, p.message) for p in caught.value.problems]
    assert [path for path, _ in problems] == [path for path, _ in expected], problems
    for (_, message), (_, wanted) in zip(problems, expected, strict=True):
        assert wanted in message


def test_an_object_past_the_entity_cap_is_refused_before_sending(connector):
    mappings = {f"k{i:02d}": "v" * 990 for i in range(32)}  # 31,905 bytes as JSON: under the field's cap
    assert len(json.dumps(mappings, separators=(",", ":"))) < 32_000
    config = {"object_type_id": "1", "object_id": "x" * 150, "mappings": mappings}
    problems = connector.validate("identify_object", config, record={})
    assert [(p.path, p.code) for p in problems] == [("$.mappings", "request_too_large")]
    assert "Customer.io accepts at most 32,000 bytes" in problems[0].message


# -- what handlers declare ----------------------------------------------------------------------

DECLARED = {
    "identify_object": (True, False),
    "delete_object": (True, True),
    "add_relationship": (True, False),
    "remove_relationship": (True, True),
    "add_device": (True, False),
    "delete_device": (True, True),
    "merge_customers": (False, True),
    "suppress_customer": (True, True),
    "unsuppress_customer": (True, False),
    "track_screen": (False, False),
}


@pytest.mark.parametrize("action", sorted(DECLARED))
def test_each_action_declares_idempotence_and_destructiveness(connector, action):
    chosen = connector.actions[action]
    assert (chosen.idempotent, chosen.destructive) == DECLARED[action]


def test_a_merge_is_never_resent_once_an_answer_may_have_arrived(connector):
    calls: list[httpx.Request] = []

    def flaky(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        return httpx.Response(502, json={"meta": {"error": "bad gateway"}})

    conn = connector.connection(connection("us"))
    with CioClient(conn, transport=httpx.MockTransport(flaky), retry=RetryPolicy(max_retries=3), sleep=lambda s: None) as client:
        with pytest.raises(RetryableApiError):
            connector.execute("merge_customers", CONFIGS["merge_customers"], conn, client=client)
        assert len(calls) == 1
        calls.clear()
        with pytest.raises(RetryableApiError):
            connector.execute("suppress_customer", CONFIGS["suppress_customer"], conn, client=client)
        assert len(calls) == 4  # idempotent: retried


def test_a_screen_view_is_resent_only_with_an_event_id(connector):
    with_id = connector.build_request("track_screen", CONFIGS["track_screen"])
    without = connector.build_request("track_screen", {"customer_id": EMAIL, "screen_name": "Home"})
    assert (with_id.idempotent, without.idempotent) == (True, False)


@pytest.mark.parametrize("region", HOSTS)
@pytest.mark.parametrize("action", ACTIONS)
@pytest.mark.parametrize(("field", "value", "_"), MATCHING)
def test_every_dry_run_describes_a_request_valid_against_the_spec(connector, region, action, field, value, _):
    config = dict(CONFIGS[action])
    for prefix in ("matching", "primary", "secondary"):
        if f"{prefix}_field" in config:
            config.update({f"{prefix}_field": field, f"{prefix}_value": value})
    if "customer_id" in config:
        config["customer_id"] = value if field != "cio_id" else f"cio_{value.removeprefix('cio_')}"
    result = connector.execute(action, config, connection(region), dry_run=True)
    assert result.request["url"] == f"{HOSTS[region]}/api/v2/entity"
    validate_track_request(result.request["method"], result.request["url"], result.request["json"])


# The spec check has teeth: bodies a handler must never build are refused by it.
NOT_TO_SPEC = [
    {"type": "person", "identifiers": {"id": "1"}, "action": "add_device", "device": {"token": "t", "platform": "windows"}},
    {
        "type": "person",
        "identifiers": {"id": "1"},
        "action": "add_device",
        "device": {"token": "t", "platform": "ios", "attributes": {"build": 42}},
    },
    {"type": "person", "identifiers": {"id": "1"}, "action": "delete_device"},
    {"type": "object", "identifiers": {"object_type_id": 1, "object_id": "acme"}, "action": "identify"},
    {"type": "person", "identifiers": {"id": "1"}, "action": "add_relationships"},
    {"type": "person", "identifiers": {"id": "1"}, "action": "screen"},
]


@pytest.mark.parametrize("body", NOT_TO_SPEC, ids=range(len(NOT_TO_SPEC)))
def test_the_spec_refuses_what_no_handler_may_build(body):
    with pytest.raises(AssertionError, match="violates the Track API spec"):
        validate_track_request("POST", "/api/v2/entity", body)

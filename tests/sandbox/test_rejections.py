"""Every documented bad request gets Customer.io's status and error body dialect, and changes nothing."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from cio_connector.facts import (
    ATTRIBUTE_NAME_MAX_BYTES,
    ATTRIBUTE_VALUE_MAX_BYTES,
    BATCH_MAX_BYTES,
    ENTITY_MAX_BYTES,
    EVENT_DATA_MAX_BYTES,
    EVENT_NAME_MAX_BYTES,
    IDENTIFIER_MAX_BYTES,
    MAX_ATTRIBUTES,
    SEGMENT_IDS_PER_REQUEST,
)
from cio_connector.sandbox import SandboxServer

from .conftest import APP_HEADERS, HTTP, TRACK_AUTH


def meta_error(body: dict[str, Any]) -> str:
    """Track v1, one message: {"meta": {"error": "..."}}."""
    assert set(body) == {"meta"} and set(body["meta"]) == {"error"}, body
    assert isinstance(body["meta"]["error"], str) and body["meta"]["error"]
    return body["meta"]["error"]


def meta_errors(body: dict[str, Any]) -> str:
    """Track v1, a list: {"meta": {"errors": ["..."]}}."""
    assert set(body) == {"meta"} and set(body["meta"]) == {"errors"}, body
    errors = body["meta"]["errors"]
    assert errors and all(isinstance(e, str) and e for e in errors)
    return " | ".join(errors)


def v2_errors(body: dict[str, Any]) -> str:
    """Track v2: {"errors": [{"reason", "field", "message"}]}, no batch_index on a whole-request error."""
    assert set(body) == {"errors"} and body["errors"], body
    for error in body["errors"]:
        assert set(error) == {"reason", "field", "message"}, error
    return " | ".join(f"{e['reason']} {e['field']}: {e['message']}" for e in body["errors"])


def app_errors(body: dict[str, Any]) -> str:
    """App API: {"errors": [{"detail", "status"}]}."""
    assert set(body) == {"errors"} and body["errors"], body
    for error in body["errors"]:
        assert set(error) == {"detail", "status"}, error
    return " | ".join(e["detail"] for e in body["errors"])


Shape = Callable[[dict[str, Any]], str]
CUSTOMER = "/us/api/v1/customers/"
EVENTS = "/us/api/v1/customers/42/events"
ENTITY = "/us/api/v2/entity"
BATCH = "/us/api/v2/batch"
PERSON = {"type": "person", "identifiers": {"id": "42"}}
TOO_MANY_ATTRIBUTES = {f"a{i}": i for i in range(MAX_ATTRIBUTES + 1)}

# (case, method, path, body: JSON value or raw bytes, status, shape, words the message contains)
REJECTIONS: list[tuple[str, str, str, Any, int, Shape, str]] = [
    (
        "identifier over 150 bytes",
        "PUT",
        CUSTOMER + "x" * (IDENTIFIER_MAX_BYTES + 1),
        {},
        400,
        meta_error,
        "150 bytes",
    ),
    ("identifier over 150 UTF-8 bytes", "PUT", CUSTOMER + "%C3%A9" * 76, {}, 400, meta_error, "150 bytes"),
    ("identifier not UTF-8", "PUT", CUSTOMER + "%FF", {}, 400, meta_error, "UTF-8"),
    ("blank cio_id", "PUT", CUSTOMER + "cio_", {}, 400, meta_error, "blank"),
    ("identifier with a non-hex escape", "PUT", CUSTOMER + "a%ZZ", {}, 400, meta_error, "percent-escape"),
    ("identifier ending in half an escape", "PUT", CUSTOMER + "a%2", {}, 400, meta_error, "percent-escape"),
    ("identifier that is a lone %", "DELETE", CUSTOMER + "%", None, 400, meta_error, "percent-escape"),
    (
        "event identifier with a bad escape",
        "POST",
        CUSTOMER + "a%2/events",
        {"name": "e"},
        400,
        meta_errors,
        "percent-escape",
    ),
    (
        "suppress identifier with a bad escape",
        "POST",
        CUSTOMER + "%G1/suppress",
        None,
        400,
        meta_error,
        "percent-escape",
    ),
    (
        "app identifier with a bad escape",
        "GET",
        "/us/v1/customers/a%ZZ/attributes",
        None,
        400,
        app_errors,
        "percent-escape",
    ),
    (
        "attribute name over 150 bytes",
        "PUT",
        CUSTOMER + "42",
        {"n" * (ATTRIBUTE_NAME_MAX_BYTES + 1): 1},
        400,
        meta_error,
        "attribute name",
    ),
    ("string value over 1000 bytes", "PUT", CUSTOMER + "42", {"bio": "é" * 501}, 400, meta_error, "'bio'"),
    (
        "JSON value over 1000 bytes",
        "PUT",
        CUSTOMER + "42",
        {"tags": list(range(300))},
        400,
        meta_error,
        "'tags'",
    ),
    (
        "more than 300 attributes",
        "PUT",
        CUSTOMER + "42",
        TOO_MANY_ATTRIBUTES,
        400,
        meta_error,
        "300 attributes",
    ),
    ("identify malformed JSON", "PUT", CUSTOMER + "42", b'{"plan": ', 400, meta_error, "malformed JSON"),
    # Python's json accepts these non-standard constants; JSON (RFC 8259) and Customer.io do not.
    ("identify NaN", "PUT", CUSTOMER + "42", b'{"score": NaN}', 400, meta_error, "malformed JSON: NaN"),
    (
        "identify Infinity",
        "PUT",
        CUSTOMER + "42",
        b'{"score": Infinity}',
        400,
        meta_error,
        "malformed JSON: Infinity",
    ),
    (
        "event -Infinity",
        "POST",
        EVENTS,
        b'{"name": "e", "data": {"x": -Infinity}}',
        400,
        meta_errors,
        "malformed JSON: -Infinity",
    ),
    (
        "segment ids NaN",
        "POST",
        "/us/api/v1/segments/1/add_customers",
        b'{"ids": [NaN]}',
        400,
        meta_errors,
        "malformed JSON",
    ),
    (
        "merge Infinity",
        "POST",
        "/us/api/v1/merge_customers",
        b'{"primary": {"id": Infinity}}',
        400,
        meta_error,
        "malformed JSON",
    ),
    (
        "entity NaN",
        "POST",
        ENTITY,
        b'{"type": "person", "identifiers": {"id": "42"}, "action": "identify", "attributes": {"x": NaN}}',
        400,
        v2_errors,
        "malformed JSON: NaN",
    ),
    (
        "batch -Infinity",
        "POST",
        BATCH,
        b'{"batch": [{"type": "person", "identifiers": {"id": "42"}, "action": "event", "name": "e", "timestamp": -Infinity}]}',
        400,
        v2_errors,
        "malformed JSON",
    ),
    (
        "app segment NaN",
        "POST",
        "/us/v1/segments",
        b'{"segment": {"name": "x", "n": NaN}}',
        400,
        app_errors,
        "malformed JSON",
    ),
    ("identify body not an object", "PUT", CUSTOMER + "42", ["plan"], 400, meta_error, "JSON object"),
    (
        "identify body id not a string",
        "PUT",
        CUSTOMER + "a@example.com",
        {"id": 42},
        400,
        meta_error,
        "id attribute must be a string",
    ),
    (
        "identify body id empty",
        "PUT",
        CUSTOMER + "a@example.com",
        {"id": ""},
        400,
        meta_error,
        "empty string",
    ),
    ("event name blank", "POST", EVENTS, {"name": "   "}, 400, meta_errors, "must not be blank"),
    ("event name missing", "POST", EVENTS, {"data": {}}, 400, meta_errors, "must not be blank"),
    (
        "event name over 100 bytes",
        "POST",
        EVENTS,
        {"name": "e" * (EVENT_NAME_MAX_BYTES + 1)},
        400,
        meta_errors,
        "100 bytes",
    ),
    (
        "page name over 100 bytes",
        "POST",
        EVENTS,
        {"type": "page", "name": "/" + "p" * EVENT_NAME_MAX_BYTES},
        400,
        meta_errors,
        "100 bytes",
    ),
    (
        "event data not a hash",
        "POST",
        EVENTS,
        {"name": "purchase", "data": ""},
        400,
        meta_errors,
        "must be a hash",
    ),
    (
        "event data over 100000 bytes",
        "POST",
        EVENTS,
        {"name": "purchase", "data": {"blob": "x" * EVENT_DATA_MAX_BYTES}},
        400,
        meta_errors,
        "100000 bytes",
    ),
    ("event malformed JSON", "POST", EVENTS, b"{name", 400, meta_errors, "malformed JSON"),
    ("event body empty", "POST", EVENTS, b"", 400, meta_errors, "JSON object"),
    (
        "event identifier over 150 bytes",
        "POST",
        CUSTOMER + "x" * 151 + "/events",
        {"name": "e"},
        400,
        meta_errors,
        "150 bytes",
    ),
    (
        "more than 1000 segment ids",
        "POST",
        "/us/api/v1/segments/1/add_customers",
        {"ids": ["1"] * (SEGMENT_IDS_PER_REQUEST + 1)},
        400,
        meta_errors,
        "1000",
    ),
    (
        "no segment ids",
        "POST",
        "/us/api/v1/segments/1/add_customers",
        {"ids": []},
        400,
        meta_errors,
        "at least 1",
    ),
    (
        "segment ids not an array",
        "POST",
        "/us/api/v1/segments/1/remove_customers",
        {"ids": "42"},
        400,
        meta_errors,
        "array",
    ),
    (
        "unknown id_type",
        "POST",
        "/us/api/v1/segments/1/add_customers?id_type=phone",
        {"ids": ["1"]},
        400,
        meta_errors,
        "id_type",
    ),
    (
        "unknown segment",
        "POST",
        "/us/api/v1/segments/999/add_customers",
        {"ids": ["1"]},
        404,
        meta_errors,
        "not found",
    ),
    (
        "segment id not an integer",
        "POST",
        "/us/api/v1/segments/vip/add_customers",
        {"ids": ["1"]},
        404,
        meta_errors,
        "integer",
    ),
    (
        "dynamic segment",
        "POST",
        "/us/api/v1/segments/4/add_customers",
        {"ids": ["1"]},
        400,
        meta_errors,
        "data-driven",
    ),
    (
        "dynamic segment remove",
        "POST",
        "/us/api/v1/segments/5/remove_customers",
        {"ids": ["1"]},
        400,
        meta_errors,
        "data-driven",
    ),
    (
        "merge with two identifiers",
        "POST",
        "/us/api/v1/merge_customers",
        {"primary": {"id": "1", "email": "a@example.com"}, "secondary": {"id": "2"}},
        400,
        meta_error,
        "multiple",
    ),
    (
        "merge without secondary",
        "POST",
        "/us/api/v1/merge_customers",
        {"primary": {"id": "1"}},
        400,
        meta_error,
        "secondary",
    ),
    (
        "merge with unknown identifier type",
        "POST",
        "/us/api/v1/merge_customers",
        {"primary": {"phone": "+1555"}, "secondary": {"id": "2"}},
        400,
        meta_error,
        "phone",
    ),
    (
        "entity over 32,000 bytes",
        "POST",
        ENTITY,
        {**PERSON, "action": "identify", "attributes": {"x": "y" * ENTITY_MAX_BYTES}},
        400,
        v2_errors,
        "too_large",
    ),
    ("entity malformed JSON", "POST", ENTITY, b"{", 400, v2_errors, "malformed JSON"),
    (
        "entity without identifiers",
        "POST",
        ENTITY,
        {"type": "person", "action": "identify"},
        400,
        v2_errors,
        "identifiers",
    ),
    (
        "entity with two identifiers",
        "POST",
        ENTITY,
        {"type": "person", "identifiers": {"id": "1", "email": "a@example.com"}, "action": "delete"},
        400,
        v2_errors,
        "multiple identifiers",
    ),
    (
        "entity by phone",
        "POST",
        ENTITY,
        {"type": "person", "identifiers": {"phone": "+14155552671"}, "action": "delete"},
        400,
        v2_errors,
        "not_enabled",
    ),
    ("entity without action", "POST", ENTITY, PERSON, 400, v2_errors, "action"),
    ("entity with unknown action", "POST", ENTITY, {**PERSON, "action": "upsert"}, 400, v2_errors, "upsert"),
    ("entity event without name", "POST", ENTITY, {**PERSON, "action": "event"}, 400, v2_errors, "name"),
    (
        "entity event data not a hash",
        "POST",
        ENTITY,
        {**PERSON, "action": "event", "name": "e", "attributes": [1]},
        400,
        v2_errors,
        "must be a hash",
    ),
    (
        "entity with more than 300 attributes",
        "POST",
        ENTITY,
        {**PERSON, "action": "identify", "attributes": TOO_MANY_ATTRIBUTES},
        400,
        v2_errors,
        "300 attributes",
    ),
    (
        "entity identifier over 150 bytes",
        "POST",
        ENTITY,
        {"type": "person", "identifiers": {"id": "x" * 151}, "action": "delete"},
        400,
        v2_errors,
        "too_long",
    ),
    (
        "batch over 500,000 bytes",
        "POST",
        BATCH,
        {
            "batch": [{**PERSON, "action": "identify", "attributes": {"x": "y" * 900}}]
            * (BATCH_MAX_BYTES // 900)
        },
        400,
        v2_errors,
        "too_large",
    ),
    ("batch not an array", "POST", BATCH, {"batch": {"type": "person"}}, 400, v2_errors, "batch"),
    ("batch body not an object", "POST", BATCH, [PERSON], 400, v2_errors, "JSON object"),
    (
        "app segment without name",
        "POST",
        "/us/v1/segments",
        {"segment": {"description": "x"}},
        400,
        app_errors,
        "name",
    ),
    ("app unknown customer", "GET", "/us/v1/customers/nobody/attributes", None, 404, app_errors, "not found"),
    ("app customers lookup without email", "GET", "/us/v1/customers", None, 400, app_errors, "email"),
]


def send(sandbox: SandboxServer, method: str, path: str, body: Any) -> httpx.Response:
    is_app = path.startswith("/us/v1/")
    options: dict[str, Any] = {"headers": dict(APP_HEADERS)} if is_app else {"auth": TRACK_AUTH}
    if isinstance(body, bytes):
        options["content"] = body
        options.setdefault("headers", {})["Content-Type"] = "application/json"
    elif body is not None:
        options["json"] = body
    return HTTP.request(method, sandbox.url + path, **options)


@pytest.mark.parametrize(
    ("case", "method", "path", "body", "status", "shape", "words"), REJECTIONS, ids=[r[0] for r in REJECTIONS]
)
def test_rejections(
    sandbox: SandboxServer,
    case: str,
    method: str,
    path: str,
    body: Any,
    status: int,
    shape: Shape,
    words: str,
) -> None:
    response = send(sandbox, method, path, body)
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    assert words in shape(response.json())
    assert sandbox.state.people() == [] and sandbox.state.events() == []


# Limits are inclusive, and Customer.io does not reject what it only documents as odd.
ACCEPTED: list[tuple[str, str, str, Any]] = [
    ("identifier of exactly 150 bytes", "PUT", CUSTOMER + "x" * IDENTIFIER_MAX_BYTES, {}),
    ("attribute name of exactly 150 bytes", "PUT", CUSTOMER + "42", {"n" * ATTRIBUTE_NAME_MAX_BYTES: 1}),
    (
        "string value of exactly 1000 bytes",
        "PUT",
        CUSTOMER + "42",
        {"bio": "é" * (ATTRIBUTE_VALUE_MAX_BYTES // 2)},
    ),
    ("exactly 300 attributes", "PUT", CUSTOMER + "42", {f"a{i}": i for i in range(MAX_ATTRIBUTES)}),
    (
        "nested and float values (the spec lists string/integer/boolean)",
        "PUT",
        CUSTOMER + "42",
        {"address": {"city": "Lyon"}, "tags": ["a"], "ltv": 12.5},
    ),
    ("an empty identify body", "PUT", CUSTOMER + "42", b""),
    (
        "event name of exactly 100 bytes after trimming",
        "POST",
        EVENTS,
        {"name": "  " + "e" * EVENT_NAME_MAX_BYTES + " "},
    ),
    ("event timestamp in milliseconds", "POST", EVENTS, {"name": "purchase", "timestamp": 1_700_000_000_000}),
    ("event timestamp that is not a number", "POST", EVENTS, {"name": "purchase", "timestamp": "yesterday"}),
    ("event with null data", "POST", EVENTS, {"name": "purchase", "data": None}),
    (
        "v2 event timestamp in milliseconds",
        "POST",
        ENTITY,
        {**PERSON, "action": "event", "name": "e", "timestamp": 1_700_000_000_000},
    ),
    (
        "v2 identify with an invalid timestamp",
        "POST",
        ENTITY,
        {**PERSON, "action": "identify", "timestamp": "soon", "attributes": {}},
    ),
    (
        "exactly 1000 segment ids",
        "POST",
        "/us/api/v1/segments/1/add_customers",
        {"ids": ["1"] * SEGMENT_IDS_PER_REQUEST},
    ),
    ("segment id sent percent-encoded", "POST", "/us/api/v1/segments/%31/add_customers", {"ids": ["1"]}),
]


@pytest.mark.parametrize(("case", "method", "path", "body"), ACCEPTED, ids=[a[0] for a in ACCEPTED])
def test_accepted_edge_cases(sandbox: SandboxServer, case: str, method: str, path: str, body: Any) -> None:
    response = send(sandbox, method, path, body)
    assert response.status_code == 200, response.text
    assert response.json() == {}


def test_batch_item_over_32_kib_fails_alone(sandbox: SandboxServer) -> None:
    big = {**PERSON, "action": "identify", "attributes": {f"k{i}": "v" * 900 for i in range(40)}}
    assert len(json.dumps(big)) > ENTITY_MAX_BYTES
    ok = {"type": "person", "identifiers": {"id": "7"}, "action": "identify", "attributes": {"plan": "pro"}}
    response = send(sandbox, "POST", BATCH, {"batch": [big, ok]})
    assert response.status_code == 207
    assert [(e["batch_index"], e["reason"]) for e in response.json()["errors"]] == [(0, "too_large")]
    assert [p["id"] for p in sandbox.state.people()] == ["7"]

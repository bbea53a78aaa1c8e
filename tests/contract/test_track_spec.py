"""Tests for the Track spec helper and the vendored spec subset."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from . import vendor_track_spec
from .track_spec import SUBSET_PATH, disambiguated_oneofs, load_track_spec, validate_track_request

REPO = Path(__file__).resolve().parents[2]
ENTITY = "/api/v2/entity"
PERSON = {"type": "person", "identifiers": {"id": "42"}}
ACME = {"type": "object", "identifiers": {"object_type_id": "1", "object_id": "acme"}}
ULID = "01HZY5Q7W9X2B3C4D5E6F7G8H9"

VALID: list[tuple[str, str, Any]] = [
    ("PUT", "/api/v1/customers/a%2Bb%40example.com", {"plan": "pro"}),
    ("PUT", "http://127.0.0.1:5000/us/api/v1/customers/42?", {"email": "a@b.co", "created_at": 1700000000}),
    ("PUT", "https://track-eu.customer.io/api/v1/customers/cio_03000001", {"_update": True, "seats": 3}),
    ("DELETE", "/api/v1/customers/a%2Fb", None),
    ("GET", "https://track.customer.io/api/v1/accounts/region", None),
    ("POST", "/api/v1/customers/42/events", {"name": "purchase", "data": {"price": 3.5}, "timestamp": 1700000000}),
    ("POST", "/api/v1/customers/42/events", {"name": "https://x.example/p", "type": "page", "id": ULID}),
    ("POST", "/api/v1/segments/7/add_customers?id_type=email", {"ids": ["a@b.co"]}),
    ("POST", "/api/v1/segments/%37/add_customers", {"ids": ["42"] * 1000}),
    ("POST", "/api/v1/segments/7/remove_customers?id_type=cio_id", {"ids": ["cio_1"]}),
    ("POST", "/api/v1/merge_customers", {"primary": {"email": "a@b.co"}, "secondary": {"id": "42"}}),
    ("POST", ENTITY, {**PERSON, "action": "identify", "attributes": {"plan": "pro"}, "timestamp": 1700000000}),
    ("POST", ENTITY, {"type": "person", "identifiers": {"cio_id": "cio_1"}, "action": "delete"}),
    ("POST", ENTITY, {"type": "person", "identifiers": {"email": "a@b.co"}, "action": "event", "name": "purchase",
                      "id": ULID, "timestamp": 1700000000, "attributes": {"price": 3}}),
    ("POST", ENTITY, {**PERSON, "action": "page", "name": "https://x.example/p", "attributes": {"title": "P"}}),
    ("POST", ENTITY, {**ACME, "action": "identify", "attributes": {"seats": 50},
                      "cio_relationships": [{"identifiers": {"id": "42"}}]}),
    ("POST", "/api/v1/events", {"name": "watched_video", "anonymous_id": "abc123", "data": {"video": "intro"},
                                "id": ULID, "timestamp": 1700000000}),
    ("POST", "/api/v1/events", {"name": "invite", "data": {"recipient": "a@b.co"}}),
    ("POST", "/api/v1/metrics", {"delivery_id": "RPILAgUBcRhIBqSfeiIwdIYJKxTY", "metric": "delivered"}),
    ("POST", "/api/v1/metrics", {"delivery_id": "d1", "metric": "clicked", "href": "https://x.example/p",
                                 "recipient": "a@b.co", "timestamp": 1700000000}),
    ("POST", "/api/v2/batch", {"batch": [{**PERSON, "action": "identify", "attributes": {"plan": "pro"}},
                                         {**PERSON, "action": "event", "name": "signup"},
                                         {**ACME, "action": "delete"}]}),
]


@pytest.mark.parametrize(("method", "url", "body"), VALID, ids=lambda v: v[:40] if isinstance(v, str) else "")
def test_valid_requests_pass(method: str, url: str, body: Any) -> None:
    validate_track_request(method, url, body)


INVALID: list[tuple[str, str, Any, str]] = [
    ("POST", "/api/v1/customers", {}, "no operation in the Track spec subset matches"),
    ("POST", "/v1/customers/42", {}, "no operation in the Track spec subset matches"),
    ("PUT", "/api/v1/customers/a/b", {}, "no operation in the Track spec subset matches"),
    ("PUT", "/api/v1/customers/42/", {}, "no operation in the Track spec subset matches"),
    ("POST", "/api/v1/customers/42", {"plan": "pro"}, "has no POST operation (allowed: PUT, DELETE)"),
    ("POST", "/api/v1/segments/abc/add_customers", {"ids": ["1"]},
     "path parameter segment_id='abc': 'abc' is not of type 'integer'"),
    ("POST", "/api/v1/segments/-7/add_customers", {"ids": ["1"]}, "'-7' is not of type 'integer'"),
    ("POST", "/api/v1/segments/%2537/add_customers", {"ids": ["1"]}, "'%37' is not of type 'integer'"),
    ("PUT", "/api/v1/customers/a b", {}, "identifier='a b': not a properly percent-encoded path segment"),
    ("PUT", "/api/v1/customers/100%", {}, "not a properly percent-encoded path segment"),
    ("POST", "/api/v1/segments/7/add_customers?id_type=phone", {"ids": ["1"]},
     "query parameter id_type='phone': 'phone' is not one of ['id', 'email', 'cio_id']"),
    ("POST", "/api/v1/segments/7/add_customers?idtype=email", {"ids": ["1"]},
     "query parameter 'idtype': unknown (spec allows: ['id_type'])"),
    ("PUT", "/api/v1/customers/42?id_type=email", {}, "query parameter 'id_type': unknown (spec allows: none)"),
    ("POST", "/api/v1/segments/7/add_customers", {"ids": []}, "body $.ids: [] should be non-empty"),
    ("POST", "/api/v1/segments/7/add_customers", {"ids": ["1"] * 1001},
     "body $.ids: ['1', '1', '1', '1', ...] (1001 items) is too long"),
    ("POST", "/api/v1/segments/7/add_customers", {"ids": [42]}, "body $.ids[0]: 42 is not of type 'string'"),
    ("POST", "/api/v1/segments/7/add_customers", None, "add_to_segment needs a JSON request body, got none"),
    ("GET", "/api/v1/accounts/region", {}, "getRegion takes no request body, got dict"),
    ("DELETE", "/api/v1/customers/42", {"id": "42"}, "delete takes no request body"),
    ("PUT", "/api/v1/customers/42", {"email": "nope"}, "body $.email: 'nope' is not a 'email'"),
    ("PUT", "/api/v1/customers/42", {"price": 3.5}, "body $.price: matches none of the oneOf branches"),
    ("POST", "/api/v1/customers/42/events", {"data": {}}, "body $: 'name' is a required property"),
    ("POST", "/api/v1/merge_customers", {"primary": {"email": "a@b.co"}, "secondary": {}},
     "body $.secondary: matches none of the oneOf branches (ID: 'id' is a required property"),
    ("POST", "/api/v1/merge_customers", {"primary": {"id": "1", "email": "a@b.co"}, "secondary": {"id": "2"}},
     "body $.primary: {'id': '1', 'email': 'a@b.co'} has too many properties"),
    ("POST", ENTITY, {"type": "person", "identifiers": {"id": "42", "email": "a@b.co"}, "action": "identify"},
     "body $.identifiers: matches 2 oneOf branches (id, email); exactly one is allowed"),
    ("POST", ENTITY, {**PERSON, "attributes": {"plan": "pro"}}, "body $: 'action' is a required property"),
    ("POST", ENTITY, {**PERSON, "action": "event", "attributes": {}}, "body $: 'name' is a required property"),
    ("POST", ENTITY, {**PERSON, "action": "identify", "timestamp": "1700000000"},
     "body $.timestamp: '1700000000' is not of type 'integer'"),
    ("POST", ENTITY, {**PERSON, "action": "upsert"}, "body $.action: 'upsert' is not one of ['identify', 'delete'"),
    ("POST", ENTITY, {"type": "people", "identifiers": {"id": "42"}, "action": "identify"},
     "body $.type: 'people' is not one of ['person', 'object', 'delivery']"),
    ("POST", ENTITY, {"identifiers": {"id": "42"}, "action": "identify"}, "body $: 'type' is a required property"),
    ("POST", "/api/v2/batch", {"batch": [{**PERSON, "action": "identify"}, {**PERSON, "action": "page"}]},
     "body $.batch[1]: 'name' is a required property"),
    ("POST", "/api/v1/events", {"anonymous_id": "abc123"}, "'name' is a required property"),
    ("POST", "/api/v1/events", {"name": "x", "timestamp": "now"}, "'now' is not of type 'integer'"),
    ("POST", "/api/v1/metrics", {"delivery_id": "d1", "metric": "liked"}, "matches none of the anyOf branches"),
    ("POST", "/api/v1/metrics", {"metric": "opened"}, "'delivery_id' is a required property"),
]


@pytest.mark.parametrize(("method", "url", "body", "expected"), INVALID,
                         ids=lambda v: v[:40] if isinstance(v, str) else "")
def test_invalid_requests_fail_with_a_useful_message(method: str, url: str, body: Any, expected: str) -> None:
    with pytest.raises(AssertionError) as caught:
        validate_track_request(method, url, body)
    assert expected in str(caught.value), str(caught.value)


def test_every_problem_is_listed_at_once() -> None:
    with pytest.raises(AssertionError) as caught:
        validate_track_request("post", "http://127.0.0.1:5000/eu/api/v1/segments/x/add_customers?id_type=phone&x=1",
                               {"ids": [], "extra": 1})
    lines = str(caught.value).splitlines()
    assert lines[0] == "POST /api/v1/segments/x/add_customers (add_to_segment) violates the Track API spec:"
    assert len(lines) == 5 and all(line.startswith("  - ") for line in lines[1:])  # extra props are allowed


MERGE_BODY = "#/paths/~1api~1v1~1merge_customers/post/requestBody/content/application~1json/schema"
METRICS_BODY = "#/paths/~1api~1v1~1metrics/post/requestBody/content/application~1json/schema"


def test_known_spec_ambiguities_are_the_only_ones_patched() -> None:
    # If Customer.io fixes (or adds) a non-exclusive oneOf, this list changes: re-read README.md.
    assert disambiguated_oneofs() == (
        "#/paths/~1api~1v1~1customers~1{identifier}/put/parameters/0/schema/oneOf (as anyOf)",
        "#/paths/~1api~1v1~1customers~1{identifier}/delete/parameters/0/schema/oneOf (as anyOf)",
        "#/paths/~1api~1v1~1customers~1{identifier}~1events/parameters/0/schema/oneOf (as anyOf)",
        f"{MERGE_BODY}/properties/primary/oneOf (required added)",
        f"{MERGE_BODY}/properties/secondary/oneOf (required added)",
        f"{METRICS_BODY}/oneOf (as anyOf: overlapping variants)",
        "#/components/schemas/v2_cio_relationships/items/properties/identifiers/oneOf (required added)",
    )
    assert "required" not in json.dumps(load_track_spec()["components"]["schemas"]["v2_cio_relationships"])


def test_clean_schema_strips_keywords_but_keeps_properties_named_like_them() -> None:
    schema = {"type": "object", "description": "prose", "example": {"a": 1}, "x-scalar-ignore": True,
              "title": "Segment", "properties": {"description": {"type": "string", "description": "d"},
                                                 "example": {"$ref": "#/components/schemas/x"}},
              "required": ["description"], "additionalProperties": {"examples": [1], "type": "integer"}}
    assert vendor_track_spec.clean_schema(schema) == {
        "type": "object", "title": "Segment",
        "properties": {"description": {"type": "string"}, "example": {"$ref": "#/components/schemas/x"}},
        "required": ["description"], "additionalProperties": {"type": "integer"}}


def test_vendored_subset_is_small_prose_free_and_self_contained() -> None:
    doc = load_track_spec()
    assert SUBSET_PATH.stat().st_size < 60_000
    assert doc["x-vendored-from"]["info.version"] == doc["info"]["version"]
    assert {p: sorted(set(ops) - {"parameters"}) for p, ops in doc["paths"].items()} == {
        p: sorted(m) for p, m in vendor_track_spec.OPERATIONS.items()}
    schemas = doc["components"]["schemas"]
    assert all(vendor_track_spec.clean_schema(s) == s for s in schemas.values())
    reachable: set[str] = set()
    todo = vendor_track_spec.schema_refs(doc["paths"])
    while todo:
        name = todo.pop().rsplit("/", 1)[-1]
        if name not in reachable:
            reachable.add(name)
            todo |= vendor_track_spec.schema_refs(schemas[name])
    assert reachable == set(schemas)


def _source_spec() -> Path | None:
    candidates = [os.environ.get("CIO_TRACK_SPEC"), REPO.parent / "shared/reference/journeys-track.openapi.json",
                  "/work/shared/reference/journeys-track.openapi.json"]
    return next((Path(c) for c in candidates if c and Path(c).is_file()), None)


def test_vendored_subset_matches_the_generator_output() -> None:
    source = _source_spec()
    if source is None:
        pytest.skip("Track OpenAPI source spec not found (set CIO_TRACK_SPEC to check the vendored copy)")
    spec = json.loads(source.read_text(encoding="utf-8"))
    fresh = vendor_track_spec.render(vendor_track_spec.build_subset(spec))
    assert SUBSET_PATH.read_text(encoding="utf-8") == fresh, (
        f"{SUBSET_PATH.name} is stale: run python tests/contract/vendor_track_spec.py {source}")

"""Track v2 /entity and /batch: one identifier per entity, attributes as event data, 207 partial failure."""

from __future__ import annotations

import httpx
import pytest

from cio_connector.sandbox import SandboxServer


def entity(track: httpx.Client, body: dict[str, object]) -> httpx.Response:
    return track.post("/api/v2/entity", json=body)


def person(identifiers: dict[str, str], action: str, **fields: object) -> dict[str, object]:
    return {"type": "person", "identifiers": identifiers, "action": action, **fields}


def test_identify_event_page_and_delete(sandbox: SandboxServer, track: httpx.Client) -> None:
    assert (
        entity(
            track, person({"id": "42"}, "identify", attributes={"email": "jane@example.com", "plan": "pro"})
        ).json()
        == {}
    )
    entity(
        track,
        person({"email": "JANE@example.com"}, "event", name="purchase", id="01HXJ5Z9Q4W6ZK3V8N2M7R1T0Y", attributes={"price": 3}),
    )
    entity(track, person({"cio_id": "a3000001"}, "page", name="/pricing", attributes={"title": "Pricing"}))
    found = sandbox.state.find("42")
    assert (found["email"], found["attributes"]) == ("jane@example.com", {"plan": "pro"})
    assert [(e["type"], e["name"], e["data"], e["api"]) for e in sandbox.state.events("42")] == [
        ("event", "purchase", {"price": 3}, "v2"),
        ("page", "/pricing", {"title": "Pricing"}, "v2"),
    ]
    assert entity(track, person({"email": "jane@example.com"}, "delete")).status_code == 200
    assert sandbox.state.people() == []


def test_cio_id_identifiers_are_raw_and_must_exist(sandbox: SandboxServer, track: httpx.Client) -> None:
    entity(track, person({"cio_id": "a3000001"}, "identify", attributes={"plan": "pro"}))
    assert sandbox.state.people() == []
    entity(track, person({"id": "42"}, "identify"))
    entity(track, person({"cio_id": "a3000001"}, "identify", attributes={"email": "new@example.com"}))
    assert sandbox.state.find("42")["email"] == "new@example.com"


def test_update_only(sandbox: SandboxServer, track: httpx.Client) -> None:
    entity(track, person({"id": "42"}, "identify", attributes={"_update": True, "plan": "pro"}))
    assert sandbox.state.people() == []


def test_batch_applies_valid_items_and_reports_the_rest_with_207(
    sandbox: SandboxServer, track: httpx.Client
) -> None:
    batch = [
        person({"id": "1"}, "identify", attributes={"plan": "pro"}),
        person({"id": "2"}, "event"),  # no name
        {"type": "person", "action": "identify"},  # no identifiers
        person({"id": "1"}, "event", name="signup"),
        "not an object",
    ]
    response = track.post("/api/v2/batch", json={"batch": batch})
    assert response.status_code == 207
    errors = response.json()["errors"]
    assert [(e["batch_index"], e["field"]) for e in errors] == [(1, "name"), (2, "identifiers"), (4, "")]
    assert all(set(e) == {"batch_index", "reason", "field", "message"} for e in errors)
    assert [p["id"] for p in sandbox.state.people()] == ["1"]
    assert [e["name"] for e in sandbox.state.events()] == ["signup"]


def test_a_clean_batch_is_200(track: httpx.Client) -> None:
    response = track.post(
        "/api/v2/batch", json={"batch": [person({"id": "1"}, "identify"), person({"id": "1"}, "delete")]}
    )
    assert (response.status_code, response.json()) == (200, {})


def test_merge_and_suppress_actions(sandbox: SandboxServer, track: httpx.Client) -> None:
    entity(track, person({"id": "a"}, "identify", attributes={"x": 1}))
    entity(track, person({"id": "b"}, "identify", attributes={"y": 2}))
    merge = {"type": "person", "action": "merge", "primary": {"id": "a"}, "secondary": {"id": "b"}}
    assert entity(track, merge).status_code == 200
    (found,) = sandbox.state.people()
    assert found["attributes"] == {"x": 1, "y": 2}
    entity(track, person({"id": "a"}, "suppress"))
    assert sandbox.state.people() == [] and sandbox.state.suppressed()[0]["identifiers"] == {"id": "a"}


def test_other_entity_types_are_not_simulated(track: httpx.Client) -> None:
    body = {"type": "delivery", "identifiers": {"id": "d1"}, "action": "opened"}
    response = entity(track, body)
    assert response.status_code == 400 and response.json()["errors"][0]["field"] == "type"


def _send(track: httpx.Client, endpoint: str, body: dict[str, object]) -> httpx.Response:
    return track.post(endpoint, json={"batch": [body]} if endpoint.endswith("/batch") else body)


# v2 takes the raw cio_id (spec example "a3000001"), so "cio_a3000001" is a cio_id nobody has.
PREFIXED_CIO_ID_CASES = [
    (endpoint, action, fields)
    for endpoint in ("/api/v2/entity", "/api/v2/batch")
    for action, fields in [
        ("identify", {"attributes": {"plan": "free"}}),
        ("event", {"name": "purchase"}),
        ("suppress", {}),
        ("delete", {}),
    ]
]


@pytest.mark.parametrize(
    ("endpoint", "action", "fields"),
    PREFIXED_CIO_ID_CASES,
    ids=[f"{e.rsplit('/', 1)[1]}-{a}" for e, a, _ in PREFIXED_CIO_ID_CASES],
)
def test_a_cio_prefixed_cio_id_is_literal_and_matches_nobody(
    sandbox: SandboxServer, track: httpx.Client, endpoint: str, action: str, fields: dict[str, object]
) -> None:
    entity(track, person({"id": "42"}, "identify", attributes={"plan": "pro"}))
    before = sandbox.state.find("42")
    assert before["cio_id"] == "a3000001"
    response = _send(track, endpoint, person({"cio_id": "cio_a3000001"}, action, **fields))
    assert (response.status_code, response.json()) == (200, {})
    assert sandbox.state.people() == [before]  # a3000001 untouched: not updated, suppressed or deleted
    assert sandbox.state.events("42") == []
    if action == "identify":  # dropped like any unknown cio_id, and shown in the activity log
        (failure,) = sandbox.state.failures()
        assert failure["identifier"] == {"cio_id": "cio_a3000001"} and "dropped" in failure["reason"]
    if action == "event":
        (event,) = sandbox.state.events()
        assert (event["person"], event["identifier"]) == (None, {"cio_id": "cio_a3000001"})


def test_v1_paths_and_segments_still_take_the_cio_prefix(sandbox: SandboxServer, track: httpx.Client) -> None:
    entity(track, person({"id": "42"}, "identify"))
    assert track.put("/api/v1/customers/cio_a3000001", json={"plan": "pro"}).status_code == 200
    added = track.post("/api/v1/segments/1/add_customers?id_type=cio_id", json={"ids": ["cio_a3000001"]})
    assert added.status_code == 200
    found = sandbox.state.find("42")
    assert (found["attributes"], found["segments"]) == ({"plan": "pro"}, [1])

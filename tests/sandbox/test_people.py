"""People: identifier shapes, percent-decoding, the identify upsert rules, delete and merge."""

from __future__ import annotations

from urllib.parse import quote

import httpx
import pytest

from cio_connector.sandbox import SandboxServer


def identify(track: httpx.Client, identifier: str, **attributes: object) -> httpx.Response:
    response = track.put(f"/api/v1/customers/{quote(identifier, safe='')}", json=attributes)
    assert response.status_code == 200, response.text
    return response


# (what the caller means, what goes on the wire, the identifier the person gets)
HOSTILE = [
    ("plus and at", "a%2Bb%40example.com", ("email", "a+b@example.com")),
    ("plus left unencoded stays a plus in a path", "a+b@example.com", ("email", "a+b@example.com")),
    ("slashes and dots", "x%2F..%2Fy", ("id", "x/../y")),
    ("an encoded percent is decoded once", "%252F", ("id", "%2F")),
    ("a space", "jane%20doe", ("id", "jane doe")),
    ("non-ASCII", "Jos%C3%A9", ("id", "José")),
    ("non-ASCII email", "jos%C3%A9%40example.com", ("email", "josé@example.com")),
    ("a phone number is an id", "%2B14155552671", ("id", "+14155552671")),
    ("question mark and hash", "a%3Fb%23c", ("id", "a?b#c")),
]


@pytest.mark.parametrize(("case", "wire", "expected"), HOSTILE, ids=[h[0] for h in HOSTILE])
def test_path_identifiers_are_percent_decoded_exactly_once(
    sandbox: SandboxServer, track: httpx.Client, case: str, wire: str, expected: tuple[str, str]
) -> None:
    assert track.put(f"/api/v1/customers/{wire}", json={"plan": "pro"}).status_code == 200
    (person,) = sandbox.state.people()
    kind, value = expected
    assert person[kind] == value
    assert person["attributes"] == {"plan": "pro"}


def test_emails_match_case_insensitively(sandbox: SandboxServer, track: httpx.Client) -> None:
    identify(track, "Jane@Example.com", plan="free")
    identify(track, "jane@example.COM", plan="pro")
    (person,) = sandbox.state.people()
    assert person["email"] == "Jane@Example.com" and person["attributes"] == {"plan": "pro"}


def test_ids_are_case_sensitive(sandbox: SandboxServer, track: httpx.Client) -> None:
    identify(track, "User-1")
    identify(track, "user-1")
    assert sorted(p["id"] for p in sandbox.state.people()) == ["User-1", "user-1"]


def test_new_people_get_sequential_hex_cio_ids(sandbox: SandboxServer, track: httpx.Client) -> None:
    identify(track, "1")
    identify(track, "2")
    assert [p["cio_id"] for p in sandbox.state.people()] == ["a3000001", "a3000002"]


def test_a_cio_prefixed_path_updates_that_person_and_may_change_identifiers(
    sandbox: SandboxServer, track: httpx.Client
) -> None:
    identify(track, "42", email="old@example.com")
    cio_id = sandbox.state.find("42")["cio_id"]
    identify(track, f"cio_{cio_id}", email="new@example.com", id="43", plan="pro")
    (person,) = sandbox.state.people()
    assert (person["id"], person["email"], person["attributes"]) == ("43", "new@example.com", {"plan": "pro"})
    assert sandbox.state.find("old@example.com") is None


def test_a_cio_id_that_matches_nobody_is_dropped(sandbox: SandboxServer, track: httpx.Client) -> None:
    identify(track, "cio_ffffffff", plan="pro")
    assert sandbox.state.people() == []
    assert "dropped" in sandbox.state.failures()[0]["reason"]


def test_update_only_never_creates(sandbox: SandboxServer, track: httpx.Client) -> None:
    identify(track, "42", _update=True, plan="pro")
    assert sandbox.state.people() == []
    identify(track, "42", plan="free")
    identify(track, "42", _update=True, plan="pro")
    assert sandbox.state.find("42")["attributes"] == {"plan": "pro"}


def test_an_email_path_can_set_the_id(sandbox: SandboxServer, track: httpx.Client) -> None:
    identify(track, "jane@example.com", id="42")
    assert sandbox.state.find("42")["email"] == "jane@example.com"


def test_an_unknown_path_id_with_a_known_body_email_updates_that_person(
    sandbox: SandboxServer, track: httpx.Client
) -> None:
    """The spec's tip: a new id with an existing email updates the existing person, who gets the new id."""
    identify(track, "1", email="jane@example.com")
    identify(track, "2", email="JANE@example.com", plan="pro")
    (person,) = sandbox.state.people()
    assert (person["id"], person["attributes"]) == ("2", {"plan": "pro"})


def test_changing_an_identifier_without_cio_id_is_an_attribute_update_failure(
    sandbox: SandboxServer, track: httpx.Client
) -> None:
    identify(track, "42", email="old@example.com")
    identify(track, "42", email="new@example.com", plan="pro")  # still 200
    person = sandbox.state.find("42")
    assert (person["email"], person["attributes"]) == ("old@example.com", {"plan": "pro"})
    assert "cio_id" in sandbox.state.failures()[-1]["reason"]


def test_allow_email_update_by_id_setting() -> None:
    from cio_connector.sandbox import SandboxState, Workspace, infer_identifier

    state = SandboxState(Workspace(allow_email_update_by_id=True))
    state.identify(infer_identifier("42"), {"email": "old@example.com"})
    state.identify(infer_identifier("42"), {"email": "new@example.com"})
    assert state.find("42")["email"] == "new@example.com"


def test_identifiers_owned_by_someone_else_are_not_stolen(
    sandbox: SandboxServer, track: httpx.Client
) -> None:
    identify(track, "1", email="one@example.com")
    identify(track, "2", email="one@example.com")  # path 2 is new, body email belongs to 1: 1 becomes 2
    identify(track, "3")
    identify(track, "3", email="one@example.com")  # path 3 exists, email belongs to another person
    assert sandbox.state.find("3")["email"] is None
    assert "different profile" in sandbox.state.failures()[-1]["reason"]


def test_reserved_attributes(sandbox: SandboxServer, track: httpx.Client) -> None:
    identify(
        track,
        "42",
        created_at=1_700_000_000,
        anonymous_id="anon-1",
        unsubscribed="TRUE",
        _timestamp=1_700_000_001,
        cio_subscription_preferences={"topics": {"topic_1": True}},
    )
    identify(track, "42", **{"cio_subscription_preferences.topics.topic_2": False})
    attributes = sandbox.state.find("42")["attributes"]
    assert attributes == {
        "created_at": 1_700_000_000,
        "anonymous_id": "anon-1",
        "unsubscribed": True,
        "cio_subscription_preferences": {"topics": {"topic_1": True, "topic_2": False}},
    }


def test_relationships_are_kept(sandbox: SandboxServer, track: httpx.Client) -> None:
    relationship = {"identifiers": {"object_type_id": "1", "object_id": "acme"}}
    identify(track, "42", cio_relationships={"action": "add_relationships", "relationships": [relationship]})
    assert sandbox.state.find("42")["relationships"] == [relationship]
    identify(
        track, "42", cio_relationships={"action": "delete_relationships", "relationships": [relationship]}
    )
    assert sandbox.state.find("42")["relationships"] == []


def test_empty_or_null_values_remove_an_attribute(sandbox: SandboxServer, track: httpx.Client) -> None:
    identify(track, "42", plan="pro", seats=3, team="a")
    identify(track, "42", plan="", seats=None)
    assert sandbox.state.find("42")["attributes"] == {"team": "a"}


@pytest.mark.parametrize("reference", ["42", "jane@example.com", "JANE@example.com", "cio_a3000001"])
def test_delete_by_any_identifier(sandbox: SandboxServer, track: httpx.Client, reference: str) -> None:
    identify(track, "42", email="jane@example.com")
    track.post("/api/v1/segments/1/add_customers", json={"ids": ["42"]})
    track.post("/api/v1/customers/42/events", json={"name": "purchase"})
    response = track.request("DELETE", f"/api/v1/customers/{quote(reference, safe='')}", json={})
    assert (response.status_code, response.json()) == (200, {})
    assert sandbox.state.people() == [] and sandbox.state.events() == []
    assert sandbox.state.segment(1)["members"] == []


def test_deleting_nobody_is_200(track: httpx.Client) -> None:
    assert track.delete("/api/v1/customers/nobody").status_code == 200


def test_merge_moves_attributes_events_and_segments(sandbox: SandboxServer, track: httpx.Client) -> None:
    identify(track, "primary", plan="pro", team="")
    identify(track, "secondary@example.com", plan="free", team="blue", city="Lyon")
    track.post(
        "/api/v1/segments/2/add_customers",
        json={"ids": ["secondary@example.com"]},
        params={"id_type": "email"},
    )
    track.post("/api/v1/customers/secondary%40example.com/events", json={"name": "signup"})
    response = track.post(
        "/api/v1/merge_customers",
        json={"primary": {"id": "primary"}, "secondary": {"email": "secondary@example.com"}},
    )
    assert (response.status_code, response.json()) == (200, {})
    (person,) = sandbox.state.people()
    assert person["id"] == "primary" and person["email"] == "secondary@example.com"
    assert person["attributes"] == {"plan": "pro", "team": "blue", "city": "Lyon"}
    assert person["segments"] == [2]
    assert [e["name"] for e in sandbox.state.events("primary")] == ["signup"]


def test_merge_by_cio_id_accepts_raw_and_prefixed_values(sandbox: SandboxServer, track: httpx.Client) -> None:
    identify(track, "a")
    identify(track, "b")
    identify(track, "c")
    track.post(
        "/api/v1/merge_customers",
        json={"primary": {"cio_id": "a3000001"}, "secondary": {"cio_id": "a3000002"}},
    )
    track.post(
        "/api/v1/merge_customers", json={"primary": {"cio_id": "cio_a3000001"}, "secondary": {"id": "c"}}
    )
    assert [p["cio_id"] for p in sandbox.state.people()] == ["a3000001"]


def test_merge_without_a_primary_does_nothing(sandbox: SandboxServer, track: httpx.Client) -> None:
    identify(track, "b")
    response = track.post("/api/v1/merge_customers", json={"primary": {"id": "a"}, "secondary": {"id": "b"}})
    assert response.status_code == 200
    assert [p["id"] for p in sandbox.state.people()] == ["b"]


def test_suppress_deletes_and_unsuppress_frees_the_identifier(sandbox: SandboxServer, track: httpx.Client) -> None:
    identify(track, "42", plan="pro")
    track.post("/api/v1/customers/42/suppress", json={})
    assert sandbox.state.find("42") is None and sandbox.state.suppressed()[0]["identifiers"] == {"id": "42"}
    identify(track, "42", plan="again")
    assert sandbox.state.find("42") is None  # a suppressed identifier is not added back
    track.post("/api/v1/customers/42/unsuppress", json={})
    identify(track, "42")
    assert sandbox.state.find("42")["attributes"] == {}  # a new profile: the old one stays deleted

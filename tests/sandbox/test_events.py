"""Events and page views: trimming, dedupe by id, timestamps, and events for unknown people."""

from __future__ import annotations

import httpx

from cio_connector.sandbox import SandboxServer


def test_an_event_is_recorded_for_the_person(sandbox: SandboxServer, track: httpx.Client) -> None:
    track.put("/api/v1/customers/42", json={})
    response = track.post(
        "/api/v1/customers/42/events",
        json={"name": "  purchase ", "data": {"price": 23.45}, "timestamp": 1_700_000_000, "type": "event"},
    )
    assert (response.status_code, response.json()) == (200, {})
    (event,) = sandbox.state.events("42")
    assert {k: event[k] for k in ("name", "type", "data", "timestamp", "person", "api")} == {
        "name": "purchase",
        "type": "event",
        "data": {"price": 23.45},
        "timestamp": 1_700_000_000,
        "person": "a3000001",
        "api": "v1",
    }


def test_a_page_view(sandbox: SandboxServer, track: httpx.Client) -> None:
    track.put("/api/v1/customers/jane%40example.com", json={})
    body = {
        "type": "page",
        "name": "https://example.com/pricing",
        "data": {"referrer": "https://example.com"},
    }
    assert track.post("/api/v1/customers/JANE%40example.com/events", json=body).status_code == 200
    (event,) = sandbox.state.events("jane@example.com")
    assert (event["type"], event["name"], event["data"]) == ("page", body["name"], body["data"])


def test_other_types_are_standard_events(sandbox: SandboxServer, track: httpx.Client) -> None:
    track.post("/api/v1/customers/42/events", json={"name": "x", "type": "custom"})
    assert sandbox.state.events()[0]["type"] == "event"


def test_a_repeated_event_id_is_ignored(sandbox: SandboxServer, track: httpx.Client) -> None:
    body = {"name": "purchase", "id": "01HZY5Q7W9X2B3C4D5E6F7G8H9"}
    for _ in range(3):
        assert track.post("/api/v1/customers/42/events", json=body).status_code == 200
    track.post("/api/v1/customers/42/events", json={"name": "purchase"})
    track.post("/api/v1/customers/42/events", json={"name": "purchase"})
    assert len(sandbox.state.events()) == 3


def test_missing_or_invalid_timestamps_become_now_and_milliseconds_are_kept(
    sandbox: SandboxServer, track: httpx.Client
) -> None:
    track.post("/api/v1/customers/42/events", json={"name": "a"})
    track.post("/api/v1/customers/42/events", json={"name": "b", "timestamp": "yesterday"})
    track.post("/api/v1/customers/42/events", json={"name": "c", "timestamp": 1_700_000_000_000})
    a, b, c = sandbox.state.events()
    assert a["timestamp"] == a["received_at"] and b["timestamp"] == b["received_at"]
    assert c["timestamp"] == 1_700_000_000_000


def test_an_event_for_nobody_is_kept_unattached_and_creates_nobody(
    sandbox: SandboxServer, track: httpx.Client
) -> None:
    """The spec documents no profile creation for events; they must follow an identify."""
    assert track.post("/api/v1/customers/ghost/events", json={"name": "signup"}).status_code == 200
    assert sandbox.state.people() == []
    (event,) = sandbox.state.events()
    assert (event["person"], event["identifier"]) == (None, {"id": "ghost"})

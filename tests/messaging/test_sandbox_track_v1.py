"""The sandbox's Track v1 anonymous events and delivery metrics, and two checks on existing routes."""

from __future__ import annotations

import httpx
import pytest

from cio_connector.sandbox import SandboxServer

from ..contract.track_spec import validate_track_request
from ..sandbox.conftest import HTTP

ULID = "01HZY5Q7W9X2B3C4D5E6F7G8H9"


def test_an_anonymous_event_is_kept_with_its_anonymous_id(sandbox: SandboxServer, track: httpx.Client) -> None:
    body = {"name": " watched_video ", "anonymous_id": "anon-1", "data": {"video": "intro"}, "timestamp": 1_700_000_000}
    validate_track_request("POST", "/api/v1/events", body)
    assert track.post("/api/v1/events", json=body).status_code == 200
    (event,) = sandbox.state.anonymous.all()
    assert (event["anonymous_id"], event["name"], event["data"], event["timestamp"]) == (
        "anon-1", "watched_video", {"video": "intro"}, 1_700_000_000)
    assert sandbox.state.people() == [] and sandbox.state.events() == []  # nobody is created


def test_an_anonymous_event_needs_no_anonymous_id_and_dedupes_by_id(sandbox: SandboxServer, track: httpx.Client) -> None:
    for _ in range(2):
        invite = {"name": "invite", "id": ULID, "data": {"recipient": "a@b.co"}}
        assert track.post("/api/v1/events", json=invite).status_code == 200
    assert len(sandbox.state.anonymous.all()) == 1


@pytest.mark.parametrize(("body", "says"), [
    ({"anonymous_id": "a"}, "event name must not be blank"),
    ({"name": "x" * 101}, "event name cannot be longer than 100 bytes"),
    ({"name": "x", "id": "not-a-ulid"}, "id must be a valid ULID"),
    ({"name": "x", "data": "nope"}, "data must be a hash"),
    ({"name": "x", "type": "click"}, "type must be one of event, page, screen"),
    ({"name": "x", "anonymous_id": 7}, "anonymous_id must be a non-empty string"),
])
def test_a_bad_anonymous_event_is_refused(sandbox: SandboxServer, track: httpx.Client, body: dict, says: str) -> None:
    answer = track.post("/api/v1/events", json=body)
    assert answer.status_code == 400 and says in answer.json()["meta"]["errors"]
    assert sandbox.state.anonymous.all() == []


def test_anonymous_events_need_track_credentials(sandbox: SandboxServer) -> None:
    assert HTTP.post(sandbox.endpoints("us")["track"] + "/api/v1/events", json={"name": "x"}).status_code == 401


def test_the_v1_person_events_route_checks_ulid_ids(sandbox: SandboxServer, track: httpx.Client) -> None:
    answer = track.post("/api/v1/customers/42/events", json={"name": "purchase", "id": "12345"})
    assert answer.status_code == 400 and "id must be a valid ULID" in answer.json()["meta"]["errors"]
    assert track.post("/api/v1/customers/42/events", json={"name": "purchase", "id": ULID.lower()}).status_code == 200


def test_a_metric_needs_no_credentials_and_is_filed_under_its_delivery(sandbox: SandboxServer, app: httpx.Client) -> None:
    sent = app.post("/v1/send/email", json={"transactional_message_id": 1, "to": "a@b.co"}).json()
    url = sandbox.endpoints("us")["track"] + "/api/v1/metrics"
    body = {"delivery_id": sent["delivery_id"], "metric": "clicked", "href": "https://example.com", "timestamp": 1_700_000_000}
    validate_track_request("POST", "/api/v1/metrics", body)
    assert HTTP.post(url, json=body).status_code == 200
    (metric,) = sandbox.state.messaging.metrics()
    assert (metric["metric"], metric["href"], metric["known_delivery"]) == ("clicked", "https://example.com", True)
    assert sandbox.state.messaging.delivery(sent["delivery_id"])["metrics"][0]["metric"] == "clicked"


def test_a_metric_for_a_delivery_sent_elsewhere_is_kept(sandbox: SandboxServer, track: httpx.Client) -> None:
    metric = {"delivery_id": "RPILAgUBcRhIBqSfeiIwdIYJKxTY", "metric": "opened"}
    assert track.post("/api/v1/metrics", json=metric).status_code == 200
    assert sandbox.state.messaging.metrics()[0]["known_delivery"] is False


@pytest.mark.parametrize(("body", "says"), [
    ({"metric": "opened"}, "delivery_id is required"),
    ({"delivery_id": "d", "metric": "liked"}, "metric must be one of"),
    ({"delivery_id": "d", "metric": "opened", "timestamp": "now"}, "timestamp must be a unix timestamp in seconds"),
    ({"delivery_id": "d", "metric": "clicked", "href": 5}, "href must be a string"),
])
def test_a_bad_metric_is_refused(sandbox: SandboxServer, track: httpx.Client, body: dict, says: str) -> None:
    answer = track.post("/api/v1/metrics", json=body)
    assert answer.status_code == 400 and any(says in e for e in answer.json()["meta"]["errors"])
    assert sandbox.state.messaging.metrics() == []


def test_a_metric_the_delivery_channel_cannot_have_is_refused(app: httpx.Client, track: httpx.Client) -> None:
    sent = app.post("/v1/send/push", json={"transactional_message_id": 4, "identifiers": {"id": "42"}}).json()
    answer = track.post("/api/v1/metrics", json={"delivery_id": sent["delivery_id"], "metric": "bounced"})
    assert answer.status_code == 400 and "for a push delivery" in answer.json()["meta"]["errors"][0]


@pytest.mark.parametrize(("identifier", "status"), [("a3000001", 404), ("cio_a3000001", 200)])
def test_customer_attributes_by_cio_id_want_the_prefix(track: httpx.Client, app: httpx.Client, identifier: str,
                                                        status: int) -> None:
    track.put("/api/v1/customers/42", json={})
    assert app.get(f"/v1/customers/{identifier}/attributes", params={"id_type": "cio_id"}).status_code == status

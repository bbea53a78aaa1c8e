"""The sandbox's /api/v2/batch as bulk delivery relies on it: event ids deduplicated, caps enforced per item and body."""

from __future__ import annotations

import base64

import httpx
import pytest

from cio_connector._util.ulid import new_ulid
from cio_connector.facts import BATCH_MAX_BYTES, ENTITY_MAX_BYTES


@pytest.fixture
def track(sandbox):
    creds = sandbox.credentials
    auth = "Basic " + base64.b64encode(f"{creds.site_id}:{creds.track_api_key}".encode()).decode()
    with httpx.Client(base_url=sandbox.endpoints("us")["track"], headers={"Authorization": auth}) as client:
        yield client


def event(n: int, event_id: str) -> dict:
    return {"type": "person", "identifiers": {"id": f"p{n}"}, "action": "event", "name": "buy", "id": event_id,
            "attributes": {"n": n}}


def test_a_batch_sent_twice_records_each_event_once(sandbox, track):
    batch = {"batch": [event(n, new_ulid()) for n in range(5)]}
    assert track.post("/api/v2/batch", json=batch).status_code == 200
    assert track.post("/api/v2/batch", json=batch).status_code == 200
    assert sorted(e["data"]["n"] for e in sandbox.state.events()) == [0, 1, 2, 3, 4]


def test_a_repeated_id_inside_one_batch_is_ignored_like_a_repeat_across_calls(sandbox, track):
    same = new_ulid()
    assert track.post("/api/v2/batch", json={"batch": [event(1, same), event(2, same)]}).status_code == 200
    assert [e["data"]["n"] for e in sandbox.state.events()] == [1]


def test_an_item_over_the_entity_cap_fails_alone_in_a_large_body(sandbox, track):
    small = [{"type": "person", "identifiers": {"id": f"p{n}"}, "action": "identify", "attributes": {"pad": "x" * 900}}
             for n in range(40)]
    big = {"type": "person", "identifiers": {"id": "big"}, "action": "identify",
           "attributes": {f"k{i}": "v" * 900 for i in range(40)}}
    response = track.post("/api/v2/batch", json={"batch": [*small, big]})
    assert response.status_code == 207
    assert [(e["batch_index"], e["reason"]) for e in response.json()["errors"]] == [(40, "too_large")]
    assert len(sandbox.state.people()) == 40 and ENTITY_MAX_BYTES < len(response.request.content) < BATCH_MAX_BYTES


def test_a_body_over_the_batch_cap_is_refused_whole(sandbox, track):
    items = [{"type": "person", "identifiers": {"id": f"p{n}"}, "action": "identify", "attributes": {"pad": "x" * 900}}
             for n in range(BATCH_MAX_BYTES // 900)]
    response = track.post("/api/v2/batch", json={"batch": items})
    assert response.status_code == 400 and response.json()["errors"][0]["reason"] == "too_large"
    assert sandbox.state.people() == []

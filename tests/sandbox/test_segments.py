"""Manual segments: add and remove by id, email or cio_id; App API listing and creation."""

from __future__ import annotations

import httpx
import pytest

from cio_connector.sandbox import SandboxServer


@pytest.fixture
def people(track: httpx.Client) -> None:
    track.put("/api/v1/customers/1", json={"email": "one@example.com"})
    track.put("/api/v1/customers/2", json={"email": "two@example.com"})


# (id_type query, the ids, who ends up in the segment)
ADDS = [
    (None, ["1", "2"], ["a3000001", "a3000002"]),
    ("id", ["1", "nobody"], ["a3000001"]),
    ("email", ["ONE@example.com", "not-an-email", "2"], ["a3000001"]),
    # id_type=cio_id values carry the cio_ prefix; a bare one matches nobody and is ignored (200)
    ("cio_id", ["a3000001", "cio_a3000002", "cio_", "cio_nobody"], ["a3000002"]),
]


@pytest.mark.usefixtures("people")
@pytest.mark.parametrize(("id_type", "ids", "members"), ADDS)
def test_add_customers(
    sandbox: SandboxServer, track: httpx.Client, id_type: str | None, ids: list[str], members: list[str]
) -> None:
    params = {"id_type": id_type} if id_type else {}
    response = track.post("/api/v1/segments/1/add_customers", params=params, json={"ids": ids})
    assert (response.status_code, response.json()) == (200, {})
    assert sandbox.state.segment(1)["members"] == members


@pytest.mark.usefixtures("people")
@pytest.mark.parametrize(
    ("id_type", "ids"), [("id", ["2"]), ("email", ["two@example.com"]), ("cio_id", ["cio_a3000002"])]
)
def test_remove_customers(sandbox: SandboxServer, track: httpx.Client, id_type: str, ids: list[str]) -> None:
    track.post("/api/v1/segments/1/add_customers", json={"ids": ["1", "2"]})
    response = track.post(
        "/api/v1/segments/1/remove_customers", params={"id_type": id_type}, json={"ids": ids}
    )
    assert response.status_code == 200
    assert sandbox.state.segment(1)["members"] == ["a3000001"]
    assert sandbox.state.find("2")["segments"] == []


def test_unknown_ids_are_ignored(sandbox: SandboxServer, track: httpx.Client) -> None:
    assert track.post("/api/v1/segments/1/add_customers", json={"ids": ["ghost"]}).status_code == 200
    assert sandbox.state.segment(1)["members"] == []


def test_app_lists_segments_with_the_documented_shape(app: httpx.Client) -> None:
    response = app.get("/v1/segments")
    assert response.status_code == 200
    segments = response.json()["segments"]
    assert [(s["id"], s["type"]) for s in segments] == [
        (1, "manual"),
        (2, "manual"),
        (3, "manual"),
        (4, "dynamic"),
        (5, "dynamic"),
    ]
    first = segments[0]
    assert set(first) == {
        "id",
        "deduplicate_id",
        "name",
        "description",
        "state",
        "progress",
        "type",
        "tags",
        "created_at",
        "updated_at",
    }
    assert first["deduplicate_id"] == f"1:{first['updated_at']}"
    assert first["state"] in {"events", "build", "events_queued", "build_queued", "finished"}


def test_app_creates_a_manual_segment_the_track_api_can_fill(
    sandbox: SandboxServer, app: httpx.Client, track: httpx.Client
) -> None:
    response = app.post("/v1/segments", json={"segment": {"name": "Newsletter", "description": "Opted in"}})
    assert response.status_code == 200
    created = response.json()["segment"]
    assert (created["name"], created["type"], created["description"]) == ("Newsletter", "manual", "Opted in")
    track.put("/api/v1/customers/42", json={})
    assert (
        track.post(f"/api/v1/segments/{created['id']}/add_customers", json={"ids": ["42"]}).status_code == 200
    )
    assert app.get(f"/v1/segments/{created['id']}").json()["segment"]["name"] == "Newsletter"
    assert sandbox.state.find("42")["segments"] == [created["id"]]

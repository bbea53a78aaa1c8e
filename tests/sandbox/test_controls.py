"""The /_sandbox controls: state, reset, seeding, rate limits, fault injection and the request log."""

from __future__ import annotations

import asyncio
import base64
import socket
import time

import httpx
import pytest

from cio_connector.facts import APP_REQUESTS_PER_SECOND, TRACK_REQUESTS_PER_SECOND
from cio_connector.sandbox import DEMO_CREDENTIALS, SandboxServer, gateway


def test_state_shows_people_events_segments_and_request_counts(
    sandbox: SandboxServer, control: httpx.Client, track: httpx.Client
) -> None:
    track.put("/api/v1/customers/42", json={"plan": "pro"})
    track.post("/api/v1/segments/1/add_customers", json={"ids": ["42"]})
    track.post("/api/v1/customers/42/events", json={"name": "purchase"})
    track.post("/api/v1/customers/42/events", json={"name": ""})
    state = control.get("/state").json()
    assert state["workspace"] == {
        "region": "us",
        "environment_id": 100001,
        "name": "Sandbox workspace",
        "site_id": "sandbox-site-id",
    }
    (person,) = state["people"]
    assert (person["id"], person["attributes"], person["segments"]) == ("42", {"plan": "pro"}, [1])
    assert [e["name"] for e in state["events"]] == ["purchase"]
    assert state["segments"][0]["members"] == ["a3000001"]
    assert state["requests"] == {"total": 4, "by_api": {"track": 4}, "by_status": {"200": 3, "400": 1}}
    assert state == {**sandbox.snapshot(), "requests": state["requests"]}


def test_the_request_log_never_holds_credentials(
    sandbox: SandboxServer, control: httpx.Client, track: httpx.Client
) -> None:
    track.put("/api/v1/customers/42", json={"secret": "s3cr3t"})
    (entry,) = control.get("/requests").json()["requests"]
    assert {k: entry[k] for k in ("method", "path", "api", "region", "status")} == {
        "method": "PUT",
        "path": "/us/api/v1/customers/42",
        "api": "track",
        "region": "us",
        "status": 200,
    }
    log = str(control.get("/requests").json())
    assert "s3cr3t" not in log and sandbox.credentials.track_api_key not in log


def test_reset_forgets_people_and_restores_seed_segments(
    sandbox: SandboxServer, control: httpx.Client, track: httpx.Client, app: httpx.Client
) -> None:
    track.put("/api/v1/customers/42", json={})
    app.post("/v1/segments", json={"segment": {"name": "Extra"}})
    assert control.post("/reset").status_code == 200
    assert sandbox.state.people() == []
    assert [s["name"] for s in sandbox.state.segments()] == [s.name for s in sandbox.workspace.segments]


def test_reset_with_custom_segments(sandbox: SandboxServer, control: httpx.Client) -> None:
    control.post("/reset", json={"segments": [{"name": "Only", "id": 70}]})
    assert [(s["id"], s["name"], s["type"]) for s in sandbox.state.segments()] == [(70, "Only", "manual")]


def test_seeding_segments(sandbox: SandboxServer, control: httpx.Client, track: httpx.Client) -> None:
    response = control.post(
        "/segments", json={"segments": [{"name": "Seeded", "id": 40}, {"name": "Rules", "type": "dynamic"}]}
    )
    assert [(s["id"], s["type"]) for s in response.json()["segments"]] == [(40, "manual"), (41, "dynamic")]
    assert track.post("/api/v1/segments/40/add_customers", json={"ids": ["x"]}).status_code == 200
    assert track.post("/api/v1/segments/41/add_customers", json={"ids": ["x"]}).status_code == 400


@pytest.mark.parametrize(
    "body",
    [
        {"segments": [{"type": "manual"}]},
        {"segments": [{"name": "x", "type": "smart"}]},
        {"segments": "x"},
        {},
    ],
)
def test_bad_seeds_are_rejected(control: httpx.Client, body: dict[str, object]) -> None:
    response = control.post("/segments", json=body)
    assert response.status_code == 400 and response.json()["error"]


# A seed id that is taken would replace that segment and lose its members: 409, nothing changes.
SEGMENT_CONFLICTS = [
    ("an existing id", "/segments", {"segments": [{"name": "Again", "id": 1}]}, "segment 1"),
    (
        "an existing id after a new one",
        "/segments",
        {"segments": [{"name": "New", "id": 60}, {"name": "Again", "id": 1}]},
        "segment 1",
    ),
    (
        "an id repeated in the request",
        "/segments",
        {"segments": [{"name": "A", "id": 60}, {"name": "B", "id": 60}]},
        "segment 60",
    ),
    (
        "an id repeated in a reset",
        "/reset",
        {"segments": [{"name": "A", "id": 60}, {"name": "B", "id": 60}]},
        "segment 60",
    ),
]


@pytest.mark.parametrize(
    ("case", "path", "body", "words"), SEGMENT_CONFLICTS, ids=[c[0] for c in SEGMENT_CONFLICTS]
)
def test_seeding_a_taken_segment_id_is_a_conflict(
    sandbox: SandboxServer,
    control: httpx.Client,
    track: httpx.Client,
    case: str,
    path: str,
    body: dict[str, object],
    words: str,
) -> None:
    track.put("/api/v1/customers/42", json={})
    track.post("/api/v1/segments/1/add_customers", json={"ids": ["42"]})
    before = sandbox.snapshot()
    response = control.post(path, json=body)
    assert response.status_code == 409
    assert set(response.json()) == {"error"} and words in response.json()["error"]
    assert "already exists" in response.json()["error"]
    assert sandbox.snapshot() == before  # all or nothing: no segment replaced, added, or reset
    assert sandbox.state.segment(1)["members"] == ["a3000001"]


def test_no_rate_limit_by_default(control: httpx.Client) -> None:
    assert control.get("/rate_limits").json() == {"track": None, "app": None, "transactional": None, "retry_after": None}


def test_app_rate_limit_answers_429_with_retry_after(control: httpx.Client, app: httpx.Client) -> None:
    control.put("/rate_limits", json={"app": 1, "retry_after": 2})
    responses = [app.get("/v1/segments") for _ in range(10)]
    limited = [r for r in responses if r.status_code == 429]
    assert limited, "a burst of 10 over a 1/s limit should see a 429"
    assert limited[0].json() == {
        "errors": [{"detail": "Your request is over the 1-per-second limit.", "status": "429"}]
    }
    assert limited[0].headers["retry-after"] == "2"


def test_track_rate_limit_without_retry_after(control: httpx.Client, track: httpx.Client) -> None:
    control.put("/rate_limits", json={"track": 1})
    limited = [r for r in (track.get("/api/v1/accounts/region") for _ in range(10)) if r.status_code == 429]
    assert limited and "retry-after" not in limited[0].headers
    assert set(limited[0].json()) == {"meta"} and limited[0].json()["meta"]["error"]


def test_customerio_preset(control: httpx.Client) -> None:
    limits = control.put("/rate_limits", json={"preset": "customerio"}).json()
    assert (limits["track"], limits["app"]) == (TRACK_REQUESTS_PER_SECOND, APP_REQUESTS_PER_SECOND)


BAD_RATE_LIMITS = [
    ({"app": 0}, "app"),
    ({"track": "fast"}, "track"),
    ({"retry_after": -1}, "retry_after"),
    ({"preset": "nope"}, "known presets: customerio"),
    ({"preset": None}, "known presets: customerio"),
    ({"preset": "CustomerIO"}, "known presets: customerio"),
    ({"preset": "customerio", "track": 5}, "cannot be combined"),
    ({"trak": 5}, "unknown rate limit settings: trak"),
]


@pytest.mark.parametrize(("body", "words"), BAD_RATE_LIMITS, ids=[str(b) for b, _ in BAD_RATE_LIMITS])
def test_bad_rate_limits_are_rejected_and_change_nothing(
    control: httpx.Client, body: dict[str, object], words: str
) -> None:
    current = control.put("/rate_limits", json={"track": 7, "app": 3}).json()
    response = control.put("/rate_limits", json=body)
    assert response.status_code == 400
    assert set(response.json()) == {"error"} and words in response.json()["error"]
    assert control.get("/rate_limits").json() == current


def _statuses(track: httpx.Client, count: int) -> list[int]:
    return [track.get("/api/v1/accounts/region").status_code for _ in range(count)]


def test_error_faults_are_a_seeded_fraction(control: httpx.Client, track: httpx.Client) -> None:
    faults = {"error_rate": 0.5, "statuses": [500, 503], "seed": 7}
    control.put("/faults", json=faults)
    first = _statuses(track, 40)
    control.put("/faults", json=faults)
    assert _statuses(track, 40) == first
    assert {500, 503, 200} <= set(first)


def test_every_request_fails_at_rate_one_with_the_api_error_body(
    control: httpx.Client, track: httpx.Client, app: httpx.Client
) -> None:
    control.put("/faults", json={"error_rate": 1, "statuses": [503]})
    track_response, app_response = track.put("/api/v1/customers/42", json={}), app.get("/v1/segments")
    assert (track_response.status_code, set(track_response.json())) == (503, {"meta"})
    assert app_response.status_code == 503 and app_response.json()["errors"][0]["status"] == "503"


def test_a_dropped_request_is_read_to_its_end_before_the_connection_closes(
    sandbox: SandboxServer, control: httpx.Client
) -> None:
    """Closing a socket with a request's bytes still unread sends a reset: the client then sees
    "connection reset" instead of a server that closed without answering, whenever the body's
    packet lands after the drop is decided (it did, on a busy machine). The sandbox reads the body
    first, so with the headers alone the connection stays open."""
    control.put("/faults", json={"drop_rate": 1})
    host, port = sandbox.url.removeprefix("http://").rsplit(":", 1)
    body = b'{"plan":"pro"}'
    auth = base64.b64encode(f"{DEMO_CREDENTIALS.site_id}:{DEMO_CREDENTIALS.track_api_key}".encode()).decode()
    head = (f"PUT /api/v1/customers/42 HTTP/1.1\r\nHost: {host}\r\nAuthorization: Basic {auth}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n").encode()
    with socket.create_connection((host, int(port)), timeout=5) as raw:
        raw.sendall(head)
        time.sleep(0.2)  # time enough to decide the drop
        raw.setblocking(False)
        with pytest.raises(BlockingIOError):  # still open: waiting for the body, nothing sent
            raw.recv(1024)
        raw.setblocking(True)
        raw.settimeout(5)
        raw.sendall(body)
        assert raw.recv(1024) == b""  # then closed, without a response


def test_a_dropped_request_whose_body_never_comes_is_closed_after_a_while(
    sandbox: SandboxServer, control: httpx.Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(gateway, "_DRAIN_SECONDS", 0.1)
    control.put("/faults", json={"drop_rate": 1})
    host, port = sandbox.url.removeprefix("http://").rsplit(":", 1)
    head = f"PUT /api/v1/customers/42 HTTP/1.1\r\nHost: {host}\r\nContent-Length: 10\r\n\r\n".encode()
    with socket.create_connection((host, int(port)), timeout=5) as raw:
        raw.sendall(head)
        assert raw.recv(1024) == b""  # closed, without a response, though the body never came


def test_faults_spare_the_controls(control: httpx.Client) -> None:
    control.put("/faults", json={"error_rate": 1, "drop_rate": 1})
    assert control.get("/state").status_code == 200


def test_dropped_requests_close_the_connection_without_a_response(
    sandbox: SandboxServer, control: httpx.Client, track: httpx.Client
) -> None:
    control.put("/faults", json={"drop_rate": 1})
    with pytest.raises(httpx.RemoteProtocolError):
        track.put("/api/v1/customers/42", json={"plan": "pro"})
    control.put("/faults", json={})
    assert track.get("/api/v1/accounts/region").status_code == 200
    assert control.get("/state").json()["requests"]["by_status"]["dropped"] == 1


def test_delayed_requests_still_succeed(control: httpx.Client, track: httpx.Client) -> None:
    control.put("/faults", json={"delay_rate": 1, "delay_seconds": 0.2})
    started = time.monotonic()
    assert track.get("/api/v1/accounts/region").status_code == 200
    assert time.monotonic() - started >= 0.2  # a lower bound only: never flaky


@pytest.mark.parametrize(
    "body", [{"error_rate": 2}, {"statuses": []}, {"statuses": [200]}, {"delay_seconds": -1}, {"chaos": True}]
)
def test_bad_faults_are_rejected(control: httpx.Client, body: dict[str, object]) -> None:
    assert control.put("/faults", json=body).status_code == 400


def test_controls_are_refused_to_non_loopback_clients(sandbox: SandboxServer) -> None:
    messages: list[dict[str, object]] = []

    async def receive() -> dict[str, object]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, object]) -> None:
        messages.append(message)

    scope = {
        "type": "http",
        "method": "GET",
        "path": "/_sandbox/state",
        "raw_path": b"/_sandbox/state",
        "query_string": b"",
        "headers": [],
        "client": ("203.0.113.7", 5000),
        "server": ("0.0.0.0", 80),
        "scheme": "http",
        "http_version": "1.1",
        "root_path": "",
    }
    asyncio.run(sandbox.app(scope, receive, send))
    assert messages[0]["status"] == 403

"""Customer.io's official Python client, unmodified, sends anonymous events and transactional
messages to the TLS sandbox; if the two disagree, the sandbox is wrong."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from customerio import APIClient, CustomerIO, CustomerIOException, SendEmailRequest, SendPushRequest, SendSMSRequest

from cio_connector.sandbox import DEMO_CREDENTIALS, Identifier, SandboxServer

ULID = "01HZY5Q7W9X2B3C4D5E6F7G8H9"


@pytest.fixture(scope="module")
def tls_server() -> Iterator[SandboxServer]:
    with SandboxServer(tls=True) as server:
        yield server


@pytest.fixture
def tls_sandbox(tls_server: SandboxServer, monkeypatch: pytest.MonkeyPatch) -> SandboxServer:
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(tls_server.cert_path))  # requests prefers it to Session.verify
    monkeypatch.delenv("CURL_CA_BUNDLE", raising=False)
    tls_server.reset()
    return tls_server


@pytest.fixture
def track(tls_sandbox: SandboxServer) -> Iterator[CustomerIO]:
    with CustomerIO(DEMO_CREDENTIALS.site_id, DEMO_CREDENTIALS.track_api_key, host="127.0.0.1",
                    port=tls_sandbox.port, retries=0) as client:
        yield client


@pytest.fixture
def api(tls_sandbox: SandboxServer) -> Iterator[APIClient]:
    with APIClient(DEMO_CREDENTIALS.app_api_key, url=tls_sandbox.url, retries=0) as client:
        yield client


def test_track_anonymous_is_kept_and_deduplicated(tls_sandbox: SandboxServer, track: CustomerIO) -> None:
    track.track_anonymous("anon-7", "watched_video", data={"video": "intro"}, id=ULID, timestamp=1_700_000_000)
    track.track_anonymous("anon-7", "watched_video", data={"video": "intro"}, id=ULID)  # the same id: dropped
    track.track_anonymous("", "invite", data={"recipient": "ada@example.com"})  # no anonymous id at all
    events = tls_sandbox.state.anonymous.all()
    assert [(e["anonymous_id"], e["name"], e["data"]) for e in events] == [
        ("anon-7", "watched_video", {"video": "intro"}),
        (None, "invite", {"recipient": "ada@example.com"}),
    ]
    assert events[0]["timestamp"] == 1_700_000_000


def test_a_bad_anonymous_event_raises_in_the_client(track: CustomerIO) -> None:
    with pytest.raises(CustomerIOException, match="400"):
        track.track_anonymous("anon-7", "x", id="not-a-ulid")


def test_send_email_answers_a_delivery(tls_sandbox: SandboxServer, api: APIClient) -> None:
    tls_sandbox.state.identify(Identifier("email", "ada@example.com"), {})
    request = SendEmailRequest(
        transactional_message_id=1, to="ada@example.com", identifiers={"email": "ada@example.com"},
        message_data={"reset_link": "https://example.com/r/1"}, send_at=int(time.time()) + 3600,
    )
    request.attach("receipt.txt", "thanks")
    sent = api.send_email(request)
    assert set(sent) == {"delivery_id", "queued_at", "send_at"}
    (delivery,) = tls_sandbox.state.messaging.deliveries()
    assert (delivery["delivery_id"], delivery["status"], delivery["channel"]) == (sent["delivery_id"], "scheduled", "email")
    assert delivery["person"] == tls_sandbox.state.find("ada@example.com")["cio_id"]


def test_send_sms_and_push_answer_deliveries(tls_sandbox: SandboxServer, api: APIClient) -> None:
    api.send_sms(SendSMSRequest(transactional_message_id="login_code", to="+15551234567", identifiers={"id": "42"}))
    api.send_push(SendPushRequest(transactional_message_id=4, identifiers={"id": "42"}, title="New sign-in"))
    assert [d["channel"] for d in tls_sandbox.state.messaging.deliveries()] == ["sms", "push"]


def test_what_customerio_refuses_raises_in_the_client(tls_sandbox: SandboxServer, api: APIClient) -> None:
    many = ",".join(f"p{i}@example.com" for i in range(16))
    with pytest.raises(CustomerIOException, match="400"):
        api.send_email(SendEmailRequest(transactional_message_id=1, to=many))
    with pytest.raises(CustomerIOException, match="404"):
        api.send_email(SendEmailRequest(transactional_message_id=42, to="ada@example.com"))
    with pytest.raises(CustomerIOException, match="401"):
        with APIClient("wrong-key", url=tls_sandbox.url, retries=0) as stranger:
            stranger.send_email(SendEmailRequest(transactional_message_id=1, to="ada@example.com"))
    assert tls_sandbox.state.messaging.deliveries() == []

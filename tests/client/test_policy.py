"""The status policy as a table: each answer -> error class, attempts made, message."""

from __future__ import annotations

import httpx
import pytest

from cio_connector import (
    AsyncCioClient,
    AuthenticationError,
    FatalApiError,
    RegionMismatchError,
    RetryableApiError,
    RetryPolicy,
)
from cio_connector.client.policy import error_messages, parse_retry_after
from cio_connector.pipeline.request import ApiRequest, resendable

from .conftest import SECRETS, Recorder, checked_connection

IDENTIFY = ApiRequest("track", "POST", "/api/v2/entity",
                      json={"type": "person", "identifiers": {"id": "1"}, "action": "identify"},
                      field_map=(("identifiers", "$.matching_value"), ("attributes", "$.mappings")))
# As the track_event handler declares it: an event without a dedupe id may not be sent twice.
EVENT_NO_ID = ApiRequest("track", "POST", "/api/v2/entity", json={"type": "person", "identifiers": {"id": "1"},
                                                                  "action": "event", "name": "x"}, idempotent=False)
SEGMENTS = ApiRequest("app", "GET", "/v1/segments")

# (status, headers, body, request, error class or None, attempts, message fragment)
TABLE = [
    (200, {}, {}, IDENTIFY, None, 1, None),
    (400, {}, {"errors": [{"reason": "invalid", "field": "identifiers.email", "message": "email is invalid"}]}, IDENTIFY,
     FatalApiError, 1, "email is invalid"),
    (400, {}, {"meta": {"error": "name cannot be blank"}}, IDENTIFY, FatalApiError, 1, "name cannot be blank"),
    (400, {}, {"meta": {"errors": ["too many attributes", "value too long"]}}, IDENTIFY, FatalApiError, 1,
     "too many attributes; value too long"),
    (404, {}, {"errors": [{"detail": "segment not found", "status": "404"}]}, SEGMENTS, FatalApiError, 1, "segment not found"),
    # A key from the other region's workspace is refused alike: the message points at the region too.
    (401, {}, {}, IDENTIFY, AuthenticationError, 1,
     "Site ID or Track API key is wrong, or the region is (run `cio-connector check` to tell which)"),
    (403, {}, {}, IDENTIFY, AuthenticationError, 1, "Site ID or Track API key is wrong, or the region is"),
    (401, {}, {"errors": [{"detail": "Unauthorized"}]}, SEGMENTS, AuthenticationError, 1,
     "App API key is wrong, or the region is (run `cio-connector check` to tell which)"),
    (301, {"location": "https://api-eu.customer.io/v1/segments"}, {"errors": [{"detail": "wrong datacenter", "status": "301"}]},
     SEGMENTS, RegionMismatchError, 1, "this workspace is in EU"),
    (307, {"location": "https://track-eu.customer.io/api/v2/entity"}, {}, IDENTIFY, RegionMismatchError, 1, "choose EU"),
    (408, {}, {}, IDENTIFY, RetryableApiError, 4, "answered 408"),
    (429, {}, {"meta": {"error": "rate limited"}}, IDENTIFY, RetryableApiError, 4, "rate limited"),
    (429, {}, {}, EVENT_NO_ID, RetryableApiError, 4, "answered 429"),
    (500, {}, {}, IDENTIFY, RetryableApiError, 4, "answered 500"),
    (500, {}, {}, EVENT_NO_ID, RetryableApiError, 1, "answered 500"),
    (502, {}, "<html>bad gateway</html>", IDENTIFY, RetryableApiError, 4, "answered 502"),
    (503, {}, {}, EVENT_NO_ID, RetryableApiError, 4, "answered 503"),
    (207, {}, {"errors": [{"batch_index": 0, "reason": "required", "field": "attributes.plan", "message": "plan too long"}]},
     IDENTIFY, FatalApiError, 1, "plan too long"),
    (200, {}, {"errors": [{"reason": "invalid", "field": "identifiers", "message": "bad id"}]}, IDENTIFY, FatalApiError, 1,
     "bad id"),
]


def _response(status, headers, body):
    if isinstance(body, str):
        return httpx.Response(status, headers=headers, text=body)
    return httpx.Response(status, headers=headers, json=body)


@pytest.mark.parametrize(("status", "headers", "body", "request_", "error", "attempts", "fragment"), TABLE)
def test_status_policy(status, headers, body, request_, error, attempts, fragment):
    recorder = Recorder(lambda request: _response(status, headers, body))
    sleeps: list[float] = []
    conn = checked_connection()
    with recorder.client(conn, sleeps=sleeps) as client:
        if error is None:
            assert client.send(request_).status == status
        else:
            with pytest.raises(error) as caught:
                client.send(request_)
            assert fragment in str(caught.value)
            assert all(secret not in str(caught.value) and secret not in repr(caught.value) for secret in SECRETS.values())
    assert len(recorder.requests) == attempts
    assert len(sleeps) == attempts - 1


def test_customerio_field_errors_point_back_at_the_config_field():
    recorder = Recorder(lambda r: httpx.Response(400, json={"errors": [{"reason": "invalid", "field": "attributes.plan",
                                                                        "message": "too long"}]}))
    conn = checked_connection()
    with recorder.client(conn) as client, pytest.raises(FatalApiError) as caught:
        client.send(IDENTIFY)
    assert [(p.path, p.message) for p in caught.value.problems] == [("$.mappings", "too long")]


@pytest.mark.parametrize(
    ("error", "attempts", "message"),
    [
        (httpx.ConnectError("refused"), 4, "call failed: ConnectError"),
        (httpx.ReadTimeout("slow"), 4, "call timed out: ReadTimeout"),
        (httpx.RemoteProtocolError("dropped"), 4, "call failed: RemoteProtocolError"),
    ],
)
def test_transport_failures_are_retryable_and_retried(error, attempts, message):
    def boom(request):
        raise error

    recorder = Recorder(boom)
    conn = checked_connection()
    with recorder.client(conn) as client, pytest.raises(RetryableApiError) as caught:
        client.send(IDENTIFY)
    assert message in str(caught.value)
    assert len(recorder.requests) == attempts


def test_an_event_without_dedupe_id_is_not_resent_after_an_ambiguous_failure():
    def boom(request):
        raise httpx.ReadTimeout("slow")

    recorder = Recorder(boom)
    conn = checked_connection()
    with recorder.client(conn) as client, pytest.raises(RetryableApiError):
        client.send(EVENT_NO_ID)
    assert len(recorder.requests) == 1


def test_retry_after_is_honoured_then_success():
    answers = iter([httpx.Response(429, headers={"retry-after": "2"}), httpx.Response(200, json={})])
    recorder = Recorder(lambda r: next(answers))
    sleeps: list[float] = []
    conn = checked_connection()
    with recorder.client(conn, sleeps=sleeps) as client:
        response = client.send(IDENTIFY)
    assert (response.status, response.attempts, sleeps) == (200, 2, [2.0])


def test_a_retry_after_beyond_the_cap_gives_up_with_the_hint():
    recorder = Recorder(lambda r: httpx.Response(429, headers={"retry-after": "3600"}))
    conn = checked_connection()
    with recorder.client(conn) as client, pytest.raises(RetryableApiError) as caught:
        client.send(IDENTIFY)
    assert caught.value.retry_after == 3600.0
    assert len(recorder.requests) == 1


def test_backoff_is_exponential_bounded_and_jittered():
    import random

    policy = RetryPolicy(max_retries=6, base_delay=0.5, max_delay=4.0, rng=random.Random(7))
    delays = [policy.delay(n, None) for n in range(1, 7)]
    ceilings = [0.5, 1.0, 2.0, 4.0, 4.0, 4.0]
    assert all(c / 2 <= d <= c for d, c in zip(delays, ceilings, strict=True))
    assert policy.delay(7, None) is None


@pytest.mark.parametrize(("header", "seconds"), [("5", 5.0), ("0.5", 0.5), (None, None), ("soon", None),
                                                 ("Wed, 21 Oct 2015 07:28:00 GMT", 0.0)])
def test_retry_after_parsing(header, seconds):
    assert parse_retry_after(header) == seconds


def test_error_messages_reads_every_customerio_shape():
    body = {"meta": {"error": "a", "errors": ["b"]}, "errors": [{"message": "c"}, {"detail": "d"}, {"reason": "e"}, "f"]}
    assert error_messages(body) == ["a", "b", "c", "d", "e", "f"]


def test_async_client_shares_the_policy_and_retries():
    import asyncio

    answers = iter([httpx.Response(503), httpx.Response(200, json={"ok": 1})])
    seen = []

    async def handle(request):
        seen.append(request)
        return next(answers)

    conn = checked_connection("eu")
    sleeps: list[float] = []

    async def fake_sleep(seconds):
        sleeps.append(seconds)

    async def main():
        async with AsyncCioClient(conn, transport=httpx.MockTransport(handle), sleep=fake_sleep) as client:
            return await client.send(IDENTIFY)

    response = asyncio.run(main())
    assert (response.status, response.json, response.attempts, len(sleeps)) == (200, {"ok": 1}, 2, 1)
    assert str(seen[0].url) == "https://track-eu.customer.io/api/v2/entity"


def test_redirects_are_never_followed():
    recorder = Recorder(lambda r: httpx.Response(301, headers={"location": "https://api-eu.customer.io/v1/segments"}))
    conn = checked_connection()
    with recorder.client(conn) as client, pytest.raises(RegionMismatchError) as caught:
        client.send(SEGMENTS)
    assert len(recorder.requests) == 1
    assert caught.value.actual_region == "eu"


def test_logs_say_what_happened_and_never_carry_a_secret(caplog, connector):
    import base64
    import logging

    answers = iter([httpx.Response(503), httpx.Response(401), httpx.Response(200, json={})])
    recorder = Recorder(lambda r: next(answers))
    conn = checked_connection()
    caplog.set_level(logging.DEBUG, logger="cio_connector")
    with recorder.client(conn) as client:
        with pytest.raises(AuthenticationError):
            connector.execute("upsert_customer", {"matching_field": "id", "matching_value": "1"}, conn, client=client)
        connector.execute("track_event", {"name": "x", "customer_id": "1"}, conn, client=client)
    text = "\n".join(record.getMessage() for record in caplog.records)
    assert "POST https://track.customer.io/api/v2/entity -> 503" in text
    assert "retry 1 of POST /api/v2/entity" in text
    assert "-> 401" in text and "-> 200" in text
    basic = base64.b64encode(f"site-123:{SECRETS['track_api_key']}".encode()).decode()
    for secret in (*SECRETS.values(), basic):
        assert secret not in text


def test_a_redirect_within_the_chosen_region_is_not_called_a_region_mismatch():
    recorder = Recorder(lambda r: httpx.Response(301, headers={"location": "https://beta-api-eu.customer.io/v1/segments"}))
    with recorder.client(checked_connection("eu")) as client, pytest.raises(RegionMismatchError) as caught:
        client.send(SEGMENTS)
    assert "unexpected redirect (301) within EU" in str(caught.value)
    assert "choose" not in str(caught.value)


@pytest.mark.parametrize(
    ("items", "idempotent"),
    [
        ([{"action": "identify"}, {"action": "event", "name": "x", "id": "01H"}], True),
        ([{"action": "identify"}, {"action": "event", "name": "x"}], False),
        ([{"action": "page", "name": "/"}], False),
    ],
)
def test_a_batch_is_safe_to_resend_only_if_every_item_is(items, idempotent):
    assert all(resendable(item) for item in items) is idempotent


@pytest.mark.parametrize(
    ("action", "config", "idempotent"),
    [
        ("upsert_customer", {"matching_field": "id", "matching_value": "u1"}, True),
        ("delete_customer", {"matching_field": "id", "matching_value": "u1"}, True),
        ("track_event", {"name": "x", "customer_id": "u1"}, False),
        ("track_event", {"name": "x", "customer_id": "u1", "event_id": "01J0000000000000000000000A"}, True),
        ("track_page", {"page_url": "/", "customer_id": "u1"}, False),
        ("add_customer_to_segment", {"matching_field": "id", "matching_value": "u1", "segment": 1}, True),
    ],
)
def test_handlers_declare_whether_their_request_may_be_sent_twice(action, config, idempotent):
    from cio_connector import load_connector

    assert load_connector().build_request(action, config).idempotent is idempotent

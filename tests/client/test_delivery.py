"""deliver(): the one send loop's outcome for callers with many sends in flight (bulk), and its pacing hooks."""

from __future__ import annotations

import asyncio
import dataclasses

import httpx
import pytest

from cio_connector import AsyncCioClient, FatalApiError, RetryableApiError, RetryPolicy
from cio_connector.client.http import async_client, describe_request
from cio_connector.client.policy import ItemError, item_errors
from cio_connector.pipeline.request import ApiRequest

from .conftest import Recorder, checked_connection

BATCH = ApiRequest("track", "POST", "/api/v2/batch", json={"batch": [{"type": "person", "action": "identify"}] * 3},
                   field_map=(("identifiers", "$.matching_value"), ("attributes", "$.mappings")))
NOT_IDEMPOTENT = dataclasses.replace(BATCH, idempotent=False)
ERRORS_207 = {"errors": [{"batch_index": 1, "reason": "invalid", "field": "identifiers.email", "message": "email is bad"},
                         {"batch_index": 2, "reason": "too_long", "field": "attributes", "message": "too long"}]}


def answers(*responses: httpx.Response) -> Recorder:
    queue = list(responses)
    return Recorder(lambda request: queue.pop(0))


def test_a_207_is_delivered_with_the_items_it_refused_and_send_raises_them_with_their_paths():
    recorder = answers(httpx.Response(207, json=ERRORS_207), httpx.Response(207, json=ERRORS_207))
    with recorder.client(checked_connection()) as client:
        delivery = client.deliver(BATCH, action="upsert_customer")
        with pytest.raises(FatalApiError) as caught:
            client.send(BATCH, action="upsert_customer")
    assert (delivery.status, delivery.error, delivery.attempts) == (207, None, 1)
    assert delivery.refused == (ItemError("email is bad", "identifiers.email", "invalid", 1),
                                ItemError("too long", "attributes", "too_long", 2))
    assert [(p.path, p.code) for p in caught.value.problems] == [
        ("$.matching_value", "batch_index=1 invalid"), ("$.mappings", "batch_index=2 too_long")]


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({}, ()),
        ({"errors": []}, ()),
        ({"errors": "not a list"}, ()),
        ({"errors": ["bare words"]}, (ItemError("bare words"),)),
        ({"errors": [{"detail": "d"}, {"reason": "r"}, {}]}, (ItemError("d"), ItemError("r", reason="r"), ItemError("rejected"))),
        ({"errors": [{"batch_index": True, "message": "m"}]}, (ItemError("m"),)),  # a bool is not an index
        ({"errors": [{"batch_index": "1", "message": "m"}]}, (ItemError("m"),)),
    ],
)
def test_every_errors_entry_is_read_once_into_an_item_error(body, expected):
    assert item_errors(body) == expected


def test_a_2xx_whose_errors_are_bare_strings_is_a_failure_for_a_single_call():
    with answers(httpx.Response(200, json={"errors": ["quota exceeded"]})).client(checked_connection()) as client:
        with pytest.raises(FatalApiError, match="rejected its content: quota exceeded"):
            client.send(BATCH)


def test_deliver_returns_a_fatal_error_instead_of_raising():
    recorder = answers(httpx.Response(400, json={"errors": [{"field": "attributes", "message": "bad"}]}))
    with recorder.client(checked_connection()) as client:
        delivery = client.deliver(BATCH)
    assert isinstance(delivery.error, FatalApiError) and delivery.gave_up is None and delivery.attempts == 1
    assert delivery.error.problems[0].path == "$.mappings"


@pytest.mark.parametrize(
    ("response", "request_", "attempts", "gave_up"),
    [
        (httpx.Response(500), BATCH, 4, "gave up after 4 attempts; the last attempt may have landed"),
        (httpx.Response(503), BATCH, 4, "gave up after 4 attempts"),
        (httpx.Response(503), NOT_IDEMPOTENT, 4, "gave up after 4 attempts"),
        (httpx.Response(500), NOT_IDEMPOTENT, 1, "not retried: it may have landed, and it is not safe to send twice"),
        (httpx.Response(429, headers={"retry-after": "600"}), BATCH, 1,
         "gave up after 1 attempt: Customer.io asked to wait 600 s, over 60 s"),
    ],
)
def test_a_failed_delivery_says_why_retrying_stopped(response, request_, attempts, gave_up):
    recorder = Recorder(lambda request: response)
    with recorder.client(checked_connection()) as client:
        delivery = client.deliver(request_)
    assert isinstance(delivery.error, RetryableApiError)
    assert (delivery.attempts, len(recorder.requests), delivery.gave_up) == (attempts, attempts, gave_up)


class Pacer:
    """Counts attempts and failures; forbids retrying after ``allow`` failures."""

    def __init__(self, allow: int) -> None:
        self.allow, self.attempts, self.failures = allow, 0, []

    async def before_attempt(self) -> None:
        self.attempts += 1

    async def after_failure(self, error: RetryableApiError) -> bool:
        self.failures.append(error.status)
        return len(self.failures) <= self.allow


def deliver_async(pacer: Pacer, *responses: httpx.Response, request: ApiRequest = BATCH):
    queue = list(responses)
    sleeps: list[float] = []

    async def sleep(seconds: float) -> None:
        sleeps.append(seconds)

    async def main():
        transport = httpx.MockTransport(lambda request: queue.pop(0))
        async with AsyncCioClient(checked_connection(), transport=transport, sleep=sleep) as client:
            return await client.deliver(request, action="upsert_customer", pacing=pacer)

    return asyncio.run(main()), sleeps


def test_the_pacing_waits_before_every_attempt_and_hears_every_retryable_failure():
    pacer = Pacer(allow=5)
    delivery, sleeps = deliver_async(pacer, httpx.Response(429), httpx.Response(503), httpx.Response(207, json=ERRORS_207))
    assert (pacer.attempts, pacer.failures, len(sleeps)) == (3, [429, 503], 2)
    assert delivery.attempts == 3 and [item.batch_index for item in delivery.refused] == [1, 2]


def test_the_pacing_may_forbid_a_retry():
    pacer = Pacer(allow=0)
    delivery, sleeps = deliver_async(pacer, httpx.Response(500), httpx.Response(200, json={}))
    assert (pacer.attempts, sleeps, delivery.attempts) == (1, [], 1)
    assert delivery.gave_up == "interrupted before retrying; the last attempt may have landed"


def test_the_pacing_is_not_asked_about_an_answer_that_cannot_be_retried():
    pacer = Pacer(allow=5)
    delivery, _ = deliver_async(pacer, httpx.Response(401))
    assert (pacer.attempts, pacer.failures) == (1, []) and delivery.error is not None


def test_the_async_client_for_many_sends_in_flight_keeps_the_policy():
    async def main():
        transport = httpx.MockTransport(lambda request: httpx.Response(200, json={"ok": True}))
        client = async_client(checked_connection(), in_flight=4, timeout=12.0, retry=RetryPolicy(max_retries=1),
                              transport=transport)
        async with client:
            return client, await client.send(BATCH)

    client, response = asyncio.run(main())
    assert (response.status, response.json) == (200, {"ok": True})
    assert (client.timeout.read, client.timeout.connect, client.retry.max_retries) == (12.0, 5.0, 1)


def test_the_bulk_client_sends_over_httpxs_own_pool_sized_for_its_sends_in_flight():
    """A few large batches: aiohttp's per-request saving does not show, its import would."""
    client = async_client(checked_connection(), in_flight=6, timeout=10.0)
    transport = client._http._transport
    assert type(transport) is httpx.AsyncHTTPTransport
    assert transport._pool._max_connections == 6
    asyncio.run(client.aclose())


def test_a_request_carrying_only_its_encoded_body_is_described_from_its_bytes():
    class Encoded(ApiRequest):
        @property
        def body(self) -> bytes:
            return b'{"batch":[{"a":1}]}'

    described = describe_request(checked_connection(), Encoded("track", "POST", "/api/v2/batch"))
    assert described["json"] == {"batch": [{"a": 1}]} and described["headers"]["content-length"] == "19"

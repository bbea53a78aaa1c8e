"""The engine against scripted answers (httpx.MockTransport): 207s map to records, retries, aborts, accounting."""

from __future__ import annotations

import asyncio
import dataclasses
import json

import httpx
import pytest

from cio_connector.bulk import BulkOptions, BulkRun, adeliver, deliver
from cio_connector.client.http import RetryPolicy
from cio_connector.errors import InputError
from cio_connector.pipeline.request import ApiRequest

CONNECTION = {"region": "us", "site_id": "site", "track_api_key": "track-key", "app_api_key": "app-key",
              "endpoints": {"track": "http://127.0.0.1:9", "app": "http://127.0.0.1:9"}}
UPSERT = {"matching_field": "email", "matching_value": "{{ record.email }}", "mappings": {"plan": "{{ record.plan }}"}}
FAST = BulkOptions(retry=RetryPolicy(max_retries=2, base_delay=0.001, max_delay=0.002), linger=0.01)


def people(n: int) -> list[dict]:
    return [{"email": f"p{i}@example.com", "plan": "pro"} for i in range(n)]


def scripted(*answers):
    """A transport answering each call with the next (status, body, headers); the bodies sent are kept."""
    sent: list[dict] = []
    queue = list(answers)

    def handle(request: httpx.Request) -> httpx.Response:
        sent.append({"path": request.url.path, "query": dict(request.url.params), "json": json.loads(request.content)})
        status, body, headers = queue.pop(0) if queue else (200, {}, {})
        if isinstance(status, type) and issubclass(status, Exception):
            raise status("scripted failure", request=request)
        return httpx.Response(status, json=body, headers=headers)

    return httpx.MockTransport(handle), sent


def run(connector, action, config, records, transport, options=FAST):
    failures = []
    summary = deliver(connector, action, config, CONNECTION, records, options=options, transport=transport,
                      on_failure=failures.append)
    return summary, failures


def test_a_207_fails_only_the_items_it_names_with_structured_problems(connector):
    errors = [{"batch_index": 1, "reason": "invalid", "field": "identifiers.email", "message": "email is bad"},
              {"batch_index": 3, "reason": "too_long", "field": "attributes", "message": "too long"}]
    transport, sent = scripted((207, {"errors": errors}, {}))
    summary, failures = run(connector, "upsert_customer", UPSERT, people(5), transport)
    assert (summary.read, summary.delivered, summary.failed) == (5, 3, 2)
    assert [f.index for f in failures] == [1, 3]
    assert failures[0].record == {"email": "p1@example.com", "plan": "pro"}
    expected = {"path": "$.matching_value", "field": "identifiers.email", "reason": "invalid", "message": "email is bad"}
    assert failures[0].problems == (expected,)
    assert failures[1].problems[0]["path"] == "$.mappings"
    assert (failures[0].error, failures[0].attempts) == ("FatalApiError", 1)
    assert sent[0]["path"] == "/api/v2/batch" and len(sent[0]["json"]["batch"]) == 5


def test_a_2xx_that_still_carries_errors_is_read_like_a_207(connector):
    error = {"batch_index": 0, "reason": "invalid", "field": "identifiers", "message": "no"}
    transport, _ = scripted((200, {"errors": [error]}, {}))
    summary, failures = run(connector, "upsert_customer", UPSERT, people(2), transport)
    assert (summary.delivered, summary.failed, failures[0].index) == (1, 1, 0)


def test_a_429_is_retried_after_retry_after_and_slows_the_budget(connector):
    transport, sent = scripted((429, {"meta": {"error": "slow down"}}, {"Retry-After": "0.05"}), (200, {}, {}))
    summary, failures = run(connector, "upsert_customer", UPSERT, people(3), transport)
    assert (summary.delivered, summary.failed, summary.requests, summary.retries) == (3, 0, 2, 1)
    assert sent[0] == sent[1]  # the same batch, byte for byte


def test_retryable_failures_end_in_the_dead_letter_after_the_last_attempt(connector):
    transport, sent = scripted((503, {}, {}), (httpx.ConnectError, None, None), (500, {"meta": {"error": "boom"}}, {}))
    summary, failures = run(connector, "upsert_customer", UPSERT, people(2), transport)
    assert (summary.delivered, summary.failed, len(sent)) == (0, 2, 3)
    assert failures[0].error == "RetryableApiError" and failures[0].attempts == 3
    assert "boom" in failures[0].message and "gave up after 3 attempts" in failures[0].message
    assert "may have landed" in failures[0].message  # a 500 does not say the call was not processed


def test_a_final_503_says_nothing_landed(connector):
    transport, _ = scripted((503, {}, {}), (503, {}, {}), (503, {}, {}))
    _, failures = run(connector, "upsert_customer", UPSERT, people(1), transport)
    assert "gave up after 3 attempts)" in failures[0].message


def test_a_400_fails_the_whole_batch_without_retrying(connector):
    transport, sent = scripted((400, {"errors": [{"reason": "invalid", "field": "batch", "message": "bad batch"}]}, {}))
    summary, failures = run(connector, "upsert_customer", UPSERT, people(2), transport)
    assert (summary.failed, len(sent)) == (2, 1)
    assert failures[0].error == "FatalApiError" and "bad batch" in failures[0].message


def test_refused_credentials_abort_the_run_and_fail_what_was_read(connector):
    transport, sent = scripted((401, {"meta": {"error": "Unauthorized"}}, {}))
    options = BulkOptions(batch_max_bytes=300, concurrency=1, linger=0.01)
    summary, failures = run(connector, "upsert_customer", UPSERT, people(20), transport, options)
    assert summary.aborted and "Track API key" in summary.aborted
    assert len(sent) == 1
    assert summary.read == summary.failed == len(failures) and summary.delivered == 0
    assert {f.error for f in failures} == {"AuthenticationError", "ConnectionConfigError"}


def test_records_that_fail_validation_are_failed_with_their_problems_and_not_sent(connector):
    transport, sent = scripted()
    records = [{"email": "good@example.com", "plan": "pro"}, {"email": "not-an-email", "plan": "pro"}]
    summary, failures = run(connector, "upsert_customer", UPSERT, records, transport)
    assert (summary.delivered, summary.failed) == (1, 1)
    assert failures[0].error == "InputError" and failures[0].attempts == 0
    assert failures[0].problems[0]["path"] == "$.matching_value"
    assert [item["identifiers"] for item in sent[0]["json"]["batch"]] == [{"email": "good@example.com"}]


def test_an_invalid_config_is_refused_before_any_record_is_read(connector):
    with pytest.raises(InputError) as caught:
        BulkRun(connector, "upsert_customer", {"matching_field": "email"}, CONNECTION)
    assert "$.matching_value" in str(caught.value)


def test_segment_membership_is_sent_as_grouped_id_lists(connector):
    transport, sent = scripted()
    config = {"matching_field": "email", "matching_value": "{{ record.email }}", "segment": 7}
    summary, _ = run(connector, "add_customer_to_segment", config, people(2500), transport, BulkOptions(linger=30))
    assert summary.delivered == 2500
    assert sorted(len(call["json"]["ids"]) for call in sent) == [500, 1000, 1000]
    assert {(call["path"], call["query"]["id_type"]) for call in sent} == {("/api/v1/segments/7/add_customers", "email")}


def test_dry_run_describes_each_batch_as_the_client_describes_a_request_and_sends_nothing(connector):
    transport, sent = scripted()
    described = []
    summary = deliver(connector, "upsert_customer", UPSERT, CONNECTION, people(3), transport=transport,
                      options=BulkOptions(dry_run=True), on_request=described.append)
    assert sent == [] and (summary.planned, summary.delivered) == (3, 0)
    [call] = described
    assert (call["method"], call["url"], call["records"]) == ("POST", "http://127.0.0.1:9/api/v2/batch", [0, 1, 2])
    assert call["headers"]["authorization"] == "Basic ********"  # the client's mask, as the JSON CLI's dry run shows it
    assert call["headers"]["content-length"] == str(len(json.dumps(call["json"], separators=(",", ":"))))
    assert [item["identifiers"] for item in call["json"]["batch"]] == [{"email": f"p{i}@example.com"} for i in range(3)]
    assert "track-key" not in json.dumps(described)


def test_the_async_api_takes_an_async_iterator(connector):
    transport, sent = scripted()

    async def records():
        for record in people(4):
            await asyncio.sleep(0)
            yield record

    summary = asyncio.run(adeliver(connector, "upsert_customer", UPSERT, CONNECTION, records(), transport=transport))
    assert summary.delivered == 4 and len(sent) == 1


def test_deliver_refuses_to_run_inside_an_event_loop(connector):
    async def inside():
        deliver(connector, "upsert_customer", UPSERT, CONNECTION, [])

    with pytest.raises(RuntimeError, match="await adeliver"):
        asyncio.run(inside())


def test_a_slow_source_still_flushes_after_linger(connector):
    transport, sent = scripted()
    import threading

    release = threading.Event()

    def records():
        yield people(1)[0]
        release.wait(5)  # the source stalls, as a quiet pipe would

    def watch():
        while not sent:
            pass
        release.set()

    threading.Thread(target=watch, daemon=True).start()
    summary = deliver(connector, "upsert_customer", UPSERT, CONNECTION, records(), transport=transport,
                      options=BulkOptions(linger=0.05))
    assert summary.delivered == 1 and release.is_set()


def test_a_budget_that_fails_fails_its_batches_with_the_reason(connector, monkeypatch):
    from cio_connector.bulk import budget

    async def broken(self):
        raise ConnectionError("rate store unreachable")

    monkeypatch.setattr(budget.LocalBucket, "acquire", broken)
    transport, sent = scripted()
    summary, failures = run(connector, "upsert_customer", UPSERT, people(3), transport)
    assert (summary.failed, len(sent)) == (3, 0)
    assert failures[0].error == "ConnectionError" and "rate store unreachable" in failures[0].message


# -- one sender: the client's retry loop, and its idempotency rule ---------------------------------

class Handing:
    """The real connector, except that every record's request is the one the test hands in."""

    def __init__(self, connector, request: ApiRequest) -> None:
        self.validate, self.connection, self._request = connector.validate, connector.connection, request

    def build_request(self, action: str, config: dict, *, record: dict) -> ApiRequest:
        return self._request


# A transactional email: Customer.io sends it each time it is asked, so it must never go twice.
SEND_EMAIL = ApiRequest("app", "POST", "/v1/send/email", json={"transactional_message_id": 7, "to": "a@example.com",
                                                               "identifiers": {"id": "a"}}, idempotent=False)


@pytest.mark.parametrize("fault", [(500, {}, {}), (httpx.ReadTimeout, None, None), (httpx.RemoteProtocolError, None, None)])
def test_a_request_that_is_not_idempotent_is_not_retried_once_it_may_have_landed(connector, fault):
    transport, sent = scripted(fault, (200, {}, {}))
    summary, failures = run(Handing(connector, SEND_EMAIL), "upsert_customer", UPSERT, people(1), transport)
    assert len(sent) == 1 and (summary.delivered, summary.failed, summary.retries) == (0, 1, 0)
    assert failures[0].error == "RetryableApiError" and failures[0].attempts == 1
    assert "not retried: it may have landed, and it is not safe to send twice" in failures[0].message


@pytest.mark.parametrize("fault", [(503, {}, {}), (429, {}, {"Retry-After": "0"}), (httpx.ConnectError, None, None)])
def test_a_request_that_is_not_idempotent_is_retried_when_customerio_says_it_never_arrived(connector, fault):
    transport, sent = scripted(fault, (200, {}, {}))
    summary, failures = run(Handing(connector, SEND_EMAIL), "upsert_customer", UPSERT, people(1), transport)
    assert (len(sent), summary.delivered, summary.retries, failures) == (2, 1, 1, [])


def test_a_batch_holding_one_item_that_is_not_idempotent_is_not_retried(connector):
    identify = connector.build_request("upsert_customer", UPSERT, record=people(1)[0])
    declared_unsafe = dataclasses.replace(identify, idempotent=False)  # as a handler may declare it
    transport, sent = scripted((500, {}, {}), (200, {}, {}))
    summary, failures = run(Handing(connector, declared_unsafe), "upsert_customer", UPSERT, people(3), transport)
    assert len(sent) == 1 and len(sent[0]["json"]["batch"]) == 3
    assert summary.failed == 3 and {f.attempts for f in failures} == {1}


def test_events_get_a_dedupe_id_so_their_batch_is_retried_and_resent_byte_for_byte(connector):
    config = {"name": "purchase", "customer_id": "{{ record.email }}"}
    transport, sent = scripted((500, {}, {}), (httpx.ReadTimeout, None, None), (200, {}, {}))
    summary, failures = run(connector, "track_event", config, people(2), transport)
    assert (summary.delivered, summary.retries, failures) == (2, 2, [])
    assert sent[0] == sent[1] == sent[2] and all(item["id"] for item in sent[0]["json"]["batch"])


def test_an_interrupt_stops_retrying_and_says_the_last_attempt_may_have_landed(connector):
    transport, sent = scripted((500, {}, {}), (200, {}, {}))
    failures = []
    bulk = BulkRun(connector, "upsert_customer", UPSERT, CONNECTION, options=FAST, transport=transport,
                   on_failure=failures.append)
    original = transport.handle_async_request

    async def interrupted_while_sending(request):
        bulk.interrupt()
        return await original(request)

    transport.handle_async_request = interrupted_while_sending
    summary = asyncio.run(bulk.run(people(1)))
    assert len(sent) == 1 and summary.failed == 1 and summary.interrupted
    assert "(interrupted before retrying; the last attempt may have landed)" in failures[0].message


def test_a_batch_gives_up_when_a_retry_would_pass_the_deadline(connector):
    options = BulkOptions(retry=RetryPolicy(max_retries=5, deadline=0.5), linger=0.01)
    transport, sent = scripted((429, {}, {"Retry-After": "2"}), (200, {}, {}))
    summary, failures = run(connector, "upsert_customer", UPSERT, people(1), transport, options)
    assert len(sent) == 1 and summary.failed == 1
    assert "gave up after 1 attempt: the 0.5 s deadline would pass)" in failures[0].message


def test_time_waiting_for_the_rate_budget_is_not_charged_to_the_deadline(connector):
    # Ten calls a second, ten calls at once: the last waits about 0.9 s for its turn, past a 0.3 s
    # deadline, and is still sent, and retried after a 503.
    options = BulkOptions(retry=RetryPolicy(max_retries=2, base_delay=0.001, max_delay=0.002, deadline=0.3), linger=0.01,
                          app_rate=10, app_burst=1, concurrency=10)
    answers = [(200, {}, {})] * 9 + [(503, {}, {}), (200, {}, {})]
    transport, sent = scripted(*answers)
    summary, failures = run(Handing(connector, SEND_EMAIL), "upsert_customer", UPSERT, people(10), transport, options)
    assert (summary.delivered, summary.retries, len(sent), failures) == (10, 1, 11, [])

"""Acceptance: records through injected faults and a rate limit end delivered once or dead-lettered with a reason.

3,000 records in ~4,000-byte batches make ~140 requests: enough for every injected status, drops and
retries that fail again, at a rate budget ten times the original one (the sandbox's limit kept 20% above it).
"""

from __future__ import annotations

from collections import Counter

import httpx

from cio_connector.bulk import BulkOptions, DeadLetter, deliver, read_records
from cio_connector.client.http import RetryPolicy

from .conftest import connection_for

EVENT = {"name": "purchase", "customer_id": "{{ record.customer }}", "mappings": {"n": "{{ record.n }}"}}
COUNT = 3_000
INPUT_ERRORS = COUNT // 100
FAULTS = {"error_rate": 0.15, "statuses": [429, 500, 503], "drop_rate": 0.05,
          "delay_rate": 0.1, "delay_seconds": 0.05, "seed": 13}


def records(count: int) -> list[dict]:
    """Every 100th record has no customer (an input error); the rest are valid."""
    return [{"customer": "" if n % 100 == 99 else f"c{n % 500}@example.com", "n": n} for n in range(count)]


def landed(sandbox) -> Counter[int]:
    return Counter(event["data"]["n"] for event in sandbox.state.events())


def test_records_through_faults_end_delivered_once_or_dead_lettered(connector, sandbox, tmp_path):
    with httpx.Client(base_url=f"{sandbox.url}/_sandbox") as control:
        _through_faults(connector, sandbox, control, tmp_path)


def _through_faults(connector, sandbox, control: httpx.Client, tmp_path) -> None:
    assert control.put("/faults", json=FAULTS).status_code == 200
    assert control.put("/rate_limits", json={"track": 600, "retry_after": 0.1}).status_code == 200
    options = BulkOptions(batch_max_bytes=4_000, track_rate=500, concurrency=4, linger=0.05,
                          retry=RetryPolicy(max_retries=1, base_delay=0.02, max_delay=0.05))
    dead_path = tmp_path / "dead.jsonl"
    with DeadLetter(dead_path) as dead:
        summary = deliver(connector, "track_event", EVENT, connection_for(sandbox), records(COUNT), options=options,
                          on_failure=dead.write)

    dead_letters = [line for line in _lines(dead_path)]
    counts = landed(sandbox)
    failed_n = Counter(line["record"]["n"] for line in dead_letters)
    # The counts add up exactly, and each record is in exactly one place.
    assert summary.read == COUNT == summary.delivered + summary.failed
    assert summary.failed == len(dead_letters) == sum(failed_n.values())
    assert set(counts.values()) == {1}, "an event landed twice"
    assert len({event["id"] for event in sandbox.state.events()}) == summary.delivered == sum(counts.values())
    assert set(counts).isdisjoint(failed_n) and set(counts) | set(failed_n) == set(range(COUNT))
    # Every dead letter says why; faults were really injected and retried.
    assert all(line["error"] and line["message"] and line["action"] == "track_event" for line in dead_letters)
    assert sum(1 for line in dead_letters if line["error"] == "InputError") == INPUT_ERRORS
    assert any(line["error"] == "RetryableApiError" and line["attempts"] == 2 for line in dead_letters)
    statuses = Counter(entry["status"] for entry in control.get("/requests").json()["requests"])
    assert statuses[429] and statuses[500] and statuses[503] and statuses[None] and summary.retries

    # The dead letter is a records file: run it again without faults and only the input errors remain.
    control.put("/faults", json={"error_rate": 0})
    again = deliver(connector, "track_event", EVENT, connection_for(sandbox), read_records(dead_path))
    assert (again.read, again.failed, again.delivered) == (summary.failed, INPUT_ERRORS, summary.failed - INPUT_ERRORS)
    assert landed(sandbox) == Counter({n: 1 for n in range(COUNT) if n % 100 != 99})


class LoseEachFirstAnswer(httpx.AsyncBaseTransport):
    """Delivers every request, but the first answer to each body is lost on the way back (a read timeout)."""

    def __init__(self) -> None:
        self._inner = httpx.AsyncHTTPTransport()
        self._seen: set[bytes] = set()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self._inner.handle_async_request(request)
        await response.aread()
        if request.content not in self._seen:
            self._seen.add(request.content)
            raise httpx.ReadTimeout("the answer was lost", request=request)
        return response

    async def aclose(self) -> None:
        await self._inner.aclose()


def test_a_batch_retried_after_a_lost_answer_is_deduplicated_by_its_event_ids(connector, sandbox):
    summary = deliver(connector, "track_event", EVENT, connection_for(sandbox), records(99), transport=LoseEachFirstAnswer(),
                      options=BulkOptions(batch_max_bytes=4_000, retry=RetryPolicy(base_delay=0.01, max_delay=0.02)))
    assert summary.delivered == 99 and summary.retries == summary.requests // 2
    batches = [entry for entry in sandbox.controls.requests() if entry["path"].endswith("/api/v2/batch")]
    assert len(batches) == summary.requests and all(entry["status"] == 200 for entry in batches)
    assert landed(sandbox) == Counter(range(99))  # each landed twice on the wire, once in the workspace


def _lines(path):
    import json

    return [json.loads(line) for line in path.read_text().splitlines()]

"""Bulk: the Track v2 actions pack into /api/v2/batch; a merge batch is never resent once it may have landed."""

from __future__ import annotations

import json

import httpx

from cio_connector._util.ulid import is_ulid
from cio_connector.bulk import BulkOptions, deliver
from cio_connector.bulk.batching import BATCH_PATH, Packer
from cio_connector.client.http import RetryPolicy

from .conftest import CONFIGS

CONNECTION = {"region": "us", "site_id": "site-1", "track_api_key": "track-SECRET", "app_api_key": "app-SECRET"}
MERGE = {
    "primary_field": "id",
    "primary_value": "{{ record.keep }}",
    "secondary_field": "id",
    "secondary_value": "{{ record.drop }}",
}
SUPPRESS = {"matching_field": "id", "matching_value": "{{ record.drop }}"}


def test_every_action_packs_into_batches_merges_apart(connector):
    packer = Packer()
    for index, action in enumerate(CONFIGS):
        assert packer.add(index, {}, connector.build_request(action, CONFIGS[action])) == []
    batches = packer.drain()
    assert all(batch.path == BATCH_PATH and batch.kind == "v2" for batch in batches)
    merges = [b for b in batches if not b.idempotent]
    assert [json.loads(b.body())["batch"][0]["action"] for b in merges] == ["merge"]
    assert sum(len(b) for b in batches) == len(CONFIGS) and len(batches) == 2


def test_a_screen_view_without_an_event_id_gets_one_so_a_retried_batch_is_deduplicated(connector):
    packer = Packer()
    packer.add(0, {}, connector.build_request("track_screen", {"customer_id": "42", "screen_name": "Home"}))
    (batch,) = packer.drain()
    (item,) = json.loads(batch.body())["batch"]
    assert is_ulid(item["id"]) and batch.idempotent


class FirstAnswerLost(httpx.AsyncBaseTransport):
    """Every first attempt of a body fails after it may have reached Customer.io (a 502)."""

    def __init__(self) -> None:
        self.seen: list[bytes] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        body = await request.aread()
        first = body not in self.seen
        self.seen.append(body)
        return httpx.Response(502, json={"meta": {"error": "bad gateway"}}) if first else httpx.Response(200, json={})


def run(connector, action: str, config: dict, transport: FirstAnswerLost):
    records = [{"keep": f"k{n}", "drop": f"d{n}"} for n in range(3)]
    options = BulkOptions(retry=RetryPolicy(base_delay=0.001, max_delay=0.002), linger=0.01)
    failures: list = []
    summary = deliver(
        connector, action, config, CONNECTION, records, transport=transport, options=options, on_failure=failures.append
    )
    return summary, failures


def test_a_merge_batch_is_not_retried_after_an_ambiguous_failure(connector):
    transport = FirstAnswerLost()
    summary, failures = run(connector, "merge_customers", MERGE, transport)
    assert (summary.delivered, summary.failed, summary.retries) == (0, 3, 0)
    assert len(transport.seen) == 1 and "not retried: it may have landed, and it is not safe to send twice" in failures[0].message


def test_an_idempotent_batch_is_retried(connector):
    transport = FirstAnswerLost()
    summary, _ = run(connector, "suppress_customer", SUPPRESS, transport)
    assert (summary.delivered, summary.failed, summary.retries) == (3, 0, 1)
    assert len(transport.seen) == 2

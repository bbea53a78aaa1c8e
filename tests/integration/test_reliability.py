"""Retries against real failures: the sandbox injects 5xx, drops connections and rate-limits."""

from __future__ import annotations

import httpx
import pytest

from cio_connector import CioClient, RetryableApiError, RetryPolicy
from cio_connector.sandbox import Faults, RateLimits

from .conftest import connection_for

UPSERT = {"matching_field": "id", "matching_value": "r-1", "mappings": {"plan": "pro"}}


@pytest.fixture
def fast_client(connector, sandbox):
    conn = connector.connection(connection_for(sandbox))
    sleeps: list[float] = []
    with CioClient(conn, retry=RetryPolicy(max_retries=8), sleep=sleeps.append, timeout=httpx.Timeout(2.0)) as client:
        client.sleeps = sleeps
        yield conn, client


def test_injected_server_errors_are_retried_until_success(connector, sandbox, fast_client):
    conn, client = fast_client
    sandbox.controls.set_faults(Faults(error_rate=0.5, statuses=(500, 503), seed=3))
    for n in range(20):
        connector.execute("upsert_customer", {**UPSERT, "matching_value": f"r-{n}"}, conn, client=client)
    sandbox.controls.set_faults(Faults())
    assert len(sandbox.snapshot()["people"]) == 20
    assert client.sleeps, "the seeded faults should have forced at least one retry"


def test_dropped_connections_are_retried_for_idempotent_requests(connector, sandbox, fast_client):
    conn, client = fast_client
    sandbox.controls.set_faults(Faults(drop_rate=0.4, seed=11))
    for n in range(15):
        connector.execute("delete_customer", {"matching_field": "id", "matching_value": f"d-{n}"}, conn, client=client)
    assert client.sleeps


def test_events_without_a_dedupe_id_are_not_replayed_after_a_drop(connector, sandbox, fast_client):
    conn, client = fast_client
    connector.execute("upsert_customer", UPSERT, conn, client=client)
    sandbox.controls.set_faults(Faults(drop_rate=1.0, seed=1))
    with pytest.raises(RetryableApiError):
        connector.execute("track_event", {"name": "click", "customer_id": "r-1"}, conn, client=client)
    sandbox.controls.set_faults(Faults())
    sent = [r for r in sandbox.controls.requests() if r["path"].endswith("/api/v2/entity")]
    assert len(sent) == 2  # the upsert, and the event once: never re-sent blind


def test_rate_limit_429_with_retry_after_is_waited_out(connector, sandbox):
    import time

    conn = connector.connection(connection_for(sandbox))
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        time.sleep(seconds)

    sandbox.controls.set_rate_limits(RateLimits(track=3, retry_after=0.4))
    with CioClient(conn, retry=RetryPolicy(max_retries=8), sleep=sleep) as client:
        for n in range(5):
            connector.execute("upsert_customer", {**UPSERT, "matching_value": f"q-{n}"}, conn, client=client)
    assert slept and set(slept) == {0.4}
    assert len(sandbox.snapshot()["people"]) == 5
    assert any(r["status"] == 429 for r in sandbox.controls.requests())


def test_a_credential_http_cannot_carry_is_a_connection_error_never_sent(connector, sandbox):
    import dataclasses
    import traceback

    from cio_connector import ConnectionConfigError

    good = connector.connection(connection_for(sandbox))
    conn = dataclasses.replace(good, app_api_key=good.app_api_key + "\n")  # bypassing validation
    before = len(sandbox.controls.requests())
    connector.options_cache.clear()
    with CioClient(conn) as client, pytest.raises(ConnectionConfigError) as caught:
        connector.options("add_customer_to_segment", "segment", conn, client=client)
    assert len(sandbox.controls.requests()) == before
    assert good.app_api_key not in "".join(traceback.format_exception(caught.value))

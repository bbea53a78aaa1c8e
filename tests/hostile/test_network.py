"""Single-flight async options, redirects to unrelated hosts, and a sandbox that survives odd bodies."""

from __future__ import annotations

import asyncio
import base64
import socket

import httpx
import pytest

from cio_connector import AsyncCioClient, CioClient, FatalApiError
from cio_connector.client.options import OptionsCache
from cio_connector.pipeline.request import ApiRequest
from cio_connector.sandbox import SandboxServer

CONNECTION = {"region": "us", "site_id": "s", "track_api_key": "t", "app_api_key": "a"}
PERSON = b'{"type":"person","identifiers":{"id":"a"},"action":"identify",'
SEGMENTS = {"segments": [{"id": 7, "name": "VIP", "type": "manual"}]}


def test_fifty_concurrent_aoptions_make_one_app_api_call(connector):
    calls = []

    async def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request.url.path)
        await asyncio.sleep(0.05)  # the first load is still in flight when the others ask
        return httpx.Response(200, json=SEGMENTS)

    async def main() -> list:
        connector.options_cache.clear()
        client = AsyncCioClient(connector.connection(CONNECTION), transport=httpx.MockTransport(handler))
        try:
            return await asyncio.gather(
                *(connector.aoptions("add_customer_to_segment", "segment", CONNECTION, client=client) for _ in range(50))
            )
        finally:
            await client.aclose()
            connector.options_cache.clear()

    results = asyncio.run(main())
    assert calls == ["/v1/segments"]
    assert results == [[{"value": 7, "label": "VIP"}]] * 50
    assert results[0] is not results[1]  # each caller owns its copy


def test_a_failed_load_fails_every_waiter_and_is_not_cached():
    cache = OptionsCache()
    loads = []

    async def load() -> list:
        loads.append(1)
        await asyncio.sleep(0.01)
        raise RuntimeError("App API down")

    async def main() -> list:
        return await asyncio.gather(*(cache.aget(("k",), load) for _ in range(5)), return_exceptions=True)

    results = asyncio.run(main())
    assert len(loads) == 1 and all(isinstance(r, RuntimeError) for r in results)
    assert cache.peek(("k",)) is None


def test_a_cancelled_caller_does_not_cancel_the_shared_load():
    cache = OptionsCache()

    async def load() -> list:
        await asyncio.sleep(0.02)
        return [{"value": 1, "label": "one"}]

    async def main() -> list:
        first = asyncio.ensure_future(cache.aget(("k",), load))
        second = asyncio.ensure_future(cache.aget(("k",), load))
        await asyncio.sleep(0)
        first.cancel()
        return await second

    assert asyncio.run(main()) == [{"value": 1, "label": "one"}]


@pytest.mark.parametrize("location", ["https://evil.example/v1/segments", "https://evil-eu.example/eu/v1/segments"])
def test_a_redirect_to_an_unrelated_host_is_not_a_region_answer(connector, location):
    transport = httpx.MockTransport(lambda request: httpx.Response(301, headers={"location": location}))
    client = CioClient(connector.connection(CONNECTION), transport=transport)
    with pytest.raises(FatalApiError) as caught:
        client.send(ApiRequest("app", "GET", "/v1/segments"))
    assert "does not name a Customer.io region" in str(caught.value) and "EU" not in str(caught.value)
    report = connector.check_connection(CONNECTION, client=client)
    assert not any("workspace is in" in check.message for check in report.checks)


def test_a_redirect_to_the_eu_host_still_names_the_region(connector):
    transport = httpx.MockTransport(lambda r: httpx.Response(301, headers={"location": "https://api-eu.customer.io/v1/segments"}))
    client = CioClient(connector.connection(CONNECTION), transport=transport)
    with pytest.raises(Exception, match="this workspace is in EU"):
        client.send(ApiRequest("app", "GET", "/v1/segments"))


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (PERSON + b'"attributes":{"x":"\\ud800"}}', "surrogates not allowed"),
        (PERSON + b'"attributes":{"x":1e999}}', "1e999 is too large for a number"),
        (b'{"a":' * 3000 + b"1" + b"}" * 3000, "nested too deeply"),
    ],
)
def test_the_sandbox_answers_odd_bodies_with_400_and_stays_readable(body, message, capfd):
    with SandboxServer(region="us") as sandbox:
        creds = sandbox.credentials
        track = sandbox.endpoints("us")["track"]
        response = httpx.post(f"{track}/api/v2/entity", content=body, auth=(creds.site_id, creds.track_api_key))
        assert response.status_code == 400 and message in response.text
        state = httpx.get(f"{sandbox.url}/_sandbox/state")
        assert state.status_code == 200
    assert "Traceback" not in capfd.readouterr().err


def test_client_disconnects_print_no_traceback(capfd):
    with SandboxServer(region="us") as sandbox:
        creds = sandbox.credentials
        token = base64.b64encode(f"{creds.site_id}:{creds.track_api_key}".encode())
        for _ in range(3):
            with socket.create_connection((sandbox.host, sandbox.port)) as raw:
                head = b"POST /api/v2/entity HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\nAuthorization: Basic " + token
                raw.sendall(head + b'\r\n\r\n{"a"')  # promises 1,000 bytes, sends 4, hangs up
        assert httpx.get(f"{sandbox.url}/_sandbox/state").status_code == 200
    assert "Traceback" not in capfd.readouterr().err

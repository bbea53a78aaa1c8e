"""The asyncio API of the connector: same validation, requests, checks and options as the sync one."""

from __future__ import annotations

import asyncio
import json

import httpx
import pytest

from cio_connector import AsyncCioClient, CioClient

from .conftest import connection
from .test_connection import fake_customerio


def async_client(conn, respond):
    seen: list[httpx.Request] = []

    async def handle(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return respond(request)

    return AsyncCioClient(conn, transport=httpx.MockTransport(handle)), seen


def test_aexecute_sends_the_same_request_as_execute(connector, recorder):
    conn = connector.connection(connection("eu"))
    config = {"matching_field": "email", "matching_value": "{{ record.email }}", "mappings": {"plan": "pro"}}
    with recorder.client(conn) as sync_client:
        sync_result = connector.execute("upsert_customer", config, conn, client=sync_client, record={"email": "a@b.co"})
    client, seen = async_client(conn, lambda r: httpx.Response(200, json={}))

    async def run():
        async with client:
            return await connector.aexecute("upsert_customer", config, conn, client=client, record={"email": "a@b.co"})

    result = asyncio.run(run())
    assert result.to_dict() == sync_result.to_dict()
    assert str(seen[0].url) == str(recorder.last.url)
    assert json.loads(seen[0].content) == recorder.last_json()


def test_acheck_connection_names_each_credential(connector):
    conn = connector.connection(connection("us", app_api_key="nope"))
    client, _ = async_client(conn, fake_customerio())

    async def run():
        async with client:
            return await connector.acheck_connection(conn, client=client)

    checks = {c.name: (c.ok, c.message) for c in asyncio.run(run()).checks}
    assert checks == {
        "site_id+track_api_key": (True, "Site ID and Track API key accepted"),
        "region": (True, "workspace is in US"),
        "app_api_key": (False, "App API key is wrong (Customer.io answered 401)"),
    }


def test_aoptions_lists_manual_segments_and_shares_the_cache(connector):
    conn = connector.connection(connection())
    connector.options_cache.clear()
    client, seen = async_client(conn, fake_customerio())

    async def run():
        async with client:
            first = await connector.aoptions("add_customer_to_segment", "segment", conn, client=client)
            second = await connector.aoptions("remove_customer_from_segment", "segment", conn, client=client)
            return first, second

    first, second = asyncio.run(run())
    assert [o["label"] for o in first] == ["Alpha", "beta testers", "VIP"] and second == first
    assert len(seen) == 1
    assert connector.options("add_customer_to_segment", "segment", conn) == first  # sync reads the same cache


@pytest.mark.parametrize(
    ("method", "client_kind"),
    [("execute", AsyncCioClient), ("check_connection", AsyncCioClient), ("options", AsyncCioClient)],
)
def test_the_wrong_client_kind_is_a_clear_error(connector, method, client_kind):
    conn = connector.connection(connection())
    client = client_kind(conn)
    args = {
        "execute": ("delete_customer", {"matching_field": "id", "matching_value": "1"}, conn),
        "check_connection": (conn,),
        "options": ("add_customer_to_segment", "segment", conn),
    }[method]
    with pytest.raises(TypeError, match=f"use a{method}"):
        getattr(connector, method)(*args, client=client)


def test_async_methods_refuse_a_sync_client(connector):
    conn = connector.connection(connection())
    with CioClient(conn) as client, pytest.raises(TypeError, match="use execute"):
        asyncio.run(connector.aexecute("delete_customer", {"matching_field": "id", "matching_value": "1"}, conn, client=client))

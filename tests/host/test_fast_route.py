"""The execute route's short way answers exactly as FastAPI's documented handler does, and takes only bodies it can.

A body sent as ``application/json`` takes the short way; the same body as
``application/json; charset=utf-8`` takes FastAPI's own handler. Both answers must be the same bytes.
"""

from __future__ import annotations

import asyncio
import json

import pytest
from starlette.requests import Request

from cio_connector.host.fastroute import _payload
from cio_connector.host.models import ExecutePayload

from .conftest import CONFIGS, envelope

SHORT = {"content-type": "application/json"}
LONG = {"content-type": "application/json; charset=utf-8"}


def _bodies(connection: dict) -> dict[str, bytes]:
    upsert = CONFIGS["upsert_customer"]
    return {
        "dry run": json.dumps(envelope(connection, config=upsert, isDryExecution=True)).encode(),
        "sent": json.dumps(envelope(connection, config=upsert)).encode(),
        "extra envelope keys, a string boolean": json.dumps(
            envelope(connection, config=upsert, isDryExecution="true", cargoRunId="r-1")).encode(),
        "non-ASCII values": json.dumps(
            envelope(connection, config={**upsert, "mappings": {"name": "Zoë 😀"}}, isDryExecution=True)).encode(),
        "an invalid config": json.dumps(envelope(connection, config={"matching_field": "nope"}, isDryExecution=True)).encode(),
        "a connection with a bad key": json.dumps(envelope({**connection, "site_id": 5}, config=upsert)).encode(),
        "no connector": json.dumps({"config": upsert}).encode(),
        "malformed JSON": b'{"connector": {"config": {}}, "config": ',
        "a lone surrogate": json.dumps(envelope(connection, config={**upsert, "matching_value": "\ud800"})).encode(),
        "NaN": b'{"connector": {"config": {}}, "config": {"matching_field": "id", "matching_value": NaN}}',
    }


@pytest.mark.parametrize("case", list(_bodies({})))
@pytest.mark.parametrize("action", ["upsert_customer", "no_such_action"])
def test_both_ways_give_the_same_answer(client, connection, case, action):
    body = _bodies(connection)[case]
    path = f"/actions/{action}/execute"
    short, long = client.post(path, content=body, headers=SHORT), client.post(path, content=body, headers=LONG)
    assert (short.status_code, short.headers["content-type"]) == (long.status_code, long.headers["content-type"])
    if case == "sent" and action == "upsert_customer":  # two sends: the same answer, each its own request
        assert short.status_code == 200 and short.json()["data"]["status"] == long.json()["data"]["status"]
    else:
        assert short.content == long.content


def _request(body: bytes, headers: dict[str, str]) -> Request:
    async def receive() -> dict:
        return {"type": "http.request", "body": body, "more_body": False}

    scope = {"type": "http", "method": "POST", "path": "/", "headers": [(k.encode(), v.encode()) for k, v in headers.items()]}
    return Request(scope, receive)


@pytest.mark.parametrize(
    ("body", "headers", "short"),
    [
        (b'{"connector": {"config": {}}, "config": {}}', SHORT, True),
        (b'{"connector": {"config": {}}, "config": {}}', LONG, False),  # FastAPI reads the parameter
        (b'{"connector": {"config": {}}, "config": {}}', {}, False),  # no content type: FastAPI's rule
        (b'{"connector": {"config": {}}, "config": {}}', {"content-type": "text/plain"}, False),
        (b'{"config": {}}', SHORT, False),  # breaks the contract: FastAPI's 400 names the field
        (b'{"connector": {"config": {}}, "config": {"a": "\\ud800"}}', SHORT, False),  # json.loads keeps the surrogate
        (b'\xef\xbb\xbf{"connector": {"config": {}}, "config": {}}', SHORT, False),  # a BOM
    ],
)
def test_only_plain_json_the_model_takes_goes_the_short_way(body, headers, short):
    payload = asyncio.run(_payload(_request(body, headers)))
    assert isinstance(payload, ExecutePayload) if short else payload is None

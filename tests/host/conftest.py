"""The host contract's fixtures: the app in-process, sample configs (the connector and sandboxes come from the root)."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from cio_connector.client.http import RetryPolicy
from cio_connector.host.server import create_app

from ..conftest import connection_for

__all__ = ["CONFIGS", "EMAIL", "MANIFEST_SCHEMA", "AsgiClient", "connection_for", "envelope", "sent"]

MANIFEST_SCHEMA = json.loads((Path(__file__).parent / "integration-manifest.schema.json").read_text())

EMAIL = "ada@example.com"
#: A valid config per action, in an order that makes sense against one workspace. Segment ids are
#: strings, as Cargo's autocomplete gives them.
CONFIGS = {
    "upsert_customer": {"matching_field": "email", "matching_value": EMAIL, "mappings": {"plan": "pro"}},
    "add_customer_to_segment": {"matching_field": "email", "matching_value": EMAIL, "segment": "1"},
    "remove_customer_from_segment": {"matching_field": "email", "matching_value": EMAIL, "segment": "1"},
    "track_event": {"name": "purchase", "customer_id": EMAIL, "mappings": {"total": 42}},
    "track_page": {"customer_id": EMAIL, "page_url": "https://example.com/pricing"},
    "track_anonymous_event": {"anonymous_id": "anon-1", "name": "watched_video", "mappings": {"video": "intro"}},
    "report_delivery_metric": {"delivery_id": "RPILAgUBcRhIBqSfeiIwdIYJKxTY", "metric": "opened"},
    "send_transactional_email": {"transactional_message_id": "1", "matching_field": "email", "matching_value": EMAIL},
    "send_transactional_sms": {"transactional_message_id": "3", "matching_field": "email", "matching_value": EMAIL,
                               "to": "+15551234567"},
    "send_transactional_push": {"transactional_message_id": "4", "matching_field": "email", "matching_value": EMAIL},
    "delete_customer": {"matching_field": "email", "matching_value": EMAIL},
}


def envelope(connection: dict, **body) -> dict:
    """A request body as Cargo sends it: the connector (with its config) and the rest."""
    return {"connector": {"uuid": "c-1", "workspaceUuid": "w-1", "config": connection}, **body}


@pytest.fixture
def connection(sandbox) -> dict:
    return connection_for(sandbox)


@pytest.fixture(scope="session")
def app(connector, servers):
    # No retries inside a call, so a failure shows at once (the retry policy has its own tests);
    # the sandboxes are the endpoints this host's operator allows.
    allowed = [server.url for server in servers.values()]
    return create_app(connector, retry=RetryPolicy(max_retries=0), allowed_endpoints=allowed)


class AsgiClient:
    """Calls the app in-process over httpx's ASGI transport, one event loop per call."""

    def __init__(self, app: Any, headers: dict[str, str] | None = None) -> None:
        self.app = app
        self.headers = headers or {}

    def request(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        async def call() -> httpx.Response:
            transport = httpx.ASGITransport(app=self.app, raise_app_exceptions=False)
            async with httpx.AsyncClient(transport=transport, base_url="http://host.test", headers=self.headers) as http:
                return await http.request(method, url, **kwargs)

        return asyncio.run(call())

    def get(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("GET", url, **kwargs)

    def post(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("POST", url, **kwargs)


@pytest.fixture
def client(app) -> AsgiClient:
    return AsgiClient(app)


def sent(sandbox) -> list[dict]:
    """The API requests that reached the sandbox (its own log)."""
    return sandbox.controls.requests()

"""The host contract's fixtures: the connector, a sandbox reset per test, the app in-process, sample configs."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from cio_connector import load_connector
from cio_connector.client.http import RetryPolicy
from cio_connector.host.server import create_app
from cio_connector.sandbox import SandboxServer

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
    "delete_customer": {"matching_field": "email", "matching_value": EMAIL},
}


def connection_for(sandbox, region: str | None = None, **overrides) -> dict:
    region = region or sandbox.region
    creds = sandbox.credentials
    return {
        "region": region,
        "site_id": creds.site_id,
        "track_api_key": creds.track_api_key,
        "app_api_key": creds.app_api_key,
        "endpoints": sandbox.endpoints(region),
        **overrides,
    }


def envelope(connection: dict, **body) -> dict:
    """A request body as Cargo sends it: the connector (with its config) and the rest."""
    return {"connector": {"uuid": "c-1", "workspaceUuid": "w-1", "config": connection}, **body}


@pytest.fixture(scope="session")
def connector():
    return load_connector()


@pytest.fixture(scope="session")
def servers() -> Iterator[dict[str, SandboxServer]]:
    with SandboxServer(region="us") as us, SandboxServer(region="eu") as eu:
        yield {"us": us, "eu": eu}


@pytest.fixture
def sandbox(servers) -> SandboxServer:
    servers["us"].reset()
    return servers["us"]


@pytest.fixture
def eu_sandbox(servers) -> SandboxServer:
    servers["eu"].reset()
    return servers["eu"]


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

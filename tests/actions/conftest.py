"""Fixtures for the Track v2 actions: the connector, a sandbox per region reset per test, valid configs."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from cio_connector import CioClient, load_connector
from cio_connector.sandbox import SandboxServer
from cio_connector.sandbox.identity import Identifier

EMAIL = "ada@example.com"
ACME_TYPE = "1"
ULID = "01HZY5Q7W9X2B3C4D5E6F7G8H9"

#: A valid config per action, in an order that makes sense against one workspace that already
#: holds ada@example.com (``seed``) and the person merged into her.
CONFIGS: dict[str, dict] = {
    "identify_object": {"object_type_id": "1", "object_id": "acme", "mappings": {"name": "Acme", "seats": 50}},
    "add_relationship": {
        "matching_field": "email",
        "matching_value": EMAIL,
        "object_type_id": "1",
        "object_id": "acme",
        "relationship_mappings": {"role": "admin"},
    },
    "add_device": {
        "matching_field": "email",
        "matching_value": EMAIL,
        "device_token": "tok-ios-1",
        "platform": "ios",
        "last_used": "2024-05-01T12:00:00Z",
        "device_mappings": {"app_version": "2.1", "push_enabled": True},
    },
    "track_screen": {"customer_id": EMAIL, "screen_name": "Dashboard", "mappings": {"tab": "usage"}, "event_id": ULID},
    "merge_customers": {"primary_field": "email", "primary_value": EMAIL, "secondary_field": "id", "secondary_value": "dup-7"},
    "delete_device": {"matching_field": "email", "matching_value": EMAIL, "device_token": "tok-ios-1"},
    "remove_relationship": {"matching_field": "email", "matching_value": EMAIL, "object_type_id": "1", "object_id": "acme"},
    "delete_object": {"object_type_id": "1", "object_id": "acme"},
    "suppress_customer": {"matching_field": "email", "matching_value": EMAIL},
    "unsuppress_customer": {"matching_field": "email", "matching_value": EMAIL},
}
ACTIONS = sorted(CONFIGS)


def seed(sandbox: SandboxServer) -> None:
    """The people the configs name: Ada, and a duplicate of her to merge."""
    sandbox.reset()
    sandbox.state.identify(Identifier("email", EMAIL), {"plan": "pro"})
    sandbox.state.identify(Identifier("id", "dup-7"), {"city": "Lyon"})


def connection_for(server: SandboxServer, region: str | None = None, **overrides) -> dict:
    region = region or server.region
    creds = server.credentials
    return {
        "region": region,
        "site_id": creds.site_id,
        "track_api_key": creds.track_api_key,
        "app_api_key": creds.app_api_key,
        "endpoints": server.endpoints(region),
        **overrides,
    }


@pytest.fixture(scope="session")
def connector():
    return load_connector()


@pytest.fixture(scope="session")
def servers() -> Iterator[dict[str, SandboxServer]]:
    with SandboxServer(region="us") as us, SandboxServer(region="eu") as eu:
        yield {"us": us, "eu": eu}


@pytest.fixture(params=["us", "eu"])
def region(request) -> str:
    return request.param


@pytest.fixture
def sandbox(servers, region) -> SandboxServer:
    server = servers[region]
    seed(server)
    return server


@pytest.fixture
def us_sandbox(servers) -> SandboxServer:
    server = servers["us"]
    seed(server)
    return server


@pytest.fixture
def conn(connector, sandbox):
    return connector.connection(connection_for(sandbox))


@pytest.fixture
def client(conn) -> Iterator[CioClient]:
    with CioClient(conn) as http:
        yield http

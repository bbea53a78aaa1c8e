"""One sandbox per region for the session, reset before each test; connections that point at it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from cio_connector import CioClient, load_connector
from cio_connector.sandbox import SandboxServer


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
    server.reset()
    return server


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


@pytest.fixture
def conn(connector, sandbox):
    return connector.connection(connection_for(sandbox))


@pytest.fixture
def client(conn) -> Iterator[CioClient]:
    with CioClient(conn) as http:
        yield http

"""Every integration test runs against both regions: ``sandbox`` narrowed to one per region, a client to it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from cio_connector import CioClient
from cio_connector.sandbox import SandboxServer

from ..conftest import connection_for

__all__ = ["connection_for"]


@pytest.fixture(params=["us", "eu"])
def region(request) -> str:
    return request.param


@pytest.fixture
def sandbox(servers, region) -> SandboxServer:
    server = servers[region]
    server.reset()
    return server


@pytest.fixture
def conn(connector, sandbox):
    return connector.connection(connection_for(sandbox))


@pytest.fixture
def client(conn) -> Iterator[CioClient]:
    with CioClient(conn) as http:
        yield http

"""Fixtures every test folder shares: the shipped connector and one US and one EU sandbox per session.

A folder's own ``conftest.py`` adds what only it needs (and may narrow a fixture: the integration
tests run ``sandbox`` once per region).
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import cache
from typing import Any

import pytest

from cio_connector import Connector, load_connector
from cio_connector.sandbox import SandboxServer

__all__ = ["connection_for", "shipped_connector"]


@cache
def shipped_connector() -> Connector:
    """The connector as shipped, loaded once per session (fixtures and module-level helpers share it)."""
    return load_connector()


def connection_for(server: SandboxServer, region: str | None = None, **overrides: Any) -> dict[str, Any]:
    """Connection JSON that reaches ``server`` and claims ``region`` (its own by default), with ``overrides``."""
    return {**server.connection(region), **overrides}


@pytest.fixture(scope="session")
def connector() -> Connector:
    return shipped_connector()


@pytest.fixture(scope="session")
def us_server() -> Iterator[SandboxServer]:
    with SandboxServer(region="us") as server:
        yield server


@pytest.fixture(scope="session")
def eu_server() -> Iterator[SandboxServer]:
    with SandboxServer(region="eu") as server:
        yield server


@pytest.fixture(scope="session")
def servers(us_server: SandboxServer, eu_server: SandboxServer) -> dict[str, SandboxServer]:
    return {"us": us_server, "eu": eu_server}


@pytest.fixture
def sandbox(us_server: SandboxServer) -> SandboxServer:
    """The US sandbox, reset: an empty workspace, no faults, no rate limits, an empty request log."""
    us_server.reset()
    return us_server


@pytest.fixture
def eu_sandbox(eu_server: SandboxServer) -> SandboxServer:
    eu_server.reset()
    return eu_server

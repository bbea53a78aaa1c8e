"""Connections per region with fake secrets and a recording mock transport (the connector comes from the root)."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field

import httpx
import pytest

from cio_connector.client.http import CioClient, RetryPolicy

from ..conftest import shipped_connector

SECRETS = {"app_api_key": "app-SECRET-4f9a", "track_api_key": "track-SECRET-77c1"}


def connection(region: str = "us", **overrides: object) -> dict:
    return {"region": region, "site_id": "site-123", **SECRETS, **overrides}


def checked_connection(region: str = "us", **overrides: object):
    return shipped_connector().connection(connection(region, **overrides))


@dataclass
class Recorder:
    """A MockTransport that answers with ``respond`` and keeps every request it saw."""

    respond: Callable[[httpx.Request], httpx.Response] = lambda request: httpx.Response(200, json={})
    requests: list[httpx.Request] = field(default_factory=list)

    def transport(self) -> httpx.MockTransport:
        def handle(request: httpx.Request) -> httpx.Response:
            self.requests.append(request)
            return self.respond(request)

        return httpx.MockTransport(handle)

    def client(self, conn, *, retries: int = 3, sleeps: list | None = None) -> CioClient:
        sink = sleeps if sleeps is not None else []
        return CioClient(conn, transport=self.transport(), retry=RetryPolicy(max_retries=retries), sleep=sink.append)

    @property
    def last(self) -> httpx.Request:
        return self.requests[-1]

    def last_json(self):
        return json.loads(self.last.content) if self.last.content else None


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()

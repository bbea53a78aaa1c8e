"""Plain HTTP clients for both APIs and the controls (the sandboxes, reset per test, come from the root)."""

from __future__ import annotations

import ssl
from collections.abc import Iterator

import httpx
import pytest

from cio_connector.sandbox import DEMO_CREDENTIALS, SandboxServer

TRACK_AUTH = (DEMO_CREDENTIALS.site_id, DEMO_CREDENTIALS.track_api_key)
APP_HEADERS = {"Authorization": f"Bearer {DEMO_CREDENTIALS.app_api_key}"}
# One context for every plain-HTTP client: building one per httpx.Client costs ~50 ms.
SSL_CONTEXT = ssl.create_default_context()
# A shared client for one-off requests with explicit auth and absolute URLs.
HTTP = httpx.Client(verify=SSL_CONTEXT)


@pytest.fixture(scope="session", autouse=True)
def _close_shared_client() -> Iterator[None]:
    yield
    HTTP.close()


@pytest.fixture
def track(sandbox: SandboxServer) -> Iterator[httpx.Client]:
    """A Track client on the US prefix with the demo Basic credentials."""
    with httpx.Client(
        base_url=sandbox.endpoints("us")["track"], auth=TRACK_AUTH, verify=SSL_CONTEXT
    ) as client:
        yield client


@pytest.fixture
def app(sandbox: SandboxServer) -> Iterator[httpx.Client]:
    """An App API client on the US prefix with the demo Bearer key."""
    with httpx.Client(
        base_url=sandbox.endpoints("us")["app"], headers=APP_HEADERS, verify=SSL_CONTEXT
    ) as client:
        yield client


@pytest.fixture
def control(sandbox: SandboxServer) -> Iterator[httpx.Client]:
    """A client for the unauthenticated /_sandbox controls."""
    with httpx.Client(base_url=f"{sandbox.url}/_sandbox", verify=SSL_CONTEXT) as client:
        yield client

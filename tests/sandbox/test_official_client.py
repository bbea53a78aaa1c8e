"""Fidelity: Customer.io's official Python client, unmodified, against the sandbox over TLS.

The client only speaks HTTPS and builds ``https://{host}:{port}/api/v1/...`` (and
``https://{host}:{port}/api/v2/batch`` for ``batch()``), so these run against a TLS sandbox whose
certificate its ``requests`` session is told to trust. If the client and the sandbox disagree, the
sandbox is wrong.
"""

from __future__ import annotations

import ssl
from collections.abc import Iterator
from datetime import UTC, datetime

import httpx
import pytest
from customerio import CustomerIO, CustomerIOException
from customerio.constants import CIOID, EMAIL, ID

from cio_connector.sandbox import DEMO_CREDENTIALS, SandboxServer


@pytest.fixture(scope="module")
def tls_server() -> Iterator[SandboxServer]:
    with SandboxServer(tls=True) as server:
        yield server


@pytest.fixture
def tls_sandbox(tls_server: SandboxServer, monkeypatch: pytest.MonkeyPatch) -> SandboxServer:
    # requests lets REQUESTS_CA_BUNDLE / CURL_CA_BUNDLE override Session.verify, so point it there.
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(tls_server.cert_path))
    monkeypatch.delenv("CURL_CA_BUNDLE", raising=False)
    tls_server.reset()
    return tls_server


def official_client(server: SandboxServer, **options: object) -> CustomerIO:
    client = CustomerIO(
        DEMO_CREDENTIALS.site_id,
        DEMO_CREDENTIALS.track_api_key,
        host="127.0.0.1",
        port=server.port,
        retries=0,
        **options,
    )
    client.http.verify = str(server.cert_path)  # used when no CA bundle variable is set
    return client


@pytest.fixture
def cio(tls_sandbox: SandboxServer) -> Iterator[CustomerIO]:
    with official_client(tls_sandbox) as client:
        yield client


def test_tls_certificate_verifies_with_httpx(tls_sandbox: SandboxServer) -> None:
    assert tls_sandbox.url.startswith("https://127.0.0.1:")
    trusted = ssl.create_default_context(cafile=str(tls_sandbox.cert_path))
    auth = (DEMO_CREDENTIALS.site_id, DEMO_CREDENTIALS.track_api_key)
    response = httpx.get(f"{tls_sandbox.url}/api/v1/accounts/region", auth=auth, verify=trusted)
    assert response.status_code == 200
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{tls_sandbox.url}/api/v1/accounts/region")  # public CAs only: not trusted


def test_identify_track_pageview_delete(tls_sandbox: SandboxServer, cio: CustomerIO) -> None:
    cio.identify("user-1", email="user1@example.com", plan="pro", created_at=datetime(2024, 1, 1, tzinfo=UTC))
    cio.track(
        "user-1", "purchase", data={"price": 23.45}, id="01HZY5Q7W9X2B3C4D5E6F7G8H9", timestamp=1_700_000_000
    )
    cio.track("user-1", "purchase", data={"price": 23.45}, id="01HZY5Q7W9X2B3C4D5E6F7G8H9")  # deduped
    cio.pageview("user1@example.com", "https://example.com/pricing", referrer="https://example.com")
    person = tls_sandbox.state.find("user-1")
    assert person["email"] == "user1@example.com"
    assert person["attributes"] == {"plan": "pro", "created_at": 1_704_067_200}
    events = tls_sandbox.state.events("user-1")
    assert [(e["type"], e["name"], e["data"]) for e in events] == [
        ("event", "purchase", {"price": 23.45}),
        ("page", "https://example.com/pricing", {"referrer": "https://example.com"}),
    ]
    assert events[0]["timestamp"] == 1_700_000_000
    cio.delete("user1@example.com")
    assert tls_sandbox.state.people() == []


@pytest.mark.parametrize(
    "identifier", ["a+b@example.com", "1/", "1 ", "José", "x/../y", "%2F", "cio_not_a_person_yet"]
)
def test_the_clients_url_encoding_round_trips(
    tls_sandbox: SandboxServer, cio: CustomerIO, identifier: str
) -> None:
    cio.identify(identifier, plan="pro")
    people = tls_sandbox.state.people()
    if identifier.startswith("cio_"):
        assert people == []  # a cio_ identifier that matches nobody is dropped
    else:
        (person,) = people
        assert identifier in (person["id"], person["email"])


def test_merge_customers(tls_sandbox: SandboxServer, cio: CustomerIO) -> None:
    cio.identify("primary", plan="pro")
    cio.identify("secondary@example.com", city="Lyon")
    cio.merge_customers(ID, "primary", EMAIL, "secondary@example.com")
    (person,) = tls_sandbox.state.people()
    assert person["attributes"] == {"plan": "pro", "city": "Lyon"}
    cio.identify("other")
    cio.merge_customers(CIOID, person["cio_id"], ID, "other")
    assert len(tls_sandbox.state.people()) == 1


def test_batch_goes_to_v2(tls_sandbox: SandboxServer, cio: CustomerIO) -> None:
    cio.batch(
        [
            {
                "type": "person",
                "identifiers": {"id": "b1"},
                "action": "identify",
                "attributes": {"plan": "pro"},
            },
            {
                "type": "person",
                "identifiers": {"id": "b1"},
                "action": "event",
                "name": "signup",
                "attributes": {"via": "batch"},
            },
        ]
    )
    assert tls_sandbox.state.find("b1")["attributes"] == {"plan": "pro"}
    assert [(e["name"], e["api"]) for e in tls_sandbox.state.events("b1")] == [("signup", "v2")]


def test_a_partial_batch_failure_is_a_2xx_for_the_client(tls_sandbox: SandboxServer, cio: CustomerIO) -> None:
    response = cio.batch([{"type": "person", "identifiers": {"id": "b1"}, "action": "event"}])
    assert response.status_code == 207 and response.json()["errors"][0]["batch_index"] == 0


def test_rejections_surface_as_client_exceptions(cio: CustomerIO) -> None:
    with pytest.raises(CustomerIOException, match=r"^400: .*must not be blank"):
        cio.track("user-1", "   ")
    with pytest.raises(CustomerIOException, match=r"^400: .*150 bytes"):
        cio.identify("x" * 151)


def test_wrong_credentials_are_401(tls_sandbox: SandboxServer) -> None:
    with (
        CustomerIO(
            DEMO_CREDENTIALS.site_id, "wrong", host="127.0.0.1", port=tls_sandbox.port, retries=0
        ) as client,
        pytest.raises(CustomerIOException, match=r"^401: .*Unauthorized request"),
    ):
        client.identify("user-1")


def test_region_prefix_via_url_prefix(tls_sandbox: SandboxServer) -> None:
    with official_client(tls_sandbox, url_prefix="/us/api/v1") as client:
        client.identify("prefixed")
        assert tls_sandbox.state.find("prefixed") is not None
    with official_client(tls_sandbox, url_prefix="/eu/api/v1") as client:
        with pytest.raises(CustomerIOException, match=r"^401"):
            client.identify("wrong-region")

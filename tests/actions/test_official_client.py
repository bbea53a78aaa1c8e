"""Customer.io's official Python client, unmodified, against the sandbox over TLS: devices, merge, suppress."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from customerio import CustomerIO
from customerio.constants import EMAIL, ID

from cio_connector.sandbox import DEMO_CREDENTIALS, SandboxServer


@pytest.fixture(scope="module")
def tls_server() -> Iterator[SandboxServer]:
    with SandboxServer(tls=True) as server:
        yield server


@pytest.fixture
def cio(tls_server: SandboxServer, monkeypatch: pytest.MonkeyPatch) -> Iterator[CustomerIO]:
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(tls_server.cert_path))
    monkeypatch.delenv("CURL_CA_BUNDLE", raising=False)
    tls_server.reset()
    client = CustomerIO(
        DEMO_CREDENTIALS.site_id, DEMO_CREDENTIALS.track_api_key, host="127.0.0.1", port=tls_server.port, retries=0
    )
    client.http.verify = str(tls_server.cert_path)
    with client:
        yield client


def test_add_and_delete_a_device(tls_server: SandboxServer, cio: CustomerIO) -> None:
    cio.identify("user-1", email="user1@example.com")
    cio.add_device("user-1", "device-token-1", "ios", last_used=1_714_564_800)
    cio.add_device("user1@example.com", "device-token-2", "android")
    devices = tls_server.state.find("user-1")["devices"]
    assert [(d["token"], d["platform"]) for d in devices] == [("device-token-1", "ios"), ("device-token-2", "android")]
    assert devices[0]["last_used"] == 1_714_564_800
    cio.delete_device("user-1", "device-token-1")
    assert [d["token"] for d in tls_server.state.find("user-1")["devices"]] == ["device-token-2"]


def test_merge_customers(tls_server: SandboxServer, cio: CustomerIO) -> None:
    cio.identify("primary", plan="pro")
    cio.identify("dup@example.com", city="Lyon")
    cio.add_device("dup@example.com", "device-token-3", "android")
    cio.merge_customers(ID, "primary", EMAIL, "dup@example.com")
    (person,) = tls_server.state.people()
    assert person["attributes"] == {"plan": "pro", "city": "Lyon"} and person["email"] == "dup@example.com"
    assert [d["token"] for d in person["devices"]] == ["device-token-3"]
    cio.merge_customers(ID, "nobody", ID, "primary")  # no primary: nothing happens
    assert tls_server.state.merges()[-1]["outcome"] == "refused: the primary person does not exist"


def test_suppress_and_unsuppress(tls_server: SandboxServer, cio: CustomerIO) -> None:
    cio.identify("user-2", email="user2@example.com", plan="pro")
    cio.suppress("user-2")
    assert tls_server.state.find("user-2") is None
    assert tls_server.state.suppressed()[0]["identifiers"] == {"id": "user-2", "email": "user2@example.com"}
    cio.identify("user2@example.com", plan="again")  # refused: the email was suppressed with the ID
    assert tls_server.state.people() == []
    cio.unsuppress("user2@example.com")
    cio.identify("user-2", plan="new")
    assert tls_server.state.find("user-2")["attributes"] == {"plan": "new"}

"""Fidelity cross-check: the official client and the connector leave the sandbox in the same state.

The same play runs twice, once through Customer.io's official Python client (v1 paths, over TLS, as
it insists) and once through the connector's actions (Track v2 entity). If the two states differ,
either the sandbox or a handler is wrong.
"""

from __future__ import annotations

import datetime as dt

import pytest
from customerio import CustomerIO

from cio_connector import CioClient
from cio_connector.sandbox import SandboxServer

from .conftest import connection_for

CREATED = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
EVENT_ID = "01HZY5Q7W9X2B3C4D5E6F7G8H9"


def with_official_client(server: SandboxServer) -> None:
    creds = server.credentials
    client = CustomerIO(creds.site_id, creds.track_api_key, host="127.0.0.1", port=server.port, retries=0)
    client.http.verify = str(server.cert_path)
    with client:
        client.identify("user-1", email="ada@example.com", plan="pro", created_at=CREATED)
        client.identify("bob@example.com", plan="free", seats=2)
        client.identify("user-2", email="gone@example.com")
        client.track("user-1", "purchase", data={"price": 23.45, "sku": "socks"}, id=EVENT_ID, timestamp=1_700_000_000)
        client.track("user-1", "purchase", data={"price": 23.45, "sku": "socks"}, id=EVENT_ID)
        client.track("bob@example.com", "newsletter_opened")
        client.pageview("bob@example.com", "https://example.com/pricing", title="Pricing")
        client.delete("user-2")


def with_connector(connector, server: SandboxServer) -> None:
    conn = connector.connection(connection_for(server))
    purchase = {"name": "purchase", "customer_id": "user-1", "mappings": {"price": 23.45, "sku": "socks"}, "event_id": EVENT_ID}
    steps = [
        ("upsert_customer", {"matching_field": "id", "matching_value": "user-1",
                             "mappings": {"email": "ada@example.com", "plan": "pro", "created_at": "{{ record.created }}"}}),
        ("upsert_customer", {"matching_field": "email", "matching_value": "bob@example.com",
                             "mappings": {"plan": "free", "seats": 2}}),
        ("upsert_customer", {"matching_field": "id", "matching_value": "user-2", "mappings": {"email": "gone@example.com"}}),
        ("track_event", {**purchase, "timestamp": 1_700_000_000}),
        ("track_event", purchase),
        ("track_event", {"name": "newsletter_opened", "customer_id": "bob@example.com"}),
        ("track_page", {"customer_id": "bob@example.com", "page_url": "https://example.com/pricing",
                        "mappings": {"title": "Pricing"}}),
        ("delete_customer", {"matching_field": "id", "matching_value": "user-2"}),
    ]
    with CioClient(conn) as client:
        for action, config in steps:
            connector.execute(action, config, conn, client=client, record={"created": CREATED})


def comparable(snapshot: dict) -> dict:
    """The state without what legitimately differs between runs (generated ids, clocks)."""
    people = {p["cio_id"]: p for p in snapshot["people"]}

    def who(cio_id):
        person = people.get(cio_id)
        return (person["id"], person["email"]) if person else None

    return {
        "people": sorted(
            (p["id"] or "", p["email"] or "", sorted(p["attributes"].items()), p["segments"]) for p in snapshot["people"]
        ),
        "events": [(who(e["person"]), e["type"], e["name"], e["data"] or {}, e["id"]) for e in snapshot["events"]],
        "failures": len(snapshot.get("failures", [])),
    }


@pytest.fixture
def tls_server(monkeypatch):
    with SandboxServer(region="us", tls=True) as server:
        # requests lets REQUESTS_CA_BUNDLE override Session.verify: point it at the sandbox's CA.
        monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(server.cert_path))
        monkeypatch.delenv("CURL_CA_BUNDLE", raising=False)
        yield server


def test_official_client_and_connector_agree(connector, tls_server, servers):
    plain = servers["us"]
    plain.reset()
    with_official_client(tls_server)
    with_connector(connector, plain)
    official, ours = comparable(tls_server.snapshot()), comparable(plain.snapshot())
    assert ours == official
    assert len(official["people"]) == 2 and len(official["events"]) == 3

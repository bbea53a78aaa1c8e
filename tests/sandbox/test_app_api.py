"""App API reads: workspaces, customers by email, a customer's attributes."""

from __future__ import annotations

import httpx
import pytest

from cio_connector.sandbox import SandboxServer


def test_workspaces(sandbox: SandboxServer, app: httpx.Client, track: httpx.Client) -> None:
    track.put("/api/v1/customers/42", json={})
    (workspace,) = app.get("/v1/workspaces").json()["workspaces"]
    assert workspace == {
        "id": sandbox.workspace.environment_id,
        "name": sandbox.workspace.name,
        "messages_sent": 0,
        "billable_messages_sent": 0,
        "people": 1,
        "object_types": 2,  # the seeded Companies and Workspaces
        "objects": 0,
    }


def test_customers_by_email(app: httpx.Client, track: httpx.Client) -> None:
    track.put("/api/v1/customers/42", json={"email": "a+b@example.com"})
    found = app.get("/v1/customers", params={"email": "A+B@example.com"}).json()
    assert found == {"results": [{"email": "a+b@example.com", "id": "42", "cio_id": "a3000001"}]}
    # An unencoded "+" in a query string is a space, as Customer.io warns: it matches nobody.
    assert app.get("/v1/customers?email=a+b@example.com").json() == {"results": []}


@pytest.mark.parametrize(
    ("identifier", "id_type"),
    [("42", None), ("a%2Bb%40example.com", "email"), ("cio_a3000001", "cio_id")],
)
def test_customer_attributes(
    app: httpx.Client, track: httpx.Client, identifier: str, id_type: str | None
) -> None:
    track.put("/api/v1/customers/42", json={"email": "a+b@example.com", "plan": "pro"})
    params = {"id_type": id_type} if id_type else {}
    response = app.get(f"/v1/customers/{identifier}/attributes", params=params)
    assert response.status_code == 200
    customer = response.json()["customer"]
    assert (customer["id"], customer["email"], customer["cio_id"]) == ("42", "a+b@example.com", "a3000001")
    assert customer["attributes"] == {
        "plan": "pro",
        "id": "42",
        "email": "a+b@example.com",
        "cio_id": "a3000001",
    }
    assert customer["identifiers"] == {"id": "42", "email": "a+b@example.com", "cio_id": "a3000001"}


def test_customer_attributes_with_a_wrong_id_type_is_404(app: httpx.Client, track: httpx.Client) -> None:
    track.put("/api/v1/customers/42", json={})
    assert app.get("/v1/customers/42/attributes", params={"id_type": "email"}).status_code == 404
    assert app.get("/v1/customers/42/attributes", params={"id_type": "phone"}).status_code == 400

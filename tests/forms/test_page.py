"""The /forms routes over the real sandbox (no browser): page, live options, problems, dry run, send."""

from __future__ import annotations

import httpx
import pytest

from cio_connector.forms.app import FormsSandbox


@pytest.fixture
def site(connector):
    with FormsSandbox(connector) as running, httpx.Client(base_url=running.url) as client:
        yield client, running.sandbox
    connector.options_cache.clear()


def test_the_page_lists_every_action_and_draws_its_fields(site, connector):
    client, _ = site
    page = client.get("/forms?action=add_customer_to_segment")
    assert page.status_code == 200
    for name in connector.actions:
        assert f'<option value="{name}"' in page.text
    for key in ("matching_field", "matching_value", "segment"):
        assert f'id="in-{key}"' in page.text
    assert 'data-options-url="/forms/options/add_customer_to_segment/segment"' in page.text
    assert client.get("/forms?action=no_such_action").status_code == 404


def test_options_are_the_live_manual_segments(site):
    client, _ = site
    assert client.get("/forms/options/add_customer_to_segment/segment").json() == [
        {"value": 2, "label": "Beta testers"}, {"value": 3, "label": "Churn risk"}, {"value": 1, "label": "VIP customers"},
    ]
    missing = client.get("/forms/options/upsert_customer/mappings")
    assert missing.status_code == 404 and missing.json()["problems"][0]["field"] == "mappings"


def test_problems_name_their_field(site):
    client, _ = site
    answer = client.post("/forms/run/upsert_customer", json={"config": {"matching_field": "email", "matching_value": "nope"}})
    assert answer.status_code == 422
    assert answer.json()["problems"] == [{
        "field": "matching_value", "path": "$.matching_value", "label": "Matching Value",
        "message": "must be an email address when Matching Field Name is Email",
    }]
    assert client.post("/forms/run/upsert_customer", content=b"{").status_code == 400


def test_a_dry_run_by_default_and_sending_on_request(site):
    client, sandbox = site
    body = {"config": {"matching_field": "email", "matching_value": "{{ record.email }}"}, "record": {"email": "ada@example.com"}}
    dry = client.post("/forms/run/upsert_customer", json=body).json()["result"]
    assert dry["dry_run"] is True and dry["request"]["json"]["identifiers"] == {"email": "ada@example.com"}
    assert sandbox.state.find("ada@example.com") is None
    sent = client.post("/forms/run/upsert_customer", json={**body, "send": True}).json()["result"]
    assert sent["status"] == 200 and sandbox.state.find("ada@example.com") is not None
    assert "********" in sent["request"]["headers"]["authorization"]

"""Every route of the integration server: success, bad input, auth failure, wrong region (in-process)."""

from __future__ import annotations

import dataclasses
import logging

import httpx
import pytest
from fastapi import APIRouter, Request

from cio_connector import load_connector
from cio_connector.host.server import create_app

from .conftest import CONFIGS, EMAIL, AsgiClient, connection_for, envelope, sent

ROUTES = [
    ("GET", "/manifest", None),
    ("GET", "/openapi.json", None),
    ("POST", "/authenticate", {"connector": {"config": {}}}),
    ("POST", "/autocomplete", {"connector": {"config": {}}, "slug": "segments", "params": {"type": "manual"}}),
    ("POST", "/actions/upsert_customer/execute", {"connector": {"config": {}}, "config": {}}),
]


# -- health, manifest, openapi ---------------------------------------------------------------------


def test_health_says_which_connector(client, connector):
    answer = client.get("/health")
    assert answer.status_code == 200
    health = {"status": "ok", "connector": "customerio", "version": connector.manifest.version, "actions": len(connector.actions)}
    assert answer.json() == health


def test_the_manifest_route_serves_the_generated_manifest(client, connector):
    from cio_connector.host.cargo import cargo_manifest

    answer = client.get("/manifest")
    assert answer.status_code == 200
    assert answer.json() == cargo_manifest(connector).model_dump(exclude_none=True)


def test_the_openapi_document_describes_the_contract(client):
    document = client.get("/openapi.json").json()
    assert set(document["paths"]) >= {"/manifest", "/authenticate", "/autocomplete", "/actions/{slug}/execute", "/health"}
    execute = document["paths"]["/actions/{slug}/execute"]["post"]
    assert set(execute["responses"]) == {"200", "400", "401", "404", "413", "502", "503"}
    assert set(document["paths"]["/authenticate"]["post"]["responses"]) == {"200", "400", "401", "413"}
    assert {"IntegrationManifest", "ExecutePayload", "ExecuteResult", "ErrorBody"} <= set(document["components"]["schemas"])


# -- shared-secret auth and body limits ------------------------------------------------------------


@pytest.mark.parametrize(("method", "path", "body"), ROUTES)
def test_with_a_token_every_route_but_health_needs_it(connector, method, path, body):
    app = create_app(connector, token="s3cret-token")
    for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": "Basic s3cret-token"}):
        answer = AsgiClient(app, headers).request(method, path, json=body)
        assert answer.status_code == 401, headers
        assert answer.headers["www-authenticate"] == "Bearer"
        assert "s3cret-token" not in answer.text
    answer = AsgiClient(app, {"Authorization": "Bearer s3cret-token"}).request(method, path, json=body)
    assert answer.status_code != 401
    assert AsgiClient(app).get("/health").status_code == 200


def test_a_body_over_the_limit_is_refused_before_it_is_read(connector, sandbox, connection):
    app = create_app(connector, max_body_bytes=1024)
    big = envelope(connection, config={**CONFIGS["upsert_customer"], "mappings": {"blob": "x" * 2000}})
    answer = AsgiClient(app).post("/actions/upsert_customer/execute", json=big)
    assert answer.status_code == 413 and "1024 bytes" in answer.json()["errorMessage"]

    async def chunks():  # no Content-Length: the limit holds while reading
        yield b'{"connector": {"config": {}}, "config": {"x": "'
        yield b"y" * 2000
        yield b'"}}'

    answer = AsgiClient(app).post("/actions/upsert_customer/execute", content=chunks())
    assert answer.status_code == 413
    assert sent(sandbox) == []


# -- authenticate --------------------------------------------------------------------------------


def test_authenticate_accepts_good_credentials(client, sandbox, connection):
    answer = client.post("/authenticate", json=envelope(connection))
    assert answer.status_code == 200 and answer.json() == {"outcome": "success"}


@pytest.mark.parametrize(
    ("field", "says"),
    [
        ("site_id", "Site ID or Track API key is wrong"),
        ("track_api_key", "Site ID or Track API key is wrong"),
        ("app_api_key", "App API key is wrong"),
    ],
)
def test_authenticate_names_the_wrong_credential(client, sandbox, field, says):
    answer = client.post("/authenticate", json=envelope(connection_for(sandbox, **{field: "not-the-key"})))
    body = answer.json()
    assert answer.status_code == 200
    assert body["outcome"] == "error" and body["reason"] == "unauthenticated"
    assert says in body["errorMessage"]
    other = "App API key" if field != "app_api_key" else "Site ID or Track API key"
    assert other + " is wrong" not in body["errorMessage"]


def test_authenticate_names_the_right_region(client, eu_sandbox):
    # an EU workspace reached with region US: Customer.io's 301 "wrong datacenter"
    answer = client.post("/authenticate", json=envelope(connection_for(eu_sandbox, region="us")))
    body = answer.json()
    assert body["outcome"] == "error" and "choose EU as the region" in body["errorMessage"]


def test_authenticate_lists_every_problem_of_a_malformed_connection_and_sends_nothing(client, sandbox):
    config = {
        "region": "mars",
        "site_id": "",
        "track_api_key": "has space",
        "endpoints": {"track": "https://evil.example", "app": "x"},
    }
    body = client.post("/authenticate", json=envelope(config)).json()
    assert body["outcome"] == "error"
    for words in ("Region", "Site ID", "Track API Key", "App API Key"):
        assert words in body["errorMessage"]
    assert "has space" not in body["errorMessage"]
    assert sent(sandbox) == []


def test_a_body_that_does_not_follow_the_contract_is_a_400_naming_what_is_missing(client):
    answer = client.post("/authenticate", json={"connection": {}})
    assert answer.status_code == 400
    assert [p["path"] for p in answer.json()["problems"]] == ["$.connector"]
    answer = client.post("/authenticate", content=b"{not json", headers={"content-type": "application/json"})
    assert answer.status_code == 400


# -- autocomplete --------------------------------------------------------------------------------


def test_segment_autocomplete_lists_manual_segments_by_name(client, sandbox, connection):
    answer = client.post("/autocomplete", json=envelope(connection, slug="segments", params={"type": "manual"}))
    assert answer.status_code == 200
    results = answer.json()["results"]
    assert results == [
        {"label": "Beta testers", "value": "2"},
        {"label": "Churn risk", "value": "3"},
        {"label": "VIP customers", "value": "1"},
    ]


def test_autocomplete_of_an_unknown_slug_is_a_404_and_of_unused_params_a_400(client, sandbox, connection):
    assert client.post("/autocomplete", json=envelope(connection, slug="people", params={})).status_code == 404
    answer = client.post("/autocomplete", json=envelope(connection, slug="segments", params={"type": "dynamic"}))
    assert answer.status_code == 400 and answer.json()["problems"][0]["path"] == "$.params"
    assert sent(sandbox) == []


def test_autocomplete_with_a_bad_connection_is_a_400_with_paths_into_the_body(client, sandbox):
    answer = client.post("/autocomplete", json=envelope({"region": "us"}, slug="segments", params={"type": "manual"}))
    assert answer.status_code == 400
    paths = {p["path"] for p in answer.json()["problems"]}
    assert paths == {"$.connector.config.site_id", "$.connector.config.track_api_key", "$.connector.config.app_api_key"}


def test_autocomplete_with_a_refused_key_or_the_wrong_region_says_what_customerio_said(client, sandbox, eu_sandbox):
    refused = envelope(connection_for(sandbox, app_api_key="nope"), slug="segments", params={"type": "manual"})
    answer = client.post("/autocomplete", json=refused)
    assert answer.status_code == 502 and answer.json()["retryable"] is False and answer.json()["status"] == 401
    assert "App API key" in answer.json()["errorMessage"]
    wrong_region = envelope(connection_for(eu_sandbox, region="us"), slug="segments", params={"type": "manual"})
    answer = client.post("/autocomplete", json=wrong_region)
    assert answer.status_code == 502 and "EU" in answer.json()["errorMessage"]


# -- execute -------------------------------------------------------------------------------------


def test_every_action_executes_against_the_sandbox(client, sandbox, connection):
    for action, config in CONFIGS.items():
        answer = client.post(f"/actions/{action}/execute", json=envelope(connection, config=config))
        assert answer.status_code == 200, answer.text
        body = answer.json()
        assert body["outcome"] == "executed" and body["data"]["status"] == 200 and body["data"]["dry_run"] is False
        assert body["title"] == f"{sandbox_title(action)}: done (Customer.io answered 200)"
    assert [(r["method"], r["path"], r["status"]) for r in sent(sandbox)] == [
        ("POST", "/us/api/v2/entity", 200),
        ("POST", "/us/api/v1/segments/1/add_customers", 200),
        ("POST", "/us/api/v1/segments/1/remove_customers", 200),
        ("POST", "/us/api/v2/entity", 200),
        ("POST", "/us/api/v2/entity", 200),
        ("POST", "/us/api/v1/events", 200),
        ("POST", "/us/api/v1/metrics", 200),
        ("POST", "/us/v1/send/email", 200),
        ("POST", "/us/v1/send/sms", 200),
        ("POST", "/us/v1/send/push", 200),
        ("POST", "/us/api/v2/entity", 200),
    ]
    assert sandbox.state.find(EMAIL) is None  # deleted last


def sandbox_title(action: str) -> str:
    return {
        "upsert_customer": "Upsert customer",
        "add_customer_to_segment": "Add customer to segment",
        "remove_customer_from_segment": "Remove customer from segment",
        "track_event": "Track event",
        "track_page": "Track page",
        "track_anonymous_event": "Track anonymous event",
        "report_delivery_metric": "Report delivery metric",
        "send_transactional_email": "Send transactional email",
        "send_transactional_sms": "Send transactional SMS",
        "send_transactional_push": "Send transactional push",
        "delete_customer": "Delete customer",
    }[action]


@pytest.mark.parametrize("action", list(CONFIGS))
def test_a_dry_execution_returns_the_exact_request_masked_and_sends_nothing(client, sandbox, connection, action):
    answer = client.post(f"/actions/{action}/execute", json=envelope(connection, config=CONFIGS[action], isDryExecution=True))
    assert answer.status_code == 200
    data = answer.json()["data"]
    assert data["dry_run"] is True and data["status"] is None
    request = data["request"]
    assert request["url"].startswith((sandbox.url + "/us/api/", sandbox.url + "/us/v1/send/"))
    assert request["headers"]["authorization"].endswith("********")
    for secret in (connection["track_api_key"], connection["app_api_key"]):
        assert secret not in answer.text
    assert sent(sandbox) == []


def test_a_bad_config_is_a_400_with_every_problem_and_nothing_sent(client, sandbox, connection):
    config = {"matching_field": "email", "matching_value": "not-an-email", "segment": "0", "extra": 1}
    bad_connection = {**connection, "site_id": ""}
    answer = client.post("/actions/add_customer_to_segment/execute", json=envelope(bad_connection, config=config))
    assert answer.status_code == 400
    problems = {(p["path"], p.get("label"), p["code"]) for p in answer.json()["problems"]}
    assert problems == {
        ("$.config.matching_value", "Matching Value", "pattern"),
        ("$.config.segment", "Segment", "minimum"),
        ("$.config.extra", None, "unknown_field"),
        ("$.connector.config.site_id", "Site ID", "minLength"),
    }
    assert "must be an email address" in answer.json()["errorMessage"]
    assert sent(sandbox) == []


def test_an_unknown_action_is_a_404(client, connection):
    answer = client.post("/actions/unsubscribe/execute", json=envelope(connection, config={}))
    assert answer.status_code == 404 and "upsert_customer" in answer.json()["errorMessage"]


def test_a_customerio_refusal_is_a_502_saying_what_it_said(client, sandbox, connection):
    answer = client.post(
        "/actions/add_customer_to_segment/execute",
        json=envelope(connection, config={**CONFIGS["add_customer_to_segment"], "segment": "4"}),
    )
    body = answer.json()
    assert answer.status_code == 502 and body["retryable"] is False and body["status"] >= 400
    assert body["errorMessage"].startswith("Customer.io refused the request")
    assert "segment 4 is data-driven; only manual segments can be changed" in body["errorMessage"]  # its own words
    assert len(sent(sandbox)) == 1


def test_execute_with_refused_credentials_or_the_wrong_region_is_a_502(client, sandbox, eu_sandbox):
    answer = client.post(
        "/actions/upsert_customer/execute",
        json=envelope(connection_for(sandbox, track_api_key="nope"), config=CONFIGS["upsert_customer"]),
    )
    assert answer.status_code == 502 and "refused the connection" in answer.json()["errorMessage"]
    answer = client.post(
        "/actions/upsert_customer/execute",
        json=envelope(connection_for(eu_sandbox, region="us"), config=CONFIGS["upsert_customer"]),
    )
    assert answer.status_code == 502 and "EU" in answer.json()["errorMessage"]


def test_a_customerio_outage_is_a_503_with_retry_after(client, sandbox, connection):
    httpx.put(f"{sandbox.url}/_sandbox/rate_limits", json={"track": 1, "retry_after": 30}).raise_for_status()
    statuses = []
    for _ in range(3):  # the second request inside one second is over the limit; a slow machine gets a third try
        answer = client.post("/actions/upsert_customer/execute", json=envelope(connection, config=CONFIGS["upsert_customer"]))
        statuses.append(answer.status_code)
        if answer.status_code == 503:
            break
    assert statuses[-1] == 503, statuses
    assert answer.json()["retryable"] is True and answer.headers["retry-after"] == "30"


def test_custom_endpoints_beyond_loopback_are_refused_unless_the_host_allows_them(connector, sandbox):
    remote = connection_for(sandbox, endpoints={"track": "https://cio.example.com", "app": "https://cio.example.com"})
    answer = AsgiClient(create_app(connector)).post(
        "/actions/upsert_customer/execute", json=envelope(remote, config=CONFIGS["upsert_customer"])
    )
    assert answer.status_code == 400
    assert {p["path"] for p in answer.json()["problems"]} == {
        "$.connector.config.endpoints.track",
        "$.connector.config.endpoints.app",
    }
    allowed = AsgiClient(create_app(connector, allow_custom_endpoints=True))
    dry = allowed.post(
        "/actions/upsert_customer/execute", json=envelope(remote, config=CONFIGS["upsert_customer"], isDryExecution=True)
    )
    assert dry.status_code == 200 and dry.json()["data"]["request"]["url"] == "https://cio.example.com/api/v2/entity"


def test_logs_never_hold_a_secret(client, sandbox, caplog):
    secrets = {"track_api_key": "trk-SECRET-1f2e", "app_api_key": "app-SECRET-9a8b"}
    caplog.set_level(logging.DEBUG)
    for connection in (connection_for(sandbox), connection_for(sandbox, **secrets)):
        client.post("/authenticate", json=envelope(connection))
        client.post("/autocomplete", json=envelope(connection, slug="segments", params={"type": "manual"}))
        client.post("/actions/upsert_customer/execute", json=envelope(connection, config=CONFIGS["upsert_customer"]))
        client.post("/actions/upsert_customer/execute", json=envelope(connection, config={"matching_field": "id"}))
    assert any(r.name == "cio_connector.host" for r in caplog.records)
    text = "\n".join(r.getMessage() for r in caplog.records)
    for secret in [*secrets.values(), sandbox.credentials.track_api_key, sandbox.credentials.app_api_key]:
        assert secret not in text


def test_extra_routers_are_mounted_and_see_the_default_connection(connector, sandbox):
    page = APIRouter()

    @page.get("/form")
    def form(request: Request) -> dict:
        return {"connection_region": request.app.state.default_connection["region"]}

    app = create_app(connector, routers=[page], default_connection=connection_for(sandbox))
    assert AsgiClient(app).get("/form").json() == {"connection_region": "us"}


def test_a_template_left_in_a_config_is_a_400_not_a_send(client, sandbox, connection):
    # Cargo evaluates its own expressions first; one of ours reaching execute has no record to read
    config = {"matching_field": "email", "matching_value": "{{ record.email }}"}
    answer = client.post("/actions/upsert_customer/execute", json=envelope(connection, config=config))
    assert answer.status_code == 400
    assert [p["path"] for p in answer.json()["problems"]] == ["$.config.matching_value"]
    assert sent(sandbox) == []


# -- one check per call ----------------------------------------------------------------------------


def counted(connector, monkeypatch, action: str) -> dict[str, int]:
    """Count, on this connector, connection parses, handler builds, and any separate re-validation."""
    counts = {"connection": 0, "built": 0, "validate": 0}
    parse = connector.connection
    chosen = connector.actions[action]

    def connection(*args, **kwargs):
        counts["connection"] += 1
        return parse(*args, **kwargs)

    def handler(inputs):
        counts["built"] += 1
        return chosen.handler(inputs)

    def revalidate(*args, **kwargs):
        counts["validate"] += 1
        return []

    monkeypatch.setattr(connector, "connection", connection)
    monkeypatch.setattr(connector, "validate", revalidate)
    monkeypatch.setattr(connector, "validate_connection", revalidate)
    counted = dataclasses.replace(chosen, handler=handler, compile_handler=None)  # every build through the handler
    monkeypatch.setattr(connector, "actions", {**connector.actions, action: counted})
    return counts


def test_execute_parses_the_connection_once_and_builds_the_request_once(sandbox, connection, monkeypatch):
    connector = load_connector()
    counts = counted(connector, monkeypatch, "upsert_customer")
    answer = AsgiClient(create_app(connector, allowed_endpoints=[sandbox.url])).post(
        "/actions/upsert_customer/execute", json=envelope(connection, config=CONFIGS["upsert_customer"])
    )
    assert answer.status_code == 200, answer.text
    assert counts == {"connection": 1, "built": 1, "validate": 0}
    assert len(sent(sandbox)) == 1


def test_a_failed_execute_is_not_validated_a_second_time(sandbox, connection, monkeypatch):
    connector = load_connector()
    counts = counted(connector, monkeypatch, "add_customer_to_segment")
    config = {"matching_field": "email", "matching_value": "not-an-email", "segment": "0"}
    answer = AsgiClient(create_app(connector, allowed_endpoints=[sandbox.url])).post(
        "/actions/add_customer_to_segment/execute", json=envelope({**connection, "region": "mars"}, config=config)
    )
    assert answer.status_code == 400
    assert {p["path"] for p in answer.json()["problems"]} == {
        "$.config.matching_value",
        "$.config.segment",
        "$.connector.config.region",
    }
    assert counts == {"connection": 1, "built": 0, "validate": 0}
    assert sent(sandbox) == []


def test_a_connection_error_without_a_field_is_a_400_at_the_connection_saying_why(sandbox, connection, monkeypatch):
    # what the client raises for a request httpx refuses to write: a headline, no field to blame
    from cio_connector import ConnectionConfigError

    connector = load_connector()

    async def refuse(*args, **kwargs):
        raise ConnectionConfigError(headline="the Track API request could not be written")

    monkeypatch.setattr(connector, "aexecute", refuse)
    answer = AsgiClient(create_app(connector, allowed_endpoints=[sandbox.url])).post(
        "/actions/upsert_customer/execute", json=envelope(connection, config=CONFIGS["upsert_customer"])
    )
    assert answer.status_code == 400
    assert answer.json()["problems"] == [
        {"path": "$.connector.config", "message": "the Track API request could not be written"}
    ]

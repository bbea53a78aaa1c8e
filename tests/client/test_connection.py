"""Connection parsing and the connection check: every credential and the region, named precisely."""

from __future__ import annotations

import json

import httpx
import pytest

from cio_connector import ConnectionConfigError

from .conftest import SECRETS, Recorder, connection

GOOD_REGION = {"us": {"url": "https://track.customer.io", "region": "us", "environment_id": 9}}


def fake_customerio(*, workspace_region="us", site_id="site-123", track_key=SECRETS["track_api_key"],
                    app_key=SECRETS["app_api_key"]):
    """Answers like Customer.io would for a workspace in ``workspace_region`` with these credentials."""
    import base64

    def respond(request: httpx.Request) -> httpx.Response:
        host = request.url.host
        if request.url.path == "/api/v1/accounts/region":
            good = "Basic " + base64.b64encode(f"{site_id}:{track_key}".encode()).decode()
            if request.headers.get("authorization") != good:
                return httpx.Response(401)
            url = "https://track-eu.customer.io" if workspace_region == "eu" else "https://track.customer.io"
            return httpx.Response(200, json={"url": url, "region": workspace_region, "environment_id": 9})
        if request.url.path == "/v1/segments":
            if request.headers.get("authorization") != f"Bearer {app_key}":
                return httpx.Response(401, json={"errors": [{"detail": "Unauthorized", "status": "401"}]})
            if workspace_region == "eu" and host == "api.customer.io":
                return httpx.Response(301, headers={"location": "https://api-eu.customer.io/v1/segments"},
                                      json={"errors": [{"detail": "wrong datacenter", "status": "301"}]})
            if workspace_region == "us" and host == "api-eu.customer.io":
                return httpx.Response(401, json={"errors": [{"detail": "Unauthorized", "status": "401"}]})
            return httpx.Response(200, json={"segments": [
                {"id": 3, "name": "beta testers", "type": "manual"},
                {"id": 1, "name": "VIP", "type": "manual"},
                {"id": 2, "name": "Active (dynamic)", "type": "dynamic"},
                {"id": 4, "name": "Alpha", "type": "manual"},
            ]})
        return httpx.Response(404)

    return respond


def report(connector, conn_data, **fake):
    recorder = Recorder(fake_customerio(**fake))
    result = connector.check_connection(conn_data, transport=recorder.transport())
    return {c.name: (c.ok, c.message) for c in result.checks}, result, recorder


def test_all_good(connector):
    checks, result, recorder = report(connector, connection())
    assert result.ok
    assert checks == {
        "site_id+track_api_key": (True, "Site ID and Track API key accepted"),
        "region": (True, "workspace is in US"),
        "app_api_key": (True, "App API key accepted"),
    }
    assert [r.url.path for r in recorder.requests] == ["/api/v1/accounts/region", "/v1/segments"]


def test_wrong_track_key(connector):
    checks, result, _ = report(connector, connection(track_api_key="nope"))
    assert not result.ok
    assert checks["site_id+track_api_key"] == (False, "Site ID or Track API key is wrong (Customer.io answered 401)")
    assert checks["app_api_key"][0] is True


def test_wrong_site_id(connector):
    checks, _, _ = report(connector, connection(site_id="other"))
    assert checks["site_id+track_api_key"][0] is False


def test_wrong_app_key(connector):
    checks, _, _ = report(connector, connection(app_api_key="nope"))
    assert checks["app_api_key"] == (False, "App API key is wrong (Customer.io answered 401)")
    assert checks["site_id+track_api_key"][0] is True


def test_workspace_in_eu_but_us_chosen(connector):
    checks, result, _ = report(connector, connection("us"), workspace_region="eu")
    assert not result.ok
    assert checks["region"] == (False, "this workspace is in EU: choose EU as the region")
    assert checks["app_api_key"] == (False, "App API key belongs to a workspace in EU: choose EU as the region")


def test_workspace_in_us_but_eu_chosen(connector):
    checks, _, recorder = report(connector, connection("eu"), workspace_region="us")
    assert checks["region"] == (False, "this workspace is in US: choose US as the region")
    assert checks["app_api_key"] == (False, "App API key was refused in EU; this workspace is in US: choose US as the region")
    assert {r.url.host for r in recorder.requests} == {"track-eu.customer.io", "api-eu.customer.io"}


@pytest.mark.parametrize(
    ("data", "name", "fragment"),
    [
        ({"site_id": "s", "track_api_key": "t", "app_api_key": "a"}, "region", "Region: is required"),
        (connection(region="asia"), "region", "is not one of: us (US), eu (EU)"),
        ({**connection(), "app_api_key": ""}, "app_api_key", "App API Key: must not be empty"),
        ({**connection(), "track_api_key": "has space"}, "track_api_key", "Track API Key: must not contain spaces"),
        ({k: v for k, v in connection().items() if k != "site_id"}, "site_id", "Site ID: is required"),
        ({**connection(), "extra": 1}, "extra", "unknown field"),
    ],
)
def test_malformed_connections_are_reported_without_a_request(connector, data, name, fragment):
    checks, result, recorder = report(connector, data)
    assert recorder.requests == []
    assert not result.ok
    assert fragment in checks[name][1]


def test_all_missing_credentials_are_listed_at_once(connector):
    problems = connector.validate_connection({"region": "us"})
    assert [p.path for p in problems] == ["$.app_api_key", "$.site_id", "$.track_api_key"]


def test_custom_endpoints_must_be_loopback_unless_allowed(connector):
    data = connection(endpoints={"track": "https://evil.example.com", "app": "http://127.0.0.1:9/us"})
    with pytest.raises(ConnectionConfigError) as caught:
        connector.connection(data)
    assert [p.path for p in caught.value.problems] == ["$.endpoints.track"]
    assert "loopback" in caught.value.problems[0].message
    assert "(--allow-custom-endpoints, allow_custom_endpoints=True)" in caught.value.problems[0].message  # the way out
    allowed = connector.connection(data, allow_custom_endpoints=True)
    assert allowed.track_url == "https://evil.example.com"


@pytest.mark.parametrize("url", ["http://127.0.0.1:8080/us", "http://localhost:1", "http://[::1]:5/eu", "http://127.5.5.5"])
def test_loopback_endpoints_are_accepted(connector, url):
    conn = connector.connection(connection(endpoints={"track": url, "app": url}))
    assert conn.track_url == url.rstrip("/") and conn.custom_endpoints


def test_secrets_never_appear_in_reprs_reports_or_errors(connector):
    bad = {**connection(), "track_api_key": SECRETS["track_api_key"] + " x", "app_api_key": SECRETS["app_api_key"] * 40}
    texts = [repr(connector.connection(connection())), json.dumps([p.to_dict() for p in connector.validate_connection(bad)])]
    with pytest.raises(ConnectionConfigError) as caught:
        connector.connection(bad)
    texts += [str(caught.value), repr(caught.value)]
    _, result, _ = report(connector, connection(track_api_key="nope", app_api_key="nope2"))
    texts.append(json.dumps(result.to_dict()))
    for text in texts:
        assert SECRETS["track_api_key"] not in text and SECRETS["app_api_key"] not in text


def test_manual_segments_become_sorted_options_and_are_cached(connector):
    recorder = Recorder(fake_customerio())
    from cio_connector import CioClient

    conn = connector.connection(connection())
    with CioClient(conn, transport=recorder.transport()) as client:
        connector.options_cache.clear()
        first = connector.options("add_customer_to_segment", "segment", conn, client=client)
        second = connector.options("remove_customer_from_segment", "segment", conn, client=client)
    assert first == [{"value": 4, "label": "Alpha"}, {"value": 3, "label": "beta testers"}, {"value": 1, "label": "VIP"}]
    assert second == first
    assert len(recorder.requests) == 1
    assert recorder.requests[0].headers["authorization"] == f"Bearer {SECRETS['app_api_key']}"


def test_options_errors_follow_the_status_policy(connector):
    from cio_connector import AuthenticationError, CioClient, InputError

    conn = connector.connection(connection(app_api_key="wrong"))
    connector.options_cache.clear()
    with CioClient(conn, transport=Recorder(fake_customerio()).transport()) as client:
        with pytest.raises(AuthenticationError, match="App API key is wrong"):
            connector.options("add_customer_to_segment", "segment", conn, client=client)
    with pytest.raises(InputError, match="fields with options: segment"):
        connector.options("add_customer_to_segment", "matching_value", conn)


def test_concurrent_callers_share_one_options_load(connector):
    import threading

    from cio_connector import CioClient

    connector.options_cache.clear()
    gate = threading.Event()
    calls = []

    def respond(request):
        calls.append(request)
        gate.wait(2)
        return fake_customerio()(request)

    conn = connector.connection(connection())
    results = []

    def call():
        with CioClient(conn, transport=Recorder(respond).transport()) as client:
            results.append(connector.options("add_customer_to_segment", "segment", conn, client=client))

    threads = [threading.Thread(target=call) for _ in range(8)]
    for thread in threads:
        thread.start()
    gate.set()
    for thread in threads:
        thread.join(5)
    assert len(calls) == 1 and len(results) == 8 and all(r == results[0] for r in results)


def test_the_options_cache_is_bounded_and_expires():
    from cio_connector.client.options import OptionsCache

    now = [0.0]
    cache = OptionsCache(ttl=10, size=3, clock=lambda: now[0])
    for n in range(5):
        cache.put((n,), [{"value": n, "label": str(n)}])
    assert [cache.peek((n,)) is not None for n in range(5)] == [False, False, True, True, True]
    now[0] = 10.0
    assert cache.peek((4,)) is None


def test_a_403_app_key_reads_as_missing_permission(connector):
    def respond(request):
        if request.url.path == "/v1/segments":
            return httpx.Response(403, json={"errors": [{"detail": "forbidden"}]})
        return fake_customerio()(request)

    recorder = Recorder(respond)
    checks = {c.name: c.message for c in connector.check_connection(connection(), transport=recorder.transport()).checks}
    assert checks["app_api_key"] == "App API key was refused (403): it may lack permission to read segments"


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("/relative", "must be an absolute http(s) URL"),
        ("ftp://127.0.0.1/x", "must be an http(s) URL or a path starting with /"),
        ("http://user:pw@127.0.0.1:9/", "must not carry a user name or password"),
        ("http://127.0.0.1:9/?a=b", "must be a base URL without a query or fragment"),
        ("http://127.0.0.1:9/#x", "must be a base URL without a query or fragment"),
        ("http://evil.localhost:9/", "custom endpoints must be a loopback address"),
    ],
)
def test_malformed_endpoints_are_refused_even_when_custom_ones_are_allowed(connector, url, message):
    allow = "loopback" not in message
    problems = connector.validate_connection(connection(endpoints={"track": url, "app": "http://127.0.0.1:1"}),
                                             allow_custom_endpoints=allow)
    assert [(p.path, p.message[: len(message)]) for p in problems] == [("$.endpoints.track", message)]
    assert "pw" not in json.dumps([p.to_dict() for p in problems])

"""Auth comes first; then the region: US host + EU workspace redirects, EU host + US workspace fails."""

from __future__ import annotations

import base64

import httpx
import pytest

from cio_connector.sandbox import DEMO_CREDENTIALS, Credentials, SandboxServer

from .conftest import APP_HEADERS, HTTP, TRACK_AUTH

TRACK_401 = {"meta": {"error": "Unauthorized request. Make sure that you provided the right credentials."}}
APP_401 = {"errors": [{"detail": "Unauthorized", "status": "401"}]}


def basic(user: str, password: str, *, urlsafe: bool = False) -> dict[str, str]:
    encode = base64.urlsafe_b64encode if urlsafe else base64.b64encode
    return {"Authorization": "Basic " + encode(f"{user}:{password}".encode()).decode()}


SITE, KEY = TRACK_AUTH
VALID = basic(SITE, KEY)["Authorization"].removeprefix("Basic ")
assert VALID.endswith("==")  # the padding cases below need a padded token
TRACK_AUTH_CASES = [
    ("missing", {}, 401),
    ("wrong key", basic(SITE, "nope"), 401),
    ("wrong site id", basic("nope", KEY), 401),
    ("bearer instead of basic", {"Authorization": f"Bearer {KEY}"}, 401),
    ("app key as basic", basic(SITE, DEMO_CREDENTIALS.app_api_key), 401),
    ("garbage", {"Authorization": "Basic !!!"}, 401),
    # Strict decoding: anything but exactly one padded base64 token is 401.
    ("junk before valid base64", {"Authorization": f"Basic !!{VALID}"}, 401),
    ("junk after valid base64", {"Authorization": f"Basic {VALID}!!"}, 401),
    ("space inside the token", {"Authorization": f"Basic {VALID[:8]} {VALID[8:]}"}, 401),
    ("missing padding", {"Authorization": f"Basic {VALID.rstrip('=')}"}, 401),
    ("excess padding", {"Authorization": f"Basic {VALID}="}, 401),
    ("data after padding", {"Authorization": f"Basic {VALID}AAAA"}, 401),
    ("standard base64", basic(SITE, KEY), 200),
    ("URL-safe base64 (the Go client)", basic(SITE, KEY, urlsafe=True), 200),
]


@pytest.mark.parametrize(
    ("case", "headers", "status"), TRACK_AUTH_CASES, ids=[c[0] for c in TRACK_AUTH_CASES]
)
def test_track_auth(sandbox: SandboxServer, case: str, headers: dict[str, str], status: int) -> None:
    response = HTTP.put(f"{sandbox.url}/us/api/v1/customers/42", json={"plan": "pro"}, headers=headers)
    assert response.status_code == status
    assert response.json() == (TRACK_401 if status == 401 else {})


def test_both_base64_alphabets_are_accepted_when_they_differ() -> None:
    pair = b"site~~~:key??>"
    assert base64.b64encode(pair) != base64.urlsafe_b64encode(pair)  # "+" and "/" vs "-" and "_"
    with SandboxServer(credentials=Credentials("site~~~", "key??>", "app")) as server:
        for urlsafe in (False, True):
            response = HTTP.get(
                f"{server.url}/api/v1/accounts/region", headers=basic("site~~~", "key??>", urlsafe=urlsafe)
            )
            assert response.status_code == 200


APP_AUTH_CASES = [
    ("missing", {}, 401),
    ("wrong key", {"Authorization": "Bearer nope"}, 401),
    ("track credentials", basic(SITE, KEY), 401),
    ("lower-case scheme", {"Authorization": f"bearer {DEMO_CREDENTIALS.app_api_key}"}, 200),
    ("right key", APP_HEADERS, 200),
]


@pytest.mark.parametrize(("case", "headers", "status"), APP_AUTH_CASES, ids=[c[0] for c in APP_AUTH_CASES])
def test_app_auth(sandbox: SandboxServer, case: str, headers: dict[str, str], status: int) -> None:
    response = HTTP.get(f"{sandbox.url}/us/v1/segments", headers=headers)
    assert response.status_code == status
    if status == 401:
        assert response.json() == APP_401


def test_auth_is_checked_before_the_route_or_the_body(sandbox: SandboxServer) -> None:
    assert HTTP.put(f"{sandbox.url}/us/api/v1/customers/42", content=b"{not json").json() == TRACK_401
    assert HTTP.get(f"{sandbox.url}/us/api/v1/no/such/route").status_code == 401
    assert HTTP.get(f"{sandbox.url}/us/v1/no/such/route").json() == APP_401


def test_unknown_routes_with_valid_auth_are_404(track: httpx.Client, app: httpx.Client) -> None:
    assert track.get("/api/v1/nothing").status_code == 404
    assert app.get("/v1/nothing").status_code == 404


def test_endpoints_name_the_region_prefix(sandbox: SandboxServer) -> None:
    assert sandbox.endpoints("eu") == {"track": f"{sandbox.url}/eu", "app": f"{sandbox.url}/eu"}
    assert sandbox.endpoints() == sandbox.endpoints("us")
    with pytest.raises(ValueError, match="region"):
        sandbox.endpoints("ap")


@pytest.mark.parametrize("prefix", ["/us", "/eu", ""])
@pytest.mark.parametrize(
    ("region", "url"), [("us", "https://track.customer.io"), ("eu", "https://track-eu.customer.io")]
)
def test_accounts_region_works_on_either_prefix(
    sandbox: SandboxServer, eu_sandbox: SandboxServer, prefix: str, region: str, url: str
) -> None:
    server = sandbox if region == "us" else eu_sandbox
    response = HTTP.get(f"{server.url}{prefix}/api/v1/accounts/region", auth=TRACK_AUTH)
    assert response.status_code == 200
    assert response.json() == {
        "url": url,
        "region": region,
        "environment_id": server.workspace.environment_id,
    }


def test_accounts_region_needs_valid_credentials(sandbox: SandboxServer) -> None:
    response = HTTP.get(f"{sandbox.url}/eu/api/v1/accounts/region", auth=(SITE, "nope"))
    assert (response.status_code, response.json()) == (401, TRACK_401)


def test_app_call_for_an_eu_workspace_on_the_us_host_is_a_301(eu_sandbox: SandboxServer) -> None:
    response = HTTP.get(f"{eu_sandbox.url}/us/v1/segments?limit=5", headers=APP_HEADERS)
    assert response.status_code == 301
    assert response.json() == {"errors": [{"detail": "wrong datacenter", "status": "301"}]}
    assert response.headers["location"] == f"{eu_sandbox.url}/eu/v1/segments?limit=5"
    followed = HTTP.get(response.headers["location"], headers=APP_HEADERS)
    assert followed.status_code == 200


def test_track_call_for_an_eu_workspace_on_the_us_host_redirects(eu_sandbox: SandboxServer) -> None:
    response = HTTP.put(f"{eu_sandbox.url}/us/api/v1/customers/a%2Fb", json={"x": 1}, auth=TRACK_AUTH)
    assert response.status_code == 301
    assert response.headers["location"] == f"{eu_sandbox.url}/eu/api/v1/customers/a%2Fb"
    assert eu_sandbox.state.people() == []  # a redirect is not a write


def test_wrong_credentials_on_the_wrong_host_are_401_not_301(eu_sandbox: SandboxServer) -> None:
    response = HTTP.get(f"{eu_sandbox.url}/us/v1/segments", headers={"Authorization": "Bearer nope"})
    assert (response.status_code, response.json()) == (401, APP_401)


def test_us_workspace_on_the_eu_host_fails(sandbox: SandboxServer) -> None:
    app = HTTP.get(f"{sandbox.url}/eu/v1/segments", headers=APP_HEADERS)
    assert (app.status_code, app.json()) == (401, APP_401)
    track = HTTP.put(f"{sandbox.url}/eu/api/v1/customers/42", json={}, auth=TRACK_AUTH)
    assert (track.status_code, track.json()) == (401, TRACK_401)


def test_unprefixed_paths_use_the_workspace_region(eu_sandbox: SandboxServer) -> None:
    assert HTTP.put(f"{eu_sandbox.url}/api/v1/customers/42", json={}, auth=TRACK_AUTH).status_code == 200
    assert HTTP.get(f"{eu_sandbox.url}/v1/segments", headers=APP_HEADERS).status_code == 200
    assert HTTP.put(f"{eu_sandbox.url}/eu/api/v1/customers/43", json={}, auth=TRACK_AUTH).status_code == 200
    assert [p["id"] for p in eu_sandbox.state.people()] == ["42", "43"]


def test_paths_outside_both_apis_are_404(sandbox: SandboxServer) -> None:
    response = HTTP.get(f"{sandbox.url}/us/whatever")
    assert response.status_code == 404 and "Track paths" in response.json()["error"]

"""Each Track v2 action through every way in: execute, the host server, the JSON CLI, run, validate, forms."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable

import httpx
import pytest

from cio_connector.cli import main
from cio_connector.client.http import RetryPolicy
from cio_connector.forms.app import FormsSandbox
from cio_connector.host.server import create_app
from cio_connector.sandbox import SandboxServer
from cio_connector.sandbox.identity import Identifier

from .conftest import ACME_TYPE, ACTIONS, CONFIGS, EMAIL, connection_for, seed

Check = Callable[[SandboxServer], bool]


def ada(sandbox: SandboxServer) -> dict:
    return sandbox.state.find(EMAIL) or {}


#: What each action leaves in the workspace, run in CONFIGS' order against the seeded one.
AFTER: dict[str, Check] = {
    "identify_object": lambda s: s.state.object(ACME_TYPE, "acme")["attributes"] == {"name": "Acme", "seats": 50},
    "add_relationship": lambda s: (
        ada(s)["relationships"]
        == [{"identifiers": {"object_type_id": ACME_TYPE, "object_id": "acme"}, "relationship_attributes": {"role": "admin"}}]
    ),
    "add_device": lambda s: ada(s)["devices"][0]["attributes"] == {"app_version": "2.1", "push_enabled": "true"},
    "track_screen": lambda s: [(e["type"], e["name"]) for e in s.state.events(EMAIL)] == [("screen", "Dashboard")],
    "merge_customers": lambda s: ada(s)["id"] == "dup-7" and s.state.merges()[-1]["outcome"] == "merged",
    "delete_device": lambda s: ada(s)["devices"] == [],
    "remove_relationship": lambda s: ada(s)["relationships"] == [],
    "delete_object": lambda s: s.state.object(ACME_TYPE, "acme") is None,
    "suppress_customer": lambda s: s.state.find(EMAIL) is None and s.state.suppressed() != [],
    "unsuppress_customer": lambda s: s.state.suppressed() == [],
}


def play(sandbox: SandboxServer, run: Callable[[str, dict], object]) -> None:
    for action in CONFIGS:
        run(action, CONFIGS[action])
        assert AFTER[action](sandbox), (action, sandbox.snapshot())


def test_through_execute_in_either_region(connector, conn, client, sandbox):
    play(sandbox, lambda action, config: connector.execute(action, config, conn, client=client))
    paths = {r["path"] for r in sandbox.controls.requests()}
    assert paths == {f"/{sandbox.region}/api/v2/entity"}


def test_through_aexecute(connector, us_sandbox):
    async def go() -> None:
        connection = connection_for(us_sandbox)
        for action in CONFIGS:
            result = await connector.aexecute(action, CONFIGS[action], connection)
            assert result.status == 200 and AFTER[action](us_sandbox), action
        await connector.aclose()

    asyncio.run(go())


def test_object_types_are_live_options_everywhere_a_type_is_chosen(connector, conn, client, sandbox):
    connector.options_cache.clear()
    for action in ("identify_object", "delete_object", "add_relationship", "remove_relationship"):
        options = connector.options(action, "object_type_id", conn, client=client)
        assert options == [{"value": "1", "label": "Companies"}, {"value": "2", "label": "Workspaces"}]
    loads = [r for r in sandbox.controls.requests() if r["path"].endswith("/v1/object_types")]
    assert len(loads) == 1  # one cache entry per connection and source: the other three were hits


# -- host server (Cargo's contract), in-process ------------------------------------------------------


class AsgiClient:
    def __init__(self, app) -> None:
        self.app = app

    def post(self, url: str, body: dict) -> httpx.Response:
        async def call() -> httpx.Response:
            transport = httpx.ASGITransport(app=self.app, raise_app_exceptions=False)
            async with httpx.AsyncClient(transport=transport, base_url="http://host.test") as http:
                return await http.post(url, json=body)

        return asyncio.run(call())


def envelope(connection: dict, **body) -> dict:
    return {"connector": {"uuid": "c-1", "workspaceUuid": "w-1", "config": connection}, **body}


@pytest.fixture
def host(connector, us_sandbox) -> AsgiClient:
    return AsgiClient(create_app(connector, retry=RetryPolicy(max_retries=0), allowed_endpoints=[us_sandbox.url]))


def test_through_the_host_server(host, us_sandbox):
    connection = connection_for(us_sandbox)

    def run(action: str, config: dict) -> None:
        answer = host.post(f"/actions/{action}/execute", envelope(connection, config=config))
        assert answer.status_code == 200 and answer.json()["data"]["status"] == 200, answer.text

    play(us_sandbox, run)
    types = host.post("/autocomplete", envelope(connection, slug="object_types", params={})).json()
    assert types == {"results": [{"label": "Companies", "value": "1"}, {"label": "Workspaces", "value": "2"}]}


@pytest.mark.parametrize("action", ACTIONS)
def test_the_host_server_dry_runs_and_refuses_bad_configs_sending_nothing(host, us_sandbox, action):
    connection = connection_for(us_sandbox)
    dry = host.post(f"/actions/{action}/execute", envelope(connection, config=CONFIGS[action], isDryExecution=True))
    assert dry.status_code == 200 and dry.json()["data"]["request"]["url"].endswith("/us/api/v2/entity")
    bad = {**CONFIGS[action], "unknown": 1}
    refused = host.post(f"/actions/{action}/execute", envelope(connection, config=bad))
    assert refused.status_code == 400 and any(p["path"] == "$.config.unknown" for p in refused.json()["problems"])
    assert us_sandbox.controls.requests() == []


# -- the JSON CLI --------------------------------------------------------------------------------


def cli(capsys, *argv: str) -> tuple[int, dict]:
    code = main(list(argv))
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 1, lines
    return code, json.loads(lines[0])


def test_through_the_json_cli(capsys, tmp_path, us_sandbox):
    connection = tmp_path / "connection.json"
    connection.write_text(json.dumps(connection_for(us_sandbox)))

    def run(action: str, config: dict) -> None:
        path = tmp_path / f"{action}.json"
        path.write_text(json.dumps(config))
        code, doc = cli(capsys, "execute", action, "--config", str(path), "--connection", str(connection))
        assert (code, doc["outcome"], doc["result"]["status"]) == (0, "executed", 200), doc

    play(us_sandbox, run)
    code, doc = cli(capsys, "options", "add_relationship", "object_type_id", "--connection", str(connection))
    assert code == 0 and [o["value"] for o in doc["options"]] == ["1", "2"]
    (tmp_path / "bad.json").write_text(json.dumps({**CONFIGS["merge_customers"], "primary_field": "phone"}))
    code, doc = cli(capsys, "execute", "merge_customers", "--config", str(tmp_path / "bad.json"), "--connection", str(connection))
    assert (code, doc["outcome"]) == (1, "invalid") and doc["problems"][0]["path"] == "$.primary_field"


# -- run (bulk): every Track v2 action goes through /api/v2/batch --------------------------------------

#: Templated configs for ``run``, one record per person; a record file per action.
RUN = {
    "identify_object": (
        {"object_type_id": "1", "object_id": "{{ record.company }}", "mappings": {"seats": "{{ record.seats }}"}},
        [{"company": "acme", "seats": 5}, {"company": "globex", "seats": 9}],
    ),
    "add_relationship": (
        {
            "matching_field": "email",
            "matching_value": "{{ record.email }}",
            "object_type_id": "1",
            "object_id": "{{ record.company }}",
        },
        [{"email": EMAIL, "company": "acme"}],
    ),
    "add_device": (
        {
            "matching_field": "email",
            "matching_value": "{{ record.email }}",
            "device_token": "{{ record.token }}",
            "platform": "android",
        },
        [{"email": EMAIL, "token": "t-1"}],
    ),
    "track_screen": (
        {"customer_id": "{{ record.email }}", "screen_name": "{{ record.screen }}"},
        [{"email": EMAIL, "screen": "Home"}, {"email": EMAIL, "screen": "Settings"}],
    ),
    "delete_device": (
        {"matching_field": "email", "matching_value": "{{ record.email }}", "device_token": "t-1"},
        [{"email": EMAIL}],
    ),
    "remove_relationship": (
        {"matching_field": "email", "matching_value": "{{ record.email }}", "object_type_id": "1", "object_id": "acme"},
        [{"email": EMAIL}],
    ),
    "delete_object": ({"object_type_id": "1", "object_id": "{{ record.company }}"}, [{"company": "globex"}]),
    "merge_customers": (
        {
            "primary_field": "email",
            "primary_value": "{{ record.email }}",
            "secondary_field": "id",
            "secondary_value": "{{ record.dup }}",
        },
        [{"email": EMAIL, "dup": "dup-7"}],
    ),
    "suppress_customer": ({"matching_field": "id", "matching_value": "{{ record.id }}"}, [{"id": "spam-1"}]),
    "unsuppress_customer": ({"matching_field": "id", "matching_value": "{{ record.id }}"}, [{"id": "spam-1"}]),
}


def test_through_run_every_action_is_batched(tmp_path, us_sandbox):
    us_sandbox.state.identify(Identifier("id", "spam-1"), {})
    connection = tmp_path / "connection.json"
    connection.write_text(json.dumps(connection_for(us_sandbox)))
    for action, (config, records) in RUN.items():
        (tmp_path / "config.json").write_text(json.dumps(config))
        (tmp_path / "records.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records))
        argv = [
            "run",
            action,
            "--config",
            str(tmp_path / "config.json"),
            "--connection",
            str(connection),
            "--records",
            str(tmp_path / "records.jsonl"),
            "--quiet",
            "--summary-json",
            str(tmp_path / "s.json"),
        ]
        assert main(argv) == 0, action
        summary = json.loads((tmp_path / "s.json").read_text())
        assert (summary["delivered"], summary["failed"]) == (len(records), 0), (action, summary)
    assert {r["path"] for r in us_sandbox.controls.requests()} == {"/us/api/v2/batch"}
    assert [o["object_id"] for o in us_sandbox.state.objects()] == ["acme"]
    assert [e["name"] for e in us_sandbox.state.events(EMAIL)] == ["Home", "Settings"]
    assert ada(us_sandbox)["id"] == "dup-7" and [m["outcome"] for m in us_sandbox.state.merges()] == ["merged"]
    assert ada(us_sandbox)["devices"] == [] and ada(us_sandbox)["relationships"] == []
    assert us_sandbox.state.find("spam-1") is None and us_sandbox.state.suppressed() == []


# -- validate ---------------------------------------------------------------------------------------


def test_through_validate(capsys, tmp_path, us_sandbox):
    steps = [{"id": action, "action": action, "config": CONFIGS[action]} for action in ACTIONS]
    (tmp_path / "flow.json").write_text(json.dumps({"steps": steps}))
    assert main(["validate", str(tmp_path / "flow.json")]) == 0
    capsys.readouterr()
    broken = [
        {"id": "acct", "action": "identify_object", "config": {**CONFIGS["identify_object"], "object_type_id": "x"}},
        {"id": "dev", "action": "add_device", "config": {**CONFIGS["add_device"], "platfrom": "ios"}},
    ]
    (tmp_path / "broken.json").write_text(json.dumps({"steps": broken}))
    assert main(["validate", str(tmp_path / "broken.json")]) == 1
    out = capsys.readouterr().out
    assert "acct.object_type_id: must be an object type ID" in out and "dev.platfrom" in out


def test_validate_with_a_connection_checks_the_object_type_exists(capsys, tmp_path, us_sandbox):
    (tmp_path / "connection.json").write_text(json.dumps(connection_for(us_sandbox)))
    config = {"action": "add_relationship", "config": {**CONFIGS["add_relationship"], "object_type_id": "9"}}
    (tmp_path / "flow.json").write_text(json.dumps(config))
    assert main(["validate", str(tmp_path / "flow.json"), "--connection", str(tmp_path / "connection.json")]) == 1
    out = capsys.readouterr().out
    assert "no object_type_id '9' in the workspace" in out and "1 (Companies), 2 (Workspaces)" in out


# -- forms ------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def forms(connector):
    with FormsSandbox(connector) as running, httpx.Client(base_url=running.url) as client:
        yield client, running.sandbox
    connector.options_cache.clear()


@pytest.mark.parametrize("action", ACTIONS)
def test_through_the_form_page(forms, connector, action):
    client, sandbox = forms
    seed(sandbox)
    page = client.get(f"/forms?action={action}")
    assert page.status_code == 200
    for field in connector.actions[action].manifest.fields:
        assert f'id="in-{field.key}"' in page.text
    dry = client.post(f"/forms/run/{action}", json={"config": CONFIGS[action]}).json()["result"]
    assert dry["dry_run"] is True and sandbox.controls.requests() == []
    sent = client.post(f"/forms/run/{action}", json={"config": CONFIGS[action], "send": True}).json()["result"]
    assert sent["status"] == 200


def test_the_form_page_lists_object_types_live(forms):
    client, _ = forms
    page = client.get("/forms?action=identify_object")
    assert 'data-options-url="/forms/options/identify_object/object_type_id"' in page.text
    assert client.get("/forms/options/identify_object/object_type_id").json() == [
        {"value": "1", "label": "Companies"},
        {"value": "2", "label": "Workspaces"},
    ]

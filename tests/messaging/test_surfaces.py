"""The five actions of this family through every way in: execute, the JSON CLI, the host server,
``run``, ``validate --connection`` and the form page, each against the real sandbox."""

from __future__ import annotations

import json
import time

import httpx
import pytest

from cio_connector import CioClient, FatalApiError, InputError, RetryableApiError, load_connector
from cio_connector.bulk import deliver
from cio_connector.cli import main
from cio_connector.forms.app import FormsSandbox
from cio_connector.host.server import create_app
from cio_connector.sandbox import Faults, Identifier, SandboxServer

from ..host.conftest import AsgiClient

ADA = "ada@example.com"
CONFIGS = {
    "track_anonymous_event": {"anonymous_id": "anon-1", "name": "watched_video", "mappings": {"video": "intro"},
                              "event_id": "auto"},
    "report_delivery_metric": {"delivery_id": "RPILAgUBcRhIBqSfeiIwdIYJKxTY", "metric": "delivered"},
    "send_transactional_email": {"transactional_message_id": 2, "matching_field": "email", "matching_value": ADA,
                                 "message_data": {"order": "A-1"}},
    "send_transactional_sms": {"transactional_message_id": 3, "matching_field": "id", "matching_value": "42",
                               "to": "+15551234567"},
    "send_transactional_push": {"transactional_message_id": 4, "matching_field": "id", "matching_value": "42",
                                "title": "New sign-in"},
}
PATHS = {
    "track_anonymous_event": "/api/v1/events",
    "report_delivery_metric": "/api/v1/metrics",
    "send_transactional_email": "/v1/send/email",
    "send_transactional_sms": "/v1/send/sms",
    "send_transactional_push": "/v1/send/push",
}


@pytest.fixture(scope="module")
def servers():
    with SandboxServer(region="us") as us, SandboxServer(region="eu") as eu:
        yield {"us": us, "eu": eu}


@pytest.fixture(params=["us", "eu"])
def region(request) -> str:
    return request.param


@pytest.fixture
def sandbox(servers, region) -> SandboxServer:
    servers[region].reset()
    return servers[region]


def connection_for(server: SandboxServer, **overrides) -> dict:
    creds = server.credentials
    return {"region": server.region, "site_id": creds.site_id, "track_api_key": creds.track_api_key,
            "app_api_key": creds.app_api_key, "endpoints": server.endpoints(server.region), **overrides}


def sent(server: SandboxServer) -> list[tuple[str, str, int | None]]:
    return [(r["method"], r["path"], r["status"]) for r in server.controls.requests()]


def person(server: SandboxServer) -> str:
    server.state.identify(Identifier("id", "42"), {"email": ADA})
    return server.state.find("42")["cio_id"]


# -- execute ------------------------------------------------------------------------------------


@pytest.mark.parametrize("action", list(CONFIGS))
def test_each_action_executes_against_the_sandbox(connector, sandbox, region, action):
    cio_id = person(sandbox)
    conn = connector.connection(connection_for(sandbox))
    with CioClient(conn) as client:
        result = connector.execute(action, CONFIGS[action], conn, client=client)
    assert result.status == 200
    assert sent(sandbox) == [("POST", f"/{region}{PATHS[action]}", 200)]
    state = sandbox.state
    if action.startswith("send_"):
        (delivery,) = state.messaging.deliveries()
        assert result.response["delivery_id"] == delivery["delivery_id"] and delivery["person"] == cio_id
    elif action == "track_anonymous_event":
        assert [e["anonymous_id"] for e in state.anonymous.all()] == ["anon-1"]
    else:
        assert [m["metric"] for m in state.messaging.metrics()] == ["delivered"]


@pytest.mark.parametrize("field", ["id", "email", "cio_id"])
def test_a_send_names_the_person_by_each_matching_field(connector, sandbox, field):
    cio_id = person(sandbox)
    value = {"id": "42", "email": ADA, "cio_id": cio_id}[field]
    config = {**CONFIGS["send_transactional_email"], "matching_field": field, "matching_value": value, "to": ADA}
    conn = connector.connection(connection_for(sandbox))
    with CioClient(conn) as client:
        connector.execute("send_transactional_email", config, conn, client=client)
    assert sandbox.state.messaging.deliveries()[0]["person"] == cio_id


def test_a_metric_reported_for_a_send_lands_on_its_delivery(connector, sandbox):
    conn = connector.connection(connection_for(sandbox))
    with CioClient(conn) as client:
        delivery = connector.execute("send_transactional_sms", CONFIGS["send_transactional_sms"], conn, client=client)
        metric = {"delivery_id": delivery.response["delivery_id"], "metric": "clicked", "href": "https://example.com/a"}
        connector.execute("report_delivery_metric", metric, conn, client=client)
    assert sandbox.state.messaging.deliveries()[0]["metrics"][0]["href"] == "https://example.com/a"


def test_bad_input_never_reaches_the_sandbox(connector, sandbox):
    conn = connector.connection(connection_for(sandbox))
    bad = {
        "send_transactional_email": {**CONFIGS["send_transactional_email"], "matching_field": "id", "matching_value": "42"},
        "send_transactional_sms": {**CONFIGS["send_transactional_sms"], "to": "555-1234"},
        "send_transactional_push": {**CONFIGS["send_transactional_push"], "send_at": int(time.time()) + 100 * 86_400},
        "track_anonymous_event": {"name": "x", "event_id": "nope"},
        "report_delivery_metric": {"delivery_id": " ", "metric": "delivered"},
    }
    with CioClient(conn) as client:
        for action, config in bad.items():
            with pytest.raises(InputError) as caught:
                connector.execute(action, config, conn, client=client)
            assert all(p.path.startswith("$.") for p in caught.value.problems)
    assert sent(sandbox) == []


def test_an_unknown_template_is_refused_by_the_sandbox_at_the_field(connector, sandbox):
    conn = connector.connection(connection_for(sandbox))
    with pytest.raises(FatalApiError) as caught, CioClient(conn) as client:
        connector.execute("send_transactional_sms", {**CONFIGS["send_transactional_sms"], "transactional_message_id": 77},
                          conn, client=client)
    assert caught.value.status == 404 and caught.value.problems[0].path == "$.transactional_message_id"


def test_a_send_that_fails_on_the_way_is_sent_once(connector, sandbox):
    sandbox.controls.set_faults(Faults(error_rate=1, statuses=(500,)))
    conn = connector.connection(connection_for(sandbox))
    with pytest.raises(RetryableApiError), CioClient(conn) as client:
        connector.execute("send_transactional_push", CONFIGS["send_transactional_push"], conn, client=client)
    assert [status for _, _, status in sent(sandbox)] == [500]


def test_options_list_the_workspaces_transactional_messages(connector, sandbox):
    conn = connector.connection(connection_for(sandbox))
    options = connector.options("send_transactional_email", "transactional_message_id", conn)
    assert options == [
        {"value": 3, "label": "Login code"}, {"value": 4, "label": "New sign-in"},
        {"value": 2, "label": "Order receipt"}, {"value": 1, "label": "Password reset"},
    ]


def test_the_three_sends_share_one_cached_list(sandbox):
    fresh = load_connector()  # its own cache
    conn = fresh.connection(connection_for(sandbox))
    lists = [fresh.options(action, "transactional_message_id", conn) for action in PATHS if action.startswith("send_")]
    assert lists[0] == lists[1] == lists[2] and len(lists[0]) == 4
    assert [path for _, path, _ in sent(sandbox)] == [f"/{sandbox.region}/v1/transactional"]


# -- the JSON CLI -------------------------------------------------------------------------------


def write(tmp_path, name: str, data) -> str:
    path = tmp_path / name
    path.write_text(json.dumps(data))
    return str(path)


@pytest.mark.parametrize("action", list(CONFIGS))
def test_the_json_cli_executes_each_action(tmp_path, capsys, sandbox, action):
    person(sandbox)
    conn = write(tmp_path, "connection.json", connection_for(sandbox))
    code = main(["execute", action, "--config", write(tmp_path, "config.json", CONFIGS[action]), "--connection", conn])
    doc = json.loads(capsys.readouterr().out)
    assert (code, doc["outcome"], doc["result"]["status"]) == (0, "executed", 200)
    assert sandbox.credentials.app_api_key not in json.dumps(doc)


def test_the_json_cli_lists_the_transactional_options(tmp_path, capsys, sandbox):
    conn = write(tmp_path, "connection.json", connection_for(sandbox))
    assert main(["options", "send_transactional_push", "transactional_message_id", "--connection", conn]) == 0
    assert {"value": 4, "label": "New sign-in"} in json.loads(capsys.readouterr().out)["options"]


# -- the host server ----------------------------------------------------------------------------


def envelope(connection: dict, **body) -> dict:
    return {"connector": {"uuid": "c-1", "workspaceUuid": "w-1", "config": connection}, **body}


def test_the_host_server_executes_each_action_and_completes_templates(connector, sandbox):
    person(sandbox)
    connection = connection_for(sandbox)
    host = AsgiClient(create_app(connector, allowed_endpoints=[sandbox.url]))
    for action, config in CONFIGS.items():
        answer = host.post(f"/actions/{action}/execute", json=envelope(connection, config=config))
        assert answer.status_code == 200, answer.text
        assert answer.json()["outcome"] == "executed"
    listed = host.post("/autocomplete", json=envelope(connection, slug="transactional_messages", params={}))
    assert {"label": "Order receipt", "value": "2"} in listed.json()["results"]
    assert set(CONFIGS) <= set(host.get("/manifest").json()["actions"])
    assert len(sandbox.state.messaging.deliveries()) == 3


# -- run ------------------------------------------------------------------------------------------


def test_run_sends_each_record_alone_under_the_app_budget(connector, sandbox):
    people = [{"id": str(i), "phone": f"+1555000{i:04d}"} for i in range(5)]
    config = {"transactional_message_id": 3, "matching_field": "id", "matching_value": "{{ record.id }}",
              "to": "{{ record.phone }}"}
    summary = deliver(connector, "send_transactional_sms", config, connection_for(sandbox), people)
    assert (summary.delivered, summary.failed) == (5, 0)
    assert [path for _, path, _ in sent(sandbox)] == [f"/{sandbox.region}/v1/send/sms"] * 5
    assert sorted(d["to"] for d in sandbox.state.messaging.deliveries()) == sorted(p["phone"] for p in people)


def test_run_from_the_command_line_for_anonymous_events(tmp_path, capsys, sandbox):
    records = tmp_path / "events.jsonl"
    records.write_text("\n".join(json.dumps({"anon": f"a-{i}"}) for i in range(3)) + "\n")
    config = write(tmp_path, "config.json", {"anonymous_id": "{{ record.anon }}", "name": "visited", "event_id": "auto"})
    conn = write(tmp_path, "connection.json", connection_for(sandbox))
    assert main(["run", "track_anonymous_event", "--config", config, "--connection", conn, "--records", str(records),
                 "--quiet"]) == 0
    assert sorted(e["anonymous_id"] for e in sandbox.state.anonymous.all()) == ["a-0", "a-1", "a-2"]


# -- validate --connection ----------------------------------------------------------------------


@pytest.mark.parametrize(("message_id", "ok"), [(2, True), (99, False)])
def test_validate_checks_the_transactional_message_exists(tmp_path, capsys, sandbox, message_id, ok):
    path = tmp_path / "send.yaml"
    path.write_text("action: send_transactional_email\nconfig:\n  transactional_message_id: "
                    f"{message_id}\n  matching_field: email\n  matching_value: ada@example.com\n")
    conn = write(tmp_path, "connection.json", connection_for(sandbox))
    code = main(["validate", str(path), "--connection", conn])
    out = capsys.readouterr().out
    assert code == (0 if ok else 1), out
    if not ok:
        assert "transactional_message_id: no transactional_message_id 99 in the workspace" in out
        assert "2 (Order receipt)" in out


# -- the form page ------------------------------------------------------------------------------


def test_the_form_page_offers_the_templates_and_sends_on_request(connector):
    with FormsSandbox(connector) as running, httpx.Client(base_url=running.url) as client:
        page = client.get("/forms?action=send_transactional_email")
        assert 'data-options-url="/forms/options/send_transactional_email/transactional_message_id"' in page.text
        options = client.get("/forms/options/send_transactional_email/transactional_message_id").json()
        assert {"value": 1, "label": "Password reset"} in options
        body = {"config": {"transactional_message_id": 1, "matching_field": "id", "matching_value": "42"}}
        refused = client.post("/forms/run/send_transactional_email", json=body)
        assert refused.status_code == 422 and refused.json()["problems"][0]["field"] == "to"
        body["config"]["to"] = ADA
        dry = client.post("/forms/run/send_transactional_email", json=body).json()["result"]
        assert dry["dry_run"] is True and running.sandbox.state.messaging.deliveries() == []
        done = client.post("/forms/run/send_transactional_email", json={**body, "send": True}).json()["result"]
        assert done["status"] == 200 and len(running.sandbox.state.messaging.deliveries()) == 1
    connector.options_cache.clear()


def test_aexecute_sends_each_action_too(connector, sandbox):
    import asyncio

    person(sandbox)

    async def run_all() -> list[int | None]:
        statuses = []
        for action, config in CONFIGS.items():
            result = await connector.aexecute(action, config, connection_for(sandbox))
            statuses.append(result.status)
        await connector.aclose()
        return statuses

    assert asyncio.run(run_all()) == [200] * len(CONFIGS)
    assert len(sandbox.state.messaging.deliveries()) == 3 and len(sandbox.state.anonymous.all()) == 1


def test_validate_flags_a_send_at_beyond_90_days_at_its_line(tmp_path, capsys):
    path = tmp_path / "later.yaml"
    path.write_text("action: send_transactional_sms\nconfig:\n  transactional_message_id: 3\n  matching_field: id\n"
                    f"  matching_value: '42'\n  to: '+15551234567'\n  send_at: {int(time.time()) + 120 * 86_400}\n")
    assert main(["validate", str(path)]) == 1
    (line,) = [line for line in capsys.readouterr().out.splitlines() if "send_at" in line]
    assert line.startswith(f"{path}:7:") and "Customer.io schedules a send at most 90 days ahead" in line


def test_run_never_resends_a_send_that_may_have_landed(connector, sandbox):
    sandbox.controls.set_faults(Faults(error_rate=1, statuses=(500,)))
    config = {"transactional_message_id": 3, "matching_field": "id", "matching_value": "{{ record.id }}",
              "to": "+15551234567"}
    summary = deliver(connector, "send_transactional_sms", config, connection_for(sandbox), [{"id": "1"}, {"id": "2"}])
    assert (summary.delivered, summary.failed) == (0, 2)
    assert [status for _, _, status in sent(sandbox)] == [500, 500]  # one attempt each: a repeat is a second SMS

"""The JSON CLI protocol: one document on stdout, logs on stderr, and the documented exit codes.

0 done, 1 invalid input (nothing sent), 2 usage, 3 Customer.io refused or failed
"""

from __future__ import annotations

import dataclasses
import io
import json

import httpx
import pytest

from cio_connector import load_connector
from cio_connector.cli import main
from cio_connector.host import protocol

from .conftest import CONFIGS, EMAIL, connection_for, sent


@pytest.fixture
def files(tmp_path, sandbox):
    def write(name: str, value) -> str:
        path = tmp_path / f"{name}.json"
        path.write_text(value if isinstance(value, str) else json.dumps(value))
        return str(path)

    write.connection = write("connection", connection_for(sandbox))  # type: ignore[attr-defined]
    return write


def run(capsys, *argv: str, stdin: str | None = None, monkeypatch=None) -> tuple[int, dict, str]:
    if stdin is not None:
        monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    try:
        code = main(list(argv))
    except SystemExit as exit_:
        code = int(exit_.code or 0)
    out, err = capsys.readouterr()
    lines = out.splitlines()
    assert len(lines) == 1, f"exactly one JSON document on stdout, got: {out!r}"
    return code, json.loads(lines[0]), err


# -- check ---------------------------------------------------------------------------------------


def test_check_with_good_credentials_exits_0(capsys, files):
    code, doc, _ = run(capsys, "check", "--connection", files.connection)
    assert (code, doc["outcome"], doc["ok"]) == (0, "ok", True)
    assert {c["name"] for c in doc["checks"]} == {"site_id+track_api_key", "region", "app_api_key"}


@pytest.mark.parametrize("field", ["site_id", "track_api_key", "app_api_key"])
def test_check_with_a_refused_credential_exits_3_naming_it(capsys, files, sandbox, field):
    code, doc, _ = run(capsys, "check", "--connection", files("bad", connection_for(sandbox, **{field: "nope"})))
    failed = [c["name"] for c in doc["checks"] if not c["ok"]]
    assert (code, doc["outcome"]) == (3, "refused")
    assert failed == (["app_api_key"] if field == "app_api_key" else ["site_id+track_api_key"])


def test_check_with_the_wrong_region_exits_3_naming_the_right_one(capsys, files, eu_sandbox):
    code, doc, _ = run(capsys, "check", "--connection", files("wrong", connection_for(eu_sandbox, region="us")))
    assert code == 3
    assert any(c["name"] == "region" and "choose EU" in c["message"] for c in doc["checks"])


def test_check_with_a_malformed_connection_exits_1_and_sends_nothing(capsys, files, sandbox):
    code, doc, _ = run(capsys, "check", "--connection", files("bad", {"region": "us", "site_id": "x"}))
    assert (code, doc["outcome"]) == (1, "invalid")
    assert {(p["path"], p["source"]) for p in doc["problems"]} == {
        ("$.track_api_key", "connection"),
        ("$.app_api_key", "connection"),
    }
    assert sent(sandbox) == []


def test_check_without_a_connection_is_usage_exit_2(capsys):
    code, doc, err = run(capsys, "check")
    assert (code, doc["outcome"]) == (2, "usage") and "--connection" in doc["message"]
    assert "usage:" in err


# -- options -------------------------------------------------------------------------------------


def test_options_lists_manual_segments(capsys, files, sandbox):
    httpx.post(f"{sandbox.url}/_sandbox/segments", json={"segments": [{"name": "Newsletter", "id": 40}]}).raise_for_status()
    code, doc, _ = run(capsys, "options", "add_customer_to_segment", "segment", "--connection", files.connection)
    assert code == 0 and doc["outcome"] == "ok"
    assert [o["label"] for o in doc["options"]] == ["Beta testers", "Churn risk", "Newsletter", "VIP customers"]


def test_options_of_an_unknown_action_or_a_field_without_options_is_usage_exit_2(capsys, files, sandbox):
    code, doc, _ = run(capsys, "options", "unsubscribe", "segment", "--connection", files.connection)
    assert code == 2 and "known actions" in doc["message"]
    code, doc, _ = run(capsys, "options", "add_customer_to_segment", "matching_value", "--connection", files.connection)
    assert code == 2 and "fields with options: segment" in doc["message"]
    assert sent(sandbox) == []


def test_options_with_a_bad_connection_exits_1_and_with_a_refused_key_exits_3(capsys, files, sandbox, eu_sandbox):
    code, _, _ = run(capsys, "options", "add_customer_to_segment", "segment", "--connection", files("bad", {"region": "us"}))
    assert code == 1
    refused = files("refused", connection_for(sandbox, app_api_key="nope"))
    code, doc, _ = run(capsys, "options", "add_customer_to_segment", "segment", "--connection", refused)
    assert (code, doc["outcome"], doc["status"]) == (3, "refused", 401)
    wrong = files("wrong", connection_for(eu_sandbox, region="us"))
    code, doc, _ = run(capsys, "options", "add_customer_to_segment", "segment", "--connection", wrong)
    assert code == 3 and "EU" in doc["message"]


# -- execute -------------------------------------------------------------------------------------


@pytest.mark.parametrize("action", list(CONFIGS))
def test_execute_dry_run_prints_the_masked_request_and_sends_nothing(capsys, files, sandbox, action):
    # Cargo's autocomplete gives ids as strings; the JSON CLI takes the config as typed
    config = {key: int(value) if key in ("segment", "transactional_message_id") else value
              for key, value in CONFIGS[action].items()}
    code, doc, _ = run(
        capsys, "execute", action, "--config", files("config", config), "--connection", files.connection, "--dry-run"
    )
    assert (code, doc["outcome"]) == (0, "dry_run")
    assert doc["result"]["request"]["headers"]["authorization"].endswith("********")
    assert sandbox.credentials.track_api_key not in json.dumps(doc)
    assert sent(sandbox) == []


def test_execute_renders_the_record_and_sends(capsys, files, sandbox):
    config = {"matching_field": "email", "matching_value": "{{ record.email }}", "mappings": {"plan": "{{ record.plan }}"}}
    record = files("record", {"email": EMAIL, "plan": "pro"})
    code, doc, _ = run(
        capsys,
        "execute",
        "upsert_customer",
        "--config",
        files("config", config),
        "--connection",
        files.connection,
        "--record",
        record,
    )
    assert (code, doc["outcome"], doc["result"]["status"]) == (0, "executed", 200)
    assert sandbox.state.find(EMAIL)["attributes"]["plan"] == "pro"


def test_execute_reads_one_input_from_stdin(capsys, files, sandbox, monkeypatch):
    argv = ("execute", "upsert_customer", "--config", "-", "--connection", files.connection)
    code, doc, _ = run(capsys, *argv, stdin=json.dumps(CONFIGS["upsert_customer"]), monkeypatch=monkeypatch)
    assert code == 0 and doc["result"]["status"] == 200
    code, doc, _ = run(
        capsys, "execute", "upsert_customer", "--config", "-", "--connection", "-", stdin="{}", monkeypatch=monkeypatch
    )
    assert code == 2 and "cannot both read stdin" in doc["message"]


def test_execute_with_invalid_config_and_connection_exits_1_listing_every_problem(capsys, files, sandbox):
    config = files("config", {"matching_field": "email", "matching_value": "nope", "segment": 0})
    connection = files("conn", {**connection_for(sandbox), "region": "mars"})
    code, doc, _ = run(capsys, "execute", "add_customer_to_segment", "--config", config, "--connection", connection)
    assert (code, doc["outcome"]) == (1, "invalid")
    assert {(p["source"], p["path"]) for p in doc["problems"]} == {
        ("config", "$.matching_value"),
        ("config", "$.segment"),
        ("connection", "$.region"),
    }
    assert sent(sandbox) == []


def test_execute_with_a_malformed_input_exits_1(capsys, files):
    code, doc, _ = run(capsys, "execute", "upsert_customer", "--config", files("config", "{not json"),
                       "--connection", files.connection)
    problem = doc["problems"][0]
    assert code == 1 and "config.json not JSON: Expecting property name" in problem["message"] and problem["source"] == "config"


def test_a_missing_input_file_is_exit_2_as_in_every_command(capsys, files, tmp_path):
    missing = str(tmp_path / "missing.json")
    code, doc, _ = run(capsys, "execute", "upsert_customer", "--config", missing, "--connection", files.connection)
    assert code == 2 and doc["message"] == f"--config {missing}: cannot read: No such file or directory"
    assert doc["problems"][0]["source"] == "config"


def test_execute_check_and_options_read_yaml_as_run_and_validate_do(capsys, files, tmp_path, sandbox):
    connection = tmp_path / "connection.yaml"
    connection.write_text("".join(f"{key}: {json.dumps(value)}\n" for key, value in connection_for(sandbox).items()))
    config = tmp_path / "config.yaml"
    config.write_text(f"matching_field: email\nmatching_value: {EMAIL}\n")
    code, doc, _ = run(capsys, "execute", "delete_customer", "--config", str(config), "--connection", str(connection),
                       "--dry-run")
    assert code == 0 and doc["outcome"] == "dry_run"
    assert run(capsys, "check", "--connection", str(connection))[0] == 0
    assert run(capsys, "options", "add_customer_to_segment", "segment", "--connection", str(connection))[0] == 0


def test_execute_usage_errors_exit_2(capsys, files):
    code, doc, _ = run(capsys, "execute", "upsert_customer", "--connection", files.connection)
    assert code == 2 and "--config" in doc["message"]
    code, doc, _ = run(capsys, "execute", "unsubscribe", "--config", files("c", {}), "--connection", files.connection)
    assert code == 2 and "known actions" in doc["message"]


def test_execute_refused_by_customerio_exits_3_saying_what_it_said(capsys, files, sandbox, eu_sandbox):
    dynamic = files("config", {"matching_field": "email", "matching_value": EMAIL, "segment": 4})
    code, doc, _ = run(capsys, "execute", "add_customer_to_segment", "--config", dynamic, "--connection", files.connection)
    assert (code, doc["outcome"], doc["retryable"], doc["status"]) == (3, "refused", False, 400)
    assert "segment 4 is data-driven" in doc["message"]
    bad_key = files("bad", connection_for(sandbox, track_api_key="trk-SECRET-0c1d"))
    code, doc, err = run(
        capsys, "execute", "upsert_customer", "--config", files("c", CONFIGS["upsert_customer"]), "--connection", bad_key
    )
    assert "trk-SECRET-0c1d" not in json.dumps(doc) + err
    assert (code, doc["status"]) == (3, 401)
    wrong = files("wrong", connection_for(eu_sandbox, region="us"))
    code, doc, _ = run(
        capsys, "execute", "upsert_customer", "--config", files("c", CONFIGS["upsert_customer"]), "--connection", wrong
    )
    assert code == 3 and "EU" in doc["message"]


# -- spec ----------------------------------------------------------------------------------------


def test_spec_is_one_document_with_everything_a_host_needs(capsys, connector):
    code, doc, _ = run(capsys, "spec")
    assert code == 0
    assert doc["connector"]["id"] == "customerio" and doc["connector"]["entry_point"] == {
        "group": "connectors",
        "name": "customerio",
    }
    assert doc["connection"]["schema"] == connector.connection_schema
    assert set(doc["actions"]) == set(connector.actions)
    segment = doc["actions"]["add_customer_to_segment"]
    assert segment["schema"] == connector.actions["add_customer_to_segment"].schema
    assert set(segment["ui"]) == {"cargo", "rjsf", "jsonforms"}
    assert all(set(form) == {"jsonSchema", "uiSchema"} for form in segment["ui"].values())
    assert segment["ui"]["rjsf"]["uiSchema"]["ui:order"][0] == "matching_field"
    assert segment["options"] == [
        {
            "field": "segment",
            "source": "segments",
            "filter": {"type": "manual"},
            "command": ["cio-connector", "options", "add_customer_to_segment", "segment", "--connection", "FILE"],
        },
    ]
    assert doc["actions"]["upsert_customer"]["options"] == []
    assert doc["protocol"]["exit_codes"] == {
        "0": "done",
        "1": "invalid input: every problem listed, nothing sent",
        "2": "usage: unknown command, action, field or option",
        "3": "Customer.io refused or failed",
    }


@pytest.mark.parametrize("with_record", [True, False])
def test_execute_builds_one_request_on_the_happy_path(files, sandbox, with_record):
    connector = load_connector()
    upsert = connector.actions["upsert_customer"]
    built = []

    def counting(inputs):
        built.append(upsert.handler(inputs))
        return built[-1]

    counted = dataclasses.replace(upsert, handler=counting, compile_handler=None)  # every build through the handler
    connector.actions = {**connector.actions, "upsert_customer": counted}
    config = {"matching_field": "email", "matching_value": "{{ record.email }}"} if with_record else CONFIGS["upsert_customer"]
    record = files("record", {"email": EMAIL}) if with_record else None
    outcome = protocol.execute(
        "upsert_customer", files("config", config), files.connection, record_file=record, connector=connector
    )
    assert (outcome.code, outcome.document["outcome"]) == (0, "executed")
    assert len(built) == 1 and len(sent(sandbox)) == 1


def test_execute_with_a_bad_record_and_a_bad_connection_lists_both(capsys, files, sandbox):
    config = files("config", {"matching_field": "email", "matching_value": "{{ record.email }}"})
    record = files("record", {"email": "not-an-email"})
    connection = files("conn", {**connection_for(sandbox), "site_id": ""})
    code, doc, _ = run(
        capsys, "execute", "upsert_customer", "--config", config, "--connection", connection, "--record", record
    )
    assert (code, doc["outcome"]) == (1, "invalid")
    assert doc["message"] == "invalid input for action 'upsert_customer', nothing was sent"
    assert {(p["source"], p["path"]) for p in doc["problems"]} == {("config", "$.matching_value"), ("connection", "$.site_id")}
    assert sent(sandbox) == []


def test_execute_with_only_a_bad_connection_exits_1_with_its_source(capsys, files, sandbox):
    connection = files("conn", {**connection_for(sandbox), "region": "mars"})
    code, doc, _ = run(
        capsys, "execute", "upsert_customer", "--config", files("c", CONFIGS["upsert_customer"]), "--connection", connection
    )
    assert (code, doc["outcome"], doc["message"]) == (1, "invalid", "invalid connection, nothing was sent")
    assert [(p["source"], p["path"]) for p in doc["problems"]] == [("connection", "$.region")]
    assert sent(sandbox) == []

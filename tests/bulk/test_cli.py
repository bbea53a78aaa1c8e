"""``cio-connector run``: files in, summary and dead letter out, the dead letter back in; Ctrl-C settles; --dry-run."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import pytest

from cio_connector.bulk import BulkOptions, BulkRun
from cio_connector.cli import main

from .conftest import connection_for

UPSERT = {"matching_field": "email", "matching_value": "{{ record.email }}", "mappings": {"plan": "{{ record.plan }}"}}


@pytest.fixture
def files(tmp_path, sandbox):
    (tmp_path / "config.yaml").write_text(json.dumps(UPSERT))
    (tmp_path / "connection.json").write_text(json.dumps(connection_for(sandbox)))
    return tmp_path


def args(files, records, *extra):
    return ["run", "upsert_customer", "--config", str(files / "config.yaml"), "--connection", str(files / "connection.json"),
            "--records", str(records), "--quiet", *extra]


def test_run_delivers_a_csv_and_dead_letters_what_failed(files, sandbox, capsys):
    records = files / "people.csv"
    records.write_text("email,plan\na@example.com,pro\nnot-an-email,free\nb@example.com,team\n")
    code = main(args(files, records, "--summary-json", str(files / "s.json"), "--dead-letter", str(files / "dead.jsonl")))
    summary = json.loads((files / "s.json").read_text())
    dead = [json.loads(line) for line in (files / "dead.jsonl").read_text().splitlines()]
    assert code == 1
    assert (summary["read"], summary["delivered"], summary["failed"]) == (3, 2, 1)
    assert dead[0]["record"] == {"email": "not-an-email", "plan": "free"} and dead[0]["error"] == "InputError"
    assert dead[0]["problems"][0]["path"] == "$.matching_value" and dead[0]["attempts"] == 0
    assert sandbox.state.find("b@example.com")["attributes"]["plan"] == "team"

    # Fix the record in the dead letter and feed the file back.
    dead[0]["record"]["email"] = "c@example.com"
    (files / "dead.jsonl").write_text(json.dumps(dead[0]) + "\n")
    assert main(args(files, files / "dead.jsonl", "--summary-json", str(files / "s2.json"))) == 0
    assert json.loads((files / "s2.json").read_text())["delivered"] == 1
    assert sandbox.state.find("c@example.com")["attributes"]["plan"] == "free"


def test_dry_run_writes_masked_requests_and_sends_nothing(files, sandbox, capsys):
    records = files / "people.jsonl"
    records.write_text('{"email": "a@example.com", "plan": "pro"}\n')
    assert main(args(files, records, "--dry-run")) == 0
    described = json.loads(capsys.readouterr().out)
    assert described["url"].endswith("/api/v2/batch") and described["headers"]["Authorization"] == "Basic ***"
    assert sandbox.state.people() == []


def test_a_bad_config_file_is_reported_with_every_problem(files, capsys):
    (files / "config.yaml").write_text("matching_field: phone\n")
    records = files / "people.jsonl"
    records.write_text("")
    assert main(args(files, records)) == 2
    err = capsys.readouterr().err
    assert "$.matching_field" in err and "$.matching_value" in err


def test_an_interrupt_flushes_what_was_read_and_settles_every_record(connector, sandbox):
    seen = []

    def on_progress(summary):
        seen.append(summary.read)
        if summary.read >= 300:
            run.interrupt()

    run = BulkRun(connector, "upsert_customer", UPSERT, connection_for(sandbox), options=BulkOptions(linger=60),
                  on_progress=on_progress)
    records = ({"email": f"p{i}@example.com", "plan": "pro"} for i in range(10_000))
    import asyncio

    summary = asyncio.run(run.run(records))
    assert summary.interrupted and 300 <= summary.read < 10_000
    assert summary.delivered == summary.read == len(sandbox.state.people())  # held in an open batch, flushed on stop


@pytest.mark.slow
def test_ctrl_c_stops_the_command_with_a_summary(files, sandbox):
    extra = ("--summary-json", str(files / "s.json"), "--linger", "0.05")
    command = [sys.executable, "-m", "cio_connector.cli", *args(files, "-", *extra)]
    child = subprocess.Popen(command, stdin=subprocess.PIPE, stderr=subprocess.PIPE, env={**os.environ, "PYTHONUNBUFFERED": "1"})
    assert child.stdin is not None
    for i in range(50):
        child.stdin.write(json.dumps({"email": f"p{i}@example.com", "plan": "pro"}).encode() + b"\n")
    child.stdin.flush()  # stdin stays open: the command is waiting for more when Ctrl-C comes
    deadline = time.monotonic() + 30
    while len(sandbox.state.people()) < 50 and time.monotonic() < deadline:
        time.sleep(0.05)
    child.send_signal(signal.SIGINT)
    assert child.wait(30) == 130, child.stderr.read() if child.stderr else ""
    summary = json.loads((files / "s.json").read_text())
    assert (summary["read"], summary["delivered"], summary["failed"], summary["interrupted"]) == (50, 50, 0, True)


def test_a_broken_records_file_stops_the_run_after_settling_what_was_read(files, sandbox, capsys):
    records = files / "people.jsonl"
    records.write_text('{"email": "a@example.com", "plan": "pro"}\n{"email": "b@example.com", "plan": "pro"}\n{oops\n')
    assert main(args(files, records, "--summary-json", str(files / "s.json"))) == 2
    summary = json.loads((files / "s.json").read_text())
    assert (summary["read"], summary["delivered"], summary["failed"]) == (2, 2, 0)
    assert "people.jsonl:3: not JSON" in summary["aborted"]
    assert len(sandbox.state.people()) == 2


def test_a_bad_config_and_a_bad_connection_are_reported_together_before_anything_is_sent(files, sandbox, capsys):
    (files / "config.yaml").write_text("matching_field: phone\n")
    connection = {**connection_for(sandbox), "region": "mars"}
    (files / "connection.json").write_text(json.dumps(connection))
    records = files / "people.jsonl"
    records.write_text('{"email": "a@example.com", "plan": "pro"}\n')
    assert main(args(files, records, "--summary-json", str(files / "s.json"))) == 2
    err = capsys.readouterr().err
    assert "invalid input for upsert_customer, nothing was sent" in err
    for line in ("config: $.matching_field", "config: $.matching_value", "connection: $.region"):
        assert f"  - {line}: " in err, err
    assert connection["track_api_key"] not in err
    assert not (files / "s.json").exists()  # the run never started
    assert sandbox.controls.requests() == []


def test_a_bad_connection_alone_stops_the_run_before_the_records_are_read(files, sandbox, capsys):
    (files / "connection.json").write_text(json.dumps({**connection_for(sandbox), "site_id": ""}))
    assert main(args(files, files / "no-such-records.jsonl")) == 2  # checked before the records file is opened
    err = capsys.readouterr().err
    assert "connection: $.site_id: " in err and "no-such-records" not in err
    assert sandbox.controls.requests() == []


@pytest.mark.parametrize(("content", "says"), [(None, "not a regular file"), ("a: [1", "not YAML or JSON"),
                                               ("a: 1\na: 2\n", "duplicate key")])
def test_config_and_connection_files_are_read_safely(files, capsys, content, says):
    config = files / "config.yaml"
    if content is None:
        config.unlink()
        config.mkdir()  # a directory where the file should be
    else:
        config.write_text(content)
    assert main(args(files, files / "people.jsonl")) == 2
    assert says in capsys.readouterr().err

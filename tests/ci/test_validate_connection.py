"""`validate --connection`: a chosen segment must be one of the workspace's manual segments (sandbox)."""

from __future__ import annotations

import json

import pytest

from cio_connector.cli import main
from cio_connector.sandbox import SandboxServer


@pytest.fixture(scope="module")
def connection_file(tmp_path_factory):
    with SandboxServer(region="us") as sandbox:
        creds = sandbox.credentials
        connection = {
            "region": "us",
            "site_id": creds.site_id,
            "track_api_key": creds.track_api_key,
            "app_api_key": creds.app_api_key,
            "endpoints": sandbox.endpoints("us"),
        }
        path = tmp_path_factory.mktemp("conn") / "connection.json"
        path.write_text(json.dumps(connection))
        yield path


def config(tmp_path, segment) -> str:
    path = tmp_path / "segment.yaml"
    path.write_text(
        f"action: add_customer_to_segment\nconfig:\n  matching_field: id\n  matching_value: '42'\n  segment: {segment}\n"
    )
    return str(path)


def test_a_manual_segment_passes(tmp_path, capsys, connection_file):
    assert main(["validate", config(tmp_path, 1), "--connection", str(connection_file)]) == 0


@pytest.mark.parametrize("segment", [4, 99])  # the sandbox's segment 4 is dynamic; 99 does not exist
def test_a_dynamic_or_missing_segment_is_a_problem_at_the_value(tmp_path, capsys, connection_file, segment):
    path = config(tmp_path, segment)
    code = main(["validate", path, "--connection", str(connection_file)])
    lines = capsys.readouterr().out.splitlines()
    assert code == 1
    assert lines[0] == (
        f"{path}:5:12: add_customer_to_segment.segment: no manual segment {segment} in the workspace "
        "(it does not exist or is not manual); manual segments: 2 (Beta testers), 3 (Churn risk), 1 (VIP customers)"
    )


def test_a_templated_segment_is_not_looked_up(tmp_path, capsys, connection_file):
    assert main(["validate", config(tmp_path, "'{{ record.segment }}'"), "--connection", str(connection_file)]) == 0


def test_credentials_never_appear_in_the_output(tmp_path, capsys, connection_file):
    secrets = json.loads(connection_file.read_text())
    main(["validate", config(tmp_path, 99), "--connection", str(connection_file), "--format", "json"])
    out = capsys.readouterr().out
    assert secrets["app_api_key"] not in out and secrets["track_api_key"] not in out


def test_a_malformed_connection_is_listed_with_the_config_problems_and_nothing_is_looked_up(tmp_path, capsys):
    connection = tmp_path / "connection.yaml"
    connection.write_text(
        "region: mars\nsite_id: site-1\ntrack_api_key: trk-SECRET-77\napp_api_key: app key with spaces\n"
        "endpoints: {track: 'http://127.0.0.1:9/us', app: 'http://127.0.0.1:9/us'}\n"
    )
    bad = tmp_path / "bad.yaml"
    bad.write_text("action: add_customer_to_segment\nconfig:\n  matching_field: email\n  matching_value: nope\n  segment: 1\n")
    good = config(tmp_path, 1)  # would be looked up with a sound connection (port 9 answers nothing)
    code = main(["validate", good, str(bad), "--connection", str(connection)])
    lines = capsys.readouterr().out.splitlines()
    assert code == 1  # problems, not the usage error a failed lookup would give
    assert lines[0] == f"{connection}:1:9: region: 'mars' is not one of: us (US), eu (EU)"
    assert lines[1].startswith(f"{connection}:4:14: app_api_key: ")
    assert any(line.startswith(f"{bad}:4:19: add_customer_to_segment.matching_value: ") for line in lines)
    assert not any(line.startswith(good) for line in lines)
    assert "app key with spaces" not in "\n".join(lines) and "trk-SECRET-77" not in "\n".join(lines)


def test_connection_problems_in_json_carry_their_file_path_and_code(tmp_path, capsys):
    connection = tmp_path / "connection.json"
    connection.write_text('{\n  "region": "us"\n}\n')
    main(["validate", config(tmp_path, 1), "--connection", str(connection), "--format", "json"])
    report = json.loads(capsys.readouterr().out)
    assert report["valid"] is False
    checked = {entry["file"]: entry for entry in report["files"]}
    assert checked[str(connection)]["problems"] and all(not e["problems"] for f, e in checked.items() if f != str(connection))
    found = {(p["where"], p["code"], p["line"]) for p in checked[str(connection)]["problems"]}
    assert found == {(key, "required", 1) for key in ("site_id", "track_api_key", "app_api_key")}


@pytest.mark.parametrize(("content", "says"), [(None, "not a regular file"), ("region: [us", "cannot read")])
def test_an_unreadable_connection_file_is_a_usage_error(tmp_path, capsys, content, says):
    connection = tmp_path / "connection.yaml"
    if content is None:
        connection.mkdir()
    else:
        connection.write_text(content)
    assert main(["validate", config(tmp_path, 1), "--connection", str(connection)]) == 2
    assert says in capsys.readouterr().err

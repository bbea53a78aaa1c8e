"""`validate --connection`: a chosen segment must be one of the workspace's manual segments (sandbox)."""

from __future__ import annotations

import json

import pytest

from cio_connector.cli import main
from cio_connector.sandbox import SandboxServer

from ..conftest import connection_for


@pytest.fixture
def connection_file(tmp_path_factory, sandbox: SandboxServer):
    """A connection file reaching the shared US sandbox, reset to its seeded segments."""
    path = tmp_path_factory.mktemp("conn") / "connection.json"
    path.write_text(json.dumps(connection_for(sandbox)))
    return path


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

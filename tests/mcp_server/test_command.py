"""``cio-connector mcp``'s arguments, where its connection comes from, and the missing-extra hint."""

from __future__ import annotations

import json
import os
import sys

import pytest

from cio_connector.cli import main
from cio_connector.errors import CioConnectorError
from cio_connector.mcp import connection_from_environment, connection_from_file
from cio_connector.mcp.command import MCP_HINT

CONNECTION = {"region": "eu", "site_id": "site", "track_api_key": "track-secret", "app_api_key": "app-secret"}


def test_a_json_file(tmp_path):
    path = tmp_path / "connection.json"
    path.write_text(json.dumps(CONNECTION))
    found = connection_from_file(path)
    assert dict(found.data) == CONNECTION
    assert found.where("track_api_key") == f"--connection {path}"
    assert "secret" not in repr(found)


def test_a_yaml_file(tmp_path):
    path = tmp_path / "connection.yaml"
    path.write_text("".join(f"{key}: {value}\n" for key, value in CONNECTION.items()))
    assert dict(connection_from_file(path).data) == CONNECTION


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        ("c.yaml", "region: us\nregion: eu\n", r"c\.yaml:2:1: not valid YAML: duplicate key 'region'"),
        ("c.yaml", "base: &b {region: us}\nother: *b\n", r"c\.yaml:1:7: not valid YAML: anchors"),
        ("c.yaml", "- region\n", r"c\.yaml: must hold a mapping of connection fields"),
        ("c.json", '{"region": "us",}', r"c\.json:1:17: not JSON: Expecting property name"),
        ("c.json", "[1]", r"c\.json: must hold a mapping"),
    ],
)
def test_a_bad_file_is_one_line_naming_the_file_and_the_place(tmp_path, name, text, message):
    path = tmp_path / name
    path.write_text(text)
    with pytest.raises(CioConnectorError, match=message):
        connection_from_file(path)


def test_only_a_regular_file_of_bounded_size_is_read(tmp_path):
    with pytest.raises(CioConnectorError, match="not a regular file"):
        connection_from_file(tmp_path)
    with pytest.raises(CioConnectorError, match="cannot read it: No such file or directory"):
        connection_from_file(tmp_path / "missing.yaml")
    big = tmp_path / "big.yaml"
    big.write_bytes(b"#" * 1_000_001)
    with pytest.raises(CioConnectorError, match="over 1,000,000 bytes"):
        connection_from_file(big)
    if os.path.exists("/dev/zero"):
        with pytest.raises(CioConnectorError, match="not a regular file"):
            connection_from_file("/dev/zero")


def test_a_secret_in_a_bad_file_is_not_echoed(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text("track_api_key: s3cr3t-value\n\tapp_api_key: x\n")
    with pytest.raises(CioConnectorError) as caught:
        connection_from_file(path)
    assert "s3cr3t" not in str(caught.value)


def test_the_environment():
    found = connection_from_environment(
        {"CIO_REGION": "us", "CIO_SITE_ID": "s", "CIO_TRACK_API_KEY": "t", "CIO_APP_API_KEY": "", "HOME": "/"}
    )
    assert dict(found.data) == {"region": "us", "site_id": "s", "track_api_key": "t"}  # empty is unset
    assert found.where("app_api_key") == "CIO_APP_API_KEY"
    assert found.where("endpoints") == "the environment"


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["mcp", "--token", "t"], "--host, --port and --token go with --http"),
        (["mcp", "--port", "9000"], "--host, --port and --token go with --http"),
        (["mcp", "--connection", "does-not-exist.yaml"], "--connection does-not-exist.yaml: cannot read it"),
        (["mcp", "--http", "--host", "0.0.0.0", "--port", "0"], "0.0.0.0 is reachable from other machines: set a token"),
    ],
)
def test_usage_errors_exit_2_with_one_line(capsys, monkeypatch, argv, message):
    monkeypatch.delenv("CIO_MCP_TOKEN", raising=False)
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert message in err
    assert len(err.splitlines()) == 1  # refused before anything starts or warns


def test_connection_and_sandbox_exclude_each_other(capsys):
    with pytest.raises(SystemExit) as stopped:
        main(["mcp", "--connection", "c.yaml", "--sandbox"])
    assert stopped.value.code == 2
    assert "not allowed with argument" in capsys.readouterr().err


def test_without_the_extra_one_line_says_what_to_install(monkeypatch, capsys):
    sdk_users = ("mcp.", "cio_connector.mcp.transports", "cio_connector.mcp.server")
    for name in [n for n in sys.modules if n == "mcp" or n.startswith(sdk_users)]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "mcp", None)  # import mcp -> ModuleNotFoundError(name="mcp")
    assert main(["mcp"]) == 2
    assert capsys.readouterr().err.strip() == f"error: {MCP_HINT}"
    assert MCP_HINT == "cio-connector mcp needs the [mcp] extra: pip install 'cio-connector[mcp]'"


def test_building_the_command_line_loads_neither_the_connector_nor_the_sdk():
    import subprocess

    probe = ("import sys; from cio_connector.cli import _parser; _parser(); "
             "print(sorted({'cio_connector.runtime', 'mcp'} & set(sys.modules)))")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"  # --help stays fast

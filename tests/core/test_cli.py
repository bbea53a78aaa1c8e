"""The command line: thin, and every failure a one-line error with exit code 2, never a traceback."""

from __future__ import annotations

import pytest

from cio_connector.cli import main


def test_actions_lists_the_six_actions(capsys):
    assert main(["actions"]) == 0
    out = capsys.readouterr().out
    for name in ("upsert_customer", "delete_customer", "add_customer_to_segment", "remove_customer_from_segment", "track_event", "track_page"):
        assert name in out


def test_writing_schemas_where_a_file_stands_is_a_clear_error(tmp_path, capsys):
    blocker = tmp_path / "file"
    blocker.write_text("")
    assert main(["schemas", "--out", str(blocker / "schemas")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "Traceback" not in err


def test_drift_check_names_the_folder_it_checked(tmp_path, capsys):
    assert main(["schemas", "--check", "--out", str(tmp_path)]) == 1
    assert f"run: cio-connector schemas --out {tmp_path}" in capsys.readouterr().err


@pytest.mark.parametrize("port", ["99999", "-1", "http"])
def test_a_port_out_of_range_is_refused_by_the_parser(port, capsys):
    with pytest.raises(SystemExit) as caught:
        main(["sandbox", "--port", port])
    assert caught.value.code == 2
    assert "is not a port (0-65535)" in capsys.readouterr().err

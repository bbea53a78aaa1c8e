"""The command line: thin, and every failure a one-line error with exit code 2, never a traceback."""

from __future__ import annotations

import pytest

from cio_connector.cli import main


def test_actions_lists_every_action(capsys):
    assert main(["actions"]) == 0
    out = capsys.readouterr().out
    for name in ("upsert_customer", "delete_customer", "add_customer_to_segment", "remove_customer_from_segment",
                 "track_event", "track_page", "identify_object", "merge_customers", "track_screen"):
        assert name in out
    merge = next(line for line in out.splitlines() if line.strip().startswith("merge_customers"))
    assert merge.endswith("[destructive, not idempotent]")


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


def test_version_prints_the_package_version(capsys):
    from cio_connector import __version__

    with pytest.raises(SystemExit) as caught:
        main(["--version"])
    assert caught.value.code == 0
    assert capsys.readouterr().out == f"cio-connector {__version__}\n"


@pytest.mark.parametrize("command", [["sandbox"], ["demo"]])
@pytest.mark.parametrize("missing", ["starlette", "uvicorn", "cryptography"])
def test_without_the_sandbox_extra_the_sandbox_commands_say_what_to_install(monkeypatch, capsys, command, missing):
    import sys

    from cio_connector.cli import SANDBOX_HINT

    for name in [m for m in sys.modules if m == "cio_connector.sandbox" or m.startswith(("cio_connector.sandbox.", missing))]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, missing, None)  # what an absent package looks like to import
    assert main(command) == 2
    assert capsys.readouterr().err == f"error: {SANDBOX_HINT}\n"


def test_installed_schemas_are_not_overwritten_without_out(monkeypatch, tmp_path, capsys):
    from cio_connector._util import bundle

    monkeypatch.setattr(bundle, "in_source_checkout", lambda: False)
    assert main(["schemas"]) == 2
    assert "pass --out DIR" in capsys.readouterr().err
    assert main(["schemas", "--out", str(tmp_path)]) == 0
    assert (tmp_path / "actions" / "track_event.json").is_file()
    assert main(["schemas", "--check"]) == 0  # reading the bundled copy is fine

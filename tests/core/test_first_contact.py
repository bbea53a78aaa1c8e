"""What a newcomer sees first: the top-level help, a short repr, help everywhere, a clean lint of our own plugin."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from cio_connector import load_connector
from cio_connector.cli import main

ROOT = Path(__file__).resolve().parents[2]


def test_the_top_level_help_says_what_the_tool_does_not_how_it_is_built(capsys):
    try:
        main(["--help"])
    except SystemExit as stop:
        assert stop.code == 0
    out = capsys.readouterr().out
    assert "Run Customer.io actions declared in YAML" in out
    assert "``" not in out and "argparse" not in out


def test_repr_of_a_connector_is_one_short_line():
    shown = repr(load_connector())
    assert shown.startswith("<Connector customerio ") and len(shown) < 200 and "\n" not in shown


def test_the_forms_module_answers_help_instead_of_starting_a_server():
    done = subprocess.run([sys.executable, "-m", "cio_connector.forms", "--help"], capture_output=True, text=True,
                          timeout=60, check=False)
    assert done.returncode == 0 and "usage: python -m cio_connector.forms" in done.stdout


def test_lint_of_the_projects_own_plugin_has_no_warning(capsys):
    assert main(["lint", str(ROOT)]) == 0
    out = capsys.readouterr().out
    assert "warning" not in out and out.strip().endswith("files checked: no problems")

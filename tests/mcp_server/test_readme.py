"""The MCP guide's example (docs/mcp.md) runs as written and prints what the guide shows."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[2] / "docs" / "mcp.md"  # the README links here for the full section
SECTION = README.read_text().split("# Agents: every action as an MCP tool", 1)[1].split("\n## ", 1)[0]


@pytest.mark.slow
def test_the_example_exchange_prints_what_the_readme_shows(capsys):
    code = re.search(r"```python\n(.*?)```", SECTION, re.S).group(1)  # type: ignore[union-attr]
    shown = re.search(r"prints\n\n```\n(.*?)```", SECTION, re.S).group(1)  # type: ignore[union-attr]
    # The installed command, run by this interpreter (the test may run outside the venv's PATH).
    here = f'command={sys.executable!r}, args=["-m", "cio_connector.cli", "mcp",'
    code = code.replace('command="cio-connector", args=["mcp",', here)
    exec(compile(code, "README.md", "exec"), {"__name__": "readme"})
    printed = re.sub(r"127\.0\.0\.1:\d+", "127.0.0.1:PORT", capsys.readouterr().out)
    assert printed == shown


def test_the_client_configuration_names_the_variables_the_server_reads():
    from cio_connector.mcp.connection_source import ENVIRONMENT
    from cio_connector.mcp.transports import TOKEN_ENV

    assert all(name in SECTION for name in ENVIRONMENT.values())
    assert TOKEN_ENV in SECTION

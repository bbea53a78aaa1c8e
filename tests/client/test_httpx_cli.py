"""httpx's command-line client (click, rich, pygments) is not loaded with httpx, yet still there when used."""

from __future__ import annotations

import subprocess
import sys


def _run(code: str) -> str:
    return subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout.strip()


def test_the_client_imports_httpx_without_its_cli():
    code = "import sys, cio_connector.client.http; print(sorted({'rich', 'click', 'pygments'} & set(sys.modules)))"
    assert _run(code) == "[]"


def test_the_cli_module_loads_when_a_name_from_it_is_used():
    code = ("import sys, cio_connector.client.http, httpx; from httpx._main import print_response; "
            "print(print_response.__module__, 'click' in sys.modules, callable(httpx.main))")
    assert _run(code) == "httpx._main True True"


def test_nothing_changes_when_httpx_was_imported_first():
    code = "import sys, httpx, cio_connector.client.http; print(type(sys.modules.get('httpx._main', sys)).__name__)"
    assert _run(code) == "module"

"""The README's promises: its Python example runs as written, and its two set-up commands exist."""

from __future__ import annotations

import re
from pathlib import Path

README = Path(__file__).resolve().parents[2] / "README.md"


def test_the_host_example_runs_as_written(capsys):
    text = README.read_text()
    section = text[text.index("## Using it from a host") :]
    code = re.search(r"```python\n(.*?)```", section, re.S).group(1)
    exec(compile(code, "README.md", "exec"), {})
    out = capsys.readouterr().out
    assert "'ok': True" in out
    assert "200 {'plan': 'pro'}" in out


def test_the_two_setup_commands_are_the_ones_the_dev_script_runs():
    text = README.read_text()
    assert "./dev demo" in text and "./dev test" in text
    script = (README.parent / "dev").read_text()
    assert "demo) exec cio-connector demo" in script and "test) exec python -m pytest" in script
    assert "./dev test" in (README.parent / ".ci" / "run").read_text()

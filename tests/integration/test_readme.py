"""The README's promises: its shell and Python examples run as written, its set-up commands exist, its links resolve."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

from cio_connector.sandbox import SandboxServer

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"


def _section(title: str) -> str:
    return README.read_text().split(f"\n## {title}\n", 1)[1].split("\n## ", 1)[0]


def _blocks(text: str, language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", text, re.S)


def test_the_python_quick_start_runs_as_written(capsys):
    (code,) = _blocks(_section("Python quick start"), "python")
    exec(compile(code, "README.md", "exec"), {})
    out = capsys.readouterr().out
    assert "'ok': True" in out
    assert "200 {'plan': 'pro'}" in out


def test_the_cli_quick_start_runs_as_written_against_the_sandbox(tmp_path):
    """The sandbox the text starts in another terminal runs here in-process, on a free port for 8765."""
    (script,) = _blocks(_section("CLI quick start"), "bash")
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    with SandboxServer(region="us") as sandbox:
        done = subprocess.run(["bash", "-euo", "pipefail", "-c", script.replace("8765", str(sandbox.port))],
                              cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300, check=False)
        assert done.returncode == 0, done.stderr
        people = {p["email"]: p["attributes"] for p in sandbox.state.people()}
    assert people == {"ada@example.com": {"plan": "pro"}, "grace@example.com": {"plan": "team"}}
    assert done.stdout.strip().endswith("exit 1: one record failed, and failed.jsonl says why")
    (dead,) = [json.loads(line) for line in (tmp_path / "failed.jsonl").read_text().splitlines()]
    assert dead["record"] == {"email": "not-an-email", "plan": "free"}
    assert "Traceback" not in done.stderr


def test_the_two_setup_commands_are_the_ones_the_dev_script_runs():
    (block,) = _blocks(_section("Set-up on a fresh machine: two commands"), "bash")
    assert [line.split("#")[0].strip() for line in block.strip().splitlines()] == ["./dev demo", "./dev test"]
    script = (ROOT / "dev").read_text()
    assert "demo) exec cio-connector demo" in script and "exec python -m pytest" in script
    assert "./dev test" in (ROOT / ".ci" / "run").read_text()


def test_the_readme_stays_short_and_every_link_resolves():
    text = README.read_text()
    assert len(text.splitlines()) <= 230
    for target in re.findall(r"\]\(((?!https?:)[^)#]+)(?:#[^)]*)?\)", text):
        assert (ROOT / target).exists(), f"README links to {target}, which does not exist"
    for guide in (ROOT / "docs").glob("*.md"):
        for target in re.findall(r"\]\(((?!https?:)[^)#]+)(?:#[^)]*)?\)", guide.read_text()):
            assert (guide.parent / target).exists(), f"{guide.name} links to {target}, which does not exist"


def test_every_command_is_in_the_commands_table():
    from cio_connector.cli import _parser

    table = _section("Commands")
    commands = _parser()._subparsers._group_actions[0].choices  # type: ignore[union-attr]
    for name in commands:
        assert re.search(rf"`{name}\b", table), f"the README's commands table does not list {name}"

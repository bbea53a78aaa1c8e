"""``./dev``, the one entry point a newcomer types first: help, a clear word for a wrong command, the caller's directory."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

DEV = Path(__file__).resolve().parents[2] / "dev"


def _dev(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    venv = Path(sys.executable).parent.parent  # the venv running these tests: no second set-up
    return subprocess.run(["bash", str(DEV), *args], cwd=cwd, capture_output=True, text=True, timeout=120,
                          env={"PATH": "/usr/bin:/bin", "CIO_VENV": str(venv), "HOME": str(cwd)}, check=False)


def test_help_lists_what_dev_runs_not_bashs_help(tmp_path):
    for flag in ("--help", "-h", "help"):
        done = _dev(flag, cwd=tmp_path)
        assert done.returncode == 0 and "./dev test [...]" in done.stdout and "./dev setup" in done.stdout


def test_a_command_that_is_not_one_says_so_in_one_line(tmp_path):
    (tmp_path / "tests").mkdir()
    done = _dev("tests", cwd=tmp_path)
    assert done.returncode == 2
    assert done.stderr == "./dev: no command 'tests' (./dev --help lists what ./dev runs; 'test' runs the tests)\n"


def test_commands_run_where_dev_was_called_so_relative_paths_work(tmp_path):
    (tmp_path / "step.yaml").write_text("action: delete_customer\nconfig: {matching_field: id, matching_value: '42'}\n")
    done = _dev("cio-connector", "validate", "step.yaml", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "1 file checked: no problems" in done.stdout

"""The CI guide's validate example prints what it shows; the pre-commit hooks name real commands."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from cio_connector.cli import _parser, main

ROOT = Path(__file__).resolve().parents[2]


def test_the_guides_validate_example_is_true(tmp_path, monkeypatch, capsys):
    section = (ROOT / "docs" / "ci.md").read_text()
    config = re.search(r"```yaml\n(# flows/signup.yaml\n.*?)```", section, re.S).group(1)
    console = re.search(r"```console\n\$ (cio-connector .*?)\n(.*?)```", section, re.S)
    (tmp_path / "flows").mkdir()
    (tmp_path / "flows/signup.yaml").write_text(config)
    monkeypatch.chdir(tmp_path)
    args = console.group(1).split("#")[0].split()[1:]
    assert main(args) == 1
    assert capsys.readouterr().out == console.group(2)


def test_pre_commit_hooks_run_existing_subcommands():
    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    commands = _parser()._subparsers._group_actions[0].choices  # type: ignore[union-attr]
    assert [hook["id"] for hook in hooks] == ["cio-connector-validate", "cio-connector-lint"]
    for hook in hooks:
        program, command = hook["entry"].split()
        assert program == "cio-connector" and command in commands


def test_the_config_file_schema_is_valid_2020_12():
    import json

    from jsonschema import Draft202012Validator

    Draft202012Validator.check_schema(json.loads((ROOT / "schemas/config-file.schema.json").read_text()))

"""Files a stranger hands the commands: each one is refused (or settled) in one line, exit 2, bounded.

Every probe runs in a child process under a memory cap and a deadline (``capped``), so a file that
is read forever or grows without bound fails the test instead of hanging or exhausting the machine.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from .capped import run_cli

CONNECTION = {"region": "us", "site_id": "site-1", "track_api_key": "track-key", "app_api_key": "app-key"}
CONFIG = {"matching_field": "id", "matching_value": "{{ record.id }}"}

# Thirteen lines that expand to a billion "lol"s through aliases (the classic billion-laughs document).
LAUGHS = "\n".join(
    [' a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'.strip()]
    + [f"{b}: &{b} [{', '.join(['*' + a] * 9)}]" for a, b in zip("abcdefghijkl", "bcdefghijklm", strict=True)]
) + "\n"


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    (tmp_path / "config.json").write_text(json.dumps(CONFIG))
    (tmp_path / "connection.json").write_text(json.dumps(CONNECTION))
    (tmp_path / "records.jsonl").write_text('{"id": "1"}\n')
    (tmp_path / "laughs.yaml").write_text(LAUGHS)
    (tmp_path / "step.yaml").write_text("action: delete_customer\nconfig:\n  matching_field: id\n  matching_value: '42'\n")
    return tmp_path


def run(folder: Path, *extra: str, records: str = "records.jsonl", config: str = "config.json",
        connection: str = "connection.json") -> list[str]:
    return ["run", "delete_customer", "--config", config, "--connection", connection, "--records", records,
            "--dry-run", "--quiet", *extra]


def fifo(folder: Path) -> str:
    os.mkfifo(folder / "pipe")
    return "pipe"


# -- run: options checked before anything is sent ----------------------------------------------------
@pytest.mark.parametrize(("option", "value", "said"), [
    ("--concurrency", "0", "--concurrency: '0' must be at least 1"),
    ("--track-rate", "-5", "--track-rate: '-5' must be a finite number above 0"),
    ("--track-rate", "nan", "--track-rate: 'nan' must be a finite number above 0"),
    ("--app-rate", "inf", "--app-rate: 'inf' must be a finite number above 0"),
    ("--linger", "-1", "--linger: '-1' must be a finite number of seconds"),
])
def test_run_refuses_options_that_make_no_sense(folder, option, value, said):
    done = run_cli(*run(folder, option, value), cwd=folder)
    assert done.code == 2 and said in done.err and done.out == ""


@pytest.mark.parametrize(("store", "said"), [
    ("http://x", "--rate-store http://x: not a Redis URL"),
    ("redis://h:notaport", "the port is not a number"),
    ("redis://:pa55word@127.0.0.1:1/0", "--rate-store redis://127.0.0.1:1/0: does not answer"),
])
def test_run_checks_the_rate_store_once_before_sending_and_never_echoes_its_password(folder, store, said):
    done = run_cli(*run(folder, "--rate-store", store), cwd=folder)
    assert done.code == 2 and said in done.last_line and done.out == ""
    assert "pa55word" not in done.err and len(done.err.strip().splitlines()) == 1


def test_an_unwritable_summary_path_stops_the_run_before_the_first_record(folder):
    done = run_cli(*run(folder, "--summary-json", "missing-folder/summary.json"), cwd=folder)
    assert done.code == 2 and done.out == ""  # nothing planned, nothing sent
    assert done.last_line == "error: --summary-json missing-folder/summary.json: cannot write: No such file or directory"


# -- run: records that break mid-way are settled and summarised ---------------------------------------
@pytest.mark.parametrize(("name", "content", "said"), [
    ("bad.csv", b"id\n1\n\xff\xfe\n", "bad.csv:3: not UTF-8 text"),
    ("wide.csv", b"id\n1\n" + b"x" * 140_000 + b"\n", "wide.csv:3: not CSV: field larger than field limit (131072)"),
    ("deep.jsonl", b'{"id": "1"}\n' + b'{"a":' * 100_000 + b"1" + b"}" * 100_000 + b"\n", "deep.jsonl:2: nests too deeply"),
    ("deep.json", b'[{"id": "1"}, ' + b"[" * 100_000 + b"]" * 100_000 + b"]", "deep.json:item 1: nests too deeply"),
    ("long.jsonl", b'{"id": "1"}\n' + b" " * 4_100_000, "long.jsonl:2: a line over 4,000,000 bytes is not one record"),
])
def test_records_that_break_mid_way_are_settled_and_summarised(folder, name, content, said):
    (folder / name).write_bytes(content)
    done = run_cli(*run(folder, "--summary-json", "summary.json", records=name), cwd=folder)
    summary = json.loads((folder / "summary.json").read_text())
    assert done.code == 2
    assert (summary["read"], summary["planned"]) == (1, 1)  # the row before the break was handled
    assert said in summary["aborted"]


@pytest.mark.parametrize("option", ["--config", "--connection"])
def test_run_reads_yaml_through_the_safe_loader_so_aliases_cannot_grow(folder, option):
    given = {"config": "config.json", "connection": "connection.json", option.strip("-"): "laughs.yaml"}
    done = run_cli(*run(folder, **given), cwd=folder)
    assert done.code == 2
    refused = "refused: anchors (&name) are not allowed: write the value out"
    assert done.last_line == f"error: {option} laughs.yaml:1:4: {refused}"


@pytest.mark.parametrize(("records", "format"), [("/dev/zero", None), ("/dev/zero", "jsonl"), ("pipe", None)])
def test_run_reads_records_only_from_regular_files_or_stdin(folder, records, format):
    name = fifo(folder) if records == "pipe" else records
    done = run_cli(*run(folder, *(["--format", format] if format else []), records=name), cwd=folder)
    assert done.code == 2
    assert done.last_line == f"error: --records {name}: is not a regular file (a device, pipe or socket)"


# -- validate and lint ------------------------------------------------------------------------------
def test_validate_reads_its_connection_through_the_safe_loader(folder):
    done = run_cli("validate", "step.yaml", "--connection", "laughs.yaml", cwd=folder)
    assert done.code == 2 and "--connection laughs.yaml:1:4: cannot read: anchors (&name) are not allowed" in done.err


def test_a_record_schema_nested_100000_deep_is_one_line(folder):
    (folder / "deep.json").write_text("[" * 100_000 + "]" * 100_000)
    done = run_cli("validate", "step.yaml", "--record-schema", "deep.json", cwd=folder)
    assert done.code == 2 and done.last_line == "error: --record-schema deep.json: nests deeper than 64 levels"


@pytest.mark.parametrize("target", ["/dev/zero", "pipe", "glob"])
def test_validate_reads_only_regular_files(folder, target):
    if target == "glob":
        os.symlink("/dev/zero", folder / "zero.yaml")
        given, shown = "z*.yaml", "zero.yaml"
    else:
        given = shown = fifo(folder) if target == "pipe" else target
    done = run_cli("validate", given, cwd=folder)
    assert done.code == 2 and f"{shown}: is not a regular file" in done.out


def test_validate_globs_do_not_follow_symlink_loops_and_check_each_file_once(folder):
    (folder / "f" / "sub").mkdir(parents=True)
    (folder / "f" / "step.yaml").write_text((folder / "step.yaml").read_text())
    os.symlink("..", folder / "f" / "sub" / "up")
    os.symlink("../step.yaml", folder / "f" / "sub" / "again.yaml")
    done = run_cli("validate", "f/**/*.yaml", "--format", "json", cwd=folder)
    assert done.code == 0
    assert [entry["file"] for entry in json.loads(done.out)["files"]] == ["f/step.yaml"]


def test_lint_refuses_a_manifest_linked_to_a_device_or_a_fifo(folder):
    root = Path(__file__).resolve().parents[2]
    plugin = folder / "plugin"
    plugin.mkdir()
    shutil.copy(root / "connector.yaml", plugin)
    for name in ("actions", "schemas"):
        shutil.copytree(root / name, plugin / name)
    os.symlink("/dev/zero", plugin / "actions" / "zero.yaml")
    os.mkfifo(plugin / "actions" / "pipe.yaml")
    done = run_cli("lint", "plugin", cwd=folder)
    assert done.code == 1
    for name in ("zero.yaml", "pipe.yaml"):
        assert f"actions/{name}: $: refused: is not a regular file" in done.out


# -- diff -----------------------------------------------------------------------------------------
GOOD = {"actions": {"a": {"type": "object", "properties": {"x": {"type": "string", "maxLength": 5}}}}}


@pytest.mark.parametrize(("content", "said"), [
    (b"[]", "expected a spec document with 'actions'"),
    (b"[" * 100_000 + b"]" * 100_000, "nests deeper than 64 levels"),
    (b"\xff{}", "not UTF-8 text"),
    (json.dumps({"actions": {"a": {"type": "object", "properties": None}}}).encode(),
     "actions.a.properties: not a valid JSON Schema: None is not of type 'object'"),
    (json.dumps({"actions": {"a": {"type": "object", "properties": {"x": {"maxLength": "x"}}}}}).encode(),
     "actions.a.properties.x.maxLength: not a valid JSON Schema: 'x' is not of type 'integer'"),
])
def test_diff_of_a_malformed_side_is_exit_2_with_the_problem_not_a_breaking_change(folder, content, said):
    (folder / "good.json").write_text(json.dumps(GOOD))
    (folder / "bad.json").write_bytes(content)
    for sides in (("good.json", "bad.json"), ("bad.json", "good.json")):
        done = run_cli("diff", *sides, cwd=folder)
        assert done.code == 2 and said in done.last_line and done.last_line.startswith("error: bad.json")


def test_diff_passes_git_refs_after_end_of_options(monkeypatch):
    from cio_connector.ci import diff

    calls: list[list[str]] = []

    def git(args: list[str], cwd: object) -> str:
        calls.append(args)
        return "schemas/connection.json\n" if args[0] == "ls-tree" else "{}"

    monkeypatch.setattr(diff, "_git", git)
    diff.load_git("--output=owned", "schemas")
    for args in calls:  # a ref that looks like an option is still a ref
        assert args.index("--end-of-options") < next(i for i, a in enumerate(args) if "--output=owned" in a)

"""`cio-connector diff`: a table of schema changes, each classified breaking or compatible."""

from __future__ import annotations

import copy
import json
import shutil
import subprocess
from pathlib import Path

import pytest

from cio_connector._util.bundle import bundle_root
from cio_connector.ci.diff import SchemaSet, compare, from_spec
from cio_connector.cli import main

BASE = {
    "type": "object",
    "properties": {
        "name": {"type": "string", "minLength": 1, "maxLength": 100, "x-maxBytes": 100},
        "kind": {"type": "string", "oneOf": [{"const": "a"}, {"const": "b"}]},
        "count": {"type": "integer", "minimum": 1, "maximum": 10},
        "code": {"type": "string", "pattern": "^[a-z]+$"},
        "tags": {"type": "object", "maxProperties": 5},
    },
    "required": ["name"],
    "additionalProperties": False,
    "x-connector": {"version": "1.2.0"},
}


def changed(edit) -> dict:
    schema = copy.deepcopy(BASE)
    edit(schema)
    return schema


def props(schema: dict) -> dict:
    return schema["properties"]


TABLE = [
    # (what, edit, where, message, breaking)
    ("field removed", lambda s: props(s).pop("code"), "act.code", "field removed (configs setting it become invalid)", True),
    ("optional field added", lambda s: props(s).update(extra={"type": "string"}), "act.extra", "optional field added", False),
    (
        "required field added",
        lambda s: (props(s).update(extra={"type": "string"}), s["required"].append("extra")),
        "act.extra",
        "required field added",
        True,
    ),
    ("became required", lambda s: s["required"].append("count"), "act.count", "became required", True),
    ("no longer required", lambda s: s.update(required=[]), "act.name", "no longer required", False),
    ("type narrowed", lambda s: props(s)["count"].update(type="string"), "act.count", "type narrowed: integer -> string", True),
    ("type widened", lambda s: props(s)["count"].update(type="number"), "act.count", "type widened: integer -> number", False),
    ("enum value removed", lambda s: props(s)["kind"].update(oneOf=[{"const": "a"}]), "act.kind", "choice 'b' removed", True),
    ("enum value added", lambda s: props(s)["kind"]["oneOf"].append({"const": "c"}), "act.kind", "choice 'c' added", False),
    ("maxLength down", lambda s: props(s)["name"].update(maxLength=50), "act.name", "maxLength lowered: 100 -> 50", True),
    ("maxLength up", lambda s: props(s)["name"].update(maxLength=200), "act.name", "maxLength raised: 100 -> 200", False),
    ("x-maxBytes down", lambda s: props(s)["name"].update({"x-maxBytes": 80}), "act.name", "x-maxBytes lowered: 100 -> 80", True),
    ("maximum down", lambda s: props(s)["count"].update(maximum=5), "act.count", "maximum lowered: 10 -> 5", True),
    ("minimum up", lambda s: props(s)["count"].update(minimum=2), "act.count", "minimum raised: 1 -> 2", True),
    ("minimum down", lambda s: props(s)["count"].update(minimum=0), "act.count", "minimum lowered: 1 -> 0", False),
    ("minLength up", lambda s: props(s)["name"].update(minLength=3), "act.name", "minLength raised: 1 -> 3", True),
    ("maxLength added", lambda s: props(s)["code"].update(maxLength=9), "act.code", "maxLength 9 added", True),
    ("limit removed", lambda s: props(s)["tags"].pop("maxProperties"), "act.tags", "maxProperties 5 removed", False),
    (
        "pattern changed",
        lambda s: props(s)["code"].update(pattern="^[a-z0-9]+$"),
        "act.code",
        'pattern changed: "^[a-z0-9]+$"',
        True,
    ),
    ("pattern removed", lambda s: props(s)["code"].pop("pattern"), "act.code", "pattern removed", False),
    ("format added", lambda s: props(s)["name"].update(format="email"), "act.name", 'format added: "email"', True),
    (
        "closed to unknown fields",
        lambda s: props(s).update(tags={"type": "object", "maxProperties": 5, "additionalProperties": False}),
        "act.tags",
        "no longer accepts unknown fields",
        True,
    ),
    ("description only", lambda s: props(s)["name"].update(description="x"), None, None, False),
]


@pytest.mark.parametrize(("what", "edit", "where", "message", "breaking"), TABLE, ids=[row[0] for row in TABLE])
def test_each_change_is_classified(what, edit, where, message, breaking):
    result = compare(SchemaSet({"act": BASE}), SchemaSet({"act": changed(edit)}))
    if where is None:
        assert result.breaking == []
        return
    found = [(c.where, c.message, c.breaking) for c in result.changes]
    assert (where, message, breaking) in found
    assert bool(result.breaking) is breaking


def test_actions_removed_are_breaking_added_are_not():
    result = compare(SchemaSet({"a": BASE, "b": BASE}), SchemaSet({"b": BASE, "c": BASE}))
    assert [(c.where, c.message) for c in result.breaking] == [("a", "action removed")]
    assert [(c.where, c.message) for c in result.compatible] == [("c", "action added")]


def test_a_breaking_change_passes_only_with_a_major_version_bump():
    narrowed = changed(lambda s: props(s)["count"].update(maximum=5))
    same = compare(SchemaSet({"act": BASE}, version="1.2.0"), SchemaSet({"act": narrowed}, version="1.3.0"))
    bumped = compare(SchemaSet({"act": BASE}, version="1.2.0"), SchemaSet({"act": narrowed}, version="2.0.0"))
    assert same.exit_code == 1 and not same.major_bumped
    assert bumped.exit_code == 0 and bumped.major_bumped


def write_folder(root: Path, schemas: dict[str, dict], version: str) -> Path:
    (root / "actions").mkdir(parents=True)
    for name, schema in schemas.items():
        schema = {**schema, "x-action": name, "x-connector": {"id": "t", "version": version}}
        (root / "actions" / f"{name}.json").write_text(json.dumps(schema))
    return root


def test_cli_on_two_schema_folders(tmp_path, capsys):
    old = write_folder(tmp_path / "old", {"act": BASE, "gone": BASE}, "1.2.0")
    new = write_folder(tmp_path / "new", {"act": changed(lambda s: props(s)["kind"].update(oneOf=[{"const": "a"}]))}, "1.2.1")
    assert main(["diff", str(old), str(new)]) == 1
    assert capsys.readouterr().out.splitlines() == [
        "version 1.2.0 -> 1.2.1",
        "breaking changes (2):",
        "  gone: action removed",
        "  act.kind: choice 'b' removed",
        "compatible changes: none",
        "breaking changes need a major version bump (x-connector.version)",
    ]
    bumped = write_folder(tmp_path / "bumped", {"act": BASE}, "2.0.0")
    assert main(["diff", str(old), str(bumped), "--format", "json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["major_bumped"] is True and report["breaking"] == [{"where": "gone", "message": "action removed"}]


def test_spec_documents_are_read_loosely():
    spec = {
        "connector": {"version": "3.0.0"},
        "actions": {"act": {"input_schema": BASE}},
        "connection": {"schema": {"type": "object", "properties": {}}},
    }
    listed = {"version": "3.1.0", "actions": [{"name": "act", "schema": BASE}]}
    assert from_spec(spec, "spec.json") == SchemaSet({"act": BASE}, {"type": "object", "properties": {}}, "3.0.0")
    assert from_spec(listed, "spec.json") == SchemaSet({"act": BASE}, None, "3.1.0")


def test_cli_reads_a_spec_document_against_a_folder(tmp_path, capsys):
    spec = tmp_path / "spec.json"
    spec.write_text(
        json.dumps(
            {
                "actions": {
                    name: {"input_schema": json.loads(p.read_text())}
                    for name, p in ((p.stem, p) for p in (bundle_root() / "schemas/actions").glob("*.json"))
                },
                "connection": {"schema": json.loads((bundle_root() / "schemas/connection.json").read_text())},
            }
        )
    )
    assert main(["diff", str(spec), str(bundle_root() / "schemas")]) == 0
    assert capsys.readouterr().out.splitlines()[1:] == ["breaking changes: none", "compatible changes: none"]


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
def test_git_ref_reads_the_committed_schemas(tmp_path, capsys, monkeypatch):
    def git(*args: str) -> None:
        subprocess.run(["git", *args], cwd=tmp_path, check=True, capture_output=True)

    git("init", "-q")
    write_folder(tmp_path / "schemas", {"act": BASE}, "1.0.0")
    git("add", ".")
    git("-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-qm", "v1")
    schema_file = tmp_path / "schemas/actions/act.json"
    schema = json.loads(schema_file.read_text())
    schema["required"] = ["name", "count"]
    schema_file.write_text(json.dumps(schema))
    monkeypatch.chdir(tmp_path)
    assert main(["diff", "--git", "HEAD"]) == 1
    assert "  act.count: became required" in capsys.readouterr().out.splitlines()
    assert main(["diff", "--git", "no-such-ref"]) == 2

"""`cio-connector lint`: a copy of the shipped plugin, broken on purpose, has every defect found at once."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import yaml

from cio_connector import load_connector
from cio_connector._util.bundle import bundle_root
from cio_connector.ci.lint import lint_plugin
from cio_connector.cli import main


@pytest.fixture
def plugin(tmp_path) -> Path:
    root = bundle_root()
    shutil.copy(root / "connector.yaml", tmp_path / "connector.yaml")
    shutil.copytree(root / "actions", tmp_path / "actions")
    shutil.copytree(root / "schemas", tmp_path / "schemas")
    return tmp_path


def append(path: Path, text: str) -> None:
    path.write_text(path.read_text(encoding="utf-8").rstrip("\n") + "\n" + text)


def line_of(path: Path, text: str) -> int:
    """1-based line of the first line equal to ``text`` (stripped): positions checked independently."""
    return next(i for i, line in enumerate(path.read_text().splitlines(), 1) if line.strip() == text)


def findings(root: Path) -> list[str]:
    return [str(f) for result in lint_plugin(root) for f in result.findings]


def test_the_shipped_plugin_has_no_errors(capsys):
    assert main(["lint", str(bundle_root())]) == 0
    files = 1 + len(load_connector().actions)  # connector.yaml and one manifest per action
    assert capsys.readouterr().out.splitlines()[-1].startswith(f"{files} files checked: no problems")


def test_every_seeded_defect_is_found_at_its_node(plugin, capsys):
    actions = plugin / "actions"
    append(actions / "track_event.yaml", "  - key: api_token\n    label: '  '\n    type: string\n")
    append(
        actions / "upsert_customer.yaml",
        "  - key: traits\n    label: Traits\n    type: attributes\n    description: More.\n"
        "    constraints: {key_max_bytes: 500}\n",
    )
    append(
        actions / "delete_customer.yaml",
        "  - key: anonymous_id\n    label: Anonymous ID\n    type: string\n    description: Before they sign up.\n",
    )
    connector = plugin / "connector.yaml"
    connector.write_text(connector.read_text().replace("secret: true", "secret: false", 1))
    (actions / "extra_action.yaml").write_text(
        "name: extra_action\ntitle: Extra\ndescription: Unlisted.\nfields:\n  - use: matching\n"
    )
    text = connector.read_text()
    assert "\n  - track_page\n" in text
    connector.write_text(text.replace("\n  - track_page\n", "\n"))
    (actions / "track_page.yaml").unlink()
    segment_schema = plugin / "schemas/actions/add_customer_to_segment.json"
    segment_schema.write_text(segment_schema.read_text().replace('"title": "Add customer to segment"', '"title": "Old"'))
    (plugin / "schemas/actions/track_event.json").unlink()

    found = findings(plugin)
    event, upsert, delete = actions / "track_event.yaml", actions / "upsert_customer.yaml", actions / "delete_customer.yaml"
    token = line_of(event, "- key: api_token")
    traits = line_of(upsert, "- key: traits")
    anonymous = line_of(delete, "- key: anonymous_id")
    secret_field = line_of(connector, "- key: app_api_key")
    index = [f["key"] for f in yaml.safe_load(connector.read_text())["connection"]["fields"]].index("app_api_key")
    listing = line_of(connector, "actions:") + 1  # the list under it
    expected = [
        # a credential not marked secret (connector.yaml) and in an action
        f"connector.yaml:{secret_field}:12: connection.fields[{index}].key: field 'app_api_key' looks like a credential; "
        "mark it secret: true (masked in forms and never echoed in problems)",
        f"actions/track_event.yaml:{token}:10: fields[5].key: field 'api_token' looks like a credential; "
        "mark it secret: true (masked in forms and never echoed in problems)",
        # blank label, missing description
        f"actions/track_event.yaml:{token + 1}:12: fields[5].label: field 'api_token': label is blank",
        f"actions/track_event.yaml:{token}:5: fields[5]: warning: field 'api_token' has no description "
        "(shown under the field in forms)",
        # Customer.io's limits
        f"actions/upsert_customer.yaml:{traits + 4}:18: fields[2].constraints: field 'traits' holds attribute data: "
        "declare constraints.max_bytes (Customer.io accepts at most 100,000)",
        f"actions/upsert_customer.yaml:{traits + 4}:34: fields[2].constraints.key_max_bytes: field 'traits': "
        "key_max_bytes 500 is over Customer.io's limit of 150",
        f"actions/delete_customer.yaml:{anonymous}:5: fields[1]: field 'anonymous_id' holds an identifier: "
        "declare constraints.max_bytes (Customer.io accepts at most 150)",
        # manifests and handlers, both ways
        f"connector.yaml:{listing}:3: actions: actions/extra_action.yaml is not listed in connector.yaml",
        f"connector.yaml:{listing}:3: actions: handler 'track_page' has no action in connector.yaml",
        # generated schemas
        "schemas/actions/add_customer_to_segment.json:4:1: $: out of date (first difference here); run: cio-connector schemas",
        "schemas/actions/track_event.json: $: missing; run: cio-connector schemas",
        "schemas/actions/track_page.json: $: not generated from any listed action; delete it or run: cio-connector schemas",
    ]
    missing = [line for line in expected if line not in found]
    assert missing == [], "\n".join(found)
    assert main(["lint", str(plugin)]) == 1


def test_a_listed_action_without_a_handler(plugin):
    (plugin / "actions/archive_customer.yaml").write_text(
        "name: archive_customer\ntitle: Suppress\ndescription: Stop messages.\nfields:\n  - use: matching\n"
    )
    connector = plugin / "connector.yaml"
    append(connector, "  - archive_customer\n")
    line = line_of(connector, "- archive_customer")
    index = len(load_connector().actions)
    assert f"connector.yaml:{line}:5: actions[{index}]: action 'archive_customer' has no registered handler" in findings(plugin)


def test_a_manifest_breaking_its_meta_schema_does_not_stop_the_others(plugin):
    event = plugin / "actions/track_event.yaml"
    event.write_text(event.read_text().replace("type: datetime", "type: datetme", 1))
    append(plugin / "actions/delete_customer.yaml", "  - key: cio_id\n    label: CIO\n    type: string\n    description: z\n")
    found = findings(plugin)
    bad = [f for f in found if f.startswith(f"actions/track_event.yaml:{line_of(event, 'type: datetme')}:11: fields[3].type:")]
    assert len(bad) == 1 and bad[0].endswith(
        "must be one of: 'string', 'integer', 'number', 'boolean', 'attributes', 'datetime', 'url', 'email', 'enum', 'object'"
    )
    assert any(f.startswith("actions/delete_customer.yaml:") and "'cio_id' holds an identifier" in f for f in found)


def test_a_broken_connector_manifest_is_reported_with_its_position(plugin, capsys):
    connector = plugin / "connector.yaml"
    append(connector, "colour: red\n")
    code = main(["lint", str(plugin), "--format", "json"])
    report = json.loads(capsys.readouterr().out)
    problems = report["files"][0]["problems"]
    assert code == 1 and report["files"][0]["file"] == "connector.yaml"
    assert [(p["line"], p["column"], p["where"]) for p in problems if p["level"] == "error"] == [
        (line_of(connector, "colour: red"), 9, "colour")
    ]


def test_lint_needs_a_plugin_folder(tmp_path, capsys):
    assert main(["lint", str(tmp_path)]) == 2
    assert "no connector.yaml here" in capsys.readouterr().err

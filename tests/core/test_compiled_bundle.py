"""The compiled bundle: loads what the YAML loads, without pydantic or YAML, and only while it is current."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from cio_connector import ManifestError, load_connector
from cio_connector._util.bundle import bundle_root
from cio_connector.declarative.compiled import BUNDLE_NAME, manifest_files, read_compiled
from cio_connector.loader import load_manifests
from cio_connector.pipeline.registry import HandlerRegistry

ROOT = bundle_root()


@pytest.fixture
def checkout(tmp_path: Path) -> Path:
    """A copy of the connector's manifests and schemas, bundle included, to edit."""
    shutil.copy(ROOT / "connector.yaml", tmp_path / "connector.yaml")
    shutil.copytree(ROOT / "actions", tmp_path / "actions")
    shutil.copytree(ROOT / "schemas", tmp_path / "schemas")
    return tmp_path


def test_the_committed_bundle_is_current_and_equals_the_full_load():
    compiled = read_compiled(ROOT, manifest_files(ROOT))
    assert compiled is not None, f"schemas/{BUNDLE_NAME} is stale; run: cio-connector schemas"
    assert compiled == load_manifests(ROOT)


def test_the_connector_loaded_from_the_bundle_equals_the_one_loaded_from_yaml(checkout):
    from_bundle = load_connector(checkout)
    (checkout / "schemas" / BUNDLE_NAME).unlink()
    from_yaml = load_connector(checkout)
    assert from_bundle.manifest == from_yaml.manifest
    assert from_bundle.connection_schema == from_yaml.connection_schema
    assert list(from_bundle.actions) == list(from_yaml.actions)
    for name, action in from_yaml.actions.items():
        assert from_bundle.actions[name].manifest == action.manifest
        assert from_bundle.actions[name].schema == action.schema
        assert list(from_bundle.actions[name].schema["properties"]) == list(action.schema["properties"])


def test_an_edited_manifest_makes_the_bundle_stale_and_the_yaml_is_read(checkout):
    path = checkout / "actions" / "track_event.yaml"
    assert "title: Track event" in path.read_text()
    path.write_text(path.read_text().replace("title: Track event", "title: Track an event", 1))
    assert read_compiled(checkout, manifest_files(checkout)) is None
    assert load_connector(checkout).actions["track_event"].manifest.title == "Track an event"


@pytest.mark.parametrize("damage", [
    "not json at all",
    json.dumps({"format": 1, "key": "0" * 64}),
    "[]",
])
def test_a_damaged_or_foreign_bundle_is_ignored(checkout, damage):
    (checkout / "schemas" / BUNDLE_NAME).write_text(damage)
    assert read_compiled(checkout, manifest_files(checkout)) is None
    assert set(load_connector(checkout).actions) == set(load_connector().actions)


def test_a_bundle_with_the_right_key_but_a_broken_body_is_ignored(checkout):
    bundle = checkout / "schemas" / BUNDLE_NAME
    document = json.loads(bundle.read_text())
    document["actions"] = [{"manifest": {"name": "x"}}]
    bundle.write_text(json.dumps(document))
    assert read_compiled(checkout, manifest_files(checkout)) is None


def test_handlers_are_checked_against_the_bundle_as_against_the_yaml(checkout):
    from cio_connector.handlers import shipped_handlers

    shipped = shipped_handlers()
    partial = HandlerRegistry(shipped.spec(name).function for name in shipped.names() if name != "track_page")
    with pytest.raises(ManifestError) as raised:
        load_connector(checkout, registry=partial)
    assert [p.message for p in raised.value.problems] == ["action 'track_page' has no registered handler"]
    assert raised.value.problems[0].source == "actions/track_page.yaml" and raised.value.problems[0].line


def test_loading_from_the_bundle_imports_no_pydantic_yaml_or_validators():
    heavy = ("pydantic", "yaml", "jsonschema", "jsonschema_rs", "jinja2", "httpx")
    code = f"import sys, cio_connector; cio_connector.load_connector(); print(sorted(set({heavy!r}) & set(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout
    assert out.strip() == "[]"

"""The tools are generated from the manifests: nothing about an action is written twice."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from cio_connector._util.bundle import bundle_root
from cio_connector.errors import CioConnectorError
from cio_connector.handlers import shipped_handlers
from cio_connector.handlers.people import delete_customer
from cio_connector.loader import load_connector
from cio_connector.mcp import tool_catalog
from cio_connector.mcp.catalog import ACTION_OUTPUT, CHECK_OUTPUT, OPTIONS_OUTPUT


def _without(node: Any, *keys: str) -> Any:
    if isinstance(node, dict):
        return {k: _without(v, *keys) for k, v in node.items() if k not in keys}
    if isinstance(node, list):
        return [_without(v, *keys) for v in node]
    return node


@pytest.fixture(scope="module")
def catalog(connector):
    return {tool.name: tool for tool in tool_catalog(connector)}


def test_each_action_tool_takes_the_action_schema_for_concrete_values_plus_dry_run(connector, catalog):
    for name, action in connector.actions.items():
        schema = dict(catalog[name].input_schema)
        properties = dict(schema["properties"])
        dry_run = properties.pop("dry_run")
        expected = _without(dict(action.schema), "$id", "x-action", "x-connector", "x-placeholder")
        assert _without({**schema, "properties": properties}, "examples") == expected
        assert dry_run["type"] == "boolean" and dry_run["default"] is False
        assert "dry_run" not in schema["required"]


def test_concrete_placeholders_become_examples_and_templates_are_dropped(catalog):
    track_event = catalog["track_event"].input_schema["properties"]
    assert track_event["name"]["examples"] == ["purchase"]
    assert track_event["event_id"]["examples"] == ["auto"]
    assert "examples" not in track_event["customer_id"]  # its placeholder is "{{ record.id }}"
    assert "x-placeholder" not in str(catalog["upsert_customer"].input_schema)


def test_descriptions_carry_every_field_an_agent_fills(connector, catalog):
    for name, action in connector.actions.items():
        description = catalog[name].description
        assert description.startswith(action.manifest.description)
        for field in action.manifest.fields:
            assert f"- {field.key} ({field.label}, {'required' if field.required else 'optional'})" in description
            assert field.description is None or field.description in description
    assert "Call list_segments for the values it takes." in catalog["add_customer_to_segment"].description
    assert "- Matching Value must be an email address when Matching Field Name is Email" in catalog["delete_customer"].description
    assert "One of: id (External ID), email (Email), cio_id (CIO ID)." in catalog["upsert_customer"].description


def test_outputs_are_described(connector, catalog):
    assert {catalog[name].output_schema is ACTION_OUTPUT for name in connector.actions} == {True}
    assert catalog["check_connection"].output_schema is CHECK_OUTPUT
    assert catalog["list_segments"].output_schema is OPTIONS_OUTPUT


def test_list_segments_serves_both_segment_fields(catalog):
    tool = catalog["list_segments"]
    assert [(t.action, t.field) for t in tool.targets] == [
        ("add_customer_to_segment", "segment"), ("remove_customer_from_segment", "segment")
    ]
    assert tool.read_only and tool.kind == "options"
    assert "segments with type manual" in tool.description


def _plugin(tmp_path: Path, **actions: str) -> Path:
    """A copy of the shipped plugin with more action manifests."""
    root = tmp_path / "plugin"
    for folder in ("actions", "schemas"):
        shutil.copytree(bundle_root() / folder, root / folder)
    shutil.copy(bundle_root() / "connector.yaml", root)
    listed = (root / "connector.yaml").read_text()
    for name, text in actions.items():
        (root / "actions" / f"{name}.yaml").write_text(text)
        listed = listed.replace("  - track_page\n", f"  - track_page\n  - {name}\n")
    (root / "connector.yaml").write_text(listed)
    return root


EXTRA_ACTION = """\
name: remove_person
title: Remove person
description: Remove a person for good.
fields:
  - use: matching
  - key: segment
    label: Segment
    type: integer
    description: Also leave this data-driven segment.
    options: {source: segments, filter: {type: dynamic}}
"""


def test_a_new_action_and_a_new_options_filter_join_without_code_here(tmp_path):
    registry = shipped_handlers()
    registry.add(delete_customer, name="remove_person")
    connector = load_connector(_plugin(tmp_path, remove_person=EXTRA_ACTION), registry=registry)
    tools = {tool.name: tool for tool in tool_catalog(connector)}
    assert tools["remove_person"].destructive
    assert tools["remove_person"].title == "Remove person"
    # One source read with two filters: one tool per filter, each serving its own fields.
    assert [(t.action, t.field) for t in tools["list_segments_dynamic"].targets] == [("remove_person", "segment")]
    assert ("add_customer_to_segment", "segment") in {(t.action, t.field) for t in tools["list_segments_manual"].targets}
    assert "Call list_segments_dynamic for the values it takes." in tools["remove_person"].description


def test_an_action_field_named_dry_run_is_refused(tmp_path):
    manifest = EXTRA_ACTION.replace("key: segment", "key: dry_run")
    registry = shipped_handlers()
    registry.add(delete_customer, name="remove_person")
    connector = load_connector(_plugin(tmp_path, remove_person=manifest), registry=registry)
    with pytest.raises(CioConnectorError, match="'remove_person' has a field named 'dry_run', which its MCP tool reserves"):
        tool_catalog(connector)

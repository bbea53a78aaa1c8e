"""Generated JSON Schemas: valid 2020-12, equal to what the manifests render, and shaped for forms."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

from cio_connector._util.bundle import bundle_root
from cio_connector.cli import main
from cio_connector.declarative.generate import render_schemas
from cio_connector.declarative.schema import DRAFT

from .conftest import ACTION_NAMES

SCHEMAS = bundle_root() / "schemas"
GENERATED = [
    "connection.json",
    *[f"actions/{name}.json" for name in ACTION_NAMES],
    *[f"config/{name}.json" for name in ACTION_NAMES],
]
META = ["action-manifest.schema.json", "connector-manifest.schema.json"]


def _load(name: str) -> dict:
    return json.loads((SCHEMAS / name).read_text())


def _rendered(connector) -> dict[str, str]:
    return render_schemas(connector.manifest, [a.manifest for a in connector.actions.values()])


@pytest.mark.parametrize("name", GENERATED + META)
def test_schema_passes_the_2020_12_meta_schema(name):
    schema = _load(name)
    assert schema["$schema"] == DRAFT
    Draft202012Validator.check_schema(schema)


def test_one_generated_schema_per_shipped_action():
    assert sorted(p.name for p in (SCHEMAS / "actions").glob("*.json")) == sorted(f"{n}.json" for n in ACTION_NAMES)


def test_committed_schemas_equal_the_rendered_ones(connector):
    rendered = _rendered(connector)
    assert sorted(rendered) == sorted(GENERATED)
    for name, text in rendered.items():
        assert (SCHEMAS / name).read_text() == text, f"schemas/{name} drifted; run: cio-connector schemas"


def test_the_runtime_validates_with_the_committed_schemas(connector):
    for name, action in connector.actions.items():
        assert action.schema == _load(f"actions/{name}.json")
    assert connector.connection_schema == _load("connection.json")


def test_schemas_check_passes_on_the_repository(capsys):
    assert main(["schemas", "--check"]) == 0
    assert capsys.readouterr().err == ""


def test_schemas_check_detects_drift_in_a_copy(tmp_path: Path, capsys):
    assert main(["schemas", "--out", str(tmp_path)]) == 0
    assert main(["schemas", "--check", "--out", str(tmp_path)]) == 0
    capsys.readouterr()

    edited = tmp_path / "actions" / "track_event.json"
    edited.write_text(edited.read_text().replace('"x-maxBytes": 100,', '"x-maxBytes": 101,', 1))
    (tmp_path / "connection.json").unlink()
    assert main(["schemas", "--check", "--out", str(tmp_path)]) == 1
    assert capsys.readouterr().err.splitlines() == [
        f"{tmp_path / 'connection.json'} is out of date; run: cio-connector schemas --out {tmp_path}",
        f"{tmp_path / 'actions' / 'track_event.json'} is out of date; run: cio-connector schemas --out {tmp_path}",
    ]

    assert main(["schemas", "--out", str(tmp_path)]) == 0
    assert main(["schemas", "--check", "--out", str(tmp_path)]) == 0


def test_regenerating_removes_a_stale_action_schema(tmp_path: Path):
    main(["schemas", "--out", str(tmp_path)])
    stale = tmp_path / "actions" / "no_such_action.json"
    stale.write_text("{}")
    main(["schemas", "--out", str(tmp_path)])
    assert not stale.exists()


# -- shape -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", GENERATED)
def test_objects_are_closed(name):
    schema = _load(name)
    assert schema["type"] == "object"
    assert schema["additionalProperties"] is False
    for prop in schema["properties"].values():
        if prop.get("type") == "object" and "properties" in prop:
            assert prop["additionalProperties"] is False


@pytest.mark.parametrize("name", ACTION_NAMES)
def test_action_schema_identity_and_required(name, connector):
    schema = _load(f"actions/{name}.json")
    manifest = connector.actions[name].manifest
    assert schema["x-action"] == name
    assert schema["title"] == manifest.title
    assert list(schema["properties"]) == [f.key for f in manifest.fields]
    assert schema["required"] == [f.key for f in manifest.fields if f.required]
    assert {key: prop["title"] for key, prop in schema["properties"].items()} == {f.key: f.label for f in manifest.fields}


@pytest.mark.parametrize("name", [n for n in ACTION_NAMES if "matching_field" in _load(f"actions/{n}.json")["properties"]])
def test_labelled_enums_are_one_of_const_title(name):
    prop = _load(f"actions/{name}.json")["properties"]["matching_field"]
    assert prop["type"] == "string"
    assert prop["oneOf"] == [
        {"const": "id", "title": "External ID"},
        {"const": "email", "title": "Email"},
        {"const": "cio_id", "title": "CIO ID"},
    ]
    assert "enum" not in prop


@pytest.mark.parametrize("name", [n for n in ACTION_NAMES if "matching_field" in _load(f"actions/{n}.json")["properties"]])
def test_matching_rules_are_keyed_if_then(name):
    rules = [rule for rule in _load(f"actions/{name}.json")["allOf"] if "matching_value" in rule["then"]["properties"]]
    keyed = {rule["if"]["properties"]["matching_field"]["const"]: rule for rule in rules}
    assert set(keyed) == {"email", "cio_id"}
    for rule in rules:
        assert rule["if"]["required"] == ["matching_field"]
        assert set(rule["then"]["properties"]) == {"matching_value"}
    assert keyed["email"]["then"]["properties"]["matching_value"]["format"] == "email"


def test_region_is_a_labelled_enum():
    prop = _load("connection.json")["properties"]["region"]
    assert prop["oneOf"] == [{"const": "us", "title": "US"}, {"const": "eu", "title": "EU"}]


def test_secrets_are_write_only_and_nothing_else_is():
    schema = _load("connection.json")
    assert {key for key, prop in schema["properties"].items() if prop.get("writeOnly")} == {"app_api_key", "track_api_key"}
    assert all(schema["properties"][key]["writeOnly"] is True for key in ("app_api_key", "track_api_key"))
    for name in ACTION_NAMES:
        assert not any(prop.get("writeOnly") for prop in _load(f"actions/{name}.json")["properties"].values())


@pytest.mark.parametrize("name", ["add_customer_to_segment", "remove_customer_from_segment"])
def test_dynamic_options_are_an_x_extension(name):
    segment = _load(f"actions/{name}.json")["properties"]["segment"]
    assert segment["type"] == "integer"
    assert segment["x-dynamic-options"] == {"source": "segments", "filter": {"type": "manual"}}


def test_only_segment_and_object_type_fields_have_dynamic_options():
    with_options = {
        (name, key)
        for name in ACTION_NAMES
        for key, prop in _load(f"actions/{name}.json")["properties"].items()
        if "x-dynamic-options" in prop
    }
    objects = ("identify_object", "delete_object", "add_relationship", "remove_relationship")
    segments = {("add_customer_to_segment", "segment"), ("remove_customer_from_segment", "segment")}
    sends = ("send_transactional_email", "send_transactional_sms", "send_transactional_push")
    assert with_options == segments | {(name, "object_type_id") for name in objects} | {
        (name, "transactional_message_id") for name in sends}
    for name in objects:
        assert _load(f"actions/{name}.json")["properties"]["object_type_id"]["x-dynamic-options"] == {"source": "object_types"}


def test_timestamps_accept_iso_or_unix_seconds():
    prop = _load("actions/track_event.json")["properties"]["timestamp"]
    kinds = [branch.get("type") for branch in prop["anyOf"]]
    assert kinds == ["integer", "string"]
    # No "date-time" format: date-only values are accepted, which RFC 3339 validators would refuse.
    assert "format" not in prop["anyOf"][1] and prop["x-timestamp"] is True


# A validator that knows none of our x- keywords still reaches the same verdict on shapes.
@pytest.mark.parametrize(
    ("name", "config", "valid"),
    [
        ("upsert_customer", {"matching_field": "email", "matching_value": "ada@example.com"}, True),
        ("upsert_customer", {"matching_field": "email", "matching_value": "ada"}, False),
        ("upsert_customer", {"matching_field": "cio_id", "matching_value": "cio_03000001"}, True),
        ("upsert_customer", {"matching_field": "cio_id", "matching_value": "not a cio id"}, False),
        ("upsert_customer", {"matching_field": "id", "matching_value": "ada", "extra": 1}, False),
        ("track_event", {"name": "purchase", "customer_id": "42", "timestamp": "2024-05-01T12:00:00Z"}, True),
        ("track_event", {"name": "purchase", "customer_id": "42", "timestamp": "2024-13-01T12:00:00Z"}, False),
        ("track_page", {"customer_id": "42", "page_url": "/pricing"}, True),
        ("track_page", {"customer_id": "42", "page_url": "pricing"}, False),
    ],
)
def test_generated_schemas_work_with_a_plain_validator(name, config, valid):
    validator = Draft202012Validator(_load(f"actions/{name}.json"))
    assert validator.is_valid(config) is valid

"""Config schemas: a stored config with templates is valid; a concrete bad value still is not."""

from __future__ import annotations

import json

import pytest
from jsonschema import Draft202012Validator

from cio_connector._util.bundle import bundle_root
from cio_connector.declarative.config_schema import ANNOTATIONS
from cio_connector.declarative.validation import SchemaChecker
from cio_connector.forms import TEMPLATE, config_schema, is_templatable

SCHEMAS = bundle_root() / "schemas"


def _checker(connector, action):
    return SchemaChecker(config_schema(connector.manifest, connector.action(action).manifest))


def _messages(connector, action, config):
    return [(p.path, p.message) for p in _checker(connector, action).problems(config)]


def test_one_committed_config_schema_per_action_equal_to_the_generated_one(connector):
    for name, action in connector.actions.items():
        committed = json.loads((SCHEMAS / "config" / f"{name}.json").read_text())
        assert committed == config_schema(connector.manifest, action.manifest)
        Draft202012Validator.check_schema(committed)
        assert committed["$id"].endswith(f":config:{name}")


@pytest.mark.parametrize(
    ("action", "config"),
    [
        ("upsert_customer", {"matching_field": "email", "matching_value": "{{ record.email }}"}),  # the README's example
        ("upsert_customer", {"matching_field": "cio_id", "matching_value": "{{ record.cio_id }}"}),
        ("upsert_customer", {"matching_field": "id", "matching_value": "u1", "mappings": {"plan": "{{ record.plan }}"}}),
        ("upsert_customer", {"matching_field": "id", "matching_value": "u1", "mappings": "{{ record.traits }}"}),
        ("add_customer_to_segment", {"matching_field": "id", "matching_value": "u1", "segment": "{{ record.segment }}"}),
        ("track_event", {"name": "{{ record.event }}", "customer_id": "{{ record.id }}", "timestamp": "{{ record.at }}"}),
        ("track_page", {"customer_id": "42", "page_url": "{% if record.path %}{{ record.path }}{% endif %}"}),
    ],
)
def test_templates_are_valid_where_the_runtime_takes_them(connector, action, config):
    assert _messages(connector, action, config) == []
    assert connector.validate(action, config) == []


@pytest.mark.parametrize(
    ("action", "config", "expected"),
    [
        ("upsert_customer", {"matching_field": "email", "matching_value": "not-an-email"},
         [("$.matching_value", "must be an email address when Matching Field Name is Email")]),
        ("upsert_customer", {"matching_field": "cio_id", "matching_value": "cio-1"},
         [("$.matching_value", "must be a CIO ID (letters and digits, optionally prefixed cio_) "
                               "when Matching Field Name is CIO ID")]),
        ("add_customer_to_segment", {"matching_field": "id", "matching_value": "u1", "segment": "seven"},
         [("$.segment", "neither an integer nor a template")]),
    ],
)
def test_a_concrete_invalid_value_is_still_refused(connector, action, config, expected):
    problems = _messages(connector, action, config)
    assert [path for path, _ in problems] == [path for path, _ in expected]
    if "when Matching Field Name" in expected[0][1]:  # the rule's own words, as the runtime says them
        assert problems == expected
    assert connector.validate(action, config) != []


def test_the_value_branch_is_the_input_schemas_field(connector):
    for name, action in connector.actions.items():
        inputs = action.schema["properties"]
        configs = config_schema(connector.manifest, action.manifest)["properties"]
        for field in action.manifest.fields:
            config, typed = configs[field.key], {k: v for k, v in inputs[field.key].items() if k not in ANNOTATIONS}
            if not is_templatable(field):
                assert config == inputs[field.key]
            elif field.type == "datetime":
                assert config["anyOf"] == [*typed.pop("anyOf"), TEMPLATE]
            elif "additionalProperties" in typed:  # attribute values may be templates too
                values = typed.pop("additionalProperties")
                assert config["anyOf"][0].pop("additionalProperties") == {"anyOf": [values, TEMPLATE]}
                assert config["anyOf"] == [{"title": "Value", **typed}, TEMPLATE]
            elif field.type == "attributes":  # free values: said outright, so a form offers to add entries
                assert config["anyOf"] == [{"title": "Value", **typed, "additionalProperties": True}, TEMPLATE]
            else:
                assert config["anyOf"] == [{"title": "Value", **typed}, TEMPLATE], (name, field.key)


def test_choices_stay_choices(connector):
    prop = config_schema(connector.manifest, connector.action("upsert_customer").manifest)["properties"]["matching_field"]
    assert "anyOf" not in prop and [c["title"] for c in prop["oneOf"]] == ["External ID", "Email", "CIO ID"]


def test_a_templated_choice_is_the_one_deliberate_difference_from_the_runtime(connector):
    """The runtime renders any string, a choice too; a form offers the choices, so the config schema does."""
    config = {"matching_field": "{{ record.kind }}", "matching_value": "{{ record.value }}"}
    assert connector.validate("upsert_customer", config) == []
    assert [p.path for p in _checker(connector, "upsert_customer").problems(config)] == ["$.matching_field"]

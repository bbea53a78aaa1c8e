"""Broken manifests fail at load with every problem, each as ``source:line:column: $.path: message``."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from cio_connector import ManifestError, load_connector
from cio_connector.declarative.manifest import load_action_manifest, load_connector_manifest
from cio_connector.pipeline.registry import HandlerRegistry

# libyaml (used when PyYAML has it) and the pure-Python parser word this one error differently.
FLOW_ERROR = (
    "did not find expected ',' or ']'" if yaml.__with_libyaml__ else "expected ',' or ']', but got ':'"
)

BROKEN = Path(__file__).parent / "broken_manifests"

# broken_manifests/<name>.yaml -> the exact str() of every problem, in order.
EXPECTED: dict[str, list[str]] = {
    "bad_key_pattern": [
        "actions/bad_key_pattern.yaml:5:10: $.fields[0].key: does not match the pattern ^[a-z][a-z0-9_]*$",
    ],
    "choice_without_label": [
        "actions/choice_without_label.yaml:10:9: $.fields[0].choices[1].label: is required",
    ],
    "choices_on_a_string": [
        "actions/choices_on_a_string.yaml:10:7: $.fields[1].choices: only a field of type enum may have choices",
    ],
    "constraint_not_for_type": [
        ("actions/constraint_not_for_type.yaml:9:50: $.fields[1].constraints.max_properties: "
        "does not apply to a field of type 'string'"),
    ],
    "default_not_a_choice": [
        "actions/default_not_a_choice.yaml:8:14: $.fields[0].default: 'enterprise' is not one of the choices",
    ],
    "duplicate_choice_values": [
        "actions/duplicate_choice_values.yaml:9:7: $.fields[0].choices: choice values must be unique",
    ],
    "duplicate_field_key": [
        "actions/duplicate_field_key.yaml:11:10: $.fields[2].key: field 'amount' is declared twice",
    ],
    "duplicate_of_a_group_field": [
        "actions/duplicate_of_a_group_field.yaml:8:10: $.fields[1].use: field 'matching_value' is declared twice",
    ],
    "dynamic_options_on_a_boolean": [
        ("actions/dynamic_options_on_a_boolean.yaml:9:14: $.fields[1].options: "
        "dynamic options need an integer or string field"),
    ],
    "empty_file": [
        "actions/empty_file.yaml:1:1: $: must be a mapping of keys to values",
    ],
    "enum_without_choices": [
        "actions/enum_without_choices.yaml:6:5: $.fields[1].choices: is required",
    ],
    "fields_on_a_string": [
        "actions/fields_on_a_string.yaml:9:7: $.fields[0].fields: only a field of type object may have fields",
    ],
    "invalid_regex": [
        ("actions/invalid_regex.yaml:8:28: $.fields[0].constraints.pattern: "
        "not a valid regular expression: missing ), unterminated subpattern at position 1"),
    ],
    "invalid_yaml": [
        f"actions/invalid_yaml.yaml:7:9: $: not valid YAML: {FLOW_ERROR}",
    ],
    "missing_label": [
        "actions/missing_label.yaml:6:5: $.fields[1].label: is required",
    ],
    "missing_title_and_description": [
        "actions/missing_title_and_description.yaml:1:1: $.title: is required",
        "actions/missing_title_and_description.yaml:1:1: $.description: is required",
    ],
    "name_mismatch": [
        "actions/name_mismatch.yaml:1:7: $.name: must match the file name 'name_mismatch'",
    ],
    "no_fields": [
        "actions/no_fields.yaml:4:9: $.fields: must not be empty",
    ],
    "object_without_fields": [
        "actions/object_without_fields.yaml:5:5: $.fields[0].fields: is required",
    ],
    "pattern_message_without_pattern": [
        ("actions/pattern_message_without_pattern.yaml:8:52: $.fields[0].constraints.pattern_message: "
        "needs 'pattern' as well"),
    ],
    "rule_constraint_not_for_type": [
        ("actions/rule_constraint_not_for_type.yaml:12:50: $.rules[0].then.constraints.format: "
        "does not apply to a field of type 'integer'"),
    ],
    "rule_equals_not_a_choice": [
        ("actions/rule_equals_not_a_choice.yaml:7:43: $.rules[0].when.equals: "
        "'phone' is not one of the choices of 'matching_field'"),
    ],
    "rule_then_unknown_field": [
        ("actions/rule_then_unknown_field.yaml:8:19: $.rules[0].then.field: "
        "unknown field 'email'; known fields: matching_field, matching_value"),
    ],
    "rule_unknown_field": [
        ("actions/rule_unknown_field.yaml:7:19: $.rules[0].when.field: "
        "unknown field 'matching_type'; known fields: matching_field, matching_value"),
    ],
    "top_level_list": [
        "actions/top_level_list.yaml:1:1: $: must be a mapping of keys to values",
    ],
    "unknown_field_group": [
        ("actions/unknown_field_group.yaml:5:10: $.fields[0].use: "
        "unknown field group 'matchng'; known groups: customer, matching"),
    ],
    "unknown_field_type": [
        ("actions/unknown_field_type.yaml:8:11: $.fields[1].type: must be one of: 'string', 'integer', "
        "'number', 'boolean', 'attributes', 'datetime', 'url', 'email', 'enum', 'object'"),
    ],
    "unknown_options_source": [
        "actions/unknown_options_source.yaml:9:23: $.fields[1].options.source: must be one of: 'segments', "
        "'object_types', 'transactional_messages'",
    ],
    "unknown_top_level_key": [
        ("actions/unknown_top_level_key.yaml:6:10: $.handler: "
        "unknown field; known fields: name, title, description, fields, rules"),
    ],
    "use_with_extra_keys": [
        "actions/use_with_extra_keys.yaml:6:15: $.fields[0].required: unknown field; known fields: use",
    ],
    "wrong_value_types": [
        "actions/wrong_value_types.yaml:6:12: $.fields[0].label: must be a string, not an integer",
        "actions/wrong_value_types.yaml:8:15: $.fields[0].required: must be true or false, not a string",
    ],
}


def test_every_broken_manifest_has_an_expectation_and_every_expectation_a_file():
    assert sorted(path.stem for path in BROKEN.glob("*.yaml")) == sorted(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_broken_action_manifest_fails_with_the_exact_problems(name, connector_manifest):
    with pytest.raises(ManifestError) as caught:
        load_action_manifest(BROKEN / f"{name}.yaml", connector_manifest)
    assert [str(problem) for problem in caught.value.problems] == EXPECTED[name]


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_the_error_message_lists_every_problem(name, connector_manifest):
    with pytest.raises(ManifestError) as caught:
        load_action_manifest(BROKEN / f"{name}.yaml", connector_manifest)
    assert str(caught.value) == "invalid manifest:\n" + "\n".join(f"  - {line}" for line in EXPECTED[name])


def test_problems_keep_their_parts(connector_manifest):
    with pytest.raises(ManifestError) as caught:
        load_action_manifest(BROKEN / "missing_label.yaml", connector_manifest)
    (problem,) = caught.value.problems
    assert (problem.source, problem.line, problem.column) == ("actions/missing_label.yaml", 6, 5)
    assert problem.path == "$.fields[1].label"
    assert problem.location == ("fields", 1, "label")


def test_a_missing_action_file_is_a_problem_not_a_crash(tmp_path, connector_manifest):
    with pytest.raises(ManifestError) as caught:
        load_action_manifest(tmp_path / "ghost.yaml", connector_manifest)
    assert [str(p) for p in caught.value.problems] == ["actions/ghost.yaml: $: cannot read: No such file or directory"]


# -- connector.yaml and the action folder --------------------------------------------------------

# A small connector of our own, so line numbers below do not move when the shipped one changes.
CONNECTOR = """\
id: demo
name: Demo
version: 1.0.0
description: A connector for tests.
connection:
  fields:
    - key: region
      label: Region
      type: enum
      choices:
        - {value: us, label: US}
        - {value: eu, label: EU}
    - {key: app_api_key, label: App API Key, type: string, secret: true}
field_groups:
  who:
    fields:
      - {key: who_kind, label: Kind, type: enum, choices: [{value: id, label: ID}, {value: email, label: Email}]}
      - {key: who, label: Who, type: string}
    rules:
      - when: {field: who_kind, equals: email}
        then: {field: who, constraints: {format: email}, message: must be an email}
actions:
  - ping
  - pong
"""

ACTION = """\
name: {name}
title: {title}
description: A test action.
fields:
  - use: who
"""


def _write(root: Path, connector: str = CONNECTOR, actions: tuple[str, ...] = ("ping", "pong")) -> Path:
    (root / "actions").mkdir(exist_ok=True)
    (root / "connector.yaml").write_text(connector)
    for name in actions:
        (root / "actions" / f"{name}.yaml").write_text(ACTION.format(name=name, title=name.title()))
    return root


def _registry(*names: str) -> HandlerRegistry:
    registry = HandlerRegistry()
    for name in names:
        registry.register(name)(lambda inputs: None)
    return registry


def _problems(root: Path, registry: HandlerRegistry | None = None) -> list[str]:
    with pytest.raises(ManifestError) as caught:
        load_connector(root, registry=registry or _registry("ping", "pong"))
    return [str(p) for p in caught.value.problems]


def test_the_test_connector_itself_loads(tmp_path):
    connector = load_connector(_write(tmp_path), registry=_registry("ping", "pong"))
    assert list(connector.actions) == ["ping", "pong"]
    assert [f.key for f in connector.actions["ping"].manifest.fields] == ["who_kind", "who"]


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        pytest.param(
            "        - {value: eu, label: EU}\n", "",
            ["connector.yaml:7:5: $.connection.fields: region choices must be Customer.io's regions: us, eu"],
            id="region-choices-differ-from-regions",
        ),
        pytest.param(
            "    - key: region\n", "    - key: zone\n",
            ["connector.yaml:7:5: $.connection.fields: needs an enum field 'region'"],
            id="no-region-field",
        ),
        pytest.param(
            "connection:\n", "regions: {us: {label: US, track: https://track.example.com}}\nconnection:\n",
            ["connector.yaml:5:10: $.regions: unknown field; known fields: id, name, version, description, connection, "
             "field_groups, actions"],
            id="regions-are-facts-not-manifest-data",
        ),
        pytest.param(
            "version: 1.0.0", "version: one",
            ["connector.yaml:3:10: $.version: does not match the pattern ^\\d+\\.\\d+\\.\\d+([-+][0-9A-Za-z.-]+)?$"],
            id="bad-version",
        ),
        pytest.param(
            "id: demo\n", "",
            ["connector.yaml:1:1: $.id: is required"],
            id="missing-id",
        ),
        pytest.param(
            "  - pong\n", "  - pong\n  - ping\n",
            ["connector.yaml:23:3: $.actions: must not repeat items; repeated: 'ping'"],
            id="action-listed-twice",
        ),
        pytest.param(
            "when: {field: who_kind,", "when: {field: who_type,",
            ["connector.yaml:20:23: $.field_groups.who.rules[0].when.field: unknown field 'who_type'; "
             "known fields: who_kind, who"],
            id="group-rule-unknown-field",
        ),
        pytest.param(
            "{key: who, label: Who, type: string}", "{key: who, label: Who, type: string, constraints: {minimum: 1}}",
            ["connector.yaml:18:69: $.field_groups.who.fields[1].constraints.minimum: "
             "does not apply to a field of type 'string'"],
            id="group-field-constraint-not-for-type",
        ),
        pytest.param(
            "name: Demo", "name: [Demo",
            [f"connector.yaml:3:8: $: not valid YAML: {FLOW_ERROR}"],
            id="invalid-yaml",
        ),
        pytest.param(
            "actions:\n", "secret_sauce: true\nactions:\n",
            ["connector.yaml:22:15: $.secret_sauce: unknown field; "
             "known fields: id, name, version, description, connection, field_groups, actions"],
            id="unknown-top-level-key",
        ),
    ],
)
def test_broken_connector_manifest(tmp_path, old, new, expected):
    assert old in CONNECTOR
    root = _write(tmp_path, CONNECTOR.replace(old, new, 1))
    with pytest.raises(ManifestError) as caught:
        load_connector_manifest(root)
    assert [str(p) for p in caught.value.problems] == expected
    assert _problems(root) == expected


def test_connector_yaml_that_is_not_a_mapping(tmp_path):
    root = _write(tmp_path, "- ping\n- pong\n")
    assert _problems(root) == ["connector.yaml:1:1: $: must be a mapping of keys to values"]


def test_missing_connector_yaml(tmp_path):
    (tmp_path / "actions").mkdir()
    assert _problems(tmp_path) == ["connector.yaml: $: cannot read: No such file or directory"]


def test_a_listed_action_without_a_manifest(tmp_path):
    root = _write(tmp_path, actions=("ping",))
    assert _problems(root) == ["connector.yaml:24:5: $.actions[1]: action 'pong' has no manifest actions/pong.yaml"]


def test_a_manifest_not_listed_in_connector_yaml(tmp_path):
    root = _write(tmp_path, actions=("ping", "pong", "peng"))
    assert _problems(root) == ["connector.yaml:23:3: $.actions: actions/peng.yaml is not listed in connector.yaml"]


def test_a_handler_without_a_manifest(tmp_path):
    root = _write(tmp_path)
    assert _problems(root, _registry("ping", "pong", "pang")) == [
        "connector.yaml:23:3: $.actions: handler 'pang' has no action in connector.yaml"
    ]


def test_a_manifest_without_a_handler(tmp_path):
    root = _write(tmp_path)
    assert _problems(root, _registry("ping")) == [
        "actions/pong.yaml:1:7: $.name: action 'pong' has no registered handler"
    ]


def test_all_problems_of_the_folder_are_reported_together(tmp_path):
    root = _write(tmp_path, actions=("ping", "peng"))
    (root / "actions" / "ping.yaml").write_text(ACTION.format(name="pingg", title="Ping"))
    assert _problems(root, _registry("ping", "pong", "pang")) == [
        "connector.yaml:24:5: $.actions[1]: action 'pong' has no manifest actions/pong.yaml",
        "connector.yaml:23:3: $.actions: actions/peng.yaml is not listed in connector.yaml",
        "connector.yaml:23:3: $.actions: handler 'pang' has no action in connector.yaml",
        "actions/ping.yaml:1:7: $.name: must match the file name 'ping'",
    ]


def test_a_broken_action_in_the_folder_fails_the_whole_load(tmp_path):
    root = _write(tmp_path)
    (root / "actions" / "pong.yaml").write_text((BROKEN / "missing_label.yaml").read_text().replace("missing_label", "pong"))
    assert _problems(root) == ["actions/pong.yaml:6:5: $.fields[1].label: is required"]


def test_a_handler_mapping_an_error_field_to_no_declared_field_does_not_load(tmp_path):
    from cio_connector.pipeline.registry import handler

    @handler("pong", field_map={"identifiers": "$.who", "attributes": "$.mappings"})
    def pong(inputs):
        return None

    registry = _registry("ping")
    registry.add(pong)
    assert _problems(_write(tmp_path), registry) == [
        "actions/pong.yaml:5:3: $.fields: handler 'pong' maps Customer.io's 'attributes' to $.mappings, "
        "not a field of the action"
    ]


def test_the_shipped_handlers_are_listed_once_each_and_match_the_manifests():
    from cio_connector.handlers import SHIPPED, shipped_handlers

    registry = shipped_handlers()
    assert len(registry.names()) == len(SHIPPED)
    assert registry.names() == set(load_connector().actions)
    with pytest.raises(KeyError, match="known handlers: add_customer_to_segment, add_device, add_relationship, delete_customer"):
        registry.get("no_such_action")

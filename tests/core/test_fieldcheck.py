"""A schema's verdict split by field agrees with the whole schema's on every instance of the config's shape."""

from __future__ import annotations

import jsonschema_rs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cio_connector.declarative.fieldcheck import split_fast_check

SCHEMA = {
    "type": "object",
    "title": "an action",
    "x-action": "demo",
    "properties": {
        "kind": {"type": "string", "enum": ["email", "id"]},
        "value": {"type": "string", "minLength": 1, "x-maxBytes": 8},
        "count": {"type": "integer", "minimum": 0},
    },
    "required": ["kind", "value"],
    "additionalProperties": False,
    "allOf": [
        {"if": {"properties": {"kind": {"const": "email"}}, "required": ["kind"]},
         "then": {"properties": {"value": {"pattern": "@"}}}},
        {"if": {"properties": {"count": {"const": 0}}, "required": ["count"]},
         "then": {"properties": {"value": {"maxLength": 3}}}},
    ],
}
WHOLE = jsonschema_rs.Draft202012Validator(SCHEMA, validate_formats=False).is_valid


def _whole(instance: dict) -> bool:
    fits = len(instance["value"].encode()) <= 8 if isinstance(instance.get("value"), str) else True
    return WHOLE(instance) and fits


@settings(max_examples=400, deadline=None)
@given(kind=st.sampled_from(["email", "id"]), count=st.integers(-1, 2),
       values=st.lists(st.one_of(st.text(max_size=10), st.integers()), min_size=1, max_size=5))
def test_split_verdicts_equal_the_whole_schemas(kind, count, values):
    template = {"kind": kind, "value": "{{ record.v }}", "count": count}
    split = split_fast_check(SCHEMA, template, [("value",)])
    if split is None:  # a constant the schema refuses: the whole check (and the full path) decide
        assert not any(_whole({**template, "value": value}) for value in values)
        return
    for value in values:
        instance = {**template, "value": value}
        assert split(instance) == _whole(instance), instance


@settings(max_examples=200, deadline=None)
@given(kind=st.sampled_from(["email", "id", 3]), value=st.text(max_size=10))
def test_a_rule_reading_a_templated_field_is_judged_per_record(kind, value):
    template = {"kind": "{{ record.k }}", "value": "{{ record.v }}"}
    split = split_fast_check(SCHEMA, template, [("kind",), ("value",)])
    assert split is not None
    instance = {"kind": kind, "value": value}
    assert split(instance) == _whole(instance)


@pytest.mark.parametrize("schema", [
    {**SCHEMA, "minProperties": 2},                                   # a keyword the split does not know
    {**SCHEMA, "allOf": [{"if": {"minProperties": 1}, "then": {}}]},  # a condition it cannot read
    {**SCHEMA, "allOf": [{"if": {"required": ["kind"]}, "then": {}, "else": {}}]},
    {**SCHEMA, "x-maxBytes": 100},                                    # a limit on the whole instance
    {**SCHEMA, "properties": {**SCHEMA["properties"], "value": {"format": "date-time"}}},
])
def test_schemas_it_cannot_split_keep_the_whole_check(schema):
    assert split_fast_check(schema, {"kind": "id", "value": "{{ record.v }}"}, [("value",)]) is None


@pytest.mark.parametrize("template", [
    {"value": "{{ record.v }}"},                                   # a required key missing
    {"kind": "id", "value": "{{ record.v }}", "other": 1},         # an unknown key
    {"kind": "nope", "value": "{{ record.v }}"},                   # a constant the schema refuses
])
def test_a_config_never_valid_gets_no_split_check(template):
    assert split_fast_check(SCHEMA, template, [("value",)]) is None


MAP_SCHEMA = {
    "type": "object",
    "properties": {"attrs": {"type": "object", "propertyNames": {"maxLength": 4, "x-maxBytes": 4},
                             "additionalProperties": {"x-maxBytes": 6}, "maxProperties": 3, "x-maxBytes": 40}},
}
MAP_WHOLE = jsonschema_rs.Draft202012Validator(MAP_SCHEMA, validate_formats=False).is_valid


def _map_whole(instance: dict) -> bool:
    from cio_connector._util.jsonbytes import compact_json, text_or_json_size

    attrs = instance["attrs"]
    return (MAP_WHOLE(instance) and all(len(k.encode()) <= 4 for k in attrs)
            and all(text_or_json_size(v) <= 6 for v in attrs.values()) and len(compact_json(attrs)) <= 40)


@settings(max_examples=400, deadline=None)
@given(constant=st.one_of(st.text(max_size=8), st.integers(), st.none()),
       values=st.lists(st.one_of(st.text(max_size=9), st.integers(), st.lists(st.integers(), max_size=3)),
                       min_size=1, max_size=4))
def test_a_map_with_fixed_keys_is_judged_by_its_templated_values_and_its_size(constant, values):
    template = {"attrs": {"a": "{{ record.a }}", "bb": constant}}
    split = split_fast_check(MAP_SCHEMA, template, [("attrs", "a")])
    if split is None:
        assert not any(_map_whole({"attrs": {"a": value, "bb": constant}}) for value in values)
        return
    for value in values:
        instance = {"attrs": {"a": value, "bb": constant}}
        assert split(instance) == _map_whole(instance), instance


# -- every shipped action: the split check, as a function and as generated code, is the full checker's verdict
from cio_connector import load_connector  # noqa: E402
from cio_connector.declarative.fieldcheck import split_checks  # noqa: E402
from cio_connector.pipeline.source import generated  # noqa: E402
from cio_connector.pipeline.splice import bind  # noqa: E402

from .test_compiled_handlers import RICH  # noqa: E402
from .test_plan_differential import field_values, full_verdict  # noqa: E402

CONNECTOR = load_connector()


def _generated(split) -> object:
    """The split's checks as one generated function of the instance (what a plan writes inline)."""
    names: dict = {}
    lines = ["def judge(instance):"]
    for index, (key, checks) in enumerate(split.by_key):
        lines.append(f"    value{index} = instance[{bind(names, key)}]")
        for number, check in enumerate(checks):
            source = getattr(check, "source", None)
            if source is None:
                lines.append(f"    if not {bind(names, check)}(value{index}): return None")
            else:
                lines += ["    " + line for line in source(f"value{index}", lambda v: bind(names, v), f"t{index}_{number}")]
    lines += [f"    if not {bind(names, check)}(instance): return None" for check in split.whole]
    lines.append("    return True")
    return generated("judge", lines, names)


@pytest.mark.parametrize("action", sorted(CONNECTOR.actions))
@settings(max_examples=300, deadline=None)
@given(data=st.data())
def test_every_actions_split_check_is_the_full_checkers_verdict(action, data):
    """Every key read from the record (maps: every value), so each per-field check is exercised:
    a valid config with some of its values (or map values) swapped for edge cases."""
    instance = dict(RICH[action])
    for key in data.draw(st.sets(st.sampled_from(sorted(instance)), max_size=1)):
        if isinstance(instance[key], dict) and data.draw(st.booleans()):
            instance[key] = {name: data.draw(field_values(action, "mappings") if action == "upsert_customer"
                                             else st.one_of(st.text(max_size=3), st.integers(), st.none()))
                             for name in instance[key]}
        else:
            instance[key] = data.draw(field_values(action, key))
    locations: list[tuple] = []
    template: dict = {}
    for key, value in instance.items():
        if isinstance(value, dict) and value and all(isinstance(name, str) for name in value):
            locations += [(key, name) for name in value]
            template[key] = {name: "{{ x }}" for name in value}
        else:
            locations.append((key,))
            template[key] = "{{ x }}"
    split = split_checks(CONNECTOR.actions[action].schema, template, locations)
    if split is None:
        return
    expected = full_verdict(action, instance)
    assert split.joined()(instance) == expected, instance
    assert (_generated(split)(instance) is True) == expected, instance

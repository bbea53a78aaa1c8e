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
    split = split_fast_check(SCHEMA, template, frozenset({"value"}))
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
    split = split_fast_check(SCHEMA, template, frozenset({"kind", "value"}))
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
    assert split_fast_check(schema, {"kind": "id", "value": "{{ record.v }}"}, frozenset({"value"})) is None


@pytest.mark.parametrize("template", [
    {"value": "{{ record.v }}"},                                   # a required key missing
    {"kind": "id", "value": "{{ record.v }}", "other": 1},         # an unknown key
    {"kind": "nope", "value": "{{ record.v }}"},                   # a constant the schema refuses
])
def test_a_config_never_valid_gets_no_split_check(template):
    assert split_fast_check(SCHEMA, template, frozenset({"value"})) is None

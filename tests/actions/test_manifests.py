"""The new manifests encode Customer.io's facts, and each field's key is the public contract of issue 17."""

from __future__ import annotations

import pytest

from cio_connector import facts
from cio_connector.declarative.patterns import portable_pattern

OBJECT_ACTIONS = ["identify_object", "delete_object", "add_relationship", "remove_relationship"]


@pytest.mark.parametrize("action", OBJECT_ACTIONS)
def test_object_type_ids_are_strings_of_digits_from_one_with_live_options(connector, action):
    field = connector.actions[action].manifest.field("object_type_id")
    assert field is not None and field.type == "string" and field.required
    assert field.constraints.pattern == facts.OBJECT_TYPE_ID_PATTERN
    assert field.options is not None and field.options.source == "object_types"
    schema = connector.actions[action].schema["properties"]["object_type_id"]
    assert schema["pattern"] == portable_pattern(facts.OBJECT_TYPE_ID_PATTERN)


def test_device_platforms_are_customerios(connector):
    field = connector.actions["add_device"].manifest.field("platform")
    assert field is not None and tuple(c.value for c in field.choices or ()) == facts.DEVICE_PLATFORMS


@pytest.mark.parametrize("key", ["primary", "secondary"])
def test_merge_checks_each_side_like_the_matching_group(connector, key):
    merge = connector.actions["merge_customers"].manifest
    matching = connector.manifest.field_groups["matching"]
    assert [c.value for c in merge.field(f"{key}_field").choices] == [c.value for c in matching.fields[0].choices]
    assert merge.field(f"{key}_value").constraints == matching.fields[1].constraints
    rules = [r for r in merge.rules if r.then.field == f"{key}_value"]
    assert [(r.when.equals, r.then.constraints) for r in rules] == [(r.when.equals, r.then.constraints) for r in matching.rules]


@pytest.mark.parametrize(
    ("key", "credential"), [("device_token", False), ("push_token", False), ("api_token", True), ("token", True)]
)
def test_lint_reads_a_device_token_as_an_identifier_not_a_credential(key, credential):
    from cio_connector.ci.lint import DEVICE_TOKEN_KEY, SECRET_KEY

    assert bool(SECRET_KEY.search(key) and not DEVICE_TOKEN_KEY.search(key)) is credential

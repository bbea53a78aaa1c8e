"""Templated config values: rendered against the record in a sandbox, then validated."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from cio_connector.pipeline.templating import (
    is_template,
    render_config,
    template_locations,
    to_json_value,
)

UPSERT = {"matching_field": "id", "matching_value": "42"}


def _prepared(connector, action, config, record):
    return connector.prepare(action, config, record=record)


@pytest.mark.parametrize(
    ("value", "expected"),
    [("{{ x }}", True), ("{% if x %}y{% endif %}", True), ("{# note #}", True), ("plain", False),
     ("{ x }", False), (42, False), (None, False)],
)
def test_what_counts_as_a_template(value, expected):
    assert is_template(value) is expected


@pytest.mark.parametrize(
    ("template", "record", "expected"),
    [
        ("{{ record.age }}", {"age": 36}, 36),
        ("  {{ record.age }}  ", {"age": 36}, 36),
        ("{{ record.score }}", {"score": 9.5}, 9.5),
        ("{{ record.vip }}", {"vip": True}, True),
        ("{{ record.tags }}", {"tags": ("a", "b")}, ["a", "b"]),
        ("{{ record.plan }}", {"plan": {"tier": "pro", "seats": 3}}, {"tier": "pro", "seats": 3}),
        ("{{ record.nothing }}", {"nothing": None}, None),
        ("{{ record.price }}", {"price": Decimal(12)}, 12),
        ("{{ record.price }}", {"price": Decimal("12.5")}, 12.5),
        ("{{ record.age + 1 }}", {"age": 36}, 37),
    ],
)
def test_a_lone_expression_keeps_its_native_type(connector, template, record, expected):
    inputs = _prepared(connector, "upsert_customer", {**UPSERT, "mappings": {"v": template}}, record)
    assert inputs["mappings"]["v"] == expected
    assert type(inputs["mappings"]["v"]) is type(expected)


@pytest.mark.parametrize(
    ("template", "record", "expected"),
    [
        ("age {{ record.age }}", {"age": 36}, "age 36"),
        ("{{ record.first }} {{ record.last }}", {"first": "Ada", "last": "Lovelace"}, "Ada Lovelace"),
        ("{% if record.vip %}gold{% else %}basic{% endif %}", {"vip": True}, "gold"),
        ("{{ record.name | upper }}!", {"name": "ada"}, "ADA!"),
        ("{# a comment #}{{ record.age }}", {"age": 36}, "36"),
        ("<b>{{ record.name }}</b>", {"name": "<Ada & co>"}, "<b><Ada & co></b>"),  # no HTML escaping
    ],
)
def test_mixed_text_renders_a_string(connector, template, record, expected):
    inputs = _prepared(connector, "upsert_customer", {**UPSERT, "mappings": {"v": template}}, record)
    assert inputs["mappings"]["v"] == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (dt.datetime(2024, 5, 1, 12, 0, tzinfo=dt.UTC), 1714564800),
        (dt.datetime(2024, 5, 1, 12, 0), 1714564800),  # naive means UTC
        (dt.datetime(2024, 5, 1, 14, 0, tzinfo=dt.timezone(dt.timedelta(hours=2))), 1714564800),
        (dt.date(2024, 5, 1), 1714521600),
    ],
)
def test_datetimes_become_unix_seconds(connector, value, expected):
    inputs = _prepared(connector, "upsert_customer", {**UPSERT, "mappings": {"signed_up": "{{ record.at }}"}}, {"at": value})
    assert inputs["mappings"]["signed_up"] == expected
    event = _prepared(connector, "track_event", {"name": "e", "customer_id": "1", "timestamp": "{{ record.at }}"}, {"at": value})
    assert event["timestamp"] == expected


def test_nested_datetimes_become_unix_seconds_too():
    assert to_json_value({"at": [dt.date(1970, 1, 2)], 3: {"x"}}) == {"at": [86400], "3": ["x"]}


def test_rendering_happens_before_validation(connector):
    config = {"matching_field": "email", "matching_value": "{{ record.email }}"}
    problems = connector.validate("upsert_customer", config, record={"email": "not-an-email"})
    assert [(p.path, p.label, p.message) for p in problems] == [
        ("$.matching_value", "Matching Value", "must be an email address when Matching Field Name is Email")
    ]
    assert connector.validate("upsert_customer", config, record={"email": "ada@example.com"}) == []


def test_a_number_rendered_into_a_text_field_becomes_text(connector):
    config = {"matching_field": "id", "matching_value": "{{ record.id }}"}
    assert connector.validate("delete_customer", config, record={"id": 42}) == []
    assert connector.build_request("delete_customer", config, record={"id": 42}).json["identifiers"] == {"id": "42"}


def test_a_whole_number_string_rendered_into_an_integer_field_becomes_a_number(connector):
    config = {"matching_field": "id", "matching_value": "1", "segment": "{{ record.segment }}"}
    assert connector.build_request("add_customer_to_segment", config, record={"segment": " 7 "}).path == (
        "/api/v1/segments/7/add_customers"
    )


def test_a_rendered_value_that_cannot_fit_the_field_is_a_problem(connector):
    config = {"matching_field": "id", "matching_value": "{{ record.ids }}"}
    problems = connector.validate("delete_customer", config, record={"ids": [1, 2]})
    assert [(p.path, p.message) for p in problems] == [("$.matching_value", "must be a string, not a list")]
    segment = {"matching_field": "id", "matching_value": "1", "segment": "{{ record.segment }}"}
    problems = connector.validate("add_customer_to_segment", segment, record={"segment": "seven"})
    assert [(p.path, p.message) for p in problems] == [("$.segment", "must be an integer, not a string")]


def test_attribute_values_keep_the_record_type(connector):
    config = {"matching_field": "id", "matching_value": "1", "mappings": {"seats": "{{ record.seats }}"}}
    assert connector.build_request("upsert_customer", config, record={"seats": 3}).json["attributes"] == {"seats": 3}


def test_without_a_record_templates_are_only_syntax_checked(connector):
    config = {"matching_field": "email", "matching_value": "{{ record.email }}"}
    assert connector.validate("upsert_customer", config) == []
    assert connector.validate("track_event", {"name": "{{ record.event }}", "customer_id": "{{ record.id }}",
                                              "timestamp": "{{ record.at }}"}) == []


def test_without_a_record_syntax_errors_still_count(connector):
    problems = connector.validate("upsert_customer", {"matching_field": "email", "matching_value": "{{ record.email"})
    assert [(p.path, p.code) for p in problems] == [("$.matching_value", "template")]


def test_without_a_record_key_problems_still_count(connector):
    problems = connector.validate("upsert_customer", {"matching_value": "{{ record.email }}", "extra": "{{ x }}"})
    assert [(p.path, p.code) for p in problems] == [("$.matching_field", "required"), ("$.extra", "unknown_field")]


def test_prepare_renders_against_an_empty_record_when_none_is_given(connector):
    problems_config = {"matching_field": "id", "matching_value": "{{ record.id }}"}
    with pytest.raises(Exception) as caught:
        connector.prepare("delete_customer", problems_config)
    assert [p.message for p in caught.value.problems] == ["template error: the record has no field 'id'"]


def test_context_adds_variables_next_to_the_record(connector):
    inputs = connector.prepare(
        "track_event",
        {"name": "{{ workflow }}-{{ record.kind }}", "customer_id": "1"},
        record={"kind": "sale"},
        context={"workflow": "checkout"},
    )
    assert inputs["name"] == "checkout-sale"


def test_template_problems_are_positioned_at_the_value():
    rendered = render_config({"a": ["ok", "{{ x.y }}"], "b": {"c": "{{ 1/0 }}"}}, {"x": {}})
    assert [(p.path, p.location, p.code) for p in rendered.problems] == [
        ("$.a[1]", ("a", 1), "template"),
        ("$.b.c", ("b", "c"), "template"),
    ]
    assert rendered.value == {"a": ["ok", "{{ x.y }}"], "b": {"c": "{{ 1/0 }}"}}


def test_template_locations_finds_every_templated_string():
    config = {"a": "{{ x }}", "b": ["plain", {"c": "{% if y %}{% endif %}"}], "d": 3}
    assert list(template_locations(config)) == [("a",), ("b", 1, "c")]


@pytest.mark.parametrize(
    "template",
    ["{{ record.__class__ }}", "{{ record.update({'a': 1}) }}", "{{ ''.__class__.__mro__ }}",
     "{{ lipsum.__globals__ }}", "{{ range.__self__ }}"],
)
def test_the_sandbox_refuses_unsafe_access(template):
    rendered = render_config({"v": template}, {"record": {}})
    assert [p.code for p in rendered.problems] == ["template"]
    assert rendered.value == {"v": template}


def test_an_undefined_value_inside_a_list_is_an_error_not_a_value():
    rendered = render_config({"v": "{{ [record.missing] }}"}, {"record": {}})
    assert [p.message for p in rendered.problems] == ["template error: the record has no field 'missing'"]


@pytest.mark.parametrize(
    ("template", "message"),
    [
        ("{{ 'a' * 300000000 }}", "template error: a value over 100,000 characters or items is too large for a template"),
        ("{{ [1] * 10**7 }}", "template error: a value over 100,000 characters or items is too large for a template"),
        ("{{ 10 ** 100000 }}", "template error: 4-bit number ** 100000 is too large for a template"),
    ],
)
def test_templates_cannot_build_values_that_exhaust_memory(connector, template, message):
    config = {"matching_field": "id", "matching_value": template}
    problems = connector.validate("delete_customer", config, record={})
    assert [(p.path, p.message) for p in problems] == [("$.matching_value", message)]


def test_ordinary_arithmetic_still_works(connector):
    config = {"matching_field": "id", "matching_value": "{{ 'ab' * 2 }}-{{ record.n * 3 }}-{{ 2 ** 10 }}"}
    assert connector.build_request("delete_customer", config, record={"n": 4}).json["identifiers"] == {"id": "abab-12-1024"}

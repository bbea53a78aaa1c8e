"""``Connector.validate``: valid configs pass; every kind of invalid config is a problem at its path."""

from __future__ import annotations

import pytest

from cio_connector import InputError, Problem
from cio_connector.facts import (
    ATTRIBUTE_NAME_MAX_BYTES,
    ATTRIBUTE_VALUE_MAX_BYTES,
    ENTITY_MAX_BYTES,
    IDENTIFIER_MAX_BYTES,
    MAX_ATTRIBUTES,
)

MATCHING_ACTIONS = ["upsert_customer", "delete_customer", "add_customer_to_segment", "remove_customer_from_segment"]
SEGMENT_ACTIONS = ["add_customer_to_segment", "remove_customer_from_segment"]
TRACK_ACTIONS = ["track_event", "track_page"]
MATCHING_VALUES = {"id": "user-42", "email": "ada@example.com", "cio_id": "cio_03000001"}

# 'é' is 2 UTF-8 bytes: 76 of them are 76 characters but 152 bytes, one byte too many... twice.
NOT_A_ULID = ("must be a ULID (26 letters and digits, no I, L, O or U, the first one 0-7) or auto to generate "
              "one per record")
TOO_LONG_ID = "é" * 76
assert len(TOO_LONG_ID) <= IDENTIFIER_MAX_BYTES < len(TOO_LONG_ID.encode())


def _base(action: str) -> dict:
    """The smallest valid config of each action."""
    if action in MATCHING_ACTIONS:
        config = {"matching_field": "id", "matching_value": "user-42"}
        return {**config, "segment": 7} if action in SEGMENT_ACTIONS else config
    if action == "track_event":
        return {"name": "purchase", "customer_id": "user-42"}
    return {"customer_id": "user-42", "page_url": "https://example.com/pricing"}


def _found(problems: list[Problem]) -> list[tuple[str, str | None, str]]:
    return [(p.path, p.label, p.message) for p in problems]


# -- valid -------------------------------------------------------------------------------------------

VALID = [
    *[(action, {**_base(action), "matching_field": mode, "matching_value": value})
      for action in MATCHING_ACTIONS for mode, value in MATCHING_VALUES.items()],
    ("upsert_customer", {"matching_field": "cio_id", "matching_value": "03000001"}),
    ("upsert_customer", {"matching_field": "id", "matching_value": "é" * 75}),
    ("upsert_customer", {"matching_field": "email", "matching_value": "ada@example.com",
                         "mappings": {"first_name": "Ada", "plan": {"tier": "pro"}, "age": 36, "vip": True, "tags": ["a"]}}),
    ("upsert_customer", {"matching_field": "id", "matching_value": "1",
                         "mappings": {f"a{i}": i for i in range(MAX_ATTRIBUTES)}}),
    ("upsert_customer", {"matching_field": "id", "matching_value": "1",
                         "mappings": {"é" * (ATTRIBUTE_NAME_MAX_BYTES // 2): "é" * (ATTRIBUTE_VALUE_MAX_BYTES // 2)}}),
    ("upsert_customer", {"matching_field": "id", "matching_value": "1", "mappings": {}}),
    ("add_customer_to_segment", {"matching_field": "id", "matching_value": "1", "segment": 1}),
    ("track_event", {"name": "purchase", "customer_id": "ada@example.com"}),
    ("track_event", {"name": "é" * 50, "customer_id": "cio_03000001", "timestamp": 1714564800,
                     "event_id": "01HXJ5Z9Q4W6ZK3V8N2M7R1T0Y", "mappings": {"price": 9.99, "items": [1, 2]}}),
    ("track_event", {"name": "purchase", "customer_id": "42", "timestamp": "2024-05-01T12:00:00Z"}),
    ("track_event", {"name": "purchase", "customer_id": "42", "timestamp": "2024-05-01T12:00:00.123+02:00"}),
    ("track_event", {"name": "purchase", "customer_id": "42", "timestamp": "2024-05-01"}),
    ("track_event", {"name": "purchase", "customer_id": "42", "timestamp": "2024-02-29 23:59"}),
    ("track_event", {"name": "purchase", "customer_id": "42", "timestamp": 0}),
    ("track_event", {"name": "purchase", "customer_id": "42", "mappings": {"blob": "x" * (ENTITY_MAX_BYTES - 200)}}),
    ("track_page", {"customer_id": "42", "page_url": "/pricing?plan=pro"}),
    ("track_page", {"customer_id": "42", "page_url": "http://example.com", "timestamp": 1714564800,
                    "mappings": {"title": "Pricing", "referrer": "https://google.com"}}),
]


@pytest.mark.parametrize(("action", "config"), VALID, ids=lambda v: v if isinstance(v, str) else None)
def test_valid_config_has_no_problems(connector, action, config):
    assert connector.validate(action, config) == []
    assert connector.prepare(action, config) == config


@pytest.mark.parametrize("action", ["upsert_customer", "delete_customer", *SEGMENT_ACTIONS, *TRACK_ACTIONS])
def test_the_smallest_config_of_every_action_is_valid(connector, action):
    assert connector.validate(action, _base(action)) == []


# -- invalid: one kind at a time -----------------------------------------------------------------------

MISSING = [
    ("upsert_customer", {}, [
        ("$.matching_field", "Matching Field Name", "is required"),
        ("$.matching_value", "Matching Value", "is required"),
    ]),
    ("add_customer_to_segment", {"matching_field": "id", "matching_value": "1"}, [
        ("$.segment", "Segment", "is required"),
    ]),
    ("remove_customer_from_segment", {"matching_field": "id", "matching_value": "1"}, [
        ("$.segment", "Segment", "is required"),
    ]),
    ("delete_customer", {"matching_field": "id"}, [("$.matching_value", "Matching Value", "is required")]),
    ("track_event", {}, [
        ("$.name", "Name", "is required"),
        ("$.customer_id", "Customer ID", "is required"),
    ]),
    ("track_page", {"customer_id": "1"}, [("$.page_url", "Page URL", "is required")]),
]

WRONG_TYPE = [
    ("upsert_customer", {"matching_field": "id", "matching_value": 42}, [
        ("$.matching_value", "Matching Value", "must be a string, not an integer"),
    ]),
    ("upsert_customer", {"matching_field": "id", "matching_value": "1", "mappings": ["a"]}, [
        ("$.mappings", "Mappings", "must be an object, not a list"),
    ]),
    ("add_customer_to_segment", {"matching_field": "id", "matching_value": "1", "segment": "7"}, [
        ("$.segment", "Segment", "must be an integer, not a string"),
    ]),
    ("remove_customer_from_segment", {"matching_field": "id", "matching_value": "1", "segment": True}, [
        ("$.segment", "Segment", "must be an integer, not a boolean"),
    ]),
    ("add_customer_to_segment", {"matching_field": "id", "matching_value": "1", "segment": 0}, [
        ("$.segment", "Segment", "must be at least 1"),
    ]),
    ("track_event", {"name": None, "customer_id": "1"}, [("$.name", "Name", "must be a string, not null")]),
    ("track_page", {"customer_id": 1.5, "page_url": "/"}, [
        ("$.customer_id", "Customer ID", "must be a string, not a number"),
    ]),
    ("delete_customer", {"matching_field": "phone", "matching_value": "1"}, [
        ("$.matching_field", "Matching Field Name",
         "'phone' is not one of: id (External ID), email (Email), cio_id (CIO ID)"),
    ]),
]

UNKNOWN_FIELD = [
    ("upsert_customer", {**_base("upsert_customer"), "attributes": {}}, [
        ("$.attributes", None, "unknown field; known fields: matching_field, matching_value, mappings"),
    ]),
    ("delete_customer", {**_base("delete_customer"), "segment": 3}, [
        ("$.segment", None, "unknown field; known fields: matching_field, matching_value"),
    ]),
    ("add_customer_to_segment", {**_base("add_customer_to_segment"), "segment_id": 3}, [
        ("$.segment_id", None, "unknown field; did you mean 'segment'? known fields: matching_field, matching_value, segment"),
    ]),
    ("remove_customer_from_segment", {**_base("remove_customer_from_segment"), "segments": [3]}, [
        ("$.segments", None, "unknown field; did you mean 'segment'? known fields: matching_field, matching_value, segment"),
    ]),
    ("track_event", {**_base("track_event"), "data": {}}, [
        ("$.data", None, "unknown field; known fields: name, customer_id, mappings, timestamp, event_id"),
    ]),
    ("track_page", {**_base("track_page"), "page url": "x"}, [
        ('$["page url"]', None,
         "unknown field; did you mean 'page_url'? known fields: customer_id, page_url, mappings, timestamp, event_id"),
    ]),
]

EMAIL = "must be an email address when Matching Field Name is Email"
CIO_ID = "must be a CIO ID (letters and digits, optionally prefixed cio_) when Matching Field Name is CIO ID"
MATCHING_MODES = [
    *[(action, {**_base(action), "matching_field": "email", "matching_value": value},
       [("$.matching_value", "Matching Value", EMAIL)])
      for action in MATCHING_ACTIONS for value in ("ada", "ada@example", "ada @example.com", "user-42")],
    *[(action, {**_base(action), "matching_field": "cio_id", "matching_value": value},
       [("$.matching_value", "Matching Value", CIO_ID)])
      for action in MATCHING_ACTIONS for value in ("cio-123", "ada@example.com", "cio_", "12 34")],
]

BYTES = [
    *[(action, {**_base(action), "matching_value": TOO_LONG_ID},
       [("$.matching_value", "Matching Value", "is 152 bytes; at most 150 bytes allowed")])
      for action in MATCHING_ACTIONS],
    ("upsert_customer", {**_base("upsert_customer"), "matching_value": "x" * 151}, [
        ("$.matching_value", "Matching Value", "is 151 bytes; at most 150 bytes allowed"),
    ]),
    *[(action, {**_base(action), "customer_id": TOO_LONG_ID},
       [("$.customer_id", "Customer ID", "is 152 bytes; at most 150 bytes allowed")])
      for action in TRACK_ACTIONS],
    ("upsert_customer", {**_base("upsert_customer"), "mappings": {f"a{i}": i for i in range(MAX_ATTRIBUTES + 1)}}, [
        ("$.mappings", "Mappings", "has 301 entries; at most 300 allowed"),
    ]),
    ("upsert_customer", {**_base("upsert_customer"), "mappings": {"é" * 75 + "x": 1}}, [
        ("$.mappings." + "é" * 75 + "x", "Mappings", "name is 151 bytes; at most 150 bytes allowed"),
    ]),
    ("upsert_customer", {**_base("upsert_customer"), "mappings": {"": 1}}, [
        ('$.mappings[""]', "Mappings", "name must not be empty"),
    ]),
    ("upsert_customer", {**_base("upsert_customer"), "mappings": {"bio": "é" * 499 + "xxx"}}, [
        ("$.mappings.bio", "Mappings", "is 1,001 bytes; at most 1,000 bytes allowed"),
    ]),
    ("upsert_customer", {**_base("upsert_customer"), "mappings": {"tags": ["x" * 997]}}, [
        ("$.mappings.tags", "Mappings", "is 1,001 bytes; at most 1,000 bytes allowed"),  # compact JSON
    ]),
    ("track_event", {**_base("track_event"), "name": "é" * 50 + "x"}, [
        ("$.name", "Name", "is 101 bytes; at most 100 bytes allowed"),
    ]),
    ("track_event", {**_base("track_event"), "mappings": {"blob": "x" * (ENTITY_MAX_BYTES - 10)}}, [
        ("$.mappings", "Mappings", "is 32,001 bytes; at most 32,000 bytes allowed"),
    ]),
    ("track_page", {**_base("track_page"), "mappings": {"blob": "é" * 16_000}}, [
        ("$.mappings", "Mappings", "is 32,011 bytes; at most 32,000 bytes allowed"),
    ]),
]

TIMESTAMP = "must be an ISO-8601 date-time (2024-05-01T12:00:00Z) or unix seconds (not milliseconds)"
TIMESTAMPS = [
    (action, {**_base(action), "timestamp": value}, [("$.timestamp", "Timestamp", TIMESTAMP)])
    for action in TRACK_ACTIONS
    for value in (
        1714564800000,  # milliseconds
        -1,
        1714564800.5,
        True,
        "yesterday",
        "1714564800",
        "01/05/2024",
        "2024-13-01T00:00:00Z",
        "2024-05-01T24:00:00Z",
        "2024-05-01T12:60:00Z",
        "2024-05-01T12:00:00+25:00",
        "２０２４-05-01",  # full-width digits
    )
]

CALENDAR = "is not a date-time the calendar has"
RANGE = "must be between 1970-01-01T00:00:00Z and the year 5138 (unix seconds 0 to 99999999999)"
TIMESTAMPS += [
    (action, {**_base(action), "timestamp": value}, [("$.timestamp", "Timestamp", message)])
    for action in TRACK_ACTIONS
    for value, message in (
        ("2024-02-30", CALENDAR),
        ("2023-02-29T10:00:00Z", CALENDAR),
        ("1969-12-31T23:59:59Z", RANGE),  # would be sent as -1
    )
]

OTHER_SHAPES = [
    ("track_event", {**_base("track_event"), "name": "   "}, [("$.name", "Name", "must not be blank")]),
    ("track_event", {**_base("track_event"), "name": ""}, [("$.name", "Name", "must not be empty"),
                                                           ("$.name", "Name", "must not be blank")]),
    *[(action, {**_base(action), "event_id": value}, [("$.event_id", "Event ID", NOT_A_ULID)])
      for action in ("track_event", "track_page")
      for value in ("", "x", "order-42", "01HXJ5Z9Q4W6ZK3V8N2M7R1T0", "81HXJ5Z9Q4W6ZK3V8N2M7R1T0Y", "01HXJ5Z9Q4W6ZK3V8N2M7R1T0I",
                    "01HXJ5Z9Q4W6ZK3V8N2M7R1T0Y\n", "AUTO", " auto")],
    ("track_page", {**_base("track_page"), "page_url": "pricing"}, [
        ("$.page_url", "Page URL", "must be an http(s) URL or a path starting with /"),
    ]),
    ("track_page", {**_base("track_page"), "page_url": "javascript:alert(1)"}, [
        ("$.page_url", "Page URL", "must be an http(s) URL or a path starting with /"),
    ]),
    ("track_page", {**_base("track_page"), "page_url": "https://example.com/" + "p" * 100}, [
        ("$.page_url", "Page URL", "is 120 bytes; at most 100 bytes allowed"),
    ]),
    ("upsert_customer", {**_base("upsert_customer"), "matching_value": ""}, [
        ("$.matching_value", "Matching Value", "must not be empty"),
    ]),
]

TEMPLATES = [
    ("upsert_customer", {**_base("upsert_customer"), "matching_value": "{{ record.email"}, [
        ("$.matching_value", "Matching Value",
         "template error: unexpected end of template, expected 'end of print statement'."),
    ]),
    ("track_event", {**_base("track_event"), "name": "{% if %}x{% endif %}"}, [
        ("$.name", "Name", "template error: Expected an expression, got 'end of statement block'"),
    ]),
    ("track_page", {**_base("track_page"), "mappings": {"title": "{{ record.title | nope }}"}}, [
        ("$.mappings.title", "Mappings", "template error: No filter named 'nope'."),
    ]),
]

INVALID = [
    *[pytest.param(*case, id=f"missing-{i}") for i, case in enumerate(MISSING)],
    *[pytest.param(*case, id=f"wrong-type-{i}") for i, case in enumerate(WRONG_TYPE)],
    *[pytest.param(*case, id=f"unknown-field-{i}") for i, case in enumerate(UNKNOWN_FIELD)],
    *[pytest.param(*case, id=f"matching-mode-{i}") for i, case in enumerate(MATCHING_MODES)],
    *[pytest.param(*case, id=f"bytes-{i}") for i, case in enumerate(BYTES)],
    *[pytest.param(*case, id=f"timestamp-{i}") for i, case in enumerate(TIMESTAMPS)],
    *[pytest.param(*case, id=f"shape-{i}") for i, case in enumerate(OTHER_SHAPES)],
    *[pytest.param(*case, id=f"template-{i}") for i, case in enumerate(TEMPLATES)],
]


@pytest.mark.parametrize(("action", "config", "expected"), INVALID)
def test_invalid_config_yields_problems_at_the_right_path(connector, action, config, expected):
    assert _found(connector.validate(action, config)) == expected


@pytest.mark.parametrize(("action", "config", "expected"), INVALID)
def test_prepare_raises_input_error_with_the_same_problems(connector, action, config, expected):
    with pytest.raises(InputError) as caught:
        connector.prepare(action, config)
    assert caught.value.action == action
    assert _found(list(caught.value.problems)) == expected
    assert str(caught.value).startswith(f"invalid input for action {action!r}:\n  - ")


@pytest.mark.parametrize(
    ("record", "message"),
    [
        ({}, "template error: the record has no field 'email'"),
        ({"mail": "a@b.co"}, "template error: the record has no field 'email'"),
    ],
)
def test_undefined_template_variable_with_a_record(connector, record, message):
    config = {"matching_field": "email", "matching_value": "{{ record.email }}"}
    assert _found(connector.validate("delete_customer", config, record=record)) == [
        ("$.matching_value", "Matching Value", message)
    ]


@pytest.mark.parametrize(
    "template",
    [
        "{{ record.__class__ }}",
        "{{ record.__class__.__mro__[1].__subclasses__() }}",
        "{{ ''.__class__.__base__ }}",
        "{{ record.items.__globals__ }}",
        "{{ cycler.__init__.__globals__ }}",
    ],
)
def test_sandbox_escape_is_a_template_problem(connector, template):
    problems = connector.validate("track_event", {**_base("track_event"), "name": template}, record={"a": 1})
    assert [(p.path, p.label, p.code) for p in problems] == [("$.name", "Name", "template")]
    assert problems[0].message.startswith("template error: ")


@pytest.mark.parametrize("config", [None, [], "upsert", 42, ["matching_field", "id"]])
@pytest.mark.parametrize("action", ["upsert_customer", "track_event"])
def test_a_config_that_is_not_an_object(connector, action, config):
    assert _found(connector.validate(action, config)) == [("$", None, "must be an object of field values")]


def test_all_problems_are_returned_at_once(connector):
    config = {"matching_field": "email", "matching_value": "not-an-email", "mappings": {"bio": "x" * 2000}, "colour": "red"}
    assert _found(connector.validate("upsert_customer", config)) == [
        ("$.matching_value", "Matching Value", EMAIL),
        ("$.mappings.bio", "Mappings", "is 2,000 bytes; at most 1,000 bytes allowed"),
        ("$.colour", None, "unknown field; known fields: matching_field, matching_value, mappings"),
    ]


def test_many_problems_in_many_fields_are_all_reported_in_field_order(connector):
    config = {
        "event_id": "",
        "timestamp": "yesterday",
        "mappings": [],
        "customer_id": TOO_LONG_ID,
        "name": "{{ oops",
        "zzz": 1,
    }
    assert [p.path for p in connector.validate("track_event", config, record={})] == [
        "$.name", "$.customer_id", "$.mappings", "$.timestamp", "$.event_id", "$.zzz",
    ]


def test_problems_carry_codes_and_locations(connector):
    problems = connector.validate("upsert_customer", {"matching_field": "id", "mappings": {"a": "x" * 1001}})
    assert [(p.code, p.location) for p in problems] == [
        ("required", ("matching_value",)),
        ("x-maxBytes", ("mappings", "a")),
    ]
    assert problems[0].to_dict() == {
        "path": "$.matching_value", "message": "is required", "label": "Matching Value", "code": "required",
    }


def test_an_unknown_action_lists_the_known_ones(connector):
    with pytest.raises(InputError) as caught:
        connector.validate("no_such_action", {})
    (problem,) = caught.value.problems
    assert problem.message == f"unknown action 'no_such_action'; known actions: {', '.join(connector.actions)}"
    assert "upsert_customer, delete_customer, add_customer_to_segment" in problem.message


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (object(), ("must hold only JSON values (text, numbers, true/false, null, lists, objects): "
                   "Object of type object is not JSON serializable")),
        (b"bytes", ("must hold only JSON values (text, numbers, true/false, null, lists, objects): "
                   "Object of type bytes is not JSON serializable")),
        ("\ud800", "holds text UTF-8 cannot encode (a lone surrogate)"),
    ],
)
def test_values_json_cannot_carry_are_problems_not_crashes(connector, value, message):
    config = {**_base("upsert_customer"), "mappings": {"odd": value}}
    assert _found(connector.validate("upsert_customer", config)) == [("$.mappings.odd", "Mappings", message)]


def test_a_lone_surrogate_identifier_is_a_problem(connector):
    config = {**_base("delete_customer"), "matching_value": "ab\udc00"}
    assert _found(connector.validate("delete_customer", config)) == [
        ("$.matching_value", "Matching Value", "holds text UTF-8 cannot encode (a lone surrogate)")
    ]


@pytest.mark.parametrize("number", [float("nan"), float("inf"), float("-inf")])
def test_numbers_json_cannot_carry_are_problems(connector, number):
    config = {"matching_field": "id", "matching_value": "1", "mappings": {"score": number}}
    problems = connector.validate("upsert_customer", config)
    assert [(p.path, p.message) for p in problems] == [
        ("$.mappings.score", "must be a finite number (JSON has no NaN or Infinity)")
    ]


def test_a_wrong_type_is_reported_once_not_with_every_check_it_also_fails(connector):
    problems = connector.validate("delete_customer", {"matching_field": None, "matching_value": "1"})
    assert [(p.path, p.message) for p in problems] == [("$.matching_field", "must be a string, not null")]


def test_segment_ids_are_int32_as_the_track_spec_declares(connector):
    config = {"matching_field": "id", "matching_value": "1", "segment": 2**31}
    problems = connector.validate("add_customer_to_segment", config)
    assert [(p.path, p.message) for p in problems] == [("$.segment", "must be at most 2147483647")]

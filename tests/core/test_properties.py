"""Properties of validation that hold for every input, checked with hypothesis."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cio_connector import Problem
from cio_connector.declarative.schema import ISO_DATETIME_PATTERN
from cio_connector.facts import IDENTIFIER_MAX_BYTES
from cio_connector.pipeline.templating import is_template

MATCHING_ACTIONS = ["upsert_customer", "delete_customer", "add_customer_to_segment", "remove_customer_from_segment"]
SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def _utf8(text: str) -> int:
    return len(text.encode())


def _config(action: str, value: object) -> dict:
    config = {"matching_field": "id", "matching_value": value}
    return {**config, "segment": 1} if "segment" in action else config


plain_text = st.text(min_size=1).filter(lambda s: not is_template(s))


@pytest.mark.parametrize("action", MATCHING_ACTIONS)
@SETTINGS
@given(value=plain_text.filter(lambda s: _utf8(s) <= IDENTIFIER_MAX_BYTES and not s.isspace()))
def test_any_identifier_up_to_150_bytes_is_accepted_in_id_mode(connector, action, value):
    assert connector.validate(action, _config(action, value)) == []


@pytest.mark.parametrize("action", MATCHING_ACTIONS)
@SETTINGS
@given(value=st.text(alphabet=" \t\n\r\u00a0\u2003", min_size=1, max_size=20))
def test_a_blank_identifier_is_refused(connector, action, value):
    assert [p.message for p in connector.validate(action, _config(action, value))] == ["must not be blank"]


@pytest.mark.parametrize("action", MATCHING_ACTIONS)
@SETTINGS
@given(value=st.text(min_size=38, max_size=400).filter(lambda s: _utf8(s) > IDENTIFIER_MAX_BYTES and not is_template(s)))
def test_any_identifier_over_150_bytes_is_rejected(connector, action, value):
    problems = connector.validate(action, _config(action, value))
    assert [(p.path, p.message) for p in problems] == [
        ("$.matching_value", f"is {_utf8(value):,} bytes; at most {IDENTIFIER_MAX_BYTES} bytes allowed")
    ]


json_scalars = (
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=30).filter(lambda s: not is_template(s))
)
templates = st.sampled_from(["{{ record.a }}", "{{ record.missing }}", "x{{ record.b }}", "{{ oops", "{% for %}",
                             "{{ record.__class__ }}", "{{ [record.nope] }}", "{{ record }}", "{# c #}"])
json_values = st.recursive(json_scalars | templates, lambda inner: st.lists(inner, max_size=4)
                           | st.dictionaries(st.text(max_size=10), inner, max_size=4), max_leaves=12)
keys = st.sampled_from(["matching_field", "matching_value", "mappings", "segment", "name", "customer_id",
                        "page_url", "timestamp", "event_id", "unknown"])
configs = st.dictionaries(keys, json_values, max_size=6) | json_values
records = st.none() | st.dictionaries(st.sampled_from(["a", "b"]), json_values, max_size=2)


@SETTINGS
@given(
    action=st.sampled_from(["upsert_customer", "delete_customer", "add_customer_to_segment",
                            "remove_customer_from_segment", "track_event", "track_page"]),
    config=configs,
    record=records,
)
def test_validate_never_raises_and_always_returns_problems(connector, action, config, record):
    problems = connector.validate(action, config, record=record)
    assert isinstance(problems, list)
    assert all(isinstance(p, Problem) and p.path.startswith("$") and p.message for p in problems)


@SETTINGS
@given(text=st.from_regex(ISO_DATETIME_PATTERN, fullmatch=True))
def test_every_accepted_iso_timestamp_reaches_the_request_as_unix_seconds(connector, text):
    config = {"name": "purchase", "customer_id": "42", "timestamp": text}
    if connector.validate("track_event", config):
        return  # the pattern's shape is fine but the calendar says no (2023-02-29)
    request = connector.build_request("track_event", config)
    assert isinstance(request.json["timestamp"], int)


@SETTINGS
@given(text=st.from_regex(ISO_DATETIME_PATTERN, fullmatch=True))
def test_the_iso_pattern_only_takes_ascii_digits(text):
    assert all(ch in "0123456789" for ch in text if ch.isdigit())


@SETTINGS
@given(mappings=st.dictionaries(st.text(min_size=1, max_size=50), json_scalars, max_size=30))
def test_small_attribute_maps_are_accepted(connector, mappings):
    config = {"matching_field": "id", "matching_value": "42", "mappings": mappings}
    assert connector.validate("upsert_customer", config) == []

"""Hostile configs, records and connections: a problem at the right path or the right value."""

from __future__ import annotations

from decimal import Decimal

import pytest

from cio_connector.declarative.jsonsafe import identifier_text, normalize

from .guard import no_hang

BASE = {"matching_field": "id", "matching_value": "42"}


def _deep(levels: int) -> dict:
    root = node = {}
    for _ in range(levels):
        node["a"] = {}
        node = node["a"]
    return root


def _cycle() -> dict:
    value: dict = {"x": 1}
    value["me"] = value
    return value


# (action, config, record, [(path, message)])
PROBES = [
    ("add_customer_to_segment", {**BASE, "segment": 10**5000}, None, [("$.segment", "is a number over 4,300 digits")]),
    ("add_customer_to_segment", {**BASE, "segment": Decimal("Infinity")}, None,
     [("$.segment", "must be a finite number (JSON has no NaN or Infinity)")]),
    ("add_customer_to_segment", {**BASE, "segment": Decimal("sNaN")}, None,
     [("$.segment", "must be a finite number (JSON has no NaN or Infinity)")]),
    ("add_customer_to_segment", {**BASE, "segment": Decimal("1e999999999")}, None,
     [("$.segment", "is a number over 4,300 digits")]),
    ("upsert_customer", {**BASE, "mappings": _deep(1000)}, None, [("$.mappings" + ".a" * 63, "nests deeper than 64 levels")]),
    ("upsert_customer", {**BASE, "mappings": _cycle()}, None,
     [("$.mappings.me", "refers to itself (a cycle JSON cannot carry)")]),
    ("upsert_customer", {**BASE, "mappings": {None: 1}}, None,
     [("$.mappings", "has a key that is not text (NoneType); JSON keys are text")]),
    ("upsert_customer", {**BASE, "mappings": {(1, 2): 1}}, None,
     [("$.mappings", "has a key that is not text (tuple); JSON keys are text")]),
    ("upsert_customer", {**BASE, None: 1}, None, [("$", "has a key that is not text (NoneType); JSON keys are text")]),
    ("upsert_customer", {**BASE, "mappings": {"n": float("nan")}}, None,
     [("$.mappings.n", "must be a finite number (JSON has no NaN or Infinity)")]),
    ("upsert_customer", {**BASE, "mappings": {"n": "{{ record.n }}"}}, {"n": 10**4301},
     [("$.mappings.n", "is a number over 4,300 digits")]),
    ("upsert_customer", {**BASE, "mappings": {"n": "n={{ record.n }}"}}, {"n": 10**4301},
     [("$.mappings.n", "template error: a number over 4,096 bits is too large to print")]),
    ("upsert_customer", {**BASE, "mappings": {"d": "{{ record.d }}"}}, {"d": _deep(1000)},
     [("$.mappings.d", "template error: the value nests deeper than 64 levels (or refers to itself)")]),
    ("upsert_customer", {**BASE, "mappings": {"d": "{{ record.d }}"}}, {"d": _cycle()},
     [("$.mappings.d", "template error: the template's output is over 100,000 characters")]),
    ("delete_customer", {**BASE, "matching_value": "{{ record.id }}"}, {"id": float("nan")},
     [("$.matching_value", "must be a finite number (JSON has no NaN or Infinity)")]),
    ("delete_customer", {**BASE, "matching_value": "{{ record.id }}"}, {"id": float("-inf")},
     [("$.matching_value", "must be a finite number (JSON has no NaN or Infinity)")]),
    ("delete_customer", {**BASE, "matching_value": "{{ record.id }}"}, {"id": 1.5},
     [("$.matching_value", "must be text; the number 1.5 is not a whole number")]),
    ("track_page", {"customer_id": "a", "page_url": "http://" + "a" * 40000 + " "}, None,
     [("$.page_url", "is 40,008 bytes; at most 100 bytes allowed")]),
]


@pytest.mark.parametrize(("action", "config", "record", "expected"), PROBES, ids=range(len(PROBES)))
def test_each_value_probe_is_a_problem_at_its_path(connector, action, config, record, expected):
    with no_hang():
        problems = connector.validate(action, config, record=record)
    assert [(p.path, p.message) for p in problems] == expected


@pytest.mark.parametrize(("number", "text"), [(1e20, "100000000000000000000"), (42.0, "42"), (-7, "-7"), (2**64, str(2**64))])
def test_only_whole_numbers_become_identifier_text(connector, number, text):
    request = connector.build_request("delete_customer", {**BASE, "matching_value": "{{ record.id }}"}, record={"id": number})
    assert request.json["identifiers"] == {"id": text}


@pytest.mark.parametrize("number", [float("nan"), float("inf"), 0.5, 10**5000], ids=["nan", "inf", "half", "huge"])
def test_identifier_text_refuses_what_has_no_honest_text(number):
    assert identifier_text(number) is None


def test_normalize_keeps_json_and_converts_python_values():
    value, problems = normalize({"a": (1, 2), "d": Decimal("2.50"), "i": Decimal("3"), "s": "\u00e9"})
    assert (value, problems) == ({"a": [1, 2], "d": 2.5, "i": 3, "s": "\u00e9"}, [])


CONNECTION = {"region": "us", "site_id": "s", "track_api_key": "t", "app_api_key": "a"}


@pytest.mark.parametrize(
    ("endpoint", "message"),
    [
        ("http://[::1", "is not a valid URL (Invalid IPv6 URL)"),
        ("http://[zz]", "is not a valid URL ('zz' does not appear to be an IPv4 or IPv6 address)"),
        ("http://[::1]:abc", "is not a valid URL (Port could not be cast to integer value as 'abc')"),
        ("http://127.0.0.1:99999", "is not a valid URL (Port out of range 0-65535)"),
        ("http://127.0.0.1/\ud800", "holds text UTF-8 cannot encode (a lone surrogate)"),
        ("http://127.0.0.1/" + "a" * 100_000, "is 100,017 characters; at most 2,048 allowed"),
        ("http://127.0.0.1:9/?", "must be a base URL without a query or fragment"),
        ("http://127.0.0.1:9/#", "must be a base URL without a query or fragment"),
        ("http://127.0.0.1:9/\u00e9", "must be a plain ASCII URL (punycode for international host names)"),
    ],
)
def test_malformed_endpoints_are_problems_and_check_connection_never_raises(connector, endpoint, message):
    connection = {**CONNECTION, "endpoints": {"track": endpoint, "app": "http://127.0.0.1:9"}}
    assert [(p.path, p.message) for p in connector.validate_connection(connection)] == [("$.endpoints.track", message)]
    with no_hang():
        report = connector.check_connection(connection)
    assert not report.ok and message in report.checks[0].message


def test_a_pattern_is_not_run_on_a_value_already_over_its_limit():
    from cio_connector.declarative.validation import SchemaChecker

    checker = SchemaChecker({"type": "string", "maxLength": 10, "pattern": "^(a+)+$"})
    with no_hang():  # (a+)+ on 50 a's and a '!' would backtrack 2**50 times
        problems = checker.problems("a" * 50 + "!")
    assert [p.message for p in problems] == ["is 51 characters; at most 10 allowed"]

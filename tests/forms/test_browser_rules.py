"""What a browser validator needs from our schemas: byte limits as maxLength, patterns read as ECMA-262 reads them."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from cio_connector._util.bundle import bundle_root
from cio_connector.declarative.validation import ecma_regex
from cio_connector.forms import ui_schemas

SCHEMAS = bundle_root() / "schemas"
GENERATED = ["connection.json", *sorted(f"{p.parent.name}/{p.name}" for p in SCHEMAS.glob("*/*.json"))]


def _subschemas(node: Any) -> Iterator[dict]:
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from _subschemas(value)
    elif isinstance(node, list):
        for value in node:
            yield from _subschemas(value)


@pytest.mark.parametrize("name", GENERATED)
def test_every_byte_limit_on_a_string_carries_the_max_length_it_implies(name):
    schema = json.loads((SCHEMAS / name).read_text())
    limited = [s for s in _subschemas(schema) if "x-maxBytes" in s and (s.get("type") == "string" or "minLength" in s)]
    assert all(s["maxLength"] == s["x-maxBytes"] for s in limited)
    assert limited or "connection" in name  # every action has a string with a byte limit


def test_the_runtime_reports_the_bytes_not_the_characters_twice(connector):
    problems = connector.validate("upsert_customer", {"matching_field": "id", "matching_value": "x" * 151})
    assert [p.message for p in problems] == ["is 151 bytes; at most 150 bytes allowed"]


@pytest.mark.parametrize(
    ("pattern", "text", "matches"),
    [
        (r"^(?!\s+$)", "\x1c", True),  # not a space to ECMA-262 (Python's \s says it is)
        (r"^(?!\s+$)", "\x85", True),
        (r"^(?!\s+$)", "\ufeff", False),  # a space to ECMA-262 (not to Python's \s)
        (r"^(?!\s+$)", "\u3000", False),
        (r"\S", "\x1c", True),
        (r"^[^@\s]+$", "a\u2028b", False),
        (r"^[0-9]+$|^\d+$", "٣", False),  # Arabic-Indic digits are no \d in a browser
        (r"^\w+$", "é", False),
        (r"^\S*$", "key\n", False),  # ECMA's $ is the very end
    ],
)
def test_patterns_mean_what_they_mean_in_a_browser(pattern, text, matches):
    assert bool(ecma_regex(pattern).search(text)) is matches


def test_ui_schemas_gather_what_a_host_serves(connector):
    gathered = ui_schemas(connector)
    assert sorted(gathered["actions"]) == sorted(connector.actions)
    for documents in gathered["actions"].values():
        assert set(documents) == {"config_schema", "rjsf_ui_schema", "jsonforms_ui_schema"}
    assert gathered["connection"]["rjsf_ui_schema"]["endpoints"] == {"ui:widget": "hidden"}
    json.dumps(gathered)  # plain JSON, ready for a manifest

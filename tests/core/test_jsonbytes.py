"""The wire bytes: whichever encoder writes them, they are the stdlib's compact JSON, byte for byte."""

from __future__ import annotations

import json
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cio_connector._util.jsonbytes import compact_json

_STDLIB = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False, allow_nan=True)

texts = st.text(st.characters(exclude_categories=("Cs",)), max_size=20) | st.sampled_from(["e-5", "null", "0.0000", ""])
EDGE_FLOATS = [1e-5, 5.3e-05, 1e-7, 1e16, 1e22, -0.0]
numbers = st.floats(allow_nan=True, allow_infinity=True) | st.integers() | st.sampled_from(EDGE_FLOATS)
values = st.recursive(
    texts | numbers | st.booleans() | st.none(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(texts, inner, max_size=4),
    max_leaves=12,
)


@settings(max_examples=3000, deadline=None)
@given(values)
def test_the_bytes_are_the_stdlibs(value):
    assert compact_json(value) == _STDLIB.encode(value).encode()


def _not_finite(value) -> bool:
    if isinstance(value, float):
        return not math.isfinite(value)
    if isinstance(value, dict):
        return any(_not_finite(item) for item in value.values())
    return isinstance(value, list) and any(_not_finite(item) for item in value)


@given(values)
def test_nan_and_infinity_are_refused_unless_allowed(value):
    if _not_finite(value):
        with pytest.raises(ValueError):
            compact_json(value, allow_nan=False)
    else:
        assert compact_json(value, allow_nan=False) == _STDLIB.encode(value).encode()


class Text(str):
    pass


@pytest.mark.parametrize(("value", "expected"), [
    ({1: "a", None: "b"}, b'{"1":"a","null":"b"}'),  # keys the stdlib converts
    (2**80, b"1208925819614629174706176"),
    ([Text("x")], b'["x"]'),
    ({"n": [math.pi, 1e-7]}, b'{"n":[3.141592653589793,1e-07]}'),
])
def test_what_orjson_would_write_otherwise_goes_to_the_stdlib(value, expected):
    assert compact_json(value) == expected


def test_what_json_cannot_carry_is_refused():
    for value in ({"a": {1, 2}}, b"bytes", "\ud800"):
        with pytest.raises((TypeError, ValueError)):
            compact_json(value)
    cycle: list = []
    cycle.append(cycle)
    with pytest.raises(ValueError):
        compact_json(cycle)

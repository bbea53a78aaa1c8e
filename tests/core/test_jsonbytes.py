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


_STRICT = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False, allow_nan=False)
scalars = st.text() | st.integers() | st.integers(min_value=2**63 - 2, max_value=2**64 + 2) | numbers | st.booleans() | st.none()


def _outcome(encode, value):
    try:
        return encode(value)
    except ValueError as error:  # NaN refused, or text with a lone surrogate that UTF-8 cannot carry
        return type(error).__mro__[1] if isinstance(error, UnicodeError) else ValueError


@settings(max_examples=3000, deadline=None)
@given(scalars | values)
def test_one_value_is_written_as_compact_json_writes_it(value):
    """Texts (lone surrogates and control characters included), integers past 64 bits, floats
    and NaN: the quick encoder of one value gives the same bytes, or the same refusal."""
    from cio_connector._util.jsonbytes import value_json

    assert _outcome(value_json, value) == _outcome(lambda v: _STRICT.encode(v).encode(), value)
    assert _outcome(value_json, value) == _outcome(lambda v: compact_json(v, allow_nan=False), value)


def test_subclasses_of_text_and_numbers_are_written_by_the_stdlib():
    from cio_connector._util.jsonbytes import value_json

    class Flag(int):
        def __repr__(self) -> str:
            return "flag"

    assert value_json(Text("x")) == b'"x"' and value_json(Flag(1)) == b"1"

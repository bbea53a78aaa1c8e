"""Compact UTF-8 JSON: the bytes the client sends are the bytes every size limit measures."""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import cache
from typing import Any

__all__ = ["compact_json", "json_size", "quick_dumps", "text_or_json_size", "value_json"]


def _refuse(value: Any) -> Any:
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


def _encoder(allow_nan: bool) -> Callable[[Any], str]:
    """The stdlib's compact encoder, built once (``json.dumps`` with options builds one per call)."""
    c_make_encoder = getattr(json.encoder, "c_make_encoder", None)
    if c_make_encoder is None:  # pragma: no cover - CPython always has the C accelerator
        return json.JSONEncoder(separators=(",", ":"), ensure_ascii=False, allow_nan=allow_nan).encode
    iterencode = c_make_encoder(None, _refuse, json.encoder.encode_basestring, None, ":", ",", False, False, allow_nan)
    return lambda value: "".join(iterencode(value, 0))


_COMPACT = _encoder(True)
_COMPACT_STRICT = _encoder(False)


@cache
def _orjson_dumps() -> Callable[..., bytes] | None:
    """orjson's ``dumps``, imported with the first body encoded (loading the connector needs none);
    None without orjson: the stdlib alone gives the same bytes."""
    try:
        import orjson
    except ImportError:  # pragma: no cover - a declared dependency
        return None
    return orjson.dumps


def _orjson() -> Callable[[Any], bytes] | None:
    """orjson's encoder set to refuse what the stdlib would write differently (subclasses of str,
    int, dict and list; dataclasses; dates): those go to ``default``, which it has none of."""
    dumps = _orjson_dumps()
    if dumps is None:  # pragma: no cover - a declared dependency
        return None
    import orjson

    option = orjson.OPT_PASSTHROUGH_SUBCLASS | orjson.OPT_PASSTHROUGH_DATACLASS | orjson.OPT_PASSTHROUGH_DATETIME
    return lambda value: dumps(value, option=option)


_UNLOADED: Any = object()
_FAST: Any = _UNLOADED  # orjson is imported with the first body encoded: loading the connector needs none
# Where orjson's bytes may differ from the stdlib's, they are encoded again by the stdlib: a float
# under 1e-4 (orjson writes 0.00005 and 1e-7, Python 5e-05 and 1e-07) and NaN or Infinity (orjson
# writes null, which JSON would then carry silently). The test is on the output, so it can only
# send more values to the stdlib than needed (a text holding "e-" or "null"), never fewer.


def compact_json(value: Any, *, allow_nan: bool = True) -> bytes:
    """``value`` as compact UTF-8 JSON (no spaces, non-ASCII kept): the wire form of a body.

    The bytes are the stdlib's (``json.dumps(value, separators=(",", ":"), ensure_ascii=False)``);
    orjson writes them about ten times faster whenever its output is provably the same. (orjson
    also writes an Enum member or a UUID, which the stdlib refuses; no handler puts one in a body.)
    Raises ``TypeError`` for a value JSON cannot carry and ``ValueError`` for NaN (unless allowed),
    a cycle, or nesting too deep to encode.
    """
    global _FAST
    if _FAST is _UNLOADED:
        _FAST = _orjson()
    if _FAST is not None:
        try:
            encoded = _FAST(value)
        except TypeError:  # orjson.JSONEncodeError: a non-text key, a huge int, a cycle, a subclass...
            pass
        else:
            find = encoded.find  # (three finds cost half of three ``in`` tests on bytes)
            if find(b"e-") < 0 and find(b".0000") < 0 and find(b"null") < 0:
                return encoded
    try:
        return (_COMPACT if allow_nan else _COMPACT_STRICT)(value).encode()
    except RecursionError:
        raise ValueError("a value refers to itself or nests too deep to encode as JSON") from None


def value_json(value: Any) -> bytes:
    """``compact_json(value, allow_nan=False)``, quicker for one text, whole number, boolean or null:
    orjson writes those exactly as the stdlib does (text escaped the same way, non-ASCII kept), so
    their bytes need no second look. Everything else (floats, containers, text orjson refuses,
    such as a lone surrogate, and integers past 64 bits) goes through ``compact_json``."""
    kind = type(value)
    if kind is str or kind is int or kind is bool or value is None:
        dumps = _orjson_dumps()
        if dumps is not None:
            try:
                return dumps(value)
            except TypeError:
                pass
    return compact_json(value, allow_nan=False)


def quick_dumps() -> Callable[[Any], bytes] | None:
    """orjson's ``dumps`` (no options), or None without orjson: exactly the stdlib's bytes for one
    ``str``, ``int`` (raising ``TypeError`` past 64 bits), ``bool`` or ``None``, and nothing else."""
    return _orjson_dumps()


def json_size(value: Any) -> int:
    """Bytes of ``value`` as compact UTF-8 JSON, the way Customer.io measures bodies and entities."""
    return len(compact_json(value))


def text_or_json_size(value: Any) -> int:
    """A text's UTF-8 bytes (no quotes), any other value's compact JSON bytes: what a field's
    ``x-maxBytes`` limit counts, as Customer.io counts identifiers and attribute values."""
    return len(value.encode()) if isinstance(value, str) else json_size(value)

"""One normalisation step: any config, rendered value or connection becomes JSON data or a Problem."""

from __future__ import annotations

import datetime as dt
import math
import sys
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from .._util.jsonpath import PathPart, json_path
from ..errors import Problem

__all__ = ["MAX_DEPTH", "MAX_INT_DIGITS", "identifier_text", "normalize"]

#: Deeper than any config or attribute map needs, far from Python's recursion limit; every
#: walker below (validation, sizing, the JSON encoder) stays safe on what passes.
MAX_DEPTH = 64
#: Python refuses to print integers longer than this (``sys.get_int_max_str_digits``); JSON is text.
MAX_INT_DIGITS = sys.get_int_max_str_digits() or 4300
_INT_LIMIT = 10**MAX_INT_DIGITS

_FINITE = "must be a finite number (JSON has no NaN or Infinity)"
_SURROGATE = "holds text UTF-8 cannot encode (a lone surrogate)"


def normalize(value: Any) -> tuple[Any, list[Problem]]:
    """(JSON data, problems): datetimes become unix seconds, Decimals numbers, tuples lists.

    What JSON cannot carry (NaN, huge integers, lone surrogates, non-text keys, cycles, nesting
    deeper than ``MAX_DEPTH``) is a problem at its path and becomes ``None`` in the data, so the
    checks after this one see only plain JSON.
    """
    problems: list[Problem] = []
    return _walk(value, (), problems, set()), problems


def _problem(at: tuple[PathPart, ...], message: str) -> Problem:
    return Problem(json_path(at), message, code="json", location=at)


def _walk(value: Any, at: tuple[PathPart, ...], problems: list[Problem], open_: set[int]) -> Any:
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, str):
        return value if value.isascii() or _encodable(value) else _bad(problems, at, _SURROGATE)
    if isinstance(value, int):
        return value if -_INT_LIMIT < value < _INT_LIMIT else _bad(problems, at, f"is a number over {MAX_INT_DIGITS:,} digits")
    if isinstance(value, float):
        return value if math.isfinite(value) else _bad(problems, at, _FINITE)
    if isinstance(value, Decimal):
        return _decimal(value, at, problems)
    if isinstance(value, dt.datetime):
        aware = value if value.tzinfo else value.replace(tzinfo=dt.UTC)
        return int(aware.timestamp())
    if isinstance(value, dt.date):
        return int(dt.datetime(value.year, value.month, value.day, tzinfo=dt.UTC).timestamp())
    if not isinstance(value, (Mapping, list, tuple, set, frozenset)):
        return _bad(problems, at, "must hold only JSON values (text, numbers, true/false, null, lists, objects): "
            f"Object of type {type(value).__name__} is not JSON serializable")
    if id(value) in open_:
        return _bad(problems, at, "refers to itself (a cycle JSON cannot carry)")
    if len(at) >= MAX_DEPTH:
        return _bad(problems, at, f"nests deeper than {MAX_DEPTH} levels")
    open_.add(id(value))
    try:
        if isinstance(value, Mapping):
            return _mapping(value, at, problems, open_)
        return [_walk(item, (*at, index), problems, open_) for index, item in enumerate(value)]
    finally:
        open_.discard(id(value))


def _mapping(value: Mapping, at: tuple[PathPart, ...], problems: list[Problem], open_: set[int]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, item in value.items():
        if not isinstance(key, str):
            problems.append(_problem(at, f"has a key that is not text ({type(key).__name__}); JSON keys are text"))
        elif not (key.isascii() or _encodable(key)):
            problems.append(_problem(at, "has a key with text UTF-8 cannot encode (a lone surrogate)"))
        else:
            out[key] = _walk(item, (*at, key), problems, open_)
    return out


def _decimal(value: Decimal, at: tuple[PathPart, ...], problems: list[Problem]) -> Any:
    if not value.is_finite():
        return _bad(problems, at, _FINITE)
    if value.adjusted() >= MAX_INT_DIGITS:  # checked before int() or float() can allocate it
        return _bad(problems, at, f"is a number over {MAX_INT_DIGITS:,} digits")
    if value == value.to_integral_value():
        return int(value)
    number = float(value)
    return number if math.isfinite(number) else _bad(problems, at, _FINITE)


def _encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _bad(problems: list[Problem], at: tuple[PathPart, ...], message: str) -> None:
    problems.append(_problem(at, message))
    return None


def identifier_text(value: int | float) -> str | None:
    """The text a number becomes in a text field: whole numbers only (``42.0`` -> ``"42"``).

    NaN, infinities and fractions have no text a person would mean as an identifier (a missing
    pandas id is NaN, and every such record would merge into one person ``"nan"``): None.
    """
    if isinstance(value, float):
        if not math.isfinite(value) or not value.is_integer():
            return None
        value = int(value)
    if not -_INT_LIMIT < value < _INT_LIMIT:
        return None
    return str(value)

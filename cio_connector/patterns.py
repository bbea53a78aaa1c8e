"""Manifest patterns checked at load: they must compile as validation reads them and run in linear time."""

from __future__ import annotations

import re
from re import _constants as sre  # type: ignore[attr-defined]
from re import _parser as sre_parse  # type: ignore[attr-defined]
from typing import Any

from .validation import ecma_regex

__all__ = ["MAX_PATTERN_LENGTH", "pattern_problem"]

#: A manifest pattern longer than this is not a field shape any person can review.
MAX_PATTERN_LENGTH = 1_000

_REPEATS = {sre.MAX_REPEAT, sre.MIN_REPEAT, getattr(sre, "POSSESSIVE_REPEAT", sre.MAX_REPEAT)}
_LOOKAROUND = {sre.ASSERT, sre.ASSERT_NOT}


def pattern_problem(pattern: str) -> str | None:
    """Why ``pattern`` cannot be a manifest pattern, or None.

    Python's ``re`` backtracks, so a pattern is refused when backtracking could take more than
    linear time: an unbounded repeat over something that itself repeats or branches (``(a+)+``,
    ``(a|ab)*``), and back-references. Look-arounds are checked by the same rule.
    """
    if len(pattern) > MAX_PATTERN_LENGTH:
        return f"is {len(pattern):,} characters; at most {MAX_PATTERN_LENGTH:,} allowed"
    try:
        ecma_regex(pattern)  # the form validation runs, with ECMA-262's $
        parsed = sre_parse.parse(pattern)
    except (re.error, RecursionError, OverflowError) as exc:
        return f"not a valid regular expression: {exc}"
    return _unsafe(list(parsed.data), outer=None)


def _unsafe(items: list[tuple[Any, Any]], *, outer: str | None) -> str | None:
    """``outer``: None, or whether the nearest enclosing repeat is "bounded" or "unbounded"."""
    for op, arg in items:
        found = None
        if op in _REPEATS:
            low, high, body = arg
            unbounded = high == sre.MAXREPEAT
            if high > 1 and (outer == "unbounded" or (outer == "bounded" and unbounded)):
                return "nests a repeat inside a repeat ((a+)+ style), which can take exponential time"
            inner = ("unbounded" if unbounded else "bounded") if high > 1 else outer
            found = _unsafe(list(body), outer=inner)
        elif op is sre.SUBPATTERN:
            found = _unsafe(list(arg[-1]), outer=outer)
        elif op is sre.BRANCH:
            if outer == "unbounded":
                return "repeats a choice of alternatives ((a|ab)* style), which can take exponential time"
            found = next((f for branch in arg[1] if (f := _unsafe(list(branch), outer=outer))), None)
        elif op is sre.GROUPREF or op is sre.GROUPREF_EXISTS:
            return "uses a back-reference, which regular-expression engines cannot run in linear time"
        elif op in _LOOKAROUND:
            found = _unsafe(list(arg[1]), outer=outer)
        if found:
            return found
    return None

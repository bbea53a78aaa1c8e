r"""Regular expressions every engine reads alike, and manifest patterns that run in linear time.

Shorthand classes differ between engines: Python's ``\s`` includes ``\x1c``-``\x1f`` and ``\x85``,
ECMA-262's includes ``\ufeff`` and Rust's follows Unicode's White_Space; ``\d`` and ``\w`` match
other scripts' digits and letters in Python but not in JavaScript. Generated schemas therefore
spell them as explicit classes (ECMA-262's definitions), and ``$`` is read ECMA's way at run time
(``ecma_regex``). A manifest pattern must also compile as validation reads it and
must not backtrack beyond linear time (``pattern_problem``).
"""

from __future__ import annotations

import re
from functools import lru_cache
from re import _constants as sre  # type: ignore[attr-defined]
from re import _parser as sre_parse  # type: ignore[attr-defined]
from typing import Any

__all__ = ["ECMA_WHITESPACE", "MAX_PATTERN_LENGTH", "ecma_regex", "pattern_problem", "portable_pattern"]

#: ECMA-262 WhiteSpace and LineTerminator code points (what ``\s`` means in a browser).
ECMA_WHITESPACE = r"\x09-\x0d \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff"
_DIGIT = "0-9"
_WORD = "A-Za-z0-9_"

# shorthand -> (class contents, negated)
_SHORTHANDS = {
    "s": (ECMA_WHITESPACE, False),
    "S": (ECMA_WHITESPACE, True),
    "d": (_DIGIT, False),
    "D": (_DIGIT, True),
    "w": (_WORD, False),
    "W": (_WORD, True),
}


def portable_pattern(pattern: str) -> str:
    r"""``pattern`` with ``\s \S \d \D \w \W`` replaced by explicit classes.

    Inside a character class a positive shorthand is spliced in (``[^@\s]`` becomes
    ``[^@\x09-\x0d ...]``); a negated one there (``[\S]``) has no portable spelling and is refused
    with ``ValueError``, as is ``\b``/``\B``, whose idea of a word differs between engines.
    """
    out: list[str] = []
    in_class = False
    index = 0
    while index < len(pattern):
        char = pattern[index]
        if char == "\\" and index + 1 < len(pattern):
            nxt = pattern[index + 1]
            index += 2
            if nxt in _SHORTHANDS:
                contents, negated = _SHORTHANDS[nxt]
                if in_class:
                    if negated:
                        raise ValueError(f"\\{nxt} inside a character class has no portable spelling; list the characters")
                    out.append(contents)
                else:
                    out.append(f"[{'^' if negated else ''}{contents}]")
            elif nxt in "bB" and not in_class:
                raise ValueError(f"\\{nxt} (word boundary) means different things in Python and JavaScript")
            else:
                out.append(char + nxt)
            continue
        if char == "[" and not in_class:
            in_class = True
            out.append(char)
            index += 1
            # a leading ']' (or '^]') is a literal inside the class
            if pattern[index : index + 1] == "^":
                out.append("^")
                index += 1
            if pattern[index : index + 1] == "]":
                out.append("]")
                index += 1
            continue
        if char == "]" and in_class:
            in_class = False
        out.append(char)
        index += 1
    return "".join(out)


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
    except (re.error, RecursionError, OverflowError, ValueError) as exc:
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


@lru_cache(maxsize=512)
def ecma_regex(pattern: str) -> re.Pattern[str]:
    r"""Compile a JSON Schema pattern with ECMA-262's ``$``: the very end, never before a final newline.

    Python's ``$`` also matches before a trailing ``\n``, so ``^\S*$`` would let ``"key\n"`` through
    where every JavaScript form validator refuses it. Shorthand classes (``\s``, ``\d``) are
    spelled out first (``portable_pattern``), so Python reads them as a browser does.
    """
    out, in_class, escaped = [], False, False
    for char in portable_pattern(pattern):
        if escaped:
            escaped = False
        elif char == "\\":
            escaped = True
        elif char == "[":
            in_class = True
        elif char == "]":
            in_class = False
        elif char == "$" and not in_class:
            out.append(r"\Z")
            continue
        out.append(char)
    return re.compile("".join(out))

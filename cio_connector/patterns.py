r"""Regular expressions every engine reads alike: Python's ``re``, Rust's regex, a browser's RegExp.

Shorthand classes differ between engines: Python's ``\s`` includes ``\x1c``-``\x1f`` and ``\x85``,
ECMA-262's includes ``\ufeff`` and Rust's follows Unicode's White_Space; ``\d`` and ``\w`` match
other scripts' digits and letters in Python but not in JavaScript. Generated schemas therefore
spell them as explicit classes (ECMA-262's definitions), and ``$`` is read ECMA's way at run time
(see ``validation.ecma_regex``).
"""

from __future__ import annotations

__all__ = ["ECMA_WHITESPACE", "portable_pattern"]

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

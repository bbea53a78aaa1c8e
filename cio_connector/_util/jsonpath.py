"""JSON paths as problems spell them (``$.fields[0].key``, ``$["a b"]``), to and from key tuples."""

from __future__ import annotations

import re
from functools import lru_cache

__all__ = ["PathPart", "json_path", "parse_json_path"]

PathPart = str | int


def json_path(parts: tuple[PathPart, ...] | list[PathPart]) -> str:
    """``("fields", 0, "key")`` -> ``$.fields[0].key``; odd keys are quoted: ``$["a b"]``."""
    out = "$"
    for part in parts:
        if isinstance(part, int):
            out += f"[{part}]"
        elif part.isidentifier():
            out += f".{part}"
        else:
            out += "[" + _quote(part) + "]"
    return out


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


_STEP = re.compile(r'\.([^.\[]+)|\[([0-9]+)\]|\["((?:[^"\\]|\\.)*)"\]', re.S)


@lru_cache(maxsize=4096)
def parse_json_path(path: str) -> tuple[PathPart, ...]:
    """The inverse of ``json_path``; ``ValueError`` for text it did not write."""
    if not path.startswith("$"):
        raise ValueError(f"not a JSON path: {path!r}")
    parts: list[PathPart] = []
    index = 1
    while index < len(path):
        step = _STEP.match(path, index)
        if step is None:
            raise ValueError(f"not a JSON path: {path!r}")
        name, number, quoted = step.groups()
        if name is not None:
            parts.append(name)
        elif number is not None:
            parts.append(int(number))
        else:
            parts.append(re.sub(r"\\(.)", r"\1", quoted, flags=re.S))
        index = step.end()
    return tuple(parts)

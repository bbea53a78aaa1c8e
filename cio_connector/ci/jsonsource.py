"""JSON read with the position of every value, refusing what YAML would read differently.

A JSON file is not read through the YAML loader: PyYAML speaks YAML 1.1, where ``1e5`` is a string
and duplicate keys silently keep the last value. This reader follows RFC 8259 (via ``json``'s own
string and number scanners) and reports duplicate keys with the line and column of the second one.
"""

from __future__ import annotations

import json
import re
from bisect import bisect_right
from json.decoder import scanstring  # type: ignore[attr-defined]
from typing import Any

from .._util.yamlsource import Located, PathPart

__all__ = ["JsonSourceError", "load_json"]

_WHITESPACE = re.compile(r"[ \t\n\r]*")
_NUMBER = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?")
_LITERALS = {"true": True, "false": False, "null": None}
_MAX_DEPTH = 200


class JsonSourceError(ValueError):
    """Malformed JSON, at a 1-based line and column."""

    def __init__(self, message: str, line: int, column: int) -> None:
        self.message, self.line, self.column = message, line, column
        super().__init__(f"{message} (line {line}, column {column})")


def load_json(text: str, source: str) -> Located:
    """Parse ``text``; raises ``JsonSourceError`` for bad syntax, duplicate keys or NaN/Infinity."""
    reader = _Reader(text)
    data = reader.value((), 0)
    end = reader.skip()
    if end != len(text):
        raise reader.error("extra data after the JSON value", end)
    return Located(data, source, reader.positions)


class _Reader:
    def __init__(self, text: str) -> None:
        self.text = text
        self.at = 0
        self.positions: dict[tuple[PathPart, ...], tuple[int, int]] = {}
        # Offsets where each line starts, to turn an offset into (line, column) by bisection.
        self._lines = [0] + [m.end() for m in re.finditer("\n", text)]

    def where(self, offset: int) -> tuple[int, int]:
        line = bisect_right(self._lines, offset)
        return line, offset - self._lines[line - 1] + 1

    def error(self, message: str, offset: int) -> JsonSourceError:
        return JsonSourceError(message, *self.where(offset))

    def skip(self) -> int:
        match = _WHITESPACE.match(self.text, self.at)
        self.at = match.end() if match else self.at
        return self.at

    def value(self, path: tuple[PathPart, ...], depth: int) -> Any:
        start = self.skip()
        if depth > _MAX_DEPTH:
            raise self.error(f"nested deeper than {_MAX_DEPTH} levels", start)
        self.positions[path] = self.where(start)
        char = self.text[start : start + 1]
        if char == "{":
            return self.mapping(path, depth)
        if char == "[":
            return self.sequence(path, depth)
        if char == '"':
            return self.string()
        for word, literal in _LITERALS.items():
            if self.text.startswith(word, start):
                self.at = start + len(word)
                return literal
        match = _NUMBER.match(self.text, start)
        if match and match.end() > start:
            self.at = match.end()
            number = match.group()
            return int(number) if number.lstrip("-").isdigit() else float(number)
        if self.text.startswith(("NaN", "Infinity", "-Infinity"), start):
            raise self.error("NaN and Infinity are not JSON", start)
        raise self.error("expected a value" if char else "unexpected end of file", start)

    def string(self) -> str:
        try:
            text, self.at = scanstring(self.text, self.at + 1, True)
        except json.JSONDecodeError as exc:
            raise self.error(exc.msg.lower(), exc.pos) from None
        return text

    def mapping(self, path: tuple[PathPart, ...], depth: int) -> dict[str, Any]:
        out: dict[str, Any] = {}
        self.at += 1
        if self.text[self.skip() : self.at + 1] == "}":
            self.at += 1
            return out
        while True:
            key_at = self.skip()
            if self.text[key_at : key_at + 1] != '"':
                raise self.error("expected a key in double quotes", key_at)
            key = self.string()
            if key in out:
                raise self.error(f"duplicate key {key!r}", key_at)
            if self.text[self.skip() : self.at + 1] != ":":
                raise self.error("expected ':' after the key", self.at)
            self.at += 1
            out[key] = self.value((*path, key), depth + 1)
            if self._close("}"):
                return out

    def sequence(self, path: tuple[PathPart, ...], depth: int) -> list[Any]:
        out: list[Any] = []
        self.at += 1
        if self.text[self.skip() : self.at + 1] == "]":
            self.at += 1
            return out
        while True:
            out.append(self.value((*path, len(out)), depth + 1))
            if self._close("]"):
                return out

    def _close(self, bracket: str) -> bool:
        """After an item: True at the closing bracket, False after a comma; else a syntax error."""
        char = self.text[self.skip() : self.at + 1]
        self.at += 1
        if char == bracket:
            return True
        if char == ",":
            return False
        raise self.error(f"expected ',' or '{bracket}'", self.at - 1)

"""YAML loading that remembers where every value stood, so problems can say file:line:column."""

from __future__ import annotations

import math
import stat
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .jsonpath import PathPart, json_path
from .limits import MAX_YAML_BYTES, MAX_YAML_DEPTH

__all__ = ["Located", "MAX_YAML_BYTES", "MAX_YAML_DEPTH", "UnsafeYamlError", "json_path", "load_yaml", "read_yaml"]

@dataclass(frozen=True)
class Located:
    """A YAML document's plain data plus the 1-based (line, column) of each node by path."""

    data: Any
    source: str
    positions: Mapping[tuple[PathPart, ...], tuple[int, int]] = field(default_factory=dict)

    def position(self, parts: tuple[PathPart, ...] | list[PathPart]) -> tuple[int, int] | None:
        """The position of the deepest node that exists along ``parts``."""
        parts = tuple(parts)
        while parts:
            if parts in self.positions:
                return self.positions[parts]
            parts = parts[:-1]
        return self.positions.get(())


_SAFE_LOADER: type = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when built with it: ~10x faster


def _without_timestamps(base: Any) -> type:
    """``base`` whose timestamps stay strings: config values are data, not Python dates."""
    resolvers = {
        key: [(tag, regexp) for tag, regexp in found if tag != "tag:yaml.org,2002:timestamp"]
        for key, found in base.yaml_implicit_resolvers.items()
    }
    return type(f"_{base.__name__}", (base,), {"yaml_implicit_resolvers": resolvers})


_Loader = _without_timestamps(_SAFE_LOADER)
_PyLoader = _without_timestamps(yaml.SafeLoader)


_TAG = "tag:yaml.org,2002:"
_SCALARS = {_TAG + name for name in ("str", "int", "float", "bool", "null")}


class UnsafeYamlError(yaml.MarkedYAMLError):
    """YAML we refuse although it parses: aliases, duplicate keys, non-text keys, NaN, deep nesting."""

    def __init__(self, problem: str, mark: Any) -> None:
        super().__init__(problem=problem, problem_mark=mark)


def load_yaml(text: str, source: str, *, loader: type | None = None) -> Located:
    """Parse one YAML document; raises ``yaml.YAMLError`` (with its own position) when malformed.

    The document is built from parser events by ``_Composer`` (not PyYAML's composer), so aliases,
    duplicate keys, keys that are not text, tags beyond JSON's, non-finite numbers and nesting
    over ``MAX_YAML_DEPTH`` are refused where they stand, before any of them can cost anything.
    """
    try:
        parser = (loader or _Loader)(text)
    except UnicodeEncodeError as exc:  # libyaml reads UTF-8: a lone surrogate cannot get there
        raise UnsafeYamlError(f"text UTF-8 cannot encode ({exc.reason})", None) from None
    try:
        return _Composer(parser, source).document()
    finally:
        parser.dispose()


@dataclass
class _Open:
    """A mapping or list being built, and the key awaiting its value in a mapping."""

    value: Any
    path: tuple[PathPart, ...]
    key: str | None = None
    key_mark: Any = None


class _Composer:
    def __init__(self, parser: Any, source: str) -> None:
        self.parser = parser
        self.source = source
        self.positions: dict[tuple[PathPart, ...], tuple[int, int]] = {}

    def document(self) -> Located:
        parser = self.parser
        parser.get_event()  # stream start
        if parser.check_event(yaml.StreamEndEvent):
            parser.get_event()
            return Located(None, self.source, self.positions)
        parser.get_event()  # document start
        data = self._node()
        parser.get_event()  # document end
        if not parser.check_event(yaml.StreamEndEvent):
            raise UnsafeYamlError("expected a single document, found another", parser.get_event().start_mark)
        parser.get_event()
        return Located(data, self.source, self.positions)

    def _node(self) -> Any:
        """One node, built without recursion, so nesting costs no Python stack."""
        stack: list[_Open] = []
        while True:
            event = self.parser.get_event()
            if isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
                done = stack.pop()
                value: Any = done.value
            else:
                value = self._start(event, stack)
                if isinstance(value, _Open):
                    stack.append(value)
                    continue
            if not stack:
                return value
            self._add(stack[-1], value, event)

    def _path(self, stack: list[_Open]) -> tuple[PathPart, ...]:
        if not stack:
            return ()
        top = stack[-1]
        if isinstance(top.value, list):
            return (*top.path, len(top.value))
        return (*top.path, top.key) if top.key is not None else top.path

    def _start(self, event: Any, stack: list[_Open]) -> Any:
        mark = event.start_mark
        if isinstance(event, yaml.AliasEvent):
            raise UnsafeYamlError("aliases (*name) are not allowed: write the value out", mark)
        if getattr(event, "anchor", None):
            raise UnsafeYamlError("anchors (&name) are not allowed: write the value out", mark)
        awaiting_key = bool(stack) and isinstance(stack[-1].value, dict) and stack[-1].key is None
        if awaiting_key and not isinstance(event, yaml.ScalarEvent):
            raise UnsafeYamlError("mapping keys must be text", mark)
        path = self._path(stack)
        if not awaiting_key:
            self.positions[path] = (mark.line + 1, mark.column + 1)
        if isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
            if len(stack) >= MAX_YAML_DEPTH:
                raise UnsafeYamlError(f"nests deeper than {MAX_YAML_DEPTH} levels", mark)
            kind = "map" if isinstance(event, yaml.MappingStartEvent) else "seq"
            if event.tag not in (None, "!", _TAG + kind):
                raise UnsafeYamlError(f"the tag {event.tag} is not allowed (plain mappings and lists only)", mark)
            return _Open({} if kind == "map" else [], path)
        if isinstance(event, yaml.ScalarEvent):
            return self._scalar(event, key=awaiting_key)
        raise UnsafeYamlError(f"unexpected {type(event).__name__}", mark)

    def _scalar(self, event: Any, *, key: bool) -> Any:
        tag = event.tag
        if tag in (None, "!"):
            tag = self.parser.resolve(yaml.ScalarNode, event.value, event.implicit)
        if tag not in _SCALARS:
            raise UnsafeYamlError(f"the tag {tag} is not allowed (text, numbers, true/false and null only)", event.start_mark)
        if key:
            if tag != _TAG + "str":
                shown = event.value or "null"
                raise UnsafeYamlError(f"mapping keys must be text, not {shown!r} ({tag[len(_TAG):]})", event.start_mark)
            return event.value
        node = yaml.ScalarNode(tag, event.value, event.start_mark, event.end_mark, event.style)
        try:
            value = self.parser.yaml_constructors[tag](self.parser, node)
        except ValueError as exc:  # an integer longer than Python will read
            raise UnsafeYamlError(f"not a number we can read: {exc}", event.start_mark) from None
        if isinstance(value, float) and not math.isfinite(value):
            raise UnsafeYamlError("numbers must be finite (no .nan or .inf)", event.start_mark)
        return value

    def _add(self, top: _Open, value: Any, event: Any) -> None:
        if isinstance(top.value, list):
            top.value.append(value)
        elif top.key is None:
            if value in top.value:
                raise UnsafeYamlError(f"duplicate key {value!r}: each key may appear once", event.start_mark)
            top.key = value
        else:
            top.value[top.key] = value
            top.key = None


def read_yaml(path: Path, source: str) -> Located:
    """Read and parse a YAML file: a regular file of at most ``MAX_YAML_BYTES`` in UTF-8.

    Raises ``OSError`` when unreadable and ``yaml.YAMLError`` when refused, with a position.
    """
    info = path.stat()  # follows symlinks: a link to /dev/zero is a character device
    if not stat.S_ISREG(info.st_mode):
        raise UnsafeYamlError("is not a regular file (a device, pipe or directory)", None)
    with path.open("rb") as handle:
        raw = handle.read(MAX_YAML_BYTES + 1)
    if len(raw) > MAX_YAML_BYTES:
        raise UnsafeYamlError(f"is over {MAX_YAML_BYTES:,} bytes", None)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        before = raw[: exc.start]
        line = before.count(b"\n")
        column = len(before) - (before.rfind(b"\n") + 1)
        mark = yaml.Mark(source, exc.start, line, column, None, None)  # type: ignore[arg-type]
        raise UnsafeYamlError("is not UTF-8 text", mark) from None
    return load_yaml(text, source)

"""Handlers compiled for one config's shape: the constant parts of a body encoded once, per-record values spliced in.

A plan fills the same config for every record: the same keys, the same constant values, values
read from the record at the same places. A handler may declare a compile hook (``@handler(...,
compile=...)``) that reads that ``Shape`` and describes its request as a body template: constants
where the config is constant, ``Var`` where a value comes from the record. ``spliced`` turns the
template into a generated function that reads each varying value from the inputs, builds the body
(only the containers above a ``Var`` are new; constants are shared) and writes its bytes as the
constant pieces, encoded once, around each value's own encoding. The bytes are exactly
``compact_json(body)``: JSON's encoding of a container is its items' encodings joined, so encoding
the parts and joining them gives the same bytes as encoding the whole.

A hook returns None for any shape it does not handle (a matching field chosen per record, a whole
map read from the record): the plan then calls the handler itself. The differential tests hold
every compiled handler to its handler, byte for byte (``tests/core/test_plan_differential.py``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from .._util.jsonbytes import compact_json, quick_dumps, value_json
from .._util.jsonpath import PathPart
from .request import ApiRequest

__all__ = ["Compiler", "Shape", "Var", "spliced"]


@dataclass(frozen=True)
class Var:
    """A value of the body that changes per record: ``inputs`` at ``path``, passed through
    ``convert`` (when given); with an empty path, ``convert()`` makes it (a fresh event id).
    ``encode`` writes the value's JSON when something cheaper than the general encoder is known."""

    path: tuple[PathPart, ...]
    convert: Callable[..., Any] | None = None
    encode: Callable[[Any], bytes] | None = None


class Shape:
    """What a plan knows of its inputs before any record: the config's keys and constant values,
    and the places (``varying``) that are filled from each record."""

    def __init__(self, template: Mapping[str, Any], varying: frozenset[tuple[PathPart, ...]]) -> None:
        self.template = template
        self.varying = varying
        self._under = {location[:depth] for location in varying for depth in range(1, len(location) + 1)}

    def __repr__(self) -> str:
        return f"<Shape keys={sorted(self.template)} varying={sorted(self.varying, key=repr)}>"

    def __contains__(self, key: str) -> bool:
        return key in self.template

    def fixed(self, key: str) -> bool:
        """``key`` is in the config and nothing at or under it changes per record."""
        return key in self.template and (key,) not in self._under

    def value(self, key: str, default: Any = None) -> Any:
        """The constant value of ``key`` (``default`` when absent); only for ``fixed`` keys."""
        if key not in self.template:
            return default
        if not self.fixed(key):
            raise ValueError(f"{key!r} changes per record")
        return self.template[key]

    def mirror(self, key: str) -> Any:
        """``key``'s value with a ``Var`` wherever a record's value goes (the whole value when it
        is read from the record)."""
        return self._mirror(self.template[key], (key,))

    def _mirror(self, value: Any, at: tuple[PathPart, ...]) -> Any:
        if at in self.varying:
            return Var(at)
        if at not in self._under:
            return value
        if isinstance(value, dict):
            return {key: self._mirror(item, (*at, key)) for key, item in value.items()}
        return [self._mirror(item, (*at, index)) for index, item in enumerate(value)]


#: A handler's compile hook: the handler for inputs of this shape, or None to run the handler.
Compiler = Callable[[Shape], Callable[[Mapping[str, Any]], ApiRequest] | None]


def spliced(
    body: Any,
    *,
    api: str,
    method: str,
    path: str,
    query: tuple[tuple[str, str], ...] = (),
    field_map: tuple[tuple[str, str], ...] = (),
    max_body_bytes: int | None = None,
    not_found: str | None = None,
    idempotent: bool = True,
) -> Callable[[Mapping[str, Any]], ApiRequest] | None:
    """``build(inputs)``: the request with ``body`` (a template of constants and ``Var``) filled
    from ``inputs``; None when a constant cannot be encoded (the handler then shows why)."""
    names: dict[str, Any] = {}
    variables: list[tuple[str, Var]] = []
    pieces: list[Any] = []  # bytes, or the name of a variable's encoding
    try:
        literal = _walk(body, names, variables, pieces)
    except (TypeError, ValueError, RecursionError):
        return None
    lines = ["def build(inputs):"]
    for variable, var in variables:
        if var.path:
            reads = "".join(f"[{_bind(names, part)}]" for part in var.path)
            lines.append(f"    {variable} = inputs{reads}")
            if var.convert is not None:
                lines.append(f"    {variable} = {_bind(names, var.convert)}({variable})")
        else:
            assert var.convert is not None, "a Var without a path makes its value"
            lines.append(f"    {variable} = {_bind(names, var.convert)}()")
    joined = []
    dumps = quick_dumps()  # orjson's, for the values it writes exactly as the stdlib does
    if dumps is not None:
        names["_dumps"], names["_plain"] = dumps, frozenset({str, int, bool, type(None)})
    for piece in _merged(pieces):
        if isinstance(piece, bytes):
            joined.append(_bind(names, piece))
            continue
        variable, var = piece
        if var.encode is None and dumps is not None:
            # An integer past 64 bits makes orjson raise TypeError: the plan then runs the handler.
            joined.append(f"(_dumps({variable}) if type({variable}) in _plain else _value_json({variable}))")
        else:
            joined.append(f"{_bind(names, var.encode or value_json)}({variable})")
    names["_value_json"] = value_json
    lines.append(f"    body = {literal}")
    lines.append(f"    return make(body, b''.join(({', '.join(joined)},)))")
    fields = dict(
        api=api, method=method, path=path, query=query, json=None, field_map=field_map,
        max_body_bytes=max_body_bytes, not_found=not_found, idempotent=idempotent, problems=(),
    )
    names["make"] = _maker(fields)
    namespace = dict(names)
    exec(compile("\n".join(lines), "<cio-connector compiled handler>", "exec"), namespace)  # our own source
    build: Callable[[Mapping[str, Any]], ApiRequest] = namespace["build"]
    return build


def _maker(fields: dict[str, Any]) -> Callable[[Any, bytes], ApiRequest]:
    """A request from prepared fields, its body already encoded (no dataclass ``__init__``)."""
    new = object.__new__

    def make(body: Any, encoded: bytes) -> ApiRequest:
        request = new(ApiRequest)
        state = request.__dict__
        state.update(fields)
        state["json"] = body
        state["_body"] = encoded
        return request

    return make


def _bind(names: dict[str, Any], value: Any) -> str:
    name = f"n{len(names)}"
    names[name] = value
    return name


def _walk(value: Any, names: dict[str, Any], variables: list[tuple[str, Var]], pieces: list[Any]) -> str:
    """Source for ``value`` (a literal rebuilt around its ``Var``s, constants bound by name), and
    its encoding appended to ``pieces``."""
    if isinstance(value, Var):
        variable = f"v{len(variables)}"
        variables.append((variable, value))
        pieces.append((variable, value))
        return variable
    if not _varies(value):
        pieces.append(compact_json(value, allow_nan=False))
        return _bind(names, value)
    if isinstance(value, dict):
        pieces.append(b"{")
        items = []
        for index, (key, item) in enumerate(value.items()):
            if type(key) is not str:
                raise TypeError("a body key must be text")
            pieces.append((b"," if index else b"") + compact_json(key) + b":")
            items.append(f"{_bind(names, key)}: {_walk(item, names, variables, pieces)}")
        pieces.append(b"}")
        return "{" + ", ".join(items) + "}"
    if isinstance(value, list):
        pieces.append(b"[")
        parts = []
        for index, item in enumerate(value):
            if index:
                pieces.append(b",")
            parts.append(_walk(item, names, variables, pieces))
        pieces.append(b"]")
        return "[" + ", ".join(parts) + "]"
    raise TypeError(f"a body holds {type(value).__name__}, not JSON")


def _varies(value: Any) -> bool:
    if isinstance(value, Var):
        return True
    if isinstance(value, dict):
        return any(_varies(item) for item in value.values())
    if isinstance(value, list):
        return any(_varies(item) for item in value)
    return False


def _merged(pieces: list[Any]) -> list[Any]:
    """Adjacent constant bytes joined into one piece."""
    out: list[Any] = []
    for piece in pieces:
        if isinstance(piece, bytes) and out and isinstance(out[-1], bytes):
            out[-1] += piece
        else:
            out.append(piece)
    return out

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
from .source import generated

__all__ = ["Compiler", "Recipe", "Shape", "Var", "bind", "request_lines", "spliced"]


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
        #: The mirrors handed out, by key.
        self.mirrors: dict[str, Any] = {}

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
        is read from the record). The same object each time: generated code that already holds
        the filled value of ``key`` reuses it where a body places this mirror unchanged."""
        if key not in self.mirrors:
            self.mirrors[key] = self._mirror(self.template[key], (key,))
        return self.mirrors[key]

    def converted(self, key: str, convert: Callable[[Any], Any]) -> Any:
        """``convert`` of ``key``'s value: decided now for a constant (None when absent or null),
        per record (a ``Var``) for a record's value."""
        if key not in self.template:
            return None
        value = self.mirror(key)
        if isinstance(value, Var):
            return Var(value.path, convert=convert)
        return None if value is None else convert(value)

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


@dataclass(frozen=True)
class Recipe:
    """What a spliced handler builds: the body template and the request's other fields. Code
    generated for a whole plan (``codegen.compile_build``) writes the same request inline."""

    body: Any
    fields: Mapping[str, Any]


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
    from ``inputs``; None when a constant cannot be encoded (the handler then shows why). The
    function carries its ``Recipe`` as ``build.recipe``."""
    recipe = Recipe(body, dict(
        api=api, method=method, path=path, query=query, field_map=field_map,
        max_body_bytes=max_body_bytes, not_found=not_found, idempotent=idempotent,
    ))
    names: dict[str, Any] = {}

    def read(var: Var) -> str:
        return "inputs" + "".join(f"[{bind(names, part)}]" for part in var.path)

    lines = request_lines(recipe, names, read)
    if lines is None:
        return None
    build = generated("build", ["def build(inputs):", *lines], names)
    if build is not None:
        build.recipe = recipe
    return build


def request_lines(
    recipe: Recipe, names: dict[str, Any], read: Callable[[Var], str | None], reuse: Mapping[int, str] | None = None,
    *, limit_check: bool = False,
) -> list[str] | None:
    """Function-body lines (indented once) that build ``recipe``'s request and return it: each
    ``Var``'s value is the expression ``read(var)`` gives (None: not expressible, so no lines);
    ``reuse`` maps ``id(node)`` of a body part to an expression already holding it. With
    ``limit_check``, a body over ``max_body_bytes`` returns None instead."""
    writer = _Writer(names, read, reuse or {})
    try:
        literal = writer.walk(recipe.body)
    except (TypeError, ValueError, RecursionError):
        return None
    if writer.unreadable:
        return None
    found = quick_dumps()  # orjson's, for the values it writes exactly as the stdlib does
    dumps = bind(names, found) if found is not None else None
    plain = bind(names, frozenset({str, int, bool, type(None)}))
    general = bind(names, value_json)
    joined = []
    for piece in _merged(writer.pieces):
        if isinstance(piece, bytes):
            joined.append(bind(names, piece))
            continue
        variable, var = piece
        if var.encode is None and dumps is not None:
            # An integer past 64 bits makes orjson raise TypeError: the plan then runs the handler.
            joined.append(f"({dumps}({variable}) if type({variable}) in {plain} else {general}({variable}))")
        else:
            joined.append(f"{bind(names, var.encode or value_json)}({variable})")
    lines = [*writer.lines, f"    body = {literal}", f"    encoded = b''.join(({', '.join(joined)},))"]
    limit = recipe.fields.get("max_body_bytes")
    if limit_check and limit is not None:
        lines.append(f"    if len(encoded) > {bind(names, limit)}: return None")
    # The request made without its dataclass __init__: fields left at their class defaults are
    # not stored at all, and the body's bytes are stored as its cached encoding.
    state = [f"{bind(names, key)}: {bind(names, value)}" for key, value in recipe.fields.items()
             if not _is_default(key, value)]
    state += ["'json': body", "'_body': encoded"]
    new, set_state, kind = bind(names, object.__new__), bind(names, object.__setattr__), bind(names, ApiRequest)
    lines.append(f"    request = {new}({kind})")
    lines.append(f"    {set_state}(request, '__dict__', {{{', '.join(state)}}})")
    lines.append("    return request")
    return lines


def _is_default(field: str, value: Any) -> bool:
    default = getattr(ApiRequest, field, _NO_DEFAULT)
    return type(default) is type(value) and default == value


_NO_DEFAULT = object()


def bind(names: dict[str, Any], value: Any) -> str:
    """A new name for ``value`` in generated code."""
    name = f"n{len(names)}"
    names[name] = value
    return name


class _Writer:
    """Source for a body template: its literal (constants bound by name, each ``Var`` a variable
    computed in ``lines``) and its encoding as ``pieces`` (bytes, or a variable to encode)."""

    def __init__(self, names: dict[str, Any], read: Callable[[Var], str | None], reuse: Mapping[int, str]) -> None:
        self.names, self.read, self.reuse = names, read, reuse
        self.lines: list[str] = []
        self.pieces: list[Any] = []
        self.unreadable = False
        self._count = 0

    def _variable(self, expression: str) -> str:
        variable = f"s{self._count}"
        self._count += 1
        self.lines.append(f"    {variable} = {expression}")
        return variable

    def walk(self, value: Any) -> str:
        if isinstance(value, Var):
            if value.path:
                source = self.read(value)
                if source is None:
                    self.unreadable = True
                    return "None"
                if value.convert is not None:
                    source = f"{bind(self.names, value.convert)}({source})"
            else:
                assert value.convert is not None, "a Var without a path makes its value"
                source = f"{bind(self.names, value.convert)}()"
            variable = source if source.isidentifier() else self._variable(source)
            self.pieces.append((variable, value))
            return variable
        if not _varies(value):
            self.pieces.append(compact_json(value, allow_nan=False))
            return bind(self.names, value)
        if isinstance(value, dict):
            self.pieces.append(b"{")
            items = []
            for index, (key, item) in enumerate(value.items()):
                if type(key) is not str:
                    raise TypeError("a body key must be text")
                self.pieces.append((b"," if index else b"") + compact_json(key) + b":")
                items.append(f"{bind(self.names, key)}: {self.walk(item)}")
            self.pieces.append(b"}")
            literal = "{" + ", ".join(items) + "}"
            reused = self.reuse.get(id(value))
            return reused if reused is not None and _passed_through(value) else literal
        if isinstance(value, list):
            self.pieces.append(b"[")
            parts = []
            for index, item in enumerate(value):
                if index:
                    self.pieces.append(b",")
                parts.append(self.walk(item))
            self.pieces.append(b"]")
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


def _passed_through(value: Any) -> bool:
    """Every ``Var`` inside places its value as read (nothing converted or made)."""
    if isinstance(value, Var):
        return value.convert is None and value.encode is None
    if isinstance(value, dict):
        return all(_passed_through(item) for item in value.values())
    if isinstance(value, list):
        return all(_passed_through(item) for item in value)
    return True


def _merged(pieces: list[Any]) -> list[Any]:
    """Adjacent constant bytes joined into one piece."""
    out: list[Any] = []
    for piece in pieces:
        if isinstance(piece, bytes) and out and isinstance(out[-1], bytes):
            out[-1] += piece
        else:
            out.append(piece)
    return out

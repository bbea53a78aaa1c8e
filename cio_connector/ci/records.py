"""What a template reads from the record (jinja2's AST), and whether a record schema has it.

Only references rooted at ``record`` count: ``record.email``, ``record.address.city``,
``record["first name"]``. ``{{ record.x }}`` alone keeps the value's type, so its type must fit the
field; any other template renders text.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from jinja2 import TemplateSyntaxError, nodes
from jinja2.sandbox import ImmutableSandboxedEnvironment

from ..declarative.validation import TYPE_NAMES

__all__ = ["RecordSchema", "Reference", "TemplateUse", "describe_types", "reference_text", "schema_types", "template_use"]

Reference = tuple[str | int, ...]
_ENV = ImmutableSandboxedEnvironment()
_SINGLE = re.compile(r"^\s*\{\{(?:(?!\}\}|\{\{).)*\}\}\s*$", re.S)


@dataclass(frozen=True)
class TemplateUse:
    """The record fields one template reads; ``alone`` is the reference when it is the whole value."""

    references: tuple[Reference, ...]
    alone: Reference | None


@lru_cache(maxsize=4096)
def template_use(text: str) -> TemplateUse | None:
    """None when the template does not parse (the syntax problem is reported elsewhere)."""
    try:
        tree = _ENV.parse(text)
    except TemplateSyntaxError:
        return None
    references = tuple(dict.fromkeys(_references(tree)))
    alone = None
    if _SINGLE.match(text):
        outputs = [n for n in tree.body if isinstance(n, nodes.Output)]
        exprs = [x for o in outputs for x in o.nodes if not isinstance(x, nodes.TemplateData)]
        if len(exprs) == 1:
            alone = _chain(exprs[0])
    return TemplateUse(references, alone or None)


def _references(node: nodes.Node) -> Iterator[Reference]:
    chain = _chain(node) if isinstance(node, (nodes.Getattr, nodes.Getitem)) else None
    if chain:
        yield chain
        return
    for child in node.iter_child_nodes():
        yield from _references(child)


def _chain(node: nodes.Node) -> Reference | None:
    """``record.a["b"]`` -> ``("a", "b")``; None when not rooted at ``record`` or not constant."""
    if isinstance(node, nodes.Name):
        return () if node.name == "record" else None
    if isinstance(node, nodes.Getattr):
        inner = _chain(node.node)
        return None if inner is None else (*inner, node.attr)
    if isinstance(node, nodes.Getitem) and isinstance(node.arg, nodes.Const) and isinstance(node.arg.value, (str, int)):
        inner = _chain(node.node)
        return None if inner is None else (*inner, node.arg.value)
    return None


def reference_text(reference: Reference) -> str:
    out = "record"
    for part in reference:
        out += f".{part}" if isinstance(part, str) and part.isidentifier() else f"[{part!r}]"
    return out




def describe_types(types: set[str]) -> str:
    return " or ".join(TYPE_NAMES.get(t, t) for t in sorted(types))


def schema_types(schema: Any) -> set[str] | None:
    """The JSON types a schema allows, or None when it does not say (anything goes)."""
    if not isinstance(schema, Mapping):
        return None
    declared = schema.get("type")
    if isinstance(declared, str):
        return {declared}
    if isinstance(declared, list):
        return {str(t) for t in declared}
    for keyword in ("anyOf", "oneOf"):
        branches = schema.get(keyword)
        if isinstance(branches, list):
            found = [schema_types(branch) for branch in branches]
            if found and all(f is not None for f in found):
                return set().union(*[f for f in found if f is not None])
    values = schema.get("enum", [schema["const"]] if "const" in schema else None)
    if isinstance(values, list) and values:
        return {_json_type(v) for v in values}
    return None


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    return "array" if isinstance(value, list) else "object"


class RecordSchema:
    """A JSON Schema of the records a workflow passes, asked one question: what is at this path?"""

    def __init__(self, schema: Mapping[str, Any]) -> None:
        self.root = schema

    def lookup(self, reference: Reference) -> tuple[Any, Reference | None, list[str]]:
        """(schema at ``reference``, the first missing prefix or None, the names known there)."""
        here: Any = self._resolve(self.root)
        for index, part in enumerate(reference):
            properties = self._properties(here)
            if str(part) in properties:
                here = self._resolve(properties[str(part)])
                continue
            extra = here.get("additionalProperties") if isinstance(here, Mapping) else None
            if isinstance(extra, Mapping):
                here = self._resolve(extra)
                continue
            if isinstance(part, int) and isinstance(here, Mapping) and isinstance(here.get("items"), Mapping):
                here = self._resolve(here["items"])
                continue
            return None, reference[: index + 1], sorted(properties)
        return here, None, []

    def _properties(self, schema: Any) -> dict[str, Any]:
        if not isinstance(schema, Mapping):
            return {}
        found = dict(schema.get("properties") or {})
        for keyword in ("allOf", "anyOf", "oneOf"):
            for branch in schema.get(keyword) or []:
                for key, value in self._properties(self._resolve(branch)).items():
                    found.setdefault(key, value)
        return found

    def _resolve(self, schema: Any, depth: int = 0) -> Any:
        """Follow local ``$ref``s (``#/$defs/Address``); others are taken as 'anything'."""
        while isinstance(schema, Mapping) and isinstance(schema.get("$ref"), str) and depth < 32:
            ref = schema["$ref"]
            if not ref.startswith("#"):
                return {}
            target: Any = self.root
            for token in filter(None, ref[1:].split("/")):
                token = token.replace("~1", "/").replace("~0", "~")
                target = target.get(token) if isinstance(target, Mapping) else None
            schema, depth = target, depth + 1
        return schema

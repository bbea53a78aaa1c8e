"""A config checked before any record, by the compiled validator: no python-jsonschema imported.

Without a record, the full check (``pipeline.fields.check_config``) reports every problem except
those about a templated value, which wait for the record. The same verdict comes from the fast
path on the unrendered config when the schema's assertions about each templated location are
opened (replaced by ``true``): what is left judges the keys, the constant values, and every
container holding a template (its size, its other keys), exactly where the full check still
judges them. A rule's condition is left as it is, so it reads the template text, as the full check
does. Only when the path to a template goes through ``properties``, ``additionalProperties``,
``allOf`` and rule branches can a location be opened this way; otherwise there is no verdict here
(None) and the full check runs.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping
from typing import Any

from .._util.jsonpath import PathPart
from .fastcheck import FastCheck, compile_fast_check

__all__ = ["static_fast_check"]

# Keywords applying subschemas to an instance or its parts that opening cannot see through.
_OPAQUE = frozenset({"anyOf", "oneOf", "not", "items", "prefixItems", "contains", "patternProperties",
                     "dependentSchemas", "unevaluatedItems", "unevaluatedProperties", "$ref", "$dynamicRef"})


class _Opaque(Exception):
    """A template sits where opening its location cannot be done faithfully."""


def static_fast_check(schema: Mapping[str, Any], locations: Iterable[tuple[PathPart, ...]]) -> FastCheck | None:
    """A yes/no check of an unrendered config whose templates are at ``locations``: yes means the
    full check without a record finds no problem. None when the schema cannot be opened so."""
    opened = copy.deepcopy(dict(schema))
    try:
        for location in locations:
            if not location:
                raise _Opaque  # the whole config is one template
            _open(opened, location)
    except _Opaque:
        return None
    return compile_fast_check(opened)


def _open(schema: Any, path: tuple[PathPart, ...]) -> None:
    """Replace every assertion ``schema`` applies at ``path`` (below its own instance) by ``true``."""
    if not isinstance(schema, dict):
        return  # true applies nothing; false fails at this level already, where the full check fails too
    if any(keyword in schema for keyword in _OPAQUE):
        raise _Opaque
    head, rest = path[0], path[1:]
    if not isinstance(head, str):
        raise _Opaque  # an item of a list: not opened here
    properties = schema.get("properties")
    extra = schema.get("additionalProperties")
    if isinstance(properties, dict) and head in properties:
        if rest:
            _open(properties[head], rest)
        else:
            properties[head] = True
    elif isinstance(extra, dict):
        inner = copy.deepcopy(extra)
        if rest:
            _open(inner, rest)
        schema["properties"] = {**(properties or {}), head: inner if rest else True}
    for branch in schema.get("allOf", ()):
        _open(branch, path)
    for keyword in ("then", "else"):  # a rule's branches; its condition ("if") is left to read the text
        if keyword in schema:
            _open(schema[keyword], path)

"""How a person is named to Customer.io: explicit matching fields, or Track's shape rule."""

from __future__ import annotations

from typing import Any

from .._util.jsonbytes import quick_dumps, value_json
from ..facts import identifier_type_from_shape, raw_cio_id
from ..pipeline.splice import Shape, Var

__all__ = ["identifiers_for", "identifiers_from_shape", "identifiers_template", "shaped_identifiers_template"]


def identifiers_for(matching_field: str, value: str) -> dict[str, Any]:
    """The v2 ``identifiers`` object for an explicit matching field (never guessed); CIO IDs go bare."""
    if matching_field == "cio_id":
        return {"cio_id": raw_cio_id(value)}
    if matching_field in ("id", "email"):
        return {matching_field: value}
    raise ValueError(f"unknown matching field {matching_field!r}")


def identifiers_from_shape(customer_id: str) -> dict[str, Any]:
    """Customer.io's documented rule for Track identifiers: ``cio_`` prefix, email shape, else id."""
    kind = identifier_type_from_shape(customer_id)
    return {kind: raw_cio_id(customer_id) if kind == "cio_id" else customer_id}


# -- the same, for a compiled handler (``pipeline.splice``): a template of constants and Vars ----
def identifiers_template(shape: Shape, field_key: str, value_key: str) -> dict[str, Any] | None:
    """``identifiers_for`` for inputs of ``shape``; None when the matching field changes per record."""
    if not shape.fixed(field_key) or value_key not in shape:
        return None
    matching_field = shape.value(field_key)
    if matching_field not in ("id", "email", "cio_id"):
        return None
    value = shape.mirror(value_key)
    if matching_field != "cio_id":
        return {matching_field: value}
    return {"cio_id": Var(value.path, convert=raw_cio_id) if isinstance(value, Var) else raw_cio_id(value)}


def shaped_identifiers_template(shape: Shape, key: str) -> Any:
    """``identifiers_from_shape`` for inputs of ``shape``: decided now for a constant, per record
    (its kind read from the value) for a record's value."""
    value = shape.mirror(key)
    if isinstance(value, Var):
        # One identifier of text: orjson writes such a map exactly as the stdlib does.
        return Var(value.path, convert=identifiers_from_shape, encode=quick_dumps() or value_json)
    return identifiers_from_shape(value)

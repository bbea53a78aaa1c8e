"""How a person is named to Customer.io: explicit matching fields, or Track's shape rule."""

from __future__ import annotations

from typing import Any

from ..facts import identifier_type_from_shape, raw_cio_id

__all__ = ["identifiers_for", "identifiers_from_shape"]


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

"""How a person is named to Customer.io: explicit matching fields, or Track's shape rule."""

from __future__ import annotations

from typing import Any

from ..schema import EMAIL_PATTERN
from ..keywords import ecma_regex

__all__ = ["CIO_PREFIX", "identifiers_for", "identifiers_from_shape", "raw_cio_id"]

CIO_PREFIX = "cio_"
_EMAIL_SHAPE = ecma_regex(EMAIL_PATTERN)


def raw_cio_id(value: str) -> str:
    """Track v2 and segment ids take the bare CIO ID; accept it with or without ``cio_``."""
    return value.removeprefix(CIO_PREFIX)


def identifiers_for(matching_field: str, value: str) -> dict[str, Any]:
    """The v2 ``identifiers`` object for an explicit matching field (never guessed)."""
    if matching_field == "cio_id":
        return {"cio_id": raw_cio_id(value)}
    if matching_field in ("id", "email"):
        return {matching_field: value}
    raise ValueError(f"unknown matching field {matching_field!r}")


def identifiers_from_shape(customer_id: str) -> dict[str, Any]:
    """Customer.io's documented rule for Track identifiers: email shape, ``cio_`` prefix, else id."""
    if customer_id.startswith(CIO_PREFIX) and len(customer_id) > len(CIO_PREFIX):
        return {"cio_id": raw_cio_id(customer_id)}
    if _EMAIL_SHAPE.match(customer_id):
        return {"email": customer_id}
    return {"id": customer_id}

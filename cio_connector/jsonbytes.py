"""Compact UTF-8 JSON: the bytes the client sends are the bytes every size limit measures."""

from __future__ import annotations

import json
from typing import Any

__all__ = ["compact_json", "json_size", "text_or_json_size"]


def compact_json(value: Any, *, allow_nan: bool = True) -> bytes:
    """``value`` as compact UTF-8 JSON (no spaces, non-ASCII kept): the wire form of a body."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False, allow_nan=allow_nan).encode()


def json_size(value: Any) -> int:
    """Bytes of ``value`` as compact UTF-8 JSON, the way Customer.io measures bodies and entities."""
    return len(compact_json(value))


def text_or_json_size(value: Any) -> int:
    """A text's UTF-8 bytes (no quotes), any other value's compact JSON bytes: what a field's
    ``x-maxBytes`` limit counts, as Customer.io counts identifiers and attribute values."""
    return len(value.encode()) if isinstance(value, str) else json_size(value)

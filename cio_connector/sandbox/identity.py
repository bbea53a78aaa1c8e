"""Customer.io's identifier rules: the type of a path value comes from its shape."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal
from urllib.parse import unquote_to_bytes

from .customerio_rules import CIO_PREFIX, looks_like_email

__all__ = [
    "CIO_PREFIX",
    "ID_TYPES",
    "BadPercentEscape",
    "IdType",
    "Identifier",
    "decode_path_segment",
    "identifier_from_object",
    "infer_identifier",
    "looks_like_email",
]

IdType = Literal["id", "email", "cio_id"]
ID_TYPES: tuple[IdType, ...] = ("id", "email", "cio_id")
# A "%" not followed by two hex digits (RFC 3986 pct-encoded); unquote would keep it literally.
_BAD_ESCAPE = re.compile(rb"%(?![0-9A-Fa-f]{2})")


class BadPercentEscape(ValueError):
    """A path segment holds a ``%`` that does not start a two-hex-digit escape."""


@dataclass(frozen=True)
class Identifier:
    """A typed reference to a person; ``value`` of a cio_id is raw (no ``cio_`` prefix)."""

    type: IdType
    value: str

    @property
    def key(self) -> str:
        """The lookup key: emails match case-insensitively, ids and cio_ids exactly."""
        return self.value.lower() if self.type == "email" else self.value

    def to_dict(self) -> dict[str, str]:
        return {self.type: self.value}


def decode_path_segment(raw: str) -> str:
    """Percent-decode one raw path segment exactly once (``%252F`` stays ``%2F``); ``+`` is literal.

    ``raw`` comes from the ASGI ``raw_path`` decoded as latin-1, so its characters are the wire
    bytes; a bad escape (``%ZZ``, a trailing ``%2``) raises BadPercentEscape and the decoded bytes
    must be UTF-8 (UnicodeDecodeError otherwise).
    """
    try:
        wire = raw.encode("latin-1")
    except UnicodeEncodeError:
        wire = raw.encode("utf-8")
    if _BAD_ESCAPE.search(wire):
        raise BadPercentEscape("identifier has an invalid percent-escape (expected % and two hex digits)")
    return unquote_to_bytes(wire).decode("utf-8")


def infer_identifier(value: str) -> Identifier:
    """Read a v1 path identifier: ``cio_…`` is a cio_id, email-shaped is an email, else an id."""
    if value.startswith(CIO_PREFIX):
        return Identifier("cio_id", value[len(CIO_PREFIX) :])
    if looks_like_email(value):
        return Identifier("email", value)
    return Identifier("id", value)


def identifier_from_object(
    obj: object, *, allowed: tuple[str, ...] = ID_TYPES, cio_prefix: bool = True
) -> Identifier:
    """Read ``{"id": …}`` / ``{"email": …}`` / ``{"cio_id": …}``; raise ValueError saying what is wrong.

    ``cio_prefix=False`` (Track v2) takes a cio_id literally: its spec example is the raw
    ``a3000001``, so ``cio_a3000001`` names a cio_id that nobody has.
    """
    if not isinstance(obj, dict) or not obj:
        raise ValueError(f"must be an object with exactly one of {', '.join(allowed)}")
    if len(obj) != 1:
        raise ValueError("you cannot pass multiple identifiers")
    ((kind, value),) = obj.items()
    if kind not in allowed:
        raise ValueError(f"unknown identifier {kind!r}; expected one of {', '.join(allowed)}")
    if isinstance(value, int) and not isinstance(value, bool) and kind == "id":
        value = str(value)
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"{kind} must be a non-empty string")
    if kind == "cio_id" and cio_prefix and value.startswith(CIO_PREFIX):
        value = value[len(CIO_PREFIX) :]
    return Identifier(kind, value)

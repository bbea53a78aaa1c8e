"""Customer.io's documented payload limits, checked the way the Track API checks them."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from .customerio_rules import (
    ATTRIBUTE_NAME_MAX_BYTES,
    ATTRIBUTE_VALUE_MAX_BYTES,
    EVENT_DATA_MAX_BYTES,
    EVENT_NAME_MAX_BYTES,
    IDENTIFIER_MAX_BYTES,
    MAX_ATTRIBUTES,
)

__all__ = [
    "BodyError",
    "attribute_problems",
    "compact_json",
    "event_data_problems",
    "event_name",
    "identifier_problem",
    "parse_json_object",
    "value_size",
]

# Reserved attributes holding structured data; the per-value byte limit is for plain attributes.
_STRUCTURED_ATTRIBUTES = frozenset({"cio_relationships", "cio_subscription_preferences"})


class BodyError(ValueError):
    """The request body is not a JSON object; the message says why."""


# One encoder, built once: ``json.dumps`` with options builds a new one per call, which dominated
# the cost of checking every item of a 500 KB /batch.
_COMPACT = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False).encode


def compact_json(value: Any) -> bytes:
    return _COMPACT(value).encode("utf-8")


def value_size(value: Any) -> int:
    """Bytes of an attribute value as Customer.io counts them: UTF-8 for text, compact JSON otherwise."""
    if isinstance(value, str):
        return len(value.encode("utf-8"))
    if isinstance(value, bool | int) or value is None:
        return len(_COMPACT(value))  # ASCII already
    return len(compact_json(value))


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def _finite(text: str) -> float:
    number = float(text)
    if number in (float("inf"), float("-inf")):
        raise ValueError(f"{text} is too large for a number")
    return number


def parse_json_object(body: bytes) -> dict[str, Any]:
    """Parse a request body that must be a JSON object (strict RFC 8259: no NaN or Infinity)."""
    try:
        value = json.loads(body, parse_constant=_reject_constant, parse_float=_finite) if body.strip() else None
        compact_json(value)  # text UTF-8 cannot carry (an escaped lone surrogate) is refused here, not when stored
    except (ValueError, RecursionError) as exc:  # JSONDecodeError, UnicodeDecodeError, 1e999, nesting
        reason = "nested too deeply" if isinstance(exc, RecursionError) else exc
        raise BodyError(f"malformed JSON: {reason}") from None
    if value is None and not body.strip():
        raise BodyError("request body must be a JSON object, got an empty body")
    if not isinstance(value, dict):
        raise BodyError(f"request body must be a JSON object, got {type(value).__name__}")
    return value


def identifier_problem(value: str, *, label: str = "identifier") -> str | None:
    if not value.strip():
        return f"{label} cannot be blank"
    if len(value.encode("utf-8")) > IDENTIFIER_MAX_BYTES:
        return f"{label} cannot be longer than {IDENTIFIER_MAX_BYTES} bytes"
    return None


def attribute_problems(attributes: Mapping[str, Any]) -> list[str]:
    """Problems with one identify call's attributes: count, name length, value length, id shape."""
    problems: list[str] = []
    if len(attributes) > MAX_ATTRIBUTES:
        problems.append(f"cannot identify more than {MAX_ATTRIBUTES} attributes in one request")
    for name, value in attributes.items():
        if len(name.encode("utf-8")) > ATTRIBUTE_NAME_MAX_BYTES:
            problems.append(f"attribute name cannot be longer than {ATTRIBUTE_NAME_MAX_BYTES} bytes")
        elif name not in _STRUCTURED_ATTRIBUTES and value_size(value) > ATTRIBUTE_VALUE_MAX_BYTES:
            problems.append(
                f"value for attribute '{name}' cannot be longer than {ATTRIBUTE_VALUE_MAX_BYTES} bytes"
            )
    if "id" in attributes and attributes["id"] is not None:
        body_id = attributes["id"]
        if not isinstance(body_id, str):
            problems.append("id attribute must be a string value")
        elif body_id == "":
            problems.append("id attribute cannot be an empty string")
        elif (problem := identifier_problem(body_id, label="id attribute")) is not None:
            problems.append(problem)
    if "email" in attributes and attributes["email"] is not None:
        if not isinstance(attributes["email"], str):
            problems.append("email attribute must be a string value")
    return problems


def event_name(raw: Any) -> tuple[str, str | None]:
    """The trimmed event name and the problem with it, if any."""
    if raw is None:
        return "", "event name must not be blank"
    if not isinstance(raw, str):
        return "", "event name must be a string"
    name = raw.strip()
    if not name:
        return name, "event name must not be blank"
    if len(name.encode("utf-8")) > EVENT_NAME_MAX_BYTES:
        return name, f"event name cannot be longer than {EVENT_NAME_MAX_BYTES} bytes"
    return name, None


def event_data_problems(data: Any, *, label: str = "data") -> list[str]:
    """Event data is optional but, when present, must be a hash of at most EVENT_DATA_MAX_BYTES."""
    if data is None:
        return []
    if not isinstance(data, dict):
        return [f"{label} must be a hash"]
    if len(compact_json(data)) > EVENT_DATA_MAX_BYTES:
        return [f"{label} cannot be larger than {EVENT_DATA_MAX_BYTES} bytes"]
    return []

"""A person's profile (upsert, delete, merge, suppress) over Track v2 ``/api/v2/entity``, explicit identifiers."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .._util.timestamps import unix_seconds
from ..facts import ENTITY_MAX_BYTES
from ..pipeline.registry import handler
from ..pipeline.request import ApiRequest, resendable
from ..pipeline.splice import Shape, Var, spliced
from .identity import identifiers_for, identifiers_template

__all__ = [
    "ENTITY_PATH",
    "delete_customer",
    "entity_request",
    "entity_template",
    "map_template",
    "merge_customers",
    "suppress_customer",
    "unsuppress_customer",
    "upsert_customer",
]

ENTITY_PATH = "/api/v2/entity"
# Attributes Customer.io reads as unix seconds; an ISO date given for them is converted.
_TIMESTAMP_ATTRIBUTES = ("created_at",)


def entity_request(body: dict[str, Any], field_map: Mapping[str, str]) -> ApiRequest:
    """One Track v2 entity; the same body is a ``/api/v2/batch`` item, so requests can batch."""
    return ApiRequest(
        "track", "POST", ENTITY_PATH, json=body, field_map=tuple(field_map.items()),
        max_body_bytes=ENTITY_MAX_BYTES, idempotent=resendable(body),
    )


def entity_template(body: dict[str, Any], field_map: Mapping[str, str], *, idempotent: bool = True) -> Any:
    """``entity_request`` compiled for one shape (``body`` a template of constants and Vars); the
    handler declares ``idempotent``, as its ``@handler`` does."""
    resend = idempotent or bool(body.get("id"))  # a dedupe id makes a repeat harmless
    return spliced(body, api="track", method="POST", path=ENTITY_PATH, field_map=tuple(field_map.items()),
                   max_body_bytes=ENTITY_MAX_BYTES, idempotent=resendable(body) and resend)


def map_template(shape: Shape, key: str) -> dict[str, Any] | None:
    """A free-form map (``mappings``) for inputs of ``shape``: its keys fixed, any value read from
    the record; ``{}`` when absent, None when the whole map comes from the record."""
    if key not in shape:
        return {}
    found = shape.mirror(key)
    return found if isinstance(found, dict) else None


def _person(inputs: Mapping[str, Any], action: str) -> dict[str, Any]:
    identifiers = identifiers_for(inputs["matching_field"], inputs["matching_value"])
    return {"type": "person", "identifiers": identifiers, "action": action}


_MATCHING = {"identifiers": "$.matching_value"}
_UPSERT_FIELDS = {**_MATCHING, "attributes": "$.mappings"}


def _timestamp_attribute(value: Any) -> Any:
    if isinstance(value, str):
        try:
            return unix_seconds(value)
        except ValueError:
            pass  # not a date: Customer.io stores the string as given
    return value


def _compile_person(action: str, fields: Mapping[str, str]) -> Any:
    def compile_person(shape: Shape) -> Any:
        identifiers = identifiers_template(shape, "matching_field", "matching_value")
        if identifiers is None:
            return None
        body: dict[str, Any] = {"type": "person", "identifiers": identifiers, "action": action}
        if action == "identify":
            attributes = map_template(shape, "mappings")
            if attributes is None:
                return None
            for key in _TIMESTAMP_ATTRIBUTES:
                if key in attributes:
                    found = attributes[key]
                    attributes = {**attributes, key: Var(found.path, convert=_timestamp_attribute)
                                  if isinstance(found, Var) else _timestamp_attribute(found)}
            body["attributes"] = attributes
        return entity_template(body, fields)

    return compile_person


@handler("upsert_customer", field_map=_UPSERT_FIELDS, compile=_compile_person("identify", _UPSERT_FIELDS))
def upsert_customer(inputs: Mapping[str, Any]) -> ApiRequest:
    attributes = dict(inputs.get("mappings") or {})
    for key in _TIMESTAMP_ATTRIBUTES:
        if key in attributes:
            attributes[key] = _timestamp_attribute(attributes[key])
    body = {**_person(inputs, "identify"), "attributes": attributes}
    return entity_request(body, _UPSERT_FIELDS)


@handler("delete_customer", field_map=_MATCHING, destructive=True, compile=_compile_person("delete", _MATCHING))
def delete_customer(inputs: Mapping[str, Any]) -> ApiRequest:
    return entity_request(_person(inputs, "delete"), _MATCHING)


_MERGE_FIELDS = {"primary": "$.primary_value", "secondary": "$.secondary_value"}


def _compile_merge(shape: Shape) -> Any:
    primary = identifiers_template(shape, "primary_field", "primary_value")
    secondary = identifiers_template(shape, "secondary_field", "secondary_value")
    if primary is None or secondary is None:
        return None
    body = {"type": "person", "action": "merge", "primary": primary, "secondary": secondary}
    return entity_template(body, _MERGE_FIELDS, idempotent=False)


@handler("merge_customers", field_map=_MERGE_FIELDS, idempotent=False, destructive=True, compile=_compile_merge)
def merge_customers(inputs: Mapping[str, Any]) -> ApiRequest:
    """Merge names no ``identifiers``: ``primary`` stays, ``secondary`` is folded into it and deleted."""
    body = {
        "type": "person",
        "action": "merge",
        "primary": identifiers_for(inputs["primary_field"], inputs["primary_value"]),
        "secondary": identifiers_for(inputs["secondary_field"], inputs["secondary_value"]),
    }
    return entity_request(body, _MERGE_FIELDS)


@handler("suppress_customer", field_map=_MATCHING, destructive=True, compile=_compile_person("suppress", _MATCHING))
def suppress_customer(inputs: Mapping[str, Any]) -> ApiRequest:
    return entity_request(_person(inputs, "suppress"), _MATCHING)


@handler("unsuppress_customer", field_map=_MATCHING, compile=_compile_person("unsuppress", _MATCHING))
def unsuppress_customer(inputs: Mapping[str, Any]) -> ApiRequest:
    return entity_request(_person(inputs, "unsuppress"), _MATCHING)

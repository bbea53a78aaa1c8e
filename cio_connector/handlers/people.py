"""A person's profile (upsert, delete, merge, suppress) over Track v2 ``/api/v2/entity``, explicit identifiers."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .._util.timestamps import unix_seconds
from ..facts import ENTITY_MAX_BYTES
from ..pipeline.registry import handler
from ..pipeline.request import ApiRequest, resendable
from .identity import identifiers_for

__all__ = [
    "ENTITY_PATH",
    "delete_customer",
    "entity_request",
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


def _person(inputs: Mapping[str, Any], action: str) -> dict[str, Any]:
    identifiers = identifiers_for(inputs["matching_field"], inputs["matching_value"])
    return {"type": "person", "identifiers": identifiers, "action": action}


_MATCHING = {"identifiers": "$.matching_value"}
_UPSERT_FIELDS = {**_MATCHING, "attributes": "$.mappings"}


@handler("upsert_customer", field_map=_UPSERT_FIELDS)
def upsert_customer(inputs: Mapping[str, Any]) -> ApiRequest:
    attributes = dict(inputs.get("mappings") or {})
    for key in _TIMESTAMP_ATTRIBUTES:
        if isinstance(attributes.get(key), str):
            try:
                attributes[key] = unix_seconds(attributes[key])
            except ValueError:
                pass  # not a date: Customer.io stores the string as given
    body = {**_person(inputs, "identify"), "attributes": attributes}
    return entity_request(body, _UPSERT_FIELDS)


@handler("delete_customer", field_map=_MATCHING, destructive=True)
def delete_customer(inputs: Mapping[str, Any]) -> ApiRequest:
    return entity_request(_person(inputs, "delete"), _MATCHING)


_MERGE_FIELDS = {"primary": "$.primary_value", "secondary": "$.secondary_value"}


@handler("merge_customers", field_map=_MERGE_FIELDS, idempotent=False, destructive=True)
def merge_customers(inputs: Mapping[str, Any]) -> ApiRequest:
    """Merge names no ``identifiers``: ``primary`` stays, ``secondary`` is folded into it and deleted."""
    body = {
        "type": "person",
        "action": "merge",
        "primary": identifiers_for(inputs["primary_field"], inputs["primary_value"]),
        "secondary": identifiers_for(inputs["secondary_field"], inputs["secondary_value"]),
    }
    return entity_request(body, _MERGE_FIELDS)


@handler("suppress_customer", field_map=_MATCHING, destructive=True)
def suppress_customer(inputs: Mapping[str, Any]) -> ApiRequest:
    return entity_request(_person(inputs, "suppress"), _MATCHING)


@handler("unsuppress_customer", field_map=_MATCHING)
def unsuppress_customer(inputs: Mapping[str, Any]) -> ApiRequest:
    return entity_request(_person(inputs, "unsuppress"), _MATCHING)

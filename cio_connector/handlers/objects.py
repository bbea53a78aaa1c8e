"""Objects (companies, accounts) and people's relationships to them, over Track v2 entities."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..pipeline.registry import handler
from ..pipeline.request import ApiRequest
from .identity import identifiers_for
from .people import entity_request

__all__ = ["add_relationship", "delete_object", "identify_object", "object_identifiers", "remove_relationship"]


def object_identifiers(inputs: Mapping[str, Any]) -> dict[str, str]:
    """``{object_type_id, object_id}``: the type id goes as Customer.io spells it, a string of digits."""
    return {"object_type_id": inputs["object_type_id"], "object_id": inputs["object_id"]}


def _object(inputs: Mapping[str, Any], action: str) -> dict[str, Any]:
    return {"type": "object", "identifiers": object_identifiers(inputs), "action": action}


def _relationship(inputs: Mapping[str, Any], action: str, attributes: Mapping[str, Any] | None) -> dict[str, Any]:
    related: dict[str, Any] = {"identifiers": object_identifiers(inputs)}
    if attributes:
        related["relationship_attributes"] = dict(attributes)
    identifiers = identifiers_for(inputs["matching_field"], inputs["matching_value"])
    return {"type": "person", "identifiers": identifiers, "action": action, "cio_relationships": [related]}


_OBJECT = {
    "identifiers": "$.object_id",
    "identifiers.object_id": "$.object_id",
    "identifiers.object_type_id": "$.object_type_id",
}
_IDENTIFY_FIELDS = {**_OBJECT, "attributes": "$.mappings"}
_RELATED = "cio_relationships.0"
_RELATIONSHIP_FIELDS = {
    "identifiers": "$.matching_value",
    "cio_relationships": "$.object_id",
    f"{_RELATED}.identifiers.object_id": "$.object_id",
    f"{_RELATED}.identifiers.object_type_id": "$.object_type_id",
}
_ADD_FIELDS = {**_RELATIONSHIP_FIELDS, f"{_RELATED}.relationship_attributes": "$.relationship_mappings"}


@handler("identify_object", field_map=_IDENTIFY_FIELDS)
def identify_object(inputs: Mapping[str, Any]) -> ApiRequest:
    body = {**_object(inputs, "identify"), "attributes": dict(inputs.get("mappings") or {})}
    return entity_request(body, _IDENTIFY_FIELDS)


@handler("delete_object", field_map=_OBJECT, destructive=True)
def delete_object(inputs: Mapping[str, Any]) -> ApiRequest:
    return entity_request(_object(inputs, "delete"), _OBJECT)


@handler("add_relationship", field_map=_ADD_FIELDS)
def add_relationship(inputs: Mapping[str, Any]) -> ApiRequest:
    body = _relationship(inputs, "add_relationships", inputs.get("relationship_mappings"))
    return entity_request(body, _ADD_FIELDS)


@handler("remove_relationship", field_map=_RELATIONSHIP_FIELDS, destructive=True)
def remove_relationship(inputs: Mapping[str, Any]) -> ApiRequest:
    return entity_request(_relationship(inputs, "delete_relationships", None), _RELATIONSHIP_FIELDS)

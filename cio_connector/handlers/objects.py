"""Objects (companies, accounts) and people's relationships to them, over Track v2 entities."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..pipeline.registry import handler
from ..pipeline.request import ApiRequest
from ..pipeline.splice import Shape
from .identity import identifiers_for, identifiers_template
from .people import entity_request, entity_template, map_template

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


def _object_template(shape: Shape) -> dict[str, Any] | None:
    if "object_type_id" not in shape or "object_id" not in shape:
        return None
    return {"object_type_id": shape.mirror("object_type_id"), "object_id": shape.mirror("object_id")}


def _compile_object(action: str) -> Any:
    def compile_object(shape: Shape) -> Any:
        identifiers = _object_template(shape)
        if identifiers is None:
            return None
        body: dict[str, Any] = {"type": "object", "identifiers": identifiers, "action": action}
        if action == "identify":
            attributes = map_template(shape, "mappings")
            if attributes is None:
                return None
            body["attributes"] = attributes
        return entity_template(body, _IDENTIFY_FIELDS if action == "identify" else _OBJECT)

    return compile_object


def _compile_relationship(action: str) -> Any:
    def compile_relationship(shape: Shape) -> Any:
        related_identifiers = _object_template(shape)
        identifiers = identifiers_template(shape, "matching_field", "matching_value")
        if related_identifiers is None or identifiers is None:
            return None
        related: dict[str, Any] = {"identifiers": related_identifiers}
        if action == "add_relationships":
            attributes = map_template(shape, "relationship_mappings")
            if attributes is None:
                return None
            if attributes:
                related["relationship_attributes"] = attributes
        body = {"type": "person", "identifiers": identifiers, "action": action, "cio_relationships": [related]}
        return entity_template(body, _ADD_FIELDS if action == "add_relationships" else _RELATIONSHIP_FIELDS)

    return compile_relationship


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


@handler("identify_object", field_map=_IDENTIFY_FIELDS, compile=_compile_object("identify"))
def identify_object(inputs: Mapping[str, Any]) -> ApiRequest:
    body = {**_object(inputs, "identify"), "attributes": dict(inputs.get("mappings") or {})}
    return entity_request(body, _IDENTIFY_FIELDS)


@handler("delete_object", field_map=_OBJECT, destructive=True, compile=_compile_object("delete"))
def delete_object(inputs: Mapping[str, Any]) -> ApiRequest:
    return entity_request(_object(inputs, "delete"), _OBJECT)


@handler("add_relationship", field_map=_ADD_FIELDS, compile=_compile_relationship("add_relationships"))
def add_relationship(inputs: Mapping[str, Any]) -> ApiRequest:
    body = _relationship(inputs, "add_relationships", inputs.get("relationship_mappings"))
    return entity_request(body, _ADD_FIELDS)


@handler("remove_relationship", field_map=_RELATIONSHIP_FIELDS, destructive=True,
         compile=_compile_relationship("delete_relationships"))
def remove_relationship(inputs: Mapping[str, Any]) -> ApiRequest:
    return entity_request(_relationship(inputs, "delete_relationships", None), _RELATIONSHIP_FIELDS)

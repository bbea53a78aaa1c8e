"""Track v2 entities beyond a person's profile and events: objects, relationships and devices.

Each function checks one entity the way Customer.io's Track v2 does (shapes from the spec's
``object_*`` and ``person_*`` schemas, the attribute limits, object types the workspace has) and
applies it only when it is valid; it returns the v2 errors, empty when it was applied.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from .customerio_rules import DEVICE_PLATFORMS
from .identity import Identifier, identifier_from_object
from .objects import ObjectRef, object_ref
from .responses import v2_error
from .state import SandboxState
from .validation import attribute_problems, identifier_problem

__all__ = ["OBJECT_ACTIONS", "apply_device", "apply_object", "apply_relationships", "identify_related"]

OBJECT_ACTIONS = frozenset({"identify", "identify_anonymous", "delete", "add_relationships", "delete_relationships"})

Errors = list[dict[str, str]]
T = TypeVar("T")
#: Reads one relationship's ``identifiers`` (a person's or an object's) at a field path.
Reader = Callable[[Any, str], tuple[T | None, Errors]]


def _attributes(value: Any, field: str) -> tuple[dict[str, Any], Errors]:
    if value is None:
        return {}, []
    if not isinstance(value, dict):
        return {}, [v2_error("invalid", field, f"{field} must be an object")]
    return value, [v2_error("invalid", field, problem) for problem in attribute_problems(value)]


def _object(state: SandboxState, value: Any, field: str) -> tuple[ObjectRef | None, Errors]:
    """Object identifiers, refused when malformed or of a type the workspace does not have."""
    if value is None:
        return None, [v2_error("required", field, f"{field} is required")]
    ref, where, problem = object_ref(value)
    if ref is None:
        return None, [v2_error("invalid", field + where, problem)]
    if ref.object_id is not None and (too_long := identifier_problem(ref.object_id, label="object_id")):
        return None, [v2_error("too_long", f"{field}.object_id", too_long)]
    if ref.type_id is not None and not state.has_object_type(ref.type_id):
        message = f"object type {ref.type_id!r} does not exist in this workspace"
        return None, [v2_error("not_found", f"{field}.object_type_id", message)]
    return ref, []


def _object_reader(state: SandboxState) -> Reader[ObjectRef]:
    def read(value: Any, field: str) -> tuple[ObjectRef | None, Errors]:
        return _object(state, value, field)

    return read


def _person(value: Any, field: str) -> tuple[Identifier | None, Errors]:
    try:
        target = identifier_from_object(value, cio_prefix=False)
    except ValueError as exc:
        return None, [v2_error("invalid", field, str(exc))]
    if (problem := identifier_problem(target.value, label=target.type)) is not None:
        return None, [v2_error("too_long", f"{field}.{target.type}", problem)]
    return target, []


def _relationships(value: Any, read: Reader[T], *, required: bool) -> tuple[list[tuple[T, dict[str, Any]]], Errors]:
    """``cio_relationships``: each item's ``identifiers`` read by ``read``, and its attributes."""
    if value is None and not required:
        return [], []
    if not isinstance(value, list) or not value:
        return [], [v2_error("required" if value is None else "invalid", "cio_relationships",
                             "cio_relationships must be a non-empty array")]
    found: list[tuple[T, dict[str, Any]]] = []
    errors: Errors = []
    for index, item in enumerate(value):
        at = f"cio_relationships.{index}"
        if not isinstance(item, dict):
            errors.append(v2_error("invalid", at, "each relationship must be an object"))
            continue
        target, problems = read(item.get("identifiers"), f"{at}.identifiers")
        attributes, more = _attributes(item.get("relationship_attributes"), f"{at}.relationship_attributes")
        errors += problems + more
        if target is not None and not more:
            found.append((target, attributes))
    return found, errors


def apply_object(state: SandboxState, entity: dict[str, Any]) -> Errors:
    """``identify_anonymous`` identifies the object; its anonymous people are not simulated."""
    action = entity.get("action")
    if action not in OBJECT_ACTIONS:
        message = "action is required" if action is None else f"unknown action {action!r} for type object"
        return [v2_error("required" if action is None else "invalid", "action", message)]
    ref, errors = _object(state, entity.get("identifiers"), "identifiers")
    if action == "delete":
        if not errors and ref is not None:
            state.delete_object(ref)
        return errors
    people: list[tuple[Identifier, dict[str, Any]]] = []
    more: Errors = []
    if action != "identify_anonymous":
        people, more = _relationships(entity.get("cio_relationships"), _person, required=action != "identify")
    attributes, problems = _attributes(entity.get("attributes"), "attributes") if action.startswith("identify") else ({}, [])
    errors += more + problems
    if errors or ref is None:
        return errors
    if action.startswith("identify"):
        if not state.identify_object(ref, attributes, people):
            return [v2_error("not_found", "identifiers.cio_object_id", "no object has this cio_object_id")]
    elif not state.relate_people(ref, people, add=action == "add_relationships"):
        return [v2_error("not_found", "identifiers", "the object does not exist")]
    return []


def apply_relationships(state: SandboxState, target: Identifier, entity: dict[str, Any], *, add: bool) -> Errors:
    objects, errors = _relationships(entity.get("cio_relationships"), _object_reader(state), required=True)
    if not errors:
        state.relate(target, objects, add=add)
    return errors


def identify_related(state: SandboxState, target: Identifier, attributes: dict[str, Any], entity: dict[str, Any]) -> Errors:
    """A person identify carrying ``cio_relationships``: nothing is applied unless every object is valid."""
    objects, errors = _relationships(entity.get("cio_relationships"), _object_reader(state), required=True)
    if not errors:
        state.identify(target, attributes)
        state.relate(target, objects, add=True)
    return errors


def apply_device(state: SandboxState, target: Identifier, entity: dict[str, Any], *, add: bool) -> Errors:
    device = entity.get("device")
    if not isinstance(device, dict):
        return [v2_error("required" if device is None else "invalid", "device", "device must be an object")]
    token = device.get("token")
    if not isinstance(token, str) or not token.strip():
        return [v2_error("required" if token is None else "invalid", "device.token", "device.token must be a non-empty string")]
    if not add:
        state.delete_device(target, token)
        return []
    errors = []
    if device.get("platform") not in DEVICE_PLATFORMS:
        errors.append(v2_error("invalid", "device.platform", f"device.platform must be one of {', '.join(DEVICE_PLATFORMS)}"))
    attributes, problems = _attributes(device.get("attributes"), "device.attributes")
    errors += problems
    texts = [name for name, value in attributes.items() if not isinstance(value, str)]
    if texts:
        errors.append(v2_error("invalid", f"device.attributes.{texts[0]}", "device attribute values must be strings"))
    if not errors:
        state.add_device(target, {**device, "attributes": attributes})
    return errors

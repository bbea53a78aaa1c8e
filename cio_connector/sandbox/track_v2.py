"""Track API v2: ``/api/v2/entity`` and ``/api/v2/batch`` for people and objects, with 207 partial failures."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from .customerio_rules import BATCH_MAX_BYTES, ENTITY_MAX_BYTES, looks_like_ulid
from .entities import apply_device, apply_object, apply_relationships, identify_related
from .identity import Identifier, identifier_from_object
from .models import EventKind
from .responses import ok, v2_error, v2_errors
from .state import SandboxState
from .track import sandbox_state
from .validation import (
    BodyError,
    attribute_problems,
    compact_json,
    event_data_problems,
    event_name,
    identifier_problem,
    parse_json_object,
)

__all__ = ["apply_entity", "track_v2_routes"]

_EVENT_ACTIONS: dict[str, EventKind] = {"event": "event", "page": "page", "screen": "screen"}
_RELATIONSHIP_ACTIONS = {"add_relationships": True, "delete_relationships": False}
_DEVICE_ACTIONS = {"add_device": True, "delete_device": False}
_ACTIONS = {
    "identify", "delete", "merge", "suppress", "unsuppress", *_EVENT_ACTIONS, *_RELATIONSHIP_ACTIONS, *_DEVICE_ACTIONS
}


def _identifiers(value: Any, field: str) -> tuple[Identifier | None, list[dict[str, str]]]:
    if value is None:
        return None, [v2_error("required", field, f"{field} is required")]
    if isinstance(value, dict) and "phone" in value:
        message = "phone is not enabled as an identifier in this workspace"
        return None, [v2_error("not_enabled", f"{field}.phone", message)]
    try:
        target = identifier_from_object(value, cio_prefix=False)  # v2 cio_ids are raw (reference §3)
    except ValueError as exc:
        return None, [v2_error("invalid", field, str(exc))]
    if (problem := identifier_problem(target.value, label=target.type)) is not None:
        return None, [
            v2_error("too_long" if "longer" in problem else "invalid", f"{field}.{target.type}", problem)
        ]
    return target, []


def _event_errors(entity: dict[str, Any]) -> tuple[str, list[dict[str, str]]]:
    name, problem = event_name(entity.get("name"))
    errors = [v2_error("required" if "blank" in problem else "invalid", "name", problem)] if problem else []
    errors += [
        v2_error("invalid", "attributes", p)
        for p in event_data_problems(entity.get("attributes"), label="attributes")
    ]
    if entity.get("id") is not None and not looks_like_ulid(entity.get("id")):
        errors.append(v2_error("invalid", "id", "id must be a valid ULID"))
    return name, errors


def apply_entity(state: SandboxState, entity: Any) -> list[dict[str, str]]:
    """Validate one entity and, if valid, apply it; returns its errors (empty when applied)."""
    if not isinstance(entity, dict):
        return [v2_error("invalid", "", "each entity must be a JSON object")]
    kind = entity.get("type")
    if kind == "object":
        return apply_object(state, entity)
    if kind != "person":
        message = (
            "type is required"
            if kind is None
            else f"type {kind!r} is not simulated; the sandbox supports 'person' and 'object'"
        )
        return [v2_error("required" if kind is None else "invalid", "type", message)]
    action = entity.get("action")
    if action not in _ACTIONS:
        message = "action is required" if action is None else f"unknown action {action!r} for type person"
        return [v2_error("required" if action is None else "invalid", "action", message)]
    if action == "merge":
        return _merge(state, entity)
    target, errors = _identifiers(entity.get("identifiers"), "identifiers")
    if action == "identify":
        attributes = entity.get("attributes", {})
        if not isinstance(attributes, dict):
            return [*errors, v2_error("invalid", "attributes", "attributes must be an object")]
        errors += [v2_error("invalid", "attributes", p) for p in attribute_problems(attributes)]
        if errors or target is None:
            return errors
        if entity.get("cio_relationships") is not None:  # identify, then relate: objects checked first
            return identify_related(state, target, attributes, entity)
        state.identify(target, attributes)
    elif action in _EVENT_ACTIONS:
        name, event_errors = _event_errors(entity)
        if errors or event_errors or target is None:
            return errors + event_errors
        state.record_event(
            target,
            name,
            kind=_EVENT_ACTIONS[action],
            data=entity.get("attributes"),
            event_id=entity.get("id"),
            timestamp=entity.get("timestamp"),  # invalid timestamps become "now", never an error
            api="v2",
        )
    elif errors or target is None:
        return errors
    elif action in _RELATIONSHIP_ACTIONS:
        return apply_relationships(state, target, entity, add=_RELATIONSHIP_ACTIONS[action])
    elif action in _DEVICE_ACTIONS:
        return apply_device(state, target, entity, add=_DEVICE_ACTIONS[action])
    elif action == "delete":
        state.delete(target)
    elif action in ("suppress", "unsuppress"):
        state.set_suppressed(target, action == "suppress")
    return []


def _merge(state: SandboxState, entity: dict[str, Any]) -> list[dict[str, str]]:
    primary, errors = _identifiers(entity.get("primary"), "primary")
    secondary, more = _identifiers(entity.get("secondary"), "secondary")
    if errors or more or primary is None or secondary is None:
        return errors + more
    state.merge(primary, secondary)
    return []


async def _parse(request: Request, limit: int, what: str) -> dict[str, Any] | Response:
    raw = await request.body()
    if len(raw) > limit:
        return v2_errors(
            400, [v2_error("too_large", "body", f"{what} requests must be {limit} bytes or smaller")]
        )
    try:
        return parse_json_object(raw)
    except BodyError as exc:
        return v2_errors(400, [v2_error("invalid", "body", str(exc))])


async def entity(request: Request) -> Response:
    body = await _parse(request, ENTITY_MAX_BYTES, "/entity")
    if isinstance(body, Response):
        return body
    errors = apply_entity(sandbox_state(request), body)
    return v2_errors(400, errors) if errors else ok()


async def batch(request: Request) -> Response:
    body = await _parse(request, BATCH_MAX_BYTES, "/batch")
    if isinstance(body, Response):
        return body
    items = body.get("batch")
    if not isinstance(items, list):
        return v2_errors(
            400, [v2_error("required" if items is None else "invalid", "batch", "batch must be an array")]
        )
    state = sandbox_state(request)
    errors: list[dict[str, Any]] = []
    # No item can be over the entity cap when the whole body is not: skip measuring each one.
    measure = len(await request.body()) > ENTITY_MAX_BYTES  # starlette keeps the body read by _parse
    for index, item in enumerate(items):
        if measure and len(compact_json(item)) > ENTITY_MAX_BYTES:
            item_errors = [
                v2_error("too_large", "", f"each entity must be {ENTITY_MAX_BYTES} bytes or smaller")
            ]
        else:
            item_errors = apply_entity(state, item)
        errors += [{"batch_index": index, **error} for error in item_errors]
    return v2_errors(207, errors) if errors else ok()


def track_v2_routes() -> list[Route]:
    return [
        Route("/api/v2/entity", entity, methods=["POST"]),
        Route("/api/v2/batch", batch, methods=["POST"]),
    ]

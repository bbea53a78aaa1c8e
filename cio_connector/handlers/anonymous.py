"""Track an event for someone not yet identified (Track v1 ``POST /api/v1/events``; v2 has no such action)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..pipeline.registry import handler
from ..pipeline.request import ApiRequest
from ..pipeline.splice import Shape, spliced
from .events import event_extras, with_event_extras

__all__ = ["ANONYMOUS_EVENTS_PATH", "track_anonymous_event"]

ANONYMOUS_EVENTS_PATH = "/api/v1/events"

_FIELDS = {
    "anonymous_id": "$.anonymous_id",
    "name": "$.name",
    "data": "$.mappings",
    "timestamp": "$.timestamp",
    "id": "$.event_id",
}


def _compile(shape: Shape) -> Any:
    if "name" not in shape:
        return None
    body: dict[str, Any] = {"name": shape.converted("name", str.strip)}
    if "anonymous_id" in shape:  # text when given (never null): the schema says so
        anonymous_id = shape.mirror("anonymous_id")
        if anonymous_id is not None:
            body["anonymous_id"] = anonymous_id
    filled = event_extras(shape, body, attributes="data")
    if filled is None:
        return None
    return spliced(filled, api="track", method="POST", path=ANONYMOUS_EVENTS_PATH, field_map=tuple(_FIELDS.items()),
                   idempotent="id" in filled)


@handler("track_anonymous_event", field_map=_FIELDS, idempotent=False, compile=_compile)
def track_anonymous_event(inputs: Mapping[str, Any]) -> ApiRequest:
    """v1 sends event data as ``data`` (v2 calls it ``attributes``). Each call adds an event: only
    one carrying a dedupe ``id`` may be resent after an answer was lost."""
    body: dict[str, Any] = {"name": inputs["name"].strip()}
    if inputs.get("anonymous_id") is not None:
        body["anonymous_id"] = inputs["anonymous_id"]
    with_event_extras(inputs, body, attributes="data")
    return ApiRequest("track", "POST", ANONYMOUS_EVENTS_PATH, json=body, field_map=tuple(_FIELDS.items()))

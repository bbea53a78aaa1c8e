"""Track an event for someone not yet identified (Track v1 ``POST /api/v1/events``; v2 has no such action)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .._util.timestamps import unix_seconds
from .._util.ulid import new_ulid
from ..pipeline.registry import handler
from ..pipeline.request import ApiRequest
from ..pipeline.splice import Shape, spliced
from .events import AUTO_EVENT_ID, event_extras

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
    if inputs.get("mappings"):
        body["data"] = dict(inputs["mappings"])
    if inputs.get("timestamp") is not None:
        body["timestamp"] = unix_seconds(inputs["timestamp"])
    event_id = inputs.get("event_id")
    if event_id:
        body["id"] = new_ulid() if event_id == AUTO_EVENT_ID else event_id
    return ApiRequest("track", "POST", ANONYMOUS_EVENTS_PATH, json=body, field_map=tuple(_FIELDS.items()))

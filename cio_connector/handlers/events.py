"""Track a custom event or a page view (Track v2 entity; the customer is read by shape)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..registry import handler
from ..request import ApiRequest
from .identity import identifiers_from_shape
from .people import entity_request
from ..timestamps import unix_seconds

__all__ = ["track_event", "track_page"]

_FIELDS = {"identifiers": "$.customer_id", "attributes": "$.mappings", "timestamp": "$.timestamp"}


def _event(inputs: Mapping[str, Any], action: str, name: str) -> dict[str, Any]:
    body: dict[str, Any] = {
        "type": "person",
        "identifiers": identifiers_from_shape(inputs["customer_id"]),
        "action": action,
        "name": name,
    }
    if inputs.get("mappings"):
        body["attributes"] = dict(inputs["mappings"])
    if inputs.get("timestamp") is not None:
        body["timestamp"] = unix_seconds(inputs["timestamp"])
    return body


_EVENT_FIELDS = {**_FIELDS, "name": "$.name", "id": "$.event_id"}
_PAGE_FIELDS = {**_FIELDS, "name": "$.page_url"}


@handler("track_event", field_map=_EVENT_FIELDS)
def track_event(inputs: Mapping[str, Any]) -> ApiRequest:
    body = _event(inputs, "event", inputs["name"].strip())
    if inputs.get("event_id"):
        body["id"] = inputs["event_id"]
    return entity_request(body, _EVENT_FIELDS)


@handler("track_page", field_map=_PAGE_FIELDS)
def track_page(inputs: Mapping[str, Any]) -> ApiRequest:
    return entity_request(_event(inputs, "page", inputs["page_url"]), _PAGE_FIELDS)

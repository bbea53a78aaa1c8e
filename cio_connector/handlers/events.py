"""Track a custom event, a page view or a screen view (Track v2 entity; the customer is read by shape)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .._util.timestamps import unix_seconds
from .._util.ulid import new_ulid
from ..facts import ULID_PATTERN
from ..pipeline.registry import handler
from ..pipeline.request import ApiRequest
from .identity import identifiers_from_shape
from .people import entity_request

__all__ = ["AUTO_EVENT_ID", "EVENT_ID_PATTERN", "track_event", "track_page", "track_screen"]

#: ``event_id: auto`` gives each built request a fresh ULID; the client's own retries resend that
#: same request, so Customer.io drops a duplicate and an ambiguous failure can be retried safely.
AUTO_EVENT_ID = "auto"
#: What the manifests accept as ``event_id``: a ULID (Track's v2 ``id`` is ``format: ulid``) or auto.
EVENT_ID_PATTERN = f"^({AUTO_EVENT_ID}|{ULID_PATTERN.removeprefix('^').removesuffix('$')})$"

_FIELDS = {"identifiers": "$.customer_id", "attributes": "$.mappings", "timestamp": "$.timestamp", "id": "$.event_id"}


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
    event_id = inputs.get("event_id")
    if event_id:
        body["id"] = new_ulid() if event_id == AUTO_EVENT_ID else event_id
    return body


_EVENT_FIELDS = {**_FIELDS, "name": "$.name"}
_PAGE_FIELDS = {**_FIELDS, "name": "$.page_url"}
_SCREEN_FIELDS = {**_FIELDS, "name": "$.screen_name"}


@handler("track_event", field_map=_EVENT_FIELDS, idempotent=False)
def track_event(inputs: Mapping[str, Any]) -> ApiRequest:
    return entity_request(_event(inputs, "event", inputs["name"].strip()), _EVENT_FIELDS)


@handler("track_page", field_map=_PAGE_FIELDS, idempotent=False)
def track_page(inputs: Mapping[str, Any]) -> ApiRequest:
    return entity_request(_event(inputs, "page", inputs["page_url"]), _PAGE_FIELDS)


@handler("track_screen", field_map=_SCREEN_FIELDS, idempotent=False)
def track_screen(inputs: Mapping[str, Any]) -> ApiRequest:
    return entity_request(_event(inputs, "screen", inputs["screen_name"].strip()), _SCREEN_FIELDS)

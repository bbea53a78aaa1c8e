"""Track a custom event, a page view or a screen view (Track v2 entity; the customer is read by shape)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .._util.timestamps import unix_seconds
from .._util.ulid import new_ulid
from ..facts import ULID_PATTERN
from ..pipeline.registry import handler
from ..pipeline.request import ApiRequest
from ..pipeline.splice import Shape, Var
from .identity import identifiers_from_shape, shaped_identifiers_template
from .people import entity_request, entity_template, map_template

__all__ = [
    "AUTO_EVENT_ID", "EVENT_ID_PATTERN", "event_extras", "track_event", "track_page", "track_screen", "with_event_extras",
]

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
    return with_event_extras(inputs, body)


def with_event_extras(inputs: Mapping[str, Any], body: dict[str, Any], *, attributes: str = "attributes") -> dict[str, Any]:
    """``body`` with the event's ``mappings`` (as ``attributes``), ``timestamp`` and ``id``, each when given."""
    if inputs.get("mappings"):
        body[attributes] = dict(inputs["mappings"])
    if inputs.get("timestamp") is not None:
        body["timestamp"] = unix_seconds(inputs["timestamp"])
    event_id = inputs.get("event_id")
    if event_id:
        body["id"] = new_ulid() if event_id == AUTO_EVENT_ID else event_id
    return body


def _strip(value: str) -> str:
    return value.strip()


def event_extras(shape: Shape, body: dict[str, Any], *, attributes: str = "attributes") -> dict[str, Any] | None:
    """``mappings``, ``timestamp`` and ``event_id`` added to ``body`` as ``with_event_extras`` adds them, for
    inputs of ``shape``; None when whether one is sent depends on the record."""
    mappings = map_template(shape, "mappings")
    if mappings is None:
        return None
    if mappings:
        body[attributes] = mappings
    timestamp = shape.converted("timestamp", unix_seconds)  # a record's value is never null: the schema types it
    if timestamp is not None:
        body["timestamp"] = timestamp
    if "event_id" in shape:
        if not shape.fixed("event_id"):
            return None  # an id read from the record may be empty: sent or not per record
        event_id = shape.value("event_id")
        if event_id:
            body["id"] = Var((), convert=new_ulid) if event_id == AUTO_EVENT_ID else event_id
    return body


def _compile_event(action: str, name_key: str, fields: Mapping[str, str], *, strip: bool) -> Any:
    def compile_event(shape: Shape) -> Any:
        if name_key not in shape or "customer_id" not in shape:
            return None
        name = shape.converted(name_key, _strip) if strip else shape.mirror(name_key)
        body: dict[str, Any] = {
            "type": "person",
            "identifiers": shaped_identifiers_template(shape, "customer_id"),
            "action": action,
            "name": name,
        }
        filled = event_extras(shape, body)
        return None if filled is None else entity_template(filled, fields, idempotent=False)

    return compile_event


_EVENT_FIELDS = {**_FIELDS, "name": "$.name"}
_PAGE_FIELDS = {**_FIELDS, "name": "$.page_url"}
_SCREEN_FIELDS = {**_FIELDS, "name": "$.screen_name"}


@handler("track_event", field_map=_EVENT_FIELDS, idempotent=False,
         compile=_compile_event("event", "name", _EVENT_FIELDS, strip=True))
def track_event(inputs: Mapping[str, Any]) -> ApiRequest:
    return entity_request(_event(inputs, "event", inputs["name"].strip()), _EVENT_FIELDS)


@handler("track_page", field_map=_PAGE_FIELDS, idempotent=False,
         compile=_compile_event("page", "page_url", _PAGE_FIELDS, strip=False))
def track_page(inputs: Mapping[str, Any]) -> ApiRequest:
    return entity_request(_event(inputs, "page", inputs["page_url"]), _PAGE_FIELDS)


@handler("track_screen", field_map=_SCREEN_FIELDS, idempotent=False,
         compile=_compile_event("screen", "screen_name", _SCREEN_FIELDS, strip=True))
def track_screen(inputs: Mapping[str, Any]) -> ApiRequest:
    return entity_request(_event(inputs, "screen", inputs["screen_name"].strip()), _SCREEN_FIELDS)

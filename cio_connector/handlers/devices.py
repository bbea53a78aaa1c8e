"""A person's mobile devices (push tokens), over Track v2 ``add_device`` and ``delete_device``."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from .._util.timestamps import unix_seconds
from ..pipeline.registry import handler
from ..pipeline.request import ApiRequest
from ..pipeline.splice import Shape
from .identity import identifiers_for, identifiers_template
from .people import entity_request, entity_template

__all__ = ["add_device", "delete_device", "device_attribute_text"]


def device_attribute_text(value: Any) -> str | None:
    """A device attribute as Customer.io stores it: text (its spec types every value a string).

    ``True`` is ``"true"`` (as ``push_enabled`` wants it), numbers their JSON spelling, lists and
    maps their compact JSON; None means "no value" and is left out.
    """
    if value is None or isinstance(value, str):
        return value
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def _device(inputs: Mapping[str, Any], action: str, device: dict[str, Any]) -> dict[str, Any]:
    identifiers = identifiers_for(inputs["matching_field"], inputs["matching_value"])
    return {"type": "person", "identifiers": identifiers, "action": action, "device": device}


_DELETE_FIELDS = {"identifiers": "$.matching_value", "device": "$.device_token", "device.token": "$.device_token"}
_ADD_FIELDS = {
    **_DELETE_FIELDS,
    "device.platform": "$.platform",
    "device.last_used": "$.last_used",
    "device.attributes": "$.device_mappings",
}


def _compile_device(action: str) -> Any:
    def compile_device(shape: Shape) -> Any:
        identifiers = identifiers_template(shape, "matching_field", "matching_value")
        if identifiers is None or "device_token" not in shape:
            return None
        device: dict[str, Any] = {"token": shape.mirror("device_token")}
        if action == "add_device":
            if "platform" not in shape:
                return None
            device["platform"] = shape.mirror("platform")
            last_used = shape.converted("last_used", unix_seconds)  # a record's value is never null
            if last_used is not None:
                device["last_used"] = last_used
            if "device_mappings" in shape:
                if not shape.fixed("device_mappings"):
                    return None  # a record's null would leave its key out: per record
                texts = {key: device_attribute_text(value) for key, value in shape.value("device_mappings").items()}
                attributes = {key: text for key, text in texts.items() if text is not None}
                if attributes:
                    device["attributes"] = attributes
        body = {"type": "person", "identifiers": identifiers, "action": action, "device": device}
        return entity_template(body, _ADD_FIELDS if action == "add_device" else _DELETE_FIELDS)

    return compile_device


@handler("add_device", field_map=_ADD_FIELDS, compile=_compile_device("add_device"))
def add_device(inputs: Mapping[str, Any]) -> ApiRequest:
    device: dict[str, Any] = {"token": inputs["device_token"], "platform": inputs["platform"]}
    if inputs.get("last_used") is not None:
        device["last_used"] = unix_seconds(inputs["last_used"])
    texts = {key: device_attribute_text(value) for key, value in (inputs.get("device_mappings") or {}).items()}
    attributes = {key: text for key, text in texts.items() if text is not None}
    if attributes:
        device["attributes"] = attributes
    return entity_request(_device(inputs, "add_device", device), _ADD_FIELDS)


@handler("delete_device", field_map=_DELETE_FIELDS, destructive=True, compile=_compile_device("delete_device"))
def delete_device(inputs: Mapping[str, Any]) -> ApiRequest:
    return entity_request(_device(inputs, "delete_device", {"token": inputs["device_token"]}), _DELETE_FIELDS)

"""Add a person to, or remove them from, a manual segment (Track v1; v2 has no segment action)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..facts import prefixed_cio_id
from ..pipeline.registry import handler
from ..pipeline.request import ApiRequest

__all__ = ["add_customer_to_segment", "remove_customer_from_segment", "segment_request"]


def segment_request(operation: str, inputs: Mapping[str, Any]) -> ApiRequest:
    """``?id_type=`` names the kind of every id; a CIO ID goes prefixed ``cio_`` (either form taken),
    as Customer.io's Go client sends it: an id it cannot match is ignored with a 200, so the wrong
    form would fail silently."""
    id_type = inputs["matching_field"]
    value = inputs["matching_value"]
    if id_type == "cio_id":
        value = prefixed_cio_id(value)
    return ApiRequest(
        "track",
        "POST",
        f"/api/v1/segments/{int(inputs['segment'])}/{operation}",
        query=(("id_type", id_type),),
        json={"ids": [value]},
        field_map=tuple(_FIELDS.items()),
        not_found="segment_id",
    )


_FIELDS = {"ids": "$.matching_value", "segment_id": "$.segment", "id_type": "$.matching_field"}


@handler("add_customer_to_segment", field_map=_FIELDS)
def add_customer_to_segment(inputs: Mapping[str, Any]) -> ApiRequest:
    return segment_request("add_customers", inputs)


@handler("remove_customer_from_segment", field_map=_FIELDS, destructive=True)
def remove_customer_from_segment(inputs: Mapping[str, Any]) -> ApiRequest:
    return segment_request("remove_customers", inputs)

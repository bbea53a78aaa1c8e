"""Add a person to, or remove them from, a manual segment (Track v1; v2 has no segment action)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..facts import prefixed_cio_id
from ..pipeline.registry import handler
from ..pipeline.request import ApiRequest
from ..pipeline.splice import Shape, Var, spliced

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


def _compile_segment(operation: str) -> Any:
    """The path and query from constants (a segment read from the record: the handler runs)."""

    def compile_segment(shape: Shape) -> Any:
        if not shape.fixed("matching_field") or not shape.fixed("segment") or "matching_value" not in shape:
            return None
        id_type = shape.value("matching_field")
        value = shape.mirror("matching_value")
        if id_type == "cio_id":
            value = Var(value.path, convert=prefixed_cio_id) if isinstance(value, Var) else prefixed_cio_id(value)
        return spliced(
            {"ids": [value]}, api="track", method="POST",
            path=f"/api/v1/segments/{int(shape.value('segment'))}/{operation}", query=(("id_type", id_type),),
            field_map=tuple(_FIELDS.items()), not_found="segment_id",
        )

    return compile_segment


@handler("add_customer_to_segment", field_map=_FIELDS, compile=_compile_segment("add_customers"))
def add_customer_to_segment(inputs: Mapping[str, Any]) -> ApiRequest:
    return segment_request("add_customers", inputs)


@handler("remove_customer_from_segment", field_map=_FIELDS, destructive=True,
         compile=_compile_segment("remove_customers"))
def remove_customer_from_segment(inputs: Mapping[str, Any]) -> ApiRequest:
    return segment_request("remove_customers", inputs)

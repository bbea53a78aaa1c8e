"""Report a delivery metric for a message Customer.io sent (Track v1 ``POST /api/v1/metrics``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .._util.timestamps import unix_seconds
from ..pipeline.registry import handler
from ..pipeline.request import ApiRequest
from ..pipeline.splice import Shape, spliced

__all__ = ["METRICS_PATH", "report_delivery_metric"]

METRICS_PATH = "/api/v1/metrics"

_OPTIONAL = ("recipient", "reason", "href")
_FIELDS = {
    "delivery_id": "$.delivery_id",
    "metric": "$.metric",
    "timestamp": "$.timestamp",
    **{key: f"$.{key}" for key in _OPTIONAL},
}


def _compile(shape: Shape) -> Any:
    if "delivery_id" not in shape or "metric" not in shape:
        return None
    body: dict[str, Any] = {"delivery_id": shape.mirror("delivery_id"), "metric": shape.mirror("metric")}
    timestamp = shape.converted("timestamp", unix_seconds)  # a record's value is never null
    if timestamp is not None:
        body["timestamp"] = timestamp
    for key in _OPTIONAL:  # text when given (never null)
        if key in shape and (value := shape.mirror(key)) is not None:
            body[key] = value
    return spliced(body, api="track", method="POST", path=METRICS_PATH, field_map=tuple(_FIELDS.items()))


@handler("report_delivery_metric", field_map=_FIELDS, compile=_compile)
def report_delivery_metric(inputs: Mapping[str, Any]) -> ApiRequest:
    """Reporting the same metric twice says nothing new: the call may be repeated."""
    body: dict[str, Any] = {"delivery_id": inputs["delivery_id"], "metric": inputs["metric"]}
    if inputs.get("timestamp") is not None:
        body["timestamp"] = unix_seconds(inputs["timestamp"])
    for key in _OPTIONAL:
        if inputs.get(key) is not None:
            body[key] = inputs[key]
    return ApiRequest("track", "POST", METRICS_PATH, json=body, field_map=tuple(_FIELDS.items()))

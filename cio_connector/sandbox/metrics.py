"""Track v1 ``POST /api/v1/metrics``: delivery metrics reported from outside. It takes no credentials."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from .customerio_rules import METRICS_BY_CHANNEL
from .responses import ok, track_errors
from .track import sandbox_state
from .validation import BodyError, parse_json_object

__all__ = ["METRICS_PATH", "metric_problems", "metrics_routes"]

#: The spec gives this operation ``security: []``: the gateway lets it through without credentials.
METRICS_PATH = "/api/v1/metrics"
_ANY_CHANNEL = tuple(sorted({metric for metrics in METRICS_BY_CHANNEL.values() for metric in metrics}))
_TEXTS = ("reason", "href")


def metric_problems(body: dict[str, Any], channel: str | None) -> list[str]:
    """Problems with a metric report; ``channel`` is the delivery's, when the workspace sent it."""
    problems = []
    delivery_id = body.get("delivery_id")
    if not isinstance(delivery_id, str) or not delivery_id.strip():
        problems.append("delivery_id is required")
    metric = body.get("metric")
    allowed = METRICS_BY_CHANNEL.get(channel or "", _ANY_CHANNEL)
    if metric not in allowed:
        for_what = f" for a {channel} delivery" if channel in METRICS_BY_CHANNEL else ""
        problems.append(f"metric must be one of {', '.join(allowed)}{for_what}")
    timestamp = body.get("timestamp")
    if timestamp is not None and (isinstance(timestamp, bool) or not isinstance(timestamp, int) or timestamp < 0):
        problems.append("timestamp must be a unix timestamp in seconds")
    recipient = body.get("recipient")
    if recipient is not None and (isinstance(recipient, bool) or not isinstance(recipient, str | int)):
        problems.append("recipient must be a string")  # an SMS recipient may be the number itself
    problems += [f"{key} must be a string" for key in _TEXTS if key in body and not isinstance(body[key], str)]
    return problems


async def report_metric(request: Request) -> Response:
    try:
        body = parse_json_object(await request.body())
    except BodyError as exc:
        return track_errors(400, [str(exc)])
    messaging = sandbox_state(request).messaging
    delivery_id = body.get("delivery_id")
    channel = messaging.channel_of(delivery_id) if isinstance(delivery_id, str) else None
    if problems := metric_problems(body, channel):
        return track_errors(400, problems)
    keep = ("delivery_id", "metric", "timestamp", "recipient", "reason", "href")
    messaging.record_metric({key: body[key] for key in keep if key in body})
    return ok()


def metrics_routes() -> list[Route]:
    return [Route(METRICS_PATH, report_metric, methods=["POST"])]

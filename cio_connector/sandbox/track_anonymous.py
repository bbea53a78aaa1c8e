"""Track v1 ``POST /api/v1/events``: events for people not identified yet, kept apart from people's."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from .anonymous import anonymous_event_problems
from .responses import ok, track_errors
from .track import sandbox_state
from .validation import BodyError, parse_json_object

__all__ = ["ANONYMOUS_EVENTS_PATH", "anonymous_routes"]

ANONYMOUS_EVENTS_PATH = "/api/v1/events"


async def track_anonymous(request: Request) -> Response:
    try:
        body = parse_json_object(await request.body())
    except BodyError as exc:
        return track_errors(400, [str(exc)])
    name, problems = anonymous_event_problems(body)
    if problems:
        return track_errors(400, problems)
    sandbox_state(request).anonymous.record(body, name)
    return ok()


def anonymous_routes() -> list[Route]:
    return [Route(ANONYMOUS_EVENTS_PATH, track_anonymous, methods=["POST"])]

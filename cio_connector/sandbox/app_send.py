"""App API transactional routes: ``GET /v1/transactional`` and ``POST /v1/send/{email,sms,push}``.

Bearer auth, region and the transactional rate limit are the gateway's; errors here use the
transactional endpoints' own dialect, ``{"meta": {"error": "..."}}`` (App send spec, 400/403/413).
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from .responses import track_error
from .send_checks import SendRefused, check_send
from .track import sandbox_state
from .transactional import CHANNELS, Channel, UnknownMessage, WrongChannel
from .validation import BodyError, parse_json_object

__all__ = ["TRANSACTIONAL_SEND_PREFIX", "transactional_routes"]

#: Paths under this prefix are transactional sends: rate limited at 100/s, not the App API's 10/s.
TRANSACTIONAL_SEND_PREFIX = "/v1/send/"


async def list_transactional(request: Request) -> Response:
    return JSONResponse({"messages": sandbox_state(request).messaging.messages()})


async def send(request: Request, channel: Channel) -> Response:
    state = sandbox_state(request)
    try:
        body = parse_json_object(await request.body())
        wanted = check_send(channel, body, state.messaging.now())
        message_id = state.messaging.resolve(wanted.message, channel, auto_create=wanted.auto_create)
    except BodyError as exc:
        return track_error(400, str(exc))
    except SendRefused as exc:
        return track_error(exc.status, exc.message)
    except UnknownMessage as exc:
        return track_error(404, f"transactional message {exc.args[0]!r} not found")
    except WrongChannel as exc:
        return track_error(400, str(exc))
    person = state.find(wanted.identifier) if wanted.identifier is not None else None
    delivery = state.messaging.deliver(
        channel,
        message_id,
        identifiers=wanted.identifier.to_dict() if wanted.identifier else None,
        person=person["cio_id"] if person else None,
        to=wanted.to,
        message_data=wanted.message_data,
        send_at=wanted.send_at,
        overrides=wanted.overrides,
    )
    answer: dict[str, Any] = {"delivery_id": delivery.delivery_id, "queued_at": delivery.queued_at}
    if delivery.send_at is not None:  # "returned only when you provide a future send_at"
        answer["send_at"] = delivery.send_at
    return JSONResponse(answer)


def _sender(channel: Channel) -> Any:
    async def endpoint(request: Request) -> Response:
        return await send(request, channel)

    return endpoint


def transactional_routes() -> list[Route]:
    return [
        Route("/v1/transactional", list_transactional, methods=["GET"]),
        *(Route(f"{TRANSACTIONAL_SEND_PREFIX}{channel}", _sender(channel), methods=["POST"]) for channel in CHANNELS),
    ]

"""The ``/_sandbox`` routes: inspect and reset state, seed segments, set rate limits and faults."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route, Router

from .config import SegmentSeed
from .controls import Controls, Faults, RateLimits
from .state import SegmentExists
from .track import sandbox_state
from .transactional import CHANNELS, MessageExists, TransactionalMessage
from .validation import BodyError, parse_json_object

__all__ = ["CONTROLS_SCOPE_KEY", "admin_router", "parse_segment_seeds", "parse_transactional_seeds"]

CONTROLS_SCOPE_KEY = "cio_sandbox.controls"
_RATE_LIMIT_FIELDS = ("track", "app", "transactional", "retry_after")


def _controls(request: Request) -> Controls:
    controls: Controls = request.scope[CONTROLS_SCOPE_KEY]
    return controls


def _bad(message: str) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=400)


def _conflict(message: str) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=409)


#: An admin body (segments to seed, limits, faults) is a few KB; larger ones are refused unread.
MAX_ADMIN_BODY_BYTES = 1_000_000


async def _json(request: Request) -> dict[str, Any]:
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_ADMIN_BODY_BYTES:
        raise BodyError(f"the body is over {MAX_ADMIN_BODY_BYTES:,} bytes")
    raw = bytearray()
    async for chunk in request.stream():  # counted as it arrives: a huge body is never held whole
        raw += chunk
        if len(raw) > MAX_ADMIN_BODY_BYTES:
            raise BodyError(f"the body is over {MAX_ADMIN_BODY_BYTES:,} bytes")
    return parse_json_object(bytes(raw)) if raw.strip() else {}


def parse_segment_seeds(value: Any) -> list[SegmentSeed]:
    """``[{"name", "type"?, "id"?, "description"?}]`` -> seeds; ValueError names the bad entry."""
    if not isinstance(value, list):
        raise ValueError("segments must be an array")
    seeds = []
    for index, item in enumerate(value):
        where = f"segments[{index}]"
        if not isinstance(item, dict) or not isinstance(item.get("name"), str) or not item["name"].strip():
            raise ValueError(f"{where}.name must be a non-empty string")
        kind = item.get("type", "manual")
        if kind not in ("manual", "dynamic"):
            raise ValueError(f"{where}.type must be 'manual' or 'dynamic'")
        segment_id = item.get("id")
        if segment_id is not None and (
            isinstance(segment_id, bool) or not isinstance(segment_id, int) or segment_id < 1
        ):
            raise ValueError(f"{where}.id must be a positive integer")
        description = item.get("description", "")
        if not isinstance(description, str):
            raise ValueError(f"{where}.description must be a string")
        seeds.append(SegmentSeed(item["name"], kind, segment_id, description))
    return seeds


def full_state(request: Request) -> dict[str, Any]:
    controls = _controls(request)
    return {
        **sandbox_state(request).snapshot(),
        "requests": controls.summary(),
        "controls": controls.settings(),
    }


async def get_state(request: Request) -> Response:
    return JSONResponse(full_state(request))


async def reset(request: Request) -> Response:
    """Like a fresh server: no people, events, log, limits or faults; seed segments (or the given ones)."""
    try:
        body = await _json(request)
        seeds = parse_segment_seeds(body["segments"]) if "segments" in body else None
    except (BodyError, ValueError) as exc:
        return _bad(str(exc))
    try:
        sandbox_state(request).reset(segments=seeds)
    except SegmentExists as exc:
        return _conflict(str(exc))
    _controls(request).reset()
    return JSONResponse({"segments": sandbox_state(request).segments()})


async def seed_segments(request: Request) -> Response:
    try:
        seeds = parse_segment_seeds((await _json(request)).get("segments"))
    except (BodyError, ValueError) as exc:
        return _bad(str(exc))
    try:
        return JSONResponse({"segments": sandbox_state(request).add_segments(seeds)})
    except SegmentExists as exc:  # replacing would silently drop the segment's members
        return _conflict(str(exc))


async def rate_limits(request: Request) -> Response:
    controls = _controls(request)
    if request.method == "PUT":
        try:
            body = await _json(request)
            unknown = set(body) - {"preset", *_RATE_LIMIT_FIELDS}
            if unknown:
                raise ValueError(f"unknown rate limit settings: {', '.join(sorted(unknown))}")
            if "preset" in body:
                if len(body) > 1:
                    raise ValueError("preset cannot be combined with track, app, transactional or retry_after")
                limits = RateLimits.preset(body["preset"])
            else:
                limits = RateLimits(**{k: body.get(k) for k in _RATE_LIMIT_FIELDS})
        except (BodyError, ValueError, TypeError) as exc:
            return _bad(str(exc))
        controls.set_rate_limits(limits)
    return JSONResponse(controls.settings()["rate_limits"])


async def faults(request: Request) -> Response:
    controls = _controls(request)
    if request.method == "PUT":
        try:
            body = await _json(request)
            unknown = set(body) - {
                "error_rate",
                "statuses",
                "delay_rate",
                "delay_seconds",
                "drop_rate",
                "seed",
            }
            if unknown:
                raise ValueError(f"unknown fault settings: {', '.join(sorted(unknown))}")
            controls.set_faults(Faults(**body))
        except (BodyError, ValueError, TypeError) as exc:
            return _bad(str(exc))
    return JSONResponse(controls.settings()["faults"])


async def requests_log(request: Request) -> Response:
    return JSONResponse({"requests": _controls(request).requests(), "summary": _controls(request).summary()})


def parse_transactional_seeds(value: Any) -> list[TransactionalMessage]:
    """``[{"id", "name", "channel", "trigger"?, "description"?}]`` -> templates; ValueError names the bad entry."""
    if not isinstance(value, list):
        raise ValueError("messages must be an array")
    seeds = []
    for index, item in enumerate(value):
        where = f"messages[{index}]"
        if not isinstance(item, dict):
            raise ValueError(f"{where} must be an object")
        message_id, name, channel = item.get("id"), item.get("name"), item.get("channel")
        if isinstance(message_id, bool) or not isinstance(message_id, int) or message_id < 1:
            raise ValueError(f"{where}.id must be a positive integer")
        if not isinstance(name, str) or not name.strip():
            raise ValueError(f"{where}.name must be a non-empty string")
        if channel not in CHANNELS:
            raise ValueError(f"{where}.channel must be one of {', '.join(CHANNELS)}")
        trigger, description = item.get("trigger", name), item.get("description", "")
        if not isinstance(trigger, str) or not trigger.strip() or not isinstance(description, str):
            raise ValueError(f"{where}.trigger must be a non-empty string and description a string")
        seeds.append(TransactionalMessage(message_id, name, channel, trigger, description))
    return seeds


async def seed_transactional(request: Request) -> Response:
    try:
        seeds = parse_transactional_seeds((await _json(request)).get("messages"))
    except (BodyError, ValueError) as exc:
        return _bad(str(exc))
    try:
        return JSONResponse({"messages": sandbox_state(request).messaging.add_messages(seeds)})
    except MessageExists as exc:
        return _conflict(str(exc))


async def _not_found(scope: Any, receive: Any, send: Any) -> None:
    await JSONResponse({"error": "unknown sandbox control"}, status_code=404)(scope, receive, send)


def admin_router() -> Router:
    routes = [
        Route("/_sandbox/state", get_state, methods=["GET"]),
        Route("/_sandbox/reset", reset, methods=["POST"]),
        Route("/_sandbox/segments", seed_segments, methods=["POST"]),
        Route("/_sandbox/transactional", seed_transactional, methods=["POST"]),
        Route("/_sandbox/rate_limits", rate_limits, methods=["GET", "PUT"]),
        Route("/_sandbox/faults", faults, methods=["GET", "PUT"]),
        Route("/_sandbox/requests", requests_log, methods=["GET"]),
    ]
    return Router(routes=routes, redirect_slashes=False, default=_not_found)

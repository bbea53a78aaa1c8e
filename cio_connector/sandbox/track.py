"""Track API v1 routes (Basic auth already checked by the gateway): people, devices, events, segments, region."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route, Router

from .config import track_host_url
from .customerio_rules import SEGMENT_IDS_PER_REQUEST, looks_like_ulid
from .entities import apply_device
from .identity import (
    ID_TYPES,
    BadPercentEscape,
    Identifier,
    decode_path_segment,
    identifier_from_object,
    infer_identifier,
)
from .models import EventKind
from .responses import ok, track_error, track_errors
from .state import SandboxState, SegmentNotFound, SegmentNotManual
from .validation import (
    BodyError,
    attribute_problems,
    event_data_problems,
    event_name,
    identifier_problem,
    parse_json_object,
)

__all__ = ["STATE_SCOPE_KEY", "sandbox_state", "track_v1_routes"]

STATE_SCOPE_KEY = "cio_sandbox.state"


def sandbox_state(request: Request) -> SandboxState:
    state: SandboxState = request.scope[STATE_SCOPE_KEY]
    return state


class _Rejected(Exception):
    """A request problem, carrying its messages; the route picks the body dialect."""

    def __init__(self, *messages: str) -> None:
        super().__init__(*messages)
        self.messages = list(messages)


def path_identifier(request: Request) -> Identifier:
    """The ``{identifier}`` path segment, percent-decoded once and typed by its shape."""
    try:
        value = decode_path_segment(request.path_params["identifier"])
    except BadPercentEscape as exc:
        raise _Rejected(str(exc)) from None
    except UnicodeDecodeError:
        raise _Rejected("identifier is not valid UTF-8 after percent-decoding") from None
    problem = identifier_problem(value)
    target = infer_identifier(value)
    if problem is None and target.type == "cio_id" and not target.value:
        problem = "cio_id cannot be blank"
    if problem is not None:
        raise _Rejected(problem)
    return target


async def _body(request: Request, *, allow_empty: bool = False) -> dict[str, Any]:
    raw = await request.body()
    if allow_empty and not raw.strip():
        return {}
    try:
        return parse_json_object(raw)
    except BodyError as exc:
        raise _Rejected(str(exc)) from None


async def identify(request: Request) -> Response:
    try:
        target = path_identifier(request)
        attributes = await _body(request, allow_empty=True)
    except _Rejected as exc:
        return track_error(400, exc.messages[0])
    if problems := attribute_problems(attributes):
        return track_error(400, problems[0])
    sandbox_state(request).identify(target, attributes)
    return ok()


async def delete(request: Request) -> Response:
    try:
        target = path_identifier(request)
    except _Rejected as exc:
        return track_error(400, exc.messages[0])
    sandbox_state(request).delete(target)  # deleting nobody is still 200: no 404 is documented
    return ok()


async def suppress(request: Request) -> Response:
    try:
        target = path_identifier(request)
    except _Rejected as exc:
        return track_error(400, exc.messages[0])
    sandbox_state(request).set_suppressed(target, request.url.path.endswith("/suppress"))
    return ok()


async def add_device(request: Request) -> Response:
    """v1 names the token ``device.id`` (v2 says ``token``); the rest is v2's device."""
    try:
        target = path_identifier(request)
        body = await _body(request)
    except _Rejected as exc:
        return track_errors(400, exc.messages)
    device = body.get("device")
    if not isinstance(device, dict):
        return track_errors(400, ["device is required and must be an object"])
    v2 = {"token": device.get("id"), **{k: v for k, v in device.items() if k in ("platform", "last_used", "attributes")}}
    errors = apply_device(sandbox_state(request), target, {"device": v2}, add=True)
    return track_errors(400, [e["message"].replace("device.token", "device.id") for e in errors]) if errors else ok()


async def delete_device(request: Request) -> Response:
    try:
        target = path_identifier(request)
        token = decode_path_segment(request.path_params["device_id"])
    except _Rejected as exc:
        return track_errors(400, exc.messages)
    except (BadPercentEscape, UnicodeDecodeError):
        return track_errors(400, ["device_id is not a properly percent-encoded path segment"])
    sandbox_state(request).delete_device(target, token)
    return ok()


async def track_event(request: Request) -> Response:
    try:
        target = path_identifier(request)
        body = await _body(request)
    except _Rejected as exc:
        return track_errors(400, exc.messages)
    name, name_problem = event_name(body.get("name"))
    problems = [name_problem] if name_problem else []
    problems += event_data_problems(body.get("data"))
    event_id = body.get("id")
    if event_id is not None and not looks_like_ulid(event_id):
        problems.append("id must be a valid ULID")  # Track's dedupe id is a ULID (v1 and v2 alike)
    if problems:
        return track_errors(400, problems)
    kind: EventKind = (
        "page" if body.get("type") == "page" else "screen" if body.get("type") == "screen" else "event"
    )
    sandbox_state(request).record_event(
        target, name, kind=kind, data=body.get("data"), event_id=event_id, timestamp=body.get("timestamp")
    )
    return ok()


async def change_segment(request: Request) -> Response:
    try:  # decoded once like any path segment, so "%37" is segment 7
        raw_id = decode_path_segment(request.path_params["segment_id"])
        if not (raw_id.isascii() and raw_id.isdigit()):
            raise ValueError(raw_id)
        segment_id = int(raw_id)
    except (UnicodeDecodeError, ValueError):
        return track_errors(404, ["segment not found: segment_id must be an integer"])
    id_type = request.query_params.get("id_type", "id")
    if id_type not in ID_TYPES:
        return track_errors(400, [f"id_type must be one of {', '.join(ID_TYPES)}, not {id_type!r}"])
    try:
        ids = _segment_ids(await _body(request))
    except _Rejected as exc:
        return track_errors(400, exc.messages)
    add = request.url.path.endswith("/add_customers")
    try:
        sandbox_state(request).change_segment(segment_id, id_type, ids, add=add)
    except SegmentNotFound:
        return track_errors(404, [f"segment {segment_id} not found"])
    except SegmentNotManual:
        return track_errors(
            400, [f"segment {segment_id} is data-driven; only manual segments can be changed"]
        )
    return ok()


def _segment_ids(body: dict[str, Any]) -> list[str]:
    ids = body.get("ids")
    if not isinstance(ids, list):
        raise _Rejected("ids must be an array of strings")
    if not ids:
        raise _Rejected("ids must contain at least 1 item")
    if len(ids) > SEGMENT_IDS_PER_REQUEST:
        raise _Rejected(f"ids cannot contain more than {SEGMENT_IDS_PER_REQUEST} items")
    values = []
    for value in ids:
        if isinstance(value, int) and not isinstance(value, bool):
            value = str(value)
        if not isinstance(value, str):
            raise _Rejected("ids must be an array of strings")
        values.append(value)
    return values


async def merge_customers(request: Request) -> Response:
    try:
        body = await _body(request)
    except _Rejected as exc:
        return track_error(400, exc.messages[0])
    people = []
    for role in ("primary", "secondary"):
        try:
            person = identifier_from_object(body.get(role))
        except ValueError as exc:
            return track_error(400, f"{role}: {exc}")
        if (problem := identifier_problem(person.value, label=f"{role} {person.type}")) is not None:
            return track_error(400, problem)
        people.append(person)
    sandbox_state(request).merge(people[0], people[1])  # no primary: "your request won't do anything"
    return ok()


async def account_region(request: Request) -> Response:
    workspace = sandbox_state(request).workspace
    return JSONResponse(
        {
            "url": track_host_url(workspace.region),
            "region": workspace.region,
            "environment_id": workspace.environment_id,
        }
    )


async def _not_found(scope: Any, receive: Any, send: Any) -> None:
    await track_error(404, "not found")(scope, receive, send)


def track_v1_routes() -> list[Route]:
    customer = "/api/v1/customers/{identifier}"
    segment = "/api/v1/segments/{segment_id}"
    return [
        Route(customer, identify, methods=["PUT"]),
        Route(customer, delete, methods=["DELETE"]),
        Route(customer + "/events", track_event, methods=["POST"]),
        Route(customer + "/devices", add_device, methods=["PUT"]),
        Route(customer + "/devices/{device_id}", delete_device, methods=["DELETE"]),
        Route(customer + "/suppress", suppress, methods=["POST"]),
        Route(customer + "/unsuppress", suppress, methods=["POST"]),
        Route(segment + "/add_customers", change_segment, methods=["POST"]),
        Route(segment + "/remove_customers", change_segment, methods=["POST"]),
        Route("/api/v1/merge_customers", merge_customers, methods=["POST"]),
        Route("/api/v1/accounts/region", account_region, methods=["GET"]),
    ]


def track_router(extra: list[Route]) -> Router:
    return Router(routes=track_v1_routes() + extra, redirect_slashes=False, default=_not_found)

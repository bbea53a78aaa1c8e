"""App API routes (Bearer auth already checked by the gateway): segments, workspaces, customer lookups."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route, Router

from .app_send import transactional_routes
from .identity import CIO_PREFIX, ID_TYPES, BadPercentEscape, Identifier, decode_path_segment
from .responses import app_error
from .track import sandbox_state
from .validation import BodyError, parse_json_object

__all__ = ["app_router"]


async def list_segments(request: Request) -> Response:
    return JSONResponse({"segments": sandbox_state(request).segments()})


async def get_segment(request: Request) -> Response:
    found = sandbox_state(request).segment(request.path_params["segment_id"])
    if found is None:
        return app_error(404, "segment not found")
    found.pop("members")
    return JSONResponse({"segment": found})


async def create_segment(request: Request) -> Response:
    try:
        body = parse_json_object(await request.body())
    except BodyError as exc:
        return app_error(400, str(exc))
    segment = body.get("segment")
    if not isinstance(segment, dict):
        return app_error(400, "segment must be an object")
    name = segment.get("name")
    if not isinstance(name, str) or not name.strip():
        return app_error(400, "segment.name is required")
    description = segment.get("description") or ""
    tags = segment.get("tags")
    if not isinstance(description, str) or not (tags is None or isinstance(tags, list)):
        return app_error(400, "segment.description must be a string and segment.tags an array")
    created = sandbox_state(request).create_segment(name.strip(), description, tags)
    return JSONResponse({"segment": created})


async def list_object_types(request: Request) -> Response:
    return JSONResponse({"types": sandbox_state(request).object_types()})


async def list_workspaces(request: Request) -> Response:
    state = sandbox_state(request)
    workspace = state.workspace
    return JSONResponse(
        {
            "workspaces": [
                {
                    "id": workspace.environment_id,
                    "name": workspace.name,
                    "messages_sent": 0,
                    "billable_messages_sent": 0,
                    "people": len(state.people()),
                    "object_types": len(state.object_types()),
                    "objects": len(state.objects()),
                }
            ]
        }
    )


def _summary(person: dict[str, Any]) -> dict[str, Any]:
    return {"email": person["email"], "id": person["id"], "cio_id": person["cio_id"]}


async def customers_by_email(request: Request) -> Response:
    email = request.query_params.get("email")  # a literal "+" here is a space, as Customer.io warns
    if not email:
        return app_error(400, "email is required")
    return JSONResponse({"results": [_summary(p) for p in sandbox_state(request).find_by_email(email)]})


async def customer_attributes(request: Request) -> Response:
    id_type = request.query_params.get("id_type", "id")
    if id_type not in ID_TYPES:
        return app_error(400, f"id_type must be one of {', '.join(ID_TYPES)}")
    try:
        value = decode_path_segment(request.path_params["identifier"])
    except BadPercentEscape as exc:
        return app_error(400, str(exc))
    except UnicodeDecodeError:
        return app_error(400, "identifier is not valid UTF-8")
    if id_type == "cio_id":
        # The App API wants a CIO ID prefixed here; a bare one names nobody, as a wrong id_type does.
        if not value.startswith(CIO_PREFIX):
            return app_error(404, "customer not found")
        value = value[len(CIO_PREFIX) :]
    person = sandbox_state(request).find(Identifier(id_type, value))
    if person is None:
        return app_error(404, "customer not found")
    identifiers = person["identifiers"]
    return JSONResponse(
        {
            "customer": {
                "id": person["id"],
                "email": person["email"],
                "cio_id": person["cio_id"],
                # Like Customer.io, the attribute map also carries the identifiers.
                "attributes": {**person["attributes"], **identifiers},
                "identifiers": identifiers,
                "unsubscribed": bool(person["attributes"].get("unsubscribed", False)),
                "timestamps": {"cio_id": person["created_at"]},
                "devices": [],
            }
        }
    )


async def _not_found(scope: Any, receive: Any, send: Any) -> None:
    await app_error(404, "not found")(scope, receive, send)


def app_router() -> Router:
    routes = [
        Route("/v1/segments", list_segments, methods=["GET"]),
        Route("/v1/segments", create_segment, methods=["POST"]),
        Route("/v1/segments/{segment_id:int}", get_segment, methods=["GET"]),
        Route("/v1/workspaces", list_workspaces, methods=["GET"]),
        Route("/v1/object_types", list_object_types, methods=["GET"]),
        Route("/v1/customers", customers_by_email, methods=["GET"]),
        Route("/v1/customers/{identifier}/attributes", customer_attributes, methods=["GET"]),
        *transactional_routes(),
    ]
    return Router(routes=routes, redirect_slashes=False, default=_not_found)

"""The execute route's short way: a well-formed JSON body parsed and validated in one step, the answer dumped in one.

FastAPI's own handler decodes the body with ``json.loads``, validates the dict, runs its dependency
machinery, then validates and dumps the answer again: a third of a dry run's server CPU. A body
``ExecutePayload`` takes straight from its JSON bytes (pydantic's parser gives the same values as
``json.loads`` for every body it accepts) is answered here; anything else (another content type,
JSON that parser refuses, a body that breaks the contract) goes to FastAPI's handler, whose 400s
stay exactly as documented. The answer's bytes are those FastAPI writes for the same result
(tests/host/test_fast_route.py).
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import Request, Response
from fastapi.routing import APIRoute
from pydantic import BaseModel, ValidationError

from .models import ExecutePayload

__all__ = ["ShortExecuteRoute"]

_JSON = "application/json"


class ShortExecuteRoute(APIRoute):
    """An ``APIRoute`` (FastAPI's documented way to customise a route's handler) for
    ``/actions/{slug}/execute``: documented, and falling back to, the route as declared."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        documented = super().get_route_handler()
        endpoint = self.endpoint
        exclude_none = self.response_model_exclude_none

        async def handler(request: Request) -> Response:
            payload = await _payload(request)
            if payload is None:
                return await documented(request)
            result: BaseModel = await endpoint(request.path_params["slug"], payload)
            content = result.__pydantic_serializer__.to_json(result, exclude_none=exclude_none, by_alias=True)
            return Response(content=content, media_type=_JSON)

        return handler


async def _payload(request: Request) -> Any:
    """The body as an ``ExecutePayload`` when it is plain JSON the model takes; None sends it the long way."""
    if request.headers.get("content-type") != _JSON:
        return None
    body = await request.body()  # kept on the request: the long way reads it again for free
    try:
        return ExecutePayload.model_validate_json(body)
    except ValidationError:
        return None

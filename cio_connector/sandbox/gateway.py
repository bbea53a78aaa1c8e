"""The ASGI entry point: region prefixes, fault injection, rate limits, auth, then the API routers."""

from __future__ import annotations

import asyncio
import base64
import binascii
import hmac
from collections.abc import MutableMapping
from typing import Any
from urllib.parse import quote

from starlette.datastructures import Headers
from starlette.requests import ClientDisconnect
from starlette.responses import JSONResponse, Response

from .admin import CONTROLS_SCOPE_KEY, admin_router
from .app_api import app_router
from .app_send import TRANSACTIONAL_SEND_PREFIX
from .config import REGIONS, Credentials
from .controls import Api, Budget, Controls
from .customerio_rules import BATCH_MAX_BYTES
from .metrics import METRICS_PATH, metrics_routes
from .responses import APP_UNAUTHORIZED, TRACK_UNAUTHORIZED, app_error, track_error
from .state import SandboxState
from .track import STATE_SCOPE_KEY, track_router
from .track_anonymous import anonymous_routes
from .track_v2 import track_v2_routes

__all__ = ["SandboxApp"]

_REGION_PATH = "/api/v1/accounts/region"  # "works against either regional URL" (reference §2.5)
# Operations the spec lists with ``security: []``: no credentials, so no workspace to place either.
_OPEN_PATHS = frozenset({METRICS_PATH})
_URLSAFE_TO_STANDARD = str.maketrans("-_", "+/")
_LOOPBACK = {"127.0.0.1", "::1", "localhost", "testclient"}

Scope = dict[str, Any]


class SandboxApp:
    """One ASGI app for both APIs and both regions.

    Order of checks for an API request, and why:
      1. region prefix (``/us``, ``/eu`` or none = the workspace's own) picks the datacenter;
      2. fault injection and rate limiting, which happen in front of any real API;
      3. auth: a datacenter must recognise the credentials before it can know where they live,
         so bad credentials are 401 on either prefix (``/api/v1/metrics`` takes none: no 3 or 4);
      4. region: recognised credentials on the other datacenter's prefix get 301 (US host, EU
         workspace: Customer.io redirects) or 401 (EU host, US workspace: "requests will fail");
      5. the route, which validates the request.
    """

    def __init__(self, state: SandboxState | None = None, controls: Controls | None = None) -> None:
        self.state = state or SandboxState()
        self.controls = controls or Controls()
        track_routes = [*track_v2_routes(), *anonymous_routes(), *metrics_routes()]
        self._routers = {"track": track_router(track_routes), "app": app_router()}
        self._admin = admin_router()

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        try:
            await self._dispatch(scope, receive, send)
        except ClientDisconnect:
            return  # the client went away mid-request: nobody to answer, nothing worth a traceback

    async def _dispatch(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            await _lifespan(receive, send)
            return
        if scope["type"] != "http":
            return
        raw = _raw_path(scope)
        scope = {**scope, STATE_SCOPE_KEY: self.state, CONTROLS_SCOPE_KEY: self.controls}
        if raw == "/_sandbox" or raw.startswith("/_sandbox/"):
            client = scope.get("client")
            if client and client[0] not in _LOOPBACK and not str(client[0]).startswith("127."):
                await JSONResponse({"error": "sandbox controls are loopback-only"}, 403)(scope, receive, send)
                return
            await self._admin(scope, receive, send)
            return
        region, rest = _split_region(raw)
        api: Api | None = "track" if rest.startswith("/api/") else "app" if rest.startswith("/v1/") else None
        if api is None:
            message = "unknown path: Track paths start /api/, App paths /v1/, optionally after /us or /eu"
            await JSONResponse({"error": message}, 404)(scope, receive, send)
            return
        await self._api_request(scope, receive, send, api, region, rest)

    async def _api_request(
        self, scope: Scope, receive: Any, send: Any, api: Api, region: str | None, rest: str
    ) -> None:
        status: list[int] = []

        async def capture(message: MutableMapping[str, Any]) -> None:
            if message["type"] == "http.response.start":
                status.append(message["status"])
                # Logged before the client can see the answer, so a test reading the log after a
                # call always finds it there.
                self.controls.log(scope["method"], _raw_path(scope), api, effective_region, message["status"])
            await send(message)

        effective_region = region or self.state.workspace.region
        fault = self.controls.draw_fault()
        if fault.delay:
            await asyncio.sleep(fault.delay)
        if fault.drop:
            self.controls.log(scope["method"], _raw_path(scope), api, effective_region, None, "dropped")
            try:
                async with asyncio.timeout(_DRAIN_SECONDS):  # a body that never comes holds nothing
                    await _read_request(receive)
            except TimeoutError:
                pass
            await _drop_connection(send)
            return
        response = None
        budget: Budget = "transactional" if api == "app" and rest.startswith(TRANSACTIONAL_SEND_PREFIX) else api
        if fault.status is not None:
            response = _error(api, fault.status, "simulated failure (sandbox fault injection)")
        elif self.controls.over_rate_limit(budget):
            response = self._rate_limited(api, budget)
        elif rest in _OPEN_PATHS:
            response = None
        elif not _authorized(scope, api, self.state.workspace.credentials):
            response = _unauthorized(api)
        else:
            response = self._wrong_region(scope, api, region, rest)
        if response is not None:
            await response(scope, receive, capture)
        else:
            inner = {**scope, "path": rest, "raw_path": rest.encode("latin-1"), "root_path": ""}
            await self._routers[api](inner, receive, capture)
        if not status:  # the app ended without answering
            self.controls.log(scope["method"], _raw_path(scope), api, effective_region, None)

    def _rate_limited(self, api: Api, budget: Budget) -> Response:
        limits = self.controls.rate_limits
        headers = {}
        if limits.retry_after is not None:
            seconds = limits.retry_after
            headers["Retry-After"] = str(int(seconds)) if float(seconds).is_integer() else str(seconds)
        per_second = getattr(limits, budget)
        if api == "app":
            return app_error(429, f"Your request is over the {per_second}-per-second limit.", headers)
        return track_error(
            429, f"Too many requests: over the limit of {per_second} requests per second.", headers
        )

    def _wrong_region(self, scope: Scope, api: Api, region: str | None, rest: str) -> Response | None:
        home = self.state.workspace.region
        if region is None or region == home or rest == _REGION_PATH:
            return None
        if region == "eu":  # a US workspace on the EU datacenter is unknown there
            return _unauthorized(api)
        headers = Headers(scope=scope)
        query = scope.get("query_string", b"").decode("latin-1")
        location = f"{scope.get('scheme', 'http')}://{headers.get('host', 'localhost')}/{home}{rest}"
        location += f"?{query}" if query else ""
        body = (
            {"errors": [{"detail": "wrong datacenter", "status": "301"}]}
            if api == "app"
            else {"meta": {"error": "wrong datacenter"}}
        )
        return JSONResponse(body, status_code=301, headers={"Location": location})


def _raw_path(scope: Scope) -> str:
    raw = scope.get("raw_path")
    return raw.decode("latin-1") if raw else quote(scope["path"])


def _split_region(path: str) -> tuple[str | None, str]:
    for region in REGIONS:
        prefix = f"/{region}"
        if path.startswith(prefix + "/"):
            return region, path[len(prefix) :]
    return None, path


def _error(api: Api, status: int, message: str) -> Response:
    return app_error(status, message) if api == "app" else track_error(status, message)


def _unauthorized(api: Api) -> Response:
    return app_error(401, APP_UNAUTHORIZED) if api == "app" else track_error(401, TRACK_UNAUTHORIZED)


def _authorized(scope: Scope, api: Api, credentials: Credentials) -> bool:
    scheme, _, token = Headers(scope=scope).get("authorization", "").partition(" ")
    token = token.strip()
    if api == "app":
        return scheme.lower() == "bearer" and hmac.compare_digest(
            token.encode(), credentials.app_api_key.encode()
        )
    if scheme.lower() != "basic":
        return False
    if len(token) % 4:  # padded base64 only; b64decode(validate=True) lets "YTpi=" through
        return False
    try:
        # Strict base64, in either alphabet: the Go client uses the URL-safe one (reference §6).
        decoded = base64.b64decode(token.translate(_URLSAFE_TO_STANDARD), validate=True)
    except (binascii.Error, ValueError):
        return False
    expected = f"{credentials.site_id}:{credentials.track_api_key}".encode()
    return hmac.compare_digest(decoded, expected)


#: How much of a dropped request's body is read first (a batch's largest, and some), and how long
#: the drop waits for it.
_DRAIN_BYTES = 2 * BATCH_MAX_BYTES
_DRAIN_SECONDS = 5.0


async def _read_request(receive: Any) -> None:
    """The request's body read off the socket (up to ``_DRAIN_BYTES``) before a drop: closing a
    socket with unread bytes in it sends a reset, and the client would see "connection reset"
    instead of a server that closed without answering, depending on how the body's packets raced."""
    seen = 0
    while seen <= _DRAIN_BYTES:
        message = await receive()
        if message["type"] != "http.request":
            return
        seen += len(message.get("body", b""))
        if not message.get("more_body"):
            return


async def _drop_connection(send: Any) -> None:
    """Close the socket with no response, as a dying load balancer would.

    uvicorn's ``send`` is a bound method of its request cycle, which holds the transport; aborting
    it and marking the cycle disconnected stops uvicorn from writing its own 500. Under another
    server, fall back to starting a response and never finishing it.
    """
    cycle = getattr(send, "__self__", None)
    transport = getattr(cycle, "transport", None)
    if cycle is not None and transport is not None and hasattr(cycle, "disconnected"):
        cycle.disconnected = True
        transport.close()  # FIN with nothing sent; clients see "disconnected without a response"
        return
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"1")]})


async def _lifespan(receive: Any, send: Any) -> None:
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return

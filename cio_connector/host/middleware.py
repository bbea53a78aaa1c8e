"""In front of every route: the shared-secret check, the body size limit, and a log line without secrets."""

from __future__ import annotations

import hmac
import json
import logging
import time
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

__all__ = ["DEFAULT_MAX_BODY_BYTES", "OPEN_PATHS", "Guard"]

logger = logging.getLogger("cio_connector.host")

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

# A config is at most a 32 KB entity plus a few fields; a quarter megabyte leaves room for the
# envelope and refuses anything that is not a config.
DEFAULT_MAX_BODY_BYTES = 256 * 1024
#: Paths that never need the token: a load balancer's probe has no secret to send.
OPEN_PATHS = frozenset({"/health"})


class Guard:
    """Pure ASGI, so it sees the raw request before any framework parses a body.

    Order: the token first (an unauthenticated caller's body is never read), then the body,
    read at most ``max_body_bytes`` and replayed to the app, then one log line per request
    with method, path, status and milliseconds; never a header, a query or a body.
    """

    def __init__(self, app: ASGIApp, *, token: str | None = None, max_body_bytes: int = DEFAULT_MAX_BODY_BYTES) -> None:
        self.app = app
        self.token = token
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status: list[int] = []

        async def record(message: Message) -> None:
            if message["type"] == "http.response.start":
                status.append(message["status"])
            await send(message)

        try:
            await self._guarded(scope, receive, record)
        finally:
            elapsed = (time.perf_counter() - started) * 1000
            logger.info("%s %s -> %s in %.0f ms", scope["method"], scope["path"], status[0] if status else "-", elapsed)

    async def _guarded(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self.token is not None and scope["path"] not in OPEN_PATHS and not self._authorized(scope):
            await _answer(send, 401, "missing or wrong token: send Authorization: Bearer <token>", {"www-authenticate": "Bearer"})
            return
        declared = _header(scope, b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_body_bytes:
            await _answer(send, 413, f"request body is larger than {self.max_body_bytes} bytes")
            return
        body = bytearray()
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            body += message.get("body", b"")
            if len(body) > self.max_body_bytes:
                await _answer(send, 413, f"request body is larger than {self.max_body_bytes} bytes")
                return
            if not message.get("more_body", False):
                break
        await self.app(scope, _replay(bytes(body), receive), send)

    def _authorized(self, scope: Scope) -> bool:
        scheme, _, given = (_header(scope, b"authorization") or "").partition(" ")
        assert self.token is not None
        return scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode("latin-1"), self.token.encode())


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", ()):
        if key.lower() == name:
            return bytes(value).decode("latin-1")
    return None


def _replay(body: bytes, receive: Receive) -> Receive:
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if sent:
            return await receive()  # the app waits for a disconnect after the body
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return replay


async def _answer(send: Send, status: int, message: str, headers: dict[str, str] | None = None) -> None:
    body = json.dumps({"errorMessage": message}).encode()
    raw = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    raw += [(k.encode(), v.encode()) for k, v in (headers or {}).items()]
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": body})

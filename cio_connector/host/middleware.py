"""In front of every route: the shared-secret check, the body size limit, and a log line without secrets."""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
import time
from collections.abc import Awaitable, Callable, Iterable, MutableMapping
from typing import Any
from urllib.parse import urlsplit

__all__ = ["BODY_SECONDS", "DEFAULT_MAX_BODY_BYTES", "LOOPBACK_HOSTS", "OPEN_PATHS", "Guard"]

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
#: Seconds a client has to send a whole body once its headers arrived.
BODY_SECONDS = 30.0
#: Host names a loopback server answers to without a token (a DNS-rebinding page sends its own name).
LOOPBACK_HOSTS = ("localhost", "127.0.0.1", "::1")
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class Guard:
    """Pure ASGI, so it sees the raw request before any framework parses a body.

    Order: the token first (an unauthenticated caller's body is never read); without a token, a
    state-changing request must name an allowed ``Host`` and carry no foreign ``Origin`` (a web
    page cannot post to it); then the body, read at most ``max_body_bytes`` within ``body_seconds``
    and replayed to the app; then one log line per request with method, path, status and
    milliseconds; never a header, a query or a body.
    """

    def __init__(self, app: ASGIApp, *, token: str | None = None, max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
                 allowed_hosts: Iterable[str] | None = None, body_seconds: float = BODY_SECONDS) -> None:
        self.app = app
        self.token = token
        self.max_body_bytes = max_body_bytes
        self.allowed_hosts = None if allowed_hosts is None else frozenset(h.lower().strip("[]") for h in allowed_hosts)
        self.body_seconds = body_seconds

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if not logger.isEnabledFor(logging.INFO):  # no log line to write: nothing to time or record
            await self._guarded(scope, receive, send)
            return
        started = time.perf_counter()
        status: int | str = "-"

        async def record(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self._guarded(scope, receive, record)
        finally:
            elapsed = (time.perf_counter() - started) * 1000
            logger.info("%s %s -> %s in %.0f ms", scope["method"], scope["path"], status, elapsed)

    async def _guarded(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self.token is not None and scope["path"] not in OPEN_PATHS and not self._authorized(scope):
            await _answer(send, 401, "missing or wrong token: send Authorization: Bearer <token>", {"www-authenticate": "Bearer"})
            return
        if self.token is None and scope["method"] not in _SAFE_METHODS:
            refused = self._foreign(scope)
            if refused:
                await _answer(send, 403, refused)
                return
        declared = _header(scope, b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_body_bytes:
            await _answer(send, 413, f"request body is larger than {self.max_body_bytes} bytes")
            return
        try:
            async with asyncio.timeout(self.body_seconds):  # one deadline for the whole body, no task per read
                body = await self._body(receive)
        except TimeoutError:
            await _answer(send, 408, f"the request body did not arrive within {self.body_seconds:g} seconds")
            return
        if body is None:  # the client went away
            return
        if len(body) > self.max_body_bytes:
            await _answer(send, 413, f"request body is larger than {self.max_body_bytes} bytes")
            return
        await self.app(scope, _replay(body, receive), send)

    async def _body(self, receive: Receive) -> bytes | None:
        """The whole body (None on a disconnect), in one buffer; reading stops once it is over the limit.

        A body that came in one message (what uvicorn hands over for a body that arrived with its
        headers) is passed on as it is, not copied.
        """
        message = await receive()
        if message["type"] == "http.disconnect":
            return None
        body: bytes = message.get("body", b"")
        if not message.get("more_body", False) or len(body) > self.max_body_bytes:
            return body
        buffer = bytearray(body)
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return None
            buffer += message.get("body", b"")
            if len(buffer) > self.max_body_bytes or not message.get("more_body", False):
                return bytes(buffer)

    def _foreign(self, scope: Scope) -> str | None:
        """Why a tokenless state-changing request is refused: a Host we do not serve, or another site's Origin."""
        host = _host_name(_header(scope, b"host") or "")
        if self.allowed_hosts is not None and host not in self.allowed_hosts:
            return "this server answers only to its own host names; use --token to serve others"
        origin = _header(scope, b"origin")
        if origin is not None:
            try:
                parts = urlsplit(origin)
                same = parts.netloc.lower() == (_header(scope, b"host") or "").lower()
            except ValueError:
                same = False
            if not same:
                return "cross-site requests are refused; use --token for callers on other sites"
        return None

    def _authorized(self, scope: Scope) -> bool:
        scheme, _, given = (_header(scope, b"authorization") or "").partition(" ")
        assert self.token is not None
        return scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode("latin-1"), self.token.encode())


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", ()):
        if key.lower() == name:
            return bytes(value).decode("latin-1")
    return None


def _host_name(host: str) -> str:
    """``Host`` without its port: ``[::1]:8000`` -> ``::1``, ``localhost:80`` -> ``localhost``."""
    host = host.strip().lower()
    if host.startswith("["):
        return host[1:].partition("]")[0]
    return host.rpartition(":")[0] if host.count(":") == 1 else host


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

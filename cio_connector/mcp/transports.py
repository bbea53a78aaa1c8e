"""Serving the MCP server: over stdio (one client, the process that started us) or streamable HTTP.

Over HTTP a bearer token is required unless the server listens on loopback only, and every
request is capped: body size, sessions, idle time, connections in flight.
"""

from __future__ import annotations

import hmac
import ipaddress
import json
import logging
import sys
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any, TextIO

from ..errors import CioConnectorError
from .calls import ToolRunner
from .server import create_server  # the MCP SDK: importing this module needs the [mcp] extra

__all__ = [
    "MAX_BODY_BYTES",
    "MAX_SESSIONS",
    "MCP_PATH",
    "TOKEN_ENV",
    "BearerGuard",
    "http_app",
    "is_loopback",
    "refuse_open_without_token",
    "serve_http",
    "serve_stdio",
]

logger = logging.getLogger("cio_connector.mcp")

#: Where the streamable HTTP endpoint lives (the SDK's and most clients' default).
MCP_PATH = "/mcp"
#: The environment variable holding the HTTP bearer token (``--token`` shows in ``ps``; this does not).
TOKEN_ENV = "CIO_MCP_TOKEN"
#: A tool call's arguments are one action's fields: an entity is at most 32,000 bytes.
MAX_BODY_BYTES = 256 * 1024
MAX_SESSIONS = 64
SESSION_IDLE_SECONDS = 15 * 60
MAX_CONNECTIONS = 64

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


def is_loopback(host: str) -> bool:
    """Whether ``host`` is reachable from this machine only."""
    try:
        return host == "localhost" or ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def refuse_open_without_token(host: str, token: str | None) -> None:
    """``CioConnectorError`` when ``host`` is reachable from other machines and no token is set."""
    if not token and not is_loopback(host):
        raise CioConnectorError(
            f"{host} is reachable from other machines: set a token (${TOKEN_ENV}, or --token) or listen on 127.0.0.1"
        )


class BearerGuard:
    """Every HTTP request needs ``Authorization: Bearer <token>``; the rest is the SDK's app.

    Checked before the SDK reads a byte of the body, compared in constant time; the answer to a
    missing or wrong token says which header to send and never echoes what was sent.
    """

    def __init__(self, app: ASGIApp, token: str) -> None:
        if not token:
            raise ValueError("an empty token would let anyone in")
        self.app = app
        self._token = token.encode()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and not self._authorized(scope):
            body = json.dumps({"error": "missing or wrong token: send Authorization: Bearer <token>"}).encode()
            headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
                       (b"www-authenticate", b"Bearer")]
            await send({"type": "http.response.start", "status": 401, "headers": headers})
            await send({"type": "http.response.body", "body": body})
            return
        await self.app(scope, receive, send)

    def _authorized(self, scope: Scope) -> bool:
        for name, value in scope.get("headers", ()):
            if name.lower() == b"authorization":
                scheme, _, given = bytes(value).partition(b" ")
                return scheme.lower() == b"bearer" and hmac.compare_digest(given.strip(), self._token)
        return False


def http_app(runner: ToolRunner, *, host: str = "127.0.0.1", token: str | None = None) -> ASGIApp:
    """The streamable HTTP app (``POST/GET/DELETE /mcp``), behind the token when one is given.

    On a loopback host the SDK also refuses other ``Host`` and ``Origin`` headers (DNS rebinding).
    """
    server = create_server(runner)
    app: ASGIApp = server.streamable_http_app(
        streamable_http_path=MCP_PATH,
        # One JSON answer per call rather than an SSE stream: our tools send no progress or
        # requests back mid-call, and a plain answer costs the client and server less.
        json_response=True,
        host=host,
        max_request_body_size=MAX_BODY_BYTES,
        session_idle_timeout=SESSION_IDLE_SECONDS,
        max_sessions=MAX_SESSIONS,
    )
    app = _ClosingRunner(app, runner)
    return BearerGuard(app, token) if token else app


class _ClosingRunner:
    """Closes the runner's Customer.io clients when the app shuts down, in the app's own event
    loop (where its async clients live), after the SDK has ended its sessions."""

    def __init__(self, app: ASGIApp, runner: ToolRunner) -> None:
        self.app, self.runner = app, runner

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "lifespan":
            await self.app(scope, receive, send)
            return

        async def closing_send(message: Message) -> None:
            if message["type"] == "lifespan.shutdown.complete":
                await self.runner.aclose()
            await send(message)

        await self.app(scope, receive, closing_send)


def serve_http(
    runner: ToolRunner, host: str = "127.0.0.1", port: int = 8000, *, token: str | None = None, out: TextIO | None = None
) -> int:
    """Bind (so ``--port 0`` can say the port it got), say where, serve until Ctrl-C or SIGTERM."""
    import uvicorn

    from .._util.listening import listening_socket

    refuse_open_without_token(host, token)
    out = out or sys.stdout
    try:
        sock = listening_socket(host, port)
    except OSError as exc:
        raise CioConnectorError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    try:
        shown = f"[{host}]" if ":" in host else host
        print(f"cio-connector MCP server (streamable HTTP) on http://{shown}:{sock.getsockname()[1]}{MCP_PATH}", file=out)
        print(f"  token: {'required (Authorization: Bearer ...)' if token else 'none (loopback only)'}", file=out, flush=True)
        config = uvicorn.Config(
            http_app(runner, host=host, token=token), log_level="warning", access_log=False, lifespan="on",
            timeout_graceful_shutdown=2, limit_concurrency=MAX_CONNECTIONS, timeout_keep_alive=5,
        )
        uvicorn.Server(config).run(sockets=[sock])
    finally:
        sock.close()
    return 0


def serve_stdio(runner: ToolRunner) -> int:
    """Serve the process's stdin and stdout until the client closes them (the SDK keeps stray
    output off the wire while serving: it goes to stderr)."""
    import anyio
    from mcp.server.stdio import stdio_server

    server = create_server(runner)

    async def main() -> None:
        try:
            async with stdio_server() as (read_stream, write_stream):
                await server.run(read_stream, write_stream, server.create_initialization_options())
        finally:
            await runner.aclose()

    anyio.run(main)
    return 0

"""``cio-connector serve``: the integration server in the foreground, optionally with a sandbox beside it."""

from __future__ import annotations

import gc
import ipaddress
import os
import sys
from collections.abc import Iterable
from contextlib import ExitStack
from typing import Any, TextIO

from .._util.listening import listening_socket
from .bounded import HEADER_SECONDS, MAX_CONNECTIONS
from .middleware import BODY_SECONDS

__all__ = ["TOKEN_ENV", "serve"]

TOKEN_ENV = "CIO_CONNECTOR_TOKEN"


def _loopback(host: str) -> bool:
    try:
        return host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _url(host: str, port: int) -> str:
    shown = "127.0.0.1" if host in ("0.0.0.0", "") else host
    return f"http://[{shown}]:{port}" if ":" in shown else f"http://{shown}:{port}"


def serve(
    host: str = "127.0.0.1",
    port: int = 8000,
    *,
    token: str | None = None,
    sandbox: bool = False,
    allow_custom_endpoints: bool = False,
    allowed_endpoints: Iterable[str] = (),
    routers: Iterable[Any] = (),
    out: TextIO | None = None,
    header_seconds: float = HEADER_SECONDS,
    body_seconds: float = BODY_SECONDS,
    max_connections: int = MAX_CONNECTIONS,
) -> int:
    """Bind first (so ``--port 0`` can print the real port), say where, then serve until Ctrl-C or SIGTERM.

    Connections get ``header_seconds`` for their headers and ``body_seconds`` for a body, and there
    are at most ``max_connections``;
    a connection's custom endpoints must lie under one of ``allowed_endpoints``.
    """
    import uvicorn

    from .bounded import bounded_protocol
    from .middleware import LOOPBACK_HOSTS
    from .server import create_app

    out = out or sys.stdout
    token = token or os.environ.get(TOKEN_ENV) or None
    with ExitStack() as stack:
        default_connection = None
        if sandbox:
            try:
                from ..sandbox import SandboxServer
                from ..sandbox.server import describe
            except ImportError as exc:
                print(f"error: --sandbox needs the sandbox extra (pip install 'cio-connector[sandbox]'): {exc}", file=sys.stderr)
                return 2

            server = stack.enter_context(SandboxServer(region="us"))
            default_connection = server.connection()
            allowed_endpoints = [*allowed_endpoints, *server.endpoints("us").values()]
        try:
            sock = listening_socket(host, port)
        except OSError as exc:
            print(f"error: cannot listen on {host}:{port}: {exc.strerror or exc}", file=sys.stderr)
            return 1
        stack.callback(sock.close)
        from ..loader import load_connector

        connector = load_connector()
        if sandbox:  # the form page, filled against the in-process sandbox
            from ..forms.page import forms_router

            connection: dict[str, Any] = server.connection()
            routers = [*routers, forms_router(connector, lambda: connection)]
        hosts = {*LOOPBACK_HOSTS} | ({host} if host not in ("0.0.0.0", "::", "") else set())
        app = create_app(
            connector, token=token, routers=routers, allow_custom_endpoints=allow_custom_endpoints,
            default_connection=default_connection, allowed_endpoints=allowed_endpoints, allowed_hosts=hosts,
            body_seconds=body_seconds,
        )
        url = _url(host, sock.getsockname()[1])
        if token is None and not _loopback(host):
            warning = f"warning: {host} is reachable from other machines and no token is set (--token or ${TOKEN_ENV})"
            print(warning, file=sys.stderr)
        print(f"cio-connector integration server listening on {url}", file=out)
        print(f"  GET {url}/manifest   POST {url}/authenticate   docs: {url}/docs", file=out)
        if sandbox:
            print(f"  form page: {url}/forms", file=out)
        needed = f"required (Authorization: Bearer ..., from --token or ${TOKEN_ENV})" if token else "none"
        print(f"  token: {needed}", file=out)
        if sandbox:
            print(describe(server), file=out)
        out.flush()
        config = uvicorn.Config(app, log_level="info", access_log=False, lifespan="on", timeout_graceful_shutdown=2,
                                http=bounded_protocol(header_seconds, max_connections))
        # Everything loaded so far (the connector, its compiled plans and schemas, the app) lives as
        # long as the server: frozen, the collector stops walking it, and a full collection is a pause
        # of well under a millisecond instead of tens (tail latency under load).
        gc.collect()
        gc.freeze()
        uvicorn.Server(config).run(sockets=[sock])
    return 0

"""``cio-connector mcp``: its arguments, and the run that picks the connection and the transport.

Only argparse is imported until the command runs; a missing ``[mcp]`` extra is one line saying
what to install.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from typing import Any

from ..errors import CioConnectorError

__all__ = ["MCP_HINT", "add_mcp_command"]

MCP_HINT = "cio-connector mcp needs the [mcp] extra: pip install 'cio-connector[mcp]'"
_SANDBOX_HINT = "--sandbox needs the [sandbox] extra: pip install 'cio-connector[sandbox]'"
# The distributions the [mcp] extra brings; a missing one means the extra is not installed.
_MCP_MODULES = frozenset({"mcp", "mcp_types", "anyio", "httpx2", "sse_starlette", "starlette", "uvicorn"})
_SANDBOX_MODULES = frozenset({"starlette", "uvicorn", "cryptography"})


def add_mcp_command(sub: Any, port: Any) -> None:
    """Add ``mcp`` to ``cio-connector``'s subparsers (``port`` parses a port number)."""
    text = "run an MCP server: every action as a validated tool, over stdio (default) or streamable HTTP"
    command = sub.add_parser("mcp", help=text, description=text)
    where = command.add_mutually_exclusive_group()
    where.add_argument(
        "--connection", metavar="FILE",
        help="connection YAML or JSON (default: CIO_REGION, CIO_SITE_ID, CIO_TRACK_API_KEY, CIO_APP_API_KEY)",
    )
    where.add_argument("--sandbox", action="store_true", help="start the local sandbox in-process and connect to it")
    command.add_argument("--http", action="store_true", help="serve streamable HTTP instead of stdio")
    command.add_argument("--host", default="127.0.0.1", help="with --http: the address to listen on")
    command.add_argument("--port", type=port, default=8000, help="with --http: 0 picks a free port")
    command.add_argument(
        "--token", help="with --http: the bearer token every request needs (default: $CIO_MCP_TOKEN); "
        "required unless listening on loopback",
    )
    command.add_argument("--allow-custom-endpoints", action="store_true", help="accept endpoints that are not loopback addresses")
    command.set_defaults(run=_run)


def _run(args: argparse.Namespace) -> int:
    # stderr only (over stdio, stdout is the protocol); a served HTTP endpoint logs each tool call.
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    if args.http:
        logging.getLogger("cio_connector.mcp").setLevel(logging.INFO)
    if not args.http and (args.token or args.host != "127.0.0.1" or args.port != 8000):
        raise CioConnectorError("--host, --port and --token go with --http (stdio needs none of them)")
    try:
        from .transports import TOKEN_ENV, refuse_open_without_token, serve_http, serve_stdio
    except ModuleNotFoundError as exc:
        if (exc.name or "").partition(".")[0] in _MCP_MODULES:
            raise CioConnectorError(MCP_HINT) from None
        raise
    token = (args.token or os.environ.get(TOKEN_ENV) or None) if args.http else None
    if args.http:
        refuse_open_without_token(args.host, token)  # before anything starts
    from ..loader import load_connector
    from .calls import ToolRunner
    from .connection_source import connection_from_environment, connection_from_file

    sandbox = None
    if args.sandbox:
        sandbox = _start_sandbox()
        from .connection_source import ServerConnection

        connection = ServerConnection(sandbox.connection(), "the sandbox started by --sandbox")
    elif args.connection:
        connection = connection_from_file(args.connection)
    else:
        connection = connection_from_environment()
    try:
        runner = ToolRunner(load_connector(), connection, allow_custom_endpoints=args.allow_custom_endpoints)
        _warn_if_invalid(runner)
        if args.http:
            return serve_http(runner, args.host, args.port, token=token)
        return serve_stdio(runner)
    finally:
        if sandbox is not None:
            sandbox.stop()


def _start_sandbox() -> Any:
    try:
        from ..sandbox import SandboxServer
        from ..sandbox.server import describe
    except ModuleNotFoundError as exc:
        if (exc.name or "").partition(".")[0] in _SANDBOX_MODULES:
            raise CioConnectorError(_SANDBOX_HINT) from None
        raise
    sandbox = SandboxServer(region="us").start()
    print(describe(sandbox).replace("Press Ctrl-C to stop.", "").rstrip(), file=sys.stderr, flush=True)  # stdout is the wire
    return sandbox


def _warn_if_invalid(runner: Any) -> None:
    """An incomplete connection still serves (tools/list works; each call names what is missing),
    but whoever starts the server hears it first, on stderr."""
    problems = runner.connector.validate_connection(runner.connection.data, allow_custom_endpoints=runner.allow_custom_endpoints)
    if problems:
        origin = runner.connection.origin
        print(f"warning: the connection from {origin} is not usable yet; every tool call will say so:", file=sys.stderr)
        for problem in problems:
            key = str(problem.location[0]) if problem.location else ""
            print(f"  {problem.path}: {problem.message} (set in {runner.connection.where(key)})", file=sys.stderr)
        sys.stderr.flush()

"""The host commands of ``cio-connector``: ``serve``, ``spec``, ``check``, ``options``, ``execute``.

Only argparse is imported here; each command imports what it needs when it runs, so the other
commands stay fast and a host without the ``server`` extra can still use the JSON protocol.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from typing import Any, NoReturn

__all__ = ["add_commands"]


def _stderr_logs() -> None:
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr, format="%(levelname)s %(name)s: %(message)s")


def _check(args: argparse.Namespace) -> int:
    from .protocol import check, emit

    _stderr_logs()
    return emit(check(args.connection, allow_custom_endpoints=args.allow_custom_endpoints))


def _options(args: argparse.Namespace) -> int:
    from .protocol import emit, options

    _stderr_logs()
    return emit(options(args.action, args.field, args.connection, allow_custom_endpoints=args.allow_custom_endpoints))


def _execute(args: argparse.Namespace) -> int:
    from .protocol import emit, execute

    _stderr_logs()
    outcome = execute(
        args.action, args.config, args.connection, record_file=args.record, dry_run=args.dry_run,
        allow_custom_endpoints=args.allow_custom_endpoints,
    )
    return emit(outcome)


def _spec(args: argparse.Namespace) -> int:
    from ..loader import load_connector
    from .spec import spec_document

    print(json.dumps(spec_document(load_connector()), indent=2 if args.pretty else None, ensure_ascii=False))
    return 0


def _serve(args: argparse.Namespace) -> int:
    try:
        import fastapi  # noqa: F401

        from .serve import serve
    except ImportError as exc:
        print(f"error: serve needs the server extra (pip install 'cio-connector[server]'): {exc}", file=sys.stderr)
        return 2
    logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    # httpx writes a line per request sent at INFO, with the URL (a customer's id or email in its path):
    # the Guard's line per request served is the one kept; cio_connector.http at DEBUG tells each attempt.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    return serve(args.host, args.port, token=args.token, sandbox=args.sandbox, allowed_endpoints=args.allow_endpoint,
                 header_seconds=args.header_timeout, body_seconds=args.body_timeout, max_connections=args.max_connections)


def _positive(text: str) -> float:
    import math

    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or value <= 0:
        raise argparse.ArgumentTypeError(f"{text!r} must be a number of seconds above 0")
    return value


def _at_least_one(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"{text!r} must be a whole number, at least 1")
    return int(text)


def _json_usage(parser: argparse.ArgumentParser, command: str) -> None:
    """Usage errors of a protocol command are a JSON document too (exit 2), like every other outcome."""

    def error(message: str) -> NoReturn:
        from .protocol import emit, usage

        parser.print_usage(sys.stderr)
        raise SystemExit(emit(usage(command, message)))

    parser.error = error  # type: ignore[method-assign]


def add_commands(sub: Any, port: Any) -> None:
    """Add the host commands to ``cio-connector``'s subparsers (``port`` parses a port number)."""
    allow = {"action": "store_true", "help": "accept endpoints that are not loopback addresses"}
    check = sub.add_parser("check", help="JSON: check a connection's credentials and region")
    check.add_argument("--connection", required=True, metavar="FILE", help="connection JSON (- for stdin)")
    check.add_argument("--allow-custom-endpoints", **allow)
    check.set_defaults(run=_check)

    options = sub.add_parser("options", help="JSON: the live choices of a field (e.g. manual segments)")
    options.add_argument("action")
    options.add_argument("field")
    options.add_argument("--connection", required=True, metavar="FILE", help="connection JSON (- for stdin)")
    options.add_argument("--allow-custom-endpoints", **allow)
    options.set_defaults(run=_options)

    execute = sub.add_parser("execute", help="JSON: validate and run one action (or describe it with --dry-run)")
    execute.add_argument("action")
    execute.add_argument("--config", required=True, metavar="FILE", help="action config JSON (- for stdin)")
    execute.add_argument("--connection", required=True, metavar="FILE", help="connection JSON (- for stdin)")
    execute.add_argument("--record", metavar="FILE", help="record JSON the config's templates read (- for stdin)")
    execute.add_argument("--dry-run", action="store_true", help="print the exact request (secrets masked); send nothing")
    execute.add_argument("--allow-custom-endpoints", **allow)
    execute.set_defaults(run=_execute)

    for name, parser in (("check", check), ("options", options), ("execute", execute)):
        _json_usage(parser, name)

    spec = sub.add_parser("spec", help="JSON: the connector, connection and action schemas, UI schemas, option sources")
    spec.add_argument("--pretty", action="store_true", help="indent the JSON")
    spec.set_defaults(run=_spec)

    serve = sub.add_parser("serve", help="run the Cargo-style integration server (HTTP)")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=port, default=8000, help="0 picks a free port")
    serve.add_argument("--token", help="shared secret every route but /health requires (default: $CIO_CONNECTOR_TOKEN)")
    serve.add_argument("--sandbox", action="store_true", help="also run the sandbox in-process; the form page connects to it")
    serve.add_argument("--allow-endpoint", action="append", default=[], metavar="URL",
                       help="a base URL callers' connections may name as endpoints (repeat for more; default: none)")
    serve.add_argument("--header-timeout", type=_positive, default=10.0, metavar="SECONDS",
                       help="close a connection that has not sent its headers within this (default 10)")
    serve.add_argument("--body-timeout", type=_positive, default=30.0, metavar="SECONDS",
                       help="answer 408 when a request body has not arrived within this (default 30)")
    serve.add_argument("--max-connections", type=_at_least_one, default=256, metavar="N",
                       help="open connections at most; more are answered 503 (default 256)")
    serve.set_defaults(run=_serve)

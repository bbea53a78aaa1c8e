"""``cio-connector``: thin commands over the runtime (argparse keeps a plugin's dependencies small)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from ._util.datafile import DataFileError
from ._version import __version__
from .errors import CioConnectorError

__all__ = ["SANDBOX_HINT", "main"]


def _actions(args: argparse.Namespace) -> int:
    from .loader import load_connector

    connector = load_connector()
    m = connector.manifest
    print(f"{m.name} connector {m.version} ({m.id}): {len(connector.actions)} actions")
    for action in connector.actions.values():
        fields = ", ".join(
            f"{f.key}{'' if f.required else '?'}" for f in action.manifest.fields
        )
        flags = (("destructive", action.destructive), ("not idempotent", not action.idempotent))
        notes = [note for note, shown in flags if shown]
        print(f"  {action.name:<30} {action.manifest.title}: {fields}" + (f" [{', '.join(notes)}]" if notes else ""))
    return 0


def _schemas(args: argparse.Namespace) -> int:
    """Regenerate schemas/ from the manifests (or, with --check, fail when they drifted)."""
    from ._util.bundle import bundle_root, in_source_checkout
    from .declarative.generate import render_schemas, write_schemas
    from .declarative.meta_schema import meta_schema_texts
    from .loader import load_connector

    if not args.out and not args.check and not in_source_checkout():
        raise CioConnectorError(
            "this cio-connector is an installed package: its bundled schemas/ are read-only; "
            "pass --out DIR to write the schemas there"
        )
    connector = load_connector()
    actions = [a.manifest for a in connector.actions.values()]
    files = {**meta_schema_texts(), **render_schemas(connector.manifest, actions, root=bundle_root())}
    folder = Path(args.out) if args.out else bundle_root() / "schemas"
    if args.check:
        stale = [name for name, text in files.items() if not (folder / name).is_file() or (folder / name).read_text() != text]
        again = "cio-connector schemas" + (f" --out {args.out}" if args.out else "")
        for name in stale:
            print(f"{folder / name} is out of date; run: {again}", file=sys.stderr)
        return 1 if stale else 0
    changed = write_schemas(folder, files)
    print(f"{len(files)} schemas, {len(changed)} changed" + (": " + ", ".join(changed) if changed else ""))
    return 0


# What ``pip install 'cio-connector[sandbox]'`` adds; without them the sandbox cannot start.
_SANDBOX_EXTRA = frozenset({"starlette", "uvicorn", "cryptography"})
SANDBOX_HINT = "the sandbox needs the [sandbox] extra: pip install 'cio-connector[sandbox]'"


@contextmanager
def _sandbox_extra() -> Iterator[None]:
    """A missing sandbox dependency becomes one line saying what to install, not a traceback."""
    try:
        yield
    except ModuleNotFoundError as exc:
        if (exc.name or "").partition(".")[0] in _SANDBOX_EXTRA:
            raise CioConnectorError(SANDBOX_HINT) from None
        raise


def _sandbox(args: argparse.Namespace) -> int:
    with _sandbox_extra():
        from .sandbox import serve

    return serve(host=args.host, port=args.port, region=args.region, tls=args.tls, cert_dir=args.cert_dir)


def _demo(args: argparse.Namespace) -> int:
    with _sandbox_extra():
        from .demo import run_demo

        return run_demo(region=args.region)


def _ci(args: argparse.Namespace) -> int:
    """validate, lint and diff live in cio_connector.ci (CI checks of configs, plugins, schemas)."""
    from .ci import commands

    return int(getattr(commands, f"{args.command}_command")(args))


def _run(args: argparse.Namespace) -> int:
    from .bulk.cli import run_command

    return run_command(args)


def _bulk_arguments(parser: argparse.ArgumentParser) -> None:
    from .bulk.cli import configure_run_parser  # argparse only; the engine is imported by _run

    configure_run_parser(parser)
    parser.set_defaults(run=_run)


def _port(text: str) -> int:
    try:
        port = int(text)
    except ValueError:
        port = -1
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port (0-65535)")
    return port


_DESCRIPTION = (
    "Run Customer.io actions declared in YAML: check configs and connections, send one action or many "
    "records, serve hosts over HTTP or a JSON protocol, and try it all against a local sandbox."
)


_RUN_HELP = "run an action over many records: batched, rate-limited, with a dead letter"


def _parser(only: str | None = None) -> argparse.ArgumentParser:
    """Every command; with ``only="run"``, that one alone (a bulk run's start-up skips defining the rest)."""
    parser = argparse.ArgumentParser(prog="cio-connector", description=_DESCRIPTION,
                                     epilog="Each command's --help says more; docs/ in the repository says the rest.")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)
    if only == "run":
        _bulk_arguments(sub.add_parser("run", help=_RUN_HELP))
        return parser
    sub.add_parser("actions", help="list the actions and their fields").set_defaults(run=_actions)
    schemas = sub.add_parser("schemas", help="regenerate schemas/ from the manifests")
    schemas.add_argument("--check", action="store_true", help="only report drift; exit 1 if any")
    schemas.add_argument(
        "--out", help="write here instead of the checkout's schemas/ (required when installed as a package)"
    )
    schemas.set_defaults(run=_schemas)
    sandbox = sub.add_parser("sandbox", help="run the local Customer.io simulator")
    sandbox.add_argument("--host", default="127.0.0.1")
    sandbox.add_argument("--port", type=_port, default=0, help="0 picks a free port")
    sandbox.add_argument("--region", choices=["us", "eu"], default="us", help="the simulated workspace's region")
    sandbox.add_argument("--tls", action="store_true", help="serve HTTPS with a self-signed certificate")
    sandbox.add_argument("--cert-dir", help="where --tls writes its certificate (default: a temp dir)")
    sandbox.set_defaults(run=_sandbox)
    demo = sub.add_parser("demo", help="run every action against an in-process sandbox")
    demo.add_argument("--region", choices=["us", "eu"], default="us")
    demo.set_defaults(run=_demo)
    from .ci import commands as ci  # argparse definitions only; the checks import lazily

    ci_help = {"validate": "check stored action config files (YAML/JSON) with file:line:column problems",
               "lint": "check a plugin folder: manifests, handlers, generated schemas, labels, secrets, limits",
               "diff": "breaking and compatible changes between two schema versions"}
    for name, text in ci_help.items():
        command = sub.add_parser(name, help=text, description=text)
        getattr(ci, f"add_{name}_arguments")(command)
        command.set_defaults(run=_ci)

    from .host.commands import add_commands  # serve, spec, check, options, execute

    add_commands(sub, _port)

    from .mcp.command import add_mcp_command  # argparse only; the MCP SDK is imported when it runs

    add_mcp_command(sub, _port)

    _bulk_arguments(sub.add_parser("run", help=_RUN_HELP))
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    args = _parser(only=argv[0] if argv[:1] == ["run"] else None).parse_args(argv)
    try:
        return int(args.run(args))
    except (CioConnectorError, DataFileError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:  # a folder that is a file, a port in use, a read-only disk
        where = f"{exc.filename}: " if exc.filename else ""
        print(f"error: {where}{exc.strerror or exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    raise SystemExit(main())

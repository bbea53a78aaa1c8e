"""The ``validate``, ``lint`` and ``diff`` subcommands: arguments in, report out, exit code back."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from .findings import FileResult

# The renderers' names (report.FORMATS, checked by a test); report itself is imported when used.
FORMAT_NAMES = ("github", "human", "json", "junit", "sarif")

__all__ = [
    "add_diff_arguments",
    "add_lint_arguments",
    "add_validate_arguments",
    "diff_command",
    "lint_command",
    "validate_command",
]

USAGE = 2


class _Usage(Exception):
    """A bad argument or unreadable option file: said on stderr, exit 2."""


def add_validate_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "paths", nargs="+", metavar="PATH", help="config files, folders (searched for *.yaml, *.yml, *.json) or globs"
    )
    parser.add_argument("--format", choices=FORMAT_NAMES, default="human", help="output format (default: human)")
    parser.add_argument(
        "--record-schema", metavar="FILE", help="JSON Schema of the records: check the record fields templates use"
    )
    parser.add_argument(
        "--connection",
        metavar="FILE",
        help="connection (JSON or YAML): its problems are listed with the configs'; chosen segments must exist and be manual",
    )


def add_lint_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("root", nargs="?", default=".", help="the plugin folder holding connector.yaml (default: .)")
    parser.add_argument("--format", choices=FORMAT_NAMES, default="human")


def add_diff_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("old", nargs="?", help="old spec document (JSON) or schemas folder")
    parser.add_argument("new", nargs="?", help="new spec document or schemas folder (default with --git: ./schemas)")
    parser.add_argument("--git", metavar="REF", help="compare the schemas folder at this git ref with the working tree")
    parser.add_argument("--schemas-dir", default="schemas", help="the schemas folder inside the repository (with --git)")
    parser.add_argument("--format", choices=["human", "json"], default="human")


def _read_document(path: str, what: str) -> Any:
    import yaml

    try:
        text = Path(path).read_text(encoding="utf-8")
        return json.loads(text) if path.endswith(".json") else yaml.safe_load(text)
    except (OSError, UnicodeDecodeError, ValueError, yaml.YAMLError) as exc:
        raise _Usage(f"{what} {path}: cannot read: {getattr(exc, 'strerror', None) or exc}") from None


def _read_connection(path: str) -> Any:
    """The connection as a located document (its problems get lines), through the safe YAML loader."""
    import yaml

    from .._util.yamlsource import read_yaml

    try:
        return read_yaml(Path(path), path)  # JSON is YAML too
    except (OSError, yaml.YAMLError) as exc:
        mark = getattr(exc, "problem_mark", None)
        at = f":{mark.line + 1}:{mark.column + 1}" if mark is not None else ""
        reason = getattr(exc, "strerror", None) or getattr(exc, "problem", None) or exc
        raise _Usage(f"--connection {path}{at}: cannot read: {reason}") from None


def _usage(message: str) -> int:
    print(f"error: {message}", file=sys.stderr)
    return USAGE


def _notes(files: list[FileResult], record_schema: bool) -> list[str]:
    deferred = sum(len(r.deferred) for r in files)
    if not deferred:
        return []
    values = f"{deferred} templated value{'s' if deferred != 1 else ''}"
    if record_schema:
        return [
            f"{values}: record fields checked against the record schema and, where it gives examples, rendered with them; "
            "other value checks run when a record is rendered"
        ]
    theirs = "their values are" if deferred != 1 else "its value is"
    return [
        f"{values} checked for syntax only; {theirs} checked when a record is rendered "
        "(pass --record-schema FILE to check the record fields they use)"
    ]


def validate_command(args: argparse.Namespace) -> int:
    from ..loader import load_connector
    from .validate import UsageError, Validator

    try:
        record_schema = _read_document(args.record_schema, "--record-schema") if args.record_schema else None
        if record_schema is not None and not isinstance(record_schema, dict):
            raise _Usage(f"--record-schema {args.record_schema}: must be a JSON Schema object")
        connection = _read_connection(args.connection) if args.connection else None
        run = Validator(load_connector(), record_schema=record_schema, connection=connection).run(args.paths)
    except (UsageError, _Usage) as exc:
        return _usage(str(exc))
    from .report import render

    sys.stdout.write(render(args.format, run.files, _notes(run.files, run.record_schema), sys.stdout))
    return run.exit_code


def lint_command(args: argparse.Namespace) -> int:
    from .lint import lint_plugin

    root = Path(args.root)
    if not (root / "connector.yaml").is_file():
        return _usage(f"{root}: no connector.yaml here; pass the plugin folder")
    files = lint_plugin(root)
    from .report import render

    sys.stdout.write(render(args.format, files, [], sys.stdout))
    return 1 if any(not r.ok for r in files) else 0


def diff_command(args: argparse.Namespace) -> int:
    from .diff import SpecError, compare, load_git, load_side, render_diff

    try:
        if args.git:
            old = load_git(args.git, args.schemas_dir)
            new = load_side(args.new or args.old or args.schemas_dir)
        elif args.old and args.new:
            old, new = load_side(args.old), load_side(args.new)
        else:
            return _usage("diff needs OLD and NEW, or --git REF [NEW]")
    except SpecError as exc:
        return _usage(str(exc))
    result = compare(old, new)
    sys.stdout.write(render_diff(result, args.format))
    return result.exit_code

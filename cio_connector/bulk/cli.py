"""``cio-connector run``: an action over a file (or stdin) of records, with progress, summary and dead letter."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

__all__ = ["configure_run_parser", "run_command"]

_SHOWN_FAILURES = 10


def configure_run_parser(parser: argparse.ArgumentParser) -> None:
    """The ``run`` subcommand's arguments (argparse only: the engine is imported when it runs)."""
    parser.add_argument("action", help="the action to run, e.g. upsert_customer")
    parser.add_argument("--config", required=True, help="YAML or JSON file holding the action's config mapping")
    parser.add_argument("--records", required=True, help="JSONL, CSV or JSON-array file, a dead-letter file, or - for stdin")
    parser.add_argument("--connection", required=True, help="YAML or JSON file holding the connection")
    parser.add_argument("--format", choices=["jsonl", "csv", "json"],
                        help="records format (default: from the suffix or the first byte)")
    parser.add_argument("--dry-run", action="store_true",
                        help="write the requests (credentials masked) to stdout instead of sending")
    parser.add_argument("--quiet", action="store_true", help="no progress bar and no summary text")
    parser.add_argument("--summary-json", help="write the final summary here as JSON")
    parser.add_argument("--dead-letter",
                        help="write each failed record here as a JSON line (run takes the file back as --records)")
    parser.add_argument("--rate-store", help="redis://host:port/db to share the rate budget with other workers")
    parser.add_argument("--track-rate", type=float, default=None, help="Track API requests per second (default 1000)")
    parser.add_argument("--app-rate", type=float, default=None, help="App API requests per second (default 10)")
    parser.add_argument("--concurrency", type=int, default=8, help="requests in flight at most (default 8)")
    parser.add_argument("--batch-max-bytes", type=int, default=None, help="cap a /batch body below Customer.io's 500,000 bytes")
    parser.add_argument("--linger", type=float, default=0.2, help="seconds a part-filled batch may wait (default 0.2)")
    parser.add_argument("--allow-custom-endpoints", action="store_true", help="allow non-loopback endpoints in the connection")


def run_command(args: argparse.Namespace) -> int:
    from ..loader import load_connector
    from .deadletter import DeadLetter
    from .engine import BulkOptions, BulkRun
    from .records import RecordFile

    config = _load_mapping(args.config, "--config")
    connection = _load_mapping(args.connection, "--connection")
    connector = load_connector()
    _check_before_sending(connector, args.action, config, connection, args.allow_custom_endpoints)
    given = (("track_rate", args.track_rate), ("app_rate", args.app_rate), ("batch_max_bytes", args.batch_max_bytes))
    rates = {k: v for k, v in given if v is not None}
    options = BulkOptions(concurrency=args.concurrency, linger=args.linger, rate_store=args.rate_store,
                          dry_run=args.dry_run, **rates)
    shown: list[str] = []
    dead = DeadLetter(args.dead_letter) if args.dead_letter else None

    def on_failure(failure: Any) -> None:
        if dead is not None:
            dead.write(failure)
        if len(shown) < _SHOWN_FAILURES:
            shown.append(f"record #{failure.index}: {failure.error}: {failure.message}")

    def on_request(described: dict[str, Any]) -> None:
        sys.stdout.write(json.dumps(described, ensure_ascii=False) + "\n")

    try:
        with RecordFile(args.records, format=args.format) as records:
            bulk = BulkRun(connector, args.action, config, connection, options=options, on_failure=on_failure,
                           on_request=on_request, allow_custom_endpoints=args.allow_custom_endpoints)
            summary = _run(bulk, records, show_progress=not args.quiet and sys.stderr.isatty())
    finally:
        if dead is not None:
            dead.close()
    result = summary.to_dict()
    if args.summary_json:
        Path(args.summary_json).write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    if not args.quiet:
        _print_summary(result, shown, args.dead_letter)
    if summary.interrupted:
        return 130
    if summary.aborted:
        return 2
    return 1 if summary.failed else 0


def _run(bulk: Any, records: Any, *, show_progress: bool) -> Any:
    """Run on a fresh loop; the first Ctrl-C asks the run to stop and settle, a second one stops at once."""
    import asyncio
    import signal

    async def main() -> Any:
        loop = asyncio.get_running_loop()

        def first_interrupt() -> None:
            bulk.interrupt()
            loop.remove_signal_handler(signal.SIGINT)  # a second Ctrl-C raises KeyboardInterrupt

        loop.add_signal_handler(signal.SIGINT, first_interrupt)
        try:
            return await bulk.run(records)
        finally:
            loop.remove_signal_handler(signal.SIGINT)

    if not show_progress:
        return asyncio.run(main())
    from .progress import ProgressBar

    with ProgressBar(records, action=bulk.action) as bar:
        bulk._on_progress = bar.update
        return asyncio.run(main())


def _check_before_sending(connector: Any, action: str, config: Any, connection: Any, allow_custom_endpoints: bool) -> None:
    """The config and the connection checked together: every problem of both, each with its source, or nothing sent."""
    from ..errors import InputError

    problems = connector.problems(action, config, connection, allow_custom_endpoints=allow_custom_endpoints)
    if problems:
        raise InputError(problems, action=action, headline=f"invalid input for {action}, nothing was sent")


def _load_mapping(path: str, option: str) -> dict[str, Any]:
    """A YAML or JSON mapping from a regular file of bounded size, through the project's safe loader."""
    import yaml

    from .._util.yamlsource import UnsafeYamlError, read_yaml
    from ..errors import InputError, Problem

    try:
        data = read_yaml(Path(path), path).data  # JSON is YAML too
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        at = f":{mark.line + 1}:{mark.column + 1}" if mark is not None else ""
        reason = getattr(exc, "problem", None) or str(exc)
        kind = "refused" if isinstance(exc, UnsafeYamlError) else "not YAML or JSON"
        raise InputError([Problem("$", f"{option} {path}{at}: {kind}: {reason}", code="bad_file")]) from None
    if not isinstance(data, dict):
        raise InputError([Problem("$", f"{option} {path}: must hold a mapping, got {type(data).__name__}", code="bad_file")])
    return data


def _print_summary(result: dict[str, Any], shown: list[str], dead_letter: str | None) -> None:
    done = result["planned"] if result["dry_run"] else result["delivered"]
    verb = "planned" if result["dry_run"] else "delivered"
    line = (f"{result['action']}: {result['read']:,} read, {done:,} {verb}, {result['failed']:,} failed "
            f"in {result['seconds']:.1f} s ({result['records_per_second'] or 0:,.0f} records/s; "
            f"{result['requests']:,} requests, {result['retries']:,} retries)")
    print(line, file=sys.stderr)
    if result["interrupted"]:
        print("interrupted: records read so far were settled; later records were not read", file=sys.stderr)
    if result["aborted"]:
        print(f"aborted: {result['aborted']}", file=sys.stderr)
    for text in shown:
        print(f"  {text}", file=sys.stderr)
    if result["failed"] > len(shown) and shown:
        print(f"  ... and {result['failed'] - len(shown):,} more", file=sys.stderr)
    if result["failed"]:
        where = f"in {dead_letter}" if dead_letter else "not kept: add --dead-letter FILE to keep them"
        print(f"failed records: {where}", file=sys.stderr)

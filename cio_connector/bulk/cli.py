"""``cio-connector run``: an action over a file (or stdin) of records, with progress, summary and dead letter."""

from __future__ import annotations

import argparse
import gc
import json
import math
import sys
from typing import IO, Any

__all__ = ["configure_run_parser", "run_command"]

_SHOWN_FAILURES = 10


def _count(text: str) -> int:
    """A whole number of at least 1 (``--concurrency``, ``--batch-max-bytes``)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r} must be at least 1")
    return value


def _rate(text: str) -> float:
    """A finite number above zero: NaN or infinity would silently turn rate limiting off."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not math.isfinite(value) or value <= 0:
        raise argparse.ArgumentTypeError(f"{text!r} must be a finite number above 0")
    return value


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds") from None
    if not math.isfinite(value) or value < 0:
        raise argparse.ArgumentTypeError(f"{text!r} must be a finite number of seconds, 0 or more")
    return value


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
    parser.add_argument("--track-rate", type=_rate, default=None, help="Track API requests per second (default 1000)")
    parser.add_argument("--app-rate", type=_rate, default=None, help="App API requests per second (default 10)")
    parser.add_argument("--concurrency", type=_count, default=8, help="requests in flight at most (default 8)")
    parser.add_argument("--batch-max-bytes", type=_count, default=None,
                        help="cap a /batch body below Customer.io's 500,000 bytes")
    parser.add_argument("--linger", type=_seconds, default=0.2, help="seconds a part-filled batch may wait (default 0.2)")
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
    if args.rate_store:
        from .store import check_rate_store

        check_rate_store(args.rate_store)
    summary_file = _open_for_writing(args.summary_json, "--summary-json") if args.summary_json else None
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
            # Counted from 1, as lines are: the first record is record 1.
            shown.append(f"record {failure.index + 1}: {failure.error}: {failure.message}")

    def on_request(described: dict[str, Any]) -> None:
        sys.stdout.write(json.dumps(described, ensure_ascii=False) + "\n")

    bulk = None
    try:
        with RecordFile(args.records, format=args.format, option="--records") as records:
            bulk = BulkRun(connector, args.action, config, connection, options=options, on_failure=on_failure,
                           on_request=on_request, allow_custom_endpoints=args.allow_custom_endpoints)
            summary = _run(bulk, records, show_progress=not args.quiet and sys.stderr.isatty())
    except KeyboardInterrupt:  # a second Ctrl-C: stop now, but still say what landed
        if bulk is None:
            raise
        summary = bulk.summary
        summary.interrupted = True
    finally:
        if dead is not None:
            dead.close()
        if summary_file is not None and bulk is None:
            _abandon(summary_file)
    result = summary.to_dict()
    if summary_file is not None:
        with summary_file:
            summary_file.seek(0)
            summary_file.truncate()
            summary_file.write(json.dumps(result, indent=2) + "\n")
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

    # What is loaded by now (the connector, its plans, every module) outlives the run: frozen, no
    # collection walks it again while records stream (a tenth of a large run's time went there).
    gc.freeze()
    try:
        if not show_progress:
            return asyncio.run(main())
        from .progress import progress_display

        with progress_display(records, action=bulk.action) as update:
            bulk._on_progress = update
            return asyncio.run(main())
    finally:
        gc.unfreeze()


def _check_before_sending(connector: Any, action: str, config: Any, connection: Any, allow_custom_endpoints: bool) -> None:
    """The config and the connection checked together: every problem of both, each with its source, or nothing sent."""
    from ..errors import InputError

    problems = connector.problems(action, config, connection, allow_custom_endpoints=allow_custom_endpoints)
    if problems:
        raise InputError(problems, action=action, headline=f"invalid input for {action}, nothing was sent")


def _load_mapping(path: str, option: str) -> dict[str, Any]:
    """A JSON or YAML mapping, read as every command reads its files (regular, bounded, the safe loader)."""
    from .._util.datafile import DataFileError, load_data_file

    data = load_data_file(path, option=option)
    if not isinstance(data, dict):
        raise DataFileError(path, f"must hold a mapping, got {type(data).__name__}", option=option)
    return data


def _open_for_writing(path: str, option: str) -> IO[str]:
    """Opened (not yet truncated) before anything is sent: a path we cannot write stops the run first."""
    import os

    from .._util.datafile import DataFileError

    existed = os.path.lexists(path)
    try:
        handle = open(path, "a", encoding="utf-8")  # noqa: SIM115 (closed by run_command)
    except OSError as exc:
        raise DataFileError(path, f"cannot write: {exc.strerror or exc}", option=option) from None
    handle.created = not existed  # type: ignore[attr-defined]
    return handle


def _abandon(handle: IO[str]) -> None:
    """Nothing ran: leave no empty summary behind (an existing file stays as it was)."""
    import os

    handle.close()
    if getattr(handle, "created", False):
        os.unlink(handle.name)


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

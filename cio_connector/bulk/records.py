"""Streaming record readers (JSONL, CSV, a JSON array; a file or stdin): one record in memory at a time."""

from __future__ import annotations

import codecs
import csv
import io
import json
import os
import re
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Any, Literal

from .._util.datafile import open_regular
from ..errors import InputError, Problem

__all__ = ["DEAD_LETTER_KEYS", "MAX_RECORD_BYTES", "Format", "RecordFile", "read_records"]

#: One record (a JSONL line, a CSV row's line, a JSON array element): far over Customer.io's 32 KB entity.
MAX_RECORD_BYTES = 4_000_000

Format = Literal["jsonl", "csv", "json"]
_SUFFIXES: dict[str, Format] = {".jsonl": "jsonl", ".ndjson": "jsonl", ".csv": "csv", ".json": "json"}
#: A dead-letter line has exactly these keys; read back as records, it yields its ``record``.
DEAD_LETTER_KEYS = frozenset({"record", "action", "error", "message", "attempts", "problems"})
_CHUNK = 1 << 16

_orjson_loads: Callable[[bytes], Any] | None
try:
    from orjson import loads as _orjson_loads
except ImportError:  # pragma: no cover - a declared dependency; the stdlib alone reads the same records
    _orjson_loads = None
#: 19 digits in a row may be an integer past 64 bits, which orjson would read as a float: the stdlib reads it.
_LONG_DIGITS = re.compile(rb"[0-9]{19}")


class _Counting(io.RawIOBase):
    """Counts the bytes read from a binary stream, so a progress bar can show how far a file is done."""

    def __init__(self, raw: IO[bytes]) -> None:
        self._raw = raw
        self.consumed = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        read = getattr(self._raw, "read1", self._raw.read)  # what is there now: a pipe must not wait to fill a buffer
        data = read(len(buffer))
        buffer[: len(data)] = data
        self.consumed += len(data)
        return len(data)


class RecordFile:
    """Records from ``source`` (a path, or ``-`` for stdin), in the format its suffix names or its first byte shows.

    ``total_bytes`` (None for a pipe) and ``consumed_bytes`` let a caller show progress and an ETA.
    ``regular`` says reading never waits on a writer (a regular file): the engine then reads it in
    its event loop, without a helper thread.
    """

    def __init__(self, source: str | Path, *, format: Format | None = None, stdin: IO[bytes] | None = None,
                 option: str = "") -> None:
        self.name = str(source)
        self.format = format or _SUFFIXES.get(Path(self.name).suffix.lower())
        if self.name == "-":
            # Our own unbuffered handle on fd 0: a reader thread blocked in it holds none of sys.stdin's
            # locks, so the interpreter can still exit (Ctrl-C) while the pipe is open and quiet.
            raw: IO[bytes] = stdin if stdin is not None else open(sys.stdin.fileno(), "rb", buffering=0, closefd=False)
            self.total_bytes: int | None = None
            self.regular = False
        else:
            raw = open_regular(self.name, option=option)  # a device or FIFO is refused, not read forever
            self.total_bytes = os.fstat(raw.fileno()).st_size
            self.regular = True  # open_regular refuses anything else
        self._raw = raw
        self._counting = _Counting(raw)
        self._stream = io.BufferedReader(self._counting, _CHUNK)

    @property
    def consumed_bytes(self) -> int:
        return self._counting.consumed

    def __iter__(self) -> Iterator[dict[str, Any]]:
        fmt = self.format or self._sniff()
        try:
            if fmt == "csv":
                yield from _csv(self._stream, self.name)
            elif fmt == "json":
                yield from _json_array(self._stream, self.name)
            else:
                yield from _jsonl(self._stream, self.name)
        except OSError as exc:  # the disk or pipe failed mid-way: settle what was read, say why
            raise _bad(self.name, "", f"cannot read: {exc.strerror or exc}") from None

    def _sniff(self) -> Format:
        head = self._stream.peek(_CHUNK)[:_CHUNK].lstrip(b"\xef\xbb\xbf \t\r\n")
        return "json" if head.startswith(b"[") else "jsonl" if head.startswith(b"{") or not head else "csv"

    def close(self) -> None:
        if self.name != "-":
            self._stream.close()
            self._raw.close()

    def __enter__(self) -> RecordFile:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def read_records(source: str | Path, *, format: Format | None = None) -> Iterator[dict[str, Any]]:
    """Every record in ``source``, streamed; a dead-letter file yields the records it holds."""
    with RecordFile(source, format=format) as records:
        yield from records


def _bad(source: str, where: str, message: str) -> InputError:
    return InputError([Problem("$", f"{source}:{where}: {message}" if where else f"{source}: {message}", code="bad_record")])


_TOO_DEEP = "nests too deeply to be a record"


def _lines(stream: IO[bytes], source: str) -> Iterator[tuple[int, bytes]]:
    """Numbered lines, each at most ``MAX_RECORD_BYTES``: a file with no newline is not read whole."""
    number = 0
    while line := stream.readline(MAX_RECORD_BYTES + 1):
        number += 1
        if len(line) > MAX_RECORD_BYTES:
            raise _bad(source, f"{number}", f"a line over {MAX_RECORD_BYTES:,} bytes is not one record")
        yield number, line


def _as_record(value: Any, source: str, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise _bad(source, where, f"each record must be a JSON object, got {type(value).__name__}")
    if DEAD_LETTER_KEYS == value.keys() and isinstance(value["record"], dict):
        return value["record"]  # a dead letter fed back: retry the record it holds
    return value


def _decode(line: bytes) -> Any:
    """``json.loads(line)``: by orjson (about five times faster) when it reads the same value; by the
    stdlib whenever orjson refuses (NaN, 1e400, a lone surrogate, a BOM, nesting past its limit, not
    JSON), so those records read and fail exactly as the stdlib reads and fails them."""
    if _orjson_loads is not None and _LONG_DIGITS.search(line) is None:
        try:
            return _orjson_loads(line)
        except ValueError:
            pass
    return json.loads(line)


def _jsonl(stream: IO[bytes], source: str) -> Iterator[dict[str, Any]]:
    for number, line in _lines(stream, source):
        if not line.strip():
            continue
        try:
            value = _decode(line)
        except RecursionError:
            raise _bad(source, f"{number}", _TOO_DEEP) from None
        except ValueError as exc:  # not JSON, or not UTF-8
            raise _bad(source, f"{number}", f"not JSON: {exc}") from None
        yield _as_record(value, source, str(number))


def _csv(stream: IO[bytes], source: str) -> Iterator[dict[str, Any]]:
    decoder = codecs.getincrementaldecoder("utf-8-sig")()
    number = 0

    def text_lines() -> Iterator[str]:
        nonlocal number
        for number, line in _lines(stream, source):  # noqa: B007 - the reader's position, for messages
            try:
                yield decoder.decode(line)
            except UnicodeDecodeError as exc:
                raise _bad(source, f"{number}", f"not UTF-8 text (byte {exc.start + 1} of the line)") from None

    reader = csv.DictReader(text_lines())
    try:
        for row in reader:
            if None in row:
                columns = len(reader.fieldnames or [])
                raise _bad(source, f"{number}", f"has more values than the header's {columns} columns")
            yield {key: value for key, value in row.items() if value is not None}
    except csv.Error as exc:  # e.g. a field over the csv module's 131,072 characters
        raise _bad(source, f"{number}", f"not CSV: {exc}") from None


def _json_array(stream: IO[bytes], source: str) -> Iterator[dict[str, Any]]:
    """Elements of a top-level JSON array, decoded one at a time from a sliding text buffer."""
    decoder = json.JSONDecoder()
    utf8 = codecs.getincrementaldecoder("utf-8-sig")()
    buffer, pos, eof, index = "", 0, False, 0
    state = "start"  # start -> value/end -> comma/end -> value ...

    def more() -> bool:
        nonlocal buffer, pos, eof
        chunk = stream.read(_CHUNK)
        eof = not chunk
        try:
            buffer = buffer[pos:] + utf8.decode(chunk, final=eof)
        except UnicodeDecodeError:
            raise _bad(source, f"item {index}", "not UTF-8 text") from None
        pos = 0
        return not eof

    while True:
        while pos < len(buffer) and buffer[pos] in " \t\r\n":
            pos += 1
        if pos >= len(buffer):
            if more():
                continue
            if state == "done":
                return
            raise _bad(source, f"item {index}", "the JSON array ends early")
        char = buffer[pos]
        if state == "start":
            if char != "[":
                raise _bad(source, "1", "a JSON records file must hold one array of objects")
            pos, state = pos + 1, "first"
        elif state in ("first", "value"):
            if char == "]" and state == "first":
                pos, state = pos + 1, "done"
                continue
            try:
                value, end = decoder.raw_decode(buffer, pos)
            except RecursionError:
                raise _bad(source, f"item {index}", _TOO_DEEP) from None
            except ValueError as exc:
                if len(buffer) - pos > MAX_RECORD_BYTES:
                    raise _bad(source, f"item {index}", f"an item over {MAX_RECORD_BYTES:,} bytes is not one record") from None
                if more():
                    continue
                raise _bad(source, f"item {index}", f"not JSON: {exc}") from None
            if end == len(buffer) and not eof:
                more()  # a number may go on in the next chunk: decode again with it
                continue
            pos, state = end, "comma"
            yield _as_record(value, source, f"item {index}")
            index += 1
        elif state == "comma":
            if char == ",":
                pos, state = pos + 1, "value"
            elif char == "]":
                pos, state = pos + 1, "done"
            else:
                raise _bad(source, f"item {index}", f"expected ',' or ']' after item {index - 1}, got {char!r}")
        else:
            raise _bad(source, f"item {index}", "data after the end of the array")

"""Files a user names: regular files only, size checked before reading, JSON or YAML through one safe reader.

Every command reads its option files here (``--config``, ``--connection``, ``--record``,
``--record-schema``, spec documents), so a file that is a device, a pipe, too large, not UTF-8,
aliased YAML or nested past the limit is one line naming the option, the path and the problem.
"""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path
from typing import IO, Any

from .limits import MAX_YAML_DEPTH

__all__ = ["MAX_DATA_BYTES", "DataFileError", "load_data_file", "open_regular", "parse_data", "read_regular"]

#: A config, connection, record or schema file is a few KB; a megabyte is not one someone wrote.
MAX_DATA_BYTES = 1_000_000


class DataFileError(ValueError):
    """A named file that cannot be read or parsed; ``str()`` is one line: option, path, place, problem."""

    def __init__(self, path: str, message: str, *, option: str = "", line: int | None = None,
                 column: int | None = None) -> None:
        self.path, self.message, self.option, self.line, self.column = path, message, option, line, column
        where = path + (f":{line}" if line else "") + (f":{column}" if line and column else "")
        super().__init__(f"{option + ' ' if option else ''}{where}: {message}")


def open_regular(path: str | Path, *, option: str = "") -> IO[bytes]:
    """Open ``path`` for reading if it is a regular file (after symlinks): never blocks on a FIFO."""
    shown = str(path)
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except OSError as exc:
        raise DataFileError(shown, f"cannot read: {exc.strerror or exc}", option=option) from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            kind = "a directory" if stat.S_ISDIR(info.st_mode) else "a device, pipe or socket"
            raise DataFileError(shown, f"is not a regular file ({kind})", option=option)
        os.set_blocking(fd, True)
        return os.fdopen(fd, "rb", buffering=0)
    except BaseException:
        os.close(fd)
        raise


def read_regular(path: str | Path, *, option: str = "", limit: int = MAX_DATA_BYTES) -> bytes:
    """The bytes of a regular file of at most ``limit`` bytes (checked before reading, and while reading)."""
    with open_regular(path, option=option) as handle:
        size = os.fstat(handle.fileno()).st_size
        if size > limit:
            raise DataFileError(str(path), f"is {size:,} bytes; at most {limit:,} are read", option=option)
        raw = handle.read(limit + 1) or b""
    if len(raw) > limit:  # grew while we looked
        raise DataFileError(str(path), f"is over {limit:,} bytes", option=option)
    return raw


def _decode(raw: bytes, shown: str, option: str) -> str:
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        before = raw[: exc.start]
        line = before.count(b"\n") + 1
        column = len(before) - (before.rfind(b"\n") + 1) + 1
        raise DataFileError(shown, "is not UTF-8 text", option=option, line=line, column=column) from None


def _json_depth_ok(value: Any) -> bool:
    """True when ``value`` nests at most ``MAX_YAML_DEPTH`` levels (the YAML reader's limit); no recursion."""
    stack = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, (dict, list)):
            if depth >= MAX_YAML_DEPTH:
                return False
            children = item.values() if isinstance(item, dict) else item
            stack.extend((child, depth + 1) for child in children)
    return True


def parse_data(text: str, shown: str, *, option: str = "", json_only: bool = False) -> Any:
    """JSON (RFC 8259, no NaN) or, unless ``json_only``, YAML through the project's safe loader."""
    if json_only or text.lstrip()[:1] in ("{", "[") or shown.lower().endswith(".json"):
        try:
            value = json.loads(text, parse_constant=_no_constant)
        except RecursionError:
            raise DataFileError(shown, f"nests deeper than {MAX_YAML_DEPTH} levels", option=option) from None
        except json.JSONDecodeError as exc:
            if json_only or shown.lower().endswith(".json"):
                raise DataFileError(shown, f"not JSON: {exc.msg}", option=option, line=exc.lineno,
                                    column=exc.colno) from None
        except ValueError as exc:
            raise DataFileError(shown, str(exc), option=option) from None
        else:
            if not _json_depth_ok(value):
                raise DataFileError(shown, f"nests deeper than {MAX_YAML_DEPTH} levels", option=option)
            return value
    import yaml  # JSON files (the common case for a bulk run) never load the YAML reader

    from .yamlsource import UnsafeYamlError, load_yaml

    try:
        return load_yaml(text, shown).data
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None) or str(exc)
        line, column = (mark.line + 1, mark.column + 1) if mark is not None else (None, None)
        kind = "refused" if isinstance(exc, UnsafeYamlError) else "not YAML or JSON"
        raise DataFileError(shown, f"{kind}: {problem}", option=option, line=line, column=column) from None


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def load_data_file(path: str | Path, *, option: str = "", limit: int = MAX_DATA_BYTES) -> Any:
    """A regular JSON or YAML file's data; ``DataFileError`` (one line) for anything else."""
    shown = str(path)
    return parse_data(_decode(read_regular(path, option=option, limit=limit), shown, option), shown, option=option)

"""What a template is, where a config holds them, and which read a record directly: no jinja2 here.

A plan compiles a config whose templates all read a record path (``{{ record.a.b }}``) without
importing jinja2: their syntax is sure, and the values are read straight from the record.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from .._util.jsonpath import PathPart

__all__ = ["MAX_CONFIG_SOURCE", "MAX_TEMPLATE_SOURCE", "is_template", "record_path", "template_locations"]

_MARKERS = ("{{", "{%", "{#")
#: Characters of one template's source, checked before compiling (compiling costs ~8 ms per KB).
MAX_TEMPLATE_SOURCE = 8_000
#: Characters of template source in one config, all values together.
MAX_CONFIG_SOURCE = 16_000
# "{{ record.a.b }}": a record path, read as jinja2 would read it (see ``plan._lookup``).
_RECORD_PATH = re.compile(r"^\{\{\s*record((?:\.[A-Za-z][A-Za-z0-9_]*)+)\s*\}\}$")


def is_template(value: Any) -> bool:
    return isinstance(value, str) and any(marker in value for marker in _MARKERS)


def template_locations(config: Any, at: tuple[PathPart, ...] = ()) -> Iterator[tuple[PathPart, ...]]:
    """Paths of every templated string value in ``config``."""
    if isinstance(config, Mapping):
        for key, value in config.items():
            yield from template_locations(value, (*at, key))
    elif isinstance(config, list):
        for index, value in enumerate(config):
            yield from template_locations(value, (*at, index))
    elif is_template(config):
        yield at


def record_path(text: str) -> tuple[str, ...] | None:
    """``("a", "b")`` for ``{{ record.a.b }}``; None for any other template."""
    match = _RECORD_PATH.match(text)
    return tuple(match.group(1)[1:].split(".")) if match else None

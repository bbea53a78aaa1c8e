"""What our schema extensions mean, without jsonschema: shared by the full checker and the fast path.

``x-maxBytes`` counts UTF-8 bytes of a string and compact-JSON bytes of anything else (how
Customer.io measures); ``x-timestamp`` wants an ISO date-time the calendar knows, within unix
seconds' range; ``x-message`` is the sentence to show when a shape check fails. Patterns are read
ECMA-262's way, as a browser's form validator reads them.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from .._util.jsonbytes import text_or_json_size
from .._util.timestamps import ISO_DATETIME_PATTERN, unix_seconds
from ..facts import UNIX_SECONDS_MAX
from .patterns import ecma_regex

__all__ = [
    "MAX_BYTES",
    "MESSAGE",
    "TIMESTAMP",
    "fits_in_bytes",
    "max_bytes_message",
    "size_bound",
    "timestamp_message",
]

#: Marks a date-time field: ISO strings must be real dates and fit unix seconds like the integers.
TIMESTAMP = "x-timestamp"
#: A byte limit (UTF-8 for strings, compact JSON otherwise).
MAX_BYTES = "x-maxBytes"
#: The human message to show when the subschema carrying it fails.
MESSAGE = "x-message"


def max_bytes_message(limit: int, instance: Any) -> str | None:
    """Why ``instance`` breaks ``x-maxBytes: limit``, or None when it does not."""
    try:
        size = text_or_json_size(instance)
    except UnicodeEncodeError:
        return "holds text UTF-8 cannot encode (a lone surrogate)"
    except (TypeError, ValueError) as exc:  # a value JSON cannot carry (an object, bytes, a cycle)
        return f"must hold only JSON values (text, numbers, true/false, null, lists, objects): {exc}"
    if size > limit:
        return f"is {size:,} bytes; at most {limit:,} bytes allowed"
    return None


def fits_in_bytes(limit: int, instance: Any) -> bool:
    """``max_bytes_message(limit, instance) is None``, without encoding when a bound settles it.

    A string of n characters takes at most 6n + 2 bytes as JSON (``\\u001f`` is six), and at most
    4n as UTF-8; a whole number under 10**18 at most 20. Only when the bound is over the limit is
    the value encoded and measured exactly.
    """
    bound = size_bound(instance, bare=isinstance(instance, str))
    if bound is not None and bound <= limit:
        return True
    return max_bytes_message(limit, instance) is None


_SMALL = 10**18


def size_bound(value: Any, *, bare: bool = False) -> int | None:
    """An upper bound of ``value``'s size (UTF-8 if ``bare`` text, else compact JSON), or None."""
    kind = type(value)
    if kind is str:
        return 4 * len(value) if bare else 6 * len(value) + 2
    if kind is int:
        return 20 if -_SMALL < value < _SMALL else None
    if kind is bool or value is None:
        return 5
    if kind is float:
        return 24
    if kind is dict:
        total = 2
        for key, item in value.items():
            if type(key) is not str:
                return None
            inner = size_bound(item)
            if inner is None:
                return None
            total += 6 * len(key) + 4 + inner
        return total
    if kind is list:
        total = 2
        for item in value:
            inner = size_bound(item)
            if inner is None:
                return None
            total += inner + 1
        return total
    return None


def timestamp_message(instance: Any) -> str | None:
    """Why ``instance`` breaks ``x-timestamp``, or None (integers have their own bounds; other
    shapes fail the field's pattern)."""
    return _timestamp_message(instance) if isinstance(instance, str) else None


@lru_cache(maxsize=4096)
def _timestamp_message(instance: str) -> str | None:
    if not ecma_regex(ISO_DATETIME_PATTERN).search(instance):
        return None
    try:
        seconds = unix_seconds(instance)
    except ValueError:
        return "is not a date-time the calendar has"
    if not 0 <= seconds <= UNIX_SECONDS_MAX:
        return "must be between 1970-01-01T00:00:00Z and the year 5138 (unix seconds 0 to 99999999999)"
    return None

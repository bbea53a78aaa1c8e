"""Timestamps: ISO-8601 or unix seconds in, unix seconds out (what Customer.io stores)."""

from __future__ import annotations

import datetime as dt
from functools import lru_cache

__all__ = ["ISO_DATETIME_PATTERN", "unix_seconds"]

# ISO-8601 as accepted: a date, optionally a time with seconds, fraction and zone. ASCII digits only.
ISO_DATETIME_PATTERN = (
    r"^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])"
    r"([T ]([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9](\.[0-9]{1,9})?)?(Z|z|[+-]([01][0-9]|2[0-3]):?[0-5][0-9])?)?$"
)


@lru_cache(maxsize=4096)  # a workflow's records share few timestamps; parsing one costs microseconds
def unix_seconds(value: float | str) -> int:
    """Unix seconds from validated input (a whole number, or ISO-8601; naive means UTC)."""
    if isinstance(value, (int, float)):
        return int(value)
    text = value.strip()
    if len(text) == 10:
        parsed = dt.datetime.fromisoformat(text + "T00:00:00")
    else:
        parsed = dt.datetime.fromisoformat(text.replace(" ", "T", 1).replace("z", "Z"))
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=dt.UTC)
    return int(parsed.timestamp())

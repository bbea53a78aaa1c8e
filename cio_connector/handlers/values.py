"""Value conversions handlers share: timestamps to unix seconds."""

from __future__ import annotations

import datetime as dt

__all__ = ["unix_seconds"]


def unix_seconds(value: int | str) -> int:
    """Unix seconds from validated input (an integer, or ISO-8601; naive means UTC)."""
    if isinstance(value, int):
        return value
    text = value.strip()
    if len(text) == 10:
        parsed = dt.datetime.fromisoformat(text + "T00:00:00")
    else:
        parsed = dt.datetime.fromisoformat(text.replace(" ", "T", 1).replace("z", "Z"))
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=dt.timezone.utc)
    return int(parsed.timestamp())

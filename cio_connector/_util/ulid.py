"""ULIDs: the dedupe ``id`` Customer.io's Track v2 takes on events and page views.

A ULID is 26 Crockford base32 characters: 48 bits of milliseconds, then 80 random bits. Track's
spec declares the v2 event ``id`` as "a valid ULID"; the first character is 0-7 because 26
characters hold 130 bits and a ULID has 128.
"""

from __future__ import annotations

import os
import re
import time

__all__ = ["ULID_PATTERN", "is_ulid", "new_ulid"]

_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford: no I, L, O, U
#: Case-insensitive, as the ULID spec decodes; generated ULIDs are upper case.
ULID_PATTERN = r"^[0-7][0-9A-HJKMNP-TV-Za-hjkmnp-tv-z]{25}$"
_ULID = re.compile(ULID_PATTERN.replace("$", r"\Z"))


def is_ulid(value: object) -> bool:
    return isinstance(value, str) and _ULID.match(value) is not None


def new_ulid(*, milliseconds: int | None = None, randomness: bytes | None = None) -> str:
    """A fresh ULID; ``milliseconds`` and ``randomness`` (10 bytes) only for reproducible tests."""
    ms = time.time_ns() // 1_000_000 if milliseconds is None else milliseconds
    if not 0 <= ms < 2**48:
        raise ValueError("a ULID's time is 48 bits of unix milliseconds")
    noise = os.urandom(10) if randomness is None else randomness
    if len(noise) != 10:
        raise ValueError("a ULID's randomness is 10 bytes")
    number = (ms << 80) | int.from_bytes(noise, "big")
    chars = []
    for _ in range(26):
        number, digit = divmod(number, 32)
        chars.append(_ALPHABET[digit])
    return "".join(reversed(chars))

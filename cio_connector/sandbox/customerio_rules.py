"""The sandbox's own copy of Customer.io's rules, written from the public sources, not imported.

Deliberately independent of ``cio_connector.facts``: a simulator that shared the connector's code
would agree with every mistake in it. ``tests/integration/test_rules_agree.py`` compares the two
copies, so a correction made to one and not the other fails there.
"""

from __future__ import annotations

import re

__all__ = [
    "APP_REQUESTS_PER_SECOND",
    "ATTRIBUTE_NAME_MAX_BYTES",
    "ATTRIBUTE_VALUE_MAX_BYTES",
    "BATCH_MAX_BYTES",
    "CIO_PREFIX",
    "DEVICE_PLATFORMS",
    "ENTITY_MAX_BYTES",
    "EVENT_DATA_MAX_BYTES",
    "EVENT_NAME_MAX_BYTES",
    "IDENTIFIER_MAX_BYTES",
    "MAX_ATTRIBUTES",
    "SEGMENT_IDS_PER_REQUEST",
    "TRACK_HOSTS",
    "TRACK_REQUESTS_PER_SECOND",
    "looks_like_email",
    "looks_like_ulid",
]

# Track spec info.description "Limits" and docs.customer.io/journeys/invalid-api-requests.
IDENTIFIER_MAX_BYTES = 150
ATTRIBUTE_NAME_MAX_BYTES = 150
ATTRIBUTE_VALUE_MAX_BYTES = 1000
MAX_ATTRIBUTES = 300
EVENT_NAME_MAX_BYTES = 100
EVENT_DATA_MAX_BYTES = 100_000
SEGMENT_IDS_PER_REQUEST = 1000
# "32kb" per v2 entity and "500kb" per batch, read as Customer.io's own Go client reads them.
ENTITY_MAX_BYTES = 32_000
BATCH_MAX_BYTES = 500_000

TRACK_REQUESTS_PER_SECOND = 1000
APP_REQUESTS_PER_SECOND = 10

# A device's messaging platform (Track spec device_object_common).
DEVICE_PLATFORMS = ("ios", "android")

# v1 path identifiers and segment ids with id_type=cio_id carry it; v2 identifiers do not.
CIO_PREFIX = "cio_"

# What GET /api/v1/accounts/region answers per region (Track spec getRegion).
TRACK_HOSTS = {"us": "https://track.customer.io", "eu": "https://track-eu.customer.io"}

# Loose, as Track reads shapes: one "@", something on both sides, a dotted domain, no spaces.
_EMAIL_SHAPE = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s.]+")
# The v2 event id is "a valid ULID": 26 Crockford base32 characters, 128 bits, so the first is 0-7.
_ULID_SHAPE = re.compile(r"[0-7][0-9A-HJKMNP-TV-Z]{25}", re.IGNORECASE)


def looks_like_email(value: str) -> bool:
    return _EMAIL_SHAPE.fullmatch(value) is not None


def looks_like_ulid(value: object) -> bool:
    return isinstance(value, str) and _ULID_SHAPE.fullmatch(value) is not None

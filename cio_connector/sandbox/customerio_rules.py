"""The sandbox's own copy of Customer.io's rules, written from the public sources, not imported.

Deliberately independent of ``cio_connector.facts``: a simulator that shared the connector's code
would agree with every mistake in it. ``tests/integration/test_rules_agree.py`` compares the two
copies, so a correction made to one and not the other fails there.
"""

from __future__ import annotations

import re

__all__ = [
    "APP_REQUESTS_PER_SECOND",
    "ATTACHMENTS_MAX_BYTES",
    "ATTRIBUTE_NAME_MAX_BYTES",
    "ATTRIBUTE_VALUE_MAX_BYTES",
    "BATCH_MAX_BYTES",
    "CIO_PREFIX",
    "DEVICE_PLATFORMS",
    "EMAIL_RECIPIENTS_MAX",
    "ENTITY_MAX_BYTES",
    "EVENT_DATA_MAX_BYTES",
    "EVENT_NAME_MAX_BYTES",
    "IDENTIFIER_MAX_BYTES",
    "MAX_ATTRIBUTES",
    "METRICS_BY_CHANNEL",
    "SEGMENT_IDS_PER_REQUEST",
    "SEND_AT_MAX_DAYS_AHEAD",
    "TRACK_HOSTS",
    "TRACK_REQUESTS_PER_SECOND",
    "TRANSACTIONAL_REQUESTS_PER_SECOND",
    "looks_like_e164",
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
# App API docs: transactional sends are limited apart from the other App calls.
TRANSACTIONAL_REQUESTS_PER_SECOND = 100

# App send spec (POST /v1/send/email|sms|push): "up to 15 total recipients across to, cc, and bcc";
# send_at "can be up to 90 days in the future"; attachments "must be less than 2 MB" in all (read
# as 2,000,000 bytes, the stricter reading).
EMAIL_RECIPIENTS_MAX = 15
SEND_AT_MAX_DAYS_AHEAD = 90
ATTACHMENTS_MAX_BYTES = 2_000_000

# Track spec POST /api/v1/metrics: the metrics each channel's delivery may report.
METRICS_BY_CHANNEL: dict[str, tuple[str, ...]] = {
    "email": ("bounced", "clicked", "converted", "deferred", "delivered", "dropped", "opened", "spammed"),
    "push": ("converted", "delivered", "opened"),
    "sms": ("bounced", "clicked", "delivered", "opened"),
}

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
# E.164: a plus, a country code that does not start with 0, at most 15 digits in all.
_E164_SHAPE = re.compile(r"\+[1-9][0-9]{1,14}")


def looks_like_email(value: str) -> bool:
    return _EMAIL_SHAPE.fullmatch(value) is not None


def looks_like_ulid(value: object) -> bool:
    return isinstance(value, str) and _ULID_SHAPE.fullmatch(value) is not None


def looks_like_e164(value: object) -> bool:
    return isinstance(value, str) and _E164_SHAPE.fullmatch(value) is not None

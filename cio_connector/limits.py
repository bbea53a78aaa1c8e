"""Customer.io's documented limits, named once for the manifests, the client and the sandbox."""

from __future__ import annotations

__all__ = [
    "APP_REQUESTS_PER_SECOND",
    "ATTRIBUTE_NAME_MAX_BYTES",
    "ATTRIBUTE_VALUE_MAX_BYTES",
    "BATCH_MAX_BYTES",
    "ENTITY_DATA_MAX_BYTES",
    "ENTITY_MAX_BYTES",
    "EVENT_DATA_MAX_BYTES",
    "EVENT_NAME_MAX_BYTES",
    "IDENTIFIER_MAX_BYTES",
    "MAX_ATTRIBUTES",
    "SEGMENT_IDS_PER_REQUEST",
    "TRACK_REQUESTS_PER_SECOND",
    "UNIX_SECONDS_MAX",
]

# Sources: shared/reference/customerio-api.md §5 (Track spec info.description and
# docs.customer.io/journeys/invalid-api-requests).
IDENTIFIER_MAX_BYTES = 150
ATTRIBUTE_NAME_MAX_BYTES = 150
ATTRIBUTE_VALUE_MAX_BYTES = 1000
MAX_ATTRIBUTES = 300
EVENT_NAME_MAX_BYTES = 100
EVENT_DATA_MAX_BYTES = 100_000
# Track v2: "32kb or smaller" per entity, "500kb or smaller" per batch. Read as KiB (unverified).
ENTITY_MAX_BYTES = 32 * 1024
BATCH_MAX_BYTES = 500 * 1024
# What free-form data (attributes, event data) may take inside one v2 entity: the 32 KiB entity less
# room for identifiers, name, id, timestamp and keys (about 600 bytes at their limits).
ENTITY_DATA_MAX_BYTES = 32_000
SEGMENT_IDS_PER_REQUEST = 1000

TRACK_REQUESTS_PER_SECOND = 1000
APP_REQUESTS_PER_SECOND = 10

# A unix timestamp above this is almost certainly milliseconds (it is the year 5138 in seconds).
UNIX_SECONDS_MAX = 99_999_999_999

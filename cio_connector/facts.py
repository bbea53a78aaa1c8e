"""Customer.io's rules the connector relies on, in one place: limits, identifiers, regions, APIs.

Every fact here comes from a public source named beside it and in ``docs/customerio-api.md``.
Handlers, schema generation and connection code import it; the manifests are checked against it
by tests. The sandbox keeps its own copy on purpose (``sandbox/customerio_rules.py``): a simulator
that shared this module could never catch a mistake in it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Literal

from ._util.ulid import ULID_PATTERN

__all__ = [
    "API_FAMILIES",
    "APP_REQUESTS_PER_SECOND",
    "ATTRIBUTE_NAME_MAX_BYTES",
    "ATTRIBUTE_VALUE_MAX_BYTES",
    "BATCH_MAX_BYTES",
    "CIO_ID_INPUT_PATTERN",
    "CIO_PREFIX",
    "DEVICE_PLATFORMS",
    "E164_PATTERN",
    "EMAIL_PATTERN",
    "ENTITY_MAX_BYTES",
    "EVENT_DATA_MAX_BYTES",
    "EVENT_NAME_MAX_BYTES",
    "IDENTIFIER_MAX_BYTES",
    "MAX_ATTRIBUTES",
    "OBJECT_TYPE_ID_PATTERN",
    "REGIONS",
    "SEGMENT_IDS_PER_REQUEST",
    "SEND_AT_MAX_DAYS_AHEAD",
    "TRACK_REQUESTS_PER_SECOND",
    "TRANSACTIONAL_REQUESTS_PER_SECOND",
    "ULID_PATTERN",
    "UNIX_SECONDS_MAX",
    "Api",
    "ApiFamily",
    "IdType",
    "RegionHosts",
    "identifier_type_from_shape",
    "is_email_shaped",
    "prefixed_cio_id",
    "raw_cio_id",
]

# -- limits (Track spec info.description; docs.customer.io/journeys/invalid-api-requests) -----------
IDENTIFIER_MAX_BYTES = 150
ATTRIBUTE_NAME_MAX_BYTES = 150
ATTRIBUTE_VALUE_MAX_BYTES = 1000
MAX_ATTRIBUTES = 300
EVENT_NAME_MAX_BYTES = 100
EVENT_DATA_MAX_BYTES = 100_000
# Track v2: "32kb" per entity and "500kb" per batch, unit undefined. Customer.io's own Go analytics
# client caps at 32000 and 500000 bytes (decimal); Airbyte's destination flushes at 500000. The
# decimal reading is the one that can never be refused.
ENTITY_MAX_BYTES = 32_000
BATCH_MAX_BYTES = 500_000
SEGMENT_IDS_PER_REQUEST = 1000

TRACK_REQUESTS_PER_SECOND = 1000
APP_REQUESTS_PER_SECOND = 10
# App API docs: transactional sends (POST /v1/send/...) have their own limit beside the 10/s.
TRANSACTIONAL_REQUESTS_PER_SECOND = 100

# App send spec: send_at "can be up to 90 days in the future" (a past one sends at once).
SEND_AT_MAX_DAYS_AHEAD = 90
#: An SMS recipient (App send spec: "Use E.164 format, like +15551234567").
E164_PATTERN = r"^\+[1-9][0-9]{1,14}$"

# A unix timestamp above this is almost certainly milliseconds (it is the year 5138 in seconds).
UNIX_SECONDS_MAX = 99_999_999_999

# -- identifiers (Track spec components.parameters.track_customer_id, schemas.cio_id) ---------------
IdType = Literal["id", "email", "cio_id"]

#: A CIO ID in a v1 path, or in segment ids with ``id_type=cio_id``, carries this prefix; Track v2's
#: ``identifiers.cio_id`` takes the bare value.
CIO_PREFIX = "cio_"
#: What we accept as a CIO ID from a user: letters and digits, with or without the prefix.
CIO_ID_INPUT_PATTERN = r"^(cio_)?[A-Za-z0-9]+$"
#: Never in an address: spaces, controls (NUL ...), invisible and direction-changing characters
#: (U+200B-U+200F, U+202A-U+202E, U+2066-U+2069, BOM) and the characters that make mail markup or a
#: quoted local part (``<>()[]\\,;:"``). Written so Python, ECMA (forms) and Rust regexes read it alike.
_NOT_IN_EMAIL = r'\s<>()\[\]\\,;:"\x00-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2060-\u2064\u2066-\u2069\ufeff'
#: Loose on purpose, as Customer.io reads shapes: something, one @, a domain with a dot, none of the above.
EMAIL_PATTERN = rf"^[^@{_NOT_IN_EMAIL}]+@[^@{_NOT_IN_EMAIL}]+\.[^@.{_NOT_IN_EMAIL}]+$"
_EMAIL = re.compile(EMAIL_PATTERN.replace("$", r"\Z"))


def is_email_shaped(value: str) -> bool:
    return _EMAIL.match(value) is not None


def raw_cio_id(value: str) -> str:
    """The bare CIO ID (Track v2 identifiers), given it with or without ``cio_``."""
    return value.removeprefix(CIO_PREFIX)


def prefixed_cio_id(value: str) -> str:
    """The ``cio_``-prefixed CIO ID (v1 paths, segment ids), given it with or without the prefix."""
    return CIO_PREFIX + raw_cio_id(value)


def identifier_type_from_shape(value: str) -> IdType:
    """Track's documented rule for a customer identifier: ``cio_…`` is a CIO ID, an email-shaped
    value an email, anything else an External ID (a bare ``cio_`` is not a CIO ID)."""
    if value.startswith(CIO_PREFIX) and len(value) > len(CIO_PREFIX):
        return "cio_id"
    if is_email_shaped(value):
        return "email"
    return "id"


# -- objects and devices (Track spec object_type_id, device_object_common) ----------------------------
#: Object type ids "are string-formatted integers that begin at 1 and increment for each new type".
OBJECT_TYPE_ID_PATTERN = r"^[1-9][0-9]*$"
DEVICE_PLATFORMS = ("ios", "android")


# -- regions (Track spec servers; docs.customer.io/integrations/api/app/) ---------------------------
@dataclass(frozen=True)
class RegionHosts:
    """A data center: its name as Customer.io's settings show it and its two API hosts."""

    label: str
    track: str
    app: str


REGIONS: Mapping[str, RegionHosts] = MappingProxyType(
    {
        "us": RegionHosts("US", "https://track.customer.io", "https://api.customer.io"),
        "eu": RegionHosts("EU", "https://track-eu.customer.io", "https://api-eu.customer.io"),
    }
)

# -- the two API families -----------------------------------------------------------------------------
Api = Literal["track", "app"]


@dataclass(frozen=True)
class ApiFamily:
    """One of Customer.io's APIs: how it authenticates and which connection fields it needs."""

    name: str
    auth: Literal["basic", "bearer"]
    credentials: tuple[str, ...]


API_FAMILIES: Mapping[Api, ApiFamily] = MappingProxyType(
    {
        # Track (v1 /api/v1/..., v2 /api/v2/entity|batch): Basic base64(site_id:track_api_key).
        "track": ApiFamily("Track", "basic", ("site_id", "track_api_key")),
        # App (/v1/...): Bearer app_api_key.
        "app": ApiFamily("App", "bearer", ("app_api_key",)),
    }
)

"""The simulated workspace: its region, its credentials and the segments it starts with."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from .customerio_rules import TRACK_HOSTS
from .objects import DEFAULT_OBJECT_TYPES, ObjectTypeSeed

__all__ = [
    "DEFAULT_SEGMENTS",
    "DEMO_CREDENTIALS",
    "REGIONS",
    "Credentials",
    "Region",
    "SegmentSeed",
    "Workspace",
    "track_host_url",
]

Region = Literal["us", "eu"]
REGIONS: tuple[Region, ...] = ("us", "eu")

def track_host_url(region: str) -> str:
    """The public Track host of a region, as Customer.io reports it."""
    return TRACK_HOSTS[region]


@dataclass(frozen=True)
class Credentials:
    """The three secrets a workspace accepts: Basic ``site_id:track_api_key`` and Bearer ``app_api_key``."""

    site_id: str
    track_api_key: str
    app_api_key: str

    def __repr__(self) -> str:
        # Demo secrets are harmless, but a habit of never printing keys is not.
        return f"Credentials(site_id={self.site_id!r}, track_api_key='***', app_api_key='***')"


DEMO_CREDENTIALS = Credentials(
    site_id="sandbox-site-id",
    track_api_key="sandbox-track-api-key",
    app_api_key="sandbox-app-api-key",
)


@dataclass(frozen=True)
class SegmentSeed:
    """A segment the workspace starts with; ``id`` None means "next free id"."""

    name: str
    type: Literal["manual", "dynamic"] = "manual"
    id: int | None = None
    description: str = ""


DEFAULT_SEGMENTS: tuple[SegmentSeed, ...] = (
    SegmentSeed("VIP customers", "manual", 1, "Hand-picked high-value customers"),
    SegmentSeed("Beta testers", "manual", 2, "People in the beta programme"),
    SegmentSeed("Churn risk", "manual", 3, "Flagged by the retention team"),
    SegmentSeed("Active in the last 30 days", "dynamic", 4, "Data-driven: recent activity"),
    SegmentSeed("High lifetime value", "dynamic", 5, "Data-driven: ltv > 1000"),
)


@dataclass(frozen=True)
class Workspace:
    """One Customer.io workspace: where it lives and how callers prove they may use it."""

    region: Region = "us"
    credentials: Credentials = DEMO_CREDENTIALS
    environment_id: int = 100001
    name: str = "Sandbox workspace"
    # Workspace setting "Allow updates to email using ID" (reference §2.1); off by default.
    allow_email_update_by_id: bool = False
    segments: tuple[SegmentSeed, ...] = field(default=DEFAULT_SEGMENTS)
    object_types: tuple[ObjectTypeSeed, ...] = field(default=DEFAULT_OBJECT_TYPES)

    def __post_init__(self) -> None:
        if self.region not in REGIONS:
            raise ValueError(f"region must be one of {', '.join(REGIONS)}, not {self.region!r}")

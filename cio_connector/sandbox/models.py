"""The records a workspace holds: people, events and segments, each able to render itself as JSON."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any, Literal

from .identity import Identifier

__all__ = ["Event", "EventKind", "Person", "Segment", "normalize_timestamp", "truthy_unsubscribed"]

EventKind = Literal["event", "page", "screen"]


def normalize_timestamp(value: Any, now: int) -> int:
    """Customer.io replaces a timestamp that is not a unix number with "now" instead of rejecting it."""
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        return now
    return int(value)


def truthy_unsubscribed(value: Any) -> bool:
    """The spec: any case of ``true``, ``1`` or ``"1"`` means unsubscribed; anything else is false."""
    if value is True or (isinstance(value, int) and not isinstance(value, bool) and value == 1):
        return True
    return isinstance(value, str) and value.strip().lower() in {"true", "1"}


@dataclass
class Person:
    cio_id: str
    created_at: int
    id: str | None = None
    email: str | None = None
    attributes: dict[str, Any] = field(default_factory=dict)
    relationships: list[dict[str, Any]] = field(default_factory=list)
    devices: list[dict[str, Any]] = field(default_factory=list)
    updated_at: int = 0

    def identifier_value(self, kind: str) -> str | None:
        return {"id": self.id, "email": self.email, "cio_id": self.cio_id}[kind]

    def identifiers(self) -> dict[str, str]:
        found = {"id": self.id, "email": self.email, "cio_id": self.cio_id}
        return {kind: value for kind, value in found.items() if value is not None}

    def to_dict(self, segments: list[int]) -> dict[str, Any]:
        return {
            "cio_id": self.cio_id,
            "id": self.id,
            "email": self.email,
            "identifiers": self.identifiers(),
            "attributes": copy.deepcopy(self.attributes),
            "relationships": copy.deepcopy(self.relationships),
            "devices": copy.deepcopy(self.devices),
            "segments": segments,
            "created_at": self.created_at,
            "updated_at": self.updated_at,
        }


@dataclass
class Event:
    seq: int
    person: str | None  # cio_id of the person it is attached to; None when nobody matched
    identifier: Identifier
    name: str
    type: EventKind
    data: dict[str, Any]
    timestamp: int
    received_at: int
    api: Literal["v1", "v2"]
    id: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "seq": self.seq,
            "person": self.person,
            "identifier": self.identifier.to_dict(),
            "name": self.name,
            "type": self.type,
            "data": copy.deepcopy(self.data),
            "id": self.id,
            "timestamp": self.timestamp,
            "received_at": self.received_at,
            "api": self.api,
        }


@dataclass
class Segment:
    id: int
    name: str
    type: Literal["manual", "dynamic"]
    created_at: int
    description: str = ""
    tags: list[str] | None = None
    members: set[str] = field(default_factory=set)  # cio_ids
    updated_at: int = 0

    def to_api(self) -> dict[str, Any]:
        """The App API segment object (reference §4, segmentResponseObject)."""
        return {
            "id": self.id,
            "deduplicate_id": f"{self.id}:{self.updated_at}",
            "name": self.name,
            "description": self.description,
            "state": "finished",
            "progress": None,
            "type": self.type,
            "tags": list(self.tags) if self.tags is not None else None,
            "created_at": self.created_at,
            "updated_at": self.updated_at,
        }

    def to_dict(self) -> dict[str, Any]:
        return {**self.to_api(), "members": sorted(self.members)}

"""The in-memory workspace: people, events, segments and objects behind one lock; pure logic, no HTTP."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable
from typing import Any, Literal

from .anonymous import AnonymousEvents
from .config import SegmentSeed, Workspace
from .identity import CIO_PREFIX, Identifier, IdType, infer_identifier, looks_like_email
from .models import Event, EventKind, Segment, normalize_timestamp
from .objects import ObjectStore
from .people import PeopleIndex
from .state_extended import ExtendedState
from .suppression import Suppressions
from .transactional import Messaging

__all__ = ["SandboxState", "SegmentExists", "SegmentNotFound", "SegmentNotManual"]

_CIO_ID_BASE = 0xA3000000  # the first person is "a3000001", like the spec's example


class SegmentNotFound(LookupError):
    """No segment has that id."""


class SegmentExists(ValueError):
    """A seed names a segment id that is already taken; replacing it would lose its members."""


class SegmentNotManual(ValueError):
    """The segment is data-driven: its members come from its conditions, not from API calls."""


class SandboxState(ExtendedState):
    """One workspace's data. Every public method takes the lock, so HTTP threads may share it."""

    def __init__(self, workspace: Workspace | None = None, *, clock: Callable[[], float] = time.time):
        self.workspace = workspace or Workspace()
        self._clock = clock
        self._lock = threading.RLock()
        self._reset_locked()

    # -- lifecycle -------------------------------------------------------------------------------

    def _reset_locked(self) -> None:
        self._people = PeopleIndex(self._new_cio_id, self._now, self.workspace)
        self._events: list[Event] = []
        self._event_ids: set[str] = set()
        self._segments: dict[int, Segment] = {}
        self._cio_counter = 0
        self._event_seq = 0
        self._objects = ObjectStore(self.workspace.object_types, self._now)
        self._suppressions = Suppressions()
        self._merges: list[dict[str, Any]] = []
        #: Transactional templates, deliveries and metrics; anonymous events (each its own lock).
        self.messaging = Messaging(self._now)
        self.anonymous = AnonymousEvents(self._now)
        for seed in self.workspace.segments:
            self._add_segment(seed)

    def reset(self, *, segments: Iterable[SegmentSeed] | None = None) -> None:
        """Forget people and events and restore the seed segments (or the ones given)."""
        segments = None if segments is None else list(segments)
        with self._lock:
            if segments is not None:
                _check_new_ids(segments, set())
            self._reset_locked()
            if segments is not None:
                self._segments.clear()
                for seed in segments:
                    self._add_segment(seed)

    def _now(self) -> int:
        return int(self._clock())

    def _new_cio_id(self) -> str:
        self._cio_counter += 1
        return f"{_CIO_ID_BASE + self._cio_counter:x}"

    # -- people ----------------------------------------------------------------------------------

    def identify(self, target: Identifier, attributes: dict[str, Any]) -> str:
        """Upsert a person (reference §2.1); returns created, updated, dropped, skipped, failed or
        suppressed (an identifier that is suppressed is not added back)."""
        with self._lock:
            named = [target, *(Identifier(k, v) for k in ("id", "email") if isinstance(v := attributes.get(k), str) and v)]
            blocked = next((i for i in named if self._suppressions.blocks(i)), None)
            if blocked is not None:
                self._fail(target, f"ignored: the {blocked.type} {blocked.value!r} is suppressed")
                return "suppressed"
            return self._people.identify(target, attributes)

    def delete(self, target: Identifier) -> bool:
        with self._lock:
            person = self._people.find(target)
            if person is None:
                return False
            self._people.remove(person)
            for segment in self._segments.values():
                segment.members.discard(person.cio_id)
            self._events = [event for event in self._events if event.person != person.cio_id]
            return True

    def _fail(self, target: Identifier, reason: str) -> None:
        """A line in the activity log: Customer.io answered 200 but did not apply it."""
        self._people.failures.append({"identifier": target.to_dict(), "reason": reason, "at": self._now()})

    def record_event(
        self,
        target: Identifier,
        name: str,
        *,
        kind: EventKind = "event",
        data: dict[str, Any] | None = None,
        event_id: str | None = None,
        timestamp: Any = None,
        api: Literal["v1", "v2"] = "v1",
    ) -> Event | None:
        """Store an event; a repeated dedupe ``id`` is ignored (returns None).

        An event for an identifier that matches nobody is kept but attached to nobody: the spec
        documents no profile creation for events, only that events must follow an identify.
        """
        with self._lock:
            if self._suppressions.blocks(target):
                self._fail(target, f"ignored: the {target.type} {target.value!r} is suppressed")
                return None
            if event_id is not None:
                if event_id in self._event_ids:
                    return None
                self._event_ids.add(event_id)
            person = self._people.find(target)
            now = self._now()
            self._event_seq += 1
            event = Event(
                seq=self._event_seq,
                person=person.cio_id if person else None,
                identifier=target,
                name=name,
                type=kind,
                data=dict(data or {}),
                timestamp=normalize_timestamp(timestamp, now) if timestamp is not None else now,
                received_at=now,
                api=api,
                id=event_id,
            )
            self._events.append(event)
            return event

    # -- segments --------------------------------------------------------------------------------

    def _add_segment(self, seed: SegmentSeed, tags: list[str] | None = None) -> Segment:
        segment_id = seed.id if seed.id is not None else max(self._segments, default=0) + 1
        now = self._now()
        segment = Segment(segment_id, seed.name, seed.type, now, seed.description, tags, updated_at=now)
        self._segments[segment_id] = segment
        return segment

    def add_segments(self, seeds: Iterable[SegmentSeed]) -> list[dict[str, Any]]:
        """Add all the seeds or, if one names a taken id, none (SegmentExists)."""
        seeds = list(seeds)
        with self._lock:
            _check_new_ids(seeds, set(self._segments))
            return [self._add_segment(seed).to_api() for seed in seeds]

    def create_segment(
        self, name: str, description: str = "", tags: list[str] | None = None
    ) -> dict[str, Any]:
        with self._lock:
            return self._add_segment(SegmentSeed(name, "manual", None, description), tags).to_api()

    def segments(self) -> list[dict[str, Any]]:
        with self._lock:
            return [segment.to_api() for segment in sorted(self._segments.values(), key=lambda s: s.id)]

    def segment(self, segment_id: int) -> dict[str, Any] | None:
        with self._lock:
            found = self._segments.get(segment_id)
            return found.to_dict() if found else None

    def change_segment(self, segment_id: int, id_type: IdType, ids: Iterable[str], *, add: bool) -> int:
        """Add or remove people by ids of one type; values that match nobody are ignored."""
        with self._lock:
            segment = self._segments.get(segment_id)
            if segment is None:
                raise SegmentNotFound(segment_id)
            if segment.type != "manual":
                raise SegmentNotManual(segment_id)
            changed = 0
            for value in ids:
                target = _segment_identifier(id_type, value)
                person = self._people.find(target) if target else None
                if person is None:
                    continue
                before = len(segment.members)
                (segment.members.add if add else segment.members.discard)(person.cio_id)
                changed += len(segment.members) != before
            if changed:
                segment.updated_at = self._now()
            return changed

    # -- reading ---------------------------------------------------------------------------------

    def find(self, target: Identifier | str) -> dict[str, Any] | None:
        """A person as JSON, by Identifier or by a v1 path-style string (``cio_…``, email, id)."""
        if isinstance(target, str):
            target = infer_identifier(target)
        with self._lock:
            person = self._people.find(target)
            return person.to_dict(self._memberships(person.cio_id)) if person else None

    def find_by_email(self, email: str) -> list[dict[str, Any]]:
        with self._lock:
            person = self._people.find(Identifier("email", email))
            return [person.to_dict(self._memberships(person.cio_id))] if person else []

    def _memberships(self, cio_id: str) -> list[int]:
        return sorted(s.id for s in self._segments.values() if cio_id in s.members)

    def people(self) -> list[dict[str, Any]]:
        with self._lock:
            return [p.to_dict(self._memberships(p.cio_id)) for p in self._people.all()]

    def events(self, target: Identifier | str | None = None) -> list[dict[str, Any]]:
        """All events, or those attached to one person."""
        with self._lock:
            if target is None:
                return [event.to_dict() for event in self._events]
            person = self.find(target)
            cio_id = person["cio_id"] if person else None
            return [e.to_dict() for e in self._events if cio_id is not None and e.person == cio_id]

    def failures(self) -> list[dict[str, Any]]:
        """What Customer.io's activity log would show as Attribute Update Failures and drops."""
        with self._lock:
            return list(self._people.failures)

    def snapshot(self) -> dict[str, Any]:
        """The whole workspace as plain JSON data (a copy: mutating it changes nothing)."""
        with self._lock:
            workspace = self.workspace
            return {
                "workspace": {
                    "region": workspace.region,
                    "environment_id": workspace.environment_id,
                    "name": workspace.name,
                    "site_id": workspace.credentials.site_id,
                },
                "people": self.people(),
                "events": self.events(),
                "segments": [s.to_dict() for s in sorted(self._segments.values(), key=lambda s: s.id)],
                "failures": self.failures(),
                "object_types": self.object_types(),
                "objects": self.objects(),
                "suppressed": self.suppressed(),
                "merges": self.merges(),
                "anonymous_events": self.anonymous.all(),
                "transactional_messages": self.messaging.messages(),
                "deliveries": self.messaging.deliveries(),
                "metrics": self.messaging.metrics(),
            }


def _check_new_ids(seeds: list[SegmentSeed], taken: set[int]) -> None:
    """Raise SegmentExists if a seed's id is taken, by an existing segment or an earlier seed."""
    for seed in seeds:
        if seed.id is not None and seed.id in taken:
            raise SegmentExists(f"segment {seed.id} already exists; pick another id or reset first")
        taken.add(seed.id if seed.id is not None else max(taken, default=0) + 1)


def _segment_identifier(id_type: IdType, value: str) -> Identifier | None:
    """Values that do not fit the declared id_type are ignored, as the spec says.

    With ``id_type=cio_id`` a value must carry the ``cio_`` prefix (as Customer.io's Go client sends
    it and its App API's ``id_type=cio_id`` asks); a bare one matches nobody and is ignored, with the
    200 Customer.io answers, so a client sending the wrong form finds out here rather than live.
    """
    if id_type == "email":
        return Identifier("email", value) if looks_like_email(value) else None
    if id_type == "cio_id":
        prefixed = value.startswith(CIO_PREFIX) and len(value) > len(CIO_PREFIX)
        return Identifier("cio_id", value[len(CIO_PREFIX) :]) if prefixed else None
    return Identifier("id", value)

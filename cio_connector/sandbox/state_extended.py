"""The Track v2 operations beyond profiles, events and segments: objects, relationships, devices,
merges and suppression. A part of ``SandboxState``, sharing its lock, people and activity log."""

from __future__ import annotations

import threading
from typing import Any

from .identity import Identifier
from .models import Event, Person, Segment, normalize_timestamp
from .objects import CioObject, ObjectRef, ObjectStore, set_attributes
from .people import PeopleIndex
from .suppression import Suppressions

__all__ = ["ExtendedState", "Related"]

#: A person named in an object's relationships, with the relationship's attributes.
Related = tuple[Identifier, dict[str, Any]]


class ExtendedState:
    """Mixed into ``SandboxState``: every public method takes its lock."""

    _lock: threading.RLock
    _people: PeopleIndex
    _objects: ObjectStore
    _suppressions: Suppressions
    _merges: list[dict[str, Any]]
    _segments: dict[int, Segment]
    _events: list[Event]

    def _now(self) -> int:
        raise NotImplementedError

    def _fail(self, target: Identifier, reason: str) -> None:
        raise NotImplementedError

    def delete(self, target: Identifier) -> bool:
        raise NotImplementedError

    # -- merge and suppression ---------------------------------------------------------------------

    def set_suppressed(self, target: Identifier, suppressed: bool) -> bool:
        """Suppress: delete the person and block their identifiers (both ID and email when they had
        both), whether or not anybody matched. Unsuppress: free them; the profile stays deleted."""
        with self._lock:
            if not suppressed:
                return self._suppressions.remove(target)
            person = self._people.find(target)
            named = [target]
            if person is not None:
                named += [Identifier(k, v) for k in ("id", "email") if (v := person.identifier_value(k)) is not None]
            self._suppressions.add(named, self._now())
            if person is not None:
                self.delete(target)
            return person is not None

    def merge(self, primary: Identifier, secondary: Identifier) -> bool:
        """Merge secondary into primary: missing attributes, events, manual segments, devices and
        relationships move over. Without a primary nothing happens (Track spec merge_customers)."""
        with self._lock:
            keep, gone = self._people.find(primary), self._people.find(secondary)
            outcome = "merged"
            if keep is None:
                outcome = "refused: the primary person does not exist"
                self._fail(primary, f"merge {outcome}")
            elif gone is None:
                outcome = "nothing to merge: the secondary person does not exist"
            elif keep is gone:
                outcome = "nothing to merge: the same person"
            self._merges.append(
                {"primary": primary.to_dict(), "secondary": secondary.to_dict(), "outcome": outcome, "at": self._now()}
            )
            if outcome != "merged":
                return False
            assert keep is not None and gone is not None
            self._merge_people(keep, gone)
            return True

    def _merge_people(self, keep: Person, gone: Person) -> None:
        self._people.remove(gone)
        for name, value in gone.attributes.items():
            if keep.attributes.get(name) in (None, ""):
                keep.attributes[name] = value
        for kind in ("id", "email"):
            value = gone.identifier_value(kind)
            if value is not None and keep.identifier_value(kind) is None:
                self._people.assign(keep, Identifier(kind, value))
        for segment in self._segments.values():
            if gone.cio_id in segment.members:
                segment.members.discard(gone.cio_id)
                if segment.type == "manual":
                    segment.members.add(keep.cio_id)
        for event in self._events:
            if event.person == gone.cio_id:
                event.person = keep.cio_id
        held = [r.get("identifiers") for r in keep.relationships]
        keep.relationships += [r for r in gone.relationships if r.get("identifiers") not in held]
        tokens = {d["token"] for d in keep.devices}
        keep.devices += [d for d in gone.devices if d["token"] not in tokens]
        keep.updated_at = self._now()

    # -- objects, relationships, devices ------------------------------------------------------------

    def object_types(self) -> list[dict[str, Any]]:
        with self._lock:
            return self._objects.types()

    def has_object_type(self, type_id: str) -> bool:
        with self._lock:
            return self._objects.has_type(type_id)

    def identify_object(self, ref: ObjectRef, attributes: dict[str, Any], people: list[Related]) -> bool:
        """Create or update an object (a cio_object_id must name one that exists) and relate people."""
        with self._lock:
            found = self._objects.find(ref)
            if found is None:
                if ref.type_id is None or ref.object_id is None:
                    return False
                found = self._objects.ensure(ref.type_id, ref.object_id)
            set_attributes(found.attributes, attributes)
            found.updated_at = self._now()
            self._relate_people(found, people, add=True)
            return True

    def delete_object(self, ref: ObjectRef) -> bool:
        """Delete an object and every person's relationship to it."""
        with self._lock:
            found = self._objects.find(ref)
            if found is None:
                return False
            self._objects.remove(found)
            for person in self._people.all():
                person.relationships = [r for r in person.relationships if r.get("identifiers") != found.identifiers()]
            return True

    def relate_people(self, ref: ObjectRef, people: list[Related], *, add: bool) -> bool:
        """The object side of relationships; relating to an object that does not exist creates it."""
        with self._lock:
            found = self._objects.find(ref)
            if found is None and add and ref.type_id is not None and ref.object_id is not None:
                found = self._objects.ensure(ref.type_id, ref.object_id)
            if found is None:
                return False
            self._relate_people(found, people, add=add)
            return True

    def relate(self, target: Identifier, objects: list[tuple[ObjectRef, dict[str, Any]]], *, add: bool) -> bool:
        """The person side: add (creating missing objects) or remove relationships to objects."""
        with self._lock:
            person = self._person_for(target, "add_relationships" if add else "delete_relationships")
            if person is None:
                return False
            for ref, attributes in objects:
                found = self._objects.find(ref)
                if found is None and add and ref.type_id is not None and ref.object_id is not None:
                    found = self._objects.ensure(ref.type_id, ref.object_id)
                if found is not None:
                    _relate(person, found, attributes, add=add)
            person.updated_at = self._now()
            return True

    def _relate_people(self, found: CioObject, people: list[Related], *, add: bool) -> None:
        for target, attributes in people:
            person = self._person_for(target, "relationship")
            if person is not None:
                _relate(person, found, attributes, add=add)

    def _person_for(self, target: Identifier, what: str) -> Person | None:
        """The person an operation names; nobody (or a suppressed identifier) goes to the activity log."""
        if self._suppressions.blocks(target):
            self._fail(target, f"{what} ignored: the {target.type} {target.value!r} is suppressed")
            return None
        person = self._people.find(target)
        if person is None:
            self._fail(target, f"{what} ignored: nobody matches this identifier")
        return person

    def add_device(self, target: Identifier, device: dict[str, Any]) -> bool:
        """Add or update a device; a token belongs to one person, so it leaves anyone else who had it."""
        with self._lock:
            person = self._person_for(target, "add_device")
            if person is None:
                return False
            token = device["token"]
            for other in self._people.all():
                other.devices = [d for d in other.devices if d["token"] != token or other is person]
            current = next((d for d in person.devices if d["token"] == token), None)
            stored = {
                "token": token,
                "platform": device["platform"],
                "last_used": normalize_timestamp(device.get("last_used"), self._now()),
                "attributes": {**(current or {}).get("attributes", {})},
            }
            set_attributes(stored["attributes"], device.get("attributes") or {})
            person.devices = [d for d in person.devices if d["token"] != token] + [stored]
            person.updated_at = self._now()
            return True

    def delete_device(self, target: Identifier, token: str) -> bool:
        with self._lock:
            person = self._person_for(target, "delete_device")
            if person is None:
                return False
            before = len(person.devices)
            person.devices = [d for d in person.devices if d["token"] != token]
            return len(person.devices) != before

    def objects(self) -> list[dict[str, Any]]:
        """Every object with its attributes and the cio_ids of the people related to it."""
        with self._lock:
            return [self._object_dict(found) for found in self._objects.all()]

    def object(self, type_id: str, object_id: str) -> dict[str, Any] | None:
        with self._lock:
            found = self._objects.find(ObjectRef(type_id, object_id))
            return self._object_dict(found) if found else None

    def _object_dict(self, found: CioObject) -> dict[str, Any]:
        named = found.identifiers()
        related = [p.cio_id for p in self._people.all() if any(r.get("identifiers") == named for r in p.relationships)]
        return found.to_dict(related)

    def suppressed(self) -> list[dict[str, Any]]:
        """The suppressed identifiers, each group as it was suppressed together."""
        with self._lock:
            return self._suppressions.to_list()

    def merges(self) -> list[dict[str, Any]]:
        """Every merge asked for, in order, with what came of it."""
        with self._lock:
            return [dict(merge) for merge in self._merges]


def _relate(person: Person, found: CioObject, attributes: dict[str, Any], *, add: bool) -> None:
    """Add (or update the attributes of) or remove one person's relationship to one object."""
    identifiers = found.identifiers()
    current = next((r for r in person.relationships if r.get("identifiers") == identifiers), None)
    person.relationships = [r for r in person.relationships if r is not current]
    if not add:
        return
    kept = dict(current.get("relationship_attributes") or {}) if current else {}
    set_attributes(kept, attributes)
    relationship: dict[str, Any] = {"identifiers": identifiers}
    if kept:
        relationship["relationship_attributes"] = kept
    person.relationships.append(relationship)

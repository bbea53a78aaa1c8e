"""People and their identifiers: the upsert rules of PUT /customers/{identifier} (reference §2.1)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .config import Workspace
from .identity import CIO_PREFIX, Identifier
from .models import Person, truthy_unsubscribed

__all__ = ["IDENTIFY_META_KEYS", "PeopleIndex"]

# Body keys that steer the call rather than becoming attributes.
IDENTIFY_META_KEYS = frozenset({"id", "email", "cio_id", "_update", "_timestamp"})
_PREFERENCES = "cio_subscription_preferences"


class PeopleIndex:
    """People indexed by id (exact), email (case-insensitive) and cio_id. Not locked: the caller locks."""

    def __init__(self, new_cio_id: Callable[[], str], now: Callable[[], int], workspace: Workspace):
        self._new_cio_id = new_cio_id
        self._now = now
        self._workspace = workspace
        self._by: dict[str, dict[str, Person]] = {"id": {}, "email": {}, "cio_id": {}}
        self._order: dict[str, Person] = {}
        self.failures: list[dict[str, Any]] = []

    def all(self) -> list[Person]:
        return list(self._order.values())

    def find(self, target: Identifier) -> Person | None:
        return self._by[target.type].get(target.key)

    def remove(self, person: Person) -> None:
        self._order.pop(person.cio_id, None)
        for kind in ("id", "email", "cio_id"):
            value = person.identifier_value(kind)
            if value is not None:
                self._by[kind].pop(Identifier(kind, value).key, None)

    def assign(self, person: Person, ident: Identifier) -> None:
        """Give a person an identifier, replacing the one of that type it had."""
        old = person.identifier_value(ident.type)
        if old is not None:
            self._by[ident.type].pop(Identifier(ident.type, old).key, None)
        setattr(person, ident.type, ident.value)
        self._by[ident.type][ident.key] = person

    def _create(self) -> Person:
        now = self._now()
        person = Person(cio_id=self._new_cio_id(), created_at=now, updated_at=now)
        self._order[person.cio_id] = person
        self._by["cio_id"][person.cio_id] = person
        return person

    def _fail(self, target: Identifier, reason: str) -> None:
        self.failures.append({"identifier": target.to_dict(), "reason": reason, "at": self._now()})

    # -- identify --------------------------------------------------------------------------------

    def identify(self, target: Identifier, attributes: dict[str, Any]) -> str:
        body_cio = attributes.get("cio_id")
        if target.type == "cio_id" or (isinstance(body_cio, str) and body_cio):
            return self._identify_by_cio_id(target, attributes)
        body_ids = _body_identifiers(attributes)
        person = self.find(target)
        if person is None:
            owners = {p.cio_id: p for ident in body_ids if (p := self.find(ident)) is not None}
            if len(owners) > 1:
                self._fail(target, "the identifiers in the body belong to different people")
                return "failed"
            if owners:
                (person,) = owners.values()
                self.assign(person, target)  # "updates the person and assigns them the path identifier"
                outcome = "updated"
            elif attributes.get("_update") is True:
                self._fail(target, "Failed Attribute Change: _update is true and nobody matches")
                return "skipped"
            else:
                person = self._create()
                self.assign(person, target)
                outcome = "created"
        else:
            outcome = "updated"
        for ident in body_ids:
            self._set_body_identifier(person, ident, target, may_change=False)
        self._apply_attributes(person, attributes)
        return outcome

    def _identify_by_cio_id(self, target: Identifier, attributes: dict[str, Any]) -> str:
        if target.type == "cio_id":
            cio_id = target.value
        else:
            raw = str(attributes["cio_id"])
            cio_id = raw[len(CIO_PREFIX) :] if raw.startswith(CIO_PREFIX) else raw
        person = self._by["cio_id"].get(cio_id)
        if person is None:
            self._fail(target, "dropped: the cio_id does not belong to anybody")
            return "dropped"
        wanted = _body_identifiers(attributes)
        if target.type != "cio_id":
            wanted.insert(0, target)
        for ident in wanted:
            self._set_body_identifier(person, ident, target, may_change=True)
        self._apply_attributes(person, attributes)
        return "updated"

    def _set_body_identifier(
        self, person: Person, ident: Identifier, target: Identifier, *, may_change: bool
    ) -> None:
        owner = self.find(ident)
        if owner is person:
            return
        if owner is not None:
            self._fail(
                target,
                f"Attribute Update Failure: the {ident.type} is already associated with a different profile",
            )
            return
        current = person.identifier_value(ident.type)
        email_by_id = (
            ident.type == "email" and target.type == "id" and self._workspace.allow_email_update_by_id
        )
        if current is not None and not (may_change or email_by_id):
            self._fail(
                target,
                f"Attribute Update Failure: to change a person's {ident.type}, reference them by cio_id",
            )
            return
        self.assign(person, ident)

    def _apply_attributes(self, person: Person, attributes: dict[str, Any]) -> None:
        for name, value in attributes.items():
            if name in IDENTIFY_META_KEYS:
                continue
            if name == "unsubscribed":
                person.attributes[name] = truthy_unsubscribed(value)
            elif name == "cio_relationships":
                _apply_relationships(person, value)
            elif name.startswith(_PREFERENCES + "."):
                _set_dotted(person.attributes, name.split("."), value)
            elif value is None or value == "":
                person.attributes.pop(name, None)  # an empty value removes the attribute
            else:
                person.attributes[name] = value
        person.updated_at = self._now()


def _body_identifiers(attributes: dict[str, Any]) -> list[Identifier]:
    found = []
    for kind in ("id", "email"):
        value = attributes.get(kind)
        if isinstance(value, str) and value:
            found.append(Identifier(kind, value))
    return found


def _set_dotted(target: dict[str, Any], path: list[str], value: Any) -> None:
    for key in path[:-1]:
        child = target.get(key)
        if not isinstance(child, dict):
            child = target[key] = {}
        target = child
    target[path[-1]] = value


def _apply_relationships(person: Person, value: Any) -> None:
    """v1 ``cio_relationships``: ``{"action": "add_relationships"|…, "relationships": [...]}``."""
    if not isinstance(value, dict) or not isinstance(value.get("relationships"), list):
        return
    entries = [r for r in value["relationships"] if isinstance(r, dict)]
    keys = [r.get("identifiers") for r in entries]
    person.relationships = [r for r in person.relationships if r.get("identifiers") not in keys]
    if value.get("action", "add_relationships") == "add_relationships":
        person.relationships.extend(entries)

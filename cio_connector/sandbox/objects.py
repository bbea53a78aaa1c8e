"""Objects (companies, accounts) and their types: the non-person records a workspace holds."""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "DEFAULT_OBJECT_TYPES",
    "CioObject",
    "ObjectRef",
    "ObjectStore",
    "ObjectTypeSeed",
    "object_ref",
    "set_attributes",
]

_CIO_OBJECT_ID_BASE = 0xB7FD050100  # "obb7fd050101", like the spec's example


@dataclass(frozen=True)
class ObjectTypeSeed:
    """An object type the workspace has: ids are strings of digits from "1" (Track spec object_type_id)."""

    id: str
    name: str
    singular_name: str

    def to_api(self) -> dict[str, Any]:
        """The App API's object type (``GET /v1/object_types``)."""
        slug = self.name.lower().replace(" ", "-")
        return {"id": self.id, "name": self.name, "singular_name": self.singular_name, "slug": slug, "enabled": True}


DEFAULT_OBJECT_TYPES: tuple[ObjectTypeSeed, ...] = (
    ObjectTypeSeed("1", "Companies", "Company"),
    ObjectTypeSeed("2", "Workspaces", "Workspace"),
)


@dataclass(frozen=True)
class ObjectRef:
    """How an entity names an object: by type and id (create or update) or by ``cio_object_id``."""

    type_id: str | None = None
    object_id: str | None = None
    cio_object_id: str | None = None


def object_ref(value: Any) -> tuple[ObjectRef | None, str, str]:
    """Read object identifiers; returns (the reference, or None with the bad field and why)."""
    if not isinstance(value, dict) or not value:
        return None, "", "must be an object with object_type_id and object_id, or cio_object_id"
    if "cio_object_id" in value:
        cio = value["cio_object_id"]
        if len(value) != 1:
            return None, "", "use object_type_id and object_id, or cio_object_id, not both"
        if not isinstance(cio, str) or not cio.strip():
            return None, ".cio_object_id", "cio_object_id must be a non-empty string"
        return ObjectRef(cio_object_id=cio), "", ""
    type_id, object_id = value.get("object_type_id"), value.get("object_id")
    extra = sorted(set(value) - {"object_type_id", "object_id"})
    if extra:
        return None, f".{extra[0]}", f"unknown object identifier {extra[0]!r}"
    if type_id is None:
        return None, ".object_type_id", "object_type_id is required"
    if not isinstance(type_id, str) or not type_id.isascii() or not type_id.isdigit():
        return None, ".object_type_id", "object_type_id must be a string of digits, such as \"1\""
    if not isinstance(object_id, str) or not object_id.strip():
        return None, ".object_id", "object_id must be a non-empty string"
    return ObjectRef(type_id, object_id), "", ""


def set_attributes(target: dict[str, Any], attributes: dict[str, Any]) -> None:
    """Customer.io's attribute update: a null or empty value removes the attribute."""
    for name, value in attributes.items():
        if value is None or value == "":
            target.pop(name, None)
        else:
            target[name] = copy.deepcopy(value)


@dataclass
class CioObject:
    type_id: str
    object_id: str
    cio_object_id: str
    created_at: int
    updated_at: int
    attributes: dict[str, Any] = field(default_factory=dict)

    def identifiers(self) -> dict[str, str]:
        return {"object_type_id": self.type_id, "object_id": self.object_id}

    def to_dict(self, people: list[str]) -> dict[str, Any]:
        return {
            **self.identifiers(),
            "cio_object_id": self.cio_object_id,
            "attributes": copy.deepcopy(self.attributes),
            "people": people,
            "created_at": self.created_at,
            "updated_at": self.updated_at,
        }


class ObjectStore:
    """Object types and objects, by (type, id) and by cio_object_id. Not locked: the caller locks."""

    def __init__(self, types: Iterable[ObjectTypeSeed], now: Callable[[], int]) -> None:
        self._types = {seed.id: seed for seed in types}
        self._now = now
        self._objects: dict[tuple[str, str], CioObject] = {}
        self._by_cio: dict[str, CioObject] = {}
        self._counter = 0

    def types(self) -> list[dict[str, Any]]:
        return [seed.to_api() for seed in sorted(self._types.values(), key=lambda s: int(s.id))]

    def has_type(self, type_id: str) -> bool:
        return type_id in self._types

    def all(self) -> list[CioObject]:
        return list(self._objects.values())

    def find(self, ref: ObjectRef) -> CioObject | None:
        if ref.cio_object_id is not None:
            return self._by_cio.get(ref.cio_object_id)
        assert ref.type_id is not None and ref.object_id is not None
        return self._objects.get((ref.type_id, ref.object_id))

    def ensure(self, type_id: str, object_id: str) -> CioObject:
        """The object, created without attributes when it does not exist (as relating to it does)."""
        found = self._objects.get((type_id, object_id))
        if found is None:
            self._counter += 1
            now = self._now()
            found = CioObject(type_id, object_id, f"ob{_CIO_OBJECT_ID_BASE + self._counter:x}", now, now)
            self._objects[(type_id, object_id)] = found
            self._by_cio[found.cio_object_id] = found
        return found

    def remove(self, target: CioObject) -> None:
        self._objects.pop((target.type_id, target.object_id), None)
        self._by_cio.pop(target.cio_object_id, None)

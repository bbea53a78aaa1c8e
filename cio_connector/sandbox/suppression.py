"""Suppressed identifiers: what a suppressed person leaves behind, and what it keeps out."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from .identity import Identifier

__all__ = ["Suppressions"]


class Suppressions:
    """Groups of identifiers suppressed together. Not locked: the caller locks.

    Suppressing a person who has both an ID and an email suppresses both, and unsuppressing either
    frees both (Track spec, suppress and unsuppress). A cio_id is never blocked: the profile it
    named is gone, and a new profile gets a new one.
    """

    def __init__(self) -> None:
        self._groups: list[tuple[frozenset[tuple[str, str]], dict[str, Any]]] = []

    def add(self, identifiers: Iterable[Identifier], at: int) -> None:
        keys = frozenset((i.type, i.key) for i in identifiers if i.type != "cio_id")
        if not keys or any(keys <= group for group, _ in self._groups):
            return
        shown = {i.type: i.value for i in identifiers if i.type != "cio_id"}
        self._groups.append((keys, {"identifiers": shown, "suppressed_at": at}))

    def remove(self, target: Identifier) -> bool:
        key = (target.type, target.key)
        kept = [(group, shown) for group, shown in self._groups if key not in group]
        removed = len(kept) != len(self._groups)
        self._groups = kept
        return removed

    def blocks(self, target: Identifier) -> bool:
        key = (target.type, target.key)
        return any(key in group for group, _ in self._groups)

    def to_list(self) -> list[dict[str, Any]]:
        return [{"identifiers": dict(shown["identifiers"]), "suppressed_at": shown["suppressed_at"]} for _, shown in self._groups]

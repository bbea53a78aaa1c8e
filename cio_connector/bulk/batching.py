"""Packing the handlers' requests into as few calls as Customer.io allows: v2 batches and segment id lists.

Track v2 ``/api/v2/entity`` bodies are exactly ``/api/v2/batch`` items, so they are packed by their
serialized bytes (each item and each batch under Customer.io's caps). Segment membership calls for
the same segment, operation and id type merge their ``ids`` (at most 1,000 per call). Anything else
goes alone. Every item is serialized once, here: the bytes measured are the bytes sent.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from .._util.jsonbytes import compact_json
from .._util.ulid import new_ulid
from ..facts import BATCH_MAX_BYTES, ENTITY_MAX_BYTES, SEGMENT_IDS_PER_REQUEST
from ..pipeline.request import ApiRequest

__all__ = ["Batch", "PackedRequest", "Packer", "Ticket", "TooLarge"]

ENTITY_PATH = "/api/v2/entity"
BATCH_PATH = "/api/v2/batch"
_SEGMENT_PATH = re.compile(r"/api/v1/segments/\d+/(add|remove)_customers")
_BATCH_OPEN, _BATCH_CLOSE = b'{"batch":[', b"]}"
_IDS_OPEN, _IDS_CLOSE = b'{"ids":[', b"]}"
_DEDUPED_ACTIONS = ("event", "page", "screen")
_V2, _V2_ONCE = ("v2",), ("v2", "once")  # open batches' keys: items safe to send twice, and the rest

Kind = Literal["v2", "segment", "single"]


@dataclass(frozen=True)
class PackedRequest(ApiRequest):
    """A batch as the client sends it: its body is the parts joined, already encoded (``json`` is None)."""

    packed: bytes = b""

    @property
    def body(self) -> bytes:
        return self.packed


class Ticket:
    """One record on its way: where it was in the input, the record itself, and how to blame its fields.

    Made once per record and never changed: a plain slotted class, a third of a frozen dataclass's cost.
    """

    __slots__ = ("field_map", "index", "record")

    def __init__(self, index: int, record: Any, field_map: tuple[tuple[str, str], ...] = ()) -> None:
        self.index, self.record, self.field_map = index, record, field_map

    def __repr__(self) -> str:
        return f"Ticket(index={self.index!r}, record={self.record!r})"

    def config_path_for(self, customerio_field: str | None) -> str | None:
        return ApiRequest("track", "POST", "/", field_map=self.field_map).config_path_for(customerio_field)


@dataclass
class Batch:
    """One HTTP call carrying one or more records; ``parts[i]`` is ticket i's serialized share of the body."""

    api: Literal["track", "app"]
    method: str
    path: str
    query: tuple[tuple[str, str], ...]
    kind: Kind
    opened: float
    parts: list[bytes] = field(default_factory=list)
    tickets: list[Ticket] = field(default_factory=list)
    size: int = 0
    #: Safe to send twice: every item is (events carry the dedupe id packing gave them).
    idempotent: bool = True

    def body(self) -> bytes:
        if self.kind == "v2":
            return _BATCH_OPEN + b",".join(self.parts) + _BATCH_CLOSE
        if self.kind == "segment":
            return _IDS_OPEN + b",".join(self.parts) + _IDS_CLOSE
        return self.parts[0]

    def request(self) -> PackedRequest:
        """The call for the client to send: ``body()``, idempotent only if every item is, errors[] blamed
        through the first item's field map (one action, one map)."""
        field_map = self.tickets[0].field_map if self.tickets else ()
        return PackedRequest(self.api, self.method, self.path, self.query, field_map=field_map, idempotent=self.idempotent,
                             packed=self.body())

    def __len__(self) -> int:
        return len(self.tickets)


@dataclass(frozen=True)
class TooLarge:
    """An item that cannot go in any batch: its bytes and the cap."""

    size: int
    limit: int


class Packer:
    """Open batches by destination; ``add`` returns the batches that filled up, ``due`` the ones that waited long enough."""

    def __init__(
        self,
        *,
        item_max_bytes: int = ENTITY_MAX_BYTES,
        batch_max_bytes: int = BATCH_MAX_BYTES,
        ids_per_call: int = SEGMENT_IDS_PER_REQUEST,
        linger: float = 0.2,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.item_max_bytes = item_max_bytes
        self.batch_max_bytes = batch_max_bytes
        self.ids_per_call = ids_per_call
        self.linger = linger
        self._clock = clock
        self._open: dict[tuple[Any, ...], Batch] = {}
        self._room = batch_max_bytes - len(_BATCH_OPEN) - len(_BATCH_CLOSE)  # for the items and their commas

    def add(self, index: int, record: Any, request: ApiRequest) -> list[Batch] | TooLarge:
        ticket = Ticket(index, record, request.field_map)
        if request.path == ENTITY_PATH and request.api == "track" and request.method == "POST" and isinstance(request.json, dict):
            return self._add_entity(ticket, request)
        if request.api == "track" and _SEGMENT_PATH.fullmatch(request.path) and _single_ids(request.json):
            return self._add_ids(ticket, request)
        body = request.body or b""
        single = Batch(request.api, request.method, request.path, request.query, "single", self._clock(),
                       [body], [ticket], len(body), request.idempotent)
        return [single]

    def due(self) -> list[Batch]:
        """Batches open for ``linger`` seconds or more, so a slow input still gets delivered promptly."""
        deadline = self._clock() - self.linger
        keys = [key for key, batch in self._open.items() if batch.opened <= deadline]
        return [self._open.pop(key) for key in keys]

    def drain(self) -> list[Batch]:
        batches = list(self._open.values())
        self._open.clear()
        return batches

    @property
    def pending(self) -> int:
        return sum(len(batch) for batch in self._open.values())

    def _add_entity(self, ticket: Ticket, request: ApiRequest) -> list[Batch] | TooLarge:
        entity = request.json
        idempotent = request.idempotent
        if entity.get("action") in _DEDUPED_ACTIONS and not entity.get("id"):
            # a retried batch is then deduplicated by Customer.io
            item = compact_json({**entity, "id": new_ulid()}, allow_nan=False)
            idempotent = True
        else:
            item = request.body or b""  # encoded once, when the request's size was checked
        size = len(item)
        if size > self.item_max_bytes:
            return TooLarge(size, self.item_max_bytes)
        # A merge goes in batches of its own kind: one in a batch of upserts would stop them all being retried.
        key = _V2 if idempotent else _V2_ONCE
        full: list[Batch] = []
        batch = self._open.get(key)
        if batch is not None and batch.size + 1 + size > self._room:
            full.append(self._open.pop(key))
            batch = None
        if batch is None:
            batch = self._open[key] = Batch("track", "POST", BATCH_PATH, (), "v2", self._clock(), size=-1,
                                            idempotent=idempotent)
        batch.parts.append(item)
        batch.tickets.append(ticket)
        if not idempotent:
            batch.idempotent = False
        batch.size += 1 + size  # the comma before it (the first item's is counted by size=-1)
        return full

    def _add_ids(self, ticket: Ticket, request: ApiRequest) -> list[Batch]:
        key = ("segment", request.path, request.query)
        batch = self._open.get(key)
        if batch is None:
            batch = self._open[key] = Batch("track", "POST", request.path, request.query, "segment", self._clock())
        part = compact_json(request.json["ids"][0], allow_nan=False)
        batch.parts.append(part)
        batch.tickets.append(ticket)
        batch.idempotent = batch.idempotent and request.idempotent
        batch.size += len(part) + 1
        if len(batch) >= self.ids_per_call:
            return [self._open.pop(key)]
        return []


def _single_ids(body: Any) -> bool:
    return isinstance(body, dict) and set(body) == {"ids"} and isinstance(body["ids"], list) and len(body["ids"]) == 1

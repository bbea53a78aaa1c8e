"""Dynamic field options (live dropdowns), fetched from the connected workspace, cached briefly."""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..declarative.models import DynamicOptions
from ..pipeline.request import ApiRequest

if TYPE_CHECKING:
    import asyncio

    from .http import AsyncCioClient, CioClient

__all__ = ["OptionsCache", "SOURCES", "Source", "fetch_options", "fetch_options_async", "to_options"]

Option = dict[str, Any]


@dataclass(frozen=True)
class Source:
    """Where an ``options.source`` comes from: one App API call and where its items are."""

    request: ApiRequest
    items: Callable[[Any], list[Mapping[str, Any]]]


def _listed(key: str) -> Callable[[Any], list[Mapping[str, Any]]]:
    def items(body: Any) -> list[Mapping[str, Any]]:
        found = body.get(key) if isinstance(body, Mapping) else None
        return [item for item in found or [] if isinstance(item, Mapping) and "id" in item]

    return items


#: Each source's items carry ``id`` (the option's value) and ``name`` (its label).
SOURCES: dict[str, Source] = {
    "segments": Source(ApiRequest("app", "GET", "/v1/segments"), _listed("segments")),
    # Object type ids are strings of digits ("1"), as object identifiers carry them.
    "object_types": Source(ApiRequest("app", "GET", "/v1/object_types"), _listed("types")),
    "transactional_messages": Source(ApiRequest("app", "GET", "/v1/transactional"), _listed("messages")),
}


def _source(spec: DynamicOptions) -> Source:
    try:
        return SOURCES[spec.source]
    except KeyError:
        raise KeyError(f"unknown options source {spec.source!r}; known: {', '.join(SOURCES)}") from None


def to_options(spec: DynamicOptions, body: Any) -> list[Option]:
    """``[{value, label}]`` of the items matching ``spec.filter``, sorted by label."""
    items = [i for i in _source(spec).items(body) if all(i.get(k) == v for k, v in spec.filter.items())]
    options = [{"value": item["id"], "label": str(item.get("name") or item["id"])} for item in items]
    return sorted(options, key=lambda option: (option["label"].casefold(), str(option["value"])))


def fetch_options(spec: DynamicOptions, client: CioClient) -> list[Option]:
    return to_options(spec, client.send(_source(spec).request).json)


async def fetch_options_async(spec: DynamicOptions, client: AsyncCioClient) -> list[Option]:
    return to_options(spec, (await client.send(_source(spec).request)).json)


class OptionsCache:
    """Per connection and source, for ``ttl`` seconds, at most ``size`` entries (least recent go).

    Concurrent callers for one key wait for a single load (the App API allows 10 calls a
    second), sync ones through ``get`` and asyncio ones through ``aget``; the clock starts when a
    load finishes, so a slow load is not stale on arrival.
    """

    def __init__(self, ttl: float = 60.0, size: int = 256, clock: Callable[[], float] = time.monotonic) -> None:
        self.ttl = ttl
        self.size = size
        self._clock = clock
        self._entries: OrderedDict[tuple, tuple[float, list[Option]]] = OrderedDict()
        self._lock = threading.Lock()
        self._loading: dict[tuple, threading.Lock] = {}
        self._flights: dict[tuple, asyncio.Task[list[Option]]] = {}

    def peek(self, key: tuple) -> list[Option] | None:
        with self._lock:
            hit = self._entries.get(key)
            if hit is None or self._clock() - hit[0] >= self.ttl:
                self._entries.pop(key, None)
                return None
            self._entries.move_to_end(key)
            return [dict(option) for option in hit[1]]

    def put(self, key: tuple, value: list[Option]) -> None:
        with self._lock:
            self._entries[key] = (self._clock(), value)
            self._entries.move_to_end(key)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)

    def get(self, key: tuple, load: Callable[[], list[Option]]) -> list[Option]:
        cached = self.peek(key)
        if cached is not None:
            return cached
        with self._lock:
            gate = self._loading.setdefault(key, threading.Lock())
        with gate:
            cached = self.peek(key)
            if cached is None:
                value = load()
                self.put(key, value)
                cached = [dict(option) for option in value]
        with self._lock:
            self._loading.pop(key, None)
        return cached

    async def aget(self, key: tuple, load: Callable[[], Awaitable[list[Option]]]) -> list[Option]:
        """``get`` for asyncio: one in-flight load per key and event loop, shared by every caller.

        The load runs as its own task, so a caller that is cancelled does not cancel it for the
        others; a failed load fails every caller waiting on it and is not cached.
        """
        cached = self.peek(key)
        if cached is not None:
            return cached
        import asyncio

        flight_key = (id(asyncio.get_running_loop()), key)
        with self._lock:
            flight = self._flights.get(flight_key)
            if flight is None:
                flight = asyncio.ensure_future(self._load(flight_key, key, load))
                flight.add_done_callback(_retrieve)
                self._flights[flight_key] = flight
        value = await asyncio.shield(flight)
        return [dict(option) for option in value]

    async def _load(self, flight_key: tuple, key: tuple, load: Callable[[], Awaitable[list[Option]]]) -> list[Option]:
        try:
            value = await load()
            self.put(key, value)
            return value
        finally:
            with self._lock:
                self._flights.pop(flight_key, None)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


def _retrieve(task: asyncio.Task) -> None:
    """Mark a failed load's error as seen when every caller has gone (no "never retrieved" noise)."""
    if not task.cancelled():
        task.exception()

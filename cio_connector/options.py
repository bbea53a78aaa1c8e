"""Dynamic field options (live dropdowns), fetched from the connected workspace, cached briefly."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import Any

from .http import CioClient
from .manifest import DynamicOptions
from .request import ApiRequest

__all__ = ["OptionsCache", "SOURCES", "fetch_options"]

Option = dict[str, Any]


def _segments(client: CioClient) -> list[Mapping[str, Any]]:
    body = client.send(ApiRequest("app", "GET", "/v1/segments")).json
    return [s for s in (body or {}).get("segments") or [] if isinstance(s, Mapping)]


#: Where each ``options.source`` comes from. Each returns raw items with ``id`` and ``name``.
SOURCES: dict[str, Callable[[CioClient], list[Mapping[str, Any]]]] = {"segments": _segments}


def fetch_options(spec: DynamicOptions, client: CioClient) -> list[Option]:
    """``[{value, label}]`` of the items matching ``spec.filter``, sorted by label."""
    try:
        source = SOURCES[spec.source]
    except KeyError:
        raise KeyError(f"unknown options source {spec.source!r}; known: {', '.join(SOURCES)}") from None
    items = [i for i in source(client) if all(i.get(k) == v for k, v in spec.filter.items())]
    options = [{"value": item["id"], "label": str(item.get("name") or item["id"])} for item in items]
    return sorted(options, key=lambda option: (option["label"].casefold(), str(option["value"])))


class OptionsCache:
    """Per connection and source, for ``ttl`` seconds: a form opening twice does not fetch twice."""

    def __init__(self, ttl: float = 60.0, clock: Callable[[], float] = time.monotonic) -> None:
        self.ttl = ttl
        self._clock = clock
        self._entries: dict[tuple, tuple[float, list[Option]]] = {}

    def get(self, key: tuple, load: Callable[[], list[Option]]) -> list[Option]:
        now = self._clock()
        hit = self._entries.get(key)
        if hit and now - hit[0] < self.ttl:
            return [dict(option) for option in hit[1]]
        value = load()
        self._entries[key] = (now, value)
        return [dict(option) for option in value]

    def clear(self) -> None:
        self._entries.clear()

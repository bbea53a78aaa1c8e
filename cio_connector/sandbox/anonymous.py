"""Anonymous events (Track v1 ``POST /api/v1/events``): what the route checks and what it keeps."""

from __future__ import annotations

import copy
import threading
from collections.abc import Callable
from typing import Any

from .customerio_rules import looks_like_ulid
from .models import normalize_timestamp
from .validation import event_data_problems, event_name

__all__ = ["AnonymousEvents", "anonymous_event_problems"]

_KINDS = ("event", "page", "screen")


class AnonymousEvents:
    """Anonymous events in arrival order; a repeated dedupe ``id`` is ignored, as for people's."""

    def __init__(self, now: Callable[[], int]) -> None:
        self._now = now
        self._lock = threading.Lock()
        self._events: list[dict[str, Any]] = []
        self._ids: set[str] = set()

    def record(self, body: dict[str, Any], name: str) -> dict[str, Any] | None:
        with self._lock:
            event_id = body.get("id")
            if event_id is not None:
                if event_id in self._ids:
                    return None
                self._ids.add(event_id)
            now = self._now()
            event = {
                "anonymous_id": body.get("anonymous_id"),
                "name": name,
                "type": body.get("type") if body.get("type") in _KINDS else "event",
                "data": copy.deepcopy(body.get("data") or {}),
                "id": event_id,
                "timestamp": normalize_timestamp(body["timestamp"], now) if "timestamp" in body else now,
                "received_at": now,
            }
            self._events.append(event)
            return copy.deepcopy(event)

    def all(self) -> list[dict[str, Any]]:
        with self._lock:
            return copy.deepcopy(self._events)


def anonymous_event_problems(body: dict[str, Any]) -> tuple[str, list[str]]:
    """The trimmed name and every problem the spec's ``anonymousEventsRequest`` makes with the body."""
    name, problem = event_name(body.get("name"))
    problems = [problem] if problem else []
    anonymous_id = body.get("anonymous_id")
    if anonymous_id is not None and (not isinstance(anonymous_id, str) or not anonymous_id.strip()):
        problems.append("anonymous_id must be a non-empty string")
    kind = body.get("type")
    if kind is not None and kind not in _KINDS:
        problems.append(f"type must be one of {', '.join(_KINDS)}")
    if body.get("id") is not None and not looks_like_ulid(body["id"]):
        problems.append("id must be a valid ULID")
    problems += event_data_problems(body.get("data"))
    return name, problems

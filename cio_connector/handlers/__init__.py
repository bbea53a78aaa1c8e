"""The shipped action handlers, one module per family, listed here (adding an action adds a line)."""

from __future__ import annotations

from ..pipeline.registry import HandlerRegistry
from . import events, people, segments

__all__ = ["SHIPPED", "events", "people", "segments", "shipped_handlers"]

SHIPPED = (
    people.upsert_customer,
    people.delete_customer,
    segments.add_customer_to_segment,
    segments.remove_customer_from_segment,
    events.track_event,
    events.track_page,
)


def shipped_handlers() -> HandlerRegistry:
    """A registry of the shipped handlers (a fresh one: a host may add its own)."""
    return HandlerRegistry(SHIPPED)

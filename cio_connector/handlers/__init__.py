"""The shipped action handlers, one module per family, listed here (adding an action adds a line)."""

from __future__ import annotations

from ..pipeline.registry import HandlerRegistry
from . import anonymous, devices, events, metrics, objects, people, segments, transactional

__all__ = [
    "SHIPPED", "anonymous", "devices", "events", "metrics", "objects", "people", "segments", "shipped_handlers",
    "transactional",
]

SHIPPED = (
    people.upsert_customer,
    people.delete_customer,
    segments.add_customer_to_segment,
    segments.remove_customer_from_segment,
    events.track_event,
    events.track_page,
    objects.identify_object,
    objects.delete_object,
    objects.add_relationship,
    objects.remove_relationship,
    devices.add_device,
    devices.delete_device,
    people.merge_customers,
    people.suppress_customer,
    people.unsuppress_customer,
    events.track_screen,
    anonymous.track_anonymous_event,
    metrics.report_delivery_metric,
    transactional.send_transactional_email,
    transactional.send_transactional_sms,
    transactional.send_transactional_push,
)


def shipped_handlers() -> HandlerRegistry:
    """A registry of the shipped handlers (a fresh one: a host may add its own)."""
    return HandlerRegistry(SHIPPED)

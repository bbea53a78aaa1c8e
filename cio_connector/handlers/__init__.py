"""The action handlers, one module per family; importing this package registers them all."""

from __future__ import annotations

from . import events, people, segments

__all__ = ["events", "people", "segments"]

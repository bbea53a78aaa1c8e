"""What hosts speak to: the Cargo-style HTTP server, the JSON CLI protocol and the ``spec`` document.

Imported lazily, so the JSON protocol works without the ``server`` extra (FastAPI).
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

__all__ = ["cargo_manifest", "create_app", "spec_document"]

_HOMES = {"cargo_manifest": ".cargo", "create_app": ".server", "spec_document": ".spec"}


def __getattr__(name: str) -> Any:
    if name not in _HOMES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(import_module(_HOMES[name], __name__), name)

"""Bulk delivery: an action over many records, batched at Customer.io's limits, rate-budgeted, accounted exactly once.

Imports are lazy so ``cio-connector --help`` stays quick; ``from cio_connector.bulk import deliver`` works.
"""

from __future__ import annotations

from typing import Any

__all__ = ["BulkOptions", "BulkRun", "DeadLetter", "Failure", "Summary", "adeliver", "deliver", "read_records"]

_HOMES = {
    "BulkOptions": "engine", "BulkRun": "engine", "adeliver": "engine", "deliver": "engine",
    "DeadLetter": "deadletter", "Failure": "ledger", "Summary": "ledger", "read_records": "records",
}


def __getattr__(name: str) -> Any:
    if name not in _HOMES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from importlib import import_module

    return getattr(import_module(f"{__name__}.{_HOMES[name]}"), name)

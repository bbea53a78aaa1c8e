"""The description of one Customer.io API call, as handlers build it and the client sends it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .errors import Problem
from .facts import Api
from .jsonbytes import json_size

__all__ = ["Api", "ApiRequest"]

@dataclass(frozen=True)
class ApiRequest:
    """Which API, method, path (already percent-encoded), query and JSON body.

    ``field_map`` maps a Customer.io field name (as its error bodies name it, e.g. ``identifiers``
    or ``attributes``) to the config path it came from, so a 400 can point at the user's field.
    It carries no credentials and no host: the client adds those, so a handler stays pure and its
    requests can be batched later.
    """

    api: Api
    method: str
    path: str
    query: tuple[tuple[str, str], ...] = ()
    json: Any = None
    field_map: tuple[tuple[str, str], ...] = field(default=(), compare=False)
    #: The largest body Customer.io accepts for this endpoint (compact JSON bytes), if it has one.
    max_body_bytes: int | None = field(default=None, compare=False)
    #: The ``field_map`` name of what a 404 says is missing: the resource the path names (a segment).
    not_found: str | None = field(default=None, compare=False)

    @property
    def idempotent(self) -> bool:
        """Safe to send twice: no event or page view without a dedupe ``id`` (in a batch, in any item)."""
        body = self.json if isinstance(self.json, dict) else {}
        items = body["batch"] if isinstance(body.get("batch"), list) else [body]
        return not any(
            isinstance(item, dict) and item.get("action") in ("event", "page") and not item.get("id")
            for item in items
        )

    def size_problem(self) -> Problem | None:
        """A body over ``max_body_bytes``, blamed on the largest free-form part it holds."""
        if self.max_body_bytes is None or self.json is None:
            return None
        size = json_size(self.json)
        if size <= self.max_body_bytes:
            return None
        path = self.config_path_for("attributes") or "$"
        message = (
            f"makes a request of {size:,} bytes; Customer.io accepts at most "
            f"{self.max_body_bytes:,} bytes for {self.path}"
        )
        return Problem(path, message, code="request_too_large", location=tuple(path.split(".")[1:]))

    def config_path_for(self, customerio_field: str | None) -> str | None:
        """The config path behind a Customer.io error's ``field`` (longest matching prefix)."""
        if not customerio_field:
            return None
        best: tuple[int, str] | None = None
        for prefix, path in self.field_map:
            if customerio_field == prefix or customerio_field.startswith(prefix + "."):
                if best is None or len(prefix) > best[0]:
                    best = (len(prefix), path)
        return best[1] if best else None

    def to_dict(self) -> dict[str, Any]:
        return {
            "api": self.api,
            "method": self.method,
            "path": self.path,
            "query": dict(self.query),
            "json": self.json,
        }

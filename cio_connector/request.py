"""The description of one Customer.io API call, as handlers build it and the client sends it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

__all__ = ["Api", "ApiRequest"]

Api = Literal["track", "app"]


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

    @property
    def idempotent(self) -> bool:
        """Safe to send twice: everything but an event or page view without a dedupe ``id``."""
        body = self.json if isinstance(self.json, dict) else {}
        return not (body.get("action") in ("event", "page") and not body.get("id"))

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

"""The description of one Customer.io API call, as handlers build it and the client sends it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .._util.jsonbytes import compact_json
from ..errors import Problem
from ..facts import Api

__all__ = ["Api", "ApiRequest", "resendable"]

_UNSET: Any = object()

@dataclass(frozen=True, init=False)
class ApiRequest:
    """Which API, method, path (already percent-encoded), query and JSON body.

    ``field_map`` maps a Customer.io field name (as its error bodies name it, e.g. ``identifiers``
    or ``attributes``) to the config path it came from, so a 400 can point at the user's field.
    It carries no credentials and no host: the client adds those, so a handler stays pure and its
    requests can be batched later. ``idempotent`` is declared by whoever builds the request: safe
    to send twice (an event or page view is only with a dedupe ``id``). Treat ``json`` as
    read-only: the body is encoded once (``body``) and may be shared between requests.
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

    idempotent: bool = field(default=True, compare=False)
    #: What only the built request shows (a ``send_at`` too far ahead: the limit moves with the
    #: clock, so no schema can say it); found by the handler, reported like any input problem.
    problems: tuple[Problem, ...] = field(default=(), compare=False)

    def __init__(
        self,
        api: Api,
        method: str,
        path: str,
        query: tuple[tuple[str, str], ...] = (),
        json: Any = None,
        field_map: tuple[tuple[str, str], ...] = (),
        max_body_bytes: int | None = None,
        not_found: str | None = None,
        idempotent: bool = True,
        problems: tuple[Problem, ...] = (),
    ) -> None:
        # One dict update instead of ten frozen-dataclass setattr calls: built once per record.
        self.__dict__.update(
            api=api, method=method, path=path, query=query, json=json, field_map=field_map,
            max_body_bytes=max_body_bytes, not_found=not_found, idempotent=idempotent, problems=problems,
        )

    @property
    def body(self) -> bytes | None:
        """The body as sent: compact UTF-8 JSON, encoded once for the size check and the wire.

        NaN and Infinity are refused (``ValueError``): JSON has no spelling for them.
        """
        # Cached by hand: functools.cached_property takes a lock on every first read (Python 3.11).
        cached = self.__dict__.get("_body", _UNSET)
        if cached is _UNSET:
            cached = None if self.json is None else compact_json(self.json, allow_nan=False)
            self.__dict__["_body"] = cached
        return cached

    def first_problem(self) -> Problem | None:
        """Why this request must not be sent: a problem its handler found, else its size."""
        return self.problems[0] if self.problems else self.size_problem()

    def size_problem(self) -> Problem | None:
        """A body over ``max_body_bytes``, blamed on the largest free-form part it holds."""
        if self.max_body_bytes is None or self.body is None:
            return None
        size = len(self.body)
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


def resendable(entity: Mapping[str, Any]) -> bool:
    """Whether a Track v2 entity (or batch item) may be sent twice: an event, a page or a screen
    view only with a dedupe ``id``, which Customer.io uses to drop the repeat."""
    return entity.get("action") not in ("event", "page", "screen") or bool(entity.get("id"))

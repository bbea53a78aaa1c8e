"""Action name -> handler: declared by ``@handler``, listed explicitly, checked against manifests at load."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from .request import ApiRequest

if TYPE_CHECKING:
    from .splice import Compiler

__all__ = ["Handler", "HandlerRegistry", "HandlerSpec", "handler"]

#: A handler turns validated, rendered inputs into the request to send. Pure: no I/O, no retries.
Handler = Callable[[Mapping[str, Any]], ApiRequest]

_SPEC = "__cio_handler__"


@dataclass(frozen=True)
class HandlerSpec:
    """What ``@handler`` declares: the action's name, which config field each Customer.io field
    name in an error body comes from (``{"identifiers": "$.matching_value"}``), and how the action
    behaves when repeated or when it goes wrong (what hosts, tools and docs show, and what the
    client's retries respect)."""

    name: str
    function: Handler
    field_map: Mapping[str, str] = field(default_factory=dict)
    #: Doing it twice with the same config has the effect of doing it once (an upsert, a delete).
    #: False for merges, sends and events: each call adds one. Their requests are then resent only
    #: when they carry Customer.io's dedupe ``id`` (``event_id``), which makes a repeat harmless.
    idempotent: bool = True
    #: It deletes data or changes it beyond undoing (delete, remove, merge, suppress).
    destructive: bool = False
    #: The handler specialised for one config's shape (``pipeline.splice``), or None: a plan's
    #: valid path then runs the handler itself. Same requests, byte for byte.
    compile: Compiler | None = field(default=None, compare=False)

    def build(self, inputs: Mapping[str, Any]) -> ApiRequest:
        """The handler's request, marked resendable only as far as the declaration allows."""
        request = self.function(inputs)
        if self.idempotent or not request.idempotent or _deduplicated(request):
            return request
        return replace(request, idempotent=False)


def handler(
    name: str,
    *,
    field_map: Mapping[str, str] | None = None,
    idempotent: bool = True,
    destructive: bool = False,
    compile: Compiler | None = None,
) -> Callable[[Handler], Handler]:
    """Declare ``function`` as the handler of action ``name`` (no registration as a side effect:
    a registry lists its handlers). ``compile`` builds the same requests for configs of a given
    shape, faster (see ``pipeline.splice``)."""

    def declare(function: Handler) -> Handler:
        spec = HandlerSpec(name, function, dict(field_map or {}), idempotent=idempotent, destructive=destructive,
                           compile=compile)
        setattr(function, _SPEC, spec)
        return function

    return declare


def _deduplicated(request: ApiRequest) -> bool:
    """Whether the body names itself with an ``id``, Customer.io's key for dropping a repeat."""
    return isinstance(request.json, Mapping) and bool(request.json.get("id"))


class HandlerRegistry:
    """The handlers a connector may dispatch to; an unknown name answers with the names it knows."""

    def __init__(self, functions: Iterable[Handler] = ()) -> None:
        self._specs: dict[str, HandlerSpec] = {}
        for function in functions:
            self.add(function)

    def add(self, function: Handler, *, name: str | None = None) -> Handler:
        """Add a ``@handler``-declared function (or any function, under ``name``)."""
        spec: HandlerSpec | None = getattr(function, _SPEC, None)
        if spec is None:
            if name is None:
                raise ValueError(f"{function!r} is not declared with @handler and no name was given")
            spec = HandlerSpec(name, function)
        elif name is not None and name != spec.name:
            spec = replace(spec, name=name)
        if spec.name in self._specs and self._specs[spec.name].function is not function:
            raise ValueError(f"a handler for {spec.name!r} is already registered")
        self._specs[spec.name] = spec
        return function

    def register(self, name: str) -> Callable[[Handler], Handler]:
        """A decorator adding a function under ``name`` (for tests and plugins built at run time)."""
        return lambda function: self.add(function, name=name)

    def get(self, name: str) -> Handler:
        return self.spec(name).function

    def spec(self, name: str) -> HandlerSpec:
        try:
            return self._specs[name]
        except KeyError:
            known = ", ".join(sorted(self._specs)) or "none"
            raise KeyError(f"no handler for {name!r}; known handlers: {known}") from None

    def names(self) -> frozenset[str]:
        return frozenset(self._specs)

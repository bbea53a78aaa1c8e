"""Action name -> handler: declared by ``@handler``, listed explicitly, checked against manifests at load."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from .request import ApiRequest

__all__ = ["Handler", "HandlerRegistry", "HandlerSpec", "handler"]

#: A handler turns validated, rendered inputs into the request to send. Pure: no I/O, no retries.
Handler = Callable[[Mapping[str, Any]], ApiRequest]

_SPEC = "__cio_handler__"


@dataclass(frozen=True)
class HandlerSpec:
    """What ``@handler`` declares: the action's name and which config field each Customer.io
    field name in an error body comes from (``{"identifiers": "$.matching_value"}``)."""

    name: str
    function: Handler
    field_map: Mapping[str, str] = field(default_factory=dict)


def handler(name: str, *, field_map: Mapping[str, str] | None = None) -> Callable[[Handler], Handler]:
    """Declare ``function`` as the handler of action ``name`` (no registration as a side effect:
    a registry lists its handlers)."""

    def declare(function: Handler) -> Handler:
        setattr(function, _SPEC, HandlerSpec(name, function, dict(field_map or {})))
        return function

    return declare


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
            spec = HandlerSpec(name, function, spec.field_map)
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

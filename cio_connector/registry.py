"""Action name -> handler; an unknown name answers with the names it knows."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from .request import ApiRequest

__all__ = ["Handler", "HandlerRegistry", "handler", "handlers"]

#: A handler turns validated, rendered inputs into the request to send. Pure: no I/O, no retries.
Handler = Callable[[Mapping[str, Any]], ApiRequest]


class HandlerRegistry:
    def __init__(self) -> None:
        self._handlers: dict[str, Handler] = {}

    def register(self, name: str) -> Callable[[Handler], Handler]:
        def decorate(function: Handler) -> Handler:
            if name in self._handlers and self._handlers[name] is not function:
                raise ValueError(f"a handler for {name!r} is already registered")
            self._handlers[name] = function
            return function

        return decorate

    def get(self, name: str) -> Handler:
        try:
            return self._handlers[name]
        except KeyError:
            known = ", ".join(sorted(self._handlers)) or "none"
            raise KeyError(f"no handler for {name!r}; known handlers: {known}") from None

    def names(self) -> frozenset[str]:
        return frozenset(self._handlers)


handlers = HandlerRegistry()
handler = handlers.register

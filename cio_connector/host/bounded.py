"""uvicorn's HTTP/1.1 protocol with the bounds a public server needs: a header deadline and a connection cap.

uvicorn closes idle keep-alive connections, but a client that opens a connection and never
finishes its request line and headers holds it (and a file descriptor) forever; enough of them
and the server stops answering at all. Here each connection gets ``header_seconds`` to finish its
headers (from the moment it opened, or its last response), and past ``max_connections`` open ones
a new connection is answered 503 and closed at once. The body has its own deadline in the Guard.

The protocol is uvicorn's httptools one when httptools is installed (the ``server`` extra installs
it; its C parser reads a request in a fraction of h11's time) and its pure-Python h11 one otherwise,
as uvicorn itself chooses; the bounds are the same on both.
"""

from __future__ import annotations

import asyncio
from typing import Any

__all__ = ["HEADER_SECONDS", "MAX_CONNECTIONS", "bounded_protocol", "http_protocol"]

#: Seconds a connection may take to send a complete request line and headers.
HEADER_SECONDS = 10.0
#: Open connections at most; well under the usual limit of 1,024 file descriptors.
MAX_CONNECTIONS = 256

_BUSY = b"HTTP/1.1 503 Service Unavailable\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"


def http_protocol() -> type[asyncio.Protocol]:
    """uvicorn's httptools protocol when httptools is installed, else its h11 one (uvicorn's own ``auto``)."""
    try:
        from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
    except ImportError:
        from uvicorn.protocols.http.h11_impl import H11Protocol

        return H11Protocol
    return HttpToolsProtocol


def bounded_protocol(
    header_seconds: float = HEADER_SECONDS, max_connections: int = MAX_CONNECTIONS, base: type[Any] | None = None
) -> type[asyncio.Protocol]:
    """A subclass of uvicorn's HTTP/1.1 protocol (``base``, by default ``http_protocol()``) with these
    bounds, for ``uvicorn.Config(http=...)``."""
    base = base or http_protocol()

    class Bounded(base):  # type: ignore[valid-type,misc]
        _timer: asyncio.TimerHandle | None = None
        _waiting_since = 0.0

        def connection_made(self, transport: Any) -> None:
            full = len(self.connections) >= max_connections
            super().connection_made(transport)
            if full:
                transport.write(_BUSY)
                transport.close()
                return
            self._waiting_since = self.loop.time()
            self._timer = self.loop.call_later(header_seconds, self._check_headers)

        def _check_headers(self) -> None:
            self._timer = None
            if self.transport.is_closing():
                return
            if self.cycle is None or self.cycle.response_complete:  # still waiting for a request's headers
                late = self.loop.time() - self._waiting_since
                if late >= header_seconds:
                    self.transport.close()
                    return
                self._timer = self.loop.call_later(header_seconds - late, self._check_headers)
            else:  # a request is being served; its response resets the clock
                self._timer = self.loop.call_later(header_seconds, self._check_headers)

        def on_response_complete(self) -> None:
            self._waiting_since = self.loop.time()
            super().on_response_complete()

        def connection_lost(self, exc: Exception | None) -> None:
            if self._timer is not None:
                self._timer.cancel()
                self._timer = None
            super().connection_lost(exc)

    return Bounded

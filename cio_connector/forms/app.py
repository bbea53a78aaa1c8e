"""The form page on its own: a Starlette app over the built-in sandbox, for tests and a quick look.

``cio-connector serve --sandbox`` mounts the same router on the host server.
"""

from __future__ import annotations

import threading
import time
from types import TracebackType
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.responses import RedirectResponse
from starlette.routing import Route

from ..loader import load_connector
from ..runtime import Connector
from ..sandbox import SandboxServer
from .page import ConnectionProvider, forms_router

__all__ = ["FormsSandbox", "create_forms_app"]


def create_forms_app(connector: Connector, connection_provider: ConnectionProvider) -> Starlette:
    async def home(_: Any) -> RedirectResponse:
        return RedirectResponse("/forms")

    return Starlette(routes=[Route("/", home), *forms_router(connector, connection_provider).routes])


class FormsSandbox:
    """A sandbox and the form page wired to it, each on a free loopback port; a context manager."""

    def __init__(self, connector: Connector | None = None, host: str = "127.0.0.1", port: int = 0) -> None:
        self.connector = connector or load_connector()
        self.sandbox = SandboxServer()
        self.app = create_forms_app(self.connector, lambda: self.sandbox.connection())
        self._config = uvicorn.Config(self.app, host=host, port=port, log_level="warning", access_log=False, lifespan="off")
        self._server = uvicorn.Server(self._config)
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        sockets = self._server.servers[0].sockets if self._server.servers else []
        host, port = sockets[0].getsockname()[:2] if sockets else (self._config.host, self._config.port)
        return f"http://{host}:{port}"

    def start(self) -> FormsSandbox:
        self.sandbox.start()
        self._thread = threading.Thread(target=self._server.run, name="cio-forms", daemon=True)
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError("the form page did not start")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(10)
        self.sandbox.stop()

    def __enter__(self) -> FormsSandbox:
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.stop()

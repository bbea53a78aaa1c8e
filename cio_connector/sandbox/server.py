"""Run the sandbox: a uvicorn server in a background thread, or in the foreground for the CLI."""

from __future__ import annotations

import signal
import socket
import sys
import tempfile
import threading
import time
from collections.abc import Iterable
from pathlib import Path
from types import TracebackType
from typing import Any, TextIO

import uvicorn

from .._util.listening import listening_socket
from .config import DEFAULT_SEGMENTS, DEMO_CREDENTIALS, REGIONS, Credentials, Region, SegmentSeed, Workspace
from .controls import Controls
from .gateway import SandboxApp
from .state import SandboxState
from .tls import write_self_signed

__all__ = ["SandboxServer", "serve"]

_STARTUP_TIMEOUT = 10.0
_SHUTDOWN_TIMEOUT = 10.0


class SandboxServer:
    """A Customer.io sandbox on a free port; use it as a context manager.

    >>> with SandboxServer(region="eu") as sandbox:  # doctest: +SKIP
    ...     sandbox.endpoints("eu")["track"]
    'http://127.0.0.1:54321/eu'
    """

    def __init__(
        self,
        region: Region = "us",
        host: str = "127.0.0.1",
        port: int = 0,
        tls: bool = False,
        credentials: Credentials = DEMO_CREDENTIALS,
        segments: Iterable[SegmentSeed] = DEFAULT_SEGMENTS,
        *,
        cert_dir: str | Path | None = None,
        environment_id: int = 100001,
    ) -> None:
        self.workspace = Workspace(region, credentials, environment_id, segments=tuple(segments))
        self.state = SandboxState(self.workspace)
        self.controls = Controls()
        self.app = SandboxApp(self.state, self.controls)
        self.host, self.port, self.tls = host, port, tls
        self.cert_path: Path | None = None
        self._cert_dir = Path(cert_dir) if cert_dir is not None else None
        self._tempdir: tempfile.TemporaryDirectory[str] | None = None
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._socket: socket.socket | None = None

    @property
    def credentials(self) -> Credentials:
        return self.workspace.credentials

    @property
    def region(self) -> Region:
        return self.workspace.region

    @property
    def url(self) -> str:
        """The base URL, e.g. ``http://127.0.0.1:54321``; unprefixed paths use the workspace region."""
        host = "127.0.0.1" if self.host in ("0.0.0.0", "") else "[::1]" if self.host == "::" else self.host
        host = f"[{host}]" if ":" in host and not host.startswith("[") else host
        return f"{'https' if self.tls else 'http'}://{host}:{self.port}"

    def endpoints(self, region: str | None = None) -> dict[str, str]:
        """Base URLs standing in for ``track(-eu).customer.io`` and ``api(-eu).customer.io``."""
        region = region or self.region
        if region not in REGIONS:
            raise ValueError(f"region must be one of {', '.join(REGIONS)}, not {region!r}")
        return {"track": f"{self.url}/{region}", "app": f"{self.url}/{region}"}

    def connection(self, region: str | None = None) -> dict[str, Any]:
        """Connection JSON that reaches this sandbox: its credentials and loopback endpoints.

        ``region`` is the one the connection claims (another than the workspace's tests the
        region check)."""
        creds = self.credentials
        chosen = region or self.region
        return {
            "region": chosen,
            "site_id": creds.site_id,
            "track_api_key": creds.track_api_key,
            "app_api_key": creds.app_api_key,
            "endpoints": self.endpoints(chosen),
        }

    def snapshot(self) -> dict[str, Any]:
        """The state as ``GET /_sandbox/state`` returns it, without HTTP."""
        return {
            **self.state.snapshot(),
            "requests": self.controls.summary(),
            "controls": self.controls.settings(),
        }

    def reset(self) -> None:
        self.state.reset()
        self.controls.reset()

    # -- lifecycle -------------------------------------------------------------------------------

    def start(self) -> SandboxServer:
        if self._thread is not None:
            raise RuntimeError("sandbox server already started")
        ssl_options: dict[str, Any] = {}
        if self.tls:
            if self._cert_dir is None:
                self._tempdir = tempfile.TemporaryDirectory(prefix="cio-sandbox-tls-")
            files = write_self_signed(self._cert_dir or Path(self._tempdir.name))  # type: ignore[union-attr]
            self.cert_path = files.ca_path
            ssl_options = {"ssl_certfile": str(files.cert_path), "ssl_keyfile": str(files.key_path)}
        self._socket = listening_socket(self.host, self.port)
        self.port = self._socket.getsockname()[1]
        config = uvicorn.Config(
            self.app,
            log_level="warning",
            access_log=False,
            lifespan="off",
            http="h11",
            timeout_graceful_shutdown=2,
            **ssl_options,
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [self._socket]}, name="cio-sandbox", daemon=True
        )
        self._thread.start()
        deadline = time.monotonic() + _STARTUP_TIMEOUT
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError("the sandbox server did not start")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(_SHUTDOWN_TIMEOUT)
        if self._socket is not None:
            self._socket.close()
        if self._tempdir is not None:
            self._tempdir.cleanup()
        self._server = self._thread = self._socket = self._tempdir = None

    def __enter__(self) -> SandboxServer:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()


def describe(server: SandboxServer) -> str:
    """What ``serve`` prints: where to send requests and what credentials work."""
    creds = server.credentials
    lines = [f"Customer.io sandbox listening on {server.url} (workspace region: {server.region})"]
    for region in REGIONS:
        endpoints = server.endpoints(region)
        lines.append(f"  {region}  track: {endpoints['track']}   app: {endpoints['app']}")
    lines += [
        "  unprefixed paths (/api/v1/..., /api/v2/..., /v1/...) use the workspace region",
        "Demo credentials it accepts:",
        f"  site_id        {creds.site_id}",
        f"  track_api_key  {creds.track_api_key}",
        f"  app_api_key    {creds.app_api_key}",
    ]
    if server.cert_path is not None:
        lines.append(f"TLS: verify with the certificate {server.cert_path}")
    lines += [f"Test controls: {server.url}/_sandbox/state", "Press Ctrl-C to stop."]
    return "\n".join(lines)


def serve(
    host: str = "127.0.0.1",
    port: int = 8765,
    region: Region = "us",
    tls: bool = False,
    cert_dir: str | Path | None = None,
    *,
    out: TextIO | None = None,
) -> int:
    """Run the sandbox in the foreground until Ctrl-C (or SIGTERM); returns an exit code."""
    out = out or sys.stdout
    server = SandboxServer(region=region, host=host, port=port, tls=tls, cert_dir=cert_dir)
    try:
        server.start()
    except (OSError, RuntimeError) as exc:
        print(f"error: cannot start the sandbox on {host}:{port}: {exc}", file=sys.stderr)
        return 1
    stop = threading.Event()
    previous = None
    if threading.current_thread() is threading.main_thread():
        previous = signal.signal(signal.SIGTERM, lambda *_: stop.set())
    print(describe(server), file=out, flush=True)
    try:
        while not stop.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)
    return 0

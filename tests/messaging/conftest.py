"""Fixtures: the sandbox's clients (tests/sandbox) and the recording transport (tests/client), reused."""

from __future__ import annotations

from client.conftest import connector, recorder
from sandbox.conftest import _close_shared_client, app, control, eu_sandbox, eu_server, sandbox, track, us_server

__all__ = [
    "_close_shared_client", "app", "connector", "control", "eu_sandbox", "eu_server", "recorder", "sandbox", "track",
    "us_server",
]

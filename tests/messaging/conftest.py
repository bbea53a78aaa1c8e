"""Fixtures: the sandbox's clients (tests/sandbox) and the recording transport (tests/client), reused.

The connector and the sandboxes (``connector``, ``sandbox``, ``eu_sandbox``, ``us_server``,
``eu_server``) come from the root conftest.
"""

from __future__ import annotations

from ..client.conftest import recorder
from ..sandbox.conftest import _close_shared_client, app, control, track

__all__ = ["_close_shared_client", "app", "control", "recorder", "track"]

"""A faithful local simulator of Customer.io's Track (v1, v2) and App APIs, for demos and tests.

with SandboxServer(region="us") as sandbox:
    httpx.put(f"{sandbox.endpoints()['track']}/api/v1/customers/42", json={...},
              auth=(sandbox.credentials.site_id, sandbox.credentials.track_api_key))
    sandbox.state.find("42")
"""

from __future__ import annotations

from .config import DEFAULT_SEGMENTS, DEMO_CREDENTIALS, REGIONS, Credentials, SegmentSeed, Workspace
from .controls import Controls, Faults, RateLimits
from .gateway import SandboxApp
from .identity import Identifier, infer_identifier
from .server import SandboxServer, serve
from .state import SandboxState
from .tls import TlsFiles, write_self_signed

__all__ = [
    "DEFAULT_SEGMENTS",
    "DEMO_CREDENTIALS",
    "REGIONS",
    "Controls",
    "Credentials",
    "Faults",
    "Identifier",
    "RateLimits",
    "SandboxApp",
    "SandboxServer",
    "SandboxState",
    "SegmentSeed",
    "TlsFiles",
    "Workspace",
    "infer_identifier",
    "serve",
    "write_self_signed",
]

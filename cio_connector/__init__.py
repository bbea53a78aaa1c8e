"""cio-connector: Customer.io actions described in YAML, validated by JSON Schema, sent by httpx."""

from __future__ import annotations

__version__ = "0.1.0"

from .check import Check, ConnectionReport
from .connection import Connection
from .errors import (
    ApiError,
    AuthenticationError,
    CioConnectorError,
    ConnectionConfigError,
    FatalApiError,
    InputError,
    ManifestError,
    Problem,
    RegionMismatchError,
    RetryableApiError,
)
from .http import AsyncCioClient, CioClient, RetryPolicy
from .request import ApiRequest
from .runtime import ActionResult, Connector, load_connector

__all__ = [
    "ActionResult",
    "ApiError",
    "ApiRequest",
    "AsyncCioClient",
    "AuthenticationError",
    "Check",
    "CioClient",
    "CioConnectorError",
    "Connection",
    "ConnectionConfigError",
    "ConnectionReport",
    "Connector",
    "FatalApiError",
    "InputError",
    "ManifestError",
    "Problem",
    "RegionMismatchError",
    "RetryPolicy",
    "RetryableApiError",
    "__version__",
    "load_connector",
]

"""cio-connector: Customer.io actions described in YAML, validated by JSON Schema, sent by httpx."""

from __future__ import annotations

import typing as _typing
from importlib import import_module as _import_module

from ._version import __version__

if _typing.TYPE_CHECKING:
    from .client.connection import Connection
    from .client.connection_check import Check, ConnectionReport
    from .client.http import AsyncCioClient, CioClient, RetryPolicy
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
    from .loader import load_connector
    from .pipeline.request import ApiRequest
    from .runtime import ActionResult, Connector

# Imported on first use: a host that only loads the connector (or a CLI showing --help) does not
# pay for httpx, jinja2 and jsonschema until it sends, renders or explains.
_HOMES = {
    "ActionResult": "runtime",
    "ApiError": "errors",
    "ApiRequest": "pipeline.request",
    "AsyncCioClient": "client.http",
    "AuthenticationError": "errors",
    "Check": "client.connection_check",
    "CioClient": "client.http",
    "CioConnectorError": "errors",
    "Connection": "client.connection",
    "ConnectionConfigError": "errors",
    "ConnectionReport": "client.connection_check",
    "Connector": "runtime",
    "FatalApiError": "errors",
    "InputError": "errors",
    "ManifestError": "errors",
    "Problem": "errors",
    "RegionMismatchError": "errors",
    "RetryPolicy": "client.http",
    "RetryableApiError": "errors",
    "load_connector": "loader",
}

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


def __getattr__(name: str) -> _typing.Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'cio_connector' has no attribute {name!r}")
    value = getattr(_import_module(f".{home}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})

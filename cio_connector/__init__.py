"""cio-connector: Customer.io actions described in YAML, validated by JSON Schema, sent by httpx."""

from __future__ import annotations

import typing as _typing
from importlib import import_module as _import_module

__version__ = "0.1.0"

if _typing.TYPE_CHECKING:
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

# Imported on first use: a host that only loads the connector (or a CLI showing --help) does not
# pay for httpx, jinja2 and jsonschema until it sends, renders or explains.
_HOMES = {
    "ActionResult": "runtime",
    "ApiError": "errors",
    "ApiRequest": "request",
    "AsyncCioClient": "http",
    "AuthenticationError": "errors",
    "Check": "check",
    "CioClient": "http",
    "CioConnectorError": "errors",
    "Connection": "connection",
    "ConnectionConfigError": "errors",
    "ConnectionReport": "check",
    "Connector": "runtime",
    "FatalApiError": "errors",
    "InputError": "errors",
    "ManifestError": "errors",
    "Problem": "errors",
    "RegionMismatchError": "errors",
    "RetryPolicy": "http",
    "RetryableApiError": "errors",
    "load_connector": "runtime",
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

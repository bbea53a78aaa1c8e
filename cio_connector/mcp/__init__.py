"""Every action as an MCP tool: ``cio-connector mcp`` (stdio or streamable HTTP).

``tool_catalog`` and ``ToolRunner`` need nothing beyond the connector; ``create_server`` and the
transports need the ``[mcp]`` extra (the official ``mcp`` SDK). Names are imported on first use,
so ``cio-connector --help`` does not load the connector for the ``mcp`` command's arguments.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # for type checkers; at run time each name is imported on first use
    from .calls import ToolOutcome, ToolRunner, UnknownToolError
    from .catalog import ToolSpec, tool_catalog
    from .connection_source import ServerConnection, connection_from_environment, connection_from_file
    from .server import create_server

__all__ = [
    "ServerConnection",
    "ToolOutcome",
    "ToolRunner",
    "ToolSpec",
    "UnknownToolError",
    "connection_from_environment",
    "connection_from_file",
    "create_server",
    "tool_catalog",
]

_HOMES = {
    "ServerConnection": ".connection_source",
    "ToolOutcome": ".calls",
    "ToolRunner": ".calls",
    "ToolSpec": ".catalog",
    "UnknownToolError": ".calls",
    "connection_from_environment": ".connection_source",
    "connection_from_file": ".connection_source",
    "create_server": ".server",
    "tool_catalog": ".catalog",
}


def __getattr__(name: str) -> Any:
    if name not in _HOMES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(import_module(_HOMES[name], __name__), name)

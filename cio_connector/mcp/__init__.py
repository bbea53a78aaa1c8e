"""Every action as an MCP tool: ``cio-connector mcp`` (stdio or streamable HTTP).

``tool_catalog`` and ``ToolRunner`` need nothing beyond the connector; ``create_server`` and the
transports need the ``[mcp]`` extra (the official ``mcp`` SDK).
"""

from __future__ import annotations

from .calls import ToolOutcome, ToolRunner, UnknownToolError
from .catalog import ToolSpec, tool_catalog
from .connection_source import ServerConnection, connection_from_environment, connection_from_file

__all__ = [
    "ServerConnection",
    "ToolOutcome",
    "ToolRunner",
    "ToolSpec",
    "UnknownToolError",
    "connection_from_environment",
    "connection_from_file",
    "tool_catalog",
]

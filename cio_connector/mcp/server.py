"""The MCP server: the SDK's low-level ``Server`` over a ``ToolRunner``.

The low-level server takes our JSON Schemas as they are and, in the 2.x SDK, neither validates
arguments nor turns exceptions into error results: ``ToolRunner`` does both, through the
connector's own pipeline.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import mcp_types as types
from mcp.server.lowlevel import Server
from mcp.shared.exceptions import MCPError

from .._version import __version__
from .calls import ToolRunner, UnknownToolError
from .catalog import ToolSpec

__all__ = ["create_server", "mcp_tool"]


def mcp_tool(spec: ToolSpec) -> types.Tool:
    """A ``ToolSpec`` as the SDK's ``Tool`` (read-only tools say nothing of destruction)."""
    if spec.read_only:
        annotations = types.ToolAnnotations(title=spec.title, read_only_hint=True, open_world_hint=spec.open_world)
    else:
        annotations = types.ToolAnnotations(
            title=spec.title,
            read_only_hint=False,
            destructive_hint=spec.destructive,
            idempotent_hint=spec.idempotent,
            open_world_hint=spec.open_world,
        )
    return types.Tool(
        name=spec.name,
        title=spec.title,
        description=spec.description,
        input_schema=dict(spec.input_schema),
        output_schema=dict(spec.output_schema),
        annotations=annotations,
    )


def _instructions(runner: ToolRunner) -> str:
    lookups = [t.name for t in runner.tools.values() if t.read_only]
    return (
        f"Customer.io actions for the workspace this server is connected to (credentials stay on the "
        f"server). Every action validates its arguments first and reports every problem with its path; "
        f"pass dry_run: true to see the exact request without sending it. Look-ups: {', '.join(lookups)}."
    )


def create_server(runner: ToolRunner) -> Server[Any]:
    """A server listing ``runner``'s tools and answering calls with their outcomes."""
    tools = [mcp_tool(spec) for spec in runner.tools.values()]
    schemas: Mapping[str, Mapping[str, Any]] = {spec.name: spec.input_schema for spec in runner.tools.values()}

    async def list_tools(ctx: Any, params: types.PaginatedRequestParams | None) -> types.ListToolsResult:
        return types.ListToolsResult(tools=tools)

    async def call_tool(ctx: Any, params: types.CallToolRequestParams) -> types.CallToolResult:
        try:
            outcome = await runner.call(params.name, params.arguments)
        except UnknownToolError as exc:
            raise MCPError(code=types.INVALID_PARAMS, message=str(exc)) from None
        content: list[types.ContentBlock] = [types.TextContent(text=outcome.text)]
        if outcome.structured is None:
            return types.CallToolResult(content=content, is_error=outcome.is_error)
        # Structured content, and the same JSON as text for clients that read only text.
        content.append(types.TextContent(text=json.dumps(outcome.structured, ensure_ascii=False)))
        return types.CallToolResult(content=content, structured_content=dict(outcome.structured), is_error=outcome.is_error)

    manifest = runner.connector.manifest
    return Server(
        f"cio-connector-{manifest.id}",
        version=__version__,
        title=f"{manifest.name} actions",
        description=manifest.description,
        instructions=_instructions(runner),
        on_list_tools=list_tools,
        on_call_tool=call_tool,
        get_tool_input_schema=lambda name: schemas.get(name),
    )

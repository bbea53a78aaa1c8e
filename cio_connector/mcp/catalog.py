"""The MCP tools, generated from the manifests: one per action, plus the read-only look-ups.

Nothing here imports the MCP SDK: a ``ToolSpec`` is plain data that ``server`` turns into the
SDK's ``Tool``. Adding an action (or an options source) adds its tool without touching this file.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from ..declarative.models import ActionManifest, DynamicOptions, Field
from ..errors import CioConnectorError
from ..runtime import Connector
from .effects import action_effects

__all__ = [
    "ACTION_OUTPUT",
    "CHECK_CONNECTION",
    "CHECK_OUTPUT",
    "DRY_RUN",
    "OPTIONS_OUTPUT",
    "OptionsTarget",
    "ToolSpec",
    "tool_catalog",
]

#: The argument every action tool takes besides its fields.
DRY_RUN = "dry_run"
CHECK_CONNECTION = "check_connection"
_NAME_UNSAFE = re.compile(r"[^A-Za-z0-9_.-]+")
_NO_ARGUMENTS: Mapping[str, Any] = {"type": "object", "properties": {}, "additionalProperties": False}
# Generated-document bookkeeping that does not describe a tool's arguments.
_DOCUMENT_KEYS = ("$id", "x-action", "x-connector")

_REQUEST = {
    "type": "object",
    "description": "The request as sent (or, in a dry run, as it would be): credentials masked.",
    "properties": {
        "method": {"type": "string"},
        "url": {"type": "string"},
        "headers": {"type": "object", "additionalProperties": {"type": "string"}},
        "json": {"description": "The JSON body."},
    },
    "required": ["method", "url"],
}
ACTION_OUTPUT: Mapping[str, Any] = {
    "type": "object",
    "properties": {
        "action": {"type": "string"},
        "dry_run": {"type": "boolean", "description": "true: nothing was sent"},
        "request": _REQUEST,
        "status": {"type": ["integer", "null"], "description": "Customer.io's HTTP status (null in a dry run)"},
        "response": {"description": "Customer.io's answer, as JSON (null in a dry run)"},
        "attempts": {"type": "integer", "minimum": 0, "description": "requests sent, retries included"},
    },
    "required": ["action", "dry_run", "request", "status", "response", "attempts"],
}
CHECK_OUTPUT: Mapping[str, Any] = {
    "type": "object",
    "properties": {
        "ok": {"type": "boolean", "description": "every credential and the region accepted"},
        "checks": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "name": {"type": "string", "description": "the credential or aspect checked"},
                    "ok": {"type": "boolean"},
                    "message": {"type": "string"},
                },
                "required": ["name", "ok", "message"],
            },
        },
    },
    "required": ["ok", "checks"],
}
OPTIONS_OUTPUT: Mapping[str, Any] = {
    "type": "object",
    "properties": {
        "options": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "value": {"type": ["integer", "string"], "description": "what the field takes"},
                    "label": {"type": "string", "description": "the name shown to people"},
                },
                "required": ["value", "label"],
            },
        },
    },
    "required": ["options"],
}


@dataclass(frozen=True)
class OptionsTarget:
    """A field whose values an options tool lists."""

    action: str
    field: str


@dataclass(frozen=True)
class ToolSpec:
    """One tool: what ``tools/list`` shows and what ``tools/call`` runs (``kind`` and its target)."""

    name: str
    title: str
    description: str
    input_schema: Mapping[str, Any]
    output_schema: Mapping[str, Any]
    kind: Literal["action", "check_connection", "options"]
    read_only: bool
    destructive: bool
    idempotent: bool
    open_world: bool = True
    #: The action an action tool runs; the fields an options tool serves.
    action: str | None = None
    targets: tuple[OptionsTarget, ...] = ()


def tool_catalog(connector: Connector) -> tuple[ToolSpec, ...]:
    """Every tool, in a stable order: the actions as ``connector.yaml`` lists them, then the look-ups."""
    lookups = _options_tools(connector)
    listed_by = {(t.action, t.field): tool.name for tool in lookups for t in tool.targets}
    tools = [_action_tool(connector, name, listed_by) for name in connector.actions]
    tools.append(_check_tool(connector))
    tools.extend(lookups)
    seen: set[str] = set()
    for tool in tools:
        if tool.name in seen:
            raise CioConnectorError(f"two MCP tools would be named {tool.name!r}; rename the action or options source")
        seen.add(tool.name)
    return tuple(tools)


# -- actions -------------------------------------------------------------------------------------
def _action_tool(connector: Connector, name: str, listed_by: Mapping[tuple[str, str], str]) -> ToolSpec:
    action = connector.action(name)
    effects = action_effects(connector, name)
    return ToolSpec(
        name=name,
        title=action.manifest.title,
        description=_action_description(action.manifest, listed_by),
        input_schema=_input_schema(name, action.schema),
        output_schema=ACTION_OUTPUT,
        kind="action",
        read_only=effects.read_only,
        destructive=effects.destructive,
        idempotent=effects.idempotent,
        open_world=effects.open_world,
        action=name,
    )


def _input_schema(action: str, schema: Mapping[str, Any]) -> dict[str, Any]:
    """The action's schema for concrete values, plus ``dry_run``; placeholders become examples."""
    document = copy.deepcopy(dict(schema))
    for key in _DOCUMENT_KEYS:
        document.pop(key, None)
    properties = document.setdefault("properties", {})
    if DRY_RUN in properties:
        raise CioConnectorError(f"action {action!r} has a field named {DRY_RUN!r}, which its MCP tool reserves")
    _placeholders_as_examples(document)
    properties[DRY_RUN] = {
        "type": "boolean",
        "default": False,
        "title": "Dry run",
        "description": "true: validate and return the exact request (credentials masked) without sending it",
    }
    return document


def _placeholders_as_examples(node: Any) -> None:
    """``x-placeholder`` is a form's hint; a concrete one is a JSON Schema example, a template is
    not a value an agent should send (tools take values, not templates)."""
    if isinstance(node, dict):
        placeholder = node.pop("x-placeholder", None)
        if isinstance(placeholder, str) and "{{" not in placeholder and "{%" not in placeholder:
            node.setdefault("examples", [placeholder])
        for value in node.values():
            _placeholders_as_examples(value)
    elif isinstance(node, list):
        for value in node:
            _placeholders_as_examples(value)


def _action_description(manifest: ActionManifest, option_tools: Mapping[tuple[str, str], str]) -> str:
    lines = [manifest.description, "", "Arguments:"]
    lines += _field_lines(manifest.name, manifest.fields, option_tools, prefix="")
    lines.append(f"- {DRY_RUN} (optional): true returns the exact request, credentials masked, and sends nothing.")
    labels = {f.key: f.label for f in manifest.fields}
    rules = [f"- {labels.get(r.then.field, r.then.field)} {r.then.message}" for r in manifest.rules]
    if rules:
        lines += ["", "Rules:", *rules]
    return "\n".join(lines)


def _field_lines(
    action: str, fields: Iterable[Field], option_tools: Mapping[tuple[str, str], str], prefix: str
) -> Iterator[str]:
    for field in fields:
        key = prefix + field.key
        need = "required" if field.required else "optional"
        text = f"- {key} ({field.label}, {need})"
        if field.description:
            text += f": {field.description}"
        if field.choices:
            text += " One of: " + ", ".join(f"{c.value} ({c.label})" for c in field.choices) + "."
        listed_by = option_tools.get((action, key))
        if listed_by:
            text += f" Call {listed_by} for the values it takes."
        yield text
        if field.fields:
            yield from _field_lines(action, field.fields, option_tools, prefix=f"{key}.")


# -- look-ups ------------------------------------------------------------------------------------
def _check_tool(connector: Connector) -> ToolSpec:
    name = connector.manifest.name
    return ToolSpec(
        name=CHECK_CONNECTION,
        title="Check connection",
        description=(
            f"Check the {name} connection this server uses: each credential and the region, each "
            "failure named (which key is wrong, or which region the workspace is in). Sends no data."
        ),
        input_schema=_NO_ARGUMENTS,
        output_schema=CHECK_OUTPUT,
        kind="check_connection",
        read_only=True,
        destructive=False,
        idempotent=True,
    )


def _option_sources(connector: Connector) -> dict[tuple[str, str], list[OptionsTarget]]:
    """(source, filter) -> the fields using it, in action and field order."""
    groups: dict[tuple[str, str], list[OptionsTarget]] = {}
    for name, action in connector.actions.items():
        for key, options in _options_fields(action.manifest.fields, prefix=""):
            filter_key = json.dumps(dict(options.filter), sort_keys=True)  # True and 1 stay apart in JSON
            groups.setdefault((options.source, filter_key), []).append(OptionsTarget(name, key))
    return groups


def _options_fields(fields: Iterable[Field], prefix: str) -> Iterator[tuple[str, DynamicOptions]]:
    for field in fields:
        if field.options is not None:
            yield prefix + field.key, field.options
        if field.fields:
            yield from _options_fields(field.fields, f"{prefix}{field.key}.")


def _options_tool_name(source: str, filter_: Mapping[str, Any], several: bool) -> str:
    name = f"list_{source}"
    if several:  # one source read with different filters: each filter its own tool
        name += "_" + ("_".join(str(v) for v in filter_.values()) or "all")
    return _NAME_UNSAFE.sub("_", name)[:128]


def _options_tools(connector: Connector) -> list[ToolSpec]:
    groups = _option_sources(connector)
    per_source: dict[str, int] = {}
    for source, _ in groups:
        per_source[source] = per_source.get(source, 0) + 1
    tools = []
    for (source, _), targets in groups.items():
        first = targets[0]
        options = _field_options(connector, first)
        fields = ", ".join(f"{t.field} of {t.action}" for t in targets)
        shown = " and ".join(f"{k} {v}" for k, v in options.filter.items())
        which = f"{source} with {shown}" if shown else source
        tools.append(
            ToolSpec(
                name=_options_tool_name(source, options.filter, per_source[source] > 1),
                title=f"List {source.replace('_', ' ')}",
                description=(
                    f"The {which} of the connected {connector.manifest.name} workspace, sorted by name: "
                    f"value is the id to pass as {fields}; label is its name."
                ),
                input_schema=_NO_ARGUMENTS,
                output_schema=OPTIONS_OUTPUT,
                kind="options",
                read_only=True,
                destructive=False,
                idempotent=True,
                targets=tuple(targets),
            )
        )
    return tools


def _field_options(connector: Connector, target: OptionsTarget) -> DynamicOptions:
    fields: Iterable[Field] = connector.action(target.action).manifest.fields
    found: Field | None = None
    for part in target.field.split("."):
        found = next(f for f in fields if f.key == part)
        fields = found.fields or ()
    assert found is not None and found.options is not None
    return found.options

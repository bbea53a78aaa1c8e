"""Loading the connector: ``connector.yaml``, each action's manifest and schema, and their handlers."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ._util.bundle import bundle_root
from .declarative.manifest import load_action_manifest, load_connector_manifest, locate
from .declarative.schema import action_schema, connection_schema
from .errors import ManifestError, Problem
from .pipeline.action import Action
from .pipeline.registry import HandlerRegistry
from .runtime import Connector

__all__ = ["load_connector"]


def _names_a_field(action: Any, path: str) -> bool:
    """Whether a ``$.a.b`` JSON path names a declared field (or a field nested in one)."""
    parts = path.split(".")
    if parts[0] != "$" or len(parts) < 2:
        return False
    fields = action.fields
    for part in parts[1:]:
        found = next((f for f in fields if f.key == part), None)
        if found is None:
            return False
        fields = found.fields or ()
    return True


def load_connector(root: Path | None = None, *, registry: HandlerRegistry | None = None) -> Connector:
    """Load ``connector.yaml`` and every action it lists, with their handlers.

    Schemas are generated from the manifests on load (what the committed ``schemas/`` must equal);
    every listed action needs a manifest and a handler, and every handler a manifest.
    """
    from .handlers import shipped_handlers

    root = root or bundle_root()
    registry = registry or shipped_handlers()
    manifest = load_connector_manifest(root)
    problems: list[Problem] = []
    actions: dict[str, Action] = {}
    files = {path.stem: path for path in sorted((root / "actions").glob("*.yaml"))}
    listed = list(manifest.actions)
    for index, name in enumerate(listed):
        if name not in files:
            message = f"action {name!r} has no manifest actions/{name}.yaml"
            problems.append(locate(root, "connector.yaml", ("actions", index), message))
    for stem in files:
        if stem not in listed:
            problems.append(locate(root, "connector.yaml", ("actions",), f"actions/{stem}.yaml is not listed in connector.yaml"))
    for name in sorted(registry.names() - set(listed)):
        problems.append(locate(root, "connector.yaml", ("actions",), f"handler {name!r} has no action in connector.yaml"))
    for name in manifest.actions:
        if name not in files:
            continue
        try:
            action_manifest = load_action_manifest(files[name], manifest)
        except ManifestError as exc:
            problems.extend(exc.problems)
            continue
        if name not in registry.names():
            problems.append(locate(root, f"actions/{name}.yaml", ("name",), f"action {name!r} has no registered handler"))
            continue
        spec = registry.spec(name)
        for customerio_field, path in spec.field_map.items():
            if not _names_a_field(action_manifest, path):
                message = f"handler {name!r} maps Customer.io's {customerio_field!r} to {path}, not a field of the action"
                problems.append(locate(root, f"actions/{name}.yaml", ("fields",), message))
        schema = action_schema(manifest, action_manifest)
        actions[name] = Action(action_manifest, schema, spec.build, idempotent=spec.idempotent, destructive=spec.destructive)
    if problems:
        raise ManifestError(problems)
    return Connector(manifest, actions, connection_schema(manifest))


"""Loading the connector: ``connector.yaml``, each action's manifest and schema, and their handlers.

The compiled bundle (``declarative.compiled``) is used when it matches the manifests byte for
byte; otherwise the YAML is read and checked in full. Either way the handlers are checked against
the manifests here, so a custom registry is judged the same on both paths.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ._util.bundle import bundle_root
from .declarative.compiled import CompiledConnector, manifest_files, read_compiled
from .errors import ManifestError, Problem
from .pipeline.action import Action
from .pipeline.registry import HandlerRegistry
from .runtime import Connector

__all__ = ["load_connector", "load_manifests"]


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

    Every listed action needs a manifest and a handler, and every handler a manifest; the schemas
    are those the manifests generate (what the committed ``schemas/`` must equal). Every problem
    is reported at once.
    """
    from .handlers import shipped_handlers

    root = root or bundle_root()
    registry = registry or shipped_handlers()
    files = manifest_files(root)
    compiled = read_compiled(root, files)
    listing: list[Problem] = []
    broken: dict[str, list[Problem]] = {}
    if compiled is None:
        compiled, listing, broken = _read_manifests(root, files)
    problems = listing + _unclaimed_handlers(root, compiled, registry)
    for name in compiled.manifest.actions:
        problems += broken.get(name, [])
        if name in compiled.actions:
            problems += _handler_problems(root, name, compiled.actions[name], registry)
    if problems:
        raise ManifestError(problems)
    actions = {
        name: Action(
            manifest,
            compiled.schemas[name],
            registry.spec(name).build,
            idempotent=registry.spec(name).idempotent,
            destructive=registry.spec(name).destructive,
            compile_handler=registry.spec(name).compile,
        )
        for name, manifest in compiled.actions.items()
    }
    return Connector(compiled.manifest, actions, compiled.connection_schema)


def load_manifests(root: Path) -> CompiledConnector:
    """The manifests read from YAML and checked in full, with the schemas they generate."""
    compiled, listing, broken = _read_manifests(root, manifest_files(root))
    problems = listing + [problem for name in compiled.manifest.actions for problem in broken.get(name, [])]
    if problems:
        raise ManifestError(problems)
    return compiled


def _read_manifests(
    root: Path, files: Mapping[str, Path]
) -> tuple[CompiledConnector, list[Problem], dict[str, list[Problem]]]:
    """What the YAML holds, the problems with the action listing, and each broken action's problems."""
    from .declarative.manifest import load_action_manifest, load_connector_manifest, locate
    from .declarative.schema import action_schema, connection_schema

    manifest = load_connector_manifest(root)
    listing: list[Problem] = []
    listed = list(manifest.actions)
    for index, name in enumerate(listed):
        if name not in files:
            message = f"action {name!r} has no manifest actions/{name}.yaml"
            listing.append(locate(root, "connector.yaml", ("actions", index), message))
    for stem in files:
        if stem not in listed:
            listing.append(locate(root, "connector.yaml", ("actions",), f"actions/{stem}.yaml is not listed in connector.yaml"))
    actions = {}
    broken: dict[str, list[Problem]] = {}
    for name in listed:
        if name not in files:
            continue
        try:
            actions[name] = load_action_manifest(files[name], manifest)
        except ManifestError as exc:
            broken[name] = list(exc.problems)
    schemas = {name: action_schema(manifest, action) for name, action in actions.items()}
    return CompiledConnector(manifest, actions, schemas, connection_schema(manifest)), listing, broken


def _locate(root: Path, source: str, parts: tuple[str | int, ...], message: str) -> Problem:
    """A problem with its line and column: the YAML is read for them only when there is one."""
    from .declarative.manifest import locate

    return locate(root, source, parts, message)


def _unclaimed_handlers(root: Path, compiled: CompiledConnector, registry: HandlerRegistry) -> list[Problem]:
    return [
        _locate(root, "connector.yaml", ("actions",), f"handler {name!r} has no action in connector.yaml")
        for name in sorted(registry.names() - set(compiled.manifest.actions))
    ]


def _handler_problems(root: Path, name: str, manifest: Any, registry: HandlerRegistry) -> list[Problem]:
    """An action without a handler, or a handler's field map naming no field of the action."""
    if name not in registry.names():
        return [_locate(root, f"actions/{name}.yaml", ("name",), f"action {name!r} has no registered handler")]
    problems = []
    for customerio_field, path in registry.spec(name).field_map.items():
        if not _names_a_field(manifest, path):
            message = f"handler {name!r} maps Customer.io's {customerio_field!r} to {path}, not a field of the action"
            problems.append(_locate(root, f"actions/{name}.yaml", ("fields",), message))
    return problems

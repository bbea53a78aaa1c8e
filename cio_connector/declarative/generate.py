"""Every file generated from the manifests into ``schemas/``: input schemas and stored-config schemas."""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from .compiled import BUNDLE_NAME, manifest_files, render_compiled, source_key
from .config_schema import config_schema
from .models import ActionManifest, ConnectorManifest
from .schema import action_schema, connection_schema

__all__ = ["render_schemas", "write_schemas"]


def render_schemas(
    connector: ConnectorManifest, actions: Iterable[ActionManifest], *, root: Path | None = None
) -> dict[str, str]:
    """Every generated file, relative to ``schemas/``, as the exact text to commit.

    With the ``root`` the manifests were read from, the compiled bundle too (keyed by their bytes).
    """
    actions = list(actions)
    connection = connection_schema(connector)
    schemas = {action.name: action_schema(connector, action) for action in actions}
    files = {"connection.json": _dump(connection)}
    for action in actions:
        files[f"actions/{action.name}.json"] = _dump(schemas[action.name])
        files[f"config/{action.name}.json"] = _dump(config_schema(connector, action))
    if root is not None:
        key = source_key(root, manifest_files(root))
        if key is not None:
            files[BUNDLE_NAME] = render_compiled(key, connector, actions, schemas, connection)
    return files


def write_schemas(folder: Path, files: dict[str, str]) -> list[str]:
    """Write ``files`` under ``folder``; returns the names that changed. Stale action files go."""
    changed = []
    for name, text in files.items():
        path = folder / name
        if not path.exists() or path.read_text() != text:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
            changed.append(name)
    for stale in [*(folder / "actions").glob("*.json"), *(folder / "config").glob("*.json")]:
        name = f"{stale.parent.name}/{stale.name}"
        if name not in files:
            stale.unlink()
            changed.append(f"{name} (removed)")
    return changed


def _dump(schema: dict[str, Any]) -> str:
    return json.dumps(schema, indent=2, ensure_ascii=False) + "\n"

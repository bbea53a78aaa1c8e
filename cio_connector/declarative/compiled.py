"""The compiled bundle: manifests and schemas as one JSON file, loaded without YAML or pydantic.

``cio-connector schemas`` writes ``schemas/compiled-connector.json`` beside the generated schemas.
It is keyed by a digest of the manifests' bytes and the package version, so editing a manifest
(or upgrading the package) makes it stale without anyone having to remember: the loader then reads
the YAML in full, exactly as without a bundle. Reading it costs one small file read and one
``json.loads``; parsing and checking the YAML, building models through pydantic and generating
schemas are what a cold start would otherwise spend most of its time on.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .._version import __version__
from .models import ActionManifest, ConnectorManifest, model_data, model_from_data

__all__ = ["BUNDLE_NAME", "CompiledConnector", "manifest_files", "read_compiled", "render_compiled", "source_key"]

#: Where the bundle lives, relative to ``schemas/``.
BUNDLE_NAME = "compiled-connector.json"
#: Changes whenever the bundle's shape does, so an old bundle reads as stale rather than wrong.
_FORMAT = 1
#: A bundle is our own small file; anything larger is not one (read nothing past this).
_MAX_BYTES = 16 * 1024 * 1024


@dataclass(frozen=True)
class CompiledConnector:
    """What loading the manifests produces: the parsed manifests and their generated schemas."""

    manifest: ConnectorManifest
    actions: Mapping[str, ActionManifest]
    schemas: Mapping[str, Mapping[str, Any]]
    connection_schema: Mapping[str, Any]


def manifest_files(root: Path) -> dict[str, Path]:
    """``actions/*.yaml`` by action name, sorted."""
    return {path.stem: path for path in sorted((root / "actions").glob("*.yaml"))}


def source_key(root: Path, files: Mapping[str, Path]) -> str | None:
    """A digest of ``connector.yaml``, every action manifest (names and bytes) and the package
    version; None when one of them cannot be read (the full load then says why)."""
    digest = hashlib.sha256(f"cio-connector {__version__} bundle {_FORMAT}\0".encode())
    try:
        for name, path in (("connector.yaml", root / "connector.yaml"), *files.items()):
            data = path.read_bytes()
            digest.update(f"{name}\0{len(data)}\0".encode())
            digest.update(data)
    except OSError:
        return None
    return digest.hexdigest()


def render_compiled(
    key: str,
    manifest: ConnectorManifest,
    actions: Iterable[ActionManifest],
    schemas: Mapping[str, Mapping[str, Any]],
    connection_schema: Mapping[str, Any],
) -> str:
    """The bundle's text for manifests whose files digest to ``key``."""
    document = {
        "format": _FORMAT,
        "key": key,
        "connector": model_data(manifest),
        "connection_schema": connection_schema,
        "actions": [{"manifest": model_data(action), "schema": schemas[action.name]} for action in actions],
    }
    return json.dumps(document, ensure_ascii=False, indent=1) + "\n"  # key order kept: it is the schemas' order


def read_compiled(root: Path, files: Mapping[str, Path]) -> CompiledConnector | None:
    """The bundle under ``root/schemas``, or None when it is missing, stale or not ours."""
    path = root / "schemas" / BUNDLE_NAME
    try:
        if not path.is_file() or path.stat().st_size > _MAX_BYTES:
            return None
        document = json.loads(path.read_bytes())
    except (OSError, ValueError):
        return None
    key = source_key(root, files)
    if key is None or not isinstance(document, dict) or document.get("format") != _FORMAT or document.get("key") != key:
        return None
    try:
        manifest = model_from_data(ConnectorManifest, document["connector"])
        actions = {}
        schemas = {}
        for entry in document["actions"]:
            action = model_from_data(ActionManifest, entry["manifest"])
            actions[action.name] = action
            schemas[action.name] = entry["schema"]
        return CompiledConnector(manifest, actions, schemas, document["connection_schema"])
    except (KeyError, TypeError, ValueError, AttributeError):
        return None  # written by another version in the same format, or edited by hand: load in full

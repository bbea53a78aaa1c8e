"""The one connection an MCP server uses: from a file, the environment, or the local sandbox.

The server keeps the connection; an agent never sees or sends credentials. Where each value came
from is kept too, so a problem can say what to fix (``CIO_TRACK_API_KEY``, or the file).
"""

from __future__ import annotations

import json
import os
import stat
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .._util.yamlsource import MAX_YAML_BYTES, load_yaml
from ..errors import CioConnectorError

__all__ = ["ENVIRONMENT", "ServerConnection", "connection_from_environment", "connection_from_file"]

#: Connection field -> the environment variable that gives it.
ENVIRONMENT: Mapping[str, str] = {
    "region": "CIO_REGION",
    "site_id": "CIO_SITE_ID",
    "track_api_key": "CIO_TRACK_API_KEY",
    "app_api_key": "CIO_APP_API_KEY",
}


@dataclass(frozen=True)
class ServerConnection:
    """Connection JSON and where it came from (``origin`` is shown in problems, never the values)."""

    data: Mapping[str, Any] = field(repr=False)
    origin: str
    #: Connection field -> where a person sets it, when that differs per field (environment variables).
    places: Mapping[str, str] = field(default_factory=dict)

    def where(self, key: str | None) -> str:
        """Where to fix the connection field ``key``: its variable, or the origin."""
        return self.places.get(key or "", self.origin)


def connection_from_environment(environ: Mapping[str, str] | None = None) -> ServerConnection:
    """``CIO_REGION``, ``CIO_SITE_ID``, ``CIO_TRACK_API_KEY`` and ``CIO_APP_API_KEY``; the unset
    ones are left out, so each is reported missing by name."""
    environ = os.environ if environ is None else environ
    data = {key: environ[name] for key, name in ENVIRONMENT.items() if environ.get(name)}
    return ServerConnection(data, "the environment", dict(ENVIRONMENT))


def connection_from_file(path: str | Path) -> ServerConnection:
    """A connection file: JSON when named ``*.json``, YAML otherwise (through the safe loader).

    Only a regular file of at most ``MAX_YAML_BYTES`` is read; every failure is one line that
    names the file, and never a value from it.
    """
    path = Path(path)
    shown = f"--connection {path}"
    try:
        info = path.stat()
        if not stat.S_ISREG(info.st_mode):
            raise CioConnectorError(f"{shown}: not a regular file")
        if info.st_size > MAX_YAML_BYTES:
            raise CioConnectorError(f"{shown}: over {MAX_YAML_BYTES:,} bytes; a connection is a few lines")
        with path.open("rb") as handle:
            raw = handle.read(MAX_YAML_BYTES + 1)
    except OSError as exc:
        raise CioConnectorError(f"{shown}: cannot read it: {exc.strerror or exc}") from None
    if len(raw) > MAX_YAML_BYTES:
        raise CioConnectorError(f"{shown}: over {MAX_YAML_BYTES:,} bytes; a connection is a few lines")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise CioConnectorError(f"{shown}: not UTF-8 text") from None
    data = _parse(text, path, shown)
    if not isinstance(data, dict):
        raise CioConnectorError(f"{shown}: must hold a mapping of connection fields (region, site_id, ...)")
    return ServerConnection(data, shown)


def _parse(text: str, path: Path, shown: str) -> Any:
    if path.suffix.lower() == ".json":
        try:
            return json.loads(text)
        except json.JSONDecodeError as exc:
            raise CioConnectorError(f"{shown}:{exc.lineno}:{exc.colno}: not JSON: {exc.msg}") from None
        except RecursionError:
            raise CioConnectorError(f"{shown}: nests too deeply to be a connection") from None
    try:
        return load_yaml(text, str(path)).data
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        position = f":{mark.line + 1}:{mark.column + 1}" if mark else ""
        # The problem text names the construct (a tab, an alias), never the value it holds.
        raise CioConnectorError(f"{shown}{position}: not valid YAML: {getattr(exc, 'problem', None) or 'unreadable'}") from None

"""The declarative core's fixtures: the shipped manifests and where they live (the connector comes from the root)."""

from __future__ import annotations

from pathlib import Path

import pytest

from cio_connector._util.bundle import bundle_root
from cio_connector.declarative.manifest import ConnectorManifest, load_connector_manifest

ROOT = bundle_root()
ACTION_FILES = sorted((ROOT / "actions").glob("*.yaml"))
ACTION_NAMES = [path.stem for path in ACTION_FILES]


@pytest.fixture(scope="session")
def connector_manifest() -> ConnectorManifest:
    return load_connector_manifest()


@pytest.fixture(scope="session")
def root() -> Path:
    return ROOT

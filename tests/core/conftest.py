"""Shared fixtures for the declarative core: the shipped connector, loaded once."""

from __future__ import annotations

from pathlib import Path

import pytest

from cio_connector import Connector, load_connector
from cio_connector._util.bundle import bundle_root
from cio_connector.declarative.manifest import ConnectorManifest, load_connector_manifest

ROOT = bundle_root()
ACTION_FILES = sorted((ROOT / "actions").glob("*.yaml"))
ACTION_NAMES = [path.stem for path in ACTION_FILES]


@pytest.fixture(scope="session")
def connector() -> Connector:
    return load_connector()


@pytest.fixture(scope="session")
def connector_manifest() -> ConnectorManifest:
    return load_connector_manifest()


@pytest.fixture(scope="session")
def root() -> Path:
    return ROOT

"""The node harness (Ajv, react-jsonschema-form, JSON Forms) and headless Chromium, for tests that need them."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
SCHEMAS = ROOT / "schemas"
CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome")


def _npm_ci() -> None:
    """``npm ci`` once per checkout: .ci/run does it up front; a developer's first run does it here."""
    stamp = HERE / "node_modules" / ".package-lock.json"
    if stamp.is_file() and stamp.stat().st_mtime >= (HERE / "package-lock.json").stat().st_mtime:
        return
    subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=HERE, check=True, capture_output=True, timeout=600)


@pytest.fixture(scope="session")
def node() -> str:
    found = shutil.which("node")
    if not found or not shutil.which("npm"):
        pytest.fail("node and npm are needed (apt-get install -y nodejs npm; .ci/run installs them)")
    _npm_ci()
    return found


def run_node(node: str, script: str, payload: Any) -> Any:
    done = subprocess.run([node, script], cwd=HERE, input=json.dumps(payload), capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def generated_schemas() -> dict[str, dict]:
    """Every generated schema by its name under schemas/: the connection, the inputs and the configs."""
    names = ["connection.json", *sorted(f"{p.parent.name}/{p.name}" for p in SCHEMAS.glob("*/*.json"))]
    return {name: json.loads((SCHEMAS / name).read_text()) for name in names}


def chromium_path() -> str | None:
    return next((path for name in CHROMIUM_NAMES if (path := shutil.which(name))), None)


@pytest.fixture(scope="session")
def connector():
    from cio_connector import load_connector

    return load_connector()

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


OUTPUT = ROOT / "test-output" / "browser"


@pytest.fixture(scope="session")
def output_dir() -> Path:
    """Screenshots land here (gitignored), so a failed run can be looked at."""
    OUTPUT.mkdir(parents=True, exist_ok=True)
    return OUTPUT


@pytest.fixture(scope="package")
def browser():
    """One headless Chromium for every browser test: Debian's, driven by Playwright (never its own download).

    Package-scoped, not session-scoped: Playwright's sync API keeps an event loop running in this
    thread while it is open, and the asyncio tests after this package need the thread free.
    """
    path = chromium_path()
    if path is None:
        pytest.skip("Chromium is not installed here (apt-get install -y chromium; .ci/run installs it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=path, args=["--no-sandbox", "--disable-gpu"])
        yield launched
        launched.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1000, "height": 900})
    opened = context.new_page()
    opened.console_messages = []  # type: ignore[attr-defined]
    opened.on("console", lambda message: opened.console_messages.append(f"{message.type}: {message.text}"))
    opened.on("pageerror", lambda error: opened.console_messages.append(f"pageerror: {error}"))
    yield opened
    context.close()


@pytest.fixture(scope="session")
def harness_bundle(node, output_dir) -> Path:
    """react-jsonschema-form and JSON Forms with Ajv2020 and our keywords, bundled by esbuild."""
    bundle = output_dir / "harness.js"
    esbuild = HERE / "node_modules" / ".bin" / "esbuild"
    subprocess.run(
        [str(esbuild), "harness.jsx", "--bundle", "--format=iife", "--jsx=automatic", "--minify", "--log-level=warning",
         "--define:process.env.NODE_ENV=\"production\"", f"--outfile={bundle}"],
        cwd=HERE, check=True, capture_output=True, timeout=300,
    )
    return bundle


@pytest.fixture(scope="session")
def forms_site():
    """The form page over a fresh sandbox, for the whole session."""
    from cio_connector.forms.app import FormsSandbox

    with FormsSandbox() as running:
        yield running

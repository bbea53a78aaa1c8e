"""The built wheel is self-contained: installed in a fresh venv, it loads its own manifests from anywhere."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import sysconfig
import textwrap
import venv
from importlib import metadata
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from cio_connector._util.bundle import bundle_root

from .conftest import ACTION_NAMES

pytestmark = pytest.mark.slow

REPO = bundle_root()

PROBE = textwrap.dedent(
    """
    import json, sys
    from pathlib import Path
    import cio_connector
    from cio_connector import load_connector
    from cio_connector._util.bundle import bundle_root

    connector = load_connector()
    bad = connector.validate("upsert_customer", {"matching_field": "email", "matching_value": "nope"})
    good = connector.validate("track_event", {"name": "purchase", "customer_id": "42", "timestamp": 1714564800})
    root = bundle_root()
    print(json.dumps({
        "file": cio_connector.__file__,
        "root": str(root),
        "actions": list(connector.actions),
        "bad": [str(p) for p in bad],
        "good": [str(p) for p in good],
        "schemas": sorted(p.name for p in (root / "schemas" / "actions").glob("*.json")),
        "meta": sorted(p.name for p in (root / "schemas").glob("*.schema.json")),
        "typed": (Path(cio_connector.__file__).parent / "py.typed").is_file(),
    }))
    """
)


def _run(*args: str | Path, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    result = subprocess.run([str(a) for a in args], check=False, cwd=cwd, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, f"{args} failed:\n{result.stdout}\n{result.stderr}"
    return result


def _bin(env_dir: Path, name: str) -> Path:
    return env_dir / ("Scripts" if os.name == "nt" else "bin") / name


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    dist = tmp_path_factory.mktemp("dist")
    _run(sys.executable, "-m", "build", "--wheel", "--outdir", dist, REPO, cwd=dist)
    (built,) = dist.glob("cio_connector-*.whl")
    return built


def _fresh_venv(base: Path, wheel: Path) -> tuple[Path, Path]:
    """(python of a fresh venv holding only ``wheel``, its site-packages)."""
    env_dir = base / "venv"
    venv.EnvBuilder(with_pip=False, system_site_packages=False).create(env_dir)
    python = _bin(env_dir, "python")
    _run(sys.executable, "-m", "pip", "--python", python, "install", "--no-deps", "--no-index", "--quiet", wheel, cwd=base)
    site = Path(_run(python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))", cwd=base).stdout.strip())
    return python, site


@pytest.fixture(scope="module")
def installed(tmp_path_factory, wheel) -> tuple[Path, Path]:
    """(python of a fresh venv holding only the built wheel, a directory far from the repository)."""
    base = tmp_path_factory.mktemp("wheel")
    python, site = _fresh_venv(base, wheel)
    # The runtime dependencies come from this test run's environment, behind the wheel in sys.path.
    (site / "_deps_from_test_env.pth").write_text(sysconfig.get_path("purelib") + "\n")

    elsewhere = base / "elsewhere"
    elsewhere.mkdir()
    return python, elsewhere


def _core_distributions() -> list[metadata.Distribution]:
    """cio-connector's runtime dependencies, transitively, without any extra (no sandbox, no test)."""
    found: dict[str, metadata.Distribution] = {}
    todo = [Requirement(text) for text in metadata.requires("cio-connector") or []]
    while todo:
        requirement = todo.pop()
        if requirement.marker is not None and not requirement.marker.evaluate({"extra": ""}):
            continue
        name = canonicalize_name(requirement.name)
        if name not in found:
            found[name] = metadata.distribution(requirement.name)
            todo += [Requirement(text) for text in found[name].requires or []]
    return list(found.values())


@pytest.fixture(scope="module")
def installed_without_extras(tmp_path_factory, wheel) -> tuple[Path, Path]:
    """Like ``installed``, but only the core dependencies are importable: what ``pip install
    cio-connector`` gives, without ``[sandbox]``. They are linked from this test run's environment,
    package by package, so no network is needed."""
    base = tmp_path_factory.mktemp("core-only")
    python, site = _fresh_venv(base, wheel)
    deps = base / "core-deps"
    deps.mkdir()
    for dist in _core_distributions():
        tops = {Path(str(file)).parts[0] for file in dist.files or ()} - {"..", "__pycache__"}
        for top in tops:
            source = Path(str(dist.locate_file(top)))
            if source.exists() and not (deps / top).exists():
                (deps / top).symlink_to(source)
    (site / "_core_deps.pth").write_text(f"{deps}\n")
    elsewhere = base / "elsewhere"
    elsewhere.mkdir()
    return python, elsewhere


def _clean_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "VIRTUAL_ENV"))}
    return {**env, "PYTHONNOUSERSITE": "1"}


def test_the_installed_wheel_loads_its_own_manifests(installed):
    python, elsewhere = installed
    out = json.loads(_run(python, "-c", PROBE, cwd=elsewhere, env=_clean_env()).stdout)

    package = Path(out["file"]).parent
    assert python.parent.parent in package.parents, "cio_connector was imported from outside the fresh venv"
    assert REPO not in package.parents and package != REPO / "cio_connector"
    assert Path(out["root"]) == package / "_bundle"
    assert sorted(out["actions"]) == sorted(ACTION_NAMES)
    assert out["bad"] == ["$.matching_value: must be an email address when Matching Field Name is Email"]
    assert out["good"] == []
    assert out["schemas"] == sorted(f"{name}.json" for name in ACTION_NAMES)
    assert out["meta"] == ["action-manifest.schema.json", "config-file.schema.json", "connector-manifest.schema.json"]
    assert out["typed"] is True


def test_the_installed_schemas_match_the_installed_manifests(installed):
    python, elsewhere = installed
    result = _run(python, "-m", "cio_connector.cli", "schemas", "--check", cwd=elsewhere, env=_clean_env())
    assert result.stderr == ""


def test_the_installed_command_lists_the_actions(installed):
    python, elsewhere = installed
    result = _run(_bin(python.parent.parent, "cio-connector"), "actions", cwd=elsewhere, env=_clean_env())
    for name in ACTION_NAMES:
        assert name in result.stdout


# -- the host contract, from the installed wheel (same venv; tests/host/ covers the behaviour) ----

ENTRY_POINT_PROBE = textwrap.dedent(
    """
    import json, sys
    from importlib.metadata import entry_points

    found = [ep for ep in entry_points(group="connectors") if ep.name == "customerio"]
    loader = found[0].load()
    connector = loader()
    print(json.dumps({
        "values": sorted({ep.value for ep in found}),
        "sites": [str(ep.dist.locate_file("")) for ep in found],
        "module": sys.modules[loader.__module__].__file__,
        "actions": list(connector.actions),
    }))
    """
)


def test_the_installed_wheel_is_found_through_its_entry_point(installed):
    python, elsewhere = installed
    out = json.loads(_run(python, "-c", ENTRY_POINT_PROBE, cwd=elsewhere, env=_clean_env()).stdout)
    venv_dir = python.parent.parent
    assert out["values"] == ["cio_connector:load_connector"]
    assert any(venv_dir in Path(site).parents for site in out["sites"]), out["sites"]
    assert venv_dir in Path(out["module"]).parents
    assert sorted(out["actions"]) == sorted(ACTION_NAMES)


def test_the_installed_command_speaks_the_json_protocol(installed):
    python, elsewhere = installed
    command = _bin(python.parent.parent, "cio-connector")
    spec = json.loads(_run(command, "spec", cwd=elsewhere, env=_clean_env()).stdout)
    assert sorted(spec["actions"]) == sorted(ACTION_NAMES)
    assert spec["actions"]["add_customer_to_segment"]["options"][0]["source"] == "segments"

    connection = elsewhere / "connection.json"
    secrets = {"track_api_key": "trk-SECRET", "app_api_key": "app-SECRET"}
    connection.write_text(json.dumps({"region": "eu", "site_id": "site-1", **secrets}))
    config = json.dumps({"name": "purchase", "customer_id": "42", "mappings": {"total": 9}})
    result = subprocess.run(
        [str(command), "execute", "track_event", "--config", "-", "--connection", str(connection), "--dry-run"],
        input=config, cwd=elsewhere, env=_clean_env(), capture_output=True, text=True, timeout=120, check=False,
    )
    assert result.returncode == 0, result.stderr
    doc = json.loads(result.stdout)
    assert doc["outcome"] == "dry_run"
    assert doc["result"]["request"]["url"] == "https://track-eu.customer.io/api/v2/entity"
    assert "SECRET" not in result.stdout


def _cli(python: Path, *args: str, cwd: Path) -> subprocess.CompletedProcess:
    command = [str(_bin(python.parent.parent, "cio-connector")), *args]
    return subprocess.run(command, check=False, cwd=cwd, env=_clean_env(), capture_output=True, text=True, timeout=120)


def test_without_extras_the_sandbox_is_really_absent(installed_without_extras):
    python, elsewhere = installed_without_extras
    probe = "import importlib.util as u; print([m for m in ('starlette', 'uvicorn', 'jinja2', 'httpx') if u.find_spec(m)])"
    assert _run(python, "-c", probe, cwd=elsewhere, env=_clean_env()).stdout.strip() == "['jinja2', 'httpx']"


@pytest.mark.parametrize("command", ["demo", "sandbox"])
def test_without_the_sandbox_extra_the_commands_print_one_line_saying_what_to_install(installed_without_extras, command):
    python, elsewhere = installed_without_extras
    result = _cli(python, command, cwd=elsewhere)
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr == "error: the sandbox needs the [sandbox] extra: pip install 'cio-connector[sandbox]'\n"


def test_without_the_mcp_extra_mcp_prints_one_line_saying_what_to_install(installed_without_extras):
    python, elsewhere = installed_without_extras
    result = _cli(python, "mcp", cwd=elsewhere)
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr == "error: cio-connector mcp needs the [mcp] extra: pip install 'cio-connector[mcp]'\n"


def test_without_extras_the_connector_itself_works(installed_without_extras):
    python, elsewhere = installed_without_extras
    result = _cli(python, "actions", cwd=elsewhere)
    assert result.returncode == 0, result.stderr
    assert all(name in result.stdout for name in ACTION_NAMES)


def test_version(installed_without_extras):
    from cio_connector import __version__

    python, elsewhere = installed_without_extras
    result = _cli(python, "--version", cwd=elsewhere)
    assert (result.returncode, result.stdout, result.stderr) == (0, f"cio-connector {__version__}\n", "")


def test_schemas_never_writes_into_the_installed_package(installed_without_extras):
    python, elsewhere = installed_without_extras
    result = _cli(python, "schemas", cwd=elsewhere)
    assert result.returncode == 2
    assert "pass --out DIR" in result.stderr and "Traceback" not in result.stderr
    assert list(elsewhere.iterdir()) == []
    out = elsewhere / "my-schemas"
    assert _cli(python, "schemas", "--out", str(out), cwd=elsewhere).returncode == 0
    assert sorted(p.name for p in (out / "actions").glob("*.json")) == sorted(f"{name}.json" for name in ACTION_NAMES)

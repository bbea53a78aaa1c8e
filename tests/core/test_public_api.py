"""The exported surface is deliberate: a sorted ``__all__`` locked here, and every module's ``__all__`` honest."""

from __future__ import annotations
import __future__

import importlib
import importlib.resources
import pkgutil
from types import ModuleType

import pytest

import cio_connector

PUBLIC = [
    "ActionResult",
    "ApiError",
    "ApiRequest",
    "AsyncCioClient",
    "AuthenticationError",
    "Check",
    "CioClient",
    "CioConnectorError",
    "Connection",
    "ConnectionConfigError",
    "ConnectionReport",
    "Connector",
    "FatalApiError",
    "InputError",
    "ManifestError",
    "Problem",
    "RegionMismatchError",
    "RetryPolicy",
    "RetryableApiError",
    "__version__",
    "load_connector",
]


def _modules() -> list[str]:
    names = []
    for info in pkgutil.walk_packages(cio_connector.__path__, prefix="cio_connector."):
        if info.name.rsplit(".", 1)[-1] != "__main__":
            names.append(info.name)
    return sorted(names)


MODULES = _modules()


def test_the_exported_surface_is_locked():
    assert cio_connector.__all__ == PUBLIC


def test_all_is_sorted_and_unique():
    assert cio_connector.__all__ == sorted(set(cio_connector.__all__))


def test_every_public_name_of_the_package_is_exported():
    for name in cio_connector.__all__:  # names load on first use; load them all
        getattr(cio_connector, name)
    public = {
        name for name, value in vars(cio_connector).items()
        if not name.startswith("_") and not isinstance(value, (ModuleType, __future__._Feature))
    }
    assert public == set(PUBLIC) - {"__version__"}


def test_the_version_matches_the_connector_manifest(connector):
    assert cio_connector.__version__ == connector.manifest.version


def test_the_package_is_typed():
    assert importlib.resources.files("cio_connector").joinpath("py.typed").is_file()


def test_the_module_list_covers_the_core():
    core = {"_util.bundle", "_util.jsonbytes", "_util.yamlsource", "declarative.manifest", "declarative.schema",
            "declarative.validation", "errors", "facts", "loader", "pipeline.action", "pipeline.registry", "pipeline.templating",
            "runtime"}
    assert {f"cio_connector.{name}" for name in core} <= set(MODULES)


@pytest.mark.parametrize("name", MODULES)
def test_every_module_declares_an_honest_all(name):
    module = importlib.import_module(name)
    exported = getattr(module, "__all__", None)
    assert exported is not None, f"{name} has no __all__"
    assert len(exported) == len(set(exported)), f"{name}.__all__ repeats a name"
    missing = [item for item in exported if not hasattr(module, item)]
    assert missing == [], f"{name}.__all__ names what it does not define: {missing}"


@pytest.mark.parametrize("name", PUBLIC)
def test_every_exported_name_is_defined(name):
    assert getattr(cio_connector, name) is not None

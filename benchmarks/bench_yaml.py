"""Parse time of the shipped manifests: PyYAML's pure-Python SafeLoader (before) against ours.

Ours builds the document from parser events (libyaml's CSafeLoader when PyYAML has it, else the
pure-Python parser); the script first checks that all three give the same data and positions.
Run: ./dev python benchmarks/bench_yaml.py
"""

from __future__ import annotations

import time
from collections.abc import Callable

import yaml

from cio_connector._util import yamlsource
from cio_connector._util.bundle import bundle_root

ROOT = bundle_root()
FILES = [ROOT / "connector.yaml", *sorted((ROOT / "actions").glob("*.yaml"))]
TEXTS = {str(path.relative_to(ROOT)): path.read_text() for path in FILES}


class _Before(yaml.SafeLoader):
    """The loader as it was: SafeLoader without the timestamp resolver."""


_Before.yaml_implicit_resolvers = {
    key: [(tag, regexp) for tag, regexp in found if tag != "tag:yaml.org,2002:timestamp"]
    for key, found in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def before(text: str, source: str) -> tuple[object, dict]:
    loader = _Before(text)
    try:
        node = loader.get_single_node()
        positions: dict = {}
        stack = [(node, ())]
        while stack:
            current, path = stack.pop()
            positions[path] = (current.start_mark.line + 1, current.start_mark.column + 1)
            if isinstance(current, yaml.MappingNode):
                stack += [(value, (*path, key.value)) for key, value in current.value]
            elif isinstance(current, yaml.SequenceNode):
                stack += [(item, (*path, index)) for index, item in enumerate(current.value)]
        return loader.construct_document(node), positions
    finally:
        loader.dispose()


def after(loader: type) -> Callable[[str, str], tuple[object, dict]]:
    def parse(text: str, source: str) -> tuple[object, dict]:
        located = yamlsource.load_yaml(text, source, loader=loader)
        return located.data, dict(located.positions)

    return parse


def seconds(parse: Callable[[str, str], object], repeat: int = 30) -> float:
    start = time.perf_counter()
    for _ in range(repeat):
        for source, text in TEXTS.items():
            parse(text, source)
    return (time.perf_counter() - start) / repeat


def main() -> None:
    pure, fast = after(yamlsource._PyLoader), after(yamlsource._Loader)
    for source, text in TEXTS.items():
        assert before(text, source) == pure(text, source) == fast(text, source), source
    old, new_pure, new_fast = seconds(before), seconds(pure), seconds(fast)
    print(f"{len(TEXTS)} manifests, {sum(map(len, TEXTS.values())):,} characters, all parses equal (data and positions)")
    print(f"  before  PyYAML SafeLoader (pure Python)     {old * 1000:6.1f} ms")
    print(f"  after   events from the pure-Python parser  {new_pure * 1000:6.1f} ms")
    print(f"  after   events from libyaml (CSafeLoader)   {new_fast * 1000:6.1f} ms   ({old / new_fast:.1f}x faster)")


if __name__ == "__main__":
    main()

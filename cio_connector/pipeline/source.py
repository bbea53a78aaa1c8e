"""Python source we generate, compiled once per distinct text and bound to its values by name.

Generated code never holds text from a config or a record: every constant, key and helper is
bound as a name (a closure variable of a factory, so each read is a cell load, not a dictionary
lookup), so configs of one shape share one compiled text.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Mapping
from typing import Any

__all__ = ["generated"]


def generated(name: str, lines: list[str], names: Mapping[str, Any]) -> Any:
    """The function ``name`` that ``lines`` define, with ``names`` (and ``type``, ``len``) bound as
    closure variables: each read is a cell load, not a dictionary lookup in the globals. None when
    the source is past what the compiler takes."""
    bound = {**names, "type": type, "len": len}
    header = f"def _factory({', '.join(bound)}):"
    code = _code("\n".join([header, *("    " + line for line in lines), f"    return {name}"]))
    if code is None:
        return None
    namespace: dict[str, Any] = {}
    exec(code, namespace)  # our own source: no config or record text is in it
    return namespace["_factory"](**bound)


# Compiled code by source text: configs of one shape (the same keys and record paths, other
# values) share one source, since their text is bound as names, so a host sending a new config
# per call compiles Python once per shape. Bounded: least recent go first.
_CODE: OrderedDict[str, Any] = OrderedDict()
_CODE_LOCK = threading.Lock()


def _code(source: str) -> Any:
    with _CODE_LOCK:
        found = _CODE.get(source)
        if found is not None:
            _CODE.move_to_end(source)
            return found
    try:
        found = compile(source, "<cio-connector compiled config>", "exec")
    except (RecursionError, MemoryError, SyntaxError):  # a config nesting past what the compiler takes
        return None
    with _CODE_LOCK:
        _CODE[source] = found
        while len(_CODE) > 256:
            _CODE.popitem(last=False)
    return found


